"""Out-of-sample backtest: grouped folds, the cluster bootstrap, coverage on held-out issues only, DEU figures."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from detente.backtest import evaluate
from detente.backtest.folds import grouped_folds, repeated_folds
from detente.backtest.scores import calibrate, cluster_bootstrap_mean, interval_scores

DEU = Path(__file__).resolve().parents[1] / "../shared/peers/deu-data/deu3_blksv.tsv"
needs_deu = pytest.mark.skipif(not DEU.exists(), reason="DEU III peer data not present")


def _deu_groups() -> list[str]:
    from detente.scenario.readers.deu import backtest_issues, read_deu_issues

    return [i.dossier for i in backtest_issues(read_deu_issues(DEU))]


@needs_deu
def test_grouped_folds_never_split_a_proposal():
    g = _deu_groups()
    for f in repeated_folds(g, 10, 3, seed=7):
        fold_of: dict[str, set[int]] = {}
        for d, k in zip(g, f.tolist()):
            fold_of.setdefault(d, set()).add(k)
        assert all(len(v) == 1 for v in fold_of.values())  # no proposal in two folds
        per_fold = np.bincount([next(iter(fold_of[d])) for d in fold_of], minlength=10)
        assert per_fold.max() - per_fold.min() <= 1  # whole proposals dealt evenly
        assert set(f.tolist()) == set(range(10))
    a, b = repeated_folds(g, 10, 2, seed=7)
    assert np.array_equal(grouped_folds(g, 10, 7), a) and not np.array_equal(a, b)  # seeded, repeats differ


def test_grouped_folds_errors():
    with pytest.raises(ValueError, match="folds"):
        grouped_folds(["a", "b"], 3, 0)


def test_cluster_bootstrap_matches_brute_force():
    # 3 clusters of unequal size: the bootstrap distribution of the pooled mean is the one over
    # all 27 equally likely resamples of clusters
    v = np.array([0.0, 1.0, 5.0, 2.0, 2.0, 2.0])
    g = np.array(["a", "a", "b", "c", "c", "c"])
    sums = {"a": 1.0, "b": 5.0, "c": 6.0}
    cnt = {"a": 2, "b": 1, "c": 3}
    exact = np.array([sum(sums[x] for x in r) / sum(cnt[x] for x in r) for r in itertools.product("abc", repeat=3)])
    est, lo, hi = cluster_bootstrap_mean(v, g, B=40000, seed=3)
    assert est == pytest.approx(v.mean())
    assert lo <= est <= hi
    for q, x in ((0.025, lo), (0.975, hi)):
        # the bootstrap quantile lies where the exact CDF crosses q (discrete distribution: within one atom)
        assert np.mean(exact < x) <= q + 0.01 and np.mean(exact <= x) >= q - 0.01
    assert cluster_bootstrap_mean(v, g, B=500, seed=3) == cluster_bootstrap_mean(v, g, B=500, seed=3)
    assert cluster_bootstrap_mean(v, g, B=500, seed=3) != cluster_bootstrap_mean(v, g, B=500, seed=4)


def test_calibrated_interval_covers_its_level_on_fresh_data():
    rng = np.random.default_rng(0)
    n = 4000
    disp = rng.uniform(0.05, 0.4, n)
    f = rng.uniform(20, 80, n)
    y = f + 100 * disp * rng.normal(0, 0.5, n)  # error grows with dispersion (C1 holds)
    width = np.full(n, 1000.0)  # no clipping
    cal = calibrate(y[:2000], f[:2000], disp[:2000], width[:2000])
    sc = interval_scores(cal, y[2000:], f[2000:], disp[2000:], width[2000:])
    assert 0.77 <= sc["covered"].mean() <= 0.83


def test_coverage_is_computed_on_held_out_issues_only(monkeypatch):
    rng = np.random.default_rng(1)
    n = 60
    groups = np.repeat([f"p{k}" for k in range(20)], 3)
    y = rng.uniform(0, 100, n)
    f = rng.uniform(0, 100, n)
    disp = rng.uniform(0.1, 0.3, n)
    folds = repeated_folds(groups.tolist(), 5, 1, seed=2)
    seen: list[np.ndarray] = []
    real = evaluate.calibrate

    def spy(y_tr, f_tr, d_tr, w_tr, *a, **k):
        seen.append(np.asarray(y_tr).copy())
        return real(y_tr, f_tr, d_tr, w_tr, *a, **k)

    monkeypatch.setattr(evaluate, "calibrate", spy)
    out = evaluate.oos_intervals(y, evaluate.fixed_oos(f, folds), f, disp, folds)
    assert len(seen) == 5
    for j, y_tr in enumerate(seen):
        held = y[folds[0] == j]
        assert not set(held.tolist()) & set(y_tr.tolist())  # the calibration never saw the held-out outcomes
        assert len(y_tr) == (folds[0] != j).sum()
    # changing the held-out outcomes of fold 0 changes neither fold 0's intervals nor anything else but its coverage
    y2 = y.copy()
    y2[folds[0] == 0] += 1000
    out2 = evaluate.oos_intervals(y2, evaluate.fixed_oos(f, folds), f, disp, folds)
    te = folds[0] == 0
    assert np.array_equal(out["lo"][0, te], out2["lo"][0, te]) and np.array_equal(out["hi"][0, te], out2["hi"][0, te])
    assert not out2["covered"][0, te].any()
    assert np.isfinite(out["covered"]).all()  # every issue scored once per repeat, as a held-out issue


@needs_deu
def test_deu_mean_keys_and_figures():
    from detente.backtest.deu import backtest

    s, = backtest(DEU, ["mean"], repeats=2)
    d = s.to_dict()
    assert round(d["mae"], 2) == 23.64 and d["mae_oos"] == d["mae"] and d["fitted"] is False
    assert "mae_oos_note" in d
    assert d["mae_diff_vs_mean"] == 0.0 and d["ci"] == [0.0, 0.0]
    assert 0.77 <= d["coverage_80"] <= 0.83 and 0 < d["mean_width_80"] < 100 and 0 < d["crps"] < d["mae"]
    bp = d["by_procedure"]
    assert set(bp) == {"COD-QMV", "COD-Unan", "CNS-QMV", "CNS-Unan"}
    assert sum(x["n_issues"] for x in bp.values()) == 351
    assert {"mae_oos", "ci", "coverage_80", "crps"} <= set(bp["COD-QMV"])
    json.dumps(d)


@needs_deu
def test_cli_backtest_json_and_table(capsys):
    from detente.cli import main

    assert main(["backtest", "--deu", str(DEU), "-m", "median", "--repeats", "1", "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert main(["backtest", "--deu", str(DEU), "-m", "median", "--repeats", "1", "--format", "json"]) == 0
    assert capsys.readouterr().out == first  # bit for bit: no elapsed time in the JSON
    d = json.loads(first)
    assert d["model"] == "median" and d["mae_diff_vs_mean"] > 0 and d["ci"][0] > 0  # median is worse, significantly
    assert main(["backtest", "--deu", str(DEU), "-m", "median", "-m", "mean", "--repeats", "1"]) == 0
    text = capsys.readouterr().out
    assert "coverage" in text and "CNS-Unan" in text
    lo, hi = d["ci"]
    assert f"{d['mae_diff_vs_mean']:+.2f} [{lo:+.2f}, {hi:+.2f}]" in text  # the CI on one line
    assert "0 (the reference)" in text  # the compromise model against itself: no CI of zeros
    assert f"{100 * d['coverage_80']:.1f} %" in text
    assert main(["backtest", "--deu", str(DEU), "--cv", "1"]) == 2
    assert main(["backtest", "--deu", str(DEU), "--capabilities", "gdp"]) == 2


@needs_deu
def test_cli_backtest_table_on_an_80_column_terminal_leaves_columns_out_and_breaks_no_number(capsys, monkeypatch):
    """On 80 columns all eleven columns squeezed to two or three characters ("MA/E", "79./0 %"):
    the least needed give way, the caption names them, every number and header word stays whole."""
    from detente.cli import commands, main
    from detente.consoles import LazyConsole

    monkeypatch.setattr(commands, "out", LazyConsole(soft_wrap=False, width=80, emoji=False))
    assert main(["backtest", "--deu", str(DEU), "-m", "median", "-m", "mean", "--repeats", "1"]) == 0
    text = capsys.readouterr().out
    table = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80, text
    first = table[:next(k for k, line in enumerate(table) if line.startswith("└")) + 1]  # the backtest table
    rows = {line.split("│")[1].strip(): line for line in first if line.startswith("│")}
    assert set(rows) >= {"mean", "median"}, text
    assert "0 (the reference)" in rows["mean"] and "23.64 (= MAE)" in rows["mean"], text
    assert re.search(r"\+\d+\.\d\d \[\+\d+\.\d\d, \+\d+\.\d\d\]", rows["median"]), text  # the CI whole
    assert re.search(r"\d\d\.\d %", rows["median"]), text  # the coverage whole
    headers = " ".join(line for line in first if line.startswith("┃"))
    assert all(w in headers for w in ("model", "sample", "coverage", "CRPS")), text
    caption = " ".join(text.split()).split("left out to fit 80 columns: ")[1].split(" (a wider")[0]
    assert caption.startswith("n, ") and "time" in caption and "CRPS" not in caption, text


@needs_deu
def test_the_backtest_json_records_what_it_scored_and_how() -> None:
    """`backtest -m bdm -o bdm.rounds=3 --variant bdm=jmckib -f json` recorded no options, variant,
    version or data hash: its figures could not be traced to what produced them."""
    import hashlib

    from detente._version import __version__
    from detente.backtest.deu import backtest

    (score,) = backtest(DEU, ["mean"], options={"mean": {}}, seed=3, out_of_sample=False)
    p = score.to_dict()["provenance"]
    assert p == {"version": __version__, "data": DEU.name, "data_sha256": hashlib.sha256(DEU.read_bytes()).hexdigest(),
                 "options": {}, "variant": None, "capabilities": "equal", "position_only": "skip", "seed": 3}
