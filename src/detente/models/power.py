"""Procedure-aware capabilities: each actor's voting power in the game its decision procedure defines.

A DEU issue is decided under a procedure (``COD`` co-decision, ``CNS`` consultation) and a Council
voting rule (``QMV`` or ``Unan``). The winning coalitions, with ``T`` the Council's total weight
and ``q`` its qualified-majority quota (Treaty of Nice weights; Amsterdam weights for the EU-15):

* CNS, QMV:  (Commission and Council weight >= q) or Council unanimous            (P1)
* CNS, Unan: Council unanimous; the Commission and the Parliament have no say        (P2)
* COD, QMV:  Parliament and [(Commission and Council >= q) or Council unanimous]      (P3)
* COD, Unan: Parliament and Council unanimous                                        (P4)

(the Council amends a Commission proposal only by unanimity; under co-decision the Parliament must
agree). Each is a weighted voting game: the Commission gets weight ``T - q`` and the quota is
``T``, so with the Commission a qualified majority wins and without it only unanimity (P1); the
Parliament gets weight ``2T`` and the quota rises by ``2T``, which makes it a veto player (P3, P4).
The qualified majority's second and third clauses (a majority of member states, 62 % of the
population) are left out. An actor's capability is its Shapley-Shubik index (Banzhaf as an option)
in that game, computed exactly by the ``powerindex`` library (generating functions over integer
weights). The Council's membership (EU-15/25/27/28) is read off which member states hold
positions on the proposal.

>>> ss = power_index([4, 4, 4, 2, 2, 1], 12)  # the EEC-6 of 1958 (France, Germany, Italy, ..., Luxembourg)
>>> [round(x, 4) for x in ss]
[0.2333, 0.2333, 0.2333, 0.15, 0.15, 0.0]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Literal

Index = Literal["shapley_shubik", "banzhaf"]

# Council weights (member state -> votes) and the QMV quota by membership.
_AMSTERDAM = {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5,
              "at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2}
_NICE25 = {"de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "nl": 13, "be": 12, "cz": 12,
           "el": 12, "hu": 12, "pt": 12, "at": 10, "se": 10, "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7,
           "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3}
COUNCIL: dict[str, tuple[dict[str, int], int]] = {
    "EU-15": (_AMSTERDAM, 62),
    "EU-25": (_NICE25, 232),
    "EU-27": ({**_NICE25, "ro": 14, "bu": 10}, 255),
    "EU-28": ({**_NICE25, "ro": 14, "bu": 10, "cr": 7}, 260),
}
COMMISSION, PARLIAMENT = "com", "ep"


def council_period(actors: Iterable[str]) -> str:
    """The smallest membership that holds every member state among ``actors``."""
    a = set(actors) - {COMMISSION, PARLIAMENT}
    for period, (weights, _) in COUNCIL.items():
        if a <= set(weights):
            return period
    unknown = sorted(a - set(COUNCIL["EU-28"][0]))
    raise ValueError(f"not EU member states: {', '.join(unknown)}")


def procedure_game(procedure: str, rule: str, period: str) -> tuple[list[str], list[int], int]:
    """Players, integer weights and quota of the weighted game P1-P4 for a Council membership."""
    try:
        council, q = COUNCIL[period]
    except KeyError:
        raise ValueError(f"unknown Council membership {period!r}; known: {', '.join(COUNCIL)}") from None
    return weighted_representation(council, q, procedure, rule)


def weighted_representation(council: dict[str, int], q: int, procedure: str,
                            rule: str) -> tuple[list[str], list[int], int]:
    """P1-P4 as one weighted game over the Council members, the Commission and the Parliament."""
    proc, rl = procedure.strip().upper(), rule.strip().lower()
    if proc not in ("COD", "CNS"):
        raise ValueError(f"unknown procedure {procedure!r}; expected COD or CNS")
    rl = "qmv" if rl.startswith("qmv") else rl  # "QMV(10)" in two DEU rows
    if rl not in ("qmv", "unan", "unanimity"):
        raise ValueError(f"unknown voting rule {rule!r}; expected QMV or Unan")
    T = sum(council.values())
    players, weights = list(council), list(council.values())
    quota = T
    if rl == "qmv":  # P1: the Commission completes a qualified majority
        players.append(COMMISSION)
        weights.append(T - q)
    if proc == "COD":  # P3/P4: the Parliament is a veto player
        players.append(PARLIAMENT)
        weights.append(2 * T)
        quota += 2 * T
    return players, weights, quota


def power_index(weights: list[int], quota: int, index: Index = "shapley_shubik") -> list[float]:
    """Shapley-Shubik (or normalised Banzhaf) index of each player of the weighted game, exactly."""
    import powerindex as px

    w = [int(x) for x in weights]
    # zero-weight players are null players; powerindex 0.3.5 miscounts Banzhaf swings when they
    # are in the game (tests/test_power.py), so the game is solved without them
    live = [k for k, x in enumerate(w) if x > 0]
    out = [0.0] * len(w)
    if not live or sum(w) < quota:
        return out
    g = px.Game(int(quota), weights=[w[k] for k in live])
    if index == "banzhaf":
        g.calc_banzhaf()
        vals = g.banzhaf
    else:
        g.calc_shapley_shubik()
        vals = g.shapley_shubik
    for k, v in zip(live, vals):
        out[k] = float(v)
    return out


@lru_cache(maxsize=64)
def procedure_power(procedure: str, rule: str, period: str, index: Index = "shapley_shubik") -> dict[str, float]:
    """Voting power of the Commission, the Parliament and each member state (0 if no say)."""
    players, weights, quota = procedure_game(procedure, rule, period)
    p = dict(zip(players, power_index(weights, quota, index)))
    for a in (COMMISSION, PARLIAMENT):
        p.setdefault(a, 0.0)
    return p


def _integer_weights(weights: list[float]) -> tuple[list[int], int]:
    """Integer weights (x100 and rounded when any weight is fractional) and the scale factor."""
    if all(float(w).is_integer() for w in weights):
        return [int(w) for w in weights], 1
    return [int(round(100 * w)) for w in weights], 100


def rule_power(rule: dict, actor_ids: list[str], present: list[str], index: Index = "shapley_shubik") -> dict[str, float]:
    """Voting power of each actor under a scenario issue's ``voting`` rule (a :class:`VotingRule` dump).

    ``present``: actors with a stance (for reading the Council membership off them).
    """
    if rule.get("procedure") is not None:
        period = rule.get("council") or council_period(present)
        return procedure_power(rule["procedure"], rule["rule"], period, index)
    players = list(rule["weights"])
    w, k = _integer_weights([float(rule["weights"][a]) for a in players])
    q = int(round(float(rule["quota"]) * k))
    return dict(zip(players, power_index(w, q, index)))


def power_capability(arrays, index: Index = "shapley_shubik") -> "np.ndarray":
    """Capabilities (draws, issues, actors) with voting power on every issue that declares a voting rule.

    Issues without a rule keep the scenario's capabilities. Actors outside an issue's game get 0.
    """
    import numpy as np

    cap = np.array(arrays.capability, dtype=float, copy=True)
    rules = arrays.context.get("voting") or []
    ids = list(arrays.actor_ids)
    for i, rule in enumerate(rules):
        if rule is None:
            continue
        present = [a for j, a in enumerate(ids) if arrays.present[i, j]]
        p = rule_power(rule, ids, present, index)
        cap[:, i, :] = np.array([p.get(a, 0.0) for a in ids])[None, :] * arrays.present[i][None, :]
    return cap
