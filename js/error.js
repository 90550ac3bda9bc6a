// The one error class of altpay-oauth. It is JavaScript because users catch it with `instanceof` and
// read its fields: the Rust side constructs it through a wasm-bindgen import of this module
// (src/wasm/error.rs), and the package entries re-export this same module (alias "altpay:error" in
// scripts/build.mjs), so there is a single class per module instance.

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
