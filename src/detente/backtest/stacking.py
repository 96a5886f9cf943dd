"""Stacking with shrinkage toward the compromise model (S1, S2 of :mod:`detente.models.synthesis`).

``fit_weights`` solves   min ||X w - y||^2   s.t.  w >= 0, sum w = 1   (non-negative least squares
with the sum constraint as a heavily weighted extra row, then renormalised; deterministic).
``select`` picks the shrinkage target (one of the compromise-model variants) and ``lambda`` by grouped
cross-validation on the data it is given; ``nested_cv`` repeats that inside every outer training
split, so the outer held-out fold never informs the weights, the target or lambda.

>>> X = np.array([[0.0, 10.0], [10.0, 20.0], [20.0, 30.0]]); y = np.array([0.0, 10.0, 20.0])
>>> [round(float(v), 6) for v in fit_weights(X, y)]
[1.0, 0.0]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from detente.backtest.folds import grouped_folds

LAMBDA_GRID = tuple(round(1.0 - 0.1 * k, 1) for k in range(11))  # 1.0, 0.9, ..., 0.0 (ties: more shrinkage)
_BIG = 1e4


def fit_weights(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one that minimise the squared error of X w."""
    from scipy.optimize import nnls

    m = X.shape[1]
    A = np.vstack([X, _BIG * np.ones((1, m))])
    b = np.concatenate([y, [_BIG]])
    w, _ = nnls(A, b)
    s = w.sum()
    return w / s if s > 0 else np.full(m, 1.0 / m)


def _unit(m: int, k: int) -> np.ndarray:
    e = np.zeros(m)
    e[k] = 1.0
    return e


def select(X: np.ndarray, y: np.ndarray, groups: np.ndarray, targets: Sequence[int], k: int, seed: int,
           grid: Sequence[float] = LAMBDA_GRID) -> tuple[int, float, np.ndarray]:
    """(target column, lambda, inner out-of-fold predictions at that choice) by grouped k-fold CV."""
    kk = min(k, len(set(groups.tolist())))
    f = grouped_folds(groups.tolist(), kk, seed)
    W = [fit_weights(X[f != j], y[f != j]) for j in range(kk)]
    best: tuple[float, int, float, np.ndarray] | None = None
    for t in targets:
        e = _unit(X.shape[1], t)
        for lam in grid:
            pred = np.empty(len(y))
            for j in range(kk):
                te = f == j
                pred[te] = X[te] @ ((1 - lam) * W[j] + lam * e)  # S2
            mae = float(np.abs(pred - y).mean())
            if best is None or mae < best[0] - 1e-12:
                best = (mae, t, lam, pred)
    assert best is not None
    return best[1], best[2], best[3]


def final_weights(X: np.ndarray, y: np.ndarray, target: int, lam: float) -> np.ndarray:
    """S2 with the stacking weights fitted on all rows given."""
    return (1 - lam) * fit_weights(X, y) + lam * _unit(X.shape[1], target)


def nested_cv(X: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: list[np.ndarray], targets: Sequence[int],
              k: int, seed: int) -> dict:
    """Outer grouped CV (each repeat's folds), inner grouped CV for target and lambda.

    Returns per repeat the out-of-sample predictions, and per (repeat, fold) the inner out-of-fold
    predictions of the training issues (what the interval calibration of that fold may use).
    """
    f_oos, train_pred, choices = [], [], []
    for r, fo in enumerate(folds):
        pred = np.empty(len(y))
        tp = []
        for j in range(int(fo.max()) + 1):
            tr, te = fo != j, fo == j
            t, lam, inner = select(X[tr], y[tr], groups[tr], targets, k, seed + 1000 * (r + 1) + j)
            pred[te] = X[te] @ final_weights(X[tr], y[tr], t, lam)
            tp.append(inner)
            choices.append((t, lam))
        f_oos.append(pred)
        train_pred.append(tp)
    return {"f_oos": f_oos, "train_pred": train_pred, "choices": choices}
