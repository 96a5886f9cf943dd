"""SMP's compiled N^3 steps (detente.models.smp_jit) give NumPy's numbers bit for bit, so a run's
result does not depend on which of the two ran (large problems run compiled, small ones in NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import peer_file
from detente.models import smp_jit
from detente.models import smp_kernels as kn
from detente.runner import run
from detente.scenario.io import load


def _problem(B: int, N: int, K: int, seed: int) -> tuple[np.ndarray, ...]:
    """Distances, perceived risk attitudes, weights and saliences as a round of SMP has them, with
    an indifferent actor (zero salience), two actors at one position and a risk-neutral column."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (B, N, K))
    x[:, 1] = x[:, 0]  # two actors at one position
    q = np.clip(x + rng.normal(0, 0.05, (B, N, K)), 0, 1)
    s = rng.uniform(0, 1, (B, N, K))
    s[:, 2] = 0.0  # indifferent: distances 0
    d = kn.distances(q, x, s)
    R = rng.uniform(-1, 1, (B, N))
    R[:, 3] = 0.0
    r = kn.perceived_r(R, "Half")
    c = rng.uniform(1, 100, (B, N))
    S = s.sum(axis=-1)
    return d, r, c * S, S, c


@pytest.mark.parametrize("B, N", [(1, 5), (2, 17), (3, 40)])
@pytest.mark.parametrize("tpc", ["SemiCommit", "NoCommit"])
def test_compiled_challenges_are_numpys_bit_for_bit(B: int, N: int, tpc: str) -> None:
    d, r, wS, S, _ = _problem(B, N, 3, seed=N)
    P0, E0 = kn.challenges_numpy(d, r, wS, S, "Proportional", tpc)
    P1, E1 = smp_jit.challenges(d, r, wS, S, tpc, kn.MIN_CHALLENGE)
    assert P0.tobytes() == P1.tobytes() and E0.tobytes() == E1.tobytes()


@pytest.mark.parametrize("B, N", [(1, 5), (2, 17), (3, 40)])
def test_compiled_coalitions_are_numpys_bit_for_bit(B: int, N: int, monkeypatch: pytest.MonkeyPatch) -> None:
    d, _, _, _, c = _problem(B, N, 2, seed=N + 1)
    U = 1.0 - d
    monkeypatch.setattr(kn, "JIT_MIN_WORK", 10**18)  # NumPy
    C0 = kn.coalitions(c, U, "Proportional")
    C1 = smp_jit.coalitions(c, U, kn.MIN_COALITION)
    assert C0.tobytes() == C1.tobytes()


def test_only_large_proportional_steps_run_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    assert not kn.use_jit(10**12, "Cubic")  # the other voting rules: NumPy only
    assert kn.use_jit(160**3, "Proportional")
    monkeypatch.delitem(sys.modules, "detente.models.smp_jit")  # as in a process that has not loaded it
    assert kn.use_jit(kn.JIT_MIN_WORK, "Proportional") and not kn.use_jit(kn.JIT_MIN_WORK - 1, "Proportional")
    assert not kn.use_jit(80**3, "Proportional")


def test_a_run_is_the_same_whichever_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # KTAB's 40-actor file, every N^3 step compiled, then every one in NumPy: the same trajectory
    s = load(peer_file("ktab-data/examples/smp/doc/dummyData-a040.csv"))
    monkeypatch.setattr(kn, "JIT_MIN_WORK", 1)
    compiled = run(s, "smp")
    monkeypatch.setattr(kn, "JIT_MIN_WORK", 10**18)
    plain = run(s, "smp")
    for key, series in plain.trajectory.series.items():
        assert np.asarray(series).tobytes() == np.asarray(compiled.trajectory.series[key]).tobytes(), key
    assert plain.trajectory.positions.tobytes() == compiled.trajectory.positions.tobytes()
    assert plain.forecast == compiled.forecast and plain.trajectory.rounds.tolist() == compiled.trajectory.rounds.tolist()
