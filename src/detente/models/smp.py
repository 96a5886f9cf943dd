"""KTAB's Spatial Model of Politics (SMP): bargaining rounds over positions in K dimensions.

Follows ``/work/shared/specs/ktab.md`` §2 (KTAB commit 3b5b063), equation by equation:

* §2.1 salience-weighted distances d_ij from i's ideal to j's position, utilities
  u(d, R) = (1 - d)(1 + d R);
* §2.3 every state: a probabilistic Condorcet election (PCE) over the actors' positions with
  capability-weighted votes gives each actor's risk attitude R_i, and h's estimate of i's attitude;
* §2.5 / §2.6 every round each actor picks the challenge with the best expected gain, third
  parties join "little contests", the challenger and its target strike a bargain (S2P2 by
  default), every actor then chooses one option from its queue (status quo or the bargains it is
  part of) by a PCE among all actors, and ideals follow the accommodation matrix;
* §2.7 stop when the total movement falls below 2 % of the first round's (or at 100 rounds);
* §2.4 the outcome is KTAB's distribution over the distinct final positions. The forecast is its
  probability-weighted mean per dimension; the mode (most probable distinct position) is in
  ``extras["mode"]``. KTAB itself prints no point forecast.

Differences from KTAB, on purpose:

* Stochastic transitions are reproducible: each draw has its own counter-based random stream
  keyed from the run's seed, so results do not depend on batching or threads (KTAB's do).
* Non-default bargaining models (InitRcvrInterp, PWCompInterp): the receiver's version of a
  bargain uses the receiver's *probability* that the initiator wins, P_j(i > j), and
  PWCompInterp weights the receiver's version by the *receiver's* capability x salience. KTAB
  (``smpbcn.cpp:423, :430``) passes an expected-utility gain as j's probability and uses i's
  capability for j's weight (bugs; the defaults are unaffected).
* When all PCE probabilities of a state are equal KTAB divides by zero; here every R is 0.
* An actor whose saliences add up to more than 1 (possible in detente scenarios, not in KTAB
  files) has them scaled to add up to 1; such actors are listed in ``extras["salience_rescaled"]``.

Degenerate inputs (``docs/models.md``): one actor - nobody to challenge, the forecast is its
position; identical positions - nobody moves, that position; zero salience everywhere - all
utilities are equal, nobody moves, the forecast is the mean of the distinct positions (uniform PCE);
an actor with capability 0 (or without any stance) is refused with an :class:`InputError`, as KTAB
refuses a non-positive voting weight.

>>> from detente.scenario.model import Scenario
>>> from detente.scenario.arrays import ScenarioArrays
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": a, "capability": c}
...     for a, c in [("A", 1), ("B", 2), ("C", 1)]], "issues": [{"id": "x"}],
...     "stances": [{"actor": a, "issue": "x", "position": p, "salience": 0.5}
...     for a, p in [("A", 10), ("B", 60), ("C", 90)]]})
>>> t = smp_model(ScenarioArrays.from_scenario(s), SMPOptions(), None)
>>> t.rounds.tolist(), t.stopped_by.tolist()
([2], ['converged'])
>>> round(float(t.forecast[0, 0]), 2), t.extras["mode"][0].round(2).tolist()
(42.96, [47.21])
"""

from __future__ import annotations

from typing import Any, Callable, Literal, TYPE_CHECKING

from detente.lazy import lazy_module

if TYPE_CHECKING:  # NumPy is imported on first use: listing models does not load it
    import numpy as np
    from detente.scenario.arrays import ScenarioArrays
    from detente.models import smp_kernels as kn
else:
    np = lazy_module(globals(), "np", "numpy")
    kn = lazy_module(globals(), "kn", "detente.models.smp_kernels")

from pydantic import Field, field_validator

from detente.errors import InputError, ModelError, Problem
from detente.models.base import ModelSpec, Options, Trajectory, registry

_ALIASES = {"Prop": "Proportional", "None": "No"}


class SMPOptions(Options):
    """KTAB's nine model parameters (KTAB names and defaults) and the run controls."""

    victory_prob_model: Literal["Linear", "Square", "Quartic", "Octic", "Binary"] = Field(
        "Linear", description="VictoryProbModel: V(a,b) = C_ab^nu / (C_ab^nu + C_ba^nu), or Binary")
    pce_model: Literal["Conditional", "MarkovIncentive", "MarkovUniform"] = Field(
        "Conditional", description="PCEModel: how pairwise victory probabilities become P(option)")
    state_transitions: Literal["Deterministic", "Stochastic"] = Field(
        "Deterministic", description="StateTransitions: each actor takes its most probable option, or samples one")
    voting_rule: Literal["Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp"] = Field(
        "Proportional", description="VotingRule ('Prop' accepted for Proportional)")
    big_r_adjust: Literal["Full", "TwoThirds", "Half", "OneThird", "No"] = Field(
        "OneThird", description="BigRAdjust: how far h's estimate of i's risk attitude moves from R_h to R_i "
                                "('None' accepted for No)")
    big_r_range: Literal["Min", "Mid", "Max"] = Field("Mid", description="BigRRange: range of R")
    third_party_commit: Literal["NoCommit", "SemiCommit", "FullCommit"] = Field(
        "SemiCommit", description="ThirdPartyCommit: what a third party expects from joining a side")
    inter_vec_brgn: Literal["S1P1", "S2P2", "S2PMax"] = Field(
        "S2P2", description="InterVecBrgn: how the two sides' positions are interpolated")
    bargn_model: Literal["InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"] = Field(
        "InitOnlyInterp", description="BargnModel: whose version(s) of a bargain are queued")
    max_rounds: int = Field(100, ge=1, le=10000, description="stop after this many rounds")
    stop_tolerance: float = Field(
        0.02, gt=0, lt=1, description="stop when this round's movement / (first round's + 1e-4) falls below it")
    accommodation: list[tuple[str, str, float]] = Field(
        default_factory=list,
        description="ideal adjustment A as [adjusting actor, reference actor, a] triples over the identity; "
                    "ideal q_i <- sum_j A_ij x_j + (1 - sum_j A_ij) q_i")

    @field_validator("voting_rule", "big_r_adjust", mode="before")
    @classmethod
    def _alias(cls, v: object) -> object:
        return _ALIASES.get(v, v) if isinstance(v, str) else v


def accommodation_matrix(actor_ids: tuple[str, ...] | list[str], triples: list[tuple[str, str, float]]) -> np.ndarray:
    """A (N, N): identity, then each listed pair overwrites its entry (as KTAB's XML reader).

    >>> accommodation_matrix(["a", "b"], [("b", "a", 0.25), ("b", "b", 0.75)]).tolist()
    [[1.0, 0.0], [0.25, 0.75]]
    """
    index = {a: k for k, a in enumerate(actor_ids)}
    A = np.eye(len(index))
    for k, (who, ref, a) in enumerate(triples):
        for name in (who, ref):
            if name not in index:
                raise ModelError(f"smp accommodation[{k}]: unknown actor {name!r}")
        if not 0.0 <= a <= 1.0:
            raise ModelError(f"smp accommodation[{k}]: adjust must be in [0, 1] (got {a})")
        A[index[who], index[ref]] = a
    sums = A.sum(axis=1)
    bad = np.flatnonzero(sums > 1.0 + 1e-9)
    if bad.size:
        who = actor_ids[bad[0]]
        raise ModelError(
            f"smp accommodation: the row of actor {who!r} sums to {sums[bad[0]]:g} > 1 (KTAB aborts: "
            f"'si is not within expected limit of 1.0'); an unlisted diagonal entry stays 1, so give "
            f"[{who!r}, {who!r}, a] as well")
    return A


# ------------------------------------------------------------------------------------------
# one round


def _resolve(x: np.ndarray, q: np.ndarray, s: np.ndarray, c: np.ndarray, S: np.ndarray, wS: np.ndarray,
             d: np.ndarray, R: np.ndarray, r: np.ndarray, tgt: np.ndarray, p: np.ndarray,
             o: SMPOptions, u: np.ndarray | None, detail: bool = False) -> Any:
    """§2.6 steps 2-3: bargains, each actor's choice from its queue. Returns new positions (and with
    ``detail`` the accepted bargains: option index, initiator, receiver, per actor)."""
    B, N, K = x.shape
    bi = np.arange(B)[:, None]
    has = tgt >= 0
    j = np.maximum(tgt, 0)
    xj, sj = x[bi, j], s[bi, j]
    b_i, b_j = kn.interpolate(x, xj, s, sj, p, o.inter_vec_brgn)
    versions = [(b_i, b_j)]
    if o.bargn_model != "InitOnlyInterp":
        # the receiver's estimate P_j(i beats j) = probEduChlg(j, j, i, j)[0] (KTAB passes a ΔEU)
        ii = np.broadcast_to(np.arange(N), (B, N))
        pj, _ = kn.challenge(j, ii, j, d, r, wS, S, o.voting_rule, o.third_party_commit)
        c_i, c_j = kn.interpolate(x, xj, s, sj, pj, o.inter_vec_brgn)
        if o.bargn_model == "InitRcvrInterp":
            versions.append((c_i, c_j))
        else:  # PWCompInterp: (c S)-weighted average, receiver weighted by its own c S
            wi, wj = wS[:, :, None], wS[bi, j][..., None]
            tot = wi + wj
            versions = [((wi * b_i + wj * c_i) / tot, (wi * b_j + wj * c_j) / tot)]
    nb = len(versions)
    L = N * nb
    pos_init = np.stack([v[0] for v in versions], axis=2).reshape(B, L, K)  # m = i * nb + v
    pos_rcvr = np.stack([v[1] for v in versions], axis=2).reshape(B, L, K)
    init = np.repeat(np.arange(N), nb)  # (L,)
    rcvr = np.repeat(j, nb, axis=1)  # (B, L)
    valid = np.repeat(has, nb, axis=1)

    # values (1/N)[u_a(b_init) + u_a(b_rcvr) + sum_{n not init, rcvr} aUtil[a](a, n)]
    U_own = kn.utility(d, R[:, :, None])  # (B, N, N): aUtil[a](a, n)
    sq = U_own.sum(axis=-1)  # (B, N)
    Ra = R[:, :, None]
    u_init = kn.utility(kn.distances(q, pos_init, s), Ra)  # (B, N, L)
    u_rcvr = kn.utility(kn.distances(q, pos_rcvr, s), Ra)
    U_init_now = U_own[:, :, init]
    U_rcvr_now = np.take_along_axis(U_own, np.broadcast_to(rcvr[:, None, :], (B, N, L)), axis=2)
    val = (sq[..., None] - U_init_now - U_rcvr_now + u_init + u_rcvr) / N
    values = np.concatenate([(sq / N)[..., None], np.where(valid[:, None, :], val, (sq / N)[..., None])], axis=2)

    C = kn.coalitions(c, values, o.voting_rule)  # (B, L+1, L+1), voters: all actors, w = c
    k = np.arange(N)[None, :, None]
    mine = valid[:, None, :] & ((init[None, None, :] == k) | (rcvr[:, None, :] == k))  # (B, N, L)
    mask = np.concatenate([np.ones((B, N, 1), dtype=bool), mine], axis=2)
    P = kn.pce(C[:, None], mask, o.victory_prob_model, o.pce_model)  # (B, N, L+1)
    if u is None:
        choice = np.argmax(P, axis=-1)  # first argmax
    else:  # probSel: first option whose cumulative probability exceeds u
        choice = (np.cumsum(P, axis=-1) <= u[..., None]).sum(axis=-1)
        last = mask.shape[-1] - 1 - np.argmax(mask[..., ::-1], axis=-1)
        choice = np.minimum(choice, last)
    m = np.maximum(choice - 1, 0)
    is_init = init[m] == np.arange(N)[None, :]
    new_init = np.take_along_axis(pos_init, m[..., None], axis=1)
    new_rcvr = np.take_along_axis(pos_rcvr, m[..., None], axis=1)
    moved = np.where(is_init[..., None], new_init, new_rcvr)
    if detail:  # explanations (detente.explain.events): which bargain each actor accepted
        return np.where((choice > 0)[..., None], moved, x), {
            "choice": choice, "initiator": init[m], "receiver": np.take_along_axis(rcvr, m, axis=1)}
    return np.where((choice > 0)[..., None], moved, x)


class _State:
    """Distances, risk attitudes and outcome distribution of the current states of a batch."""

    def __init__(self, x: np.ndarray, q: np.ndarray, s: np.ndarray, c: np.ndarray, o: SMPOptions) -> None:
        self.d = kn.distances(q, x, s)
        self.P = kn.state_pce(self.d, c, o.voting_rule, o.victory_prob_model, o.pce_model)  # §2.3 step 2
        self.R = kn.big_r(self.P, o.big_r_range)  # step 3
        self.group = kn.equivalence_groups(x, kn.POS_TOL)  # §2.4
        self.dist = kn.state_distribution(self.d, self.R, c, self.group, o.voting_rule,
                                          o.victory_prob_model, o.pce_model)
        self.mean = np.einsum("bn,bnk->bk", self.dist, x)
        self.mode = np.take_along_axis(x, np.argmax(self.dist, axis=-1)[:, None, None], axis=1)[:, 0]


class _History:
    """A batch's states by round (positions: batch, rounds, actors, issues), in blocks of
    :data:`HISTORY_ROUNDS` rounds: memory for the rounds run (not for every round ``max_rounds``
    allows, up to 10,000), never a round twice. :meth:`write` moves the rounds into the run's
    history block by block, releasing each (before: a list of per-round copies, stacked per batch,
    then all batches concatenated - the history held three times)."""

    def __init__(self, x: np.ndarray) -> None:
        self.draws, self.shape, self.dtype = x.shape[0], x.shape[1:], x.dtype
        self.blocks: list[np.ndarray] = []
        self.t = 0
        self.append(x)

    def append(self, x: np.ndarray) -> None:
        k = self.t % HISTORY_ROUNDS
        if k == 0:
            self.blocks.append(np.empty((self.draws, HISTORY_ROUNDS) + self.shape, dtype=self.dtype))
        self.blocks[-1][:, k] = x
        self.t += 1

    def array(self) -> np.ndarray:
        """The rounds as one array (batch, t, ...): a copy."""
        return np.concatenate(self.blocks, axis=1)[:, : self.t]

    def write(self, out: np.ndarray) -> None:
        """Rounds 0 .. t-1 into ``out`` (batch, T >= t, ...), the final state repeated after them
        (a batch that stopped early); the blocks are released as they are written."""
        r = 0
        while self.blocks:
            blk = self.blocks.pop(0)
            n = min(HISTORY_ROUNDS, self.t - r)
            out[:, r:r + n] = blk[:, :n]
            r += n
            del blk
        out[:, self.t:] = out[:, self.t - 1:self.t]


HISTORY_ROUNDS = 16
"""Rounds per block of a batch's history (room is address space, which the web's worker processes
have a limit on; a batch of many draws of few actors has large rounds). Results do not depend on it."""


BATCH_ELEMENTS = 1 << 21
"""A batch of draws runs its rounds in lock step; its (batch, actors, actors) buffers are kept near
this many elements (a quarter of it per buffer). Results do not depend on it."""


def _run_batch(x0: np.ndarray, s: np.ndarray, c: np.ndarray, A: np.ndarray | None, keys: np.ndarray,
               o: SMPOptions) -> dict[str, np.ndarray]:
    """All rounds for a batch of draws, in lock step; stopped draws are frozen."""
    G, N, K = x0.shape
    S = s.sum(axis=-1)
    wS = c * S
    x, q = x0.copy(), x0.copy()
    st = _State(x, q, s, c, o)
    d, R, dist, group = st.d, st.R, st.dist, st.group
    mode, mean = st.mode.copy(), st.mean.copy()  # the current state's; stopped draws keep theirs
    hist, modes, means = _History(x), _History(mode), _History(mean)
    active = np.ones(G, dtype=bool)
    rounds = np.zeros(G, dtype=np.int64)
    stopped = np.full(G, "max_rounds", dtype=object)
    first = np.zeros(G)
    stochastic = o.state_transitions == "Stochastic"
    for t in range(1, o.max_rounds + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xa, qa, sa, ca = x[idx], q[idx], s[idx], c[idx]
        r = kn.perceived_r(R[idx], o.big_r_adjust)  # §2.3 step 4
        tgt, p, _ = kn.best_targets(d[idx], r, wS[idx], S[idx], o.voting_rule, o.third_party_commit)
        u = kn.uniforms(keys[idx], t, N) if stochastic else None
        xn = _resolve(xa, qa, sa, ca, S[idx], wS[idx], d[idx], R[idx], r, tgt, p, o, u)
        if A is None:
            qn = xn.copy()
        else:  # §2.6 step 4
            qn = np.einsum("ij,bjk->bik", A, xn) + (1.0 - A.sum(axis=1))[None, :, None] * qa
        move = np.sqrt(((xn - xa) ** 2).sum(axis=-1)).sum(axis=-1)  # §2.7 D_t
        x[idx], q[idx] = xn, qn
        st = _State(xn, qn, sa, ca, o)
        d[idx], R[idx], dist[idx], group[idx] = st.d, st.R, st.dist, st.group
        mode[idx], mean[idx] = st.mode, st.mean
        hist.append(x)
        modes.append(mode)
        means.append(mean)
        rounds[idx] = t
        if t == 1:
            first[idx] = move
        conv = (t >= 2) & (move / (first[idx] + 1e-4) < o.stop_tolerance)
        stopped[idx[conv]] = "converged"
        active[idx[conv]] = False
        if t >= o.max_rounds:
            active[:] = False
    return dict(hist=hist, modes=modes, means=means,
                rounds=rounds, stopped=stopped, dist=dist, group=group)


def _no_capability(arr: ScenarioArrays, c: np.ndarray) -> list[Problem]:
    """The refusal of actors without positive capability (KTAB: 'non-positive voting weight')."""
    out = []
    for n in np.flatnonzero((c <= 0).any(axis=0)):
        aid = arr.actor_ids[n]
        if not arr.present[:, n].any():
            why = f"actor {aid!r} has no stance on any issue"
        else:
            why = f"actor {aid!r} has capability 0"
            if not (c[:, n] <= 0).all():
                why += f" in {int((c[:, n] <= 0).sum())} of {c.shape[0]} draws"
        out.append(Problem(f"{why}: the smp model needs every actor to vote with a positive capability "
                           "(KTAB refuses a 'non-positive voting weight'; give it a capability or remove it)",
                           field=f"actors[{n}]"))
    return out


def _gather(parts: list[dict[str, Any]], key: str, T: int) -> np.ndarray:
    """The batches' ``key`` series (a :class:`_History` each) one after another along draws, each
    padded to ``T`` rounds with its final state (a batch that stopped early) and released once
    written: the run's history is never held twice (20,000 draws of the flagship peaked at 2.2 GB
    when the batches were concatenated, 1.3 GB now, whole process)."""
    first = parts[0][key]
    out = np.empty((sum(p[key].draws for p in parts), T) + first.shape, dtype=first.dtype)
    a = 0
    for p in parts:
        h = p.pop(key)
        h.write(out[a:a + h.draws])
        a += h.draws
    return out


def smp_model(arr: ScenarioArrays, options: SMPOptions, rng: np.random.Generator | None,
              progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run KTAB's SMP on every draw; positions are mapped to [0, 1] per issue and back.
    ``progress(done_draws, draws)`` is called after each batch of draws."""
    o = options
    D, I, N = arr.position.shape
    x0 = np.moveaxis(arr.normalized_position(), 1, 2).copy()  # (D, N, K) on [0, 1]
    s = np.moveaxis(arr.salience * arr.present[None], 1, 2).copy()
    total = s.sum(axis=-1)
    over = total > 1.0 + 1e-9
    rescaled = sorted({arr.actor_ids[n] for n in np.flatnonzero(over.any(axis=0))})
    s = np.where(over[..., None], s / np.where(over, total, 1.0)[..., None], s)
    c = (arr.capability * arr.present[None]).max(axis=1)  # (D, N) one capability per actor
    if np.any(c <= 0):
        raise InputError(None, _no_capability(arr, c))
    A = None
    if o.accommodation:
        A = accommodation_matrix(arr.actor_ids, o.accommodation)
        if np.array_equal(A, np.eye(N)):
            A = None
    if o.state_transitions == "Stochastic":
        gen = rng if rng is not None else np.random.default_rng(0)
        keys = gen.integers(np.iinfo(np.uint64).max, size=D, dtype=np.uint64, endpoint=True)
    else:
        keys = np.zeros(D, dtype=np.uint64)

    per = max(1, min(D, BATCH_ELEMENTS // (N * N * 4)))  # batches of draws: (batch, N, N) buffers stay small
    parts = []
    for a in range(0, D, per):  # each draw's rounds do not depend on its batch
        parts.append(_run_batch(x0[a:a + per], s[a:a + per], c[a:a + per], A, keys[a:a + per], o))
        if progress is not None:
            progress(min(D, a + per), D)
    T = max(p["hist"].t for p in parts)
    hist = _gather(parts, "hist", T)  # (D, T, N, K)
    modes = _gather(parts, "modes", T)  # (D, T, K)
    means = _gather(parts, "means", T)
    dist = np.concatenate([p["dist"] for p in parts])  # (D, N)
    group = np.concatenate([p["group"] for p in parts])
    rounds = np.concatenate([p["rounds"] for p in parts])
    stopped = np.concatenate([p["stopped"] for p in parts]).astype(str)

    hist *= arr.scale_range  # back to each issue's scale in place: the history is the run's
    hist += arr.scale_min    # largest array (a fresh strided copy of it took half a 20,000-draw run)
    positions = np.moveaxis(hist, 3, 2)  # (D, T, I, N)
    mode_series = arr.from_unit(modes, axis_issue=2)
    mean_series = arr.from_unit(means, axis_issue=2)
    extras: dict = {
        "mode": mode_series[:, -1],
        "n_positions": (group == np.arange(N)[None]).sum(axis=1),
        "final_probability": dist,
        "final_group": group,
    }
    if rescaled:
        extras["salience_rescaled"] = rescaled
    if D == 1:
        final = positions[0, -1]  # (I, N)
        extras["distribution"] = [
            {"position": {iss: float(final[k, n]) for k, iss in enumerate(arr.issue_ids)},
             "probability": float(dist[0, n]),
             "actors": [arr.actor_ids[m] for m in np.flatnonzero(group[0] == n)]}
            for n in np.flatnonzero(group[0] == np.arange(N))
        ]
    return Trajectory(
        forecast=mean_series[:, -1],
        positions=positions,
        series={"mode": mode_series, "mean": mean_series},
        readout="mean",
        rounds=rounds,
        stopped_by=stopped,
        extras=extras,
    )


registry.register(ModelSpec(
    name="smp",
    summary="KTAB's Spatial Model of Politics: risk-adjusted challenges, little contests, S2P2 bargains",
    options=SMPOptions,
    run=smp_model,
    has_rounds=True,
    rounds_option="max_rounds",
    kept_rounds=lambda o: min(o.max_rounds, 2) + 1,  # it stops at convergence: at least rounds 0-2
    stochastic=True,
    multi_issue=True,
))
