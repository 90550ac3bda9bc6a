// TokenClient against the loopback mock token server (real HTTP, the runtime's real fetch).
// Run: node --test tests/node/   (after `make build`; ALTPAY_PKG=/other/pkg to test another build)
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startMockServer } from "../../js/mock-server.mjs";
import {
  pkg,
  CLIENT_ID,
  CLIENT_SECRET,
  sleep,
  sleepUntil,
  track,
  tokenRequests,
  isError,
} from "./support/pkg.mjs";

const { TokenClient, AltPayOAuthError } = pkg;

let mock;
before(async () => {
  mock = await startMockServer({ port: 0 });
});
after(async () => {
  await mock.close();
});

function client(lane, extra = {}) {
  return new TokenClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: lane.baseUrl, ...extra });
}

// ---- single flight and cache ------------------------------------------------------------------------

test("10,000 concurrent getToken() on a cold client make one token request and share one token", async () => {
  const lane = mock.lane("tc-10k");
  lane.script({ delayMs: 50 }); // a normal token, a little late, so every call joins the flight
  const c = client(lane);
  const promises = [];
  for (let i = 0; i < 10_000; i++) promises.push(c.getToken());
  const tokens = await Promise.all(promises);
  assert.equal(lane.count().token, 1);
  assert.match(tokens[0].access_token, /^[0-9a-f]{56}$/);
  assert.ok(
    tokens.every((t) => t === tokens[0]),
    "every caller gets the very same token object",
  );
  // and 10,000 more on the warm client: still one request, still that object
  const again = await Promise.all(Array.from({ length: 10_000 }, () => c.getToken()));
  assert.ok(again.every((t) => t === tokens[0]));
  assert.equal(lane.count().token, 1);
});

test("a cache hit returns the same token object; expires_at is the sent time + expires_in", async () => {
  const lane = mock.lane("tc-hit");
  const c = client(lane);
  const t0 = Date.now();
  const a = await c.getToken();
  const t1 = Date.now();
  assert.deepEqual(Object.keys(a).sort(), ["access_token", "expires_at", "expires_in", "token_type"]);
  assert.equal(a.token_type, "bearer");
  assert.equal(a.expires_in, 3600);
  const sent = a.expires_at - 3600 * 1000;
  assert.ok(sent >= t0 - 5 && sent <= t1 + 5, `sent time ${sent} not within [${t0}, ${t1}]`);
  const [req] = tokenRequests(lane);
  assert.ok(sent <= req.at + 5, "expires_at counts from when the request was sent, not received");
  assert.equal(await c.getToken(), a);
  assert.equal(await c.getToken({}), a);
  assert.equal(lane.count().token, 1);
});

test("forceRefresh gets a new token; concurrent forceRefresh calls share one request", async () => {
  const lane = mock.lane("tc-force");
  const c = client(lane);
  const a = await c.getToken();
  const b = await c.getToken({ forceRefresh: true });
  assert.notEqual(b.access_token, a.access_token);
  assert.equal(lane.count().token, 2);
  assert.equal(await c.getToken(), b, "the forced token replaces the cached one");

  lane.script({ delayMs: 100 });
  const forced = await Promise.all(Array.from({ length: 50 }, () => c.getToken({ forceRefresh: true })));
  assert.equal(lane.count().token, 3);
  assert.ok(forced.every((t) => t === forced[0]));
  assert.notEqual(forced[0].access_token, b.access_token);
  assert.equal(await c.getToken(), forced[0]);
  assert.equal(lane.count().token, 3);
});

test("a plain getToken() during a forced refresh is answered from the fresh cache; clear() forgets the token", async () => {
  const lane = mock.lane("tc-clear");
  const c = client(lane);
  const a = await c.getToken();
  lane.script({ delayMs: 300 });
  const forced = c.getToken({ forceRefresh: true });
  assert.equal(await c.getToken(), a, "the still-fresh token serves plain callers meanwhile");
  const b = await forced;
  assert.notEqual(b.access_token, a.access_token);

  c.clear();
  const d = await c.getToken();
  assert.notEqual(d.access_token, b.access_token);
  assert.equal(lane.count().token, 3);
  assert.equal(await c.getToken(), d);
  assert.equal(lane.count().token, 3);
});

test("clear() during a refresh: that refresh still answers its callers, the next call starts anew", async () => {
  const lane = mock.lane("tc-clear-inflight");
  const c = client(lane);
  lane.script({ delayMs: 300 });
  const p = c.getToken();
  await sleep(50);
  c.clear();
  const fresh = await c.getToken();
  const old = await p;
  assert.notEqual(old.access_token, fresh.access_token);
  assert.equal(lane.count().token, 2);
  assert.equal(await c.getToken(), fresh, "the pre-clear refresh is not cached over the newer one");
});

// ---- per-caller signal -----------------------------------------------------------------------------

test("aborting one caller's signal rejects only that caller; the shared refresh still serves the others", async () => {
  const lane = mock.lane("tc-signal");
  const c = client(lane);
  lane.script({ delayMs: 1500 });
  const ac1 = new AbortController();
  const ac3 = new AbortController();
  const p1 = c.getToken({ signal: ac1.signal });
  const p2 = track(c.getToken());
  const p3 = c.getToken({ signal: ac3.signal });
  await sleep(50);
  ac1.abort();
  await assert.rejects(p1, isError("aborted"));
  assert.equal(p2.state, "pending", "the abort rejected its caller at once, not when the token arrived");
  const t3 = await p3;
  await sleep(0); // let p2's tracker settle
  assert.equal(p2.state, "fulfilled");
  assert.equal(p2.value, t3);
  assert.equal(lane.count().token, 1);
  // the refresh was cached although one of its callers left
  assert.equal(await c.getToken(), t3);
  // an already-aborted signal rejects at once, even with a cached token
  await assert.rejects(c.getToken({ signal: AbortSignal.abort() }), isError("aborted"));
  // aborting after the token arrived changes nothing
  const ac = new AbortController();
  const t4 = await c.getToken({ signal: ac.signal });
  ac.abort();
  assert.equal(t4, t3);
  assert.equal(lane.count().token, 1);
});

test("an already-aborted signal on a cold client rejects at once", async () => {
  const lane = mock.lane("tc-signal-cold");
  const c = client(lane);
  const t0 = Date.now();
  await assert.rejects(c.getToken({ signal: AbortSignal.abort("bye") }), isError("aborted"));
  assert.ok(Date.now() - t0 < 1000);
  // the client still works afterwards
  const t = await c.getToken();
  assert.match(t.access_token, /^[0-9a-f]{56}$/);
});

// ---- constructor ---------------------------------------------------------------------------------

test("the constructor throws invalid_config synchronously for bad options, before any request", () => {
  const lane = mock.lane("tc-config");
  const base = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: lane.baseUrl };
  const bad = [
    { refreshSkewSeconds: -1 },
    { refreshSkewSeconds: Number.NaN },
    { refreshSkewSeconds: Infinity },
    { refreshSkewSeconds: "300" },
    { store: {} },
    { store: { get() {} } },
    { store: { set() {} } },
    { store: { get: 1, set: 2 } },
    { store: "redis://127.0.0.1" },
    { store: 42 },
    { onStoreError: "log" },
    { onStoreError: 42 },
    { onStoreError: {} },
    { clientId: "" },
    { clientSecret: "" },
    { baseUrl: "ftp://127.0.0.1" },
    { baseUrl: "http://example.com" },
  ];
  for (const extra of bad) {
    let thrown;
    try {
      new TokenClient({ ...base, ...extra });
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof AltPayOAuthError, `no AltPayOAuthError for ${JSON.stringify(extra)}: ${thrown}`);
    assert.equal(thrown.code, "invalid_config", JSON.stringify(extra));
    assert.equal(thrown.name, "AltPayOAuthError");
    assert.ok(!String(thrown.message).includes(CLIENT_SECRET));
  }
  // good ones
  for (const extra of [
    { refreshSkewSeconds: 0 },
    { refreshSkewSeconds: 10_000 },
    { store: null },
    { store: undefined },
    { onStoreError: undefined },
    { onStoreError: () => {} },
    { store: { get: async () => null, set: async () => {} } },
  ]) {
    new TokenClient({ ...base, ...extra });
  }
  assert.equal(lane.count().all, 0);
});

// ---- fetch() -------------------------------------------------------------------------------------

test("fetch(): relative URLs resolve against the base URL and its path; Bearer added; headers and body untouched", async () => {
  const lane = mock.lane("tc-fetch");
  const c = client(lane);
  assert.ok(new URL(lane.baseUrl).pathname.startsWith("/lane/"), "the lane's base URL has a path prefix");

  for (const input of ["/customers", "customers"]) {
    const res = await c.fetch(input);
    assert.equal(res.status, 200, input);
    assert.deepEqual(await res.json(), { data: [{ id: "cus_1", name: "Ada" }] });
  }
  const token = await c.getToken();
  // URL object and Request inputs
  const res3 = await c.fetch(new URL(`${lane.baseUrl}/customers`));
  assert.equal(res3.status, 200);
  await res3.arrayBuffer();
  const res4 = await c.fetch(
    new Request(`${lane.baseUrl}/customers`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-input": "yes" },
      body: '{"from":"request"}',
    }),
  );
  assert.equal(res4.status, 200);
  assert.deepEqual(await res4.json(), { received: '{"from":"request"}', contentType: "application/json" });

  // POST with headers and a body through init
  const body = "name=Ada&x=%C3%A9%20&y=1";
  const res5 = await c.fetch("/customers", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-trace-id": "abc-123", accept: "application/json" },
    body,
  });
  assert.equal(res5.status, 200);
  assert.deepEqual(await res5.json(), { received: body, contentType: "application/x-www-form-urlencoded" });

  const log = lane.log().filter((e) => e.path === "/customers");
  assert.equal(log.length, 5);
  for (const e of log) {
    assert.equal(e.headers.authorization, `Bearer ${token.access_token}`);
    assert.ok(e.url.startsWith(new URL(lane.baseUrl).pathname + "/customers"), e.url);
  }
  assert.equal(log[3].headers["x-request-input"], "yes");
  assert.equal(log[4].headers["x-trace-id"], "abc-123");
  assert.equal(log[4].headers.accept, "application/json");
  assert.equal(log[4].method, "POST");
  assert.equal(log[4].body, body);
  assert.equal(lane.count().token, 1, "every fetch used the cached token");
});

test("fetch(): a query string and a relative path keep the base path", async () => {
  const lane = mock.lane("tc-fetch-query");
  const c = client(lane);
  const res = await c.fetch("customers?limit=2&q=a%20b");
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const [e] = lane.log().filter((x) => x.path === "/customers");
  assert.equal(e.url, `${new URL(lane.baseUrl).pathname}/customers?limit=2&q=a%20b`);
});

test("fetch(): a 401 refreshes the token and retries once, with the same body", async () => {
  const lane = mock.lane("tc-401");
  const c = client(lane);
  const a = await c.getToken();
  lane.revoke();
  const res = await c.fetch("/customers", {
    method: "POST",
    headers: { "content-type": "text/plain", "x-keep": "1" },
    body: "retry me",
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { received: "retry me", contentType: "text/plain" });
  assert.equal(lane.count().token, 2);
  const b = await c.getToken();
  assert.notEqual(b.access_token, a.access_token);
  const calls = lane.log().filter((e) => e.path === "/customers");
  assert.equal(calls.length, 2);
  assert.equal(calls[0].headers.authorization, `Bearer ${a.access_token}`);
  assert.equal(calls[1].headers.authorization, `Bearer ${b.access_token}`);
  assert.equal(calls[1].body, "retry me");
  assert.equal(calls[1].headers["x-keep"], "1");

  // many concurrent 401s after one revoke: one refresh between them
  lane.revoke();
  const many = await Promise.all(Array.from({ length: 20 }, () => c.fetch("customers")));
  assert.ok(many.every((r) => r.status === 200));
  await Promise.all(many.map((r) => r.arrayBuffer()));
  assert.equal(lane.count().token, 3, "concurrent 401s share one refresh");
});

test("fetch(): a second 401 is returned to the caller (no loop)", async () => {
  const lane = mock.lane("tc-401-twice");
  const c = client(lane);
  await c.getToken();
  lane.revoke();
  // the refreshed token is one the resource server does not know: the retry is a 401 too
  lane.script({ status: 200, json: { access_token: "unknown-to-the-api", token_type: "bearer", expires_in: 3600 } });
  const res = await c.fetch("/customers");
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { error: "invalid_token" });
  assert.equal(lane.count().token, 2);
  const calls = lane.log().filter((e) => e.path === "/customers");
  assert.equal(calls.length, 2);
  assert.equal(calls[1].headers.authorization, "Bearer unknown-to-the-api");
});

test("fetch(): a one-shot stream body is not replayed: the 401 is returned", async () => {
  const lane = mock.lane("tc-401-stream");
  const c = client(lane);
  await c.getToken();
  lane.revoke();
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("streamed"));
      controller.close();
    },
  });
  const res = await c.fetch("/customers", { method: "POST", body, duplex: "half", headers: { "content-type": "text/plain" } });
  assert.equal(res.status, 401);
  await res.arrayBuffer();
  assert.equal(lane.log().filter((e) => e.path === "/customers").length, 1);
});

test(
  "fetch(): the caller's signal also stops the wait for a token",
  async () => {
    const lane = mock.lane("tc-fetch-signal");
    const c = client(lane);
    lane.script({ delayMs: 3000 }); // a slow token endpoint
    const t0 = Date.now();
    await assert.rejects(c.fetch("/customers", { signal: AbortSignal.timeout(100) }), (e) => {
      assert.ok(
        (e instanceof AltPayOAuthError && e.code === "aborted") || e.name === "AbortError" || e.name === "TimeoutError",
        String(e),
      );
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took < 2000, `fetch() gave up after ${took} ms, the signal fired after 100 ms`);
    assert.equal(lane.log().filter((e) => e.path === "/customers").length, 0);
  },
);

test("fetch(): a URL on another origin is rejected with invalid_config and never sees the token", async () => {
  const seen = [];
  const other = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    res.end("{}");
  });
  await new Promise((r) => other.listen(0, "127.0.0.1", r));
  try {
    const otherUrl = `http://127.0.0.1:${other.address().port}`;
    const lane = mock.lane("tc-cross");
    const c = client(lane);
    const token = await c.getToken();
    const mockPort = new URL(lane.baseUrl).port;
    const inputs = [
      `${otherUrl}/customers`,
      new URL(`${otherUrl}/customers`),
      new Request(`${otherUrl}/customers`, { method: "POST", body: "x" }),
      `http://localhost:${mockPort}/lane/tc-cross/customers`, // same port, another host: another origin
      `HTTP://127.0.0.1:${other.address().port}/x`,
    ];
    for (const input of inputs) {
      await assert.rejects(c.fetch(input), isError("invalid_config"), String(input));
    }
    await sleep(100);
    assert.deepEqual(seen, [], "the other origin received nothing");
    assert.equal(lane.log().filter((e) => e.path !== "/oauth/token").length, 0);
    // the same origin given absolutely is fine
    const ok = await c.fetch(`${lane.baseUrl}/customers`);
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    assert.equal(lane.log().find((e) => e.path === "/customers").headers.authorization, `Bearer ${token.access_token}`);
  } finally {
    other.closeAllConnections?.();
    await new Promise((r) => other.close(r));
  }
});

// ---- timing: refresh window, stale-on-failure, backoff (run concurrently, each on its own lane) ------

describe("refresh timing", { concurrency: true }, () => {
  test("refresh happens inside the skew window, the skew clamped to half the lifetime", async () => {
    const lane = mock.lane("tc-skew-clamped");
    lane.script({ normal: true, expiresIn: 6 });
    const c = client(lane, { refreshSkewSeconds: 300 }); // clamped to 3 s of a 6 s token
    const a = await c.getToken();
    assert.equal(a.expires_in, 6);
    const refreshAt = a.expires_at - 3000;

    await sleepUntil(a.expires_at - 6000 + 1000); // ~1 s after it was sent: fresh
    if (Date.now() < refreshAt - 200) {
      assert.equal(await c.getToken(), a);
      assert.equal(lane.count().token, 1, "no refresh before the window");
    }
    await sleepUntil(refreshAt + 300);
    const calledAt = Date.now();
    const b = await c.getToken();
    assert.ok(calledAt < a.expires_at, "called inside the window, before expiry (machine too slow?)");
    assert.notEqual(b.access_token, a.access_token, "refreshed inside the window");
    assert.equal(lane.count().token, 2);
    assert.equal(await c.getToken(), b);
  });

  test("a skew below half the lifetime is used as given", async () => {
    const lane = mock.lane("tc-skew-small");
    lane.script({ normal: true, expiresIn: 6 });
    const c = client(lane, { refreshSkewSeconds: 1 });
    const a = await c.getToken();
    const refreshAt = a.expires_at - 1000;
    await sleepUntil(a.expires_at - 6000 + 3300); // past half the lifetime, before the 1 s window
    if (Date.now() < refreshAt - 200) {
      assert.equal(await c.getToken(), a);
      assert.equal(lane.count().token, 1);
    }
    await sleepUntil(refreshAt + 200);
    const b = await c.getToken();
    assert.notEqual(b.access_token, a.access_token);
    assert.equal(lane.count().token, 2);
  });

  test("stale-on-failure: the unexpired token is served when a refresh fails; after expiry the error is thrown; then it recovers", async () => {
    const lane = mock.lane("tc-stale");
    lane.script({ normal: true, expiresIn: 4 });
    const c = client(lane, { retries: 0 }); // default skew 300 clamped to 2 s
    const a = await c.getToken();
    lane.script({ status: 503, repeat: 2 });

    await sleepUntil(a.expires_at - 2000 + 200); // inside the refresh window
    const s = await c.getToken();
    assert.equal(s, a, "the old token, not an error");
    assert.equal(lane.count().token, 2, "a refresh was attempted");
    assert.ok(Date.now() < a.expires_at);

    await sleepUntil(a.expires_at + 100);
    await assert.rejects(c.getToken(), isError("http_error", 503));
    assert.equal(lane.count().token, 3);

    // endpoint healthy again; the next call waits out the backoff (2 s after the 2nd failure) and succeeds
    const b = await c.getToken();
    assert.notEqual(b.access_token, a.access_token);
    assert.equal(lane.count().token, 4);
    const reqs = tokenRequests(lane);
    assert.ok(reqs[3].at - reqs[2].at >= 1950, `retried ${reqs[3].at - reqs[2].at} ms after the failure`);
    assert.equal(await c.getToken(), b);
  });

  test("failure backoff: a failing endpoint is not hammered while a valid token is served", async () => {
    const lane = mock.lane("tc-backoff");
    lane.script({ normal: true, expiresIn: 6 });
    const c = client(lane, { retries: 0 }); // refresh window: 3 s .. 6 s after sending
    const a = await c.getToken();
    lane.script({ status: 503, repeat: 1000 });
    await sleepUntil(a.expires_at - 3000 + 100);

    // a burst at the start of the window: one request
    const burst = await Promise.all(Array.from({ length: 200 }, () => c.getToken()));
    assert.ok(burst.every((t) => t === a));
    assert.equal(lane.count().token, 2);

    // then a steady stream of calls until shortly before expiry
    let calls = 0;
    while (Date.now() < a.expires_at - 300) {
      assert.equal(await c.getToken(), a);
      calls += 1;
      await sleep(20);
    }
    const failing = lane.count().token - 1;
    assert.ok(calls >= 20, `only ${calls} calls made`);
    // backoff 1 s, 2 s, ... within a window of < 3 s: at most 3 requests (2 expected)
    assert.ok(failing >= 1 && failing <= 3, `${failing} token requests for ${calls + 200} calls`);
    const reqs = tokenRequests(lane).slice(1);
    for (let i = 1; i < reqs.length; i++) {
      assert.ok(reqs[i].at - reqs[i - 1].at >= 950 * 2 ** (i - 1), "gaps double from 1 s");
    }
  });
});
