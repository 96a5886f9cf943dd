"""Shared plumbing of the explanations: rebuild a run's inputs, slice and stack arrays along draws.

Every explanation is a pure function of the scenario and a :class:`~detente.result.Result`: the
run's input draws are rebuilt from its seed exactly as :func:`detente.runner.run` drew them, and
what-if variants (an actor removed, a position changed...) are stacked along the draws axis so that
one model call evaluates all of them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from detente.models import registry
from detente.models.base import ModelSpec, Options, Trajectory
from detente.models.war.endings import MIN_DEALS  # noqa: F401  (re-exported: the explanations read it here)
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Scenario

Progress = Callable[[int, int], None]


def run_inputs(scenario: Scenario, model: str, *, draws: int, seed: int, options: dict[str, Any] | None = None,
               variant: str | None = None) -> tuple[ModelSpec, Options, ScenarioArrays, np.random.SeedSequence]:
    """(spec, options, arrays, model seed sequence) exactly as :func:`detente.runner.run` builds them."""
    spec = registry.get(model)
    merged = dict(scenario.model_options.get(spec.name, {}))
    merged.update(options or {})
    opts = spec.make_options(merged, variant=variant)
    input_seq, model_seq = np.random.SeedSequence(seed).spawn(2)
    arr = ScenarioArrays.from_scenario(scenario, draws=draws, rng=np.random.default_rng(input_seq))
    return spec, opts, arr, model_seq


def result_inputs(scenario: Scenario, result: Any) -> tuple[ModelSpec, Options, ScenarioArrays, np.random.SeedSequence]:
    """The inputs of a finished run (its recorded options already merge variant and scenario options)."""
    from detente.result import acting_model, check_results

    check_results(scenario, [result])
    acting = acting_model(result)
    spec = registry.get(acting)
    input_seq, model_seq = np.random.SeedSequence(result.seed).spawn(2)
    arr = ScenarioArrays.from_scenario(scenario, draws=result.draws, rng=np.random.default_rng(input_seq))
    # a war-led synthesis ran the war model with the scenario's war options (models/synthesis.py)
    opts = spec.make_options(dict(result.options) if acting == result.model else arr.options.get(acting, {}))
    return spec, opts, arr, model_seq


def take_draws(arr: ScenarioArrays, n: int) -> ScenarioArrays:
    """The first ``n`` draws."""
    return arr.chunk(0, min(n, arr.draws))


def only_issue(arr: ScenarioArrays, k: int) -> ScenarioArrays:
    """The arrays of issue ``k`` alone (for models whose issues do not interact)."""
    return replace(
        arr, issue_ids=(arr.issue_ids[k],), position=arr.position[:, [k]], salience=arr.salience[:, [k]],
        capability=arr.capability[:, [k]], present=arr.present[[k]], scale_min=arr.scale_min[[k]],
        scale_max=arr.scale_max[[k]], status_quo=arr.status_quo[[k]])


def tile(arr: ScenarioArrays, variants: int) -> ScenarioArrays:
    """``variants`` copies of all draws stacked along draws: variant v holds rows v*D .. (v+1)*D-1."""
    rep = lambda a: np.tile(a, (variants,) + (1,) * (a.ndim - 1))  # noqa: E731
    return replace(arr, position=rep(arr.position), salience=rep(arr.salience), capability=rep(arr.capability),
                   params={k: rep(v) for k, v in arr.params.items()})


def run_model(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence,
              chunk: int | None = None, progress: Progress | None = None) -> np.ndarray:
    """The model's forecast (draws, issues) on ``arr``, in chunks of ``chunk`` draws (one call each)."""
    D = arr.draws
    step = D if not chunk else max(1, int(chunk))
    parts = []
    for k, lo in enumerate(range(0, D, step)):
        sub = arr.chunk(lo, min(D, lo + step)) if step < D else arr
        parts.append(spec.run(sub, opts, np.random.default_rng(seq.spawn(1)[0] if k else seq)).forecast)
        if progress is not None:
            progress(min(D, lo + step), D)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def point_run(scenario: Scenario, result: Any) -> tuple[ScenarioArrays, Trajectory]:
    """The model run at the inputs' point values (one draw): what the per-round charts and reasons show."""
    spec, opts, _, model_seq = result_inputs(scenario, result)
    arr = ScenarioArrays.from_scenario(scenario)
    if result.draws == 1:
        return arr, result.trajectory
    return arr, spec.run(arr, opts, np.random.default_rng(model_seq))


def q(a: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p10, median, p90) over ``axis``, NaN-aware."""
    from detente.quantiles import nanquantile

    p10, med, p90 = nanquantile(a, [0.1, 0.5, 0.9], axis=axis)
    return p10, med, p90


def r(v: Any, nd: int = 6) -> Any:
    """Round a number for JSON (None for NaN/inf)."""
    if v is None:
        return None
    v = float(v)
    return round(v, nd) if np.isfinite(v) else None
