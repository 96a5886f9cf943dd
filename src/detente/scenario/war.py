"""The scenario's ``war:`` block: a pydantic schema, validation with clear locations, and the
collector that turns its uncertain numbers into per-draw parameters.

Conventions (used everywhere in :mod:`detente.models.war`):

* two sides, ``A`` and ``B``, each a coalition of scenario actors;
* ``x`` in [0, 1] is **A's share of the stakes** (Fearon 1995; ``neighbours.md`` §3): x = 1 means A
  gets its positions on every issue, x = 0 means B gets its positions;
* ``p_battle`` is the (true) probability that **A** wins a month's battle; each side's
  ``prior_win`` is that side's belief that **it** wins a battle (so B's belief about p_battle is
  ``1 - sides.B.prior_win``); ``prior_win_A + prior_win_B > 1`` is mutual optimism;
* costs are shares of the stakes per month.

Numbers an analyst is unsure of accept every uncertain form of
:mod:`detente.scenario.uncertain` (a number, ``{low, high}``, ``{mode, low, high}``,
``{mean, sd}``) and are sampled per draw under names like ``"war.sides.A.prior_win"``.

>>> block = {"sides": {"A": {"actors": ["R"], "prior_win": 0.6},
...                    "B": {"actors": ["U"], "prior_win": {"low": 0.45, "high": 0.6}}},
...          "battlefield": {"kind": "random_walk", "forts": 10, "start": 5, "p_battle": 0.55}}
>>> w = validate_war_block(block)
>>> w.months, w.battlefield.forts, w.bargaining.rule
(60, 10, 'nash')
>>> war_problems({**block, "months": 0}, ["R", "U"], ["x"])
['war.months: must be at least 1 (got 0)']
>>> war_problems(block, ["R"], ["x"])
["war.sides.B.actors[0]: unknown actor id (got 'U')"]
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detente.errors import written
from detente.scenario.model import Evidence
from detente.scenario.uncertain import Uncertain, bounds_of


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_bools(cls, data: Any) -> Any:  # `months: yes` was read as 1 month
        from detente.scenario.messages import no_bools_for_whole_numbers

        return no_bools_for_whole_numbers(cls, data)


_BIG = 1e12


def _within(name: str, v: Any, lo: float, hi: float, *, open_lo: bool = False, open_hi: bool = False) -> None:
    """Raise ValueError when an (uncertain) number can leave [lo, hi] (or the open interval)."""
    if v is None:
        return
    a, b = bounds_of(v)
    bad = (a <= lo if open_lo else a < lo) or (b >= hi if open_hi else b > hi)
    if bad:
        lb = "(" if open_lo else "["
        rb = ")" if open_hi else "]"
        shown = f"{a:g}" if a == b else f"{a:g}..{b:g}"
        what = "must" if name == "value" else f"{name}: must"
        if hi >= _BIG:
            raise ValueError(f"{what} be {'>' if open_lo else '>='} {lo:g} (got {shown})")
        raise ValueError(f"{what} lie in {lb}{lo:g}, {hi:g}{rb} (got {shown})")



def _in(lo: float, hi: float, open_lo: bool = False, open_hi: bool = False) -> AfterValidator:
    def check(v: Any) -> Any:
        _within("value", v, lo, hi, open_lo=open_lo, open_hi=open_hi)
        return v

    return AfterValidator(check)


Share = Annotated[Uncertain, _in(0, 1)]  # [0, 1]
OpenProb = Annotated[Uncertain, _in(0, 1, True, True)]  # (0, 1)
Positive = Annotated[Uncertain, _in(0, _BIG, open_lo=True)]  # > 0
NonNeg = Annotated[Uncertain, _in(0, _BIG)]  # >= 0


class Ratifier(_Strict):
    """A domestic veto player of one side (Putnam 1988's Level II): it ratifies a deal only inside
    its win-set.

    * ``floor``: the least share x of the stakes (for its own side) it ratifies, on A's-share scale
      converted for B as 1 - x (i.e. for side B, ``floor`` is the least share *of B*);
    * ``limits``: per issue, the furthest point toward the opponent's position it ratifies (e.g.
      the US Congress accepts sanctions relief up to 30 on a 0-100 scale);
    * ``margin``: Putnam's reversion point is continued war "with its expected cost": the ratifier
      compares a deal with its side's war value (the war outcome the side expects less the costs of
      fighting) and demands ``margin`` more (a hawkish legislature, a two-thirds rule); this
      win-set moves with the battlefield;
    * ``bears_costs``: ``false`` for a ratifier that does not count the costs of fighting (a pro-war
      establishment that does not pay them): its reversion point is the expected war outcome alone.
    Win-set of the side = intersection over its ratifiers (``neighbours.md`` §3.5).
    """

    actor: str | None = Field(None, description="scenario actor id (a label; optional)")
    name: str | None = None
    floor: Share | None = Field(None, description="least share of the stakes for its side it ratifies")
    limits: dict[str, Uncertain] = Field(default_factory=dict,
                                         description="per issue: furthest point toward the opponent it ratifies")
    margin: Annotated[Uncertain, _in(-1, 1)] | None = Field(
        None, description="ratifies only deals giving its side at least its war value (its expected war outcome, "
                          "as the side believes, less the costs of fighting) plus this margin; the win-set moves "
                          "with the war")
    bears_costs: bool = Field(True, description="with margin: false for a ratifier that does not count the costs "
                                                "of fighting (its reversion point is the expected war outcome alone)")
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "Ratifier":
        if self.floor is None and not self.limits and self.margin is None:
            raise ValueError("a ratifier needs a floor, limits or a margin")
        return self


class Commitment(_Strict):
    """A public commitment (red line, draft-treaty demand) with its audience cost (Fearon 1994).

    Settling short of ``demand`` on ``issue`` costs the leader ``audience_cost`` x the shortfall
    (as a share of the distance between the sides' positions on that issue), in units of the stakes.
    """

    issue: str
    demand: Uncertain
    audience_cost: NonNeg = 1.0
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class Side(_Strict):
    """One belligerent (a coalition of scenario actors) and what it brings to the war."""

    name: str | None = None
    actors: list[str] = Field(min_length=1)
    prior_win: OpenProb = Field(0.5, description="the side's prior belief that it wins a month's battle")
    confidence: Positive = Field(10.0, description="weight of the prior in pseudo-battles (Beta a + b)")
    memory: Annotated[Uncertain, _in(0, 1, open_lo=True)] = Field(1.0, description="forgetting factor of beliefs per month (1 = none)")
    cost: NonNeg = Field(0.01, description="cost of a month's fighting, share of the stakes")
    cost_horizon: NonNeg = Field(12.0, description="months of fighting the side weighs against a deal")
    discount: OpenProb = Field(0.95, description="monthly discount factor (Rubinstein)")
    collapse_hazard: Share = Field(0.0, description="probability per month that the side collapses")
    bargaining_power: Positive = Field(1.0, description="weight in the (asymmetric) Nash solution")
    ratifiers: list[Ratifier] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)



class RandomWalk(_Strict):
    """Front line as a random walk over ``forts`` positions with absorbing ends (Smith & Stam 2004;
    Slantchev 2003): position k in 0..forts, A wins a battle (k + 1) with probability ``p_battle``,
    total victory of A at k = forts, of B at k = 0."""

    kind: Literal["random_walk"] = "random_walk"
    forts: int = Field(10, ge=2, le=400)
    start: Uncertain | None = Field(None, description="A's initial position (default forts / 2)")
    p_battle: Share = Field(0.5, description="true probability that A wins a month's battle")
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "RandomWalk":
        _within("start", self.start, 1, self.forts - 1)
        return self


class Lanchester(_Strict):
    """Lanchester square-law attrition driving the front line (Lanchester 1916; ``neighbours.md`` §3.4).

    Forces attrit monthly, dA = -beta B + r_A, dB = -alpha A + r_B; A wins a month's battle with
    probability alpha A^2 / (alpha A^2 + beta B^2) (the ratio of square-law fighting strengths); the
    front moves as in the random walk; a side whose force falls below ``breakpoint`` x its initial
    force loses the war."""

    kind: Literal["lanchester"]
    forts: int = Field(10, ge=2, le=400)
    start: Uncertain | None = None
    force_A: Positive = 1.0
    force_B: Positive = 1.0
    effectiveness_A: NonNeg = Field(0.02, description="alpha: B's losses per unit of A per month")
    effectiveness_B: NonNeg = Field(0.02, description="beta: A's losses per unit of B per month")
    reinforcement_A: NonNeg = 0.0
    reinforcement_B: NonNeg = 0.0
    breakpoint_A: Share = 0.3
    breakpoint_B: Share = 0.3
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "Lanchester":
        _within("start", self.start, 1, self.forts - 1)
        return self


Battlefield = Annotated[Union[RandomWalk, Lanchester], Field(discriminator="kind")]

SHOCKABLE = ("p_battle", "cost", "collapse_hazard", "discount", "force", "reinforcement", "effectiveness")

INPUT_WORDS = {
    "prior_win": "belief that it wins a month's battle",
    "confidence": "confidence in its belief about the battles",
    "memory": "memory of its beliefs",
    "cost": "cost of a month's fighting",
    "cost_horizon": "months of fighting it weighs against a deal",
    "discount": "monthly discount factor",
    "collapse_hazard": "monthly chance of collapse",
    "bargaining_power": "bargaining power",
    "floor": "least share it ratifies",
    "margin": "margin it demands over its expected war outcome",
    "demand": "demand",
    "audience_cost": "audience cost of settling short",
    "start": "starting front line",
    "p_battle": "chance that side A wins a month's battle",
    "force_A": "force of side A", "force_B": "force of side B",
    "effectiveness_A": "effectiveness of side A", "effectiveness_B": "effectiveness of side B",
    "reinforcement_A": "monthly reinforcement of side A", "reinforcement_B": "monthly reinforcement of side B",
    "breakpoint_A": "breakpoint of side A", "breakpoint_B": "breakpoint of side B",
    "delta": "change", "value": "value",
}
"""The war block's uncertain inputs in words, for the tables that rank them (sensitivity, levers,
``--explain``): "belief that it wins a month's battle", not "prior win"."""


class Shock(_Strict):
    """A scheduled change from ``month`` on (aid package, sanctions, mobilisation...).

    ``what``: p_battle (the named side's chance of winning a battle), cost, collapse_hazard,
    discount (of the named side), or for Lanchester battlefields force (a one-off addition),
    reinforcement, effectiveness. Give ``delta`` (added) or ``value`` (set)."""

    month: int = Field(ge=0)
    side: Literal["A", "B"]
    what: Literal["p_battle", "cost", "collapse_hazard", "discount", "force", "reinforcement", "effectiveness"]
    delta: Uncertain | None = None
    value: Uncertain | None = None
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "Shock":
        if (self.delta is None) == (self.value is None):
            raise ValueError("give exactly one of delta or value")
        return self


class Bargaining(_Strict):
    """How terms are set inside the feasible range: ``nash`` (asymmetric Nash solution, weights =
    bargaining_power) or ``rubinstein`` (alternating offers with discounting and outside options);
    ``proposer`` for Rubinstein: A, B or average (each proposes with probability 1/2)."""

    rule: Literal["nash", "rubinstein"] = "nash"
    proposer: Literal["A", "B", "average"] = "average"
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class Terms(_Strict):
    """How A's share x maps onto the scenario's issues.

    ``linear``: every issue at b_i + x (a_i - b_i) (a_i, b_i = the sides' positions);
    ``salience``: efficient issue linkage - A gets the issues it values most relative to B first
    (a logroll along the Pareto frontier of linear utilities)."""

    mapping: Literal["linear", "salience"] = "linear"
    issues: list[str] | None = Field(None, description="issues the settlement covers (default: all)")
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class WarInputs(_Strict):
    """The ``war:`` block of a scenario."""

    months: int = Field(60, ge=1, le=600)
    sides: dict[Literal["A", "B"], Side]
    battlefield: Battlefield = Field(default_factory=RandomWalk)
    bargaining: Bargaining = Field(default_factory=Bargaining)
    terms: Terms = Field(default_factory=Terms)
    shocks: list[Shock] = Field(default_factory=list)
    note: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)

    @field_validator("battlefield", mode="before")
    @classmethod
    def _default_kind(cls, v: Any) -> Any:
        if isinstance(v, dict) and "kind" not in v:
            return {"kind": "random_walk", **v}
        return v

    @model_validator(mode="after")
    def _two_sides(self) -> "WarInputs":
        if set(self.sides) != {"A", "B"}:
            raise ValueError("sides needs exactly A and B")
        lanchester_only = {"force", "reinforcement", "effectiveness"}
        for k, s in enumerate(self.shocks):
            if s.what in lanchester_only and self.battlefield.kind != "lanchester":
                raise ValueError(f"shocks[{k}]: what={s.what!r} needs battlefield kind lanchester")
            if s.what == "p_battle" and self.battlefield.kind != "random_walk":
                raise ValueError(f"shocks[{k}]: what='p_battle' needs battlefield kind random_walk "
                                 "(under lanchester shock force, reinforcement or effectiveness)")
        return self


def validate_war_block(data: dict) -> WarInputs:
    """Validate a raw ``war:`` block (pydantic ValidationError locations are relative to it)."""
    return WarInputs.model_validate(data)


def _loc(loc: tuple) -> str:
    out = "war"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in {"float", "Uniform", "Triangular", "Normal", "Mixture", "function-after",
                           "function-before", "random_walk", "lanchester"}:
            continue
        else:
            out += f".{part}"
    return out


def war_problems(data: Any, actor_ids: list[str], issue_ids: list[str],
                 scales: dict[str, tuple[float, float]] | None = None) -> list[str]:
    """Problems of a raw ``war:`` block as ``"war.path: message (got value)"`` lines (empty if valid):
    schema errors, then unknown actor and issue ids, then (given the issues' ``scales``, id: (min,
    max)) demands and ratification limits off their issue's scale.

    >>> block = {"sides": {"A": {"actors": ["R"], "commitments": [{"issue": "x", "demand": 500}]},
    ...                    "B": {"actors": ["U"], "ratifiers": [{"limits": {"x": {"low": 80, "high": 120}}}]}}}
    >>> for line in war_problems(block, ["R", "U"], ["x"], {"x": (0, 100)}):
    ...     print(line)
    war.sides.A.commitments[0].demand: 500 is off the scale of issue 'x' [0, 100]
    war.sides.B.ratifiers[0].limits.x: 80..120 is off the scale of issue 'x' [0, 100]
    """
    if not isinstance(data, dict):
        return [f"war: expected a mapping (got {type(data).__name__})"]
    out: list[str] = []
    try:
        validate_war_block(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            from detente.scenario.messages import plain_message

            msg = plain_message(err, root=WarInputs)
            if tuple(err["loc"]) == ("sides",) and err["type"] == "dict_type":
                msg = "expected the two sides by their keys A and B: {A: {name: ..., actors: [...]}, B: {...}}"
            val = err.get("input")
            if err["type"] != "missing" and not isinstance(val, (dict, list)) and "(got " not in msg:
                msg += f" (got {written(val)})"
            loc = tuple(err["loc"])
            m = re.match(r"^([A-Za-z_]\w*): (.*)$", msg, re.S)
            if m and err["type"] == "value_error":  # a model-level check naming its field
                loc, msg = loc + (m.group(1),), m.group(2)
            line = f"{_loc(loc)}: {msg}"
            if line not in out:
                out.append(line)
    # the references and scales are checked on the raw block: also where the schema failed, so that
    # one pass reports every problem
    actors, issues = set(actor_ids), set(issue_ids)
    terms = data.get("terms") if isinstance(data.get("terms"), dict) else {}
    covered = ({i for i in terms["issues"] if isinstance(i, str)} if isinstance(terms.get("issues"), list)
               else None)
    uncovered = ("the settlement does not cover this issue (it is not in war.terms.issues): a demand or limit "
                 "there would constrain every deal while the issue stays where it is")
    sides = data.get("sides") if isinstance(data.get("sides"), dict) else {}
    members: dict[str, set[str]] = {}
    for sid, side in sides.items():
        if not isinstance(side, dict):
            continue
        base = f"war.sides.{sid}"
        members[sid] = {a for a in _items(side.get("actors")) if isinstance(a, str)}
        for k, a in enumerate(_items(side.get("actors"))):
            if isinstance(a, str) and a not in actors:
                out.append(f"{base}.actors[{k}]: unknown actor id (got {a!r})")
        for k, r in enumerate(_items(side.get("ratifiers"))):
            if not isinstance(r, dict):
                continue
            a = r.get("actor")
            if isinstance(a, str) and a not in actors:
                out.append(f"{base}.ratifiers[{k}].actor: unknown actor id (got {a!r})")
            for i, v in (r.get("limits") if isinstance(r.get("limits"), dict) else {}).items():
                if i not in issues:
                    out.append(f"{base}.ratifiers[{k}].limits: unknown issue id (got {i!r})")
                elif covered is not None and i not in covered:
                    out.append(f"{base}.ratifiers[{k}].limits.{i}: {uncovered}")
                else:
                    out += _off_scale(f"{base}.ratifiers[{k}].limits.{i}", v, i, scales)
        for k, c in enumerate(_items(side.get("commitments"))):
            if not isinstance(c, dict) or not isinstance(c.get("issue"), str):
                continue
            if c["issue"] not in issues:
                out.append(f"{base}.commitments[{k}].issue: unknown issue id (got {c['issue']!r})")
            elif covered is not None and c["issue"] not in covered:
                out.append(f"{base}.commitments[{k}].issue: {uncovered} (got {c['issue']!r})")
            elif "demand" in c:
                out += _off_scale(f"{base}.commitments[{k}].demand", c["demand"], c["issue"], scales)
    shared = members.get("A", set()) & members.get("B", set())
    if shared:
        out.append(f"war.sides.B.actors: actors on both sides (got {sorted(shared)!r})")
    for k, i in enumerate(_items(terms.get("issues"))):
        if isinstance(i, str) and i not in issues:
            out.append(f"war.terms.issues[{k}]: unknown issue id (got {i!r})")
    return out


def _items(v: Any) -> list[Any]:
    """``v`` when it is a list (as the block should hold), else nothing to check."""
    return v if isinstance(v, list) else []


@functools.cache
def _uncertain() -> Any:
    """pydantic's reader of one uncertain number (built on first use)."""
    from pydantic import TypeAdapter

    return TypeAdapter(Uncertain)


def _off_scale(where: str, value: Any, issue: str, scales: dict[str, tuple[float, float]] | None) -> list[str]:
    """``["where: 500 is off the scale of issue 'x' [0, 100]"]`` when ``value`` (or its range) can
    leave the issue's scale, else ``[]``."""
    if not scales or issue not in scales:
        return []
    lo, hi = scales[issue]
    try:
        a, b = bounds_of(_uncertain().validate_python(value))
    except (ValidationError, TypeError, ValueError):  # not a number: the schema check says so
        return []
    if lo <= a and b <= hi:
        return []
    shown = f"{a:g}" if a == b else f"{a:g}..{b:g}"
    return [f"{where}: {shown} is off the scale of issue {issue!r} [{lo:g}, {hi:g}]"]


def war_parameters(w: WarInputs) -> list[tuple[str, Any, tuple[float, float]]]:
    """Every number of the block that may be uncertain, as (name, value or distribution, bounds)."""
    out: list[tuple[str, Any, tuple[float, float]]] = []
    inf = float("inf")
    eps = 1e-9
    for sid, s in sorted(w.sides.items()):
        b = f"war.sides.{sid}"
        out += [
            (f"{b}.prior_win", s.prior_win, (eps, 1 - eps)),
            (f"{b}.confidence", s.confidence, (eps, inf)),
            (f"{b}.memory", s.memory, (eps, 1.0)),
            (f"{b}.cost", s.cost, (0.0, inf)),
            (f"{b}.cost_horizon", s.cost_horizon, (0.0, inf)),
            (f"{b}.discount", s.discount, (eps, 1 - eps)),
            (f"{b}.collapse_hazard", s.collapse_hazard, (0.0, 1.0)),
            (f"{b}.bargaining_power", s.bargaining_power, (eps, inf)),
        ]
        for k, r in enumerate(s.ratifiers):
            if r.floor is not None:
                out.append((f"{b}.ratifiers[{k}].floor", r.floor, (0.0, 1.0)))
            if r.margin is not None:
                out.append((f"{b}.ratifiers[{k}].margin", r.margin, (-1.0, 1.0)))
            for i, v in r.limits.items():
                out.append((f"{b}.ratifiers[{k}].limits.{i}", v, (-inf, inf)))
        for k, c in enumerate(s.commitments):
            out.append((f"{b}.commitments[{k}].demand", c.demand, (-inf, inf)))
            out.append((f"{b}.commitments[{k}].audience_cost", c.audience_cost, (0.0, inf)))
    bf = w.battlefield
    start = bf.start if bf.start is not None else bf.forts / 2
    out.append(("war.battlefield.start", start, (1.0, bf.forts - 1.0)))
    if isinstance(bf, RandomWalk):
        out.append(("war.battlefield.p_battle", bf.p_battle, (0.0, 1.0)))
    else:
        for n in ("force_A", "force_B", "effectiveness_A", "effectiveness_B", "reinforcement_A",
                  "reinforcement_B"):
            out.append((f"war.battlefield.{n}", getattr(bf, n), (0.0, inf)))
        out.append(("war.battlefield.breakpoint_A", bf.breakpoint_A, (0.0, 1.0)))
        out.append(("war.battlefield.breakpoint_B", bf.breakpoint_B, (0.0, 1.0)))
    for k, sh in enumerate(w.shocks):
        if sh.delta is not None:
            out.append((f"war.shocks[{k}].delta", sh.delta, (-inf, inf)))
        else:
            out.append((f"war.shocks[{k}].value", sh.value, (-inf, inf)))
    return out


_NOT_ESTIMATES = frozenset({"kind", "months", "month", "forts", "actors", "name", "actor", "issue", "side", "what",
                            "note", "evidence", "ratifiers", "commitments"})
"""Fields of the war block that are choices, counts or names (the horizon, a shock's month, the
number of positions of the front), not estimates needing evidence."""


def unsupported_war_numbers(w: WarInputs) -> list[str]:
    """Paths of the war block's numbers written without evidence at their own level (a side's
    beliefs and costs by the side's ``evidence``, a ratifier's, a commitment's, the battlefield's and
    a shock's by their own), as :func:`detente.scenario.model.unsupported_numbers` names the
    stances' numbers; defaults not written are not counted, nor the horizon ``months``.

    >>> w = validate_war_block({"sides": {"A": {"actors": ["R"], "cost": 0.01}, "B": {"actors": ["U"]}},
    ...                         "battlefield": {"p_battle": 0.6, "evidence": [{"quote": "q", "source": "s"}]}})
    >>> unsupported_war_numbers(w)
    ['war.sides.A.cost (side A)']
    """
    out: list[str] = []

    def written(where: str, part: BaseModel, label: str) -> None:
        if part.evidence:  # type: ignore[attr-defined]
            return
        out.extend(f"{where}.{name} ({label})" for name in type(part).model_fields  # in the class's order
                   if name in part.model_fields_set and name not in _NOT_ESTIMATES
                   and getattr(part, name) not in (None, {}))

    for sid, side in sorted(w.sides.items()):
        label = side.name or f"side {sid}"
        written(f"war.sides.{sid}", side, label)
        for k, r in enumerate(side.ratifiers):
            written(f"war.sides.{sid}.ratifiers[{k}]", r, r.name or r.actor or f"a ratifier of {label}")
        for k, c in enumerate(side.commitments):
            written(f"war.sides.{sid}.commitments[{k}]", c, f"{label}'s demand on {c.issue}")
    written("war.battlefield", w.battlefield, "the battlefield")
    for k, sh in enumerate(w.shocks):
        written(f"war.shocks[{k}]", sh, f"shock of month {sh.month}")
    return out


def collect_parameters(scenario: Any) -> list[tuple[str, Any, tuple[float, float]]]:
    """The :data:`detente.scenario.arrays.PARAMETER_SOURCES` collector (nothing without a war block)."""
    data = getattr(scenario, "war", None)
    if not data:
        return []
    try:
        return war_parameters(validate_war_block(data))
    except ValidationError:  # reported by Scenario validation / the war model, not while sampling
        return []
