"""A scenario as a notebook shows it: what it is, then its actors by issue, every number as written.

``Scenario._repr_html_`` calls :func:`scenario_html`, so ``s`` alone in a Jupyter cell shows the
table an analyst checks a scenario by (the web page's Positions table, read-only), each number
written by :func:`fmt_uncertain` as the terminal and the HTML report write the inputs.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "name": "Russia", "capability": 80}],
...     "issues": [{"id": "x", "scale": {"min": 0, "max": 10}}],
...     "stances": [{"actor": "A", "issue": "x", "position": {"low": 2, "high": 5}, "salience": 0.8}]})
>>> fmt_uncertain(Triangular(low=2, mode=3, high=5)), fmt_uncertain(0.8)
('3 (2\u20135)', '0.8')
>>> "<td>2\u20135 <small>· 0.8</small></td>" in scenario_html(s)
True
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from detente.scenario.uncertain import Mixture, Normal, Triangular, Uniform

if TYPE_CHECKING:
    from detente.scenario.model import Scenario

DASH = "\u2013"  # en dash for ranges


def fmt_uncertain(v: Any, issue: Any = None) -> str:
    """An input number as written: a point, ``low-high``, ``mode (low-high)`` or ``mean +- sd``.

    A mixture lists its components, each with its analyst (or its weight when unlabelled):

    >>> fmt_uncertain(Uniform(low=40, high=80))
    '40\u201380'
    >>> from detente.scenario.uncertain import _coerce
    >>> fmt_uncertain(_coerce({"mixture": [{"weight": 1, "value": 80, "analyst": "A"},
    ...                                    {"weight": 1, "value": {"low": 60, "high": 70}, "analyst": "B"}]}))
    'A 80 \u00b7 B 60\u201370'
    """
    if isinstance(v, Mixture):
        total = sum(c.weight for c in v.mixture)
        return " \u00b7 ".join((c.analyst if c.analyst is not None else f"{c.weight / total:.0%}") + " "
                                + fmt_uncertain(c.value) for c in v.mixture)
    if isinstance(v, Uniform):
        return f"{v.low:g}{DASH}{v.high:g}"
    if isinstance(v, Triangular):
        return f"{v.mode:g} ({v.low:g}{DASH}{v.high:g})"
    if isinstance(v, Normal):
        return f"{v.mean:g} \u00b1 {v.sd:g}"
    return f"{float(v):g}"


def scenario_html(s: "Scenario") -> str:
    """The scenario's name, description and counts, then a row per actor (its capability) and a
    column per issue (its scale and status quo), each cell the position and, small, the salience."""
    e = escape
    stances = {(st.actor, st.issue): st for st in s.stances}
    heads = "".join(
        f"<th>{e(i.label)}<br><small>{i.scale.min:g}\u2013{i.scale.max:g}"
        + (f", status quo {i.status_quo:g}" if i.status_quo is not None else "") + "</small></th>"
        for i in s.issues)
    rows = []
    for a in s.actors:
        cells = []
        for i in s.issues:
            st = stances.get((a.id, i.id))
            cells.append("<td>\u2013</td>" if st is None else
                         f"<td>{e(fmt_uncertain(st.position))} <small>· {e(fmt_uncertain(st.salience))}"
                         + (f" · capability {e(fmt_uncertain(st.capability))}" if st.capability is not None else "")
                         + "</small></td>")
        rows.append(f"<tr><th>{e(a.label)}<br><small>capability {e(fmt_uncertain(a.capability))}</small></th>"
                    + "".join(cells) + "</tr>")
    war = "; a war block (the war model's inputs)" if s.war else ""
    desc = f"<p>{e(s.description)}</p>" if s.description else ""
    return (f"<p><b>{e(s.name)}</b>: {len(s.actors)} actors, {len(s.issues)} issues, {len(s.stances)} stances"
            f"{war}</p>{desc}<table><thead><tr><th>actor</th>{heads}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table><p><small>each cell: position · salience (· the actor's capability on that issue, when it has "
            "one), as written (a range: low\u2013high, or mode (low\u2013high))</small></p>")
