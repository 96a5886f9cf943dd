"""Winners and losers: each actor's utility at the forecast against its utility at the status quo.

Utilities are in each model's own form, on positions mapped to [0, 1] by the issue's scale
(d = |x - x_i| / (max - min)); an actor's ideal is its input position:

* ``mean``, ``nbs`` - quadratic loss u = -d^2 (the weighted mean minimises the weighted squared
  distances; the NBS is defined with quadratic utilities);
* ``median``, ``exchange`` - linear loss u = -d (the weighted median is the Condorcet winner with
  linear utilities; Stokman's actors weigh |outcome - position| by salience);
* ``bdm`` - the basic utility of an outcome at distance d, eq. 16 with the BDM range R (max - min of
  the initial positions) and the actor's risk exponent r_i of round 1 (eq. 32-33):
  u = 2 - 4 (0.5 + 0.5 |x - x_i| / R)^r_i, largest (2 - 4 0.5^r_i, eq. 24) at the actor's own position;
* ``smp`` - KTAB's u(d, R) = (1 - d)(1 + d R) (ktab.md §2.1) with a risk-neutral R = 0, u = 1 - d;
* ``war`` - see :func:`war_shares`.

Per issue the gain is u(forecast) - u(status quo); the total sums the gains with the actor's
saliences over the issues that have a status quo. Per draw, then the median over draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.explain.common import q, r
from detente.scenario.arrays import ScenarioArrays

FORMS = {
    "mean": "quadratic loss u = -((x - x_i)/range)^2",
    "nbs": "quadratic loss u = -((x - x_i)/range)^2",
    "median": "linear loss u = -|x - x_i|/range",
    "exchange": "linear loss u = -|x - x_i|/range (Stokman)",
    "bdm": "BDM basic utility u = 2 - 4 (0.5 + 0.5 |x - x_i|/R)^r_i (Scholz eq. 16; R = range of initial "
           "positions, r_i = round-1 risk exponent, eq. 33)",
    "smp": "KTAB u(d, R) = (1 - d)(1 + d R) with d = |x - x_i|/range and R = 0 (risk neutral)",
    "war": "linear loss u = -|x - x_i|/range on the issues; sides: expected share of the stakes",
}


def bdm_risk_exponents(arr: ScenarioArrays, options: Any) -> tuple[np.ndarray, np.ndarray]:
    """(r, R): the round-1 risk exponents (draws, issues, actors) and the BDM range R (draws, issues)."""
    from detente.models.bdm import round_internals

    D, I, N = arr.position.shape
    rr = np.ones((D, I, N))
    RR = np.ones((D, I))
    for k in range(I):
        pres = arr.present[k]
        x = arr.position[:, k]
        if options.position_range == "scale":
            R = np.full(D, arr.scale_range[k] if arr.scale_range[k] > 0 else 1.0)
        else:
            # no actor present: -inf - inf, not finite, so 1 (nanmax would warn of an all-NaN slice)
            R = np.where(pres[None], x, -np.inf).max(axis=1) - np.where(pres[None], x, np.inf).min(axis=1)
            R = np.where(np.isfinite(R) & (R > 0), R, 1.0)
        RR[:, k] = R
        if options.risk == "two_pass":
            out = round_internals(x, arr.capability[:, k], arr.salience[:, k],
                                  np.broadcast_to(pres, x.shape), R=R, options=options, keys=("r",))
            rr[:, k] = np.where(pres[None], out["r"], 1.0)
    return rr, RR


def utility(model: str, x: np.ndarray, ideal: np.ndarray, arr: ScenarioArrays,
            bdm: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """u_i(x) per (draws, issues, actors) in the model's form; ``x`` is (draws, issues)."""
    d_abs = np.abs(x[..., None] - ideal)
    if model == "bdm" and bdm is not None:
        rexp, R = bdm
        return 2 - 4 * (0.5 + 0.5 * d_abs / R[..., None]) ** rexp  # (16)
    d = d_abs / np.where(arr.scale_range > 0, arr.scale_range, 1.0)[None, :, None]
    if model in ("mean", "nbs"):
        return -(d**2)
    if model == "smp":
        return 1 - d
    return -d


NOT_MEASURED = "not measured (no status quo)"
"""The verdict of every actor when no issue has a status quo (gains are measured against it)."""

TOO_FEW_DEALS = "not measured (too few deals)"
"""The verdict of every actor of a war run with too few draws that end in a deal to read its terms."""

TOTAL = "sum over issues with a status quo of salience x (u(forecast) - u(status quo)); median over draws"


def unmeasured(model: str, arr: ScenarioArrays, verdict: str) -> dict[str, Any]:
    """The record of :func:`winners_losers` when nothing can be measured: every actor with the
    ``verdict`` and no utilities (e.g. :data:`TOO_FEW_DEALS`)."""
    has_sq = np.isfinite(arr.status_quo)
    actors = [{"actor": aid, "at_forecast": None, "at_status_quo": None, "gain": None, "gain_p10_p90": None,
               "p_gain": None, "verdict": verdict, "issues": {}} for aid in arr.actor_ids]
    return {"utility": FORMS.get(model, FORMS["median"]), "total": TOTAL,
            "issues_without_status_quo": [i for k, i in enumerate(arr.issue_ids) if not has_sq[k]],
            "actors": actors}


def winners_losers(model: str, arr: ScenarioArrays, forecast: np.ndarray, options: Any = None) -> dict[str, Any]:
    """Utilities at the forecast and at the status quo, per actor and issue, and the salience-weighted total.

    ``forecast`` is the run's per-draw forecast (draws, issues) on the draws of ``arr``. When no issue
    has a status quo nothing is measured: every gain is ``None`` and every verdict
    :data:`NOT_MEASURED` (not "indifferent", which would say the actor neither gains nor loses)."""
    D, I, N = arr.position.shape
    ideal = arr.position
    bdm = bdm_risk_exponents(arr, options) if model == "bdm" and options is not None else None
    u_f = utility(model, forecast, ideal, arr, bdm)
    sq = np.broadcast_to(arr.status_quo[None], (D, I))
    u_sq = utility(model, sq, ideal, arr, bdm)
    pres = arr.present[None]
    gain = np.where(pres, u_f - u_sq, np.nan)
    has_sq = np.isfinite(arr.status_quo)
    measured = bool(has_sq.any())
    sal = np.where(pres & has_sq[None, :, None], arr.salience, 0.0)
    total = np.nansum(np.where(np.isfinite(gain), gain, 0.0) * sal, axis=1)  # (D, N)
    total_f = np.nansum(np.where(pres, u_f, 0.0) * sal, axis=1)
    total_sq = np.nansum(np.where(pres & has_sq[None, :, None], u_sq, 0.0) * sal, axis=1)
    _, uf_m, _ = q(np.where(pres, u_f, np.nan))
    _, usq_m, _ = q(np.where(pres, u_sq, np.nan))
    g10, g_m, g90 = q(gain)
    t10, t_m, t90 = q(total)
    _, tf_m, _ = q(total_f)
    _, tsq_m, _ = q(total_sq)
    p_gain = (total > 0).mean(axis=0)
    actors = []
    for a, aid in enumerate(arr.actor_ids):
        per_issue = {}
        for k, iid in enumerate(arr.issue_ids):
            if not arr.present[k, a]:
                continue
            per_issue[iid] = {
                "at_forecast": r(uf_m[k, a]), "at_status_quo": r(usq_m[k, a]) if has_sq[k] else None,
                "gain": r(g_m[k, a]) if has_sq[k] else None,
                "gain_p10_p90": [r(g10[k, a]), r(g90[k, a])] if has_sq[k] and D > 1 else None,
            }
        if not measured:  # a gain is measured against the status quo: none here, none measured
            actors.append({"actor": aid, "at_forecast": r(tf_m[a]), "at_status_quo": None, "gain": None,
                           "gain_p10_p90": None, "p_gain": None, "verdict": NOT_MEASURED, "issues": per_issue})
            continue
        actors.append({
            "actor": aid,
            "at_forecast": r(tf_m[a]), "at_status_quo": r(tsq_m[a]),
            "gain": r(t_m[a]), "gain_p10_p90": [r(t10[a]), r(t90[a])] if D > 1 else None,
            "p_gain": r(p_gain[a], 4),
            "verdict": "gains" if t_m[a] > 1e-9 else ("loses" if t_m[a] < -1e-9 else "indifferent"),
            "issues": per_issue,
        })
    actors.sort(key=lambda row: -(row["gain"] if row["gain"] is not None else -np.inf))
    return {
        "utility": FORMS.get(model, FORMS["median"]),
        "total": TOTAL,
        "issues_without_status_quo": [i for k, i in enumerate(arr.issue_ids) if not has_sq[k]],
        "actors": actors,
    }


def war_shares(arr: ScenarioArrays, trajectory: Any) -> dict[str, Any] | None:
    """War model: each side's expected share of the stakes given a deal, against its share at the
    status quo line (the front line at the start, x = k0 / N), and its expected cost of fighting
    until then (monthly cost x expected months to a deal, and the cost horizon it weighs, M1)."""
    war = arr.context.get("war")
    ex = trajectory.extras
    if war is None or "_share" not in ex:
        return None
    from detente.scenario.war import validate_war_block

    w = validate_war_block(war)
    share, settled = np.asarray(ex["_share"]), np.asarray(ex["_settled"], bool)
    bf = w.battlefield
    start = arr.params.get("war.battlefield.start")
    k0 = np.asarray(start if start is not None else np.full(share.shape[0], (bf.start or bf.forts / 2)), float)
    line = k0 / float(bf.forts)
    months = ex.get("time_to_settlement", {}).get("mean") if isinstance(ex.get("time_to_settlement"), dict) else None
    sides = []
    for sid in sorted(w.sides):
        own = (lambda v: v) if sid == "A" else (lambda v: 1 - v)
        cost = arr.params.get(f"war.sides.{sid}.cost")
        horizon = arr.params.get(f"war.sides.{sid}.cost_horizon")
        cost_m = float(np.median(cost)) if cost is not None else None
        sides.append({
            "side": sid, "actors": list(w.sides[sid].actors),
            "share_given_deal": r(np.mean(own(share[settled]))) if settled.any() else None,
            "share_at_status_quo_line": r(np.mean(own(line))),
            "expected_share": r(np.mean(own(share))),
            "monthly_cost": r(cost_m),
            "expected_months_to_deal": r(months),
            "expected_cost_until_deal": r(cost_m * months) if cost_m is not None and months is not None else None,
            "cost_weighed_against_a_deal": r(float(np.median(cost * horizon)))
            if cost is not None and horizon is not None else None,
        })
    return {"what": "share of the stakes for each side (A's share is x, B's 1 - x); status quo line = the "
                    "front line at the start", "sides": sides, "terms_set_by": terms_set_by(ex)}


def terms_set_by(extras: Any) -> dict[str, float] | None:
    """The share of the deals whose terms each of :data:`~detente.models.war.simulate.TERMS_SET_BY`
    set (the rule's split, a side's floor or ceiling at its war value or moved by its domestic
    constraints); ``None`` without a deal."""
    from detente.models.war.simulate import TERMS_SET_BY

    binds = extras.get("_binds")
    if binds is None:
        return None
    b = np.asarray(binds)
    b = b[b >= 0]
    if not b.size:
        return None
    return {name: r(float((b == k).mean()), 4) for k, name in enumerate(TERMS_SET_BY)}


def terms_sentence(war: dict[str, Any], names: dict[str, str], rule: str | None = None) -> str | None:
    """What set the terms of the deals, in words, the largest part first (``war["terms_set_by"]``).

    >>> terms_sentence({"terms_set_by": {"split": 0.0, "A_war_value": 0.99, "A_domestic": 0.01,
    ...                 "B_war_value": 0.0, "B_domestic": 0.0}}, {"A": "Russia", "B": "Ukraine"})
    'What set the terms: the least Russia accepts, its war value (what it expects from fighting on, less its costs), in 99 % of the deals; the least Russia accepts, raised above its war value by its own audience costs and ratifiers, in 1.0 %'
    """
    from detente.words import pct

    parts = war.get("terms_set_by")
    if not parts:
        return None
    a, b = names.get("A") or "side A", names.get("B") or "side B"
    words = {
        "split": f"the bargaining rule's split between the two sides' limits{f' ({rule})' if rule else ''}",
        "A_war_value": f"the least {a} accepts, its war value (what it expects from fighting on, less its costs)",
        "A_domestic": f"the least {a} accepts, raised above its war value by its own audience costs and ratifiers",
        "B_war_value": f"the most {b} concedes, its war value (what it expects from fighting on, less its costs)",
        "B_domestic": f"the most {b} concedes, lowered below its war value by its own audience costs and ratifiers",
    }
    shown = sorted(((v, k) for k, v in parts.items() if v), reverse=True)
    said = [f"{words[k]}, in {pct(v)}" + (" of the deals" if n == 0 else "") for n, (v, k) in enumerate(shown)]
    return "What set the terms: " + "; ".join(said) if said else None
