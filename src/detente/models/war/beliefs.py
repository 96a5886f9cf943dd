"""Beliefs about the battlefield: each side's Beta prior on p_battle (the probability that A wins a
battle), updated by observed battle outcomes (Smith & Stam 2004, beta-binomial learning; Filson &
Werner 2002 and Slantchev 2003 for learning from battles).

A side with prior mean m and confidence n holds Beta(n m, n (1 - m)). After a battle that A wins
(w = 1) or loses (w = 0), a <- lam a + w, b <- lam b + (1 - w) (lam = memory; lam = 1 is exact
Bayes, lam < 1 discounts old battles when the battlefield shifts). With a common true p both
posterior means converge to p, so an optimism gap closes over time (Smith & Stam's convergence).

>>> import numpy as np
>>> a, b = beta_prior(np.array([0.7]), np.array([10.0]))
>>> a, b = update(a, b, np.array([False]), np.array([True]), 1.0)
>>> round(float(belief_mean(a, b)[0]), 4)
0.6364
"""

from __future__ import annotations

import numpy as np


def beta_prior(mean: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) with mean ``mean`` and a + b = ``confidence`` pseudo-battles."""
    return confidence * mean, confidence * (1.0 - mean)


def update(a: np.ndarray, b: np.ndarray, a_won: np.ndarray, active: np.ndarray,
           memory: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Bayes update of Beta(a, b) by one Bernoulli observation where ``active``."""
    w = a_won.astype(float)
    na = memory * a + w
    nb = memory * b + (1.0 - w)
    return np.where(active, na, a), np.where(active, nb, b)


def belief_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Posterior mean a / (a + b)."""
    return a / (a + b)
