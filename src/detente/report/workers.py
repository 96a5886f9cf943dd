"""Render a report's figures in forked worker processes while the main process computes (issue #12).

Drawing a report's charts with matplotlib is most of what ``detente run --out`` costs, and it
needs only the scenario and the results. So the ``detente`` program forks the workers
(:func:`start`) once it has loaded the scenario of a run that writes figures: the first imports
matplotlib and detente's figure code while the main process imports Numba and runs the models, then
forks the others (which so inherit that import). Then:

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
flush of the main process's buffers). It gives up when the main process is gone, and the last one
removes the temporary folder then. When a worker
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
    """Forked processes that render a report's figures (see the module docstring).

    The main process forks one worker; once that one has imported matplotlib it forks the others,
    which so inherit the import instead of paying for it again. They form a process group of their
    own (stopped together with one signal) and give up when the main process is gone (the
    "lifeline" pipe, whose writing end only the main process holds, reads end-of-file)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.folder = Path(tempfile.mkdtemp(prefix="detente-figures-"))
        self.error: str | None = None
        self._pid = 0  # the first worker: the group leader, the others are its children
        self._submitted = self._gated = self._closed = False
        counter = os.pipe()  # the next job's index, 4 bytes: whoever reads it holds the claim
        gate = os.pipe()  # one byte per worker once the explanations are there
        lifeline = os.pipe()  # only the main process can write: end-of-file once it is gone
        done = os.pipe()  # every worker holds the writing end: end-of-file once they have all ended
        self._fds = [*counter, gate[1], lifeline[1], done[0]]  # kept here (a dead worker's pipe is no error)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            for fd in (gate[0], lifeline[0], done[1]):
                os.close(fd)
            self.close()
            raise
        if pid == 0:  # never returns
            _first_worker(n, self.folder, counter, gate, lifeline, done)
        self._pid = pid
        try:
            os.setpgid(pid, pid)  # the worker does it too, whichever comes first
        except OSError:
            pass
        for fd in (gate[0], lifeline[0], done[1]):
            os.close(fd)
        self._counter_w, self._gate_w, self._done_r = counter[1], gate[1], done[0]

    def submit(self, scenario: Any, results: list[Any]) -> None:
        """Hand the workers the scenario and the (finished) results: they start drawing."""
        if self._submitted or self._closed:
            return
        _dump(self.folder / "input.pkl", (scenario, results))
        os.write(self._counter_w, _INT.pack(0))
        self._submitted = True

    def explained(self, results: list[Any]) -> None:
        """Hand over each result's ``explain`` and ``events`` (as they are now): the workers draw
        the figures that need them."""
        if self._gated or self._closed:
            return
        _dump(self.folder / "explain.pkl", [(r.explain, r.events) for r in results])
        os.write(self._gate_w, b"x" * self.n)
        self._gated = True

    def collect(self, scenario: Any, results: list[Any]) -> list[tuple[str, str, bytes]]:
        """The rendered figures ``(stem, title, PNG bytes)``, in the report's order; raises
        :class:`WorkerError` (after stopping the workers) when one failed."""
        if self._closed:
            raise WorkerError("the figure workers were stopped before they were asked for the figures")
        self.submit(scenario, results)
        self.explained(results)
        from detente.report.figmeta import unique_stems  # not plots: no matplotlib in this process

        by_job: dict[int, list[tuple[str, str, bytes]]] = {}
        n_jobs = None
        try:
            while os.read(self._done_r, 64):  # end-of-file: every worker has ended
                pass
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            for k in range(self.n):
                out = self.folder / f"out-{k}.pkl"
                if not out.exists():
                    raise WorkerError(f"figure worker {k} ended without its figures (first worker's wait "
                                      f"status {status})")
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
        if self._pid:
            try:
                os.killpg(self._pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass
            self._pid = 0
        for fd in self._fds:
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


class _Orphaned(Exception):
    """The main process is gone (its end of the lifeline pipe closed): nobody wants the figures."""


def _wait(fd: int, lifeline: int) -> None:
    """Block until ``fd`` is readable; :class:`_Orphaned` when the main process is gone first."""
    if lifeline in select.select([fd, lifeline], [], [])[0]:
        raise _Orphaned


def _orphaned(lifeline: int) -> bool:
    return bool(select.select([lifeline], [], [], 0)[0])


def _first_worker(n: int, folder: Path, counter: tuple[int, int], gate: tuple[int, int],
                  lifeline: tuple[int, int], done: tuple[int, int]) -> None:
    """The first worker: imports matplotlib, forks the other ``n - 1``, then works as worker 0
    (:func:`_work`); ends the process, as they do."""
    k = 0
    children: list[int] = []
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops us
        gc.freeze()  # the inherited heap is never collected here (nor copied by the collector's writes)
        for fd in (gate[1], lifeline[1], done[0]):
            os.close(fd)
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
        from detente.report import plots  # noqa: F401 (matplotlib: while the main process runs the models)

        for j in range(1, n):
            pid = os.fork()
            if pid == 0:
                k, children = j, []
                break
            children.append(pid)
    except BaseException:  # noqa: BLE001 (reported to the main process, which renders instead)
        _report(folder, k)
        os._exit(1)
    _work(k, folder, counter, gate[0], lifeline[0], children)


def _report(folder: Path, k: int) -> None:
    try:
        _dump(folder / f"out-{k}.pkl", ("error", traceback.format_exc(limit=8)))
    except BaseException:  # noqa: BLE001
        pass


def _work(k: int, folder: Path, counter: tuple[int, int], gate: int, lifeline: int, children: list[int]) -> None:
    """Worker ``k``: claim jobs one at a time (heaviest first; those that need the explanations
    after the gate opens), render them, leave the PNGs in ``out-k.pkl``, wait for its ``children``
    (the first worker's: the others); ends the process."""
    code = 1
    try:
        from detente.report import plots

        _wait(counter[0], lifeline)
        data = os.read(counter[0], _INT.size)  # the first claim waits for submit()
        with open(folder / "input.pkl", "rb") as fh:
            scenario, results = pickle.load(fh)
        jobs = plots.figure_jobs(scenario, results)
        order = sorted(range(len(jobs)), key=lambda j: (jobs[j].needs_explain, -jobs[j].weight, j))
        rendered: dict[int, list[tuple[str, str, bytes]]] = {}
        explained = False
        while True:
            (i,) = _INT.unpack(data)
            os.write(counter[1], _INT.pack(i + 1 if i < len(order) else i))
            if i >= len(order):
                break
            job = jobs[order[i]]
            if job.needs_explain and not explained:
                _wait(gate, lifeline)
                os.read(gate, 1)
                with open(folder / "explain.pkl", "rb") as fh:
                    for r, (ex, ev) in zip(results, pickle.load(fh)):
                        r.explain, r.events = ex, ev
                explained = True
            rendered[order[i]] = [(stem, title, plots.png_bytes(fig)) for stem, title, fig in job.build()]
            data = os.read(counter[0], _INT.size)
        _dump(folder / f"out-{k}.pkl", ("ok", (len(jobs), rendered)))
        code = 0
    except _Orphaned:
        code = 3
    except BaseException:  # noqa: BLE001 (reported to the main process, which renders instead)
        _report(folder, k)
    finally:
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        if k == 0 and _orphaned(lifeline):  # the last worker of a main process that died: tidy up for it
            shutil.rmtree(folder, ignore_errors=True)
        os._exit(code)
