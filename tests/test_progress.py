"""Progress on long work: a Rich bar on stderr when it is a terminal, nothing with --format json or
when stderr is not a terminal; the library functions report through a callback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

import detente.progress as progress
from conftest import EXAMPLES, PEERS
from detente.runner import run
from detente.scenario.io import load


@pytest.fixture
def fake_tty(monkeypatch) -> io.StringIO:
    """stderr as a terminal (a forced-terminal Rich console on a buffer), and no start-up delay."""
    buf = io.StringIO()
    monkeypatch.setattr(progress, "stderr_console", lambda: Console(file=buf, force_terminal=True, width=100))
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    return buf


def test_bar_draws_on_a_terminal_only(fake_tty: io.StringIO) -> None:
    with progress.progress_bar("work") as report:
        for k in range(5):
            report(k, 4)
    assert "work" in fake_tty.getvalue() and "4/4" in fake_tty.getvalue()
    quiet = io.StringIO()
    with progress.progress_bar("work", console=Console(file=quiet)) as report:  # not a terminal
        report(1, 2)
    assert quiet.getvalue() == ""
    with progress.progress_bar("work", enabled=False) as report:
        report(1, 2)
    assert report is progress.noop


def test_short_work_shows_no_bar(monkeypatch) -> None:
    buf = io.StringIO()
    monkeypatch.setattr(progress, "DELAY_S", 60.0)
    with progress.progress_bar("work", console=Console(file=buf, force_terminal=True)) as report:
        report(0, 10)
        report(5, 10)
    assert buf.getvalue() == ""


def test_runner_reports_draws() -> None:
    s = load(EXAMPLES / "ukraine-settlement.yaml")
    seen: list[tuple[int, int]] = []
    r = run(s, "mean", draws=300, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 300), (300, 300)]
    assert r.forecast == run(s, "mean", draws=300, seed=1).forecast  # progress changes nothing
    seen.clear()
    run(s, ["mean", "median"], draws=10, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 20), (10, 20), (10, 20), (20, 20)]


def test_runner_passes_progress_to_models_that_take_it(monkeypatch) -> None:
    import numpy as np

    from detente.models import registry
    from detente.models.base import ModelSpec, Options, Trajectory

    def model(arr, opts, rng, progress=None):
        for d in range(arr.draws):
            progress(d + 1, arr.draws)
        return Trajectory(forecast=np.zeros((arr.draws, arr.n_issues)))

    monkeypatch.setitem(registry._specs, "counting", ModelSpec("counting", "test", Options, model))
    seen: list[int] = []
    run(load(EXAMPLES / "ukraine-settlement.yaml"), "counting", draws=4, progress=lambda d, t: seen.append(d))
    assert seen == [0, 1, 2, 3, 4, 4]


@pytest.mark.parametrize("model, knob", [
    ("exchange", ("detente.models.exchange", "DRAWS_PER_PASS", 40)),
    ("smp", ("detente.models.smp", "BATCH_ELEMENTS", 40 * 8 * 8 * 4)),
    ("bdm", None),  # blocks of rows from the option chunk_elements
    ("war", "months"),  # a month at a time, every draw still fighting
])
def test_long_models_report_progress_inside_their_run_and_passes_change_nothing(monkeypatch, model, knob) -> None:
    """A long run of one model moves the bar while it runs (before, the bar sat at 0 until the end),
    and a draw's numbers do not depend on the pass or batch it ran in."""
    import importlib

    import numpy as np

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    whole = run(s, model, draws=100, seed=3)
    options = None
    if knob is None:
        options = {"chunk_elements": 40 * 5 * 11}  # 40 draws x 5 issues of 11 rounds x 8 actors / 8
    elif knob == "months":
        pass
    else:
        monkeypatch.setattr(importlib.import_module(knob[0]), knob[1], knob[2])
    seen: list[tuple[int, int]] = []
    parts = run(s, model, draws=100, seed=3, options=options, progress=lambda d, t: seen.append((d, t)))
    inside = [d for d, t in seen[1:-1]]
    assert len(inside) >= 3 and 0 < inside[0] < 100 and inside == sorted(inside) and inside[-1] == 100
    assert {t for _, t in seen} == {100}
    assert np.array_equal(parts.trajectory.forecast, whole.trajectory.forecast)
    assert np.array_equal(parts.trajectory.positions, whole.trajectory.positions)


def test_sensitivity_reports_design_points() -> None:
    pytest.importorskip("SALib")
    from detente.uncertainty.sensitivity import sensitivity

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    seen: list[tuple[int, int]] = []
    res = sensitivity(s, "mean", method="morris", n=4, seed=1, progress=lambda d, t: seen.append((d, t)))
    total = seen[-1][1]
    assert seen[0] == (0, total) and seen[-1] == (total, total) and total == res.evaluations
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_backtest_reports_runs() -> None:
    if not PEERS.exists():
        pytest.skip("peer data not found")
    from detente.backtest.deu import backtest

    seen: list[tuple[int, int]] = []
    backtest(PEERS / "deu-data" / "deu3_blksv.tsv", ["mean", "median"], progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 2), (1, 2), (2, 2)]


def _toy(tmp_path: Path) -> Path:
    p = tmp_path / "toy.yaml"
    p.write_text("name: toy\nactors: [{id: A}, {id: B, capability: {low: 1, high: 3}}]\nissues: [{id: x}]\n"
                 "stances: [{actor: A, issue: x, position: 20}, {actor: B, issue: x, position: {low: 50, high: 90}}]\n")
    return p


def test_cli_run_shows_a_bar_on_a_terminal_and_none_with_json(tmp_path: Path, fake_tty: io.StringIO,
                                                              capsys) -> None:
    from detente.cli import main

    toy = _toy(tmp_path)
    assert main(["run", str(toy), "-m", "mean", "-m", "median", "-n", "2000"]) == 0
    assert "running" in fake_tty.getvalue()
    capsys.readouterr()
    fake_tty.truncate(0)
    fake_tty.seek(0)
    assert main(["run", str(toy), "-m", "mean", "-m", "median", "-n", "2000", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert fake_tty.getvalue() == ""
    data = json.loads(out)  # stdout is pure JSON
    assert [d["model"] for d in data["results"]] == ["mean", "median"]


def test_cli_sweep_bar_and_clean_json(tmp_path: Path, fake_tty: io.StringIO, capsys) -> None:
    from detente.cli import main

    toy = _toy(tmp_path)
    args = ["sweep", str(toy), "-v", "actors[A].capability=1:3:3", "-m", "mean", "-j", "1"]
    assert main(args) == 0
    assert "sweep" in fake_tty.getvalue()
    capsys.readouterr()
    fake_tty.truncate(0)
    fake_tty.seek(0)
    assert main([*args, "-f", "json"]) == 0
    assert fake_tty.getvalue() == ""
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 3


def test_rare_reports_still_show_the_bar_after_the_delay(monkeypatch) -> None:
    import time

    buf = io.StringIO()
    monkeypatch.setattr(progress, "DELAY_S", 0.05)
    with progress.progress_bar("one model", console=Console(file=buf, force_terminal=True)) as report:
        report(0, 100)  # the work starts ...
        time.sleep(0.3)  # ... and reports nothing for a while
        assert "one model" in buf.getvalue()
        report(100, 100)
