"""A self-contained HTML report: forecasts, figures (inline PNG), inputs with evidence, provenance.

The page has inline CSS, figures as base64 ``data:`` URIs, no scripts and no external resources,
so it can be mailed or archived as one file. All text from the scenario is escaped; only
``http(s)`` URLs become links.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "A & B", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 80}]})
>>> page = render_html(s, [run(s, "mean")], [("issue-x", "x", b"\\x89PNG")])
>>> "<title>A &amp; B" in page, 'src="data:image/png;base64,iVBORw=="' in page
(True, True)
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import Iterable

from detente.report import summary as sm
from detente.report.tables import (
    BAND_HEADER,
    FORECAST_INTERVAL_HEADER,
    deal_month_text,
    disagreement_lines,
    forecast_interval_text,
    fmt,
    fmt_uncertain,
    model_cells,
    model_label,
    pct,
    range_text,
    round_range_text,
    rounds_text,
    scale_text,
    single_model_note,
    stopped_text,
    war_endings_text,
    with_label,
)
from detente.report.explain import explain_section
from detente.report.htmltables import CSS as TABLE_CSS
from detente.report.htmltables import accessible_tables
from detente.result import Result
from detente.scenario.model import Evidence, Scenario, Source
from detente.scenario.uncertain import point

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d1d1f; background: #fff; margin: 0; line-height: 1.5; font-size: 15px; }
main { max-width: 980px; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; border-bottom: 1px solid #ddd; padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
p.lead { color: #444; font-size: 1.05rem; }
.muted { color: #666; font-size: .88rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
th { background: #f6f6f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.forecasts td.forecast { min-width: 14em; }
table.forecasts td:first-child { white-space: nowrap; }
caption { caption-side: bottom; text-align: left; color: #666; font-size: .82rem; padding-top: .3rem; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .88rem; margin-top: .3rem; }
pre { background: #f6f6f7; padding: .5rem; overflow-x: auto; font-size: .8rem; margin: 0; }
code { font-size: .85rem; }
ul.evidence { margin: .2rem 0 .6rem 1rem; padding: 0; }
ul.evidence li { margin: .25rem 0; }
blockquote { margin: 0; display: inline; font-style: italic; }
a { color: #0b5cad; word-break: break-word; }
nav a { margin-right: 1rem; }
table.bottom-line td.forecast { font-weight: 600; }
td.agreement.agree { color: #1b6e3a; }
td.agreement.disagree { color: #9a3d00; }
code, .muted { overflow-wrap: anywhere; }
/* a phone: a table wider than the window scrolls in its own box (htmltables), the page never sideways */
@media (max-width: 600px) {
  main { padding: 1rem .6rem 3rem; }
  table.forecasts td.forecast { min-width: 10em; }
}
""" + TABLE_CSS


def _e(text: object) -> str:
    return escape("" if text is None else str(text), quote=True)


def _link(url: str | None, text: str | None = None) -> str:
    """An ``<a>`` for http(s) URLs; anything else (e.g. ``javascript:``) stays plain text."""
    if not url:
        return _e(text) if text else ""
    label = _e(text or url)
    if url.strip().lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url.strip())}" rel="noopener noreferrer">{label}</a>'
    return label if text is None else f"{label} ({_e(url)})"


def _evidence(ev: Evidence, sources: dict[str, Source]) -> str:
    src = sources.get(ev.source or "")
    if ev.quote:
        body = f"<blockquote>\u201c{_e(ev.quote)}\u201d</blockquote>"
        if ev.paraphrase:
            body += f" \u2014 {_e(ev.paraphrase)}"
    else:
        body = _e(ev.paraphrase)
    cite = []
    title = (src.title or src.id) if src else ev.source
    url = ev.url or (src.url if src else None)
    if title:
        cite.append(_link(url, title))
    elif url:
        cite.append(_link(url))
    if src and src.publisher:
        cite.append(_e(src.publisher))
    date = ev.date or (src.date if src else None)
    if date:
        cite.append(_e(date))
    if ev.analyst:
        body = f'<span class="muted">[{_e(ev.analyst)}]</span> ' + body
    return body + (f' <span class="muted">({", ".join(cite)})</span>' if cite else "")


def _evidence_list(items: Iterable[Evidence], sources: dict[str, Source]) -> str:
    lis = [f"<li>{_evidence(ev, sources)}</li>" for ev in items]
    return f'<ul class="evidence">{"".join(lis)}</ul>' if lis else ""


def _bottom_line_section(scenario: Scenario, results: list[Result]) -> str:
    """One line per issue - the leading forecast, its interval under its right name, whether the
    models agree - then the war model's headline (P(deal by month), endings with named sides)."""
    lines = sm.bottom_line(scenario, results)
    parts = ['<section id="bottom-line"><h2>Bottom line</h2>']
    first = next(iter(lines.values()), None)
    if first is not None:
        caption = sm.lead_caption(first)
        parts.append(f'<p class="muted">{_e(caption[:1].upper() + caption[1:])}.</p>')
    kinds = {e["interval"]["text"] for e in lines.values() if e["interval"]}
    shared = len(kinds) == 1 and all(e["interval"] for e in lines.values())
    single = bool(lines) and all(e["agreement"] == "single_model" for e in lines.values())
    rows = []
    for issue in scenario.issues:
        e = lines[issue.id]
        fc = _e(with_label(e["forecast"], issue)) if e["forecast"] is not None else ""
        if e["lead_note"]:
            fc += f' <span class="muted">({_e(e["lead_note"])})</span>' if fc else _e(e["lead_note"])
        iv = e["interval"]
        ivt = _e(range_text(iv["low"], iv["high"], issue)) if iv else ""
        if iv and not shared:
            ivt += f'<br><span class="muted">{_e(iv["text"])}</span>'

        cls = "agree" if e["agreement"] == "agree" else ("disagree" if e["agreement"] == "disagree" else "")
        agreement = "" if single else f'<td class="agreement {cls}">{_e(e["verdict"])}</td>'
        rows.append(f'<tr data-issue="{_e(issue.id)}"><th scope="row">{_e(issue.label)}</th>'
                    f'<td class="forecast">{fc}</td><td class="interval">{ivt}</td>{agreement}</tr>')
    iv_head = _e(next(iter(kinds))) if shared else "interval"
    agree_head = "" if single else "<th>do the models agree?</th>"
    parts.append(f'<table class="bottom-line"><thead><tr><th>issue</th><th>forecast</th><th>{iv_head}</th>'
                 f"{agree_head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if single:  # said once, not on every line
        parts.append(f'<p class="muted single-model">{_e(single_model_note(list(lines.values())))}.</p>')
    scope = sm.interval_scope(lines.values())
    if scope:
        parts.append(f'<p class="muted calibration-scope">{_e(scope[:1].upper() + scope[1:])}.</p>')
    war = sm.war_headline(scenario, results)
    if war is not None:
        sides = war["sides"]
        draws = f'{war["draws"]} draw{"s" if war["draws"] != 1 else ""}'
        parts.append(f'<h3 id="war-headline">War: how it ends <span class="muted">({_e(war["model"])}, {draws}; '
                     f'side A = {_e(sides["A"]["name"])}, side B = {_e(sides["B"]["name"])})</span></h3>')
        by = "".join(f'<td class="num">{_e(pct(p))}</td>' for p in war["settlement_by"].values())
        heads = "".join(f'<th class="num">by {m} months</th>' for m in war["settlement_by"])
        parts.append(f'<table class="war-settlement"><thead><tr><th></th>{heads}</tr></thead>'
                     f"<tbody><tr><th scope=\"row\">P(deal)</th>{by}</tr></tbody></table>")
        ends = "".join(f'<tr data-ending="{_e(x["code"])}"><td>{_e(x["label"])}</td>'
                       f'<td class="num">{_e(pct(x["probability"]))}</td></tr>'
                       for x in war["endings"] if x["probability"] > 0)
        parts.append('<table class="war-endings"><thead><tr><th>ending</th><th class="num">probability</th></tr>'
                     f"</thead><tbody>{ends}</tbody></table>")
        trs = []
        for issue in ([] if sm.terms_lead(scenario, results) else scenario.issues):  # else the bottom line's
            t = war["terms_given_deal"].get(issue.id)
            if t is None:
                trs.append(f"<tr><td>{_e(issue.label)}</td><td>no draw ends in a deal</td><td></td></tr>")
            else:
                trs.append(f"<tr><td>{_e(issue.label)}</td><td>{_e(with_label(t['median'], issue))}</td>"
                           f'<td class="num">{_e(range_text(t["low"], t["high"], issue))}</td></tr>')
        if trs:
            parts.append('<table class="war-terms"><thead><tr><th>issue</th><th>terms given a deal (median)</th>'
                         f'<th class="num">{_e(sm.DEAL_BAND_TEXT)}</th></tr></thead><tbody>{"".join(trs)}</tbody></table>')
        else:
            parts.append('<p class="muted">The terms given a deal are the bottom line\'s forecasts above.</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _forecast_section(scenario: Scenario, results: list[Result]) -> str:
    """One table per issue (model, forecast, input uncertainty, calibrated interval, range over
    rounds), then one table of the rounds run and the stopping rules, which every issue shares."""
    any_draws = any(r.draws > 1 for r in results)
    any_fi = any(sm.forecast_interval(r) for r in results)
    any_rounds = any(r.trajectory.rounds is not None for r in results)
    parts = ["<h2 id=\"forecasts\">Forecasts by model</h2>"]
    for issue in scenario.issues:
        head = ["model", "forecast"] + ([BAND_HEADER] if any_draws else [])
        head += [FORECAST_INTERVAL_HEADER] if any_fi else []
        head += ["range over rounds"] if any_rounds else []
        rows = []
        for r in results:
            forecast, band = model_cells(r, issue)
            cells = [f"<td>{_e(model_label(r))}</td>", f'<td class="forecast">{_e(forecast)}</td>']
            if any_draws:
                cells.append(f'<td class="num">{_e(band)}</td>')
            if any_fi:
                cells.append(f'<td class="num">{_e(forecast_interval_text(r, issue))}</td>')
            if any_rounds:
                cells.append(f'<td class="num">{_e(round_range_text(r, issue))}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        if issue.status_quo is not None:
            pad = "<td></td>" * (len(head) - 2)
            rows.append(f'<tr class="muted"><td>status quo</td><td>{_e(with_label(issue.status_quo, issue))}</td>'
                        f"{pad}</tr>")
        if issue.outcome is not None:
            pad = "<td></td>" * (len(head) - 2)
            rows.append(f'<tr class="muted"><td>recorded outcome</td><td>{_e(with_label(issue.outcome, issue))}'
                        f"</td>{pad}</tr>")
        parts.append(f"<h3>{_e(issue.label)} <span class=\"muted\">[{_e(issue.id)}]</span></h3>")
        if issue.description:
            parts.append(f"<p>{_e(issue.description)}</p>")
        numeric = {BAND_HEADER, FORECAST_INTERVAL_HEADER, "range over rounds"}
        ths = "".join(f'<th class="num">{_e(h)}</th>' if h in numeric else f"<th>{_e(h)}</th>" for h in head)
        parts.append(f'<table class="forecasts"><thead><tr>{ths}</tr></thead><tbody>{"".join(rows)}</tbody>'
                     f"<caption>{_e(scale_text(issue))}</caption></table>")
    with_rounds = [r for r in results if r.trajectory.rounds is not None]
    if with_rounds:
        trs = "".join(f"<tr><td>{_e(model_label(r))}</td>"
                      f'<td class="num">{_e(rounds_text(r))}</td>'
                      f"<td>{_e(war_endings_text(scenario, r) + deal_month_text(r) if sm.is_war(r) else stopped_text(r))}</td></tr>"
                      for r in with_rounds)
        parts.append('<h3 id="rounds">Rounds run, and what stopped them</h3>'
                     '<table class="rounds"><thead><tr><th>model</th><th class="num">rounds</th><th>stopped by</th>'
                     f"</tr></thead><tbody>{trs}</tbody></table>")
    return "\n".join(parts)


def figure_alt(stem: str, title: str, scenario: Scenario, results: list[Result]) -> str:
    """A chart's text alternative: its title and the numbers a reader takes from it (each model's
    forecast on an issue's chart, P(deal) by month on the settlement curve), for a screen reader.

    >>> from detente.runner import run
    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x",
    ...     "name": "Land"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
    ...                                  {"actor": "B", "issue": "x", "position": 60}]})
    >>> figure_alt("issue-x", "Land: actors and forecasts", s, [run(s, "mean")])
    'Land: actors and forecasts. Forecast: mean 40.0.'
    """
    if stem.startswith("issue-") and stem[6:] in scenario.issue_ids:
        issue = scenario.issue(stem[6:])
        said = []
        for r in results:
            f, _, note = sm.model_point(r, issue.id)
            if f is not None:
                said.append(f"{model_label(r)} {fmt(f, issue)}" + (f" ({note})" if note else ""))
        return f"{title}. Forecast: {'; '.join(said)}." if said else title
    if stem == "war-settlement-probability-by-month":
        war = next((r for r in results if sm.is_war(r)), None)
        if war is not None:
            from detente.models.war.endings import settlement_by

            by = [(m, p) for m, p in settlement_by(war.trajectory.extras).items() if p is not None]
            if by:
                return f"{title}: P(a deal) by " + ", ".join(f"{m} months {pct(p)}" for m, p in by) + "."
    return title


def _figures_section(figures: list[tuple[str, str, bytes]], scenario: Scenario, results: list[Result]) -> str:
    if not figures:
        return ""
    parts = ["<h2 id=\"figures\">Figures</h2>"]
    for stem, title, png in figures:
        data = base64.b64encode(png).decode("ascii")
        alt = figure_alt(stem, title, scenario, results)
        parts.append(f'<figure id="fig-{_e(stem)}"><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
                     f"<figcaption>{_e(title)}</figcaption></figure>")
    return "\n".join(parts)


def _inputs_section(scenario: Scenario) -> str:
    sources = {s.id: s for s in scenario.sources}
    parts = ["<h2 id=\"inputs\">Inputs</h2>", "<h3>Actors</h3>"]
    rows = []
    groups = any(a.group for a in scenario.actors)  # no empty column when nobody has a group
    for a in scenario.actors:
        desc = _e(a.description) + _evidence_list(a.evidence, sources)
        group = f"<td>{_e(a.group)}</td>" if groups else ""
        rows.append(f"<tr><td>{_e(a.label)}<br><span class=\"muted\">{_e(a.id)}</span></td>"
                    f'<td class="num">{_e(fmt_uncertain(a.capability))}</td>{group}'
                    f"<td>{desc}</td></tr>")
    parts.append("<table><thead><tr><th>actor</th><th class=\"num\">capability</th>"
                 + ("<th>group</th>" if groups else "")
                 + f"<th>description</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")

    stance = {(s.actor, s.issue): s for s in scenario.stances}
    ths = "".join(f"<th>{_e(i.label)}</th>" for i in scenario.issues)
    rows = []
    for a in scenario.actors:
        cells = []
        for i in scenario.issues:
            s = stance.get((a.id, i.id))
            if s is None:
                cells.append('<td class="muted">\u2014</td>')
                continue
            text = f"{_e(fmt_uncertain(s.position))}"
            label = i.describe(point(s.position)) if i.anchors else ""
            if label:
                text += f' <span class="muted">({_e(label)})</span>'
            text += f'<br><span class="muted">salience {_e(fmt_uncertain(s.salience))}'
            if s.capability is not None:
                text += f", capability {_e(fmt_uncertain(s.capability))}"
            text += "</span>"
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr><th>{_e(a.label)}</th>{''.join(cells)}</tr>")
    parts.append("<h3>Positions and saliences</h3>")
    parts.append(f"<table><thead><tr><th>actor</th>{ths}</tr></thead><tbody>{''.join(rows)}</tbody>"
                 "<caption>position on each issue's scale (a range when uncertain), salience 0\u20131</caption></table>")

    parts.append(_war_inputs(scenario, sources))
    ev_parts = []
    for i in scenario.issues:
        if i.evidence:
            ev_parts.append(f"<p><strong>{_e(i.label)}</strong> (issue)</p>{_evidence_list(i.evidence, sources)}")
    for s in scenario.stances:
        if s.evidence or s.note:
            who = f"{scenario.actor(s.actor).label} on {scenario.issue(s.issue).label}"
            note = f' <span class="muted">{_e(s.note)}</span>' if s.note else ""
            ev_parts.append(f"<p><strong>{_e(who)}</strong>: {_e(fmt_uncertain(s.position))}{note}</p>"
                            f"{_evidence_list(s.evidence, sources)}")
    if ev_parts:
        parts.append("<h3>Evidence</h3>")
        parts.extend(ev_parts)
    if scenario.sources:
        parts.append("<h3 id=\"sources\">Sources</h3><ol>")
        for src in scenario.sources:
            bits = [_link(src.url, src.title or src.id) if src.url else _e(src.title or src.id)]
            bits += [_e(x) for x in (src.author, src.publisher, src.date) if x]
            note = f'<br><span class="muted">{_e(src.note)}</span>' if src.note else ""
            bits_text = ", ".join(bits)
            parts.append(f"<li id=\"src-{_e(src.id)}\"><code>{_e(src.id)}</code> {bits_text}"
                         + (f'<br><span class="muted">{_link(src.url)}</span>' if src.url else "") + f"{note}</li>")
        parts.append("</ol>")
    return "\n".join(parts)


_SIDE_NUMBERS = ("prior_win", "confidence", "memory", "cost", "cost_horizon", "discount", "collapse_hazard",
                 "bargaining_power")
"""A side's numbers in the report's order (their words: :data:`detente.scenario.war.INPUT_WORDS`)."""
_UNITS = {"cost": " of the stakes"}
"""The units shown after a number where its words do not say them."""


_MAPPING_WORDS = {"linear": "every issue moves in proportion to the share of the stakes a side gets",
                  "salience": "each side gets first the issues it values most (issue linkage by salience)"}


def _war_inputs(scenario: Scenario, sources: dict[str, Source]) -> str:
    """The war block as read: each side's beliefs, costs, commitments and ratifiers, the battlefield,
    the shocks and the bargaining rule, each with its note and evidence (the war model leads the
    bottom line: its inputs are shown as the actors' are). Empty without a war block."""
    if not scenario.war:
        return ""
    from pydantic import ValidationError

    from detente.scenario.war import INPUT_WORDS, validate_war_block

    try:
        w = validate_war_block(scenario.war)
    except ValidationError:  # a run refuses it; nothing to show
        return ""

    def label(actor: str | None) -> str:
        try:
            return scenario.actor(actor).label if actor else ""
        except (KeyError, ValueError):
            return actor or ""

    def issue_label(i: str) -> str:
        try:
            return scenario.issue(i).label
        except (KeyError, ValueError):
            return i

    def notes(part: object) -> str:
        note = getattr(part, "note", None)
        return (f'<p class="muted">{_e(note)}</p>' if note else "") + _evidence_list(getattr(part, "evidence", []), sources)

    def numbers(part: object, names: Iterable[str]) -> str:
        items = [f"{_e(INPUT_WORDS.get(n, n.replace('_', ' ')))} <strong>{_e(fmt_uncertain(getattr(part, n)))}"
                 f"</strong>{_e(_UNITS.get(n, ''))}" for n in names if getattr(part, n, None) is not None]
        return "; ".join(items)

    side_name = {sid: sd.name or f"side {sid}" for sid, sd in w.sides.items()}
    parts = [f'<h3 id="war-inputs">War inputs</h3><p>Horizon {w.months} months; terms set by the '
             f"{_e(w.bargaining.rule)} rule"
             + (f" (proposer: {_e(w.bargaining.proposer)})" if w.bargaining.rule == "rubinstein" else "")
             + f"; {_e(_MAPPING_WORDS.get(w.terms.mapping, w.terms.mapping))}.</p>"
             + notes(w) + notes(w.bargaining) + notes(w.terms)]
    for sid, sd in sorted(w.sides.items()):
        who = ", ".join(label(a) for a in sd.actors)
        who = "" if who == side_name[sid] else f'<p class="muted">{_e(who)}</p>'
        heading = f"Side {sid}: {_e(sd.name)}" if sd.name else f"Side {sid}"
        parts.append(f"<h4>{heading}</h4>{who}"
                     f"<p>{numbers(sd, _SIDE_NUMBERS)}</p>" + notes(sd))
        for c in sd.commitments:
            parts.append(f"<p><strong>Public commitment</strong> on {_e(issue_label(c.issue))}: demand "
                         f"<strong>{_e(fmt_uncertain(c.demand))}</strong>, audience cost of settling short "
                         f"<strong>{_e(fmt_uncertain(c.audience_cost))}</strong></p>" + notes(c))
        for r in sd.ratifiers:
            terms = []
            if r.floor is not None:
                terms.append(f"ratifies at least <strong>{_e(fmt_uncertain(r.floor))}</strong> of the stakes")
            terms += [f"goes no further than <strong>{_e(fmt_uncertain(v))}</strong> on {_e(issue_label(i))}"
                      for i, v in r.limits.items()]
            if r.margin is not None:
                terms.append(f"margin over the war outcome its side expects <strong>{_e(fmt_uncertain(r.margin))}"
                             "</strong> of the stakes (above 0: it demands more; below 0: it accepts less)")
            name = r.name or label(r.actor) or "a ratifier"
            parts.append(f"<p><strong>Ratifier</strong> {_e(name)}: {'; '.join(terms)}</p>" + notes(r))
    bf = w.battlefield
    start = bf.start if bf.start is not None else bf.forts / 2
    front = (f"front line at <strong>{_e(fmt_uncertain(start))}</strong> on a line from 0 (victory of "
             f"{_e(side_name['B'])}) to {bf.forts} (victory of {_e(side_name['A'])})")
    extra = [n for n in type(bf).model_fields if n not in ("kind", "forts", "start", "note", "evidence")]
    parts.append(f"<h4>Battlefield ({_e(bf.kind.replace('_', ' '))})</h4><p>{front}; "
                 f"{numbers(bf, extra)}</p>" + notes(bf))
    for sh in w.shocks:
        change = (f"changes by {_e(fmt_uncertain(sh.delta))}" if sh.delta is not None
                  else f"is set to {_e(fmt_uncertain(sh.value))}")
        what = ("chance of winning a month's battle" if sh.what == "p_battle"  # the named side's
                else INPUT_WORDS.get(sh.what, sh.what.replace("_", " ")))
        parts.append(f"<p><strong>From month {sh.month}</strong>, for {_e(side_name[sh.side])}: "
                     f"{_e(what)} {change}</p>" + notes(sh))
    return "\n".join(parts)


def _pooling_section(scenario: Scenario, results: list[Result]) -> str:
    """For a pooled scenario: per issue the variance split between and within analysts, each
    analyst's mean, and the inputs the analysts disagree on most (rendered from ``result.pooling``,
    computed by :func:`detente.pool.attach`)."""
    r = next((x for x in results if x.pooling), None)
    if r is None:
        return ""
    p = r.pooling
    ids = [a["id"] for a in p["analysts"]]
    total = sum(a["weight"] for a in p["analysts"]) or 1.0
    who = ", ".join(f"{_e(a['id'])} (weight {a['weight'] / total:.2f})" for a in p["analysts"])
    parts = ['<section id="analysts"><h2>Where the analysts disagree</h2>',
             f'<p>This scenario pools {len(ids)} analysts\u2019 views: {who}. Each draw takes one analyst\u2019s '
             f"view, so the forecast\u2019s variance over the draws ({_e(model_label(r))}) splits into the analysts\u2019 "
             "disagreement (between) and each analyst\u2019s own uncertainty (within).</p>"]
    heads = "".join(f'<th class="num">mean, {_e(a)}</th>' for a in ids)
    rows = []
    for issue in scenario.issues:
        e = p["issues"].get(issue.id) or {}
        share = e.get("variance_share") or {}
        by = e.get("by_analyst") or {}
        means = "".join(f'<td class="num">{_e(with_label((by.get(a) or {}).get("mean"), issue))}</td>' for a in ids)
        dis = "<br>".join(_e(line) for line in disagreement_lines(e, issue, 5)) or "\u2014"
        rows.append(f"<tr><td>{_e(issue.label)}</td><td class=\"num\">{_e(pct(share.get('between_analysts')))}</td>"
                    f"<td class=\"num\">{_e(pct(share.get('within_analysts')))}</td>{means}<td>{dis}</td></tr>")
    parts.append("<table><thead><tr><th>issue</th><th class=\"num\">between analysts</th>"
                 f"<th class=\"num\">within analysts</th>{heads}<th>inputs they disagree on most</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody><caption>Shares of the forecast\u2019s variance over draws (law of "
                 "total variance, exact on the draws). The inputs\u2019 shares are a one-at-a-time measure: each input "
                 "set to each analyst\u2019s value in turn, every other input at its pooled point; interactions "
                 "between inputs are not counted."
                 + (f" For the war model {_e(p['disagreement_note'])}." if p.get("disagreement_note") else "")
                 + "</caption></table></section>")
    return "\n".join(parts)


def _option_text(v: object) -> str:
    """An option's value as the reader reads it: ``not set`` for None (the scenario's or the model's
    own choice applies), lists and mappings in JSON."""
    if v is None:
        return "not set"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)


def _provenance_section(results: list[Result]) -> str:
    rows = []
    for r in results:
        opts = "\n".join(f"{k}: {_option_text(v)}" for k, v in sorted(r.options.items())) or "none"
        notes = "".join(f"<br><span class=\"muted\">{_e(n)}</span>" for n in r.notes)
        rows.append(f"<tr><td>{_e(r.model)}{notes}</td><td>{_e(r.variant or 'default')}</td><td><pre>{_e(opts)}</pre></td>"
                    f'<td class="num">{r.seed}</td><td class="num">{r.draws}</td><td>{_e(r.version)}</td>'
                    f'<td><code title="{_e(r.input_sha256)}">{_e(r.input_sha256[:12])}</code></td>'
                    f'<td class="num">{r.elapsed_s:.3f} s</td></tr>')
    return ("<h2 id=\"provenance\">Provenance</h2><table><thead><tr><th>model</th><th>variant</th><th>options</th>"
            "<th class=\"num\">seed</th><th class=\"num\">draws</th><th>version</th><th>input sha256</th>"
            f"<th class=\"num\">time</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def render_html(scenario: Scenario, results: list[Result], figures: list[tuple[str, str, bytes]]) -> str:
    """The report page; ``figures`` are ``(stem, title, png bytes)``."""
    input_hash = results[0].input_sha256 if results else ""
    models = ", ".join(model_label(r) for r in results)
    body = [
        f"<h1>{_e(scenario.name)}</h1>",
        f'<p class="lead">{_e(scenario.description)}</p>' if scenario.description else "",
        f'<p class="muted">Models: {_e(models)}. Input SHA-256 <code>{_e(input_hash)}</code>.</p>',
        '<nav class="muted"><a href="#bottom-line">Bottom line</a><a href="#forecasts">Forecasts by model</a>'
        + ('<a href="#analysts">Analysts</a>' if any(r.pooling for r in results) else "")
        + ('<a href="#explain">Why</a>' if any(r.explain for r in results) else "") + '<a href="#figures">Figures</a>'
        '<a href="#inputs">Inputs</a><a href="#provenance">Provenance</a></nav>',
        _bottom_line_section(scenario, results),
        _forecast_section(scenario, results),
        _pooling_section(scenario, results),
        explain_section(scenario, results, figures),
        _figures_section([f for f in figures if not f[0].startswith("explain-")], scenario, results),
        _inputs_section(scenario),
        _provenance_section(results),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(scenario.name)} \u2014 detente report</title><style>{CSS}</style></head>"
            f"<body><main>\n{accessible_tables(chr(10).join(p for p in body if p))}\n</main></body></html>\n")
