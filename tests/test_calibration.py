"""The stored calibrations (forecast intervals) and which runs they apply to."""

from __future__ import annotations


def test_an_option_that_only_sets_how_bdm_computes_keeps_its_calibration() -> None:
    """``-o bdm.chunk_elements=1000`` gives the same numbers, but the calibrated interval vanished
    (the run's options differed from the calibration's)."""
    from conftest import EXAMPLES
    from detente.runner import run
    from detente.scenario.io import load

    s = load(EXAMPLES / "eu-emission-standards.yaml")
    plain, chunked = run(s, "bdm", seed=1), run(s, "bdm", seed=1, options={"chunk_elements": 1000})
    assert plain.to_dict()["calibration"] is not None
    assert chunked.to_dict()["calibration"] == plain.to_dict()["calibration"]
    assert chunked.to_dict()["interval"] == plain.to_dict()["interval"]
    assert run(s, "bdm", seed=1, options={"rounds": 3}).to_dict().get("calibration") is None
