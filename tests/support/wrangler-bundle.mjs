// Bundle a Worker the way wrangler does, for the miniflare hosts of the runtime matrix and the KV store
// tests: esbuild with the conditions ["workerd", "worker", "browser"], every `*.wasm` / `*.wasm?module`
// import kept as an external module copied beside the bundle (miniflare then loads it as CompiledWasm,
// a WebAssembly.Module, with the rule below).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";

/** The miniflare `modulesRules` entry matching the externals bundleWorker leaves. */
export const COMPILED_WASM_RULE = { type: "CompiledWasm", include: ["**/*.wasm"] };

/** Bundle `entry` into `outDir/worker.js`; resolves to { bundle, inputs } (esbuild's input paths). */
export async function bundleWorker(entry, outDir) {
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
    entryPoints: [entry],
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
  return { bundle, inputs: Object.keys(built.metafile.inputs) };
}
