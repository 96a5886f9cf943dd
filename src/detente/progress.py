"""Progress bars for long work, shared by every command.

Library functions that take long (the runner, sensitivity, sweeps, the backtest) accept an optional
``progress(done, total)`` callback and call it as parts of the work finish; they never print. The
CLI turns the callback into a Rich progress bar on stderr with :func:`progress_bar`:

* shown only when stderr is a terminal, and only once the work has lasted :data:`DELAY_S` (a quick
  command shows no bar at all);
* never with ``--format json`` (the command passes ``enabled=False``), so pipelines stay clean;
* transient: it disappears when the work is done.

Work that reports rarely (a single model run reports at its start and end) still shows the bar,
with the elapsed time, once the delay has passed. No thread (timer or refresh) starts before the
first report, so a sweep can fork its worker processes first.

>>> with progress_bar("work", enabled=False) as report:
...     report(1, 2)
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

if TYPE_CHECKING:
    from rich.console import Console

ProgressFn = Callable[[int, int], None]

DELAY_S = 1.0  # show a bar only for work longer than about a second


def stderr_console() -> "Console":
    """The console progress bars draw on (tests replace it by a fake terminal)."""
    from rich.console import Console

    return Console(stderr=True)


def noop(done: int, total: int) -> None:
    """A progress callback that does nothing."""


@contextmanager
def progress_bar(label: str, *, enabled: bool = True, console: "Console | None" = None,
                 unit: str = "") -> Iterator[ProgressFn]:
    """Yield a ``progress(done, total)`` callback drawing a bar labelled ``label``.

    The bar is drawn only when ``console`` (default: stderr) is a terminal; with ``enabled=False``
    (``--format json``) never. Otherwise the callback is a no-op and Rich's progress machinery is
    not even imported (a redirected command does not pay for it).
    """
    if not enabled:
        yield noop
        return
    con = console if console is not None else stderr_console()
    if not con.is_terminal:
        yield noop
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TextColumn(unit) if unit else TextColumn(""), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=con, transient=True)
    task = bar.add_task(label, total=None)
    t0 = time.monotonic()
    lock = threading.Lock()
    state: dict[str, Any] = {"started": False, "closed": False, "timer": None}

    def start() -> None:
        with lock:
            if not state["started"] and not state["closed"]:
                bar.start()
                state["started"] = True

    def report(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if state["started"]:
            return
        waited = time.monotonic() - t0
        if waited >= DELAY_S:
            start()
        elif state["timer"] is None and done < total:
            # work that reports rarely (one model run) still shows its bar after the delay;
            # the timer thread starts at the first report, never before (sweeps fork first)
            timer = threading.Timer(DELAY_S - waited, start)
            timer.daemon = True
            state["timer"] = timer
            timer.start()

    try:
        yield report
    finally:
        with lock:
            state["closed"] = True
            if state["timer"] is not None:
                state["timer"].cancel()
            if state["started"]:
                bar.stop()


def scaled(progress: Optional[ProgressFn], offset: int, total: int) -> Optional[ProgressFn]:
    """A callback for one part of a larger job: part-local ``(done, part_total)`` becomes
    ``(offset + done, total)`` of the whole. ``None`` stays ``None``.

    >>> seen = []
    >>> part = scaled(lambda d, t: seen.append((d, t)), 10, 30)
    >>> part(5, 10); seen
    [(15, 30)]
    """
    if progress is None:
        return None

    def report(done: int, part_total: int) -> None:
        progress(offset + done, total)

    return report
