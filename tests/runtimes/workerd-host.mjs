// Runs the Worker probe in workerd through miniflare (v4 needs Node >= 22, so the runner starts this file
// with Node 22/24). The Worker is bundled the way wrangler bundles it: esbuild with the conditions
// ["workerd", "worker", "browser"], every `*.wasm` / `*.wasm?module` import kept as an external module
// copied beside the bundle, then loaded by miniflare as CompiledWasm (a WebAssembly.Module).
// usage: node workerd-host.mjs <appDir> <outDir> <baseUrl> <label>
import { bundleWorker, COMPILED_WASM_RULE } from "../support/wrangler-bundle.mjs";
import { Miniflare } from "miniflare";
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { MARKER } from "./probe/checks.mjs";

const [appDir, outDir, baseUrl, label] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });

const { bundle, inputs } = await bundleWorker(join(appDir, "worker.mjs"), outDir);
const entry = inputs.find((p) => p.includes("node_modules/altpay-oauth/"));

const mf = new Miniflare({
  modules: true,
  scriptPath: bundle,
  modulesRoot: outDir,
  modulesRules: [COMPILED_WASM_RULE],
  compatibilityDate: "2025-09-01",
});
try {
  const url = `http://probe.local/?base=${encodeURIComponent(baseUrl)}&label=${encodeURIComponent(label)}`;
  const res = await mf.dispatchFetch(url);
  const result = await res.json();
  result.entry = entry && basename(entry);
  console.log(MARKER + JSON.stringify(result));
} finally {
  await mf.dispose();
}
