"""CSV records for the table readers (KTAB CSV, Decide, DEU): any line ending, a bounded field size.

Old-Mac files end lines with CR alone (the Masad replication data does): the text is read with
universal newlines. Python's csv module refuses fields over 131,072 characters with a bare
``csv.Error``; here the bound is :data:`~detente.scenario.limits.MAX_FIELD` and going past it, like
any other CSV error, is an :class:`~detente.errors.InputError` naming the file and line. With
``strict=True`` a quote that is never closed is reported at the line where its record starts, and
text after a closing quote in plain words (``csv`` would say "unexpected end of data" at the last
line, and "',' expected after '\"'").

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
    rows: list[tuple[int, list[str]]] = []
    old = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        for row in reader:
            rows.append((reader.line_num, row))
        return rows
    except csv.Error as e:
        msg, line = str(e), reader.line_num or None
        if "field limit" in msg:
            msg = f"a field longer than the limit of {MAX_FIELD:,} characters"
        elif msg == "unexpected end of data":  # strict only: an open quote ran to the end of the file
            msg, line = "a quote is never closed", (rows[-1][0] + 1 if rows else 1)
        elif "expected after" in msg:  # strict only: "',' expected after '\"'"
            msg = "text after the closing quote of a field (a quoted field must end at the delimiter)"
        raise InputError.one(file, f"CSV error: {msg}", line=line) from None
    finally:
        csv.field_size_limit(old)
