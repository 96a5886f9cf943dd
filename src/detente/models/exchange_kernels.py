"""Kernels of the exchange model (``neighbours.md`` §1.3): candidate exchanges and the round loop.

A *candidate* k is an exchange between actor ``I[k]`` (supplies on issue ``q[k]``, demands on
``p[k]``) and actor ``J[k]`` (supplies on ``p[k]``, demands on ``q[k]``); positions are on 0-100.

* :func:`~detente.models.exchange_arrays.candidates` builds the candidates of one round for every
  draw at once (NumPy, vectorised over draws, issue pairs and actor pairs) as flat arrays with
  per-draw offsets;
* :func:`realise_round` runs the sequential part of the round (§1.3 steps 6-7: equal-gain rates,
  realise the largest gain, recompute the affected candidates, repeat) for every draw in one
  Numba call: a loop over draws around a loop over realisations, on flat candidate arrays.

Randomness (tie coins, REX draws) comes from one PCG64 stream per draw, stepped here in Numba
and seeded (:mod:`detente.models.exchange_arrays`) exactly like ``np.random.default_rng(seed_d)``
(SeedSequence hashing included), so draw ``d`` consumes the same numbers as ``default_rng(seed_d).random()`` would: results do not
depend on how draws are chunked or on how many draws run together.

>>> import numpy as np
>>> x = np.array([[[10., 90.], [90., 10.]]]); s = np.array([[[.9, .2], [.2, .9]]]); c = np.ones((1, 2, 2))
>>> cand = candidates(x, s, c, np.ones((2, 2), bool))
>>> cand["I"].tolist(), cand["J"].tolist(), cand["p"].tolist(), cand["q"].tolist(), cand["offsets"].tolist()
([0], [1], [0], [1], [0, 1])
>>> bool(uniforms(np.array([5]), 3)[0, 2] == np.random.default_rng(5).random(3)[2])
True
"""

from __future__ import annotations

from detente.jit import configure_cache

configure_cache()  # before Numba is imported: kernels cache in the user's cache directory

import numba  # noqa: E402
import numpy as np

from detente.models.exchange_arrays import (  # noqa: F401  (re-exported: the kernels' public names)
    EPS_MOVE, F_DI, F_DJ, F_G, F_GI, F_GJ, F_MI, F_MJ, F_SIP, F_SIQ, F_SJP, F_SJQ, F_WIQ, F_WJP, F_WP, F_WQ,
    F_XI, F_XJ, N_F, TIE_RTOL, _M32, _MULT_HI, _MULT_LO, _ONE, _U11, _U32, _U58, _U63, _U64, _seed_states,
    candidates, outcome, seed_states)


# Small helpers called from one place only are ``inline="always"``: Numba inlines them into their
# caller instead of compiling (and caching) each on its own, which shortens the first-ever compile;
# helpers called from several places stay separate functions (inlining would copy them: Numba
# deep-copies the callee's IR per call site, at a cost that grows with the square of its size, which
# is also why the round itself is written out in :func:`_realise_all`). The separate helpers that
# only compiled code calls are ``_helper``s: without a CPython or cfunc wrapper (boxing/unboxing code
# for up to 22 array arguments, each compiled by LLVM), which cuts about 1 s of the first-ever
# compile (benchmarks/bench_exchange.py).
_helper = numba.njit(cache=True, error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _mulhi(a, b):  # high 64 bits of the 128-bit product of two uint64
    a_lo, a_hi, b_lo, b_hi = a & _M32, a >> _U32, b & _M32, b >> _U32
    hl = a_hi * b_lo
    cross = ((a_lo * b_lo) >> _U32) + (hl & _M32) + a_lo * b_hi
    return (hl >> _U32) + (cross >> _U32) + a_hi * b_hi


@numba.njit(cache=True, error_model="numpy", inline="always")
def _step(st):  # st = [state_hi, state_lo, inc_hi, inc_lo]: state = state * MULT + inc (mod 2^128)
    lo = st[1] * _MULT_LO
    hi = _mulhi(st[1], _MULT_LO) + st[0] * _MULT_LO + st[1] * _MULT_HI
    lo2 = lo + st[3]
    hi = hi + st[2] + (_ONE if lo2 < lo else np.uint64(0))
    st[0], st[1] = hi, lo2


@_helper
def _next_double(st):
    """NumPy's ``Generator.random()`` for PCG64: step, XSL-RR output, 53-bit double."""
    _step(st)
    v = st[0] ^ st[1]
    rot = st[0] >> _U58
    v = (v >> rot) | (v << ((_U64 - rot) & _U63))
    return np.float64(v >> _U11) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, error_model="numpy")
def _uniforms(states, n):
    out = np.empty((states.shape[0], n))
    for d in range(states.shape[0]):
        st = states[d].copy()
        for k in range(n):
            out[d, k] = _next_double(st)
    return out


def uniforms(seeds: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` numbers of ``np.random.default_rng(seed).random()`` for each seed (a check
    of the Numba PCG64 against NumPy's)."""
    return _uniforms(_seed_states(np.asarray(seeds, dtype=np.int64)), n)


# ---------------------------------------------------------------------------------------------
# the round (§1.3 steps 5-8) in Numba
# ---------------------------------------------------------------------------------------------
@_helper
def _psum_block(a, s, n):
    """NumPy's pairwise summation of ``a[s:s + n]`` for n <= 128 (8 accumulators)."""
    if n < 8:
        r = 0.0
        for i in range(s, s + n):
            r += a[i]
        return r
    r0, r1, r2, r3, r4, r5, r6, r7 = a[s], a[s + 1], a[s + 2], a[s + 3], a[s + 4], a[s + 5], a[s + 6], a[s + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[s + i]
        r1 += a[s + i + 1]
        r2 += a[s + i + 2]
        r3 += a[s + i + 3]
        r4 += a[s + i + 4]
        r5 += a[s + i + 5]
        r6 += a[s + i + 6]
        r7 += a[s + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[s + i]
        i += 1
    return res


@numba.njit(cache=True, error_model="numpy")
def _psum(a):
    """NumPy's pairwise summation (``np.sum`` of a contiguous row), so sums match bit for bit.
    Blocks of <= 128; above, NumPy halves (to a multiple of 8) recursively: done with a stack."""
    n = a.size
    if n <= 128:
        return _psum_block(a, n - n, n)  # a run-time 0: a constant argument would compile a second copy
    S = np.empty(64, np.int64)
    L = np.empty(64, np.int64)
    phase = np.empty(64, np.int64)
    vals = np.empty(64)
    top, vtop = 0, 0
    S[0], L[0], phase[0] = 0, n, 0
    while top >= 0:
        s, m = S[top], L[top]
        if m <= 128:
            vals[vtop] = _psum_block(a, s, m)
            vtop += 1
            top -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        if phase[top] == 0:  # left half
            phase[top] = 1
            top += 1
            S[top], L[top], phase[top] = s, n2, 0
        elif phase[top] == 1:  # right half
            phase[top] = 2
            top += 1
            S[top], L[top], phase[top] = s + n2, m - n2, 0
        else:  # left + right
            vals[vtop - 2] = vals[vtop - 2] + vals[vtop - 1]
            vtop -= 1
            top -= 1
    return vals[0]


@_helper
def _move_ok(x, move, h_sum, h_min, h_max, h_n):
    """Decide's move checks (§1.3 step 6): 1e-10 < |move| <= 100, stays in [0, 100], the sum of
    this round's moves of the actor on the issue <= 100 and all of them in one direction.
    ``h_*`` = sum, min, max, count of the actor's earlier moves on the issue."""
    am = abs(move)
    if not (am <= 100.0 and am > EPS_MOVE):
        return False
    if not (x + move >= 0.0 and x + move <= 100.0):
        return False
    if not (h_sum + move <= 100.0):
        return False
    lo, hi = move, move
    if h_n > 0:
        lo, hi = min(h_min, move), max(h_max, move)
    return (lo < 0 and hi < 0) or (lo > 0 and hi > 0)



@numba.njit(cache=True, error_model="numpy", inline="always")
def _nbs_base(U, k, side, x0, w, r, buf):
    """Weighted position sum of issue ``r`` with candidate k's recorded updates (step 5)."""
    n = x0.shape[1]
    for a in range(n):
        u = U[k, side, a]
        buf[a] = w[r, a] * (x0[r, a] if np.isnan(u) else u)
    return _psum(buf[:n])


@_helper
def _nbs_move(base, U, k, side, x0, w, W, r, actor, pos):
    """Outcome of issue ``r`` from ``base`` (see :func:`_nbs_base`) with ``actor`` at ``pos``."""
    u = U[k, side, actor]
    xa = x0[r, actor] if np.isnan(u) else u
    return (base - w[r, actor] * xa + w[r, actor] * pos) / W[r]


@_helper
def _nbs(f, U, k, side, x0, w, W, r, actor, pos, buf):
    """Outcome of issue ``r`` with candidate k's updates and ``actor`` at ``pos`` (step 5)."""
    return _nbs_move(_nbs_base(U, k, side, x0, w, r, buf), U, k, side, x0, w, W, r, actor, pos)


@_helper
def _ok(f, hI, hJ, k):
    return (_move_ok(f[k, F_XI], f[k, F_MI], hI[k, 0], hI[k, 1], hI[k, 2], hI[k, 3])
            and _move_ok(f[k, F_XJ], f[k, F_MJ], hJ[k, 0], hJ[k, 1], hJ[k, 2], hJ[k, 3]))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _equal_gain(f, k):
    """Equal-gain rates and moves (§1.3 steps 5-6) of candidate k; sets mI, mJ, gain.
    Returns False when a rate is not finite."""
    dI, xJ, dJ, xI = f[k, F_DI], f[k, F_XJ], f[k, F_DJ], f[k, F_XI]
    wJp, wIq, Wp, Wq = f[k, F_WJP], f[k, F_WIQ], f[k, F_WP], f[k, F_WQ]
    sIp, sJp, sIq, sJq = f[k, F_SIP], f[k, F_SJP], f[k, F_SIQ], f[k, F_SJQ]
    mJ = abs(dI - xJ)  # J moves all the way to I on p
    rp = mJ * wJp / Wp  # ΔO_p (step 5)
    rq = rp * (sIp + sJp) / (sIq + sJq)  # equal gain (step 6)
    mI = rq * Wq / wIq
    room = abs(dJ - xI)
    if mI > room:  # I would overshoot J: I moves fully, J partially
        rq = room * wIq / Wq
        rp = rq * (sIq + sJq) / (sIp + sJp)
        mJ = rp * Wp / wJp
        mI = room
    if xI > dJ:
        mI = -mI
    if xJ > dI:
        mJ = -mJ
    gain = abs(rp * sIp - rq * sIq)
    fine = np.isfinite(gain) and np.isfinite(mI) and np.isfinite(mJ)
    if not fine:
        gain, mI, mJ = 0.0, 0.0, 0.0
    f[k, F_MI], f[k, F_MJ], f[k, F_G], f[k, F_GI], f[k, F_GJ] = mI, mJ, gain, gain, gain
    return fine


@numba.njit(cache=True, error_model="numpy", inline="always")
def _check_nbs(f, U, B, k, side, x0, w, W, I, J, p, q, buf):
    """Truncate a move that pushes the outcome past the demanding partner's position (step 6)."""
    if side == 0:  # I supplies q toward J's position dJ
        A, r, xA, mA, t = I[k], q[k], f[k, F_XI], f[k, F_MI], f[k, F_DJ]
        wA, WA, sAr, sBr, sAo, sBo = f[k, F_WIQ], f[k, F_WQ], f[k, F_SIQ], f[k, F_SJQ], f[k, F_SIP], f[k, F_SJP]
        wB, WB, xB, tB = f[k, F_WJP], f[k, F_WP], f[k, F_XJ], f[k, F_DI]
    else:  # J supplies p toward I's position dI
        A, r, xA, mA, t = J[k], p[k], f[k, F_XJ], f[k, F_MJ], f[k, F_DI]
        wA, WA, sAr, sBr, sAo, sBo = f[k, F_WJP], f[k, F_WP], f[k, F_SJP], f[k, F_SIP], f[k, F_SJQ], f[k, F_SIQ]
        wB, WB, xB, tB = f[k, F_WIQ], f[k, F_WQ], f[k, F_XI], f[k, F_DJ]
    if np.isnan(B[k, side]):  # the cached weighted sum is stale after a new update
        B[k, side] = _nbs_base(U, k, side, x0, w, r, buf)
    base = B[k, side]
    n0 = _nbs_move(base, U, k, side, x0, w, W, r, A, xA)
    n1 = _nbs_move(base, U, k, side, x0, w, W, r, A, xA + mA)
    if (t >= n0 and t >= n1) or (t <= n0 and t <= n1):
        return
    # the outcome moves exactly onto the partner's position; as in Decide, an actor's own
    # recorded update (if any) takes precedence over its current supply position here
    own = U[k, side, A]
    n0u = _nbs_move(base, U, k, side, x0, w, W, r, A, xA if np.isnan(own) else own)
    r_r = abs(t - n0u)
    mA_new = r_r * WA / wA
    r_o = r_r * (sAr + sBr) / (sAo + sBo)
    mB_new = r_o * WB / wB
    if xA > t:
        mA_new = -mA_new
    if xB > tB:
        mB_new = -mB_new
    gain = abs(r_o * sBo - r_r * sBr)
    if side == 0:
        f[k, F_MI], f[k, F_MJ] = mA_new, mB_new
    else:
        f[k, F_MJ], f[k, F_MI] = mA_new, mB_new
    f[k, F_G], f[k, F_GI], f[k, F_GJ] = gain, gain, gain


@numba.njit(cache=True, error_model="numpy", inline="always")
def _randomize(f, hI, hJ, valid, k, u, v, z, p_rex):
    """REX (step 10): draw the chosen actor's gain around the equal gain, recompute its move."""
    if u < 0.5:  # A = I (supplies q, demands p), B = J
        mB, wB, WB = f[k, F_MJ], f[k, F_WJP], f[k, F_WP]
        sAa, sAb, sBa, sBb = f[k, F_SIQ], f[k, F_SIP], f[k, F_SJQ], f[k, F_SJP]
        wA, WA, xA, tA = f[k, F_WIQ], f[k, F_WQ], f[k, F_XI], f[k, F_DJ]
    else:
        mB, wB, WB = f[k, F_MI], f[k, F_WIQ], f[k, F_WQ]
        sAa, sAb, sBa, sBb = f[k, F_SJP], f[k, F_SJQ], f[k, F_SIP], f[k, F_SIQ]
        wA, WA, xA, tA = f[k, F_WJP], f[k, F_WP], f[k, F_XJ], f[k, F_DI]
    rB = abs(mB) * wB / WB
    eu = f[k, F_G]
    eu_max = rB * sAb - rB * sBb * sAa / sBa  # A's gain when B's gain is zero
    if v < 0.5:
        eu_new = eu + p_rex * z * (eu_max - eu)
    else:
        eu_new = eu - p_rex * z * eu
    rA = (rB * sAb - eu_new) / sAa
    if not np.isnan(rA):
        rA = max(rA, 0.0)
    room = abs(tA - xA) * wA / WA
    if not np.isnan(rA) and not np.isnan(room):
        rA = min(rA, room)
    elif np.isnan(room):
        rA = room
    sign = -1.0 if xA > tA else 1.0
    mA = sign * rA * WA / wA
    gA = rB * sAb - rA * sAa
    gB = rA * sBa - rB * sBb
    if u < 0.5:
        f[k, F_MI], f[k, F_GI], f[k, F_GJ] = mA, gA, gB
    else:
        f[k, F_MJ], f[k, F_GJ], f[k, F_GI] = mA, gA, gB
    valid[k] = _ok(f, hI, hJ, k) and gA > -EPS_MOVE and gB > -EPS_MOVE


@_helper
def _draw(st, coins, cur, use_coins):
    if use_coins:
        if cur[0] >= coins.size:
            raise ValueError("exchange: ran out of the given tie-breaking numbers")
        cur[0] += 1
        return coins[cur[0] - 1]
    return _next_double(st)


@_helper
def _calculate(f, U, B, hI, hJ, valid, idx, n, x0, w, W, I, J, p, q, p_rex, st, coins, cur, use_coins, buf, live):
    """Equal-gain exchange of candidates ``idx[:n]`` from their current state (step 6), then REX
    (``p_rex`` > 0; ``None`` when off: Numba then prunes the REX branch and does not compile it)."""
    for t in range(n):
        k = idx[t]
        fine = _equal_gain(f, k)
        valid[k] = fine and _ok(f, hI, hJ, k) and f[k, F_G] >= EPS_MOVE
        if valid[k]:
            for side in range(2):  # I's move on q, then J's on p
                _check_nbs(f, U, B, k, side, x0, w, W, I, J, p, q, buf)
            valid[k] = _ok(f, hI, hJ, k)
    if p_rex is not None:
        m = 0
        for t in range(n):
            if valid[idx[t]]:
                live[m] = idx[t]
                m += 1
        if m:
            r = np.empty(3 * m)  # drawn as a (3, m) block: all u, then all v, then all z
            for t in range(3 * m):
                r[t] = _draw(st, coins, cur, use_coins)
            for t in range(m):
                _randomize(f, hI, hJ, valid, live[t], r[t], r[m + t], r[2 * m + t], p_rex)


@_helper
def _update(f, U, B, hI, hJ, idx, n, R, x0, I, J, p, q, redo):
    """Update candidates ``idx[:n]`` after candidate R was realised; the affected ones, to be
    recomputed (:func:`_calculate`), go to ``redo``, their number is returned. (Not calling
    :func:`_calculate` itself keeps its code out of this function's compiled module: Numba links
    and optimises a callee's code again in every caller's module.)"""
    RI, RJ, Rp, Rq = I[R], J[R], p[R], q[R]
    yI, yJ = f[R, F_XI] + f[R, F_MI], f[R, F_XJ] + f[R, F_MJ]
    m = 0
    for t in range(n):
        k = idx[t]
        supI_a, supI_b = I[k] == RI and q[k] == Rq, I[k] == RJ and q[k] == Rp
        supJ_a, supJ_b = J[k] == RI and p[k] == Rq, J[k] == RJ and p[k] == Rp
        supI, supJ = supI_a or supI_b, supJ_a or supJ_b
        if supI:  # the stale move stays in the actor's move history (as in Decide)
            mv = f[k, F_MI]
            hI[k, 0] += mv
            hI[k, 1] = min(hI[k, 1], mv)
            hI[k, 2] = max(hI[k, 2], mv)
            hI[k, 3] += 1
            f[k, F_XI] = yI if supI_a else yJ
        if supJ:
            mv = f[k, F_MJ]
            hJ[k, 0] += mv
            hJ[k, 1] = min(hJ[k, 1], mv)
            hJ[k, 2] = max(hJ[k, 2], mv)
            hJ[k, 3] += 1
            f[k, F_XJ] = yI if supJ_a else yJ
        # moves obtained by the demanding actor: R.I moved on Rq toward R.J, R.J on Rp toward R.I
        dem1 = (J[k] == RJ and q[k] == Rq) or (I[k] == RJ and p[k] == Rq)
        dem2 = (J[k] == RI and q[k] == Rp) or (I[k] == RI and p[k] == Rp)
        for which in range(2):
            if (dem1 if which == 0 else dem2):
                issue, mover, y = (Rq, RI, yI) if which == 0 else (Rp, RJ, yJ)
                side = 0 if q[k] == issue else 1
                B[k, side] = np.nan
                prev = U[k, side, mover]
                if np.isnan(prev):
                    U[k, side, mover] = y
                elif x0[issue, mover] <= prev:
                    U[k, side, mover] = prev if prev < y else y
                else:
                    U[k, side, mover] = prev if prev > y else y
        if supI or supJ or dem1 or dem2:
            redo[m] = k
            m += 1
    return m


@_helper
def _sort_by_gain(order, n, f, rank_rtol):
    """Stable sort of ``order[:n]`` by gain, highest first (Decide's ``sort(key=gain, reverse=True)``;
    NaN last). Insertion sort: the list is nearly sorted after each step, only recomputed
    candidates move, and any stable sort gives the same order. With ``rank_rtol > 0`` a candidate
    only moves ahead of one whose gain is lower by more than ``rank_rtol`` (relative): gains
    equal up to rounding keep their list order, as Decide's 28-digit Decimals mostly do."""
    for i in range(1, n):
        k = order[i]
        g = f[k, F_G]
        if np.isnan(g):
            g = -np.inf
        j = i - 1
        while j >= 0:
            h = f[order[j], F_G]
            if np.isnan(h):
                h = -np.inf
            if h >= (g - rank_rtol * max(1.0, abs(g)) if rank_rtol > 0 else g):  # (0 * inf would be NaN)
                break
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k


@numba.njit(cache=True, error_model="numpy", inline="always")
def _merge_argsort(keys, order):
    """``order[:] = np.argsort(keys, kind="mergesort")``: stable, ascending, NaN last. A stable sort's
    result is unique, so this gives NumPy's order; written out because Numba's own compiles for seconds."""
    n = keys.size
    src = np.empty(n, np.int64)
    dst = np.empty(n, np.int64)
    for i in range(n):
        src[i] = i
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, o = lo, mid, lo
            while i < mid and j < hi:
                a, b = keys[src[i]], keys[src[j]]
                if b < a or (a != a and b == b):  # right first only if strictly less (NaN is largest)
                    dst[o] = src[j]
                    j += 1
                else:
                    dst[o] = src[i]
                    i += 1
                o += 1
            while i < mid:
                dst[o] = src[i]
                i += 1
                o += 1
            while j < hi:
                dst[o] = src[j]
                j += 1
                o += 1
        src, dst = dst, src
        width *= 2
    for i in range(n):
        order[i] = src[i]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _record(f, U, x0, w, W, I, J, p, q, y, rec_k, rec_f, n_real, buf):
    """Voting positions ``y`` (step 8) and the records ``rec_f`` of the realised ``rec_k[:n_real]``
    (see :func:`_realise_all`), from the state at the end of the round."""
    for t in range(n_real):  # step 8 (later exchanges of an actor on an issue are cumulative)
        k = rec_k[t]
        y[q[k], I[k]] = f[k, F_XI] + f[k, F_MI]
        y[p[k], J[k]] = f[k, F_XJ] + f[k, F_MJ]
        rec_f[t, 0], rec_f[t, 1], rec_f[t, 2], rec_f[t, 3] = f[k, F_XI], f[k, F_MI], f[k, F_XJ], f[k, F_MJ]
        rec_f[t, 4], rec_f[t, 5], rec_f[t, 6] = f[k, F_GI], f[k, F_GJ], f[k, F_G]
        for side in range(2):  # outcome of q before/after I's move, of p before/after J's move
            r, A, xA = (q[k], I[k], f[k, F_XI]) if side == 0 else (p[k], J[k], f[k, F_XJ])
            mA = f[k, F_MI] if side == 0 else f[k, F_MJ]
            rec_f[t, 7 + 2 * side] = _nbs(f, U, k, side, x0, w, W, r, A, xA, buf)
            rec_f[t, 8 + 2 * side] = _nbs(f, U, k, side, x0, w, W, r, A, xA + mA, buf)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _round_state(x0, s, w, W, I, J, p, q, buf):
    """The state of one draw's round before any exchange: fields ``f`` (``F_*``), no updates
    ``U``, sums ``B`` of the start positions, empty move histories ``hI, hJ``."""
    K = I.size
    n_a = x0.shape[1]
    f = np.empty((K, N_F))
    for k in range(K):
        f[k, F_DI], f[k, F_DJ] = x0[p[k], I[k]], x0[q[k], J[k]]  # demand positions: fixed
        f[k, F_XI], f[k, F_XJ] = x0[q[k], I[k]], x0[p[k], J[k]]  # supply positions: follow moves
        f[k, F_SIP], f[k, F_SJP], f[k, F_SIQ], f[k, F_SJQ] = s[p[k], I[k]], s[p[k], J[k]], s[q[k], I[k]], s[q[k], J[k]]
        f[k, F_WIQ], f[k, F_WJP], f[k, F_WP], f[k, F_WQ] = w[q[k], I[k]], w[p[k], J[k]], W[p[k]], W[q[k]]
    U = np.empty((K, 2, n_a))
    for k in range(K):  # all NaN (loops: they compile in a fraction of np.full's time)
        for side in range(2):
            for a in range(n_a):
                U[k, side, a] = np.nan
    base0 = np.empty(x0.shape[0])
    for r in range(x0.shape[0]):
        for a in range(n_a):
            buf[a] = w[r, a] * x0[r, a]
        base0[r] = _psum(buf[:n_a])
    B = np.empty((K, 2))  # cached weighted sums of issue q (0) / p (1) with k's updates
    hI = np.empty((K, 4))
    hJ = np.empty((K, 4))
    for k in range(K):
        B[k, 0], B[k, 1] = base0[q[k]], base0[p[k]]
        hI[k, 0], hI[k, 1], hI[k, 2], hI[k, 3] = 0.0, np.inf, -np.inf, 0.0
        hJ[k, 0], hJ[k, 1], hJ[k, 2], hJ[k, 3] = 0.0, np.inf, -np.inf, 0.0
    return f, U, B, hI, hJ


@numba.njit(cache=True, error_model="numpy", inline="always")
def _append(out_k, out_f, m, rec_k, rec_f, n, first):
    """``out_k[m:m + n], out_f[m:m + n]`` = ``rec_k[:n] + first, rec_f[:n]``, the buffers grown by
    doubling when full; returns them. (Loops: Numba compiles array-to-array slice copies slowly.)"""
    if m + n > out_k.size:
        size = max(2 * out_k.size, m + n)
        k2, f2 = np.empty(size, np.int64), np.empty((size, 11))
        for t in range(m):
            k2[t] = out_k[t]
            for c in range(11):
                f2[t, c] = out_f[t, c]
        out_k, out_f = k2, f2
    for t in range(n):
        out_k[m + t] = rec_k[t] + first
        for c in range(11):
            out_f[m + t, c] = rec_f[t, c]
    return out_k, out_f


@numba.njit(cache=True, error_model="numpy", nogil=True)  # nogil: parts of the draws run in threads
def _realise_all(x_all, s_all, w_all, W_all, I_all, J_all, p_all, q_all, offsets, p_rex, rank_rtol, states, coins_all,
                 use_coins, y_all, n_real_all, n_coins):
    """Every draw's round, one draw after the other (each has its own random stream): realise
    exchanges until none is left (step 7), then the voting positions ``y_all`` (a copy of the
    start positions first) and the records (step 8, :func:`_record`: per realised exchange in
    order, (xI, mI, xJ, mJ, gI, gJ, gain, O_q before/after I's move, O_p before/after J's move),
    like Decide's report from the state at the end of the round). Returns the realised exchanges
    of all draws, concatenated: global candidate indices and records.

    The round is written out here, not in an inlined helper: Numba's inliner copies the callee's
    IR at a cost quadratic in its size (1-1.5 s of the first-ever compile for the round)."""
    D = x_all.shape[0]
    cur = np.empty(1, np.int64)
    out_k = np.empty(max(16, 64 * D), np.int64)  # grows by doubling
    out_f = np.empty((out_k.size, 11))
    m_out = 0
    for d in range(D):
        a, b = offsets[d], offsets[d + 1]
        x0, s, w, W, y = x_all[d], s_all[d], w_all[d], W_all[d], y_all[d]
        I, J, p, q, st, coins = I_all[a:b], J_all[a:b], p_all[a:b], q_all[a:b], states[d], coins_all[d]
        for r in range(x0.shape[0]):
            for c in range(x0.shape[1]):
                y[r, c] = x0[r, c]
        cur[0] = 0
        K = I.size
        rec_k = np.empty(2 * K + 8, np.int64)  # this draw's records
        rec_f = np.empty((rec_k.size, 11))
        buf = np.empty(x0.shape[1])
        f, U, B, hI, hJ = _round_state(x0, s, w, W, I, J, p, q, buf)
        valid = np.empty(K, np.bool_)
        live = np.empty(K, np.int64)
        redo = np.empty(K, np.int64)
        idx = np.empty(K, np.int64)
        cnt = np.empty(K, np.int64)
        order = np.empty(K, np.int64)  # Decide's list, including its duplicates after ties
        for k in range(K):
            valid[k], cnt[k], order[k] = False, 0, k
        _calculate(f, U, B, hI, hJ, valid, order, K, x0, w, W, I, J, p, q, p_rex, st, coins, cur, use_coins, buf, live)
        if rank_rtol > 0:
            _sort_by_gain(order, K, f, rank_rtol)
        else:  # first sort of the unsorted list: merge sort (stable, NaN last; same order, faster)
            keys = np.empty(K)
            for k in range(K):
                keys[k] = -f[k, F_G]
            _merge_argsort(keys, order)
        n = K
        n_real = 0
        while n > 0:
            _sort_by_gain(order, n, f, rank_rtol)
            best = order[0]
            for t in range(n - 1):  # pop(0)
                order[t] = order[t + 1]
            n -= 1
            if n > 0:
                g0, g1 = f[best, F_G], f[order[0], F_G]
                if abs(g0 - g1) <= TIE_RTOL * max(1.0, abs(g0)):
                    if _draw(st, coins, cur, use_coins) >= 0.5:
                        nxt = order[0]
                        for t in range(n - 1):
                            order[t] = order[t + 1]
                        order[n - 1] = best
                        best = nxt
                    else:
                        order[n] = order[0]
                        n += 1
            if not valid[best]:
                continue
            if n_real >= rec_k.size:
                raise ValueError("exchange: more realised exchanges than expected in one round")
            rec_k[n_real] = best
            n_real += 1
            m = np.int64(0)  # not a literal 0: a count typed Literal[int](0) would compile _update twice
            for t in range(n):  # the valid candidates still listed, once each, first-seen order
                k = order[t]
                if valid[k]:
                    if cnt[k] == 0:
                        idx[m] = k
                        m += 1
                    cnt[k] += 1
            m_redo = _update(f, U, B, hI, hJ, idx, m, best, x0, I, J, p, q, redo)
            _calculate(f, U, B, hI, hJ, valid, redo, m_redo, x0, w, W, I, J, p, q, p_rex, st, coins, cur, use_coins,
                       buf, live)
            m2 = np.int64(0)
            for t in range(m):  # a candidate listed twice is recomputed twice (as in Decide)
                k = idx[t]
                if cnt[k] > 1 and valid[k]:
                    live[m2] = k
                    m2 += 1
                cnt[k] = 0
            if m2:
                twice = np.empty(m2, np.int64)
                for t in range(m2):
                    twice[t] = live[t]
                m_redo = _update(f, U, B, hI, hJ, twice, m2, best, x0, I, J, p, q, redo)
                _calculate(f, U, B, hI, hJ, valid, redo, m_redo, x0, w, W, I, J, p, q, p_rex, st, coins, cur, use_coins,
                           buf, live)
            n2 = 0
            for t in range(n):
                if valid[order[t]]:
                    order[n2] = order[t]
                    n2 += 1
            n = n2
        _record(f, U, x0, w, W, I, J, p, q, y, rec_k, rec_f, n_real, buf)
        n_real_all[d] = n_real
        n_coins[d] = cur[0]
        out_k, out_f = _append(out_k, out_f, m_out, rec_k, rec_f, n_real, a)
        m_out += n_real
    return _append(np.empty(m_out, np.int64), np.empty((m_out, 11)), 0, out_k, out_f, m_out, 0)


THREADS_FROM = 20_000
"""Candidates (over all draws) from which a round's realisations run in threads, one contiguous part
of the draws each (:func:`_realise_all` releases the GIL); below it a second thread does not pay
for its start (the flagship has 90 candidates a draw, COP21 about 1,300)."""


THREADS: int | None = None
"""Threads for a large round (``None``: Numba's thread count, ``NUMBA_NUM_THREADS``)."""


def _thread_cuts(offsets: np.ndarray) -> list[int]:
    """Where to split the draws (their candidate ``offsets``) into parts of about equal work, one
    per thread: ``[0, D]`` (no split) below :data:`THREADS_FROM` candidates or with one thread.

    >>> _thread_cuts(np.arange(0, 1_001, 100))  # 10 draws, 1,000 candidates: one part
    [0, 10]
    """
    D, total = offsets.size - 1, int(offsets[-1])
    threads = (THREADS or numba.get_num_threads()) if total >= THREADS_FROM and D >= 2 else 1
    if threads < 2:
        return [0, D]
    inner = np.searchsorted(offsets, [total * j / threads for j in range(1, threads)])
    return sorted({0, D, *(int(c) for c in inner if 0 < c < D)})


def realise_round(x: np.ndarray, s: np.ndarray, cand: dict[str, np.ndarray], p_rex: float,
                  states: np.ndarray, coins: np.ndarray | None = None, rank_rtol: float = 0.0) -> dict[str, np.ndarray]:
    """Run one round's realisation loop for every draw (§1.3 steps 5-8).

    ``x, s`` (draws, issues, actors) on 0-100; ``cand`` from :func:`candidates`; ``states`` the
    per-draw PCG64 states (advanced in place); ``rank_rtol``: see :func:`_sort_by_gain`.
    ``coins`` (draws, n), if given, replaces the random stream (for replaying another program's
    tie coins; REX then draws from it too; ``coins_used`` counts them). Returns voting positions
    ``y`` and, per draw ``d``,
    the realised exchanges ``k[off[d]:off[d] + n[d]]`` (global candidate indices, in order) with
    ``f`` rows as described in :func:`_realise_all`.
    """
    D = x.shape[0]
    x, s = np.ascontiguousarray(x), np.ascontiguousarray(s)
    n_real = np.zeros(D, np.int64)
    n_coins = np.zeros(D, np.int64)
    y = np.empty(x.shape)  # C order whatever the layout of x: one compiled signature serves every call
    use = coins is not None
    rex = float(p_rex) if p_rex > 0 else None  # None: the REX code is not compiled (see _calculate)
    cz = np.ascontiguousarray(coins, dtype=np.float64) if use else np.zeros((D, 1))
    off = cand["offsets"]

    def part(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:  # draws a..b; candidate indices stay global
        return _realise_all(x[a:b], s[a:b], cand["w"][a:b], cand["W"][a:b], cand["I"], cand["J"], cand["p"],
                            cand["q"], off[a:b + 1], rex, float(rank_rtol), states[a:b], cz[a:b], use, y[a:b],
                            n_real[a:b], n_coins[a:b])

    cuts = _thread_cuts(off)
    if len(cuts) == 2:
        rec_k, rec_f = part(0, D)
    else:  # each draw has its own random stream: the same numbers however the draws are split
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(cuts) - 1) as pool:
            parts = list(pool.map(part, cuts[:-1], cuts[1:]))
        rec_k = np.concatenate([k for k, _ in parts])
        rec_f = np.concatenate([f for _, f in parts])
    rec_off = np.concatenate([[0], np.cumsum(n_real)[:-1]]).astype(np.int64)
    return {"y": y, "off": rec_off, "n": n_real, "k": rec_k, "f": rec_f, "coins_used": n_coins}
