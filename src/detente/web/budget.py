"""The work one web request asks for, estimated before it is queued (``detente serve --max-work``).

A model run costs about ``actors x issues x draws`` times a per-model factor: :data:`COST` is
each model's CPU time per actor-issue-draw relative to the mean model's, measured on the
flagship example (8 actors x 5 issues; ``benchmarks/bench_web_budget.py`` prints them again).
One unit is about 0.3 us of CPU and, for the mean model, about 55 bytes of peak memory, so the
default budget of 100 million units is about half a minute of CPU. Sensitivity analyses count
their design points (``n (k + 2)`` for Sobol, ``n (k + 1)`` for Morris, times the replications of
noisy models) and levers their candidates (every actor's three attributes over the search grid),
each a run of one draw (sensitivity) or of ``draws`` draws (levers).

The estimate is rough by design (models with pairwise terms cost more per cell as actors grow):
it refuses the plainly too large up front; the pool's memory and wall-time bounds
(:mod:`detente.web.jobs`) catch the rest.

>>> from detente.scenario.io import validate
>>> s = validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x"}],
...               "stances": [{"actor": "A", "issue": "x", "position": 10}]}, None)
>>> e = run_work(s, ["mean", "bdm"], 1000)
>>> e.units, e.text
(62000, '2 actors x 1 issue x 1,000 draws x (1 mean + 30 bdm) = 62,000')
>>> over_budget(e, 50_000)["message"].startswith("this request's work estimate is 2 actors")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COST: dict[str, float] = {
    "mean": 1, "median": 1, "nbs": 5, "synthesis": 25, "bdm": 30, "war": 70, "exchange": 150, "smp": 180,
}
"""CPU per actor-issue-draw relative to the mean model (measured on the flagship example)."""
DEFAULT_COST = 200.0
"""The factor of a model not in :data:`COST` (a plug-in): assumed as costly as the costliest."""
MAX_WORK = 100_000_000
"""Default budget per request, in units of :data:`COST` x actor-issue-draws."""


@dataclass(frozen=True)
class Estimate:
    """A request's work: ``units`` and the product it comes from, in words."""

    units: int
    text: str


def cost(model: str) -> float:
    return float(COST.get(model, DEFAULT_COST))


def _n(k: int, one: str) -> str:
    return f"{k:,} {one}" + ("" if k == 1 else "s")


def _factors(models: list[str]) -> tuple[float, str]:
    models = list(dict.fromkeys(models))
    total = sum(cost(m) for m in models)
    parts = " + ".join(f"{cost(m):g} {m}" for m in models)
    return total, (f"({parts})" if len(models) > 1 else parts)


def run_work(scenario: Any, models: list[str], draws: int, views: int = 1) -> Estimate:
    """A run of ``models`` with ``draws`` draws (on ``views`` scenarios of this size, for compare)."""
    a, i = len(scenario.actors), len(scenario.issues)
    factor, shown = _factors(models)
    units = int(round(views * a * i * int(draws) * factor))
    head = f"{views} views x " if views > 1 else ""
    return Estimate(units, f"{head}{_n(a, 'actor')} x {_n(i, 'issue')} x {_n(int(draws), 'draw')} x {shown} "
                           f"= {units:,}")


def sensitivity_work(scenario: Any, model: str, method: str | None, n: int | None) -> Estimate:
    """A sensitivity analysis: its design points, each one draw of the model on the scenario."""
    from detente.models import registry
    from detente.scenario.arrays import input_space
    from detente.uncertainty.sensitivity import DEFAULT_N, SOBOL_MAX_INPUTS

    k = len(input_space(scenario)[0])
    method = method or ("sobol" if k <= SOBOL_MAX_INPUTS else "morris")
    size = int(n or DEFAULT_N.get(method, 512))
    if method == "sobol":
        size = 1 << max(size - 1, 1).bit_length()
    points = size * (k + 2 if method == "sobol" else k + 1)
    reps = 32 if model in registry.names() and registry.get(model).noisy else 1
    a, i = len(scenario.actors), len(scenario.issues)
    units = int(round(points * reps * a * i * cost(model)))
    rep = f" x {reps} replications" if reps > 1 else ""
    return Estimate(units, f"{_n(points, 'design point')} ({method}, n = {size}, {_n(k, 'uncertain input')}){rep} "
                           f"x {_n(a, 'actor')} x {_n(i, 'issue')} x {cost(model):g} {model} = {units:,}")


def levers_work(scenario: Any, model: str, draws: int | None) -> Estimate:
    """A levers search: every actor's position, salience and capability over the grid and its
    refinement, each candidate run with ``draws`` draws (on one issue unless the model is multi-issue)."""
    from detente.explain import levers as lv
    from detente.models import registry

    slow = model in lv.SLOW
    known = model in registry.names()
    d = int(draws) if draws is not None else (lv.default_draws(model) if known else lv.DRAWS)
    grid = lv.GRID_SLOW if slow else lv.GRID
    a = len(scenario.actors)
    cands = a * len(lv.ATTRIBUTES) * (grid + 1 + lv.REFINE)
    multi = known and registry.get(model).multi_issue
    i = len(scenario.issues) if multi else 1
    units = int(round(cands * d * a * i * cost(model)))
    return Estimate(units, f"{_n(cands, 'candidate')} x {_n(d, 'draw')} x {_n(a, 'actor')} x {_n(i, 'issue')} "
                           f"x {cost(model):g} {model} = {units:,}")


def over_budget(estimate: Estimate, budget: int, field: str = "draws") -> dict[str, Any] | None:
    """The problem (the app's error item) when ``estimate`` exceeds ``budget``, else ``None``."""
    if budget <= 0 or estimate.units <= budget:
        return None
    return {"field": field, "line": None, "value": estimate.units,
            "message": f"this request's work estimate is {estimate.text}, over this server's budget of "
                       f"{budget:,} per request (the limit is set by detente serve --max-work); "
                       f"ask for fewer draws or samples, or a smaller scenario"}
