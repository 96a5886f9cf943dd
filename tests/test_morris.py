"""detente.uncertainty.morris: Morris's design and estimator, checked against SALib's."""

from __future__ import annotations

import numpy as np
import pytest

from detente.uncertainty import morris

SALib = pytest.importorskip("SALib")


def _f(X: np.ndarray) -> np.ndarray:  # non-linear, with an interaction and an inert input
    return np.sin(3 * X[:, 0]) + 2 * X[:, 1] * X[:, 2] + 0.0 * X[:, 3]


@pytest.mark.parametrize("levels", [4, 6])
def test_the_estimator_is_salibs_on_salibs_design(levels: int) -> None:
    from SALib.analyze import morris as salib_analyze
    from SALib.sample import morris as salib_sample

    problem = {"num_vars": 4, "names": list("abcd"), "bounds": [[0.0, 1.0]] * 4}
    X = salib_sample.sample(problem, 20, num_levels=levels, seed=3)
    y = _f(X)
    ours = morris.analyze(X, y, levels=levels)
    theirs = salib_analyze.analyze(problem, X, y, num_levels=levels, seed=3, print_to_console=False)
    for key in ("mu", "mu_star", "sigma"):
        np.testing.assert_allclose(ours[key], np.asarray(theirs[key], dtype=float), rtol=1e-12, atol=1e-12)
    assert ours["mu_star"][3] == 0.0 and ours["mu_star"][0] > 0.0


@pytest.mark.parametrize("levels", [4, 6])
def test_the_design_moves_each_input_once_a_trajectory_by_delta_on_the_grid(levels: int) -> None:
    k, r = 5, 30
    X = morris.sample(k, r, levels=levels, seed=7)
    delta = morris.step(levels)
    assert X.shape == (r * (k + 1), k)
    assert X.min() >= 0.0 and X.max() <= 1.0
    grid = np.arange(levels) / (levels - 1)
    assert np.abs(X[..., None] - grid).min(axis=-1).max() < 1e-12  # every value on the grid
    steps = np.diff(X.reshape(r, k + 1, k), axis=1)  # (r, k, k)
    moved = np.abs(steps) > 1e-12
    assert (moved.sum(axis=2) == 1).all()  # one input a step
    assert (moved.sum(axis=1) == 1).all()  # each input once a trajectory
    np.testing.assert_allclose(np.abs(steps[moved]), delta)
    ups = steps[moved] > 0
    assert 0.3 < ups.mean() < 0.7  # both directions
    assert np.array_equal(X, morris.sample(k, r, levels=levels, seed=7))  # seeded
    assert not np.array_equal(X, morris.sample(k, r, levels=levels, seed=8))


def test_a_linear_output_gives_its_coefficients_exactly() -> None:
    X = morris.sample(3, 10, seed=1)
    S = morris.analyze(X, 2.0 * X[:, 0] - 4.0 * X[:, 1] + 0.5, levels=4)
    np.testing.assert_allclose(S["mu"], [2.0, -4.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(S["mu_star"], [2.0, 4.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(S["sigma"], 0.0, atol=1e-12)


def test_a_design_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError):
        morris.analyze(np.zeros((7, 3)), np.zeros(7))
    with pytest.raises(ValueError):
        morris.sample(0, 3)
