"""Limits on what a reader accepts: file size, counts of actors/issues/stances, nesting, expansion.

Every limit has a default (the module constant) that an environment variable overrides, read
each time a file is read (so a test or a server can change it without re-importing):

==========================  =======================  ==========================================
limit                       default                  environment variable
==========================  =======================  ==========================================
file size                   64 MB                    ``DETENTE_MAX_FILE_MB`` (megabytes, float)
actors                      200,000                  ``DETENTE_MAX_ACTORS``
issues                      100,000                  ``DETENTE_MAX_ISSUES``
stances                     1,000,000                ``DETENTE_MAX_STANCES``
==========================  =======================  ==========================================

The stance cap is set by what a validated stance costs (``benchmarks/bench_readers.py``): about
1.3 KB of memory at the peak of reading and 5-7 us of CPU, so a million stances (thousands of times
the largest peer scenario, which has a few hundred) take about 1.3 GB and 6-8 s; the former cap of
five million would have needed about 6.5 GB.

Fixed bounds (no scenario comes near them): nesting depth :data:`MAX_DEPTH`; YAML alias expansion
:data:`MAX_EXPANSION` times the document's own node count (plus :data:`EXPANSION_SLACK`); one CSV
field :data:`MAX_FIELD` characters; integer literals :data:`MAX_INT_DIGITS` digits.

>>> max_file_bytes() == 64 * 2**20
True
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

MAX_FILE_MB = 64.0
MAX_ACTORS = 200_000
MAX_ISSUES = 100_000
MAX_STANCES = 1_000_000  # ~1.3 KB and ~6 us each when validated: 1.3 GB, 6-8 s of CPU
MAX_DEPTH = 100  # the deepest native scenario (war block, evidence) nests < 10 levels
MAX_EXPANSION = 10  # YAML: nodes after alias expansion <= 10 x nodes written (+ slack)
EXPANSION_SLACK = 10_000
MAX_FIELD = 1_000_000  # characters in one CSV field (Python's default limit is 131,072)
MAX_INT_DIGITS = 309  # an integer literal with more digits does not fit a float (max ~1.8e308)


MOST = {"DETENTE_MAX_FILE_MB": 1_000_000.0}  # a terabyte: the bound of a setting that has no other
MOST_COUNT = 1_000_000_000


def _env_number(name: str, default: float, whole: bool = False) -> float:
    """The setting ``name`` (unset or empty: ``default``). Anything but a positive number (a whole
    one for a count), up to a bound far beyond any scenario, is an error naming it, so that a typo
    does not silently leave the default in force, nor a fraction or a huge value break every read."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        v = float(raw)
    except ValueError:
        v = float("nan")
    most = MOST_COUNT if whole else MOST.get(name, 1e12)
    if not (0 < v <= most) or (whole and v != int(v)):
        from detente.errors import InputError

        shown = f"{int(default):,}" if default == int(default) else f"{default:g}"
        what = f"a whole number from 1 to {most:,}" if whole else f"a positive number up to {most:,.0f}"
        raise InputError.one(None, f"must be {what} (unset it for the default, {shown})", field=name, value=raw)
    return v


def max_file_bytes() -> int:
    """The largest scenario file read, in bytes (``DETENTE_MAX_FILE_MB``, default 64 MB)."""
    return int(_env_number("DETENTE_MAX_FILE_MB", MAX_FILE_MB) * 2**20)


@dataclass(frozen=True)
class _Caps:
    counts: dict[str, int]
    where: str
    set_by: dict[str, str]


_LOWERED: ContextVar[_Caps | None] = ContextVar("detente_reading_caps", default=None)


@contextmanager
def lowered(where: str, set_by: dict[str, str], **counts: int) -> Iterator[None]:
    """Lower the caps on actors, issues or stances while reading in this block (and this thread
    or task only): a server reads uploads with its own, smaller limits, so that a file it could
    never run is refused from its first lines instead of after it is parsed. ``where`` and
    ``set_by`` (per cap) word the message.

    >>> with lowered("this server", {"actors": "detente serve --max-actors"}, actors=2):
    ...     count_problem("actors", 3)
    '3 actors: at most 2 actors per scenario on this server (the limit is set by detente serve --max-actors)'
    >>> count_problem("actors", 3) is None
    True
    """
    token = _LOWERED.set(_Caps(dict(counts), where, dict(set_by)))
    try:
        yield
    finally:
        _LOWERED.reset(token)


def _env_counts() -> dict[str, int]:
    return {"actors": int(_env_number("DETENTE_MAX_ACTORS", MAX_ACTORS, whole=True)),
            "issues": int(_env_number("DETENTE_MAX_ISSUES", MAX_ISSUES, whole=True)),
            "stances": int(_env_number("DETENTE_MAX_STANCES", MAX_STANCES, whole=True))}


def max_counts() -> dict[str, int]:
    """The caps on the number of actors, issues and stances of one scenario."""
    caps, low = _env_counts(), _LOWERED.get()
    if low is not None:
        caps = {k: min(v, low.counts.get(k, v)) for k, v in caps.items()}
    return caps


_ENV = {"actors": "DETENTE_MAX_ACTORS", "issues": "DETENTE_MAX_ISSUES", "stances": "DETENTE_MAX_STANCES"}


def count_problem(key: str, n: int) -> str | None:
    """A message when ``n`` entries of ``key`` (actors, issues, stances) exceed the cap, else None."""
    cap = max_counts()[key]
    if n <= cap:
        return None
    low = _LOWERED.get()
    if low is not None and low.counts.get(key) == cap and cap < _env_counts()[key]:
        return (f"{n:,} {key}: at most {cap:,} {key} per scenario on {low.where} "
                f"(the limit is set by {low.set_by.get(key, 'its settings')})")
    return f"{n:,} {key}: more than the limit of {cap:,} (set {_ENV[key]} to raise it)"
