// Runs tests/stores/do-worker.mjs in workerd through miniflare 4 (Node >= 22) with a real Durable
// Object binding TOKEN_STORE -> TokenStoreObject, persisted under <outDir>/do, and performs a plan:
// a JSON array of batches, each { parallel: [{ method, args }...] } (sent as concurrent Worker
// invocations) or { sleep: ms }. Each invocation of `run` is a new Miniflare instance (a new workerd
// process) on the same persisted storage.
// usage: node do-host.mjs <outDir> <planFile>     prints MARKER + JSON [ [results of batch] ... ]
import { bundleWorker } from "../support/wrangler-bundle.mjs";
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const MARKER = "@@do-result@@";
const here = dirname(fileURLToPath(import.meta.url));
const [outDir, planFile] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, "utf8"));

const dist = join(outDir, "dist");
const { bundle } = await bundleWorker(join(here, "do-worker.mjs"), dist);
const mf = new Miniflare({
  modules: true,
  scriptPath: bundle,
  modulesRoot: dist,
  compatibilityDate: "2025-09-01",
  durableObjects: { TOKEN_STORE: "TokenStoreObject" },
  durableObjectsPersist: join(outDir, "do"),
});
const out = [];
try {
  for (const batch of plan) {
    if (batch.sleep) {
      await new Promise((r) => setTimeout(r, batch.sleep));
      out.push(null);
      continue;
    }
    out.push(
      await Promise.all(
        batch.parallel.map(async (call) => {
          const res = await mf.dispatchFetch("http://worker.local/", { method: "POST", body: JSON.stringify(call) });
          return { status: res.status, ...(await res.json()) };
        }),
      ),
    );
  }
} finally {
  await mf.dispose();
}
console.log(MARKER + JSON.stringify(out));
