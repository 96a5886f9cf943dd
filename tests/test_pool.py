"""Pooling analysts' views: the mixture kind, analyst-coherent sampling, ``detente pool`` and the
variance split (issue #15, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtr

from detente.cli import main
from detente.errors import InputError
from detente.pool.merge import pool_scenarios
from detente.pool.variance import variance_split
from detente.runner import run
from detente.scenario.arrays import ScenarioArrays, input_space, scenario_hash
from detente.scenario.io import load, read_native, save
from detente.scenario.model import Scenario
from detente.scenario.uncertain import Mixture, _coerce, bounds_of, is_uncertain, point
from detente.scenario.sampling import InputSpace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def view(r_pos, u_pos=20.0, r_cap=1.0, analyst=None, extra=None) -> Scenario:
    """Two actors R and U on one issue x (0-100); the mean model's forecast is their weighted mean."""
    d = {"name": "v", "actors": [{"id": "R", "capability": r_cap}, {"id": "U"}], "issues": [{"id": "x"}],
         "stances": [{"actor": "R", "issue": "x", "position": r_pos}, {"actor": "U", "issue": "x", "position": u_pos}]}
    if analyst:
        d["analyst"] = analyst
    d.update(extra or {})
    return Scenario.model_validate(d)


def mixture_cdf(x: np.ndarray, parts: list[tuple[float, object]], lo: float, hi: float) -> np.ndarray:
    """The CDF of a mixture of uniform, triangular and (truncated) normal parts, by hand."""
    total = sum(w for w, _ in parts)
    out = np.zeros_like(x)
    for w, d in parts:
        if "mode" in d:
            a, c, b = d["low"], d["mode"], d["high"]
            f = np.where(x <= c, (x - a) ** 2 / ((b - a) * (c - a)), 1 - (b - x) ** 2 / ((b - a) * (b - c)))
            f = np.where(x < a, 0.0, np.where(x > b, 1.0, f))
        elif "low" in d:
            f = np.clip((x - d["low"]) / (d["high"] - d["low"]), 0, 1)
        else:
            fa, fb = ndtr((lo - d["mean"]) / d["sd"]), ndtr((hi - d["mean"]) / d["sd"])
            f = np.clip((ndtr((x - d["mean"]) / d["sd"]) - fa) / (fb - fa), 0, 1)
        out += w / total * f
    return out


def ks(sample: np.ndarray, cdf) -> float:  # type: ignore[no-untyped-def]
    """Kolmogorov-Smirnov distance of a sample from a continuous CDF."""
    x = np.sort(sample)
    n = len(x)
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


PARTS = [(1.0, {"low": 0.0, "high": 10.0}), (3.0, {"mode": 30.0, "low": 20.0, "high": 60.0}),
         (2.0, {"mean": 70.0, "sd": 15.0})]
MIX = {"mixture": [{"weight": w, "value": d} for w, d in PARTS]}


# -- the mixture kind ------------------------------------------------------------------------------


def test_mixture_point_bounds_and_serialisation() -> None:
    m = _coerce({"mixture": [{"weight": 2, "value": 30}, {"weight": 1, "value": {"low": 60, "high": 80},
                                                         "analyst": "B"}]})
    assert isinstance(m, Mixture)
    assert point(m) == pytest.approx((2 * 30 + 70) / 3)
    assert bounds_of(m) == (30.0, 80.0) and is_uncertain(m)
    same = _coerce({"mixture": [{"weight": 1, "value": 5}, {"weight": 3, "value": {"low": 5, "high": 5}}]})
    assert not is_uncertain(same) and point(same) == 5.0
    s = view({"mixture": [{"weight": 2, "value": 30}, {"weight": 1, "value": {"low": 60, "high": 80}}]})
    dumped = s.model_dump(mode="json")["stances"][0]["position"]
    assert dumped == {"mixture": [{"weight": 2.0, "value": 30.0}, {"weight": 1.0, "value": {"low": 60.0, "high": 80.0}}]}
    assert Scenario.model_validate(s.model_dump(mode="json")) == s


def test_unpooled_scenarios_serialise_and_hash_as_before() -> None:
    s = load(EXAMPLES / "ukraine-settlement.yaml")
    data = s.model_dump(mode="json")
    assert "analyst" not in data and "analysts" not in data
    assert all("analyst" not in e for st in data["stances"] for e in st["evidence"])
    # the sampled space of a scenario without mixtures has no analyst column
    space, _, _ = input_space(s)
    assert "analyst" not in space.names and not space.mixtures and space.selector is None


@pytest.mark.parametrize("value, path, message", [
    ({"mixture": [{"weight": 0, "value": 30}]}, "stances[0].position", "mixture[0].weight: must be a finite number greater than 0 (got 0)"),
    ({"mixture": [{"weight": 1, "value": 3}, {"weight": -2, "value": 30}]}, "stances[0].position", "mixture[1].weight: must be a finite number greater than 0 (got -2)"),
    ({"mixture": [{"weight": "x", "value": 30}]}, "stances[0].position", "mixture[0].weight: must be a number (got 'x')"),
    ({"mixture": []}, "stances[0].position", "mixture must be a list of at least one"),
    ({"mixture": [{"weight": 1, "value": {"mixture": [{"weight": 1, "value": 3}]}}]}, "stances[0].position",
     "mixture[0].value: a mixture cannot hold another mixture"),
    ({"mixture": [{"weight": 1, "value": 30, "who": "A"}]}, "stances[0].position", "mixture[0]: expected {weight, value}"),
    ({"mixture": [{"weight": 1, "value": 30}, {"weight": 1, "value": {"low": 90, "high": 140}}]},
     "stances[0].position.mixture[1].value", "off the scale [0, 100] of issue 'x' (got {low: 90"),
])
def test_bad_mixtures_name_the_field(tmp_path: Path, value, path: str, message: str) -> None:
    f = tmp_path / "bad.json"
    d = view(30).model_dump(mode="json")
    d["stances"][0]["position"] = value
    f.write_text(json.dumps(d))
    with pytest.raises(InputError) as e:
        load(f)
    text = str(e.value)
    assert f"{path}: " in text and message in text, text


def test_analyst_labels_are_checked_against_the_declared_analysts() -> None:
    base = view(30).model_dump(mode="json")
    base["analysts"] = [{"id": "A", "weight": 2}, {"id": "B", "weight": 1}]
    unknown = json.loads(json.dumps(base))
    unknown["stances"][0]["position"] = {"mixture": [{"weight": 2, "value": 30, "analyst": "A"},
                                                     {"weight": 1, "value": 40, "analyst": "C"}]}
    with pytest.raises(Exception) as e:
        Scenario.model_validate(unknown)
    assert "stances[0].position.mixture[1].analyst: names no analyst in `analysts` (got 'C')" in str(e.value)
    mismatch = json.loads(json.dumps(base))
    mismatch["actors"][0]["capability"] = {"mixture": [{"weight": 1, "value": 3, "analyst": "A"}]}
    with pytest.raises(Exception) as e:
        Scenario.model_validate(mismatch)
    assert "actors[0].capability.mixture[0].weight: must equal analyst 'A''s weight 2 (got 1)" in str(e.value)
    dup = json.loads(json.dumps(base))
    dup["analysts"].append({"id": "A", "weight": 1})
    with pytest.raises(Exception) as e:
        Scenario.model_validate(dup)
    assert "analysts[2].id: is already the id of another analyst: ids must be unique (got 'A')" in str(e.value)
    bad_weight = json.loads(json.dumps(base))
    bad_weight["analysts"][1]["weight"] = 0
    with pytest.raises(Exception) as e:
        Scenario.model_validate(bad_weight)
    assert "analysts.1.weight" in str(e.value) and "greater than 0" in str(e.value)


def test_a_war_block_mixture_names_a_declared_analyst_too() -> None:
    """As a stance's mixture: an analyst label in the war block must name a declared analyst, even
    in a scenario that declares none."""
    war = {"sides": {"A": {"actors": ["R"], "prior_win": {"mixture": [
        {"weight": 1, "value": 0.6, "analyst": "Z"}, {"weight": 1, "value": 0.4}]}}, "B": {"actors": ["U"]}}}
    with pytest.raises(Exception) as e:
        view(30, extra={"war": war})
    assert "war.sides.A.prior_win.mixture[0].analyst: names no analyst in `analysts` (got 'Z')" in str(e.value)
    war["sides"]["A"]["prior_win"]["mixture"][0].pop("analyst")
    assert view(30, extra={"war": war}).war is not None  # unlabelled: a plain mixture


# -- sampling -----------------------------------------------------------------------------------


def test_mixture_draws_follow_the_mixture_cdf() -> None:
    n = 20_000
    space = InputSpace.from_items([("m", _coerce(MIX), (0.0, 100.0))])
    x = space.sample(n, np.random.default_rng(3))[:, 0]
    d = ks(x, lambda v: mixture_cdf(v, PARTS, 0.0, 100.0))
    assert d < 1.63 / np.sqrt(n), d  # the 1 % critical value of the KS test
    # the same check fails for a mixture with other weights: the test can tell them apart
    wrong = [(3.0, PARTS[0][1]), (1.0, PARTS[1][1]), (2.0, PARTS[2][1])]
    assert ks(x, lambda v: mixture_cdf(v, wrong, 0.0, 100.0)) > 5 / np.sqrt(n)


def test_unlabelled_mixture_through_sobol_points() -> None:
    from scipy.stats import qmc

    u = qmc.Sobol(d=1, scramble=True, seed=1).random_base2(m=12)
    space = InputSpace.from_items([("m", _coerce(MIX), (0.0, 100.0))])
    x = space.transform(u)[:, 0]
    # a low-discrepancy design: much closer to the CDF than random draws of the same size
    assert ks(x, lambda v: mixture_cdf(v, PARTS, 0.0, 100.0)) < 0.2 / np.sqrt(len(u))


def test_a_normal_component_at_the_design_ends_takes_the_ends_of_its_support() -> None:
    """Morris designs evaluate u = 0 and 1 exactly: a normal component of a capability mixture then
    took the legal range's end (the largest float: no forecast); now mean +- 4 sd, like a plain normal."""
    import warnings

    big = float(np.finfo(float).max)
    cap = _coerce({"mixture": [{"weight": 1, "value": 3}, {"weight": 1, "value": {"mean": 2, "sd": 0.5}}]})
    pos = _coerce({"mixture": [{"weight": 1, "value": {"mean": 50, "sd": 10}}, {"weight": 1, "value": 70}]})
    space = InputSpace.from_items([("c", cap, (0.0, big)), ("p", pos, (0.0, 100.0))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning from the open upper bound
        x = space.transform(np.array([[0.0, 0.0], [1.0, 1.0], [0.75, 0.25]]))
        plain = InputSpace.from_items([("n", _coerce({"mean": 2, "sd": 0.5}), (0.0, big))])
        assert plain.transform(np.array([[0.5]]))[0, 0] == pytest.approx(2.0, abs=1e-4)
    assert x[:2].tolist() == [[3.0, 10.0], [4.0, 70.0]]
    assert x[2].tolist() == pytest.approx([2.0, 50.0], abs=1e-4)  # inside (0, 1) the inverse CDF: the medians
    pytest.importorskip("SALib")
    from detente.uncertainty.sensitivity import sensitivity

    s = view(pos, r_cap=cap)
    res = sensitivity(s, "mean", method="morris", n=10, seed=1)
    assert not res.notes and all(r["mu_star"] is not None and r["mu_star"] > 0 for r in res.indices["x"])


def pooled3() -> Scenario:
    """Analysts A (weight 2), B and C (1 each); C is silent on R's stance."""
    a = view({"low": 70, "high": 90}, r_cap={"low": 1, "high": 2})
    b = view({"mode": 40, "low": 30, "high": 60}, r_cap=3)
    c = Scenario.model_validate({"name": "c", "actors": [{"id": "R"}, {"id": "U", "capability": 2}],
                                 "issues": [{"id": "x"}], "stances": [{"actor": "U", "issue": "x", "position": 50}]})
    pooled, _ = pool_scenarios([a, b, c], analysts=["A", "B", "C"], weights=[2, 1, 1])
    return pooled


def test_each_draw_is_one_analysts_view_and_the_marginal_is_the_pool() -> None:
    s = pooled3()
    n = 30_000
    arr = ScenarioArrays.from_scenario(s, draws=n, rng=np.random.default_rng(11))
    g = arr.params["analyst"].astype(int)
    assert np.bincount(g, minlength=3) / n == pytest.approx([0.5, 0.25, 0.25], abs=0.01)
    r_pos, r_cap = arr.position[:, 0, 0], arr.capability[:, 0, 0]
    u_pos = arr.position[:, 0, 1]
    # coherent: analyst A's draws hold A's numbers on every input, B's hold B's
    assert np.all((r_pos[g == 0] >= 70) & (r_pos[g == 0] <= 90)) and np.all(r_cap[g == 1] == 3)
    assert np.all((r_cap[g == 0] >= 1) & (r_cap[g == 0] <= 2)) and np.all(u_pos[g == 2] == 50)
    assert np.all(u_pos[g < 2] == 20)
    # C is silent on R's position: C's draws take the pool of A's and B's (weights 2 : 1)
    pool_ab = [(2.0, {"low": 70.0, "high": 90.0}), (1.0, {"mode": 40.0, "low": 30.0, "high": 60.0})]
    crit = 1.63 / np.sqrt((g == 2).sum())
    assert ks(r_pos[g == 2], lambda v: mixture_cdf(v, pool_ab, 0, 100)) < crit
    # and the marginal of R's position over all draws is the linear pool of the analysts who gave it
    assert ks(r_pos, lambda v: mixture_cdf(v, pool_ab, 0, 100)) < 1.63 / np.sqrt(n)


def test_a_mixture_with_an_unlabelled_component_keeps_its_declared_weights() -> None:
    """A pooled scenario's mixture may also hold a component of nobody (the web grid's 2×50): each
    component still gets its declared share of the draws, and the fully labelled inputs stay coherent."""
    analysts = [{"id": "A", "weight": 1}, {"id": "B", "weight": 1}, {"id": "C", "weight": 2}]
    mixed = {"mixture": [{"weight": 1, "value": 10, "analyst": "A"}, {"weight": 1, "value": 30, "analyst": "B"},
                         {"weight": 2, "value": 50}, {"weight": 4, "value": {"low": 80, "high": 90}}]}
    labelled = {"mixture": [{"weight": 1, "value": 20, "analyst": "A"}, {"weight": 1, "value": 25, "analyst": "B"},
                            {"weight": 2, "value": 35, "analyst": "C"}]}
    s = Scenario.model_validate({
        "name": "m", "analysts": analysts, "actors": [{"id": "R"}, {"id": "U"}], "issues": [{"id": "x"}],
        "stances": [{"actor": "R", "issue": "x", "position": mixed}, {"actor": "U", "issue": "x", "position": labelled}]})
    n = 40_000
    arr = ScenarioArrays.from_scenario(s, draws=n, rng=np.random.default_rng(5))
    x, g = arr.position[:, 0, 0], arr.params["analyst"].astype(int)
    shares = [np.mean(x == 10), np.mean(x == 30), np.mean(x == 50), np.mean(x >= 80)]
    assert shares == pytest.approx([1 / 8, 1 / 8, 2 / 8, 4 / 8], abs=0.01)  # as declared (1 : 1 : 2 : 4)
    assert not np.any(x[g == 0] == 30) and not np.any(x[g == 1] == 10)  # an analyst never takes another's view
    assert np.all(arr.position[:, 0, 1][g == 0] == 20) and np.all(arr.position[:, 0, 1][g == 2] == 35)
    # the uniform part is the uniform: the draws of {low: 80, high: 90} cover it evenly
    top = x[x >= 80]
    assert ks(top, lambda v: np.clip((v - 80) / 10, 0, 1)) < 1.63 / np.sqrt(len(top))


def test_pooled_runs_are_bit_identical_and_point_runs_use_the_weighted_means() -> None:
    s = pooled3()
    r1, r2 = run(s, "mean", draws=500, seed=9), run(s, "mean", draws=500, seed=9)
    assert np.array_equal(r1.trajectory.forecast, r2.trajectory.forecast)
    assert np.array_equal(r1.trajectory.extras["_analyst"], r2.trajectory.extras["_analyst"])
    assert "_analyst" not in json.dumps(r1.to_dict())  # kept out of the JSON record
    one = ScenarioArrays.from_scenario(s)
    assert one.position[0, 0, 0] == pytest.approx((2 * 80 + 1 * 40) / 3)  # A's centre 80 (weight 2), B's mode 40
    assert "analyst" not in one.params


# -- the variance split -----------------------------------------------------------------------------


def test_point_inputs_all_variance_is_between_analysts() -> None:
    """Two analysts, point inputs, mean model, equal weights: A's forecast is 50, B's 40."""
    pooled, _ = pool_scenarios([view(80), view(60)], analysts=["A", "B"])
    r = run(pooled, "mean", draws=4000, seed=2)
    from detente.pool.variance import attach

    e = attach(pooled, r).pooling["issues"]["x"]
    g = r.trajectory.extras["_analyst"]
    wa, wb = np.mean(g == 0), np.mean(g == 1)
    assert e["by_analyst"]["A"]["mean"] == pytest.approx(50) and e["by_analyst"]["B"]["mean"] == pytest.approx(40)
    assert e["within"] == pytest.approx(0, abs=1e-9)
    assert e["variance_share"] == {"between_analysts": 1.0, "within_analysts": 0.0}
    assert e["between"] == pytest.approx(wa * wb * (50 - 40) ** 2, abs=1e-6)  # exact with the empirical weights (6 decimals)
    assert e["between"] == pytest.approx(0.25 * 100, abs=1.0)  # and w1 w2 (yA - yB)^2 within sampling error
    # the inputs they disagree on: only R's position, all of the disagreement
    (top,) = e["disagreement"]
    assert top["name"] == "stances[0].position" and top["share"] == 1.0
    assert top["forecast"] == {"A": 50.0, "B": 40.0} and top["contribution"] == pytest.approx(0.25 * 100)


def test_within_analyst_ranges_split_as_computed_directly() -> None:
    pooled, _ = pool_scenarios([view({"low": 70, "high": 90}), view({"low": 50, "high": 70})],
                               analysts=["A", "B"], weights=[2, 1])
    r = run(pooled, "mean", draws=6000, seed=4)
    from detente.pool.variance import attach

    e = attach(pooled, r).pooling["issues"]["x"]
    y, g = r.trajectory.forecast[:, 0], r.trajectory.extras["_analyst"]
    groups = [y[g == c] for c in (0, 1)]
    w = np.array([len(x) for x in groups]) / len(y)
    between = sum(wc * (x.mean() - y.mean()) ** 2 for wc, x in zip(w, groups))
    within = sum(wc * x.var() for wc, x in zip(w, groups))
    assert e["variance"] == pytest.approx(np.var(y), rel=1e-6)  # law of total variance, exact
    assert e["between"] == pytest.approx(between, rel=1e-6) and e["within"] == pytest.approx(within, rel=1e-6)
    share = e["variance_share"]
    assert share["between_analysts"] + share["within_analysts"] == pytest.approx(1, abs=1e-5)
    # theory: y = (R + 20) / 2, means 50 and 40, each var 100/12 / ... = 8.33; between = 2/9 * 100
    assert share["between_analysts"] == pytest.approx((200 / 9) / (200 / 9 + 400 / 12 / 4), abs=0.02)
    assert e["by_analyst"]["A"]["share_of_draws"] == pytest.approx(2 / 3, abs=0.02)


def test_variance_split_of_a_constant_forecast_has_no_shares() -> None:
    d = variance_split(np.full(10, 3.0), np.array([0, 1] * 5), ["A", "B"])
    assert d["variance"] == 0 and d["variance_share"] is None


# -- pooling --------------------------------------------------------------------------------------


def test_pool_keeps_evidence_renames_clashing_sources_and_reports_coverage() -> None:
    ev = {"sources": [{"id": "s", "title": "A's source"}]}
    a = Scenario.model_validate({**view(80).model_dump(mode="json"), **ev,
                                 "stances": [{"actor": "R", "issue": "x", "position": 80,
                                              "evidence": [{"quote": "q", "source": "s"}]},
                                             {"actor": "U", "issue": "x", "position": 20}]})
    b = Scenario.model_validate({"name": "b", "sources": [{"id": "s", "title": "B's other source"}],
                                 "actors": [{"id": "R", "name": "Russia"}, {"id": "E"}], "issues": [{"id": "x"}],
                                 "stances": [{"actor": "R", "issue": "x", "position": 60,
                                              "evidence": [{"paraphrase": "p", "source": "s"}]},
                                             {"actor": "E", "issue": "x", "position": 10}]})
    pooled, rep = pool_scenarios([a, b], analysts=["A", "B"])
    assert [s.id for s in pooled.sources] == ["s", "B:s"]
    evs = pooled.stances[0].evidence
    assert [(e.analyst, e.source) for e in evs] == [("A", "s"), ("B", "B:s")]
    assert pooled.actor_ids == ["R", "U", "E"]
    assert rep.silent["A"] == {"actors": ["E"], "issues": [], "stances": ["E on x"]}
    assert rep.silent["B"] == {"actors": ["U"], "issues": [], "stances": ["U on x"]}
    assert any(d.startswith("actors[R].name") for d in rep.differences)
    # a number only one analyst gave stays labelled with them (so the file keeps who gave what)
    assert pooled.stances[1].position == Mixture.model_validate({"mixture": [{"weight": 1, "value": 20, "analyst": "A"}]})
    assert point(pooled.stances[1].position) == 20.0


def test_pool_pools_war_blocks_of_the_same_structure() -> None:
    def war(p):  # type: ignore[no-untyped-def]
        return {"war": {"sides": {"A": {"actors": ["R"], "prior_win": p}, "B": {"actors": ["U"]}},
                        "battlefield": {"forts": 10, "p_battle": 0.55}}}

    pooled, rep = pool_scenarios([view(80, extra=war(0.6)), view(60, extra=war({"low": 0.4, "high": 0.5}))],
                                 analysts=["A", "B"])
    prior = pooled.war["sides"]["A"]["prior_win"]
    assert [c["analyst"] for c in prior["mixture"]] == ["A", "B"]
    assert pooled.war["battlefield"]["p_battle"] == 0.55  # the same plain number stays plain
    space, _, _ = input_space(pooled)
    assert "war.sides.A.prior_win" in space.names
    arr = ScenarioArrays.from_scenario(pooled, draws=400, rng=np.random.default_rng(1))
    g = arr.params["analyst"].astype(int)
    assert np.all(arr.params["war.sides.A.prior_win"][g == 0] == 0.6)
    assert not any(d.startswith("war:") for d in rep.differences)


def test_pooling_a_war_run_splits_the_variance_of_its_deals_only() -> None:
    """The war model's forecast per draw is the terms of a deal, or the line where a war ended
    otherwise: the pooling record must split the variance of the deals only (Result.draws_kept)."""
    from detente.pool.variance import pooling

    def war(p):  # type: ignore[no-untyped-def]
        return {"war": {"sides": {"A": {"actors": ["R"], "prior_win": p}, "B": {"actors": ["U"]}},
                        "battlefield": {"forts": 3, "p_battle": 0.7}}}  # a short war: some end in victory

    pooled, _ = pool_scenarios([view(80, extra=war(0.8)), view(60, extra=war(0.2))], analysts=["A", "B"])
    res = run(pooled, "war", draws=400, seed=3)
    kept = res.draws_kept()
    assert 0 < kept.sum() < kept.size  # some draws end in a deal, some do not
    y = np.asarray(res.trajectory.forecast[:, 0], dtype=float)
    g = np.asarray(res.trajectory.extras["_analyst"])
    expected = variance_split(y[kept], g[kept], pooled.analyst_ids)
    assert pooling(pooled, res)["issues"]["x"]["variance"] == expected["variance"]
    assert expected != variance_split(y, g, pooled.analyst_ids)  # the test can tell the difference


def test_the_war_inputs_the_analysts_disagree_on_are_read_on_the_terms_of_a_deal() -> None:
    """Input by input, the war model's rows are the terms given a deal (over the replicated paths
    that end in one), as the variance split reads it. Where the war ends in no deal at the pooled
    point values (the flagship's deals all come from its inputs' uncertainty) no input is named and
    the record says why, in the table's caption too."""
    from conftest import EXAMPLES
    from detente.pool import attach
    from detente.report.tables import pooling_tables, render_text
    from detente.scenario.io import load

    def war(p):  # type: ignore[no-untyped-def]
        return {"war": {"sides": {"A": {"actors": ["R"], "prior_win": p}, "B": {"actors": ["U"]}},
                        "battlefield": {"forts": 3, "p_battle": 0.7}}}

    pooled, _ = pool_scenarios([view(80, extra=war(0.8)), view(60, extra=war(0.2))], analysts=["A", "B"])
    rec = attach(pooled, run(pooled, "war", draws=200, seed=3)).pooling
    assert rec["disagreement_note"] is None
    (top, *_) = rec["issues"]["x"]["disagreement"]
    assert all(np.isfinite(v) for v in top["forecast"].values())
    flag, _ = pool_scenarios([load(EXAMPLES / "ukraine-settlement.yaml"),
                              load(EXAMPLES / "ukraine-settlement-contrast.yaml")], war_from="ukraine-settlement")
    r = attach(flag, run(flag, "war", draws=60, seed=1))
    assert r.pooling["disagreement_note"].startswith("the war ends in no deal at the pooled point values")
    assert not any(e["disagreement"] for e in r.pooling["issues"].values())
    assert "no deal at the pooled point values" in " ".join(render_text(pooling_tables(flag, [r]), 200).split())
    assert attach(flag, run(flag, "mean", draws=20, seed=1)).pooling["disagreement_note"] is None


def test_pool_refuses_views_that_cannot_be_pooled() -> None:
    with pytest.raises(InputError, match="give one weight per scenario: 2 scenarios but 3 weights"):
        pool_scenarios([view(80), view(60)], analysts=["A", "B"], weights=[1, 2, 3])
    with pytest.raises(InputError, match="two views have the analyst id 'A'"):
        pool_scenarios([view(80, analyst="A"), view(60, analyst="A")])
    pooled, _ = pool_scenarios([view(80), view(60)], analysts=["A", "B"])
    with pytest.raises(InputError, match="the analyst 'B' is in scenario 1 and in scenario 2"):
        pool_scenarios([pooled, view(60)], analysts=["P", "B"])
    own = view(80, extra={"stances": [{"actor": "R", "issue": "x", "position": {"mixture": [
        {"weight": 1, "value": 70}, {"weight": 1, "value": 90}]}}, {"actor": "U", "issue": "x", "position": 20}]})
    with pytest.raises(InputError, match="holds a mixture: a pooled input would be a mixture of mixtures"):
        pool_scenarios([own, view(60)], analysts=["A", "B"])


def test_pooling_a_pooled_scenario_flattens_it_into_the_same_pool() -> None:
    """pool(pool(A, B) weighted 3, C weighted 1) == pool(A, B, C) with A, B's weights split 2:1."""
    def war(p):  # type: ignore[no-untyped-def]
        return {"war": {"sides": {"A": {"actors": ["R"], "prior_win": p}, "B": {"actors": ["U"]}},
                        "battlefield": {"forts": 10, "p_battle": 0.55}}}

    src = {"sources": [{"id": "s", "title": "a source"}]}
    a = view(80, r_cap=2.0, extra={**war(0.6), **src, "stances": [
        {"actor": "R", "issue": "x", "position": 80, "evidence": [{"quote": "q", "source": "s"}]},
        {"actor": "U", "issue": "x", "position": 20}]})
    b = view(60, extra={**war({"low": 0.4, "high": 0.5}), "stances": [  # silent on U
        {"actor": "R", "issue": "x", "position": {"low": 55, "high": 65}}]})
    c = Scenario.model_validate({**view(70, extra=war(0.7)).model_dump(mode="json", exclude_none=True),
                                 "sources": [{"id": "s", "title": "another source"}],
                                 "actors": [{"id": "R"}, {"id": "U"}, {"id": "E", "capability": 3}],
                                 "stances": [{"actor": "R", "issue": "x", "position": 70, "salience": 0.5,
                                              "evidence": [{"paraphrase": "p", "source": "s"}]},
                                             {"actor": "U", "issue": "x", "position": 20},
                                             {"actor": "E", "issue": "x", "position": 40}]})
    # B lists an actor it says nothing about (no capability, no stance): silent on it, in both pools
    b = Scenario.model_validate({**b.model_dump(mode="json", exclude_none=True),
                                 "actors": [{"id": "R"}, {"id": "U"}, {"id": "Q"}]})
    ab, _ = pool_scenarios([a, b], analysts=["A", "B"], weights=[2, 1])
    nested, rep = pool_scenarios([ab, c], analysts=["AB", "C"], weights=[3, 1])
    flat, rep_flat = pool_scenarios([a, b, c], analysts=["A", "B", "C"], weights=[2, 1, 1])
    assert [(x.id, x.weight) for x in nested.analysts] == [("A", 2.0), ("B", 1.0), ("C", 1.0)]

    def body(s: Scenario) -> dict:
        return s.model_dump(mode="json", exclude={"name", "description", "analysts", "meta"})

    assert body(nested) == body(flat)
    assert rep.silent == rep_flat.silent and rep.silent["B"]["stances"] == ["U on x", "E on x"]
    assert rep.silent["B"]["actors"] == ["U", "Q", "E"] and "Q" in rep.silent["A"]["actors"]
    assert "capability" not in nested.actors[[x.id for x in nested.actors].index("Q")].model_fields_set
    assert [(e.analyst, e.source) for e in nested.stances[0].evidence] == [("A", "s"), ("C", "C:s")]
    draws = dict(draws=300, seed=5)
    assert np.array_equal(run(nested, "mean", **draws).trajectory.positions,
                          run(flat, "mean", **draws).trajectory.positions)
    # the ledger's per-analyst weights apply to the flattened analysts
    w, _ = pool_scenarios([ab, c], analysts=["AB", "C"], analyst_weights={"A": 1, "B": 1, "C": 2})
    assert [(x.id, x.weight) for x in w.analysts] == [("A", 1.0), ("B", 1.0), ("C", 2.0)]
    with pytest.raises(InputError, match="no weight for the analyst"):
        pool_scenarios([ab, c], analysts=["AB", "C"], analyst_weights={"A": 1, "C": 2})


def write(tmp_path: Path, name: str, s: Scenario) -> Path:
    p = tmp_path / name
    save(s, p)
    return p


def test_pool_command_writes_a_scenario_that_validates_and_runs(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    fa = write(tmp_path, "alice.yaml", view(80, analyst="alice"))
    fb = write(tmp_path, "bob.yaml", Scenario.model_validate({"name": "b", "actors": [{"id": "R"}, {"id": "U"}],
                                                               "issues": [{"id": "x"}],
                                                               "stances": [{"actor": "R", "issue": "x", "position": 60}]}))
    out = tmp_path / "pooled.yaml"
    assert main(["pool", str(fa), str(fb), "--weights", "3,1", "--out", str(out), "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert [(a["id"], a["weight"]) for a in rep["analysts"]] == [("alice", 3.0), ("bob", 1.0)]
    assert rep["silent"]["bob"]["stances"] == ["U on x"] and rep["silent"]["alice"]["stances"] == []
    back = load(out)
    assert back.analyst_ids == ["alice", "bob"] and scenario_hash(back) == scenario_hash(read_native(out, out.read_text()))
    assert main(["validate", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", str(out), "--model", "mean", "--draws", "800", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]["x"]
    assert summary["variance_share"]["between_analysts"] > 0.5 and summary["disagreement"]
    # the table names each input on a line of its own, without the row's own issue
    assert main(["run", str(out), "--model", "mean", "--draws", "800"]) == 0
    table = capsys.readouterr().out
    top = summary["disagreement"][0]
    assert top["label"].endswith(" on x")
    assert f"{top['label'].removesuffix(' on x')} ({100 * top['share']:.0f}\u00a0%)" in table
    # the table: who is silent on what
    assert main(["pool", str(fa), str(fb), "--analysts", "A,B"]) == 0
    text = capsys.readouterr().out
    assert "who covered what" in text and "U on x" in text


def test_pool_command_errors_exit_2_and_write_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    fa = write(tmp_path, "a.yaml", view(80))
    other = view(8).model_dump(mode="json")
    other["issues"][0]["scale"] = {"min": 0, "max": 10}
    other["stances"][1]["position"] = 2
    fb = write(tmp_path, "b.yaml", Scenario.model_validate(other))
    out = tmp_path / "pooled.yaml"
    assert main(["pool", str(fa), str(fb), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "issue 'x' has the scale [0, 10] in" in err and "b.yaml" in err and "a.yaml" in err
    assert not out.exists()
    fc = write(tmp_path, "c.yaml", view(60))
    assert main(["pool", str(fa), str(fc), "--weights", "1,2,3", "--out", str(out)]) == 2
    assert "give one weight per scenario: 2 scenarios but 3 weights" in capsys.readouterr().err
    assert main(["pool", str(fa), str(fc), "--weights", "1,-1", "--out", str(out)]) == 2
    assert "greater than 0" in capsys.readouterr().err
    assert not out.exists()


def test_weights_from_the_ledger_follow_the_scaled_crps(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """--weights ledger: weight ∝ 1 / mean scaled CRPS; too few graded records is a clear error, exit 2."""
    from detente.store.ledger import Ledger
    from detente.store.ledger_scores import crps, records

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ledger = Ledger(url)
    # alice's forecasts (R at 80, U at 20: 50) miss the outcome 52 by 2 on 0-100; bob's (R at 10 on a
    # 0-10 scale with U at 2: 6) miss 6.5 by 0.5 on 0-10: in scale units alice is the better one
    small = view(10, u_pos=2.0, analyst="bob").model_dump(mode="json")
    small["issues"][0]["scale"] = {"min": 0, "max": 10}
    for who, s, y, n in (("alice", view(80, analyst="alice"), 52.0, 5), ("bob", Scenario.model_validate(small), 6.5, 4)):
        for _ in range(n):
            e = ledger.seal(s, run(s, "mean"), question="q?", criterion="c", resolves_by="2027-01-01")
            ledger.grade(e.seq, outcome=y, source="s")
    fa, fb = write(tmp_path, "alice.yaml", view(80, analyst="alice")), write(tmp_path, "bob.yaml", view(60, analyst="bob"))
    out = tmp_path / "pooled.yaml"
    assert main(["pool", str(fa), str(fb), "--weights", "ledger", "--store", url, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "analyst 'bob' has 4 graded records in the ledger" in err and "at least 5" in err and "analyst 'alice'" not in err
    assert not out.exists()
    e = ledger.seal(Scenario.model_validate(small), run(Scenario.model_validate(small), "mean"), question="q?",
                    criterion="c", resolves_by="2027-01-01")
    ledger.grade(e.seq, outcome=6.5, source="s")
    assert main(["pool", str(fa), str(fb), "--weights", "ledger", "--store", url, "--out", str(out),
                 "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in rep["analysts"]] == ["alice", "bob"]
    # the sealed distributions carry the calibrated interval, so each CRPS is computed here from the
    # stored quantiles, then scaled by the issue's width by hand
    rows = [r for r in records(ledger) if r["outcome"] is not None]
    by = {a: [crps(r["outcome"], r["_quantiles"][1], r["_quantiles"][0]) / width for r in rows if r["analyst"] == a]
          for a, width in (("alice", 100.0), ("bob", 10.0))}
    c_a, c_b = float(np.mean(by["alice"])), float(np.mean(by["bob"]))
    assert c_a < c_b  # alice's scaled miss is smaller: more weight
    expected = [(1 / c_a) / (1 / c_a + 1 / c_b), (1 / c_b) / (1 / c_a + 1 / c_b)]
    assert [a["weight"] for a in rep["analysts"]] == pytest.approx(expected, rel=1e-9)
    used = {u["analyst"]: u for u in rep["weights_from"]["analysts"]}
    assert used["alice"]["crps_scaled"] == pytest.approx(c_a) and used["bob"]["crps_scaled"] == pytest.approx(c_b)
    assert used["bob"]["n"] == 5 and "1 / mean scaled CRPS" in rep["weights_from"]["rule"]
    back = load(out)
    assert [a.weight for a in back.analysts] == pytest.approx(expected) and "forecast ledger" in back.description
    assert main(["pool", str(fa), str(fb), "--weights", "ledger", "--store", url]) == 0
    assert "Weights from the forecast ledger" in capsys.readouterr().out
    assert main(["pool", str(fa), str(fb), "--store", url]) == 2
    assert "--store is used only with --weights ledger" in capsys.readouterr().err
    missing = tmp_path / "nope.db"
    assert main(["pool", str(fa), str(fb), "--weights", "ledger", "--store", f"sqlite:///{missing}"]) == 2
    assert f"no forecast ledger at {missing}" in capsys.readouterr().err and not missing.exists()


def test_pool_the_two_ukraine_views(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "p.yaml"
    assert main(["pool", str(EXAMPLES / "ukraine-settlement.yaml"), str(EXAMPLES / "ukraine-settlement-contrast.yaml"),
                 "--war-from", "ukraine-settlement", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", str(out), "--model", "mean", "--draws", "4000", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    for e in summary.values():
        assert e["forecast"] is not None
        share = e["variance_share"]
        assert 0 < share["between_analysts"] < 1 and share["between_analysts"] + share["within_analysts"] == pytest.approx(1, abs=1e-4)
        assert e["disagreement"][0]["share"] > 0


def test_war_blocks_of_different_structures_are_refused_unless_one_is_named(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The two Ukraine views' war blocks differ in structure (commitments, shocks): the pool kept the
    first file's block unpooled, so P(deal) read 34 % or 73 % by the order of the files, with one
    line in the report. It is refused now, naming both views and what differs; ``--war-from``
    keeps the named analyst's block whatever the order, and the pooled file's description says so."""
    flag, contrast = str(EXAMPLES / "ukraine-settlement.yaml"), str(EXAMPLES / "ukraine-settlement-contrast.yaml")
    assert main(["pool", flag, contrast, "--out", str(tmp_path / "x.yaml")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "the war blocks of ukraine-settlement" in err and "ukraine-settlement-contrast" in err
    assert "differ in structure (shocks, sides)" in err and "--war-from ANALYST" in err
    assert not (tmp_path / "x.yaml").exists()
    outs = []
    for k, files in enumerate(([flag, contrast], [contrast, flag])):
        out = tmp_path / f"p{k}.yaml"
        assert main(["pool", *files, "--war-from", "ukraine-settlement-contrast", "--out", str(out)]) == 0
        capsys.readouterr()
        outs.append(load(out))
    assert outs[0].war == outs[1].war  # the named block, whatever the order of the files
    def plain(shocks):  # type: ignore[no-untyped-def]
        return [{k: v for k, v in sh.items() if k != "evidence"} for sh in shocks]

    assert plain(outs[0].war["shocks"]) == plain(load(contrast).war["shocks"])
    assert {e["analyst"] for e in outs[0].war["shocks"][0]["evidence"]} == {"ukraine-settlement-contrast"}
    assert "The war block is ukraine-settlement-contrast's as written, not pooled." in outs[0].description
    assert main(["pool", flag, contrast, "--war-from", "nobody"]) == 2
    assert "--war-from: no view of analyst 'nobody' gives a war block" in capsys.readouterr().err
    same, _ = pool_scenarios([load(flag), load(flag)], analysts=["A", "B"])  # one structure: numbers pooled
    assert same.war["sides"]["A"]["cost"]["mixture"][0]["analyst"] == "A"


def test_one_issue_under_two_ids_is_refused_and_silence_on_an_issue_is_shown(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A view that renamed ``territory`` to ``territorial_line`` (same name) was pooled into six
    issues, each territory forecast from one analyst, with no word until the output was validated;
    an analyst silent on an issue was in the JSON only, not in the table."""
    import yaml
    from conftest import territory_renamed

    renamed, d = territory_renamed(tmp_path)
    flag = str(EXAMPLES / "ukraine-settlement.yaml")
    assert main(["pool", flag, str(renamed), "--war-from", "ukraine-settlement"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "issue 'territorial_line' in" in err and "the same issue under two ids?" in err
    fewer = tmp_path / "fewer.yaml"  # silent on one issue: named in the table's own column
    d["issues"] = [i for i in d["issues"] if i["id"] != "territorial_line"]
    d["stances"] = [st for st in d["stances"] if st["issue"] != "territorial_line"]
    fewer.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    assert main(["pool", flag, str(fewer), "--war-from", "ukraine-settlement"]) == 0
    out = capsys.readouterr().out
    assert "silent on issues" in out and "territory" in out.split("silent on issues")[1]


def test_a_pooled_scenario_runs_on_1000_draws_unless_told(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """With one draw (the default for the mean model) a pooled scenario gave the forecast at its
    mixtures' central values, not the pool: the bdm forecast of sanctions 15.0 where the views give
    15, 25 and 55. Each draw is one analyst's view, so a pooled run takes 1,000 unless told."""
    from detente.runner import NOISY_DRAWS, default_draws

    pooled, _ = pool_scenarios([view(80), view(60)], analysts=["A", "B"])
    assert default_draws(pooled, "mean") == NOISY_DRAWS == 1000 and default_draws(view(80), "mean") == 1
    out = tmp_path / "p.yaml"
    save(pooled, out)
    assert main(["run", str(out), "-m", "mean", "-f", "json"]) == 0
    r = json.loads(capsys.readouterr().out)["results"][0]
    assert r["draws"] == 1000
    assert main(["run", str(out), "-m", "mean", "-n", "1", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["draws"] == 1


def test_sensitivity_treats_the_analyst_as_an_input() -> None:
    pytest.importorskip("SALib")
    from detente.uncertainty.sensitivity import sensitivity

    pooled, _ = pool_scenarios([view(80), view({"low": 40, "high": 50})], analysts=["A", "B"])
    res = sensitivity(pooled, "mean", method="morris", n=8, seed=1)
    assert "analyst" in res.names
    ranked = res.indices["x"]
    assert ranked[0]["name"] == "analyst"


def test_an_actor_listed_without_capability_or_stances_gives_no_capability() -> None:
    """B lists R but says nothing about it: R's capability is A's alone, not a mixture with B's default 1."""
    a = view(80, r_cap=5.0)
    b = Scenario.model_validate({"name": "b", "actors": [{"id": "R"}, {"id": "U"}], "issues": [{"id": "x"}],
                                 "stances": [{"actor": "U", "issue": "x", "position": 30}]})
    pooled, rep = pool_scenarios([a, b], analysts=["A", "B"])
    assert pooled.actors[0].capability == Mixture.model_validate({"mixture": [{"weight": 1, "value": 5, "analyst": "A"}]})
    assert rep.silent["B"]["actors"] == ["R"]
    # with a stance of R, B's model runs use the default 1: that is B's value
    b2 = Scenario.model_validate({**b.model_dump(mode="json", exclude_none=True), "stances": [
        {"actor": "R", "issue": "x", "position": 60}, {"actor": "U", "issue": "x", "position": 30}]})
    pooled, _ = pool_scenarios([a, b2], analysts=["A", "B"])
    assert [(c.analyst, c.value) for c in pooled.actors[0].capability.mixture] == [("A", 5.0), ("B", 1.0)]


def test_unrelated_scenarios_are_not_pooled(capsys) -> None:
    """The Ukraine view and the EU emission standards share no actor or issue; they were pooled into
    one scenario with exit 0 (``compare`` refused the same pair)."""
    from conftest import EXAMPLES
    from detente.scenario.io import load

    a, b = (EXAMPLES / "ukraine-settlement.yaml", EXAMPLES / "eu-emission-standards.yaml")
    with pytest.raises(InputError, match="shares no issue and no actor with"):
        pool_scenarios([load(a), load(b)])
    assert main(["pool", str(a), str(b)]) == 2
    assert "eu-emission-standards.yaml: shares no issue and no actor" in capsys.readouterr().err


def test_the_disagreement_table_fits_80_columns_with_every_word_whole(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """On 80 columns the table broke nearly every word ("Sanction/s", "administr/ation",
    "capabilit/y", "ukraine-s/ettlement"): seven columns, two of them headed by the analysts' file
    names. A long analyst id now heads its column as "view k", named in the caption."""
    import re

    from conftest import EXAMPLES
    from detente.pool.variance import attach
    from detente.report.tables import pooling_tables, render_text
    from detente.runner import run

    out = tmp_path / "pooled.yaml"
    assert main(["pool", str(EXAMPLES / "ukraine-settlement.yaml"), str(EXAMPLES / "ukraine-settlement-contrast.yaml"),
                 "--war-from", "ukraine-settlement", "--out", str(out)]) == 0
    capsys.readouterr()
    s = load(out)
    text = render_text(pooling_tables(s, [attach(s, run(s, "mean", draws=300, seed=1))]), width=80)
    assert max(map(len, text.splitlines())) <= 80
    words = set(re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴├┤]", " ", text).split())
    for issue in s.issues:
        assert set(issue.label.split()) <= words, issue.label
    assert {"capability", "administration", "Russia", "view", "analysts"} <= words
    assert "view 1 = ukraine-settlement, view 2 = ukraine-settlement-contrast" in " ".join(text.split())


def test_who_covered_what_leaves_out_a_file_column_that_repeats_the_ids() -> None:
    """The analysts' ids are their files' names unless given: the file column said it again, and
    on 80 columns both broke ("ukraine-settle/ment", "ukraine-settlem/ent.yaml")."""
    from conftest import EXAMPLES
    from detente.cli.pool import coverage_tables
    from detente.report.tables import render_text

    views = [load(EXAMPLES / "ukraine-settlement.yaml"), load(EXAMPLES / "ukraine-settlement-contrast.yaml")]
    _, report = pool_scenarios(views, war_from="ukraine-settlement")
    text = render_text(coverage_tables(report)[:1], width=80)
    assert "file" not in text and "ukraine-settlement-contrast " in text and ".yaml" not in text
    _, report = pool_scenarios(views, analysts=["a", "b"], war_from="a")
    text = render_text(coverage_tables(report)[:1], width=80)
    assert "file" in text and "ukraine-settlement-contrast.yaml" in text  # an id given: the file says more


def test_an_issue_whose_forecast_does_not_vary_names_no_drivers_of_disagreement(monkeypatch):
    """A pooled war run listed "capability of Russia (12 %)" and rows at "0 %" as where the
    analysts disagree on issues whose variance over the draws was 0.0."""
    import detente
    from detente.pool import variance

    a = detente.load(Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml")
    b = detente.load(Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement-contrast.yaml")
    pooled, _ = pool_scenarios([a, b], analysts=["a", "b"], war_from="a")
    r = run(pooled, "mean", draws=60, seed=1)
    r.trajectory.forecast[:, 0] = 30.0  # the first issue's forecast the same in every draw
    fake = [{"name": "x", "label": "capability of Russia", "contribution": 1.0, "share": 1.0}]
    monkeypatch.setattr(variance, "disagreement", lambda s, res: {i: list(fake) for i in s.issue_ids})
    issues = variance.pooling(pooled, r)["issues"]
    first, second = pooled.issue_ids[:2]
    assert issues[first]["variance"] == 0 and issues[first]["disagreement"] == []
    assert issues[second]["variance"] > 0 and issues[second]["disagreement"] == fake
    monkeypatch.undo()
    shares = [d["share"] for e in variance.disagreement(pooled, r).values() for d in e]
    assert shares and min(shares) >= variance.MIN_SHARE  # no input named at "0 %"


def test_the_pool_report_records_each_view_s_input_hash_and_the_version():
    import detente
    from detente._version import __version__
    from detente.scenario.arrays import scenario_hash

    ex = Path(__file__).resolve().parents[1] / "examples"
    a, b = detente.load(ex / "ukraine-settlement.yaml"), detente.load(ex / "ukraine-settlement-contrast.yaml")
    _, report = pool_scenarios([a, b], analysts=["a", "b"], war_from="a")
    d = report.to_dict()
    assert d["version"] == __version__
    assert [(v["analyst"], v["input_sha256"]) for v in d["views"]] == [("a", scenario_hash(a)), ("b", scenario_hash(b))]
