"""What a report's figures are called and coloured, without matplotlib: the main process of
``detente run --out`` names the figures that its workers drew (:mod:`detente.report.workers`) and
writes the HTML page (which needs the actors' colours) without importing it."""

from __future__ import annotations

import re
from typing import TypeVar

T = TypeVar("T")

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255"]
"""Okabe & Ito's (2008) colour-blind-safe colours, their yellow (1.3:1 on white, unreadable as a
line) replaced by a wine red."""
ACTOR_PALETTE = [c for c in PALETTE if c != "#000000"]
OWN_TRAJECTORY_PLOTS: set[str] = {"war"}
"""Models whose series are not positions on the issue scales: their own charts
(:func:`detente.report.plots.register_plot`) draw them instead of the "<model> by round" chart."""

SERIES_WORDS = {
    "median": "weighted median of the positions",
    "mean": "weighted mean of the positions",
    "mode": "most likely position",
    "mds": "expected outcome before the exchanges",
    "voting": "outcome of the voting positions",
}
"""The models' per-round series (``Trajectory.series``) in words, for charts' legends (the web
page's ``READOUT_WORDS`` say the same)."""


def series_label(name: str, readout: str | None) -> str:
    """A series' legend label in words; the read-out series (``Trajectory.readout``) is marked as
    the one the forecast comes from.

    >>> series_label("voting", "voting"), series_label("mds", "voting"), series_label("gap", None)
    ('outcome of the voting positions (the forecast)', 'expected outcome before the exchanges', 'gap')
    """
    words = SERIES_WORDS.get(name, name.replace("_", " "))
    return f"{words} (the forecast)" if name == readout else words


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
