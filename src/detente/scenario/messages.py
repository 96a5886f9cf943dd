"""pydantic's validation errors in the words of a scenario file's author.

pydantic names its own types and the scenario's classes ("Input should be a valid dictionary or
instance of Actor", "unable to parse string as an integer"); an analyst writing YAML knows neither.
:func:`plain_message` says what the field expects instead, with the fields a mapping takes.

>>> plain_message({"type": "model_type", "msg": "Input should be a valid dictionary or instance of Scale",
...                "ctx": {"class_name": "Scale"}, "input": [4, 10]})
'expected its fields as a mapping, e.g. {min: ..., max: ...}, not a list'
>>> plain_message({"type": "extra_forbidden", "msg": "Extra inputs are not permitted"})
'unknown field (check the spelling)'
>>> plain_message({"type": "int_parsing", "msg": "Input should be a valid integer, unable to parse string as an integer"})
'must be a whole number'
>>> plain_message({"type": "literal_error", "ctx": {"expected": "'nash' or 'rubinstein'"}})
'must be one of: nash, rubinstein'
>>> plain_message({"type": "less_than_equal", "msg": "Input should be less than or equal to 1000000",
...                "ctx": {"le": 1000000}})
'must be at most 1,000,000'
"""

from __future__ import annotations

from typing import Any

_SIMPLE = {
    "extra_forbidden": "unknown field (check the spelling)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "expected text",
    "list_type": "expected a list (in YAML: one '- ' item per line)",
    "missing": "is required",
    "string_too_short": "must not be empty",
}


_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("greater than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}
"""pydantic's bound errors: the words and the key of the bound in the error's ``ctx``."""


def _number(x: Any) -> str:
    """A bound as written by a person: ``1000000`` as ``1,000,000``, ``1.0`` as ``1``."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else str(x)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "nothing"
    return "a " + type(value).__name__


def _fields(class_name: str | None) -> list[str]:
    """The fields of a scenario class named ``class_name``, the required ones first."""
    if not class_name:
        return []
    from detente.scenario import model, war

    cls = getattr(model, class_name, None) or getattr(war, class_name, None)
    fields = getattr(cls, "model_fields", None)
    if not fields:
        return []
    return sorted(fields, key=lambda k: not fields[k].is_required())


def _model_at(loc: tuple[Any, ...], root: Any = None) -> Any:
    """The pydantic class that holds the field at ``loc`` below ``root`` (default: the scenario;
    list indexes, mapping keys and names it does not have skipped, ``Optional``/``list``/``dict``/
    unions unwrapped); ``None`` when it cannot be told."""
    import typing

    from pydantic import BaseModel

    from detente.scenario.model import Scenario

    def models_in(tp: Any) -> list[Any]:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return [tp]
        return [m for arg in typing.get_args(tp) for m in models_in(arg)]

    cls: Any = Scenario if root is None else root
    for part in loc[:-1]:
        if not isinstance(part, str) or part not in getattr(cls, "model_fields", {}):
            continue  # an index, a mapping key or a union tag
        found = models_in(cls.model_fields[part].annotation)
        if len(found) != 1:
            return None
        cls = found[0]
    return cls


def spelling_hint(loc: tuple[Any, ...], root: Any = None) -> str:
    """``"did you mean 'salience'?"`` for an unknown field close to one the place takes, else ``""``
    (``root``: the class ``loc`` starts from, default the scenario).

    >>> spelling_hint(("stances", 2, "salince")), spelling_hint(("actors", 0, "capabilty"))
    ("did you mean 'salience'?", "did you mean 'capability'?")
    >>> spelling_hint(("actors", 0, "zzz")), spelling_hint(("scenarios", 1, "name"))  # not "did you mean 'name'?"
    ('', '')
    """
    import difflib

    if not loc or not isinstance(loc[-1], str):
        return ""
    fields = list(getattr(_model_at(loc, root), "model_fields", {}))
    if loc[-1] in fields:  # a field of another place (the path did not lead where it looked): no hint
        return ""
    close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else ""


def plain_message(err: dict[str, Any], root: Any = None) -> str:
    """One error of ``ValidationError.errors()`` in plain words (without the value, which callers
    add); ``root``: the class the error's ``loc`` starts from (default: the scenario), for the
    spelling hint of an unknown field."""
    kind = err.get("type", "")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        names = _fields((err.get("ctx") or {}).get("class_name"))
        shown = ", ".join(f"{k}: ..." for k in names[:2]) if names else "name: value"
        return f"expected its fields as a mapping, e.g. {{{shown}}}, not {_kind(err.get('input'))}"
    if kind == "extra_forbidden":
        hint = spelling_hint(tuple(err.get("loc") or ()), root)
        return f"unknown field: {hint}" if hint else _SIMPLE[kind]
    if kind == "too_short":  # pydantic: "List should have at least 1 item after validation, not 0"
        n = (err.get("ctx") or {}).get("min_length", 1)
        return f"must have at least {'one item' if n == 1 else f'{n} items'}"
    if kind == "literal_error":  # pydantic: "Input should be 'nash' or 'rubinstein'"
        expected = str((err.get("ctx") or {}).get("expected", "")).replace("'", "")
        return f"must be one of: {expected.replace(' or ', ', ')}" if expected else "not an allowed value"
    if kind == "union_tag_invalid":  # pydantic: "Input tag 'randomwalk' found using 'kind' does not match ..."
        ctx = err.get("ctx") or {}
        key = str(ctx.get("discriminator", "kind")).strip("'")
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown {key} {ctx.get('tag')!r}: use one of: {tags}"
    if kind in _BOUNDS:  # pydantic: "Input should be greater than or equal to 1"
        words, key = _BOUNDS[kind]
        return f"must be {words} {_number((err.get('ctx') or {}).get(key))}"
    if kind == "string_type":
        return _SIMPLE[kind] + _yaml_hint(err.get("input"))
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


def _yaml_hint(value: Any) -> str:
    """Why YAML gave something else than the text written: ``NO`` (Norway) is false, ``2024-12-01``
    a date.

    >>> plain_message({"type": "string_type", "input": False})
    'expected text: YAML reads an unquoted yes, no, on, off, true or false as true/false; write it in quotes, e.g. "NO"'
    >>> import datetime
    >>> plain_message({"type": "string_type", "input": datetime.date(2024, 12, 1)})
    'expected text: YAML reads an unquoted date as a date; write it in quotes, "2024-12-01"'
    """
    import datetime

    if isinstance(value, bool):
        return (": YAML reads an unquoted yes, no, on, off, true or false as true/false; write it in quotes, "
                'e.g. "NO"')
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f': YAML reads an unquoted date as a date; write it in quotes, "{value.isoformat()}"'
    if isinstance(value, (int, float)):
        return f': write it in quotes, "{value}", if it is an id'
    return ""


YES_NO = "YAML reads an unquoted yes, no, on, off, true or false as true/false, not as a number"
"""Why a true/false stands where a number goes."""


def no_bools_for_whole_numbers(cls: Any, data: Any) -> Any:
    """A ``mode="before"`` model check: a true/false given for a whole-number field is refused
    (pydantic reads ``months: yes`` as 1 and ``rounds: true`` as 1 rounds, silently).

    >>> from pydantic import BaseModel, model_validator
    >>> class M(BaseModel):
    ...     months: int = 60
    ...     _check = model_validator(mode="before")(classmethod(no_bools_for_whole_numbers))
    >>> from pydantic import ValidationError
    >>> try:
    ...     M.model_validate({"months": True})
    ... except ValidationError as e:
    ...     print(e.errors()[0]["msg"][:48])
    Value error, months: must be a whole number; YAM
    >>> M.model_validate({"months": 3}).months
    3
    """
    import typing

    if isinstance(data, dict):
        for name, f in cls.model_fields.items():
            ann = f.annotation
            whole = ann is int or int in typing.get_args(ann)
            if whole and isinstance(data.get(name), bool):
                raise ValueError(f"{name}: must be a whole number; {YES_NO}")
    return data
