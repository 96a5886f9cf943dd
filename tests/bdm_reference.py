"""Plain reference implementation of the BDM expected-utility model (test oracle only).

Per-pair Python loops written straight from ``bdm.md`` §1.3 (Scholz 2011 equation numbers), one
issue at a time, with the same options as :class:`detente.models.bdm.EUOptions`. Slow on purpose:
it exists to be obviously right, and the vectorised model is checked against it.
"""

from __future__ import annotations

from typing import Any


def _weighted_median(x, w, present):
    items = sorted((x[k], w[k]) for k in range(len(x)) if present[k])
    total = sum(wk for _, wk in items)
    if total <= 0:
        items = [(xk, 1.0) for xk, _ in items]
        total = float(len(items))
    cum = 0.0
    for xk, wk in items:
        cum += wk
        if cum >= total / 2 * (1 - 1e-12):
            return xk
    return items[-1][0]


def _king_of_the_hill(x, w, present, R):
    idx = [k for k in range(len(x)) if present[k]]
    m = x[idx[0]]
    for p in idx[1:]:
        votes = 0.0
        for k in idx:
            votes += w[k] * (abs(x[k] - m) / R - abs(x[k] - x[p]) / R)
        if votes > 0:
            m = x[p]
    return m


def median(x, w, present, R, how):
    if how == "king_of_the_hill":
        return _king_of_the_hill(x, w, present, R)
    return _weighted_median(x, w, present)


def weighted_mean(x, w, present):
    tot = sum(w[k] for k in range(len(x)) if present[k])
    if tot <= 0:
        idx = [k for k in range(len(x)) if present[k]]
        return sum(x[k] for k in idx) / len(idx)
    return sum(w[k] * x[k] for k in range(len(x)) if present[k]) / tot


def vote(k, a, b, x, w, R, r, vote_utility):
    """vote_k(a over b) = w_k (u_k(x_a) - u_k(x_b)) with u_k = -(|x_k - x|/R)^rho (eq. 28)."""
    rho = r[k] if vote_utility == "risk" else 1.0
    return w[k] * ((abs(x[k] - x[b]) / R) ** rho - (abs(x[k] - x[a]) / R) ** rho)


def probabilities(x, w, present, R, r, o):
    n = len(x)
    idx = [k for k in range(n) if present[k]]
    P = [[0.0] * n for _ in range(n)]
    if o["p_normalisation"] == "global":
        D = 0.0
        for k in idx:
            for a in idx:
                for b in idx:
                    D += abs(vote(k, a, b, x, w, R, r, o["vote_utility"]))
    for i in idx:
        for j in idx:
            pos = sum(max(0.0, vote(k, i, j, x, w, R, r, o["vote_utility"])) for k in idx)
            neg = sum(max(0.0, vote(k, j, i, x, w, R, r, o["vote_utility"])) for k in idx)
            if o["p_normalisation"] == "global":
                P[i][j] = pos / D if D > 0 else 0.0
            elif o["p_normalisation"] == "net_floored":
                P[i][j] = max(0.0, pos - neg) / (pos + neg) if pos + neg > 0 else 0.0
            else:  # eq. 31
                P[i][j] = pos / (pos + neg) if pos + neg > 0 else 0.5
    return P


def eu(a, b, rho, x, s, P, R, mu, o):
    """E(a challenges b), utilities with exponent rho (eq. 5-7, 15-16, 22-25)."""
    d = abs(x[a] - x[b]) / R
    Us = 2 - 4 * max(0.0, 0.5 - 0.5 * d) ** rho
    Uf = 2 - 4 * (0.5 + 0.5 * d) ** rho
    Usq = 2 - 4 * 0.5 ** rho
    e = s[b] * (P[a][b] * Us + (1 - P[a][b]) * Uf) + (1 - s[b]) * Us
    Q = o["Q"]
    if o["t_rule"] == "ignore" or Q == 1.0:
        return e - Q * Usq
    dm = abs(x[a] - mu) / R
    Ub = 2 - 4 * max(0.0, 0.5 - 0.25 * (dm + d)) ** rho
    Uw = 2 - 4 * (0.5 + 0.25 * (dm + d)) ** rho
    T = {"closer": 1.0 if dm < d else 0.0, "one": 1.0, "zero": 0.0}[o["t_rule"]]
    return e - (Q * Usq + (1 - Q) * (T * Ub + (1 - T) * Uw))


def initial_range(x, present):
    xs = [x[k] for k in range(len(x)) if present[k]]
    R = max(xs) - min(xs)
    return R if R > 0 else 1.0


def one_round(x, c, s, present, R, o):
    n = len(x)
    w = [c[k] * s[k] if present[k] else 0.0 for k in range(n)]
    idx = [k for k in range(n) if present[k]]
    mu = median(x, w, present, R, o["median"]) if (o["Q"] < 1 and o["t_rule"] != "ignore") else float("nan")
    out: dict[str, Any] = {"mu": mu}
    if o["risk"] == "two_pass":
        ones = [1.0] * n
        P1 = probabilities(x, w, present, R, ones, o)
        E1 = [[eu(i, j, 1.0, x, s, P1, R, mu, o) if present[i] and present[j] else 0.0 for j in range(n)]
              for i in range(n)]
        S = [sum(E1[j][i] for j in idx if j != i) if present[i] else 0.0 for i in range(n)]
        hi, lo = max(S[k] for k in idx), min(S[k] for k in idx)
        Rr = [((2 * S[i] - hi - lo) / (hi - lo) if hi > lo else 0.0) if present[i] else 0.0 for i in range(n)]
        r = [(1 - Ri / 3) / (1 + Ri / 3) for Ri in Rr]  # eq. 33
        out.update(P1=P1, E1=E1, danger=S, R=Rr, r=r)
    else:
        r = [1.0] * n
        out["r"] = r
    P = probabilities(x, w, present, R, r, o)
    out["P"] = P
    new = list(x)
    for i in idx:
        offers = []  # (category, key, position)
        for j in idx:
            if x[j] == x[i]:
                continue
            e_ij = eu(i, j, r[i], x, s, P, R, mu, o)
            e_ji = eu(j, i, r[i] if o["perspective"] == "mover" else r[j], x, s, P, R, mu, o)
            if e_ji > e_ij > 0:
                if o["conflict"] == "full_move":
                    offers.append((0, abs(x[j] - x[i]), x[j], e_ji, j))
            elif e_ji > 0 > e_ij:
                if e_ji > abs(e_ij):
                    if o["compromise"] == "fraction":
                        p = x[i] + (x[j] - x[i]) * abs(e_ij / e_ji)
                    else:
                        p = (abs(e_ij) * x[i] + abs(e_ji) * x[j]) / (abs(e_ij) + abs(e_ji))
                    wpos = (abs(e_ij) * x[i] + abs(e_ji) * x[j]) / (abs(e_ij) + abs(e_ji))
                    key = wpos if o["offer_choice"] == "weighted_position" else abs(p - x[i])
                    offers.append((1, key, p, e_ji, j))
                elif o["capitulate"]:
                    offers.append((2, abs(x[j] - x[i]), x[j], e_ji, j))
        if offers:
            best = min(of[0] for of in offers)
            cands = [of for of in offers if of[0] == best]
            if o["offer_choice"] == "highest_eu":
                chosen = min(cands, key=lambda of: (-of[3], of[4]))
            else:
                chosen = min(cands, key=lambda of: (of[1], of[4]))
            new[i] = chosen[2]
    return new, out


def run(x, c, s, present, scale_range, o):
    """Trajectory of one issue: positions per round, median and mean per round, stop round."""
    n = len(x)
    x = [float(v) for v in x]
    w = [c[k] * s[k] if present[k] else 0.0 for k in range(n)]
    wm = w if sum(w) > 0 else [1.0 if present[k] else 0.0 for k in range(n)]
    R0 = (scale_range if scale_range > 0 else 1.0) if o["position_range"] == "scale" else initial_range(x, present)
    positions, med, mean = [list(x)], [median(x, wm, present, R0, o["median"])], [weighted_mean(x, wm, present)]
    tol = o["tolerance"] * (scale_range if scale_range > 0 else 1.0)
    quiet, stop_round, converged = 0, o["rounds"], False
    for t in range(1, o["rounds"] + 1):
        if converged:
            positions.append(list(x))
            med.append(med[-1])
            mean.append(mean[-1])
            continue
        R = initial_range(x, present) if o["position_range"] == "current" else R0
        x, _ = one_round(x, c, s, present, R, o)
        positions.append(list(x))
        med.append(median(x, wm, present, R0, o["median"]))
        mean.append(weighted_mean(x, wm, present))
        if o["stopping"] == "converged":
            quiet = quiet + 1 if abs(med[-1] - med[-2]) < tol else 0
            if quiet >= o["patience"]:
                converged, stop_round = True, t
    return {"positions": positions, "median": med, "mean": mean, "rounds": stop_round, "converged": converged}
