"""Array kernels that several models share (weighted mean, weighted median, ...).

All take positions ``x`` and weights ``w`` of the same shape (..., actors) and reduce the last axis.

>>> import numpy as np
>>> weighted_mean(np.array([0., 10.]), np.array([1., 3.]))
array(7.5)
>>> weighted_median(np.array([0., 10., 4.]), np.array([1., 1., 1.]))
array(4.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
else:
    np = lazy_module(globals(), "np", "numpy")

_HALF_TOL = 1e-12


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Sum(w x) / sum(w) over the last axis; NaN where all weights are zero."""
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * x).sum(axis=-1) / np.where(total > 0, total, 1), np.nan)


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The lower weighted median over the last axis.

    Positions are sorted and the first one at which the cumulative weight reaches half of the
    total is returned. In one dimension with linear (or any symmetric single-peaked) utilities this
    is the Condorcet winner of pairwise votes among the held positions (``bdm.md`` §1.3 step 3);
    when the weight splits exactly in half it picks the lower of the two tied positions, the
    convention of ``deu3_baselines_computed.csv``.
    """
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cum = np.cumsum(ws, axis=-1)
    half = cum[..., -1:] / 2
    k = np.argmax(cum >= half * (1 - _HALF_TOL), axis=-1)
    return np.take_along_axis(xs, k[..., None], axis=-1)[..., 0]


def condorcet_votes(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pairwise vote totals v[..., j, k] = sum_i w_i (|x_i - x_k| - |x_i - x_j|) (BDM eq. 28-29 / R)."""
    d = np.abs(x[..., :, None] - x[..., None, :])  # d[..., i, j] = |x_i - x_j|
    # v[j, k] = sum_i w_i (d[i, k] - d[i, j])
    wd = np.einsum("...i,...ij->...j", w, d)
    return wd[..., None, :] - wd[..., :, None]
