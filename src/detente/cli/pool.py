"""``detente pool``: several analysts' views into one pooled scenario (see :mod:`.merge`).

Reads the files, calls :func:`detente.pool.merge.pool_scenarios`, writes the pooled scenario
(validated YAML, atomically) and prints the coverage report; computes nothing itself.
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import json
from pathlib import Path
from typing import Any, Optional

import typer

from detente.cli.common import TableOrJson, as_options
from detente.errors import InputError


def pool_command(
    scenarios: list[Path] = typer.Argument(..., metavar="SCENARIO...", show_default=False,
                                           help="Two or more views (scenario files) of the same actors and issues."),
    weights: Optional[str] = typer.Option(None, "--weights", "-w", metavar="W1,W2,...|ledger",
                                          help="One positive weight per view (default: equal), or `ledger`: "
                                               "weights from the analysts' scored forecasts in the ledger "
                                               "(∝ 1 / mean scaled CRPS; at least 5 graded records each)."),
    analysts: Optional[str] = typer.Option(None, "--analysts", "-a", metavar="ID1,ID2,...",
                                           help="Analyst ids, one per view (default: each file's `analyst`, "
                                                "else its file name without suffix); a pooled view keeps its "
                                                "own analysts' ids."),
    out_file: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                            help="Write the pooled scenario to this file (.yaml or .json)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the pooled scenario."),
    store: Optional[str] = typer.Option(None, "--store", metavar="URL",
                                        help="With --weights ledger: the run store holding the ledger, a SQLite "
                                             "file or a SQLAlchemy URL (default: $DETENTE_STORE, else runs.db "
                                             "under the user's data directory)."),
    war_from: Optional[str] = typer.Option(None, "--war-from", metavar="ANALYST",
                                           help="Keep this analyst's war block as written instead of pooling "
                                                "its numbers (needed when the views' war blocks differ in "
                                                "structure: sides, battlefield, ratifiers, commitments, shocks)."),
    fmt: TableOrJson = "table",
) -> None:
    """Pool several analysts' views into one scenario: every number becomes the weighted mixture
    (linear pool) of the analysts' values; prints who covered what. A pooled view joins with its
    own analysts (its weight split among them as in its file)."""
    from detente.cli.commands import _load, err, out
    from detente.pool.merge import FLAGS, analyst_ids, members, pool_scenarios

    if len(scenarios) < 2:
        raise typer.BadParameter("give at least two scenario files to pool", param_hint="'SCENARIO...'")
    out_format = _native_format(out_file)
    from_ledger = weights is not None and weights.strip().lower() == "ledger"
    if store is not None and not from_ledger:
        raise typer.BadParameter("--store is used only with --weights ledger", param_hint="'--store'")
    w = _numbers(weights) if weights is not None and not from_ledger else None
    ids = [a.strip() for a in analysts.split(",")] if analysts is not None else None
    views = [_load(p) for p in scenarios]
    files = [str(p) for p in scenarios]
    scores, per_analyst = None, None
    with as_options(FLAGS):
        if from_ledger:  # a weight per analyst (a pooled view's own analysts each have their record)
            ids = analyst_ids(views, ids, files)
            who = members(views, ids)
            lw, scores, shown = _ledger_weights(store, who)
            per_analyst = dict(zip(who, lw))
        pooled, report = pool_scenarios(views, analysts=ids, weights=w, files=files, name=name,
                                        analyst_weights=per_analyst, war_from=war_from)
    if scores is not None:
        report.weights_from = {"store": shown, "rule": LEDGER_RULE, "analysts": scores}
        pooled = pooled.model_copy(update={"description": f"{pooled.description} Weights from the forecast "
                                                          f"ledger ({shown}): {LEDGER_RULE}."})
    if out_file is not None:
        from detente.scenario.io import save

        save(pooled, out_file, out_format)
        err.print(f"wrote {out_file}", markup=False, soft_wrap=True)
    if fmt == "json":
        print(json.dumps({"scenario": pooled.name, "out": None if out_file is None else str(out_file),
                          **report.to_dict()}, indent=2, ensure_ascii=False))
        return
    if scores is not None:
        out.print(ledger_weights_table(report.weights_from))
    for t in coverage_tables(report):
        out.print(t)
    if out_file is None:
        err.print("note: give --out FILE to write the pooled scenario")


LEDGER_RULE = ("weight ∝ 1 / mean scaled CRPS (each graded forecast's CRPS as a share of its issue's scale "
               "width), normalised to sum to 1; at least 5 graded records per analyst")


def _ledger_weights(store: Optional[str], ids: list[str]) -> tuple[list[float], list[dict[str, Any]], str]:
    from detente.cli.ledger import _open
    from detente.store.ledger_scores import pool_weights

    _refuse_missing_sqlite(store)
    ledger = _open(store)
    w, used = pool_weights(ledger, ids)
    head = ledger.head()
    return w, used, f"{ledger.shown_url}, head {head.hash[:16]}" if head is not None else ledger.shown_url


def _native_format(out_file: Optional[Path]) -> str:
    """The native format to write the pooled scenario in, from ``--out``'s suffix (mixtures and
    analysts exist only in the native format)."""
    suffix = "" if out_file is None else out_file.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in ("", ".yaml", ".yml"):
        return "yaml"
    raise InputError.one(str(out_file), f"cannot write a pooled scenario as {suffix!r}: its mixtures and analysts "
                                        "exist only in the native format; give a .yaml or .json file",
                         field="--out")


def _refuse_missing_sqlite(store: Optional[str]) -> None:
    """Reading weights must not create an empty SQLite store where the user mistyped a path."""
    from detente.errors import require

    require("sqlalchemy", "store")
    from detente.store.db import default_url, sqlite_path

    try:
        path = sqlite_path(default_url() if store in (None, "default") else store)
    except Exception:  # a malformed URL: the store's own error names it
        return
    if path is not None and not path.exists():
        raise InputError.one(None, f"no forecast ledger at {path}: seal and grade forecasts there first "
                                   "(`detente seal`, `detente grade`), or give --store URL",
                             field="--store", value=store or "default")


def ledger_weights_table(info: dict[str, Any]) -> Any:
    """The analysts' scores behind ``--weights ledger`` and the weights they give."""
    from detente.consoles import Table

    t = Table(title=f"Weights from the forecast ledger ({info['store']})", caption=info["rule"])
    for c in ("analyst", "graded", "MAE", "CRPS", "scaled CRPS", "80 % held", "weight"):
        t.add_column(c, justify="left" if c == "analyst" else "right")
    for u in info["analysts"]:
        t.add_row(u["analyst"], str(u["n"]), f"{u['mae']:.2f}", f"{u['crps']:.2f}", f"{u['crps_scaled']:.4f}",
                  f"{u['coverage_80']:.0%}", f"{u['weight']:.2f}")
    return t


def _numbers(text: str) -> list[float]:
    vals = []
    for part in text.split(","):
        try:
            vals.append(float(part))
        except ValueError:
            raise InputError.one(None, "weights must be numbers separated by commas, e.g. 2,1,1, or `ledger`",
                                 field="--weights", value=text) from None
    return vals


def coverage_tables(report: Any) -> list[Any]:
    """Rich tables of a :class:`~detente.pool.merge.CoverageReport`: the analysts and what each is
    silent on, then the differences resolved by taking the first analyst's text."""
    from detente.consoles import Table

    from pathlib import PurePath

    total = sum(a["weight"] for a in report.analysts) or 1.0
    # the file column only when it says more than the id (an id is its file's name unless given)
    files = any(a.get("file") and PurePath(a["file"]).stem != a["id"] for a in report.analysts)
    # the issues column only when an analyst is silent on one (its issue is then forecast from the others' views)
    issues = any(report.silent.get(a["id"], {}).get("issues") for a in report.analysts)
    t = Table(title="Pooled views: who covered what")
    for c in ("analyst", *(["file"] if files else []), "weight", *(["silent on issues"] if issues else []),
              "silent on actors", "silent on stances"):
        t.add_column(c, justify="right" if c == "weight" else "left")
    for a in report.analysts:
        s = report.silent.get(a["id"], {})
        t.add_row(a["id"], *([a.get("file") or ""] if files else []), f"{a['weight'] / total:.2f}",
                  *([", ".join(s.get("issues", [])) or "-"] if issues else []),
                  ", ".join(s.get("actors", [])) or "-", ", ".join(s.get("stances", [])) or "-")
    tables = [t]
    if report.differences:
        d = Table(title="Differences in texts and structure (the first analyst's kept)")
        d.add_column("what")
        for line in report.differences:
            d.add_row(line)
        tables.append(d)
    return tables
