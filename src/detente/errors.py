"""Errors that users see.

Every problem with an input file is an :class:`InputError`: it names the file, where in the file
(line and/or field path) and the offending value, so that a message reads like

    examples/bad.yaml:14: stances[3].salience: must be between 0 and 1 (got 1.7)

The CLI turns it into exit code 2.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

class _NoValue:
    """The ``value`` of a :class:`Problem` that names none (``None`` may be the value at fault)."""

    def __repr__(self) -> str:
        return "<no value>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "_MISSING"  # unpickled (from a worker process) as the one sentinel, so `is` still holds


_MISSING = _NoValue()


@dataclass
class Problem:
    """One problem found in an input: where it is and what is wrong."""

    message: str
    field: str | None = None
    line: int | None = None
    value: Any = _MISSING  # the value at fault; ``has_value`` is False when the problem names none

    @property
    def has_value(self) -> bool:
        return self.value is not _MISSING

    def render(self, file: str | None) -> str:
        if file is None and self.line is None:
            text = ""  # an argument, an option, a setting or data from Python: the field says where
        else:
            where = file or "<input>"
            if self.line is not None:
                where += f":{self.line}"
            text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.value is not _MISSING:
            shown = written(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
        return text


def written(value: Any) -> str:
    """A value as a scenario's author wrote it: a mapping in YAML's flow style, ``{low: 75, high:
    150}`` (not Python's ``{'low': 75.0, 'high': 150.0}``); text quoted, numbers as they read.

    >>> written({"low": 75.0, "high": 150.0}), written([1.0, "a"]), written("85%"), written(0.5)
    ('{low: 75, high: 150}', "[1, 'a']", "'85%'", '0.5')
    >>> written({"mixture": [{"weight": 1, "value": 3.5}]})
    '{mixture: [{weight: 1, value: 3.5}]}'

    >>> written(1e13), written(10000000000000.0), written(1.5e13), written({"low": 123456789.0, "high": 1e13})
    ('1e+13', '1e+13', '1.5e+13', '{low: 123456789, high: 1e+13}')

    Nothing (an empty YAML value, ``null``), YAML's booleans and dates as YAML writes them, not as
    Python's ``None``, ``True`` or ``datetime.date(2024, 1, 5)``:

    >>> import datetime
    >>> written(None), written(True), written(datetime.date(2024, 1, 5)), written({"low": None})
    ('nothing', 'true', '2024-01-05', '{low: nothing}')
    """
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e7 and float(f"{value:g}") == value:
        return f"{value:g}"  # 1e13 reads 1e+13, not 10000000000000.0
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if not isinstance(value, (dict, list, tuple)):
        return repr(value)

    def item(v: Any) -> str:
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 and not (abs(v) >= 1e7 and float(f"{v:g}") == v):
            return str(int(v))  # 75.0 was written 75 (and 1e13 as 1e+13, below)
        return written(v)

    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {item(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(item(v) for v in value) + "]"


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


class Problems:
    """The problems of a file read part by part (rows, records, elements), so that one run of a
    reader reports all of them, in the file's order, rather than the first.

    >>> found = Problems("t.csv")
    >>> def number(text, line):
    ...     try:
    ...         return float(text)
    ...     except ValueError:
    ...         raise InputError.one("t.csv", "not a number", line=line, value=text) from None
    >>> [found.attempt(number, t, k) for k, t in enumerate(["1", "x", "y"], 2)]
    [1.0, None, None]
    >>> found.raise_any()
    Traceback (most recent call last):
    ...
    detente.errors.InputError: t.csv:3: not a number (got 'x')
    t.csv:4: not a number (got 'y')
    """

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.found: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def attempt(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, or ``None`` with its :class:`InputError`'s problems kept."""
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            self.found.extend(e.problems)
            return None

    def add(self, message: str, **where: Any) -> None:
        """Keep one problem (``field``, ``line``, ``value`` as in :meth:`InputError.one`)."""
        self.found.append(Problem(message, **where))

    def raise_any(self) -> None:
        """Raise one :class:`InputError` with every problem kept, by line (those without one last)."""
        if self.found:
            raise InputError(self.file, sorted(self.found, key=lambda p: (p.line is None, p.line or 0)))


def _blocking_file(path: Path) -> Path | None:
    """The first ancestor of ``path`` that exists and is not a folder (a file in the way), if any."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def _missing_folder(path: Path) -> Path | None:
    """The first ancestor of ``path`` that does not exist, if any."""
    for parent in reversed(path.parents):
        if not parent.exists():
            return parent
    return None


def output_problem(exc: OSError, path: str | os.PathLike[str]) -> str:
    """What is wrong, in plain words, when ``exc`` stopped the writing of ``path``.

    >>> output_problem(OSError(errno.ENOSPC, "No space left on device"), "out/report.html")
    'the disk is full while writing it; free some space and try again (No space left on device)'
    >>> output_problem(IsADirectoryError(errno.EISDIR, "Is a directory"), "out")
    'is a folder; give the name of a file to write (Is a directory)'
    """
    p = Path(path)
    why = f" ({exc.strerror or exc})"
    where = Path(exc.filename) if getattr(exc, "filename", None) else p
    code = exc.errno
    if code == errno.EISDIR:
        return "is a folder; give the name of a file to write" + why
    if code in (errno.ENOTDIR, errno.EEXIST):
        blocker = _blocking_file(p)
        if blocker is not None:
            return f"cannot create the folder: {blocker} is a file, not a folder" + why
        return f"{where} is in the way" + why
    if code in (errno.EACCES, errno.EPERM):
        if where.is_file():
            return f"no permission to write the file {where}" + why
        folder = where if where.is_dir() else where.parent
        return f"no permission to write in the folder {folder}" + why
    if code == errno.EROFS:
        return "the file system is read-only" + why
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full while writing it; free some space and try again" + why
    if code == errno.ENOENT:
        missing = _missing_folder(p)
        if missing is None:  # e.g. /proc: the folder is there but takes no new files
            return f"cannot create a file in the folder {p.parent}" + why
        return f"the folder {missing} does not exist and cannot be created" + why
    if code == errno.ENAMETOOLONG:
        return "the file name is too long" + why
    return "cannot be written" + why


def output_error(exc: OSError, path: str | os.PathLike[str]) -> InputError:
    """An :class:`OSError` met while writing ``path`` as one clear :class:`InputError`."""
    return InputError.one(str(path), output_problem(exc, path))


@contextmanager
def output_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn any :class:`OSError` raised inside the block into :func:`output_error` for ``path``."""
    try:
        yield
    except OSError as e:
        raise output_error(e, path) from None


class ModelError(DetenteError):
    """A model was asked for something it cannot do (unknown model, bad option...)."""


class FewDrawsWarning(UserWarning):
    """A run of a model whose every draw is one random path (the war model) with too few draws for
    its probabilities to mean much (the CLI says so in its own words, before the run)."""


class MissingDependency(DetenteError):
    """An optional part of detente was used without its extra installed (exit code 2, as every
    command that names what to install)."""

    exit_code = 2


EXTRAS = {"sqlalchemy": "store", "fastapi": "web", "uvicorn": "web", "multipart": "web", "fastapi_offline": "web",
          "SALib": "sensitivity", "dask": "dist", "distributed": "dist", "psycopg": "postgres"}
"""The optional modules and the extra of ``pyproject.toml`` that installs each."""


def missing_dependency(e: ImportError) -> MissingDependency | None:
    """The install hint for an ImportError of an optional module (``None`` for any other module: a bug).

    >>> print(missing_dependency(ModuleNotFoundError("No module named 'sqlalchemy'", name="sqlalchemy.orm")))
    this needs the optional dependency 'sqlalchemy': pip install 'detente[store]'
    >>> missing_dependency(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
    True
    """
    top = (getattr(e, "name", None) or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return MissingDependency(f"this needs the optional dependency {top!r}: pip install 'detente[{extra}]'")


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
