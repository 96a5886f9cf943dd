"""Sampling the uncertain inputs of a scenario.

:class:`InputSpace` lists every uncertain number of a scenario (a capability, a position, a
salience...) with its distribution and legal range. It maps a matrix of unit-interval numbers
``u`` of shape (draws, k) to values through the inverse CDFs, all at once. Monte Carlo feeds it
``rng.random((draws, k))``; a Sobol or Morris design (SALib) feeds it its own points, so the same
code serves both.

>>> import numpy as np
>>> from detente.scenario.uncertain import Uniform, Normal
>>> space = InputSpace.from_items([("a", Uniform(low=0, high=10), (0, 10)),
...                                ("b", Normal(mean=0.5, sd=0.2), (0, 1))])
>>> v = space.transform(np.array([[0.5, 0.5], [0.0, 1.0]]))
>>> v.round(6).tolist()
[[5.0, 0.5], [0.0, 1.0]]

A mixture spends its one uniform twice: ``u`` picks the component by the cumulative weights and,
rescaled into that component's share, goes through the component's inverse CDF (exact sampling).

>>> from detente.scenario.uncertain import _coerce
>>> m = _coerce({"mixture": [{"weight": 1, "value": 10}, {"weight": 3, "value": {"low": 20, "high": 40}}]})
>>> InputSpace.from_items([("m", m, (0, 100))]).transform(np.array([[0.1], [0.25], [0.625], [1.0]])).ravel().tolist()
[10.0, 20.0, 30.0, 40.0]

In a pooled scenario (``analysts`` given) one more column, ``analyst``, picks one analyst per draw
by their weights; every input labelled with that analyst then takes that analyst's component,
through its own uniform, so each draw is one analyst's coherent view. (A mixture that also holds
unlabelled components takes the analyst's with the labelled components' share of its weights, so
that every component keeps its declared weight: see :meth:`InputSpace._mixture_column`.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from detente.scenario.uncertain import Mixture, Normal, Triangular, Uniform, is_uncertain, point

_KINDS = {Uniform: 0, Triangular: 1, Normal: 2, Mixture: 3}
SELECTOR = "analyst"  # the name of the analyst selector column of a pooled scenario


@dataclass(frozen=True)
class InputSpace:
    """The uncertain inputs: names (field paths), distribution kind and parameters, legal bounds."""

    names: tuple[str, ...]
    kind: np.ndarray  # (k,) 0 uniform, 1 triangular, 2 truncated normal, 3 mixture, 4 analyst selector
    a: np.ndarray  # low | low | mean | hull low | 0
    b: np.ndarray  # high | high | sd | hull high | analysts - 1
    c: np.ndarray  # - | mode | - | - | -
    lower: np.ndarray  # legal range, used to truncate normals
    upper: np.ndarray
    # column -> (cumulative weights (K,), component analyst index (K,), -1 unlabelled; components)
    mixtures: dict = field(default_factory=dict)
    selector: tuple | None = None  # (column, cumulative weights of the analysts)
    points: np.ndarray | None = None  # (k,) the point value of each column
    keys: tuple[str, ...] | None = None  # (k,) each input's identity, naming its random stream; default: names

    @classmethod
    def from_items(cls, items: list[tuple[str, object, tuple[float, float]]],
                   analysts: list[tuple[str, float]] | None = None,
                   keys: list[str] | None = None) -> "InputSpace":
        """The uncertain ones of ``items`` (name, value, legal bounds); with two or more
        ``analysts`` (id, weight) one more column, :data:`SELECTOR`, picks an analyst per draw.
        ``keys`` (one per item; default: the names) name each input's random stream (:meth:`sample`)."""
        names, stream, kind, a, b, c, lo, hi, pts = [], [], [], [], [], [], [], [], []
        mixtures: dict[int, tuple] = {}
        index = {aid: j for j, (aid, _) in enumerate(analysts or [])}
        for (name, dist, (lower, upper)), key in zip(items, keys or [name for name, _, _ in items], strict=True):
            if not is_uncertain(dist):
                continue
            names.append(name)
            stream.append(key)
            kind.append(_KINDS[type(dist)])
            pts.append(point(dist))
            if isinstance(dist, Uniform):
                a.append(dist.low), b.append(dist.high), c.append(np.nan)
            elif isinstance(dist, Triangular):
                a.append(dist.low), b.append(dist.high), c.append(dist.mode)
            elif isinstance(dist, Mixture):
                parts = [_support(comp.value, lower, upper) for comp in dist.mixture]
                a.append(min(p[0] for p in parts)), b.append(max(p[1] for p in parts)), c.append(np.nan)
                w = np.asarray(dist.weights, dtype=float)
                who = np.asarray([index.get(comp.analyst, -1) if comp.analyst is not None else -1
                                  for comp in dist.mixture], dtype=np.int64)
                mixtures[len(names) - 1] = (np.cumsum(w) / w.sum(), who, tuple(comp.value for comp in dist.mixture))
            else:
                a.append(dist.mean), b.append(dist.sd), c.append(np.nan)
            lo.append(lower), hi.append(upper)
        selector = None
        if analysts is not None and len(analysts) >= 2:
            w = np.asarray([x for _, x in analysts], dtype=float)
            names.append(SELECTOR)
            stream.append(SELECTOR)
            kind.append(4)
            a.append(0.0), b.append(len(analysts) - 1.0), c.append(np.nan)
            lo.append(0.0), hi.append(len(analysts) - 1.0)
            pts.append(np.nan)
            selector = (len(names) - 1, np.cumsum(w) / w.sum())
        f = lambda x: np.asarray(x, dtype=float)  # noqa: E731
        return cls(tuple(names), np.asarray(kind, dtype=np.int8), f(a), f(b), f(c), f(lo), f(hi),
                   mixtures, selector, f(pts), tuple(stream))

    def __len__(self) -> int:
        return len(self.names)

    def bounds(self) -> np.ndarray:
        """(k, 2) bounds of each input's support (normals: the legal range clipped to mean +- 4 sd)."""
        lo = np.where(self.kind == 2, np.maximum(self.lower, self.a - 4 * self.b), self.a)
        hi = np.where(self.kind == 2, np.minimum(self.upper, self.a + 4 * self.b), self.b)
        return np.stack([lo, hi], axis=1)

    def analyst_index(self, u: np.ndarray) -> np.ndarray | None:
        """The analyst picked in each row of ``u`` (draws, k) by the selector column; None without one."""
        if self.selector is None:
            return None
        col, cum = self.selector
        return _pick(cum, np.clip(np.asarray(u, dtype=float)[:, col], 0.0, 1.0))

    def transform(self, u: np.ndarray) -> np.ndarray:
        """Values for unit-interval points ``u`` of shape (draws, k) by the inverse CDFs."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        out = np.empty_like(u)
        uni, tri, nor = self.kind == 0, self.kind == 1, self.kind == 2
        if uni.any():
            out[:, uni] = self.a[uni] + u[:, uni] * (self.b[uni] - self.a[uni])
        if tri.any():
            lo, hi, mode = self.a[tri], self.b[tri], self.c[tri]
            width = np.where(hi > lo, hi - lo, 1.0)
            fc = (mode - lo) / width
            uu = u[:, tri]
            left = lo + np.sqrt(uu * width * (mode - lo))
            right = hi - np.sqrt((1 - uu) * width * (hi - mode))
            out[:, tri] = np.where(uu < fc, left, right)
        if nor.any():
            from scipy.special import ndtr, ndtri  # only for normals: scipy.special costs 0.3 s to import

            mu, sd = self.a[nor], self.b[nor]
            sd_safe = np.where(sd > 0, sd, 1.0)
            with np.errstate(over="ignore"):  # a capability's open upper bound over a small sd: +inf, F = 1
                fa = ndtr((self.lower[nor] - mu) / sd_safe)
                fb = ndtr((self.upper[nor] - mu) / sd_safe)
            x = mu + sd_safe * ndtri(fa + u[:, nor] * (fb - fa))
            out[:, nor] = np.clip(x, self.lower[nor], self.upper[nor])
        who = self.analyst_index(u)
        if who is not None:
            out[:, self.selector[0]] = who
        for col, (cum, labels, comps) in self.mixtures.items():
            out[:, col] = self._mixture_column(u[:, col], cum, labels, comps, who, col)
        return out

    def _mixture_column(self, u: np.ndarray, cum: np.ndarray, labels: np.ndarray, comps: tuple,
                        who: np.ndarray | None, col: int) -> np.ndarray:
        """One mixture input: the chosen analyst's component through ``u`` itself; where no analyst
        was chosen or that analyst is silent here, ``u`` picks a component by the weights and is
        rescaled into it.

        A mixture that also has unlabelled components (nobody's view, e.g. typed in the web grid)
        keeps its declared weights: the chosen analyst's draws take that analyst's component with
        probability ``s`` (the labelled components' share of the weights) and an unlabelled one
        otherwise. Then component ``a`` has probability ``W_a/W * s + W_silent/W * w_a = w_a``
        (``W_a/W``: the analyst's share of all analysts, ``w_a = W_a/W * s``: its share here), and
        an unlabelled component ``k`` (``v_k``: its share among the unlabelled ones)
        ``(1 - W_silent/W) (1 - s) v_k + W_silent/W * w_k = w_k``."""
        j, uu = _pick_within(cum, u)
        if who is not None:
            labelled = labels >= 0
            free = np.flatnonzero(~labelled)
            share = np.diff(np.concatenate([[0.0], cum]))
            s = float(share[labelled].sum()) if free.size else 1.0
            free_cum = np.cumsum(share[free]) / share[free].sum() if free.size else None
            for k, a in enumerate(labels.tolist()):
                if a < 0:
                    continue
                rows = who == a
                if free_cum is None:  # every component is an analyst's: exactly that analyst's view
                    j[rows], uu[rows] = k, u[rows]
                    continue
                mine, other = rows & (u < s), rows & (u >= s)
                j[mine], uu[mine] = k, u[mine] / s
                jf, uf = _pick_within(free_cum, np.clip((u[other] - s) / (1.0 - s), 0.0, 1.0))
                j[other], uu[other] = free[jf], uf
        out = np.empty_like(u)
        for k, comp in enumerate(comps):
            rows = j == k
            if rows.any():
                out[rows] = _ppf(comp, uu[rows], self.lower[col], self.upper[col])
        return out

    def sample(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` Monte Carlo draws of every input, shape (draws, k).

        Each input draws its uniforms from a stream of its own, seeded by ``rng`` and the input's
        key (its identity, e.g. ``russia/territory.position``), never by its column: two views of
        one negotiation run with the same seed share the draws of every input they share (common
        random numbers), whatever inputs one of them adds, drops or reorders.

        >>> from detente.scenario.uncertain import Uniform
        >>> u = Uniform(low=0, high=1)
        >>> one = InputSpace.from_items([("x", u, (0, 1))], keys=["a/x"])
        >>> two = InputSpace.from_items([("y", u, (0, 1)), ("x", u, (0, 1))], keys=["b/y", "a/x"])
        >>> bool((one.sample(5, np.random.default_rng(1))[:, 0] == two.sample(5, np.random.default_rng(1))[:, 1]).all())
        True

        A pooled scenario's analyst, picked per draw, is stratified: the analysts' shares of the
        draws are their weights to within one draw (not only on average).

        >>> pool = InputSpace.from_items([("x", u, (0, 1))], analysts=[("A", 2.0), ("B", 1.0)], keys=["a/x"])
        >>> x = pool.sample(3000, np.random.default_rng(7))
        >>> np.bincount(x[:, pool.selector[0]].astype(int)).tolist()
        [2000, 1000]
        """
        root = [int(x) for x in rng.integers(0, 2**63, size=2)]
        u = np.empty((len(self), draws))
        for j, key in enumerate(self.keys or self.names):
            g = np.random.default_rng([*root, _stream_id(key)])
            if key == SELECTOR:  # stratified: one uniform in each of the draws' equal slices of [0, 1],
                # so each analyst's share of the draws is its weight to within one draw
                u[j] = (g.permutation(draws) + g.random(draws)) / draws
            else:
                u[j] = g.random(draws)
        return self.transform(u.T)


def _stream_id(key: str) -> int:
    """A 128-bit number for ``key``, the same on every platform and run (unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=16).digest(), "little")


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the part of [0, 1] (cut at the cumulative weights ``cum``) holding each ``u``."""
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


def _pick_within(cum: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of [0, 1] (cut at ``cum``) holding each ``u``, and ``u`` rescaled into that part."""
    j = _pick(cum, u)
    lo_c = np.concatenate([[0.0], cum[:-1]])
    width = np.where(cum > lo_c, cum - lo_c, 1.0)
    return j, np.clip((u - lo_c[j]) / width[j], 0.0, 1.0)


def _support(v: object, lower: float, upper: float) -> tuple[float, float]:
    """Where a mixture component's values lie (a normal: its legal range clipped to mean +- 4 sd)."""
    if isinstance(v, (Uniform, Triangular)):
        return v.low, v.high
    if isinstance(v, Normal):
        return max(lower, v.mean - 4 * v.sd), min(upper, v.mean + 4 * v.sd)
    return float(v), float(v)  # type: ignore[arg-type]


def _ppf(v: object, u: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Inverse CDF of one mixture component at ``u`` (the same formulas as :meth:`InputSpace.transform`).

    A normal component at ``u`` = 0 or 1 exactly (a Morris design's end levels, never a Monte Carlo
    draw) takes the ends of its support, mean +- 4 sd within the legal range (:func:`_support`), as a
    plain normal does in the sensitivity designs, rather than the legal range's ends (an open
    capability's is the largest float)."""
    if isinstance(v, (Uniform, Triangular, Normal)) and is_uncertain(v):
        one = InputSpace.from_items([("c", v, (lower, upper))])
        x = one.transform(u[:, None])[:, 0]
        if isinstance(v, Normal):
            lo, hi = _support(v, lower, upper)
            x = np.where(u <= 0.0, lo, np.where(u >= 1.0, hi, x))
        return x
    return np.full(u.shape, point(v))
