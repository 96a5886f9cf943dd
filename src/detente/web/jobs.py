"""Model runs off the event loop: a bounded pool of worker processes, each run cancellable.

Every run (one or several models on one scenario, a comparison of views, a sensitivity analysis)
is a :class:`Job`. At most ``workers`` jobs compute at a time, each in its own process forked from
a clean *forkserver* that has already imported detente (so a job starts in a fraction of a
second); further jobs wait in a queue of at most ``queue`` entries. Cancelling a queued job
drops it; cancelling a running one terminates its process, so the core is free at once. The
event loop only waits on a future, so cheap requests are answered while models run. Each job's
process may be bounded in memory (``RLIMIT_AS``: a MemoryError becomes :class:`OutOfMemory`)
and in wall time (then it is killed: :class:`TooLong`).

The pool does not compute anything itself: a job is one of the library calls in :data:`TASKS`
(``runner.run``, ``uncertainty.sensitivity``), executed in the child and sent back pickled.

>>> pool = RunPool(workers=1)
>>> job = pool.submit("echo", (41,))
>>> job.future.result(timeout=60), job.status
(41, 'done')
>>> pool.shutdown()
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from detente.errors import InputError, ModelError, Problem


class Cancelled(Exception):
    """The job was cancelled before it finished."""


class Busy(Exception):
    """The queue is full."""


class OutOfMemory(Exception):
    """The job needed more memory than the pool allows one job."""


class TooLong(Exception):
    """The job ran longer than the pool allows one job (its process was killed)."""


# ---------------------------------------------------------------------------------------------
# what a job can do (run in the child process)


def _task_run(scenario: Any, models: list[str], draws: int, seed: int, options: dict[str, dict[str, Any]],
              variants: dict[str, str], explain: bool = False) -> list[Any]:
    """Each model on the scenario with the same draws and seed (:func:`detente.runner.run`); with
    ``explain``, each result also gets :func:`detente.explain.attach` (winners, losers, pivotal
    actors, per-round reasons)."""
    from detente.runner import run

    results = [run(scenario, m, draws=draws, seed=seed, options=options.get(m), variant=variants.get(m))
               for m in dict.fromkeys(models)]
    if explain:
        from detente.explain import attach

        results = [attach(scenario, r) for r in results]
    if getattr(scenario, "analysts", None):  # a pooled scenario: variance split, where analysts disagree
        from detente.pool.variance import attach as attach_pooling

        results = [attach_pooling(scenario, r) for r in results]
    return results


def _task_compare(scenarios: list[Any], models: list[str], draws: int, seed: int,
                  options: dict[str, dict[str, Any]], variants: dict[str, str]) -> list[list[Any]]:
    """The same models on several views (what ``detente compare`` runs)."""
    return [_task_run(s, models, draws, seed, options, variants) for s in scenarios]


def _task_sensitivity(scenario: Any, model: str, method: str | None, n: int | None, seed: int,
                      options: dict[str, Any]) -> Any:
    from detente.uncertainty.sensitivity import sensitivity

    return sensitivity(scenario, model, method=method, n=n, seed=seed, options=options)


def _task_levers(scenario: Any, model: str, issue: str, target: float | None, actor: str | None,
                 draws: int | None, seed: int, options: dict[str, Any], variant: str | None) -> Any:
    """What would move the forecast (:func:`detente.explain.levers.levers`)."""
    from detente.explain.levers import check_request, levers

    check_request(scenario, issue, target, actor)
    return levers(scenario, model, issue, target=target, actor=actor, draws=draws, seed=seed, options=options,
                  variant=variant)


def _task_outputs(scenario: Any, results: list[Any]) -> tuple[str, bytes]:
    """The zip of a run's files (:func:`detente.web.exports.outputs_zip`: charts are drawn here,
    not in the server)."""
    from detente.web.exports import outputs_zip

    return outputs_zip(scenario, results)


def _task_echo(x: Any) -> Any:
    return x


TASKS: dict[str, Callable[..., Any]] = {
    "run": _task_run, "compare": _task_compare, "sensitivity": _task_sensitivity, "outputs": _task_outputs,
    "levers": _task_levers,
    "echo": _task_echo,
}


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else ``None``."""
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _bound_memory(max_bytes: int | None) -> None:
    """Let this process grow by at most ``max_bytes`` of address space (RLIMIT_AS), where the
    platform enforces it: past it, allocations fail with a MemoryError."""
    if not max_bytes:
        return
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return
    now = _address_space()
    if now is None:
        return
    limit = now + int(max_bytes)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # e.g. macOS does not enforce RLIMIT_AS
        pass


def _child(conn: Any, kind: str, args: tuple[Any, ...], max_memory: int | None = None) -> None:
    """Entry point of a worker process: bound its memory, run the task and send ``(status,
    payload)`` back."""
    _bound_memory(max_memory)
    try:
        out: tuple[str, Any] = ("ok", TASKS[kind](*args))
    except MemoryError:
        out = ("memory_error", None)
    except InputError as e:
        out = ("input_error", (e.file, [(p.message, p.field, p.line, _sendable(p.value)) for p in e.problems]))
    except ModelError as e:
        out = ("model_error", str(e))
    except ImportError as e:
        out = ("import_error", str(e))
    except Exception as e:  # noqa: BLE001 - reported to the requester as a failed run, not lost
        out = ("error", f"{type(e).__name__}: {e}")
    try:
        try:
            conn.send(out)
        except MemoryError:  # the answer itself did not fit
            conn.send(("memory_error", None))
    finally:
        conn.close()


def _sendable(value: Any) -> Any:
    """A problem's value as it can cross to the server process: plain data as it is (the sentinel of
    no value too), anything else as its repr."""
    import pickle

    try:
        pickle.dumps(value)
        return value
    except Exception:  # noqa: BLE001 - any value must be shown, never lose the error
        return repr(value)[:200]


def _raise(status: str, payload: Any) -> None:
    if status == "input_error":
        file, problems = payload
        raise InputError(file, [Problem(m, field=f, line=ln, value=v) for m, f, ln, v in problems])
    if status == "model_error":
        raise ModelError(payload)
    if status == "import_error":
        raise ImportError(payload)
    raise RuntimeError(payload)


# ---------------------------------------------------------------------------------------------
# jobs and the pool


@dataclass
class Job:
    """One submitted computation. ``status``: queued, running, done, failed or cancelled."""

    id: str
    kind: str
    args: tuple[Any, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    error: BaseException | None = None
    future: Future = field(default_factory=Future)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None

    @property
    def result(self) -> Any:
        return self.future.result() if self.status == "done" else None

    def info(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "queued_s": round((self.started or time.time()) - self.created, 3),
                "elapsed_s": round((self.finished or time.time()) - self.started, 3) if self.started else None,
                **{k: v for k, v in self.meta.items() if not k.startswith("_")}}


_CTX_LOCK = threading.Lock()
_CTX: Any = None


def _context() -> Any:
    """The forkserver context, its server preloaded with detente's runner and models."""
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            try:
                ctx = mp.get_context("forkserver")
                ctx.set_forkserver_preload(["detente.web.jobs", "detente.runner", "detente.models"])
            except ValueError:  # no forkserver on this platform (Windows): a fresh interpreter per run
                ctx = mp.get_context("spawn")
            _CTX = ctx
        return _CTX


class RunPool:
    """At most ``workers`` jobs compute at once (one process each), ``queue`` more may wait;
    the last ``keep`` finished jobs are kept for their results and exports (a result with many
    draws holds every draw's trajectory, so few are kept).

    ``max_memory`` (bytes): how much a job's process may grow (its address space, set with
    ``RLIMIT_AS`` where the platform enforces it); a job that needs more fails with
    :class:`OutOfMemory`. ``max_seconds``: how long a job may compute; then its process is killed
    and the job fails with :class:`TooLong`. ``None`` or 0: no bound."""

    def __init__(self, workers: int = 2, queue: int = 16, keep: int = 8, max_memory: int | None = None,
                 max_seconds: float | None = None) -> None:
        self.max_memory = int(max_memory) if max_memory else None
        self.max_seconds = float(max_seconds) if max_seconds else None
        self.workers = max(1, int(workers))
        self.queue = max(0, int(queue))
        self.keep = max(1, int(keep))
        self._threads = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="detente-run")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    # -- submitting and finding jobs -------------------------------------------------------------
    def submit(self, kind: str, args: tuple[Any, ...], meta: dict[str, Any] | None = None) -> Job:
        if kind not in TASKS:
            raise ValueError(f"unknown task {kind!r}")
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if j.status == "queued")
            if waiting >= self.queue + self.workers:
                raise Busy(f"the server is busy: {waiting} runs are waiting (the limit is "
                           f"{self.queue + self.workers}); try again shortly")
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, args=args, meta=dict(meta or {}))
            self._jobs[job.id] = job
            self._trim()
        self._threads.submit(self._execute, job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job (a finished one is left as it is)."""
        job = self.get(job_id)
        if job is None:
            return None
        job.cancel_event.set()
        with self._lock:
            if job.status == "queued":
                self._finish(job, error=Cancelled("cancelled before it started"), status="cancelled")
        return job

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for j in jobs:
            j.cancel_event.set()
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _trim(self) -> None:
        done = [k for k, j in self._jobs.items() if j.status in ("done", "failed", "cancelled")]
        for k in done[: max(0, len(done) - self.keep)]:
            del self._jobs[k]

    def _finish(self, job: Job, result: Any = None, error: BaseException | None = None,
                status: str | None = None) -> None:
        if job.future.done():
            return
        job.finished = time.time()
        if error is None:
            job.status = status or "done"
            job.future.set_result(result)
        else:
            job.status = status or ("cancelled" if isinstance(error, Cancelled) else "failed")
            job.error = error
            job.future.set_exception(error)

    # -- executing (in a pool thread; the computation itself in a child process) ---------------
    def _execute(self, job: Job) -> None:
        with self._lock:
            if job.status != "queued":
                return
            if job.cancel_event.is_set():
                self._finish(job, error=Cancelled("cancelled before it started"))
                return
            job.status = "running"
            job.started = time.time()
        try:
            result = self._in_child(job)
        except BaseException as e:  # noqa: BLE001 - every outcome goes to the job's future
            with self._lock:
                self._finish(job, error=e)
            return
        with self._lock:
            self._finish(job, result=result)

    def _in_child(self, job: Job) -> Any:
        ctx = _context()
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(sender, job.kind, job.args, self.max_memory), daemon=True,
                           name=f"detente-run-{job.id}")
        proc.start()
        job.pid = proc.pid
        sender.close()
        deadline = time.monotonic() + self.max_seconds if self.max_seconds else None
        stop = False  # the process is to be stopped (cancelled or over time), not waited for
        try:
            while True:
                if receiver.poll(0.05):
                    try:
                        status, payload = receiver.recv()
                    except EOFError:
                        proc.join(5)
                        raise RuntimeError(f"the run's worker process ended without an answer "
                                           f"(exit code {proc.exitcode})") from None
                    break
                if job.cancel_event.is_set():
                    stop = True
                    raise Cancelled("cancelled while running")
                if deadline is not None and time.monotonic() > deadline:
                    stop = True
                    raise TooLong(f"the run took longer than {self.max_seconds:g} s (the limit is set by "
                                  f"detente serve --max-seconds)")
                if not proc.is_alive() and not receiver.poll(0):
                    raise RuntimeError(f"the run's worker process died (exit code {proc.exitcode})"
                                       + (f"; it may have needed more than {self.max_memory / 2**30:g} GB"
                                          if self.max_memory else ""))
        finally:
            if proc.is_alive() and stop:
                proc.terminate()
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            receiver.close()
        if status == "memory_error":
            limit = f"more than {self.max_memory / 2**30:g} GB" if self.max_memory else "more memory than there is"
            raise OutOfMemory(f"the run needed {limit} of memory (the limit is set by detente serve --max-memory); "
                              f"ask for fewer draws or a smaller scenario")
        if status != "ok":
            _raise(status, payload)
        return payload
