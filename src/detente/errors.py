"""Errors that users see.

Every problem with an input file is an :class:`InputError`: it names the file, where in the file
(line and/or field path) and the offending value, so that a message reads like

    examples/bad.yaml:14: stances[3].salience: must be between 0 and 1 (got 1.7)

The CLI turns it into exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass
class Problem:
    """One problem found in an input: where it is and what is wrong."""

    message: str
    field: str | None = None
    line: int | None = None
    value: Any = _MISSING

    def render(self, file: str | None) -> str:
        where = file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.value is not _MISSING:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
        return text


class DetenteError(Exception):
    """Base class of the errors detente raises on purpose."""


@dataclass
class InputError(DetenteError):
    """A file or request that cannot be read or does not validate."""

    file: str | None
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @classmethod
    def one(
        cls,
        file: str | None,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        value: Any = _MISSING,
    ) -> "InputError":
        return cls(file, [Problem(message, field=field, line=line, value=value)])

    def __str__(self) -> str:
        return "\n".join(p.render(self.file) for p in self.problems)


class ModelError(DetenteError):
    """A model was asked for something it cannot do (unknown model, bad option...)."""


class MissingDependency(DetenteError):
    """An optional part of detente was used without its extra installed."""


def require(module: str, extra: str) -> None:
    """Fail with an install hint (not a traceback) when an optional dependency is missing.

    >>> require("json", "none")
    >>> try:
    ...     require("no_such_module_xyz", "web")
    ... except MissingDependency as e:
    ...     print(e)
    this needs the optional dependency 'no_such_module_xyz': pip install 'detente[web]'
    """
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependency(f"this needs the optional dependency {module!r}: pip install 'detente[{extra}]'")
