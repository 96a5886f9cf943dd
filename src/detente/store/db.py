"""The run store: every recorded run, with the validated scenario it ran on, in any SQL database.

A :class:`Store` wraps a SQLAlchemy engine. The default URL is a SQLite file under the user's data
directory (``$DETENTE_DATA_DIR``, else ``$XDG_DATA_HOME``, else ``~/.local/share``, then
``detente/runs.db``); any SQLAlchemy URL works (PostgreSQL is tested against a real server).

Two tables:

* ``scenarios`` — one row per distinct validated scenario, keyed by the SHA-256 of its canonical
  JSON (the same hash as :attr:`detente.result.Result.input_sha256`);
* ``runs`` — one row per run: model, variant, options, seed, draws, version, timing, forecast,
  interval, trajectory summary and the full result record.

A run and its scenario are written in one transaction: a run killed half-way leaves nothing.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": 60}]})
>>> store = Store("sqlite://")  # in memory
>>> rid = store.save(s, run(s, "mean"))
>>> store.get(rid)["forecast"]
{'x': 40.0}
>>> [r["model"] for r in store.list_runs()]
['mean']
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from detente.csvsafe import csv_text
from detente.errors import DetenteError, output_problem
from detente.result import Result
from detente.scenario.arrays import scenario_hash
from detente.scenario.model import Scenario


class StoreError(DetenteError):
    """The run store cannot be opened or written, or a run asked for is not in it (exit code 2)."""

    exit_code = 2


# --------------------------------------------------------------------------------------------
# schema


class Base(DeclarativeBase):
    pass


class ScenarioRow(Base):
    """A validated scenario, stored once however many runs use it."""

    __tablename__ = "scenarios"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(400), index=True)
    json: Mapped[dict] = mapped_column(JSON)
    created: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    """One run of one model on one scenario."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    scenario_sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("scenarios.sha256", ondelete="RESTRICT"), index=True
    )
    scenario_name: Mapped[str] = mapped_column(String(400))
    model: Mapped[str] = mapped_column(String(100), index=True)
    variant: Mapped[str | None] = mapped_column(String(100), nullable=True)
    options: Mapped[dict] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(BigInteger)
    draws: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(50))
    elapsed_s: Mapped[float] = mapped_column(Float)
    forecast: Mapped[dict] = mapped_column(JSON)
    interval: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    trajectory: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict] = mapped_column(JSON)
    meta: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # e.g. {"sweep": {...}}
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_runs_scenario_model", "scenario_sha256", "model"),)


SCENARIOS = ScenarioRow.__table__
RUNS = RunRow.__table__

INT_MAX = 2**31 - 1
"""The largest value of an ``Integer`` column (32 bits in PostgreSQL): a larger id or seq is no
row's, and PostgreSQL refuses to compare one with such a column ("integer out of range")."""


# --------------------------------------------------------------------------------------------
# helpers


def data_dir() -> Path:
    """``$DETENTE_DATA_DIR``, else ``$XDG_DATA_HOME/detente``, else ``~/.local/share/detente``."""
    if os.environ.get("DETENTE_DATA_DIR"):
        return Path(os.environ["DETENTE_DATA_DIR"]).expanduser() / "detente"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "detente"


def default_url() -> str:
    """``sqlite:///<data dir>/detente/runs.db``."""
    return f"sqlite:///{data_dir() / 'runs.db'}"


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show it as given
        return url


def create_tables(metadata: Any, engine: Engine, tries: int = 3) -> None:
    """``metadata.create_all(engine)``, tolerating another process creating the same tables at the
    same moment: two first writers to a new store both saw no table, and the second's CREATE TABLE
    failed ("table scenarios already exists"); it is tried again, and then finds them."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    for attempt in range(tries):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError) as e:
            if "already exists" not in str(e).lower() or attempt == tries - 1:
                raise


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
"""A ``--store`` without ``://`` that ends so (or names a file there) is taken as a SQLite file."""


def plain_path_url(url: str) -> str:
    """``url`` itself, or, for a plain path to a SQLite file (``runs.db``, ``~/work/runs.sqlite``,
    or any existing file), the ``sqlite:///`` URL of that file. Other words without ``://`` are
    left alone, to be refused as URLs: ``--store banana`` makes no file called ``banana``.

    >>> plain_path_url("/tmp/team/runs.db"), plain_path_url("sqlite:///x.db"), plain_path_url("banana")
    ('sqlite:////tmp/team/runs.db', 'sqlite:///x.db', 'banana')
    """
    if "://" in url or not url.strip():
        return url
    path = Path(url).expanduser()
    if path.suffix.lower() in SQLITE_SUFFIXES or path.is_file():
        return f"sqlite:///{path.resolve()}"
    return url


def sqlite_path(url: Any) -> Path | None:
    """The file of a SQLite URL (a string or a parsed URL); ``None`` for other databases, an
    in-memory database or a ``file:PATH?...&uri=true`` URI (not a plain path).

    >>> sqlite_path("sqlite:////tmp/runs.db"), sqlite_path("sqlite://"), sqlite_path("postgresql://h/db")
    (PosixPath('/tmp/runs.db'), None, None)
    """
    parsed = make_url(url) if isinstance(url, str) else url
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") or uri:
        return None
    return Path(parsed.database).expanduser()


def _clean(v: Any) -> Any:
    """JSON-able with NaN and infinities as null (PostgreSQL's JSON has no NaN)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return _clean(v.item())
    return v


def _iso(t: Any) -> str | None:
    if t is None:
        return None
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        return t.astimezone(_dt.timezone.utc).isoformat(timespec="seconds")  # in UTC whatever the server's zone
    return str(t)


# --------------------------------------------------------------------------------------------
# the store


SQLITE_MAX_PATH = 500
"""The longest store path taken: SQLite opens paths of at most 512 bytes (SQLITE_MAX_PATHNAME), and
its journal adds "-journal" to the name."""


class Store:
    """Recorded runs in the database at ``url`` (default: ``$DETENTE_STORE``, else :func:`default_url`)."""

    # Called inside the save transaction after the scenario row is written and before the run
    # row; tests set it to kill the process there and check that nothing was left behind.
    _after_scenario_hook: Callable[[], None] | None = None

    def __init__(self, url: str | None = None, *, echo: bool = False, existing: bool = False) -> None:
        """``existing``: the store must be there already (the commands that only read it): a
        SQLite file that does not exist is an error, not a new empty store, so that a mistyped
        ``--store`` does not report "0 runs" or "every hash checks" of nothing."""
        nothing_yet = False  # the default store, not made yet, opened only to read: empty, and no file made
        if url in (None, "", "default") and os.environ.get("DETENTE_STORE", "default") not in ("", "default"):
            url = os.environ["DETENTE_STORE"]  # the team's store, as `detente serve` takes it
        if url in (None, "", "default"):
            url = default_url()
            nothing_yet = existing and not (data_dir() / "runs.db").exists()
            try:
                if not nothing_yet:
                    data_dir().mkdir(parents=True, exist_ok=True)
            except OSError as e:
                setting = ("DETENTE_DATA_DIR" if os.environ.get("DETENTE_DATA_DIR") else
                           "XDG_DATA_HOME" if os.environ.get("XDG_DATA_HOME") else "the home folder")
                raise StoreError(f"cannot create the folder of the default run store, {data_dir()} (from "
                                 f"{setting}): {output_problem(e, str(data_dir()))}; set DETENTE_DATA_DIR to a "
                                 "folder you can write, or give --store URL") from None
            existing = False  # the default store is made on first use, not by a command that only reads
        url = plain_path_url(url)
        self.url = url
        self.shown_url = safe_url(url)
        self.made_file: Path | None = None  # a SQLite file this store creates (see discard_if_made)
        if nothing_yet:
            url = "sqlite://"
        try:
            parsed = make_url(url)
            path = sqlite_path(parsed)
            if path is not None and str(parsed.database).startswith("~"):  # SQLite would open "./~/..."
                parsed = parsed.set(database=str(path))
                url = parsed.render_as_string(hide_password=False)
                self.url, self.shown_url = url, safe_url(url)
            if path is not None and len(str(path.resolve())) > SQLITE_MAX_PATH:
                raise StoreError(f"the run store's path is {len(str(path.resolve()))} characters long; SQLite opens "
                                 f"paths of at most {SQLITE_MAX_PATH}: give a shorter one (nothing was created)")
            if path is not None and existing and not path.exists():
                raise StoreError(f"no run store at {path}: nothing has been recorded there (check the path; "
                                 "`detente run ... --store URL` or `detente seal` creates one)")
            if path is not None and not existing and path.exists() and not os.access(path, os.W_OK):
                raise StoreError(f"the run store {path} is read-only: nothing can be recorded there (give a "
                                 "store you can write, or leave out --store)")
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.made_file = None if path.exists() else path
                if path.exists():
                    from detente.guard import note_input

                    note_input(path.stat())  # `runs export --out` never writes over it
            self.engine: Engine = create_engine(url, echo=echo)
        except OSError as e:
            raise StoreError(f"cannot open the run store {self.shown_url!r}: "
                             f"{output_problem(e, parsed.database or url)}") from None
        except (ArgumentError, NoSuchModuleError, ValueError) as e:
            hint = (f"; for a SQLite file give a path ending in .db, or write "
                    f"sqlite:///{Path(url).expanduser().resolve()}" if "://" not in url else "")
            raise StoreError(f"run store {self.shown_url!r}: not a usable database URL ({e}){hint}") from None
        except ImportError as e:
            raise StoreError(
                f"run store {self.shown_url!r}: the database driver is not installed ({e.name or e}); "
                "for postgresql+psycopg:// pip install 'detente[postgres]'"
            ) from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            self._refuse_a_foreign_database()
            create_tables(Base.metadata, self.engine)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot open the run store {self.shown_url!r}: {self._why(e)}") from None

    def discard_if_made(self) -> None:
        """Remove the SQLite file this store created, while it holds nothing: a command that opened
        a new store and then failed (a scenario without a ``war:`` block run with ``-m war``) left
        an empty ``runs.db`` behind."""
        made = self.made_file
        if made is None:
            return
        try:
            if self.count() or self._ledger_count():
                return
        except StoreError:
            return
        self.engine.dispose()
        for p in (made, made.with_name(made.name + "-journal")):
            with contextlib.suppress(OSError):
                p.unlink()

    def _ledger_count(self) -> int:
        from sqlalchemy import func, inspect, select, table

        if "ledger_entries" not in inspect(self.engine).get_table_names():
            return 0
        with self._read() as c:
            return int(c.execute(select(func.count()).select_from(table("ledger_entries"))).scalar() or 0)

    def _refuse_a_foreign_database(self) -> None:
        """A database that holds tables but is not a detente run store is refused before anything is
        written to it: `runs list` on another program's SQLite file added detente's tables to it, and on
        one with its own ``runs`` table failed later with "no such column: runs.created"."""
        from sqlalchemy import inspect

        insp = inspect(self.engine)
        tables = set(insp.get_table_names())
        ours = set(Base.metadata.tables) | {"ledger_entries"}
        if tables and not tables & ours and self.engine.dialect.name == "sqlite":
            # (a server database may hold other applications' tables: detente's are added beside them)
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(f"{self.shown_url} is not a detente run store: it holds other tables ({shown}); "
                             "nothing was written to it. Give a new file, e.g. --store sqlite:///runs.db")
        for name in tables & set(Base.metadata.tables):
            have = {c["name"] for c in insp.get_columns(name)}
            lacking = sorted(set(Base.metadata.tables[name].columns.keys()) - have)
            if lacking:
                raise StoreError(f"{self.shown_url} is not a run store of this version of detente: its table "
                                 f"{name!r} lacks the columns {', '.join(lacking[:6])}; nothing was written to it. "
                                 "Give a new file, e.g. --store sqlite:///runs.db")

    def __repr__(self) -> str:
        return f"Store({self.shown_url!r})"

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------
    def save(self, scenario: Scenario, result: Result, *, meta: dict[str, Any] | None = None) -> int:
        """Record one run (and its scenario, if new) in one transaction; returns the run id."""
        return self.save_many([(scenario, result, meta)])[0]

    def save_many(self, items: Sequence[tuple[Scenario, Result, dict[str, Any] | None]]) -> list[int]:
        """Record several runs in ONE transaction: all are stored or none is."""
        ids: list[int] = []
        try:
            with self.engine.begin() as conn:
                for scenario, result, meta in items:
                    sha = self._put_scenario(conn, scenario)
                    if Store._after_scenario_hook is not None:
                        Store._after_scenario_hook()
                    ids.append(self._put_run(conn, sha, result, meta))
        except SQLAlchemyError as e:
            raise StoreError(f"cannot write to the run store {self.shown_url!r}: {self._why(e)}") from None
        return ids

    def _why(self, e: SQLAlchemyError) -> str:
        """The database's reason, in plain words for a SQLite file that cannot be written."""
        reason = _reason(e)
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return _plain_reason(reason, None)
        return _plain_reason(reason, Path(database).expanduser())

    def _put_scenario(self, conn: Connection, scenario: Scenario) -> str:
        sha = scenario_hash(scenario)
        row = {
            "sha256": sha,
            "name": scenario.name[:400],
            "json": _clean(scenario.model_dump(mode="json")),
            "created": _dt.datetime.now(_dt.timezone.utc),
        }
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            else:
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            conn.execute(dialect_insert(SCENARIOS).values(**row).on_conflict_do_nothing(index_elements=["sha256"]))
        elif conn.execute(select(SCENARIOS.c.sha256).where(SCENARIOS.c.sha256 == sha)).first() is None:
            conn.execute(insert(SCENARIOS).values(**row))
        return sha

    def _put_run(self, conn: Connection, sha: str, result: Result, meta: dict[str, Any] | None) -> int:
        full = _clean(result.to_dict(full=True))
        row = {
            "created": _dt.datetime.now(_dt.timezone.utc),
            "scenario_sha256": sha,
            "scenario_name": result.scenario_name[:400],
            "model": result.model,
            "variant": result.variant,
            "options": _clean(result.options),
            "seed": int(result.seed),
            "draws": int(result.draws),
            "version": result.version,
            "elapsed_s": float(result.elapsed_s),
            "forecast": _clean(result.forecast),
            "interval": _clean(result.interval),
            "trajectory": full.get("trajectory"),
            "result": full,
            "meta": _clean(meta) if meta else None,
            "notes": "\n".join(result.notes) or None,
        }
        return int(conn.execute(insert(RUNS).values(**row).returning(RUNS.c.id)).scalar_one())

    # -- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        """How many runs the store holds."""
        return self.count_runs()

    @staticmethod
    def _matching(q: Any, model: str | None, scenario: str | None) -> Any:
        """Runs of ``model`` (under any of its names: ``bdm`` finds the runs recorded as ``eu``) and of
        ``scenario``: a part of its name, in any case, or a SHA-256 prefix."""
        if model:
            from detente.models import registry

            q = q.where(RUNS.c.model.in_(sorted(registry.spellings(model))))
        if scenario:
            q = q.where(func.lower(RUNS.c.scenario_name).contains(scenario.lower(), autoescape=True)
                        | RUNS.c.scenario_sha256.startswith(scenario.lower(), autoescape=True))
        return q

    def count_runs(self, *, model: str | None = None, scenario: str | None = None) -> int:
        """How many runs :meth:`list_runs` would list without a limit."""
        with self._read() as conn:
            return int(conn.execute(self._matching(select(func.count()).select_from(RUNS), model, scenario))
                       .scalar_one())

    def list_runs(self, limit: int | None = 50, *, model: str | None = None,
                  scenario: str | None = None) -> list[dict[str, Any]]:
        """Newest runs first; ``scenario`` matches a part of the name (any case) or a SHA-256 prefix."""
        q = self._matching(select(
            RUNS.c.id, RUNS.c.created, RUNS.c.scenario_name, RUNS.c.scenario_sha256, RUNS.c.model,
            RUNS.c.variant, RUNS.c.seed, RUNS.c.draws, RUNS.c.version, RUNS.c.elapsed_s, RUNS.c.forecast,
        ).order_by(RUNS.c.id.desc()), model, scenario)
        if limit:
            q = q.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(q).mappings().all()
        return [{**dict(r), "created": _iso(r["created"])} for r in rows]

    def get(self, run_id: int) -> dict[str, Any]:
        """Everything recorded about one run, with its scenario."""
        return self._get_many([run_id])[0]

    def _get_many(self, run_ids: Iterable[int]) -> list[dict[str, Any]]:
        ids = [int(i) for i in run_ids]
        q = (
            select(RUNS, SCENARIOS.c.json.label("scenario"))
            .join(SCENARIOS, SCENARIOS.c.sha256 == RUNS.c.scenario_sha256)
            .where(RUNS.c.id.in_([i for i in ids if abs(i) <= INT_MAX]))  # a larger one is missing
        )
        with self._read() as conn:
            rows = {r["id"]: dict(r) for r in conn.execute(q).mappings().all()}
        missing = [i for i in ids if i not in rows]
        if missing:
            raise StoreError(
                f"no run {', '.join(map(str, missing))} in the run store {self.shown_url!r} "
                f"(see `detente runs list`)"
            )
        out = []
        for i in ids:
            r = rows[i]
            r["created"] = _iso(r["created"])
            out.append(r)
        return out

    def all_ids(self) -> list[int]:
        with self._read() as conn:
            return [int(i) for i in conn.execute(select(RUNS.c.id).order_by(RUNS.c.id)).scalars()]

    def diff(self, a: int, b: int) -> dict[str, Any]:
        """What differs between runs ``a`` and ``b``: forecasts per issue, options, inputs (every changed
        input value under ``input_changes``, :func:`detente.store.changes.input_changes`)."""
        ra, rb = self._get_many([a, b])
        issues = list(dict.fromkeys([*ra["forecast"], *rb["forecast"]]))
        forecast = {}
        for i in issues:
            x, y = ra["forecast"].get(i), rb["forecast"].get(i)
            forecast[i] = {"a": x, "b": y, "change": None if x is None or y is None else y - x}
        keys = sorted(set(ra["options"]) | set(rb["options"]))
        options = {k: {"a": ra["options"].get(k), "b": rb["options"].get(k)}
                   for k in keys if ra["options"].get(k) != rb["options"].get(k)}
        fields = {}
        for k in ("scenario_name", "model", "variant", "seed", "draws", "version"):
            if ra[k] != rb[k]:
                fields[k] = {"a": ra[k], "b": rb[k]}
        same = ra["scenario_sha256"] == rb["scenario_sha256"]
        from detente.store.changes import input_changes

        return {
            "a": a,
            "b": b,
            "same_input": same,
            "input_sha256": {"a": ra["scenario_sha256"], "b": rb["scenario_sha256"]},
            "input_changes": [] if same else input_changes(ra.get("scenario"), rb.get("scenario")),
            "fields": fields,
            "options": options,
            "forecast": forecast,
        }

    def rerun(self, run_id: int) -> dict[str, Any]:
        """Run a recorded run again from what the store holds (its scenario, model, variant, options,
        seed and draws) and say whether it reproduces: ``{"run", "reproduced", "problems",
        "recorded_version", "installed_version", "forecast": {issue: {"recorded", "now"}}}``.

        Checked: the stored scenario still has its recorded input hash, and the forecast (the stored
        column and the full record) and every draw's forecast are the same bit for bit. A record
        changed in the database after it was written fails one of them; so does a run recorded by
        another version of detente whose numbers differ (``problems`` says which)."""
        from detente._version import __version__
        from detente.errors import DetenteError
        from detente.runner import run
        from detente.scenario.arrays import dump_hash
        from detente.scenario.model import Scenario

        r = self.get(run_id)
        problems: list[str] = []
        scenario = dict(r.get("scenario") or {})
        if dump_hash({k: v for k, v in scenario.items() if k != "meta"}) != r["scenario_sha256"]:
            problems.append("the stored scenario does not have its recorded input hash: it was changed after the "
                            "run was recorded")
        now: dict[str, Any] = {}
        try:
            res = run(Scenario.model_validate(scenario), r["model"], draws=int(r["draws"]), seed=int(r["seed"]),
                      options=r["options"], variant=r["variant"])
            full = _clean(res.to_dict(full=True))
            now = full["forecast"]
            recorded = r.get("result") or {}
            if r["forecast"] != recorded.get("forecast"):
                problems.append("the recorded forecast (the column `runs list` shows) disagrees with the run's "
                                "full record: one of them was changed after the run was recorded")
            if now != recorded.get("forecast"):
                problems.append("the forecast differs from the recorded one")
            if full.get("forecast_draws") != recorded.get("forecast_draws"):
                problems.append("the draws' forecasts differ from the recorded ones")
        except (DetenteError, KeyError, TypeError, ValueError) as e:
            problems.append(f"the run cannot be repeated from the stored scenario: {e}")
        if problems and r["version"] != __version__:
            problems.append(f"recorded with detente {r['version']}, this is detente {__version__}: install "
                            f"detente {r['version']} to repeat it exactly")
        issues = list(dict.fromkeys([*r["forecast"], *now]))
        return {"run": int(run_id), "reproduced": not problems, "problems": problems,
                "recorded_version": r["version"], "installed_version": __version__,
                "input_sha256": r["scenario_sha256"],
                "forecast": {i: {"recorded": r["forecast"].get(i), "now": now.get(i)} for i in issues}}

    def export(self, run_ids: Sequence[int] | None = None, fmt: str = "json") -> str:
        """Runs (all when ``run_ids`` is None) as JSON (full records) or tidy CSV (run x issue)."""
        ids = self.all_ids() if run_ids is None else list(run_ids)
        records = self._get_many(ids) if ids else []
        if fmt == "json":
            return json.dumps(records, indent=2, ensure_ascii=False, default=str) + "\n"
        if fmt == "csv":  # text cells guarded against spreadsheet formulas (detente.csvsafe)
            # the war model's forecast pools every ending; its terms given a deal (what its tables
            # show) and P(deal) get columns of their own, empty for the other models
            cols = ["run", "created", "scenario", "input_sha256", "model", "variant", "seed", "draws",
                    "version", "elapsed_s", "issue", "forecast", "interval_lo", "interval_hi",
                    "input_p10", "input_p90", "p_deal", "given_deal", "given_deal_p10", "given_deal_p90"]
            rows = []
            for r in records:
                result = r["result"] or {}
                band = result.get("input_band") or {}  # the draws band, kept in the full record
                extras = result.get("extras") or {}
                p_deal = extras.get("settlement_probability") if r["model"] == "war" else None
                for issue, v in r["forecast"].items():
                    lo, hi = (r["interval"] or {}).get(issue, [None, None])  # calibrated forecast interval
                    p10, p90 = band.get(issue, [None, None])
                    deal = ((extras.get("terms") or {}).get(issue) or {}) if r["model"] == "war" else {}
                    rows.append([r["id"], r["created"], r["scenario_name"], r["scenario_sha256"], r["model"],
                                 r["variant"] or "", r["seed"], r["draws"], r["version"], r["elapsed_s"],
                                 issue, _num(v), _num(lo), _num(hi), _num(p10), _num(p90), _num(p_deal),
                                 _num(deal.get("mean")), _num(deal.get("p10")), _num(deal.get("p90"))])
            return csv_text(cols, rows)
        raise StoreError(f"unknown export format {fmt!r}; use json or csv")

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as e:
            raise StoreError(f"cannot read the run store {self.shown_url!r}: {_reason(e)}") from None
        try:
            yield conn
        except SQLAlchemyError as e:
            raise StoreError(f"cannot read the run store {self.shown_url!r}: {_reason(e)}") from None
        finally:
            conn.close()


def _num(v: Any) -> str:
    return "" if v is None else repr(float(v))


def _reason(e: SQLAlchemyError) -> str:
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _plain_reason(reason: str, path: Path | None) -> str:
    """SQLite's terse reasons ("attempt to write a readonly database", "unable to open database
    file", "database or disk is full") said plainly, naming the file or folder at fault."""
    low = reason.lower()
    if "disk is full" in low or "disk i/o error" in low:
        return f"the disk is full while writing it; free some space and try again ({reason})"
    if path is not None and ("readonly" in low or "unable to open" in low):
        try:  # which of the file or its folder refuses: the same probe for any user, root included
            if path.exists():
                with open(path, "r+b"):
                    pass
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".probe-"):
                pass
        except OSError as oe:
            return f"{output_problem(oe, path)}; SQLite reported: {reason}"
    if "readonly" in low:
        return f"the database is read-only ({reason})"
    return reason


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
