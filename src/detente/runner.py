"""Run a registered model on a scenario: sampling, chunking of draws, provenance.

>>> from detente.runner import run
>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 20},
...     {"actor": "B", "issue": "x", "position": {"low": 40, "high": 80}}]})
>>> r = run(s, "mean", draws=1000, seed=1)
>>> round(r.forecast["x"], 1), r.draws, r.seed
(40.0, 1000, 1)

Several models at once give a list of results, in order:

>>> [x.model for x in run(s, ["mean", "median"])]
['mean', 'median']

A scenario changed in Python after loading is validated again before it runs:

>>> s.stances[0].position = 999
>>> try:
...     run(s, "mean")
... except Exception as e:
...     print(type(e).__name__, str(e).splitlines()[0])
InputError stances[0].position: off the scale [0, 100] of issue 'x' (got 999)
"""

from __future__ import annotations

import inspect
import time
from typing import Any, Callable, Mapping, Sequence, overload

import numpy as np

from detente._version import __version__
from detente.defaults import DEFAULT_SEED, MAX_SEED
from detente.models import registry
from detente.models.base import Trajectory, check_degenerate, stanceless_issues
from detente.errors import InputError, ModelError
from detente.memory import check_fits
from detente.result import Result
from detente.scenario.arrays import ScenarioArrays, scenario_hash
from detente.scenario.model import Scenario
from detente.scenario.sampling import SELECTOR

__all__ = ["DEFAULT_SEED", "NOISY_DRAWS", "default_draws", "draws_are_paths", "run"]


ProgressFn = Callable[[int, int], None]

NOISY_DRAWS = 1000
"""Draws of a run that gives none, for a model whose every draw is one random path (the war model,
and the synthesis on a scenario with a ``war:`` block): P(deal) and the endings are shares of the
draws, which one draw would make 0 or 100 %. (1,000 draws of the flagship's war: ~0.06 s.)"""
FEW_PATHS = 100
"""Fewer draws than this of a model whose every draw is one random path (the war model) get a note
and a :class:`~detente.errors.FewDrawsWarning`: its probabilities are shares of so few paths."""


def draws_are_paths(scenario: Scenario, model: str) -> bool:
    """Whether every draw of ``model`` on ``scenario`` is one random path (the war model; the
    synthesis on a scenario with a ``war:`` block), so that its probabilities are shares of the draws."""
    spec = registry.get(model)
    war = getattr(scenario, "war", None) is not None  # (not a Scenario: the run says so, after this)
    return spec.noisy or (spec.noisy_with_war and war)


def default_draws(scenario: Scenario, model: str) -> int:
    """The draws of a run of ``model`` on ``scenario`` when none are given: :data:`NOISY_DRAWS` when
    its draws are random paths (:func:`draws_are_paths`) or when the scenario pools several analysts'
    views (each draw is one analyst's view: the pool is the mixture of their forecasts, which the
    forecast at the mixtures' central values is not), else 1 (the inputs' central values).

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "A", "issue": "x", "position": 50}]})
    >>> default_draws(s, "mean"), default_draws(s, "synthesis"), default_draws(s, "war")
    (1, 1, 1000)
    """
    pooled = bool(getattr(scenario, "analysts", None))
    return NOISY_DRAWS if pooled or draws_are_paths(scenario, model) else 1


@overload
def run(scenario: Scenario, model: str, *, draws: int | None = ..., seed: int = ...,
        options: dict[str, Any] | None = ..., variant: str | None = ...,
        progress: ProgressFn | None = ...) -> Result: ...


@overload
def run(scenario: Scenario, model: Sequence[str], *, draws: int | None = ..., seed: int = ...,
        options: dict[str, Any] | None = ..., variant: str | None = ...,
        progress: ProgressFn | None = ...) -> list[Result]: ...


def run(
    scenario: Scenario,
    model: str | Sequence[str],
    *,
    draws: int | None = None,
    seed: int = DEFAULT_SEED,
    options: dict[str, Any] | None = None,
    variant: str | None = None,
    progress: ProgressFn | None = None,
) -> Result | list[Result]:
    """Run ``model`` on ``scenario`` with ``draws`` Monte Carlo draws of the uncertain inputs
    (``None``: :func:`default_draws`, 1 - the inputs' central values - except for the war model's
    random paths and a pooled scenario's analysts: 1,000).

    Options come from, in increasing priority: the model's defaults, a named ``variant``, the
    scenario's ``model_options[model]``, and ``options``. The input draws and the model's own
    randomness use separate streams spawned from ``seed``, so the same seed gives the same result
    bit for bit.

    ``model`` may be a list of model names: the result is then a list of results, one per model,
    each run with the same seed (``options`` and ``variant`` go to every model that has them; one
    that no selected model has is an error; per-model settings: call once per model).

    The scenario is validated again first (about a millisecond), so that one changed in Python
    after loading cannot reach a model with, say, a position off its issue's scale.

    Degenerate inputs (``docs/models.md``): a model without an answer on these inputs is refused up
    front with an :class:`InputError` naming the reason (:func:`~detente.models.base.check_degenerate`);
    an issue on which no actor has a stance gets no forecast (NaN) and a note.

    A run that cannot fit in the memory this process may take (its inputs and, for the models
    with rounds, every position of every round) is refused up front, naming the draws that would
    fit (:func:`detente.memory.check_fits`).

    ``progress(done_draws, draws)`` is called before and after the model runs (and passed on to
    models whose run function takes a ``progress`` keyword).
    """
    if not isinstance(model, str):
        if not isinstance(model, Sequence) or not all(isinstance(m, str) for m in model):
            raise ModelError(f"model: give a model name or a list of names, e.g. 'mean' or ['mean', 'bdm'] "
                             f"(got {model!r})")
        names = list(model)
        if not names:
            raise ModelError("give at least one model name")
        per = _per_model(names, options, variant)
        each = [draws if draws is not None else default_draws(scenario, m) for m in names]
        starts = [sum(each[:k]) for k in range(len(names))]
        return [run(scenario, m, draws=n, seed=seed, options=per[m][0], variant=per[m][1],
                    progress=_part(progress, start, sum(each))) for m, n, start in zip(names, each, starts)]
    if options is not None and not isinstance(options, Mapping):
        raise ModelError(f"options: give a dict of option names and values, e.g. {{'rounds': 3}} (got {options!r})")
    if progress is not None and not callable(progress):
        raise ModelError(f"progress: give a function progress(done, total) (got {progress!r})")
    spec = registry.get(model)
    model = spec.name  # an old alias (``eu``) is recorded under the model's name
    if draws is None:
        draws = default_draws(scenario, model)
    check_count(draws, "draws", most=10_000_000)
    check_seed(seed)
    scenario = revalidate(scenario)
    if scenario.model_options.get(model):
        bad = model_options_problems(scenario, only=model)
        if bad:
            raise InputError(scenario.meta.get("file"), bad)
    merged = dict(scenario.model_options.get(model, {}))
    merged.update(options or {})
    opts = spec.make_options(merged, variant=variant)
    check_fits(spec, opts, int(draws), len(scenario.issues), len(scenario.actors), scenario.meta.get("file"))
    input_seq, model_seq = np.random.SeedSequence(seed).spawn(2)
    t0 = time.perf_counter()
    if progress is not None:
        progress(0, int(draws))
    arrays = ScenarioArrays.from_scenario(scenario, draws=draws, rng=np.random.default_rng(input_seq))
    file = scenario.meta.get("file")
    check_degenerate(spec, arrays, file)  # inputs that leave the model without an answer: refused up front
    try:
        if progress is not None and _takes_progress(spec.run):
            traj = spec.run(arrays, opts, np.random.default_rng(model_seq), progress=progress)  # type: ignore[call-arg]
        else:
            traj = spec.run(arrays, opts, np.random.default_rng(model_seq))
    except InputError as e:  # a model's own refusal names the reason, the runner adds the file
        if e.file is not None or file is None:
            raise
        raise InputError(file, e.problems) from None
    elapsed = time.perf_counter() - t0
    if progress is not None:
        progress(int(draws), int(draws))
    _check(traj, arrays, model)
    if SELECTOR in arrays.params:  # a pooled scenario: which analyst's view each draw took (not in JSON)
        traj.extras["_analyst"] = arrays.params[SELECTOR].astype(np.int64)
    notes = list(traj.extras.get("_notes", []))
    empty = stanceless_issues(arrays)
    if empty:  # nothing to forecast there: no value rather than a model's artefact (inf, midpoint, 0/0)
        traj.forecast = traj.forecast.astype(float, copy=True)
        traj.forecast[:, empty] = np.nan
        traj.series = {k: _blank(v, empty) for k, v in traj.series.items()}
        names = ", ".join(repr(arrays.issue_ids[k]) for k in empty)
        notes.append(f"no actor has a stance on issue{'s' if len(empty) > 1 else ''} {names}: "
                     "no forecast there (null)")
    if draws < FEW_PATHS and draws_are_paths(scenario, model):
        import warnings

        from detente.errors import FewDrawsWarning

        what = "one simulated war" if draws == 1 else f"{draws} simulated wars"
        few = (f"draws={draws}: the {model} forecast is {what}, so P(deal) and the endings' probabilities are "
               f"shares of {draws} path{'s' if draws > 1 else ''}; give {NOISY_DRAWS} draws or more (the default)")
        notes.append(few)
        warnings.warn(few, FewDrawsWarning, stacklevel=2)
    from detente.calibration import interval_features
    return Result(
        model=model,
        variant=variant,
        options=opts.model_dump(mode="json"),
        seed=int(seed),
        draws=arrays.draws,
        version=__version__,
        input_sha256=scenario_hash(scenario),
        scenario_name=scenario.name,
        issue_ids=list(arrays.issue_ids),
        actor_ids=list(arrays.actor_ids),
        trajectory=traj,
        elapsed_s=elapsed,
        notes=notes,
        features=interval_features(arrays),
    )


def check_seed(seed: Any) -> int:
    """``seed`` when it is a whole number from 0 to :data:`MAX_SEED`, else an :class:`InputError`.

    >>> check_seed(7)
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    detente.errors.InputError: seed: the seed must be a whole number from 0 to 9223372036854775807 (got -1)
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InputError.one(None, f"the seed must be a whole number from 0 to {MAX_SEED}", field="seed", value=seed)
    return int(seed)


def check_model_name(model: Any, function: str) -> str:
    """``model`` when it is one model's name; ``function`` (e.g. "levers") takes one model at a time.

    >>> check_model_name(["mean", "bdm"], "levers")
    Traceback (most recent call last):
    ...
    detente.errors.ModelError: levers takes one model name, e.g. 'mean' (got ['mean', 'bdm']): call it once per model
    """
    if not isinstance(model, str):
        raise ModelError(f"{function} takes one model name, e.g. 'mean' (got {model!r}): call it once per model")
    return model


def check_count(n: Any, name: str, *, least: int = 1, most: int | None = None) -> int:
    """``n`` when it is a whole number from ``least`` to ``most``, else an :class:`InputError` naming
    the argument ``name`` (a string, a float or a bool is refused, not rounded).

    >>> check_count(3, "draws")
    3
    >>> check_count(2.7, "draws")
    Traceback (most recent call last):
    ...
    detente.errors.InputError: draws: must be a whole number of at least 1 (got 2.7)
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < least or (most is not None and n > most):
        span = f"from {least:,} to {most:,}" if most is not None else f"of at least {least:,}"
        raise InputError.one(None, f"must be a whole number {span}", field=name, value=n)
    return int(n)


def revalidate(scenario: Scenario) -> Scenario:
    """The scenario validated again (a fresh copy): :func:`detente.scenario.io.checked`."""
    from detente.scenario.io import checked

    return checked(scenario)


def model_options_problems(scenario: Scenario, only: str | None = None) -> list["Problem"]:
    """What is wrong with the scenario's ``model_options`` (all of them, or ``only`` that model's):
    a name that is no model (a typo would be ignored), an unknown option or a bad value.
    ``detente validate`` reports them with the file's other problems; a run refuses its own.

    >>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
    ...     "stances": [{"actor": "A", "issue": "x", "position": 1}], "model_options": {"bdmm": {}, "bdm": {"Q": "x"}}})
    >>> [p.field for p in model_options_problems(s)]
    ['model_options.bdmm', 'model_options.bdm']
    >>> model_options_problems(s)[0].message
    "names no model (did you mean 'bdm'?); models: mean, median, nbs, bdm, smp, exchange, war, synthesis"
    """
    import difflib

    from detente.errors import Problem

    names = registry.names()
    out = []
    for name, values in scenario.model_options.items():
        if only is not None and name != only:
            continue
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(Problem(f"names no model{hint}; models: {', '.join(names)}", field=f"model_options.{name}",
                               value=name))
            continue
        try:
            registry.get(name).make_options(dict(values))
        except ModelError as e:
            out.append(Problem(str(e).replace(f"bad options for model {name!r}: ", ""), field=f"model_options.{name}"))
    return out


def _per_model(names: list[str], options: Mapping[str, Any] | None, variant: str | None
               ) -> dict[str, tuple[dict[str, Any] | None, str | None]]:
    """``options`` and ``variant`` of a run of several models, for each model that has them: an
    option or a variant no selected model has is an error naming it.

    >>> _per_model(["mean", "bdm"], {"rounds": 3}, "jmckib")["mean"]
    ({}, None)
    """
    if options is not None and not isinstance(options, Mapping):
        raise ModelError(f"options: give a dict of option names and values, e.g. {{'rounds': 3}} (got {options!r})")
    specs = {m: registry.get(m) for m in names}
    opts = dict(options or {})
    fields = {m: set(spec.options.model_fields) for m, spec in specs.items()}
    unused = [k for k in opts if not any(k in f for f in fields.values())]
    if unused:
        import difflib

        known = sorted(set().union(*fields.values()))
        close = {k: difflib.get_close_matches(k, known, n=1) for k in unused}
        shown = ", ".join(f"{k!r}" + (f" (did you mean {close[k][0]!r}?)" if close[k] else "") for k in unused)
        raise ModelError(f"no selected model ({', '.join(names)}) has the option(s) {shown}")
    if variant is not None and not any(variant in spec.variants for spec in specs.values()):
        raise ModelError(f"no selected model ({', '.join(names)}) has the variant {variant!r}")
    return {m: ({k: v for k, v in opts.items() if k in fields[m]},
                variant if variant is not None and variant in specs[m].variants else None) for m in names}


def _part(progress: ProgressFn | None, offset: int, total: int) -> ProgressFn | None:
    if progress is None:
        return None
    return lambda done, _n: progress(offset + done, total)


def _takes_progress(fn: Callable[..., Any]) -> bool:
    try:
        return "progress" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _blank(series: np.ndarray, issues: list[int]) -> np.ndarray:
    """A per-round series (draws, rounds + 1, issues) with the given issues set to NaN."""
    out = np.array(series, dtype=float, copy=True)
    out[..., issues] = np.nan
    return out


def _check(traj: Trajectory, arrays: ScenarioArrays, model: str) -> None:
    expected = (arrays.draws, arrays.n_issues)
    if traj.forecast.shape != expected:
        raise RuntimeError(f"model {model!r} returned forecast shape {traj.forecast.shape}, expected {expected}")
