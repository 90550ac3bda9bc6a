// TokenClient: the JavaScript face over the wasm RawTokenClient. The decisions live in Rust (the
// refresh state machine: fresh / join / start with backoff / stale-on-failure; store key and checks
// of stored tokens; the token request itself). Here is only the IO they call for: one shared promise
// per refresh, the backoff wait, the bounded store calls, the per-caller abort signal, and fetch().
import * as wasm from "altpay:wasm-bindgen";
import { AltPayOAuthError, makeToken } from "altpay:glue";
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

/** How long one store call may take (the same as STORE_TIMEOUT_MS in src/store.rs). */
const STORE_TIMEOUT_MS = 1000;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The AccessToken fields of a value read from the store, each read once (the wasm half checks them and
 * the token handed out is a frozen copy of exactly these): null when it is not an object or a getter
 * throws.
 */
function storedFields(value) {
  if (typeof value !== "object") return null;
  try {
    return [value.access_token, value.token_type, value.expires_in, value.expires_at, value.scope ?? undefined];
  } catch {
    return null;
  }
}

/** `store[method](...args)`, bounded by `ms`: resolves [true, value] or [false, error], never rejects. */
function storeCall(store, method, args, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([false, new Error(`token store ${method}() timed out after ${ms} ms`)]), ms);
    const done = (ok, value) => {
      clearTimeout(timer);
      resolve([ok, value]);
    };
    try {
      Promise.resolve(store[method](...args)).then((v) => done(true, v), (e) => done(false, e));
    } catch (e) {
      done(false, e);
    }
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
  // The refresh in flight: its ticket and the promise every caller shares.
  #ticket = -1;
  #inflight = null;
  #store;
  #onStoreError;
  // A snapshot of the options: every refresh is one createOAuthToken() with them.
  #options;

  /** @throws AltPayOAuthError("invalid_config") */
  constructor(options) {
    if (ready === null || loaded) {
      this.#raw = new wasm.RawTokenClient(options);
    } else {
      // Browsers compile the module asynchronously: a config error surfaces from the first call.
      this.#pending = ready.then(() => (this.#raw = new wasm.RawTokenClient(options)));
      this.#pending.then(undefined, () => {});
    }
    this.#options = { ...options, signal: undefined };
    this.#fetch = typeof options?.fetch === "function" ? options.fetch : null;
    this.#store = options?.store ?? null;
    this.#onStoreError = typeof options?.onStoreError === "function" ? options.onStoreError : null;
  }

  /** The cached token while it is fresh, else a refreshed one (shared by concurrent callers). */
  getToken(options) {
    const force = options?.forceRefresh === true;
    const signal = options?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortedError()); // an aborted caller starts nothing
    if (!force && Date.now() < this.#until) return this.#hit;
    if (this.#raw === null) return this.#pending.then(() => this.getToken(options));
    const now = Date.now();
    const decision = this.#raw.get(now, force);
    let promise;
    if (typeof decision === "number") {
      this.#ticket = decision;
      promise = this.#refresh(decision, this.#raw.time, force);
      this.#inflight = promise;
    } else if (decision === null) {
      promise = this.#inflight;
    } else {
      promise = decision;
      const until = this.#raw.time;
      if (until > 0) {
        this.#hit = promise;
        this.#until = until;
      }
    }
    if (force) this.#until = 0;
    return signal === undefined ? promise : withSignal(promise, signal);
  }

  #report(message, cause) {
    if (this.#onStoreError === null) return;
    const error = new AltPayOAuthError("network_error", message);
    if (cause !== undefined) error.cause = cause;
    try {
      this.#onStoreError(error);
    } catch {
      // a throwing hook must not break getToken()
    }
  }

  /** One refresh, as the state machine started it under `ticket`. */
  async #refresh(ticket, notBefore, force) {
    const raw = this.#raw;
    try {
      const wait = notBefore - Date.now();
      if (wait > 0) await sleep(wait);
      const store = this.#store;
      let storeUp = true;
      if (store !== null && !force) {
        const [ok, value] = await storeCall(store, "get", [raw.storeKey], STORE_TIMEOUT_MS);
        if (!ok) {
          storeUp = false;
          this.#report("token store get() failed; requesting a new token instead", value);
        } else if (value !== null && value !== undefined) {
          const fields = storedFields(value);
          const verdict = fields === null ? -1 : raw.acceptStored(...fields, Date.now());
          if (verdict < 0) this.#report("token store returned a value that is not an AccessToken; ignoring it");
          else if (verdict > 0) {
            const token = makeToken(...fields);
            raw.succeed(ticket, Promise.resolve(token), token.expires_at, token.expires_in, Date.now());
            return token;
          }
        }
      }
      let token;
      try {
        token = await wasm.createOAuthToken(this.#options);
      } catch (error) {
        const stale = raw.fail(ticket, Date.now());
        if (stale !== undefined) return stale;
        throw error;
      }
      const now = Date.now();
      const ttl = raw.succeed(ticket, Promise.resolve(token), token.expires_at, token.expires_in, now);
      if (store !== null && storeUp) {
        if (ttl > 0) {
          const [ok, error] = await storeCall(store, "set", [raw.storeKey, token, ttl], STORE_TIMEOUT_MS);
          if (!ok) this.#report("token store set() failed; the token is still cached locally", error);
        }
      }
      return token;
    } finally {
      if (this.#ticket === ticket) this.#inflight = null;
    }
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
    this.#ticket = -1;
    this.#inflight = null;
    if (this.#raw !== null) this.#raw.clear();
    else this.#pending.then((raw) => raw.clear(), () => {});
  }
}
