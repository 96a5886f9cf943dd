"""Stacking with shrinkage toward the compromise model (S1, S2 of :mod:`detente.models.synthesis`).

``fit_weights`` solves   min ||X w - y||^2   s.t.  w >= 0, sum w = 1   (non-negative least squares
with the sum constraint as a heavily weighted extra row, then renormalised; deterministic).
``select`` picks the shrinkage target (one of the compromise-model variants) and ``lambda`` by grouped
cross-validation on the data it is given; ``nested_cv`` repeats that inside every outer training
split, so the outer held-out fold never informs the weights, the target or lambda. A final stage
(R1/R2 of :mod:`detente.models.synthesis`, ``recalibrate``) maps the stacked forecast toward the
outcomes' median, fitted by least absolute deviations; whether to apply it (the identity is always
an option) is decided by the same inner folds.

>>> X = np.array([[0.0, 10.0], [10.0, 20.0], [20.0, 30.0]]); y = np.array([0.0, 10.0, 20.0])
>>> [round(float(v), 6) for v in fit_weights(X, y)]
[1.0, 0.0]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from detente.backtest.folds import grouped_folds
from detente.models.synthesis import recalibrate, recalibration_design

LAMBDA_GRID = tuple(round(1.0 - 0.1 * k, 1) for k in range(11))  # 1.0, 0.9, ..., 0.0 (ties: more shrinkage)
_BIG = 1e4
SCALE = (0.0, 100.0)  # the DEU scale
RECAL = ("identity", "linear")  # the options of the final stage the inner CV chooses from (R1)


def fit_weights(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one that minimise the squared error of X w."""
    from scipy.optimize import nnls

    m = X.shape[1]
    A = np.vstack([X, _BIG * np.ones((1, m))])
    b = np.concatenate([y, [_BIG]])
    w, _ = nnls(A, b)
    s = w.sum()
    return w / s if s > 0 else np.full(m, 1.0 / m)


def fit_recalibration(f: np.ndarray, y: np.ndarray, kind: str, scale: tuple[float, float] = SCALE) -> list[float]:
    """Least-absolute-deviation parameters of the recalibration ``kind`` (unit scale, no clipping in the fit).

    A linear programme (SciPy HiGHS): min sum(e+ + e-) s.t. Z theta + e+ - e- = u_y - offset.

    >>> [round(v, 6) for v in fit_recalibration(np.array([20.0, 40.0, 60.0, 80.0]),
    ...                                         np.array([0.0, 30.0, 70.0, 100.0]), "linear")]
    [-0.333333, 1.666667]
    """
    from scipy.optimize import linprog

    if kind == "identity":
        return []
    lo, hi = scale
    off, Z = recalibration_design(kind, (np.asarray(f, dtype=float) - lo) / (hi - lo))
    r = (np.asarray(y, dtype=float) - lo) / (hi - lo) - off
    n, p = Z.shape
    c = np.concatenate([np.zeros(p), np.ones(2 * n)])
    A = np.hstack([Z, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    sol = linprog(c, A_eq=A, b_eq=r, bounds=bounds, method="highs")
    if not sol.success:
        raise ValueError(f"recalibration {kind}: least absolute deviations failed ({sol.message})")
    return [float(v) + 0.0 for v in sol.x[:p]]


def select_recalibration(X: np.ndarray, y: np.ndarray, f: np.ndarray, W: list[np.ndarray], w_target: np.ndarray,
                         lam: float, pred: np.ndarray, kinds: Sequence[str]) -> tuple[str, np.ndarray]:
    """The recalibration with the lowest inner out-of-fold MAE (ties: the earlier kind, identity first).

    For inner fold j it is fitted on the in-sample stacked forecasts of the other folds (with their
    stacking weights) and applied to fold j; ``pred`` are the identity's out-of-fold predictions."""
    best_kind, best_pred, best_mae = "identity", pred, float(np.abs(pred - y).mean())
    for kind in kinds:
        if kind == "identity":
            continue
        rp = np.empty(len(y))
        for j in range(int(f.max()) + 1):
            tr, te = f != j, f == j
            w = (1 - lam) * W[j] + lam * w_target
            theta = fit_recalibration(X[tr] @ w, y[tr], kind)
            rp[te] = recalibrate(X[te] @ w, kind, theta, *SCALE)
        mae = float(np.abs(rp - y).mean())
        if mae < best_mae - 1e-12:
            best_kind, best_pred, best_mae = kind, rp, mae
    return best_kind, best_pred


def _unit(m: int, k: int) -> np.ndarray:
    e = np.zeros(m)
    e[k] = 1.0
    return e


def select(X: np.ndarray, y: np.ndarray, groups: np.ndarray, targets: Sequence[int], k: int, seed: int,
           grid: Sequence[float] = LAMBDA_GRID,
           recal: Sequence[str] = RECAL) -> tuple[int, float, str, np.ndarray]:
    """(target column, lambda, recalibration, inner out-of-fold predictions at that choice) by grouped
    k-fold CV: target and lambda first, then the recalibration on the same inner folds."""
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
    _, t, lam, pred = best
    kind, pred = select_recalibration(X, y, f, W, _unit(X.shape[1], t), lam, pred, recal)
    return t, lam, kind, pred


def final_weights(X: np.ndarray, y: np.ndarray, target: int, lam: float) -> np.ndarray:
    """S2 with the stacking weights fitted on all rows given."""
    return (1 - lam) * fit_weights(X, y) + lam * _unit(X.shape[1], target)


def nested_cv(X: np.ndarray, y: np.ndarray, groups: np.ndarray, folds: list[np.ndarray], targets: Sequence[int],
              k: int, seed: int, recal: Sequence[str] = RECAL) -> dict:
    """Outer grouped CV (each repeat's folds), inner grouped CV for target, lambda and recalibration.

    Returns per repeat the out-of-sample predictions, and per (repeat, fold) the inner out-of-fold
    predictions of the training issues (what the interval calibration of that fold may use).
    """
    f_oos, train_pred, choices = [], [], []
    for r, fo in enumerate(folds):
        pred = np.empty(len(y))
        tp = []
        for j in range(int(fo.max()) + 1):
            tr, te = fo != j, fo == j
            t, lam, kind, inner = select(X[tr], y[tr], groups[tr], targets, k, seed + 1000 * (r + 1) + j, recal=recal)
            w = final_weights(X[tr], y[tr], t, lam)
            theta = fit_recalibration(X[tr] @ w, y[tr], kind)
            pred[te] = recalibrate(X[te] @ w, kind, theta, *SCALE)
            tp.append(inner)
            choices.append((t, lam, kind))
        f_oos.append(pred)
        train_pred.append(tp)
    return {"f_oos": f_oos, "train_pred": train_pred, "choices": choices}
