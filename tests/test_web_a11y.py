"""Accessibility of the page (WCAG 2.1 AA), checked in Debian's Chromium through Playwright as in
test_web_browser.py (skipped, visibly, without it), without axe: each test is one defect an audit
with axe-core found, checked on the property itself (a contrast computed from the styles the
browser applies, an accessible name, an attribute), before and after a run of the flagship.

``$DETENTE_TEST_STATIC`` serves the page from another folder (a copy of an older page, to check
that these tests fail on it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from pages import SMALL, opened_page, page_server, run_models, upload  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "examples" / "ukraine-settlement.yaml"
TIMEOUT_MS = 30_000

needs_flagship = pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs examples/ukraine-settlement.yaml")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, in a background thread (``pages.page_server``)."""
    with page_server(tmp_path_factory) as url:
        yield url


def _at(browser, server: str, width: int) -> Iterator:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        with opened_page(context, server, TIMEOUT_MS) as pg:
            yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    yield from _at(browser, server, 1280)


@pytest.fixture
def phone(browser, server):  # type: ignore[no-untyped-def]
    """The page in a phone's width (390 px)."""
    yield from _at(browser, server, 390)


def _flagship(pg) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_selector(f"#example-select option[value='{FLAGSHIP.name}']", state="attached")
    pg.select_option("#example-select", FLAGSHIP.name)
    pg.wait_for_selector(f"#scenario[data-source='{FLAGSHIP.name}']:not([hidden])")
    pg.wait_for_selector("#stance-table tbody tr")


def _small(pg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    upload(pg, f)
    pg.wait_for_selector("#stance-table td[data-cell='B|aid'] input.sal")


# WCAG's relative luminance and contrast ratio, and the colour a thing is seen on (the first opaque
# background of it or its ancestors; the canvas is white)
_COLOUR = """
const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; };
const lum = (s) => { const [r, g, b] = rgba(s).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const seenOn = (n) => { for (; n && n.nodeType === 1; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor; if (rgba(c)[3] === 1) return c; } return 'rgb(255, 255, 255)'; };
const name = (n) => n.id ? '#' + n.id : n.outerHTML.slice(0, 90);
"""

# the focus ring of the focused element: its outline, and its contrast with what is around it
_RING = "() => {" + _COLOUR + """
  const n = document.activeElement, s = getComputedStyle(n);
  return {what: name(n), visible: n.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          colour: s.outlineColor, around: seenOn(n.parentElement), contrast: ratio(s.outlineColor, seenOn(n.parentElement))};
}"""


def _ring(pg, selector: str) -> dict:  # type: ignore[no-untyped-def]
    """Focus ``selector`` by keyboard (Tab from the element before it) and read its focus ring."""
    pg.evaluate("""(sel) => {  // a stop just before it, so that Tab lands on it as a keyboard user's would
      const t = document.querySelector(sel), before = document.createElement('span');
      before.tabIndex = 0; before.id = 'a11y-before';
      (t.tagName === 'SUMMARY' ? t.parentElement : t).before(before); before.focus(); }""", selector)
    pg.keyboard.press("Tab")
    pg.evaluate("() => document.getElementById('a11y-before').remove()")
    got = pg.evaluate(_RING)
    got["landed"] = pg.evaluate("(sel) => document.activeElement === document.querySelector(sel)", selector)
    return got


@needs_flagship
def test_the_focus_ring_stands_out_on_every_background(page) -> None:  # type: ignore[no-untyped-def]
    """The ring was 3 px of #f2a900: 2.01:1 on white and 1.87:1 on the page's grey, under the 3:1 of
    a non-text contrast. Now a solid ring of at least 2 px, 3:1 against what is around it, on a
    button, a text input, a number input, a select, a link on the dark header, a textarea, a
    checkbox, a summary, the evidence buttons and (after a run) a table's scrolling box."""
    pg = page
    _flagship(pg)
    run_models(pg, ["mean", "median"], 100)
    problems = []
    for sel in ("#new-scenario", "#new-actor-name", "#draws", "#example-select", "header.top a", "#scenario-head textarea",
                "#explain", "#actors-block > summary", "#actors-table button.ev", "#run-button", "#issues-table button.icon",
                ".issue-card .table-scroll"):
        got = _ring(pg, sel)
        if not (got["landed"] and got["visible"] and got["style"] == "solid" and got["width"] >= 2 and got["contrast"] >= 3):
            problems.append(f"{sel}: {got}")
    assert not problems, "focus rings that do not stand out:\n" + "\n".join(problems)


_BORDERS = "() => {" + _COLOUR + """
  const out = [];
  const controls = [...document.querySelectorAll('button, input, select, textarea')]
    .filter((n) => n.offsetParent !== null && !n.disabled && !['checkbox', 'radio', 'file', 'hidden'].includes(n.type));
  for (const n of controls) {
    const s = getComputedStyle(n), around = seenOn(n.parentElement);
    // the control's edge is its border, or its own fill where that stands out
    const edge = parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== 'none' && rgba(s.borderTopColor)[3] === 1 ? ratio(s.borderTopColor, around) : 0;
    const fill = rgba(s.backgroundColor)[3] === 1 ? ratio(s.backgroundColor, around) : 0;
    if (Math.max(edge, fill) < 3) out.push(`${name(n)}: border ${s.borderTopColor} ${edge.toFixed(2)}:1 on ${around}`);
  }
  return {n: controls.length, low: out};
}"""


@needs_flagship
def test_controls_have_edges_of_3_to_1(page) -> None:  # type: ignore[no-untyped-def]
    """Inputs' borders were #b8c0ca (1.84:1) and buttons' #aab2bd (2.14:1): every enabled control
    shown (buttons, text and number inputs, selects, textareas, the evidence buttons) has an edge
    (its border or its fill) of at least 3:1 against the background it is on."""
    pg = page
    _flagship(pg)
    pg.click("#sources-block summary")  # closed by default
    run_models(pg, ["mean", "median"], 100)
    got = pg.evaluate(_BORDERS)
    assert got["n"] > 100, got["n"]
    assert not got["low"], f"{len(got['low'])} controls with a faint edge:\n" + "\n".join(got["low"][:15])


_EVIDENCE = "() => {" + _COLOUR + """
  const flat = (t) => t.replace(/\\s+/g, '').toLowerCase();
  return [...document.querySelectorAll('button.ev')].map((b) => {
    const s = getComputedStyle(b);
    let opacity = 1;
    for (let n = b; n; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity);
    return {path: b.getAttribute('data-evidence'), shown: b.textContent, label: b.getAttribute('aria-label') || '',
            contains: flat(b.getAttribute('aria-label') || '').includes(flat(b.textContent)),
            count: b.querySelector('.ev-n').textContent, empty: b.classList.contains('ev-empty'), opacity,
            text: ratio(s.color, seenOn(b)), dashed: s.borderTopStyle === 'dashed'};
  });
}"""


def test_evidence_buttons_are_named_by_what_they_show(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A button showing "i4" was named "Evidence for capability (4)" (axe's label-content-name-
    mismatch, 51 times on the flagship; WCAG 2.5.3): its name now contains what it shows and its
    count; one with no evidence yet was faded (opacity 0.55, its text 2.6:1 although it works): now
    at full opacity with text of at least 4.5:1, told apart by a dashed border."""
    pg = page
    _small(pg, tmp_path)
    buttons = pg.evaluate(_EVIDENCE)
    assert len(buttons) >= 8 and any(b["empty"] for b in buttons) and not all(b["empty"] for b in buttons), buttons
    problems = []
    for b in buttons:
        if not b["contains"] or b["count"] not in b["label"]:
            problems.append(f"{b['path']}: shows {b['shown']!r}, named {b['label']!r}")
        if b["opacity"] < 1 or b["text"] < 4.5:
            problems.append(f"{b['path']}: opacity {b['opacity']}, text {b['text']:.2f}:1")
        if b["empty"] and not b["dashed"]:
            problems.append(f"{b['path']}: no evidence, and no dashed border to say so")
    assert not problems, "\n".join(problems)
    # the name follows the count
    pg.click("#actors-table tr[data-actor='B'] button.ev")
    pg.click("#add-evidence")
    pg.keyboard.type("A quote")
    pg.keyboard.press("Escape")
    label = pg.locator("#actors-table tr[data-actor='B'] button.ev").get_attribute("aria-label")
    assert label.startswith("i1") and "1 item" in label, label


_ENABLED_OPACITY = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
  .filter((n) => n.offsetParent !== null && !n.disabled)
  .filter((n) => { let o = 1; for (let p = n; p; p = p.parentElement) o *= parseFloat(getComputedStyle(p).opacity); return o < 1; })
  .map((n) => n.outerHTML.slice(0, 120))"""


def test_no_enabled_control_is_faded(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Opacity is kept for disabled controls: an enabled one is never drawn with an opacity under 1."""
    pg = page
    _small(pg, tmp_path)
    run_models(pg, ["mean", "median"], 50)
    assert pg.evaluate(_ENABLED_OPACITY) == []


_EMPTY_HEADS = """() => [...document.querySelectorAll('th')]
  .filter((th) => th.textContent.trim() === '' && !th.getAttribute('aria-label') && !['none', 'presentation'].includes(th.getAttribute('role')))
  .map((th) => `${th.closest('table').id || th.closest('table').className}: ${th.outerHTML.slice(0, 100)}`)"""


@needs_flagship
def test_no_table_head_is_empty(page) -> None:  # type: ignore[no-untyped-def]
    """The heads of the Actors' and Issues' move/remove columns were empty (axe's empty-table-header),
    and so were the saved runs' Load column and the comparison's repeated row heads: each says what
    it heads (to a screen reader at least), before and after a run and a comparison."""
    pg = page
    _flagship(pg)
    assert pg.evaluate(_EMPTY_HEADS) == []
    run_models(pg, ["mean", "war"], 100)
    pg.select_option("#compare-example", "ukraine-settlement-contrast.yaml")
    pg.click("#compare-button")
    pg.wait_for_selector("#compare-out .diff-table", timeout=120_000)
    pg.click("#saved-block summary")
    pg.wait_for_selector("#saved-table tbody tr[data-run]")
    assert pg.locator("#compare-out .compare-war-table thead th").count() > 0
    assert pg.evaluate(_EMPTY_HEADS) == []
    # the heads read as the page shows them: an issue named once for its rows, on its first
    first = pg.locator("#compare-out .compare-table tbody tr").first.locator("th").inner_text().strip()
    assert first and pg.locator("#compare-out .compare-table tbody th .visually-hidden").count() > 0


_SCROLLERS = """() => {
  const focusable = (n) => n.tabIndex >= 0 && n.getAttribute('tabindex') !== null
    || [...n.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')].some((c) => c.tabIndex >= 0);
  const scrolls = [...document.querySelectorAll('main *')].filter((n) => n.offsetParent !== null
    && ['auto', 'scroll'].includes(getComputedStyle(n).overflowX) && n.scrollWidth > n.clientWidth + 1);
  return {n: scrolls.length, unreachable: scrolls.filter((n) => !focusable(n)).map((n) => n.outerHTML.slice(0, 120)),
          boxes: [...document.querySelectorAll('.table-scroll')].map((n) => ({tabindex: n.getAttribute('tabindex'), role: n.getAttribute('role'),
            label: n.getAttribute('aria-label') || '', issue: n.closest('.issue-card').querySelector('h3').firstChild.textContent}))};
}"""


@needs_flagship
def test_tables_that_scroll_are_reached_by_keyboard(phone) -> None:  # type: ignore[no-untyped-def]
    """At 390 px the forecast tables scroll sideways in their boxes, which a keyboard could not reach
    (axe's scrollable-region-focusable): each box is a named region in the tab order, and scrolls
    with the arrow keys; so does any other box that scrolls, after a run with explanations."""
    pg = phone
    _flagship(pg)
    pg.check("#explain")
    run_models(pg, ["mean", "median"], 100)
    pg.wait_for_timeout(300)  # the page's observers settle
    got = pg.evaluate(_SCROLLERS)
    assert got["boxes"], got
    bad = [b for b in got["boxes"] if not (b["tabindex"] == "0" and b["role"] == "region" and b["issue"] in b["label"])]
    assert not bad, bad
    assert got["n"] > 0 and not got["unreachable"], got["unreachable"][:5]
    assert pg.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
    box = pg.locator(".issue-card .table-scroll").first
    assert box.evaluate("n => n.scrollWidth > n.clientWidth"), "the table does not scroll at 390 px"
    assert _ring(pg, ".issue-card .table-scroll")["landed"], "Tab does not reach the table's box"
    for _ in range(3):
        pg.keyboard.press("ArrowRight")
    pg.wait_for_function("() => document.querySelector('.issue-card .table-scroll').scrollLeft > 0")
    # at 1280 px nothing scrolls, and the tables that scroll on their own are no stops of the tab order
    pg.set_viewport_size({"width": 1280, "height": 900})
    pg.wait_for_timeout(300)
    assert pg.evaluate("() => [...document.querySelectorAll('#results table.forecast-table[tabindex]')].length") == 0


def test_the_tagline_has_a_row_of_its_own_on_a_phone(phone) -> None:  # type: ignore[no-untyped-def]
    """At 390 px the header's tagline was squeezed between the name and the link, six lines tall:
    below 600 px it takes a whole row under them, in at most two lines."""
    pg = phone
    got = pg.evaluate("""() => {
      const box = (s) => document.querySelector(s).getBoundingClientRect(), t = document.querySelector('header.top .tagline');
      const h = document.querySelector('header.top'), pad = parseFloat(getComputedStyle(h).paddingLeft) + parseFloat(getComputedStyle(h).paddingRight);
      return {tag: box('header.top .tagline').toJSON(), h1: box('header.top h1').toJSON(), room: h.clientWidth - pad,
              lines: Math.round(t.getBoundingClientRect().height / parseFloat(getComputedStyle(t).lineHeight))};
    }""")
    assert got["tag"]["top"] >= got["h1"]["bottom"] - 1, got  # under the name
    assert got["tag"]["width"] >= 0.95 * got["room"], got  # the whole row
    assert got["lines"] <= 2, got
