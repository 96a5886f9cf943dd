"""How a war ends, in words: the war model's outcomes with the sides named from the scenario.

The war model (simulate.py) ends every draw in one of six ways - a deal (``settlement``), a
military victory of A or B (the front reaches an absorbing end, or a Lanchester breakpoint), a
collapse of A or B (Powell 2004's hazard), or no end by the horizon (a frozen conflict along the
front line). Its ``extras`` hold the probability of each and the terms given a deal. This module
turns them into the headline a reader needs - P(deal by 6 / 12 / 24 / 60 months), the probability
of each ending with the sides named, and the terms *given a deal* - without pooling deals with
victories. Pure functions over a run's ``extras``: nothing here runs the model.

>>> war = {"sides": {"A": {"name": "Russia", "actors": ["ru"]}, "B": {"actors": ["ua", "eu"]}}}
>>> names = side_names(war, {"ru": "Russia", "ua": "Ukraine", "eu": "EU"})
>>> names
{'A': 'Russia', 'B': 'Ukraine, EU'}
>>> extras = {"outcome_probability": {"settlement": 0.35, "victory_A": 0.27, "victory_B": 0.11,
...           "collapse_A": 0.0, "collapse_B": 0.08, "horizon": 0.19},
...           "settlement_by_month": [0.1] * 7 + [0.2] * 6 + [0.3] * 12 + [0.35] * 36}
>>> [(e["label"], e["probability"]) for e in endings(extras, names)]  # doctest: +NORMALIZE_WHITESPACE
[('deal', 0.35), ('military victory of Russia', 0.27), ('military victory of Ukraine, EU', 0.11),
 ('collapse of Ukraine, EU', 0.08), ('unresolved at the horizon (60 months)', 0.19)]
>>> settlement_by(extras)
{'6': 0.1, '12': 0.2, '24': 0.3, '60': 0.35}
"""

from __future__ import annotations

from typing import Any, Mapping

MIN_DEALS = 5
"""The terms of a war are read from at least this many draws that end in a deal; with fewer, one or
two lucky battle paths would decide them (a lever's candidate, who gains and who loses, a sweep's
point)."""

HEADLINE_MONTHS = (6, 12, 24, 60)
# the model's stop codes -> (kind of ending, side or None), in the order the headline lists them
ENDINGS: dict[str, tuple[str, str | None]] = {
    "settlement": ("deal", None),
    "victory_A": ("military victory", "A"),
    "victory_B": ("military victory", "B"),
    "collapse_A": ("collapse", "A"),
    "collapse_B": ("collapse", "B"),
    "horizon": ("unresolved", None),
}


def side_names(war: Mapping[str, Any] | None, actor_labels: Mapping[str, str]) -> dict[str, str]:
    """``{"A": name, "B": name}``: the side's ``name`` in the ``war:`` block, else its actors'
    labels joined by commas, else "side A" / "side B"."""
    sides = (war or {}).get("sides") or {}
    out = {}
    for sid in ("A", "B"):
        side = sides.get(sid) or {}
        name = side.get("name")
        if not name:
            name = ", ".join(actor_labels.get(a, a) for a in side.get("actors") or []) or f"side {sid}"
        out[sid] = str(name)
    return out


def possessive(name: str) -> str:
    """A side's name in the possessive.

    >>> possessive("Russia"), possessive("Ukraine and its Western backers")
    ("Russia's", "Ukraine and its Western backers'")
    """
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def horizon_months(extras: Mapping[str, Any]) -> int | None:
    """The horizon T of the run (``settlement_by_month`` has T + 1 entries)."""
    by = extras.get("settlement_by_month")
    return None if by is None else len(by) - 1


def ending_label(code: str, names: Mapping[str, str], horizon: int | None = None) -> str:
    """``"military victory of Russia"`` for ``victory_A``; unknown codes are returned as they are.

    >>> ending_label("collapse_B", {"A": "Russia", "B": "Ukraine"}), ending_label("horizon", {}, 60)
    ('collapse of Ukraine', 'unresolved at the horizon (60 months)')
    """
    if code not in ENDINGS:
        return code
    kind, side = ENDINGS[code]
    if side is not None:
        return f"{kind} of {names.get(side, 'side ' + side)}"
    if kind == "unresolved":
        return "unresolved at the horizon" + (f" ({horizon} months)" if horizon is not None else "")
    return kind


def endings(extras: Mapping[str, Any], names: Mapping[str, str], keep_zero: bool = False) -> list[dict[str, Any]]:
    """Each ending with its probability over draws: ``[{"code", "ending", "side", "side_name",
    "label", "probability"}, ...]`` in the order deal, victories, collapses, unresolved; endings
    with probability 0 are left out unless ``keep_zero``."""
    probs = extras.get("outcome_probability") or {}
    T = horizon_months(extras)
    out = []
    for code, (kind, side) in ENDINGS.items():
        p = float(probs.get(code, 0.0))
        if p <= 0.0 and not keep_zero:
            continue
        out.append({"code": code, "ending": kind, "side": side,
                    "side_name": names.get(side) if side else None,
                    "label": ending_label(code, names, T), "probability": p})
    return out


def settlement_by(extras: Mapping[str, Any], months: tuple[int, ...] = HEADLINE_MONTHS) -> dict[str, float | None]:
    """P(a deal by month m) for each m; ``None`` for months past the run's horizon."""
    by = extras.get("settlement_by_month")
    if by is None:
        return {str(m): None for m in months}
    return {str(m): (float(by[m]) if m < len(by) else None) for m in months}


def deal_terms(traj: Any) -> Any:
    """A war run's forecast (draws, issues) where the draw ends in a deal, NaN where it ends
    otherwise (a military victory, a collapse, unresolved at the horizon): the terms *given a deal*
    draw by draw, as the bottom line of ``detente run`` reads the war model.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> tr = SimpleNamespace(forecast=np.array([[40.0], [100.0]]), extras={"_settled": np.array([True, False])})
    >>> deal_terms(tr).tolist()
    [[40.0], [nan]]
    """
    import numpy as np

    return np.where(np.asarray(traj.extras["_settled"], bool)[:, None], traj.forecast, np.nan)


def terms_given_deal(extras: Mapping[str, Any], issue_id: str) -> dict[str, float] | None:
    """The terms on one issue over the draws that end in a deal (mean, p10 ... p90), or ``None``
    when no draw ends in a deal."""
    t = (extras.get("terms") or {}).get(issue_id)
    return dict(t) if t else None
