"""Sweeps: field paths and specs, designs, expected directions, local = Dask = in-process, store, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from detente.errors import InputError
from detente.runner import run
from detente.scenario.model import Scenario
from detente.store.db import Store
from detente.cli.uncertainty import sensitivity_command, sweep_command
from detente.uncertainty.sweep import apply_point, design, parse_vary, resolve_field, sweep


def scenario() -> Scenario:
    return Scenario.model_validate({
        "name": "sweepy",
        "actors": [{"id": "RUS", "capability": 2}, {"id": "UKR", "capability": {"low": 1, "high": 3}},
                   {"id": "EU"}],
        "issues": [{"id": "territory", "status_quo": 40}, {"id": "sanctions"}],
        "stances": [
            {"actor": "RUS", "issue": "territory", "position": 90, "salience": 0.9},
            {"actor": "UKR", "issue": "territory", "position": {"low": 0, "high": 20}},
            {"actor": "EU", "issue": "territory", "position": 30, "salience": 0.5},
            {"actor": "RUS", "issue": "sanctions", "position": 0},
            {"actor": "EU", "issue": "sanctions", "position": {"mode": 80, "low": 60, "high": 100}},
        ],
    })


def test_field_paths_by_id_pair_and_index() -> None:
    s = scenario()
    assert resolve_field(s, "actors[RUS].capability") == ("actors", 0, "capability")
    assert resolve_field(s, "actors[2].capability") == ("actors", 2, "capability")
    assert resolve_field(s, "stances[EU, sanctions].position") == ("stances", 4, "position")
    assert resolve_field(s, "stances[1].position") == ("stances", 1, "position")
    assert resolve_field(s, "issues[territory].status_quo") == ("issues", 0, "status_quo")
    assert resolve_field(s, "issues[sanctions].status_quo") == ("issues", 1, "status_quo")  # None now
    assert resolve_field(s, "issues[territory].scale.max") == ("issues", 0, "scale", "max")
    p = apply_point(s, [parse_vary(s, "stances[RUS,territory].salience=0.1:0.3:3"),
                        parse_vary(s, "actors[UKR].capability=1:5:2")], [0.25, 4.0])
    assert p.stances[0].salience == 0.25 and p.actors[1].capability == 4.0
    assert s.stances[0].salience == 0.9  # the input is not modified


@pytest.mark.parametrize("spec, message", [
    ("actors[RUS].capability", "expected FIELD=LO:HI:N"),
    ("actors[RUS].capability=1:5", "a grid needs the number of values N"),
    ("actors[RUS].capability=a:5:3", "LO and HI must be numbers"),
    ("actors[RUS].capability=1:5:x", "N must be a whole number"),
    ("actors[RUS].capability=1:5:0", "N must be a whole number"),
    ("actors[RUS].capability=5:1:3", "LO must not exceed HI"),
    ("actors[RUS].capability=1:1:3", "LO equals HI"),
    ("actors[RUS].capability=1:2:3:4", "expected LO:HI:N"),
    ("actors[CHN].capability=1:5:3", "no actor with id 'CHN'; ids: RUS, UKR, EU"),
    ("actors[7].capability=1:5:3", r"actors\[7\] is out of range: there are 3 actors"),
    ("actors[RUS].clout=1:5:3", "has no field 'clout'"),
    ("actors[RUS].id=1:5:3", "is not a number"),
    ("stances[UKR,sanctions].salience=0:1:3", "no stance of actor 'UKR' on issue 'sanctions'"),
    ("stances[UKR].salience=0:1:3", "select a stance by index or by 'actor,issue'"),
    ("stances[RUS,territory].salience=0:2:3", r"stances\[0\]\.salience: must be between 0 and 1"),
    ("issues[territory].status_quo=0:150:3", r"issues\[0\]\.status_quo: 150 is off the scale"),
    ("actors[RUS]=1:5:3", "is not a number"),
    ("actors..x=1:2:2", "cannot read the field path"),
])
def test_bad_specs_are_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as ei:
        parse_vary(scenario(), spec)
    assert str(ei.value).startswith("vary"), str(ei.value)  # the argument's name (the CLI says --vary)


def test_designs() -> None:
    s = scenario()
    v = [parse_vary(s, "actors[RUS].capability=1:3:3"), parse_vary(s, "stances[2].salience=0:1:2")]
    g = design(v, "grid")
    assert g.tolist() == [[1, 0], [1, 1], [2, 0], [2, 1], [3, 0], [3, 1]]
    r = [parse_vary(s, "actors[RUS].capability=1:3", need_n=False), parse_vary(s, "stances[2].salience=0:1:2")]
    a, b = design(r, "random", 50, seed=4), design(r, "random", 50, seed=4)
    assert a.shape == (50, 2) and np.array_equal(a, b) and not np.array_equal(a, design(r, "random", 50, seed=5))
    assert a[:, 0].min() >= 1 and a[:, 0].max() <= 3 and a[:, 1].min() >= 0 and a[:, 1].max() <= 1
    with pytest.raises(InputError, match="samples: a random design needs a number of samples"):
        design(r, "random", None)
    with pytest.raises(InputError, match="unknown design"):
        design(r, "latin")


def test_raising_an_actors_capability_moves_the_mean_toward_it() -> None:
    s = scenario()
    res = sweep(s, "mean", ["actors[RUS].capability=0.5:8:6"], workers=1)
    terr = res.forecast_array()[:, 0]
    assert np.all(np.diff(terr) > 0) and terr[-1] < 90  # toward RUS at 90, never past it
    # and each point is exactly the plain run of the modified scenario
    for p in res.runs:
        direct = run(apply_point(s, [parse_vary(s, "actors[RUS].capability=0.5:8:6")], p.values), "mean")
        assert p.result.forecast == direct.forecast
    # sanctions: RUS at 0 gets more weight -> forecast falls
    assert np.all(np.diff(res.forecast_array()[:, 1]) < 0)


def test_status_quo_sweep_moves_the_nbs() -> None:
    s = Scenario.model_validate({
        "name": "sq", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x", "status_quo": 0}],
        "stances": [{"actor": "A", "issue": "x", "position": 60}, {"actor": "B", "issue": "x", "position": 80}]})
    res = sweep(s, "nbs", ["issues[x].status_quo=0:100:5"], workers=1)
    f = res.forecast_array()[:, 0]
    # with the status quo outside [60, 80] both gain from a deal between their ideals; at 75,
    # between them, A vetoes any move up and B any move down: the status quo stands
    assert f[3] == pytest.approx(75)
    for k in (0, 1, 2, 4):
        assert 60 < f[k] < 80
    assert f[2] <= 70  # at sq=50 A gains only below 70


def test_local_processes_in_process_and_dask_agree_bit_for_bit(tmp_path: Path) -> None:
    from distributed import LocalCluster

    s = scenario()
    vary = ["actors[RUS].capability=1:3:3", "stances[EU,territory].salience=0.2:1:2"]
    kw = dict(draws=64, seed=11, chunk_size=2)
    inproc = sweep(s, "median", vary, workers=1, **kw)
    local = sweep(s, "median", vary, workers=2, **kw)
    store = Store(f"sqlite:///{tmp_path / 'sweep.db'}")
    done: list[int] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dist = sweep(s, "median", vary, dask=cluster.scheduler_address, store=store,
                     progress=lambda d, t: done.append(d), **kw)
    assert inproc.forecast_array().shape == (6, 2)
    for other in (local, dist):
        assert np.array_equal(other.points, inproc.points)
        assert np.array_equal(other.forecast_array(), inproc.forecast_array())
        for p, q in zip(other.runs, inproc.runs):
            assert np.array_equal(p.result.trajectory.forecast, q.result.trajectory.forecast)
    assert inproc.runs[0].result.interval is not None  # draws > 1 gives intervals
    assert len(set(inproc.forecast_array()[:, 0])) >= 3  # the points differ
    # streamed to the store, one transaction per chunk, progress per chunk
    assert done == [0, 2, 4, 6]  # reported once the work is out, then after each chunk
    assert store.count() == 6 and len(set(dist.run_ids)) == 6
    rec = store.get(dist.run_ids[5])
    assert rec["meta"]["sweep"]["fields"] == {"actors[RUS].capability": 3.0, "stances[EU,territory].salience": 1.0}
    assert rec["forecast"] == pytest.approx(dist.runs[5].result.forecast) and rec["draws"] == 64
    rows = dist.rows()
    assert len(rows) == 12 and {"p10", "p90", "interval_low", "interval_high", "run"} <= set(rows[0])
    r5 = dist.runs[5].result  # p10/p90: the input band over draws; interval_*: the calibrated interval
    assert [rows[10]["p10"], rows[10]["p90"]] == r5.input_band[rows[10]["issue"]]
    assert [rows[10]["interval_low"], rows[10]["interval_high"]] == r5.interval[rows[10]["issue"]]


def test_sweep_errors() -> None:
    s = scenario()
    with pytest.raises(InputError, match="at least one"):
        sweep(s, "mean", [])
    with pytest.raises(InputError, match="varied twice"):
        sweep(s, "mean", ["actors[0].capability=1:2:2", "actors[RUS].capability=1:3:2"])
    from detente.errors import ModelError

    with pytest.raises(ModelError, match="unknown model"):
        sweep(s, "nosuch", ["actors[0].capability=1:2:2"])
    with pytest.raises(Exception, match="weights"):
        sweep(s, "mean", ["actors[0].capability=1:2:2"], options={"weights": "bogus"}, workers=1)


def test_sweep_cli(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("sweep")(sweep_command)
    app.command("sensitivity")(sensitivity_command)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(scenario().model_dump(mode="json")))
    cli = CliRunner()
    r = cli.invoke(app, ["sweep", str(f), "--vary", "actors[RUS].capability=1:3:3", "--model", "mean", "-j", "1"])
    assert r.exit_code == 0, r.output
    assert "actors[RUS].capability" in r.output and "territory" in r.output
    out = tmp_path / "o" / "sweep.csv"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    r = cli.invoke(app, ["sweep", str(f), "-v", "actors[RUS].capability=1:3", "-m", "median", "--design", "random",
                         "--samples", "4", "--draws", "20", "-j", "1", "--format", "json", "--out", str(out),
                         "--store", url])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output[r.output.index("{"):r.output.rindex("}") + 1])
    assert len(data["rows"]) == 8 and "p10" in data["rows"][0]
    assert out.read_text().splitlines()[0].startswith("point,actors[RUS].capability,issue,forecast,p10,p90,interval_low,interval_high")
    assert Store(url).count() == 4
    r = cli.invoke(app, ["sweep", str(f), "--vary", "actors[XX].capability=1:3:3", "--model", "mean"])
    assert r.exit_code == 2 and "no actor with id 'XX'" in r.output


def test_cli_bad_option_is_a_clear_error(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("sweep")(sweep_command)
    app.command("sensitivity")(sensitivity_command)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(scenario().model_dump(mode="json")))
    for args in (["sweep", str(f), "-v", "actors[RUS].capability=1:3:2", "-j", "1"],
                 ["sensitivity", str(f), "--samples", "8"]):
        r = CliRunner().invoke(app, [*args, "-m", "mean", "--option", "weights=bogus"])
        assert r.exit_code == 2 and "weights" in r.output, r.output


def test_sweep_table_of_the_war_model_leads_with_p_deal_and_says_when_nothing_moves(capsys) -> None:
    from detente.cli import main

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    # the war model reads its war: block, not the actors' capabilities
    assert main(["sweep", str(flagship), "--vary", "actors[russia].capability=40:100:3", "-m", "war", "-m", "mean",
                 "--draws", "200", "-j", "1"]) == 0
    text = capsys.readouterr().out
    war, mean = text[:text.index("mean sweep")], text[text.index("mean sweep"):]
    assert "P(deal)" in war and "the terms given a deal" in " ".join(war.split())
    assert "the forecast is the same at every point: war may not read actors[russia].capability" in war
    assert "the same at every point" not in mean  # the mean model moves with Russia's capability
    assert "actors[russia].capability" in mean and "\u2026" not in text  # headers whole, never cut


def test_a_war_sweep_reads_the_terms_given_a_deal_and_p_deal_per_point() -> None:
    """A war sweep shows, per point, the terms of the draws that end in a deal and how likely a deal
    is, as the bottom line does; before, it took the median over every ending (deals pooled with
    victories), so raising Russia's cost of fighting moved "the forecast" by ending fewer wars in
    a Russian victory as much as by changing the terms."""
    import numpy as np

    from detente.scenario.io import load
    from detente.uncertainty.sweep import sweep

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    res = sweep(load(flagship), "war", ["war.sides.A.cost=0.002:0.02:3"], draws=200, workers=1)
    assert res.given == "a deal" and res.to_dict()["given"] == "a deal"
    k = res.issue_ids.index("territory")
    for p, f, row in zip(res.runs, res.forecasts, [r for r in res.rows() if r["issue"] == "territory"]):
        tr = p.result.trajectory
        deal = tr.forecast[tr.extras["_settled"], k]
        assert f["territory"] == row["forecast"] == np.quantile(deal, 0.5)
        assert (row["p10"], row["p90"]) == tuple(np.quantile(deal, [0.1, 0.9]))
        assert row["p_deal"] == tr.extras["_settled"].mean()
    p_deal = [r["p_deal"] for r in res.rows() if r["issue"] == "territory"]
    assert p_deal == sorted(p_deal) and p_deal[-1] > p_deal[0]  # a costlier war for Russia: more deals
    assert sweep(load(flagship), "mean", ["actors[russia].capability=40:60:2"], workers=1).given is None


def test_unchanged_tells_a_design_that_moves_nothing() -> None:
    from detente.uncertainty.sweep import sweep

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    from detente.scenario.io import load

    s = load(flagship)
    war = sweep(s, "war", ["actors[russia].capability=40:100:3"], draws=50, workers=1)
    mean = sweep(s, "mean", ["actors[russia].capability=40:100:3"], workers=1)
    one = sweep(s, "mean", ["actors[russia].capability=40:40:1"], workers=1)
    assert war.unchanged() and not mean.unchanged() and not one.unchanged()


def _words_whole(text: str, words: list[str]) -> bool:
    import re

    cells = re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴├┤]", " ", text)
    return all(re.search(rf"(?<!\S){re.escape(w)}(?!\S)", cells) for w in words)


@pytest.mark.parametrize("width", [80, 100, 140])
def test_the_sweep_table_names_the_field_and_breaks_no_word_or_number(width, monkeypatch, capsys) -> None:
    from detente.cli import main
    import detente.cli.uncertainty as cli_unc

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    monkeypatch.setattr(cli_unc, "stdout_width", lambda: width)
    assert main(["sweep", str(flagship), "--vary", "actors[russia].capability=50:100:2", "-m", "bdm", "-j", "1"]) == 0
    text = capsys.readouterr().out
    assert max(map(len, text.splitlines())) <= width
    # the field in words, the issues as words (it read "actors[ru/ssia]/.capabili/ty", "military_/aid")
    assert _words_whole(text, ["capability", "Russia", "military", "aid", "settlement", "form", "territory"])
    body = text[text.index("┡"):text.index("└")]  # the numbers whole: "[0.0," and "51.9]", not "51." and "9]"
    numbers = [w for w in body.split() if any(c.isdigit() for c in w)]
    assert numbers and all(__import__("re").fullmatch(r"\[?\d+(\.\d)?[,\]]?", w) for w in numbers), numbers


def test_a_sweep_too_wide_for_the_terminal_has_a_line_per_point_and_issue(monkeypatch, capsys) -> None:
    from detente.cli import main
    import detente.cli.uncertainty as cli_unc

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    monkeypatch.setattr(cli_unc, "stdout_width", lambda: 80)
    assert main(["sweep", str(flagship), "--vary", "war.sides.A.prior_win=0.4:0.6:2",
                 "--vary", "actors[russia].capability=50:100:2", "-m", "war", "-n", "100", "-j", "1"]) == 0
    text = capsys.readouterr().out
    assert max(map(len, text.splitlines())) <= 80
    lines = [x for x in text.splitlines() if "settlement_form" in x]
    assert len(lines) == 4  # a line per point for each issue, its forecast whole
    assert all(__import__("re").search(r"settlement_form\s+│\s+\d+\.\d\s+│", x) for x in lines), lines
    assert "belief that it" in text and "capability of" in text and "P(deal)" in text


def test_a_swept_status_quo_is_named_in_words() -> None:
    from detente.scenario.io import load
    from detente.uncertainty.sensitivity import label_of

    s = load(Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml")
    assert label_of(s, "issues[0].status_quo") == "status quo of Territorial line"


def test_a_war_sweep_reads_no_terms_from_too_few_deals_and_its_csv_keeps_every_column() -> None:
    """A point where one draw in 300 ended in a deal showed that one deal's terms as the forecast
    (p10 = p90); and a CSV of war and mean took its columns from the first row (the war's), so the
    mean rows lost their calibrated interval."""
    from detente.cli.uncertainty import sweeps_text
    from detente.explain.common import MIN_DEALS
    from detente.scenario.io import load
    from detente.uncertainty.sweep import sweep

    flagship = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"
    s = load(flagship)
    war = sweep(s, "war", ["war.sides.B.ratifiers[0].margin=0:0.08:2"], draws=300, workers=1)
    deals = [int(p.result.trajectory.extras["_settled"].sum()) for p in war.runs]
    assert deals[0] >= MIN_DEALS and 0 < deals[1] < MIN_DEALS, deals  # a few deals at the wide margin
    rows = {(r["point"], r["issue"]): r for r in war.rows()}
    assert np.isfinite(rows[(0, "territory")]["forecast"])
    assert all(np.isnan(rows[(1, i)]["forecast"]) and np.isnan(rows[(1, i)]["p10"]) for i in war.issue_ids)
    mean = sweep(s, "mean", ["war.sides.B.ratifiers[0].margin=0:0.08:2"], workers=1)
    lines = sweeps_text([war, mean], "csv").splitlines()
    head = lines[0].split(",")
    assert {"p_deal", "interval_low", "interval_high"} <= set(head)
    mean_row = dict(zip(head, next(x for x in lines[1:] if x.startswith("mean,")).split(",")))
    assert float(mean_row["interval_low"]) < float(mean_row["forecast"]) < float(mean_row["interval_high"])
