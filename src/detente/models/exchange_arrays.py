"""The exchange model's parts that need no compiler: candidates, random streams, the round's fields.

Shared by the two implementations of the round: :mod:`detente.models.exchange_numpy` (NumPy,
vectorised over candidates; nothing to compile) and :mod:`detente.models.exchange_kernels` (Numba;
compiled once). Importing this module loads NumPy only.

>>> x = np.array([[[10., 90.], [90., 10.]]]); s = np.array([[[.9, .2], [.2, .9]]]); c = np.ones((1, 2, 2))
>>> cand = candidates(x, s, c, np.ones((2, 2), bool))
>>> cand["I"].tolist(), cand["J"].tolist(), cand["p"].tolist(), cand["q"].tolist(), cand["offsets"].tolist()
([0], [1], [0], [1], [0, 1])
>>> st = seed_states(np.array([5]))[0]
>>> gen = generator(st); bool(gen.random() == np.random.default_rng(5).random())
True
"""

from __future__ import annotations

import numpy as np

EPS_MOVE = 1e-10  # §1.3 step 6: moves and gains at or below this are no exchange
TIE_RTOL = 1e-12  # two top gains this close (relative) are a tie (§1.3 step 7)
_CHUNK_CELLS = 1 << 21  # candidate masks are built for at most this many cells at once


# ---------------------------------------------------------------------------------------------
# candidates (§1.3 steps 1-4), vectorised
# ---------------------------------------------------------------------------------------------
def outcome(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Capability x salience weighted mean per issue (§1.3 step 1); NaN where no weight."""
    W = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(W > 0, (w * x).sum(axis=-1) / np.where(W > 0, W, 1), np.nan)


def candidates(x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray) -> dict[str, np.ndarray]:
    """All exchange candidates of one round for every draw (§1.3 steps 1-4), in Decide's order.

    ``x, s, c`` are (draws, issues, actors), ``present`` (issues, actors). Per draw: issue pairs
    (p, q), p < q, in issue order; for each pair first the actors right of the outcome on both
    issues against those left on both (groups A x D), then left-on-p/right-on-q against
    right-on-p/left-on-q (B x C), actors in file order. The actor with the larger salience ratio
    s_p/s_q becomes ``I`` (it demands p and supplies q). Candidates of draw d are
    ``offsets[d]:offsets[d+1]``. Also returns ``w`` = c s present, ``W`` (its sum) and ``O``.
    """
    D, n_i, n_a = x.shape
    w = c * s * present
    W = w.sum(axis=2)
    O = outcome(w, x)  # step 1
    left = x <= O[:, :, None]  # step 2
    pp, qq = np.triu_indices(n_i, 1)
    both = present[pp] & present[qq]  # (P, N)
    parts: list[tuple[np.ndarray, ...]] = []
    step = max(1, _CHUNK_CELLS // max(1, pp.size * 2 * n_a * n_a))
    for d0 in range(0, D, step):  # chunks of draws only bound memory; the order is unchanged
        lt = left[d0:d0 + step]
        g = np.where(both, lt[:, pp].astype(np.int8) | (lt[:, qq].astype(np.int8) * 2), -1)  # (d, P, N)
        m = np.stack([(g == 0)[..., :, None] & (g == 3)[..., None, :],  # step 3: A x D
                      (g == 1)[..., :, None] & (g == 2)[..., None, :]], axis=2)  # B x C
        dd, pi, _, a, b = np.nonzero(m)  # lexicographic = Decide's order
        parts.append((dd + d0, pp[pi], qq[pi], a, b))
    dd, p, q, a, b = (np.concatenate([pt[k] for pt in parts]).astype(np.int64) for k in range(5))
    # step 4: the actor with the lower ratio s_p/s_q supplies on p (cross-multiplied: no 0-division)
    a_lower = s[dd, p, a] * s[dd, q, b] < s[dd, p, b] * s[dd, q, a]
    I = np.where(a_lower, b, a)
    J = np.where(a_lower, a, b)
    offsets = np.searchsorted(dd, np.arange(D + 1)).astype(np.int64)
    return {"I": I, "J": J, "p": p, "q": q, "offsets": offsets, "O": O, "w": w, "W": W}


# ---------------------------------------------------------------------------------------------
# PCG64 streams seeded like ``np.random.default_rng(seed)``, one per draw
# ---------------------------------------------------------------------------------------------
_M32 = np.uint64(0xFFFFFFFF)
_U11, _U16, _U32, _U58, _U63, _U64 = (np.uint64(v) for v in (11, 16, 32, 58, 63, 64))
_ONE = np.uint64(1)
_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_MULT_LO = np.uint64(0x4385DF649FCCF645)


def _hashmix(value: np.ndarray, hc: np.uint64) -> tuple[np.ndarray, np.uint64]:
    value = (value ^ hc) & _M32
    hc = (hc * np.uint64(0x931E8875)) & _M32
    value = (value * hc) & _M32
    return value ^ (value >> _U16), hc


def _step_np(st: list[np.ndarray]) -> None:
    """One PCG64 step, state = state * MULT + inc (mod 2^128), on arrays of draws (uint64 wraps)."""
    a, b = st[1], _MULT_LO
    a_lo, a_hi, b_lo, b_hi = a & _M32, a >> _U32, b & _M32, b >> _U32
    hl = a_hi * b_lo
    cross = ((a_lo * b_lo) >> _U32) + (hl & _M32) + a_lo * b_hi
    mulhi = (hl >> _U32) + (cross >> _U32) + a_hi * b_hi
    lo = st[1] * _MULT_LO
    hi = mulhi + st[0] * _MULT_LO + st[1] * _MULT_HI
    lo2 = lo + st[3]
    st[0], st[1] = hi + st[2] + (lo2 < lo).astype(np.uint64), lo2


def _seed_states(seeds: np.ndarray) -> np.ndarray:
    """PCG64 state of ``np.random.default_rng(seed)`` for each seed (0 <= seed < 2**63):
    NumPy's SeedSequence (pool of 4 uint32) then ``pcg64_set_seed``. NumPy on all draws at once
    (the hash constants do not depend on the seed), so nothing needs compiling."""
    s = np.asarray(seeds, dtype=np.int64).astype(np.uint64).ravel()
    zero = np.zeros_like(s)
    ent = [s & _M32, s >> _U32, zero, zero]
    hc = np.uint64(0x43B0D7E5)
    pool = [zero] * 4
    for i in range(4):
        pool[i], hc = _hashmix(ent[i], hc)
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                h, hc = _hashmix(pool[i_src], hc)
                r = ((np.uint64(0xCA01F9DD) * pool[i_dst]) & _M32) - ((np.uint64(0x4973F715) * h) & _M32)
                r &= _M32
                pool[i_dst] = r ^ (r >> _U16)
    hb = np.uint64(0x8B51F9DD)
    words = []
    for i in range(8):
        v = pool[i % 4] ^ hb
        hb = (hb * np.uint64(0x58F38DED)) & _M32
        v = (v * hb) & _M32
        words.append(v ^ (v >> _U16))
    w64 = [words[2 * i] | (words[2 * i + 1] << _U32) for i in range(4)]
    # pcg64_srandom_r(initstate = (w64[0], w64[1]), initseq = (w64[2], w64[3]))
    st = [zero, zero, (w64[2] << _ONE) | (w64[3] >> _U63), (w64[3] << _ONE) | _ONE]
    _step_np(st)
    lo = st[1] + w64[1]
    st[0], st[1] = st[0] + w64[0] + (lo < st[1]).astype(np.uint64), lo
    _step_np(st)
    return np.ascontiguousarray(np.stack(st, axis=1))


def seed_states(seeds: np.ndarray) -> np.ndarray:
    """(draws, 4) uint64 PCG64 states, one stream per draw (``default_rng(seed_d)``)."""
    return _seed_states(np.asarray(seeds, dtype=np.int64))


def generator(state: np.ndarray) -> np.random.Generator:
    """A NumPy generator continuing the PCG64 stream ``state`` ([state_hi, state_lo, inc_hi, inc_lo]);
    :func:`store_state` writes its state back."""
    bg = np.random.PCG64()
    bg.state = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
                "state": {"state": (int(state[0]) << 64) | int(state[1]), "inc": (int(state[2]) << 64) | int(state[3])}}
    return np.random.Generator(bg)


def store_state(gen: np.random.Generator, state: np.ndarray) -> None:
    """Write ``gen``'s position in its stream back into ``state`` (see :func:`generator`)."""
    v = gen.bit_generator.state["state"]["state"]
    state[0], state[1] = np.uint64(v >> 64), np.uint64(v & 0xFFFFFFFFFFFFFFFF)


# The state of one draw's round, indexed by local candidate k: f[k, F_*] float fields (below);
# U[k, side, actor] recorded "updates" (NaN = none), side 0 = issue q (I supplies), 1 = issue p;
# B[k, side] cached weighted position sum of that issue with k's updates (NaN = stale);
# hI/hJ[k] = (sum, min, max, count) of the supplier's earlier moves on its supply issue this round.
F_DI, F_DJ, F_XI, F_XJ, F_SIP, F_SJP, F_SIQ, F_SJQ, F_WIQ, F_WJP, F_WP, F_WQ, F_MI, F_MJ, F_G, F_GI, F_GJ = range(17)
N_F = 17
