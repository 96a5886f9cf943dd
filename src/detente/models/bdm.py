"""Bueno de Mesquita's expected-utility ("group decision") model as a configurable family.

Spec: ``bdm.md`` §1.2-1.5 (equation numbers are Scholz, Calbert & Smith 2011, ICAART). Each
issue is one-dimensional and independent; the model works on arrays (batch, actors) where the
batch is draws x issues flattened. Every batch row (problem) runs all its rounds in one compiled
Numba function (:mod:`detente.models.bdm_kernels`), problems in parallel; the working memory is
O(actors^2) per thread, so only the inputs and the trajectory itself scale with the batch. The
arithmetic follows the per-pair reference operation by operation (sums over actors in ascending
actor order), so exact ties between expected utilities resolve as there.

Variants (named option presets, :data:`VARIANTS`):

* ``scholz`` (default) - the paper's equations: eq. 31 pairwise-normalised win probabilities with
  linear votes, two-pass risk exponents (eq. 32-33), dyads classified as in Scholz §6 (conflict,
  compromise eq. 35/36, capitulation), least-movement offer choice (BDM 1997 pp. 251-252).
* ``jmckib`` - the open replication's quirks (§1.3 "Scholz-code" variant), kept to prove equality
  with it: votes with the voter's risk exponent, the global denominator of P, no capitulation
  (A13 dead branch), compromise chosen by the weighted-position key, king-of-the-hill median.

Decisions that are not options (documented here): A1 - the resisting actor's salience in a
challenge is the target's (every replication); A2 - moot, security is computed in the r = 1
pass; A3 - the compromise condition follows Scholz's figure (b > 0). A degenerate security spread
(max S = min S, where jmckib would divide by zero) gives R_i = 0, r_i = 1.

Degenerate inputs (``docs/models.md``): an issue on which no actor has both positive capability
and salience is refused up front (``needs_weight``, :func:`detente.models.base.check_degenerate`);
one actor or identical positions give that position.

>>> import numpy as np
>>> x = np.array([4., 7., 4., 4., 10., 10., 10., 7., 4., 7.])
>>> c = np.array([.08, .08, .03, .16, .16, .16, .16, .05, .05, .08])
>>> s = np.array([.8, .4, .2, .8, .6, .6, .9, .1, 1., .7])
>>> out = simulate(x[None], c[None], s[None], np.ones((1, 10), bool), np.array([6.]),
...                EUOptions(**VARIANTS["jmckib"]))
>>> np.round(out["median"][0, :4], 4).tolist()
[7.0, 8.4159, 9.6109, 9.962]
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Literal, TYPE_CHECKING, get_args

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
    from detente.scenario.arrays import ScenarioArrays
else:
    np = lazy_module(globals(), "np", "numpy")

from pydantic import Field

from detente.models.base import ModelSpec, Options, Trajectory, registry
from detente.models.kernels import weighted_median

CHUNK_ELEMENTS = 1 << 22
"""Default bound on batch x (rounds + 1) x actors per compiled call (32 MiB of float64 inputs/outputs)."""


class EUOptions(Options):
    """Every interpretive decision of ``bdm.md`` §1.5 (A4-A12) plus rounds and stopping."""

    Q: float = Field(1.0, ge=0.0, le=1.0, description=(
        "A10: probability that the status quo holds if i does not challenge j (eq. 7). Scholz's "
        "replication and BDM 1985 use 1.0 (then the mu/T branch drops out); BDM & Lalman 1986 use 0.5."))
    t_rule: Literal["closer", "one", "zero", "ignore"] = Field("closer", description=(
        "A10: T in eq. 7. 'closer': T = 1 iff |x_i - mu| < |x_i - x_j| (j moving to the median mu helps "
        "i; Scholz figs. 1-4, eum); 'one'/'zero': constant; 'ignore': drop the (1-Q) term (jmckib)."))
    risk: Literal["two_pass", "neutral"] = Field("two_pass", description=(
        "steps 8-10: 'two_pass' computes security with r = 1, then r_i from eq. 32-33 and recomputes; "
        "'neutral' keeps r = 1."))
    vote_utility: Literal["linear", "risk"] = Field("linear", description=(
        "utilities in the votes behind P: 'linear' (eq. 28, 31) or 'risk' = (|x_k - x|/R)^r_k with the "
        "voter's own risk exponent (jmckib)."))
    p_normalisation: Literal["pairwise", "net_floored", "global"] = Field("pairwise", description=(
        "A7: 'pairwise' eq. 31, P_i + P_j = 1 (0.5 when nobody prefers either); 'net_floored' "
        "max(0, net votes)/sum|votes| (Masad v1); 'global' divides by the sum of |votes| over all voters "
        "and all ordered pairs (jmckib / Scholz code)."))
    perspective: Literal["mover", "own"] = Field("mover", description=(
        "A11: 'mover': the actor who might move evaluates both E(i->j) and E(j->i) with its own r_i "
        "(BDM 1985 perception rule, jmckib); 'own': each EU with its challenger's own r (eum)."))
    conflict: Literal["full_move", "no_move"] = Field("full_move", description=(
        "A4: when both EUs are positive the weaker actor moves fully to the other ('full_move', Scholz, "
        "jmckib, eum) or nobody moves ('no_move', conflict with an uncertain outcome)."))
    capitulate: bool = Field(True, description=(
        "A13: i capitulates to x_j when E(j->i) > 0 > E(i->j) and |E(i->j)| >= E(j->i) (Scholz "
        "'Compel'). False reproduces jmckib, whose capitulation branch can never fire."))
    compromise: Literal["fraction", "weighted_average"] = Field("fraction", description=(
        "A6: compromise position: 'fraction' x_i + (x_j - x_i)|E(i->j)/E(j->i)| (eq. 35/36, jmckib) or "
        "'weighted_average' (|E_ij| x_i + |E_ji| x_j)/(|E_ij| + |E_ji|) (eum)."))
    offer_choice: Literal["least_move", "weighted_position", "highest_eu"] = Field("least_move", description=(
        "A5: which offer an actor accepts. Categories are preferred in the order conflict, compromise, "
        "capitulation; within one, 'least_move' takes the smallest move (BDM 1997, Scholz text, eum); "
        "'weighted_position' takes, among compromises, the lowest (|E_ij| x_i + |E_ji| x_j)/(|E_ij|+|E_ji|) "
        "(jmckib); 'highest_eu' concedes to the sender with the highest E(j->i). Ties: lowest actor index."))
    median: Literal["weighted_median", "king_of_the_hill"] = Field("weighted_median", description=(
        "A8: the median voter position mu (eq. 26-29): the lower capability x salience weighted median "
        "(= Condorcet winner in 1-D) or jmckib's king-of-the-hill search in actor order."))
    position_range: Literal["initial", "scale", "current"] = Field("initial", description=(
        "A9: R in the utilities: max - min of the initial positions, fixed for the run (jmckib, eum); "
        "the issue's scale; or recomputed from the current positions each round."))
    readout: Literal["median", "mean"] = Field("median", description=(
        "A12: the forecast read at the stopping round: median voter position or c*s weighted mean."))
    rounds: int = Field(10, ge=0, le=1000, description="number of rounds (the cap under 'converged').")
    stopping: Literal["fixed", "converged"] = Field("fixed", description=(
        "'fixed': run all rounds (Scholz); 'converged': stop an issue when its median moves less than "
        "tolerance for `patience` consecutive rounds (BDM 2002 prose; peer practice), or at the cap."))
    tolerance: float = Field(0.005, gt=0.0, description=(
        "convergence threshold on the median's move, as a fraction of the issue's scale range "
        "(0.005 = 0.5 on 0-100)."))
    patience: int = Field(2, ge=1, description="consecutive small moves needed to stop under 'converged'.")
    chunk_elements: int = Field(CHUNK_ELEMENTS, ge=1, description=(
        "batch x (rounds + 1) x actors elements per compiled call (bounds the contiguous input copies made "
        "per call; the kernel itself needs O(actors^2) memory per thread). Does not change results."),
        json_schema_extra={"computing": True})


VARIANTS: dict[str, dict[str, Any]] = {
    "scholz": {},
    "jmckib": {
        "Q": 1.0,
        "t_rule": "ignore",
        "vote_utility": "risk",
        "p_normalisation": "global",
        "perspective": "mover",
        "conflict": "full_move",
        "capitulate": False,
        "compromise": "fraction",
        "offer_choice": "weighted_position",
        "median": "king_of_the_hill",
        "position_range": "initial",
        "readout": "median",
    },
}


# ---------------------------------------------------------------------------------------------
# translation of the options for the compiled kernels


def kernel_options(opts: EUOptions) -> tuple[np.ndarray, np.ndarray]:
    """(iopt, fopt): the options as the integer / float codes of :mod:`detente.models.bdm_kernels`."""
    from detente.models.bdm_kernels import FOPT, IOPT  # Numba: imported when the model runs, not when listed

    codes = {name: list(get_args(EUOptions.model_fields[name].annotation)) for name in IOPT
             if get_args(EUOptions.model_fields[name].annotation)}
    iopt = np.empty(len(IOPT), dtype=np.int64)
    for k, name in enumerate(IOPT):
        value = getattr(opts, name)
        iopt[k] = codes[name].index(value) if name in codes else int(value)
    fopt = np.array([float(getattr(opts, name)) for name in FOPT] + [0.5])  # + HALF_SLOT
    return iopt, fopt


def round_internals(x: np.ndarray, c: np.ndarray, s: np.ndarray, present: np.ndarray | None = None,
                    R: np.ndarray | float | None = None, options: EUOptions | None = None,
                    keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """One round's internals per batch row: P1, E1, danger, R, r, P (pass 2), E_self, E_other, mu, new.

    Inputs may be 1-D (actors) or (batch, actors); ``R`` defaults to max - min of ``x``. Entries of
    absent actors are 0 (NaN in ``mu``/``new`` stay as computed). A diagnostic, not a hot path;
    ``keys`` keeps only those outputs (the others are not copied out, e.g. ``("r",)``).

    >>> out = round_internals(np.array([0., 1., 3.]), np.ones(3), np.ones(3))
    >>> round(float(out["P"][0, 0, 1]), 3)
    0.333
    """
    from detente.jit import compiling
    from detente.models.bdm_kernels import one_round

    opts = options or EUOptions()
    iopt, fopt = kernel_options(opts)
    x2, c2, s2 = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (x, c, s))
    B, N = x2.shape
    pres = np.ones_like(x2, dtype=bool) if present is None else np.atleast_2d(np.asarray(present, bool))
    Rv = None if R is None else np.broadcast_to(np.asarray(R, dtype=float), (B,))
    want = None if keys is None else set(keys)
    out = {k: np.zeros((B, N, N)) for k in ("P1", "E1", "P", "E_self", "E_other") if want is None or k in want}
    out.update({k: np.zeros((B, N)) for k in ("danger", "R", "r", "new")})
    out["mu"] = np.full(B, np.nan)
    from detente.models.bdm_kernels import simulate_batch

    seconds = DIAGNOSTICS_COMPILE_SECONDS[bool(simulate_batch.signatures)]  # its helpers compiled already?
    with compiling(one_round, "kernel of the expected-utility explanations", seconds=seconds):
        for b in range(B):
            idx = np.flatnonzero(pres[b])
            n = idx.size
            xb, sb = x2[b, idx].copy(), s2[b, idx].copy()
            wb = c2[b, idx] * sb
            Rb = float(Rv[b]) if Rv is not None else (float(np.ptp(xb)) if n and np.ptp(xb) > 0 else 1.0)
            mats = [np.zeros((n, n)) for _ in range(7)]
            g, num, P1, E1, P, Es, Eo = mats
            danger, Rr, r, new = (np.zeros(n) for _ in range(4))
            one_round(xb, wb, sb, Rb, iopt, fopt, True, g, num, P1, E1, danger, Rr, r, P, Es, Eo, new)
            if want is None or want & {"P1", "E1", "P", "E_self", "E_other"}:
                pair = np.ix_(idx, idx)
                for key, val in (("P1", P1), ("E1", E1), ("P", P), ("E_self", Es), ("E_other", Eo)):
                    if key in out:
                        out[key][b][pair] = val
            for key, val in (("danger", danger), ("R", Rr), ("r", r), ("new", new)):
                out[key][b, idx] = val
            if (want is None or "mu" in want) and opts.Q < 1.0 and opts.t_rule != "ignore":
                w_all = np.where(pres[b], c2[b] * s2[b], 0.0)
                out["mu"][b] = median_position(x2[b:b + 1], w_all[None], pres[b:b + 1], np.array([Rb]), opts.median)[0]
    if opts.risk != "two_pass":
        for key in ("P1", "E1", "danger", "R"):
            out.pop(key, None)
    return out if want is None else {k: v for k, v in out.items() if k in want}


def median_position(x: np.ndarray, w: np.ndarray, present: np.ndarray, R: np.ndarray, how: str) -> np.ndarray:
    """Median voter position mu per row of (batch, actors) (eq. 26-29 / A8).

    >>> median_position(np.array([[4., 7., 10.]]), np.ones((1, 3)), np.ones((1, 3), bool), np.array([6.]),
    ...                 "weighted_median").tolist()
    [7.0]
    """
    if how == "king_of_the_hill":
        from detente.jit import compiling
        from detente.models.bdm_kernels import king_of_the_hill

        with compiling(king_of_the_hill, "king-of-the-hill median", seconds=2):
            return king_of_the_hill(np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(w, dtype=float),
                                np.ascontiguousarray(present), np.ascontiguousarray(R, dtype=float))
    return weighted_median(np.where(present, x, np.inf), np.where(present, w, 0.0))


# ---------------------------------------------------------------------------------------------
# the run over rounds: one compiled call per block of the batch; large batches on several threads


def simulate(x: np.ndarray, c: np.ndarray, s: np.ndarray, present: np.ndarray, scale_range: np.ndarray,
             opts: EUOptions, progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Run the model on a batch (B, N) of independent problems (draw x issue rows). Returns positions
    (B, T+1, N), median and mean (B, T+1), rounds (B,) and converged (B,). Results do not depend on
    ``opts.chunk_elements`` nor on the number of threads. ``progress(done_rows, B)`` is called as
    blocks of rows finish."""
    x = np.asarray(x, dtype=float)
    B, N = x.shape
    T = opts.rounds
    iopt, fopt = kernel_options(opts)
    out = {
        "positions": np.empty((B, T + 1, N)),
        "median": np.empty((B, T + 1)),
        "mean": np.empty((B, T + 1)),
        "rounds": np.empty(B, dtype=np.int64),
        "converged": np.empty(B, dtype=np.bool_),
    }
    c = np.broadcast_to(np.asarray(c, dtype=float), x.shape)
    s = np.broadcast_to(np.asarray(s, dtype=float), x.shape)
    present = np.broadcast_to(np.asarray(present, dtype=bool), x.shape)
    scale_range = np.broadcast_to(np.asarray(scale_range, dtype=float), (B,))
    step = max(1, int(opts.chunk_elements) // max(N * (T + 1), 1))
    blocks = [(lo, min(B, lo + step)) for lo in range(0, B, step)]
    threads = _threads_for(B, N, T)
    if threads > 1:  # few large blocks, one per thread (the kernel releases the GIL)
        size = min(step, -(-B // threads))
        blocks = [(lo, min(B, lo + size)) for lo in range(0, B, size)]
    from detente.jit import compiling
    from detente.models.bdm_kernels import simulate_batch

    done = 0

    def finished(lo: int, hi: int) -> None:
        nonlocal done
        done += hi - lo
        if progress is not None:
            progress(done, B)

    with compiling(simulate_batch, "expected-utility kernels", seconds=COMPILE_SECONDS):
        _run_block(*blocks[0], x, c, s, present, scale_range, iopt, fopt, out)
    finished(*blocks[0])
    if len(blocks) > 1 and threads > 1:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=threads) as pool:
            running = {pool.submit(_run_block, lo, hi, x, c, s, present, scale_range, iopt, fopt, out): (lo, hi)
                       for lo, hi in blocks[1:]}
            for f in as_completed(running):  # reported from this thread, as each block ends
                f.result()
                finished(*running[f])
    else:
        for lo, hi in blocks[1:]:
            _run_block(lo, hi, x, c, s, present, scale_range, iopt, fopt, out)
            finished(lo, hi)
    return out


COMPILE_SECONDS = 8
"""CPU seconds the first compile of :func:`~detente.models.bdm_kernels.simulate_batch` takes on the machine of
:data:`detente.jit.PROBE_REFERENCE` (the notice scales it to the machine it runs on)."""

DIAGNOSTICS_COMPILE_SECONDS = (4, 1)
"""The same for :func:`~detente.models.bdm_kernels.one_round` called on its own (by
:func:`round_internals`, which the explanations use): 4 s in a process of its own, 1 s once
``simulate_batch`` compiled in the same process (their helpers are compiled then)."""

SERIAL_BELOW = 50_000
"""Batches with fewer problem-actor-rounds (B x N x (T + 1)) than this run in the calling thread: a
second thread does not pay for its start-up below it (a single problem takes ~0.1 ms)."""


def _threads_for(B: int, N: int, T: int) -> int:
    """How many threads to run a batch on: 1 below :data:`SERIAL_BELOW`, else Numba's thread count."""
    if B < 2 or B * N * (T + 1) < SERIAL_BELOW:
        return 1
    import numba

    return max(1, min(B, numba.get_num_threads()))


def _read_only(a: np.ndarray) -> np.ndarray:
    """``a`` C-contiguous and read-only. Numba compiles a kernel once per argument type, and
    read-only is part of the type: inputs that are sometimes views of broadcast arrays (read-only)
    and sometimes copies (writable) compiled every kernel twice (a first ``levers`` run after a
    cached ``run``: 6.9 s of CPU, 3.4 s now)."""
    v = np.ascontiguousarray(a).view()
    v.flags.writeable = False
    return v


def _run_block(lo: int, hi: int, x: np.ndarray, c: np.ndarray, s: np.ndarray, present: np.ndarray,
               scale_range: np.ndarray, iopt: np.ndarray, fopt: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Rows lo..hi of the batch in one compiled call (each row is independent of the others)."""
    from detente.models.bdm_kernels import simulate_batch

    simulate_batch(*(_read_only(a[lo:hi]) for a in (x, c, s, present, scale_range)), iopt, fopt,
                   out["positions"][lo:hi], out["median"][lo:hi], out["mean"][lo:hi],
                   out["rounds"][lo:hi], out["converged"][lo:hi])


def warm_up() -> bool:
    """Put the compiled kernels in the on-disk cache (compiling them on a three-actor problem when
    they are not there yet), so that the next process's first run only loads them; returns whether
    it compiled. Every option set shares the one compiled kernel (the options are run-time codes).

    >>> _ = warm_up()  # compiles once per installation, or finds the kernels cached
    >>> warm_up()  # now they are: nothing to do
    False
    """
    from detente.jit import is_cached
    from detente.models.bdm_kernels import simulate_batch

    if is_cached(simulate_batch):
        return False
    simulate(np.array([[0.0, 50.0, 100.0]]), np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 3), bool),
             np.array([100.0]), EUOptions())
    return True


def eu_model(arr: ScenarioArrays, options: EUOptions, rng: np.random.Generator | None,
             progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """The registered run function: (draws, issues, actors) -> Trajectory; ``progress(done_draws,
    draws)`` is called as blocks of draws finish."""
    D, I, N = arr.position.shape
    B = D * I
    present = np.broadcast_to(arr.present[None], (D, I, N)).reshape(B, N)
    scale = np.broadcast_to(arr.scale_range[None], (D, I)).reshape(B)
    rows = None if progress is None else (lambda done, total: progress(done // max(I, 1), D))
    out = simulate(arr.position.reshape(B, N), arr.capability.reshape(B, N), arr.salience.reshape(B, N),
                   present, scale, options, rows)
    T = options.rounds
    positions = out["positions"].reshape(D, I, T + 1, N).transpose(0, 2, 1, 3)
    median = out["median"].reshape(D, I, T + 1).transpose(0, 2, 1)
    mean = out["mean"].reshape(D, I, T + 1).transpose(0, 2, 1)
    stop_round = out["rounds"].reshape(D, I)
    series = median if options.readout == "median" else mean
    forecast = np.take_along_axis(series, stop_round[:, None, :], axis=1)[:, 0, :]
    conv = out["converged"].reshape(D, I)
    rounds = stop_round.max(axis=1)
    if options.stopping == "converged":
        stopped_by = np.where(conv.all(axis=1), "converged", "max_rounds")
    else:
        stopped_by = np.full(D, "fixed_rounds")
    # the spread of the read-out over rounds 1..T: the model does not converge; show it
    tail = series[:, 1:, :] if T > 0 else series
    with warnings.catch_warnings():  # an issue without present actors is all-NaN: its spread is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(tail, axis=1), np.nanmax(tail, axis=1)
        lo_med, hi_med = np.nanmedian(lo, axis=0), np.nanmedian(hi, axis=0)  # all issues at once (small runs)
        q = np.nanquantile(hi - lo, [0.1, 0.5, 0.9], axis=0)
    spread = {
        issue: {
            "min_over_rounds": float(lo_med[k]),
            "max_over_rounds": float(hi_med[k]),
            "range_over_rounds_p10_p50_p90": [float(v) for v in q[:, k]],
        }
        for k, issue in enumerate(arr.issue_ids)
    }
    return Trajectory(
        forecast=forecast,
        positions=positions,
        series={"median": median, "mean": mean},
        readout=options.readout,
        rounds=rounds,
        stopped_by=stopped_by,
        extras={"round_spread": spread, "_stop_round": stop_round, "_converged": conv},
    )


registry.register(ModelSpec(
    name="bdm",
    summary="Bueno de Mesquita's expected-utility model (Scholz 2011 reconstruction; variants scholz, jmckib)",
    options=EUOptions,
    run=eu_model,
    has_rounds=True,
    rounds_option="rounds",
    kept_rounds=lambda o: o.rounds + 1,
    needs_weight=True,
    variants=VARIANTS,
))
