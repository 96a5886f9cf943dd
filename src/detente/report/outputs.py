"""Write a run's outputs to a folder, atomically: result.json, positions.csv, PNGs, report.html.

Everything is built in a temporary sibling folder first. When the target folder does not exist
the temporary folder is renamed onto it in one step; otherwise each finished file replaces its
namesake with :func:`os.replace`. An interruption or an error while building leaves the target
untouched (the temporary folder is removed).

>>> import tempfile, pathlib
>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 80}]})
>>> with tempfile.TemporaryDirectory() as d:
...     written = write_outputs(pathlib.Path(d) / "out", s, [run(s, "mean")])
...     sorted(written)
['issue-x.png', 'positions.csv', 'report.html', 'result.json']
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from detente import jsontext
from detente.csvsafe import csv_text
from detente.report.html import render_html
from detente.report.summary import input_band, model_point, run_record, shows_deal_terms
from detente.report.tables import model_label
from detente.report.workers import FigureWorkers, WorkerError
from detente.result import Result
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import staged_folder, write_file
from detente.scenario.model import Scenario

CSV_COLUMNS = ["model", "issue", "actor", "round", "quantity", "value"]
INPUT_MODEL = "input"


def result_json(scenario: Scenario, results: list[Result], full: bool = True) -> str:
    """``{"scenario", "input_sha256", "summary", "war", "results": [Result.to_dict(full), ...]}``
    as JSON text - the shape of ``detente run --format json`` (:func:`~detente.report.summary.run_record`)."""
    return jsontext.dumps(run_record(scenario, results, full=full)) + "\n"


def _num(v: float) -> str:
    return "" if not math.isfinite(v) else f"{v:.10g}"


def positions_rows(scenario: Scenario, results: list[Result]) -> list[list[str]]:
    """Tidy rows ``model, issue, actor, round, quantity, value``.

    * ``model = "input"``: each actor's point position, salience and capability per issue (actors
      with a stance), and the status quo (``actor`` empty);
    * per result: ``forecast`` (median over draws), ``p10``/``p90`` with draws (input uncertainty)
      and ``interval_low``/``interval_high`` (the calibrated forecast interval, when there is one), per issue;
      for the war model these pool every ending (see its note), and ``forecast_given_deal``,
      ``p10_given_deal``/``p90_given_deal`` are the terms given a deal, the numbers its tables show;
      for models with rounds each round's ``position`` per actor (one draw) and the named series
      per round (``<name>`` with one draw, ``<name>_p10``/``_median``/``_p90`` with draws).
    """
    arr = ScenarioArrays.from_scenario(scenario)
    rows: list[list[str]] = []
    for k, issue in enumerate(scenario.issues):
        for j, actor in enumerate(scenario.actors):
            if not arr.present[k, j]:
                continue
            for q, a in (("position", arr.position), ("salience", arr.salience), ("capability", arr.capability)):
                rows.append([INPUT_MODEL, issue.id, actor.id, "", q, _num(float(a[0, k, j]))])
        if issue.status_quo is not None:
            rows.append([INPUT_MODEL, issue.id, "", "", "status_quo", _num(issue.status_quo)])
    for r in results:
        name = model_label(r)
        t = r.trajectory
        iv = input_band(r)  # p10/p90: the input uncertainty over draws
        fi = r.interval  # the calibrated forecast interval, when the model has a calibration
        deal_terms = shows_deal_terms(r)  # the war model: its tables show the terms given a deal
        for issue in r.issue_ids:
            rows.append([name, issue, "", "", "forecast", _num(r.forecast[issue])])
            if iv:
                rows.append([name, issue, "", "", "p10", _num(iv[issue][0])])
                rows.append([name, issue, "", "", "p90", _num(iv[issue][1])])
            if fi and fi.get(issue):
                rows.append([name, issue, "", "", "interval_low", _num(fi[issue][0])])
                rows.append([name, issue, "", "", "interval_high", _num(fi[issue][1])])
            if deal_terms:
                f, band, _ = model_point(r, issue)
                if f is not None:
                    rows.append([name, issue, "", "", "forecast_given_deal", _num(f)])
                    if band and r.draws > 1:
                        rows.append([name, issue, "", "", "p10_given_deal", _num(band[0])])
                        rows.append([name, issue, "", "", "p90_given_deal", _num(band[1])])
        n_rounds = None
        if t.positions is not None or t.series:
            shape = t.positions.shape if t.positions is not None else next(iter(t.series.values())).shape
            n_rounds = shape[1] - 1
            if t.rounds is not None and np.size(t.rounds):
                n_rounds = min(n_rounds, int(np.max(t.rounds)))
        if t.positions is not None and r.draws == 1 and n_rounds is not None:
            for k, issue in enumerate(r.issue_ids):
                ki = scenario.issue_ids.index(issue)
                for j, actor in enumerate(r.actor_ids):
                    if not arr.present[ki, scenario.actor_ids.index(actor)]:
                        continue
                    for rnd in range(n_rounds + 1):
                        rows.append([name, issue, actor, str(rnd), "position", _num(float(t.positions[0, rnd, k, j]))])
        if t.series and n_rounds is not None:
            for sname, by_issue in r.series_summary().items():
                for issue, s in by_issue.items():
                    for rnd in range(n_rounds + 1):
                        if r.draws == 1:
                            v = s["median"][rnd]
                            rows.append([name, issue, "", str(rnd), sname, _num(math.nan if v is None else v)])
                        else:
                            for q in ("p10", "median", "p90"):
                                v = s[q][rnd]
                                rows.append([name, issue, "", str(rnd), f"{sname}_{q}",
                                             _num(math.nan if v is None else v)])
    return rows


def positions_csv(scenario: Scenario, results: list[Result]) -> str:
    """``positions.csv``: :func:`positions_rows` with the issue's and the actor's names in two last
    columns, text cells guarded against spreadsheet formulas (:mod:`detente.csvsafe`)."""
    issues = {i.id: i.label for i in scenario.issues}
    actors = {a.id: a.label for a in scenario.actors}
    rows = [[*row, issues.get(row[1], ""), actors.get(row[2], "")] for row in positions_rows(scenario, results)]
    return csv_text([*CSV_COLUMNS, "issue_name", "actor_name"], rows)  # the names too: a spreadsheet reads "SPD"


def write_outputs(out_dir: Path, scenario: Scenario, results: list[Result], *, full: bool = True,
                  extra_figures: list[tuple[str, str, Any]] | None = None,
                  workers: FigureWorkers | None = None) -> dict[str, Path]:
    """Write ``result.json``, ``positions.csv``, one PNG per figure and ``report.html`` into
    ``out_dir`` atomically; return ``{file name: final path}``.

    ``extra_figures`` are (file-name stem, title, Figure) added after the model figures, e.g. the
    ranked sensitivity charts of ``detente run --sensitivity``. ``workers``
    (:func:`detente.report.workers.start`) render the model figures in other processes while this
    one writes the data files; should they fail, this process renders them (``workers.error`` says
    why). Each figure is rendered once; report.html embeds the PNG bytes that were written.
    Results of another scenario are refused before anything is written."""
    from detente.result import check_results

    check_results(scenario, results)
    out_dir = Path(out_dir)
    names: list[str] = []
    with staged_folder(out_dir) as tmp:

        def put(name: str, data: bytes) -> None:
            write_file(tmp / name, data)
            names.append(name)

        if workers is not None:
            workers.submit(scenario, results)
            workers.explained(results)  # the figures that need the explanations, while we write the data
        put("result.json", result_json(scenario, results, full=full).encode("utf-8"))
        put("positions.csv", positions_csv(scenario, results).encode("utf-8"))
        pngs = _model_pngs(scenario, results, workers)
        if extra_figures:
            from detente.report.plots import png_bytes

            pngs += [(stem, title, png_bytes(fig)) for stem, title, fig in extra_figures]
        for stem, _, data in pngs:
            put(f"{stem}.png", data)
        put("report.html", render_html(scenario, results, pngs).encode("utf-8"))
    return {n: out_dir / n for n in names}


def _model_pngs(scenario: Scenario, results: list[Result],
                workers: FigureWorkers | None) -> list[tuple[str, str, bytes]]:
    """``(stem, title, PNG bytes)`` of :func:`~detente.report.plots.figures_for`: from the workers,
    else (none, or they failed) rendered here."""
    if workers is not None:
        try:
            return workers.collect(scenario, results)
        except WorkerError:
            pass
    from detente.report.plots import figures_for, png_bytes  # matplotlib, only when drawing here

    return [(stem, title, png_bytes(fig)) for stem, title, fig in figures_for(scenario, results)]
