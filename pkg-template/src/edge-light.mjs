// Vercel Edge (edge-light): Vercel's bundler turns a `?module` import of a .wasm into a compiled
// WebAssembly.Module, the only way an Edge Function may load wasm.
import wasmModule from "./altpay_oauth_bg.wasm?module";
import { initSync } from "altpay:wasm-bindgen";
export * from "./api.js";

initSync({ module: wasmModule });
