"""Tests of the war-termination model: closed forms, NBS equivalence, domestic constraints,
reproducibility, input errors, and the flagship/contrast examples."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import detente.models.war  # noqa: F401  (registers the model and its parameter collector)
from detente.errors import ModelError
from detente.models.war.bargaining import (fearon_range, nash_split, outside_option_share,
                                           rubinstein_share, rubinstein_terms)
from detente.models.war.battlefield import ruin_probability
from detente.scenario.war import validate_war_block, war_problems
from detente.runner import run
from detente.scenario.model import Scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def scenario(war: dict, *, two_issues: bool = False) -> Scenario:
    stances = [{"actor": "R", "issue": "land", "position": 100, "salience": 0.8},
               {"actor": "U", "issue": "land", "position": 0, "salience": 1.0}]
    issues = [{"id": "land"}]
    if two_issues:
        issues.append({"id": "nato"})
        stances += [{"actor": "R", "issue": "nato", "position": 90, "salience": 1.0},
                    {"actor": "U", "issue": "nato", "position": 10, "salience": 0.4}]
    return Scenario.model_validate({"name": "t", "actors": [{"id": "R"}, {"id": "U"}], "issues": issues,
                                    "stances": stances, "war": war})


def war_block(pA=0.5, pB=0.5, cA=0.01, cB=0.01, p_battle=0.5, forts=10, start=5, **extra) -> dict:
    w = {"sides": {"A": {"actors": ["R"], "prior_win": pA, "cost": cA},
                   "B": {"actors": ["U"], "prior_win": pB, "cost": cB}},
         "battlefield": {"kind": "random_walk", "forts": forts, "start": start, "p_battle": p_battle}}
    w.update(extra)
    return w


# ------------------------------------------------------------------ closed forms


def spe_by_backward_induction(dA: float, dB: float, periods: int = 4000) -> float:
    """Proposer A's share in a finite alternating-offers game solved backwards (independent of the
    closed form): the last proposer takes everything; earlier proposers offer the responder its
    discounted continuation value."""
    share_of_next_proposer = 1.0
    proposer = "A" if periods % 2 == 1 else "B"
    for _ in range(periods - 1):
        nxt = proposer
        proposer = "B" if proposer == "A" else "A"
        d_resp = dA if nxt == "A" else dB  # the responder now is the next proposer
        share_of_next_proposer = 1.0 - d_resp * share_of_next_proposer
    assert proposer == "A"
    return share_of_next_proposer


@pytest.mark.parametrize("dA,dB", [(0.9, 0.9), (0.5, 0.8), (0.95, 0.6), (0.99, 0.9)])
def test_rubinstein_share_is_the_limit_of_backward_induction(dA, dB):
    closed = float(rubinstein_share(dA, dB))
    assert closed == pytest.approx((1 - dB) / (1 - dA * dB), abs=1e-15)
    assert closed == pytest.approx(spe_by_backward_induction(dA, dB), abs=1e-9)


def test_outside_option_principle():
    dA, dB = 0.9, 0.5
    sA = float(rubinstein_share(dA, dB))          # 0.909...
    r_B = 1 - sA                                  # responder B's SPE share 0.0909...
    # an option below the SPE share changes nothing
    assert float(outside_option_share(sA, 0.0, r_B * 0.99)) == pytest.approx(sA)
    # an option above it is paid exactly
    for w in (0.2, 0.4, 0.6):
        assert float(outside_option_share(sA, 0.0, w)) == pytest.approx(1 - w)
    assert float(rubinstein_terms(dA, dB, 0.0, 0.4, "A")) == pytest.approx(0.6)


def test_fearon_range_and_nash_split():
    lo, hi = fearon_range(0.6, 0.1, 0.05)
    assert (lo, hi) == pytest.approx((0.5, 0.65))
    # symmetric NBS with the war payoffs as disagreement point = midpoint of Fearon's range
    assert float(nash_split(0.6 - 0.1, 1 - 0.6 - 0.05)) == pytest.approx((lo + hi) / 2)


def test_ruin_probability_matches_simulation():
    rng = np.random.default_rng(5)
    n, k0, p = 8, 3, 0.57
    k = np.full(200_000, k0)
    alive = np.ones(k.size, bool)
    while alive.any():
        k = np.where(alive, k + np.where(rng.random(k.size) < p, 1, -1), k)
        alive &= (k > 0) & (k < n)
    assert (k == n).mean() == pytest.approx(float(ruin_probability(np.array(k0), n, np.array(p))), abs=0.004)


# ------------------------------------------------------------------ the model against the closed forms


def month0(war: dict, **opts):
    r = run(scenario(war), "war", draws=1, seed=3, options=opts or None)
    e = r.trajectory.extras
    return r, float(e["_share"][0]), float(e["_lo"][0, 0]), float(e["_hi"][0, 0])


def test_model_reproduces_fearon_range_at_month_0():
    # equal beliefs: A thinks it wins a battle w.p. 0.55, B thinks it wins w.p. 0.45
    war = war_block(pA=0.55, pB=0.45, cA=0.01, cB=0.02, p_battle=0.55, forts=10, start=5)
    war["sides"]["A"]["cost_horizon"] = 12
    war["sides"]["B"]["cost_horizon"] = 6
    r, x, lo, hi = month0(war)
    p = float(ruin_probability(np.array(5), 10, np.array(0.55)))
    assert (lo, hi) == pytest.approx(fearon_range(p, 0.12, 0.12))
    assert str(r.trajectory.stopped_by[0]) == "settlement" and int(r.trajectory.rounds[0]) == 0


def test_equal_beliefs_no_costs_is_the_nash_solution():
    """With common beliefs the model settles at once on the Nash bargaining solution with the war
    lottery as disagreement point (found here by brute force); as costs vanish the range shrinks to
    the point p and with no costs the model settles exactly at p under both bargaining rules."""
    p = float(ruin_probability(np.array(3), 6, np.array(0.6)))
    for c in (0.02, 0.002):
        war = war_block(pA=0.6, pB=0.4, cA=c / 12, cB=c / 12, p_battle=0.6, forts=6, start=3)
        _, x, lo, hi = month0(war, rule="nash")
        grid = np.linspace(p - c, p + c, 200_001)
        nash_product = (grid - (p - c)) * (1 - grid - (1 - p - c))
        assert x == pytest.approx(grid[np.argmax(nash_product)], abs=1e-6)
    for rule in ("nash", "rubinstein"):
        war = war_block(pA=0.6, pB=0.4, cA=0.0, cB=0.0, p_battle=0.6, forts=6, start=3)
        r, x, lo, hi = month0(war, rule=rule)
        assert x == pytest.approx(p, abs=1e-12) and lo == pytest.approx(hi, abs=1e-12)
        assert str(r.trajectory.stopped_by[0]) == "settlement" and int(r.trajectory.rounds[0]) == 0
        assert r.forecast["land"] == pytest.approx(100 * p)


def test_nash_terms_match_brute_force_maximiser_with_costs_and_weights():
    war = war_block(pA=0.55, pB=0.45, cA=0.02, cB=0.01, p_battle=0.55)
    war["sides"]["A"]["bargaining_power"] = 3.0
    r, x, lo, hi = month0(war, rule="nash")
    p = float(ruin_probability(np.array(5), 10, np.array(0.55)))
    dA, dB = p - 0.24, 1 - p - 0.12
    grid = np.linspace(max(dA, 0), min(1 - dB, 1), 400_001)
    prod = 3.0 * np.log(np.maximum(grid - dA, 1e-300)) + np.log(np.maximum(1 - grid - dB, 1e-300))
    assert x == pytest.approx(grid[np.argmax(prod)], abs=1e-5)


def test_nash_matches_baseline_nbs_in_the_symmetric_case():
    """Symmetric war (p = 1/2, equal costs) gives the same point as the baseline NBS of the two
    actors with the worst-point disagreement (both 50 on a 0-100 issue)."""
    war = war_block(pA=0.5, pB=0.5, cA=0.03, cB=0.03)
    s = scenario(war)
    w = run(s, "war", draws=1, seed=1).forecast["land"]
    b = run(s, "nbs", draws=1, options={"weights": "equal", "disagreement": "worst"}).forecast["land"]
    assert w == pytest.approx(b, abs=1e-6) and w == pytest.approx(50.0)


def test_rubinstein_in_the_model_with_and_without_binding_outside_options():
    # wide range (big costs, p = 1/2): the proposer's Rubinstein share
    war = war_block(cA=0.1, cB=0.1, bargaining={"rule": "rubinstein", "proposer": "A"})
    war["sides"]["A"]["discount"] = 0.9
    war["sides"]["B"]["discount"] = 0.5
    _, x, lo, hi = month0(war)
    assert x == pytest.approx((1 - 0.5) / (1 - 0.9 * 0.5))
    # B's war value 1 - 0.5 - 0.1 = 0.4 exceeds its SPE share 0.09: it gets exactly 0.4
    war["sides"]["B"]["cost"] = 0.1 / 12
    _, x, lo, hi = month0(war)
    assert 1 - x == pytest.approx(0.4)


def test_rubinstein_tends_to_the_nbs_as_periods_shrink():
    """Binmore, Rubinstein & Wolinsky (1986): as discount factors tend to 1 the alternating-offers
    outcome tends to the (symmetric) Nash solution; here with outside options as constraints
    (Binmore, Shaked & Sutton) that is clip(1/2, w_A, 1 - w_B)."""
    for start, expect in ((5, 0.5), (8, None)):
        war = war_block(cA=0.005, cB=0.005, start=start, bargaining={"rule": "rubinstein", "proposer": "A"})
        for s in "AB":
            war["sides"][s]["discount"] = 0.99999
        _, x, lo, hi = month0(war)
        target = float(np.clip(0.5, lo, hi)) if expect is None else expect
        assert x == pytest.approx(target, abs=1e-4)
        if expect is None:
            assert lo > 0.5  # the constraint binds in this case


# ------------------------------------------------------------------ domestic level


def test_ratifier_floor_ties_hands_and_can_block_a_deal():
    base = war_block(cA=0.02, cB=0.02)
    _, x0, lo0, hi0 = month0(base)
    assert x0 == pytest.approx(0.5) and lo0 < 0.5 < hi0
    tied = copy.deepcopy(base)
    tied["sides"]["A"]["ratifiers"] = [{"name": "legislature", "floor": 0.6}]
    _, x1, _, _ = month0(tied)
    assert x1 == pytest.approx(0.6)  # the binding win-set is what A gets
    blocked = copy.deepcopy(base)
    blocked["sides"]["A"]["ratifiers"] = [{"name": "legislature", "floor": hi0 + 0.05}]
    r, *_ = month0(blocked)
    assert str(r.trajectory.stopped_by[0]) != "settlement" or int(r.trajectory.rounds[0]) > 0


def test_a_margin_ratifier_values_the_war_with_its_sides_costs_unless_it_bears_none():
    """(D5) Putnam's reversion point is "continued war, with its expected cost": at month 0 a
    ratifier of B with margin m bounds x <= 1 - w_B - m = p_B + c_B H_B - m, so a margin of 0 adds
    nothing to B's own war value; with ``bears_costs: false`` the bound is p_B - m, B's costs out.
    (It was always the latter, so B's cost could not move the flagship, whose B has such a ratifier.)"""
    base = war_block(cA=0.01, cB=0.02)  # even odds: A's share of a war is 0.5 as each side sees it
    _, x0, lo0, hi0 = month0(base)
    h = 12  # cost_horizon's default, months
    assert hi0 == pytest.approx(0.5 + 0.02 * h) and lo0 == pytest.approx(0.5 - 0.01 * h)
    for margin, bears, want in ((0.0, True, hi0), (0.05, True, hi0 - 0.05), (0.05, False, hi0 - 0.02 * h - 0.05)):
        w = copy.deepcopy(base)
        w["sides"]["B"]["ratifiers"] = [{"name": "congress", "margin": margin, "bears_costs": bears}]
        _, x, lo, hi = month0(w)
        assert hi == pytest.approx(want) and lo == pytest.approx(lo0), (margin, bears)
    flag = _example("ukraine-settlement.yaml").model_dump(mode="json", exclude_none=True)
    assert flag["war"]["sides"]["B"]["ratifiers"][0]["bears_costs"] is False  # the flagship's reading

    def p_deal(cost, bears):  # type: ignore[no-untyped-def]
        d = copy.deepcopy(flag)
        d["war"]["sides"]["B"]["cost"] = cost
        d["war"]["sides"]["B"]["ratifiers"][0]["bears_costs"] = bears
        return run(Scenario.model_validate(d), "war", draws=400, seed=1).trajectory.extras["settlement_probability"]

    assert p_deal(0.006, False) == p_deal(0.03, False)  # a ratifier blind to the costs: B's cost inert
    assert p_deal(0.006, True) < p_deal(0.03, True)  # one that bears them: costlier war, likelier deal


def test_issue_limits_of_a_ratifier_bound_the_terms():
    war = war_block(cA=0.02, cB=0.02)
    war["sides"]["A"]["bargaining_power"] = 3.0   # unconstrained: x = 0.26 + 0.75 x 0.48 = 0.62
    _, x0, _, _ = month0(war)
    assert x0 == pytest.approx(0.62)
    war["sides"]["B"]["ratifiers"] = [{"name": "congress", "limits": {"land": 55}}]
    r, x, lo, hi = month0(war)
    assert hi == pytest.approx(0.55) and x == pytest.approx(0.55) and r.forecast["land"] == pytest.approx(55)


def test_audience_cost_closed_form():
    """One commitment, linear map: A's effective floor is (w_A + a tau) / (1 + a) (domestic D4)."""
    war = war_block(cA=0.02, cB=0.02)
    war["sides"]["A"]["commitments"] = [{"issue": "land", "demand": 90, "audience_cost": 2.0}]
    _, x, lo, hi = month0(war)
    wA = 0.5 - 0.24
    assert lo == pytest.approx((wA + 2.0 * 0.9) / 3.0, abs=1e-9)


# ------------------------------------------------------------------ dynamics, outputs, reproducibility


def optimistic(**kw) -> dict:
    w = war_block(pA={"low": 0.6, "high": 0.7}, pB={"low": 0.5, "high": 0.6}, cA=0.004, cB=0.006,
                  p_battle={"low": 0.45, "high": 0.6}, forts=16, start=8, **kw)
    return w


def test_outputs_shapes_and_summaries():
    r = run(scenario(optimistic(), two_issues=True), "war", draws=500, seed=11)
    t, e = r.trajectory, r.trajectory.extras
    T = 60
    assert t.forecast.shape == (500, 2) and t.rounds.shape == (500,)
    assert t.series["p"].shape == (500, T + 1, 2) and set(t.series) >= {"p", "belief_A", "belief_B"}
    by = e["settlement_by_month"]
    assert by.shape == (T + 1,) and np.all(np.diff(by) >= 0) and 0 < by[-1] <= 1
    assert by[-1] == pytest.approx(e["settlement_probability"])
    assert sum(e["outcome_probability"].values()) == pytest.approx(1.0)
    assert set(e["collapse_probability"]) == {"A", "B"}
    assert set(e["terms"]) == {"land", "nato"} and e["time_to_settlement"]["p50"] is not None
    assert set(np.unique(t.stopped_by)) <= {"settlement", "victory_A", "victory_B", "collapse_A",
                                            "collapse_B", "horizon"}
    d = r.to_dict()
    assert "settlement_by_month" in d["extras"] and "_share" not in d["extras"]


def test_optimism_gap_closes_with_battles():
    war = optimistic()
    war["sides"]["A"]["ratifiers"] = [{"floor": 1.0}]  # no deal: watch beliefs converge
    war["sides"]["B"]["ratifiers"] = [{"floor": 1.0}]
    r = run(scenario(war), "war", draws=2000, seed=2)
    e = r.trajectory.extras
    gap = e["belief_A_mean"] - e["belief_B_mean"]
    assert gap[0] > 0.2 and gap[30] < gap[0] / 2


def test_same_seed_same_result_bit_for_bit():
    s = scenario(optimistic(), two_issues=True)
    a, b = run(s, "war", draws=300, seed=9), run(s, "war", draws=300, seed=9)
    assert np.array_equal(a.trajectory.forecast, b.trajectory.forecast)
    assert np.array_equal(a.trajectory.rounds, b.trajectory.rounds)
    assert np.array_equal(a.trajectory.series["belief_A"], b.trajectory.series["belief_A"])
    c = run(s, "war", draws=300, seed=10)
    assert not np.array_equal(a.trajectory.forecast, c.trajectory.forecast)


def test_aid_shock_helps_the_side_it_goes_to():
    base = optimistic()
    aid = optimistic(shocks=[{"month": 6, "side": "B", "what": "p_battle", "delta": 0.1, "note": "aid"}])
    x0 = run(scenario(base), "war", draws=2000, seed=4).trajectory.extras["share_mean"]
    x1 = run(scenario(aid), "war", draws=2000, seed=4).trajectory.extras["share_mean"]
    assert x1 < x0 - 0.02


def _outcomes(war, seed=3, draws=1500):
    return run(scenario(war), "war", draws=draws, seed=seed).trajectory.extras


def test_every_kind_of_shock_moves_the_outcome_its_way():
    nodeal = {"ratifiers": [{"floor": 1.0}]}  # on both sides: no deal is ever ratified
    w = optimistic()
    w["sides"]["A"].update(nodeal)
    w["sides"]["B"].update(nodeal)
    base = _outcomes(w)["outcome_probability"]
    w2 = copy.deepcopy(w)
    w2["shocks"] = [{"month": 0, "side": "A", "what": "p_battle", "value": 0.8}]
    assert _outcomes(w2)["outcome_probability"]["victory_A"] > base["victory_A"] + 0.2
    w3 = copy.deepcopy(w)
    w3["shocks"] = [{"month": 2, "side": "A", "what": "collapse_hazard", "value": 0.2}]
    assert _outcomes(w3)["collapse_probability"]["A"] > 0.5
    # costs: a cost shock never delays settlement (it widens the range from its month on)
    w4, w5 = optimistic(), optimistic(shocks=[{"month": 3, "side": "B", "what": "cost", "delta": 0.02}])
    a, b = _outcomes(w4)["settlement_by_month"], _outcomes(w5)["settlement_by_month"]
    assert np.all(b >= a) and b[3] > a[3] + 0.05 and np.array_equal(a[:3], b[:3])
    # discount: a less patient B gets less under Rubinstein (A proposes)
    w6 = war_block(cA=0.1, cB=0.1, bargaining={"rule": "rubinstein", "proposer": "A"})
    w7 = copy.deepcopy(w6)
    w7["shocks"] = [{"month": 0, "side": "B", "what": "discount", "value": 0.5}]
    assert month0(w7)[1] > month0(w6)[1] + 0.1
    # Lanchester: forces, reinforcements and effectiveness of B all help B
    lan = optimistic()
    lan["sides"]["A"].update(nodeal)
    lan["sides"]["B"].update(nodeal)
    lan["battlefield"] = {"kind": "lanchester", "forts": 16, "start": 8, "force_A": 1.0, "force_B": 1.0}
    b0 = _outcomes(lan)["outcome_probability"]["victory_B"]
    for what, val in (("force", 0.5), ("reinforcement", 0.02), ("effectiveness", 0.02)):
        l2 = copy.deepcopy(lan)
        l2["shocks"] = [{"month": 1, "side": "B", "what": what, "delta": val}]
        assert _outcomes(l2)["outcome_probability"]["victory_B"] > b0 + 0.05, what


def test_collapse_hazard_and_lanchester_battlefield():
    war = optimistic()
    war["sides"]["B"]["collapse_hazard"] = 0.05
    war["sides"]["A"]["ratifiers"] = [{"floor": 1.0}]
    war["sides"]["B"]["ratifiers"] = [{"floor": 1.0}]
    e = run(scenario(war), "war", draws=2000, seed=1).trajectory.extras
    assert e["collapse_probability"]["B"] > 0.3 and e["collapse_probability"]["A"] == 0
    lan = optimistic()
    lan["battlefield"] = {"kind": "lanchester", "forts": 16, "start": 8, "force_A": 1.5, "force_B": 1.0,
                          "effectiveness_A": 0.02, "effectiveness_B": 0.02}
    lan["sides"]["A"]["ratifiers"] = [{"floor": 1.0}]
    e = run(scenario(lan), "war", draws=2000, seed=1).trajectory.extras
    assert e["outcome_probability"]["victory_A"] > 3 * e["outcome_probability"]["victory_B"]


def test_salience_mapping_logrolls():
    war = war_block(cA=0.02, cB=0.02, terms={"mapping": "salience"})
    r = run(scenario(war, two_issues=True), "war", draws=1, seed=1)
    # A (R) cares more about nato relative to B: it gets nato first, B keeps more of land
    f = r.forecast
    assert (f["nato"] - 10) / 80 > f["land"] / 100


# ------------------------------------------------------------------ inputs


def test_war_block_errors_are_located():
    bad = war_block()
    bad["sides"]["A"]["prior_win"] = 1.3
    bad["sides"]["B"]["actors"] = ["X"]
    probs = war_problems(bad, ["R", "U"], ["land"])
    assert any(p.startswith("war.sides.A.prior_win: ") and "1.3" in p for p in probs)
    start = war_block(start=12)
    assert war_problems(start, ["R", "U"], ["land"]) == ["war.battlefield.start: must lie in [1, 9] (got 12)"]
    bad["sides"]["A"]["prior_win"] = 0.5
    assert war_problems(bad, ["R", "U"], ["land"]) == ["war.sides.B.actors[0]: unknown actor id (got 'X')"]
    typo = war_block(shocks=[{"month": 3, "side": "B", "wat": "cost", "delta": 0.1}])
    assert any("war.shocks[0].wat: unknown field" in p for p in war_problems(typo, ["R", "U"], ["land"]))
    with pytest.raises(Exception):
        validate_war_block({"sides": {"A": {"actors": ["R"]}}})


def test_bad_war_block_in_a_run_is_an_input_error():
    from detente.errors import InputError

    war = war_block()
    war["sides"]["B"]["actors"] = ["nobody"]
    s = scenario(war_block())
    s.war = war
    with pytest.raises(InputError, match=r"war.sides.B.actors\[0\]: unknown actor id"):
        run(s, "war")
    assert run(s, "mean").forecast  # other models are not disturbed by a bad war block


def test_plot_settlement_draws_the_curve():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detente.report.settlement import plot_settlement

    e = run(scenario(optimistic()), "war", draws=300, seed=1).trajectory.extras
    fig, ax = plt.subplots()
    plot_settlement(e, ax, label="toy")
    y = ax.lines[0].get_ydata()
    assert np.allclose(y, e["settlement_by_month"]) and ax.get_ylabel().startswith("P(settled")
    plt.close(fig)


def test_model_needs_a_war_block():
    s = Scenario.model_validate({"name": "t", "actors": [{"id": "R"}], "issues": [{"id": "x"}],
                                 "stances": [{"actor": "R", "issue": "x", "position": 1}]})
    with pytest.raises(ModelError, match="war: block"):
        run(s, "war")


def test_uncertain_war_inputs_are_sampled_per_draw():
    r = run(scenario(optimistic()), "war", draws=200, seed=1)
    from detente.scenario.arrays import ScenarioArrays
    arr = ScenarioArrays.from_scenario(scenario(optimistic()), draws=200, rng=np.random.default_rng(1))
    v = arr.params["war.sides.A.prior_win"]
    assert v.shape == (200,) and 0.6 <= v.min() < v.max() <= 0.7
    assert r.draws == 200


# ------------------------------------------------------------------ flagship examples


def _example(name: str) -> Scenario:
    from detente.scenario.io import load

    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} does not exist yet")
    s = load(path)
    if s.war is None:
        pytest.skip(f"{path} has no war: block yet")
    return s


def test_flagship_and_contrast_differ_in_timing_and_terms():
    flag, con = _example("ukraine-settlement.yaml"), _example("ukraine-settlement-contrast.yaml")
    rf = run(flag, "war", draws=10_000, seed=1)
    rc = run(con, "war", draws=10_000, seed=1)
    ef, ec = rf.trajectory.extras, rc.trajectory.extras
    assert rf.elapsed_s < 10 and rc.elapsed_s < 10
    # visibly different settlement timing: the curves differ by >= 0.15 somewhere
    assert np.max(np.abs(ef["settlement_by_month"] - ec["settlement_by_month"])) >= 0.15
    # the flagship's stronger Russia settles less often within the horizon
    assert ef["settlement_probability"] < ec["settlement_probability"] - 0.15
    # and terms: Russia's share given a deal differs by >= 0.1, and so do the median terms on at
    # least one issue by >= 10 points on its 0-100 scale
    assert ef["share_given_deal"]["mean"] > ec["share_given_deal"]["mean"] + 0.1
    diff = max(abs(ef["terms"][i]["p50"] - ec["terms"][i]["p50"]) for i in ef["terms"])
    assert diff >= 10


def test_bad_war_block_in_a_file_names_line_field_and_value(tmp_path):
    from detente.errors import InputError
    from detente.scenario.io import load

    text = (EXAMPLES / "ukraine-settlement.yaml").read_text(encoding="utf-8")
    old = "prior_win: {low: 0.55, high: 0.65}"
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, "prior_win: 1.3", 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(InputError) as e:
        load(bad)
    assert f"bad.yaml:{line}: war.sides.A.prior_win: must lie in (0, 1) (got 1.3)" in str(e.value)


def test_draws_default_to_1000_for_the_war_model_and_1_for_the_others():
    from detente.runner import NOISY_DRAWS, default_draws
    from detente.scenario.io import load

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    assert [r.draws for r in run(s, ["mean", "war"])] == [1, NOISY_DRAWS]
    assert default_draws(s, "synthesis") == NOISY_DRAWS  # led by the war model on a war: scenario
    assert default_draws(load(EXAMPLES / "eu-emission-standards.yaml"), "synthesis") == 1
    one, default = run(s, "war", draws=1), run(s, "war")
    assert one.draws == 1 and default.draws == NOISY_DRAWS
    p = default.trajectory.extras["outcome_probability"]
    assert 0 < p["settlement"] < 1  # a share of many paths, not one path's 0 or 1


def test_demands_and_ratification_limits_off_their_issue_scale_are_errors(tmp_path):
    """A commitment's demand of 500 on a 0-100 issue, a ratifier's limit of 80..120, a margin of 7
    passed validation and ran."""
    from detente.errors import InputError
    from detente.scenario.io import load

    text = (EXAMPLES / "ukraine-settlement.yaml").read_text(encoding="utf-8")
    old_demand, old_margin = "demand: {mode: 90, low: 80, high: 100}", "margin: {low: 0.0, high: 0.1}"
    assert old_demand in text and old_margin in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old_demand, "demand: 500", 1)
                   .replace(old_margin, "margin: 7\n          limits: {sanctions: {low: 80, high: 120}}", 1),
                   encoding="utf-8")
    with pytest.raises(InputError) as e:
        load(bad)
    shown = str(e.value)
    line = text[: text.index(old_demand)].count("\n") + 1
    assert f"bad.yaml:{line}: war.sides.A.commitments[0].demand: 500 is off the scale of issue 'alliance' [0, 100]" in shown
    assert "war.sides.B.ratifiers[0].margin: must lie in [-1, 1] (got 7)" in shown
    assert "war.sides.B.ratifiers[0].limits.sanctions: 80..120 is off the scale of issue 'sanctions' [0, 100]" in shown


def test_war_numbers_without_evidence_are_named_in_the_warning():
    from detente.scenario.model import count_unsupported, scenario_warnings, unsupported_numbers

    s = scenario(war_block())
    found = [p for p in unsupported_numbers(s) if p.startswith("war.")]
    assert found == ["war.sides.A.prior_win (side A)", "war.sides.A.cost (side A)",
                     "war.sides.B.prior_win (side B)", "war.sides.B.cost (side B)",
                     "war.battlefield.start (the battlefield)",
                     "war.battlefield.p_battle (the battlefield)"]
    assert count_unsupported(s) == len(list(unsupported_numbers(s)))
    with_evidence = war_block()
    with_evidence["battlefield"]["evidence"] = [{"quote": "the front holds"}]
    s = scenario(with_evidence)
    assert not [p for p in unsupported_numbers(s) if p.startswith("war.battlefield")]
    flagship = __import__("detente").load(EXAMPLES / "ukraine-settlement.yaml")
    assert not [w for w in scenario_warnings(flagship) if "evidence" in w]


def test_a_demand_on_an_issue_the_settlement_does_not_cover_is_an_error():
    """A commitment (or a ratifier's limit) on an issue left out of terms.issues still bounded A's
    share, while the issue's forecast stayed at its status quo."""
    block = war_block(terms={"issues": ["land"]})
    block["sides"]["A"]["commitments"] = [{"issue": "nato", "demand": 80}]
    block["sides"]["B"]["ratifiers"] = [{"limits": {"nato": 30}}]
    probs = war_problems(block, ["R", "U"], ["land", "nato"], {"land": (0, 100), "nato": (0, 100)})
    assert [p.split(": ")[0] for p in probs] == ["war.sides.A.commitments[0].issue", "war.sides.B.ratifiers[0].limits.nato"]
    assert all("not in war.terms.issues" in p for p in probs)
    covered = war_block(terms={"issues": ["land", "nato"]})
    covered["sides"]["A"]["commitments"] = [{"issue": "nato", "demand": 80}]
    assert war_problems(covered, ["R", "U"], ["land", "nato"], {"land": (0, 100), "nato": (0, 100)}) == []


def test_a_malformed_war_block_is_reported_in_words_never_as_a_crash():
    """The raw-block checks run also where the schema failed: an unhashable issue, a list where a
    mapping goes, sides as a list (which should say the keys are A and B)."""
    probs = war_problems({"sides": [{"name": "Russia", "actors": ["R"]}]}, ["R"], ["x"])
    assert probs == ["war.sides: expected the two sides by their keys A and B: {A: {name: ..., actors: [...]}, "
                     "B: {...}}"]
    odd = {"sides": {"A": {"actors": "R", "ratifiers": [{"limits": [1]}],
                           "commitments": [{"issue": "x", "demand": [1]}, {"demand": 3}, "x"]}, "B": None},
           "terms": {"issues": [{"a": 1}, "x"]}}
    probs = war_problems(odd, ["R"], ["x"], {"x": (0, 100)})
    assert probs and all(p.startswith("war.") for p in probs) and len(probs) == len(set(probs))


def test_yes_where_a_whole_number_goes_is_refused_not_read_as_1():
    """`months: yes` ran a war of 1 month (pydantic reads true as 1), as did `-o war.months=yes`."""
    from detente.errors import ModelError

    bad = war_block(months=True)
    assert war_problems(bad, ["R", "U"], ["land"]) == [
        "war.months: must be a whole number; YAML reads an unquoted yes, no, on, off, true or false as true/false, "
        "not as a number"]
    with pytest.raises(ModelError, match=r"months: must be a whole number; YAML reads .* \(got true\)"):
        run(scenario(war_block()), "war", draws=5, options={"months": True})
    with pytest.raises(ModelError, match=r"rounds: must be a whole number"):
        run(scenario(war_block()), "bdm", options={"rounds": True})
