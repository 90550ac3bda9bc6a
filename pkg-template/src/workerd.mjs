// Cloudflare Workers: the .wasm is imported as a compiled WebAssembly.Module (wrangler and miniflare
// bundle it that way); workerd does not allow compiling wasm from bytes at run time.
import wasmModule from "./altpay_oauth_bg.wasm";
import { initSync } from "altpay:wasm-bindgen";
export * from "./api.js";

initSync({ module: wasmModule });
