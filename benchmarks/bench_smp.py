"""Speed of the SMP model on KTAB's nested 40/80/160-actor files, against KTAB's recorded times.

Prints time per round and total at 40/80/160 actors, the fitted exponent of time per round
against n, the peak RSS, and the ratios to KTAB's C++ smpc (-O2) times from ``ktab.md`` §4.

    .venv/bin/python benchmarks/bench_smp.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

import detente.models.smp  # noqa: F401  (registers the model)
from detente.runner import run
from detente.scenario.io import load

DOC = Path(__file__).resolve().parents[1].parent / "shared/peers/ktab-data/examples/smp/doc"
KTAB = {40: (6.4, 20), 80: (66.0, 17), 160: (652.0, 13)}  # seconds, rounds (smpc -O2)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2, help="runs per size; the fastest counts")
    ap.add_argument("--doc", type=Path, default=DOC)
    a = ap.parse_args()
    warm = load(a.doc / "dummyData_3Dim.csv")
    run(warm, "smp")  # JIT compile / caches outside the timings
    rows = []
    for n in (40, 80, 160):
        sc = load(a.doc / f"dummyData-a{n:03d}.csv")
        best, rounds = np.inf, 0
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            r = run(sc, "smp")
            best = min(best, time.perf_counter() - t0)
            rounds = int(r.trajectory.rounds[0])
        rows.append((n, rounds, best))
        k_t, k_r = KTAB[n]
        print(f"n={n:4d}  rounds={rounds:3d} (KTAB {k_r})  total={best:7.3f} s  per round={best / rounds * 1e3:8.1f} ms"
              f"  KTAB {k_t:6.1f} s ({k_t / k_r:6.2f} s/round)  speed-up x{k_t / best:8.1f}"
              f"  per round x{(k_t / k_r) / (best / rounds):8.1f}  forecast={r.forecast}", flush=True)
    ns = np.array([r[0] for r in rows], float)
    per = np.array([r[2] / r[1] for r in rows])
    slope = np.polyfit(np.log(ns), np.log(per), 1)[0]
    print(f"fitted exponent of time per round vs n: {slope:.2f} (target <= 3; KTAB about 3.6)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB (KTAB 493 MB at 160 actors; target < 200 MB)")
    ok = rows[-1][2] < 5 and peak_rss_mb() < 200
    print("targets (160 actors < 5 s and < 200 MB):", "met" if ok else "NOT met")
    sys.exit(0)


if __name__ == "__main__":
    main()
