"""``detente pool``: several analysts' views into one pooled scenario (see :mod:`.merge`).

Reads the files, calls :func:`detente.pool.merge.pool_scenarios`, writes the pooled scenario
(validated YAML, atomically) and prints the coverage report; computes nothing itself.
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import json
from pathlib import Path
from typing import Any, Optional

import typer

from detente.cli_common import TableOrJson
from detente.errors import InputError


def pool_command(
    scenarios: list[Path] = typer.Argument(..., metavar="SCENARIO...", show_default=False,
                                           help="Two or more views (scenario files) of the same actors and issues."),
    weights: Optional[str] = typer.Option(None, "--weights", "-w", metavar="W1,W2,...",
                                          help="One positive weight per view (default: equal)."),
    analysts: Optional[str] = typer.Option(None, "--analysts", "-a", metavar="ID1,ID2,...",
                                           help="Analyst ids, one per view (default: each file's `analyst`, "
                                                "else its file name without suffix)."),
    out_file: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                            help="Write the pooled scenario (YAML) to this file."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the pooled scenario."),
    fmt: TableOrJson = "table",
) -> None:
    """Pool several analysts' views into one scenario: every number becomes the weighted mixture
    (linear pool) of the analysts' values; prints who covered what."""
    from detente.cli import _load, err, out
    from detente.pool.merge import pool_scenarios

    if len(scenarios) < 2:
        raise typer.BadParameter("give at least two scenario files to pool", param_hint="'SCENARIO...'")
    w = _numbers(weights) if weights is not None else None
    ids = [a.strip() for a in analysts.split(",")] if analysts is not None else None
    views = [_load(p) for p in scenarios]
    pooled, report = pool_scenarios(views, analysts=ids, weights=w, files=[str(p) for p in scenarios], name=name)
    if out_file is not None:
        from detente.scenario.io import save

        save(pooled, out_file, "yaml")
        err.print(f"wrote {out_file}")
    if fmt == "json":
        print(json.dumps({"scenario": pooled.name, "out": None if out_file is None else str(out_file),
                          **report.to_dict()}, indent=2, ensure_ascii=False))
        return
    for t in coverage_tables(report):
        out.print(t)
    if out_file is None:
        err.print("note: give --out FILE to write the pooled scenario")


def _numbers(text: str) -> list[float]:
    vals = []
    for part in text.split(","):
        try:
            vals.append(float(part))
        except ValueError:
            raise InputError.one(None, "weights must be numbers separated by commas, e.g. 2,1,1",
                                 field="--weights", value=text) from None
    return vals


def coverage_tables(report: Any) -> list[Any]:
    """Rich tables of a :class:`~detente.pool.merge.CoverageReport`: the analysts and what each is
    silent on, then the differences resolved by taking the first analyst's text."""
    from rich.markup import escape
    from rich.table import Table

    total = sum(a["weight"] for a in report.analysts) or 1.0
    t = Table(title="Pooled views: who covered what")
    for c in ("analyst", "file", "weight", "silent on actors", "silent on stances"):
        t.add_column(c, justify="right" if c == "weight" else "left")
    for a in report.analysts:
        s = report.silent.get(a["id"], {})
        t.add_row(escape(a["id"]), escape(a.get("file") or ""), f"{a['weight'] / total:.2f}",
                  escape(", ".join(s.get("actors", [])) or "-"), escape(", ".join(s.get("stances", [])) or "-"))
    tables = [t]
    if report.differences:
        d = Table(title="Differences in texts and structure (the first analyst's kept)")
        d.add_column("what")
        for line in report.differences:
            d.add_row(escape(line))
        tables.append(d)
    return tables
