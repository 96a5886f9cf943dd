"""Files the page hands out: the scenario as YAML/JSON, a run's outputs as one zip, and which
inputs two views of a negotiation differ in.

Nothing here computes a forecast: the files are written by :func:`detente.scenario.io.dumps`
and :func:`detente.report.outputs.write_outputs` (the same as ``detente convert`` and
``detente run --out``).

>>> from detente.scenario.model import Scenario
>>> a = Scenario.model_validate({"name": "a", "actors": [{"id": "A", "name": "Alpha"}, {"id": "B"}],
...     "issues": [{"id": "x", "name": "Tax"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 80}]})
>>> b = a.model_copy(update={"name": "b", "stances": [a.stances[0],
...     a.stances[1].model_copy(update={"salience": 0.5})]})
>>> [(d["where"], d["what"], d["values"]) for d in input_differences([a, b])]
[('B / Tax', 'salience', [1.0, 0.5])]
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from detente.scenario.model import Scenario

_MEDIA = {"yaml": "application/x-yaml", "json": "application/json"}


def file_stem(scenario: Scenario | str) -> str:
    """A file name from the scenario's name: ``'Ukraine settlement (2024)'`` -> ``ukraine-settlement-2024``."""
    name = scenario if isinstance(scenario, str) else scenario.name
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return stem or "scenario"


def scenario_file(scenario: Scenario, fmt: str) -> tuple[str, str, str]:
    """``(file name, media type, text)`` of the scenario in ``fmt`` (yaml or json)."""
    from detente.scenario.io import dumps

    return f"{file_stem(scenario)}.{fmt}", _MEDIA[fmt], dumps(scenario, fmt)


MAX_DRAFT_DEPTH = 16
"""How deep a draft may nest (a scenario nests about 6 levels: war, sides, A, ratifiers, 0, limits)."""


def _depth(v: Any) -> int:
    """How deep ``v`` nests, without recursion (a hostile body must not exhaust the stack)."""
    deepest, todo = 0, [(v, 0)]
    while todo:
        x, d = todo.pop()
        deepest = max(deepest, d)
        if d <= MAX_DRAFT_DEPTH and isinstance(x, (dict, list)):
            todo.extend((y, d + 1) for y in (x.values() if isinstance(x, dict) else x))
    return deepest


def draft_file(data: dict[str, Any], fmt: str, problems: list[str]) -> tuple[str, str, str]:
    """``(file name, media type, text)`` of a scenario that does not validate yet, written as the page
    shows it (a blank as null, a rejected text as typed), so that the file, read again, has the same
    problems; the YAML opens with them as comments.

    >>> name, _, text = draft_file({"name": "Coalition", "stances": [{"actor": "A", "issue": "x",
    ...     "position": "40,5", "salience": None}]}, "yaml", ["A / x: position must be a number"])
    >>> print(name); print(text, end="")
    coalition.yaml
    # 1 problem still to fix: detente reads this file but will not run it until it is fixed.
    #   - A / x: position must be a number
    name: Coalition
    stances:
    - actor: A
      issue: x
      position: 40,5
      salience: null
    """
    import json

    import yaml

    if _depth(data) > MAX_DRAFT_DEPTH:
        raise ValueError(f"nested more than {MAX_DRAFT_DEPTH} levels deep: no scenario is")
    stem = file_stem(str(data.get("name") or ""))
    if fmt == "json":
        return f"{stem}.json", _MEDIA["json"], json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    n = len(problems)
    head = [f"# {n} problem{'s' if n != 1 else ''} still to fix: detente reads this file but will not run it "
            f"until {'it is' if n == 1 else 'they are'} fixed."]
    head += [f"#   - {' '.join(str(p).split())}" for p in problems]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return f"{stem}.yaml", _MEDIA["yaml"], "\n".join(head) + "\n" + body


def as_exported(scenario: Scenario) -> Scenario:
    """The scenario as the page's download reads back (:func:`scenario_file`, YAML or JSON: both
    hold the same data): what the page holds, whose warnings the page shows. The page holds a scenario
    as validated, with every default filled in; the file leaves out every value equal to its default
    (a capability or salience of 1), so such a number is not counted as written down without evidence.

    >>> from detente.scenario.model import unsupported_numbers
    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "A", "issue": "x", "position": 20}]})
    >>> held = Scenario.model_validate(s.model_dump(mode="json"))  # the page's JSON: defaults written
    >>> list(unsupported_numbers(held))
    ['actors[0].capability (A)', 'stances[0].position (A on x)', 'stances[0].salience (A on x)']
    >>> list(unsupported_numbers(as_exported(held)))
    ['stances[0].position (A on x)']
    """
    from detente.scenario.io import file_data, validate

    return validate(file_data(scenario), None)


def outputs_zip(scenario: Scenario, results: list[Any]) -> tuple[str, bytes]:
    """``(file name, bytes)``: a zip of what ``detente run --out`` writes, plus ``scenario.yaml``."""
    from detente.report.outputs import write_outputs
    from detente.scenario.io import dumps

    stem = file_stem(scenario)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="detente-export-") as tmp:
        written = write_outputs(Path(tmp) / "out", scenario, results)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{stem}/scenario.yaml", dumps(scenario, "yaml"))
            for name, path in sorted(written.items()):
                z.write(path, f"{stem}/{name}")
    return f"{stem}-outputs.zip", buf.getvalue()


# ---------------------------------------------------------------------------------------------
# which inputs differ


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested data as ``{"a.b[0].c": value}`` (evidence and notes left out: not inputs)."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        if (set(value) <= {"low", "high", "mode", "mean", "sd"} and value) or set(value) == {"mixture"}:
            # an uncertain number (a mixture too): one leaf
            out[prefix] = value
            return out
        for k, v in value.items():
            if k in ("evidence", "note", "description"):
                continue
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for k, v in enumerate(value):
            out.update(_flat(v, f"{prefix}[{k}]"))
    else:
        out[prefix] = value
    return out


def input_differences(scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """The inputs in which the views differ: ``{"where", "what", "values": [one per view]}``
    (``None`` where a view lacks the input). Actors and stances are matched by id, not by order."""
    views = [s.model_dump(mode="json") for s in scenarios]
    names: dict[str, str] = {}
    issues: dict[str, str] = {}
    for v in views:
        for a in v["actors"]:
            names.setdefault(a["id"], a.get("name") or a["id"])
        for i in v["issues"]:
            issues.setdefault(i["id"], i.get("name") or i["id"])
    rows: list[dict[str, Any]] = []

    def compare(where: str, per_view: list[dict[str, Any] | None], fields: list[str] | None = None) -> None:
        flats = [_flat(x) if x is not None else None for x in per_view]
        keys = list(dict.fromkeys(k for f in flats if f for k in f))
        if fields is not None:
            keys = [k for k in keys if k.split(".")[0].split("[")[0] in fields]
        if any(f is None for f in flats) and any(f is not None for f in flats):
            rows.append({"where": where, "what": "present", "values": [f is not None for f in flats]})
            return
        for k in keys:
            vals = [f.get(k) if f else None for f in flats]
            if any(v != vals[0] for v in vals[1:]):
                rows.append({"where": where, "what": k.replace("_", " "), "values": vals})

    for aid, label in names.items():
        per = [next((a for a in v["actors"] if a["id"] == aid), None) for v in views]
        compare(label, per, ["name", "capability", "group"])
    for iid, label in issues.items():
        per = [next((i for i in v["issues"] if i["id"] == iid), None) for v in views]
        compare(f"issue {label}", per, ["name", "scale", "anchors", "status_quo", "outcome"])
    pairs = list(dict.fromkeys((s["actor"], s["issue"]) for v in views for s in v["stances"]))
    for a, i in pairs:
        per = [next((s for s in v["stances"] if s["actor"] == a and s["issue"] == i), None) for v in views]
        compare(f"{names.get(a, a)} / {issues.get(i, i)}", per, ["position", "salience", "capability"])
    wars = [v.get("war") for v in views]
    if any(w is not None for w in wars):
        compare("war", wars)
    opts = [v.get("model_options") or {} for v in views]
    if any(o != opts[0] for o in opts[1:]):
        compare("model options", opts)
    return rows
