// Node, Deno and Bun: read the .wasm from beside this file and compile it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "altpay:wasm-bindgen";
export * from "./api.js";

initSync({ module: readFileSync(new URL("./altpay_oauth_bg.wasm", import.meta.url)) });
