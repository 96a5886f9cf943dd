"""Why each actor moved in each round, recomputed with NumPy from what the models return.

The per-round reasons are shown for one run at the inputs' point values (one draw; see
:func:`detente.explain.common.point_run`).

* ``bdm``: a round is a pure function of the positions at its start and the fixed capabilities and
  saliences, so round t is recomputed from ``Trajectory.positions[:, t - 1]`` with
  :func:`detente.models.bdm.round_internals` (E(i->j), E(j->i) as actor i perceives them, eq. 25a/b)
  and each actor's accepted offer is classified as in Scholz §6 / BDM 1985 (the step-11 rule):
  *conflict* - both expected utilities positive and the challenger's larger: i, who expects less
  from the clash (not the one of less capability), gives way to x_j; *compromise* - E(j->i) > 0 > E(i->j) and E(j->i) > |E(i->j)|: i moves part way,
  x_i + (x_j - x_i) |E(i->j) / E(j->i)| (eq. 35/36); *capitulation* - E(j->i) > 0 > E(i->j) and
  |E(i->j)| >= E(j->i): i gives way to x_j. The recomputed positions are checked against the
  kernel's next-round positions (``reproduces_model``).
* ``smp``: the bargain each actor accepted (:func:`detente.models.smp.round_choices`).
* ``exchange``: the realised exchanges of the round with both gains (``Trajectory.extras``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.explain.common import r
from detente.scenario.arrays import ScenarioArrays

CATEGORIES = ("conflict", "compromise", "capitulation")


def _bdm_R(x0: np.ndarray, x: np.ndarray, scale_range: float, how: str) -> float:
    if how == "scale":
        return scale_range if scale_range > 0 else 1.0
    src = x if how == "current" else x0
    R = float(np.ptp(src)) if src.size else 1.0
    return R if R > 0 and np.isfinite(R) else 1.0


def bdm_offers(x: np.ndarray, Es: np.ndarray, Eo: np.ndarray, opts: Any) -> list[tuple[int, int, int, float]]:
    """Step 11 per actor i: (i, challenger j or -1, category 0-2 or 3 = none, new position)."""
    n = x.shape[0]
    out = []
    for i in range(n):
        best = (3, 0.0, float(x[i]), -1)
        for j in range(n):
            if x[j] == x[i]:
                continue
            e_ij, e_ji = Es[i, j], Eo[i, j]
            if e_ji > e_ij and e_ij > 0:
                if opts.conflict != "full_move":
                    continue
                cat, p, key = 0, x[j], abs(x[j] - x[i])
            elif e_ji > 0 and 0 > e_ij:
                if e_ji > abs(e_ij):
                    cat = 1
                    wavg = (abs(e_ij) * x[i] + abs(e_ji) * x[j]) / (abs(e_ij) + abs(e_ji))
                    p = x[i] + (x[j] - x[i]) * abs(e_ij / e_ji) if opts.compromise == "fraction" else wavg  # (35/36)
                    key = wavg if opts.offer_choice == "weighted_position" else abs(p - x[i])
                elif opts.capitulate:
                    cat, p, key = 2, x[j], abs(x[j] - x[i])
                else:
                    continue
            else:
                continue
            if opts.offer_choice == "highest_eu":
                key = -e_ji
            if cat < best[0] or (cat == best[0] and key < best[1]):
                best = (cat, key, float(p), j)
        out.append((i, best[3], best[0], best[2]))
    return out


def _namer(names: dict[str, str] | None) -> Any:
    """id -> the actor's name in the reason sentences (the id when no name is known)."""
    return lambda a: (names or {}).get(a, a)


def bdm_events(arr: ScenarioArrays, positions: np.ndarray, opts: Any, rounds: int | None = None,
               perception_actor: str | None = None, stop: np.ndarray | None = None,
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """Per round and issue, every actor's move with its reason; and the EU perception plane of one actor.

    ``positions`` is (rounds + 1, issues, actors) of one draw (draw 0 of ``arr`` holds its inputs);
    ``stop`` (issues,) the round each issue stopped at under ``stopping="converged"``."""
    from detente.models.bdm import round_internals

    T = positions.shape[0] - 1 if rounds is None else int(rounds)
    ids = arr.actor_ids
    nm = _namer(names)
    out_rounds: list[dict[str, Any]] = []
    ok = True
    max_err = 0.0
    perception: dict[str, Any] = {}
    pa = ids.index(perception_actor) if perception_actor in ids else None
    for t in range(1, T + 1):
        moves: list[dict[str, Any]] = []
        for k, iid in enumerate(arr.issue_ids):
            idx = np.flatnonzero(arr.present[k])
            if idx.size < 2 or (stop is not None and t > stop[k]):
                continue
            x = positions[t - 1, k, idx].astype(float)
            c, s = arr.capability[0, k, idx], arr.salience[0, k, idx]
            R = _bdm_R(positions[0, k, idx], x, float(arr.scale_range[k]), opts.position_range)
            it = round_internals(x, c, s, R=R, options=opts)
            Es, Eo = it["E_self"][0], it["E_other"][0]
            offers = bdm_offers(x, Es, Eo, opts)
            new = np.array([p for *_, p in offers])
            err = float(np.max(np.abs(new - positions[t, k, idx])))
            max_err = max(max_err, err)
            ok = ok and err <= 1e-9 * max(1.0, float(arr.scale_range[k]))
            for i, j, cat, p in offers:
                if cat == 3 or p == x[i]:
                    continue
                moves.append({
                    "issue": iid, "actor": ids[idx[i]], "from": r(x[i]), "to": r(p),
                    "type": CATEGORIES[cat], "challenger": ids[idx[j]], "target": ids[idx[i]],
                    "offer": r(p), "eu_target": r(Es[i, j]), "eu_challenger": r(Eo[i, j]),
                    "why": _why(CATEGORIES[cat], nm(ids[idx[i]]), nm(ids[idx[j]]), x[j], Es[i, j], Eo[i, j], p),
                })
            if t == 1 and pa is not None and arr.present[k, pa]:
                i = int(np.flatnonzero(idx == pa)[0])
                perception[iid] = {
                    "actor": ids[pa], "round": 1,
                    "points": [{"actor": ids[idx[j]], "eu_i_j": r(Es[i, j]), "eu_j_i": r(Eo[i, j])}
                               for j in range(idx.size) if j != i and x[j] != x[i]],
                }
        out_rounds.append({"round": t, "moves": moves})
    return {"model": "bdm", "draw": "point values", "rounds": out_rounds, "reproduces_model": bool(ok),
            "max_abs_error": r(max_err, 12), "perception": perception,
            "perception_axes": {"x": "E(i->j): what actor i expects from challenging j",
                                "y": "E(j->i): what i expects j to get from challenging i (i's perception)"}}


def _why(cat: str, who: str, by: str, xj: float, e_ij: float, e_ji: float, p: float) -> str:
    if cat == "conflict":
        return (f"{by} challenged {who}; both expected to gain (E({who}) = {e_ij:.3g}, E({by}) = {e_ji:.3g}) and "
                f"{who}, who expected less from the clash than {by} did, gave way to {by}'s {xj:.4g}")
    if cat == "compromise":
        return (f"{by} challenged {who}; {who} expected to lose ({e_ij:.3g}) less than {by} expected to gain "
                f"({e_ji:.3g}), so {who} compromised part way toward {by}, to {p:.4g}")
    return (f"{by} challenged {who}; {who} expected to lose ({e_ij:.3g}) at least as much as {by} expected to "
            f"gain ({e_ji:.3g}) and capitulated to {by}'s {xj:.4g}")


def exchange_events(arr: ScenarioArrays, trajectory: Any, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The realised exchanges of each round (one draw): who gave way on which issue, and both gains."""
    nm = _namer(names)
    rounds = []
    for n, ex in enumerate(trajectory.extras.get("exchanges", []), 1):
        moves = []
        for e in ex:
            moves.append({
                "actor": e["actor_i"], "partner": e["actor_j"], "type": "exchange",
                "issue": e["supply_issue_i"], "from": r(e["move_i"][0]), "to": r(e["move_i"][1]),
                "partner_issue": e["supply_issue_j"], "partner_from": r(e["move_j"][0]),
                "partner_to": r(e["move_j"][1]), "gain": r(e["gain_i"]), "partner_gain": r(e["gain_j"]),
                "why": f"{nm(e['actor_i'])} gave way on {e['supply_issue_i']} in exchange for {nm(e['actor_j'])} giving way "
                       f"on {e['supply_issue_j']} (gains {e['gain_i']:.3g} and {e['gain_j']:.3g})",
            })
        rounds.append({"round": n, "moves": moves})
    return {"model": "exchange", "draw": "point values", "rounds": rounds}


def smp_events(arr: ScenarioArrays, trajectory: Any, opts: Any, seq: np.random.SeedSequence,
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """The bargain each actor accepted in each round (one draw), recomputed from the positions."""
    rounds, ok = replay_smp(arr, trajectory, opts, seq, names)
    return {"model": "smp", "draw": "point values", "rounds": rounds, "reproduces_model": ok}


def events_for(model: str, arr: ScenarioArrays, trajectory: Any, opts: Any, seq: np.random.SeedSequence,
               perception_actor: str | None = None, names: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Per-round reasons of the round-based models (None for the others)."""
    if model == "bdm":
        T = int(np.max(trajectory.rounds)) if trajectory.rounds is not None else None
        stop = trajectory.extras.get("_stop_round")
        return bdm_events(arr, trajectory.positions[0], opts, T, perception_actor,
                          None if stop is None else np.asarray(stop)[0], names)
    if model == "exchange":
        return exchange_events(arr, trajectory, names)
    if model == "smp":
        return smp_events(arr, trajectory, opts, seq, names)
    return None


def replay_smp(arr: ScenarioArrays, trajectory: Any, opts: Any, seq: np.random.SeedSequence,
               names: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], bool]:
    """Replay draw 0 of an SMP run round by round (as :func:`detente.models.smp._run_batch`) and read
    each actor's accepted bargain; check the replayed positions against the trajectory's."""
    nm = _namer(names)
    from detente.models import smp
    from detente.models import smp_kernels as kn

    o = opts
    x = np.moveaxis(arr.normalized_position()[:1], 1, 2).copy()  # (1, N, K)
    s = np.moveaxis(arr.salience[:1] * arr.present[None], 1, 2).copy()
    tot = s.sum(axis=-1)
    over = tot > 1.0 + 1e-9
    s = np.where(over[..., None], s / np.where(over, tot, 1.0)[..., None], s)
    c = (arr.capability[:1] * arr.present[None]).max(axis=1)
    A = None
    if o.accommodation:
        A = smp.accommodation_matrix(arr.actor_ids, o.accommodation)
        if np.array_equal(A, np.eye(A.shape[0])):
            A = None
    N = x.shape[1]
    if o.state_transitions == "Stochastic":
        keys = np.random.default_rng(seq).integers(np.iinfo(np.uint64).max, size=1, dtype=np.uint64, endpoint=True)
    S = s.sum(axis=-1)
    wS = c * S
    q = x.copy()
    ids, iss = arr.actor_ids, arr.issue_ids
    T = int(trajectory.rounds[0]) if trajectory.rounds is not None else 0
    pos = trajectory.positions[0]  # (T+1, I, N) native scale
    ok = True
    out = []
    for t in range(1, T + 1):
        st = smp._State(x, q, s, c, o)
        rr = kn.perceived_r(st.R, o.big_r_adjust)
        tgt, p, _ = kn.best_targets(st.d, rr, wS, S, o.voting_rule, o.third_party_commit)
        u = kn.uniforms(keys, t, N) if o.state_transitions == "Stochastic" else None
        xn, info = smp._resolve(x, q, s, c, S, wS, st.d, st.R, rr, tgt, p, o, u, detail=True)
        native = arr.from_unit(np.moveaxis(xn[0], 1, 0), axis_issue=0)  # (I, N)
        ok = ok and bool(np.allclose(native, pos[min(t, pos.shape[0] - 1)], atol=1e-9, rtol=0))
        moves = []
        for a in range(N):
            if info["choice"][0, a] == 0:
                continue
            i0, j0 = int(info["initiator"][0, a]), int(info["receiver"][0, a])
            partner = j0 if i0 == a else i0
            prev = arr.from_unit(x[0, a], axis_issue=0)
            for k in range(len(iss)):
                if not arr.present[k, a] or abs(native[k, a] - prev[k]) <= 1e-9:
                    continue
                moves.append({
                    "issue": iss[k], "actor": ids[a], "from": r(prev[k]), "to": r(native[k, a]),
                    "type": "bargain", "initiator": ids[i0], "receiver": ids[j0], "partner": ids[partner],
                    "why": f"{nm(ids[a])} accepted the bargain {nm(ids[i0])} struck with {nm(ids[j0])} after {nm(ids[i0])}'s "
                           f"challenge (the option its PCE rated most likely)",
                })
        out.append({"round": t, "moves": moves})
        if A is None:
            q = xn.copy()
        else:
            q = np.einsum("ij,bjk->bik", A, xn) + (1.0 - A.sum(axis=1))[None, :, None] * q
        x = xn
    return out, ok
