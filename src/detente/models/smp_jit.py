"""SMP's two N^3 steps compiled with Numba, for large problems: the same numbers as the NumPy
kernels in :mod:`detente.models.smp_kernels`, bit for bit.

The challenge step (``ktab.md`` §2.5-2.6, :func:`~detente.models.smp_kernels.best_targets`) weighs,
for every challenger i and target j, the votes of every third party n: B x N^3 terms a round; the
coalition strengths (§2.2, :func:`~detente.models.smp_kernels.coalitions`) sum every voter's vote
for every pair of options: B x V x M^2. In NumPy each term passes through memory about twenty times
(one pass per operation); here each is computed once in registers: at 160 actors the challenges
take 3.5x and the coalitions 7x less CPU (``benchmarks/bench_smp.py``). Importing Numba, loading
its registries and these kernels from the cache costs ~0.8 s of CPU once per process, so
:mod:`~detente.models.smp_kernels` calls them only when a round's work is large
(:data:`~detente.models.smp_kernels.JIT_MIN_WORK`).

Same numbers: every term is computed with the operations of the NumPy code in the same order (no
fast-math, so no reassociation and no fused multiply-add), and the sums over third parties and over
voters run n = 0, 1, 2, ... as NumPy's reductions over those (non-contiguous) axes do.
``tests/test_smp_jit.py`` checks both paths against each other bit for bit.
"""

from __future__ import annotations

import numpy as np

from detente.jit import configure_cache

configure_cache()  # before Numba is imported: kernels cache in the user's cache directory

import numba  # noqa: E402

SEMI_COMMIT, NO_COMMIT = 0, 1
"""The third-party commitments compiled here (``FullCommit`` sums its votes pairwise: NumPy only)."""

COMPILE_SECONDS = 3
"""CPU seconds of the first compile of these kernels on the machine of
:data:`detente.jit.PROBE_REFERENCE` (the notice scales it); cached afterwards."""

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _max0(a):  # np.maximum(a, 0.0): NaN propagates, -0.0 stays
    return a if (a >= 0.0 or a != a) else 0.0


@_jit
def _utility(d, r):  # (1 - d)(1 + min(d, 1) r), as smp_kernels.utility (np.minimum: NaN propagates)
    m = d if (d <= 1.0 or d != d) else 1.0
    return (1.0 - d) * (1.0 + m * r)


@_jit
def _challenges(d, r, wS, S, tpc, min_challenge, P, dEU):
    """P[b, i, j] = P(i beats j) and dEU[b, i, j] = i's gain from challenging j (§2.5), every
    term as in ``smp_kernels.challenges_numpy``; see the module notes. For each challenger i the
    third parties n are the outer loop and the targets j the inner one (contiguous, independent
    sums: the compiler vectorises it), as NumPy's reductions over n run."""
    B, N = S.shape
    U_ij = np.empty(N)
    chi_ij = np.empty(N)
    chi_ji = np.empty(N)
    sum_v = np.empty(N)
    sum_pos = np.empty(N)
    for b in range(B):
        for i in range(N):
            rii = r[b, i, i]
            U_ii = _utility(d[b, i, i], rii)  # aUtil[i](i, i)
            for j in range(N):
                U_ij[j] = _utility(d[b, i, j], rii)  # aUtil[i](i, j)
                e_i = wS[b, i] * (U_ii - U_ij[j])
                e_j = wS[b, j] * (_utility(d[b, j, i], r[b, i, j]) - _utility(d[b, j, j], r[b, i, j]))
                chi_ij[j] = min_challenge + _max0(e_i) + _max0(e_j)
                chi_ji[j] = min_challenge + _max0(-e_i) + _max0(-e_j)
            for n in range(N):
                rin = r[b, i, n]
                wn = wS[b, n]
                Ui = _utility(d[b, n, i], rin)  # aUtil[i](n, i)
                Un = _utility(d[b, n, n], rin)  # aUtil[i](n, n)
                A2 = 2.0 * Ui + Un
                A3 = 3.0 * Ui
                for j in range(N):
                    dnj = d[b, n, j]
                    U_nj = (dnj * rin + 1.0) * (1.0 - dnj)  # aUtil[i](n, j)
                    if tpc == SEMI_COMMIT:
                        e_n = wn * (Ui - U_nj)
                        pos = _max0(e_n)
                        a = pos + chi_ij[j]
                        pi = a / (((pos - e_n) + a) + chi_ji[j])  # vProbLittle
                        Y = U_nj * 3.0
                        E_i = (A2 - Y) * pi + Y
                        W = U_nj * 2.0 + Un
                        E_j = (A3 - W) * pi + W
                        v = wn * (E_i - E_j)
                    else:  # NO_COMMIT
                        v = wn * (A2 - (U_nj * 2.0 + Un))
                    if n == i or n == j:  # third parties only
                        v = 0.0
                    if n == 0:  # a sum starts with its first term, as NumPy's do
                        sum_v[j] = v
                        sum_pos[j] = _max0(v)
                    else:
                        sum_v[j] += v
                        sum_pos[j] += _max0(v)
            for j in range(N):
                c_ij = chi_ij[j] + sum_pos[j]
                c_ji = chi_ji[j] + (sum_pos[j] - sum_v[j])
                p = c_ij / (c_ij + c_ji)  # always linear
                S_j = S[b, j]
                P[b, i, j] = p
                dEU[b, i, j] = ((1 - S_j) * (2 * U_ii) + S_j * (p * 2 * U_ii + (1 - p) * 2 * U_ij[j])) \
                    - (U_ii + U_ij[j])


def challenges(d: np.ndarray, r: np.ndarray, wS: np.ndarray, S: np.ndarray, tpc: str,
               min_challenge: float) -> tuple[np.ndarray, np.ndarray]:
    """(P, dEU), each (B, N, N), of :func:`detente.models.smp_kernels.best_targets` under the
    proportional voting rule and ``tpc`` in ``SemiCommit``/``NoCommit``."""
    _compile_once()
    B, N = S.shape
    P = np.empty((B, N, N))
    dEU = np.empty((B, N, N))
    code = SEMI_COMMIT if tpc == "SemiCommit" else NO_COMMIT
    args = [np.ascontiguousarray(a, dtype=np.float64) for a in (d, r, wS, S)]
    _challenges(*args, code, float(min_challenge), P, dEU)
    return P, dEU


@_jit
def _coalitions(w, U, min_coalition, C):
    """C[b, a, o] = min_coalition + sum_v max(0, w_v (U_va - U_vo)), summed v = 0, 1, ... (the
    voters the outer loop, the options o the inner, contiguous one)."""
    B, V, M = U.shape
    for b in range(B):
        for a in range(M):
            for v in range(V):
                wv = w[b, v]
                Ua = U[b, v, a]
                if v == 0:
                    for o in range(M):
                        C[b, a, o] = _max0(wv * (Ua - U[b, v, o]))
                else:
                    for o in range(M):
                        C[b, a, o] += _max0(wv * (Ua - U[b, v, o]))
            for o in range(M):
                C[b, a, o] = min_coalition + C[b, a, o]


def coalitions(w: np.ndarray, U: np.ndarray, min_coalition: float) -> np.ndarray:
    """:func:`detente.models.smp_kernels.coalitions` under the proportional voting rule."""
    _compile_once()
    B, V, M = U.shape
    C = np.empty((B, M, M))
    U = np.ascontiguousarray(U, dtype=np.float64)
    w = np.ascontiguousarray(w, dtype=np.float64)
    _coalitions(w, U, float(min_coalition), C)
    return C


_ready = False


def _compile_once() -> None:
    """Compile (or load from the cache) both kernels on their first use in the process, under one
    compile notice: they are called with tiny arrays of the types every later call has."""
    global _ready
    if _ready:
        return
    from detente.jit import compiling

    with compiling([_challenges, _coalitions], "SMP kernels for large problems", COMPILE_SECONDS):
        one, two = np.ones((1, 2)), np.ones((1, 2, 2))
        _challenges(two, two, one, one, SEMI_COMMIT, 1e-10, np.empty((1, 2, 2)), np.empty((1, 2, 2)))
        _coalitions(one, two, 1e-8, np.empty((1, 2, 2)))
    _ready = True
