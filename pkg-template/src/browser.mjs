// Browsers (and unknown runtimes): compile asynchronously (Chrome refuses synchronous compiles of
// larger modules on the main thread). Calls wait for it, so users need no init call.
import init from "altpay:wasm-bindgen";
import { setReady } from "./ready.js";
export * from "./api.js";

setReady(init({ module_or_path: new URL("./altpay_oauth_bg.wasm", import.meta.url) }));
