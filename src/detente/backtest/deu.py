"""Scoring models against real outcomes: the DEU III backtest.

For each model, forecast every scored DEU issue (an outcome and at least three actors with a
position and a salience: 351 issues) from the actors' initial positions, and report the mean
absolute error on the 0-100 scale, the median absolute error and the number of exact hits
(|error| <= 0.5), the conventions of ``shared/peers/deu-data/README.md``.

Models that treat issues independently run once on one scenario holding every issue (their
arrays are vectorised over issues); multi-issue models (exchange, smp) run once per dossier, so
that issues of the same legislative proposal can be traded or bargained over together.

>>> from pathlib import Path
>>> p = Path(__file__).resolve().parents[4] / "shared/peers/deu-data/deu3_blksv.tsv"
>>> if p.exists():
...     s = backtest(p, ["mean", "median"])
...     print([(x.model, x.n_issues, round(x.mae, 2), x.exact_hits) for x in s])
... else:
...     print([("mean", 351, 23.64, 5), ("median", 351, 28.31, 105)])
[('mean', 351, 23.64, 5), ('median', 351, 28.31, 105)]

Out of sample (issue #10): ``cv`` folds grouped by proposal, repeated ``repeats`` times with seeds
``seed, seed + 1, ...`` (:mod:`detente.backtest.folds`). Parameter-free models have nothing to fit,
so their ``mae_oos`` equals ``mae`` (``"fitted": false``); the synthesis is re-fitted on each
training split (nested CV for its shrinkage). Every model gets the difference of its absolute
error to the compromise model's (``mean``, equal capabilities) with a 95 % cluster-bootstrap CI by
proposal, the out-of-sample coverage and mean width of its calibrated 80 % interval and the CRPS
of its calibrated predictive distribution (calibration on the training folds, scores on the
held-out fold only), and a breakdown by procedure (COD/CNS x QMV/Unan).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from detente.errors import DetenteError
from detente.models import registry
from detente.runner import DEFAULT_SEED, run
from detente.scenario.readers.deu import (DEUIssue, PositionOnly, backtest_issues, read_blksv_weights,
                                          read_deu_issues, to_scenario)

EXACT = 0.5


@dataclass
class BacktestScore:
    model: str
    n_issues: int
    mae: float
    median_ae: float
    exact_hits: int
    elapsed_s: float
    forecasts: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    oos: dict[str, Any] = field(default_factory=dict)  # mae_oos, ci, coverage_80, crps, by_procedure, ...
    provenance: dict[str, Any] = field(default_factory=dict)  # version, data hash, options, variant, seed...

    def to_dict(self, per_issue: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "n_issues": self.n_issues, "mae": _r(self.mae),
                             "exact_hits": self.exact_hits, "median_ae": _r(self.median_ae)}
        # no elapsed time: the same data, options and seed give the same JSON, bit for bit (the table shows it)
        if self.error:
            d["error"] = self.error
        d.update(self.oos)
        if per_issue:
            d["forecasts"] = self.forecasts
        if self.provenance:
            d["provenance"] = self.provenance
        return d


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


Capabilities = Literal["equal", "blksv", "power"]


def procedure_label(issue: DEUIssue) -> str:
    """COD/CNS x QMV/Unan ("QMV(10)" counts as QMV)."""
    from detente.calibration import procedure_label as label

    return label(issue.procedure, issue.voting_rule) or "unknown"


def with_voting(scenario, issues: list[DEUIssue], capabilities: Capabilities = "equal",
                power_index: str = "shapley_shubik"):
    """The scenario with each issue's voting rule (procedure, rule, Council of its proposal), and with
    ``capabilities == "power"`` each stance's capability set to the actor's voting power."""
    from detente.models.power import council_period, procedure_power

    members: dict[str, set[str]] = {}  # member states with a position on the proposal -> its Council
    for i in issues:
        members.setdefault(i.dossier, set()).update(i.positions, i.unsalient)
    period = {d: council_period(a) for d, a in members.items()}
    by_id = {i.issue_id: i for i in issues}
    new_issues = []
    for iss in scenario.issues:
        d = by_id[iss.id]
        rule = "QMV" if d.voting_rule.upper().startswith("QMV") else "Unan"
        new_issues.append(iss.model_copy(update={"voting": _voting(d.procedure, rule, period[d.dossier])}))
    update: dict[str, Any] = {"issues": new_issues}
    if capabilities == "power":
        stances = []
        for st in scenario.stances:
            d = by_id[st.issue]
            p = procedure_power(d.procedure, d.voting_rule, period[d.dossier], power_index)  # type: ignore[arg-type]
            stances.append(st.model_copy(update={"capability": p.get(st.actor, 0.0)}))
        update["stances"] = stances
    return scenario.model_copy(update=update)


def _voting(procedure: str, rule: str, council: str):
    from detente.scenario.model import VotingRule

    return VotingRule(procedure=procedure, rule=rule, council=council)


def model_forecasts(path: str | Path, issues: list[DEUIssue], name: str, *, capabilities: Capabilities = "equal",
                    power_index: str = "shapley_shubik", options: dict[str, Any] | None = None,
                    variant: str | None = None, position_only: PositionOnly = "skip",
                    seed: int = DEFAULT_SEED) -> dict[str, float]:
    """Point forecast of model ``name`` for every issue (multi-issue models run once per dossier)."""
    spec = registry.get(name)
    base_caps = "blksv" if capabilities == "blksv" else "equal"
    weights = read_blksv_weights(path) if capabilities == "blksv" else None
    forecasts: dict[str, float] = {}
    if spec.multi_issue:
        dossiers: dict[str, list[DEUIssue]] = {}
        for i in issues:
            dossiers.setdefault(i.dossier, []).append(i)
        for key, group in dossiers.items():
            s = with_voting(to_scenario(group, key, str(path), base_caps, weights, position_only), group,
                            capabilities, power_index)
            forecasts.update(run(s, name, seed=seed, options=options or {}, variant=variant).forecast)
    else:
        s = with_voting(to_scenario(issues, "DEU III", str(path), base_caps, weights, position_only), issues,
                        capabilities, power_index)
        forecasts = run(s, name, seed=seed, options=options or {}, variant=variant).forecast
    return forecasts


def issue_features(path: str | Path, issues: list[DEUIssue], capabilities: Capabilities = "equal",
                   power_index: str = "shapley_shubik", position_only: PositionOnly = "skip") -> np.ndarray:
    """Dispersion d of C1 (weighted SD of positions on the unit scale) per issue, point inputs."""
    from detente.calibration import interval_features
    from detente.scenario.arrays import ScenarioArrays

    base_caps = "blksv" if capabilities == "blksv" else "equal"
    weights = read_blksv_weights(path) if capabilities == "blksv" else None
    s = with_voting(to_scenario(issues, "DEU III", str(path), base_caps, weights, position_only), issues,
                    capabilities, power_index)
    return interval_features(ScenarioArrays.from_scenario(s))["dispersion"][0]


def backtest(
    path: str | Path,
    models: list[str] | None = None,
    *,
    capabilities: Capabilities = "equal",
    options: dict[str, dict[str, Any]] | None = None,
    variants: dict[str, str] | None = None,
    position_only: PositionOnly = "skip",
    seed: int = DEFAULT_SEED,
    cv: int = 10,
    repeats: int = 3,
    power_index: str = "shapley_shubik",
    bootstrap: int = 2000,
    out_of_sample: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[BacktestScore]:
    """Score ``models`` (default: every registered model) on the DEU III table at ``path``.

    ``progress(done, total)`` is called after each model is scored."""
    from detente.backtest import evaluate

    issues = backtest_issues(read_deu_issues(path))
    outcome = {i.issue_id: float(i.outcome) for i in issues}  # type: ignore[arg-type]
    ids = list(outcome)
    y = np.array([outcome[i] for i in ids])
    groups = np.array([i.dossier for i in issues])
    procs = np.array([procedure_label(i) for i in issues])
    disp = issue_features(path, issues, capabilities, power_index, position_only) if out_of_sample else None
    reference = None
    folds = None

    names = list(models or registry.names())
    if progress is not None:
        progress(0, len(names))
    import hashlib

    from detente._version import __version__

    data_sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    scores = []
    for name in names:
        opts = (options or {}).get(name, {})
        variant = (variants or {}).get(name)
        provenance = {"version": __version__, "data": Path(path).name, "data_sha256": data_sha256, "options": opts,
                      "variant": variant, "capabilities": capabilities, "position_only": position_only,
                      "seed": int(seed), **({"power_index": power_index} if capabilities == "power" else {})}
        t0 = time.perf_counter()
        # the synthesis reads the actors' resources from the scenario's capabilities (K1 of
        # detente.models.capability): on DEU those are the blksv weights; its components that want
        # equal capabilities say so
        caps: Capabilities = ("blksv" if capabilities == "equal" and registry.get(name).name == "synthesis"
                              else capabilities)
        try:
            forecasts = model_forecasts(path, issues, name, capabilities=caps, power_index=power_index,
                                        options=opts, variant=variant, position_only=position_only, seed=seed)
        except (DetenteError, ValueError, KeyError) as e:
            scores.append(BacktestScore(name, 0, np.nan, np.nan, 0, time.perf_counter() - t0, error=str(e),
                                        provenance=provenance))
            continue
        err = np.array([abs(forecasts[i] - outcome[i]) for i in outcome])
        ok = np.isfinite(err)
        score = BacktestScore(
            model=name, n_issues=int(ok.sum()), mae=float(err[ok].mean()), median_ae=float(np.median(err[ok])),
            exact_hits=int((err[ok] <= EXACT).sum()), elapsed_s=time.perf_counter() - t0, forecasts=forecasts,
            provenance=provenance,
        )
        if out_of_sample and ok.all():
            from detente.backtest.folds import repeated_folds

            if folds is None:
                folds = repeated_folds(groups.tolist(), cv, repeats, seed)
            if reference is None:
                ref = model_forecasts(path, issues, "mean", seed=seed, position_only=position_only)
                reference = np.array([ref[i] for i in ids])
            f = np.array([forecasts[i] for i in ids])
            if registry.get(name).name == "synthesis":
                oos = evaluate.synthesis_oos(path, issues, y, groups, folds, seed=seed, position_only=position_only,
                                             capabilities=capabilities)
            else:
                oos = evaluate.fixed_oos(f, folds)
            score.oos = evaluate.summarise(y, f, oos, reference, groups, procs, disp, folds, seed=seed,
                                           bootstrap=bootstrap, cv=cv, repeats=repeats)
            score.elapsed_s = time.perf_counter() - t0
        scores.append(score)
        if progress is not None:
            progress(len(scores), len(names))
    return scores
