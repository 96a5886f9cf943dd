"""The written report in Debian's Chromium (Playwright driving the system browser, no download):
the page opens with the bottom line - one line per issue, then the war model's named endings -
before the per-model tables, and its figures (including the distributions over draws) load.
Skipped, visibly, when Chromium is not installed (``apt-get install chromium``) or
``$DETENTE_CHROMIUM`` does not point at one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from detente.report.outputs import write_outputs  # noqa: E402
from detente.runner import run  # noqa: E402
from detente.scenario.io import load  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "examples" / "ukraine-settlement.yaml"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = load(FLAGSHIP)
    results = [run(s, m, draws=300, seed=11) for m in ("mean", "bdm", "war")]
    out = tmp_path_factory.mktemp("report") / "out"
    write_outputs(out, s, results)
    return out / "report.html"


@pytest.fixture(scope="module")
def page(report: Path, browser):  # type: ignore[no-untyped-def]
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(report.as_uri())
    pg.wait_for_load_state("load")
    yield pg
    pg.close()
    assert not errors


def test_the_report_leads_with_the_bottom_line(page):  # type: ignore[no-untyped-def]
    s = load(FLAGSHIP)
    headings = page.locator("h2").all_inner_texts()
    assert headings[0] == "Bottom line" and headings[1] == "Forecasts by model"
    rows = page.locator("table.bottom-line tbody tr")
    assert rows.count() == len(s.issues)
    assert [rows.nth(k).get_attribute("data-issue") for k in range(rows.count())] == s.issue_ids
    first = rows.nth(0).inner_text()
    assert "models" in first and ("agree" in first or "disagree" in first)
    table = page.locator("table.bottom-line").inner_text()  # the interval's kind: in its header or cells
    assert "input uncertainty" in table or "forecast interval (calibrated on DEU III" in table
    # the bottom line is drawn above the per-model tables, the war's endings between them
    top = page.locator("#bottom-line").bounding_box()["y"]
    war = page.locator("#war-headline").bounding_box()["y"]
    tables = page.locator("#forecasts").bounding_box()["y"]
    assert top < war < tables
    assert top < 900  # on the first screen
    endings = page.locator("table.war-endings").inner_text()
    assert "military victory of Russia" in endings and "deal" in endings
    assert "victory_A" not in page.locator("body").inner_text()


def test_the_report_shows_distributions_and_range_over_rounds(page):  # type: ignore[no-untyped-def]
    s = load(FLAGSHIP)
    # the distributions over draws are drawn under the actors in each issue figure (issue #12)
    figs = page.locator("figure[id^='fig-issue-']")
    assert figs.count() == len(s.issues)
    assert page.locator("figure[id^='fig-distribution-']").count() == 0
    loaded = page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert loaded
    assert page.locator("th", has_text="range over rounds").count() == len(s.issues)


def test_the_report_and_the_comparison_never_scroll_sideways_on_a_phone(report, browser, tmp_path):  # type: ignore[no-untyped-def]
    """At 390 px report.html scrolled sideways to 1060 px (its tables and the input hash) and
    compare.html to 619 px; now a wide table scrolls in its own box."""
    from detente.report.compare_html import write_comparison
    from test_web_browser import _OUTSIDE

    views = [load(FLAGSHIP), load(REPO / "examples" / "ukraine-settlement-contrast.yaml")]
    write_comparison(tmp_path / "cmp", views, [[run(s, m, draws=200, seed=3) for m in ("mean", "war")] for s in views])
    for f in (report, tmp_path / "cmp" / "compare.html"):
        pg = browser.new_page(viewport={"width": 390, "height": 900})
        pg.goto(f.as_uri())
        pg.wait_for_load_state("load")
        got = pg.evaluate(_OUTSIDE)
        pg.close()
        assert got["page"][0] <= got["page"][1] and not got["outside"], (f.name, got)
