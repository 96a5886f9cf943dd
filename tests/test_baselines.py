"""Baselines: weighted mean, weighted (Condorcet) median, Nash bargaining solution."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models.baselines import NBSOptions, nash_bargaining_model
from detente.models.kernels import condorcet_votes, weighted_median
from detente.runner import run
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Scenario
from detente.scenario.readers.deu import backtest_issues, read_deu_issues, to_scenario

from conftest import peer_file


def scenario(positions, capabilities, saliences, status_quo=None, scale=(0, 100)):
    return Scenario.model_validate({
        "name": "t",
        "actors": [{"id": f"a{k}", "capability": c} for k, c in enumerate(capabilities)],
        "issues": [{"id": "x", "scale": {"min": scale[0], "max": scale[1]}, "status_quo": status_quo}],
        "stances": [{"actor": f"a{k}", "issue": "x", "position": p, "salience": s}
                    for k, (p, s) in enumerate(zip(positions, saliences))],
    })


def test_mean_and_median_match_every_deu_issue_of_the_computed_baselines():
    path = peer_file("deu-data/deu3_blksv.tsv")
    expected = {r["issue_id"]: r for r in csv.DictReader(open(peer_file("deu-data/deu3_baselines_computed.csv")))}
    issues = backtest_issues(read_deu_issues(path))
    assert len(issues) == 351 == len(expected)
    s = to_scenario(issues, "deu", str(path))
    mean, median = run(s, "mean").forecast, run(s, "median").forecast
    for i in issues:
        e = expected[i.issue_id]
        assert mean[i.issue_id] == pytest.approx(float(e["salience_weighted_mean"]), abs=1e-3), i.issue_id
        assert median[i.issue_id] == pytest.approx(float(e["salience_weighted_median"]), abs=1e-9), i.issue_id
        assert median[i.issue_id] == pytest.approx(float(e["condorcet_median_linear"]), abs=1e-9), i.issue_id


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0.01, 5), st.floats(0.01, 1)), min_size=1, max_size=9))
def test_weighted_median_is_the_condorcet_winner_among_held_positions(actors):
    x = np.array([a[0] * 5.0 for a in actors])
    w = np.array([a[1] * a[2] for a in actors])
    med = float(weighted_median(x, w))
    v = condorcet_votes(x, w)  # v[j, k] > 0: j beats k
    j = int(np.flatnonzero(x == med)[0])
    assert np.all(v[j] >= -1e-9 * w.sum() * 100), "the median must not lose a pairwise vote"


def test_mean_weights_and_absent_actors():
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 3}, {"id": "C", "capability": 100}],
        "issues": [{"id": "x"}, {"id": "y"}],
        "stances": [{"actor": "A", "issue": "x", "position": 0, "salience": 1},
                    {"actor": "B", "issue": "x", "position": 100, "salience": 0.5},
                    {"actor": "C", "issue": "y", "position": 30}, {"actor": "A", "issue": "y", "position": 90}],
    })
    f = run(s, "mean").forecast
    assert f["x"] == pytest.approx(100 * 1.5 / 2.5)  # C has no stance on x and does not count
    assert f["y"] == pytest.approx((30 * 100 + 90) / 101)
    assert run(s, "mean", options={"weights": "equal"}).forecast["x"] == pytest.approx(50)
    assert run(s, "median").forecast["x"] == 100.0


def brute_force_nbs(x, w, d, lo, hi, n=200001):
    grid = np.linspace(lo, hi, n)
    gain = (d - x) ** 2 - (grid[:, None] - x) ** 2
    ok = np.all(gain > 0, axis=1)
    if not ok.any():
        return None
    obj = np.where(ok, np.sum(w * np.log(np.where(gain > 0, gain, 1)), axis=1), -np.inf)
    return grid[np.argmax(obj)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 100), st.floats(0.1, 5), st.floats(0.05, 1)), min_size=2, max_size=7),
    st.one_of(st.none(), st.floats(0, 100)),
)
def test_nbs_matches_a_brute_force_grid_maximiser(actors, sq):
    x = np.array([a[0] for a in actors])
    c = np.array([a[1] for a in actors])
    s = np.array([a[2] for a in actors])
    arr = ScenarioArrays.from_scenario(scenario(x, c, s, sq))
    got = float(nash_bargaining_model(arr, NBSOptions(), None).forecast[0, 0])
    d = np.where(np.abs(x) >= np.abs(x - 100), 0.0, 100.0) if sq is None else np.full_like(x, sq)
    want = brute_force_nbs(x, c * s, d, 0, 100)
    if want is None:  # no grid point where every actor gains: the status quo, or a set narrower than the grid
        gains = (d - x) ** 2 - (got - x) ** 2
        inside = bool(np.all(gains > 0))  # e.g. actors at 1e-5 and 1 over a status quo of 0: all gain on (0, 2e-5)
        assert inside or got == pytest.approx(sq if sq is not None else 50, abs=1e-6)  # 1e-7 root-finder residue
    else:
        assert got == pytest.approx(want, abs=2e-3)


def test_nbs_with_status_quo_between_actors_is_the_status_quo():
    f = run(scenario([10, 90], [1, 1], [1, 1], status_quo=40), "nbs").forecast["x"]
    assert f == 40  # either side vetoes any move away from the status quo


def test_nbs_with_equal_gains_is_close_to_the_compromise_model():
    # status quo far away on one side: gains nearly equal, so the NBS ~ the weighted mean
    s = scenario([60, 62, 65, 70], [1, 2, 3, 1], [1, 0.5, 0.8, 0.9], status_quo=-10000, scale=(-10000, 100))
    assert run(s, "nbs").forecast["x"] == pytest.approx(run(s, "mean").forecast["x"], abs=0.01)


def test_runs_are_reproducible_and_record_provenance():
    s = scenario([{"low": 10, "high": 30}, 70, 90], [1, {"low": 1, "high": 4}, 2], [0.5, 1, {"mean": 0.5, "sd": 0.2}])
    r1 = run(s, "mean", draws=500, seed=3)
    r2 = run(s, "mean", draws=500, seed=3)
    r3 = run(s, "mean", draws=500, seed=4)
    assert np.array_equal(r1.trajectory.forecast, r2.trajectory.forecast)
    assert not np.array_equal(r1.trajectory.forecast, r3.trajectory.forecast)
    d = r1.to_dict()
    assert {"model", "seed", "version", "input_sha256", "forecast", "interval", "options"} <= set(d)
    lo, hi = d["interval"]["x"]
    assert lo < d["forecast"]["x"] < hi
    assert len(d["input_sha256"]) == 64
