"""Why a forecast lands where it does, and what would move it (issue #11).

* :mod:`~detente.explain.utilities` - winners and losers in each model's own utility form;
* :mod:`~detente.explain.pivotal` - contributions and leave-one-out forecasts (one batched run);
* :mod:`~detente.explain.events` - why each actor moved in each round (bdm, smp, exchange);
* :mod:`~detente.explain.levers` - the smallest change of one actor that moves the forecast to a
  target, and the position an actor should announce (``detente levers``).

All are pure functions over the scenario and a :class:`~detente.result.Result`; nothing prints.
:func:`explain` returns the ``explain`` and ``events`` records that ``Result.to_dict`` carries once
:func:`attach` has put them on the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package loads nothing else: the modules are imported by what uses them
    from detente.explain.common import Progress

__all__ = ["explain", "attach"]


def explain(scenario: Any, result: Any, progress: Progress | None = None,
            war_sensitivity: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(explain, events) of a finished run.

    explain = {"utility": {...winners and losers...}, "pivotal": {...}, "war": {...} (war model)};
    events = per-round reasons at the point values (round-based models), else None.
    ``war_sensitivity`` adds, for the war model, the Morris ranking of which war inputs move
    P(deal within 12 months) most (about a second: many replicated war runs)."""
    import numpy as np

    from detente.explain.common import point_run, result_inputs
    from detente.explain.events import events_for
    from detente.explain.pivotal import loo_draws, pivotal
    from detente.explain.utilities import war_shares

    spec, opts, arr, seq = result_inputs(scenario, result)
    util = gains(spec, opts, arr, result.trajectory, loo_draws(spec))
    piv = pivotal(spec, arr, opts, seq, progress, forecast=result.trajectory.forecast)
    out: dict[str, Any] = {"model": spec.name, "utility": util, "pivotal": piv}
    if spec.name == "war":
        from detente.explain.war import deal_sensitivity, p_deal

        out["war"] = war_shares(arr, result.trajectory)
        if out["war"] is not None:
            from detente.explain.utilities import terms_sentence
            from detente.models.war.endings import side_names

            rule = dict(result.options).get("rule")
            if rule in (None, "scenario"):
                rule = ((scenario.war or {}).get("bargaining") or {}).get("rule")
            names = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
            out["war"]["terms_text"] = terms_sentence(out["war"], names, rule)
            out["war"]["p_deal_within_12_months"] = round(float(p_deal(result.trajectory, 12).mean()), 4)
            out["war"]["at_central_estimates"] = central_deal(scenario, spec, opts, seq, arr.draws)
            if war_sensitivity:
                out["war"]["what_moves_p_deal"] = deal_sensitivity(scenario, seed=result.seed,
                                                                   options=dict(result.options))
    events = None
    if spec.has_rounds and spec.name != "war":
        parr, ptraj = point_run(scenario, result)
        top = piv["ranking"][0]["actor"] if piv["ranking"] else None
        events = events_for(spec.name, parr, ptraj, opts, seq, perception_actor=top,
                            names={a.id: a.label for a in scenario.actors})
        if events is not None and ptraj.positions is not None:
            T = int(np.max(ptraj.rounds)) if ptraj.rounds is not None else ptraj.positions.shape[1] - 1
            events["positions"] = {
                iid: {aid: [round(float(v), 6) for v in ptraj.positions[0, : T + 1, k, a]]
                      for a, aid in enumerate(parr.actor_ids) if parr.present[k, a]}
                for k, iid in enumerate(parr.issue_ids)
            }
            events["forecast"] = {iid: round(float(ptraj.forecast[0, k]), 6) for k, iid in enumerate(parr.issue_ids)}
    return out, events


def gains(spec: Any, opts: Any, arr: Any, traj: Any, draws: int) -> dict[str, Any]:
    """Who gains, who loses (:func:`~detente.explain.utilities.winners_losers`) on the first
    ``draws`` draws of the run, read as its other answers are (``spec.read``): for the war model on
    the draws that end in a deal, the terms given a deal (``given``), with at least
    :data:`~detente.explain.common.MIN_DEALS` of them, else every actor "not measured"."""
    import numpy as np

    from detente.explain.common import MIN_DEALS
    from detente.explain.utilities import TOO_FEW_DEALS, unmeasured, winners_losers

    f = spec.read(traj)
    rows = np.arange(min(draws, arr.draws))
    if spec.given is not None:  # the draws where the reading exists (a war's deals)
        rows = np.flatnonzero(np.isfinite(f).all(axis=1))[:draws]
    if spec.given is not None and rows.size < MIN_DEALS:
        util = unmeasured(spec.name, arr, TOO_FEW_DEALS)
        util["note"] = (f"draws ending in {spec.given}: {rows.size} of {arr.draws}, fewer than the {MIN_DEALS} "
                        f"needed to read who gains and who is pivotal at the terms given {spec.given}; "
                        "use more draws (--draws)")
    else:
        util = winners_losers(spec.name, arr.take(rows), f[rows], opts)
    util["draws_used"] = int(rows.size)
    if spec.given is not None:
        util["given"] = spec.given
        util["total"] += f" that end in {spec.given}"
    return util


def central_deal(scenario: Any, spec: Any, opts: Any, seq: Any, draws: int) -> dict[str, Any]:
    """The war with every estimate at its central value, ``draws`` random battle paths (the run's
    model random numbers): P(deal within 12 months) and within the horizon. Set beside the run's
    own figures, it says how much of the chance of a deal comes from the inputs' uncertainty - on
    the flagship all of it: at the central estimates no war ends in a deal."""
    import numpy as np

    from detente.explain.common import tile
    from detente.explain.war import p_deal
    from detente.scenario.arrays import ScenarioArrays

    traj = spec.run(tile(ScenarioArrays.from_scenario(scenario), draws), opts, np.random.default_rng(seq))
    settled = np.asarray(traj.extras["_settled"], bool)
    return {"p_deal_within_12_months": round(float(p_deal(traj, 12).mean()), 4),
            "p_deal": round(float(settled.mean()), 4), "draws": int(draws)}


def attach(scenario: Any, result: Any, progress: Progress | None = None, war_sensitivity: bool = True) -> Any:
    """Compute :func:`explain` and store it on ``result`` (``result.explain``, ``result.events``)."""
    result.explain, result.events = explain(scenario, result, progress, war_sensitivity)
    return result
