"""The baselines every other model is scored against.

* ``mean`` — the compromise model: the capability x salience weighted mean of the positions
  (van den Bos 1991; Achen 2006). On DEU III it is the benchmark to beat (``bdm.md`` §3.4).
* ``median`` — the weighted median, which in one dimension is the Condorcet winner of pairwise
  votes with linear utilities (``bdm.md`` §1.3 step 3 and §1.7); BDM's round-0 forecast.
* ``nbs`` — the (asymmetric) Nash bargaining solution: with quadratic utilities
  u_i(x) = -(x - x_i)^2, bargaining weights w_i = c_i s_i and disagreement point d,

      x* = argmax_x  sum_i w_i log(u_i(x) - u_i(d))   subject to u_i(x) >= u_i(d) for all i.

  With the status quo as disagreement point (Achen 2006, "institutional realism") an actor whose
  ideal lies on the other side of the status quo vetoes every move, so in one dimension the
  solution is the status quo unless all actors want to move the same way. Without a status quo
  (or with ``disagreement="worst"``) each actor's disagreement utility is that of the end of the
  scale farthest from it. When the gains u_i(x) - u_i(d) are about equal the first-order condition
  reduces to sum_i w_i (x - x_i) = 0: the compromise model is the NBS's equal-gains approximation.

Degenerate inputs (``docs/models.md``): on an issue where every weight is zero (zero capability or
salience everywhere) all three fall back to equal weights of the actors present; one actor or
identical positions give that position.

>>> import numpy as np
>>> from detente.scenario.model import Scenario
>>> from detente.scenario.arrays import ScenarioArrays
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B", "capability": 3}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 0},
...     {"actor": "B", "issue": "x", "position": 100}]})
>>> arr = ScenarioArrays.from_scenario(s)
>>> float(weighted_mean_model(arr, MeanOptions(), None).forecast[0, 0])
75.0
"""

from __future__ import annotations

from typing import Literal, TYPE_CHECKING

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
    from detente.scenario.arrays import ScenarioArrays
else:
    np = lazy_module(globals(), "np", "numpy")

from pydantic import Field

from detente.models.base import ModelSpec, Options, Trajectory, registry
from detente.models.kernels import weighted_mean, weighted_median


class MeanOptions(Options):
    weights: Literal["capability_salience", "salience", "capability", "equal"] = Field(
        "capability_salience", description="what weights each actor's position"
    )


def _weights(arr: ScenarioArrays, how: str) -> np.ndarray:
    present = arr.present[None].astype(float)
    if how == "capability_salience":
        w = arr.capability * arr.salience * present
    elif how == "salience":
        w = arr.salience * present
    elif how == "capability":
        w = arr.capability * present
    else:
        w = np.broadcast_to(present, arr.position.shape)
    # an issue on which every weight is zero falls back to equal weights of the actors present
    dead = w.sum(axis=-1, keepdims=True) <= 0
    return np.where(dead, present, w)


def weighted_mean_model(arr: ScenarioArrays, options: MeanOptions, rng: np.random.Generator | None) -> Trajectory:
    """Compromise model: sum(c s x) / sum(c s) per draw and issue."""
    return Trajectory(forecast=weighted_mean(arr.position, _weights(arr, options.weights)))


class MedianOptions(MeanOptions):
    pass


def weighted_median_model(
    arr: ScenarioArrays, options: MedianOptions, rng: np.random.Generator | None
) -> Trajectory:
    """Lower weighted median (= Condorcet winner among held positions in 1-D)."""
    w = _weights(arr, options.weights)
    # absent actors must not be picked: move them out of the way with zero weight at +inf
    x = np.where(arr.present[None], arr.position, np.inf)
    f = weighted_median(x, w)
    return Trajectory(forecast=np.where(np.isinf(f), np.nan, f))  # no actor on the issue: no forecast


class NBSOptions(Options):
    weights: Literal["capability_salience", "salience", "capability", "equal"] = Field(
        "capability_salience", description="bargaining weight of each actor"
    )
    disagreement: Literal["status_quo", "worst"] = Field(
        "status_quo",
        description="disagreement point: the issue's status quo (issues without one use 'worst'), "
        "or for each actor the end of the scale farthest from it",
    )
    iterations: int = Field(80, ge=10, le=200, description="bisection steps on the first-order condition")


def nash_bargaining_model(arr: ScenarioArrays, options: NBSOptions, rng: np.random.Generator | None) -> Trajectory:
    """Asymmetric NBS with quadratic utilities, solved by bisection on its monotone first-order condition."""
    x = arr.position  # (D, I, N)
    w = _weights(arr, options.weights)
    active = w > 0
    lo_s = arr.scale_min[None, :, None]
    hi_s = arr.scale_max[None, :, None]
    worst = np.where(np.abs(x - lo_s) >= np.abs(x - hi_s), lo_s, hi_s)
    sq = arr.status_quo[None, :, None]
    use_sq = (options.disagreement == "status_quo") & ~np.isnan(sq)
    d = np.where(use_sq, sq, worst)  # (D, I, N) disagreement point per actor
    r = np.abs(d - x)  # gain_i(y) = r_i^2 - (y - x_i)^2 > 0  iff  |y - x_i| < r_i
    inf = np.inf
    lower = np.max(np.where(active, x - r, -inf), axis=-1)
    upper = np.min(np.where(active, x + r, inf), axis=-1)
    lower = np.maximum(lower, arr.scale_min[None, :])
    upper = np.minimum(upper, arr.scale_max[None, :])
    feasible = upper > lower

    a, b = lower.copy(), upper.copy()
    for _ in range(options.iterations):
        m = (a + b) / 2
        gain = r**2 - (m[..., None] - x) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.sum(np.where(active, -2 * w * (m[..., None] - x) / gain, 0.0), axis=-1)
        a = np.where(slope > 0, m, a)
        b = np.where(slope > 0, b, m)
    nbs = (a + b) / 2
    sq_point = np.where(np.isnan(arr.status_quo), (arr.scale_min + arr.scale_max) / 2, arr.status_quo)
    forecast = np.where(feasible, nbs, np.broadcast_to(sq_point, nbs.shape))
    return Trajectory(forecast=forecast, extras={"agreement_possible": feasible})


registry.register(ModelSpec(
    name="mean",
    summary="compromise model: capability x salience weighted mean of positions (the baseline to beat)",
    options=MeanOptions,
    run=weighted_mean_model,
))
registry.register(ModelSpec(
    name="median",
    summary="weighted median = Condorcet winner of pairwise votes in one dimension (BDM round 0)",
    options=MedianOptions,
    run=weighted_median_model,
))
registry.register(ModelSpec(
    name="nbs",
    summary="Nash bargaining solution, quadratic utilities, status quo as disagreement point (Achen)",
    options=NBSOptions,
    run=nash_bargaining_model,
))
