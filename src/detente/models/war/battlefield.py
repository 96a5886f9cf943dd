"""The battlefield: a front-line random walk with absorbing ends, and Lanchester attrition.

Random walk (Smith & Stam 2004; Slantchev 2003): position k in 0..N ("forts" held by A); each month
A wins a battle with probability p (k + 1) or loses it (k - 1); A wins the war at k = N, B at k = 0.
The probability that A wins the war from k is the gambler's-ruin probability

    P(k) = (1 - r^k) / (1 - r^N),   r = (1 - p) / p        (P(k) = k / N when p = 1/2)      (W1)

which is Fearon's p seen from the battlefield (``neighbours.md`` §3.2-3.3).

Lanchester (1916) square law (aimed fire): dA/dt = -beta B, dB/dt = -alpha A, invariant
alpha A^2 - beta B^2; stepped monthly (Euler) with reinforcements. Its fighting strengths set the
month's battle probability p = alpha A^2 / (alpha A^2 + beta B^2)                              (W2)

>>> import numpy as np
>>> ruin_probability(np.array([5, 5]), 10, np.array([0.5, 0.6])).round(4).tolist()
[0.5, 0.8836]
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def ruin_probability(k: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """(W1) P(A reaches n before 0 | start k, win probability p), vectorised and overflow-safe.

    Written with s = min(r, 1/r) <= 1 so powers never overflow:
    r < 1: (1 - r^k) / (1 - r^n);  r > 1: (s^(n-k) - s^n) / (1 - s^n).

    >>> float(ruin_probability(np.array(3), 4, np.array(1.0))), float(ruin_probability(np.array(3), 4, np.array(0.0)))
    (1.0, 0.0)
    """
    k = np.asarray(k, dtype=float)
    p_raw = p
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1.0 - _EPS)
    r = (1.0 - p) / p
    fair = np.abs(r - 1.0) < 1e-9
    low = r < 1.0
    s = np.where(low, r, 1.0 / r)
    sn = s**n
    denom = np.where(fair, 1.0, 1.0 - sn)
    below = (1.0 - s**k) / denom
    above = (s ** (n - k) - sn) / denom
    out = np.where(low, below, above)
    out = np.where(fair, k / n, out)
    raw = np.asarray(p_raw, dtype=float)
    out = np.where(raw <= 0.0, (k >= n).astype(float), np.where(raw >= 1.0, (k > 0).astype(float), out))
    return np.clip(out, 0.0, 1.0)


def step_front(k: np.ndarray, a_won: np.ndarray, active: np.ndarray) -> np.ndarray:
    """One battle: k + 1 if A won, k - 1 otherwise, for active draws only."""
    return np.where(active, k + np.where(a_won, 1, -1), k)


def lanchester_p(force_A: np.ndarray, force_B: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """(W2) A's chance of winning the month's battle from square-law fighting strengths.

    >>> float(lanchester_p(np.array(2.0), np.array(1.0), np.array(1.0), np.array(1.0)))
    0.8
    """
    sa = alpha * force_A**2
    sb = beta * force_B**2
    tot = sa + sb
    return np.where(tot > 0, sa / np.where(tot > 0, tot, 1.0), 0.5)


def lanchester_step(force_A, force_B, alpha, beta, reinf_A=0.0, reinf_B=0.0, dt: float = 1.0):
    """One Euler step of the square law with reinforcements; forces never go below zero.

    >>> a, b = np.array(10.0), np.array(8.0)
    >>> for _ in range(1000):
    ...     a, b = lanchester_step(a, b, 1.0, 1.0, dt=0.001)
    >>> round(float(a**2 - b**2), 1)    # invariant alpha A^2 - beta B^2 = 36 (up to Euler error)
    36.0
    """
    na = np.maximum(force_A + dt * (reinf_A - beta * force_B), 0.0)
    nb = np.maximum(force_B + dt * (reinf_B - alpha * force_A), 0.0)
    return na, nb
