"""Render a report's figures in forked worker processes while the main process computes (issue #12).

Drawing a report's charts with matplotlib is most of what ``detente run --out`` costs, and it
needs only the scenario and the results. So the ``detente`` program forks the workers
(:func:`start`) as soon as it knows that it will write figures, before it loads the scenario: each
imports matplotlib and detente's figure code while the main process imports NumPy and Numba and runs
the models. Then:

1. :meth:`FigureWorkers.submit` hands them the scenario and the results (a pickle in a private
   temporary folder). They build and render every figure that does not need the explanations
   (:class:`~detente.report.plots.FigureJob`) - the issue charts, the trajectories of one-draw runs,
   the models' own charts - claiming one job at a time from a shared counter, so that the work is
   shared out evenly whatever each chart costs. Meanwhile the main process computes the
   explanations (:func:`detente.explain.attach`).
2. :meth:`FigureWorkers.explained` hands over the explanations; the workers render the rest while
   the main process writes ``result.json`` and ``positions.csv``.
3. :meth:`FigureWorkers.collect` waits for them and returns ``(stem, title, PNG bytes)`` in the
   order of :func:`~detente.report.plots.figures_for`: the same figures, the same bytes, as
   rendering them in the main process. Each figure is rendered once, in one process.

A worker touches no file but its own pickles, prints nothing, ignores Ctrl-C (the main process
stops it), calls no Numba code, and leaves with :func:`os._exit` (no ``atexit`` handlers, no second
flush of the main process's buffers). It gives up when the main process is gone. When a worker
fails, :meth:`~FigureWorkers.collect` raises :class:`WorkerError` and the caller renders the figures
itself (:func:`detente.report.outputs.write_outputs` does).

Only the ``detente`` program on Linux starts workers (``fork`` without ``exec``; other platforms and
library callers render in their own process). :data:`WORKERS_ENV` sets how many (0: none).
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import shutil
import signal
import struct
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

WORKERS_ENV = "DETENTE_FIGURE_WORKERS"
"""Environment variable: the number of figure worker processes (``0``: the main process renders
the figures itself; unset: :func:`worker_count`)."""
MAX_WORKERS = 2
"""Default number of workers: on two cores, two workers share the drawing with the main process's
explanations (one worker leaves the drawing as the longest path; more only queue for the same cores)."""
_INT = struct.Struct("<i")
_PARENT_CHECK_S = 1.0


class WorkerError(RuntimeError):
    """A figure worker failed or vanished; the message says which and why."""


def worker_count() -> int:
    """How many workers to start: :data:`WORKERS_ENV` when set to a whole number >= 0, else
    :data:`MAX_WORKERS` capped by the CPUs available to this process, 0 on a single CPU."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw.isdigit():
        return int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 0 if cpus < 2 else min(MAX_WORKERS, cpus)


def start(n: int | None = None) -> FigureWorkers | None:
    """Fork ``n`` workers (default :func:`worker_count`); ``None`` when none are wanted or this
    platform cannot fork safely (only Linux is used)."""
    n = worker_count() if n is None else n
    if n <= 0 or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return None
    try:
        return FigureWorkers(n)
    except OSError:  # no process or pipe to be had (limits): render in this process
        return None


class FigureWorkers:
    """Forked processes that render a report's figures (see the module docstring)."""

    def __init__(self, n: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="detente-figures-"))
        self.error: str | None = None
        self._counter = os.pipe()  # the next job's index, 4 bytes: whoever reads it holds the claim
        self._gate = os.pipe()  # one byte per worker once the explanations are there
        self._pids: list[int] = []
        self._submitted = self._gated = self._closed = False
        parent = os.getpid()
        try:
            for k in range(n):
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # the worker: never returns
                    _worker_main(k, self.folder, self._counter, self._gate, parent)
                self._pids.append(pid)
        except OSError:
            self.close()
            raise
        # the main process keeps the read ends open, so that telling workers that have died is no error

    def submit(self, scenario: Any, results: list[Any]) -> None:
        """Hand the workers the scenario and the (finished) results: they start drawing."""
        if self._submitted or self._closed:
            return
        _dump(self.folder / "input.pkl", (scenario, results))
        os.write(self._counter[1], _INT.pack(0))
        self._submitted = True

    def explained(self, results: list[Any]) -> None:
        """Hand over each result's ``explain`` and ``events`` (as they are now): the workers draw
        the figures that need them."""
        if self._gated or self._closed:
            return
        _dump(self.folder / "explain.pkl", [(r.explain, r.events) for r in results])
        os.write(self._gate[1], b"x" * len(self._pids))
        self._gated = True

    def collect(self, scenario: Any, results: list[Any]) -> list[tuple[str, str, bytes]]:
        """The rendered figures ``(stem, title, PNG bytes)``, in the report's order; raises
        :class:`WorkerError` (after stopping the workers) when one failed."""
        if self._closed:
            raise WorkerError("the figure workers were stopped before they were asked for the figures")
        self.submit(scenario, results)
        self.explained(results)
        from detente.report.stems import unique_stems  # not plots: no matplotlib in this process

        by_job: dict[int, list[tuple[str, str, bytes]]] = {}
        n_jobs = None
        try:
            for k, pid in enumerate(self._pids):
                _, status = os.waitpid(pid, 0)
                self._pids[k] = 0
                out = self.folder / f"out-{k}.pkl"
                if not out.exists():
                    raise WorkerError(f"figure worker {k} ended without its figures (wait status {status})")
                with open(out, "rb") as fh:
                    kind, payload = pickle.load(fh)
                if kind == "error":
                    raise WorkerError(f"figure worker {k} failed: {payload.strip().splitlines()[-1]}")
                n_jobs, done = payload
                by_job.update(done)
            if n_jobs is None or sorted(by_job) != list(range(n_jobs)):
                raise WorkerError(f"the figure workers rendered jobs {sorted(by_job)} of {n_jobs}")
        except WorkerError as e:
            self.error = str(e)
            raise
        finally:
            self.close()
        return unique_stems([f for j in range(n_jobs) for f in by_job[j]])

    def close(self) -> None:
        """Stop the workers still running and remove the temporary folder (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for k, pid in enumerate(self._pids):
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
                self._pids[k] = 0
        for fd in (*self._counter, *self._gate):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> FigureWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dump(path: Path, obj: object) -> None:
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # complete before the workers are told


def _wait(fd: int, parent: int) -> None:
    """Block until ``fd`` is readable; leave when the main process is gone."""
    while not select.select([fd], [], [], _PARENT_CHECK_S)[0]:
        if os.getppid() != parent:
            os._exit(3)


def _worker_main(k: int, folder: Path, counter: tuple[int, int], gate: tuple[int, int], parent: int) -> None:
    """The worker's whole life (see the module docstring); ends the process."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops us
        gc.freeze()  # the inherited heap is never collected here (nor copied by the collector's writes)
        os.close(gate[1])
        from detente.report import plots  # matplotlib: while the main process runs the models

        _wait(counter[0], parent)
        data = os.read(counter[0], _INT.size)  # the first claim waits for submit()
        with open(folder / "input.pkl", "rb") as fh:
            scenario, results = pickle.load(fh)
        jobs = plots.figure_jobs(scenario, results)
        order = sorted(range(len(jobs)), key=lambda j: (jobs[j].needs_explain, -jobs[j].weight, j))
        done: dict[int, list[tuple[str, str, bytes]]] = {}
        explained = False
        while True:
            (i,) = _INT.unpack(data)
            os.write(counter[1], _INT.pack(i + 1 if i < len(order) else i))
            if i >= len(order):
                break
            job = jobs[order[i]]
            if job.needs_explain and not explained:
                _wait(gate[0], parent)
                os.read(gate[0], 1)
                with open(folder / "explain.pkl", "rb") as fh:
                    for r, (ex, ev) in zip(results, pickle.load(fh)):
                        r.explain, r.events = ex, ev
                explained = True
            done[order[i]] = [(stem, title, plots.png_bytes(fig)) for stem, title, fig in job.build()]
            data = os.read(counter[0], _INT.size)
        _dump(folder / f"out-{k}.pkl", ("ok", (len(jobs), done)))
        code = 0
    except BaseException:  # noqa: BLE001 (reported to the main process, which renders instead)
        try:
            _dump(folder / f"out-{k}.pkl", ("error", traceback.format_exc(limit=8)))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)
