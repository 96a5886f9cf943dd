"""Flags shared by the commands that run models, defined once.

``run``, ``compare``, ``sensitivity``, ``sweep``, ``backtest`` (and ``levers``) take the same flags
with the same meaning::

    -m/--model MODEL          repeatable: several models
    --variant MODEL=VARIANT   repeatable: a named option preset (or a bare VARIANT for every model)
    -o/--option MODEL.KEY=VALUE or KEY=VALUE   repeatable: a model option
    -n/--draws N              Monte Carlo draws of the uncertain inputs
    -s/--seed SEED            the random seed (same seed, same result)
    -f/--format table|json    what to print
    --out DIR                 where to write files

Use them as annotations, e.g. ``draws: Draws = None``; the option factories (``draws_option`` ...)
make a variant with another help text. This module imports only Typer at import time, so that
``detente --help`` starts fast; the model registry is imported when a command validates ``--model``.

>>> suggest("meen", ["mean", "median", "bdm"])
" Did you mean 'mean'?"
"""

from __future__ import annotations

import difflib
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Optional

import typer

from detente.errors import InputError

from detente.defaults import DEFAULT_SEED, MAX_SEED  # noqa: F401  (DEFAULT_SEED: imported from here by the commands)

# The names of the readers' formats (detente.scenario.io.FORMATS once the readers are imported;
# tests/test_cli_usage.py checks that the two agree). Listed here so that help text is cheap.
INPUT_FORMATS = ("yaml", "json", "bdm", "decide", "deu", "ktab-csv", "ktab-xml")

MODELS_HINT = "see `detente models`"


def suggest(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    """' Did you mean 'x'?' for the closest candidate, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------------------------
# --model: validated at parse time (a usage error, exit 2); the old name 'eu' is accepted

_alias_told: set[str] = set()


def resolve_models(names: Optional[list[str]]) -> Any:
    """Option callback: check model names, turn old aliases into today's names (saying so once)."""
    if names is None:
        return names
    single = isinstance(names, str)
    from detente.models import registry

    known = registry.names()
    aliases = getattr(registry, "_aliases", {})
    out = []
    for name in [names] if single else names:
        if name in aliases:
            new = aliases[name]
            if name not in _alias_told:
                _alias_told.add(name)
                typer.echo(f"note: {name!r} is now called {new!r}", err=True)
            name = new
        if name not in known:
            raise typer.BadParameter(f"unknown model {name!r}.{suggest(name, known)} Models: {', '.join(known)}.")
        out.append(name)
    return out[0] if single else out


def model_option(help: str = "Model to run; repeat for several (see `detente models`).") -> Any:
    return typer.Option("--model", "-m", metavar="MODEL", callback=resolve_models, help=help)


def variant_option(help: str = "Named option preset MODEL=VARIANT (e.g. bdm=jmckib), or VARIANT for every "
                               "selected model that has it; repeatable.") -> Any:
    return typer.Option("--variant", metavar="MODEL=VARIANT", help=help)


def option_option(help: str = "Model option MODEL.KEY=VALUE, or KEY=VALUE for every selected model with "
                              "that option (see `detente models`); repeatable.") -> Any:
    return typer.Option("--option", "-o", metavar="KEY=VALUE", help=help)


def draws_option(help: str = "Monte Carlo draws of the uncertain inputs (default 1: their central values; "
                              "the war model 1000, each draw one simulated war; a pooled scenario 1000, "
                              "each draw one analyst's view).") -> Any:
    return typer.Option("--draws", "-n", min=1, max=1_000_000, metavar="N", help=help)


def seed_option(help: str = "Random seed: the same seed gives the same result.") -> Any:
    return typer.Option("--seed", "-s", metavar="SEED", help=help, callback=_check_seed)


def _check_seed(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_SEED:
        raise typer.BadParameter(f"a seed is a whole number from 0 to {MAX_SEED} (got {value})")
    return value


def format_option(help: str = "What to print: table (to read) or json (for programs).") -> Any:
    return typer.Option("--format", "-f", help=help)


def out_option(help: str, metavar: str = "DIR") -> Any:
    return typer.Option("--out", metavar=metavar, help=help)


def input_format_option() -> Any:
    return typer.Option(
        "--input-format", metavar="FORMAT",
        help=f"Read the file as this format instead of guessing: {', '.join(INPUT_FORMATS)}.",
        callback=_check_input_format,
    )


def _check_input_format(value: str | None) -> str | None:
    if value is not None and value not in INPUT_FORMATS:
        raise typer.BadParameter(f"unknown format {value!r}.{suggest(value, INPUT_FORMATS)} "
                                 f"Formats: {', '.join(INPUT_FORMATS)}.")
    return value


Models = Annotated[list[str], model_option()]
Variants = Annotated[list[str], variant_option()]
ModelOptions = Annotated[list[str], option_option()]
Draws = Annotated[Optional[int], draws_option()]
Seed = Annotated[int, seed_option()]
TableOrJson = Annotated[Literal["table", "json"], format_option()]
InputFormat = Annotated[Optional[str], input_format_option()]
OutFile = Annotated[Optional[Path], out_option("Write to this file.", metavar="FILE")]


def scenario_argument(help: str = "Scenario file (YAML/JSON, KTAB CSV/XML, BDM table, Decide).") -> Any:
    return typer.Argument(..., metavar="SCENARIO", help=help, show_default=False)


# ---------------------------------------------------------------------------------------------
# parsing -o and --variant


def parse_options(items: list[str], models: list[str]) -> dict[str, dict[str, Any]]:
    """``-o MODEL.KEY=VALUE`` or ``-o KEY=VALUE`` (every selected model with that option)."""
    from detente.models import registry

    result: dict[str, dict[str, Any]] = {m: {} for m in models}
    for item in items:
        if "=" not in item:
            raise InputError.one(None, "expected MODEL.KEY=VALUE or KEY=VALUE", field="--option", value=item)
        key, raw = item.split("=", 1)
        value = _option_value(raw)
        if "." in key:
            model, key = key.split(".", 1)
            model = getattr(registry, "_aliases", {}).get(model, model)
            if model not in result:
                raise InputError.one(None, f"option for model {model!r}, which is not selected with --model",
                                     field="--option", value=item)
            if key not in registry.get(model).options.model_fields:
                fields = list(registry.get(model).options.model_fields)
                raise InputError.one(None, f"model {model!r} has no option {key!r}.{suggest(key, fields)} "
                                     f"Options: {', '.join(fields)}", field="--option", value=item)
            result[model][key] = value
        else:
            targets = [m for m in models if key in registry.get(m).options.model_fields]
            if not targets:
                fields = sorted({f for m in models for f in registry.get(m).options.model_fields})
                raise InputError.one(None, f"no selected model has an option {key!r}.{suggest(key, fields)}",
                                     field="--option", value=item)
            for m in targets:
                result[m][key] = value
    return result


def _option_value(raw: str) -> Any:
    """The value of ``-o KEY=VALUE`` read as YAML (``0.5``, ``true``, ``[a, b]``), else the text."""
    import yaml  # only when an option is given: a plain run does not load the YAML library

    try:
        return yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        return raw


def parse_variants(items: list[str], models: list[str]) -> dict[str, str | None]:
    """``--variant MODEL=VARIANT``, or a bare ``VARIANT`` for every selected model that has it."""
    from detente.models import registry

    result: dict[str, str | None] = {m: None for m in models}
    for item in items:
        if "=" in item:
            m, _, v = item.partition("=")
            m = getattr(registry, "_aliases", {}).get(m, m)
            if m not in result or not v:
                raise InputError.one(None, "expected MODEL=VARIANT for a selected model", field="--variant", value=item)
            targets = [m]
        else:
            v = item
            targets = [m for m in models if v in registry.get(m).variants]
            if not targets:
                raise InputError.one(None, "no selected model has this variant", field="--variant", value=item)
        for m in targets:
            registry.get(m).make_options({}, variant=v)  # unknown variant: a clear error now
            result[m] = v
    return result


WARNING_CHARS = 2000
"""The longest warning printed whole: a 10 MB issue name made `validate` write 20 MB to stderr."""


def print_warnings(warnings: list[str]) -> None:
    """Warnings about the input (e.g. numbers without evidence) on stderr, never on stdout, each
    cut at :data:`WARNING_CHARS` characters."""
    for w in warnings:
        if len(w) > WARNING_CHARS:
            w = w[:WARNING_CHARS] + f"... ({len(w) - WARNING_CHARS:,} more characters)"
        print(f"warning: {w}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# help text without internal types

_PLAIN = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "bool": "", "int range": "INTEGER",
          "float range": "NUMBER", "file": "FILE", "dir": "DIR"}


def plain_type(label: str) -> str:
    """Typer's ``<list[str]>``-style type labels in words an analyst reads: TEXT, INTEGER, a|b.

    >>> [plain_type(x) for x in ("<list[str]>", "<int range>", "<table|json>", "<bool>", "MODEL")]
    ['TEXT...', 'INTEGER', 'table|json', '', 'MODEL']
    """
    if not (label.startswith("<") and label.endswith(">")):
        return label
    inner = label[1:-1]
    many = inner.startswith("list[") and inner.endswith("]")
    if many:
        inner = inner[5:-1]
    word = _PLAIN.get(inner, inner)
    return word + ("..." if many and word else "")


def use_plain_help_types() -> None:
    """Make Typer's help show TEXT/INTEGER/a|b and nothing for flags, not ``<bool>``/``<list[str]>``.

    Typer >= 0.20 labels every option with its Python type; options that set ``metavar`` keep it.
    A no-op on Typer versions without these methods."""
    try:
        from typer.core import TyperArgument, TyperOption
    except ImportError:  # pragma: no cover
        return
    for cls in (TyperOption, TyperArgument):
        original = getattr(cls, "display_type_rich", None)
        if original is None or getattr(original, "_detente_plain", False):
            continue

        def display_type_rich(self: Any, ctx: Any, _orig: Any = original) -> str | None:
            if getattr(self, "is_flag", False) and getattr(self, "metavar", None) is None:
                return None
            shown = _orig(self, ctx)
            return plain_type(shown) if isinstance(shown, str) else shown

        display_type_rich._detente_plain = True  # type: ignore[attr-defined]
        cls.display_type_rich = display_type_rich  # type: ignore[method-assign]
    usage_name = getattr(TyperArgument, "_usage_display_name", None)
    if usage_name is not None and not getattr(usage_name, "_detente_plain", False):
        def _usage_display_name(self: Any) -> str:
            """An argument in the usage line as the docs write it: ``SCENARIO``, ``SCENARIO...``,
            ``[RECORD]`` (Typer 0.29 writes ``{SCENARIO}``, which reads as "one of", and
            ``{SCENARIO...}...``)."""
            name = self.display_name_raw
            if self.nargs != 1 and not name.endswith("..."):
                name += "..."
            return name if self.required else f"[{name}]"

        _usage_display_name._detente_plain = True  # type: ignore[attr-defined]
        TyperArgument._usage_display_name = _usage_display_name  # type: ignore[method-assign]


@contextmanager
def as_options(flags: dict[str, str]) -> Iterator[None]:
    """Problems that name an argument of a library function (``target``, ``vary``) name the
    command's option instead (``--target``, ``--vary``); ``flags`` maps one to the other (each
    library module keeps its own ``FLAGS``). A problem's place (``vary actors[A].capability=...``)
    is renamed the same way.

    >>> from detente.errors import InputError
    >>> try:
    ...     with as_options({"n": "--samples"}):
    ...         raise InputError.one(None, "must be at least 2", field="n", value=1)
    ... except InputError as e:
    ...     print(e)
    --samples: must be at least 2 (got 1)
    """
    from dataclasses import replace

    def flag(place: str | None) -> str | None:
        if not place:
            return place
        head, sep, rest = place.partition(" ")
        return flags[head] + sep + rest if head in flags else place

    try:
        yield
    except InputError as e:
        renamed = [replace(p, field=flag(p.field)) for p in e.problems]
        if renamed == list(e.problems) and flag(e.file) == e.file:
            raise
        raise InputError(flag(e.file), renamed) from None
