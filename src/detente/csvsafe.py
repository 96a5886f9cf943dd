r"""CSV that a spreadsheet opens as data, never as formulas (the "CSV injection" guard).

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a carriage return) as a formula: an actor id such as ``=HYPERLINK("http://x","y")`` or
``+cmd|' /C calc'!A0`` would run when the exported file is opened. Following OWASP's advice,
every CSV that detente exports for people (``positions.csv``, ``detente runs export --format
csv``, sweep CSV, the web page's zip) writes such a TEXT cell with a single quote in front, which
spreadsheets show as text. Numbers stay numbers: ``-3.5`` (a number, or its text in a numeric
column) is written unchanged. JSON, YAML and the scenario formats (KTAB CSV included, which
must read back to the same scenario) are never changed.

>>> safe_cell('=HYPERLINK("http://x","y")'), safe_cell("-2+3"), safe_cell("-3.5"), safe_cell(-3.5)
('\'=HYPERLINK("http://x","y")', "'-2+3", '-3.5', -3.5)
>>> csv_text(["actor", "value"], [["@SUM(A1)", "-1e-05"], ["\tx", 2], ["a\rb", None]]).splitlines()
['actor,value', "'@SUM(A1),-1e-05", "'\tx,2", '"a', 'b",']
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would read as a formula.

    Non-text values (numbers, None) and text that is a plain decimal number are returned as given."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def csv_text(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text (``\\n`` line ends) of ``header`` and ``rows``, every cell guarded by :func:`safe_cell`."""
    buf = io.StringIO()
    # "\r\n" as the writer's terminator, so that a cell with a CR is quoted as one with a LF is
    # (Python's csv quotes only the terminator's characters); each row then ends with "\n"
    w = csv.writer(buf, lineterminator="\r\n")
    for row in (header, *rows):
        w.writerow(safe_row(row))
        buf.seek(buf.tell() - 2)
        buf.truncate()
        buf.write("\n")
    return buf.getvalue()


def dict_rows(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Mappings as lists in the order of ``columns`` (missing keys: empty), for :func:`csv_text`."""
    return [[r.get(c, "") for c in columns] for r in rows]
