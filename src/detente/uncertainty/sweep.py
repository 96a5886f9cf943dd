"""Parameter sweeps: run a model over a grid or a random design of scenario values.

A sweep varies fields of a scenario, each given as ``FIELD=LO:HI:N``. ``FIELD`` is a path into
the scenario, with list items chosen by id or by index:

* ``actors[RUS].capability`` or ``actors[0].capability``
* ``stances[RUS,territory].salience`` (actor, issue) or ``stances[3].position``
* ``issues[territory].status_quo``

A ``grid`` design runs every combination of ``N`` evenly spaced values per field; a ``random``
design draws ``samples`` points uniformly in the ranges (seeded). Each point is a modified,
re-validated scenario run through :func:`detente.runner.run`.

Every point runs with the SAME seed (common random numbers): differences between points come
from the varied fields only, never from Monte Carlo noise, and a point's result does not depend
on which worker or chunk ran it. So local (all cores) and Dask runs give identical results.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 0},
...     {"actor": "B", "issue": "x", "position": 100}]})
>>> res = sweep(s, "mean", ["actors[B].capability=1:3:3"], workers=1)
>>> [(p[0], round(f["x"], 2)) for p, f in zip(res.points.tolist(), res.forecasts)]
[(1.0, 50.0), (2.0, 66.67), (3.0, 75.0)]
"""

from __future__ import annotations

import itertools
import math
import os
import re
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from detente._version import __version__
from detente.errors import InputError
from detente.result import Result
from detente.runner import DEFAULT_SEED, run
from detente.scenario.arrays import scenario_hash
from detente.scenario.io import validate
from detente.scenario.model import Scenario

Loc = tuple[Any, ...]
_SPEC_RE = re.compile(r"^\s*(?P<field>[^=]+?)\s*=\s*(?P<range>.+?)\s*$")
_SEG_RE = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\[(?P<sel>[^\]]*)\])?")


@dataclass(frozen=True)
class Vary:
    """One varied field: the path as written, where it is in the scenario's data, and its range."""

    spec: str
    field: str
    loc: Loc
    low: float
    high: float
    n: int | None

    def values(self) -> np.ndarray:
        return np.linspace(self.low, self.high, self.n or 1)


FLAGS = {"vary": "--vary", "samples": "--samples", "design_kind": "--design", "draws": "--draws", "seed": "--seed",
         "dask": "--dask", "workers": "--workers"}
"""The arguments of :func:`sweep` that problems name, and the options of ``detente sweep`` they are."""


def _bad(spec: str, message: str) -> InputError:
    return InputError.one(None, message, field="vary", value=spec)


def resolve_field(scenario: Scenario, path: str, spec: str | None = None) -> Loc:
    """The location in ``scenario.model_dump()`` of a field path like ``stances[RUS,territory].salience``."""
    spec = spec or path
    data = scenario.model_dump(mode="json")
    loc: list[Any] = []
    cur: Any = data
    pos = 0
    text = path.strip()
    first = True
    while pos < len(text):
        if not first:
            if text[pos] != ".":
                raise _bad(spec, f"cannot read the field path {path!r} at {text[pos:]!r}")
            pos += 1
        m = _SEG_RE.match(text, pos)
        if not m:
            raise _bad(spec, f"cannot read the field path {path!r} at {text[pos:]!r}")
        pos = m.end()
        first = False
        name, sel = m.group("name"), m.group("sel")
        where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".") or "the scenario"
        if not isinstance(cur, dict) or name not in cur:
            known = ", ".join(sorted(cur)) if isinstance(cur, dict) else ""
            raise _bad(spec, f"{where} has no field {name!r}" + (f"; fields: {known}" if known else ""))
        loc.append(name)
        cur = cur[name]
        if sel is None:
            continue
        if not isinstance(cur, list):
            raise _bad(spec, f"{name} is not a list, so [{sel}] cannot select from it")
        idx = _select(cur, name, sel.strip(), spec)
        loc.append(idx)
        cur = cur[idx]
    if isinstance(cur, (dict, list)) and not _is_dist(cur):
        raise _bad(spec, f"{path} is not a number (it holds {type(cur).__name__} {list(cur)[:6]!r}...)")
    if isinstance(cur, (str, bool)):
        raise _bad(spec, f"{path} is not a number (got {cur!r})")
    return tuple(loc)


def _is_dist(v: Any) -> bool:
    return isinstance(v, dict) and set(v) in ({"low", "high"}, {"mode", "low", "high"}, {"mean", "sd"}, {"mixture"})


def _select(items: list, name: str, sel: str, spec: str) -> int:
    if name == "stances" and "," in sel:
        actor, issue = (s.strip() for s in sel.split(",", 1))
        for k, st in enumerate(items):
            if st.get("actor") == actor and st.get("issue") == issue:
                return k
        raise _bad(spec, f"no stance of actor {actor!r} on issue {issue!r}")
    ids = [it.get("id") if isinstance(it, dict) else None for it in items]
    if sel in ids:
        return ids.index(sel)
    if re.fullmatch(r"-?\d+", sel):
        k = int(sel)
        if -len(items) <= k < len(items):
            return k % len(items)
        raise _bad(spec, f"{name}[{k}] is out of range: there are {len(items)} {name}")
    if name == "stances":
        raise _bad(spec, f"select a stance by index or by 'actor,issue' (got {sel!r})")
    raise _bad(spec, f"no {name[:-1] if name.endswith('s') else name} with id {sel!r}; ids: "
                     + ", ".join(str(i) for i in ids if i is not None))


def parse_vary(scenario: Scenario, spec: str, *, need_n: bool = True) -> Vary:
    """Parse ``FIELD=LO:HI:N`` (``N`` optional for random designs) against ``scenario``."""
    m = _SPEC_RE.match(spec)
    if not m:
        first = scenario.actors[0].id if scenario.actors else "A"
        raise _bad(spec, f"expected FIELD=LO:HI:N, e.g. actors[{first}].capability=1:5:9")
    fld, rng = m.group("field"), m.group("range")
    parts = [p.strip() for p in rng.split(":")]
    if len(parts) not in (2, 3):
        raise _bad(spec, f"expected LO:HI:N after '=' (got {rng!r})")
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise _bad(spec, f"LO and HI must be numbers (got {parts[0]!r} and {parts[1]!r})") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _bad(spec, "LO and HI must be finite numbers")
    if hi < lo:
        raise _bad(spec, f"LO must not exceed HI (got {lo:g} > {hi:g})")
    n: int | None = None
    if len(parts) == 3:
        if not re.fullmatch(r"\d+", parts[2]) or int(parts[2]) < 1:
            raise _bad(spec, f"N must be a whole number of at least 1 (got {parts[2]!r})")
        n = int(parts[2])
        if n > 1 and lo == hi:
            raise _bad(spec, "LO equals HI: use N=1 or widen the range")
    elif need_n:
        raise _bad(spec, "a grid needs the number of values N: FIELD=LO:HI:N")
    loc = resolve_field(scenario, fld, spec)
    v = Vary(spec=spec, field=fld.strip(), loc=loc, low=lo, high=hi, n=n)
    # both ends must give a valid scenario: clear errors before anything runs
    for value in (lo, hi):
        apply_point(scenario, [v], [value], where=f"vary {spec}")
    return v


def apply_point(scenario: Scenario, varies: Sequence[Vary], values: Sequence[float], *,
                where: str | None = None) -> Scenario:
    """A copy of ``scenario`` with each varied field set to its value, re-validated."""
    data = scenario.model_dump(mode="json")
    for v, x in zip(varies, values):
        cur = data
        for part in v.loc[:-1]:
            cur = cur[part]
        cur[v.loc[-1]] = float(x)
    return validate(data, where or "sweep point " + ", ".join(f"{v.field}={x:g}" for v, x in zip(varies, values)))


MAX_POINTS = 100_000
"""The most points a sweep runs: each is a full run, and every point's result is kept."""


def design(varies: Sequence[Vary], kind: str = "grid", samples: int | None = None,
           seed: int = DEFAULT_SEED) -> np.ndarray:
    """Points (P, fields): the product of each field's values, or ``samples`` uniform draws; at
    most :data:`MAX_POINTS` (a grid of 10^8 points filled the machine's memory before it started).

    >>> design([Vary("a=0:1:1000", "a", ("a",), 0, 1, 1000)] * 2)
    Traceback (most recent call last):
    ...
    detente.errors.InputError: vary: a grid of 1,000,000 points (1,000 x 1,000): at most 100,000, each a full run; use fewer values per field, or a random design of fewer samples (got ['a=0:1:1000', 'a=0:1:1000'])
    """
    if kind == "grid" and samples is not None:
        raise InputError.one(None, "is for a random design; a grid takes its points from each FIELD=LO:HI:N "
                                   "varied", field="samples", value=samples)
    if kind == "grid":
        count = math.prod(v.n or 1 for v in varies)
        if count > MAX_POINTS:
            raise InputError.one(None, f"a grid of {count:,} points ({' x '.join(f'{v.n or 1:,}' for v in varies)}): "
                                       f"at most {MAX_POINTS:,}, each a full run; use fewer values per field, "
                                       "or a random design of fewer samples", field="vary", value=[v.spec for v in varies])
    elif kind == "random" and samples is not None and samples > MAX_POINTS:
        raise InputError.one(None, f"at most {MAX_POINTS:,} points, each a full run", field="samples", value=samples)
    if kind == "grid":
        return np.array(list(itertools.product(*(v.values() for v in varies))), dtype=float).reshape(-1, len(varies))
    if kind == "random":
        if not samples or samples < 1:
            if samples is None:
                raise InputError.one(None, "a random design needs a number of samples (at least 1)", field="samples")
            raise InputError.one(None, "a random design needs a number of samples (at least 1)", field="samples",
                                 value=samples)
        u = np.random.default_rng([int(seed), 0x5EEB]).random((int(samples), len(varies)))
        lo = np.array([v.low for v in varies])
        hi = np.array([v.high for v in varies])
        return lo + u * (hi - lo)
    raise InputError.one(None, "unknown design; use grid or random", field="design_kind", value=kind)


@dataclass
class PointRun:
    """The result of one sweep point."""

    index: int
    values: list[float]
    scenario: Scenario
    result: Result


def run_chunk(scenario_json: str, varies: list[Vary], points: list[list[float]], start: int, model: str,
              draws: int, seed: int, options: dict[str, Any] | None, variant: str | None) -> list[PointRun]:
    """Run points ``start, start+1, ...``: the unit of work of local processes and Dask workers."""
    import detente.models  # noqa: F401  (registers every model in the worker)

    base = Scenario.model_validate_json(scenario_json)
    out = []
    for k, values in enumerate(points):
        s = apply_point(base, varies, values)
        r = run(s, model, draws=draws, seed=seed, options=options, variant=variant)
        out.append(PointRun(start + k, list(map(float, values)), s, r))
    return out


@dataclass
class SweepResult:
    """Point values -> forecast (with draws: its input band and calibrated interval) per issue, in design order."""

    fields: list[str]
    points: np.ndarray
    issue_ids: list[str]
    model: str
    seed: int
    draws: int
    runs: list[PointRun] = field(repr=False, default_factory=list)
    run_ids: list[int] | None = None
    variant: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    input_sha256: str = ""  # of the scenario before any field is varied (each point's run records its own)

    def __repr__(self) -> str:
        return (f"<SweepResult of {self.model}: {len(self.runs):,} points over {', '.join(self.fields)}, "
                f"{len(self.issue_ids)} issues, {self.draws:,} draw{'' if self.draws == 1 else 's'} each>")

    @property
    def given(self) -> str | None:
        """``"a deal"`` for the war model: its forecasts here are the terms given a deal, as the
        bottom line of ``detente run`` reads it (:meth:`ModelSpec.read`); else ``None``."""
        from detente.models import registry

        return registry.get(self.model).given

    @property
    def forecasts(self) -> list[dict[str, float]]:
        """Each point's forecast per issue (war: the median terms over the draws that end in a deal,
        NaN where none does)."""
        return [_reading(p.result)[0] for p in self.runs]

    def forecast_array(self) -> np.ndarray:
        """(points, issues) forecasts."""
        return np.array([[f[i] for i in self.issue_ids] for f in self.forecasts], dtype=float)

    def unchanged(self) -> bool:
        """Whether the forecast is the same at every point of the design, up to rounding (1e-9 of
        its size): the model may not read the fields varied (the war model reads its ``war:``
        block, not the actors). ``False`` for fewer than two points."""
        import warnings

        f = self.forecast_array()
        if len(self.runs) < 2 or not f.size:
            return False
        with warnings.catch_warnings():  # an issue without a forecast (all NaN) moves nowhere
            warnings.simplefilter("ignore", RuntimeWarning)
            spread = np.nanmax(f, axis=0) - np.nanmin(f, axis=0)
            size = np.nanmax(np.abs(f), axis=0)
        return not np.any(spread > 1e-9 * (1 + size))

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows: one per point and issue, with ``p10``/``p90`` over the draws (input
        uncertainty) and ``interval_low``/``interval_high`` (the calibrated forecast interval),
        named as in ``positions.csv`` and ``detente runs export``."""
        out = []
        for p in self.runs:
            forecast, band = _reading(p.result)
            iv = p.result.interval
            extras = p.result.trajectory.extras
            for issue, f in forecast.items():
                row: dict[str, Any] = {"point": p.index, **dict(zip(self.fields, p.values)), "issue": issue,
                                       "forecast": f}
                if band is not None:
                    row["p10"], row["p90"] = band[issue]
                if self.given == "a deal":  # how likely the deal whose terms these are
                    row["p_deal"] = extras.get("settlement_probability")
                if iv is not None:
                    row["interval_low"], row["interval_high"] = iv[issue]
                if self.run_ids is not None:
                    row["run"] = self.run_ids[p.index]
                out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "variant": self.variant, "options": self.options, "seed": self.seed,
                "draws": self.draws, "version": self.version, "input_sha256": self.input_sha256,
                "fields": self.fields, "issues": self.issue_ids, "given": self.given, "rows": self.rows()}


def _reading(r: Result) -> tuple[dict[str, float], dict[str, tuple[float, float]] | None]:
    """A point's forecast and p10-p90 per issue, of what the model's answers compare
    (:meth:`ModelSpec.read`): for the war model the terms given a deal (NaN where fewer than
    :data:`~detente.models.war.endings.MIN_DEALS` draws end in one: a median of one or two deals is no
    reading of the terms, as levers and the pivotal actors hold too). Pooled with military
    victories, "the forecast" moved when a field made the war more or less often won, not when it
    changed the terms."""
    import warnings

    from detente.models import registry
    from detente.models.war.endings import MIN_DEALS

    spec = registry.get(r.model)
    if spec.reads is None:
        return r.forecast, r.input_band
    read = np.asarray(spec.read(r.trajectory), dtype=float)
    read = np.where(np.isfinite(read).sum(axis=0) < MIN_DEALS, np.nan, read)
    with warnings.catch_warnings():  # an issue on which too few draws end in a deal: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        p10, p50, p90 = np.nanquantile(read, [0.1, 0.5, 0.9], axis=0)
    return ({i: float(p50[k]) for k, i in enumerate(r.issue_ids)},
            {i: (float(p10[k]), float(p90[k])) for k, i in enumerate(r.issue_ids)})


def _check_memory(points: int, draws: int, issues: int, actors: int) -> None:
    """Refuse up front a sweep whose kept results could not fit: every point keeps a run's inputs
    (:func:`detente.memory.need_bytes`, a lower bound)."""
    from detente.memory import available_bytes, need_bytes, size_text

    need, free = points * need_bytes(draws, issues, actors), available_bytes()
    if free is not None and need > 0.8 * free:
        raise InputError.one(None, f"{points:,} points of {draws:,} draws need at least {size_text(need)}, more than "
                                   f"the {size_text(free)} this machine has free: use fewer points or fewer "
                                   "draws", field="vary", value=points)


def _chunks(points: np.ndarray, size: int) -> Iterator[tuple[int, list[list[float]]]]:
    for i in range(0, len(points), size):
        yield i, points[i:i + size].tolist()


def sweep(
    scenario: Scenario,
    model: str,
    vary: Sequence[str],
    *,
    design_kind: str = "grid",
    samples: int | None = None,
    draws: int | None = None,
    seed: int = DEFAULT_SEED,
    options: dict[str, Any] | None = None,
    variant: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    dask: str | Any | None = None,
    store: Any | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run ``model`` at every point of the design.

    ``draws`` per point (``None``: :func:`detente.runner.default_draws`, 1 but for the war model's
    random paths). ``workers``: local processes (default: all cores; 1 runs in this process). ``dask``: the
    address of a Dask scheduler (or a ``distributed.Client``) to run the chunks on instead.
    ``store``: a :class:`detente.store.db.Store`; each completed chunk is recorded in one
    transaction. ``progress(done_points, total_points)`` is called as chunks complete.
    """
    from detente.models import registry
    from detente.runner import check_count, check_model_name, check_seed, revalidate

    scenario = revalidate(scenario)  # changed in Python after loading: checked again, as by run
    check_model_name(model, "sweep")
    registry.get(model)  # unknown model: fail before starting workers
    seed = check_seed(seed)
    for name, value in (("draws", draws), ("samples", samples), ("workers", workers), ("chunk_size", chunk_size)):
        if value is not None:
            check_count(value, name)
    if isinstance(vary, str):  # one spec given as a string: not its characters
        vary = [vary]
    if draws is None:
        from detente.runner import default_draws

        draws = default_draws(scenario, model)
    if not vary:
        raise InputError.one(None, "give at least one FIELD=LO:HI:N to vary", field="vary")
    varies = [parse_vary(scenario, s, need_n=design_kind == "grid") for s in vary]
    dup = {v.loc for v in varies if sum(w.loc == v.loc for w in varies) > 1}
    if dup:
        raise InputError.one(None, "the same field is varied twice", field="vary",
                             value=[v.spec for v in varies if v.loc in dup])
    points = design(varies, design_kind, samples, seed)
    _check_memory(len(points), int(draws), len(scenario.issues), len(scenario.actors))
    # validate options once, here, rather than in every worker
    spec = registry.get(model)
    spec.make_options({**scenario.model_options.get(model, {}), **(options or {})}, variant=variant)
    total = len(points)
    n_workers = max(1, int(workers or os.cpu_count() or 1))
    size = int(chunk_size or max(1, math.ceil(total / (4 * n_workers))))
    sjson = scenario.model_dump_json()
    args = (varies, model, draws, seed, options, variant)
    results: dict[int, PointRun] = {}
    run_ids: dict[int, int] = {}
    done = 0

    def collect(chunk: list[PointRun]) -> None:
        nonlocal done
        for p in chunk:
            results[p.index] = p
        if store is not None:
            meta = lambda p: {"sweep": {"fields": dict(zip([v.field for v in varies], p.values)),  # noqa: E731
                                        "point": p.index}}
            ids = store.save_many([(p.scenario, p.result, meta(p)) for p in chunk])
            run_ids.update({p.index: i for p, i in zip(chunk, ids)})
        done += len(chunk)
        if progress:
            progress(done, total)

    if dask is not None:
        if progress:
            progress(0, total)
        _run_dask(dask, sjson, points, size, args, collect)
    elif n_workers == 1 or total <= size:
        if progress:
            progress(0, total)
        for start, pts in _chunks(points, size):
            collect(run_chunk(sjson, varies, pts, start, *args[1:]))
    else:
        with ProcessPoolExecutor(max_workers=min(n_workers, math.ceil(total / size)), mp_context=_context(),
                                 initializer=_worker_signals) as ex:
            pending: set[Future] = {ex.submit(run_chunk, sjson, varies, pts, start, *args[1:])
                                    for start, pts in _chunks(points, size)}
            if progress:
                progress(0, total)  # workers are started: a progress thread may start now
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        collect(fut.result())
            except BaseException:  # Ctrl-C, SIGTERM, a failed chunk: stop the workers now, not after their chunks
                _stop_workers(ex)
                raise

    ordered = [results[i] for i in range(total)]
    return SweepResult(
        fields=[v.field for v in varies], points=points, issue_ids=list(scenario.issue_ids), model=model,
        seed=int(seed), draws=ordered[0].result.draws if ordered else draws, runs=ordered,
        run_ids=[run_ids[i] for i in range(total)] if store is not None else None,
        variant=variant, options=ordered[0].result.options if ordered else dict(options or {}),
        version=__version__, input_sha256=scenario_hash(scenario),
    )


def _stop_workers(ex: ProcessPoolExecutor) -> None:
    """End the executor's worker processes at once (Python 3.11 has no public way: its exit waits
    for every running chunk, 35 s after a SIGTERM on the flagship). The processes are taken before
    ``shutdown``, which forgets them."""
    processes = list((getattr(ex, "_processes", None) or {}).values())
    for proc in processes:
        try:
            proc.terminate()
        except (OSError, AttributeError):
            pass
    ex.shutdown(wait=False, cancel_futures=True)


def _worker_signals() -> None:
    """A worker's signals: SIGTERM ends it at once (a forked worker inherits the program's handler,
    which raises in Python only between two compiled calls: the workers ran on for half a minute
    after a ``kill`` of the sweep, the main process waiting for them), and Ctrl-C, which reaches
    every process of the terminal's group, is left to the main process, which stops the workers."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> Any:
    """Fork on Linux: workers start fast and the caller's main module is not re-imported (spawn
    would re-run a script without an ``if __name__ == "__main__"`` guard). :func:`sweep` starts
    all workers before it first reports progress, so no progress-bar thread exists at fork time.
    Elsewhere, spawn (the platform default)."""
    import multiprocessing as mp
    import sys

    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _run_dask(dask: Any, sjson: str, points: np.ndarray, size: int, args: tuple,
              collect: Callable[[list[PointRun]], None]) -> None:
    try:
        from detente.errors import require

        require("distributed", "dist")
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError.one(None, "Dask is not installed: pip install 'detente[dist]'", field="dask") from None
    own = not isinstance(dask, Client)
    try:
        client = Client(dask, timeout="10s") if own else dask
    except (OSError, TimeoutError) as e:
        raise InputError.one(None, f"cannot reach the Dask scheduler ({e})", field="dask", value=dask) from None
    except (ValueError, TypeError) as e:  # "http://...:8787" (the dashboard's), "banana", ""
        raise InputError.one(None, f"not a Dask scheduler address ({e}); it looks like tcp://HOST:8786",
                             field="dask", value=dask) from None
    try:
        varies, *rest = args
        futures = [client.submit(run_chunk, sjson, varies, pts, start, *rest, pure=False)
                   for start, pts in _chunks(points, size)]
        for fut in as_completed(futures):
            collect(fut.result())
    finally:
        if own:
            client.close()
