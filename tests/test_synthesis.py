"""The synthesis model, its weights file (reproduced bit for bit) and the calibrated forecast intervals."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from detente import calibration as cb
from detente.runner import run
from detente.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
DEU = ROOT / "../shared/peers/deu-data/deu3_blksv.tsv"
FLAGSHIP = ROOT / "examples/ukraine-settlement.yaml"
needs_deu = pytest.mark.skipif(not DEU.exists(), reason="DEU III peer data not present")

TOY = {"name": "t", "actors": [{"id": "A"}, {"id": "B", "capability": 3}, {"id": "C"}],
       "issues": [{"id": "x"}, {"id": "z", "scale": {"min": 0, "max": 10}}],
       "stances": [{"actor": "A", "issue": "x", "position": {"low": 10, "high": 30}},
                   {"actor": "B", "issue": "x", "position": 70, "salience": 0.5},
                   {"actor": "C", "issue": "x", "position": 40},
                   {"actor": "A", "issue": "z", "position": {"low": 1, "high": 3}},
                   {"actor": "B", "issue": "z", "position": 7, "salience": 0.5},
                   {"actor": "C", "issue": "z", "position": 4}]}


def shipped() -> dict:
    return json.loads(resources.files("detente.data").joinpath(cb.DATA_FILE).read_text(encoding="utf-8"))


@needs_deu
@pytest.mark.slow
def test_weights_file_reproduced_bit_for_bit(tmp_path):
    data = shipped()
    prov = data["provenance"]
    out = tmp_path / "w.json"
    cmd = [sys.executable, "-m", "detente.backtest.fit", "--deu", str(DEU), "--out", str(out), "--date", prov["date"],
           "--seed", str(prov["seed"]), "--cv", str(prov["cv"]["k"]), "--repeats", str(prov["cv"]["repeats"])]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    assert out.read_bytes() == resources.files("detente.data").joinpath(cb.DATA_FILE).read_bytes()


def test_weights_file_provenance():
    data = shipped()
    prov = data["provenance"]
    assert len(prov["data_sha256"]) == 64 and prov["seed"] and prov["date"] and prov["detente_version"]
    assert prov["cv"]["grouped_by"].startswith("proposal") and prov["n_issues"] == 351
    if DEU.exists():
        import hashlib

        assert prov["data_sha256"] == hashlib.sha256(DEU.read_bytes()).hexdigest()
    comps = data["synthesis"]["components"]
    assert all(c["weight"] >= 0 for c in comps) and sum(c["weight"] for c in comps) == pytest.approx(1.0)
    models = {c["model"] for c in data["calibration"]}
    assert {"mean", "median", "bdm", "smp", "exchange", "synthesis"} <= models
    for c in data["calibration"]:
        assert 0.77 <= c["coverage_oos"] <= 0.83 and c["n"] == len(c["scores"]) == 351


def test_synthesis_is_the_weighted_components():
    s = Scenario.model_validate(TOY)
    r = run(s, "synthesis", draws=50, seed=2)
    ex = r.trajectory.extras["synthesis"]
    assert ex["led_by"] == "weights" and sum(ex["weights"].values()) == pytest.approx(1.0)
    from detente.models.synthesis import component_forecast, weights_entry

    from detente.scenario.arrays import ScenarioArrays
    comps = [c for c in weights_entry()["synthesis"]["components"] if c["weight"] > 0]
    input_seq, model_seq = np.random.SeedSequence(2).spawn(2)
    arr = ScenarioArrays.from_scenario(s, draws=50, rng=np.random.default_rng(input_seq))
    streams = np.random.default_rng(model_seq).spawn(len(comps))
    expected = sum(c["weight"] * component_forecast(c, arr, g) for c, g in zip(comps, streams))
    assert np.allclose(r.trajectory.forecast, expected / sum(c["weight"] for c in comps))
    assert set(ex["weights"]) == {c["name"] for c in comps}  # weight-0 components are not run


def test_result_interval_contract():
    s = Scenario.model_validate(TOY)
    one = run(s, "mean", seed=1)
    many = run(s, "mean", draws=400, seed=1)
    assert one.input_band is None and one.interval is not None and one.calibration["level"] == 0.8
    assert many.input_band is not None and many.interval is not None
    d1, dm = one.to_dict(), many.to_dict()
    assert "input_band" not in d1 and {"interval", "calibration"} <= set(d1)
    assert {"interval", "calibration", "input_band"} <= set(dm)
    assert d1["calibration"]["method"] == "split-conformal, grouped by proposal"
    for r in (one, many):
        for i in ("x", "z"):
            lo, hi = r.interval[i]
            assert lo <= r.forecast[i] <= hi
    # input uncertainty widens the forecast interval; the interval is wider than the band over draws
    for i in ("x", "z"):
        assert many.interval[i][1] - many.interval[i][0] > many.input_band[i][1] - many.input_band[i][0]
    # residuals are in units of the scale width: issue z (0-10) is issue x (0-100) shrunk tenfold
    assert np.allclose(np.array(one.interval["z"]) * 10, one.interval["x"])
    # a variant without its own calibration gets no forecast interval, only the band
    r = run(s, "bdm", draws=20, seed=1, variant="jmckib")
    assert r.interval is None and r.calibration is None and r.input_band is not None
    assert "interval" not in r.to_dict()
    # naming the default's variant is the default (a variant is a preset of options): same interval
    named, default = run(s, "bdm", draws=20, seed=1, variant="scholz"), run(s, "bdm", draws=20, seed=1)
    assert named.interval is not None and named.interval == default.interval


def test_calibrated_interval_single_draw_is_conformal():
    cal = cb.model_calibration("mean", run(Scenario.model_validate(TOY), "mean").options)
    assert cal is not None
    feats = {"dispersion": np.array([[0.2]]), "scale_min": np.array([0.0]), "scale_max": np.array([1e6])}
    lo, hi = cb.forecast_interval(cal, np.array([[5e5]]), feats)
    e = np.sort(np.asarray(cal["scores"]))
    n = len(e)
    qlo, qhi = cb.conformal_levels(n)
    s = 1e6 * (0.2 + cal["c"])
    assert lo[0] == pytest.approx(5e5 + s * e[int(round(qlo * n)) - 1])
    assert hi[0] == pytest.approx(5e5 + s * e[int(round(qhi * n)) - 1])


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="flagship example missing")
def test_synthesis_on_a_war_scenario_leads_with_the_terms_given_a_deal():
    from detente.scenario.io import load as load_scenario

    s = load_scenario(FLAGSHIP)
    syn = run(s, "synthesis", draws=300, seed=5)
    war = run(s, "war", draws=300, seed=5)
    ex = syn.trajectory.extras["synthesis"]
    assert ex["led_by"] == "war" and ex["basis"] == "terms given a deal"
    settled = war.trajectory.extras["_settled"]
    assert ex["p_deal"] == pytest.approx(settled.mean())
    assert any("given a deal" in n for n in syn.notes)
    for k, i in enumerate(syn.issue_ids):
        assert syn.forecast[i] == pytest.approx(float(np.median(war.trajectory.forecast[settled, k])))
    assert syn.interval is None and syn.input_band is not None
    d = syn.to_dict()
    assert "interval" not in d and d["extras"]["synthesis"]["led_by"] == "war"


@needs_deu
@pytest.mark.slow
def test_synthesis_backtest_out_of_sample():
    from detente.backtest.deu import backtest

    syn, = backtest(DEU, ["synthesis"], repeats=1)
    d = syn.to_dict()
    assert d["fitted"] is True and 0.77 <= d["coverage_80"] <= 0.83 and d["crps"] > 0
    assert d["mae_oos"] < 23.64 and d["ci"][0] <= d["mae_diff_vs_mean"] <= d["ci"][1]
    assert d["mae"] == pytest.approx(shipped()["synthesis"]["mae_in_sample"], abs=1e-3)


def _eu_scenario(cap_de: float = 1.0) -> Scenario:
    members = ["de", "fr", "it", "uk", "es", "be", "el", "nl", "pt", "at", "se", "dk", "ie", "fi", "lu"]
    pos = {"com": 100.0, "ep": 100.0, **{m: 0.0 for m in members}}
    pos["de"] = 50.0
    return Scenario.model_validate({
        "name": "eu", "actors": [{"id": a, "capability": cap_de if a == "de" else 1.0} for a in pos],
        "issues": [{"id": "cns", "voting": {"procedure": "CNS", "rule": "Unan", "council": "EU-15"}},
                   {"id": "plain"}],
        "stances": [{"actor": a, "issue": i, "position": p} for i in ("cns", "plain") for a, p in pos.items()]})


def test_component_uses_voting_power_where_an_issue_declares_its_procedure():
    from detente.models.synthesis import component_forecast
    from detente.scenario.arrays import ScenarioArrays

    arr = ScenarioArrays.from_scenario(_eu_scenario())
    comp = {"name": "p", "model": "mean", "capabilities": "power_resources", "index": "banzhaf",
            "power_exponent": 1.0, "resource_exponent": 0.0}
    f = component_forecast(comp, arr, np.random.default_rng(1))[0]
    # under consultation and unanimity the Commission and the Parliament have no say: the member states
    # decide, each with equal power (1 of 15 at 50, the rest at 0)
    assert f[0] == pytest.approx(50.0 / 15)
    assert f[1] == pytest.approx(run(_eu_scenario(), "mean", options={}).forecast["plain"])  # no rule: P = 1


def test_capability_rule_k1_powers_of_resources():
    from detente.models.capability import capability
    from detente.scenario.arrays import ScenarioArrays

    arr = ScenarioArrays.from_scenario(_eu_scenario(cap_de=4.0))
    j = arr.actor_ids.index("de")
    half = capability(arr, {"capabilities": "power_resources", "power_exponent": 0.0, "resource_exponent": 0.5})
    assert half[0, :, j].tolist() == [2.0, 2.0] and half[0, 0, arr.actor_ids.index("fr")] == 1.0
    eq = capability(arr, {"capabilities": "equal"})
    assert eq[0, :, j].tolist() == [1.0, 1.0]
    both = capability(arr, {"capabilities": "power_resources", "index": "banzhaf", "power_exponent": 1.0,
                            "resource_exponent": 1.0})
    assert both[0, 0, arr.actor_ids.index("com")] == 0.0 and both[0, 0, j] == pytest.approx(4.0 / 15)
    with pytest.raises(ValueError, match="capability rule"):
        capability(arr, {"capabilities": "gdp"})


def test_shipped_synthesis_runs_its_chosen_rule_only():
    from detente.models.capability import capability
    from detente.scenario.arrays import ScenarioArrays

    comps = [c for c in shipped()["synthesis"]["components"] if c["weight"] > 0]
    s = _eu_scenario(cap_de=4.0)
    r = run(s, "synthesis")
    assert set(r.trajectory.extras["synthesis"]["weights"]) == {c["name"] for c in comps}
    arr = ScenarioArrays.from_scenario(s)
    w = arr.salience * arr.present[None]
    expect = 0.0
    for c in comps:
        cw = capability(arr, c) * w
        expect = expect + c["weight"] * (cw * arr.position).sum(-1) / cw.sum(-1)
    assert [r.forecast[i] for i in ("cns", "plain")] == pytest.approx(np.ravel(expect).tolist())


def test_procedure_factor_scales_the_interval_per_procedure():
    from detente.backtest.scores import calibrate, interval_scores

    rng = np.random.default_rng(3)
    n = 400
    procs = np.array(["COD-QMV"] * 200 + ["CNS-Unan"] * 200, dtype=object)
    sd = np.where(procs == "COD-QMV", 5.0, 20.0)
    f = np.full(n, 50.0)
    y = f + rng.normal(0, sd)
    disp = np.full(n, 0.1)
    cal = calibrate(y, f, disp, np.full(n, 100.0), procs=procs)
    k = cal["procedure_scale"]
    assert k["CNS-Unan"] / k["COD-QMV"] == pytest.approx(4.0, rel=0.25)
    y2 = f + rng.normal(0, sd)
    sc = interval_scores(cal, y2, f, disp, np.full(n, 100.0), procs=procs)
    for p in ("COD-QMV", "CNS-Unan"):
        assert 0.72 <= sc["covered"][procs == p].mean() <= 0.88
    pooled = interval_scores(calibrate(y, f, disp, np.full(n, 100.0)), y2, f, disp, np.full(n, 100.0))
    assert pooled["covered"][procs == "COD-QMV"].mean() > 0.95  # one scale for both: far too wide for one
