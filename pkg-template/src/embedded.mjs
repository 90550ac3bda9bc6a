// "altpay-oauth/embedded": the .wasm inside the JavaScript (base64), for bundled server code (esbuild,
// webpack, ncc, bun build --compile, deno compile), where no file travels beside the bundle. Any runtime
// that may compile wasm from bytes (not Cloudflare Workers). Synchronous compile at import.
import { initSync } from "altpay:wasm-bindgen";
import wasmBase64 from "altpay:wasm-base64";
import { loadSync } from "./ready.js";
export * from "./api.js";

function decode(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

loadSync(() => initSync({ module: decode(wasmBase64) }));
