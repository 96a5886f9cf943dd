"""From A's share x of the stakes to a point on each scenario issue, and back.

Each side's position on issue i is the capability x salience weighted mean of its members'
positions (a_i for A, b_i for B); its salience is the capability-weighted mean of its members'
saliences. A settlement x gives each issue the point

    y_i = b_i + t_i(x) (a_i - b_i)                                                          (T1)

* ``linear``: t_i(x) = x on every issue (the settlement lies on the segment between the sides);
* ``salience``: efficient issue linkage (logrolling). With linear utilities U_A = sum alpha_i t_i,
  U_B = sum beta_i (1 - t_i) (alpha, beta = the sides' relative saliences, each summing to 1), the
  Pareto frontier gives A the issues with the highest alpha_i / beta_i first; x is A's utility:
  t_i(x) = clip((x - S_i) / alpha_i, 0, 1), S_i = sum of alpha_j over issues ranked before i. (T2)

Issues where a side has no member with a stance take that side's position from the issue's status
quo (or the scale's midpoint).

>>> import numpy as np
>>> m = IssueMap(a=np.array([[100.0, 0.0]]), b=np.array([[0.0, 100.0]]),
...              alpha=np.array([[0.75, 0.25]]), beta=np.array([[0.25, 0.75]]), mapping="salience")
>>> m.points(np.array([0.5])).round(2).tolist()     # A takes 2/3 of issue 0, B all of issue 1
[[66.67, 100.0]]
>>> float(m.x_at(np.array([0.5]), 1)[0])           # least x giving A half of issue 1
0.875
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def side_profile(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, present: np.ndarray,
                 members: np.ndarray, fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A side's position and salience per draw and issue, each (D, I).

    position/salience/capability (D, I, N); present (I, N); members (N,) bool; fallback (I,).
    """
    m = (present & members[None, :])[None]  # (1, I, N)
    w = capability * salience * m
    tot = w.sum(-1)
    cnt = m.sum(-1)
    mean_any = np.where(cnt > 0, (position * m).sum(-1) / np.maximum(cnt, 1), fallback[None])
    pos = np.where(tot > 0, (w * position).sum(-1) / np.where(tot > 0, tot, 1.0), mean_any)
    wc = capability * m
    totc = wc.sum(-1)
    sal = np.where(totc > 0, (wc * salience).sum(-1) / np.where(totc > 0, totc, 1.0), 0.0)
    return pos, sal


@dataclass
class IssueMap:
    """The map (T1)-(T2) for D draws and I issues; arrays a, b, alpha, beta are (D, I)."""

    a: np.ndarray
    b: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    mapping: str = "linear"

    def __post_init__(self) -> None:
        al = np.maximum(self.alpha, 0.0)
        be = np.maximum(self.beta, 0.0)
        sa = al.sum(-1, keepdims=True)
        sb = be.sum(-1, keepdims=True)
        I = al.shape[-1]
        self._al = np.where(sa > 0, al / np.where(sa > 0, sa, 1.0), 1.0 / I)
        self._be = np.where(sb > 0, be / np.where(sb > 0, sb, 1.0), 1.0 / I)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self._be > 0, self._al / self._be, np.inf)
        order = np.argsort(-ratio, axis=-1, kind="stable")
        sorted_al = np.take_along_axis(self._al, order, -1)
        before_sorted = np.cumsum(sorted_al, -1) - sorted_al
        self._before = np.empty_like(before_sorted)
        np.put_along_axis(self._before, order, before_sorted, -1)
        self._gives = self._al > 0  # issues whose share moves with x (T2)
        self._den = np.where(self._gives, self._al, 1.0)

    def shares(self, x: np.ndarray, issues: list[int] | None = None) -> np.ndarray:
        """t_i(x), (D, I), for A's share x (D,); with ``issues`` only those columns, (D, len(issues)),
        the same numbers for less work."""
        return self.shares_of(issues)(x)

    def shares_of(self, issues: list[int] | None = None) -> Callable[[np.ndarray], np.ndarray]:
        """:meth:`shares` of ``issues`` as a function of x, the columns picked once: the audience
        costs' bisection asks 42 times a month (a third of each evaluation was picking them)."""
        shape = self.a.shape if issues is None else (self.a.shape[0], len(issues))
        if self.mapping == "linear":
            return lambda x: np.broadcast_to(np.clip(np.asarray(x, dtype=float)[:, None], 0.0, 1.0), shape)
        before, den, gives = (self._before, self._den, self._gives) if issues is None else (
            self._before[:, issues], self._den[:, issues], self._gives[:, issues])

        every = bool(gives.all())  # every issue moves with x: no step to pick

        def t_of(x: np.ndarray) -> np.ndarray:  # (T2)
            x = np.asarray(x, dtype=float)[:, None]
            t = np.clip((x - before) / den, 0.0, 1.0)  # den > 0 (1 where an issue does not give)
            return t if every else np.where(gives, t, (x >= 1.0 - 1e-12).astype(float))

        return t_of

    def points(self, x: np.ndarray) -> np.ndarray:
        """(T1): the settlement's point on each issue, (D, I)."""
        return self.b + self.shares(x) * (self.a - self.b)

    def tau(self, v: np.ndarray, issue: int) -> np.ndarray:
        """Where a point v (D,) on ``issue`` lies between B (0) and A (1), clipped to [0, 1];
        NaN where the sides hold the same position (no constraint)."""
        a, b = self.a[:, issue], self.b[:, issue]
        gap = a - b
        ok = np.abs(gap) > 1e-12
        return np.where(ok, np.clip((v - b) / np.where(ok, gap, 1.0), 0.0, 1.0), np.nan)

    def x_at(self, tau: np.ndarray, issue: int) -> np.ndarray:
        """The x at which t_issue(x) reaches tau (the least such x; monotone inverse of (T2))."""
        tau = np.asarray(tau, dtype=float)
        if self.mapping == "linear":
            return tau
        al = self._al[:, issue]
        return np.where(al > 0, self._before[:, issue] + tau * al, np.where(tau > 0, 1.0, 0.0))
