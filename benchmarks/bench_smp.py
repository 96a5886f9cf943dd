"""Speed of the SMP model on KTAB's nested 40/80/160-actor files, against KTAB's recorded times.

1. In the model: time per round and total at 40/80/160 actors, the fitted exponent of time per
   round against n, the peak RSS, and the ratios to KTAB's times.
2. Whole process, as a user sees it: ``detente run FILE --model smp`` as a subprocess (median CPU
   = user + sys and wall of ``--repeat`` runs, see ``_whole.py``) on a040/a080/a160 and
   dummyData_6Dim, against the targets of issue #12 (a080 <= 0.66 s CPU = 100x KTAB, a160 <= 1.3 s
   = 500x, 6Dim >= 10x KTAB).

Measured 2026-12-02, after the in-place kernels and the start-up work (issue #12 items 2 and 5),
alternating before (``PYTHONPATH=/work/main/src``, same venv) and after, median CPU s of 7-9 pairs,
two series (2-core machine shared with other jobs, load average 1.5-3.1, CPU +-20 %):

    a080   0.73 -> 0.61,  0.69 -> 0.56   (target 0.66: met)
    a160   1.67 -> 1.31,  1.62 -> 1.30   (target 1.3: at the target, 1.20-1.43 over the runs)
    6Dim   0.64 -> 0.48,  0.62 -> 0.47   (target 0.298: NOT met)

In process (``run(scenario, "smp")``, best of 3, CPU): a080 0.21-0.27 -> 0.13-0.17 s (17 rounds),
a160 1.16-1.20 -> 0.80-0.88 s (13 rounds). Per round at 80 actors the challenge kernel
(``best_targets``) went 9.3 -> 4-6 ms and a coalition matrix 1.1 -> 0.8 ms: the N^3 blocks now
reuse four buffers in place instead of ~14 temporaries per block, in 1 MiB blocks (2^15 elements
before). The numbers are bit for bit the same: every operation keeps its order, the buffers keep
the memory layout the votes always had, so the sums over third parties still run in actor order
(``tests/test_smp.py::test_blocked_challenges_are_the_unblocked_ones_bit_for_bit``). The whole
process also lost the fixed costs measured in ``bench_startup.py`` (OpenBLAS's idle spin ~0.05 s,
numpy.ma, Rich's progress bar and emoji table, and the YAML library, which a KTAB file does not
need). Numba was not used for SMP: importing it costs ~0.3 s of CPU on top of NumPy, more than the
whole 80-actor run.

dummyData_6Dim (>= 10x KTAB, i.e. <= 0.298 s CPU; issue #12 item 5), measured 2026-12-02 after
three more cuts, alternating before (``PYTHONPATH=/work/main/src``, main f70c1bf, same venv) and
after, median CPU s and the median of the pairwise differences (25 pairs per series):

    load 0.8-0.9:  0.264 -> 0.248 (-13 ms),  0.262 -> 0.249 (-12 ms)   target met
    load 1.4-1.8:  0.268 -> 0.258 (-12 ms),  0.318 -> 0.305 (-28 ms)   (21 pairs) met, missed

The cuts: the program sets ``PYDANTIC_DISABLE_PLUGINS`` (no scan of 77 distributions' entry points,
~5 ms); the CLI's command modules keep their annotations as objects (Typer evaluated ~270 string
annotations at every start: its command tree 10 -> 5 ms); SMP's equivalence groups loop only over
actors that have an earlier actor within tolerance (3.4 -> 1.5 ms over 30 states); the war model's
package is no longer imported by a run of another model. The target is met on a quiet machine and
missed when another job shares the core, because most of the process is a fixed third-party floor:
``--floor`` times a child that only imports NumPy (with ``numpy.random``), pydantic (and builds one
model class), Typer with its pydantic adapters, and Rich's console and table: 0.200 and 0.211 s in
the two quiet series above, against 0.248 for the whole run. In-process CPU of the parts (quiet
machine, ``time.process_time``): the interpreter 12 ms, NumPy 60, Typer + Rich 39, pydantic up to
its first model class 58, detente's modules 32 (its pydantic classes: the scenario's 9 ms, SMP's
options 2), then reading and validating the file 6, Typer's command tree 5, the SMP run 26 (29
rounds: challenges 7.6, bargains 7.4, states 7.3), the tables 9 (Rich rendering 7). ``python -X
importtime`` lists no Numba, SciPy, Matplotlib, SQLAlchemy, YAML, nor detente.web/store/explain
beyond the ``*.commands`` modules that register the subcommands with Typer (~1.5 ms together).
Typer (0.29, with its vendored Click) imports no Rich; Rich is loaded by ``detente.cli`` for the
tables. What is left to cut is small or would change the output: a renderer of the tables without
Rich would save at most ~20 ms (Rich's import and rendering) and would have to reproduce Rich's
column widths and wrapping byte for byte.

Measured 2026-12-03, after the compiled N^3 steps for large problems (``detente.models.smp_jit``,
used from 2 million terms a round: a160 yes, a080 and 6Dim no), alternating before
(``PYTHONPATH`` = the previous commit's ``src``, byte-compiled) and after, ``/usr/bin/time``, 5 pairs,
CPU s, a machine running about a third slower than the morning's (``jit.speed_probe`` 1.26 ms):

    a160   2.10-2.19 -> 1.59-1.67   (median 2.19 -> 1.63; target 1.3: MISSED on this state)
    a080   0.75-0.79 -> 0.73-0.80   (the same code path: NumPy)

In the model (``run(scenario, "smp")``, CPU): a160 1.64 -> 0.48 s; the challenges 1.10 -> 0.31 s
over 13 rounds and the coalition strengths 0.51 -> 0.07 s. Importing Numba (~0.35 s), loading its
registries (~0.3 s) and the two cached kernels (~0.15 s) come on top, once per process.

Provenance of the KTAB figures (``KTAB``): ``shared/specs/ktab.md`` §4, measured by an earlier
session on this kind of 2-core machine: KTAB's C++ ``smpc`` built with -O2, wall clock of the
whole process (``/usr/bin/time -v``), which includes KTAB's own start-up and its SQLite output.
KTAB is not rebuilt or rerun here. Our CPU time is compared with KTAB's wall time (KTAB's runs
are single-threaded apart from its bargain queue, so its CPU is about its wall time).

A large run (``--large``): ``detente run examples/ukraine-settlement.yaml -m smp -n 20000 -f json``,
whole process, wall, CPU and peak memory (the child's maximum resident set). 2026-12-07, the
history of the rounds in blocks moved one by one into the run's (before: per-round copies,
stacked per batch, then concatenated), alternating runs with the code before (``PYTHONPATH``):
2.16-2.19 GB and 9.0-10.1 s wall before (3.8-4.2 s of it system time, the kernel handing out
pages), 1.37 GB and 5.8-5.9 s after (0.6 s system; 7.5 s at load 1.3), the output the same bit
for bit.

    .venv/bin/python benchmarks/bench_smp.py [--repeat 3] [--skip-model] [--floor] [--large]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _whole import ROOT, child_env, detente_cmd, load_average, median_timed  # noqa: E402

from detente.runner import run  # noqa: E402
from detente.scenario.io import load  # noqa: E402

DOC = Path(__file__).resolve().parents[1].parent / "shared/peers/ktab-data/examples/smp/doc"
KTAB = {40: (6.4, 20), 80: (66.0, 17), 160: (652.0, 13)}  # seconds, rounds (smpc -O2)
# whole process: file, KTAB s (ktab.md §4, -O2 wall), our CPU target in s
WHOLE = [("dummyData-a040.csv", 6.4, None), ("dummyData-a080.csv", 66.0, 0.66),
         ("dummyData-a160.csv", 652.0, 1.3), ("dummyData_6Dim.csv", 2.98, 0.298)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# What ``detente run FILE --model smp`` cannot do without: the third-party imports (and pydantic's
# first model class), in a child that reads no file and runs no model. The short OpenBLAS spin and
# the disabled pydantic plugins are what ``detente.cli.entry`` sets.
FLOOR = """\
import os
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
import numpy, numpy.random
from pydantic import BaseModel, Field
class A(BaseModel):
    x: int = Field(1, ge=0)
A(x=2)
import typer.main, typer._adapters, rich.console, rich.table, rich.markup
"""


def floor(repeat: int) -> None:
    """Median CPU of the third-party floor (:data:`FLOOR`) and of the interpreter alone."""
    py = median_timed([sys.executable, "-c", "pass"], repeat)[0]
    cpu = median_timed([sys.executable, "-c", FLOOR], repeat)[0]
    print(f"floor: python -c pass {py:.3f} s CPU; NumPy + pydantic (one model class) + Typer + Rich imports "
          f"{cpu:.3f} s CPU (median of {repeat})")


def whole_process(doc: Path, repeat: int) -> bool:
    """``detente run FILE --model smp`` as a user runs it; True when every target is met."""
    print("whole process: detente run FILE --model smp (median of %d, CPU = user + sys)" % repeat)
    ok = True
    for name, ktab_s, target in WHOLE:
        cpu, wall = median_timed(detente_cmd() + ["run", str(doc / name), "--model", "smp"], repeat)
        verdict = ""
        if target is not None:
            met = cpu <= target
            ok &= met
            verdict = f"  target <= {target:.3g} s CPU ({ktab_s / target:.0f}x KTAB): {'met' if met else 'MISSED'}"
        print(f"  {name:22s} {cpu:6.2f} s CPU {wall:6.2f} s wall   KTAB {ktab_s:7.2f} s   x{ktab_s / cpu:7.1f}{verdict}",
              flush=True)
    return ok


LARGE_DRAWS = 20_000


def large(repeat: int) -> None:
    """Whole process of a large flagship run: median wall and CPU, the largest peak memory."""
    cmd = detente_cmd() + ["run", "examples/ukraine-settlement.yaml", "-m", "smp", "-n", str(LARGE_DRAWS),
                           "-f", "json"]
    probe = [sys.executable, "-c", "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", *cmd]
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=True, env=child_env())
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        peaks.append(int(out.stdout.split()[-1]) / 1024)  # kB on Linux
    print(f"large run: detente run examples/ukraine-settlement.yaml -m smp -n {LARGE_DRAWS} -f json: "
          f"{statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU, peak {max(peaks):.0f} MB "
          f"(median of {repeat}; 2.16 GB and 9.2-10.5 s wall before the history in blocks)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2, help="runs per size; the fastest counts")
    ap.add_argument("--doc", type=Path, default=DOC)
    ap.add_argument("--skip-model", action="store_true", help="only the whole-process figures")
    ap.add_argument("--floor", action="store_true", help="also time the third-party imports alone")
    ap.add_argument("--large", action="store_true", help=f"also a {LARGE_DRAWS:,}-draw flagship run: time and memory")
    a = ap.parse_args()
    print(load_average())
    if a.large:
        large(max(a.repeat, 3))
    if a.floor:
        floor(max(a.repeat, 3))
    ok_whole = whole_process(a.doc, max(a.repeat, 3))
    if a.skip_model:
        sys.exit(0 if ok_whole else 1)
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
