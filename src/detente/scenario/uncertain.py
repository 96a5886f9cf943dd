"""Uncertain numbers: a point, ``{low, high}`` (uniform), ``{mode, low, high}`` (triangular) or
``{mean, sd}`` (normal, truncated to the legal range of the field).

Every distribution maps a unit-interval number ``u`` to a value through its inverse CDF
(:func:`ppf`), so one seeded stream of uniforms (or a Sobol design) drives all of them.

>>> from detente.scenario.uncertain import Uniform, Triangular, point
>>> point(Uniform(low=2, high=4)), point(Triangular(mode=3, low=0, high=10))
(3.0, 3.0)
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer


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


Dist = Union[Uniform, Triangular, Normal]

_SHAPES = {
    frozenset({"low", "high"}): Uniform,
    frozenset({"mode", "low", "high"}): Triangular,
    frozenset({"mean", "sd"}): Normal,
}
_HELP = "a number, {low, high}, {mode, low, high} or {mean, sd}"


def _coerce(v: Any) -> Any:
    if type(v) is float:  # the common case first: a big file holds millions of plain numbers
        if math.isfinite(v):
            return v
        raise ValueError(f"must be finite (got {v!r})")
    if isinstance(v, _Dist):
        return v
    if isinstance(v, bool):
        raise ValueError(f"expected {_HELP}")
    if isinstance(v, int):
        try:
            return float(v)
        except OverflowError:
            raise ValueError("number too large") from None
    if isinstance(v, (float, str)):  # a float subclass, or text such as "12.5"
        try:
            x = float(v)
        except ValueError:
            raise ValueError(f"expected {_HELP}") from None
        if not math.isfinite(x):
            raise ValueError(f"must be finite (got {x!r})")
        return x
    if isinstance(v, dict):
        cls = _SHAPES.get(frozenset(v))
        if cls is None:
            raise ValueError(f"expected {_HELP}; keys {sorted(v)} match none of them")
        vals = {}
        for k, x in v.items():
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise ValueError(f"{k} must be a number (got {x!r})")
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


def _serialise(v: Any) -> Any:
    return v.model_dump() if isinstance(v, _Dist) else v


Uncertain = Annotated[
    Union[float, Uniform, Triangular, Normal],
    BeforeValidator(_coerce),
    PlainSerializer(_serialise),
]


def is_uncertain(v: Any) -> bool:
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
    return float(v)


def bounds_of(v: Any) -> tuple[float, float]:
    """The interval the value can take (a normal's is its mean: it is truncated when sampled)."""
    if isinstance(v, (Uniform, Triangular)):
        return v.low, v.high
    if isinstance(v, Normal):
        return v.mean, v.mean
    return float(v), float(v)
