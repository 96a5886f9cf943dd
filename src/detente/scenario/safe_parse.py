"""Hardened parsing of the native formats: YAML and JSON text -> plain data, or one InputError.

YAML: the safe loader (libyaml's ``CSafeLoader`` when available), and before anything is built
from the node graph, one linear pass over its distinct nodes that refuses

* alias expansion beyond :data:`~detente.scenario.limits.MAX_EXPANSION` times the nodes written
  ("billion laughs") and recursive aliases;
* nesting deeper than :data:`~detente.scenario.limits.MAX_DEPTH`;
* a key given twice in one mapping (the analyst's typo would silently win);
* more actors, issues or stances than the caps of :mod:`detente.scenario.limits`.

Numbers are refused while they are built: ``.inf``/``.nan``, and integers too big for a float.
JSON: the same rules (duplicate keys, ``NaN``/``Infinity``/``1e999``, huge integers, depth).

>>> parse_yaml_data("a: 1\\na: 2\\n", "f.yaml")
Traceback (most recent call last):
...
detente.errors.InputError: f.yaml:2: duplicate key 'a' (first on line 1)
>>> parse_json_data('{"x": 1e999}', "f.json")
Traceback (most recent call last):
...
detente.errors.InputError: f.json:1: not a finite number (got '1e999')
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from detente.errors import InputError
from detente.scenario import limits

_FLOAT_MAX = sys.float_info.max


class _Refused(Exception):
    """A problem found while parsing, with the 1-based line (raised past PyYAML's own handlers)."""

    def __init__(self, message: str, line: int | None, value: Any = None) -> None:
        super().__init__(message)
        self.message, self.line, self.value = message, line, value


def _refuse_int_literal(text: str, line: int | None) -> None:
    digits = text.lstrip("+-")
    if len(digits) > limits.MAX_INT_DIGITS + 2:  # checked before int(): Python's int-string limit
        raise _Refused(f"integer literal of {len(digits):,} digits: too large for a number", line, text)


# --------------------------------------------------------------------------------------------
# YAML


def _construct_int(loader: SafeConstructor, node: yaml.ScalarNode) -> int:
    line = node.start_mark.line + 1
    _refuse_int_literal(str(node.value), line)
    v = SafeConstructor.construct_yaml_int(loader, node)
    if abs(v) > _FLOAT_MAX:
        raise _Refused("integer too large for a number", line, str(node.value)[:40])
    return v


def _construct_float(loader: SafeConstructor, node: yaml.ScalarNode) -> float:
    v = SafeConstructor.construct_yaml_float(loader, node)
    if not math.isfinite(v):
        raise _Refused("not a finite number", node.start_mark.line + 1, str(node.value))
    return v


def _hardened(base: type) -> type:
    cls = type(f"Hardened{base.__name__}", (base,), {})
    cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    cls.add_constructor("tag:yaml.org,2002:float", _construct_float)
    return cls


_FAST = _hardened(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else None  # libyaml: ~10x faster
_PURE = _hardened(yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for kv in node.value for n in kv]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def check_graph(root: yaml.Node) -> None:
    """Refuse expansion bombs, recursive aliases, deep nesting, duplicate keys and too many
    actors/issues/stances; linear in the distinct nodes (an alias is never expanded here)."""
    size: dict[int, int] = {}  # node -> nodes after expanding its aliases
    height: dict[int, int] = {}
    on_path: set[int] = set()
    written = 0
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    scalar = yaml.ScalarNode
    while stack:
        node, kids = stack.pop()
        nid = id(node)
        if kids is not None:  # all children done
            on_path.discard(nid)
            size[nid] = 1 + sum(size[id(k)] for k in kids)
            h = 1 + max((height[id(k)] for k in kids), default=0)
            if h > limits.MAX_DEPTH:
                raise _Refused(f"nested more than {limits.MAX_DEPTH} levels deep", node.start_mark.line + 1)
            height[nid] = h
            continue
        if nid in size:
            continue
        written += 1
        if type(node) is scalar:
            size[nid] = height[nid] = 1
            continue
        if nid in on_path:
            raise _Refused("recursive alias (a node that contains itself)", node.start_mark.line + 1)
        on_path.add(nid)
        if isinstance(node, yaml.MappingNode):
            _duplicate_keys(node)
        kids = _children(node)
        stack.append((node, kids))
        stack.extend((k, None) for k in kids if id(k) not in size)
    budget = limits.MAX_EXPANSION * written + limits.EXPANSION_SLACK
    if size[id(root)] > budget:
        raise _Refused(f"aliases expand the document to {size[id(root)]:,} nodes from {written:,} written "
                       f"(more than {limits.MAX_EXPANSION}x): refused as an alias bomb", 1)
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if isinstance(k, yaml.ScalarNode) and k.value in limits.max_counts() and isinstance(v, yaml.SequenceNode):
                msg = limits.count_problem(k.value, len(v.value))
                if msg:
                    raise _Refused(msg, k.start_mark.line + 1)


def _duplicate_keys(node: yaml.MappingNode) -> None:
    first: dict[tuple[str, str], int] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == _MERGE:
            continue
        key = (k.tag, k.value)
        line = k.start_mark.line + 1
        if key in first:
            raise _Refused(f"duplicate key {k.value!r} (first on line {first[key]})", line)
        first[key] = line


def _load_nodes(loader_cls: type, text: str) -> tuple[Any, yaml.Node | None]:
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        check_graph(node)
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def parse_yaml_data(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    """YAML text -> (data, root node); every problem an InputError with the line."""
    try:
        if _FAST is not None:
            try:
                return _load_nodes(_FAST, text)
            except yaml.MarkedYAMLError as e:
                if "maximum nesting depth" in str(e.problem):  # libyaml's own bound (1000 levels)
                    raise _Refused(f"nested too deep ({e.problem})", _line(e)) from None
                # any other broken file: the pure-Python parser below words the error as always
            except yaml.YAMLError:
                pass
        return _load_nodes(_PURE, text)
    except _Refused as e:
        raise InputError.one(file, e.message, line=e.line, **_got(e)) from None
    except RecursionError:
        raise InputError.one(file, f"nested too deep (more than {limits.MAX_DEPTH} levels)") from None
    except yaml.MarkedYAMLError as e:
        raise InputError.one(file, f"YAML syntax error: {e.problem or e}", line=_line(e)) from None
    except yaml.YAMLError as e:
        raise InputError.one(file, f"YAML error: {e}") from None


def _line(e: yaml.MarkedYAMLError) -> int | None:
    mark = e.problem_mark or e.context_mark
    return mark.line + 1 if mark else None


def _got(e: _Refused) -> dict[str, Any]:
    return {"value": e.value} if e.value is not None else {}


# --------------------------------------------------------------------------------------------
# JSON


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _Duplicate(k)
            seen.add(k)
    return d


def _bad_number(text: str) -> Any:
    raise _Refused("not a finite number", None, text)


def _json_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        _bad_number(text)
    return v


def _json_int(text: str) -> int:
    _refuse_int_literal(text, None)
    return int(text)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_json_data(text: str, file: str) -> Any:
    """JSON text -> data; duplicate keys, non-finite or huge numbers and deep nesting refused."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_json_float,
                          parse_int=_json_int, parse_constant=_bad_number)
    except json.JSONDecodeError as e:
        raise InputError.one(file, f"JSON syntax error: {e.msg} (column {e.colno})", line=e.lineno) from None
    except RecursionError:
        raise InputError.one(file, f"nested too deep (more than {limits.MAX_DEPTH} levels)") from None
    except _Duplicate as e:
        raise InputError.one(file, f"duplicate key {e.key!r}", line=_duplicate_line(text, e.key)) from None
    except _Refused as e:
        m = re.search(r"(?<![\w.+-])" + re.escape(str(e.value)) + r"(?![\w.])", text)
        raise InputError.one(file, e.message, line=_line_of(text, m.start()) if m else None, value=e.value) from None
    depth = _depth(data)
    if depth > limits.MAX_DEPTH:
        raise InputError.one(file, f"nested {depth} levels deep, more than the limit of {limits.MAX_DEPTH}")
    if isinstance(data, dict):
        for key in limits.max_counts():
            if isinstance(data.get(key), list):
                msg = limits.count_problem(key, len(data[key]))
                if msg:
                    raise InputError.one(file, msg, field=key)
    return data


def _duplicate_line(text: str, key: str) -> int | None:
    """The line of the second ``"key":`` of the first object holding it twice (pure-Python scan:
    only runs once a duplicate is known)."""
    import json.decoder as jd
    import json.scanner as js

    where: list[int] = []

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):  # type: ignore[no-untyped-def]
        s, start = s_and_end
        pairs, end = jd.JSONObject(s_and_end, strict, scan_once, object_hook, list, memo)
        if not where and sum(1 for k, _ in pairs if k == key) > 1:
            # the key's own occurrences at this level: skip nested values by matching after a ',' or '{'
            pat = re.compile(r"[{,]\s*(" + re.escape(json.dumps(key)) + r")\s*:")
            hits = [m.start(1) for m in pat.finditer(s, start - 1, end)]
            where.append(hits[1] if len(hits) > 1 else start)
        return pairs, end

    dec = json.JSONDecoder()
    dec.parse_object = parse_object  # type: ignore[attr-defined]
    dec.scan_once = js.py_make_scanner(dec)  # type: ignore[attr-defined]
    try:
        dec.decode(text)
    except (ValueError, RecursionError):
        pass
    return _line_of(text, where[0]) if where else None


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON data (iterative: no recursion on deep input)."""
    best = 0
    stack = [(data, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            best = max(best, d)
            if d > limits.MAX_DEPTH:
                return d
            stack.extend((v, d + 1) for v in node if isinstance(v, (dict, list)))
    return best
