"""The figure workers of ``detente run --out`` (:mod:`detente.report.workers`): the same figures, in
the same order, byte for byte, as rendering them in one process; a failing worker falls back to that;
workers that are not asked for their figures are stopped and leave nothing behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from detente.explain import attach
from detente.report import workers as W
from detente.report.outputs import write_outputs
from detente.report.plots import figures_for, png_bytes, register_plot, unregister_plot
from detente.runner import run
from detente.scenario.model import Scenario

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the workers fork on Linux only")

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = Scenario.model_validate({
    "name": "workers",
    "actors": [{"id": "A", "capability": 3}, {"id": "B", "capability": 2}, {"id": "C", "capability": 1}],
    "issues": [{"id": "x", "anchors": {0: "none", 100: "all"}, "status_quo": 10}, {"id": "y"}],
    "stances": [
        {"actor": "A", "issue": "x", "position": 20, "salience": 0.8},
        {"actor": "B", "issue": "x", "position": {"low": 50, "high": 90}, "salience": 0.6},
        {"actor": "C", "issue": "x", "position": 70, "salience": 0.4},
        {"actor": "A", "issue": "y", "position": 90, "salience": 0.3},
        {"actor": "B", "issue": "y", "position": 10, "salience": 0.9},
        {"actor": "C", "issue": "y", "position": 40, "salience": 0.5},
    ],
})


def _runs(draws: int) -> list:
    return [run(SCENARIO, m, draws=draws, seed=5) for m in ("mean", "bdm")]


def _in_one_process(results: list) -> list[tuple[str, str, bytes]]:
    return [(stem, title, png_bytes(fig)) for stem, title, fig in figures_for(SCENARIO, results)]


@pytest.mark.parametrize("draws", [1, 30])
@pytest.mark.parametrize("n", [1, 2])
def test_workers_give_the_figures_of_one_process(draws, n):
    """As the program does it: submitted before the explanations, which follow (a trajectory
    chart with draws needs them), then collected."""
    results = _runs(draws)
    with W.FigureWorkers(n) as workers:
        workers.submit(SCENARIO, results)
        results = [attach(SCENARIO, r, war_sensitivity=False) for r in results]
        workers.explained(results)
        got = workers.collect(SCENARIO, results)
    expected = _in_one_process(results)
    assert [(s, t) for s, t, _ in got] == [(s, t) for s, t, _ in expected]
    assert "trajectory-bdm" in [s for s, _, _ in got] and "explain-winners" in [s for s, _, _ in got]
    assert [p for _, _, p in got] == [p for _, _, p in expected]


def test_a_failing_worker_falls_back_to_this_process(tmp_path):
    results = [attach(SCENARIO, r, war_sensitivity=False) for r in _runs(1)]
    parent = os.getpid()

    def hook(scenario, result):
        if os.getpid() != parent:
            raise RuntimeError("no drawing in a worker")
        return []

    register_plot("mean", hook)
    try:
        workers = W.FigureWorkers(2)
        workers.submit(SCENARIO, results)
        parallel = write_outputs(tmp_path / "w", SCENARIO, results, workers=workers)
        serial = write_outputs(tmp_path / "s", SCENARIO, results)
    finally:
        unregister_plot("mean", hook)
    assert "RuntimeError: no drawing in a worker" in (workers.error or "")
    assert sorted(parallel) == sorted(serial)
    for name in parallel:
        assert parallel[name].read_bytes() == serial[name].read_bytes(), name
    assert not workers.folder.exists()


def test_workers_not_collected_are_stopped():
    workers = W.FigureWorkers(2)
    group = workers._pid
    workers.close()
    with pytest.raises(ChildProcessError):  # the first worker is reaped
        os.waitpid(group, os.WNOHANG)
    for _ in range(100):  # and its group, the other worker with it, is gone
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        pytest.fail("a figure worker outlived close()")
    assert not workers.folder.exists()
    with pytest.raises(W.WorkerError, match="stopped"):
        workers.collect(SCENARIO, _runs(1))
    workers.close()  # twice is fine


def test_worker_count(monkeypatch):
    monkeypatch.setenv(W.WORKERS_ENV, "0")
    assert W.worker_count() == 0 and W.start() is None
    monkeypatch.setenv(W.WORKERS_ENV, "3")
    assert W.worker_count() == 3
    monkeypatch.delenv(W.WORKERS_ENV)
    assert 0 <= W.worker_count() <= W.MAX_WORKERS


def _program(out: Path, workers: str, tmp: Path) -> dict[str, bytes]:
    tmp.mkdir()
    env = {**os.environ, W.WORKERS_ENV: workers, "TMPDIR": str(tmp)}
    subprocess.run([sys.executable, "-m", "detente", "run", str(ROOT / "examples" / "ktab-dummy-3dim.yaml"),
                    "--model", "mean", "--model", "bdm", "--out", str(out)], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_the_program_writes_the_same_files_with_and_without_workers(tmp_path):
    with_workers = _program(tmp_path / "w", "2", tmp_path / "tmp-w")
    without = _program(tmp_path / "s", "0", tmp_path / "tmp-s")
    assert sorted(with_workers) == sorted(without)
    assert any(name.startswith("trajectory-") for name in with_workers)
    for name, data in with_workers.items():
        if name.endswith(".png"):
            assert data == without[name], name
    elapsed = re.compile(rb"[0-9.]+ s</td>")  # the run's time in the provenance table
    assert elapsed.sub(b"", with_workers["report.html"]) == elapsed.sub(b"", without["report.html"])
    assert not list((tmp_path / "tmp-w").iterdir())  # the workers' folder is gone


def test_the_main_process_does_not_import_matplotlib():
    """Naming the workers' figures and writing the page stays light: matplotlib is the workers' import."""
    code = f"""if True:
        import sys
        from detente.report import workers as W
        from detente.runner import run
        from detente.scenario.model import Scenario
        SCENARIO = Scenario.model_validate_json({SCENARIO.model_dump_json()!r})
        results = [run(SCENARIO, "mean")]
        w = W.FigureWorkers(1)
        w.submit(SCENARIO, results)
        figs = w.collect(SCENARIO, results)
        assert [s for s, _, _ in figs] == ["issue-x", "issue-y"], figs
        import pathlib, tempfile
        from detente.explain import attach
        from detente.report.outputs import write_outputs
        results = [attach(SCENARIO, run(SCENARIO, m), war_sensitivity=False) for m in ("mean", "bdm")]
        w = W.FigureWorkers(2)
        w.submit(SCENARIO, results)
        with tempfile.TemporaryDirectory() as d:
            names = sorted(write_outputs(pathlib.Path(d) / "out", SCENARIO, results, workers=w))
        assert "trajectory-bdm.png" in names and "report.html" in names and w.error is None, (names, w.error)
        assert "matplotlib" not in sys.modules
    """
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_workers_of_a_main_process_that_died_leave_nothing_behind():
    """The main process ends without stopping its workers (killed): they see their lifeline close,
    end, and the last removes the temporary folder."""
    code = """if True:
        import os
        from detente.report import workers as W
        w = W.FigureWorkers(2)
        print(w.folder, flush=True)
        os._exit(0)
    """
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    folder = Path(out.stdout.strip())
    for _ in range(250):
        if not folder.exists():
            break
        time.sleep(0.02)
    assert not folder.exists()
