"""Start-up cost of the ``detente`` command as a user sees it: whole processes, CPU and wall time.

Prints first a plain machine reference, the whole-process CPU and wall time of ``python -c pass``
and ``python -c "import numpy"`` (median of the same ``--repeat`` runs): figures taken on machines of
different speed compare through it. Then runs each command as a fresh subprocess ``--repeat`` times
and prints the median CPU time (user + sys of the child, from ``resource.getrusage(RUSAGE_CHILDREN)``)
and wall time, against the targets of issue #12 (<= 0.3 s CPU for ``--version``, ``--help``,
``validate``, ``schema``, ``models``; <= 0.5 s for ``run --model mean``; set on a machine about
twice as fast as the shared 2-core one). Then, for each command as the program runs it
(``detente.cli.entry``), the modules that cost most to import (``python -X importtime``, cumulative
ms, top ``--top``), and whether Numba, SciPy or Matplotlib were imported at all.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5] [--top 8]

The machine is shared: CPU time is much less disturbed by other load than wall time, so the
targets are checked on CPU time (see ``_whole.py``: children cache bytecode as a user's Python
does). Exit code 1 when a target is missed.

Measured 2026-12-02 on the shared 2-core machine (load average 0.9-1.6), reference
``python -c pass`` 0.018-0.027 s, ``python -c "import numpy"`` 0.235-0.245 s. Median CPU s of 11
alternating runs, before (the tree before this work, ``PYTHONPATH`` to a copy of its ``src``, same
venv) -> after:

    detente --version                                           0.21 -> 0.03  (the interpreter alone: 0.02)
    detente --help                                              0.31 -> 0.30
    detente validate examples/ukraine-settlement.yaml           0.48 -> 0.45
    detente schema                                              0.44 -> 0.41
    detente models                                              0.40 -> 0.37
    detente run examples/ukraine-settlement.yaml --model mean   0.66 -> 0.62

What changed: ``detente.cli`` is only the entry point; the Typer app is ``detente.cli.commands``,
imported when a command runs, so ``--version`` loads neither Typer nor Rich nor the commands.
``main()`` builds the Click command of the one top-level command it runs (``detente.cli.commands.app_for``; ~20 ms
for all ~20). The readers' and the models' imports run with the collector paused and,
in the program, are frozen out of it with the loaded scenario: a short command no longer pays a
collection of the ~50,000 young objects of its start-up (~20 ms).

Second round, 2026-12-02 (the later, ~2x slower machine, load 0.2-0.6; A/B of 9 alternating
pairs, ``python -c "from detente.cli import entry; entry()" ...``, median CPU s before -> after and
the median of the pairwise differences):

    detente validate examples/ukraine-settlement.yaml           0.361 -> 0.323  (-34 ms; plain "ok": -60 ms)
    detente schema                                              0.316 -> 0.248  (-63 ms)
    detente models                                              0.319 -> 0.293  (-24 ms)
    detente run examples/ukraine-settlement.yaml --model mean   0.495 -> 0.465  (-34 ms)

and this script, console script, 9 runs: validate 0.30, schema 0.25, models 0.29, run mean 0.47-0.50
(targets met, validate and run at the edge: +-0.02 s between series). What changed: with every
pydantic plugin disabled (the program's default) ``pydantic.plugin._loader``, which imports
``importlib.metadata`` (with ``email``, ``calendar``, ``zipfile``: ~30 ms) only to scan entry points
it then does not scan, is replaced by a stand-in whose ``get_plugins()`` returns ``()`` as
pydantic's does then (``detente.cli._pluginless_loader``; tests check pydantic's own loader returns
``()`` for those values and that pydantic imports no other name from it); Rich is imported when
something is printed through it (``detente.consoles``), so ``schema``, ``models --format json``,
``run --format json`` and ``validate`` (one plain line, no markup, which also prints a name such as
``[red]x`` as written) never load it.

What is left is third-party imports, measured alone in a process that has already imported what
they share: Typer ~0.09 s (its vendored Click, ``inspect``), Rich's console ~0.05 s, and for
``--help`` Typer's ``rich_utils`` ~0.07 s (it imports ``rich.markdown``, i.e. markdown-it and
Pygments, ~0.06 s, even when no Markdown is rendered); pydantic ~0.04 s plus ``pydantic.types`` and
``annotated_types`` ~0.065 s (``from pydantic import BaseModel`` imports them); pydantic's plugin
loader imports ``importlib.metadata`` (~0.025 s) even with ``PYDANTIC_DISABLE_PLUGINS`` set (the
program sets it, so no distribution is scanned: ~5 ms more otherwise); PyYAML ~0.025 s (its reader
compiles a large regex at import); NumPy ~0.16 s for a run. detente's own scenario classes
(pydantic schema building) ~0.03 s, the war block's ~0.035 s: ``defer_build=True`` was measured
again and is slower (0.155 vs 0.14 s for import + load; the nested classes are built again inside
their parents). Not done: replacing ``pydantic.plugin._loader`` or ``rich.markdown`` in
``sys.modules`` with stand-ins (~0.02 s / ~0.06 s) would change third-party modules for every
user of the process.
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
