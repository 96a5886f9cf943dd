"""Speed of ``detente levers`` on the flagship (issue #11): target <= 10 s warm on 2 cores.

Runs ``levers(examples/ukraine-settlement.yaml, model, --issue, --target)`` with the default 100
draws per candidate, once cold (the first call in this process: Numba's cache load, or its JIT
when the cache is empty) and ``--repeat`` times warm, and prints for each the in-function wall and
CPU times, then the whole process's CPU (user + sys) and wall time. Also times the ``--actor``
question once warm.

    .venv/bin/python benchmarks/bench_levers.py [--model bdm] [--issue territory] [--target 60]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

T0 = time.perf_counter()

from detente.explain.levers import levers  # noqa: E402
from detente.scenario.io import load  # noqa: E402

FLAGSHIP = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="bdm")
    ap.add_argument("--issue", default="territory")
    ap.add_argument("--target", type=float, default=60.0)
    ap.add_argument("--actor", default="ukraine")
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    s = load(FLAGSHIP)
    print(f"levers on {FLAGSHIP.name}, model {a.model}, issue {a.issue}, target {a.target:g}, "
          f"{a.draws} draws per candidate, {os.cpu_count()} cores")
    for n in range(a.repeat + 1):
        w0, c0 = time.perf_counter(), cpu()
        res = levers(s, a.model, a.issue, target=a.target, draws=a.draws)
        w, c = time.perf_counter() - w0, cpu() - c0
        tag = "cold" if n == 0 else f"warm {n}"
        print(f"  {tag:7s} --target: {w:6.2f} s wall, {c:6.2f} s CPU, {res['evaluations']} candidates "
              f"x {a.draws} draws; best: {res['levers'][0]['actor']} {res['levers'][0]['attribute']} "
              f"-> {res['levers'][0]['to']:.4g} (forecast {res['levers'][0]['forecast']:.4g})")
    w0, c0 = time.perf_counter(), cpu()
    res = levers(s, a.model, a.issue, actor=a.actor, draws=a.draws)
    print(f"  warm    --actor {a.actor}: {time.perf_counter() - w0:6.2f} s wall, {cpu() - c0:6.2f} s CPU, "
          f"{res['evaluations']} candidates")
    print(f"whole process: {time.perf_counter() - T0:.2f} s wall, {cpu():.2f} s CPU (user + sys)")
    target = 10.0
    print(f"target: warm --target <= {target:g} s on 2 cores")


if __name__ == "__main__":
    main()
