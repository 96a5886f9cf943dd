"""The report's "Why it lands there" section (issue #11), rendered and checked in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.explain import attach
from detente.report.explain import actor_colour, explain_figures
from detente.report.outputs import write_outputs
from detente.runner import run
from detente.scenario.io import load

from conftest import EXAMPLES

FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = load(FLAGSHIP)
    results = [attach(s, run(s, m, draws=20, seed=1)) for m in ("bdm", "mean")]
    out = tmp_path_factory.mktemp("rep") / "out"
    write_outputs(out, s, results)
    return out


def test_figure_budget_and_colours(report: Path) -> None:
    s = load(FLAGSHIP)
    names = sorted(p.name for p in report.glob("explain-*.png"))
    # one winners chart for all runs and one perception plane (issue #12: every actor by round is in
    # the trajectory charts, not in separate explain charts)
    assert names == ["explain-bdm-perception.png", "explain-winners.png"]
    assert actor_colour(s.actor_ids, "russia") != actor_colour(s.actor_ids, "ukraine")
    from PIL import Image

    with Image.open(report / "explain-bdm-perception.png") as im:  # 6 x 4.6 in at 80 dpi
        assert im.size == (480, 368)


def test_one_winners_chart_shows_every_run() -> None:
    s = load(FLAGSHIP)
    results = [attach(s, run(s, m, draws=20, seed=1), war_sensitivity=False) for m in ("bdm", "mean")]
    figs = {stem: fig for stem, _, fig in explain_figures(s, results)}
    ax = figs["explain-winners"].axes[0]
    bars = [p for c in ax.containers for p in c]
    assert len(ax.containers) == 2 and len(bars) == 2 * len(s.actor_ids)
    for c, r in zip(ax.containers, results):  # each run's gains, actors in the scenario's order
        gain = {row["actor"]: row["gain"] for row in r.explain["utility"]["actors"]}
        assert [p.get_width() for p in c] == pytest.approx([gain[a] for a in s.actor_ids])
    legend = [t.get_text() for t in figs["explain-winners"].legends[0].get_texts()]
    assert legend[0].startswith("bdm: BDM basic utility") and legend[1].startswith("mean: quadratic loss")


def test_trajectory_charts_draw_every_actor_at_point_values_with_draws() -> None:
    from detente.report.plots import actor_trajectories, plot_trajectory

    s = load(FLAGSHIP)
    r = attach(s, run(s, "bdm", draws=20, seed=1), war_sensitivity=False)
    ax = plot_trajectory(s, "territory", r).axes[0]
    actors = actor_trajectories(ax)
    per = r.events["positions"]["territory"]
    assert len(actors) == len(per)
    for a, ys in per.items():
        name = next(y for lab, y in actors.items() if lab.replace("\n", " ") == s.actor(a).label)
        assert list(name) == pytest.approx(ys)
    assert any(ln.get_label().startswith("forecast at point values: ") for ln in ax.get_lines())
    # without the explanation there is no point-value run: no per-actor lines over draws
    bare = plot_trajectory(s, "territory", run(s, "bdm", draws=20, seed=1)).axes[0]
    assert not actor_trajectories(bare)


def test_no_explain_figures_without_explain() -> None:
    s = load(FLAGSHIP)
    assert explain_figures(s, [run(s, "mean")]) == []


def test_report_shows_the_sections_in_chromium(report: Path, browser) -> None:  # type: ignore[no-untyped-def]
    s = load(FLAGSHIP)
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.goto((report / "report.html").as_uri())
    assert pg.locator("h2#explain").inner_text() == "Why it lands there"
    for lab in ("bdm", "mean"):
        assert pg.locator(f"#winners-{lab}").is_visible()
        rows = pg.locator(f"#explain-{lab} table.winners tbody tr")
        assert rows.count() == len(s.actor_ids)
        verdicts = set(rows.locator("td:nth-child(6)").all_inner_texts())
        assert verdicts <= {"gains", "loses", "indifferent"} and verdicts
        assert pg.locator(f"#pivotal-{lab}").is_visible()
        ranks = pg.locator(f"#explain-{lab} table.pivotal tbody tr td:first-child").all_inner_texts()
        assert ranks == [str(n) for n in range(1, len(s.actor_ids) + 1)]
    # one winners chart for all runs, loaded and drawn, before the runs' sections
    assert pg.locator("#fig-explain-winners img").evaluate("e => e.complete && e.naturalWidth") > 0
    # per-actor trajectories: in the report's "bdm by round" chart, one panel per issue, linked from here
    imgs = pg.locator("h2#figures ~ figure#fig-trajectory-bdm img")
    assert imgs.count() == 1
    assert imgs.evaluate("e => e.complete && e.naturalWidth") > 0
    assert pg.locator("#explain-bdm a[href='#figures']").count() == 1
    # why each actor moved in round r
    reasons = pg.locator("#explain-bdm table.reasons tbody tr")
    assert reasons.count() > 0
    first = reasons.first.inner_text()
    assert any(t in first for t in ("conflict", "compromise", "capitulation"))
    assert "reproduces the model's rounds: yes" in pg.locator("#explain-bdm").inner_text()
    assert pg.locator("#fig-explain-bdm-perception img").evaluate("e => e.naturalWidth") > 0
    # the static model has no rounds: no trajectories or reasons there
    assert pg.locator("#explain-mean table.reasons").count() == 0
    # the generic Figures section does not repeat the explanation figures
    assert pg.locator("h2#figures ~ figure[id^='fig-explain-']").count() == 0
    pg.close()


def test_one_draw_does_not_repeat_the_trajectory_charts() -> None:
    # with one draw the report's "<model> by round" charts already draw every actor (issue #12: never
    # the same figure twice): no per-actor explain charts, the winners chart stays
    s = load(FLAGSHIP)
    r = attach(s, run(s, "bdm", seed=1))
    stems = [stem for stem, _, _ in explain_figures(s, [r])]
    assert stems == ["explain-winners", "explain-bdm-perception"]
    from detente.report.plots import figures_for

    stems = [stem for stem, _, _ in figures_for(s, [r])]
    assert "trajectory-bdm" in stems and not any(stem.startswith("trajectory-bdm-") for stem in stems)


def test_no_winners_chart_without_a_status_quo() -> None:
    """Gains are measured against the status quo: with none on any issue nothing is measured (not
    "indifferent", not 0), there is no chart, and the page, the terminal and the JSON say so."""
    from detente.report.explain import explain_section
    from detente.scenario.model import Scenario

    s = Scenario.model_validate({"name": "no sq", "actors": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
                                 "issues": [{"id": "x"}], "stances": [
                                     {"actor": a, "issue": "x", "position": p} for a, p in (("A", 10), ("B", 50), ("C", 90))]})
    results = [attach(s, run(s, "mean"), war_sensitivity=False)]
    assert [stem for stem, _, _ in explain_figures(s, results)] == []
    assert "no issue has one: who gains and who loses is not measured" in explain_section(s, results, [])
    rows = results[0].explain["utility"]["actors"]
    assert all(a["gain"] is None and a["p_gain"] is None and a["verdict"] == "not measured (no status quo)"
               for a in rows)
    from detente.report.explain import explain_tables
    from detente.report.tables import render_text

    text = " ".join(render_text(explain_tables(results), width=100).split())
    assert "Pivotal actors (mean)" in text and "Who gains, who loses" not in text and "indifferent" not in text
    assert "no issue has one" in text
    with_sq = s.model_copy(update={"issues": [s.issues[0].model_copy(update={"status_quo": 20})]})
    assert [stem for stem, _, _ in explain_figures(with_sq, [attach(with_sq, run(with_sq, "mean"))])] == ["explain-winners"]


def test_explain_prints_the_war_s_shares_and_what_moves_p_deal(capsys) -> None:  # type: ignore[no-untyped-def]
    """``--explain`` promised, for the war model, which inputs move P(deal within 12 months) most; the
    terminal printed only who gains and loses (the report and the web page had the rest)."""
    from detente.cli import main

    assert main(["run", str(FLAGSHIP), "--model", "war", "--draws", "300", "--explain"]) == 0
    text = " ".join(capsys.readouterr().out.replace("\u2502", " ").split())
    assert "each side's share of the stakes and its cost of fighting" in text
    assert "A: Russia" in text and "B: Ukraine and its" in text  # the sides by name (the war block's)
    assert "What moves P(deal within 12 months) most" in text
    assert "side B (Ukraine and its Western backers)" in text  # the war block's name, not "+3" actors
    assert "raises P(deal)" in text or "lowers P(deal)" in text


def test_the_report_names_actors_and_sides_in_the_explanations(tmp_path: Path) -> None:
    s = load(FLAGSHIP)
    results = [attach(s, run(s, m, draws=1)) for m in ("bdm",)] + [attach(s, run(s, "war", draws=200))]
    write_outputs(tmp_path / "o", s, results)
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    why = html[html.index('class="winners"'):]
    assert "<td>US administration (Trump)</td>" in why and "<td>us_admin</td>" not in why
    pivotal = why[why.index("Pivotal actors"):]
    assert "<td>Sanctions relief for Russia</td>" in pivotal or "<td>Territorial line</td>" in pivotal
    assert not any(f"<td>{i}</td>" in pivotal for i in s.issue_ids)  # issues by name, never the id
    assert "B: Ukraine and its Western backers" in html


def test_perception_plane_labels_neither_overlap_nor_leave_the_figure() -> None:
    """The flagship's perception plane printed "United Kingdom" over "European Union ...", "NATO" over
    "US administration", hid "conflict" under China's label and cut its title and both axis labels."""
    from detente.report.explain import quad_figure

    s = load(FLAGSHIP)
    r = attach(s, run(s, "bdm", draws=20, seed=1), war_sensitivity=False)
    _, fig = quad_figure(s, r)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()] + [ax.title, ax.xaxis.label, ax.yaxis.label]
    boxes = [t.get_window_extent(renderer) for t in texts]
    page = fig.bbox
    for t, b in zip(texts, boxes):
        assert b.x0 >= page.x0 - 1 and b.x1 <= page.x1 + 1 and b.y0 >= page.y0 - 1 and b.y1 <= page.y1 + 1, t.get_text()
    labels = [(t.get_text(), b) for t, b in zip(texts, boxes) if t in ax.texts]
    for k, (ta, a) in enumerate(labels):
        for tb, b in labels[k + 1:]:
            assert not a.overlaps(b), (ta, tb)
    joined = " ".join(t for t, _ in labels)
    assert "United Kingdom" in joined and "conflict" in joined


def test_explanations_print_numbers_as_the_rest_of_the_report(report: Path) -> None:
    """The report's explanations gave forecasts in three significant digits ("30", "19.4" on a 0-100
    scale), P(gain) as "0.96" where the terminal says "96 %", and gains as "1.23" over "0.0258"."""
    import re

    html = (report / "report.html").read_text()
    issues = html.split('<table class="pivotal-issues">')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', issues)
    assert cells and all(re.fullmatch(r"-?\d+\.\d", c) for c in cells), cells  # 0-100: one decimal
    winners = html.split('<table class="winners">')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>[^<]*</td>((?:<td[^>]*>[^<]*</td>)+)</tr>", winners)
    assert rows
    for row in rows:
        at, sq, gain, p_gain = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert all(re.fullmatch(r"-?\d+\.\d{3}", v) for v in (at, sq, gain)), row
        assert p_gain.endswith(" %"), row
    moves = html.split('<table class="reasons')[1].split("</table>")[0] if '<table class="reasons' in html else ""
    for a, b in re.findall(r'<td class="num">([^<&]*) &rarr; ([^<]*)</td>', moves):
        assert re.fullmatch(r"-?\d+\.\d", a) and re.fullmatch(r"-?\d+\.\d", b), (a, b)
