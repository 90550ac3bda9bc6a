// Sizes: the package's .wasm and entries (raw, gzip -9), and an esbuild bundle (minified, browser /
// neutral platform, ESM) of a minimal client-credentials script per contender, gzipped.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

const gz = (b) => gzipSync(b, { level: 9 }).length;
const pkg = join(ROOT, "pkg");

export async function sizes() {
  const wasmRaw = readFileSync(join(pkg, "altpay_oauth_bg.wasm"));
  const entries = {};
  for (const e of ["node.mjs", "node.cjs", "workerd.mjs", "edge-light.mjs", "browser.mjs"]) {
    const b = readFileSync(join(pkg, e));
    entries[e] = { raw: b.length, gzip: gz(b) };
  }
  const scripts = {
    "hand-written fetch": "hand.js",
    "altpay-oauth (createOAuthToken)": "altpay.js",
    "altpay-oauth (TokenClient)": "altpay-tokenclient.js",
    oauth4webapi: "oauth4webapi.js",
    "@badgateway/oauth2-client": "badgateway.js",
    "openid-client": "openid-client.js",
  };
  const bundles = {};
  for (const [name, file] of Object.entries(scripts)) {
    const r = {};
    for (const platform of ["browser", "neutral"]) {
      const out = await build({
        entryPoints: [join(ROOT, "bench/size", file)],
        bundle: true,
        minify: true,
        format: "esm",
        platform,
        // neutral has no default main fields; use the browser/module ones the packages publish
        mainFields: platform === "neutral" ? ["module", "main"] : undefined,
        conditions: platform === "neutral" ? ["import", "default"] : undefined,
        alias: { "altpay-oauth": join(pkg, "browser.mjs") },
        external: ["*.wasm", "crypto", "node:*"], // @badgateway has a dynamic import("crypto") fallback for old Node
        write: false,
        logLevel: "silent",
      });
      const js = out.outputFiles[0].contents;
      r[platform] = { raw: js.length, gzip: gz(js) };
    }
    const isAltpay = name.startsWith("altpay");
    bundles[name] = { ...r, wasmGzip: isAltpay ? gz(wasmRaw) : 0, totalGzip: r.browser.gzip + (isAltpay ? gz(wasmRaw) : 0) };
  }
  return { wasm: { raw: wasmRaw.length, gzip: gz(wasmRaw) }, entries, bundles };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await sizes(), null, 1));
