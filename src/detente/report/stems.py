"""File-name stems of a report's figures, without matplotlib (the main process of
``detente run --out`` names the figures that its workers drew, :mod:`detente.report.workers`)."""

from __future__ import annotations

import re
from typing import TypeVar

T = TypeVar("T")


def slug(text: str) -> str:
    """A file-name-safe stem.

    >>> slug("Settlement probability / month")
    'settlement-probability-month'
    """
    s = re.sub(r"[^A-Za-z0-9_.]+", "-", text.strip()).strip("-.").lower()
    return s or "figure"


def unique_stems(figures: list[tuple[str, str, T]]) -> list[tuple[str, str, T]]:
    """``figures`` with file-name-safe (:func:`slug`), unique stems: a repeated stem gets ``-2``, ``-3``...

    >>> unique_stems([("issue-x", "a", 1), ("issue x", "b", 2), ("Issue-X", "c", 3)])
    [('issue-x', 'a', 1), ('issue-x-2', 'b', 2), ('issue-x-3', 'c', 3)]
    """
    out: list[tuple[str, str, T]] = []
    seen: set[str] = set()
    for stem, title, item in figures:
        base, n = slug(stem), 2
        stem = base
        while stem in seen:
            stem, n = f"{base}-{n}", n + 1
        seen.add(stem)
        out.append((stem, title, item))
    return out
