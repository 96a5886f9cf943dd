"""Numba set-up: where compiled kernels are cached, and the one-line notice when they compile.

The kernels of ``bdm`` and ``exchange`` are compiled by Numba the first time they run (about 9 and
11 s of CPU on the shared 2-core machine, 4-6 s on a faster one) and cached on disk afterwards;
``exchange`` compiles only for work large enough to repay it (smaller runs take its NumPy round,
see :func:`detente.models.exchange.use_compiled`). The
cache lives in a per-user cache directory, so it also works when the package is installed read-only:

* ``$NUMBA_CACHE_DIR`` when the user set it;
* else ``$XDG_CACHE_HOME/detente/numba`` (``~/.cache/detente/numba``; ``%LOCALAPPDATA%`` on Windows);
* else, when that cannot be created, a per-user folder under the system's temporary directory.

:func:`configure_cache` must run before Numba compiles (or loads) anything; the kernel modules call
it before they ``import numba``. :func:`compiling` wraps a kernel's first call: when the kernel is
neither compiled in this process nor in the on-disk cache it first writes one line to stderr
(:data:`notice`), e.g. "detente: compiling the expected-utility kernels once, about 9 s; cached
afterwards (~/.cache/detente/numba)", where the seconds measured on a reference machine are scaled
by a 3-ms probe of this machine's speed (:func:`compile_estimate`). It runs the compilation with
Python's cyclic garbage collector paused: Numba's compiler allocates millions of long-lived objects
(IR, types, LLVM wrappers), which trigger full collections over the whole heap (about 10 in the
exchange kernels' compile, 1-1.5 s of its CPU); peak memory is then ~70 MiB higher, and the garbage
is collected afterwards as usual. Kernels found in the cache load without Numba's typing and lowering
registries, which only compiling needs (:func:`_loading_cached_code`, ~0.1-0.2 s less per process).

>>> import os
>>> cache_dir({"XDG_CACHE_HOME": "/tmp/xdg"}).as_posix()
'/tmp/xdg/detente/numba'
>>> cache_dir({"NUMBA_CACHE_DIR": "/srv/nb"}).as_posix()
'/srv/nb'
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from detente.gcpause import paused_gc

_configured = False


def _write_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


notice: Callable[[str], None] | None = _write_stderr
"""Where the compile notice goes (one line); ``None`` silences it (e.g. in a library or a server)."""


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory Numba caches detente's kernels in (see the module notes)."""
    env = os.environ if env is None else env
    if env.get("NUMBA_CACHE_DIR"):
        return Path(env["NUMBA_CACHE_DIR"])
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "detente" / "numba"
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "detente" / "numba"


def writable(path: Path) -> bool:
    """True when ``path`` is (or can be made) a folder this process can write to."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def private_temp_dir(stem: str) -> Path:
    """``$TMPDIR/<stem>-<uid>`` when this user owns it and no one else may write to it (Numba's
    cache files are pickles: another user's folder could hand us code to run); else a fresh private
    folder for this process (what it caches is then made again next time)."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"{stem}-{uid if uid is not None else 'user'}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(path)
        import stat

        if (stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode) and (uid is None or st.st_uid == uid)
                and not st.st_mode & 0o022 and writable(path)):
            return path
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=f"{stem}-"))


def configure_cache() -> Path:
    """Point Numba's cache at :func:`cache_dir` (once per process; before the kernels are defined)."""
    global _configured
    path = cache_dir()
    if not _configured:
        if not writable(path):
            path = private_temp_dir("detente-numba")
        os.environ["NUMBA_CACHE_DIR"] = str(path)
        numba_config = sys.modules.get("numba.core.config")
        if numba_config is not None:  # numba already imported: its config read the variable then
            numba_config.CACHE_DIR = str(path)
        _configured = True
    return Path(os.environ["NUMBA_CACHE_DIR"])


def is_cached(dispatcher: Any) -> bool:
    """True when ``dispatcher`` (a ``numba.njit(cache=True)`` function) will not compile on its next
    call: it is compiled in this process, or its on-disk cache index lists a compiled signature for
    the current source file."""
    if getattr(dispatcher, "signatures", None):
        return True
    try:
        index = dispatcher._cache._cache_file._load_index()  # {} when missing or stale (source changed)
    except Exception:  # a Numba without this (private) layout: assume it is cached, print nothing
        return True
    return bool(index)


_registries_loaded = False


def load_registries() -> None:
    """Load Numba's typing and lowering registries now, without importing ``scipy.linalg``.

    Numba does this on the first compile or cache load in a process; on the way
    ``numba.np.arraymath`` imports ``scipy.linalg`` only to see whether BLAS is there for
    ``np.dot`` & co. in compiled code (0.2 s of CPU). detente's kernels use no linear algebra, so
    that import is blocked while the registries load (when ``scipy.linalg`` is not imported yet);
    ``import scipy.linalg`` works as usual afterwards. The one effect: compiled code in this process
    cannot use NumPy's linear algebra (Numba then says it needs SciPy)."""
    global _registries_loaded
    if _registries_loaded:
        return
    _registries_loaded = True
    from numba.core.registry import cpu_target

    if "scipy.linalg" in sys.modules or "numba.np.arraymath" in sys.modules:
        cpu_target.target_context.refresh()
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # makes that import fail fast
    try:
        cpu_target.target_context.refresh()
    finally:
        del sys.modules["scipy.linalg"]


PROBE_REFERENCE = 0.00105
"""CPU seconds of :func:`speed_probe` on the machine where the models' ``COMPILE_SECONDS`` were
measured (the shared 2-core machine, 2026-12-02, quiet)."""


def speed_probe() -> float:
    """CPU seconds of a fixed piece of plain Python (dicts, lists, a sort; the kind of work Numba's
    compiler does), best of three: ~1 ms each on the 2-core machine."""
    import time

    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        d = {str(i): (i * 0.5, [i]) for i in range(1500)}
        sorted(d, key=lambda k: d[k][0], reverse=True)
        best = min(best, time.process_time() - t)
    return best


FASTEST = 0.6
"""About the shortest compile seen here, as a share of the reference machine's: bdm 5 s against 8
(0.62, 2026-12-06), exchange 6 s against 11 (0.55, ``benchmarks/bench_exchange.py``), both on the
fastest machines of this workplace."""


def compile_estimate(seconds: float, probe: float | None = None) -> int:
    """``seconds`` (a compile's CPU time on the reference machine) scaled to this machine's speed
    now, by :func:`speed_probe` against :data:`PROBE_REFERENCE`, at least 1 s.

    The factor is kept within [:data:`FASTEST`, 10]: the probe is plain Python of a millisecond,
    and on a fast machine it speeds up more than Numba's compiler does (2026-12-06, a machine twice
    as fast as the reference one: probe 0.25-0.8 ms from run to run, the bdm kernels compiled in
    5 s against the reference 8, so an unbounded factor announced "about 2 s").

    >>> compile_estimate(10, probe=PROBE_REFERENCE / 2)
    6
    >>> compile_estimate(10, probe=PROBE_REFERENCE / 10)  # no faster than the fastest machine seen
    6
    >>> compile_estimate(10, probe=PROBE_REFERENCE * 2)
    20
    """
    probe = speed_probe() if probe is None else probe
    factor = min(max(probe / PROBE_REFERENCE, FASTEST), 10.0)  # a probe interrupted badly must not say "an hour"
    return max(1, round(seconds * factor))


def _light_load_fits() -> bool:
    """Whether this Numba's cache loader has the shape :func:`_loading_cached_code` relies on: it
    refreshes the target context, then loads (``numba.core.caching.Cache.load_overload``, as in
    Numba 0.68, where ``tests/test_jit_cached_load.py`` checks it). Any other shape takes Numba's
    own path."""
    try:
        from numba.core import caching
        from numba.core.runtime import rtsys  # noqa: F401

        names = caching.Cache.load_overload.__code__.co_names
    except (ImportError, AttributeError):
        return False
    return set(names) == {"refresh", "_guard_against_spurious_io_errors", "_load_overload"}


@contextmanager
def _loading_cached_code() -> Iterator[None]:
    """While the block runs, cached kernels load without Numba's typing and lowering registries.

    Numba loads them before it loads a cached kernel (``target_context.refresh()``: ~250 modules'
    registrations, 0.15-0.2 s of CPU, a third of a small exchange run), although only compiling
    uses them: a cached kernel is machine code that needs the runtime (NRT, initialised here, as
    the refresh would) and nothing else. A kernel that must compile after all (a signature missing
    from the cache) compiles as usual: Numba's compiler refreshes the registries itself."""
    global _light_loads
    from numba.core import caching
    from numba.core.registry import cpu_target
    from numba.core.runtime import rtsys

    with _light_lock:  # threads may run models side by side: Numba's loader goes back when the last is done
        rtsys.initialize(cpu_target.target_context)
        if _light_loads == 0:
            _numba_loader[:] = [caching.Cache.load_overload]
            caching.Cache.load_overload = _load_without_refresh  # type: ignore[method-assign]
        _light_loads += 1
    try:
        yield
    finally:
        with _light_lock:
            _light_loads -= 1
            if _light_loads == 0:
                caching.Cache.load_overload = _numba_loader.pop()  # type: ignore[method-assign]


def _load_without_refresh(self: Any, sig: Any, target_context: Any) -> Any:
    """``numba.core.caching.Cache.load_overload`` without its ``target_context.refresh()``."""
    with self._guard_against_spurious_io_errors():
        return self._load_overload(sig, target_context)


_light_lock = threading.Lock()
_light_loads = 0  # blocks in _loading_cached_code now
_numba_loader: list[Any] = []  # Numba's own loader while they run


@contextmanager
def compiling(dispatchers: Any, what: str, seconds: float) -> Iterator[None]:
    """Run the block; when any of ``dispatchers`` must compile, print the compile notice first
    and pause the cyclic garbage collector while the block runs (see the module notes). When all
    are cached, they load without Numba's registries (:func:`_loading_cached_code`)."""
    items = dispatchers if isinstance(dispatchers, (list, tuple)) else [dispatchers]
    if all(is_cached(d) for d in items):
        if _registries_loaded or not _light_load_fits():
            load_registries()
            yield
            return
        with _loading_cached_code():
            yield
        return
    load_registries()
    if notice is not None:
        notice(f"detente: compiling the {what} once, about {compile_estimate(seconds)} s; cached afterwards "
               f"({os.environ.get('NUMBA_CACHE_DIR', 'Numba cache')})")
    with paused_gc():
        yield
