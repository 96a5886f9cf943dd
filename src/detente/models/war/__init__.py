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

from detente.models.base import ModelSpec, registry
from detente.models.war.bargaining import fearon_range, nash_split, outside_option_share, rubinstein_share
from detente.models.war.plot import plot_settlement
from detente.models.war.simulate import WarOptions, war_model
from detente.scenario.war import WarInputs, validate_war_block, war_problems

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
        variants={"nash": {"rule": "nash"}, "rubinstein": {"rule": "rubinstein"}},
    ))

__all__ = ["WarInputs", "WarOptions", "validate_war_block", "war_problems", "war_model", "plot_settlement",
           "rubinstein_share", "outside_option_share", "fearon_range", "nash_split"]
