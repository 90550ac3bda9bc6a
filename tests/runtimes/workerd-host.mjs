// Runs the Worker probe in workerd through miniflare (v4 needs Node >= 22, so the runner starts this file
// with Node 22/24). The Worker is bundled the way wrangler bundles it: esbuild with the conditions
// ["workerd", "worker", "browser"], every `*.wasm` / `*.wasm?module` import kept as an external module
// copied beside the bundle, then loaded by miniflare as CompiledWasm (a WebAssembly.Module).
// usage: node workerd-host.mjs <appDir> <outDir> <baseUrl> <label>
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { MARKER } from "./probe/checks.mjs";

const [appDir, outDir, baseUrl, label] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });

const wasmModules = {
  name: "wasm-as-module (like wrangler's CompiledWasm rule)",
  setup(b) {
    b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
      const file = resolve(args.resolveDir, args.path.replace(/\?module$/, ""));
      copyFileSync(file, join(outDir, basename(file)));
      return { path: `./${basename(file)}`, external: true };
    });
  },
};
const bundle = join(outDir, "worker.js");
const built = await build({
  entryPoints: [join(appDir, "worker.mjs")],
  outfile: bundle,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  plugins: [wasmModules],
  metafile: true,
  logLevel: "error",
});
const entry = Object.keys(built.metafile.inputs).find((p) => p.includes("node_modules/altpay-oauth/"));

const mf = new Miniflare({
  modules: true,
  scriptPath: bundle,
  modulesRoot: outDir,
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
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
