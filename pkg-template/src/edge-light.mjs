// Vercel Edge (edge-light): Vercel's bundler turns a `?module` import of a .wasm into a compiled
// WebAssembly.Module, the only way an Edge Function may load wasm.
//
// Next.js compiles that module with its host's WebAssembly, outside the edge sandbox the code runs in:
// a WebAssembly.Module of another realm, for which `instanceof WebAssembly.Module` is false, so
// wasm-bindgen's initSync would try to compile it again as if it were bytes. The tag says what it is in
// any realm. Such a module is given this realm's WebAssembly.Module.prototype (it has no other state:
// instantiation reads the engine's internal slot, valid in every realm of the process), then
// instantiated synchronously like any other; nothing compiles or instantiates wasm from bytes here.
import wasmModule from "./altpay_oauth_bg.wasm?module";
import { initSync } from "altpay:wasm-bindgen";
import { loadSync } from "./ready.js";
export * from "./api.js";

loadSync(() => {
  if (!(wasmModule instanceof WebAssembly.Module) && Object.prototype.toString.call(wasmModule) === "[object WebAssembly.Module]") {
    Object.setPrototypeOf(wasmModule, WebAssembly.Module.prototype);
  }
  initSync({ module: wasmModule });
}, ". The edge-light entry needs its `.wasm?module` import compiled by the bundler (Next.js, Vercel).");
