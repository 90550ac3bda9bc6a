// The one error class of altpay-oauth. It is JavaScript because users catch it with `instanceof` and
// read its fields: the Rust side constructs it through a wasm-bindgen import of this module
// (src/wasm/error.rs), and the package entries re-export this same module (alias "altpay:error" in
// scripts/build.mjs), so there is a single class per module instance.
//
// One class for users even where there are several copies of it: the ESM and CommonJS entries of one
// install loaded in one process, two installs, or another realm (Next.js's edge sandbox, a vm context,
// an iframe). Every instance carries a registered symbol (shared by all realms of an agent), and
// `instanceof AltPayOAuthError` asks for that symbol instead of walking one copy's prototype chain.

/** The brand: `Symbol.for` gives the same symbol to every copy of this file, in every realm. */
const BRAND = Symbol.for("altpay-oauth.AltPayOAuthError");

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
    ownStack(this, code, message);
  }

  /**
   * `e instanceof AltPayOAuthError` is true for an error made by any copy of this class (ESM and CJS
   * entries, other installs, other realms). Subclasses keep the ordinary prototype check: only a copy
   * of this class has the brand on its own prototype.
   */
  static [Symbol.hasInstance](value) {
    if (!Object.hasOwn(this.prototype, BRAND)) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value !== null && (typeof value === "object" || typeof value === "function") && value[BRAND] === true;
  }
}
Object.defineProperty(AltPayOAuthError.prototype, "name", {
  value: "AltPayOAuthError",
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.defineProperty(AltPayOAuthError.prototype, BRAND, { value: true, enumerable: false });

/**
 * V8 (Node, Deno, Bun's JSC aside, Chromium): the stack becomes a plain own string whose first line is
 * `AltPayOAuthError [<code>]: <message>`, the way Node's own errors show their code. A plain string
 * also keeps Node from printing the source line where the error was made above an uncaught one: in a
 * minified bundle that "line" is the whole package. Other engines' stacks (frames only) are left as
 * they are.
 */
function ownStack(error, code, message) {
  let stack;
  try {
    stack = error.stack;
  } catch {
    return;
  }
  const head = message === "" ? "AltPayOAuthError" : `AltPayOAuthError: ${message}`;
  if (typeof stack !== "string" || !stack.startsWith(head)) return;
  Object.defineProperty(error, "stack", {
    value: `AltPayOAuthError [${code}]${message === "" ? "" : `: ${message}`}${stack.slice(head.length)}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
