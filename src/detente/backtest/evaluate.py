"""Out-of-sample scores of one model on DEU III: MAE, CI of the gain over the compromise model,
interval coverage and width, CRPS, and the breakdown by procedure.

Coverage, width and CRPS are computed on held-out issues only: for each repeat and fold, the
interval calibration (:func:`detente.backtest.scores.calibrate`) sees the training folds' residuals
(for the synthesis: its inner out-of-fold residuals), and the held-out fold is scored with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from detente.backtest.scores import calibrate, cluster_bootstrap_mean, interval_scores

WIDTH = 100.0  # the DEU 0-100 scale


def fixed_oos(f: np.ndarray, folds: list[np.ndarray]) -> dict[str, Any]:
    """A parameter-free model: its forecasts are out of sample already (nothing is fitted)."""
    return {"fitted": False, "f_oos": [f for _ in folds], "train_pred": None}


def synthesis_oos(path: str | Path, issues: list, y: np.ndarray, groups: np.ndarray, folds: list[np.ndarray], *,
                  seed: int, position_only: str = "skip", capabilities: str = "equal") -> dict[str, Any]:
    """Nested grouped CV of the synthesis fit on the candidate components' forecasts."""
    from detente.backtest.fit import CANDIDATES, TARGETS, component_matrix
    from detente.backtest.stacking import nested_cv

    X = component_matrix(path, issues, CANDIDATES, seed=seed, position_only=position_only, capabilities=capabilities)
    names = [c["name"] for c in CANDIDATES]
    k = int(folds[0].max()) + 1
    res = nested_cv(X, y, groups, folds, [names.index(t) for t in TARGETS], k, seed)
    res["fitted"] = True
    res["choices"] = [(names[t], lam) for t, lam in res["choices"]]
    return res


def oos_intervals(y: np.ndarray, oos: dict[str, Any], f: np.ndarray, disp: np.ndarray,
                  folds: list[np.ndarray], procs: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """covered, width, crps: (repeats, issues), each issue scored only when held out."""
    R, n = len(folds), len(y)
    out = {k: np.full((R, n), np.nan) for k in ("covered", "width", "crps", "lo", "hi")}
    width = np.full(n, WIDTH)
    for r, fo in enumerate(folds):
        for j in range(int(fo.max()) + 1):
            tr, te = fo != j, fo == j
            f_tr = f[tr] if oos["train_pred"] is None else oos["train_pred"][r][j]
            p_tr, p_te = (None, None) if procs is None else (procs[tr], procs[te])
            cal = calibrate(y[tr], f_tr, disp[tr], width[tr], procs=p_tr)
            sc = interval_scores(cal, y[te], oos["f_oos"][r][te], disp[te], width[te], procs=p_te)
            for k in out:
                out[k][r, te] = sc[k]
    return out


def summarise(y: np.ndarray, f: np.ndarray, oos: dict[str, Any], reference: np.ndarray, groups: np.ndarray,
              procs: np.ndarray, disp: np.ndarray, folds: list[np.ndarray], *, seed: int, bootstrap: int,
              cv: int, repeats: int) -> dict[str, Any]:
    """The JSON keys of issue #10 for one model."""
    F = np.array(oos["f_oos"])  # (repeats, issues)
    ae_oos = np.abs(F - y[None]).mean(axis=0)  # per issue, averaged over repeats
    ref_ae = np.abs(reference - y)
    iv = oos_intervals(y, oos, f, disp, folds, procs)
    cov, wid, crps = (iv[k].mean(axis=0) for k in ("covered", "width", "crps"))

    def block(mask: np.ndarray) -> dict[str, Any]:
        est, lo, hi = cluster_bootstrap_mean(ae_oos[mask] - ref_ae[mask], groups[mask], B=bootstrap, seed=seed)
        return {"n_issues": int(mask.sum()), "n_proposals": int(len(set(groups[mask].tolist()))),
                "mae": _r(np.abs(f[mask] - y[mask]).mean()), "mae_oos": _r(ae_oos[mask].mean()),
                "mae_diff_vs_mean": _r(est), "ci": [_r(lo), _r(hi)],
                "coverage_80": _r(cov[mask].mean()), "mean_width_80": _r(wid[mask].mean()), "crps": _r(crps[mask].mean())}

    all_ = block(np.ones(len(y), bool))
    d: dict[str, Any] = {
        "mae_oos": _r(float(np.mean([np.abs(x - y).mean() for x in F]))),
        "fitted": bool(oos["fitted"]),
        "mae_diff_vs_mean": all_["mae_diff_vs_mean"], "ci": all_["ci"],
        "coverage_80": all_["coverage_80"], "mean_width_80": all_["mean_width_80"], "crps": all_["crps"],
        "by_procedure": {p: block(procs == p) for p in sorted(set(procs.tolist()))},
        "cv": {"k": cv, "repeats": repeats, "grouped_by": "proposal", "seed": seed, "bootstrap": bootstrap,
               "ci_level": 0.95, "interval_level": 0.8},
    }
    if not oos["fitted"]:
        d["mae_oos_note"] = "parameter-free model: nothing is fitted, so mae_oos equals mae"
    else:
        ch = oos.get("choices") or []
        d["choices"] = {"target": _counts([t for t, _ in ch]), "lambda": _counts([str(l) for _, l in ch])}
    return d


def _counts(xs: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


def _r(x: float) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, 4) + 0.0  # no -0.0
