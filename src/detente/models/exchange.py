"""Stokman's exchange model, Equal-Gain variant (``neighbours.md`` §1.3), seeded and reproducible.

Each round: the expected outcome (``mds``) of every issue is the capability x salience weighted
mean of the start positions (step 1); every pair of actors on opposite sides of the outcome on two
issues is a candidate exchange (steps 2-4) in which each gives way on its relatively less salient
issue at the equal-gain rate (steps 5-6); the exchange with the largest gain is realised, the
exchanges it affects are recomputed, and so on until none is left (step 7); the round's forecast
is the outcome of the voting positions (step 8); actors who exchanged move their start position
toward their voting position by ``(1 - s) * salience_weight + fixed_weight`` (step 9). With
``randomize_p > 0`` the exchange rate is drawn at random around the equal-gain rate (REX, step 10).

Unlike Decide, ties between equal gains are broken with the run's seeded generator, so the same
seed gives the same run bit for bit: each draw d has its own stream, ``np.random.default_rng(seed_d)``
with ``seed_d`` drawn once from the run's generator, consumed (in Numba) by draw d's tie coins and
REX draws only, so results do not depend on chunking or on how many draws run together.

Implementation: per round, the candidates of every draw are built at once in NumPy
(:func:`~detente.models.exchange_arrays.candidates`); the sequential realise-largest/recompute
loop runs in one of two implementations with the same numbers bit for bit: compiled (Numba, all
draws in one call, :func:`~detente.models.exchange_kernels.realise_round`) or in NumPy
(:mod:`~detente.models.exchange_numpy`, which needs no compilation); :func:`use_compiled` picks
the faster for the work at hand. Outcomes, voting positions and drift (steps 1, 8, 9) are NumPy
over all draws. Positions are
rescaled to 0-100 per issue, like Decide, and mapped back to each issue's scale for output.

Documented choices (where Decide's behaviour is kept, §1.3 step 6-7):

* a candidate is dropped when a move is at most 1e-10 or above 100, leaves [0, 100], when the sum
  of the actor's moves on that issue in the round exceeds 100 or they change direction, or when
  its gain is below 1e-10; a move that would push the outcome past the partner's own position is
  truncated so that the outcome lands on it, and the partner's move is recomputed;
* when recomputing an exchange after another was realised, its actor's supply position becomes
  the realised voting position, and only the moves that the *demanding* actor itself obtained on
  an issue enter the outcome used for that truncation (Decide's "updates");
* a tie is two top gains within 1e-12 (relative); the seeded coin decides which comes first and,
  as in Decide, the loser stays in the list (twice if it lost the coin: it is then recomputed twice).
  Like Decide, only the top two of the stably sorted list are compared, so the list order among
  *mathematically equal* gains matters; it is set by rounding noise (float64 ulps here, the 28th
  digit of Decide's Decimals there). This is the only known difference from Decide: with Decide's
  coins, round 1 agrees on 47 of 48 exchanges on Copenhagen and, after inverting the one coin
  whose candidates the two programs list in opposite order, on all 126 on COP21 (tests). Option
  ``rank_rtol`` (e.g. 1e-12) ranks gains equal up to that relative difference as equal, keeping
  their list order as Decide's exact Decimals mostly do (Copenhagen: all 48 for 8 seeds); it cannot
  reproduce orders that Decide itself takes from last-digit Decimal rounding (COP21, 116th).
* REX (``randomize_p > 0``): one of the two actors (u < 0.5: the first) gets ``eu + p z (eu_max - eu)``
  (v < 0.5) or ``eu - p z eu``, where ``eu_max`` is its gain when the partner's gain is zero; its
  own move is recomputed at the partner's unchanged move (capped at the partner's position). This
  follows the spec's description; Decide's own REX code differs in detail.
* externalities of an exchange for a third actor with stances on both issues:
  ``s_p (|O_p - x_p| - |O'_p - x_p|) + s_q (|O_q - x_q| - |O'_q - x_q|)`` (positive = it gains).
* degenerate inputs (``docs/models.md``): an issue on which no actor has both positive capability
  and salience has no expected outcome (0/0) and is refused up front (``needs_weight``,
  :func:`detente.models.base.check_degenerate`); one actor or identical positions: no exchange,
  that position.

>>> from detente.scenario.model import Scenario
>>> from detente.runner import run
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
...     "issues": [{"id": "x"}, {"id": "y"}], "stances": [
...     {"actor": "A", "issue": "x", "position": 0, "salience": 0.9},
...     {"actor": "A", "issue": "y", "position": 0, "salience": 0.2},
...     {"actor": "B", "issue": "x", "position": 100, "salience": 0.2},
...     {"actor": "B", "issue": "y", "position": 100, "salience": 0.9},
...     {"actor": "C", "issue": "x", "position": 50, "salience": 0.5},
...     {"actor": "C", "issue": "y", "position": 50, "salience": 0.5}]})
>>> r = run(s, "exchange", options={"rounds": 1})
>>> [(e["actor_i"], e["supply_issue_i"], e["actor_j"], e["supply_issue_j"]) for e in r.trajectory.extras["exchanges"][0]]
[('A', 'y', 'B', 'x')]
"""

from __future__ import annotations

from typing import Any, Callable, TYPE_CHECKING

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
    from detente.scenario.arrays import ScenarioArrays
else:
    np = lazy_module(globals(), "np", "numpy")

from pydantic import Field

from detente.models.base import ModelSpec, Options, Trajectory, registry

# The Numba kernels (detente.models.exchange_kernels) are imported by the functions that run them,
# so that listing the model or validating its options does not import Numba.

__all__ = ["ExchangeOptions", "exchange_model", "simulate", "replay_round", "use_compiled"]


class ExchangeOptions(Options):
    rounds: int = Field(10, ge=1, le=1000, description="rounds ('iterations' in Decide)")
    salience_weight: float = Field(0.4, ge=0, le=1, description="drift weight on (1 - salience), Decide's SALIENCE_WEIGHT")
    fixed_weight: float = Field(0.1, ge=0, le=1, description="fixed drift weight, Decide's FIXED_WEIGHT")
    randomize_p: float = Field(0.0, ge=0, le=1, description="REX randomisation of the exchange rate (0 = equal gain)")
    rank_rtol: float = Field(0.0, ge=0, le=1e-6, description=(
        "gains equal up to this relative difference keep their list order when ranked (0 = exact "
        "float order; 1e-12 mimics Decide's Decimal arithmetic, see module notes)"))


COMPILE_SECONDS = 11
"""CPU seconds the first compile of the exchange kernels takes on the machine of
:data:`detente.jit.PROBE_REFERENCE` (the notice scales it to the machine it runs on); cached afterwards."""


NUMPY_WORK_CACHED = 12_000
"""Candidate-rounds (candidates x draws x rounds) up to which the NumPy round runs although the
compiled kernels are cached: about the work the NumPy round does (~65 us per candidate-round on the
reference machine, COP21 ~0.11 s a round) in the time Numba needs to start in a process (its
import, registries and cache load, ~0.8 s; the compiled round then takes ~4 us per candidate-round)."""

NUMPY_WORK_UNCOMPILED = 150_000
"""Candidate-rounds up to which the NumPy round runs when the kernels would first have to compile
(``COMPILE_SECONDS``): less work than that takes less time in NumPy than compiling."""

_numpy_work = 0  # candidate-rounds run in NumPy in this process: past the limits, compile once


def use_compiled(work: int, rank_rtol: float = 0.0) -> bool:
    """Whether ``work`` candidate-rounds run in the compiled kernels (else in NumPy; the same
    numbers either way). Compiled when already compiled in this process, when the NumPy work of the
    process would pass :data:`NUMPY_WORK_CACHED` and the kernels are cached, or
    :data:`NUMPY_WORK_UNCOMPILED` when they are not; ``rank_rtol > 0`` runs compiled only.

    >>> use_compiled(1_000, rank_rtol=1e-12)  # ranking with a tolerance is in the kernels only
    True
    """
    import sys

    if rank_rtol > 0:
        return True
    done = _numpy_work + work
    kernels = sys.modules.get("detente.models.exchange_kernels")
    if kernels is not None and kernels._realise_all.signatures:
        return True
    if done <= NUMPY_WORK_CACHED:  # decided before Numba is imported: that alone costs ~0.35 s
        return False
    from detente.jit import is_cached
    from detente.models.exchange_kernels import _realise_all

    return is_cached(_realise_all) or done > NUMPY_WORK_UNCOMPILED


def _realise_round(compiled: bool, x: np.ndarray, s: np.ndarray, cand: dict[str, np.ndarray], p_rex: float,
                   states: np.ndarray, coins: np.ndarray | None, rank_rtol: float) -> dict[str, np.ndarray]:
    """One round's realisations (§1.3 steps 5-8) for every draw, compiled or in NumPy."""
    global _numpy_work
    if not compiled:
        from detente.models.exchange_numpy import realise_round

        _numpy_work += int(cand["I"].size)
        return realise_round(x, s, cand, p_rex, states, coins)
    from detente.jit import compiling
    from detente.models.exchange_kernels import _realise_all, realise_round

    with compiling(_realise_all, "exchange-model kernels", seconds=COMPILE_SECONDS):
        return realise_round(x, s, cand, p_rex, states, coins, rank_rtol)


def _scale(arr: ScenarioArrays) -> tuple[np.ndarray, np.ndarray]:
    return arr.scale_min[:, None], (arr.scale_max - arr.scale_min)[:, None] / 100.0


DRAWS_PER_PASS = 2_000
"""Draws a pass of the rounds loop takes at most: a large run goes through its draws in passes
(each draw's numbers do not depend on which pass it is in), which bounds the round's candidate
buffers and lets the run report its progress after each pass."""


def exchange_model(arr: ScenarioArrays, options: ExchangeOptions, rng: np.random.Generator,
                   progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run ``options.rounds`` rounds of the exchange model for every draw; ``progress(done_draws,
    draws)`` is called after each pass of :data:`DRAWS_PER_PASS` draws."""
    return simulate(arr, options, rng, progress=progress)


def simulate(arr: ScenarioArrays, options: ExchangeOptions, rng: np.random.Generator,
             coins: np.ndarray | None = None, progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """:func:`exchange_model`, optionally with given random numbers ``coins`` (draws, n) in place
    of the per-draw streams (to replay another program's tie coins across rounds).

    >>> from detente.scenario.arrays import ScenarioArrays
    >>> from detente.scenario.model import Scenario
    >>> st = [{"actor": a, "issue": i, "position": x, "salience": v} for a, i, x, v in [
    ...     ("A", "x", 0, .9), ("A", "y", 0, .2), ("B", "x", 100, .2), ("B", "y", 100, .9)]]
    >>> arr = ScenarioArrays.from_scenario(Scenario.model_validate({"name": "t", "actors": [{"id": "A"},
    ...     {"id": "B"}], "issues": [{"id": "x"}, {"id": "y"}], "stances": st}))
    >>> tr = simulate(arr, ExchangeOptions(rounds=1), np.random.default_rng(0), coins=np.zeros((1, 5)))
    >>> tr.series["mds"][0, 0].round(2).tolist(), tr.series["voting"][0, 1].round(2).tolist()
    ([18.18, 81.82], [0.0, 100.0])
    """
    D, n_i, n_a = arr.position.shape
    T = options.rounds
    lo, step = _scale(arr)
    seeds = rng.integers(0, 2**63 - 1, size=D)  # one independent stream per draw
    x0 = (arr.position - lo) / step
    positions = np.empty((D, T + 1, n_i, n_a))
    mds = np.full((D, T + 1, n_i), np.nan)
    voting = np.full((D, T + 1, n_i), np.nan)
    extras: dict[str, Any] = {}
    compiled: bool | None = None  # decided on the first pass's candidates, for the whole run
    for a in range(0, D, DRAWS_PER_PASS):
        part = slice(a, min(D, a + DRAWS_PER_PASS))
        compiled = _rounds(x0[part], arr.salience[part], arr.capability[part], arr.present, seeds[part],
                           None if coins is None else coins[part], options, compiled, D,
                           positions[part], mds[part], voting[part],
                           (extras, arr, lo, step) if D == 1 else None)
        if progress is not None:
            progress(part.stop, D)
    to_native = lambda v: lo[:, 0] + v * step[:, 0]  # noqa: E731
    return Trajectory(
        forecast=to_native(voting[:, T]),
        positions=lo + positions * step,
        series={"mds": to_native(mds), "voting": to_native(voting)},
        readout="voting",  # step 8: the forecast is the outcome of the voting positions
        rounds=np.full(D, T),
        stopped_by=np.array(["max_rounds"] * D),
        extras=extras,
    )


def _rounds(x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray, seeds: np.ndarray,
            coins: np.ndarray | None, options: ExchangeOptions, compiled: bool | None, draws: int,
            positions: np.ndarray, mds: np.ndarray, voting: np.ndarray,
            report: tuple[dict[str, Any], ScenarioArrays, np.ndarray, np.ndarray] | None) -> bool:
    """All rounds for one pass of draws (positions ``x`` on 0-100), written into ``positions``,
    ``mds`` and ``voting`` (views of the run's arrays). ``compiled``: the implementation chosen on
    the run's first pass (``None``: choose it here, for ``draws`` draws in all); returns it.
    ``report``: the one-draw run's exchanges and externalities go into its dict."""
    from detente.models.exchange_arrays import candidates, outcome, seed_states

    T = options.rounds
    states = seed_states(seeds)
    all_ex: list[list[dict[str, Any]]] = []
    all_ext: list[dict[str, Any]] = []
    a = (1 - s) * options.salience_weight + options.fixed_weight  # step 9 drift weight
    used = np.zeros(len(x), np.int64)
    for t in range(T):
        positions[:, t] = x
        cand = candidates(x, s, c, present)  # steps 1-4
        mds[:, t] = cand["O"]
        if t == 0:
            voting[:, 0] = cand["O"]
        given = None
        if coins is not None:  # each draw continues where its previous round stopped
            given = np.take_along_axis(coins, used[:, None] + np.arange(coins.shape[1] - used.max()), axis=1)
        if compiled is None:  # the first round's candidates tell the work: one implementation for the run
            compiled = use_compiled(int(cand["I"].size) * T * draws // len(x), options.rank_rtol)
        res = _realise_round(compiled, x, s, cand, options.randomize_p, states, given, options.rank_rtol)  # steps 5-8
        used += res["coins_used"]
        y = res["y"]
        voting[:, t + 1] = outcome(cand["w"], y)
        if report is not None:
            _, arr, lo, step = report
            all_ex.append(_report(cand, res, t, arr, lo, step))
            all_ext.append(_externalities(cand, res, t, arr, x[0], s[0]))
        moved = y != x  # step 9: drift toward the voting position
        x = np.where(moved, (1 - a) * x + a * y, x)
        del cand, res, y, moved  # free this round's buffers before the next round's
    positions[:, T] = x
    mds[:, T] = outcome(c * s * present, x)
    if report is not None:
        report[0].update(exchanges=all_ex, externalities=all_ext)
    return bool(compiled)


def replay_round(x: np.ndarray, s: np.ndarray, c: np.ndarray, present: np.ndarray, *,
                 coins: np.ndarray | None = None, seed: int = 0, randomize_p: float = 0.0,
                 rank_rtol: float = 0.0) -> dict[str, np.ndarray]:
    """One round on one set of inputs (issues, actors; positions on 0-100), for checks.

    ``coins`` replaces the random stream (e.g. another program's tie-breaking numbers); otherwise
    the stream is ``default_rng(seed)``. Returns, per realised exchange in order, ``I, J`` (actor
    indices), ``q, p`` (the supply issues of I and J), ``gain`` and the signed moves ``mI, mJ``.

    >>> x = np.array([[0., 100., 50.], [0., 100., 50.]]); s = np.array([[.9, .2, .5], [.2, .9, .5]])
    >>> r = replay_round(x, s, np.ones((2, 3)), np.ones((2, 3), bool))
    >>> r["I"].tolist(), r["J"].tolist(), r["q"].tolist(), r["p"].tolist()
    ([0], [1], [1], [0])
    """
    from detente.models.exchange_arrays import candidates, seed_states

    cand = candidates(x[None], s[None], c[None], present)
    states = seed_states(np.array([seed]))
    res = _realise_round(use_compiled(int(cand["I"].size), rank_rtol), x[None], s[None], cand, randomize_p, states,
                         None if coins is None else np.asarray(coins, dtype=float)[None], rank_rtol)
    k = res["k"][: res["n"][0]]
    f = res["f"][: res["n"][0]]
    return {"I": cand["I"][k], "J": cand["J"][k], "p": cand["p"][k], "q": cand["q"][k],
            "gain": f[:, 6], "mI": f[:, 1], "mJ": f[:, 3]}


def _report(cand: dict[str, np.ndarray], res: dict[str, np.ndarray], t: int, arr: ScenarioArrays,
            lo: np.ndarray, step: np.ndarray) -> list[dict[str, Any]]:
    A, Iss = arr.actor_ids, arr.issue_ids
    nat = lambda i, v: float(lo[i, 0] + v * step[i, 0])  # noqa: E731
    out = []
    for k, f in zip(res["k"][: res["n"][0]], res["f"][: res["n"][0]]):
        p, q = int(cand["p"][k]), int(cand["q"][k])
        xI, mI, xJ, mJ, gI, gJ = f[:6]
        out.append({
            "round": t + 1, "actor_i": A[cand["I"][k]], "actor_j": A[cand["J"][k]],
            "supply_issue_i": Iss[q], "supply_issue_j": Iss[p],
            "move_i": (nat(q, xI), nat(q, xI + mI)),
            "move_j": (nat(p, xJ), nat(p, xJ + mJ)),
            "gain_i": float(gI), "gain_j": float(gJ),
        })
    return out


def _externalities(cand: dict[str, np.ndarray], res: dict[str, np.ndarray], t: int, arr: ScenarioArrays,
                   x0: np.ndarray, s: np.ndarray) -> dict[str, Any]:
    """Gain (+) or loss (-) of third actors from the round's realised exchanges, per issue."""
    n_i, n_a = x0.shape
    ext = np.zeros((n_i, n_a))
    present = arr.present
    for k, f in zip(res["k"][: res["n"][0]], res["f"][: res["n"][0]]):
        p, q, I, J = cand["p"][k], cand["q"][k], cand["I"][k], cand["J"][k]
        third = present[p] & present[q]
        third[[I, J]] = False
        for r, n0, n1 in ((q, f[7], f[8]), (p, f[9], f[10])):  # O before/after I's move on q, J's on p
            xr = x0[r]
            ext[r] += np.where(third, (np.abs(n0 - xr) - np.abs(n1 - xr)) * s[r], 0.0)
    return {"round": t + 1, "actors": {
        arr.actor_ids[a]: {**{arr.issue_ids[i]: float(ext[i, a]) for i in range(n_i) if ext[i, a] != 0},
                           "total": float(ext[:, a].sum())}
        for a in range(n_a)}}


registry.register(ModelSpec(
    name="exchange",
    summary="Stokman's exchange model (equal gain, optional REX randomisation), seeded tie-breaking",
    options=ExchangeOptions,
    run=exchange_model,
    has_rounds=True,
    rounds_option="rounds",
    kept_rounds=lambda o: o.rounds + 1,
    needs_weight=True,
    stochastic=True,
    multi_issue=True,
    variants={"rex": {"randomize_p": 0.2}},
))
