// Runner of the wasm-bindgen test suites (`make test-wasm`):
//   node tests/wasm/run.mjs [test-name-filter] [--include-ignored]
//
// Starts, in this process:
//   - the project's mock token server (js/mock-server.mjs) on an ephemeral loopback port, with one client
//     whose secret is distinctive ("s3cr3t-DO-NOT-LEAK-..."), so the suites can look for it in errors;
//   - an "other host" node:http server that records every request it gets (a redirect target that must
//     never be reached) and answers a valid-looking token, so a client that follows redirects "succeeds";
//   - a closed port (listened on, then closed) for connection-refused tests.
// then runs `wasm-pack test --node -- --test 'wasm_*'` with their addresses in the environment:
//   ALTPAY_MOCK_URL            base URL of the mock (lanes at `${ALTPAY_MOCK_URL}/lane/<name>`, control API
//                              at `${ALTPAY_MOCK_URL}/__control/<name>/...`)
//   ALTPAY_OTHER_URL           the other-host server; GET /__hits lists what it received
//                              ([{method, url, authorization: boolean}], never a header value)
//   ALTPAY_REFUSED_URL         http://127.0.0.1:<closed port>
//   ALTPAY_TEST_CLIENT_ID / ALTPAY_TEST_CLIENT_SECRET   the client the mock accepts
// streams the child's output, closes the servers and exits with the child's code.
//
// Tests are built with `--release`: on the 2-core machine a cold build + run measured 82 s (57 s CPU) in
// release against 150 s (71 s CPU) in debug; the debug test wasm is ~20 MB and slow to post-process, and
// `wasm-pack test` builds the crate's unit tests for wasm32 as well whatever the filter.
//
// Environment knobs: WASM_PACK_ARGS (wasm-pack flags, default "--release"; "" for a debug build),
// ALTPAY_WASM_TEST_TIMEOUT_S (watchdog for the whole run including compilation, default 1200).
// A single argument is passed on as the test-name filter, e.g. `node tests/wasm/run.mjs retries::`.
// `--include-ignored` runs the tests ignored for known bugs as well.

import http from "node:http";
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../js/mock-server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLIENT_ID = "wasm-suite-client";
const CLIENT_SECRET = "s3cr3t-DO-NOT-LEAK-7f3a9c1e";

function listen(server, host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}

/** The "other host": records requests, answers a token-shaped 200 (so following a redirect would "work"). */
async function startOtherServer() {
  const hits = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/__hits") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(hits));
        return;
      }
      hits.push({ method: req.method, url: req.url, authorization: req.headers.authorization !== undefined });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "other-host-token", token_type: "bearer", expires_in: 3600 }));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort() {
  const server = http.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main() {
  const filter = process.argv.slice(2);
  const mock = await startMockServer({ port: 0, clients: { [CLIENT_ID]: CLIENT_SECRET } });
  const other = await startOtherServer();
  const refused = await closedPort();

  const env = {
    ...process.env,
    PATH: [path.join(ROOT, "node_modules", ".bin"), path.join(process.env.HOME ?? "", ".cargo", "bin"), process.env.PATH]
      .filter(Boolean)
      .join(path.delimiter),
    ALTPAY_MOCK_URL: mock.url,
    ALTPAY_OTHER_URL: other.url,
    ALTPAY_REFUSED_URL: `http://127.0.0.1:${refused}`,
    ALTPAY_TEST_CLIENT_ID: CLIENT_ID,
    ALTPAY_TEST_CLIENT_SECRET: CLIENT_SECRET,
  };
  const extra = (process.env.WASM_PACK_ARGS ?? "--release").split(/\s+/).filter(Boolean);
  // Only the wasm_* integration tests: the crate's unit tests are native `cargo test` business.
  const args = ["test", "--node", ...extra, "--", "--test", "wasm_*"];
  if (filter.length) args.push("--", ...filter);

  const started = Date.now();
  process.stderr.write(`[wasm tests] mock ${mock.url}, other host ${other.url}, refused port ${refused}\n`);
  process.stderr.write(`[wasm tests] wasm-pack ${args.join(" ")}\n`);
  const child = spawn("wasm-pack", args, { cwd: ROOT, env, stdio: "inherit", detached: true });

  const killChild = (signal) => {
    try {
      process.kill(-child.pid, signal); // the whole group: cargo, the test runner and its node
    } catch {
      /* already gone */
    }
  };
  const onSignal = (signal) => {
    process.stderr.write(`[wasm tests] ${signal}: stopping\n`);
    killChild(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const limit = Number(process.env.ALTPAY_WASM_TEST_TIMEOUT_S) || 1200;
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`[wasm tests] no result after ${limit} s: killing the run\n`);
    killChild("SIGKILL");
  }, limit * 1000);

  const code = await new Promise((resolve) => {
    child.on("error", (e) => {
      process.stderr.write(`[wasm tests] cannot run wasm-pack: ${e.message} (run \`make setup\`)\n`);
      resolve(127);
    });
    child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  clearTimeout(watchdog);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await Promise.all([mock.close(), other.close()]);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[wasm tests] ${code === 0 && !timedOut ? "passed" : "FAILED"} in ${secs} s\n`);
  process.exit(timedOut ? 1 : code);
}

main().catch((e) => {
  process.stderr.write(`[wasm tests] ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
