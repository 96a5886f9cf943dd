// detente's page: load or edit a scenario, run models, draw the forecasts as inline SVG.
// Vanilla JavaScript, no libraries, no build step: it works offline.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
const DEFAULT_MODELS = ["mean", "median"];

const state = {
  scenario: null,   // the scenario as JSON (edited in place)
  source: "",       // where it came from (example name or file name)
  models: [],       // /api/models
  results: null,    // last /api/run answer
};

// ------------------------------------------------------------------------------------------
// small helpers

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVGNS, tag);
  setAttrs(node, attrs);
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function trimNum(v) {
  return String(Math.round(v * 1e6) / 1e6);
}

// Uncertain numbers <-> text: 40 | 40..80 | 40..50..80 | 50±10
function formatU(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return trimNum(v);
  if (typeof v === "object") {
    if ("mode" in v) return `${trimNum(v.low)}..${trimNum(v.mode)}..${trimNum(v.high)}`;
    if ("low" in v) return `${trimNum(v.low)}..${trimNum(v.high)}`;
    if ("mean" in v) return `${trimNum(v.mean)}±${trimNum(v.sd)}`;
  }
  return String(v);
}

const NUM = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function parseU(text) {
  const t = text.trim().replace(/\s+/g, "");
  if (t === "") return null;
  if (NUM.test(t)) return Number(t);
  const parts = t.split("..");
  if (parts.every((p) => NUM.test(p))) {
    if (parts.length === 2) return { low: Number(parts[0]), high: Number(parts[1]) };
    if (parts.length === 3) return { low: Number(parts[0]), mode: Number(parts[1]), high: Number(parts[2]) };
  }
  const pm = t.split(/±|\+\/-|\+-/);
  if (pm.length === 2 && pm.every((p) => NUM.test(p))) return { mean: Number(pm[0]), sd: Number(pm[1]) };
  return text; // not understood: the server explains what it expects
}

function pointOf(v) {
  if (typeof v === "number") return v;
  if (v && typeof v === "object") {
    if ("mode" in v) return v.mode;
    if ("low" in v) return (v.low + v.high) / 2;
    if ("mean" in v) return v.mean;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function boundsOf(v) {
  if (v && typeof v === "object" && "low" in v) return [v.low, v.high];
  if (v && typeof v === "object" && "mean" in v) return [v.mean - v.sd, v.mean + v.sd];
  const p = pointOf(v);
  return [p, p];
}

function shorten(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

const label = (x) => (x && (x.name || x.id)) || "";

async function api(method, url, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, opts);
  } catch (e) {
    return { ok: false, status: 0, data: { detail: `cannot reach the server: ${e.message}`, errors: [] } };
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = { detail: `the server answered ${resp.status} without JSON`, errors: [] };
  }
  return { ok: resp.ok, status: resp.status, data };
}

// ------------------------------------------------------------------------------------------
// the error box

function showErrors(data, title) {
  const box = $("error-box");
  box.replaceChildren();
  const errors = (data && data.errors && data.errors.length) ? data.errors
    : [{ message: (data && data.detail) || "unknown error" }];
  const file = data && data.file;
  box.append(el("h3", {}, title || `${errors.length === 1 ? "A problem" : errors.length + " problems"}${file ? " in " + file : ""}`));
  const list = el("ul");
  for (const e of errors) {
    const li = el("li", { class: "error-item" });
    if (e.line !== null && e.line !== undefined) li.append(el("span", { class: "err-line" }, `line ${e.line}`), " ");
    if (e.field) li.append(el("code", { class: "err-field" }, e.field), " ");
    li.append(el("span", { class: "err-message" }, e.message));
    if (e.value !== null && e.value !== undefined) li.append(" ", el("span", { class: "err-value" }, `(got ${JSON.stringify(e.value)})`));
    list.append(li);
  }
  box.append(list);
  box.hidden = false;
  markFields(errors);
  box.scrollIntoView({ block: "nearest" });
}

function clearErrors() {
  const box = $("error-box");
  box.hidden = true;
  box.replaceChildren();
  document.querySelectorAll(".invalid").forEach((n) => {
    n.classList.remove("invalid");
    n.removeAttribute("aria-invalid");
  });
}

function markFields(errors) {
  for (const e of errors) {
    if (!e.field) continue;
    const input = document.querySelector(`[data-field="${CSS.escape(e.field)}"]`);
    if (input) {
      input.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      input.title = e.message;
    }
  }
}

// ------------------------------------------------------------------------------------------
// loading scenarios

async function loadModels() {
  const r = await api("GET", "/api/models");
  if (!r.ok) return showErrors(r.data, "Cannot list the models");
  state.models = r.data;
  const box = $("model-list");
  box.querySelectorAll(".model").forEach((n) => n.remove());
  for (const m of r.data) {
    const id = `model-${m.name}`;
    const checked = DEFAULT_MODELS.includes(m.name);
    box.append(el("div", { class: "model" },
      el("input", { type: "checkbox", id, value: m.name, name: "model", checked }),
      el("label", { for: id }, el("strong", {}, m.name), m.has_rounds ? el("span", { class: "badge" }, "rounds") : null),
      el("span", { class: "summary" }, m.summary)));
  }
}

async function loadExamples() {
  const r = await api("GET", "/api/examples");
  if (!r.ok) return;
  const sel = $("example-select");
  for (const ex of r.data) {
    sel.append(el("option", { value: ex.name, disabled: !!ex.error },
      ex.error ? `${ex.name} (does not load)` : `${ex.title} — ${ex.name}`));
  }
}

async function loadExample() {
  const name = $("example-select").value;
  if (!name) return;
  clearErrors();
  const r = await api("GET", `/api/examples/${encodeURIComponent(name)}`);
  if (!r.ok) return showErrors(r.data);
  setScenario(r.data, name);
}

async function uploadFile() {
  const file = $("file-input").files[0];
  if (!file) return;
  clearErrors();
  const text = await file.text();
  const r = await api("POST", "/api/scenarios/validate", { text, filename: file.name });
  $("file-input").value = "";
  if (!r.ok) return showErrors(r.data);
  setScenario(r.data, file.name);
}

function setScenario(scenario, source) {
  state.scenario = scenario;
  state.source = source;
  state.results = null;
  $("results-section").hidden = true;
  $("results").replaceChildren();
  $("sensitivity").replaceChildren();
  $("scenario-name").textContent = scenario.name;
  $("scenario-description").textContent = scenario.description || "";
  $("scenario").hidden = false;
  $("evidence-panel").hidden = true;
  $("run-button").disabled = false;
  renderTable();
}

// ------------------------------------------------------------------------------------------
// the actors x issues table

function stanceIndex() {
  const idx = new Map();
  state.scenario.stances.forEach((s, k) => idx.set(`${s.actor}\u0000${s.issue}`, k));
  return idx;
}

function evidenceButton(items, what) {
  if (!items || !items.length) return null;
  const tip = items.map((e) => `“${e.quote || e.paraphrase}”${e.source ? " — " + e.source : ""}`).join("\n\n");
  return el("button", {
    type: "button", class: "ev", title: tip,
    "aria-label": `Evidence for ${what} (${items.length})`,
    onclick: () => showEvidence(items, what),
  }, "i", el("span", { class: "ev-n" }, items.length));
}

function renderTable() {
  const sc = state.scenario;
  const table = $("stance-table");
  table.replaceChildren();
  const idx = stanceIndex();
  const head = el("tr", {}, el("th", { scope: "col", class: "corner" }, "Actor ", el("span", { class: "sub" }, "capability")));
  sc.issues.forEach((iss) => {
    const sq = iss.status_quo !== null && iss.status_quo !== undefined ? ` · status quo ${trimNum(iss.status_quo)}` : "";
    head.append(el("th", { scope: "col", title: iss.description || "" },
      el("span", { class: "issue-name" }, label(iss)),
      el("span", { class: "sub" }, ` ${trimNum(iss.scale.min)}–${trimNum(iss.scale.max)}${sq}`),
      evidenceButton(iss.evidence, `issue ${label(iss)}`)));
  });
  table.append(el("thead", {}, head));
  const body = el("tbody");
  sc.actors.forEach((act, a) => {
    const row = el("tr");
    const cap = el("input", {
      type: "text", class: "num cap", value: formatU(act.capability), "data-field": `actors[${a}].capability`,
      "aria-label": `Capability of ${label(act)}`, size: 9,
    });
    cap.addEventListener("change", () => { act.capability = parseU(cap.value) ?? 1; cap.value = formatU(act.capability); });
    row.append(el("th", { scope: "row", title: act.description || "" },
      el("span", { class: "actor-name" }, label(act)), el("div", { class: "cap-line" }, cap, evidenceButton(act.evidence, label(act)))));
    sc.issues.forEach((iss) => {
      const k = idx.get(`${act.id}\u0000${iss.id}`);
      const st = k === undefined ? null : sc.stances[k];
      row.append(stanceCell(act, iss, st, k));
    });
    body.append(row);
  });
  table.append(body);
}

function stanceCell(act, iss, st, k) {
  const what = `${label(act)} on ${label(iss)}`;
  const pos = el("input", {
    type: "text", class: "num pos", value: st ? formatU(st.position) : "", placeholder: "–",
    "aria-label": `Position of ${what}`, "data-field": k === undefined ? null : `stances[${k}].position`, size: 9,
  });
  const sal = el("input", {
    type: "text", class: "num sal", value: st ? formatU(st.salience) : "", placeholder: "–",
    "aria-label": `Salience of ${what}`, "data-field": k === undefined ? null : `stances[${k}].salience`, size: 7,
    disabled: !st,
  });
  pos.addEventListener("change", () => {
    const v = parseU(pos.value);
    const sc = state.scenario;
    if (v === null) {
      if (st) { sc.stances.splice(k, 1); renderTable(); }
      return;
    }
    if (st) { st.position = v; return; }
    sc.stances.push({ actor: act.id, issue: iss.id, position: v, salience: 1 });
    renderTable();
  });
  sal.addEventListener("change", () => {
    if (!st) return;
    const v = parseU(sal.value);
    st.salience = v === null ? 1 : v;
    sal.value = formatU(st.salience);
  });
  const cell = el("td", { class: st ? "stance" : "stance empty" },
    el("div", { class: "cell-inputs" },
      el("span", { class: "cell-label", "aria-hidden": "true" }, "pos"), pos,
      el("span", { class: "cell-label", "aria-hidden": "true" }, "sal"), sal,
      st ? evidenceButton(st.evidence, what) : null));
  if (st && st.note) cell.title = st.note;
  return cell;
}

function showEvidence(items, what) {
  const panel = $("evidence-panel");
  const sources = new Map((state.scenario.sources || []).map((s) => [s.id, s]));
  panel.replaceChildren(
    el("div", { class: "ev-head" },
      el("h4", {}, `Evidence: ${what}`),
      el("button", { type: "button", class: "close", "aria-label": "Close the evidence", onclick: () => { panel.hidden = true; } }, "×")));
  const list = el("ul", { class: "ev-list" });
  for (const e of items) {
    const src = e.source ? sources.get(e.source) : null;
    const cite = [];
    if (src) {
      const title = src.title || src.id;
      cite.push(src.url ? el("a", { href: src.url, rel: "noopener noreferrer", target: "_blank" }, title) : title);
      const by = [src.author, src.publisher, src.date].filter(Boolean).join(", ");
      if (by) cite.push(` — ${by}`);
    } else if (e.source) {
      cite.push(e.source);
    }
    if (e.date) cite.push(` (${e.date})`);
    if (e.url) cite.push(" ", el("a", { href: e.url, rel: "noopener noreferrer", target: "_blank" }, "link"));
    list.append(el("li", {},
      e.quote ? el("blockquote", {}, `“${e.quote}”`) : el("p", { class: "paraphrase" }, e.paraphrase),
      cite.length ? el("p", { class: "cite" }, ...cite) : null));
  }
  panel.append(list);
  panel.hidden = false;
  panel.scrollIntoView({ block: "nearest" });
}

// ------------------------------------------------------------------------------------------
// running

function selectedModels() {
  return [...document.querySelectorAll("#model-list input[name=model]:checked")].map((n) => n.value);
}

async function runModels() {
  if (!state.scenario) return;
  clearErrors();
  const models = selectedModels();
  if (!models.length) return showErrors({ errors: [{ field: "models", message: "choose at least one model" }] });
  const draws = Number($("draws").value);
  const seed = Number($("seed").value);
  $("run-button").disabled = true;
  $("run-status").textContent = `running ${models.join(", ")}…`;
  const t0 = performance.now();
  const r = await api("POST", "/api/run", { scenario: state.scenario, models, draws, seed });
  $("run-button").disabled = false;
  if (!r.ok) {
    $("run-status").textContent = "";
    return showErrors(r.data);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  let note = `done in ${secs} s`;
  if (r.data.saved) note += ` · saved as run ${r.data.saved.join(", ")}`;
  if (r.data.store_note) note += ` · ${r.data.store_note}`;
  $("run-status").textContent = note;
  state.results = r.data.results;
  renderResults();
}

function modelColor(name) {
  const k = state.models.findIndex((m) => m.name === name);
  return PALETTE[(k < 0 ? 0 : k) % PALETTE.length];
}

function renderResults() {
  const sc = state.scenario;
  const results = state.results;
  const out = $("results");
  out.replaceChildren();
  const meta = results[0];
  out.append(el("p", { class: "help" },
    `${results.length} model${results.length > 1 ? "s" : ""}, ${meta.draws} draw${meta.draws > 1 ? "s" : ""}, seed ${meta.seed}, input SHA-256 ${meta.input_sha256.slice(0, 12)}…, detente ${meta.version}.`));
  sc.issues.forEach((iss) => out.append(issueCard(iss, results)));
  const sel = $("sensitivity-model");
  sel.replaceChildren(...results.map((r) => el("option", { value: r.model }, r.model)));
  $("results-section").hidden = false;
  $("results-section").scrollIntoView({ block: "start" });
}

function anchorText(iss, v) {
  const keys = Object.keys(iss.anchors || {});
  if (!keys.length || !Number.isFinite(v)) return "";
  let best = keys[0];
  for (const k of keys) if (Math.abs(Number(k) - v) < Math.abs(Number(best) - v)) best = k;
  return iss.anchors[best];
}

function issueCard(iss, results) {
  const card = el("article", { class: "issue-card", "aria-label": `Forecast for ${label(iss)}` });
  card.append(el("h3", {}, label(iss), el("span", { class: "sub" }, ` (scale ${trimNum(iss.scale.min)}–${trimNum(iss.scale.max)})`)));
  if (iss.description) card.append(el("p", { class: "description" }, iss.description));
  const table = el("table", { class: "forecast-table" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Model"), el("th", { scope: "col" }, "Forecast"),
      el("th", { scope: "col" }, "80 % interval"), el("th", { scope: "col" }, "Nearest anchor"))));
  const body = el("tbody");
  for (const r of results) {
    const f = r.forecast[iss.id];
    const iv = r.interval ? r.interval[iss.id] : null;
    body.append(el("tr", {},
      el("th", { scope: "row" }, el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }), r.model),
      el("td", { class: "forecast-value num", "data-issue": iss.id, "data-model": r.model }, fmt(f)),
      el("td", { class: "num" }, iv ? `${fmt(iv[0])} – ${fmt(iv[1])}` : "–"),
      el("td", { class: "anchor" }, anchorText(iss, f))));
  }
  table.append(body);
  card.append(el("div", { class: "card-body" }, table, scaleChart(iss, results)));
  const withRounds = results.filter((r) => r.trajectory);
  if (withRounds.length) {
    const charts = el("div", { class: "trajectories" });
    for (const r of withRounds) charts.append(trajectoryChart(iss, r));
    card.append(charts);
  }
  return card;
}

// ------------------------------------------------------------------------------------------
// SVG charts

function scaleChart(iss, results) {
  const sc = state.scenario;
  const actors = sc.actors.map((a) => {
    const st = sc.stances.find((s) => s.actor === a.id && s.issue === iss.id);
    if (!st) return null;
    const cap = pointOf(st.capability ?? a.capability);
    const sal = pointOf(st.salience);
    return { label: label(a), pos: pointOf(st.position), range: boundsOf(st.position), weight: Math.max(0, cap * sal) };
  }).filter(Boolean);
  const W = 780, left = 250, right = 24, rowH = 26;
  const top = 18 + 15 * results.length;
  const H = top + rowH * actors.length + 46;
  const lo = iss.scale.min, hi = iss.scale.max;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (W - left - right);
  const maxW = Math.max(...actors.map((a) => a.weight), 1e-12);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart scale-chart", role: "img",
    "aria-label": `Actors' positions on ${label(iss)} (circle area: capability × salience) and each model's forecast with its 80 % interval`,
  });
  root.append(svg("title", {}, `${label(iss)}: actors and forecasts`));
  const plotBottom = top + rowH * actors.length;
  // interval bands and forecast lines
  results.forEach((r, k) => {
    const f = r.forecast[iss.id];
    const iv = r.interval ? r.interval[iss.id] : null;
    const c = modelColor(r.model);
    if (iv) root.append(svg("rect", { x: x(iv[0]), y: top - 4, width: Math.max(1, x(iv[1]) - x(iv[0])), height: plotBottom - top + 8, fill: c, opacity: 0.13 }));
    if (Number.isFinite(f)) {
      root.append(svg("line", { x1: x(f), x2: x(f), y1: 14 + 15 * k, y2: plotBottom + 4, stroke: c, "stroke-width": 2.5 }));
      const anchorEnd = x(f) > W - 140;
      root.append(svg("text", { x: x(f) + (anchorEnd ? -5 : 5), y: 12 + 15 * k + 4, fill: c, "text-anchor": anchorEnd ? "end" : "start", class: "model-label" },
        `${r.model} ${fmt(f)}`));
    }
  });
  // status quo
  if (iss.status_quo !== null && iss.status_quo !== undefined) {
    const sx = x(iss.status_quo);
    root.append(svg("line", { x1: sx, x2: sx, y1: top - 4, y2: plotBottom + 4, stroke: "#555", "stroke-dasharray": "4 3" }));
    root.append(svg("text", { x: sx, y: plotBottom + 16, "text-anchor": "middle", class: "sq-label" }, "status quo"));
  }
  // actor rows
  actors.forEach((a, k) => {
    const y = top + rowH * k + rowH / 2;
    root.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, class: "row-line" }));
    root.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "actor-label" }, shorten(a.label, 32),
      svg("title", {}, a.label)));
    if (a.range[1] > a.range[0]) {
      root.append(svg("line", { x1: x(a.range[0]), x2: x(a.range[1]), y1: y, y2: y, class: "range-line" }));
    }
    const r = 3 + 9 * Math.sqrt(a.weight / maxW);
    root.append(svg("circle", { cx: x(a.pos), cy: y, r, class: "actor-dot" },
      svg("title", {}, `${a.label}: position ${fmt(a.pos)}${a.range[1] > a.range[0] ? ` (range ${fmt(a.range[0])}–${fmt(a.range[1])})` : ""}, capability × salience ${fmt(a.weight)}`)));
  });
  // axis
  const ay = plotBottom + 22;
  root.append(svg("line", { x1: left, x2: W - right, y1: ay, y2: ay, class: "axis" }));
  const ticks = new Set([lo, hi, ...Object.keys(iss.anchors || {}).map(Number)]);
  if (ticks.size <= 2) for (let k = 1; k < 4; k++) ticks.add(lo + (k * (hi - lo)) / 4);
  for (const t of [...ticks].sort((a, b) => a - b)) {
    root.append(svg("line", { x1: x(t), x2: x(t), y1: ay, y2: ay + 5, class: "axis" }));
    const txt = svg("text", { x: x(t), y: ay + 18, "text-anchor": "middle", class: "tick" }, trimNum(t));
    const an = (iss.anchors || {})[Object.keys(iss.anchors || {}).find((k) => Number(k) === t)];
    if (an) txt.append(svg("title", {}, an));
    root.append(txt);
  }
  const wrap = el("figure", { class: "chart-wrap" }, root);
  const anchors = Object.entries(iss.anchors || {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (anchors.length) {
    wrap.append(el("figcaption", {}, el("dl", { class: "anchors" },
      anchors.map(([k, v]) => [el("dt", {}, trimNum(Number(k))), el("dd", {}, v)]))));
  }
  return wrap;
}

function trajectoryChart(iss, r) {
  const W = 520, H = 230, left = 46, right = 110, top = 26, bottom = 36;
  const series = Object.entries(r.trajectory).map(([name, per]) => [name, per[iss.id]]).filter(([, s]) => s);
  const rounds = Math.max(1, ...series.map(([, s]) => s.median.length - 1));
  const lo = iss.scale.min, hi = iss.scale.max;
  const x = (t) => left + (t / rounds) * (W - left - right);
  const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (H - top - bottom);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart trajectory-chart", role: "img",
    "aria-label": `${r.model}: ${label(iss)} by round (lines: median over draws; bands: 10th to 90th percentile)`,
  });
  root.append(svg("text", { x: left, y: 16, class: "chart-title" }, `${r.model}: ${label(iss)} by round`));
  // axes
  root.append(svg("line", { x1: left, x2: left, y1: top, y2: H - bottom, class: "axis" }));
  root.append(svg("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: "axis" }));
  for (let k = 0; k <= 4; k++) {
    const v = lo + (k * (hi - lo)) / 4;
    root.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, trimNum(v)));
    root.append(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "grid" }));
  }
  const step = Math.max(1, Math.ceil(rounds / 10));
  for (let t = 0; t <= rounds; t += step) {
    root.append(svg("text", { x: x(t), y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, t));
  }
  root.append(svg("text", { x: (left + W - right) / 2, y: H - 4, "text-anchor": "middle", class: "axis-label" }, "round"));
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
  const labels = [];
  series.forEach(([name, s], k) => {
    const c = colors[k % colors.length];
    const pts = (arr) => arr.map((v, t) => (v === null ? null : [x(t), y(v)])).filter(Boolean);
    const up = pts(s.p90), down = pts(s.p10).reverse();
    if (up.length && down.length) {
      root.append(svg("polygon", { points: [...up, ...down].map((p) => p.join(",")).join(" "), fill: c, opacity: 0.15 }));
    }
    const med = pts(s.median);
    root.append(svg("polyline", { points: med.map((p) => p.join(",")).join(" "), fill: "none", stroke: c, "stroke-width": 2 }));
    if (med.length) labels.push({ x: med[med.length - 1][0] + 6, y: med[med.length - 1][1] + 4, c, name });
  });
  labels.sort((a, b) => a.y - b.y);  // keep the series' names apart
  for (let k = 1; k < labels.length; k++) labels[k].y = Math.max(labels[k].y, labels[k - 1].y + 12);
  for (const l of labels) root.append(svg("text", { x: l.x, y: l.y, fill: l.c, class: "series-label" }, l.name));
  return el("figure", { class: "chart-wrap" }, root);
}

// ------------------------------------------------------------------------------------------
// sensitivity

async function runSensitivity() {
  if (!state.scenario) return;
  const model = $("sensitivity-model").value || "mean";
  const out = $("sensitivity");
  out.replaceChildren();
  $("sensitivity-status").textContent = "analysing…";
  $("sensitivity-button").disabled = true;
  const r = await api("POST", "/api/sensitivity", { scenario: state.scenario, model, seed: Number($("seed").value) });
  $("sensitivity-button").disabled = false;
  $("sensitivity-status").textContent = "";
  if (!r.ok) {
    out.append(el("p", { class: "notice", role: "status" }, r.data.detail || "the analysis failed"));
    return;
  }
  const data = r.data;
  const pick = el("select", { id: "sensitivity-issue" },
    el("option", { value: "" }, "all issues (largest index on any issue)"),
    state.scenario.issues.map((iss) => el("option", { value: iss.id }, label(iss))));
  const holder = el("div");
  const draw = () => holder.replaceChildren(sensitivityChart(data, pick.value));
  pick.addEventListener("change", draw);
  out.append(el("div", { class: "controls" }, el("label", { for: "sensitivity-issue" }, "Forecast of"), pick,
    el("span", { class: "help" }, `${data.method === "sobol" ? "Sobol total-order index ST" : "Morris mu* (elementary effects)"}; ${data.evaluations} model evaluations.`)));
  out.append(holder);
  for (const n of data.notes || []) out.append(el("p", { class: "help" }, n));
  draw();
}

function sensitivityChart(data, issueId) {
  const rows = (issueId ? data.issues[issueId] : data.overall).filter((r) => r.value !== null).slice(0, 20);
  if (!rows.length) return el("p", { class: "notice" }, "No uncertain estimates: give some numbers as ranges to see which matter.");
  const W = 780, left = 330, right = 70, rowH = 22, top = 28;
  const H = top + rowH * rows.length + 10;
  const maxV = Math.max(...rows.map((r) => Math.abs(r.value)), 1e-12);
  const what = issueId ? label(state.scenario.issues.find((i) => i.id === issueId)) : "all issues";
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart sensitivity-chart", role: "img",
    "aria-label": `Which estimates matter most for the ${data.model} forecast (${what}), most influential first`,
  });
  root.append(svg("text", { x: 4, y: 16, class: "chart-title" },
    `Which estimates matter most: ${data.model}, ${what} (${data.method}, ${issueId ? data.key : data.method === "sobol" ? "max ST" : "max mu*/sd"})`));
  rows.forEach((r, k) => {
    const y = top + rowH * k;
    const w = (Math.abs(r.value) / maxV) * (W - left - right);
    root.append(svg("text", { x: left - 8, y: y + 15, "text-anchor": "end", class: "actor-label" }, shorten(r.label || r.name, 46),
      svg("title", {}, `${r.label} (${r.name})`)));
    root.append(svg("rect", { x: left, y: y + 3, width: Math.max(1, w), height: rowH - 6, fill: "#1f77b4", class: "bar" },
      svg("title", {}, `${r.label}: ${fmt(r.value)}${r.conf !== null && r.conf !== undefined ? " ± " + fmt(r.conf) : ""}`)));
    root.append(svg("text", { x: left + w + 6, y: y + 15, class: "tick" }, fmt(r.value)));
  });
  return el("figure", { class: "chart-wrap" }, root);
}

// ------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("example-select").addEventListener("change", loadExample);
  $("load-example").addEventListener("click", loadExample);
  $("file-input").addEventListener("change", uploadFile);
  $("run-button").addEventListener("click", runModels);
  $("sensitivity-button").addEventListener("click", runSensitivity);
  loadModels();
  loadExamples();
});
