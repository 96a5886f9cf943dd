"""Cached kernels load without Numba's registries (``detente.jit._loading_cached_code``): the same
numbers, bit for bit, as Numba's own load, for each model that has compiled kernels; and the
registries are indeed not loaded (``numba.np.arraymath`` is one of the modules they import, and
``scipy.linalg`` with it), also by the kernel the bdm explanations call (``round_internals``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

REPO = Path(__file__).resolve().parents[1]
PEERS = REPO.parent / "shared" / "peers"
COP21 = PEERS / "exchange-data" / "data" / "input" / "cop21.csv"
A160 = next(iter(sorted((PEERS / "ktab-data").rglob("dummyData-a160.csv"))), None)

CHILD = r"""
import hashlib, json, sys
import numpy as np
import detente, detente.jit as jit
if sys.argv[1] == "numba":  # Numba's own load: registries first
    jit._light_load_fits = lambda: False
import detente.models.exchange as ex
ex.NUMPY_WORK_CACHED = ex.NUMPY_WORK_UNCOMPILED = 0  # COP21's 10 rounds compiled
import detente.models.smp_kernels as sk
sk.JIT_MIN_WORK = 0  # SMP's N^3 steps compiled
runs = {"bdm": (sys.argv[2], "bdm", {}), "exchange": (sys.argv[3], "exchange", {"rounds": 10}),
        "smp": (sys.argv[4], "smp", {})}
out = {}
for name in sys.argv[5].split(","):
    path, model, options = runs[name]
    s = detente.load(path)
    r = detente.run(s, model, options=options, draws=3 if model == "bdm" else 1, seed=7)
    out[name] = hashlib.sha256(np.ascontiguousarray(r.trajectory.forecast, dtype=float).tobytes()).hexdigest()
    if model == "bdm":  # the explanations call the round kernel on its own (round_internals)
        from detente.explain import attach
        attach(s, r)
        out["bdm_explain"] = json.dumps(r.explain["utility"], sort_keys=True)
out["registries"] = "numba.np.arraymath" in sys.modules
from detente.models import bdm_kernels, exchange_kernels, smp_jit
out["compiled"] = [bool(k.signatures) for k in (bdm_kernels.simulate_batch, exchange_kernels._realise_all,
                                                  smp_jit._challenges, smp_jit._coalitions)]
print(json.dumps(out))
"""


def _child(tmp_path: Path, mode: str, models: str) -> dict:
    args = [str(REPO / "examples" / "ukraine-settlement.yaml"), str(COP21), str(A160), models]
    done = subprocess.run([sys.executable, "-c", CHILD, mode, *args], capture_output=True, text=True,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not COP21.exists() or A160 is None, reason="the peers' files are not next to the repository")
def test_cached_kernels_load_without_registries_with_the_same_numbers(tmp_path: Path) -> None:
    """Four processes on one cache, each compiling only what is not cached yet: bdm (compiles);
    bdm loaded without the registries, then SMP compiling in the same process (the compiler loads
    the registries itself); all three models with Numba's own load (exchange compiles); all three
    loaded without the registries. The same numbers throughout."""
    first = _child(tmp_path, "numba", "bdm")
    mixed = _child(tmp_path, "light", "bdm,smp")
    own = _child(tmp_path, "numba", "bdm,exchange,smp")
    light = _child(tmp_path, "light", "bdm,exchange,smp")
    assert mixed["compiled"] == [True, False, True, True]  # bdm and SMP ran their kernels
    assert light["compiled"] == own["compiled"] == [True] * 4  # every model ran its kernels
    assert light["registries"] is False and own["registries"] is True
    for model in ("bdm", "exchange", "smp"):
        assert light[model] == own[model], model
    assert first["bdm"] == mixed["bdm"] == own["bdm"] and mixed["smp"] == own["smp"]
    assert first["bdm_explain"] == light["bdm_explain"]


def test_numbas_loader_comes_back_when_the_last_thread_is_done() -> None:
    """Threads running models side by side each enter the light load: Numba's own loader must be
    back once the last one leaves (saving and restoring per block left a thread's stand-in behind)."""
    import threading

    from numba.core import caching

    from detente import jit

    numba_load = caching.Cache.load_overload
    inside: list[bool] = []

    def work() -> None:
        for _ in range(100):
            with jit._loading_cached_code():
                inside.append(caching.Cache.load_overload is jit._load_without_refresh)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(inside) and len(inside) == 400
    assert caching.Cache.load_overload is numba_load and jit._light_loads == 0


def test_the_fallback_cache_folder_is_used_only_when_it_is_private(tmp_path: Path, monkeypatch) -> None:
    """With no writable per-user cache, the kernels were cached in ``/tmp/detente-numba-<uid>`` as
    found: a folder another user made writable for all could hand this user pickled code, and one
    they made read-only ended the run in "cannot cache function"."""
    import os
    import stat
    import tempfile

    from detente.jit import private_temp_dir

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    mine = private_temp_dir("detente-numba")
    assert mine == tmp_path / f"detente-numba-{os.getuid()}" and stat.S_IMODE(mine.stat().st_mode) == 0o700
    assert private_temp_dir("detente-numba") == mine  # the same folder next time: the cache is kept
    mine.chmod(0o777)  # writable by everyone: not trusted
    other = private_temp_dir("detente-numba")
    assert other != mine and other.parent == tmp_path and stat.S_IMODE(other.stat().st_mode) == 0o700
