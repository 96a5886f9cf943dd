"""Array kernels of the exchange model (``neighbours.md`` §1.3): candidate exchanges and their rates.

A *candidate* k is an exchange between actor ``I[k]`` (supplies on issue ``q[k]``, demands on
``p[k]``) and actor ``J[k]`` (supplies on ``p[k]``, demands on ``q[k]``). Everything here works on
index arrays of candidates at once (vectorised over actor pairs); positions are on 0-100.

>>> import numpy as np
>>> x = np.array([[10., 90.], [90., 10.]]); s = np.array([[.9, .2], [.2, .9]]); c = np.ones((2, 2))
>>> cand = candidates(x, s, c, np.ones((2, 2), bool))
>>> cand["I"].tolist(), cand["J"].tolist(), cand["p"].tolist(), cand["q"].tolist()
([0], [1], [0], [1])
"""

from __future__ import annotations

import numpy as np

EPS_MOVE = 1e-10  # §1.3 step 6: moves and gains at or below this are no exchange


def candidates(x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray) -> dict[str, np.ndarray]:
    """All exchange candidates of one round (§1.3 steps 1-4), in Decide's order.

    ``x, s, c, present`` are (issues, actors). Issue pairs (p, q), p < q, in issue order; for each
    pair first the actors right of the outcome on both issues against those left on both (groups
    A x D), then left-on-p/right-on-q against right-on-p/left-on-q (B x C), actors in file order.
    The actor with the larger salience ratio s_p/s_q becomes ``I`` (it demands p and supplies q).
    """
    w = c * s * present
    W = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        O = np.where(W > 0, (w * x).sum(axis=1) / np.where(W > 0, W, 1), np.nan)  # eq. step 1
    left = x <= O[:, None]  # step 2
    n_i, n_a = x.shape
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("a", "b", "p", "q")}
    for p in range(n_i):
        for q in range(p + 1, n_i):
            both = present[p] & present[q]
            g = np.where(both, left[p].astype(int) | (left[q].astype(int) * 2), -1)
            for g1, g2 in ((0, 3), (1, 2)):  # step 3: opposite sides on both issues
                a1 = np.flatnonzero(g == g1)
                a2 = np.flatnonzero(g == g2)
                if a1.size and a2.size:
                    aa, bb = np.meshgrid(a1, a2, indexing="ij")
                    out["a"].append(aa.ravel())
                    out["b"].append(bb.ravel())
                    out["p"].append(np.full(aa.size, p))
                    out["q"].append(np.full(aa.size, q))
    if not out["a"]:
        e = np.zeros(0, dtype=np.int64)
        return {"I": e, "J": e, "p": e, "q": e, "O": O}
    a, b, p, q = (np.concatenate(out[k]).astype(np.int64) for k in ("a", "b", "p", "q"))
    # step 4: the actor with the lower ratio s_p/s_q supplies on p (cross-multiplied: no 0-division)
    a_lower = s[p, a] * s[q, b] < s[p, b] * s[q, a]
    I = np.where(a_lower, b, a)
    J = np.where(a_lower, a, b)
    return {"I": I, "J": J, "p": p, "q": q, "O": O}


def equal_gain(dI, xJ, dJ, xI, wJp, wIq, Wp, Wq, sIp, sJp, sIq, sJq):
    """Equal-gain rates and moves (§1.3 steps 5-6), elementwise over candidates.

    ``xJ``: J's supply position on p, ``dI``: I's (demand) position on p; ``xI``/``dJ`` likewise on q.
    Returns signed moves (mI on q, mJ on p), outcome shifts (rq, rp) and the (equal) gain.
    """
    mJ = np.abs(dI - xJ)  # J moves all the way to I on p
    rp = mJ * wJp / Wp  # ΔO_p (step 5)
    rq = rp * (sIp + sJp) / (sIq + sJq)  # equal gain (step 6)
    with np.errstate(divide="ignore", invalid="ignore"):
        mI = rq * Wq / wIq
    room = np.abs(dJ - xI)
    over = mI > room  # I would overshoot J: I moves fully, J partially
    rq2 = room * wIq / Wq
    rp2 = rq2 * (sIq + sJq) / (sIp + sJp)
    with np.errstate(divide="ignore", invalid="ignore"):
        mJ2 = rp2 * Wp / wJp
    mI = np.where(over, room, mI)
    mJ = np.where(over, mJ2, mJ)
    rp = np.where(over, rp2, rp)
    rq = np.where(over, rq2, rq)
    mI = np.where(xI > dJ, -mI, mI)
    mJ = np.where(xJ > dI, -mJ, mJ)
    gain = np.abs(rp * sIp - rq * sIq)
    return mI, mJ, rq, rp, gain


def move_ok(x, move, h_sum, h_min, h_max, h_n):
    """Decide's move checks (§1.3 step 6): 1e-10 < |move| <= 100, stays in [0, 100], the sum of
    this round's moves of the actor on the issue <= 100 and all of them in one direction."""
    ok = (np.abs(move) <= 100) & (np.abs(move) > EPS_MOVE)
    ok &= (x + move >= 0) & (x + move <= 100)
    ok &= h_sum + move <= 100
    lo = np.where(h_n > 0, np.minimum(h_min, move), move)
    hi = np.where(h_n > 0, np.maximum(h_max, move), move)
    ok &= ((lo < 0) & (hi < 0)) | ((lo > 0) & (hi > 0))
    return ok
