// The public API, shared by every runtime entry. The entries load the wasm first (synchronously, or
// in browsers by setting `ready`); nothing here touches wasm at import time.
import * as wasm from "altpay:wasm-bindgen";
import { ready, loaded } from "./ready.js";
export { AltPayOAuthError } from "altpay:error";
export { TokenClient } from "./client.js";
export { kvStore, redisStore, durableObjectStore, TokenStoreObject } from "./stores.js";

/** One POST /oauth/token (operationId createOAuthToken). No cache. */
export function createOAuthToken(options) {
  return ready === null || loaded ? wasm.createOAuthToken(options) : ready.then(() => wasm.createOAuthToken(options));
}
// Bundled into one scope with wasm-bindgen's export of the same name, this function's binding is
// renamed by esbuild (which is told not to rewrite function names at run time: scripts/build.mjs);
// the public function keeps the name it is exported under.
Object.defineProperty(createOAuthToken, "name", { value: "createOAuthToken" });
