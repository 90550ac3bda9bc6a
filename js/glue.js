// JavaScript side of the wasm layer: the error class, the object builders the Rust code calls, and
// the IO bindings (one fetch attempt under its abort guard, an abortable sleep, a bounded store call).
// Each is one crossing from Rust: the decisions (what to send, how to judge the answer, whether and
// when to retry) stay in the sans-IO Rust core; what happens here is only IO and conversion.

/**
 * The one error type altpay-oauth throws. `code` says what went wrong; `status`, `details` and
 * `retryAfter` are present when the server gave them. Never holds the client secret.
 */
export class AltPayOAuthError extends Error {
  /**
   * @param {string} code one of the ErrorCode strings
   * @param {string} message a sentence a person can act on
   * @param {{status?: number, details?: Record<string, string>, retryAfter?: number}} [init]
   */
  constructor(code, message, init) {
    super(message);
    this.code = code;
    if (init !== undefined && init !== null) {
      if (init.status !== undefined) this.status = init.status;
      if (init.details !== undefined) this.details = init.details;
      if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
    }
  }
}
Object.defineProperty(AltPayOAuthError.prototype, "name", {
  value: "AltPayOAuthError",
  writable: true,
  configurable: true,
  enumerable: false,
});

/** Called from Rust: details arrive flattened as [key, value, key, value, ...]. */
export function makeError(code, message, status, flatDetails, retryAfter) {
  const init = {};
  if (status !== undefined) init.status = status;
  if (flatDetails !== undefined) {
    const entries = [];
    for (let i = 0; i + 1 < flatDetails.length; i += 2) entries.push([flatDetails[i], flatDetails[i + 1]]);
    // fromEntries defines own properties, so a "__proto__" key from a server is just a key.
    init.details = Object.fromEntries(entries);
  }
  if (retryAfter !== undefined) init.retryAfter = retryAfter;
  return new AltPayOAuthError(code, message, init);
}

/** Called from Rust: the AccessToken object handed to users (frozen: cached tokens are shared). */
export function makeToken(accessToken, tokenType, expiresIn, expiresAt, scope) {
  const token =
    scope === undefined
      ? { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, expires_at: expiresAt }
      : { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, expires_at: expiresAt, scope };
  return Object.freeze(token);
}

// The token request on the wire: the same constants as src/request.rs (tests/wasm/wire.rs checks what
// arrives at the server). Kept here so that they do not cross the boundary on every attempt.
const METHOD = "POST";
const CONTENT_TYPE = "application/x-www-form-urlencoded";
const ACCEPT = "application/json";
const BODY = "grant_type=client_credentials";
/** The body cap (src/response.rs MAX_BODY_BYTES): a larger body is never buffered whole. */
const MAX_BODY = 1048576;

/**
 * The validated request of each options object createOAuthToken has seen (TokenClient passes the
 * same one on every refresh): what the Rust core made of the six values in `values`, kept only as
 * long as the options object itself (which holds the same secret) is alive.
 */
const plans = new WeakMap();

/**
 * Called from Rust after validating `options`: remember what it made of `values` (the array
 * readOptions returned, so exactly the values validated) and return that plan for `drive`.
 */
export function remember(options, values, url, authorization, secret, timeoutMs, retries) {
  const plan = { values: values.slice(0, 6), url, authorization, secret, timeoutMs, retries };
  plans.set(options, plan);
  return plan;
}

/**
 * Called from Rust first thing in createOAuthToken: when `options` was validated before and its six
 * request values (clientId, clientSecret, environment, baseUrl, timeoutMs, retries) are unchanged,
 * and its `fetch` and `signal` pass the same type checks as in src/wasm/convert.rs, start the request
 * with the remembered plan. Otherwise (or when a getter throws) undefined: the full path in Rust
 * reads, checks and reports.
 */
export function driveRemembered(o) {
  const plan = plans.get(o);
  if (plan === undefined) return undefined;
  const v = plan.values;
  let fetchFn, signal;
  try {
    if (o.clientId !== v[0] || o.clientSecret !== v[1] || o.environment !== v[2] || o.baseUrl !== v[3]) return undefined;
    if (o.timeoutMs !== v[4] || o.retries !== v[5]) return undefined;
    fetchFn = o.fetch;
    signal = o.signal;
  } catch {
    return undefined;
  }
  if (fetchFn !== undefined && typeof fetchFn !== "function") return undefined;
  if (signal === null) signal = undefined;
  if (signal !== undefined && (typeof signal !== "object" || typeof signal.addEventListener !== "function")) return undefined;
  return drive(plan, fetchFn, signal);
}

/** The Rust Judge of this module instance (src/wasm/transport.rs), handed over by `setJudge`. */
let judge = null;

/** Called from Rust, once per module instance, before the first `drive`. */
export function setJudge(j) {
  judge = j;
}

/**
 * Called from Rust (createOAuthToken), or from driveRemembered: drive one token request with a plan
 * from `remember`. Each attempt's outcome goes to the Rust Judge: a 2xx body straight to
 * `judge.token` (the hot path: bytes in, token object out), and anything else, or a body that is not
 * a token, to `judge.judge`, whose verdict is the token object, milliseconds to wait before the next
 * attempt, or the final AltPayOAuthError. This loop only does what it is told.
 */
export async function drive(plan, fetchFn, signal) {
  const { url, authorization, secret, timeoutMs, retries } = plan;
  let failed = 0;
  for (;;) {
    const o = await attempt(fetchFn, url, authorization, timeoutMs, signal);
    if (o[0] === 0 && o[1] >= 200 && o[1] <= 299 && o[3] !== null) {
      const token = judge.token(o[3], o[4]);
      if (token !== undefined) return token;
    }
    const verdict = judge.judge(o, o[0] === 0 ? o[3] : undefined, failed, retries, timeoutMs, secret, authorization);
    if (typeof verdict === "number") {
      failed++;
      if (!(await sleep(verdict, signal))) throw judge.judge([2, "aborted"], undefined, failed, retries, timeoutMs, secret, authorization);
    } else if (verdict instanceof AltPayOAuthError) {
      throw verdict;
    } else {
      return verdict;
    }
  }
}

const identity = (p) => p;
const noop = () => {};

// ---- attempt deadlines --------------------------------------------------------------------------
// Node's own fetch keeps the event loop alive while a request is in flight (its socket, or its DNS
// lookup), so there all attempts share one unref'd timer: an attempt adds its deadline to a set and
// deletes it when it ends. A timer per attempt costs Node a timer-list insert and removal and two
// native calls that switch the loop's reference count: a few percent of a loopback token request
// (docs/benchmarks.md). Everywhere else (other runtimes; a custom or replaced fetch, which may hold
// nothing that keeps a process alive) each attempt arms and clears a timer of its own.

/** Deadlines of the attempts in flight on the shared timer: { at (performance.now() ms), fire }. */
const deadlines = new Set();
let wake; // the shared timer, armed for the earliest deadline (`wakeAt`)
let wakeAt = Infinity;
let wakeHeld = false; // the shared timer could not be unref'd: cleared as soon as nothing waits
let checkedFetch; // the global fetch `ownFetch` was last computed for
let ownFetch = false;

/** Whether the global fetch is Node's own (its source is Node's lazy loader of undici). */
function isNodesOwnFetch() {
  const f = globalThis.fetch;
  if (f !== checkedFetch) {
    checkedFetch = f;
    let source = "";
    try {
      source = Function.prototype.toString.call(f);
    } catch {}
    ownFetch =
      typeof process === "object" && typeof performance === "object" && source.includes("internal/deps/undici/undici");
  }
  return ownFetch;
}

/** A deadline `ms` from now on the shared timer; its `end()` takes it off when the attempt ends. */
function addDeadline(ms, fire) {
  const d = { at: performance.now() + ms, fire, end: () => endDeadline(d) };
  deadlines.add(d);
  if (d.at < wakeAt) armWake(d.at);
  return d;
}

/** Take `d` off; a shared timer that could not be unref'd is cleared once nothing waits on it. */
function endDeadline(d) {
  deadlines.delete(d);
  if (wakeHeld && deadlines.size === 0) {
    clearTimeout(wake);
    wake = undefined;
    wakeAt = Infinity;
  }
}

/** (Re-)arm the shared timer for `at`, unref'd where the runtime allows it. */
function armWake(at) {
  if (wake !== undefined) clearTimeout(wake);
  wakeAt = at;
  wake = setTimeout(onWake, Math.max(0, at - performance.now()));
  wakeHeld = typeof wake?.unref !== "function";
  if (!wakeHeld) wake.unref();
}

/** Fire every deadline that has passed; re-arm for the earliest one left. */
function onWake() {
  wake = undefined;
  wakeAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const d of deadlines) {
    if (d.at <= now) {
      deadlines.delete(d);
      try {
        d.fire(); // (aborts the attempt's own controller: nothing user-supplied runs here)
      } catch {}
    } else if (d.at < next) {
      next = d.at;
    }
  }
  if (next !== Infinity) armWake(next);
}

/**
 * One attempt of the token request, under its own abort guard. An AbortController is fired by a
 * `timeoutMs` deadline (its own timer, or the shared one: see "attempt deadlines") or by the caller's
 * signal; it covers the headers and the body read. Any fetch but Node's own might ignore the signal,
 * so then each step is also raced against a guard promise. The deadline and the listener are always
 * removed when the attempt ends, so nothing is left running.
 * Resolves (never rejects) to one of:
 *   [0, status, retryAfter, body, sentAt]      a response; body = bytes, or null past MAX_BODY bytes
 *   [1, status, retryAfter, cause, error]      a response whose body read failed
 *   [2, cause, error]                          no response (fetch rejected or threw)
 *   [3, kind]                                  kind 0: a browser's opaque redirect; -1: not a Response
 * where cause is "timeout", "aborted" or "network", error a one-line description of it, and
 * retryAfter the Retry-After header of a non-2xx response (undefined otherwise).
 */
async function attempt(fetchFn, url, authorization, timeoutMs, signal) {
  if (signal?.aborted) return [2, "aborted"]; // nothing is sent for a caller who already gave up
  const controller = new AbortController();
  let cause = "network";
  let fired; // rejects the guard (custom fetch only)
  const fire = (why) => {
    if (cause === "network") cause = why;
    controller.abort();
    if (fired !== undefined) fired(new Error(cause));
  };
  // Node's own fetch honours the signal and keeps the process alive while in flight; any other fetch
  // (a custom one, a replaced global, another runtime's) gets its own timer and the guard race too.
  // (ALTPAY_NODE is defined false in the bundles for other runtimes: scripts/build.mjs; this branch and
  // the shared timer are left out of them.)
  let timer, deadline;
  if ((typeof ALTPAY_NODE === "undefined" || ALTPAY_NODE) && fetchFn === undefined && isNodesOwnFetch()) {
    deadline = addDeadline(timeoutMs, () => fire("timeout"));
  } else {
    timer = setTimeout(() => fire("timeout"), timeoutMs);
  }
  const own = deadline !== undefined;
  const onAbort = () => fire("aborted");
  if (signal) signal.addEventListener("abort", onAbort);
  let raced = identity;
  if (!own) {
    const guard = new Promise((_, reject) => (fired = reject));
    guard.then(undefined, noop);
    raced = (p) => Promise.race([p, guard]);
  }
  try {
    const init = {
      method: METHOD,
      headers: { Authorization: authorization, "Content-Type": CONTENT_TYPE, Accept: ACCEPT },
      body: BODY,
      redirect: "manual",
      signal: controller.signal,
    };
    const sentAt = Date.now();
    let response;
    try {
      response = await raced(fetchFn === undefined ? fetch(url, init) : fetchFn(url, init));
    } catch (error) {
      return [2, cause, describe(error)];
    }
    let status, headers, body;
    try {
      status = response.status;
      headers = response.headers;
      body = response.body;
      if (response.type === "opaqueredirect") return [3, 0];
    } catch {
      return [3, -1];
    }
    if (!Number.isInteger(status) || status < 0 || status > 999) return [3, -1];
    let retryAfter, length, encoding;
    try {
      if (status < 200 || status > 299) retryAfter = headers.get("retry-after") ?? undefined;
      length = headers.get("content-length");
      encoding = headers.get("content-encoding");
    } catch {}
    if (length !== null && length !== undefined && Number(length) > MAX_BODY) {
      cancel(body);
      return [0, status, retryAfter, null, sentAt];
    }
    if (body === null || body === undefined) return [0, status, retryAfter, new Uint8Array(0), sentAt];
    // A declared length within the cap, not compressed, from the runtime's own fetch outside a browser
    // page (where a cross-origin response can hide its Content-Encoding): the runtime never delivers
    // more than the declared length, so the body is read in one go. Otherwise it is read as a stream.
    let read;
    try {
      if (fetchFn === undefined && length && !encoding && typeof document === "undefined") {
        read = new Uint8Array(await response.arrayBuffer());
      } else {
        read = await raced(readStream(body));
      }
    } catch (error) {
      return [1, status, retryAfter, cause, describe(error)];
    }
    return [0, status, retryAfter, read, sentAt];
  } finally {
    if (own) deadline.end();
    else clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", onAbort);
  }
}

/** Cancel a body stream or reader, ignoring whatever it throws or rejects with. */
function cancel(x) {
  try {
    const p = x?.cancel();
    if (p && typeof p.then === "function") p.then(undefined, noop);
  } catch {}
}

/**
 * Read a body stream up to MAX_BODY bytes: the bytes, or null past the cap (the stream is cancelled
 * there, never buffered whole). Rejects when reading fails or the stream does not carry bytes.
 */
async function readStream(body) {
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      cancel(reader);
      throw new TypeError("response body is not a byte stream");
    }
    size += value.length;
    if (size > MAX_BODY) {
      cancel(reader);
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * A fetch error in one line: its message and, when present, Node's `cause` (a code such as
 * ECONNREFUSED, else its message), cut to 200 characters.
 */
function describe(error) {
  let text;
  try {
    text = String(error?.message ?? error ?? "unknown error");
    const why = error?.cause?.code ?? error?.cause?.message;
    if (why !== undefined) text += ` (${why})`;
  } catch {
    text = "unknown error";
  }
  return text.length > 200 ? text.slice(0, 200) + "…" : text;
}

/** Wait `ms`, or less if `signal` fires. Resolves true when slept, false when aborted. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The option keys read by readOptions, in order (src/wasm/convert.rs indexes into this). */
const OPTION_KEYS = [
  "clientId", "clientSecret", "environment", "baseUrl", "timeoutMs", "retries", "fetch",
  "signal", "refreshSkewSeconds", "store", "onStoreError",
];

/**
 * Called from Rust: the option values in one crossing, in the order of OPTION_KEYS; a getter that
 * throws yields the name of that key (a string) instead of the array.
 */
export function readOptions(o) {
  const out = [];
  for (const k of OPTION_KEYS) {
    try {
      out.push(o[k]);
    } catch {
      return k;
    }
  }
  // signal: kept only if it is AbortSignal-like; anything else becomes `false` (invalid_config).
  const signal = out[7];
  if (signal != null && typeof signal.addEventListener !== "function") out[7] = false;
  return out;
}
