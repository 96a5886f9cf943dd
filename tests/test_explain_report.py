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
    # per run one winners chart; per issue and round-based run one per-actor chart; one perception plane
    assert names == sorted(["explain-bdm-winners.png", "explain-mean-winners.png", "explain-bdm-perception.png"]
                           + [f"explain-bdm-actors-{i}.png" for i in s.issue_ids])
    assert actor_colour(s.actor_ids, "russia") != actor_colour(s.actor_ids, "ukraine")
    from PIL import Image

    with Image.open(report / "explain-bdm-actors-territory.png") as im:  # small: 6 x 3.2 in at 80 dpi
        assert im.size == (480, 256)


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
    # per-actor trajectories: one image per issue, loaded and drawn
    imgs = pg.locator("#explain-bdm figure[id^='fig-explain-bdm-actors-'] img")
    assert imgs.count() == len(s.issue_ids)
    widths = imgs.evaluate_all("els => els.map(e => e.complete ? e.naturalWidth : 0)")
    assert all(w > 0 for w in widths)
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
    # the same figure twice): no per-actor explain charts then, the winners chart stays
    s = load(FLAGSHIP)
    r = attach(s, run(s, "bdm", seed=1))
    stems = [stem for stem, _, _ in explain_figures(s, [r])]
    assert stems == ["explain-bdm-winners", "explain-bdm-perception"]
    from detente.report.plots import figures_for

    assert {f"trajectory-bdm-{i}" for i in s.issue_ids} <= {stem for stem, _, _ in figures_for(s, [r])}
