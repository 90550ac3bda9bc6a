// The reduced soak for CI: tests/hardening/soak.mjs with 5,000 token requests (fault mix) and 200,000
// cached calls, in a child process: it must succeed (flat JS heap, RSS and wasm memory, every outcome
// as expected, no unhandled rejection) and then exit on its own, promptly (nothing left running).
// The full soak (100,000 / 1,000,000) is `make soak`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SKIP = [];

test("soak (reduced): 5,000 requests with faults, 200,000 cached calls; exits on its own", { timeout: 120_000 }, async () => {
  const script = fileURLToPath(new URL("./soak.mjs", import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", script, "--requests", "5000", "--cached", "200000", "--quiet", ...SKIP], {
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  let out = "";
  let err = "";
  let doneAt = 0;
  child.stdout.on("data", (d) => {
    out += d;
    if (!doneAt && out.includes("soak: done")) doneAt = Date.now();
  });
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((r) => child.on("exit", (c) => r(c)));
  const exitedAfter = Date.now() - doneAt;
  const line = out.split("\n").find((l) => l.startsWith("soak: result "));
  assert.ok(line, `no result line:\n${out}\n${err}`);
  const result = JSON.parse(line.slice("soak: result ".length));
  assert.equal(code, 0, `soak failed:\n${out}\n${err}`);
  assert.equal(result.unhandled, 0);
  assert.deepEqual(result.requests.wrong, []);
  assert.deepEqual(result.cached.wrong, []);
  assert.ok(doneAt > 0, "never finished");
  assert.ok(exitedAfter < 2000, `the process took ${exitedAfter} ms to exit after its last line: something kept it alive`);
  assert.ok(!/Warning/.test(err), `warnings: ${err}`);
});
