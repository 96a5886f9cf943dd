"""Rich's console, table and markup escaping for the commands, loaded only when something is printed.

Rich costs ~35 ms of CPU to import on the 2-core machine; ``detente schema``, ``models --format
json`` and every ``--format json`` pipeline print plain text and need none of it. The command
modules take these names from here instead of from Rich; each loads Rich on its first call.

>>> from detente.consoles import Table, escape
>>> escape("[bold]")
'\\\\[bold]'
>>> Table(title="t").title.plain
't'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rich.console
    import rich.table


PIPE_WIDTH = 140
"""Columns of the commands' tables when stdout is a pipe or a file (Rich would take 80)."""


def stdout_width() -> int | None:
    """The width for a console on stdout: the terminal's own (``None``), or :data:`PIPE_WIDTH`
    in a pipe or a file, so that ``detente ... > out.txt`` keeps the tables as readable."""
    import sys

    return None if sys.stdout.isatty() else PIPE_WIDTH


def Console(**options: Any) -> rich.console.Console:  # noqa: N802  (stands for the class)
    """``rich.console.Console(**options)``, with no emoji codes unless asked (":100:" in a value is text)."""
    from rich.console import Console as RichConsole

    options.setdefault("emoji", False)
    return RichConsole(**options)


def Table(*args: Any, **options: Any) -> rich.table.Table:  # noqa: N802
    """A ``rich.table.Table(*args, **options)`` that prints its strings as written.

    Rich reads a string cell, header, title or caption as markup: a scenario's anchor "standards in
    7 years [with derogations]" lost "[with derogations]", a sweep's column
    "stances[russia,territory].salience" its actor and issue, and ":100:" became an emoji. Here a
    string is plain text (no markup, emoji or highlighting); a styled cell is a ``rich.text.Text``
    (e.g. :func:`styled`). A word too long for its column is folded onto the next line, never cut
    with "…" (Rich's default: a narrow terminal read "intermediate-ran…" in the bottom line).

    >>> from rich.console import Console
    >>> t = Table(title="[draft] view")
    >>> t.caption = "[b]old[/b]"
    >>> t.add_column("stances[russia,territory].salience")
    >>> t.add_row("7 years [with derogations] 0:100:3")
    >>> c = Console(width=60, color_system=None)
    >>> with c.capture() as cap:
    ...     c.print(t)
    >>> all(s in cap.get() for s in ("[draft] view", "[b]old[/b]", "[russia,territory]", "[with derogations] 0:100:3"))
    True
    >>> t = Table()
    >>> t.add_column("oblast", max_width=10)
    >>> t.add_row("Zaporizhzhia")
    >>> with c.capture() as cap:
    ...     c.print(t)
    >>> "".join(line.strip("│ ") for line in cap.get().splitlines() if line.startswith("│"))
    'Zaporizhzhia'
    """
    return _literal_table_class()(*args, **options)


def fitting_columns(cells: Mapping[str, Sequence[str]], width: int, *, leave_out: Sequence[str],
                    wrapped: Mapping[str, int] | None = None) -> list[str]:
    """The columns of a table that fit in ``width`` terminal columns, leaving out those of
    ``leave_out``, in that order, until the rest fits (the others are always kept).

    ``cells`` maps each column's header to its cells, in table order. A column is as wide as its
    widest line (a header may hold line breaks, see :func:`detente.report.tables.stacked`); a
    column of ``wrapped`` (header -> its widest) wraps at words and counts as 16 wide at most. The
    caller makes the other columns ``no_wrap``, so that no header or number is broken inside a
    word, and says which columns it left out (the ledger, the backtest).

    >>> cells = {c: ["x"] for c in ("record", "question", "issue", "abs error", "CRPS")}
    >>> fitting_columns(cells, 200, leave_out=["abs error", "CRPS"]) == list(cells)
    True
    >>> fitting_columns(cells, 25, leave_out=["abs error", "CRPS", "question"])
    ['record', 'issue']
    """
    wrapped = wrapped or {}

    def width_of(col: str) -> int:
        w = max(len(line) for text in (col, *cells[col]) for line in str(text).split("\n"))
        return min(w, 16) if col in wrapped else w

    shown = list(cells)
    for col in leave_out:
        if sum(map(width_of, shown)) + 3 * len(shown) + 1 <= width:  # a space either side, a rule between
            break
        shown.remove(col)
    return shown


def _longest(headers: Sequence[str], rows: Sequence[Sequence[str]], *, lines: bool) -> list[int]:
    parts = (lambda text: text.split("\n")) if lines else (lambda text: text.split() or [""])
    return [max(len(w) for text in column for w in parts(str(text))) for column in zip(headers, *rows)]


def unbroken_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """The narrowest a table of ``headers`` and ``rows`` can be without breaking a word or a
    number: each column as wide as its longest word (words part at spaces and line breaks), a
    space either side and a rule between columns, as Rich draws it. A caller that finds it wider
    than the terminal lays the table out another way (the sweep: a line per point and issue).

    >>> unbroken_width(["#", "military aid"], [["0", "53.8\\n[19.5, 91.0]"]])
    16
    """
    return sum(_longest(headers, rows, lines=False)) + 3 * len(headers) + 1


def unbroken_column_widths(least: Sequence[int], most: Sequence[int], room: int) -> list[int] | None:
    """Column widths that break no word: each column at least its longest word (``least``), then
    the ``room`` left (the width available minus the sum of ``least``) given whole to the columns
    that need the least of it to stop wrapping (up to ``most``, their longest line), and what then
    remains shared out one column at a time. ``None`` when the longest words alone do not fit.
    Rich squeezes the widest columns most and breaks their words ("capabilit/y of Russia",
    "administrat/ion (Trump)") beside columns with room to spare; every detente table uses this
    rule instead whenever it fits (see :func:`Table`).

    >>> unbroken_column_widths([1, 8, 10], [1, 12, 15], 4)   # "military aid" whole, the other wraps
    [1, 12, 10]
    >>> unbroken_column_widths([1, 8, 10], [1, 12, 15], 6)
    [1, 12, 12]
    >>> unbroken_column_widths([1, 8, 10], [1, 12, 15], -1) is None
    True
    """
    if room < 0:
        return None
    widths = list(least)
    for k in sorted(range(len(widths)), key=lambda k: most[k] - least[k]):
        if 0 < most[k] - widths[k] <= room:  # a column either stops wrapping or waits for what is left
            room -= most[k] - widths[k]
            widths[k] = most[k]
    short = [k for k in range(len(widths)) if widths[k] < most[k]]
    while room > 0 and short:  # what is left: a column at a time, fewer wrapped lines
        for k in list(short):
            if room == 0:
                break
            widths[k] += 1
            room -= 1
            if widths[k] == most[k]:
                short.remove(k)
    return widths


def styled(text: str, style: str) -> Any:
    """A table cell printed as written, in ``style`` (e.g. ``"red"``)."""
    from rich.text import Text

    return Text(text, style=style)


def _literal_table_class() -> type:
    global _LiteralTable
    if _LiteralTable is None:
        from rich.table import Table as RichTable
        from rich.text import Text

        def literal(value: Any) -> Any:
            return Text(value) if isinstance(value, str) else value

        class LiteralTable(RichTable):
            """A Rich table whose string cells, headers, title and caption are plain text."""

            def __init__(self, *headers: Any, **options: Any) -> None:
                super().__init__(*map(literal, headers), **options)

            def __setattr__(self, name: str, value: Any) -> None:  # also ``t.caption = ...`` later
                super().__setattr__(name, literal(value) if name in ("title", "caption") else value)

            def add_column(self, header: Any = "", footer: Any = "", **options: Any) -> None:
                options.setdefault("overflow", "fold")  # a word too long for its column: folded, not cut with "…"
                super().add_column(literal(header), literal(footer), **options)

            def add_row(self, *renderables: Any, **options: Any) -> None:
                super().add_row(*map(literal, renderables), **options)

            def _calculate_column_widths(self, console: Any, options: Any) -> list[int]:
                """Rich's widths, unless they break a word that another allocation keeps whole
                (:func:`unbroken_column_widths`; widths here include the cells' padding)."""
                widths = super()._calculate_column_widths(console, options)
                try:  # Rich's internals (15.0); another Rich without them keeps its own widths
                    return self._unbroken(console, options, widths)
                except AttributeError:
                    return widths

            def _unbroken(self, console: Any, options: Any, widths: list[int]) -> list[int]:
                ranges = [self._measure_column(console, options, column) for column in self.columns]
                least = [r.maximum if column.no_wrap else r.minimum for r, column in zip(ranges, self.columns)]
                if all(w >= m for w, m in zip(widths, least)) or any(c.width is not None for c in self.columns):
                    return widths
                # the cells' longest lines first (a long header wraps at its words), then the headers'
                body = [max([least[k], *(len(line) + self._get_padding_width(k) for cell in column._cells
                                         for line in str(cell).split("\n"))])
                        for k, column in enumerate(self.columns)]
                better = unbroken_column_widths(least, body, options.max_width - sum(least))
                if better is None:
                    return widths
                more = unbroken_column_widths(better, [max(b, r.maximum) for b, r in zip(better, ranges)],
                                              options.max_width - sum(better))
                return more or better

        _LiteralTable = LiteralTable
    return _LiteralTable


_LiteralTable: type | None = None


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
