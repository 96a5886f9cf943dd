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

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from detente.errors import InputError, ModelError, Problem, written

if TYPE_CHECKING:  # NumPy only in annotations: listing models and options does not import it
    import numpy as np
    from detente.scenario.arrays import ScenarioArrays


class Options(BaseModel):
    """Base class of model options: unknown keys are errors, every field has a default."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_bools(cls, data: Any) -> Any:  # `-o bdm.rounds=yes` was read as 1 round
        from detente.scenario.messages import no_bools_for_whole_numbers

        return no_bools_for_whole_numbers(cls, data)


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
    readout
        the name of the series whose value at each draw's last round is ``forecast`` (``"median"``
        for BDM's default, ``"voting"`` for the exchange model); ``None`` when no series is.
    """

    forecast: np.ndarray
    positions: np.ndarray | None = None
    series: dict[str, np.ndarray] = field(default_factory=dict)
    rounds: np.ndarray | None = None
    stopped_by: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    readout: str | None = None


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
    noisy_with_war: bool = False  # noisy on a scenario with a war: block (the synthesis, led there by the war model)
    needs_weight: bool = False  # undefined on an issue where no actor has capability x salience > 0 (refused)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # named option presets
    rounds_option: str | None = None  # the option that sets how many rounds the run keeps every position of
    kept_rounds: Callable[[Any], int] | None = None  # at least how many (draws, issues, actors) states it keeps
    reads: Callable[[Trajectory], Any] | None = None  # per-draw values its answers compare (None: the forecast)
    given: str | None = None  # what ``reads`` is conditional on, in words (war: "a deal")

    def read(self, traj: Trajectory) -> Any:
        """The per-draw values (draws, issues) that levers, pivotal actors, sweeps, sensitivity and the
        pooled disagreement compare: the forecast, or for the war model the terms given a deal (NaN
        where a draw ends otherwise; ``given``), as the bottom line of ``detente run`` reads it."""
        return traj.forecast if self.reads is None else self.reads(traj)

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
            problems = "; ".join(self._option_problem(x) for x in e.errors(include_url=False))
            raise ModelError(f"bad options for model {self.name!r}: {problems}") from None

    def _option_problem(self, error: dict[str, Any]) -> str:
        """One of pydantic's errors in words: an unknown option names the close ones and the list."""
        where = ".".join(map(str, error["loc"])) or "options"
        if error["type"] == "extra_forbidden":
            import difflib

            names = list(self.options.model_fields)
            close = difflib.get_close_matches(str(error["loc"][0]), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown option {where!r}{hint}; the options of {self.name}: {', '.join(names) or 'none'}"
        from detente.scenario.messages import plain_message

        msg, got = plain_message(error), error.get("input")
        named = re.match(r"^(\w+): (.*)$", msg, re.S) if error["type"] == "value_error" else None
        if named and isinstance(got, dict) and named.group(1) in got:  # a model-level check naming its field
            where, msg, got = named.group(1), named.group(2), got[named.group(1)]
        return f"{where}: {msg} (got {written(got)})"


def degenerate_problems(spec: ModelSpec, arr: ScenarioArrays) -> list[Problem]:
    """Why ``spec`` cannot run on ``arr``: the conditions that leave a model without a defined answer.

    For models with ``needs_weight`` (their outcome is a capability x salience weighted mean or median
    with no fallback): an issue on which no actor present has both positive capability and positive
    salience, in any draw. Models that define an answer there say so in their docstrings (the
    baselines fall back to equal weights; smp and war do not divide by these weights). An issue on
    which no actor has a stance is not refused: it has no forecast (:func:`stanceless_issues`).
    Empty when the model can run.

    >>> from detente.models import registry
    >>> from detente.scenario.arrays import ScenarioArrays
    >>> from detente.scenario.model import Scenario
    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A", "capability": 0}, {"id": "B",
    ...     "capability": 0}], "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 10},
    ...     {"actor": "B", "issue": "x", "position": 90}]})
    >>> arr = ScenarioArrays.from_scenario(s)
    >>> degenerate_problems(registry.get("mean"), arr)
    []
    >>> print(degenerate_problems(registry.get("exchange"), arr)[0].render(None))
    issues[0]: all capabilities are zero on issue 'x': the exchange model needs at least one actor with positive capability and salience on every issue
    """
    import numpy as np

    out: list[Problem] = []
    present = arr.present  # (issues, actors)
    for k, iid in enumerate(arr.issue_ids):
        where = f"issues[{k}]"
        if not spec.needs_weight or not present[k].any():
            continue
        cap = arr.capability[:, k][:, present[k]]  # (draws, actors present)
        sal = arr.salience[:, k][:, present[k]]
        dead = ~np.any((cap > 0) & (sal > 0), axis=-1)  # (draws,)
        if not dead.any():
            continue
        d = int(np.flatnonzero(dead)[0])
        if not np.any(cap[d] > 0):
            why = "all capabilities are zero"
        elif not np.any(sal[d] > 0):
            why = "all saliences are zero"
        else:
            why = "no actor has both positive capability and positive salience"
        why += f" on issue {iid!r}"
        if not dead.all():
            why += f" in {int(dead.sum())} of {dead.size} draws (first: draw {d})"
        out.append(Problem(f"{why}: the {spec.name} model needs at least one actor with positive capability "
                           "and salience on every issue", field=where))
    return out


def stanceless_issues(arr: ScenarioArrays) -> list[int]:
    """Indexes of the issues on which no actor has a stance: no model forecasts them (the runner
    sets their forecast to NaN - null in the JSON - and says so in a note); the other issues run
    as usual (peer files such as Decide's kopenhagen.csv list issues without stances)."""
    return [k for k in range(arr.n_issues) if not arr.present[k].any()]


def check_degenerate(spec: ModelSpec, arr: ScenarioArrays, file: str | None = None) -> None:
    """Raise an :class:`InputError` listing :func:`degenerate_problems` (the run is refused up front)."""
    problems = degenerate_problems(spec, arr)
    if problems:
        raise InputError(file, problems)


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

    def spellings(self, name: str) -> set[str]:
        """Every name a model has been recorded under: ``spellings("eu") == spellings("bdm") == {"bdm", "eu"}``."""
        name = self._aliases.get(name, name)
        return {name, *(old for old, new in self._aliases.items() if new == name)}

    def get(self, name: str) -> ModelSpec:
        name = self._aliases.get(name, name)
        if name not in self._specs and name in self._modules:
            import importlib

            importlib.import_module(self._modules[name])
        try:
            return self._specs[name]
        except KeyError:
            import difflib

            known = self.names()
            close = difflib.get_close_matches(str(name).lower(), known, n=1) if isinstance(name, str) else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ModelError(f"unknown model {name!r}{hint}; available: {', '.join(known)}") from None

    def names(self) -> list[str]:
        """Declared models in declaration order, then any others in registration order."""
        return list(self._modules) + [n for n in self._specs if n not in self._modules]

    def specs(self) -> list[ModelSpec]:
        return [self.get(n) for n in self.names()]


registry = Registry()
