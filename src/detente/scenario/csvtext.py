"""CSV records for the table readers (KTAB CSV, Decide, DEU): any line ending, a bounded field size.

Old-Mac files end lines with CR alone (the Masad replication data does): the text is read with
universal newlines. Python's csv module refuses fields over 131,072 characters with a bare
``csv.Error``; here the bound is :data:`~detente.scenario.limits.MAX_FIELD` and going past it, like
any other CSV error, is an :class:`~detente.errors.InputError` naming the file and line.

>>> csv_rows("a,b\\r1,2\\r", "t.csv")
[(1, ['a', 'b']), (2, ['1', '2'])]
"""

from __future__ import annotations

import csv
import io
from typing import Any

from detente.errors import InputError
from detente.scenario.limits import MAX_FIELD


def csv_rows(text: str, file: str, **fmt: Any) -> list[tuple[int, list[str]]]:
    """Every record as (line number where it ends, fields); ``fmt`` goes to :func:`csv.reader`."""
    reader = csv.reader(io.StringIO(text, newline=None), **fmt)
    old = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        msg = str(e)
        if "field limit" in msg:
            msg = f"a field longer than the limit of {MAX_FIELD:,} characters"
        raise InputError.one(file, f"CSV error: {msg}", line=reader.line_num or None) from None
    finally:
        csv.field_size_limit(old)
