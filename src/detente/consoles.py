"""Rich's console, table and markup escaping for the commands, loaded only when something is printed.

Rich costs ~35 ms of CPU to import on the 2-core machine; ``detente schema``, ``models --format
json`` and every ``--format json`` pipeline print plain text and need none of it. The command
modules take these names from here instead of from Rich; each loads Rich on its first call.

>>> from detente.consoles import Table, escape
>>> escape("[bold]")
'\\\\[bold]'
>>> Table(title="t").title
't'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rich.console
    import rich.table


def Console(**options: Any) -> rich.console.Console:  # noqa: N802  (stands for the class)
    """``rich.console.Console(**options)``."""
    from rich.console import Console as RichConsole

    return RichConsole(**options)


def Table(*args: Any, **options: Any) -> rich.table.Table:  # noqa: N802
    """``rich.table.Table(*args, **options)``."""
    from rich.table import Table as RichTable

    return RichTable(*args, **options)


def escape(text: str) -> str:
    """``rich.markup.escape``: markup in a name is printed as written."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


class LazyConsole:
    """A console made on first use, with the options given now; its attributes are the console's.

    >>> out = LazyConsole(width=40)
    >>> out.width
    40
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._console is None:
            self._console = Console(**self._options)
        return getattr(self._console, name)
