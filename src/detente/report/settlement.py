"""Plot of the war model's settlement probability by month (hooked into reports by the lead).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = plot_settlement({"settlement_by_month": [0.0, 0.2, 0.5]}, ax, label="base")
>>> bool(ax.get_ylim()[1] >= 1.0)
True
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plot_settlement(result_extras: dict[str, Any], ax: Any, label: str | None = None, **kwargs: Any) -> Any:
    """Step plot of P(settled by month t) from a war run's ``extras`` on a matplotlib Axes.

    Marks the median time to settlement when it is known. Returns the Axes.
    """
    y = np.asarray(result_extras["settlement_by_month"], dtype=float)
    months = np.arange(len(y))
    ax.step(months, y, where="post", label=label, **kwargs)
    tts = result_extras.get("time_to_settlement") or {}
    med = tts.get("p50")
    if med is not None:
        ax.axvline(med, linestyle=":", linewidth=0.8, color=ax.lines[-1].get_color())
    ax.set_xlabel("month")
    ax.set_ylabel("P(settled by month)")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(0, max(len(y) - 1, 1))
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend(loc="best")
    return ax
