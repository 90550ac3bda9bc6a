// TokenClient: the JavaScript face of the Rust RawTokenClient (src/wasm/client.rs), which reads the
// options once, runs the refresh state machine and performs the refreshes (store read, token request,
// store write). What stays here must be JavaScript to be cheap or to pass the caller's objects through
// untouched: the cache-hit fast path (a fresh token is answered without crossing into wasm), one
// caller's AbortSignal (it only stops that caller from waiting), and fetch(), which passes the
// caller's Request and Response objects through.
import * as wasm from "altpay:wasm-bindgen";
import { AltPayOAuthError } from "altpay:error";
import { ready, loaded } from "./ready.js";

const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** Redirects TokenClient.fetch follows for one call (the fetch standard's limit). */
const MAX_REDIRECTS = 20;

function abortedError() {
  return new AltPayOAuthError("aborted", "getToken() was aborted by the caller's signal");
}

/** Let one caller stop waiting without cancelling the shared refresh other callers wait on. */
function withSignal(promise, signal) {
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** An AltPayOAuthError for a failure of the caller's request in TokenClient.fetch, without the token. */
function fetchError(code, what, error, token) {
  if (error instanceof AltPayOAuthError) return error;
  let text = "unknown error";
  try {
    text = String(error?.message ?? error);
  } catch {}
  if (token) text = text.split(token).join("[token]");
  const e = new AltPayOAuthError(code, `TokenClient.fetch: ${what}: ${text}`);
  return e;
}

/** Cached, eagerly refreshed, single-flight tokens, and a fetch that adds them. */
export class TokenClient {
  #raw = null;
  #pending = null;
  // The promise of the cached token and until when it is fresh, as the Rust half last reported:
  // until then a cache hit is answered here.
  #hit = null;
  #until = 0;

  /** @throws AltPayOAuthError("invalid_config") */
  constructor(options) {
    if (ready === null || loaded) {
      this.#raw = new wasm.RawTokenClient(options);
    } else {
      // Browsers compile the module asynchronously: a config error surfaces from the first call.
      this.#pending = ready.then(() => (this.#raw = new wasm.RawTokenClient(options)));
      this.#pending.then(undefined, () => {});
    }
  }

  /** The cached token while it is fresh, else a refreshed one (shared by concurrent callers). */
  getToken(options) {
    const force = options?.forceRefresh === true;
    const signal = options?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortedError()); // an aborted caller starts nothing
    let promise;
    if (!force && Date.now() < this.#until) {
      promise = this.#hit;
    } else if (this.#raw === null) {
      promise = this.#pending.then(() => this.getToken({ forceRefresh: force }));
    } else {
      promise = this.#raw.getToken(force);
      this.#until = this.#raw.freshUntil;
      this.#hit = this.#until > 0 ? promise : null;
    }
    return signal === undefined ? promise : withSignal(promise, signal);
  }

  /**
   * fetch() with `Authorization: Bearer <token>`. A relative URL is resolved against the base URL
   * (its path kept: "/customers" on base "https://h/v1" is "https://h/v1/customers"). The token is
   * only ever sent to the base URL's origin: redirects are followed here, and one to another origin
   * is followed without the token (`redirect: "manual"` or `"error"` from the caller are honoured).
   * On a 401 the token is refreshed and the request retried once (not when the body is a one-shot
   * stream). Every failure is an AltPayOAuthError.
   */
  async fetch(input, init) {
    if (this.#raw === null) await this.#pending;
    const base = this.#raw.baseUrl;
    const origin = new URL(base).origin;
    let request;
    try {
      const target = typeof input === "string" && !ABSOLUTE.test(input) ? base + (input.startsWith("/") ? input : "/" + input) : input;
      request = new Request(target, init);
    } catch (error) {
      throw fetchError("invalid_config", "invalid request", error);
    }
    const to = new URL(request.url).origin;
    if (to !== origin) {
      throw new AltPayOAuthError("invalid_config", `TokenClient.fetch only sends the token to ${origin}, not to ${to}`);
    }
    const mode = init?.redirect ?? (input instanceof Request ? input.redirect : "follow");
    const replayable = request.body === null || !(init?.body instanceof ReadableStream);
    const retry = replayable ? request.clone() : null;

    const token = await this.getToken({ signal: request.signal });
    let response = await this.#send(request, token.access_token, mode);
    if (response.status !== 401 || retry === null) return response;

    await response.body?.cancel().catch(() => {});
    let fresh = await this.getToken({ signal: request.signal });
    // Only force a new token if nobody replaced the rejected one meanwhile (no refresh stampede);
    // a forced refresh is still at most one token request per second (the core's spacing).
    if (fresh.access_token === token.access_token) fresh = await this.getToken({ forceRefresh: true, signal: request.signal });
    return this.#send(retry, fresh.access_token, mode);
  }

  /** Send `request` with the token, following redirects by hand so the token never leaves the origin. */
  async #send(request, accessToken, mode) {
    const send = this.#raw.fetchFunction ?? globalThis.fetch;
    const origin = new URL(this.#raw.baseUrl).origin;
    let current = request;
    let withToken = true;
    for (let hop = 0; ; hop++) {
      const headers = new Headers(current.headers);
      if (withToken) headers.set("Authorization", `Bearer ${accessToken}`);
      else headers.delete("Authorization");
      const outgoing = new Request(current, { headers, redirect: "manual" });
      let response;
      try {
        response = await send(outgoing);
      } catch (error) {
        if (error?.name === "AbortError") throw fetchError("aborted", "the request was aborted", error, accessToken);
        throw fetchError("network_error", "the request failed", error, accessToken);
      }
      const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
      if (location === null || mode === "manual") return response;
      if (mode === "error") {
        await response.body?.cancel().catch(() => {});
        throw new AltPayOAuthError("http_error", `TokenClient.fetch: redirected (${response.status}) while redirect is "error"`, { status: response.status });
      }
      if (hop >= MAX_REDIRECTS) {
        throw new AltPayOAuthError("http_error", `TokenClient.fetch: more than ${MAX_REDIRECTS} redirects`, { status: response.status });
      }
      await response.body?.cancel().catch(() => {});
      const next = new URL(location, current.url);
      withToken = withToken && next.origin === origin;
      // 303 (and 301/302 after a POST) turn into a GET without a body, as the fetch standard says.
      const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === "POST");
      current = toGet
        ? new Request(next, { method: "GET", headers: current.headers, signal: current.signal })
        : new Request(next, current);
    }
  }

  /** Forget the cached token (and any failure backoff). */
  clear() {
    this.#until = 0;
    this.#hit = null;
    if (this.#raw !== null) this.#raw.clear();
    else this.#pending.then((raw) => raw.clear(), () => {});
  }
}
