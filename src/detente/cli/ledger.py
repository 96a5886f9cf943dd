"""``detente seal|grade|verify|ledger``: the sealed forecast ledger (:mod:`detente.store.ledger`).

Mounted in the main CLI with ``app.command("seal")(seal_command)`` and so on. Every command takes
``--store URL`` (default: the run store's SQLite file under the user's data directory) and
``--format table|json``. The commands compute nothing themselves: they call the library.
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Literal, Optional

import typer

from detente.cli.common import (
    DEFAULT_SEED, Draws, InputFormat, ModelOptions, Seed, TableOrJson, Variants, model_option, parse_options,
    parse_variants, print_warnings, scenario_argument,
)
from detente.consoles import Console, Table, escape, fitting_columns, stdout_width
from detente.errors import DetenteError, require

if TYPE_CHECKING:
    import rich.console

    from detente.store.ledger import Ledger

STORE_HELP = "The run store holding the ledger: a SQLite file (runs.db) or a SQLAlchemy URL (default: $DETENTE_STORE, else runs.db under the user's data directory)"


def _out() -> "rich.console.Console":
    return Console(highlight=False, soft_wrap=False, emoji=False, width=stdout_width())


def _fail(e: Exception) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True, emoji=False).print(f"[red]error:[/red] {escape(str(e))}")
    raise typer.Exit(2)


def _open(url: Optional[str], *, existing: bool = True) -> "Ledger":
    """The ledger at ``url``; ``existing``: it must be there already (every command but ``seal``)."""
    try:
        require("sqlalchemy", "store")
        from detente.store.ledger import Ledger

        return Ledger(None if url == "default" else url, existing=existing)
    except DetenteError as e:
        _fail(e)
        raise  # unreachable


@contextmanager
def _or_discarded(ledger: "Ledger") -> Iterator[None]:
    """Run the block; when it fails, remove the store file that opening ``ledger`` created (while it
    holds nothing), so that a refused replay or seal leaves no empty ``runs.db`` behind."""
    try:
        yield
    except BaseException:
        ledger.store.discard_if_made()
        raise


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _f(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _interval(iv: Any, digits: int = 1) -> str:
    try:
        return "-" if not iv else f"[{float(iv[0]):.{digits}f}, {float(iv[1]):.{digits}f}]"
    except (TypeError, ValueError, IndexError, KeyError):
        return repr(iv)[:20]


_WRAPPED = {"question": 40, "analyst": 20}
"""The ledger table's columns that wrap at words, and their widest."""
_LEFT_OUT_FIRST = ("abs error", "CRPS", "analyst", "resolves by", "question")
"""The ledger table's columns left out, in this order, when the table is wider than the terminal."""


def _pct(p: Any) -> str:
    """A share as everywhere in detente (``35 %``, one decimal under 10 %); ``-`` for none."""
    from detente.report.tables import pct

    return "-" if p is None else pct(float(p))


def _digits(scale: Any) -> int:
    """Decimals of a record's values: its scale's, as ``detente run`` prints them (2 when the
    payload has no readable scale)."""
    from detente.scenario.model import decimals_for

    try:
        return decimals_for(float(scale[1]) - float(scale[0]))
    except (TypeError, ValueError, IndexError, KeyError):
        return 2


# --------------------------------------------------------------------------------------------
# seal


def seal_command(
    scenario: Annotated[Path, scenario_argument()],
    model: Annotated[str, model_option("Model whose forecast is sealed (see `detente models`).")],
    question: str = typer.Option(..., "--question", metavar="TEXT", help="The question the record answers."),
    resolves_by: str = typer.Option(..., "--resolves-by", metavar="YYYY-MM-DD",
                                    help="Date by which the question resolves."),
    criterion: str = typer.Option(..., "--criterion", metavar="TEXT", help="How the real outcome maps onto "
                                  "the issue's scale, and which sources decide."),
    issue: Optional[str] = typer.Option(None, "--issue", metavar="ID", help="The issue forecast (one record "
                                        "= one issue; needed when the scenario has several)."),
    analyst: Optional[str] = typer.Option(None, "--analyst", metavar="NAME",
                                          help="Who coded the scenario (default: the scenario's analyst)."),
    draws: Draws = None,
    seed: Seed = DEFAULT_SEED,
    option: ModelOptions = [],
    variant: Variants = [],
    input_format: InputFormat = None,
    store: Optional[str] = typer.Option(None, "--store", metavar="URL", help=STORE_HELP),
    format: TableOrJson = "table",
) -> None:
    """Run a model and append its forecast of one issue to the ledger, sealed by a hash chain."""
    from detente.runner import run
    from detente.scenario.io import load
    from detente.scenario.model import scenario_warnings
    from detente.store.ledger import check_question, parse_date, pick_issue

    # every request refused before the store is opened (a new store file is not created for nothing)
    # and before the model runs
    s = load(scenario, input_format)
    print_warnings([f"{scenario}: {w}" for w in scenario_warnings(s)])
    issue = pick_issue(s, issue)
    check_question(question, criterion)
    import datetime as dt

    if parse_date(resolves_by) < dt.datetime.now(dt.timezone.utc).date().isoformat():
        print_warnings([f"--resolves-by {resolves_by} is in the past: a record sealed after its resolution date "
                        "is not a forecast made in advance (its sealed-at time says so)"])
    opts = parse_options(option, [model])[model]
    var = parse_variants(variant, [model])[model]
    from detente.cli.commands import warn_if_few_paths

    warn_if_few_paths(scenario, s, [model], draws)
    ledger = _open(store, existing=False)  # seal creates the ledger
    with _or_discarded(ledger):
        result = run(s, model, draws=draws, seed=seed, options=opts, variant=var)
        try:
            e = ledger.seal(s, result, issue=issue, question=question, criterion=criterion,
                            resolves_by=resolves_by, analyst=analyst)
        except DetenteError as err:
            _fail(err)
    p = e.payload
    d = _digits(p.get("scale"))
    if format == "json":
        _dump({"record": e.seq, "hash": e.hash, "prev_hash": e.prev_hash, "store": ledger.shown_url,
               **{k: p[k] for k in ("issue", "model", "forecast", "interval", "interval_source", "question",
                                    "resolves_by", "analyst", "sealed_at", "scenario_sha256")}})
        return
    basis = (" (over every ending: a deal's terms, a victory, a collapse or the front line at the horizon; "
             "`detente run` shows the terms given a deal)") if p["model"] == "war" else ""
    _out().print(f"sealed record {e.seq} in {ledger.shown_url}: {p['model']} forecasts {p['issue']} = "
                 f"{p['forecast']:.{d}f}, 80 % interval {_interval(p['interval'], d)} ({p['interval_source']}){basis}\n"
                 f"hash {e.hash}\n(publish this hash: it pins the ledger up to this record)", soft_wrap=True)


# --------------------------------------------------------------------------------------------
# grade


def grade_command(
    record: str = typer.Argument(..., metavar="RECORD", help="Record number (see `detente ledger`) or hash prefix."),
    outcome: str = typer.Option(..., "--outcome", metavar="VALUE", help="The real outcome on the issue's scale."),
    source: str = typer.Option(..., "--source", metavar="TEXT", help="Where the outcome is documented."),
    store: Optional[str] = typer.Option(None, "--store", metavar="URL", help=STORE_HELP),
    format: TableOrJson = "table",
) -> None:
    """Append the resolution of a sealed record (the record itself is never edited)."""
    from detente.store.ledger_scores import records

    ledger = _open(store)
    try:
        g = ledger.grade(record, outcome=outcome, source=source)
        # the scores of this record alone: the rest of the ledger is not read (nor can it fail this grade)
        sealed = ledger.get(g.payload["record"])
        (row,) = records([sealed, g])
    except DetenteError as err:
        _fail(err)
    due = sealed.payload.get("resolves_by")
    if isinstance(due, str) and g.payload["graded_at"][:10] < due:
        print_warnings([f"record {row['record']} resolves by {due}: graded before that date, which is right only "
                        "if the question has already resolved (the grade stays in the ledger either way)"])
    if format == "json":
        _dump({"entry": g.seq, "hash": g.hash, **{k: row[k] for k in (
            "record", "issue", "forecast", "outcome", "abs_error", "covered_80", "crps", "source")}})
        return
    d = _digits(row["scale"])
    _out().print(f"graded record {row['record']} ({row['issue']}) with outcome {row['outcome']:g}: "
                 f"forecast {row['forecast']:.{d}f}, absolute error {row['abs_error']:.{d}f}, 80 % interval "
                 f"{'held' if row['covered_80'] else 'missed'}, CRPS {row['crps']:.2f}\n"
                 f"entry {g.seq}, hash {g.hash}", soft_wrap=True)


# --------------------------------------------------------------------------------------------
# verify


def verify_command(
    record: Optional[str] = typer.Argument(None, metavar="RECORD", help="Re-run only this record's model "
                                           "(the whole chain is checked all the same)."),
    head: Optional[str] = typer.Option(None, "--head", metavar="HASH", help="A published head hash (or "
                                       "prefix) that must be in the chain."),
    no_rerun: bool = typer.Option(False, "--no-rerun", help="Check the hashes only; do not re-run models."),
    store: Optional[str] = typer.Option(None, "--store", metavar="URL", help=STORE_HELP),
    format: TableOrJson = "table",
) -> None:
    """Check every hash of the chain and re-run each sealed forecast; exit 1 when anything fails."""
    ledger = _open(store)
    try:
        v = ledger.verify(record, rerun=not no_rerun, expect_head=head)
    except DetenteError as err:
        _fail(err)
    if format == "json":
        _dump(v.to_dict())
    else:
        print_warnings(v.warnings)
        c = _out()
        if v.ok and not v.n_entries:
            c.print(f"no entries in {ledger.shown_url}: nothing to verify", soft_wrap=True)
        elif v.ok:
            c.print(f"[green]ok[/green] {v.n_entries} entries in {ledger.shown_url}: every hash and link checks; "
                    f"{v.reruns} sealed forecast{'s' if v.reruns != 1 else ''} re-run and reproduced bit for bit"
                    f"\nhead {v.head or '-'}", soft_wrap=True)
        else:
            t = Table(title=f"ledger verification FAILED ({ledger.shown_url})")
            t.add_column("entry", justify="right")
            t.add_column("kind")
            t.add_column("problem")
            for p in v.chain_problems:
                t.add_row("-", "chain", p)
            for f in v.failures:
                for p in f.problems:
                    t.add_row(str(f.seq), f.kind, p)
            c.print(t)
            whole = f"; the chain as a whole fails {len(v.chain_problems)} check{'s' if len(v.chain_problems) != 1 else ''}" \
                if v.chain_problems else ""
            c.print(f"{len(v.failures)} of {v.n_entries} entries fail{whole}; head {v.head or '-'}", soft_wrap=True)
    if not v.ok:
        raise typer.Exit(1)


# --------------------------------------------------------------------------------------------
# ledger


def _model_name(name: str, sealed: "set[Any] | None" = None) -> str:
    """Today's name of a model (an old alias such as ``eu`` is ``bdm``); a name the registry does not
    know is kept only when records of it are ``sealed`` (a model no longer installed), else refused."""
    from detente.cli.common import resolve_models

    if sealed is not None and name in sealed:
        return name
    try:
        return resolve_models(name)
    except typer.BadParameter as e:
        raise typer.BadParameter(str(e), param_hint="'--model'") from None


def ledger_command(
    model: Optional[str] = typer.Option(None, "--model", "-m", metavar="MODEL", help="Only this model's records "
                                        "(with --replay-deu: the model replayed, default mean)."),
    analyst: Optional[str] = typer.Option(None, "--analyst", metavar="NAME", help="Only this analyst's records."),
    replay_deu: Optional[Path] = typer.Option(None, "--replay-deu", metavar="FILE", help="First seal every scored "
                                              "DEU III issue of this table (deu3_blksv.tsv) and grade it with its "
                                              "recorded outcome."),
    capabilities: Literal["equal", "blksv", "power"] = typer.Option(
        "equal", "--capabilities", help="With --replay-deu: as in `detente backtest`."),
    position_only: Literal["skip", "zero"] = typer.Option(
        "skip", "--position-only", help="With --replay-deu: as in `detente backtest`."),
    seed: Seed = DEFAULT_SEED,
    limit: int = typer.Option(50, "--limit", "-n", min=0, metavar="N", help="Table: show the last N records "
                              "(0: all); the scores cover every record."),
    store: Optional[str] = typer.Option(None, "--store", metavar="URL", help=STORE_HELP),
    format: TableOrJson = "table",
) -> None:
    """List the sealed records with their scores, the track record per model and per analyst, and
    (from 20 graded records) the calibration of the sealed distributions."""
    from detente.store.ledger_scores import MIN_CALIBRATION, summary

    ledger = _open(store, existing=replay_deu is None)  # a replay may start a ledger
    with _or_discarded(ledger):
        try:
            if replay_deu is not None:
                from detente.store.ledger_replay import replay_deu as replay

                model = _model_name(model or "mean")
                new = replay(replay_deu, ledger, model, capabilities=capabilities, position_only=position_only,
                             seed=seed)
                Console(stderr=True).print(f"replayed DEU III with {model}: {len(new) // 2} records sealed and "
                                           f"graded (entries {new[0].seq}-{new[-1].seq})")
            elif model is not None:
                model = _model_name(model, sealed={e.payload.get("model") for e in ledger.entries()
                                                   if e.kind == "seal"})
            data = summary(ledger, model=model, analyst=analyst)
        except DetenteError as err:
            _fail(err)
    if format == "json":
        _dump(data)
        return
    c = _out()
    rows = data["records"][-limit:] if limit else data["records"]
    n = len(data["records"])
    c.print(f"forecast ledger in {data['store']}: {n} record{'' if n == 1 else 's'}"
            + (f", last {len(rows)} shown (--limit 0: all)" if len(rows) < len(data["records"]) else ""),
            soft_wrap=True)
    if not rows:  # no empty tables: say what would fill them
        only = " and ".join(f"{k} {v!r}" for k, v in (("model", model), ("analyst", analyst)) if v)
        c.print((f"no records of {only} (without --model/--analyst: every record)" if only and data["entries"]
                 else "nothing sealed yet (`detente seal --help` says how to seal a forecast)")
                + f"\nhead {data['head_hash'] or '-'} ({data['entries']} entr{'y' if data['entries'] == 1 else 'ies'})",
                soft_wrap=True)
        return
    cells = {"record": [], "question": [], "issue": [], "model": [], "analyst": [], "forecast": [],
             "80 % interval": [], "resolves by": [], "outcome": [], "abs error": [], "held": [], "CRPS": []}
    for r in rows:
        d = _digits(r["scale"])
        for col, v in zip(cells, (
                str(r["record"]), r["question"] or "", str(r["issue"]),
                str(r["model"]) + (f" ({r['variant']})" if r["variant"] else ""), r["analyst"] or "-",
                _f(r["forecast"], d), _interval(r["interval"], d),
                r["resolves_by"] or ("replay" if r["replay"] else "-"), _f(r["outcome"], d),
                _f(r["abs_error"], d), _f(r["covered_80"]), _f(r["crps"], d))):
            cells[col].append(v)
    shown = fitting_columns(cells, c.width, leave_out=_LEFT_OUT_FIRST, wrapped=_WRAPPED)
    t = Table()
    for col in shown:  # the question and the analyst wrap at words; numbers, dates and headers never break
        wrap = col in ("question", "analyst")
        t.add_column(col, no_wrap=not wrap, overflow="fold", max_width=_WRAPPED.get(col),
                     justify="right" if col in ("record", "forecast", "outcome", "abs error", "CRPS") else "left")
    for i in range(len(rows)):
        t.add_row(*(cells[col][i] for col in shown))
    c.print(t)
    if len(shown) < len(cells):
        c.print(f"(left out to fit {c.width} columns: {', '.join(col for col in cells if col not in shown)}; "
                "a wider terminal or --format json shows them)", soft_wrap=False)  # wrapped at the table's width
    bad = [r["malformed"] for r in data["records"] if r.get("malformed")]
    if bad:
        warn = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
        for line in bad:
            warn.print(f"[yellow]warning:[/yellow] {escape(line)}")
    for by, title in (("by_model", "model"), ("by_analyst", "analyst")):
        tr = Table(title=f"track record per {title}")
        for col in (title, "sealed", "graded", "MAE", "coverage 80 %", "mean CRPS"):
            tr.add_column(col, justify="left" if col == title else "right")
        for k, v in data[by].items():
            tr.add_row(k, str(v["n_sealed"]), str(v["n"]), _f(v["mae"]),
                       _pct(v["coverage_80"]), _f(v["crps"]))
        if data[by]:
            c.print(tr)
    cal = data["calibration"]
    if cal is None:
        c.print(f"calibration table: from {MIN_CALIBRATION} graded records "
                f"({data['overall']['n']} graded so far)", soft_wrap=True)
    else:
        c.print(f"calibration of the sealed distributions: central intervals of the stored quantiles, "
                f"{data['overall']['n']} graded records", soft_wrap=True)
        tc = Table()
        for col in ("nominal", "observed", "n"):
            tc.add_column(col, justify="right")
        for row in cal:
            tc.add_row(_pct(row["nominal"]), _pct(row["observed"]),
                       str(row["n"]))
        c.print(tc)
    c.print(f"head {data['head_hash'] or '-'} ({data['entries']} entr{'y' if data['entries'] == 1 else 'ies'}; publish it to pin the ledger)",
            soft_wrap=True)
