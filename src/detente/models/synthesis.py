"""The synthesis: one forecast per issue, a weighted combination of the other models' forecasts.

    x_synth = sum_m w_m x_m,    w_m >= 0,  sum_m w_m = 1                                   (S1)
    w = (1 - lambda) w_stack + lambda e_target                                             (S2)

``w_stack`` minimises the squared error of S1 on DEU III under the constraints (stacking, Wolpert
1992; Breiman 1996), ``e_target`` puts all weight on the compromise model, and the shrinkage
``lambda`` is chosen by grouped cross-validation (folds of whole proposals). Weights, the
components' options and the provenance of the fit are read from the package data file
``detente/data/synthesis-weights.json`` (written by ``python -m detente.backtest.fit``).
Components with weight 0 are not run. A component declares its capability rule
(:mod:`detente.models.capability`): the scenario's capabilities (``as_given``), ``equal``, voting
power (``power``: on issues that declare a voting rule each actor's capability is its voting power,
:mod:`detente.models.power`), or power and resources combined (``power_resources``,
c = P^a R^b, K1).

Scenarios with a ``war:`` block are coercive bargaining, where weights learned on EU legislation
do not apply: there the synthesis leads with the war model's terms **given a deal** (draws without
a settlement have no forecast: NaN in the per-draw forecasts, left out of the median and band),
says so in a note and in ``extras["synthesis"]``, and has no calibrated interval. When no draw ends
in a deal there are no terms to forecast: the forecast is then the war model's own outcome
(victory, collapse or the front line at the horizon; ``basis`` :data:`OUTCOME_BASIS`).

Degenerate inputs (``docs/models.md``): the synthesis inherits its components' answers (today
the ``mean`` with power-resource capabilities, whose all-zero weights fall back to equal weights);
a component that refuses (:func:`detente.models.base.check_degenerate`) refuses the synthesis.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, TYPE_CHECKING

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
else:
    np = lazy_module(globals(), "np", "numpy")

from detente.errors import ModelError
from detente.models.base import ModelSpec, Options, Trajectory, check_degenerate, registry


OUTCOME_BASIS = "outcome (no draw ends in a deal)"
"""``extras["synthesis"]["basis"]`` of a war-led synthesis in which no draw settles."""


class SynthesisOptions(Options):
    pass


def component_label(name: str) -> str:
    """A component's name in words, for tables and sentences.

    >>> component_label("mean_power0_resources0.5"), component_label("mean_power1_resources1")
    ('mean (capability = sqrt of the capability given)', 'mean (capability = voting power x capability given)')
    >>> component_label("bdm")
    'bdm'
    """
    m = re.fullmatch(r"(\w+?)_power([\d.]+)_resources([\d.]+)", name)
    if not m:
        return name
    words = {"0": None, "0.5": "sqrt of {}", "1": "{}"}
    terms = [words.get(e, "{} ^ " + e) for e in (m.group(2), m.group(3))]
    parts = [t.format(what) for t, what in zip(terms, ("voting power", "the capability given" if terms[0] is None
                                                       else "capability given")) if t]
    return f"{m.group(1)} (capability = {' x '.join(parts) or 'equal'})"


def weights_entry() -> dict[str, Any]:
    """The ``synthesis`` block of the package data file."""
    from detente.calibration import DATA_FILE, load

    data = load()
    if not data or "synthesis" not in data:
        raise ModelError(f"model 'synthesis' needs its weights file detente/data/{DATA_FILE}; "
                         "write it with: python -m detente.backtest.fit --deu deu3_blksv.tsv")
    return data


def component_forecast(comp: dict[str, Any], arrays: Any, rng: np.random.Generator) -> np.ndarray:
    """One component's forecast (draws, issues) on ``arrays``."""
    spec = registry.get(comp["model"])
    arr = arrays
    if comp.get("capabilities", "as_given") not in ("as_given", "resources"):
        from detente.models.capability import capability

        arr = replace(arrays, capability=capability(arrays, comp))
    check_degenerate(spec, arr)  # a component without an answer refuses the synthesis (the runner's check)
    return spec.run(arr, spec.make_options(comp.get("options") or {}), rng).forecast


def synthesis_model(arrays: Any, options: SynthesisOptions, rng: np.random.Generator) -> Trajectory:
    if "war" in arrays.context:
        return _war_led(arrays, rng)
    data = weights_entry()
    comps = [c for c in data["synthesis"]["components"] if c["weight"] > 0]
    streams = rng.spawn(len(comps))
    total = np.zeros((arrays.draws, arrays.n_issues))
    parts = {}
    for comp, r in zip(comps, streams):
        f = component_forecast(comp, arrays, r)
        parts[comp["name"]] = f
        total += comp["weight"] * f  # S1
    wsum = sum(c["weight"] for c in comps)
    total /= wsum
    extras = {
        "synthesis": {"led_by": "weights", "weights": {c["name"]: c["weight"] for c in comps},
                      "components": {c["name"]: {k: c[k] for k in ("model", "options", "capabilities") if k in c}
                                     for c in comps},
                      "shrinkage": data["synthesis"].get("lambda"), "target": data["synthesis"].get("target"),
                      "fitted_on": data.get("provenance", {}).get("data"), "file_version": data.get("version")},
        "component_forecast": {name: _median(f) for name, f in parts.items()},
    }
    return Trajectory(forecast=total, extras=extras)


def _median(f: np.ndarray) -> np.ndarray:
    """Median over draws; an issue without stances is all-NaN (no forecast), without a warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        return np.nanmedian(f, axis=0)


def _war_led(arrays: Any, rng: np.random.Generator) -> Trajectory:
    spec = registry.get("war")
    opts = spec.make_options(arrays.options.get("war", {}))
    t = spec.run(arrays, opts, rng)
    settled = np.asarray(t.extras.get("_settled", np.ones(arrays.draws, bool)), dtype=bool)
    if settled.any():
        forecast = np.where(settled[:, None], t.forecast, np.nan)  # terms given a deal (NaN: no deal)
        basis = "terms given a deal"
        what = f"the war model's terms given a deal (P(deal) = {settled.mean():.2f} over {arrays.draws} draws)"
    else:  # no terms given a deal to forecast: the war's own outcome (victory, collapse, frozen front)
        forecast = t.forecast
        basis = OUTCOME_BASIS
        what = (f"the war model's outcome: no draw ends in a deal (P(deal) = 0 over {arrays.draws} draws), "
                "so the forecast is where the war leaves each issue (victory, collapse or the front line)")
    note = (f"synthesis on a war scenario: the forecast is {what}; the weights learned on EU "
            "legislation (DEU III) do not apply to coercive bargaining, so there is no calibrated interval")
    extras = {k: v for k, v in t.extras.items()}
    extras["synthesis"] = {"led_by": "war", "basis": basis, "p_deal": float(settled.mean())}
    extras["_notes"] = [note]
    extras["_no_calibration"] = True
    return Trajectory(forecast=forecast, series=t.series, rounds=t.rounds, stopped_by=t.stopped_by, extras=extras)


registry.register(ModelSpec(
    name="synthesis",
    summary="one forecast per issue: model forecasts combined with weights fitted on DEU III, the design "
            "chosen by cross-validation (today the compromise model with the square root of the capabilities; "
            "war scenarios: the war model's terms given a deal)",
    options=SynthesisOptions,
    run=synthesis_model,
    multi_issue=True,
    stochastic=True,
    noisy_with_war=True,
))
