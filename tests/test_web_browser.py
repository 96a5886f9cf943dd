"""End-to-end: drive the page in Debian's Chromium through Playwright (the system browser; no
browser download). Skipped, visibly, when Chromium is not installed (``apt-get install chromium``)
or ``$DETENTE_CHROMIUM`` does not point at one.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from detente.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "examples" / "ukraine-settlement.yaml"
CHROMIUM = os.environ.get("DETENTE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000

SMALL = """\
name: Small test scenario
description: Three actors, two issues.
actors:
  - {id: A, name: Alpha, capability: 3}
  - {id: B, name: Beta, capability: 1}
  - {id: C, name: Gamma, capability: {low: 1, high: 3}}
issues:
  - {id: tax, name: Tax rate, scale: {min: 0, max: 50}, anchors: {0: none, 50: half}}
  - {id: aid, name: Aid level, status_quo: 30}
stances:
  - {actor: A, issue: tax, position: 10, evidence: [{quote: "Taxes must stay low", source: speech}]}
  - {actor: B, issue: tax, position: {low: 30, high: 40}, salience: 0.5}
  - {actor: C, issue: tax, position: 25}
  - {actor: A, issue: aid, position: 80}
  - {actor: B, issue: aid, position: 20}
sources: [{id: speech, title: A speech}]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, in a background thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = tmp_path_factory.mktemp("store") / "runs.db"
    app = create_app(store_url=f"sqlite:///{store}")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set $DETENTE_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    pg.wait_for_selector("#model-list input[name=model]")
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _upload(pg, path: Path) -> None:  # type: ignore[no-untyped-def]
    pg.set_input_files("#file-input", str(path))


def _load_scenario(pg, tmp_path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Load the flagship example when it exists (else upload a small scenario); the issue ids."""
    if FLAGSHIP.exists():
        pg.wait_for_selector(f"#example-select option[value='{FLAGSHIP.name}']", state="attached")
        pg.select_option("#example-select", FLAGSHIP.name)
        from detente.scenario.io import load

        expected = load(FLAGSHIP)
        pg.wait_for_function("n => document.querySelector('#scenario-name').textContent === n", arg=expected.name)
        return expected.issue_ids
    # Until examples/ukraine-settlement.yaml exists: the same path through an uploaded file.
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    _upload(pg, f)
    pg.wait_for_selector("#scenario:not([hidden])")
    return ["tax", "aid"]


def test_load_example_run_and_see_the_forecast(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    issues = _load_scenario(page, tmp_path)
    # the actors x issues table, with evidence
    rows = page.locator("#stance-table tbody tr")
    assert rows.count() >= 3
    page.locator("#stance-table td button.ev").first.click()
    assert page.locator("#evidence-panel").is_visible()
    assert page.locator("#evidence-panel li").count() >= 1

    for name in ("mean", "median"):
        page.check(f"#model-{name}")
    page.fill("#draws", "200")
    page.click("#run-button")
    page.wait_for_selector(".issue-card")
    for issue in issues:
        for model in ("mean", "median"):
            cell = page.locator(f".forecast-value[data-issue='{issue}'][data-model='{model}']")
            text = cell.inner_text().strip()
            assert text and float(text) == float(text), (issue, model, text)
    cards = page.locator(".issue-card")
    assert cards.count() == len(issues)
    # one scale chart per issue, actors as circles and one forecast line per model
    first = cards.first
    assert first.locator("svg.scale-chart circle").count() >= 2
    assert "mean" in first.locator("svg.scale-chart").inner_html()
    assert "saved as run" in page.locator("#run-status").inner_text()
    page.screenshot(path=str(tmp_path / "forecast.png"), full_page=True)


def test_edit_a_cell_to_an_invalid_value_shows_the_field(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _load_scenario(page, tmp_path)
    pos = page.locator("#stance-table td input.pos[data-field]").first
    pos.fill("1000")
    pos.dispatch_event("change")
    page.click("#run-button")
    box = page.locator("#error-box")
    box.wait_for(state="visible")
    text = box.inner_text()
    assert "stances[" in text and ".position" in text and "off the scale" in text
    assert page.locator("#stance-table input.invalid").count() == 1


def test_malformed_upload_shows_field_line_and_message(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("position: 25", "position: 75"))  # issue tax's scale is 0-50
    _upload(page, bad)
    box = page.locator("#error-box")
    box.wait_for(state="visible")
    text = box.inner_text()
    assert "bad.yaml" in text
    assert "stances[2].position" in text
    assert "off the scale [0, 50]" in text
    assert "line 13" in text
    page.screenshot(path=str(tmp_path / "error.png"), full_page=True)

    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\nactors: {")
    _upload(page, broken)
    page.wait_for_function("() => document.querySelector('#error-box').textContent.includes('broken.yaml')")
    assert "YAML" in box.inner_text()
