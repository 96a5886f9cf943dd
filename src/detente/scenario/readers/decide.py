"""Reader for the Decide exchange-model input files (``#A``/``#P``/``#M``/``#D``; ``neighbours.md`` §1.4).

One record per line, the first field is a tag; the delimiter is sniffed (tab or ``;``) and fields
may be quoted with ``'``:

* ``#A key name [comment]`` - an actor;
* ``#P key name [comment]`` - an issue;
* ``#M issue position [meaning]`` - a labelled point of the issue's scale: the lowest and highest
  ``#M`` point of an issue are its scale (0-100 when an issue has fewer than two), the labels
  become :attr:`Issue.anchors`;
* ``#D actor issue position salience power`` - a stance: position on the issue's native scale,
  salience in [0, 1], power >= 0 (per actor *and* issue, kept as the stance's ``capability``);
* ``#/`` and ``#0`` lines are comments, empty lines are skipped.

Choices (documented behaviour):

* ``#O title`` (old files) is *tolerated*: its first field becomes the scenario name. Upstream
  Decide rejects it with a generic exception; that is not an error in the data.
* An actor's own ``capability`` is the largest of its per-issue powers (1 when it has no stance).
  It only matters to models that ignore per-issue capability; stances carry the power itself.
* Every problem is collected and reported together as one :class:`InputError` with the line,
  field and value of each: unknown record tags, actors or issues, duplicate ``#A``/``#P``/``#D``,
  missing or non-numeric values, positions off the ``#M`` range, salience outside [0, 1],
  negative power. ``copenhagen_with_errors.csv`` fails on line 86 (Russia's *Control* position
  160 is off the 0-100 scale) and line 87 (China India's *Control* power is -0.247).

>>> text = "#A;a;Actor A\\n#A;b;Actor B\\n#P;x;Issue X\\n#M;x;0;no\\n#M;x;10;yes\\n" \\
...        "#D;a;x;2;0.5;0.3\\n#D;b;x;8;1;0.7\\n"
>>> s = parse(text, "t.csv")
>>> s.issue("x").scale.max, s.issue("x").anchors[10.0], s.stances[0].capability
(10.0, 'yes', 0.3)
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from detente.errors import InputError, Problem
from detente.scenario.csvtext import csv_rows
from detente.scenario.io import Format, register_reader, validate
from detente.scenario.model import Scenario

TAGS = ("#A", "#P", "#M", "#D", "#O", "#/", "#0")
_SNIFF = re.compile(r"^\s*'?#(A|P|D|O|/)'?[\t;]", re.M)


def sniff(text: str) -> bool:
    """True when the first record lines start with a Decide tag."""
    head = [ln for ln in text[:4000].splitlines() if ln.strip()][:5]
    return bool(head) and all(_SNIFF.match(ln) for ln in head[:1]) and any(_SNIFF.match(ln) for ln in head)


def _delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return "\t" if first.count("\t") >= first.count(";") else ";"


def _rows(text: str, file: str) -> list[tuple[int, list[str]]]:
    out = []
    for line, row in csv_rows(text, file, delimiter=_delimiter(text), quotechar="'"):
        fields = [f.strip() for f in row]
        while fields and fields[-1] == "":
            fields.pop()
        if fields:
            out.append((line, fields))
    return out


def _number(field: str, raw: str, line: int, problems: list[Problem]) -> float | None:
    try:
        v = float(raw.replace(",", ".")) if raw != "" else None
    except ValueError:
        v = None
    if v is None or not math.isfinite(v):
        problems.append(Problem("missing or not a number" if raw == "" else "not a number",
                                field=field, line=line, value=raw))
        return None
    return v


def parse(text: str, file: str) -> Scenario:
    """Parse the text of a Decide file into a validated :class:`Scenario`."""
    problems: list[Problem] = []
    name = Path(file).stem
    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    points: dict[str, dict[float, tuple[str, int]]] = {}
    stances: list[tuple[int, dict[str, Any]]] = []
    seen_d: dict[tuple[str, str], int] = {}
    rows = _rows(text, file)
    if not rows:
        raise InputError.one(file, "no records found (expected #A, #P, #M and #D lines)")
    for line, f in rows:
        tag = f[0].upper() if f[0].upper() in TAGS else f[0]
        if tag in ("#/", "#0"):
            continue
        if tag == "#O":
            if len(f) > 1 and f[1]:
                name = f[1]
            continue
        if tag in ("#A", "#P"):
            kind = "actor" if tag == "#A" else "issue"
            table = actors if tag == "#A" else issues
            if len(f) < 2 or not f[1]:
                problems.append(Problem(f"{tag} record without an {kind} key", field=f"{tag}.key", line=line))
                continue
            key = f[1]
            if key in table:
                problems.append(Problem(f"duplicate {kind} (first defined on line {table[key]['line']})",
                                        field=f"{tag}.key", line=line, value=key))
                continue
            table[key] = {"line": line, "name": f[2] if len(f) > 2 and f[2] else key,
                          "description": f[3] if len(f) > 3 and f[3] else None}
            continue
        if tag == "#M":
            if len(f) < 3:
                problems.append(Problem("#M record needs an issue and a position", field="#M", line=line))
                continue
            v = _number("#M.position", f[2], line, problems)
            if v is not None:
                points.setdefault(f[1], {})[v] = (f[3] if len(f) > 3 else "", line)
            continue
        if tag == "#D":
            if len(f) < 6:
                problems.append(Problem("#D record needs actor, issue, position, salience and power "
                                        f"(found {len(f) - 1} fields)", field="#D", line=line))
                continue
            actor, issue = f[1], f[2]
            vals = [_number(f"#D.{n}", raw, line, problems)
                    for n, raw in zip(("position", "salience", "power"), f[3:6])]
            if (actor, issue) in seen_d:
                problems.append(Problem(f"second #D record for actor {actor!r} on issue {issue!r} "
                                        f"(first on line {seen_d[(actor, issue)]})", field="#D", line=line))
                continue
            seen_d[(actor, issue)] = line
            stances.append((line, {"actor": actor, "issue": issue, "vals": vals}))
            continue
        problems.append(Problem("unknown record tag (expected #A, #P, #M, #D, #O, #/ or #0)",
                                field="tag", line=line, value=f[0]))

    for key, pts in points.items():
        if key not in issues:
            line = min(ln for _, ln in pts.values())
            problems.append(Problem("#M for an issue without a #P record", field="#M.issue", line=line, value=key))
    scales = {}
    for key in issues:
        pts = points.get(key, {})
        lo, hi = (min(pts), max(pts)) if len(pts) >= 2 else (0.0, 100.0)
        if len(pts) >= 2 and not hi > lo:
            problems.append(Problem("#M points do not span an interval", field="#M.position",
                                    line=issues[key]["line"], value=key))
            lo, hi = 0.0, 100.0
        scales[key] = (lo, hi)

    out_stances = []
    power: dict[str, float] = {}
    for line, st in stances:
        a, i, (x, s, c) = st["actor"], st["issue"], st["vals"]
        ok = True
        if a not in actors:
            problems.append(Problem("unknown actor (no #A record with this key)", field="#D.actor", line=line, value=a))
            ok = False
        if i not in issues:
            problems.append(Problem("unknown issue (no #P record with this key)", field="#D.issue", line=line, value=i))
            ok = False
        if x is not None and i in scales:
            lo, hi = scales[i]
            if not lo <= x <= hi:
                problems.append(Problem(f"position off the scale [{lo:g}, {hi:g}] of issue {i!r}",
                                        field="#D.position", line=line, value=x))
                ok = False
        if s is not None and not 0 <= s <= 1:
            problems.append(Problem("salience must be between 0 and 1", field="#D.salience", line=line, value=s))
            ok = False
        if c is not None and c < 0:
            problems.append(Problem("power must not be negative", field="#D.power", line=line, value=c))
            ok = False
        if ok and None not in (x, s, c):
            out_stances.append({"actor": a, "issue": i, "position": x, "salience": s, "capability": c})
            power[a] = max(power.get(a, 0.0), c)
    if not problems and not actors:
        problems.append(Problem("no #A (actor) records"))
    if not problems and not out_stances:
        problems.append(Problem("no #D (position) records"))
    if problems:
        raise InputError(file, sorted(problems, key=lambda p: p.line or 0))

    data = {
        "name": name,
        "actors": [{"id": k, "name": v["name"], "description": v["description"],
                    "capability": power.get(k, 1.0) or 1.0} for k, v in actors.items()],
        "issues": [{"id": k, "name": v["name"], "description": v["description"],
                    "scale": {"min": scales[k][0], "max": scales[k][1]},
                    "anchors": {p: lab for p, (lab, _) in points.get(k, {}).items() if lab}}
                   for k, v in issues.items()],
        "stances": out_stances,
        "meta": {"reader": "decide"},
    }
    for part in data["actors"] + data["issues"]:
        if part["description"] is None:
            del part["description"]
    return validate(data, file)


def read(path: Path, text: str) -> Scenario:
    return parse(text, str(path))


register_reader(Format("decide", (".csv", ".txt"), sniff, read, None,
                       "Decide exchange-model input (#A/#P/#M/#D records)"))
