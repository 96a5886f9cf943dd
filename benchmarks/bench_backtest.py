"""Cost of the DEU III backtest per model, of the synthesis fit, and of the synthesis at run time.

Prints CPU time (user + sys of this process, less disturbed by other load than wall time) for

* each model's point forecasts of the 351 DEU III issues (multi-issue models once per dossier);
* the out-of-sample evaluation of one model (10-fold CV x 3, calibration, bootstrap, CRPS);
* the nested CV of the synthesis on precomputed component forecasts;
* ``detente run``'s synthesis on the flagship scenario with 2000 draws, and on a DEU dossier.

The first call of the Numba kernels (bdm, exchange) compiles them; run twice for warm figures.

    .venv/bin/python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEU = ROOT / "../shared/peers/deu-data/deu3_blksv.tsv"


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def main() -> None:
    from detente.backtest import evaluate
    from detente.backtest.deu import issue_features, model_forecasts, procedure_label
    from detente.backtest.fit import CANDIDATES, TARGETS, component_matrix
    from detente.backtest.folds import repeated_folds
    from detente.backtest.stacking import nested_cv
    from detente.runner import run
    from detente.scenario.io import load
    from detente.scenario.readers.deu import backtest_issues, read_deu_issues

    issues = backtest_issues(read_deu_issues(DEU))
    y = np.array([float(i.outcome) for i in issues])
    g = np.array([i.dossier for i in issues])
    print(f"DEU III: {len(issues)} issues, {len(set(g.tolist()))} proposals")
    for name in ("mean", "median", "nbs", "bdm", "smp", "exchange"):
        t0 = cpu()
        model_forecasts(DEU, issues, name)
        print(f"  forecasts {name:<9} {cpu() - t0:6.2f} s CPU")
    t0 = cpu()
    X = component_matrix(DEU, issues, CANDIDATES)
    print(f"  all {len(CANDIDATES)} synthesis candidates: {cpu() - t0:6.2f} s CPU")
    folds = repeated_folds(g.tolist(), 10, 3, 1)
    disp = issue_features(DEU, issues)
    t0 = cpu()
    f = X[:, 0]
    evaluate.summarise(y, f, evaluate.fixed_oos(f, folds), f, g, np.array([procedure_label(i) for i in issues]),
                       disp, folds, seed=1, bootstrap=2000, cv=10, repeats=3)
    print(f"  out-of-sample evaluation of one model (10-fold x 3): {cpu() - t0:6.2f} s CPU")
    names = [c["name"] for c in CANDIDATES]
    t0 = cpu()
    nested_cv(X, y, g, folds, [names.index(t) for t in TARGETS], 10, 1)
    print(f"  nested CV of the synthesis (10-fold x 3, inner 10-fold): {cpu() - t0:6.2f} s CPU")
    flagship = load(ROOT / "examples/ukraine-settlement.yaml")
    t0 = cpu()
    run(flagship.model_copy(update={"war": None}), "synthesis", draws=2000, seed=1)
    print(f"  synthesis run, flagship without its war block, 2000 draws: {cpu() - t0:6.2f} s CPU")
    t0 = cpu()
    run(flagship, "synthesis", draws=2000, seed=1)
    print(f"  synthesis run, flagship (war-led), 2000 draws: {cpu() - t0:6.2f} s CPU")


if __name__ == "__main__":
    main()
