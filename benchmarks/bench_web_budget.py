"""The cost factors of the web server's work budget (:data:`detente.web.budget.COST`), measured.

For each registered model, runs :func:`detente.runner.run` on the flagship example
(``examples/ukraine-settlement.yaml``, 8 actors x 5 issues) once to warm up (Numba's cache or
JIT), then once timed, and prints the CPU time per actor-issue-draw, its ratio to the mean
model's and the factor in :data:`COST`. With ``--big``, also the CPU and peak memory (RSS) of the
largest mean-model run the default limits accept at 10 issues (200 actors x 10 issues x 20,000
draws), in a child process.

    .venv/bin/python benchmarks/bench_web_budget.py [--big]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

FLAGSHIP = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"

BIG = """
import resource, time
from detente.runner import run
from detente.scenario.io import validate
a, i = 200, 10
s = validate({"name": "big", "actors": [{"id": f"a{k}", "capability": {"low": 1, "high": 1 + k % 7}} for k in range(a)],
              "issues": [{"id": f"i{j}"} for j in range(i)],
              "stances": [{"actor": f"a{k}", "issue": f"i{j}", "salience": {"low": 0.2, "high": 0.9},
                           "position": {"low": (7 * k + j) % 90, "high": (7 * k + j) % 90 + 10}}
                          for k in range(a) for j in range(i)]}, None)
t = time.process_time()
run(s, "mean", draws=20_000, seed=1)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"mean, 200 actors x 10 issues x 20,000 draws: {time.process_time() - t:.1f} CPU-s, "
      f"peak RSS {ru.ru_maxrss / 2**20:.2f} GB")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also the largest accepted mean-model run")
    args = ap.parse_args()

    from detente.models import registry
    from detente.runner import run
    from detente.scenario.io import load
    from detente.web.budget import COST

    s = load(FLAGSHIP)
    cells = len(s.actors) * len(s.issues)
    base = None
    print(f"{'model':<10} {'us/cell-draw':>12} {'measured':>9} {'COST':>6}")
    for m in ["mean", *[n for n in registry.names() if n != "mean"]]:
        try:
            run(s, m, draws=2, seed=1)
        except Exception as e:  # noqa: BLE001 - a model this scenario cannot run is reported, not fatal
            print(f"{m:<10} cannot run on the flagship: {e}")
            continue
        draws = 2000 if COST.get(m, 200) < 50 else 200
        t = time.process_time()
        run(s, m, draws=draws, seed=1)
        us = (time.process_time() - t) / (cells * draws) * 1e6
        base = base or us
        print(f"{m:<10} {us:>12.2f} {us / base:>9.1f} {COST.get(m, float('nan')):>6g}", flush=True)
    if args.big:
        subprocess.run([sys.executable, "-c", BIG], check=True)


if __name__ == "__main__":
    main()
