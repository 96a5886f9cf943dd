"""Scores of a backtest: cluster-bootstrap CI by proposal, interval coverage, width, CRPS.

* The difference in mean absolute error to the compromise model, with a 95 % percentile CI from a
  cluster bootstrap: resample proposals with replacement (all issues of a drawn proposal enter
  together), ``B`` times with a seeded generator (Field & Welsh 2007).
* Out-of-sample coverage of the 80 % forecast interval, its mean width, and the CRPS of the
  calibrated predictive distribution (:mod:`detente.calibration`, C2), computed by
  ``scoringrules.crps_ensemble`` on held-out issues only.

>>> d = np.array([1.0, 1.0, 3.0, 3.0]); g = np.array(["a", "a", "b", "b"])
>>> est, lo, hi = cluster_bootstrap_mean(d, g, B=200, seed=1)
>>> est, lo <= est <= hi
(2.0, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente import calibration as cb

C_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 1e6)  # constants c of C1; 1e6 ~ a constant width


def cluster_bootstrap_mean(values: np.ndarray, groups: np.ndarray, B: int = 2000, seed: int = 0,
                           level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile CI from a bootstrap over ``groups`` (clusters)."""
    v = np.asarray(values, dtype=float)
    uniq, inv = np.unique(np.asarray(groups), return_inverse=True)
    sums = np.bincount(inv, weights=v, minlength=len(uniq))
    counts = np.bincount(inv, minlength=len(uniq)).astype(float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(uniq), size=(B, len(uniq)))
    boot = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    a = (1 - level) / 2
    lo, hi = np.quantile(boot, [a, 1 - a])
    return float(v.mean()), float(lo), float(hi)


MIN_PROCEDURE = 30  # fewest training issues of a procedure for its own factor k_p of C1


def residual_scores(y: np.ndarray, f: np.ndarray, disp: np.ndarray, width: np.ndarray, c: float,
                    k: np.ndarray | float = 1.0) -> np.ndarray:
    """Signed normalised residuals e of C1."""
    return (y - f) / (width * k * (disp + c))


def procedure_scale(e: np.ndarray, procs: np.ndarray | None, level: float = cb.LEVEL) -> dict[str, float]:
    """k_p of C1: each procedure's ``level`` quantile of |e| over the pooled one (training issues)."""
    if procs is None:
        return {}
    procs = np.asarray(procs, dtype=object)
    q = float(np.quantile(np.abs(e), level))
    out = {}
    for p in sorted({x for x in procs.tolist() if x is not None}):
        m = procs == p
        if m.sum() >= MIN_PROCEDURE and q > 0:
            out[p] = float(np.quantile(np.abs(e[m]), level)) / q
    return out


def calibrate(y: np.ndarray, f: np.ndarray, disp: np.ndarray, width: np.ndarray,
              level: float = cb.LEVEL, grid: tuple[float, ...] = C_GRID,
              procs: np.ndarray | None = None) -> dict[str, Any]:
    """Fit C1 on these (training) issues: the c giving the narrowest intervals, the procedure factors
    k_p (when ``procs`` is given) and the sorted scores."""
    best = None
    for c in grid:
        e0 = residual_scores(y, f, disp, width, c)
        table = procedure_scale(e0, procs, level)
        cal0 = {"procedure_scale": table}
        k = cb.procedure_factor(cal0, procs, len(y))
        e = np.sort(residual_scores(y, f, disp, width, c, k))
        cal = _cal(e, c, level)
        if procs is not None:
            cal["procedure_scale"] = table
        lo, hi = _interval(cal, f, disp, width, procs=procs)
        w = float(np.mean(hi - lo))
        if best is None or w < best[0] - 1e-12:
            best = (w, cal)
    assert best is not None
    return best[1]


def _cal(e_sorted: np.ndarray, c: float, level: float) -> dict[str, Any]:
    n = len(e_sorted)
    return {"c": float(c), "n": n, "level": level, "scores": e_sorted,
            "levels": (np.arange(1, n + 1) / n)}


def _feats(f: np.ndarray, disp: np.ndarray, width: np.ndarray, smin: float = 0.0,
           procs: np.ndarray | None = None) -> dict[str, Any]:
    return {"dispersion": disp[None, :], "scale_min": np.full(len(f), smin),
            "scale_max": smin + np.asarray(width, dtype=float),
            "procedure": None if procs is None else list(procs)}


def _interval(cal: dict[str, Any], f: np.ndarray, disp: np.ndarray, width: np.ndarray,
              smin: float = 0.0, procs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    return cb.forecast_interval(cal, f[None, :], _feats(f, disp, width, smin, procs))


def interval_scores(cal: dict[str, Any], y: np.ndarray, f: np.ndarray, disp: np.ndarray,
                    width: np.ndarray, procs: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per held-out issue: covered (bool), interval width, CRPS of the predictive distribution C2."""
    import scoringrules as sr

    lo, hi = _interval(cal, f, disp, width, procs=procs)
    feats = _feats(f, disp, width, 0.0, procs)
    members = cb.predictive_members(cal, f[None, :], feats)  # (members, issues)
    crps = np.asarray(sr.crps_ensemble(y, members.T), dtype=float)
    return {"covered": (y >= lo) & (y <= hi), "width": hi - lo, "crps": crps, "lo": lo, "hi": hi}
