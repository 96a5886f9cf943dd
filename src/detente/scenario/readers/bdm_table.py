"""BDM actor tables: one issue, one row per actor with capability, position and salience.

The formats of the open replications (``bdm-data/README.md``): comma- or tab-separated, any
line endings (Masad's files use old-Mac CR), optional BOM, header names case-insensitive with
synonyms -- actor/stakeholder/name/(blank); capability/resources/clout/power/c; position/x;
salience/s. Salience on 0-100 (any value > 1) is divided by 100. The issue's scale is
[min, max] of the positions (a degenerate one becomes [x - 1, x + 1]).

>>> s = parse("Actor,Capability,Position,Salience\\nA,1,4,80\\nB,2,10,40\\n", "t.csv")
>>> [(st.actor, st.position, st.salience) for st in s.stances]
[('A', 4.0, 0.8), ('B', 10.0, 0.4)]
>>> sniff("Actor,Description,x\\n"), sniff("Name\\tx\\tc\\ts\\nA\\t1\\t1\\t1")
(False, True)
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from detente.errors import InputError
from detente.scenario.io import Format, register_reader, validate
from detente.scenario.model import Scenario

SYNONYMS = {
    "actor": {"actor", "stakeholder", "name", ""},
    "capability": {"capability", "resources", "clout", "power", "c"},
    "position": {"position", "x"},
    "salience": {"salience", "s"},
}
COLUMNS = ("actor", "capability", "position", "salience")


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text.lstrip("\ufeff"))


def _split(line: str) -> list[str]:
    sep = "\t" if "\t" in line else ","
    return [cell.strip().strip('"').strip() for cell in line.split(sep)]


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
    return _header_map(_split(lines[0])) is not None


def parse(text: str, file: str) -> Scenario:
    lines = _lines(text)
    header_at = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if header_at is None:
        raise InputError.one(file, "the file is empty")
    cols = _header_map(_split(lines[header_at]))
    if cols is None:
        raise InputError.one(file, "not a BDM actor table: the header must name actor, capability, position "
                                   f"and salience columns (got {lines[header_at]!r})", line=header_at + 1)
    rows: list[tuple[int, str, float, float, float]] = []
    seen: dict[str, int] = {}
    for k in range(header_at + 1, len(lines)):
        line = lines[k]
        if not line.strip():
            continue
        cells = _split(line)
        n = k + 1
        if len(cells) < 4:
            missing = [c for c in COLUMNS if cols[c] >= len(cells)]
            raise InputError.one(file, f"missing column(s) {', '.join(missing)}", line=n, value=line)
        name = cells[cols["actor"]]
        if not name:
            raise InputError.one(file, "empty actor name", line=n, field="actor", value=line)
        if name in seen:
            raise InputError.one(file, f"duplicate actor (first on line {seen[name]})", line=n, field="actor",
                                 value=name)
        seen[name] = n
        vals = {}
        for col in ("capability", "position", "salience"):
            raw = cells[cols[col]]
            try:
                v = float(raw)
            except ValueError:
                raise InputError.one(file, "not a number", line=n, field=col, value=raw) from None
            if not math.isfinite(v):
                raise InputError.one(file, "not a finite number", line=n, field=col, value=raw)
            if col in ("capability", "salience") and v < 0:
                raise InputError.one(file, "must not be negative", line=n, field=col, value=raw)
            vals[col] = v
        rows.append((n, name, vals["capability"], vals["position"], vals["salience"]))
    if not rows:
        raise InputError.one(file, "no actor rows after the header", line=header_at + 1)
    scale100 = any(r[4] > 1 for r in rows)
    for n, name, _, _, sal in rows:
        if scale100 and sal > 100:
            raise InputError.one(file, "salience above 100", line=n, field="salience", value=sal)
    xs = [r[3] for r in rows]
    lo, hi = min(xs), max(xs)
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    stem = Path(file).stem
    data = {
        "name": stem,
        "actors": [{"id": name, "capability": cap} for _, name, cap, _, _ in rows],
        "issues": [{"id": stem, "scale": {"min": lo, "max": hi}}],
        "stances": [
            {"actor": name, "issue": stem, "position": x, "salience": (sal / 100.0 if scale100 else sal)}
            for _, name, _, x, sal in rows
        ],
        "meta": {"reader": "bdm_table", "salience_divided_by_100": scale100},
    }
    return validate(data, file)


def read(path: Path, text: str) -> Scenario:
    return parse(text, str(path))


register_reader(Format("bdm", (".csv", ".txt"), sniff, read, None,
                       "BDM actor table (actor, capability, position, salience; one issue)"))
