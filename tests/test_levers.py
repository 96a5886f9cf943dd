"""``detente levers`` (issue #11): the change that would move a forecast, with the others responding."""

from __future__ import annotations

import json

import pytest

from detente.cli import main
from detente.explain.levers import levers
from detente.scenario.io import load
from detente.scenario.model import Scenario

from conftest import EXAMPLES

FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"


def _two() -> Scenario:
    return Scenario.model_validate({
        "name": "two", "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 1}],
        "issues": [{"id": "x"}],
        "stances": [{"actor": "A", "issue": "x", "position": 0, "salience": 1},
                    {"actor": "B", "issue": "x", "position": 100, "salience": 1}]})


def test_mean_two_actors_solved_by_hand() -> None:
    """mean = (c_A s_A x_A + c_B s_B x_B) / (c_A s_A + c_B s_B): 75 needs c_B / c_A = 3, i.e. B x 3 or A / 3;
    A's position 50 ((50 + 100) / 2); A's salience 1/3; B cannot get there by position (150 is off the scale)
    nor by salience (it is at 1 already): every change of those moves the forecast away, so no lever."""
    res = levers(_two(), "mean", "x", target=75.0, draws=1, tolerance=1e-9)
    rows = {(row["actor"], row["attribute"]): row for row in res["levers"]}
    assert res["forecast_now"] == 50.0
    assert rows[("B", "capability")]["factor"] == pytest.approx(3.0, rel=1e-6)
    assert rows[("A", "capability")]["factor"] == pytest.approx(1 / 3, rel=1e-6)
    assert rows[("A", "position")]["to"] == pytest.approx(50.0, abs=1e-6)
    assert rows[("A", "salience")]["to"] == pytest.approx(1 / 3, abs=1e-6)
    for key in [("B", "capability"), ("A", "capability"), ("A", "position"), ("A", "salience")]:
        assert rows[key]["reaches_target"] and rows[key]["forecast"] == pytest.approx(75.0, abs=1e-6)
    # B's position stays at 100 and its salience at 1 as the "closest": no change, so no lever
    assert ("B", "position") not in rows and ("B", "salience") not in rows
    assert res["no_lever"] == [{"actor": "B", "attribute": "position"}, {"actor": "B", "attribute": "salience"}]
    assert res["message"] is None
    # ranked by the size of the change, the ones that reach first
    sizes = [row["size"] for row in res["levers"] if row["reaches_target"]]
    assert sizes == sorted(sizes) and all(row["reaches_target"] for row in res["levers"])


def test_bdm_others_respond_differs_from_holding_them_fixed() -> None:
    s = load(FLAGSHIP)
    full = levers(s, "bdm", "territory", target=35.0, draws=1)
    fixed = levers(s, "bdm", "territory", target=35.0, draws=1, respond=False)
    assert full["others_respond"] and not fixed["others_respond"]
    a = {(r["actor"], r["attribute"]): (r["to"], r["reaches_target"]) for r in full["levers"]}
    # in the full run some actor's move alone brings the outcome to 35: the others follow it there
    assert any(v[1] for v in a.values())
    # with the others held where the unchanged run left them (all at ~20), one actor's move changes nothing:
    # said so, with no row of non-changes
    assert fixed["levers"] == [] and len(fixed["no_lever"]) == len(a) + len(full["no_lever"])
    assert "held where the unchanged run left them" in fixed["message"] and "toward 35" in fixed["message"]


def test_levers_reproducible_and_intervals_with_draws() -> None:
    s = load(FLAGSHIP)
    a = levers(s, "bdm", "alliance", target=50.0, draws=20, seed=7)
    b = levers(s, "bdm", "alliance", target=50.0, draws=20, seed=7)
    assert json.dumps(a) == json.dumps(b)
    assert all(row["interval"] is not None and row["interval"][0] <= row["forecast"] <= row["interval"][1]
               for row in a["levers"])


def test_actor_advice_mean() -> None:
    # under the mean, A (ideal 0) gains by announcing the end of the scale and the highest salience
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x"}],
        "stances": [{"actor": "A", "issue": "x", "position": 20, "salience": 0.5},
                    {"actor": "B", "issue": "x", "position": 100, "salience": 1}]})
    res = levers(s, "mean", "x", actor="A", draws=1)
    assert res["ideal"] == 20 and res["announce_ideal"]["forecast"] == pytest.approx(100 * 1 / 1.5 + 20 * 0.5 / 1.5)
    assert res["best"]["position"] == 0.0 and res["best"]["salience"] == 1.0
    assert res["best"]["forecast"] == pytest.approx(50.0) and res["best"]["gain"] > 0
    assert res["best_at_present_salience"]["salience"] == 0.5


def test_progress_callback_is_called() -> None:
    calls: list[tuple[int, int]] = []
    levers(_two(), "mean", "x", target=60.0, draws=1, progress=lambda d, t: calls.append((d, t)))
    assert calls and all(0 < d <= t for d, t in calls)


def test_cli_levers_json(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    argv = ["levers", str(FLAGSHIP), "--model", "mean", "--issue", "territory", "--target", "60", "--format", "json",
            "--out", str(tmp_path / "lv")]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["issue"] == "territory" and d["target"] == 60.0 and d["model"] == "mean"
    holders = {st.actor for st in load(FLAGSHIP).stances if st.issue == "territory"}  # china has no stance
    assert {row["actor"] for row in d["levers"]} == holders and len(d["levers"]) == 3 * len(holders)
    assert all({"attribute", "from", "to", "change", "size", "forecast", "interval", "reaches_target"} <= set(row)
               for row in d["levers"])
    assert json.loads((tmp_path / "lv" / "levers.json").read_text()) == d


def test_cli_levers_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["levers", str(FLAGSHIP), "-m", "median", "--issue", "sanctions", "--actor", "russia"]) == 0
    text = capsys.readouterr().out
    assert "What Russia should announce on Sanctions relief for Russia [sanctions]" in text and "best position" in text


@pytest.mark.parametrize("args, words", [
    (["--issue", "nope", "--target", "50"], ["--issue", "'nope'", "territory", "settlement_form"]),
    (["--issue", "territory", "--actor", "nobody"], ["--actor", "'nobody'", "russia", "china"]),
    (["--issue", "territory", "--target", "150"], ["--target", "150", "0 to 100"]),
    (["--issue", "territory"], ["--target/--actor: give exactly one of a target"]),
    (["--issue", "territory", "--target", "50", "--format", "xml"], ["--format", "'xml'"]),
])
def test_cli_levers_bad_values_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], words: list[str]) -> None:
    assert main(["levers", str(FLAGSHIP), "-m", "mean", *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_war_levers_p_deal_threshold() -> None:
    from detente.explain.war import war_levers

    s = load(FLAGSHIP)
    res = war_levers(s, draws=60, seed=2)
    rows = {row["name"]: row for row in res["inputs"]}
    assert 0 <= res["p_deal_now"] <= 1 and res["months"] == 12 and res["threshold"] == 0.5
    # a commitment's demand is searched over its issue's scale
    assert rows["war.sides.A.commitments[0].demand"]["range"] == [0.0, 100.0]
    # a Western side that believes it is weaker settles sooner: P(deal) falls with B's prior_win and
    # passes one half below the present 0.5
    b = rows["war.sides.B.prior_win"]
    assert b["p_deal_at_lowest"] > 0.5 > b["p_deal_at_highest"]
    assert b["passes_threshold_at"] is not None and b["passes_threshold_at"] < b["value"]
    ranked = [row for row in res["inputs"] if row["size"] is not None]
    assert [row["size"] for row in ranked] == sorted(row["size"] for row in ranked)
    # the table gives each range on the input's own scale, not the issue's ("0.0-0.0" for a cost)
    from detente.cli.levers import levers_tables
    from detente.report.tables import render_text

    answer = {"issue": "territory", "war": res, "forecast_now": 50.0, "target": 40.0, "model": "war",
              "others_respond": True, "levers": [], "message": "none"}
    text = render_text(levers_tables(answer, width=160, scenario=s), width=160)
    cost = rows["war.sides.A.cost"]["range"]
    assert f"{cost[0]:.4g}\u2013{cost[1]:.4g}" in text and cost[1] < 0.1


def test_cli_levers_target_table_and_others_fixed(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["levers", str(FLAGSHIP), "-m", "bdm", "--issue", "territory", "--target", "35", "--draws", "1"]
    assert main(base) == 0
    full = capsys.readouterr().out
    assert "others respond through the model" in full and "yes" in full
    assert main([*base, "--others-fixed"]) == 0
    fixed = capsys.readouterr().out
    assert "OTHERS HELD FIXED" in fixed and "no single change" in fixed
    assert "yes" not in fixed and "closest" not in fixed and "\u2192" not in fixed  # no row of non-changes
    bad = ["levers", str(FLAGSHIP), "-m", "mean", "--issue", "territory", "--target", "35", "--others-fixed"]
    assert main(bad) == 2
    assert "--others-fixed" in capsys.readouterr().err


@pytest.mark.parametrize("width", [80, 120])
def test_levers_tables_fit_the_console_and_keep_numbers_whole(width: int) -> None:
    from detente.cli.levers import levers_tables
    from detente.report.tables import render_text

    s = load(FLAGSHIP)
    for res in (levers(s, "mean", "territory", target=30.0, draws=20, seed=3),
                levers(s, "mean", "territory", actor="russia", draws=20, seed=3)):
        text = render_text(levers_tables(res, width=width, scenario=s), width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert "\u2026" not in text  # no header or cell cut short
        rows = res.get("levers") or [res["best"]]
        for row in rows:
            lo, hi = row["interval"]
            assert f"{lo:.1f}\u2013{hi:.1f}" in text  # a range on one line, with the issue's decimals
        flat = " ".join(text.replace("\u2502", " ").split())
        assert "Territorial line [territory]" in flat  # named as in `detente run`
        if "levers" in res:
            assert "(Trump)" in flat and "us_admin" not in flat
            # every actor's name whole on 80 columns too (it read "administrat/ion", "foreign-pol/icy"),
            # and the target column's answer explained ("no, nearest"; it was "no (closest)")
            import re

            words = set(re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴├┤]", " ", text).split())
            assert {w for row in res["levers"] for w in s.actor(row["actor"]).label.split()} <= words
            assert "no, nearest: the change that brings the forecast nearest the target" in flat
        else:
            assert "What Russia should announce" in flat


# ---------------------------------------------------------------------------------------------
# a zero change is the baseline; a lever is a change (reviewer's reproductions)


def _present_candidates(s: Scenario, issue: str) -> tuple[list[tuple[int, str, float]], tuple]:
    """Every actor's three attributes at their present values (capability: factor 1), and the point
    positions and saliences on ``issue`` (``shift_from``)."""
    from detente.scenario.arrays import ScenarioArrays

    point = ScenarioArrays.from_scenario(s)
    k = list(s.issue_ids).index(issue)
    now = {"position": point.position[0, k], "salience": point.salience[0, k]}
    cands = [(a, attr, float(now[attr][a]) if attr in now else 1.0)
             for a in range(point.n_actors) if point.present[k, a] for attr in ("position", "salience", "capability")]
    return cands, (now["position"], now["salience"])


@pytest.mark.parametrize("model, respond", [("bdm", True), ("bdm", False), ("war", True), ("mean", True)])
def test_a_candidate_at_its_present_value_is_the_baseline_bit_for_bit(model: str, respond: bool) -> None:
    """With uncertain inputs (several draws) and a noisy model (war: a random path per draw), every
    candidate evaluated at its present value - stacked with other candidates - gives exactly the
    forecast of the unchanged run: the same input draws and the same model random numbers."""
    import numpy as np

    from detente.explain.common import only_issue, run_inputs
    from detente.explain.levers import evaluate
    from detente.runner import DEFAULT_SEED

    s = load(FLAGSHIP)
    spec, opts, arr, seq = run_inputs(s, model, draws=40 if model == "war" else 12, seed=DEFAULT_SEED)
    k = list(s.issue_ids).index("territory")
    from detente.explain.levers import _enough_deals, reading

    plain = reading(spec, k)(spec.run(arr, opts, np.random.default_rng(seq)))  # the run itself, unstacked
    plain = _enough_deals(spec, plain[None])[0]  # war: no terms from fewer than MIN_DEALS deals
    if not spec.multi_issue:
        arr, k = only_issue(arr, k), 0
    cands, shift_from = _present_candidates(s, "territory")
    mixed = [c for pair in zip(cands, [(c[0], "capability", 2.0) for c in cands]) for c in pair]  # other rows between
    f = evaluate(spec, arr, opts, seq, k, mixed, respond, shift_from=shift_from)
    if respond:
        assert all(np.array_equal(row, plain, equal_nan=True) for row in f[::2])
        assert np.isfinite(plain).sum() >= 5  # war: enough deals that the rows compare terms, not NaN
    else:  # the naive read-out of the unchanged run: the same for every candidate at its present value
        assert all(np.array_equal(row, f[0]) for row in f[::2])
        assert np.allclose(f[0], plain)


def test_war_levers_read_the_terms_given_a_deal_as_the_bottom_line_does() -> None:
    """The war model's levers answer for the terms given a deal, the bottom line of ``detente run``:
    before, they took the median over every draw, deals pooled with military victories and wars
    unresolved at the horizon (the flagship: "now 60.8" next to a bottom line of 55.8 given a deal)."""
    import numpy as np

    from detente.runner import run

    s = load(FLAGSHIP)
    k = list(s.issue_ids).index("military_aid")
    res = levers(s, "war", "military_aid", target=50.0, seed=1, grid=3, refine=2)
    assert res["given"] == "a deal" and res["draws"] == 50  # the default for war: ~a third of them end in a deal
    r = run(s, "war", draws=50, seed=1)
    settled = r.trajectory.extras["_settled"]
    deal = np.median(r.trajectory.forecast[settled, k])
    assert res["forecast_now"] == pytest.approx(deal, abs=1e-6)
    assert abs(np.median(r.trajectory.forecast[:, k]) - deal) > 5  # the pooled median differs here (by 10.1)
    assert levers(s, "mean", "territory", target=30.0, grid=3, refine=2)["given"] is None
    from detente.cli.levers import levers_tables
    from detente.report.tables import render_text

    text = " ".join(render_text(levers_tables(res, width=120, scenario=s), width=120).split())
    assert "given a deal" in text and "the median over the draws that end in one" in text


def test_war_levers_with_too_few_deals_say_so_and_never_rank_a_candidate_without_terms() -> None:
    """A war candidate after which fewer than MIN_DEALS draws end in a deal has no terms to compare:
    it is never a lever (before, its NaN broke the ranking: "TypeError: '<' not supported between
    float and NoneType" on the alliance issue with 30 draws); with too few deals now, the answer says
    so (target) or refuses in words (actor)."""
    import numpy as np

    from detente.errors import InputError
    from detente.explain.levers import MIN_DEALS, _enough_deals
    from detente.models import registry

    s = load(FLAGSHIP)
    for issue in ("alliance", "sanctions"):
        res = levers(s, "war", issue, target=10.0, draws=30, grid=5, refine=2)
        assert all(row["forecast"] is not None and row["distance_to_target"] is not None for row in res["levers"])
    few = levers(s, "war", "territory", target=10.0, draws=6, grid=5, refine=2)
    assert few["forecast_now"] is None and few["levers"] == [] and "fewer than 5 of the 6" in few["message"]
    with pytest.raises(InputError, match="too few to read the terms"):
        levers(s, "war", "territory", actor="ukraine", draws=6, grid=5, refine=2)
    f = np.array([[1.0] * MIN_DEALS + [np.nan], [1.0] * (MIN_DEALS - 1) + [np.nan] * 2])
    kept = _enough_deals(registry.get("war"), f)
    assert np.isfinite(kept[0]).sum() == MIN_DEALS and np.isnan(kept[1]).all()
    assert _enough_deals(registry.get("mean"), f) is f


@pytest.fixture(scope="module")
def war_answer() -> dict:
    """``detente levers examples/ukraine-settlement.yaml --model war --issue territory --target 50``."""
    return levers(load(FLAGSHIP), "war", "territory", target=50.0)


def test_war_levers_are_changes_and_not_monte_carlo_noise(war_answer: dict) -> None:
    """The reviewer's case: now 60.79, and 'capability 85 -> 85 reaches 50.07' (a change of zero reaching a target
    10 points away: the candidate had other random paths than the baseline). Now no lever is a zero change,
    and a lever that reaches the target is a change that moves the forecast there."""
    from detente.explain.levers import MIN_SIZE

    assert abs(war_answer["forecast_now"] - 50.0) > war_answer["tolerance"]  # the baseline misses the target
    assert war_answer["levers"]
    for row in war_answer["levers"]:
        assert row["size"] >= MIN_SIZE and row["to"] != row["from"], row
        assert row["distance_to_target"] < abs(war_answer["forecast_now"] - 50.0), row  # closer than now
    keys = [(row["actor"], row["attribute"]) for row in war_answer["levers"] + war_answer["no_lever"]]
    assert len(set(keys)) == len(keys) == len(_present_candidates(load(FLAGSHIP), "territory")[0])


@pytest.mark.parametrize("model, respond, target", [("mean", True, 75.0), ("bdm", True, 35.0), ("bdm", False, 35.0),
                                                     ("bdm", False, 15.0), ("median", True, 80.0)])
def test_a_lever_is_never_a_zero_change_unless_the_baseline_meets_the_target(model: str, respond: bool,
                                                                              target: float) -> None:
    from detente.explain.levers import MIN_SIZE

    s = _two() if model == "mean" else load(FLAGSHIP)
    issue = "x" if model == "mean" else "territory"
    res = levers(s, model, issue, target=target, draws=8, respond=respond)
    assert abs(res["forecast_now"] - target) > res["tolerance"]
    assert all(row["size"] >= MIN_SIZE for row in res["levers"]), res["levers"]
    assert (res["message"] is None) == bool(res["levers"])
    met = levers(s, model, issue, target=res["forecast_now"], draws=8, respond=respond)  # already there
    assert met["levers"] and all(row["size"] == 0 and row["reaches_target"] for row in met["levers"])


def test_others_fixed_gives_a_lever_when_one_actor_can_move_the_read_out() -> None:
    """With the mean read-out of the held positions one actor's move does shift the forecast: real levers,
    each a change that brings the forecast closer to the target."""
    res = levers(load(FLAGSHIP), "bdm", "territory", target=35.0, draws=1, respond=False, options={"readout": "mean"})
    assert res["levers"] and res["message"] is None
    for row in res["levers"]:
        assert row["size"] > 0 and row["distance_to_target"] < abs(res["forecast_now"] - 35.0)


def test_cli_levers_others_fixed_says_no_lever(capsys: pytest.CaptureFixture[str]) -> None:
    """The command in docs/explain.md: no table of 'position 62 -> 62 | 0.000 | no (closest)' rows."""
    assert main(["levers", str(FLAGSHIP), "--model", "bdm", "--issue", "territory", "--target", "35",
                 "--others-fixed"]) == 0
    text = " ".join(capsys.readouterr().out.replace("\u2502", " ").split())
    assert "no single change of one actor's position, salience or capability moves the forecast" in text
    assert "62 \u2192 62" not in text and "closest" not in text
