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
        from detente.report.summary import run_record

        # one shape for one model or many: {"scenario", "input_sha256", "summary", "war", "results"}
        print(json.dumps(run_record(s, results), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        from detente.report.tables import bottom_line_table, forecast_tables, summary_table, war_table

        out.print(bottom_line_table(s, results))  # the bottom line first
        war = war_table(s, results)
        if war is not None:
            out.print(war)
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
    from detente.scenario.arrays import input_space

    return len(input_space(s)[0])


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
    capabilities: str = typer.Option("equal", "--capabilities", help="equal, blksv (GDP-like weights of row 2), "
                                     "or power (voting power in the game of each issue's procedure)."),
    power_index: str = typer.Option("shapley_shubik", "--power-index",
                                    help="With --capabilities power: shapley_shubik or banzhaf."),
    position_only: str = typer.Option("skip", "--position-only", help="Actors with a position but no salience: "
                                      "skip (default) or zero (salience 0, as the reference BDM column)."),
    cv: int = typer.Option(10, "--cv", help="Folds of the out-of-sample evaluation, grouped by proposal."),
    repeats: int = typer.Option(3, "--repeats", help="Repetitions of the K-fold split (seeds SEED, SEED+1, ...)."),
    seed: int = typer.Option(20261125, "--seed", help="Seed of the folds, the bootstrap and stochastic models."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    per_issue: bool = typer.Option(False, "--per-issue", help="With json: every issue's forecast."),
) -> None:
    """Score models against the real outcomes of EU legislative decisions (DEU III), in and out of sample."""
    from detente.backtest.deu import backtest as run_backtest
    from detente.models import registry

    if capabilities not in ("equal", "blksv", "power"):
        raise InputError.one(None, "must be 'equal', 'blksv' or 'power'", field="--capabilities", value=capabilities)
    if power_index not in ("shapley_shubik", "banzhaf"):
        raise InputError.one(None, "must be 'shapley_shubik' or 'banzhaf'", field="--power-index", value=power_index)
    if cv < 2:
        raise InputError.one(None, "needs at least 2 folds", field="--cv", value=cv)
    if repeats < 1:
        raise InputError.one(None, "must be at least 1", field="--repeats", value=repeats)
    names = model or registry.names()
    for m in names:
        registry.get(m)
    if position_only not in ("skip", "zero"):
        raise InputError.one(None, "must be 'skip' or 'zero'", field="--position-only", value=position_only)
    variants = {m: v for m, v in parse_variants(variant, names).items() if v is not None}
    try:
        scores = run_backtest(deu, names, capabilities=capabilities,  # type: ignore[arg-type]
                              options=parse_options(option, names), variants=variants,
                              position_only=position_only, seed=seed, cv=cv, repeats=repeats,  # type: ignore[arg-type]
                              power_index=power_index)
    except ValueError as e:  # e.g. more folds than proposals
        raise InputError.one(str(deu), str(e), field="--cv", value=cv) from None
    if fmt == "json":
        data = [s.to_dict(per_issue) for s in scores]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
        return
    out.print(_backtest_table(deu, capabilities, power_index, cv, repeats, scores))
    procs = _backtest_procedure_table(scores)
    if procs is not None:
        out.print(procs)
    out.print("MAE out of sample: grouped by proposal; parameter-free models fit nothing, so theirs equals the "
              "in-sample MAE. diff vs mean: MAE minus the compromise model's (equal capabilities), 95 % "
              "cluster-bootstrap CI by proposal. Coverage, width and CRPS: calibrated 80 % forecast intervals, "
              "held-out issues only.", highlight=False)


def _backtest_table(deu: Path, capabilities: str, power_index: str, cv: int, repeats: int, scores: list) -> Table:
    caps = capabilities + (f" ({power_index})" if capabilities == "power" else "")
    t = Table(title=f"DEU III backtest ({deu.name}, capabilities: {caps}, {cv}-fold CV x {repeats}, by proposal)")
    for c in ("model", "n", "MAE", "MAE out of sample", "diff vs mean [95 % CI]", "coverage 80 %", "width 80 %",
              "CRPS", "median AE", "exact hits (|err| <= 0.5)", "time"):
        t.add_column(c, justify="right" if c != "model" else "left")
    for s in sorted(scores, key=lambda s: (s.error is not None, s.oos.get("mae_oos") or s.mae)):
        if s.error:
            t.add_row(s.model, "-", "-", "-", "-", "-", "-", "-", "-", f"[red]not run: {s.error}[/red]", "-")
            continue
        o = s.oos
        f = (lambda k, fmt="{:.2f}": fmt.format(o[k]) if o.get(k) is not None else "-")
        ci = o.get("ci") or [None, None]
        diff = f"{o['mae_diff_vs_mean']:+.2f} [{ci[0]:+.2f}, {ci[1]:+.2f}]" if o.get("mae_diff_vs_mean") is not None else "-"
        t.add_row(s.model, str(s.n_issues), f"{s.mae:.2f}", f("mae_oos") + ("" if o.get("fitted") else " (= MAE)"),
                  diff, f("coverage_80", "{:.1%}"), f("mean_width_80", "{:.1f}"), f("crps"), f"{s.median_ae:.2f}",
                  f"{s.exact_hits} ({100 * s.exact_hits / max(s.n_issues, 1):.1f} %)", f"{s.elapsed_s:.1f} s")
    return t


def _backtest_procedure_table(scores: list) -> Table | None:
    rows = [s for s in scores if not s.error and s.oos.get("by_procedure")]
    if not rows:
        return None
    procs = sorted({p for s in rows for p in s.oos["by_procedure"]})
    t = Table(title="By decision procedure: MAE out of sample / coverage of the 80 % interval (n issues)")
    t.add_column("model")
    for p in procs:
        n = rows[0].oos["by_procedure"][p]["n_issues"]
        t.add_column(f"{p} (n={n})", justify="right")
    for s in sorted(rows, key=lambda s: s.oos["mae_oos"]):
        bp = s.oos["by_procedure"]
        t.add_row(s.model, *[f"{bp[p]['mae_oos']:.2f} / {bp[p]['coverage_80']:.0%}" if p in bp else "-" for p in procs])
    return t


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
