"""detente's Rich tables: no word or number broken when the columns can be sized to keep them whole."""

from __future__ import annotations

import re

import pytest

from detente.consoles import Console, Table


def _render(t, width: int) -> str:
    c = Console(width=width, color_system=None)
    with c.capture() as cap:
        c.print(t)
    return cap.get()


def _words(text: str) -> set[str]:
    return set(re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴├┤]", " ", text).split())


@pytest.mark.parametrize("width", [72, 80, 100])
def test_rich_would_break_these_words_and_detentes_table_keeps_them_whole(width) -> None:
    """Rich squeezes the widest columns most: on 80 columns the bottom line read
    "intermediate-ran/ge", levers "administrat/ion (Trump)" and "foreign-pol/icy", the sweep
    "capabilit/y of Russia", beside columns with room to spare."""
    rows = [("Ukraine's alliance status and European security architecture",
             "91.2 (near 100: neutrality plus a new security architecture per the December 2021 draft "
             "treaties (NATO rollback to 1997 deployments, no intermediate-range missiles near Russia))",
             "85.0\u201396.1", "models disagree: mean 45, bdm 15, war (deal) 91"),
            ("US Congress and foreign-policy establishment", "US administration (Trump)", "4.2\u201335.8",
             "capability of Russia")]
    t = Table(title="Bottom line")
    for head in ("issue", "forecast", "input uncertainty (p10\u2013p90)", "do the models agree?"):
        t.add_column(head)
    for row in rows:
        t.add_row(*row)
    text = _render(t, width)
    assert max(map(len, text.splitlines())) <= width
    every = {w for row in rows for cell in row for w in cell.split()}
    assert every <= _words(text), sorted(every - _words(text))


def test_when_the_longest_words_cannot_fit_rich_folds_them() -> None:
    t = Table()
    for k in range(6):
        t.add_column(f"column{k}")
    t.add_row(*["establishment"] * 6)
    text = _render(t, 40)  # six 13-letter words cannot fit in 40 columns: folded, not cut or overflowing
    assert max(map(len, text.splitlines())) <= 40 and "\u2026" not in text
