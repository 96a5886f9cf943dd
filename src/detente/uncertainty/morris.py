"""Morris's elementary-effects screening in NumPy alone, for the explanations of every war run.

The design and the estimator are those of Morris (1991) with the summary statistics of
Campolongo, Cariboni & Saltelli (2007), as SALib implements them (``detente sensitivity`` uses
SALib itself). The war model's explanation (:func:`detente.explain.war.deal_sensitivity`) runs on
every ``detente run`` with a war block, and importing SALib's Morris modules costs ~1.6 s of CPU
on the 2-core machine (pandas, ``scipy.spatial`` and ``scipy.stats``), more than the screening
itself. ``tests/test_morris.py`` checks the estimator against SALib's on the same design.

Design (k inputs on [0, 1], p levels, step Delta = p / (2 (p - 1))): each of ``r`` trajectories
starts at a point x* drawn from the grid {0, 1/(p-1), ..., 1 - Delta}; then, in a random order,
each input moves once by +Delta or -Delta (a random direction, kept inside [0, 1]):

    B* = (J x* + (Delta / 2) ((2 B - J) D* + J)) P*                               (Morris 1991, eq. 4)

with B the (k + 1) x k strictly lower-triangular matrix of ones, J matrices of ones, D* a random
diagonal of +-1 and P* a random permutation. Consecutive rows differ in one input.

Estimator: the elementary effect of input i in a trajectory, where it moves from x to x +- Delta,

    EE_i = (y(x + Delta e_i) - y(x)) / Delta                                      (Morris 1991, eq. 2)

(the two rows' outputs, the higher input value first in the difference), and over the r
trajectories mu_i = mean EE_i, mu*_i = mean |EE_i|, sigma_i = std(EE_i) (ddof 1; Campolongo 2007).

>>> X = sample(2, trajectories=3, levels=4, seed=1)
>>> X.shape
(9, 2)
>>> S = analyze(X, 3.0 * X[:, 0] - 0.5 * X[:, 1], levels=4)
>>> [round(float(v), 12) for v in S["mu_star"]], [round(float(v), 12) for v in S["sigma"]]
([3.0, 0.5], [0.0, 0.0])
"""

from __future__ import annotations

import numpy as np


def step(levels: int) -> float:
    """Delta = p / (2 (p - 1)) for ``levels`` = p (even p: every level is reached equally often)."""
    if levels < 2:
        raise ValueError("Morris needs at least 2 levels")
    return levels / (2.0 * (levels - 1))


def sample(k: int, trajectories: int, levels: int = 4, seed: int | None = None) -> np.ndarray:
    """A Morris design: ``trajectories`` x (k + 1) rows, k columns on [0, 1] (see the module)."""
    if k < 1 or trajectories < 1:
        raise ValueError("Morris needs at least one input and one trajectory")
    rng = np.random.default_rng(seed)
    delta = step(levels)
    grid = np.arange(levels) / (levels - 1)
    starts = grid[grid <= 1.0 - delta + 1e-12]  # x* + Delta stays on the scale
    B = np.tril(np.ones((k + 1, k)), -1)
    J = np.ones((k + 1, k))
    out = np.empty((trajectories * (k + 1), k))
    for t in range(trajectories):
        x_star = rng.choice(starts, size=k)
        d = np.diag(rng.choice([-1.0, 1.0], size=k))
        perm = np.eye(k)[rng.permutation(k)]
        b = (J * x_star + (delta / 2.0) * ((2.0 * B - J) @ d + J)) @ perm  # eq. 4
        out[t * (k + 1):(t + 1) * (k + 1)] = b
    return out


def elementary_effects(X: np.ndarray, y: np.ndarray, levels: int = 4) -> np.ndarray:
    """EE (k, trajectories) of the design ``X`` with outputs ``y`` (eq. 2)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    k = X.shape[1]
    r = X.shape[0] // (k + 1)
    if r * (k + 1) != X.shape[0] or y.shape != (X.shape[0],):
        raise ValueError("a Morris design has trajectories x (inputs + 1) rows and one output a row")
    delta = step(levels)
    dx = np.diff(X.reshape(r, k + 1, k), axis=1)  # (r, k steps, k inputs): one non-zero a step
    dy = np.diff(y.reshape(r, k + 1), axis=1)  # (r, k steps)
    moved = np.argmax(np.abs(dx), axis=2)  # the input each step moves
    up = np.take_along_axis(dx, moved[:, :, None], axis=2)[:, :, 0] > 0
    ee = np.empty((k, r))
    rows = np.arange(r)[:, None]
    ee[moved, rows] = np.where(up, dy, -dy) / delta
    return ee


def analyze(X: np.ndarray, y: np.ndarray, levels: int = 4) -> dict[str, np.ndarray]:
    """``{"mu", "mu_star", "sigma"}`` per input (k,) from the design ``X`` and its outputs ``y``."""
    ee = elementary_effects(X, y, levels)
    r = ee.shape[1]
    sigma = ee.std(axis=1, ddof=1) if r > 1 else np.full(ee.shape[0], np.nan)
    return {"mu": ee.mean(axis=1), "mu_star": np.abs(ee).mean(axis=1), "sigma": sigma}
