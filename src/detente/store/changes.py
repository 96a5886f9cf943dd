"""What changed between two recorded scenarios, field by field, for ``detente runs diff``.

Actors, issues and sources are matched by id and stances by (actor, issue), so that a reordered
list is no change and a path names what an analyst recognises:

>>> a = {"actors": [{"id": "SPD", "capability": 206}], "issues": [{"id": "x"}],
...      "stances": [{"actor": "SPD", "issue": "x", "position": 70, "salience": 0.7}]}
>>> b = {"actors": [{"id": "SPD", "capability": 206}], "issues": [{"id": "x"}],
...      "stances": [{"actor": "SPD", "issue": "x", "position": 80, "salience": 0.7}]}
>>> input_changes(a, b)
[{'field': 'stances[SPD,x].position', 'a': 70, 'b': 80}]
"""

from __future__ import annotations

from typing import Any

_MISSING = object()
MAX_CHANGES = 200
"""The most changes listed (a run on a different scenario altogether would list every number)."""


def _key(name: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if name == "stances" and "actor" in item and "issue" in item:
        return f"{item['actor']},{item['issue']}"
    v = item.get("id")
    return str(v) if v is not None else None


def _walk(a: Any, b: Any, path: str, out: list[dict[str, Any]]) -> None:
    if len(out) >= MAX_CHANGES or a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(dict.fromkeys([*a, *b])):
            _walk(a.get(k, _MISSING), b.get(k, _MISSING), f"{path}.{k}" if path else str(k), out)
        return
    if isinstance(a, list) and isinstance(b, list):
        name = path.rsplit(".", 1)[-1]
        ka, kb = [_key(name, x) for x in a], [_key(name, x) for x in b]
        if all(k is not None for k in ka + kb) and len(set(ka)) == len(ka) and len(set(kb)) == len(kb):
            da, db = dict(zip(ka, a)), dict(zip(kb, b))
            for k in list(dict.fromkeys([*ka, *kb])):
                _walk(da.get(k, _MISSING), db.get(k, _MISSING), f"{path}[{k}]", out)
            return
        if len(a) == len(b):
            for k, (x, y) in enumerate(zip(a, b)):
                _walk(x, y, f"{path}[{k}]", out)
            return
    out.append({"field": path, "a": None if a is _MISSING else a, "b": None if b is _MISSING else b})


def input_changes(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``[{"field", "a", "b"}, ...]``: every value that differs between two scenario records (``None``
    where a side does not have it), at most :data:`MAX_CHANGES`."""
    out: list[dict[str, Any]] = []
    # ``meta`` (the file it was read from, its lines) is not an input: the input hash leaves it out
    _walk({k: v for k, v in (a or {}).items() if k != "meta"}, {k: v for k, v in (b or {}).items() if k != "meta"},
          "", out)
    return out
