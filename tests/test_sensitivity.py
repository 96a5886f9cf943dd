"""Sobol / Morris sensitivity: analytic cases, labels, method choice, errors, chart and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from detente.errors import InputError
from detente.scenario.model import Scenario
from detente.cli.uncertainty import sensitivity_command, sweep_command
from detente.report.sensitivity import plot_sensitivity
from detente.uncertainty.sensitivity import sensitivity


def linear_scenario() -> Scenario:
    # equal weights: mean forecast on x = (xA + xB) / 2 with xA ~ U(0, 10), xB ~ U(40, 100)
    return Scenario.model_validate({
        "name": "linear",
        "actors": [{"id": "A", "name": "Alpha"}, {"id": "B", "name": "Beta"}],
        "issues": [{"id": "x", "name": "territory"}, {"id": "y"}],
        "stances": [
            {"actor": "A", "issue": "x", "position": {"low": 0, "high": 10}},
            {"actor": "B", "issue": "x", "position": {"low": 40, "high": 100}},
            {"actor": "A", "issue": "y", "position": 10, "salience": {"low": 0.2, "high": 1}},
            {"actor": "B", "issue": "y", "position": 90},
        ],
    })


def test_sobol_matches_the_analytic_variance_shares() -> None:
    res = sensitivity(linear_scenario(), "mean", method="sobol", n=1024, seed=3)
    x = {r["name"]: r for r in res.ranked("x")}
    # Var(xA)/4 = 100/48, Var(xB)/4 = 3600/48: shares 1/37 and 36/37, no interactions
    assert x["stances[1].position"]["ST"] == pytest.approx(36 / 37, abs=0.02)
    assert x["stances[1].position"]["S1"] == pytest.approx(36 / 37, abs=0.05)
    assert x["stances[0].position"]["ST"] == pytest.approx(1 / 37, abs=0.01)
    # the salience of A on y does not touch x, and positions on x do not touch y
    assert abs(x["stances[2].salience"]["ST"]) < 1e-9
    y = res.ranked("y")
    assert y[0]["name"] == "stances[2].salience" and y[0]["ST"] == pytest.approx(1, abs=0.02)
    assert [r["label"] for r in res.ranked("x")][:2] == ["position of Beta on territory", "position of Alpha on territory"]
    assert res.evaluations == 1024 * (3 + 2) and res.method == "sobol"
    assert res.overall()[0]["label"] in ("salience of Alpha on y", "position of Beta on territory")


def test_morris_elementary_effects_are_exact_for_a_linear_forecast() -> None:
    res = sensitivity(linear_scenario(), "mean", method="morris", n=12, seed=1)
    x = {r["name"]: r for r in res.ranked("x")}
    # d forecast / d u = range / 2 on the unit scale: 60 / 2 for B, 10 / 2 for A
    assert x["stances[1].position"]["mu_star"] == pytest.approx(30)
    assert x["stances[0].position"]["mu_star"] == pytest.approx(5)
    assert x["stances[1].position"]["sigma"] == pytest.approx(0, abs=1e-9)
    assert res.evaluations == 12 * 4


def test_same_seed_same_indices_and_seed_matters() -> None:
    a = sensitivity(linear_scenario(), "median", n=64, seed=9).to_dict()
    b = sensitivity(linear_scenario(), "median", n=64, seed=9).to_dict()
    c = sensitivity(linear_scenario(), "median", n=64, seed=10).to_dict()
    assert a == b and a["indices"] != c["indices"]
    json.dumps(a)  # JSON-able


def test_many_inputs_default_to_morris_and_normals_stay_finite() -> None:
    actors = [{"id": f"a{k}", "capability": {"mean": 2, "sd": 1}} for k in range(11)]
    stances = [{"actor": f"a{k}", "issue": "x", "position": {"low": 0, "high": 100}} for k in range(11)]
    s = Scenario.model_validate({"name": "big", "actors": actors, "issues": [{"id": "x"}], "stances": stances})
    res = sensitivity(s, "mean", n=8, seed=2)
    assert res.method == "morris" and len(res.names) == 22
    vals = [r["mu_star"] for r in res.ranked("x")]
    assert all(v is not None and np.isfinite(v) for v in vals)
    # the design covers a normal capability on mean +- 4 sd (cut at 0), not up to the float maximum
    from detente.scenario.arrays import input_space
    from detente.uncertainty.sensitivity import _unit_ranges

    space = input_space(s)[0]
    lo, hi = _unit_ranges(space)
    ends = space.transform(np.stack([lo, hi]))
    cap = [k for k, nm in enumerate(space.names) if nm.endswith("capability")]
    assert ends[0, cap] == pytest.approx(0) and ends[1, cap] == pytest.approx(6)
    pos = [k for k, nm in enumerate(space.names) if nm.endswith("position")]
    assert ends[0, pos] == pytest.approx(0) and ends[1, pos] == pytest.approx(100)


def test_no_uncertain_inputs_is_a_clear_error() -> None:
    s = Scenario.model_validate({"name": "p", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
                                 "stances": [{"actor": "A", "issue": "x", "position": 3}]})
    with pytest.raises(InputError, match="no uncertain inputs.*give ranges"):
        sensitivity(s, "mean")
    with pytest.raises(InputError, match="unknown sensitivity method"):
        sensitivity(linear_scenario(), "mean", method="fast")


def test_flat_forecast_gives_zero_indices_and_a_note() -> None:
    s = Scenario.model_validate({
        "name": "flat", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x"}],
        "stances": [{"actor": "A", "issue": "x", "position": 30, "salience": {"low": 0.5, "high": 1}},
                    {"actor": "B", "issue": "x", "position": 30}]})
    res = sensitivity(s, "mean", n=16, seed=1)
    assert res.ranked("x")[0]["ST"] == 0 and any("does not vary" in n for n in res.notes)


def test_plot_is_a_ranked_bar_chart() -> None:
    from matplotlib.figure import Figure

    res = sensitivity(linear_scenario(), "mean", n=64, seed=1)
    fig = plot_sensitivity(res, "x")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3  # ST and S1 bars for 3 inputs
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "position of Beta on territory"  # most important on top
    morris = plot_sensitivity(sensitivity(linear_scenario(), "mean", method="morris", n=8), "x")
    assert len(morris.axes[0].patches) == 3


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("sensitivity")(sensitivity_command)
    app.command("sweep")(sweep_command)
    return app


def test_sensitivity_cli(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(linear_scenario().model_dump(mode="json")))
    cli = CliRunner()
    r = cli.invoke(_app(), ["sensitivity", str(f), "--model", "mean", "--samples", "64"])
    assert r.exit_code == 0, r.output
    assert "position of Beta on territory" in r.output and "ST (total)" in r.output
    out = tmp_path / "report"
    for _ in range(2):  # a second run replaces the folder
        r = cli.invoke(_app(), ["sensitivity", str(f), "-m", "mean", "--samples", "32", "--method", "morris",
                                "--format", "json", "--out", str(out)])
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".detente-files")) == [
        "sensitivity-x.png", "sensitivity-y.png", "sensitivity.html", "sensitivity.json"]
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["method"] == "morris" and data["indices"]["x"][0]["name"] == "stances[1].position"
    page = (out / "sensitivity.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "position of Beta on territory" in page
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]  # no temp leftovers
    g = tmp_path / "p.yaml"
    g.write_text("name: p\nactors: [{id: A}]\nissues: [{id: x}]\nstances: [{actor: A, issue: x, position: 3}]\n")
    r = cli.invoke(_app(), ["sensitivity", str(g), "--model", "mean"])
    assert r.exit_code == 2 and "give ranges" in r.output
    r = cli.invoke(_app(), ["sensitivity", str(f), "--model", "nosuch"])
    assert r.exit_code == 2 and "unknown model" in r.output


def test_stochastic_war_model_is_ranked_on_its_mean_forecast():
    """The war model's forecast is one random path per draw: replications average that noise out,
    so an input that cannot matter ranks far below one that does."""
    from pathlib import Path

    from detente.scenario.io import load
    from detente.uncertainty.sensitivity import label_of, sensitivity

    s = load(Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml")
    noisy = sensitivity(s, "war", method="morris", n=4, seed=3, replications=1)
    r = sensitivity(s, "war", method="morris", n=4, seed=3, replications=16)
    assert any("run 16 times" in note for note in r.notes)
    assert label_of(s, "war.sides.A.cost") == "war: side A (Russia): cost of a month's fighting"
    total = lambda res: sum(x["mu_star"] for x in res.indices["territory"])  # noqa: E731
    assert total(r) < 0.5 * total(noisy)  # path noise no longer dominates the elementary effects
    # Russia's own position on the territorial line moves the territorial terms; without replications
    # path noise buries it (19th), with them it ranks among the first three (the indices are those of
    # the terms given a deal, noisier than a pooled forecast: about a third of the runs end in a deal)
    rank = lambda res, label: [x["label"] for x in res.ranked("territory")].index(label)  # noqa: E731
    assert rank(noisy, "position of Russia on Territorial line") > 10
    assert rank(r, "position of Russia on Territorial line") < 3


def test_the_tables_say_what_their_numbers_are(capsys) -> None:
    """``mu*``, ``sigma``, ``ST`` and ``S1`` had no explanation, and Morris's "forecast sd" (5.13 on
    the flagship's territory) was the sd over its design points, wider than the forecast's (3.0)."""
    from conftest import EXAMPLES
    from detente.cli import main

    assert main(["sensitivity", str(EXAMPLES / "ukraine-settlement.yaml"), "--model", "mean"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # the figure is the design's sd, not the forecast's: "(sd 5.13 over the Morris design, ...)"; it read
    # "(sd over the Morris design, wider than the forecast's 5.13)", as if 5.13 were the forecast's
    import re

    assert re.search(r"\(sd \d+(\.\d+)? over the Morris design, wider than the forecast's own\)", text)
    assert "forecast sd" not in text
    assert "mu*: mean absolute change of the forecast" in text and "sigma: how much" in text
    # each table is an issue by name; its rows leave that issue out of the inputs' labels
    territory = text[text.index("Territorial line [territory]"):text.index("[alliance]")]
    assert "position of Russia " in territory and "on Territorial line" not in territory


def test_war_inputs_are_named_in_words() -> None:
    """Sensitivity, levers and --explain ranked war inputs as "side A (Russia) prior win", "ratifier 1
    margin", "battlefield p battle": field names, not what an analyst estimated."""
    from conftest import EXAMPLES
    from detente.scenario.io import load
    from detente.uncertainty.sensitivity import label_of

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    assert label_of(s, "war.sides.A.prior_win") == "war: side A (Russia): belief that it wins a month's battle"
    assert label_of(s, "war.battlefield.p_battle") == "war: chance that side A (Russia) wins a month's battle"
    assert label_of(s, "war.sides.B.ratifiers[0].margin") == (
        "war: side B (Ukraine and its Western backers), US Congress and foreign-policy establishment: "
        "margin it demands over its expected war outcome")
    assert label_of(s, "war.sides.A.commitments[1].audience_cost") == (
        "war: side A (Russia), commitment 2 on Sanctions relief for Russia: audience cost of settling short")
    assert label_of(s, "war.sides.B.ratifiers[0].limits.territory") == (
        "war: side B (Ukraine and its Western backers), US Congress and foreign-policy establishment: "
        "limit on Territorial line")


def test_sensitivity_chart_names_its_issue_and_leaves_it_out_of_the_labels() -> None:
    """The chart's title gave the issue's id ("forecast of alliance") and every label repeated the
    issue ("position of Russia on Ukraine's alliance status and European security architecture"):
    three-line labels that ran into each other."""
    from conftest import EXAMPLES
    from detente.scenario.io import load

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    res = sensitivity(s, "mean", method="morris", n=4, seed=1)
    name = s.issue("alliance").label
    fig = plot_sensitivity(res, "alliance", issue_label=name)
    assert name in " ".join(fig.get_suptitle().split())
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels and all(name not in " ".join(lab.split()) for lab in labels), labels
    assert "position of Russia" in labels


def test_war_sensitivity_reads_the_terms_given_a_deal() -> None:
    """The war model's indices are those of the terms given a deal (averaged over the replications
    that end in one), as the bottom line reads it - not of the forecast over every ending."""
    import numpy as np

    from conftest import EXAMPLES
    from detente.models import registry
    from detente.models.war.endings import deal_terms
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.io import load
    from detente.uncertainty.sensitivity import _mean_forecast, sensitivity

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    res = sensitivity(s, "war", method="morris", n=2, replications=4)
    assert res.given == "a deal" and res.to_dict()["given"] == "a deal"
    assert any("the mean terms given a deal" in n for n in res.notes)
    spec = registry.get("war")
    U = np.full((2 * 16, len(res.names)), 0.5)  # two design points, 16 replications each
    got = _mean_forecast(spec, s, U, spec.make_options(), np.random.default_rng(1), 16)
    traj = spec.run(ScenarioArrays.from_values(s, U), spec.make_options(), np.random.default_rng(1))
    with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore", RuntimeWarning)  # a point without a deal: NaN
        want = np.nanmean(deal_terms(traj).reshape(2, 16, -1), axis=1)
    assert np.allclose(got, want, equal_nan=True)
    pooled = traj.forecast.reshape(2, 16, -1).mean(axis=1)
    assert not np.allclose(got, pooled)  # the reading differs from the pooled one here
    assert sensitivity(s, "mean", method="morris", n=2).given is None


def test_a_forecast_no_input_moves_says_so_instead_of_sd_0() -> None:
    """War runs whose design never settled read "(sd 0 over the Morris design, wider than the
    forecast's own)" above inputs ranked 0.000."""
    from types import SimpleNamespace

    from detente.cli.uncertainty import spread_text

    res = SimpleNamespace(method="morris", output_sd={"x": 0.0, "y": 2.5})
    assert spread_text(res, "x") == "the forecast is the same at every design point: no input moves it"
    assert spread_text(res, "y") == "sd 2.5 over the Morris design, wider than the forecast's own"


def test_notes_name_the_issue_as_the_tables_do() -> None:
    """"I2: the forecast does not vary ..." named the issue by its id; the tables name it "Minimum wage"."""
    from detente.scenario.model import Scenario

    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A"}, {"id": "B"}],
        "issues": [{"id": "I1", "name": "Debt brake"}, {"id": "I2", "name": "Minimum wage"}],
        "stances": [{"actor": "A", "issue": "I1", "position": {"low": 10, "high": 30}},
                    {"actor": "B", "issue": "I1", "position": 70},
                    {"actor": "A", "issue": "I2", "position": 20}, {"actor": "B", "issue": "I2", "position": 40}]})
    res = sensitivity(s, "mean", method="morris", n=4, seed=1)
    assert "Minimum wage: the forecast does not vary with any uncertain input" in res.notes, res.notes
