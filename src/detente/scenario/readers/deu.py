"""Reader for the DEU III issue table (``deu3_blksv.tsv``): EU legislative issues with real outcomes.

Layout (see ``shared/peers/deu-data/README.md``): a tab-separated, quoted table; columns
``prnrnmc isnrnmc prnr prname isnr type council proc counvte proccde issues intro finact``, then
positions ``pcom pep pat ... puk`` (Commission, EP, 28 member states), saliences ``scom ... suk``,
then ``rp`` (reference point) and ``out`` (outcome), all on 0-100. Row 2 holds the blksv author's
GDP-like weights per actor (not DEU data); it is read as an optional capability set.

Conventions (those of ``deu3_baselines_computed.csv``, which reproduce the published MAE 23.64):

* an actor's stance needs both a position and a salience (54 cells have a position but no salience;
  they are skipped and counted in ``scenario.meta``);
* saliences are divided by 100; capabilities are equal (1) unless ``capabilities="blksv"``;
* each DEU issue is one scenario issue with the outcome as ``Issue.outcome`` and the reference
  point as ``status_quo``.

>>> from pathlib import Path
>>> p = Path(__file__).resolve().parents[5] / "shared/peers/deu-data/deu3_blksv.tsv"
>>> if p.exists():
...     issues = read_deu_issues(p)
...     print(len(issues), issues[0].issue_id, issues[0].procedure)
... else:
...     print(364, "d00032i1", "COD")
364 d00032i1 COD
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from detente.errors import InputError, Problems
from detente.scenario.csvtext import csv_rows
from detente.scenario.io import Format, read_text, register_reader, validate

ACTORS = ["com", "ep", "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el", "hu", "ie",
          "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es", "se", "uk"]
NAMES = {"com": "European Commission", "ep": "European Parliament", "at": "Austria", "be": "Belgium",
         "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus", "cz": "Czech Republic", "dk": "Denmark",
         "ee": "Estonia", "fi": "Finland", "fr": "France", "de": "Germany", "el": "Greece", "hu": "Hungary",
         "ie": "Ireland", "it": "Italy", "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta",
         "nl": "Netherlands", "pl": "Poland", "pt": "Portugal", "ro": "Romania", "si": "Slovenia",
         "sk": "Slovakia", "es": "Spain", "se": "Sweden", "uk": "United Kingdom"}
_META = ["prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc", "counvte", "proccde",
         "issues", "intro", "finact"]


@dataclass
class DEUIssue:
    """One DEU issue: who stood where, how much they cared, and what was decided."""

    issue_id: str
    dossier: str
    dossier_name: str
    procedure: str
    voting_rule: str
    line: int
    positions: dict[str, float] = field(default_factory=dict)
    saliences: dict[str, float] = field(default_factory=dict)  # 0-100 as in the file
    reference_point: float | None = None
    outcome: float | None = None
    unsalient: dict[str, float] = field(default_factory=dict)  # a position but no salience

    @property
    def position_only(self) -> int:
        return len(self.unsalient)

    @property
    def n_positioned(self) -> int:
        return len(self.positions)


def _num(text: str, file: str, line: int, column: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError.one(file, "not a number", line=line, field=column, value=text) from None
    if not 0 <= v <= 100:
        raise InputError.one(file, "must be on the DEU 0-100 scale", line=line, field=column, value=v)
    return v


def _rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rows = csv_rows(text, str(path), delimiter="\t", quotechar='"')
    if not rows:
        raise InputError.one(str(path), "the file is empty")
    header = rows[0][1]
    missing = [c for c in _META[:5] + ["p" + a for a in ACTORS] + ["s" + a for a in ACTORS] + ["rp", "out"]
               if c not in header]
    if missing:
        raise InputError.one(str(path), f"not a DEU issue table: missing columns {', '.join(missing[:6])}"
                                        f"{' ...' if len(missing) > 6 else ''}", line=1)
    return header, rows[1:]


def read_deu_issues(path: str | Path) -> list[DEUIssue]:
    """Every issue row of the table (the weights row is skipped)."""
    p = Path(path)
    file = str(p)
    header, rows = _rows(p, read_text(p))
    col = {c: k for k, c in enumerate(header)}
    read = max(col[c] for c in _META[:5] + ["p" + a for a in ACTORS] + ["s" + a for a in ACTORS] + ["rp", "out"])
    out: list[DEUIssue] = []
    seen: set[str] = set()
    found = Problems(file)  # every row's problems, reported together
    for line, r in rows:
        if len(r) < len(header):
            if len(r) <= read and any(x.strip() for x in r):  # not a blank line: a row cut short
                found.add(f"the row has {len(r)} of the header's {len(header)} fields: cut short? "
                          f"(its {header[len(r)]!r} and later columns are missing)", line=line)
                continue
            r = r + [""] * (len(header) - len(r))
        if not r[col["isnr"]].strip():
            continue  # the blksv weights row (row 2) and blank lines
        iid = r[col["isnr"]].strip()
        if iid in seen:
            found.add("duplicate issue id", line=line, field="isnr", value=iid)
        seen.add(iid)
        issue = DEUIssue(iid, r[col["prnr"]].strip(), r[col["prname"]].strip(), r[col["proc"]].strip(),
                         r[col["counvte"]].strip(), line)

        def num(column: str) -> float | None:
            return found.attempt(_num, r[col[column]], file, line, column)

        for a in ACTORS:
            pos, sal = num("p" + a), num("s" + a)
            if pos is not None and sal is not None:
                issue.positions[a] = pos
                issue.saliences[a] = sal
            elif pos is not None:
                issue.unsalient[a] = pos
        issue.reference_point = num("rp")
        issue.outcome = num("out")
        out.append(issue)
    found.raise_any()
    return out


def read_blksv_weights(path: str | Path) -> dict[str, float]:
    """The blksv GDP-like capability per actor from row 2 (Commission and EP set to Germany's)."""
    p = Path(path)
    header, rows = _rows(p, read_text(p))
    col = {c: k for k, c in enumerate(header)}
    if not rows:
        raise InputError.one(str(p), "no blksv weights row (row 2) for --capabilities blksv: the file has "
                                     "only a header", line=1)
    line, r = rows[0]
    weights = {}
    found = Problems(str(p))  # every actor's weight checked, the problems reported together
    for a in ACTORS:
        v = r[col["p" + a]].strip() if col["p" + a] < len(r) else ""
        if not v:
            found.add("row 2 has no blksv weight for this actor", line=line, field="p" + a)
            continue
        try:
            weights[a] = float(v)
        except ValueError:
            found.add("the blksv weight must be a number", line=line, field="p" + a, value=v)
            continue
        if not (weights[a] > 0 and weights[a] < float("inf")):
            found.add("the blksv weight must be a positive finite number", line=line, field="p" + a, value=v)
    found.raise_any()
    return weights


def backtest_issues(issues: list[DEUIssue], min_actors: int = 3) -> list[DEUIssue]:
    """The issues a backtest scores: an outcome and at least ``min_actors`` actors with position and salience."""
    return [i for i in issues if i.outcome is not None and i.n_positioned >= min_actors]


PositionOnly = Literal["skip", "zero"]


def to_scenario(issues: list[DEUIssue], name: str, file: str | None = None,
                capabilities: Literal["equal", "blksv"] = "equal",
                weights: dict[str, float] | None = None, position_only: PositionOnly = "skip"):
    """One scenario holding the given issues (each a 1-D issue on 0-100 with its outcome).

    ``position_only``: what to do with actors that have a position but no salience: ``skip``
    them (default; the convention of the weighted mean/median reference values) or give them
    salience ``zero`` (they hold a position others can challenge but carry no weight: the convention
    of the reference BDM column ``bdm_jmckib_variant_median_round10``).
    """
    zero = position_only == "zero"
    used = [a for a in ACTORS if any(a in i.positions or (zero and a in i.unsalient) for i in issues)]
    cap = {a: (weights[a] if capabilities == "blksv" and weights else 1.0) for a in used}
    data = {
        "name": name,
        "description": "DEU III (Arregui & Perarnaud 2022) issues via the blksv derived copy; "
                       "saliences /100, stances need a position and a salience.",
        "sources": [{"id": "deu3", "title": "A new dataset on legislative decision-making in the European "
                     "Union: the DEU III dataset", "author": "Arregui, J. & Perarnaud, C.",
                     "publisher": "Journal of European Public Policy 29(1)", "date": "2022"}],
        "actors": [{"id": a, "name": NAMES[a], "capability": cap[a]} for a in used],
        "issues": [{"id": i.issue_id, "name": issue_name(i, issues),
                    "scale": {"min": 0, "max": 100}, "status_quo": i.reference_point, "outcome": i.outcome}
                   for i in issues],
        "stances": [{"actor": a, "issue": i.issue_id, "position": i.positions[a],
                     "salience": i.saliences[a] / 100} for i in issues for a in i.positions]
                   + [{"actor": a, "issue": i.issue_id, "position": p, "salience": 0.0}
                      for i in issues if zero for a, p in i.unsalient.items()],
        "meta": {"reader": "deu", "position_without_salience": sum(i.position_only for i in issues),
                 "position_only": position_only, "capabilities": capabilities},
    }
    return validate(data, file)


def issue_name(issue: DEUIssue, issues: list[DEUIssue]) -> str:
    """How tables name a DEU issue: its dossier's short name, which issue of the dossier when the
    dossier has several among ``issues`` (they read alike otherwise), the dossier, procedure and
    voting rule.

    >>> a, b = (DEUIssue(f"d00032i{k}", "d00032", "documents", "COD", "QMV", k + 1) for k in (1, 2))
    >>> issue_name(a, [a]), issue_name(b, [a, b])
    ('documents (d00032, COD, QMV)', 'documents, issue 2 (d00032, COD, QMV)')
    """
    which = ""
    if sum(i.dossier == issue.dossier for i in issues) > 1:
        rest = issue.issue_id[len(issue.dossier):] if issue.issue_id.startswith(issue.dossier) else issue.issue_id
        which = f", issue {rest.lstrip('i') or rest}"
    return f"{issue.dossier_name}{which} ({issue.dossier}, {issue.procedure}, {issue.voting_rule})"


def deu_scenarios(path: str | Path, *, by: Literal["issue", "dossier"] = "issue",
                  capabilities: Literal["equal", "blksv"] = "equal", only_scored: bool = True,
                  position_only: PositionOnly = "skip"):
    """DEU issues as scenarios: one per issue (default) or one per dossier (for multi-issue models)."""
    issues = read_deu_issues(path)
    if only_scored:
        issues = backtest_issues(issues)
    weights = read_blksv_weights(path) if capabilities == "blksv" else None
    groups: dict[str, list[DEUIssue]] = {}
    for i in issues:
        groups.setdefault(i.issue_id if by == "issue" else i.dossier, []).append(i)
    return [to_scenario(g, key, str(path), capabilities, weights, position_only) for key, g in groups.items()]


def _read(path: Path, text: str):
    issues = [i for i in read_deu_issues(path) if i.positions]
    return to_scenario(issues, f"DEU III ({path.name})", str(path))


register_reader(Format("deu", (".tsv",), lambda t: t.lstrip().startswith('"prnrnmc"') or
                       t.lstrip().startswith("prnrnmc"), _read, None,
                       "DEU III issue table (one issue per row, with outcomes)"))
