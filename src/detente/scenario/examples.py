"""The example scenarios shipped inside the package, for ``pip install`` users as for a checkout.

The files live in ``detente/examples/`` (the repository's ``examples/`` is a link to it), so an
installed detente has the flagship and the others without a clone: ``detente examples`` lists
them, ``detente examples --copy DIR`` copies them out to edit, and ``detente serve`` offers them.

>>> example("ukraine-settlement").name   # for detente.load(...), from any folder
'ukraine-settlement.yaml'
>>> files = example_files()
>>> "ukraine-settlement.yaml" in files and "README.md" not in files
True
>>> info = {e["name"]: e for e in describe()}
>>> info["ukraine-settlement.yaml"]["actors"], info["ukraine-settlement.yaml"]["issues"]
(8, 5)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from detente.errors import InputError

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
"""The folder of the shipped examples (inside the installed package)."""

_NOT_A_SCENARIO = re.compile(r"^(license|licence|readme|copying|notice|changelog)", re.I)


def example(name: str) -> Path:
    """The path of the shipped example ``name`` (its file name, with or without the suffix):
    ``detente.load(detente.example("ukraine-settlement"))`` works wherever detente is installed.
    An unknown name is an :class:`~detente.errors.InputError` listing the known ones."""
    files = example_files()
    for key in (name, *(f"{name}{suffix}" for suffix in (".yaml", ".yml", ".json"))):
        if key in files:
            return files[key]
    raise InputError.one("detente.example()", f"no example named {name!r}; the examples: {', '.join(files)}")


def example_files(folder: Path | None = None) -> dict[str, Path]:
    """The scenario files of ``folder`` (default: the shipped examples) by file name, in name
    order: files a reader takes by their suffix, not the README or a licence."""
    folder = EXAMPLES_DIR if folder is None else Path(folder)
    if not folder.is_dir():
        return {}
    from detente.scenario.io import FORMATS, _load_plugins

    _load_plugins()
    suffixes = {s for f in FORMATS.values() for s in f.suffixes}
    return {p.name: p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in suffixes and not _NOT_A_SCENARIO.match(p.name)}


def describe(folder: Path | None = None) -> list[dict[str, Any]]:
    """Each example's file name, scenario name (``title``), description and numbers of actors
    and issues; a file that does not load gives its ``error`` instead."""
    from detente.scenario.io import load

    out: list[dict[str, Any]] = []
    for name, path in example_files(folder).items():
        try:
            s = load(path)
        except InputError as e:
            e.file = name
            out.append({"name": name, "error": str(e)})
            continue
        out.append({"name": name, "title": s.name, "description": s.description,
                    "actors": len(s.actors), "issues": len(s.issues)})
    return out


def copy_examples(dest: Path) -> list[Path]:
    """Copy every shipped file (the scenarios, their README and licences) into ``dest``, which is
    created if need be, all at once (:func:`~detente.scenario.io.staged_folder`). Nothing is
    overwritten: when a file of that name is already there, nothing is copied and an
    :class:`~detente.errors.InputError` names it."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise InputError.one(str(dest), "is a file, not a folder to copy the examples into")
    files = sorted(p for p in EXAMPLES_DIR.iterdir() if p.is_file())
    there = [dest / p.name for p in files if (dest / p.name).exists()]
    if there:
        raise InputError.one(str(there[0]), f"already exists; nothing was copied ({len(there)} of the "
                             f"{len(files)} files are there already: copy into another folder or remove them)")
    from detente.scenario.io import staged_folder

    with staged_folder(dest, "examples") as tmp:  # all or nothing: a full disk leaves no half-copied folder
        for p in files:
            shutil.copyfile(p, tmp / p.name)
    return [dest / p.name for p in files]
