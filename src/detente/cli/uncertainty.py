"""``detente sensitivity`` and ``detente sweep``.

Mounted in the main CLI with::

    app.command("sensitivity")(sensitivity_command)
    app.command("sweep")(sweep_command)
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import io
import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import typer

from detente.cli.common import (
    DEFAULT_SEED, ModelOptions, TableOrJson, Variants, as_options, model_option, out_option, parse_options,
    parse_variants, print_warnings, scenario_argument, seed_option,
)
from detente.consoles import Console, Table, escape, stdout_width, unbroken_width
from detente.errors import DetenteError

# This module is imported when ``detente`` starts (to list the commands): heavy imports (NumPy,
# pydantic, the runner, SALib, Dask), and those of the writers (html, base64, csv), happen inside the
# commands.

MODEL_HELP = "Model to run; repeat for several (see `detente models`)."


def _fail(e: Exception) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {escape(str(e))}")
    raise typer.Exit(2)


def _load(path: Path) -> Any:
    from detente.scenario.io import load
    from detente.scenario.model import scenario_warnings

    s = load(path)
    print_warnings([f"{path}: {w}" for w in scenario_warnings(s)])
    return s


def _one_or_list(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


# --------------------------------------------------------------------------------------------
# sensitivity


def sensitivity_command(
    scenario: Annotated[Path, scenario_argument()],
    model: Annotated[list[str], model_option(MODEL_HELP)],
    method: Optional[Literal["sobol", "morris"]] = typer.Option(
        None, "--method", help="sobol or morris (default: sobol up to 20 uncertain inputs, morris above)."),
    samples: Optional[int] = typer.Option(None, "--samples", min=2, metavar="N",
                                          help="Base sample size (sobol: 512, morris: 64 trajectories)."),
    seed: Annotated[int, seed_option("Seed of the design and of the model.")] = DEFAULT_SEED,
    option: ModelOptions = [],
    variant: Variants = [],
    top: int = typer.Option(10, "--top", min=1, metavar="N", help="Inputs shown per issue in the table."),
    format: TableOrJson = "table",
    out: Annotated[Optional[Path], out_option("Folder for sensitivity.json, one PNG per issue and "
                                              "sensitivity.html (one sub-folder per model with several).")] = None,
) -> None:
    """Rank the uncertain inputs by how much they move each issue's forecast (Sobol / Morris).

    This tells an analyst which estimates to research next.
    """
    from pydantic import ValidationError

    from detente.progress import progress_bar
    from detente.uncertainty.sensitivity import FLAGS as SENSITIVITY_FLAGS, sensitivity

    results = []
    try:
        s = _load(scenario)
        opts = parse_options(option, model)
        variants = parse_variants(variant, model)
        with progress_bar("sensitivity", enabled=format != "json", unit="points") as report:
            for k, m in enumerate(model):
                with as_options(SENSITIVITY_FLAGS):
                    res = sensitivity(s, m, method=method, n=samples, seed=seed, options=opts[m],
                                      variant=variants[m], progress=_fraction(report, k, len(model)))
                results.append(res)
                if out is not None:
                    write_report(res, out if len(model) == 1 else out / m, s)
    except (DetenteError, ValidationError) as e:  # ValidationError: bad model options
        _fail(e)
    if format == "json":
        sys.stdout.write(json.dumps(_one_or_list([r.to_dict() for r in results]), indent=2) + "\n")
    else:
        for res in results:
            print_sensitivity(res, top, s)
    if out is not None:
        Console(stderr=True).print(f"wrote sensitivity.json, .html and charts to {out}/", markup=False, soft_wrap=True)


def _fraction(report: Any, k: int, n: int) -> Any:
    """Progress of model k of n models that each evaluate the same design (the same total)."""
    return lambda done, total: report(k * total + done, n * total)


SOBOL_CAPTION = ("ST: share of the forecast's variance due to the input, with its interactions; S1: share due "
                 "to it alone (0-1; ± a 95 % confidence interval)")
MORRIS_CAPTION = ("mu*: mean absolute change of the forecast, in the issue's units, per move of the input across "
                  "its whole range; sigma: how much that change depends on the other inputs (± a 95 % "
                  "confidence interval)")


HEADS = {"ST": "ST (total)", "ST_conf": "ST ± (95 %)", "S1": "S1 (first order)", "S1_conf": "S1 ± (95 %)",
         "mu_star": "mu* (effect)", "mu_star_conf": "mu* ± (95 %)", "sigma": "sigma (varies)"}


def _spread_and_caption(res: Any) -> tuple[str, str]:
    """What the issue's sd is, and what the columns mean. Sobol's samples follow the inputs'
    distributions, so their sd is the forecast's; Morris's trajectories visit the ends of each range
    as often as its middle, so the sd over them is wider than the forecast's."""
    if res.method == "sobol":
        return "forecast sd {sd}", SOBOL_CAPTION
    return "sd {sd} over the Morris design, wider than the forecast's own", MORRIS_CAPTION


def spread_text(res: Any, issue: str) -> str:
    """The issue's spread in words (:func:`_spread_and_caption`); a forecast that no design point
    moves says so instead of giving "sd 0" beside a ranking."""
    sd = res.output_sd[issue]
    if not sd > 0:
        return "the forecast is the same at every design point: no input moves it"
    return _spread_and_caption(res)[0].format(sd=f"{sd:.3g}")


def print_sensitivity(res: Any, top: int = 10, scenario: Any = None) -> None:
    """The ranked inputs, a table per issue (named from the ``scenario`` when given; an input's
    label leaves out the table's own issue)."""
    c = Console(highlight=False, markup=False, emoji=False, width=stdout_width())
    given = f" (the terms given {res.given})" if getattr(res, "given", None) else ""
    c.print(f"{res.method} sensitivity of the {res.model} forecast{given} of {res.scenario_name!r}: "
            f"{len(res.names)} uncertain inputs, {res.evaluations} model evaluations, seed {res.seed}")
    _, caption = _spread_and_caption(res)
    for note in res.notes:  # before the tables: a note (evaluations without a forecast) bears on every ranking
        c.print(f"note: {note}", markup=False, soft_wrap=True)
    labels = {i: (scenario.issue(i).label if scenario is not None else i) for i in res.issue_ids}
    for issue in res.issue_ids:
        name = labels[issue] if labels[issue] == issue else f"{labels[issue]} [{issue}]"
        t = Table(title=f"{name} ({spread_text(res, issue)})", title_justify="left",
                  caption=caption, caption_justify="left")
        t.add_column("#", justify="right")
        t.add_column("input")
        if res.method == "sobol":
            for col in ("ST (total)", "S1 (first order)"):
                t.add_column(col, justify="right")
        else:
            for col in ("mu* (effect)", "sigma (varies)"):
                t.add_column(col, justify="right")
        for k, r in enumerate(res.ranked(issue)[:top], 1):
            if res.method == "sobol":
                vals = [_pm(r["ST"], r["ST_conf"]), _pm(r["S1"], r["S1_conf"])]
            else:
                vals = [_pm(r["mu_star"], r["mu_star_conf"]), _pm(r["sigma"], None)]
            t.add_row(str(k), r["label"].removesuffix(f" on {labels[issue]}"), *vals)  # the table's own issue unsaid
        c.print(t)


def _pm(v: float | None, conf: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" + (f" ± {conf:.3f}" if conf is not None else "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "issue"


def write_report(res: Any, out: Path, scenario: Any = None) -> None:
    """sensitivity.json, sensitivity-<issue>.png and a self-contained sensitivity.html, atomically
    (the issues named from the ``scenario`` when given)."""
    import base64
    import html

    from detente.scenario.io import staged_folder
    from detente.report.sensitivity import plot_sensitivity

    labels = {i: (scenario.issue(i).label if scenario is not None else i) for i in res.issue_ids}
    _, caption = _spread_and_caption(res)
    with staged_folder(Path(out), "sensitivity") as tmp:
        (tmp / "sensitivity.json").write_text(json.dumps(res.to_dict(), indent=2) + "\n", encoding="utf-8")
        parts = []
        for issue in res.issue_ids:
            buf = io.BytesIO()
            plot_sensitivity(res, issue, issue_label=labels[issue] if scenario is not None else None).savefig(
                buf, format="png", dpi=110)
            png = buf.getvalue()
            (tmp / f"sensitivity-{_slug(issue)}.png").write_bytes(png)
            rows = "".join(
                f"<tr><td>{k}</td><td>{html.escape(r['label'].removesuffix(f' on {labels[issue]}'))}</td>"
                + "".join(f"<td>{'' if r[c] is None else f'{r[c]:.3f}'}</td>" for c in _cols(res))
                + "</tr>"
                for k, r in enumerate(res.ranked(issue), 1)
            )
            head = "".join(f"<th>{HEADS.get(c, c)}</th>" for c in _cols(res))
            title = labels.get(issue, issue)
            parts.append(
                f"<h2>{html.escape(title)}{f' <small>[{html.escape(issue)}]</small>' if title != issue else ''}</h2>"
                f"<p>{html.escape(spread_text(res, issue))}</p>"
                f"<img alt='what moves the forecast of {html.escape(title)}' src='data:image/png;base64,"
                f"{base64.b64encode(png).decode()}'>"
                f"<table><tr><th>#</th><th>input</th>{head}</tr>{rows}</table>"
                f"<p class='caption'>{html.escape(caption)}</p>"
            )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in res.notes)
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Sensitivity: {html.escape(res.scenario_name)}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
            "td:nth-child(2){text-align:left}img{max-width:100%}"
            "@media (max-width:600px){table{display:block;overflow-x:auto}}</style></head><body>"
            f"<h1>What matters most: {html.escape(res.scenario_name)}</h1>"
            f"<p>{res.method} indices of {len(res.names)} uncertain inputs on the <b>{html.escape(res.model)}</b> "
            f"forecast; {res.evaluations} model evaluations, seed {res.seed}. The inputs at the top are the "
            "estimates worth researching next.</p>"
            + (f"<ul>{notes}</ul>" if notes else "") + "".join(parts) + "</body></html>\n"
        )
        (tmp / "sensitivity.html").write_text(page, encoding="utf-8")


def _cols(res: Any) -> list[str]:
    return ["ST", "ST_conf", "S1", "S1_conf"] if res.method == "sobol" else ["mu_star", "mu_star_conf", "sigma"]


# --------------------------------------------------------------------------------------------
# sweep


def sweep_command(
    scenario: Annotated[Path, scenario_argument()],
    vary: list[str] = typer.Option(..., "--vary", "-v", metavar="FIELD=LO:HI:N",
                                   help="A field and its range: N values from LO to HI (examples "
                                        "above); repeatable."),
    model: Annotated[list[str], model_option(MODEL_HELP)] = ...,  # type: ignore[assignment]
    design: Literal["grid", "random"] = typer.Option("grid", "--design", help="grid (every combination) or "
                                                     "random (uniform, seeded)."),
    samples: Optional[int] = typer.Option(None, "--samples", min=1, metavar="N",
                                          help="Number of points of a random design."),
    draws: Annotated[Optional[int], typer.Option("--draws", "-n", min=1, max=1_000_000, metavar="N",
                                                 help="Monte Carlo draws of the uncertain inputs per point "
                                                      "(default 1: their central values; the war model 1000, "
                                                      "each draw one simulated war).")] = None,
    seed: Annotated[int, seed_option("Seed: the same for every point (common random numbers).")] = DEFAULT_SEED,
    option: ModelOptions = [],
    variant: Variants = [],
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, metavar="N",
                                          help="Local processes (default: all cores)."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1, metavar="N", help="Points per task."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Run on the Dask scheduler at this address."),
    store: Optional[str] = typer.Option(None, "--store", metavar="URL", help="Record every point's run in this "
                                        "run store (a SQLite file such as runs.db, a SQLAlchemy URL, or 'default')."),
    format: Literal["table", "json", "csv"] = typer.Option("table", "--format", "-f",
                                                           help="What to print: table, json or csv."),
    out: Annotated[Optional[Path], out_option("Write the results to this file (json or csv by its suffix).",
                                              metavar="FILE")] = None,
) -> None:
    """Run models over a grid or a random design of scenario values.

    --vary FIELD=LO:HI:N, e.g. actors\\[russia].capability=1:5:9 (nine values from 1 to 5).

    An actor or issue is named by its id or its index from 0: stances\\[russia,territory].salience=0.2:1:5.
    """
    from pydantic import ValidationError

    from detente.progress import progress_bar
    from detente.scenario.io import atomic_write_text
    from detente.uncertainty.sweep import FLAGS as SWEEP_FLAGS, sweep

    if out is not None and out.suffix.lower() not in (".csv", ".json"):
        raise typer.BadParameter(f"writes JSON or CSV, by the file's suffix: name it .json or .csv (got {str(out)!r})",
                                 param_hint="'--out'")
    results = []
    try:
        s = _load(scenario)
        st = None
        if store is not None:
            from detente.errors import require

            require("sqlalchemy", "store")
            from detente.store.db import Store

            st = Store(None if store == "default" else store)
        opts = parse_options(option, model)
        variants = parse_variants(variant, model)
        from detente.cli.commands import warn_if_few_paths

        warn_if_few_paths(scenario, s, model, draws)
        with progress_bar("sweep", enabled=format == "table", unit="points") as report:
            for k, m in enumerate(model):
                # the bar starts at the first report: after the worker processes exist
                with as_options(SWEEP_FLAGS):
                    results.append(sweep(s, m, vary, design_kind=design, samples=samples, draws=draws, seed=seed,
                                         options=opts[m], variant=variants[m], workers=workers,
                                         chunk_size=chunk_size, dask=dask, store=st,
                                         progress=_fraction(report, k, len(model))))
        if out is not None:
            fmt = "csv" if out.suffix.lower() == ".csv" else "json"
            atomic_write_text(out, sweeps_text(results, fmt))
    except (DetenteError, ValidationError) as e:  # ValidationError: bad model options
        _fail(e)
    if format in ("json", "csv"):
        sys.stdout.write(sweeps_text(results, format))
    else:
        for res in results:
            print_sweep(res, s)
    if st is not None:
        ids = [i for res in results for i in res.run_ids]
        Console(stderr=True).print(f"recorded {len(ids)} runs (ids {min(ids)}..{max(ids)}) in {st.shown_url}", markup=False, soft_wrap=True)
    if out is not None:
        Console(stderr=True).print(f"wrote {out}", markup=False, soft_wrap=True)


def sweeps_text(results: list[Any], fmt: str) -> str:
    """One sweep as :func:`sweep_text`; several: a JSON list, or CSV rows with a ``model`` column."""
    if len(results) == 1:
        return sweep_text(results[0], fmt)
    if fmt == "json":
        return json.dumps([r.to_dict() for r in results], indent=2) + "\n"
    from detente.csvsafe import csv_text, dict_rows

    rows = [{"model": r.model, **row} for r in results for row in r.rows()]
    cols = _columns(rows) or ["model"]
    return csv_text(cols, dict_rows(cols, rows))


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every key of ``rows`` in the order first met: rows of one model may have columns another's
    lack (the war's ``p_deal``, a calibrated model's ``interval_low``/``interval_high``).

    >>> _columns([{"model": "war", "p_deal": 0.3}, {"model": "mean", "interval_low": 1}])
    ['model', 'p_deal', 'interval_low']
    """
    return list(dict.fromkeys(k for row in rows for k in row))


def sweep_text(res: Any, fmt: str) -> str:
    """One sweep as JSON, or CSV with text cells guarded against spreadsheet formulas (:mod:`detente.csvsafe`)."""
    if fmt == "json":
        return json.dumps(res.to_dict(), indent=2) + "\n"
    from detente.csvsafe import csv_text, dict_rows

    rows = res.rows()
    cols = _columns(rows) or ["point", *res.fields, "issue", "forecast"]
    return csv_text(cols, dict_rows(cols, rows))


def _field_words(scenario: Any, path: str) -> str:
    """A swept field in words ("capability of Russia"), as the sensitivity tables name their inputs;
    the path as written without the scenario or when it names no list item by index."""
    if scenario is None:
        return path
    from detente.uncertainty.sensitivity import label_of
    from detente.uncertainty.sweep import resolve_field

    loc = resolve_field(scenario, path)
    indexed = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")
    return label_of(scenario, indexed).replace("_", " ")


def print_sweep(res: Any, scenario: Any = None) -> None:
    """One sweep as a table: a row per point, the varied values, then each issue's forecast (with
    the ``scenario``: on the issue's decimals) and its calibrated interval; the war model's rows
    start with P(deal). A model whose forecast is the same at every point is said to be so (it may
    not read the fields varied, as the war model reads its ``war:`` block, not the actors).

    When a column per issue does not fit the terminal without breaking a word or a number (many
    issues, several fields, 80 columns), the table has a line per point and issue instead."""
    from detente.report.tables import fmt, pct

    title = (f"{res.model} sweep of {', '.join(res.fields)}: {len(res.runs)} point{'s' if len(res.runs) != 1 else ''}, "
             f"seed {res.seed}, {res.draws} draw{'s' if res.draws != 1 else ''} each")
    with_interval = any(p.result.interval is not None for p in res.runs)
    war = res.model == "war"
    notes = []
    if war:
        from detente.models.war.endings import MIN_DEALS

        notes.append("forecast: the terms given a deal (the median over the draws that end in one, as in "
                     f"detente run's bottom line; — where fewer than {MIN_DEALS} do); P(deal): a deal within "
                     "the horizon")
    if res.unchanged():
        notes.append(f"the forecast is the same at every point: {res.model} may not read "
                     f"{', '.join(res.fields)}")
    issues = {i.id: i for i in scenario.issues} if scenario is not None else {}

    reading = dict(zip((p.index for p in res.runs), res.forecasts))  # war: the terms given a deal

    def forecast(p: Any, issue: str) -> str:
        return fmt(reading[p.index][issue], issues.get(issue))

    def interval(p: Any, issue: str, sep: str = ", ") -> str:
        iv = p.result.interval
        return "" if iv is None else f"{fmt(iv[issue][0], issues.get(issue))}{sep}{fmt(iv[issue][1], issues.get(issue))}"

    heads = ["#", *(_field_words(scenario, f) for f in res.fields), *(["P(deal)"] if war else [])]
    lead = [[str(p.index), *(f"{x:.4g}" for x in p.values),
             *([pct((p.result.trajectory.extras.get("outcome_probability") or {}).get("settlement"))] if war else [])]
            for p in res.runs]
    wide_cells = [[f"{forecast(p, i)}\n[{interval(p, i)}]" if with_interval else forecast(p, i) for i in res.issue_ids]
                  for p in res.runs]
    wide_heads = heads + [i.replace("_", " ") for i in res.issue_ids]  # "military aid", not "military_/aid"
    console = Console(highlight=False, width=stdout_width())
    wide_rows = [a + b for a, b in zip(lead, wide_cells)]
    if unbroken_width(wide_heads, wide_rows) <= console.width:
        t = Table(title=title)
        for h in wide_heads:  # no word broken (detente's Table sizes the columns so)
            t.add_column(h, justify="right")
        for row in wide_rows:
            t.add_row(*row)
        if with_interval:
            notes.insert(0, "forecast [the calibrated 80 % forecast interval]; p10-p90 over the draws: "
                            "--format json or --out")
    else:  # a line per point and issue: no word or number broken
        t = Table(title=title)
        for h in heads:
            t.add_column(h, justify="right")
        t.add_column("issue")
        t.add_column("forecast", justify="right")
        if with_interval:
            t.add_column("calibrated 80 % forecast interval", justify="right")
        for a, p in zip(lead, res.runs):
            for k, i in enumerate(res.issue_ids):
                t.add_row(*(a if k == 0 else [""] * len(a)), i, forecast(p, i),
                          *([interval(p, i, "\u2013")] if with_interval else []),
                          end_section=k == len(res.issue_ids) - 1)
        if with_interval:
            notes.insert(0, "p10-p90 over the draws: --format json or --out")
    t.caption = "\n".join(notes) or None
    t.caption_justify = "left"
    console.print(t)
