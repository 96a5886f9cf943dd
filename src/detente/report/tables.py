"""Rich tables of forecasts and provenance, and the number formatting the whole report shares.

First the bottom line (:func:`bottom_line_table`: one line per issue - the leading forecast, its
interval under its right name, whether the models agree - and the war model's headline), then one
table per issue: a row per model with its forecast (value and the nearest anchor's label), the
input uncertainty over draws (p10-p90) when there are draws, the calibrated forecast interval when
a model has one, the range over rounds of models with rounds, and the status quo; the caption
gives the issue's scale and anchors. One more table gives the rounds and stopping rules. The war
row shows the terms given a deal, never deals pooled with victories.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x", "anchors": {0: "none", 100: "all"}, "status_quo": 0}],
...     "stances": [{"actor": "A", "issue": "x", "position": 20},
...                 {"actor": "B", "issue": "x", "position": 80}]})
>>> text = render_text(forecast_tables(s, [run(s, "mean")]), width=80)
>>> "50.0" in text and "none" in text
True
"""

from __future__ import annotations

import io
import math
from typing import Any, Iterable

import numpy as np
from rich.console import Console, RenderableType
from rich.table import Table as RichTable

from detente.consoles import Table
from detente.quantiles import nanmedian0
from detente.report import summary as sm
from detente.result import Result
from detente.scenario.model import Issue, Scenario, decimals_for
from detente.scenario.display import DASH, fmt_uncertain  # noqa: F401  (fmt_uncertain: the inputs as written)
from detente.words import pct  # noqa: F401  (the tables' name for it)


# -- formatting shared by tables, plots and HTML -------------------------------------------------


def fmt(value: float | None, issue: Issue | None = None, digits: int | None = None) -> str:
    """A number on ``issue``'s scale, or an em dash when missing.

    >>> fmt(52.345), fmt(float("nan")), fmt(0.5, digits=2)
    ('52.3', '\u2014', '0.50')
    """
    if value is None or not math.isfinite(value):
        return "\u2014"
    if digits is None:
        span = (issue.scale.max - issue.scale.min) if issue is not None else 100.0
        digits = decimals_for(span)
    return f"{value:.{digits}f}"


def model_label(result: Result) -> str:
    """``model`` or ``model (variant)``."""
    return result.model if not result.variant else f"{result.model} ({result.variant})"


def with_label(value: float | None, issue: Issue) -> str:
    """``40.0 (its anchor's label)``, or ``35.4 (near 40: the nearest anchor's label)``: a forecast
    near an anchor is not that anchor (35.4 read "current line of contact frozen", the status quo's
    label at 40).

    >>> from detente.scenario.model import Issue
    >>> i = Issue(id="t", anchors={40: "line frozen", 60: "four oblasts"})
    >>> with_label(40, i), with_label(35.44, i), with_label(85, i)
    ('40.0 (line frozen)', '35.4 (near 40: line frozen)', '85.0')
    """
    text = fmt(value, issue)
    if value is None or not math.isfinite(value):
        return text
    near = issue.nearest_anchor(value)
    if near is None:
        return text
    anchor, label = near
    return f"{text} ({label})" if fmt(anchor, issue) == text else f"{text} (near {anchor:g}: {label})"


def range_text(lo: float | None, hi: float | None, issue: Issue | None = None) -> str:
    """``lo-hi`` on the issue's scale; one dash when neither end is a number (an issue without a
    forecast).

    >>> range_text(40, 80), range_text(None, float("nan"))
    ('40.0\u201380.0', '\u2014')
    """
    if all(v is None or not math.isfinite(v) for v in (lo, hi)):
        return "\u2014"
    return f"{fmt(lo, issue)}{DASH}{fmt(hi, issue)}"


def interval_text(result: Result, issue: Issue) -> str:
    """``p10-p90`` of the forecast over draws (input uncertainty), '' without draws; "none (every
    draw the same)" when the draws do not move it (a scenario of point values read "7.054-7.054").

    >>> from types import SimpleNamespace as N
    >>> from detente.scenario.model import Issue
    >>> r = N(draws=200, input_band={"x": [7.054, 7.054]}, trajectory=N(extras={}), model="mean")
    >>> interval_text(r, Issue(id="x", scale={"min": 4, "max": 10}))
    'none (every draw the same)'
    """
    iv = sm.input_band(result)
    if not iv or issue.id not in iv:
        return ""
    lo, hi = iv[issue.id]
    if lo is not None and lo == hi:
        return "none (every draw the same)"
    return range_text(lo, hi, issue)


def forecast_interval_text(result: Result, issue: Issue) -> str:
    """The calibrated forecast interval ``lo-hi``, '' when the model has no calibration."""
    iv = sm.forecast_interval(result)
    if not iv or not iv.get(issue.id):
        return ""
    lo, hi = iv[issue.id]
    return range_text(lo, hi, issue)


def model_cells(result: Result, issue: Issue) -> tuple[str, str]:
    """``(forecast with label, input band)`` of a model's row; the war model's terms given a deal."""
    if not sm.is_war(result):
        return with_label(result.forecast.get(issue.id), issue), interval_text(result, issue)
    f, band, note = sm.model_point(result, issue.id)
    text = f"{with_label(f, issue)}; {note}"
    return text, (range_text(band[0], band[1], issue) if band else "")


def war_endings_text(scenario: Scenario, result: Result) -> str:
    """``deal 35 %, military victory of Russia 27 %, ...``: the war model's endings, sides named."""
    from detente.models.war.endings import endings, side_names

    names = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
    return ", ".join(f"{e['label']} {pct(e['probability'])}" for e in endings(result.trajectory.extras, names))


def war_stop_text(scenario: Scenario, result: Result) -> str:
    """The war model's "stopped by": the share of draws ending in a deal; the other endings are in
    the war table (:func:`war_table`), which the program prints above the issues' tables."""
    share = (result.trajectory.extras.get("outcome_probability") or {}).get("settlement", 0.0)
    return f"a deal in {pct(float(share))} of draws{deal_month_text(result)} (the other endings: the war table above)"


def deal_month_text(result: Result) -> str:
    """``", after a median 6 months"``: when the war's deals come (the months column is the median
    over every ending, unresolved wars counting the whole horizon); ``""`` without a deal."""
    settled = result.trajectory.extras.get("_settled")
    if settled is None or result.trajectory.rounds is None:
        return ""
    months = np.asarray(result.trajectory.rounds, dtype=float)[np.asarray(settled, dtype=bool)]
    return f", after a median {np.median(months):g} months" if months.size else ""


def rounds_text(result: Result) -> str:
    """Rounds run: the number (one draw) or ``median (min-max)`` over draws, in months for the war
    model (months fought, over every ending: a war unresolved at the horizon counts all of it); ''
    without rounds."""
    r = result.trajectory.rounds
    if r is None:
        return ""
    r = np.asarray(r, dtype=float)
    unit = " months" if sm.is_war(result) else ""
    if r.size == 1:
        return f"{r[0]:g}{unit}"
    lo, med, hi = np.min(r), np.median(r), np.max(r)
    text = (f"{med:g}" if lo == hi else f"{med:g} ({lo:g}{DASH}{hi:g})") + unit
    return text + " fought, every ending" if unit else text


_READOUT_SERIES = ("median", "mean")
"""The series read for a model whose trajectory names no read-out (``Trajectory.readout``)."""


def round_range_text(result: Result, issue: Issue) -> str:
    """How far the model's read-out moved over the rounds: ``min-max`` over rounds 1..end.

    The read-out is the series whose last value is the forecast (``Trajectory.readout``: BDM's
    median or mean, the exchange model's voting outcome, SMP's mean), so the forecast lies in the
    range (with draws, each draw's forecast in its own). Models such as BDM's do not converge
    (``bdm.md`` §0.3); the forecast at the stopping round is one point of an oscillation, and this
    column makes the oscillation visible. With draws, the median over draws of each draw's min and
    max."""
    t = result.trajectory
    series = t.series
    readout = t.readout
    key = readout if readout in series else next((k for k in _READOUT_SERIES if k in series), None)
    if key is None:
        return ""
    k = result.issue_ids.index(issue.id)
    arr = np.asarray(series[key][:, 1:, k], dtype=float)  # (draws, rounds)
    if arr.size == 0 or not np.isfinite(arr).any():
        return ""
    lo, hi = nanmedian0(np.nanmin(arr, axis=1)), nanmedian0(np.nanmax(arr, axis=1))
    if fmt(lo, issue) == fmt(hi, issue):  # it did not move ("7.000-7.000")
        return f"{fmt(lo, issue)} (every round)"
    return f"{fmt(lo, issue)}{DASH}{fmt(hi, issue)}"


STOPPING_WORDS = {
    "fixed_rounds": "the set number of rounds",
    "max_rounds": "the round limit",
    "converged": "converged",
}
"""The models' stopping codes in words (the JSON keeps the codes)."""


def stopped_text(result: Result) -> str:
    """Which stopping rule ended the run, in words (with counts over draws); '' when the model has
    none.

    >>> from types import SimpleNamespace as N
    >>> stopped_text(N(trajectory=N(stopped_by=np.array(["converged", "max_rounds", "converged"]))))
    'converged 2, the round limit 1'
    """
    s = result.trajectory.stopped_by
    if s is None:
        return ""
    vals, counts = np.unique(np.asarray(s).astype(str), return_counts=True)
    words = [STOPPING_WORDS.get(str(v), str(v)) for v in vals]
    if len(vals) == 1:
        return words[0]
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{words[k]} {counts[k]}" for k in order)


def scale_text(issue: Issue) -> str:
    """``scale 0-100; anchors: 0 = none, 100 = all``."""
    text = f"scale {issue.scale.min:g}{DASH}{issue.scale.max:g}"
    if issue.anchors:
        text += "; anchors: " + ", ".join(f"{k:g} = {v}" for k, v in sorted(issue.anchors.items()))
    return text


# -- tables -------------------------------------------------------------------------------------


BAND_HEADER = f"input uncertainty (p10{DASH}p90)"
FORECAST_INTERVAL_HEADER = "forecast interval (calibrated)"


NARROW = 110
"""Below this many columns the issues' tables set their headers on three lines, not two."""


def stacked(header: str, lines: int = 2) -> str:
    """A terminal column header on two (or three) lines, so that a column of short ranges is not
    as wide as its header; the HTML report keeps one line. Two lines split before the parenthesis
    (or the last word); three lines split at every space outside the parenthesis.

    >>> stacked("input uncertainty (p10-p90)"), stacked("range over rounds")
    ('input uncertainty\\n(p10-p90)', 'range over\\nrounds')
    >>> stacked("input uncertainty (p10-p90)", lines=3), stacked("rounds", lines=3)
    ('input\\nuncertainty\\n(p10-p90)', 'rounds')
    """
    head, sep, tail = header.partition(" (")
    if lines >= 3:
        return "\n".join(head.split(" ") + ([f"({tail}"] if sep else []))
    if sep:
        return f"{head}\n({tail}"
    head, sep, tail = header.rpartition(" ")
    return f"{head}\n{tail}" if sep else header


def bottom_line_table(scenario: Scenario, results: list[Result]) -> RichTable:
    """One line per issue: the leading forecast with its anchor label, its interval (a calibrated
    forecast interval, or the input uncertainty - named as such), and whether the models agree."""
    lines = sm.bottom_line(scenario, results)
    entries = [lines[i.id] for i in scenario.issues]
    first = entries[0] if entries else {}
    kinds = {e["interval"]["text"] for e in entries if e["interval"]}
    shared = len(kinds) == 1 and all(e["interval"] for e in entries)
    single = bool(entries) and all(e["agreement"] == "single_model" for e in entries)
    caption = _lead_caption(first)
    if single:  # said once, not on every line
        caption += f"\n{single_model_note(entries)}"
    scope = sm.interval_scope(entries)
    if scope:
        caption += f"\n{scope}"
    t = Table(title="Bottom line", title_justify="left", caption_justify="left", caption=caption)
    t.add_column("issue", ratio=2)
    t.add_column("forecast", ratio=3)
    t.add_column(next(iter(kinds)) if shared else "interval", ratio=2)
    if not single:
        t.add_column("do the models agree?", ratio=3)
    for issue, e in zip(scenario.issues, entries):
        fc = with_label(e["forecast"], issue) if e["forecast"] is not None else ""
        if e["lead_note"]:
            fc += f"; {e['lead_note']}" if fc else e["lead_note"]
        iv = e["interval"]
        ivt = range_text(iv["low"], iv["high"], issue) if iv else ""
        if iv and not shared:
            ivt += f"\n{iv['text']}"
        t.add_row(issue.label, fc, ivt, *([] if single else [e["verdict"]]))
    return t


def single_model_note(entries: list[dict]) -> str:
    """The bottom line's one sentence for a run of one model, instead of "agreement not measured"
    on every issue (the terminal and the HTML report).

    >>> single_model_note([{"verdict": "agreement not measured: one model only, exchange"}])
    'agreement not measured: one model only, exchange (run more than one model to see whether they agree)'
    """
    return f"{entries[0]['verdict']} (run more than one model to see whether they agree)"


def _lead_caption(e: dict) -> str:
    return sm.lead_caption(e)


def war_table(scenario: Scenario, results: list[Result]) -> RichTable | None:
    """The war model's headline: P(deal by 6/12/24/60 months) and each ending with the sides named,
    a line each; and the terms given a deal per issue unless the bottom line shows them already
    (:func:`detente.report.summary.terms_lead`: the flagship printed the same five terms twice, one
    table under the other). ``None`` without a war run."""
    h = sm.war_headline(scenario, results)
    if h is None:
        return None
    sides = f"side A = {h['sides']['A']['name']}, side B = {h['sides']['B']['name']}"
    draws = f"{h['draws']} draw{'s' if h['draws'] != 1 else ''}"
    title = f"War: how it ends ({h['model']}, {draws}; {sides})"
    by = [(f"P(deal) by {m} months", pct(p)) for m, p in h["settlement_by"].items() if p is not None]
    ends = [(e["label"], pct(e["probability"])) for e in h["endings"] if e["probability"] > 0]
    if sm.terms_lead(scenario, results):
        t = Table(title=title, title_justify="left", caption_justify="left",
                  caption="the terms given a deal: the bottom line above" if h["settlement_by"] and any(
                      h["settlement_by"].values()) else "no terms given a deal: no draw ends in one")
        t.add_column("how it ends")
        t.add_column("share of the draws", justify="right", no_wrap=True)
        for k, (what, share) in enumerate([*by, *ends]):
            t.add_row(what, share, end_section=k == len(by) - 1)
        return t
    t = Table(title=title, title_justify="left", caption_justify="left",
              caption="P(deal by) " + ", ".join(f"{w.removeprefix('P(deal) by ')} {p}" for w, p in by)
              + "\nendings: " + ", ".join(f"{w} {p}" for w, p in ends))
    t.add_column("issue")
    t.add_column("terms given a deal (median)", ratio=3)
    t.add_column(f"p10{DASH}p90 over deals", no_wrap=True)
    for issue in scenario.issues:
        tm = h["terms_given_deal"].get(issue.id)
        if tm is None:
            t.add_row(issue.label, "no draw ends in a deal", "")
        else:
            t.add_row(issue.label, with_label(tm["median"], issue), range_text(tm["low"], tm["high"], issue))
    return t


def forecast_tables(scenario: Scenario, results: list[Result], width: int | None = None) -> list[RichTable]:
    """One Rich table per issue: a row per model (forecast with anchor label, input uncertainty
    when draws > 1, the calibrated forecast interval when a model has one, the range over rounds
    for models with rounds), then the status quo (and the recorded outcome, when known) as rows of
    their own; the caption gives scale and anchors. The war row: terms given a deal. Then, when a
    model has rounds, one table of the rounds run and the stopping rules (:func:`rounds_table`),
    which are the same for every issue.

    ``width`` is the console's: below :data:`NARROW` columns the headers take three lines, so that
    the forecast keeps room for its anchor label; the numbers never wrap.
    """
    lines = 3 if width is not None and width < NARROW else 2
    any_draws = any(r.draws > 1 for r in results)
    any_fi = any(sm.forecast_interval(r) for r in results)
    any_rounds = any(r.trajectory.rounds is not None for r in results)
    tables: list[RichTable] = []
    for issue in scenario.issues:
        title = issue.label if issue.label == issue.id else f"{issue.label} [{issue.id}]"
        t = Table(title=title, caption=scale_text(issue), title_justify="left", caption_justify="left")
        t.add_column("model", no_wrap=True)
        t.add_column("forecast")
        # a band or range in words ("none (every draw the same)") may wrap between its words; a
        # number never breaks (it has no space, and the table keeps every word whole when it can)
        if any_draws:
            t.add_column(stacked(BAND_HEADER, lines))
        if any_fi:
            t.add_column(stacked(FORECAST_INTERVAL_HEADER, lines), no_wrap=True)
        if any_rounds:
            t.add_column(stacked("range over rounds", lines))
        for r in results:
            forecast, band = model_cells(r, issue)
            row = [model_label(r), forecast]
            if any_draws:
                row.append(band)
            if any_fi:
                row.append(forecast_interval_text(r, issue))
            if any_rounds:
                row.append(round_range_text(r, issue))
            t.add_row(*row)
        # reference points as dim rows under a rule (same for every model, so not a column)
        first = True
        for what, value in (("status quo", issue.status_quo), ("recorded outcome", issue.outcome)):
            if value is not None:
                if first and results:
                    t.rows[-1].end_section = True
                first = False
                t.add_row(what, with_label(value, issue), *[""] * (len(t.columns) - 2), style="dim")
        tables.append(t)
    rounds = rounds_table(scenario, results)
    if rounds is not None:
        tables.append(rounds)
    return tables


def rounds_table(scenario: Scenario, results: list[Result]) -> RichTable | None:
    """The models with rounds: how many rounds they ran (median and range over draws) and which
    stopping rule ended them; for the war model, months and the share of draws ending in a deal
    (its other endings are in :func:`war_table`). ``None`` when no model has rounds."""
    with_rounds = [r for r in results if r.trajectory.rounds is not None]
    if not with_rounds:
        return None
    title = "Rounds run, and what stopped them"
    t = Table(title=title, title_justify="left", min_width=len(title))  # the title on one line
    t.add_column("model", no_wrap=True)
    t.add_column("rounds", justify="right")
    t.add_column("stopped by")
    for r in with_rounds:
        t.add_row(model_label(r), rounds_text(r), war_stop_text(scenario, r) if sm.is_war(r) else stopped_text(r))
    return t


def summary_table(results: list[Result]) -> RichTable:
    """Provenance of each result: model, variant, seed, draws, version, input hash, time."""
    t = Table(title="Provenance", title_justify="left")
    for name, justify in [("model", "left"), ("variant", "left"), ("seed", "right"), ("draws", "right"),
                          ("version", "left"), ("input sha256", "left"), ("elapsed", "right")]:
        t.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in results:
        t.add_row(r.model, r.variant or "", str(r.seed), str(r.draws), r.version, r.input_sha256[:12],
                  f"{r.elapsed_s:.3f} s")
    return t


def disagreement_lines(entry: dict[str, Any], issue: Issue, n: int) -> list[str]:
    """The ``n`` inputs the analysts disagree on most on ``issue`` (an entry of ``pooling["issues"]``),
    each ``label (share %)``, the row's own issue left out of the label.

    >>> from detente.scenario.model import Issue
    >>> e = {"disagreement": [{"label": "position of Russia on Territorial line", "share": 0.26},
    ...                       {"label": "capability of Russia", "share": 0.51}]}
    >>> disagreement_lines(e, Issue(id="t", name="Territorial line"), 3)
    ['position of Russia (26\xa0%)', 'capability of Russia (51\xa0%)']
    """
    here = f" on {issue.label}"  # the row's own issue goes without saying
    return [f"{d['label'].removesuffix(here)} ({100 * d['share']:.0f}\u00a0%)" for d in (entry.get("disagreement") or [])[:n]]


def pooling_tables(scenario: Scenario, results: list[Result]) -> list[RichTable]:
    """For a pooled scenario (results with ``pooling``, :func:`detente.pool.attach`): per issue the
    share of the forecast's variance between and within analysts, each analyst's mean, and the
    inputs the analysts disagree on most (one at a time)."""
    tables = []
    for r in results:
        p = r.pooling
        if not p:
            continue
        ids = [a["id"] for a in p["analysts"]]
        # a long analyst id (a file's name: "ukraine-settlement-contrast") heads its column as "view k",
        # named in the caption, so that the table fits 80 columns with no word broken
        heads = {a: a if len(a) <= 10 else f"view {k + 1}" for k, a in enumerate(ids)}
        t = Table(title=f"Where the analysts disagree ({model_label(r)}): variance split over the analysts")
        t.add_column("issue")
        t.add_column("variance", justify="right", no_wrap=True)
        t.add_column("between\nanalysts", justify="right", no_wrap=True)
        for a in ids:
            t.add_column(f"mean of\n{heads[a]}", justify="right")
        t.add_column("inputs they disagree on most\n(share, one at a time)", ratio=1)
        for issue in scenario.issues:
            e = p["issues"].get(issue.id) or {}
            share = e.get("variance_share") or {}
            by = e.get("by_analyst") or {}
            dis = "\n".join(disagreement_lines(e, issue, 3))
            t.add_row(issue.label, fmt(e.get("variance"), digits=1), pct(share.get("between_analysts")),
                      *[fmt((by.get(a) or {}).get("mean"), issue) for a in ids], dis or "-")
        named = [f"{h} = {a}" for a, h in heads.items() if h != a]
        t.caption = ("between analysts: the share of the forecast's variance over draws due to the analysts' "
                     "differing views (each draw takes one analyst's view); the rest is within each view; "
                     "the inputs' shares are one at a time, from the pooled point values"
                     + (f"; {p['disagreement_note']}" if p.get("disagreement_note") else "")
                     + (f"; {', '.join(named)}" if named else ""))
        tables.append(t)
    return tables


def render_text(renderables: Iterable[RenderableType], width: int = 100) -> str:
    """Render Rich objects to plain text (no colour codes), e.g. for a pipe or a test."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None, highlight=False)
    for r in renderables:
        console.print(r)
    return buf.getvalue()
