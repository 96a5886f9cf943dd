"""The exchange model's round (``neighbours.md`` §1.3 steps 5-8) in NumPy: nothing to compile.

The same round as :func:`detente.models.exchange_kernels.realise_round`, with the same numbers bit
for bit, written as array operations over a draw's candidates instead of compiled loops. The
sequential part stays sequential (one realised exchange after the other); what is vectorised is the
work inside a step: the equal-gain rates of the recomputed candidates, the updates of every listed
candidate after an exchange, the outcome sums over actors. Every floating-point operation is the
kernel's, in the kernel's order (the sums over actors included: :func:`psum_rows` is NumPy's
pairwise summation, as ``_psum`` is there), so the two implementations agree to the last bit and
either may run any problem (``tests/test_exchange.py`` checks it on Decide's inputs).

Why two: compiling the Numba kernels takes about 11 s of CPU once per installation, and starting
them in a process about 0.8 s (Numba's import, registries and cache load), against ~4 us per
candidate and round once running. This round needs neither, at ~65 us per candidate and round
(COP21: 13 issues, 15 actors, ~1,700 candidates, 0.11 s a round; Copenhagen 0.04 s). Small
problems therefore run here, large ones (many draws) in the kernels, and a first-ever run that
would compile for longer than this takes runs here too: :func:`detente.models.exchange.use_compiled`
decides. Ranking with a tolerance (``rank_rtol > 0``, a replay of Decide's Decimal order) is in the
kernels only.

>>> from detente.models.exchange_arrays import candidates, seed_states
>>> x = np.array([[[0., 100., 50.], [0., 100., 50.]]]); s = np.array([[[.9, .2, .5], [.2, .9, .5]]])
>>> cand = candidates(x, s, np.ones((1, 2, 3)), np.ones((2, 3), bool))
>>> r = realise_round(x, s, cand, 0.0, seed_states(np.array([0])))
>>> r["n"].tolist(), r["y"][0].tolist()  # B gives way on the first issue, A on the second
([1], [[0.0, 0.0, 50.0], [100.0, 100.0, 50.0]])
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from detente.models.exchange_arrays import (
    EPS_MOVE, F_DI, F_DJ, F_G, F_GI, F_GJ, F_MI, F_MJ, F_SIP, F_SIQ, F_SJP, F_SJQ, F_WIQ, F_WJP, F_WP, F_WQ,
    F_XI, F_XJ, N_F, TIE_RTOL, generator, store_state)

__all__ = ["realise_round", "psum_rows"]


def _block_sum(a: np.ndarray, s: int, n: int) -> np.ndarray:
    """Per row, NumPy's pairwise sum of ``a[:, s:s + n]`` for n <= 128 (8 accumulators)."""
    if n < 8:
        r = np.zeros(a.shape[0])
        for i in range(s, s + n):
            r = r + a[:, i]
        return r
    acc = a[:, s:s + 8].copy()
    i = 8
    while i < n - (n % 8):
        acc += a[:, s + i:s + i + 8]
        i += 8
    res = ((acc[:, 0] + acc[:, 1]) + (acc[:, 2] + acc[:, 3])) + ((acc[:, 4] + acc[:, 5]) + (acc[:, 6] + acc[:, 7]))
    while i < n:
        res = res + a[:, s + i]
        i += 1
    return res


def psum_rows(a: np.ndarray, s: int = 0, n: int | None = None) -> np.ndarray:
    """``np.sum`` of each row of ``a`` (m, n) as NumPy sums a contiguous row: blocks of <= 128, halved
    (to a multiple of 8) above. The same sums as the kernels' ``_psum``, bit for bit.

    >>> a = np.random.default_rng(0).random((3, 300)); bool((psum_rows(a) == a.sum(axis=1)).all())
    True
    """
    n = a.shape[1] if n is None else n
    if n <= 128:
        return _block_sum(a, s, n)
    n2 = n // 2
    n2 -= n2 % 8
    return psum_rows(a, s, n2) + psum_rows(a, s + n2, n - n2)


def _min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Python's (and Numba's) ``min(a, b)``: ``b`` only if ``b < a``."""
    return np.where(b < a, b, a)


def _max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b > a, b, a)


def _move_ok(x: np.ndarray, move: np.ndarray, h: list[np.ndarray]) -> np.ndarray:
    """Decide's move checks (§1.3 step 6), the kernels' ``_move_ok``: 1e-10 < |move| <= 100, stays in
    [0, 100], this round's moves of the actor on the issue sum to <= 100 and all go one way. ``h`` =
    (sum, min, max, count) of the earlier moves; min and max start at +-inf, so they need no count
    here, and with a finite move min <= move <= max: all one way = max < 0 or min > 0."""
    am = np.abs(move)
    y = x + move
    good = (am <= 100.0) & (am > EPS_MOVE) & (y >= 0.0) & (y <= 100.0) & (h[0] + move <= 100.0)
    return good & ((_max(h[2], move) < 0) | (_min(h[1], move) > 0))


def _by_cell(code: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidates grouped by cell: those with ``code == c`` are ``idx[start[c]:start[c + 1]]``."""
    idx = np.argsort(code, kind="stable")
    start = np.zeros(n_cells + 1, np.int64)
    np.cumsum(np.bincount(code, minlength=n_cells), out=start[1:])
    return idx, start


class _Round:
    """One draw's round: the kernels' state and its steps, each over an array ``ks`` of candidates
    (no repeats). As in the kernels: ``f[F_*]`` the candidates' fields (a list of arrays here),
    ``U[side]`` (K, actors) the recorded updates (NaN = none; side 0 = issue q, on which I supplies,
    1 = issue p), ``B[side]`` the cached weighted position sums of that issue with k's updates (NaN =
    stale), ``h[0]``, ``h[1]`` the move histories of I and J on their supply issues this round."""

    def __init__(self, x0, s, w, W, I, J, p, q, p_rex: float | None, draw: Callable[[int], np.ndarray]):
        self.x0, self.w, self.W, self.I, self.J, self.p, self.q = x0, w, W, I, J, p, q
        self.p_rex, self.draw = p_rex, draw
        K = I.size
        f = [np.zeros(K) for _ in range(N_F)]
        f[F_DI], f[F_DJ] = x0[p, I], x0[q, J]  # demand positions: fixed
        f[F_XI], f[F_XJ] = x0[q, I], x0[p, J]  # supply positions: follow moves
        f[F_SIP], f[F_SJP], f[F_SIQ], f[F_SJQ] = s[p, I], s[p, J], s[q, I], s[q, J]
        f[F_WIQ], f[F_WJP], f[F_WP], f[F_WQ] = w[q, I], w[p, J], W[p], W[q]
        self.f = f
        self.U = [np.full((K, x0.shape[1]), np.nan) for _ in range(2)]
        base0 = psum_rows(w * x0)
        self.B = [base0[q], base0[p]]
        self.h = [[np.zeros(K), np.full(K, np.inf), np.full(K, -np.inf), np.zeros(K)] for _ in range(2)]
        self.valid = np.zeros(K, bool)
        # who an exchange touches: candidates by the (actor, issue) cells of their four positions
        n_i = x0.shape[0]
        self.n_i = n_i
        self.cells = [_by_cell(code, x0.size) for code in (I * n_i + q, J * n_i + p, J * n_i + q, I * n_i + p)]

    # -- outcomes with a candidate's recorded updates (step 5) ---------------------------------
    def _base(self, ks, side, r):
        u = self.U[side][ks]
        return psum_rows(self.w[r] * np.where(np.isnan(u), self.x0[r], u))

    def _move(self, base, ks, side, r, actor, pos):
        u = self.U[side][ks, actor]
        wa = self.w[r, actor]
        return (base - wa * np.where(np.isnan(u), self.x0[r, actor], u) + wa * pos) / self.W[r]

    def ok(self, ks):
        f, h = self.f, self.h
        return _move_ok(f[F_XI][ks], f[F_MI][ks], [a[ks] for a in h[0]]) & \
            _move_ok(f[F_XJ][ks], f[F_MJ][ks], [a[ks] for a in h[1]])

    # -- step 6 ---------------------------------------------------------------------------------
    def _equal_gain(self, ks):
        f = self.f
        dI, xJ, dJ, xI = f[F_DI][ks], f[F_XJ][ks], f[F_DJ][ks], f[F_XI][ks]
        wJp, wIq, Wp, Wq = f[F_WJP][ks], f[F_WIQ][ks], f[F_WP][ks], f[F_WQ][ks]
        sIp, sJp, sIq, sJq = f[F_SIP][ks], f[F_SJP][ks], f[F_SIQ][ks], f[F_SJQ][ks]
        mJ = np.abs(dI - xJ)  # J moves all the way to I on p
        rp = mJ * wJp / Wp  # ΔO_p
        rq = rp * (sIp + sJp) / (sIq + sJq)  # equal gain
        mI = rq * Wq / wIq
        room = np.abs(dJ - xI)
        over = mI > room  # I would overshoot J: I moves fully, J partially
        if over.any():
            rq = np.where(over, room * wIq / Wq, rq)
            rp = np.where(over, rq * (sIq + sJq) / (sIp + sJp), rp)
            mJ = np.where(over, rp * Wp / wJp, mJ)
            mI = np.where(over, room, mI)
        mI = np.where(xI > dJ, -mI, mI)
        mJ = np.where(xJ > dI, -mJ, mJ)
        gain = np.abs(rp * sIp - rq * sIq)
        fine = np.isfinite(gain) & np.isfinite(mI) & np.isfinite(mJ)
        bad = ~fine
        gain[bad], mI[bad], mJ[bad] = 0.0, 0.0, 0.0
        f[F_MI][ks], f[F_MJ][ks] = mI, mJ
        f[F_G][ks] = f[F_GI][ks] = f[F_GJ][ks] = gain
        return fine

    def _check_nbs(self, ks, side):
        """Truncate moves that push the outcome past the demanding partner's position."""
        f = self.f
        if side == 0:  # I supplies q toward J's position dJ
            A, r, xA, mA, t = self.I[ks], self.q[ks], f[F_XI][ks], f[F_MI][ks], f[F_DJ][ks]
            fields = (F_WIQ, F_WQ, F_SIQ, F_SJQ, F_SIP, F_SJP, F_WJP, F_WP, F_XJ, F_DI)
        else:  # J supplies p toward I's position dI
            A, r, xA, mA, t = self.J[ks], self.p[ks], f[F_XJ][ks], f[F_MJ][ks], f[F_DI][ks]
            fields = (F_WJP, F_WP, F_SJP, F_SIP, F_SJQ, F_SIQ, F_WIQ, F_WQ, F_XI, F_DJ)
        B = self.B[side]
        base = B[ks]
        stale = np.isnan(base)
        if stale.any():
            base[stale] = B[ks[stale]] = self._base(ks[stale], side, r[stale])
        n0 = self._move(base, ks, side, r, A, xA)
        n1 = self._move(base, ks, side, r, A, xA + mA)
        act = ~(((t >= n0) & (t >= n1)) | ((t <= n0) & (t <= n1)))
        if not act.any():
            return
        ks, A, r, xA, t, base = ks[act], A[act], r[act], xA[act], t[act], base[act]
        wA, WA, sAr, sBr, sAo, sBo, wB, WB, xB, tB = (f[c][ks] for c in fields)
        # the outcome moves exactly onto the partner's position; the actor's own recorded update
        # (if any) takes precedence over its current supply position here (as in Decide)
        own = self.U[side][ks, A]
        n0u = self._move(base, ks, side, r, A, np.where(np.isnan(own), xA, own))
        r_r = np.abs(t - n0u)
        mA_new = r_r * WA / wA
        r_o = r_r * (sAr + sBr) / (sAo + sBo)
        mB_new = r_o * WB / wB
        mA_new = np.where(xA > t, -mA_new, mA_new)
        mB_new = np.where(xB > tB, -mB_new, mB_new)
        gain = np.abs(r_o * sBo - r_r * sBr)
        f[F_MI if side == 0 else F_MJ][ks] = mA_new
        f[F_MJ if side == 0 else F_MI][ks] = mB_new
        f[F_G][ks] = f[F_GI][ks] = f[F_GJ][ks] = gain

    def _randomize(self, ks, u, v, z):
        """REX (step 10): draw the chosen actor's gain around the equal gain, recompute its move."""
        f, p_rex = self.f, self.p_rex
        a = u < 0.5  # A = I (supplies q, demands p), B = J; else the other way round
        pick = lambda c_i, c_j: np.where(a, f[c_i][ks], f[c_j][ks])  # noqa: E731
        mB, wB, WB = pick(F_MJ, F_MI), pick(F_WJP, F_WIQ), pick(F_WP, F_WQ)
        sAa, sAb, sBa, sBb = pick(F_SIQ, F_SJP), pick(F_SIP, F_SJQ), pick(F_SJQ, F_SIP), pick(F_SJP, F_SIQ)
        wA, WA, xA, tA = pick(F_WIQ, F_WJP), pick(F_WQ, F_WP), pick(F_XI, F_XJ), pick(F_DJ, F_DI)
        rB = np.abs(mB) * wB / WB
        eu = f[F_G][ks]
        eu_max = rB * sAb - rB * sBb * sAa / sBa  # A's gain when B's gain is zero
        eu_new = np.where(v < 0.5, eu + p_rex * z * (eu_max - eu), eu - p_rex * z * eu)
        rA = (rB * sAb - eu_new) / sAa
        rA = np.where(np.isnan(rA), rA, _max(rA, np.zeros_like(rA)))
        room = np.abs(tA - xA) * wA / WA
        rA = np.where(np.isnan(room), room, np.where(np.isnan(rA), rA, _min(rA, room)))
        sign = np.where(xA > tA, -1.0, 1.0)
        mA = sign * rA * WA / wA
        gA = rB * sAb - rA * sAa
        gB = rA * sBa - rB * sBb
        f[F_MI][ks[a]], f[F_MJ][ks[~a]] = mA[a], mA[~a]
        f[F_GI][ks] = np.where(a, gA, gB)
        f[F_GJ][ks] = np.where(a, gB, gA)
        self.valid[ks] = self.ok(ks) & (gA > -EPS_MOVE) & (gB > -EPS_MOVE)

    def calculate(self, ks):
        """Equal-gain exchange of candidates ``ks`` from their current state (step 6), then REX."""
        fine = self._equal_gain(ks)
        v = fine & self.ok(ks) & (self.f[F_G][ks] >= EPS_MOVE)
        self.valid[ks] = v
        vk = ks[v]
        if vk.size:
            for side in range(2):  # I's move on q, then J's on p
                self._check_nbs(vk, side)
            self.valid[vk] = self.ok(vk)
        if self.p_rex is not None:
            live = ks[self.valid[ks]]
            m = live.size
            if m:
                r = self.draw(3 * m)  # drawn as a (3, m) block: all u, then all v, then all z
                self._randomize(live, r[:m], r[m:2 * m], r[2 * m:])

    # -- step 7: after an exchange -------------------------------------------------------------
    def touched(self, R, listed):
        """The candidates flagged in ``listed`` (bool, K) that realising ``R`` changes, in index order:
        one of their actors supplies on an issue on which R moved that actor, or demands on an issue
        on which R moved the other one."""
        n_i, RI, RJ, Rp, Rq = self.n_i, self.I[R], self.J[R], self.p[R], self.q[R]
        moved_i, moved_j = RI * n_i + Rq, RJ * n_i + Rp  # R's I moved on Rq, R's J on Rp
        toward_j, toward_i = RJ * n_i + Rq, RI * n_i + Rp  # ... toward R's J, toward R's I
        (sI, oI), (sJ, oJ), (dJ, oJq), (dI, oIp) = self.cells  # I's supply, J's supply, J's and I's demand cells
        hit = np.zeros(listed.size, bool)
        for idx, start, c in ((sI, oI, moved_i), (sI, oI, moved_j), (sJ, oJ, moved_i), (sJ, oJ, moved_j),
                              (dJ, oJq, toward_j), (dI, oIp, toward_j), (dJ, oJq, toward_i), (dI, oIp, toward_i)):
            hit[idx[start[c]:start[c + 1]]] = True
        return np.flatnonzero(hit & listed)

    def update(self, ks, R):
        """Update candidates ``ks`` after candidate ``R`` was realised; returns those to recompute."""
        f, I, J, p, q = self.f, self.I, self.J, self.p, self.q
        RI, RJ, Rp, Rq = I[R], J[R], p[R], q[R]
        yI, yJ = f[F_XI][R] + f[F_MI][R], f[F_XJ][R] + f[F_MJ][R]
        Ik, Jk, pk, qk = I[ks], J[ks], p[ks], q[ks]
        supI_a, supI_b = (Ik == RI) & (qk == Rq), (Ik == RJ) & (qk == Rp)  # k's I supplies as R's I, as R's J
        supJ_a, supJ_b = (Jk == RI) & (pk == Rq), (Jk == RJ) & (pk == Rp)
        for h, x_field, m_field, sup_a, sup in ((self.h[0], F_XI, F_MI, supI_a, supI_a | supI_b),
                                                 (self.h[1], F_XJ, F_MJ, supJ_a, supJ_a | supJ_b)):
            if sup.any():  # the stale move stays in the actor's move history (as in Decide)
                k = ks[sup]
                mv = f[m_field][k]
                h[0][k] += mv
                h[1][k] = _min(h[1][k], mv)
                h[2][k] = _max(h[2][k], mv)
                h[3][k] += 1
                f[x_field][k] = np.where(sup_a[sup], yI, yJ)
        # moves obtained by the demanding actor: R.I moved on Rq toward R.J, R.J on Rp toward R.I
        dem1 = ((Jk == RJ) & (qk == Rq)) | ((Ik == RJ) & (pk == Rq))
        dem2 = ((Jk == RI) & (qk == Rp)) | ((Ik == RI) & (pk == Rp))
        for dem, issue, mover, y in ((dem1, Rq, RI, yI), (dem2, Rp, RJ, yJ)):
            if dem.any():
                k = ks[dem]
                on_q = qk[dem] == issue
                for side, kk in ((0, k[on_q]), (1, k[~on_q])):
                    if kk.size:
                        self.B[side][kk] = np.nan
                        prev = self.U[side][kk, mover]
                        toward = np.where(self.x0[issue, mover] <= prev, np.where(prev < y, prev, y),
                                          np.where(prev > y, prev, y))
                        self.U[side][kk, mover] = np.where(np.isnan(prev), y, toward)
        return ks[supI_a | supI_b | supJ_a | supJ_b | dem1 | dem2]

    # -- step 8 ---------------------------------------------------------------------------------
    def record(self, rk):
        """Voting positions and the records of the realised ``rk`` (see ``_realise_all``)."""
        f, I, J, p, q = self.f, self.I, self.J, self.p, self.q
        y = self.x0.copy()
        for k in rk.tolist():  # in order: later exchanges of an actor on an issue are cumulative
            y[q[k], I[k]] = f[F_XI][k] + f[F_MI][k]
            y[p[k], J[k]] = f[F_XJ][k] + f[F_MJ][k]
        rec = np.empty((rk.size, 11))
        for c, field in enumerate((F_XI, F_MI, F_XJ, F_MJ, F_GI, F_GJ, F_G)):
            rec[:, c] = f[field][rk]
        for side, r, A, xA, mA in ((0, q[rk], I[rk], rec[:, 0], rec[:, 1]), (1, p[rk], J[rk], rec[:, 2], rec[:, 3])):
            base = self._base(rk, side, r)  # outcome of q before/after I's move, of p before/after J's
            rec[:, 7 + 2 * side] = self._move(base, rk, side, r, A, xA)
            rec[:, 8 + 2 * side] = self._move(base, rk, side, r, A, xA + mA)
        return y, rec


def _realise(rd: _Round) -> np.ndarray:
    """Realise exchanges until none is left (step 7); returns the realised candidates in order."""
    K = rd.I.size
    g = rd.f[F_G]
    rd.calculate(np.arange(K))
    order = np.arange(K)  # Decide's list, including its duplicates after ties
    realised: list[int] = []
    while order.size:
        key = g[order]
        order = order[np.argsort(-np.where(np.isnan(key), -np.inf, key), kind="stable")]  # highest first
        best, order = int(order[0]), order[1:]
        if order.size:
            g0, g1 = float(g[best]), float(g[order[0]])
            if abs(g0 - g1) <= TIE_RTOL * max(1.0, abs(g0)):  # a tie: a coin decides
                if float(rd.draw(1)[0]) >= 0.5:
                    best, order = int(order[0]), np.append(order[1:], best)
                else:
                    order = np.append(order, order[0])
        if not rd.valid[best]:
            continue
        if len(realised) >= 2 * K + 8:  # the kernels' bound
            raise ValueError("exchange: more realised exchanges than expected in one round")
        realised.append(best)
        listed = order[rd.valid[order]]  # the valid candidates still listed, once each, in list order
        cnt = np.bincount(listed, minlength=K)
        if listed.size == 0 or cnt.max() == 1:  # no repeats: update those the exchange touches
            ks = rd.touched(best, cnt > 0)
            if ks.size > 1:
                pos = np.empty(K, np.int64)
                pos[listed] = np.arange(listed.size)
                ks = ks[np.argsort(pos[ks])]
            rd.calculate(rd.update(ks, best))
        else:  # repeats after a tie: first-seen order, and a candidate listed twice is recomputed twice
            ks = listed[np.sort(np.unique(listed, return_index=True)[1])]
            rd.calculate(rd.update(ks, best))
            twice = ks[(cnt[ks] > 1) & rd.valid[ks]]
            if twice.size:
                rd.calculate(rd.update(twice, best))
        order = order[rd.valid[order]]
    return np.array(realised, np.int64)


def realise_round(x: np.ndarray, s: np.ndarray, cand: dict[str, np.ndarray], p_rex: float,
                  states: np.ndarray, coins: np.ndarray | None = None, rank_rtol: float = 0.0) -> dict[str, np.ndarray]:
    """:func:`detente.models.exchange_kernels.realise_round` in NumPy: same arguments, same results
    (``rank_rtol`` must be 0)."""
    if rank_rtol > 0:
        raise ValueError("exchange: rank_rtol > 0 runs in the compiled kernels only")
    D = x.shape[0]
    rex = float(p_rex) if p_rex > 0 else None
    ys, ks, fs = [], [], []
    n_real, n_coins = np.zeros(D, np.int64), np.zeros(D, np.int64)
    with np.errstate(all="ignore"):  # as in compiled code: inf and NaN, no warnings
        for d in range(D):
            a, b = cand["offsets"][d], cand["offsets"][d + 1]
            if coins is None:
                gen = generator(states[d])
                draw = gen.random
            else:
                draw = _coin_reader(coins[d], n_coins, d)
            rd = _Round(x[d], s[d], cand["w"][d], cand["W"][d], cand["I"][a:b], cand["J"][a:b],
                        cand["p"][a:b], cand["q"][a:b], rex, draw)
            rk = _realise(rd)
            y, rec = rd.record(rk)
            if coins is None:
                store_state(gen, states[d])
            ys.append(y)
            ks.append(rk + a)
            fs.append(rec)
            n_real[d] = rk.size
    off = np.concatenate([[0], np.cumsum(n_real)[:-1]]).astype(np.int64)
    return {"y": np.stack(ys) if D else np.empty(x.shape), "off": off, "n": n_real,
            "k": np.concatenate(ks) if D else np.empty(0, np.int64),
            "f": np.concatenate(fs) if D else np.empty((0, 11)), "coins_used": n_coins}


def _coin_reader(row: np.ndarray, used: np.ndarray, d: int) -> Callable[[int], np.ndarray]:
    """Draws from the given numbers ``row`` in order, counting them in ``used[d]``."""
    def draw(n: int) -> np.ndarray:
        if used[d] + n > row.size:
            raise ValueError("exchange: ran out of the given tie-breaking numbers")
        used[d] += n
        return row[used[d] - n:used[d]]
    return draw
