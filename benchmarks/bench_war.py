"""Speed of the war-termination model: 10,000 draws x 60 months.

Prints the wall time (best of a few repeats) of :func:`detente.runner.run` (input sampling
included) for

* a minimal two-actor scenario (random walk, Nash terms, no domestic constraints);
* the same with a ratifier, two audience-cost commitments and the salience (logroll) mapping;
* the same on a Lanchester battlefield;
* the flagship ``examples/ukraine-settlement.yaml`` and its contrast (8 actors, 5 issues), if
  their ``war:`` blocks exist;

and the peak RSS. Target (issue #6): "in seconds".

2026-12-07, the audience costs' bisection (42 evaluations of the penalty per side and month) with
the free pledges' zeros folded into the inputs once and no step to pick when every issue moves
with x, results the same bit for bit: flagship 0.55 -> 0.44 s, contrast 0.36 -> 0.30 s, domestic +
logroll 0.40 -> 0.34 s (old and new run one after the other, best of 3).

    .venv/bin/python benchmarks/bench_war.py [--quick]
"""

from __future__ import annotations

import argparse
import copy
import resource
import time
from pathlib import Path

import numpy as np

import detente.models.war  # noqa: F401  (registers the model)
from detente.runner import run
from detente.scenario.io import load
from detente.scenario.model import Scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

BASE = {
    "name": "bench", "actors": [{"id": "R", "capability": 2}, {"id": "U"}, {"id": "W"}],
    "issues": [{"id": "land"}, {"id": "nato"}, {"id": "sanctions"}],
    "stances": [
        {"actor": "R", "issue": "land", "position": {"low": 60, "high": 90}, "salience": 0.7},
        {"actor": "U", "issue": "land", "position": 5, "salience": 1.0},
        {"actor": "W", "issue": "land", "position": 20, "salience": 0.4},
        {"actor": "R", "issue": "nato", "position": 95, "salience": 0.9},
        {"actor": "U", "issue": "nato", "position": 10, "salience": 0.6},
        {"actor": "W", "issue": "nato", "position": {"low": 0, "high": 30}, "salience": 0.8},
        {"actor": "R", "issue": "sanctions", "position": 100, "salience": 0.6},
        {"actor": "W", "issue": "sanctions", "position": 20, "salience": 0.5}],
    "war": {"months": 60,
            "sides": {"A": {"actors": ["R"], "prior_win": {"low": 0.55, "high": 0.65}, "cost": 0.004},
                      "B": {"actors": ["U", "W"], "prior_win": {"low": 0.45, "high": 0.55}, "cost": 0.008}},
            "battlefield": {"forts": 16, "start": 8, "p_battle": {"low": 0.5, "high": 0.56}},
            "shocks": [{"month": 6, "side": "B", "what": "p_battle", "delta": 0.02}]},
}


def variants() -> dict[str, Scenario]:
    out = {"minimal (random walk, nash)": Scenario.model_validate(BASE)}
    dom = copy.deepcopy(BASE)
    dom["war"]["sides"]["B"]["ratifiers"] = [{"name": "congress", "margin": {"low": 0, "high": 0.1},
                                              "limits": {"sanctions": 50}}]
    dom["war"]["sides"]["A"]["commitments"] = [{"issue": "nato", "demand": 90, "audience_cost": 1.0},
                                               {"issue": "sanctions", "demand": 90, "audience_cost": 0.5}]
    dom["war"]["terms"] = {"mapping": "salience"}
    dom["war"]["bargaining"] = {"rule": "rubinstein"}
    out["domestic + logroll (rubinstein)"] = Scenario.model_validate(dom)
    lan = copy.deepcopy(BASE)
    lan["war"]["battlefield"] = {"kind": "lanchester", "forts": 16, "start": 8, "force_A": 1.2, "force_B": 1.0}
    lan["war"]["shocks"] = [{"month": 6, "side": "B", "what": "reinforcement", "delta": 0.01}]
    out["lanchester"] = Scenario.model_validate(lan)
    for name in ("ukraine-settlement.yaml", "ukraine-settlement-contrast.yaml"):
        p = EXAMPLES / name
        if p.exists():
            s = load(p)
            if s.war is not None:
                out[name] = s
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1,000 draws, one repeat")
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    draws, repeat = (1000, 1) if a.quick else (a.draws, a.repeat)
    print(f"war model: {draws} draws x 60 months, best of {repeat} (runner.run, sampling included)")
    for name, s in variants().items():
        best, model_s = np.inf, np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = run(s, "war", draws=draws, seed=1)
            best = min(best, time.perf_counter() - t0)
            model_s = min(model_s, r.elapsed_s)
        e = r.trajectory.extras
        print(f"  {name:40s} {best:6.2f} s  (model {model_s:5.2f} s)   "
              f"P(settled by month 60) = {e['settlement_by_month'][-1]:.3f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
