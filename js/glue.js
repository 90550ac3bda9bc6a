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

/** Mark a promise's rejection as handled (used for body.cancel()). */
function ignoreRejection(promise) {
  if (promise && typeof promise.then === "function") promise.then(undefined, () => {});
}

/**
 * Used by `attempt`, while its abort guard is alive: read what the core needs from a fetch Response.
 * Resolves to [status, retryAfter, body, bodyError]:
 * - status -1: not a Response; 0: a browser's opaque redirect (`redirect: "manual"`);
 * - body: the bytes, or null when larger than `max` (read as a stream and cancelled there, or refused
 *   from Content-Length without reading), or undefined when reading failed (bodyError says why).
 * With `trustLength` (the runtime's own fetch, outside browser pages, where a cross-origin response can
 * hide its Content-Encoding) an uncompressed body of a declared length within `max` is read in one go:
 * the runtime never delivers more than the declared length. Otherwise it is read as a stream.
 */
async function readResponse(response, max, trustLength) {
  let status, headers, body;
  try {
    status = response.status;
    headers = response.headers;
    body = response.body;
    if (response.type === "opaqueredirect") return [0];
  } catch {
    return [-1];
  }
  if (typeof status !== "number" || !Number.isInteger(status) || status < 0 || status > 999) return [-1];
  let retryAfter, length;
  try {
    retryAfter = headers.get("retry-after") ?? undefined;
    length = headers.get("content-length");
  } catch {}
  const cancel = (x) => {
    try {
      ignoreRejection(x.cancel());
    } catch {}
  };
  if (length !== null && length !== undefined && Number(length) > max) {
    if (body) cancel(body);
    return [status, retryAfter, null];
  }
  if (body === null || body === undefined) return [status, retryAfter, new Uint8Array(0)];
  // A declared length within the cap, not compressed: the runtime enforces it, so read it in one go.
  let encoding;
  try {
    encoding = headers.get("content-encoding");
  } catch {}
  if (trustLength && length !== null && length !== undefined && length !== "" && !encoding) {
    try {
      return [status, retryAfter, new Uint8Array(await response.arrayBuffer())];
    } catch (error) {
      return [status, retryAfter, undefined, error];
    }
  }
  let reader;
  try {
    reader = body.getReader();
  } catch (error) {
    return [status, retryAfter, undefined, error];
  }
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        cancel(reader);
        return [status, retryAfter, undefined, new TypeError("response body is not a byte stream")];
      }
      size += value.length;
      if (size > max) {
        cancel(reader);
        return [status, retryAfter, null];
      }
      chunks.push(value);
    }
  } catch (error) {
    return [status, retryAfter, undefined, error];
  }
  if (chunks.length === 1) return [status, retryAfter, chunks[0]];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return [status, retryAfter, out];
}

/**
 * Called from Rust: one attempt of the token request, under its own abort guard. An AbortController
 * is fired by a `timeoutMs` timer or by the caller's signal; it covers the headers and the body read,
 * and a fetch or body stream that ignores the signal is raced against it too. The timer and the
 * listener are always removed when the attempt ends, so nothing is left running.
 * Resolves (never rejects) to one of:
 *   [0, status, retryAfter, body, sentAt]      a response; body = bytes, or null past `max` bytes
 *   [1, status, retryAfter, cause, error]      a response whose body read failed
 *   [2, cause, error]                          no response (fetch rejected or threw)
 *   [3, kind]                                  kind 0: a browser's opaque redirect; -1: not a Response
 * where cause is "timeout", "aborted" or "network", and error a one-line description of it.
 */
export async function attempt(fetchFn, url, method, authorization, contentType, accept, body, timeoutMs, signal, max) {
  if (signal?.aborted) return [2, "aborted"]; // nothing is sent for a caller who already gave up
  const controller = new AbortController();
  let cause = "network";
  const fire = (why) => {
    if (cause === "network") cause = why;
    controller.abort();
  };
  const timer = setTimeout(() => fire("timeout"), timeoutMs);
  const onAbort = () => fire("aborted");
  let fired;
  const guard = new Promise((_, reject) => (fired = reject));
  guard.then(undefined, () => {});
  const onFire = () => fired(new Error(cause));
  controller.signal.addEventListener("abort", onFire, { once: true });
  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort);
  }
  try {
    const init = {
      method,
      headers: { Authorization: authorization, "Content-Type": contentType, Accept: accept },
      body,
      redirect: "manual",
      signal: controller.signal,
    };
    const sentAt = Date.now();
    // The runtime's fetch honours the signal for the headers and the body; a custom one might not,
    // so only then is each step raced against the guard.
    const raced = (p) => (fetchFn === undefined ? p : Promise.race([p, guard]));
    let response;
    try {
      response = await raced(fetchFn === undefined ? fetch(url, init) : fetchFn(url, init));
    } catch (error) {
      return [2, cause, describe(error)];
    }
    let read;
    try {
      read = await raced(readResponse(response, max, fetchFn === undefined && typeof document === "undefined"));
    } catch (error) {
      return [1, typeof response?.status === "number" ? response.status : 0, undefined, cause, describe(error)];
    }
    if (read[0] <= 0) return [3, read[0]];
    if (read[2] === undefined) return [1, read[0], read[1], cause, describe(read[3])];
    return [0, read[0], read[1], read[2], sentAt];
  } finally {
    clearTimeout(timer);
    // After a failed body read undici keeps the request's signal reachable (the errored stream's
    // stored error); a listener left on it would keep the guard, its race reactions and with them
    // the whole attempt (response, stream, socket) alive: ~30 KB per failure.
    controller.signal.removeEventListener("abort", onFire);
    if (signal) signal.removeEventListener("abort", onAbort);
  }
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

/**
 * Called from Rust (createOAuthToken): drive one token request. `run` is the Rust TokenRun: `send`
 * starts an attempt, `judge` decides on its outcome (token object, milliseconds to wait, or the final
 * AltPayOAuthError). This loop only does what it is told, and frees the run at the end.
 */
export async function drive(run, fetchFn, signal) {
  try {
    for (;;) {
      const verdict = run.judge(await run.send(fetchFn, signal));
      if (typeof verdict === "number") {
        if (!(await sleep(verdict, signal))) throw run.judge([2, "aborted"]);
      } else if (verdict instanceof AltPayOAuthError) {
        throw verdict;
      } else {
        return verdict;
      }
    }
  } finally {
    run.free();
  }
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
