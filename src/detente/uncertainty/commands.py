"""``detente sensitivity`` and ``detente sweep``.

Mounted in the main CLI with::

    app.command("sensitivity")(sensitivity_command)
    app.command("sweep")(sweep_command)
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Optional

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from detente.errors import DetenteError, InputError
from detente.defaults import DEFAULT_SEED

MODEL_HELP = "model name (see `detente models`)"


def _fail(e: Exception) -> None:
    Console(stderr=True, highlight=False).print(f"[red]error:[/red] {escape(str(e))}")
    raise typer.Exit(2)


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; values are read as YAML scalars (numbers, true/false, text)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError.one("--option", "expected KEY=VALUE", value=item)
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = yaml.safe_load(v)
        except yaml.YAMLError:
            out[k.strip()] = v
    return out


def _load(path: Path) -> Any:
    import detente.models  # noqa: F401  (registers the models)
    from detente.scenario.io import load

    return load(path)


# --------------------------------------------------------------------------------------------
# sensitivity


def sensitivity_command(
    scenario: Path = typer.Argument(..., help="scenario file"),
    model: str = typer.Option(..., "--model", "-m", help=MODEL_HELP),
    method: Optional[str] = typer.Option(None, "--method", help="sobol or morris (default: sobol up to 20 "
                                                                 "uncertain inputs, morris above)"),
    n: Optional[int] = typer.Option(None, "--n", "-n", help="base sample size (sobol: 512, morris: 64 trajectories)"),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="seed of the design and of the model"),
    option: Optional[list[str]] = typer.Option(None, "--option", "-o", help="model option KEY=VALUE (repeatable)"),
    variant: Optional[str] = typer.Option(None, "--variant", help="named option preset of the model"),
    top: int = typer.Option(10, "--top", help="inputs shown per issue in the table"),
    format: str = typer.Option("table", "--format", "-f", help="table or json"),
    out: Optional[Path] = typer.Option(None, "--out", help="folder for sensitivity.json, one PNG per issue "
                                                           "and sensitivity.html"),
) -> None:
    """Rank the uncertain inputs by how much they move each issue's forecast (Sobol / Morris).

    This tells an analyst which estimates to research next.
    """
    from detente.uncertainty.sensitivity import sensitivity

    try:
        s = _load(scenario)
        res = sensitivity(s, model, method=method, n=n, seed=seed, options=parse_options(option), variant=variant)
        if out is not None:
            write_report(res, out)
    except (DetenteError, ValidationError) as e:  # ValidationError: bad model options
        _fail(e)
    if format == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=2) + "\n")
    else:
        print_sensitivity(res, top)
    if out is not None:
        Console(stderr=True).print(f"wrote {out}/sensitivity.json, .html and {len(res.issue_ids)} charts")


def print_sensitivity(res: Any, top: int = 10) -> None:
    c = Console(highlight=False)
    c.print(f"{res.method} sensitivity of the {res.model} forecast of {res.scenario_name!r}: "
            f"{len(res.names)} uncertain inputs, {res.evaluations} model evaluations, seed {res.seed}")
    for issue in res.issue_ids:
        t = Table(title=f"{issue} (forecast sd {res.output_sd[issue]:.3g})", title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("input")
        if res.method == "sobol":
            for col in ("ST (total)", "S1 (first order)"):
                t.add_column(col, justify="right")
        else:
            for col in ("mu*", "sigma"):
                t.add_column(col, justify="right")
        for k, r in enumerate(res.ranked(issue)[:top], 1):
            if res.method == "sobol":
                vals = [_pm(r["ST"], r["ST_conf"]), _pm(r["S1"], r["S1_conf"])]
            else:
                vals = [_pm(r["mu_star"], r["mu_star_conf"]), _pm(r["sigma"], None)]
            t.add_row(str(k), r["label"], *vals)
        c.print(t)
    for note in res.notes:
        c.print(f"note: {note}")


def _pm(v: float | None, conf: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" + (f" ± {conf:.3f}" if conf is not None else "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "issue"


def write_report(res: Any, out: Path) -> None:
    """sensitivity.json, sensitivity-<issue>.png and a self-contained sensitivity.html, atomically."""
    from detente.scenario.io import staged_folder
    from detente.uncertainty.sensitivity import plot_sensitivity

    with staged_folder(Path(out)) as tmp:
        (tmp / "sensitivity.json").write_text(json.dumps(res.to_dict(), indent=2) + "\n", encoding="utf-8")
        parts = []
        for issue in res.issue_ids:
            buf = io.BytesIO()
            plot_sensitivity(res, issue).savefig(buf, format="png", dpi=110)
            png = buf.getvalue()
            (tmp / f"sensitivity-{_slug(issue)}.png").write_bytes(png)
            rows = "".join(
                f"<tr><td>{k}</td><td>{html.escape(r['label'])}</td>"
                + "".join(f"<td>{'' if r[c] is None else f'{r[c]:.3f}'}</td>" for c in _cols(res))
                + "</tr>"
                for k, r in enumerate(res.ranked(issue), 1)
            )
            head = "".join(f"<th>{c}</th>" for c in _cols(res))
            parts.append(
                f"<h2>{html.escape(issue)}</h2>"
                f"<img alt='sensitivity of {html.escape(issue)}' src='data:image/png;base64,"
                f"{base64.b64encode(png).decode()}'>"
                f"<table><tr><th>#</th><th>input</th>{head}</tr>{rows}</table>"
            )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in res.notes)
        page = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Sensitivity: {html.escape(res.scenario_name)}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:nth-child(2){text-align:left}"
            "img{max-width:100%}</style></head><body>"
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
    scenario: Path = typer.Argument(..., help="scenario file"),
    vary: list[str] = typer.Option(..., "--vary", "-v", help="FIELD=LO:HI:N, e.g. 'actors[RUS].capability=1:5:9' "
                                                             "or 'stances[RUS,territory].salience=0.2:1:5' (repeatable)"),
    model: str = typer.Option(..., "--model", "-m", help=MODEL_HELP),
    design: str = typer.Option("grid", "--design", help="grid (every combination) or random (uniform, seeded)"),
    samples: Optional[int] = typer.Option(None, "--samples", help="number of points of a random design"),
    draws: int = typer.Option(1, "--draws", "-d", help="Monte Carlo draws per point"),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="seed: the same for every point (common random numbers)"),
    option: Optional[list[str]] = typer.Option(None, "--option", "-o", help="model option KEY=VALUE (repeatable)"),
    variant: Optional[str] = typer.Option(None, "--variant", help="named option preset of the model"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="local processes (default: all cores)"),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", help="points per task"),
    dask: Optional[str] = typer.Option(None, "--dask", help="run on the Dask scheduler at this address"),
    store: Optional[str] = typer.Option(None, "--store", help="record every point's run in this run store "
                                                              "(SQLAlchemy URL, or 'default')"),
    format: str = typer.Option("table", "--format", "-f", help="table, json or csv"),
    out: Optional[Path] = typer.Option(None, "--out", help="write the results (json or csv by suffix) to this file"),
) -> None:
    """Run a model over a grid or a random design of scenario values."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from detente.scenario.io import atomic_write_text
    from detente.uncertainty.sweep import sweep

    try:
        s = _load(scenario)
        st = None
        if store is not None:
            from detente.store.db import Store

            st = Store(None if store == "default" else store)
        bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(stderr=True), transient=True)
        task = bar.add_task("sweep", total=None)

        def progress(done: int, total: int) -> None:
            if not bar.live.is_started:
                bar.start()  # only once the worker processes exist (no thread at fork time)
            bar.update(task, completed=done, total=total)

        try:
            res = sweep(s, model, vary, design_kind=design, samples=samples, draws=draws, seed=seed,
                        options=parse_options(option), variant=variant, workers=workers, chunk_size=chunk_size,
                        dask=dask, store=st, progress=progress)
        finally:
            bar.stop()
        if out is not None:
            fmt = "csv" if out.suffix.lower() == ".csv" else "json"
            atomic_write_text(out, sweep_text(res, fmt))
    except (DetenteError, ValidationError) as e:  # ValidationError: bad model options
        _fail(e)
    if format in ("json", "csv"):
        sys.stdout.write(sweep_text(res, format))
    else:
        print_sweep(res)
    if st is not None:
        Console(stderr=True).print(f"recorded {len(res.run_ids)} runs (ids {min(res.run_ids)}..{max(res.run_ids)}) "
                                     f"in {st.shown_url}")
    if out is not None:
        Console(stderr=True).print(f"wrote {out}")


def sweep_text(res: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(res.to_dict(), indent=2) + "\n"
    import csv

    rows = res.rows()
    buf = io.StringIO()
    cols = list(rows[0]) if rows else ["point", *res.fields, "issue", "forecast"]
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def print_sweep(res: Any) -> None:
    t = Table(title=f"{res.model} sweep: {len(res.runs)} points, seed {res.seed}, {res.draws} draws each")
    t.add_column("#", justify="right")
    for f in res.fields:
        t.add_column(f, justify="right")
    for issue in res.issue_ids:
        t.add_column(issue, justify="right")
    for p in res.runs:
        iv = p.result.interval
        cells = []
        for issue in res.issue_ids:
            v = p.result.forecast[issue]
            text = f"{v:.2f}"
            if iv is not None:
                text += f" [{iv[issue][0]:.1f}, {iv[issue][1]:.1f}]"
            cells.append(text)
        t.add_row(str(p.index), *(f"{x:.4g}" for x in p.values), *cells)
    Console(highlight=False).print(t)
