// Node, Deno and Bun: read the .wasm from beside this file and compile it synchronously at import.
// Bundled server code has no .wasm beside it: that is what "altpay-oauth/embedded" is for.
import { readFileSync } from "node:fs";
import { initSync } from "altpay:wasm-bindgen";
import { loadSync } from "./ready.js";
export * from "./api.js";

function wasmBytes() {
  try {
    // The pattern bundlers know (Vite SSR, Turbopack): they emit the file and point this URL at it.
    return readFileSync(new URL("./altpay_oauth_bg.wasm", import.meta.url));
  } catch (error) {
    // webpack (Next.js's webpack build of a Node.js route) turns that URL into a relative one that is no
    // file; its import.meta.url is still this file's own: read the .wasm beside it under a name that no
    // bundler rewrites.
    try {
      return readFileSync(new URL(["altpay_oauth_bg", "wasm"].join("."), import.meta.url));
    } catch {
      throw error;
    }
  }
}

loadSync(
  () => initSync({ module: wasmBytes() }),
  '. If your server code is bundled (esbuild, webpack, ncc, bun build --compile, deno compile), import "altpay-oauth/embedded" instead: it carries the module inside the JavaScript.',
);
