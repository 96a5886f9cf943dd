"""Levers: what single change of one actor would move the forecast, with every other actor responding.

Two questions (``detente levers``):

* ``target``: for each actor, the smallest change of its position, its salience or its capability
  that moves the model's forecast on one issue to a target value (or as close as the model gets);
* ``actor``: the position (and salience) an actor should announce on the issue to bring the outcome
  closest to its own ideal (its input position) - BDM's strategic advice - and what it gains over
  staying put.

Every candidate change is evaluated by the FULL model run, so the other actors respond (in the
round-based models they move in reaction to the changed actor). The search is a grid followed by
one refinement between the best grid point and its neighbour toward the actor's present value;
each stage is ONE model call: the candidates are stacked along the draws axis (each candidate gets
the same input draws and, in the stochastic models, the same model random numbers - common random
numbers, :class:`CommonDraws` - so differences between candidates are not noise, and a candidate at
its present value gives the baseline forecast bit for bit).
Sizes of changes, so that different kinds can be ranked together (documented, all on 0-1 scales):

* position: |new - old| / (scale max - scale min);
* salience: |new - old| (saliences are on 0-1);
* capability (the actor's capability multiplied by a factor on every issue): |new - old| / the sum
  of all actors' capabilities on the issue (the change as a share of all capability).

In ``target`` a change of position or salience moves the (uncertain) input by the change in every
draw, clipped to the scale (to 0-1); a change of capability scales every draw; so no change is the
unchanged input. In ``actor`` the announced position and salience replace the input in every draw
(an announcement is certain). A forecast "reaches" the target when it is within ``tolerance`` x
scale range of it (default 0.005, i.e. 0.5 on a 0-100 scale). A lever is a change (of size at least
:data:`MIN_SIZE`) that reaches the target, or failing that brings the forecast closest to it - and
closer than it is now; an actor's attribute without one is listed in ``no_lever``, and when no
attribute has one ``message`` says so (``levers`` is empty). Only when the forecast already meets the
target is the lever no change (size 0).

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 1}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 0},
...     {"actor": "B", "issue": "x", "position": 100}]})
>>> res = levers(s, "mean", "x", target=75.0, draws=1)
>>> [(row["actor"], row["attribute"], row["to"]) for row in res["levers"] if row["attribute"] == "capability"]
[('A', 'capability', 0.333333), ('B', 'capability', 3.0)]
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from detente._version import __version__
from detente.errors import InputError
from detente.explain.common import MIN_DEALS, Progress, only_issue, q, r, run_inputs, tile
from detente.models.base import ModelSpec, Options
from detente.runner import DEFAULT_SEED
from detente.scenario.arrays import ScenarioArrays, scenario_hash
from detente.scenario.model import Scenario

ATTRIBUTES = ("position", "salience", "capability")
GRID = 21  # stage-1 values per actor and attribute
REFINE = 12  # stage-2 values around the closest grid value when no change crosses the target
BISECT = 30  # bisection steps on a bracket where the forecast crosses the target
SLOW = ("smp", "exchange", "war")  # models whose runs cost most per draw: smaller defaults
GRID_SLOW = 11
BISECT_SLOW = 8  # 1/256 of a grid step
DRAWS = 100  # default draws per candidate
DRAWS_SLOW = 20
DRAWS_WAR = 50  # its terms are read on the draws with a deal only (~a third); 100 would pass the web's budget
NO_DEAL_NOW = ("fewer than {min} of the {draws} simulated wars end in a deal, too few to read the terms of a "
               "deal from; more draws (--draws), or the war inputs, which show what would raise P(deal)")
CAP_FACTORS = (1 / 32, 32)  # capability factors searched (geometric grid, includes 1)
ROWS_PER_CALL = 40_000  # draws x candidates per model call (bounds memory)
MIN_SIZE = 1e-6  # a change of smaller size is no change (the size is reported to 6 decimals)


# ---------------------------------------------------------------------------------------------
# input checks (clear messages naming the value and the allowed ones)


MAX_GRID = 1001
"""The most candidate values per lever (and refinement steps): the default is 21 (11 for the slow models)."""

FLAGS = {"issue": "--issue", "target": "--target", "actor": "--actor", "target/actor": "--target/--actor",
         "respond": "--others-fixed", "draws": "--draws", "seed": "--seed", "grid": "--grid"}
"""The arguments of :func:`levers` that problems name, and the options of ``detente levers`` they are."""


def check_request(scenario: Scenario, issue: str, target: float | None, actor: str | None) -> int:
    """Index of ``issue``; raises :class:`InputError` for an unknown issue/actor or a target off the scale."""
    ids = list(scenario.issue_ids)
    if issue not in ids:
        raise InputError.one(None, f"unknown issue; the scenario's issues are: {', '.join(ids)}",
                             field="issue", value=issue)
    k = ids.index(issue)
    if (target is None) == (actor is None):
        raise InputError.one(None, "give exactly one of a target (the forecast to reach) or an actor (whose best "
                             "announcement to find)",
                             field="target/actor")
    iss = scenario.issues[k]
    if target is not None and not (iss.scale.min <= target <= iss.scale.max):
        raise InputError.one(None, f"the target must lie on the scale of {iss.label}, {iss.scale.min:g} to "
                             f"{iss.scale.max:g}", field="target", value=target)
    if actor is not None:
        actors = list(scenario.actor_ids)
        if actor not in actors:
            raise InputError.one(None, f"unknown actor; the scenario's actors are: {', '.join(actors)}",
                                 field="actor", value=actor)
        holders = {st.actor for st in scenario.stances if st.issue == issue}
        if actor not in holders:
            raise InputError.one(None, f"actor has no stance on issue {issue!r}; actors with one: "
                                 f"{', '.join(a for a in actors if a in holders)}", field="actor", value=actor)
    return k


# ---------------------------------------------------------------------------------------------
# candidates stacked along draws


Present = tuple[np.ndarray, np.ndarray]  # (positions, saliences) of the actors on the issue, point values


def apply(arr: ScenarioArrays, k: int, cands: list[tuple[int, str, float]],
          shift_from: Present | None = None) -> ScenarioArrays:
    """Stack one copy of ``arr``'s draws per candidate (actor, attribute, value) with the change applied.
    ``value`` is the new position or salience on issue ``k``, or the capability factor (which scales
    every draw). With ``shift_from`` (the present point values) a new position or salience moves every
    draw by ``value - present`` (clipped to the scale, to 0-1), so a candidate at its present value
    leaves the input as it is; without, the value replaces every draw (an announced, certain value)."""
    D = arr.draws
    big = tile(arr, len(cands))
    pos, sal, cap = big.position.copy(), big.salience.copy(), big.capability.copy()
    for v, (a, attr, val) in enumerate(cands):
        rows = slice(v * D, (v + 1) * D)
        if attr == "position":
            now = None if shift_from is None else float(shift_from[0][a])
            pos[rows, k, a] = moved(arr.position[:, k, a], val, now, arr.scale_min[k], arr.scale_max[k])
        elif attr == "salience":
            now = None if shift_from is None else float(shift_from[1][a])
            sal[rows, k, a] = moved(arr.salience[:, k, a], val, now, 0.0, 1.0)
        else:
            cap[rows, :, a] = arr.capability[:, :, a] * val
    return replace(big, position=pos, salience=sal, capability=cap)


def moved(draws: np.ndarray, val: float, now: float | None, lo: float, hi: float) -> np.ndarray | float:
    """One input's draws after its change to ``val``: replaced (``now`` None), else shifted by
    ``val - now`` and clipped to [lo, hi]; at ``val == now`` the draws themselves, unchanged.

    >>> moved(np.array([40.0, 70.0]), 80.0, 60.0, 0.0, 100.0).tolist(), moved(np.array([40.0]), 80.0, None, 0, 100)
    ([60.0, 90.0], 80.0)
    """
    if now is None:
        return val
    if val == now:
        return draws
    return np.clip(draws + (val - now), lo, hi)


class NotCommon(Exception):
    """The model asked :class:`CommonDraws` for random numbers it cannot repeat per candidate."""


class CommonDraws:
    """The model's generator when ``blocks`` candidates of ``rows`` draws each are stacked along draws.

    A stochastic model draws its random numbers with a draws axis (war: ``random(D)`` every month;
    smp, exchange: one seed per draw), so in a stacked run candidate v would get rows v*D.. of each
    request - other numbers than the run of the baseline (common INPUT draws, but not common MODEL
    draws). Here every request whose draws axis (the last axis of length ``blocks x rows``) spans all
    candidates draws ``rows`` numbers from ``rng`` and repeats them per candidate, so each candidate
    sees exactly the random numbers of a run of its own: a candidate at the present value gives the
    baseline forecast bit for bit. Any other request raises :class:`NotCommon`.

    >>> rng = CommonDraws(np.random.default_rng(1), blocks=2, rows=3)
    >>> x = rng.random((2, 6))
    >>> bool((x[:, :3] == x[:, 3:]).all()), bool((x[:, :3] == np.random.default_rng(1).random((2, 3))).all())
    (True, True)
    """

    def __init__(self, rng: np.random.Generator, blocks: int, rows: int) -> None:
        self.rng, self.blocks, self.rows = rng, blocks, rows

    def _draw(self, method: str, size: Any, *args: Any, **kw: Any) -> Any:
        if size is None or self.blocks == 1:  # one number for every candidate alike, or nothing stacked
            return getattr(self.rng, method)(*args, size=size, **kw)
        shape = (int(size),) if np.ndim(size) == 0 else tuple(int(n) for n in size)
        axes = [n for n, s in enumerate(shape) if s == self.blocks * self.rows]
        if not axes:
            raise NotCommon(f"{method}(size={size}) has no draws axis of {self.blocks} x {self.rows}")
        ax = axes[-1]
        one = getattr(self.rng, method)(*args, size=shape[:ax] + (self.rows,) + shape[ax + 1:], **kw)
        return np.tile(one, tuple(self.blocks if n == ax else 1 for n in range(len(shape))))

    def random(self, size: Any = None, dtype: Any = np.float64) -> Any:
        return self._draw("random", size, dtype=dtype)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Any:
        return self._draw("integers", size, low, high, dtype=dtype, endpoint=endpoint)

    def spawn(self, n: int) -> list["CommonDraws"]:
        return [CommonDraws(g, self.blocks, self.rows) for g in self.rng.spawn(n)]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and the like: not a generator method
            raise AttributeError(name)
        raise NotCommon(f"the model uses Generator.{name}, which CommonDraws does not repeat per candidate")


def read_stacked(spec: ModelSpec, big: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, blocks: int,
                 read: Callable[[Any], np.ndarray]) -> np.ndarray:
    """``read(trajectory)`` (one value per draw) of ``blocks`` candidates stacked along draws, every
    candidate with the model random numbers of the baseline run (:class:`CommonDraws`); a model that
    draws in a way CommonDraws cannot repeat runs one candidate per call instead (same numbers)."""
    D = big.draws // blocks
    try:
        return read(spec.run(big, opts, CommonDraws(np.random.default_rng(seq), blocks, D)))
    except NotCommon:
        return np.concatenate([read(spec.run(big.chunk(v * D, (v + 1) * D), opts, np.random.default_rng(seq)))
                               for v in range(blocks)])


def run_stacked(spec: ModelSpec, big: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, k: int,
                blocks: int) -> np.ndarray:
    """Forecasts on issue ``k`` (blocks x draws) of ``blocks`` stacked candidates (:func:`read_stacked`);
    for the war model the terms of the draws that end in a deal, NaN in the others (:func:`reading`)."""
    return read_stacked(spec, big, opts, seq, blocks, reading(spec, k))


def reading(spec: ModelSpec, k: int) -> Callable[[Any], np.ndarray]:
    """What a candidate's forecast on issue ``k`` is, one value per draw (:meth:`ModelSpec.read`): the
    model's forecast; for the war model the terms *given a deal* (NaN where the war ends otherwise),
    as ``detente run``'s bottom line reads it. A military victory is not a negotiated outcome, and
    pooling it with deals moved "the forecast" by changing how often the war is won, not the terms."""
    return lambda traj: spec.read(traj)[:, k]


def evaluate(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, k: int,
             cands: list[tuple[int, str, float]], respond: bool = True,
             progress: Progress | None = None, done: int = 0, total: int = 0,
             shift_from: Present | None = None) -> np.ndarray:
    """Forecasts on issue ``k`` (candidates, draws) of every candidate; each chunk is one model call.
    Every candidate gets the same input and model random numbers, so (with ``shift_from``, see
    :func:`apply`) a candidate at its present value gives the baseline forecast bit for bit."""
    D = arr.draws
    per = max(1, ROWS_PER_CALL // max(D, 1))
    out = []
    for lo in range(0, len(cands), per):
        part = cands[lo:lo + per]
        big = apply(arr, k, part, shift_from)
        if respond:
            f = run_stacked(spec, big, opts, seq, k, len(part))
        else:
            f = others_fixed(spec, big, opts, seq, k, arr, part, shift_from)
        out.append(_enough_deals(spec, f.reshape(len(part), D)))
        if progress is not None:
            progress(done + lo + len(part), total or len(cands))
    return np.concatenate(out) if out else np.empty((0, D))


def _enough_deals(spec: ModelSpec, f: np.ndarray) -> np.ndarray:
    """War candidates (rows of terms given a deal, NaN elsewhere) with fewer than :data:`MIN_DEALS`
    deals get no forecast (all NaN); other models' rows as they are."""
    if spec.given is None:
        return f
    return np.where((np.isfinite(f).sum(axis=1) < MIN_DEALS)[:, None], np.nan, f)


def others_fixed(spec: ModelSpec, big: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, k: int,
                 base: ScenarioArrays, cands: list[tuple[int, str, float]],
                 shift_from: Present | None = None) -> np.ndarray:
    """The naive answer for comparison (bdm): every actor stays where the unchanged run left it, the
    changed actor moved by its change of position (to its announced position without ``shift_from``);
    the model's read-out (weighted median or mean) of those positions with the changed weights. So
    no change gives the unchanged forecast; and when that run ends with every actor at one position
    (a consensus), a weighted median moves only for an actor holding more than half the weight."""
    from detente.models.kernels import weighted_mean, weighted_median

    if spec.name != "bdm":
        raise ValueError("others_fixed is defined for the bdm model")
    final = spec.run(base, opts, np.random.default_rng(seq)).positions[:, -1]  # (D, I, N)
    D = base.draws
    x = np.tile(final, (len(cands), 1, 1))
    for v, (a, attr, val) in enumerate(cands):
        if attr == "position":
            now = None if shift_from is None else float(shift_from[0][a])
            x[v * D:(v + 1) * D, k, a] = moved(final[:, k, a], val, now, base.scale_min[k], base.scale_max[k])
    w = (big.capability * big.salience * big.present[None])[:, k]
    pres = np.broadcast_to(big.present[None, k], w.shape)
    xk = x[:, k]
    if opts.readout == "median":
        return weighted_median(np.where(pres, xk, np.inf), w)
    return weighted_mean(xk, w)


# ---------------------------------------------------------------------------------------------
# the searches


def _grid(attr: str, lo: float, hi: float, n: int) -> np.ndarray:
    if attr == "capability":
        return np.geomspace(CAP_FACTORS[0], CAP_FACTORS[1], n)
    return np.linspace(lo, hi, n)


def _size(attr: str, val: float, x0: float, s0: float, c0: float, ctot: float, span: float) -> float:
    if attr == "position":
        return abs(val - x0) / span
    if attr == "salience":
        return abs(val - s0)
    return abs(val - 1.0) * c0 / ctot if ctot > 0 else abs(val - 1.0)


def default_draws(model: str) -> int:
    """Draws per candidate when none are given: :data:`DRAWS`; smp and exchange :data:`DRAWS_SLOW`;
    war :data:`DRAWS_WAR`.

    >>> default_draws("mean"), default_draws("exchange"), default_draws("war")
    (100, 20, 50)
    """
    from detente.models import registry

    name = registry.get(model).name
    return DRAWS_WAR if name == "war" else DRAWS_SLOW if name in SLOW else DRAWS


def _summary(f: np.ndarray) -> tuple[float, float, float]:
    p10, med, p90 = q(f)
    return float(med), float(p10), float(p90)


def levers(
    scenario: Scenario,
    model: str,
    issue: str,
    *,
    target: float | None = None,
    actor: str | None = None,
    draws: int | None = None,
    seed: int = DEFAULT_SEED,
    options: dict[str, Any] | None = None,
    variant: str | None = None,
    grid: int | None = None,
    refine: int = REFINE,
    tolerance: float = 0.005,
    respond: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """What would move the forecast on ``issue``: ``target`` (each actor's smallest change to reach it)
    or ``actor`` (the announcement that brings the outcome closest to that actor's ideal).

    ``respond=False`` (bdm only) evaluates the naive answer instead: the other actors held where the
    unchanged run left them (:func:`others_fixed`). ``levers`` lists only real changes (see the module
    docstring); ``no_lever`` the attributes without one, ``message`` why ``levers`` is empty. ``draws`` defaults to 100 per candidate (smp and
    exchange 20, war 50, :func:`default_draws`) and ``grid`` to 21 values (smp, exchange and war 11). For the
    war model the forecasts are the terms given a deal (``given``; :func:`reading`).
    Same inputs and seed give the same answer bit for bit."""
    from detente.models import registry
    from detente.runner import check_count, check_model_name, check_seed, revalidate

    scenario = revalidate(scenario)  # also refuses anything but a Scenario
    check_model_name(model, "levers")
    seed = check_seed(seed)
    if draws is not None:
        draws = check_count(draws, "draws", most=1_000_000)
    if grid is not None:
        grid = check_count(grid, "grid", least=3, most=MAX_GRID)
    refine = check_count(refine, "refine", least=2, most=MAX_GRID)
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float, np.number))
                               or not np.isfinite(target)):
        raise InputError.one(None, "the target must be a number on the issue's scale", field="target", value=target)
    k_full = check_request(scenario, issue, target, actor)

    slow = registry.get(model).name in SLOW
    draws = draws if draws is not None else default_draws(model)
    grid = grid if grid is not None else (GRID_SLOW if slow else GRID)
    steps = BISECT_SLOW if slow else BISECT
    spec, opts, arr, seq = run_inputs(scenario, model, draws=draws, seed=seed, options=options, variant=variant)
    if not respond and spec.name != "bdm":
        raise InputError.one(None, "holding the other actors fixed is defined for the bdm model only",
                             field="respond", value=spec.name)
    if spec.multi_issue:
        k = k_full
    else:  # issues do not interact: run the one issue only
        arr, k = only_issue(arr, k_full), 0
    point = ScenarioArrays.from_scenario(scenario)
    iss = scenario.issues[k_full]
    lo_s, hi_s = float(iss.scale.min), float(iss.scale.max)
    span = hi_s - lo_s if hi_s > lo_s else 1.0
    base_f = evaluate(spec, arr, opts, seq, k, [(0, "capability", 1.0)], respond)[0]
    base = _summary(base_f)
    head = {
        "scenario": scenario.name, "model": spec.name, "variant": variant, "options": opts.model_dump(mode="json"),
        "version": __version__, "input_sha256": scenario_hash(scenario),
        "issue": issue, "draws": arr.draws, "seed": int(seed),
        "forecast_now": r(base[0]), "interval_now": [r(base[1]), r(base[2])] if arr.draws > 1 else None,
        "others_respond": respond,
        "given": spec.given,
    }
    if spec.name == "war" and scenario.war is not None:  # the same question on the war inputs
        from detente.explain.war import war_levers

        head["war"] = war_levers(scenario, draws=max(draws, 100), seed=seed, options=options,  # P(deal): >= 100 draws
                                variant=variant)
    if spec.given is not None and not np.isfinite(base[0]):  # war: too few deals now to read terms from
        why = NO_DEAL_NOW.format(min=MIN_DEALS, draws=arr.draws)
        if actor is not None:
            raise InputError.one(scenario.meta.get("file"), why, field="actor", value=actor)
        return {**head, "target": float(target), "tolerance": r(tolerance * span), "levers": [], "no_lever": [],
                "evaluations": 1, "message": why}
    if actor is not None:
        return {**head, "actor": actor,
                **_announce(spec, arr, opts, seq, k, k_full, point, actor, lo_s, hi_s, span, base, grid, refine,
                            respond, progress)}
    assert target is not None
    tol = tolerance * span
    present = [a for a in range(arr.n_actors) if point.present[k_full, a]]
    ctot = float(point.capability[0, k_full, present].sum())
    keys: list[tuple[int, str]] = [(a, attr) for a in present for attr in ATTRIBUTES]
    grids: list[np.ndarray] = []
    for a, attr in keys:
        now = _now(point, k_full, a, attr)
        g = _grid(attr, lo_s, hi_s, grid) if attr == "position" else _grid(attr, 0.0, 1.0, grid)
        grids.append(np.unique(np.append(g, now)))  # the present value too: brackets next to it
    cands = [(a, attr, float(v)) for (a, attr), g in zip(keys, grids) for v in g]
    total = len(cands) + len(keys) * refine
    shift_from = (point.position[0, k_full], point.salience[0, k_full])  # a change moves every draw
    f1 = evaluate(spec, arr, opts, seq, k, cands, respond, progress, 0, total, shift_from=shift_from)
    meds = np.array([_summary(f)[0] for f in f1])
    pools: list[list[tuple[float, np.ndarray]]] = []
    brackets: dict[int, dict[str, Any]] = {}  # key -> the refinement still to do
    at = 0
    for n, (a, attr) in enumerate(keys):
        vals = grids[n]
        f_n, d = f1[at:at + vals.size], meds[at:at + vals.size] - target
        at += vals.size
        sizes = np.array([_size(attr, v, *_base(point, k_full, a), ctot, span) for v in vals])
        pools.append([(float(v), f) for v, f in zip(vals, f_n)])
        reach = np.abs(d) <= tol
        best_reach = float(sizes[reach].min()) if reach.any() else np.inf
        sign = np.sign(d)
        cross = [m for m in range(vals.size - 1) if sign[m] * sign[m + 1] < 0
                 and min(sizes[m], sizes[m + 1]) < best_reach]
        if cross:  # the crossing nearest to the present value: bisect on F(v) = target
            m = min(cross, key=lambda m: min(sizes[m], sizes[m + 1]))
            near, far = (m, m + 1) if sizes[m] <= sizes[m + 1] else (m + 1, m)
            brackets[n] = {"mode": "root", "a": float(vals[near]), "b": float(vals[far]), "d_a": float(d[near])}
        elif reach.any():  # the first grid value that reaches: bisect toward the present value
            g = int(np.flatnonzero(reach)[np.argmin(sizes[reach])])
            nb = [m for m in (g - 1, g + 1) if 0 <= m < vals.size and sizes[m] < sizes[g]]
            if nb:
                brackets[n] = {"mode": "edge", "a": float(vals[nb[0]]), "b": float(vals[g]), "f_b": f_n[g]}
        else:  # nothing reaches: refine around the closest grid value
            g = int(np.lexsort((sizes, np.abs(d)))[0])
            lo_v, hi_v = vals[max(g - 1, 0)], vals[min(g + 1, vals.size - 1)]
            space = np.geomspace if attr == "capability" else np.linspace
            brackets[n] = {"mode": "grid", "values": space(max(lo_v, 1e-12) if attr == "capability" else lo_v,
                                                            hi_v, refine)}
    extra = [(n, b["values"]) for n, b in brackets.items() if b["mode"] == "grid"]
    if extra:
        c2 = [(*keys[n], float(v)) for n, vs in extra for v in vs]
        f2 = evaluate(spec, arr, opts, seq, k, c2, respond, shift_from=shift_from)
        pos_ = 0
        for n, vs in extra:
            for v in vs:
                pools[n].append((float(v), f2[pos_]))
                pos_ += 1
            del brackets[n]
    evals = len(cands) + sum(len(vs) for _, vs in extra) + 1
    for it in range(steps):  # every bracket at once: one model call per step
        if not brackets:
            break
        order = list(brackets)
        mids = []
        for n in order:
            b = brackets[n]
            mids.append(float(np.sqrt(b["a"] * b["b"])) if keys[n][1] == "capability" else (b["a"] + b["b"]) / 2)
        fm = evaluate(spec, arr, opts, seq, k, [(*keys[n], v) for n, v in zip(order, mids)], respond,
                      shift_from=shift_from)
        evals += len(order)
        for n, v, f in zip(order, mids, fm):
            b = brackets[n]
            dm = _summary(f)[0] - target
            last = it == steps - 1 or abs(b["b"] - b["a"]) <= 1e-12 * max(1.0, abs(v))
            if b["mode"] == "root":
                if dm == 0 or last:
                    pools[n].append((v, f))
                    del brackets[n]
                    continue
                if np.sign(dm) == np.sign(b["d_a"]):
                    b["a"], b["d_a"] = v, dm
                else:
                    b["b"] = v
            else:
                if abs(dm) <= tol:
                    b["b"], b["f_b"] = v, f
                else:
                    b["a"] = v
                if last:
                    pools[n].append((b["b"], b["f_b"]))
                    del brackets[n]
        if progress is not None:
            progress(min(total, len(cands) + (it + 1) * len(keys) * refine // steps), total)
    rows, none = [], []
    for n, (a, attr) in enumerate(keys):
        x0, s0, c0 = _base(point, k_full, a)
        lever = pick(pools[n], lambda v: _size(attr, v, x0, s0, c0, ctot, span), _now(point, k_full, a, attr),
                     base_f, target, tol)
        if lever is None:
            none.append({"actor": scenario.actor_ids[a], "attribute": attr})
        else:
            rows.append(_row(scenario.actor_ids[a], attr, (x0, s0, c0), *lever, target, tol, arr.draws))
    rows.sort(key=lambda x: (not x["reaches_target"], x["size"] if x["reaches_target"] else x["distance_to_target"],
                             x["size"]))
    for n, row in enumerate(rows, 1):
        row["rank"] = n
    return {**head, "target": float(target), "tolerance": r(tol),
            "size_of_change": "position: |change| / scale range; salience: |change|; capability: |change| / sum of "
                              "all actors' capabilities on the issue",
            "evaluations": evals, "levers": rows, "no_lever": none,
            "message": None if rows else _no_lever_message(issue, target, base[0], respond, spec, arr, opts, seq, k)}


def pick(pool: list[tuple[float, np.ndarray]], size_of: Callable[[float], float], now: float, base_f: np.ndarray,
         target: float, tol: float) -> tuple[float, np.ndarray, float] | None:
    """The lever among the evaluated ``(value, forecasts)`` of one actor's attribute: (value, forecasts, size).

    If the forecast now already meets the target, no change (``now``, the baseline). Else the smallest
    change that reaches the target, or failing that the change that brings the forecast closest to it;
    a change smaller than :data:`MIN_SIZE` is no change, and one that brings the forecast no closer
    than it is now is no lever: ``None``."""
    miss_now = abs(_summary(base_f)[0] - target)
    if miss_now <= tol:
        return now, base_f, 0.0
    best: tuple[tuple[int, float, float], float, np.ndarray, float] | None = None
    if not np.isfinite(miss_now):  # no forecast now (war: no draw ends in a deal): nothing to move
        return None
    for val, f in pool:
        size, miss = size_of(val), abs(_summary(f)[0] - target)
        if not np.isfinite(miss) or size < MIN_SIZE or miss >= miss_now - MIN_SIZE * tol:
            continue  # (war: a change after which no draw ends in a deal has no terms to compare)
        key = (0, size, miss) if miss <= tol else (1, miss, size)
        if best is None or key < best[0]:
            best = (key, val, f, size)
    return None if best is None else best[1:]


def _row(actor: str, attr: str, base: tuple[float, float, float], val: float, f: np.ndarray, size: float,
         target: float, tol: float, draws: int) -> dict[str, Any]:
    """One row of ``levers[]`` (without its rank)."""
    x0, s0, c0 = base
    med, p10, p90 = _summary(f)
    miss = abs(med - target)
    old = {"position": x0, "salience": s0, "capability": c0}[attr]
    new = val * c0 if attr == "capability" else val
    return {"actor": actor, "attribute": attr, "from": r(old), "to": r(new), "change": r(new - old),
            "factor": r(val) if attr == "capability" else None, "size": r(size), "reaches_target": bool(miss <= tol),
            "forecast": r(med), "interval": [r(p10), r(p90)] if draws > 1 else None, "distance_to_target": r(miss)}


def _no_lever_message(issue: str, target: float, now: float, respond: bool, spec: ModelSpec, arr: ScenarioArrays,
                      opts: Options, seq: np.random.SeedSequence, k: int) -> str:
    """Why ``levers[]`` is empty: no single change moves the forecast toward the target."""
    text = (f"no single change of one actor's position, salience or capability moves the forecast on {issue} "
            f"toward {target:g} (it stays at {now:.4g})")
    if respond:
        return text
    text += " with the other actors held where the unchanged run left them"
    final = spec.run(arr, opts, np.random.default_rng(seq)).positions[:, -1, k][:, arr.present[k]]
    agree = int((np.ptp(final, axis=1) <= 1e-9 * max(1.0, float(np.abs(final).max()))).sum())
    if agree:
        text += (f"; {agree} of {arr.draws} draws of that run end with every actor at one position, where a change "
                 f"of weight moves nothing and one actor's move needs more than half the weight")
    return text


def _base(point: ScenarioArrays, k: int, a: int) -> tuple[float, float, float]:
    """(position, salience, capability) of actor ``a`` on issue ``k`` at the point values."""
    return float(point.position[0, k, a]), float(point.salience[0, k, a]), float(point.capability[0, k, a])


def _now(point: ScenarioArrays, k: int, a: int, attr: str) -> float:
    x0, s0, _ = _base(point, k, a)
    return {"position": x0, "salience": s0, "capability": 1.0}[attr]


def _announce(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, k: int,
              k_full: int, point: ScenarioArrays, actor: str, lo_s: float, hi_s: float, span: float,
              base: tuple[float, float, float], grid: int, refine: int, respond: bool,
              progress: Progress | None) -> dict[str, Any]:
    """The position (and salience) ``actor`` should announce to bring the outcome closest to its ideal."""
    a = point.actor_ids.index(actor)
    ideal = float(point.position[0, k_full, a])
    s0 = float(point.salience[0, k_full, a])
    xs = np.linspace(lo_s, hi_s, max(grid, 21))
    ss = sorted({s0, 0.25, 0.5, 0.75, 1.0})
    pairs = [(ideal, s0)] + [(float(x), s) for s in ss for x in xs]  # first: announcing the ideal itself
    total = len(pairs) + refine
    f1 = _eval_pairs(spec, arr, opts, seq, k, a, pairs, respond, progress, 0, total)
    med1 = np.array([_summary(f)[0] for f in f1])
    cost = _finite_or_inf(np.abs(med1 - ideal))  # war: an announcement after which no deal is reached
    change = np.array([abs(x - ideal) / span + abs(s - s0) for x, s in pairs])
    g = int(np.lexsort((change, cost))[0])
    xg, sg = pairs[g]
    step = xs[1] - xs[0]
    fine = [(float(x), sg) for x in np.linspace(max(lo_s, xg - step), min(hi_s, xg + step), refine)]
    f2 = _eval_pairs(spec, arr, opts, seq, k, a, fine, respond, progress, len(pairs), total)
    allp = pairs + fine
    allf = list(f1) + list(f2)
    meds = np.array([_summary(f)[0] for f in allf])
    cost = _finite_or_inf(np.abs(meds - ideal))
    change = np.array([abs(x - ideal) / span + abs(s - s0) for x, s in allp])
    g = int(np.lexsort((change, cost))[0])
    same = [n for n in range(len(allp)) if allp[n][1] == s0]
    gs = same[int(np.lexsort((change[same], cost[same]))[0])]
    stay = abs(_summary(allf[0])[0] - ideal)

    def row(n: int) -> dict[str, Any]:
        m, l10, l90 = _summary(allf[n])
        return {"position": r(allp[n][0]), "salience": r(allp[n][1]), "forecast": r(m),
                "interval": [r(l10), r(l90)] if arr.draws > 1 else None, "distance_to_ideal": r(abs(m - ideal)),
                "gain": r(stay - abs(m - ideal))}

    return {"ideal": r(ideal), "salience_now": r(s0), "distance_now": r(stay), "announce_ideal": row(0),
            "best": row(g), "best_at_present_salience": row(gs),
            "gain": "reduction of |forecast - ideal| (issue units) against announcing the ideal itself",
            "evaluations": len(allp) + 1}


def _finite_or_inf(a: np.ndarray) -> np.ndarray:
    """``a`` with NaN as +inf: a candidate without a forecast is never the nearest."""
    return np.where(np.isnan(a), np.inf, a)


def _eval_pairs(spec: ModelSpec, arr: ScenarioArrays, opts: Options, seq: np.random.SeedSequence, k: int, a: int,
                pairs: list[tuple[float, float]], respond: bool, progress: Progress | None, done: int,
                total: int) -> np.ndarray:
    """Forecasts of (position, salience) announcements of actor ``a``: both changes in one stacked run."""
    D = arr.draws
    per = max(1, ROWS_PER_CALL // max(D, 1))
    out = []
    for lo in range(0, len(pairs), per):
        part = pairs[lo:lo + per]
        big = apply(arr, k, [(a, "position", x) for x, _ in part])
        sal = big.salience.copy()
        for v, (_, s) in enumerate(part):
            sal[v * D:(v + 1) * D, k, a] = s
        big = replace(big, salience=sal)
        if respond:
            f = run_stacked(spec, big, opts, seq, k, len(part))
        else:
            f = others_fixed(spec, big, opts, seq, k, arr, [(a, "position", x) for x, _ in part])
        out.append(_enough_deals(spec, f.reshape(len(part), D)))
        if progress is not None:
            progress(done + lo + len(part), total)
    return np.concatenate(out)
