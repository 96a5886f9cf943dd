"""The ``war`` model: fighting and bargaining month by month, with domestic constraints.

Each month t = 0..T, for all draws at once (``neighbours.md`` §3.3, "update order"):

1. scheduled shocks of month t change p_battle, costs, hazards, discounts or forces;
2. each side's belief about p_battle (beliefs.py) gives its estimate of Fearon's p, the chance that
   A wins the war from the current front (battlefield.py, W1): p_A (A's view) and p_B (B's view);
3. war values (Fearon 1995): w_A = p_A - C_A, w_B = 1 - p_B - C_B, with C_i = cost_i x
   cost_horizon_i the cost of the fighting a side weighs against a deal (shares of the stakes);   (M1)
4. feasible set: lo = max(floor_A from war value and audience costs (D4), A's ratifiers (D1-D2, D5)),
   hi = min(ceiling_B likewise for B); without domestic constraints [lo, hi] is Fearon's range
   [p_A - C_A, p_B + C_B]; a settlement happens iff lo <= hi                                       (M2)
5. terms: the unconstrained bargain x* - the asymmetric Nash solution with the war values as
   disagreement point, x* = w_A + k_A / (k_A + k_B) (1 - w_A - w_B), or Rubinstein's alternating
   offers with monthly discount factors - then x = clip(x*, lo, hi): a binding bound acts as an
   outside option (outside option principle; Schelling's tied hands)                              (M3)
6. otherwise a battle: A wins with p_battle (random walk) or the Lanchester probability (W2); the
   front moves; beliefs update by Bayes; collapse hazards strike (Powell 2004); total victory at an
   absorbing end (or a Lanchester breakpoint).

A draw that never settles ends at the horizon with the front line as terms, x = k / N (a frozen
conflict along the line); a victory gives x = 1 (A) or 0 (B); a collapse of A gives x = 0 and of B
x = 1. Terms map onto the issues by terms.py (T1-T2).

Degenerate inputs (``docs/models.md``, ``tests/test_degenerate.py``): certain victory, no costs,
extreme priors and ratios, sides at one position, zero saliences or capabilities (a side then takes
the plain mean of its members' positions) all give finite forecasts; without any deal the forecast
is the outcome (victory, collapse, front line).

>>> import numpy as np
>>> from detente.scenario.model import Scenario
>>> from detente.scenario.arrays import ScenarioArrays
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "R"}, {"id": "U"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "R", "issue": "x", "position": 100},
...     {"actor": "U", "issue": "x", "position": 0}],
...     "war": {"sides": {"A": {"actors": ["R"], "prior_win": 0.55, "cost": 0.0},
...                       "B": {"actors": ["U"], "prior_win": 0.45, "cost": 0.0}},
...             "battlefield": {"forts": 10, "start": 5, "p_battle": 0.55}}})
>>> arr = ScenarioArrays.from_scenario(s)
>>> tr = war_model(arr, WarOptions(), np.random.default_rng(0))
>>> str(tr.stopped_by[0]), int(tr.rounds[0]), round(float(tr.forecast[0, 0]), 3)  # equal beliefs, no costs: x = p
('settlement', 0, 73.172)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from detente.errors import InputError, ModelError, Problem
from detente.models.base import Trajectory
from detente.models.war import bargaining as bg
from detente.models.war.battlefield import lanchester_p, lanchester_step, ruin_probability, step_front
from detente.models.war.beliefs import belief_mean, beta_prior, update
from detente.models.war.domestic import audience_bound, ratifier_bound
from detente.models.war.options import WarOptions
from detente.scenario.war import Lanchester, WarInputs, validate_war_block, war_parameters, war_problems
from detente.models.war.terms import IssueMap, side_profile

_TOL = 1e-12
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _params(arr: Any, w: WarInputs) -> dict[str, np.ndarray]:
    """Per-draw values of every war parameter (sampled ones from arr.params, else point values)."""
    from detente.scenario.uncertain import point

    D = arr.draws
    out = {}
    for name, dist, _ in war_parameters(w):
        v = arr.params.get(name)
        out[name] = np.asarray(v, dtype=float) if v is not None else np.full(D, point(dist))
    return out


ALL_ENDINGS_NOTE = ("each simulated war ends in a deal, a military victory, a collapse or not by the horizon; the "
                    "tables show the terms given a deal. In result.json, forecast and input_band are over every "
                    "ending (a victory counts as x = 1 or 0, the unresolved as the front line at the horizon); the "
                    "terms given a deal are under war.terms_given_deal (positions.csv: the *_given_deal rows; "
                    "Python: result.trajectory.extras['terms'])")
"""The note of every war result: its ``forecast`` pools the endings; the bottom line does not."""


def war_model(arr: Any, options: WarOptions, rng: np.random.Generator,
              progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Simulate fighting and bargaining for all draws; see the module docstring for the equations.
    ``progress(done, draws)`` is called each month with the share of the months simulated (every
    month runs all draws still fighting)."""
    raw = arr.context.get("war")
    if not raw:
        raise ModelError("model 'war' needs a war: block in the scenario: the two sides, the battlefield and the "
                         "bargaining (docs/models.md, section war; examples/ukraine-settlement.yaml has one)")
    problems = war_problems(raw, list(arr.actor_ids), list(arr.issue_ids))
    if problems:
        raise InputError(None, [Problem(line.split(": ", 1)[1], field=line.split(": ", 1)[0]) for line in problems])
    w = validate_war_block(raw)
    P = _params(arr, w)
    D, I = arr.draws, arr.n_issues
    T = options.months or w.months
    rule = w.bargaining.rule if options.rule == "scenario" else options.rule
    aid = {a: k for k, a in enumerate(arr.actor_ids)}
    iid = {i: k for k, i in enumerate(arr.issue_ids)}

    # --- the sides on the issues (T1) --------------------------------------------------------
    fallback = np.where(np.isnan(arr.status_quo), (arr.scale_min + arr.scale_max) / 2, arr.status_quo)
    prof = {}
    for sid in ("A", "B"):
        try:
            members = np.isin(np.arange(arr.n_actors), [aid[a] for a in w.sides[sid].actors])
        except KeyError as e:
            raise ModelError(f"war.sides.{sid}.actors: unknown actor id {e.args[0]!r}") from None
        prof[sid] = side_profile(arr.position, arr.salience, arr.capability, arr.present, members, fallback)
    (a_pos, a_sal), (b_pos, b_sal) = prof["A"], prof["B"]
    covered = np.ones(I, dtype=bool)
    if w.terms.issues is not None:
        covered = np.isin(np.arange(I), [iid[i] for i in w.terms.issues])
    imap = IssueMap(a=a_pos, b=b_pos, alpha=a_sal * covered, beta=b_sal * covered, mapping=w.terms.mapping)

    # --- domestic constraints that do not move (D1-D2) and audience pledges (D3) --------------
    rat_bound, pledges, margins = {}, {}, {}
    for sid in ("A", "B"):
        s = w.sides[sid]
        floors, limits = [], []
        for k, r in enumerate(s.ratifiers):
            if r.floor is not None:
                floors.append(P[f"war.sides.{sid}.ratifiers[{k}].floor"])
            for i in r.limits:
                limits.append((iid[i], P[f"war.sides.{sid}.ratifiers[{k}].limits.{i}"]))
        rat_bound[sid] = ratifier_bound(floors, limits, imap, sid, D)
        margins[sid] = [(P[f"war.sides.{sid}.ratifiers[{k}].margin"], r.bears_costs)
                        for k, r in enumerate(s.ratifiers) if r.margin is not None]
        pledges[sid] = [
            (iid[c.issue], imap.tau(P[f"war.sides.{sid}.commitments[{k}].demand"], iid[c.issue]),
             P[f"war.sides.{sid}.commitments[{k}].audience_cost"])
            for k, c in enumerate(s.commitments)
        ]

    # --- state -------------------------------------------------------------------------------
    g = lambda n: P[f"war.sides.{n}"]  # noqa: E731
    cost = {s: g(f"{s}.cost").copy() for s in "AB"}
    horizon = {s: g(f"{s}.cost_horizon") for s in "AB"}
    disc = {s: g(f"{s}.discount").copy() for s in "AB"}
    hazard = {s: g(f"{s}.collapse_hazard").copy() for s in "AB"}
    power = {s: g(f"{s}.bargaining_power") for s in "AB"}
    memory = {s: g(f"{s}.memory") for s in "AB"}
    aA, bA = beta_prior(g("A.prior_win"), g("A.confidence"))
    aB, bB = beta_prior(1.0 - g("B.prior_win"), g("B.confidence"))  # B's belief about A's p_battle
    bf = w.battlefield
    N = bf.forts
    k = np.clip(np.rint(P["war.battlefield.start"]), 1, N - 1)
    lan = isinstance(bf, Lanchester)
    if lan:
        fA = P["war.battlefield.force_A"].copy()
        fB = P["war.battlefield.force_B"].copy()
        fA0, fB0 = fA.copy(), fB.copy()
        eff = {"A": P["war.battlefield.effectiveness_A"].copy(), "B": P["war.battlefield.effectiveness_B"].copy()}
        reinf = {"A": P["war.battlefield.reinforcement_A"].copy(), "B": P["war.battlefield.reinforcement_B"].copy()}
        p_true = lanchester_p(fA, fB, eff["A"], eff["B"])
    else:
        p_true = P["war.battlefield.p_battle"].copy()

    active = np.ones(D, dtype=bool)
    end_month = np.full(D, T, dtype=np.int64)
    stopped = np.full(D, "horizon", dtype=object)
    share = np.full(D, np.nan)
    settled = np.zeros(D, dtype=bool)
    binds = np.full(D, NO_DEAL, dtype=np.int8)  # what set a deal's terms (TERMS_SET_BY)
    ser = {n: np.empty((D, T + 1)) for n in ("p", "belief_A", "belief_B", "front")}
    lo_hist = np.empty((D, T + 1))
    hi_hist = np.empty((D, T + 1))

    for t in range(T + 1):
        if progress is not None and t:
            progress(D * t // (T + 1), D)
        # 1. shocks
        for j, sh in enumerate(w.shocks):
            if sh.month != t:
                continue
            name = f"war.shocks[{j}]." + ("delta" if sh.delta is not None else "value")
            v = P[name]
            if sh.what == "p_battle":
                cur = p_true if sh.side == "A" else 1.0 - p_true
                new = cur + v if sh.delta is not None else v
                new = np.clip(new, 0.0, 1.0)
                p_true = np.where(active, new if sh.side == "A" else 1.0 - new, p_true)
            else:
                target = {"cost": cost, "collapse_hazard": hazard, "discount": disc}.get(sh.what)
                if lan and sh.what in ("reinforcement", "effectiveness"):
                    target = reinf if sh.what == "reinforcement" else eff
                if sh.what == "force":
                    f = fA if sh.side == "A" else fB
                    f[:] = np.maximum(np.where(active, f + v if sh.delta is not None else v, f), 0.0)
                    continue
                new = target[sh.side] + v if sh.delta is not None else np.broadcast_to(v, (D,)).copy()
                lims = {"cost": (0, np.inf), "collapse_hazard": (0, 1), "discount": (1e-9, 1 - 1e-9)}
                lo_, hi_ = lims.get(sh.what, (0, np.inf))
                target[sh.side] = np.clip(np.where(active, new, target[sh.side]), lo_, hi_)
        if lan:
            p_true = np.where(active, lanchester_p(fA, fB, eff["A"], eff["B"]), p_true)

        # 2. beliefs -> each side's estimate of Fearon's p (W1)
        mA, mB = belief_mean(aA, bA), belief_mean(aB, bB)
        pA = ruin_probability(k, N, mA)
        pB = ruin_probability(k, N, mB)
        ser["p"][:, t] = ruin_probability(k, N, p_true)
        ser["belief_A"][:, t] = pA
        ser["belief_B"][:, t] = pB
        ser["front"][:, t] = k / N

        # 3. war values (M1); 4. feasible set (M2)
        wA = pA - cost["A"] * horizon["A"]
        wB = 1.0 - pB - cost["B"] * horizon["B"]
        lo = np.maximum(np.maximum(audience_bound(wA, pledges["A"], imap, "A"), rat_bound["A"]), 0.0)
        hi = np.minimum(np.minimum(audience_bound(wB, pledges["B"], imap, "B"), rat_bound["B"]), 1.0)
        for m, costs in margins["A"]:  # (D5) reversion point the war: x >= w_A + margin (p_A if it bears no costs)
            lo = np.maximum(lo, (wA if costs else pA) + m)
        for m, costs in margins["B"]:  # 1 - x >= w_B + margin (1 - p_B if it bears no costs)
            hi = np.minimum(hi, 1.0 - (wB if costs else 1.0 - pB) - m)
        lo_hist[:, t], hi_hist[:, t] = lo, hi
        deal = active & (lo <= hi + _TOL)

        # 5. terms (M3)
        if deal.any():
            if rule == "nash":
                xs = bg.nash_split(wA, wB, power["A"], power["B"])
            else:
                xs = bg.rubinstein_terms(disc["A"], disc["B"], wA, wB, w.bargaining.proposer)
            x = np.clip(xs, lo, np.maximum(hi, lo))
            share = np.where(deal, x, share)
            binds = np.where(deal, set_by(xs, lo, hi, wA, wB), binds)
            settled |= deal
            stopped[deal] = "settlement"
            end_month[deal] = t
            active &= ~deal
        if t == T:
            break
        if not active.any():  # every draw has ended: the state is frozen from here on
            for n in ser:
                ser[n][:, t + 1:] = ser[n][:, t:t + 1]
            lo_hist[:, t + 1:] = lo_hist[:, t:t + 1]
            hi_hist[:, t + 1:] = hi_hist[:, t:t + 1]
            break

        # 6. battle, learning, collapse, victory (same random numbers for every draw every month)
        u = rng.random(D)
        uc = rng.random((2, D))
        a_won = u < p_true
        k = step_front(k, a_won, active)
        aA, bA = update(aA, bA, a_won, active, memory["A"])
        aB, bB = update(aB, bB, a_won, active, memory["B"])
        if lan:
            nA, nB = lanchester_step(fA, fB, eff["A"], eff["B"], reinf["A"], reinf["B"])
            fA, fB = np.where(active, nA, fA), np.where(active, nB, fB)
        end_A, end_B = k >= N, k <= 0  # absorbing ends of the front
        if lan:  # a force below its breakpoint loses the war
            end_A = end_A | (fB < P["war.battlefield.breakpoint_B"] * fB0)
            end_B = end_B | (fA < P["war.battlefield.breakpoint_A"] * fA0)
        vic_A = active & end_A
        vic_B = active & ~vic_A & end_B
        for mask, label, val in ((vic_A, "victory_A", 1.0), (vic_B, "victory_B", 0.0)):
            stopped[mask] = label
            share[mask] = val
            end_month[mask] = t + 1
            active &= ~mask
        col_A = active & (uc[0] < hazard["A"])
        col_B = active & ~col_A & (uc[1] < hazard["B"])
        for mask, label, val in ((col_A, "collapse_A", 0.0), (col_B, "collapse_B", 1.0)):
            stopped[mask] = label
            share[mask] = val
            end_month[mask] = t + 1
            active &= ~mask

    # horizon: the front line as terms (a frozen conflict)
    share = np.where(np.isnan(share), k / N, share)
    forecast = imap.points(share)
    if not covered.all():
        forecast = np.where(covered[None], forecast, np.broadcast_to(fallback, forecast.shape))
    extras = summarise(share, settled, end_month, stopped, forecast, arr.issue_ids, T)
    extras.update({
        f"{n}_mean": ser[n].mean(0) for n in ser
    })
    extras["_share"] = share
    extras["_settled"] = settled
    extras["_notes"] = [ALL_ENDINGS_NOTE]
    extras["_lo"] = lo_hist
    extras["_hi"] = hi_hist
    extras["_binds"] = binds
    series = {n: np.broadcast_to(v[:, :, None], (D, T + 1, I)) for n, v in ser.items()}
    if progress is not None:
        progress(D, D)
    return Trajectory(forecast=forecast, series=series, rounds=end_month, stopped_by=stopped.astype(str),
                      extras=extras)


NO_DEAL = -1
TERMS_SET_BY = ("split", "A_war_value", "A_domestic", "B_war_value", "B_domestic")
"""What set a deal's share x (``extras["_binds"]``, an index into this, NO_DEAL without a deal):
the bargaining rule's split inside the feasible set (M3); A's floor, at its war value
``p_A - c_A H_A`` (M1) or raised above it by its audience costs and ratifiers (D1-D5); B's ceiling,
at 1 - its war value or lowered below it by its own."""


def set_by(xs: np.ndarray, lo: np.ndarray, hi: np.ndarray, wA: np.ndarray, wB: np.ndarray) -> np.ndarray:
    """Per draw, the index into :data:`TERMS_SET_BY` of what fixes ``clip(xs, lo, max(hi, lo))``.

    >>> import numpy as np
    >>> one = lambda v: np.array([v])
    >>> [TERMS_SET_BY[int(set_by(one(xs), one(0.4), one(0.7), one(wa), one(0.3))[0])]
    ...  for xs, wa in ((0.5, 0.3), (0.2, 0.4), (0.2, 0.3), (0.9, 0.3))]
    ['split', 'A_war_value', 'A_domestic', 'B_war_value']
    >>> TERMS_SET_BY[int(set_by(one(1.2), one(0.2), one(1.0), one(0.2), one(-0.1))[0])]  # B's limit past 1
    'B_war_value'
    """
    floor, ceiling = xs < lo, xs > np.maximum(hi, lo)
    # a side's own constraints moved its limit past its war value (clipped to the stakes, [0, 1]:
    # that clip is the war value's, not a domestic constraint)
    raised = lo > np.maximum(wA, 0.0) + _TOL
    lowered = hi < np.minimum(1.0 - wB, 1.0) - _TOL
    out = np.zeros(xs.shape, dtype=np.int8)
    out = np.where(floor, np.where(raised, 2, 1), out)
    return np.where(ceiling, np.where(lowered, 4, 3), out).astype(np.int8)


def summarise(share: np.ndarray, settled: np.ndarray, end_month: np.ndarray, stopped: np.ndarray,
              forecast: np.ndarray, issue_ids, T: int) -> dict[str, Any]:
    """Summaries over draws: settlement probability by month, time to settlement, outcome
    probabilities, terms given a deal."""
    D = share.shape[0]
    months = np.arange(T + 1)
    when = np.where(settled, end_month, T + 1)
    by_month = (when[:, None] <= months[None, :]).mean(0)
    out: dict[str, Any] = {"settlement_by_month": by_month, "settlement_probability": float(settled.mean())}
    labels = ("settlement", "victory_A", "victory_B", "collapse_A", "collapse_B", "horizon")
    out["outcome_probability"] = {lab: float((stopped == lab).mean()) for lab in labels}
    out["collapse_probability"] = {"A": out["outcome_probability"]["collapse_A"],
                                   "B": out["outcome_probability"]["collapse_B"]}
    q = {f"p{int(100 * p)}": None for p in QUANTILES}
    if settled.any():
        tm = end_month[settled].astype(float)
        qs = np.quantile(tm, QUANTILES)
        q = {f"p{int(100 * p)}": float(v) for p, v in zip(QUANTILES, qs)}
        q["mean"] = float(tm.mean())
    out["time_to_settlement"] = q
    terms: dict[str, Any] = {}
    if settled.any():
        sx = share[settled]
        out["share_given_deal"] = {"mean": float(sx.mean()),
                                   **{f"p{int(100 * p)}": float(v) for p, v in zip(QUANTILES, np.quantile(sx, QUANTILES))}}
        fq = np.quantile(forecast[settled], QUANTILES, axis=0)
        fm = forecast[settled].mean(0)
        for j, i in enumerate(issue_ids):
            terms[i] = {"mean": float(fm[j]), **{f"p{int(100 * p)}": float(fq[n, j]) for n, p in enumerate(QUANTILES)}}
    else:
        out["share_given_deal"] = None
    out["terms"] = terms
    out["share_mean"] = float(share.mean())
    out["draws"] = D
    return out
