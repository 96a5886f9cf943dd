"""Pivotal actors: each actor's contribution to the forecast, and the forecast without it.

* Contribution (a): for every model each actor's share of capability x salience on the issue; for
  the ``mean`` its pull, F - F_without_i = w_i (x_i - F_without_i) / W (how far it drags the
  compromise toward itself); for the ``median`` which actor holds the median position and how far
  the next held positions below and above are.
* Leave-one-out (b): the forecast with each actor removed (``forecast_without``; ``shift`` = forecast
  - forecast_without, medians over draws; ``dependence`` = mean over draws of |shift| / scale range,
  for the noisy war model |difference of the means| / scale range), for every model, in ONE model call: the
  run's draws are repeated N + 1 times along the draws axis (copy 0 unchanged, copy a + 1 without
  actor a) so the comparison uses common random numbers. ``bdm`` takes a per-row presence mask (the
  actor is absent, exactly as if it were not in the scenario); ``smp`` and ``exchange`` run the N removals as
  one stacked run with N - 1 actor columns (:func:`dropped_each`), the everyone case being the run
  itself (exact but for exchange's tie-breaking coins, drawn per draw from the run's generator);
  ``mean``, ``median``, ``nbs`` and ``war`` take the removed actor's salience and capability as 0,
  which removes it from every weighted sum - exact for mean, median and nbs; for war the side
  profiles lose its weight (a side's only member keeps its position: the side cannot vanish) and
  the ratifiers it is named by lose their veto.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from detente.explain.common import MIN_DEALS, Progress, q, r, take_draws, tile
from detente.models.base import ModelSpec, Options
from detente.scenario.arrays import ScenarioArrays

LOO_DRAWS = 400
"""At most this many of the run's draws enter the leave-one-out runs (N + 1 copies of each)."""
LOO_DRAWS_SLOW = 100
"""The same for the slower multi-issue round models (smp, exchange, war)."""


def loo_draws(spec: ModelSpec) -> int:
    return LOO_DRAWS_SLOW if spec.multi_issue and spec.has_rounds else LOO_DRAWS


def bdm_forecast_masked(arr: ScenarioArrays, present: np.ndarray, opts: Any) -> np.ndarray:
    """BDM forecast (draws, issues) with a per-draw presence mask ``present`` (draws, issues, actors)."""
    from detente.models.bdm import simulate

    D, I, N = arr.position.shape
    B = D * I
    scale = np.broadcast_to(arr.scale_range[None], (D, I)).reshape(B)
    out = simulate(arr.position.reshape(B, N), arr.capability.reshape(B, N), arr.salience.reshape(B, N),
                   present.reshape(B, N), scale, opts)
    series = out["median" if opts.readout == "median" else "mean"]  # (B, T+1)
    f = np.take_along_axis(series, out["rounds"][:, None], axis=1)[:, 0]
    return f.reshape(D, I)


def without_each(arr: ScenarioArrays, model: str, everyone: bool = True) -> tuple[ScenarioArrays, np.ndarray | None]:
    """Arrays of N + 1 stacked copies (copy 0 as is, copy a + 1 without actor a), and for bdm the mask.

    bdm with ``everyone=False``: only the N copies without one actor (copy a without actor a)."""
    D, I, N = arr.position.shape
    if model == "bdm":
        e = int(everyone)
        mask = np.broadcast_to(arr.present[None, None], (N + e, D, I, N)).copy()
        for a in range(N):
            mask[a + e, :, :, a] = False
        return tile(arr, N + e), mask.reshape((N + e) * D, I, N)
    big = tile(arr, N + 1)
    sal, cap = big.salience.copy(), big.capability.copy()
    floor = 1e-12 * float(np.max(arr.capability)) if model == "smp" else 0.0
    for a in range(N):
        rows = slice((a + 1) * D, (a + 2) * D)
        sal[rows, :, a] = 0.0
        cap[rows, :, a] = floor
    params = _without_ratifiers(big, D) if model == "war" else big.params
    return replace(big, salience=sal, capability=cap, params=params), None


def _without_ratifiers(big: ScenarioArrays, D: int) -> dict[str, np.ndarray]:
    """The war parameters of the stacked copies with each left-out actor's ratifier role gone too:
    in copy a + 1 a ratifier named by actor a ratifies anything (floor and margin -inf, limits NaN:
    no constraint, ``models/war/domestic.py``). A ratifier is the actor's say in the war (the US
    Congress holds no weight on a side): leaving the actor out must leave its veto out."""
    from pydantic import ValidationError

    from detente.scenario.war import validate_war_block, war_parameters
    from detente.scenario.uncertain import point

    raw = big.context.get("war")
    try:
        w = validate_war_block(raw) if raw else None
    except ValidationError:  # the run reports it
        w = None
    if w is None:
        return big.params
    params = dict(big.params)
    values = {name: dist for name, dist, _ in war_parameters(w)}
    for sid, side in w.sides.items():
        for k, rat in enumerate(side.ratifiers):
            if rat.actor not in big.actor_ids:
                continue
            rows = slice((big.actor_ids.index(rat.actor) + 1) * D, (big.actor_ids.index(rat.actor) + 2) * D)
            base = f"war.sides.{sid}.ratifiers[{k}]"
            for name, off in ([(f"{base}.floor", -np.inf)] * (rat.floor is not None)
                              + [(f"{base}.margin", -np.inf)] * (rat.margin is not None)
                              + [(f"{base}.limits.{i}", np.nan) for i in rat.limits]):
                v = params.get(name)
                v = np.full(big.draws, point(values[name])) if v is None else np.array(v, dtype=float)
                v[rows] = off
                params[name] = v
    return params


def dropped_each(arr: ScenarioArrays) -> ScenarioArrays:
    """N stacked copies with N - 1 actors each: copy a without actor a's column. Absent stances become
    salience and capability 0 with ``present`` all True - for smp and exchange exactly the same run
    (``present`` enters them only through those products; checked in the tests)."""
    D, I, N = arr.position.shape
    keep = [[n for n in range(N) if n != a] for a in range(N)]
    pres = arr.present.astype(float)
    take = lambda x: np.concatenate([x[..., k] for k in keep])  # noqa: E731
    params = {k: np.tile(v, (N,) + (1,) * (v.ndim - 1)) for k, v in arr.params.items()}
    return replace(arr, actor_ids=tuple(f"_{n}" for n in range(N - 1)), position=take(arr.position),
                   salience=take(arr.salience * pres[None]), capability=take(arr.capability * pres[None]),
                   present=np.ones((I, N - 1), dtype=bool), params=params)


def _drop_columns(spec: ModelSpec, arr: ScenarioArrays, opts: Any) -> bool:
    """smp and exchange leave the actor out for real (fewer columns); not with an accommodation matrix
    (it names actors) or fewer than three actors."""
    return spec.name in ("smp", "exchange") and arr.n_actors >= 3 and not getattr(opts, "accommodation", None)


def leave_one_out(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence,
                  progress: Progress | None = None, base: np.ndarray | None = None) -> np.ndarray:
    """Forecasts (N + 1, draws, issues): index 0 with everyone, index a + 1 without actor a (war:
    the terms given a deal, NaN in the draws that end otherwise: :meth:`ModelSpec.read`).

    smp and exchange: the N removals are one stacked run with N - 1 actors; index 0 is ``base`` (the
    run's own forecast on these draws) or one more run. bdm: the N removals are one masked run and
    index 0 is ``base`` when given (the presence mask of everyone is the run itself)."""
    D, I, N = arr.position.shape
    if _drop_columns(spec, arr, opts):
        f0 = base if base is not None else spec.run(arr, opts, np.random.default_rng(seq)).forecast
        f = spec.run(dropped_each(arr), opts, np.random.default_rng(seq)).forecast
        if progress is not None:
            progress(1, 1)
        return np.concatenate([np.asarray(f0)[None], f.reshape(N, D, I)])
    if spec.name == "bdm" and base is not None:  # the run's own forecast is the everyone case, exactly
        big, mask = without_each(arr, spec.name, everyone=False)
        f = bdm_forecast_masked(big, mask, opts)
        if progress is not None:
            progress(1, 1)
        return np.concatenate([np.asarray(base, dtype=float)[None], f.reshape(N, D, I)])
    big, mask = without_each(arr, spec.name)
    if mask is not None:
        f = bdm_forecast_masked(big, mask, opts)
    elif spec.reads is not None:  # war: the terms given a deal; every copy with the run's own battle paths
        from detente.explain.levers import read_stacked

        f = read_stacked(spec, big, opts, seq, N + 1, spec.read)
    else:
        f = spec.run(big, opts, np.random.default_rng(seq)).forecast
    if progress is not None:
        progress(1, 1)
    return f.reshape(N + 1, D, I)


def contributions(model: str, arr: ScenarioArrays, loo: np.ndarray, noisy: bool = False,
                  min_reads: int = 0) -> dict[str, Any]:
    """Per issue: each actor's weight share, shift when removed, and the model-specific contribution.

    ``loo`` may be NaN where a draw has no reading (a war's draws without a deal); a dependence
    read from fewer than ``min_reads`` draws, with or without the actor, is not measured (None)."""
    D, I, N = arr.position.shape
    w = arr.weights()
    W = w.sum(axis=-1, keepdims=True)
    share = np.where(W > 0, w / np.where(W > 0, W, 1), 0.0)
    _, share_m, _ = q(share)
    base = loo[0]
    shift = base[None] - loo[1:]  # (N, D, I): F - F_without_a
    s10, _, s90 = q(shift, axis=1)  # (N, I)
    _, base_m, _ = q(base)
    _, without_m, _ = q(loo[1:], axis=1)
    s_m = base_m[None] - without_m  # the forecast minus the forecast without the actor (medians over draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a copy without any reading (no deal): NaN
        dep = np.nanmean(np.abs(shift), axis=1)  # mean over draws of |F - F_without_a|
        if noisy:  # each draw is one random path (war): compare the means, not draw by draw
            dep = np.abs(np.nanmean(base, axis=0)[None] - np.nanmean(loo[1:], axis=1))
    if min_reads:
        enough = (np.isfinite(base).sum(axis=0)[None] >= min_reads) & (np.isfinite(loo[1:]).sum(axis=1) >= min_reads)
        dep = np.where(enough, dep, np.nan)
    rng_ = np.where(arr.scale_range > 0, arr.scale_range, 1.0)
    out: dict[str, Any] = {}
    for k, iid in enumerate(arr.issue_ids):
        rows = []
        for a, aid in enumerate(arr.actor_ids):
            if not arr.present[k, a]:
                continue
            row = {"actor": aid, "weight_share": r(share_m[k, a], 4),
                   "forecast_without": r(without_m[a, k]), "shift": r(s_m[a, k]),
                   "shift_p10_p90": [r(s10[a, k]), r(s90[a, k])] if D > 1 else None,
                   "dependence": r(dep[a, k] / rng_[k], 4)}
            if model == "mean":
                row["pull"] = row["shift"]  # F - F_without_i = w_i (x_i - F_without_i) / W
            rows.append(row)
        rows.sort(key=lambda x: -(x["dependence"] or 0.0))
        entry: dict[str, Any] = {"forecast": r(base_m[k]), "actors": rows}
        if model == "median":
            entry["median_actor"] = median_actor(arr, k)
        out[iid] = entry
    return out


def median_actor(arr: ScenarioArrays, k: int) -> dict[str, Any]:
    """Who holds the (lower weighted) median position at the point values (draw 0), and the gaps to the
    next held positions below and above, with the weight share that would have to switch sides."""
    pres = arr.present[k]
    x = arr.position[0, k]
    w = arr.weights()[0, k]
    idx = np.flatnonzero(pres)
    order = idx[np.argsort(x[idx], kind="stable")]
    cum = np.cumsum(w[order])
    tot = cum[-1] if cum.size else 0.0
    if tot <= 0:
        return {}
    pos = int(np.argmax(cum >= tot / 2 * (1 - 1e-12)))
    m = x[order[pos]]
    holders = [arr.actor_ids[a] for a in idx if x[a] == m]
    below = [a for a in order if x[a] < m]
    above = [a for a in order if x[a] > m]
    nb = below[-1] if below else None
    na = above[0] if above else None
    left = float(w[[a for a in idx if x[a] < m]].sum()) / tot
    right = float(w[[a for a in idx if x[a] > m]].sum()) / tot
    return {
        "position": r(m), "actors": holders,
        "next_below": None if nb is None else {"actor": arr.actor_ids[nb], "position": r(x[nb]), "gap": r(m - x[nb])},
        "next_above": None if na is None else {"actor": arr.actor_ids[na], "position": r(x[na]), "gap": r(x[na] - m)},
        "weight_below": r(left, 4), "weight_above": r(right, 4),
    }


def ranking(contrib: dict[str, Any], actor_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """Actors ranked by how much the outcome depends on them: mean over issues of |shift| / scale range."""
    rows = []
    for aid in actor_ids:
        per = {iid: row["dependence"] for iid, e in contrib.items() for row in e["actors"] if row["actor"] == aid}
        vals = [v for v in per.values() if v is not None]
        # no stance anywhere: removing it changes nothing (0); stances but no reading (a war
        # without deals): not measured (None)
        dep = r(np.mean(vals), 4) if vals else (None if per else 0.0)
        rows.append({"actor": aid, "dependence": dep,
                     "most_on": max(per, key=lambda i: per[i] or 0.0) if vals else None})
    rows.sort(key=lambda x: -(x["dependence"] if x["dependence"] is not None else -1.0))
    for n, row in enumerate(rows, 1):  # an actor whose dependence is not measured has no rank
        row["rank"] = n if row["dependence"] is not None else None
    return rows


def pivotal(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence,
            progress: Progress | None = None, max_draws: int | None = None,
            forecast: np.ndarray | None = None) -> dict[str, Any]:
    """Contributions, leave-one-out forecasts and the ranking, on the first ``max_draws`` draws
    (``forecast``: the run's own per-draw forecast, reused as the 'everyone' case where possible)."""
    sub = take_draws(arr, max_draws or loo_draws(spec))
    base = None if forecast is None else np.asarray(forecast)[: sub.draws]
    loo = leave_one_out(spec, sub, opts, seq, progress, base=base)
    contrib = contributions(spec.name, sub, loo, noisy=spec.noisy, min_reads=MIN_DEALS if spec.given else 0)
    return {
        "draws_used": sub.draws,
        "method": "presence mask" if spec.name == "bdm" else (
            "actor's column removed" if _drop_columns(spec, sub, opts) else "zero salience and capability"),
        "exact": spec.name in ("bdm", "mean", "median", "nbs") or _drop_columns(spec, sub, opts),
        "dependence": "|mean forecast - mean forecast without| / scale range (the model is noisy)" if spec.noisy
        else "mean over draws of |forecast - forecast without| / scale range",
        "given": spec.given,  # war: forecasts are the terms given a deal
        "issues": contrib,
        "ranking": ranking(contrib, sub.actor_ids),
    }
