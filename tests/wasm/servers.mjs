// The loopback servers of the wasm-bindgen suites (tests/wasm_token.rs), started inside the test process
// by `wasm-pack test --node` itself: tests/wasm/support.rs binds `startServers` below and awaits it before
// a test needs an address. Nothing has to run beforehand and no environment variable is read.
//
// wasm-bindgen copies this file alone into its output (snippets/<crate>/tests/wasm/servers.mjs), so it
// imports only `node:` built-ins statically, and loads the project's mock server from the repository root
// that the Rust side passes in (`env!("CARGO_MANIFEST_DIR")`).
//
// Started once, lazily (one shared promise), on ephemeral 127.0.0.1 ports:
//   - the project's mock token server (js/mock-server.mjs), accepting exactly the one client given (the
//     suites' secret is distinctive, "...DO-NOT-LEAK...", so they can look for it in errors);
//   - an "other host" node:http server that records every request it gets (a redirect target that must
//     never be reached) and answers a valid-looking token, so a client that follows redirects "succeeds";
//     GET /__hits lists what it received as [{method, url, authorization: boolean}], never a header value;
//   - a closed port (listened on, then closed) for connection-refused tests.
// Every server and every accepted socket is unref'd: they never keep the test process alive.

import http from "node:http";
import { pathToFileURL } from "node:url";

let started;

/**
 * Starts the servers on the first call; every call returns the same promise of
 * `{ mockUrl, otherUrl, refusedUrl }` (base URLs, no trailing slash).
 * @param {string} root the repository root (where js/mock-server.mjs is)
 * @param {string} clientId the one client id the mock accepts
 * @param {string} clientSecret its secret
 */
export function startServers(root, clientId, clientSecret) {
  started ??= start(root, clientId, clientSecret);
  return started;
}

async function start(root, clientId, clientSecret) {
  const { startMockServer } = await import(pathToFileURL(`${root}/js/mock-server.mjs`).href);
  const mock = await startMockServer({ port: 0, clients: { [clientId]: clientSecret } });
  detach(mock.server);
  const other = startOtherServer();
  detach(other);
  const otherPort = await listen(other);
  const refusedPort = await closedPort();
  return {
    mockUrl: mock.url,
    otherUrl: `http://127.0.0.1:${otherPort}`,
    refusedUrl: `http://127.0.0.1:${refusedPort}`,
  };
}

/** The server, and every connection it accepts from now on, no longer keeps the event loop alive. */
function detach(server) {
  server.unref();
  server.on("connection", (socket) => socket.unref());
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}

/** The "other host": records requests, answers a token-shaped 200 (so following a redirect would "work"). */
function startOtherServer() {
  const hits = [];
  return http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/__hits") {
        res.end(JSON.stringify(hits));
        return;
      }
      hits.push({ method: req.method, url: req.url, authorization: req.headers.authorization !== undefined });
      res.end(JSON.stringify({ access_token: "other-host-token", token_type: "bearer", expires_in: 3600 }));
    });
  });
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort() {
  const server = http.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
