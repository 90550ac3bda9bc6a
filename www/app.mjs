// The playground: the package's browser build (compiled asynchronously, no init call needed).
import { createOAuthToken, TokenClient, AltPayOAuthError } from "../browser.mjs";

const $ = (id) => document.getElementById(id);
const form = $("form");
const buttons = [$("getToken"), $("callCustomers")];

// Served by `altpay-oauth mock`: the page's own origin is the mock token server.
if (location.protocol === "http:" || location.protocol === "https:") $("baseUrl").value = location.origin;

function options() {
  const o = {
    clientId: $("clientId").value,
    clientSecret: $("clientSecret").value,
    environment: $("environment").value,
  };
  const base = $("baseUrl").value.trim();
  if (base) o.baseUrl = base;
  return o;
}

// One TokenClient per set of options, as an application would keep one per API key.
let client = null;
let clientKey = "";
function tokenClient(o) {
  const key = JSON.stringify([o.clientId, o.clientSecret, o.environment, o.baseUrl ?? ""]);
  if (client === null || key !== clientKey) {
    client = new TokenClient(o);
    clientKey = key;
  }
  return client;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function pre(value) {
  return el("pre", "json", typeof value === "string" ? value : JSON.stringify(value, null, 2));
}

/** A typed error, plainly: code, status, message, details, retryAfter. */
function errorView(e) {
  const dl = el("dl", "error");
  const row = (k, v) => {
    dl.append(el("dt", "", k));
    const dd = el("dd");
    if (v instanceof Node) dd.append(v);
    else dd.textContent = v;
    dl.append(dd);
  };
  if (e instanceof AltPayOAuthError) {
    row("name", e.name);
    row("code", e.code);
    if (e.status !== undefined) row("status", String(e.status));
    row("message", e.message);
    if (e.details !== undefined) row("details", pre(e.details));
    if (e.retryAfter !== undefined) row("retryAfter", `${e.retryAfter} s`);
  } else {
    row("error", String((e && e.name) || "Error"));
    row("message", String((e && e.message) || e));
  }
  return dl;
}

function errorStatus(e) {
  if (!(e instanceof AltPayOAuthError)) return "error";
  return e.status === undefined ? e.code : `${e.code} · ${e.status}`;
}

function show(card, status, body, state) {
  $(`${card}Card`).className = `card ${state}`;
  $(`${card}Status`).textContent = status;
  $(`${card}Body`).replaceChildren(body);
}

// ---- expiry countdown -----------------------------------------------------------------------------
let timer = 0;
function countdown(token) {
  clearInterval(timer);
  const box = $("countdown");
  if (!token) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const at = new Date(token.expires_at);
  const tick = () => {
    const left = Math.max(0, Math.round((token.expires_at - Date.now()) / 1000));
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    const two = (n) => String(n).padStart(2, "0");
    $("countdownText").textContent =
      left > 0
        ? `expires in ${h ? `${h}:${two(m)}` : m}:${two(s)} (at ${at.toLocaleTimeString()})`
        : `expired at ${at.toLocaleTimeString()}: get a new token`;
    $("countdownBar").style.width = `${token.expires_in > 0 ? Math.min(100, (100 * left) / token.expires_in) : 0}%`;
    box.classList.toggle("expired", left === 0);
    if (left === 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 1000);
}

// ---- actions --------------------------------------------------------------------------------------
async function busy(card, label, action) {
  for (const b of buttons) b.disabled = true;
  $(`${card}Card`).classList.add("busy");
  $(`${card}Status`).textContent = label;
  try {
    await action();
  } finally {
    $(`${card}Card`).classList.remove("busy");
    for (const b of buttons) b.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy("token", "requesting…", async () => {
    const started = performance.now();
    try {
      const token = await createOAuthToken(options());
      const ms = Math.round(performance.now() - started);
      show("token", `AccessToken · ${ms} ms`, pre(token), "ok");
      countdown(token);
    } catch (e) {
      countdown(null);
      show("token", errorStatus(e), errorView(e), "failed");
    }
  });
});

$("callCustomers").addEventListener("click", () => {
  busy("customers", "requesting…", async () => {
    try {
      const res = await tokenClient(options()).fetch("/customers");
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      show("customers", `${res.status} ${res.statusText}`.trim(), pre(body), res.ok ? "ok" : "failed");
    } catch (e) {
      show("customers", errorStatus(e), errorView(e), "failed");
    }
  });
});
