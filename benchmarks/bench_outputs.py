"""CPU of the README's first command, as a whole process, and where it goes (issue #12: <= 5 s CPU
with a warm Numba cache).

    .venv/bin/python benchmarks/bench_outputs.py [--repeat 3]

1. Runs ``detente run examples/ukraine-settlement.yaml --model mean --model median --model bdm
   --model war --draws 2000 --seed 1 --out DIR`` ``--repeat`` times as a subprocess (after one
   warm-up run that fills the Numba cache) and prints the median CPU (user + sys of the child) and
   wall time.
2. In-process breakdown of the same work: imports and loading, each model, building the figures,
   rendering the PNGs, result.json / positions.csv / report.html.

To measure another checkout (e.g. the code before a change) put its ``src`` first on the path:
``PYTHONPATH=/path/to/other/src python benchmarks/bench_outputs.py``.

Measured on the shared 2-core machine (load average ~3 from other jobs, so +-20 % and more;
``--repeat 3``; CPU s; before = c306cc1 via PYTHONPATH, after = branch ``figures``):

=============================================  ===================  ===================
step                                           before (30 files)    after (17 files)
=============================================  ===================  ===================
whole process, warm cache (median of 3)        9.96                 6.81
explanations (leave-one-out, winners, events)  1.36                 0.97
import the report (matplotlib)                 0.52                 0.36
build the figures                              1.06 (27 figures)    0.59 (14 figures)
render the PNGs                                3.94 (1252 KiB)      1.75 (1292 KiB)
result.json / positions.csv / report.html      0.46 / 0.16 / 0.04   0.46 / 0.02 / 0.05
=============================================  ===================  ===================

What changed: every actor by round is drawn in the "<model> by round" charts (the explanation's
point-value run), not in 5 more charts; one "who gains, who loses" chart for all models, not one
per model; the distributions over draws in a strip of each issue chart, not 5 more figures (their
medians were already in the issue chart's legend); unhinted text (text is ~80 % of a chart's
drawing in matplotlib 3.11, which renders glyph by glyph); one marker artist per chart, not one
per actor; the series summary computed once per result, not once per chart and file. The target of
5 s CPU is not met: the models and imports alone (``detente run`` without ``--out``) take ~2.7 s,
the explanations ~1 s, and matplotlib still needs ~150 ms of CPU per chart.

Second round (branch ``figures2``; before = 772e489 via PYTHONPATH, after = ``figures2``). The
machine was loaded (load average 2-4), so the whole process was measured in 5 alternating
old/new runs and the in-process steps in 2 alternating pairs (CPU s):

=============================================  ===================  ===================
step                                           before (17 files)    after (13 files)
=============================================  ===================  ===================
whole process, warm cache (median of 5)        8.26                 7.01  (-15 %)
explanations (leave-one-out, winners, events)  1.04 / 1.07          0.99 / 0.77
build the figures                              0.62 / 0.54 (14)     0.80 / 0.47 (10)
render the PNGs                                1.65 / 1.65          1.46 / 1.33 (1025 KiB)
result.json                                    0.29 / 0.28          0.22 / 0.21
=============================================  ===================  ===================

(The same code measured 6.6-6.9 s for the whole process in quieter minutes: the absolute figures
move with the load, the ratio is what the alternating runs show.) What changed, results and
files' content identical (result.json byte for byte but ``elapsed_s``, positions.csv byte for byte):

* result.json: NumPy's ``nanquantile`` along an axis drops NaNs column by column
  (``apply_along_axis``: 1,365 calls for the war's series); :func:`detente.quantiles.nanquantile`
  gives the same bits in a few vectorised calls, a series equal on every issue (the war's battlefield
  and beliefs) is summarised once; ``json_safe`` and ``Result._list`` no longer test every float with
  NumPy scalars. What is left: the calibrated interval (quantiles of 200,000 mixture members per
  issue, computed once) and ``json.dumps(indent=2)``, which runs CPython's pure-Python encoder
  (~60 ms; the C encoder cannot indent in 3.11 and a faster library would not write the same bytes).
* explanations: the bdm leave-one-out reuses the run's own forecast as the "everyone" copy (one
  masked run of N copies instead of N + 1); the round-1 risk exponents copy out only ``r``
  (0.12 -> 0.07 s; a NumPy port of the kernel's pass would have to reproduce its summation order
  bit for bit, not done). The masked leave-one-out run itself (~0.6 s: 8 x 400 draws x 5 issues of
  10 rounds) is most of what is left.
* figures: one "<model> by round" figure per model, a panel per issue and one shared legend
  (:func:`detente.report.plots.plot_trajectories`), instead of one PNG per (model, issue): 5 bdm
  trajectory PNGs (~1.06 s to render under load) became one (~0.35 s).

The target of 5 s CPU is still not met: without ``--out`` the command takes ~2.7 s; the five issue
charts take ~1 s to render (text layout and glyphs are most of it). Exchange on COP21 with ``--out``
(``benchmarks/bench_exchange.py``'s whole-process case: 13 issue charts + the trajectories): 5.5 s
-> 4.8 s CPU (medians of 5-6 alternating runs; 27 -> 15 PNGs); ~1.2 s without ``--out``, so ~1 s
with outputs is out of reach while each issue chart costs ~0.2 s.

Third round (branch ``outputs``; before = dab56ea via ``PYTHONPATH=/work/main/src``, after =
``outputs``; load average 1.8-2.8). Whole process: 6 alternating old/new runs of the command above
(``/usr/bin/time``, user + sys); in-process steps: medians of 4 alternating runs of :func:`breakdown`
(which now runs the collector as the program does). CPU s:

=============================================  ===================  ===================
step                                           before               after
=============================================  ===================  ===================
whole process, warm cache (median of 6)        5.35 (5.07-5.79)     4.20 (3.77-4.83)
model war                                      0.30                 0.27
explanations (leave-one-out, winners, events)  0.78                 0.73
import the report (matplotlib)                 0.45                 0.37
build the figures (10)                         0.68                 0.54
render the PNGs (10, 1025 -> 999 KiB)          1.95                 1.12
result.json                                    0.24                 0.19
=============================================  ===================  ===================

The target of 5 s CPU is met (``--repeat 3`` in a quieter minute: 3.65 s, before 5.40 s).
result.json is the same byte for byte but ``elapsed_s``, positions.csv byte for byte; the PNGs show
the same charts (text placed on whole pixels, see below). What changed:

* the garbage collector (:data:`detente.cli.GC_THRESHOLDS`): with CPython's default thresholds the
  few full collections of the growing heap traverse every object of NumPy, pydantic, Numba and
  matplotlib again, ~0.4-0.6 s of CPU (measured with ``gc.callbacks``: 571 collections, 0.60 s);
  the program now collects the youngest generation every 50,000 allocations (7 collections,
  0.19 s; the peak RSS is 264 MB either way). Every step above gains a little from it.
* text (:class:`detente.report.plots.StringTextRenderer`): matplotlib 3.11's Agg renders and blends
  each glyph on its own (~60 us a glyph, ~8,000 glyphs in these charts, about 1 s of the 1.3 s of
  drawing); each string is now drawn as one FreeType bitmap, as matplotlib did up to 3.10, and its
  layout and bitmap are computed once per size: matplotlib measures each string before drawing it
  and the charts repeat tick labels and legend entries (931 -> 318 layouts). The pixels differ
  from 3.11's only in where a string starts (a whole pixel, not a fraction of one).
* the histogram strips under the issue charts: ``Axes.stairs`` measures each step path segment by
  segment in Python (2 ms each, 40 per report); the steps are added with their limits given (the
  same PNG byte for byte).
* the war model's audience-cost bisection (42 evaluations a month and side) evaluates only the
  pledged issues, stacked as columns, instead of every issue's share then one pledge at a time
  (the same bits; ``tests/test_war_properties.py``).

What is left: the models and imports without ``--out`` take ~1.8 s (Numba's registries ~0.3 s, the
bdm kernel ~0.25 s, the war model ~0.25 s); the explanations ~0.7 s (the bdm masked leave-one-out
run ~0.35 s: 8 x 400 draws x 5 issues in the kernel; the war leave-one-out ~0.15 s); matplotlib
~2 s (import 0.35, axes and ticks 0.5, drawing 0.9 of which the title placement and the axes'
ticks are half, PNG encoding 0.16).

Fourth round (branch ``figs``, issue #12 item 5; before = 5160a5e via ``PYTHONPATH``; 4 alternating
runs, ``/usr/bin/time``, load average ~1): whole process 2.89 s wall / 2.87 s CPU before, 2.07 s wall
/ 2.95 s CPU after (figure workers: the drawing overlaps the models and explanations, see
``bench_exchange.py``), 2.76 s wall / 2.77 s CPU with ``DETENTE_FIGURE_WORKERS=0``. In-process
(``--repeat 3`` breakdown): drawing the 10 PNGs 0.66 -> 0.47 s CPU (cached font metrics, fixed
title heights, PNGs encoded with the "up" filter; the same pixels).

Fifth round (branch ``figs``: cheaper figures; before = d004395 via ``PYTHONPATH``, load average
1.3-1.9). The charts draw their ticks, tick labels, grid lines and anchors as plain collections and
texts (:func:`detente.report.plots.plain_axis`: a matplotlib Tick is five artists, copied property
by property, and secondary axes for the anchors are Axes of their own), a trajectory panel's actors
as one LineCollection and one scatter with one legend built from proxy handles (15 Line2D with
markers per panel before), the round axis ticked every 2 rounds past 8 rounds, and the scenario's
point values computed once per figure set. The same data, labels, legends, colours and ranges;
the issue charts' pixels are the same but for a few antialiased edge pixels. CPU s:

==============================================================  ===========  ===========
step                                                            before       after
==============================================================  ===========  ===========
this command, in-process: build 10 figures (``--repeat 5``)     0.99         0.81
this command, in-process: render 10 PNGs                        1.54         0.96
COP21 exchange, 14 figures, build + render, warm                2.65         1.29
COP21, the same, first set in a fresh process                   2.64         1.59
COP21 whole command, ``DETENTE_FIGURE_WORKERS=0`` (CPU / wall)  5.81 / 5.88  4.50 / 4.58
the same with the default 2 figure workers (median of 4)        6.12 / 5.79  4.83 / 3.74
==============================================================  ===========  ===========

(COP21 whole command: ``detente run ../shared/peers/exchange-data/data/input/cop21.csv --model
exchange -o rounds=10 --out DIR``, median of 5 alternating runs; warm: median of 3 alternating
in-process runs of 3 sets each.)

(The COP21 figures: the 13-panel trajectory chart 1.25 -> 0.59 s, the 13 issue charts 1.31 ->
0.71 s, warm.) What is left per figure set is mostly matplotlib's own per-Axes cost (creating an
Axes makes four Tick objects for its clip path and grid settings, ~10 ms), the texts (~0.5 ms
each to create, lay out and draw) and zlib (~0.12 s for the 14 PNGs); importing matplotlib and
the figure code stays at ~0.65 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["run", "examples/ukraine-settlement.yaml", "--model", "mean", "--model", "median", "--model", "bdm",
        "--model", "war", "--draws", "2000", "--seed", "1"]
TARGET_CPU = 5.0


def whole_process(out: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "detente.cli", *ARGS, "--out", str(out)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def breakdown() -> list[tuple[str, float]]:
    """CPU seconds of each step of ``detente run ... --out DIR``, in this process (imports counted
    where they first happen): models, explanations, figures (build, then render), files."""
    import gc

    from detente import cli

    # the collector as the program runs it (detente.cli.entry; code before GC_THRESHOLDS: the default)
    gc.set_threshold(*getattr(cli, "GC_THRESHOLDS", gc.get_threshold()))
    cpu = time.process_time
    steps: list[tuple[str, float]] = []
    t = cpu()

    def mark(name: str) -> None:
        nonlocal t
        now = cpu()
        steps.append((name, now - t))
        t = now

    from detente.runner import run
    from detente.scenario.io import load

    s = load(ROOT / "examples/ukraine-settlement.yaml")
    mark("imports + load the scenario")
    results = []
    for m in ("mean", "median", "bdm", "war"):
        results.append(run(s, m, draws=2000, seed=1))
        mark(f"model {m}")
    from detente.explain import attach

    for r in results:  # as the CLI does with --out
        attach(s, r, war_sensitivity=False)
    mark("explanations (leave-one-out, winners, events)")
    from detente.report.html import render_html
    from detente.report.outputs import positions_csv, result_json
    from detente.report.plots import figures_for, png_bytes

    mark("import the report (matplotlib)")
    figs = figures_for(s, results)
    mark(f"build {len(figs)} figures")
    pngs = [(stem, title, png_bytes(fig)) for stem, title, fig in figs]
    mark(f"render {len(pngs)} PNGs ({sum(len(p) for _, _, p in pngs) // 1024} KiB)")
    result_json(s, results)
    mark("result.json")
    positions_csv(s, results)
    mark("positions.csv")
    render_html(s, results, pngs)
    mark("report.html")
    return steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        whole_process(Path(d) / "warm")  # fills the Numba cache if it is empty
        runs = [whole_process(Path(d) / f"out{k}") for k in range(a.repeat)]
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    print("detente " + " ".join(ARGS) + " --out DIR")
    print(f"  whole process, warm cache: {cpu:.2f} s CPU, {wall:.2f} s wall (median of {a.repeat}); "
          f"target <= {TARGET_CPU:g} s CPU: {'met' if cpu <= TARGET_CPU else 'MISSED'}")
    print("in-process breakdown (CPU s):")
    steps = breakdown()
    for name, sec in steps:
        print(f"  {name:50s} {sec:6.2f}")
    print(f"  {'sum':50s} {sum(sec for _, sec in steps):6.2f}")
    return 0 if cpu <= TARGET_CPU else 1


if __name__ == "__main__":
    sys.exit(main())
