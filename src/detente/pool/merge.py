"""Pool several analysts' views of one negotiation into one scenario (the linear pool).

Every number of the pooled scenario (an actor's capability, a stance's position, salience and
capability, the war block's numbers when the analysts' war blocks have the same structure) becomes
a ``mixture`` with one component per analyst who gave it, labelled with that analyst and weighted
by the analyst's weight (a number all analysts gave as the same plain value stays a plain value;
one only some gave stays a mixture of theirs). Actors, issues and stances are the union; an analyst
silent on one is listed in the :class:`CoverageReport`. A pooled view is flattened: its analysts
join with their own components. Texts that differ (labels, descriptions, notes, status quo) are taken from the first
analyst and each difference is listed; war blocks of different structures are refused unless
``war_from`` names the analyst whose block to keep. Evidence is kept
and labelled with its analyst; a source id two analysts use for different documents is prefixed with
the later analyst's id (``B:id``) in that analyst's evidence.

>>> from detente.scenario.model import Scenario
>>> def view(cap, pos):
...     return Scenario.model_validate({"name": "v", "actors": [{"id": "R", "capability": cap}, {"id": "U"}],
...         "issues": [{"id": "x"}], "stances": [{"actor": "R", "issue": "x", "position": pos},
...                                            {"actor": "U", "issue": "x", "position": 10}]})
>>> pooled, report = pool_scenarios([view(2, 80), view(1, {"low": 60, "high": 70})], analysts=["A", "B"])
>>> [c.analyst for c in pooled.stances[0].position.mixture], pooled.stances[1].position
(['A', 'B'], 10.0)
>>> [(a.id, a.weight) for a in pooled.analysts], report.silent
([('A', 1.0), ('B', 1.0)], {'A': {'actors': [], 'issues': [], 'stances': []}, 'B': {'actors': [], 'issues': [], 'stances': []}})
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from detente.errors import InputError, Problem
from detente.scenario.model import Scenario
from detente.scenario.uncertain import Mixture, _serialise


@dataclass
class CoverageReport:
    """Who covered what: the analysts (id, weight, file), per analyst the actors, issues and
    stances (``"actor on issue"``) they are silent on, and every text difference resolved by
    taking the first analyst's value."""

    analysts: list[dict[str, Any]]
    silent: dict[str, dict[str, list[str]]]
    differences: list[str] = field(default_factory=list)
    weights_from: dict[str, Any] | None = None
    """Where the weights came from when not given by hand (``--weights ledger``: store, rule, scores)."""
    views: list[dict[str, Any]] = field(default_factory=list)
    """Each view pooled: its analyst id, file and input hash (:func:`detente.scenario.arrays.scenario_hash`)."""
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {"analysts": self.analysts, "silent": self.silent, "differences": self.differences,
             "views": self.views, "version": self.version}
        if self.weights_from is not None:
            d["weights_from"] = self.weights_from
        return d


def pool_scenarios(scenarios: Sequence[Scenario], analysts: Sequence[str] | None = None,
                   weights: Sequence[float] | None = None, files: Sequence[str] | None = None,
                   name: str | None = None,
                   analyst_weights: dict[str, float] | None = None,
                   war_from: str | None = None) -> tuple[Scenario, CoverageReport]:
    """The linear pool of ``scenarios`` (two or more views) and its coverage report.

    ``analysts``: the analyst ids (default: each scenario's ``analyst``, else its file's stem);
    ``weights``: one positive weight per view (default equal);
    ``files``: the views' file names for messages (default: each scenario's ``meta["file"]``);
    ``analyst_weights``: a weight per analyst instead (e.g. from the forecast ledger), covering
    every analyst of :func:`members`;
    ``war_from``: the analyst whose war block is kept as written, when the views' war blocks differ
    in structure (refused without it) or to keep one analyst's numbers unpooled.

    A view that is itself a pooled scenario is flattened: its analysts join the pool with their
    components, weighted by the view's weight split in the proportions of their own weights (or
    by ``analyst_weights``), so pooling (A + B) with C is the same linear pool as A + B + C.
    Raises :class:`~detente.errors.InputError` naming the files for views that cannot be pooled."""
    if isinstance(scenarios, (str, bytes, Scenario)) or not isinstance(scenarios, Iterable):
        raise InputError.one(None, "give a list of two or more scenarios (each from detente.load)",
                             field="scenarios", value=type(scenarios).__name__)
    views = list(scenarios)
    if len(views) < 2:
        raise InputError.one(None, "give at least two scenarios to pool")
    for k, v in enumerate(views):
        if not isinstance(v, Scenario):
            raise InputError.one(None, f"expected a Scenario (from detente.load), got {type(v).__name__}",
                                 field=f"scenarios[{k}]", value=v if isinstance(v, str) else type(v).__name__)
    names = [str(f) for f in files] if files is not None else [
        str(s.meta.get("file") or f"scenario {k + 1}") for k, s in enumerate(views)]
    ids = analyst_ids(views, analysts, names)
    w = _weights(weights, len(views))
    _refuse_unlabelled(views, names)
    _check_overlap(views, names)
    _check_same_meaning(views, names)
    pool = _Pool(views, ids, w, names, analyst_weights)
    diffs: list[str] = []
    sources, rename = _pool_sources(views, ids)
    data: dict[str, Any] = {
        "name": name or pooled_name(views, pool.member_ids),
        "description": _description(views, ids, w, names),
        "analysts": pool.analysts(),
        "sources": sources,
    }
    data["actors"] = _pool_records(views, pool, rename, diffs, "actors", "id", ("name", "group", "description"),
                                   ("capability",))
    data["issues"] = _pool_issues(views, ids, rename, diffs)
    data["stances"] = _pool_stances(views, pool, rename, diffs)
    opts = views[0].model_options
    for k, s in enumerate(views[1:], 1):
        if s.model_options != opts:
            diffs.append(f"model_options: {ids[k]} gives {s.model_options!r}, kept {ids[0]}'s {opts!r}")
    if opts:
        data["model_options"] = opts
    war = _pool_war(views, pool, rename, diffs, names, war_from)
    if war is not None:
        data["war"] = war
    if war_from is not None:
        data["description"] += f" The war block is {war_from}'s as written, not pooled."
    from detente._version import __version__
    from detente.scenario.arrays import scenario_hash

    report = CoverageReport(analysts=[dict(a) for a in data["analysts"]], silent=_silent(views, pool),
                            differences=diffs, version=__version__,
                            views=[{"analyst": i, "file": f, "input_sha256": scenario_hash(v)}
                                   for i, f, v in zip(ids, names, views)])
    return _validated(data), report


def pooled_name(views: Sequence[Scenario], ids: Sequence[str]) -> str:
    """The pooled scenario's name: what the views' names share (whole words, before a bracket) and
    the analysts; "Ukraine settlement (one analyst's view, ...)" would say the pool is one view.

    >>> from types import SimpleNamespace as N
    >>> pooled_name([N(name="Ukraine settlement (one analyst's view)"), N(name="Ukraine settlement (contrast)")], ["a", "b"])
    'Ukraine settlement: pooled views of a, b'
    >>> pooled_name([N(name="Debt brake"), N(name="Coalition")], ["x", "y"])
    'Pooled views of x, y'
    """
    common = os.path.commonprefix([v.name for v in views]).split("(")[0]
    if len({v.name for v in views}) > 1 and not common.endswith(" "):  # cut at the last whole word
        common = common.rsplit(" ", 1)[0] if " " in common else ""
    common = common.strip(" -:,;")
    who = ", ".join(ids)
    return f"{common}: pooled views of {who}" if common else f"Pooled views of {who}"


def members(views: Sequence[Scenario], ids: Sequence[str]) -> list[str]:
    """The analysts of the pool of ``views``: each plain view's id, and a pooled view's own analysts."""
    return [a for s, i in zip(views, ids) for a in (s.analyst_ids or [i])]


class _Pool:
    """Who is in the pool: per view its members (analyst id, weight in the new pool), and each
    view's numbers as the parts ``(analyst, weight, value)`` that :func:`mix` joins."""

    def __init__(self, views: list[Scenario], ids: list[str], w: list[float], files: list[str],
                 analyst_weights: dict[str, float] | None) -> None:
        self.views, self.ids = views, ids
        self.members: list[list[tuple[str, float]]] = []
        self.files: dict[str, str] = {}
        self.names: dict[str, str] = {}
        for s, i, x, f in zip(views, ids, w, files):
            if s.analysts:
                total = sum(a.weight for a in s.analysts)
                mine = [(a.id, x * a.weight / total) for a in s.analysts]
                for a in s.analysts:
                    self.files[a.id] = a.file or Path(f).name
                    if a.name:
                        self.names[a.id] = a.name
            else:
                mine = [(i, x)]
                self.files[i] = Path(f).name
            self.members.append(mine)
        seen: dict[str, int] = {}
        for k, mine in enumerate(self.members):
            for a, _ in mine:
                if a in seen:
                    raise InputError.one(None, f"the analyst {a!r} is in {files[seen[a]]} and in {files[k]}; "
                                               "each analyst may enter the pool once (give each view its own analyst id, "
                                               "or leave one view out)", field="analysts", value=a)
                seen[a] = k
        if analyst_weights is not None:
            missing = [a for a in seen if a not in analyst_weights]
            if missing:
                raise InputError.one(None, f"no weight for the analyst(s) {', '.join(missing)}",
                                     field="analyst_weights")
            self.members = [[(a, float(analyst_weights[a])) for a, _ in mine] for mine in self.members]
        self.weight = {a: x for mine in self.members for a, x in mine}
        self.member_ids = list(self.weight)

    def analysts(self) -> list[dict[str, Any]]:
        out = []
        for a, x in self.weight.items():
            d: dict[str, Any] = {"id": a, "weight": x, "file": self.files[a]}
            if a in self.names:
                d["name"] = self.names[a]
            out.append(d)
        return out

    def parts(self, k: int, value: Any) -> list[tuple[str, float, Any]]:
        """View ``k``'s ``value`` as parts of the pool: one per member who gave it (a pooled view's
        mixture component per analyst; its plain number, which all its analysts gave, once each)."""
        if not self.views[k].analysts:
            return [(self.ids[k], self.weight[self.ids[k]], value)]
        if isinstance(value, Mixture):
            return [(c.analyst, self.weight[c.analyst], c.value) for c in value.mixture]  # type: ignore[index]
        return [(a, self.weight[a], value) for a, _ in self.members[k]]

    def gave(self, k: int, value: Any) -> list[str]:
        """The members of view ``k`` who gave ``value``."""
        return [a for a, _, _ in self.parts(k, value)]

    def mix(self, parts: list[tuple[str, float, Any]]) -> Any:
        return mix(parts, everyone=len(parts) == len(self.weight))


# -- analysts and weights --------------------------------------------------------------------------


FLAGS = {"weights": "--weights", "analyst_weights": "--weights", "analysts": "--analysts",
         "war_from": "--war-from"}
"""The arguments of :func:`pool_scenarios` that problems name, and the options of ``detente pool``
they are."""


def analyst_ids(views: list[Scenario], given: Sequence[str] | None, files: list[str]) -> list[str]:
    """The analyst id of each view: ``given`` (checked), else each view's ``analyst``, else its file's stem."""
    if given is not None:
        ids = [str(a).strip() for a in given]
        if len(ids) != len(views):
            raise InputError.one(None, f"give one analyst id per scenario: {len(views)} scenarios but "
                                       f"{len(ids)} ids", field="analysts", value=",".join(ids))
        if any(not a for a in ids):
            raise InputError.one(None, "analyst ids must not be empty", field="analysts", value=",".join(ids))
    else:
        ids = [s.analyst or Path(f).stem for s, f in zip(views, files)]
    seen: dict[str, int] = {}
    for k, a in enumerate(ids):
        if a in seen:
            raise InputError.one(None, f"two views have the analyst id {a!r} ({files[seen[a]]} and {files[k]}); "
                                       "give each view its own analyst id", field="analysts", value=a)
        seen[a] = k
    return ids


def _weights(weights: Sequence[float] | None, n: int) -> list[float]:
    if weights is None:
        return [1.0] * n
    import numbers

    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable) or not all(
            isinstance(x, numbers.Real) and not isinstance(x, bool) for x in weights):
        raise InputError.one(None, "give the weights as a list of numbers, one per scenario, e.g. [2, 1]",
                             field="weights", value=weights if isinstance(weights, (str, int, float)) else
                             type(weights).__name__)
    w = [float(x) for x in weights]
    if len(w) != n:
        raise InputError.one(None, f"give one weight per scenario: {n} scenarios but {len(w)} weights",
                             field="weights", value=",".join(f"{x:g}" for x in w))
    for x in w:
        if not math.isfinite(x) or not x > 0:
            raise InputError.one(None, "weights must be finite numbers greater than 0", field="weights", value=x)
        if x > 1e12:  # only their ratios count; 1e308 twice overflowed to a pool of one view
            raise InputError.one(None, "weights count only relative to each other: give them at most 1e12 "
                                       "(e.g. 2,1)", field="weights", value=x)
    return w


def _refuse_unlabelled(views: list[Scenario], files: list[str]) -> None:
    """A mixture in one analyst's own view (or without analysts in a pooled one) cannot be pooled."""
    for s, f in zip(views, files):
        for where, v in _numbers(s):
            if not isinstance(v, Mixture):
                continue
            if not s.analysts:
                raise InputError.one(f, "holds a mixture: a pooled input would be a mixture of mixtures; give "
                                        "this analyst's own distribution (a number or a range) instead", field=where)
            if any(c.analyst is None for c in v.mixture):
                raise InputError.one(f, "holds a mixture component without an analyst in a pooled scenario: it "
                                        "cannot be attributed to one analyst of the new pool", field=where)


def _numbers(s: Scenario) -> list[tuple[str, Any]]:
    from detente.scenario.model import uncertain_fields

    out = list(uncertain_fields(s))
    if s.war is not None:
        from detente.scenario.war import collect_parameters

        out += [(n, v) for n, v, _ in collect_parameters(s)]
    return out


def _check_overlap(views: list[Scenario], files: list[str]) -> None:
    """Views of one negotiation: each shares an issue and an actor with the first. An analyst may be
    silent on some of them, but two unrelated scenarios (no common issue or actor) pooled into one
    without a word."""
    issues, actors = set(views[0].issue_ids), set(views[0].actor_ids)
    for s, f in zip(views[1:], files[1:]):
        missing = [what for what, mine, theirs in (("issue", s.issue_ids, issues), ("actor", s.actor_ids, actors))
                   if not set(mine) & theirs]
        if missing:
            raise InputError.one(f, f"shares no {' and no '.join(missing)} with {files[0]}: pooled views are views "
                                    "of one negotiation, with the same ids for its actors and issues")


def _check_same_meaning(views: list[Scenario], files: list[str]) -> None:
    """Every issue means the same in every view (the same scale, no anchor label moved) and no
    issue or actor is another's under a second id."""
    from detente.scenario.views import axis_problems, name_problems

    problems = axis_problems(views, files) + name_problems(views, files)
    if problems:
        raise InputError(None, problems)


def _description(views: list[Scenario], ids: list[str], w: list[float], files: list[str]) -> str:
    total = sum(w)
    parts = [f"{a} ({Path(f).name}, weight {x:g}: {x / total:.0%} of the pool): {s.name}"
             for a, x, f, s in zip(ids, w, files, views)]
    return "Linear pool of " + str(len(views)) + " analysts' views. " + "; ".join(parts) + "."


# -- sources and evidence ----------------------------------------------------------------------------


def _pool_sources(views: list[Scenario], ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The union of the sources; a clash of ids renames the later analyst's (``B:id``)."""
    out: dict[str, dict[str, Any]] = {}
    rename: list[dict[str, str]] = []
    for k, s in enumerate(views):
        mine: dict[str, str] = {}
        for src in s.sources:
            d = src.model_dump(exclude_none=True)
            new = src.id
            if src.id in out and out[src.id] != d:
                new = f"{ids[k]}:{src.id}"
                d = {**d, "id": new}
            mine[src.id] = new
            out.setdefault(new, d)
        rename.append(mine)
    return list(out.values()), rename


def _evidence(items: list[Any], analyst: str, rename: dict[str, str], pooled: bool = False) -> list[dict[str, Any]]:
    """Evidence labelled with its analyst (a pooled view's items keep their own labels)."""
    out = []
    for e in items:
        d = e.model_dump(exclude_none=True) if hasattr(e, "model_dump") else dict(e)
        if d.get("source") is not None:
            d["source"] = rename.get(d["source"], d["source"])
        d["analyst"] = d.get("analyst") if pooled and d.get("analyst") else analyst
        out.append(d)
    return out


# -- numbers -------------------------------------------------------------------------------------


def mix(parts: list[tuple[str, float, Any]], everyone: bool = True) -> Any:
    """A labelled mixture of ``(analyst, weight, value)`` parts, or the plain number when every
    analyst of the pool (``everyone``) gave the same plain number (the form written to the file).
    A number only some analysts gave stays a mixture of theirs, so the file keeps who gave it.

    >>> mix([("A", 1.0, 5.0), ("B", 1.0, 5.0)])
    5.0
    >>> mix([("A", 2.0, 5.0), ("B", 1.0, 7.0)])
    {'mixture': [{'weight': 2.0, 'value': 5.0, 'analyst': 'A'}, {'weight': 1.0, 'value': 7.0, 'analyst': 'B'}]}
    >>> mix([("A", 2.0, 5.0)], everyone=False)
    {'mixture': [{'weight': 2.0, 'value': 5.0, 'analyst': 'A'}]}
    """
    vals = [v for _, _, v in parts]
    if everyone and all(type(v) is float for v in vals) and len(set(vals)) == 1:
        return vals[0]
    return {"mixture": [{"weight": x, "value": _serialise(v), "analyst": a} for a, x, v in parts]}


def _differs(diffs: list[str], where: str, ids: list[str], values: list[tuple[int, Any]]) -> Any:
    """The first analyst's value; a difference line when the others' differ. Texts that open alike
    are each shown from a little before they part (both read "Where the line between Ukrainian-
    and Russian-controlled..." when only their last sentences differed).

    >>> diffs = []
    >>> _differs(diffs, "issues[x].description", ["ann", "bob"],
    ...          [(0, "The line is fixed by a settlement. Anchors are the modeller's."),
    ...           (1, "The line is fixed by a settlement. Same anchors as ann's.")])
    "The line is fixed by a settlement. Anchors are the modeller's."
    >>> print(diffs[0])
    issues[x].description: the analysts differ (ann: "…fixed by a settlement. Anchors are the modeller's."; bob: "…fixed by a settlement. Same anchors as ann's."); kept ann's
    """
    first = values[0][1]
    if any(v != first for _, v in values[1:]):
        start = 0
        if all(isinstance(v, str) for _, v in values):
            same = len(os.path.commonprefix([v for _, v in values]))
            if same > 30:  # from the word that starts about 20 characters before they part
                start = first.rfind(" ", 0, same - 20) + 1
        shown = "; ".join(f"{ids[k]}: {_short(v[start:] if start else v, lead='…' if start else '')}"
                          for k, v in values)
        diffs.append(f"{where}: the analysts differ ({shown}); kept {ids[values[0][0]]}'s")
    return first


def _short(v: Any, n: int = 60, lead: str = "") -> str:
    """A value in a difference line: a text in quotes as written (``repr`` printed "Modeller\\'s"),
    cut at a word to about ``n`` characters, ``lead`` before it (``…`` when its start is left out);
    "none" for no value.

    >>> print(_short("Modeller's assumption"), _short(None), _short(3.5))
    "Modeller's assumption" none 3.5
    >>> _short("one two three four", 12)
    '"one two…"'
    """
    if v is None:
        return "none"
    if not isinstance(v, str):
        text = repr(v)
        return text if len(text) <= n else text[: n - 1] + "…"
    if len(v) <= n:
        return f'"{lead}{v}"'
    cut = v[: n - 1].rsplit(" ", 1)[0] if " " in v[: n - 1] else v[: n - 1]
    return f'"{lead}{cut}…"'


def _pool_records(views: list[Scenario], pool: _Pool, rename: list[dict[str, str]],
                  diffs: list[str], key: str, id_field: str, texts: tuple[str, ...],
                  numbers: tuple[str, ...]) -> list[dict[str, Any]]:
    """Actors (or any list of records with an id): union by id, numbers pooled, texts from the first."""
    order: dict[str, list[tuple[int, Any]]] = {}
    for k, s in enumerate(views):
        for rec in getattr(s, key):
            order.setdefault(getattr(rec, id_field), []).append((k, rec))
    out = []
    for rid, have in order.items():
        d: dict[str, Any] = {id_field: rid}
        for t in texts:
            v = _differs(diffs, f"{key}[{rid}].{t}", pool.ids, [(k, getattr(r, t)) for k, r in have])
            if v is not None:
                d[t] = v
        for n in numbers:
            parts = [p for k, r in have if _gives(views[k], r, n, key) for p in pool.parts(k, getattr(r, n))]
            if parts:
                d[n] = pool.mix(parts)
        d["evidence"] = [e for k, r in have for e in _evidence(r.evidence, pool.ids[k], rename[k], bool(views[k].analysts))]
        out.append(d)
    return out


def _gives(view: Scenario, rec: Any, field_name: str, key: str) -> bool:
    """Whether ``view`` gives ``rec``'s number: written in the file, or a default its own model
    runs use (an actor's default capability counts where the view has a stance of that actor; an
    actor listed without capability or stances gives no capability to pool)."""
    if key != "actors" or field_name in rec.model_fields_set:
        return True
    if view.analysts:  # a pooled view writes every capability some analyst gave
        return False
    return any(st.actor == rec.id for st in view.stances)


def _pool_issues(views: list[Scenario], ids: list[str], rename: list[dict[str, str]],
                 diffs: list[str]) -> list[dict[str, Any]]:
    order: dict[str, list[tuple[int, Any]]] = {}
    for k, s in enumerate(views):
        for i in s.issues:
            order.setdefault(i.id, []).append((k, i))
    out = []
    for iid, have in order.items():
        first = have[0][1]
        d = first.model_dump(exclude_none=True, exclude={"evidence"})
        for t in ("name", "description", "anchors", "status_quo", "outcome", "voting"):
            _differs(diffs, f"issues[{iid}].{t}", ids, [(k, getattr(i, t)) for k, i in have])
        d["evidence"] = [e for k, i in have for e in _evidence(i.evidence, ids[k], rename[k], bool(views[k].analysts))]
        out.append(d)
    return out


def _pool_stances(views: list[Scenario], pool: _Pool, rename: list[dict[str, str]],
                  diffs: list[str]) -> list[dict[str, Any]]:
    order: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    for k, s in enumerate(views):
        for st in s.stances:
            order.setdefault((st.actor, st.issue), []).append((k, st))
    caps = [{a.id: a.capability for a in s.actors} for s in views]
    out = []
    for (actor, issue), have in order.items():
        d: dict[str, Any] = {"actor": actor, "issue": issue,
                             "position": pool.mix([p for k, st in have for p in pool.parts(k, st.position)]),
                             "salience": pool.mix([p for k, st in have for p in pool.parts(k, st.salience)])}
        if any(st.capability is not None for _, st in have):
            # an analyst without a per-issue capability uses the actor's: that is their value here
            d["capability"] = pool.mix([p for k, st in have for p in _stance_capability(pool, k, st, caps[k][actor])])
        note = _differs(diffs, f"stances[{actor} on {issue}].note", pool.ids, [(k, st.note) for k, st in have])
        if note is not None:
            d["note"] = note
        d["evidence"] = [e for k, st in have for e in _evidence(st.evidence, pool.ids[k], rename[k],
                                                                bool(views[k].analysts))]
        out.append(d)
    return out


def _stance_capability(pool: _Pool, k: int, st: Any, actor_capability: Any) -> list[tuple[str, float, Any]]:
    """View ``k``'s parts of a stance's capability: the stance's own where given, else the actor's
    (per analyst of a pooled view: a member who gave no stance capability gives the actor's)."""
    if st.capability is None:
        return pool.parts(k, actor_capability)
    own = pool.parts(k, st.capability)
    given = {a for a, _, _ in own}
    return own + [p for p in pool.parts(k, actor_capability) if p[0] not in given]


def _silent(views: list[Scenario], pool: _Pool) -> dict[str, dict[str, list[str]]]:
    """Per analyst: the actors, issues and stances of the pool they gave nothing on (in a pooled
    view, an analyst without a component in an actor's capability or a stance's position)."""
    actors = list(dict.fromkeys(a for s in views for a in s.actor_ids))
    issues = list(dict.fromkeys(i for s in views for i in s.issue_ids))
    stances = list(dict.fromkeys((st.actor, st.issue) for s in views for st in s.stances))
    out = {}
    for k, s in enumerate(views):
        for a, _ in pool.members[k]:
            mine_a = {x.id for x in s.actors if _gives(s, x, "capability", "actors") and a in pool.gave(k, x.capability)}
            mine_s = {(st.actor, st.issue) for st in s.stances if a in pool.gave(k, st.position)}
            mine_i = {i for i in s.issue_ids if not s.analysts or any(y == i for _, y in mine_s)}
            out[a] = {"actors": [x for x in actors if x not in mine_a],
                      "issues": [x for x in issues if x not in mine_i],
                      "stances": [f"{x} on {y}" for x, y in stances if (x, y) not in mine_s]}
    return out


# -- the war block ---------------------------------------------------------------------------------

_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_TEXT_KEYS = frozenset({"evidence", "note", "name"})


def _path(name: str) -> list[Any]:
    """``war.sides.A.ratifiers[0].floor`` -> ``["sides", "A", "ratifiers", 0, "floor"]``."""
    return [int(i) if i else k for k, i in _PART.findall(name[3:])]


def _set(node: Any, path: list[Any], value: Any) -> bool:
    for p in path[:-1]:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)):
        node[path[-1]] = value
        return True
    return False


def _structure(node: Any) -> Any:
    """The block without its texts (evidence, notes, names): what must agree to pool its numbers."""
    if isinstance(node, dict):
        return {k: _structure(v) for k, v in node.items() if k not in _TEXT_KEYS}
    if isinstance(node, list):
        return [_structure(v) for v in node]
    return node


def _merge_texts(nodes: list[Any], who: list[int], ids: list[str], rename: list[dict[str, str]],
                 diffs: list[str], where: str, pooled: list[bool]) -> Any:
    """Blocks of the same structure merged: evidence lists joined (labelled), other texts the first's."""
    first = nodes[0]
    if isinstance(first, dict):
        out = {}
        for key, v in first.items():
            sub = [n.get(key) for n in nodes]
            if key == "evidence":
                out[key] = [e for k, items, pk in zip(who, sub, pooled)
                            for e in _evidence(items or [], ids[k], rename[k], pk)]
            elif isinstance(v, (dict, list)):
                out[key] = _merge_texts(sub, who, ids, rename, diffs, f"{where}.{key}", pooled)
            else:
                out[key] = _differs(diffs, f"{where}.{key}", ids, list(zip(who, sub)))
        return out
    if isinstance(first, list):
        return [_merge_texts([n[j] for n in nodes], who, ids, rename, diffs, f"{where}[{j}]", pooled)
                for j in range(len(first))]
    return _differs(diffs, where, ids, list(zip(who, nodes)))


def _kept_block(node: Any, analyst: str, rename: dict[str, str], pool: _Pool, pooled: bool) -> Any:
    """A war block kept as one view wrote it: evidence labelled; a pooled view's mixture components
    reweighted to their analysts' weights in the new pool."""
    if isinstance(node, dict):
        if pooled and isinstance(node.get("mixture"), list):
            return {**node, "mixture": [{**c, "weight": pool.weight[c["analyst"]]} if isinstance(c, dict) and
                                        c.get("analyst") in pool.weight else c for c in node["mixture"]]}
        return {k: (_evidence(v, analyst, rename, pooled) if k == "evidence" and isinstance(v, list)
                    else _kept_block(v, analyst, rename, pool, pooled)) for k, v in node.items()}
    if isinstance(node, list):
        return [_kept_block(v, analyst, rename, pool, pooled) for v in node]
    return node


def _pool_war(views: list[Scenario], pool: _Pool, rename: list[dict[str, str]],
              diffs: list[str], files: list[str], war_from: str | None) -> dict[str, Any] | None:
    """The pooled war block: its numbers pooled, when every analyst's block has the same structure
    (sides, battlefield, ratifiers, commitments, shocks); ``war_from`` (an analyst id) keeps that
    analyst's block as written instead. Blocks of different structures are refused without it: the
    pooled war forecast would otherwise be one analyst's, chosen by the order of the files."""
    have = [k for k, s in enumerate(views) if s.war is not None]
    ids = pool.ids
    if war_from is not None:
        keep = [k for k in have if ids[k] == war_from]
        if not keep:
            raise InputError.one(None, f"no view of analyst {war_from!r} gives a war block (views with one: "
                                       f"{', '.join(ids[k] for k in have) or 'none'})", field="war_from")
        k = keep[0]
        diffs.append(f"war: {ids[k]}'s war block kept as written, as asked; its numbers are not pooled")
        return _kept_block(copy.deepcopy(views[k].war), ids[k], rename[k], pool, bool(views[k].analysts))
    if not have:
        return None
    from pydantic import ValidationError

    from detente.scenario.war import validate_war_block, war_parameters

    if len(have) < len(views):
        diffs.append(f"war: only {', '.join(ids[k] for k in have)} give a war block; it pools theirs")
    blocks = []
    for k in have:
        try:
            blocks.append(validate_war_block(copy.deepcopy(views[k].war)))
        except ValidationError as exc:
            raise InputError.one(files[k], f"its war block does not validate ({exc.error_count()} problem(s)); "
                                           f"`detente validate {files[k]}` lists them", field="war") from None
    dumps = [b.model_dump(mode="json", exclude_none=True) for b in blocks]
    params = [{n: v for n, v, _ in war_parameters(b)} for b in blocks]
    skeletons = []
    for d, p in zip(dumps, params):
        sk = copy.deepcopy(d)
        ok = all(_set(sk, _path(n), None) for n in p)
        skeletons.append(sk if ok else None)
    odd = [j for j, (p, sk) in enumerate(zip(params, skeletons)) if sk is None or list(p) != list(params[0])
           or _structure(sk) != _structure(skeletons[0])]
    if odd:
        j = odd[0]
        x, y = skeletons[0] or dumps[0], skeletons[j] or dumps[j]  # numbers blanked where they could be
        parts = sorted(key for key in {*x, *y} - _TEXT_KEYS if _structure(x.get(key)) != _structure(y.get(key))) \
            or ["the places of their numbers"]
        a, b = have[0], have[j]
        raise InputError(None, [Problem(
            f"the war blocks of {ids[a]} ({files[a]}) and {ids[b]} ({files[b]}) differ in structure "
            f"({', '.join(parts)}); their numbers are pooled only when every block has the same sides, "
            "battlefield, ratifiers, commitments and shocks: align the blocks, or name the analyst whose "
            "war block to keep as written (detente pool --war-from ANALYST; war_from= in Python)")])
    merged = _merge_texts(skeletons, have, ids, rename, diffs, "war", [bool(views[k].analysts) for k in have])
    for n in params[0]:
        _set(merged, _path(n), pool.mix([x for k, p in zip(have, params) for x in pool.parts(k, p[n])]))
    return merged


# -- the result --------------------------------------------------------------------------------------


def _validated(data: dict[str, Any]) -> Scenario:
    from pydantic import ValidationError

    from detente.scenario.io import _problems

    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError("<pooled scenario>", _problems(exc, {}, data)) from None
