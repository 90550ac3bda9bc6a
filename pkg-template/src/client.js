// TokenClient: a thin JavaScript face over the wasm RawTokenClient (cache state machine, single
// flight, store, stale-on-failure all live in Rust). Here: the per-caller abort signal and fetch().
import * as wasm from "altpay:wasm-bindgen";
import { AltPayOAuthError } from "altpay:glue";
import { ready, loaded } from "./ready.js";

const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

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

/** Cached, eagerly refreshed, single-flight tokens, and a fetch that adds them. */
export class TokenClient {
  #raw = null;
  #pending = null;
  #fetch;
  // The cached token's promise and its refresh point, as the wasm cache last reported them: until
  // then a cache hit is answered here, without crossing into wasm.
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
    this.#fetch = typeof options?.fetch === "function" ? options.fetch : null;
  }

  /** The cached token while it is fresh, else a refreshed one (shared by concurrent callers). */
  getToken(options) {
    const force = options?.forceRefresh === true;
    const signal = options?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortedError()); // an aborted caller starts nothing
    if (!force && Date.now() < this.#until) return this.#hit;
    if (this.#raw === null) return this.#pending.then(() => this.getToken(options));
    const promise = this.#raw.get(force);
    if (force) this.#until = 0;
    else {
      const until = this.#raw.cachedUntil;
      if (until > 0) {
        this.#hit = promise;
        this.#until = until;
      }
    }
    return signal === undefined ? promise : withSignal(promise, signal);
  }

  /**
   * fetch() with `Authorization: Bearer <token>`. A relative URL is resolved against the base URL
   * (its path kept: "/customers" on base "https://h/v1" is "https://h/v1/customers"). The token is
   * only ever sent to the base URL's origin. On a 401 the token is refreshed and the request retried
   * once (not when the body is a one-shot stream).
   */
  async fetch(input, init) {
    if (this.#raw === null) await this.#pending;
    const base = this.#raw.baseUrl;
    let target = input;
    if (typeof input === "string" && !ABSOLUTE.test(input)) {
      target = base + (input.startsWith("/") ? input : "/" + input);
    }
    const request = new Request(target, init);
    const origin = new URL(base).origin;
    if (new URL(request.url).origin !== origin) {
      throw new AltPayOAuthError(
        "invalid_config",
        `TokenClient.fetch only sends the token to ${origin}, not to ${new URL(request.url).origin}`,
      );
    }
    const replayable = request.body === null || !(init?.body instanceof ReadableStream);
    const retry = replayable ? request.clone() : null;
    const send = (req) => (this.#fetch === null ? fetch(req) : this.#fetch(req));

    const signal = request.signal;
    const token = await this.getToken({ signal });
    request.headers.set("Authorization", `Bearer ${token.access_token}`);
    const response = await send(request);
    if (response.status !== 401 || retry === null) return response;

    await response.body?.cancel().catch(() => {});
    let fresh = await this.getToken({ signal });
    // Only force a new token if nobody replaced the rejected one meanwhile (no refresh stampede).
    if (fresh.access_token === token.access_token) fresh = await this.getToken({ forceRefresh: true, signal });
    retry.headers.set("Authorization", `Bearer ${fresh.access_token}`);
    return send(retry);
  }

  /** Forget the cached token (and any failure backoff). */
  clear() {
    this.#until = 0;
    this.#hit = null;
    if (this.#raw !== null) this.#raw.clear();
    else this.#pending.then((raw) => raw.clear(), () => {});
  }
}
