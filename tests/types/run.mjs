// Type tests of the published declarations (`make test-types`).
//
//  - pkg/index.d.ts and pkg/index.d.cts contain no `any`.
//  - Files that must compile (tsc --noEmit), each in the global environment its users have:
//      tsconfig.dom.json      pass/contract.ts                 (DOM lib: browsers, bundlers)
//      tsconfig.workers.json  pass/contract.ts, pass/worker.ts (@cloudflare/workers-types: real KVNamespace)
//      tsconfig.node.json     pass/contract.ts, pass/redis.ts  (@types/node: real node-redis and ioredis)
//  - Files that must NOT compile (tsconfig.fail.json, fail/*.ts): each must fail, and only on the line
//    marked `// error: TSxxxx` (alternatives: `// error: TS2322|TS2345`), with that code.
//
// The package is pkg/ (built by `make build`), mapped by name in tsconfig.base.json.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const started = Date.now();
const TYPES_NODE = "@types/node@22.20.7"; // used only when the dev dependencies do not provide @types/node

let passed = 0;
let failed = 0;
function ok(name, note = "") {
  passed += 1;
  console.log(`✓ ${name}${note ? ` ${note}` : ""}`);
}
function fail(name, why) {
  failed += 1;
  console.log(`✗ ${name}\n${String(why).replace(/^/gm, "    ")}`);
}

function run(cmd, args, opts = {}) {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: here, stdio: ["ignore", "pipe", "pipe"], ...opts });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => (out += String(e)));
    child.on("close", (code) => done({ code, out, ms: Date.now() - t0 }));
  });
}

// ---- the declarations have no `any` ----------------------------------------------------------------
for (const f of ["index.d.ts", "index.d.cts"]) {
  const p = join(root, "pkg", f);
  if (!existsSync(p)) {
    fail(`pkg/${f}`, "missing: run `make build` first");
    continue;
  }
  const code = readFileSync(p, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
  const hits = code.split("\n").flatMap((line, i) => (/\bany\b/.test(line) ? [`line ${i + 1}: ${line.trim()}`] : []));
  if (hits.length) fail(`no any in pkg/${f}`, hits.join("\n"));
  else ok(`no any in pkg/${f}`);
}
if (!existsSync(join(root, "pkg/index.d.ts"))) process.exit(1);

// ---- @types/node for the Redis clients' declarations ---------------------------------------------------
if (!existsSync(join(root, "node_modules/@types/node/package.json")) && !existsSync(join(root, ".tools/types-node/node_modules/@types/node/package.json"))) {
  console.log(`installing ${TYPES_NODE} into .tools/types-node (not in the dev dependencies)`);
  const r = await run("npm", ["install", "--prefix", join(root, ".tools/types-node"), "--no-audit", "--no-fund", "--no-save", "--loglevel=error", TYPES_NODE], { cwd: root });
  if (r.code !== 0) {
    fail("install @types/node", r.out);
    process.exit(1);
  }
}

// ---- tsc runs, two at a time (2 cores) --------------------------------------------------------------
const projects = ["dom", "workers", "node", "fail"];
const results = {};
const queue = [...projects];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length) {
      const p = queue.shift();
      results[p] = await run(process.execPath, [tsc, "-p", `tsconfig.${p}.json`, "--pretty", "false"]);
    }
  }),
);

for (const p of ["dom", "workers", "node"]) {
  const r = results[p];
  const files = JSON.parse(readFileSync(join(here, `tsconfig.${p}.json`), "utf8").replace(/^\s*\/\/.*$/gm, "")).files;
  if (r.code === 0 && r.out.trim() === "") ok(`compiles (${p}): ${files.join(", ")}`, `(${r.ms} ms)`);
  else fail(`compiles (${p}): ${files.join(", ")}`, r.out.trim() || `tsc exit ${r.code}`);
}

// ---- must-not-compile files ---------------------------------------------------------------------------
{
  const r = results.fail;
  const diags = {}; // file -> [{ line, code, text }]
  for (const m of r.out.matchAll(/^(fail\/[^(]+)\((\d+),\d+\): error (TS\d+): (.*)$/gm)) {
    (diags[m[1]] ??= []).push({ line: Number(m[2]), code: m[3], text: m[4] });
  }
  const files = readdirSync(join(here, "fail")).filter((f) => f.endsWith(".ts")).sort();
  if (files.length === 0) fail("must-not-compile files", "none found in tests/types/fail/");
  const unexplained = r.out.split("\n").filter((l) => /error TS\d+/.test(l) && !/^fail\//.test(l));
  if (unexplained.length) fail("must-not-compile run", unexplained.join("\n"));
  for (const f of files) {
    const rel = `fail/${f}`;
    const lines = readFileSync(join(here, "fail", f), "utf8").split("\n");
    const marked = new Map(); // line -> allowed codes
    lines.forEach((l, i) => {
      const m = /\/\/ error: (TS\d+(?:\|TS\d+)*)\s*$/.exec(l);
      if (m) marked.set(i + 1, m[1].split("|"));
    });
    const got = diags[rel] ?? [];
    const problems = [];
    if (marked.size === 0) problems.push("no line is marked `// error: TSxxxx`");
    if (got.length === 0) problems.push("compiled without errors");
    for (const d of got) {
      const allowed = marked.get(d.line);
      if (!allowed) problems.push(`unexpected error on line ${d.line}: ${d.code} ${d.text}`);
      else if (!allowed.includes(d.code)) problems.push(`line ${d.line}: ${d.code} (${d.text}), expected ${allowed.join(" or ")}`);
    }
    for (const [line, codes] of marked) {
      if (!got.some((d) => d.line === line)) problems.push(`line ${line}: no error, expected ${codes.join(" or ")}`);
    }
    if (problems.length) fail(`must not compile: ${rel}`, problems.join("\n"));
    else ok(`must not compile: ${rel}`, `(${got.map((d) => d.code).join(", ")})`);
  }
}

console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`types: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
