"""``compare.html``: the page ``detente compare --out`` writes, saying what the terminal says.

The views, how the war ends in each with the settlement curves, then per issue a table by model and
view with the issue's chart under it, and what makes the views differ
(:mod:`detente.report.compare_drivers`). Every table is scoped, captioned first and in a keyboard
scroll region; every chart has an alt text with its numbers and links to its PNG.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

from detente.report.compare import (
    WAR_NOISE, _bracketed, comparison_json, comparison_record, plot_comparison, plot_settlement_comparison,
    signed, view_names, war_grid,
)
from detente.report.summary import model_point
from detente.report.tables import BAND_HEADER, fmt, model_cells, model_label, range_text
from detente.result import Result
from detente.scenario.io import staged_folder
from detente.scenario.model import Issue, Scenario

_CSS = ("body{font-family:system-ui,sans-serif;color:#1d1d1f;line-height:1.45;margin:0}"
        "main{max-width:980px;margin:0 auto;padding:2rem 1rem 3rem}"
        "h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}"
        "table{border-collapse:collapse;width:100%;font-size:.9rem}"
        "td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}"
        "thead th{background:#f6f6f7}tbody th{font-weight:600}.forecasts tbody th{white-space:nowrap}"
        "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}"
        "td.forecast{min-width:12em}"
        "caption{caption-side:top;text-align:left;color:#555;font-size:.85rem;padding:.2rem 0}"
        # a wide table scrolls sideways in its own box (focusable: the keyboard scrolls it too)
        ".scroll{overflow-x:auto;margin:.5rem 0 1rem}.scroll:focus-visible{outline:2px solid #0b5cad}"
        "figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #eee}"
        "figcaption{color:#555;font-size:.88rem}.muted{color:#666;font-size:.85rem;overflow-wrap:anywhere}"
        "@media (max-width:600px){main{padding:1rem .6rem 2rem}td,th{padding:.3rem .35rem}"
        "td.forecast{min-width:9em}}"
        "@media print{h2,h3,h4{break-after:avoid}tr,figure{break-inside:avoid}.scroll{overflow:visible}}")
"""The style of ``compare.html``."""


def write_comparison(out_dir: Path, scenarios: list[Scenario], results: list[list[Result]],
                     record: dict[str, Any] | None = None) -> dict[str, Path]:
    """``compare.json``, one PNG per issue (+ settlement curves) and ``compare.html``, atomically;
    ``record``: :func:`comparison_record`, when the caller has it already.

    The page says what the terminal says (:func:`war_comparison_table`, :func:`comparison_tables`):
    the views, how the war ends in each with the settlement curves, then per issue a table by model
    and view with the issue's chart under it, and what makes the views differ. The tables call the
    views "view 1", "view 2"...: their names are long, and are given in the views' headings."""
    from detente.report.plots import png_bytes

    out_dir = Path(out_dir)
    names: list[str] = []
    with staged_folder(out_dir, "compare") as tmp:
        figures = [(f"compare-{i.id}", i.label, plot_comparison(scenarios, results, i.id))
                   for i in scenarios[0].issues]
        war = plot_settlement_comparison(scenarios, results)
        if war is not None:
            figures.append(("compare-war-settlement", "Settlement probability by month", war))
        pngs: dict[str, tuple[str, bytes]] = {}  # stem -> (title, PNG)
        for stem, title, fig in figures:
            data = png_bytes(fig)
            (tmp / f"{stem}.png").write_bytes(data)
            names.append(f"{stem}.png")
            pngs[stem] = (title, data)
        record = record if record is not None else comparison_record(scenarios, results)
        (tmp / "compare.json").write_text(comparison_json(record), encoding="utf-8")
        names.append("compare.json")
        views = view_names(scenarios)
        short = [f"view {k + 1}" for k in range(len(views))]
        body = [f"<h1>Comparing views: {escape(' vs '.join(views))}</h1>",
                "<p>The same models run on each view's inputs; every difference is from the first view (view 1). "
                "A draw is one run of a model with its uncertain inputs drawn at random from their ranges (for "
                "the war model: one simulated war); views run with one seed share the draws of the inputs they "
                "share.</p>"]
        for k, (s, name, rs) in enumerate(zip(scenarios, views, results)):
            body.append(f"<h2>View {k + 1}: {escape(name)}</h2>"
                        + (f"<p>{escape(s.description)}</p>" if s.description else "")
                        + f"<p class=muted>input SHA-256 {rs[0].input_sha256}; seed {rs[0].seed}; "
                        f"draws {escape(_draws_text(rs))}; detente {rs[0].version}</p>")
        war_rows = record.get("war")
        if war_rows:
            body += _war_html(war_rows, views, short)
            if "compare-war-settlement" in pngs:
                title, data = pngs["compare-war-settlement"]
                body.append(_figure("compare-war-settlement", title, data, _settlement_alt(war_rows, views, short)))
        body += _forecasts_html(scenarios, results, record["comparison"], short, pngs)
        body += _drivers_html(scenarios, record["drivers"])
        page = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>detente: {escape(' vs '.join(views))}</title><style>{_CSS}</style></head>"
                "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n")
        (tmp / "compare.html").write_text(page, encoding="utf-8")
        names.append("compare.html")
    return {n: out_dir / n for n in names}


def _scroll(table: str, label: str) -> str:
    """``table`` in a box that scrolls sideways on a narrow screen, named and focusable so that a
    keyboard (and a screen reader) reaches it."""
    return f'<div class="scroll" tabindex="0" role="region" aria-label="{escape(label)}">{table}</div>'


def _figure(stem: str, title: str, png: bytes, alt: str) -> str:
    """A chart embedded in the page, linked to its PNG beside ``compare.html`` (to open it full size)."""
    import base64
    from urllib.parse import quote

    b64 = base64.b64encode(png).decode("ascii")
    return (f'<figure id="fig-{escape(stem)}"><a href="{escape(quote(stem + ".png"))}">'
            f'<img alt="{escape(alt)}" src="data:image/png;base64,{b64}"></a>'
            f"<figcaption>{escape(title)}</figcaption></figure>")


def _war_html(war_rows: list[dict[str, Any]], views: list[str], short: list[str]) -> list[str]:
    """:func:`war_grid` as a table with the terminal's explanation (:func:`war_comparison_table`) for
    its caption: a column per view (its short name, the full one in ``title``), a row per P(deal)
    by m months, then per ending."""
    _, lines = war_grid(war_rows)
    n_by = len(war_rows[0]["settlement_by"])
    caption = ("P(deal) by m months: the share of the draws (simulated wars) that end in a deal within m months; "
               "below, the share of the draws that end each way (the endings add up to 100 %)")
    if _bracketed(war_rows):
        caption += (". In brackets: the difference from the first view in percentage points \u00b1 its 95 % Monte "
                    f"Carlo noise ({WAR_NOISE}); a difference within it is noise")
    heads = "".join(f'<th scope="col" class="num" title="{escape(w["scenario"])}">'
                    f'{escape(short[views.index(w["scenario"])])} ({escape(w["model"])}, {w["draws"]} draws)</th>'
                    for w in war_rows)
    groups = "".join("<tbody>" + "".join(f'<tr><th scope="row">{escape(what)}</th>'
                                         + "".join(f'<td class="num">{escape(c)}</td>' for c in cells) + "</tr>"
                                         for what, cells in part) + "</tbody>"
                     for part in (lines[:n_by], lines[n_by:]) if part)  # P(deal) by month, then the endings
    table = (f'<table class="war"><caption>{escape(caption)}.</caption>'
             f"<thead><tr><td></td>{heads}</tr></thead>{groups}</table>")
    return ['<h2 id="war">War: how it ends, by view</h2>', _scroll(table, "War: how it ends, by view")]


_NUM = ' class="num"'
"""The class of a column of numbers (right-aligned)."""


class _Point(NamedTuple):
    """One view's run of one model on one issue, as :func:`comparison_tables` shows it."""

    view: int  # index among the views
    result: Result
    issue: Issue  # the view's issue (its labels; the scale is every view's)
    forecast: float | None
    band: list[float] | None  # p10-p90 over draws
    note: str  # "given a deal" for the war model
    difference: float  # from the first view's run of the model; NaN when either has no forecast


def _issue_points(scenarios: list[Scenario], results: list[list[Result]],
                  issue_id: str) -> list[tuple[str, list[_Point]]]:
    """Per model (in the order met): its label and each view's :class:`_Point` on the issue."""
    base = {(r.model, r.variant): r for r in results[0]}
    out = []
    for key in dict.fromkeys((r.model, r.variant) for rs in results for r in rs):
        points = []
        for k, (s, rs) in enumerate(zip(scenarios, results)):
            r = next((x for x in rs if (x.model, x.variant) == key), None)
            if r is None:
                continue
            f, band, note = model_point(r, issue_id)
            bf = model_point(base[key], issue_id)[0] if key in base else None
            diff = f - bf if f is not None and bf is not None else float("nan")
            points.append(_Point(k, r, s.issue(issue_id), f, band, note, diff))
        out.append((model_label(points[0].result), points))
    return out


def _forecasts_html(scenarios: list[Scenario], results: list[list[Result]], rows: list[dict[str, Any]],
                    short: list[str], pngs: dict[str, tuple[str, bytes]]) -> list[str]:
    """Per issue, what :func:`comparison_tables` prints: an <h3> with the issue's label, a table with
    a row per model and view (the model once per group; the forecast with its anchor label, the
    input band when there are draws, the difference from the first view with its noise, from
    ``rows`` of :func:`comparison_rows`), then the issue's chart."""
    views = view_names(scenarios)
    any_draws = any(r.draws > 1 for rs in results for r in rs)
    noise = {(x["scenario"], x["model"], x["issue"]): x["difference_noise"] for x in rows}
    key = "; ".join(f"{short[k]} is {escape(v)}" for k, v in enumerate(views))
    body = ['<h2 id="forecasts">Forecasts</h2>',
            "<p>Per issue, each model's forecast in each view: the position on the issue's scale, with the label of "
            "the nearest anchor (the war model's: the terms of the settlement, given a deal)"
            + (", its input uncertainty (p10\u2013p90: the middle 80 % of the forecasts over the draws)"
               if any_draws else "")
            + ", and the difference from the first view"
            + (" \u00b1 how far it could move with other draws (95 %, bootstrap over the draws, which the views share "
               "for every input they share); a difference within it is noise: run more draws (-n)" if any_draws else "")
            + f". {key[:1].upper() + key[1:]}.</p>"]
    heads = ["model", "view", "forecast"] + ([BAND_HEADER] if any_draws else []) + ["vs first view"]
    ths = "".join(f'<th scope="col"{_NUM if h in (BAND_HEADER, "vs first view") else ""}>{escape(h)}</th>'
                  for h in heads)
    for issue in scenarios[0].issues:
        groups = _issue_points(scenarios, results, issue.id)
        tbodies = []
        for label, points in groups:
            trs = []
            for n, p in enumerate(points):
                text, band = model_cells(p.result, p.issue)
                mc = noise.get((views[p.view], label, issue.id))
                vs = "" if p.view == 0 else signed(p.difference, p.issue) + (
                    f" \u00b1{fmt(mc, p.issue)}" if mc is not None and math.isfinite(p.difference) else "")
                cells = [f'<th scope="row" rowspan="{len(points)}">{escape(label)}</th>'] if n == 0 else []
                cells += [f'<th scope="row" title="{escape(views[p.view])}">{short[p.view]}</th>',
                          f'<td class="forecast">{escape(text)}</td>']
                cells += [f'<td class="num">{escape(band)}</td>'] if any_draws else []
                cells.append(f'<td class="num">{escape(vs)}</td>')
                trs.append("<tr>" + "".join(cells) + "</tr>")
            tbodies.append("<tbody>" + "".join(trs) + "</tbody>")  # one group per model
        # the caption short, to fit a phone's width above a table that scrolls; the region says the issue
        caption = f"Forecast by model and view (scale {issue.scale.min:g}\u2013{issue.scale.max:g})"
        table = (f'<table class="forecasts"><caption>{escape(caption)}</caption>'
                 f"<thead><tr>{ths}</tr></thead>{''.join(tbodies)}</table>")
        body += [f'<h3 id="issue-{escape(issue.id)}">{escape(issue.label)}</h3>',
                 _scroll(table, f"{issue.label}: {caption[:1].lower()}{caption[1:]}")]
        stem = f"compare-{issue.id}"
        if stem in pngs:
            title, data = pngs[stem]
            body.append(_figure(stem, title, data, _issue_alt(issue, groups, short)))
    return body


def _issue_alt(issue: Issue, groups: list[tuple[str, list[_Point]]], short: list[str]) -> str:
    """What an issue's chart (:func:`plot_comparison`) shows, in words: each model's forecast per view
    with its p10-p90 band, and the status quo."""
    def band(p: _Point) -> str:  # the bar of a run with draws (one draw: no bar to speak of)
        return f" ({range_text(p.band[0], p.band[1], p.issue)})" if p.band and p.result.draws > 1 else ""

    parts = []
    for label, points in groups:
        deal = " (given a deal)" if any(p.note.startswith("given a deal") for p in points) else ""
        said = ", ".join(f"{short[p.view]} " + ("no forecast" if p.forecast is None else fmt(p.forecast, p.issue) + band(p))
                         for p in points)
        parts.append(f"{label}{deal}: {said}")
    text = (f"{issue.label}: forecast by view and model on the {issue.scale.min:g}\u2013{issue.scale.max:g} scale"
            + (", p10\u2013p90 in brackets" if any(band(p) for _, ps in groups for p in ps) else "")
            + " \u2014 " + "; ".join(parts))
    return text + (f"; dotted line: status quo {fmt(issue.status_quo, issue)}" if issue.status_quo is not None else "")


def _settlement_alt(war_rows: list[dict[str, Any]], views: list[str], short: list[str]) -> str:
    """What the settlement chart (:func:`plot_settlement_comparison`) shows, in words: each view's
    P(deal) by the months of :func:`war_comparison`."""
    from detente.report.tables import pct

    parts = []
    for w in war_rows:
        who = short[views.index(w["scenario"])]
        if sum(x["scenario"] == w["scenario"] for x in war_rows) > 1:  # several war runs in one view
            who += f" ({w['model']})"
        parts.append(f"{who} " + ", ".join(f"{pct(p)} by {m} months" for m, p in w["settlement_by"].items()
                                           if p is not None))
    return "P(deal) by month, by view: " + "; ".join(parts)


def _drivers_html(scenarios: list[Scenario], drivers: dict[str, Any]) -> list[str]:
    """The inputs that make each view differ from the first, per model (compare_drivers)."""
    from detente.report.compare_drivers import driver_rows

    names = view_names(scenarios)
    models = list(dict.fromkeys(m for e in drivers["views"] for m in (e["models"] or {})))
    body = ["<h2>What makes the views differ</h2><p>The inputs that move each issue's forecast most, one at a "
            "time: the effect is how far the forecast moves when this one input takes the later view's value "
            f"instead of the first view's ({escape(names[0])}), every other input between the two views. "
            "Interactions are ignored, so the effects need not add up to the difference.</p>"]
    for e in drivers["views"]:
        if e["note"]:
            body.append(f"<p class=muted>{escape(e['view'])}: {escape(e['note'])}</p>")
    for model in models:
        for view, rows in driver_rows(scenarios, drivers, model):
            if not rows:
                continue
            title = f"{view} vs {names[0]}: {model}"
            head = "".join(f'<th scope="col">{h}</th>' for h in ("issue", "input", "first view", "this view", "effect"))
            trs = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            body += [f"<h3>{escape(title)}</h3>",
                     _scroll(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>", title)]
    return body


def _draws_text(rs: list[Result]) -> str:
    """``1000``, or per model when they differ: ``mean 1, war 1000``."""
    if len({r.draws for r in rs}) == 1:
        return str(rs[0].draws)
    return ", ".join(f"{model_label(r)} {r.draws}" for r in rs)
