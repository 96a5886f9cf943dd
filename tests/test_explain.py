"""Explanations (issue #11): winners and losers, pivotal actors (leave-one-out), per-round reasons."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from detente.cli import main
from detente.explain import attach
from detente.explain.common import run_inputs
from detente.explain.events import bdm_events
from detente.explain.pivotal import leave_one_out, median_actor
from detente.explain.utilities import winners_losers
from detente.runner import run
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import load
from detente.scenario.model import Scenario

from conftest import EXAMPLES

FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"


def _drop(arr: ScenarioArrays, a: int) -> ScenarioArrays:
    """The same draws with actor ``a`` deleted from every array (a separate run without it)."""
    keep = [n for n in range(arr.n_actors) if n != a]
    return replace(arr, actor_ids=tuple(arr.actor_ids[n] for n in keep), position=arr.position[..., keep],
                   salience=arr.salience[..., keep], capability=arr.capability[..., keep],
                   present=arr.present[:, keep])


@pytest.mark.parametrize("model", ["bdm", "mean", "median", "nbs", "smp", "exchange"])
def test_leave_one_out_equals_separate_runs_without_the_actor(model: str) -> None:
    s = load(FLAGSHIP)
    spec, opts, arr, seq = run_inputs(s, model, draws=40 if model not in ("smp", "exchange") else 6, seed=3)
    loo = leave_one_out(spec, arr, opts, seq)  # ONE batched call
    assert loo.shape == (arr.n_actors + 1, arr.draws, arr.n_issues)
    np.testing.assert_array_equal(loo[0], spec.run(arr, opts, np.random.default_rng(seq)).forecast)
    for a in range(arr.n_actors):
        alone = spec.run(_drop(arr, a), opts, np.random.default_rng(seq)).forecast
        if model in ("bdm", "smp"):  # the presence mask: the very same arithmetic as a run without the actor
            np.testing.assert_array_equal(loo[a + 1], alone)
        else:
            np.testing.assert_allclose(loo[a + 1], alone, rtol=1e-12, atol=1e-9)
    assert not np.array_equal(loo[1], loo[0])  # removing Russia moves something


def test_bdm_leave_one_out_reuses_the_runs_forecast_exactly() -> None:
    """With the run's own forecast as the everyone case (what attach passes), the result is the
    same array as with one more masked run."""
    s = load(FLAGSHIP)
    spec, opts, arr, seq = run_inputs(s, "bdm", draws=30, seed=5)
    base = spec.run(arr, opts, np.random.default_rng(seq)).forecast
    np.testing.assert_array_equal(leave_one_out(spec, arr, opts, seq, base=base),
                                  leave_one_out(spec, arr, opts, seq))
    moved = leave_one_out(spec, arr, opts, seq, base=base + 1.0)  # index 0 really is base
    np.testing.assert_array_equal(moved[0], base + 1.0)


def test_winners_losers_by_hand_mean_model() -> None:
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 3}],
        "issues": [{"id": "x", "status_quo": 0}],
        "stances": [{"actor": "A", "issue": "x", "position": 0, "salience": 1},
                    {"actor": "B", "issue": "x", "position": 100, "salience": 0.5}]})
    r = attach(s, run(s, "mean"))
    F = 100 * 1.5 / 2.5  # weighted mean = 60
    rows = {row["actor"]: row for row in r.explain["utility"]["actors"]}
    assert rows["A"]["issues"]["x"]["at_forecast"] == pytest.approx(-(F / 100) ** 2)
    assert rows["A"]["issues"]["x"]["at_status_quo"] == pytest.approx(0.0)
    assert rows["B"]["issues"]["x"]["gain"] == pytest.approx(-(0.4**2) + 1.0)
    assert rows["B"]["gain"] == pytest.approx(0.5 * (1 - 0.16))  # salience-weighted total
    assert rows["A"]["verdict"] == "loses" and rows["B"]["verdict"] == "gains"
    assert [row["actor"] for row in r.explain["utility"]["actors"]] == ["B", "A"]
    piv = r.explain["pivotal"]["issues"]["x"]
    pull = {row["actor"]: row["pull"] for row in piv["actors"]}
    assert pull["B"] == pytest.approx(60.0) and pull["A"] == pytest.approx(60.0 - 100.0)


def test_median_actor_and_gaps() -> None:
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": a} for a in "ABC"], "issues": [{"id": "x"}],
        "stances": [{"actor": a, "issue": "x", "position": p} for a, p in (("A", 10), ("B", 40), ("C", 90))]})
    m = median_actor(ScenarioArrays.from_scenario(s), 0)
    assert m["actors"] == ["B"] and m["position"] == 40
    assert m["next_below"] == {"actor": "A", "position": 10.0, "gap": 30.0}
    assert m["next_above"]["actor"] == "C" and m["next_above"]["gap"] == 50.0


@pytest.mark.parametrize("variant", [None, "jmckib"])
@pytest.mark.parametrize("example", ["ukraine-settlement.yaml", "eu-emission-standards.yaml"])
def test_bdm_events_reproduce_the_kernel_positions(example: str, variant: str | None) -> None:
    s = load(EXAMPLES / example)
    r = run(s, "bdm", variant=variant)
    arr = ScenarioArrays.from_scenario(s)
    from detente.models import registry

    opts = registry.get("bdm").make_options(r.options)
    ev = bdm_events(arr, r.trajectory.positions[0], opts)
    assert ev["reproduces_model"] and ev["max_abs_error"] <= 1e-9
    moves = [m for rnd in ev["rounds"] for m in rnd["moves"]]
    assert moves and {m["type"] for m in moves} <= {"conflict", "compromise", "capitulation"}
    for m in moves:  # a conflict or capitulation moves the target onto the challenger's position
        if m["type"] != "compromise":
            k = s.issue_ids.index(m["issue"])
            t = next(rnd["round"] for rnd in ev["rounds"] if m in rnd["moves"])
            j = s.actor_ids.index(m["challenger"])
            assert m["to"] == pytest.approx(r.trajectory.positions[0, t - 1, k, j])
    # the check can fail: tamper with one recorded position
    bad = r.trajectory.positions[0].copy()
    bad[1, 0, 0] += 1.0
    assert not bdm_events(arr, bad, opts)["reproduces_model"]


@pytest.mark.parametrize("model", ["smp", "exchange"])
def test_smp_and_exchange_events(model: str) -> None:
    s = load(FLAGSHIP)
    r = attach(s, run(s, model))
    ev = r.events
    assert ev["model"] == model and ev["rounds"]
    moves = [m for rnd in ev["rounds"] for m in rnd["moves"]]
    assert moves and all(m["actor"] in s.actor_ids and m["issue"] in s.issue_ids for m in moves)
    if model == "smp":
        assert ev["reproduces_model"]
        assert all(m["type"] == "bargain" and m["partner"] in s.actor_ids for m in moves)
    else:
        assert all(m["gain"] > 0 and m["partner_gain"] > 0 for m in moves)


def test_run_json_carries_explain_and_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(FLAGSHIP), "--model", "bdm", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    d = d["results"][0] if "results" in d else d  # the CLI's top-level shape may change (issue #10)
    ex, ev = d["explain"], d["events"]
    actors = {row["actor"]: row for row in ex["utility"]["actors"]}
    assert set(actors) == set(load(FLAGSHIP).actor_ids)
    for row in actors.values():
        assert isinstance(row["at_forecast"], float) and isinstance(row["at_status_quo"], float)
        assert row["issues"] and all("at_forecast" in v and "at_status_quo" in v for v in row["issues"].values())
    piv = ex["pivotal"]
    for e in piv["issues"].values():
        assert e["actors"] and all({"weight_share", "forecast_without", "shift", "dependence"} <= set(a)
                                   for a in e["actors"])
    assert [row["rank"] for row in piv["ranking"]] == list(range(1, len(actors) + 1))
    assert ev["reproduces_model"] and len(ev["rounds"]) == 10
    assert any(rnd["moves"] for rnd in ev["rounds"])
    assert set(ev["positions"]) == set(load(FLAGSHIP).issue_ids)


def test_explain_is_reproducible() -> None:
    s = load(FLAGSHIP)
    a = attach(s, run(s, "bdm", draws=30, seed=5)).to_dict()
    b = attach(s, run(s, "bdm", draws=30, seed=5)).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_war_explain_has_side_shares() -> None:
    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=200, seed=1))
    sides = {sd["side"]: sd for sd in r.explain["war"]["sides"]}
    assert set(sides) == {"A", "B"}
    for sd in sides.values():
        assert 0 <= sd["share_given_deal"] <= 1 and 0 <= sd["share_at_status_quo_line"] <= 1
    assert sides["A"]["share_given_deal"] + sides["B"]["share_given_deal"] == pytest.approx(1.0)
    w = r.explain["war"]
    assert 0 <= w["p_deal_within_12_months"] <= 1
    ranked = w["what_moves_p_deal"]["inputs"]
    assert ranked and all(x["name"].startswith("war.") for x in ranked)
    assert [x["mu_star"] for x in ranked] == sorted((x["mu_star"] for x in ranked), reverse=True)


def test_war_explain_says_the_chance_of_a_deal_at_the_central_estimates() -> None:
    """The flagship's deals all come from its inputs' uncertainty: with every estimate at its
    central value no simulated war ends in a deal (the bargaining range is empty there). The
    explanation says so beside the run's own chance; the contrasting view gets most of its deals
    at its central values too."""
    from detente.report.explain import explain_tables
    from detente.report.tables import render_text

    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=400, seed=1), war_sensitivity=False)
    w = r.explain["war"]
    assert w["p_deal_within_12_months"] > 0.15
    assert w["at_central_estimates"] == {"p_deal_within_12_months": 0.0, "p_deal": 0.0, "draws": 400}
    text = " ".join(render_text(explain_tables([r], s), 120).split())
    assert "(with every estimate at its central value: 0 %)" in text
    c = load(EXAMPLES / "ukraine-settlement-contrast.yaml")
    assert attach(c, run(c, "war", draws=400, seed=1), war_sensitivity=False).explain["war"][
        "at_central_estimates"]["p_deal"] > 0.5


def test_war_pivotal_actors_read_the_terms_given_a_deal() -> None:
    """The war model's leave-one-out compares the terms given a deal (the bottom line's reading),
    not the median over every ending; the report says so."""
    from detente.report.explain import explain_section

    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=100, seed=1), war_sensitivity=False)
    piv = r.explain["pivotal"]
    assert piv["given"] == "a deal" and piv["draws_used"] == 100  # all the run's draws
    settled = r.trajectory.extras["_settled"]
    apart = []
    for k, issue in enumerate(s.issue_ids):
        deal = np.median(r.trajectory.forecast[settled, k])
        # everyone's copy is the run itself: the same random battle paths (common random numbers)
        assert piv["issues"][issue]["forecast"] == pytest.approx(deal, abs=1e-6)
        apart.append(abs(np.median(r.trajectory.forecast[:, k]) - deal))
    assert max(apart) > 1.0  # the pooled median would differ
    assert attach(s, run(s, "mean", draws=20, seed=1)).explain["pivotal"]["given"] is None
    assert "forecast given a deal without it" in explain_section(s, [r], [])


def test_war_gains_read_the_terms_given_a_deal() -> None:
    """Who gains and who loses in a war run is read as its bottom line is: at the terms given a
    deal, on the first draws that end in one (not at the median over every ending, which mixes in
    the victors' terms); the table, the report and the JSON say so."""
    from detente.explain.common import result_inputs
    from detente.explain.pivotal import LOO_DRAWS_SLOW
    from detente.models.war.endings import deal_terms
    from detente.report.explain import explain_section, explain_tables
    from detente.report.tables import render_text

    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=600, seed=1), war_sensitivity=False)
    u = r.explain["utility"]
    _, opts, arr, _ = result_inputs(s, r)
    rows = np.flatnonzero(r.trajectory.extras["_settled"])[:LOO_DRAWS_SLOW]
    assert u["given"] == "a deal" and u["draws_used"] == rows.size == LOO_DRAWS_SLOW
    expect = winners_losers("war", arr.take(rows), deal_terms(r.trajectory)[rows], opts)
    assert u["actors"] == expect["actors"]
    pooled = winners_losers("war", arr.take(np.arange(rows.size)), r.trajectory.forecast[: rows.size], opts)
    assert [a["gain"] for a in pooled["actors"]] != [a["gain"] for a in u["actors"]]
    assert u["total"].endswith("median over draws that end in a deal")
    text = " ".join(render_text(explain_tables([r], s), 140).split())
    assert "utility at the terms given a deal minus at the status quo" in text
    assert "Who gains, who loses (given a deal)" in explain_section(s, [r], [])
    from detente.report.explain import winners_figure

    labels = winners_figure([r], s).axes[0].get_legend_handles_labels()[1]
    assert labels == ["war: linear loss, given a deal"]


def test_war_with_too_few_deals_measures_no_gain_and_ranks_no_actor() -> None:
    """At the flagship's central estimates no war ends in a deal: there are no terms to gain or
    lose by, and no actor is pivotal to them. Every verdict and rank says "not measured" (before,
    the gains were read on the victors' terms and every actor was ranked at dependence 0)."""
    from detente.explain.utilities import TOO_FEW_DEALS
    from detente.report.explain import explain_section, explain_tables
    from detente.report.tables import render_text

    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=1, seed=1), war_sensitivity=False)
    u, piv = r.explain["utility"], r.explain["pivotal"]
    assert u["draws_used"] == 0 and {a["verdict"] for a in u["actors"]} == {TOO_FEW_DEALS}
    assert all(a["gain"] is None for a in u["actors"])
    assert all(p["rank"] is None and p["dependence"] is None for p in piv["ranking"])
    text = " ".join(render_text(explain_tables([r], s), 140).split())
    assert "draws ending in a deal: 0 of 1, fewer than the 5 needed" in text and "None" not in text
    assert "fewer than the 5 needed" in explain_section(s, [r], []) and ">None<" not in explain_section(s, [r], [])


def test_run_explain_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(FLAGSHIP), "--model", "mean", "--explain"]) == 0
    text = capsys.readouterr().out
    assert "Who gains, who loses (mean)" in text and "Russia" in text and "russia" not in text and "rank" in text


def test_winners_losers_bdm_form_best_at_own_position() -> None:
    s = load(FLAGSHIP)
    spec, opts, arr, _ = run_inputs(s, "bdm", draws=1, seed=1)
    own = winners_losers("bdm", arr, arr.position[:, :, 0], opts)  # forecast = Russia's own positions
    russia = next(row for row in own["actors"] if row["actor"] == "russia")
    k = s.actor_ids.index("russia")
    from detente.explain.utilities import bdm_risk_exponents

    rexp, _ = bdm_risk_exponents(arr, opts)
    for i, (iid, v) in enumerate(russia["issues"].items()):  # eq. 16 at d = 0: 2 - 4 * 0.5^r_i (= U_sq, eq. 24)
        assert v["at_forecast"] == pytest.approx(2 - 4 * 0.5 ** rexp[0, s.issue_ids.index(iid), k], abs=1e-6)
        assert v["gain"] > 0


@pytest.mark.parametrize("options", [
    {"stopping": "converged"}, {"position_range": "current"}, {"position_range": "scale"},
    {"offer_choice": "highest_eu"}, {"conflict": "no_move"}, {"compromise": "weighted_average"},
    {"risk": "neutral", "Q": 0.5, "t_rule": "closer"}, {"perspective": "own", "p_normalisation": "net_floored"},
])
def test_bdm_events_reproduce_under_every_option(options: dict) -> None:
    s = load(FLAGSHIP)
    r = attach(s, run(s, "bdm", options=options))
    assert r.events["reproduces_model"], r.events["max_abs_error"]


@pytest.mark.parametrize("draws", [1, 5])
def test_smp_events_reproduce_stochastic_transitions(draws: int) -> None:
    s = load(EXAMPLES / "ktab-dummy-3dim.yaml")
    r = attach(s, run(s, "smp", draws=draws, seed=4, options={"state_transitions": "Stochastic"}))
    assert r.events["reproduces_model"] and any(rnd["moves"] for rnd in r.events["rounds"])


def test_explain_refuses_a_result_of_another_scenario() -> None:
    from detente.errors import InputError

    s = load(FLAGSHIP)
    other = load(EXAMPLES / "ukraine-settlement-contrast.yaml")
    with pytest.raises(InputError, match="not computed from this scenario"):
        attach(other, run(s, "mean"))


def test_ranking_tells_not_measured_from_no_effect() -> None:
    """An actor with no stance anywhere changes nothing when removed: dependence 0, ranked last.
    An actor whose dependence could not be read (a war without deals) is not ranked at all."""
    from detente.explain.pivotal import ranking

    contrib = {"i1": {"actors": [{"actor": "A", "dependence": 0.2}, {"actor": "B", "dependence": None}]},
               "i2": {"actors": [{"actor": "A", "dependence": 0.4}, {"actor": "B", "dependence": None}]}}
    rows = {row["actor"]: row for row in ranking(contrib, ("A", "B", "C"))}
    assert rows["A"] == {"actor": "A", "dependence": 0.3, "most_on": "i2", "rank": 1}
    assert rows["C"] == {"actor": "C", "dependence": 0.0, "most_on": None, "rank": 2}
    assert rows["B"] == {"actor": "B", "dependence": None, "most_on": None, "rank": None}


def test_explaining_copenhagen_warns_nothing() -> None:
    """Leaving an actor out of COP15 Copenhagen left the median model nobody to pick on some issue
    and it answered +inf: `detente run kopenhagen.csv -m median` printed NumPy's "invalid value
    encountered in subtract" twice. With nobody to pick there is no forecast (NaN)."""
    import warnings

    from conftest import peer_file
    from detente.scenario.io import load

    s = load(str(peer_file("exchange-data/history/data/kopenhagen.csv")))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = attach(s, run(s, "median"))
    without = [a["forecast_without"] for i in r.explain["pivotal"]["issues"].values() for a in i["actors"]]
    assert without and all(w is None or np.isfinite(w) for w in without)


def test_the_war_explanation_says_what_set_the_terms() -> None:
    """The flagship's deals give Russia about 91 on three issues: the terms are the least Russia
    accepts (its war value) in nearly every deal, a fact no table said. `terms_set_by` counts, over
    the deals, what fixed the share: the rule's split, or a side's limit at its war value or moved
    by its domestic constraints."""
    from detente.report.explain import explain_section, war_explain_tables

    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=400, seed=1), war_sensitivity=False)
    war = r.explain["war"]
    parts = war["terms_set_by"]
    assert set(parts) == {"split", "A_war_value", "A_domestic", "B_war_value", "B_domestic"}
    assert sum(parts.values()) == pytest.approx(1.0, abs=1e-3) and parts["A_war_value"] > 0.9
    binds = r.trajectory.extras["_binds"]
    assert ((binds >= 0) == r.trajectory.extras["_settled"]).all()  # one reading per deal, none otherwise
    assert war["terms_text"].startswith("What set the terms: the least Russia accepts, its war value")
    assert "What set the terms" in explain_section(s, [r], [])
    assert any("What set the terms" in str(t.caption) for t in war_explain_tables(r, s))
    contrast = load(str(FLAGSHIP).replace("settlement.yaml", "settlement-contrast.yaml"))
    c = attach(contrast, run(contrast, "war", draws=400, seed=1), war_sensitivity=False)
    assert c.explain["war"]["terms_set_by"]["A_domestic"] > 0.05  # its commitments raise Russia's floor there


def test_the_pivotal_actors_say_when_they_read_fewer_draws_than_the_table() -> None:
    """The web page's pivotal actors gave "Territorial line: forecast given a deal 53.1" under a table
    that said 55.0: the leave-one-out runs take the run's first 100 draws, which nothing said."""
    from detente.report.html import render_html
    from detente.runner import run
    from detente.scenario.io import load

    from conftest import EXAMPLES

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    r = attach(s, run(s, "war", draws=300, seed=1), war_sensitivity=False)
    used = r.explain["pivotal"]["draws_used"]
    assert used < 300
    page = render_html(s, [r], [])
    assert f"These are the first {used} of the run&#x27;s 300 draws" in page or \
        f"These are the first {used} of the run's 300 draws" in page
    few = attach(s, run(s, "war", draws=used, seed=1), war_sensitivity=False)
    assert "These are the first" not in render_html(s, [few], [])


def test_leaving_out_a_ratifier_s_actor_leaves_out_its_veto() -> None:
    """The US Congress holds no weight on a side: its say is its ratifier role. Leaving it out kept
    the veto, so it ranked last (dependence 0.000) although without its margin P(deal) rises."""
    s = load(FLAGSHIP)
    r = attach(s, run(s, "war", draws=100, seed=1), war_sensitivity=False)
    dep = {x["actor"]: x["dependence"] for x in r.explain["pivotal"]["ranking"]}
    assert dep["us_congress"] > 0.003 and dep["china"] == 0.0  # china: on no side, no ratifier
    territory = r.explain["pivotal"]["issues"]["territory"]
    congress = next(x for x in territory["actors"] if x["actor"] == "us_congress")
    assert abs(congress["forecast_without"] - territory["forecast"]) > 0.5


def test_a_war_led_synthesis_is_explained_and_charted_as_the_war_model() -> None:
    """On a war scenario the synthesis is the war model's terms given a deal: its "who gains" read
    NaN forecasts as 0 (every actor "utility at forecast 0.000"), and its trajectory chart drew the
    war's 0-1 series on the issue scale as "rounds"."""
    from detente.report.plots import figures_for

    s = load(FLAGSHIP)
    syn = attach(s, run(s, "synthesis", draws=60, seed=1), war_sensitivity=False)
    war = attach(s, run(s, "war", draws=60, seed=1), war_sensitivity=False)
    gains = {a["actor"]: a["gain"] for a in syn.explain["utility"]["actors"]}
    assert gains == {a["actor"]: a["gain"] for a in war.explain["utility"]["actors"]}
    assert gains["russia"] > 0 > gains["ukraine"]
    assert syn.explain["pivotal"]["given"] == "a deal"
    stems = [stem for stem, _, _ in figures_for(s, [syn])]
    assert "trajectory-synthesis" not in stems and "synthesis-settlement-probability-by-month" in stems
    both = [stem for stem, _, _ in figures_for(s, [syn, war])]
    assert [x for x in both if "settlement-probability" in x] == ["war-settlement-probability-by-month"]
