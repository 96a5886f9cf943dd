"""The ``detente`` command: the program's entry point (:func:`entry`) and :func:`main`.

The command line is this package, above every other layer (the modules it calls never import it):

* :mod:`detente.cli.commands`: the Typer app, its core commands (``run``, ``validate``, ``compare``,
  ``backtest``...) and the output consoles;
* :mod:`detente.cli.common`: the options and arguments the commands share;
* one module per group of further commands: :mod:`~detente.cli.levers`, :mod:`~detente.cli.pool`,
  :mod:`~detente.cli.uncertainty` (``sensitivity``, ``sweep``), :mod:`~detente.cli.runs` (the run
  store), :mod:`~detente.cli.ledger` (``seal``, ``grade``, ``verify``, ``ledger``) and
  :mod:`~detente.cli.serve` (the web page).

The app is imported by :func:`main` when a command runs: ``detente --version`` answers without
loading Typer, Rich or the commands (~0.2 s of CPU less on the 2-core machine). The app's names are
available from here as before (``from detente.cli import app, out, err``...).
"""

import os
import sys


def __getattr__(name: str) -> object:
    """``detente.cli.app``, ``.out``, ``.err``...: the names of :mod:`detente.cli.commands`, loaded on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    from importlib import import_module

    commands = import_module("detente.cli.commands")  # not ``from detente.cli import``: that would ask this function
    if name == "commands":
        return commands
    try:
        return getattr(commands, name)
    except AttributeError:
        raise AttributeError(f"module 'detente.cli' has no attribute {name!r}") from None


REPORT_HINT = ("this is a bug in detente, not in your input: please report it with the command you ran "
               "and this message; run again with --debug (or DETENTE_DEBUG=1) to see the full traceback")


def _debug_wanted(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("DETENTE_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning errors into one-line messages and exit codes.

    Exit codes: 0 ok; 2 a usage error, bad input or an output path or run store that cannot be
    written (a message naming the path, never a traceback); 1 any other failure (a missing optional
    dependency, an unexpected system error, or a bug: one line
    saying so, the traceback only with ``--debug`` or ``DETENTE_DEBUG=1``); 130 interrupted (Ctrl-C),
    143 terminated (SIGTERM, in the program: :func:`entry`).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_wanted(args)
    if "--debug" in args:  # a global flag: accepted anywhere on the line
        args = [a for a in args if a != "--debug"]
    if args == ["--version"]:  # what the app's eager --version prints, without loading the app
        from detente._version import __version__

        print(f"detente {__version__}")
        return 0
    try:  # a few tenths of a second: a Ctrl-C meanwhile ends as one during a command does
        import typer

        from detente.cli.commands import app_for, err, escape, option_problem
        from detente.errors import DetenteError, FewDrawsWarning, InputError, ModelError, missing_dependency
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    import warnings

    warnings.filterwarnings("ignore", category=FewDrawsWarning)  # the commands say it in their own words
    try:
        from detente.guard import protected_inputs

        refused = option_problem(args)
        if refused is not None:
            raise typer.BadParameter(refused[1], param_hint=f"'{refused[0]}'")
        with protected_inputs():  # no output of a command replaces a file it read
            rv = app_for(args)(args=args, prog_name="detente", standalone_mode=False)
        if rv == 130:  # Typer turns a KeyboardInterrupt (Ctrl-C, or SIGTERM: Terminated) into a silent 130
            err.print("terminated" if _STOPPED else "interrupted")
            return 143 if _STOPPED else 130
        if isinstance(rv, int) and rv:  # typer.Exit(code) inside a command, in non-standalone mode
            return rv
    except (InputError, ModelError) as e:
        err.print(f"[bold red]error:[/bold red] {escape(str(e))}", highlight=False, soft_wrap=True)
        return 2
    except DetenteError as e:  # exit 1, or the error's own code (2 for a run store that cannot be written)
        err.print(f"[bold red]error:[/bold red] {escape(str(e))}", highlight=False, soft_wrap=True)
        return int(getattr(e, "exit_code", 1))
    except typer.Exit as e:
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("terminated" if _STOPPED else "interrupted")
        return 143 if _STOPPED else 130
    except typer.TyperException as e:  # Click's usage errors: unknown option/command, bad or missing value
        if debug:
            raise
        if hasattr(e, "message"):
            e.message = _plain_usage(e)
        e.show()  # type: ignore[attr-defined]
        return int(getattr(e, "exit_code", 2))
    except BrokenPipeError:  # e.g. `detente models | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (no second error at exit)
        except OSError:
            pass
        return 0
    except OSError as e:  # the machine's problem, not a bug: a folder that cannot be written...
        if debug:
            raise
        where = f": {e.filename}" if getattr(e, "filename", None) else ""
        err.print(f"[bold red]error:[/bold red] {escape(e.strerror or str(e))}{escape(where)}",
                  highlight=False, soft_wrap=True)
        return 1
    except ImportError as e:  # an optional module that a command imports before its own require()
        missing = missing_dependency(e)
        if missing is None or debug:
            raise
        err.print(f"[bold red]error:[/bold red] {escape(str(missing))}", highlight=False, soft_wrap=True)
        return missing.exit_code
    except MemoryError as e:  # past what the machine gives the process: the remedy is a smaller run
        if debug:
            raise
        why = f" ({e})" if str(e) else ""
        err.print(f"[bold red]error:[/bold red] out of memory{escape(why)}: the run needs more memory than "
                  "this machine gives it; use fewer draws (--draws), or fewer rounds", highlight=False, soft_wrap=True)
        return 2
    except Exception as e:
        if _wraps_an_interrupt(e):  # pydantic's serialiser reports a Ctrl-C inside it as its own error
            err.print("terminated" if _STOPPED else "interrupted")
            return 143 if _STOPPED else 130
        if debug:
            raise
        err.print(f"[bold red]internal error:[/bold red] {escape(type(e).__name__)}: {escape(str(e))}\n"
                  f"{REPORT_HINT}", highlight=False, soft_wrap=True)
        return 1
    return 0


def _wraps_an_interrupt(e: BaseException) -> bool:
    """Whether ``e`` is a Ctrl-C (or SIGTERM) that a library turned into an error of its own:
    pydantic's ``PydanticSerializationError: Error calling function '_serialise': KeyboardInterrupt``
    during `convert` of a big scenario, reported as an internal error (exit 1) one time in three.

    >>> wrapped = ValueError("Error calling function '_serialise': KeyboardInterrupt: ")
    >>> _wraps_an_interrupt(wrapped), _wraps_an_interrupt(ValueError("bad"))
    (True, False)
    """
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, KeyboardInterrupt) or ": KeyboardInterrupt" in str(e):
            return True
        e, seen = (e.__cause__ or e.__context__), seen + 1  # type: ignore[assignment]
    return False


def _plain_usage(e: BaseException) -> str:
    """A usage error's message in plain words: Typer checks option values with pydantic, whose words
    ("Input should be a valid integer, unable to parse string as an integer") become the scenario
    file's ("must be a whole number (got 'abc')")."""
    message = str(getattr(e, "message", e))
    cause = e.__cause__
    errors = getattr(cause, "errors", None)
    if type(cause).__name__ != "ValidationError" or not callable(errors):
        return message.replace("Value error, ", "")
    from detente.scenario.messages import plain_message

    first = errors()[0]
    return f"{plain_message(first)} (got {first.get('input')!r})"


_program = False
"""True in the ``detente`` program (:func:`entry`), False when :func:`main` is called from other code
(a notebook, the tests): only the program tunes the process's garbage collector."""

GC_THRESHOLDS = (50_000, 10, 10)
"""The cyclic garbage collector's thresholds in the ``detente`` program (CPython's default: 700, 10,
10). A command allocates hundreds of thousands of objects that live to the end (the modules of NumPy,
pydantic, Numba and matplotlib, the artists of the figures); with the default thresholds every one of
them is traversed again by each of the few full collections of the growing heap, ~0.4-0.6 s of the
README's first command's 5-6 s of CPU. A youngest generation of 50,000 objects collects cycles all
the same (the peak memory of that command is unchanged, 264 MB) in ~0.2 s
(``benchmarks/bench_outputs.py``). Only the program sets them: the library leaves the collector of
the process that imports it alone."""


def _short_blas_spin() -> None:
    """Let OpenBLAS's idle worker threads sleep after 2**4 cycles instead of its default 2**28.

    NumPy's OpenBLAS starts its worker threads (one per core besides the caller's) when NumPy is
    imported; an idle worker busy-waits about 0.1 s (2**28 cycles) for work before it sleeps, on
    start-up and after every threaded call. A short command pays that spin in CPU time for
    nothing: ``import numpy`` costs 0.17 s of CPU by default and 0.12 s with the short spin
    (2-core machine). Only how long idle threads wait changes; the number of threads and how work
    is split, hence every result, do not. ``OPENBLAS_THREAD_TIMEOUT`` is read once, when OpenBLAS
    loads, so this must run before NumPy is imported (``import detente.cli`` does not import it);
    an explicit setting wins."""
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


def _no_pydantic_plugins() -> None:
    """Tell pydantic not to look for plugins (``PYDANTIC_DISABLE_PLUGINS``, pydantic's own switch).

    When it builds its first validator, pydantic scans the entry points of every installed
    distribution for ``pydantic`` plugins (observers of validation, e.g. Logfire's): ~5 ms of CPU
    with the 77 distributions of ``.[all]``, more in a larger environment, for plugins the
    ``detente`` program has no use for. Validation itself is unchanged. Typer does the same while it
    builds its option validators. Only the program sets it; a value the user set is kept (an empty
    value loads every plugin). With every plugin off, pydantic's loader module is replaced by
    :func:`_pluginless_loader` before pydantic is imported."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in PLUGINS_OFF and "pydantic.plugin._loader" not in sys.modules:
        sys.modules["pydantic.plugin._loader"] = _pluginless_loader()


PLUGINS_OFF = ("__all__", "1", "true")
"""The values of ``PYDANTIC_DISABLE_PLUGINS`` with which pydantic loads no plugin at all (its
``pydantic.plugin._loader.get_plugins`` then returns ``()`` before it looks at anything)."""


def _pluginless_loader() -> "types.ModuleType":
    """A stand-in for ``pydantic.plugin._loader`` when every plugin is disabled: its one function
    ``get_plugins`` returns ``()``, as pydantic's own does then. pydantic's module imports
    ``importlib.metadata`` (and with it ``email``, ``calendar``, ``zipfile``...) at its top only to
    scan entry points it then never scans: ~30 ms of CPU of every command that validates anything
    (2-core machine). Nothing else changes: pydantic builds the same plain validators.
    ``tests/test_startup.py`` checks that pydantic's loader returns ``()`` with these values and
    that the stand-in has every name pydantic's modules import from it."""
    import types

    mod = types.ModuleType("pydantic.plugin._loader", "detente's stand-in: every pydantic plugin is disabled")
    mod.get_plugins = lambda: ()  # type: ignore[attr-defined]
    return mod


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a job scheduler's stop) in the ``detente`` program: raised like Ctrl-C,
    so that the same clean-up runs (a half-written ``--out`` folder removed, worker processes
    stopped); the program then exits 143."""


_STOPPED: list[int] = []
"""The SIGTERM received by the program (:func:`_terminate`), if any: its interruption exits 143."""


def _terminate(signum: int, frame: object) -> None:
    _STOPPED.append(signum)
    raise Terminated()


def entry() -> None:
    """The ``detente`` program (console script, ``python -m detente``): :func:`main`, then exit.

    The collector runs with :data:`GC_THRESHOLDS`, and a loaded scenario is frozen out of it (it
    lives as long as the command). Before Python shuts down, the objects alive at the
    end are frozen out of the cyclic garbage collector (:func:`gc.freeze`): the full collections of
    the shutdown then skip the large object graphs of NumPy, pydantic and Numba, which saves 0.1-0.2 s
    of CPU per command once Numba is loaded (``benchmarks/bench_exchange.py``). Output streams are
    still flushed and ``atexit`` handlers still run; only cycles left over at exit are not collected
    (the process ends anyway).

    Before anything imports NumPy, OpenBLAS's idle worker threads are told to sleep at once
    (:func:`_short_blas_spin`), and pydantic not to scan for plugins (:func:`_no_pydantic_plugins`)."""
    import gc

    global _program
    _program = True
    _short_blas_spin()
    _no_pydantic_plugins()
    gc.set_threshold(*GC_THRESHOLDS)
    import signal

    signal.signal(signal.SIGTERM, _terminate)  # cleaned up as after Ctrl-C, not killed mid-write
    try:
        code = main()
    finally:  # after the command (the outputs are written): a SIGTERM ends the process as usual
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()
    sys.exit(code)
