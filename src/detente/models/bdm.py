"""Bueno de Mesquita's expected-utility ("group decision") model as a configurable family.

Spec: ``bdm.md`` §1.2-1.5 (equation numbers are Scholz, Calbert & Smith 2011, ICAART). Each
issue is one-dimensional and independent; the model works on arrays (batch, actors) where the
batch is draws x issues flattened, and computes probabilities, expected utilities, risk and offers
for all pairs at once (tensors (batch, actors, actors), the vote sums (batch, voters, actors,
actors)), in chunks of the batch so that memory stays bounded. Only the rounds are a Python loop.

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

from typing import Any, Literal

import numpy as np
from pydantic import Field

from detente.models.base import ModelSpec, Options, Trajectory, registry
from detente.models.bdm_kernels import king_of_the_hill
from detente.models.kernels import weighted_mean, weighted_median
from detente.scenario.arrays import ScenarioArrays

CHUNK_ELEMENTS = 1 << 21
"""Default bound on batch x actors^3 per chunk: the largest temporary is 16 MiB of float64."""


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
        "memory bound: batch x actors^3 elements per chunk (does not change results)."))


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
# one round's internals, for all pairs at once; arrays are (B, N) / (B, N, N)


def median_position(x: np.ndarray, w: np.ndarray, present: np.ndarray, R: np.ndarray, how: str) -> np.ndarray:
    """Median voter position mu per row (eq. 26-29 / A8)."""
    if how == "king_of_the_hill":
        return king_of_the_hill(np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(w, dtype=float),
                                np.ascontiguousarray(present), np.ascontiguousarray(R, dtype=float))
    return weighted_median(np.where(present, x, np.inf), np.where(present, w, 0.0))


def _vote_sums(x: np.ndarray, w: np.ndarray, R: np.ndarray, rv: np.ndarray | None) -> np.ndarray:
    """num[b, a, j] = sum_k max(0, vote_k(a over j)), vote_k = w_k (g_kj - g_ka), g = (|x_k - x|/R)^r_k."""
    B, N = x.shape
    g = np.abs(x[:, :, None] - x[:, None, :]) / R[:, None, None]  # (B, k, a)
    if rv is not None:
        g = g ** rv[:, :, None]
    diff = g[:, :, None, :] - g[:, :, :, None]  # (B, k, a, j) = g_kj - g_ka
    np.maximum(diff, 0.0, out=diff)
    return np.matmul(w[:, None, :], diff.reshape(B, N, N * N)).reshape(B, N, N)


def win_probability(x: np.ndarray, w: np.ndarray, present: np.ndarray, R: np.ndarray,
                    rv: np.ndarray | None, how: str) -> np.ndarray:
    """P[b, i, j]: probability that i wins against j (eq. 30-31 / A7)."""
    pair = present[:, :, None] & present[:, None, :]
    num = np.where(pair, _vote_sums(x, w, R, rv), 0.0)
    numT = np.swapaxes(num, 1, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "global":
            D = 2.0 * num.sum(axis=(1, 2))[:, None, None]  # = sum_k sum_a sum_b |vote_k(a over b)|
            P = np.where(D > 0, num / np.where(D > 0, D, 1.0), 0.0)
        elif how == "net_floored":
            tot = num + numT
            P = np.where(tot > 0, np.maximum(num - numT, 0.0) / np.where(tot > 0, tot, 1.0), 0.0)
        else:
            tot = num + numT
            P = np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), 0.5)
    return np.where(pair, P, 0.0)


def _power(base: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.maximum(base, 0.0) ** r


def expected_utility(x: np.ndarray, s: np.ndarray, P: np.ndarray, R: np.ndarray, r: np.ndarray,
                     mu: np.ndarray, opts: EUOptions) -> tuple[np.ndarray, np.ndarray]:
    """(E_self, E_other), both (B, N, N), perceived by row actor i with exponent r_i.

    E_self[i, j] = E(i challenges j) and E_other[i, j] = E(j challenges i) (eq. 5-7, 15-16, 22-25):
    E(a->b) = s_b [P_ab U_s + (1 - P_ab) U_f] + (1 - s_b) U_s - Q U_sq - (1 - Q)[T U_b + (1 - T) U_w].
    """
    d = np.abs(x[:, :, None] - x[:, None, :]) / R[:, None, None]
    rr = r[:, :, None]
    Us = 2.0 - 4.0 * _power(0.5 - 0.5 * d, rr)  # (15)
    Uf = 2.0 - 4.0 * _power(0.5 + 0.5 * d, rr)  # (16)
    Usq = 2.0 - 4.0 * 0.5 ** rr  # (24)
    sj = s[:, None, :]
    si = s[:, :, None]
    PT = np.swapaxes(P, 1, 2)
    e_self = sj * (P * Us + (1.0 - P) * Uf) + (1.0 - sj) * Us  # (25a), challenge part
    e_other = si * (PT * Us + (1.0 - PT) * Uf) + (1.0 - si) * Us  # (25b), target's salience (A1)
    if opts.t_rule == "ignore" or opts.Q == 1.0:
        e_self = e_self - opts.Q * Usq
        e_other = e_other - opts.Q * Usq
    else:
        dm = np.abs(x - mu[:, None]) / R[:, None]  # |x_a - mu| / R
        for name, dma in (("self", dm[:, :, None]), ("other", dm[:, None, :])):
            spread = dma + d
            Ub = 2.0 - 4.0 * _power(0.5 - 0.25 * spread, rr)  # (22)
            Uw = 2.0 - 4.0 * _power(0.5 + 0.25 * spread, rr)  # (23)
            if opts.t_rule == "closer":
                T = (dma < d).astype(float)
            else:
                T = 1.0 if opts.t_rule == "one" else 0.0
            nc = opts.Q * Usq + (1.0 - opts.Q) * (T * Ub + (1.0 - T) * Uw)  # (7)
            if name == "self":
                e_self = e_self - nc
            else:
                e_other = e_other - nc
    if opts.perspective == "own":
        e_other = np.swapaxes(e_self, 1, 2)
    return e_self, e_other


def risk_exponents(x: np.ndarray, w: np.ndarray, s: np.ndarray, present: np.ndarray, R: np.ndarray,
                   mu: np.ndarray, opts: EUOptions) -> dict[str, np.ndarray]:
    """First pass (r = 1): P, E, danger S_i, R_i (eq. 32/34) and r_i (eq. 33)."""
    ones = np.ones_like(x)
    P1 = win_probability(x, w, present, R, None, opts.p_normalisation)
    E1, _ = expected_utility(x, s, P1, R, ones, mu, opts)
    N = x.shape[1]
    pair = present[:, :, None] & present[:, None, :] & ~np.eye(N, dtype=bool)[None]
    danger = np.where(pair, E1, 0.0).sum(axis=1)  # S_i = sum_{o != i} E(o challenges i)
    hi = np.max(np.where(present, danger, -np.inf), axis=1, keepdims=True)
    lo = np.min(np.where(present, danger, np.inf), axis=1, keepdims=True)
    spread = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        Rr = np.where(spread > 0, (2.0 * danger - hi - lo) / np.where(spread > 0, spread, 1.0), 0.0)
    Rr = np.where(present, Rr, 0.0)
    r = (1.0 - Rr / 3.0) / (1.0 + Rr / 3.0)
    return {"P1": P1, "E1": E1, "danger": danger, "R": Rr, "r": r}


def round_internals(x: np.ndarray, c: np.ndarray, s: np.ndarray, present: np.ndarray | None = None,
                    R: np.ndarray | float | None = None, options: EUOptions | None = None) -> dict[str, np.ndarray]:
    """One round's internals for one batch: P1, E1, danger, R, r, P (pass 2), E_self, E_other, mu.

    Inputs may be 1-D (actors) or (batch, actors); ``R`` defaults to max - min of ``x``.

    >>> out = round_internals(np.array([0., 1., 3.]), np.ones(3), np.ones(3))
    >>> round(float(out["P"][0, 0, 1]), 3)
    0.333
    """
    opts = options or EUOptions()
    x2, c2, s2 = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (x, c, s))
    pres = np.ones_like(x2, dtype=bool) if present is None else np.atleast_2d(np.asarray(present, bool))
    if R is None:
        Rv = _initial_range(x2, pres)
    else:
        Rv = np.broadcast_to(np.asarray(R, dtype=float), (x2.shape[0],)).copy()
    w = np.where(pres, c2 * s2, 0.0)
    return _round(x2, w, s2, pres, Rv, opts)[1]


def _initial_range(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    hi = np.max(np.where(present, x, -np.inf), axis=1)
    lo = np.min(np.where(present, x, np.inf), axis=1)
    R = hi - lo
    return np.where(np.isfinite(R) & (R > 0), R, 1.0)


def _round(x: np.ndarray, w: np.ndarray, s: np.ndarray, present: np.ndarray, R: np.ndarray,
           opts: EUOptions) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One round (steps 3-11): returns the new positions and the internals."""
    need_mu = opts.Q < 1.0 and opts.t_rule != "ignore"
    mu = median_position(x, w, present, R, opts.median) if need_mu else np.full(x.shape[0], np.nan)
    if opts.risk == "two_pass":
        inner = risk_exponents(x, w, s, present, R, mu, opts)
        r = inner["r"]
    else:
        r = np.ones_like(x)
        inner = {"r": r}
    rv = r if opts.vote_utility == "risk" else None
    P = win_probability(x, w, present, R, rv, opts.p_normalisation)
    a, b = expected_utility(x, s, P, R, r, mu, opts)  # a = E(i->j), b = E(j->i), seen per perspective
    inner.update(P=P, E_self=a, E_other=b, mu=mu)

    # step 11: offers that would move the row actor i towards column actor j
    xi = x[:, :, None]
    xj = x[:, None, :]
    valid = present[:, :, None] & present[:, None, :] & (xi != xj)
    absa = np.abs(a)
    conf = valid & (b > a) & (a > 0)
    zone = valid & (b > 0) & (0 > a)
    comp = zone & (b > absa)
    capit = zone & ~comp if opts.capitulate else np.zeros_like(zone)
    if opts.conflict == "no_move":
        conf = np.zeros_like(conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        if opts.compromise == "fraction":
            comp_pos = xi + (xj - xi) * np.abs(a / b)  # (35/36)
        else:
            comp_pos = (absa * xi + np.abs(b) * xj) / (absa + np.abs(b))
    pos = np.where(comp, comp_pos, xj)
    category = np.where(conf, 0, np.where(comp, 1, np.where(capit, 2, 3)))
    if opts.offer_choice == "least_move":
        key = np.abs(pos - xi)
    elif opts.offer_choice == "highest_eu":
        key = -b
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            wpos = (absa * xi + np.abs(b) * xj) / (absa + np.abs(b))
        key = np.where(comp, wpos, np.abs(pos - xi))
    best = category.min(axis=2, keepdims=True)
    key = np.where((category == best) & (category < 3), key, np.inf)
    choice = np.argmin(key, axis=2)[..., None]
    new = np.take_along_axis(pos, choice, axis=2)[..., 0]
    moved = best[..., 0] < 3
    return np.where(moved, new, x), inner


# ---------------------------------------------------------------------------------------------
# the run over rounds, chunked over the batch


def simulate(x: np.ndarray, c: np.ndarray, s: np.ndarray, present: np.ndarray, scale_range: np.ndarray,
             opts: EUOptions) -> dict[str, np.ndarray]:
    """Run the model on a batch (B, N). Returns positions (B, T+1, N), median and mean (B, T+1),
    rounds (B,) and converged (B,). Results do not depend on ``opts.chunk_elements``."""
    x = np.asarray(x, dtype=float)
    B, N = x.shape
    T = opts.rounds
    out = {
        "positions": np.empty((B, T + 1, N)),
        "median": np.empty((B, T + 1)),
        "mean": np.empty((B, T + 1)),
        "rounds": np.full(B, T, dtype=np.int64),
        "converged": np.zeros(B, dtype=bool),
    }
    step = max(1, int(opts.chunk_elements) // max(N**3, 1))
    present = np.broadcast_to(present, x.shape)
    for lo in range(0, B, step):
        hi = min(B, lo + step)
        part = _simulate_chunk(x[lo:hi], np.asarray(c[lo:hi], float), np.asarray(s[lo:hi], float),
                               np.ascontiguousarray(present[lo:hi]), np.asarray(scale_range[lo:hi], float), opts)
        for k, v in part.items():
            out[k][lo:hi] = v
    return out


def _simulate_chunk(x, c, s, present, scale_range, opts):
    B, N = x.shape
    T = opts.rounds
    w = np.where(present, c * s, 0.0)
    wm = np.where(w.sum(axis=1, keepdims=True) > 0, w, present.astype(float))  # all-zero weights: equal
    if opts.position_range == "scale":
        R = np.where(scale_range > 0, scale_range, 1.0)
    else:
        R = _initial_range(x, present)
    R_median = R.copy()
    pos = np.empty((B, T + 1, N))
    med = np.empty((B, T + 1))
    mean = np.empty((B, T + 1))
    pos[:, 0] = x
    med[:, 0] = median_position(x, wm, present, R_median, opts.median)
    mean[:, 0] = weighted_mean(np.where(present, x, 0.0), wm)
    active = np.ones(B, dtype=bool)
    quiet = np.zeros(B, dtype=np.int64)
    rounds = np.full(B, T, dtype=np.int64)
    tol = opts.tolerance * np.where(scale_range > 0, scale_range, 1.0)
    for t in range(1, T + 1):
        if opts.position_range == "current":
            R = _initial_range(x, present)
        new, _ = _round(x, w, s, present, R, opts)
        x = np.where(active[:, None], new, x)
        pos[:, t] = x
        med[:, t] = median_position(x, wm, present, R_median, opts.median)
        mean[:, t] = weighted_mean(np.where(present, x, 0.0), wm)
        if opts.stopping == "converged":
            small = np.abs(med[:, t] - med[:, t - 1]) < tol
            quiet = np.where(active & small, quiet + 1, np.where(active, 0, quiet))
            stop = active & (quiet >= opts.patience)
            rounds = np.where(stop, t, rounds)
            active = active & ~stop
            if not active.any():
                pos[:, t + 1:] = x[:, None, :]
                med[:, t + 1:] = med[:, t:t + 1]
                mean[:, t + 1:] = mean[:, t:t + 1]
                break
    converged = rounds < T if opts.stopping == "converged" else np.zeros(B, dtype=bool)
    if opts.stopping == "converged":
        converged = converged | ~active
    return {"positions": pos, "median": med, "mean": mean, "rounds": rounds, "converged": converged}


def eu_model(arr: ScenarioArrays, options: EUOptions, rng: np.random.Generator | None) -> Trajectory:
    """The registered run function: (draws, issues, actors) -> Trajectory."""
    D, I, N = arr.position.shape
    B = D * I
    present = np.broadcast_to(arr.present[None], (D, I, N)).reshape(B, N)
    scale = np.broadcast_to(arr.scale_range[None], (D, I)).reshape(B)
    out = simulate(arr.position.reshape(B, N), arr.capability.reshape(B, N), arr.salience.reshape(B, N),
                   present, scale, options)
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
    lo, hi = np.nanmin(tail, axis=1), np.nanmax(tail, axis=1)
    spread = {
        issue: {
            "min_over_rounds": float(np.nanmedian(lo[:, k])),
            "max_over_rounds": float(np.nanmedian(hi[:, k])),
            "range_over_rounds_p10_p50_p90": [float(v) for v in np.nanquantile(hi[:, k] - lo[:, k], [0.1, 0.5, 0.9])],
        }
        for k, issue in enumerate(arr.issue_ids)
    }
    return Trajectory(
        forecast=forecast,
        positions=positions,
        series={"median": median, "mean": mean},
        rounds=rounds,
        stopped_by=stopped_by,
        extras={"round_spread": spread, "_stop_round": stop_round, "_converged": conv},
    )


registry.register(ModelSpec(
    name="eu",
    summary="Bueno de Mesquita's expected-utility model (Scholz 2011 reconstruction; variants scholz, jmckib)",
    options=EUOptions,
    run=eu_model,
    has_rounds=True,
    variants=VARIANTS,
))
