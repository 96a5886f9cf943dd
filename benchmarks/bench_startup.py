"""Start-up cost of the ``detente`` command as a user sees it: whole processes, CPU and wall time.

Runs each command as a fresh subprocess ``--repeat`` times and prints the median CPU time (user +
sys of the child, from ``resource.getrusage(RUSAGE_CHILDREN)``) and wall time, against the targets
of issue #12 (<= 0.3 s CPU for ``--version``, ``--help``, ``validate``, ``schema``, ``models``;
<= 0.5 s for ``run --model mean``). Then, for each command, the modules that cost most to import
(``python -X importtime``, cumulative microseconds, top ``--top``), and whether Numba, SciPy or
Matplotlib were imported at all.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5] [--top 8]

The machine is shared: CPU time is much less disturbed by other load than wall time, so the
targets are checked on CPU time (see ``_whole.py``: children cache bytecode as a user's Python
does). Exit code 1 when a target is missed.

Measured 2026-12-02 on the shared 2-core machine (load average 1.5-3.1 from other jobs, CPU +-20 %),
median CPU s of alternating runs, before (``PYTHONPATH=/work/main/src``, same venv) -> after the
start-up work of issue #12 items 2 and 5 (two series of 9-11 pairs each):

    detente run examples/ukraine-settlement.yaml --model mean   0.49 -> 0.38,  0.45 -> 0.35
    detente validate examples/ukraine-settlement.yaml           0.28 -> 0.26,  0.25 -> 0.26
    detente --help                                              0.17 -> 0.15,  0.21 -> 0.21
    detente --version                                           0.11 -> 0.11,  0.14 -> 0.14

What the run lost: ~0.05-0.08 s of CPU that OpenBLAS's idle worker thread spent busy-waiting after
``import numpy`` (2**28 cycles; ``detente.cli.entry`` now sets ``OPENBLAS_THREAD_TIMEOUT=4``:
``import numpy`` alone 0.17 -> 0.12 s), ``numpy.ma`` (~10 ms: ``np.median`` loads it on first use;
one-draw medians no longer call it), Rich's progress machinery when stderr is not a terminal
(~7 ms), Rich's emoji table (~3 ms; the consoles print ``:name:`` as written) and, for KTAB, BDM and
Decide files, the YAML library (~15 ms). What is left is mostly third-party imports: importing
NumPy, pydantic, Typer (its parameter coercion builds a pydantic TypeAdapter per option) and Rich
alone costs ~0.30-0.39 s of the ~0.35-0.45 s; pydantic's plugin loader imports
``importlib.metadata`` (~18 ms, needed by pydantic itself, not avoidable from detente);
detente's scenario classes (pydantic schema building, ~35 ms: ``defer_build`` made it slower,
the nested classes are then built again inside their parents), the war block's classes among
them; the tables ~11 ms (Rich rendering).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _whole import ROOT, child_env, detente_cmd, load_average, median_timed  # noqa: E402

FLAGSHIP = "examples/ukraine-settlement.yaml"
COMMANDS: list[tuple[list[str], float]] = [
    (["--version"], 0.3),
    (["--help"], 0.3),
    (["validate", FLAGSHIP], 0.3),
    (["schema"], 0.3),
    (["models"], 0.3),
    (["run", FLAGSHIP, "--model", "mean"], 0.5),
]
HEAVY = ("numba", "scipy", "matplotlib", "pandas", "sqlalchemy", "fastapi", "SALib")


def import_breakdown(args: list[str], top: int) -> tuple[list[tuple[str, int]], set[str]]:
    """Top modules by cumulative import time (us) and which heavy packages were imported."""
    env = child_env()
    p = subprocess.run([sys.executable, "-X", "importtime", "-c",  # as the program runs: detente.cli.entry
                        f"import sys; from detente.cli import entry; sys.argv = ['detente', *{args!r}]; entry()"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((m.group(4), int(m.group(2)), len(m.group(3))))
    heavy = {name.split(".")[0] for name, _, _ in rows if name.split(".")[0] in HEAVY}
    # top-level packages only (indent 1): what each command pulls in, not their internals
    top_level = sorted(((n, us) for n, us, ind in rows if ind <= 1), key=lambda r: -r[1])
    return top_level[:top], heavy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per command (median counts)")
    ap.add_argument("--top", type=int, default=8, help="modules shown per command in the import breakdown")
    a = ap.parse_args()
    base = detente_cmd()
    print(f"{load_average()}\nmachine reference (median CPU and wall s of {a.repeat} runs; compare figures of "
          "machines of different speed through these):")
    for code in ("pass", "import numpy"):
        cpu, wall = median_timed([sys.executable, "-c", code], a.repeat)
        print(f"  python -c {code!r:44s} {cpu:7.3f} {wall:7.3f}", flush=True)
    print()
    print(f"{'command':52s} {'CPU s':>7s} {'wall s':>7s} {'target':>7s}")
    missed = []
    for args, target in COMMANDS:
        cpu, wall = median_timed(base + args, a.repeat)
        flag = "ok" if cpu <= target else "MISSED"
        if cpu > target:
            missed.append(" ".join(args))
        print(f"detente {' '.join(args):44s} {cpu:7.3f} {wall:7.3f} {target:7.2f}  {flag}", flush=True)
    print("\nimport breakdown (python -X importtime; cumulative ms, top-level modules):")
    for args, _ in COMMANDS:
        rows, heavy = import_breakdown(args, a.top)
        shown = ", ".join(f"{n} {us / 1000:.0f}" for n, us in rows)
        print(f"  detente {' '.join(args)}:\n    {shown}\n    heavy packages imported: "
              f"{', '.join(sorted(heavy)) or 'none'}")
    print("\ntargets:", "all met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
