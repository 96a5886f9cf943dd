"""A run too large for the machine's memory is refused up front, in words, with the draws that
would fit; one that runs out of memory later ends with a message and exit code 2, not "Killed" or
an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

import detente.memory as memory
from conftest import EXAMPLES
from detente.cli import main
from detente.errors import InputError
from detente.runner import run
from detente.scenario.io import load

FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"


def test_a_run_that_cannot_fit_is_refused_before_it_starts(monkeypatch) -> None:
    s = load(FLAGSHIP)  # 8 actors, 5 issues
    need = memory.need_bytes(50_000, 5, 8, kept_rounds=11)  # exchange keeps rounds 0-10
    monkeypatch.setattr(memory, "available_bytes", lambda: need // 2)
    with pytest.raises(InputError) as e:
        run(s, "exchange", draws=50_000)
    problem = e.value.problems[0]
    assert problem.field == "draws" and problem.value == 50_000
    assert "need at least 224 MB" in problem.message and "more than the 112 MB available" in problem.message
    assert "at most about 22,000 draws" in problem.message  # 50,000 x 0.5 x 0.9, two digits
    assert "fewer rounds (-o exchange.rounds=N)" in problem.message
    run(s, "exchange", draws=1)  # what fits runs
    assert run(s, "mean", draws=100_000)  # no rounds: its inputs alone, 96 MB, fit


def test_the_check_uses_what_the_model_keeps_at_least() -> None:
    """smp stops when it converges: it is charged the rounds it always keeps (0-2), not max_rounds."""
    from detente.models import registry

    smp, bdm = registry.get("smp"), registry.get("bdm")
    assert smp.kept_rounds(smp.make_options({"max_rounds": 500})) == 3
    assert bdm.kept_rounds(bdm.make_options({"rounds": 20})) == 21
    assert registry.get("mean").kept_rounds is None
    memory.check_fits(bdm, bdm.make_options(), 10, 5, 8, available=None)  # unknown: no refusal


def test_available_memory_is_known_on_linux() -> None:
    if not Path("/proc/meminfo").exists():
        pytest.skip("no /proc/meminfo")
    free = memory.available_bytes()
    assert free is not None and free > 10_000_000


def test_cli_refuses_in_words_with_exit_code_2(monkeypatch, capsys) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: 1_000_000)
    assert main(["run", str(FLAGSHIP), "-m", "bdm", "-n", "100000"]) == 2
    err = capsys.readouterr().err
    assert "100,000 draws of bdm need at least" in " ".join(err.split()) and "Traceback" not in err


def test_running_out_of_memory_later_is_said_in_words(monkeypatch, capsys) -> None:
    from detente.scenario.arrays import ScenarioArrays

    def full(*a, **k):
        raise MemoryError("Unable to allocate 31.6 MiB for an array")

    monkeypatch.setattr(ScenarioArrays, "from_scenario", full)
    assert main(["run", str(FLAGSHIP), "-m", "mean", "-n", "10"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "error: out of memory (Unable to allocate 31.6 MiB for an array)" in err
    assert "use fewer draws" in err and "internal error" not in err
