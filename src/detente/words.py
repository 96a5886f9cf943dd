"""Numbers as every table, report and explanation writes them.

>>> pct(0.352), pct(0.041), pct(None)
('35 %', '4.1 %', '—')
"""

from __future__ import annotations

import math


def pct(p: float | None) -> str:
    """``35 %`` (one decimal under 10 %); an em dash for no number."""
    if p is None or not math.isfinite(p):
        return "\u2014"
    v = 100 * p
    return f"{v:.1f} %" if 0 < v < 10 else f"{v:.0f} %"


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural but for one (nouns that take an s).

    >>> count(1, "issue"), count(10, "actor"), count(0, "uncertain input")
    ('1 issue', '10 actors', '0 uncertain inputs')
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
