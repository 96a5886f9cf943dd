"""KTAB's SMP (``ktab.md`` §2): reference runs, hand-derived intermediates, options, reproducibility."""

from __future__ import annotations


import numpy as np
import pytest

import detente.models.smp as smp
from detente.errors import ModelError
from detente.models import smp_kernels as kn
from detente.runner import run
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.io import load
from detente.scenario.model import Scenario

from conftest import peer_file

DOC = "ktab-data/examples/smp/doc/"


def _final(r):
    t = r.trajectory
    return int(t.rounds[0]), int(t.extras["n_positions"][0]), t.extras["mode"][0], t.forecast[0]


# ---------------------------------------------------------------------------------------------
# KTAB's recorded reference runs (ktab.md §4), defaults, deterministic


def test_dummy_3dim_reference():
    rounds, npos, mode, mean = _final(run(load(peer_file(DOC + "dummyData_3Dim.csv")), "smp"))
    assert rounds == 10 and npos == 5
    np.testing.assert_allclose(mode, [79.88, 34.37, 75.16], atol=0.01)
    np.testing.assert_allclose(mean, [78.07, 35.63, 72.16], atol=0.01)


def test_soe_pol_comp_reference():
    r = run(load(peer_file(DOC + "SOE-Pol-Comp.csv")), "smp")
    rounds, npos, mode, mean = _final(r)
    assert rounds == 27 and npos == 6
    assert r.issue_ids == ["policy_position", "competitive_position"]
    np.testing.assert_allclose(mode, [38.82, 30.72], atol=0.01)
    np.testing.assert_allclose(mean, [39.73, 32.78], atol=0.01)
    t = r.trajectory
    assert t.positions.shape == (1, 28, 2, 13) and t.series["mean"].shape == (1, 28, 2)
    np.testing.assert_allclose(t.series["mean"][0, -1], t.forecast[0])
    dist = t.extras["distribution"]
    assert len(dist) == 6 and abs(sum(d["probability"] for d in dist) - 1) < 1e-12
    assert sorted(a for d in dist for a in d["actors"]) == sorted(r.actor_ids)


def test_xml_without_ideal_adjustment_equals_csv_run():
    a = run(load(peer_file(DOC + "dummyData_3Dim.csv")), "smp").trajectory
    b = run(load(peer_file(DOC + "dummyData_3Dim.xml")), "smp").trajectory
    np.testing.assert_array_equal(a.positions, b.positions)


# ---------------------------------------------------------------------------------------------
# a 3-actor case derived by hand from the spec: 1 dimension, positions 0, 0.5, 1 (0, 50, 100),
# saliences 1, capabilities 1, 1, 2.


def _three(cap=(1, 1, 2), pos=(0, 50, 100), sal=(1, 1, 1)) -> Scenario:
    return Scenario.model_validate({
        "name": "three", "actors": [{"id": a, "capability": c} for a, c in zip("ABC", cap)],
        "issues": [{"id": "x"}],
        "stances": [{"actor": a, "issue": "x", "position": p, "salience": s} for a, p, s in zip("ABC", pos, sal)]})


def _state(sc: Scenario):
    arr = ScenarioArrays.from_scenario(sc)
    x = np.moveaxis(arr.normalized_position(), 1, 2)
    s = np.moveaxis(arr.salience, 1, 2)
    c = arr.capability.max(axis=1)
    return x, s, c


def test_round1_pce_and_risk_attitudes_by_hand():
    x, s, c = _state(_three())
    d = kn.distances(x, x, s)
    np.testing.assert_allclose(d[0], [[0, .5, 1], [.5, 0, .5], [1, .5, 0]])
    # U0 = 1 - d; Prop votes weighted 1, 1, 2: C01 = .5, C10 = 1.5, C02 = 1, C20 = 2, C12 = C21 = 1
    C = kn.coalitions(c, 1 - d, "Proportional")[0]
    np.testing.assert_allclose(C, [[0, .5, 1], [1.5, 0, 1], [2, 1, 0]], atol=2e-8)
    # V01 = 1/4, V02 = 1/3, V12 = 1/2; Conditional: P ∝ (1/2·1/4·1/3, 3/4·1/2·1/2, 2/3·1/2·1/2) = (2, 9, 8)/48
    P = kn.state_pce(d, c, "Proportional", "Linear", "Conditional")[0]
    np.testing.assert_allclose(P, np.array([2, 9, 8]) / 19, atol=1e-7)
    # Mid: R_i = (3 p_i - p_max - 2 p_min) / (2 (p_max - p_min)) = (-7, 14, 11)/14
    R = kn.big_r(P[None], "Mid")[0]
    np.testing.assert_allclose(R, [-0.5, 1.0, 11 / 14], atol=1e-6)
    np.testing.assert_allclose(kn.big_r(P[None], "Min")[0], [0, 1, 6 / 7], atol=1e-6)
    np.testing.assert_allclose(kn.big_r(P[None], "Max")[0], [-1, 1, 5 / 7], atol=1e-6)
    r = kn.perceived_r(R[None], "OneThird")[0]
    assert r[0, 1] == pytest.approx((2 * -0.5 + 1) / 3) and r[1, 0] == pytest.approx((2 - 0.5) / 3)
    # Square: V01 = .25/(.25 + 2.25) = 1/10; Markov PCEs conserve probability
    assert kn.victory(C[None], "Square")[0, 0, 1] == pytest.approx(0.1, abs=1e-7)
    # MarkovUniform's fixed point solves (M - sum_b V_ab) p_a = sum_b V_ab p_b: p = (9, 23, 21)/53
    p = kn.state_pce(d, c, "Proportional", "Linear", "MarkovUniform")[0]
    np.testing.assert_allclose(p, np.array([9, 23, 21]) / 53, atol=1e-5)
    # MarkovIncentive, iterated literally as written in §2.2
    V = kn.victory(C[None], "Linear")[0]
    n = C * V + 1e-10 * np.eye(3)
    T = [[n[a, b] / sum(n[al, b] for al in range(3)) for b in range(3)] for a in range(3)]  # T(a|b)
    q = [1 / 3] * 3
    for _ in range(10000):
        Ct = [[q[a] * T[b][a] for b in range(3)] for a in range(3)]
        new = [sum(V[a, b] * (Ct[a][b] + Ct[b][a]) for b in range(3)) for a in range(3)]
        done = max(abs(u - v) for u, v in zip(new, q)) < 1e-8
        q = [(u + v) / 2 for u, v in zip(new, q)]
        if done:
            break
    p = kn.state_pce(d, c, "Proportional", "Linear", "MarkovIncentive")[0]
    np.testing.assert_allclose(p, q, atol=1e-7)
    assert p.sum() == pytest.approx(1)


def _ref_challenge(i, j, d, r, cs, S, tpc="SemiCommit"):
    """probEduChlg(i, i, i, j) of §2.5 written out with scalars (Prop votes)."""
    def U(a, b):  # aUtil[i](a, b)
        return (1 - d[a][b]) * (1 + d[a][b] * r[i][a])
    vote = lambda w, ua, ub: w * (ua - ub)  # noqa: E731
    e_i, e_j = vote(cs[i], U(i, i), U(i, j)), vote(cs[j], U(j, i), U(j, j))
    chi_ij = 1e-10 + max(e_i, 0) + max(e_j, 0)
    chi_ji = 1e-10 + max(-e_i, 0) + max(-e_j, 0)
    add_ij = add_ji = 0.0
    for n in range(len(cs)):
        if n in (i, j):
            continue
        e_n = vote(cs[n], U(n, i), U(n, j))
        pi = (chi_ij + max(e_n, 0)) / (chi_ij + max(e_n, 0) + chi_ji + max(-e_n, 0))
        if tpc == "SemiCommit":
            ei = pi * (2 * U(n, i) + U(n, n)) + (1 - pi) * 3 * U(n, j)
            ej = pi * 3 * U(n, i) + (1 - pi) * (2 * U(n, j) + U(n, n))
        elif tpc == "FullCommit":
            ei, ej = 3 * U(n, i), 3 * U(n, j)
        else:
            ei, ej = 2 * U(n, i) + U(n, n), 2 * U(n, j) + U(n, n)
        v = vote(cs[n], ei, ej)
        add_ij += max(v, 0)
        add_ji += max(-v, 0)
    P = (chi_ij + add_ij) / (chi_ij + add_ij + chi_ji + add_ji)
    chlg = (1 - S[j]) * 2 * U(i, i) + S[j] * (P * 2 * U(i, i) + (1 - P) * 2 * U(i, j))
    return P, chlg - (U(i, i) + U(i, j))


@pytest.mark.parametrize("tpc", kn.THIRD_PARTY_COMMIT)
def test_challenges_and_first_bargains_by_hand(tpc):
    sc = _three(sal=(0.9, 0.6, 0.8))
    x, s, c = _state(sc)
    d = kn.distances(x, x, s)
    R = kn.big_r(kn.state_pce(d, c, "Proportional", "Linear", "Conditional"), "Mid")
    r = kn.perceived_r(R, "OneThird")
    S = s.sum(-1)
    tgt, p, dEU = kn.best_targets(d, r, c * S, S, "Proportional", tpc)
    ref = {(i, j): _ref_challenge(i, j, d[0].tolist(), r[0].tolist(), (c * S)[0].tolist(), S[0].tolist(), tpc)
           for i in range(3) for j in range(3) if i != j}
    for (i, j), (P_ref, e_ref) in ref.items():
        assert dEU[0, i, j] == pytest.approx(e_ref, abs=1e-12)
    for i in range(3):
        best = max((j for j in range(3) if j != i), key=lambda j: (ref[i, j][1], -j))
        want = best if ref[i, best][1] > 1e-5 else -1
        assert tgt[0, i] == want
        if want < 0:
            continue
        assert p[0, i] == pytest.approx(ref[i, want][0], abs=1e-12)
        # S2P2 (§2.6 step 2) by hand, one dimension
        P, xi, xj, si, sj = ref[i, want][0], x[0, i, 0], x[0, want, 0], s[0, i, 0], s[0, want, 0]
        wi, wj = si**2 * P**2, sj**2 * (1 - P) ** 2
        bi = round(((wi + 1e-6) * xi + wj * xj) / (wi + 1e-6 + wj), 4)
        bj = round((wi * xi + (wj + 1e-6) * xj) / (wi + 1e-6 + wj), 4)
        got_i, got_j = kn.interpolate(x[:, i], x[:, want], s[:, i], s[:, want], p[:, i], "S2P2")
        assert got_i[0, 0] == pytest.approx(bi, abs=1e-12) and got_j[0, 0] == pytest.approx(bj, abs=1e-12)


def test_first_round_moves_are_queued_options():
    sc = _three(sal=(0.9, 0.6, 0.8))
    t = run(sc, "smp", options={"max_rounds": 1}).trajectory
    x, s, c = _state(sc)
    d = kn.distances(x, x, s)
    R = kn.big_r(kn.state_pce(d, c, "Proportional", "Linear", "Conditional"), "Mid")
    S = s.sum(-1)
    tgt, p, _ = kn.best_targets(d, kn.perceived_r(R, "OneThird"), c * S, S, "Proportional", "SemiCommit")
    options = {k: {x[0, k, 0]} for k in range(3)}
    for i in range(3):
        if tgt[0, i] >= 0:
            bi, bj = kn.interpolate(x[:, i], x[:, tgt[0, i]], s[:, i], s[:, tgt[0, i]], p[:, i], "S2P2")
            options[i].add(bi[0, 0])
            options[int(tgt[0, i])].add(bj[0, 0])
    new = t.positions[0, 1, 0] / 100
    assert all(min(abs(new[k] - o) for o in options[k]) < 1e-12 for k in range(3))
    assert t.rounds[0] == 1 and t.stopped_by[0] == "max_rounds"


def _unblocked_best_targets(d, r, wS, S, vr, tpc):
    """§2.6 step 1 for all (i, j, n) at once, in the kernel's order of operations, with the sums over
    third parties n written out: term by term n = 0, 1, ... (pairwise for FullCommit)."""
    from functools import reduce

    B, N = S.shape
    dT = np.swapaxes(d, 1, 2)
    U_nj = (1.0 - dT)[:, None] * (1.0 + dT[:, None] * r[:, :, None, :])  # [b, i, j, n]
    U_ni = kn.utility(dT, r)  # [b, i, n]
    U_nn = kn.utility(np.diagonal(d, axis1=1, axis2=2)[:, None, :], r)
    U_ii = np.diagonal(U_ni, axis1=1, axis2=2)
    U_ij = kn.utility(d, np.diagonal(r, axis1=1, axis2=2)[..., None])
    e_i = kn.vote(vr, wS[:, :, None], U_ii[..., None], U_ij)
    e_j = kn.vote(vr, wS[:, None, :], U_ni, U_nn)
    chi_ij = kn.MIN_CHALLENGE + np.maximum(e_i, 0) + np.maximum(e_j, 0)
    chi_ji = kn.MIN_CHALLENGE + np.maximum(-e_i, 0) + np.maximum(-e_j, 0)
    Ui, Un, wn = U_ni[:, :, None, :], U_nn[:, :, None, :], wS[:, None, None, :]
    if tpc == "SemiCommit":
        e_n = kn.vote(vr, wn, Ui, U_nj)
        pos = np.maximum(e_n, 0.0)
        a = pos + chi_ij[..., None]
        pi = a / (((pos - e_n) + a) + chi_ji[..., None])
        E_i = ((2.0 * Ui + Un) - 3.0 * U_nj) * pi + 3.0 * U_nj
        E_j = (3.0 * Ui - (2.0 * U_nj + Un)) * pi + (2.0 * U_nj + Un)
    elif tpc == "NoCommit":
        E_i, E_j = np.broadcast_to(2.0 * Ui + Un, U_nj.shape), 2.0 * U_nj + Un
    else:
        E_i, E_j = np.broadcast_to(3.0 * Ui, U_nj.shape), 3.0 * U_nj
    n = np.arange(N)
    third = (n != n[:, None, None]) & (n != n[None, :, None])  # [i, j, n]: n is neither i nor j
    v_n = np.where(third, kn.vote(vr, wn, E_i, E_j), 0.0)
    if tpc == "FullCommit":
        total = lambda a: np.ascontiguousarray(a).sum(axis=-1)  # noqa: E731
    else:
        total = lambda a: reduce(np.add, (a[..., k] for k in range(N)))  # noqa: E731
    sum_v, sum_pos = total(v_n), total(np.maximum(v_n, 0.0))
    chi_ij, chi_ji = chi_ij + sum_pos, chi_ji + (sum_pos - sum_v)
    p = chi_ij / (chi_ij + chi_ji)
    S_j = S[:, None, :]
    e = (1 - S_j) * (2 * U_ii[..., None]) + S_j * (p * 2 * U_ii[..., None] + (1 - p) * 2 * U_ij) \
        - (U_ii[..., None] + U_ij)
    return p, e


@pytest.mark.parametrize("block", [1 << 17, 3 * 23 * 23])
@pytest.mark.parametrize("vr", ["Proportional", "PropBin"])
@pytest.mark.parametrize("tpc", kn.THIRD_PARTY_COMMIT)
def test_blocked_challenges_are_the_unblocked_ones_bit_for_bit(monkeypatch, tpc, vr, block):
    """The blocked kernel (buffers reused in place) keeps the order of every operation, including
    the sums over third parties: results of S2PMax bargains (not rounded) depend on the last bit."""
    monkeypatch.setattr(kn, "_BLOCK", block)  # 3 x 23 x 23: blocks of one challenger and a last, short one
    rng = np.random.default_rng(11)
    B, N = 2, 23
    x = rng.random((B, N, 2))
    s = rng.uniform(0.1, 0.5, (B, N, 2))
    d = kn.distances(x, x, s)
    r = kn.perceived_r(rng.uniform(-1, 1, (B, N)), "OneThird")
    S = s.sum(-1)
    wS = rng.uniform(0.5, 2, (B, N)) * S
    tgt, p, dEU = kn.best_targets(d, r, wS, S, vr, tpc)
    p_ref, e_ref = _unblocked_best_targets(d, r, wS, S, vr, tpc)
    off = ~np.eye(N, dtype=bool)
    assert np.array_equal(dEU[:, off], e_ref[:, off])
    assert (tgt >= 0).sum() > N // 2
    assert np.array_equal(p, np.take_along_axis(p_ref, np.maximum(tgt, 0)[..., None], axis=-1)[..., 0])


# ---------------------------------------------------------------------------------------------
# options, draws, reproducibility


def test_kernel_primitives():
    assert kn.round4(np.array([0.12345, 0.00005])).tolist() == [0.1235, 0.0001]
    w, a, b = np.array(2.0), np.array(0.7), np.array(0.2)
    assert kn.vote("Proportional", w, a, b) == pytest.approx(1.0)
    assert kn.vote("Binary", w, a, b) == 2.0
    assert kn.vote("ASymProsp", w, a, b) == pytest.approx(2 / 3)
    assert kn.vote("ASymProsp", w, b, a) == pytest.approx(-1.0)
    assert kn.vote("PropCbc", w, a, b) == pytest.approx(0.5 + 0.125)
    C = np.array([[[1e-8, 1.2], [1.0, 1e-8]]])
    assert kn.victory(C, "Binary")[0, 0, 1] == 1.0
    assert kn.victory(np.array([[[1e-8, 1.05], [1.0, 1e-8]]]), "Binary")[0, 0, 1] == pytest.approx(
        (2.1 * 1.05 / 2.05 - 1) / 0.1)
    g = kn.equivalence_groups(np.array([[[0.0], [0.0005], [0.5], [0.0009]]]), 1e-3)
    assert g.tolist() == [[0, 0, 2, 0]]


def _greedy_groups(x: np.ndarray, tol: float) -> np.ndarray:
    """KTAB's ueIndices written out: per draw, each actor joins the first earlier representative within tol."""
    B, N, _ = x.shape
    out = np.zeros((B, N), dtype=np.int64)
    for b in range(B):
        reps: list[int] = []
        for i in range(N):
            near = [r for r in reps if np.sqrt(((x[b, i] - x[b, r]) ** 2).sum()) < tol]
            out[b, i] = near[0] if near else i
            if not near:
                reps.append(i)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_equivalence_groups_are_the_greedy_representatives(seed):
    """Chains and clusters (a within tol of b, b of c, a not of c) in some draws, none in others."""
    rng = np.random.default_rng(seed)
    B, N, K = 7, 12, 2
    x = rng.uniform(0, 1, (B, N, K))
    for b in range(0, B, 2):  # clusters and chains in every other draw
        x[b, 3] = x[b, 1] + 0.0006
        x[b, 5] = x[b, 3] + 0.0006  # within tol of 3, not of 1
        x[b, 9] = x[b, 1]
        x[b, 11] = x[b, 10] + rng.uniform(-4e-4, 4e-4, K)
    g = kn.equivalence_groups(x, kn.POS_TOL)
    assert g.tolist() == _greedy_groups(x, kn.POS_TOL).tolist()
    assert g[0, 3] == 1 and g[0, 5] == 5 and g[0, 9] == 1  # 5 is near 3, which is not a representative
    assert g[1].tolist() == list(range(N))


def test_all_option_values_run():
    sc = load(peer_file(DOC + "dummyData_3Dim.csv"))
    choices = dict(victory_prob_model=kn.VICTORY_MODELS, pce_model=kn.PCE_MODELS, voting_rule=kn.VOTING_RULES,
                   big_r_adjust=kn.BIG_R_ADJUST, big_r_range=kn.BIG_R_RANGE,
                   third_party_commit=kn.THIRD_PARTY_COMMIT, inter_vec_brgn=kn.INTER_VEC_BRGN,
                   bargn_model=kn.BARGN_MODELS, state_transitions=("Deterministic", "Stochastic"))
    for key, values in choices.items():
        for v in values:
            t = run(sc, "smp", options={key: v, "max_rounds": 12}).trajectory
            assert np.all(np.isfinite(t.positions)) and np.all((t.positions >= 0) & (t.positions <= 100)), (key, v)
            assert abs(t.extras["final_probability"].sum() - 1) < 1e-9


def test_option_aliases_and_errors():
    o = smp.SMPOptions(voting_rule="Prop", big_r_adjust="None")
    assert o.voting_rule == "Proportional" and o.big_r_adjust == "No"
    with pytest.raises(Exception):
        smp.SMPOptions(pce_model="Nope")
    sc = _three()
    with pytest.raises(ModelError, match="sums to"):
        run(sc, "smp", options={"accommodation": [["A", "B", 0.5]]})


def test_accommodation_moves_ideals():
    sc = _three(sal=(0.9, 0.6, 0.8))
    a = run(sc, "smp").trajectory
    b = run(sc, "smp", options={"accommodation": [["A", "A", 0.5], ["A", "C", 0.5]]}).trajectory
    ident = run(sc, "smp", options={"accommodation": [["A", "A", 1.0]]}).trajectory
    np.testing.assert_array_equal(a.positions, ident.positions)
    assert a.forecast[0, 0] != pytest.approx(b.forecast[0, 0], abs=1e-3)  # ideals drift: other utilities


def test_stochastic_reproducible_and_batch_independent():
    sc = load(peer_file(DOC + "SOE-Pol-Comp.csv"))
    opts = {"state_transitions": "Stochastic"}
    a = run(sc, "smp", draws=4, seed=7, options=opts).trajectory
    b = run(sc, "smp", draws=4, seed=7, options=opts).trajectory
    np.testing.assert_array_equal(a.positions, b.positions)
    c = run(sc, "smp", draws=4, seed=8, options=opts).trajectory
    assert not np.array_equal(a.forecast, c.forecast)
    # each draw depends only on its own key: running draws one at a time gives the same results
    arr = ScenarioArrays.from_scenario(sc, draws=4, rng=np.random.default_rng(0))
    o = smp.SMPOptions(**opts)
    whole = smp.smp_model(arr, o, np.random.default_rng(3))
    keys = np.random.default_rng(3).integers(np.iinfo(np.uint64).max, size=4, dtype=np.uint64, endpoint=True)
    x0 = np.moveaxis(arr.normalized_position(), 1, 2)
    s = np.moveaxis(arr.salience, 1, 2)
    cap = arr.capability.max(axis=1)
    for k in (3, 1):
        one = smp._run_batch(x0[k:k + 1], s[k:k + 1], cap[k:k + 1], None, keys[k:k + 1], o)
        hist = one["hist"].array()
        T = hist.shape[1]
        np.testing.assert_array_equal(hist[0] * 100, np.moveaxis(whole.positions[k, :T], 1, 2))


def test_draws_with_uncertain_inputs():
    sc = _three(sal=(0.9, 0.6, 0.8)).model_copy(deep=True)
    sc = Scenario.model_validate({**sc.model_dump(), "stances": [
        {**st.model_dump(), "position": {"low": 0, "high": 20}} if st.actor == "A" else st.model_dump()
        for st in sc.stances]})
    r = run(sc, "smp", draws=20, seed=1)
    t = r.trajectory
    assert t.forecast.shape == (20, 1) and t.positions.shape[0] == 20 and t.rounds.shape == (20,)
    assert len(np.unique(t.forecast)) > 1 and np.all((t.forecast >= 0) & (t.forecast <= 100))
    for d in range(20):  # padding repeats each draw's final state
        np.testing.assert_array_equal(t.positions[d, t.rounds[d]], t.positions[d, -1])


def test_issue_scale_round_trip():
    sc = _three(sal=(0.9, 0.6, 0.8))
    data = sc.model_dump()
    data["issues"][0]["scale"] = {"min": -1, "max": 1}
    for st in data["stances"]:
        st["position"] = st["position"] / 50 - 1
    a = run(sc, "smp").trajectory
    b = run(Scenario.model_validate(data), "smp").trajectory
    np.testing.assert_allclose(b.positions, a.positions / 50 - 1, atol=1e-12)


@pytest.mark.parametrize("batch", [None, 40 * 8 * 8 * 4])
def test_round_history_in_blocks_is_the_same(monkeypatch, batch) -> None:
    """A batch's history lives in blocks of rounds (memory for the rounds run, never two copies:
    20,000 draws of the flagship peaked at 2.2 GB, 1.3 GB now). In blocks of 2 rounds every
    position by round is the same; in batches of 40 draws, those stopping early are padded with
    their final state."""
    from conftest import EXAMPLES

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    whole = run(s, "smp", draws=100, seed=3)
    assert whole.trajectory.positions.shape[1] % 2 == 1  # the last block is not full
    monkeypatch.setattr(smp, "HISTORY_ROUNDS", 2)
    if batch:
        monkeypatch.setattr(smp, "BATCH_ELEMENTS", batch)
    grown = run(s, "smp", draws=100, seed=3)
    assert np.array_equal(grown.trajectory.positions, whole.trajectory.positions)
    assert np.array_equal(grown.trajectory.series["mean"], whole.trajectory.series["mean"])
    assert np.array_equal(grown.trajectory.rounds, whole.trajectory.rounds)
