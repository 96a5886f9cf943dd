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
from detente.scenario.readers.deu import (PositionOnly, backtest_issues, read_blksv_weights, read_deu_issues,
                                          to_scenario)

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

    def to_dict(self, per_issue: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "n_issues": self.n_issues, "mae": _r(self.mae),
                             "exact_hits": self.exact_hits, "median_ae": _r(self.median_ae),
                             "elapsed_s": round(self.elapsed_s, 3)}
        if self.error:
            d["error"] = self.error
        if per_issue:
            d["forecasts"] = self.forecasts
        return d


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


def backtest(
    path: str | Path,
    models: list[str] | None = None,
    *,
    capabilities: Literal["equal", "blksv"] = "equal",
    options: dict[str, dict[str, Any]] | None = None,
    variants: dict[str, str] | None = None,
    position_only: PositionOnly = "skip",
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> list[BacktestScore]:
    """Score ``models`` (default: every registered model) on the DEU III table at ``path``.

    ``progress(done, total)`` is called after each run: one per dossier for models whose issues
    interact, one for all issues at once otherwise."""
    issues = backtest_issues(read_deu_issues(path))
    weights = read_blksv_weights(path) if capabilities == "blksv" else None
    outcome = {i.issue_id: float(i.outcome) for i in issues}  # type: ignore[arg-type]
    combined = None
    dossiers: dict[str, list] = {}
    for i in issues:
        dossiers.setdefault(i.dossier, []).append(i)

    names = list(models or registry.names())
    total = sum(len(dossiers) if registry.get(n).multi_issue else 1 for n in names)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    scores = []
    for name in names:
        spec = registry.get(name)
        opts = (options or {}).get(name, {})
        variant = (variants or {}).get(name)
        t0 = time.perf_counter()
        forecasts: dict[str, float] = {}
        try:
            if spec.multi_issue:
                for key, group in dossiers.items():
                    s = to_scenario(group, key, str(path), capabilities, weights, position_only)
                    forecasts.update(run(s, name, seed=seed, options=opts, variant=variant).forecast)
                    tick()
            else:
                if combined is None:
                    combined = to_scenario(issues, "DEU III", str(path), capabilities, weights, position_only)
                forecasts = run(combined, name, seed=seed, options=opts, variant=variant).forecast
                tick()
        except (DetenteError, ValueError, KeyError) as e:
            scores.append(BacktestScore(name, 0, np.nan, np.nan, 0, time.perf_counter() - t0, error=str(e)))
            continue
        err = np.array([abs(forecasts[i] - outcome[i]) for i in outcome])
        ok = np.isfinite(err)
        scores.append(BacktestScore(
            model=name, n_issues=int(ok.sum()), mae=float(err[ok].mean()), median_ae=float(np.median(err[ok])),
            exact_hits=int((err[ok] <= EXACT).sum()), elapsed_s=time.perf_counter() - t0, forecasts=forecasts,
        ))
    return scores
