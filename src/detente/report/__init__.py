"""Reports of a run: Rich tables, figures, a self-contained HTML page and an output folder.

Names are loaded on first use, so ``import detente.report`` does not import matplotlib.

>>> from detente import report
>>> callable(report.write_outputs) and callable(report.forecast_tables)
True
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "forecast_tables": "tables",
    "summary_table": "tables",
    "render_text": "tables",
    "plot_issue": "plots",
    "plot_trajectory": "plots",
    "plot_trajectories": "plots",
    "figures_for": "plots",
    "register_plot": "plots",
    "unregister_plot": "plots",
    "png_bytes": "plots",
    "render_html": "html",
    "write_outputs": "outputs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
