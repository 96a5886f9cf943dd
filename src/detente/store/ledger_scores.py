"""Scores of the forecast ledger: each graded record, the track record per model and per analyst,
and the calibration of the stored forecast distributions.

Per graded record: the absolute error of the point forecast, whether the sealed 80 % interval held
the outcome, and the CRPS of the sealed quantiles (``scoringrules.crps_quantile``: twice the mean
pinball loss over the stored levels 1..99 %; for a point forecast it is the absolute error).

The calibration table (nominal against observed coverage of the central 50, 80 and 90 % intervals
of the stored quantiles: 25-75 %, 10-90 %, 5-95 %) is given once at least
:data:`MIN_CALIBRATION` records are graded: with fewer, an observed coverage is too noisy to read
(with 20 records, the standard error of an 80 % coverage is about 9 points).

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> from detente.store.ledger import Ledger
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 60}]})
>>> ledger = Ledger("sqlite://")
>>> _ = ledger.seal(s, run(s, "mean"), question="x?", criterion="c", resolves_by="2027-01-01", analyst="ann")
>>> _ = ledger.grade(1, outcome=45, source="s")
>>> sc = analyst_scores(ledger)
>>> sc["ann"]["n"], sc["ann"]["mae"], sc["ann"]["coverage_80"]
(1, 5.0, 1.0)
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from detente.store.ledger import Entry, Ledger

MIN_CALIBRATION = 20
"""Fewest graded records for the calibration table."""

CENTRAL = (0.5, 0.8, 0.9)
"""Central intervals of the calibration table."""


def records(ledger: Ledger | Iterable[Entry]) -> list[dict[str, Any]]:
    """Every sealed record with its grade and scores (``None`` until graded), in chain order.

    An entry whose payload lacks what the scores read (only possible when the database was
    written around the ledger's API) is kept with ``malformed`` saying what is wrong, and not
    scored; ``detente verify`` names it."""
    entries = ledger.entries() if isinstance(ledger, Ledger) else list(ledger)
    grades: dict[Any, Entry] = {}
    for e in entries:
        if e.kind == "grade" and e.payload:
            try:
                grades[int(e.payload.get("record"))] = e
            except (TypeError, ValueError):
                pass  # a grade of no record: verify names it
    out = []
    for e in entries:
        if e.kind != "seal" or not e.payload:
            continue
        p = e.payload
        row = {"record": e.seq, "hash": e.hash, "question": p.get("question"), "issue": p.get("issue"),
               "scenario": p.get("scenario_name"), "model": p.get("model"), "variant": p.get("variant"),
               "analyst": p.get("analyst"), "forecast": p.get("forecast"), "interval": p.get("interval"),
               "interval_source": p.get("interval_source"), "resolves_by": p.get("resolves_by"),
               "sealed_at": p.get("sealed_at"), "replay": p["meta"].get("replay") if isinstance(p.get("meta"), dict) else None,
               "scale": p.get("scale"), "outcome": None, "source": None, "graded_at": None,
               "abs_error": None, "covered_80": None, "crps": None, "crps_scaled": None, "malformed": None}
        g = grades.get(e.seq)
        if g is not None:
            try:
                _grade_row(row, p, g.payload)
            except (KeyError, TypeError, ValueError) as exc:
                row.update(outcome=None, abs_error=None, covered_80=None)
                row.pop("_quantiles", None)
                row["malformed"] = (f"record {e.seq} or its grade (entry {g.seq}) lacks what the scores read "
                                    f"({type(exc).__name__}: {exc}); run `detente verify`")
        out.append(row)
    by_levels: dict[tuple[float, ...], list[dict[str, Any]]] = {}  # one scoringrules call per set of levels
    for r in out:
        if r["outcome"] is not None:
            by_levels.setdefault(tuple(r["_quantiles"][0]), []).append(r)
    for levels, group in by_levels.items():
        values = crps_many([r["outcome"] for r in group], [r["_quantiles"][1] for r in group], list(levels))
        for r, v in zip(group, values):
            r["crps"] = v
            r["crps_scaled"] = _scaled(v, r["scale"])
    return out


def _grade_row(row: dict[str, Any], seal: dict[str, Any], grade: dict[str, Any]) -> None:
    """The grade's outcome and the record's point and interval scores (raises on a malformed payload)."""
    y = float(grade["outcome"])
    lo, hi = (float(x) for x in seal["interval"])
    forecast = float(seal["forecast"])
    levels = [float(x) for x in seal["quantile_levels"]]
    qs = [float(x) for x in seal["quantiles"]]
    if not levels or len(levels) != len(qs) or not all(map(np.isfinite, [y, lo, hi, forecast, *levels, *qs])):
        raise ValueError("the quantiles, the interval or the outcome are not finite numbers of matching length")
    row.update(outcome=y, source=grade.get("source"), graded_at=grade.get("graded_at"),
               abs_error=abs(forecast - y), covered_80=bool(lo <= y <= hi))
    row["_quantiles"] = (levels, qs)


def _scaled(value: float, scale: Any) -> float | None:
    """``value`` as a share of the issue's scale width (``None`` without a scale)."""
    if not scale or float(scale[1]) <= float(scale[0]):
        return None
    return value / (float(scale[1]) - float(scale[0]))


def crps_many(outcomes: list[float], quantiles: list[list[float]], levels: list[float]) -> list[float]:
    """:func:`crps` of several records with the same quantile levels, in one call."""
    import scoringrules as sr

    v = sr.crps_quantile(np.asarray(outcomes, dtype=float), np.asarray(quantiles, dtype=float),
                         np.asarray(levels, dtype=float), backend="numpy")
    return [float(x) for x in np.atleast_1d(v)]


def crps(outcome: float, quantiles: list[float], levels: list[float]) -> float:
    """CRPS of the outcome under the stored quantiles (scoringrules' quantile approximation).

    >>> round(crps(45.0, [40.0] * 99, [k / 100 for k in range(1, 100)]), 9)  # a point: the absolute error
    5.0
    """
    import scoringrules as sr

    v = sr.crps_quantile(np.float64(outcome), np.asarray(quantiles, dtype=float),
                         np.asarray(levels, dtype=float), backend="numpy")
    return float(v)


def track_record(rows: list[dict[str, Any]], by: str) -> dict[str, dict[str, Any]]:
    """Per value of ``by`` ("model" or "analyst"; no analyst: ``"(none)"``): n graded, MAE, coverage
    of the 80 % interval, mean CRPS, n sealed."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = r.get(by) or "(none)"
        out.setdefault(key, {"n_sealed": 0, "_g": []})
        out[key]["n_sealed"] += 1
        if r["outcome"] is not None:
            out[key]["_g"].append(r)
    for v in out.values():
        g = v.pop("_g")
        v.update(_summary(g))
    return out


def _summary(g: list[dict[str, Any]]) -> dict[str, Any]:
    if not g:
        return {"n": 0, "mae": None, "coverage_80": None, "crps": None, "crps_scaled": None}
    scaled = [r["crps_scaled"] for r in g if r.get("crps_scaled") is not None]
    return {"n": len(g), "mae": float(np.mean([r["abs_error"] for r in g])),
            "coverage_80": float(np.mean([r["covered_80"] for r in g])),
            "crps": float(np.mean([r["crps"] for r in g])),
            "crps_scaled": float(np.mean(scaled)) if len(scaled) == len(g) else None}


def calibration_table(rows: list[dict[str, Any]], min_n: int = MIN_CALIBRATION) -> list[dict[str, Any]] | None:
    """Nominal against observed coverage of the central intervals of the stored quantiles, or
    ``None`` with fewer than ``min_n`` graded records."""
    g = [r for r in rows if r["outcome"] is not None]
    if len(g) < min_n:
        return None
    out = []
    for p in CENTRAL:
        lo_level, hi_level = round((1 - p) / 2, 6), round((1 + p) / 2, 6)
        hits = []
        for r in g:
            levels, qs = r["_quantiles"]
            rounded = [round(x, 6) for x in levels]
            if lo_level in rounded and hi_level in rounded:
                lo, hi = qs[rounded.index(lo_level)], qs[rounded.index(hi_level)]
                hits.append(lo <= r["outcome"] <= hi)
        out.append({"nominal": p, "observed": float(np.mean(hits)) if hits else None, "n": len(hits)})
    return out


def summary(ledger: Ledger, *, model: str | None = None, analyst: str | None = None) -> dict[str, Any]:
    """What ``detente ledger`` shows: records (filtered), track records, calibration, head hash."""
    rows = records(ledger)
    if model:
        rows = [r for r in rows if r["model"] == model]
    if analyst:
        rows = [r for r in rows if (r["analyst"] or "") == analyst]
    head = ledger.head()
    graded = [r for r in rows if r["outcome"] is not None]
    return {
        "store": ledger.shown_url,
        "head_hash": None if head is None else head.hash,
        "entries": 0 if head is None else head.seq,
        "records": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
        "overall": _summary(graded),
        "by_model": track_record(rows, "model"),
        "by_analyst": track_record(rows, "analyst"),
        "calibration": calibration_table(rows),
        "calibration_rule": f"shown once at least {MIN_CALIBRATION} records are graded",
    }


def analyst_scores(store: Any) -> dict[str, dict[str, Any]]:
    """Per named analyst with at least one graded record: ``{n, mae, crps, crps_scaled, coverage_80}``
    (``crps_scaled``: the mean CRPS as a share of each issue's scale width, comparable across scales).

    ``store``: a :class:`~detente.store.ledger.Ledger`, a :class:`~detente.store.db.Store` or a URL.
    Records without an analyst (e.g. the DEU replay) are left out."""
    ledger = store if isinstance(store, Ledger) else Ledger(store)
    out = {}
    for name, v in track_record(records(ledger), "analyst").items():
        if name != "(none)" and v["n"]:
            out[name] = {k: v[k] for k in ("n", "mae", "crps", "crps_scaled", "coverage_80")}
    return out


MIN_POOL_RECORDS = 5
"""Fewest graded records an analyst needs before the ledger may weight their view in a pool."""


def pool_weights(store: Any, analysts: list[str], min_n: int = MIN_POOL_RECORDS) -> tuple[list[float], list[dict[str, Any]]]:
    """Pooling weights for ``analysts`` from their track records in the ledger, and the scores used.

    The rule: weight ∝ 1 / (mean scaled CRPS), the analyst's mean CRPS over their graded records,
    each as a share of its issue's scale width (so records on a 0-100 and a 0-10 scale count alike);
    the weights are normalised to sum to 1. CRPS is a proper score of the whole sealed forecast
    distribution (point and spread), so an analyst whose past forecasts were sharp and right gets
    more weight than one who was vague or wrong. Every analyst needs at least ``min_n`` graded
    records: with fewer the score is noise (one lucky forecast would dominate the pool), and an
    :class:`~detente.errors.InputError` lists who has how many.

    >>> from detente.runner import run
    >>> from detente.scenario.model import Scenario
    >>> from detente.store.ledger import Ledger
    >>> def view(pos):
    ...     return Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
    ...         "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": pos},
    ...         {"actor": "B", "issue": "x", "position": 60}]})
    >>> ledger = Ledger("sqlite://")
    >>> for who, pos in (("ann", 30), ("bob", 20)):   # forecasts 45 and 40; the outcome is 46
    ...     for _ in range(5):
    ...         e = ledger.seal(view(pos), run(view(pos), "mean"), question="x?", criterion="c",
    ...                         resolves_by="2027-01-01", analyst=who)
    ...         _ = ledger.grade(e.seq, outcome=46, source="s")
    >>> w, used = pool_weights(ledger, ["ann", "bob"])
    >>> w[0] > w[1], round(sum(w), 12), [u["n"] for u in used]
    (True, 1.0, [5, 5])
    """
    from detente.errors import InputError, Problem

    scores = analyst_scores(store)
    problems, used = [], []
    for a in analysts:
        sc = scores.get(a)
        n = 0 if sc is None else int(sc["n"])
        if n < min_n:
            problems.append(Problem(f"analyst {a!r} has {n} graded record{'s' if n != 1 else ''} in the ledger; "
                                    f"weights from the ledger need at least {min_n} per analyst (seal and grade "
                                    "more forecasts, or give --weights W1,W2,...)", field="--weights", value="ledger"))
        elif sc["crps_scaled"] is None or not sc["crps_scaled"] > 0:
            problems.append(Problem(f"analyst {a!r} has no usable score in the ledger: a mean CRPS of 0 (every "
                                    "graded forecast a point exactly on the outcome: an infinite weight) or records "
                                    "without a scale; give --weights W1,W2,...", field="--weights", value="ledger"))
        else:
            used.append({"analyst": a, **sc})
    if problems:
        raise InputError(None, problems)
    inv = [1.0 / u["crps_scaled"] for u in used]
    total = sum(inv)
    weights = [x / total for x in inv]
    for u, x in zip(used, weights):
        u["weight"] = x
    return weights, used
