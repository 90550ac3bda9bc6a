// Print the package's sizes (raw and gzipped) and, with --check, fail when a budget is exceeded.
// Budgets (the measured size plus 1 KiB, so growth is a decision, not an accident): the .wasm (after
// wasm-opt) at most 63.5 KiB gzipped (today 62.5: see docs/benchmarks.md for where it goes), each
// entry's JS at most 11.6 KiB gzipped (today 10.0 to 10.5), the embedded entries (the .wasm inlined as
// base64) at most 95.0 KiB (today 93.6 and 94.0). A change that grows past a budget fails CI.
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkg = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "pkg");
const KiB = 1024;
export const BUDGETS = { wasm: 63.5 * KiB, entry: 11.6 * KiB, embedded: 95.0 * KiB };
const files = [
  ["altpay_oauth_bg.wasm", BUDGETS.wasm],
  ["node.mjs", BUDGETS.entry],
  ["node.cjs", BUDGETS.entry],
  ["workerd.mjs", BUDGETS.entry],
  ["edge-light.mjs", BUDGETS.entry],
  ["browser.mjs", BUDGETS.entry],
  ["embedded.mjs", BUDGETS.embedded],
  ["embedded.cjs", BUDGETS.embedded],
];
// Run as a script (`node scripts/size.mjs [--check]`); bench/report.mjs only imports BUDGETS.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let failed = false;
  const rows = [];
  for (const [name, budget] of files) {
    const p = join(pkg, name);
    if (!existsSync(p)) {
      rows.push(`${name.padEnd(22)} missing`);
      failed = true;
      continue;
    }
    const raw = readFileSync(p);
    const gz = gzipSync(raw, { level: 9 }).length;
    const over = gz > budget;
    failed ||= over;
    rows.push(
      `${name.padEnd(22)} ${(raw.length / KiB).toFixed(1).padStart(7)} KiB raw ${(gz / KiB).toFixed(2).padStart(7)} KiB gzip` +
        `  budget ${(budget / KiB).toFixed(1)} KiB ${over ? "OVER" : "ok"}`,
    );
  }
  console.log("package sizes:\n  " + rows.join("\n  "));
  if (process.argv.includes("--check")) {
    if (failed) {
      console.error("size budget exceeded");
      process.exit(1);
    }
    console.log("size budgets: ok");
  }
}
