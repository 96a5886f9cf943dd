"""The one interface every model implements, and the registry.

A model is a pure function ``run(arrays, options, rng) -> Trajectory``:

* ``arrays`` is a :class:`~detente.scenario.arrays.ScenarioArrays` (inputs shaped
  (draws, issues, actors));
* ``options`` is an instance of the model's own pydantic ``Options`` class (validated, with
  documented defaults);
* ``rng`` is a seeded :class:`numpy.random.Generator` (only stochastic models use it);
* the returned :class:`Trajectory` holds the forecast per draw and issue, and, for models with
  rounds, what happened in each round.

Models never read files, print or plot. :func:`detente.runner.run` turns a Trajectory into a
:class:`~detente.result.Result` with provenance (seed, version, input hash, options).

>>> from detente.models import registry
>>> "mean" in registry.names()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from detente.errors import ModelError

if TYPE_CHECKING:  # NumPy only in annotations: listing models and options does not import it
    import numpy as np


class Options(BaseModel):
    """Base class of model options: unknown keys are errors, every field has a default."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Trajectory:
    """What a model returns.

    forecast
        (draws, issues): the model's point forecast for each draw, on each issue's own scale.
    positions
        (draws, rounds + 1, issues, actors) actor positions after each round (round 0 = input);
        ``None`` for models without rounds.
    series
        named per-round summaries, each (draws, rounds + 1, issues), e.g. ``"median"``, ``"mean"``.
    rounds
        (draws,) number of rounds each draw ran (rounds past it repeat the final state).
    stopped_by
        (draws,) which stopping rule ended each draw (e.g. ``"max_rounds"``, ``"converged"``).
    extras
        anything model-specific (arrays or JSON-able values), e.g. settlement-time distributions.
    """

    forecast: np.ndarray
    positions: np.ndarray | None = None
    series: dict[str, np.ndarray] = field(default_factory=dict)
    rounds: np.ndarray | None = None
    stopped_by: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)


RunFn = Callable[[Any, Any, "np.random.Generator"], Trajectory]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, one-line summary, options class and run function."""

    name: str
    summary: str
    options: type[Options]
    run: RunFn
    has_rounds: bool = False
    stochastic: bool = False
    multi_issue: bool = False  # issues interact (exchange, smp, war); else each issue is separate
    noisy: bool = False  # each draw's forecast is one random path (war): average replications to get its mean
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # named option presets

    def make_options(self, values: dict[str, Any] | None = None, variant: str | None = None) -> Options:
        """Validate options, starting from a named variant's preset when given."""
        merged: dict[str, Any] = {}
        if variant is not None:
            if variant not in self.variants:
                raise ModelError(
                    f"model {self.name!r} has no variant {variant!r}; variants: {', '.join(self.variants) or 'none'}"
                )
            merged.update(self.variants[variant])
        merged.update(values or {})
        try:
            return self.options.model_validate(merged)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(map(str, x['loc'])) or 'options'}: {x['msg']} (got {x.get('input')!r})"
                for x in e.errors(include_url=False)
            )
            raise ModelError(f"bad options for model {self.name!r}: {problems}") from None


class Registry:
    """Name -> :class:`ModelSpec`. Model modules register themselves on import.

    A model may be *declared* first (:meth:`declare`: its name and the module that registers it);
    the module is imported the first time the model is asked for, so a run of ``mean`` does not
    import the war model, and listing the models does not import Numba (the kernels are imported
    by the run functions).
    """

    def __init__(self) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._modules: dict[str, str] = {}  # declared name -> module that registers it
        self._aliases: dict[str, str] = {"eu": "bdm"}  # old name -> name (``eu`` read as the European Union)

    def declare(self, name: str, module: str) -> None:
        """Make ``name`` known; ``module`` registers it when imported."""
        self._modules.setdefault(name, module)

    def is_registered(self, name: str) -> bool:
        """True once the model's module has registered it (:meth:`get` imports it on demand)."""
        return name in self._specs

    def register(self, spec: ModelSpec) -> ModelSpec:
        if spec.name in self._specs:
            raise ModelError(f"model {spec.name!r} registered twice")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> ModelSpec:
        name = self._aliases.get(name, name)
        if name not in self._specs and name in self._modules:
            import importlib

            importlib.import_module(self._modules[name])
        try:
            return self._specs[name]
        except KeyError:
            raise ModelError(f"unknown model {name!r}; available: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        """Declared models in declaration order, then any others in registration order."""
        return list(self._modules) + [n for n in self._specs if n not in self._modules]

    def specs(self) -> list[ModelSpec]:
        return [self.get(n) for n in self.names()]


registry = Registry()
