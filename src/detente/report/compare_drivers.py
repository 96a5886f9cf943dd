"""Which inputs make two views' forecasts differ: one input at a time.

For each later view and each model, the first view and that view are pooled (equal weights) and
every input on which their central values differ is set to the first view's value, then to the
other's, every other input at the pair's pooled central value, all in one model call
(:func:`detente.pool.variance.disagreement`). The input's ``effect`` on an issue is the forecast
with the later view's value minus the forecast with the first's: how far that one number moves
the forecast. One at a time: interactions are ignored, so the effects need not add up to the
difference between the views' forecasts.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> def view(name, pos_b, cap_b):
...     return Scenario.model_validate({"name": name, "actors": [{"id": "A", "capability": 1},
...         {"id": "B", "capability": cap_b}], "issues": [{"id": "x"}],
...         "stances": [{"actor": "A", "issue": "x", "position": 0}, {"actor": "B", "issue": "x", "position": pos_b}]})
>>> views = [view("mine", 60, 1), view("yours", 100, 1)]
>>> d = comparison_drivers(views, [[run(v, "mean")] for v in views])
>>> top = d["views"][0]["models"]["mean"]["x"][0]
>>> top["label"], top["first"], top["this"], top["effect"]  # 0.5 * 80 -> 0.5 * 100
('position of B on x', 60.0, 100.0, 20.0)
"""

from __future__ import annotations

from typing import Any

from detente.errors import InputError
from detente.result import Result
from detente.scenario.model import Scenario

TOP = 3  # inputs named per issue
METHOD = ("one input at a time: each input whose central values differ between the first view and this one is "
          "set to the first view's value and to this view's, every other input at the two views' pooled central "
          "value; effect = forecast with this view's value - forecast with the first's (interactions ignored, so "
          "the effects need not add up to the difference)")


def comparison_drivers(scenarios: list[Scenario], results: list[list[Result]], top: int = TOP) -> dict[str, Any]:
    """``{"method", "views": [{"view", "models": {model: {issue id: [input, ...]}} | None, "note"}]}``,
    one entry per view after the first; each input ``{"label", "first", "this", "effect"}``,
    the largest effects first. ``models`` is ``None`` (and ``note`` says why) when the two views
    cannot be pooled for it."""
    from detente.pool.merge import pool_scenarios
    from detente.pool.variance import NO_DEAL_AT_POINTS, disagreement
    from detente.report.compare import view_names

    names = view_names(scenarios)
    out: list[dict[str, Any]] = []
    for k in range(1, len(scenarios)):
        pair, ids = [scenarios[0], scenarios[k]], ["first", "this"]
        entry: dict[str, Any] = {"view": names[k], "models": None, "note": None}
        try:
            try:
                pooled, _ = pool_scenarios(pair, analysts=ids)
            except InputError as e:
                if "war blocks" not in str(e):
                    raise
                pooled, _ = pool_scenarios(pair, analysts=ids, war_from="first")
                entry["note"] = "the war blocks differ in structure: their numbers are not among the inputs"
        except InputError as e:
            entry["note"] = f"the two views cannot be set side by side input by input: {e}"
            out.append(entry)
            continue
        models: dict[str, Any] = {}
        for r in results[0]:
            found = disagreement(pooled, r, top=max(top * 4, 10))
            models[r.model] = {iid: _ranked(rows, top) for iid, rows in found.items()}
            if r.model == "war" and not any(models[r.model].values()):
                entry["note"] = "; ".join(x for x in (entry["note"], f"war: {NO_DEAL_AT_POINTS}") if x)
        entry["models"] = models
        out.append(entry)
    return {"method": METHOD, "views": out}


def _ranked(rows: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    moved = []
    for d in rows:
        f, v = d["forecast"], d["values"]
        if "first" not in f or "this" not in f:
            continue
        moved.append({"label": d["label"], "first": v["first"], "this": v["this"],
                      "effect": round(f["this"] - f["first"], 6)})
    moved.sort(key=lambda d: (-abs(d["effect"]), d["label"]))
    return [d for d in moved[:top] if d["effect"] != 0]


def _value(v: Any) -> str:
    """An input's value as a reader writes it: 0.65, 42, 1.5e+03."""
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def driver_rows(scenarios: list[Scenario], drivers: dict[str, Any], model: str) -> list[tuple[str, list[list[str]]]]:
    """Per later view: its name and the rows (issue, input, first view's value, this view's, the
    effect on the forecast in the issue's units) of ``model``."""
    from detente.report.tables import fmt

    out = []
    for entry in drivers["views"]:
        per = (entry["models"] or {}).get(model)
        if per is None:
            continue
        rows = []
        for issue in scenarios[0].issues:
            for n, d in enumerate(per.get(issue.id, [])):
                effect = fmt(d["effect"], issue)
                label = d["label"].removesuffix(f" on {issue.label}")  # the issue is the row's
                rows.append([issue.label if n == 0 else "", label, _value(d["first"]), _value(d["this"]),
                             effect if effect.startswith("-") else "+" + effect])
        out.append((entry["view"], rows))
    return out


def drivers_tables(scenarios: list[Scenario], drivers: dict[str, Any]) -> list[Any]:
    """Rich tables of :func:`comparison_drivers` for the first model that has any (the JSON holds
    every model): per later view, the inputs that move each issue's forecast most."""
    from detente.consoles import Table
    from detente.report.compare import view_names

    models = list(dict.fromkeys(m for e in drivers["views"] for m in (e["models"] or {})))
    first = view_names(scenarios)[0]
    tables = []
    for model in models:
        for view, rows in driver_rows(scenarios, drivers, model):
            if not rows:
                continue
            more = " (the other models: --format json)" if len(models) > 1 else ""
            t = Table(title=f"What makes {view} differ from {first} ({model}): the inputs that move each "
                            "forecast most, one at a time", title_justify="left",
                      caption="effect: how far the forecast moves when this one input takes this view's value "
                              f"instead of the first's, every other input between the two views{more}",
                      caption_justify="left")
            for c, j in (("issue", "left"), ("input", "left"), ("first view", "right"), ("this view", "right"),
                         ("effect", "right")):
                t.add_column(c, justify=j)
            for r in rows:
                t.add_row(*r)
            tables.append(t)
        if tables:
            return tables
    notes = [f"{e['view']}: {e['note']}" for e in drivers["views"] if e["note"]]
    return [Table(title="What makes the views differ: " + "; ".join(notes))] if notes else []
