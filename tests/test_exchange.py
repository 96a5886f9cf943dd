"""Tests of the exchange model (neighbours.md §1.3) against the upstream Decide program.

Reference numbers below were obtained by running Decide itself (PyPI ``decide-exchange-model``
2025.3.1, GPL, installed in a scratch venv outside this repository; numpy 2.2.6) with a driver that
calls ``random.seed(SEED)`` before building ``EqualGainModel`` (p = 0) on
``exchange-data/data/input/{copenhagen,cop21}.csv`` and runs ``ModelLoop.loop()`` (once, or 10
times for the round-2 figures); the lists are each realised exchange's (i, j, i's supply issue,
j's supply issue, exchange.gain) in realisation order. Decide's only use of ``random`` at p = 0 is
tie-breaking, so feeding our loop the same coins (``random.Random(SEED).random()``, in order)
must reproduce its sequence, up to the rounding-order effect documented in the tests below.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import detente.models.exchange  # noqa: F401  (registers the model)
from detente.models.exchange import ExchangeOptions, replay_round, simulate
from detente.models.exchange_kernels import _psum, candidates, realise_round, seed_states, uniforms
from detente.runner import run
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import load
from detente.scenario.model import Scenario
from conftest import EXAMPLES, peer_file

CPH = "exchange-data/data/input/copenhagen.csv"
COP21 = "exchange-data/data/input/cop21.csv"

# Decide 2025.3.1, random.seed(1), copenhagen.csv, round 1 (48 exchanges, 8 ties)
DECIDE_ROUND1_SEED1 = [
    ('USA', 'China India', 'Extra', 'Commitments', 3.2788),
    ('USA', 'Least Developed Countries', 'Control', 'Newtreaty', 1.8534),
    ('China India', 'EU (incl Norway)', 'Control', 'MRVdecrease', 1.5845),
    ('USA', 'Alliance of Small Island States', 'Control', 'Commitments', 1.4643),
    ('USA', 'Alliance of Small Island States', 'Domestred', 'Newtreaty', 0.8722),
    ('China India', 'EU (incl Norway)', 'Domestred', 'Newtreaty', 0.8614),
    ('USA', 'Least Developed Countries', 'Extra', 'MRVdecrease', 0.7871),
    ('EU (incl Norway)', 'China India', 'Commitments', 'Domestred', 0.7597),
    ('EU (incl Norway)', 'China India', 'Extra', 'Domestred', 0.7121),
    ('USA', 'Alliance of Small Island States', 'Extra', 'MRVdecrease', 0.6134),
    ('Least Developed Countries', 'USA', 'Commitments', 'DevlopC2020', 0.5926),
    ('Canadas', 'Brazil', 'MRVdecrease', 'Newtreaty', 0.5121),
    ('Canadas', 'Developing Countries', 'Extra', 'Newtreaty', 0.4402),
    ('Japans', 'Least Developed Countries', 'Control', 'Domestred', 0.3285),
    ('Canadas', 'Alliance of Small Island States', 'Commitments', 'DevlopC2020', 0.3253),
    ('Japans', 'China India', 'MRVdecrease', 'DevlopC2020', 0.3018),
    ('Japans', 'Least Developed Countries', 'Commitments', 'Domestred', 0.2684),
    ('Japans', 'Least Developed Countries', 'Extra', 'Domestred', 0.2648),
    ('Developing Countries', 'USA', 'MRVdecrease', 'DevlopC2020', 0.2113),
    ('Developing Countries', 'USA', 'Commitments', 'Domestred', 0.2100),
    ('Brazil', 'USA', 'Commitments', 'DevlopC2020', 0.1961),
    ('China India', 'Canadas', 'DevlopC2020', 'Newtreaty', 0.1831),
    ('China India', 'USA', 'Commitments', 'Newtreaty', 0.1723),
    ('EU (incl Norway)', 'Least Developed Countries', 'Extra', 'Control', 0.1689),
    ('China India', 'Australia', 'Control', 'Newtreaty', 0.1302),
    ('Canadas', 'Alliance of Small Island States', 'Domestred', 'DevlopC2020', 0.1286),
    ('Australia', 'China India', 'Extra', 'Control', 0.1025),
    ('Canadas', 'Least Developed Countries', 'Extra', 'DevlopC2020', 0.0946),
    ('Australia', 'Alliance of Small Island States', 'Commitments', 'Domestred', 0.0736),
    ('Australia', 'Alliance of Small Island States', 'Control', 'Domestred', 0.0739),
    ('USA', 'Developing Countries', 'Domestred', 'Newtreaty', 0.0723),
    ('Alliance of Small Island States', 'EU (incl Norway)', 'Control', 'Commitments', 0.0654),
    ('Alliance of Small Island States', 'Australia', 'Domestred', 'DevlopC2020', 0.0634),
    ('Alliance of Small Island States', 'USA', 'Commitments', 'Domestred', 0.0584),
    ('Canadas', 'China India', 'MRVdecrease', 'DevlopC2020', 0.0420),
    ('Russia', 'USA', 'MRVdecrease', 'Newtreaty', 0.0403),
    ('Alliance of Small Island States', 'Japans', 'Domestred', 'DevlopC2020', 0.0365),
    ('Brazil', 'USA', 'MRVdecrease', 'DevlopC2020', 0.0333),
    ('EU (incl Norway)', 'USA', 'Domestred', 'DevlopC2020', 0.0731),
    ('Canadas', 'EU (incl Norway)', 'Control', 'DevlopC2020', 0.0243),
    ('China India', 'Australia', 'Control', 'MRVdecrease', 0.0204),
    ('Least Developed Countries', 'USA', 'Domestred', 'DevlopC2020', 0.0195),
    ('Australia', 'Alliance of Small Island States', 'Extra', 'Domestred', 0.0193),
    ('Russia', 'USA', 'Control', 'Newtreaty', 0.0189),
    ('EU (incl Norway)', 'Brazil', 'Control', 'Domestred', 0.0181),
    ('Alliance of Small Island States', 'USA', 'MRVdecrease', 'Domestred', 0.0140),
    ('Russia', 'USA', 'DevlopC2020', 'Newtreaty', 0.0059),
    ('Australia', 'Alliance of Small Island States', 'Commitments', 'DevlopC2020', 0.0057),
]


# Decide 2025.3.1, random.seed(1), cop21.csv, round 1 (126 exchanges, 9 ties): i j i_supply j_supply gain
DECIDE_COP21_ROUND1_SEED1 = [(a, b, c, d, float(g)) for a, b, c, d, g in (line.split() for line in """
USA China eaa finance_vol 2.1907
USA China finance_who differentiation 1.7956
Arab_statess USA finance_vol adapt_legal 1.3873
USA LDCs_BGD adapt_inst legal 1.3558
LDCs_BGD China eaa adapt_finance 1.2148
EU28 India eaa mrv 1.1274
Japan Arab_statess finance_who differentiation 1.1195
Russia LDCs_BGD adapt_legal differentiation 1.0888
AOSISs Arab_statess finance_who legal 1.0749
USA AOSISs amb2050 ld 0.9798
EU28 Arab_statess adapt_legal mrv 0.9669
India USA ld adapt_finance 0.9649
AILAC2 China eaa adapt_legal 0.9618
USA AOSISs progress legal 0.9429
China USA ld mrv 0.9088
Russia India adapt_finance differentiation 0.8002
AILAC2 Japan ld adapt_legal 0.7581
Russia India adapt_inst differentiation 0.7239
USA LDCs_BGD amb2100 ld 0.6646
AILAC2 Brazil progress adapt_legal 0.6412
Arab_statess AOSISs ld differentiation 0.6053
EU28 India adapt_finance finance_who 0.5953
China AOSISs legal mrv 0.5784
EIG China eaa legal 0.5654
Japan LDCs_BGD amb2100 ld 0.5469
Russia African_grp progress differentiation 0.5306
Brazil EU28 mrv differentiation 0.5179
EIG Arab_statess finance_who mrv 0.5134
African_grp Umbrella_min finance_who adapt_inst 0.4764
China AILAC2 adapt_finance finance_who 0.4594
Russia EU28 finance_who legal 0.4519
Russia LDCs_BGD ld finance_vol 0.4471
AOSISs EIG amb2050 finance_vol 0.4338
AOSISs Brazil progress adapt_finance 0.4253
China LDCs_BGD finance_who mrv 0.4227
Umbrella_min AILAC2 adapt_legal differentiation 0.3908
Japan India eaa adapt_finance 0.3711
Brazil USA ld differentiation 0.3679
EU28 LDCs_BGD amb2100 amb2050 0.3542
Umbrella_min India eaa finance_who 0.3299
EIG African_grp adapt_legal mrv 0.3228
LDCs_BGD Japan ld adapt_inst 0.3047
Brazil EIG legal differentiation 0.3026
African_grp Japan ld finance_vol 0.2951
EU28 AILAC2 adapt_inst legal 0.2812
USA African_grp progress legal 0.2755
Japan India progress finance_vol 0.2546
Brazil USA finance_vol differentiation 0.2412
Russia AOSISs eaa finance_vol 0.2405
Umbrella_min India progress legal 0.2263
AILAC2 USA ld adapt_finance 0.2225
China Umbrella_min finance_who mrv 0.1797
USA China mrv differentiation 0.1790
Japan AOSISs amb2050 adapt_finance 0.1757
AOSISs EU28 amb2050 finance_vol 0.1749
African_grp EU28 amb2050 finance_vol 0.2551
Arab_statess EU28 progress finance_who 0.1704
EU28 China eaa mrv 0.1680
LDCs_BGD Umbrella_min adapt_finance finance_vol 0.1673
AOSISs China eaa progress 0.1650
Arab_statess African_grp adapt_finance adapt_inst 0.1573
China USA finance_vol mrv 0.1527
Japan Arab_statess finance_who mrv 0.1451
Russia AILAC2 mrv differentiation 0.1445
Arab_statess AOSISs eaa adapt_inst 0.1444
African_grp Japan adapt_finance finance_vol 0.1419
USA AOSISs amb2050 finance_vol 0.1386
EU28 Russia legal mrv 0.1319
Brazil EU28 adapt_inst differentiation 0.1299
ALBA USA ld finance_vol 0.1221
AILAC2 Arab_statess eaa adapt_finance 0.1192
LDCs_BGD Brazil progress finance_who 0.1133
Brazil EU28 legal differentiation 0.1092
EU28 ALBA finance_vol mrv 0.1088
African_grp China eaa progress 0.1086
AILAC2 Arab_statess progress adapt_inst 0.0997
China Japan adapt_inst mrv 0.0959
Russia ALBA finance_vol differentiation 0.0954
EIG China progress mrv 0.0914
EU28 African_grp finance_vol mrv 0.0908
India Japan finance_vol legal 0.0871
ALBA AILAC2 progress finance_vol 0.0864
AOSISs Arab_statess progress ld 0.0837
ALBA EU28 finance_who finance_vol 0.0818
AILAC2 EU28 amb2050 adapt_inst 0.0759
AILAC2 EIG amb2050 adapt_finance 0.1131
African_grp USA amb2050 finance_vol 0.0705
EIG Arab_statess adapt_inst legal 0.0685
ALBA Japan adapt_finance finance_vol 0.0681
Brazil India eaa adapt_finance 0.0655
India EU28 finance_who adapt_inst 0.0588
EU28 LDCs_BGD amb2100 finance_vol 0.0580
LDCs_BGD China progress finance_who 0.0522
ALBA AILAC2 eaa finance_vol 0.0501
AILAC2 EIG amb2100 adapt_finance 0.0428
African_grp EIG amb2100 adapt_finance 0.0425
Arab_statess EIG progress adapt_inst 0.0418
USA LDCs_BGD progress legal 0.0398
Brazil Japan adapt_inst differentiation 0.0395
Umbrella_min India adapt_finance legal 0.0372
AILAC2 USA amb2050 adapt_finance 0.0371
USA ALBA finance_vol legal 0.0347
Russia African_grp finance_vol differentiation 0.0338
India AOSISs eaa progress 0.0312
African_grp EU28 finance_who finance_vol 0.0299
USA Arab_statess adapt_legal differentiation 0.0290
Russia ALBA ld adapt_inst 0.0244
ALBA USA adapt_finance finance_vol 0.0196
China AILAC2 adapt_finance mrv 0.0194
Russia LDCs_BGD finance_vol differentiation 0.0191
USA LDCs_BGD progress ld 0.0183
Brazil Umbrella_min finance_who differentiation 0.0162
India African_grp progress legal 0.0156
Russia China finance_vol differentiation 0.0150
Brazil India eaa adapt_legal 0.0145
India EU28 finance_vol adapt_inst 0.0135
Russia India finance_vol differentiation 0.0128
China EIG legal mrv 0.0109
India EIG legal differentiation 0.0109
EU28 Brazil progress legal 0.0075
Arab_statess ALBA adapt_finance legal 0.0063
Russia ALBA finance_vol adapt_inst 0.0056
EIG AOSISs amb2100 adapt_finance 0.0042
EIG LDCs_BGD amb2100 adapt_finance 0.0009
Arab_statess LDCs_BGD adapt_finance adapt_inst 0.0007
LDCs_BGD Japan ld finance_vol 0.0002
""".strip().splitlines())]


def _x01(arr: ScenarioArrays) -> np.ndarray:
    return (arr.position[0] - arr.scale_min[:, None]) / ((arr.scale_max - arr.scale_min)[:, None] / 100)


def _round1(path, coins, rank_rtol: float = 0.0) -> list[tuple]:
    """Our round 1 on ``path`` with the given tie coins, as Decide's (i, j, i_supply, j_supply, gain)."""
    arr = ScenarioArrays.from_scenario(load(path))
    r = replay_round(_x01(arr), arr.salience[0], arr.capability[0], arr.present, coins=coins, rank_rtol=rank_rtol)
    A, I = arr.actor_ids, arr.issue_ids
    return [(A[i], A[j], I[q], I[p], round(float(g), 4)) for i, j, q, p, g in zip(r["I"], r["J"], r["q"], r["p"], r["gain"])]


def _coins(seed: int, n: int = 200) -> np.ndarray:
    gen = random.Random(seed)  # Decide's tie-breaking numbers after random.seed(seed)
    return np.array([gen.random() for _ in range(n)])


def test_round1_mds_copenhagen():
    r = run(load(peer_file(CPH)), "exchange", options={"rounds": 1})
    mds = dict(zip(r.issue_ids, r.trajectory.series["mds"][0, 0]))
    expected = {"Commitments": 51.95, "Control": 57.62, "DevlopC2020": 58.14, "Domestred": 30.71,
                "Extra": 64.62, "MRVdecrease": 52.24, "Newtreaty": 61.58}
    assert {k: round(float(v), 2) for k, v in mds.items()} == expected


def test_first_exchange_equal_gain_3_2788():
    r = run(load(peer_file(CPH)), "exchange", options={"rounds": 1})
    e = r.trajectory.extras["exchanges"][0][0]
    assert (e["actor_i"], e["supply_issue_i"], e["actor_j"], e["supply_issue_j"]) == \
        ("USA", "Extra", "China India", "Commitments")
    assert round(e["gain_i"], 4) == 3.2788 and round(e["gain_j"], 4) == 3.2788
    assert e["move_i"] == pytest.approx((10.0, 90.0))
    assert e["move_j"] == pytest.approx((85.0, 21.8937), abs=1e-4)


def test_round1_sequence_matches_decide_with_the_same_coins():
    ours = _round1(peer_file(CPH), _coins(1))
    assert len(ours) == len(DECIDE_ROUND1_SEED1) == 48
    # the first 47 exchanges agree in order, actors, issues and gain. KNOWN DEVIATION, cause
    # established: the 48th (gain 0.0057) is one of four candidates with mathematically equal gains
    # (Australia-LDC and Australia-AOSIS on Commitments/DevlopC2020, LDC-Australia and
    # AOSIS-Australia on Control/Commitments; LDC and AOSIS hold identical stances). At the start
    # of the round their float gains differ by a few ulps (0.020334059549745764 for the first two,
    # ...875 for the last two), so our stable sort puts LDC/AOSIS-Australia first and keeps that
    # order after the four gains become exactly equal; Decide's 28-digit Decimals compute the four
    # as equal, so its list keeps them in creation order. Decide's coin only compares the top two.
    assert ours[:47] == DECIDE_ROUND1_SEED1[:47]
    assert ours[47][4] == DECIDE_ROUND1_SEED1[47][4]
    assert ours[47] != DECIDE_ROUND1_SEED1[47]
    # the same coin (0.789: take the second of the top two) then picks AOSIS-Australia here and
    # Australia-AOSIS in Decide
    assert (ours[47][:2], DECIDE_ROUND1_SEED1[47][:2]) == (
        ("Alliance of Small Island States", "Australia"), ("Australia", "Alliance of Small Island States"))


def test_rank_rtol_reproduces_all_48_copenhagen_exchanges():
    # ranking gains that are equal up to 1e-12 (relative) as equal, as Decide's Decimals do here,
    # removes the deviation above: all 48 exchanges agree
    assert _round1(peer_file(CPH), _coins(1), rank_rtol=1e-12) == DECIDE_ROUND1_SEED1


def test_cop21_round1_matches_decide_but_for_one_rounding_order():
    """COP21 round 1: 125 exchanges here vs Decide's 126, explained exactly.

    Both programs tie (and draw a coin) at the 47th exchange between Japan-India with Japan
    supplying *progress* and India supplying *finance_vol* or *adapt_finance*. Both move Japan
    fully (50 -> 0), so the gains are mathematically equal: here bit-equal floats
    (0.2545691906005225; stable sort keeps finance_vol first), in Decide Decimals that differ in
    the 27th digit (adapt_finance ...251 > finance_vol ...250, so adapt_finance first). The same
    coin (0.7638, >= 0.5: take the second) then picks different exchanges, and the rounds diverge
    from there (Decide later realises Brazil-India eaa/adapt_finance and one more tie). Inverting
    that one coin makes all 126 exchanges agree in order, actors, issues and gain.
    """
    coins = _coins(1)
    ours = _round1(peer_file(COP21), coins)
    dec = DECIDE_COP21_ROUND1_SEED1
    assert len(dec) == 126 and len(ours) == 125
    assert ours[:46] == dec[:46]
    assert ours[46][:3] == dec[46][:3] == ("Japan", "India", "progress")
    assert (ours[46][3], dec[46][3]) == ("adapt_finance", "finance_vol")
    flipped = coins.copy()
    flipped[2] = 1 - flipped[2]  # the 3rd tie of the round is the 47th exchange (ties at 34, 37, 47)
    again = _round1(peer_file(COP21), flipped)
    assert again == dec
    # the two candidates' gains are the same float, not merely close
    arr = ScenarioArrays.from_scenario(load(peer_file(COP21)))
    a = replay_round(_x01(arr), arr.salience[0], arr.capability[0], arr.present, coins=coins)
    b = replay_round(_x01(arr), arr.salience[0], arr.capability[0], arr.present, coins=flipped)
    assert a["gain"][46] == b["gain"][46] and a["p"][46] != b["p"][46]
    # rank_rtol does not help here: at the 116th exchange three candidates have mathematically equal
    # gains and Decide orders them by its own last-digit rounding (India-EU28 twice at ...066, then
    # EU28-India at ...065 in the 28th digit), while rank_rtol keeps EU28-India first by list order;
    # the coin then takes the second of the top two: India-EU28 on progress here, on finance_vol there
    tol = _round1(peer_file(COP21), flipped, rank_rtol=1e-12)
    assert tol[:115] == dec[:115]
    assert (tol[115][:3], dec[115][:3]) == (("India", "EU28", "progress"), ("India", "EU28", "finance_vol"))


# Decide, random.seed(1), copenhagen.csv, 10 iterations: round-1 voting outcome and round-2 MDS
DECIDE_CPH_VOTING1 = {"Newtreaty": 54.261793241482636, "DevlopC2020": 66.66107285885468,
                      "Domestred": 37.316941413272424, "MRVdecrease": 47.42789217115327,
                      "Commitments": 19.06318082788671, "Control": 68.54120864695028, "Extra": 95.47783251231527}
DECIDE_CPH_MDS2 = {"Newtreaty": 61.24105783346859, "DevlopC2020": 60.160349875095626, "Domestred": 32.419462716732,
                   "MRVdecrease": 50.69883215960105, "Commitments": 46.90392156862745, "Control": 61.27773396928358,
                   "Extra": 73.40965517241379}


def test_voting_and_drift_match_decide_after_round1():
    """Steps 8-9: with round 1 reproduced exactly (Decide's coins, rank_rtol=1e-12), the voting
    outcome of round 1 and the MDS of round 2 (start positions after drift) equal Decide's.
    (Round 2's exchanges then agree with Decide's up to the 17th, again a tie between two
    mathematically equal gains, China India-USA supplying MRVdecrease or Newtreaty.)"""
    arr = ScenarioArrays.from_scenario(load(peer_file(CPH)))
    tr = simulate(arr, ExchangeOptions(rounds=2, rank_rtol=1e-12), np.random.default_rng(0), coins=_coins(1)[None])
    ids = arr.issue_ids
    assert dict(zip(ids, tr.series["voting"][0, 1])) == pytest.approx(DECIDE_CPH_VOTING1, abs=1e-9)
    assert dict(zip(ids, tr.series["mds"][0, 1])) == pytest.approx(DECIDE_CPH_MDS2, abs=1e-9)
    plain = simulate(arr, ExchangeOptions(rounds=2), np.random.default_rng(0), coins=_coins(1)[None])
    assert dict(zip(ids, plain.series["voting"][0, 1])) != pytest.approx(DECIDE_CPH_VOTING1, abs=1e-3)  # 48th differs


def test_round1_mds_cop21():
    r = run(load(peer_file(COP21)), "exchange", options={"rounds": 1})
    mds = dict(zip(r.issue_ids, r.trajectory.series["mds"][0, 0]))
    # Decide's round-1 MDS (same driver): differentiation 49.2554..., eaa 57.1005...
    assert mds["differentiation"] == pytest.approx(49.25540432345877, abs=1e-9)
    assert mds["eaa"] == pytest.approx(57.100515463917525, abs=1e-9)
    assert mds["amb2100"] == pytest.approx(85.70858283433134, abs=1e-9)


def test_ties_seed_dependence_and_reproducibility():
    a = _round1(peer_file(CPH), np.full(100, 0.9))
    b = _round1(peer_file(CPH), np.full(100, 0.1))
    assert a != b  # the tie order changes the round (as in Decide, whose runs differ)
    s = load(peer_file(CPH))
    r1 = run(s, "exchange", seed=7, options={"rounds": 3})
    r2 = run(s, "exchange", seed=7, options={"rounds": 3})
    assert np.array_equal(r1.trajectory.positions, r2.trajectory.positions)
    assert r1.trajectory.extras["exchanges"] == r2.trajectory.extras["exchanges"]
    outs = {tuple(np.round(run(s, "exchange", seed=k, options={"rounds": 3}).trajectory.forecast[0], 9))
            for k in range(6)}
    assert len(outs) > 1  # different seeds may resolve the ties differently


def test_numba_pcg64_is_numpys():
    seeds = np.array([0, 1, 5, 2**32 - 1, 2**32, 2**63 - 2, 123456789012345])
    got = uniforms(seeds, 5)
    want = np.array([np.random.default_rng(int(s)).random(5) for s in seeds])
    assert np.array_equal(got, want)


def test_kernel_sums_are_numpys():
    # outcomes inside the Numba loop use NumPy's pairwise summation, so they equal np.sum exactly
    rng = np.random.default_rng(0)
    for n in [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 300, 1025]:
        a = rng.random(n) * rng.random(n) * 100
        assert _psum(a) == a.sum()


@pytest.mark.parametrize("p_rex", [0.0, 0.4])
def test_draws_are_independent_of_batching(p_rex):
    """A draw's round is the same whether it runs alone or with other draws (own stream each)."""
    s = load(peer_file(CPH))
    data = s.model_dump()
    for st in data["stances"][::3]:
        st["position"] = {"low": max(0, st["position"] - 15), "high": min(100, st["position"] + 15)}
    arr = ScenarioArrays.from_scenario(Scenario.model_validate(data), draws=5, rng=np.random.default_rng(2))
    x = (arr.position - arr.scale_min[:, None]) / ((arr.scale_max - arr.scale_min)[:, None] / 100)
    st = seed_states(np.arange(10, 15))
    all_ = realise_round(x, arr.salience, candidates(x, arr.salience, arr.capability, arr.present), p_rex, st.copy())
    for d in (4, 1):
        one = realise_round(x[d:d + 1], arr.salience[d:d + 1],
                            candidates(x[d:d + 1], arr.salience[d:d + 1], arr.capability[d:d + 1], arr.present),
                            p_rex, st[d:d + 1].copy())
        assert np.array_equal(one["y"][0], all_["y"][d])
        n = all_["n"][d]
        assert one["n"][0] == n > 0
        assert np.array_equal(one["f"][:n], all_["f"][all_["off"][d]:all_["off"][d] + n])
    assert not np.array_equal(all_["y"][0], all_["y"][1])


def test_same_results_as_the_numpy_implementation():
    """Regression guard for the Numba port: forecasts of the previous pure NumPy/Python loop
    implementation (commit d88b50f), which the port reproduces bit for bit."""
    r = run(load(peer_file(COP21)), "exchange", seed=7, options={"rounds": 10}).trajectory
    assert r.forecast[0].tolist() == [
        47.09805009592053, 57.986162248125396, 45.55099747395339, 79.56160731357951, 69.95596393793245,
        84.16010318635652, 44.817937963029706, 64.49357380562542, 8.193373934452932, 31.072854348489294,
        74.207526879361, 91.7203712489215, 16.230434994220044]
    r = run(load(peer_file(CPH)), "exchange", seed=1, options={"rounds": 10, "randomize_p": 0.3}).trajectory
    assert r.forecast[0].tolist() == [
        59.64770698099589, 65.5135496416654, 34.82982905400912, 43.525164975404856, 19.74782238784745,
        83.00231605344293, 92.98066509776827]


@pytest.mark.parametrize("rel", [
    "exchange-data/data/input/cop21.csv", "exchange-data/data/input/sample_data.txt",
    "exchange-data/history/data/CoP21.csv", "exchange-data/history/data/data.csv",
    "exchange-data/history/data/input/CoP21.csv", "exchange-data/history/data/kopenhagen.csv",
    "exchange-data/history/data/verkiezing 2012.csv", "bdm-data/stokman-decide/cop21.csv"])
def test_runs_on_shipped_inputs(rel):
    s = load(peer_file(rel))
    r = run(s, "exchange", options={"rounds": 4})
    tr = r.trajectory
    assert tr.positions.shape == (1, 5, len(s.issues), len(s.actors))
    has = np.array([any(st.issue == i.id for st in s.stances) for i in s.issues])
    assert np.all(np.isfinite(tr.forecast[0, has])) and np.all(np.isnan(tr.forecast[0, ~has]))  # kopenhagen.csv: 2 #P without #D
    lo = np.array([i.scale.min for i in s.issues])
    hi = np.array([i.scale.max for i in s.issues])
    assert np.all((tr.forecast[0, has] >= lo[has] - 1e-9) & (tr.forecast[0, has] <= hi[has] + 1e-9))
    assert len(tr.extras["exchanges"]) == 4 and len(tr.extras["exchanges"][0]) > 0
    for e in tr.extras["exchanges"][0]:
        assert e["gain_i"] == pytest.approx(e["gain_j"], abs=1e-9)


def test_sample_data_native_scale():
    s = load(peer_file("exchange-data/data/input/sample_data.txt"))
    r = run(s, "exchange", options={"rounds": 2})
    k = r.issue_ids.index("tol-hoogte")
    assert 0.5 <= r.trajectory.series["mds"][0, 0, k] <= 7
    assert r.trajectory.positions[0, 0, k].min() >= 0.5


def test_drift_weights_exposed():
    s = load(peer_file(CPH))
    a = run(s, "exchange", options={"rounds": 2}).trajectory.positions[0, 1]
    b = run(s, "exchange", options={"rounds": 2, "salience_weight": 0.0, "fixed_weight": 0.0}).trajectory.positions[0, 1]
    assert not np.allclose(a, b)
    assert np.allclose(b, run(s, "exchange", options={"rounds": 1}).trajectory.positions[0, 0])


def test_rex_reproducible_and_different():
    s = load(peer_file(CPH))
    a = run(s, "exchange", seed=3, options={"rounds": 2, "randomize_p": 0.5}).trajectory
    b = run(s, "exchange", seed=3, options={"rounds": 2, "randomize_p": 0.5}).trajectory
    c = run(s, "exchange", seed=3, options={"rounds": 2}).trajectory
    assert np.array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions)
    gains = [(e["gain_i"], e["gain_j"]) for e in a.extras["exchanges"][0]]
    assert any(abs(gi - gj) > 1e-9 for gi, gj in gains)  # rates no longer equal-gain


def test_externalities_reported():
    r = run(load(peer_file(CPH)), "exchange", options={"rounds": 1})
    ext = r.trajectory.extras["externalities"][0]["actors"]
    assert set(ext) == set(r.actor_ids)
    assert any(abs(v["total"]) > 1e-6 for v in ext.values())


def test_draws_with_uncertain_inputs():
    s = load(peer_file(CPH))
    data = s.model_dump()
    data["stances"][0]["position"] = {"low": 0, "high": 30}
    s2 = Scenario.model_validate(data)
    r = run(s2, "exchange", draws=3, seed=1, options={"rounds": 2})
    assert r.trajectory.forecast.shape == (3, len(s.issues))
    assert r.trajectory.extras == {}
    many = run(s2, "exchange", draws=40, seed=1, options={"rounds": 2}).trajectory
    assert np.all(np.isfinite(many.forecast)) and len({tuple(f) for f in np.round(many.forecast, 9)}) > 1


def test_flagship_example():
    p = EXAMPLES / "ukraine-settlement.yaml"
    if not p.exists():
        pytest.skip("examples/ukraine-settlement.yaml not written yet (another engineer owns it)")
    s = load(p)
    r = run(s, "exchange", options={"rounds": 3})
    assert np.all(np.isfinite(r.trajectory.forecast))


def test_one_compiled_round_serves_arrays_of_any_layout():
    """The explanation's leave-one-out run hands the kernel arrays that are not C-contiguous; the
    round must not compile a second specialisation for them (~3 s on a first run with --out)."""
    from detente.models.exchange_kernels import _realise_all

    arr = ScenarioArrays.from_scenario(load(peer_file(CPH)))
    x = (arr.position - arr.scale_min[:, None]) / ((arr.scale_max - arr.scale_min)[:, None] / 100)
    def issues_innermost(a: np.ndarray) -> np.ndarray:  # the layout the leave-one-out stack has
        return np.ascontiguousarray(np.swapaxes(a, 1, 2)).swapaxes(1, 2)

    perm = issues_innermost(x)
    assert not np.empty_like(perm).flags.c_contiguous and np.array_equal(perm, x)
    cand = candidates(x, arr.salience, arr.capability, arr.present)
    st = seed_states(np.arange(1))
    a = realise_round(x, arr.salience, cand, 0.0, st.copy())
    b = realise_round(perm, issues_innermost(arr.salience), cand, 0.0, st.copy())
    assert np.array_equal(a["y"], b["y"]) and b["y"].flags.c_contiguous
    assert all(len(sig) and all(getattr(t, "layout", "C") == "C" for t in sig) for sig in _realise_all.signatures)


# --- the NumPy round (detente.models.exchange_numpy) is the compiled round, bit for bit ----------

def _round_inputs(rel: str, draws: int, spread: float):
    s = load(peer_file(rel))
    if spread:
        data = s.model_dump()
        for st in data["stances"][::3]:
            st["position"] = {"low": max(0, st["position"] - spread), "high": min(100, st["position"] + spread)}
        s = Scenario.model_validate(data)
    arr = ScenarioArrays.from_scenario(s, draws=draws, rng=np.random.default_rng(2))
    x = (arr.position - arr.scale_min[:, None]) / ((arr.scale_max - arr.scale_min)[:, None] / 100)
    return x, arr.salience, candidates(x, arr.salience, arr.capability, arr.present)


@pytest.mark.parametrize("rel, draws, spread, p_rex", [
    (CPH, 1, 0, 0.0), (CPH, 1, 0, 0.3), (COP21, 1, 0, 0.0), (COP21, 1, 0, 0.3),
    (CPH, 5, 15, 0.0), (CPH, 5, 15, 0.4), (COP21, 3, 20, 0.2), ("exchange-data/data/input/sample_data.txt", 2, 10, 0.0)])
def test_numpy_round_is_the_compiled_round_bit_for_bit(rel, draws, spread, p_rex):
    from detente.models import exchange_numpy

    x, s, cand = _round_inputs(rel, draws, spread)
    st = seed_states(np.arange(10, 10 + draws))
    st_c, st_n = st.copy(), st.copy()
    want = realise_round(x, s, cand, p_rex, st_c)
    got = exchange_numpy.realise_round(x, s, cand, p_rex, st_n)
    assert want["n"].min() > 0
    for key in want:
        assert np.array_equal(got[key], want[key], equal_nan=True), key
    assert np.array_equal(st_n, st_c)  # each draw's stream is left where the kernels leave it


def test_numpy_round_replays_given_coins_like_the_kernels():
    from detente.models import exchange_numpy

    x, s, cand = _round_inputs(CPH, 1, 0)
    coins = _coins(1)[None]
    want = realise_round(x, s, cand, 0.0, seed_states(np.arange(1)), coins)
    got = exchange_numpy.realise_round(x, s, cand, 0.0, seed_states(np.arange(1)), coins)
    assert got["coins_used"][0] == want["coins_used"][0] == 8  # Decide's 8 ties
    assert np.array_equal(got["k"], want["k"]) and np.array_equal(got["f"], want["f"])
    with pytest.raises(ValueError, match="ran out of the given tie-breaking numbers"):
        exchange_numpy.realise_round(x, s, cand, 0.0, seed_states(np.arange(1)), coins[:, :3])
    with pytest.raises(ValueError, match="compiled kernels only"):
        exchange_numpy.realise_round(x, s, cand, 0.0, seed_states(np.arange(1)), rank_rtol=1e-12)


def test_psum_rows_is_numpys_sum():
    from detente.models.exchange_numpy import psum_rows

    rng = np.random.default_rng(0)
    for n in [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 300, 1025]:
        a = rng.random((3, n)) * rng.random((3, n)) * 100
        assert np.array_equal(psum_rows(a), np.array([_psum(row) for row in a]))
        assert np.array_equal(psum_rows(np.asfortranarray(a)), a.sum(axis=1))


@pytest.mark.parametrize("compiled", [False, True])
def test_both_implementations_give_the_pinned_forecasts(compiled, monkeypatch):
    """Whole runs (10 rounds, with REX too) on either implementation: the numbers pinned in
    ``test_same_results_as_the_numpy_implementation``."""
    import detente.models.exchange as ex

    monkeypatch.setattr(ex, "use_compiled", lambda work, rank_rtol=0.0: compiled)
    test_same_results_as_the_numpy_implementation()


def test_use_compiled_runs_small_work_in_numpy_and_compiles_for_large(monkeypatch):
    import detente.jit
    import detente.models.exchange as ex
    import detente.models.exchange_kernels as kernels

    class Fresh:  # a dispatcher not compiled in this process
        signatures: list = []

    monkeypatch.setattr(kernels, "_realise_all", Fresh())
    monkeypatch.setattr(ex, "_numpy_work", 0)
    for cached in (True, False):
        monkeypatch.setattr(detente.jit, "is_cached", lambda d, cached=cached: cached)
        assert not ex.use_compiled(ex.NUMPY_WORK_CACHED)  # small: NumPy, whether cached or not
        assert ex.use_compiled(ex.NUMPY_WORK_CACHED + 1) is cached  # mid: the cached kernels, else NumPy
        assert ex.use_compiled(ex.NUMPY_WORK_UNCOMPILED + 1)  # large: worth compiling
        assert ex.use_compiled(10, rank_rtol=1e-12)  # Decide's ranking tolerance: kernels only
    monkeypatch.setattr(ex, "_numpy_work", ex.NUMPY_WORK_UNCOMPILED)  # a long sweep of small runs
    assert ex.use_compiled(ex.NUMPY_WORK_CACHED)
    monkeypatch.setattr(kernels, "_realise_all", type("Done", (), {"signatures": [("sig",)]})())
    assert ex.use_compiled(1)  # compiled in this process already: no reason not to use it


@pytest.mark.parametrize("case", ["two_actors", "identical_positions", "one_zero_capability", "capability_ratio",
                                  "salience_ratio", "scale_ends"])
@pytest.mark.parametrize("draws", [1, 4])
def test_both_implementations_agree_on_degenerate_inputs(case, draws, monkeypatch):
    import detente.models.exchange as ex
    from test_degenerate import CASES, scenario

    sc = scenario(*CASES[case], issues=3, uncertain=draws > 1)
    got = {}
    for compiled in (False, True):
        monkeypatch.setattr(ex, "use_compiled", lambda work, rank_rtol=0.0, c=compiled: c)
        tr = run(sc, "exchange", draws=draws, seed=3, options={"rounds": 4, "randomize_p": 0.3}).trajectory
        got[compiled] = (tr.forecast, tr.positions)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(got[False], got[True]))


@pytest.mark.parametrize("p_rex", [0.0, 0.2])
def test_a_large_round_split_over_threads_gives_the_serial_numbers(monkeypatch, p_rex):
    """Above THREADS_FROM candidates the compiled round runs parts of the draws in threads (the
    kernel releases the GIL); every draw has its own random stream, so the numbers - positions,
    tie coins, REX draws - are those of the serial round, bit for bit."""
    import detente.models.exchange as ex
    import detente.models.exchange_kernels as kn

    monkeypatch.setattr(ex, "use_compiled", lambda *a, **k: True)
    s = load(EXAMPLES / "ukraine-settlement.yaml")
    arr = ScenarioArrays.from_scenario(s, draws=40, rng=np.random.default_rng(4))
    opts = ExchangeOptions(rounds=4, randomize_p=p_rex)
    monkeypatch.setattr(kn, "THREADS", 1)
    serial = simulate(arr, opts, np.random.default_rng(9))
    monkeypatch.setattr(kn, "THREADS", 3)
    monkeypatch.setattr(kn, "THREADS_FROM", 0)
    cuts = kn._thread_cuts(np.arange(0, 41) * 90)
    assert len(cuts) == 4 and cuts[0] == 0 and cuts[-1] == 40  # three parts
    threaded = simulate(arr, opts, np.random.default_rng(9))
    assert np.array_equal(threaded.positions, serial.positions)
    assert np.array_equal(threaded.series["voting"], serial.series["voting"], equal_nan=True)
    one = ScenarioArrays.from_scenario(s)  # one draw: never split, the exchanges are reported
    assert simulate(one, opts, np.random.default_rng(9)).extras["exchanges"]
