"""``detente runs list|show|diff|export``: look at the recorded runs.

Mounted in the main CLI with ``app.add_typer(runs_app, name="runs")``. Every command takes
``--store URL`` (default: the SQLite file under the user's data directory, see
:func:`detente.store.db.default_url`).
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional

import typer

from detente.consoles import Console, Table, escape, stdout_width
from detente.errors import DetenteError, require

if TYPE_CHECKING:
    import rich.console

    from detente.store.db import Store

runs_app = typer.Typer(help="Recorded runs: list, show, diff and export them.", no_args_is_help=True)

STORE_HELP = "The run store: a SQLite file (runs.db) or a SQLAlchemy URL (default: $DETENTE_STORE, else runs.db under the user's data directory)"


def _console() -> "rich.console.Console":
    """The terminal's width, or 140 columns in a pipe or file (as ``detente run`` prints)."""
    return Console(highlight=False, soft_wrap=False, width=stdout_width())


def fail(e: Exception) -> None:
    """Print a detente error on stderr and exit with code 2."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {escape(str(e))}")
    raise typer.Exit(2)


def _open(url: str | None) -> "Store":
    try:
        require("sqlalchemy", "store")
        from detente.store.db import Store

        return Store(url, existing=True)  # every ``runs`` command only reads
    except DetenteError as e:
        fail(e)
        raise  # unreachable


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _issues_of(scenario: Any) -> dict[str, tuple[str, int]]:
    """``{issue id: (its name with the id, the decimals of its scale)}`` of a recorded run's scenario
    (as ``detente run`` names and prints them); empty for a record without one.

    >>> _issues_of({"issues": [{"id": "x", "name": "Tax rate", "scale": {"min": 0, "max": 50}}, {"id": "y"}]})
    {'x': ('Tax rate [x]', 2), 'y': ('y', 1)}
    """
    from detente.scenario.model import decimals_for

    out = {}
    for i in (scenario or {}).get("issues") or []:
        sc = i.get("scale") or {}
        try:
            d = decimals_for(float(sc.get("max", 100.0)) - float(sc.get("min", 0.0)))
        except (TypeError, ValueError):
            d = 2
        name = i.get("name")
        out[str(i.get("id"))] = (f"{name} [{i['id']}]" if name and name != i.get("id") else str(i.get("id")), d)
    return out


WAR_FORECAST_NOTE = ("war: the forecast is over every ending (a deal's terms, a victory, a collapse or the front "
                     "line at the horizon); `detente run` shows the terms given a deal")


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@runs_app.command("list")
def list_command(
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    limit: int = typer.Option(50, "--limit", "-n", min=0, metavar="N", help="show at most this many runs (0: all)"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="only runs of this model"),
    scenario: Optional[str] = typer.Option(None, "--scenario", help="part of the scenario name (any case) or a SHA-256 prefix"),
    format: Literal["table", "json"] = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """List recorded runs, newest first."""
    st = _open(store)
    try:
        rows = st.list_runs(limit or None, model=model, scenario=scenario)
    except DetenteError as e:
        fail(e)
    if format == "json":
        _dump(rows)
        return
    if not rows:  # a sentence, not an empty table
        which = " and ".join(w for w in (f"of model {model}" if model else "",
                                         f"of scenario {scenario!r}" if scenario else "") if w)
        given = "default" if store in (None, "", "default") else store
        _console().print(f"no runs {which} in {st.shown_url}" if which else
                         f"no runs recorded yet in {st.shown_url} (record one with `detente run ... --store {given}`)",
                         soft_wrap=True)
        return
    total = st.count_runs(model=model, scenario=scenario) if limit and len(rows) == limit else len(rows)
    from detente.consoles import unbroken_width

    cols = ["id", "created (UTC)", "scenario", "input", "model", "seed", "draws", "forecast"]
    cells = [[str(r["id"]), _minute(r["created"]), r["scenario_name"], r["scenario_sha256"][:8],
              r["model"] + (f" ({r['variant']})" if r["variant"] else ""), str(r["seed"]), str(r["draws"]),
              _forecast_text(r["forecast"])] for r in rows]
    console = _console()
    shown = list(cols)
    for col in ("seed", "input", "draws", "created (UTC)"):  # on a narrow terminal: no word broken
        if unbroken_width(shown, [[c[cols.index(x)] for x in shown] for c in cells]) <= console.width:
            break
        shown.remove(col)
    t = Table(title=f"runs in {st.shown_url}")
    for col in shown:
        whole = col in ("id", "created (UTC)", "input", "seed", "draws")  # short values, never broken
        t.add_column(col, justify="right" if col in ("id", "seed", "draws") else "left", no_wrap=whole)
    for c in cells:
        t.add_row(*(c[cols.index(x)] for x in shown))
    notes = []
    if any(r["model"] == "war" for r in rows):  # not the terms given a deal that `detente run` leads with
        notes.append(WAR_FORECAST_NOTE)
    if total > len(rows):  # it stopped at the limit: say so, a reviewer must not take 50 for all
        notes.append(f"the newest {len(rows)} of {total} runs: --limit 0 lists all")
    if len(shown) < len(cols):
        notes.append(f"left out to fit {console.width} columns: {', '.join(x for x in cols if x not in shown)} "
                     "(runs show ID or --format json has them)")
    if notes:
        t.caption = "\n".join(notes)
        t.caption_justify = "left"
    console.print(t)


def _forecast_text(forecast: dict[str, Any], room: int = 70) -> str:
    """A run's forecast in the list: ``issue=value`` while it fits in about ``room`` characters,
    then how many more (``runs show`` has them all; it cut "settlement_..." mid-word).

    >>> _forecast_text({"a": 1.0, "b": 22.25}), _forecast_text({f"issue_{k}": 50.0 for k in range(9)}, 40)
    ('a=1.0, b=22.2', 'issue_0=50.0, issue_1=50.0, issue_2=50.0 and 6 more')
    """
    parts = [f"{k}={_fmt(v, 1)}" for k, v in forecast.items()]
    shown: list[str] = []
    for k, p in enumerate(parts):
        if shown and len(", ".join(shown + [p])) > room and k < len(parts) - 1:
            return ", ".join(shown) + f" and {len(parts) - len(shown)} more"
        shown.append(p)
    return ", ".join(shown)


def _minute(created: str | None) -> str:
    """``2026-12-07 01:07`` of a recorded ISO time in UTC (``runs show`` gives it to the second).

    >>> _minute("2026-12-07T01:07:04+00:00"), _minute(None)
    ('2026-12-07 01:07', '')
    """
    return (created or "")[:16].replace("T", " ")


@runs_app.command("show")
def show_command(
    run_id: int = typer.Argument(..., help="run id (see `detente runs list`)"),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    format: Literal["table", "json"] = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Show one recorded run: provenance, options and forecast per issue."""
    st = _open(store)
    try:
        r = st.get(run_id)
    except DetenteError as e:
        fail(e)
    if format == "json":
        _dump(r)
        return
    c = _console()
    head = Table(show_header=False, title=f"run {r['id']}")
    head.add_column(style="bold")
    head.add_column()
    for k in ("created", "scenario_name", "scenario_sha256", "model", "variant", "seed", "draws", "version",
              "elapsed_s"):
        head.add_row(k, _fmt(r[k], 4))
    head.add_row("options", json.dumps(r["options"], sort_keys=True))
    if r.get("meta"):
        head.add_row("meta", json.dumps(r["meta"], sort_keys=True))
    c.print(head)
    t = Table(title="forecast", caption=WAR_FORECAST_NOTE if r["model"] == "war" else None, caption_justify="left")
    t.add_column("issue")
    t.add_column("forecast", justify="right")
    if r["interval"]:
        t.add_column("forecast interval (calibrated, 80 %)", justify="right")  # Result.interval (never the input band)
    issues = _issues_of(r.get("scenario"))
    for issue, v in r["forecast"].items():
        name, d = issues.get(issue, (issue, 2))
        row = [name, _fmt(v, d)]
        if r["interval"]:
            lo, hi = r["interval"].get(issue, [None, None])
            row.append(f"[{_fmt(lo, d)}, {_fmt(hi, d)}]")
        t.add_row(*row)
    c.print(t)


@runs_app.command("diff")
def diff_command(
    a: int = typer.Argument(..., help="first run id"),
    b: int = typer.Argument(..., help="second run id"),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    format: Literal["table", "json"] = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Compare two runs: forecast per issue, options, and whether the inputs are identical."""
    st = _open(store)
    try:
        d = st.diff(a, b)
    except DetenteError as e:
        fail(e)
    if format == "json":
        _dump(d)
        return
    c = _console()
    c.print(f"runs {a} and {b}: " + ("same input scenario" if d["same_input"] else
            f"different input scenarios ({d['input_sha256']['a'][:10]} vs {d['input_sha256']['b'][:10]})"))
    if d["fields"] or d["options"] or d["input_changes"]:
        t = Table(title="differences")
        for col in ("what", f"run {a}", f"run {b}"):
            t.add_column(col)
        for k, v in d["fields"].items():
            t.add_row(k, _fmt(v["a"]), _fmt(v["b"]))
        for k, v in d["options"].items():
            t.add_row(f"options.{k}", json.dumps(v["a"]), json.dumps(v["b"]))
        shown = d["input_changes"][:40]
        for ch in shown:  # which inputs differ: a reviewer must see why the forecasts do
            t.add_row(f"input {ch['field']}", _input_value(ch["a"]), _input_value(ch["b"]))
        if len(d["input_changes"]) > len(shown):
            t.caption = f"and {len(d['input_changes']) - len(shown)} more input changes (--format json lists them)"
            t.caption_justify = "left"
        c.print(t)
    t = Table(title="forecast")
    for col in ("issue", f"run {a}", f"run {b}", "change"):
        t.add_column(col, justify="left" if col == "issue" else "right")
    try:  # the issues' names and decimals, from the first run's scenario (a second read of the store)
        issues = _issues_of(st.get(a).get("scenario"))
    except DetenteError:
        issues = {}
    for issue, v in d["forecast"].items():
        ch = v["change"]
        name, dec = issues.get(issue, (issue, 2))
        t.add_row(name, _fmt(v["a"], dec), _fmt(v["b"], dec), "-" if ch is None else f"{ch:+.{dec}f}")
    c.print(t)


@runs_app.command("rerun")
def rerun_command(
    run_id: int = typer.Argument(..., metavar="ID", help="the run to repeat (see `detente runs list`)"),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    format: Literal["table", "json"] = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Repeat a recorded run from its stored scenario and settings; exit 1 unless it reproduces bit for bit."""
    st = _open(store)
    try:
        d = st.rerun(run_id)
    except DetenteError as e:
        fail(e)
    if format == "json":
        _dump(d)
    else:
        c = _console()
        if d["reproduced"]:
            c.print(f"run {run_id} reproduced bit for bit: the forecast of every issue and every draw, from the "
                    f"stored scenario (input {d['input_sha256'][:12]}) with detente {d['installed_version']}",
                    soft_wrap=True)
        else:
            c.print(f"run {run_id} NOT reproduced:", soft_wrap=True)
            for p in d["problems"]:
                c.print(f"  - {p}", soft_wrap=True, markup=False)
            t = Table(title="forecast")
            for col in ("issue", "recorded", "now"):
                t.add_column(col, justify="left" if col == "issue" else "right")
            for issue, v in d["forecast"].items():
                t.add_row(issue, _fmt(v["recorded"], 4), _fmt(v["now"], 4))
            c.print(t)
    if not d["reproduced"]:
        raise typer.Exit(1)


def _input_value(v: Any) -> str:
    """An input value as a scenario file writes it (``-`` where a run's scenario does not have it)."""
    if v is None:
        return "-"
    from detente.errors import written

    if isinstance(v, float) and v.is_integer() and abs(v) < 1e7:
        v = int(v)  # 4.0 was written 4
    text = written(v) if not isinstance(v, str) else v
    return text if len(text) <= 60 else text[:57] + "..."


@runs_app.command("export")
def export_command(
    run_ids: Optional[list[int]] = typer.Argument(None, help="run ids (default: every run)"),
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    format: Literal["json", "csv"] = typer.Option("json", "--format", "-f",
                                                  help="json (full records) or csv (one row per run and issue)"),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                       help="write to this file (atomically) instead of stdout"),
) -> None:
    """Export runs as JSON or CSV."""
    from detente.scenario.io import atomic_write_text

    st = _open(store)
    try:
        text = st.export(run_ids or None, fmt=format)
    except DetenteError as e:
        fail(e)
    if out is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(out, text)
        Console(stderr=True).print(f"wrote {out}", markup=False, soft_wrap=True)
