"""Whether a run fits in memory: refused up front, with the number of draws that would fit.

A run keeps its sampled inputs (position, salience and capability: draws x issues x actors each)
and, for the models with rounds, every actor's position on every issue in every round. Far more
draws than the machine can hold used to run until the operating system killed the process with no
word ("Killed"), or fail after minutes with a MemoryError. :func:`check_fits` compares what a run
needs *at least* with what this process may still take, and refuses only when the first exceeds
the second; a run that passes may still fail later, and the command then says so in words.

>>> need_bytes(draws=1_000, issues=5, actors=8, kept_rounds=11) / 1e6  # 1,000 draws, 10 rounds
4.48
"""

from __future__ import annotations

import os
from typing import Any

from detente.errors import InputError

CELL = 8
"""Bytes of one number (float64)."""


def need_bytes(draws: int, issues: int, actors: int, kept_rounds: int = 0) -> int:
    """At least the bytes a run holds: its three input arrays and ``kept_rounds`` states of every
    position (draws x issues x actors numbers each)."""
    return int(draws) * int(issues) * int(actors) * CELL * (3 + int(kept_rounds))


def available_bytes() -> int | None:
    """The memory this process may still take: the machine's available memory (Linux
    ``MemAvailable``) and, under an address-space limit (``ulimit -v``), that limit less what the
    process has mapped; ``None`` where neither is known."""
    free: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit != resource.RLIM_INFINITY:
            with open("/proc/self/statm", encoding="ascii") as f:
                mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            free.append(max(0, limit - mapped))
    except (ImportError, OSError, ValueError, IndexError):
        pass
    return min(free) if free else None


def size_text(n: float) -> str:
    """Bytes in words: ``'3.2 GB'``.

    >>> size_text(3.24e9), size_text(512e6), size_text(2e4)
    ('3.2 GB', '512 MB', '20 kB')
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            v = n / scale
            return f"{v:.1f} {unit}" if v < 10 else f"{v:.0f} {unit}"
    return f"{n:.0f} B"


def _round_down(n: float) -> int:
    """``n`` rounded down to two significant digits, at least 1: ``582936.4 -> 580000``.

    >>> _round_down(582936.4), _round_down(87.9), _round_down(0.3)
    (580000, 87, 1)
    """
    if n < 100:
        return max(1, int(n))
    scale = 10 ** (len(str(int(n))) - 2)
    return int(n) // scale * scale


def check_fits(spec: Any, opts: Any, draws: int, issues: int, actors: int, file: Any = None,
               available: int | None = None) -> None:
    """Refuse a run whose least memory exceeds what is ``available`` (default: :func:`available_bytes`),
    naming the number of draws that would fit and, for a model with rounds, its rounds option."""
    kept = spec.kept_rounds(opts) if spec.kept_rounds is not None else 0
    need = need_bytes(draws, issues, actors, kept)
    free = available_bytes() if available is None else available
    if free is None or need <= free:
        return
    fit = _round_down(draws * free / need * 0.9)
    what = "its inputs"
    if kept:
        what += f" and every actor's position on every issue in {kept} rounds"
    hint = f"use at most about {fit:,} draws"
    if spec.rounds_option:
        hint += f", or fewer rounds (-o {spec.name}.{spec.rounds_option}=N)"
    raise InputError.one(file, f"{draws:,} draws of {spec.name} need at least {size_text(need)} of memory "
                               f"({what}), more than the {size_text(free)} available here; {hint}",
                         field="draws", value=draws)
