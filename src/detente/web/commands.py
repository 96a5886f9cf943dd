"""``detente serve``: the web page and JSON API (FastAPI + uvicorn, both imported lazily).

>>> import inspect
>>> list(inspect.signature(serve).parameters)
['host', 'port', 'store', 'reload']
"""

from __future__ import annotations

import os
from typing import Optional

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    store: Optional[str] = typer.Option(
        None, "--store", help="Save every run in this store (SQLAlchemy URL); default: $DETENTE_STORE, else none."
    ),
    reload: bool = typer.Option(False, "--reload", help="Restart when the code changes (development)."),
) -> None:
    """Serve the web page: load or edit a scenario, run models, see forecasts and charts."""
    from detente.errors import require

    for module in ("fastapi", "uvicorn"):
        require(module, "web")
    import uvicorn
    store_url = store or os.environ.get("DETENTE_STORE") or None
    typer.echo(f"detente: serving on http://{host}:{port}/ (API docs at /docs)"
               + (f", saving runs to {store_url}" if store_url else ""), err=True)
    if reload:
        # uvicorn's reloader imports the app by name: pass the settings through the environment
        if store_url:
            os.environ["DETENTE_STORE"] = store_url
        uvicorn.run("detente.web.commands:app_from_env", factory=True, host=host, port=port, reload=True)
    else:
        from detente.web.app import create_app

        uvicorn.run(create_app(store_url=store_url), host=host, port=port)


def app_from_env():  # type: ignore[no-untyped-def]
    """The app with settings from the environment (``DETENTE_STORE``), for ``--reload``."""
    from detente.web.app import create_app

    return create_app(store_url=os.environ.get("DETENTE_STORE") or None)
