"""KTAB's SMP input files: CSV (read and write) and XML (read). See ``ktab.md`` §3.

Mapping: each KTAB dimension is an :class:`Issue` (id = the dimension name slugified, name = the
dimension name, scale 0-100); each actor an :class:`Actor` (id = KTAB name, description,
capability = Power/Influence); each actor x dimension a :class:`Stance` with the position and
salience / 100. XML ``<ModelParameters>`` go to ``model_options["smp"]`` (snake_case field names
of :class:`~detente.models.smp.SMPOptions`, KTAB's value names), ``<IdealAdjustment>`` to
``model_options["smp"]["accommodation"]`` as [adjusting actor, reference actor, adjust] triples,
``<prngSeed>`` to ``meta["ktab_seed"]``.

Checks follow KTAB's reader: line 1's N and K match the rows and columns, numbers are numeric,
positions and saliences lie in [0, 100], each actor's saliences add up to at most 100, capability
is positive, names are 1-25 characters. Unlike KTAB, ``<IdealAdjustment>`` is optional (as in
KTAB's own schema).

Writing KTAB CSV refuses (InputError) what KTAB could not read back faithfully: uncertain values
(ranges) -- fix them to point values first --, per-stance capabilities, saliences adding up to
more than 100 after scaling, non-positive capabilities, names with commas or over 25 characters.
An actor without a stance on an issue is written at the scale's midpoint with salience 0.

>>> text = ("toy, a toy, 3, 1,\\nActor, Description, Power, Tax, Sal\\n"
...         "A, first, 10, 20, 50\\nB, second, 20, 60, 40\\nC, third, 5, 90, 100\\n")
>>> s = read_ktab_csv_text(text, "toy.csv")
>>> s.issue_ids, [st.salience for st in s.stances]
(['tax'], [0.5, 0.4, 1.0])
>>> write_ktab_csv(s).splitlines()[2]
'A,first,10,20,50'
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError, Problem, Problems
from detente.scenario.csvtext import csv_rows
from detente.scenario.io import Format, register_reader, validate
from detente.scenario.limits import count_problem
from detente.scenario.model import Scenario
from detente.scenario.uncertain import _serialise, is_uncertain, point

PARAMETERS = {  # KTAB XML element -> (SMPOptions field, allowed values)
    "VictoryProbModel": ("victory_prob_model", ("Linear", "Square", "Quartic", "Octic", "Binary")),
    "PCEModel": ("pce_model", ("Conditional", "MarkovIncentive", "MarkovUniform")),
    "StateTransitions": ("state_transitions", ("Deterministic", "Stochastic")),
    "VotingRule": ("voting_rule", ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")),
    "BigRAdjust": ("big_r_adjust", ("Full", "TwoThirds", "Half", "OneThird", "No")),
    "BigRRange": ("big_r_range", ("Min", "Mid", "Max")),
    "ThirdPartyCommit": ("third_party_commit", ("NoCommit", "SemiCommit", "FullCommit")),
    "InterVecBrgn": ("inter_vec_brgn", ("S1P1", "S2P2", "S2PMax")),
    "BargnModel": ("bargn_model", ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")),
}
MAX_NAME = 25
MAX_DESC = 256


def slugify(name: str) -> str:
    """Issue id from a dimension name: lower case, runs of other characters -> '_'.

    >>> slugify("Policy Position"), slugify(" Dim0 Position"), slugify("??")
    ('policy_position', 'dim0_position', 'dim')
    """
    slug = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return slug or "dim"


def _unique_ids(names: list[str]) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()  # a set: a list made this quadratic in the number of dimensions
    for n in names:
        base = slugify(n)
        sid, k = base, 2
        while sid in taken:
            sid, k = f"{base}_{k}", k + 1
        out.append(sid)
        taken.add(sid)
    return out


def _number(text: str, file: str, line: int, col: str, what: str = "a number") -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError.one(file, f"expected {what}", line=line, field=col, value=text) from None
    if not math.isfinite(v):
        raise InputError.one(file, f"expected {what}", line=line, field=col, value=text)
    return v


def _numbers(row: list[str], start: int, file: str, line: int, header: list[str],
             found: Problems) -> list[float | None]:
    """Every other cell of ``row`` from ``start`` as finite numbers (all at once; cell by cell, to
    name each bad one, only when one is bad: ``None`` there, its problem kept in ``found``)."""
    cells = row[start::2]
    try:
        values = list(map(float, cells))
        if all(map(math.isfinite, values)):
            return list(values)
    except ValueError:
        pass
    return [found.attempt(_number, c, file, line, header[start + 2 * k]) for k, c in enumerate(cells)]


@dataclass
class _Actor:
    """An actor as read; a number that could not be read is ``None`` (its problem is kept)."""

    name: str
    desc: str
    cap: float | None
    pos: list[float | None]
    sal: list[float | None]
    line: int


def _check_actor(a: _Actor, cols: list[str], found: Problems) -> None:
    """KTAB's per-actor checks (``smpread.cpp``), each problem kept in ``found``; ``cols`` names the
    position/salience columns. A number that could not be read is ``None`` and is not checked."""
    if not 1 <= len(a.name) <= MAX_NAME:
        found.add(f"actor name must have 1-{MAX_NAME} characters", line=a.line, field=cols[0], value=a.name)
    if len(a.desc) > MAX_DESC:
        found.add(f"description longer than {MAX_DESC} characters", line=a.line, field=cols[1], value=a.desc)
    if a.cap is not None and not 0 < a.cap <= 1e8:
        found.add("capability must be positive (and at most 1e8)", line=a.line, field=cols[2], value=a.cap)
    for k, (p, s) in enumerate(zip(a.pos, a.sal)):
        if p is not None and not 0 <= p <= 100:
            found.add("position must be in [0, 100]", line=a.line, field=cols[3 + 2 * k], value=p)
        if s is not None and not 0 <= s <= 100:
            found.add("salience must be in [0, 100]", line=a.line, field=cols[4 + 2 * k], value=s)
    total = sum(s for s in a.sal if s is not None)
    if total > 100 * (1 + 1e-9):
        found.add(f"saliences of actor {a.name!r} add up to {total:g} > 100", line=a.line, field="saliences",
                  value=total)


def _build(file: str, name: str, desc: str, dims: list[str], actors: list[_Actor],
           sal_headers: list[str] | None = None, options: dict[str, Any] | None = None,
           meta: dict[str, Any] | None = None, found: Problems | None = None) -> Scenario:
    """The scenario of the actors read; ``found`` holds the problems the reader kept so far, raised
    here with the actors' duplicates."""
    found = Problems(file) if found is None else found
    seen: dict[str, int] = {}
    for a in actors:
        if a.name in seen:
            found.add(f"actor {a.name!r} appears twice (first on line {seen[a.name]})", line=a.line, field="Actor",
                      value=a.name)
        seen.setdefault(a.name, a.line)
    found.raise_any()
    ids = _unique_ids(dims)
    data: dict[str, Any] = {
        "name": name or Path(file).stem,
        "description": desc or None,
        "actors": [{"id": a.name, "description": a.desc or None, "capability": a.cap} for a in actors],
        "issues": [{"id": i, "name": n, "scale": {"min": 0, "max": 100}} for i, n in zip(ids, dims)],
        "stances": [{"actor": a.name, "issue": ids[k], "position": a.pos[k], "salience": a.sal[k] / 100}
                    for a in actors for k in range(len(dims))],
        "meta": dict(meta or {}),
    }
    if sal_headers:
        data["meta"]["ktab_salience_headers"] = sal_headers
    if options:
        data["model_options"] = {"smp": options}
    return validate(data, file)


# --------------------------------------------------------------------------------------------
# CSV


def sniff_csv(text: str) -> bool:
    """Line 2 starts with ``Actor,`` then ``Description`` (case and spaces ignored)."""
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) < 2:
        return False
    return bool(re.match(r"^\s*\"?\s*actor\s*\"?\s*[,;]\s*\"?\s*description", lines[1], re.I))


def _records(text: str, file: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records as (line, stripped fields), trailing empty fields dropped."""
    numbered = [(n, [f.strip() for f in r]) for n, r in csv_rows(text, file, skipinitialspace=True)]
    numbered = [(n, r) for n, r in numbered if any(r)]  # blank lines (and lines of commas) are skipped
    for _, r in numbered:
        while r and r[-1] == "":  # trailing commas
            r.pop()
    return numbered


def _refuse_over_caps(text: str, file: str) -> None:
    """Check line 1's counts against the caps before the rest of the file is parsed, so that a file
    over a cap of :mod:`~detente.scenario.limits` is refused at once. A malformed line 1 is left to
    the full parse, which reports it."""
    for n, line in enumerate(io.StringIO(text, newline=None), start=1):
        if line.replace(",", "").strip():
            break
    else:
        return
    try:
        head = _records(line, file)
        if not head:
            return
        N, K = _declared_counts(n, head[0][1], file)
    except InputError:
        return
    _check_caps(n, N, K, file)


def _declared_counts(ln1: int, head: list[str], file: str) -> tuple[int, int]:
    """Line 1's numbers of actors and dimensions."""
    if len(head) < 4:
        raise InputError.one(file, "line 1 must be: scenario name, description, number of actors, "
                                   "number of dimensions", line=ln1, value=",".join(head))
    n_act = _number(head[2], file, ln1, "number of actors", "an integer")
    n_dim = _number(head[3], file, ln1, "number of dimensions", "an integer")
    if n_act != int(n_act) or n_act < 1 or n_dim != int(n_dim) or n_dim < 1:
        raise InputError.one(file, "numbers of actors and dimensions must be positive integers", line=ln1,
                             value=f"{head[2]}, {head[3]}")
    return int(n_act), int(n_dim)


def _check_caps(ln1: int, N: int, K: int, file: str) -> None:
    """Refuse more actors, dimensions or stances than the caps of :mod:`~detente.scenario.limits`."""
    for key, n in (("actors", N), ("issues", K), ("stances", N * K)):
        msg = count_problem(key, n)
        if msg:
            raise InputError.one(file, f"line 1 says {msg}", line=ln1)


def read_ktab_csv_text(text: str, file: str) -> Scenario:
    """Parse KTAB SMP CSV text (see module docstring)."""
    text = text.lstrip("\ufeff")
    _refuse_over_caps(text, file)
    numbered = _records(text, file)
    if len(numbered) < 2:
        raise InputError.one(file, "a KTAB CSV needs a scenario line, a header line and actor lines", line=1)
    ln1, head = numbered[0]
    N, K = _declared_counts(ln1, head, file)
    _check_caps(ln1, N, K, file)
    ln2, hdr = numbered[1]
    if len(hdr) != 3 + 2 * K:
        raise InputError.one(file, f"line 1 says {K} dimension(s), so the header needs {3 + 2 * K} columns "
                                   f"(Actor, Description, capability, then position and salience per "
                                   f"dimension); found {len(hdr)}", line=ln2, value=",".join(hdr))
    body = numbered[2:]
    if len(body) != N:
        raise InputError.one(file, f"line 1 says {N} actors but the file has {len(body)} actor lines",
                             line=ln1, field="number of actors", value=head[2])
    actors: list[_Actor] = []
    found = Problems(file)  # every actor line's problems, reported together
    for ln, r in body:
        if len(r) != 3 + 2 * K:
            found.add(f"expected {3 + 2 * K} columns, found {len(r)}", line=ln, value=",".join(r))
            continue
        cap = found.attempt(_number, r[2], file, ln, hdr[2])
        pos, sal = _numbers(r, 3, file, ln, hdr, found), _numbers(r, 4, file, ln, hdr, found)
        a = _Actor(r[0], r[1], cap, pos, sal, ln)
        _check_actor(a, hdr, found)
        actors.append(a)
    dims = [hdr[3 + 2 * k] for k in range(K)]
    return _build(file, head[0], head[1], dims, actors, sal_headers=[hdr[4 + 2 * k] for k in range(K)],
                  found=found)


def read_csv(path: Path, text: str) -> Scenario:
    return read_ktab_csv_text(text, str(path))


def ktab_csv_losses(s: Scenario) -> list[str]:
    """What of ``s`` a KTAB CSV does not keep (:func:`write_ktab_csv` writes actors, capabilities,
    positions and saliences only), in words: a conversion must say what it dropped.

    >>> from detente.scenario.model import Scenario
    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "group": "g"}],
    ...     "issues": [{"id": "x", "name": "Tax", "status_quo": 3, "scale": {"min": 0, "max": 10}}],
    ...     "stances": [{"actor": "A", "issue": "x", "position": 2}]})
    >>> ktab_csv_losses(s)
    ['the status quo of 1 issue', 'the issue ids (KTAB names an issue by its label)', "the issues' scales (positions are written on 0-100)", 'the group of 1 actor']
    """
    def some(n: int, what: str, of: str) -> list[str]:
        return [f"{what} of {n} {of}{'s' if n > 1 else ''}"] if n else []

    out = []
    for name, what in (("status_quo", "the status quo"), ("outcome", "the recorded outcome"),
                       ("anchors", "the anchor labels"), ("description", "the description")):
        out += some(sum(1 for i in s.issues if getattr(i, name)), what, "issue")
    if _unique_ids([i.label for i in s.issues]) != [i.id for i in s.issues]:  # what reading it back gives
        out.append("the issue ids (KTAB names an issue by its label)")
    if any((i.scale.min, i.scale.max) != (0, 100) for i in s.issues):
        out.append("the issues' scales (positions are written on 0-100)")
    out += some(sum(1 for a in s.actors if a.group), "the group", "actor")
    out += some(sum(1 for a in s.actors if a.name and a.description), "the name (its description is kept)", "actor")
    n = sum(len(x.evidence) for x in [*s.actors, *s.issues, *s.stances])
    if n:
        out.append(f"the evidence ({n} item{'s' if n > 1 else ''})")
    if s.sources:
        out.append("the sources")
    if s.war:
        out.append("the war block")
    if s.model_options:
        out.append("the model options")
    if s.analyst or s.analysts:
        out.append("the analysts")
    return out


def write_ktab_csv(s: Scenario) -> str:
    """Scenario -> KTAB SMP CSV (positions on 0-100, saliences x 100); refuses what KTAB cannot hold."""
    problems: list[str] = []
    ranges: list[str] = []  # one summary line for all of them: the flagship has 91

    def num(v: Any, where: str) -> float:
        if is_uncertain(v):
            shown = _serialise(v)
            text = ", ".join(f"{k} {x:g}" for k, x in shown.items()) if isinstance(shown, dict) and all(
                isinstance(x, (int, float)) for x in shown.values()) else "a mixture"
            ranges.append(f"{where} ({text})")
        return point(v)

    for a in s.actors:
        if "," in a.id or len(a.id) > MAX_NAME:
            problems.append(f"actor {a.id!r}: KTAB names have 1-{MAX_NAME} characters and no commas")
    stance = {(st.actor, st.issue): st for st in s.stances}
    header = ["Actor", "Description", "Power"]
    sal_h = s.meta.get("ktab_salience_headers")
    for k, iss in enumerate(s.issues):
        header.append(iss.label)
        header.append(sal_h[k] if isinstance(sal_h, list) and len(sal_h) == len(s.issues) else f"{iss.label} Salience")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([s.name, s.description or "", len(s.actors), len(s.issues)])
    w.writerow(header)
    for a in s.actors:
        cap = num(a.capability, f"actor {a.id!r} capability")
        if cap <= 0:
            problems.append(f"actor {a.id!r}: KTAB needs a positive capability (got {cap:g})")
        row: list[Any] = [a.id, (a.description or a.name or "").replace(",", ";"), _fmt(cap)]
        total = 0.0
        for iss in s.issues:
            st = stance.get((a.id, iss.id))
            lo, hi = iss.scale.min, iss.scale.max
            if st is None:
                pos, sal = 50.0, 0.0
            else:
                if st.capability is not None:
                    problems.append(f"actor {a.id!r} issue {iss.id!r}: KTAB has one capability per actor, "
                                    f"not per stance")
                pos = (num(st.position, f"actor {a.id!r} issue {iss.id!r} position") - lo) / (hi - lo) * 100
                sal = num(st.salience, f"actor {a.id!r} issue {iss.id!r} salience") * 100
            total += sal
            row += [_fmt(pos), _fmt(sal)]
        if total > 100 * (1 + 1e-9):
            problems.append(f"actor {a.id!r}: saliences add up to {total:g} > 100 on KTAB's scale")
        w.writerow(row)
    if ranges:
        shown = "; ".join(ranges[:3]) + (f"; and {len(ranges) - 3} more" if len(ranges) > 3 else "")
        problems.insert(0, f"KTAB CSV holds point values only, and {len(ranges)} number"
                           f"{'s are ranges or mixtures' if len(ranges) > 1 else ' is a range or mixture'}: "
                           f"fix {'them' if len(ranges) > 1 else 'it'} to numbers first, or write YAML or JSON "
                           f"({shown})")
    if problems:
        raise InputError(None, [Problem(p) for p in problems])
    return out.getvalue()


def _fmt(v: float) -> str:
    return f"{v:.10g}"


# --------------------------------------------------------------------------------------------
# XML


@dataclass
class _El:
    tag: str
    line: int
    text: str = ""
    children: list["_El"] = field(default_factory=list)

    def find(self, tag: str) -> "_El | None":
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list["_El"]:
        return [c for c in self.children if c.tag == tag]


def _parse_xml(text: str, file: str) -> _El:
    """The element tree with line numbers, through defusedxml's hardened expat: a DTD, entity
    declarations and external references are refused (never resolved), each with a clear error."""
    import xml.sax

    import xml.sax.xmlreader

    import defusedxml
    from defusedxml.expatreader import DefusedExpatParser

    stack: list[_El] = []
    root: list[_El] = []

    class Handler(xml.sax.ContentHandler):
        def setDocumentLocator(self, locator: Any) -> None:  # noqa: N802  (SAX's name)
            self.locator = locator

        def startElement(self, tag: str, attrs: Any) -> None:  # noqa: N802
            el = _El(tag.split(":")[-1], self.locator.getLineNumber())
            if stack:
                stack[-1].children.append(el)
            else:
                root.append(el)
            stack.append(el)

        def endElement(self, tag: str) -> None:  # noqa: N802
            stack.pop()

        def characters(self, data: str) -> None:
            if stack:
                stack[-1].text += data

    handler = Handler()
    try:
        parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.setContentHandler(handler)
        source = xml.sax.xmlreader.InputSource(file)
        source.setCharacterStream(io.StringIO(text.lstrip("\ufeff")))  # text, as decoded by read_text
        parser.parse(source)
    except xml.sax.SAXParseException as e:
        msg = e.getMessage()
        raise InputError.one(file, f"XML syntax error: {msg}", line=e.getLineNumber()) from None
    except defusedxml.DTDForbidden:
        raise InputError.one(file, "refused: the file has a DTD (<!DOCTYPE ...>); KTAB XML needs none, and "
                                   "detente never reads DTDs, entities or external resources",
                             line=_line_containing(text, "<!DOCTYPE")) from None
    except defusedxml.EntitiesForbidden as e:
        raise InputError.one(file, f"refused: the file declares the entity {e.name!r}; detente never expands "
                                   "XML entities", line=_line_containing(text, "<!ENTITY")) from None
    except defusedxml.ExternalReferenceForbidden as e:
        raise InputError.one(file, "refused: the file refers to an external resource "
                                   f"{e.sysid or e.pubid!r}; detente never fetches one") from None
    if not root:
        raise InputError.one(file, "no XML element found", line=1)
    return root[0]


def _line_containing(text: str, needle: str) -> int | None:
    k = text.find(needle)
    return text.count("\n", 0, k) + 1 if k >= 0 else None


def sniff_xml(text: str) -> bool:
    """The root element is ``<Scenario>`` and the file has SMP ``<Dimensions>``."""
    if "<Dimensions" not in text:
        return False
    m = re.search(r"<([A-Za-z_][\w.:-]*)[\s>/]", re.sub(r"<[?!][^>]*>", "", text[:4000]))
    return bool(m) and m.group(1).split(":")[-1] == "Scenario"


def _need(parent: _El, tag: str, file: str, where: str) -> _El:
    el = parent.find(tag)
    if el is None:
        raise InputError.one(file, f"missing required element <{tag}> in {where}", line=parent.line)
    return el


def read_xml(path: Path, text: str) -> Scenario:
    file = str(path)
    root = _parse_xml(text, file)
    if root.tag != "Scenario":
        raise InputError.one(file, f"not an SMP scenario: the root element is <{root.tag}>, KTAB's SMP XML "
                                   f"has <Scenario>", line=root.line)
    name = (root.find("name").text.strip() if root.find("name") is not None else "")
    desc = (root.find("desc").text.strip() if root.find("desc") is not None else "")
    meta: dict[str, Any] = {}
    seed = root.find("prngSeed")
    if seed is not None and seed.text.strip():
        t = seed.text.strip()
        meta["ktab_seed"] = int(t) if t.isdigit() else t

    options: dict[str, Any] = {}
    found = Problems(file)  # the problems of every element that can be read on its own, reported together
    mp = root.find("ModelParameters")
    if mp is not None:
        for el in mp.children:
            if el.tag not in PARAMETERS:
                found.add(f"unknown model parameter <{el.tag}>; known: {', '.join(PARAMETERS)}", line=el.line)
                continue
            key, allowed = PARAMETERS[el.tag]
            v = el.text.strip()
            v = {"Prop": "Proportional", "None": "No"}.get(v, v)
            if v not in allowed:
                found.add(f"must be one of {', '.join(allowed)}", line=el.line, field=el.tag, value=v)
                continue
            options[key] = v

    if root.find("Dimensions") is None and root.find("Items") is not None:
        raise InputError.one(file, "not an SMP scenario: this is KTAB's reform-priorities (RP) input "
                                   "(<Items>, no <Dimensions>)", line=root.line)
    dims_el = _need(root, "Dimensions", file, "<Scenario>")
    dims = [d.text.strip() for d in dims_el.all("dName")]
    if not dims:
        raise InputError.one(file, "<Dimensions> lists no <dName>", line=dims_el.line)
    for d in dims_el.all("dName"):
        if not d.text.strip():
            found.add("blank dimension name <dName>", line=d.line)
    K = len(dims)
    actors_el = _need(root, "Actors", file, "<Scenario>")
    actors: list[_Actor] = []
    cols = ["name", "description", "capability"] + [t for _ in range(K) for t in ("dCoord", "dSal")]
    for a_el in actors_el.all("Actor"):
        a = found.attempt(_xml_actor, a_el, K, file, found)
        if a is not None:
            _check_actor(a, cols, found)
            actors.append(a)
    if not actors and not found:
        raise InputError.one(file, "<Actors> lists no <Actor>", line=actors_el.line)

    ia = root.find("IdealAdjustment")
    if ia is not None:
        names = {a.name for a in actors}
        acc: list[list[Any]] = []
        matrix: dict[tuple[str, str], tuple[float, int]] = {}
        for pair in ia.all("iaPair"):
            who = _need(pair, "adjustingIdeal", file, "<iaPair>").text.strip()
            ref = _need(pair, "referencePos", file, "<iaPair>").text.strip()
            adj_el = _need(pair, "adjust", file, "<iaPair>")
            adj = found.attempt(_number, adj_el.text.strip(), file, adj_el.line, "adjust")
            unknown = [nm for nm in (who, ref) if nm not in names]
            for nm in unknown:
                found.add("unknown actor in <iaPair>", line=pair.line, value=nm)
            if adj is not None and not 0 <= adj <= 1:
                found.add("adjust must be in [0, 1]", line=adj_el.line, field="adjust", value=adj)
                continue
            if adj is None or unknown:
                continue
            acc.append([who, ref, adj])
            matrix[(who, ref)] = (adj, pair.line)
        for a in actors:  # A starts as identity; listed pairs overwrite
            row = {ref: v for (who, ref), (v, _) in matrix.items() if who == a.name}
            total = sum(row.values()) + (0.0 if a.name in row else 1.0)
            if total > 1 + 1e-9:
                line = max(ln for (who, _), (_, ln) in matrix.items() if who == a.name)
                found.add(f"ideal adjustments of actor {a.name!r} add up to {total:g} > 1 (the diagonal entry "
                          f"stays 1 unless listed; KTAB aborts: 'si is not within expected limit of 1.0')",
                          line=line, field="IdealAdjustment", value=total)
        if acc:
            options["accommodation"] = acc
    return _build(file, name, desc, dims, actors, options=options, meta=meta, found=found)


def _xml_actor(a_el: _El, K: int, file: str, found: Problems) -> _Actor:
    """One ``<Actor>``: its numbers' problems are kept in ``found`` (``None`` in their place); a
    missing element or a wrong count of dimensions is raised (the caller keeps it and goes on)."""
    nm = _need(a_el, "name", file, "<Actor>").text.strip()
    dsc_el = a_el.find("description")
    cap_el = _need(a_el, "capability", file, f"<Actor> {nm!r}")
    cap = found.attempt(_number, cap_el.text.strip(), file, cap_el.line, "capability")
    vals: dict[str, list[float | None]] = {}
    for block, item in (("Position", "dCoord"), ("Salience", "dSal")):
        b = _need(a_el, block, file, f"<Actor> {nm!r}")
        items = b.all(item)
        if len(items) != K:
            raise InputError.one(file, f"<{block}> of actor {nm!r} has {len(items)} <{item}>, expected {K} "
                                       f"(one per dimension)", line=b.line)
        vals[block] = []
        for it in items:
            if not it.text.strip():
                found.add(f"blank <{item}> in actor {nm!r}", line=it.line, field=item)
                vals[block].append(None)
            else:
                vals[block].append(found.attempt(_number, it.text.strip(), file, it.line, item))
    return _Actor(nm, dsc_el.text.strip() if dsc_el is not None else "", cap, vals["Position"],
                  vals["Salience"], a_el.line)


register_reader(Format("ktab-csv", (".csv",), sniff_csv, read_csv, write_ktab_csv, "KTAB SMP CSV"))
register_reader(Format("ktab-xml", (".xml",), sniff_xml, read_xml, None, "KTAB SMP XML"))
