"""Several views of one negotiation: do their issues mean the same thing?

Two analysts' files can be compared or pooled only where a point on an issue means the same in
both. The same issue id with another scale is caught by the scale; the same scale read the other
way round (0 = "Russia keeps everything" in one, 100 in the other) is caught by the anchors: a label
both views give to different points.

>>> from detente.scenario.model import Scenario
>>> def view(anchors):
...     return Scenario.model_validate({"name": "v", "actors": [{"id": "R"}], "issues": [{"id": "land",
...         "anchors": anchors}], "stances": [{"actor": "R", "issue": "land", "position": 80}]})
>>> a, b = view({0: "Kyiv keeps all", 100: "Russia keeps all"}), view({0: "Russia keeps all", 100: "Kyiv keeps all"})
>>> print(axis_problems([a, b], ["a.yaml", "b.yaml"])[0].message[:72])
issue 'land': the anchor 'Russia keeps all' is at 0 in b.yaml but at 100
>>> axis_problems([a, view({0: "kyiv keeps all ", 50: "a split"})], ["a.yaml", "c.yaml"])
[]

Views are matched by id; one issue or actor under two ids (``territory`` in one file,
``territorial_line`` in the other, both named "Territorial line") would be pooled as two, each from
one analyst only:

>>> def named(iid, name):
...     return Scenario.model_validate({"name": "v", "actors": [{"id": "R"}], "issues": [{"id": iid,
...         "name": name}], "stances": [{"actor": "R", "issue": iid, "position": 80}]})
>>> print(name_problems([named("land", "Land"), named("land_line", " land")], ["a.yaml", "d.yaml"])[0].message[:74])
issue 'land_line' in d.yaml has the name ' land' of issue 'land' in a.yaml
"""

from __future__ import annotations

from collections.abc import Sequence

from detente.errors import Problem
from detente.scenario.model import Issue, Scenario


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def axis_problems(views: Sequence[Scenario], files: Sequence[str]) -> list[Problem]:
    """For each issue id that several views give: a different scale, or an anchor label (compared
    without case and spacing) placed at different points, as one problem each, naming both files.
    Views that label the scale differently, or not at all, are not refused: only a label that
    moved says the scale is read another way."""
    first: dict[str, tuple[Issue, str]] = {}
    problems: list[Problem] = []
    for s, f in zip(views, files):
        for i in s.issues:
            if i.id not in first:
                first[i.id] = (i, f)
                continue
            ref, rf = first[i.id]
            if (i.scale.min, i.scale.max) != (ref.scale.min, ref.scale.max):
                problems.append(Problem(
                    f"issue {i.id!r} has the scale [{i.scale.min:g}, {i.scale.max:g}] in {f} but "
                    f"[{ref.scale.min:g}, {ref.scale.max:g}] in {rf}; views with different scales cannot be "
                    "compared or pooled (rescale one of them first)", field=f"issues[{i.id}].scale"))
                continue
            placed = {_key(label): point for point, label in ref.anchors.items()}
            tol = 1e-9 * max(1.0, ref.scale.max - ref.scale.min)
            for point, label in i.anchors.items():
                there = placed.get(_key(label))
                if there is not None and abs(there - point) > tol:
                    problems.append(Problem(
                        f"issue {i.id!r}: the anchor {label!r} is at {point:g} in {f} but at {there:g} in {rf}; "
                        "the views read the scale differently (one of them the other way round?): recode one "
                        "so that a point means the same in both", field=f"issues[{i.id}].anchors"))
                    break
    return problems


def name_problems(views: Sequence[Scenario], files: Sequence[str]) -> list[Problem]:
    """An issue or an actor of one view with the name (without case and spacing) of another id in
    an earlier view: the same thing under two ids, which pooling would keep apart."""
    problems: list[Problem] = []
    for kind in ("issue", "actor"):
        seen: dict[str, tuple[str, str]] = {}  # name -> (id, file)
        ids: set[str] = set()
        for s, f in zip(views, files):
            records = s.issues if kind == "issue" else s.actors
            for r in records:
                if r.name is None or not r.name.strip():
                    continue
                other = seen.get(_key(r.name))
                if other is not None and other[0] != r.id and r.id not in ids:
                    problems.append(Problem(
                        f"{kind} {r.id!r} in {f} has the name {r.name!r} of {kind} {other[0]!r} in {other[1]}: the "
                        f"same {kind} under two ids? Views are matched by id: give it the same id in both "
                        "(or another name)", field=f"{kind}s[{r.id}].name"))
                seen.setdefault(_key(r.name), (r.id, f))
            ids |= {r.id for r in records}
    return problems
