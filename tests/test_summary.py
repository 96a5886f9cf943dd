"""The bottom line: one answer per issue (lead, anchor label, interval and its kind, agreement),
the war model's endings with named sides, and the report that leads with them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.cli import main
from detente.models.base import Trajectory
from detente.models.war.endings import ending_label, endings, settlement_by, side_names
from detente.report.html import render_html
from detente.report.plots import plot_distribution
from detente.report.summary import (
    AGREE_SHARE,
    FORECAST_INTERVAL,
    INPUT_UNCERTAINTY,
    bottom_line,
    run_record,
    war_headline,
)
from detente.report.tables import bottom_line_table, forecast_tables, render_text, war_table
from detente.result import Result
from detente.runner import run
from detente.scenario.io import load
from detente.scenario.arrays import scenario_hash
from detente.scenario.model import Scenario
from conftest import EXAMPLES

FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"

SCENARIO = Scenario.model_validate({
    "name": "two models",
    "actors": [{"id": "A"}, {"id": "B"}],
    "issues": [{"id": "x", "name": "The issue", "anchors": {0: "none", 50: "half", 100: "all"}, "status_quo": 0},
               {"id": "y", "scale": {"min": 0, "max": 10}}],
    "stances": [{"actor": "A", "issue": "x", "position": 20}, {"actor": "B", "issue": "x", "position": 80},
                {"actor": "A", "issue": "y", "position": 2}, {"actor": "B", "issue": "y", "position": 8}],
})


def hand_made(model: str, centre_x: float, centre_y: float, draws: int = 400, sd: float = 2.0,
              seed: int = 0) -> Result:
    """A result whose per-draw forecasts are normal around the given centres (seeded)."""
    rng = np.random.default_rng(seed)
    f = np.column_stack([rng.normal(centre_x, sd, draws), rng.normal(centre_y, sd / 10, draws)])
    return Result(model=model, variant=None, options={}, seed=seed, draws=draws, version="test",
                  input_sha256=scenario_hash(SCENARIO), scenario_name=SCENARIO.name, issue_ids=["x", "y"], actor_ids=["A", "B"],
                  trajectory=Trajectory(forecast=f))


def calibrated(r: Result, half_width: float, coverage: float = 0.7934) -> Result:
    """Give a hand-made result a calibrated forecast interval (as the calibration module would)."""
    iv = {i: [v - half_width, v + half_width] for i, v in r.forecast.items()}
    r._calibrated = (iv, {"level": 0.8, "coverage_oos": coverage, "data": "DEU III", "n_issues": 351})
    return r


# -- the bottom line of a hand-made two-model case ------------------------------------------------


def test_two_models_that_agree():
    a, b = hand_made("alpha", 48.0, 5.0, seed=1), hand_made("beta", 52.0, 5.1, seed=2)
    line = bottom_line(SCENARIO, [a, b])
    x = line["x"]
    assert x["lead"] == "alpha" and "first model given" in x["lead_reason"]  # no synthesis: says who leads
    assert x["forecast"] == pytest.approx(a.forecast["x"], abs=1e-6)
    assert x["label"] == "half"
    assert x["interval"]["kind"] == INPUT_UNCERTAINTY  # no calibration: the band over draws, named as such
    assert x["interval"]["text"].startswith("input uncertainty") and "forecast interval" not in x["interval"]["text"]
    assert [x["interval"]["low"], x["interval"]["high"]] == pytest.approx(a.input_band["x"], abs=1e-6)
    assert x["models"] == pytest.approx({"alpha": a.forecast["x"], "beta": b.forecast["x"]}, abs=1e-6)
    spread = abs(b.forecast["x"] - a.forecast["x"])
    assert x["spread"] == pytest.approx(spread, abs=1e-6) and spread < AGREE_SHARE * 100
    assert x["agreement"] == "agree" and x["verdict"] == f"models agree (spread {spread:.0f})"
    # the second issue is on a 0-10 scale: one decimal in the verdict
    assert line["y"]["agreement"] == "agree" and line["y"]["label"] is None


def test_two_models_that_disagree_and_a_calibrated_interval():
    a = calibrated(hand_made("alpha", 45.4, 5.0, seed=1), half_width=15.0)
    b = hand_made("beta", 24.3, 5.0, seed=2)
    x = bottom_line(SCENARIO, [a, b])["x"]
    assert x["agreement"] == "disagree"
    assert x["verdict"] == f"models disagree: alpha {a.forecast['x']:.0f}, beta {b.forecast['x']:.0f}"
    iv = x["interval"]
    assert iv["kind"] == FORECAST_INTERVAL and iv["coverage"] == pytest.approx(0.7934)
    assert iv["text"] == "forecast interval (calibrated on DEU III, coverage 79 %)"
    assert iv["high"] - iv["low"] == pytest.approx(30.0)
    assert x["input_band"] == pytest.approx(a.input_band["x"], abs=1e-6)  # both, under two names
    text = render_text([bottom_line_table(SCENARIO, [a, b])], width=160)
    assert "forecast interval (calibrated on DEU III, coverage 79 %)" in text and "models disagree" in text
    # where that coverage was measured, and where not: said once, in the terminal and in the report
    assert "on other kinds of negotiation its coverage is not measured" in iv["scope"]
    flat = " ".join(text.split())
    assert flat.count("where its 80 % intervals held 79 % of the outcomes out of sample (with point inputs)") == 1
    html = render_html(SCENARIO, [a, b], [])
    assert html.count("its coverage is not measured") == 1


def test_synthesis_leads_when_run_and_is_not_its_own_witness():
    a, b = hand_made("alpha", 30.0, 5.0, seed=1), hand_made("beta", 70.0, 5.0, seed=2)
    syn = hand_made("synthesis", 41.0, 5.0, seed=3)
    x = bottom_line(SCENARIO, [a, b, syn])["x"]
    assert x["lead"] == "synthesis" and x["lead_reason"].startswith("synthesis")
    assert x["forecast"] == pytest.approx(syn.forecast["x"], abs=1e-6)
    assert set(x["models"]) == {"alpha", "beta"} and x["agreement"] == "disagree"


def test_one_model_only_says_agreement_is_not_measured():
    x = bottom_line(SCENARIO, [hand_made("alpha", 30.0, 5.0)])["x"]
    assert x["agreement"] == "single_model" and x["spread"] is None


def test_without_draws_no_band_and_never_a_forecast_interval_label():
    r = run(SCENARIO, "median")  # one draw; a hand-built scenario run with no calibration data match
    lines = bottom_line(SCENARIO, [r])
    if r.interval is None:
        assert lines["x"]["interval"] is None and lines["x"]["input_band"] is None
    text = render_text([bottom_line_table(SCENARIO, [r]), *forecast_tables(SCENARIO, [r])], width=160)
    assert ("forecast interval" in text) == (r.interval is not None)


def test_bottom_line_table_and_json_record_have_one_entry_per_issue():
    a, b = hand_made("alpha", 48.0, 5.0, seed=1), hand_made("beta", 60.0, 5.0, seed=2)
    text = render_text([bottom_line_table(SCENARIO, [a, b])], width=160)
    assert "Bottom line" in text and "The issue" in text and "half" in text
    rec = run_record(SCENARIO, [a, b])
    assert list(rec) == ["scenario", "input_sha256", "summary", "war", "results"]
    assert list(rec["summary"]) == ["x", "y"] and rec["war"] is None and len(rec["results"]) == 2
    json.dumps(rec, allow_nan=False)


# -- the distribution over draws --------------------------------------------------------------------


def test_distribution_shows_two_peaks_of_a_bimodal_forecast():
    r = hand_made("alpha", 20.0, 5.0, draws=400, seed=4)
    r.trajectory.forecast[200:, 0] += 60.0  # half the draws near 20, half near 80
    fig = plot_distribution(SCENARIO, "x", [hand_made("beta", 50.0, 5.0, seed=5), r])
    ax = fig.axes[0]
    steps = [p for p in ax.patches if not p.get_fill()]
    assert len(steps) == 2  # one outline per model
    density, edges = steps[1].get_data()[:2]
    centres = (edges[:-1] + edges[1:]) / 2
    low, high = density[centres < 50].max(), density[centres >= 50].max()
    valley = density[(centres > 40) & (centres < 60)].max()
    assert low > 0 and high > 0 and valley < 0.2 * min(low, high)
    assert np.sum(density * np.diff(edges)) == pytest.approx(1.0)
    assert plot_distribution(SCENARIO, "x", [run(SCENARIO, "mean")]) is None  # no draws, no figure


# -- the war model: endings with the sides named ----------------------------------------------------


@pytest.fixture(scope="module")
def flagship_runs():
    s = load(FLAGSHIP)
    return s, [run(s, "mean", draws=300, seed=3), run(s, "war", draws=300, seed=3)]


def test_side_names_from_the_war_block_or_the_actors():
    war = {"sides": {"A": {"actors": ["R"]}, "B": {"name": "The West", "actors": ["U", "E"]}}}
    assert side_names(war, {"R": "Russia", "U": "Ukraine"}) == {"A": "Russia", "B": "The West"}
    assert side_names({"sides": {"A": {"actors": ["R", "X"]}}}, {"R": "Russia"})["A"] == "Russia, X"
    assert ending_label("victory_B", {"B": "Ukraine"}) == "military victory of Ukraine"
    assert ending_label("settlement", {}) == "deal"


def test_war_headline_names_the_sides_and_does_not_pool_deals(flagship_runs):
    s, results = flagship_runs
    war = results[1]
    ex = war.trajectory.extras
    h = war_headline(s, results)
    assert h["sides"]["A"]["name"] == "Russia" and h["sides"]["B"]["name"] == "Ukraine and its Western backers"
    labels = [e["label"] for e in h["endings"]]
    assert labels == ["deal", "military victory of Russia", "military victory of Ukraine and its Western backers",
                      "collapse of Russia", "collapse of Ukraine and its Western backers",
                      "unresolved at the horizon (60 months)"]
    probs = {e["code"]: e["probability"] for e in h["endings"]}
    stopped = war.trajectory.stopped_by
    for code, p in probs.items():
        assert p == pytest.approx(float(np.mean(stopped == code)), abs=1e-6)
    assert sum(probs.values()) == pytest.approx(1.0)
    assert list(h["settlement_by"]) == ["6", "12", "24", "60"]
    assert h["settlement_by"]["60"] == pytest.approx(ex["settlement_probability"], abs=1e-6)
    by = list(h["settlement_by"].values())
    assert by == sorted(by)
    # terms given a deal: the draws that end in a deal only
    deal = stopped == "settlement"
    k = war.issue_ids.index("territory")
    assert h["terms_given_deal"]["territory"]["median"] == pytest.approx(
        float(np.median(war.trajectory.forecast[deal, k])), abs=1e-6)
    assert war.draws_of("territory").size == int(deal.sum())
    line = bottom_line(s, results)["territory"]
    assert line["lead"] == "war" and line["lead_note"] == "given a deal" and "war: block" in line["lead_reason"]
    assert line["models"]["war"] == pytest.approx(h["terms_given_deal"]["territory"]["median"], abs=1e-6)
    assert "war (deal)" in line["verdict"] or line["agreement"] == "agree"


def test_war_tables_name_the_sides_and_drop_raw_codes(flagship_runs):
    s, results = flagship_runs
    text = render_text([bottom_line_table(s, results), war_table(s, results), *forecast_tables(s, results)],
                       width=200)
    assert "military victory of Russia" in text and "P(deal) by 6 months" in text
    assert "victory_A" not in text and "collapse_B" not in text and "horizon 3" not in text
    assert "given a deal" in text
    assert war_table(s, results[:1]) is None


def test_the_terms_given_a_deal_are_printed_once(flagship_runs):
    """The bottom line leads with the war model's terms given a deal; the war table under it printed
    the same five terms again. Now it gives P(deal) and the endings, and points to the bottom line;
    a run whose bottom line leads with another model still gets the terms in the war table."""
    s, results = flagship_runs
    text = render_text([bottom_line_table(s, results), war_table(s, results)], width=200)
    label = s.issue("sanctions").label  # short enough to stay on one line
    assert text.count(label) == 1, text  # once: in the bottom line
    assert "the terms given a deal: the bottom line above" in text
    html = render_html(s, results, [])
    assert 'class="war-terms"' not in html and "bottom line's forecasts above" in html
    import detente.report.summary as sm

    real = sm.terms_lead
    try:
        sm.terms_lead = lambda scenario, results: False  # a bottom line led by another model
        text = render_text([war_table(s, results)], width=200)
        assert label in text and "terms given a deal (median)" in text
    finally:
        sm.terms_lead = real


def test_endings_leave_out_impossible_ones_unless_asked():
    extras = {"outcome_probability": {"settlement": 0.5, "horizon": 0.5}, "settlement_by_month": [0.5] * 13}
    assert [e["code"] for e in endings(extras, {"A": "a", "B": "b"})] == ["settlement", "horizon"]
    assert len(endings(extras, {}, keep_zero=True)) == 6
    assert settlement_by(extras) == {"6": 0.5, "12": 0.5, "24": None, "60": None}  # past the horizon


def test_run_json_has_a_summary_per_issue_and_named_war_endings(capsys):
    assert main(["run", str(FLAGSHIP), "-m", "mean", "-m", "war", "-n", "200", "-s", "4", "-f", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    s = load(FLAGSHIP)
    assert list(rec["summary"]) == s.issue_ids
    for line in rec["summary"].values():
        for key in ("forecast", "label", "interval", "input_band", "models", "spread", "agreement", "verdict"):
            assert key in line
        assert line["interval"]["kind"] in (FORECAST_INTERVAL, INPUT_UNCERTAINTY)
    names = {e["label"]: e["probability"] for e in rec["war"]["endings"]}
    assert "military victory of Russia" in names and "deal" in names
    assert [r["model"] for r in rec["results"]] == ["mean", "war"]


# -- the report leads with the bottom line ----------------------------------------------------------


def test_report_html_opens_with_the_bottom_line(flagship_runs):
    s, results = flagship_runs
    html = render_html(s, results, [])
    first_h2 = html.index("<h2")
    assert html.index('<section id="bottom-line">') < first_h2 + 30 < html.index('id="forecasts"')
    assert html.index('id="war-headline"') < html.index('id="forecasts"')
    bottom = html[html.index('<section id="bottom-line">'):html.index("</section>")]
    positions = [bottom.index(f'data-issue="{i}"') for i in s.issue_ids]
    assert positions == sorted(positions)  # one line per issue, in the scenario's order
    assert "military victory of Russia" in bottom and "range over rounds" in html
    assert "80% interval" not in html


def test_report_html_shows_range_over_rounds():
    s = load(EXAMPLES / "eu-emission-standards.yaml")
    r = run(s, "bdm")
    html = render_html(s, [r], [])
    from detente.report.tables import round_range_text

    issue = s.issues[0]
    assert "<th scope=\"col\" class=\"num\">range over rounds</th>" in html and round_range_text(r, issue) in html
    # rounds and stopping rule are the model's, not the issue's: one table after the issues', in words
    assert html.count("<th scope=\"col\">stopped by</th>") == 1 and html.count('id="rounds"') == 1
    assert "the set number of rounds" in html and "fixed_rounds" not in html


@pytest.mark.parametrize("model, options, readout", [
    ("exchange", {"rounds": 10}, "voting"),  # the forecast is the voting outcome, not the expected one ("mds")
    ("bdm", {"readout": "mean"}, "mean"),
    ("bdm", {}, "median"),
    ("smp", {}, "mean"),
])
def test_range_over_rounds_reads_the_series_the_forecast_comes_from(model, options, readout):
    s = load(EXAMPLES / "ktab-dummy-3dim.yaml")
    r = run(s, model, options=options)
    from detente.report.tables import round_range_text

    assert r.trajectory.readout == readout
    for k, issue in enumerate(s.issues):
        series = r.trajectory.series[readout][0, 1:, k]
        text = round_range_text(r, issue)
        lo, hi = (float(v) for v in (text.replace("\u2013", " ").split() if "(every round)" not in text
                                     else [text.split()[0]] * 2))  # "7.000 (every round)": it did not move
        assert (lo, hi) == (pytest.approx(series.min(), abs=0.051), pytest.approx(series.max(), abs=0.051))
        assert lo - 0.05 <= r.forecast[issue.id] <= hi + 0.05  # the forecast lies in its range
    if model == "exchange":  # the expected-outcome series would leave the forecast outside on some issue
        mds = r.trajectory.series["mds"][0, 1:]
        assert any(not mds[:, k].min() <= r.forecast[i.id] <= mds[:, k].max() for k, i in enumerate(s.issues))


# -- the synthesis leads ----------------------------------------------------------------------------


def test_done_when_synthesis_and_war_json_has_summary_and_named_endings(capsys):
    args = ["run", str(FLAGSHIP), "--model", "synthesis", "--model", "war", "--draws", "500", "--format", "json"]
    assert main(args) == 0
    rec = json.loads(capsys.readouterr().out)
    s = load(FLAGSHIP)
    assert list(rec["summary"]) == s.issue_ids
    for line in rec["summary"].values():
        assert line["lead"] == "synthesis" and line["lead_note"] == "given a deal"
        assert "war: block" in line["lead_reason"] and 0 < line["p_deal"] < 1
        assert line["interval"]["kind"] == INPUT_UNCERTAINTY  # no calibration for coercive bargaining
        assert "forecast interval" not in json.dumps(line)
    war = rec["war"]
    assert war["sides"]["A"]["name"] == "Russia"
    assert {e["label"] for e in war["endings"]} >= {"deal", "military victory of Russia",
                                                     "military victory of Ukraine and its Western backers"}
    assert sum(e["probability"] for e in war["endings"]) == pytest.approx(1.0)
    deal = next(e["probability"] for e in war["endings"] if e["code"] == "settlement")
    assert war["settlement_by"]["60"] == pytest.approx(deal)
    terms = war["terms_given_deal"]["territory"]["median"]
    assert rec["summary"]["territory"]["forecast"] == pytest.approx(terms, abs=1e-6)


def test_synthesis_on_eu_legislation_leads_with_a_calibrated_interval():
    s = load(EXAMPLES / "eu-emission-standards.yaml")
    syn, mean = run(s, "synthesis", draws=50, seed=2), run(s, "mean", draws=50, seed=2)
    if syn.interval is None:
        pytest.skip("no calibration for the synthesis in the package data file")
    line = next(iter(bottom_line(s, [syn, mean]).values()))
    assert line["lead"] == "synthesis" and "weights fitted on DEU III" in line["lead_reason"]
    iv = line["interval"]
    assert iv["kind"] == FORECAST_INTERVAL
    coverage = 100 * syn.calibration["coverage_oos"]
    assert iv["text"] == f"forecast interval (calibrated on DEU III, coverage {coverage:.0f} %)"
    assert [iv["low"], iv["high"]] == pytest.approx(syn.interval[s.issue_ids[0]], abs=1e-6)
    assert "mean" in line["models"] and "synthesis" not in line["models"]


def test_report_html_names_the_two_kinds_of_interval():
    a, b = hand_made("alpha", 45.0, 5.0, seed=1), hand_made("beta", 24.0, 5.0, seed=2)
    plain = render_html(SCENARIO, [a, b], [])
    assert "forecast interval" not in plain and "input uncertainty (p10\u2013p90 over draws)" in plain
    html = render_html(SCENARIO, [calibrated(a, 15.0), b], [])
    bottom = html[html.index('<section id="bottom-line">'):html.index("</section>")]
    assert "forecast interval (calibrated on DEU III, coverage 79 %)" in bottom
    assert "forecast interval (calibrated)</th>" in html  # the per-model column


def test_a_war_lead_without_any_deal_says_how_the_war_ends():
    s = load(FLAGSHIP)
    results = [run(s, "mean"), run(s, "war", draws=1)]  # one draw: this one ends in a military victory
    ending = str(results[1].trajectory.stopped_by[0])
    if ending == "settlement":
        pytest.skip("this draw ends in a deal")
    line = bottom_line(s, results)["territory"]
    assert line["forecast"] is None and line["lead_note"].startswith("no draw ends in a deal; most likely ending: ")
    assert "(100 %)" in line["lead_note"]
    text = render_text([bottom_line_table(s, results)], width=200)
    assert "most likely ending" in text and "\u2014;" not in text


def test_positions_csv_keeps_the_two_intervals_apart(tmp_path):
    import csv

    from detente.report.outputs import write_outputs

    a = calibrated(hand_made("alpha", 45.0, 5.0, seed=1), 15.0)
    b = hand_made("beta", 24.0, 5.0, seed=2)
    write_outputs(tmp_path / "o", SCENARIO, [a, b])
    with open(tmp_path / "o" / "positions.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["issue"] == "x" and r["actor"] == ""]
    got = {(r["model"], r["quantity"]): float(r["value"]) for r in rows if r["model"] != "input"}
    assert got[("alpha", "interval_low")] == pytest.approx(a.interval["x"][0])
    assert got[("alpha", "p10")] == pytest.approx(a.input_band["x"][0])
    assert ("beta", "interval_low") not in got and ("beta", "p10") in got


def test_every_war_output_names_which_number_it_is() -> None:
    """The tables show the war's terms given a deal; result.json and positions.csv gave only the
    forecast over every ending (55.89 [23.2, 70.3] against the table's 55.8 [42.5, 69.9]) without a
    word. Now that forecast carries a note and positions.csv has the table's numbers too."""
    from detente.models.war.simulate import ALL_ENDINGS_NOTE
    from detente.report.outputs import positions_rows
    from detente.report.summary import model_point

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    r = run(s, "war", draws=300, seed=1)
    assert ALL_ENDINGS_NOTE in r.notes and ALL_ENDINGS_NOTE in r.to_dict()["notes"]
    rows = {(m, i, q): float(v) for m, i, a, rnd, q, v in positions_rows(s, [r]) if m == "war" and not a}
    f, band, note = model_point(r, "territory")
    assert note == "given a deal"
    assert rows[("war", "territory", "forecast_given_deal")] == pytest.approx(f, abs=1e-8)
    assert [rows[("war", "territory", "p10_given_deal")], rows[("war", "territory", "p90_given_deal")]] == \
        pytest.approx(band, abs=1e-8)
    assert rows[("war", "territory", "forecast")] == pytest.approx(r.forecast["territory"], abs=1e-8)
    assert rows[("war", "territory", "forecast")] != pytest.approx(f, abs=1e-3)  # two different numbers, both named
    mean = run(s, "mean", draws=30, seed=1)
    assert not any(q.endswith("_given_deal") for *_, q, _v in positions_rows(s, [mean]))


def test_an_issue_without_stances_says_so_in_the_bottom_line() -> None:
    """Copenhagen's "Technology Fund": no actor has a stance there. The bottom line said "agreement
    not measured: one model only" with four models run, and the band read "—–—"."""
    from conftest import PEERS
    from detente.report.summary import bottom_line
    from detente.report.tables import range_text

    f = PEERS / "exchange-data" / "history" / "data" / "kopenhagen.csv"
    if not f.exists():
        pytest.skip("peer data not found")
    s = load(f)
    results = run(s, ["mean", "median"], draws=5, seed=1)
    b = bottom_line(s, results)
    assert b["technology"]["agreement"] == "no_forecast"
    assert b["technology"]["verdict"] == "no forecast: no actor has a stance on this issue"
    assert b["technology"]["forecast"] is None
    assert b[s.issues[0].id]["agreement"] in ("agree", "disagree")
    assert range_text(None, float("nan")) == "\u2014"


def test_the_bottom_line_names_the_anchor_its_label_belongs_to() -> None:
    from detente.report.summary import bottom_line

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    b = bottom_line(s, [run(s, "mean", draws=50, seed=1)])["territory"]
    assert b["anchor"] == 40.0 and b["label"] == s.issue("territory").anchors[40.0]
    assert abs(b["forecast"] - 40.0) > 1  # near the anchor, not at it: the page and report say "near 40"


def test_one_model_says_once_that_agreement_is_not_measured() -> None:
    """With one model the bottom line's last column read "agreement not measured: one model only,
    exchange" on every issue (13 times on COP21): now one sentence under the table, and in the
    HTML report one paragraph, the column left out; with two models the column is there."""
    a = hand_made("alpha", 48.0, 5.0, seed=1)
    text = render_text([bottom_line_table(SCENARIO, [a])], width=160)
    assert text.count("agreement not measured") == 1 and "do the models agree?" not in text, text
    assert "run more than one model to see whether they agree" in " ".join(text.split())
    page = render_html(SCENARIO, [a], [])
    head = page.split('id="bottom-line"')[1].split("</table>")[0]
    assert "do the models agree?" not in head and 'class="agreement' not in head
    assert page.count("agreement not measured: one model only, alpha") == 1
    two = render_text([bottom_line_table(SCENARIO, [a, hand_made("beta", 60.0, 5.0, seed=2)])], width=160)
    assert "do the models agree?" in two and "agreement not measured" not in two


def test_report_war_chart_names_the_sides() -> None:
    """The report's battlefield chart said "side A's estimate of p" while the page named the sides."""
    from detente.report.plots import war_figures

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    figs = dict(war_figures(s, run(s, "war", draws=20, seed=1)))
    texts = [t.get_text() for t in figs["battlefield and beliefs by month"].legends[0].get_texts()]
    assert texts == ["p: chance that Russia wins the war from the front line (true odds) (median)",
                     "Russia's estimate of p (median)", "Ukraine and its Western backers' estimate of p (median)"]


def test_a_band_or_range_that_does_not_move_is_said_in_words() -> None:
    """A scenario of point values run with draws read "input uncertainty 7.054-7.054", and a model
    whose read-out never moved "range over rounds 7.000-7.000"."""
    s = load(EXAMPLES / "eu-emission-standards.yaml")
    results = [run(s, "mean", draws=50, seed=1), run(s, "bdm", draws=50, seed=1)]
    text = " ".join(render_text(forecast_tables(s, results), width=200).replace("\u2502", " ").split())
    assert text.count("none (every draw the same)") == 2, text
    assert "7.000 (every round)" in text and "7.000\u20137.000" not in text, text
    html = render_html(s, results, [])
    assert "none (every draw the same)" in html and "(every round)" in html


def test_the_report_refuses_results_of_another_scenario(tmp_path) -> None:
    """bottom_line(changed, [r]) gave the old forecast silently, write_outputs raised a bare
    ValueError, and comparison_rows labelled one view's numbers with the other's name."""
    from detente.errors import InputError
    from detente.report.compare import comparison_rows
    from detente.report.outputs import write_outputs

    from conftest import EXAMPLES

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    other = load(EXAMPLES / "eu-emission-standards.yaml")
    r, r_other = run(s, "mean", draws=20, seed=1), run(other, "mean", draws=20, seed=1)
    changed = s.model_copy(deep=True)
    changed.stances[0].position = 90
    for scen in (changed, other):
        with pytest.raises(InputError, match="the mean result was not computed from this scenario"):
            bottom_line(scen, [r])
    with pytest.raises(InputError, match="not computed from this scenario"):
        write_outputs(tmp_path / "out", other, [r])
    assert not (tmp_path / "out").exists()
    contrast = load(EXAMPLES / "ukraine-settlement-contrast.yaml")
    r_contrast = run(contrast, "mean", draws=20, seed=1)
    with pytest.raises(InputError, match="not computed from this scenario"):
        comparison_rows([s, contrast], [[r_contrast], [r]])
    assert comparison_rows([s, contrast], [[r], [r_contrast]])


def test_a_war_without_any_deal_says_there_are_no_terms_to_forecast():
    """With a ratifier that blocks every deal the bottom line said "no draw ends in a deal" and, just
    under it, "forecast: war model's terms given a deal ...", and the war table "the terms given a
    deal: the bottom line above"."""
    import re

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    blocked = s.model_copy(deep=True)
    blocked.war["sides"]["B"]["ratifiers"][0]["margin"] = 1.0  # more than any deal can give
    results = [run(blocked, "war", draws=50, seed=1)]
    assert not results[0].trajectory.extras["_settled"].any()
    text = " ".join(render_text([bottom_line_table(blocked, results), war_table(blocked, results)],
                                width=200).split())
    assert "no terms to forecast: no draw ends in a deal within the horizon (P(deal) 0 %)" in text
    assert "forecast: war model's terms given a deal" not in text
    assert "the terms given a deal: the bottom line above" not in text
    assert "no terms given a deal: no draw ends in one" in text
    page = re.sub(r"\s+", " ", render_html(blocked, results, []))
    assert "No terms to forecast: no draw ends in a deal" in page and "Forecast: war model" not in page


def test_the_war_s_months_say_what_they_count_and_when_deals_come():
    """"war 26 (0–60) months" beside "a deal in 36 % of draws" read as the time to a deal; it is
    the median over every ending (an unresolved war counts all 60), and the deals come far sooner."""
    from detente.report.tables import rounds_table

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    r = run(s, "war", draws=200, seed=1)
    settled = np.asarray(r.trajectory.extras["_settled"], bool)
    months = np.asarray(r.trajectory.rounds, float)
    text = " ".join(render_text([rounds_table(s, [r])], width=200).split())
    assert f"{np.median(months):g} (0–60) months fought, every ending" in text
    assert f"after a median {np.median(months[settled]):g} months" in text
    assert np.median(months[settled]) < np.median(months)
