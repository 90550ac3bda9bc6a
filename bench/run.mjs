// `make bench`: measure altpay-oauth against a hand-written fetch and the JS peers on loopback, write
// docs/benchmarks.md and docs/benchmarks.svg, print a summary. Not run in CI.
// BENCH_QUICK=1 for a fast smoke run (few rounds; numbers meaningless).
import { writeFileSync, mkdirSync, existsSync, symlinkSync, readFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { ROOT, startMockProcess, runProcess, median, summary, rotation, nodeBinaries, CLIENT_CPU } from "./lib.mjs";
import { sizes } from "./size.mjs";
import { crateBreakdown } from "./wasm-breakdown.mjs";
import { writeReport } from "./report.mjs";

const QUICK = process.env.BENCH_QUICK === "1";
const log = (...a) => console.error("[bench]", ...a);
const env = {
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  loadStart: os.loadavg(),
  date: new Date().toISOString(),
  quick: QUICK,
  versions: Object.fromEntries(
    ["oauth4webapi", "@badgateway/oauth2-client", "openid-client", "esbuild"].map((p) => [
      p,
      JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")).version,
    ]),
  ),
};

const results = { env };
log("sizes");
results.size = await sizes();
results.size.crates = crateBreakdown();

const mock = await startMockProcess();
log(`mock token server (own process) at ${mock.url}`);
try {
  // The request path on every Node at hand (newest first): the per-attempt timeout's AbortController
  // costs very differently across versions (see docs/benchmarks.md).
  results.request = [];
  for (const node of nodeBinaries()) {
    log(`request (${node.label})`);
    const r = await runProcess(["--expose-gc", join(ROOT, "bench/inproc.mjs"), "request", mock.url], { node: node.path, cpu: CLIENT_CPU });
    if (r.code !== 0) throw new Error(`request on ${node.label} failed (exit ${r.code})`);
    results.request.push({ node: node.label, ...JSON.parse(r.stdout.trim().split("\n").pop()) });
  }
  for (const section of ["cached", "concurrency", "memory"]) {
    log(section);
    const r = await runProcess(["--expose-gc", join(ROOT, "bench/inproc.mjs"), section, mock.url]);
    if (r.code !== 0) throw new Error(`${section} failed (exit ${r.code})`);
    results[section] = JSON.parse(r.stdout.trim().split("\n").pop());
  }

  // Cold start on the newest Node at hand (the target is judged on Node 24).
  const coldNode = nodeBinaries()[0];
  log(`cold start (${coldNode.label})`);
  // The child imports "altpay-oauth" by name, through pkg/package.json "exports", as a user would.
  const nm = join(ROOT, "bench/cold/node_modules");
  if (!existsSync(join(nm, "altpay-oauth"))) {
    mkdirSync(nm, { recursive: true });
    symlinkSync(join(ROOT, "pkg"), join(nm, "altpay-oauth"), "dir");
  }
  const kinds = ["none", "hand", "altpay", "altpay-cjs", "oauth4webapi"];
  const ROUNDS = QUICK ? 3 : 25;
  const wall = Object.fromEntries(kinds.map((k) => [k, []]));
  const inside = Object.fromEntries(kinds.map((k) => [k, []]));
  const importMs = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let r = -2; r < ROUNDS; r++) {
    for (const k of rotation(kinds, Math.max(0, r))) {
      const p = await runProcess([join(ROOT, "bench/cold/child.mjs"), k, mock.lane("cold").baseUrl], { node: coldNode.path });
      if (p.code !== 0) throw new Error(`cold start ${k} failed`);
      if (r < 0) continue; // warm-up (file cache)
      const t = JSON.parse(p.stdout.trim());
      wall[k].push(p.ms);
      inside[k].push(t.token);
      importMs[k].push(t.imported - t.start);
    }
  }
  const cold = {};
  for (const k of kinds) {
    cold[k] = {
      wall: summary(wall[k]),
      sinceStart: summary(inside[k]),
      import: summary(importMs[k]),
      wallRatioVsOauth4: summary(wall[k].map((v, i) => v / wall.oauth4webapi[i])),
      sinceStartRatioVsOauth4: summary(inside[k].map((v, i) => v / inside.oauth4webapi[i])),
      addedOverNodeMs: median(wall[k].map((v, i) => v - wall.none[i])),
    };
  }
  results.cold = { rounds: ROUNDS, node: coldNode.label, results: cold };
} finally {
  await mock.close();
}
env.loadEnd = os.loadavg();

mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, "bench/results/latest.json"), JSON.stringify(results, null, 1));
const summaryText = writeReport(results, ROOT);
console.log(summaryText);
