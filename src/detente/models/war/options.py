"""Options of the ``war`` model (a light module: listing models does not import the simulation)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from detente.models.base import Options


class WarOptions(Options):
    rule: Literal["scenario", "nash", "rubinstein"] = Field(
        "scenario", description="bargaining rule; 'scenario' uses war.bargaining.rule")
    months: int | None = Field(None, ge=1, le=600, description="horizon; default war.months")
