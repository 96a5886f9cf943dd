"""Stokman's exchange model, Equal-Gain variant (``neighbours.md`` §1.3), seeded and reproducible.

Each round: the expected outcome (``mds``) of every issue is the capability x salience weighted
mean of the start positions (step 1); every pair of actors on opposite sides of the outcome on two
issues is a candidate exchange (steps 2-4) in which each gives way on its relatively less salient
issue at the equal-gain rate (steps 5-6); the exchange with the largest gain is realised, the
exchanges it affects are recomputed, and so on until none is left (step 7); the round's forecast
is the outcome of the voting positions (step 8); actors who exchanged move their start position
toward their voting position by ``(1 - s) * salience_weight + fixed_weight`` (step 9). With
``randomize_p > 0`` the exchange rate is drawn at random around the equal-gain rate (REX, step 10).

Unlike Decide, ties between equal gains are broken with the run's seeded generator, so the same
seed gives the same run bit for bit. Positions are rescaled to 0-100 per issue, like Decide, and
mapped back to each issue's scale for output.

Documented choices (where Decide's behaviour is kept, §1.3 step 6-7):

* a candidate is dropped when a move is at most 1e-10 or above 100, leaves [0, 100], when the sum
  of the actor's moves on that issue in the round exceeds 100 or they change direction, or when
  its gain is below 1e-10; a move that would push the outcome past the partner's own position is
  truncated so that the outcome lands on it, and the partner's move is recomputed;
* when recomputing an exchange after another was realised, its actor's supply position becomes
  the realised voting position, and only the moves that the *demanding* actor itself obtained on
  an issue enter the outcome used for that truncation (Decide's "updates");
* a tie is two top gains within 1e-12 (relative); the seeded coin decides which comes first and,
  as in Decide, the loser stays in the list (twice if it lost the coin: it is then recomputed twice).
* REX (``randomize_p > 0``): one of the two actors (u < 0.5: the first) gets ``eu + p z (eu_max - eu)``
  (v < 0.5) or ``eu - p z eu``, where ``eu_max`` is its gain when the partner's gain is zero; its
  own move is recomputed at the partner's unchanged move (capped at the partner's position). This
  follows the spec's description; Decide's own REX code differs in detail.
* externalities of an exchange for a third actor with stances on both issues:
  ``s_p (|O_p - x_p| - |O'_p - x_p|) + s_q (|O_q - x_q| - |O'_q - x_q|)`` (positive = it gains).

>>> from detente.scenario.model import Scenario
>>> from detente.runner import run
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
...     "issues": [{"id": "x"}, {"id": "y"}], "stances": [
...     {"actor": "A", "issue": "x", "position": 0, "salience": 0.9},
...     {"actor": "A", "issue": "y", "position": 0, "salience": 0.2},
...     {"actor": "B", "issue": "x", "position": 100, "salience": 0.2},
...     {"actor": "B", "issue": "y", "position": 100, "salience": 0.9},
...     {"actor": "C", "issue": "x", "position": 50, "salience": 0.5},
...     {"actor": "C", "issue": "y", "position": 50, "salience": 0.5}]})
>>> r = run(s, "exchange", options={"rounds": 1})
>>> [(e["actor_i"], e["supply_issue_i"], e["actor_j"], e["supply_issue_j"]) for e in r.trajectory.extras["exchanges"][0]]
[('A', 'y', 'B', 'x')]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from detente.models.base import ModelSpec, Options, Trajectory, registry
from detente.models.exchange_kernels import EPS_MOVE, candidates, equal_gain, move_ok
from detente.scenario.arrays import ScenarioArrays

TIE_RTOL = 1e-12


class ExchangeOptions(Options):
    rounds: int = Field(10, ge=1, le=1000, description="rounds ('iterations' in Decide)")
    salience_weight: float = Field(0.4, ge=0, le=1, description="drift weight on (1 - salience), Decide's SALIENCE_WEIGHT")
    fixed_weight: float = Field(0.1, ge=0, le=1, description="fixed drift weight, Decide's FIXED_WEIGHT")
    randomize_p: float = Field(0.0, ge=0, le=1, description="REX randomisation of the exchange rate (0 = equal gain)")


class _Round:
    """The sequential realise-and-recompute loop of one round (step 7) on 0-100 positions."""

    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray,
                 p_rex: float, rng: np.random.Generator, coin: Any = None) -> None:
        self.x0, self.s, self.present = x, s, present
        self.coin = coin if coin is not None else rng.random  # tie-breaking draws
        self.w = c * s * present
        self.W = self.w.sum(axis=1)
        self.p_rex, self.rng = p_rex, rng
        cand = candidates(x, s, c, present)
        self.O = cand["O"]
        I, J, p, q = cand["I"], cand["J"], cand["p"], cand["q"]
        self.I, self.J, self.p, self.q = I, J, p, q
        K, N = I.size, x.shape[1]
        self.dI, self.dJ = x[p, I], x[q, J]  # demand positions: fixed within the round
        self.xI, self.xJ = x[q, I].copy(), x[p, J].copy()  # supply positions: follow realised moves
        self.sIp, self.sJp, self.sIq, self.sJq = s[p, I], s[p, J], s[q, I], s[q, J]
        self.wIq, self.wJp = self.w[q, I], self.w[p, J]
        self.Wp, self.Wq = self.W[p], self.W[q]
        self.U = np.full((K, 2, N), np.nan)  # updates: side 0 = issue q (I supplies), 1 = issue p
        z = np.zeros(K)
        self.hI = [z.copy(), np.full(K, np.inf), np.full(K, -np.inf), z.copy()]  # sum, min, max, n
        self.hJ = [z.copy(), np.full(K, np.inf), np.full(K, -np.inf), z.copy()]
        self.mI, self.mJ, self.gain, self.gI, self.gJ = z.copy(), z.copy(), z.copy(), z.copy(), z.copy()
        self.valid = np.zeros(K, bool)
        self.calculate(np.arange(K))

    # -- outcome of an issue with a candidate's updates and one actor moved ---------------------
    def _nbs(self, idx: np.ndarray, side: int, actor: np.ndarray, pos: np.ndarray) -> np.ndarray:
        r = self.q[idx] if side == 0 else self.p[idx]
        xr = np.where(np.isnan(self.U[idx, side]), self.x0[r], self.U[idx, side])
        wr = self.w[r]
        base = (wr * xr).sum(axis=1)
        k = np.arange(idx.size)
        return (base - wr[k, actor] * xr[k, actor] + wr[k, actor] * pos) / self.W[r]

    def _ok(self, idx: np.ndarray) -> np.ndarray:
        hI = [h[idx] for h in self.hI]
        hJ = [h[idx] for h in self.hJ]
        return move_ok(self.xI[idx], self.mI[idx], *hI) & move_ok(self.xJ[idx], self.mJ[idx], *hJ)

    def calculate(self, idx: np.ndarray) -> None:
        """Equal-gain exchange of candidates ``idx`` from their current state (step 6)."""
        if idx.size == 0:
            return
        mI, mJ, rq, rp, gain = equal_gain(self.dI[idx], self.xJ[idx], self.dJ[idx], self.xI[idx],
                                          self.wJp[idx], self.wIq[idx], self.Wp[idx], self.Wq[idx],
                                          self.sIp[idx], self.sJp[idx], self.sIq[idx], self.sJq[idx])
        bad = ~np.isfinite(gain) | ~np.isfinite(mI) | ~np.isfinite(mJ)
        gain = np.where(bad, 0.0, gain)
        self.mI[idx], self.mJ[idx], self.gain[idx] = np.where(bad, 0, mI), np.where(bad, 0, mJ), gain
        self.gI[idx] = gain
        self.gJ[idx] = gain
        ok = self._ok(idx) & (gain >= EPS_MOVE) & ~bad
        self.valid[idx] = ok
        live = idx[ok]
        self._check_nbs(live, side=0)
        self._check_nbs(live, side=1)
        self.valid[live] = self._ok(live)
        if self.p_rex > 0:
            live = idx[self.valid[idx]]
            if live.size:
                self._randomize(live)

    def _check_nbs(self, idx: np.ndarray, side: int) -> None:
        """Truncate a move that pushes the outcome past the demanding partner's position (step 6)."""
        if idx.size == 0:
            return
        if side == 0:  # I supplies q toward J's position dJ
            A, xA, mA, t = self.I[idx], self.xI[idx], self.mI[idx], self.dJ[idx]
            wA, WA, sAr, sBr, sAo, sBo = self.wIq[idx], self.Wq[idx], self.sIq[idx], self.sJq[idx], self.sIp[idx], self.sJp[idx]
            wB, WB, xB, tB = self.wJp[idx], self.Wp[idx], self.xJ[idx], self.dI[idx]
        else:  # J supplies p toward I's position dI
            A, xA, mA, t = self.J[idx], self.xJ[idx], self.mJ[idx], self.dI[idx]
            wA, WA, sAr, sBr, sAo, sBo = self.wJp[idx], self.Wp[idx], self.sJp[idx], self.sIp[idx], self.sJq[idx], self.sIq[idx]
            wB, WB, xB, tB = self.wIq[idx], self.Wq[idx], self.xI[idx], self.dJ[idx]
        n0 = self._nbs(idx, side, A, xA)
        n1 = self._nbs(idx, side, A, xA + mA)
        fine = ((t >= n0) & (t >= n1)) | ((t <= n0) & (t <= n1))
        cut = ~fine
        if not cut.any():
            return
        k = idx[cut]
        # the outcome moves exactly onto the partner's position; as in Decide, an actor's own
        # recorded update (if any) takes precedence over its current supply position here
        own = self.U[idx, side, A]
        n0u = self._nbs(idx, side, A, np.where(np.isnan(own), xA, own))
        r_r = np.abs(t - n0u)[cut]
        mA_new = r_r * WA[cut] / wA[cut]
        r_o = r_r * (sAr[cut] + sBr[cut]) / (sAo[cut] + sBo[cut])
        mB_new = r_o * WB[cut] / wB[cut]
        mA_new = np.where(xA[cut] > t[cut], -mA_new, mA_new)
        mB_new = np.where(xB[cut] > tB[cut], -mB_new, mB_new)
        gain = np.abs(r_o * sBo[cut] - r_r * sBr[cut])
        if side == 0:
            self.mI[k], self.mJ[k] = mA_new, mB_new
        else:
            self.mJ[k], self.mI[k] = mA_new, mB_new
        self.gain[k] = gain
        self.gI[k] = gain
        self.gJ[k] = gain

    def _randomize(self, idx: np.ndarray) -> None:
        """REX (step 10): draw the chosen actor's gain around the equal gain, recompute its move."""
        u, v, z = self.rng.random((3, idx.size))
        for side in (0, 1):
            sel = (u < 0.5) if side == 0 else (u >= 0.5)
            k = idx[sel]
            if k.size == 0:
                continue
            vv, zz = v[sel], z[sel]
            if side == 0:  # A = I (supplies q, demands p), B = J
                mB, wB, WB = self.mJ[k], self.wJp[k], self.Wp[k]
                sAa, sAb, sBa, sBb = self.sIq[k], self.sIp[k], self.sJq[k], self.sJp[k]
                wA, WA, xA, tA = self.wIq[k], self.Wq[k], self.xI[k], self.dJ[k]
            else:
                mB, wB, WB = self.mI[k], self.wIq[k], self.Wq[k]
                sAa, sAb, sBa, sBb = self.sJp[k], self.sJq[k], self.sIp[k], self.sIq[k]
                wA, WA, xA, tA = self.wJp[k], self.Wp[k], self.xJ[k], self.dI[k]
            rB = np.abs(mB) * wB / WB
            eu = self.gain[k]
            eu_max = rB * sAb - rB * sBb * sAa / sBa
            eu_new = np.where(vv < 0.5, eu + self.p_rex * zz * (eu_max - eu), eu - self.p_rex * zz * eu)
            rA = np.maximum((rB * sAb - eu_new) / sAa, 0.0)
            room = np.abs(tA - xA) * wA / WA
            rA = np.minimum(rA, room)
            mA = np.where(xA > tA, -1, 1) * rA * WA / wA
            gA = rB * sAb - rA * sAa
            gB = rA * sBa - rB * sBb
            if side == 0:
                self.mI[k], self.gI[k], self.gJ[k] = mA, gA, gB
            else:
                self.mJ[k], self.gJ[k], self.gI[k] = mA, gA, gB
            self.valid[k] = self._ok(k) & (gA > -EPS_MOVE) & (gB > -EPS_MOVE)

    # -- recomputation after a realised exchange (step 7) ---------------------------------------
    def recalculate(self, idx: np.ndarray, R: int) -> None:
        RI, RJ, Rp, Rq = self.I[R], self.J[R], self.p[R], self.q[R]
        yI, yJ = self.xI[R] + self.mI[R], self.xJ[R] + self.mJ[R]
        I, J, p, q = self.I[idx], self.J[idx], self.p[idx], self.q[idx]
        supI_a, supI_b = (I == RI) & (q == Rq), (I == RJ) & (q == Rp)
        supJ_a, supJ_b = (J == RI) & (p == Rq), (J == RJ) & (p == Rp)
        supI, supJ = supI_a | supI_b, supJ_a | supJ_b
        for sup, h, m in ((supI, self.hI, self.mI), (supJ, self.hJ, self.mJ)):
            k = idx[sup]  # the stale move stays in the actor's move history (as in Decide)
            h[0][k] += m[k]
            h[1][k] = np.minimum(h[1][k], m[k])
            h[2][k] = np.maximum(h[2][k], m[k])
            h[3][k] += 1
        self.xI[idx[supI_a]], self.xI[idx[supI_b]] = yI, yJ
        self.xJ[idx[supJ_a]], self.xJ[idx[supJ_b]] = yI, yJ
        # moves obtained by the demanding actor: R.I moved on Rq toward R.J, R.J on Rp toward R.I
        dem1 = ((J == RJ) & (q == Rq)) | ((I == RJ) & (p == Rq))
        dem2 = ((J == RI) & (q == Rp)) | ((I == RI) & (p == Rp))
        for dem, issue, mover, y in ((dem1, Rq, RI, yI), (dem2, Rp, RJ, yJ)):
            k = idx[dem]
            if k.size == 0:
                continue
            side = np.where(self.q[k] == issue, 0, 1)
            prev = self.U[k, side, mover]
            start = self.x0[issue, mover]
            kept = np.where(start <= prev, np.where(prev < y, prev, y), np.where(prev > y, prev, y))
            self.U[k, side, mover] = np.where(np.isnan(prev), y, kept)
        redo = idx[supI | supJ | dem1 | dem2]
        self.calculate(redo)

    def run(self) -> list[int]:
        """Realise exchanges until none is left; returns the realised candidates in order."""
        order = list(range(self.I.size))  # Decide's list, including its duplicates after ties
        realised: list[int] = []
        while order:
            g = self.gain
            order.sort(key=lambda k: -g[k])  # stable, like Decide's sort by gain
            best = order.pop(0)
            if order and abs(g[best] - g[order[0]]) <= TIE_RTOL * max(1.0, abs(g[best])):
                if self.coin() >= 0.5:
                    order.append(best)
                    best = order.pop(0)
                else:
                    order.append(order[0])
            if not self.valid[best]:
                continue
            realised.append(best)
            live = np.array([k for k in order if self.valid[k]], dtype=np.int64)
            uniq, first, counts = np.unique(live, return_index=True, return_counts=True)
            uniq = uniq[np.argsort(first)]
            counts = counts[np.argsort(first)]
            self.recalculate(uniq, best)
            twice = uniq[(counts > 1) & self.valid[uniq]]
            if twice.size:
                self.recalculate(twice, best)
            order = [k for k in order if self.valid[k]]
        return realised


def _scale(arr: ScenarioArrays) -> tuple[np.ndarray, np.ndarray]:
    return arr.scale_min[:, None], (arr.scale_max - arr.scale_min)[:, None] / 100.0


def exchange_model(arr: ScenarioArrays, options: ExchangeOptions, rng: np.random.Generator) -> Trajectory:
    """Run ``options.rounds`` rounds of the exchange model for every draw."""
    D, n_i, n_a = arr.position.shape
    T = options.rounds
    lo, step = _scale(arr)
    seeds = rng.integers(0, 2**63 - 1, size=D)  # one independent stream per draw
    positions = np.empty((D, T + 1, n_i, n_a))
    mds = np.full((D, T + 1, n_i), np.nan)
    voting = np.full((D, T + 1, n_i), np.nan)
    all_ex: list[list[dict[str, Any]]] = []
    all_ext: list[dict[str, Any]] = []
    for d in range(D):  # NOTE: per-draw Python loop (see module notes / report)
        drng = np.random.default_rng(int(seeds[d]))
        x = (arr.position[d] - lo) / step
        s, c, present = arr.salience[d], arr.capability[d], arr.present
        for t in range(T):
            positions[d, t] = x
            rnd = _Round(x, s, c, present, options.randomize_p, drng)
            mds[d, t] = rnd.O
            done = rnd.run()
            y = x.copy()
            for k in done:  # step 8: voting positions (later exchanges are cumulative)
                y[rnd.q[k], rnd.I[k]] = rnd.xI[k] + rnd.mI[k]
                y[rnd.p[k], rnd.J[k]] = rnd.xJ[k] + rnd.mJ[k]
            W = rnd.W
            with np.errstate(invalid="ignore", divide="ignore"):
                voting[d, t + 1] = np.where(W > 0, (rnd.w * y).sum(axis=1) / np.where(W > 0, W, 1), np.nan)
            if t == 0:
                voting[d, 0] = rnd.O
            moved = y != x  # step 9: drift toward the voting position
            a = (1 - s) * options.salience_weight + options.fixed_weight
            x = np.where(moved, (1 - a) * x + a * y, x)
            if D == 1:
                all_ex.append(_report(rnd, done, t, arr, lo, step))
                all_ext.append(_externalities(rnd, done, t, arr))
        positions[d, T] = x
        wT = arr.capability[d] * s * present
        WT = wT.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mds[d, T] = np.where(WT > 0, (wT * x).sum(axis=1) / np.where(WT > 0, WT, 1), np.nan)
    to_native = lambda v: lo[:, 0] + v * step[:, 0]  # noqa: E731
    extras: dict[str, Any] = {}
    if D == 1:
        extras = {"exchanges": all_ex, "externalities": all_ext}
    return Trajectory(
        forecast=to_native(voting[:, T]),
        positions=lo + positions * step,
        series={"mds": to_native(mds), "voting": to_native(voting)},
        rounds=np.full(D, T),
        stopped_by=np.array(["max_rounds"] * D),
        extras=extras,
    )


def _report(rnd: _Round, done: list[int], t: int, arr: ScenarioArrays, lo: np.ndarray, step: np.ndarray) -> list[dict[str, Any]]:
    A, Iss = arr.actor_ids, arr.issue_ids
    nat = lambda i, v: float(lo[i, 0] + v * step[i, 0])  # noqa: E731
    out = []
    for k in done:
        p, q = int(rnd.p[k]), int(rnd.q[k])
        out.append({
            "round": t + 1, "actor_i": A[rnd.I[k]], "actor_j": A[rnd.J[k]],
            "supply_issue_i": Iss[q], "supply_issue_j": Iss[p],
            "move_i": (nat(q, rnd.xI[k]), nat(q, rnd.xI[k] + rnd.mI[k])),
            "move_j": (nat(p, rnd.xJ[k]), nat(p, rnd.xJ[k] + rnd.mJ[k])),
            "gain_i": float(rnd.gI[k]), "gain_j": float(rnd.gJ[k]),
        })
    return out


def _externalities(rnd: _Round, done: list[int], t: int, arr: ScenarioArrays) -> dict[str, Any]:
    """Gain (+) or loss (-) of third actors from the round's realised exchanges, per issue."""
    n_i, n_a = rnd.x0.shape
    ext = np.zeros((n_i, n_a))
    for k in done:
        kk = np.array([k])
        p, q = rnd.p[k], rnd.q[k]
        both = rnd.present[p] & rnd.present[q]
        third = both.copy()
        third[[rnd.I[k], rnd.J[k]]] = False
        for side, r, A, xA, mA in ((0, q, rnd.I[k], rnd.xI[k], rnd.mI[k]), (1, p, rnd.J[k], rnd.xJ[k], rnd.mJ[k])):
            n0 = rnd._nbs(kk, side, np.array([A]), np.array([xA]))[0]
            n1 = rnd._nbs(kk, side, np.array([A]), np.array([xA + mA]))[0]
            xr = rnd.x0[r]
            ext[r] += np.where(third, (np.abs(n0 - xr) - np.abs(n1 - xr)) * rnd.s[r], 0.0)
    return {"round": t + 1, "actors": {
        arr.actor_ids[a]: {**{arr.issue_ids[i]: float(ext[i, a]) for i in range(n_i) if ext[i, a] != 0},
                           "total": float(ext[:, a].sum())}
        for a in range(n_a)}}


registry.register(ModelSpec(
    name="exchange",
    summary="Stokman's exchange model (equal gain, optional REX randomisation), seeded tie-breaking",
    options=ExchangeOptions,
    run=exchange_model,
    has_rounds=True,
    stochastic=True,
    multi_issue=True,
    variants={"rex": {"randomize_p": 0.2}},
))
