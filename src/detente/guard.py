"""Outputs never replace what a command read, nor a run store.

Inside :func:`protected_inputs` (the ``detente`` command runs in one) every file read as input is
noted by its device and inode (:func:`note_input`: the scenario readers, the run store's SQLite
file), and :func:`refuse_overwriting` refuses an output path that is one of them: ``detente
convert a.yaml a.yaml``, ``pool A B --out A`` or ``runs export --store sqlite:///r.db --out r.db``
replaced their input before. A SQLite database is never written over by an output that is not
one, inside the block or not.

>>> import os, tempfile
>>> from pathlib import Path
>>> f = Path(tempfile.mkdtemp()) / "a.yaml"
>>> _ = f.write_text("name: a")
>>> with protected_inputs():
...     note_input(os.stat(f))
...     try:
...         refuse_overwriting(f, b"name: b")
...     except InputError as e:
...         print(str(e).split(": ", 1)[1])
is an input of this command: writing the output there would replace it; choose another path
>>> refuse_overwriting(f, b"name: b")  # outside the block: a Python session may save back
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from detente.errors import InputError

_inputs: set[tuple[int, int]] | None = None  # (device, inode) of the files a command read, once protected


@contextmanager
def protected_inputs() -> Iterator[None]:
    """Inside the block no output is written over a file read in it (a command's inputs:
    ``detente convert a.yaml a.yaml``, ``pool A B --out A``, ``runs export --store sqlite:///r.db
    --out r.db``). The ``detente`` command runs in one; a Python session, which may load a
    scenario, change it and save it back, does not."""
    global _inputs
    _inputs = set()
    try:
        yield
    finally:
        _inputs = None


def note_input(st: os.stat_result) -> None:
    """Record a file read as input (:func:`protected_inputs`), by its ``stat``."""
    if _inputs is not None:
        _inputs.add((st.st_dev, st.st_ino))


SQLITE_MAGIC = b"SQLite format 3\x00"


def refuse_overwriting(path: Path, data: bytes) -> None:
    """An output never replaces an input of the command, nor a SQLite database (a run store, with
    its ledger) with something that is not one: one message naming the path, nothing written."""
    try:
        st = path.stat()
    except OSError:
        return
    if _inputs is not None and (st.st_dev, st.st_ino) in _inputs:
        raise InputError.one(str(path), "is an input of this command: writing the output there would replace "
                                        "it; choose another path")
    if path.is_file() and not data.startswith(SQLITE_MAGIC):
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError:
            return
        if head == SQLITE_MAGIC:
            raise InputError.one(str(path), "is a SQLite database (a run store?): detente does not write over "
                                            "it; choose another path")


