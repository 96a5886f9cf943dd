"""The domestic level: ratification win-sets and audience costs (``neighbours.md`` §3.5).

Both act on A's share x as bounds: a lower bound for side A, an upper bound for side B.

Win-sets (Putnam 1988). A ratifier of side A ratifies x only if
  x >= floor                          (its least share of the stakes)                       (D1)
  t_i(x) >= tau_i for each limit      (no further toward B on issue i than its limit v_i,   (D2)
                                       tau_i = (v_i - b_i) / (a_i - b_i), see terms.py)
and symmetrically for B (x <= 1 - floor_B, t_i(x) <= tau_i). A ratifier given a ``margin`` m
takes continued war "with its expected cost" as its reversion point (Putnam's
W = {x : u_r(x) >= u_r(q)}), valued at the side's war value w (M1):
  x >= w_A + m   for A;   1 - x >= w_B + m  for B                                            (D5)
or, for a ratifier that does not bear the costs of fighting (``bears_costs: false``), at the
side's expected war outcome alone (w_A -> p_A, w_B -> 1 - p_B). This win-set moves with the
battlefield (applied in simulate.py). The side's win-set is the
intersection over its ratifiers. A narrower win-set raises the side's bound: more leverage (the
bound becomes its outside option, Schelling's "tied hands") and a higher risk of no deal.

Audience costs (Fearon 1994). A leader of side A who publicly demanded d on issue i pays
  AC_A(x) = sum_k a_k max(0, tau_k - t_{i_k}(x))                                           (D3)
(a_k = audience cost, tau_k the demand's place between the sides). It accepts x only if
x - AC_A(x) >= w_A (its war value), so its effective reservation is
  floor_A = min { x : x - AC_A(x) >= w_A }                                                  (D4)
found by bisection (the left side increases in x). For B: ceiling_B = max { x : 1 - x - AC_B(x) >= w_B }.

>>> import numpy as np
>>> from detente.models.war.terms import IssueMap
>>> m = IssueMap(a=np.array([[100.0]]), b=np.array([[0.0]]), alpha=np.ones((1, 1)), beta=np.ones((1, 1)))
>>> tau = m.tau(np.array([80.0]), 0)                        # A demanded 80 of 100
>>> lo = audience_bound(np.array([0.4]), [(0, tau, np.array([1.0]))], m, side="A")
>>> round(float(lo[0]), 6)                                  # (w + a tau) / (1 + a) = (0.4 + 0.8) / 2
0.6
"""

from __future__ import annotations

import numpy as np

from detente.models.war.terms import IssueMap

Pledge = tuple[int, np.ndarray, np.ndarray]  # (issue index, tau (D,), audience cost (D,))


def audience_penalty(x: np.ndarray, pledges: list[Pledge], imap: IssueMap, side: str) -> np.ndarray:
    """(D3): the leader's audience cost of settling at x."""
    return _penalty(pledges, imap, side)(x)


def _penalty(pledges: list[Pledge], imap: IssueMap, side: str):
    """:func:`audience_penalty` as a function of x: the pledges stacked as columns (D, pledges) once,
    so that each evaluation is a few array operations whatever the number of pledges. The columns
    are added one by one, in the pledges' order: the same sums as pledge by pledge."""
    issues = [i for i, _, _ in pledges]
    D = np.shape(pledges[0][1])[0] if pledges else 0
    tau = np.stack([np.broadcast_to(t, (D,)) for _, t, _ in pledges], axis=1) if pledges else None
    cost = np.stack([np.broadcast_to(c, (D,)) for _, _, c in pledges], axis=1) if pledges else None
    shares = imap.shares_of(issues) if pledges else None
    if pledges:  # no constraint where the sides hold the same position (tau NaN): a cost of 0 there
        free = np.isnan(tau)
        tau, cost = np.where(free, 0.0, tau), np.where(free, 0.0, cost)

    def pen_at(x: np.ndarray) -> np.ndarray:
        pen = np.zeros(np.shape(x))
        if not pledges:
            return pen
        t = shares(x)
        terms = cost * np.maximum((tau - t) if side == "A" else (t - tau), 0.0)
        for k in range(len(issues)):
            pen = pen + terms[:, k]
        return pen

    return pen_at


def audience_bound(w: np.ndarray, pledges: list[Pledge], imap: IssueMap, side: str,
                   iterations: int = 40) -> np.ndarray:
    """(D4): side A's least acceptable x (side="A") or side B's largest (side="B"), given its war
    value ``w`` (D,). Without pledges: w for A, 1 - w for B. +inf / -inf where nothing is acceptable."""
    if side == "A":
        if not pledges:
            return w.astype(float)
        pen = _penalty(pledges, imap, "A")
        f = lambda x: x - pen(x) - w  # noqa: E731  increasing
        lo, hi = np.zeros_like(w), np.ones_like(w)
        ok_hi = f(hi) >= 0
        ok_lo = f(lo) >= 0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            good = f(mid) >= 0
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        return np.where(ok_lo, np.minimum(w, 0.0), np.where(ok_hi, hi, np.inf))
    if not pledges:
        return 1.0 - w
    pen = _penalty(pledges, imap, "B")
    g = lambda x: 1.0 - x - pen(x) - w  # noqa: E731  decreasing
    lo, hi = np.zeros_like(w), np.ones_like(w)
    ok_lo = g(lo) >= 0
    ok_hi = g(hi) >= 0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        good = g(mid) >= 0
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    return np.where(ok_hi, np.maximum(1.0 - w, 1.0), np.where(ok_lo, lo, -np.inf))


def ratifier_bound(floors: list[np.ndarray], limits: list[tuple[int, np.ndarray]], imap: IssueMap,
                   side: str, draws: int) -> np.ndarray:
    """(D1)-(D2): the bound on x from one side's ratifiers (A: a lower bound, B: an upper bound).

    ``floors``: each ratifier's least share for its side (D,); ``limits``: (issue, v (D,)) pairs."""
    if side == "A":
        out = np.full(draws, -np.inf)
        for f in floors:
            out = np.maximum(out, f)
        for i, v in limits:
            tau = imap.tau(v, i)
            out = np.maximum(out, np.where(np.isnan(tau), -np.inf, imap.x_at(np.nan_to_num(tau), i)))
        return out
    out = np.full(draws, np.inf)
    for f in floors:
        out = np.minimum(out, 1.0 - f)
    for i, v in limits:
        tau = imap.tau(v, i)
        # the largest x with t_i(x) <= tau: x_at(tau) (t_i is flat beyond it only when tau = 1)
        xb = np.where(tau >= 1.0, 1.0, imap.x_at(np.nan_to_num(tau), i))
        out = np.minimum(out, np.where(np.isnan(tau), np.inf, xb))
    return out
