"""The sealed forecast ledger: append-only, hash-chained forecasts and their resolutions.

Every entry of the ledger is a JSON payload in one table, ``ledger_entries``, chained by SHA-256:

* a **seal** records one forecast of one question (one issue of a scenario): the scenario's
  canonical JSON and its SHA-256, model, variant, options, seed, draws, detente version, the point
  forecast, the forecast distribution as quantiles (1..99 %), the 80 % interval used for scoring
  and where it comes from, the question, the criterion that maps the real outcome onto the
  issue's scale, the resolves-by date, the analyst and the time it was sealed (UTC);
* a **grade** records the outcome of a sealed record, with its source.

Each payload holds ``seq`` (1, 2, ...) and ``prev_hash`` (the hash of the entry before it, 64
zeros for the first), and the entry's ``hash`` is the SHA-256 of the payload's canonical JSON.
A change to any stored entry breaks its own hash or the link of the one after it; removing an
entry leaves a gap. The chain is tamper-evident, not tamper-proof: someone who may write the
database can rewrite every entry from the change to the end. Publish the head hash
(:meth:`Ledger.head`) to pin the chain up to there.

The store itself refuses edits: there is no update or delete path here, and triggers created with
the table refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL); every open creates any of them
that is missing. A unique ``prev_hash`` keeps the
chain linear when two writers append at once (the second retries once on top of the first).

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 60}]})
>>> ledger = Ledger("sqlite://")
>>> e = ledger.seal(s, run(s, "mean"), question="Where does x land?", criterion="the agreed value",
...                 resolves_by="2027-06-30")
>>> e.seq, e.payload["forecast"], e.payload["interval_source"]
(1, 40.0, 'calibrated')
>>> g = ledger.grade(1, outcome=45, source="the signed text")
>>> g.payload["record_hash"] == e.hash, ledger.verify().ok
(True, True)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from sqlalchemy import (
    DDL,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from detente.errors import InputError
from detente.store.db import INT_MAX, Store, StoreError, create_tables

if TYPE_CHECKING:
    from detente.result import Result
    from detente.scenario.model import Scenario

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

LEVELS: tuple[float, ...] = tuple(k / 100 for k in range(1, 100))
"""Quantile levels of a sealed forecast distribution: 1 %, 2 %, ..., 99 %."""


class LedgerError(StoreError):
    """A ledger request that cannot be honoured: unknown record, second grade... (exit code 2)."""


# --------------------------------------------------------------------------------------------
# schema

METADATA = MetaData()

ENTRIES = Table(
    "ledger_entries",
    METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(10), nullable=False),
    # a grade: the seq of the sealed record it resolves (unique: a record is graded once)
    Column("record", Integer, ForeignKey("ledger_entries.seq", ondelete="RESTRICT"), nullable=True,
           unique=True),
    Column("prev_hash", String(64), nullable=False, unique=True),  # one successor per entry: a linear chain
    Column("hash", String(64), nullable=False, unique=True),
    Column("payload", Text, nullable=False),  # canonical JSON; hash = SHA-256 of exactly this text
)

_REFUSED = "the forecast ledger is append-only"
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION detente_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{_REFUSED}: ' || TG_OP || ' refused on ' || TG_TABLE_NAME; "
    "END $$")
TRIGGERS: dict[str, list[tuple[str, str]]] = {
    "sqlite": [(f"ledger_entries_no_{op.lower()}",
                f"CREATE TRIGGER ledger_entries_no_{op.lower()} BEFORE {op} ON ledger_entries "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}: {op} refused'); END") for op in ("UPDATE", "DELETE")],
    "postgresql": [
        ("ledger_entries_no_update_delete", "CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE "
         "ON ledger_entries FOR EACH ROW EXECUTE FUNCTION detente_ledger_append_only()"),
        ("ledger_entries_no_truncate", "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
         "FOR EACH STATEMENT EXECUTE FUNCTION detente_ledger_append_only()"),
    ],
}
"""The append-only triggers per dialect: (name, DDL). Created with the table, and on every open any
that is missing (e.g. a process killed between SQLite's CREATE TABLE and CREATE TRIGGER, which are
not one transaction there) is created again: :func:`ensure_triggers`."""

event.listen(ENTRIES, "after_create", DDL(_PG_FUNCTION).execute_if(dialect="postgresql"))
for _dialect, _triggers in TRIGGERS.items():
    for _name, _ddl in _triggers:
        event.listen(ENTRIES, "after_create", DDL(_ddl).execute_if(dialect=_dialect))


def missing_triggers(conn: Connection) -> list[tuple[str, str]]:
    """The append-only triggers of ``ledger_entries`` that are not in the database: (name, DDL)."""
    triggers = TRIGGERS.get(conn.dialect.name, [])
    if not triggers:
        return []
    if conn.dialect.name == "sqlite":
        have = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'ledger_entries'").scalars())
    else:
        have = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                                        "AND tgrelid = to_regclass('ledger_entries')").scalars())
    return [(name, ddl) for name, ddl in triggers if name not in have]


def ensure_triggers(conn: Connection) -> list[str]:
    """Create the append-only triggers of ``ledger_entries`` that are missing; returns their names."""
    missing = missing_triggers(conn)
    if missing and conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
    for _, ddl in missing:  # SQLite: IF NOT EXISTS, as another process may be repairing them at once
        conn.exec_driver_sql(ddl.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS")
                             if conn.dialect.name == "sqlite" else ddl)
    return [name for name, _ in missing]


# --------------------------------------------------------------------------------------------
# payloads


def canonical(payload: dict[str, Any]) -> str:
    """The canonical JSON of a payload: sorted keys, no spaces, UTF-8, no NaN.

    >>> canonical({"b": 1.5, "a": [1, "é"]})
    '{"a":[1,"é"],"b":1.5}'
    """
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One stored entry: its place in the chain, its hash and its payload."""

    seq: int
    kind: str
    hash: str
    prev_hash: str
    payload: dict[str, Any]
    text: str = field(repr=False, default="")
    record: int | None = field(repr=False, default=None)  # the stored column: the seal a grade resolves


def sealed_forecasts(result: Result, issues: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """What a seal stores of a result, per issue: point forecast, quantiles at :data:`LEVELS` and the
    80 % interval used for scoring, with where each comes from.

    The distribution is the calibrated predictive distribution of :mod:`detente.calibration`
    (input draws combined with the model's error on DEU III) when the model has a calibration, else
    the spread of the forecast over the draws (a point with one draw). The interval is the result's
    calibrated ``interval``, else the input band (p10-p90 of the draws), else the point itself.
    """
    import numpy as np

    from detente import calibration as cb
    from detente.quantiles import nanquantile

    wanted = list(result.issue_ids if issues is None else issues)
    cols = [result.issue_ids.index(i) for i in wanted]
    draws = np.asarray(result.trajectory.forecast, dtype=float)
    cal = result.stored_calibration()
    if cal is not None:
        source = "calibrated predictive distribution (draws x DEU III model error)"
        members = cb.predictive_members(cal, draws, result.features)
    else:
        source = "forecast over the draws"
        members = draws
    qs = nanquantile(members[:, cols], LEVELS, axis=0)  # (levels, issues)
    point = result.forecast
    interval, band = result.interval, result.input_band
    out: dict[str, dict[str, Any]] = {}
    for j, issue in enumerate(wanted):
        f = point[issue]
        if interval is not None:
            iv, iv_source = interval[issue], "calibrated"
        elif band is not None:
            iv, iv_source = band[issue], "input band"
        else:
            iv, iv_source = [f, f], "point"
        values = [float(v) for v in qs[:, j]]
        if not all(math.isfinite(v) for v in [f, *values, *iv]):
            raise LedgerError(f"model {result.model!r} gives no forecast for issue {issue!r} "
                              "(no actor has a stance on it?): nothing to seal")
        out[issue] = {"forecast": float(f), "quantile_levels": list(LEVELS), "quantiles": values,
                      "distribution": source, "interval": [float(iv[0]), float(iv[1])],
                      "interval_source": iv_source}
    return out


def seal_payload(scenario: Scenario, result: Result, *, issue: str | None, question: str, criterion: str,
                 resolves_by: str | _dt.date | None, analyst: str | None = None,
                 sealed_at: _dt.datetime | None = None, forecast: dict[str, Any] | None = None,
                 meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload of a seal (without ``seq`` and ``prev_hash``, added when it is appended).

    ``forecast`` is :func:`sealed_forecasts` of the result for this issue (computed when not given).
    ``analyst`` defaults to the scenario's own ``analyst`` field when it has one."""
    from detente.scenario.arrays import scenario_hash

    issue = pick_issue(scenario, issue)
    check_question(question, criterion)
    sha = scenario_hash(scenario)
    if sha != result.input_sha256:
        raise LedgerError(f"the result was computed on another scenario (input {result.input_sha256[:12]}, "
                          f"scenario {sha[:12]})")
    sc = scenario.issue(issue).scale
    fc = forecast if forecast is not None else sealed_forecasts(result, [issue])[issue]
    when = (sealed_at or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    return {
        "kind": "seal",
        "scenario": scenario.model_dump(mode="json", exclude={"meta"}),
        "scenario_sha256": sha,
        "scenario_name": scenario.name,
        "model": result.model,
        "variant": result.variant,
        "options": result.options,
        "seed": int(result.seed),
        "draws": int(result.draws),
        "version": result.version,
        "issue": issue,
        "scale": [float(sc.min), float(sc.max)],
        **fc,
        "question": question.strip(),
        "criterion": criterion.strip(),
        "resolves_by": None if resolves_by is None else parse_date(resolves_by),
        "analyst": analyst if analyst is not None else scenario_analyst(scenario),
        "sealed_at": when.isoformat(timespec="seconds"),
        **({"meta": meta} if meta else {}),
    }


def check_question(question: str, criterion: str) -> None:
    """Refuse an empty question or criterion (:class:`InputError` naming the flag)."""
    if not question or not question.strip():
        raise InputError.one(None, "give the question this forecast answers", field="--question", value=question)
    if not criterion or not criterion.strip():
        raise InputError.one(None, "give the criterion: how the real outcome maps onto the issue's scale and "
                             "which sources decide", field="--criterion", value=criterion)


def scenario_analyst(scenario: Any) -> str | None:
    """The scenario's own analyst, when its format has one (``analyst: NAME``)."""
    a = getattr(scenario, "analyst", None)
    if a is None or isinstance(a, str):
        return a or None
    return str(getattr(a, "name", None) or getattr(a, "id", None) or a)


def pick_issue(scenario: Scenario, issue: str | None) -> str:
    """The issue a seal forecasts: the one given, or the only one; several need ``--issue``."""
    ids = scenario.issue_ids
    if issue is None:
        if len(ids) == 1:
            return ids[0]
        raise InputError.one(scenario.meta.get("file"), f"the scenario has {len(ids)} issues "
                             f"({', '.join(ids)}); one record forecasts one issue: choose it with --issue",
                             field="--issue")
    if issue not in ids:
        raise InputError.one(scenario.meta.get("file"), f"no such issue; the scenario's issues: {', '.join(ids)}",
                             field="--issue", value=issue)
    return issue


def parse_date(value: str | _dt.date) -> str:
    """An ISO date ``YYYY-MM-DD`` (checked), as text.

    >>> parse_date("2027-02-28")
    '2027-02-28'
    """
    if isinstance(value, _dt.date):
        return value.isoformat()
    try:
        return _dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InputError.one(None, "expected a date YYYY-MM-DD", field="--resolves-by", value=value) from None


# --------------------------------------------------------------------------------------------
# the ledger


@dataclass(frozen=True)
class InBatch:
    """The ``index``-th item of the same :meth:`Ledger.append` batch (a seal whose seq is not known yet)."""

    index: int


@dataclass
class Grade:
    """A resolution to append: the record (seq, ``#seq``, a hash prefix or :class:`InBatch`), outcome, source."""

    record: int | str | InBatch
    outcome: float
    source: str
    graded_at: _dt.datetime | None = None


@dataclass
class Check:
    """What :meth:`Ledger.verify` found about one entry."""

    seq: int
    kind: str
    problems: list[str] = field(default_factory=list)
    rerun: str | None = None  # "reproduced" / "not reproduced" / None (not re-run)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Verification:
    """The outcome of :meth:`Ledger.verify`: ``ok`` when every check passed."""

    n_entries: int
    head: str | None
    checks: list[Check]
    reruns: int = 0
    chain_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # facts that do not fail the check (missing triggers)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.chain_problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.n_entries, "head_hash": self.head, "reruns": self.reruns,
                "reproduced": sum(c.rerun == "reproduced" for c in self.checks),
                "chain_problems": self.chain_problems, "warnings": self.warnings,
                "failures": [{"seq": c.seq, "kind": c.kind, "problems": c.problems} for c in self.failures]}


class Ledger:
    """The forecast ledger in a run store (a :class:`~detente.store.db.Store` or its URL)."""

    # Called at stages of an append ("head", "inserted", "commit", "committed"): tests kill the process there,
    # or append from another connection to force a conflict.
    _hook: Callable[[str], None] | None = None

    def __init__(self, store: Store | str | None = None, *, existing: bool = False) -> None:
        """``existing``: as in :class:`~detente.store.db.Store` (the store must be there already)."""
        self.store = store if isinstance(store, Store) else Store(store, existing=existing)
        self.shown_url = self.store.shown_url
        try:
            create_tables(METADATA, self.store.engine)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot open the ledger in {self.shown_url!r}: {self.store._why(e)}") from None
        self.missing_triggers: list[str] = []  # append-only triggers absent and not creatable (read-only store)
        try:
            with self.store.engine.begin() as conn:
                ensure_triggers(conn)
        except SQLAlchemyError:  # a read-only copy (an auditor's) can still be read and verified
            with self.store.engine.connect() as conn:
                self.missing_triggers = [name for name, _ in missing_triggers(conn)]

    def __repr__(self) -> str:
        return f"Ledger({self.shown_url!r})"

    # -- appending ---------------------------------------------------------------------------
    def seal(self, scenario: Scenario, result: Result, *, issue: str | None = None, question: str,
             criterion: str, resolves_by: str | _dt.date | None, analyst: str | None = None,
             meta: dict[str, Any] | None = None) -> Entry:
        """Append one sealed forecast of ``issue`` (the only issue when there is one)."""
        payload = seal_payload(scenario, result, issue=issue, question=question, criterion=criterion,
                               resolves_by=resolves_by, analyst=analyst, meta=meta)
        return self.append([payload])[0]

    def grade(self, record: int | str, *, outcome: float, source: str,
              graded_at: _dt.datetime | None = None) -> Entry:
        """Append the resolution of a sealed record (refused when unknown, graded, or off the scale)."""
        return self.append([Grade(record, outcome, source, graded_at)])[0]

    def append(self, items: Sequence[dict[str, Any] | Grade]) -> list[Entry]:
        """Append seal payloads (:func:`seal_payload`) and :class:`Grade` requests in ONE transaction,
        in order: all are stored or none is. A grade may resolve a seal earlier in the same batch."""
        for attempt in (1, 2):
            try:
                with self.store.engine.begin() as conn:
                    made = self._append(conn, items)
                _call_hook("committed")
                return made
            except IntegrityError as e:  # another writer appended first (or graded the same record)
                if attempt == 2:
                    raise LedgerError(f"cannot append to the ledger in {self.shown_url!r}: another writer "
                                      f"appended at the same moment, twice; try again ({_reason(e)})") from None
            except SQLAlchemyError as e:
                raise StoreError(f"cannot write to the ledger in {self.shown_url!r}: "
                                 f"{self.store._why(e)}") from None
        raise AssertionError("unreachable")

    def _append(self, conn: Connection, items: Sequence[dict[str, Any] | Grade]) -> list[Entry]:
        head = conn.execute(select(ENTRIES.c.seq, ENTRIES.c.hash).order_by(ENTRIES.c.seq.desc()).limit(1)).first()
        seq, prev = (int(head[0]), head[1]) if head else (0, GENESIS)
        _call_hook("head")
        made: list[Entry] = []
        for item in items:
            if isinstance(item, Grade):
                payload = self._grade_payload(conn, item, made)
            else:
                payload = dict(item)
            seq += 1
            payload["seq"], payload["prev_hash"] = seq, prev
            text = canonical(payload)
            h = sha256(text)
            conn.execute(insert(ENTRIES).values(seq=seq, kind=payload["kind"], record=payload.get("record"),
                                                prev_hash=prev, hash=h, payload=text))
            made.append(Entry(seq, payload["kind"], h, prev, payload, text, payload.get("record")))
            _call_hook("inserted")
            prev = h
        _call_hook("commit")
        return made

    def _grade_payload(self, conn: Connection, g: Grade, batch: list[Entry]) -> dict[str, Any]:
        in_batch = {e.seq: e for e in batch}
        if isinstance(g.record, InBatch):
            seq = batch[g.record.index].seq
        else:
            seq = self._resolve(conn, g.record, batch)
        rec = in_batch.get(seq) or self._load(conn, [seq])[0]
        if rec.kind != "seal":
            raise LedgerError(f"entry {seq} is a grade, not a sealed record; grade the record it resolves "
                              f"({rec.payload.get('record')})")
        graded = conn.execute(select(ENTRIES.c.seq).where(ENTRIES.c.record == seq)).first()
        if graded is not None or any(e.payload.get("record") == seq for e in batch):
            by = graded[0] if graded is not None else "this batch"
            raise LedgerError(f"record {seq} is already graded (entry {by}); a record is graded once and "
                              "never edited")
        try:
            y = float(g.outcome)
        except (TypeError, ValueError):
            raise InputError.one(None, "expected a number", field="--outcome", value=g.outcome) from None
        lo, hi = rec.payload["scale"]
        if not (math.isfinite(y) and lo <= y <= hi):
            raise InputError.one(None, f"off the scale [{_g(lo)}, {_g(hi)}] of issue {rec.payload['issue']!r} "
                                 f"of record {seq}", field="--outcome", value=g.outcome)
        if not g.source or not str(g.source).strip():
            raise InputError.one(None, "give the source of the outcome", field="--source", value=g.source)
        when = (g.graded_at or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
        return {"kind": "grade", "record": seq, "record_hash": rec.hash, "outcome": y,
                "source": str(g.source).strip(), "graded_at": when.isoformat(timespec="seconds")}

    # -- reading -----------------------------------------------------------------------------
    def head(self) -> Entry | None:
        """The last entry (its hash pins the whole chain: publish it), or ``None`` when empty."""
        with self.store._read() as conn:
            row = conn.execute(select(ENTRIES).order_by(ENTRIES.c.seq.desc()).limit(1)).mappings().first()
        return None if row is None else _entry(row)

    def entries(self) -> list[Entry]:
        """Every entry, in chain order (payloads that are not JSON any more come back empty)."""
        with self.store._read() as conn:
            rows = conn.execute(select(ENTRIES).order_by(ENTRIES.c.seq)).mappings().all()
        return [_entry(r) for r in rows]

    def get(self, record: int | str) -> Entry:
        """One entry by seq, ``#seq`` or hash prefix (at least 6 hex digits)."""
        with self.store._read() as conn:
            return self._load(conn, [self._resolve(conn, record, [])])[0]

    def _resolve(self, conn: Connection, record: int | str, batch: Sequence[Entry]) -> int:
        text = str(record).strip().lstrip("#")
        number, prefix = re.fullmatch(r"\d{1,12}", text), re.fullmatch(r"[0-9a-fA-F]{6,64}", text)
        if not number and not prefix:
            raise LedgerError(f"not a record: {record!r} (give its number, e.g. 3, or a hash prefix)")
        if number and int(text) <= INT_MAX:  # a larger number is no seq (PostgreSQL refuses to compare it)
            seq = int(text)
            if any(e.seq == seq for e in batch) or conn.execute(
                    select(ENTRIES.c.seq).where(ENTRIES.c.seq == seq)).first() is not None:
                return seq
        if prefix:  # also a prefix of digits only (no entry has that number): 123456 is a hex prefix too
            low = text.lower()
            hits = [e.seq for e in batch if e.hash.startswith(low)]
            hits += [int(s) for s in conn.execute(select(ENTRIES.c.seq).where(
                ENTRIES.c.hash.startswith(low, autoescape=True))).scalars()]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise LedgerError(f"hash prefix {text!r} matches {len(hits)} entries; give more digits")
        raise LedgerError(f"no record {text} in the ledger in {self.shown_url!r} (see `detente ledger`)")

    def _load(self, conn: Connection, seqs: Iterable[int]) -> list[Entry]:
        rows = conn.execute(select(ENTRIES).where(ENTRIES.c.seq.in_(list(seqs)))).mappings().all()
        return [_entry(r) for r in rows]

    # -- verifying ---------------------------------------------------------------------------
    def verify(self, record: int | str | None = None, *, rerun: bool = True,
               expect_head: str | None = None) -> Verification:
        """Check every hash and link of the chain, and re-run the model of every seal (or of the one
        ``record`` names) from its stored scenario: the stored forecast, quantiles and interval must
        come back bit for bit. ``expect_head``: a published hash (at least :data:`MIN_HEAD_DIGITS` hex
        digits of it) that must be in the chain."""
        from detente._version import __version__

        if expect_head is not None:
            expect_head = _published_hash(expect_head)
        entries = self.entries()
        named = None if record is None else self.get(record)
        target = None if named is None else (named.payload.get("record") if named.kind == "grade" else named.seq)
        checks: list[Check] = []
        chain: list[str] = []
        prev_hash, prev_seq, by_seq = GENESIS, 0, {}
        for e in entries:
            c = Check(e.seq, e.kind)
            checks.append(c)
            if e.seq != prev_seq + 1:
                c.problems.append(f"the chain jumps from entry {prev_seq} to entry {e.seq}: entr"
                                  f"{'y' if e.seq - prev_seq == 2 else 'ies'} {_span(prev_seq + 1, e.seq - 1)} removed")
            prev_seq = e.seq
            c.problems += _entry_problems(e, prev_hash, by_seq)
            by_seq[e.seq] = e
            prev_hash = e.hash
        if expect_head is not None and not any(e.hash.startswith(expect_head.lower()) for e in entries):
            chain.append(f"the published hash {expect_head} is not in the chain: either the ledger was rewritten "
                         "since it was published, or the hash is mistyped (compare it with the one published)")
        reruns = 0
        cache: dict[str, dict[str, dict[str, Any]]] = {}
        for c, e in zip(checks, entries):
            if not rerun or e.kind != "seal" or not e.payload or (target is not None and e.seq != target):
                continue
            reruns += 1
            why = _rerun_problems(e.payload, cache, __version__)
            c.rerun = "not reproduced" if why else "reproduced"
            c.problems += why
        warnings = [f"the append-only triggers {', '.join(self.missing_triggers)} are missing and could not be "
                    "created (a read-only store?): this store does not refuse UPDATE and DELETE"
                    ] if self.missing_triggers else []
        if not entries:  # an empty chain proves nothing: it is also what deleting the ledger leaves
            runs = self.store.count()
            held = (f"this store's {runs} recorded run{'s are' if runs != 1 else ' is'} not sealed (`detente runs "
                    "rerun ID` repeats one). " if runs else "")
            warnings.append(f"the ledger is empty: nothing to check; {held}If forecasts were sealed in this store, "
                            "their entries are gone; a head hash published earlier (--head) shows it")
        return Verification(len(entries), entries[-1].hash if entries else None, checks, reruns, chain, warnings)


def analyst_scores(store: Any) -> dict[str, dict[str, Any]]:
    """Per named analyst: ``{n, mae, crps, coverage_80}`` over the graded records
    (:func:`detente.store.ledger_scores.analyst_scores`; imports the scoring library)."""
    from detente.store.ledger_scores import analyst_scores as scores

    return scores(store)


# --------------------------------------------------------------------------------------------
# helpers


def _call_hook(stage: str) -> None:
    if Ledger._hook is not None:
        Ledger._hook(stage)


def _entry(row: Any) -> Entry:
    try:
        payload = json.loads(row["payload"])
        if not isinstance(payload, dict):
            payload = {}
    except ValueError:
        payload = {}
    return Entry(int(row["seq"]), row["kind"], row["hash"], row["prev_hash"], payload, row["payload"],
                 None if row["record"] is None else int(row["record"]))


def _entry_problems(e: Entry, prev_hash: str, earlier: dict[int, Entry]) -> list[str]:
    """What is wrong with one entry on its own and in its link to the one before."""
    out: list[str] = []
    if sha256(e.text) != e.hash:
        out.append("its payload does not match its hash: the entry was changed after it was written")
    if not e.payload:
        out.append("its payload is not a JSON object any more")
        return out
    p = e.payload
    if canonical(p) != e.text:
        out.append("its payload is not in canonical form: it was rewritten")
    if e.prev_hash != prev_hash or p.get("prev_hash") != prev_hash:
        out.append(f"its link to entry {e.seq - 1} is broken (prev_hash {str(p.get('prev_hash'))[:12]}..., "
                   f"entry {e.seq - 1} has {prev_hash[:12]}...): an entry before it was changed or removed")
    if p.get("seq") != e.seq or p.get("kind") != e.kind or p.get("record") != e.record:
        out.append(f"its stored number/kind/record ({e.seq}, {e.kind}, {e.record}) differ from its payload "
                   f"({p.get('seq')}, {p.get('kind')}, {p.get('record')})")
    if e.kind == "seal":
        from detente.scenario.arrays import dump_hash

        kept = p.get("scenario") or {}
        # the input hash of its version; records sealed before 0.2.0 hashed the dump as it was
        if p.get("scenario_sha256") not in (dump_hash(kept), sha256(canonical(kept))):
            out.append("its scenario does not match the scenario's SHA-256")
        out += _seal_shape_problems(p)
    elif e.kind == "grade":
        seq = p.get("record")
        rec = earlier.get(seq) if type(seq) is int else None
        if rec is None or rec.kind != "seal":
            out.append(f"it grades record {seq!r}, which is not a sealed record before it")
        elif p.get("record_hash") != rec.hash:
            out.append(f"it grades record {rec.seq} with hash {str(p.get('record_hash'))[:12]}..., "
                       f"but record {rec.seq} has {rec.hash[:12]}...")
        out += _grade_shape_problems(p, rec)
    else:
        out.append(f"unknown kind {e.kind!r}")
    return out


def _finite(v: Any) -> bool:
    """A JSON number: an int of any size, or a finite float (not a bool)."""
    return type(v) is int or (type(v) is float and math.isfinite(v))


def _numbers(v: Any, n: int | None = None) -> bool:
    """Whether ``v`` is a list of finite numbers (of length ``n`` when given, else at least one)."""
    return isinstance(v, list) and (len(v) == n if n is not None else len(v) > 0) and all(map(_finite, v))


def _seal_shape_problems(p: dict[str, Any]) -> list[str]:
    """What a seal's payload lacks for scoring: the fields :mod:`.ledger_scores` reads, well formed."""
    out = []
    if not isinstance(p.get("issue"), str):
        out.append(f"its issue is not a text (got {p.get('issue')!r})")
    for key in ("forecast", "seed", "draws"):
        if not _finite(p.get(key)):
            out.append(f"its {key} is not a number (got {_short(p.get(key))})")
    for key in ("scale", "interval"):
        v = p.get(key)
        if not _numbers(v, 2) or v[0] > v[1]:
            out.append(f"its {key} is not a pair of numbers low <= high (got {_short(v)})")
    levels, qs = p.get("quantile_levels"), p.get("quantiles")
    if not _numbers(levels) or not _numbers(qs, len(levels)):
        out.append(f"its quantiles are not two lists of numbers of one length (levels {_short(levels)}, "
                   f"quantiles {_short(qs)})")
    return out


def _grade_shape_problems(p: dict[str, Any], rec: Entry | None) -> list[str]:
    """A grade's outcome must be a number on the graded record's scale, with a source."""
    y = p.get("outcome")
    if not _finite(y):
        return [f"its outcome is not a number (got {_short(y)})"]
    scale = rec.payload.get("scale") if rec is not None else None
    if _numbers(scale, 2) and not scale[0] <= y <= scale[1]:
        return [f"its outcome {_g(y)} is off the scale [{_g(scale[0])}, {_g(scale[1])}] of record {rec.seq}"]
    if not isinstance(p.get("source"), str) or not p["source"].strip():
        return [f"it names no source (got {_short(p.get('source'))})"]
    return []


def _short(v: Any, n: int = 40) -> str:
    text = repr(v)
    return text if len(text) <= n else text[: n - 3] + "..."


def _rerun_problems(p: dict[str, Any], cache: dict[str, dict[str, dict[str, Any]]], installed: str) -> list[str]:
    """Re-run the seal's model on its stored scenario; what differs from the stored forecast."""
    from detente.errors import DetenteError
    from detente.runner import run
    from detente.scenario.model import Scenario

    key = canonical({k: p.get(k) for k in ("scenario_sha256", "model", "variant", "options", "seed", "draws")})
    if key not in cache:
        try:
            s = Scenario.model_validate(p["scenario"])
            res = run(s, p["model"], draws=int(p["draws"]), seed=int(p["seed"]), options=p["options"],
                      variant=p["variant"])
            cache[key] = sealed_forecasts(res)
        except (DetenteError, KeyError, TypeError, ValueError) as e:
            cache[key] = {"_error": {"message": f"{type(e).__name__}: {e}"}}
    got = cache[key]
    version = p.get("version")
    differs = "" if version == installed else (f" (sealed with detente {version}, this is detente {installed}: "
                                                f"install detente {version} to reproduce it)")
    if "_error" in got:
        return [f"the model cannot be re-run on the stored scenario: {got['_error']['message']}{differs}"]
    new = got.get(p.get("issue"))  # type: ignore[arg-type]
    if new is None:
        return [f"the re-run has no forecast for issue {p.get('issue')!r}{differs}"]
    out = []
    for k in ("forecast", "quantile_levels", "quantiles", "interval", "interval_source", "distribution"):
        if new[k] != p.get(k):
            shown = (f"{p.get(k)} sealed, {new[k]} now" if k in ("forecast", "interval", "interval_source")
                     else "the values differ")
            out.append(f"the re-run does not reproduce the sealed {k}: {shown}{differs}")
    return out


MIN_HEAD_DIGITS = 12
"""Fewest hex digits of a published head hash ``verify --head`` accepts: a shorter prefix is matched
by a rewritten chain after a few million tries (6 digits: 16^6), 12 digits needs 16^12."""


def _published_hash(text: str) -> str:
    """The published head hash (or prefix) checked by :meth:`Ledger.verify`, lower case."""
    h = str(text).strip().lower()
    if not re.fullmatch(rf"[0-9a-f]{{{MIN_HEAD_DIGITS},64}}", h):
        raise InputError.one(None, f"expected the published head hash: {MIN_HEAD_DIGITS} to 64 hex digits "
                             "(as `seal` and `ledger` print it)", field="--head", value=text)
    return h


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def _g(x: float) -> str:
    return f"{x:g}"


def _reason(e: SQLAlchemyError) -> str:
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip().splitlines()
    return text[0] if text else type(e).__name__
