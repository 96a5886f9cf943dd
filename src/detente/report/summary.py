"""The bottom line: one answer per issue, how sure it is, and whether the models agree.

Presentation logic over finished :class:`~detente.result.Result` objects - pure functions, no
model runs. For every issue, :func:`bottom_line` picks the leading forecast, names its nearest
anchor in words, gives its interval under the right name, and measures how far the models' own
forecasts lie apart:

* **which forecast leads**: the ``synthesis`` model when it was run (it combines model
  forecasts with weights fitted on DEU III, the design chosen out of sample); for a scenario with
  a ``war:`` block and a ``war`` run, the war model's terms *given a deal* (coercive bargaining,
  where weights learned on EU legislation do not apply); otherwise the first model given, and the line says so;
* **two names for two things**: a *forecast interval* is calibrated - it combines the input
  uncertainty with the model error learned from backtest residuals and says on what data and
  with what out-of-sample coverage; the band over Monte Carlo draws alone is *input uncertainty*
  and is never called a forecast interval;
* **agreement**: the spread (max - min) of the models' forecasts; the models agree when it is at
  most :data:`AGREE_SHARE` of the issue's scale.

The war model's row never pools deals with military victories: its forecast here is the median of
the terms over the draws that end in a deal (:func:`model_point`).

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
...     "issues": [{"id": "x", "anchors": {0: "none", 50: "half", 100: "all"}}],
...     "stances": [{"actor": "A", "issue": "x", "position": 20}, {"actor": "B", "issue": "x", "position": 50},
...                 {"actor": "C", "issue": "x", "position": 60}]})
>>> line = bottom_line(s, [run(s, "mean"), run(s, "median")])["x"]
>>> line["lead"], line["forecast"], line["label"], line["agreement"], line["verdict"]
('mean', 43.333333, 'half', 'agree', 'models agree (spread 7)')
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from detente.result import Result, acting_model, check_results  # noqa: F401  (re-exported: report.summary.check_results)
from detente.scenario.model import Issue, Scenario

SYNTHESIS = "synthesis"
WAR = "war"
AGREE_SHARE = 0.10  # models agree when their forecasts lie within 10 % of the scale
INPUT_BAND_TEXT = "input uncertainty (p10\u2013p90 over draws)"
DEAL_BAND_TEXT = "input uncertainty given a deal (p10\u2013p90 over the draws with a deal)"
NO_DEAL_OUTCOME = "no draw ends in a deal: the war's outcome"
FORECAST_INTERVAL = "forecast_interval"
INPUT_UNCERTAINTY = "input_uncertainty"


# -- the two kinds of interval ------------------------------------------------------------------


def input_band(r: Result) -> dict[str, list[float]] | None:
    """The band over draws (p10, p90) per issue - input uncertainty, not a forecast interval."""
    return r.input_band


def forecast_interval(r: Result) -> dict[str, list[float]] | None:
    """The calibrated forecast interval per issue, or ``None`` when the model has no calibration."""
    return r.interval


def calibration(r: Result) -> dict[str, Any] | None:
    """The calibration record of ``r`` (coverage out of sample, level, data), or ``None``."""
    c = getattr(r, "calibration", None)
    return dict(c) if c else None


def calibration_text(cal: Mapping[str, Any] | None) -> str:
    """``forecast interval (calibrated on DEU III, coverage 80 %)``.

    >>> calibration_text({"data": "DEU III", "coverage_oos": 0.7952, "level": 0.8})
    'forecast interval (calibrated on DEU III, coverage 80 %)'
    """
    cal = cal or {}
    data = str(cal.get("data") or "DEU III").split(" (")[0]  # "DEU III (deu3_blksv.tsv)" -> "DEU III"
    cov = cal.get("coverage_oos", cal.get("coverage"))
    text = f"calibrated on {data}"
    if isinstance(cov, (int, float)) and math.isfinite(cov):
        text += f", coverage {100 * cov:.0f} %"
    return f"forecast interval ({text})"


def calibration_scope(cal: Mapping[str, Any] | None) -> str:
    """Where a forecast interval's coverage was measured, and where it was not: said once under the
    bottom line, so that "coverage 79 %" is not read as measured on the scenario at hand.

    >>> print(calibration_scope({"data": "DEU III (deu3_blksv.tsv)", "coverage_oos": 0.7949, "n_issues": 351}))
    forecast interval: the input uncertainty widened by the model's errors on 351 EU legislative decisions (DEU III), where its 80 % intervals held 79 % of the outcomes out of sample (with point inputs); on other kinds of negotiation its coverage is not measured
    """
    cal = cal or {}
    data = str(cal.get("data") or "DEU III").split(" (")[0]
    n = cal.get("n_issues")
    where = f"{n} EU legislative decisions ({data})" if data == "DEU III" and n else data
    cov = cal.get("coverage_oos", cal.get("coverage"))
    level = cal.get("level", 0.8)
    held = (f", where its {100 * level:.0f} % intervals held {100 * cov:.0f} % of the outcomes out of sample "
            "(with point inputs)" if isinstance(cov, (int, float)) and math.isfinite(cov) else "")
    return (f"forecast interval: the input uncertainty widened by the model's errors on {where}{held}; "
            "on other kinds of negotiation its coverage is not measured")


def interval_scope(entries: Any) -> str | None:
    """The one :func:`calibration_scope` sentence of a bottom line's entries (``None`` when no issue
    has a forecast interval): the terminal and the report say it once, under the table."""
    return next((e["interval"]["scope"] for e in entries if e["interval"] and e["interval"].get("scope")), None)


# -- one model's point on an issue ----------------------------------------------------------------


def model_point(r: Result, issue_id: str) -> tuple[float | None, list[float] | None, str]:
    """``(forecast, band, note)`` of one model on one issue, as the bottom line shows it.

    For the war model: the median of the terms over the draws that end in a deal and their
    p10-p90, note ``"given a deal"`` (``None`` when no draw ends in a deal; the synthesis then gives
    the war's outcome, note :data:`NO_DEAL_OUTCOME`, no band). For every other model: the forecast
    (median over draws) and its input band, note ``""``."""
    if war_led(r):  # the synthesis on a war scenario: its forecast is already the terms given a deal
        f = r.forecast.get(issue_id)
        band = input_band(r)
        from detente.models.synthesis import OUTCOME_BASIS

        if r.trajectory.extras["synthesis"].get("basis") == OUTCOME_BASIS:  # no deal in any draw
            return f, None, NO_DEAL_OUTCOME
        if f is None or not math.isfinite(f):
            return None, None, "given a deal (no draw ends in a deal)"
        return f, (band or {}).get(issue_id), "given a deal"
    if shows_deal_terms(r):
        from detente.models.war.endings import terms_given_deal

        t = terms_given_deal(r.trajectory.extras, issue_id)
        if not t:
            return None, None, "given a deal (no draw ends in a deal)"
        return t["p50"], [t["p10"], t["p90"]], "given a deal"
    f = r.forecast.get(issue_id)
    band = input_band(r)
    return (None if f is None or not math.isfinite(f) else f), (band or {}).get(issue_id), ""


def shows_deal_terms(r: Result) -> bool:
    """Whether the tables show ``r`` as the war model's terms given a deal (:func:`model_point`),
    not as its forecast over every ending."""
    return r.model == WAR and "terms" in r.trajectory.extras


def war_led(r: Result) -> bool:
    """Whether ``r`` is a synthesis that led with the war model (a scenario with a ``war:`` block)."""
    return r.model == SYNTHESIS and acting_model(r) == WAR


def is_war(r: Result) -> bool:
    """The war model, or a synthesis led by it: shown as terms given a deal and named endings."""
    return (r.model == WAR or war_led(r)) and "outcome_probability" in r.trajectory.extras


def model_name(r: Result) -> str:
    """``model`` or ``model (variant)``."""
    return r.model if not r.variant else f"{r.model} ({r.variant})"


# -- which forecast leads -------------------------------------------------------------------------


def terms_lead(scenario: Scenario, results: list[Result]) -> bool:
    """Whether the bottom line's forecasts are the war model's terms given a deal (the war model, or
    a synthesis led by it, leads): then the war tables give P(deal) and the endings and leave the
    terms to the bottom line instead of printing them twice."""
    lead, _ = lead_result(scenario, results)
    return lead is not None and (lead.model == WAR or war_led(lead))


def lead_result(scenario: Scenario, results: list[Result]) -> tuple[Result | None, str]:
    """The result whose forecast leads the bottom line, and why (one sentence)."""
    if not results:
        return None, "no model was run"
    by_model = {r.model: r for r in results}
    if SYNTHESIS in by_model:
        syn = by_model[SYNTHESIS]
        info = syn.trajectory.extras.get("synthesis") or {}
        if war_led(syn):
            return syn, ("synthesis, led by the war model's terms given a deal: this scenario is coercive "
                         "bargaining (a war: block), where weights learned on EU legislation (DEU III) do not apply")
        why = "synthesis: model forecasts combined with weights fitted on DEU III (the design chosen out of sample)"
        weights = info.get("weights") or {}
        if weights:
            from detente.models.synthesis import component_label

            why += " (" + ", ".join(f"{component_label(k)}: weight {v:.2f}" for k, v in weights.items()) + ")"
        return syn, why
    if scenario.war is not None and WAR in by_model:
        return by_model[WAR], ("war model's terms given a deal: this scenario is coercive bargaining (a war: "
                               "block), where weights learned on EU legislation (DEU III) do not apply")
    first = results[0]
    why = f"{model_name(first)}: the first model given (the synthesis model, which combines the others, was not run)"
    return first, why


NO_DEAL_CAPTION = ("no terms to forecast: no draw ends in a deal within the horizon (P(deal) 0 %); the war "
                   "table gives how the wars end")
"""The bottom line's caption when the war model leads and none of its draws ends in a deal."""


def lead_caption(e: dict[str, Any]) -> str:
    """The sentence under the bottom line: what leads it and, for a war, the chance of a deal.

    >>> lead_caption({"lead_reason": "war model's terms given a deal", "p_deal": 0.0, "forecast": None})
    'no terms to forecast: no draw ends in a deal within the horizon (P(deal) 0 %); the war table gives how the wars end'
    """
    if e.get("p_deal") == 0 and e.get("forecast") is None:
        return NO_DEAL_CAPTION
    text = f"forecast: {e.get('lead_reason', '')}"
    if e.get("p_deal") is not None:
        from detente.words import pct

        text += f"; P(a deal within the horizon) {pct(e['p_deal'])}"
    return text


def component_points(results: list[Result], issue_id: str) -> tuple[dict[str, float | None], dict[str, str]]:
    """The models whose spread measures agreement, with their forecasts on one issue and notes:
    every result but the synthesis, plus the synthesis's own components that were not run."""
    points: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for r in results:
        if r.model == SYNTHESIS:
            continue
        v, _, n = model_point(r, issue_id)
        points[model_name(r)] = _r(v)
        if n:
            notes[model_name(r)] = n
    for r in results:
        comp = r.trajectory.extras.get("component_forecast") if r.model == SYNTHESIS else None
        for name, per_issue in (comp or {}).items():
            from detente.models.synthesis import component_label

            name = component_label(name)
            if name in points:
                continue
            v = float(np.asarray(per_issue, dtype=float)[r.issue_ids.index(issue_id)])
            points[name] = _r(v)
    return points, notes


# -- the bottom line ------------------------------------------------------------------------------


def _digits(issue: Issue) -> int:
    """Decimals for the short numbers of a verdict: 0 on a 0-100 scale."""
    span = issue.scale.max - issue.scale.min
    if not span > 0 or not math.isfinite(span):
        return 1
    return int(min(3, max(0, 2 - math.floor(math.log10(span)))))


def _short(v: float, issue: Issue) -> str:
    return f"{v:.{_digits(issue)}f}"


def _r(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 6)


def agreement(issue: Issue, points: Mapping[str, float | None]) -> tuple[str, float | None, str]:
    """``(verdict code, spread, sentence)`` over the models' forecasts on one issue.

    >>> from detente.scenario.model import Issue
    >>> agreement(Issue(id="x"), {"mean": 45.4, "median": 24.3, "bdm": 21.3})
    ('disagree', 24.1, 'models disagree: mean 45, median 24, bdm 21')
    >>> agreement(Issue(id="x"), {"mean": 45.4})
    ('single_model', None, 'agreement not measured: one model only, mean')
    >>> agreement(Issue(id="x"), {"mean": None, "median": None})
    ('no_forecast', None, 'no model gives a forecast here')
    """
    vals = {k: v for k, v in points.items() if v is not None and math.isfinite(v)}
    if not vals and points:
        return "no_forecast", None, "no model gives a forecast here"
    if len(vals) < 2:
        only = f", {next(iter(vals))}" if vals else ""
        return "single_model", None, f"agreement not measured: one model only{only}"
    spread = max(vals.values()) - min(vals.values())
    span = issue.scale.max - issue.scale.min
    if spread <= AGREE_SHARE * span:
        return "agree", round(spread, 6), f"models agree (spread {_short(spread, issue)})"
    listed = ", ".join(f"{k} {_short(v, issue)}" for k, v in vals.items())
    return "disagree", round(spread, 6), f"models disagree: {listed}"


def bottom_line(scenario: Scenario, results: list[Result]) -> dict[str, dict[str, Any]]:
    """Per issue id: the leading forecast with its anchor label, its interval and the kind of that
    interval, the input band, every model's forecast, their spread and the agreement verdict.

    Keys of each entry: ``issue``, ``issue_label``, ``lead``, ``lead_reason``, ``lead_note``,
    ``forecast``, ``label`` (of the nearest ``anchor``), ``interval`` (``{"low", "high", "kind", "text"}`` plus ``level``,
    ``coverage``, ``calibrated_on`` for a forecast interval; ``None`` without one), ``input_band``,
    ``models`` (model -> forecast; war given a deal), ``model_notes``, ``spread``, ``agreement``
    (``agree`` / ``disagree`` / ``single_model`` / ``no_forecast``), ``verdict`` (the sentence).
    Results of another scenario are refused (:func:`check_results`)."""
    check_results(scenario, results)
    lead, why = lead_result(scenario, results)
    out: dict[str, dict[str, Any]] = {}
    for issue in scenario.issues:
        entry: dict[str, Any] = {"issue": issue.id, "issue_label": issue.label,
                                 "lead": model_name(lead) if lead else None, "lead_reason": why}
        f, band, note = model_point(lead, issue.id) if lead else (None, None, "")
        if lead is not None and is_war(lead) and (f is None or note == NO_DEAL_OUTCOME):
            note = (note if f is not None else "no draw ends in a deal") + _likeliest_ending(scenario, lead)
        entry["lead_note"] = note
        if lead is not None and (lead.model == WAR or war_led(lead)):
            entry["p_deal"] = _r(lead.trajectory.extras.get("settlement_probability"))
        entry["forecast"] = _r(f)
        near = issue.nearest_anchor(f) if f is not None else None
        entry["label"] = near[1] if near else None
        entry["anchor"] = near[0] if near else None  # the labelled point: the forecast is near it, not at it
        interval = None
        fi = forecast_interval(lead) if lead is not None and not note else None
        if fi and fi.get(issue.id) and all(v is not None and math.isfinite(v) for v in fi[issue.id]):
            cal = calibration(lead) or {}  # type: ignore[arg-type]
            lo, hi = fi[issue.id]
            interval = {"low": _r(lo), "high": _r(hi), "kind": FORECAST_INTERVAL, "text": calibration_text(cal),
                        "level": cal.get("level", 0.8), "coverage": cal.get("coverage_oos", cal.get("coverage")),
                        "calibrated_on": cal.get("data") or "DEU III", "method": cal.get("method"),
                        "scope": calibration_scope(cal)}
        elif band is not None and all(v is not None and math.isfinite(v) for v in band):
            text = DEAL_BAND_TEXT if note else INPUT_BAND_TEXT
            interval = {"low": _r(band[0]), "high": _r(band[1]), "kind": INPUT_UNCERTAINTY, "text": text}
        entry["interval"] = interval
        entry["input_band"] = [_r(band[0]), _r(band[1])] if band is not None else None
        points, notes = component_points(results, issue.id)
        entry["models"] = points
        entry["model_notes"] = notes
        code, spread, sentence = agreement(issue, {(f"{k} (deal)" if k in notes else k): v
                                                   for k, v in points.items()})
        if not any(st.issue == issue.id for st in scenario.stances):
            code, sentence = "no_forecast", "no forecast: no actor has a stance on this issue"
        entry["spread"], entry["agreement"], entry["verdict"] = spread, code, sentence
        pooled = ((lead.pooling or {}).get("issues") or {}).get(issue.id) if lead is not None else None
        if pooled is not None:  # a pooled scenario (detente.pool.attach): who disagrees, and on what
            for key in ("variance", "variance_share", "by_analyst", "disagreement"):
                entry[key] = pooled.get(key)
        out[issue.id] = entry
    return out


def _likeliest_ending(scenario: Scenario, r: Result) -> str:
    """``; most likely: military victory of Russia (100 %)`` for a war run without any deal."""
    from detente.models.war.endings import endings, side_names

    names = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
    ends = endings(r.trajectory.extras, names)
    if not ends:
        return ""
    top = max(ends, key=lambda e: e["probability"])
    return f"; most likely ending: {top['label']} ({100 * top['probability']:.0f} %)"


# -- the war model's headline ----------------------------------------------------------------------


def war_headline(scenario: Scenario, results: list[Result]) -> dict[str, Any] | None:
    """For the first ``war`` result: the sides named from the scenario's actors, P(deal by 6 / 12 /
    24 / 60 months), each ending's probability, and the terms given a deal per issue (median and
    p10-p90 over the draws that end in a deal). ``None`` without a war run."""
    # the war run, else a synthesis that led with the war model (it carries the war's extras)
    r = next((x for x in results if x.model == WAR and "outcome_probability" in x.trajectory.extras), None)
    r = r or next((x for x in results if war_led(x) and "outcome_probability" in x.trajectory.extras), None)
    if r is None:
        return None
    from detente.models.war.endings import endings, horizon_months, settlement_by, side_names, terms_given_deal

    ex = r.trajectory.extras
    names = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
    terms = {}
    for issue in scenario.issues:
        t = terms_given_deal(ex, issue.id)
        if t:
            terms[issue.id] = {"median": _r(t["p50"]), "low": _r(t["p10"]), "high": _r(t["p90"]),
                               "label": issue.describe(t["p50"]) or None,
                               "kind": INPUT_UNCERTAINTY}
        else:
            terms[issue.id] = None
    share = ex.get("share_given_deal") or None
    return {
        "model": model_name(r),
        "draws": r.draws,
        "horizon_months": horizon_months(ex),
        "sides": {sid: {"name": names[sid], "actors": list(((scenario.war or {}).get("sides") or {})
                                                         .get(sid, {}).get("actors") or [])} for sid in ("A", "B")},
        "settlement_by": settlement_by(ex),
        "endings": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in e.items()}
                    for e in endings(ex, names, keep_zero=True)],
        "time_to_settlement": ex.get("time_to_settlement"),
        "share_of_A_given_deal": ({k: _r(v) for k, v in share.items()} if share else None),
        "terms_given_deal": terms,
    }


# -- the record of a run (JSON) -------------------------------------------------------------------


def json_safe(v: Any) -> Any:
    """JSON-safe: NaN and infinities become null, NumPy values plain numbers and lists."""
    t = type(v)
    if t is float:  # the common leaves first: a record holds ~10^4 of them
        return v if math.isfinite(v) else None
    if t is str or t is int or v is None or t is bool:
        return v
    if t is list and all(type(x) is float for x in v):
        return [x if math.isfinite(x) else None for x in v]
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, np.ndarray):
        return json_safe(v.tolist())
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def run_record(scenario: Scenario, results: list[Result], full: bool = False) -> dict[str, Any]:
    """What ``detente run --format json`` prints and ``result.json`` holds, for one model or many:
    ``{"scenario", "input_sha256", "summary": {issue id: bottom line}, "war": headline or null,
    "results": [Result.to_dict(full), ...]}`` (JSON-safe: no NaN)."""
    return json_safe({
        "scenario": scenario.name,
        "input_sha256": results[0].input_sha256 if results else None,
        "summary": bottom_line(scenario, results),
        "war": war_headline(scenario, results),
        "results": [r.to_dict(full=full) for r in results],
    })
