"""War inputs' levers use common random numbers: a value at the present input is the baseline, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detente.explain.common import run_inputs, tile
from detente.explain.war import p_deal, settled_stacked, war_levers
from detente.runner import DEFAULT_SEED
from detente.scenario.io import load

FLAGSHIP = Path(__file__).resolve().parents[1] / "examples" / "ukraine-settlement.yaml"


def test_present_value_at_the_end_of_the_range_gives_p_deal_now() -> None:
    """Side A's memory is 1 (top of its range) and its collapse hazard 0 (bottom): P there is P now.
    Before: 0.32 and 0.32 against 0.25 now (other random battles per grid value)."""
    res = war_levers(load(FLAGSHIP), draws=100, seed=DEFAULT_SEED)
    rows = {row["name"]: row for row in res["inputs"]}
    assert rows["war.sides.A.memory"]["value"] == 1.0
    assert rows["war.sides.A.memory"]["p_deal_at_highest"] == res["p_deal_now"]
    assert rows["war.sides.B.memory"]["p_deal_at_highest"] == res["p_deal_now"]
    assert rows["war.sides.A.collapse_hazard"]["p_deal_at_lowest"] == res["p_deal_now"]
    assert war_levers(load(FLAGSHIP), draws=100, seed=DEFAULT_SEED) == res  # reproducible


def test_identical_stacked_candidates_give_the_baseline_bit_for_bit() -> None:
    s = load(FLAGSHIP)
    spec, opts, arr, seq = run_inputs(s, "war", draws=50, seed=3)
    base = p_deal(spec.run(arr, opts, np.random.default_rng(seq)), 12)
    got = settled_stacked(spec, tile(arr, 4), opts, seq, 4, 12).reshape(4, arr.draws)
    assert all(np.array_equal(row, base) for row in got)
