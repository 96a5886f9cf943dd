"""The names of a scenario's uncertain inputs, without NumPy (for ``detente validate``).

The same list, in the same order, as the names of
:func:`detente.scenario.arrays.input_space` (which also builds the arrays and needs NumPy):
stance positions, saliences and per-issue capabilities, actor capabilities, then the numbers of
the ``war:`` block.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B", "capability": {"low": 1, "high": 2}}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": {"low": 40, "high": 80}}]})
>>> uncertain_names(s)
['stances[1].position', 'actors[1].capability']
"""

from __future__ import annotations

from detente.scenario.model import Scenario
from detente.scenario.uncertain import is_uncertain


def uncertain_names(scenario: Scenario) -> list[str]:
    """Field paths of every uncertain number of ``scenario``, in :func:`~detente.scenario.arrays.input_space` order."""
    names: list[str] = []  # only the uncertain ones are formatted: most numbers of a big scenario are points
    for k, st in enumerate(scenario.stances):
        if type(st.position) is float and type(st.salience) is float and st.capability is None:
            continue  # the common case: plain numbers
        if is_uncertain(st.position):
            names.append(f"stances[{k}].position")
        if is_uncertain(st.salience):
            names.append(f"stances[{k}].salience")
        if st.capability is not None and is_uncertain(st.capability):
            names.append(f"stances[{k}].capability")
    names += [f"actors[{k}].capability" for k, actor in enumerate(scenario.actors) if is_uncertain(actor.capability)]
    if scenario.war is not None:
        from detente.scenario.war import collect_parameters

        names += [name for name, dist, _ in collect_parameters(scenario) if is_uncertain(dist)]
    if len(scenario.analysts) >= 2:
        names.append("analyst")  # the analyst selector of a pooled scenario
    return names
