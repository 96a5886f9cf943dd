"""War termination: fighting and bargaining at once, with domestic constraints (model ``war``).

"To win at the negotiating table, you have to win on the battlefield": the bargaining range moves
with the battlefield. A front line moves month by month (random walk with absorbing ends, or driven
by Lanchester attrition); each side learns about its chances from battles (Bayes); each month the
sides settle if Fearon's range, narrowed by ratifiers' win-sets and audience costs, is not empty,
on terms from the Nash solution or Rubinstein's alternating offers; the share maps onto the
scenario's issues. Modules: inputs (the ``war:`` block), battlefield, beliefs, bargaining (closed
forms), domestic, terms, simulate (the model), plot.

Importing this package registers the model and the collector of its uncertain inputs.

>>> from detente.models import registry
>>> import detente.models.war
>>> registry.get("war").has_rounds
True
"""

from __future__ import annotations

from typing import Any

from detente.models.base import ModelSpec, registry
from detente.models.war.options import WarOptions
from detente.models.war.endings import deal_terms

# What the package re-exports, imported on first use (listing models needs only WarOptions).
_EXPORTS = {
    "WarInputs": "detente.scenario.war", "validate_war_block": "detente.scenario.war",
    "war_problems": "detente.scenario.war",
    "rubinstein_share": "detente.models.war.bargaining", "outside_option_share": "detente.models.war.bargaining",
    "fearon_range": "detente.models.war.bargaining", "nash_split": "detente.models.war.bargaining",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def war_model(arr: Any, options: WarOptions, rng: Any, progress: Any = None) -> Any:
    """:func:`detente.models.war.simulate.war_model` (imported when the model runs, not when listed)."""
    from detente.models.war.simulate import war_model as run

    return run(arr, options, rng, progress=progress)


if not registry.is_registered("war"):
    registry.register(ModelSpec(
        name="war",
        summary="war termination: battlefield random walk / Lanchester, Bayesian learning, Fearon range, "
                "Nash or Rubinstein terms, win-sets and audience costs",
        options=WarOptions,
        run=war_model,
        has_rounds=True,
        stochastic=True,
        multi_issue=True,
        noisy=True,
        reads=deal_terms,  # its answers compare the terms given a deal, not victories pooled with deals
        given="a deal",
        variants={"nash": {"rule": "nash"}, "rubinstein": {"rule": "rubinstein"}},
    ))

__all__ = ["WarInputs", "WarOptions", "validate_war_block", "war_problems", "war_model",
           "rubinstein_share", "outside_option_share", "fearon_range", "nash_split"]
