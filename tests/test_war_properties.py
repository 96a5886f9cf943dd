"""Property tests of the war model (hypothesis), with common random numbers: both settings of a
parameter run on the same seed, so input draws and battle/collapse random numbers are shared.

* better battlefield prospects for a side never worsen its expected terms;
* higher costs of fighting never delay settlement (P(settled by month t) never falls, for every t);
* a narrower win-set never lowers that side's expected share given a deal, and never lowers the
  chance of no deal.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import detente.models.war  # noqa: F401
from detente.runner import run
from detente.scenario.model import Scenario

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
DRAWS = 600


def make(pA, pB, cA, cB, p_battle, forts, start, rule, floor_A=None, floor_B=None, hazard=0.0,
         commitments=False, mapping="linear") -> Scenario:
    sides = {
        "A": {"actors": ["R"], "prior_win": {"low": pA - 0.05, "high": pA + 0.05}, "cost": cA,
              "cost_horizon": {"low": 6, "high": 18}, "discount": {"low": 0.8, "high": 0.98},
              "collapse_hazard": hazard},
        "B": {"actors": ["U", "W"], "prior_win": {"low": pB - 0.05, "high": pB + 0.05}, "cost": cB,
              "cost_horizon": {"low": 6, "high": 18}, "discount": {"low": 0.8, "high": 0.98},
              "collapse_hazard": hazard},
    }
    if floor_A is not None:
        sides["A"]["ratifiers"] = [{"name": "duma", "floor": {"low": floor_A - 0.05, "high": floor_A + 0.05}}]
    if floor_B is not None:
        sides["B"]["ratifiers"] = [{"name": "congress", "floor": {"low": floor_B - 0.05, "high": floor_B + 0.05}}]
    if commitments:
        sides["A"]["commitments"] = [{"issue": "nato", "demand": 85, "audience_cost": {"low": 0.5, "high": 2}}]
    war = {"months": 36, "sides": sides, "bargaining": {"rule": rule}, "terms": {"mapping": mapping},
           "battlefield": {"forts": forts, "start": start, "p_battle": p_battle}}
    return Scenario.model_validate({
        "name": "prop", "actors": [{"id": "R", "capability": 2}, {"id": "U"}, {"id": "W"}],
        "issues": [{"id": "land"}, {"id": "nato"}],
        "stances": [
            {"actor": "R", "issue": "land", "position": {"low": 70, "high": 90}, "salience": 0.7},
            {"actor": "U", "issue": "land", "position": 5, "salience": 1.0},
            {"actor": "W", "issue": "land", "position": 20, "salience": 0.4},
            {"actor": "R", "issue": "nato", "position": 95, "salience": 0.9},
            {"actor": "U", "issue": "nato", "position": 10, "salience": 0.6},
            {"actor": "W", "issue": "nato", "position": {"low": 0, "high": 30}, "salience": 0.8}],
        "war": war})


base = st.fixed_dictionaries({
    "pA": st.floats(0.45, 0.75), "pB": st.floats(0.35, 0.65),
    "cA": st.floats(0.0, 0.02), "cB": st.floats(0.0, 0.02),
    "p_battle": st.floats(0.35, 0.65), "forts": st.integers(4, 16),
    "rule": st.sampled_from(["nash", "rubinstein"]),
    "hazard": st.sampled_from([0.0, 0.01]),
    "commitments": st.booleans(),
    "mapping": st.sampled_from(["linear", "salience"]),
})


def outcome(s: Scenario, seed: int = 7):
    e = run(s, "war", draws=DRAWS, seed=seed).trajectory.extras
    return e


@SETTINGS
@given(b=base, delta=st.floats(0.04, 0.2), side=st.sampled_from(["A", "B"]))
def test_better_battlefield_prospects_never_worsen_expected_terms(b, delta, side):
    start = b["forts"] // 2
    sgn = 1 if side == "A" else -1
    hi_p = float(np.clip(b["p_battle"] + sgn * delta, 0.0, 1.0))
    lo = outcome(make(**b, start=start))
    hi = outcome(make(**{**b, "p_battle": hi_p}, start=start))
    x_lo, x_hi = lo["share_mean"], hi["share_mean"]
    if side == "A":
        assert x_hi >= x_lo - 1e-12
    else:
        assert 1 - x_hi >= 1 - x_lo - 1e-12


@SETTINGS
@given(b=base, factor=st.floats(1.2, 4.0), extra=st.floats(0.001, 0.02), side=st.sampled_from(["A", "B"]),
       floors=st.booleans())
def test_higher_costs_never_delay_settlement(b, factor, extra, side, floors):
    start = b["forts"] // 2
    fl = {"floor_A": 0.5, "floor_B": 0.4} if floors else {}
    key = "cA" if side == "A" else "cB"
    lo = outcome(make(**b, start=start, **fl))
    hi = outcome(make(**{**b, key: b[key] * factor + extra}, start=start, **fl))
    assert np.all(hi["settlement_by_month"] >= lo["settlement_by_month"] - 1e-12)


@SETTINGS
@given(b=base, floor=st.floats(0.1, 0.6), delta=st.floats(0.02, 0.3), side=st.sampled_from(["A", "B"]))
def test_narrower_win_set_never_lowers_share_given_deal_nor_chance_of_no_deal(b, floor, delta, side):
    start = b["forts"] // 2
    key = "floor_A" if side == "A" else "floor_B"
    wide = outcome(make(**b, start=start, **{key: floor}))
    narrow = outcome(make(**b, start=start, **{key: floor + delta}))
    assert 1 - narrow["settlement_probability"] >= 1 - wide["settlement_probability"] - 1e-12
    if narrow["share_given_deal"] is None or wide["share_given_deal"] is None:
        return
    xn, xw = narrow["share_given_deal"]["mean"], wide["share_given_deal"]["mean"]
    if side == "A":
        assert xn >= xw - 1e-12
    else:
        assert 1 - xn >= 1 - xw - 1e-12


def _penalty_issue_by_issue(x, pledges, imap, side):
    """(D3) as it reads: every issue's share, then the pledges one by one."""
    t = imap.shares(x)
    pen = np.zeros(np.shape(x))
    for i, tau, cost in pledges:
        short = (tau - t[:, i]) if side == "A" else (t[:, i] - tau)
        pen = pen + np.where(np.isnan(tau), 0.0, cost * np.maximum(short, 0.0))
    return pen


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), mapping=st.sampled_from(["linear", "salience"]),
       side=st.sampled_from(["A", "B"]), n_pledges=st.integers(0, 4))
def test_stacked_audience_costs_are_the_issue_by_issue_numbers(seed, mapping, side, n_pledges) -> None:
    """The bisection's stacked pledges (and the shares of a few issues) give the same bits as the
    issue-by-issue formula, with absent constraints (NaN tau) and issues of zero salience."""
    from detente.models.war.domestic import audience_penalty
    from detente.models.war.terms import IssueMap

    rng = np.random.default_rng(seed)
    D, I = 50, 4
    alpha = rng.uniform(0, 1, (D, I)) * (rng.uniform(size=(D, I)) > 0.2)
    imap = IssueMap(a=rng.uniform(50, 100, (D, I)), b=rng.uniform(0, 50, (D, I)), alpha=alpha,
                    beta=rng.uniform(0, 1, (D, I)), mapping=mapping)
    issues = [int(i) for i in rng.integers(0, I, n_pledges)]
    pledges = []
    for i in issues:
        tau = imap.tau(rng.uniform(0, 100, D), i)
        tau[rng.uniform(size=D) < 0.2] = np.nan
        pledges.append((i, tau, rng.uniform(0, 2, D)))
    x = np.concatenate([rng.uniform(0, 1, D - 2), [0.0, 1.0]])
    assert np.array_equal(imap.shares(x, issues), imap.shares(x)[:, issues])
    assert np.array_equal(audience_penalty(x, pledges, imap, side), _penalty_issue_by_issue(x, pledges, imap, side))
