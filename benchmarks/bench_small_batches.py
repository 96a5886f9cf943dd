"""Small batches: the cost of one small BDM run, and of sweeps and sensitivity made of them.

A ``parallel=True`` Numba kernel pays a thread-pool launch on every call (~7.5 ms for one small
problem that takes ~0.1 ms); a sweep of N points pays it N times. The BDM kernel is now serial and
runs large batches as a few blocks on threads (``detente.models.bdm.SERIAL_BELOW``), small ones in
the calling thread. This prints:

1. in this process: median time of ``run(flagship, "bdm", draws=1)`` (5 problems of 8 actors,
   10 rounds) and of ``simulate`` on one 10-actor problem, over ``--repeat`` calls;
2. whole processes (median CPU = user + sys, wall; see ``_whole.py``): a 40-point ``detente
   sweep`` of the flagship with bdm on one worker, and ``detente sensitivity`` (Sobol, n = 64).

To compare with another checkout (e.g. the code before the change), put its ``src`` first:
``PYTHONPATH=/path/to/old/src .venv/bin/python benchmarks/bench_small_batches.py``.

    .venv/bin/python benchmarks/bench_small_batches.py [--repeat 200] [--whole 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _whole import ROOT, detente_cmd, load_average, median_timed  # noqa: E402

FLAGSHIP = "examples/ukraine-settlement.yaml"
SWEEP = ["sweep", FLAGSHIP, "--model", "bdm", "--vary", "actors[russia].capability=60:100:40", "-j", "1",
         "--format", "json"]
SENSITIVITY = ["sensitivity", FLAGSHIP, "--model", "bdm", "--n", "64", "--format", "json"]


def per_call(f, repeat: int) -> float:
    f()  # compile / load the cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--whole", type=int, default=3, help="runs of each whole-process case (median)")
    a = ap.parse_args()
    import detente
    from detente.models.bdm import EUOptions, simulate
    from detente.runner import run
    from detente.scenario.io import load

    print(f"{load_average()}; detente from {Path(detente.__file__).parent}")
    s = load(ROOT / FLAGSHIP)
    t_run = per_call(lambda: run(s, "bdm", draws=1, seed=1), a.repeat)
    rng = np.random.default_rng(1)
    x, c, w = rng.uniform(0, 100, (1, 10)), rng.uniform(0.1, 1, (1, 10)), rng.uniform(0.1, 1, (1, 10))
    pres, o = np.ones((1, 10), bool), EUOptions()
    t_sim = per_call(lambda: simulate(x, c, w, pres, np.array([100.0]), o), a.repeat)
    print(f"run(flagship, 'bdm', draws=1): {t_run * 1e3:.2f} ms per call (median of {a.repeat})")
    print(f"simulate(one problem, 10 actors, 10 rounds): {t_sim * 1e3:.3f} ms per call")
    for name, args in (("sweep, 40 points, 1 worker", SWEEP), ("sensitivity, Sobol n=64", SENSITIVITY)):
        cpu, wall = median_timed(detente_cmd() + args, a.whole)
        print(f"detente {' '.join(args)}\n    {name}: {cpu:.2f} s CPU, {wall:.2f} s wall (median of {a.whole})",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
