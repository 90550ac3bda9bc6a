// Cloudflare Workers: the .wasm is imported as a compiled WebAssembly.Module (wrangler and miniflare
// bundle it that way); workerd does not allow compiling wasm from bytes at run time.
import wasmModule from "./altpay_oauth_bg.wasm";
import { initSync } from "altpay:wasm-bindgen";
import { loadSync } from "./ready.js";
export * from "./api.js";

loadSync(() => initSync({ module: wasmModule }), ". Bundle the Worker with wrangler (it imports .wasm files as modules).");
