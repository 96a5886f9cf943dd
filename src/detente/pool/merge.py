"""Pool several analysts' views of one negotiation into one scenario (the linear pool).

Every number of the pooled scenario (an actor's capability, a stance's position, salience and
capability, the war block's numbers when the analysts' war blocks have the same structure) becomes
a ``mixture`` with one component per analyst who gave it, labelled with that analyst and weighted
by the analyst's weight (a number all analysts gave as the same plain value stays a plain value).
Actors, issues and stances are the union; an analyst silent on one is listed in the
:class:`CoverageReport`. Texts that differ (labels, descriptions, notes, status quo, a war block of
another structure) are taken from the first analyst and each difference is listed. Evidence is kept
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
import re
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

    def to_dict(self) -> dict[str, Any]:
        d = {"analysts": self.analysts, "silent": self.silent, "differences": self.differences}
        if self.weights_from is not None:
            d["weights_from"] = self.weights_from
        return d


def pool_scenarios(scenarios: Sequence[Scenario], analysts: Sequence[str] | None = None,
                   weights: Sequence[float] | None = None, files: Sequence[str] | None = None,
                   name: str | None = None) -> tuple[Scenario, CoverageReport]:
    """The linear pool of ``scenarios`` (two or more views) and its coverage report.

    ``analysts``: the analyst ids (default: each scenario's ``analyst``, else its file's stem);
    ``weights``: one positive weight per analyst (default equal; e.g. from the forecast ledger);
    ``files``: the views' file names for messages (default: each scenario's ``meta["file"]``).
    Raises :class:`~detente.errors.InputError` naming the files for views that cannot be pooled."""
    views = list(scenarios)
    if len(views) < 2:
        raise InputError.one(None, "give at least two scenarios to pool")
    names = [str(f) for f in files] if files is not None else [
        str(s.meta.get("file") or f"scenario {k + 1}") for k, s in enumerate(views)]
    ids = analyst_ids(views, analysts, names)
    w = _weights(weights, len(views))
    _refuse_pooled(views, names)
    _check_scales(views, names)
    diffs: list[str] = []
    sources, rename = _pool_sources(views, ids)
    data: dict[str, Any] = {
        "name": name or f"{views[0].name} (pooled: {', '.join(ids)})",
        "description": _description(views, ids, w, names),
        "analysts": [{"id": a, "weight": x, "file": Path(f).name} for a, x, f in zip(ids, w, names)],
        "sources": sources,
    }
    data["actors"] = _pool_records(views, ids, w, rename, diffs, "actors", "id", ("name", "group", "description"),
                                   ("capability",))
    data["issues"] = _pool_issues(views, ids, rename, diffs)
    data["stances"] = _pool_stances(views, ids, w, rename, diffs)
    opts = views[0].model_options
    for k, s in enumerate(views[1:], 1):
        if s.model_options != opts:
            diffs.append(f"model_options: {ids[k]} gives {s.model_options!r}, kept {ids[0]}'s {opts!r}")
    if opts:
        data["model_options"] = opts
    war = _pool_war(views, ids, w, rename, diffs)
    if war is not None:
        data["war"] = war
    report = CoverageReport(analysts=[dict(a) for a in data["analysts"]], silent=_silent(views, ids),
                            differences=diffs)
    return _validated(data), report


# -- analysts and weights --------------------------------------------------------------------------


def analyst_ids(views: list[Scenario], given: Sequence[str] | None, files: list[str]) -> list[str]:
    """The analyst id of each view: ``given`` (checked), else each view's ``analyst``, else its file's stem."""
    if given is not None:
        ids = [str(a).strip() for a in given]
        if len(ids) != len(views):
            raise InputError.one(None, f"give one analyst id per scenario: {len(views)} scenarios but "
                                       f"{len(ids)} ids", field="--analysts", value=",".join(ids))
        if any(not a for a in ids):
            raise InputError.one(None, "analyst ids must not be empty", field="--analysts", value=",".join(ids))
    else:
        ids = [s.analyst or Path(f).stem for s, f in zip(views, files)]
    seen: dict[str, int] = {}
    for k, a in enumerate(ids):
        if a in seen:
            raise InputError.one(None, f"two views have the analyst id {a!r} ({files[seen[a]]} and {files[k]}); "
                                       "give unique ids with --analysts a,b,...", field="--analysts", value=a)
        seen[a] = k
    return ids


def _weights(weights: Sequence[float] | None, n: int) -> list[float]:
    if weights is None:
        return [1.0] * n
    w = [float(x) for x in weights]
    if len(w) != n:
        raise InputError.one(None, f"give one weight per scenario: {n} scenarios but {len(w)} weights",
                             field="--weights", value=",".join(f"{x:g}" for x in w))
    for x in w:
        if not math.isfinite(x) or not x > 0:
            raise InputError.one(None, "weights must be finite numbers greater than 0", field="--weights", value=x)
    return w


def _refuse_pooled(views: list[Scenario], files: list[str]) -> None:
    for s, f in zip(views, files):
        if s.analysts:
            raise InputError.one(f, "is a pooled scenario already (it declares `analysts`); pool the analysts' "
                                    "own views instead", field="analysts")
        for where, v in _numbers(s):
            if isinstance(v, Mixture):
                raise InputError.one(f, "holds a mixture: a pooled input would be a mixture of mixtures; give "
                                        "this analyst's own distribution (a number or a range) instead", field=where)


def _numbers(s: Scenario) -> list[tuple[str, Any]]:
    from detente.scenario.model import uncertain_fields

    out = list(uncertain_fields(s))
    if s.war is not None:
        from detente.scenario.war import collect_parameters

        out += [(n, v) for n, v, _ in collect_parameters(s)]
    return out


def _check_scales(views: list[Scenario], files: list[str]) -> None:
    first: dict[str, tuple[float, float, int]] = {}
    problems: list[Problem] = []
    for k, s in enumerate(views):
        for i in s.issues:
            sc = (i.scale.min, i.scale.max)
            if i.id not in first:
                first[i.id] = (*sc, k)
            elif sc != first[i.id][:2]:
                lo, hi, j = first[i.id]
                problems.append(Problem(f"issue {i.id!r} has the scale [{sc[0]:g}, {sc[1]:g}] in {files[k]} but "
                                        f"[{lo:g}, {hi:g}] in {files[j]}; views with different scales cannot be "
                                        "pooled (rescale one of them first)", field=f"issues[{i.id}].scale"))
    if problems:
        raise InputError(None, problems)


def _description(views: list[Scenario], ids: list[str], w: list[float], files: list[str]) -> str:
    total = sum(w)
    parts = [f"{a} ({Path(f).name}, weight {x / total:.2f}): {s.name}" for a, x, f, s in zip(ids, w, files, views)]
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


def _evidence(items: list[Any], analyst: str, rename: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for e in items:
        d = e.model_dump(exclude_none=True) if hasattr(e, "model_dump") else dict(e)
        if d.get("source") is not None:
            d["source"] = rename.get(d["source"], d["source"])
        d["analyst"] = analyst
        out.append(d)
    return out


# -- numbers -------------------------------------------------------------------------------------


def mix(parts: list[tuple[str, float, Any]]) -> Any:
    """A labelled mixture of ``(analyst, weight, value)`` parts, or the plain number when every part
    is the same plain number (the form written to the file).

    >>> mix([("A", 1.0, 5.0), ("B", 1.0, 5.0)])
    5.0
    >>> mix([("A", 2.0, 5.0), ("B", 1.0, 7.0)])
    {'mixture': [{'weight': 2.0, 'value': 5.0, 'analyst': 'A'}, {'weight': 1.0, 'value': 7.0, 'analyst': 'B'}]}
    """
    vals = [v for _, _, v in parts]
    if all(type(v) is float for v in vals) and len(set(vals)) == 1:
        return vals[0]
    return {"mixture": [{"weight": x, "value": _serialise(v), "analyst": a} for a, x, v in parts]}


def _differs(diffs: list[str], where: str, ids: list[str], values: list[tuple[int, Any]]) -> Any:
    """The first analyst's value; a difference line when the others' differ."""
    first = values[0][1]
    if any(v != first for _, v in values[1:]):
        shown = "; ".join(f"{ids[k]}: {_short(v)}" for k, v in values)
        diffs.append(f"{where}: the analysts differ ({shown}); kept {ids[values[0][0]]}'s")
    return first


def _short(v: Any, n: int = 60) -> str:
    text = repr(v)
    return text if len(text) <= n else text[: n - 3] + "..."


def _pool_records(views: list[Scenario], ids: list[str], w: list[float], rename: list[dict[str, str]],
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
            v = _differs(diffs, f"{key}[{rid}].{t}", ids, [(k, getattr(r, t)) for k, r in have])
            if v is not None:
                d[t] = v
        for n in numbers:
            d[n] = mix([(ids[k], w[k], getattr(r, n)) for k, r in have])
        d["evidence"] = [e for k, r in have for e in _evidence(r.evidence, ids[k], rename[k])]
        out.append(d)
    return out


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
        d["evidence"] = [e for k, i in have for e in _evidence(i.evidence, ids[k], rename[k])]
        out.append(d)
    return out


def _pool_stances(views: list[Scenario], ids: list[str], w: list[float], rename: list[dict[str, str]],
                  diffs: list[str]) -> list[dict[str, Any]]:
    order: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    for k, s in enumerate(views):
        for st in s.stances:
            order.setdefault((st.actor, st.issue), []).append((k, st))
    caps = [{a.id: a.capability for a in s.actors} for s in views]
    out = []
    for (actor, issue), have in order.items():
        d: dict[str, Any] = {"actor": actor, "issue": issue,
                             "position": mix([(ids[k], w[k], st.position) for k, st in have]),
                             "salience": mix([(ids[k], w[k], st.salience) for k, st in have])}
        if any(st.capability is not None for _, st in have):
            # an analyst without a per-issue capability uses the actor's: that is their value here
            d["capability"] = mix([(ids[k], w[k], st.capability if st.capability is not None else caps[k][actor])
                                   for k, st in have])
        note = _differs(diffs, f"stances[{actor} on {issue}].note", ids, [(k, st.note) for k, st in have])
        if note is not None:
            d["note"] = note
        d["evidence"] = [e for k, st in have for e in _evidence(st.evidence, ids[k], rename[k])]
        out.append(d)
    return out


def _silent(views: list[Scenario], ids: list[str]) -> dict[str, dict[str, list[str]]]:
    actors = list(dict.fromkeys(a for s in views for a in s.actor_ids))
    issues = list(dict.fromkeys(i for s in views for i in s.issue_ids))
    stances = list(dict.fromkeys((st.actor, st.issue) for s in views for st in s.stances))
    out = {}
    for a, s in zip(ids, views):
        mine_a, mine_i = set(s.actor_ids), set(s.issue_ids)
        mine_s = {(st.actor, st.issue) for st in s.stances}
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
                 diffs: list[str], where: str) -> Any:
    """Blocks of the same structure merged: evidence lists joined (labelled), other texts the first's."""
    first = nodes[0]
    if isinstance(first, dict):
        out = {}
        for key, v in first.items():
            sub = [n.get(key) for n in nodes]
            if key == "evidence":
                out[key] = [e for k, items in zip(who, sub) for e in _evidence(items or [], ids[k], rename[k])]
            elif isinstance(v, (dict, list)):
                out[key] = _merge_texts(sub, who, ids, rename, diffs, f"{where}.{key}")
            else:
                out[key] = _differs(diffs, f"{where}.{key}", ids, list(zip(who, sub)))
        return out
    if isinstance(first, list):
        return [_merge_texts([n[j] for n in nodes], who, ids, rename, diffs, f"{where}[{j}]")
                for j in range(len(first))]
    return _differs(diffs, where, ids, list(zip(who, nodes)))


def _label_evidence(node: Any, analyst: str, rename: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (_evidence(v, analyst, rename) if k == "evidence" and isinstance(v, list)
                    else _label_evidence(v, analyst, rename)) for k, v in node.items()}
    if isinstance(node, list):
        return [_label_evidence(v, analyst, rename) for v in node]
    return node


def _pool_war(views: list[Scenario], ids: list[str], w: list[float], rename: list[dict[str, str]],
              diffs: list[str]) -> dict[str, Any] | None:
    """The pooled war block: numbers pooled where every analyst's block has the same structure, else
    the first analyst's block (and a difference line)."""
    have = [k for k, s in enumerate(views) if s.war is not None]
    if not have:
        return None
    from pydantic import ValidationError

    from detente.scenario.war import validate_war_block, war_parameters

    if len(have) < len(views):
        diffs.append(f"war: only {', '.join(ids[k] for k in have)} give a war block; it pools theirs")
    first = have[0]
    try:
        blocks = [validate_war_block(copy.deepcopy(views[k].war)) for k in have]
    except ValidationError:
        diffs.append(f"war: a war block does not validate; kept {ids[first]}'s as written")
        return _label_evidence(copy.deepcopy(views[first].war), ids[first], rename[first])
    dumps = [b.model_dump(mode="json", exclude_none=True) for b in blocks]
    params = [{n: v for n, v, _ in war_parameters(b)} for b in blocks]
    skeletons = []
    for d, p in zip(dumps, params):
        sk = copy.deepcopy(d)
        ok = all(_set(sk, _path(n), None) for n in p)
        skeletons.append(sk if ok else None)
    same = all(sk is not None for sk in skeletons) and all(
        list(p) == list(params[0]) and _structure(sk) == _structure(skeletons[0])
        for p, sk in zip(params, skeletons))
    if not same:
        diffs.append(f"war: the analysts' war blocks differ in structure (sides, battlefield, ratifiers, "
                     f"commitments or shocks); kept {ids[first]}'s, its numbers not pooled")
        return _label_evidence(copy.deepcopy(views[first].war), ids[first], rename[first])
    merged = _merge_texts(skeletons, have, ids, rename, diffs, "war")
    for n in params[0]:
        _set(merged, _path(n), mix([(ids[k], w[k], p[n]) for k, p in zip(have, params)]))
    return merged


# -- the result --------------------------------------------------------------------------------------


def _validated(data: dict[str, Any]) -> Scenario:
    from pydantic import ValidationError

    from detente.scenario.io import _problems

    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError("<pooled scenario>", _problems(exc, {}, data)) from None
