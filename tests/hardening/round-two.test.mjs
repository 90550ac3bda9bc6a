// Hostile servers and callers, round two (issue 12): one test per problem found, each failing on the
// package as it was and passing once fixed. Through the built package (pkg/node.mjs and pkg/cli.mjs),
// against the loopback mock token server or small node:http servers on loopback.
// Run: node --test tests/hardening/round-two.test.mjs   (after `make build`; scan-run.mjs includes it)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startMockServer } from "../../js/mock-server.mjs";
import { PKG_DIR } from "../node/support/pkg.mjs";
import { pkg, CLIENT_ID, SECRET, CLIENTS, expectError, assertNoLeak, leakNeedles, sleep } from "./support.mjs";

const { createOAuthToken, TokenClient, AltPayOAuthError } = pkg;

let mock;
before(async () => {
  mock = await startMockServer({ port: 0, clients: CLIENTS });
});
after(async () => {
  await mock.close();
});

let laneSeq = 0;
const lane = (name) => mock.lane(`r2-${name}-${++laneSeq}`);
const opts = (l, extra = {}) => ({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: l.baseUrl, timeoutMs: 2000, retries: 0, ...extra });
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A loopback node:http server; `handler(req, res, body)`. Resolves { url, port, hits, close }. */
async function server(handler) {
  const hits = [];
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hits.push({ method: req.method, url: req.url, headers: req.headers, at: Date.now() });
      handler(req, res, body);
    });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => new Promise((r) => srv.close(r)).finally(() => srv.closeAllConnections?.()),
  };
}

const json = (res, status, value, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};
const tokenBody = () => ({ access_token: randomBytes(16).toString("hex"), token_type: "bearer", expires_in: 3600 });
const tokenHits = (s) => s.hits.filter((h) => h.url === "/oauth/token").length;

/** Run pkg/cli.mjs with `args` and a clean environment plus `env`: { code, stdout, stderr }. */
function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PKG_DIR, "cli.mjs"), ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// ---- 1. header injection through access_token -----------------------------------------------------

describe("1. access_token and token_type are 1*VSCHAR", () => {
  const BAD = ["abc\r\nX-Injected: yes", "abc\u4e00def", "abc\u0085def", "abc\u007f"];

  test("createOAuthToken rejects them as invalid_response, without the token in the error", async () => {
    const l = lane("vschar");
    for (const accessToken of BAD) {
      l.script({ normal: true, accessToken });
      const e = await expectError(createOAuthToken(opts(l)), "invalid_response");
      for (const text of [e.message, JSON.stringify(e.details ?? {})]) {
        assert.ok(!text.includes("abc"), `token echoed: ${text}`);
      }
    }
    l.script({ normal: true, tokenType: "bearer\r\nX: y" });
    await expectError(createOAuthToken(opts(l)), "invalid_response");
  });

  test("the CLI's --header refuses such a token (exit 7, nothing on stdout, no control character)", async () => {
    const l = lane("vschar-cli");
    l.script({ normal: true, accessToken: BAD[0] });
    const r = await cli(["token", "--header", "--retries", "0", "--base-url", l.baseUrl], {
      ALTPAY_CLIENT_ID: CLIENT_ID,
      ALTPAY_CLIENT_SECRET: SECRET,
    });
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, "");
    assert.ok(!r.stderr.includes("X-Injected"), r.stderr);
    assert.doesNotMatch(r.stderr.slice(0, -1), CONTROL);
  });

  test("TokenClient.fetch throws only AltPayOAuthError, never with the token, and does not keep it", async () => {
    const l = lane("vschar-client");
    l.script({ normal: true, accessToken: BAD[0] });
    const client = new TokenClient(opts(l));
    let error;
    try {
      await client.fetch("/customers");
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof AltPayOAuthError, `threw ${error?.name}: not an AltPayOAuthError`);
    assert.equal(error.code, "invalid_response");
    assert.ok(!String(error.message).includes("X-Injected") && !String(error.stack).includes("X-Injected"));
    assertNoLeak(error);
    // the bad token was not cached: the next call gets a good one
    const t = await client.getToken();
    assert.match(t.access_token, /^[0-9a-f]{56}$/);
  });
});

// ---- 2. one client, one token request per second --------------------------------------------------

describe("2. one client starts at most one token request per second", () => {
  test("expires_in: 0, getToken() in a loop for 2 s: at most 3 requests", async () => {
    const l = lane("zero");
    l.script({ normal: true, expiresIn: 0, repeat: 100_000 });
    const client = new TokenClient(opts(l));
    const end = Date.now() + 2000;
    let calls = 0;
    while (Date.now() < end) {
      await client.getToken();
      calls += 1;
    }
    const n = l.count().token;
    assert.ok(n >= 2 && n <= 3, `${n} token requests in 2 s (${calls} getToken calls)`);
  });

  test("an API that always answers 401: sequential TokenClient.fetch make at most one token request per second", async () => {
    const s = await server((req, res) => (req.url === "/oauth/token" ? json(res, 200, tokenBody()) : json(res, 401, { error: "invalid_token" })));
    try {
      const client = new TokenClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: s.url, retries: 0 });
      const start = Date.now();
      let fetches = 0;
      while (fetches < 30 && Date.now() - start < 2500) {
        const r = await client.fetch("/api");
        assert.equal(r.status, 401);
        fetches += 1;
      }
      const elapsed = Date.now() - start;
      const n = tokenHits(s);
      assert.ok(n <= Math.floor(elapsed / 1000) + 1, `${n} token requests in ${elapsed} ms (${fetches} fetches)`);
      const times = s.hits.filter((h) => h.url === "/oauth/token").map((h) => h.at);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 990, `requests ${times[i] - times[i - 1]} ms apart`);
    } finally {
      await s.close();
    }
  });

  test("a forceRefresh loop: one request per second, each forced call still gets a new token", async () => {
    const l = lane("force");
    const client = new TokenClient(opts(l));
    const first = await client.getToken();
    const end = Date.now() + 2000;
    const seen = new Set([first.access_token]);
    let calls = 0;
    while (Date.now() < end) {
      const t = await client.getToken({ forceRefresh: true });
      seen.add(t.access_token);
      calls += 1;
    }
    const n = l.count().token;
    assert.ok(n <= 3 + 1, `${n} token requests in 2 s (${calls} forced calls)`);
    assert.equal(seen.size, n, "every request's token was handed out");
    assert.ok(calls >= 1 && seen.size >= 2, "forced refreshes got new tokens");
  });

  test("concurrent forced refreshes share the request in flight", async () => {
    const l = lane("force-concurrent");
    const client = new TokenClient(opts(l));
    await client.getToken();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken({ forceRefresh: true })));
    assert.equal(new Set(tokens.map((t) => t.access_token)).size, 1);
    assert.equal(l.count().token, 2);
  });
});

// ---- 3. TokenClient reads its options as createOAuthToken does ------------------------------------

describe("3. TokenClient options: getters, inherited values, hostile proxies", () => {
  test("class getters and inherited properties work as with createOAuthToken", async () => {
    const l = lane("options");
    class Options {
      get clientId() {
        return CLIENT_ID;
      }
      get clientSecret() {
        return SECRET;
      }
      get baseUrl() {
        return l.baseUrl;
      }
    }
    const inherited = Object.create({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: l.baseUrl });
    for (const o of [new Options(), inherited]) {
      assert.match((await createOAuthToken(o)).access_token, /^[0-9a-f]{56}$/);
      const client = new TokenClient(o);
      assert.match((await client.getToken()).access_token, /^[0-9a-f]{56}$/);
    }
  });

  test("a Proxy whose ownKeys throws, or a throwing getter: AltPayOAuthError invalid_config, or it works", async () => {
    const l = lane("proxy");
    const target = { clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: l.baseUrl };
    const proxy = new Proxy(target, {
      ownKeys() {
        throw new Error("ownKeys trap");
      },
    });
    let client;
    try {
      client = new TokenClient(proxy);
    } catch (e) {
      assert.ok(e instanceof AltPayOAuthError, `constructor threw ${e?.name}: ${e?.message}`);
      assert.equal(e.code, "invalid_config");
    }
    if (client) assert.match((await client.getToken()).access_token, /^[0-9a-f]{56}$/);

    const throwing = {
      clientId: CLIENT_ID,
      get clientSecret() {
        throw new Error("getter");
      },
      baseUrl: l.baseUrl,
    };
    let error;
    try {
      await new TokenClient(throwing).getToken();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof AltPayOAuthError, `threw ${error?.name}: ${error?.message}`);
    assert.equal(error.code, "invalid_config");
    assert.equal(l.count().token, client ? 1 : 0);
  });
});

// ---- 4. redaction cost and the bound on the credentials --------------------------------------------

describe("4. credentials are bounded, redaction is linear", () => {
  test("100k and 1M character secrets are invalid_config, at once, nothing sent", { timeout: 10_000 }, async () => {
    const l = lane("long-secret");
    for (const len of [100_000, 1_000_000]) {
      const secret = "s".repeat(len);
      const t0 = Date.now();
      const e = await expectError(createOAuthToken(opts(l, { clientSecret: secret })), "invalid_config");
      assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
      assert.match(e.message, /clientSecret/);
      assert.throws(() => new TokenClient(opts(l, { clientSecret: secret })), (err) => err instanceof AltPayOAuthError && err.code === "invalid_config");
    }
    const e = await expectError(createOAuthToken(opts(l, { clientId: "i".repeat(100_000) })), "invalid_config");
    assert.match(e.message, /clientId/);
    assert.equal(l.count().all, 0);
  });

  test("a 4 KiB secret echoed back by a server is redacted quickly", { timeout: 10_000 }, async () => {
    const secret = `${SECRET}-${"k".repeat(4096 - SECRET.length - 1)}`;
    const s = await server((req, res) => {
      const pair = Buffer.from(String(req.headers.authorization).slice(6), "base64").toString();
      const echoed = pair.slice(pair.indexOf(":") + 1);
      json(res, 400, { error: "invalid_client", error_description: echoed, [echoed.slice(0, 100)]: echoed });
    });
    try {
      const t0 = Date.now();
      const e = await expectError(createOAuthToken({ clientId: CLIENT_ID, clientSecret: secret, baseUrl: s.url, retries: 0 }), "http_error");
      assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
      assertNoLeak(e, [...leakNeedles(CLIENT_ID, secret), secret.slice(0, 100)]);
    } finally {
      await s.close();
    }
  });
});

// ---- 5. redaction covers encodings and cut secrets, and leaves the package's own text alone -------

describe("5. redaction: only external text, every encoding, never revealing a short secret", () => {
  test("a short secret never stars out the package's own words or reveals itself", async () => {
    for (const secret of ["oken", "e"]) {
      const l = lane("short");
      l.script({ status: 403 });
      const e = await expectError(createOAuthToken(opts(l, { clientSecret: secret })), "invalid_credentials", 403);
      for (const text of [e.message, JSON.stringify(e.details ?? {})]) {
        assert.ok(!text.includes("[redacted]"), `starred in place: ${text}`);
      }
      assert.match(e.message, /token endpoint|credentials/i);
    }
  });

  test("base64 alone, percent and form encodings (either hex case) and a secret cut by a truncation", async () => {
    const secret = `${SECRET}/p w+d=`;
    const pct = (upper) =>
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => (upper ? m : m.toLowerCase()));
    const encodings = [
      Buffer.from(secret).toString("base64"),
      pct(true),
      pct(false),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ];
    const s = await server((req, res) => {
      json(res, 400, {
        error: "invalid_client",
        error_description: `b64 ${encodings[0]} upper ${encodings[1]} lower ${encodings[2]} form ${encodings[3]}`,
        // cut by the package's 200/1024-character limits inside the secret
        a: `${"x".repeat(1024 - 10)}${secret}`,
        b: `${"y".repeat(200 - 12)}${secret}`,
      });
    });
    try {
      const e = await expectError(createOAuthToken({ clientId: CLIENT_ID, clientSecret: secret, baseUrl: s.url, retries: 0 }), "http_error");
      assertNoLeak(e, [...leakNeedles(CLIENT_ID, secret), ...encodings, secret.slice(0, 8)]);
    } finally {
      await s.close();
    }
  });

  test("a fetch error message cut inside the secret keeps none of its head", async () => {
    const secret = `${SECRET}-tail`;
    const fetch = async () => {
      throw new TypeError(`${"z".repeat(190)} ${secret} and more text after it ${"w".repeat(300)}`);
    };
    const l = lane("fetch-error");
    const e = await expectError(createOAuthToken({ ...opts(l, { clientSecret: secret }), fetch }), "network_error");
    assertNoLeak(e, [...leakNeedles(CLIENT_ID, secret), secret.slice(0, 6)]);
  });
});

// ---- 6. smaller gaps ---------------------------------------------------------------------------------

describe("6. smaller gaps", () => {
  test("a stored token with a far-future expires_at is not trusted", async () => {
    const l = lane("far-future");
    const stored = { access_token: "stored-forever", token_type: "bearer", expires_in: 3600, expires_at: Date.now() + 31 * 365.25 * 86_400_000 };
    const store = { get: async () => stored, set: async () => {} };
    const client = new TokenClient(opts(l, { store }));
    const t = await client.getToken();
    assert.notEqual(t.access_token, "stored-forever");
    assert.equal(l.count().token, 1);
    // a plausible one (expires within its lifetime) is used
    const ok = { ...stored, access_token: "stored-ok", expires_at: Date.now() + 3_000_000 };
    const client2 = new TokenClient(opts(l, { store: { get: async () => ok, set: async () => {} } }));
    assert.equal((await client2.getToken()).access_token, "stored-ok");
  });

  test("percent-encoded dot segments in baseUrl are refused like '..'", async () => {
    const l = lane("dots");
    for (const seg of ["%2e%2e", "%2E%2e", ".%2e", "%2e.", "%2E"]) {
      const e = await expectError(createOAuthToken(opts(l, { baseUrl: `${l.baseUrl}/${seg}/x` })), "invalid_config");
      assert.match(e.message, /baseUrl/);
    }
    assert.equal(l.count().all, 0);
  });

  test('expires_in " 3600" and "3600.0" are invalid_response', async () => {
    const l = lane("expires-in");
    for (const expiresIn of [" 3600", "3600.0", "3600 ", "+3600", "0x10", "1e3"]) {
      l.script({ normal: true, expiresIn });
      await expectError(createOAuthToken(opts(l)), "invalid_response");
    }
    l.script({ normal: true, expiresIn: "3600" });
    assert.equal((await createOAuthToken(opts(l))).expires_in, 3600);
  });

  test("retryAfter from an HTTP date is whole seconds, rounded up", async () => {
    const l = lane("retry-after");
    for (let i = 0; i < 3; i++) {
      // not on a second boundary: the date is whole seconds, now is not
      await sleep(137 * (i + 1));
      const date = new Date(Date.now() + 45_000).toUTCString();
      l.script({ status: 429, headers: { "retry-after": date } });
      const e = await expectError(createOAuthToken(opts(l)), "rate_limited", 429);
      assert.ok(Number.isInteger(e.retryAfter), `retryAfter ${e.retryAfter}`);
      assert.ok(e.retryAfter >= 44 && e.retryAfter <= 46, `retryAfter ${e.retryAfter}`);
    }
  });

  test("CLI usage errors name the flag, never its value", async () => {
    for (const args of [[`--client-secret:${SECRET}`], [`--client-secret=${SECRET}`], [`--${SECRET}`], [`--secret-key=${SECRET}`], [`--client-id:${SECRET}`]]) {
      const r = await cli(["token", ...args], { ALTPAY_CLIENT_ID: CLIENT_ID });
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!r.stderr.includes(SECRET.slice(0, 8)), "value echoed");
    }
    const r = await cli(["token", `--client-secret:${SECRET}`]);
    assert.match(r.stderr, /--client-secret is not accepted/);
  });

  test("TokenClient.fetch never lets the token travel to another origin, even with a fetch that follows redirects blindly", async () => {
    const elsewhere = await server((req, res) => json(res, 200, { stolen: true }));
    const api = await server((req, res) => {
      if (req.url === "/oauth/token") return json(res, 200, tokenBody());
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    // A naive fetch: follows redirects itself, keeping every header (unless told redirect: "manual").
    const naive = async (input, init) => {
      let request = new Request(input, init);
      const manual = request.redirect === "manual";
      for (let hops = 0; hops < 5; hops++) {
        const headers = Object.fromEntries(request.headers);
        const r = await fetch(request.url, { method: request.method, headers, redirect: "manual" });
        if (manual || r.status < 300 || r.status >= 400) return r;
        await r.arrayBuffer();
        request = new Request(new URL(r.headers.get("location"), request.url), { headers });
      }
      throw new TypeError("too many redirects");
    };
    try {
      const client = new TokenClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: api.url, fetch: naive, retries: 0 });
      try {
        const r = await client.fetch("/api");
        await r.arrayBuffer?.();
      } catch (e) {
        assert.ok(e instanceof AltPayOAuthError, `threw ${e?.name}: ${e?.message}`);
      }
      const leaked = elsewhere.hits.filter((h) => h.headers.authorization !== undefined);
      assert.equal(leaked.length, 0, "the bearer token reached another origin");
    } finally {
      await api.close();
      await elsewhere.close();
    }
  });
});
