// Per-attempt timeouts (`timeoutMs`) in Node: each attempt's abort guard (src/wasm/abort.rs) has a timer
// of its own, cleared when the attempt ends. Every attempt times out at its own deadline, with Node's
// fetch or any other, and nothing keeps a process alive, or lets it exit, when it should not.
// Run: node --test tests/node/   (after `make build`)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pkg, PKG_DIR, isError } from "./support/pkg.mjs";

const { createOAuthToken } = pkg;
const TOKEN = JSON.stringify({ access_token: "deadline-test-token", token_type: "bearer", expires_in: 3600 });

// A loopback server: /hang never answers (its sockets are destroyed at the end), anything else is a token.
let server;
let base;
const hanging = new Set();
before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (req.url.startsWith("/hang/")) {
      hanging.add(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(TOKEN) });
    res.end(TOKEN);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const options = (path, timeoutMs) => ({ clientId: "a", clientSecret: "b", baseUrl: `${base}${path}`, timeoutMs, retries: 0 });

test("concurrent attempts each time out at their own deadline, a later shorter one included", async () => {
  const t0 = performance.now();
  // 600 ms first, then shorter ones: the shared timer must be re-armed earlier for them.
  const timeouts = [600, 150, 300];
  const settled = await Promise.all(
    timeouts.map((ms) =>
      createOAuthToken(options("/hang/x", ms)).then(
        () => assert.fail(`${ms} ms: resolved`),
        (e) => {
          assert.ok(isError("timeout")(e));
          assert.match(e.message, new RegExp(`after ${ms} ms`));
          return performance.now() - t0;
        },
      ),
    ),
  );
  for (const [i, ms] of timeouts.entries()) {
    assert.ok(settled[i] >= ms - 1, `${ms} ms timed out early, at ${settled[i].toFixed(0)} ms`);
    assert.ok(settled[i] < ms + 250, `${ms} ms timed out late, at ${settled[i].toFixed(0)} ms`);
  }
});

test("a finished attempt's deadline never fires: a request that succeeds leaves no timeout behind", async () => {
  for (let i = 0; i < 20; i++) {
    const token = await createOAuthToken(options("", 100));
    assert.equal(token.access_token, "deadline-test-token");
  }
  // The deadlines of those 20 requests have all passed by now; a hanging request started later must
  // time out at its own deadline, not be cut short by theirs.
  await new Promise((r) => setTimeout(r, 150));
  const t0 = performance.now();
  await assert.rejects(createOAuthToken(options("/hang/y", 300)), isError("timeout"));
  assert.ok(performance.now() - t0 >= 299, "timed out early");
});

/** Run `code` (an ES module body, `altpay` imported) in a fresh Node; resolve { code, stdout, ms }. */
function child(code) {
  const url = pathToFileURL(join(PKG_DIR, "node.mjs")).href;
  const src = `import * as altpay from ${JSON.stringify(url)};\n${code}`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ["--input-type=module", "-e", src], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.once("error", reject);
    p.once("exit", (code) => resolve({ code, stdout: stdout.trim(), ms: performance.now() - t0 }));
  });
}

test("a process exits as soon as its work is done, even with a long timeoutMs pending on no request", async () => {
  const r = await child(
    `const t = await altpay.createOAuthToken(${JSON.stringify(options("", 60_000))});\nconsole.log(t.access_token);`,
  );
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "deadline-test-token");
  assert.ok(r.ms < 5000, `the process took ${r.ms.toFixed(0)} ms to exit`);
});

test("a replaced global fetch that hangs holding nothing still times out (its attempt keeps a timer of its own)", async () => {
  const r = await child(
    `globalThis.fetch = () => new Promise(() => {});\n` +
      `try { await altpay.createOAuthToken(${JSON.stringify(options("", 200))}); console.log("resolved"); }\n` +
      `catch (e) { console.log(e.code); }`,
  );
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "timeout", "the process must wait for the timeout, not exit with the promise pending");
});
