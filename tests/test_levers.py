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
    A's position 50 ((50 + 100) / 2); A's salience 1/3; B cannot get there by position (150 is off the scale)."""
    res = levers(_two(), "mean", "x", target=75.0, draws=1, tolerance=1e-9)
    rows = {(row["actor"], row["attribute"]): row for row in res["levers"]}
    assert res["forecast_now"] == 50.0
    assert rows[("B", "capability")]["factor"] == pytest.approx(3.0, rel=1e-6)
    assert rows[("A", "capability")]["factor"] == pytest.approx(1 / 3, rel=1e-6)
    assert rows[("A", "position")]["to"] == pytest.approx(50.0, abs=1e-6)
    assert rows[("A", "salience")]["to"] == pytest.approx(1 / 3, abs=1e-6)
    for key in [("B", "capability"), ("A", "capability"), ("A", "position"), ("A", "salience")]:
        assert rows[key]["reaches_target"] and rows[key]["forecast"] == pytest.approx(75.0, abs=1e-6)
    b_pos = rows[("B", "position")]
    assert not b_pos["reaches_target"] and b_pos["to"] == 100.0 and b_pos["forecast"] == 50.0
    # ranked by the size of the change, the ones that reach first
    sizes = [row["size"] for row in res["levers"] if row["reaches_target"]]
    assert sizes == sorted(sizes) and res["levers"][-1]["reaches_target"] is False


def test_bdm_others_respond_differs_from_holding_them_fixed() -> None:
    s = load(FLAGSHIP)
    full = levers(s, "bdm", "territory", target=35.0, draws=1)
    fixed = levers(s, "bdm", "territory", target=35.0, draws=1, respond=False)
    assert full["others_respond"] and not fixed["others_respond"]
    a = {(r["actor"], r["attribute"]): (r["to"], r["reaches_target"]) for r in full["levers"]}
    b = {(r["actor"], r["attribute"]): (r["to"], r["reaches_target"]) for r in fixed["levers"]}
    assert a.keys() == b.keys() and a != b
    # in the full run some actor's move alone brings the outcome to 35: the others follow it there
    assert any(v[1] for v in a.values())
    # with the others held where the unchanged run left them (all at ~20), one actor's move changes nothing
    assert not any(v[1] for v in b.values())


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
    assert "What russia should announce on sanctions" in text and "best position" in text


@pytest.mark.parametrize("args, words", [
    (["--issue", "nope", "--target", "50"], ["--issue", "'nope'", "territory", "settlement_form"]),
    (["--issue", "territory", "--actor", "nobody"], ["--actor", "'nobody'", "russia", "china"]),
    (["--issue", "territory", "--target", "150"], ["--target", "150", "0 to 100"]),
    (["--issue", "territory"], ["exactly one of --target"]),
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


def test_cli_levers_target_table_and_others_fixed(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["levers", str(FLAGSHIP), "-m", "bdm", "--issue", "territory", "--target", "35", "--draws", "1"]
    assert main(base) == 0
    full = capsys.readouterr().out
    assert "others respond through the model" in full and "yes" in full
    assert main([*base, "--others-fixed"]) == 0
    fixed = capsys.readouterr().out
    assert "OTHERS HELD FIXED" in fixed and "yes" not in fixed.split("┡")[1]
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
        text = render_text(levers_tables(res, width=width), width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert "\u2026" not in text  # no header or cell cut short
        rows = res.get("levers") or [res["best"]]
        for row in rows:
            lo, hi = row["interval"]
            assert f"{lo:.4g}\u2013{hi:.4g}" in text  # a range on one line
