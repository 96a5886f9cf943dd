"""Calibrated forecast intervals: input uncertainty (draws) combined with the model error on DEU III.

Split-conformal, grouped by proposal (Vovk et al. 2005; Lei et al. 2018 for the normalised score).
The score of a held-out DEU issue is its signed residual in units of the issue's scale width,
divided by a residual scale that grows with the dispersion of the actors' positions:

    e = (y - f) / (w * s),     s = (d + c) * k_p                                 (C1)

with ``w`` the scale width, ``d`` the capability x salience weighted standard deviation of the
positions on the unit scale, ``c`` a constant chosen on training folds (the narrowest intervals
at the target coverage) and ``k_p`` a factor per decision procedure ``p`` (COD/CNS x QMV/Unan),
the ratio of the procedure's 80 % quantile of |(y - f) / (w (d + c))| to the pooled one on the
training issues (1 for procedures with fewer than ``MIN_PROCEDURE`` training issues and for
issues without an EU voting rule; ``MIN_PROCEDURE`` is in :mod:`detente.backtest.scores`), so
that the pooled scores cover each procedure alike. The predictive distribution of a run is the
mixture, over draws ``k`` and stored score quantiles ``e_j``, of

    f_k + w * s_k * e_j                                                          (C2)

and the 80 % forecast interval is its (alpha/2, 1 - alpha/2) quantiles with the finite-sample
conformal levels floor/ceil((n + 1) * p) / n, clipped to the issue's scale. With one draw this is
the split-conformal interval of the signed scores; with draws the input uncertainty widens it.

The scores and constants live in the package data file ``synthesis-weights.json`` (written by
``python -m detente.backtest.fit``), one entry per model and options; a run whose model and options
have no entry gets no forecast interval (only the band over draws, the "input uncertainty").

This module imports NumPy only: :mod:`detente.result` calls it.

>>> import numpy as np
>>> cal = {"c": 0.1, "levels": [0.25, 0.75], "scores": [-1.0, 1.0], "n": 3, "level": 0.8}
>>> lo, hi = forecast_interval(cal, np.array([[50.0]]), {"dispersion": np.array([[0.1]]),
...                            "scale_min": np.array([0.0]), "scale_max": np.array([100.0])})
>>> round(float(lo[0]), 6), round(float(hi[0]), 6)
(30.0, 70.0)
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

DATA_FILE = "synthesis-weights.json"
LEVEL = 0.8


def dispersion(position: np.ndarray, weights: np.ndarray, scale_min: np.ndarray,
               scale_max: np.ndarray) -> np.ndarray:
    """Weighted standard deviation of positions on the unit scale, (draws, issues) (d in C1)."""
    w = np.asarray(weights, dtype=float)
    tot = w.sum(axis=-1)
    dead = tot <= 0
    w = np.where(dead[..., None], 1.0, w)
    tot = np.where(dead, w.shape[-1], tot)
    x = (position - scale_min[:, None]) / (scale_max - scale_min)[:, None]
    m = (w * x).sum(axis=-1) / tot
    return np.sqrt(np.maximum((w * (x - m[..., None]) ** 2).sum(axis=-1) / tot, 0.0))


def interval_features(arrays: Any) -> dict[str, np.ndarray]:
    """What a calibrated interval needs from a run's inputs: dispersion (draws, issues), scale."""
    w = arrays.capability * arrays.salience * arrays.present[None]
    w = np.where(arrays.present[None], w, 0.0)
    # actors present but with zero weight everywhere: fall back to equal weights of those present
    flat = w.sum(axis=-1, keepdims=True) <= 0
    w = np.where(flat, arrays.present[None].astype(float), w)
    return {"dispersion": dispersion(arrays.position, w, arrays.scale_min, arrays.scale_max),
            "scale_min": np.asarray(arrays.scale_min, dtype=float),
            "scale_max": np.asarray(arrays.scale_max, dtype=float),
            "procedure": procedure_labels(arrays.context.get("voting"), len(arrays.scale_min))}


def procedure_label(procedure: str | None, rule: str | None) -> str | None:
    """COD/CNS x QMV/Unan ("QMV(10)" counts as QMV); ``None`` without an EU procedure."""
    if not procedure or not rule:
        return None
    return f"{procedure.upper()}-{'QMV' if rule.upper().startswith('QMV') else 'Unan'}"


def procedure_labels(voting: list | None, n: int) -> list[str | None]:
    """The procedure label of each issue from the scenario's voting rules (``context["voting"]``)."""
    rules = list(voting or []) + [None] * n
    return [None if r is None else procedure_label(r.get("procedure"), r.get("rule")) for r in rules[:n]]


def procedure_factor(cal: dict[str, Any], procedures: Any, n: int) -> np.ndarray:
    """k_p of C1 per issue (1 where the calibration or the issue has no procedure factor)."""
    table = cal.get("procedure_scale") or {}
    labels = list(procedures) if procedures is not None else [None] * n
    return np.array([float(table.get(p, 1.0)) if p is not None else 1.0 for p in labels], dtype=float)


@lru_cache(maxsize=4)
def load(name: str = DATA_FILE) -> dict[str, Any] | None:
    """The package data file (cached); ``None`` when it is not shipped."""
    try:
        text = resources.files("detente.data").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return json.loads(text)


def model_calibration(model: str, options: dict[str, Any] | None = None,
                      variant: str | None = None, ignore: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """The stored calibration of ``model`` run with these options, or ``None``; the options named in
    ``ignore`` (those that set how the model computes, not what) are not compared.

    A variant is a preset of options, so where both sides have their options, the options decide:
    ``--variant bdm=scholz`` (the default's preset) finds the default's calibration.

    >>> model_calibration("bdm", variant="scholz") is None, model_calibration("bdm", variant="jmckib") is None
    (True, True)
    >>> from detente.models import registry
    >>> spec = registry.get("bdm")
    >>> [model_calibration("bdm", spec.make_options(variant=v).model_dump(), v) is None for v in ("scholz", "jmckib")]
    [False, True]
    """
    data = load()
    if not data:
        return None
    for cal in data.get("calibration", []):
        if cal["model"] != model:
            continue
        if options is not None and cal.get("options") is not None:
            if _canon(options, ignore) != _canon(cal["options"], ignore):
                continue
        elif cal.get("variant") != variant:
            continue
        return cal
    return None


def _canon(d: dict[str, Any], ignore: frozenset[str] = frozenset()) -> str:
    return json.dumps({k: v for k, v in d.items() if k not in ignore}, sort_keys=True, default=str)


def conformal_levels(n: int, level: float = LEVEL) -> tuple[float, float]:
    """Finite-sample split-conformal quantile levels of the signed scores, floor/ceil((n+1)p)/n."""
    a = (1 - level) / 2
    lo = math.floor((n + 1) * a) / n
    hi = min(math.ceil((n + 1) * (1 - a)) / n, 1.0)
    return lo, hi


def _levels(cal: dict[str, Any]) -> np.ndarray:
    """Empirical CDF levels k/n of the sorted scores (unless given)."""
    if cal.get("levels") is not None:
        return np.asarray(cal["levels"], dtype=float)
    n = len(cal["scores"])
    return np.arange(1, n + 1) / n


def _scale(cal: dict[str, Any], features: dict[str, np.ndarray]) -> np.ndarray:
    """w * s of C1, (draws, issues)."""
    width = features["scale_max"] - features["scale_min"]
    k = procedure_factor(cal, features.get("procedure"), len(width))
    return (width * k)[None, :] * (features["dispersion"] + float(cal["c"]))


def predictive_members(cal: dict[str, Any], forecast_draws: np.ndarray,
                       features: dict[str, np.ndarray], max_members: int = 200_000) -> np.ndarray:
    """Members of the mixture C2, (members, issues), clipped to each issue's scale.

    Draws beyond ``max_members / len(scores)`` are thinned evenly (deterministic).
    """
    f = np.asarray(forecast_draws, dtype=float)
    sc = _scale(cal, features)
    e = np.asarray(cal["scores"], dtype=float)
    D = f.shape[0]
    keep = max(1, min(D, max_members // max(len(e), 1)))
    idx = np.unique(np.linspace(0, D - 1, keep).round().astype(int))
    m = f[idx, None, :] + sc[idx, None, :] * e[None, :, None]  # (draws, scores, issues)
    m = m.reshape(-1, f.shape[1])
    return np.clip(m, features["scale_min"][None, :], features["scale_max"][None, :])


def forecast_interval(cal: dict[str, Any], forecast_draws: np.ndarray,
                      features: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated interval (lo, hi) per issue: quantiles of C2 at the conformal levels."""
    levels = _levels(cal)
    f = np.asarray(forecast_draws, dtype=float)
    if f.shape[0] == 1:
        # one draw: the conformal interval of the signed scores, exactly
        qlo, qhi = conformal_levels(int(cal["n"]), float(cal.get("level", LEVEL)))
        e = np.asarray(cal["scores"], dtype=float)
        elo, ehi = np.interp([qlo, qhi], levels, e)
        sc = _scale(cal, features)[0]
        lo, hi = f[0] + sc * elo, f[0] + sc * ehi
    else:
        m = predictive_members(cal, f, features)
        qlo, qhi = conformal_levels(int(cal["n"]), float(cal.get("level", LEVEL)))
        from detente.quantiles import nanquantile

        lo, hi = nanquantile(m, [qlo, qhi], axis=0)
    return (np.clip(lo, features["scale_min"], features["scale_max"]),
            np.clip(hi, features["scale_min"], features["scale_max"]))


def summary(cal: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``Result.calibration`` record: level, out-of-sample coverage, data, method, file, version."""
    data = data if data is not None else (load() or {})
    prov = data.get("provenance", {})
    return {"level": cal.get("level", LEVEL), "coverage_oos": cal.get("coverage_oos"),
            "mean_width_oos": cal.get("mean_width_oos"), "data": prov.get("data", "DEU III"),
            "n_issues": cal.get("n"), "method": "split-conformal, grouped by proposal",
            "file": DATA_FILE, "version": data.get("version")}
