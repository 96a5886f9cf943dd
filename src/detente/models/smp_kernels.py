"""Array kernels of KTAB's Spatial Model of Politics (``ktab.md`` §2), batched over draws.

Every function takes arrays with a leading batch axis B (draws); actors are N, dimensions K,
options M. Positions, ideals and saliences are on KTAB's internal [0, 1] scale. Equation
references (§2.x) are to ``/work/shared/specs/ktab.md``.

>>> import numpy as np
>>> round(float(utility(np.array(0.5), np.array(1.0))), 4)   # (1 - d)(1 + d R), §2.1
0.75
>>> C = np.array([[[1e-8, 3.0], [1.0, 1e-8]]])
>>> victory(C, "Linear")[0].round(3).tolist()                # §2.2
[[0.5, 0.75], [0.25, 0.5]]
>>> pce(C, None, "Linear", "Conditional")[0].round(3).tolist()
[0.75, 0.25]
"""

from __future__ import annotations

import sys

import numpy as np

POS_TOL = 1e-3  # §2.4 equivalence of positions on the [0, 1] scale
MIN_COALITION = 1e-8  # §2.2
MIN_CHALLENGE = 1e-10  # §2.5
_BLOCK = 1 << 17  # elements per buffer in the blocked N^3 kernels (1 MiB of float64; the four buffers of
# best_targets are reused from block to block): 2^15 ran as fast at 80 actors and 15 % slower at 160, 2^14
# 1.4x slower at 80; results do not depend on it (elementwise, sums over whole rows)

VOTING_RULES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
VICTORY_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
PCE_MODELS = ("Conditional", "MarkovIncentive", "MarkovUniform")
BIG_R_ADJUST = ("Full", "TwoThirds", "Half", "OneThird", "No")
BIG_R_RANGE = ("Min", "Mid", "Max")
THIRD_PARTY_COMMIT = ("NoCommit", "SemiCommit", "FullCommit")
INTER_VEC_BRGN = ("S1P1", "S2P2", "S2PMax")
BARGN_MODELS = ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")


# ------------------------------------------------------------------------------------------
# §2.1 distance and utility


def distances(q: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """d[b, i, j] = sqrt(sum_k s_ik^2 (q_ik - x_jk)^2 / sum_k s_ik^2)  (§2.1).

    q, s (B, N, K) ideals and saliences of the N actors; x (B, M, K) the M positions.
    An actor with zero salience on every dimension is indifferent: its distances are 0.
    """
    s2 = s * s
    num = np.zeros((x.shape[0], q.shape[1], x.shape[1]))
    for k in range(x.shape[2]):  # K is small; the exact difference keeps d_ii = 0 exactly
        diff = q[:, :, None, k] - x[:, None, :, k]
        num += s2[:, :, None, k] * diff * diff
    den = s2.sum(axis=-1)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(den > 0, np.sqrt(num / np.where(den > 0, den, 1.0)), 0.0)
    return d


def utility(d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """u(d, R) = (1 - d)(1 + d R) for d <= 1, else (1 - d)(1 + R)  (§2.1)."""
    return (1.0 - d) * (1.0 + np.minimum(d, 1.0) * r)


# ------------------------------------------------------------------------------------------
# §2.2 votes, coalitions, victory probabilities, PCE


def vote(rule: str, w: np.ndarray, ua: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Vote of an actor with weight w between options a and b (§2.2, ``kmodel.cpp:358``)."""
    delta = ua - ub
    if rule == "Proportional":
        return w * delta
    if rule == "Binary":
        return w * np.clip(delta / 1e-8, -1.0, 1.0)
    if rule == "PropBin":
        return w * (0.8 * delta + 0.2 * np.clip(delta / 1e-8, -1.0, 1.0))
    if rule == "PropCbc":
        return w * (0.5 * delta + 0.5 * delta**3)
    if rule == "Cubic":
        return w * delta**3
    if rule == "ASymProsp":
        return w * np.where(delta < 0, delta, (2.0 / 3.0) * delta)
    raise ValueError(f"unknown voting rule {rule!r}")


def vote_into(rule: str, w: np.ndarray, ua: np.ndarray, ub: np.ndarray, out: np.ndarray) -> np.ndarray:
    """:func:`vote` written into ``out`` (which may be ``ua`` or ``ub``): the same operations, so the
    same numbers; the proportional rule (KTAB's default) without temporaries."""
    if rule == "Proportional":
        np.subtract(ua, ub, out=out)
        return np.multiply(w, out, out=out)
    out[...] = vote(rule, w, ua, ub)
    return out


def coalitions(w: np.ndarray, U: np.ndarray, rule: str) -> np.ndarray:
    """C[b, a, o] = 1e-8 + sum_v max(0, vote_v(a, o)) for voters v with weight w (B, V) and
    utilities U (B, V, M) of each option (§2.2, ``kmodel.cpp:516``). Blocked over a; compiled
    (:func:`detente.models.smp_jit.coalitions`, the same numbers) from :data:`JIT_MIN_WORK` terms."""
    B, V, M = U.shape
    if use_jit(B * V * M * M, rule):
        from detente.models import smp_jit

        return smp_jit.coalitions(w, U, MIN_COALITION)
    U = np.ascontiguousarray(U)  # (it always is): the votes are then C-ordered, their sums run v = 0, 1, ...
    C = np.empty((B, M, M))
    step = max(1, _BLOCK // max(1, B * V * M))
    wv = w[:, :, None, None]
    buf = np.empty((B, V, min(step, M), M))  # the votes of a block, reused from block to block
    for a0 in range(0, M, step):
        a1 = min(M, a0 + step)
        v = vote_into(rule, wv, U[:, :, a0:a1, None], U[:, :, None, :], out=buf[:, :, : a1 - a0])  # (B, V, blk, M)
        C[:, a0:a1, :] = MIN_COALITION + np.maximum(v, 0.0, out=v).sum(axis=1)
    return C


def victory(C: np.ndarray, model: str) -> np.ndarray:
    """V(a, b) from coalition strengths C (..., M, M); V(a, a) = 1/2 (§2.2, ``kmodel.cpp:417/488``)."""
    Ct = np.swapaxes(C, -1, -2)
    if model == "Binary":
        r = C / (C + Ct)
        V = np.where(C >= 1.1 * Ct, 1.0, np.where(Ct >= 1.1 * C, 1e-6, (2.1 * r - 1.0) / 0.1))
    else:
        nu = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
        a, b = C**nu, Ct**nu
        V = a / (a + b)
    M = C.shape[-1]
    idx = np.arange(M)
    V[..., idx, idx] = 0.5
    return V


def pce(C: np.ndarray, mask: np.ndarray | None, vpm: str, pcem: str) -> np.ndarray:
    """Probabilistic Condorcet election (§2.2, ``kmodel.cpp:570 probCE2``).

    ``C`` (..., M, M) coalition strengths, ``mask`` (..., M) the options actually on the ballot
    (``None`` = all); leading axes broadcast. Returns P (..., M), zero off the ballot.
    """
    V = victory(C, vpm)
    M = C.shape[-1]
    if mask is None:
        mask = np.ones(C.shape[:-1], dtype=bool)
    m = np.broadcast_to(mask, np.broadcast_shapes(mask.shape, C.shape[:-1])).astype(float)
    if pcem == "Conditional":
        # P(a) ∝ prod_{b on ballot} V(a, b), computed as a sum of logs
        score = (np.log(V) @ m[..., None])[..., 0]
        score = np.where(m > 0, score, -np.inf)
        score = score - score.max(axis=-1, keepdims=True)
        p = np.exp(score)
        return p / p.sum(axis=-1, keepdims=True)
    n_opt = m.sum(axis=-1, keepdims=True)
    p = m / n_opt
    if pcem == "MarkovUniform":
        tol, Vm = 1e-6, V
        for _ in range(100000):
            q = (p * (Vm @ m[..., None])[..., 0] + (Vm @ (m * p)[..., None])[..., 0]) / n_opt
            q = q * m
            change = np.abs(q - p).max(axis=-1, keepdims=True)
            p = (p + q) / 2
            if np.all(change < tol):
                break
        return p
    if pcem == "MarkovIncentive":
        tol = 1e-8
        n = C * V
        idx = np.arange(M)
        n[..., idx, idx] += 1e-10
        # den(b) = sum_{alpha on ballot} n(alpha -> b);  T(a|b) = n(a->b)/den(b)
        den = (np.swapaxes(n, -1, -2) @ m[..., None])[..., 0]
        G = (V * np.swapaxes(n, -1, -2))  # G_ab = V_ab n_ba
        H = V * n  # H_ab = V_ab n_ab
        Gm = (G @ m[..., None])[..., 0]
        for _ in range(100000):
            # q_a = sum_b V_ab (p_a T(b|a) + p_b T(a|b))
            q = p / den * Gm + (H @ (m * p / den)[..., None])[..., 0]
            q = q * m
            change = np.abs(q - p).max(axis=-1, keepdims=True)
            p = (p + q) / 2
            if np.all(change < tol):
                break
        return p
    raise ValueError(f"unknown PCE model {pcem!r}")


# ------------------------------------------------------------------------------------------
# §2.3 risk attitudes


def big_r(P: np.ndarray, rng_model: str) -> np.ndarray:
    """R_i from the PCE probabilities (B, N) of the actors' positions (``kmodel.cpp:234``).

    When every p is equal (KTAB divides by zero) all R are 0 here.
    """
    pmax = P.max(axis=-1, keepdims=True)
    pmin = P.min(axis=-1, keepdims=True)
    span = pmax - pmin
    ok = span > 0
    span = np.where(ok, span, 1.0)
    if rng_model == "Mid":
        R = (3 * P - pmax - 2 * pmin) / (2 * span)
    elif rng_model == "Min":
        R = (P - pmin) / span
    elif rng_model == "Max":
        R = (2 * P - pmax - pmin) / span
    else:
        raise ValueError(f"unknown BigRRange {rng_model!r}")
    return np.where(ok, R, 0.0)


def perceived_r(R: np.ndarray, adjust: str) -> np.ndarray:
    """r[b, h, i] = h's estimate of i's risk attitude (§2.3 step 4, ``kmodel.cpp:274 estNRA``)."""
    B, N = R.shape
    Rh = np.broadcast_to(R[:, :, None], (B, N, N))
    Ri = np.broadcast_to(R[:, None, :], (B, N, N))
    if adjust == "No":
        return Rh.copy()
    if adjust == "Full":
        return Ri.copy()
    if adjust == "OneThird":
        return (2 * Rh + Ri) / 3
    if adjust == "Half":
        return (Rh + Ri) / 2
    if adjust == "TwoThirds":
        return (Rh + 2 * Ri) / 3
    raise ValueError(f"unknown BigRAdjust {adjust!r}")


def state_pce(d: np.ndarray, c: np.ndarray, vr: str, vpm: str, pcem: str) -> np.ndarray:
    """P over the N actor positions (duplicates not merged) with risk-neutral U0 = 1 - d and
    vote weights c (§2.3 steps 1-2)."""
    return pce(coalitions(c, 1.0 - d, vr), None, vpm, pcem)


# ------------------------------------------------------------------------------------------
# §2.4 the outcome distribution of a state


def equivalence_groups(x: np.ndarray, tol: float) -> np.ndarray:
    """group[b, i] = the first representative within ``tol`` (L2) of actor i (§2.4).

    Greedy in actor order as KTAB's ``ueIndices``: actor i is a representative unless it lies
    within ``tol`` of an earlier representative. An actor with no earlier actor within ``tol`` (in
    any draw) is a representative everywhere; the loop runs only over the others, in actor order,
    vectorised over draws.

    >>> equivalence_groups(np.array([[[0.0], [0.0005], [0.5], [0.0009]]]), 1e-3).tolist()
    [[0, 0, 2, 0]]
    """
    B, N, _ = x.shape
    diff = x[:, :, None, :] - x[:, None, :, :]
    close = np.sqrt((diff * diff).sum(axis=-1)) < tol  # (B, N, N)
    rep = np.ones((B, N), dtype=bool)
    for i in np.flatnonzero(np.tril(close, -1).any(axis=(0, 2))):  # has an earlier actor within tol
        rep[:, i] = ~(close[:, i, :i] & rep[:, :i]).any(axis=-1)
    return np.argmax(close & rep[:, None, :], axis=-1)


def state_distribution(d: np.ndarray, R: np.ndarray, c: np.ndarray, group: np.ndarray, vr: str,
                       vpm: str, pcem: str) -> np.ndarray:
    """P (B, N) over the distinct positions: nonzero only at representatives (§2.4)."""
    U = utility(d, R[:, :, None])  # U_ij = aUtil[i](i, j)
    reps = group == np.arange(group.shape[1])[None, :]
    return pce(coalitions(c, U, vr), reps, vpm, pcem)


# ------------------------------------------------------------------------------------------
# §2.5 evaluating a challenge


def challenge(h: np.ndarray, i: np.ndarray, j: np.ndarray, d: np.ndarray, r: np.ndarray,
              wS: np.ndarray, S: np.ndarray, vr: str, tpc: str) -> tuple[np.ndarray, np.ndarray]:
    """h's estimate of i challenging j, for triples given as index arrays (B, L) (§2.5).

    Returns (P_h(i beats j), ΔEU of the challenge for k = i), both (B, L). ``d`` (B, N, N)
    distances ideal -> position, ``r`` (B, N, N) perceived risk attitudes r[h, a], ``wS`` = c S.
    """
    B, L = h.shape
    N = d.shape[1]
    bi = np.arange(B)[:, None]
    rh = r[bi, h]  # (B, L, N): r[h, n]
    dT = np.swapaxes(d, 1, 2)  # dT[b, a, n] = d[b, n, a]
    dnn = np.diagonal(d, axis1=1, axis2=2)  # (B, N)

    def u_pair(a: np.ndarray, o: np.ndarray) -> np.ndarray:  # aUtil[h](a, o)
        return utility(d[bi, a, o], r[bi, h, a])

    U_ii, U_ij, U_ji, U_jj = u_pair(i, i), u_pair(i, j), u_pair(j, i), u_pair(j, j)
    w_i, w_j = wS[bi, i], wS[bi, j]
    e_i = vote(vr, w_i, U_ii, U_ij)
    e_j = vote(vr, w_j, U_ji, U_jj)
    chi_ij = MIN_CHALLENGE + np.maximum(e_i, 0) + np.maximum(e_j, 0)
    chi_ji = MIN_CHALLENGE + np.maximum(-e_i, 0) + np.maximum(-e_j, 0)

    U_ni = utility(dT[bi, i], rh)  # (B, L, N): aUtil[h](n, i)
    U_nj = utility(dT[bi, j], rh)
    U_nn = utility(dnn[:, None, :], rh)
    wn = wS[:, None, :]
    if tpc == "SemiCommit":
        e_n = vote(vr, wn, U_ni, U_nj)
        pos, neg = np.maximum(e_n, 0), np.maximum(-e_n, 0)
        a = chi_ij[..., None] + pos
        pi = a / (a + chi_ji[..., None] + neg)  # vProbLittle, always linear
        E_i = pi * (2 * U_ni + U_nn) + (1 - pi) * (3 * U_nj)
        E_j = pi * (3 * U_ni) + (1 - pi) * (2 * U_nj + U_nn)
    elif tpc == "FullCommit":
        E_i, E_j = 3 * U_ni, 3 * U_nj
    elif tpc == "NoCommit":
        E_i, E_j = 2 * U_ni + U_nn, 2 * U_nj + U_nn
    else:
        raise ValueError(f"unknown ThirdPartyCommit {tpc!r}")
    v_n = vote(vr, wn, E_i, E_j)
    n = np.arange(N)
    third = (n != i[..., None]) & (n != j[..., None])
    chi_ij = chi_ij + np.where(third, np.maximum(v_n, 0), 0.0).sum(axis=-1)
    chi_ji = chi_ji + np.where(third, np.maximum(-v_n, 0), 0.0).sum(axis=-1)
    P = chi_ij / (chi_ij + chi_ji)  # always linear (VPModel not used)

    S_j = S[bi, j]
    sq = U_ii + U_ij
    vict = 2 * U_ii
    contest = P * 2 * U_ii + (1 - P) * 2 * U_ij
    dEU = (1 - S_j) * vict + S_j * contest - sq
    return P, dEU


def best_targets(d: np.ndarray, r: np.ndarray, wS: np.ndarray, S: np.ndarray, vr: str,
                 tpc: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§2.6 step 1: for each actor i the j maximising ΔEU_i(j) = probEduChlg(i, i, i, j).

    Returns target (B, N) (-1: no challenge worth > 1e-5), P_i(i beats target) and the full
    ΔEU matrix (B, N, N). This is :func:`challenge` for all (i, j) with h = k = i: in NumPy
    (:func:`challenges_numpy`), or compiled (:func:`detente.models.smp_jit.challenges`, the same
    numbers) when the round's B x N^3 terms reach :data:`JIT_MIN_WORK`.
    """
    B, N = S.shape
    if use_jit(B * N**3, vr) and tpc in ("SemiCommit", "NoCommit"):
        from detente.models import smp_jit

        P, dEU = smp_jit.challenges(d, r, wS, S, tpc, MIN_CHALLENGE)
    else:
        P, dEU = challenges_numpy(d, r, wS, S, vr, tpc)
    masked = np.where(np.eye(N, dtype=bool)[None], -np.inf, dEU)
    tgt = np.argmax(masked, axis=-1)  # ties -> lowest j
    best = np.take_along_axis(masked, tgt[..., None], axis=-1)[..., 0]
    tgt = np.where(best > 1e-5, tgt, -1)
    p_best = np.take_along_axis(P, np.maximum(tgt, 0)[..., None], axis=-1)[..., 0]
    return tgt, p_best, dEU


JIT_MIN_WORK = 2_000_000
"""Terms of one N^3 step (B x N^3 challenges, B x V x M^2 coalition votes) from which SMP runs its
steps compiled (:mod:`detente.models.smp_jit`). Importing Numba, loading its registries and the
cached kernels costs ~0.8 s of CPU once per process; compiled, a round saves ~25 ns a term (the
challenges ~15, the round's three coalition steps ~10), so a run of ~15 rounds pays that back from
~2 million terms a round: 126 actors and more with one draw (160 actors: 4.1 million terms, 80
actors: 0.5 million, which stay in NumPy)."""


def use_jit(work: int, vr: str) -> bool:
    """Whether an N^3 step of ``work`` terms under voting rule ``vr`` runs compiled: from
    :data:`JIT_MIN_WORK` terms, or from a few thousand once the kernels are loaded in the process
    (as draws converge the batch shrinks; the numbers are the same either way)."""
    if vr != "Proportional":
        return False
    return work >= JIT_MIN_WORK or ("detente.models.smp_jit" in sys.modules and work >= 4096)


def challenges_numpy(d: np.ndarray, r: np.ndarray, wS: np.ndarray, S: np.ndarray, vr: str,
                     tpc: str) -> tuple[np.ndarray, np.ndarray]:
    """(P, dEU) of :func:`best_targets` with broadcasting over (challengers, targets, third
    parties), blocked over challengers."""
    B, N = S.shape
    P = np.empty((B, N, N))
    dEU = np.empty((B, N, N))
    step = max(1, _BLOCK // max(1, B * N * N))
    dT = np.swapaxes(d, 1, 2)  # dT[b, j, n] = d[b, n, j]
    omd = 1.0 - dT
    dnn = np.diagonal(d, axis1=1, axis2=2)  # (B, N)
    wn = wS[:, None, None, :]
    ar = np.arange(N)
    # Four (B, challengers, targets j, third parties n) arrays per block, reused from block to block
    # and laid out as U_nj always was (it is computed from dT, a transposed view): j varies fastest
    # in memory. NumPy sums a non-contiguous axis term by term, so the sums over third parties
    # below run n = 0, 1, 2, ... as they always did (a contiguous axis is summed pairwise: other
    # last bits).
    bufs = np.empty((4, B, min(step, N), N, N)).swapaxes(-1, -2)
    for i0 in range(0, N, step):
        i1 = min(N, i0 + step)
        I = ar[i0:i1]
        rb = r[:, i0:i1, :]  # (B, bi, N): r[h=i, n]
        F, G, H, Q = bufs[:, :, : i1 - i0]
        U_nj = np.multiply(dT[:, None], rb[:, :, None, :], out=F)  # (B, bi, Nj, Nn) aUtil[i](n, j) =
        U_nj += 1.0  # (1 - d_nj)(1 + d_nj r_in), in place
        U_nj *= omd[:, None]
        U_ni = utility(np.swapaxes(d[:, :, i0:i1], 1, 2), rb)  # (B, bi, Nn): aUtil[i](n, i)
        U_nn = utility(dnn[:, None, :], rb)  # (B, bi, Nn)
        U_ii = U_ni[:, np.arange(i1 - i0), I]  # (B, bi)
        U_ij = utility(d[:, i0:i1, :], r[:, I, I][..., None])  # (B, bi, Nj): aUtil[i](i, j)
        U_ji, U_jj = U_ni, U_nn  # n = j
        e_i = vote(vr, wS[:, i0:i1, None], U_ii[..., None], U_ij)  # (B, bi, Nj)
        e_j = vote(vr, wS[:, None, :], U_ji, U_jj)
        chi_ij = MIN_CHALLENGE + np.maximum(e_i, 0) + np.maximum(e_j, 0)
        chi_ji = MIN_CHALLENGE + np.maximum(-e_i, 0) + np.maximum(-e_j, 0)
        Ui = U_ni[:, :, None, :]
        Un = U_nn[:, :, None, :]
        if tpc == "SemiCommit":
            e_n = vote_into(vr, wn, Ui, U_nj, out=G)
            pos = np.maximum(e_n, 0.0, out=H)
            a = np.add(pos, chi_ij[..., None], out=Q)
            neg = np.subtract(pos, e_n, out=H)
            neg += a
            neg += chi_ji[..., None]
            pi = np.divide(a, neg, out=a)  # vProbLittle
            Y = np.multiply(U_nj, 3.0, out=H)
            E_i = np.subtract(2.0 * Ui + Un, Y, out=G)
            E_i *= pi
            E_i += Y
            W = np.multiply(U_nj, 2.0, out=H)
            W += Un
            E_j = np.subtract(3.0 * Ui, W, out=F)
            E_j *= pi
            E_j += W
            v_n = vote_into(vr, wn, E_i, E_j, out=G)
        elif tpc == "NoCommit":
            G[...] = 2.0 * Ui + Un
            E_j = np.multiply(U_nj, 2.0, out=F)
            E_j += Un
            v_n = vote_into(vr, wn, G, E_j, out=G)
        elif tpc == "FullCommit":  # v_n as before: a new array in C order, summed pairwise over n
            v_n = vote(vr, wn, 3.0 * np.broadcast_to(Ui, U_nj.shape), 3.0 * U_nj)
        else:
            raise ValueError(f"unknown ThirdPartyCommit {tpc!r}")
        # third parties only: n not in {i, j}
        v_n[:, ar[: i1 - i0], :, I] = 0.0
        v_n[:, :, ar, ar] = 0.0
        sum_v = v_n.sum(axis=-1)
        sum_pos = np.maximum(v_n, 0.0, out=v_n).sum(axis=-1)
        chi_ij += sum_pos
        chi_ji += sum_pos - sum_v
        p = chi_ij / (chi_ij + chi_ji)  # always linear
        S_j = S[:, None, :]
        e = (1 - S_j) * (2 * U_ii[..., None]) + S_j * (p * 2 * U_ii[..., None] + (1 - p) * 2 * U_ij) \
            - (U_ii[..., None] + U_ij)
        P[:, i0:i1] = p
        dEU[:, i0:i1] = e
    return P, dEU


# ------------------------------------------------------------------------------------------
# §2.6 step 2 bargains


def round4(v: np.ndarray) -> np.ndarray:
    """Round half away from zero to 4 decimals (KTAB's ``round4``; values here are >= 0)."""
    return np.sign(v) * np.floor(np.abs(v) * 1e4 + 0.5) / 1e4


def interpolate(xi: np.ndarray, xj: np.ndarray, si: np.ndarray, sj: np.ndarray, p: np.ndarray,
                how: str) -> tuple[np.ndarray, np.ndarray]:
    """Bargain between i (position xi, saliences si, (..., K)) and j, p = P(i beats j) (...,)
    (``smp.cpp:326 interpolateBrgn``). Returns (i's new position, j's new position)."""
    p = p[..., None]
    if how in ("S2P2", "S1P1"):
        if how == "S2P2":
            wi, wj = si**2 * p**2, sj**2 * (1 - p) ** 2
        else:
            wi, wj = si * p, sj * (1 - p)
        tot = wi + 1e-6 + wj
        bi = round4(((wi + 1e-6) * xi + wj * xj) / tot)
        bj = round4((wi * xi + (wj + 1e-6) * xj) / tot)
        return bi, bj
    if how == "S2PMax":
        di = np.maximum(0.0, (1 - p) - p)  # delta_i = max(0, p_j - p_i)
        dj = np.maximum(0.0, p - (1 - p))
        bi = xi + di * sj**2 / (di * sj**2 + 1e-6 + (1 - di) * si**2) * (xj - xi)
        bj = xj + dj * si**2 / (dj * si**2 + 1e-6 + (1 - dj) * sj**2) * (xi - xj)
        return bi, bj
    raise ValueError(f"unknown InterVecBrgn {how!r}")


# ------------------------------------------------------------------------------------------
# stochastic choice: a counter-based generator, so that every draw's stream is its own


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = z + _GOLD
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def uniforms(keys: np.ndarray, round_no: int, n: int) -> np.ndarray:
    """(B, n) uniforms in [0, 1) from per-draw 64-bit keys (B,) and the round number: a pure
    function of (key, round, actor), so independent of batching and worker count."""
    with np.errstate(over="ignore"):
        ctr = np.uint64(round_no) * np.uint64(1 << 20) + np.arange(n, dtype=np.uint64)
        z = _splitmix(keys[:, None] ^ _splitmix(ctr)[None, :])
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
