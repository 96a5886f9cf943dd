"""Report pieces of the explanations (``Result.explain`` / ``Result.events``, :mod:`detente.explain`):

* winners and losers: a table per run and one bar chart for all runs ("who gains, who loses");
* pivotal actors ranked by how much the outcome depends on them (leave-one-out), with the median
  actor per issue;
* per-actor trajectories: drawn in the report's "<model> by round" chart, a panel per issue
  (:func:`detente.report.plots.plot_trajectories`), every actor in the same colour in every panel;
* "why X moved in round r": the reasons per round (challenges, bargains, exchanges);
* BDM's expected-utility perception plane (KTAB's quad map) of the most pivotal actor.

Figures are small and rendered at 80 dpi without constrained layout (cheap to write); figure
stems start with ``explain-`` so the page puts them in this section.
"""

from __future__ import annotations

import html
from typing import Any

from detente.result import Result
from detente.scenario.model import Scenario

DPI = 80
MAX_EVENT_ROWS = 400  # per run in the page; the JSON has all



def subset_text(piv: dict[str, Any], run_draws: int) -> str:
    """What the pivotal actors' draws are when they are fewer than the run's (the leave-one-out runs
    take its first draws only), so that their forecasts are not read as contradicting the table's.

    >>> subset_text({"draws_used": 100}, 300)
    " These are the first 100 of the run's 300 draws, so the forecasts here differ from the table's by Monte Carlo noise."
    >>> subset_text({"draws_used": 100}, 100)
    ''
    """
    if not run_draws or piv.get("draws_used", run_draws) >= run_draws:
        return ""
    return (f" These are the first {piv['draws_used']} of the run's {run_draws} draws, so the forecasts here differ "
            "from the table's by Monte Carlo noise.")

def actor_colour(actor_ids: list[str] | tuple[str, ...], actor: str) -> str:
    """The colour of ``actor`` in every chart of a report (by its place in the scenario, as in the
    trajectory charts of :mod:`detente.report.plots`)."""
    from detente.report.figmeta import ACTOR_PALETTE

    return ACTOR_PALETTE[list(actor_ids).index(actor) % len(ACTOR_PALETTE)] if actor in actor_ids else "#555555"


def _e(v: object) -> str:
    return html.escape(str(v), quote=True)


def _f(v: Any, nd: int = 3) -> str:
    """A utility, gain, share, cost or dependence: ``nd`` decimals, the same in a whole column
    (``1.230`` over ``0.026``; three significant digits read "1.23" over "0.0258").

    >>> _f(1.23), _f(0.02583), _f(-0.157), _f(None), _f(3)
    ('1.230', '0.026', '-0.157', '', '3')
    """
    return "" if v is None else f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _on_scale(v: Any, scenario: Scenario | None, issue: str) -> str:
    """A forecast or position in its issue's decimals, as ``detente run`` prints it."""
    from detente.report.tables import fmt

    if v is None:
        return ""
    try:
        return fmt(float(v), scenario.issue(issue)) if scenario is not None else f"{float(v):.4g}"
    except KeyError:
        return f"{float(v):.4g}"


def _share(p: Any) -> str:
    """A probability as a percentage, as everywhere (:func:`detente.report.tables.pct`: ``96 %``,
    one decimal under 10 %)."""
    from detente.report.tables import pct

    return "" if p is None else pct(float(p))


def _label(r: Result) -> str:
    from detente.report.tables import model_label

    return model_label(r)


# -- terminal -----------------------------------------------------------------------------------


def explain_tables(results: list[Result], scenario: Scenario | None = None) -> list[Any]:
    """Short Rich tables for ``detente run --explain``: who gains and loses, and the pivotal actors
    (named as in the scenario when it is given, as the charts beside them are)."""
    from rich.text import Text

    from detente.consoles import Table

    tables = []
    for r in results:
        ex = r.explain
        if not ex:
            continue
        rank = {row["actor"]: row for row in ex["pivotal"]["ranking"]}
        given = ex["pivotal"].get("given")
        depends = ("'depends on it': mean |forecast shift| / scale range when the actor is removed"
                   + (f" (the terms given {given})" if given else ""))
        if not has_gains(r):  # no status quo anywhere: only the pivotal actors mean something
            t = Table(title=f"Pivotal actors ({_label(r)})", title_justify="left", caption_justify="left")
            for c in ("actor", "depends on it", "rank"):
                t.add_column(c, justify="left" if c == "actor" else "right")
            for row in ex["pivotal"]["ranking"]:
                t.add_row(_name(scenario, row["actor"]), _f(row.get("dependence")), str(row.get("rank") or ""))
            t.caption = depends
            tables.append(t)
            tables.append(Text(NO_STATUS_QUO, style="dim"))
            continue
        at = f"the terms given {ex['utility']['given']}" if ex["utility"].get("given") else "the forecast"
        t = Table(title=f"Who gains, who loses ({_label(r)}): utility at {at} minus at the status quo",
                  title_justify="left", caption_justify="left")
        for c in ("actor", "gain", "80 % range", "P(gain)", "verdict", "depends on it", "rank"):
            t.add_column(c, justify="left" if c in ("actor", "verdict") else "right")
        for row in ex["utility"]["actors"]:
            rg = row.get("gain_p10_p90")
            pr = rank.get(row["actor"], {})
            t.add_row(_name(scenario, row["actor"]), _f(row["gain"]), "" if not rg else f"{_f(rg[0])} to {_f(rg[1])}",
                      _share(row["p_gain"]), row["verdict"], _f(pr.get("dependence")), str(pr.get("rank") or ""))
        without = ex["utility"].get("issues_without_status_quo") or []
        t.caption = f"utility: {ex['utility']['utility']}; {depends}" + (
            f"; left out (no status quo): {', '.join(without)}" if without else "")
        tables.append(t)
        if ex["utility"].get("note"):
            tables.append(Text(ex["utility"]["note"], style="dim"))
        tables += war_explain_tables(r, scenario)
    return tables


def direction(mu: float, mu_star: float) -> str:
    """Which way raising an input moves P(deal): the sign of Morris' mu when its effects mostly go
    one way (|mu| at least 0.8 mu*), else "either way" (the sign depends on the other inputs).

    >>> direction(-0.43, 0.44), direction(0.12, 0.125), direction(0.02, 0.2)
    ('lowers P(deal)', 'raises P(deal)', 'either way')
    """
    if mu_star <= 0 or abs(mu) < 0.8 * mu_star:
        return "either way"
    return "raises P(deal)" if mu > 0 else "lowers P(deal)"


def at_central(war: dict[str, Any]) -> str:
    """`` (with every estimate at its central value: 0 %)``: how much of the chance of a deal comes
    from the inputs' uncertainty; empty when not computed.

    >>> at_central({"at_central_estimates": {"p_deal_within_12_months": 0.0}})
    ' (with every estimate at its central value: 0 %)'
    """
    c = war.get("at_central_estimates") or {}
    v = c.get("p_deal_within_12_months")
    return "" if v is None else f" (with every estimate at its central value: {_share(v)})"


def war_explain_tables(r: Result, scenario: Scenario | None = None, top: int = 8) -> list[Any]:
    """The war model's part of ``--explain``: each side's share of the stakes (given a deal, at the
    status-quo line) and the cost of fighting until a deal; then the ``top`` war inputs that move
    P(deal within 12 months) most (Morris mu*, with the direction of the move), the sides named."""
    from detente.consoles import Table

    war = (r.explain or {}).get("war")
    if not war:
        return []
    names = {}
    if scenario is not None:
        from detente.models.war.endings import side_names

        names = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
    t = Table(title=f"War ({_label(r)}): each side's share of the stakes and its cost of fighting",
              title_justify="left", caption_justify="left",
              caption=f"{war['what']}; P(deal within 12 months) {_share(war['p_deal_within_12_months'])}"
                      f"{at_central(war)}" + (f"\n{war['terms_text']}" if war.get("terms_text") else ""))
    for c in ("side", "share given a deal", "at the status quo line", "expected share", "cost a month",
              "months to a deal", "cost until a deal"):
        t.add_column(c, justify="left" if c == "side" else "right")
    for sd in war["sides"]:
        t.add_row(f"{sd['side']}: {names.get(sd['side']) or ', '.join(_name(scenario, a) for a in sd['actors'])}",
                  _f(sd["share_given_deal"]), _f(sd["share_at_status_quo_line"]), _f(sd["expected_share"]),
                  _f(sd["monthly_cost"]), _f(sd["expected_months_to_deal"], 1), _f(sd["expected_cost_until_deal"]))
    out: list[Any] = [t]
    moves = war.get("what_moves_p_deal")
    if moves and moves.get("inputs"):
        m = Table(title=f"What moves {moves['output']} most ({_label(r)})", title_justify="left",
                  caption_justify="left",
                  caption=f"Morris mu*: the mean absolute change of P(deal) per move of the input across its whole range "
                          f"(Morris's steps of 2/3 of the range, scaled) "
                          f"({moves['evaluations']} evaluations, {moves['replications']} replicated wars each; "
                          f"the other inputs at their medians)")
        for c in ("war input", "mu*", "raising it"):
            m.add_column(c, justify="left" if c == "war input" else "right")
        shown = [x for x in moves["inputs"] if x["mu_star"] > 0][:top]
        for x in shown:
            m.add_row(x["label"].removeprefix("war: "), _f(x["mu_star"]), direction(x["mu"], x["mu_star"]))
        rest = len(moves["inputs"]) - len(shown)
        if rest:
            m.caption += f"; {rest} more input{'s' if rest > 1 else ''} move it less or not at all (--format json)"
        out.append(m)
    return out


# -- figures --------------------------------------------------------------------------------------


def _figure(w: float, h: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class LowDpiFigure(Figure):
        """Saved at its own dpi whatever dpi the writer passes (keeps these figures cheap)."""

        def savefig(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["dpi"] = self.dpi
            return super().savefig(*args, **kwargs)

    fig = LowDpiFigure(figsize=(w, h), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _issue_name(scenario: Scenario | None, issue: str) -> str:
    """The issue's name (its id when the scenario does not know it)."""
    try:
        return scenario.issue(issue).label if scenario is not None else issue
    except KeyError:
        return issue


def _name(scenario: Scenario | None, actor: str) -> str:
    """The actor's name for a chart (its id when the scenario does not know it)."""
    try:
        return scenario.actor(actor).label if scenario is not None else actor
    except (KeyError, ValueError, StopIteration):
        return actor


def winners_figure(results: list[Result], scenario: Scenario | None = None) -> Any:
    """One "who gains, who loses" chart for every explained run: a bar per actor and run (each run in
    its colour of the issue figures), the gain in that run's own utility form (0 = the status quo)."""
    from detente.report.plots import PALETTE as MODEL_PALETTE

    runs = [(m, r) for m, r in enumerate(results) if r.explain and gains_measured(r)]
    actors: list[str] = []
    for _, r in runs:
        actors += [row["actor"] for row in r.explain["utility"]["actors"] if row["actor"] not in actors]
    if scenario is not None:
        order = {a: k for k, a in enumerate(scenario.actor_ids)}
        actors.sort(key=lambda a: order.get(a, len(order)))
    n, k = len(actors), len(runs)
    bar = 0.8 / max(k, 1)
    fig = _figure(6.4, (0.12 + 0.11 * k) * n + 1.25 + 0.17 * k)
    ax = fig.add_subplot()
    ys = list(range(n))[::-1]  # the first actor at the top
    for g, (m, r) in enumerate(runs):
        gain = {row["actor"]: row["gain"] for row in r.explain["utility"]["actors"]}
        off = 0.4 - bar * (g + 0.5)
        vals = [gain.get(a) or 0.0 for a in actors]
        ax.barh([y + off for y in ys], vals, height=bar * 0.92, color=MODEL_PALETTE[m % len(MODEL_PALETTE)],
                hatch=None if g % 2 == 0 else "//", edgecolor="white", lw=0.3,
                label=f"{_label(r)}: {r.explain['utility']['utility'].split(' u = ')[0]}"
                + (f", given {r.explain['utility']['given']}" if r.explain["utility"].get("given") else ""))
    from detente.report.plots import TITLE_Y, _wrap, plain_axis, scale_ticks, text_inches

    names = [_wrap(_name(scenario, a), 24) for a in actors]
    ax.set_ylim(-0.6, n - 0.4)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_axisbelow(True)
    ax.autoscale_view()  # every bar is there: the gains' range is final
    # ticks, labels and grid as plain artists (no Tick objects: plots.plain_axis)
    plain_axis(ax, "x", *scale_ticks(*ax.get_xlim()), fontsize=8, label_size=8, grid={"colors": "#e6e6e6",
               "linewidths": 0.6},
               label="gain: salience-weighted utility at forecast - at status quo\n(each run in its own utility form)")
    plain_axis(ax, "y", ys, names, fontsize=8)
    ax.set_title("Who gains, who loses (right of 0: gains)", fontsize=10, loc="left", y=TITLE_Y)
    h = fig.get_size_inches()[1]
    legend_h = 0.17 * k + 0.1
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.005), ncol=1, fontsize=7.5, frameon=False)
    left = max((text_inches(x, 8)[0] for x in names), default=0.5) + 0.2
    fig.subplots_adjust(left=min(left, 0.45 * 6.4) / 6.4, right=0.97, bottom=(legend_h + 0.6) / h, top=1 - 0.32 / h)
    return fig


def quad_figure(scenario: Scenario, r: Result) -> tuple[str, Any] | None:
    """BDM's perception plane of the chosen actor on the issue where it has most counterparts.

    Each other actor j is a point: x = the actor's expected utility of challenging j, y = j's of
    challenging the actor, as the actor sees it; the quadrants (at the figure's corners, never under
    a point) say what follows. Actors at one point share one label (the flagship's UK and EU sat on
    each other), and labels near the right edge read leftwards, inside the axes."""
    import textwrap

    ev = r.events or {}
    per = ev.get("perception") or {}
    if not per:
        return None
    issue_id = max(per, key=lambda i: len(per[i]["points"]))
    p = per[issue_id]
    if not p["points"]:
        return None
    fig = _figure(6.0, 4.6)
    ax = fig.add_subplot()
    ids = list(scenario.actor_ids)
    xs = [pt["eu_i_j"] for pt in p["points"]]
    ys = [pt["eu_j_i"] for pt in p["points"]]
    ax.scatter(xs, ys, s=34, zorder=3,
               c=[actor_colour(ids, pt["actor"]) for pt in p["points"]])  # one artist for every actor
    ax.axhline(0, color="#333333", lw=0.8)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.update_datalim(list(zip(xs, ys)) + [(0.0, 0.0)])
    ax.margins(0.12)
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    labels = []
    for (x, y), names in _label_groups(p["points"], scenario, (x1 - x0) * 0.03, (y1 - y0) * 0.03).items():
        right = x > x0 + 0.65 * (x1 - x0)
        labels.append(ax.annotate(textwrap.fill(", ".join(names), 34), (x, y), fontsize=7.5,
                                  xytext=(-4 if right else 4, 3), textcoords="offset points",
                                  ha="right" if right else "left", va="bottom"))
    _unstack(fig, labels)
    who = _name(scenario, p["actor"])
    ax.set_xlabel("its expected utility of challenging each actor", fontsize=8.5)
    ax.set_ylabel("each actor's expected utility\nof challenging it", fontsize=8.5)
    ax.tick_params(labelsize=7.5)
    for x, y, txt in ((0.98, 0.98, "conflict"), (0.98, 0.02, "it compels"), (0.02, 0.98, "it gives way"),
                      (0.02, 0.02, "status quo")):
        ax.text(x, y, txt, transform=ax.transAxes, fontsize=7.5, color="#777777", ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom")
    ax.set_title(textwrap.fill(f"How {who} sees the others: round 1, {scenario.issue(issue_id).label}", 70),
                 fontsize=9, loc="left")
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.12, top=0.86)
    return issue_id, fig


def _unstack(fig: Any, labels: list[Any]) -> None:
    """Move each label that overlaps one above it down below it (highest point first), so that
    labels of nearby points read one under the other."""
    if len(labels) < 2:
        return
    renderer = fig.canvas.get_renderer()
    to_points = 72.0 / fig.dpi
    placed: list[Any] = []
    for t in sorted(labels, key=lambda t: -t.xy[1]):
        for _ in range(len(labels)):
            box = t.get_window_extent(renderer)
            hit = next((b for b in placed if box.overlaps(b)), None)
            if hit is None:
                break
            dx, dy = t.get_position()
            t.set_position((dx, dy - (box.y1 - hit.y0) * to_points - 1.5))
        placed.append(t.get_window_extent(renderer))


def _label_groups(points: list[dict[str, Any]], scenario: Scenario, dx: float, dy: float) -> dict[tuple[float, float], list[str]]:
    """The perception plane's labels: actors whose points lie within ``dx`` and ``dy`` of a group's
    first point share its label, in the order given.

    >>> pts = [{"actor": "uk", "eu_i_j": 0.05, "eu_j_i": 0.08}, {"actor": "eu", "eu_i_j": 0.051, "eu_j_i": 0.081},
    ...        {"actor": "cn", "eu_i_j": 0.9, "eu_j_i": 0.38}]
    >>> _label_groups(pts, None, 0.03, 0.01)
    {(0.05, 0.08): ['uk', 'eu'], (0.9, 0.38): ['cn']}
    """
    groups: dict[tuple[float, float], list[str]] = {}
    for pt in points:
        x, y = pt["eu_i_j"], pt["eu_j_i"]
        home = next(((gx, gy) for gx, gy in groups if abs(gx - x) <= dx and abs(gy - y) <= dy), (x, y))
        groups.setdefault(home, []).append(_name(scenario, pt["actor"]))
    return groups


def actors_in_trajectory_plots(r: Result) -> bool:
    """True when the report's own trajectory charts (:func:`detente.report.plots.plot_trajectories`)
    draw every actor by round: one draw of a model with positions, or the point-value run of the
    explanation (``r.events["positions"]``) with draws. Per-actor charts here would repeat them."""
    from detente.report.figmeta import OWN_TRAJECTORY_PLOTS
    from detente.result import acting_model

    if acting_model(r) in OWN_TRAJECTORY_PLOTS:
        return False
    return (r.draws == 1 and r.trajectory.positions is not None) or bool((r.events or {}).get("positions"))


NO_STATUS_QUO = ("Gains are measured against the status quo, and no issue has one: who gains and who loses "
                 "is not measured here (give an issue a status quo to see it).")
"""What the terminal and the report say instead of a table of gains (the web page says the same)."""


def has_gains(r: Result) -> bool:
    """Whether the run's winners and losers mean anything: a gain is measured against the status quo,
    so without a status quo on any issue no gain is measured (no chart is drawn for that)."""
    u = (r.explain or {}).get("utility") or {}
    return len(u.get("issues_without_status_quo", [])) < len(r.issue_ids)


def gains_measured(r: Result) -> bool:
    """Whether any actor's gain was measured (a war run with too few deals has none)."""
    return any(a["gain"] is not None for a in r.explain["utility"]["actors"])


def explain_figures(scenario: Scenario, results: list[Result]) -> list[tuple[str, str, Any]]:
    """(stem, title, Figure): one winners/losers chart for all explained runs (none when no issue
    has a status quo: :func:`has_gains`) and one perception plane (the first BDM run). Every actor by round is drawn in the report's trajectory charts
    (:func:`actors_in_trajectory_plots`), not here: never the same figure twice."""
    runs = [r for r in results if r.explain]
    if not runs:
        return []
    out: list[tuple[str, str, Any]] = []
    if any(has_gains(r) and gains_measured(r) for r in runs):
        labs = ", ".join(_label(r) for r in runs)
        out.append(("explain-winners", f"Who gains, who loses ({labs})", winners_figure(results, scenario)))
    for r in runs:
        if r.model == "bdm":
            q = quad_figure(scenario, r)
            if q is not None:
                lab = _label(r)
                who = _name(scenario, r.events["perception"][q[0]]["actor"])
                out.append((f"explain-{lab}-perception", f"Perception plane of {who} ({lab})", q[1]))
                break
    return out


# -- HTML -----------------------------------------------------------------------------------------


def _img(fig: tuple[str, str, bytes]) -> str:
    import base64

    stem, title, png = fig
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="fig-{_e(stem)}"><img src="data:image/png;base64,{data}" alt="{_e(title)}">'
            f"<figcaption>{_e(title)}</figcaption></figure>")


def explain_section(scenario: Scenario, results: list[Result], figures: list[tuple[str, str, bytes]]) -> str:
    """The "Why it lands there" section: winners/losers, pivotal actors, trajectories, reasons."""
    runs = [r for r in results if r.explain]
    if not runs:
        return ""
    figs = {stem: f for f in figures for stem in [f[0]] if stem.startswith("explain-")}
    parts = ['<h2 id="explain">Why it lands there</h2>']
    if "explain-winners" in figs:  # one chart for every run, before the runs' own tables
        parts.append(_img(figs["explain-winners"]))
    for r in runs:
        lab = _label(r)
        ex = r.explain
        parts.append(f'<section class="explain" id="explain-{_e(lab)}"><h3>{_e(lab)}</h3>')
        u = ex["utility"]
        given = f" (given {u['given']})" if u.get("given") else ""
        parts.append(f'<h4 id="winners-{_e(lab)}">Who gains, who loses{_e(given)}</h4>'
                     f'<p class="muted">Utility: {_e(u["utility"])}. {_e(u["total"])}.</p>')
        if not has_gains(r):
            parts.append(f'<p class="muted">{_e(NO_STATUS_QUO)}</p>')
        if u.get("note"):
            parts.append(f'<p class="muted utility-note">{_e(u["note"])}</p>')
        rows = "".join(
            f"<tr><td>{_e(_name(scenario, a['actor']))}</td><td class=\"num\">{_e(_f(a['at_forecast']))}</td>"
            f"<td class=\"num\">{_e(_f(a['at_status_quo']))}</td><td class=\"num\">{_e(_f(a['gain']))}</td>"
            f"<td class=\"num\">{_e(_share(a['p_gain']))}</td><td>{_e(a['verdict'])}</td></tr>" for a in u["actors"])
        if has_gains(r):  # else a table of zeros "not measured": the note above says it once, as the terminal does
            parts.append('<table class="winners"><thead><tr><th>actor</th><th class="num">utility at forecast</th>'
                         '<th class="num">at status quo</th><th class="num">gain</th><th class="num">P(gain)</th>'
                         f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table>")
        if ex.get("war"):
            from detente.models.war.endings import side_names

            sides = side_names(scenario.war, {a.id: a.label for a in scenario.actors})
            wrows = "".join(
                f"<tr><td>{_e(sd['side'])}: {_e(sides.get(sd['side']) or ', '.join(_name(scenario, a) for a in sd['actors']))}</td><td class=\"num\">"
                f"{_e(_f(sd['share_given_deal']))}</td><td class=\"num\">{_e(_f(sd['share_at_status_quo_line']))}</td>"
                f"<td class=\"num\">{_e(_f(sd['expected_cost_until_deal']))}</td></tr>" for sd in ex["war"]["sides"])
            parts.append('<table class="war-shares"><thead><tr><th>side</th><th class="num">share given a deal</th>'
                         '<th class="num">share at the status quo line</th><th class="num">expected cost of fighting '
                         f"until a deal</th></tr></thead><tbody>{wrows}</tbody></table>")
            if ex["war"].get("terms_text"):
                parts.append(f'<p class="muted terms-set-by">{_e(ex["war"]["terms_text"])}.</p>')
        moves = (ex.get("war") or {}).get("what_moves_p_deal")
        if moves:
            mrows = "".join(f"<tr><td>{_e(x['label'])}</td><td class=\"num\">{_e(_f(x['mu_star']))}</td>"
                            f"<td>{_e(direction(x['mu'], x['mu_star']))}</td></tr>" for x in moves["inputs"][:10])
            parts.append(f'<h4 id="war-inputs-{_e(lab)}">What moves {_e(moves["output"])}</h4>'
                         f'<p class="muted">Now {_e(_share(ex["war"]["p_deal_within_12_months"]))}{_e(at_central(ex["war"]))}. Morris mu* '
                         f'({moves["evaluations"]} evaluations; the other inputs at their medians).</p>'
                         '<table class="war-inputs"><thead><tr><th>war input</th><th class="num">mu*</th>'
                         '<th>raising it</th></tr>'
                         f"</thead><tbody>{mrows}</tbody></table>")
        piv = ex["pivotal"]
        given = f" given {piv['given']}" if piv.get("given") else ""  # war: the terms of the draws with a deal
        parts.append(f'<h4 id="pivotal-{_e(lab)}">Pivotal actors</h4><p class="muted">Ranked by how much the '
                     f"forecast{_e(given)} moves when the actor is left out (mean over issues of |shift| / scale range; "
                     f"{piv['draws_used']} draws, {_e(piv['method'])}).{_e(subset_text(piv, r.draws))}</p>")
        rows = "".join(f"<tr><td class=\"num\">{p['rank'] or ''}</td><td>{_e(_name(scenario, p['actor']))}</td>"
                       f"<td class=\"num\">{_e(_f(p['dependence']))}</td><td>{_e(_issue_name(scenario, p['most_on']) if p['most_on'] else '')}</td></tr>"
                       for p in piv["ranking"])
        parts.append('<table class="pivotal"><thead><tr><th class="num">rank</th><th>actor</th>'
                     f'<th class="num">dependence</th><th>most on</th></tr></thead><tbody>{rows}</tbody></table>')
        irows = []
        for iid, e in piv["issues"].items():
            top = e["actors"][0] if e["actors"] else None
            med = e.get("median_actor") or {}
            extra = f"median actor: {', '.join(_name(scenario, a) for a in med.get('actors', []))}" if med else ""
            if top:
                irows.append(f"<tr><td>{_e(_issue_name(scenario, iid))}</td><td class=\"num\">{_e(_on_scale(e['forecast'], scenario, iid))}</td>"
                             f"<td>{_e(_name(scenario, top['actor']))}</td><td class=\"num\">{_e(_on_scale(top['forecast_without'], scenario, iid))}</td>"
                             f"<td>{_e(extra)}</td></tr>")
        parts.append(f'<table class="pivotal-issues"><thead><tr><th>issue</th><th class="num">forecast{_e(given)}</th>'
                     f'<th>most pivotal</th><th class="num">forecast{_e(given)} without it</th><th></th></tr></thead>'
                     f"<tbody>{''.join(irows)}</tbody></table>")
        ev = r.events
        if ev:
            parts.append(f'<h4 id="trajectories-{_e(lab)}">Every actor by round</h4>')
            if actors_in_trajectory_plots(r):
                parts.append(f'<p class="muted">The chart "{_e(lab)} by round" under '
                             '<a href="#figures">Figures</a> shows every actor by round, a panel per issue.</p>')
            parts.append(_reasons(ev, lab, scenario))
            for stem in [s for s in figs if s.startswith(f"explain-{lab}-perception")]:
                parts.append(f'<h4 id="perception-{_e(lab)}">Perception plane</h4>' + _img(figs[stem]))
        parts.append("</section>")
    return "\n".join(parts)


def _reasons(ev: dict[str, Any], lab: str, scenario: Scenario | None = None) -> str:
    rows = []
    for rnd in ev["rounds"]:
        for m in rnd["moves"]:
            if len(rows) >= MAX_EVENT_ROWS:
                break
            by = m.get("challenger") or m.get("partner") or ""
            kind = m.get("type", "")
            rows.append(f"<tr><td class=\"num\">{rnd['round']}</td><td>{_e(_name(scenario, m['actor']))}</td>"
                        f"<td>{_e(_issue_name(scenario, m['issue']))}</td>"
                        f"<td class=\"num\">{_e(_on_scale(m['from'], scenario, m['issue']))} &rarr; {_e(_on_scale(m['to'], scenario, m['issue']))}</td><td>{_e(kind)}</td>"
                        f"<td>{_e(_name(scenario, by) if by else '')}</td><td>{_e(m.get('why', ''))}</td></tr>")
    n = sum(len(x["moves"]) for x in ev["rounds"])
    note = f" (first {MAX_EVENT_ROWS} of {n}; all in result.json)" if n > MAX_EVENT_ROWS else ""
    check = ""
    if "reproduces_model" in ev:
        check = " Recomputed from the positions; reproduces the model's rounds: " + \
                ("yes." if ev["reproduces_model"] else "NO (see result.json).")
    return (f'<h4 id="reasons-{_e(lab)}">Why each actor moved, round by round</h4>'
            f'<p class="muted">At the inputs\' point values{_e(note)}.{_e(check)}</p>'
            '<table class="reasons tall">'
            "<thead><tr><th class=\"num\">round</th><th>actor</th><th>issue</th><th class=\"num\">move</th>"
            f"<th>type</th><th>with / by</th><th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
