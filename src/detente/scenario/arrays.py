"""From a validated :class:`Scenario` to the arrays every model works on.

All models take a :class:`ScenarioArrays`: inputs shaped (draws, issues, actors). Draw 0 of a run
without uncertainty holds the point values. Actors without a stance on an issue are marked
``False`` in ``present`` (issues, actors); they carry the issue's midpoint as position and zero
salience and capability, so weighted sums ignore them without NaN checks.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B", "capability": 3}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 10},
...     {"actor": "B", "issue": "x", "position": {"low": 50, "high": 70}, "salience": 0.5}]})
>>> arr = ScenarioArrays.from_scenario(s)
>>> arr.position.shape, arr.position[0, 0].tolist(), arr.capability[0, 0].tolist()
((1, 1, 2), [10.0, 60.0], [1.0, 3.0])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from detente.scenario.model import Scenario
from detente.scenario.uncertain import is_uncertain, point
from detente.scenario.sampling import SELECTOR, InputSpace


@dataclass(frozen=True)
class ScenarioArrays:
    """Model inputs. ``position``, ``salience``, ``capability``: float arrays (draws, issues, actors)."""

    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    present: np.ndarray  # (issues, actors) bool
    scale_min: np.ndarray  # (issues,)
    scale_max: np.ndarray  # (issues,)
    status_quo: np.ndarray  # (issues,), NaN where not given
    options: dict = field(default_factory=dict)  # scenario-level model options, by model name
    params: dict[str, np.ndarray] = field(default_factory=dict)  # scalar parameters, each (draws,)
    context: dict = field(default_factory=dict)  # raw scenario blocks models may need, e.g. "war"

    @property
    def draws(self) -> int:
        return self.position.shape[0]

    @property
    def n_issues(self) -> int:
        return self.position.shape[1]

    @property
    def n_actors(self) -> int:
        return self.position.shape[2]

    @property
    def scale_range(self) -> np.ndarray:
        return self.scale_max - self.scale_min

    def normalized_position(self) -> np.ndarray:
        """Positions mapped to [0, 1] on each issue's scale."""
        return (self.position - self.scale_min[:, None]) / self.scale_range[:, None]

    def from_unit(self, x: np.ndarray, axis_issue: int = -1) -> np.ndarray:
        """Map values on [0, 1] back to each issue's scale; ``axis_issue`` is the issue axis of x."""
        shape = [1] * x.ndim
        shape[axis_issue] = -1
        return self.scale_min.reshape(shape) + x * self.scale_range.reshape(shape)

    def weights(self) -> np.ndarray:
        """capability x salience, zero where an actor has no stance."""
        return self.capability * self.salience * self.present

    def chunk(self, start: int, stop: int) -> "ScenarioArrays":
        """Draws ``start:stop`` (used to bound memory)."""
        return replace(
            self,
            position=self.position[start:stop],
            salience=self.salience[start:stop],
            capability=self.capability[start:stop],
            params={k: v[start:stop] for k, v in self.params.items()},
        )

    def take(self, rows: np.ndarray) -> "ScenarioArrays":
        """The draws with indices ``rows``, in that order (e.g. the draws of a war that end in a deal)."""
        return replace(
            self,
            position=self.position[rows],
            salience=self.salience[rows],
            capability=self.capability[rows],
            params={k: v[rows] for k, v in self.params.items()},
        )

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, draws: int = 1, rng: np.random.Generator | None = None
    ) -> "ScenarioArrays":
        """Point values when ``draws == 1`` (or no rng); otherwise ``draws`` Monte Carlo draws."""
        space, base, targets = input_space(scenario)
        D = max(int(draws), 1)
        values = None
        if D > 1 and len(space):
            if rng is None:
                raise ValueError("draws > 1 needs a random generator")
            values = space.sample(D, rng)
        return cls._build(scenario, base, targets, D, values)

    @classmethod
    def from_values(cls, scenario: Scenario, u: np.ndarray) -> "ScenarioArrays":
        """Arrays for given unit-interval points ``u`` (draws, k) of :func:`input_space` (Sobol etc.)."""
        space, base, targets = input_space(scenario)
        return cls._build(scenario, base, targets, u.shape[0], space.transform(u))

    @classmethod
    def _build(cls, scenario: Scenario, base: dict, targets: list["Target"], D: int,
               values: np.ndarray | None) -> "ScenarioArrays":
        pos = np.broadcast_to(base["position"], (D, *base["position"].shape)).copy()
        sal = np.broadcast_to(base["salience"], (D, *base["salience"].shape)).copy()
        cap = np.broadcast_to(base["capability"], (D, *base["capability"].shape)).copy()
        params = {k: np.full(D, v) for k, v in base["params"].items()}
        if values is not None:
            apply_values(values, targets, pos, sal, cap, params)
        return cls(
            actor_ids=tuple(scenario.actor_ids),
            issue_ids=tuple(scenario.issue_ids),
            position=pos,
            salience=sal,
            capability=cap,
            present=base["present"],
            scale_min=base["scale_min"],
            scale_max=base["scale_max"],
            status_quo=base["status_quo"],
            options=dict(scenario.model_options),
            params=params,
            context=_context(scenario),
        )


def _context(scenario: Scenario) -> dict:
    """Raw scenario blocks models may need: the war block, the issues' voting rules."""
    ctx: dict = {"war": scenario.war} if scenario.war is not None else {}
    if any(i.voting is not None for i in scenario.issues):
        ctx["voting"] = [None if i.voting is None else i.voting.model_dump() for i in scenario.issues]
    return ctx


# A target says where a sampled value goes: (array name, issue indexes, actor index), or
# ("param", name, -1) for a scalar parameter.
Target = tuple[str, Any, int]

# Functions that list a scenario's scalar parameters (e.g. the war model's inputs) as
# (name, value or distribution, (lower, upper)); the war block's is built in, others may be appended.
ParameterSource = Callable[[Scenario], list[tuple[str, Any, tuple[float, float]]]]


def _war_parameters(scenario: Scenario) -> list[tuple[str, Any, tuple[float, float]]]:
    """The war block's numbers (:func:`detente.scenario.war.collect_parameters`), imported only when present."""
    if scenario.war is None:
        return []
    from detente.scenario.war import collect_parameters

    return collect_parameters(scenario)


PARAMETER_SOURCES: list[ParameterSource] = [_war_parameters]


def input_space(scenario: Scenario) -> tuple[InputSpace, dict[str, np.ndarray], list[Target]]:
    """The uncertain inputs of ``scenario``, the point-valued base arrays, and where values go."""
    A = {a: k for k, a in enumerate(scenario.actor_ids)}
    I = {i: k for k, i in enumerate(scenario.issue_ids)}
    n, m = len(A), len(I)
    smin = np.array([i.scale.min for i in scenario.issues], dtype=float)
    smax = np.array([i.scale.max for i in scenario.issues], dtype=float)
    sq = np.array([np.nan if i.status_quo is None else i.status_quo for i in scenario.issues], dtype=float)
    pos = np.repeat(((smin + smax) / 2)[:, None], n, axis=1)
    sal = np.zeros((m, n))
    cap = np.zeros((m, n))
    present = np.zeros((m, n), dtype=bool)
    items: list[tuple[str, object, tuple[float, float]]] = []
    keys: list[str] = []  # each input's identity (its random stream), by ids, never by list position
    targets: list[Target] = []
    big = float(np.finfo(float).max)

    actor_cap = {a.id: a.capability for a in scenario.actors}
    per_issue_cap: set[str] = set()
    for k, st in enumerate(scenario.stances):
        i, a = I[st.issue], A[st.actor]
        present[i, a] = True
        pos[i, a] = point(st.position)
        sal[i, a] = point(st.salience)
        items.append((f"stances[{k}].position", st.position, (smin[i], smax[i])))
        targets.append(("position", (i,), a))
        items.append((f"stances[{k}].salience", st.salience, (0.0, 1.0)))
        targets.append(("salience", (i,), a))
        keys += [f"{st.actor}/{st.issue}.position", f"{st.actor}/{st.issue}.salience"]
        if st.capability is not None:
            cap[i, a] = point(st.capability)
            items.append((f"stances[{k}].capability", st.capability, (0.0, big)))
            keys.append(f"{st.actor}/{st.issue}.capability")
            targets.append(("capability", (i,), a))
            per_issue_cap.add(f"{i},{a}")
    for k, actor in enumerate(scenario.actors):
        a = A[actor.id]
        rows = [i for i in range(m) if present[i, a] and f"{i},{a}" not in per_issue_cap]
        cap[rows, a] = point(actor_cap[actor.id])
        items.append((f"actors[{k}].capability", actor.capability, (0.0, big)))
        keys.append(f"{actor.id}.capability")
        targets.append(("capability", tuple(rows), a))

    params: dict[str, float] = {}
    for source in PARAMETER_SOURCES:
        for name, dist, bnds in source(scenario):
            params[name] = point(dist)
            items.append((name, dist, bnds))
            keys.append(name)
            targets.append(("param", name, -1))

    keep = [t for (name, dist, _), t in zip(items, targets) if is_uncertain(dist)]
    analysts = [(a.id, a.weight) for a in scenario.analysts]
    space = InputSpace.from_items(items, analysts=analysts or None, keys=keys)
    if space.selector is not None:  # the analyst picked per draw (pooled scenarios): params["analyst"]
        keep.append(("param", SELECTOR, -1))
    base = dict(position=pos, salience=sal, capability=cap, present=present, scale_min=smin,
                scale_max=smax, status_quo=sq, params=params)
    return space, base, keep


def apply_values(values: np.ndarray, targets: list[Target], pos: np.ndarray, sal: np.ndarray,
                 cap: np.ndarray, params: dict[str, np.ndarray]) -> None:
    """Write sampled ``values`` (draws, k) into the (draws, issues, actors) arrays in place."""
    arrays = {"position": pos, "salience": sal, "capability": cap}
    for col, (name, i, a) in enumerate(targets):
        if name == "param":
            params[i] = values[:, col].copy()
        else:
            arrays[name][:, list(i), a] = values[:, col][:, None]


def _floats(v: Any) -> Any:
    """``v`` with every integer (not a bool) as a float, in nested dicts and lists."""
    if isinstance(v, dict):
        return {k: _floats(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_floats(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:  # too large for a float: the war model refuses it; hashed as it is
            return v
    return v


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's canonical JSON (the provenance of every result).

    The ``war`` block and ``model_options`` are kept as written (their models validate them when
    they run), so a number there is hashed as a float whether it was written ``0`` or ``0.0``: a
    scenario that went through a browser, whose JSON has no such difference, keeps its hash.

    >>> from detente.scenario.model import Scenario
    >>> base = {"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...         "stances": [{"actor": "A", "issue": "x", "position": 1}]}
    >>> a = Scenario.model_validate({**base, "model_options": {"bdm": {"Q": 1.0}}})
    >>> b = Scenario.model_validate({**base, "model_options": {"bdm": {"Q": 1}}})
    >>> scenario_hash(a) == scenario_hash(b)
    True
    >>> scenario_hash(Scenario.model_validate({**base, "model_options": {"mean": {}}})) == scenario_hash(
    ...     Scenario.model_validate(base))
    True
    """
    return dump_hash(scenario.model_dump(mode="json", exclude={"meta"}))


def dump_hash(data: dict[str, Any]) -> str:
    """:func:`scenario_hash` of a scenario's JSON dump (``model_dump(mode="json", exclude={"meta"})``),
    e.g. the copy a sealed ledger record keeps: the same digest as the scenario's."""
    data = dict(data)
    for key in ("war", "model_options"):
        if data.get(key) is not None:
            data[key] = _floats(data[key])
    if isinstance(data.get("model_options"), dict):  # {"mean": {}} sets nothing: as if not written
        data["model_options"] = {k: v for k, v in data["model_options"].items() if v != {}}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
