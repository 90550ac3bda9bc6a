// Fault injection against the loopback mock token server, through the built package (pkg/node.mjs).
// Every case asserts the exact error code, that the error leaks no credentials, and that the next
// normal call on the same lane succeeds (the module is left working).
// Run: node --test tests/hardening/faults.test.mjs   (after `make build`)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startMockServer } from "../../js/mock-server.mjs";
import { pkg, CLIENT_ID, SECRET, CLIENTS, expectError, assertNoLeak, sleep, gc } from "./support.mjs";

const { createOAuthToken, TokenClient } = pkg;

let mock;
before(async () => {
  mock = await startMockServer({ port: 0, clients: CLIENTS });
});
after(async () => {
  await mock.close();
});

let laneSeq = 0;
function lane(name) {
  return mock.lane(`${name}-${++laneSeq}`);
}
function opts(l, extra = {}) {
  return { clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: l.baseUrl, timeoutMs: 2000, retries: 0, ...extra };
}
/** The next normal call on this lane succeeds with a fresh valid token. */
async function nextOk(l, extra = {}) {
  assert.deepEqual(l.queued(), [], "the scripted faults were all consumed");
  const t = await createOAuthToken(opts(l, extra));
  assert.match(t.access_token, /^[0-9a-f]{56}$/);
  assert.equal(t.token_type, "bearer");
  assertNoLeak(t);
  return t;
}
const tokenCount = (l) => l.count().token;
const attemptTimes = (l) => l.log().filter((e) => e.path === "/oauth/token").map((e) => e.at);

// ---- the network ------------------------------------------------------------------------------------

describe("network faults", () => {
  test("connection reset before the headers: network_error", async () => {
    const l = lane("reset-before");
    l.script({ reset: "before-headers" });
    const e = await expectError(createOAuthToken(opts(l)), "network_error");
    assert.equal(e.status, undefined);
    assert.equal(tokenCount(l), 1);
    await nextOk(l);
  });

  test("connection reset mid-body: network_error", async () => {
    const l = lane("reset-mid");
    l.script({ reset: "mid-body" });
    await expectError(createOAuthToken(opts(l)), "network_error");
    await nextOk(l);
  });

  test("a reset is retried: [reset, normal] with retries 1 gives a token", async () => {
    const l = lane("reset-retry");
    l.script([{ reset: "before-headers" }, { reset: "mid-body" }]);
    const t = await createOAuthToken(opts(l, { retries: 2 }));
    assert.equal(t.token_type, "bearer");
    assert.equal(tokenCount(l), 3);
  });

  test("a server that accepts and never answers: timeout after timeoutMs", async () => {
    const l = lane("hang");
    l.script({ hang: true });
    const t0 = Date.now();
    const e = await expectError(createOAuthToken(opts(l, { timeoutMs: 250 })), "timeout");
    const took = Date.now() - t0;
    assert.ok(took >= 240 && took < 2000, `took ${took} ms`);
    assert.match(e.message, /250 ms/);
    await nextOk(l);
  });

  test("headers then a body of 1 byte per second: timeout (timeoutMs covers the body)", async () => {
    const l = lane("trickle");
    l.script({ trickle: { chunkBytes: 1, intervalMs: 1000 } });
    const t0 = Date.now();
    await expectError(createOAuthToken(opts(l, { timeoutMs: 1200 })), "timeout");
    const took = Date.now() - t0;
    assert.ok(took >= 1150 && took < 3000, `took ${took} ms`);
    await nextOk(l);
  });

  test("headers, half the body, then silence: timeout", async () => {
    const l = lane("body-delay");
    l.script({ bodyDelayMs: 5000 });
    await expectError(createOAuthToken(opts(l, { timeoutMs: 300 })), "timeout");
    await nextOk(l);
  });

  test("nothing listening: network_error naming the cause", async () => {
    const server = http.createServer();
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address();
    await new Promise((r) => server.close(r));
    const e = await expectError(
      createOAuthToken({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: `http://127.0.0.1:${port}`, retries: 0 }),
      "network_error",
    );
    assert.match(e.message, /ECONNREFUSED/);
  });
});

// ---- the body ---------------------------------------------------------------------------------------

describe("bad bodies", () => {
  const cases = [
    ["truncated JSON", { body: '{"access_token":"abc","token_type":"bearer","expires_in":36' }, /^token response is not valid JSON$/],
    [
      "invalid UTF-8",
      { rawBytesBase64: Buffer.concat([Buffer.from('{"access_token":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('","token_type":"bearer","expires_in":1}')]).toString("base64") },
      /^token response is not valid UTF-8$/,
    ],
    ["an encoded surrogate (CESU-8)", { rawBytesBase64: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]).toString("base64") }, /not valid UTF-8/],
    // The runtime's JSON.parse decodes bodies: nesting is no limit of ours (the result must still be an object).
    ["100,000 nested arrays", { body: "[".repeat(100_000) + "]".repeat(100_000) }, /must be a JSON object, got an array/],
    ["200 with an empty body", { status: 200, body: "" }, /body is empty/],
    ["200 with white space only", { status: 200, body: " \r\n\t" }, /body is empty/],
    ["204 No Content", { status: 204 }, /body is empty/],
    ["an HTML error page with status 200", { status: 200, body: "<html>oops</html>", headers: { "content-type": "text/html" } }, /not valid JSON/],
    ["a JSON array", { json: [{ access_token: "a" }] }, /must be a JSON object, got an array/],
    ["token_type mac", { normal: true, tokenType: "mac" }, /token_type must be "bearer", got "mac"/],
    ["expires_in negative", { normal: true, expiresIn: -1 }, /expires_in must be a finite number >= 0/],
    ["expires_in 1e400", { body: '{"access_token":"a","token_type":"bearer","expires_in":1e400}' }, /too large/],
    ["no access_token", { normal: true, accessToken: null }, /no access_token/],
  ];
  for (const [name, step, message] of cases) {
    test(`${name}: invalid_response`, async () => {
      const l = lane("body");
      l.script(step);
      const e = await expectError(createOAuthToken(opts(l, { retries: 2 })), "invalid_response");
      assert.match(e.message, message);
      assert.equal(tokenCount(l), 1, "invalid_response is never retried");
      await nextOk(l);
    });
  }

  test("a valid token with a 200-deep extra field is accepted (unknown fields are ignored)", async () => {
    const l = lane("depth-ok");
    l.script({ body: `{"access_token":"a","token_type":"bearer","expires_in":1,"x":${"[".repeat(200)}${"]".repeat(200)}}` });
    const t = await createOAuthToken(opts(l));
    assert.deepEqual(Object.keys(t).sort(), ["access_token", "expires_at", "expires_in", "token_type"]);
  });

  test("a duplicated member: the last one wins, as with JSON.parse in every JavaScript client", async () => {
    const l = lane("dup");
    l.script({ body: '{"access_token":"first","token_type":"bearer","access_token":"last","expires_in":1,"expires_in":7}' });
    const t = await createOAuthToken(opts(l));
    assert.equal(t.access_token, "last");
    assert.equal(t.expires_in, 7);
    l.script({ body: '{"access_token":"a","token_type":"bearer","expires_in":1,"expires_in":-1}' });
    await expectError(createOAuthToken(opts(l)), "invalid_response");
  });

  for (const [name, step] of [
    ["chunked, no Content-Length", { bodyBytes: 100 * 1024 * 1024 }],
    ["with Content-Length (refused before reading)", { bodyBytes: 100 * 1024 * 1024, contentLength: true }],
    ["gzip-encoded (1 MiB cap on the decoded bytes)", { bodyBytes: 100 * 1024 * 1024, gzip: true }],
  ]) {
    test(`a 100 MiB body, ${name}: invalid_response, RSS does not grow by 100 MiB`, async () => {
      const l = lane("big");
      l.script(step);
      await gc();
      const before = process.memoryUsage();
      const t0 = Date.now();
      const e = await expectError(createOAuthToken(opts(l, { timeoutMs: 20_000 })), "invalid_response");
      const took = Date.now() - t0;
      const afterUse = process.memoryUsage();
      assert.match(e.message, /larger than 1 MiB/);
      const grew = (afterUse.rss - before.rss) / 2 ** 20;
      assert.ok(grew < 48, `RSS grew by ${grew.toFixed(1)} MiB`);
      assert.ok(afterUse.arrayBuffers - before.arrayBuffers < 48 * 2 ** 20, "array buffers grew");
      assert.ok(took < 10_000, `took ${took} ms: the body was not abandoned early`);
      await nextOk(l);
    });
  }

  test("a gzip-encoded token body is decoded by fetch: a valid token", async () => {
    const l = lane("gzip");
    l.script({ gzip: true });
    const a = await createOAuthToken(opts(l));
    assert.match(a.access_token, /^[0-9a-f]{56}$/);
    assert.equal(l.log()[0].headers["accept-encoding"] !== undefined, true, "fetch asked for compression");
    l.script({ gzip: true, normal: true, scope: "payments" });
    const t = await createOAuthToken(opts(l));
    assert.equal(t.scope, "payments");
    await nextOk(l);
  });

  test("a wrong Content-Type with a valid JSON body is accepted (documented in docs/interop.md)", async () => {
    for (const ct of ["text/plain", "text/html; charset=iso-8859-1", "application/octet-stream", null]) {
      const l = lane("ctype");
      l.script({ normal: true, headers: { "content-type": ct } });
      const t = await createOAuthToken(opts(l));
      assert.equal(t.token_type, "bearer", `content-type ${ct}`);
      await nextOk(l);
    }
  });
});

// ---- redirects --------------------------------------------------------------------------------------

describe("redirects are never followed", () => {
  let other;
  let otherRequests = [];
  let otherBase;
  before(async () => {
    other = http.createServer((req, res) => {
      otherRequests.push({ url: req.url, headers: req.headers });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"access_token":"stolen","token_type":"bearer","expires_in":3600}');
    });
    // Another host: 127.0.0.2 (loopback on Linux); 127.0.0.1 on another port where that is not bound.
    const host = await new Promise((resolve) => {
      other.once("error", () => other.listen(0, "127.0.0.1", () => resolve("127.0.0.1")));
      other.listen(0, "127.0.0.2", () => resolve("127.0.0.2"));
    });
    otherBase = `http://${host}:${other.address().port}`;
  });
  after(() => new Promise((r) => other.close(r)));

  test("a redirect loop (302 to the token URL itself): one request, http_error 302", async () => {
    const l = lane("loop");
    l.script({ status: 302, headers: { location: `${l.baseUrl}/oauth/token` } });
    const e = await expectError(createOAuthToken(opts(l, { retries: 3 })), "http_error", 302);
    assert.match(e.message, /redirect/);
    assert.equal(l.count().all, 1, "no request followed the redirect, and 3xx is not retried");
    await nextOk(l);
  });

  for (const status of [301, 302, 303, 307, 308]) {
    test(`a ${status} to another host: http_error ${status}, that host gets nothing`, async () => {
      otherRequests = [];
      const l = lane("away");
      l.script({ status, headers: { location: `${otherBase}/oauth/token` } });
      await expectError(createOAuthToken(opts(l)), "http_error", status);
      assert.equal(otherRequests.length, 0, "the other host received a request");
      assert.equal(l.log().filter((e) => e.path === "/redirect-target").length, 0);
      await nextOk(l);
    });
  }

  test("TokenClient.getToken: a redirect is an http_error too, and the other host gets nothing", async () => {
    otherRequests = [];
    const l = lane("away-tc");
    l.script({ status: 307, headers: { location: `${otherBase}/oauth/token` } });
    const c = new TokenClient(opts(l));
    await expectError(c.getToken(), "http_error", 307);
    assert.equal(otherRequests.length, 0);
    // The next refresh waits out the 1 s failure backoff, then succeeds.
    const t = await c.getToken();
    assert.equal(t.token_type, "bearer");
  });

  test("TokenClient.fetch: a resource redirect to another origin does not carry the Bearer token", async () => {
    otherRequests = [];
    // A same-origin resource server in front of the mock: /oauth/token proxied, /api redirected away.
    const l = lane("fetch-away");
    const front = http.createServer(async (req, res) => {
      if (req.url === "/oauth/token") {
        const body = [];
        for await (const c of req) body.push(c);
        const r = await fetch(`${l.baseUrl}/oauth/token`, {
          method: "POST",
          headers: { authorization: req.headers.authorization, "content-type": req.headers["content-type"] },
          body: Buffer.concat(body),
        });
        res.writeHead(r.status, { "content-type": "application/json" });
        res.end(await r.text());
        return;
      }
      res.writeHead(302, { location: `${otherBase}/steal` });
      res.end();
    });
    await new Promise((r) => front.listen(0, "127.0.0.1", r));
    try {
      const c = new TokenClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: `http://127.0.0.1:${front.address().port}` });
      const r = await c.fetch("/api");
      await r.text();
      // The runtime's fetch follows the resource redirect (TokenClient.fetch passes init through), and
      // per the Fetch standard drops Authorization on a cross-origin redirect.
      assert.equal(otherRequests.length, 1);
      assert.equal(otherRequests[0].headers.authorization, undefined, "the token went to another origin");
      // An absolute URL to another origin is refused before any request.
      await expectError(c.fetch(`${otherBase}/x`), "invalid_config");
      assert.equal(otherRequests.length, 1);
    } finally {
      await new Promise((r) => front.close(r));
    }
  });
});

// ---- Retry-After and retries ------------------------------------------------------------------------

describe("Retry-After", () => {
  test("429 with Retry-After: 0 and retries 0: rate_limited with retryAfter 0", async () => {
    const l = lane("ra0");
    l.script({ status: 429, headers: { "retry-after": "0" } });
    const e = await expectError(createOAuthToken(opts(l)), "rate_limited", 429);
    assert.equal(e.retryAfter, 0);
    await nextOk(l);
  });

  test("429 with Retry-After: 0 and retries 1: retried after the 200 ms minimum spacing", async () => {
    const l = lane("ra0-retry");
    l.script({ status: 429, headers: { "retry-after": "0" } });
    const t = await createOAuthToken(opts(l, { retries: 1 }));
    assert.equal(t.token_type, "bearer");
    const [a, b] = attemptTimes(l);
    assert.ok(b - a >= 190, `attempts ${b - a} ms apart`);
  });

  for (const value of ["-5", "-1", "soon", "1.5", "Tue, 31 Feb 2026 00:00:00 GMT", ""]) {
    test(`429 with an unusable Retry-After ${JSON.stringify(value)}: ignored (no retryAfter), normal backoff`, async () => {
      const l = lane("ra-bad");
      l.script({ status: 429, headers: { "retry-after": value } });
      const e = await expectError(createOAuthToken(opts(l)), "rate_limited", 429);
      assert.equal(e.retryAfter, undefined);
      l.script({ status: 429, headers: { "retry-after": value } });
      const t0 = Date.now();
      await createOAuthToken(opts(l, { retries: 1 }));
      const took = Date.now() - t0;
      assert.ok(took >= 190 && took < 1500, `backoff took ${took} ms`);
    });
  }

  for (const [name, value, seconds] of [
    ["999999 seconds", "999999", 999999],
    ["31 seconds (just over the 30 s wait cap)", "31", 31],
    ["an HTTP date a day ahead", () => new Date(Date.now() + 86_400_000).toUTCString(), 86_400],
    ["10^30 seconds (saturates at 10^9)", "1" + "0".repeat(30), 1e9],
  ]) {
    test(`429 with a huge Retry-After (${name}): returned at once with retryAfter, despite retries 5`, async () => {
      const l = lane("ra-huge");
      l.script({ status: 429, headers: { "retry-after": typeof value === "function" ? value() : value } });
      const t0 = Date.now();
      const e = await expectError(createOAuthToken(opts(l, { retries: 5 })), "rate_limited", 429);
      assert.ok(Date.now() - t0 < 1000, "waited");
      assert.ok(Math.abs(e.retryAfter - seconds) <= 2, `retryAfter ${e.retryAfter}`);
      assert.equal(tokenCount(l), 1);
      await nextOk(l);
    });
  }

  test("503 with a huge Retry-After: http_error 503 at once with retryAfter", async () => {
    const l = lane("ra-503");
    l.script({ status: 503, headers: { "retry-after": "3600" } });
    const e = await expectError(createOAuthToken(opts(l, { retries: 3 })), "http_error", 503);
    assert.equal(e.retryAfter, 3600);
    assert.equal(e.details?.error, "temporarily_unavailable");
    assert.equal(tokenCount(l), 1);
    await nextOk(l);
  });
});

describe("503 storms: attempts = 1 + retries", () => {
  for (const retries of [0, 1, 2, 5]) {
    test(`retries ${retries}`, async () => {
      const l = lane("storm");
      // Retry-After: 0 keeps the long storm fast (200 ms spacing instead of the exponential backoff).
      const step = retries >= 5 ? { status: 503, headers: { "retry-after": "0" } } : { status: 503 };
      l.script({ ...step, repeat: 50 });
      const t0 = Date.now();
      const e = await expectError(createOAuthToken(opts(l, { retries })), "http_error", 503);
      const took = Date.now() - t0;
      assert.equal(tokenCount(l), retries + 1);
      const times = attemptTimes(l);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 190, "attempts closer than 200 ms");
      assert.ok(took >= retries * 190, `took ${took} ms`);
      assert.equal(e.details?.error, "temporarily_unavailable");
      l.reset();
      await nextOk(l);
    });
  }

  test("a storm shorter than the retries ends in a token", async () => {
    const l = lane("storm-ok");
    l.script([{ status: 503 }, { status: 502 }, { status: 429 }]);
    const t = await createOAuthToken(opts(l, { retries: 3 }));
    assert.equal(t.token_type, "bearer");
    assert.equal(tokenCount(l), 4);
  });

  test("429 storm with retries 2: rate_limited after 3 attempts", async () => {
    const l = lane("storm-429");
    l.script({ status: 429, headers: { "retry-after": "0" }, repeat: 3 });
    await expectError(createOAuthToken(opts(l, { retries: 2 })), "rate_limited", 429);
    assert.equal(tokenCount(l), 3);
    await nextOk(l);
  });

  test("403 and 400 are never retried", async () => {
    for (const status of [403, 400, 401, 404]) {
      const l = lane("no-retry");
      l.script({ status });
      await expectError(createOAuthToken(opts(l, { retries: 5 })), status === 403 ? "invalid_credentials" : "http_error", status);
      assert.equal(tokenCount(l), 1);
      await nextOk(l);
    }
  });
});

// ---- TokenClient under faults ----------------------------------------------------------------------

describe("TokenClient", () => {
  for (const step of [{ reset: "before-headers" }, { reset: "mid-body" }, { body: "{" }, { status: 503 }, { hang: true }]) {
    test(`a failed refresh (${JSON.stringify(step)}) with an unexpired cached token serves that token`, async () => {
      const l = lane("tc-stale");
      const c = new TokenClient(opts(l, { timeoutMs: 300 }));
      const a = await c.getToken();
      l.script(step);
      const t = await c.getToken({ forceRefresh: true });
      assert.equal(t, a, "the cached token, not an error");
      assert.equal(tokenCount(l), 2);
      // The cached token is still served without a request ...
      assert.equal(await c.getToken(), a);
      assert.equal(tokenCount(l), 2);
      // ... and clear() forgets token and backoff: the next call gets a new token at once.
      c.clear();
      const b = await c.getToken();
      assert.notEqual(b.access_token, a.access_token);
      await nextOk(l);
    });
  }

  test("faults on a cold client are thrown with their code; the client recovers", async () => {
    const l = lane("tc-cold");
    const c = new TokenClient(opts(l, { timeoutMs: 300 }));
    l.script({ reset: "mid-body" });
    await expectError(c.getToken(), "network_error");
    l.script({ hang: true });
    const t0 = Date.now();
    await expectError(c.getToken(), "timeout"); // after the 1 s failure backoff
    assert.ok(Date.now() - t0 >= 1000 + 290, "the failure backoff was not respected");
    c.clear();
    l.script({ body: '{"access_token":""}' });
    await expectError(c.getToken(), "invalid_response");
    c.clear();
    const t = await c.getToken();
    assert.equal(t.token_type, "bearer");
    assert.equal(await c.getToken(), t);
  });
});

// ---- memory under faults ---------------------------------------------------------------------------

describe("no memory kept per failed attempt", () => {
  for (const [name, step] of [
    ["reset before the headers", { reset: "before-headers" }],
    ["reset mid-body", { reset: "mid-body" }],
    ["503", { status: 503 }],
    ["invalid JSON", { body: "{" }],
    ["a 2 MiB body", { bodyBytes: 2 * 1024 * 1024 }],
  ]) {
    test(`400 attempts ending in ${name}: the JS heap does not grow`, async () => {
      const l = lane("heap");
      const run = async (n) => {
        l.reset();
        l.script({ ...step, repeat: n });
        for (let i = 0; i < n; i++) {
          await createOAuthToken(opts(l)).catch(() => {});
        }
      };
      await run(100); // warm-up
      await gc();
      const before = process.memoryUsage().heapUsed;
      await run(400);
      await gc();
      const grew = (process.memoryUsage().heapUsed - before) / 2 ** 20;
      assert.ok(grew < 3, `heap grew by ${grew.toFixed(1)} MiB over 400 attempts`);
      await nextOk(l);
    });
  }
});
