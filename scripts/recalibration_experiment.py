"""Issue #10 pre-registered recalibration: identity check (23.076), R1 and the variant R2, one nested CV each.

Run from the worktree: python scripts/recalibration_experiment.py identity R1 R2
"""
import json, sys, numpy as np
from pathlib import Path
from detente.backtest import evaluate
from detente.backtest.deu import issue_features, procedure_label, model_forecasts
from detente.backtest.folds import repeated_folds
from detente.scenario.readers.deu import backtest_issues, read_deu_issues
from detente.runner import DEFAULT_SEED
import detente.backtest.fit as fitmod
p = Path("../shared/peers/deu-data/deu3_blksv.tsv")
issues = backtest_issues(read_deu_issues(p))
y = np.array([float(i.outcome) for i in issues]); groups = np.array([i.dossier for i in issues])
procs = np.array([procedure_label(i) for i in issues]); disp = issue_features(p, issues)
seed = DEFAULT_SEED; folds = repeated_folds(groups.tolist(), 10, 3, seed)
X = fitmod.component_matrix(p, issues, fitmod.CANDIDATES, seed=seed)
fitmod.component_matrix = lambda *a, **k: X  # computed once
ref = model_forecasts(p, issues, "mean", seed=seed); reference = np.array([ref[i.issue_id] for i in issues])
out = {}
for label in sys.argv[1:]:
    recal = {"identity": ("identity",), "R1": ("identity", "linear"), "R2": ("identity", "linear", "distance")}[label]
    oos = evaluate.synthesis_oos(p, issues, y, groups, folds, seed=seed, recal=recal)
    f_in = oos["f_oos"][0]  # placeholder for the in-sample column (not used for the oos figures)
    d = evaluate.summarise(y, f_in, oos, reference, groups, procs, disp, folds, seed=seed, bootstrap=2000, cv=10, repeats=3)
    d.pop("mae", None)
    out[label] = d
print(json.dumps(out, indent=1))
