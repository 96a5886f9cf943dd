"""detente.quantiles.nanquantile and nanmedian0 equal numpy.nanquantile and numpy.nanmedian bit for bit (they
replace them in summaries)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from detente.quantiles import nanmedian0, nanquantile


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("axis", [0, 1])
def test_equals_numpy_nanquantile(seed: int, axis: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(int(rng.integers(1, 400)), 9, 4)) * 10.0 ** rng.integers(-3, 4)
    a[rng.random(a.shape) < rng.random()] = np.nan  # from no NaN to nearly all NaN
    if seed % 3 == 0:
        a[rng.random(a.shape) < 0.03] = np.inf
    a[:, 0, 0] = np.nan  # one all-NaN slice
    qs = [0.1, 0.5, 0.9] if seed % 2 else [0.04, 0.96]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.nanquantile(a, qs, axis=axis)
    with np.errstate(invalid="ignore"):  # inf - inf inside the interpolation, as in NumPy's own
        got = nanquantile(a, qs, axis=axis)
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True)


def test_no_values() -> None:
    assert nanquantile(np.empty((0, 3)), [0.5]).shape == (1, 3)
    assert np.isnan(nanquantile(np.empty((0, 3)), [0.5])).all()


@pytest.mark.parametrize("rows", [1, 2, 7])
def test_nanmedian0_equals_numpy_nanmedian_bit_for_bit(rows: int) -> None:
    """One row (one draw) is not handed to NumPy (that would import numpy.ma); the bits are NumPy's,
    -0.0 included (NumPy's median of one -0.0 is 0.0)."""
    rng = np.random.default_rng(rows)
    special = [-0.0, 0.0, np.nan, np.inf, -np.inf, 5e-324, -1e300, 39.8123456789]
    a = np.concatenate([np.array([special] * rows), rng.normal(size=(rows, 20)) * 1e3], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.nanmedian(a, axis=0)
    got = nanmedian0(a)
    assert got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    assert float(nanmedian0(a[:, 7])) == float(np.nanmedian(a[:, 7]))
