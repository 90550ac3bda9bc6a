// Browsers (and unknown runtimes): compile asynchronously (Chrome refuses synchronous compiles of
// larger modules on the main thread). Calls wait for it, so users need no init call; if the .wasm
// cannot be fetched or compiled, every call rejects with an AltPayOAuthError saying so.
import init from "altpay:wasm-bindgen";
import { loadAsync } from "./ready.js";
export * from "./api.js";

loadAsync(
  init({ module_or_path: new URL("./altpay_oauth_bg.wasm", import.meta.url) }),
  ". Serve altpay_oauth_bg.wasm next to the bundle (Vite and webpack 5 emit it; with esbuild or Rollup, copy it).",
);
