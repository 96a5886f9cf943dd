"""End-to-end: drive the page in Debian's Chromium through Playwright (the system browser; no
browser download). Skipped, visibly, when Chromium is not installed (``apt-get install chromium``)
or ``$DETENTE_CHROMIUM`` does not point at one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from detente.web.app import create_app  # noqa: E402
from live_server import serve  # noqa: E402
from pages import SMALL, opened_page, run_models, upload  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "examples" / "ukraine-settlement.yaml"
TIMEOUT_MS = 30_000
SHOTS = os.environ.get("DETENTE_SCREENSHOTS")  # keep the screenshots here (default: the test's tmp dir)



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, in a background thread."""
    store = tmp_path_factory.mktemp("store") / "runs.db"
    with serve(create_app(store_url=f"sqlite:///{store}")) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        with opened_page(context, server, TIMEOUT_MS) as pg:
            yield pg
    finally:
        context.close()


def _shot(pg, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, "the screenshot is empty"
    return path


_UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(n => n.offsetParent !== null)
  .filter(n => !(n.getAttribute('aria-label') || (n.id && document.querySelector(`label[for="${CSS.escape(n.id)}"]`))
                 || n.closest('label')))
  .map(n => n.outerHTML.slice(0, 160))"""


def _unlabelled(pg) -> list[str]:  # type: ignore[no-untyped-def]
    """Visible form controls without an accessible name (a label or an aria-label)."""
    return pg.evaluate(_UNLABELLED)


def _upload(pg, path: Path) -> None:  # type: ignore[no-untyped-def]
    upload(pg, path)


def _load_example(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_selector(f"#example-select option[value='{name}']", state="attached")
    pg.select_option("#example-select", name)
    # the tables of the example picked, not those of the one shown before it
    pg.wait_for_selector(f"#scenario[data-source='{name}']:not([hidden])")
    pg.wait_for_selector("#stance-table tbody tr")


def _run(pg, models: list[str], draws: int = 200) -> None:  # type: ignore[no-untyped-def]
    run_models(pg, models, draws)


def _forecasts(pg) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    out = {}
    for cell in pg.locator(".forecast-value").all():
        out[(cell.get_attribute("data-issue"), cell.get_attribute("data-model"))] = float(cell.inner_text())
    return out


def _type(pg, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    loc = pg.locator(selector)
    loc.fill(text)
    loc.dispatch_event("change")


def test_build_from_nothing_run_download_reupload(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg = page
    pg.click("#new-scenario")
    pg.wait_for_selector("#scenario:not([hidden])")
    # empty: the page says what is missing, at once
    pg.wait_for_function("() => document.querySelector('#validity').textContent.includes('problem')")
    assert "Add at least one actor" in pg.locator("#stance-table").inner_text()
    assert pg.locator("#actors-table tbody tr").count() == 0
    _shot(pg, tmp_path, "1-empty")

    _type(pg, "#scenario-name", "Budget talks")
    for name in ("Alpha", "Beta", "Gamma"):
        pg.fill("#new-actor-name", name)
        pg.click("#add-actor")
    for name in ("Tax rate", "Aid level"):
        pg.fill("#new-issue-name", name)
        pg.click("#add-issue")
    assert pg.locator("#actors-table tbody tr").count() == 3
    assert pg.locator("#issues-table tbody tr").count() == 2
    # capabilities: a point and a range; issue scales, status quo and anchors
    pg.locator("#actors-table input[data-field='actors[0].capability']").fill("3")
    pg.locator("#actors-table input[data-field='actors[2].capability']").fill("1..3")
    pg.locator("input[data-field='issues[0].scale.max']").fill("50")
    pg.locator("input[data-field='issues[1].status_quo']").fill("30")
    pg.locator("[data-field='issues[0].anchors']").fill("0 = none; 50 = half")
    pg.locator("[data-field='issues[0].name']").dispatch_event("change")  # re-draw the grid's headings
    cells = {("A1", "I1"): ("10", "1"), ("A2", "I1"): ("30..40", "0.5"), ("A3", "I1"): ("25", "0.8"),
             ("A1", "I2"): ("80", "1"), ("A2", "I2"): ("20", "0.7"), ("A3", "I2"): ("50±5", "0.4")}
    for (a, i), (pos, sal) in cells.items():
        cell = f"#stance-table td[data-cell='{a}|{i}']"
        _type(pg, f"{cell} input.pos", pos)
        # a new stance's salience is empty and reported, never silently 1
        sal_input = pg.locator(f"{cell} input.sal")
        assert sal_input.input_value() == ""
        assert "salience is empty" in pg.locator(f"{cell}").inner_text()
        sal_input.fill(sal)
    # evidence behind one number, citing a source from the scenario's list
    pg.click("#sources-block summary")
    pg.click("#add-source")
    pg.locator("textarea[data-field='sources[0].title']").fill("Finance minister's speech")
    pg.locator("#stance-table td[data-cell='A1|I1'] button.ev").click()
    pg.click("#add-evidence")
    pg.locator("#evidence-panel textarea[data-field$='.evidence[0].quote']").fill("Taxes must stay low")
    pg.locator("#evidence-panel select").select_option("S1")
    pg.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    assert pg.locator("#error-box").is_hidden()
    assert "1" in pg.locator("#stance-table td[data-cell='A1|I1'] button.ev").inner_text()
    assert _unlabelled(pg) == []
    _shot(pg, tmp_path, "2-built")

    _run(pg, ["mean", "median"])
    first = _forecasts(pg)
    assert set(first) == {(i, m) for i in ("I1", "I2") for m in ("mean", "median")}
    # the library gives the same numbers for the same scenario, draws and seed
    from detente.runner import run
    from detente.scenario.model import Scenario

    scenario_json = pg.evaluate("() => state.scenario")
    lib = run(Scenario.model_validate(scenario_json), "mean", draws=200, seed=20261125)
    assert first[("I1", "mean")] == pytest.approx(lib.forecast["I1"], abs=0.051)
    # one colour per model: the table's swatch, the chart's forecast line and the legend agree
    colours = pg.evaluate("""() => ['mean', 'median'].map(m => [
        getComputedStyle(document.querySelector(`.forecast-table tr[data-model='${m}'] .swatch`)).backgroundColor,
        m])""")
    assert colours[0][0] != colours[1][0]
    assert "Input uncertainty" in pg.locator(".forecast-table").first.inner_text()
    head = pg.locator(".forecast-table thead").first.inner_text()
    assert head.count("interval") == head.count("interval (calibrated)")  # the draws band is never called one
    assert pg.locator("svg.scale-chart circle").count() >= 6
    assert pg.locator("#download-outputs").get_attribute("href").endswith("/outputs.zip")
    _shot(pg, tmp_path, "3-results")
    with pg.expect_download() as dl:  # the zip, named by the server
        pg.click("#download-outputs")
    assert dl.value.suggested_filename.endswith(".zip")
    # a run the server no longer keeps: said on the page (a plain link failed in the download list only)
    real = pg.locator("#download-outputs").get_attribute("href")
    pg.evaluate("() => document.querySelector('#download-outputs').setAttribute('href', '/api/runs/gone/outputs.zip')")
    pg.click("#download-outputs")
    pg.locator("#download-status").wait_for(state="visible")
    assert "no longer on the server" in pg.locator("#download-status").inner_text()
    pg.evaluate(f"() => document.querySelector('#download-outputs').setAttribute('href', {real!r})")

    # download the YAML: it validates, and re-uploading it gives the same forecast
    with pg.expect_download() as dl:
        pg.click("#export-yaml")
    yaml_path = tmp_path / "budget.yaml"
    dl.value.save_as(str(yaml_path))
    from detente.scenario.io import load

    back = load(yaml_path)
    assert [a.label for a in back.actors] == ["Alpha", "Beta", "Gamma"]
    assert back.stances[0].evidence[0].quote == "Taxes must stay low" and back.stances[0].evidence[0].source == "S1"
    assert back.issue("I1").scale.max == 50 and back.issue("I2").status_quo == 30
    _upload(pg, yaml_path)
    pg.wait_for_function("() => document.querySelector('#results-section').hidden")
    _run(pg, ["mean", "median"])
    assert _forecasts(pg) == first


def test_malformed_edit_shows_the_inline_error(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    sal = page.locator("#stance-table td[data-cell='B|tax'] input.sal")
    sal.fill("1.7")
    err = page.locator("#stance-table td[data-cell='B|tax'] .cell-error")
    err.wait_for()
    expected = "Beta / Tax rate: salience must be between 0 and 1 (got 1.7)"
    assert expected in err.inner_text()
    assert expected in page.locator("#error-box").inner_text()
    assert "stances[" not in page.locator("#error-box").inner_text()  # no internal paths
    assert sal.get_attribute("aria-invalid") == "true"
    # text that is no number is reported where it was typed, before any run
    pos = page.locator("#stance-table td[data-cell='C|tax'] input.pos")
    pos.fill("abc")
    page.locator("#stance-table td[data-cell='C|tax'] .cell-error").wait_for()
    assert "Gamma / Tax rate: position must be" in page.locator("#error-box").inner_text()
    page.click("#run-button")
    assert "fix the problems" in page.locator("#run-status").inner_text()
    _shot(page, tmp_path, "4-error")
    # fixing both clears the errors
    sal.fill("0.5")
    pos.fill("25")
    page.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    assert page.locator(".cell-error").count() == 0


def test_malformed_upload_shows_line_and_message(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("position: 25", "position: 75"))  # issue tax's scale is 0-50
    _upload(page, bad)
    box = page.locator("#error-box")
    box.wait_for(state="visible")
    text = box.inner_text()
    assert "bad.yaml" in text
    assert "Gamma / Tax rate: position off the scale [0, 50]" in text
    assert "line 13" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\nactors: {")
    page.once("dialog", lambda d: d.accept())  # replace the edited scenario
    _upload(page, broken)
    page.wait_for_function("() => document.querySelector('#error-box').textContent.includes('broken.yaml')")
    assert "YAML" in box.inner_text()


def test_examples_offer_scenarios_only(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#example-select option[value='ukraine-settlement.yaml']", state="attached")
    values = page.eval_on_selector_all("#example-select option", "os => os.map(o => o.value)")
    assert not [v for v in values if "LICENSE" in v or v.endswith(".md")]


def _war_points(pg) -> str:  # type: ignore[no-untyped-def]
    return pg.locator("svg.settlement-chart polyline").first.get_attribute("points")


_WIDTHS = """() => {
  const page = document.documentElement, wrap = document.querySelector('#issues-table').parentElement;
  const inputs = [...document.querySelectorAll('#issues-table input')];
  return {page: [page.scrollWidth, page.clientWidth], editor: [wrap.scrollWidth, wrap.clientWidth],
          narrowest: Math.min(...inputs.map(n => n.getBoundingClientRect().width)) / parseFloat(getComputedStyle(inputs[0]).fontSize)};
}"""


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_issue_editor_fits_the_width(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 1024, 1280 and 1440 px the page never scrolls sideways, and the issue editor fits its own
    box (no scrollbar of its own) with every input still wide enough to read what it holds."""
    pg = page
    _load_example(pg, FLAGSHIP.name)
    assert pg.locator("#issues-table tbody tr").count() >= 5
    assert pg.locator("#issues-table").is_visible()
    problems = []
    for width in (1024, 1280, 1440):
        pg.set_viewport_size({"width": width, "height": 800})
        got = pg.evaluate(_WIDTHS)
        if got["page"][0] > got["page"][1]:
            problems.append(f"the page scrolls sideways at {width} px: {got}")
        if got["editor"][0] > got["editor"][1]:
            problems.append(f"the issue editor scrolls sideways at {width} px: {got}")
        if got["narrowest"] < 4:
            problems.append(f"an issue input is narrower than 4em at {width} px: {got}")
        _shot(pg, tmp_path, f"issues-{width}")
    assert not problems, "\n".join(problems)


_TABLES_FIT = """() => {
  const out = {page: [document.documentElement.scrollWidth, window.innerWidth], tables: {}, clipped: [], small: []};
  for (const id of ['actors-table', 'stance-table', 'sources-table']) {
    const t = document.getElementById(id), w = t.parentElement;
    out.tables[id] = [w.scrollWidth, w.clientWidth];
    // a number in a table is shown whole (the field is wide enough for what it holds)
    for (const n of t.querySelectorAll('input.num')) if (n.scrollWidth > n.clientWidth + 1) out.clipped.push(n.getAttribute('data-field') || n.getAttribute('aria-label'));
    for (const n of t.querySelectorAll('th, td, input, button, span')) {
      const f = parseFloat(getComputedStyle(n).fontSize);
      if (f < 12 && n.textContent.trim() + (n.value || '') !== '') out.small.push(`${n.tagName} ${f}px ${n.outerHTML.slice(0, 60)}`);
    }
  }
  return out;
}"""


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_actors_positions_and_sources_fit_1024(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 1024x768 the flagship's Actors, Positions and Sources tables fit their boxes (no scrollbar of
    their own) and the page never scrolls sideways, with every number shown whole and no text under
    12 px; at 800 px a table may scroll inside its box, the page still never does."""
    pg = page
    pg.set_viewport_size({"width": 1024, "height": 768})
    _load_example(pg, FLAGSHIP.name)
    pg.click("#sources-block summary")  # closed by default
    pg.wait_for_selector("#sources-table tbody tr")
    got = pg.evaluate(_TABLES_FIT)
    problems = [f"{t} scrolls sideways inside its box at 1024 px: {sw} > {cw}"
                for t, (sw, cw) in got["tables"].items() if sw > cw or cw == 0]
    if got["page"][0] > got["page"][1]:
        problems.append(f"the page scrolls sideways at 1024 px: {got['page']}")
    if got["clipped"]:
        problems.append(f"numbers cut off in their fields: {got['clipped']}")
    if got["small"]:
        problems.append(f"text under 12 px: {got['small'][:5]}")
    _shot(pg, tmp_path, "tables-1024")
    for block in ("actors-block", "stances-block", "sources-block"):
        folder = Path(SHOTS) if SHOTS else tmp_path
        pg.locator(f"#{block}").screenshot(path=str(folder / f"tables-1024-{block}.png"))
    pg.set_viewport_size({"width": 800, "height": 768})
    got = pg.evaluate(_TABLES_FIT)
    if got["page"][0] > got["page"][1]:
        problems.append(f"the page scrolls sideways at 800 px: {got['page']}")
    _shot(pg, tmp_path, "tables-800")
    assert not problems, "\n".join(problems)


_EVIDENCE_BOXES = """(sel) => {
  const box = (n) => { const r = n.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; };
  const panel = document.getElementById('evidence-panel'), f = document.activeElement;
  return {panel: box(panel), button: box(document.querySelector(sel)), vw: window.innerWidth, vh: window.innerHeight,
          inside: panel.contains(f), tag: f.tagName, field: f.getAttribute('data-field') || f.id || ''};
}"""


def _inside(b: dict, vw: float, vh: float) -> bool:
    return b["height"] > 0 and b["top"] >= 0 and b["left"] >= 0 and b["bottom"] <= vh and b["right"] <= vw


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_evidence_panel_opens_where_its_button_is(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 1024x768 an evidence button (a stance deep in the Positions table, one at its top with six
    pieces of evidence, an actor's capability) opens its panel wholly in view beside it, focus in its
    first field; Escape or Close shuts it and gives focus back to the button; adding and removing
    evidence keep focus in the panel and the button's count follows."""
    pg = page
    pg.set_viewport_size({"width": 1024, "height": 768})
    _load_example(pg, FLAGSHIP.name)
    rows = pg.locator("#stance-table tbody tr").count()
    cases = [f"#stance-table tbody tr:nth-child({rows}) td:last-child", "#stance-table tbody tr:nth-child(1) td:nth-child(3)",
             "#actors-table tbody tr:last-child"]
    problems = []
    for k, where in enumerate(cases):
        path = pg.locator(f"{where} button.ev").get_attribute("data-evidence")
        sel = f"button.ev[data-evidence='{path}']"
        n = int(pg.locator(f"{sel} .ev-n").inner_text())
        assert n > 0, where
        pg.locator(sel).click()
        pg.locator("#evidence-panel").wait_for(state="visible")
        got = pg.evaluate(_EVIDENCE_BOXES, sel)
        if not _inside(got["panel"], got["vw"], got["vh"]):
            problems.append(f"{path}: the panel is not wholly in the 1024x768 window: {got}")
        if not _inside(got["button"], got["vw"], got["vh"]):
            problems.append(f"{path}: the button that opened the panel went out of view: {got}")
        if not (got["inside"] and got["field"] == f"{path}.evidence[0].quote"):
            problems.append(f"{path}: focus is not in the panel's first field: {got}")
        assert pg.locator("#evidence-panel .ev-item").count() == n
        if k < 2:  # what the user sees (a full-page shot would scroll the window)
            folder = Path(SHOTS) if SHOTS else tmp_path
            pg.screenshot(path=str(folder / f"evidence-1024-{k}.png"))
        pg.keyboard.press("Escape")
        if not pg.locator("#evidence-panel").is_hidden():
            problems.append(f"{path}: Escape did not close the panel")
            pg.click("#evidence-panel button.close")
        back = pg.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('data-evidence')]")
        if back[1] != path:
            problems.append(f"{path}: Escape did not give focus back to the button: {back}")
    assert not problems, "\n".join(problems)

    # Close (by keyboard) gives focus back too; adding and removing evidence keep focus in the panel
    path = pg.locator(f"{cases[0]} button.ev").get_attribute("data-evidence")
    sel = f"button.ev[data-evidence='{path}']"
    n = int(pg.locator(f"{sel} .ev-n").inner_text())
    pg.locator(sel).focus()
    pg.keyboard.press("Enter")
    pg.locator("#evidence-panel").wait_for(state="visible")
    pg.click("#add-evidence")
    assert pg.locator("#evidence-panel .ev-item").count() == n + 1
    got = pg.evaluate(_EVIDENCE_BOXES, sel)
    assert got["inside"] and got["field"] == f"{path}.evidence[{n}].quote", got
    assert _inside(got["panel"], got["vw"], got["vh"]), got
    pg.keyboard.type("A new quote")
    pg.locator("#evidence-panel select").last.select_option(index=1)
    assert pg.locator(f"{sel} .ev-n").inner_text() == str(n + 1)
    assert pg.evaluate("p => state.scenario.stances[+p.match(/\\d+/)[0]].evidence.at(-1)", path)["quote"] == "A new quote"
    pg.locator(f"#evidence-panel button[aria-label='Remove evidence {n + 1}']").click()
    assert pg.locator("#evidence-panel .ev-item").count() == n
    assert pg.evaluate("() => document.getElementById('evidence-panel').contains(document.activeElement)")
    assert pg.locator(f"{sel} .ev-n").inner_text() == str(n)
    pg.locator("#evidence-panel button.close").focus()
    pg.keyboard.press("Enter")
    pg.locator("#evidence-panel").wait_for(state="hidden")
    assert pg.evaluate("() => document.activeElement.getAttribute('data-evidence')") == path
    assert _unlabelled(pg) == []


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_war_form_edit_changes_the_war_chart(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg = page
    _load_example(pg, FLAGSHIP.name)
    _run(pg, ["war", "mean"])
    chart = pg.locator("svg.settlement-chart")
    assert chart.get_attribute("data-ymin") == "0" and chart.get_attribute("data-ymax") == "1"  # probabilities
    card = pg.locator(".war-card")
    text = card.inner_text()
    assert "Russia" in text and "victory of" in text  # sides by name
    assert pg.locator("svg.belief-chart").count() == 1
    # whole months ("7.00 (1.10-35.0)"), a named side's possessive ("backers's"), and p is the chance
    # of winning the war from the front line (it read "wins a battle")
    months = card.locator("tr:has(th:text-is('months to a deal, given one (median, p10–p90)')) td").inner_text()
    assert re.fullmatch(r"\d+ \(\d+–\d+\)", months), months
    legend = " ".join(pg.locator(".belief-chart + .legend, .chart-wrap:has(svg.belief-chart) .legend").first.all_inner_texts())
    assert "Ukraine and its Western backers' estimate of p" in legend and "Russia's estimate of p" in legend, legend
    assert "chance that Russia wins the war from the front line" in legend, legend
    # the war row of each issue's table is the bottom line's number (terms given a deal), and says so;
    # it showed the forecast over every ending (10.7 under a bottom line of 17.5)
    cards = pg.locator(".issue-card:has(.bottom-line)").all()
    assert len(cards) == 5
    for card in cards:
        line = card.locator(".bottom-line p").first.inner_text()
        war_row = card.locator(".forecast-table tr[data-model='war']")
        assert "given a deal" in war_row.locator("th").inner_text()
        shown = war_row.locator(".forecast-value").inner_text()
        assert re.search(rf"war forecast {re.escape(shown)}[ ,]", line), (line, shown)
    # one colour per model everywhere: table swatch, issue chart line, round/war chart line, legend
    for model in ("war", "mean"):
        swatch = pg.evaluate(f"""() => getComputedStyle(document.querySelector(
            ".forecast-table tr[data-model='{model}'] .swatch")).backgroundColor""")
        strokes = pg.evaluate(f"""() => [...document.querySelectorAll("svg [data-model='{model}']")]
            .map(n => getComputedStyle(n).stroke)""")
        assert strokes and set(strokes) == {swatch}, (model, swatch, strokes)
    before = _war_points(pg)
    # the war block's form is generated from its schema; make side A's fighting far costlier
    pg.click("#war-block summary")
    for s in pg.locator(".model-options summary").all():
        s.click()
    assert _unlabelled(pg) == []
    cost = pg.locator("#war-form input[data-field='war.sides.A.cost']")
    assert pg.locator("#stale-note").is_hidden()
    cost.fill("0.2")
    pg.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    assert pg.locator("#stale-note").is_visible()  # the forecast shown is of the scenario as it was
    _run(pg, ["war", "mean"])
    assert pg.locator("#stale-note").is_hidden()
    after = _war_points(pg)
    assert after != before
    _shot(pg, tmp_path, "5-war")
    # an impossible value is named in words at the field
    cost.fill("-1")
    pg.locator("#war-form .cell-error, #war-form .invalid").first.wait_for()
    assert "War, side A" in pg.locator("#error-box").inner_text()


def test_api_docs_work_offline(browser, server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    outside: list[str] = []

    def block(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(server):
            route.continue_()
        else:
            if route.request.resource_type != "image":  # ReDoc's "by Redocly" footer logo is decoration
                outside.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(server + "/docs")
    pg.wait_for_selector(".opblock-summary-path")
    paths = pg.eval_on_selector_all(".opblock-summary-path", "ns => ns.map(n => n.textContent)")
    assert any("/api/run" in p for p in paths) and any("/api/runs/{run_id}" in p for p in paths)
    pg.goto(server + "/redoc")
    pg.wait_for_function("() => document.body.innerText.includes('Validate a scenario')")
    assert not outside, f"the docs fetched from outside: {outside}"
    context.close()


def test_model_options_and_variants_reach_the_run(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    # the variant menu and the options form come from the model's own schema
    box = page.locator("#model-list .model", has=page.locator("#model-bdm"))
    box.locator("summary").click()
    page.select_option("#variant-bdm", "jmckib")
    rounds = box.locator("input[data-field='options.bdm.rounds']")
    rounds.fill("4")
    _run(page, ["bdm", "mean"], draws=1)
    row = page.locator(".forecast-table tr[data-model='bdm']").first
    assert "jmckib" in row.inner_text()
    assert row.locator("td").last.inner_text().strip() == "4"  # rounds
    rounds.fill("many")
    page.locator("#model-list .cell-error, #model-list .invalid").first.wait_for()
    assert "model bdm: rounds must be a whole number" in page.locator("#error-box").inner_text()


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_a_long_run_can_be_cancelled(page) -> None:  # type: ignore[no-untyped-def]
    _load_example(page, FLAGSHIP.name)
    box = page.locator("#model-list .model", has=page.locator("#model-bdm"))
    box.locator("summary").click()
    box.locator("input[data-field='options.bdm.rounds']").fill("60")
    for b in page.locator("#model-list input[name=model]").all():
        (b.check if b.get_attribute("value") == "bdm" else b.uncheck)()
    page.fill("#draws", "20000")
    page.click("#run-button")
    page.locator("#cancel-button").wait_for(state="visible")
    page.click("#cancel-button")
    page.wait_for_function("() => document.querySelector('#run-status').textContent === 'cancelled'")
    assert page.locator("#run-button").is_enabled() and page.locator("#cancel-button").is_hidden()


@pytest.mark.skipif(not (REPO / "examples" / "ukraine-settlement-contrast.yaml").exists(), reason="needs both views")
def test_compare_two_views_in_the_page(page) -> None:  # type: ignore[no-untyped-def]
    _load_example(page, FLAGSHIP.name)
    _run(page, ["mean", "war"])
    page.select_option("#compare-example", "ukraine-settlement-contrast.yaml")
    page.click("#compare-button")
    page.wait_for_selector("#compare-out .diff-table")
    from detente.scenario.io import load

    table = page.locator("#compare-out .compare-table").inner_text()
    assert "war (given a deal)" in table  # the terms given a deal, as the run's tables say
    war = page.locator("#compare-out .compare-war-table").inner_text()  # how the war ends, by view
    for view in (FLAGSHIP, REPO / "examples" / "ukraine-settlement-contrast.yaml"):
        assert load(view).name in table and load(view).name in war
    assert "P(deal) by 12 months" in war and "military victory of Russia" in war
    # one column per view, one row per ending: each share on the line of its ending, in every view
    heads = page.locator("#compare-out .compare-war-table thead th[data-view]").all_inner_texts()
    assert len(heads) == 2 and load(FLAGSHIP).name in heads[0]
    import re

    for row in page.locator("#compare-out .compare-war-table tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        # the second view: its share, then its difference from the first view with the noise
        assert len(cells) == 2 and cells[0].endswith(" %"), (row.inner_text(), cells)
        assert re.fullmatch(r"[\d.]+ % \([+-][\d.]+ \u00b1[\d.]+\)", cells[1]), (row.inner_text(), cells)
    from detente.report.compare import points
    from detente.report.tables import pct  # the page writes shares as the terminal does

    shares = [0.008, 0.041, 0.352, 0.0, 1.0]
    assert page.evaluate("s => s.map(pct)", shares) == [pct(v) for v in shares]
    diffs = [{"difference": 0.3465, "noise": 0.0241}, {"difference": -0.004, "noise": 0.0031},
             {"difference": 0.0, "noise": 0.0}, {"difference": -0.27, "noise": 0.02}]
    assert page.evaluate("s => s.map(points)", diffs) == [" " + points(d) for d in diffs]
    drivers = page.locator("#compare-out .drivers").inner_text()  # what makes the views differ, ranked
    assert "What makes" in drivers and "capability of Russia" in drivers and "Effect" in drivers
    assert "the war blocks differ in structure" in drivers
    diffs = page.locator("#compare-out .diff-table tbody tr")
    assert diffs.count() > 3
    assert " / " in page.locator("#compare-out .diff-table").inner_text()  # stances named actor / issue
    # clearing an actor's capability is reported, not replaced by a default
    cap = page.locator("#actors-table input[data-field='actors[0].capability']")
    cap.fill("")
    page.locator("#actors-table .cell-error").first.wait_for()
    assert "capability is empty" in page.locator("#error-box").inner_text()


_TEXT_HIDDEN = """() => [...document.querySelectorAll('#actors-table textarea.wrap, #issues-table textarea.wrap, #sources-table textarea.wrap')]
  .filter((t) => t.scrollHeight > t.clientHeight + 1 || t.scrollWidth > t.clientWidth + 1)
  .map((t) => t.getAttribute('data-field'))"""


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_names_titles_and_descriptions_are_shown_whole(page) -> None:  # type: ignore[no-untyped-def]
    """At 1024 px actor names ("US administration (Trum"), descriptions and source titles were cut at
    the edge of their one-line boxes; now they wrap onto as many lines as they need (a very long text
    scrolls inside its box), and stay one-line values: Enter adds no line break, a pasted one becomes a space."""
    pg = page
    pg.set_viewport_size({"width": 1024, "height": 768})
    _load_example(pg, FLAGSHIP.name)
    pg.click("#sources-block summary")
    pg.wait_for_selector("#sources-table tbody tr")
    fields = pg.eval_on_selector_all("textarea.wrap", "ts => ts.map(t => t.getAttribute('data-field'))")
    assert {"actors[2].name", "actors[2].description", "issues[0].description", "sources[0].title"} <= set(fields)
    us = pg.locator("[data-field='actors[2].name']")
    assert us.input_value() == "US administration (Trump)"
    short = [f for f in pg.evaluate(_TEXT_HIDDEN) if f.startswith(("actors", "sources")) or f.endswith(".id")]
    assert short == [], f"text cut at the edge of its box: {short}"  # ids too ('military_ai', 'settlement')
    assert pg.locator("[data-field='issues[4].id']").input_value() == "settlement_form"
    box = us.bounding_box()
    assert box and box["height"] > 30  # on two lines at this width, not one cut line
    us.click()
    pg.keyboard.press("End")
    pg.keyboard.press("Enter")
    assert us.input_value() == "US administration (Trump)"
    us.fill("US administration\n(Trump)")
    assert us.input_value() == "US administration (Trump)"
    assert pg.evaluate("() => state.scenario.actors[2].name") == "US administration (Trump)"
    # the war block's free text too (a side's name)
    from detente.scenario.io import load

    pg.click("#war-block summary")
    side = pg.locator("#war-form [data-field='war.sides.B.name']")
    assert side.evaluate("t => t.tagName") == "TEXTAREA"
    assert side.input_value() == load(FLAGSHIP).war["sides"]["B"]["name"]
    assert side.evaluate("t => t.scrollHeight <= t.clientHeight + 1 && t.scrollWidth <= t.clientWidth + 1")


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_anchors_are_edited_one_per_line(page) -> None:  # type: ignore[no-untyped-def]
    """The anchors were one line of "point = label; point = label" in a 20-character box: the
    flagship's six long labels could be neither read nor edited there."""
    from detente.scenario.io import load

    pg = page
    pg.set_viewport_size({"width": 1024, "height": 768})
    _load_example(pg, FLAGSHIP.name)
    box = pg.locator("[data-field='issues[0].anchors']")
    anchors = load(FLAGSHIP).issues[0].anchors
    lines = box.input_value().split("\n")
    assert len(lines) == len(anchors) and lines[0] == f"0 = {anchors[0]}"  # one per line, in order
    hidden = [f for f in pg.evaluate(_TEXT_HIDDEN) if f == "issues[0].anchors"]
    assert hidden == [] or box.evaluate("t => t.scrollHeight > t.clientHeight")  # whole, or scrolls when very long
    box.click()
    pg.keyboard.press("Control+End")
    pg.keyboard.press("Enter")  # Enter starts the next anchor
    pg.keyboard.type("95 = nearly all")
    got = pg.evaluate("() => state.scenario.issues[0].anchors")
    assert got["95"] == "nearly all" and len(got) == len(anchors) + 1
    box.fill("0 = none; 100 = all")  # a semicolon still separates two anchors
    assert pg.evaluate("() => state.scenario.issues[0].anchors") == {"0": "none", "100": "all"}
    box.fill("0 = none\nnot an anchor")
    pg.wait_for_selector("#error-box:not([hidden])")
    assert "one per line" in pg.locator("#error-box").inner_text()


def test_edits_are_not_replaced_without_asking(page) -> None:  # type: ignore[no-untyped-def]
    """Picking another example (also by browsing the menu with the arrow keys), a new empty scenario
    or an upload replaced an edited scenario at once; a reload lost it without a word."""
    _load_example(page, FLAGSHIP.name)
    _load_example(page, "eu-emission-standards.yaml")  # nothing edited: no question
    name = page.locator("#actors-table [data-field='actors[0].name']")
    name.fill("Bonn")
    name.dispatch_event("change")
    asked: list[str] = []

    def refuse(d):  # type: ignore[no-untyped-def]
        asked.append(d.message)
        d.dismiss()

    page.once("dialog", refuse)
    page.select_option("#example-select", FLAGSHIP.name)
    page.wait_for_function("() => document.querySelector('#example-select').value === 'eu-emission-standards.yaml'")
    assert asked and "Your changes" in asked[0]
    assert name.input_value() == "Bonn"  # kept
    page.once("dialog", refuse)
    page.click("#new-scenario")
    assert len(asked) == 2 and name.input_value() == "Bonn"
    page.once("dialog", lambda d: d.accept())
    page.select_option("#example-select", FLAGSHIP.name)
    page.wait_for_selector("#actors-table tr[data-actor='russia']")
    assert page.locator("#actors-table [data-field='actors[0].name']").input_value() == "Russia"


def test_removing_an_actor_takes_it_out_of_the_war_block(page) -> None:  # type: ignore[no-untyped-def]
    """The war block kept a removed actor's id (side A: ['rus'], a ratifier 'us_congress'), which the
    page then reported as "actors #1 unknown actor id" with no field to fix."""
    _load_example(page, FLAGSHIP.name)
    for actor in ("us_congress", "uk"):  # a ratifier of side B; a member of side B
        with page.expect_response("**/api/scenarios/validate") as checked:
            page.locator(f"#actors-table tr[data-actor='{actor}'] button[aria-label^='Remove actor']").click()
        assert checked.value.status == 200, checked.value.text()
        assert page.locator("#validity").inner_text() == "The scenario is valid."
        assert page.locator(f"#actors-table tr[data-actor='{actor}']").count() == 0


def test_what_stops_run_or_compare_is_said_beside_the_button(page) -> None:  # type: ignore[no-untyped-def]
    """Draws 0, a negative seed, no model, or a view that does not compare: the message went only to
    the problem box at the top of the page, thousands of pixels out of view; the status stayed empty."""
    _load_example(page, FLAGSHIP.name)
    _run(page, ["mean"])
    page.fill("#draws", "0")
    page.click("#run-button")
    status = page.locator("#run-status")
    page.wait_for_function("() => document.querySelector('#run-status').textContent.startsWith('not started')")
    assert "draws" in status.inner_text() and status.is_visible()
    assert "status bad" in (status.get_attribute("class") or "")
    assert page.locator("#validity").inner_text() == "The scenario is valid."  # the run's setting, not the scenario's
    limit = page.evaluate("() => Number(document.querySelector('#draws').max)")
    for typed, words in (("1e9", f"from 1 to {limit:,} (this server's limit) (got 1e9)"), ("", "give the number of draws"),
                         ("2.5", "(got 2.5)")):
        page.fill("#draws", typed)
        page.click("#run-button")
        page.wait_for_function("w => document.querySelector('#run-status').textContent.includes(w)", arg=words)
        assert "(got 0)" not in status.inner_text() and "1000000" not in status.inner_text()
    page.fill("#draws", "10")
    page.fill("#seed", "-1")
    page.click("#run-button")
    page.wait_for_function("() => document.querySelector('#run-status').textContent.includes('seed')")
    page.fill("#seed", "1")
    for box in page.locator("#model-list input[name=model]").all():
        box.uncheck()
    page.click("#run-button")
    page.wait_for_function("() => document.querySelector('#run-status').textContent.includes('choose at least one model')")
    _run(page, ["mean"])
    assert "bad" not in (status.get_attribute("class") or "")
    page.select_option("#compare-example", "eu-emission-standards.yaml")
    page.click("#compare-button")
    page.wait_for_function("() => document.querySelector('#compare-status').textContent.startsWith('cannot compare')")
    assert page.locator("#compare-status").is_visible()
    assert page.locator("#validity").inner_text() == "The scenario is valid."


def test_bottom_line_calibrated_interval_and_explanations(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A real run shows the library's bottom line, the calibrated forecast interval next to the draws
    band (each under its own name) and, when asked, the explanations."""
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    page.check("#explain")
    _run(page, ["mean", "median"])
    card = page.locator(".issue-card[data-issue='tax']")
    heads = card.locator(".forecast-table thead").inner_text()
    assert "Forecast interval (calibrated)" in heads and "Input uncertainty" in heads
    lo, hi = page.evaluate("() => state.results.find(r => r.model === 'mean').interval.tax")
    assert lo < hi
    assert card.locator("tr[data-model='mean'] .calibrated").inner_text() != "–"
    line = card.locator(".bottom-line").inner_text()
    assert "forecast interval (calibrated)" in line and "models" in line  # agreement verdict
    assert "calibrated on DEU III" in line
    explain = page.locator(".explain-card").first.inner_text()
    assert "Alpha" in explain and "Beta" in explain  # actor ids shown by name
    _shot(page, tmp_path, "6-explain")


def test_explanations_are_sections_not_a_dump(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With "explain" ticked, each model gets the report's sections: who gains and who loses (table by
    actor NAME with a gain column, one bar per actor), the pivotal ranking and per-issue contributions,
    and for a round-based model (bdm) the per-actor round charts and the reasons, round by round."""
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    page.check("#explain")
    _run(page, ["bdm", "mean"], draws=40)
    names = {"Alpha", "Beta", "Gamma"}
    for model in ("bdm", "mean"):
        card = page.locator(f".explain-card[data-model='{model}']")
        assert card.count() == 1
        heads = card.locator(".winners-table thead").inner_text().lower()
        assert "gain" in heads and "at status quo" in heads and "verdict" in heads
        shown = {t.strip() for t in card.locator(".winners-table tbody th").all_inner_texts()}
        assert shown == names  # by name, never the id
        assert card.locator(".gains-chart rect.gain-bar").count() == 3  # one bar per actor
        assert "Utility:" in card.locator(".utility-note").inner_text()
        ranking = {t.strip() for t in card.locator(".pivotal-ranking tbody th").all_inner_texts()}
        assert ranking == names
        assert card.locator(".pivotal-issue[data-issue='tax'] .pivotal-contributions tbody tr").count() == 3
        assert card.locator(".kv").count() == 0  # no generic key/value dump
    bdm = page.locator(".explain-card[data-model='bdm']")
    moves = page.evaluate("() => state.results.find(r => r.model === 'bdm').events.rounds"
                          ".reduce((n, r) => n + r.moves.length, 0)")
    rows = bdm.locator(".reasons-table tbody tr")
    assert moves > 0 and rows.count() == min(moves, 60)
    assert rows.first.locator("td.why").inner_text().strip()
    assert bdm.locator(".reasons-table tbody th").first.inner_text().strip() in names
    assert bdm.locator(".actor-round-chart").count() == 2  # one per issue
    # more than 60 moves: the first 60 and a "show all" toggle (the bdm events repeated, drawn by the page)
    page.evaluate("""() => { const r = JSON.parse(JSON.stringify(state.results.find(x => x.model === 'bdm')));
      r.model = 'bdm-long'; while (r.events.rounds.reduce((n, x) => n + x.moves.length, 0) <= 60)
        r.events.rounds = r.events.rounds.concat(r.events.rounds.map(x => ({...x, round: x.round + r.events.rounds.length})));
      document.querySelector('#results').append(explainCard(state.resultScenario || state.scenario, r)); }""")
    long = page.locator(".explain-card[data-model='bdm-long']")
    total = page.evaluate("() => [...document.querySelectorAll(\".explain-card[data-model='bdm-long'] .reasons-table\")].length")
    assert total == 1
    long_rows = long.locator(".reasons-table tbody tr")
    assert long_rows.count() == 60
    long.locator(".show-all-reasons").click()
    assert long_rows.count() > 60
    long.locator(".show-all-reasons").click()
    assert long_rows.count() == 60
    page.evaluate("() => document.querySelector(\".explain-card[data-model='bdm-long']\").remove()")
    assert page.locator(".explain-card[data-model='mean'] .reasons-table").count() == 0
    _shot(page, tmp_path, "7-explain-sections")
    if SHOTS:  # the bdm card alone, readable
        bdm.screenshot(path=str(Path(SHOTS) / "7-explain-bdm-card.png"))


def test_a_models_summary_stays_at_the_top_of_its_card(page) -> None:  # type: ignore[no-untyped-def]
    """With bdm's options open, its row's other cards grew as tall, and their text sat in the middle."""
    page.wait_for_selector("#model-list .model")
    cards = page.locator("#model-list .model")
    names = [c.locator("input[name=model]").get_attribute("value") for c in cards.all()]
    bdm = cards.nth(names.index("bdm"))
    bdm.locator("details.model-options summary").click()
    tops = {}
    for k, name in enumerate(names):
        card, summary = cards.nth(k).bounding_box(), cards.nth(k).locator(".summary").bounding_box()
        tops[name] = (summary["y"] - card["y"], card["height"])
    assert tops["bdm"][1] > 300  # its options open: a tall card, and so a tall row
    assert all(offset < 60 for offset, _ in tops.values()), tops  # each summary under its model's name


def test_numbers_have_their_issue_s_decimals_as_in_the_terminal(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A range read "7.92–27.0" (3 significant digits at each end); now both ends have the issue's
    decimals, the rule of the terminal and the report (detente.scenario.model.decimals_for)."""
    import re

    from detente.scenario.model import decimals_for

    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    _run(page, ["mean", "median"], draws=200)
    for issue, span in (("tax", 50), ("aid", 100)):
        d = decimals_for(span)
        number = rf"-?\d+\.\d{{{d}}}"
        card = page.locator(f".issue-card:has(td.forecast-value[data-issue='{issue}'])")
        ranges = card.locator(".forecast-table td.calibrated, .forecast-table td.band").all_inner_texts()
        values = card.locator(".forecast-table td.forecast-value").all_inner_texts()
        assert len(ranges) == 4 and len(values) == 2, (issue, ranges, values)  # 2 models x (interval, band)
        for cell in ranges:  # a band the draws did not move is said in words, as in the terminal
            assert re.fullmatch(rf"{number} – {number}|none \(every draw the same\)", cell.strip()), (issue, cell)
        for cell in values:
            assert re.fullmatch(number, cell.strip()), (issue, cell)


def test_round_charts_name_the_series_the_forecast_comes_from(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The exchange model's chart by round named its series "mds" and "voting"; the forecast is the
    voting outcome (its "readout"), which now comes first, in words, marked as the forecast."""
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    _run(page, ["exchange"], draws=1)
    assert page.evaluate("() => state.results.find(r => r.model === 'exchange').readout") == "voting"
    fig = page.locator("figure.chart-wrap:has(svg.trajectory-chart)").first
    items = [t.strip() for t in fig.locator("ul.legend li").all_inner_texts()]
    mine = [t for t in items if t.startswith("exchange: ")]
    assert mine == ["exchange: outcome of the voting positions (the forecast)",
                    "exchange: expected outcome before the exchanges"], items


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_war_explanation_shows_the_sides_shares_and_costs(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The war model's explanation: each side's share given a deal vs at the status-quo line, and the
    expected cost of fighting until a deal, sides and actors by name."""
    _load_example(page, FLAGSHIP.name)
    page.check("#explain")
    _run(page, ["war"], draws=50)
    card = page.locator(".explain-card[data-model='war']")
    heads = card.locator(".war-shares thead").inner_text().lower()
    assert "share given a deal" in heads and "status quo line" in heads and "expected cost" in heads
    sides = page.evaluate("() => state.results[0].explain.war.sides.length")
    assert sides >= 2 and card.locator(".war-shares tbody tr").count() == sides
    assert "Russia" in card.locator(".war-shares tbody").inner_text()  # actors by name
    assert card.locator(".gains-chart rect.gain-bar").count() == page.evaluate(
        "() => state.results[0].explain.utility.actors.length")
    assert "Who gains, who loses (given a deal)" in card.locator(".winners-part h4").inner_text()
    assert "(war, given a deal)" in card.locator(".gains-chart .chart-title").text_content()
    assert "forecast given a deal moves" in card.locator(".pivotal-part").inner_text()
    _shot(page, tmp_path, "8-explain-war")
    if SHOTS:  # the card alone, readable
        card.screenshot(path=str(Path(SHOTS) / "8-explain-war-card.png"))
    _run(page, ["war"], draws=1)  # at the central estimates no war ends in a deal: nothing to read
    card = page.locator(".explain-card[data-model='war']")
    assert "fewer than the 5 needed" in card.locator(".too-few-deals").inner_text()
    assert card.locator(".gains-chart").count() == 0
    ranks = card.locator(".pivotal-ranking tbody td.num:first-child").all_inner_texts()
    assert ranks and set(ranks) == {"–"}, ranks


def test_levers_are_asked_of_the_library(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    _run(page, ["mean"])
    page.click("#levers-button")  # neither a target nor an actor: said so, nothing sent
    assert "Give a target forecast or choose an actor" in page.locator("#levers-out").inner_text()
    page.fill("#levers-target", "20")
    page.click("#levers-button")
    page.wait_for_selector("#levers-out .levers-card table", timeout=120_000)
    assert "Alpha" in page.locator("#levers-out").inner_text()


def test_pooled_scenario_shows_its_mixture_cells(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A pooled scenario's mixture reads 'A 20 · B 30..40' in the grid, survives unedited, and a
    plain value typed over it replaces it."""
    from detente.pool.merge import pool_scenarios
    from detente.scenario.io import read_native, save

    a = read_native(Path("a.yaml"), SMALL)
    b = read_native(Path("b.yaml"), SMALL.replace("position: 10,", "position: 20,")
                    .replace("position: {low: 30, high: 40}", "position: 45"))
    pooled, _ = pool_scenarios([a, b], analysts=["A", "B"], weights=[2, 1])
    f = tmp_path / "pooled.yaml"
    save(pooled, f)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    cell = page.locator("#stance-table td[data-cell='B|tax'] input.pos")
    assert cell.input_value() == "A 30..40 · B 45"
    assert "mixture" in (cell.get_attribute("class") or "")
    assert page.locator("#stance-table td[data-cell='A|tax'] input.pos").input_value() == "A 10 · B 20"
    assert page.locator("#stance-table td[data-cell='C|tax'] input.pos").input_value() == "25"  # both said 25
    page.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    # unedited, the mixture goes back to the server as it came
    sent = page.evaluate("() => state.scenario.stances.find(s => s.actor === 'B' && s.issue === 'tax').position")
    assert sent == {"mixture": [{"weight": 2.0, "value": {"low": 30.0, "high": 40.0}, "analyst": "A"},
                                {"weight": 1.0, "value": 45.0, "analyst": "B"}]}
    # typed back in the same form it parses to the same mixture (the analysts' weights from the scenario)
    cell.fill("A 30..40 · B 45")
    assert page.evaluate("() => state.scenario.stances.find(s => s.actor === 'B' && s.issue === 'tax').position") == sent
    # a plain value replaces the mixture
    cell.fill("33")
    assert page.evaluate("() => state.scenario.stances.find(s => s.actor === 'B' && s.issue === 'tax').position") == 33
    page.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    _run(page, ["mean"])
    assert ("tax", "mean") in _forecasts(page)
    # the bottom line states the library's variance split (R's position on aid: 80 for both, so only tax splits)
    text = page.locator(".analysts[data-issue='tax']").inner_text()
    assert "of the variance between analysts" in text and "position of Alpha on Tax rate" in text


def _levers(pg, model: str, issue: str, target: str = "", actor: str = "") -> dict:  # type: ignore[no-untyped-def]
    """Ask the Levers form; the API's JSON answer."""
    pg.select_option("#levers-model", model)
    pg.select_option("#levers-issue", issue)
    pg.fill("#levers-target", target)
    pg.select_option("#levers-actor", actor)
    with pg.expect_response("**/api/levers", timeout=180_000) as answer:
        pg.click("#levers-button")
    pg.wait_for_selector("#levers-out .levers-card", timeout=30_000)
    return answer.value.json()


def _plain(v: float) -> str:
    """A number as the page writes it in a sentence (app.js plain(): fmt's rounding, no trailing zeros)."""
    a = abs(v)
    s = f"{v:.0f}" if a >= 1000 else f"{v:.1f}" if a >= 10 else f"{v:.2f}"
    return f"{float(s):g}"


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_levers_for_an_actor_answer_in_a_sentence(page) -> None:  # type: ignore[no-untyped-def]
    """Levers with an actor chosen showed only a heading and a closed "details" toggle with a raw
    key/value dump ("others respond true", "best position 0 salience 1 forecast 32.2 ... gain 2.44")."""
    _load_example(page, FLAGSHIP.name)
    _run(page, ["mean", "bdm"], draws=40)
    for model in ("mean", "bdm"):
        d = _levers(page, model, "territory", actor="ukraine")
        card = page.locator("#levers-out .levers-card")
        sentence = card.locator(".levers-sentence")
        assert sentence.is_visible()
        text = sentence.inner_text()
        best = d["best"]
        if best["gain"] > 0:
            assert text.startswith(f"Ukraine's best announcement: position {_plain(best['position'])} "
                                   f"(salience {_plain(best['salience'])}).")
            assert (f"moves from {_plain(d['forecast_now'])} to {_plain(best['forecast'])}, {_plain(best['gain'])} "
                    f"closer to its ideal {_plain(d['ideal'])} than announcing {_plain(d['ideal'])}") in text
        else:
            assert text.startswith(f"Ukraine's best announcement is its ideal, {_plain(d['ideal'])}")
        assert card.locator(".kv").count() == 0  # no key/value dump
        assert "others respond" not in card.inner_text().lower()
        assert card.locator(".levers-announce tbody tr").count() == 3
    assert "bdm: Territorial line — best announcement of Ukraine" in page.locator("#levers-out h4").inner_text()


def _answer(body: str):  # type: ignore[no-untyped-def]
    """A route handler that answers ``body`` (JSON) instead of the server."""
    def handle(route) -> None:  # type: ignore[no-untyped-def]
        route.fulfill(status=200, content_type="application/json", body=body)
    return handle


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_levers_to_a_target_in_plain_columns_with_no_lever_and_message(page) -> None:  # type: ignore[no-untyped-def]
    """The target table read "reaches target: true", an unlabelled "interval" and a raw "factor"; an
    answer with no lever (`levers: []` and a `message`) and the attributes without one were not shown."""
    _load_example(page, FLAGSHIP.name)
    _run(page, ["mean"])
    d = _levers(page, "mean", "territory", target="50")
    card = page.locator("#levers-out .levers-card")
    heads = [h.strip() for h in card.locator(".levers-table thead th").all_inner_texts()]
    assert "reaches the target?" in heads and "input uncertainty (p10–p90)" in heads
    assert "factor" not in heads and "interval" not in heads
    reaches = {t.strip() for t in card.locator(".levers-table td.reaches").all_inner_texts()}
    assert reaches <= {"yes", "no"} and reaches
    assert card.locator(".levers-table tbody tr").count() == len(d["levers"])
    assert "true" not in card.locator(".levers-table").inner_text()
    top = d["levers"][0]
    assert "Forecast now" in card.locator(".levers-sentence").inner_text() and top["reaches_target"]
    # "reaches" means within the tolerance, and the size has a unit: said on the page as in the terminal
    assert f"(within {d['tolerance']:g})" in card.locator(".levers-sentence").inner_text()
    assert "as a share of the issue's scale" in card.locator(".levers-size").inner_text()
    # the library's other answers, as the page gets them: some attributes without a lever; none at all
    some = {**d, "no_lever": [{"actor": "china", "attribute": "salience"}, {"actor": "china", "attribute": "position"}]}
    none = {**d, "levers": [], "no_lever": [{"actor": "china", "attribute": "salience"}],
            "message": "no single change of one actor's position, salience or capability moves the forecast on territory toward 50"}
    import json as _json

    for answer in (some, none):
        page.unroute("**/api/levers")
        page.route("**/api/levers", _answer(_json.dumps(answer)))
        page.click("#levers-button")
        page.wait_for_selector("#levers-out .levers-card")
        out = page.locator("#levers-out")
        if answer is some:
            assert "No lever" in out.locator(".no-lever").inner_text()
            assert "China (salience, position)" in out.locator(".no-lever").inner_text()
        else:
            assert out.locator(".levers-table").count() == 0
            assert answer["message"] in out.locator(".levers-message").inner_text()
    page.unroute("**/api/levers")


def test_calibration_is_one_line_per_model(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each model got a "Calibration of the forecast interval" card of bare key/values ("coverage oos
    0.79", "file synthesis-weights.json"); now one line per model, the details collapsed."""
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(page, f)
    page.wait_for_selector("#stance-table tbody tr")
    _run(page, ["mean", "median"])
    cards = page.locator(".calibration-card")
    assert cards.count() == 1
    assert page.locator(".generic-card.calibration-card, .calibration-card .kv").count() == 0
    for model in ("mean", "median"):
        cal = page.evaluate(f"() => state.results.find(r => r.model === '{model}').calibration")
        line = cards.locator(f".calibration-model[data-model='{model}'] .calibration-line").inner_text()
        assert line.strip() == (f"{model}: {round(cal['level'] * 100)} % forecast interval, covered "
                                f"{round(cal['coverage_oos'] * 100)} % of {cal['n_issues']} EU legislative issues "
                                f"out of sample (DEU III)")
        details = cards.locator(f".calibration-model[data-model='{model}'] details")
        assert details.get_attribute("open") is None
        assert not details.locator("table").is_visible()
        details.locator("summary").click()
        assert cal["file"] in details.inner_text() and "coverage out of sample" in details.inner_text()
    assert "oos" not in cards.inner_text()


def test_a_retyped_field_drops_the_servers_stale_problem(page) -> None:  # type: ignore[no-untyped-def]
    """1.7 then 0,5 in one salience cell listed both "must be a number (got "0,5")" and the stale
    "must be between 0 and 1 (got 1.7)": the check after the second edit sent the last valid value."""
    _load_example(page, "ktab-dummy-3dim.yaml")
    page.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    cell = page.locator("input[data-field='stances[0].salience']")
    with page.expect_response("**/api/scenarios/validate"):
        cell.fill("1.7")
    page.wait_for_function("() => document.querySelector('#error-box').textContent.includes('between 0 and 1')")
    with page.expect_response("**/api/scenarios/validate"):
        cell.fill("0,5")
    page.wait_for_timeout(300)  # the answer handled
    items = page.locator("#error-box li.error-item").all_inner_texts()
    assert len(items) == 1, items
    assert "salience must be a number" in items[0] and '(got "0,5")' in items[0]
    assert page.locator("#validity").inner_text() == "1 problem to fix before Run."
    with page.expect_response("**/api/scenarios/validate"):
        cell.fill("0.5")
    page.wait_for_function("() => document.querySelector('#validity').textContent === 'The scenario is valid.'")
    # an answer still on its way when the field changes is dropped too: hold the checks, change the field,
    # then let the check of the old value answer (within the 250 ms before the next check starts)
    page.evaluate("""() => { const f = window.fetch; window.__held = [];
      window.fetch = (u, o) => String(u).includes('/validate')
        ? new Promise((ok) => window.__held.push(ok)).then(() => f(u, o)) : f(u, o); }""")
    cell.fill("1.7")
    page.wait_for_function("() => window.__held.length === 1")  # the check of 1.7 is on its way
    cell.fill("0.4")
    page.evaluate("() => window.__held[0]()")
    page.wait_for_timeout(150)  # its answer has come; the check of 0.4 not yet started (on a quiet machine)
    assert "between 0 and 1" not in page.locator("#error-box").inner_text()
    if page.evaluate("() => window.__held.length") == 1:  # a loaded machine may have started it already
        assert page.locator("#validity").inner_text() == "The scenario is valid."
    page.wait_for_function("() => window.__held.length === 2")
    page.evaluate("() => window.__held[1]()")
    page.wait_for_timeout(300)
    assert page.locator("#validity").inner_text() == "The scenario is valid."


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_synthesis_with_war_shows_one_war_card_in_the_librarys_words(page) -> None:  # type: ignore[no-untyped-def]
    """war + synthesis gave two war cards: "deal" vs "a negotiated settlement", "still fighting at the
    horizon", and the synthesis's card without the "a deal within N months" rows."""
    _load_example(page, FLAGSHIP.name)
    _run(page, ["war", "synthesis"], draws=50)
    labels = page.evaluate("() => state.war.endings.map(e => e.label)")
    assert page.locator(".war-card").count() == 1
    note = page.locator(".synthesis-war-note").inner_text()
    assert "synthesis leads with the war model's terms given a deal (same war run as above)" in note
    card = page.locator(".war-card")
    shown = [t.strip() for t in card.locator(".war-facts tr[data-outcome] th").all_inner_texts()]
    assert shown == labels
    assert card.locator(".war-facts tr[data-deal-within]").count() == len(page.evaluate("() => Object.keys(state.war.settlement_by)"))
    text = page.locator("#results").inner_text()
    assert "a negotiated settlement" not in text and "still fighting" not in text
    # the synthesis alone: its own card, the same labels and the deal rows
    _run(page, ["synthesis"], draws=50)
    assert page.locator(".synthesis-war-note").count() == 0 and page.locator(".war-card").count() == 1
    shown = [t.strip() for t in page.locator(".war-card .war-facts tr[data-outcome] th").all_inner_texts()]
    assert shown == labels
    assert "a deal within 12 months" in page.locator(".war-card").inner_text()


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_sensitivity_says_what_it_measures_and_labels_stay_distinct(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Headed "Morris mu* (elementary effects)", its bars labelled so that three read "position of US
    Congress and foreign-policy es…"."""
    _load_example(page, FLAGSHIP.name)
    _run(page, ["mean"])
    page.select_option("#sensitivity-model", "mean")
    page.click("#sensitivity-button")
    page.wait_for_selector("#sensitivity svg.sensitivity-chart", timeout=120_000)
    out = page.locator("#sensitivity")
    assert out.locator("h3").inner_text() == "What moves the forecast most (Morris screening)"
    assert "mu*" not in out.locator("h3").inner_text()
    read = """() => [...document.querySelectorAll('#sensitivity text.sensitivity-label')].map(t =>
      [[...t.querySelectorAll('tspan')].map(s => s.textContent).join(' '), t.querySelector('title').textContent])"""
    for issue in ("", "territory"):
        page.select_option("#sensitivity-issue", issue)
        rows = page.evaluate(read)
        shown = [s for s, _ in rows]
        assert len(shown) == len(set(shown)), shown
        for s, full in rows:
            if " on " in full:  # the issue part stays whole
                iss = full[: full.rfind(" (")].rsplit(" on ", 1)[1]
                assert s.endswith(iss), (s, full)
        # a line holds at most 48 characters (the chart's label column), three lines at most
        lines = page.evaluate("() => [...document.querySelectorAll('#sensitivity text.sensitivity-label tspan')].map(s => s.textContent.length)")
        assert max(lines) <= 48
        assert page.evaluate("() => Math.max(...[...document.querySelectorAll('#sensitivity text.sensitivity-label')]"
                             ".map(t => t.querySelectorAll('tspan').length))") <= 3
    page.select_option("#sensitivity-issue", "territory")
    assert ("mean absolute change of the forecast, in the issue's units, per move of the input across its whole range"
            in out.locator(".sensitivity-explain").inner_text())
    _shot(page, tmp_path, "9-sensitivity")


_HOLD_FIRST_WARNINGS = """() => { const f = window.api; window.__held = []; window.__handled = 0;
  window.api = async (m, u, b) => { const r = await f(m, u, b);
    if (!String(u).endsWith('/warnings') || window.__held.length) return r;
    await new Promise((ok) => window.__held.push(ok));  // the answer is late...
    setTimeout(() => { window.__handled++; }, 0);  // ...and has been handled once the page's code ran
    return r; }; }"""


def _clear_position(pg, cell: str) -> None:  # type: ignore[no-untyped-def]
    """Take a stance out as a user does: the cell's ✕ (clearing the position keeps the stance, its
    salience and its evidence: tests/test_web_builder.py)."""
    pg.locator(f"#stance-table td[data-cell='{cell}'] button.remove-stance").click()


def test_warnings_box_shows_what_detente_validate_says_and_clears(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Numbers without evidence and a shared label are warned about under the problem box (as text,
    Run still enabled), as ``detente validate`` warns about the page's download; an edit updates
    them, a late answer about an earlier check is dropped, an invalid scenario or a failed upload
    clears them."""
    from detente.scenario.io import load
    from detente.scenario.model import scenario_warnings

    f = tmp_path / "warned.yaml"
    f.write_text(SMALL.replace("name: Alpha", "name: '<i>EU</i>'").replace("name: Beta", "name: '<i>EU</i>'"))
    _upload(page, f)
    box = page.locator("#warning-box")
    box.wait_for(state="visible")
    items = box.locator("li.warning-item")
    page.wait_for_function("() => document.querySelectorAll('#warning-box li').length === 2")
    shown = items.all_inner_texts()
    assert shown[0] == "actors A and B are both shown as '<i>EU</i>' in tables: give them different names"
    assert box.locator("i").count() == 0  # the server's text is text, not markup
    assert shown[1].startswith("8 numbers have no evidence") and "<i>EU</i>'s position on Tax rate" in shown[1]
    assert page.locator("#error-box").is_hidden() and page.locator("#run-button").is_enabled()
    with page.expect_download() as dl:
        page.click("#export-yaml")
    dl.value.save_as(str(tmp_path / "downloaded.yaml"))
    from detente.web.labels import page_warning

    # what detente validate prints, in the page's words
    assert shown == [page_warning(w) for w in scenario_warnings(load(tmp_path / "downloaded.yaml"))]
    # an edit: Gamma's stance on the tax rate goes, with its unsupported position
    _clear_position(page, "C|tax")
    page.wait_for_function("() => document.querySelector('#warning-box').textContent.includes('7 numbers')")
    # a late answer about an earlier check does not overwrite the warnings of the newer one
    page.evaluate(_HOLD_FIRST_WARNINGS)
    page.locator("#stance-table td[data-cell='A|aid'] input.pos").fill("70")
    page.wait_for_function("() => window.__held.length === 1")  # its answer would say 7 numbers
    _clear_position(page, "B|aid")
    page.wait_for_function("() => document.querySelector('#warning-box').textContent.includes('6 numbers')")
    page.evaluate("() => window.__held[0]()")
    page.wait_for_function("() => window.__handled === 1")
    assert "6 numbers have no evidence" in box.inner_text()
    # an invalid scenario: no old warnings next to its problem; valid again, they are back
    sal = page.locator("#stance-table td[data-cell='B|tax'] input.sal")
    sal.fill("1.7")
    page.wait_for_function("() => document.querySelector('#error-box').textContent.includes('between 0 and 1')")
    assert box.is_hidden()
    sal.fill("0.5")
    box.wait_for(state="visible")
    assert "6 numbers have no evidence" in box.inner_text()
    # a file that does not load takes the warnings of the scenario it was to replace along
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\nactors: {")
    page.once("dialog", lambda d: d.accept())  # replace the edited scenario
    _upload(page, broken)
    page.wait_for_function("() => document.querySelector('#error-box').textContent.includes('broken.yaml')")
    assert box.is_hidden()


_OVERLAPS = """() => [...document.querySelectorAll('.issue-card .card-body')].map(body => {
  const t = body.querySelector('.forecast-table').getBoundingClientRect();
  const c = body.querySelector('.chart-wrap').getBoundingClientRect();
  const w = Math.min(t.right, c.right) - Math.max(t.left, c.left), h = Math.min(t.bottom, c.bottom) - Math.max(t.top, c.top);
  return [body.closest('.issue-card').dataset.issue, w > 0 && h > 0 ? Math.round(w * h) : 0,
          Math.round(t.right - body.getBoundingClientRect().right)];
})"""


def test_forecast_table_never_runs_under_the_chart(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The flagship with mean, bdm and war: the table's six columns were wider than its grid column
    (at most 32rem) and ran under the positions chart's anchors ("60 Russia obtains..." printed over
    "42.7 - 69.8  0-60"). Now the chart sits beside the table when both fit, else under it; and a
    chart by round keeps its whole title ("... European security architecture by" lost "round")."""
    _load_example(page, "ukraine-settlement.yaml")
    _run(page, ["mean", "bdm", "war"], draws=100)
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        for issue, overlap, overflow in page.evaluate(_OVERLAPS):
            assert overlap == 0 and overflow <= 1, (width, issue, overlap, overflow)
        # the positions chart is drawn at its width on the page (a unit a pixel): its labels stay
        # 12 px (a fixed 780-unit chart shown at 500 px made them 7.7 px)
        page.wait_for_function("""() => [...document.querySelectorAll('svg.scale-chart')].every(s =>
            Math.abs(s.viewBox.baseVal.width - Math.max(360, s.getBoundingClientRect().width)) < 9)""", timeout=5000)
    heading = page.locator(".issue-card[data-issue='alliance'] .trajectories .chart-heading").first
    assert heading.inner_text() == "bdm: Ukraine's alliance status and European security architecture by round"
    box, fig = heading.bounding_box(), page.locator(".issue-card[data-issue='alliance'] .trajectories .chart-wrap").first.bounding_box()
    assert box["x"] + box["width"] <= fig["x"] + fig["width"] + 1  # wrapped inside its figure, not cut
    _shot(page, tmp_path, "10-cards-800")


_OUTSIDE = """() => { const W = document.documentElement.clientWidth, out = [];
  for (const n of document.querySelectorAll('body *')) {
    if (n.offsetParent === null || n.getBoundingClientRect().right <= W + 1) continue;
    let p = n.parentElement, boxed = false;  // inside a box that scrolls sideways is fine
    for (; p && !boxed; p = p.parentElement) boxed = ['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX);
    if (!boxed) out.push(`${n.tagName}.${n.className} ${Math.round(n.getBoundingClientRect().right)}`);
  }
  return {page: [document.documentElement.scrollWidth, W], outside: out.slice(0, 8)};
}"""


def test_the_page_never_scrolls_sideways_on_a_phone(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 390 px (a phone) the page scrolled sideways to 713 px: the example list, the models' and the
    war block's grids (minimum column widths of 15-30rem, fieldsets as wide as their content) and the
    forecast tables. Now only the wide tables scroll, each in its own box."""
    for width in (390, 600):
        page.set_viewport_size({"width": width, "height": 900})
        _load_example(page, "ukraine-settlement.yaml")
        page.evaluate("() => { document.getElementById('war-block').open = true; }")  # its form open too
        got = page.evaluate(_OUTSIDE)
        assert got["page"][0] <= got["page"][1] and not got["outside"], (width, "loaded", got)
        _run(page, ["mean", "bdm", "war"], draws=100)
        got = page.evaluate(_OUTSIDE)
        assert got["page"][0] <= got["page"][1] and not got["outside"], (width, "after a run", got)
        # the forecast table's head row: its long heads had a column as narrow as the numbers and
        # wrapped into five lines (109 px); at most three now
        head = page.evaluate("() => document.querySelector('table.forecast-table thead tr').getBoundingClientRect().height")
        assert head <= 75, (width, head)
        # the charts by round and by month are drawn at their width on the page, a unit a pixel (a
        # 560-unit chart shown at 340 px had 6.7 px tick labels)
        page.wait_for_function("""() => { const c = [...document.querySelectorAll('svg.trajectory-chart, svg.war-chart')];
            return c.length > 0 && c.every(s => Math.abs(s.viewBox.baseVal.width - Math.max(300, s.getBoundingClientRect().width)) < 9); }""",
                               timeout=5000)
        # the comparison with the contrasting view and a levers answer fit too
        page.select_option("#compare-example", "ukraine-settlement-contrast.yaml")
        page.click("#compare-button")
        page.wait_for_selector("#compare-out .diff-table")
        _levers(page, "mean", "territory", target="50")
        got = page.evaluate(_OUTSIDE)
        assert got["page"][0] <= got["page"][1] and not got["outside"], (width, "compare and levers", got)
        _shot(page, tmp_path, f"11-phone-{width}")


_LABEL_ROWS = """() => [...document.querySelectorAll('.controls label[for]')].filter(l => l.offsetParent !== null).map(l => {
  const c = document.getElementById(l.htmlFor);
  const a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
  return [l.htmlFor, a.top < b.bottom && b.top < a.bottom];  // on one line: their heights overlap
})"""


def test_a_label_stays_on_the_line_of_its_control(page) -> None:  # type: ignore[no-untyped-def]
    """The levers' "actor" label ended one line and its list began the next (at 1280 px, the flagship)."""
    _load_example(page, "ukraine-settlement.yaml")
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        apart = [k for k, same_row in page.evaluate(_LABEL_ROWS) if not same_row]
        assert apart == [], (width, apart)


def test_the_grid_headers_follow_each_edit_as_it_is_typed(page) -> None:  # type: ignore[no-untyped-def]
    """The Positions grid still said "Tax 0–100" after the scale was set to 0–10, and an actor's
    old capability, until a position was typed: positions were typed against the wrong scale."""
    pg = page
    pg.click("#new-scenario")
    pg.wait_for_selector("#scenario:not([hidden])")
    pg.fill("#new-actor-name", "Government")
    pg.click("#add-actor")
    pg.fill("#new-issue-name", "Tax")
    pg.click("#add-issue")
    pg.locator("input[data-field='issues[0].scale.max']").fill("10")
    pg.locator("input[data-field='issues[0].status_quo']").fill("5")
    pg.locator("#actors-table input[data-field='actors[0].capability']").fill("4")
    head = pg.locator("#stance-table thead th[scope=col]:not(.corner)").first
    pg.wait_for_function("() => document.querySelector('#stance-table thead th:not(.corner) .sub').textContent.includes('0–10')")
    assert head.locator(".sub").inner_text().strip() == "0–10 · status quo 5"
    assert pg.locator("#stance-table tbody th[scope=row] .sub").first.inner_text().strip() == "4"


_SPILL = """() => [...document.querySelectorAll('#stance-table td input')].filter((i) => {
  const c = i.closest('td').getBoundingClientRect(), r = i.getBoundingClientRect();
  return r.width > 0 && (r.right > c.right + 1 || r.left < c.left - 1);
}).map((i) => i.getAttribute('data-field') || i.className)"""


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
@pytest.mark.parametrize("width", [400, 1280])
def test_the_positions_grid_keeps_its_inputs_in_their_cells(page, width: int) -> None:  # type: ignore[no-untyped-def]
    """At 400 px every input of the flagship's grid stuck out of its cell, under the next column:
    the grid is as wide as its inputs and scrolls sideways in its box; the page does not."""
    page.set_viewport_size({"width": width, "height": 800})
    _load_example(page, FLAGSHIP.name)
    assert page.evaluate(_SPILL) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
@pytest.mark.parametrize("name", ["ukraine-settlement.yaml", "ukraine-settlement-contrast.yaml"])
def test_showing_the_war_editor_adds_nothing_to_the_scenario(page, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """The war editor wrote empty lists into the scenario to show them (shocks: [], ratifiers: [],
    commitments: [], limits: {}): the exported file was not the file loaded, nor its input hash."""
    import yaml

    from detente.scenario.arrays import scenario_hash
    from detente.scenario.io import load

    _load_example(page, name)
    page.wait_for_selector("#war-editor fieldset, #war-block fieldset, fieldset.schema-group", state="attached")
    with page.expect_download() as dl:
        page.click("#export-yaml")
    out = tmp_path / "exported.yaml"
    dl.value.save_as(str(out))
    original = REPO / "examples" / name
    assert yaml.safe_load(out.read_text())["war"] == yaml.safe_load(original.read_text())["war"]
    assert scenario_hash(load(out)) == scenario_hash(load(original))


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")
def test_a_saved_run_is_listed_and_loads_back_to_the_same_numbers(page) -> None:  # type: ignore[no-untyped-def]
    """The page said "saved as run 38" and nothing on it (nor in the API) could list or open run 38."""
    _load_example(page, FLAGSHIP.name)
    page.fill("#seed", "7")
    _run(page, ["median"], draws=60)
    status = page.locator("#run-status").inner_text()
    saved = int(status.split("saved as run ")[1].split()[0].rstrip(","))
    first = page.locator(".forecast-value[data-model='median']").all_inner_texts()
    row = page.locator(f"#saved-table tr[data-run='{saved}']")
    row.wait_for(state="attached")
    page.click("#saved-block summary")  # the block opens on demand
    assert "median" in row.inner_text() and "60" in row.inner_text()
    from detente.scenario.arrays import scenario_hash
    from detente.scenario.io import load

    # the input's hash and the forecast: two versions of one scenario name are told apart
    assert scenario_hash(load(FLAGSHIP))[:8] in row.inner_text() and "territory " in row.inner_text()
    page.fill("#seed", "1")  # other settings on the page: loading the run puts its own back
    page.click("#new-scenario")
    row.locator("button.load-saved").click()
    page.wait_for_function("() => document.querySelector('#saved-status').textContent.startsWith('Loaded run')")
    assert page.locator("#seed").input_value() == "7" and page.locator("#draws").input_value() == "60"
    checked = page.evaluate("() => [...document.querySelectorAll('#model-list input[name=model]:checked')].map(b => b.value)")
    assert checked == ["median"]
    page.click("#run-button")
    page.wait_for_function("() => document.querySelector('#run-status').textContent.startsWith('done')")
    assert page.locator(".forecast-value[data-model='median']").all_inner_texts() == first
    assert page.locator("#saved-status").inner_text().endswith("Run gives its numbers again.")
