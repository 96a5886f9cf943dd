"""The scenario data model: actors, issues, stances and the evidence behind every number.

A :class:`Scenario` is what an analyst writes down. Numbers that the analyst is unsure of may be
given as ranges (see :mod:`detente.scenario.uncertain`); they are sampled when a model runs with
``draws > 1`` and replaced by their central value otherwise.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({
...     "name": "toy",
...     "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 2}],
...     "issues": [{"id": "x", "scale": {"min": 0, "max": 10}}],
...     "stances": [
...         {"actor": "A", "issue": "x", "position": 2, "salience": 1},
...         {"actor": "B", "issue": "x", "position": {"low": 6, "high": 8}, "salience": 0.5},
...     ],
... })
>>> s.actor_ids, s.issue_ids
(['A', 'B'], ['x'])
"""

from __future__ import annotations

import datetime as _dt
import math
import itertools
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from detente.scenario.uncertain import Mixture, Uncertain, bounds_of


class _Strict(BaseModel):
    # allow_inf_nan=False: a scale of -inf..inf, an outcome of .nan or a "1e999" are errors
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Source(_Strict):
    """A document that evidence cites."""

    id: str = Field(min_length=1)
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, v: Any) -> Any:  # `date: 2024-01-05` unquoted is a date in YAML: kept as its text
        return _iso_date(v)


def _iso_date(v: Any) -> Any:
    """A date or time (YAML reads ``2024-01-05`` unquoted as one) as its ISO text; anything else as is."""
    return v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else v


class Evidence(_Strict):
    """Why a number is what it is: a short attributed quote or a paraphrase, and its source."""

    quote: str | None = None
    paraphrase: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    analyst: str | None = Field(None, description="The analyst whose evidence this is (in a pooled scenario).")

    @model_serializer(mode="wrap")
    def _without_unset_analyst(self, handler: Any) -> Any:
        # evidence without an analyst serialises (and hashes) as before the field existed
        d = handler(self)
        if isinstance(d, dict) and d.get("analyst", 0) is None:
            d.pop("analyst")
        return d

    @field_validator("date", mode="before")
    @classmethod
    def _date_to_text(cls, v: Any) -> Any:
        return _iso_date(v)

    @model_validator(mode="after")
    def _has_text(self) -> "Evidence":
        if not (self.quote or self.paraphrase):
            raise ValueError("evidence needs a quote or a paraphrase")
        return self


class Actor(_Strict):
    """A party to the negotiation. ``capability`` is its clout on any positive scale."""

    id: str = Field(min_length=1)
    name: str | None = None
    capability: Uncertain = 1.0
    group: str | None = None
    description: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return (self.name or "").strip() or self.id  # a blank name shows the id


def decimals_for(span: float) -> int:
    """Decimals that show a value on a scale of width ``span`` to about 1/1000 of it.

    >>> decimals_for(100), decimals_for(10), decimals_for(1)
    (1, 2, 3)
    """
    if not span > 0 or not math.isfinite(span):
        return 2
    return int(min(4, max(0, 3 - math.floor(math.log10(span)))))


class Scale(_Strict):
    min: float = 0.0
    max: float = 100.0

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if not self.max > self.min:
            raise ValueError(f"scale max must be greater than min (got min={self.min}, max={self.max})")
        if max(abs(self.min), abs(self.max)) > MAX_SCALE:  # squares of positions overflow past ~1e154
            raise ValueError(f"scale ends beyond ±{MAX_SCALE:g} (got min={self.min:g}, max={self.max:g}): the "
                             "models square distances on it; rescale the issue (e.g. to 0-100)")
        return self


class VotingRule(_Strict):
    """How an issue is decided, for voting-power capabilities (:mod:`detente.models.power`).

    Either an EU procedure (``procedure`` COD or CNS, ``rule`` QMV or Unan, optional ``council``
    membership EU-15/25/27/28, else read off the actors) with actor ids ``com``, ``ep`` and the
    member-state codes of the DEU data, or a general weighted game (``weights`` per actor id and
    ``quota``; non-integer weights are multiplied by 100 and rounded).
    """

    procedure: str | None = None
    rule: str | None = None
    council: str | None = None
    weights: dict[str, float] | None = None
    quota: float | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "VotingRule":
        eu = self.procedure is not None or self.rule is not None
        game = self.weights is not None or self.quota is not None
        if eu == game:
            raise ValueError("give either procedure and rule (EU) or weights and quota (a weighted game)")
        if eu and (self.procedure is None or self.rule is None):
            raise ValueError("an EU voting rule needs both procedure (COD or CNS) and rule (QMV or Unan)")
        if game and (self.weights is None or self.quota is None):
            raise ValueError("a weighted game needs both weights and quota")
        if self.weights is not None and any(w < 0 for w in self.weights.values()):
            raise ValueError("voting weights must be non-negative")
        return self


class Issue(_Strict):
    """One dimension of the settlement, with its scale and the meaning of its points."""

    id: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    anchors: dict[float, str] = Field(default_factory=dict)
    status_quo: float | None = None
    outcome: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    voting: VotingRule | None = Field(None, description="How the issue is decided (for voting-power capabilities).")

    @model_serializer(mode="wrap")
    def _without_unset_voting(self, handler: Any) -> Any:
        # an issue without a voting rule serialises (and hashes) as before the field existed
        d = handler(self)
        if isinstance(d, dict) and d.get("voting", 0) is None:
            d.pop("voting")
        return d

    @property
    def label(self) -> str:
        return (self.name or "").strip() or self.id  # a blank name shows the id

    def describe(self, value: float) -> str:
        """The label of the anchor nearest to ``value`` when it lies within a tenth of the scale,
        else '' (a value far from every labelled point gets no label rather than a wrong one)."""
        near = self.nearest_anchor(value)
        return near[1] if near else ""

    def nearest_anchor(self, value: float) -> tuple[float, str] | None:
        """``(anchor, label)`` nearest to ``value`` within a tenth of the scale, else ``None``."""
        if not self.anchors:
            return None
        nearest = min(self.anchors, key=lambda a: abs(a - value))
        if abs(nearest - value) > 0.1 * (self.scale.max - self.scale.min) + 1e-12:
            return None
        return nearest, self.anchors[nearest]


class Stance(_Strict):
    """An actor's position on an issue, how much it cares (salience, 0-1) and the evidence."""

    actor: str
    issue: str
    position: Uncertain
    salience: Uncertain = 1.0
    capability: Uncertain | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    note: str | None = None


class Analyst(_Strict):
    """One analyst of a pooled scenario: id, weight in the linear pool, and where their view came from."""

    id: str = Field(min_length=1)
    weight: float = Field(gt=0)
    name: str | None = None
    file: str | None = None


class Scenario(_Strict):
    """A negotiation: who takes part, what is at stake, where each actor stands and why."""

    name: str = Field(min_length=1)
    description: str | None = None
    analyst: str | None = Field(None, description="Who coded this view (an id, e.g. for the forecast ledger).")
    analysts: list[Analyst] = Field(
        default_factory=list,
        description="The analysts pooled in this scenario (detente pool): mixture components name them.")
    sources: list[Source] = Field(default_factory=list)
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(min_length=1)
    stances: list[Stance] = Field(min_length=1)
    model_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Default options per model name, e.g. {'smp': {'pce_model': 'Conditional'}}.",
    )
    war: dict[str, Any] | None = Field(
        default=None, description="Inputs of the war-termination model (see detente.models.war)."
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form provenance (reader, file).")

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id; a ``KeyError`` naming the ids there are when there is none."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(f"no actor {actor_id!r}; actors: {', '.join(self.actor_ids)}")

    @property
    def analyst_ids(self) -> list[str]:
        return [a.id for a in self.analysts]

    @model_serializer(mode="wrap")
    def _without_unset_analysts(self, handler: Any) -> Any:
        # a scenario without analysts serialises (and hashes) as before the fields existed
        d = handler(self)
        if isinstance(d, dict):
            if d.get("analyst", 0) is None:
                d.pop("analyst")
            if d.get("analysts", 0) == []:
                d.pop("analysts")
        return d

    def issue(self, issue_id: str) -> Issue:
        """The issue with this id; a ``KeyError`` naming the ids there are when there is none."""
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(f"no issue {issue_id!r}; issues: {', '.join(self.issue_ids)}")

    def __repr__(self) -> str:
        """One line, as :class:`~detente.result.Result`'s (the full repr of the flagship ran to 39,000
        characters in a notebook); ``model_dump()`` gives everything."""
        war = ", a war block" if self.war else ""
        return (f"<Scenario {self.name!r}: {len(self.actors)} actors, {len(self.issues)} issues, "
                f"{len(self.stances)} stances{war}>")

    __str__ = __repr__  # print(s) too (pydantic's str is every field)

    def _repr_html_(self) -> str:
        """A notebook's view: the actors by issue, each number as written (:mod:`detente.scenario.display`)."""
        from detente.scenario.display import scenario_html

        return scenario_html(self)

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        problems = cross_checks(
            actor_ids=self.actor_ids, actors=list(self.actors), issue_ids=self.issue_ids, issues=list(self.issues),
            source_ids=[s.id for s in self.sources], stances=list(self.stances),
            stance_refs=[(s.actor, s.issue) for s in self.stances], war=self.war,
        )
        if self.analysts or self.analyst is not None or _has_mixture(self):
            problems += analyst_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _has_mixture(s: "Scenario") -> bool:
    """Whether any number (an actor's, a stance's or the war block's) is a mixture."""
    from detente.scenario.uncertain import Mixture

    if any(type(a.capability) is Mixture for a in s.actors):
        return True
    if any(type(st.position) is Mixture or type(st.salience) is Mixture or type(st.capability) is Mixture
           for st in s.stances if not (type(st.position) is float and type(st.salience) is float
                                       and st.capability is None)):
        return True
    return s.war is not None and _holds_mixture(s.war)


def _holds_mixture(node: Any) -> bool:
    """Whether a raw block (the war block, as written) holds a ``{mixture: ...}`` anywhere."""
    if isinstance(node, dict):
        return "mixture" in node or any(_holds_mixture(v) for v in node.values())
    if isinstance(node, list):
        return any(_holds_mixture(v) for v in node)
    return False


def uncertain_fields(s: "Scenario") -> Iterator[tuple[str, Any]]:
    """(field path, value) of every number that may be uncertain: actor and stance numbers, then
    the war block's (raw, as written)."""
    for k, a in enumerate(s.actors):
        yield f"actors[{k}].capability", a.capability
    for k, st in enumerate(s.stances):
        yield f"stances[{k}].position", st.position
        yield f"stances[{k}].salience", st.salience
        if st.capability is not None:
            yield f"stances[{k}].capability", st.capability


def analyst_problems(s: "Scenario") -> list[str]:
    """Checks of a pooled scenario: analyst ids unique, every mixture component's ``analyst`` names a
    declared analyst and carries that analyst's weight, at most one component per analyst."""
    from detente.scenario.uncertain import Mixture, _coerce

    problems: list[str] = []
    weights: dict[str, float] = {}
    for k, a in enumerate(s.analysts):
        if a.id in weights:
            problems.append(f"analysts[{k}].id: is already the id of another analyst: ids must be unique "
                            f"(got {a.id!r})")
        weights[a.id] = a.weight

    def check(where: str, v: Any) -> None:
        if type(v) is not Mixture:
            return
        seen: set[str] = set()
        for j, c in enumerate(v.mixture):
            if c.analyst is None:
                continue
            path = f"{where}.mixture[{j}]"
            if c.analyst not in weights:
                known = ", ".join(weights) if weights else "none (add `analysts: [{id, weight}]`)"
                problems.append(f"{path}.analyst: names no analyst in `analysts` (got {c.analyst!r}); "
                                f"declared: {known}")
            elif c.weight != weights[c.analyst]:
                problems.append(f"{path}.weight: must equal analyst {c.analyst!r}'s weight "
                                f"{weights[c.analyst]:g} (got {c.weight:g})")
            if c.analyst in seen:
                problems.append(f"{path}.analyst: second component of analyst {c.analyst!r}")
            seen.add(c.analyst)

    for where, v in uncertain_fields(s):
        check(where, v)
    if isinstance(s.war, dict):
        def walk(node: Any, path: str) -> None:
            if isinstance(node, dict):
                if "mixture" in node:
                    try:
                        check(path, _coerce(node))
                    except ValueError:
                        pass  # reported by the war block's own validation
                    return
                for key, x in node.items():
                    walk(x, f"{path}.{key}")
            elif isinstance(node, list):
                for j, x in enumerate(node):
                    walk(x, f"{path}[{j}]")

        walk(s.war, "war")
    return problems


# ---------------------------------------------------------------------------------------------
# checks across fields: ids, references, scales, evidence sources


def cross_checks(
    *,
    actor_ids: list[Any],
    actors: list[Actor | None],
    issue_ids: list[Any],
    issues: list[Issue | None],
    source_ids: list[Any],
    stances: list[Stance | None],
    stance_refs: list[tuple[Any, Any]],
    war: Any,
) -> list[str]:
    """Problems that involve more than one field, as ``path: message`` lines.

    Runs on a validated scenario (from :meth:`Scenario._consistent`) and also on one whose fields
    did not all validate (:func:`partial_cross_checks`): then the entries that failed are ``None``
    and are skipped, and the ids and references come from the raw data, so that a file's problems
    are all reported in one pass.
    """
    problems: list[str] = []

    def dup(kind: str, ids: list[Any]) -> None:
        seen: set[str] = set()
        for k, v in enumerate(ids):
            if not isinstance(v, str):
                continue
            if v in seen:
                problems.append(f"{kind}[{k}].id: is already the id of another {kind[:-1]}: ids must be unique "
                                f"(got {v!r})")
            seen.add(v)

    dup("actors", actor_ids)
    dup("issues", issue_ids)
    dup("sources", source_ids)
    known_actors = {a for a in actor_ids if isinstance(a, str)}
    known_issues = {i for i in issue_ids if isinstance(i, str)}
    by_id = {i.id: i for i in issues if i is not None}
    listed = {x for x in source_ids if isinstance(x, str)}

    def evidence(where: str, items: list[Evidence]) -> None:
        for j, e in enumerate(items):
            if e.source is not None and e.source not in listed:
                problems.append(unknown_source(f"{where}.evidence[{j}]", e.source, listed))

    for k, a in enumerate(actors):
        if a is None:
            continue
        lo, hi = bounds_of(a.capability)
        if lo < 0:
            problems.append(f"actors[{k}].capability: must not be negative (got {lo:g})")
        if hi > MAX_CAPABILITY:
            problems.append(f"actors[{k}].capability: {TOO_BIG} (got {hi:g})")
        evidence(f"actors[{k}]", a.evidence)
    for k, i in enumerate(issues):
        if i is None:
            continue
        lo, hi = i.scale.min, i.scale.max
        for name in ("status_quo", "outcome"):
            v = getattr(i, name)
            if v is not None and not lo <= v <= hi:
                problems.append(f"issues[{k}].{name}: {v:g} is off the scale [{lo:g}, {hi:g}]")
        for pt in i.anchors:
            if not lo <= pt <= hi:
                problems.append(f"issues[{k}].anchors: point {pt:g} is off the scale [{lo:g}, {hi:g}]")
        evidence(f"issues[{k}]", i.evidence)

    problems += _reference_problems(stance_refs, known_actors, known_issues)
    scales = {i: (v.scale.min, v.scale.max) for i, v in by_id.items()}
    for k, st in enumerate(stances):
        if st is None:
            continue
        if st.evidence:
            evidence(f"stances[{k}]", st.evidence)
        # None: an unknown issue (reported above) or one whose scale did not validate: the position
        # is not checked, the salience and capability are
        scale = scales.get(st.issue)
        p, s = st.position, st.salience
        if type(p) is float and type(s) is float and st.capability is None and scale is not None:  # plain: most
            if scale[0] <= p <= scale[1] and 0 <= s <= 1:
                continue
        _check_stance_numbers(problems, k, st, scale)
    if isinstance(war, dict):  # another type is the schema's problem, said once
        from detente.scenario.war import war_problems  # lazy: avoids an import cycle

        problems.extend(war_problems(war, [a for a in actor_ids if isinstance(a, str)],
                                     [i for i in issue_ids if isinstance(i, str)], scales))
        raw_war = war.model_dump() if isinstance(war, BaseModel) else war
        if isinstance(raw_war, dict):
            problems.extend(_war_evidence_sources(raw_war, listed))
    return problems


def _reference_problems(stance_refs: list[tuple[Any, Any]], known_actors: set[str],
                        known_issues: set[str]) -> list[str]:
    """Stances naming an unknown actor or issue, and second stances of an actor on an issue."""
    if (len(set(stance_refs)) == len(stance_refs) and {a for a, _ in stance_refs} <= known_actors
            and {i for _, i in stance_refs} <= known_issues):
        return []  # the usual case, checked at C speed
    problems: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for k, (actor, issue) in enumerate(stance_refs):
        if isinstance(actor, str) and actor not in known_actors:
            problems.append(f"stances[{k}].actor: unknown actor id (got {actor!r})")
        if isinstance(issue, str) and issue not in known_issues:
            problems.append(f"stances[{k}].issue: unknown issue id (got {issue!r})")
            continue
        if isinstance(actor, str) and isinstance(issue, str):
            if (actor, issue) in pairs:
                problems.append(f"stances[{k}]: second stance of actor {actor!r} on issue {issue!r}")
            pairs.add((actor, issue))
    return problems


MAX_CAPABILITY = 1e12
MAX_SCALE = 1e12
"""The largest magnitude of a scale's ends (the models square and sum distances on it)."""
"""The largest capability: capabilities are relative (only their ratios count), and 1e308 overflowed
the weighted sums to a forecast of nothing."""
TOO_BIG = ("must be at most 1e12: capabilities count only relative to each other, so give them on a "
           "smaller scale (e.g. 0-100)")


def _check_stance_numbers(problems: list[str], k: int, st: Stance, scale: tuple[float, float] | None) -> None:
    """Position on its issue's scale (unless the scale is unknown: the issue did not validate),
    salience in [0, 1], capability not negative nor too big; every offending mixture component."""
    checks: list[tuple[str, Any, Callable[[float, float], bool], str]] = []
    if scale is not None:
        smin, smax = scale
        checks.append(("position", st.position, lambda a, b: a < smin or b > smax,
                       f"off the scale [{smin:g}, {smax:g}] of issue {st.issue!r}"))
    checks.append(("salience", st.salience, lambda a, b: a < 0 or b > 1, "must be between 0 and 1"))
    if st.capability is not None:
        checks += [("capability", st.capability, lambda a, b: a < 0, "must not be negative"),
                   ("capability", st.capability, lambda a, b: b > MAX_CAPABILITY, TOO_BIG)]
    for name, value, bad, says in checks:
        if bad(*bounds_of(value)):
            problems.extend(f"stances[{k}].{name}{where}: {says} (got {_show(v)})" for where, v in _culprits(value, bad))


def unknown_source(where: str, source: str, listed: set[str]) -> str:
    """The problem of an evidence item at ``where`` whose ``source`` names none of ``listed``."""
    hint = (f"; listed sources: {', '.join(sorted(listed))}" if listed else
            f"; the file lists no sources: add `sources: [{{id: {source}, title: ...}}]`")
    return f"{where}.source: names no source in `sources` (got {source!r}){hint}"


def _culprits(v: Any, bad: Callable[[float, float], bool]) -> list[tuple[str, Any]]:
    """Where in ``v`` the problem is: each offending component of a mixture (``.mixture[j].value``),
    else ``v`` itself.

    >>> _culprits(Mixture(mixture=[{"weight": 1, "value": 5}, {"weight": 1, "value": 0.2},
    ...                            {"weight": 1, "value": -1}]), lambda lo, hi: lo < 0 or hi > 1)
    [('.mixture[0].value', 5.0), ('.mixture[2].value', -1.0)]
    """
    if isinstance(v, Mixture):
        found = [(f".mixture[{j}].value", c.value) for j, c in enumerate(v.mixture) if bad(*bounds_of(c.value))]
        if found:
            return found
    return [("", v)]


def _war_evidence_sources(war: dict[str, Any], listed: set[str]) -> list[str]:
    """Evidence ``source`` names anywhere in the war block that name no listed source."""
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, v in node.items():
                if key == "evidence" and isinstance(v, list):
                    for j, e in enumerate(v):
                        src = e.get("source") if isinstance(e, dict) else None
                        if isinstance(src, str) and src not in listed:
                            out.append(f"{path}.evidence[{j}].source: names no source in `sources` (got {src!r})")
                else:
                    walk(v, f"{path}.{key}")
        elif isinstance(node, list):
            for j, v in enumerate(node):
                walk(v, f"{path}[{j}]")

    walk(war, "war")
    return out


def partial_cross_checks(data: dict[str, Any]) -> list[str]:
    """:func:`cross_checks` on raw data whose fields did not all validate: each actor, issue and
    stance that validates on its own is checked; the others are skipped (their field errors are
    reported already). Never raises: a problem it cannot judge is left to the next run."""
    from pydantic import ValidationError

    def parts(key: str, cls: type[BaseModel]) -> tuple[list[Any], list[Any]]:
        raw = data.get(key)
        raw = raw if isinstance(raw, list) else []
        objs = [_salvaged(cls, item) for item in raw]
        ids = [item.get("id") if isinstance(item, dict) else None for item in raw]
        return objs, ids

    actors, actor_ids = parts("actors", Actor)
    issues, issue_ids = parts("issues", Issue)
    sources, source_ids = parts("sources", Source)
    stances, _ = parts("stances", Stance)
    raw_stances = data.get("stances") if isinstance(data.get("stances"), list) else []
    refs = [(x.get("actor"), x.get("issue")) if isinstance(x, dict) else (None, None) for x in raw_stances]
    try:
        found = cross_checks(actor_ids=actor_ids, actors=actors, issue_ids=issue_ids, issues=issues,
                             source_ids=source_ids, stances=stances, stance_refs=refs, war=data.get("war"))
    except Exception:  # noqa: BLE001  (the field errors are reported either way)
        return []
    # an item that failed (or was salvaged without its evidence) is skipped above; its evidence's
    # sources are still checked
    listed = {x for x in source_ids if isinstance(x, str)}
    for key, objs in (("actors", actors), ("issues", issues), ("stances", stances)):
        raw = data.get(key) if isinstance(data.get(key), list) else []
        for k, (obj, item) in enumerate(zip(objs, raw)):
            skipped = obj is None or not obj.evidence
            ev = item.get("evidence") if skipped and isinstance(item, dict) else None
            for j, e in enumerate(ev if isinstance(ev, list) else []):
                src = e.get("source") if isinstance(e, dict) else None
                if isinstance(src, str) and src not in listed:
                    found.append(unknown_source(f"{key}[{k}].evidence[{j}]", src, listed))
    return found


NEEDED_BY_OTHERS: dict[str, set[str]] = {"Issue": {"scale"}}
"""Fields whose default would stand in for a bad value in other objects' checks (a stance's position
checked against the default scale 0-100): an object with an error there is not salvaged."""


def _salvaged(cls: type[BaseModel], item: Any) -> Any:
    """``item`` validated as ``cls``; when some of its fields fail, the object without them (their
    defaults in their place), so that its other fields are still checked across the file (a typo'd
    key must not hide that the same stance's position is off the scale); ``None`` when it fails as a
    whole, in a required field or in one of :data:`NEEDED_BY_OTHERS`. The failed fields' own errors
    are reported by the caller, from the first validation.

    >>> _salvaged(Stance, {"actor": "A", "issue": "x", "position": 99, "salince": 0.5}).position
    99.0
    >>> _salvaged(Issue, {"id": "x", "scale": {"min": 10, "max": 0}, "status_quo": 50}) is None
    True
    """
    from pydantic import ValidationError

    try:
        return cls.model_validate(item)
    except (ValidationError, TypeError, ValueError) as exc:
        if not isinstance(exc, ValidationError) or not isinstance(item, dict):
            return None
        failed = {e["loc"][0] if e["loc"] else None for e in exc.errors(include_url=False)}
        if None in failed or failed & NEEDED_BY_OTHERS.get(cls.__name__, set()):
            return None
        try:
            return cls.model_validate({k: v for k, v in item.items() if k not in failed})
        except (ValidationError, TypeError, ValueError):
            return None


# ---------------------------------------------------------------------------------------------
# warnings: numbers without evidence


def unsupported_numbers(s: Scenario) -> Iterator[str]:
    """Paths of the numbers the analyst wrote down without any evidence (quote or paraphrase).

    An actor's capability is covered by the actor's evidence, a stance's position, salience and
    capability by the stance's evidence, an issue's status quo and outcome by the issue's.
    Defaults that were not written down (capability 1, salience 1) are not counted. A generator:
    a big scenario's warning names only the first few, so only those are formatted.
    """
    for k, a in enumerate(s.actors):  # named as the tables name them (the path says where in the file)
        if not a.evidence and "capability" in a.model_fields_set:
            yield f"actors[{k}].capability ({a.label})"
    for k, i in enumerate(s.issues):
        if not i.evidence:
            yield from (f"issues[{k}].{n} ({i.label})" for n in ("status_quo", "outcome") if getattr(i, n) is not None)
    actors = issues = None
    for k, st in enumerate(s.stances):
        if not st.evidence:
            written = st.model_fields_set
            for n in ("position", "salience", "capability"):
                if n in written and getattr(st, n) is not None:
                    if actors is None:
                        actors = {a.id: a.label for a in s.actors}
                        issues = {i.id: i.label for i in s.issues}
                    yield (f"stances[{k}].{n} ({actors.get(st.actor, st.actor)} on "
                           f"{issues.get(st.issue, st.issue)})")
    yield from _war_unsupported(s)


def _war_unsupported(s: Scenario) -> list[str]:
    """The war block's numbers without evidence (:func:`detente.scenario.war.unsupported_war_numbers`)."""
    if not s.war:
        return []
    from pydantic import ValidationError

    from detente.scenario.war import unsupported_war_numbers, validate_war_block

    try:
        return unsupported_war_numbers(validate_war_block(s.war))
    except ValidationError:  # reported as errors by the validation
        return []


_STANCE_NUMBERS = frozenset({"position", "salience", "capability"})


def count_unsupported(s: Scenario) -> int:
    """``len(list(unsupported_numbers(s)))`` without formatting a path per number.

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "capability": 2}],
    ...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20}]})
    >>> count_unsupported(s), list(unsupported_numbers(s))
    (2, ['actors[0].capability (A)', 'stances[0].position (A on x)'])
    """
    n = sum(1 for a in s.actors if not a.evidence and "capability" in a.model_fields_set)
    n += sum((i.status_quo is not None) + (i.outcome is not None) for i in s.issues if not i.evidence)
    for st in s.stances:
        if not st.evidence:
            written = st.model_fields_set & _STANCE_NUMBERS
            n += len(written) - ("capability" in written and st.capability is None)
    return n + len(_war_unsupported(s))


def scenario_warnings(s: Scenario, shown: int = 5) -> list[str]:
    """Warnings (not errors) about a valid scenario, one line each: numbers without evidence.

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "A", "issue": "x", "position": 20}]})
    >>> scenario_warnings(s)
    ['1 number has no evidence (add `evidence:` with a quote or paraphrase and its source): stances[0].position (A on x)']
    """
    out = _same_labels(s) + _weightless_issues(s) + _war_warnings(s)
    bare = list(itertools.islice(unsupported_numbers(s), shown))
    if not bare:
        return out
    n = count_unsupported(s)
    listed = ", ".join(bare) + (f" and {n - shown} more" if n > shown else "")
    return out + [f"{n} number{'s have' if n != 1 else ' has'} no evidence (add `evidence:` with a quote or "
                  f"paraphrase and its source): {listed}"]


def _weightless_issues(s: Scenario) -> list[str]:
    """Issues on which no actor can have both capability and salience above zero: the weighted
    baselines give every actor there equal weight, which the analyst did not write.

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "capability": 0}, {"id": "B"}],
    ...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
    ...     {"actor": "B", "issue": "x", "position": 80, "salience": 0}]})
    >>> _weightless_issues(s)[0][:80]
    "issue 'x': no actor has both capability and salience above zero, so mean, median"
    """
    capability = {a.id: a.capability for a in s.actors}
    weighted: dict[str, bool] = {}
    for st in s.stances:
        cap = st.capability if st.capability is not None else capability.get(st.actor, 1.0)
        weighted[st.issue] = weighted.get(st.issue, False) or (bounds_of(cap)[1] > 0 and bounds_of(st.salience)[1] > 0)
    voted = {i.id for i in s.issues if i.voting is not None}  # weights come from voting power there
    return [f"issue {i!r}: no actor has both capability and salience above zero, so mean, median and nbs "
            "weigh every actor there equally (bdm and exchange refuse the issue)"
            for i, has in weighted.items() if not has and i not in voted]


def _war_warnings(s: Scenario) -> list[str]:
    """What in a valid war block is likely a slip: a shock scheduled past the horizon (it never acts),
    a monthly cost above the whole stakes (a percentage written as a share)."""
    if not s.war:
        return []
    from pydantic import ValidationError

    from detente.scenario.war import validate_war_block

    try:
        w = validate_war_block(s.war)
    except ValidationError:  # reported as errors by the validation
        return []
    out = [f"war.shocks[{k}].month: {sh.month} is past the horizon (war.months = {w.months}): the shock never "
           "happens" for k, sh in enumerate(w.shocks) if sh.month > w.months]
    for sid, side in sorted(w.sides.items()):  # a share of the stakes per month: 5 is likely 5 %
        high = bounds_of(side.cost)[1]
        if high > 1:
            out.append(f"war.sides.{sid}.cost: {high:g} of the stakes a month: every month of fighting would cost "
                       f"the side more than all it fights for; a cost is a share (0.05 for 5 %)")
    return out


def _same_labels(s: Scenario) -> list[str]:
    """Actors (issues) that tables would print under one label: they cannot be told apart there.

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "name": "EU"}, {"id": "B", "name": "EU"}],
    ...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20}]})
    >>> _same_labels(s)
    ["actors A and B are both shown as 'EU' in tables: give them different names"]
    """
    out = []
    for kind, items in (("actors", s.actors), ("issues", s.issues)):
        by_label: dict[str, list[Any]] = {}
        for it in items:
            by_label.setdefault(it.label.strip().casefold(), []).append(it)
        for same in by_label.values():
            if len(same) > 1:
                who = ", ".join(it.id for it in same[:-1]) + " and " + same[-1].id
                out.append(f"{kind} {who} are {'both' if len(same) == 2 else 'all'} shown as {same[0].label!r} "
                           "in tables: give them different names")
    return out


def _show(v: Any) -> str:
    """A number as ``75``; an uncertain one as written, ``{low: 75, high: 150}``."""
    from detente.errors import written

    if isinstance(v, (int, float)):
        return f"{v:g}"
    if isinstance(v, BaseModel):
        return written(v.model_dump())
    return written(v)
