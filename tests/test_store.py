"""The run store: round trips, diff/export, clear errors, transactional writes, PostgreSQL, CLI."""

from __future__ import annotations

import csv
import re
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from detente.runner import run
from detente.scenario.arrays import scenario_hash
from detente.scenario.model import Scenario
from detente.cli.runs import runs_app
from detente.store.db import RUNS, SCENARIOS, Base, Store, StoreError, default_url

PG_URL = os.environ.get("DETENTE_TEST_POSTGRES_URL")


def make_scenario(b_position: float = 60.0, name: str = "toy") -> Scenario:
    return Scenario.model_validate({
        "name": name,
        "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": {"low": 1, "high": 3}}],
        "issues": [{"id": "x"}, {"id": "y", "status_quo": 50}],
        "stances": [
            {"actor": "A", "issue": "x", "position": 20},
            {"actor": "B", "issue": "x", "position": b_position},
            {"actor": "A", "issue": "y", "position": 10, "salience": 0.5},
            {"actor": "B", "issue": "y", "position": {"low": 70, "high": 90}},
        ],
    })


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    if not PG_URL:
        pytest.skip("PostgreSQL not available: set DETENTE_TEST_POSTGRES_URL (CI starts a server)")
    engine = create_engine(PG_URL)
    Base.metadata.drop_all(engine)  # a clean database for every test
    engine.dispose()
    return PG_URL


def test_save_get_list_round_trip(store_url: str) -> None:
    s = make_scenario()
    r1 = run(s, "mean", seed=3)
    r2 = run(s, "median", draws=200, seed=4)
    store = Store(store_url)
    id1 = store.save(s, r1)
    id2 = store.save(s, r2, meta={"note": "second"})
    assert id2 > id1
    g = store.get(id2)
    assert g["model"] == "median" and g["seed"] == 4 and g["draws"] == 200
    assert g["forecast"] == pytest.approx(r2.forecast)
    assert g["interval"]["x"] == pytest.approx(r2.interval["x"])
    assert g["scenario_sha256"] == scenario_hash(s) == r2.input_sha256
    assert Scenario.model_validate(g["scenario"]) == s.model_copy(update={"meta": {}})
    assert g["result"]["forecast_draws"]["y"][:5] == pytest.approx(r2.trajectory.forecast[:5, 1].tolist())
    assert g["meta"] == {"note": "second"} and g["version"] == r2.version
    assert g["options"] == r2.options
    assert store.get(id1)["interval"]["x"] == pytest.approx(r1.interval["x"])  # draws == 1: calibrated interval (#10)
    # one scenario row for the two runs
    with store.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(SCENARIOS)).scalar_one() == 1
    rows = store.list_runs()
    assert [r["id"] for r in rows] == [id2, id1]  # newest first
    assert [r["id"] for r in store.list_runs(model="mean")] == [id1]
    assert [r["id"] for r in store.list_runs(scenario="toy")] == [id2, id1]
    assert [r["id"] for r in store.list_runs(scenario=scenario_hash(s)[:8])] == [id2, id1]
    assert store.list_runs(scenario="other") == []
    assert len(store.list_runs(limit=1)) == 1
    # reopening sees the same data
    assert Store(store_url).count() == 2


def test_diff_and_export(store_url: str) -> None:
    store = Store(store_url)
    s1, s2 = make_scenario(60), make_scenario(100)
    a = store.save(s1, run(s1, "mean"))
    b = store.save(s1, run(s1, "mean", options={"weights": "equal"}))
    c = store.save(s2, run(s2, "mean"))
    d = store.diff(a, b)
    assert d["same_input"] is True
    assert d["options"] == {"weights": {"a": "capability_salience", "b": "equal"}}
    assert d["fields"] == {}
    # A at 20 (cap 1), B at 60 (cap 2): 46.67 -> equal weights: 40
    assert d["forecast"]["x"]["a"] == pytest.approx(140 / 3)
    assert d["forecast"]["x"]["change"] == pytest.approx(40 - 140 / 3)
    d2 = store.diff(a, c)
    assert d2["same_input"] is False and d2["options"] == {}
    assert d2["forecast"]["x"]["change"] == pytest.approx((20 + 200) / 3 - 140 / 3)
    assert d2["forecast"]["y"]["change"] == pytest.approx(0)

    records = json.loads(store.export(None, "json"))
    assert [r["id"] for r in records] == [a, b, c]
    assert json.loads(store.export([c], "json"))[0]["scenario"]["stances"][1]["position"] == 100
    rows = list(csv.DictReader(io.StringIO(store.export([a, c], "csv"))))
    assert [(int(r["run"]), r["issue"]) for r in rows] == [(a, "x"), (a, "y"), (c, "x"), (c, "y")]
    assert float(rows[2]["forecast"]) == pytest.approx(220 / 3)
    with pytest.raises(StoreError, match="unknown export format"):
        store.export(None, "xml")


def test_export_keeps_the_input_band_apart_from_the_forecast_interval(store_url: str) -> None:
    store = Store(store_url)
    s = make_scenario(60)
    res = run(s, "mean", draws=200, seed=3)
    rid = store.save(s, res)
    rows = {r["issue"]: r for r in csv.DictReader(io.StringIO(store.export([rid], "csv")))}
    band, interval = res.input_band, res.interval
    assert band is not None and interval is not None
    for issue in ("x", "y"):
        assert [float(rows[issue]["input_p10"]), float(rows[issue]["input_p90"])] == band[issue]
        assert [float(rows[issue]["interval_lo"]), float(rows[issue]["interval_hi"])] == interval[issue]
    assert band["y"][1] - band["y"][0] > 0  # B's uncertain position: a real band, not a point
    assert store.get(rid)["result"]["input_band"] == band


def test_export_of_a_war_run_gives_the_terms_given_a_deal(store_url: str) -> None:
    """The war model's forecast pools deals with victories; the CSV carries P(deal) and the terms
    given a deal (what its tables show) beside it, and leaves those columns empty for other models."""
    import detente

    s = detente.load(detente.example("ukraine-settlement"))
    store = Store(store_url)
    war = run(s, "war", draws=200, seed=5)
    ids = [store.save(s, war), store.save(s, run(s, "mean", draws=1, seed=5))]
    rows = list(csv.DictReader(io.StringIO(store.export(ids, "csv"))))
    terms, extras = war.trajectory.extras["terms"], war.trajectory.extras
    for r in rows[: len(s.issues)]:
        assert float(r["p_deal"]) == extras["settlement_probability"]
        t = terms[r["issue"]]
        assert [float(r["given_deal"]), float(r["given_deal_p10"]), float(r["given_deal_p90"])] == \
            [t["mean"], t["p10"], t["p90"]]
        assert float(r["given_deal"]) != float(r["forecast"])  # two different numbers
    assert {r["given_deal"] + r["p_deal"] for r in rows[len(s.issues):]} == {""}


def test_unknown_run_names_id_and_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(url)
    with pytest.raises(StoreError, match=r"no run 42 in the run store .*r\.db"):
        store.get(42)
    s = make_scenario()
    a = store.save(s, run(s, "mean"))
    with pytest.raises(StoreError, match="no run 7"):
        store.diff(a, 7)


def test_a_run_id_too_large_for_the_column_is_no_run(store_url: str) -> None:
    """PostgreSQL refused to compare an id above 2^31 - 1 with the id column: ``detente runs show
    99999999999`` said "cannot read the run store: integer out of range" instead of "no run"."""
    store = Store(store_url)
    s = make_scenario()
    a = store.save(s, run(s, "mean"))
    with pytest.raises(StoreError, match="no run 99999999999 in the run store"):
        store.get(99999999999)
    with pytest.raises(StoreError, match="no run 2147483648 in the run store"):
        store.diff(a, 2**31)


def test_unreachable_database_hides_password() -> None:
    with pytest.raises(StoreError) as ei:
        Store("postgresql+psycopg://alice:s3cret@127.0.0.1:1/nowhere?connect_timeout=2")
    msg = str(ei.value)
    assert "cannot open the run store" in msg and "127.0.0.1:1/nowhere" in msg
    assert "s3cret" not in msg and "***" in msg


def test_bad_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a usable database URL"):
        Store("not a url")
    with pytest.raises(StoreError, match="not a usable database URL"):
        Store("nosuchdb://x/y")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot open the run store"):
        Store(f"sqlite:///{blocker / 'sub' / 'runs.db'}")


def test_default_url_under_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_DATA_DIR", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'detente' / 'runs.db'}"
    s = make_scenario()
    Store().save(s, run(s, "mean"))
    assert (tmp_path / "data" / "detente" / "runs.db").exists()
    monkeypatch.delenv("DETENTE_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'detente' / 'runs.db'}"


@pytest.mark.filterwarnings("ignore:All-NaN slice")
def test_nan_forecast_is_stored_as_null(store_url: str) -> None:
    import numpy as np

    s = make_scenario()
    r = run(s, "mean")
    r.trajectory.forecast[:, 0] = np.nan
    store = Store(store_url)
    g = store.get(store.save(s, r))
    assert g["forecast"]["x"] is None and g["forecast"]["y"] == pytest.approx(r.forecast["y"])


def test_failed_batch_leaves_nothing(store_url: str) -> None:
    store = Store(store_url)
    s1, s2 = make_scenario(60, "one"), make_scenario(90, "two")
    calls = []

    def hook() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")

    Store._after_scenario_hook = hook
    try:
        with pytest.raises(RuntimeError, match="boom"):
            store.save_many([(s1, run(s1, "mean"), None), (s2, run(s2, "mean"), None)])
    finally:
        Store._after_scenario_hook = None
    with store.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(RUNS)).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(SCENARIOS)).scalar_one() == 0


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from detente.runner import run
    from detente.scenario.model import Scenario
    from detente.store.db import Store
    s = Scenario.model_validate_json(sys.argv[2])
    store = Store(sys.argv[1])
    result = run(s, "mean")
    Store._after_scenario_hook = lambda: os.kill(os.getpid(), signal.SIGKILL)
    store.save(s, result)
    print("not killed")
""")


def test_killed_run_leaves_no_partial_record(store_url: str) -> None:
    store = Store(store_url)
    kept = make_scenario(60, "kept")
    kept_id = store.save(kept, run(kept, "mean"))
    victim = make_scenario(80, "victim")
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, store_url, victim.model_dump_json()],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr  # really killed inside the transaction
    assert "not killed" not in proc.stdout
    store = Store(store_url)  # a new process-level view (SQLite rolls back the hot journal)
    assert [r["id"] for r in store.list_runs()] == [kept_id]
    with store.engine.connect() as c:
        names = c.execute(select(SCENARIOS.c.name)).scalars().all()
    assert names == ["kept"]  # no orphan scenario row
    # the store still works after the crash
    assert store.save(victim, run(victim, "mean")) > kept_id


# --------------------------------------------------------------------------------------------
# CLI


def test_runs_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    s = make_scenario()
    a = store.save(s, run(s, "mean"))
    b = store.save(s, run(s, "median", draws=50, seed=2))
    cli = CliRunner()
    r = cli.invoke(runs_app, ["list", "--store", url])
    assert r.exit_code == 0, r.output
    assert "median" in r.output and "toy" in r.output
    import re

    when = json.loads(cli.invoke(runs_app, ["list", "--store", url, "--format", "json"]).output)[0]["created"]
    assert when.endswith("+00:00") and f" {when[:16].replace('T', ' ')} " in r.output  # to the minute, UTC, whole
    assert re.search(r" [0-9a-f]{8} ", r.output)  # the input's hash: 8 characters on one line
    r = cli.invoke(runs_app, ["list", "--store", url, "--format", "json", "--model", "median"])
    assert [x["id"] for x in json.loads(r.output)] == [b]
    r = cli.invoke(runs_app, ["list", "--store", url, "--model", "bdm"])  # a sentence, not an empty table
    assert r.exit_code == 0 and r.output.startswith("no runs of model bdm in ") and "┏" not in r.output, r.output
    r = cli.invoke(runs_app, ["show", str(b), "--store", url])
    assert r.exit_code == 0 and "forecast interval (calibrated, 80 %)" in r.output and "median" in r.output
    fx = json.loads(cli.invoke(runs_app, ["show", str(b), "--store", url, "-f", "json"]).output)["forecast"]["x"]
    assert f" {fx:.1f} " in r.output and f"{fx:.2f}" not in r.output  # a 0-100 scale: one decimal, as `run`
    r = cli.invoke(runs_app, ["show", str(a), "--store", url, "--format", "json"])
    assert json.loads(r.output)["forecast"]["x"] == pytest.approx(140 / 3)
    r = cli.invoke(runs_app, ["diff", str(a), str(b), "--store", url])
    assert r.exit_code == 0 and "same input scenario" in r.output and "model" in r.output
    r = cli.invoke(runs_app, ["diff", str(a), str(b), "--store", url, "-f", "json"])
    assert json.loads(r.output)["fields"]["model"] == {"a": "mean", "b": "median"}
    out = tmp_path / "exp" / "runs.csv"
    r = cli.invoke(runs_app, ["export", str(a), str(b), "--store", url, "--format", "csv", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert len(list(csv.DictReader(out.open()))) == 4
    r = cli.invoke(runs_app, ["export", "--store", url])
    assert [x["id"] for x in json.loads(r.output)] == [a, b]
    r = cli.invoke(runs_app, ["show", "99", "--store", url])
    assert r.exit_code == 2 and "no run 99" in r.output
    r = cli.invoke(runs_app, ["list", "--store", "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=2"])
    assert r.exit_code == 2 and "cannot open the run store" in r.output and ":pw@" not in r.output


@pytest.mark.parametrize("args", [["runs", "list"], ["runs", "show", "1"], ["runs", "export"], ["verify"], ["ledger"],
                                  ["grade", "1", "--outcome", "3", "--source", "a report"]])
def test_commands_that_read_a_store_refuse_one_that_is_not_there(tmp_path: Path, capsys, args: list[str]) -> None:
    """A mistyped ``--store`` made a new empty store and reported "0 entries ... every hash checks"."""
    from detente.cli import main

    missing = tmp_path / "nowhere" / "runs.db"
    assert main([*args, "--store", f"sqlite:///{missing}"]) == 2
    assert f"no run store at {missing}" in capsys.readouterr().err
    assert not missing.parent.exists()  # nothing made on the way


def test_a_plain_path_to_a_db_file_is_a_sqlite_store(tmp_path: Path) -> None:
    """``--store runs.db`` is the SQLite file runs.db (as datasette takes one); a word without a
    suffix (``--store banana``) is refused with the URL to write, and makes no file."""
    with pytest.raises(StoreError, match=f"give a path ending in .db, or write sqlite:///{tmp_path}/runs"):
        Store(str(tmp_path / "runs"))
    assert not (tmp_path / "runs").exists()
    with pytest.raises(StoreError, match=f"no run store at {tmp_path}/runs.db"):
        Store(str(tmp_path / "runs.db"), existing=True)  # a command that only reads makes nothing
    assert not (tmp_path / "runs.db").exists()
    store = Store(str(tmp_path / "runs.db"))  # writing commands create it
    assert store.url == f"sqlite:///{tmp_path}/runs.db" and (tmp_path / "runs.db").exists()
    assert Store(f"sqlite:///{tmp_path / 'runs.db'}", existing=True).count() == 0
    (tmp_path / "team-store").write_bytes((tmp_path / "runs.db").read_bytes())  # an existing file, any name
    assert Store(str(tmp_path / "team-store"), existing=True).count() == 0


def test_runs_show_and_diff_name_the_issues_and_say_what_a_war_forecast_is(tmp_path: Path) -> None:
    """`runs show`/`diff` printed issue ids with two decimals, and the war model's forecast over every
    ending without saying so (`detente run` shows the terms given a deal); `runs list` cut the
    forecast mid-word ("settlement_...")."""
    from detente.scenario.io import load

    from conftest import EXAMPLES

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    s = load(EXAMPLES / "ukraine-settlement.yaml")
    a = store.save(s, run(s, "war", draws=50, seed=1))
    b = store.save(s, run(s, "mean", draws=50, seed=1))
    cli = CliRunner()
    out = cli.invoke(runs_app, ["show", str(a), "--store", url]).output
    assert "Territorial line [territory]" in out and "over every ending" in out, out
    out = cli.invoke(runs_app, ["diff", str(a), str(b), "--store", url]).output
    row = next(line for line in out.splitlines() if "Territorial line [territory]" in line)
    assert re.search(r" \d+\.\d \S* +\d+\.\d \S* +[+-]\d+\.\d ", row.replace("│", " ") + " "), row
    out = cli.invoke(runs_app, ["list", "--store", url]).output
    assert "..." not in out and "settlement_form=" in out, out
    assert "over every ending" in " ".join(out.split()), out  # the list holds a war run: it says so too


def test_runs_list_on_80_columns_leaves_out_columns_rather_than_break_words(tmp_path: Path, monkeypatch) -> None:
    """On 80 columns every cell broke ("Ukrain/e", "settlement_/form=89.5", "terri/tory="); now the
    least needed columns give way and the caption names them."""
    import re

    import detente.cli.runs as runs_cli
    from conftest import EXAMPLES
    from detente.scenario.io import load

    url = f"sqlite:///{tmp_path / 'narrow.db'}"
    store = Store(url)
    s = load(EXAMPLES / "ukraine-settlement.yaml")
    store.save(s, run(s, "mean"))
    monkeypatch.setattr(runs_cli, "stdout_width", lambda: 80)
    r = CliRunner().invoke(runs_app, ["list", "--store", url])
    assert r.exit_code == 0, r.output
    assert max(map(len, r.output.splitlines())) <= 80
    words = set(re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴├┤]", " ", r.output).split())
    assert {"Ukraine", "settlement", "settlement_form=47.9", "territory=33.6,"} <= words, sorted(words)
    assert "left out to fit 80 columns: input, seed" in " ".join(r.output.split())


def test_a_default_store_folder_that_cannot_be_made_names_its_setting(monkeypatch, capsys) -> None:
    """`DETENTE_DATA_DIR=/proc/x detente runs list` said "error: No such file or directory:
    /proc/x", exit 1, without the setting it came from."""
    from conftest import EXAMPLES
    from detente.cli import main

    monkeypatch.setenv("DETENTE_DATA_DIR", "/proc/x")
    assert main(["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--store", "default"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "/proc/x/detente (from DETENTE_DATA_DIR)" in err and "give --store URL" in err


def test_commands_that_only_read_make_no_default_store(tmp_path: Path, monkeypatch, capsys) -> None:
    """`detente runs list` on a new machine created ~/.local/share/detente/runs.db (and its folder) to
    report that it holds no runs; so did `runs export`, `ledger` and `verify`."""
    from conftest import EXAMPLES
    from detente.cli import main

    monkeypatch.setenv("DETENTE_DATA_DIR", str(tmp_path / "data"))
    for args in (["runs", "list"], ["runs", "export"], ["ledger"], ["verify"]):
        assert main(args) == 0, args
    assert "no runs recorded yet" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()
    assert main(["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--store", "default"]) == 0
    assert (tmp_path / "data" / "detente" / "runs.db").exists()
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "no runs recorded yet" not in listed and "emission_standards=" in listed, listed


def test_tables_created_at_the_same_moment_by_another_process_are_not_an_error() -> None:
    """Six first writers at once to a new store: one in three trials failed with "table scenarios
    already exists" (both saw no table; the second CREATE TABLE lost the race)."""
    from sqlalchemy.exc import OperationalError

    from detente.store.db import create_tables

    calls: list[int] = []

    class Racing:
        def create_all(self, engine: object) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError("CREATE TABLE scenarios", {}, Exception("table scenarios already exists"))

    create_tables(Racing(), None)  # type: ignore[arg-type]
    assert len(calls) == 2

    class Broken:
        def create_all(self, engine: object) -> None:
            raise OperationalError("CREATE TABLE scenarios", {}, Exception("disk I/O error"))

    with pytest.raises(OperationalError):
        create_tables(Broken(), None)  # type: ignore[arg-type]


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path, capsys) -> None:
    """`runs list --store` on another program's SQLite file added detente's tables to it (8 KB ->
    40 KB) and said "no runs recorded yet"; on a file with its own `runs` table it failed later with
    "no such column: runs.created"; `run --store` did the same after the whole computation."""
    import sqlite3

    from conftest import EXAMPLES
    from detente.cli import main

    notes, runs = tmp_path / "notes.db", tmp_path / "runs.db"
    with sqlite3.connect(notes) as c:
        c.execute("create table notes (x)")
    with sqlite3.connect(runs) as c:
        c.execute("create table runs (id integer, name text)")
    before = {p: p.read_bytes() for p in (notes, runs)}
    for args in (["runs", "list", "--store", f"sqlite:///{notes}"],
                 ["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--store", f"sqlite:///{notes}"]):
        assert main(args) == 2, args
        captured = capsys.readouterr()
        assert "is not a detente run store: it holds other tables (notes); nothing was written" in captured.err
        assert captured.out == ""  # refused before the run
    assert main(["runs", "list", "--store", f"sqlite:///{runs}"]) == 2
    assert "its table 'runs' lacks the columns created" in " ".join(capsys.readouterr().err.split())
    assert {p: p.read_bytes() for p in (notes, runs)} == before


def test_a_store_that_fails_while_saving_keeps_the_printed_and_written_results(tmp_path: Path, monkeypatch,
                                                                               capsys) -> None:
    """A store that failed at the save (a locked or read-only database, a server gone) threw the run's
    results away: nothing printed, no --out folder."""
    from conftest import EXAMPLES
    from detente.cli import main
    from detente.store.db import Store, StoreError

    def fail(self, items):  # type: ignore[no-untyped-def]
        raise StoreError("cannot write to the run store: database is locked")

    monkeypatch.setattr(Store, "save_many", fail)
    out = tmp_path / "out"
    code = main(["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--store",
                 f"sqlite:///{tmp_path / 'r.db'}", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2 and "database is locked" in captured.err
    assert "Bottom line" in captured.out and (out / "report.html").exists()


def test_runs_list_says_when_it_stops_at_the_limit_and_finds_runs_by_part_of_a_name(tmp_path: Path, capsys) -> None:
    """`runs list` stopped at 50 without a word; `--scenario` matched only the whole name, in its case
    (`--scenario Ukraine` found nothing), and `--model bdm` missed the runs recorded as `eu`."""
    from conftest import EXAMPLES
    from detente.cli import main
    from detente.scenario.io import load

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    s = load(EXAMPLES / "eu-emission-standards.yaml")
    st = Store(url)
    for seed in (1, 2):
        st.save(s, run(s, "mean", seed=seed))
    old = run(s, "bdm")
    old.model = "eu"  # as recorded before the model was renamed
    st.save(s, old)
    assert main(["runs", "list", "--store", url, "-n", "2"]) == 0
    assert "the newest 2 of 3 runs: --limit 0 lists all" in capsys.readouterr().out
    assert main(["runs", "list", "--store", url]) == 0
    assert "of 3 runs" not in capsys.readouterr().out  # all shown: no note
    assert [r["model"] for r in st.list_runs(scenario="EMISSION standards")] == ["eu", "mean", "mean"]
    assert [r["model"] for r in st.list_runs(model="bdm")] == ["eu"] == [r["model"] for r in st.list_runs(model="eu")]
    assert st.count_runs(model="mean") == 2 and st.list_runs(scenario="100%_") == []


def test_the_team_store_in_detente_store_is_the_default_of_every_command(tmp_path: Path, monkeypatch, capsys) -> None:
    """`DETENTE_STORE` was read by `serve` only: `runs list`, `verify` and `run --store default` went to
    the per-user file and reported "no runs recorded yet"."""
    from conftest import EXAMPLES
    from detente.cli import main

    team = tmp_path / "team.db"
    monkeypatch.setenv("DETENTE_STORE", f"sqlite:///{team}")
    monkeypatch.setenv("DETENTE_DATA_DIR", str(tmp_path / "data"))
    assert main(["run", str(EXAMPLES / "eu-emission-standards.yaml"), "-m", "mean", "--store", "default"]) == 0
    assert f"recorded run 1 in sqlite:///{team}" in capsys.readouterr().err
    assert main(["runs", "list"]) == 0 and "emission_standards=" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_a_tilde_in_a_sqlite_url_is_the_home_folder_everywhere(tmp_path: Path, monkeypatch) -> None:
    """`sqlite:///~/t.db` was checked under $HOME but opened as ./~/t.db ("unable to open database
    file", or a store in a folder named ~)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    st = Store("sqlite:///~/t.db")
    s = make_scenario()
    st.save(s, run(s, "mean"))
    assert (tmp_path / "home" / "t.db").exists() and not (tmp_path / "~").exists()
    assert st.shown_url == f"sqlite:///{tmp_path / 'home' / 't.db'}"
    assert len(Store("sqlite:///~/t.db", existing=True).list_runs()) == 1


def test_runs_diff_names_the_inputs_that_differ(tmp_path: Path) -> None:
    """`runs diff` said only "different input scenarios (6f1fbe1c86 vs 00a1416f10)": a reviewer could
    not see which actor or number changed. Lists matched by id (stances by actor and issue), so a
    reordered list is no change; the file the scenario was read from is no input."""
    url = f"sqlite:///{tmp_path / 'd.db'}"
    st = Store(url)
    a = make_scenario(60.0)
    b = make_scenario(75.0)
    b = b.model_copy(update={"actors": list(reversed(b.actors))})
    ia, ib = st.save(a, run(a, "mean")), st.save(b, run(b, "mean"))
    d = st.diff(ia, ib)
    assert not d["same_input"]
    assert d["input_changes"] == [{"field": "stances[B,x].position", "a": 60.0, "b": 75.0}], d["input_changes"]
    out = CliRunner().invoke(runs_app, ["diff", str(ia), str(ib), "--store", url]).output
    assert "input stances[B,x].position" in out and "actors" not in out, out
    assert st.diff(ia, ia)["input_changes"] == []


def test_runs_rerun_repeats_a_recorded_run_and_catches_a_changed_record(tmp_path: Path) -> None:
    """There was no command to repeat a stored run, and nothing noticed a record edited in the
    database (`runs show` printed the edited forecast next to the old input hash)."""
    import sqlite3

    db = tmp_path / "r.db"
    url = f"sqlite:///{db}"
    st = Store(url)
    s = make_scenario()
    ids = [st.save(s, run(s, "mean", draws=30, seed=4)), st.save(s, run(s, "median", draws=30, seed=4))]
    cli = CliRunner()
    r = cli.invoke(runs_app, ["rerun", str(ids[0]), "--store", url])
    assert r.exit_code == 0 and "reproduced bit for bit" in r.output, r.output
    assert st.rerun(ids[1])["reproduced"]
    with sqlite3.connect(db) as c:  # someone edits the forecast shown by `runs list`, and a stored scenario
        c.execute("update runs set forecast = json_set(forecast, '$.x', 99.0) where id = ?", (ids[0],))
        row = json.loads(c.execute("select json from scenarios").fetchone()[0])
        row["stances"][0]["position"] = 30
        c.execute("update scenarios set json = ?", (json.dumps(row),))
    r = cli.invoke(runs_app, ["rerun", str(ids[0]), "--store", url])
    assert r.exit_code == 1 and "NOT reproduced" in r.output
    text = " ".join(r.output.split())
    assert "does not have its recorded input hash" in text and "disagrees with the run's full record" in text
    assert "the forecast differs from the recorded one" in text  # the mean moved with the edited position
    d = json.loads(cli.invoke(runs_app, ["rerun", str(ids[1]), "--store", url, "-f", "json"]).output)
    assert not d["reproduced"] and d["input_sha256"] == scenario_hash(s)


def test_a_store_path_longer_than_sqlite_opens_is_refused_before_any_folder_is_made(tmp_path: Path) -> None:
    """A 506-character path failed with SQLite's "unable to open database file" and left three empty
    folders behind."""
    from detente.store.db import SQLITE_MAX_PATH

    deep = tmp_path / "long" / "/".join(["x" * 50] * 12) / "runs.db"
    assert len(str(deep)) > SQLITE_MAX_PATH
    with pytest.raises(StoreError, match=r"characters long; SQLite opens paths of at most 500: give a shorter one"):
        Store(f"sqlite:///{deep}")
    assert not (tmp_path / "long").exists()


def test_a_run_that_fails_leaves_no_store_it_made(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The store is opened before the run; `run -m war` on a scenario without a war block then
    failed and left an empty runs.db (36 KB of empty tables). A store that existed is kept."""
    from detente.cli import main

    s = tmp_path / "s.yaml"
    s.write_text("name: t\nactors: [{id: a}, {id: b}]\nissues: [{id: x}]\nstances:\n"
                 "  - {actor: a, issue: x, position: 10}\n  - {actor: b, issue: x, position: 90}\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    assert main(["run", str(s), "-m", "war", "--store", str(db)]) == 2
    assert "needs a war: block" in capsys.readouterr().err
    assert not db.exists() and list(tmp_path.iterdir()) == [s]
    assert main(["run", str(s), "-m", "mean", "--store", str(db)]) == 0 and db.exists()
    assert main(["run", str(s), "-m", "war", "--store", str(db)]) == 2
    assert db.exists() and Store(str(db), existing=True).count() == 1


def test_a_seal_or_replay_that_fails_leaves_no_store_it_made(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`seal -m war` on a scenario without a war block and `ledger --replay-deu` on a broken table
    opened (and made) the store first and left it behind, empty."""
    from detente.cli import main

    s = tmp_path / "s.yaml"
    s.write_text("name: t\nactors: [{id: a}, {id: b}]\nissues: [{id: x}]\nstances:\n"
                 "  - {actor: a, issue: x, position: 10}\n  - {actor: b, issue: x, position: 90}\n", encoding="utf-8")
    bad = tmp_path / "deu.tsv"
    bad.write_text("isnr\tprnr\n1\t2\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    assert main(["seal", str(s), "-m", "war", "--question", "q?", "--resolves-by", "2099-01-01",
                 "--criterion", "c", "--store", str(db)]) == 2
    assert "needs a war: block" in capsys.readouterr().err
    assert main(["ledger", "--replay-deu", str(bad), "--store", str(db)]) == 2
    assert "not a DEU issue table" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deu.tsv", "s.yaml"]
