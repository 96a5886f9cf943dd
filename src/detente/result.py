"""The result of running one model on one scenario, with its provenance.

Like SciPy's ``OptimizeResult``, a :class:`Result` is a plain record: the forecast per issue (the
median over draws), the band over draws ("input uncertainty", p10-p90) when there are draws, the
calibrated 80 % forecast interval when the model has a calibration on DEU III
(:mod:`detente.calibration`), the per-round trajectory for models with rounds, and what
produced it: model, options, seed, draws, detente version, SHA-256 of the validated input.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from detente.models.base import Trajectory
from detente.quantiles import nanmedian0


@dataclass
class Result:
    """One model's run on one scenario (:func:`detente.run`), as SciPy's ``OptimizeResult`` is one
    optimisation: the answer and how it was reached.

    The answer, per issue id: ``forecast`` (the median over the draws), ``input_band`` (p10-p90
    over the draws: input uncertainty), ``interval`` (the calibrated 80 % forecast interval, where a
    calibration exists; ``calibration`` says on what and with which measured coverage) and
    :meth:`draws_of` (every draw's forecast). ``trajectory`` holds the model's own output: the
    positions by round, the war model's endings and terms (``trajectory.extras``).

    The provenance: ``model``, ``variant``, ``options`` (every option, defaults included), ``seed``,
    ``draws``, ``version`` and ``input_sha256`` (of the validated scenario): the same scenario, seed
    and version give the same numbers bit for bit. ``notes``: what the run has to say about its own
    numbers. :meth:`to_dict` is the JSON of ``detente run --format json``.

    >>> import detente
    >>> r = detente.run(detente.load(detente.example("eu-emission-standards")), "mean")
    >>> r
    <Result mean on 'EU emission standards for medium-sized cars (BDM 1994)', 1 draw, seed 20261125: emission_standards=7.39>
    >>> round(r.forecast["emission_standards"], 2), r.draws, r.version == detente.__version__
    (7.39, 1, True)
    """

    model: str
    variant: str | None
    options: dict[str, Any]
    seed: int
    draws: int
    version: str
    input_sha256: str
    scenario_name: str
    issue_ids: list[str]
    actor_ids: list[str]
    trajectory: Trajectory
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    explain: dict[str, Any] | None = None  # detente.explain.attach: winners/losers, pivotal actors
    events: dict[str, Any] | None = None  # detente.explain.attach: why each actor moved, per round
    pooling: dict[str, Any] | None = None  # detente.pool.attach: variance split, analysts' disagreement

    def __repr__(self) -> str:
        """One line: model, scenario, draws and the forecast per issue (rounded)."""
        shown = ", ".join(f"{i}={v:.4g}" for i, v in list(self.forecast.items())[:8])
        more = f", ... ({len(self.issue_ids)} issues)" if len(self.issue_ids) > 8 else ""
        name = self.model + (f" ({self.variant})" if self.variant else "")
        return f"<Result {name} on {self.scenario_name!r}, {self.draws} draw{'s' if self.draws != 1 else ''}, seed {self.seed}: {shown}{more}>"

    def _repr_html_(self) -> str:
        """A notebook's view: the provenance in one line, then a row per issue with the forecast, the
        input uncertainty (with draws) and the calibrated forecast interval (where one exists)."""
        from html import escape

        from detente.scenario.model import decimals_for

        band, iv, cal = self.input_band, self.interval, self.calibration
        lo_s, hi_s = self.features.get("scale_min"), self.features.get("scale_max")
        heads = ["issue", "forecast"] + (["input uncertainty (p10\u2013p90)"] if band else [])
        if iv and cal:
            heads.append(f"forecast interval (calibrated on DEU III, coverage {100 * cal['coverage_oos']:.0f} %)")
        rows = []
        for k, (i, f) in enumerate(self.forecast.items()):
            digits = decimals_for(float(hi_s[k] - lo_s[k])) if lo_s is not None and hi_s is not None else 2

            def num(v: float | None) -> str:
                return "\u2014" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"

            cells = [escape(i), num(f)] + ([f"{num(band[i][0])}\u2013{num(band[i][1])}"] if band else [])
            if iv and cal:
                cells.append(f"{num(iv[i][0])}\u2013{num(iv[i][1])}")
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        name = self.model + (f" ({self.variant})" if self.variant else "")
        head = (f"<p><b>{escape(name)}</b> on {escape(self.scenario_name)}: {self.draws} "
                f"draw{'s' if self.draws != 1 else ''}, seed {self.seed}, input SHA-256 {self.input_sha256[:12]}\u2026, "
                f"detente {escape(self.version)}</p>")
        probs = self.trajectory.extras.get("outcome_probability") if self.model == "war" else None
        if probs:
            head += (f"<p>P(deal) {100 * probs.get('settlement', 0.0):.0f} %; the forecast is over every ending "
                     "(a deal or not)</p>")
        return (head + "<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in heads)
                + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    # inputs of the calibrated interval (dispersion (draws, issues), scale_min, scale_max), set by the runner
    features: dict[str, Any] = field(default_factory=dict, repr=False)
    _calibrated: Any = field(default=None, init=False, repr=False, compare=False)
    _series_cache: Any = field(default=None, init=False, repr=False, compare=False)

    # -- summaries over draws -------------------------------------------------------------
    @property
    def forecast(self) -> dict[str, float]:
        """Median over draws of the per-draw forecast, per issue (the war model: over every ending,
        a deal or not; its terms given a deal are ``trajectory.extras["terms"]``)."""
        med = nanmedian0(self.trajectory.forecast)
        return {i: float(v) for i, v in zip(self.issue_ids, med)}

    def quantiles(self, q: tuple[float, ...] = (0.1, 0.9)) -> dict[str, list[float]]:
        with _all_nan_ok():
            qs = np.nanquantile(self.trajectory.forecast, q, axis=0)  # (len(q), issues)
        return {i: [float(v) for v in qs[:, k]] for k, i in enumerate(self.issue_ids)}

    def draws_kept(self) -> np.ndarray:
        """Which draws stand behind the forecast distribution, one bool per draw: all of them, but
        for the war model only those that end in a deal, so deals are not pooled with victories."""
        n = np.shape(self.trajectory.forecast)[0]
        settled = self.trajectory.extras.get("_settled") if self.model == "war" else None
        if settled is not None and np.shape(settled) == (n,):
            return np.asarray(settled, dtype=bool)
        return np.ones(n, dtype=bool)

    def draws_of(self, issue_id: str) -> np.ndarray:
        """The per-draw forecasts behind the distribution on one issue (:meth:`draws_kept`), finite
        values only."""
        k = self.issue_ids.index(issue_id)
        x = np.asarray(self.trajectory.forecast[:, k], dtype=float)[self.draws_kept()]
        return x[np.isfinite(x)]

    @property
    def input_band(self) -> dict[str, list[float]] | None:
        """Input uncertainty: the band (p10, p90) of the forecast over draws; ``None`` without draws."""
        return self.quantiles((0.1, 0.9)) if self.draws > 1 else None

    def _calibrate(self) -> tuple[dict[str, list[float]], dict[str, Any]] | None:
        if self._calibrated is None:
            self._calibrated = (None,)
            cal = self.stored_calibration()
            if cal is not None:
                from detente import calibration as cb

                with _all_nan_ok():
                    lo, hi = cb.forecast_interval(cal, self.trajectory.forecast, self.features)
                iv = {i: [float(a), float(b)] for i, a, b in zip(self.issue_ids, lo, hi)}
                self._calibrated = (iv, cb.summary(cal))
        return None if self._calibrated[0] is None else self._calibrated

    def stored_calibration(self) -> dict[str, Any] | None:
        """The DEU III calibration of this run's model and options (:func:`detente.calibration.model_calibration`),
        or ``None``: a run without the features, a war-led synthesis, or options no calibration was
        fitted for. Options that only set how the model computes (their field marked
        ``json_schema_extra={"computing": True}``, e.g. bdm's ``chunk_elements``) are left out: the
        same numbers keep the same calibration."""
        if not self.features or self.trajectory.extras.get("_no_calibration"):
            return None
        from detente import calibration as cb
        from detente.models import registry

        fields = registry.get(self.model).options.model_fields
        computing = frozenset(k for k, f in fields.items() if (f.json_schema_extra or {}).get("computing"))
        return cb.model_calibration(self.model, self.options, self.variant, ignore=computing)

    @property
    def interval(self) -> dict[str, list[float]] | None:
        """The calibrated 80 % forecast interval per issue (input uncertainty and the model's error on
        DEU III, split-conformal); ``None`` when the model (with these options) has no calibration."""
        c = self._calibrate()
        return c[0] if c else None

    @property
    def calibration(self) -> dict[str, Any] | None:
        """How the forecast interval was calibrated (level, out-of-sample coverage, data, file)."""
        c = self._calibrate()
        return c[1] if c else None

    def series_summary(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        """Per named series and issue: per-round median, p10 and p90 over draws.

        Computed once per set of series (the report asks for it in every figure, table and file);
        each call returns fresh dicts over the same lists."""
        key = list(self.trajectory.series.items())  # holds the arrays: compared by identity
        old = self._series_cache
        if old is None or len(old[0]) != len(key) or any(
                n != m or a is not b for (n, a), (m, b) in zip(old[0], key)):
            self._series_cache = old = (key, self._series_quantiles())
        return {name: {issue: dict(s) for issue, s in by_issue.items()}
                for name, by_issue in old[1].items()}

    def _series_quantiles(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        out: dict[str, dict[str, dict[str, list[float]]]] = {}
        from detente.quantiles import nanquantile

        for name, arr in self.trajectory.series.items():
            arr = np.asarray(arr, dtype=float)
            if arr.shape[-1] > 1 and all(np.array_equal(arr[..., 0], arr[..., k], equal_nan=True)
                                         for k in range(1, arr.shape[-1])):
                # one series for every issue (the war's battlefield and beliefs): summarise it once
                q = np.repeat(nanquantile(arr[..., :1], [0.1, 0.5, 0.9], axis=0), arr.shape[-1], axis=-1)
            else:
                q = nanquantile(arr, [0.1, 0.5, 0.9], axis=0)  # (3, rounds+1, issues)
            out[name] = {
                issue: {"p10": _list(q[0, :, k]), "median": _list(q[1, :, k]), "p90": _list(q[2, :, k])}
                for k, issue in enumerate(self.issue_ids)
            }
        return out

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """JSON-able record. ``full`` adds every draw's forecast and the actors' positions by round.

        No elapsed time (``elapsed_s`` is an attribute, shown in the tables and kept in the run store):
        the same input, seed and version give the same record, bit for bit."""
        t = self.trajectory
        d: dict[str, Any] = {
            "model": self.model,
            "variant": self.variant,
            "options": self.options,
            "seed": self.seed,
            "draws": self.draws,
            "version": self.version,
            "input_sha256": self.input_sha256,
            "scenario": self.scenario_name,
            "forecast": _finite(self.forecast),
        }
        if self.interval is not None:
            d["interval"] = _finite(self.interval)
            d["calibration"] = self.calibration
        if self.draws > 1:
            d["input_band"] = _finite(self.input_band)
        if t.series:
            d["trajectory"] = self.series_summary()
            if t.readout in t.series:
                d["readout"] = t.readout  # the series of "trajectory" whose last value is the forecast
        if t.rounds is not None:
            d["rounds"] = _counts(t.rounds)
        if t.stopped_by is not None:
            d["stopped_by"] = _counts(t.stopped_by)
        if t.extras:
            d["extras"] = {k: _jsonable(v) for k, v in t.extras.items() if not k.startswith("_")}
        if self.notes:
            d["notes"] = self.notes
        if self.explain is not None:
            d["explain"] = self.explain
        if self.events is not None:
            d["events"] = self.events
        if self.pooling is not None:
            d["pooling"] = self.pooling
        if full:
            d["forecast_draws"] = {i: _list(t.forecast[:, k]) for k, i in enumerate(self.issue_ids)}
            if t.positions is not None and self.draws == 1:
                d["positions"] = {
                    issue: {a: _list(t.positions[0, :, k, j]) for j, a in enumerate(self.actor_ids)}
                    for k, issue in enumerate(self.issue_ids)
                }
        return d


@contextmanager
def _all_nan_ok() -> Iterator[None]:
    """Silence NumPy's all-NaN warning: an issue without stances has no forecast (NaN) on purpose."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        yield


def _finite(by_issue: Any) -> Any:
    """Per issue a number or a pair, with ``None`` for no number (an issue without stances has no
    forecast: NaN in the arrays, ``null`` in JSON; ``json.dumps`` would write the invalid ``NaN``).

    >>> _finite({"x": 1.5, "y": float("nan"), "z": [float("nan"), 2.0]})
    {'x': 1.5, 'y': None, 'z': [None, 2.0]}
    """
    def one(v: Any) -> Any:
        return v if v is None or math.isfinite(v) else None

    return {k: [one(x) for x in v] if isinstance(v, list) else one(v) for k, v in by_issue.items()}


def _list(a: np.ndarray) -> list[float | None]:
    """Plain floats rounded to 10 decimals (Python's correctly rounded ``round``), None for NaN/inf."""
    a = np.asarray(a, dtype=float)
    return [round(v, 10) if f else None for v, f in zip(a.tolist(), np.isfinite(a).tolist())]


def _counts(a: np.ndarray) -> dict[str, int]:
    vals, counts = np.unique(np.asarray(a).astype(str), return_counts=True)
    return {str(v): int(c) for v, c in zip(vals, counts)}


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "fc":
            return np.where(np.isfinite(v), np.round(v, 10), None).tolist()
        return v.tolist()
    if isinstance(v, (float, np.floating)):  # NaN and infinities: null (json.dumps would write NaN)
        return float(v) if math.isfinite(v) else None
    if isinstance(v, (np.integer, np.bool_)):
        return v.item()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def acting_model(result: Result) -> str:
    """The model whose numbers ``result`` holds: ``"war"`` for a synthesis that led with the war
    model (a scenario with a ``war:`` block: its forecast is the war model's terms given a deal), else
    ``result.model``. Its explanations and charts are that model's."""
    extras = result.trajectory.extras or {}
    if result.model == "synthesis" and (extras.get("synthesis") or {}).get("led_by") == "war":
        return "war"
    return result.model


def check_results(scenario: Any, results: list[Result]) -> None:
    """Refuse results that were not computed from ``scenario`` (their input SHA-256 differs): a
    report of one scenario with another's numbers would read as an answer.

    >>> from detente.runner import run
    >>> from detente.scenario.io import load
    >>> from detente.scenario.examples import example
    >>> s = load(example("eu-emission-standards"))
    >>> r = run(s, "mean")
    >>> check_results(s, [r])
    >>> changed = s.model_copy(update={"name": "changed"})
    >>> check_results(changed, [r])
    Traceback (most recent call last):
    ...
    detente.errors.InputError: eu-emission-standards.yaml: the mean result was not computed from this scenario (its input SHA-256 differs): run the model on it again
    """
    from detente.errors import InputError
    from detente.scenario.arrays import scenario_hash

    if not results:
        return
    digest = scenario_hash(scenario)
    for r in results:
        if r.input_sha256 != digest:
            raise InputError.one(scenario.meta.get("file"), f"the {r.model} result was not computed from this "
                                 "scenario (its input SHA-256 differs): run the model on it again")
