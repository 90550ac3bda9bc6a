// How the entries hand the loaded (or failed) wasm to the API. Where the module is compiled
// asynchronously (browsers, a module from another realm), the API waits for `ready` first. Elsewhere it
// stays null and calls go straight into wasm. A module that could not be loaded never throws at import:
// every call rejects with an AltPayOAuthError that says why.
import { AltPayOAuthError } from "altpay:error";

export let ready = null;
/** True once the asynchronously loaded module is usable (then calls go straight in too). */
export let loaded = false;

/** Set by the asynchronous entries: the promise of the wasm instantiation. */
export function setReady(promise) {
  ready = promise;
  // A failed load is reported by every call that waits for it, not as an unhandled rejection here.
  promise.then(() => (loaded = true), () => {});
}

/**
 * The AltPayOAuthError for a module that did not load. `code` is "network_error" when the runtime
 * could not fetch it (browsers), else "invalid_config" (a missing or unusable file: fix the setup).
 * @param {unknown} cause what the runtime threw
 * @param {string} [hint] what to do about it
 */
export function loadError(cause, hint = "") {
  if (cause instanceof AltPayOAuthError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  const code = cause instanceof TypeError && /fetch/i.test(why) ? "network_error" : "invalid_config";
  const error = new AltPayOAuthError(code, `altpay-oauth could not load its WebAssembly module (altpay_oauth_bg.wasm): ${why}${hint}`);
  Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return error;
}

/** Run a synchronous load; if it throws, every call rejects with its AltPayOAuthError. */
export function loadSync(load, hint) {
  try {
    load();
  } catch (cause) {
    setReady(Promise.reject(loadError(cause, hint)));
  }
}

/** Wait for an asynchronous load; calls wait for it, and reject with its AltPayOAuthError if it fails. */
export function loadAsync(promise, hint) {
  setReady(Promise.resolve(promise).catch((cause) => Promise.reject(loadError(cause, hint))));
}
