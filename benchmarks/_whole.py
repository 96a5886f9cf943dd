"""Timing whole ``detente`` processes as a user runs them (shared by the benchmark scripts).

CPU time is the child's user + sys time (``resource.getrusage(RUSAGE_CHILDREN)``), which the
other load on a shared machine disturbs much less than wall time. Children run without
``PYTHONDONTWRITEBYTECODE`` (a user's Python caches bytecode; without the cache every start
compiles detente's modules again, ~0.1 s), after one untimed warm-up run that writes the caches.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def detente_cmd() -> list[str]:
    """The ``detente`` entry point of the running venv (what a user types), else ``python -m``."""
    exe = Path(sys.executable).with_name("detente")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "detente.cli"]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU s, wall s) of one child process (its output is discarded; a failure raises)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env or child_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def median_timed(cmd: list[str], repeat: int, env: dict[str, str] | None = None,
                 warm_up: bool = True) -> tuple[float, float]:
    """Median (CPU s, wall s) of ``repeat`` runs, after one untimed warm-up run."""
    if warm_up:
        timed(cmd, env)
    runs = [timed(cmd, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def alternating(variants: dict[str, tuple[list[str], dict[str, str]]],
                repeat: int) -> dict[str, tuple[float, float]]:
    """Median (CPU s, wall s) of each variant ``{label: (command, environment)}`` over ``repeat``
    rounds that run every variant once, in turn, after one untimed warm-up round: a change of the
    machine's load then hits every variant alike (how before/after figures are taken)."""
    for cmd, env in variants.values():
        timed(cmd, env)
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in variants}
    for _ in range(repeat):
        for label, (cmd, env) in variants.items():
            runs[label].append(timed(cmd, env))
    return {label: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
            for label, rs in runs.items()}


def load_average() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
