// Where the module is compiled asynchronously (browsers), the API waits for this promise first.
// Elsewhere it stays null and calls go straight into wasm.
export let ready = null;
/** True once the asynchronously loaded module is usable (then calls go straight in too). */
export let loaded = false;

/** Set by the browser entry: the promise of the asynchronous wasm instantiation. */
export function setReady(promise) {
  ready = promise;
  // A failed load is reported by every call that waits for it, not as an unhandled rejection here.
  promise.then(() => (loaded = true), () => {});
}
