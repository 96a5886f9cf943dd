"""Which uncertain estimates matter most: Sobol and Morris sensitivity indices with SALib.

Every uncertain number of a scenario (a range for a capability, a position, a salience...) is an
input; every issue's forecast is an output. The design is drawn in the unit hypercube, mapped
through each input's inverse CDF (:meth:`detente.scenario.sampling.InputSpace.transform`, via
:meth:`ScenarioArrays.from_values`) and the model runs ONCE with the design points as draws
(models are vectorised over draws).

* ``sobol`` (default up to 20 inputs): first-order S1 and total ST indices with bootstrap 95 %
  confidence half-widths; ``N (k + 2)`` model evaluations (Saltelli/Jansen estimators in SALib).
* ``morris`` (default above 20 inputs): elementary effects mu* (mean absolute effect, in the
  issue's units) and sigma; ``N (k + 1)`` evaluations.

Normal inputs are truncated to mean +- 4 sd for the design (their legal range otherwise reaches to
infinity for capabilities); uniform and triangular inputs use their whole support. For stochastic
models the model's own noise is part of every evaluation and shows up as estimation noise.

>>> from detente.scenario.model import Scenario
>>> s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B"}],
...     "issues": [{"id": "x"}], "stances": [
...     {"actor": "A", "issue": "x", "position": {"low": 0, "high": 10}},
...     {"actor": "B", "issue": "x", "position": {"low": 40, "high": 100}}]})
>>> res = sensitivity(s, "mean", n=256, seed=1)
>>> [row["label"] for row in res.ranked("x")]
['position of B on x', 'position of A on x']
>>> round(res.ranked("x")[0]["ST"], 1)
1.0
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from detente._version import __version__
from detente.errors import InputError
from detente.models import registry
from detente.runner import DEFAULT_SEED
from detente.scenario.arrays import ScenarioArrays, input_space, scenario_hash
from detente.scenario.model import Scenario
from detente.scenario.sampling import InputSpace

SOBOL_MAX_INPUTS = 20
DEFAULT_N = {"sobol": 512, "morris": 64}
CHUNK = 8192  # model evaluations per call, to bound memory


@dataclass
class SensitivityResult:
    """Indices of every uncertain input on every issue's forecast.

    ``indices[issue]`` is a list with one dict per input, ranked (most important first) by ST
    (Sobol) or mu* (Morris): ``name`` (field path), ``label`` (in words), and ``S1``,
    ``S1_conf``, ``ST``, ``ST_conf`` or ``mu_star``, ``mu_star_conf``, ``sigma``, ``mu``.
    """

    method: str
    model: str
    scenario_name: str
    n: int
    seed: int
    evaluations: int
    names: list[str]
    labels: list[str]
    issue_ids: list[str]
    indices: dict[str, list[dict[str, Any]]]
    output_sd: dict[str, float]
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    variant: str | None = None
    version: str = ""
    input_sha256: str = ""

    def __repr__(self) -> str:
        top = self.overall()[:1]
        lead = f"; most important: {top[0]['label']}" if top else ""
        return (f"<SensitivityResult {self.method} of {self.model} on {self.scenario_name!r}: {len(self.names)} "
                f"inputs, {len(self.issue_ids)} issues, {self.evaluations:,} evaluations{lead}>")

    @property
    def given(self) -> str | None:
        """``"a deal"`` for the war model: its indices are those of the terms given a deal (the
        bottom line's reading of the war model, :meth:`ModelSpec.read`); else ``None``."""
        from detente.models import registry

        return registry.get(self.model).given if self.model in registry.names() else None

    @property
    def key(self) -> str:
        """The index inputs are ranked by."""
        return "ST" if self.method == "sobol" else "mu_star"

    def ranked(self, issue: str) -> list[dict[str, Any]]:
        return self.indices[issue]

    def overall(self) -> list[dict[str, Any]]:
        """Inputs ranked by their largest index over issues (Morris: mu* relative to the issue's sd)."""
        best: dict[str, float] = {}
        for issue, rows in self.indices.items():
            sd = self.output_sd[issue] or 1.0
            for r in rows:
                v = r[self.key] if self.method == "sobol" else r[self.key] / sd
                v = 0.0 if v is None or not np.isfinite(v) else float(v)
                best[r["name"]] = max(best.get(r["name"], 0.0), v)
        label = dict(zip(self.names, self.labels))
        order = sorted(best, key=lambda k: -best[k])
        return [{"name": k, "label": label[k], "score": best[k]} for k in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "model": self.model,
            "variant": self.variant,
            "given": self.given,
            "options": self.options,
            "version": self.version,
            "input_sha256": self.input_sha256,
            "scenario": self.scenario_name,
            "n": self.n,
            "seed": self.seed,
            "evaluations": self.evaluations,
            "inputs": [{"name": n, "label": lab} for n, lab in zip(self.names, self.labels)],
            "output_sd": self.output_sd,
            "indices": self.indices,
            "overall": self.overall(),
            "notes": self.notes,
        }


MAX_N = 65_536
"""The largest base sample size (Sobol: 65,536 x (inputs + 2) evaluations; the web page allows 4,096)."""
MAX_REPLICATIONS = 10_000
"""The most runs of each design point of a noisy model (the war model's default is 32)."""
MAX_RESAMPLES = 10_000
"""The most bootstrap resamples of SALib's confidence intervals (``num_resamples``)."""


def label_of(scenario: Scenario, name: str) -> str:
    """A field path of :func:`input_space` in words, e.g. 'salience of Russia on territory'."""
    import re

    m = re.fullmatch(r"stances\[(\d+)\]\.(\w+)", name)
    if m:
        st = scenario.stances[int(m.group(1))]
        return f"{m.group(2)} of {scenario.actor(st.actor).label} on {scenario.issue(st.issue).label}"
    m = re.fullmatch(r"actors\[(\d+)\]\.(\w+)", name)
    if m:
        return f"{m.group(2)} of {scenario.actors[int(m.group(1))].label}"
    m = re.fullmatch(r"issues\[(\d+)\]\.(\w+)", name)
    if m:
        return f"{m.group(2).replace('_', ' ')} of {scenario.issues[int(m.group(1))].label}"
    if name.startswith("war.") and scenario.war is not None:
        return "war: " + _war_label(scenario, name[4:])
    if name == "analyst" and scenario.analysts:
        return "analyst (whose view a draw takes)"
    return name


def _war_label(scenario: Scenario, path: str) -> str:
    """A war input in words (:data:`detente.scenario.war.INPUT_WORDS`): a side by the name the war
    block gives it, else by its actors (the first two, and how many more); a ratifier by its name,
    a commitment by its issue, a shock by its month.

    >>> from detente.scenario.model import Scenario
    >>> s = Scenario.model_validate({"name": "s", "actors": [{"id": "R", "name": "Russia"}, {"id": "U"}],
    ...     "issues": [{"id": "t"}], "stances": [{"actor": "R", "issue": "t", "position": 90},
    ...     {"actor": "U", "issue": "t", "position": 10}],
    ...     "war": {"sides": {"A": {"actors": ["R"]}, "B": {"actors": ["U"], "ratifiers": [{"margin": 0.1}]}}}})
    >>> _war_label(s, "sides.A.prior_win"), _war_label(s, "sides.B.ratifiers[0].margin")
    ("side A (Russia): belief that it wins a month's battle", 'side B (U), ratifier 1: margin it demands over its expected war outcome')
    >>> _war_label(s, "battlefield.p_battle"), _war_label(s, "battlefield.force_B")
    ("chance that side A (Russia) wins a month's battle", 'force of side B (U)')
    """
    import re

    from detente.scenario.war import INPUT_WORDS

    war = scenario.war if isinstance(scenario.war, dict) else {}
    sides = war.get("sides", {})
    parts = [p for p in path.split(".") if p != "sides"]
    where = []
    node: Any = war
    for k, part in enumerate(parts[:-1]):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if m:  # a ratifier by its name, a commitment by its issue, a shock by its month
            items = (node.get(m.group(1)) if isinstance(node, dict) else None) or []
            node = items[int(m.group(2))] if int(m.group(2)) < len(items) else {}
            node = node if isinstance(node, dict) else {}
            what = f"{m.group(1).rstrip('s')} {int(m.group(2)) + 1}"
            if node.get("name") or node.get("actor") in scenario.actor_ids:
                what = node.get("name") or scenario.actor(node["actor"]).label
            elif node.get("issue") in scenario.issue_ids:
                what += f" on {scenario.issue(node['issue']).label}"
            elif "month" in node:
                what += f" (month {node['month']}, {str(node.get('what', '')).replace('_', ' ')})"
            where.append(what)
        elif part == "limits" and k == len(parts) - 2 and parts[-1] in scenario.issue_ids:
            return f"{', '.join(where)}: limit on {scenario.issue(parts[-1]).label}"
        elif part in sides:
            node = sides[part]
            where.append(_side(scenario, sides, part))
        elif part == "battlefield":
            node = war.get("battlefield") or {}
            continue  # "chance that side A (...) wins a month's battle" says it
        else:
            node = node.get(part) if isinstance(node, dict) else {}
            where.append(part.replace("_", " "))
    last = parts[-1] if parts else path
    what = INPUT_WORDS.get(last, last.replace("_", " "))
    if not where:  # a battlefield input names a side in its words: name it as the sides' inputs do
        what = re.sub(r"\bside ([AB])\b", lambda m: _side(scenario, sides, m.group(1)), what)
    return f"{', '.join(where)}: {what}" if where else what


def _side(scenario: Scenario, sides: dict[str, Any], side: str) -> str:
    """``side A (Russia)``: by the name the war block gives it, else its actors (the first two, and
    how many more)."""
    node = sides.get(side) if isinstance(sides.get(side), dict) else {}
    names = [scenario.actor(a).label for a in node.get("actors", []) if a in scenario.actor_ids]
    shown = node.get("name") or ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
    return f"side {side}" + (f" ({shown})" if shown else "")


def _unit_ranges(space: InputSpace) -> tuple[np.ndarray, np.ndarray]:
    """Per input, the part of [0, 1] that the design covers (normals: mean +- 4 sd)."""
    lo, hi = np.zeros(len(space)), np.ones(len(space))
    nor = space.kind == 2
    if nor.any():
        from scipy.special import ndtr  # only for normals: scipy.special costs 0.3 s to import

        mu, sd = space.a[nor], np.where(space.b[nor] > 0, space.b[nor], 1.0)
        with np.errstate(over="ignore"):  # a capability's open upper bound over a small sd: +inf, F = 1
            fa = ndtr((space.lower[nor] - mu) / sd)
            fb = ndtr((space.upper[nor] - mu) / sd)
        b = space.bounds()[nor]
        width = np.where(fb > fa, fb - fa, 1.0)
        lo[nor] = (ndtr((b[:, 0] - mu) / sd) - fa) / width
        hi[nor] = (ndtr((b[:, 1] - mu) / sd) - fa) / width
    return lo, hi


FLAGS = {"n": "--samples", "method": "--method", "seed": "--seed"}
"""The arguments of :func:`sensitivity` that problems name, and the options of ``detente
sensitivity`` they are."""


def sensitivity(
    scenario: Scenario,
    model: str,
    *,
    method: str | None = None,
    n: int | None = None,
    seed: int = DEFAULT_SEED,
    options: dict[str, Any] | None = None,
    variant: str | None = None,
    num_resamples: int = 100,
    replications: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Sobol or Morris indices of every uncertain input on every issue's forecast.

    ``method`` defaults to Sobol up to 20 inputs, Morris above. ``n`` is SALib's base sample size
    (Sobol: rounded up to a power of two; Morris: the number of trajectories).

    For models whose forecast is one random path per draw (``ModelSpec.noisy``: the war model),
    the model's own randomness would swamp the inputs' effects, so each design point is run
    ``replications`` times (default 32) and the indices are those of the mean forecast.

    ``progress(done_points, design_points)`` is called as chunks of design points finish.
    """
    from detente.errors import require
    from detente.runner import check_count, check_model_name, check_seed, revalidate

    scenario = revalidate(scenario)  # changed in Python after loading: checked again, as by run
    check_model_name(model, "sensitivity")
    seed = check_seed(seed)  # a plain int: SALib refuses NumPy's integers
    if n is not None:
        n = check_count(n, "n", least=2, most=MAX_N)
    if replications is not None:
        replications = check_count(replications, "replications", most=MAX_REPLICATIONS)
    num_resamples = check_count(num_resamples, "num_resamples", most=MAX_RESAMPLES)  # SALib's bootstrap

    require("SALib", "sensitivity")
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    space, _, _ = input_space(scenario)
    k = len(space)
    if k == 0:
        raise InputError.one(
            scenario.meta.get("file"),
            "the scenario has no uncertain inputs, so there is nothing to rank: give ranges to the "
            "numbers you are unsure of, e.g. capability: {low: 2, high: 5} or salience: {mode: 0.6, low: 0.4, high: 0.9}",
        )
    method = method or ("sobol" if k <= SOBOL_MAX_INPUTS else "morris")
    if method not in ("sobol", "morris"):
        raise InputError.one(None, "unknown sensitivity method; use sobol or morris", field="method", value=method)
    n = int(n or DEFAULT_N[method])
    if n < 2:
        raise InputError.one(None, "the sample size must be at least 2", field="n", value=n)
    if method == "sobol":
        n = 1 << (n - 1).bit_length()  # Sobol sequences want a power of two
    names = list(space.names)
    labels = [label_of(scenario, nm) for nm in names]
    problem = {"num_vars": k, "names": names, "bounds": [[0.0, 1.0]] * k}

    if method == "sobol":
        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        X = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    lo, hi = _unit_ranges(space)
    U = lo + X * (hi - lo)

    spec = registry.get(model)
    merged = dict(scenario.model_options.get(model, {}))
    merged.update(options or {})
    opts = spec.make_options(merged, variant=variant)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    reps = int(replications if replications is not None else (32 if spec.noisy else 1))
    if reps < 1:
        raise InputError.one(None, "must be at least 1", field="replications", value=reps)
    step = max(CHUNK // reps, 1)
    parts = []
    if progress is not None:
        progress(0, U.shape[0])
    for i in range(0, U.shape[0], step):
        parts.append(_mean_forecast(spec, scenario, np.repeat(U[i:i + step], reps, axis=0), opts, rng, reps))
        if progress is not None:
            progress(min(i + step, U.shape[0]), U.shape[0])
    Y = np.concatenate(parts)  # (evaluations, issues)

    indices: dict[str, list[dict[str, Any]]] = {}
    output_sd: dict[str, float] = {}
    notes: list[str] = []
    for j, issue in enumerate(scenario.issue_ids):
        y = Y[:, j]
        named = scenario.issue(issue).label  # the notes name the issue as the tables do
        bad = ~np.isfinite(y)
        if bad.any():
            notes.append(f"{named}: {int(bad.sum())} of {y.size} evaluations gave no forecast; "
                         "they were replaced by the mean of the others")
            y = np.where(bad, np.nanmean(y) if (~bad).any() else 0.0, y)
        sd = float(np.std(y))
        output_sd[issue] = sd
        flat = sd <= 1e-12 * max(1.0, float(np.max(np.abs(y))))
        if flat:
            notes.append(f"{named}: the forecast does not vary with any uncertain input")
        rows: list[dict[str, Any]] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "sobol":
                if flat:
                    S = {key: np.zeros(k) for key in ("S1", "S1_conf", "ST", "ST_conf")}
                else:
                    S = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                              seed=seed, print_to_console=False)
                for q in range(k):
                    rows.append({"name": names[q], "label": labels[q],
                                 **{key: _f(S[key][q]) for key in ("S1", "S1_conf", "ST", "ST_conf")}})
            else:
                if flat:
                    S = {key: np.zeros(k) for key in ("mu", "mu_star", "sigma", "mu_star_conf")}
                else:
                    S = morris_analyze.analyze(problem, X, y, num_resamples=num_resamples, num_levels=4,
                                               seed=seed, print_to_console=False)
                for q in range(k):
                    rows.append({"name": names[q], "label": labels[q],
                                 **{key: _f(S[key][q]) for key in ("mu_star", "mu_star_conf", "sigma", "mu")}})
        key = "ST" if method == "sobol" else "mu_star"
        rows.sort(key=lambda r: -(r[key] if r[key] is not None else -np.inf))
        indices[issue] = rows

    if reps > 1:
        of = (f"the mean terms given {spec.given} (over the runs that end in one)" if spec.given
              else "the mean forecast")
        notes.append(f"the model is stochastic: each of the {U.shape[0]} design points was run {reps} times "
                     f"and the indices are those of {of}")
    return SensitivityResult(
        method=method, model=model, scenario_name=scenario.name, n=n, seed=int(seed),
        evaluations=int(U.shape[0]), names=names, labels=labels, issue_ids=list(scenario.issue_ids),
        indices=indices, output_sd=output_sd, options=opts.model_dump(mode="json"), notes=notes,
        variant=variant, version=__version__, input_sha256=scenario_hash(scenario),
    )


def _mean_forecast(spec: Any, scenario: Scenario, U: np.ndarray, opts: Any, rng: np.random.Generator,
                   reps: int) -> np.ndarray:
    """The model's forecast at each design point, averaged over ``reps`` consecutive replications
    (the war model: the terms given a deal, averaged over the replications that end in one; NaN
    where none does)."""
    f = spec.read(spec.run(ScenarioArrays.from_values(scenario, U), opts, rng))
    if reps == 1:
        return f
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN points stay NaN
        return np.nanmean(f.reshape(-1, reps, f.shape[-1]), axis=1)


def _f(v: Any) -> float | None:
    v = float(v)
    return round(v, 10) if np.isfinite(v) else None
