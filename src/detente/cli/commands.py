"""The ``detente`` command's Typer app: its commands, their options and the output consoles.

The CLI reads files, calls the library and prints; it computes nothing itself. Every bad input
ends with a message naming the file, line/field and value, and exit code 2. The program's entry
point and its error handling are :mod:`detente.cli` (which imports this module only when a command
needs it: ``detente --version`` loads neither Typer nor Rich).
"""

# The commands' annotations are objects, not strings (no ``from __future__ import annotations``):
# Typer reads the annotations of every command at each start, twice; as strings they would be
# compiled and evaluated each time (~4 ms of CPU of every ``detente`` command).

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Literal, Optional

import typer

from detente._version import __version__
from detente.cli.common import (  # noqa: F401  (parse_options/parse_variants: re-exported for other commands)
    DEFAULT_SEED, Draws, InputFormat, ModelOptions, Models, Seed, TableOrJson, Variants,
    model_option, out_option, seed_option, parse_options, parse_variants, print_warnings, scenario_argument, use_plain_help_types,
)
from detente.consoles import LazyConsole, Table, escape, fitting_columns, stdout_width, styled
from detente.errors import InputError, require

if TYPE_CHECKING:
    import rich.table

app = typer.Typer(
    name="detente",
    help="Model multi-actor negotiations and forecast how they end.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Tables are wide; when stdout is not a terminal (a pipe, a file, CI) use 140 columns, not 80.
# No emoji codes: a name such as ":fire:" in a scenario is printed as written (and Rich's table of
# emoji codes is not loaded).
out: Any = LazyConsole(soft_wrap=False, width=stdout_width(), emoji=False)
err: Any = LazyConsole(stderr=True, emoji=False)

use_plain_help_types()


def _version(value: bool) -> None:
    if value:
        print(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    debug: bool = typer.Option(False, "--debug", help="Show the full Python traceback of an internal error "
                               "(also: environment variable DETENTE_DEBUG=1)."),
) -> None:
    """Model multi-actor negotiations and forecast how they end."""


# ---------------------------------------------------------------------------------------------
# helpers


@contextmanager
def _lasting() -> Iterator[None]:
    """Run the block (imports, reading a scenario) with the cyclic collector paused; in the program,
    freeze what exists then out of the collector: modules and the scenario live as long as the
    command, and need never be rescanned. A collection of the start-up heap (~50,000 young objects
    by then) costs ~20 ms of CPU; a short command otherwise pays one."""
    import gc

    from detente.gcpause import paused_gc

    with paused_gc():
        yield
        if _running_as_program():
            gc.freeze()


def _load(path: Path, fmt: str | None = None, warn: bool = True):
    """Read and validate a scenario; print its warnings (e.g. numbers without evidence) on stderr."""
    with _lasting():  # the readers' imports too
        from detente.scenario.io import load
        from detente.scenario.model import scenario_warnings

        s = load(path, fmt)
    if warn:
        print_warnings([f"{path}: {w}" for w in scenario_warnings(s)])
    return s


def _warn_if_draws_are_copies(path: Path, s: Any, models: list[str], draws: int) -> None:
    """Say so when ``draws`` > 1 can only repeat one answer: no number of the scenario is uncertain
    and none of the models draws random numbers of its own (the input band would be a point)."""
    from detente.models import registry
    from detente.scenario.inputs import uncertain_names

    if uncertain_names(s) or any(registry.get(m).stochastic for m in models):
        return
    print_warnings([f"{path}: no number is uncertain (every estimate is a point), so the {draws} draws of "
                    f"{', '.join(models)} are all the same; give an estimate a range (low/high) to sample it"])




def warn_if_few_paths(path: Path, s: Any, models: list[str], draws: int | None) -> None:
    """Say so when ``draws`` (given by the user) are too few for a model whose every draw is one
    random path (the war model; the synthesis on a war scenario): its probabilities are shares of them."""
    if draws is None:
        return
    from detente.runner import FEW_PATHS, NOISY_DRAWS, draws_are_paths

    if draws >= FEW_PATHS:
        return

    noisy = [m for m in models if draws_are_paths(s, m)]
    if noisy:
        what = "one simulated war" if draws == 1 else f"{draws} simulated wars"
        print_warnings([f"{path}: --draws {draws}: the {' and '.join(noisy)} forecast is {what}, so P(deal) and "
                        f"the endings' probabilities are shares of {draws} path{'s' if draws > 1 else ''}; "
                        f"give --draws {NOISY_DRAWS} or more (the default without --draws)"])


# ---------------------------------------------------------------------------------------------
# commands


@app.command()
def run(
    scenario: Annotated[Path, scenario_argument()],
    model: Models = ["mean"],
    variant: Variants = [],
    option: ModelOptions = [],
    draws: Draws = None,
    seed: Seed = DEFAULT_SEED,
    fmt: TableOrJson = "table",
    out_dir: Annotated[Optional[Path], out_option("Write result.json, positions.csv, PNGs and report.html "
                                                  "to this folder.")] = None,
    input_format: InputFormat = None,
    sensitivity: bool = typer.Option(False, "--sensitivity", help="With --out: add ranked Sobol/Morris charts "
                                     "of which uncertain estimate moves each issue's forecast most (first model)."),
    store: Optional[str] = typer.Option(
        None, "--store", metavar="URL", help="Record the runs in this run store: a SQLite file (runs.db), a SQLAlchemy URL, or 'default' "
        "($DETENTE_STORE, else a SQLite file under the user's data directory)."),
    explain: bool = typer.Option(False, "--explain", help="Print who gains and loses and the pivotal actors "
                                 "(always in --format json and --out), and for the war model which inputs move "
                                 "P(deal within 12 months) most."),
) -> None:
    """Run one or more models on a scenario and print the forecast per issue."""
    if sensitivity and out_dir is None:
        raise typer.BadParameter("adds its charts to the report: give --out DIR too (or run `detente "
                                 "sensitivity SCENARIO` for the tables)", param_hint="'--sensitivity'")
    # the scenario first: in the program, _load freezes the heap so far out of the collector, and
    # the runner's imports (NumPy, the models) then trigger no collection that rescans it (~20 ms)
    s = _load(scenario, input_format)
    from detente.runner import default_draws

    if draws is not None and draws > 1:
        _warn_if_draws_are_copies(scenario, s, model, draws)
    warn_if_few_paths(scenario, s, model, draws)
    each = [draws if draws is not None else default_draws(s, m) for m in model]  # draws per model

    opts = parse_options(option, model)
    variants = parse_variants(variant, model)
    db = None
    if store is not None:  # opened before the run: a store that cannot take it must not cost the run
        require("sqlalchemy", "store")
        from detente.store.db import Store

        db = Store(None if store == "default" else store)
    try:
        _run_and_report(s, model, each, seed, opts, variants, fmt, out_dir, explain, sensitivity, db)
    except BaseException:  # a run that fails leaves no empty store it made behind
        if db is not None:
            db.discard_if_made()
        raise


def _run_and_report(s: Any, model: list[str], each: list[int], seed: int, opts: Any, variants: Any, fmt: str,
                    out_dir: Optional[Path], explain: bool, sensitivity: bool, db: Any) -> None:
    """The body of ``detente run`` after its inputs are read and its store opened."""
    from contextlib import nullcontext

    from detente.progress import progress_bar, scaled
    from detente.runner import run as run_model

    workers = None
    if out_dir is not None and _running_as_program():  # figure workers import matplotlib while the models run here
        from detente.report.workers import start

        workers = start()
    done: list[str] = []  # what was recorded and written: said after the tables, where the reader ends
    with workers or nullcontext():  # stopped however the command ends
        runs = f"draws ({len(model)} models)" if len(model) > 1 else "draws"  # the count sums the models' draws
        with progress_bar("running", enabled=fmt != "json", unit=runs) as report:
            total = sum(each)
            results = [run_model(s, m, draws=each[k], seed=seed, options=opts[m], variant=variants[m],
                                 progress=scaled(report, sum(each[:k]), total)) for k, m in enumerate(model)]
        if workers is not None:
            workers.submit(s, results)  # they draw while the explanations are computed here
        if explain or fmt == "json" or out_dir is not None:
            from detente.explain import attach

            # the war model's input ranking (Morris, a few seconds) only when the explanation is asked for
            results = [attach(s, r, war_sensitivity=explain) for r in results]
        if s.analysts:  # a pooled scenario: the variance split and where the analysts disagree
            from detente.pool.variance import attach as attach_pooling

            results = [attach_pooling(s, r) for r in results]
        store_failed = None
        if db is not None:
            from detente.store.db import StoreError

            try:
                ids = db.save_many([(s, r, None) for r in results])  # one transaction for all of them
                done.append(f"recorded run{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} in {db.shown_url}")
            except StoreError as e:  # the results are printed and written all the same; then the error, exit 2
                store_failed = e
        if out_dir is not None:
            from detente.report.outputs import write_outputs

            extra = []
            if sensitivity:
                require("SALib", "sensitivity")
                from detente.report.sensitivity import plot_sensitivity
                from detente.uncertainty.sensitivity import sensitivity as run_sensitivity

                with progress_bar("sensitivity", enabled=fmt != "json", unit="points") as report:
                    sens = run_sensitivity(s, model[0], seed=seed, options=opts[model[0]], variant=variants[model[0]],
                                           progress=report)
                extra = [(f"sensitivity-{i}", f"Which estimates matter most: {s.issue(i).label} ({sens.method}, "
                          f"{model[0]})", plot_sensitivity(sens, i, issue_label=s.issue(i).label)) for i in s.issue_ids]
            written = write_outputs(out_dir, s, results, extra_figures=extra, workers=workers)
            if workers is not None and workers.error:
                err.print(f"warning: the figures were drawn in this process ({workers.error.splitlines()[0]})", markup=False, soft_wrap=True)
            done.append(f"wrote {len(written)} files to {out_dir}/ (open {out_dir / 'report.html'})")
    if fmt == "json":
        from detente import jsontext
        from detente.report.summary import run_record

        # one shape for one model or many: {"scenario", "input_sha256", "summary", "war", "results"}
        print(jsontext.dumps(run_record(s, results)))
    else:
        from detente.report.tables import bottom_line_table, forecast_tables, summary_table, war_table

        out.print(bottom_line_table(s, results))  # the bottom line first
        war = war_table(s, results)
        if war is not None:
            out.print(war)
        for t in forecast_tables(s, results, width=out.width):
            out.print(t)
        out.print(summary_table(results))
        if s.analysts:
            from detente.report.tables import pooling_tables

            for t in pooling_tables(s, results):
                out.print(t)
        if explain:
            from detente.report.explain import explain_tables

            for t in explain_tables(results, s):
                out.print(t)
    sys.stdout.flush()
    for line in done:
        err.print(line, markup=False, soft_wrap=True)
    if store_failed is not None:
        raise store_failed


@app.command()
def compare(
    scenarios: list[Path] = typer.Argument(..., metavar="SCENARIO...", show_default=False,
                                           help="Two or more scenario files with the same issues (views)."),
    model: Models = ["mean"],
    variant: Variants = [],
    option: ModelOptions = [],
    draws: Draws = None,
    seed: Annotated[int, seed_option("Random seed (the same for every view).")] = DEFAULT_SEED,
    fmt: TableOrJson = "table",
    out_dir: Annotated[Optional[Path], out_option("Write compare.json, PNGs and compare.html to this "
                                                  "folder.")] = None,
) -> None:
    """Run the same models on several views of one negotiation and show how the forecast differs."""
    from detente.progress import progress_bar, scaled
    from detente.report.compare import (
        check_comparable, comparison_json, comparison_record, comparison_tables, war_comparison_table,
    )
    from detente.report.compare_html import write_comparison
    from detente.runner import default_draws
    from detente.runner import run as run_model

    if len(scenarios) < 2:
        raise typer.BadParameter("give at least two scenario files to compare", param_hint="'SCENARIO...'")
    views = [_load(p) for p in scenarios]
    check_comparable(views)
    opts = parse_options(option, model)
    variants = parse_variants(variant, model)
    warn_if_few_paths(scenarios[0], views[0], model, draws)
    each = [[draws if draws is not None else default_draws(s, m) for m in model] for s in views]  # per view, model
    flat = [n for row in each for n in row]
    total = sum(flat)
    runs = f"draws ({len(flat)} runs)" if len(flat) > 1 else "draws"  # the count sums every view's models' draws
    with progress_bar("comparing", enabled=fmt != "json", unit=runs) as report:
        results = [[run_model(s, m, draws=each[v][k], seed=seed, options=opts[m], variant=variants[m],
                              progress=scaled(report, sum(flat[:v * len(model) + k]), total))
                    for k, m in enumerate(model)] for v, s in enumerate(views)]
    from detente.report.compare_drivers import comparison_drivers, drivers_tables

    drivers = comparison_drivers(views, results)
    record = comparison_record(views, results, drivers) if out_dir is not None or fmt == "json" else None  # once
    written = write_comparison(out_dir, views, results, record) if out_dir is not None else None
    if fmt == "json":
        print(comparison_json(record))  # what compare.json holds
    else:
        war = war_comparison_table(views, results)
        tables = comparison_tables(views, results, width=out.width, rows=record["comparison"] if record else None)
        for t in ([war] if war is not None else []) + tables + drivers_tables(views, drivers):
            out.print(t)
    if written is not None:  # after the tables, where the reader ends
        sys.stdout.flush()
        err.print(f"wrote {len(written)} files to {out_dir}/ (open {out_dir / 'compare.html'})", markup=False, soft_wrap=True)


@app.command()
def models(fmt: TableOrJson = "table") -> None:
    """List the models, their variants and every option with its default and meaning."""
    with _lasting():  # imports the model modules' options
        from detente.models import registry

        specs = registry.specs()
    if fmt == "json":
        print(json.dumps([{"name": s.name, "summary": s.summary, "has_rounds": s.has_rounds,
                           "variants": list(s.variants), "options": s.options.model_json_schema(),
                           "option_help": {k: {"default": f.get_default(call_default_factory=True),
                                               "description": f.description or ""}
                                           for k, f in s.options.model_fields.items()}}
                          for s in specs], indent=2, default=str))
        return
    t = Table(title="detente models (set an option with -o MODEL.KEY=VALUE)", show_lines=True)
    t.add_column("model", style="bold")
    t.add_column("what it does")
    t.add_column("variants / options (default): meaning")
    from rich.text import Text

    for s in specs:
        fields = Text("\n").join(Text.assemble((k, "bold"), f" ({_default(f)}): {_one_line(f.description)}")
                                  for k, f in s.options.model_fields.items())
        default = s.make_options().model_dump()
        named = [f"{v} (the default)" if s.make_options(variant=v).model_dump() == default else v for v in s.variants]
        variants = f"variants: {', '.join(named)}\n" if s.variants else ""
        t.add_row(s.name, s.summary, Text(variants) + fields)
    out.print(t)


def _default(f: Any) -> str:
    v = f.get_default(call_default_factory=True)
    return repr(v) if not isinstance(v, str) else v


def _one_line(text: str | None) -> str:
    """A field description as one line of text (the option classes' ``Field(description=...)``)."""
    return " ".join((text or "(no description)").split())


@app.command()
def validate(
    path: Annotated[Path, scenario_argument("Scenario file to check.")],
    input_format: InputFormat = None,
) -> None:
    """Check a scenario file; print what it holds, or every problem found (exit code 2)."""
    s = _load(path, input_format, warn=False)  # imports the readers with the collector paused
    from detente.scenario.model import scenario_warnings

    if s.model_options:  # the models' own options: only a file that sets some loads them
        from detente.errors import InputError
        from detente.runner import model_options_problems

        bad = model_options_problems(s)
        if bad:
            raise InputError(str(path), bad)

    n_unc = _count_uncertain(s)
    # one plain line, as written (a "[b]" in a name is no markup): no Rich to load (~30 ms of CPU)
    from detente.words import count

    print(f"ok {path}: {s.meta.get('format', '?')} scenario {s.name!r}: {count(len(s.actors), 'actor')}, "
          f"{count(len(s.issues), 'issue')}, {count(len(s.stances), 'stance')}, "
          f"{count(n_unc, 'uncertain input')}", flush=True)
    print_warnings([f"{path}: {w}" for w in scenario_warnings(s)])


def _count_uncertain(s) -> int:
    from detente.scenario.inputs import uncertain_names  # no NumPy: validate stays fast

    return len(uncertain_names(s))


@app.command()
def convert(
    src: Annotated[Path, scenario_argument("Input file (any readable format).")],
    dst: Path = typer.Argument(..., metavar="OUTPUT", show_default=False,
                               help="Output file; the format follows the suffix (.yaml, .json, .csv = KTAB)."),
    input_format: InputFormat = None,
    to: Optional[Literal["yaml", "json", "ktab-csv"]] = typer.Option(
        None, "--to", help="Output format (default: from the output file's suffix)."),
) -> None:
    """Convert a scenario between formats (validated on the way; written atomically)."""
    from detente.scenario.io import save

    if str(dst) in ("", "."):  # '' (an unset shell variable) reads as the current folder
        raise typer.BadParameter("is empty (an unset shell variable?) or the current folder: give a file name, "
                                 "e.g. scenario.json", param_hint="'OUTPUT'")
    s = _load(src, input_format)
    if to is None and dst.suffix.lower() == ".csv":
        to = "ktab-csv"
    save(s, dst, to)
    err.print(f"wrote {dst}", markup=False, soft_wrap=True)
    if to == "ktab-csv":  # written: said after, so that a refused conversion lists no losses
        from detente.scenario.readers.ktab import ktab_csv_losses

        lost = ktab_csv_losses(s)
        if lost:
            print_warnings([f"{dst}: a KTAB CSV holds actors, capabilities, positions and saliences only; "
                            f"not kept: {'; '.join(lost)} (keep {src.name} as the full scenario)"])


@app.command()
def schema(out_file: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Write to this file.")) -> None:
    """Print the JSON Schema of the native scenario format."""
    with _lasting():
        from detente.scenario.io import atomic_write_text
        from detente.scenario.model import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if out_file:
        atomic_write_text(out_file, text)
    else:
        print(text, end="")


@app.command()
def examples(
    copy: Optional[Path] = typer.Option(None, "--copy", metavar="DIR", help="Copy the examples (and their README "
                                        "and licences) into this folder, to edit them; never overwrites a file."),
    fmt: TableOrJson = "table",
) -> None:
    """List the example scenarios shipped with detente (the flagship first), or copy them out."""
    from detente.scenario.examples import EXAMPLES_DIR, copy_examples, describe

    if copy is not None:
        written = copy_examples(copy)
        err.print(f"copied {len(written)} files to {copy}/ (try: detente run {copy / 'ukraine-settlement.yaml'} "
                  "--model mean --model war)", markup=False, soft_wrap=True)
        return
    pair = ["ukraine-settlement.yaml", "ukraine-settlement-contrast.yaml"]  # the flagship and its contrast first
    items = sorted(describe(), key=lambda e: (pair.index(e["name"]) if e["name"] in pair else len(pair), e["name"]))
    if fmt == "json":
        print(json.dumps([{**e, "path": str(EXAMPLES_DIR / e["name"])} for e in items], indent=2))
        return
    t = Table(title="Example scenarios", caption=f"in {EXAMPLES_DIR}; run one with detente run "
              f"{EXAMPLES_DIR / 'ukraine-settlement.yaml'}, or copy them all to edit: detente examples --copy DIR")
    t.add_column("file", no_wrap=True)
    t.add_column("what it is")
    t.add_column("actors \u00d7 issues", justify="right")  # one column: the table fits 80 columns
    for e in items:
        t.add_row(e["name"], e.get("title") or e.get("error", ""),
                  f"{e['actors']} \u00d7 {e['issues']}" if "actors" in e else "")
    out.print(t)


@app.command()
def backtest(
    deu: Path = typer.Option(..., "--deu", metavar="FILE", help="DEU III issue table (deu3_blksv.tsv)."),
    model: Annotated[list[str], model_option("Model to score; repeat for several (default: every model but war, "
                                                        "which needs a war: block).")] = [],
    option: ModelOptions = [],
    variant: Variants = [],
    capabilities: Literal["equal", "blksv", "power"] = typer.Option(
        "equal", "--capabilities", help="equal, blksv (GDP-like weights of row 2), or power (voting power in the "
        "game of each issue's procedure)."),
    power_index: Literal["shapley_shubik", "banzhaf"] = typer.Option(
        "shapley_shubik", "--power-index", help="With --capabilities power: shapley_shubik or banzhaf."),
    position_only: Literal["skip", "zero"] = typer.Option(
        "skip", "--position-only", help="Actors with a position but no salience: skip (default) or zero "
        "(salience 0, as the reference BDM column)."),
    cv: int = typer.Option(10, "--cv", min=2, help="Folds of the out-of-sample evaluation, grouped by proposal."),
    repeats: int = typer.Option(3, "--repeats", min=1, max=100,
                                help="Repetitions of the K-fold split (seeds SEED, SEED+1, ...; at most 100)."),
    seed: Seed = DEFAULT_SEED,
    fmt: TableOrJson = "table",
    per_issue: bool = typer.Option(False, "--per-issue", help="With json: every issue's forecast."),
) -> None:
    """Score models against the real outcomes of EU legislative decisions (DEU III), in and out of sample."""
    from detente.backtest.deu import backtest as run_backtest
    from detente.models import registry
    from detente.progress import progress_bar

    names = model or [n for n in registry.names() if n != "war"]  # DEU III holds no war: block
    if "war" in names:
        raise typer.BadParameter("war cannot be scored on DEU III: its issues are legislative decisions with "
                                 "no war: block (sides, battlefield, bargaining)", param_hint="'--model'")
    variants = {m: v for m, v in parse_variants(variant, names).items() if v is not None}
    with progress_bar("backtest", enabled=fmt != "json", unit="models") as report:
        try:
            scores = run_backtest(deu, names, capabilities=capabilities,
                                  options=parse_options(option, names), variants=variants,
                                  position_only=position_only, seed=seed, cv=cv, repeats=repeats,
                                  power_index=power_index, progress=report)
        except ValueError as e:  # e.g. more folds than proposals
            raise InputError.one(str(deu), str(e), field="--cv", value=cv) from None
    if fmt == "json":
        data = [s.to_dict(per_issue) for s in scores]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
        return
    out.print(_backtest_table(deu, capabilities, power_index, cv, repeats, scores, width=out.width))
    for s in scores:
        if s.error:
            out.print(f"not run: {s.model}: {s.error}", markup=False, highlight=False, soft_wrap=True)
    procs = _backtest_procedure_table(scores)
    if procs is not None:
        out.print(procs)
    out.print("MAE out of sample: grouped by proposal; parameter-free models fit nothing, so theirs equals the "
              "in-sample MAE. diff vs mean: MAE minus the compromise model's (equal capabilities), 95 % "
              "cluster-bootstrap CI by proposal. Coverage, width and CRPS: calibrated 80 % forecast intervals, "
              "held-out issues only.", highlight=False)


_BACKTEST_HEADERS = {"model": "model", "n": "n", "MAE": "MAE", "MAE out of sample": "MAE out\nof sample",
                     "diff vs mean [95 % CI]": "diff vs mean\n[95 % CI]", "coverage 80 %": "coverage\n80 %",
                     "width 80 %": "width\n80 %", "CRPS": "CRPS", "median AE": "median\nAE",
                     "exact hits (|err| <= 0.5)": "exact hits\n(|err| <= 0.5)", "time": "time"}
_BACKTEST_LEFT_OUT = ("time", "exact hits (|err| <= 0.5)", "median AE", "n", "width 80 %", "MAE")
"""The backtest table's columns left out, in this order, on a terminal too narrow for all of them."""


def _backtest_table(deu: Path, capabilities: str, power_index: str, cv: int, repeats: int, scores: list,
                    width: int = 140) -> "rich.table.Table":
    """The backtest's table; on a terminal narrower than the table, the columns of
    :data:`_BACKTEST_LEFT_OUT` give way, in order (said in the caption), so that no number or header
    is broken inside a word (an 80-column terminal read "MA/E" and "79./0 %")."""
    caps = capabilities + (f" ({power_index})" if capabilities == "power" else "")
    cells: dict[str, list[Any]] = {_BACKTEST_HEADERS[c]: [] for c in _BACKTEST_HEADERS}
    for s in sorted(scores, key=lambda s: (s.error is not None, s.oos.get("mae_oos") or s.mae)):
        if s.error:
            row = [s.model, "-", styled("not run (below)", "red"), *["-"] * 8]
        else:
            o = s.oos
            f = (lambda k, fmt="{:.2f}": fmt.format(o[k]) if o.get(k) is not None else "-")
            ci = o.get("ci") or [None, None]
            d = o.get("mae_diff_vs_mean")
            diff = "-" if d is None else f"{d:+.2f} [{ci[0]:+.2f}, {ci[1]:+.2f}]"
            if d == 0 and ci[0] == ci[1] == 0:  # the same forecasts as the compromise model: the reference itself
                diff = "0 (the reference)"
            row = [s.model, str(s.n_issues), f"{s.mae:.2f}", f("mae_oos") + ("" if o.get("fitted") else " (= MAE)"),
                   diff, f("coverage_80", "{:.1%}").replace("%", " %"), f("mean_width_80", "{:.1f}"), f("crps"),
                   f"{s.median_ae:.2f}",
                   f"{s.exact_hits} ({100 * s.exact_hits / max(s.n_issues, 1):.1f} %)", f"{s.elapsed_s:.1f} s"]
        for col, v in zip(cells, row):
            cells[col].append(v)
    shown = fitting_columns({c: [str(v) for v in vs] for c, vs in cells.items()}, width,
                            leave_out=[_BACKTEST_HEADERS[c] for c in _BACKTEST_LEFT_OUT])
    t = Table(title=f"DEU III backtest ({deu.name}, capabilities: {caps}, {cv}-fold CV x {repeats}, by proposal)",
              title_justify="left")
    for c in shown:
        t.add_column(c, justify="right" if c != "model" else "left", no_wrap=True)
    for i in range(len(cells["model"])):
        t.add_row(*(cells[c][i] for c in shown))
    if len(shown) < len(cells):
        left = ", ".join(c.replace("\n", " ") for c in cells if c not in shown)
        t.caption = f"left out to fit {width} columns: {left} (a wider terminal or --format json shows them)"
        t.caption_justify = "left"
    return t


def _backtest_procedure_table(scores: list) -> "rich.table.Table | None":
    rows = [s for s in scores if not s.error and s.oos.get("by_procedure")]
    if not rows:
        return None
    procs = sorted({p for s in rows for p in s.oos["by_procedure"]})
    t = Table(title="By decision procedure: MAE out of sample / coverage of the 80 % interval",
              title_justify="left", caption_justify="left",
              caption="COD: codecision (the Parliament decides with the Council), CNS: consultation (the "
                      "Council decides); QMV: qualified majority in the Council, Unan: unanimity; n: issues")
    t.add_column("model")
    for p in procs:
        n = rows[0].oos["by_procedure"][p]["n_issues"]
        t.add_column(f"{p} (n={n})", justify="right")
    for s in sorted(rows, key=lambda s: s.oos["mae_oos"]):
        bp = s.oos["by_procedure"]
        t.add_row(s.model, *[f"{bp[p]['mae_oos']:.2f} / {100 * bp[p]['coverage_80']:.0f} %" if p in bp else "-"
                             for p in procs])
    return t


def _mount_command_groups() -> None:
    """The further commands, each group in its own module (:mod:`detente.cli`); those of optional
    parts (run store, web page, sensitivity, sweeps) import their heavy dependencies (SQLAlchemy,
    FastAPI, SALib, Dask) only when they run."""
    from detente.cli.ledger import grade_command, ledger_command, seal_command, verify_command
    from detente.cli.levers import levers_command
    from detente.cli.pool import pool_command
    from detente.cli.runs import runs_app
    from detente.cli.serve import serve
    from detente.cli.uncertainty import sensitivity_command, sweep_command

    app.add_typer(runs_app, name="runs", help="List, show, diff and export recorded runs.")
    app.command("seal")(seal_command)
    app.command("grade")(grade_command)
    app.command("verify")(verify_command)
    app.command("ledger")(ledger_command)
    app.command()(serve)
    app.command("sensitivity")(sensitivity_command)
    app.command("sweep")(sweep_command)
    app.command("levers")(levers_command)
    app.command("pool")(pool_command)


_mount_command_groups()


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """Give every command the first paragraph of its docstring as its one-line summary (``short_help``).

    The list of commands in ``detente --help`` shows that summary. Without one, Typer shows the
    paragraph with the docstring's own line breaks kept (in Rich markup mode), so a summary longer
    than the column broke in mid-sentence, e.g. "... per analyst, and" / "(from 20 graded records)
    ...". A command's own ``--help`` already joins the lines."""
    import inspect

    for info in typer_app.registered_commands:
        if info.short_help is None and info.callback is not None and info.callback.__doc__:
            first = inspect.cleandoc(info.callback.__doc__).split("\n\n")[0]
            info.short_help = " ".join(first.split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_one_line_summaries(app)


def _running_as_program() -> bool:
    """Whether this is the ``detente`` program (:func:`detente.cli.entry`), not a caller of main()."""
    from detente import cli

    return cli._program


NOT_EMPTY = frozenset({"out", "out_dir", "store", "copy", "dask"})
"""Options whose empty value Click would take as the current folder or the default store; the
others (``--criterion ''``, ``--head ''``) say themselves what they need."""


def option_problem(args: list[str]) -> tuple[str, str] | None:
    """An option of ``args`` that Click would take but detente refuses, and why; ``None`` when there
    is none:

    * an option that takes one value given more than once: Click keeps the last silently, so
      ``seal -m mean -m bdm`` sealed bdm alone and ``grade 1 --outcome 5 --outcome 9`` recorded 9,
      in a ledger that cannot be edited;
    * an empty path or store (an unset shell variable: :data:`NOT_EMPTY`): ``--out ''`` wrote into
      the current folder, ``--store ''`` into the default store.

    >>> option_problem(["grade", "1", "--outcome", "5", "--outcome=9"])
    ('--outcome', 'given 2 times (5, 9); it takes one value')
    >>> option_problem(["run", "x.yaml", "-m", "mean", "--model", "bdm"]) is None  # --model repeats
    True
    >>> option_problem(["run", "x.yaml", "--out", ""])
    ('--out', 'is empty (an unset shell variable?): give a value')

    and a run store in memory (``--store sqlite://``), which said "recorded run 1" of a run then lost.
    """
    from typer.main import get_command

    # duck-typed: Typer may bring its own copy of Click's classes
    cmd, rest = get_command(app_for(args)), list(args)
    while hasattr(cmd, "commands") and rest and rest[0] in cmd.commands:
        cmd = cmd.commands[rest.pop(0)]
    if hasattr(cmd, "commands"):
        return None
    valued = {o: p for p in cmd.params if getattr(p, "param_type_name", "") == "option"
              and not (p.is_flag or p.count) for o in p.opts}
    seen: dict[str, list[str]] = {}
    for k, tok in enumerate(rest):
        if tok == "--":
            break
        name, eq, value = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        p = valued.get(name)
        if p is None or p.name is None:
            continue
        value = value if eq else (rest[k + 1] if k + 1 < len(rest) else None)
        if value is None:  # Click says the value is missing
            continue
        flag = next((o for o in p.opts if o.startswith("--")), name)
        if value == "" and p.name in NOT_EMPTY:
            return flag, "is empty (an unset shell variable?): give a value"
        if flag == "--store" and _in_memory(value):
            return flag, (f"{value!r} is a database in memory: it is gone when the command ends; give a file, "
                          "e.g. sqlite:///runs.db, or 'default'")
        seen.setdefault(flag, []).append(value)
    for flag, values in seen.items():
        if len(values) > 1 and not valued[flag].multiple:
            return flag, f"given {len(values)} times ({', '.join(values)}); it takes one value"
    return None


def _in_memory(url: str) -> bool:
    """Whether a store URL names a SQLite database in memory (``sqlite://``, ``sqlite:///:memory:``).

    >>> _in_memory("sqlite://"), _in_memory("sqlite:///:memory:"), _in_memory("sqlite:///runs.db"), _in_memory("default")
    (True, True, False, False)
    >>> _in_memory("sqlite:///:memory:?x=1"), _in_memory("sqlite:///file::memory:?uri=true"), _in_memory("sqlite:////t/:memory:")
    (True, True, False)
    """
    text = url.strip().lower()
    if not text.startswith("sqlite"):
        return False
    path = text.split("://", 1)[-1].split("?", 1)[0]
    return path in ("", "/", "/:memory:") or path.startswith("/file::memory:") or "mode=memory" in text


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: for one of the top-level commands (``run``, ``validate``...), a copy of
    :data:`app` holding that command alone, else :data:`app` itself.

    Typer builds the Click command of every registered command, with all their parameters, at each
    start (~20 ms of CPU for the ~20 commands); a command's own parsing, help and messages need only
    its own (and the root options). An unknown name (whose message suggests the close ones), a group
    (``runs``), no command or a root option first: the whole app, as before."""
    if not args or args[0].startswith("-"):
        return app
    import copy

    from typer.main import get_command_name

    only = [c for c in app.registered_commands
            if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == args[0]]
    if len(only) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = only
    one.registered_groups = []
    return one

