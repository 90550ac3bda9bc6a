// Node, Deno and Bun: read the .wasm from beside this file and compile it synchronously at import.
// Bundled server code has no .wasm beside it: that is what "altpay-oauth/embedded" is for.
import { readFileSync } from "node:fs";
import { initSync } from "altpay:wasm-bindgen";
import { loadSync } from "./ready.js";
export * from "./api.js";

loadSync(
  () => initSync({ module: readFileSync(new URL("./altpay_oauth_bg.wasm", import.meta.url)) }),
  '. If your server code is bundled (esbuild, webpack, ncc, bun build --compile, deno compile), import "altpay-oauth/embedded" instead: it carries the module inside the JavaScript.',
);
