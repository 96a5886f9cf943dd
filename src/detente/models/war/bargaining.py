"""Closed forms of two-party bargaining over a unit pie (``neighbours.md`` §3.1-3.2).

x is A's share; all functions broadcast over NumPy arrays.

>>> round(float(rubinstein_share(0.9, 0.9)), 6)          # (1 - d_B) / (1 - d_A d_B)
0.526316
>>> fearon_range(0.6, 0.1, 0.05)
(0.5, 0.65)
>>> float(outside_option_share(0.7, 0.2, 0.5))            # B's option 0.5 > its share 0.3: B gets 0.5
0.5
>>> float(nash_split(0.5, 0.35, 1.0, 1.0))                 # midpoint of the range [0.5, 0.65]
0.575
"""

from __future__ import annotations

import numpy as np


def rubinstein_share(delta_proposer, delta_responder):
    """Proposer's share in Rubinstein's (1982) unique SPE of alternating offers with discount factors:
    ``(1 - d_R) / (1 - d_P d_R)``; the responder gets ``d_R (1 - d_P) / (1 - d_P d_R)``.

    >>> round(float(rubinstein_share(0.5, 0.8)), 6)
    0.333333
    """
    dp = np.asarray(delta_proposer, dtype=float)
    dr = np.asarray(delta_responder, dtype=float)
    return (1.0 - dr) / (1.0 - dp * dr)


def outside_option_share(share, own_option, other_option):
    """Outside option principle (Shaked & Sutton 1984; Binmore, Shaked & Sutton 1989): a party's
    outside option w changes its SPE share only if w exceeds that share, and then it gets exactly w.
    Applied to both parties: ``clip(share, own_option, 1 - other_option)``; requires
    ``own_option + other_option <= 1`` (otherwise there is no agreement).

    >>> float(outside_option_share(0.3, 0.1, 0.2))   # neither option binds
    0.3
    >>> float(outside_option_share(0.9, 0.1, 0.2))   # the other's option binds: it gets exactly 0.2
    0.8
    """
    s = np.asarray(share, dtype=float)
    return np.minimum(np.maximum(s, own_option), 1.0 - np.asarray(other_option, dtype=float))


def rubinstein_terms(delta_A, delta_B, w_A, w_B, proposer: str = "average"):
    """A's share under alternating offers with outside options w_A, w_B (war values, here).

    ``proposer`` A: A gets (1 - d_B) / (1 - d_A d_B); B: A gets 1 - (1 - d_A) / (1 - d_A d_B);
    ``average``: the mean of the two (each side proposes first with probability 1/2). The outside
    option principle then applies (:func:`outside_option_share`).

    >>> round(float(rubinstein_terms(0.9, 0.9, 0.0, 0.0, "A")), 6), round(float(rubinstein_terms(0.9, 0.9, 0.0, 0.0)), 6)
    (0.526316, 0.5)
    """
    sA = rubinstein_share(delta_A, delta_B)
    sB = rubinstein_share(delta_B, delta_A)
    if proposer == "A":
        x = sA
    elif proposer == "B":
        x = 1.0 - sB
    else:
        x = 0.5 * (sA + 1.0 - sB)
    return outside_option_share(x, w_A, w_B)


def fearon_range(p, c_A, c_B):
    """Fearon's (1995) bargaining range: A prefers any x >= p - c_A to war and B any x <= p + c_B.

    >>> fearon_range(0.5, 0.0, 0.0)
    (0.5, 0.5)
    """
    return p - c_A, p + c_B


def nash_split(d_A, d_B, w_A=1.0, w_B=1.0):
    """Asymmetric Nash bargaining solution on the unit pie with disagreement payoffs d_A, d_B:
    argmax_x (x - d_A)^w_A (1 - x - d_B)^w_B = d_A + w_A / (w_A + w_B) (1 - d_A - d_B)
    (Nash 1950; with d = the war payoffs the symmetric split is the midpoint of Fearon's range).

    >>> round(float(nash_split(0.2, 0.2, 3.0, 1.0)), 12)
    0.65
    """
    d_A = np.asarray(d_A, dtype=float)
    d_B = np.asarray(d_B, dtype=float)
    wa = np.asarray(w_A, dtype=float)
    wb = np.asarray(w_B, dtype=float)
    return d_A + wa / (wa + wb) * (1.0 - d_A - d_B)
