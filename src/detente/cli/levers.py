"""``detente levers``: what single change of one actor would move the forecast (see :mod:`.levers`).

Reads files, calls :func:`detente.explain.levers.levers`, prints; computes nothing itself.
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from detente.cli.common import (
    DEFAULT_SEED, InputFormat, ModelOptions, as_options, Seed, TableOrJson, Variants, out_option, parse_variants, resolve_models,
    scenario_argument,
)
from detente.progress import progress_bar


def levers_command(
    scenario: Path = scenario_argument(),
    model: str = typer.Option("mean", "--model", "-m", callback=resolve_models,
                              help="Model to run (every candidate is a full run; see `detente models`)."),
    issue: str = typer.Option(..., "--issue", "-i", help="Issue whose forecast should move."),
    target: Optional[float] = typer.Option(None, "--target", "-t", help="Forecast value to reach: for each "
                                           "actor the smallest change of its position, salience or capability "
                                           "that gets there."),
    actor: Optional[str] = typer.Option(None, "--actor", "-a", help="Actor to advise: the position (and salience) "
                                        "to announce to bring the outcome closest to its own position."),
    draws: Optional[int] = typer.Option(None, "--draws", "-n", min=1, max=1_000_000, metavar="N",
                                        help="Monte Carlo draws per candidate (default 100; smp, exchange 20; war 50)."),
    seed: Seed = DEFAULT_SEED,
    option: ModelOptions = [],
    variant: Variants = [],
    fmt: TableOrJson = "table",
    out_dir: Annotated[Optional[Path], out_option("Write levers.json into this folder.")] = None,
    input_format: InputFormat = None,
    others_fixed: bool = typer.Option(False, "--others-fixed", help="bdm only, for comparison: hold the other "
                                      "actors where the unchanged run left them instead of letting them respond."),
) -> None:
    """What would it take? The smallest change of one actor that moves the forecast on an issue to a
    target, or the stance an actor should announce - with every other actor responding through the model."""
    from detente.cli.commands import err, out, parse_options
    from detente.explain.levers import FLAGS, check_request, levers
    from detente.scenario.io import load

    s = load(scenario, input_format)
    from detente.models import registry

    name = registry.get(model).name
    with as_options(FLAGS):
        check_request(s, issue, target, actor)
    opts = parse_options(option, [name])[name]
    chosen = parse_variants(variant, [name])[name]  # MODEL=VARIANT or VARIANT, as in `run`
    with progress_bar("searching", enabled=fmt != "json", unit="candidates") as progress, as_options(FLAGS):
        res = levers(s, name, issue, target=target, actor=actor, draws=draws, seed=seed, options=opts,
                     variant=chosen, respond=not others_fixed, progress=progress)
    if out_dir is not None:
        from detente.scenario.io import atomic_write_text

        atomic_write_text(out_dir / "levers.json", json.dumps(res, indent=2) + "\n")
        err.print(f"wrote {out_dir / 'levers.json'}", markup=False, soft_wrap=True)
    if fmt == "json":
        print(json.dumps(res, indent=2))
        return
    for t in levers_tables(res, width=out.width, scenario=s):
        out.print(t)


def levers_tables(res: dict[str, Any], width: int | None = None, scenario: Any = None) -> list[Any]:
    """Rich tables of a :func:`levers` answer; the numbers and ranges never wrap, the headers take
    two or three lines (``width`` is the console's, as in :func:`detente.report.tables.forecast_tables`).
    With the ``scenario``, actors and the issue are named as in ``detente run``, and forecasts
    have the issue's decimals (:func:`detente.report.tables.fmt`); the JSON keeps ids and full values.

    >>> res = {"issue": "x", "target": 30.0, "model": "mean", "forecast_now": 35.1, "interval_now": [32.2, 39.2],
    ...        "others_respond": True, "size_of_change": "relative change", "tolerance": 0.5, "levers": [
    ...        {"rank": 1, "actor": "A", "attribute": "capability", "from": 85.0, "to": 45.18, "size": 0.132,
    ...         "forecast": 30.5, "interval": [27.77, 34.85], "reaches_target": True}]}
    >>> from detente.report.tables import render_text
    >>> text = render_text(levers_tables(res, width=100), width=100)
    >>> "capability 85.00 \u2192 45.18" in " ".join(text.replace("\u2502", " ").split()), "27.8\u201334.9" in text
    (True, True)
    """
    from detente.consoles import Table
    from detente.report.tables import BAND_HEADER, DASH, NARROW, fmt, stacked

    lines = 3 if width is not None and width < NARROW else 2
    issue = scenario.issue(res["issue"]) if scenario is not None and res.get("issue") else None

    def name(actor_id: str) -> str:
        return scenario.actor(actor_id).label if scenario is not None else actor_id

    def num(v: float) -> str:  # a forecast, on the issue's scale
        return fmt(v, issue)

    def iv(v: Any) -> str:
        return "" if not v else f"{num(v[0])}{DASH}{num(v[1])}"

    where = res.get("issue", "")
    if issue is not None and issue.label != issue.id:
        where = f"{issue.label} [{issue.id}]"
    given = f" given {res['given']}" if res.get("given") else ""  # war: the terms of the draws with a deal
    over = f" over {res['draws']:,} draws" if res.get("draws", 1) > 1 else ""  # a run's own figure may differ by noise
    now = (f"now {num(res['forecast_now'])}{given}" + (f" ({iv(res['interval_now'])})" if res.get("interval_now") else "")
           + over)
    if res.get("forecast_now") is None:  # war: too few deals to read their terms from
        now = f"no forecast now{given}"
    tables = []
    if res.get("war"):
        w = res["war"]
        t = Table(title=f"War inputs: where P(deal within {w['months']} months) passes {w['threshold']:g} "
                        f"(now {w['p_deal_now']:.2f}, \u00b1 {w['noise']:.2f} Monte Carlo noise)", title_justify="left")
        t.add_column("input")
        for c in ("value now", "passes at", "P at lowest", "P at highest", "range searched"):
            t.add_column(stacked(c, lines), justify="right", no_wrap=True)
        for row in w["inputs"]:
            t.add_row(row["label"], f"{row['value']:.4g}",
                      "-" if row["passes_threshold_at"] is None else f"{row['passes_threshold_at']:.4g}",
                      f"{row['p_deal_at_lowest']:.2f}", f"{row['p_deal_at_highest']:.2f}",
                      f"{row['range'][0]:.4g}{DASH}{row['range'][1]:.4g}")  # a war input's own scale, not the issue's
        tables.append(t)
    if "levers" in res:
        how = "others respond through the model" if res["others_respond"] else "OTHERS HELD FIXED"
        title = f"What would move {where} to {res['target']:g} ({res['model']}, {now}; {how})"
        if not res["levers"]:  # no single change moves it toward the target: said so, no table of non-changes
            t = Table(title=title, title_justify="left", show_header=False)
            t.add_column("no lever", overflow="fold")
            t.add_row(res.get("message") or "no single change moves the forecast toward the target")
            return [t, *tables]
        t = Table(title=title, title_justify="left")
        t.add_column("#", justify="right", no_wrap=True)  # the rank
        t.add_column("actor", overflow="fold")  # a long id folds onto the next line, never cut
        t.add_column("change", overflow="fold")
        t.add_column("size", justify="right", no_wrap=True)
        t.add_column(stacked("forecast then", lines), justify="right", no_wrap=True)
        t.add_column(stacked(BAND_HEADER, lines), no_wrap=True)
        t.add_column(stacked("reaches the target", lines))
        decimals = _change_decimals(res["levers"], issue)
        for row in res["levers"]:
            t.add_row(str(row["rank"]), name(row["actor"]),
                      f"{row['attribute']} {change_text(row['from'], row['to'], decimals.get(row['attribute']))}",
                      size_text(row["size"]), num(row["forecast"]), iv(row["interval"]),
                      "yes" if row["reaches_target"] else "no, nearest")
        caption = "size: " + res["size_of_change"]
        if given:
            caption = (f"forecast: the terms{given} (the median over the draws that end in one, as in "
                       "detente run's bottom line); " + caption)
        if res.get("tolerance") is not None:
            caption += f"; reaches the target: the forecast is within {res['tolerance']:g} of it"
        if not all(row["reaches_target"] for row in res["levers"]):
            caption += "; no, nearest: the change that brings the forecast nearest the target, short of it"
        if res.get("no_lever"):
            caption += ("; no change moves the forecast toward the target: "
                        + ", ".join(f"{name(x['actor'])} {x['attribute']}" for x in res["no_lever"]))
        t.caption = caption
        t.caption_justify = "left"
        return [t, *tables]
    t = Table(title=f"What {name(res['actor'])} should announce on {where} ({res['model']}, {now}); "
                    f"its ideal: {num(res['ideal'])}", title_justify="left",
              caption=f"forecast: the terms{given} (the median over the draws that end in one)" if given else None,
              caption_justify="left")
    t.add_column("what it announces", overflow="fold")
    for c in ("position", "salience", "forecast"):
        t.add_column(c, justify="right", no_wrap=True)
    t.add_column(stacked(BAND_HEADER, lines), no_wrap=True)
    t.add_column(stacked("distance to ideal", lines), justify="right", no_wrap=True)
    t.add_column("gain", justify="right", no_wrap=True)
    for label, key in (("its ideal, in every draw", "announce_ideal"), ("best position", "best_at_present_salience"),
                       ("best position and salience", "best")):
        row = res[key]
        t.add_row(label, num(row["position"]), f"{row['salience']:.3g}", num(row["forecast"]),
                  iv(row["interval"]), num(row["distance_to_ideal"]),
                  DASH if row["gain"] is None else ("+" if row["gain"] >= 0 else "") + num(row["gain"]))
    return [t, *tables]


def change_text(old: float, new: float, decimals: int | None = None) -> str:
    """``old → new`` with ``decimals`` decimals (``None``: 4 significant digits), more when the
    change would otherwise print as none.

    >>> change_text(85.0, 45.18), change_text(85.0, 85.0012), change_text(20.0, 0.4545, 1)
    ('85 → 45.18', '85 → 85.001', '20.0 → 0.5')
    >>> change_text(0.65, 0.6502, 3)
    '0.6500 → 0.6502'
    """
    for extra in range(9):
        if decimals is None:
            a, b = f"{old:.{4 + extra}g}", f"{new:.{4 + extra}g}"
        else:
            a, b = f"{old:.{decimals + extra}f}", f"{new:.{decimals + extra}f}"
        if a != b or old == new:
            break
    return f"{a} → {b}"


def _change_decimals(levers: list[dict[str, Any]], issue: Any) -> dict[str, int]:
    """Decimals of the changes by attribute: a position in its issue's (as ``detente run`` prints
    it), a salience in 3 (a 0-1 scale), capabilities alike in the whole table (their own scale, read
    off the largest value shown).

    >>> _change_decimals([{"attribute": "capability", "from": 85.0, "to": 220.4}], None)
    {'salience': 3, 'capability': 1}
    """
    from detente.scenario.model import decimals_for

    out = {"salience": decimals_for(1.0)}
    caps = [abs(v) for row in levers if row["attribute"] == "capability" for v in (row["from"], row["to"])]
    if caps:
        out["capability"] = decimals_for(max(caps))
    if issue is not None:
        out["position"] = decimals_for(issue.scale.max - issue.scale.min)
    return out


def size_text(size: float) -> str:
    """The size of a change, 3 decimals; a nonzero size below 0.0005 in 2 significant digits, not 0.000.

    >>> size_text(0.132), size_text(0.0), size_text(0.00039)
    ('0.132', '0.000', '0.00039')
    """
    return f"{size:.3f}" if size == 0 or size >= 0.0005 else f"{size:.2g}"
