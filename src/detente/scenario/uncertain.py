"""Uncertain numbers: a point, ``{low, high}`` (uniform), ``{mode, low, high}`` (triangular),
``{mean, sd}`` (normal, truncated to the legal range of the field) or ``{mixture: [...]}`` (a
weighted mixture of those, the linear pool of several analysts' views; each component may name the
``analyst`` whose view it is).

Every distribution maps a unit-interval number ``u`` to a value through its inverse CDF
(:func:`ppf`), so one seeded stream of uniforms (or a Sobol design) drives all of them.

>>> from detente.scenario.uncertain import Uniform, Triangular, point
>>> point(Uniform(low=2, high=4)), point(Triangular(mode=3, low=0, high=10))
(3.0, 3.0)
>>> m = _coerce({"mixture": [{"weight": 2, "value": 30}, {"weight": 1, "value": {"low": 60, "high": 80}}]})
>>> round(point(m), 4), bounds_of(m), is_uncertain(m)
(43.3333, (30.0, 80.0), True)
"""

from __future__ import annotations

import math
import numbers
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from detente.errors import written


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Uniform(_Dist):
    low: float
    high: float


class Triangular(_Dist):
    mode: float
    low: float
    high: float


class Normal(_Dist):
    mean: float
    sd: float


class Component(_Dist):
    """One part of a :class:`Mixture`: its weight, its value (a number or a distribution) and
    optionally the analyst whose view it is."""

    weight: float = Field(gt=0)
    value: Union[float, Uniform, Triangular, Normal]
    analyst: Union[str, None] = Field(None, min_length=1)


class Mixture(_Dist):
    """A weighted mixture (linear pool): ``{mixture: [{weight, value, analyst?}, ...]}``."""

    mixture: tuple[Component, ...] = Field(min_length=1)

    @property
    def weights(self) -> list[float]:
        return [c.weight for c in self.mixture]


Dist = Union[Uniform, Triangular, Normal, Mixture]

_SHAPES = {
    frozenset({"low", "high"}): Uniform,
    frozenset({"mode", "low", "high"}): Triangular,
    frozenset({"mean", "sd"}): Normal,
}
_HELP = "a number, {low, high}, {mode, low, high}, {mean, sd} or {mixture: [{weight, value}, ...]}"
_COMPONENT_KEYS = frozenset({"weight", "value", "analyst"})


def _coerce(v: Any) -> Any:
    if type(v) is float:  # the common case first: a big file holds millions of plain numbers
        if math.isfinite(v):
            return v
        raise ValueError(f"must be finite (got {v!r})")
    if isinstance(v, _Dist):
        return v
    if isinstance(v, bool):  # YAML's yes/no/on/off
        raise ValueError(f"expected {_HELP}; YAML reads an unquoted yes, no, on, off, true or false as "
                         "true/false, not as a number")
    if isinstance(v, int):
        try:
            return float(v)
        except OverflowError:
            raise ValueError("number too large") from None
    if isinstance(v, (float, str, numbers.Real)):  # a float subclass, a NumPy number, or text such as "12.5"
        try:
            x = float(v)
        except ValueError:
            raise ValueError(f"expected {_HELP}") from None
        if not math.isfinite(x):
            raise ValueError(f"must be finite (got {x!r})")
        return x
    if isinstance(v, dict):
        if "mixture" in v:
            return _mixture(v)
        cls = _SHAPES.get(frozenset(v))
        if cls is None:
            raise ValueError(f"expected {_HELP}; keys {sorted(v)} match none of them")
        vals = {}
        for k, x in v.items():
            if isinstance(x, str):  # YAML 1.1 reads 1e-1 (no dot) as text, as it does at the top level
                try:
                    x = float(x)
                except ValueError:
                    raise ValueError(f"{k} must be a number (got {written(x)})") from None
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise ValueError(f"{k} must be a number (got {written(x)})")
            if not math.isfinite(x):
                raise ValueError(f"{k} must be finite (got {x!r})")
            vals[k] = float(x)
        if cls is Uniform and not vals["low"] <= vals["high"]:
            raise ValueError(f"low must not exceed high (got low={vals['low']:g}, high={vals['high']:g})")
        if cls is Triangular and not vals["low"] <= vals["mode"] <= vals["high"]:
            raise ValueError("need low <= mode <= high (got " + ", ".join(f"{k}={x:g}" for k, x in vals.items()) + ")")
        if cls is Normal and vals["sd"] < 0:
            raise ValueError(f"sd must not be negative (got {vals['sd']:g})")
        return cls(**vals)
    raise ValueError(f"expected {_HELP}")


def _mixture(v: dict) -> Mixture:
    """Validate ``{mixture: [{weight, value, analyst?}, ...]}``; messages name the component."""
    if len(v) != 1:
        raise ValueError(f"a mixture has only the key mixture (got keys {sorted(v)})")
    items = v["mixture"]
    if isinstance(items, Mixture):
        return items
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("mixture must be a list of at least one {weight, value} component "
                         f"(got {written(items)})")
    comps = []
    for j, c in enumerate(items):
        where = f"mixture[{j}]"
        if isinstance(c, Component):
            comps.append(c)
            continue
        if not isinstance(c, dict) or not {"weight", "value"} <= set(c) or not set(c) <= _COMPONENT_KEYS:
            got = "keys " + ", ".join(map(str, c)) if isinstance(c, dict) else written(c)
            raise ValueError(f"{where}: expected {{weight, value}} and optionally analyst (got {got})")
        w = c["weight"]
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise ValueError(f"{where}.weight: must be a number (got {written(w)})")
        if not math.isfinite(w) or not w > 0:
            raise ValueError(f"{where}.weight: must be a finite number greater than 0 (got {written(w)})")
        val = c["value"]
        if isinstance(val, Mixture) or (isinstance(val, dict) and "mixture" in val):
            raise ValueError(f"{where}.value: a mixture cannot hold another mixture (list its components "
                             "in the outer mixture)")
        try:
            val = _coerce(val)
        except ValueError as e:
            raise ValueError(f"{where}.value: {e}") from None
        a = c.get("analyst")
        if a is not None and (not isinstance(a, str) or not a):
            raise ValueError(f"{where}.analyst: must be a non-empty text (got {written(a)})")
        comps.append(Component(weight=float(w), value=val, analyst=a))
    return Mixture(mixture=tuple(comps))


def _serialise(v: Any) -> Any:
    if isinstance(v, Mixture):
        return {"mixture": [{"weight": c.weight, "value": _serialise(c.value),
                             **({"analyst": c.analyst} if c.analyst is not None else {})} for c in v.mixture]}
    return v.model_dump() if isinstance(v, _Dist) else v


Uncertain = Annotated[
    Union[float, Uniform, Triangular, Normal, Mixture],
    BeforeValidator(_coerce),
    PlainSerializer(_serialise),
]


def is_uncertain(v: Any) -> bool:
    """Whether ``v`` can take more than one value (a mixture: unless all its components are one point)."""
    if isinstance(v, Mixture):
        return any(is_uncertain(c.value) for c in v.mixture) or len({point(c.value) for c in v.mixture}) > 1
    return isinstance(v, _Dist) and not (
        (isinstance(v, Uniform) and v.low == v.high)
        or (isinstance(v, Triangular) and v.low == v.high)
        or (isinstance(v, Normal) and v.sd == 0)
    )


def point(v: Any) -> float:
    """The central value used when a model runs without draws."""
    if isinstance(v, Uniform):
        return (v.low + v.high) / 2
    if isinstance(v, Triangular):
        return v.mode
    if isinstance(v, Normal):
        return v.mean
    if isinstance(v, Mixture):  # the weighted mean of the components' points
        total = sum(c.weight for c in v.mixture)
        return sum(c.weight * point(c.value) for c in v.mixture) / total
    return float(v)


def bounds_of(v: Any) -> tuple[float, float]:
    """The interval the value can take (a normal's is its mean: it is truncated when sampled)."""
    if isinstance(v, (Uniform, Triangular)):
        return v.low, v.high
    if isinstance(v, Normal):
        return v.mean, v.mean
    if isinstance(v, Mixture):  # the hull of the components' intervals
        parts = [bounds_of(c.value) for c in v.mixture]
        return min(p[0] for p in parts), max(p[1] for p in parts)
    return float(v), float(v)
