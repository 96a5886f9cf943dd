"""What the browser tests do on the page, shared by ``test_web_browser.py`` and ``test_web_builder.py``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator

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
"""A small scenario: three actors (one capability a range), two issues, one position a range, one quote."""


def upload(pg, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Choose ``path`` in the page's Open-a-file input."""
    pg.set_input_files("#file-input", str(path))


def run_models(pg, models: list[str], draws: int) -> None:  # type: ignore[no-untyped-def]
    """Tick exactly ``models``, set the draws, press Run and wait for this run's results."""
    for box in pg.locator("#model-list input[name=model]").all():
        if box.get_attribute("value") in models:
            box.check()
        else:
            box.uncheck()
    pg.fill("#draws", str(draws))
    before = pg.locator("#run-status").inner_text()
    pg.click("#run-button")
    pg.wait_for_function("b => { const t = document.querySelector('#run-status').textContent;"
                         " return t.startsWith('done') && t !== b; }", arg=before, timeout=120_000)
    pg.wait_for_selector(".issue-card")


@contextlib.contextmanager
def page_server(tmp_path_factory: Any) -> Iterator[str]:
    """The app on a free loopback port (a background thread), saving runs to a fresh store; with
    ``$DETENTE_TEST_STATIC`` it serves that folder's page instead (to check a test fails on an older
    page)."""
    import detente.web.app as web_app
    from live_server import serve

    store = tmp_path_factory.mktemp("store") / "runs.db"
    static = os.environ.get("DETENTE_TEST_STATIC")
    kept = web_app.STATIC
    if static:
        web_app.STATIC = Path(static)
    try:
        with serve(web_app.create_app(store_url=f"sqlite:///{store}")) as (host, port):
            yield f"http://{host}:{port}"
    finally:
        web_app.STATIC = kept


@contextlib.contextmanager
def opened_page(context: Any, server: str, timeout_ms: int) -> Iterator[Any]:
    """A new page of ``context`` on ``server``'s page, once its model list is there; the test fails
    afterwards if the page raised a JavaScript error meanwhile."""
    pg = context.new_page()
    pg.set_default_timeout(timeout_ms)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    pg.wait_for_selector("#model-list input[name=model]")
    yield pg
    assert not errors, f"JavaScript errors on the page: {errors}"
