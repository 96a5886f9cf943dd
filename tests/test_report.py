"""The report layer: Rich tables, figures, the HTML page and the atomic writing of an output folder."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from detente.models.base import Trajectory
from detente.report import plots
from detente.report.html import render_html
from detente.scenario.io import MANIFEST
from detente.report.outputs import CSV_COLUMNS, write_outputs
from detente.report.plots import (figures_for, plot_issue, plot_trajectories, plot_trajectory, register_plot,
                                  unregister_plot)
from detente.report.tables import with_label, fmt, forecast_tables, render_text, summary_table
from detente.result import Result
from detente.runner import run
from detente.scenario.arrays import scenario_hash
from detente.scenario.model import Scenario

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL_URL = "https://example.org/q?a=1&b=<2>"
EVIL_QUOTE = 'We reject <any> "deal" & all talks'


def make_scenario() -> Scenario:
    return Scenario.model_validate({
        "name": "Toy talks <&>",
        "description": "A small test negotiation: ceasefire & sanctions.",
        "sources": [
            {"id": "wire", "title": "Wire <story>", "url": EVIL_URL, "date": "2024-03-01"},
            {"id": "bad", "title": "Bad link", "url": "javascript:alert(1)"},
        ],
        "actors": [
            {"id": "A", "name": "Alpha", "capability": 4},
            {"id": "B", "name": "Bravo", "capability": 2},
            {"id": "C", "name": "Charlie", "capability": 1},
            {"id": "D", "name": "Delta", "capability": 3},
        ],
        "issues": [
            {"id": "ceasefire", "name": "Ceasefire", "anchors": {0: "no truce", 50: "local truces", 100: "full ceasefire"},
             "status_quo": 0},
            {"id": "sanctions", "scale": {"min": 0, "max": 10}, "anchors": {0: "keep all", 10: "lift all"},
             "status_quo": 0},
            {"id": "aid", "scale": {"min": -5, "max": 5}, "anchors": {-5: "cut", 0: "same", 5: "double"},
             "status_quo": 0},
        ],
        "stances": [
            {"actor": "A", "issue": "ceasefire", "position": 80, "salience": 0.9,
             "evidence": [{"quote": EVIL_QUOTE, "source": "wire", "url": EVIL_URL, "date": "2024-03-02"}]},
            {"actor": "B", "issue": "ceasefire", "position": {"low": 10, "high": 40}, "salience": 0.5,
             "evidence": [{"paraphrase": "Said so on TV", "source": "bad"}]},
            {"actor": "C", "issue": "ceasefire", "position": 55, "salience": 0.3},
            {"actor": "D", "issue": "ceasefire", "position": 20, "salience": 1.0},
            {"actor": "A", "issue": "sanctions", "position": 2, "salience": 0.4},
            {"actor": "B", "issue": "sanctions", "position": 9, "salience": 0.8},
            {"actor": "C", "issue": "sanctions", "position": 5, "salience": 0.5},
            {"actor": "D", "issue": "sanctions", "position": 1, "salience": 0.6},
            {"actor": "A", "issue": "aid", "position": 3, "salience": 0.7},
            {"actor": "B", "issue": "aid", "position": -4, "salience": 0.7},
            {"actor": "C", "issue": "aid", "position": 1, "salience": 0.2},
            # D takes no stance on aid
        ],
    })


SCENARIO = make_scenario()
STANCE_PAIRS = {(s.actor, s.issue) for s in SCENARIO.stances}


@pytest.fixture(scope="module")
def results_by_draws() -> dict[int, list[Result]]:
    return {d: [run(SCENARIO, m, draws=d, seed=7) for m in ("mean", "median", "nbs")] for d in (1, 200)}


def fake_rounds_result(draws: int = 1, rounds: int = 3, readout: str | None = "median") -> Result:
    """A hand-made result of a model with rounds: actors move towards the weighted mean; the
    forecast is the last round's median."""
    I, N = len(SCENARIO.issues), len(SCENARIO.actors)
    rng = np.random.default_rng(0)
    start = np.array([[80, 25, 55, 20], [2, 9, 5, 1], [3, -4, 1, 0]], dtype=float)
    pos = np.empty((draws, rounds + 1, I, N))
    pos[:, 0] = start + rng.normal(0, 1, (draws, I, N)) * (draws > 1)
    for r in range(1, rounds + 1):
        pos[:, r] = pos[:, r - 1] + 0.5 * (pos[:, r - 1].mean(axis=-1, keepdims=True) - pos[:, r - 1])
    med = np.median(pos, axis=-1)
    traj = Trajectory(forecast=med[:, -1], positions=pos, series={"median": med, "mean": pos.mean(axis=-1)},
                      rounds=np.full(draws, rounds), stopped_by=np.array(["converged"] * draws), readout=readout)
    return Result(model="rounds-fake", variant=None, options={"x": 1}, seed=1, draws=draws, version="test",
                  input_sha256=scenario_hash(SCENARIO), scenario_name=SCENARIO.name, issue_ids=SCENARIO.issue_ids,
                  actor_ids=SCENARIO.actor_ids, trajectory=traj)


# -- tables -------------------------------------------------------------------------------------


@pytest.mark.parametrize("draws", [1, 200])
def test_tables_show_forecasts_anchor_labels_and_intervals(results_by_draws, draws):
    results = results_by_draws[draws]
    tables = forecast_tables(SCENARIO, results)
    assert len(tables) == len(SCENARIO.issues)
    text = render_text(tables, width=120)
    for issue in SCENARIO.issues:
        for r in results:
            f = r.forecast[issue.id]
            near = issue.nearest_anchor(f)
            if near is None:
                assert fmt(f, issue) in text
            else:  # a forecast near an anchor names the anchor's value unless it prints as that value
                at = fmt(near[0], issue) == fmt(f, issue)
                assert f"{fmt(f, issue)} ({'' if at else f'near {near[0]:g}: '}{near[1]})" in text
        flat = " ".join(text.split())  # the caption wraps at the table's width
        for value, label in issue.anchors.items():
            assert f"{value:g} = {label}" in flat
        assert "status quo" in text
    assert ("input uncertainty" in text and "(p10\u2013p90)" in text) == (draws > 1)  # a two-line header
    # the band is never called a forecast interval; that column appears only with a calibration
    assert ("forecast interval" in text) == any(r.interval is not None for r in results)
    if draws > 1:
        lo, hi = results[0].input_band["ceasefire"]
        assert f"{fmt(lo)}\u2013{fmt(hi)}" in text
    assert "\x1b[" not in text  # plain text, no terminal codes


def test_summary_table_has_provenance(results_by_draws):
    results = results_by_draws[200]
    text = render_text([summary_table(results)], width=120)
    for r in results:
        assert r.model in text
    assert results[0].input_sha256[:12] in text and "200" in text and results[0].version in text


def test_rounds_columns_only_when_a_model_has_rounds(results_by_draws):
    text = render_text(forecast_tables(SCENARIO, results_by_draws[1]), width=120)
    assert "rounds" not in text
    tables = forecast_tables(SCENARIO, [*results_by_draws[1], fake_rounds_result()])
    assert len(tables) == len(SCENARIO.issues) + 1  # the issues' tables, then one of the rounds
    text = render_text(tables, width=120)
    assert "range over" in text and "Rounds run, and what stopped them" in text and "converged" in text


def _forecast_cells(text: str, column: int = 1) -> list[str]:
    """The forecast column's cells (or another ``column``'s) of the rendered tables, each cell's
    wrapped lines joined."""
    cells: list[str] = []
    for line in text.splitlines():
        if not line.startswith("\u2502"):
            continue
        parts = line.split("\u2502")[1:-1]
        if len(parts) <= column:
            continue
        if parts[0].strip():  # a new row (the model column is blank on a cell's continuation lines)
            cells.append(parts[column].strip())
        elif cells:
            cells[-1] = f"{cells[-1]} {parts[column].strip()}".strip()
    return cells


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_issue_tables_fit_the_console_with_every_column(results_by_draws, width):
    # with draws, a calibrated interval and rounds the tables still fit: no line wider than the
    # console, no number cut ("..."), every forecast with its anchor label, every range whole
    results = [*results_by_draws[200], fake_rounds_result(draws=200)]
    assert any(r.interval for r in results)
    text = render_text(forecast_tables(SCENARIO, results, width=width), width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    box = [line.rstrip() for line in text.splitlines() if line[:1] in "\u250f\u2503\u2521\u2502\u251c\u2514"]
    assert box and all(line[-1] in "\u2513\u2503\u2529\u2502\u2524\u2518" for line in box)  # not cropped
    assert "\u2026" not in text
    cells, bands = _forecast_cells(text), _forecast_cells(text, 2)
    for issue in SCENARIO.issues:
        for r in results:
            f = r.forecast[issue.id]
            assert with_label(f, issue) in cells  # "49.5 (near 50: local truces)" (doctest of with_label)
            if r.input_band is not None:
                lo, hi = r.input_band[issue.id]
                shown = "none (every draw the same)" if lo == hi else f"{fmt(lo, issue)}\u2013{fmt(hi, issue)}"
                assert shown in bands, shown  # whole, perhaps over two lines
    # no word broken: every header word and cell word is whole on some line (it read "foreca/st")
    words = set(text.replace("\u2502", " ").replace("\u2503", " ").split())
    assert {"forecast", "uncertainty", "(calibrated)"} <= words and not {"foreca", "st"} & words


# -- plots --------------------------------------------------------------------------------------


def test_plot_issue_marker_area_proportional_to_capability_times_salience(results_by_draws):
    results = results_by_draws[200]
    fig = plot_issue(SCENARIO, "ceasefire", results)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    sizes = {}
    for coll in ax.collections:  # one collection for all actors' markers
        if isinstance(coll, PathCollection):
            for (x, _), size in zip(coll.get_offsets(), coll.get_sizes()):
                sizes[round(float(x), 6)] = float(size)
    w = {80: 4 * 0.9, 25: 2 * 0.5, 55: 1 * 0.3, 20: 3 * 1.0}  # position -> capability x salience
    assert set(sizes) == set(map(float, w))
    wmax = max(w.values())
    for x, wx in w.items():
        assert sizes[float(x)] == pytest.approx(max(plots.MAX_MARKER_AREA * wx / wmax, plots.MIN_MARKER_AREA))
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("status quo") for t in legend_texts)
    for r in results:
        assert any(t.startswith(f"{r.model}: {fmt(r.forecast['ceasefire'])}") for t in legend_texts)
    # the 80 % intervals are shaded: one span per model
    assert sum(isinstance(p, PolyCollection) or type(p).__name__ == "Rectangle" for p in ax.patches) >= 3
    # actor names with their weights are the y tick labels
    ticks = plots.tick_labels(ax, "y")
    assert {t.split("  ")[0] for t in ticks} == {"Alpha", "Bravo", "Charlie", "Delta"}
    # with draws the strip of histograms underneath carries the scale's labels
    strip = fig.axes[1]
    assert plots.tick_labels(ax, "x") == [] and strip.get_xlabel().startswith("position on the")


def test_plot_issue_leaves_out_actors_without_a_stance(results_by_draws):
    fig = plot_issue(SCENARIO, "aid", results_by_draws[1])
    ticks = [t.split("  ")[0] for t in plots.tick_labels(fig.axes[0], "y")]
    assert sorted(ticks) == ["Alpha", "Bravo", "Charlie"]
    assert plots.tick_labels(fig.axes[0], "x") == ["\u22124", "\u22122", "0", "2", "4"]  # as matplotlib chose them
    assert fig.axes[0].get_xlabel().startswith("position on the")


def test_issue_and_trajectory_charts_label_the_anchors_on_the_opposite_edge(results_by_draws):
    # the issue chart: the anchors above the axes, each with its value, the title above them
    ax = plot_issue(SCENARIO, "ceasefire", results_by_draws[1]).axes[0]
    top = plots.tick_labels(ax, "x", opposite=True)
    assert [t.split("\n")[0] for t in top] == ["no truce", "local truces", "full ceasefire"]
    assert all(t.rstrip("\n").endswith(f"({v:g})") for t, v in zip(top, (0, 50, 100)))
    assert ax.title.get_position()[1] == plots.TITLE_Y and not ax.child_axes  # no secondary Axes
    # the trajectories: the anchors on the right edge of each panel
    fig = plot_trajectories(SCENARIO, fake_rounds_result(draws=1, rounds=3))
    panels = [a for a in fig.axes if a.get_title(loc="left")]
    assert plots.tick_labels(panels[0], "y", opposite=True) == ["no truce", "local truces", "full ceasefire"]
    assert plots.tick_labels(panels[0], "y") == ["0", "20", "40", "60", "80", "100"]
    assert plots.tick_labels(panels[1], "y", opposite=True) == ["keep all", "lift all"]


def test_plot_trajectory_none_without_rounds(results_by_draws):
    assert plot_trajectory(SCENARIO, "ceasefire", results_by_draws[1][0]) is None


def test_plot_trajectory_one_draw_has_a_line_per_actor_and_series():
    r = fake_rounds_result(draws=1, rounds=3)
    fig = plot_trajectory(SCENARIO, "ceasefire", r)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    actors = plots.actor_trajectories(ax)  # one LineCollection for the actors, in the scenario's order
    assert list(actors) == [a.label for a in SCENARIO.actors]
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels[:2] == ["weighted median of the positions (the forecast)", "weighted mean of the positions"]
    np.testing.assert_allclose(actors["Alpha"], r.trajectory.positions[0, :, 0, 0])
    coll = next(c for c in ax.collections if c.get_gid() == "actors")
    np.testing.assert_array_equal(coll.get_segments()[0][:, 0], [0, 1, 2, 3])
    # the markers: one scatter of every actor's rounds, each in its actor's colour
    markers = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert len(markers.get_offsets()) == 4 * len(SCENARIO.actors)
    np.testing.assert_allclose(markers.get_facecolors()[0][:3], to_rgba(plots.ACTOR_PALETTE[0])[:3])
    # the legend: every actor and series once, each actor in its line's colour and dash
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[: len(SCENARIO.actors)] == [a.label for a in SCENARIO.actors]
    assert "weighted median of the positions (the forecast)" in texts
    assert [h.get_color() for h in legend.legend_handles[:2]] == plots.ACTOR_PALETTE[:2]
    # the round axis: a tick per round, labelled
    assert plots.tick_labels(ax, "x") == ["0", "1", "2", "3"] and ax.get_xlabel() == "round"
    # on 'aid' Delta has no stance and is not drawn
    labels = list(plots.actor_trajectories(plot_trajectory(SCENARIO, "aid", r).axes[0]))
    assert "Delta" not in labels and "Charlie" in labels


def test_plot_trajectory_many_draws_shades_p10_p90_of_series():
    r = fake_rounds_result(draws=50, rounds=4)
    ax = plot_trajectory(SCENARIO, "sanctions", r).axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # median and mean
    assert not plots.actor_trajectories(ax)  # no per-actor lines over draws
    med = next(ln for ln in ax.get_lines() if ln.get_label().startswith("weighted median"))
    np.testing.assert_allclose(med.get_ydata(), r.series_summary()["median"]["sanctions"]["median"])


@pytest.mark.parametrize("readout", ["mean", None])
def test_plot_trajectory_draws_the_forecasts_series_first_and_says_so(readout):
    ax = plot_trajectory(SCENARIO, "ceasefire", fake_rounds_result(draws=1, readout=readout)).axes[0]
    lines = ax.get_lines()[:2]
    if readout == "mean":  # the series the forecast comes from: first (black, solid), marked in the legend
        assert [ln.get_label() for ln in lines] == ["weighted mean of the positions (the forecast)",
                                                    "weighted median of the positions"]
    else:  # no read-out named: the model's order, no series marked
        assert [ln.get_label() for ln in lines] == ["weighted median of the positions", "weighted mean of the positions"]
    assert lines[0].get_color() == plots.SERIES_COLOURS[0] and lines[0].get_linestyle() == "-"


def test_plot_trajectories_one_panel_per_issue_and_one_legend(results_by_draws):
    r = fake_rounds_result(draws=1, rounds=3)
    fig = plot_trajectories(SCENARIO, r)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left").split("\n")[0] for ax in panels] == [i.label for i in SCENARIO.issues]
    for issue, ax in zip(SCENARIO.issues, panels):  # each panel is the single-issue chart's drawing
        one = plot_trajectory(SCENARIO, issue.id, r).axes[0]
        assert [ln.get_label().split(":")[0] for ln in ax.get_lines()] == \
            [ln.get_label().split(":")[0] for ln in one.get_lines()]
        for a, b in zip(ax.get_lines(), one.get_lines()):
            np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
        mine, theirs = plots.actor_trajectories(ax), plots.actor_trajectories(one)
        assert list(mine) == list(theirs) and all(np.array_equal(mine[k], theirs[k]) for k in mine)
    assert not any(ax.get_legend() for ax in fig.axes) and len(fig.legends) == 1
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[: len(SCENARIO.actors)] == [a.label for a in SCENARIO.actors]  # every actor once, in order
    assert len(legend) == len(set(legend))
    assert plot_trajectories(SCENARIO, results_by_draws[1][0]) is None  # the mean has no rounds


def test_figures_for_names_and_hooks(results_by_draws):
    calls = []

    def hook(scenario, result):
        calls.append((scenario.name, result.model))
        fig = Figure()
        fig.add_subplot().plot([0, 1], [0, 1])
        return [("Settlement probability by month", fig)]

    register_plot("median", hook)
    register_plot("median", hook)  # idempotent
    try:
        figs = figures_for(SCENARIO, [*results_by_draws[1], fake_rounds_result()])
    finally:
        unregister_plot("median", hook)
    stems = [s for s, _, _ in figs]
    assert calls == [(SCENARIO.name, "median")]
    assert stems[:3] == ["issue-ceasefire", "issue-sanctions", "issue-aid"]
    assert "trajectory-rounds-fake" in stems and "median-settlement-probability-by-month" in stems
    assert len(set(stems)) == len(stems)
    assert figures_for(SCENARIO, results_by_draws[1])[-1][0] == "issue-aid"  # hook gone


# -- outputs ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("draws", [1, 200])
def test_write_outputs_creates_every_file(tmp_path, results_by_draws, draws):
    results = [*results_by_draws[draws], fake_rounds_result()]
    out = tmp_path / "out"
    written = write_outputs(out, SCENARIO, results)
    names = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)  # and the list of what was written
    assert names == sorted(written) and all(p.parent == out for p in written.values())
    assert sorted(os.listdir(tmp_path)) == ["out"]  # no temporary folder left behind

    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["scenario"] == SCENARIO.name and data["input_sha256"] == results[0].input_sha256
    assert [d["model"] for d in data["results"]] == ["mean", "median", "nbs", "rounds-fake"]
    for d, r in zip(data["results"], results):
        for key in ("model", "seed", "version", "input_sha256", "forecast", "draws", "options"):
            assert key in d
        assert d["forecast"] == pytest.approx(r.forecast)
        assert ("input_band" in d) == (r.draws > 1)
        assert "forecast_draws" in d  # full record
    assert "positions" in data["results"][-1]

    rows = _read_csv(out / "positions.csv")
    assert list(rows[0]) == [*CSV_COLUMNS, "issue_name", "actor_name"]  # the names for a spreadsheet
    labels = {a.id: a.label for a in SCENARIO.actors}
    assert all(r["actor_name"] == labels.get(r["actor"], "") for r in rows)
    assert all(r["issue_name"] == SCENARIO.issue(r["issue"]).label for r in rows)
    inputs = {(r["actor"], r["issue"]) for r in rows if r["model"] == "input" and r["quantity"] == "position"}
    assert inputs == STANCE_PAIRS
    b = next(r for r in rows if r["model"] == "input" and r["actor"] == "B" and r["issue"] == "ceasefire"
             and r["quantity"] == "position")
    assert float(b["value"]) == 25.0  # the uncertain 10-40 at its central value
    for r in results:
        for issue in SCENARIO.issue_ids:
            f = next(x for x in rows if x["model"] == r.model and x["issue"] == issue and x["quantity"] == "forecast")
            assert float(f["value"]) == pytest.approx(r.forecast[issue])
            has_p10 = any(x["model"] == r.model and x["issue"] == issue and x["quantity"] == "p10" for x in rows)
            assert has_p10 == (r.draws > 1)
    fake = results[-1]
    by_round = {(x["actor"], x["issue"], int(x["round"])): float(x["value"]) for x in rows
                if x["model"] == "rounds-fake" and x["quantity"] == "position"}
    assert {(a, i) for a, i, _ in by_round} == STANCE_PAIRS
    assert by_round[("C", "sanctions", 2)] == pytest.approx(fake.trajectory.positions[0, 2, 1, 2])
    assert len(by_round) == len(STANCE_PAIRS) * 4

    pngs = sorted(p for p in written if p.endswith(".png"))
    # one per issue (with draws, the distributions over draws in a strip of it) + one trajectory
    # figure (a panel per issue) for the model with rounds
    assert len(pngs) == 3 + 1
    assert all(k in data for k in ("summary", "war")) and list(data["summary"]) == SCENARIO.issue_ids
    html = (out / "report.html").read_text(encoding="utf-8")
    for name in pngs:
        png = (out / name).read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 5000
        assert f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    assert html.count('src="data:image/png;base64,') == len(pngs)


def test_report_html_escapes_everything(tmp_path, results_by_draws):
    out = tmp_path / "o"
    write_outputs(out, SCENARIO, results_by_draws[200])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "We reject &lt;any&gt; &quot;deal&quot; &amp; all talks" in html
    assert EVIL_QUOTE not in html
    assert 'href="https://example.org/q?a=1&amp;b=&lt;2&gt;"' in html
    assert "Wire &lt;story&gt;" in html and "Toy talks &lt;&amp;&gt;" in html
    assert 'href="javascript' not in html  # only http(s) URLs become links
    assert "<script" not in html and "http://" not in html.replace('href="https://example.org', "")
    for r in results_by_draws[200]:
        assert r.input_sha256 in html and f'<td class="num">{r.seed}</td>' in html


def test_render_html_forecast_table_lists_intervals(results_by_draws):
    results = results_by_draws[200]
    html = render_html(SCENARIO, results, [])
    for r in results:
        lo, hi = r.input_band["sanctions"]
        sanctions = SCENARIO.issue("sanctions")
        assert (f"{fmt(lo, sanctions)}\u2013{fmt(hi, sanctions)}" if lo != hi else "none (every draw the same)") in html
    assert html.count("<h3>") >= len(SCENARIO.issues)


def test_failure_while_building_leaves_no_out_dir(tmp_path, monkeypatch, results_by_draws):
    def boom(*args, **kwargs):
        raise RuntimeError("plot failed")

    monkeypatch.setattr(plots, "plot_issue", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="plot failed"):
        write_outputs(out, SCENARIO, results_by_draws[1])
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_failure_leaves_existing_out_dir_unchanged(tmp_path, monkeypatch, results_by_draws):
    out = tmp_path / "out"
    write_outputs(out, SCENARIO, results_by_draws[1])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*args, **kwargs):
        raise RuntimeError("late failure")

    monkeypatch.setattr(plots, "plot_trajectories", boom)
    with pytest.raises(RuntimeError, match="late failure"):
        write_outputs(out, SCENARIO, [*results_by_draws[200], fake_rounds_result()])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_rewrite_replaces_files_in_existing_out_dir(tmp_path, results_by_draws):
    out = tmp_path / "out"
    write_outputs(out, SCENARIO, results_by_draws[1][:1])
    write_outputs(out, SCENARIO, results_by_draws[200])
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert [d["draws"] for d in data["results"]] == [200, 200, 200]
    assert sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
def test_json_has_no_nan(tmp_path):
    r = fake_rounds_result()
    r.trajectory.forecast[0, 2] = math.nan
    out = tmp_path / "out"
    write_outputs(out, SCENARIO, [r])
    text = (out / "result.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    assert json.loads(text)["results"][0]["forecast"]["aid"] is None
    rows = _read_csv(out / "positions.csv")
    aid = next(x for x in rows if x["issue"] == "aid" and x["quantity"] == "forecast")
    assert aid["value"] == ""


def test_tables_render_via_plain_console():
    # the text renderer works without a terminal and honours the width
    text = render_text(forecast_tables(SCENARIO, [run(SCENARIO, "mean")]), width=60)
    assert max(len(line) for line in io.StringIO(text).read().splitlines()) <= 60


def test_issue_figure_shows_the_distribution_over_draws_underneath(results_by_draws):
    from matplotlib.patches import StepPatch

    results = results_by_draws[200]
    fig = plot_issue(SCENARIO, "ceasefire", results)
    strips = [a for a in fig.axes if a.get_ylabel() == "density"]
    assert len(strips) == 1
    lines = [p for p in strips[0].patches if isinstance(p, StepPatch) and not p.get_fill()]
    assert len(lines) == sum(r.draws > 1 for r in results)
    for p, r in zip(lines, results):  # each histogram integrates to 1 over the scale
        data = p.get_data()
        values, edges = data.values, data.edges
        assert float(np.sum(values * np.diff(edges))) == pytest.approx(1.0)
        assert r.draws_of("ceasefire").size == r.draws
    assert strips[0].get_shared_x_axes().joined(strips[0], fig.axes[0])
    assert not [a for a in plot_issue(SCENARIO, "ceasefire", results_by_draws[1]).axes if a.get_ylabel() == "density"]


def _ink(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float) < 128


@pytest.mark.parametrize("rotation", [0, 90])
def test_text_drawn_a_string_at_a_time_lands_where_matplotlib_draws_it(rotation: int) -> None:
    """png_bytes's renderer (one bitmap per string) puts the same text within a pixel of matplotlib's
    own Agg text, with about as much ink, horizontal and turned; math text is drawn by matplotlib."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def figure() -> Figure:
        fig = Figure(figsize=(3.0, 3.0), dpi=plots.DPI)
        fig.text(0.2, 0.5, "Russia (w=55.2) \u2013 \u221d g", fontsize=11, rotation=rotation)
        fig.text(0.6, 0.1, r"$\alpha^2$", fontsize=11)
        return fig

    ours = _ink(plots.png_bytes(figure()))
    if plots.PER_GLYPH_TEXT:
        theirs_fig = figure()
        FigureCanvasAgg(theirs_fig)
        buf = io.BytesIO()
        from matplotlib import rc_context

        with rc_context({"text.hinting": plots.TEXT_HINTING}):
            theirs_fig.canvas.print_png(buf)
        theirs = _ink(buf.getvalue())
    else:  # matplotlib draws a string at a time itself
        theirs = ours
    for axis in (0, 1):
        a, b = np.flatnonzero(ours.any(axis=axis)), np.flatnonzero(theirs.any(axis=axis))
        assert abs(a[0] - b[0]) <= 1 and abs(a[-1] - b[-1]) <= 1
    assert ours.sum() == pytest.approx(theirs.sum(), rel=0.15)
    assert ours.sum() > 100


def test_strings_laid_out_once_measure_and_draw_as_laid_out_afresh() -> None:
    """The cached layout of a string (plots._string_bitmap) gives matplotlib's Agg measurements,
    and a chart drawn from a warm cache is the same PNG as from a cold one."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    ours, theirs = plots.StringTextRenderer(200, 100, plots.DPI), RendererAgg(200, 100, plots.DPI)
    for text, size in [("Russia (w=55.2)", 9), ("0", 7.5), ("", 8), ("\u221d capability \u00d7 salience", 11)]:
        prop = FontProperties(size=size)
        for _ in range(2):  # cold, then warm
            assert ours.get_text_width_height_descent(text, prop, False) == \
                theirs.get_text_width_height_descent(text, prop, False)
    assert ours.get_text_width_height_descent(r"$x^2$", FontProperties(size=9), True) == \
        theirs.get_text_width_height_descent(r"$x^2$", FontProperties(size=9), True)

    scenario = make_scenario()
    result = run(scenario, "mean", draws=20, seed=1)
    plots._STRINGS.clear()
    cold = plots.png_bytes(plot_issue(scenario, scenario.issues[0].id, [result]))
    assert plots._STRINGS
    assert plots.png_bytes(plot_issue(scenario, scenario.issues[0].id, [result])) == cold


def test_histogram_steps_with_given_limits_draw_as_matplotlibs_stairs() -> None:
    """plots._stairs (limits given, not measured) draws the same PNG, and the same view, as
    ``Axes.stairs`` for the strip's line and fill."""
    rng = np.random.default_rng(7)
    edges = np.linspace(-10.0, 90.0, plots.DISTRIBUTION_BINS + 1)
    density = rng.gamma(2.0, 0.01, plots.DISTRIBUTION_BINS)
    pngs, limits = [], []
    for ours in (True, False):
        fig = Figure(figsize=(4.0, 2.0), dpi=plots.DPI)
        ax = fig.add_subplot()
        if ours:
            plots._stairs(ax, density, edges, edgecolor="#0072B2", lw=1.6, ls="--", label="x")
            plots._stairs(ax, density, edges, facecolor="#0072B2", alpha=0.1, fill=True, lw=0)
            ax.autoscale_view()
        else:
            ax.stairs(density, edges, color="#0072B2", lw=1.6, ls="--", label="x")
            ax.stairs(density, edges, color="#0072B2", alpha=0.1, fill=True)
        ax.axvline(30.0)
        ax.legend()
        pngs.append(plots.png_bytes(fig))
        limits.append((ax.get_xlim(), ax.get_ylim()))
    assert pngs[0] == pngs[1] and limits[0] == limits[1]


@pytest.mark.parametrize("issue", ["territory", "alliance", "sanctions", "military_aid", "settlement_form"])
def test_issue_chart_keeps_every_text_inside_the_figure(issue: str) -> None:
    """The anchor at the scale's top end ("neutrality plus a new security architecture per the December
    2021 draft treaties ...") is centred on it and ran off the chart's right edge."""
    from detente.runner import run
    from detente.scenario.io import load

    from conftest import EXAMPLES

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    fig = plot_issue(s, issue, [run(s, "mean", draws=20, seed=1)])
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    page = fig.bbox
    hidden = {id(a.label) for ax in fig.axes for a in (ax.xaxis, ax.yaxis) if not a.get_visible()}  # never drawn
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent"))
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    assert len(texts) > 10
    for t in texts:
        b = t.get_window_extent(r)
        assert b.x0 >= page.x0 - 1 and b.x1 <= page.x1 + 1, (t.get_text()[:40], b.x0, b.x1, page.x1)


def test_an_output_folder_used_again_drops_the_files_of_the_earlier_run(tmp_path) -> None:
    """`run ukraine --out mix` then `run eu --out mix` left the Ukraine charts beside the new report.
    The folder's manifest says what detente wrote; what it wrote before and not now goes; a file
    of the user's stays."""
    from conftest import EXAMPLES
    from detente.cli import main

    out = tmp_path / "mix"
    assert main(["run", str(EXAMPLES / "ukraine-settlement.yaml"), "-m", "mean", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine")
    assert (out / "issue-territory.png").exists()
    assert main(["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert "issue-territory.png" not in names and "explain-winners.png" not in names
    assert {"issue-emission_standards.png", "report.html", "notes.txt", MANIFEST} <= names
    assert (out / MANIFEST).read_text().split() == sorted(names - {"notes.txt", MANIFEST})


def test_the_report_shows_the_war_inputs_with_their_evidence():
    """The war model leads the bottom line, yet the report's Inputs listed only actors and stances:
    the draft-treaty commitments, the Congress ratifier, the battlefield and their quotes were absent."""
    import re

    from detente.scenario.io import load

    examples = Path(__file__).resolve().parents[1] / "examples"
    s = load(examples / "ukraine-settlement-contrast.yaml")
    page = render_html(s, [run(s, "war", draws=20, seed=1)], [])
    inputs = page[page.index('<h3 id="war-inputs">'):]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inputs))
    assert "Side A: Russia" in text and "Side B: Ukraine and its Western backers" in text
    assert ("Public commitment on Ukraine&#x27;s alliance status and European security architecture: "
            "demand 90 (80–100) , audience cost of settling short 0.1–0.5") in text
    assert "Ratifier US Congress and foreign-policy establishment: margin over the war outcome its side expects 0–0.1" in text
    assert "front line at 8 on a line from 0 (victory of Ukraine and its Western backers) to 16 (victory of Russia)" in text
    assert "From month 6 , for Russia: cost of a month&#x27;s fighting changes by 0–0.006" in text
    assert "secondary sanctions on buyers of Russian oil from month 6" in text  # the shock's evidence
    assert "cost of a month&#x27;s fighting 0.008–0.016 of the stakes" in text
    no_war = s.model_copy(update={"war": None})
    assert 'id="war-inputs"' not in render_html(no_war, [run(no_war, "mean")], [])


# -- the chart audit: outcome, coinciding forecasts, legends, clipped texts ---------------------


def _example(name: str):
    from detente.scenario.io import load

    from conftest import EXAMPLES

    return load(EXAMPLES / f"{name}.yaml")


def _legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_issue_chart_draws_the_recorded_outcome() -> None:
    """The terminal printed "recorded outcome 8.833" for the EU emission standards, the chart did not
    draw it: a solid black line, labelled with its value in the legend (and in the strip of draws)."""
    s = _example("eu-emission-standards")
    outcome = s.issue("emission_standards").outcome
    assert outcome is not None
    for draws in (1, 20):
        fig = plot_issue(s, "emission_standards", [run(s, "mean", draws=draws, seed=1)])
        assert f"recorded outcome: {fmt(outcome, s.issue('emission_standards'))}" in _legend_texts(fig)
        for ax in fig.axes:  # the actors' axes, and the strip of draws under them
            xs = [ln.get_xdata() for ln in ax.get_lines() if ln.get_color() == "#000000" and ln.get_linestyle() == "-"]
            assert any(len(x) == 2 and np.allclose(np.asarray(x, dtype=float), outcome) for x in xs), ax
        assert len(fig.axes) == (2 if draws > 1 else 1)
    # an issue without a recorded outcome: nothing of the kind
    assert not any(t.startswith("recorded outcome") for t in _legend_texts(plot_issue(SCENARIO, "ceasefire",
                                                                                      [run(SCENARIO, "mean")])))


def test_issue_chart_shows_each_forecast_where_lines_coincide() -> None:
    """The BDM's line lay under the median's (both 7.000) and the war's under the status quo's: each
    model has markers of its own shape on its line, drawn over every line, and lines at (nearly)
    the same value take turns over the gaps between the actors, so their markers never overlap."""
    s = _example("eu-emission-standards")
    results = [run(s, m, seed=1) for m in ("mean", "median", "bdm")] + [run(s, "mean", seed=2)]
    issue = s.issue("emission_standards")
    assert results[1].forecast["emission_standards"] == results[2].forecast["emission_standards"]
    # a status quo at the median's value: the median's markers show over its line
    s = s.model_copy(update={"issues": [issue.model_copy(update={"status_quo": 7.0})]})
    fig = plot_issue(s, "emission_standards", results)
    ax = fig.axes[0]
    colours = plots.PALETTE[: len(results)]  # no black among the first four
    marks = [ln for ln in ax.get_lines() if ln.get_marker() not in ("None", "", None) and ln.get_linestyle() == "None"
             and ln.get_color() in colours]
    assert sorted(ln.get_color() for ln in marks) == sorted(colours)
    top = max(ln.get_zorder() for ln in ax.get_lines() if ln.get_color() == "#000000")  # the status quo
    assert all(ln.get_zorder() > top for ln in marks)
    assert len({ln.get_marker() for ln in marks}) == len(results)  # a shape per model
    for a in marks:
        assert len(a.get_ydata()) >= 2
        for b in marks:
            if a is not b and abs(a.get_xdata()[0] - b.get_xdata()[0]) < 0.05:  # coinciding lines
                assert not set(np.round(a.get_ydata(), 6)) & set(np.round(b.get_ydata(), 6))
    # the legend shows each model's marker with its value
    legend = fig.legends[0]
    entries = [(t.get_text(), h) for t, h in zip(legend.get_texts(), legend.legend_handles)
               if t.get_text().split(":")[0] in {r.model for r in results}]
    assert [t for t, _ in entries] == [f"{r.model}: {fmt(r.forecast['emission_standards'], issue)}" for r in results]
    for m, (_, h) in enumerate(entries):
        assert h.get_marker() == next(ln.get_marker() for ln in marks if ln.get_color() == plots.PALETTE[m])


def test_issue_chart_legend_says_what_the_bands_and_grey_bars_are(results_by_draws) -> None:
    """The shading behind each forecast (p10-p90 over draws) and the grey bar behind an actor (its
    position's range) had no legend entry."""
    band, span = "p10\u2013p90 over draws (input uncertainty)", "actor's position range"
    texts = _legend_texts(plot_issue(SCENARIO, "ceasefire", results_by_draws[200]))  # Bravo: 10-40
    assert band in texts and span in texts
    texts = _legend_texts(plot_issue(SCENARIO, "ceasefire", results_by_draws[1]))  # one draw: no band
    assert band not in texts and span in texts
    texts = _legend_texts(plot_issue(SCENARIO, "sanctions", results_by_draws[200]))  # no uncertain position
    assert band in texts and span not in texts


def _texts_outside(fig: Figure) -> list[tuple[str, tuple[float, float, float, float]]]:
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    page = fig.bbox
    hidden = {id(a.label) for ax in fig.axes for a in (ax.xaxis, ax.yaxis) if not a.get_visible()}
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent"))
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    out = []
    for t in texts:
        b = t.get_window_extent(r)
        if b.x0 < page.x0 - 1 or b.x1 > page.x1 + 1 or b.y0 < page.y0 - 1 or b.y1 > page.y1 + 1:
            out.append((t.get_text()[:40], tuple(b.bounds)))
    return out


def test_trajectories_figure_grows_to_hold_its_legend() -> None:
    """34 actors: the legend ran off the bottom edge ("most likely position", "forecast" lost)."""
    s = _example("ktab-china-soe-competitive")
    fig = plot_trajectories(s, run(s, "smp", seed=1))
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    assert legend.y0 >= fig.bbox.y0 and legend.y1 <= fig.bbox.y1
    assert {"forecast", "most likely position"} <= set(_legend_texts(fig))
    assert not _texts_outside(fig)


def test_morris_error_bars_stop_at_zero() -> None:
    """mu* (a mean of absolute effects) is never negative; its bars' lower ends went to about -4."""
    import dataclasses

    from detente.report.sensitivity import plot_sensitivity
    from detente.uncertainty.sensitivity import sensitivity

    res = sensitivity(SCENARIO, "mean", method="morris", n=4, seed=1)
    rows = [dict(r) for r in res.indices["ceasefire"]]
    rows[0]["mu_star_conf"] = 2 * float(rows[0]["mu_star"]) + 1.0  # an interval reaching below 0
    res = dataclasses.replace(res, indices={**res.indices, "ceasefire": rows})
    ax = plot_sensitivity(res, "ceasefire").axes[0]
    from matplotlib.container import ErrorbarContainer

    bars = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segments = bars.lines[2][0].get_segments()
    lows = [min(p[0] for p in seg) for seg in segments]
    highs = [max(p[0] for p in seg) for seg in segments]
    assert min(lows) >= 0.0
    shown = res.ranked("ceasefire")[:15][::-1]
    for r, lo, hi in zip(shown, lows, highs):
        mu, conf = float(r["mu_star"]), float(r["mu_star_conf"])
        assert lo == pytest.approx(max(mu - conf, 0.0)) and hi == pytest.approx(mu + conf)


def test_trajectory_panels_wrap_long_titles_and_anchors_instead_of_cutting_them() -> None:
    """The panel title "Date (years) of introduction of emission standards for medium-s…" and the
    anchors ("Russia's maximal claims (furt…") were cut while the figure's lower third was empty:
    names and anchors wrap onto the room there is (an ellipsis only for a very long text), no two
    anchors' texts overlap, and the figure ends under its legend."""
    s = _example("eu-emission-standards")
    fig = plot_trajectories(s, run(s, "bdm", seed=1))
    issue = s.issue("emission_standards")
    panel = next(ax for ax in fig.axes if ax.get_title(loc="left"))
    title = panel.get_title(loc="left").split("\nforecast")[0]
    assert " ".join(title.split()) == issue.label
    anchors = [" ".join(t.split()) for t in plots.tick_labels(panel, "y", opposite=True)]
    assert anchors == [lab for _, lab in sorted(issue.anchors.items())]
    assert not _texts_outside(fig)
    r = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(r)
    assert legend.y0 - fig.bbox.y0 < 0.5 * fig.dpi  # no empty band under the legend

    s = _example("ukraine-settlement")
    fig = plot_trajectories(s, run(s, "bdm", seed=1))
    assert not _texts_outside(fig)
    r = fig.canvas.get_renderer()
    for issue, ax in zip(s.issues, [a for a in fig.axes if a.get_title(loc="left")]):
        texts = [t for t in ax.texts if t.get_gid() == "ytick2"]
        for t, (_, lab) in zip(texts, sorted(issue.anchors.items())):
            shown = " ".join(t.get_text().split())
            assert shown == lab or (len(lab) > 60 and shown.endswith("\u2026")), (shown, lab)
        boxes = sorted((t.get_window_extent(r) for t in texts), key=lambda b: b.y0)
        assert all(a.y1 <= b.y0 + 1 for a, b in zip(boxes, boxes[1:])), issue.id


def test_the_provenance_lists_options_in_words_and_no_empty_columns():
    """Provenance showed JSON blobs ({"months": null, "rule": "scenario"}), an empty variant cell,
    and the Actors table an empty "group" column when no actor has a group."""
    import re

    s = SCENARIO
    page = render_html(s, [run(s, "mean"), run(s, "bdm", options={"rounds": 3})], [])
    prov = re.sub(r"\s+", " ", page[page.index('id="provenance"'):])
    assert "rounds: 3" in prov and '{"' not in prov
    assert "<td>default</td>" in prov
    has_group = any(a.group for a in s.actors)
    assert ("<th>group</th>" in page) == has_group
    no_groups = s.model_copy(update={"actors": [a.model_copy(update={"group": None}) for a in s.actors]})
    assert "<th>group</th>" not in render_html(no_groups, [run(no_groups, "mean")], [])


def test_a_command_of_another_kind_in_the_same_folder_removes_none_of_a_run_s_files(tmp_path):
    """`run --out mix` then `sensitivity --out mix`: the sensitivity's manifest replaced the run's,
    and the run's result.json, report.html, positions.csv and charts were deleted as stale."""
    from detente.scenario.io import manifest_name, staged_folder

    out = tmp_path / "mix"
    with staged_folder(out) as tmp:
        for name in ("result.json", "report.html", "issue-x.png"):
            (tmp / name).write_text("run")
    with staged_folder(out, "sensitivity") as tmp:
        (tmp / "sensitivity.json").write_text("s")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["result.json", "report.html", "issue-x.png", "sensitivity.json", MANIFEST, manifest_name("sensitivity")])
    with staged_folder(out) as tmp:  # a later run of another scenario: its own stale chart goes
        for name in ("result.json", "report.html", "issue-y.png"):
            (tmp / name).write_text("run 2")
    assert not (out / "issue-x.png").exists() and (out / "sensitivity.json").exists()


def test_the_files_move_with_interruptions_held(tmp_path, monkeypatch):
    """An interruption while the files moved into an existing folder left old and new files mixed."""
    import signal

    from detente.scenario import io as sio

    out = tmp_path / "o"
    out.mkdir()
    masks = []
    real = os.replace

    def replace(a, b):  # the signals blocked while each file moves
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, set()))
        real(a, b)

    monkeypatch.setattr(sio.os, "replace", replace)
    with sio.staged_folder(out) as tmp:
        (tmp / "a.txt").write_text("a")
        (tmp / "b.txt").write_text("b")
    assert masks and all({signal.SIGINT, signal.SIGTERM} <= m for m in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())  # released after


def test_report_tables_are_scoped_captioned_first_and_reachable_by_keyboard() -> None:
    """An accessibility audit (axe-core in Chromium) of the flagship's and the EU example's reports:
    header cells without scope, captions after the rows (invalid HTML), empty header cells, wide
    tables that scrolled in boxes the keyboard could not reach, and the "why each actor moved"
    box (max-height 30rem, overflow auto) that cut a printed report to 2 of its 16 rows."""
    import re

    from detente.explain import attach
    from detente.runner import run
    from detente.scenario.io import load

    s = load(Path(__file__).resolve().parents[1] / "examples" / "eu-emission-standards.yaml")
    html = render_html(s, [attach(s, run(s, "bdm"))], [])
    tables = re.findall(r"<table\b.*?</table>", html, re.S)
    assert len(tables) >= 5 and 'class="reasons tall"' in html
    for t in tables:
        assert not re.search(r"<th(?![^>]*scope=)[\s>]", t), t[:200]
        assert not re.search(r"<th[^>]*>\s*</th>", t), t[:200]
        if "<caption" in t:
            assert re.match(r"<table\b[^>]*><caption", t), t[:200]
    wrapped = re.findall(r'<div class="scroll[^"]*" tabindex="0" role="region" aria-label="([^"]+)"><table', html)
    assert len(wrapped) == len(tables) and all(label.strip() for label in wrapped)
    assert 'style="max-height' not in html  # no inline box that printing cuts
    assert re.search(r"@media print \{.*\.scroll, \.scroll\.tall \{ max-height: none; overflow: visible; \}", html, re.S)
    # no issue of this scenario has a status quo: the gains are not measured, said once, no table of zeros
    assert "no issue has one" in html and 'class="winners"' not in html


def test_chart_alt_texts_carry_the_numbers_the_charts_show() -> None:
    """The charts' alt texts were their titles only ("settlement probability by month")."""
    from detente.report.html import figure_alt
    from detente.runner import run
    from detente.scenario.io import load

    s = load(Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml")
    war = run(s, "war", draws=300, seed=1)
    by = war.trajectory.extras["settlement_by_month"]
    alt = figure_alt("war-settlement-probability-by-month", "settlement probability by month", s, [war])
    assert alt.startswith("settlement probability by month: P(a deal) by 6 months ")
    assert f"60 months {round(100 * by[60])} %" in alt
    alt = figure_alt("issue-territory", "Territorial line: actors and forecasts", s, [war])
    assert "war " in alt and "(given a deal)" in alt and any(ch.isdigit() for ch in alt)
