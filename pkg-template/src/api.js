// The public API, shared by every runtime entry. The entries load the wasm first (synchronously, or
// in browsers by setting `ready`); nothing here touches wasm at import time.
import * as wasm from "altpay:wasm-bindgen";
import { ready, loaded } from "./ready.js";
import { AltPayOAuthError } from "altpay:error";
import { TokenClient } from "./client.js";
import { kvStore, redisStore, durableObjectStore, TokenStoreObject } from "./stores.js";

/** One POST /oauth/token (operationId createOAuthToken). No cache. */
function createOAuthToken(options) {
  return ready === null || loaded ? wasm.createOAuthToken(options) : ready.then(() => wasm.createOAuthToken(options));
}

const api = { AltPayOAuthError, TokenClient, createOAuthToken, kvStore, redisStore, durableObjectStore, TokenStoreObject };
// Every public class and function is named as it is exported (`e.constructor.name ===
// "AltPayOAuthError"`, stack frames), set once at import: the name a binding happens to have does not
// survive bundling (esbuild renames `createOAuthToken` beside wasm-bindgen's export of that name; a
// user's minifier, such as a Next.js production build, renames everything). Not esbuild's `keepNames`,
// which would also rename every function made at run time: see scripts/build.mjs.
for (const [name, value] of Object.entries(api)) Object.defineProperty(value, "name", { value: name, configurable: true });

export { AltPayOAuthError, TokenClient, createOAuthToken, kvStore, redisStore, durableObjectStore, TokenStoreObject };
