// Secret scan, part 1: every error path of the package, exercised with a distinctive secret, and every
// rendering of every error checked (message, stack, JSON.stringify, String(), util.inspect, details,
// own property descriptors). Part 2 is tests/hardening/scan-run.mjs, which runs the node suites as
// child processes with a distinctive secret and greps everything they print.
// Run: node --test tests/hardening/secret-scan.test.mjs   (after `make build`)
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startMockServer } from "../../js/mock-server.mjs";
import { pkg, CLIENT_ID, SECRET, CLIENTS, expectError, assertNoLeak, leakNeedles, renderings } from "./support.mjs";

const { createOAuthToken, TokenClient } = pkg;
const B64 = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64");
const BASIC = `Basic ${B64}`;

let mock;
before(async () => {
  mock = await startMockServer({ port: 0, clients: CLIENTS });
});
after(() => mock.close());

let seq = 0;
const lane = () => mock.lane(`scan-${++seq}`);
const opts = (l, extra = {}) => ({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: l.baseUrl, retries: 0, timeoutMs: 1000, ...extra });

describe("invalid_config never echoes the secret", () => {
  const cases = [
    ["empty clientId", { clientId: "" }],
    ["':' in clientId", { clientId: `a:${SECRET}` }],
    ["control character in the secret", { clientSecret: `${SECRET}\n` }],
    ["control character in the client id", { clientId: `${SECRET}\u0000` }],
    ["credentials in baseUrl", { baseUrl: `https://user:${SECRET}@example.com` }],
    ["the secret in a baseUrl query", { baseUrl: `https://example.com/?secret=${SECRET}` }],
    ["the secret as a host", { baseUrl: `http://${SECRET.toLowerCase().replace(/[^a-z0-9-]/g, "")}.example.com` }],
    ["the secret as the environment", { environment: SECRET }],
    ["a bad timeoutMs", { timeoutMs: -1 }],
    ["a fetch that is not a function", { fetch: SECRET }],
    ["a secret that is not a string", { clientSecret: { toString: () => SECRET } }],
  ];
  for (const [name, extra] of cases) {
    test(name, async () => {
      const o = { clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: "https://example.com", ...extra };
      await expectError(createOAuthToken(o), "invalid_config");
      let thrown;
      try {
        new TokenClient(o);
      } catch (e) {
        thrown = e;
      }
      assert.equal(thrown?.code, "invalid_config");
      assertNoLeak(thrown);
    });
  }
});

describe("servers that echo the credentials back are redacted", () => {
  const echoes = [
    ["403 { message: secret }", { status: 403, json: { message: `wrong secret ${SECRET}` } }, "invalid_credentials"],
    ["403 { message: Basic header }", { status: 403, json: { message: `got ${BASIC}` } }, "invalid_credentials"],
    ["401 { error, error_description: base64 }", { status: 401, json: { error: "invalid_client", error_description: `bad ${B64}` } }, "http_error"],
    ["400 with the secret as a key and value", { status: 400, json: { [SECRET]: SECRET, error: SECRET } }, "http_error"],
    ["500 { message } with the secret", { status: 500, json: { message: `${SECRET} ${SECRET}` } }, "http_error"],
    ["429 with the secret", { status: 429, json: { error: SECRET } }, "rate_limited"],
    ["302 with the secret in Location", { status: 302, headers: { location: `https://evil.example/?s=${SECRET}` } }, "http_error"],
    ["the secret cut at the 200-char message limit", { status: 400, json: { error: "x".repeat(190) + SECRET } }, "http_error"],
    ["the secret cut at the 1024-char detail limit", { status: 400, json: { error: "e", error_description: "y".repeat(1015) + SECRET } }, "http_error"],
    ["the base64 cut at the 200-char message limit", { status: 400, json: { error: "x".repeat(185) + B64 } }, "http_error"],
    ["token_type echoing the secret", { status: 200, json: { access_token: "a", token_type: SECRET, expires_in: 1 } }, "invalid_response"],
    ["expires_in echoing the secret", { status: 200, json: { access_token: "a", token_type: "bearer", expires_in: SECRET } }, "invalid_response"],
    ["invalid JSON after the secret", { status: 200, body: `{"access_token":"${SECRET}",` }, "invalid_response"],
  ];
  for (const [name, step, code] of echoes) {
    test(name, async () => {
      const l = lane();
      l.script(step);
      const e = await expectError(createOAuthToken(opts(l)), code);
      // The 4-character head of a cut-off secret may remain (documented); nothing longer does.
      for (const text of renderings(e)) {
        for (const n of leakNeedles()) assert.ok(!text.includes(n.slice(0, 8)), `8-char head of a secret in ${text.slice(0, 200)}`);
      }
    });
  }

  test("TokenClient.getToken and TokenClient.fetch errors", async () => {
    const l = lane();
    l.script({ status: 403, json: { message: `${SECRET} ${BASIC}` } });
    const c = new TokenClient(opts(l));
    await expectError(c.getToken(), "invalid_credentials");
    await expectError(c.fetch(`https://elsewhere.example/${SECRET}`), "invalid_config");
    assertNoLeak(c);
  });

  test("a custom fetch that throws or rejects with the credentials in its message or cause", async () => {
    const l = lane();
    const throwing = (url, init) => {
      throw new Error(`cannot send ${init.headers.Authorization ?? JSON.stringify(init.headers)}`);
    };
    const rejecting = async (url, init) => {
      throw new TypeError("fetch failed", { cause: { code: SECRET, message: `${init.headers.Authorization}` } });
    };
    const rejectingMessageCause = async () => {
      throw new TypeError("fetch failed", { cause: new Error(`secret=${SECRET}`) });
    };
    for (const f of [throwing, rejecting, rejectingMessageCause]) {
      await expectError(createOAuthToken(opts(l, { fetch: f })), "network_error");
    }
    const bodyFails = async () =>
      new Response(new ReadableStream({ pull: (c) => c.error(new Error(`body ${SECRET}`)) }), { status: 200 });
    await expectError(createOAuthToken(opts(l, { fetch: bodyFails })), "network_error");
  });

  test("timeout and aborted", async () => {
    const l = lane();
    l.script({ hang: true });
    await expectError(createOAuthToken(opts(l, { timeoutMs: 100 })), "timeout");
    const ac = new AbortController();
    l.script({ hang: true });
    const p = createOAuthToken(opts(l, { signal: ac.signal }));
    setTimeout(() => ac.abort(new Error(`abort ${SECRET}`)), 20);
    await expectError(p, "aborted");
  });

  test("a token store that is given a token: the key never contains the secret", async () => {
    const l = lane();
    const keys = [];
    const store = {
      async get(k) {
        keys.push(k);
        return null;
      },
      async set(k, t) {
        keys.push(k);
        assertNoLeak(t);
      },
    };
    const c = new TokenClient({ ...opts(l), store });
    const t = await c.getToken();
    assertNoLeak(t);
    assert.ok(keys.length >= 2);
    for (const k of keys) for (const n of leakNeedles()) assert.ok(!k.includes(n));
  });
});

describe("redaction edge cases", () => {
  test(
    "a secret that overlaps the \"[redacted]\" marker is still removed",
    async () => {
      const secret = "d]]";
      const server = await startMockServer({ port: 0, clients: { [CLIENT_ID]: secret } });
      try {
        const l = server.lane("marker");
        l.script({ status: 400, json: { error: "d]]]" } });
        const e = await expectError(
          createOAuthToken({ clientId: CLIENT_ID, clientSecret: secret, baseUrl: l.baseUrl, retries: 0 }),
          "http_error",
        );
        for (const text of renderings(e)) assert.ok(!text.includes(secret), `secret in ${text.slice(0, 200)}`);
      } finally {
        await server.close();
      }
    },
  );
});

test("a resource server redirect (TokenClient.fetch) never carries the secret or the Basic header", async () => {
  const seen = [];
  const other = http.createServer((req, res) => {
    seen.push(JSON.stringify(req.headers) + req.url);
    res.end("{}");
  });
  await new Promise((r) => other.listen(0, "127.0.0.1", r));
  try {
    const l = lane();
    const c = new TokenClient(opts(l));
    await (await c.fetch("/customers")).text();
    for (const s of seen) for (const n of leakNeedles()) assert.ok(!s.includes(n));
  } finally {
    await new Promise((r) => other.close(r));
  }
});
