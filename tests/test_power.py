"""Voting-power capabilities: power indices against published values and brute force; the procedure games."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from detente.models.power import (COUNCIL, council_period, power_capability, power_index, procedure_power,
                                    weighted_representation)
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Scenario

DEU = Path(__file__).resolve().parents[1] / "../shared/peers/deu-data/deu3_blksv.tsv"


def brute_shapley_shubik(weights: list[int], quota: int) -> list[float]:
    """Share of the n! orderings in which each player is pivotal (Shapley & Shubik 1954)."""
    n = len(weights)
    piv = [0] * n
    for order in itertools.permutations(range(n)):
        s = 0
        for i in order:
            s += weights[i]
            if s >= quota:
                piv[i] += 1
                break
    return [p / math.factorial(n) for p in piv]


def brute_banzhaf(weights: list[int], quota: int) -> list[float]:
    """Normalised Banzhaf: swings of each player over all coalitions, divided by the total swings."""
    n = len(weights)
    swings = [0] * n
    for mask in range(1 << n):
        w = sum(weights[i] for i in range(n) if mask >> i & 1)
        if w < quota:
            continue
        for i in range(n):
            if mask >> i & 1 and w - weights[i] < quota:
                swings[i] += 1
    tot = sum(swings)
    return [s / tot for s in swings]


def test_eec6_published_values():
    # EEC Council 1958-72: France, Germany, Italy 4 votes, Belgium, Netherlands 2, Luxembourg 1, QMV 12 of 17
    # (CVCE, "The EEC institutions"); Luxembourg is a null player (Games 9(2):29, 2018).
    ss = power_index([4, 4, 4, 2, 2, 1], 12)
    expected = [Fraction(7, 30)] * 3 + [Fraction(3, 20)] * 2 + [Fraction(0)]
    assert ss == pytest.approx([float(x) for x in expected], abs=1e-12)
    assert ss == pytest.approx(brute_shapley_shubik([4, 4, 4, 2, 2, 1], 12), abs=1e-12)
    bz = power_index([4, 4, 4, 2, 2, 1], 12, "banzhaf")
    assert bz[-1] == 0 and bz == pytest.approx(brute_banzhaf([4, 4, 4, 2, 2, 1], 12), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_power_index_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 8))
    w = [int(x) for x in rng.integers(0, 12, n)]
    q = int(rng.integers(max(1, sum(w) // 2), sum(w) + 1)) if sum(w) else 1
    if sum(w) == 0:
        w[0] = 1
    assert power_index(w, q) == pytest.approx(brute_shapley_shubik(w, q), abs=1e-12)
    if any(brute_banzhaf(w, q)):
        assert power_index(w, q, "banzhaf") == pytest.approx(brute_banzhaf(w, q), abs=1e-12)


@pytest.mark.parametrize("procedure,rule", [("CNS", "QMV"), ("CNS", "Unan"), ("COD", "QMV"), ("COD", "Unan")])
def test_weighted_representation_is_the_procedure_rule(procedure, rule):
    # on the EEC-6 Council, every coalition wins in the weighted game iff it wins under P1-P4 in words
    council, q = {"fr": 4, "de": 4, "it": 4, "be": 2, "nl": 2, "lu": 1}, 12
    players, weights, quota = weighted_representation(council, q, procedure, rule)
    for mask in range(1 << len(players)):
        S = {p for k, p in enumerate(players) if mask >> k & 1}
        weighted = sum(w for p, w in zip(players, weights) if p in S) >= quota
        votes = sum(council[c] for c in S if c in council)
        unanimous = set(council) <= S
        qmv = "com" in S and votes >= q if rule == "QMV" else False
        rule_wins = (qmv or unanimous) and ("ep" in S if procedure == "COD" else True)
        assert weighted == rule_wins, (S, weighted, rule_wins)


def test_procedure_power_properties():
    for period in COUNCIL:
        cu = procedure_power("CNS", "Unan", period)
        assert cu["com"] == 0 and cu["ep"] == 0
        n = len(COUNCIL[period][0])
        assert all(cu[m] == pytest.approx(1 / n) for m in COUNCIL[period][0])
        du = procedure_power("COD", "Unan", period)
        assert du["ep"] == pytest.approx(1 / (n + 1)) and du["com"] == 0
        dq = procedure_power("COD", "QMV", period)
        assert dq["ep"] > dq["de"] > dq["lu"] > 0 and sum(dq.values()) == pytest.approx(1)
        assert procedure_power("CNS", "QMV", period)["ep"] == 0
    assert procedure_power("CNS", "QMV(10)", "EU-27") == procedure_power("CNS", "QMV", "EU-27")


def test_council_period():
    assert council_period(["com", "ep", "de", "fr", "lu"]) == "EU-15"
    assert council_period(["de", "pl"]) == "EU-25"
    assert council_period(["de", "ro"]) == "EU-27"
    assert council_period(["cr", "de"]) == "EU-28"
    with pytest.raises(ValueError, match="not EU member states"):
        council_period(["xx"])


def test_power_capability_in_a_native_scenario():
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": a, "capability": 5} for a in ("A", "B", "C")],
        "issues": [{"id": "x", "voting": {"weights": {"A": 4, "B": 2, "C": 1}, "quota": 5}}, {"id": "y"}],
        "stances": [{"actor": a, "issue": i, "position": p} for i in ("x", "y") for a, p in zip("ABC", (0, 50, 100))]})
    arr = ScenarioArrays.from_scenario(s)
    cap = power_capability(arr)
    assert cap[0, 0].tolist() == pytest.approx(brute_shapley_shubik([4, 2, 1], 5))
    assert cap[0, 1].tolist() == [5.0, 5.0, 5.0]  # no voting rule: the scenario's capabilities


def test_voting_rule_validation_and_hash_unchanged():
    from detente.scenario.arrays import scenario_hash

    base = {"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
            "stances": [{"actor": "A", "issue": "x", "position": 1}]}
    s = Scenario.model_validate(base)
    assert "voting" not in s.model_dump()["issues"][0]  # issues without a rule hash as before
    assert scenario_hash(s) == scenario_hash(Scenario.model_validate(s.model_dump()))
    bad = {**base, "issues": [{"id": "x", "voting": {"procedure": "COD"}}]}
    with pytest.raises(Exception, match="needs both procedure"):
        Scenario.model_validate(bad)


@pytest.mark.skipif(not DEU.exists(), reason="DEU III peer data not present")
def test_deu_power_capabilities_backtest():
    from detente.backtest.deu import backtest

    ss, = backtest(DEU, ["mean"], capabilities="power", out_of_sample=False)
    bz, = backtest(DEU, ["mean"], capabilities="power", power_index="banzhaf", out_of_sample=False)
    assert ss.n_issues == bz.n_issues == 351
    assert round(ss.mae, 2) == 23.85 and round(bz.mae, 2) == 23.07
