// Runs tests/stores/kv-worker.mjs in workerd through miniflare 4 (needs Node >= 22: the test starts
// this file with such a Node). The Worker is bundled as wrangler would: esbuild with the conditions
// ["workerd", "worker", "browser"], `import "altpay-oauth"` resolved through the package's
// `exports`, every .wasm import kept external beside the bundle and loaded as CompiledWasm.
// Then N separate Miniflare instances (separate workerd processes, so separate isolates) run one
// after the other, sharing one KV namespace through `kvPersist`, and each serves one request.
// usage: node miniflare-host.mjs <pkgDir> <outDir> <baseUrl> <instances>
// prints one line: MARKER + JSON { entry, results: [ {status, body} ... ] }
import { bundleWorker, COMPILED_WASM_RULE } from "../support/wrangler-bundle.mjs";
import { Miniflare } from "miniflare";
import { copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const MARKER = "@@miniflare-result@@";
const here = dirname(fileURLToPath(import.meta.url));
const [pkgDir, outDir, baseUrl, instancesArg] = process.argv.slice(2);
const instances = Number(instancesArg) || 2;

// A little application: worker.mjs and node_modules/altpay-oauth (the built package).
const app = join(outDir, "app");
const dist = join(outDir, "dist");
mkdirSync(join(app, "node_modules"), { recursive: true });
mkdirSync(dist, { recursive: true });
copyFileSync(join(here, "kv-worker.mjs"), join(app, "worker.mjs"));
symlinkSync(resolve(pkgDir), join(app, "node_modules", "altpay-oauth"), "dir");

const { bundle, inputs } = await bundleWorker(join(app, "worker.mjs"), dist);
const entry = inputs.find((p) => !p.endsWith("worker.mjs") && !p.includes("/app/worker"));

const results = [];
for (let i = 0; i < instances; i++) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle,
    modulesRoot: dist,
    modulesRules: [COMPILED_WASM_RULE],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["TOKENS"],
    kvPersist: join(outDir, "kv"),
  });
  try {
    const res = await mf.dispatchFetch(`http://worker.local/?base=${encodeURIComponent(baseUrl)}`);
    results.push({ status: res.status, body: await res.json() });
  } finally {
    await mf.dispose();
  }
}
console.log(MARKER + JSON.stringify({ entry: entry && basename(entry), inputs, results }));
