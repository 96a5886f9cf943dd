"""The ``detente`` command.

The CLI reads files, calls the library and prints; it computes nothing itself. Every bad input
ends with a message naming the file, line/field and value, and exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from detente._version import __version__
from detente.errors import DetenteError, InputError, ModelError, require

app = typer.Typer(
    name="detente",
    help="Model multi-actor negotiations and forecast how they end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables are wide; when stdout is not a terminal (a pipe, a file, CI) use 140 columns, not 80.
out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Model multi-actor negotiations and forecast how they end."""


# ---------------------------------------------------------------------------------------------
# helpers


def parse_options(items: list[str], models: list[str]) -> dict[str, dict[str, Any]]:
    """``-o MODEL.KEY=VALUE`` or ``-o KEY=VALUE`` (every selected model with that option)."""
    from detente.models import registry

    result: dict[str, dict[str, Any]] = {m: {} for m in models}
    for item in items:
        if "=" not in item:
            raise InputError.one(None, "expected MODEL.KEY=VALUE or KEY=VALUE", field="--option", value=item)
        key, raw = item.split("=", 1)
        value = yaml.safe_load(raw) if raw.strip() else ""
        if "." in key:
            model, key = key.split(".", 1)
            if model not in result:
                raise InputError.one(None, f"option for model {model!r}, which is not selected with --model",
                                     field="--option", value=item)
            result[model][key] = value
        else:
            targets = [m for m in models if key in registry.get(m).options.model_fields]
            if not targets:
                raise InputError.one(None, f"no selected model has an option {key!r}", field="--option", value=item)
            for m in targets:
                result[m][key] = value
    return result


def parse_variants(items: list[str], models: list[str]) -> dict[str, str | None]:
    """``--variant MODEL=VARIANT``, or a bare ``VARIANT`` for every selected model that has it."""
    from detente.models import registry

    result: dict[str, str | None] = {m: None for m in models}
    for item in items:
        if "=" in item:
            m, _, v = item.partition("=")
            if m not in result or not v:
                raise InputError.one(None, "expected MODEL=VARIANT for a selected model", field="--variant", value=item)
            targets = [m]
        else:
            v = item
            targets = [m for m in models if v in registry.get(m).variants]
            if not targets:
                raise InputError.one(None, "no selected model has this variant", field="--variant", value=item)
        for m in targets:
            registry.get(m).make_options({}, variant=v)  # unknown variant: a clear error now
            result[m] = v
    return result


def _load(path: Path, fmt: str | None = None):
    from detente.scenario.io import load

    return load(path, fmt)


# ---------------------------------------------------------------------------------------------
# commands


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario file (YAML/JSON, KTAB CSV/XML, BDM table, Decide)."),
    model: list[str] = typer.Option(["mean"], "--model", "-m", help="Model(s) to run; repeat for several."),
    variant: list[str] = typer.Option([], "--variant", help="Named option preset: MODEL=VARIANT (e.g. bdm=jmckib), "
                                      "or VARIANT for every selected model that has it."),
    option: list[str] = typer.Option([], "--option", "-o", help="Model option MODEL.KEY=VALUE or KEY=VALUE."),
    draws: int = typer.Option(1, "--draws", "-n", min=1, max=1_000_000, help="Monte Carlo draws of uncertain inputs."),
    seed: int = typer.Option(20261125, "--seed", "-s", help="Random seed (same seed, same result)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Write result.json, positions.csv, PNGs, report.html."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Force the input format."),
    sensitivity: bool = typer.Option(False, "--sensitivity", help="With --out: add ranked Sobol/Morris charts "
                                     "of which uncertain estimate moves each issue's forecast most (first model)."),
    store: Optional[str] = typer.Option(
        None, "--store", help="Record the runs in this run store: a SQLAlchemy URL, or 'default' (a SQLite file "
        "under the user's data directory)."),
) -> None:
    """Run one or more models on a scenario and print the forecast per issue."""
    from detente.runner import run as run_model

    if fmt not in ("table", "json"):
        raise InputError.one(None, "must be 'table' or 'json'", field="--format", value=fmt)
    s = _load(scenario, input_format)
    opts = parse_options(option, model)
    variants = parse_variants(variant, model)
    results = [run_model(s, m, draws=draws, seed=seed, options=opts[m], variant=variants[m]) for m in model]
    if store is not None:
        require("sqlalchemy", "store")
        from detente.store.db import Store

        db = Store(None if store == "default" else store)
        ids = db.save_many([(s, r, None) for r in results])  # one transaction for all of them
        err.print(f"recorded run(s) {', '.join(map(str, ids))} in {db.shown_url}")
    if out_dir is not None:
        from detente.report.outputs import write_outputs

        extra = []
        if sensitivity:
            require("SALib", "sensitivity")
            from detente.uncertainty.sensitivity import plot_sensitivity
            from detente.uncertainty.sensitivity import sensitivity as run_sensitivity

            sens = run_sensitivity(s, model[0], seed=seed, options=opts[model[0]], variant=variants[model[0]])
            extra = [(f"sensitivity-{i}", f"Which estimates matter most: {s.issue(i).label} ({sens.method}, "
                      f"{model[0]})", plot_sensitivity(sens, i)) for i in s.issue_ids]
        written = write_outputs(out_dir, s, results, extra_figures=extra)
        err.print(f"wrote {len(written)} files to {out_dir}/ (open {out_dir / 'report.html'})")
    if fmt == "json":
        data = [r.to_dict() for r in results]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        from detente.report.tables import forecast_tables, summary_table

        for t in forecast_tables(s, results):
            out.print(t)
        out.print(summary_table(results))


@app.command()
def compare(
    scenarios: list[Path] = typer.Argument(..., help="Two or more scenario files with the same issues (views)."),
    model: list[str] = typer.Option(["mean"], "--model", "-m", help="Model(s) to run on every view."),
    variant: list[str] = typer.Option([], "--variant", help="Named option preset: MODEL=VARIANT or VARIANT."),
    option: list[str] = typer.Option([], "--option", "-o", help="Model option MODEL.KEY=VALUE or KEY=VALUE."),
    draws: int = typer.Option(1, "--draws", "-n", min=1, max=1_000_000, help="Monte Carlo draws of uncertain inputs."),
    seed: int = typer.Option(20261125, "--seed", "-s", help="Random seed (the same for every view)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Write compare.json, PNGs and compare.html."),
) -> None:
    """Run the same models on several views of one negotiation and show how the forecast differs."""
    from detente.report.compare import check_comparable, comparison_rows, comparison_tables, write_comparison
    from detente.runner import run as run_model

    if len(scenarios) < 2:
        raise InputError.one(None, "give at least two scenario files to compare", field="SCENARIOS")
    views = [_load(p) for p in scenarios]
    check_comparable(views)
    opts = parse_options(option, model)
    variants = parse_variants(variant, model)
    results = [[run_model(s, m, draws=draws, seed=seed, options=opts[m], variant=variants[m]) for m in model]
               for s in views]
    if out_dir is not None:
        written = write_comparison(out_dir, views, results)
        err.print(f"wrote {len(written)} files to {out_dir}/ (open {out_dir / 'compare.html'})")
    if fmt == "json":
        print(json.dumps(comparison_rows(views, results), indent=2))
    else:
        for t in comparison_tables(views, results):
            out.print(t)


@app.command()
def models(fmt: str = typer.Option("table", "--format", "-f", help="table or json.")) -> None:
    """List the models, their variants and options."""
    from detente.models import registry

    if fmt == "json":
        print(json.dumps([{"name": s.name, "summary": s.summary, "has_rounds": s.has_rounds,
                           "variants": list(s.variants), "options": s.options.model_json_schema()}
                          for s in registry.specs()], indent=2))
        return
    t = Table(title="detente models", show_lines=True)
    t.add_column("model", style="bold")
    t.add_column("what it does")
    t.add_column("variants / options (defaults)")
    for s in registry.specs():
        fields = ", ".join(f"{k}={_default(f)}" for k, f in s.options.model_fields.items())
        variants = f"variants: {', '.join(s.variants)}\n" if s.variants else ""
        t.add_row(s.name, s.summary, variants + fields)
    out.print(t)


def _default(f: Any) -> str:
    v = f.get_default(call_default_factory=True)
    return repr(v) if not isinstance(v, str) else v


@app.command()
def validate(
    path: Path = typer.Argument(..., help="Scenario file to check."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Force the input format."),
) -> None:
    """Check a scenario file; print what it holds or every problem found (exit code 2)."""
    s = _load(path, input_format)
    n_unc = _count_uncertain(s)
    out.print(f"[green]ok[/green] {path}: {s.meta.get('format', '?')} scenario {s.name!r}: "
              f"{len(s.actors)} actors, {len(s.issues)} issues, {len(s.stances)} stances, "
              f"{n_unc} uncertain inputs", soft_wrap=True, highlight=False)


def _count_uncertain(s) -> int:
    from detente.scenario.inputs import uncertain_names  # no NumPy: validate stays fast

    return len(uncertain_names(s))


@app.command()
def convert(
    src: Path = typer.Argument(..., help="Input file (any readable format)."),
    dst: Path = typer.Argument(..., help="Output file; the format follows the suffix (.yaml, .json, .csv = KTAB)."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Force the input format."),
    to: Optional[str] = typer.Option(None, "--to", help="Output format (yaml, json, ktab-csv)."),
) -> None:
    """Convert a scenario between formats (validated on the way; written atomically)."""
    from detente.scenario.io import save

    s = _load(src, input_format)
    if to is None and dst.suffix.lower() == ".csv":
        to = "ktab-csv"
    save(s, dst, to)
    err.print(f"wrote {dst}")


@app.command()
def schema(out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file.")) -> None:
    """Print the JSON Schema of the native scenario format."""
    from detente.scenario.io import atomic_write_text
    from detente.scenario.model import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if out_file:
        atomic_write_text(out_file, text)
    else:
        print(text, end="")


@app.command()
def backtest(
    deu: Path = typer.Option(..., "--deu", help="DEU III issue table (deu3_blksv.tsv)."),
    model: list[str] = typer.Option([], "--model", "-m", help="Model(s); default: all registered."),
    option: list[str] = typer.Option([], "--option", "-o", help="Model option MODEL.KEY=VALUE or KEY=VALUE."),
    variant: list[str] = typer.Option([], "--variant", help="Named option preset, MODEL=VARIANT (e.g. bdm=jmckib)."),
    capabilities: str = typer.Option("equal", "--capabilities", help="equal, or blksv (GDP-like weights of row 2)."),
    position_only: str = typer.Option("skip", "--position-only", help="Actors with a position but no salience: "
                                      "skip (default) or zero (salience 0, as the reference BDM column)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    per_issue: bool = typer.Option(False, "--per-issue", help="With json: every issue's forecast."),
) -> None:
    """Score models against the real outcomes of EU legislative decisions (DEU III)."""
    from detente.backtest.deu import backtest as run_backtest
    from detente.models import registry

    if capabilities not in ("equal", "blksv"):
        raise InputError.one(None, "must be 'equal' or 'blksv'", field="--capabilities", value=capabilities)
    names = model or registry.names()
    for m in names:
        registry.get(m)
    if position_only not in ("skip", "zero"):
        raise InputError.one(None, "must be 'skip' or 'zero'", field="--position-only", value=position_only)
    variants = {m: v for m, v in parse_variants(variant, names).items() if v is not None}
    scores = run_backtest(deu, names, capabilities=capabilities,  # type: ignore[arg-type]
                          options=parse_options(option, names), variants=variants,
                          position_only=position_only)  # type: ignore[arg-type]
    if fmt == "json":
        data = [s.to_dict(per_issue) for s in scores]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
        return
    t = Table(title=f"DEU III backtest ({deu.name}, capabilities: {capabilities})")
    for c in ("model", "n", "MAE", "median AE", "exact hits (|err| <= 0.5)", "time"):
        t.add_column(c, justify="right" if c != "model" else "left")
    for s in sorted(scores, key=lambda s: (s.error is not None, s.mae)):
        if s.error:
            t.add_row(s.model, "-", "-", "-", f"[red]not run: {s.error}[/red]", "-")
        else:
            t.add_row(s.model, str(s.n_issues), f"{s.mae:.2f}", f"{s.median_ae:.2f}",
                      f"{s.exact_hits} ({100 * s.exact_hits / max(s.n_issues, 1):.1f} %)", f"{s.elapsed_s:.1f} s")
    out.print(t)


def _mount_optional() -> None:
    """Commands of optional parts (store, web, sensitivity, sweeps)."""
    from importlib.util import find_spec

    # These modules import their heavy dependencies (SQLAlchemy, FastAPI, SALib, Dask) lazily.
    if find_spec("detente.store.commands"):
        from detente.store.commands import runs_app

        app.add_typer(runs_app, name="runs", help="List, show, diff and export recorded runs.")
    if find_spec("detente.web.commands"):
        from detente.web.commands import serve

        app.command()(serve)
    if find_spec("detente.uncertainty.commands"):
        from detente.uncertainty.commands import sensitivity_command, sweep_command

        app.command("sensitivity")(sensitivity_command)
        app.command("sweep")(sweep_command)


_mount_optional()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning detente's errors into messages and exit codes."""
    try:
        rv = app(args=argv, standalone_mode=False)
        if isinstance(rv, int) and rv:  # typer.Exit(code) inside a command, in non-standalone mode
            return rv
    except (InputError, ModelError) as e:
        err.print(f"[bold red]error:[/bold red] {escape(str(e))}", highlight=False, soft_wrap=True)
        return 2
    except DetenteError as e:
        err.print(f"[bold red]error:[/bold red] {escape(str(e))}", highlight=False, soft_wrap=True)
        return 1
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except Exception as e:  # click's usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            return e.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
