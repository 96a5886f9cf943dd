"""How much of a pooled forecast's spread is the analysts' disagreement, and on which inputs.

**Variance split** (law of total variance over the analyst picked in each draw): with the draws'
forecasts ``y`` and their analyst index ``g``, ``n_c`` draws of analyst c (empirical weight
``w_c = n_c / N``), group means ``m_c`` and variances ``var_c``, overall mean ``m``::

    variance = between + within,  between = sum_c w_c (m_c - m)^2,  within = sum_c w_c var_c

exactly on the sample (population variances). ``between_analysts`` is the share of the forecast's
variance that comes from the analysts seeing the case differently, ``within_analysts`` the share
from each analyst's own uncertainty.

**Disagreement by input** (one at a time, from the pooled point values): for each input on which the
analysts' point values differ, the input is set to each analyst's point value in turn, every other
input at its pooled point; all those rows run as the draws of one model call. The input's
contribution is ``sum_c w_c (y_ic - ybar_i)^2`` (analysts' weights normalised over those who gave it;
``ybar_i`` their weighted mean). One at a time: it ignores interactions between inputs. For the war
model, whose every draw is one random path, each row is the mean of :data:`NOISY_REPS` paths (of
their terms given a deal, over the paths that end in one).

>>> import numpy as np
>>> y = np.array([1.0, 3.0, 10.0, 12.0]); g = np.array([0, 0, 1, 1])
>>> d = variance_split(y, g, ["A", "B"])
>>> d["variance"], d["variance_share"], d["by_analyst"]["B"]["mean"]
(21.25, {'between_analysts': 0.95294, 'within_analysts': 0.04706}, 11.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.scenario.model import Scenario

TOP = 5  # inputs listed per issue
NO_DEAL_AT_POINTS = ("the war ends in no deal at the pooled point values (its deals come from the "
                     "inputs' uncertainty), so the terms given a deal cannot be compared one input at a time")
"""Why a pooled war run names no input the analysts disagree on."""

NOISY_REPS = 20  # replicated paths per row for a model whose draws are random paths (war)
METHOD = ("variance split over the analyst picked in each draw (law of total variance, exact on the sample); "
          "disagreement by input: one at a time from the pooled point values (interactions ignored)")


def variance_split(y: np.ndarray, g: np.ndarray, analysts: list[str]) -> dict[str, Any]:
    """``variance``, ``variance_share`` (between/within analysts, summing to 1; ``None`` when the
    forecast does not vary) and ``by_analyst`` (mean, variance, share of draws) of draws ``y`` whose
    analyst indexes are ``g``."""
    y = np.asarray(y, dtype=float)
    g = np.asarray(g, dtype=np.int64)
    ok = np.isfinite(y)
    y, g = y[ok], g[ok]
    n = len(y)
    if n == 0:
        return {"variance": None, "variance_share": None, "by_analyst": {}, "draws": 0}
    m = float(y.mean())
    between = within = 0.0
    by: dict[str, Any] = {}
    for c, aid in enumerate(analysts):
        yc = y[g == c]
        if len(yc) == 0:
            by[aid] = {"mean": None, "variance": None, "share_of_draws": 0.0, "draws": 0}
            continue
        wc = len(yc) / n
        mc, vc = float(yc.mean()), float(yc.var())
        between += wc * (mc - m) ** 2
        within += wc * vc
        by[aid] = {"mean": _r(mc), "variance": _r(vc), "share_of_draws": _r(wc), "draws": int(len(yc))}
    total = between + within
    share = None
    if total > 0:
        share = {"between_analysts": _r(between / total, 5), "within_analysts": _r(within / total, 5)}
    return {"variance": _r(total), "between": _r(between), "within": _r(within), "variance_share": share,
            "by_analyst": by, "draws": n}


MIN_SHARE = 0.005
"""Inputs below this share of the disagreement are not named (they printed as "0 %")."""


def disagreement(scenario: Scenario, result: Any, top: int = TOP) -> dict[str, list[dict[str, Any]]]:
    """Per issue id: the inputs the analysts disagree on most (one at a time, see the module's text),
    ranked, each with ``name`` (field path), ``label``, ``contribution``, ``share`` (of the sum over
    inputs), the analysts' ``values`` of the input and the ``forecast`` with each."""
    from detente.models import registry
    from detente.scenario.arrays import ScenarioArrays, input_space
    from detente.scenario.uncertain import point
    from detente.uncertainty.sensitivity import label_of

    space, base, targets = input_space(scenario)
    ids = scenario.analyst_ids
    w = np.asarray([a.weight for a in scenario.analysts], dtype=float)
    rows: list[tuple[int, int, float]] = []  # (column, analyst, value)
    for col, (_, labels, comps) in sorted(space.mixtures.items()):
        pts = [(int(a), point(v)) for a, v in zip(labels.tolist(), comps) if a >= 0]
        if len({v for _, v in pts}) > 1:
            rows += [(col, a, v) for a, v in pts]
    issues = {i: [] for i in scenario.issue_ids}
    if not rows:
        return issues
    values = np.tile(np.nan_to_num(space.points, nan=0.0), (len(rows), 1))
    for r, (col, _, v) in enumerate(rows):
        values[r, col] = v
    spec = registry.get(result.model)
    reps = NOISY_REPS if spec.noisy else 1  # a noisy model (war): the mean over replicated paths
    arr = ScenarioArrays._build(scenario, base, targets, len(rows) * reps, np.repeat(values, reps, axis=0))
    opts = spec.make_options(dict(result.options))
    model_seq = np.random.SeedSequence(result.seed).spawn(2)[1]
    # war: the terms given a deal (ModelSpec.read), as the variance split reads the war model
    y = np.asarray(spec.read(spec.run(arr, opts, np.random.default_rng(model_seq))), dtype=float)
    if reps > 1:
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
            y = np.nanmean(y.reshape(len(rows), reps, -1), axis=1)
    cols = list(dict.fromkeys(col for col, _, _ in rows))
    for k, iid in enumerate(scenario.issue_ids):
        found = []
        for col in cols:
            idx = [r for r, (c, _, _) in enumerate(rows) if c == col]
            ys = y[idx, k]
            if not np.all(np.isfinite(ys)):
                continue
            wc = w[[rows[r][1] for r in idx]]
            wc = wc / wc.sum()
            ybar = float(wc @ ys)
            contrib = float(wc @ (ys - ybar) ** 2)
            found.append((contrib, col, idx, ys))
        total = sum(c for c, *_ in found)
        found.sort(key=lambda t: (-t[0], t[1]))
        out = []
        for contrib, col, idx, ys in found[:top]:
            if not contrib > 0 or contrib / total < MIN_SHARE:
                break
            name = space.names[col]
            out.append({"name": name, "label": label_of(scenario, name), "contribution": _r(contrib),
                        "share": _r(contrib / total, 4),
                        "values": {ids[rows[r][1]]: _r(rows[r][2]) for r in idx},
                        "forecast": {ids[rows[r][1]]: _r(v) for r, v in zip(idx, ys)}})
        issues[iid] = out
    return issues


def pooling(scenario: Scenario, result: Any) -> dict[str, Any] | None:
    """The pooling record of a run on a pooled scenario (``None`` for other scenarios): per issue the
    :func:`variance_split` of the draws (``None`` with one draw) and the :func:`disagreement` ranking."""
    if len(scenario.analysts) < 2:
        return None
    ids = scenario.analyst_ids
    g = result.trajectory.extras.get("_analyst")
    dis = disagreement(scenario, result)
    note = None
    if result.model == "war" and dis and not any(dis.values()):
        note = NO_DEAL_AT_POINTS
    issues: dict[str, Any] = {}
    for k, iid in enumerate(result.issue_ids):
        entry: dict[str, Any] = {"variance": None, "variance_share": None, "by_analyst": None}
        if g is not None and result.draws > 1:
            y = np.asarray(result.trajectory.forecast[:, k], dtype=float)
            keep = result.draws_kept()  # the war model: deals only
            entry.update(variance_split(y[keep], np.asarray(g)[keep], ids))
        # a forecast that does not vary over the draws has no disagreement to explain: the inputs'
        # one-at-a-time effects at the point values would name drivers of nothing
        still = entry["variance"] is not None and not entry["variance"] > 0
        entry["disagreement"] = [] if still else dis.get(iid, [])
        issues[iid] = entry
    return {"analysts": [{"id": a.id, "weight": a.weight} for a in scenario.analysts], "method": METHOD,
            "issues": issues, "disagreement_note": note}


def attach(scenario: Scenario, result: Any) -> Any:
    """Compute :func:`pooling` and store it on ``result.pooling`` (nothing for an unpooled scenario)."""
    result.pooling = pooling(scenario, result)
    return result


def _r(v: float | None, nd: int = 6) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), nd)
