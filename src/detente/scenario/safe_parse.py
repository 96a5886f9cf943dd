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
from contextvars import ContextVar
from typing import Any

Loc = tuple[Any, ...]

import yaml
from yaml.constructor import SafeConstructor

from detente.errors import InputError, Problem
from detente.scenario import limits

_FLOAT_MAX = sys.float_info.max


class _Refused(Exception):
    """A problem found while parsing, with the 1-based line (raised past PyYAML's own handlers)."""

    def __init__(self, message: str, line: int | None, value: Any = None) -> None:
        super().__init__(message)
        self.message, self.line, self.value = message, line, value


class _RefusedValue:
    """What a value refused while parsing reads as when the parser collects its problem and goes on
    (:func:`parse_yaml_lines` with ``refused``): validation then fails on it, and the caller drops
    that second, derived problem (:func:`about_refused`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<refused value>"


REFUSED = _RefusedValue()
_collecting: ContextVar[list[_Refused] | None] = ContextVar("detente_refused_values", default=None)


def _refuse_value(e: _Refused) -> Any:
    """Raise ``e`` (a refused value or a duplicate key), or keep it and return :data:`REFUSED`
    while a parse collects its refusals."""
    found = _collecting.get()
    if found is None:
        raise e
    found.append(e)
    return REFUSED


def about_refused(message: str, value: Any) -> bool:
    """Whether a validation problem is about a value the parser refused (and reported) already: the
    value is :data:`REFUSED` or holds it (a mixture with a refused component), or the message names it.

    >>> about_refused("mixture[1].value: expected a number", {"mixture": [{"value": 5}, {"value": REFUSED}]})
    True
    """
    if repr(REFUSED) in message:
        return True
    stack = [value]
    while stack:
        v = stack.pop()
        if v is REFUSED:
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return False


def _refuse_int_literal(text: str, line: int | None) -> None:
    digits = text.lstrip("+-")
    if len(digits) > limits.MAX_INT_DIGITS + 2:  # checked before int(): Python's int-string limit
        raise _Refused(f"integer literal of {len(digits):,} digits: too large for a number", line, text)


# --------------------------------------------------------------------------------------------
# YAML


def _refuse_misread_number(text: str, line: int | None) -> None:
    """YAML 1.1 reads ``010`` as 8 (octal), ``0b101`` as 5, ``0x1A`` as 26 and ``1:30`` as 90
    (base 60): a position or a capability typed so would be another number, silently. Refused with
    what to write instead."""
    digits = text.lstrip("+-").replace("_", "")
    if ":" in digits:
        raise _Refused(f"YAML reads {text} as a base-60 number; write it as a plain number, or in quotes "
                       "for text", line, text)
    if digits[:2].lower() in ("0b", "0x") or (len(digits) > 1 and digits[0] == "0" and digits.isdigit()):
        base = {"0b": "a binary", "0x": "a hexadecimal"}.get(digits[:2].lower(), "an octal")
        plain = digits.lstrip("0") or "0"
        raise _Refused(f"YAML reads {text} as {base} number; write {plain if base == 'an octal' else 'it in decimal'} "
                       "(no leading 0), or put it in quotes for text", line, text)


def _construct_int(loader: SafeConstructor, node: yaml.ScalarNode) -> int:
    line = node.start_mark.line + 1
    try:
        _refuse_int_literal(str(node.value), line)
        _refuse_misread_number(str(node.value), line)
        v = SafeConstructor.construct_yaml_int(loader, node)
        if abs(v) > _FLOAT_MAX:
            raise _Refused("integer too large for a number", line, str(node.value)[:40])
    except _Refused as e:
        return _refuse_value(e)
    return v


def _construct_float(loader: SafeConstructor, node: yaml.ScalarNode) -> float:
    try:
        if ":" in str(node.value):  # 1:30.5, base 60
            _refuse_misread_number(str(node.value), node.start_mark.line + 1)
        v = SafeConstructor.construct_yaml_float(loader, node)
        if not math.isfinite(v):
            raise _Refused("not a finite number", node.start_mark.line + 1, str(node.value))
    except _Refused as e:
        return _refuse_value(e)
    return v


def _construct_timestamp(loader: SafeConstructor, node: yaml.ScalarNode) -> Any:
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:  # 2024-02-30: YAML's date form, not a day of the calendar
        return _refuse_value(_Refused("not a real date; write a date that exists, or put it in quotes",
                                      node.start_mark.line + 1, str(node.value)))


def _hardened(base: type) -> type:
    cls = type(f"Hardened{base.__name__}", (base,), {})
    cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    cls.add_constructor("tag:yaml.org,2002:float", _construct_float)
    cls.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
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
            _refuse_value(_Refused(f"duplicate key {k.value!r} (first on line {first[key]})", line))
            continue
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


class _Fallback(Exception):
    """A construct the one-pass loader leaves to the node-graph loader (tags, merge keys, ...)."""


_RESOLVER = yaml.resolver.Resolver()
_CTOR = SafeConstructor()
_STR, _NULL, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT, _TIME = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"


def _plain_value(value: str, line: int) -> tuple[str, Any]:
    """(tag, value) of a plain scalar, resolved as the safe loader resolves it (YAML 1.1 rules)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR:
        return tag, value
    if tag == _NULL:
        return tag, None
    if tag == _BOOL:
        return tag, SafeConstructor.bool_values[value.lower()]
    node = yaml.ScalarNode(tag, value, yaml.Mark("", 0, line - 1, 0, None, None), None)
    if tag == _INT:
        return tag, _construct_int(_CTOR, node)
    if tag == _FLOAT:
        return tag, _construct_float(_CTOR, node)
    if tag == _TIME:
        return tag, _construct_timestamp(_CTOR, node)
    raise _Fallback(tag)  # merge keys ('<<'), '=' values: the node-graph loader knows them


def load_yaml_lines(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """YAML text -> (data, line of each field path) in ONE pass over libyaml's events.

    The same checks as :func:`check_graph` (expansion, recursion, depth, duplicate keys, counts)
    and the same numbers rules, without building PyYAML's node graph, walking it, and walking it
    again for the lines: about five times faster on big scenarios. Explicit tags, merge keys,
    complex keys, several documents and any syntax error raise :class:`_Fallback` (or PyYAML's
    error), and the caller uses the node-graph loader, which words the error as always.
    """
    if _FAST is None:
        raise _Fallback("no libyaml")
    parser = yaml.CSafeLoader(text)
    get = parser.get_event
    Scalar, MapStart, SeqStart, Alias = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent,
                                         yaml.AliasEvent)
    MapEnd, SeqEnd, DocStart, DocEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.DocumentStartEvent, \
        yaml.DocumentEndEvent
    lines: dict[tuple[Any, ...], int] = {}
    anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, size after expansion, height)
    open_anchors: set[str] = set()
    cache: dict[str, tuple[str, Any]] = {}  # plain scalar text -> (tag, value): scenarios repeat values
    caps = limits.max_counts()
    # a frame: [container, loc, is_map, key text, key value, key line, first line of each key,
    #           size after expansion, height, anchor, cap on its length, line]
    stack: list[list[Any]] = []
    written = 0
    root: Any = None
    root_size = 0
    try:
        ev = get()  # StreamStart
        ev = get()
        if type(ev) is not DocStart:  # an empty stream
            return None, {}
        while True:
            ev = get()
            t = type(ev)
            if t is Scalar or t is Alias:
                line = ev.start_mark.line + 1
                if t is Alias:
                    if ev.anchor in open_anchors:
                        raise _Refused("recursive alias (a node that contains itself)", line)
                    if ev.anchor not in anchors:
                        raise _Fallback("undefined alias")
                    value, size, height = anchors[ev.anchor]
                    is_scalar, tag = not isinstance(value, (dict, list)), None
                else:
                    written += 1
                    size = height = 1
                    is_scalar = True
                    if ev.tag is not None and ev.tag != "!":
                        raise _Fallback("explicit tag")
                    if ev.implicit[0] and ev.tag is None:
                        hit = cache.get(ev.value)
                        if hit is None:
                            hit = _plain_value(ev.value, line)
                            if hit[1] is not REFUSED:  # a refused value is reported on each of its lines
                                cache[ev.value] = hit
                        tag, value = hit
                    else:
                        tag, value = _STR, ev.value
                    if ev.anchor is not None:
                        anchors[ev.anchor] = (value, 1, 1)
            elif t is MapStart or t is SeqStart:
                written += 1
                line = ev.start_mark.line + 1
                if ev.tag is not None and ev.tag != "!" and not ev.implicit:
                    raise _Fallback("explicit tag")
                if len(stack) >= limits.MAX_DEPTH:
                    raise _Refused(f"nested more than {limits.MAX_DEPTH} levels deep", line)
                parent = stack[-1] if stack else None
                if parent is None:
                    loc: tuple[Any, ...] = ()
                elif parent[2]:
                    if parent[3] is _NO_KEY:
                        raise _Fallback("complex key")
                    loc = parent[1] + (parent[3],)
                else:
                    loc = parent[1] + (len(parent[0]),)
                cap = None
                if t is SeqStart and len(stack) == 1 and parent[2] and parent[3] in caps:
                    cap = caps[parent[3]]
                is_map = t is MapStart
                if ev.anchor is not None:
                    open_anchors.add(ev.anchor)
                if parent is None:
                    lines[loc] = line
                stack.append([{} if is_map else [], loc, is_map, _NO_KEY, None, 0, {} if is_map else None,
                              1, 1, ev.anchor, cap, line])
                continue
            elif t is MapEnd or t is SeqEnd:
                frame = stack.pop()
                value, size, height = frame[0], frame[7], frame[8] + 1
                if height > limits.MAX_DEPTH:
                    raise _Refused(f"nested more than {limits.MAX_DEPTH} levels deep", frame[11])
                if frame[9] is not None:
                    open_anchors.discard(frame[9])
                    anchors[frame[9]] = (value, size, height)
                is_scalar, tag, line = False, None, frame[11]
            elif t is DocEnd:
                break
            else:
                raise _Fallback(type(ev).__name__)
            # attach `value` (of `size`, `height`) to the open container
            if not stack:
                root, root_size = value, size
                continue
            top = stack[-1]
            top[7] += size
            if height > top[8]:
                top[8] = height
            if top[2]:  # a mapping: a key, then its value
                if top[3] is _NO_KEY:
                    if not is_scalar or t is Alias:
                        raise _Fallback("complex or aliased key")
                    key_id = (tag, ev.value)
                    if tag != _STR and tag not in (_INT, _FLOAT, _BOOL, _NULL):
                        raise _Fallback("unusual key")
                    first = top[6]
                    if key_id in first:  # kept (the later value wins) when the refusals are collected
                        _refuse_value(_Refused(f"duplicate key {ev.value!r} (first on line {first[key_id]})", line))
                    else:
                        first[key_id] = line
                    top[3], top[4], top[5] = ev.value, value, line
                else:
                    top[0][top[4]] = value
                    # a key holding a scalar: the value's line; holding a container: the key's line
                    lines[top[1] + (top[3],)] = line if is_scalar else top[5]
                    top[3] = _NO_KEY
            else:
                lines[top[1] + (len(top[0]),)] = line
                top[0].append(value)
                if top[10] is not None and len(top[0]) > top[10]:
                    key = top[1][-1]
                    raise _Refused(limits.count_problem(key, len(top[0])) or "", stack[0][5] if stack else line)
        if type(get()) is not yaml.StreamEndEvent:
            raise _Fallback("several documents")
    finally:
        parser.dispose()
    budget = limits.MAX_EXPANSION * written + limits.EXPANSION_SLACK
    if root_size > budget:
        raise _Refused(f"aliases expand the document to {root_size:,} nodes from {written:,} written "
                       f"(more than {limits.MAX_EXPANSION}x): refused as an alias bomb", 1)
    return root, lines


_NO_KEY = object()


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
            _restart_collecting()  # the pure-Python loader finds the refusals again
        return _load_nodes(_PURE, text)
    except _Refused as e:
        raise InputError.one(file, e.message, line=e.line, **_got(e)) from None
    except RecursionError:
        raise InputError.one(file, f"nested too deep (more than {limits.MAX_DEPTH} levels)") from None
    except yaml.MarkedYAMLError as e:
        problem = str(e.problem or e)
        raise InputError.one(file, f"YAML syntax error: {problem}{yaml_hint(problem)}", line=_line(e)) from None
    except yaml.YAMLError as e:
        raise InputError.one(file, f"YAML error: {e}") from None


_YAML_HINTS = (
    ("'\\t'", "YAML indents with spaces, not tabs: replace the tab on this line by spaces"),
    ("mapping values are not allowed", "check this line's indentation, or put a text holding ': ' in quotes"),
    ("expected <block end>", "this line is indented differently from the lines above it at the same level"),
    ("could not find expected ':'", "a line of the mapping above has no 'key: value' (a missing ':' or a "
                                    "text on its own line)"),
    ("did not find expected key", "check this line's indentation against the lines above"),
    ("did not find expected '-' indicator", "the items of a list must all start with '- ' at the same "
                                            "indentation"),
)
"""What an author can do about libyaml's and PyYAML's commonest syntax errors."""


def yaml_hint(problem: str) -> str:
    r"""``"; " + advice`` for a known YAML syntax error, else ``""``.

    >>> yaml_hint("found character '\\t' that cannot start any token")
    '; YAML indents with spaces, not tabs: replace the tab on this line by spaces'
    """
    for key, advice in _YAML_HINTS:
        if key in problem:
            return f"; {advice}"
    return ""


def node_lines(node: yaml.Node, loc: Loc = (), out: dict[Loc, int] | None = None) -> dict[Loc, int]:
    """The line of each field path of a composed document (the fallback path's lines)."""
    out = {} if out is None else out
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[loc + (key,)] = k.start_mark.line + 1
            node_lines(v, loc + (key,), out)
            out[loc + (key,)] = k.start_mark.line + 1 if not isinstance(v, yaml.ScalarNode) else v.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            node_lines(v, loc + (i,), out)
    return out


def parse_yaml_lines(text: str, file: str, refused: list[Problem] | None = None) -> tuple[Any, dict[Loc, int]]:
    r"""YAML text -> (data, line of each field path); every problem an InputError with the line.

    The one-pass loader first (:func:`load_yaml_lines`); what it leaves (explicit tags, merge keys,
    broken files) goes to the node-graph loader, which words every error as PyYAML does.

    ``refused``: a list that collects the problems of single values (a number YAML would misread,
    not finite or too large, an impossible date) and duplicate keys instead of raising the first:
    such a value reads as :data:`REFUSED`, a duplicate key's later value wins. The other problems
    (syntax, nesting, aliases, counts) are raised as always.

    >>> found = []
    >>> parse_yaml_lines("a: .nan\nb: 010\na: 2\n", "f.yaml", found)[0]
    {'a': 2, 'b': <refused value>}
    >>> [p.render("f.yaml") for p in found]  # doctest: +NORMALIZE_WHITESPACE
    ["f.yaml:1: not a finite number (got '.nan')",
     "f.yaml:2: YAML reads 010 as an octal number; write 10 (no leading 0), or put it in quotes for text (got '010')",
     "f.yaml:3: duplicate key 'a' (first on line 1)"]
    """
    token = _collecting.set([] if refused is not None else None)
    try:
        try:
            out = load_yaml_lines(text)
        except _Refused as e:
            raise InputError.one(file, e.message, line=e.line, **_got(e)) from None
        except (_Fallback, yaml.YAMLError, RecursionError):
            _restart_collecting()  # the node-graph loader finds the refusals again
            data, node = parse_yaml_data(text, file)
            out = data, (node_lines(node) if node is not None else {})
        if refused is not None:
            refused.extend(Problem(e.message, line=e.line, **_got(e)) for e in _collecting.get() or [])
        return out
    finally:
        _collecting.reset(token)


def _restart_collecting() -> None:
    """Forget the refusals collected so far (a second loader reads the text again)."""
    if _collecting.get() is not None:
        _collecting.set([])


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


_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r"-?(?:\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def json_lines(text: str) -> dict[Loc, int]:
    """The line of each field path of a JSON document already read by :func:`parse_json_data`
    (keyed as :func:`node_lines` keys a YAML document: a mapping's field at its key's line, a
    scalar at its own). A pure-Python scan, without recursion, run only once a problem is to be
    placed; whatever it cannot follow is left out rather than guessed.

    >>> json_lines('{"a": [1,' + chr(10) + ' 2], "b": {"c": true}}')[("a", 1)]
    2
    """
    from bisect import bisect_right
    from json.decoder import scanstring

    newlines = [m.start() for m in re.finditer("\n", text)]

    def line(pos: int) -> int:
        return bisect_right(newlines, pos) + 1

    out: dict[Loc, int] = {}
    # one frame per open container: [kind "{" or "[", its path, current key or index, key's line, expecting a key]
    stack: list[list[Any]] = []
    pos, end = 0, len(text)
    try:
        while True:
            pos = _JSON_WS.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= end:
                return out
            c = text[pos]
            top = stack[-1] if stack else None
            if c == '"' and top is not None and top[0] == "{" and top[4]:
                top[2], pos = scanstring(text, pos + 1)
                top[3], top[4] = line(pos), False
                continue
            if c in ",:}]":
                if c == ",":
                    if top is not None and top[0] == "[":
                        top[2] += 1
                    elif top is not None:
                        top[4] = True
                elif c in "}]":
                    stack.pop()
                pos += 1
                continue
            # a value starts here
            if top is None:
                loc: Loc = ()
            else:
                loc = top[1] + (top[2],)
            at = line(pos)
            out[loc] = top[3] if top is not None and top[0] == "{" and c in "{[" else at
            if c == "{":
                stack.append(["{", loc, None, at, True])
                pos += 1
            elif c == "[":
                stack.append(["[", loc, 0, at, False])
                pos += 1
            elif c == '"':
                pos = scanstring(text, pos + 1)[1]
            else:
                m = _JSON_SCALAR.match(text, pos)
                if m is None or not m.group():
                    return out
                pos = m.end()
    except (ValueError, IndexError, TypeError, AttributeError):
        return out


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
