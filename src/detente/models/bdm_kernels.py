"""Numba kernels of the BDM expected-utility model (the steps that are inherently sequential).

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

import numba
import numpy as np


@numba.njit(cache=True)
def king_of_the_hill(x: np.ndarray, w: np.ndarray, present: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Condorcet winner by sequential challenge, per row of ``x`` (batch, actors)."""
    B, N = x.shape
    out = np.full(B, np.nan)
    for b in range(B):
        started = False
        m = np.nan
        for p in range(N):
            if not present[b, p]:
                continue
            if not started:
                m = x[b, p]
                started = True
                continue
            cand = x[b, p]
            votes = 0.0
            for k in range(N):
                if present[b, k]:
                    votes += w[b, k] * (abs(x[b, k] - m) / R[b] - abs(x[b, k] - cand) / R[b])
            if votes > 0:
                m = cand
        out[b] = m
    return out

