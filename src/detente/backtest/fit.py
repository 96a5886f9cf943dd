"""Fit the synthesis weights and the interval calibration on DEU III; write the package data file.

    python -m detente.backtest.fit --deu ../shared/peers/deu-data/deu3_blksv.tsv \\
        --out src/detente/data/synthesis-weights.json --date 2026-12-07

One command, deterministic: the same data, seed, options and detente version give the same file
byte for byte (the date is an input, recorded in the file). The file holds

* ``provenance``: data file name and SHA-256, seed, CV protocol, date, detente version, command;
* ``synthesis``: the candidate components (model, options, capabilities), the shrinkage target and
  lambda chosen by grouped CV on all issues, the weights (S2), in-sample and out-of-sample MAE;
* ``calibration``: per model (each parameter-free component with default options and equal
  capabilities, and the synthesis) the constant ``c`` and the procedure factors ``procedure_scale``
  (k_p) of C1, the sorted signed scores of the DEU issues (for the synthesis its out-of-fold
  residuals), and the out-of-sample coverage and width measured by CV.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from detente._version import __version__
from detente.runner import DEFAULT_SEED

FORMAT = "detente-synthesis-weights"

# Candidate components: the compromise model under the capability rules K1 of
# :mod:`detente.models.capability`, c = P^a R^b with P the Banzhaf voting power of the issue's procedure,
# R the actors' resources (DEU: the blksv weights) and a, b in {0, 1/2, 1} (a = b = 0: equal
# capabilities), and every other model that forecasts from positions alone, with equal capabilities.
EXPONENTS = (0.0, 0.5, 1.0)


def _mean_rule(a: float, b: float) -> dict[str, Any]:
    if a == 0 and b == 0:
        return {"name": "mean", "model": "mean", "options": {}, "capabilities": "equal"}
    return {"name": f"mean_power{a:g}_resources{b:g}", "model": "mean", "options": {},
            "capabilities": "power_resources", "index": "banzhaf", "power_exponent": a, "resource_exponent": b}


CANDIDATES: list[dict[str, Any]] = [_mean_rule(a, b) for a in EXPONENTS for b in EXPONENTS] + [
    {"name": m, "model": m, "options": {}, "capabilities": "equal"} for m in ("median", "nbs", "bdm", "smp", "exchange")
]
# Shrinkage targets: the compromise model under each capability rule (chosen by the inner CV).
TARGETS = [c["name"] for c in CANDIDATES if c["model"] == "mean"]


def component_matrix(path: str | Path, issues: list, candidates: list[dict[str, Any]], *, seed: int = DEFAULT_SEED,
                     position_only: str = "skip", capabilities: str = "equal") -> np.ndarray:
    """Point forecasts (issues, components) of the candidates on the DEU issues.

    ``as_given`` components take the backtest's ``capabilities``; ``power_resources`` components read
    the resources R of K1 from the blksv weights and run exactly as at run time
    (:func:`detente.models.synthesis.component_forecast`)."""
    from detente.backtest.deu import model_forecasts, with_voting
    from detente.models.synthesis import component_forecast
    from detente.scenario.arrays import ScenarioArrays
    from detente.scenario.readers.deu import read_blksv_weights, to_scenario

    res_arrays = None
    cols = []
    for c in candidates:
        rule = c.get("capabilities", "as_given")
        if rule == "power_resources":
            if registry_multi_issue(c["model"]):
                raise ValueError(f"component {c['name']}: power_resources is for single-issue models")
            if res_arrays is None:
                s = with_voting(to_scenario(issues, "DEU III", str(path), "blksv", read_blksv_weights(path),
                                            position_only), issues)  # type: ignore[arg-type]
                res_arrays = ScenarioArrays.from_scenario(s)
            f = component_forecast(c, res_arrays, np.random.default_rng(seed))
            cols.append(np.nanmedian(f, axis=0).tolist())
            continue
        caps = {"equal": "equal", "power": "power", "resources": "blksv"}.get(rule, capabilities)
        fc = model_forecasts(path, issues, c["model"], capabilities=caps,  # type: ignore[arg-type]
                             power_index=c.get("index", "shapley_shubik"), options=c.get("options") or {},
                             position_only=position_only, seed=seed)  # type: ignore[arg-type]
        cols.append([fc[i.issue_id] for i in issues])
    return np.array(cols, dtype=float).T


def registry_multi_issue(model: str) -> bool:
    from detente.models import registry

    return bool(registry.get(model).multi_issue)


def _round(x: Any) -> Any:
    if isinstance(x, (float, np.floating)):
        return round(float(x), 10)
    if isinstance(x, np.ndarray):
        return [_round(v) for v in x.tolist()]
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_round(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    return x


def fit(path: str | Path, *, date: str, seed: int = DEFAULT_SEED, cv: int = 10, repeats: int = 3) -> dict[str, Any]:
    """The content of the weights file (see the module docstring)."""
    from detente.backtest.deu import issue_features, procedure_label
    from detente.backtest.evaluate import WIDTH, fixed_oos, oos_intervals
    from detente.backtest.folds import repeated_folds
    from detente.backtest.scores import calibrate
    from detente.backtest.stacking import final_weights, nested_cv, select
    from detente.models import registry
    from detente.scenario.readers.deu import backtest_issues, read_deu_issues

    p = Path(path)
    issues = backtest_issues(read_deu_issues(p))
    y = np.array([float(i.outcome) for i in issues])
    groups = np.array([i.dossier for i in issues])
    disp = issue_features(p, issues)
    procs = np.array([procedure_label(i) for i in issues], dtype=object)
    width = np.full(len(y), WIDTH)
    X = component_matrix(p, issues, CANDIDATES, seed=seed)
    names = [c["name"] for c in CANDIDATES]
    targets = [names.index(t) for t in TARGETS]
    folds = repeated_folds(groups.tolist(), cv, repeats, seed)

    # the synthesis: target and lambda by grouped CV on all issues, weights on all issues (S2)
    t, lam, _ = select(X, y, groups, targets, cv, seed)
    w = final_weights(X, y, t, lam)
    nest = nested_cv(X, y, groups, folds, targets, cv, seed)
    nest["fitted"] = True
    f_syn = X @ w
    comps = [{**c, "weight": float(wk)} for c, wk in zip(CANDIDATES, w)]

    calibration = []
    for k, c in enumerate(CANDIDATES):
        if c["capabilities"] != "equal" or c["options"]:
            continue
        f = X[:, k]
        iv = oos_intervals(y, fixed_oos(f, folds), f, disp, folds, procs)
        cal = calibrate(y, f, disp, width, procs=procs)
        opts = registry.get(c["model"]).make_options({}).model_dump(mode="json")
        calibration.append(_cal_entry(c["model"], opts, cal, iv))
    iv = oos_intervals(y, nest, f_syn, disp, folds, procs)
    cal = calibrate(y, nest["f_oos"][0], disp, width, procs=procs)
    opts = registry.get("synthesis").make_options({}).model_dump(mode="json")
    calibration.append(_cal_entry("synthesis", opts, cal, iv))

    data_sha = hashlib.sha256(p.read_bytes()).hexdigest()
    return _round({
        "format": FORMAT,
        "version": f"{__version__}+{data_sha[:8]}.{date}",
        "provenance": {
            "data": f"DEU III ({p.name})", "data_sha256": data_sha, "n_issues": len(y),
            "n_proposals": len(set(groups.tolist())), "seed": seed, "date": date, "detente_version": __version__,
            "cv": {"k": cv, "repeats": repeats, "grouped_by": "proposal (DEU prnr)", "fold_seeds": [seed + r for r in range(repeats)],
                   "inner_k": cv, "lambda_grid": "1.0, 0.9, ..., 0.0", "targets": TARGETS,
                   "stacking": "non-negative least squares, weights sum to 1",
                   "capability_rules": "c = P^a R^b (detente.models.capability, K1), P Banzhaf power, "
                                       "R blksv resources, a, b in {0, 0.5, 1}",
                   "interval": "split-conformal C1 with procedure factors k_p (>= 30 training issues)"},
            "command": f"python -m detente.backtest.fit --deu {p.name} --out synthesis-weights.json "
                       f"--date {date} --seed {seed} --cv {cv} --repeats {repeats}",
        },
        "synthesis": {
            "target": names[t], "lambda": lam, "components": comps,
            "mae_in_sample": float(np.abs(f_syn - y).mean()),
            "mae_oos": float(np.mean([np.abs(f - y).mean() for f in nest["f_oos"]])),
        },
        "calibration": calibration,
    })


def _cal_entry(model: str, options: dict[str, Any], cal: dict[str, Any], iv: dict[str, np.ndarray]) -> dict[str, Any]:
    return {"model": model, "variant": None, "options": options, "level": cal["level"], "c": cal["c"],
            "procedure_scale": cal.get("procedure_scale") or {},
            "n": cal["n"], "scores": np.asarray(cal["scores"]),
            "coverage_oos": float(np.nanmean(iv["covered"])), "mean_width_oos": float(np.nanmean(iv["width"])),
            "crps_oos": float(np.nanmean(iv["crps"]))}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m detente.backtest.fit", description=__doc__.split("\n\n")[0])
    ap.add_argument("--deu", required=True, help="DEU III issue table (deu3_blksv.tsv)")
    ap.add_argument("--out", required=True, help="weights file to write (src/detente/data/synthesis-weights.json)")
    ap.add_argument("--date", default=None, help="date recorded in the file (default: today, UTC)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--cv", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    date = a.date or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    from detente.errors import DetenteError

    try:
        data = fit(a.deu, date=date, seed=a.seed, cv=a.cv, repeats=a.repeats)
    except (DetenteError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from detente.scenario.io import atomic_write_text

    try:
        atomic_write_text(Path(a.out), dumps(data))
    except DetenteError as e:  # an output path that cannot be written: one clear message
        print(f"error: {e}", file=sys.stderr)
        return 2
    s = data["synthesis"]
    print(f"wrote {a.out}: target {s['target']}, lambda {s['lambda']}, "
          f"MAE in sample {s['mae_in_sample']:.3f}, out of sample {s['mae_oos']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
