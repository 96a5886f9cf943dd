"""The war model's levers: which war inputs move P(deal within 12 months) most, and at which level of
each input that probability passes one half.

* :func:`deal_sensitivity` reuses the sensitivity machinery (:mod:`detente.uncertainty.sensitivity`:
  its unit ranges of the inputs and labels; Morris's design and estimator from
  :mod:`detente.uncertainty.morris`, in NumPy: importing SALib's cost more than the screening) on a different output:
  the share of draws settled within ``months`` months, over the war block's uncertain inputs (the
  others held at their medians); each design point is replicated, as the war model is noisy, and
  every design point gets the same ``replications`` random paths (common random numbers), so an
  elementary effect is the input's change, not the difference of two sets of random battles.
* :func:`war_levers` sweeps every war input (uncertain or not) over a grid and its present value,
  all values stacked along the draws axis in one model call, and reports where P(deal within 12
  months) crosses the threshold (linear interpolation between the grid values that bracket it,
  nearest to the present value). A value moves the input's draws by ``value - present`` (clipped to
  its bounds), so the present value is the unchanged input; and every value gets the model random
  numbers of the unchanged run (:class:`~detente.explain.levers.CommonDraws`): P at the present
  value is ``p_deal_now`` bit for bit, and P differs between values only by the change. P itself
  (the share of ``draws`` random paths) carries Monte Carlo noise of about sqrt(P (1 - P) / draws).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from detente.explain.common import Progress, r, run_inputs, tile
from detente.explain.levers import ROWS_PER_CALL, moved, read_stacked
from detente.runner import DEFAULT_SEED
from detente.scenario.model import Scenario

GRID = 13


def p_deal(traj: Any, months: int) -> np.ndarray:
    """Per draw: settled within ``months`` months (bool)."""
    return np.asarray(traj.extras["_settled"], bool) & (np.asarray(traj.rounds) <= months)


def settled_stacked(spec: Any, big: Any, opts: Any, seq: np.random.SeedSequence, blocks: int,
                    months: int) -> np.ndarray:
    """Per row of ``big`` (``blocks`` candidates of equal numbers of draws stacked along draws): settled
    within ``months`` months (bool), every candidate with the model random numbers of a run of its own
    draws with ``seq`` (:func:`~detente.explain.levers.read_stacked`), so a candidate equal to the
    unchanged input gives that run's answer bit for bit."""
    return read_stacked(spec, big, opts, seq, blocks, lambda traj: p_deal(traj, months))


def _war_inputs(scenario: Scenario) -> list[tuple[str, Any, tuple[float, float]]]:
    from detente.scenario.war import validate_war_block, war_parameters

    if scenario.war is None:
        from detente.errors import InputError

        raise InputError.one(scenario.meta.get("file"), "the scenario has no war: block", field="war")
    return war_parameters(validate_war_block(scenario.war))


def _range(value: float, bounds: tuple[float, float]) -> tuple[float, float]:
    lo, hi = bounds
    if not np.isfinite(lo):
        lo = min(value - 1.0, value * 4 if value < 0 else -1.0)
    if not np.isfinite(hi):
        hi = max(4 * value, value + 1.0) if value > 0 else 1.0
        if value > 0 and value < 0.05:
            hi = 4 * value
    return float(lo), float(hi)


def _issue_scales(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Inputs that are positions on an issue (commitment demands, ratifier limits): that issue's scale."""
    from detente.scenario.war import validate_war_block

    w = validate_war_block(scenario.war)
    out = {}
    for sid, side in w.sides.items():
        for k, c in enumerate(side.commitments):
            sc = scenario.issue(c.issue).scale
            out[f"war.sides.{sid}.commitments[{k}].demand"] = (float(sc.min), float(sc.max))
        for k, rat in enumerate(side.ratifiers):
            for iid in rat.limits:
                sc = scenario.issue(iid).scale
                out[f"war.sides.{sid}.ratifiers[{k}].limits.{iid}"] = (float(sc.min), float(sc.max))
    return out


def war_levers(scenario: Scenario, *, draws: int = 100, seed: int = DEFAULT_SEED, months: int = 12,
               threshold: float = 0.5, options: dict[str, Any] | None = None, variant: str | None = None,
               grid: int = GRID, progress: Progress | None = None) -> dict[str, Any]:
    """For every war input: P(deal within ``months``) now, over a grid of its values, and the value at
    which it passes ``threshold`` (nearest to the present value), ranked by the size of that change.
    ``options`` and ``variant`` are the war model's, as in :func:`detente.runner.run`."""
    from detente.scenario.uncertain import point
    from detente.uncertainty.sensitivity import label_of

    items = _war_inputs(scenario)
    spec, opts, arr, seq = run_inputs(scenario, "war", draws=draws, seed=seed, options=options,
                                      variant=variant)
    D = arr.draws
    now = float(p_deal(spec.run(arr, opts, np.random.default_rng(seq)), months).mean())
    cands: list[tuple[str, float]] = []
    grids: dict[str, np.ndarray] = {}
    clip: dict[str, tuple[float, float, float]] = {}  # name -> (present value, lowest, highest) of its draws
    scales = _issue_scales(scenario)
    for name, dist, bounds in items:
        v0 = float(point(dist))
        lo, hi = scales.get(name) or _range(v0, bounds)
        if name == "war.battlefield.start":
            g = np.unique(np.round(np.linspace(lo, hi, grid)))
        else:
            g = np.linspace(lo, hi, grid)
        if g[0] <= v0 <= g[-1]:
            g = np.unique(np.append(g, v0))  # the present value too: P there is p_deal_now
        grids[name] = g
        b_lo, b_hi = scales.get(name) or (min(bounds[0], g[0]), max(bounds[1], g[-1]))
        clip[name] = (v0, b_lo, b_hi)
        cands += [(name, float(v)) for v in g]
    P = np.empty(len(cands))
    per = max(1, ROWS_PER_CALL // max(D, 1))
    for at0 in range(0, len(cands), per):  # one model call per chunk of candidates (one for the examples)
        part = cands[at0:at0 + per]
        big = tile(arr, len(part))
        params = {k: v.copy() for k, v in big.params.items()}
        for n, (name, v) in enumerate(part):
            v0, b_lo, b_hi = clip[name]
            params[name][n * D:(n + 1) * D] = moved(arr.params[name], v, v0, b_lo, b_hi)
        settled = settled_stacked(spec, replace(big, params=params), opts, seq, len(part), months)
        P[at0:at0 + len(part)] = settled.reshape(len(part), D).mean(axis=1)
    if progress is not None:
        progress(1, 1)
    rows = []
    at = 0
    for name, dist, _ in items:
        g = grids[name]
        p = P[at:at + g.size]
        at += g.size
        v0 = float(point(dist))
        span = float(g[-1] - g[0]) or 1.0
        cross = None
        for m in range(g.size - 1):
            if (p[m] - threshold) * (p[m + 1] - threshold) <= 0 and p[m] != p[m + 1]:
                v = g[m] + (threshold - p[m]) * (g[m + 1] - g[m]) / (p[m + 1] - p[m])
                if cross is None or abs(v - v0) < abs(cross - v0):
                    cross = float(v)
        rows.append({
            "name": name, "label": label_of(scenario, name), "value": r(v0),
            "p_deal_at_lowest": r(p[0], 4), "p_deal_at_highest": r(p[-1], 4),
            "range": [r(g[0]), r(g[-1])],
            "passes_threshold_at": r(cross), "change": r(None if cross is None else cross - v0),
            "size": r(None if cross is None else abs(cross - v0) / span, 4),
            "swing": r(float(p.max() - p.min()), 4),
        })
    rows.sort(key=lambda x: (x["size"] is None, x["size"] if x["size"] is not None else -x["swing"]))
    return {"months": months, "threshold": threshold, "p_deal_now": r(now, 4), "draws": D,
            "size_of_change": "|change| / width of the grid range searched", "inputs": rows,
            "noise": r(float(np.sqrt(max(now * (1 - now), 1e-12) / D)), 4)}


def deal_sensitivity(scenario: Scenario, *, months: int = 12, n: int = 6, replications: int = 12,
                     seed: int = DEFAULT_SEED, options: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Morris elementary effects (mu*) of the war block's uncertain inputs on P(deal within ``months``)."""
    from detente.models import registry
    from detente.scenario.arrays import ScenarioArrays, input_space
    from detente.uncertainty import morris
    from detente.uncertainty.sensitivity import _unit_ranges, label_of

    space, _, _ = input_space(scenario)
    cols = [k for k, nm in enumerate(space.names) if nm.startswith("war.")]
    if not cols:
        return None
    names = [space.names[k] for k in cols]
    X = morris.sample(len(cols), n, levels=4, seed=seed)
    lo, hi = _unit_ranges(space)
    U = np.full((X.shape[0], len(space)), 0.5)
    U[:, cols] = lo[cols] + X * (hi[cols] - lo[cols])
    spec = registry.get("war")
    merged = dict(scenario.model_options.get("war", {}))
    merged.update(options or {})
    opts = spec.make_options(merged)
    seq = np.random.SeedSequence(seed).spawn(2)[1]
    big = ScenarioArrays.from_values(scenario, np.repeat(U, replications, axis=0))  # point p: rows p*reps ..
    y = settled_stacked(spec, big, opts, seq, X.shape[0], months).reshape(-1, replications).mean(axis=1).astype(float)
    S = morris.analyze(X, y, levels=4)
    rows = [{"name": nm, "label": label_of(scenario, nm), "mu_star": r(S["mu_star"][q], 4),
             "mu": r(S["mu"][q], 4), "sigma": r(S["sigma"][q], 4)} for q, nm in enumerate(names)]
    rows.sort(key=lambda x: -(x["mu_star"] or 0.0))
    return {"output": f"P(deal within {months} months)", "method": "morris", "n": n, "replications": replications,
            "evaluations": int(X.shape[0] * replications), "inputs": rows}
