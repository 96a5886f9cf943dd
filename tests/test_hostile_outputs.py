"""Hostile and broken output paths, and CSV injection (issue #14, items 3 and 4).

Every output path problem - a folder in the way, a file as a parent, no permission, ``/proc``, a
full disk, a read-only run store - is one clear message naming the path, exit code 2, no
traceback, and nothing half-written: the target is unchanged and no ``.*.tmp`` is left behind.
Exported CSVs write text cells that a spreadsheet would run as a formula with a leading quote;
numbers, JSON and the native files are unchanged; the HTML report still escapes the text.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest

from detente.cli import main
from detente.csvsafe import FORMULA_START, csv_text, safe_cell

SCENARIO = {
    "name": "t",
    "actors": [{"id": "A"}, {"id": "B"}],
    "issues": [{"id": "x"}],
    "stances": [{"actor": "A", "issue": "x", "position": 20}, {"actor": "B", "issue": "x", "position": 80}],
}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def scen(tmp_path: Path) -> Path:
    p = tmp_path / "in" / "s.json"
    p.parent.mkdir()
    p.write_text(json.dumps(SCENARIO), encoding="utf-8")
    return p


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder): to check nothing changed."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def no_temp_files(*folders: Path) -> bool:
    return not [p for f in folders if f.is_dir() for p in f.rglob(".*.tmp")]


def fails_cleanly(capsys: pytest.CaptureFixture[str], argv: list[str], *said: str) -> str:
    """Run the CLI: exit 2, an ``error:`` line naming each of ``said``, no traceback, no internal error."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    flat = "".join(err.split())  # the console may wrap long lines
    assert "error:" in err and "Traceback" not in err and "internal error" not in err, err
    for text in said:
        assert "".join(text.split()) in flat, (text, err)
    return err


def _disk_full(*_a: object, **_k: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# --------------------------------------------------------------------------------------------
# a folder in the way, a file as a parent


@pytest.mark.parametrize("name", ["out", "out.yaml"])
def test_convert_onto_a_folder(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    target = tmp_path / name
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    fails_cleanly(capsys, ["convert", str(scen), str(target) + "/"], f"{target}: is a folder")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("sub", ["x.yaml", "a/b/x.yaml"])
def test_convert_under_a_file(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sub: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    before = snapshot(tmp_path)
    fails_cleanly(capsys, ["convert", str(scen), str(blocker / sub)], str(blocker / sub),
                  f"{blocker} is a file, not a folder")
    assert snapshot(tmp_path) == before


def test_run_out_onto_a_file(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.write_text("mine")
    fails_cleanly(capsys, ["run", str(scen), "--out", str(target)], f"{target}: is a file, not a folder")
    assert target.read_text() == "mine" and no_temp_files(tmp_path)
    fails_cleanly(capsys, ["run", str(scen), "--out", str(target / "sub")], f"{target} is a file")
    assert target.read_text() == "mine" and no_temp_files(tmp_path)


def test_run_out_with_a_folder_in_the_way_of_one_file_moves_nothing(
        scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "positions.csv").write_text("old")
    (out / "report.html").mkdir()  # the last file written is blocked: no other may have moved
    before = snapshot(tmp_path)
    fails_cleanly(capsys, ["run", str(scen), "--out", str(out)], f"{out / 'report.html'}: is a folder in the way")
    assert snapshot(tmp_path) == before and no_temp_files(tmp_path)


def test_compare_and_sensitivity_out_onto_a_file(scen: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.write_text("mine")
    fails_cleanly(capsys, ["compare", str(scen), str(scen), "--out", str(target)], f"{target}: is a file")
    pytest.importorskip("SALib")
    uncertain = json.loads(scen.read_text())
    uncertain["stances"][0]["position"] = {"low": 10, "high": 30}  # something to rank
    scen.write_text(json.dumps(uncertain))
    fails_cleanly(capsys, ["sensitivity", str(scen), "-m", "mean", "--samples", "4", "--out", str(target)],
                  f"{target}: is a file")
    assert target.read_text() == "mine" and no_temp_files(tmp_path)


def test_schema_and_export_onto_a_folder(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    target = tmp_path / "d"
    target.mkdir()
    fails_cleanly(capsys, ["schema", "--out", str(target)], f"{target}: is a folder")
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(["run", str(scen), "--store", url]) == 0
    capsys.readouterr()
    fails_cleanly(capsys, ["runs", "export", "--store", url, "-f", "csv", "--out", str(target)],
                  f"{target}: is a folder")
    assert list(target.iterdir()) == []


# --------------------------------------------------------------------------------------------
# no permission


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root writes into any folder whatever its mode")
def test_unwritable_folder_by_mode(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "out").mkdir()
    (locked / "out" / "positions.csv").write_text("old")
    locked.chmod(0o555)
    (locked / "out").chmod(0o555)
    try:
        before = snapshot(locked)
        fails_cleanly(capsys, ["convert", str(scen), str(locked / "s.yaml")], "no permission to write")
        fails_cleanly(capsys, ["run", str(scen), "--out", str(locked / "new")], "no permission to write")
        fails_cleanly(capsys, ["run", str(scen), "--out", str(locked / "out")], "no permission to write")
        assert snapshot(locked) == before and no_temp_files(locked)
    finally:
        (locked / "out").chmod(0o755)
        locked.chmod(0o755)


def _sys_is_unwritable() -> bool:
    try:
        tempfile.mkstemp(dir="/sys")
    except OSError:
        return True
    return False  # pragma: no cover - a /sys that takes files: the test is skipped


@pytest.mark.skipif(not Path("/sys").is_dir() or not _sys_is_unwritable(), reason="needs an unwritable /sys")
def test_system_folder_refuses_even_root(scen: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["convert", str(scen), "/sys/detente-test.yaml"], ["run", str(scen), "--out", "/sys/detente-out"],
                 ["schema", "--out", "/sys/detente-schema.json"]):
        fails_cleanly(capsys, argv, argv[-1], "no permission to write in the folder /sys")
    assert not Path("/sys/detente-out").exists()


def test_no_permission_simulated(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What a non-root user sees in a folder without write permission (simulated: tests may run as root)."""
    def denied(*_a: object, dir: str | None = None, **_k: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), dir)

    def denied_file(path: Path) -> None:  # what os.open(O_CREAT) raises in such a folder
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path.parent / f".{path.name}.0.tmp"))

    import detente.scenario.io as scenario_io

    monkeypatch.setattr(scenario_io, "_new_temporary_file", denied_file)
    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    fails_cleanly(capsys, ["convert", str(scen), str(tmp_path / "s.yaml")],
                  f"{tmp_path / 's.yaml'}: no permission to write in the folder {tmp_path} (Permission denied)")
    fails_cleanly(capsys, ["run", str(scen), "--out", str(tmp_path / "out")],
                  f"{tmp_path / 'out'}: no permission to write in the folder {tmp_path}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_existing_output_folder_without_permission_moves_nothing(
        scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "positions.csv").write_text("old")
    before = snapshot(tmp_path)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == out and mode & os.W_OK
                        else real(p, mode, **k))
    fails_cleanly(capsys, ["run", str(scen), "--out", str(out)], f"{out}: no permission to write in the folder {out}")
    assert snapshot(tmp_path) == before and no_temp_files(tmp_path)


# --------------------------------------------------------------------------------------------
# /proc, a full disk


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_proc(scen: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fails_cleanly(capsys, ["convert", str(scen), "/proc/detente/x.yaml"],
                  "/proc/detente/x.yaml: the folder /proc/detente does not exist and cannot be created")
    fails_cleanly(capsys, ["convert", str(scen), "/proc/x.yaml"], "/proc/x.yaml: cannot create a file in the folder /proc")
    fails_cleanly(capsys, ["run", str(scen), "--out", "/proc/detente-out"], "/proc/detente-out")


def test_disk_full_leaves_the_old_files(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old.yaml"
    old.write_text("old")
    old_json = tmp_path / "old.json"  # a sweep writes JSON or CSV
    old_json.write_text("old")
    out = tmp_path / "out"
    out.mkdir()
    (out / "positions.csv").write_text("old")
    before = snapshot(tmp_path)
    monkeypatch.setattr(os, "fsync", _disk_full)  # the data is written, the flush to disk fails
    fails_cleanly(capsys, ["convert", str(scen), str(old)], f"{old}: the disk is full while writing it")
    fails_cleanly(capsys, ["run", str(scen), "--out", str(out)], f"{out}: the disk is full")
    fails_cleanly(capsys, ["run", str(scen), "--out", str(tmp_path / "new")], f"{tmp_path / 'new'}: the disk is full")
    fails_cleanly(capsys, ["sweep", str(scen), "-m", "mean", "-v", "actors[A].capability=1:2:2",
                           "--out", str(old_json)], f"{old_json}: the disk is full")
    assert snapshot(tmp_path) == before and no_temp_files(tmp_path)


def test_disk_full_during_runs_export(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(["run", str(scen), "--store", url]) == 0
    target = tmp_path / "export.csv"
    target.write_text("old")
    capsys.readouterr()
    monkeypatch.setattr(os, "fsync", _disk_full)
    fails_cleanly(capsys, ["runs", "export", "--store", url, "-f", "csv", "--out", str(target)],
                  f"{target}: the disk is full while writing it")
    assert target.read_text() == "old" and no_temp_files(tmp_path)


# --------------------------------------------------------------------------------------------
# a read-only run store


def _count_runs(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute("select count(*) from runs").fetchone()[0])


def test_read_only_store_file(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    db = tmp_path / "runs.db"
    assert main(["run", str(scen), "--store", f"sqlite:///{db}"]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    # opened read-only by SQLite itself: read-only for root too
    fails_cleanly(capsys, ["run", str(scen), "--store", f"sqlite:///file:{db}?mode=ro&uri=true"],
                  "cannot write to the run store", "the database is read-only")
    fails_cleanly(capsys, ["sweep", str(scen), "-m", "mean", "-v", "actors[A].capability=1:2:2",
                           "--store", f"sqlite:///file:{db}?mode=ro&uri=true"], "the database is read-only")
    assert db.read_bytes() == before and _count_runs(db) == 1


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root writes into any file whatever its mode")
def test_read_only_store_by_mode(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    folder = tmp_path / "store"
    db = folder / "runs.db"
    assert main(["run", str(scen), "--store", f"sqlite:///{db}"]) == 0
    capsys.readouterr()
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        fails_cleanly(capsys, ["run", str(scen), "--store", f"sqlite:///{db}"], "run store", str(folder))
        fails_cleanly(capsys, ["run", str(scen), "--store", f"sqlite:///{folder / 'new.db'}"],
                      f"no permission to write in the folder {folder}")
        assert _count_runs(db) == 1 and not (folder / "new.db").exists()
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


@pytest.mark.skipif(not Path("/sys").is_dir() or not _sys_is_unwritable(), reason="needs an unwritable /sys")
def test_store_in_a_read_only_folder(scen: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    fails_cleanly(capsys, ["run", str(scen), "--store", "sqlite:////sys/detente-runs.db"],
                  "cannot open the run store", "no permission to write in the folder /sys")
    # a read-only command never creates a store: it says there is none there
    fails_cleanly(capsys, ["runs", "list", "--store", "sqlite:////sys/detente-runs.db"],
                  "no run store at /sys/detente-runs.db", "nothing has been recorded there")


def test_store_under_a_file(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    fails_cleanly(capsys, ["run", str(scen), "--store", f"sqlite:///{blocker / 'runs.db'}"],
                  f"{blocker} is a file, not a folder")
    assert blocker.read_text() == "mine"


# --------------------------------------------------------------------------------------------
# CSV injection

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
XSS = "<img src=x onerror=alert(1)>"


def hostile_scenario() -> dict:
    actors = [{"id": a} for a in HOSTILE] + [{"id": "A", "name": XSS}]
    stances = [{"actor": a, "issue": "x", "position": p} for a, p in zip(HOSTILE, (-3.5, 4, -8, 1, -6, 0))]
    stances += [{"actor": "A", "issue": "x", "position": 2}, {"actor": "A", "issue": "=1+1", "position": 50},
                {"actor": HOSTILE[0], "issue": "=1+1", "position": 10}]
    return {"name": "=cmd", "actors": actors, "stances": stances,
            "issues": [{"id": "x", "scale": {"min": -10, "max": 10}}, {"id": "=1+1"}]}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    p = tmp_path / "hostile.json"
    p.write_text(json.dumps(hostile_scenario()), encoding="utf-8")
    return p


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _no_formula_cell(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_START):
                float(cell)  # only a plain number may start with - or +


def test_safe_cell_quotes_text_and_keeps_numbers() -> None:
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for number in ("-3.5", "+2", "-1e-05", "-0.25E+3", "12", "-.5"):
        assert safe_cell(number) == number
    for value in (-3.5, -2, None, 0.0):
        assert safe_cell(value) == value
    for text in ("A", "x=1", "'=already", "", "-", "-inf", "--1"):
        assert safe_cell(text) == (text if not text.startswith(FORMULA_START) else "'" + text)
    assert _cells(csv_text(["h"], [[HOSTILE[0]], [-3.5]])) == [["h"], ["'" + HOSTILE[0]], ["-3.5"]]


def test_positions_csv_and_the_run_folder(hostile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(hostile), "-m", "mean", "--out", str(out)]) == 0
    rows = _cells((out / "positions.csv").read_bytes().decode("utf-8"))
    assert rows[0] == ["model", "issue", "actor", "round", "quantity", "value", "issue_name", "actor_name"]
    _no_formula_cell(rows)
    actors = {r[2] for r in rows[1:] if r[0] == "input"}
    assert actors == {"'" + a for a in HOSTILE} | {"A"}
    assert {r[1] for r in rows[1:]} == {"x", "'=1+1"}
    first = next(r for r in rows if r[2] == "'" + HOSTILE[0] and r[1] == "x" and r[4] == "position")
    assert first[5] == "-3.5"  # a negative number stays a number
    # JSON is unchanged: the ids as they are
    text = (out / "result.json").read_text(encoding="utf-8")
    assert set(json.loads(text)["results"][0]["forecast"]) == {"x", "=1+1"}
    assert json.dumps(HOSTILE[0]) in text and "'=" not in text and "'+cmd" not in text
    # the HTML report escapes the text, and never shows it quoted
    page = (out / "report.html").read_text(encoding="utf-8")
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'HYPERLINK("http' not in page and "HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page
    assert "'=HYPERLINK" not in page and "&#x27;=HYPERLINK" not in page and "&#39;=HYPERLINK" not in page


def test_native_files_are_unchanged(hostile: Path, tmp_path: Path) -> None:
    from detente.scenario.io import load

    for name in ("copy.yaml", "copy.json"):
        assert main(["convert", str(hostile), str(tmp_path / name)]) == 0
        back = load(tmp_path / name)
        assert back.actor_ids == load(hostile).actor_ids == [*HOSTILE, "A"]


def test_runs_export_and_sweep_csv(hostile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(["run", str(hostile), "-m", "mean", "--store", url]) == 0
    assert main(["runs", "export", "--store", url, "-f", "csv", "--out", str(tmp_path / "e.csv")]) == 0
    rows = _cells((tmp_path / "e.csv").read_bytes().decode("utf-8"))
    _no_formula_cell(rows)
    head = rows[0]
    assert {r[head.index("scenario")] for r in rows[1:]} == {"'=cmd"}
    assert {r[head.index("issue")] for r in rows[1:]} == {"x", "'=1+1"}
    capsys.readouterr()
    assert main(["runs", "export", "--store", url, "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["scenario_name"] == "=cmd"  # JSON unchanged

    assert main(["sweep", str(hostile), "-m", "mean", "-v", "actors[A].capability=1:2:2",
                 "--out", str(tmp_path / "s.csv")]) == 0
    rows = _cells((tmp_path / "s.csv").read_bytes().decode("utf-8"))
    _no_formula_cell(rows)
    assert {r[rows[0].index("issue")] for r in rows[1:]} == {"x", "'=1+1"}
    forecasts = [float(r[rows[0].index("forecast")]) for r in rows[1:] if r[rows[0].index("issue")] == "x"]
    assert forecasts and all(f < 0 for f in forecasts)  # negative numbers written as numbers
    assert main(["sweep", str(hostile), "-m", "mean", "-m", "median", "-v", "actors[A].capability=1:2:2",
                 "--out", str(tmp_path / "s2.csv")]) == 0
    _no_formula_cell(_cells((tmp_path / "s2.csv").read_bytes().decode("utf-8")))


def test_web_export_zip(tmp_path: Path) -> None:
    from detente.runner import run
    from detente.scenario.model import Scenario
    from detente.web.exports import outputs_zip

    s = Scenario.model_validate(hostile_scenario())
    _name, data = outputs_zip(s, [run(s, "mean")])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        csv_name = next(n for n in z.namelist() if n.endswith("positions.csv"))
        rows = _cells(z.read(csv_name).decode("utf-8"))
        yaml_text = z.read(next(n for n in z.namelist() if n.endswith("scenario.yaml"))).decode("utf-8")
    _no_formula_cell(rows)
    assert {r[2] for r in rows[1:] if r[0] == "input"} == {"'" + a for a in HOSTILE} | {"A"}
    assert "'=HYPERLINK" not in yaml_text  # the native file is unchanged


def test_written_files_get_the_permissions_of_a_plain_open(tmp_path: Path) -> None:
    """``convert``, ``schema --out``, ``pool --out``... wrote 0600 files (``tempfile.mkstemp``'s
    mode) while ``run --out`` wrote 0644: colleagues or a web server could not read them."""
    import os
    import stat

    from detente.scenario.io import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.yaml", "a: 1\n")
        assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o644
        (tmp_path / "kept.yaml").write_text("a: 0\n")
        os.chmod(tmp_path / "kept.yaml", 0o640)
        atomic_write_text(tmp_path / "kept.yaml", "a: 1\n")
        assert stat.S_IMODE((tmp_path / "kept.yaml").stat().st_mode) == 0o640
        assert (tmp_path / "kept.yaml").read_text() == "a: 1\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.yaml", "new.yaml"]  # no temporary left
    finally:
        os.umask(old)


# --------------------------------------------------------------------------------------------
# an output onto an input


def test_no_command_writes_over_its_own_input(scen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`convert a.yaml a.yaml`, `pool A B --out A`, `sweep S ... --out S` and `runs export --store
    sqlite:///r.db --out r.db` all replaced their input (the last one the whole run store with its
    ledger), exit 0. Now: one message, exit 2, the input as it was."""
    other = tmp_path / "in" / "t.json"
    other.write_text(json.dumps({**SCENARIO, "name": "u"}), encoding="utf-8")
    before = snapshot(tmp_path / "in")
    fails_cleanly(capsys, ["convert", str(scen), str(scen)], str(scen), "is an input of this command")
    fails_cleanly(capsys, ["pool", str(scen), str(other), "--out", str(other)], "is an input of this command")
    fails_cleanly(capsys, ["sweep", str(scen), "-m", "mean", "-v", "actors[A].capability=1:2:2", "-j", "1",
                           "--out", str(scen)], "is an input of this command")
    assert snapshot(tmp_path / "in") == before and no_temp_files(tmp_path / "in")
    db = tmp_path / "r.db"
    assert main(["run", str(scen), "-m", "mean", "--store", f"sqlite:///{db}"]) == 0
    capsys.readouterr()
    stored = db.read_bytes()
    fails_cleanly(capsys, ["runs", "export", "--store", f"sqlite:///{db}", "--out", str(db)], "is an input of this command")
    # nor over a database that is not an input: a JSON or YAML output never replaces a run store
    fails_cleanly(capsys, ["schema", "--out", str(db)], "is a SQLite database")
    assert db.read_bytes() == stored and sqlite3.connect(db).execute("select count(*) from runs").fetchone()[0] == 1
    assert main(["convert", str(scen), str(tmp_path / "s.yaml")]) == 0  # a new path is written as always


def test_python_may_save_a_scenario_back_where_it_was_loaded(scen: Path) -> None:
    """The guard is the command's: in Python, load, change and save back is the usual thing to do."""
    import detente

    s = detente.load(str(scen))
    detente.save(s.model_copy(update={"name": "changed"}), str(scen))
    assert detente.load(str(scen)).name == "changed"


def test_save_refuses_a_scenario_that_load_would_refuse(scen: Path, tmp_path: Path) -> None:
    """``detente.save`` wrote a scenario changed in Python to a position off its scale: a file that
    ``load`` then refused. An actor appended as a plain dict made pydantic warn at every dump."""
    import warnings

    import detente
    from detente.errors import InputError

    s = detente.load(str(scen))
    before = scen.read_bytes()
    s.stances[0].position = 1e6
    for target in (scen, tmp_path / "new.yaml"):
        with pytest.raises(InputError, match=r"not written: the scenario does not validate[\s\S]*"
                                             r"stances\[0\]\.position: off the scale"):
            detente.save(s, str(target))
    assert scen.read_bytes() == before and not (tmp_path / "new.yaml").exists()
    s = detente.load(str(scen))
    s.actors.append({"id": "newcomer"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        detente.save(s, str(tmp_path / "more.yaml"))
    assert detente.load(str(tmp_path / "more.yaml")).actors[-1].id == "newcomer"
