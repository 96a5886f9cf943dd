"""The chart of a sensitivity analysis: which uncertain inputs drive one issue's forecast.

Drawn from a :class:`~detente.uncertainty.sensitivity.SensitivityResult` (``detente sensitivity``,
``detente run --sensitivity``); the analysis itself is :mod:`detente.uncertainty.sensitivity`.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from detente.uncertainty.sensitivity import SensitivityResult


def plot_sensitivity(result: SensitivityResult, issue_id: str, top: int = 15, issue_label: str | None = None) -> Any:
    """Ranked horizontal bars for one issue: ST and S1 (Sobol, with 95 % intervals) or mu* (Morris).

    ``issue_label``: the issue's name, in the title; the inputs' labels then leave it out ("position
    of Russia", not "position of Russia on Ukraine's alliance status and European security
    architecture": three-line labels ran into each other), as the terminal's table does.
    Returns a :class:`matplotlib.figure.Figure` (no pyplot state is touched).
    """
    from matplotlib.figure import Figure

    rows = result.ranked(issue_id)[:top][::-1]  # most important at the top
    name = issue_label or issue_id
    own = f" on {issue_label}" if issue_label else None
    labels = ["\n".join(textwrap.wrap(r["label"].removesuffix(own) if own else r["label"], 44)) for r in rows]
    y = np.arange(len(rows))
    lines = max((lab.count("\n") + 1 for lab in labels), default=1)
    fig = Figure(figsize=(9.5, 1.4 + max(0.45, 0.16 * lines + 0.12) * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()

    def val(r: dict, key: str) -> float:
        return 0.0 if r.get(key) is None else float(r[key])

    if result.method == "sobol":
        h = 0.38
        ax.barh(y + h / 2, [val(r, "ST") for r in rows], h, xerr=[val(r, "ST_conf") for r in rows],
                label="total effect ST", color="#1f5fa8", capsize=2)
        ax.barh(y - h / 2, [val(r, "S1") for r in rows], h, xerr=[val(r, "S1_conf") for r in rows],
                label="first order S1", color="#8fb8e6", capsize=2)
        ax.set_xlabel("share of the forecast's variance")
        ax.legend(loc="lower right", fontsize=8)
    else:
        mu = [val(r, "mu_star") for r in rows]
        conf = [val(r, "mu_star_conf") for r in rows]
        # mu* is a mean of absolute elementary effects, never below 0; its interval (mu* -/+ the
        # bootstrap half-width, symmetric) is not: the bar's lower end stops at 0, not at mu* - conf
        lower = [min(c, max(m, 0.0)) for m, c in zip(mu, conf)]
        ax.barh(y, mu, 0.6, xerr=[lower, conf], color="#1f5fa8", capsize=2, label="mu*")
        ax.set_xlabel("mean absolute elementary effect mu*\n(units of the issue scale)")
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="0.3", lw=0.8)
    given = f" (given {result.given})" if getattr(result, "given", None) else ""  # war: the terms of a deal
    fig.suptitle(textwrap.fill(f"What drives the {result.model} forecast{given} of {name} "
                               f"({result.method.capitalize()})", 95),
                 fontsize=10, x=0.01, ha="left")
    return fig
