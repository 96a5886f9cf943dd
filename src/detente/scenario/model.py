"""The scenario data model: actors, issues, stances and the evidence behind every number.

A :class:`Scenario` is what an analyst writes down. Numbers that the analyst is unsure of may be
given as ranges (see :mod:`detente.scenario.uncertain`); they are sampled when a model runs with
``draws > 1`` and replaced by their central value otherwise.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({
...     "name": "toy",
...     "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 2}],
...     "issues": [{"id": "x", "scale": {"min": 0, "max": 10}}],
...     "stances": [
...         {"actor": "A", "issue": "x", "position": 2, "salience": 1},
...         {"actor": "B", "issue": "x", "position": {"low": 6, "high": 8}, "salience": 0.5},
...     ],
... })
>>> s.actor_ids, s.issue_ids
(['A', 'B'], ['x'])
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from detente.scenario.uncertain import Uncertain, bounds_of


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Strict):
    """A document that evidence cites."""

    id: str = Field(min_length=1)
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    note: str | None = None


class Evidence(_Strict):
    """Why a number is what it is: a short attributed quote or a paraphrase, and its source."""

    quote: str | None = None
    paraphrase: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else v

    @model_validator(mode="after")
    def _has_text(self) -> "Evidence":
        if not (self.quote or self.paraphrase):
            raise ValueError("evidence needs a quote or a paraphrase")
        return self


class Actor(_Strict):
    """A party to the negotiation. ``capability`` is its clout on any positive scale."""

    id: str = Field(min_length=1)
    name: str | None = None
    capability: Uncertain = 1.0
    group: str | None = None
    description: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.id


class Scale(_Strict):
    min: float = 0.0
    max: float = 100.0

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if not self.max > self.min:
            raise ValueError(f"scale max must be greater than min (got min={self.min}, max={self.max})")
        return self


class Issue(_Strict):
    """One dimension of the settlement, with its scale and the meaning of its points."""

    id: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    anchors: dict[float, str] = Field(default_factory=dict)
    status_quo: float | None = None
    outcome: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.id

    def describe(self, value: float) -> str:
        """The label of the anchor nearest to ``value`` when it lies within a tenth of the scale,
        else '' (a value far from every labelled point gets no label rather than a wrong one)."""
        if not self.anchors:
            return ""
        nearest = min(self.anchors, key=lambda a: abs(a - value))
        if abs(nearest - value) > 0.1 * (self.scale.max - self.scale.min) + 1e-12:
            return ""
        return self.anchors[nearest]


class Stance(_Strict):
    """An actor's position on an issue, how much it cares (salience, 0-1) and the evidence."""

    actor: str
    issue: str
    position: Uncertain
    salience: Uncertain = 1.0
    capability: Uncertain | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    note: str | None = None


class Scenario(_Strict):
    """A negotiation: who takes part, what is at stake, where each actor stands and why."""

    name: str = Field(min_length=1)
    description: str | None = None
    sources: list[Source] = Field(default_factory=list)
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(min_length=1)
    stances: list[Stance] = Field(min_length=1)
    model_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Default options per model name, e.g. {'smp': {'pce_model': 'Conditional'}}.",
    )
    war: dict[str, Any] | None = Field(
        default=None, description="Inputs of the war-termination model (see detente.models.war)."
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form provenance (reader, file).")

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def issue(self, issue_id: str) -> Issue:
        return next(i for i in self.issues if i.id == issue_id)

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        problems: list[str] = []

        def dup(kind: str, ids: list[str]) -> None:
            seen: set[str] = set()
            for k, v in enumerate(ids):
                if v in seen:
                    problems.append(f"{kind}[{k}].id: duplicate id (got {v!r})")
                seen.add(v)

        dup("actors", self.actor_ids)
        dup("issues", self.issue_ids)
        dup("sources", [s.id for s in self.sources])
        actors = set(self.actor_ids)
        issues = {i.id: i for i in self.issues}

        for k, a in enumerate(self.actors):
            lo, _ = bounds_of(a.capability)
            if lo < 0:
                problems.append(f"actors[{k}].capability: must not be negative (got {lo:g})")
        for k, i in enumerate(self.issues):
            lo, hi = i.scale.min, i.scale.max
            for name in ("status_quo", "outcome"):
                v = getattr(i, name)
                if v is not None and not lo <= v <= hi:
                    problems.append(f"issues[{k}].{name}: {v:g} is off the scale [{lo:g}, {hi:g}]")
            for a in i.anchors:
                if not lo <= a <= hi:
                    problems.append(f"issues[{k}].anchors: point {a:g} is off the scale [{lo:g}, {hi:g}]")

        pairs: set[tuple[str, str]] = set()
        for k, s in enumerate(self.stances):
            where = f"stances[{k}]"
            if s.actor not in actors:
                problems.append(f"{where}.actor: unknown actor id (got {s.actor!r})")
            if s.issue not in issues:
                problems.append(f"{where}.issue: unknown issue id (got {s.issue!r})")
                continue
            if (s.actor, s.issue) in pairs:
                problems.append(f"{where}: second stance of actor {s.actor!r} on issue {s.issue!r}")
            pairs.add((s.actor, s.issue))
            sc = issues[s.issue].scale
            lo, hi = bounds_of(s.position)
            if lo < sc.min or hi > sc.max:
                problems.append(
                    f"{where}.position: off the scale [{sc.min:g}, {sc.max:g}] of issue {s.issue!r} "
                    f"(got {_show(s.position)})"
                )
            lo, hi = bounds_of(s.salience)
            if lo < 0 or hi > 1:
                problems.append(f"{where}.salience: must be between 0 and 1 (got {_show(s.salience)})")
            if s.capability is not None and bounds_of(s.capability)[0] < 0:
                problems.append(f"{where}.capability: must not be negative (got {_show(s.capability)})")
        if self.war is not None:
            from detente.scenario.war import war_problems  # lazy: avoids an import cycle

            problems.extend(war_problems(self.war, self.actor_ids, self.issue_ids))
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _show(v: Any) -> str:
    if isinstance(v, (int, float)):
        return f"{v:g}"
    if isinstance(v, BaseModel):
        return str(v.model_dump())
    return repr(v)
