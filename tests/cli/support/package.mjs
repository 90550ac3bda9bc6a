// Shared by tests/cli and tests/www: the npm package as a user gets it (npm pack pkg/, then the .tgz
// installed into a scratch project), and a runner for its `altpay-oauth` bin.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const pkgDir = join(root, "pkg");

/** Fail early, and clearly, when pkg/ is missing or older than the sources these tests are about. */
function checkBuilt() {
  if (!existsSync(join(pkgDir, "package.json"))) throw new Error("pkg/ is not built: run `make build` first");
  const same = (a, b) => existsSync(b) && readFileSync(a).equals(readFileSync(b));
  const stale = [];
  if (!same(join(root, "pkg-template/src/cli.mjs"), join(pkgDir, "cli.mjs"))) stale.push("pkg-template/src/cli.mjs");
  for (const f of readdirSync(join(root, "www"))) {
    if (!same(join(root, "www", f), join(pkgDir, "www", f))) stale.push(`www/${f}`);
  }
  if (stale.length) throw new Error(`pkg/ is older than ${stale.join(", ")}: run \`node scripts/build.mjs\` (make build)`);
}

/** Run a command; resolves { code, signal, stdout, stderr } (never rejects; killed after timeoutMs). */
export function run(cmd, args, { cwd, env, input, timeoutMs = 30_000 } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.stdin.on("error", () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => (stderr += String(e)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** The environment the bin runs with: this process's, minus every ALTPAY_* variable, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ALTPAY_")) env[k] = v;
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * npm pack pkg/ and install the tarball into a fresh project.
 * @returns {Promise<{ app: string, pkg: string, bin: string, version: string, cleanup: () => void }>}
 */
export async function installPackage() {
  checkBuilt();
  const scratch = mkdtempSync(join(tmpdir(), "altpay-cli-"));
  const app = join(scratch, "app");
  mkdirSync(app);
  const npmEnv = { ...process.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" };
  const packed = await run("npm", ["pack", pkgDir, "--json", "--pack-destination", scratch], { env: npmEnv });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const tgz = join(scratch, JSON.parse(packed.stdout)[0].filename);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "altpay-cli-scratch", version: "0.0.0", private: true }) + "\n");
  const inst = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tgz], { cwd: app, env: npmEnv });
  if (inst.code !== 0) throw new Error(`npm install of the tarball failed:\n${inst.stderr}`);
  const pkg = join(app, "node_modules/altpay-oauth");
  return {
    app,
    pkg,
    bin: join(app, "node_modules/.bin/altpay-oauth"),
    version: JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version,
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

/**
 * Spawn `altpay-oauth mock ...` and wait for its banner.
 * @returns {Promise<{ child: import("node:child_process").ChildProcess, url: string, banner: string[],
 *   stderr: () => string, stop: () => Promise<number|null> }>}
 */
export function startMockCli(bin, args, { cwd, env = cleanEnv(), timeoutMs = 10_000 } = {}) {
  const child = spawn(bin, ["mock", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
  const exited = new Promise((r) => child.once("exit", (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no banner from altpay-oauth mock after ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      // the banner ends with the "try:" line (packaged playground) or the "endpoints:" line
      const lines = out.split("\n");
      const last = lines.findIndex((l) => l.startsWith("try:"));
      if (last >= 0) {
        clearTimeout(timer);
        const m = /listening on (http:\/\/\S+)$/.exec(lines[0]);
        if (!m) return reject(new Error(`unexpected banner:\n${out}`));
        resolvePromise({ child, url: m[1], banner: lines.slice(0, last + 1), stderr: () => err, stop });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`altpay-oauth mock exited (${code}) before its banner:\n${out}\n${err}`));
    });
  });
}
