// detente's page: build or load a scenario, check it while typing, run models, read the results,
// export everything. Vanilla JavaScript, no libraries, no build step: it works offline.
// The page computes no forecast: it edits JSON, asks the API and draws what the API answers.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
// one colour per model everywhere (tables, issue charts, round charts, legends): the report's palette
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#000000", "#7F7F7F", "#BCBD22"];
// one colour per actor in per-actor charts (distinct from nothing in particular; repeated with dashes)
const ACTOR_PALETTE = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#332288", "#117733", "#882255", "#44AA99", "#999933"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3"];
const DEFAULT_MODELS = ["mean", "median"];

const state = {
  scenario: null,      // the scenario as JSON (edited in place)
  source: "",          // where it came from (example name, file name, "new")
  models: [],          // /api/models
  limits: null,        // /api/limits
  warSchema: null,     // /api/schema/war
  options: {},         // per model: the options the user changed
  variants: {},        // per model: the chosen variant
  results: null,       // last run's results
  runId: null,         // its id (for the outputs zip)
  job: null,           // the run in progress
  serverProblems: [],  // last /api/scenarios/validate problems
  warnings: [],        // last /api/scenarios/warnings answer (what detente validate warns about)
  evidenceTarget: null,
};
// text the user typed that is not (yet) a valid value: object -> Map(prop -> {raw, message, place, what})
const bad = new WeakMap();

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
    else if (k === "value" && "value" in node) node.value = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
}

// text for screen readers only (a table head that looks empty)
function screenReaderText(text) {
  return el("span", { class: "visually-hidden" }, text);
}

// "Russia's", "Ukraine and its Western backers'" (not "backers's")
function possessive(name) {
  return /s$/.test(name) ? `${name}'` : `${name}'s`;
}

function fmt(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (digits !== undefined) return v.toFixed(digits);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

// a number in a sentence: as fmt rounds it, without trailing zeros (0, 1, 15, 32.2, 2.44)
const plain = (v) => (v === null || v === undefined || Number.isNaN(v) ? "–" : String(Number(fmt(v))));

// 35 %, one decimal under 10 % (detente.report.tables.pct): a 0.8 % ending is not "1 %" nor "0 %"
const pct = (v) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const p = 100 * v;
  return p > 0 && p < 10 ? `${p.toFixed(1)} %` : `${Math.round(p)} %`;
};

// A number on an issue's scale with the decimals the terminal and the report use for it
// (detente.scenario.model.decimals_for: about 1/1000 of the scale's width; 0-100: one decimal), so
// that both ends of a range read alike ("7.92–27.00", not "7.92–27.0").
function decimalsFor(span) {
  if (!(span > 0) || !Number.isFinite(span)) return 2;
  return Math.min(4, Math.max(0, 3 - Math.floor(Math.log10(span))));
}
function fmtOn(iss, v) {
  return iss && iss.scale ? fmt(v, decimalsFor(iss.scale.max - iss.scale.min)) : fmt(v);
}

function trimNum(v) {
  return String(Math.round(v * 1e6) / 1e6);
}

// Uncertain numbers <-> text: 40 | 40..80 | 40..50..80 | 50±10 | a mixture: A 80 · B 60..70 (each
// component named by its analyst, or 2×80 by its weight when it names none)
const MIX_SEP = " · ";
function formatU(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return trimNum(v);
  if (typeof v === "object") {
    if (Array.isArray(v.mixture)) {
      return v.mixture.map((c) => (c.analyst ? `${c.analyst} ` : `${trimNum(c.weight)}×`) + formatU(c.value)).join(MIX_SEP);
    }
    if ("mode" in v) return `${trimNum(v.low)}..${trimNum(v.mode)}..${trimNum(v.high)}`;
    if ("low" in v) return `${trimNum(v.low)}..${trimNum(v.high)}`;
    if ("mean" in v) return `${trimNum(v.mean)}±${trimNum(v.sd)}`;
  }
  return String(v);
}

const NUM = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const U_HELP = "a number, a range 40..80, a triangle 40..50..80, 50±10 or a mixture A 40 · B 50..60";

// A mixture typed as formatU shows it; an analyst's weight is the one the scenario declares
function parseMixture(text) {
  const declared = new Map(((state.scenario && state.scenario.analysts) || []).map((a) => [a.id, a.weight]));
  const comps = [];
  for (const part0 of String(text).split("·")) {
    const part = part0.trim();
    const m = part.match(/^(\S+)×(.+)$/) || part.match(/^(\S+)\s+(.+)$/);
    if (!m) return { ok: false, message: `a mixture component reads ANALYST VALUE or WEIGHT×VALUE (got "${part}")` };
    const val = parseU(m[2]);
    if (!val.ok || val.value === null || (typeof val.value === "object" && "mixture" in val.value)) {
      return { ok: false, message: `mixture component "${part}": ${val.ok ? "give a value" : val.message}` };
    }
    if (part.includes("×") && NUM.test(m[1])) {
      if (!(Number(m[1]) > 0)) return { ok: false, message: `mixture weights must be greater than 0 (got ${m[1]})` };
      comps.push({ weight: Number(m[1]), value: val.value });
    } else if (declared.has(m[1])) {
      comps.push({ weight: declared.get(m[1]), value: val.value, analyst: m[1] });
    } else {
      return { ok: false, message: `mixture component "${part}": ${m[1]} is not a declared analyst` };
    }
  }
  return { ok: true, value: { mixture: comps } };
}

// A number written the way many analysts' spreadsheets write it: a decimal comma ("12,5") or
// thousands separators ("1.234.567", "1,234,567"). Said plainly, with what to write instead; "1,234"
// could be either, so both readings are offered. (A lone "1.234" is a decimal and stays one.)
function separatorProblem(t) {
  if (/^[-+]?\d{1,3}([.,])\d{3}(\1\d{3})+$/.test(t)) {
    return `must be a number without thousands separators: write ${t.replace(/[.,]/g, "")}`;
  }
  if (!/\d,\d/.test(t)) return null;
  const dotted = t.replace(/(\d),(?=\d)/g, "$1.");
  if (/(^|[^\d.])\d{1,3},\d{3}(?!\d)/.test(t) && !/\d,\d{1,2}(?!\d)|\d,\d{4,}/.test(t)) {
    return `must be a number: use a dot for decimals (${dotted}) and no thousands separator (${t.replace(/(\d),(?=\d)/g, "$1")})`;
  }
  return `must be a number: use a dot for decimals, write ${dotted}`;
}

// "1.234" on a scale that reaches 1234 could be either a decimal or a thousands separator: asked,
// rather than read as 1.234 without a word (on a 0-100 scale it can only be a decimal).
function thousandsHint(raw, iss) {
  const t = String(raw).trim();
  const m = /^([-+]?\d{1,3})\.(\d{3})$/.exec(t);
  const max = iss && iss.scale && typeof iss.scale.max === "number" ? Math.max(Math.abs(iss.scale.max), Math.abs(iss.scale.min || 0)) : 0;
  if (!m || Math.abs(Number(m[1] + m[2])) > max) return null;
  return `could be ${t} or ${m[1]}${m[2]}: write ${m[1]}${m[2]} without a thousands separator, or ${t}0 for ${t}`;
}

// A salience typed as a percentage ("60%", or 60 on 0-100): salience goes from 0 to 1, and the
// value meant is said. Other values are left to the usual checks (1.7 is "between 0 and 1").
function salienceHint(raw) {
  const t = String(raw).replace(/\s+/g, "");
  const percent = t.includes("%");
  const r = parseU(t.replace(/%/g, ""));
  if (!r.ok || r.value === null || (typeof r.value === "object" && "mixture" in r.value)) return null;
  const v = r.value;
  const nums = typeof v === "number" ? [v] : Object.values(v);
  const top = typeof v === "object" && "mean" in v ? v.mean : Math.max(...nums);
  if (!percent && !(top >= 2 && top <= 100 && Math.min(...nums) >= 0)) return null;
  const scaled = typeof v === "number" ? v / 100 : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x / 100]));
  return `goes from 0 to 1: write ${formatU(scaled)}`;
}

// -> {ok: true, value} | {ok: false, message}; an empty text gives value null
function parseU(text) {
  if (String(text).includes("·")) return parseMixture(text);
  const t = String(text).trim().replace(/\s+/g, "");
  if (t === "") return { ok: true, value: null };
  const sep = separatorProblem(t);
  if (sep) return { ok: false, message: sep };
  if (NUM.test(t)) return { ok: true, value: Number(t) };
  const parts = t.split("..");
  if (parts.length > 1 && parts.every((p) => NUM.test(p))) {
    const n = parts.map(Number);
    if (parts.length === 2) return n[0] <= n[1] ? { ok: true, value: { low: n[0], high: n[1] } }
      : { ok: false, message: `a range must go from low to high` };
    if (parts.length === 3) return n[0] <= n[1] && n[1] <= n[2] ? { ok: true, value: { low: n[0], mode: n[1], high: n[2] } }
      : { ok: false, message: `a triangle must read low..mode..high` };
  }
  const pm = t.split(/±|\+\/-|\+-/);
  if (pm.length === 2 && pm.every((p) => NUM.test(p))) return { ok: true, value: { mean: Number(pm[0]), sd: Number(pm[1]) } };
  return { ok: false, message: `must be ${U_HELP}` };
}

function parseNum(text, integer) {
  const t = String(text).trim();
  if (t === "") return { ok: true, value: null };
  const sep = separatorProblem(t.replace(/\s+/g, ""));
  if (sep) return { ok: false, message: sep };
  if (!NUM.test(t)) return { ok: false, message: integer ? "must be a whole number" : "must be a number" };
  const v = Number(t);
  if (integer && !Number.isInteger(v)) return { ok: false, message: "must be a whole number" };
  return { ok: true, value: v };
}

function pointOf(v) {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && Array.isArray(v.mixture)) { // the weighted mean of the components
    const total = v.mixture.reduce((s, c) => s + c.weight, 0);
    return v.mixture.reduce((s, c) => s + c.weight * pointOf(c.value), 0) / total;
  }
  if (v && typeof v === "object") {
    if ("mode" in v) return v.mode;
    if ("low" in v) return (v.low + v.high) / 2;
    if ("mean" in v) return v.mean;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function boundsOf(v) {
  if (v && typeof v === "object" && Array.isArray(v.mixture)) { // the hull of the components
    const parts = v.mixture.map((c) => boundsOf(c.value));
    return [Math.min(...parts.map((p) => p[0])), Math.max(...parts.map((p) => p[1]))];
  }
  if (v && typeof v === "object" && "low" in v) return [v.low, v.high];
  if (v && typeof v === "object" && "mean" in v) return [v.mean - v.sd, v.mean + v.sd];
  const p = pointOf(v);
  return [p, p];
}

function shorten(text, n) {
  text = String(text);
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

const label = (x) => (x && (x.name || x.id)) || "";
const words = (k) => String(k).replace(/_/g, " ");

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

function moveItem(arr, k, d) {
  const j = k + d;
  if (j < 0 || j >= arr.length) return;
  [arr[k], arr[j]] = [arr[j], arr[k]];
}

// ------------------------------------------------------------------------------------------
// problems: what the user typed that is not valid (client side) + what the server says

function setBad(obj, prop, info) {
  if (!bad.has(obj)) bad.set(obj, new Map());
  bad.get(obj).set(prop, info);
}

function clearBad(obj, prop) {
  if (bad.has(obj)) bad.get(obj).delete(prop);
}

function badOf(obj, prop) {
  return bad.has(obj) ? bad.get(obj).get(prop) : undefined;
}

// Every client-side problem, by walking the scenario (so removed rows take their problems along).
function clientProblems() {
  const out = [];
  const sc = state.scenario;
  const visit = (obj, path) => {
    if (!obj || typeof obj !== "object") return;
    if (bad.has(obj)) {
      for (const [prop, info] of bad.get(obj)) out.push({ field: `${path}${path ? "." : ""}${prop}`, ...info });
    }
    if (Array.isArray(obj)) obj.forEach((x, k) => visit(x, `${path}[${k}]`));
    else for (const [k, v] of Object.entries(obj)) if (v && typeof v === "object") visit(v, path ? `${path}.${k}` : k);
  };
  visit(sc, "");
  visit(state.options, "options");
  return out;
}

function problemText(p) {
  if (p.text) return p.text;
  const body = p.what ? `${p.what} ${p.message}` : p.message;
  const got = p.raw !== undefined && p.raw !== "" ? ` (got ${JSON.stringify(p.raw)})` : "";
  return p.place ? `${p.place}: ${body}${got}` : `${p.field ? p.field + ": " : ""}${body}${got}`;
}

function showErrors(data, title) {
  const box = $("error-box");
  box.replaceChildren();
  const errors = (data && data.errors && data.errors.length) ? data.errors
    : [{ message: (data && data.detail) || "unknown error" }];
  const file = data && data.file;
  box.append(el("h3", {}, title || `${errors.length === 1 ? "A problem" : errors.length + " problems"}${file ? " in " + file : ""}`));
  const list = el("ul");
  for (const e of errors) {
    const li = el("li", { class: "error-item", "data-problem": e.field || null });
    if (e.line !== null && e.line !== undefined) li.append(el("span", { class: "err-line" }, `line ${e.line}`), " ");
    li.append(el("span", { class: "err-message" }, problemText(e)));
    list.append(li);
  }
  box.append(list);
  box.hidden = false;
  markFields(errors);
}

// A problem that stops Run or Compare, beside the button that was pressed: the problem box is at the
// top of the page, far out of view when the button is clicked. Fields named in it are marked.
function failAt(statusId, data, what) {
  const errors = (data && data.errors && data.errors.length) ? data.errors
    : [{ message: (data && data.detail) || "unknown error" }];
  const s = $(statusId);
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : "";
  s.textContent = `${what}: ${errors.slice(0, 3).map(problemText).join("; ")}${more}`;
  s.classList.add("bad");
  markFields(errors);
}
function setStatus(statusId, text) {
  const s = $(statusId);
  s.classList.remove("bad");
  s.textContent = text;
}

function clearErrors() {
  const box = $("error-box");
  box.hidden = true;
  box.replaceChildren();
  unmark();
}

function unmark() {
  document.querySelectorAll(".invalid").forEach((n) => {
    n.classList.remove("invalid");
    n.removeAttribute("aria-invalid");
    n.removeAttribute("title");
  });
  document.querySelectorAll(".cell-error").forEach((n) => n.remove());
}

function markFields(errors) {
  for (const e of errors) {
    if (!e.field) continue;
    // the field itself, or the nearest input of a parent path (e.g. "stances[3]" -> its position)
    let input = document.querySelector(`[data-field="${CSS.escape(e.field)}"]`);
    if (!input) input = document.querySelector(`[data-field^="${CSS.escape(e.field)}."]`);
    if (!input) continue;
    input.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.title = problemText(e);
    const holder = input.closest(".cell-inputs, .field, td");
    if (holder && !holder.querySelector(`.cell-error[data-for="${CSS.escape(e.field)}"]`)) {
      holder.append(el("div", { class: "cell-error", role: "alert", "data-for": e.field }, problemText(e)));
    }
  }
}

// The warnings about a valid scenario, under the problem box: they do not stop Run. Server text is
// inserted as text (el() makes text nodes), never as HTML.
function showWarnings(warnings) {
  const box = $("warning-box");
  box.replaceChildren();
  box.hidden = !warnings.length;
  if (!warnings.length) return;
  box.append(el("h3", {}, `${warnings.length === 1 ? "A warning" : warnings.length + " warnings"} about the scenario`,
    el("span", { class: "sub" }, " (it runs all the same)")));
  box.append(el("ul", {}, warnings.map((w) => el("li", { class: "warning-item" }, w))));
}

// No warnings shown, and none from a check still on its way: the scenario is being replaced, or the
// file that was to replace it did not load (its problems must not stand next to old warnings).
function clearWarnings() {
  validateSeq++;
  state.warnings = [];
  showWarnings([]);
}

// Client problems and the server's answer together, at the cells and in the box; the warnings
// only while there is no problem (they are about a valid scenario).
function showProblems() {
  unmark();
  const problems = [...clientProblems(), ...state.serverProblems];
  const status = $("validity");
  showWarnings(problems.length ? [] : state.warnings);
  if (!problems.length) {
    $("error-box").hidden = true;
    status.textContent = state.scenario ? "The scenario is valid." : "";
    status.className = "status ok";
    return problems;
  }
  showErrors({ errors: problems }, `${problems.length === 1 ? "A problem" : problems.length + " problems"} in the scenario`);
  status.textContent = `${problems.length} problem${problems.length > 1 ? "s" : ""} to fix before Run.`;
  status.className = "status bad";
  return problems;
}

let validateTimer = null;
let validateSeq = 0;

function changed(structure) {
  state.edited = true;
  scheduleDraft();
  validateSeq++; // an answer still on its way is about the scenario before this edit: dropped
  if (structure) renderScenario();
  else refreshGridLabels();
  if (state.results) $("stale-note").hidden = false; // the forecast below is of the scenario as it was
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateNow, 250);
}

// A field path and the paths inside it ("stances[3]" holds "stances[3].salience"; "war.sides.A" "war.sides.A.cost").
function samePlace(a, b) {
  if (!a || !b) return false;
  const inside = (x, y) => x === y || y.startsWith(x + ".") || y.startsWith(x + "[");
  return inside(a, b) || inside(b, a);
}

// Drop the server's problems about a field: it changed since they were said (or is being retyped).
function forgetServerProblems(field) {
  if (!field) return;
  state.serverProblems = state.serverProblems.filter((p) => !samePlace(p.field, field));
}

async function validateNow() {
  if (!state.scenario) return [];
  const seq = ++validateSeq;
  const r = await api("POST", "/api/scenarios/validate", state.scenario);
  if (seq !== validateSeq) return state.serverProblems; // an edit came after it: a newer check is due
  const problems = r.ok ? [] : (r.data.errors || [{ message: r.data.detail }]);
  // a field whose text is not (yet) a valid value was sent with its last valid value: what the server
  // says about that value is stale, the client's problem is the one that holds
  const local = clientProblems().map((p) => p.field);
  state.serverProblems = problems.filter((p) => !local.some((f) => samePlace(p.field, f)));
  if (!r.ok) state.warnings = []; // an invalid scenario: the warnings about it as it was are gone
  showProblems();
  if (r.ok) checkWarnings(seq); // not awaited: the problems are known, the warnings follow
  return state.serverProblems;
}

// The warnings about the scenario check `seq` found valid, computed by the server on the scenario as
// Export writes it. Dropped, as validate's answers are, when an edit or a newer check came after it.
async function checkWarnings(seq) {
  const r = await api("POST", "/api/scenarios/warnings", state.scenario);
  if (seq !== validateSeq) return;
  state.warnings = r.ok ? r.data.warnings : [];
  showProblems();
}

// ------------------------------------------------------------------------------------------
// inputs bound to the scenario

// kind: text | uncertain | number | int ; required: an empty text is a problem, not a default
function bound(obj, prop, { kind = "text", required = false, place = "", what = words(prop), field = null,
  cls = "", size = 10, aria = null, placeholder = "", after = null, multiline = false, wrap = false,
  rerender = false, empty = "is empty: give a value", check = null } = {}) {
  const b = badOf(obj, prop);
  const shown = b ? b.raw : (kind === "uncertain" ? formatU(obj[prop]) : (obj[prop] ?? ""));
  const attrs = {
    type: "text", class: `${kind === "text" ? "txt" : "num"} ${cls}`.trim(), value: String(shown),
    "data-field": field, size, placeholder, "aria-label": aria || `${what}${place ? " of " + place : ""}`,
  };
  if (kind === "uncertain" && obj[prop] && Array.isArray(obj[prop].mixture)) { // shown whole on hover
    attrs.title = String(shown);
    attrs.class += " mixture";
  }
  // wrap: a one-line text shown whole, on as many lines as it needs (a title, a description, a URL
  // in a table cell would otherwise be cut at the box's edge); Enter adds no line break
  const input = multiline ? el("textarea", { ...attrs, rows: 2 })
    : wrap ? el("textarea", { ...attrs, class: `${attrs.class} wrap`, rows: 1, style: `--chars: ${size}` })
    : el("input", attrs);
  if (multiline || wrap) input.value = String(shown);
  if (wrap) input.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  input.addEventListener("input", () => {
    if (wrap && /[\r\n]/.test(input.value)) input.value = input.value.replace(/\s*[\r\n]+\s*/g, " "); // pasted lines
    const raw = input.value;
    let res;
    if (kind === "uncertain") res = parseU(raw);
    else if (kind === "number" || kind === "int") res = parseNum(raw, kind === "int");
    else res = { ok: true, value: raw.trim() === "" ? null : raw };
    if (res.ok && res.value === null && required) res = { ok: false, message: empty };
    const hint = check && raw.trim() !== "" ? check(raw) : null; // what was meant, said (a salience of 60 %)
    if (hint) res = { ok: false, message: hint };
    if (!res.ok) {
      setBad(obj, prop, { raw, message: res.message, place, what });
    } else {
      clearBad(obj, prop);
      if (res.value === null) delete obj[prop];
      else obj[prop] = res.value;
      if (after) after(res.value);
    }
    forgetServerProblems(field);
    showProblems();
    changed(false);
  });
  if (rerender) input.addEventListener("change", () => changed(true));
  return input;
}

function iconButton(text, title, onclick, cls = "") {
  return el("button", { type: "button", class: `icon ${cls}`.trim(), title, "aria-label": title, onclick }, text);
}

// ------------------------------------------------------------------------------------------
// loading and starting scenarios

async function loadModels() {
  const r = await api("GET", "/api/models");
  if (!r.ok) return showErrors(r.data, "Cannot list the models");
  state.models = r.data.slice().sort((a, b) => modelIndex(a.name) - modelIndex(b.name));
  renderModels();
}

async function loadExamples() {
  const r = await api("GET", "/api/examples");
  if (!r.ok) return;
  for (const id of ["example-select", "compare-example"]) {
    const sel = $(id);
    for (const ex of r.data) {
      if (ex.error) continue; // a file that does not load is no example
      sel.append(el("option", { value: ex.name }, `${ex.title} (${ex.actors} actors × ${ex.issues} issues)`));
    }
  }
}

// Replacing a scenario edited since it was loaded or downloaded asks first (the example menu loads
// on every change, also while browsing it with the arrow keys).
function mayReplace() {
  if (!state.scenario || !state.edited) return true;
  return window.confirm(`Replace “${state.scenario.name}”? Your changes since it was loaded or last downloaded will be lost.`);
}

async function loadExample() {
  const name = $("example-select").value;
  if (!name) return;
  if (!mayReplace()) { $("example-select").value = state.exampleShown || ""; return; }
  clearErrors();
  clearWarnings();
  const r = await api("GET", `/api/examples/${encodeURIComponent(name)}`);
  if (!r.ok) return showErrors(r.data);
  discardDraft();
  setScenario(r.data, name);
}

async function uploadFile() {
  const file = $("file-input").files[0];
  if (!file) return;
  if (!mayReplace()) { $("file-input").value = ""; return; }
  clearErrors();
  clearWarnings();
  const text = await file.text();
  const r = await api("POST", "/api/scenarios/validate", { text, filename: file.name });
  $("file-input").value = "";
  if (!r.ok) return showErrors(r.data);
  discardDraft();
  setScenario(r.data, file.name);
}

// ------------------------------------------------------------------------------------------
// the draft: the scenario being edited is kept in the browser (localStorage) as it is edited, with
// the texts that are not (yet) valid values; a reload, Back or a closed tab loses nothing, and the
// next visit offers to restore it. It goes when the offer is declined or another scenario is started.

const DRAFT_KEY = "detente.draft";
let draftTimer = null;

function scheduleDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraft, 300);
}

// [path, prop, info] of every text that is not (yet) a valid value, so that a restored draft shows them
function badList() {
  const out = [];
  const visit = (obj, path) => {
    if (bad.has(obj)) for (const [prop, info] of bad.get(obj)) out.push([path, prop, info]);
    for (const [k, v] of Object.entries(obj)) if (v && typeof v === "object") visit(v, [...path, Array.isArray(obj) ? Number(k) : k]);
  };
  if (state.scenario) visit(state.scenario, []);
  return out;
}

function saveDraft() {
  clearTimeout(draftTimer);
  draftTimer = null;
  if (!state.scenario || !state.edited) return;
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify({ saved: Date.now(), source: state.source, scenario: state.scenario, bad: badList() }));
  } catch (e) { /* no storage (private window, full): the Leave-site question still guards the work */ }
}

function readDraft() {
  try {
    const d = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null");
    return d && d.scenario && Array.isArray(d.scenario.actors) && Array.isArray(d.scenario.issues) && Array.isArray(d.scenario.stances) ? d : null;
  } catch (e) { return null; }
}

function discardDraft() {
  clearTimeout(draftTimer);
  draftTimer = null;
  try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
  $("draft-note").hidden = true;
  $("draft-note").replaceChildren();
}

function whenSaved(t) {
  const d = new Date(t);
  const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? `at ${time}`
    : `on ${d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" })} at ${time}`;
}

function offerDraft() {
  const d = readDraft();
  if (!d) return;
  const box = $("draft-note");
  box.replaceChildren(el("span", {}, `Restore “${d.scenario.name || "(no name)"}”, the scenario you were editing ${whenSaved(d.saved)}?`),
    el("button", { type: "button", id: "restore-draft", class: "primary", onclick: () => restoreDraft(d) }, "Restore"),
    el("button", { type: "button", id: "discard-draft", onclick: discardDraft }, "No, discard it"));
  box.hidden = false;
}

function restoreDraft(d) {
  if (!mayReplace()) return;
  $("draft-note").hidden = true;
  $("draft-note").replaceChildren();
  clearErrors();
  clearWarnings();
  const sc = d.scenario;
  for (const [path, prop, info] of d.bad || []) {
    const obj = path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), sc);
    if (obj && typeof obj === "object") setBad(obj, prop, info);
  }
  setScenario(sc, d.source || "draft");
  state.edited = true; // the work of the last visit: replacing it asks first
  saveDraft();
  $("scenario-name").focus();
}

// ------------------------------------------------------------------------------------------
// saved runs (a server started with --store): list them, load one's scenario and settings

async function loadSavedRuns() {
  const r = await api("GET", "/api/saved-runs");
  const block = $("saved-block");
  if (!r.ok || !r.data.store) { block.hidden = true; return; }
  block.hidden = false;
  block.querySelector("summary h3").textContent = `Saved runs (${r.data.runs.length}${r.data.runs.length >= 50 ? "+" : ""})`;
  const table = $("saved-table");
  if (!r.data.runs.length) {
    table.replaceChildren(el("tbody", {}, el("tr", {}, el("td", { class: "empty-note" }, "No run saved yet: each run of this page is saved here."))));
    return;
  }
  const when = (t) => (t ? new Date(t).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "–");
  table.replaceChildren(
    el("thead", {}, el("tr", {}, ["run", "saved", "scenario", "input", "model", "forecast", "draws", "seed", "detente", screenReaderText("Load")].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, r.data.runs.map((x) => el("tr", { "data-run": x.id },
      el("td", { class: "num" }, String(x.id)), el("td", { class: "nowrap" }, when(x.created)), el("td", {}, x.scenario),
      // the input's hash tells two versions of a scenario of the same name apart (`detente runs diff` says how)
      el("td", { class: "mono", title: `input SHA-256 ${x.scenario_sha256}` }, x.scenario_sha256.slice(0, 8)),
      el("td", {}, x.model + (x.variant ? ` (${x.variant})` : "")),
      el("td", { class: "saved-forecast" }, savedForecast(x.forecast, x.model)), el("td", { class: "num" }, String(x.draws)),
      el("td", { class: "num" }, String(x.seed)), el("td", {}, x.version),
      el("td", {}, el("button", { type: "button", class: "load-saved", onclick: () => loadSavedRun(x.id) }, "Load"))))));
}

// a saved run's forecast in a few words: "territory 35.4, alliance 45.3, +3 more" (the war model's over every ending)
function savedForecast(forecast, model) {
  const items = Object.entries(forecast || {});
  const shown = items.slice(0, 3).map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(1) : "–"}`);
  const more = items.length > 3 ? `, +${items.length - 3} more` : "";
  return `${shown.join(", ")}${more}${model === "war" ? " (over every ending)" : ""}`;
}

async function loadSavedRun(id) {
  if (!mayReplace()) return;
  const r = await api("GET", `/api/saved-runs/${id}`);
  if (!r.ok) { failAt("saved-status", r.data, `cannot load run ${id}`); return; }
  const run = r.data;
  clearErrors();
  clearWarnings();
  discardDraft();
  setScenario(run.scenario, `saved run ${id}`);
  state.options[run.model] = run.options || {};
  if (run.variant) state.variants[run.model] = run.variant; else delete state.variants[run.model];
  renderModels();
  for (const box of document.querySelectorAll("#model-list input[name=model]")) box.checked = box.value === run.model;
  $("draws").value = run.draws;
  $("seed").value = run.seed;
  const other = state.limits && state.limits.version && state.limits.version !== run.version
    ? ` It was computed with detente ${run.version} and this server runs ${state.limits.version}: the numbers may differ.` : "";
  setStatus("saved-status", `Loaded run ${id}: ${run.model}, ${run.draws} draw${run.draws > 1 ? "s" : ""}, seed ${run.seed}. Run gives its numbers again.${other}`);
}

function newScenario() {
  if (!mayReplace()) return;
  discardDraft(); // another scenario, started deliberately
  clearErrors();
  setScenario({ name: "New scenario", description: "", sources: [], actors: [], issues: [], stances: [] }, "new");
}

function setScenario(scenario, source) {
  scenario.sources = scenario.sources || [];
  state.scenario = scenario;
  state.source = source;
  state.edited = false;
  state.exampleShown = $("example-select").value = [...$("example-select").options].some((o) => o.value === source) ? source : "";
  state.results = null;
  state.runId = null;
  state.serverProblems = [];
  state.warnings = [];
  state.evidenceTarget = null;
  hideUndo();
  $("results-section").hidden = true;
  $("results").replaceChildren();
  $("sensitivity").replaceChildren();
  $("compare-out").replaceChildren();
  $("scenario").hidden = false;
  $("run-button").disabled = false;
  renderScenario();
  $("scenario").dataset.source = source; // which file is shown, once its tables are drawn
  validateNow();
}

function renderScenario() {
  const sc = state.scenario;
  const head = $("scenario-head");
  head.replaceChildren(
    el("div", { class: "field wide" }, el("label", { for: "scenario-name" }, "Name"),
      bound(sc, "name", { field: "name", required: true, what: "name", place: "the scenario", size: 50, aria: "Scenario name" })),
    el("div", { class: "field wide" }, el("label", { for: "scenario-description" }, "Description"),
      bound(sc, "description", { field: "description", what: "description", multiline: true, aria: "Scenario description" })));
  head.querySelector("input").id = "scenario-name";
  head.querySelector("textarea").id = "scenario-description";
  renderActors();
  renderIssues();
  renderTable();
  renderSources();
  renderWar();
  $("counts").textContent = `${sc.actors.length} actor${sc.actors.length === 1 ? "" : "s"}, ${sc.issues.length} issue${sc.issues.length === 1 ? "" : "s"}, ${sc.stances.length} stance${sc.stances.length === 1 ? "" : "s"}, ${sc.sources.length} source${sc.sources.length === 1 ? "" : "s"}`;
  renderEvidence();
  showProblems();
}

// ------------------------------------------------------------------------------------------
// actors and issues

function uniqueId(prefix, taken) {
  let k = taken.length + 1;
  while (taken.includes(`${prefix}${k}`)) k++;
  return `${prefix}${k}`;
}

// the war block's references to an actor: the sides' members and their ratifiers' (optional) actor
function warSides(sc) {
  return sc.war && sc.war.sides ? Object.values(sc.war.sides).filter(Boolean) : [];
}

function renameActor(oldId, newId) {
  const sc = state.scenario;
  for (const s of sc.stances) if (s.actor === oldId) s.actor = newId;
  for (const side of warSides(sc)) {
    if (Array.isArray(side.actors)) side.actors = side.actors.map((a) => (a === oldId ? newId : a));
    for (const r of side.ratifiers || []) if (r && r.actor === oldId) r.actor = newId;
  }
}

// Removing an actor removes its stances and its place in the war block (a ratifier keeps its
// win-set but no longer names the actor), as renaming follows it there.
function forgetActor(id) {
  const sc = state.scenario;
  sc.stances = sc.stances.filter((s) => s.actor !== id);
  for (const side of warSides(sc)) {
    if (Array.isArray(side.actors)) side.actors = side.actors.filter((a) => a !== id);
    for (const r of side.ratifiers || []) if (r && r.actor === id) delete r.actor;
  }
}

function renameIssue(oldId, newId) {
  const sc = state.scenario;
  for (const s of sc.stances) if (s.issue === oldId) s.issue = newId;
  if (sc.war && sc.war.terms && Array.isArray(sc.war.terms.issues)) {
    sc.war.terms.issues = sc.war.terms.issues.map((i) => (i === oldId ? newId : i));
  }
}

function idInput(obj, k, kind, rename) {
  const field = `${kind}[${k}].id`;
  // shown whole like the names (a long id such as settlement_form wraps), still one line: Enter adds none
  const input = el("textarea", { class: "txt id wrap", rows: 1, style: "--chars: 9", "data-field": field,
    "aria-label": `Id of ${kind === "actors" ? "actor" : "issue"} ${k + 1}` });
  input.value = obj.id;
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  input.addEventListener("change", () => {
    const v = input.value.replace(/\s*[\r\n]+\s*/g, " ").trim();
    const others = state.scenario[kind].filter((x) => x !== obj).map((x) => x.id);
    if (!v || others.includes(v)) {
      setBad(obj, "id", { raw: input.value, message: v ? "is taken by another row: ids must be unique" : "is empty: give a short id", place: label(obj), what: "id" });
      showProblems();
      scheduleDraft();
      return;
    }
    clearBad(obj, "id");
    if (v !== obj.id) { rename(obj.id, v); obj.id = v; }
    changed(true);
  });
  return input;
}

function rowControls(arr, k, what, onRemove) {
  return el("td", { class: "row-controls" },
    iconButton("↑", `Move ${what} up`, () => { moveItem(arr, k, -1); changed(true); }),
    iconButton("↓", `Move ${what} down`, () => { moveItem(arr, k, 1); changed(true); }),
    iconButton("✕", `Remove ${what}`, () => {
      const undo = onRemove();
      changed(true);
      if (undo) offerUndo(undo.message, undo.undo, undo.refocus);
    }, "danger"));
}

// ------------------------------------------------------------------------------------------
// undoing a removal: the ✕ of an actor, an issue, a source or a stance removes at once (with the
// positions and evidence that go with it) and says so at the bottom of the window, with an Undo

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
let lastRemoval = null;

function offerUndo(message, undo, refocus) {
  const box = $("undo-note");
  lastRemoval = { undo, refocus, scenario: state.scenario };
  box.replaceChildren(el("span", { class: "undo-text" }, message),
    el("button", { type: "button", id: "undo-button", onclick: undoRemoval }, "Undo"),
    el("button", { type: "button", class: "close", "aria-label": "Dismiss this notice", title: "Dismiss", onclick: hideUndo }, "×"));
  box.hidden = false;
  $("undo-button").focus({ preventScroll: true }); // the ✕ pressed is gone with its row
}

function hideUndo() {
  lastRemoval = null;
  const box = $("undo-note");
  box.hidden = true;
  box.replaceChildren();
}

function undoRemoval() {
  const r = lastRemoval;
  hideUndo();
  if (!r || r.scenario !== state.scenario) return; // another scenario since
  r.undo();
  changed(true);
  const back = r.refocus && r.refocus();
  if (back) back.focus();
}

// Put removed items back at their places (in the order they were at), skipping those `keep` refuses.
function reinsert(arr, saved, keep = () => true) {
  for (const [j, x] of saved) if (keep(x) && !arr.includes(x)) arr.splice(Math.min(j, arr.length), 0, x);
}

function renderActors() {
  const sc = state.scenario;
  const body = el("tbody");
  sc.actors.forEach((a, k) => {
    const place = label(a);
    body.append(el("tr", { "data-actor": a.id },
      el("td", {}, idInput(a, k, "actors", renameActor)),
      el("td", {}, bound(a, "name", { field: `actors[${k}].name`, place, what: "name", size: 20, rerender: true, wrap: true })),
      el("td", {}, el("div", { class: "cell-inputs" }, bound(a, "capability", { kind: "uncertain", required: true, field: `actors[${k}].capability`, place, what: "capability", size: 9, cls: "cap" }),
        evidenceButton(a, `capability of ${place}`, `actors[${k}]`))),
      el("td", {}, bound(a, "group", { field: `actors[${k}].group`, place, what: "group", size: 7 })),
      el("td", {}, bound(a, "description", { field: `actors[${k}].description`, place, what: "description", size: 28, wrap: true })),
      rowControls(sc.actors, k, `actor ${place}`, () => removeActor(a))));
  });
  $("actors-table").replaceChildren(
    el("thead", {}, el("tr", {}, ["Id", "Name", "Capability", "Group", "Description", screenReaderText("Move or remove")].map((h) => el("th", { scope: "col" }, h)))),
    body);
}

function removeActor(a) {
  const sc = state.scenario;
  const k = sc.actors.indexOf(a);
  const stances = sc.stances.map((s, j) => [j, s]).filter(([, s]) => s.actor === a.id);
  // where the war block names it: a side's members, a ratifier
  const sides = warSides(sc).map((side) => [side, Array.isArray(side.actors) ? side.actors.indexOf(a.id) : -1,
    (side.ratifiers || []).filter((r) => r && r.actor === a.id)]);
  forgetActor(a.id);
  sc.actors.splice(k, 1);
  return {
    message: removedText(a, stances),
    undo: () => {
      const now = state.scenario;
      if (now.actors.some((x) => x.id === a.id)) setBad(a, "id", { raw: a.id, message: "is taken by another row: ids must be unique", place: label(a), what: "id" });
      reinsert(now.actors, [[k, a]]);
      reinsert(now.stances, stances, (s) => !now.stances.some((x) => x.actor === s.actor && x.issue === s.issue));
      for (const [side, at, ratifiers] of sides) {
        if (at >= 0 && Array.isArray(side.actors) && !side.actors.includes(a.id)) side.actors.splice(Math.min(at, side.actors.length), 0, a.id);
        for (const r of ratifiers) if (r.actor === undefined) r.actor = a.id;
      }
    },
    refocus: () => document.querySelector(`#actors-table tr[data-actor="${CSS.escape(a.id)}"] button[aria-label^="Remove actor"]`),
  };
}

// "Removed Beta, its 2 positions and 1 piece of evidence." (the row's own evidence and its stances')
function removedText(row, stances) {
  const ev = stances.reduce((n, [, s]) => n + (s.evidence || []).length, (row.evidence || []).length);
  const positions = stances.length ? `${ev ? "," : " and"} its ${stances.length === 1 ? "position" : plural(stances.length, "position")}` : "";
  return `Removed ${label(row)}${positions}${ev ? ` and ${plural(ev, "piece")} of evidence` : ""}.`;
}

function removeIssue(iss) {
  const sc = state.scenario;
  const k = sc.issues.indexOf(iss);
  const stances = sc.stances.map((s, j) => [j, s]).filter(([, s]) => s.issue === iss.id);
  sc.stances = sc.stances.filter((s) => s.issue !== iss.id);
  sc.issues.splice(k, 1);
  return {
    message: removedText(iss, stances),
    undo: () => {
      const now = state.scenario;
      if (now.issues.some((x) => x.id === iss.id)) setBad(iss, "id", { raw: iss.id, message: "is taken by another row: ids must be unique", place: label(iss), what: "id" });
      reinsert(now.issues, [[k, iss]]);
      reinsert(now.stances, stances, (s) => !now.stances.some((x) => x.actor === s.actor && x.issue === s.issue));
    },
    refocus: () => document.querySelector(`#issues-table tr[data-issue="${CSS.escape(iss.id)}"] button[aria-label^="Remove issue"]`),
  };
}

function addActor() {
  const sc = state.scenario;
  const name = $("new-actor-name").value.trim();
  const id = uniqueId("A", sc.actors.map((a) => a.id));
  sc.actors.push({ id, name: name || `Actor ${sc.actors.length + 1}`, capability: 1, evidence: [] });
  $("new-actor-name").value = "";
  changed(true);
}

function anchorsText(anchors) {
  return Object.entries(anchors || {}).sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, v]) => `${trimNum(Number(k))} = ${v}`).join("\n");
}

// The issue's anchors, one "point = label" per line (Enter starts the next; "; " separates them too):
// long labels such as the flagship's are read and edited whole, not in a one-line box.
function anchorsInput(iss, k) {
  const field = `issues[${k}].anchors`;
  const b = badOf(iss, "anchors");
  const input = el("textarea", { class: "txt wrap anchors-input", rows: 1, style: "--chars: 22", "data-field": field,
    placeholder: "0 = none\n100 = all", "aria-label": `Anchors of ${label(iss)}, one "point = label" per line` });
  input.value = b ? b.raw : anchorsText(iss.anchors);
  input.addEventListener("input", () => {
    const out = {};
    const parts = input.value.split(/[;\r\n]/).map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      const m = /^([-+]?\d*\.?\d+(?:e[-+]?\d+)?)\s*[=:]\s*(.+)$/i.exec(p);
      if (!m) {
        setBad(iss, "anchors", { raw: input.value, message: "must read point = label, one per line", place: label(iss), what: "anchors" });
        showProblems();
        scheduleDraft();
        return;
      }
      out[trimNum(Number(m[1]))] = m[2].trim();
    }
    clearBad(iss, "anchors");
    iss.anchors = out;
    showProblems();
    changed(false);
  });
  return input;
}

function renderIssues() {
  const sc = state.scenario;
  const body = el("tbody");
  sc.issues.forEach((iss, k) => {
    iss.scale = iss.scale || { min: 0, max: 100 };
    const place = label(iss);
    body.append(el("tr", { "data-issue": iss.id },
      el("td", {}, idInput(iss, k, "issues", renameIssue)),
      el("td", {}, el("div", { class: "with-ev" }, bound(iss, "name", { field: `issues[${k}].name`, place, what: "name", size: 16, rerender: true, wrap: true }),
        evidenceButton(iss, `issue ${place}`, `issues[${k}]`))),
      el("td", {}, bound(iss, "description", { field: `issues[${k}].description`, place, what: "description", size: 15, wrap: true })),
      el("td", { class: "scale" }, bound(iss.scale, "min", { kind: "number", required: true, field: `issues[${k}].scale.min`, place, what: "scale min", size: 5 }),
        " – ", bound(iss.scale, "max", { kind: "number", required: true, field: `issues[${k}].scale.max`, place, what: "scale max", size: 5 })),
      el("td", {}, bound(iss, "status_quo", { kind: "number", field: `issues[${k}].status_quo`, place, what: "status quo", size: 5 })),
      el("td", {}, bound(iss, "outcome", { kind: "number", field: `issues[${k}].outcome`, place, what: "outcome", size: 5 })),
      el("td", {}, anchorsInput(iss, k)),
      rowControls(sc.issues, k, `issue ${place}`, () => removeIssue(iss))));
  });
  $("issues-table").replaceChildren(
    el("thead", {}, el("tr", {}, ["Id", "Name", "Description", "Scale min – max", "Status quo", "Outcome (if known)", "Anchors (point = label, one per line)", screenReaderText("Move or remove")]
      .map((h) => el("th", { scope: "col" }, h)))),
    body);
}

function addIssue() {
  const sc = state.scenario;
  const name = $("new-issue-name").value.trim();
  const id = uniqueId("I", sc.issues.map((i) => i.id));
  sc.issues.push({ id, name: name || `Issue ${sc.issues.length + 1}`, scale: { min: 0, max: 100 }, anchors: {}, evidence: [] });
  $("new-issue-name").value = "";
  changed(true);
}

// ------------------------------------------------------------------------------------------
// the actors x issues grid of stances

function evidenceButton(target, what, path) {
  target.evidence = target.evidence || [];
  const n = target.evidence.length;
  const tip = n ? target.evidence.map((e) => `“${e.quote || e.paraphrase || ""}”${e.source ? " — " + e.source : ""}`).join("\n\n") : `Add evidence for ${what}`;
  const open = !!state.evidenceTarget && state.evidenceTarget.target === target;
  // the name starts with what the button shows ("i4"), so that speech control can say it (WCAG 2.5.3),
  // then says what it is
  const button = el("button", {
    type: "button", class: `ev${n ? "" : " ev-empty"}`, title: tip,
    "aria-label": `i${n}: evidence for ${what}, ${n === 0 ? "none yet" : n === 1 ? "1 item" : `${n} items`}`, "data-evidence": path,
    "aria-expanded": String(open), "aria-controls": "evidence-panel",
    onclick: () => openEvidence(target, what, path),
  }, "i", el("span", { class: "ev-n" }, n));
  Object.assign(button, { evTarget: target, evWhat: what }); // the panel finds its button again after the tables are drawn anew
  return button;
}

function issueSub(iss) {
  const sq = iss.status_quo !== null && iss.status_quo !== undefined && iss.status_quo !== "" ? ` · status quo ${trimNum(iss.status_quo)}` : "";
  const scale = iss.scale || {};
  const n = (v) => (typeof v === "number" && Number.isFinite(v) ? trimNum(v) : "?"); // a field half-typed
  return ` ${n(scale.min)}–${n(scale.max)}${sq}`;
}

// An edit of a name, a scale, a status quo or a capability (which does not redraw the grid, so that
// the field being typed in keeps its focus) updates the grid's headers, against which positions are typed.
function refreshGridLabels() {
  const sc = state.scenario;
  const table = $("stance-table");
  if (!sc || !table || !sc.actors.length || !sc.issues.length) return;
  const heads = table.querySelectorAll("thead th[scope=col]:not(.corner)");
  const rows = table.querySelectorAll("tbody th[scope=row]");
  if (heads.length !== sc.issues.length || rows.length !== sc.actors.length) return; // redrawn by the next structural change
  sc.issues.forEach((iss, k) => {
    heads[k].querySelector(".issue-name").textContent = label(iss);
    heads[k].querySelector(".sub").textContent = issueSub(iss);
    heads[k].title = iss.description || "";
  });
  sc.actors.forEach((act, k) => {
    rows[k].querySelector(".actor-name").textContent = label(act);
    rows[k].querySelector(".sub").textContent = ` ${formatU(act.capability)}`;
    rows[k].title = act.description || "";
  });
}

function renderTable() {
  const sc = state.scenario;
  const table = $("stance-table");
  table.replaceChildren();
  if (!sc.actors.length || !sc.issues.length) {
    table.append(el("tbody", {}, el("tr", {}, el("td", { class: "empty-note" }, "Add at least one actor and one issue; then each cell takes an actor's position and salience on an issue."))));
    return;
  }
  // the issues share the width evenly whatever the length of their names (a long name wraps)
  const head = el("tr", {}, el("th", { scope: "col", class: "corner", style: "width: 13%" }, "Actor ", el("span", { class: "sub" }, "capability")));
  sc.issues.forEach((iss) => {
    head.append(el("th", { scope: "col", title: iss.description || "", style: `width: ${(87 / sc.issues.length).toFixed(3)}%` },
      el("span", { class: "issue-name" }, label(iss)),
      el("span", { class: "sub" }, issueSub(iss))));
  });
  table.append(el("thead", {}, head));
  const body = el("tbody");
  sc.actors.forEach((act) => {
    const row = el("tr");
    row.append(el("th", { scope: "row", title: act.description || "" },
      el("span", { class: "actor-name" }, label(act)), el("span", { class: "sub" }, ` ${formatU(act.capability)}`)));
    sc.issues.forEach((iss) => row.append(stanceCell(act, iss)));
    body.append(row);
  });
  table.append(body);
}

function stanceCell(act, iss) {
  const sc = state.scenario;
  const place = `${label(act)} / ${label(iss)}`;
  const k = sc.stances.findIndex((s) => s.actor === act.id && s.issue === iss.id);
  const td = el("td", { class: k < 0 ? "empty" : "", "data-cell": `${act.id}|${iss.id}` });
  if (k < 0) {
    // no stance yet: typing a position creates one whose salience is EMPTY (and reported), never 1
    const pos = el("input", { type: "text", class: "num pos", placeholder: "–", size: 9, "aria-label": `Position of ${place}` });
    pos.addEventListener("change", () => {
      const res = parseU(pos.value);
      if (res.ok && res.value === null) return;
      if (sc.stances.some((s) => s.actor === act.id && s.issue === iss.id)) return; // already created
      const st = { actor: act.id, issue: iss.id, evidence: [] };
      if (res.ok) st.position = res.value;
      else setBad(st, "position", { raw: pos.value, message: res.message, place, what: "position" });
      setBad(st, "salience", { raw: "", message: "is empty: give how much the actor cares, between 0 and 1", place, what: "salience" });
      sc.stances.push(st);
      changed(true);
      const cell = document.querySelector(`[data-cell="${CSS.escape(act.id + "|" + iss.id)}"] input.sal`);
      if (cell) cell.focus();
    });
    td.append(el("div", { class: "cell-inputs" }, el("span", { class: "cell-label" }, "pos"), pos));
    return td;
  }
  const st = sc.stances[k];
  // clearing the position (to retype it) keeps the stance, its salience and its evidence: the cell says
  // the position is missing; only the cell's ✕ takes the stance out (and offers to undo it)
  const pos = bound(st, "position", { kind: "uncertain", required: true, empty: POSITION_MISSING, field: `stances[${k}].position`, place, what: "position", cls: "pos", size: 9,
    check: (raw) => thousandsHint(raw, iss) });
  const sal = bound(st, "salience", { kind: "uncertain", required: true, field: `stances[${k}].salience`, place, what: "salience", cls: "sal", size: 6, check: salienceHint });
  const cap = bound(st, "capability", { kind: "uncertain", field: `stances[${k}].capability`, place, what: "capability on this issue", cls: "capi", size: 6, placeholder: "actor's" });
  td.append(el("div", { class: "cell-inputs" },
    el("span", { class: "cell-label" }, "pos"), pos,
    el("span", { class: "cell-label" }, "sal"), sal,
    el("span", { class: "cell-label" }, "cap"), cap,
    el("span", { class: "cell-label" }, ""), el("span", { class: "cell-tools" }, evidenceButton(st, place, `stances[${k}]`),
      iconButton("✕", `Remove the stance of ${place}`, () => removeStance(st, place), "danger remove-stance"))));
  return td;
}

const POSITION_MISSING = "missing: type it (the salience and evidence are kept), or remove the stance with ✕";

function removeStance(st, place) {
  const sc = state.scenario;
  const at = sc.stances.indexOf(st);
  if (at < 0) return; // removed already
  sc.stances.splice(at, 1);
  changed(true);
  const n = (st.evidence || []).length;
  offerUndo(`Removed the stance of ${place}${n ? ` and its ${plural(n, "piece")} of evidence` : ""}.`, () => {
    if (!sc.stances.some((s) => s.actor === st.actor && s.issue === st.issue)) sc.stances.splice(Math.min(at, sc.stances.length), 0, st);
  }, () => document.querySelector(`[data-cell="${CSS.escape(st.actor + "|" + st.issue)}"] input.pos`));
}

// ------------------------------------------------------------------------------------------
// evidence and sources

// The evidence panel opens where its button is: in a row of its own under the table row holding the
// button, wholly in view, focus in its first field. Close or Escape shuts it and gives focus back to
// the button. The tables are drawn anew on each structural edit: the panel (kept here, as it is out
// of the document while they are) is put back under its button's new row, or closed if its number
// went with the edit.
let evidencePanelNode = null;
const evidencePanel = () => evidencePanelNode || (evidencePanelNode = $("evidence-panel"));

function evidenceButtonOf(target) {
  return [...document.querySelectorAll("button.ev")].find((b) => b.evTarget === target) || null;
}

function openEvidence(target, what, path) {
  state.evidenceTarget = { target, what, path };
  renderEvidence();
  revealEvidence();
  const panel = evidencePanel();
  const first = panel.querySelector(".ev-item textarea, .ev-item input, .ev-item select") || $("add-evidence");
  if (first) first.focus({ preventScroll: true });
}

function closeEvidence() {
  const t = state.evidenceTarget;
  const active = document.activeElement;
  const lost = !active || active === document.body || evidencePanel().contains(active); // focus in the panel, or nowhere
  state.evidenceTarget = null;
  renderEvidence();
  const button = t && evidenceButtonOf(t.target);
  if (button && lost) button.focus();
}

// Put the panel in a row after its button's row (or back home, hidden, when closed).
function placeEvidence() {
  const panel = evidencePanel();
  const t = state.evidenceTarget;
  const button = t && evidenceButtonOf(t.target);
  for (const b of document.querySelectorAll("button.ev")) b.setAttribute("aria-expanded", String(!!button && b === button));
  const row = button && button.closest("tr");
  if (!row) {
    for (const r of document.querySelectorAll("tr.ev-row")) r.remove();
    $("stances-block").after(panel);
    return false;
  }
  t.what = button.evWhat; // a renamed actor, a stance now at another index
  t.path = button.getAttribute("data-evidence");
  let evRow = panel.closest("tr.ev-row");
  if (!evRow || evRow.previousElementSibling !== row) {
    const cols = Math.max(...[...row.closest("table").rows].map((r) => [...r.cells].reduce((n, c) => n + c.colSpan, 0)));
    evRow = el("tr", { class: "ev-row" }, el("td", { colspan: cols }));
    row.after(evRow);
  }
  evRow.cells[0].append(panel);
  for (const r of document.querySelectorAll("tr.ev-row")) if (r !== evRow) r.remove();
  return true;
}

// Scroll the page (only if needed) so that the whole panel is in view, its button too when both fit.
function revealEvidence() {
  const panel = evidencePanel();
  if (panel.hidden) return;
  const margin = 8;
  const p = panel.getBoundingClientRect();
  let dy = 0;
  if (p.bottom > window.innerHeight - margin) dy = p.bottom - (window.innerHeight - margin);
  if (p.top - dy < margin) dy = p.top - margin;
  const t = state.evidenceTarget, button = t && evidenceButtonOf(t.target);
  if (button && dy < 0) { // the panel's top is above the window: show the button above it if it fits
    const b = button.getBoundingClientRect();
    dy = Math.max(b.top - margin, p.bottom - (window.innerHeight - margin));
  }
  if (dy) window.scrollBy(0, dy);
}

function renderEvidence() {
  const panel = evidencePanel();
  const t = state.evidenceTarget;
  if (!t || !placeEvidence()) {
    state.evidenceTarget = null;
    panel.hidden = true;
    panel.replaceChildren();
    placeEvidence();
    return;
  }
  const list = t.target.evidence = t.target.evidence || [];
  const sources = state.scenario.sources || [];
  // focus stays in the panel across the re-drawing an addition or a removal brings
  const focusItem = (j) => {
    const field = panel.querySelector(`[data-field="${CSS.escape(`${t.path}.evidence[${j}].quote`)}"]`) || $("add-evidence");
    revealEvidence();
    if (field) field.focus();
  };
  panel.replaceChildren(el("div", { class: "ev-head" },
    el("h4", { id: "evidence-heading" }, `Evidence for ${t.what}`),
    el("button", { type: "button", class: "close", "aria-label": "Close the evidence", title: "Close (Escape)", onclick: closeEvidence }, "×")));
  const ol = el("ol", { class: "ev-list" });
  list.forEach((e, j) => {
    const base = `${t.path}.evidence[${j}]`;
    const place = `${t.what}, evidence ${j + 1}`;
    const srcSel = el("select", { "data-field": `${base}.source`, "aria-label": `Source of evidence ${j + 1}` },
      el("option", { value: "" }, "(no source)"),
      sources.map((s) => el("option", { value: s.id, selected: s.id === e.source }, `${s.id}${s.title ? " — " + shorten(s.title, 50) : ""}`)),
      e.source && !sources.some((s) => s.id === e.source) ? el("option", { value: e.source, selected: true }, `${e.source} (not in the source list)`) : null);
    srcSel.addEventListener("change", () => { if (srcSel.value) e.source = srcSel.value; else delete e.source; changed(false); });
    ol.append(el("li", { class: "ev-item" },
      el("div", { class: "field" }, el("label", {}, "Quote (verbatim)"), bound(e, "quote", { field: `${base}.quote`, place, what: "quote", multiline: true })),
      el("div", { class: "field" }, el("label", {}, "or paraphrase"), bound(e, "paraphrase", { field: `${base}.paraphrase`, place, what: "paraphrase", multiline: true })),
      el("div", { class: "ev-meta" },
        el("label", {}, "Source ", srcSel),
        el("label", {}, "Date ", bound(e, "date", { field: `${base}.date`, place, what: "date", size: 10, placeholder: "2024-12-01" })),
        el("label", {}, "URL ", bound(e, "url", { field: `${base}.url`, place, what: "url", size: 22 })),
        iconButton("✕", `Remove evidence ${j + 1}`, () => { list.splice(j, 1); changed(true); focusItem(Math.min(j, list.length - 1)); }, "danger"))));
  });
  panel.append(ol.children.length ? ol : el("p", { class: "help" }, "No evidence yet for this number."));
  panel.append(el("button", { type: "button", id: "add-evidence", onclick: () => { list.push({ quote: "" }); changed(true); focusItem(list.length - 1); } }, "Add evidence"));
  panel.hidden = false;
  markFields([...clientProblems(), ...state.serverProblems]);
}

function renderSources() {
  const sc = state.scenario;
  const body = el("tbody");
  sc.sources.forEach((s, k) => {
    const place = `source ${s.id}`;
    body.append(el("tr", {},
      el("td", {}, bound(s, "id", { field: `sources[${k}].id`, required: true, place, what: "id", size: 13, wrap: true })),
      ["title", "author", "publisher", "date", "url"].map((f) =>
        el("td", {}, bound(s, f, { field: `sources[${k}].${f}`, place, what: f, size: { title: 22, url: 20, date: 10 }[f] || 10, wrap: f !== "date" }))),
      rowControls(sc.sources, k, `source ${s.id}`, () => {
        sc.sources.splice(k, 1);
        return { message: `Removed source ${s.id}.`, undo: () => reinsert(state.scenario.sources, [[k, s]]) };
      })));
  });
  $("sources-table").replaceChildren(
    el("thead", {}, el("tr", {}, ["Id", "Title", "Author", "Publisher", "Date", "URL", screenReaderText("Move or remove")].map((h) => el("th", { scope: "col" }, h)))),
    body);
}

function addSource() {
  const sc = state.scenario;
  sc.sources.push({ id: uniqueId("S", sc.sources.map((s) => s.id)) });
  changed(true);
}

// ------------------------------------------------------------------------------------------
// forms generated from JSON schemas (the war block; each model's options): one source of truth

function deref(node, root) {
  let guard = 0;
  while (node && node.$ref && guard++ < 20) {
    const name = node.$ref.split("/").pop();
    node = { ...((root.$defs || {})[name] || {}), ...Object.fromEntries(Object.entries(node).filter(([k]) => k !== "$ref")) };
  }
  return node || {};
}

function isUncertain(node, root) {
  const alts = node.anyOf || [];
  return alts.some((a) => a.type === "number") && alts.some((a) => {
    const d = deref(a, root);
    return d.properties && ("low" in d.properties || "mean" in d.properties);
  });
}

function nonNull(node) {
  const alts = (node.anyOf || []).filter((a) => a.type !== "null");
  const optional = (node.anyOf || []).some((a) => a.type === "null");
  return { inner: alts.length === 1 ? { ...node, ...alts[0], anyOf: undefined } : node, optional };
}

function limitsText(node) {
  const lo = node.minimum ?? node.exclusiveMinimum;
  const hi = node.maximum ?? node.exclusiveMaximum;
  if (lo !== undefined && hi !== undefined) return `${lo}–${hi}`;
  if (lo !== undefined) return `≥ ${lo}`;
  if (hi !== undefined) return `≤ ${hi}`;
  return "";
}

// ctx: {root, place, path, ids: {actors, issues}, skip: Set of keys}
function schemaFields(node, root, obj, ctx) {
  node = deref(node, root);
  const box = el("div", { class: "schema-fields" });
  for (const [key, prop0] of Object.entries(node.properties || {})) {
    if (ctx.skip && ctx.skip.has(key)) continue;
    box.append(schemaField(key, prop0, root, obj, ctx));
  }
  return box;
}

function schemaField(key, prop0, root, obj, ctx) {
  const prop = deref(prop0, root);
  const path = ctx.path ? `${ctx.path}.${key}` : key;
  const title = prop.title || words(key);
  const help = prop.description || "";
  const def = prop.default;
  const id = `f-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const lab = (extra) => el("label", { for: id, title: help }, title, extra ? el("span", { class: "sub" }, ` ${extra}`) : null);
  const wrap = (control, extra) => el("div", { class: "field", "data-key": key }, lab(extra), control,
    help ? el("span", { class: "field-help" }, shorten(help, 140)) : null);
  const { inner, optional } = nonNull(prop);

  if (prop.discriminator && prop.oneOf) { // a tagged union (the battlefield): pick the kind, then its fields
    const pname = prop.discriminator.propertyName;
    const kinds = Object.keys(prop.discriminator.mapping);
    obj[key] = obj[key] || {};
    const cur = obj[key][pname] || kinds[0];
    const sel = el("select", { id, "data-field": `${path}.${pname}` }, kinds.map((k) => el("option", { value: k, selected: k === cur }, words(k))));
    sel.addEventListener("change", () => { obj[key] = { [pname]: sel.value }; forgetServerProblems(path); changed(true); });
    const sub = prop.oneOf.map((o) => deref(o, root)).find((d) => d.properties && d.properties[pname] && (d.properties[pname].const === cur || (d.properties[pname].enum || []).includes(cur) || d.properties[pname].default === cur));
    return el("fieldset", { class: "schema-group", "data-key": key }, el("legend", {}, title),
      el("div", { class: "field" }, el("label", { for: id }, "kind"), sel),
      sub ? schemaFields(sub, root, obj[key], { ...ctx, path, skip: new Set([pname, "evidence", "note"]) }) : null);
  }
  if (isUncertain(prop, root)) {
    return wrap(bound(obj, key, { kind: "uncertain", field: path, place: ctx.place, what: words(key), size: 10, placeholder: def !== undefined && def !== null ? formatU(def) : "", aria: `${title}${ctx.place ? " of " + ctx.place : ""}` }), limitsText(prop));
  }
  if (inner.enum || inner.const !== undefined) {
    const opts = inner.enum || [inner.const];
    const sel = el("select", { id, "data-field": path },
      el("option", { value: "" }, def !== undefined && def !== null ? `default (${def})` : "(not set)"),
      opts.map((o) => el("option", { value: String(o), selected: obj[key] === o }, String(o))));
    sel.addEventListener("change", () => { if (sel.value === "") delete obj[key]; else obj[key] = opts.find((o) => String(o) === sel.value); forgetServerProblems(path); changed(false); });
    return wrap(sel);
  }
  if (inner.type === "boolean") {
    const cb = el("input", { type: "checkbox", id, "data-field": path, checked: obj[key] ?? def ?? false });
    cb.addEventListener("change", () => { obj[key] = cb.checked; forgetServerProblems(path); changed(false); });
    return wrap(cb);
  }
  if (inner.type === "integer" || inner.type === "number") {
    const input = bound(obj, key, { kind: inner.type === "integer" ? "int" : "number", field: path, place: ctx.place, what: words(key), size: 8, placeholder: def !== undefined && def !== null ? String(def) : "" });
    input.id = id;
    return wrap(input, limitsText(inner));
  }
  if (inner.type === "array") {
    const items = deref(inner.items || {}, root);
    if (items.type === "string" && ctx.ids && (key === "actors" || key === "issues")) { // pick from the scenario's ids
      const chosen = obj[key] || [];
      const pool = key === "actors" ? ctx.ids.actors : ctx.ids.issues;
      const group = el("div", { class: "checks", "data-field": path, role: "group", "aria-label": `${title}${ctx.place ? " of " + ctx.place : ""}` });
      for (const [pid, plabel] of pool) {
        const cid = `${id}-${pid}`;
        const cb = el("input", { type: "checkbox", id: cid, checked: chosen.includes(pid) });
        cb.addEventListener("change", () => {
          const now = new Set(obj[key] || []);
          if (cb.checked) now.add(pid); else now.delete(pid);
          const list = pool.map(([i]) => i).filter((i) => now.has(i));
          if (list.length || key === "actors") obj[key] = list; else delete obj[key];
          changed(false);
        });
        group.append(el("span", { class: "check" }, cb, el("label", { for: cid }, plabel)));
      }
      return el("div", { class: "field", "data-key": key }, el("span", { class: "field-label", title: help }, title), group);
    }
    if (items.properties) { // a list of objects: add and remove
      // no empty list is written into the scenario for showing the editor: the file (and its hash) stays as it was
      const list = obj[key] || [];
      const box = el("fieldset", { class: "schema-group list", "data-key": key }, el("legend", {}, `${title} (${list.length})`));
      list.forEach((item, j) => {
        box.append(el("div", { class: "list-item" },
          el("div", { class: "list-head" }, el("strong", {}, `${words(key).replace(/s$/, "")} ${j + 1}`),
            iconButton("✕", `Remove ${words(key).replace(/s$/, "")} ${j + 1}`, () => {
              list.splice(j, 1);
              if (!list.length) delete obj[key];
              changed(true);
            }, "danger")),
          schemaFields(items, root, item, { ...ctx, path: `${path}[${j}]`, skip: new Set(["evidence"]) })));
      });
      box.append(el("button", { type: "button", onclick: () => { (obj[key] = obj[key] || []).push(seed(items, root)); changed(true); } },
        `Add ${words(key).replace(/s$/, "")}`));
      return box;
    }
    return wrap(el("span", { class: "sub" }, "(list: edit the file)"));
  }
  if (inner.type === "object" && inner.additionalProperties && inner.additionalProperties !== true) {
    const valNode = deref(inner.additionalProperties, root);
    const keys = (inner.propertyNames && inner.propertyNames.enum) || null;
    if (keys) obj[key] = obj[key] || {};
    if (keys) { // fixed keys (the two sides): one group each
      return el("div", { class: "schema-keys", "data-key": key }, keys.map((k) => {
        obj[key][k] = obj[key][k] || seed(valNode, root);
        const place = key === "sides" ? `side ${k}` : `${title} ${k}`;
        return el("fieldset", { class: "schema-group", "data-key": `${key}.${k}` }, el("legend", {}, `${title.replace(/s$/, "")} ${k}${obj[key][k].name ? " — " + obj[key][k].name : ""}`),
          schemaFields(valNode, root, obj[key][k], { ...ctx, path: `${path}.${k}`, place, skip: new Set(["evidence"]) }));
      }));
    }
    if (isUncertain(valNode, root) && ctx.ids) { // per issue values (ratifier limits): in the scenario once one is given
      const values = obj[key] || {};
      const attach = () => { if (Object.keys(values).length) obj[key] = values; else delete obj[key]; };
      return el("fieldset", { class: "schema-group", "data-key": key }, el("legend", { title: help }, title),
        ctx.ids.issues.map(([iid, ilabel]) => el("div", { class: "field" }, el("label", {}, ilabel),
          bound(values, iid, { kind: "uncertain", field: `${path}.${iid}`, place: ctx.place, what: `${words(key)} on ${ilabel}`, size: 8, after: attach }))));
    }
    return wrap(el("span", { class: "sub" }, "(edit the file)"));
  }
  if (inner.type === "object" && inner.properties) {
    obj[key] = obj[key] || {};
    return el("fieldset", { class: "schema-group", "data-key": key }, el("legend", { title: help }, title),
      schemaFields(inner, root, obj[key], { ...ctx, path, skip: new Set(["evidence"]) }));
  }
  if (inner.type === "string" && ctx.ids && (key === "actor" || key === "issue")) { // one of the scenario's ids
    const pool = key === "actor" ? ctx.ids.actors : ctx.ids.issues;
    const sel = el("select", { id, "data-field": path },
      el("option", { value: "" }, optional ? "(none)" : "(choose)"),
      pool.map(([pid, plabel]) => el("option", { value: pid, selected: obj[key] === pid }, plabel)),
      obj[key] && !pool.some(([pid]) => pid === obj[key]) ? el("option", { value: obj[key], selected: true }, `${obj[key]} (unknown id)`) : null);
    sel.addEventListener("change", () => { if (sel.value) obj[key] = sel.value; else delete obj[key]; changed(false); });
    return wrap(sel);
  }
  // free text (a side's name, a shock's description) is shown whole, as the names are (wrap)
  const input = bound(obj, key, { field: path, place: ctx.place, what: words(key), size: 24, placeholder: def ?? "",
    wrap: inner.type === "string" });
  input.id = id;
  return wrap(input);
}

// a new object for a list: its required fields filled with their defaults
function seed(node, root) {
  node = deref(node, root);
  const out = {};
  for (const r of node.required || []) {
    const p = deref((node.properties || {})[r] || {}, root);
    if (p.default !== undefined) out[r] = p.default;
    else if (p.type === "array") out[r] = [];
    else if (p.enum) out[r] = p.enum[0];
    else if (p.type === "integer" || p.type === "number") out[r] = p.minimum ?? 0;
    else if (p.type === "string") out[r] = "";
  }
  return out;
}

function scenarioIds() {
  const sc = state.scenario;
  return { actors: sc.actors.map((a) => [a.id, label(a)]), issues: sc.issues.map((i) => [i.id, label(i)]) };
}

function renderWar() {
  const sc = state.scenario;
  const box = $("war-form");
  box.replaceChildren();
  if (!state.warSchema) return;
  if (!sc.war) {
    box.append(el("p", { class: "help" }, "No war block: the war-termination model needs two sides (coalitions of actors), the battlefield and each side's beliefs and costs."),
      el("button", { type: "button", id: "add-war", onclick: () => {
        const ids = sc.actors.map((a) => a.id);
        sc.war = { sides: { A: { actors: ids.slice(0, 1) }, B: { actors: ids.slice(1, 2) } } };
        changed(true);
      } }, "Add a war block"));
    return;
  }
  box.append(schemaFields(state.warSchema, state.warSchema, sc.war, { path: "war", place: "War", ids: scenarioIds(), skip: new Set(["evidence"]) }),
    el("button", { type: "button", class: "danger", onclick: () => { delete sc.war; changed(true); } }, "Remove the war block"));
}

// ------------------------------------------------------------------------------------------
// models, their options and variants

// A model's place in the palette: fixed for the known models (so a model keeps its colour whatever
// the registry's order), then the others alphabetically.
const MODEL_ORDER = ["mean", "median", "nbs", "bdm", "smp", "exchange", "war"];

function modelIndex(name) {
  const k = MODEL_ORDER.indexOf(name);
  if (k >= 0) return k;
  const others = state.models.map((m) => m.name).filter((n) => !MODEL_ORDER.includes(n)).sort();
  const j = others.indexOf(name);
  return MODEL_ORDER.length + (j < 0 ? others.length : j);
}

function modelColor(name) {
  return PALETTE[modelIndex(name) % PALETTE.length];
}

function modelDash(name) {
  return DASHES[Math.floor(modelIndex(name) / PALETTE.length) % DASHES.length];
}

function renderModels() {
  const box = $("model-list");
  box.querySelectorAll(".model").forEach((n) => n.remove());
  for (const m of state.models) {
    const id = `model-${m.name}`;
    const opts = state.options[m.name] = state.options[m.name] || {};
    const variants = Object.keys(m.variants || {});
    const details = el("details", { class: "model-options" }, el("summary", {}, "options"));
    if (variants.length) {
      const sel = el("select", { id: `variant-${m.name}`, "aria-label": `Variant of ${m.name}` },
        el("option", { value: "" }, "(default)"), variants.map((v) => el("option", { value: v, selected: state.variants[m.name] === v }, v)));
      sel.addEventListener("change", () => { if (sel.value) state.variants[m.name] = sel.value; else delete state.variants[m.name]; });
      details.append(el("div", { class: "field" }, el("label", { for: `variant-${m.name}` }, "Variant"), sel));
    }
    const schema = m.options_schema || {};
    if (Object.keys(schema.properties || {}).length) {
      details.append(schemaFields(schema, schema, opts, { path: `options.${m.name}`, place: `model ${m.name}` }));
    } else details.append(el("p", { class: "help" }, "This model has no options."));
    box.append(el("div", { class: "model", style: `border-left-color:${modelColor(m.name)}` },
      el("input", { type: "checkbox", id, value: m.name, name: "model", checked: DEFAULT_MODELS.includes(m.name) }),
      el("label", { for: id }, el("span", { class: "swatch", style: `background:${modelColor(m.name)}` }), el("strong", {}, m.name),
        m.has_rounds ? el("span", { class: "badge" }, "rounds") : null, m.stochastic ? el("span", { class: "badge" }, "stochastic") : null),
      el("span", { class: "summary" }, m.summary), details));
  }
}

function selectedModels() {
  return [...document.querySelectorAll("#model-list input[name=model]:checked")].map((n) => n.value);
}

// the fields of a run request that are the run's own settings, not the scenario's
const RUN_FIELDS = new Set(["draws", "seed", "models", "options", "variants", "explain"]);

// The draws box checked against this server's own limit (the request's schema allows more than any
// server does, and an empty box is no number, not 0).
function drawsProblem() {
  const box = $("draws");
  const text = box.value.trim();
  const most = Number(box.max) || null;
  const range = most ? `a whole number from 1 to ${most.toLocaleString("en")} (this server's limit)` : "a whole number of at least 1";
  if (!text) return `give the number of draws: ${range}`;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || (most && n > most)) return `must be ${range} (got ${text})`;
  return null;
}

function runRequest(models) {
  const options = {};
  for (const m of models) if (state.options[m] && Object.keys(state.options[m]).length) options[m] = state.options[m];
  const variants = {};
  for (const m of models) if (state.variants[m]) variants[m] = state.variants[m];
  return { scenario: state.scenario, models, draws: Number($("draws").value), seed: Number($("seed").value), options, variants,
    explain: $("explain").checked };
}

// ------------------------------------------------------------------------------------------
// running (off the server's event loop; cancellable)

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// A field whose text is not (yet) a valid value is computed on with the last valid value behind it:
// Run, Compare, Levers and Sensitivity all refuse while there is one, and say so beside their button.
function blockedByProblems(statusId) {
  const local = clientProblems();
  if (!local.length) return false;
  showProblems();
  failAt(statusId, { errors: local }, "not started: fix the problems of the scenario first");
  return true;
}

async function runModels() {
  if (!state.scenario) return;
  const models = selectedModels();
  if (!models.length) return failAt("run-status", { errors: [{ field: "models", message: "choose at least one model" }] }, "not started");
  if (blockedByProblems("run-status")) return;
  const draws = drawsProblem();
  if (draws) return failAt("run-status", { errors: [{ field: "draws", message: draws }] }, "not started");
  const body = runRequest(models);
  $("run-button").disabled = true;
  setStatus("run-status", `starting ${models.join(", ")}…`);
  const t0 = performance.now();
  const r = await api("POST", "/api/runs", body);
  if (!r.ok) {
    $("run-button").disabled = false;
    const scenarioProblems = (r.data.errors || []).filter((e) => !RUN_FIELDS.has((e.field || "").split(/[.[]/)[0]));
    state.serverProblems = scenarioProblems; // the run's own settings (draws, seed...) are not the scenario's
    if (scenarioProblems.length) showErrors({ ...r.data, errors: scenarioProblems });
    return failAt("run-status", r.data, "not started");
  }
  const job = state.job = r.data.id;
  $("cancel-button").hidden = false;
  let data = r.data;
  while (data.status === "queued" || data.status === "running") {
    $("run-status").textContent = `${data.status} ${models.join(", ")}… ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    await sleep(250);
    if (state.job !== job) return; // cancelled meanwhile
    const s = await api("GET", `/api/runs/${job}`);
    if (!s.ok) { data = { status: "failed", error: s.data }; break; }
    data = s.data;
  }
  state.job = null;
  $("cancel-button").hidden = true;
  $("run-button").disabled = false;
  if (data.status !== "done") {
    if (data.status === "cancelled") setStatus("run-status", "cancelled");
    else failAt("run-status", data.error || { detail: "the run failed" }, "the run failed");
    return;
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  let note = `done in ${secs} s`;
  if (data.saved) note += ` · saved as run ${data.saved.join(", ")} (Saved runs, under Scenario)`;
  if (data.store_note) note += ` · ${data.store_note}`;
  $("run-status").textContent = note;
  state.results = data.results;
  state.summary = data.summary || null;  // the bottom line per issue, when the library gives one
  state.war = data.war || null;          // the war model's headline (named sides, endings)
  state.runId = data.id;
  state.resultScenario = JSON.parse(JSON.stringify(state.scenario));
  $("stale-note").hidden = true;
  renderResults();
  $("results-heading").focus({ preventScroll: true }); // keyboard users go on from the results, not from the page's top
  if (data.saved) loadSavedRuns();
}

async function cancelRun() {
  const job = state.job;
  if (!job) return;
  state.job = null;
  $("run-status").textContent = "cancelling…";
  await api("DELETE", `/api/runs/${job}`);
  $("cancel-button").hidden = true;
  $("run-button").disabled = false;
  $("run-status").textContent = "cancelled";
}

// ------------------------------------------------------------------------------------------
// results

function sideName(sc, s) {
  const side = sc.war && sc.war.sides && sc.war.sides[s];
  if (!side) return `side ${s}`;
  if (side.name) return side.name;
  const names = (side.actors || []).map((a) => label(sc.actors.find((x) => x.id === a) || { id: a }));
  return names.length ? names.join(" + ") : `side ${s}`;
}

function anchorText(iss, v) {
  const keys = Object.keys(iss.anchors || {});
  if (!keys.length || !Number.isFinite(v)) return "";
  let best = keys[0];
  for (const k of keys) if (Math.abs(Number(k) - v) < Math.abs(Number(best) - v)) best = k;
  // only near a labelled point (a tenth of the scale), as the report does
  if (Math.abs(Number(best) - v) > 0.1 * (iss.scale.max - iss.scale.min) + 1e-12) return "";
  return iss.anchors[best];
}

// the draws band ("input uncertainty") and, when a calibration exists, the calibrated interval
function bandOf(r, id) {
  if (r.input_band) return r.input_band[id] || null;
  return r.interval ? r.interval[id] || null : null;
}
function calibratedOf(r, id) {
  return r.input_band && r.interval ? r.interval[id] || null : null;
}
// A model's point and band on an issue as the tables show them (detente.report.summary.model_point):
// for the war model the terms given a deal (its forecast pools deals with victories), else the forecast.
function modelPoint(r, id) {
  if (r.model === "war" && r.extras && r.extras.terms) {
    const t = r.extras.terms[id];
    if (!t) return { f: NaN, band: null, note: "given a deal (no draw ends in a deal)" };
    return { f: t.p50, band: r.draws > 1 ? [t.p10, t.p90] : null, note: "given a deal" };
  }
  return { f: r.forecast[id], band: bandOf(r, id), note: "" };
}

function renderResults() {
  const sc = state.resultScenario || state.scenario;
  const results = state.results;
  const out = $("results");
  out.replaceChildren();
  const meta = results[0];
  out.append(el("div", { class: "controls" },
    el("p", { class: "help" },
      `${results.length} model${results.length > 1 ? "s" : ""}, ${meta.draws} draw${meta.draws > 1 ? "s" : ""}, seed ${meta.seed}, input SHA-256 ${meta.input_sha256.slice(0, 12)}…, detente ${meta.version}.`),
    el("a", { class: "button", id: "download-outputs", href: `/api/runs/${state.runId}/outputs.zip`, download: "" },
      "Download results (zip: result.json, positions.csv, charts, report.html, scenario.yaml)"),
    el("p", { class: "notice", id: "download-status", role: "status", hidden: true })));
  $("download-outputs").addEventListener("click", downloadOutputs);
  out.append(legend(results.map((r) => [r.model + (r.variant ? ` (${r.variant})` : ""), modelColor(r.model), modelDash(r.model)]), "Models"));
  sc.issues.forEach((iss) => out.append(issueCard(sc, iss, results)));
  const warRun = results.find((r) => r.model === "war" && r.extras && r.extras.settlement_by_month);
  for (const r of results) {
    if (!(r.extras && r.extras.settlement_by_month)) continue;
    if (r !== warRun && warRun && sameWarRun(r, warRun)) { // the synthesis led by the war: one card, not two
      out.append(el("p", { class: "help synthesis-war-note", "data-model": r.model },
        el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }),
        `${r.model} leads with the war model's terms given a deal (same war run as above).`));
    } else out.append(warCard(sc, r));
  }
  const calibrated = results.filter((r) => r.calibration);
  if (calibrated.length) out.append(calibrationCard(calibrated));
  // what each run says about its own numbers (as the report's provenance does): after the answers
  const notes = results.flatMap((r) => (r.notes || []).map((n) => [r.model, n]));
  if (notes.length) out.append(el("article", { class: "issue-card run-notes", "data-section": "notes" }, el("h3", {}, "Notes on the numbers"),
    el("ul", { class: "notes" }, notes.map(([m, n]) => el("li", {}, el("strong", {}, `${m}: `), n)))));
  for (const r of results) {
    if (r.explain || r.events) out.append(explainCard(sc, r)); // explain.js: the report's sections
    if (r.levers !== undefined && r.levers !== null) out.append(genericCard(sc, r, "levers"));
  }
  const sel = $("sensitivity-model");
  sel.replaceChildren(...results.map((r) => el("option", { value: r.model }, r.model)));
  $("levers-model").replaceChildren(...results.filter((r) => r.model !== "war").map((r) => el("option", { value: r.model }, r.model)));
  $("levers-issue").replaceChildren(...sc.issues.map((i) => el("option", { value: i.id }, label(i))));
  $("levers-actor").replaceChildren(el("option", { value: "" }, "(none)"), ...sc.actors.map((a) => el("option", { value: a.id }, label(a))));
  $("levers-out").replaceChildren();
  $("results-section").hidden = false;
  $("results-section").scrollIntoView({ block: "start" });
}

// The server keeps the files of its last few runs only: a download of an older one says why it
// failed, on the page (a plain link would fail in the browser's download list without a word).
async function downloadOutputs(event) {
  event.preventDefault();
  const link = event.currentTarget;
  const status = $("download-status");
  status.hidden = true;
  let res;
  try { res = await fetch(link.href); } catch (e) { res = null; }
  if (!res || !res.ok) {
    const gone = res && res.status === 404;
    status.textContent = gone
      ? "These results are no longer on the server (it keeps the files of its last few runs only): run the models again to download them."
      : `The download failed${res ? ` (${res.status})` : ""}: try again.`;
    status.hidden = false;
    return;
  }
  const named = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: named ? named[1] : "detente-results.zip" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function legend(items, title) {
  return el("ul", { class: "legend", "aria-label": title || "Legend" }, items.map(([name, color, dash]) =>
    el("li", {}, el("svg", { width: 28, height: 10, "aria-hidden": "true" }), name)).map((li, k) => {
    const [, color, dash] = items[k];
    const s = li.querySelector("svg");
    const line = svg("line", { x1: 1, x2: 27, y1: 5, y2: 5, stroke: color, "stroke-width": 3, "stroke-dasharray": dash || null });
    s.replaceWith(svg("svg", { width: 28, height: 10, "aria-hidden": "true", class: "legend-key" }, line));
    return li;
  }));
}

const INTERVAL_KIND = { forecast_interval: "forecast interval (calibrated)", input_uncertainty: "input uncertainty" };

// The bottom line of an issue as the library states it (detente.report.summary.bottom_line).
function bottomLine(iss) {
  const b = state.summary && state.summary[iss.id];
  if (!b) return null;
  const box = el("div", { class: "bottom-line", "data-issue": iss.id });
  const head = [el("strong", {}, "Bottom line: ")];
  if (b.forecast !== null && b.forecast !== undefined) {
    // near an anchor is not at it: "35.4 (near 40: “line frozen”)", as the report says
    const near = b.label && b.anchor !== null && b.anchor !== undefined && fmtOn(iss, b.anchor) !== fmtOn(iss, b.forecast) ? `near ${trimNum(b.anchor)}: ` : "";
    head.push(`${b.lead ? b.lead + " " : ""}forecast ${fmtOn(iss, b.forecast)}`, b.label ? ` (${near}“${b.label}”)` : "");
  }
  const iv = b.interval;
  if (iv && iv.low !== null && iv.low !== undefined) {
    head.push(`, ${INTERVAL_KIND[iv.kind] || words(iv.kind || "interval")} ${fmtOn(iss, iv.low)}–${fmtOn(iss, iv.high)}`);
  }
  box.append(el("p", {}, head));
  if (b.verdict) box.append(el("p", { class: "verdict" }, b.verdict));
  if (iv && iv.text) box.append(el("p", { class: "help" }, iv.text));
  if (b.lead_reason) box.append(el("p", { class: "help" }, b.lead_reason));
  const vs = b.variance_share; // a pooled scenario (detente.pool): the library's variance split
  if (vs) {
    const top = (b.disagreement || []).slice(0, 3).map((d) => `${d.label} (${pct(d.share)})`).join("; ");
    box.append(el("p", { class: "analysts", "data-issue": iss.id },
      `Where the analysts disagree: ${pct(vs.between_analysts)} of the variance between analysts, ${pct(vs.within_analysts)} within`
      + (top ? `; most on ${top} (one at a time)` : "") + "."));
  }
  return box;
}

function issueCard(sc, iss, results) {
  const card = el("article", { class: "issue-card", "aria-label": `Forecast for ${label(iss)}`, "data-issue": iss.id });
  card.append(el("h3", {}, label(iss), el("span", { class: "sub" }, ` (scale ${trimNum(iss.scale.min)}–${trimNum(iss.scale.max)})`)));
  if (iss.description) card.append(el("p", { class: "description" }, iss.description));
  const bottom = bottomLine(iss);
  if (bottom) card.append(bottom);
  const anyCal = results.some((r) => calibratedOf(r, iss.id));
  const anyBand = results.some((r) => modelPoint(r, iss.id).band);
  const anyRounds = results.some((r) => r.rounds);
  const heads = ["Model", "Forecast", "Anchor"];
  if (anyCal) heads.push("Forecast interval (calibrated)");
  if (anyBand) heads.push("Input uncertainty (p10–p90 over draws)");
  if (anyRounds) heads.push("Rounds");
  const table = el("table", { class: "forecast-table" },
    el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  for (const r of results) {
    const { f, band, note } = modelPoint(r, iss.id);
    const cal = calibratedOf(r, iss.id);
    const row = el("tr", { "data-model": r.model },
      el("th", { scope: "row" }, el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }), r.model,
        r.variant ? el("span", { class: "sub" }, ` ${r.variant}`) : null, note ? el("span", { class: "sub" }, ` (${note})`) : null),
      el("td", { class: "forecast-value num", "data-issue": iss.id, "data-model": r.model }, fmtOn(iss, f)),
      el("td", { class: "anchor" }, anchorText(iss, f)));
    if (anyCal) row.append(el("td", { class: "num calibrated" }, cal ? `${fmtOn(iss, cal[0])} – ${fmtOn(iss, cal[1])}` : "–"));
    // the draws did not move it: said so, as the terminal does (report.tables.interval_text), not "7.390 – 7.390"
    if (anyBand) row.append(el("td", { class: "num band" }, !band ? "–" : band[0] === band[1] ? "none (every draw the same)" : `${fmtOn(iss, band[0])} – ${fmtOn(iss, band[1])}`));
    if (anyRounds) row.append(el("td", { class: "num" }, r.rounds ? roundsText(r) : "–"));
    body.append(row);
  }
  table.append(body);
  // the table scrolls sideways in its own box when the window is narrower than it (a phone), the page never
  // a box that scrolls is reached and scrolled by keyboard too (tabindex), and named (a region)
  card.append(el("div", { class: "card-body" }, el("div", { class: "table-box" },
    el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `Forecasts for ${label(iss)}, by model` }, table)),
    scaleChart(sc, iss, results)));
  const withRounds = results.filter((r) => r.trajectory && !(r.extras && r.extras.settlement_by_month));
  if (withRounds.length) {
    const charts = el("div", { class: "trajectories" });
    for (const r of withRounds) charts.append(trajectoryChart(sc, iss, r));
    card.append(charts);
  }
  return card;
}

function roundsText(r) {
  const entries = Object.entries(r.rounds).map(([k, n]) => [Number(k), n]).sort((a, b) => a[0] - b[0]);
  if (entries.length === 1) return String(entries[0][0]);
  return `${entries[0][0]}–${entries[entries.length - 1][0]}`;
}

// ------------------------------------------------------------------------------------------
// SVG charts

function axisTicks(lo, hi, n = 4) {
  return Array.from({ length: n + 1 }, (_, k) => lo + (k * (hi - lo)) / n);
}

// The chart is drawn at its width on the page, one SVG unit a CSS pixel (redrawn when that width
// changes), so its 12 px labels stay 12 px: drawn at a fixed 780 units and shown beside the table
// at 500 px, they were 7.7 px.
const chartWidths = new WeakMap();
const chartResize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver((entries) => {
  for (const e of entries) {
    if (!e.target.isConnected) { chartResize.unobserve(e.target); continue; }  // a chart of an earlier run
    const w = Math.round(e.contentRect.width), redraw = chartWidths.get(e.target);
    if (redraw && w > 0 && Math.abs(w - redraw.width) >= 8) { redraw.width = w; redraw.draw(w); }
  }
});

function scaleChart(sc, iss, results) {
  const wrap = el("figure", { class: "chart-wrap" });
  const draw = (W) => wrap.replaceChildren(...scaleChartParts(sc, iss, results, Math.max(360, W)));
  draw(780);
  if (chartResize) { chartWidths.set(wrap, { width: 780, draw }); chartResize.observe(wrap); }
  return wrap;
}

function scaleChartParts(sc, iss, results, W) {
  const actors = sc.actors.map((a) => {
    const st = sc.stances.find((s) => s.actor === a.id && s.issue === iss.id);
    if (!st) return null;
    const cap = pointOf(st.capability ?? a.capability);
    const sal = pointOf(st.salience);
    return { label: label(a), pos: pointOf(st.position), range: boundsOf(st.position), weight: Math.max(0, cap * sal) };
  }).filter(Boolean);
  const left = Math.min(210, Math.round(0.4 * W)), right = 24, rowH = 24;
  const top = 14 + 16 * results.length;
  const H = top + rowH * actors.length + 48;
  const lo = iss.scale.min, hi = iss.scale.max;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (W - left - right);
  const maxW = Math.max(...actors.map((a) => a.weight), 1e-12);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart scale-chart", role: "img",
    "aria-label": `Actors' positions on ${label(iss)} (circle area: capability × salience) and each model's forecast`,
  });
  root.append(svg("title", {}, `${label(iss)}: actors and forecasts`));
  const plotBottom = top + rowH * actors.length;
  results.forEach((r) => {
    const band = modelPoint(r, iss.id).band;
    if (band) root.append(svg("rect", { x: x(band[0]), y: top - 4, width: Math.max(1, x(band[1]) - x(band[0])), height: plotBottom - top + 8, fill: modelColor(r.model), opacity: 0.12 }));
  });
  // forecast lines; their labels one per row above the plot, so they never collide
  results.forEach((r, k) => {
    const f = modelPoint(r, iss.id).f;
    if (!Number.isFinite(f)) return;
    const c = modelColor(r.model);
    const ly = 12 + 16 * k;
    root.append(svg("line", { x1: x(f), x2: x(f), y1: ly + 2, y2: plotBottom + 4, stroke: c, "data-model": r.model, "stroke-width": Math.max(3 - 0.4 * k, 1.3), "stroke-dasharray": DASHES[k % DASHES.length] || null }));
    const anchorEnd = x(f) > W - 160;  // a label near the right end reads leftwards
    root.append(svg("text", { x: x(f) + (anchorEnd ? -5 : 5), y: ly, fill: c, "text-anchor": anchorEnd ? "end" : "start", class: "model-label" }, `${r.model} ${fmtOn(iss, f)}`));
  });
  if (iss.status_quo !== null && iss.status_quo !== undefined) {
    const sx = x(iss.status_quo);
    root.append(svg("line", { x1: sx, x2: sx, y1: top - 4, y2: plotBottom + 4, stroke: "#222", "stroke-dasharray": "2 3" }));
    root.append(svg("text", { x: sx, y: plotBottom + 42, "text-anchor": "middle", class: "sq-label" }, "status quo"));
  }
  actors.forEach((a, k) => {
    const y = top + rowH * k + rowH / 2;
    root.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, class: "row-line" }));
    root.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "actor-label" }, shorten(a.label, Math.floor((left - 12) / 7)), svg("title", {}, a.label)));
    if (a.range[1] > a.range[0]) root.append(svg("line", { x1: x(a.range[0]), x2: x(a.range[1]), y1: y, y2: y, class: "range-line" }));
    const rad = 3 + 8 * Math.sqrt(a.weight / maxW);
    root.append(svg("circle", { cx: x(a.pos), cy: y, r: rad, class: "actor-dot" },
      svg("title", {}, `${a.label}: position ${fmt(a.pos)}${a.range[1] > a.range[0] ? ` (range ${fmt(a.range[0])}–${fmt(a.range[1])})` : ""}, capability × salience ${fmt(a.weight)}`)));
  });
  const ay = plotBottom + 12;
  root.append(svg("line", { x1: left, x2: W - right, y1: ay, y2: ay, class: "axis" }));
  const ticks = new Set([lo, hi, ...Object.keys(iss.anchors || {}).map(Number)]);
  if (ticks.size <= 2) axisTicks(lo, hi).forEach((t) => ticks.add(t));
  let lastX = -1e9;
  for (const t of [...ticks].sort((a, b) => a - b)) {
    root.append(svg("line", { x1: x(t), x2: x(t), y1: ay, y2: ay + 5, class: "axis" }));
    if (x(t) - lastX < 28) continue; // labels that would collide are left out (the anchors list has them)
    lastX = x(t);
    const txt = svg("text", { x: x(t), y: ay + 17, "text-anchor": "middle", class: "tick" }, trimNum(t));
    const an = (iss.anchors || {})[Object.keys(iss.anchors || {}).find((k) => Number(k) === t)];
    if (an) txt.append(svg("title", {}, an));
    root.append(txt);
  }
  const parts = [root];
  const anchors = Object.entries(iss.anchors || {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (anchors.length) {
    parts.push(el("figcaption", {}, el("dl", { class: "anchors" }, anchors.map(([k, v]) => [el("dt", {}, trimNum(Number(k))), el("dd", {}, v)]))));
  }
  return parts;
}

// A line chart on a fixed y range. series: [{name, color, dash, median, p10, p90, width}]
function lineChart(spec) {
  // the title is the figure's own heading (HTML, so that a long issue name wraps instead of running
  // off the chart: "... European security architecture by" lost "round"); the chart is drawn at its
  // width on the page, a unit a pixel, as the positions chart is (a 560-unit chart shown at 340 px had
  // 6.7 px tick labels), and drawn again when that width changes
  const { title, series } = spec;
  let chart = lineChartSvg(spec, 560);
  const wrap = el("figure", { class: "chart-wrap" }, el("p", { class: "chart-heading" }, title), chart,
    legend(series.map((s) => [s.name, s.color, s.dash])));
  if (chartResize) {
    const draw = (W) => { const next = lineChartSvg(spec, Math.max(300, W)); chart.replaceWith(next); chart = next; };
    chartWidths.set(wrap, { width: 560, draw });
    chartResize.observe(wrap);
  }
  return wrap;
}

function lineChartSvg({ title, series, yLo, yHi, xLabel, yLabel, cls, aria, xMax, ticksY }, W) {
  const H = 234, left = 52, right = 16, top = 10, bottom = 38;
  const n = Math.max(1, xMax ?? Math.max(1, ...series.map((s) => (s.median || []).length - 1)));
  const x = (t) => left + (t / n) * (W - left - right);
  const y = (v) => top + (1 - (v - yLo) / (yHi - yLo)) * (H - top - bottom);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: `chart ${cls || ""}`, role: "img", "aria-label": aria || title, "data-ymin": yLo, "data-ymax": yHi });
  root.append(svg("line", { x1: left, x2: left, y1: top, y2: H - bottom, class: "axis" }));
  root.append(svg("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: "axis" }));
  for (const v of ticksY || axisTicks(yLo, yHi)) {
    root.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, trimNum(v)));
    root.append(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "grid" }));
  }
  const step = Math.max(1, Math.ceil(n / Math.max(2, Math.min(10, Math.floor((W - left - right) / 40)))));  // ticks 40 px apart at least
  for (let t = 0; t <= n; t += step) root.append(svg("text", { x: x(t), y: H - bottom + 15, "text-anchor": "middle", class: "tick" }, t));
  root.append(svg("text", { x: (left + W - right) / 2, y: H - 5, "text-anchor": "middle", class: "axis-label" }, xLabel));
  if (yLabel) root.append(svg("text", { x: 12, y: (top + H - bottom) / 2, "text-anchor": "middle", class: "axis-label", transform: `rotate(-90 12 ${(top + H - bottom) / 2})` }, yLabel));
  const pts = (arr) => (arr || []).map((v, t) => (v === null || v === undefined ? null : [x(t), y(v)])).filter(Boolean);
  for (const s of series) {
    const up = pts(s.p90), down = pts(s.p10).reverse();
    if (up.length && down.length) root.append(svg("polygon", { points: [...up, ...down].map((p) => p.join(",")).join(" "), fill: s.color, opacity: 0.13 }));
  }
  for (const s of series) {
    const med = pts(s.median);
    if (s.halo) root.append(svg("polyline", { points: med.map((p) => p.join(",")).join(" "), fill: "none", stroke: "#fff", "stroke-width": (s.width || 2) + 3, opacity: 0.9 }));
    root.append(svg("polyline", { points: med.map((p) => p.join(",")).join(" "), fill: "none", stroke: s.color, "stroke-width": s.width || 2, "stroke-dasharray": s.dash || null, "data-series": s.name, "data-model": s.model || null },
      svg("title", {}, s.name)));
  }
  return root;
}

// the models' per-round series in words (detente.report.figmeta.SERIES_WORDS says the same)
const READOUT_WORDS = { mean: "weighted mean of the positions", median: "weighted median of the positions", mode: "most likely position",
  mds: "expected outcome before the exchanges", voting: "outcome of the voting positions" };

function trajectoryChart(sc, iss, r) {
  const c = modelColor(r.model);
  const series = [];
  // each actor's position by round (one colour per actor), when the run kept them (one draw)
  if (r.positions && r.positions[iss.id]) {
    sc.actors.forEach((a, j) => {
      const p = r.positions[iss.id][a.id];
      if (p && p.some((v) => v !== null)) series.push({ name: label(a), color: ACTOR_PALETTE[j % ACTOR_PALETTE.length], dash: DASHES[Math.floor(j / ACTOR_PALETTE.length) % DASHES.length], median: p, width: 1.1 });
    });
  }
  // the model's read-outs by round, in the MODEL's colour (dash tells them apart)
  // (the series the forecast comes from, r.readout, first and marked)
  const byRound = Object.entries(r.trajectory).sort(([a], [b]) => (b === r.readout) - (a === r.readout));
  byRound.forEach(([name, per], k) => {
    const s = per[iss.id];
    const what = (READOUT_WORDS[name] || words(name)) + (name === r.readout ? " (the forecast)" : "");
    if (s) series.push({ name: `${r.model}: ${what}${r.draws > 1 ? " (median, p10–p90)" : ""}`, color: c, dash: DASHES[k % DASHES.length], median: s.median, p10: r.draws > 1 ? s.p10 : null, p90: r.draws > 1 ? s.p90 : null, width: 2.8, halo: true, model: r.model });
  });
  return lineChart({ title: `${r.model}: ${label(iss)} by round`, series, yLo: iss.scale.min, yHi: iss.scale.max, xLabel: "round", cls: "trajectory-chart",
    aria: `${r.model}: ${label(iss)} by round` });
}

// ------------------------------------------------------------------------------------------
// the war model: probabilities on a 0-1 axis, sides by name

// Whether a synthesis's war extras are the war run's own (same endings, same settlement curve).
function sameWarRun(a, b) {
  const key = (r) => JSON.stringify([r.draws, r.seed, r.extras.outcome_probability, r.extras.settlement_by_month]);
  return key(a) === key(b);
}

const modelName = (r) => (r.variant ? `${r.model} (${r.variant})` : r.model);

// The calibration of the forecast interval, one line per model (detente.calibration.summary:
// level, coverage_oos, n_issues, data, mean_width_oos, method, file, version); the rest on demand.
const CALIBRATION_DATA = { "DEU III": "EU legislative issues" };
function calibrationCard(results) {
  const card = el("article", { class: "issue-card calibration-card", "data-section": "calibration" },
    el("h3", {}, "Calibration of the forecast interval"));
  for (const r of results) {
    const c = r.calibration;
    const data = String(c.data || "").split(" (")[0];
    const what = CALIBRATION_DATA[data] || "issues";
    const cov = typeof c.coverage_oos === "number" ? `covered ${pct(c.coverage_oos)}` : "coverage not measured";
    const n = c.n_issues ? ` of ${c.n_issues} ${what}` : "";
    const line = `${modelName(r)}: ${pct(c.level ?? 0.8)} forecast interval, ${cov}${n} out of sample${data ? ` (${data})` : ""}`;
    const facts = [
      ["nominal level", pct(c.level)], ["coverage out of sample", pct(c.coverage_oos)],
      ["mean width out of sample (issue units)", c.mean_width_oos !== undefined && c.mean_width_oos !== null ? fmt(c.mean_width_oos) : null],
      ["issues it was checked on", c.n_issues], ["data", c.data], ["method", c.method], ["calibration file", c.file], ["version", c.version],
    ].filter(([, v]) => v !== null && v !== undefined && v !== "–");
    card.append(el("div", { class: "calibration-model", "data-model": r.model },
      el("p", { class: "calibration-line" }, el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }), line),
      el("details", { class: "calibration-details" }, el("summary", {}, "details"),
        el("table", { class: "forecast-table calibration-facts" }, el("tbody", {}, facts.map(([k, v]) =>
          el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, String(v)))))))));
  }
  return card;
}

function warCard(sc, r) {
  const ex = r.extras;
  const named = state.war && state.war.sides ? state.war.sides : null; // the scenario's sides, named by the library
  const A = (named && named.A && named.A.name) || sideName(sc, "A");
  const B = (named && named.B && named.B.name) || sideName(sc, "B");
  const card = el("article", { class: "issue-card war-card", "aria-label": `War termination: ${A} vs ${B}` });
  card.append(el("h3", {}, `War termination: ${A} (side A) vs ${B} (side B)`, el("span", { class: "sub" }, ` — ${r.model}, ${r.draws} draws`)));
  const op = ex.outcome_probability || {};
  // the library's ending labels (war.endings[].label) for every war card, whichever run it shows
  const labels = Object.fromEntries(((state.war && state.war.endings) || []).filter((e) => e.code).map((e) => [e.code, e.label]));
  const names = { settlement: "deal", victory_A: `military victory of ${A}`, victory_B: `military victory of ${B}`,
    collapse_A: `collapse of ${A}`, collapse_B: `collapse of ${B}`, horizon: "unresolved at the horizon" };
  const head = state.war && state.war.model === modelName(r) ? state.war : null;
  const rows = head && Array.isArray(head.endings) && head.endings.length
    ? head.endings.map((e) => el("tr", { "data-outcome": e.code || "" }, el("th", { scope: "row" }, e.label || words(e.code || "")),
      el("td", { class: "num" }, pct(e.probability ?? e.p ?? null))))
    : Object.entries(op).map(([k, v]) => el("tr", { "data-outcome": k }, el("th", { scope: "row" }, labels[k] || names[k] || words(k)), el("td", { class: "num" }, pct(v))));
  // P(a deal by month m): the library's headline months, read off this run's curve when the headline is another run's
  const by = head ? head.settlement_by : state.war && state.war.settlement_by && ex.settlement_by_month
    ? Object.fromEntries(Object.keys(state.war.settlement_by).map((m) => [m, Number(m) < ex.settlement_by_month.length ? ex.settlement_by_month[Number(m)] : null]))
    : null;
  for (const [m, v] of Object.entries(by || {})) {
    rows.push(el("tr", { "data-deal-within": String(m).replace(/\D+/g, "") }, el("th", { scope: "row" }, `a deal within ${String(m).replace(/\D+/g, "")} months`), el("td", { class: "num" }, pct(v))));
  }
  const tts = ex.time_to_settlement || {};
  const share = ex.share_given_deal || {};
  const facts = el("table", { class: "forecast-table war-facts" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "How it ends"), el("th", { scope: "col" }, "probability"))),
    el("tbody", {}, rows,
      // the war is fought month by month: whole months ("7.00 (1.10–35.0)" read as a precision it has not)
      tts.p50 !== undefined ? el("tr", {}, el("th", { scope: "row" }, "months to a deal, given one (median, p10–p90)"), el("td", { class: "num" }, `${fmt(tts.p50, 0)} (${fmt(tts.p10, 0)}–${fmt(tts.p90, 0)})`)) : null,
      share.p50 !== undefined ? el("tr", {}, el("th", { scope: "row" }, `${possessive(A)} share of the stakes given a deal (median, p10–p90)`), el("td", { class: "num" }, `${fmt(share.p50, 2)} (${fmt(share.p10, 2)}–${fmt(share.p90, 2)})`)) : null));
  const charts = el("div", { class: "trajectories" });
  charts.append(lineChart({ title: "Probability of a settlement by month", cls: "war-chart settlement-chart",
    series: [{ name: `${r.model}: P(settled by month)`, color: modelColor(r.model), median: ex.settlement_by_month, width: 2.6, model: r.model }],
    yLo: 0, yHi: 1, xLabel: "month", yLabel: "probability", aria: "Probability of a settlement by month, 0 to 1" }));
  const tr = r.trajectory || {};
  const first = (k) => (tr[k] ? Object.values(tr[k])[0] : null);
  const p = first("p"), bA = first("belief_A"), bB = first("belief_B");
  if (p && bA && bB) {
    charts.append(lineChart({ title: `Chance that ${A} wins the war, and each side's estimate of it`, cls: "war-chart belief-chart", yLo: 0, yHi: 1, xLabel: "month", yLabel: "probability",
      series: [
        { name: `p: chance that ${A} wins the war from the front line (true odds)`, color: "#555555", ...p, width: 2.2 },
        { name: `${possessive(A)} estimate of p`, color: PALETTE[1], dash: "6 3", ...bA },
        { name: `${possessive(B)} estimate of p`, color: PALETTE[2], dash: "2 3", ...bB }],
      aria: `Chance that ${A} wins the war and each side's estimate, by month, 0 to 1` }));
  }
  card.append(facts, charts);
  return card;
}

// ------------------------------------------------------------------------------------------
// explanations, levers, calibration (shapes set by the library; shown whatever they hold)

const CARD_TITLES = { explain: "Why this forecast: winners, losers, pivotal actors", events: "What happened, round by round",
  levers: "Levers: what would move the forecast" };

function genericCard(sc, r, key) {
  const card = el("article", { class: `issue-card generic-card ${key}-card`, "data-section": key });
  card.append(el("h3", {}, el("span", { class: "swatch", style: `background:${modelColor(r.model)}` }), `${r.model}: ${CARD_TITLES[key] || words(key)}`));
  card.append(valueView(r[key], sc, 0));
  return card;
}

function nameOf(sc, k) {
  const a = sc.actors.find((x) => x.id === k);
  if (a) return label(a);
  const i = sc.issues.find((x) => x.id === k);
  return i ? label(i) : words(k);
}

function valueView(v, sc, depth) {
  if (v === null || v === undefined) return el("span", { class: "sub" }, "–");
  if (typeof v === "number") return el("span", { class: "num" }, Number.isInteger(v) ? String(v) : fmt(v));
  if (typeof v !== "object") return el("span", {}, String(v));
  if (depth > 4) return el("code", {}, shorten(JSON.stringify(v), 200));
  if (Array.isArray(v)) {
    if (!v.length) return el("span", { class: "sub" }, "none");
    if (v.every((x) => x && typeof x === "object" && !Array.isArray(x))) { // rows of records: a table
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))];
      return el("table", { class: "forecast-table generic" }, el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col" }, words(c))))),
        el("tbody", {}, v.slice(0, 200).map((x) => el("tr", {}, cols.map((c) => el("td", {}, typeof x[c] === "string" ? nameOf(sc, x[c]) : valueView(x[c], sc, depth + 1)))))));
    }
    if (v.every((x) => typeof x === "number" || x === null)) return el("span", { class: "num" }, v.slice(0, 30).map((x) => fmt(x)).join(", ") + (v.length > 30 ? " …" : ""));
    return el("ul", {}, v.slice(0, 100).map((x) => el("li", {}, valueView(x, sc, depth + 1))));
  }
  return el("dl", { class: "kv" }, Object.entries(v).map(([k, x]) => [el("dt", {}, nameOf(sc, k)), el("dd", {}, valueView(x, sc, depth + 1))]));
}

// ------------------------------------------------------------------------------------------
// export and compare

// The download writes what the screen shows. A valid scenario is written by the server (what
// `detente convert` writes); one with problems is written here, as it stands, after saying so: a
// field left empty is written empty (null), a text that is no valid value as typed, never the last
// valid value held behind it nor a default, so that the file, uploaded again, has the same problems.
async function exportScenario(format) {
  if (!state.scenario) return;
  let problems = [...clientProblems(), ...state.serverProblems];
  if (!problems.length) {
    let resp = null;
    try {
      resp = await fetch("/api/scenarios/export", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ scenario: state.scenario, format }) });
    } catch (e) { resp = null; }
    if (resp && resp.ok) {
      const m = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
      saveBlob(await resp.blob(), m ? m[1] : `${fileStem(state.scenario.name)}.${format}`);
      state.edited = false; // saved: nothing to lose on replacing it
      return;
    }
    let data = null;
    try { data = resp ? await resp.json() : null; } catch (e) { data = null; }
    if (!resp || resp.status !== 422 || !data || !(data.errors || []).length) {
      showErrors(data || { detail: "cannot reach the server" }, "Cannot export");
      return;
    }
    problems = data.errors; // problems the check had not answered yet
    state.serverProblems = problems.filter((p) => !clientProblems().some((c) => samePlace(p.field, c.field)));
    showProblems();
  }
  const n = problems.length;
  if (!window.confirm(`This scenario still has ${plural(n, "problem")}; the file will keep ${n === 1 ? "it" : "them"} so you can fix ${n === 1 ? "it" : "them"} later `
    + `(detente will not run the file until then). Download it anyway?`)) return;
  // written by the server as the page shows it (PyYAML, not a writer of our own), problems and all
  let draft = null;
  try {
    draft = await fetch("/api/scenarios/export-draft", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ data: shownScenario(), format, problems: problems.map((p) => problemText(p)) }) });
  } catch (e) { draft = null; }
  if (!draft || !draft.ok) {
    let data = null;
    try { data = draft ? await draft.json() : null; } catch (e) { data = null; }
    showErrors(data || { detail: "cannot reach the server" }, "Cannot export");
    return;
  }
  const m = /filename="([^"]+)"/.exec(draft.headers.get("Content-Disposition") || "");
  saveBlob(await draft.blob(), m ? m[1] : `${fileStem(state.scenario.name)}.${format}`);
  state.edited = false;
}

function saveBlob(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// the file name the server gives (detente.web.exports.file_stem)
function fileStem(name) {
  return String(name || "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "scenario";
}

// The scenario as the page shows it: a field whose text is not (yet) a valid value holds that text
// (an empty one: null) instead of the last valid value the page keeps behind it.
function shownScenario() {
  const copy = (v) => {
    if (Array.isArray(v)) return v.map(copy);
    if (!v || typeof v !== "object") return v;
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = copy(x);
    if (bad.has(v)) for (const [prop, info] of bad.get(v)) out[prop] = String(info.raw ?? "").trim() === "" ? null : String(info.raw);
    return out;
  };
  return copy(state.scenario);
}

// The second view: an example or a file, whichever was chosen last (choosing one clears the other).
function clearCompareFile() {
  $("compare-file").value = "";
  $("compare-file-clear").hidden = true;
}

async function compareViews() {
  const out = $("compare-out");
  out.replaceChildren();
  if (!state.scenario) return;
  if (blockedByProblems("compare-status")) return;
  let other = null;
  const file = $("compare-file").files[0];
  if (file) other = { text: await file.text(), filename: file.name };
  else if ($("compare-example").value) {
    const r = await api("GET", `/api/examples/${encodeURIComponent($("compare-example").value)}`);
    if (!r.ok) return showErrors(r.data);
    other = { scenario: r.data };
  }
  if (!other) { out.append(el("p", { class: "notice" }, "Choose an example or a file to compare with.")); return; }
  const models = selectedModels();
  const req = runRequest(models);
  setStatus("compare-status", "comparing…");
  const r = await api("POST", "/api/compare", { scenarios: [{ scenario: state.scenario }, other], models, draws: req.draws, seed: req.seed, options: req.options, variants: req.variants });
  setStatus("compare-status", "");
  if (!r.ok) return failAt("compare-status", r.data, "cannot compare");
  const d = r.data;
  out.append(el("h3", {}, `${d.names[0]} vs ${d.names[1]}`));
  // side by side: one row per issue and model, one column per view (the library's rows, pivoted)
  const sc = state.scenario;
  const order = (i) => sc.issues.findIndex((x) => x.id === i);
  const keys = [...new Map(d.rows.map((x) => [`${x.issue}\u0000${x.model}`, [x.issue, x.model]])).values()]
    .map((k, j) => [k, j]).sort((a, b) => order(a[0][0]) - order(b[0][0]) || a[1] - b[1]).map(([k]) => k);
  const issueOf = (i) => sc.issues.find((x) => x.id === i);
  const cellOf = (x) => {
    if (!x) return "–";
    const on = (v) => fmtOn(issueOf(x.issue), v);
    return [el("strong", {}, on(x.forecast)), x.p10 !== null && x.p10 !== undefined ? el("span", { class: "sub" }, ` (${on(x.p10)}–${on(x.p90)})`) : null];
  };
  const table = el("table", { class: "forecast-table compare-table" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Issue"), el("th", { scope: "col" }, "Model"),
      // the views' names whole (two names alike differ at their end), wrapped, and on hover
      d.names.map((n, k) => el("th", { scope: "col", class: "view-head", title: n }, k === 0 ? `${n} (first view)` : n)),
      d.names.slice(1).map((n) => el("th", { scope: "col", class: "view-head", title: `${n} vs the first view` }, `${n} vs first`)))),
    el("tbody", {}, keys.map(([i, m], j) => {
      const per = d.names.map((n) => d.rows.find((x) => x.issue === i && x.model === m && x.scenario === n));
      const first = j === 0 || keys[j - 1][0] !== i;
      const basis = (per.find((x) => x && x.basis) || {}).basis; // the war model: the terms given a deal
      return el("tr", { "data-issue": i, "data-model": m },
        el("th", { scope: "row" }, first ? nameOf(sc, i) : screenReaderText(nameOf(sc, i))), // the issue said once, on its first row (a screen reader hears it on each)
        el("td", { class: "nowrap" }, el("span", { class: "swatch", style: `background:${modelColor(m.split(" ")[0])}` }), m,
          basis ? el("span", { class: "sub" }, ` (${basis})`) : null),
        per.map((x) => el("td", { class: "num" }, cellOf(x))),
        per.slice(1).map((x) => el("td", { class: "num diff" }, x && x.difference !== null && x.difference !== undefined
          ? [(x.difference >= 0 ? "+" : "") + fmtOn(issueOf(i), x.difference),
             x.difference_noise !== null && x.difference_noise !== undefined ? el("span", { class: "sub" }, ` ±${fmtOn(issueOf(i), x.difference_noise)}`) : null]
          : "–")));
    })));
  if (d.war && d.war.length) out.append(warComparison(d.war));
  out.append(table);
  out.append(el("p", { class: "help" }, "In brackets: the input uncertainty (p10–p90 over the draws) of each view. "
    + "±: how far a difference could move with other draws (95 %; the views share the draws of every input they share): a difference within it is noise, run more draws."));
  out.append(driversTables(d, sc, issueOf));
  out.append(el("h4", {}, `Inputs that differ (${d.differences.length})`));
  if (!d.differences.length) out.append(el("p", { class: "help" }, "None: the two views have the same inputs."));
  else out.append(el("table", { class: "forecast-table diff-table" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Where"), el("th", { scope: "col" }, "Input"), d.names.map((n) => el("th", { scope: "col" }, n)))),
    el("tbody", {}, d.differences.map((x) => el("tr", {}, el("td", {}, x.where), el("td", {}, x.what), x.values.map((v) => el("td", { class: "num" }, typeof v === "object" && v !== null ? formatU(v) : String(v ?? "–"))))))));
}

// What makes each later view differ from the first (report.compare_drivers): per issue, the inputs
// whose values move its forecast most, one at a time, for the first model that has any.
function driversTables(d, sc, issueOf) {
  const box = el("div", { class: "drivers" });
  const views = (d.drivers && d.drivers.views) || [];
  const models = [...new Set(views.flatMap((v) => Object.keys(v.models || {})))];
  views.filter((v) => v.note).forEach((v) => box.append(el("p", { class: "help" }, `${v.view}: ${v.note}`)));
  for (const m of models) {
    const shown = views.filter((v) => v.models && v.models[m] && Object.values(v.models[m]).some((r) => r.length));
    if (!shown.length) continue;
    for (const v of shown) {
      box.append(el("h4", {}, `What makes ${v.view} differ from ${d.names[0]} (${m}): the inputs that move each forecast most`));
      const rows = [];
      for (const issue of sc.issues) {
        (v.models[m][issue.id] || []).forEach((x, n) => rows.push(el("tr", {},
          el("th", { scope: "row" }, n === 0 ? nameOf(sc, issue.id) : screenReaderText(nameOf(sc, issue.id))), el("td", {}, x.label),
          el("td", { class: "num" }, String(x.first)), el("td", { class: "num" }, String(x.this)),
          el("td", { class: "num diff" }, (x.effect >= 0 ? "+" : "") + fmtOn(issueOf(issue.id), x.effect)))));
      }
      box.append(el("table", { class: "forecast-table drivers-table" },
        el("thead", {}, el("tr", {}, ["Issue", "Input", "First view", "This view", "Effect"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows)));
    }
    box.append(el("p", { class: "help" }, "Effect: how far the forecast moves when this one input takes the later view's value "
      + "instead of the first view's, every other input between the two views (one at a time: the effects need not add up to the difference)."));
    break;
  }
  return box;
}

// How the war ends in each view (the library's war_comparison), laid out as report.compare.war_grid
// lays it out for the terminal and compare.html: one column per view, one row per P(deal by m months) and per ending (the endings of every view,
// in the order met; 0 % where no draw of a view ended so: the library lists only the endings that
// happened): a column of wrapped "ending share" lines per view was hard to read side by side.
// A view after the first also shows each share's difference from the first view in percentage
// points with its 95 % Monte Carlo noise, "(+35 ±2)" (report.compare.points).
function points(d) {
  if (!d) return "";
  const v = 100 * d.difference, n = 100 * d.noise;
  const digits = Math.max(Math.abs(v), n) < 10 && (v || n) ? 1 : 0;
  return ` (${v >= 0 ? "+" : "-"}${Math.abs(v).toFixed(digits)} \u00b1${n.toFixed(digits)})`;
}

function warComparison(rows) {
  const months = Object.keys(rows[0].settlement_by).sort((a, b) => a - b);
  const endings = [...new Set(rows.flatMap((w) => w.endings.map((e) => e.ending)))];
  const share = (w, name) => {
    const e = w.endings.find((x) => x.ending === name);
    return pct(e ? e.probability : 0) + points((w.ending_differences || {})[name]);
  };
  const byMonth = (w, m) => pct(w.settlement_by[m]) + (w.settlement_by[m] == null ? "" : points((w.settlement_by_difference || {})[m]));
  const line = (head, cells, cls) => el("tr", { class: cls || null }, el("th", { scope: "row" }, head), cells.map((c) => el("td", { class: "num" }, c)));
  return el("table", { class: "forecast-table compare-war-table" },
    el("caption", {}, "How the war ends, by view (the share of the draws, each one simulated war; in brackets, " +
      "the difference from the first view in percentage points \u00b1 its 95 % Monte Carlo noise)"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, screenReaderText("Outcome")),
      rows.map((w) => el("th", { scope: "col", class: "num", "data-view": w.scenario }, `${w.scenario} (${w.model}, ${w.draws} draws)`)))),
    el("tbody", {},
      months.map((m) => line(`P(deal) by ${m} months`, rows.map((w) => byMonth(w, m)), "deal-by")),
      endings.map((name, k) => line(name, rows.map((w) => share(w, name)), k === 0 ? "ending first" : "ending"))));
}

// ------------------------------------------------------------------------------------------
// levers (detente levers): computed by the library, shown as it answers

async function runLevers() {
  const out = $("levers-out");
  out.replaceChildren();
  const model = $("levers-model").value;
  const issue = $("levers-issue").value;
  const t = parseNum($("levers-target").value);
  const actor = $("levers-actor").value || null;
  if (!t.ok) { out.append(el("p", { class: "notice" }, `Target ${t.message}.`)); return; }
  if ((t.value === null) === (actor === null)) { out.append(el("p", { class: "notice" }, "Give a target forecast or choose an actor (one of the two).")); return; }
  if (blockedByProblems("levers-status")) return;
  setStatus("levers-status", "searching…");
  $("levers-button").disabled = true;
  const req = runRequest([model]);
  const r = await api("POST", "/api/levers", { scenario: state.scenario, model, issue, target: t.value, actor, seed: req.seed,
    options: req.options[model] || {}, variant: req.variants[model] || null });
  $("levers-button").disabled = false;
  $("levers-status").textContent = "";
  if (!r.ok) { out.append(el("p", { class: "notice", role: "status" }, r.data.detail || "the search failed")); return; }
  out.append(leversCard(state.scenario, r.data, model, issue, actor));
}

const ATTRIBUTE_WORDS = { position: "position", salience: "salience", capability: "capability" };

// The answer of /api/levers in words (detente.explain.levers: `actor` gives `best`, `announce_ideal`,
// `best_at_present_salience`; `target` gives `levers[]`, `no_lever[]` and `message`). Numbers as the
// library gives them; nothing is recomputed here.
function leversCard(sc, d, model, issue, actor) {
  const card = el("article", { class: "issue-card levers-card", "data-section": "levers", "data-mode": actor ? "actor" : "target" },
    el("h4", {}, `${model}: ${nameOf(sc, issue)}${d.target !== undefined && d.target !== null ? ` to ${plain(d.target)}` : ""}${actor ? ` — best announcement of ${nameOf(sc, actor)}` : ""}`));
  card.append(actor ? announcePart(sc, d) : targetPart(sc, d));
  const how = [`${d.draws} draw${d.draws === 1 ? "" : "s"} per candidate, seed ${d.seed}`,
    d.evaluations !== undefined ? `${d.evaluations} candidate runs` : null,
    d.others_respond === false ? "the other actors held where the unchanged run left them"
      : "every candidate is a full run of the model, so the other actors respond"].filter(Boolean);
  const facts = [
    [d.given ? `forecast now, given ${d.given} (median over the draws that end in one)` : "forecast now (median over the draws)", fmt(d.forecast_now)],
    ["input uncertainty now (p10–p90)", d.interval_now ? `${fmt(d.interval_now[0])}–${fmt(d.interval_now[1])}` : "–"],
    d.tolerance !== undefined ? ["counts as reaching the target within", `± ${fmt(d.tolerance)}`] : null,
    d.size_of_change ? ["size of a change", d.size_of_change] : null,
    d.gain && typeof d.gain === "string" ? ["gain", d.gain] : null,
  ].filter(Boolean);
  card.append(el("details", { class: "levers-details" }, el("summary", {}, "how this was searched"),
    el("p", { class: "help" }, how.join("; ") + "."),
    el("table", { class: "forecast-table levers-facts" }, el("tbody", {}, facts.map(([k, v]) =>
      el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v)))))));
  return card;
}

function announcePart(sc, d) {
  const who = nameOf(sc, d.actor);
  const best = d.best || {}, ideal = d.announce_ideal || {}, same = d.best_at_present_salience || null;
  const part = el("div", { class: "levers-answer" });
  const lines = [];
  if (best.gain !== null && best.gain !== undefined && best.gain > 0) {
    lines.push(`${who}'s best announcement: position ${plain(best.position)} (salience ${plain(best.salience)}). `
      + `The forecast${given(d)} moves from ${plain(d.forecast_now)} to ${plain(best.forecast)}, ${plain(best.gain)} closer to its ideal ${plain(d.ideal)} than announcing ${plain(d.ideal)}.`);
    if (same && (same.position !== best.position || same.salience !== best.salience) && same.gain > 0) {
      lines.push(`Keeping its salience at ${plain(d.salience_now)}: position ${plain(same.position)}, forecast ${plain(same.forecast)}, ${plain(same.gain)} closer than announcing its ideal.`);
    }
  } else {
    lines.push(`${who}'s best announcement is its ideal, ${plain(d.ideal)} (salience ${plain(d.salience_now)}): no other position or salience brings the forecast `
      + `(${plain(ideal.forecast ?? d.forecast_now)}) closer to it.`);
  }
  part.append(...lines.map((t, k) => el("p", { class: k === 0 ? "levers-sentence" : "help" }, t)));
  const row = (what, x) => x ? el("tr", {}, el("th", { scope: "row" }, what), numCell(x.position), numCell(x.salience), numCell(x.forecast),
    el("td", { class: "num" }, x.interval ? `${fmt(x.interval[0])}–${fmt(x.interval[1])}` : "–"), numCell(x.distance_to_ideal), numCell(x.gain)) : null;
  part.append(table("levers-announce", [["announcement"], ["position", 1], ["salience", 1], ["forecast", 1], ["input uncertainty (p10–p90)", 1],
    [`distance to its ideal (${fmt(d.ideal)})`, 1], ["closer than announcing its ideal by", 1]],
  [row(`its ideal, as it stands`, ideal), row("best", best), row(`best at its present salience (${fmt(d.salience_now)})`, same)]));
  return part;
}

// " (given a deal)" after a war answer's forecast: its forecasts are the terms of the draws with a deal
const given = (d) => d.given ? ` (given ${d.given})` : "";

function targetPart(sc, d) {
  const part = el("div", { class: "levers-answer" });
  const rows = d.levers || [];
  const what = (x) => `${nameOf(sc, x.actor)}'s ${ATTRIBUTE_WORDS[x.attribute] || words(x.attribute)}`;
  if (!rows.length) {
    part.append(el("p", { class: "notice levers-message" }, d.message || "No single change of one actor moves the forecast toward the target."));
  } else {
    const top = rows[0];
    part.append(el("p", { class: "levers-sentence" }, top.reaches_target
      ? `Forecast now ${plain(d.forecast_now)}${given(d)}. The smallest change that reaches ${plain(d.target)} (within ${plain(d.tolerance)}): ${what(top)} from ${plain(top.from)} to ${plain(top.to)} (forecast ${plain(top.forecast)}).`
      : `Forecast now ${plain(d.forecast_now)}${given(d)}. No single change reaches ${plain(d.target)}; closest: ${what(top)} from ${plain(top.from)} to ${plain(top.to)} (forecast ${plain(top.forecast)}, ${plain(top.distance_to_target)} short).`));
    const to = (x) => x.attribute === "capability" && x.factor !== null && x.factor !== undefined ? `${fmt(x.to)} (× ${Number(x.factor.toPrecision(3))})` : fmt(x.to);
    part.append(table("levers-table", [["rank", 1], ["actor"], ["changes its"], ["from", 1], ["to", 1], ["size of the change", 1], ["forecast", 1],
      ["input uncertainty (p10–p90)", 1], ["reaches the target?"], ["distance to the target", 1]],
    rows.map((x) => el("tr", { "data-actor": x.actor, "data-attribute": x.attribute },
      el("td", { class: "num" }, String(x.rank ?? "")), el("th", { scope: "row" }, nameOf(sc, x.actor)), el("td", {}, ATTRIBUTE_WORDS[x.attribute] || words(x.attribute)),
      numCell(x.from), el("td", { class: "num" }, to(x)), numCell(x.size, 3), numCell(x.forecast),
      el("td", { class: "num" }, x.interval ? `${fmt(x.interval[0])}–${fmt(x.interval[1])}` : "–"),
      el("td", { class: "reaches" }, x.reaches_target ? "yes" : "no"), numCell(x.distance_to_target)))));
    // what the numbers are, as the terminal's caption says
    part.append(el("p", { class: "help levers-size" }, "Size of the change: a position's change as a share of the "
      + "issue's scale; a salience's change itself (0–1); a capability's change as a share of all the actors' "
      + `capabilities on the issue. Reaches the target: the forecast comes within ${plain(d.tolerance)} of it; the `
      + "changes that reach it come first, smallest first."));
  }
  const none = d.no_lever || [];
  if (none.length && rows.length) {
    const by = new Map();
    for (const x of none) by.set(x.actor, [...(by.get(x.actor) || []), ATTRIBUTE_WORDS[x.attribute] || words(x.attribute)]);
    part.append(el("p", { class: "help no-lever" }, "No lever (no change moves the forecast toward the target): ",
      [...by].map(([a, attrs]) => `${nameOf(sc, a)} (${attrs.join(", ")})`).join("; "), "."));
  }
  return part;
}

// ------------------------------------------------------------------------------------------
// sensitivity

async function runSensitivity() {
  if (!state.scenario) return;
  const model = $("sensitivity-model").value || "mean";
  const out = $("sensitivity");
  out.replaceChildren();
  if (blockedByProblems("sensitivity-status")) return;
  setStatus("sensitivity-status", "analysing…");
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
  const sobol = data.method === "sobol";
  const explain = el("p", { class: "help sensitivity-explain" });
  const say = () => {
    explain.textContent = sobol
      ? (pick.value ? "Sobol total-order index ST: the share of the forecast's variance over the draws that is due to the input, alone or together with others (0 to 1)."
        : "All issues: each input's largest total-order index ST on any issue (the share of a forecast's variance due to the input, alone or with others).")
      : (pick.value ? "mu*: mean absolute change of the forecast, in the issue's units, per move of the input across its whole range."
        : "All issues: each input's largest mu* / sd on any issue, where mu* is the mean absolute change of the forecast per move of the input across its whole range and sd the spread of that forecast over the draws (so issues on different scales compare).");
    explain.append(` ${data.evaluations} model evaluations.`);
  };
  pick.addEventListener("change", say);
  const given = data.raw && data.raw.given ? `, the terms given ${data.raw.given}` : ""; // war: the terms of a deal
  out.append(el("h3", { class: "sensitivity-head" }, sobol ? `What moves the forecast most (Sobol indices${given})` : `What moves the forecast most (Morris screening${given})`));
  out.append(el("div", { class: "controls" }, el("label", { for: "sensitivity-issue" }, "Forecast of"), pick));
  out.append(explain);
  say();
  out.append(holder);
  for (const n of data.notes || []) out.append(el("p", { class: "help" }, n));
  draw();
}

// An input's label on at most `most` lines of about `n` characters; when longer, the actor's last words
// are cut (the attribute at the start and the issue after " on " stay whole, so that "position of US
// Congress … on Territorial line" and "… on Sanctions relief for Russia" stay apart).
function labelLines(text, n = 48, most = 3) {
  text = String(text);
  const wrap = (t) => {
    const out = [];
    while (t.length > n) {
      let br = t.lastIndexOf(" ", n);
      if (br < n / 3) br = n;
      out.push(t.slice(0, br));
      t = t.slice(br).trim();
    }
    return [...out, t];
  };
  let ls = wrap(text);
  if (ls.length <= most) return ls;
  const at = text.lastIndexOf(" on ");
  let head = at > 0 ? text.slice(0, at) : text;
  let tail = at > 0 ? text.slice(at) : "";
  if (tail.length > (most - 1) * n) tail = tail.slice(0, (most - 1) * n - 1) + "…"; // the issue's name alone is too long
  while (head.length > 12) { // drop the actor's last words until it fits
    const sp = head.lastIndexOf(" ");
    head = head.slice(0, sp > 12 ? sp : head.length - 1);
    ls = wrap(`${head}…${tail}`);
    if (ls.length <= most) return ls;
  }
  return wrap(`${head}…${tail}`).slice(0, most).map((l) => shorten(l, n));
}

function sensitivityChart(data, issueId) {
  const rows = (issueId ? data.issues[issueId] : data.overall).filter((r) => r.value !== null).slice(0, 20);
  if (!rows.length) return el("p", { class: "notice" }, "No uncertain estimates: give some numbers as ranges to see which matter.");
  const lines = rows.map((r) => labelLines(r.label || r.name));
  const most = Math.max(...lines.map((l) => l.length));
  const W = 780, left = 330, right = 70, rowH = 8 + 14 * Math.max(1, most) + (most > 1 ? 4 : 0), top = 28;
  const H = top + rowH * rows.length + 10;
  const maxV = Math.max(...rows.map((r) => Math.abs(r.value)), 1e-12);
  const what = issueId ? label(state.scenario.issues.find((i) => i.id === issueId)) : "all issues";
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart sensitivity-chart", role: "img",
    "aria-label": `Which estimates matter most for the ${data.model} forecast (${what}), most influential first` });
  root.append(svg("text", { x: 4, y: 16, class: "chart-title" },
    `Which estimates matter most: ${data.model}, ${what} (${data.method}, ${issueId ? data.key : data.method === "sobol" ? "max ST" : "max mu*/sd"})`));
  rows.forEach((r, k) => {
    const y = top + rowH * k;
    const w = (Math.abs(r.value) / maxV) * (W - left - right);
    const ls = lines[k];
    const y0 = y + rowH / 2 + 4 - (ls.length - 1) * 7; // one line centred on the bar, two around it
    root.append(svg("text", { x: left - 8, y: y0, "text-anchor": "end", class: "actor-label sensitivity-label", "data-input": r.name },
      ls.map((t, j) => svg("tspan", { x: left - 8, dy: j ? 14 : 0 }, t)), svg("title", {}, `${r.label} (${r.name})`)));
    root.append(svg("rect", { x: left, y: y + rowH / 2 - 8, width: Math.max(1, w), height: 16, fill: modelColor(data.model), class: "bar" },
      svg("title", {}, `${r.label}: ${fmt(r.value)}${r.conf !== null && r.conf !== undefined ? " ± " + fmt(r.conf) : ""}`)));
    root.append(svg("text", { x: left + w + 6, y: y + rowH / 2 + 4, class: "tick" }, fmt(r.value)));
  });
  return el("figure", { class: "chart-wrap" }, root);
}

// ------------------------------------------------------------------------------------------
// A table of results wider than its box scrolls sideways in it (style.css, narrower than 1024 px): a
// keyboard user must reach it to scroll it with the arrow keys (WCAG 2.1.1). The forecast tables' boxes
// (.table-scroll) always take the focus; a table that is its own scrolling box takes it only while it
// does scroll, so that a wide window has no useless stops.

const scrollWatch = typeof ResizeObserver === "function" ? new ResizeObserver((entries) => entries.forEach((e) => keyboardScroll(e.target))) : null;

function keyboardScroll(table) {
  if (!table.isConnected && scrollWatch) { scrollWatch.unobserve(table); return; } // a table drawn anew
  const scrolls = table.isConnected && table.scrollWidth > table.clientWidth + 1;
  if (scrolls && !table.hasAttribute("tabindex")) table.setAttribute("tabindex", "0");
  else if (!scrolls && table.getAttribute("tabindex") === "0" && document.activeElement !== table) table.removeAttribute("tabindex");
}

function watchScrollingTables(root) {
  const seen = new WeakSet();
  const look = () => {
    for (const t of root.querySelectorAll("table.forecast-table")) {
      if (t.closest(".table-scroll")) continue;
      if (scrollWatch && !seen.has(t)) { seen.add(t); scrollWatch.observe(t); }
      keyboardScroll(t);
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; look(); });
  }).observe(root, { childList: true, subtree: true });
  look();
}

async function loadLimits() {
  const r = await api("GET", "/api/limits");
  if (!r.ok) return;
  state.limits = r.data;
  $("draws").max = r.data.max_draws;
  $("limits-help").textContent = `This server allows up to ${r.data.max_draws} draws, ${r.data.max_actors} actors and ${r.data.max_issues} issues per request, and computes ${r.data.workers} run${r.data.workers > 1 ? "s" : ""} at a time.`;
}

async function loadWarSchema() {
  const r = await api("GET", "/api/schema/war");
  if (r.ok) state.warSchema = r.data;
  if (state.scenario) renderWar();
}

document.addEventListener("DOMContentLoaded", () => {
  $("new-scenario").addEventListener("click", newScenario);
  $("example-select").addEventListener("change", loadExample);
  window.addEventListener("beforeunload", (e) => { // a reload or closed tab would lose the edits
    if (draftTimer) saveDraft(); // the last keystrokes too
    if (state.scenario && state.edited) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("pagehide", () => { if (draftTimer) saveDraft(); });
  offerDraft();
  $("load-example").addEventListener("click", loadExample);
  $("file-input").addEventListener("change", uploadFile);
  $("add-actor").addEventListener("click", addActor);
  $("add-issue").addEventListener("click", addIssue);
  $("add-source").addEventListener("click", addSource);
  $("new-actor-name").addEventListener("keydown", (e) => { if (e.key === "Enter") addActor(); });
  $("new-issue-name").addEventListener("keydown", (e) => { if (e.key === "Enter") addIssue(); });
  evidencePanel().addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.evidenceTarget) { e.preventDefault(); e.stopPropagation(); closeEvidence(); }
  });
  $("export-yaml").addEventListener("click", () => exportScenario("yaml"));
  $("export-json").addEventListener("click", () => exportScenario("json"));
  $("run-button").addEventListener("click", runModels);
  $("cancel-button").addEventListener("click", cancelRun);
  $("compare-button").addEventListener("click", compareViews);
  $("compare-example").addEventListener("change", () => { if ($("compare-example").value) clearCompareFile(); });
  $("compare-file").addEventListener("change", () => {
    const chosen = $("compare-file").files.length > 0;
    if (chosen) $("compare-example").value = "";
    $("compare-file-clear").hidden = !chosen;
  });
  $("compare-file-clear").addEventListener("click", () => { clearCompareFile(); $("compare-file").focus(); });
  $("levers-target").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); runLevers(); } });
  document.addEventListener("keydown", (e) => { // Escape closes the evidence panel, wherever the focus is
    if (e.key === "Escape" && state.evidenceTarget && !e.defaultPrevented) closeEvidence();
  });
  $("sensitivity-button").addEventListener("click", runSensitivity);
  $("levers-button").addEventListener("click", runLevers);
  watchScrollingTables($("results-section"));
  loadModels();
  loadExamples();
  loadLimits();
  loadWarSchema();
  loadSavedRuns();
});
