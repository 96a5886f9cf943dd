"""Numba kernels of the BDM expected-utility model: one whole multi-round run per (draw, issue).

Each problem (one draw of one issue) is independent: :func:`simulate_batch` runs a block of
problems one after another and releases the GIL (``nogil``), so ``detente.models.bdm`` runs large
batches as a few blocks on threads and small ones in the calling thread; results do not depend on
the number of threads. A serial kernel compiles in less than half the time of a ``parallel=True``
one, and on one small problem costs 0.1 ms instead of the parallel launch's ~7.5 ms. The kernels
avoid whole-array slice assignment and ``ndarray.max()/min()``: their Numba implementations
compile for seconds (broadcasting error messages), loops for milliseconds. Inside a problem
the arithmetic follows ``bdm.md`` §1.3 equation by equation in the same operation order as the
per-pair reference (``tests/bdm_reference.py``): every sum over actors runs in ascending actor
order (vote sums over voters k, the global denominator over k, a, b, the danger sums over
challengers), so exact ties between expected utilities resolve the same way in both.

Options arrive as integer codes (:data:`IOPT`) and floats (:data:`FOPT`); ``detente.models.bdm``
translates :class:`~detente.models.bdm.EUOptions` into them.

``king_of_the_hill`` is jmckib's Condorcet search (``bdm.md`` §1.5 A8): the first actor's
position is the incumbent; each later actor's position, in actor order, replaces it when the
capability x salience weighted linear votes for it are strictly positive. With a unique
weighted median it returns that median; with an exact split it depends on the actor order.

>>> import numpy as np
>>> x = np.array([[4., 7., 10.]]); w = np.array([[1., 1., 1.]])
>>> king_of_the_hill(x, w, np.ones((1, 3), dtype=np.bool_), np.array([6.])).tolist()
[7.0]
"""

from __future__ import annotations

from detente.jit import configure_cache

configure_cache()  # before Numba is imported: kernels cache in the user's cache directory

import numba  # noqa: E402
import numpy as np

# The helpers only compiled code calls are compiled without a CPython or cfunc wrapper (the code
# that boxes and unboxes their arguments for calls from Python, each compiled by LLVM): a shorter
# first-ever compile, as in ``detente.models.exchange_kernels``.
_helper = numba.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)

# integer option slots (iopt[...]) and their codes, in the order of the EUOptions literals
IOPT = ("t_rule", "risk", "vote_utility", "p_normalisation", "perspective", "conflict", "capitulate",
        "compromise", "offer_choice", "median", "position_range", "rounds", "stopping", "patience")
FOPT = ("Q", "tolerance")  # then fopt[2] = 0.5, see HALF_SLOT
HALF_SLOT = 2
"""fopt[HALF_SLOT] holds 0.5 as a run-time value: with a constant base LLVM rewrites pow(0.5, r) as
exp2(-r), which differs from libm's pow (and Python's ``0.5 ** r``) in the last bit now and then."""
T_RULE, RISK, VOTE_UTILITY, P_NORM, PERSPECTIVE, CONFLICT, CAPITULATE = 0, 1, 2, 3, 4, 5, 6
COMPROMISE, OFFER_CHOICE, MEDIAN, POSITION_RANGE, ROUNDS, STOPPING, PATIENCE = 7, 8, 9, 10, 11, 12, 13
# codes: t_rule closer/one/zero/ignore = 0..3; risk two_pass/neutral; vote_utility linear/risk;
# p_normalisation pairwise/net_floored/global; perspective mover/own; conflict full_move/no_move;
# compromise fraction/weighted_average; offer_choice least_move/weighted_position/highest_eu;
# median weighted_median/king_of_the_hill; position_range initial/scale/current; stopping fixed/converged
_HALF_TOL = 1e-12


# ---------------------------------------------------------------------------------------------
# medians and means (one problem, compact arrays of the present actors)


@_helper
def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Lower weighted median (stable sort by position; equal weights if all weights are 0)."""
    n = x.shape[0]
    if n == 0:
        return np.nan
    order = np.empty(n, dtype=np.int64)  # np.arange(n), in a loop: Numba's arange compiles for 0.3 s
    for i in range(n):
        order[i] = i
    for i in range(1, n):  # stable insertion sort
        o = order[i]
        j = i - 1
        while j >= 0 and x[order[j]] > x[o]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = o
    total = 0.0
    for k in range(n):
        total += w[order[k]]
    equal = not total > 0.0
    if equal:
        total = float(n)
    half = total / 2 * (1 - _HALF_TOL)
    cum = 0.0
    for k in range(n):
        cum += 1.0 if equal else w[order[k]]
        if cum >= half:
            return x[order[k]]
    return x[order[n - 1]]


@_helper
def _koh(x: np.ndarray, w: np.ndarray, R: float) -> float:
    n = x.shape[0]
    if n == 0:
        return np.nan
    m = x[0]
    for p in range(1, n):
        cand = x[p]
        votes = 0.0
        for k in range(n):
            votes += w[k] * (abs(x[k] - m) / R - abs(x[k] - cand) / R)
        if votes > 0:
            m = cand
    return m


@numba.njit(cache=True)
def king_of_the_hill(x: np.ndarray, w: np.ndarray, present: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Condorcet winner by sequential challenge, per row of ``x`` (batch, actors)."""
    B, N = x.shape
    out = np.full(B, np.nan)
    for b in range(B):
        idx = np.nonzero(present[b])[0]
        out[b] = _koh(x[b][idx], w[b][idx], R[b])
    return out


@_helper
def _median(x: np.ndarray, w: np.ndarray, R: float, how: int) -> float:
    if how == 1:
        return _koh(x, w, R)
    return _weighted_median(x, w)


@_helper
def _mean(x: np.ndarray, w: np.ndarray) -> float:
    n = x.shape[0]
    if n == 0:
        return np.nan
    tot = 0.0
    for k in range(n):
        tot += w[k]
    if not tot > 0.0:
        acc = 0.0
        for k in range(n):
            acc += x[k]
        return acc / n
    acc = 0.0
    for k in range(n):
        acc += w[k] * x[k]
    return acc / tot


@_helper
def _max_min(x: np.ndarray) -> tuple[float, float]:
    """(max, min) of a non-empty array; NaN, NaN if it holds a NaN (as ``x.max(), x.min()``)."""
    hi = x[0]
    lo = x[0]
    for k in range(x.shape[0]):
        v = x[k]
        if v != v:
            return np.nan, np.nan
        if v > hi:
            hi = v
        if v < lo:
            lo = v
    return hi, lo


@_helper
def _range(x: np.ndarray) -> float:
    if x.shape[0] == 0:
        return 1.0
    hi, lo = _max_min(x)
    R = hi - lo
    return R if R > 0 and np.isfinite(R) else 1.0


# ---------------------------------------------------------------------------------------------
# one round (steps 3-11)


@_helper
def _first_at_position(x: np.ndarray) -> np.ndarray:
    """first[a] = the lowest index b with x[b] == x[a] (values that depend only on the position
    are computed once per distinct position: the same operations on the same inputs)."""
    n = x.shape[0]
    first = np.empty(n, dtype=np.int64)
    for a in range(n):
        first[a] = a
        for b in range(a):
            if x[b] == x[a]:
                first[a] = b
                break
    return first


@_helper
def _probabilities(x, w, R, r, use_r, how, g, num, P):
    """P[i, j] that i wins against j (eq. 28-31 / A7); vote_k(a over b) = w_k (g_kb - g_ka),
    g_ka = (|x_k - x_a|/R)^rho_k. Sums over voters k run in ascending order."""
    n = x.shape[0]
    first = _first_at_position(x)
    for k in range(n):
        rho = r[k] if use_r else 1.0
        for a in range(n):
            if first[a] < a:  # same position as an earlier actor: same value
                g[k, a] = g[k, first[a]]
                continue
            base = abs(x[k] - x[a]) / R
            g[k, a] = base if (rho == 1.0 or base == 0.0) else base ** rho
    for a in range(n):
        for b in range(n):
            num[a, b] = 0.0
    for k in range(n):  # num[a, b] = sum_k max(0, vote_k(a over b)), k ascending
        wk = w[k]
        for a in range(n):
            gka = g[k, a]
            for b in range(n):
                v = wk * (g[k, b] - gka)
                num[a, b] += v if v > 0.0 else 0.0
    D = 0.0
    if how == 2:  # D = sum_k sum_a sum_b |vote_k(a over b)|, in that order (Scholz code)
        for k in range(n):
            wk = w[k]
            for a in range(n):
                gka = g[k, a]
                for b in range(n):
                    D += abs(wk * (g[k, b] - gka))
    for i in range(n):
        for j in range(n):
            pos = num[i, j]
            neg = num[j, i]
            if how == 2:
                P[i, j] = pos / D if D > 0 else 0.0
            elif how == 1:
                d = pos - neg
                P[i, j] = (d if d > 0.0 else 0.0) / (pos + neg) if pos + neg > 0 else 0.0
            else:  # eq. 31
                P[i, j] = pos / (pos + neg) if pos + neg > 0 else 0.5


@_helper
def _pw(base: float, rho: float) -> float:
    return base if rho == 1.0 else base ** rho


@_helper
def _eu(Us, Uf, Usq, sb, Pab, d, dm, rho, Q, t_rule):
    """E(a challenges b) from the basic utilities (eq. 5-7, 22-25); dm = |x_a - mu|/R."""
    e = sb * (Pab * Us + (1 - Pab) * Uf) + (1 - sb) * Us
    if t_rule == 3 or Q == 1.0:
        return e - Q * Usq
    spread = dm + d
    bb = 0.5 - 0.25 * spread
    Ub = 2 - 4 * _pw(bb if bb > 0.0 else 0.0, rho)  # (22)
    Uw = 2 - 4 * _pw(0.5 + 0.25 * spread, rho)  # (23)
    if t_rule == 0:
        T = 1.0 if dm < d else 0.0
    elif t_rule == 1:
        T = 1.0
    else:
        T = 0.0
    return e - (Q * Usq + (1 - Q) * (T * Ub + (1 - T) * Uw))  # (7)


@_helper
def _eu_matrices(x, s, P, R, r, mu, Q, half, t_rule, own, everything, Es, Eo):
    """Es[i, j] = E(i -> j) with r_i; Eo[i, j] = E(j -> i) with r_i ('mover') or r_j ('own').
    Unless ``everything``, only pairs at different positions (the only ones that make offers)."""
    n = x.shape[0]
    first = _first_at_position(x)
    Us_j = np.empty(n)
    Uf_j = np.empty(n)
    for i in range(n):
        rho = r[i]
        Usq = 2 - 4 * _pw(half, rho)  # (24); half = 0.5 (HALF_SLOT)
        dmi = abs(x[i] - mu) / R
        for j in range(n):
            if not everything and x[i] == x[j]:
                continue
            d = abs(x[i] - x[j]) / R
            if first[j] < j:  # same d and rho as for an earlier j: same utilities
                Us = Us_j[first[j]]
                Uf = Uf_j[first[j]]
            else:
                bs = 0.5 - 0.5 * d
                Us = 2 - 4 * _pw(bs if bs > 0.0 else 0.0, rho)  # (15)
                Uf = 2 - 4 * _pw(0.5 + 0.5 * d, rho)  # (16)
                Us_j[j] = Us
                Uf_j[j] = Uf
            dmj = abs(x[j] - mu) / R
            Es[i, j] = _eu(Us, Uf, Usq, s[j], P[i, j], d, dmi, rho, Q, t_rule)  # (25a)
            if not own:
                Eo[i, j] = _eu(Us, Uf, Usq, s[i], P[j, i], d, dmj, rho, Q, t_rule)  # (25b), A1
    if own:
        for i in range(n):
            for j in range(n):
                Eo[i, j] = Es[j, i]


@numba.njit(cache=True)
def one_round(x, w, s, R, iopt, fopt, everything, g, num, P1, E1, danger, Rr, r, P, Es, Eo, new):
    """One round on the present actors (compact arrays): fills the internals and ``new``."""
    n = x.shape[0]
    Q = fopt[0]
    half = fopt[HALF_SLOT]
    t_rule = iopt[T_RULE]
    how = iopt[P_NORM]
    own = iopt[PERSPECTIVE] == 1
    mu = np.nan
    if Q < 1 and t_rule != 3:
        mu = _median(x, w, R, iopt[MEDIAN])
    r[:] = 1.0
    if iopt[RISK] == 0:  # steps 8-10: security with r = 1, then eq. 32-34
        no, yes = n < 0, n >= 0  # run-time booleans: a constant argument would compile a second copy
        _probabilities(x, w, R, r, no, how, g, num, P1)
        _eu_matrices(x, s, P1, R, r, mu, Q, half, t_rule, yes, yes, E1, Eo)
        for i in range(n):
            acc = 0.0
            for j in range(n):  # S_i = sum_{j != i} E(j -> i), j ascending
                if j != i:
                    acc += E1[j, i]
            danger[i] = acc
        hi, lo = _max_min(danger) if n > 0 else (0.0, 0.0)
        for i in range(n):
            Rr[i] = (2 * danger[i] - hi - lo) / (hi - lo) if hi > lo else 0.0  # (32/34)
            r[i] = (1 - Rr[i] / 3) / (1 + Rr[i] / 3)  # (33)
    _probabilities(x, w, R, r, iopt[VOTE_UTILITY] == 1, how, g, num, P)
    _eu_matrices(x, s, P, R, r, mu, Q, half, t_rule, own, everything, Es, Eo)

    # step 11: each actor i takes the best offer (category, key, lowest j)
    full_move = iopt[CONFLICT] == 0
    capitulate = iopt[CAPITULATE] == 1
    fraction = iopt[COMPROMISE] == 0
    choice = iopt[OFFER_CHOICE]
    for i in range(n):
        xi = x[i]
        best_cat = 3
        best_key = 0.0
        best_pos = xi
        for j in range(n):
            xj = x[j]
            if xj == xi:
                continue
            e_ij = Es[i, j]
            e_ji = Eo[i, j]
            if e_ji > e_ij and e_ij > 0:
                if not full_move:
                    continue
                cat = 0
                p = xj
                key = abs(xj - xi)
            elif e_ji > 0 and 0 > e_ij:
                if e_ji > abs(e_ij):
                    cat = 1
                    if fraction:
                        p = xi + (xj - xi) * abs(e_ij / e_ji)  # (35/36)
                    else:
                        p = (abs(e_ij) * xi + abs(e_ji) * xj) / (abs(e_ij) + abs(e_ji))
                    if choice == 1:
                        key = (abs(e_ij) * xi + abs(e_ji) * xj) / (abs(e_ij) + abs(e_ji))
                    else:
                        key = abs(p - xi)
                elif capitulate:
                    cat = 2
                    p = xj
                    key = abs(xj - xi)
                else:
                    continue
            else:
                continue
            if choice == 2:
                key = -e_ji
            if cat < best_cat or (cat == best_cat and key < best_key):
                best_cat = cat
                best_key = key
                best_pos = p
        new[i] = best_pos


# ---------------------------------------------------------------------------------------------
# the run over rounds, one problem; then a block of problems


@_helper
def _simulate_problem(x0, c, s0, present, scale_range, iopt, fopt, pos, med, mean):
    """Rounds of one issue in one draw; writes pos (T+1, N), med, mean (T+1); returns (stop round,
    converged)."""
    N = x0.shape[0]
    T = iopt[ROUNDS]
    n = 0
    for a in range(N):
        if present[a]:
            n += 1
    idx = np.empty(n, dtype=np.int64)
    x = np.empty(n)
    s = np.empty(n)
    w = np.empty(n)
    wm = np.empty(n)
    k = 0
    for a in range(N):  # the present actors, compact (loops: fancy indexing compiles slowly)
        if present[a]:
            idx[k] = a
            x[k] = x0[a]
            s[k] = s0[a]
            w[k] = c[a] * s0[a]
            wm[k] = w[k]
            k += 1
    tot = 0.0
    for k in range(n):
        tot += w[k]
    if not tot > 0:
        wm[:] = 1.0
    if iopt[POSITION_RANGE] == 1:
        R0 = scale_range if scale_range > 0 else 1.0
    else:
        R0 = _range(x)
    how = iopt[MEDIAN]
    for a in range(N):
        pos[0, a] = x0[a]
    med[0] = _median(x, wm, R0, how)
    mean[0] = _mean(x, wm)
    tol = fopt[1] * (scale_range if scale_range > 0 else 1.0)
    g = np.empty((n, n))
    num = np.empty((n, n))
    P1 = np.empty((n, n))
    E1 = np.empty((n, n))
    P = np.empty((n, n))
    Es = np.empty((n, n))
    Eo = np.empty((n, n))
    danger = np.empty(n)
    Rr = np.empty(n)
    r = np.empty(n)
    new = np.empty(n)
    everything = N < 0  # False, as a run-time boolean: round_internals calls one_round with True
    quiet = 0
    stop_round = T
    converged = False
    stationary = False
    for t in range(1, T + 1):
        if not stationary:  # a round is a pure function of x: once nobody moves, nobody ever will
            R = _range(x) if iopt[POSITION_RANGE] == 2 else R0
            one_round(x, w, s, R, iopt, fopt, everything, g, num, P1, E1, danger, Rr, r, P, Es, Eo, new)
            stationary = True
            for k in range(n):
                if new[k] != x[k]:
                    stationary = False
            for k in range(n):
                x[k] = new[k]
        for a in range(N):
            pos[t, a] = x0[a]
        for k in range(n):
            pos[t, idx[k]] = x[k]
        med[t] = _median(x, wm, R0, how)
        mean[t] = _mean(x, wm)
        if iopt[STOPPING] == 1:
            d = med[t] - med[t - 1]
            quiet = quiet + 1 if abs(d) < tol else 0
            if quiet >= iopt[PATIENCE]:
                converged = True
                stop_round = t
                for u in range(t + 1, T + 1):
                    for a in range(N):
                        pos[u, a] = pos[t, a]
                    med[u] = med[t]
                    mean[u] = mean[t]
                break
    return stop_round, converged


@numba.njit(cache=True, nogil=True)
def simulate_batch(x, c, s, present, scale_range, iopt, fopt, pos, med, mean, rounds, converged):
    """All problems (rows of ``x`` (B, N)), one after another; each row is independent."""
    for b in range(x.shape[0]):
        rb, cb = _simulate_problem(x[b], c[b], s[b], present[b], scale_range[b], iopt, fopt,
                                   pos[b], med[b], mean[b])
        rounds[b] = rb
        converged[b] = cb
