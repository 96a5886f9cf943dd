"""Comparing views: the same models run on scenarios that encode different analysts' estimates.

``detente compare A.yaml B.yaml --model mean --model war`` shows, issue by issue, each view's
forecast and interval and the difference from the first view, so that a reader sees how much the
forecast depends on the analyst rather than on the model. The scenarios must share their issue
ids and scales (actors may differ).

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> def view(p):
...     return Scenario.model_validate({"name": f"view {p}", "actors": [{"id": "A"}, {"id": "B"}],
...         "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": p},
...         {"actor": "B", "issue": "x", "position": 80}]})
>>> views = [view(20), view(40)]
>>> results = [[run(s, "mean")] for s in views]
>>> rows = comparison_rows(views, results)
>>> [(r["scenario"], r["forecast"], r["difference"]) for r in rows]
[('view 20', 50.0, 0.0), ('view 40', 60.0, 10.0)]

Views run with the same seed share their random numbers: every input two views share takes the same
draws in both (:meth:`detente.scenario.sampling.InputSpace.sample`), so a difference comes from
what differs between them, not from a new shuffle of everything else. What noise of the draws is
left is shown next to each difference (:func:`difference_noise`).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.table import Table as RichTable

from detente.consoles import Table
from detente.errors import InputError
from detente.report.figmeta import PALETTE
from detente.report.summary import json_safe as _clean
from detente.report.summary import model_point
from detente.report.tables import BAND_HEADER, NARROW, fmt, model_cells, model_label, stacked
from detente.result import Result
from detente.scenario.model import Scenario

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw (the tables need none of it)
    from matplotlib.figure import Figure


def check_comparable(scenarios: list[Scenario]) -> None:
    """The views must give the same issues, each on the same scale and read the same way (no
    anchor label at another point); otherwise their forecasts are not comparable."""
    from detente.scenario.views import axis_problems

    first = scenarios[0]
    files = [str(s.meta.get("file") or s.name) for s in scenarios]
    for s, f in zip(scenarios[1:], files[1:]):
        lacks = [i for i in first.issue_ids if i not in s.issue_ids]
        extra = [i for i in s.issue_ids if i not in first.issue_ids]
        if lacks or extra:
            said = [f"it lacks {', '.join(lacks)}" if lacks else "",
                    f"it has {', '.join(extra)}, which {files[0]} lacks" if extra else ""]
            raise InputError.one(f, f"the issues differ from those of {files[0]}: {'; '.join(x for x in said if x)} "
                                    "(compared views give the same issues, with the same ids)", field="issues")
    problems = axis_problems(scenarios, files)
    if problems:
        raise InputError(None, problems)


NOISE_RESAMPLES = 200
"""Bootstrap resamples of the draws behind :func:`difference_noise`."""


def view_names(scenarios: list[Scenario]) -> list[str]:
    """What each view is called in tables, charts and JSON: its name; where two views share a name,
    the name with its file's; where they share that too, with its place in the list.

    >>> from types import SimpleNamespace as N
    >>> view_names([N(name="U", meta={"file": "a/u.yaml"}), N(name="U", meta={"file": "b/v.yaml"}),
    ...             N(name="W", meta={})])
    ['U (u.yaml)', 'U (v.yaml)', 'W']
    >>> view_names([N(name="U", meta={"file": "u.yaml"}), N(name="U", meta={"file": "u.yaml"})])
    ['U (view 1)', 'U (view 2)']
    """
    names = [s.name for s in scenarios]
    files = [PurePath(s.meta["file"]).name if s.meta.get("file") else None for s in scenarios]
    out = []
    for k, s in enumerate(scenarios):
        if names.count(s.name) == 1:
            out.append(s.name)
        elif files[k] is not None and list(zip(names, files)).count((s.name, files[k])) == 1:
            out.append(f"{s.name} ({files[k]})")
        else:
            out.append(f"{s.name} (view {k + 1})")
    return out


def difference_noise(r: Result, base: Result, seed: int = 0) -> dict[str, float | None]:
    """Per issue, the 95 % Monte Carlo half-width of ``r``'s forecast minus ``base``'s: how far
    the difference could move with other draws of the same inputs. ``None`` for an issue when either
    run has a single draw (no noise) or the forecast is missing in too many resamples.

    The forecast is a median over draws (the war model's: over the draws that end in a deal). The
    draws of the two runs are paired, draw ``d`` with draw ``d``, since views run with one seed share
    their random numbers; the same resampled indices go into both medians (a paired bootstrap,
    :data:`NOISE_RESAMPLES` resamples, seeded). Runs with different numbers of draws are resampled
    independently.

    >>> import numpy as np
    >>> from types import SimpleNamespace as N
    >>> def res(x):
    ...     x = np.asarray(x, dtype=float)[:, None]
    ...     return N(issue_ids=("i",), draws=len(x), trajectory=N(forecast=x), draws_kept=lambda: np.ones(len(x), bool))
    >>> u = np.random.default_rng(1).random(500)
    >>> round(difference_noise(res(u + 1), res(u))["i"], 9)  # the same draws shifted: no noise at all
    0.0
    >>> round(difference_noise(res(u), res(np.random.default_rng(2).random(500)))["i"], 2)  # unrelated draws
    0.07
    """
    ids = list(r.issue_ids)
    if r.draws <= 1 or base.draws <= 1:
        return {i: None for i in ids}
    xa, xb = _kept_draws(r, ids), _kept_draws(base, ids)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(0, NOISE_RESAMPLES, 20):  # blocks of 20 resamples: (20, draws, issues) at a time
        ia = rng.integers(0, len(xa), (20, len(xa)))
        ib = ia if len(xb) == len(xa) else rng.integers(0, len(xb), (20, len(xb)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an issue with no deal in a resample: NaN
            diffs.append(np.nanmedian(xa[ia], axis=1) - np.nanmedian(xb[ib], axis=1))
    d = np.concatenate(diffs)  # (resamples, issues)
    out: dict[str, float | None] = {}
    for k, i in enumerate(ids):
        dk = d[:, k][np.isfinite(d[:, k])]
        out[i] = None if dk.size < 0.9 * len(d) else float((np.percentile(dk, 97.5) - np.percentile(dk, 2.5)) / 2)
    return out


def _kept_draws(r: Result, ids: list[str]) -> np.ndarray:
    """(draws, issues) per-draw forecasts, NaN where a draw is not behind the forecast (the war
    model's draws that do not end in a deal)."""
    x = np.asarray(r.trajectory.forecast, dtype=float)[:, [list(r.issue_ids).index(i) for i in ids]]
    return np.where(r.draws_kept()[:, None], x, np.nan)


def comparison_rows(scenarios: list[Scenario], results: list[list[Result]]) -> list[dict[str, Any]]:
    """Tidy rows: issue, model, scenario (:func:`view_names`), forecast, p10, p90, the difference
    from the first view and its Monte Carlo noise (``difference_noise``: the 95 % half-width of
    :func:`difference_noise`; ``null`` for the first view and for runs without draws).
    Each view's results must be its own (:func:`~detente.report.summary.check_results`)."""
    from detente.result import check_results

    if len(scenarios) != len(results):
        raise ValueError(f"{len(scenarios)} scenarios and {len(results)} lists of results: one list per scenario")
    for s, rs in zip(scenarios, results):
        check_results(s, rs)
    rows = []
    base = {(r.model, r.variant): r for r in results[0]}
    for v, (s, name, rs) in enumerate(zip(scenarios, view_names(scenarios), results)):
        for r in rs:
            b = base.get((r.model, r.variant))
            noise = difference_noise(r, b) if b is not None and v > 0 else {}
            for issue in s.issues:
                # the war model: terms given a deal (deals are not pooled with victories)
                f, band, note = model_point(r, issue.id)
                bf = model_point(b, issue.id)[0] if b is not None else None
                lo, hi = band if band else (None, None)
                row = {"issue": issue.id, "model": model_label(r), "scenario": name, "forecast": _r(f),
                       "p10": _r(lo), "p90": _r(hi),
                       "difference": _r(f - bf) if f is not None and bf is not None else None,
                       "difference_noise": _r(noise.get(issue.id))}
                if note:
                    row["basis"] = note
                rows.append(row)
    return rows


def _r(v: Any) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 6)


def war_comparison(scenarios: list[Scenario], results: list[list[Result]]) -> list[dict[str, Any]]:
    """How the war ends in each view that ran the war model: P(deal by 6/12/24/60 months) and each
    ending's probability, the sides named from that view's actors (views may name them differently).

    >>> import detente
    >>> from detente.runner import run
    >>> views = [detente.load(detente.example(n)) for n in ("ukraine-settlement", "ukraine-settlement-contrast")]
    >>> rows = war_comparison(views, [[run(v, "war", draws=200)] for v in views])
    >>> [len(r["endings"]) > 1 for r in rows], sorted(rows[0]["settlement_by"])
    ([True, True], ['12', '24', '6', '60'])
    """
    from detente.models.war.endings import ENDINGS, ending_label, endings, horizon_months, settlement_by, side_names

    rows = []
    base: Result | None = None
    base_labels: dict[str, str] = {}
    for s, view, rs in zip(scenarios, view_names(scenarios), results):
        for r in rs:
            if r.model != "war":
                continue
            names = side_names(s.war, {a.id: a.label for a in s.actors})
            T = horizon_months(r.trajectory.extras)
            labels = {code: ending_label(code, names, T) for code in ENDINGS}
            row = {"scenario": view, "model": model_label(r), "draws": r.draws,
                   "settlement_by": settlement_by(r.trajectory.extras),
                   "endings": [{"ending": e["label"], "probability": e["probability"]}
                               for e in endings(r.trajectory.extras, names)]}
            if base is None:
                base, base_labels = r, labels
            else:  # each probability's difference from the first view's, with its Monte Carlo noise
                row["settlement_by_difference"] = {  # None past either run's horizon
                    m: share_difference(_dealt_by(r, int(m)), _dealt_by(base, int(m))) for m in row["settlement_by"]}
                # an ending compares only with the same ending: the same side by name, the same horizon
                diffs = {code: share_difference(_ended(r, code), _ended(base, code))
                         for code in ENDINGS if labels[code] == base_labels[code]}
                row["ending_differences"] = {labels[code]: d for code, d in diffs.items()
                                             if d is not None and (d["difference"] != 0 or _ended(r, code).any())}
            rows.append(row)
    return rows


WAR_NOISE = "paired over the draws the views share"


def _bracketed(rows: list[dict[str, Any]]) -> bool:
    """Whether any cell of :func:`war_grid` carries a difference (none with one draw per view)."""
    return any(w.get("ending_differences") or any((w.get("settlement_by_difference") or {}).values()) for w in rows)


def share_difference(a: np.ndarray | None, b: np.ndarray | None) -> dict[str, float] | None:
    """The share of ``a``'s draws where an event happened minus ``b``'s, and its 95 % Monte Carlo
    half-width (normal approximation): paired draw by draw when the runs have as many draws (views
    run with one seed share their random numbers), else independent. ``None`` without per-draw data.

    >>> import numpy as np
    >>> a = np.array([True, True, False, False]); share_difference(a, a)
    {'difference': 0.0, 'noise': 0.0}
    >>> d = share_difference(np.arange(1000) % 2 == 0, np.arange(1000) % 4 == 0)
    >>> round(d["difference"], 3), round(d["noise"], 3)
    (0.25, 0.027)
    """
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return None
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) == len(b):
        se = float(np.std(a - b, ddof=1) / np.sqrt(len(a)))
    else:
        se = float(np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)))
    return {"difference": round(float(a.mean() - b.mean()), 6), "noise": round(1.96 * se, 6)}


def points(d: dict[str, float] | None) -> str:
    """A :func:`share_difference` in percentage points for a table cell: ``(+35 ±2)``; '' for none.

    >>> points({"difference": 0.3465, "noise": 0.0241}), points({"difference": -0.004, "noise": 0.0031}), points(None)
    ('(+35 ±2)', '(-0.4 ±0.3)', '')
    """
    if d is None:
        return ""
    v, n = 100 * d["difference"] + 0.0, 100 * d["noise"]  # + 0.0: no "-0" for a rounded -0.0
    digits = 1 if max(abs(v), n) < 10 and (v or n) else 0
    return f"({v:+.{digits}f} \u00b1{n:.{digits}f})"


def _dealt_by(r: Result, month: int) -> np.ndarray | None:
    """Per draw: whether the war ended in a deal by ``month`` (``None`` past the run's horizon or
    without per-draw data)."""
    t = r.trajectory
    settled = t.extras.get("_settled")
    if settled is None or t.rounds is None:
        return None
    by = t.extras.get("settlement_by_month")
    if by is not None and month >= len(by):
        return None
    return np.asarray(settled, bool) & (np.asarray(t.rounds) <= month)


def _ended(r: Result, code: str) -> np.ndarray | None:
    """Per draw: whether the war ended so (a stop code of :data:`~detente.models.war.endings.ENDINGS`)."""
    stopped = r.trajectory.stopped_by
    return None if stopped is None else np.asarray(stopped).astype(str) == code


def war_grid(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """:func:`war_comparison` transposed for reading side by side: a column header per view, and a
    line per P(deal by m months) and per ending (the endings of every view in the order met; 0 % in
    a view none of whose draws ended so, since the endings list only what happened). The terminal,
    ``compare.html`` and the web page (``warComparison``) lay the table out so.

    >>> rows = [{"scenario": "A", "model": "war", "draws": 10, "settlement_by": {"6": 0.2, "60": 0.4},
    ...          "endings": [{"ending": "deal", "probability": 0.4}, {"ending": "victory of X", "probability": 0.6}]},
    ...         {"scenario": "B", "model": "war", "draws": 10, "settlement_by": {"6": 0.5, "60": None},
    ...          "endings": [{"ending": "deal", "probability": 1.0}]}]
    >>> heads, lines = war_grid(rows)
    >>> heads
    ['A (war, 10 draws)', 'B (war, 10 draws)']
    >>> lines
    [('P(deal) by 6 months', ['20 %', '50 %']), ('P(deal) by 60 months', ['40 %', '']), ('deal', ['40 %', '100 %']), ('victory of X', ['60 %', '0 %'])]
    """
    from detente.report.tables import pct

    def cell(text: str, diff: dict[str, float] | None) -> str:
        return f"{text} {points(diff)}" if diff is not None else text

    heads = [f"{w['scenario']} ({w['model']}, {w['draws']} draws)" for w in rows]
    lines = [(f"P(deal) by {m} months",
              ["" if w["settlement_by"].get(m) is None else
               cell(pct(w["settlement_by"][m]), (w.get("settlement_by_difference") or {}).get(m)) for w in rows])
             for m in rows[0]["settlement_by"]]
    names = list(dict.fromkeys(e["ending"] for w in rows for e in w["endings"]))
    for name in names:
        lines.append((name, [cell(pct(next((e["probability"] for e in w["endings"] if e["ending"] == name), 0.0)),
                                  (w.get("ending_differences") or {}).get(name)) for w in rows]))
    return heads, lines


def war_comparison_table(scenarios: list[Scenario], results: list[list[Result]]) -> RichTable | None:
    """:func:`war_comparison` as a table (:func:`war_grid`: a column per view); ``None`` when no view
    ran the war model."""
    rows = war_comparison(scenarios, results)
    if not rows:
        return None
    heads, lines = war_grid(rows)
    bracketed = _bracketed(rows)
    t = Table(title="War: how it ends, by view", title_justify="left",
              caption="P(deal by m months): the share of the draws (simulated wars) that end in a deal by then; "
                      "then the share of each ending" + (". In brackets: the difference from the first view in "
                      f"percentage points \u00b1 its 95 % Monte Carlo noise ({WAR_NOISE})" if bracketed else ""),
              caption_justify="left")
    t.add_column("")
    for h in heads:
        t.add_column(h, justify="right")
    n_by = len(rows[0]["settlement_by"])
    for k, (what, cells) in enumerate(lines):
        t.add_row(what, *cells, end_section=k == n_by - 1)
    return t


def signed(diff: float, issue: Any) -> str:
    """A difference on ``issue``'s scale with its sign and the issue's decimals; an em dash when
    either view has no forecast (the war model without a deal in one of them).

    >>> from types import SimpleNamespace as N
    >>> issue = N(scale=N(min=0, max=100))
    >>> signed(-7.23, issue), signed(14.4, issue), signed(float("nan"), issue)
    ('-7.2', '+14.4', '\u2014')
    """
    text = fmt(diff, issue)
    return text if not math.isfinite(diff) or text.startswith("-") else "+" + text


def comparison_tables(scenarios: list[Scenario], results: list[list[Result]], width: int | None = None,
                      rows: list[dict[str, Any]] | None = None) -> list[RichTable]:
    """One Rich table per issue: a row per model and view, with the difference from the first view
    and its noise (from ``rows`` of :func:`comparison_rows` when they were computed already: the
    bootstrap is not run twice). ``width`` is the console's, as in
    :func:`detente.report.tables.forecast_tables`."""
    lines = 3 if width is not None and width < NARROW else 2
    tables = []
    any_draws = any(r.draws > 1 for rs in results for r in rs)
    names = view_names(scenarios)
    base = {(r.model, r.variant): r for r in results[0]}
    if rows is not None:
        said = {(x["scenario"], x["model"], x["issue"]): x["difference_noise"] for x in rows}
        noise = {(v, r.model, r.variant): {i: said.get((names[v], model_label(r), i)) for i in r.issue_ids}
                 for v, rs in enumerate(results) if v > 0 for r in rs}
    else:
        noise = {(v, r.model, r.variant): difference_noise(r, base[(r.model, r.variant)])
                 for v, rs in enumerate(results) if v > 0 for r in rs if (r.model, r.variant) in base}
    caption = (f"±: how far the difference could move with other draws (95 %, bootstrap over the draws, "
               f"which the views share for every input they share); a difference within it is noise: "
               f"run more draws (-n)" if any_draws else None)
    for n, issue in enumerate(scenarios[0].issues):
        t = Table(title=f"{issue.label} [{issue.id}]: forecast by view", title_justify="left",
                  caption=caption if n == len(scenarios[0].issues) - 1 else None, caption_justify="left")  # said once, last
        t.add_column("model", no_wrap=True)
        t.add_column("view")
        t.add_column("forecast")
        if any_draws:
            t.add_column(stacked(BAND_HEADER, lines), no_wrap=True)
        t.add_column(stacked("vs first view", lines), justify="right", no_wrap=True)
        models = list(dict.fromkeys((r.model, r.variant) for rs in results for r in rs))
        for key in models:
            for k, (s, rs) in enumerate(zip(scenarios, results)):
                r = next((x for x in rs if (x.model, x.variant) == key), None)
                if r is None:
                    continue
                iss = s.issue(issue.id)
                f = model_point(r, issue.id)[0]
                bf = model_point(base[key], issue.id)[0] if key in base else None
                diff = f - bf if f is not None and bf is not None else float("nan")
                text, band = model_cells(r, iss)
                row = [model_label(r) if k == 0 else "", names[k], text]
                if any_draws:
                    row.append(band)
                mc = noise.get((k, *key), {}).get(issue.id)
                row.append("" if k == 0 else signed(diff, iss) + (f" ±{fmt(mc, iss)}" if mc is not None and math.isfinite(diff) else ""))
                t.add_row(*row, end_section=(k == len(scenarios) - 1))
        tables.append(t)
    return tables


def plot_comparison(scenarios: list[Scenario], results: list[list[Result]], issue_id: str) -> Figure:
    """Forecasts with 80 % intervals per model (rows) and view (colours) on the issue's scale."""
    from detente.report.plots import _new_figure

    issue = scenarios[0].issue(issue_id)
    models = list(dict.fromkeys((r.model, r.variant) for rs in results for r in rs))
    fig = _new_figure(8.5, 1.6 + 0.55 * len(models) * len(scenarios) ** 0.5, constrained=True)
    ax = fig.add_subplot()
    h = 0.7 / max(len(scenarios), 1)
    names = view_names(scenarios)
    for m, key in enumerate(models):
        for k, rs in enumerate(results):
            r = next((x for x in rs if (x.model, x.variant) == key), None)
            if r is None:
                continue
            y = m + (k - (len(scenarios) - 1) / 2) * h
            f, band, _ = model_point(r, issue_id)
            f = float("nan") if f is None else f
            if band:
                lo, hi = band
                ax.plot([lo, hi], [y, y], color=PALETTE[k % len(PALETTE)], lw=3, alpha=0.45, solid_capstyle="butt")
            ax.plot([f], [y], "o", color=PALETTE[k % len(PALETTE)], ms=7,
                    label=names[k] if m == 0 else None)
    ax.set_yticks(range(len(models)), [model_label(next(x for rs in results for x in rs
                                                        if (x.model, x.variant) == key)) for key in models])
    ax.invert_yaxis()
    ax.set_xlim(issue.scale.min, issue.scale.max)
    if issue.status_quo is not None:
        ax.axvline(issue.status_quo, color="black", ls=":", lw=1, label="status quo")
    ax.grid(axis="x", color="#e6e6e6", lw=0.6)
    ax.set_xlabel(f"position on the issue's scale ({issue.scale.min:g}\u2013{issue.scale.max:g}); "
                  "dots: forecast, bars: input uncertainty (p10\u2013p90 over draws)")
    ax.set_title(f"{issue.label}\nHow much the forecast depends on the view", loc="left", fontsize=10,
                 fontweight="bold")
    fig.legend(loc="outside lower center", ncol=1, fontsize=8, frameon=False)
    return fig


def plot_settlement_comparison(scenarios: list[Scenario], results: list[list[Result]]) -> Figure | None:
    """The war model's settlement probability by month, one curve per view."""
    from detente.report.plots import _new_figure
    from detente.report.settlement import plot_settlement

    pairs = [(name, r) for name, rs in zip(view_names(scenarios), results) for r in rs if r.model == "war"]
    if not pairs:
        return None
    fig = _new_figure(8.5, 3.6, left=0.75, bottom=0.55, top=0.4)
    ax = fig.add_subplot()
    for k, (name, r) in enumerate(pairs):
        plot_settlement(r.trajectory.extras, ax, label=name, color=PALETTE[k % len(PALETTE)])
    ax.set_title("Probability of a settlement by month, by view", loc="left", fontsize=10, fontweight="bold")
    return fig


def comparison_record(scenarios: list[Scenario], results: list[list[Result]],
                      drivers: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``compare.json`` and ``detente compare --format json`` hold: the views (name, file,
    input hash), the tidy rows of :func:`comparison_rows` under ``comparison``, how the war ends in
    each view (:func:`war_comparison`) under ``war`` when a view ran the war model, the inputs that
    make each view differ from the first (:func:`~detente.report.compare_drivers.comparison_drivers`,
    computed unless given) under ``drivers``, and every view's full results (as ``result.json``
    holds them) under ``results``.

    >>> from detente.runner import run
    >>> from detente.scenario.model import Scenario
    >>> views = [Scenario.model_validate({"name": f"view {p}", "actors": [{"id": "A"}],
    ...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": p}]})
    ...     for p in (20, 40)]
    >>> record = comparison_record(views, [[run(s, "mean")] for s in views])
    >>> list(record), [r["difference"] for r in record["comparison"]]
    (['scenarios', 'comparison', 'drivers', 'results'], [0.0, 20.0])
    >>> record["drivers"]["views"][0]["models"]["mean"]["x"][0]["effect"]
    20.0
    """
    from detente.report.compare_drivers import comparison_drivers

    war_rows = war_comparison(scenarios, results)
    return {"scenarios": [{"name": s.name, "view": name, "file": s.meta.get("file"), "input_sha256": rs[0].input_sha256}
                          for s, name, rs in zip(scenarios, view_names(scenarios), results)],
            "comparison": comparison_rows(scenarios, results),
            **({"war": war_rows} if war_rows else {}),
            "drivers": drivers if drivers is not None else comparison_drivers(scenarios, results),
            "results": [[r.to_dict() for r in rs] for rs in results]}


def comparison_json(record: dict[str, Any]) -> str:
    """:func:`comparison_record` as strict JSON (no NaN: a missing number is ``null``)."""
    return json.dumps(_clean(record), indent=2, allow_nan=False)
