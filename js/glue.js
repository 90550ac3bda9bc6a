// JavaScript side of the wasm layer: the error class and the two object builders the Rust code calls.
// Kept tiny on purpose: one crossing builds a whole object, so the hot path stays cheap.

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
export function ignoreRejection(promise) {
  if (promise && typeof promise.then === "function") promise.then(undefined, () => {});
}

/**
 * Called from Rust once per attempt, while its abort guard is alive: read what the core needs from a
 * fetch Response in one crossing. Resolves to [status, retryAfter, body, bodyError]:
 * - status -1: not a Response; 0: a browser's opaque redirect (`redirect: "manual"`);
 * - body: the bytes, or null when larger than `max` (read as a stream and cancelled there, or refused
 *   from Content-Length without reading), or undefined when reading failed (bodyError says why).
 */
export async function readResponse(response, max) {
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
