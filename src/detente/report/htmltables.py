"""The report's tables made readable by screen readers, keyboards and printers, in one pass.

The report's sections write plain ``<table>`` markup; :func:`accessible_tables` then, for every
table of the page:

* gives each header cell its scope (``col`` in ``<thead>``, ``row`` in ``<tbody>``) and turns an
  empty header cell into a data cell (a header that names nothing);
* moves the ``<caption>`` to be the table's first child, where HTML wants it (the CSS still shows
  it under the table);
* wraps the table in a scroll region that the keyboard can reach (``tabindex="0"``,
  ``role="region"``, named by the caption or the heading before it): on a phone a wide table
  scrolls in its own box, the page never sideways. A table of class ``tall`` gets a tall box
  (a bounded height on screen, none in print, so nothing is cut from a printed report).

>>> html = ('<h4>Who gains</h4><table class="winners"><thead><tr><th>actor</th><th></th></tr></thead>'
...         '<tbody><tr><th>Russia</th><td>1</td></tr></tbody><caption>utility</caption></table>')
>>> print(accessible_tables(html))  # doctest: +NORMALIZE_WHITESPACE
<h4>Who gains</h4><div class="scroll" tabindex="0" role="region" aria-label="utility"><table
class="winners"><caption>utility</caption><thead><tr><th scope="col">actor</th><td></td></tr></thead><tbody><tr><th
scope="row">Russia</th><td>1</td></tr></tbody></table></div>
"""

from __future__ import annotations

import re
from html import escape, unescape

_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_CAPTION = re.compile(r"<caption\b[^>]*>.*?</caption>", re.S)
_HEADING = re.compile(r"<h[1-6]\b[^>]*>(.*?)</h[1-6]>", re.S)
_TAG = re.compile(r"<[^>]+>")
_TH = re.compile(r"<th\b(?![^>]*\bscope=)([^>]*)>")


def _text(html: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def _scoped(part: str, scope: str) -> str:
    part = re.sub(r"<th\b([^>]*)>\s*</th>", r"<td\1></td>", part)  # an empty header names nothing
    return _TH.sub(lambda m: f'<th scope="{scope}"{m.group(1)}>', part)


def _one(table: str, label: str) -> str:
    caption = _CAPTION.search(table)
    if caption is not None:  # the caption first, as HTML wants it
        table = table[:caption.start()] + table[caption.end():]
        open_end = table.index(">") + 1
        table = table[:open_end] + caption.group(0) + table[open_end:]
        label = _text(caption.group(0)) or label
    head_end = table.find("</thead>")
    if head_end >= 0:
        table = _scoped(table[:head_end], "col") + _scoped(table[head_end:], "row")
    else:
        table = _scoped(table, "row")
    tall = re.match(r'<table\b[^>]*\bclass="[^"]*\btall\b', table) is not None
    cls = "scroll tall" if tall else "scroll"
    return f'<div class="{cls}" tabindex="0" role="region" aria-label="{escape(label[:120], quote=True)}">{table}</div>'


def accessible_tables(html: str) -> str:
    """``html`` with every table scoped, captioned first and wrapped in a keyboard scroll region
    (see the module's text); a table is named by its caption, else by the heading before it."""
    out, last = [], 0
    for m in _TABLE.finditer(html):
        before = html[last:m.start()]
        out.append(before)
        heads = _HEADING.findall(html[:m.start()])
        label = _text(heads[-1]) if heads else "table"
        out.append(_one(m.group(0), label))
        last = m.end()
    out.append(html[last:])
    return "".join(out)


CSS = """
.scroll { overflow-x: auto; margin: .4rem 0 1rem; }
.scroll:focus-visible { outline: 3px solid #1b1f24; outline-offset: 2px; }
.scroll > table { margin: 0; }
.scroll.tall { max-height: 30rem; overflow: auto; }
@media print {
  nav { display: none; }
  main { max-width: none; }
  h2, h3, h4 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  .scroll, .scroll.tall { max-height: none; overflow: visible; }
}
"""
"""The styles :func:`accessible_tables`' markup needs, for the report's stylesheet (print included)."""
