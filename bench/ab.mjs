// Diagnostic (not part of `make bench`): a quick A/B of the request path in one process, with CPU time
// as well as wall time. The hand-written fetch, the same with a 10 s timeout, and the package at
// $PKG (default pkg/node.mjs: point it at a modified build to measure a change); paired per-round ratios.
//   node bench/ab.mjs            (R=rounds, default 150; LABEL=text printed first)
import { startMockProcess, median, ROOT } from "./lib.mjs";
import { handWritten } from "./contenders.mjs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const mock = await startMockProcess();
const m = await import(process.env.PKG ?? pathToFileURL(join(ROOT, "pkg/node.mjs")).href);
const o = { clientId: "benchclient", clientSecret: "benchsecret", baseUrl: mock.url };
const fns = {
  hand: handWritten(mock.url),
  "hand+timeout": handWritten(mock.url, { timeoutMs: 10000 }),
  pkg: () => m.createOAuthToken(o),
};
const names = Object.keys(fns);
for (let i = 0; i < 400; i++) for (const n of names) await fns[n]();
const cpu = Object.fromEntries(names.map((n) => [n, []]));
const wall = Object.fromEntries(names.map((n) => [n, []]));
const R = Number(process.env.R) || 150;
for (let r = 0; r < R; r++) {
  for (const n of r % 2 ? names : [...names].reverse()) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) await fns[n]();
    const c = process.cpuUsage(c0);
    wall[n].push((performance.now() - t0) / 30);
    cpu[n].push((c.user + c.system) / 30);
  }
}
const paired = (a, b) => median(a.map((x, i) => x / b[i]));
console.log(
  (process.env.LABEL ?? process.version).padEnd(12),
  names
    .slice(1)
    .map((n) => `${n}: cpu ${paired(cpu[n], cpu.hand).toFixed(3)}x wall ${paired(wall[n], wall.hand).toFixed(3)}x`)
    .join(" | "),
  `| hand ${(median(wall.hand) * 1000).toFixed(0)} µs`,
);
await mock.close();
