// Self time by function and by file from a .cpuprofile (diagnostic).
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const byFn = new Map(), byFile = new Map();
let total = 0;
for (const node of p.nodes) {
  const t = dt.get(node.id) ?? 0;
  total += t;
  const cf = node.callFrame;
  const file = (cf.url || "(native)").replace(/^.*\/(node_modules\/[^/]+|pkg|bench)\//, "$1/");
  const key = `${cf.functionName || "(anon)"} ${file}:${cf.lineNumber}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
  const fk = file.startsWith("node:") ? file.split("/").slice(0, 2).join("/") : file;
  byFile.set(fk, (byFile.get(fk) ?? 0) + t);
}
const show = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${n}`).join("\n");
console.log(`total ${(total / 1000).toFixed(0)} ms\nby file:\n${show(byFile, 15)}\n\nby function:\n${show(byFn, 30)}`);
