"""Problems in the user's words: ``stances[0].salience`` becomes "Russia / Territorial line".

The API keeps each problem's machine ``field`` path (the page marks the cell with it) and adds
``where`` (the actor / issue / war side the path points at, by name) and ``text``, one sentence an
analyst can act on.

>>> data = {"actors": [{"id": "RU", "name": "Russia"}], "issues": [{"id": "t", "name": "Territorial line"}],
...         "stances": [{"actor": "RU", "issue": "t", "position": 10, "salience": 1.7}]}
>>> item = {"field": "stances[0].salience", "message": "must be between 0 and 1 (got 1.7)", "value": None}
>>> humanise([item], data)[0]["text"]
'Russia / Territorial line: salience must be between 0 and 1 (got 1.7)'
>>> item["value"]  # a problem found across fields comes without its value: read at its path
1.7
>>> off = {"field": "stances[0].position", "message": "off the scale [0, 5] of issue 't' (got 10)", "value": None}
>>> humanise([off], data)[0]["text"]  # the place names the issue: not again by its id
'Russia / Territorial line: position off the scale [0, 5] (got 10)'
>>> where("war.sides.A.prior_win", {"war": {"sides": {"A": {"name": "Russia"}}}})
('War, side A (Russia)', 'prior win')
>>> where("options.bdm.Q", None)
('model bdm', 'Q')
"""

from __future__ import annotations

import json
import re
from typing import Any

from detente.scenario.io import _lookup, path_to_loc

def _steps(path: str) -> list[str | int]:
    return list(path_to_loc(path))


def _get(data: Any, *loc: str | int) -> Any:
    return _lookup(data, loc)


def _name(entity: Any) -> str | None:
    if not isinstance(entity, dict):
        return None
    v = entity.get("name") or entity.get("id")
    return str(v) if v not in (None, "") else None


def _by_id(data: Any, kind: str, ident: Any) -> str | None:
    for e in _get(data, kind) or []:
        if isinstance(e, dict) and e.get("id") == ident:
            return _name(e) or str(ident)
    return None if ident in (None, "") else str(ident)


def _words(name: str | int) -> str:
    return str(name).replace("_", " ")


def where(path: str | None, data: Any) -> tuple[str | None, str | None]:
    """``(place, what)``: the named thing a field path points at, and the field in words."""
    if not path:
        return None, None
    s = _steps(path)
    if not s:
        return None, None
    if s[0] == "scenarios" and len(s) > 1 and isinstance(s[1], int):  # one view of a comparison
        inner = path.split("].", 1)[1] if "]." in path else ""
        place, what = where(inner, data) if inner and inner != "scenario" else (None, None)
        view = "the other view" if s[1] == 1 else f"view {s[1] + 1}"  # view 1 is the scenario on the page
        return (f"{view}: {place}" if place else view), what
    rest: list[str | int] = []
    place: str | None = None
    if s[0] == "stances" and len(s) > 1 and isinstance(s[1], int):
        st = _get(data, "stances", s[1])
        actor = _by_id(data, "actors", _get(st, "actor")) or f"stance {s[1] + 1}"
        issue = _by_id(data, "issues", _get(st, "issue"))
        place = f"{actor} / {issue}" if issue else actor
        rest = s[2:]
    elif s[0] in ("actors", "issues", "sources") and len(s) > 1 and isinstance(s[1], int):
        kind = {"actors": "actor", "issues": "issue", "sources": "source"}[s[0]]
        place = _name(_get(data, s[0], s[1])) or f"{kind} {s[1] + 1}"
        if s[0] == "sources":
            place = f"source {place}"
        rest = s[2:]
    elif s[0] == "war":
        place = "War"
        rest = s[1:]
        if len(rest) >= 2 and rest[0] == "sides":
            side = _get(data, "war", "sides", rest[1])
            nm = _name(side) or ", ".join(map(str, _get(side, "actors") or [])) or None
            place = f"War, side {rest[1]}" + (f" ({nm})" if nm else "")
            rest = rest[2:]
        elif rest and rest[0] in ("battlefield", "bargaining", "terms"):
            place = f"War, {rest[0]}"
            rest = rest[1:]
    elif s[0] in ("options", "variants") and len(s) > 1:
        place = f"model {s[1]}"
        rest = s[2:] if s[0] == "options" else ["variant"]
    else:
        rest = s
    if rest and rest[0] == "evidence" and len(rest) > 1 and isinstance(rest[1], int):
        place = f"{place}, evidence {rest[1] + 1}" if place else f"evidence {rest[1] + 1}"
        rest = rest[2:]
    parts = [_words(p) if isinstance(p, str) else f"#{p + 1}" for p in rest]
    return place, " ".join(parts) or None


def _shown(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return f"{value:g}"
        except OverflowError:  # an int too large for a float: its size, not its 10**400 digits
            return f"an integer of {len(str(abs(value))) if value.bit_length() < 13_000 else 'many'} digits"
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


_SINGULAR = {"actors": "actor", "issues": "issue", "stances": "position (a stance in the grid)",
             "sources": "source"}


def sentence(item: dict[str, Any], data: Any) -> tuple[str | None, str]:
    place, what = where(item.get("field"), data)
    msg = str(item.get("message") or "invalid")
    field = str(item.get("field") or "")
    if msg == "must have at least one item" and field in _SINGULAR:  # scenario.messages' words for it
        return None, f"add at least one {_SINGULAR[field]}"
    if msg.startswith("Input should"):  # pydantic's wording, read after the field's name
        msg = msg[len("Input "):]
    value = item.get("value")
    if value is not None and "(got " not in msg:
        msg += f" (got {_shown(value)})"
    if place and field.startswith("stances["):  # the place names the issue: not again by its id
        msg = re.sub(r" of issue '[^']*'", "", msg)
    body = f"{what} {msg}" if what and not msg.startswith(what) else msg
    return place, (f"{place}: {body}" if place else (f"{item['field']}: {msg}" if item.get("field") else msg))


def humanise(items: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    """Add ``where`` and ``text`` to each problem (in place; also returned), and its ``value`` where
    the problem came without one and its ``field`` points at a number or a short text in ``data``."""
    for it in items:
        it["where"], it["text"] = sentence(it, data)
        if it.get("value") is None and it.get("field") and data is not None:
            try:
                v = _get(data, *_steps(it["field"]))
            except Exception:  # noqa: BLE001 - a path that does not parse names no value
                v = None
            if isinstance(v, (int, float, str)) and not isinstance(v, bool) and len(str(v)) <= 200:
                it["value"] = v
    return items


_NO_EVIDENCE = " no evidence (add `evidence:` with a quote or paraphrase and its source): "
_NUMBER_AT = re.compile(r"(?:actors|issues|stances)\[\d+\]\.(\w+) \(([^()]*)\)")


def page_warning(line: str) -> str:
    """A warning of :func:`detente.scenario.model.scenario_warnings` in the page's words: no YAML key,
    no field path (the page has an evidence panel, not an `evidence:` key).

    >>> page_warning("2 numbers have no evidence (add `evidence:` with a quote or paraphrase and its "
    ...              "source): actors[1].capability (SPD), stances[0].position (CDU/CSU on Debt brake)")
    "2 numbers have no evidence (add a quote or paraphrase and its source in the number's evidence panel): SPD's capability, CDU/CSU's position on Debt brake"
    """
    if _NO_EVIDENCE not in line:
        return line
    head, listed = line.split(_NO_EVIDENCE, 1)

    def words(m: re.Match[str]) -> str:
        field, label = m.group(1).replace("_", " "), m.group(2)
        if " on " in label and m.group(0).startswith("stances"):
            actor, issue = label.split(" on ", 1)
            return f"{actor}'s {field} on {issue}"
        return f"{label}'s {field}" if m.group(0).startswith("actors") else f"the {field} of {label}"

    return (f"{head} no evidence (add a quote or paraphrase and its source in the number's evidence panel): "
            + _NUMBER_AT.sub(words, listed))
