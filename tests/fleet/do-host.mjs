// Runs tests/fleet/do-worker.mjs (bundled with the built package as wrangler would) in miniflare 4
// with a real Durable Object binding persisted under <outDir>/do, and sends waves of concurrent
// invocations; each wave in `waves` runs on a new Miniflare instance when prefixed "new:", else on the
// current one. usage: node do-host.mjs <pkgDir> <outDir> <baseUrl> <waves: e.g. 50,200,new:50>
// prints MARKER + JSON [ [ {status, body} ... ] per wave ]
import { bundleWorker, COMPILED_WASM_RULE } from "../support/wrangler-bundle.mjs";
import { Miniflare } from "miniflare";
import { copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const MARKER = "@@do-fleet@@";
const here = dirname(fileURLToPath(import.meta.url));
const [pkgDir, outDir, baseUrl, wavesArg] = process.argv.slice(2);

const app = join(outDir, "app");
const dist = join(outDir, "dist");
mkdirSync(join(app, "node_modules"), { recursive: true });
copyFileSync(join(here, "do-worker.mjs"), join(app, "worker.mjs"));
symlinkSync(resolve(pkgDir), join(app, "node_modules", "altpay-oauth"), "dir");
const { bundle } = await bundleWorker(join(app, "worker.mjs"), dist);

const start = () =>
  new Miniflare({
    modules: true,
    scriptPath: bundle,
    modulesRoot: dist,
    modulesRules: [COMPILED_WASM_RULE],
    compatibilityDate: "2025-09-01",
    durableObjects: { TOKEN_STORE: "TokenStoreObject" },
    durableObjectsPersist: join(outDir, "do"),
  });
let mf = start();
const out = [];
try {
  for (const wave of wavesArg.split(",")) {
    if (wave.startsWith("new:")) {
      await mf.dispose();
      mf = start();
    }
    const n = Number(wave.replace("new:", ""));
    const url = `http://worker.local/?base=${encodeURIComponent(baseUrl)}`;
    out.push(
      await Promise.all(
        Array.from({ length: n }, async () => {
          const res = await mf.dispatchFetch(url);
          return { status: res.status, body: await res.json() };
        }),
      ),
    );
  }
} finally {
  await mf.dispose();
}
console.log(MARKER + JSON.stringify(out));
