"""Run a registered model on a scenario: sampling, chunking of draws, provenance.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": {"low": 40, "high": 80}}]})
>>> r = run(s, "mean", draws=1000, seed=1)
>>> round(r.forecast["x"], 1), r.draws, r.seed
(39.8, 1000, 1)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from detente._version import __version__
from detente.defaults import DEFAULT_SEED
from detente.models import registry
from detente.models.base import Trajectory
from detente.result import Result
from detente.scenario.arrays import ScenarioArrays, scenario_hash
from detente.scenario.model import Scenario

__all__ = ["DEFAULT_SEED", "run"]


def run(
    scenario: Scenario,
    model: str,
    *,
    draws: int = 1,
    seed: int = DEFAULT_SEED,
    options: dict[str, Any] | None = None,
    variant: str | None = None,
) -> Result:
    """Run ``model`` on ``scenario`` with ``draws`` Monte Carlo draws of the uncertain inputs.

    Options come from, in increasing priority: the model's defaults, a named ``variant``, the
    scenario's ``model_options[model]``, and ``options``. The input draws and the model's own
    randomness use separate streams spawned from ``seed``, so the same seed gives the same result
    bit for bit.
    """
    spec = registry.get(model)
    model = spec.name  # an old alias (``eu``) is recorded under the model's name
    merged = dict(scenario.model_options.get(model, {}))
    merged.update(options or {})
    opts = spec.make_options(merged, variant=variant)
    input_seq, model_seq = np.random.SeedSequence(seed).spawn(2)
    t0 = time.perf_counter()
    arrays = ScenarioArrays.from_scenario(scenario, draws=draws, rng=np.random.default_rng(input_seq))
    traj = spec.run(arrays, opts, np.random.default_rng(model_seq))
    elapsed = time.perf_counter() - t0
    _check(traj, arrays, model)
    return Result(
        model=model,
        variant=variant,
        options=opts.model_dump(mode="json"),
        seed=int(seed),
        draws=arrays.draws,
        version=__version__,
        input_sha256=scenario_hash(scenario),
        scenario_name=scenario.name,
        issue_ids=list(arrays.issue_ids),
        actor_ids=list(arrays.actor_ids),
        trajectory=traj,
        elapsed_s=elapsed,
    )


def _check(traj: Trajectory, arrays: ScenarioArrays, model: str) -> None:
    expected = (arrays.draws, arrays.n_issues)
    if traj.forecast.shape != expected:
        raise RuntimeError(f"model {model!r} returned forecast shape {traj.forecast.shape}, expected {expected}")
