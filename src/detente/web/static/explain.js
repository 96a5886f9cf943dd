// detente's page: the explanations of a run ("Why it lands there"), drawn from each result's
// `explain` and `events` keys (shapes in docs/explain.md; computed by detente.explain.attach).
// Mirrors the report's section (src/detente/report/explain.py): who gains and who loses, the pivotal
// actors, every actor by round and why each actor moved. Uses app.js's helpers (el, svg, fmt, label,
// words, lineChart, modelColor, ACTOR_PALETTE, DASHES); loaded after it. Computes nothing.
"use strict";

const MAX_REASON_ROWS = 60; // shown before "show all"

// An actor's name (its id when the scenario does not know it) and an issue's label.
function actorName(sc, id) {
  const a = sc.actors.find((x) => x.id === id);
  return a ? label(a) : String(id);
}

function issueName(sc, id) {
  const i = sc.issues.find((x) => x.id === id);
  return i ? label(i) : String(id);
}

// One colour per actor, by its place in the scenario: the same as in the round charts of app.js.
function actorColour(sc, id) {
  const j = sc.actors.findIndex((x) => x.id === id);
  return j < 0 ? "#555555" : ACTOR_PALETTE[j % ACTOR_PALETTE.length];
}

function actorDash(sc, id) {
  const j = sc.actors.findIndex((x) => x.id === id);
  return j < 0 ? "" : DASHES[Math.floor(j / ACTOR_PALETTE.length) % DASHES.length];
}

function numCell(v, digits) {
  return el("td", { class: "num" }, v === null || v === undefined ? "–" : fmt(v, digits));
}

function table(cls, heads, rows) {
  return el("table", { class: `forecast-table ${cls}` },
    el("thead", {}, el("tr", {}, heads.map(([h, num]) => el("th", { scope: "col", class: num ? "num" : null }, h)))),
    el("tbody", {}, rows));
}

// -- who gains, who loses ----------------------------------------------------------------------

// A horizontal bar per actor: its gain (utility at the forecast minus at the status quo), green
// for gains, red for losses, best first (the order of explain.utility.actors).
function gainsChart(sc, r, rows, givenWhat) {
  const W = 600, rowH = 22, top = 26, bottom = 34, left = 200, right = 20;
  const H = top + bottom + rowH * rows.length;
  const vals = rows.map((a) => a.gain || 0);
  let lo = Math.min(0, ...vals), hi = Math.max(0, ...vals);
  if (hi === lo) hi = lo + 1;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (W - left - right);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart gains-chart", role: "img",
    "aria-label": `Who gains, who loses (${r.model}): gain per actor` });
  const given = givenWhat ? `, given ${givenWhat}` : "";
  root.append(svg("text", { x: 8, y: 16, class: "chart-title" }, `Who gains, who loses (${r.model}${given})`));
  for (const v of axisTicks(lo, hi)) {
    root.append(svg("line", { x1: x(v), x2: x(v), y1: top, y2: H - bottom, class: "grid" }));
    root.append(svg("text", { x: x(v), y: H - bottom + 14, "text-anchor": "middle", class: "tick" }, fmt(v)));
  }
  rows.forEach((a, k) => {
    const g = a.gain || 0, y0 = top + k * rowH;
    const x0 = Math.min(x(0), x(g)), w = Math.max(1, Math.abs(x(g) - x(0)));
    root.append(svg("text", { x: left - 6, y: y0 + rowH / 2 + 4, "text-anchor": "end", class: "actor-label" }, shorten(actorName(sc, a.actor), 28)));
    root.append(svg("rect", { x: x0, y: y0 + 4, width: w, height: rowH - 8, class: "gain-bar", fill: g > 0 ? "#2ca02c" : g < 0 ? "#d62728" : "#999999",
      "data-actor": a.actor }, svg("title", {}, `${actorName(sc, a.actor)}: gain ${fmt(a.gain)} (${a.verdict})`)));
  });
  root.append(svg("line", { x1: x(0), x2: x(0), y1: top - 2, y2: H - bottom, class: "axis" }));
  root.append(svg("text", { x: (left + W - right) / 2, y: H - 6, "text-anchor": "middle", class: "axis-label" },
    "gain: salience-weighted utility at forecast − at status quo"));
  return el("figure", { class: "chart-wrap" }, root);
}

function winnersPart(sc, r, ex) {
  const u = ex.utility || {};
  const rows = u.actors || [];
  const part = el("section", { class: "explain-part winners-part" }, el("h4", {}, `Who gains, who loses${u.given ? ` (given ${u.given})` : ""}`));
  const without = (u.issues_without_status_quo || []).map((i) => issueName(sc, i));
  part.append(el("p", { class: "help utility-note" }, `Utility: ${u.utility || ""}. ${u.total || ""}.`,
    without.length ? ` Left out (no status quo): ${without.join(", ")}.` : "",
    u.draws_used ? ` ${u.draws_used} draw${u.draws_used > 1 ? "s" : ""} used.` : ""));
  part.append(table("winners-table", [["actor"], ["utility at forecast", 1], ["at status quo", 1], ["gain", 1], ["80 % range of the gain", 1], ["P(gain)", 1], ["verdict"]],
    rows.map((a) => el("tr", { "data-actor": a.actor, class: `verdict-${a.verdict}` },
      el("th", { scope: "row" }, actorName(sc, a.actor)), numCell(a.at_forecast), numCell(a.at_status_quo), numCell(a.gain),
      el("td", { class: "num" }, a.gain_p10_p90 ? `${fmt(a.gain_p10_p90[0])} to ${fmt(a.gain_p10_p90[1])}` : "–"),
      numCell(a.p_gain, 2), el("td", {}, a.verdict || "")))));
  if (u.note) part.append(el("p", { class: "help too-few-deals" }, `${u.note}.`));
  if (rows.some((a) => a.gain !== null && a.gain !== undefined)) part.append(gainsChart(sc, r, rows, u.given));
  else if (rows.length && !u.note) part.append(el("p", { class: "help no-status-quo" }, "Gains are measured against the status quo, "
    + "and no issue has one: who gains and who loses is not measured here (give an issue a status quo to see it)."));
  return part;
}

// -- the war model: shares given a deal vs at the status-quo line --------------------------------

function warPart(sc, ex) {
  const w = ex.war;
  const part = el("section", { class: "explain-part war-explain" }, el("h4", {}, "What each side gets, and what fighting costs"));
  if (w.what) part.append(el("p", { class: "help" }, w.what));
  part.append(table("war-shares", [["side"], ["share given a deal", 1], ["share at the status quo line", 1], ["expected share", 1], ["monthly cost", 1], ["expected months to a deal", 1], ["expected cost of fighting until a deal", 1]],
    (w.sides || []).map((s) => el("tr", { "data-side": s.side },
      el("th", { scope: "row" }, `${s.side}${s.actors && s.actors.length ? ` (${s.actors.map((a) => actorName(sc, a)).join(", ")})` : ""}`),
      numCell(s.share_given_deal), numCell(s.share_at_status_quo_line), numCell(s.expected_share), numCell(s.monthly_cost),
      numCell(s.expected_months_to_deal), numCell(s.expected_cost_until_deal)))));
  if (w.p_deal_within_12_months !== undefined && w.p_deal_within_12_months !== null) {
    const central = w.at_central_estimates && w.at_central_estimates.p_deal_within_12_months !== null && w.at_central_estimates.p_deal_within_12_months !== undefined
      ? ` (with every estimate at its central value: ${pct(w.at_central_estimates.p_deal_within_12_months)})` : "";
    part.append(el("p", { class: "help" }, `Chance of a deal within 12 months: ${pct(w.p_deal_within_12_months)}${central}.`));
  }
  if (w.terms_text) part.append(el("p", { class: "help terms-set-by" }, `${w.terms_text}.`));
  const moves = w.what_moves_p_deal;
  if (moves && moves.inputs && moves.inputs.length) {
    part.append(el("p", { class: "help" }, `What moves ${moves.output}: Morris mu* (${moves.evaluations} evaluations; the other inputs at their medians).`));
    part.append(table("war-inputs", [["war input"], ["mu*", 1]],
      moves.inputs.slice(0, 10).map((x) => el("tr", {}, el("th", { scope: "row" }, x.label || words(x.name)), numCell(x.mu_star)))));
  }
  return part;
}

// -- pivotal actors ------------------------------------------------------------------------------

// The leave-one-out runs take the first draws of the run only (as report.explain says): their
// forecasts then differ from the table's by Monte Carlo noise, which the help text says.
function subsetText(piv, runDraws) {
  return runDraws && piv.draws_used < runDraws
    ? ` These are the first ${piv.draws_used} of the run's ${runDraws} draws, so the forecasts here differ from the table's by Monte Carlo noise.`
    : "";
}

function pivotalPart(sc, ex, runDraws) {
  const piv = ex.pivotal || {};
  const part = el("section", { class: "explain-part pivotal-part" }, el("h4", {}, "Pivotal actors"));
  const given = piv.given ? ` given ${piv.given}` : "";  // war: the terms given a deal
  part.append(el("p", { class: "help" }, `Ranked by how much the forecast${given} moves when the actor is left out (mean over issues of |shift| / scale range; `
    + `${piv.draws_used} draw${piv.draws_used > 1 ? "s" : ""}, ${piv.method}${piv.exact === false ? ", approximate" : ""}).`
    + (piv.dependence ? ` Dependence: ${piv.dependence}.` : "") + subsetText(piv, runDraws)));
  part.append(table("pivotal-ranking", [["rank", 1], ["actor"], ["dependence", 1], ["matters most on"]],
    (piv.ranking || []).map((p) => el("tr", { "data-actor": p.actor }, el("td", { class: "num" }, String(p.rank ?? "–")), el("th", { scope: "row" }, actorName(sc, p.actor)),
      numCell(p.dependence), el("td", {}, p.most_on ? issueName(sc, p.most_on) : "–")))));
  for (const [iid, e] of Object.entries(piv.issues || {})) {
    const hasPull = (e.actors || []).some((a) => a.pull !== undefined && a.pull !== null);
    const box = el("div", { class: "pivotal-issue", "data-issue": iid },
      el("h5", {}, `${issueName(sc, iid)}: forecast${given} ${fmt(e.forecast)}`));
    box.append(table("pivotal-contributions", [["actor"], ["weight share", 1], [`forecast${given} without it`, 1], ["shift", 1], ["80 % range of the shift", 1], ["dependence", 1], ...(hasPull ? [["pull", 1]] : [])],
      (e.actors || []).map((a) => el("tr", { "data-actor": a.actor }, el("th", { scope: "row" }, actorName(sc, a.actor)),
        numCell(a.weight_share, 2), numCell(a.forecast_without), numCell(a.shift),
        el("td", { class: "num" }, a.shift_p10_p90 ? `${fmt(a.shift_p10_p90[0])} to ${fmt(a.shift_p10_p90[1])}` : "–"),
        numCell(a.dependence), ...(hasPull ? [numCell(a.pull)] : [])))));
    const med = e.median_actor;
    if (med) {
      const nb = (n, side) => (n ? `next ${side}: ${actorName(sc, n.actor)} at ${fmt(n.position)} (gap ${fmt(n.gap)})` : `nobody ${side}`);
      box.append(el("p", { class: "help median-actor" },
        `Median actor: ${(med.actors || []).map((a) => actorName(sc, a)).join(", ")} at ${fmt(med.position)}; `
        + `${nb(med.next_below, "below")}, ${nb(med.next_above, "above")}; weight below ${fmt(med.weight_below, 2)}, above ${fmt(med.weight_above, 2)}.`));
    }
    part.append(box);
  }
  return part;
}

// -- every actor by round, and why each actor moved ------------------------------------------------

function actorRoundCharts(sc, r, ev) {
  const wrap = el("div", { class: "trajectories actor-round-charts" });
  for (const iss of sc.issues) {
    const per = (ev.positions || {})[iss.id];
    if (!per) continue;
    const series = Object.entries(per).map(([a, ys]) => ({ name: actorName(sc, a), color: actorColour(sc, a), dash: actorDash(sc, a), median: ys, width: 1.8 }));
    const f = (ev.forecast || {})[iss.id];
    if (f !== undefined && f !== null && series.length) { // drawn first: the actors stay on top of it
      const n = Math.max(...series.map((s) => s.median.length));
      series.unshift({ name: "forecast", color: "#000000", dash: "5 3", median: Array(n).fill(f), width: 1 });
    }
    wrap.append(lineChart({ title: `${label(iss)}: every actor by round (${r.model}, point values)`, series, yLo: iss.scale.min, yHi: iss.scale.max,
      xLabel: "round", yLabel: "position", cls: "actor-round-chart", aria: `${label(iss)}: every actor's position by round, ${r.model}` }));
  }
  return wrap;
}

function reasonsPart(sc, r, ev) {
  const part = el("section", { class: "explain-part reasons-part" }, el("h4", {}, "Every actor by round, and why each actor moved"));
  part.append(actorRoundCharts(sc, r, ev));
  const moves = (ev.rounds || []).flatMap((rnd) => (rnd.moves || []).map((m) => [rnd.round, m]));
  let check = "";
  if (ev.reproduces_model !== undefined) check = ` Recomputed from the positions; reproduces the model's rounds: ${ev.reproduces_model ? "yes" : "NO (see result.json)"}.`;
  part.append(el("p", { class: "help" }, `At the inputs' point values: ${moves.length} move${moves.length === 1 ? "" : "s"}.${check}`));
  const row = ([rnd, m]) => el("tr", { "data-round": rnd }, el("td", { class: "num" }, String(rnd)), el("th", { scope: "row" }, actorName(sc, m.actor)), el("td", {}, issueName(sc, m.issue)),
    el("td", { class: "num" }, `${fmt(m.from)} → ${fmt(m.to)}`), el("td", {}, m.type || ""),
    el("td", {}, m.challenger || m.partner ? actorName(sc, m.challenger || m.partner) : ""), el("td", { class: "why" }, m.why || ""));
  const body = el("tbody", {}, moves.slice(0, MAX_REASON_ROWS).map(row));
  part.append(el("table", { class: "forecast-table reasons-table" },
    el("thead", {}, el("tr", {}, [["round", 1], ["actor"], ["issue"], ["move", 1], ["type"], ["with / by"], ["why"]].map(([h, num]) => el("th", { scope: "col", class: num ? "num" : null }, h)))),
    body));
  if (moves.length > MAX_REASON_ROWS) {
    const btn = el("button", { type: "button", class: "show-all-reasons" }, `Show all ${moves.length} moves`);
    btn.addEventListener("click", () => {
      const all = body.children.length > MAX_REASON_ROWS;
      body.replaceChildren(...(all ? moves.slice(0, MAX_REASON_ROWS) : moves).map(row));
      btn.textContent = all ? `Show all ${moves.length} moves` : `Show the first ${MAX_REASON_ROWS} only`;
    });
    part.append(btn);
  }
  return part;
}

// -- the card --------------------------------------------------------------------------------------

// One card per model with an explanation (or round-by-round events): the report's sections.
function explainCard(sc, r) {
  const ex = r.explain, ev = r.events;
  const card = el("article", { class: "issue-card explain-card", "data-section": "explain", "data-model": r.model });
  card.append(el("h3", {}, el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }),
    `${r.model}${r.variant ? ` (${r.variant})` : ""}: why it lands there`));
  if (ex && ex.utility) card.append(winnersPart(sc, r, ex));
  if (ex && ex.war) card.append(warPart(sc, ex));
  if (ex && ex.pivotal) card.append(pivotalPart(sc, ex, r.draws));
  if (ev && ev.rounds) card.append(reasonsPart(sc, r, ev));
  return card;
}
