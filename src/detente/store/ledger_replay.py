"""The DEU III backtest replayed as a forecast ledger.

Each scored DEU issue (351) is sealed as if it had been forecast before its outcome was known, then
graded with the outcome DEU III records: the ledger's scoring (absolute error, interval coverage,
CRPS, calibration table) then runs on real outcomes. As in the backtest
(:mod:`detente.backtest.deu`) the model runs once per legislative proposal (dossier), and each of
the dossier's issues is sealed with that dossier's scenario, with the outcomes taken out of it.

The records are marked ``meta.replay = "DEU III"`` and carry no analyst and no resolves-by date:
they are a replay, not a prospective track record. The 80 % intervals of models calibrated on DEU
III are in sample here (the calibration saw these outcomes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.store.ledger import Entry, Grade, InBatch, Ledger, LedgerError, seal_payload, sealed_forecasts

REPLAY = "DEU III"


def replay_deu(path: str | Path, ledger: Ledger, model: str = "mean", *, capabilities: str = "equal",
               power_index: str = "shapley_shubik", position_only: str = "skip", seed: int | None = None,
               options: dict[str, Any] | None = None, variant: str | None = None) -> list[Entry]:
    """Seal every scored DEU issue of the table at ``path`` with ``model``, then grade each with its
    recorded outcome, in ONE transaction; returns the new entries (seals first, then grades)."""
    from detente.backtest.deu import with_voting
    from detente.models import registry
    from detente.runner import DEFAULT_SEED, run
    from detente.scenario.model import Scenario
    from detente.scenario.readers.deu import backtest_issues, read_blksv_weights, read_deu_issues, to_scenario

    path = Path(path)
    seed = DEFAULT_SEED if seed is None else seed
    name = registry.get(model).name
    if capabilities == "equal" and name == "synthesis":  # as the backtest: the synthesis reads blksv resources
        capabilities = "blksv"
    base_caps = "blksv" if capabilities == "blksv" else "equal"
    weights = read_blksv_weights(path) if capabilities == "blksv" else None
    issues = backtest_issues(read_deu_issues(path))
    if not issues:
        raise InputError.one(str(path), "no scored DEU III issue in the table (an outcome and at least 3 actors "
                                        "with position and salience): nothing to replay")
    same = {"replay": REPLAY, "capabilities": capabilities, "position_only": position_only}
    done = [e.seq for e in ledger.entries() if e.kind == "seal" and e.payload.get("model") == name
            and all((e.payload.get("meta") or {}).get(k) == v for k, v in same.items())]
    if done:
        raise LedgerError(f"the ledger in {ledger.shown_url!r} already holds this DEU III replay of {name!r} "
                          f"(records {done[0]}-{done[-1]}); a second one would count every issue twice: "
                          "replay into another store")
    dossiers: dict[str, list] = {}
    for i in issues:
        dossiers.setdefault(i.dossier, []).append(i)
    seals: list[dict[str, Any]] = []
    grades: list[Grade] = []
    for key, group in dossiers.items():
        s = with_voting(to_scenario(group, key, str(path), base_caps, weights, position_only),  # type: ignore[arg-type]
                        group, capabilities, power_index)  # type: ignore[arg-type]
        data = s.model_dump(mode="json")
        for iss in data["issues"]:
            iss["outcome"] = None  # sealed before the outcome: the scenario does not hold it
        s = Scenario.model_validate(data)
        res = run(s, name, seed=seed, options=options or {}, variant=variant)
        fcs = sealed_forecasts(res)
        for i in group:
            grades.append(Grade(InBatch(len(seals)), float(i.outcome),  # type: ignore[arg-type]
                                f"DEU III recorded outcome ({path.name}, line {i.line})"))
            seals.append(seal_payload(
                s, res, issue=i.issue_id, forecast=fcs[i.issue_id], resolves_by=None, analyst=None,
                question=f"DEU III {i.issue_id} ({i.dossier_name}): where on 0-100 does the adopted act land?",
                criterion="the outcome coded in DEU III (Arregui & Perarnaud 2022, blksv derived copy) on the "
                          "issue's 0-100 scale",
                meta={"replay": REPLAY, "file": path.name, "capabilities": capabilities,
                      "position_only": position_only}))
    return ledger.append([*seals, *grades])
