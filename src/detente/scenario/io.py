"""Reading and writing scenario files.

``load(path)`` reads any supported format (native YAML/JSON, KTAB CSV/XML, BDM actor tables,
Decide files), validates it, and returns a :class:`Scenario`. Every problem is an
:class:`~detente.errors.InputError` naming the file, the line where known, the field path and the
bad value. ``save(scenario, path)`` writes atomically (temporary file, then rename).

Readers for other formats live in :mod:`detente.scenario.readers` and register here with
:func:`register_reader`.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "s.yaml"
>>> _ = p.write_text("name: t\\nactors: [{id: A}]\\nissues: [{id: x}]\\n"
...                  "stances: [{actor: A, issue: x, position: 140}]\\n")
>>> try:
...     load(p)
... except Exception as e:
...     print(str(e).replace(str(p), "s.yaml"))
s.yaml:4: stances[0].position: off the scale [0, 100] of issue 'x' (got 140)
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import ValidationError

from detente.errors import InputError, Problem, output_error, output_errors
from detente.guard import SQLITE_MAGIC, note_input, refuse_overwriting
from detente.gcpause import paused_gc
from detente.scenario.messages import plain_message
from detente.scenario.model import Scenario, partial_cross_checks

Loc = tuple[Any, ...]


# --------------------------------------------------------------------------------------------
# reading raw text


def _shipped_hint(path: Path) -> str:
    """When a missing file has the name of a shipped example (``examples/ukraine-settlement.yaml``
    typed outside the repository), where that example is."""
    from detente.scenario.examples import EXAMPLES_DIR

    shipped = EXAMPLES_DIR / path.name
    if path.name and shipped.is_file() and Path(os.path.abspath(path)) != shipped:
        return (f"; an example of that name ships with detente: {shipped} (detente examples --copy DIR copies "
                "them all)")
    return ""


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing up front (before opening) what is not a regular file or too big.

    A FIFO, socket, device or directory is refused from its ``stat`` (opening a FIFO would block);
    the file is then opened non-blocking and checked again (it may have been swapped meanwhile),
    and at most :func:`~detente.scenario.limits.max_file_bytes` + 1 bytes are read.
    """
    from detente.scenario.limits import max_file_bytes

    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError.one(name, "no such file" + _shipped_hint(Path(path))) from None
    except OSError as e:
        raise InputError.one(name, f"cannot read the file: {e.strerror or e}") from None
    _check_regular(name, st.st_mode)
    limit = max_file_bytes()
    if st.st_size > limit:
        raise InputError.one(name, f"the file has {_size(st.st_size)}, more than the limit of {_size(limit)} "
                                   f"(set DETENTE_MAX_FILE_MB to raise it)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise InputError.one(name, f"cannot read the file: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        _check_regular(name, st.st_mode)
        note_input(st)
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise InputError.one(name, f"the file has more than the limit of {_size(limit)} "
                                   f"(set DETENTE_MAX_FILE_MB to raise it)")
    return raw


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _check_regular(name: str, mode: int) -> None:
    import stat

    if stat.S_ISDIR(mode):
        raise InputError.one(name, "is a directory, expected a scenario file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise InputError.one(name, f"is {kind}, expected a regular scenario file")


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a BOM is dropped); a clear error for missing, empty, binary,
    non-regular (FIFO, device, directory) or too big files (see :mod:`detente.scenario.limits`)."""
    name = str(path)
    raw = read_bytes(path)
    if not raw.strip():
        raise InputError.one(name, "the file is empty")
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError.one(name, "is a spreadsheet or zip archive, not a text scenario file; "
                                   "export it as CSV or YAML")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError.one(
            name,
            f"not valid UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
            "save the file as UTF-8",
            line=line,
        ) from None
    if "\x00" in text:
        raise InputError.one(name, "contains NUL bytes: this looks like a binary file, not a scenario")
    return text


# --------------------------------------------------------------------------------------------
# validation with locations


def loc_to_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_PATH_RE = re.compile(r"^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*)(?::\s*)(.*)$")
_IDX_RE = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_UNION_TAGS = {"float", "Uniform", "Triangular", "Normal", "Mixture", "function-after", "function-before", "str", "int"}


def path_to_loc(path: str) -> Loc:
    return tuple(int(i) if i else n for n, i in _IDX_RE.findall(path))


def validate(data: Any, file: str | None = None, lines: Mapping[Loc, int] | None = None, *,
             text_checked: bool = False) -> Scenario:
    """Validate parsed data (a dict as a scenario file holds it) into a Scenario, every problem in one
    :class:`~detente.errors.InputError` (``file`` names where the data came from, for messages).

    >>> validate({"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...           "stances": [{"actor": "A", "issue": "x", "positon": 3}]})
    Traceback (most recent call last):
    ...
    detente.errors.InputError: stances[0].position: is required
    stances[0].positon: unknown field: did you mean 'position'? (got 3)

    ``text_checked``: the caller knows the data holds no lone surrogate (:data:`SURROGATE_ESCAPE`
    found none in its text), so the walk over every string is skipped.
    """
    with paused_gc():
        return _validate(data, file, lines, text_checked)


SURROGATE_ESCAPE = re.compile(r"\\[uU]0{0,4}[dD][89a-fA-F][0-9a-fA-F]{2}")
"""An escape that can make a lone surrogate (``\\uD800``) in YAML or JSON text; text decoded from
UTF-8 holds none otherwise."""


def _validate(data: Any, file: str | None, lines: Mapping[Loc, int] | None, text_checked: bool = False) -> Scenario:
    if not isinstance(data, dict):
        found = ("nothing (only blank lines or comments)" if data is None else
                 "a list" if isinstance(data, list) else "a single value")
        shown = {"value": data} if found == "a single value" else {}  # Problem.render shortens it
        raise InputError.one(file, f"expected a mapping with name, actors, issues and stances at the top "
                                   f"level, found {found}", line=1, **shown)
    lines = {} if lines is None else lines  # not `lines or {}`: that would compute a lazy map
    _check_counts(data, file, lines)
    if not text_checked:
        _check_text(data, file, lines)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, lines, data)
        if not any(e["type"] == "value_error" and not e["loc"] for e in exc.errors(include_url=False)):
            # some fields failed, so the checks across fields (ids, references, scales) did not run:
            # run them on what did validate, to report every problem of the file in one pass
            problems += _cross_problems(partial_cross_checks(data), lines)
        problems.sort(key=lambda p: (p.line is None, p.line or 0))  # in the file's order (stable)
        raise InputError(file, problems) from None


def _check_text(data: Any, file: str | None, lines: Mapping[Loc, int]) -> None:
    """Refuse text that no file can hold: a lone surrogate (``"\\uD800"`` in YAML or JSON) is a
    Python string but not Unicode text; it passed validation and crashed the run at the input's
    hash, `convert` to JSON, `--out` and the store.

    >>> _check_text({"name": "ok", "actors": [{"id": "a", "name": "\\ud800"}]}, "f.yaml", {})
    Traceback (most recent call last):
    ...
    detente.errors.InputError: f.yaml: actors[0].name: not text: a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape alone); write the character itself
    """
    bad: list[Problem] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack and len(bad) < 20:
        node, loc = stack.pop()
        if isinstance(node, dict):
            stack += [(v, (*loc, k)) for k, v in reversed(list(node.items()))]
            keys = [k for k in node if isinstance(k, str)]
        elif isinstance(node, list):
            stack += [(v, (*loc, i)) for i, v in reversed(list(enumerate(node)))]
            keys = []
        else:
            keys = []
        for text in ([node] if isinstance(node, str) else []) + keys:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                bad.append(Problem("not text: a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape alone); write the "
                                   "character itself", field=loc_to_path(loc), line=lines.get(loc)))
                break
    if bad:
        raise InputError(file, bad)


def _check_counts(data: dict[str, Any], file: str | None, lines: Mapping[Loc, int]) -> None:
    """Refuse more actors, issues or stances than the caps of :mod:`detente.scenario.limits`."""
    from detente.scenario.limits import count_problem

    for key in ("actors", "issues", "stances"):
        if isinstance(data.get(key), list):
            msg = count_problem(key, len(data[key]))
            if msg:
                raise InputError.one(file, msg, line=lines.get((key,)))


def _cross_problems(lines_of_text: list[str], lines: Mapping[Loc, int]) -> list[Problem]:
    out = []
    for text in lines_of_text:
        m = _PATH_RE.match(text)
        if m:
            out.append(Problem(m.group(2), field=m.group(1), line=_line_for(lines, path_to_loc(m.group(1)))))
        else:
            out.append(Problem(text))
    return out


def _lookup(data: Any, loc: Loc) -> Any:
    cur = data
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _line_for(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def _problems(exc: ValidationError, lines: Mapping[Loc, int], data: Any) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Loc, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.split("[")[0] in _UNION_TAGS))
        msg = plain_message(err)
        if err["type"] == "value_error" and not loc:
            # Scenario-level checks come as "path: message" lines
            out.extend(_cross_problems(msg.split("\n"), lines))
            continue
        if (loc, msg) in seen:
            continue
        seen.add((loc, msg))
        value: Any = err.get("input")
        kw: dict[str, Any] = {}
        if err["type"] not in ("missing",) and not isinstance(value, (dict, list)):
            kw["value"] = value
            msg = re.sub(r" \(got [^()]*\)$", "", msg)  # the value as written follows: not twice
        out.append(Problem(msg, field=loc_to_path(loc) or None, line=_line_for(lines, loc), **kw))
    return out


# --------------------------------------------------------------------------------------------
# native YAML / JSON


def parse_yaml(text: str, file: str, refused: list[Problem] | None = None) -> tuple[Any, dict[Loc, int]]:
    """YAML text -> (data, line of each field path); hardened (see :mod:`detente.scenario.safe_parse`;
    ``refused`` collects the problems of single values rather than raising the first)."""
    from detente.scenario.safe_parse import parse_yaml_lines

    return parse_yaml_lines(text, file, refused)


def parse_json(text: str, file: str) -> tuple[Any, Mapping[Loc, int]]:
    """JSON text -> (data, line of each field path); hardened (see :mod:`detente.scenario.safe_parse`).
    The lines are found only when a problem asks for one (the JSON reader itself keeps none)."""
    from detente.scenario.safe_parse import json_lines, parse_json_data

    return parse_json_data(text, file), _LazyLines(lambda: json_lines(text))


class _LazyLines(Mapping[Loc, int]):
    """A line map computed on first use: a valid file never pays for it."""

    def __init__(self, compute: Callable[[], dict[Loc, int]]) -> None:
        self._compute: Callable[[], dict[Loc, int]] | None = compute
        self._lines: dict[Loc, int] = {}

    def _get(self) -> dict[Loc, int]:
        if self._compute is not None:
            self._lines, self._compute = self._compute(), None
        return self._lines

    def __getitem__(self, loc: Loc) -> int:
        return self._get()[loc]

    def __iter__(self) -> Iterator[Loc]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def read_native(path: Path, text: str) -> Scenario:
    file = str(path)
    # JSON (for its clearer syntax errors) when the text looks like JSON and the file is not named .yaml
    looks_json = text.lstrip().startswith(("{", "["))
    text_checked = SURROGATE_ESCAPE.search(text) is None
    if looks_json and path.suffix.lower() not in (".yaml", ".yml"):
        data, lines = parse_json(text, file)
        return validate(data, file, lines, text_checked=text_checked)
    refused: list[Problem] = []  # numbers YAML would misread, duplicate keys: reported with the rest
    data, lines = parse_yaml(text, file, refused)
    if not refused:
        return validate(data, file, lines, text_checked=text_checked)
    from detente.scenario.safe_parse import about_refused

    try:
        validate(data, file, lines, text_checked=text_checked)
        more: list[Problem] = []
    except InputError as e:  # less what only repeats that a refused value is not valid

        def at(p: Problem) -> Any:  # the value a problem is about: its own, else what its field holds
            return p.value if p.has_value else (_lookup(data, path_to_loc(p.field)) if p.field else None)

        more = [p for p in e.problems if not about_refused(p.message, at(p))]
    everything = sorted(refused + more, key=lambda p: (p.line is None, p.line or 0))
    raise InputError(file, everything)


# --------------------------------------------------------------------------------------------
# the registry of formats


@dataclass(frozen=True)
class Format:
    """A file format: a name, suffixes, a content sniffer and a reader (and optionally a writer)."""

    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[str], bool]
    read: Callable[[Path, str], Scenario]
    write: Callable[[Scenario], str] | None = None
    description: str = ""


FORMATS: dict[str, Format] = {}


def register_reader(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


def _sniff_native(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("{") or bool(re.search(r"^(name|actors|stances)\s*:", head, re.M))


def file_data(s: Scenario) -> dict[str, Any]:
    """The data detente's scenario files hold, YAML and JSON alike: no default values (a capability
    or salience of 1 is left out, written or not), no ``None`` and no file provenance.
    ``validate(file_data(s), None)`` is the scenario as its file reads back, without writing and
    parsing the text; the two formats read back the same, so ``detente validate`` warns about the
    same numbers in both.

    >>> s = validate({"name": "t", "actors": [{"id": "A", "capability": 1}], "issues": [{"id": "x"}],
    ...               "stances": [{"actor": "A", "issue": "x", "position": 40}]}, None)
    >>> file_data(s)["actors"], file_data(s)["stances"]
    ([{'id': 'A'}], [{'actor': 'A', 'issue': 'x', 'position': 40.0}])
    """
    data = _without_file_provenance(s.model_dump(mode="json", exclude_defaults=True, exclude_none=True))
    data.setdefault("name", s.name)
    return data


def _write_yaml(s: Scenario) -> str:
    import yaml  # reading YAML goes through safe_parse; KTAB, BDM and Decide files need no YAML library

    return yaml.safe_dump(file_data(s), sort_keys=False, allow_unicode=True, width=100)


def _write_json(s: Scenario) -> str:
    return json.dumps(file_data(s), indent=2, ensure_ascii=False) + "\n"


FILE_PROVENANCE = ("file", "format")
"""The keys of ``meta`` that :func:`load` sets for the file it read: not written into another file
(a copy saved as ``mycopy.yaml`` named ``eu-emission-standards.yaml`` in its messages)."""


def _without_file_provenance(data: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (data.get("meta") or {}).items() if k not in FILE_PROVENANCE}
    if meta:
        data["meta"] = meta
    else:
        data.pop("meta", None)
    return data


register_reader(Format("yaml", (".yaml", ".yml"), _sniff_native, read_native, _write_yaml,
                       "detente's native format (YAML)"))
register_reader(Format("json", (".json",), lambda t: t.lstrip().startswith("{"), read_native, _write_json,
                       "detente's native format (JSON)"))


def _load_plugins() -> None:
    # readers of the peers' formats register themselves on import
    import importlib
    import pkgutil

    import detente.scenario.readers as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")


def detect_format(path: Path, text: str) -> Format:
    suffix = path.suffix.lower()
    for f in list(FORMATS.values()):  # the native formats come first and need no reader plug-in imported
        if suffix in f.suffixes and f.sniff(text):
            return f
    _load_plugins()
    candidates = [f for f in FORMATS.values() if suffix in f.suffixes]
    for f in candidates:
        if f.sniff(text):
            return f
    for f in FORMATS.values():
        if f not in candidates and f.sniff(text):
            return f
    if candidates:
        return candidates[0]
    raise InputError.one(str(path), f"cannot tell the file's format from its suffix {suffix!r} or content; "
                                    f"known formats: {', '.join(FORMATS)}")


def load(path: str | os.PathLike[str], fmt: str | None = None) -> Scenario:
    """Read and validate a scenario file of any supported format."""
    p = Path(path)
    text = read_text(p)
    if fmt is not None:
        _load_plugins()
        if fmt not in FORMATS:
            raise InputError.one(str(p), f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
        f = FORMATS[fmt]
    else:
        f = detect_format(p, text)
    with paused_gc():
        scenario = f.read(p, text)
    scenario.meta.setdefault("format", f.name)
    scenario.meta["file"] = p.name  # the file read, whatever an older copy's meta said
    return scenario


def dumps(scenario: Scenario, fmt: str) -> str:
    _load_plugins()
    f = FORMATS.get(fmt)
    if f is None or f.write is None:
        writable = [n for n, f in FORMATS.items() if f.write]
        raise InputError.one(None, f"cannot write format {fmt!r}; writable formats: {', '.join(writable)}")
    return f.write(scenario)


def format_for_suffix(path: Path) -> str:
    _load_plugins()
    suffix = path.suffix.lower()
    for f in FORMATS.values():
        if suffix in f.suffixes and f.write:
            return f.name
    raise InputError.one(str(path), f"cannot tell which format to write from the suffix {suffix!r}")


def checked(scenario: Scenario) -> Scenario:
    """The scenario validated again (a fresh copy): catches changes made in Python after loading,
    every problem at once, as :func:`load` reports them.

    The ``war`` block is carried over as it is: the war model validates it when it runs, so a bad
    war block does not stop the other models.

    >>> from detente.scenario.examples import example
    >>> s = load(example("eu-emission-standards"))
    >>> s.stances[0].position = 99
    >>> checked(s)
    Traceback (most recent call last):
    ...
    detente.errors.InputError: eu-emission-standards.yaml: stances[0].position: off the scale [4, 10] of issue 'emission_standards' (got 99)
    """
    import warnings

    if not isinstance(scenario, Scenario):
        raise InputError.one(None, f"expected a Scenario (from detente.scenario.io.load), got "
                                   f"{type(scenario).__name__}")
    with warnings.catch_warnings():  # a plain dict appended in Python (s.actors.append({...})) is dumped
        warnings.filterwarnings("ignore", message="Pydantic serializer warnings")  # as it is, and validated
        data = scenario.model_dump(exclude={"war"})
    try:
        fresh = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(scenario.meta.get("file"), _problems(exc, {}, data)) from None
    fresh.war = scenario.war
    return fresh


def save(scenario: Scenario, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``scenario`` to ``path`` atomically; the format follows the suffix unless given.

    A scenario that does not validate (changed in Python after loading) is refused, naming its
    problems, and nothing is written: :func:`load` would refuse the file."""
    p = Path(path)
    if p.is_dir():  # before the suffix: the folder is the problem, not its name
        raise output_error(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(p)), p)
    try:
        scenario = checked(scenario)  # also turns what Python appended as a plain dict into its model
    except InputError as e:
        raise InputError(str(p), [Problem("not written: the scenario does not validate (below)"),
                                  *e.problems]) from None
    try:
        text = dumps(scenario, fmt or format_for_suffix(p))
    except InputError as e:  # what the format cannot hold: named with the file it was to be written to
        if e.file is not None:
            raise
        raise InputError(str(p), e.problems) from None
    atomic_write_text(p, text)
    return p


@contextmanager
def staged_folder(out_dir: str | os.PathLike[str], kind: str = "run") -> Iterator[Path]:
    """Build a folder of outputs atomically: yield a temporary sibling folder to write into.

    On success its files move into ``out_dir``: in one rename when ``out_dir`` does not exist yet,
    else file by file with :func:`os.replace`. The folder's :data:`MANIFEST` lists what was
    written; the files an earlier write *of the same kind* (``run``, ``compare``, ``sensitivity``...:
    its own manifest, :func:`manifest_name`) listed there and this one did not write are removed (the
    charts of another scenario's issues), every other file in ``out_dir`` stays (a sensitivity
    written into a run's folder removes none of the run's files). The files move with SIGINT and
    SIGTERM held: an interruption comes after the last one, never between two. On any error the
    temporary folder is removed and ``out_dir`` is left as it was. Every problem with
    the path (a file in the way, no permission, a full disk...) is one
    :class:`~detente.errors.InputError` naming ``out_dir`` (:func:`~detente.errors.output_error`).
    """
    out = Path(out_dir)
    with output_errors(out):
        if out.exists() and not out.is_dir():
            raise InputError.one(str(out), "is a file, not a folder; give the name of a folder to write into")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        with output_errors(out):
            yield tmp
            manifest = manifest_name(kind)
            names = sorted(f.name for f in tmp.iterdir() if not f.name.startswith(MANIFEST))
            write_file(tmp / manifest, ("".join(f"{n}\n" for n in names)).encode("utf-8"))
            _publish(tmp, out, manifest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MANIFEST = ".detente-files"
"""The file in an output folder that lists, one name a line, the files detente wrote there last."""


def manifest_name(kind: str) -> str:
    """The manifest of one kind of output: :data:`MANIFEST` for ``detente run``'s, ``MANIFEST-kind``
    for the others'.

    >>> manifest_name("run"), manifest_name("sensitivity")
    ('.detente-files', '.detente-files-sensitivity')
    """
    return MANIFEST if kind == "run" else f"{MANIFEST}-{kind}"


def _listed(folder: Path, manifest: str = MANIFEST) -> set[str]:
    """The names the ``manifest`` lists in ``folder`` (none when it is missing or unreadable)."""
    try:
        text = (folder / manifest).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {n for n in text.splitlines() if n and "/" not in n and "\\" not in n and n not in (".", "..")
            and not n.startswith(MANIFEST)}


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered when the block ends) in the main thread, where the
    platform can hold them; elsewhere nothing changes."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _publish(tmp: Path, out: Path, manifest: str = MANIFEST) -> None:
    """Move the finished files of ``tmp`` into ``out`` (see :func:`staged_folder`)."""
    if not out.exists():
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        try:
            os.rename(tmp, out)  # one atomic step
            return
        except OSError:  # created meanwhile: fall through to per-file moves
            if not out.is_dir():
                raise
    # check everything that can be checked before the first move, so that none or all files move
    if not os.access(out, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))
    files = sorted(tmp.iterdir())
    for f in files:
        if (out / f.name).is_dir():
            raise InputError.one(str(out / f.name), f"is a folder in the way of the output file {f.name}; "
                                                    "move it away or choose another output folder")
        refuse_overwriting(out / f.name, f.read_bytes()[:len(SQLITE_MAGIC)])
    earlier = _listed(out, manifest)
    with _signals_held():  # all the files or none: Ctrl-C while they move comes after the last
        for f in files:
            os.replace(f, out / f.name)
        for name in sorted(earlier - {f.name for f in files}):  # written before, not now: another run's
            stale = out / name
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to the file ``path`` and flush it to the disk (not atomic by itself: a step of
    :func:`atomic_write_bytes` and of the files written into a :func:`staged_folder`)."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _new_temporary_file(path: Path) -> str:
    """An empty, new file beside ``path`` with the permissions a plain ``open(path, "w")`` gives
    (0666 less the umask; an existing file's own), not :func:`tempfile.mkstemp`'s 0600, which left
    converted and pooled scenarios readable by their owner only."""
    import secrets

    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)  # the umask applies
        except FileExistsError:
            continue
        os.close(fd)
        if mode != 0o666:
            os.chmod(tmp, mode)
        return str(tmp)
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file.

    Every problem with the path is one :class:`~detente.errors.InputError` naming it; the
    temporary file is removed and an existing file at ``path`` is left as it was."""
    path = Path(path)
    refuse_overwriting(path, data)
    with output_errors(path):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_temporary_file(path)
        try:
            write_file(Path(tmp), data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
