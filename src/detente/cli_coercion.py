"""Command-line values coerced without building a pydantic validator per option, same results.

Typer (>= 0.29) turns every option's text into its Python type through a pydantic ``TypeAdapter``
built for that option when the command runs: that imports ``pydantic.types``, ``annotated_types``
and Typer's adapter module (~0.1 s of CPU on the 2-core machine) and builds one validator per
option, also for options left at their default. :func:`use_light_coercion` gives the option
shapes detente's commands use (``bool``, ``str``, ``int``, ``float`` with or without ``min``/``max``,
``Literal`` choices, ``Path``, lists of these) a direct coercion for the values whose result is
certain: a ``bool``, an exact ``str``, an ASCII decimal integer, a plain decimal number, a value already of
the type (a default), a valid choice, a path. Anything else (``1e3``, ``" 5"``, a number out of
range, a bad choice...) is handed to Typer's own pydantic coercion, built then: every accepted
value and every error message is the one Typer gives (``tests/test_cli_usage.py`` checks both
against Typer's adapters).

>>> from typer.models import OptionInfo
>>> light = light_coercion(int, OptionInfo(min=1))
>>> light("12", None, None), light(3, None, None), light("0", None, None) is DEFER, light("1e3", None, None) is DEFER
(12, 3, True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, get_args, get_origin

DEFER = object()
"""What a light coercion returns for a value it leaves to Typer's pydantic coercion."""

Coercion = Callable[[Any, Any, Any], Any]
"""``(value, param, ctx) -> coerced value``, or :data:`DEFER`."""

_INT = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_FLOAT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?", re.ASCII)


def _number(kind: type, lo: float | None, hi: float | None) -> Coercion:
    pattern = _INT if kind is int else _FLOAT

    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str and pattern.fullmatch(value):
            x = kind(value)
        elif type(value) is kind:  # a default (never a bool: type(True) is bool)
            x = value
        else:
            return DEFER
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            return DEFER  # Typer's message says which bound
        return x

    return coerce


def _text(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is str else DEFER


def _flag(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is bool else DEFER  # "yes", "0"... are Typer's to read


def _choice(choices: tuple[Any, ...], case_sensitive: bool) -> Coercion:
    from typer._param_types import coerce_cli_choice

    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        except ValueError:
            return DEFER

    return coerce


def _path(info: Any) -> Coercion:
    from typer._param_types import coerce_cli_path

    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str and value:
            value = Path(value)  # what pydantic's Path validator makes of a string
        elif not isinstance(value, Path):
            return DEFER
        # the existence/kind checks and their messages are Typer's own
        return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)

    return coerce


def _leaf(annotation: Any, info: Any) -> Coercion | None:
    if annotation is str:
        return _text
    if annotation is bool:
        return _flag
    if annotation is int or annotation is float:
        return _number(annotation, info.min, info.max)
    if get_origin(annotation) is Literal:
        return _choice(get_args(annotation), bool(info.case_sensitive))
    if annotation is Path and info.path_type is None:
        return _path(info)
    return None


def _many(item: Coercion) -> Coercion:
    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        out = []
        for v in value if isinstance(value, (list, tuple)) else [value]:
            x = item(v, param, ctx)
            if x is DEFER:
                return DEFER
            out.append(x)
        return out

    return coerce


def light_coercion(annotation: Any, info: Any) -> Coercion | None:
    """The light coercion of an option of this annotation and ``typer.Option``/``Argument`` info,
    or None for a shape left wholly to Typer (a custom parser, clamping, files, tuples, enums...)."""
    if getattr(info, "parser", None) is not None or getattr(info, "clamp", False):
        return None
    if get_origin(annotation) is list:
        args = get_args(annotation)
        item = _leaf(args[0], info) if len(args) == 1 else None
        return _many(item) if item is not None else None
    return _leaf(annotation, info)


def use_light_coercion() -> None:
    """Make Typer coerce the shapes of :func:`light_coercion` directly, building its pydantic
    validator only for a value the light coercion leaves to it.

    A process-wide change of Typer's parameters (as :func:`detente.cli_common.use_plain_help_types`);
    it changes no result, so other Typer apps in the process are unaffected. A no-op on Typer
    versions without the runtime coercion layer (before 0.29)."""
    try:
        from typer import _coercion
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover
        return
    original = getattr(_TyperParameter, "get_runtime_param", None)
    needed = ("RuntimeParam", "build_runtime_param")
    if original is None or getattr(original, "_detente_light", False) or not all(hasattr(_coercion, n) for n in needed):
        return

    @dataclass(frozen=True)
    class LightRuntimeParam(_coercion.RuntimeParam):  # type: ignore[misc,name-defined]
        """Typer's runtime coercion of one parameter: light first, Typer's own when deferred."""

        light: Coercion = field(default=_text)
        descriptor: Any = None
        _full: list = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            out = self.light(value, param, ctx)
            if out is not DEFER:
                return out
            if not self._full:
                self._full.append(_coercion.build_runtime_param(self.descriptor))
            return self._full[0]._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            d = self.type_descriptor
            light = None if d.file_annotation is not None else light_coercion(d.annotation, d.parameter_info)
            self._runtime_param = (_coercion.build_runtime_param(d) if light is None else
                                   LightRuntimeParam(parameter_info=d.parameter_info, annotation=d.annotation,
                                                     light=light, descriptor=d))
        return self._runtime_param

    get_runtime_param._detente_light = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
