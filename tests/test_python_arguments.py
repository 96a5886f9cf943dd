"""The Python functions refuse bad arguments as ``run`` does: one clear InputError or ModelError
naming the argument and its value, never a bare TypeError/ValueError from NumPy or SALib, and
never a silent substitute (draws=-5 ran 1 draw, n=0 ran the default sample size)."""

from __future__ import annotations

import warnings

import pytest

import detente
from detente.errors import InputError, ModelError
from detente.explain.levers import levers
from detente.pool import pool_scenarios
from detente.uncertainty.sensitivity import sensitivity
from detente.uncertainty.sweep import sweep

from conftest import EXAMPLES

S = detente.load(EXAMPLES / "ukraine-settlement.yaml")


@pytest.mark.parametrize("kwargs,match", [
    ({"draws": -5}, r"draws: must be a whole number from 1"),
    ({"draws": 0}, r"draws: must be a whole number from 1"),
    ({"draws": 2.7}, r"draws: must be a whole number .*\(got 2\.7\)"),
    ({"draws": "10"}, r"draws: must be a whole number .*\(got '10'\)"),
    ({"seed": -1}, r"seed: the seed must be a whole number from 0"),
    ({"seed": 1.5}, r"seed: the seed must be a whole number"),
    ({"target": "6"}, r"target: the target must be a number"),
    ({"grid": 2}, r"grid: must be a whole number from 3 to"),
])
def test_levers_refuses_bad_arguments(kwargs, match) -> None:
    args = {"target": 40.0, "draws": 5, **kwargs}
    with pytest.raises(InputError, match=match):
        levers(S, "mean", "territory", **args)


def test_functions_of_one_model_say_so_and_refuse_a_file_name() -> None:
    with pytest.raises(ModelError, match=r"levers takes one model name.*call it once per model"):
        levers(S, ["mean"], "territory", target=40.0)
    with pytest.raises(ModelError, match=r"sensitivity takes one model name"):
        sensitivity(S, ["mean", "bdm"])
    for call in (lambda: levers("examples/ukraine-settlement.yaml", "mean", "territory", target=40.0),
                 lambda: sensitivity("examples/ukraine-settlement.yaml", "mean"),
                 lambda: sweep("examples/ukraine-settlement.yaml", "mean", ["actors[us_admin].capability=1:2:2"])):
        with pytest.raises(InputError, match="expected a Scenario"):
            call()


@pytest.mark.parametrize("kwargs,match", [
    ({"seed": -1}, r"seed: the seed must be a whole number"),
    ({"seed": "1"}, r"seed: the seed must be a whole number"),
    ({"n": 0}, r"n: must be a whole number from 2 to"),
    ({"n": "16"}, r"n: must be a whole number"),
    ({"replications": 0}, r"replications: must be a whole number from 1 to"),
    ({"num_resamples": 0}, r"num_resamples: must be a whole number from 1 to"),  # was ZeroDivisionError
    ({"num_resamples": 2.5}, r"num_resamples: must be a whole number"),
])
def test_sensitivity_refuses_bad_arguments(kwargs, match) -> None:
    with pytest.raises(InputError, match=match):
        sensitivity(S, "mean", method="morris", **kwargs)


def test_sweep_refuses_bad_arguments() -> None:
    vary = ["actors[us_admin].capability=1:2:2"]
    for kwargs, match in (({"seed": -1}, "seed"), ({"draws": 0}, "draws"), ({"samples": 1.5}, "samples"),
                          ({"workers": 0}, "workers")):
        with pytest.raises(InputError, match=match):
            sweep(S, "mean", vary, **{"workers": 1, **kwargs})


def test_a_scenario_changed_in_python_is_checked_again_by_every_function() -> None:
    bad = S.model_copy(deep=True)
    bad.stances[0].position = 999
    for call in (lambda: levers(bad, "mean", "territory", target=40.0),
                 lambda: sensitivity(bad, "mean"),
                 lambda: sweep(bad, "mean", ["actors[us_admin].capability=1:2:2"], workers=1)):
        with pytest.raises(InputError, match=r"stances\[0\]\.position: off the scale"):
            call()


def test_pool_scenarios_refuses_weights_and_views_it_cannot_read() -> None:
    contrast = detente.load(EXAMPLES / "ukraine-settlement-contrast.yaml")
    with pytest.raises(InputError, match=r"weights: give the weights as a list of numbers"):
        pool_scenarios([S, contrast], analysts=["a", "b"], weights="2,1")
    with pytest.raises(InputError, match=r"scenarios\[1\]: expected a Scenario"):
        pool_scenarios([S, "examples/ukraine-settlement-contrast.yaml"])
    with pytest.raises(InputError, match=r"give a list of two or more scenarios"):
        pool_scenarios(S)


def test_a_mistyped_model_or_option_gets_a_suggestion() -> None:
    with pytest.raises(ModelError, match=r"unknown model 'meen' \(did you mean 'mean'\?\)"):
        detente.run(S, "meen")
    with pytest.raises(ModelError, match=r"unknown model 'Mean' \(did you mean 'mean'\?\)"):
        detente.run(S, "Mean")
    with pytest.raises(ModelError, match=r"'roundz' \(did you mean 'rounds'\?\)"):
        detente.run(S, ["mean", "bdm"], options={"roundz": 1})


def test_every_result_records_its_provenance_and_prints_in_one_line() -> None:
    """Only run's results carried the version and the input hash; a sensitivity result printed
    100,000 characters and str(scenario) 39,000."""
    from detente.scenario.arrays import scenario_hash

    digest = scenario_hash(S)
    sens = sensitivity(S, "mean", method="morris", n=4)
    sw = sweep(S, "mean", ["actors[us_admin].capability=1:2:2"], workers=1)
    lev = levers(S, "mean", "territory", target=40.0, draws=3)
    for d in (sens.to_dict(), sw.to_dict(), lev):
        assert d["version"] == detente.__version__ and d["input_sha256"] == digest
        assert "options" in d and "variant" in d
    assert repr(sens).startswith("<SensitivityResult morris of mean on") and len(repr(sens)) < 300
    assert repr(sw) == "<SweepResult of mean: 2 points over actors[us_admin].capability, 5 issues, 1 draw each>"
    assert str(S) == repr(S) and len(str(S)) < 200


def test_a_python_war_run_with_few_draws_warns_and_notes_it(capsys) -> None:
    """docs/models.md promised a warning below 100 draws; only the CLI gave one."""
    from detente.cli import main
    from detente.errors import FewDrawsWarning

    with pytest.warns(FewDrawsWarning, match=r"draws=5: the war forecast is 5 simulated wars"):
        r = detente.run(S, "war", draws=5)
    assert any("5 simulated wars" in n for n in r.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not any("simulated wars" in n for n in detente.run(S, "war", draws=100).notes)
        assert not any("simulated wars" in n for n in detente.run(S, "mean", draws=5).notes)
    assert main(["run", str(EXAMPLES / "ukraine-settlement.yaml"), "-m", "war", "-n", "5"]) == 0
    err = capsys.readouterr().err
    assert err.count("simulated wars") == 1 and "FewDrawsWarning" not in err  # the CLI's own words, once


def test_a_problem_without_a_value_says_so_and_survives_pickling() -> None:
    """``Problem.value`` was a bare ``object()``: printed as ``<object object at 0x...>``, and a new
    object once pickled (from a worker process), so the message then read "(got <object ...>)"."""
    import pickle

    from detente.errors import Problem

    p = pickle.loads(pickle.dumps(Problem("is required", field="x")))
    assert not p.has_value and repr(p.value) == "<no value>" and p.render("f.yaml") == "f.yaml: x: is required"
    assert Problem("bad", value=None).has_value


def test_levers_names_its_arguments_in_python_and_its_options_in_the_cli(capsys) -> None:
    """From Python (and the web page) the messages named command-line options ("--target: ...")."""
    from detente.cli import main

    with pytest.raises(InputError) as e:
        levers(S, "mean", "territory", target=600.0)
    assert str(e.value).endswith("target: the target must lie on the scale of Territorial line, 0 to 100 (got 600.0)")
    assert "--" not in str(e.value)
    with pytest.raises(InputError, match=r"issue: unknown issue") as e:
        levers(S, "mean", "terr", target=6.0)
    assert "--" not in str(e.value)
    assert main(["levers", str(EXAMPLES / "ukraine-settlement.yaml"), "-m", "mean", "--issue", "territory",
                 "--target", "600"]) == 2
    assert "error: --target: the target must lie on the scale of Territorial line" in capsys.readouterr().err


def test_numpy_numbers_work_and_sizes_have_a_bound() -> None:
    """A NumPy seed reached SALib, which refused it; NumPy weights were refused; a grid of 10**9
    values or n = 10**15 ran until the process was killed."""
    import numpy as np

    contrast = detente.load(EXAMPLES / "ukraine-settlement-contrast.yaml")
    assert sensitivity(S, "mean", method="morris", n=4, seed=np.int64(2)).seed == 2
    assert levers(S, "mean", "territory", target=np.float64(40.0), draws=np.int64(3), seed=np.int64(1))["seed"] == 1
    for w in (np.array([2, 1]), np.array([2, 1], dtype=np.float32)):
        assert pool_scenarios([S, contrast], analysts=["a", "b"], weights=w, war_from="a")[0]
    for bad, match in ((5, "weights: give the weights as a list"), ):
        with pytest.raises(InputError, match=match):
            pool_scenarios([S, contrast], analysts=["a", "b"], weights=bad)
    with pytest.raises(InputError, match="scenarios: give a list"):
        pool_scenarios(None)
    for call, match in ((lambda: sensitivity(S, "mean", method="morris", n=10**15), "n: must be a whole number from 2 to"),
                        (lambda: sensitivity(S, "mean", method="morris", replications=10**12), "replications: .* to 10,000"),
                        (lambda: levers(S, "mean", "territory", target=6.0, draws=2, grid=10**9), "grid: .* to 1,001")):
        with pytest.raises(InputError, match=match):
            call()


@pytest.mark.parametrize("call,python,cli", [
    (lambda: sweep(S, "mean", ["x"], workers=1), "vary: expected FIELD=LO:HI:N, e.g. actors[russia]",
     ["sweep", "-m", "mean", "--vary", "x"]),
    (lambda: sweep(S, "mean", ["actors[russia].capability=1:2:2"], samples=3, workers=1),
     "samples: is for a random design", ["sweep", "-m", "mean", "--vary", "actors[russia].capability=1:2:2",
                                         "--samples", "3"]),
    (lambda: sweep(S, "mean", ["actors[russia].capability=-1:2:2"], workers=1),
     "vary actors[russia].capability=-1:2:2: actors[0].capability: must not be negative",
     ["sweep", "-m", "mean", "--vary", "actors[russia].capability=-1:2:2"]),
    (lambda: sensitivity(S, "mean", n=100_000), "n: must be a whole number from 2 to 65,536",
     ["sensitivity", "-m", "mean", "--samples", "100000"]),
    (lambda: pool_scenarios([S, S], analysts=["a", "a"]), "analysts: two views have the analyst id 'a'",
     ["pool", "--analysts", "a,a"]),
    (lambda: pool_scenarios([S, S], analysts=["a", "b"], weights=[1, 0]), "weights: weights must be finite",
     ["pool", "--analysts", "a,b", "--weights", "1,0"]),
])
def test_sweep_sensitivity_and_pool_name_their_arguments_and_the_cli_its_options(call, python, cli, capsys) -> None:
    """From Python the messages named command-line options ("--vary: ...", "--weights: ...") that a
    notebook user has not got; the CLI says the option for the same problem."""
    from detente.cli import main

    with pytest.raises(InputError) as e:
        call()
    assert str(e.value).startswith(python), str(e.value)
    assert "--" not in str(e.value)
    files = [str(EXAMPLES / "ukraine-settlement.yaml")] * (2 if cli[0] == "pool" else 1)
    assert main([cli[0], *files, *cli[1:]]) == 2
    flag = {"n": "--samples"}.get(python.split(":")[0].split(" ")[0], "--" + python.split(":")[0].split(" ")[0])
    assert f"error: {flag}" in capsys.readouterr().err
