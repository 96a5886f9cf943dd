"""``detente serve``: the web page and JSON API (FastAPI + uvicorn, both imported lazily).

>>> import inspect
>>> list(inspect.signature(serve).parameters)
['host', 'port', 'store', 'reload', 'max_draws', 'max_actors', 'max_issues', 'workers', 'max_work', 'max_memory', 'max_seconds']
"""

# No ``from __future__ import annotations``: Typer reads these annotations at each start (see detente.cli).

import math
import os
from typing import Optional

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    store: Optional[str] = typer.Option(
        None, "--store", help="Save every run in this store (a SQLite file such as runs.db, or a SQLAlchemy URL); default: $DETENTE_STORE, else none."
    ),
    reload: bool = typer.Option(False, "--reload", help="Restart when the code changes (development)."),
    max_draws: int = typer.Option(20_000, "--max-draws", min=1, help="Most Monte Carlo draws one request may ask for."),
    max_actors: int = typer.Option(200, "--max-actors", min=1, help="Most actors a scenario sent to the server may have."),
    max_issues: int = typer.Option(50, "--max-issues", min=1, help="Most issues a scenario sent to the server may have."),
    workers: int = typer.Option(2, "--workers", min=1, help="Model runs computed at the same time (one process each)."),
    max_work: int = typer.Option(
        100_000_000, "--max-work", min=0, envvar="DETENTE_MAX_WORK",
        help="Budget of one request's estimated work: actors x issues x draws x the model's cost factor "
             "(sensitivity: design points; levers: candidates); larger requests are refused up front. 0: none."),
    max_memory: float = typer.Option(
        4.0, "--max-memory", min=0, envvar="DETENTE_MAX_MEMORY_GB",
        help="Memory (GB) one run's worker process may add; a run needing more gets a 422. 0: no bound."),
    max_seconds: float = typer.Option(
        300.0, "--max-seconds", min=0, envvar="DETENTE_MAX_SECONDS",
        help="Wall time (s) one run may take; then its process is killed and the request gets a 504. 0: no bound."),
) -> None:
    """Serve the web page: load or edit a scenario, run models, see forecasts and charts."""
    from detente.errors import require

    for module in ("fastapi", "uvicorn"):
        require(module, "web")
    import uvicorn

    for name, v in (("--max-memory", max_memory), ("--max-seconds", max_seconds)):
        if not math.isfinite(v):
            raise typer.BadParameter("a finite number, or 0 for no bound", param_hint=f"'{name}'")
    store_url = store or os.environ.get("DETENTE_STORE") or None
    if store_url:
        from detente.store.db import Store

        Store(store_url).engine.dispose()  # a URL that names no usable store: refused now, not at the first run
    from detente.scenario.limits import max_counts, max_file_bytes

    max_file_bytes(), max_counts()  # a bad DETENTE_MAX_* setting: refused now, not at every request
    check_address(host, port)
    warm_kernels()
    typer.echo(f"detente: serving on http://{host}:{port}/ (API docs at /docs)"
               + (f", saving runs to {store_url}" if store_url else ""), err=True)
    settings = {"max_draws": max_draws, "max_actors": max_actors, "max_issues": max_issues, "workers": workers,
                "max_work": max_work, "max_memory_gb": max_memory, "max_seconds": max_seconds}
    if reload:
        # uvicorn's reloader imports the app by name: pass the settings through the environment
        if store_url:
            os.environ["DETENTE_STORE"] = store_url
        for k, v in settings.items():
            os.environ[f"DETENTE_{k.upper()}"] = str(v)
        uvicorn.run("detente.cli.serve:app_from_env", factory=True, host=host, port=port, reload=True)
    else:
        from detente.web.app import create_app

        uvicorn.run(create_app(store_url=store_url, **settings), host=host, port=port)


def check_address(host: str, port: int) -> None:
    """Refuse, before saying "serving on", an address the server could not listen on: a host that
    is no interface of this machine, a port in use or not allowed (an :class:`InputError` naming
    the flag, exit code 2; uvicorn would print its own error and exit 3).

    >>> check_address("no such host!!", 8000)
    Traceback (most recent call last):
    ...
    detente.errors.InputError: --host: not an address of this machine (got 'no such host!!')
    """
    import socket

    from detente.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError):
        raise InputError.one("--host", "not an address of this machine", value=host) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as e:
            flag = "--port" if e.errno in (98, 48, 10048, 13) else "--host"  # in use (Linux, macOS, Windows), denied
            raise InputError.one(flag, f"cannot listen on {host}:{port}: {e.strerror or e}",
                                 value=port if flag == "--port" else host) from None


WARM_UP = """\
import os, sys
try:
    os.nice(10)  # behind the page's own requests
except (AttributeError, OSError):
    pass
try:
    from detente.models.bdm import warm_up
    warm_up()
except KeyboardInterrupt:  # the server stopped with Ctrl-C: nothing was cached, no traceback
    sys.exit(130)
"""


def warm_kernels(env: "dict[str, str] | None" = None, stderr=None):  # type: ignore[no-untyped-def]
    """Start a background process of low priority that compiles the bdm kernels into the on-disk
    cache unless they are there already (:func:`detente.models.bdm.warm_up`): the page's first bdm
    run then loads them (~1 s) instead of compiling them (~9 s of CPU). It prints the compile notice
    on the server's stderr when it compiles, else nothing. Returns the process."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", WARM_UP], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=stderr, env=env)


def app_from_env():  # type: ignore[no-untyped-def]
    """The app with settings from the environment (``DETENTE_STORE``, ``DETENTE_MAX_DRAWS``...),
    for ``--reload``."""
    from detente.web.app import create_app

    settings: dict[str, float] = {
        k: kind(os.environ[f"DETENTE_{k.upper()}"])
        for k, kind in (("max_draws", int), ("max_actors", int), ("max_issues", int), ("workers", int),
                        ("max_work", int), ("max_memory_gb", float), ("max_seconds", float))
        if os.environ.get(f"DETENTE_{k.upper()}")}
    return create_app(store_url=os.environ.get("DETENTE_STORE") or None, **settings)
