"""Figures of a run: actors on each issue scale with the forecasts, and trajectories over rounds.

Every figure is a :class:`matplotlib.figure.Figure` drawn on its own Agg canvas, so nothing
touches pyplot's global state. Models add their own figures with :func:`register_plot`.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": {"low": 40, "high": 80}}]})
>>> figs = figures_for(s, [run(s, "mean")])
>>> [(stem, title) for stem, title, _ in figs]
[('issue-x', 'x: actors and forecasts')]
>>> png_bytes(figs[0][2])[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
import re
import struct
import textwrap
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np


def _matplotlib_config_dir() -> None:
    """Matplotlib's config and font cache in a private temporary folder when the user's own cannot be
    written (HOME read-only or missing): matplotlib would do the same, with a two-line warning."""
    import os
    from pathlib import Path

    from detente.jit import private_temp_dir, writable

    if os.environ.get("MPLCONFIGDIR"):
        return
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"
    if not writable(base):
        os.environ["MPLCONFIGDIR"] = str(private_temp_dir("detente-matplotlib"))


_matplotlib_config_dir()  # before matplotlib is imported: it reads the folder then

from matplotlib import rcParams  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure

from detente.report.figmeta import ACTOR_PALETTE, OWN_TRAJECTORY_PLOTS, PALETTE, series_label, slug, unique_stems  # noqa: F401
from detente.report.summary import model_point
from detente.report.tables import fmt, model_label
from detente.result import Result, acting_model
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.model import Issue, Scenario
from detente.scenario.uncertain import Mixture, Normal, Triangular, Uniform, bounds_of, is_uncertain

DPI = 100
"""Resolution of the PNGs (100 dpi: a 9-inch figure is 900 px wide; 150 dpi cost 2.3x the pixels)."""
PNG_COMPRESS = 1
"""zlib level of the PNGs: level 1 makes these flat-colour charts ~3 % larger than the default 6, in less CPU."""
TEXT_HINTING = "no_hinting"
"""FreeType hinting of the text: text is most of a chart's drawing cost (matplotlib >= 3.11 renders
each glyph on its own) and unhinted glyphs draw ~35 % faster than the default auto-hinter."""
SERIES_COLOURS = ["#000000", "#555555", "#888888"]
LINESTYLES = ["-", "--", "-.", ":"]
FORECAST_STYLES = ["-", (0, (5, 2)), (0, (3, 1.5, 1, 1.5)), (0, (1, 1)), (0, (8, 2, 2, 2))]
ACTOR_COLOUR = "#555555"
TITLE_Y = 1.0
"""An axes title's height (axes fraction) where nothing sits above the axes: where matplotlib's
automatic placement puts it then, given so that drawing does not measure the axes' tick labels and
those of its secondary axes again to place it (``Axes._update_title_position``: about a fifth of an
issue chart's drawing). Titles above an axis of anchors are placed by matplotlib."""
MAX_MARKER_AREA = 700.0  # points^2 for the heaviest actor
MIN_MARKER_AREA = 12.0

PlotHook = Callable[[Scenario, Result], list[tuple[str, Figure]]]
_HOOKS: dict[str, list[PlotHook]] = {}


def register_plot(model_name: str, fn: PlotHook) -> PlotHook:
    """Add model-specific figures: ``fn(scenario, result) -> [(title, Figure), ...]``.

    Called by :func:`figures_for` for every result of ``model_name``. Returns ``fn`` so it can be
    used as a decorator body. Registering the same function twice has no effect.
    """
    hooks = _HOOKS.setdefault(model_name, [])
    if fn not in hooks:
        hooks.append(fn)
    return fn


def unregister_plot(model_name: str, fn: PlotHook) -> None:
    """Remove a hook added by :func:`register_plot` (tests use it)."""
    hooks = _HOOKS.get(model_name, [])
    if fn in hooks:
        hooks.remove(fn)


def _new_figure(width: float, height: float, *, left: float = 0.8, right: float = 0.3, top: float = 0.45,
                bottom: float = 0.6, constrained: bool = False) -> Figure:
    """A figure on its own Agg canvas, at :data:`DPI`, with a fixed layout: the axes fill the figure
    less ``left/right/top/bottom`` inches of margin (change them later with :func:`set_margins`).

    A fixed layout draws every text once; matplotlib's constrained layout measures each text again
    on every save and cost about half of a report's CPU. Figure legends go in the bottom margin with
    :func:`bottom_legend` (``loc="outside ..."`` needs ``constrained=True``, the slow path)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    if not constrained:
        set_margins(fig, left=left, right=right, top=top, bottom=bottom)
    return fig


def set_margins(fig: Figure, *, left: float, right: float, top: float, bottom: float) -> None:
    """Fixed margins in inches around the subplots (each capped at 45 % of the figure)."""
    w, h = fig.get_size_inches()
    cap = lambda v, size: min(max(v, 0.0), 0.45 * size) / size  # noqa: E731
    fig.subplots_adjust(left=cap(left, w), right=1 - cap(right, w), bottom=cap(bottom, h), top=1 - cap(top, h))


def text_inches(text: str, size: float) -> tuple[float, float]:
    """Rough (width, height) in inches of a text at ``size`` points (DejaVu Sans: ~0.58 em per
    character, 1.25 em per line), for margins without measuring (which costs a draw)."""
    lines = text.split("\n") or [""]
    return max(len(x) for x in lines) * 0.58 * size / 72, len(lines) * 1.25 * size / 72


def legend_inches(n_handles: int, ncol: int, size: float = 8.0, title: bool = False) -> float:
    """Height in inches of a frameless legend of ``n_handles`` entries in ``ncol`` columns."""
    rows = math.ceil(n_handles / max(ncol, 1)) + (1 if title else 0)
    return rows * 1.55 * size / 72 + 0.08


def bottom_legend(fig: Figure, **kwargs) -> None:
    """The figure's legend, centred in its bottom margin (reserve it with :func:`legend_inches`)."""
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.01), frameon=False, **kwargs)


class StringTextRenderer(RendererAgg):
    """Agg that draws each string of plain text as one bitmap: FreeType renders its glyphs into the
    string's bitmap and Agg blends that once (matplotlib's own Agg text up to 3.10). Matplotlib 3.11
    renders and blends every glyph on its own, at sub-pixel positions, ~60 us per glyph: text was
    ~1 s of the ~1.3 s that the README command's 10 charts took to draw, ~0.6 s less now
    (``benchmarks/bench_outputs.py``). The glyphs, fonts and text are the same; a string starts on a
    whole pixel instead of a fraction of one.

    FreeType lays a string out once for its size and its bitmap (:func:`_string_bitmap`): matplotlib
    measures every string before drawing it, and a report draws the same tick labels and legend
    entries in many charts. Math text and text with OpenType features or a language set are measured
    and drawn by matplotlib's own methods."""

    def get_text_width_height_descent(self, s, prop, ismath):  # noqa: D102 (RendererAgg's)
        if ismath is not False:
            return super().get_text_width_height_descent(s, prop, ismath)
        w, h, d, *_ = _string_bitmap(self._prepare_font(prop), s, prop.get_size_in_points(), self.dpi)
        return w / 64.0, h / 64.0, d / 64.0

    def _get_font_height_metrics(self, prop):
        """(minimum ascent, minimum descent, line gap) in pixels of ``prop``'s font at its size: what
        ``Text._get_layout`` (matplotlib 3.11) otherwise reads from the font's OS/2 or hhea table for
        every text it lays out, finding the font each time (~0.1 ms a text, ~2,000 texts in a
        report); the same numbers, computed once per font, size and dpi."""
        key = (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(),
               prop.get_stretch(), prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily(), self.dpi)
        hit = _FONT_HEIGHTS.get(key)
        if hit is None:
            hit = _FONT_HEIGHTS[key] = _font_height_metrics(prop, self.dpi)
        return hit

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):  # noqa: D102 (RendererAgg's)
        if ismath or (mtext is not None and (_text_option(mtext, "get_fontfeatures")
                                             or _text_option(mtext, "get_language"))):
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        font = self._prepare_font(prop)
        if gc.get_antialiased():
            _, _, d, image, xo, yo = _string_bitmap(font, s, prop.get_size_in_points(), self.dpi)
        else:
            font.set_text(s, 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=False)
            d, (xo, yo), image = font.get_descent(), font.get_bitmap_offset(), font.get_image()
        a = math.radians(angle)
        x = round(x + xo / 64.0 + d / 64.0 * math.sin(a))  # the descent turns with the text
        y = round(y + yo / 64.0 + d / 64.0 * math.cos(a))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)


TEXT_CACHE_SIZE = 1024
"""At most this many strings' layouts and bitmaps are kept by :func:`_string_bitmap` (the README
command's report has 318, 445 KiB in all, 9 KiB at most); the cache starts again when it is full,
so that a long-running server keeps a few MiB at most."""
_STRINGS: dict[tuple, tuple] = {}


def _string_bitmap(font, s: str, size: float, dpi: float) -> tuple:
    """(width, height, descent, antialiased bitmap, bitmap x and y offset) of ``s`` laid out at angle
    0 by ``font`` (a prepared :class:`~matplotlib.ft2font.FT2Font`: ``RendererAgg._prepare_font``), in
    64ths of a pixel but the bitmap; the same numbers as matplotlib's Agg measures, computed once."""
    flags = get_hinting_flag()
    key = (font, s, size, dpi, flags)
    hit = _STRINGS.get(key)
    if hit is None:
        font.set_text(s, 0, flags=flags)
        w, h = font.get_width_height()
        d = font.get_descent()
        font.draw_glyphs_to_bitmap(antialiased=True)
        if len(_STRINGS) >= TEXT_CACHE_SIZE:
            _STRINGS.clear()
        hit = _STRINGS[key] = (w, h, d, np.array(font.get_image()), *font.get_bitmap_offset())
    return hit


_FONT_HEIGHTS: dict[tuple, tuple] = {}


def _font_height_metrics(prop, dpi: float) -> tuple:
    """``Text._get_layout``'s font metrics (matplotlib 3.11, ``text.py``): the typographic ascender,
    descender and line gap of the OS/2 table, else the hhea table's, scaled to the size and dpi;
    ``(None, None, None)`` (matplotlib then measures "lp") when the font has neither."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _text_option(mtext, getter: str) -> object:
    return getattr(mtext, getter, lambda: None)()


class StringTextCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`StringTextRenderer` (see :data:`PER_GLYPH_TEXT`)."""

    def get_renderer(self):  # noqa: D102 (FigureCanvasAgg's, with the renderer above)
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = StringTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


PER_GLYPH_TEXT = hasattr(RendererAgg, "_draw_text_glyphs_and_boxes")
"""Whether this matplotlib's Agg draws text glyph by glyph (3.11 and later): then :func:`png_bytes`
draws on a :class:`StringTextCanvas`; earlier versions draw each string as one bitmap themselves."""


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG at :data:`DPI` (drawn once: see :func:`_new_figure`), its text unhinted
    (:data:`TEXT_HINTING`) and drawn a string at a time (:class:`StringTextRenderer`), encoded by
    :func:`encode_png` from the canvas's own pixels."""
    from matplotlib import rc_context

    if PER_GLYPH_TEXT:
        if not isinstance(fig.canvas, StringTextCanvas):
            StringTextCanvas(fig)
    elif not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    pixels = _Pixels()
    with rc_context({"text.hinting": TEXT_HINTING}):
        fig.savefig(pixels, format="rgba", dpi=DPI)  # Agg draws; its buffer is handed over, not copied
    return encode_png(pixels.rgba, fig.canvas.get_renderer().dpi)  # the dpi it was drawn at


class _Pixels(io.BytesIO):
    """A binary "file" that keeps the (height, width, 4) RGBA buffer that Agg's ``print_raw`` writes
    (a view of the renderer's pixels) instead of copying it."""

    rgba: np.ndarray

    def write(self, data) -> int:  # noqa: ANN001 (a memoryview of the renderer's buffer)
        self.rgba = np.asarray(data)
        return self.rgba.nbytes


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(rgba: np.ndarray, dpi: float) -> bytes:
    """An 8-bit RGBA PNG of ``rgba`` (height, width, 4), its resolution recorded (pHYs), no text chunks.

    Every row is stored with PNG's "up" filter (the difference to the row above: charts are mostly
    flat colour, so the differences are mostly zero) and deflated at :data:`PNG_COMPRESS`. Pillow,
    which matplotlib's ``savefig`` uses, tries all five filters on every row: the same pixels in
    about 1.7x the time, files ~5 % smaller (COP21's 15 charts: 0.22 s -> 0.13 s of CPU).

    >>> import zlib
    >>> png = encode_png(np.zeros((2, 3, 4), dtype=np.uint8), 100)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png[12:16], png[16:24].hex()
    (True, b'IHDR', '0000000300000002')
    """
    h, w, _ = rgba.shape
    flat = np.ascontiguousarray(rgba, dtype=np.uint8).reshape(h, w * 4)
    rows = np.empty((h, w * 4 + 1), dtype=np.uint8)
    rows[:, 0] = 2  # filter type "up"
    rows[:1, 1:] = flat[:1]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # modulo 256, as PNG's filters are
    ppm = int(dpi / 0.0254 + 0.5)
    return b"".join((b"\x89PNG\r\n\x1a\n",
                     _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)),
                     _png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
                     _png_chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESS)),
                     _png_chunk(b"IEND", b"")))


# -- plain axes: ticks, labels and grid lines without matplotlib's Tick objects --------------------


TICK_NBINS = 9
"""At most this many intervals between the ticks of a scale (what matplotlib's automatic locator
chooses for these charts' sizes: ``MaxNLocator(nbins="auto")`` caps its tick space at 9)."""
ROUND_TICKS = 8
"""At most this many intervals between the round ticks of a trajectory: a tick every 2 rounds from 9 rounds on."""
_EM = {**dict.fromkeys("0123456789", 0.636), ".": 0.318, ",": 0.318, " ": 0.318, "-": 0.361,
       "\u2212": 0.838, "(": 0.390, ")": 0.390, "=": 0.838, "%": 0.950}
"""Advance widths (em) of DejaVu Sans's characters that tick labels are made of; others count 0.62 em."""


def label_points(text: str, size: float) -> float:
    """Rough width in points of a one- or more-line text at ``size`` points (DejaVu Sans widths of
    digits and signs, 0.62 em for other characters): where an axis label goes beside tick labels."""
    return max((sum(_EM.get(ch, 0.62) for ch in line) for line in text.split("\n")), default=0.0) * size


def scale_ticks(lo: float, hi: float, nbins: int = TICK_NBINS, integer: bool = False) -> tuple[list[float], list[str]]:
    """The ticks between ``lo`` and ``hi`` (inclusive) and their labels: the positions matplotlib's
    locator (:class:`~matplotlib.ticker.MaxNLocator`, steps 1, 2, 2.5, 5, 10) chooses and the labels
    of its :class:`~matplotlib.ticker.ScalarFormatter` (no offset, no scientific notation).

    >>> scale_ticks(-3, 103)
    ([0.0, 20.0, 40.0, 60.0, 80.0, 100.0], ['0', '20', '40', '60', '80', '100'])
    >>> scale_ticks(-0.5, 10.5, nbins=ROUND_TICKS, integer=True)[1]
    ['0', '2', '4', '6', '8', '10']
    """
    from matplotlib import ticker

    locator = ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=integer)
    eps = 1e-9 * max(abs(hi - lo), 1e-300)
    locs = [float(v) for v in locator.tick_values(lo, hi) if lo - eps <= v <= hi + eps]
    formatter = ticker.ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    formatter.create_dummy_axis()
    formatter.axis.set_view_interval(lo, hi)
    formatter.axis.set_data_interval(lo, hi)
    return locs, list(formatter.format_ticks(locs))


def plain_axis(ax, axis: str, locs: list[float], labels: list[str] | None, *, fontsize: float,
               label: str = "", label_size: float | None = None, labelpad: float = 4.0,
               grid: dict | None = None, tick_length: float | None = None, opposite: bool = False) -> None:
    """Ticks of ``ax``'s bottom x or left y ``axis`` at ``locs`` with ``labels`` (``None``: marks
    only), grid lines (``grid``: LineCollection properties) and the axis ``label``, drawn as one
    collection of tick marks, one of grid lines and a text per label; matplotlib's own axis is
    hidden (it keeps ``label`` for :meth:`~matplotlib.axes.Axes.get_xlabel`). ``opposite``: ticks and
    labels on the top or right edge instead (an issue's anchors), in place of a secondary axis (an
    Axes of its own); matplotlib's axis and its label are left alone then.

    The same marks, sizes and places as matplotlib's ticks (``rcParams``: length, width, pad), without
    its Tick objects: each is five artists (two marks, a grid line, two labels) copied property by
    property from the axis's first tick, and re-created when drawn; they were about half of what a
    trajectory panel cost to build and draw. The axis label sits ``labelpad`` points beyond the tick
    labels (their width estimated for the y axis: :func:`label_points`)."""
    from matplotlib.collections import LineCollection
    from matplotlib.text import Text
    from matplotlib.transforms import Affine2D, ScaledTranslation, TransformedPatchPath

    x = axis == "x"
    fig = ax.figure
    if not opposite:
        (ax.set_xlabel if x else ax.set_ylabel)(label)
        (ax.xaxis if x else ax.yaxis).set_visible(False)
    edge, sign, gid = (1.0, 1.0, f"{axis}tick2") if opposite else (0.0, -1.0, f"{axis}tick")
    length = rcParams[f"{axis}tick.major.size"] if tick_length is None else tick_length
    width, pad = rcParams[f"{axis}tick.major.width"], rcParams[f"{axis}tick.major.pad"]
    colour = rcParams[f"{axis}tick.color"]
    text_colour = colour if rcParams[f"{axis}tick.labelcolor"] == "inherit" else rcParams[f"{axis}tick.labelcolor"]
    below = ax.get_axisbelow()
    zorder = 0.5 if below is True else 1.5 if below == "line" else 2.5
    trans = ax.get_xaxis_transform() if x else ax.get_yaxis_transform()
    # nothing here is clipped (clip_on=False); a clip path given up front spares Axes.add_artist
    # working out the axes patch's transform for every artist (a third of a text's cost)
    clip = TransformedPatchPath(ax.patch)

    def add(artist) -> None:
        artist.set_clip_path(clip)
        ax.add_artist(artist)

    locs = list(locs)
    if grid is not None and locs:  # the lines span the axes exactly: nothing to clip
        segs = [[(v, 0.0), (v, 1.0)] if x else [(0.0, v), (1.0, v)] for v in locs]
        add(LineCollection(segs, transform=trans, zorder=zorder, clip_on=False, **grid))
    if locs and length > 0:
        mark = [(0.0, 0.0), (0.0, sign * length)] if x else [(0.0, 0.0), (sign * length, 0.0)]
        add(LineCollection([mark], offsets=[(v, edge) if x else (edge, v) for v in locs], offset_transform=trans,
                           transform=Affine2D().scale(1 / 72) + fig.dpi_scale_trans, colors=colour,
                           linewidths=width, zorder=zorder, clip_on=False))
    out = max(length, 0.0) + pad if locs else 0.0  # no ticks: the label sits by the edge
    shifted = trans + (ScaledTranslation(0.0, sign * out / 72, fig.dpi_scale_trans) if x else
                       ScaledTranslation(sign * out / 72, 0.0, fig.dpi_scale_trans))
    for v, text in zip(locs, labels or []):
        add(Text(*((v, edge) if x else (edge, v)), text, transform=shifted, fontsize=fontsize, color=text_colour,
                 gid=gid, ha="center" if x else "left" if opposite else "right",
                 va=("bottom" if opposite else "top") if x else "center_baseline", clip_on=False))
    if label and not opposite:
        size = rcParams["axes.labelsize"] if label_size is None else label_size
        if x:
            lines = max((t.count("\n") for t in labels or []), default=-1) + 1  # 0: no labels
            depth = out + (fontsize * (1.0 + 1.2 * (lines - 1)) if lines else 0.0)  # a line: 1 em, then 1.2 em
            add(Text(0.5, 0.0, label, transform=ax.transAxes + ScaledTranslation(0, -(depth + labelpad) / 72,
                     fig.dpi_scale_trans), fontsize=size, ha="center", va="top", gid=f"{axis}label", clip_on=False))
        else:
            depth = out + max((label_points(t, fontsize) for t in labels or []), default=0.0)
            add(Text(0.0, 0.5, label, transform=ax.transAxes + ScaledTranslation(-(depth + labelpad) / 72, 0,
                     fig.dpi_scale_trans), fontsize=size, ha="center", va="bottom", rotation=90,
                     rotation_mode="anchor", gid=f"{axis}label", clip_on=False))


def tick_labels(ax, axis: str, opposite: bool = False) -> list[str]:
    """The tick labels of ``ax``'s x or y axis (``opposite``: of its top or right edge, only
    :func:`plain_axis`'s): :func:`plain_axis`'s texts, else matplotlib's."""
    own = [t.get_text() for t in ax.texts if t.get_gid() == f"{axis}tick{'2' if opposite else ''}"]
    if opposite:
        return own
    if own or not (ax.xaxis if axis == "x" else ax.yaxis).get_visible():
        return own
    return [t.get_text() for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())]


def _wrap(text: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _anchor_ticks(issue: Issue) -> tuple[list[float], list[str]]:
    """Anchor positions and wrapped labels that fit between their neighbours.

    Each label is wrapped to the room between its neighbouring anchors; when that room is small,
    every other label is lifted by a few lines so that neighbours do not overlap.
    """
    pts = sorted(issue.anchors.items())
    span = issue.scale.max - issue.scale.min
    values = [v for v, _ in pts]
    gaps = [min((values[k] - values[k - 1]) if k else math.inf,
                (values[k + 1] - values[k]) if k + 1 < len(values) else math.inf) for k in range(len(values))]
    tight = len(values) > 1 and min(gaps) / span < 0.22
    ticks, labels = [], []
    for k, (v, lab) in enumerate(pts):
        room = gaps[k] / span if math.isfinite(gaps[k]) else 1.0
        width = max(12, int(room * (150 if tight else 80)))
        text = f"{_wrap(lab, width)}\n({v:g})"
        lines = text.count("\n") + 1
        if tight and k % 2 == 1:
            text += "\n" * (lines + 1)  # top axis: extra lines push the label up, above its neighbours
        ticks.append(v)
        labels.append(text)
    return ticks, labels


def _position_range(v: object) -> tuple[float, float] | None:
    """The range drawn for an uncertain position (p10-p90 for a normal), None for a point."""
    if isinstance(v, (Uniform, Triangular)) and v.high > v.low:
        return v.low, v.high
    if isinstance(v, Normal) and v.sd > 0:
        return v.mean - 1.2816 * v.sd, v.mean + 1.2816 * v.sd
    if isinstance(v, Mixture) and is_uncertain(v):  # the hull of the analysts' values
        return bounds_of(v)
    return None


def _scale_axis(ax, issue: Issue, axis: str = "x") -> None:
    lo, hi = issue.scale.min, issue.scale.max
    pad = 0.03 * (hi - lo)
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo - pad, hi + pad)


FORECAST_MARKERS = ["o", "s", "D", "P", "X", "*", "h", "p"]
"""A marker shape per model (in the order of the results, as :data:`PALETTE`'s colours) on its
forecast line in an issue chart and in the legend: a line under another one at the same value
(the median and the BDM at 7.000) still shows its markers."""
FORECAST_MARKER_STYLE = {"ms": 7.0, "mec": "white", "mew": 0.8}
MAX_FORECAST_MARKERS = 6
"""At most this many markers on a forecast line that no other line comes near (more when lines coincide)."""
BAND_LABEL = "p10\u2013p90 over draws (input uncertainty)"
"""The legend's words for the shading behind each forecast (``model_point``'s band: the forecast's
p10-p90 over the draws of the uncertain inputs; the war model's: of the terms given a deal)."""
RANGE_LABEL = "actor's position range"
"""The legend's words for the grey bar behind an actor (:func:`_position_range`: low-high, p10-p90
of a normal, the hull of a mixture)."""


def _forecast_markers(ax, forecasts: list[tuple[int, float, str]], n_rows: int) -> None:
    """Markers on the issue chart's forecast lines (:data:`FORECAST_MARKERS`), drawn over every
    line (the status quo's too) in the gaps between the actors' rows.

    Lines closer than a marker's width (as laid out: call it once the margins are set) form a group
    whose lines take turns over the gaps, so that each line's markers are seen beside, not under,
    the others'. ``forecasts``: (model index, value, colour) of each line drawn."""
    if not forecasts:
        return
    lo, hi = ax.get_xlim()
    width_in = ax.get_position().width * ax.figure.get_size_inches()[0]
    tol = (FORECAST_MARKER_STYLE["ms"] + 2.0) / 72 * (hi - lo) / max(width_in, 1e-9)
    groups: list[list[tuple[int, float, str]]] = []
    for item in sorted(forecasts, key=lambda t: (t[1], t[0])):  # single linkage along the scale
        if groups and item[1] - groups[-1][-1][1] <= tol:
            groups[-1].append(item)
        else:
            groups.append([item])
    y0, y1 = ax.get_ylim()
    for group in groups:
        k = len(group)
        slots = np.arange(n_rows + 1) - 0.5  # between the rows, and below and above the outer ones
        if len(slots) < k:
            slots = np.linspace(y0, y1, k + 2)[1:-1]
        stride = k * max(1, math.ceil(len(slots) / (k * MAX_FORECAST_MARKERS)))
        for c, (m, value, colour) in enumerate(sorted(group)):  # the models' order within a group
            ys = slots[c::stride]
            ax.plot(np.full(len(ys), value), ys, ls="none", color=colour, marker=FORECAST_MARKERS[m % len(FORECAST_MARKERS)],
                    zorder=7, gid="forecast-markers", **FORECAST_MARKER_STYLE)


def plot_issue(scenario: Scenario, issue_id: str, results: list[Result], *,
               arrays: ScenarioArrays | None = None) -> Figure:
    """Actors on the issue scale (marker area ~ capability x salience), status quo and forecasts; with
    draws, each forecast's distribution over draws in a strip underneath (:func:`draw_distribution`).
    ``arrays``: the scenario's point values (``ScenarioArrays.from_scenario``), when the caller has them
    (:func:`figure_jobs` computes them once for every issue)."""
    issue = scenario.issue(issue_id)
    arr = ScenarioArrays.from_scenario(scenario) if arrays is None else arrays
    k = scenario.issue_ids.index(issue_id)
    stances = {s.actor: s for s in scenario.stances if s.issue == issue_id}
    rows = []  # (position, name, weight, range)
    for j, actor in enumerate(scenario.actors):
        if not arr.present[k, j]:
            continue
        w = float(arr.capability[0, k, j] * arr.salience[0, k, j])
        rng = _position_range(stances[actor.id].position)
        if rng is not None:
            rng = (max(rng[0], issue.scale.min), min(rng[1], issue.scale.max))
        rows.append((float(arr.position[0, k, j]), actor.label, w, rng))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)  # highest position at the top
    n = len(rows)
    strip = DISTRIBUTION_STRIP if any(r.draws > 1 for r in results) else 0.0
    fig = _new_figure(9.0, 2.6 + 0.42 * max(n, 2) + 0.3 * math.ceil((len(results) + 1) / 3) + strip)
    ax = fig.add_subplot()
    wmax = max((r[2] for r in rows), default=0.0) or 1.0
    ys = np.arange(n)[::-1].astype(float)
    # one artist per kind, not per actor (each artist costs at build and draw time)
    ranged = [(y, rng) for y, (_, _, _, rng) in zip(ys, rows) if rng is not None]
    if ranged:
        ry = [y for y, _ in ranged]
        ax.hlines(ry, [r[0] for _, r in ranged], [r[1] for _, r in ranged], color=ACTOR_COLOUR, lw=3,
                  alpha=0.35, capstyle="butt", zorder=2)
        ax.plot([v for _, r in ranged for v in r], [y for y in ry for _ in (0, 1)], color=ACTOR_COLOUR, lw=0,
                marker="|", ms=9, zorder=2)
    if rows:
        ax.scatter([r[0] for r in rows], ys, s=[max(MAX_MARKER_AREA * r[2] / wmax, MIN_MARKER_AREA) for r in rows],
                   alpha=0.75, edgecolors="white", linewidths=0.8, zorder=3,
                   facecolors=[ACTOR_COLOUR if r[2] > 0 else "none" for r in rows])
    ytick_labels = [f"{_wrap(name, 30)}  (w={w:.3g})" for _, name, w, _ in rows]
    ax.set_ylim(-0.8, n - 0.2)
    _scale_axis(ax, issue)
    ax.set_axisbelow(True)
    xlabel = f"position on the scale of {issue.label} ({issue.scale.min:g}\u2013{issue.scale.max:g})"
    # the axes' ticks, labels and grid lines as plain artists (plain_axis: no Tick objects); with the
    # strip of histograms, the strip's own x axis carries the labels
    xlocs, xlabels = scale_ticks(*ax.get_xlim())
    plain_axis(ax, "x", xlocs, None if strip else xlabels, fontsize=10, label="" if strip else xlabel,
               grid={"colors": "#dddddd", "linewidths": 0.6})
    plain_axis(ax, "y", list(ys), ytick_labels, fontsize=9, grid={"colors": "#f0f0f0", "linewidths": 0.6})
    for side in ("right",):
        ax.spines[side].set_visible(False)

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    legend_items: list[tuple[object, str]] = []  # (handle, label), in the legend's order
    edge = ax.get_xaxis_transform()
    for value, what, ls, lw, marks, z in ((issue.status_quo, "status quo", (0, (1.5, 1.5)), 1.4, ("^", "v"), 6),
                                          (issue.outcome, "recorded outcome", "-", 1.2, ("D", "D"), 6.5)):
        if value is None:
            continue
        # drawn over the forecast lines, with a marker on each edge: visible when a forecast equals it
        # (the recorded outcome, solid with diamonds, over the status quo when the issue did not move)
        label = f"{what}: {fmt(value, issue)}"
        ax.axvline(value, color="#000000", ls=ls, lw=lw, zorder=z, gid=what)
        ms = 9 if marks[0] == "^" else 6
        for y, mark in zip((0.0, 1.0), marks):
            ax.plot([value], [y], marker=mark, ms=ms, color="#000000", transform=edge, clip_on=False, zorder=z,
                    ls="none")
        legend_items.append((Line2D([], [], color="#000000", ls=ls, lw=lw, marker=marks[0], ms=ms), label))
    forecasts = []  # (model index, value, colour) of the lines drawn: their markers go on after the layout
    banded = False
    for m, r in enumerate(results):
        # the war model: terms given a deal (deals are not pooled with victories)
        f, band, note = model_point(r, issue_id)
        f = float("nan") if f is None else f
        # colour, dash and marker vary, and widths shrink, so coinciding forecasts stay distinguishable
        colour, style = PALETTE[m % len(PALETTE)], FORECAST_STYLES[m % len(FORECAST_STYLES)]
        marker = FORECAST_MARKERS[m % len(FORECAST_MARKERS)]
        width = max(3.0 - 0.45 * m, 1.2)
        label = f"{model_label(r)}{f' ({note})' if note else ''}: {fmt(f, issue)}"
        if band and all(v is not None and math.isfinite(v) for v in band):
            lo, hi = band
            ax.axvspan(lo, hi, color=colour, alpha=0.13, lw=0, zorder=0)
            label += f" [{fmt(lo, issue)}\u2013{fmt(hi, issue)}]"
            banded = True
        if math.isfinite(f):
            ax.axvline(f, color=colour, ls=style, lw=width, zorder=4, label=label)
            forecasts.append((m, f, colour))
        legend_items.append((Line2D([], [], color=colour, ls=style, lw=width, marker=marker,
                                    **FORECAST_MARKER_STYLE), label))
    # what the shading and the grey bars are (model_point's band; _position_range's range)
    if banded:
        legend_items.append((Patch(facecolor="#888888", alpha=0.3, lw=0), BAND_LABEL))
    if ranged:
        legend_items.append((Line2D([], [], color=ACTOR_COLOUR, lw=3, alpha=0.35), RANGE_LABEL))

    anchor_h = 0.0
    if issue.anchors:
        ticks, labels = _anchor_ticks(issue)
        plain_axis(ax, "x", ticks, labels, fontsize=7.5, tick_length=3.0, opposite=True)
        anchor_h = max(text_inches(lab, 7.5)[1] for lab in labels) + 0.1
        # the title goes above the anchors' labels: tick, pad, then the tallest label (1 em a line,
        # 1.2 em between lines, as matplotlib lays text out)
        title_pad = 3.0 + rcParams["xtick.major.pad"] + 7.5 * (1.0 + 1.2 * max(lab.count("\n") for lab in labels))
    handles = [h for h, _ in legend_items]
    # three columns when the widest entry leaves room for them in the figure's 9 inches (a column:
    # handle, its pad and the spacing to the next, 4.8 em), else fewer
    widest = max((text_inches(lab, 8)[0] for _, lab in legend_items), default=0.0) + 4.8 * 8 / 72
    ncol = max(1, min(3, len(handles), int(9.0 // widest)))
    # the figure grows by a row of the legend as its entries do (a status quo and the models, as at
    # first; then the recorded outcome, the band and the range)
    fig.set_size_inches(9.0, 2.6 + 0.42 * max(n, 2) + 0.3 * math.ceil(max(len(handles), 1) / ncol) + strip)
    legend_title = "forecast [input uncertainty: p10\u2013p90 over draws]; marker area \u221d capability \u00d7 salience (w)"
    if strip:
        legend_title += "\nbelow the actors: each forecast's distribution over draws (war: the draws with a deal)"
    if handles:
        bottom_legend(fig, handles=handles, labels=[lab for _, lab in legend_items], ncol=ncol, fontsize=8,
                      title=legend_title, title_fontsize=8)
    label_w = max((text_inches(lab, 9)[0] for lab in ytick_labels), default=0.5)
    # the title starts at the axes' left edge: wrapped to the width right of the actor names
    room = max(9.0 - min(label_w + 0.25, 0.45 * 9.0) - 0.3, 2.0)
    title = textwrap.fill(f"{issue.label}: actors and forecasts", max(int(room * 72 / (0.64 * 11)), 20))
    # where matplotlib would put it (above the anchors' labels when there are), without measuring
    # every tick label of the axes again (~7 ms a chart)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", y=TITLE_Y,
                 pad=rcParams["axes.titlepad"] + (title_pad if issue.anchors else 0.0))
    anchor_h += 0.2 * title.count("\n")
    legend_h = legend_inches(len(handles), ncol, title=True) + (0.17 if strip else 0.0) if handles else 0.0
    left, right = label_w + 0.25, 0.3
    if issue.anchors:  # the end anchors' labels are centred on the scale's ends: room for their halves
        pad = 0.03 * (issue.scale.max - issue.scale.min)
        ends = [k for k, v in enumerate(ticks) if v <= issue.scale.min + pad], \
            [k for k, v in enumerate(ticks) if v >= issue.scale.max - pad]
        half = [max((text_inches(labels[k], 7.5)[0] / 2 for k in ks), default=0.0) for ks in ends]
        left, right = max(left, half[0] + 0.1), max(0.55, half[1] + 0.1)
    set_margins(fig, left=left, right=right, top=0.4 + anchor_h, bottom=0.55 + legend_h)
    _forecast_markers(ax, forecasts, n)
    if strip:  # the histograms over draws in a strip under the actors, on the same scale
        h = fig.get_size_inches()[1]
        x0, y0, w, hh = ax.get_position().bounds
        cut = strip / h
        ax.set_position([x0, y0 + cut, w, hh - cut])
        dist = fig.add_axes((x0, y0, w, cut - 0.12 / h), sharex=ax)
        draw_distribution(dist, issue, results, status_quo_label=False)
        plain_axis(dist, "x", xlocs, xlabels, fontsize=10, label=xlabel)  # the same scale, plain ticks
        plain_axis(dist, "y", [], None, fontsize=8, label="density", label_size=8)
    return fig


def _actor_lines(scenario: Scenario, issue_id: str, result: Result, n_rounds: int,
                 present: np.ndarray | None = None) -> list[tuple[int, str, np.ndarray]]:
    """(actor index, actor id, positions by round) of every actor with a stance on the issue: the
    run itself with one draw, else the point-value run of the explanation (``result.events``).
    ``present``: the scenario's (issues, actors) stance mask, when the caller has it already."""
    t = result.trajectory
    if t.positions is not None and result.draws == 1:
        if present is None:
            present = ScenarioArrays.from_scenario(scenario).present
        row = present[scenario.issue_ids.index(issue_id)]
        k = result.issue_ids.index(issue_id)
        return [(j, a, t.positions[0, : n_rounds + 1, k, j]) for j, a in enumerate(result.actor_ids)
                if row[scenario.actor_ids.index(a)]]
    per = ((result.events or {}).get("positions") or {}).get(issue_id) or {}
    return [(j, a, np.asarray(per[a], dtype=float)) for j, a in enumerate(result.actor_ids) if a in per]


def _rounds_shown(result: Result) -> int | None:
    """The last round drawn (the longest run's stop round), ``None`` for models without rounds."""
    t = result.trajectory
    if t.positions is None and not t.series:
        return None
    n_rounds = (t.positions.shape[1] if t.positions is not None else next(iter(t.series.values())).shape[1]) - 1
    if t.rounds is not None and np.size(t.rounds):
        n_rounds = min(n_rounds, int(np.max(t.rounds)))
    return n_rounds


def _actor_style(j: int, result: Result, n_rounds: int) -> dict:
    """Colour, dash, width and marker of the ``j``-th actor's line by round (the same in every chart)."""
    one = result.draws == 1
    return {"color": ACTOR_PALETTE[j % len(ACTOR_PALETTE)], "lw": 1.3 if one else 1.0, "alpha": 0.85,
            "ls": LINESTYLES[(j // len(ACTOR_PALETTE)) % len(LINESTYLES)],
            "marker": "o" if n_rounds <= 12 else None, "ms": 3 if one else 2}


def actor_handle(j: int, result: Result, n_rounds: int):
    """A legend entry (an undrawn :class:`~matplotlib.lines.Line2D`) for the ``j``-th actor's line by round."""
    from matplotlib.lines import Line2D

    return Line2D([], [], **_actor_style(j, result, n_rounds))


def actor_trajectories(ax) -> dict[str, np.ndarray]:
    """``{actor's legend label: positions by round}`` as :func:`_draw_trajectory` drew them on ``ax``."""
    out: dict[str, np.ndarray] = {}
    for c in ax.collections:
        if c.get_gid() == "actors":
            out.update({lab: seg[:, 1] for lab, seg in zip(c.actor_labels, c.get_segments())})
    return out


def _draw_trajectory(ax, scenario: Scenario, issue: Issue, result: Result, n_rounds: int,
                     panel: bool = False, present: np.ndarray | None = None) -> tuple[str, float, float | None, list]:
    """Draw one issue's positions by round on ``ax``: every actor, the named series (p10-p90 bands
    with draws) and the forecast. ``panel``: legend labels without the issue's values (one legend
    serves every panel). Returns (note on the actors' lines, forecast, forecast at point values,
    the indexes of the actors drawn).

    The actors' lines are one :class:`~matplotlib.collections.LineCollection` (a colour, dash and
    width per actor; :func:`actor_trajectories` reads them back) and their round markers one scatter,
    not a :class:`~matplotlib.lines.Line2D` with markers per actor: each Line2D builds its marker
    and draws on its own (15 actors x 13 panels in COP21's chart). Legend entries:
    :func:`actor_handle`. The round axis has a tick every round up to 8 rounds, else every 2 or more
    (:data:`ROUND_TICKS`)."""
    from matplotlib.collections import LineCollection

    t = result.trajectory
    x = np.arange(n_rounds + 1)
    point_note = ""
    lines = _actor_lines(scenario, issue.id, result, n_rounds, present)
    if lines:
        styles = [_actor_style(j, result, n_rounds) for j, _, _ in lines]
        segs = [np.column_stack((np.arange(len(y), dtype=float), y)) for _, _, y in lines]
        coll = LineCollection(segs, colors=[st["color"] for st in styles], linewidths=[st["lw"] for st in styles],
                              linestyles=[st["ls"] for st in styles], alpha=0.85, gid="actors", zorder=2)
        coll.actor_labels = [_wrap(scenario.actor(a).label, 30) for _, a, _ in lines]
        ax.add_collection(coll, autolim=False)  # both axes' limits are set below
        if styles[0]["marker"]:
            ax.scatter(np.concatenate([seg[:, 0] for seg in segs]), np.concatenate([seg[:, 1] for seg in segs]),
                       s=styles[0]["ms"] ** 2, marker="o", linewidths=1.0, alpha=0.85, zorder=2.01,
                       c=[st["color"] for st, seg in zip(styles, segs) for _ in range(len(seg))],
                       edgecolors="face", plotnonfinite=False)
        point_note = "" if result.draws == 1 else "actors: one run at the inputs' point values"
    summary = result.series_summary() if t.series else {}
    readout = t.readout
    names = sorted(summary, key=lambda name: name != readout)  # the forecast's series first, in black
    for m, name in enumerate(names):
        s = summary[name][issue.id]
        c = SERIES_COLOURS[m % len(SERIES_COLOURS)]
        med = np.array(s["median"], dtype=float)[: n_rounds + 1]
        words = series_label(name, readout)
        if result.draws > 1:
            lo = np.array(s["p10"], dtype=float)[: n_rounds + 1]
            hi = np.array(s["p90"], dtype=float)[: n_rounds + 1]
            ax.fill_between(x, lo, hi, color=c, alpha=0.15, lw=0, label=f"{words}: p10\u2013p90 over draws")
        ax.plot(x, med, color=c, lw=2.4 if panel else 2.8, ls=LINESTYLES[m % len(LINESTYLES)], zorder=5,
                label=words + (" (median over draws)" if result.draws > 1 else ""))
    f = result.forecast.get(issue.id, float("nan"))
    if math.isfinite(f):
        ax.axhline(f, color="#000000", ls=":", lw=1.0, zorder=1,
                   label="forecast" if panel else f"forecast: {fmt(f, issue)}")
    fp = ((result.events or {}).get("forecast") or {}).get(issue.id) if point_note else None
    if fp is not None:
        ax.axhline(fp, color="#000000", ls="--", lw=0.8, zorder=1,
                   label="forecast at point values" if panel else f"forecast at point values: {fmt(fp, issue)}")
    _scale_axis(ax, issue, "y")
    pad = 0.05 * n_rounds if n_rounds > 0 else 0.5  # matplotlib's automatic margins
    ax.set_xlim(-pad, n_rounds + pad)
    size = 7.5 if panel else 10.0
    grid = {"colors": "#e6e6e6", "linewidths": 0.6}
    plain_axis(ax, "x", *scale_ticks(-pad, n_rounds + pad, nbins=ROUND_TICKS, integer=True), fontsize=size,
               label="round", label_size=size, labelpad=1.0 if panel else 4.0, grid=grid)
    lo, hi = ax.get_ylim()
    plain_axis(ax, "y", *scale_ticks(lo, hi), fontsize=size, grid=grid, label_size=size,
               label=f"position ({issue.scale.min:g}\u2013{issue.scale.max:g})")
    return point_note, f, fp, [j for j, _, _ in lines]


def _legend_entries(ax, scenario: Scenario, result: Result, n_rounds: int, actors: list[int]) -> tuple[list, list[str]]:
    """Handles and labels of a trajectory chart's legend: the actors drawn (:func:`actor_handle`),
    then the series and forecasts of ``ax``."""
    handles = [actor_handle(j, result, n_rounds) for j in actors]
    labels = [_wrap(scenario.actor(result.actor_ids[j]).label, 30) for j in actors]
    h, lab = ax.get_legend_handles_labels()
    return handles + h, labels + lab


def plot_trajectory(scenario: Scenario, issue_id: str, result: Result) -> Figure | None:
    """Positions by round on one issue: every actor (the run itself with one draw; with draws the
    point-value run of the explanation, when :func:`detente.explain.attach` added it) and the named
    series with p10-p90 bands over draws. ``None`` for models without rounds. The report draws all
    issues in one figure instead (:func:`plot_trajectories`)."""
    n_rounds = _rounds_shown(result)
    if n_rounds is None:
        return None
    issue = scenario.issue(issue_id)
    fig = _new_figure(9.0, 5.0)
    ax = fig.add_subplot()
    point_note, _, _, actors = _draw_trajectory(ax, scenario, issue, result, n_rounds)
    handle_list, labels = _legend_entries(ax, scenario, result, n_rounds, actors)
    handles = len(handle_list)
    if issue.anchors:
        ticks, anchor_labels = zip(*sorted(issue.anchors.items()))
        plain_axis(ax, "y", list(ticks), [_wrap(lab, 22) for lab in anchor_labels], fontsize=7.5, opposite=True)
    right = 0.3
    if issue.anchors:
        right = 0.2 + max(text_inches(_wrap(lab, 22), 7.5)[0] for lab in issue.anchors.values())
    # wrapped to the axes' width and the right margin (bold: ~0.64 em a character), two lines at most
    title = _fit_lines(f"{issue.label}: {model_label(result)} by round",
                       max(int((9.0 - 0.85 - 0.1) * 72 / (0.64 * 11)), 20), TITLE_LINES)
    title_h = 0.2 * title.count("\n")
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", y=TITLE_Y)
    # as many columns as the longest label leaves room for (8.6 in of legend width); the figure grows
    # with the legend so that the plot keeps its height
    widest = max((text_inches(lab, 8)[0] for lab in labels), default=1.0)
    ncol = max(1, min(4, handles, int(8.6 // (widest + 0.45))))
    lines = max((lab.count("\n") + 1 for lab in labels), default=1)
    rows = math.ceil(handles / ncol) * (1 + 0.6 * (lines - 1)) if handles else 0  # not every row wraps
    legend_h = (rows + bool(point_note)) * 1.55 * 8 / 72 + 0.08 if handles else 0.0
    fig.set_size_inches(9.0, 4.2 + legend_h + title_h)
    if handles:
        bottom_legend(fig, handles=handle_list, labels=labels, ncol=ncol, fontsize=8,
                      title=point_note.lstrip("; ") or None, title_fontsize=8)
    set_margins(fig, left=0.85, right=right, top=0.4 + title_h, bottom=0.55 + legend_h)
    return fig


PANEL_COLUMNS = 2
PANEL_SIZE = (3.6, 2.3)
"""Inches of one issue's plot area in :func:`plot_trajectories`."""
ANCHOR_CHARS = 30
"""A line of an anchor's text on a panel's right axis holds this many characters; the text wraps
onto as many lines as the room between its neighbours holds (:func:`_panel_anchor_labels`)."""
ANCHOR_LINES = 4
"""At most this many lines of an anchor's text on a panel (:data:`END_ANCHOR_LINES` at the scale's
ends); only a longer text is cut, with an ellipsis (the issue chart has it whole)."""
END_ANCHOR_LINES = 3
"""At most this many lines of the text of an anchor at an end of the scale: centred on its tick,
3 % of the scale inside the panel, it reaches a line past the panel's edge, beside the round axis'
labels or, at the top, beside the title's last line (the forecast's: short; without a forecast the
top anchor keeps to two lines, under a title that may run over it)."""
TITLE_LINES = 2
"""At most this many lines of an issue's name in a panel's title; only a longer name is cut."""
PANEL_TITLE_SIZE = 9.0
PANEL_ANCHOR_SIZE = 7.0


def _short(text: str, n: int = ANCHOR_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def _fit_lines(text: str, width: int, lines: int) -> str:
    """``text`` wrapped to ``width`` characters a line; past ``lines`` lines its last line is cut
    with an ellipsis (the last resort for a very long text).

    >>> _fit_lines("Date (years) of introduction of emission standards", 30, 2)
    'Date (years) of introduction\\nof emission standards'
    >>> _fit_lines("one two three four five six seven", 10, 2)
    'one two\\nthree fou\u2026'
    """
    wrapped = textwrap.wrap(text, max(width, 2), break_on_hyphens=False) or [text]  # "medium-sized" whole
    if len(wrapped) <= max(lines, 1):
        return "\n".join(wrapped)
    keep = wrapped[: max(lines, 1) - 1]
    return "\n".join(keep + [_short(" ".join(wrapped[len(keep):]), width)])


def _panel_anchor_labels(issue: Issue, height: float = PANEL_SIZE[1], size: float = PANEL_ANCHOR_SIZE,
                         top_lines: int = END_ANCHOR_LINES) -> tuple[list[float], list[str]]:
    """An issue's anchors and their texts on a trajectory panel's right axis (``height`` inches
    tall): each text wrapped to :data:`ANCHOR_CHARS` characters a line, on as many lines as the
    room to its neighbours holds (centred on its tick, a label reaches half its height each way),
    at most :data:`ANCHOR_LINES` (:data:`END_ANCHOR_LINES` at the scale's ends, ``top_lines`` at its top)."""
    pts = sorted(issue.anchors.items())
    span = (issue.scale.max - issue.scale.min) * 1.06  # the axis' limits: the scale and 3 % each side
    line = 1.2 * size / 72
    out: list[str] = []
    for k, (v, lab) in enumerate(pts):
        gaps = [abs(v - w) for w in (pts[k - 1][0] if k else None, pts[k + 1][0] if k + 1 < len(pts) else None)
                if w is not None]
        room = min(gaps, default=span) / span * height
        cap = top_lines if v >= issue.scale.max else END_ANCHOR_LINES if v <= issue.scale.min else ANCHOR_LINES
        out.append(_fit_lines(lab, ANCHOR_CHARS, max(1, min(cap, int((room - 0.02) / line)))))
    return [v for v, _ in pts], out


def labels_legend_inches(labels: list[str], ncol: int, size: float = 8.0, title: str | None = None) -> float:
    """Height in inches of a frameless legend of ``labels`` (of one or more lines each) in ``ncol``
    columns, filled as matplotlib fills them (the first columns take one entry more): a row of one
    line is 1.55 em, each further line 1.4 em (:func:`legend_inches` for one-line entries)."""
    def rows(labs) -> float:
        return sum(1.55 + 1.4 * lab.count("\n") for lab in labs)

    columns = [list(c) for c in np.array_split(np.array(labels, dtype=object), max(ncol, 1)) if len(c)]
    body = max((rows(c) for c in columns), default=0.0)
    return (body + (rows([title]) if title else 0.0)) * size / 72 + 0.08


def plot_trajectories(scenario: Scenario, result: Result, *, arrays: ScenarioArrays | None = None) -> Figure | None:
    """Positions by round on every issue, one small panel per issue (:func:`_draw_trajectory`)
    with one legend for all: the actors keep their colour in every panel. Each panel's title gives
    the issue's name (wrapped to the cell's width, :data:`TITLE_LINES` lines at most) and forecast;
    its right axis the anchors (:func:`_panel_anchor_labels`). The figure is as tall as its rows of
    panels and its legend (in the cell after the last panel, or in a row of its own) need.
    ``None`` for models without rounds. The scenario's stance mask is computed once for all panels
    (``arrays``: the scenario's point values, when the caller has them)."""
    n_rounds = _rounds_shown(result)
    if n_rounds is None or not scenario.issues:
        return None
    issues = list(scenario.issues)
    present = (ScenarioArrays.from_scenario(scenario) if arrays is None else arrays).present
    cols = min(PANEL_COLUMNS, len(issues))
    panel_rows = math.ceil(len(issues) / cols)
    legend_row = len(issues) % cols == 0  # the legend takes the next free cell (a row of its own if none)
    anchor_labels = {i.id: _panel_anchor_labels(i, top_lines=END_ANCHOR_LINES if math.isfinite(
        result.forecast.get(i.id, float("nan"))) else 2) for i in issues if i.anchors}
    right_in = 0.25 + max((text_inches(lab, PANEL_ANCHOR_SIZE)[0] for _, labs in anchor_labels.values()
                           for lab in labs), default=0.0)
    left_in, below_in, top_in, bottom_in = 0.7, 0.45, 0.5, 0.2
    cell_w = left_in + PANEL_SIZE[0] + right_in
    width = cols * cell_w
    # the title starts at the panel's left edge and may run to the cell's right edge (bold: ~0.64 em a character)
    title_chars = max(int((PANEL_SIZE[0] + right_in - 0.15) * 72 / (0.64 * PANEL_TITLE_SIZE)), 20)
    titles = [_fit_lines(issue.label, title_chars, TITLE_LINES) for issue in issues]
    fig = _new_figure(width, 1.0)  # its height once the legend's is known
    point_note = ""
    handles: dict[str, object] = {}
    panels = []
    for n, issue in enumerate(issues):
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))  # placed below, once the figure's height is known
        note, f, fp, actors = _draw_trajectory(ax, scenario, issue, result, n_rounds, panel=True, present=present)
        point_note = point_note or note
        for j in actors:
            lab = _wrap(scenario.actor(result.actor_ids[j]).label, 30)
            if lab not in handles:
                handles[lab] = actor_handle(j, result, n_rounds)
        for h, lab in zip(*ax.get_legend_handles_labels()):  # series in words: wrapped to fit a legend column
            handles.setdefault(_wrap(lab, 28), h)
        if issue.id in anchor_labels:
            plain_axis(ax, "y", *anchor_labels[issue.id], fontsize=PANEL_ANCHOR_SIZE, opposite=True)
        title = titles[n]
        if math.isfinite(f):
            title += f"\nforecast {fmt(f, issue)}"
            if fp is not None:
                title += f" (point values {fmt(fp, issue)})"
        ax.set_title(title, loc="left", fontsize=PANEL_TITLE_SIZE, fontweight="bold", y=TITLE_Y)
        panels.append((ax, title.count("\n") + 1))
    # each row of panels: room for its longest title (two lines in 0.45 in, 1.2 em a further line),
    # the panel, then its round axis
    line = 1.2 * PANEL_TITLE_SIZE / 72
    title_in = [0.45 + line * max(0, max(lines for _, lines in panels[r * cols:(r + 1) * cols]) - 2)
                for r in range(panel_rows)]
    row_top = [top_in + sum(t + PANEL_SIZE[1] + below_in for t in title_in[:r]) for r in range(panel_rows + 1)]
    actors = {_wrap(a.label, 30) for a in scenario.actors}
    order = [lab for lab in (_wrap(a.label, 30) for a in scenario.actors) if lab in handles]
    order += [lab for lab in handles if lab not in actors]  # actors in the scenario's order, then the rest
    ncol = 2 if not legend_row else cols * 2
    legend_h = labels_legend_inches(order, ncol, 8.0, point_note or None)
    r, c = divmod(len(issues), cols)
    legend_top = row_top[r] + 0.3 if legend_row else row_top[r] + title_in[r]  # the free cell's panel top
    height = max(row_top[panel_rows], legend_top + legend_h) + bottom_in  # the figure holds its legend
    fig.set_size_inches(width, height)
    for n, (ax, _) in enumerate(panels):
        pr, pc = divmod(n, cols)
        top = row_top[pr] + title_in[pr]
        ax.set_position(((pc * cell_w + left_in) / width, 1 - (top + PANEL_SIZE[1]) / height,
                         PANEL_SIZE[0] / width, PANEL_SIZE[1] / height))
    fig.suptitle(f"{model_label(result)} by round", x=0.7 / width, y=1 - 0.12 / height, ha="left", va="top",
                 fontsize=11, fontweight="bold")
    fig.legend([handles[lab] for lab in order], order, loc="upper left",
               bbox_to_anchor=((c * cell_w + left_in) / width, 1 - legend_top / height),
               ncol=ncol, fontsize=8, frameon=False, title=point_note or None, title_fontsize=8, alignment="left")
    return fig


DISTRIBUTION_BINS = 50
DISTRIBUTION_STRIP = 1.0
"""Inches of the issue figure given to the histograms over draws under the actors."""


def draw_distribution(ax, issue: Issue, results: list[Result], status_quo_label: bool = True) -> bool:
    """Histograms (density) of each model's forecast over draws on ``ax``, in the model's colour and
    dash of the issue figure (the war model: only the draws that end in a deal), the status quo and
    the recorded outcome (``status_quo_label``: both in the legend). False (nothing drawn) when no model has draws."""
    from detente.report.summary import is_war

    lo, hi = issue.scale.min, issue.scale.max
    edges = np.linspace(lo, hi, DISTRIBUTION_BINS + 1)
    drawn = [(m, r) for m, r in enumerate(results) if r.draws > 1]
    if not drawn:
        return False
    for m, r in drawn:
        x = r.draws_of(issue.id)
        if x.size == 0:
            continue
        counts, _ = np.histogram(np.clip(x, lo, hi), bins=edges)
        density = counts / (x.size * np.diff(edges))
        colour = PALETTE[m % len(PALETTE)]
        label = model_label(r) + (" (draws with a deal)" if is_war(r) else "")
        _stairs(ax, density, edges, edgecolor=colour, lw=1.6, ls=FORECAST_STYLES[m % len(FORECAST_STYLES)],
                label=f"{label}: median {fmt(float(np.median(x)), issue)}")
        _stairs(ax, density, edges, facecolor=colour, alpha=0.10, fill=True, lw=0)
    if drawn:
        ax.autoscale_view()
    if issue.status_quo is not None:
        ax.axvline(issue.status_quo, color="#000000", ls=(0, (1.5, 1.5)), lw=1.0,
                   label=f"status quo: {fmt(issue.status_quo, issue)}" if status_quo_label else None)
    if issue.outcome is not None:  # as in the issue chart: solid black
        ax.axvline(issue.outcome, color="#000000", ls="-", lw=1.0,
                   label=f"recorded outcome: {fmt(issue.outcome, issue)}" if status_quo_label else None)
    _scale_axis(ax, issue)
    ax.set_yticks([])
    for side in ("right", "top", "left"):
        ax.spines[side].set_visible(False)
    return True


def _stairs(ax, values: np.ndarray, edges: np.ndarray, **kwargs) -> None:
    """``ax.stairs(values, edges, baseline=0, **kwargs)`` with the data limits given, not measured:
    ``Axes.stairs`` measures the step path segment by segment in Python (~2 ms for 50 bins; a report
    draws 40). The view follows the limits once :meth:`~matplotlib.axes.Axes.autoscale_view` runs."""
    from matplotlib.patches import StepPatch

    patch = StepPatch(values, edges, baseline=0.0, **{"fill": False, **kwargs})
    ax.add_artist(patch)
    patch.sticky_edges.y.append(0.0)
    ax.update_datalim([(edges[0], min(0.0, float(np.min(values)))),
                       (edges[-1], max(0.0, float(np.max(values))))])


def plot_distribution(scenario: Scenario, issue_id: str, results: list[Result]) -> Figure | None:
    """The forecast's distribution over draws on one issue as a figure of its own: a histogram
    (density) per model (:func:`draw_distribution`), so a bimodal forecast shows as two peaks.
    ``None`` when no model has draws. The report draws the same histograms under the issue figure
    (:func:`plot_issue`) instead."""
    issue = scenario.issue(issue_id)
    fig = Figure(figsize=(8.0, 2.7), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.87, bottom=0.36)
    ax = fig.add_subplot()
    if not draw_distribution(ax, issue, results):
        return None
    ax.set_ylabel("density")
    ax.set_xlabel(f"forecast on the {issue.label} scale ({issue.scale.min:g}\u2013{issue.scale.max:g})", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title(f"{issue.label}: forecast over draws", loc="left", fontsize=10, fontweight="bold", y=TITLE_Y)
    n = len(ax.get_legend_handles_labels()[0])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=min(3, n), fontsize=7.5, frameon=False)
    return fig


@dataclass(frozen=True)
class FigureJob:
    """One piece of a report's figures: ``build()`` gives ``(stem, title, Figure)`` with stems not yet
    made unique (:func:`unique_stems`). ``needs_explain``: it reads the explanations that
    :func:`detente.explain.attach` puts on the results (the figure workers of
    :mod:`detente.report.workers` build it only once those are there). ``weight``: its rough cost
    in issue charts; the workers take the heaviest first, so that they finish together."""

    build: Callable[[], list[tuple[str, str, Figure]]]
    needs_explain: bool = False
    weight: float = 1.0


def figure_jobs(scenario: Scenario, results: list[Result]) -> list[FigureJob]:
    """The report's figures as jobs, in the report's order: one chart per issue, one "<model> by
    round" chart per model with rounds, the models' own charts (:func:`register_plot`), then the
    explanations' charts. A trajectory chart of a run with draws draws its actors from the
    explanation's point-value run, so it needs the explanations. The scenario's point values
    (``ScenarioArrays``) are computed once, by the first job that needs them."""
    memo: list[ScenarioArrays] = []

    def arrays() -> ScenarioArrays:
        if not memo:
            memo.append(ScenarioArrays.from_scenario(scenario))
        return memo[0]

    jobs = [FigureJob(lambda i=issue: [(f"issue-{i.id}", f"{i.label}: actors and forecasts",
                                        plot_issue(scenario, i.id, results, arrays=arrays()))])
            for issue in scenario.issues]
    ran = {r.model for r in results}
    for r in results:
        if acting_model(r) not in OWN_TRAJECTORY_PLOTS:
            jobs.append(FigureJob(lambda r=r: _trajectories_figure(scenario, r, arrays()), needs_explain=r.draws > 1,
                                  weight=0.5 * len(scenario.issues)))  # a panel costs about half an issue chart
    for r in results:
        acting = acting_model(r)  # a war-led synthesis: the war's charts, unless the war model ran too
        if acting != r.model and acting in ran:
            continue
        for hook in list(_HOOKS.get(acting, [])):
            jobs.append(FigureJob(lambda r=r, hook=hook: [(f"{model_label(r)}-{title}", title, fig)
                                                          for title, fig in hook(scenario, r)]))
    jobs.append(FigureJob(lambda: _explain_figures(scenario, results), needs_explain=True))
    return jobs


def _trajectories_figure(scenario: Scenario, result: Result,
                         arrays: ScenarioArrays | None = None) -> list[tuple[str, str, Figure]]:
    fig = plot_trajectories(scenario, result, arrays=arrays)
    label = model_label(result)
    return [] if fig is None else [(f"trajectory-{label}", f"{label} by round, every issue", fig)]


def _explain_figures(scenario: Scenario, results: list[Result]) -> list[tuple[str, str, Figure]]:
    from detente.report.explain import explain_figures  # results with .explain (detente.explain.attach)

    return explain_figures(scenario, results)


def figures_for(scenario: Scenario, results: list[Result]) -> list[tuple[str, str, Figure]]:
    """All figures of a report: ``(file-name stem, title, Figure)`` with unique stems (the jobs of
    :func:`figure_jobs`, built in order)."""
    return unique_stems([f for job in figure_jobs(scenario, results) for f in job.build()])


# -- the war model's figures ----------------------------------------------------------------------


def war_figures(scenario: Scenario, result: Result) -> list[tuple[str, Figure]]:
    """Settlement probability by month, and the battlefield balance p with each side's belief."""
    from detente.report.settlement import plot_settlement

    ex = result.trajectory.extras
    figs: list[tuple[str, Figure]] = []
    fig = _new_figure(8.0, 3.6)
    ax = fig.add_subplot()
    plot_settlement(ex, ax, label=f"{model_label(result)} ({result.draws} draws)", color=PALETTE[0])
    ax.set_title("Probability of a settlement by month (dotted: median month given a deal)", loc="left",
                 fontsize=10, fontweight="bold", y=TITLE_Y)
    figs.append(("settlement probability by month", fig))

    series = result.trajectory.series
    if all(k in series for k in ("p", "belief_A", "belief_B")):
        # the legend under the axes (in the middle it hid the curves), light bands: over many draws
        # they span most of 0-1 and, drawn darker, turned the chart grey
        fig = _new_figure(8.0, 4.0, bottom=0.6 + legend_inches(3, 1, size=7.5))
        ax = fig.add_subplot()
        from detente.models.war.endings import possessive, side_names

        side = side_names(scenario.war, {a.id: a.label for a in scenario.actors})  # named, as on the page
        names = {"p": f"p: chance that {side['A']} wins the war from the front line (true odds)",
                 "belief_A": f"{possessive(side['A'])} estimate of p", "belief_B": f"{possessive(side['B'])} estimate of p"}
        for k, (key, text) in enumerate(names.items()):
            arr = np.asarray(series[key][:, :, 0], dtype=float)  # (draws, months+1)
            q = np.nanquantile(arr, [0.1, 0.5, 0.9], axis=0)
            months = np.arange(arr.shape[1])
            ax.plot(months, q[1], color=PALETTE[k], ls=LINESTYLES[k], lw=1.8, label=f"{text} (median)")
            if arr.shape[0] > 1:
                ax.fill_between(months, q[0], q[2], color=PALETTE[k], alpha=0.07, lw=0)
        ax.set_ylim(0, 1)
        ax.set_xlabel("month")
        ax.set_ylabel("probability")
        ax.grid(color="#e6e6e6", lw=0.6)
        ax.set_title("Battlefield and beliefs by month (medians, p10\u2013p90 bands over draws)", loc="left",
                     fontsize=10, fontweight="bold", y=TITLE_Y)
        bottom_legend(fig, fontsize=7.5, ncol=1)
        figs.append(("battlefield and beliefs by month", fig))
    return figs


register_plot("war", war_figures)
