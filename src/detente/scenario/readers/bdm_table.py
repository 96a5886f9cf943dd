"""BDM actor tables: one issue, one row per actor with capability, position and salience.

The formats of the open replications (``bdm-data/README.md``): comma- or tab-separated (tab when
the first non-blank line has one), any line endings (Masad's files use old-Mac CR), optional BOM,
header names case-insensitive with synonyms -- actor/stakeholder/name/(blank);
capability/resources/clout/power/c; position/x; salience/s. Fields follow CSV quoting (Python's
:mod:`csv`, strict): ``"Korea, Republic of"`` is one field, ``""`` inside quotes is a quote, and a
quote that is never closed is an error. Numbers take a decimal point: ``"1,5"`` in a comma-separated
file is not a number, and a row with more fields than the header is an error, as ``A,1,5,50,0.5``
would otherwise read 5 as the position. Empty fields past the fourth (``A,1,4,0.5,``) and rows with
nothing in them are skipped. The issue's scale is [min, max] of the positions (a degenerate one
becomes [x - 1, x + 1]).

Saliences are all on 0-1 or all on 0-100 (then divided by 100). A file is on 0-100 when some
salience is above 1, more than half of the nonzero saliences are above 1, and none lies strictly
between 0 and 1 (0 and 1 are valid on 0-100 too). Any other file with a salience above 1 mixes
the scales -- a typo would otherwise rescale every actor -- and is an error naming the lines of
the outliers: the saliences above 1 when most are at most 1, else the fractions.

>>> s = parse("Actor,Capability,Position,Salience\\nA,1,4,80\\nB,2,10,40\\n", "t.csv")
>>> [(st.actor, st.position, st.salience) for st in s.stances]
[('A', 4.0, 0.8), ('B', 10.0, 0.4)]
>>> [a.id for a in parse('actor,c,x,s\\n"Korea, Republic of",1,4,0.5\\n', "t.csv").actors]
['Korea, Republic of']
>>> sniff("Actor,Description,x\\n"), sniff("Name\\tx\\tc\\ts\\nA\\t1\\t1\\t1")
(False, True)
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import NamedTuple

from detente.errors import InputError, Problems
from detente.scenario.csvtext import csv_rows
from detente.scenario.io import Format, register_reader, validate
from detente.scenario.model import Scenario

SYNONYMS = {
    "actor": {"actor", "stakeholder", "name", ""},
    "capability": {"capability", "resources", "clout", "power", "c"},
    "position": {"position", "x"},
    "salience": {"salience", "s"},
}
COLUMNS = ("actor", "capability", "position", "salience")
CSV_FORMAT = {"skipinitialspace": True, "strict": True}
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_SHOWN = 5  # outliers named in a mixed-scale error


class Row(NamedTuple):
    line: int
    actor: str
    capability: float
    position: float
    salience: float
    salience_text: str


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text.lstrip("\ufeff"))


def _delimiter(text: str) -> str:
    """Tab if the first non-blank line has one, else comma."""
    first = next((ln for ln in _lines(text) if ln.strip()), "")
    return "\t" if "\t" in first else ","


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def _trim(cells: list[str]) -> list[str]:
    """Stripped fields, less the empty ones past the fourth that some spreadsheets write."""
    cells = [c.strip() for c in cells]
    while len(cells) > 4 and not cells[-1]:
        cells.pop()
    return cells


def _records(text: str, file: str) -> list[tuple[int, list[str]]]:
    """The non-blank records as (line where each starts, fields as :func:`_trim` leaves them)."""
    sep = _delimiter(text)
    out: list[tuple[int, list[str]]] = []
    start = 1
    for end, cells in csv_rows(text.lstrip("\ufeff"), file, delimiter=sep, **CSV_FORMAT):
        if not _blank(cells):
            if end > start:
                raise InputError.one(file, f"a quoted field runs over lines {start}-{end} (a misplaced quote?)",
                                     line=start)
            out.append((start, _trim(cells)))
        start = end + 1
    return out


def _header_map(cells: list[str]) -> dict[str, int] | None:
    """Column index of each of actor, capability, position, salience; None if not a BDM header."""
    found: dict[str, int] = {}
    for k, cell in enumerate(cells):
        name = cell.lower()
        for col, names in SYNONYMS.items():
            if name in names and col not in found:
                found[col] = k
                break
        else:
            return None
    return found if set(found) == set(COLUMNS) and len(cells) == 4 else None


def sniff(text: str) -> bool:
    """True for a BDM actor table; KTAB SMP CSVs and Decide files are not claimed."""
    lines = [ln for ln in _lines(text) if ln.strip()]
    if not lines:
        return False
    if any(ln.lstrip().startswith(("#A", "'#A'", '"#A"')) for ln in lines[:50]):
        return False
    if len(lines) > 1 and lines[1].startswith("Actor,Description,"):
        return False
    try:
        cells = next(csv.reader([lines[0]], delimiter=_delimiter(text), **CSV_FORMAT))
    except csv.Error:
        return False
    return _header_map(_trim(cells)) is not None


def _number(raw: str, col: str, line: int, file: str) -> float:
    """``raw`` as a finite number, not negative unless it is a position."""
    try:
        v = float(raw)
    except ValueError:
        comma = _DECIMAL_COMMA.fullmatch(raw)
        hint = "; numbers take a decimal point and no thousands separator" if comma else ""
        raise InputError.one(file, "not a number" + hint, line=line, field=col, value=raw) from None
    if not math.isfinite(v):
        raise InputError.one(file, "not a finite number", line=line, field=col, value=raw)
    if col in ("capability", "salience") and v < 0:
        raise InputError.one(file, "must not be negative", line=line, field=col, value=raw)
    return v


def _row(line: int, cells: list[str], raw: str, cols: dict[str, int], seen: dict[str, int], file: str,
         found: Problems) -> Row | None:
    """One actor's row (``raw`` is its text, for messages), checked; ``seen`` (actor -> line) is
    updated and each problem kept in ``found``. The row is there whenever its salience was read
    (NaN for the numbers that were not), for the judgement of the saliences' scale over the file."""
    if len(cells) < 4:
        missing = [c for c in COLUMNS if cols[c] >= len(cells)]
        found.add(f"missing column(s) {', '.join(missing)}", line=line, value=raw)
        return None
    if len(cells) > 4:
        found.add(f"{len(cells)} fields where the header has 4 (quote a name or number that has the delimiter "
                  "in it; numbers take a decimal point)", line=line, value=raw)
        return None
    name = cells[cols["actor"]]
    if not name:
        found.add("empty actor name", line=line, field="actor", value=raw)
    elif name in seen:
        found.add(f"duplicate actor (first on line {seen[name]})", line=line, field="actor", value=name)
    else:
        seen[name] = line
    cap, x, sal = (found.attempt(_number, cells[cols[c]], c, line, file) for c in ("capability", "position", "salience"))
    if sal is None:
        return None
    nan = math.nan
    return Row(line, name, nan if cap is None else cap, nan if x is None else x, sal, cells[cols["salience"]])


def _mixed_scales(outliers: list[Row], side: str, others: str, file: str) -> InputError:
    """The error for saliences on both scales, naming the outliers' lines and values (the first few)."""
    if len(outliers) == 1:
        where = f"line {outliers[0].line} has {outliers[0].salience_text}"
    else:
        named = [f"{r.line} ({r.salience_text})" for r in outliers[:_SHOWN]]
        if len(outliers) > _SHOWN:
            named.append(f"{len(outliers) - _SHOWN} more")
        where = f"lines {', '.join(named[:-1])} and {named[-1]} are {side}"
    return InputError.one(file, f"saliences mix the 0-1 and 0-100 scales: {where} while {others}; "
                                "write them all on one scale", line=outliers[0].line, field="salience")


def _salience_on_100(rows: list[Row], file: str) -> bool:
    """Whether the saliences are on 0-100 (the rule is in the module docstring); a mix is an error."""
    above = [r for r in rows if r.salience > 1]
    if not above:
        return False
    fractions = [r for r in rows if 0 < r.salience < 1]
    nonzero = sum(r.salience > 0 for r in rows)
    if 2 * len(above) <= nonzero:
        raise _mixed_scales(above, "above 1", "the others are at most 1", file)
    if fractions:
        raise _mixed_scales(fractions, "below 1", "most others are above 1", file)
    for r in rows:
        if r.salience > 100:
            raise InputError.one(file, "salience above 100", line=r.line, field="salience", value=r.salience_text)
    return True


def parse(text: str, file: str) -> Scenario:
    """The scenario in a BDM actor table ``text``; ``file`` names it in messages and ids."""
    records = _records(text, file)
    lines = _lines(text)
    if not records:
        raise InputError.one(file, "the file is empty")
    header_line, header = records[0]
    cols = _header_map(header)
    if cols is None:
        raise InputError.one(file, "not a BDM actor table: the header must name actor, capability, position "
                                   f"and salience columns (got {lines[header_line - 1]!r})",
                             line=header_line)
    seen: dict[str, int] = {}
    found = Problems(file)  # every row's problems, then the file's (the scale of the saliences)
    read = [_row(line, cells, lines[line - 1], cols, seen, file, found) for line, cells in records[1:]]
    if not read:
        raise InputError.one(file, "no actor rows after the header", line=header_line)
    scale100 = found.attempt(_salience_on_100, [r for r in read if r is not None], file)
    found.raise_any()  # none left: every row was read whole
    rows = [r for r in read if r is not None]
    xs = [r.position for r in rows]
    lo, hi = min(xs), max(xs)
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    stem = Path(file).stem
    data = {
        "name": stem,
        "actors": [{"id": r.actor, "capability": r.capability} for r in rows],
        "issues": [{"id": stem, "scale": {"min": lo, "max": hi}}],
        "stances": [
            {"actor": r.actor, "issue": stem, "position": r.position,
             "salience": (r.salience / 100.0 if scale100 else r.salience)}
            for r in rows
        ],
        "meta": {"reader": "bdm_table", "salience_divided_by_100": scale100},
    }
    return validate(data, file)


def read(path: Path, text: str) -> Scenario:
    return parse(text, str(path))


register_reader(Format("bdm", (".csv", ".txt"), sniff, read, None,
                       "BDM actor table (actor, capability, position, salience; one issue)"))
