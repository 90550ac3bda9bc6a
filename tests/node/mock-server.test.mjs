// Tests for js/mock-server.mjs (run: node --test tests/node/)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { startMockServer } from "../../js/mock-server.mjs";

const MOCK_PATH = fileURLToPath(new URL("../../js/mock-server.mjs", import.meta.url));
const BASIC = "Basic " + Buffer.from("test-client:test-secret").toString("base64");
const FORM = "application/x-www-form-urlencoded";

let mock;
before(async () => {
  mock = await startMockServer({ port: 0 });
});
after(async () => {
  await mock.close();
});

function token(base, { auth = BASIC, body = "grant_type=client_credentials", contentType = FORM, signal } = {}) {
  const headers = { accept: "application/json" };
  if (auth) headers.authorization = auth;
  if (contentType) headers["content-type"] = contentType;
  return fetch(`${base}/oauth/token`, { method: "POST", headers, body, redirect: "manual", signal });
}

test("issues a valid token", async () => {
  const l = mock.lane("valid");
  const res = await token(l.baseUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^application\/json/);
  const json = await res.json();
  assert.match(json.access_token, /^[0-9a-f]{56}$/);
  assert.equal(json.expires_in, 3600);
  assert.equal(json.token_type, "bearer");
  assert.deepEqual(Object.keys(json), ["access_token", "expires_in", "token_type"]);
  // the default lane works too, without a prefix
  const res2 = await token(mock.url);
  assert.equal(res2.status, 200);
  assert.notEqual((await res2.json()).access_token, json.access_token);
});

test("403 for a wrong secret, a missing or a malformed Authorization", async () => {
  const l = mock.lane("creds");
  for (const auth of [
    "Basic " + Buffer.from("test-client:nope").toString("base64"),
    "Basic " + Buffer.from("other:test-secret").toString("base64"),
    null,
    "Basic !!!",
    "Bearer abc",
  ]) {
    const res = await token(l.baseUrl, { auth });
    assert.equal(res.status, 403, String(auth));
    assert.deepEqual(await res.json(), { message: "Invalid credentials" });
  }
});

test("400 for a wrong or missing grant_type, 405 for a wrong method", async () => {
  const l = mock.lane("grant");
  let res = await token(l.baseUrl, { body: "grant_type=password" });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: "unsupported_grant_type",
    error_description: "grant_type must be client_credentials",
  });
  res = await token(l.baseUrl, { body: "scope=x" });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "invalid_request");
  res = await token(l.baseUrl, { contentType: "application/json", body: '{"grant_type":"client_credentials"}' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "invalid_request");
  res = await fetch(`${l.baseUrl}/oauth/token`, { headers: { authorization: BASIC }, redirect: "manual" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "POST");
  await res.arrayBuffer();
});

test("lanes are isolated", async () => {
  const a = mock.lane("iso-a");
  const b = mock.lane("iso-b");
  a.script([{ status: 500 }]);
  const rb = await token(b.baseUrl);
  assert.equal(rb.status, 200, "lane b is not affected by lane a's script");
  const tokB = (await rb.json()).access_token;
  const ra = await token(a.baseUrl);
  assert.equal(ra.status, 500);
  await ra.arrayBuffer();
  assert.equal(a.log().length, 1);
  assert.equal(b.log().length, 1);
  // a token of lane b is not valid on lane a
  const ca = await fetch(`${a.baseUrl}/customers`, { headers: { authorization: `Bearer ${tokB}` } });
  assert.equal(ca.status, 401);
  await ca.arrayBuffer();
  const cb = await fetch(`${b.baseUrl}/customers`, { headers: { authorization: `Bearer ${tokB}` } });
  assert.equal(cb.status, 200);
  await cb.arrayBuffer();
});

test("a script [503, normal] is consumed in order, over HTTP control too", async () => {
  const l = mock.lane("script");
  const ctl = await fetch(`${mock.url}/__control/script/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ status: 503 }, { normal: true, expiresIn: 60, scope: "read", tokenType: "Bearer" }]),
  });
  assert.equal(ctl.status, 200);
  assert.deepEqual(await ctl.json(), { queued: 2 });
  const r1 = await token(l.baseUrl);
  assert.equal(r1.status, 503);
  assert.deepEqual(await r1.json(), { error: "temporarily_unavailable" });
  const r2 = await token(l.baseUrl);
  assert.equal(r2.status, 200);
  const j2 = await r2.json();
  assert.equal(j2.expires_in, 60);
  assert.equal(j2.scope, "read");
  assert.equal(j2.token_type, "Bearer");
  const r3 = await token(l.baseUrl);
  assert.equal(r3.status, 200);
  assert.equal((await r3.json()).expires_in, 3600);
  const count = await (await fetch(`${mock.url}/__control/script/count`)).json();
  assert.deepEqual(count, { token: 3, all: 3 });
});

test("repeat, headers, body, json, rawBytesBase64 and a redirect step", async () => {
  const l = mock.lane("steps");
  l.script([
    { status: 429, repeat: 2, headers: { "Retry-After": "7" } },
    { status: 200, body: "not json" },
    { json: { access_token: "x", token_type: "bearer", expires_in: "60" } },
    { rawBytesBase64: Buffer.from([0xff, 0xfe, 0x7b]).toString("base64") },
    { status: 302 },
  ]);
  for (let i = 0; i < 2; i++) {
    const r = await token(l.baseUrl);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("retry-after"), "7");
    await r.arrayBuffer();
  }
  assert.equal(await (await token(l.baseUrl)).text(), "not json");
  assert.deepEqual(await (await token(l.baseUrl)).json(), { access_token: "x", token_type: "bearer", expires_in: "60" });
  assert.deepEqual([...new Uint8Array(await (await token(l.baseUrl)).arrayBuffer())], [0xff, 0xfe, 0x7b]);
  const r = await token(l.baseUrl);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), `${l.baseUrl}/redirect-target`);
  await r.arrayBuffer();
  assert.equal(l.queued().length, 0);
  assert.ok(!l.log().some((e) => e.path === "/redirect-target"), "fetch with redirect: manual did not follow");
});

test("hang: close() returns promptly and the hung request fails", async () => {
  const m = await startMockServer();
  const l = m.lane("hang");
  l.script([{ hang: true }]);
  const pending = token(l.baseUrl).then(
    (r) => r.text(),
    (e) => e,
  );
  // wait until the request has arrived
  for (let i = 0; i < 100 && l.log().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(m.stats().inFlight, 1);
  const t0 = Date.now();
  await m.close();
  assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0}ms`);
  const outcome = await pending;
  assert.ok(outcome instanceof Error, "the hung request errors once the server closes");
});

test("bodyBytes 100 MiB to a client that aborts after 2 MiB keeps memory flat", async () => {
  const l = mock.lane("big");
  l.script([{ bodyBytes: 100 * 1024 * 1024 }]);
  const rss0 = process.memoryUsage().rss;
  const ac = new AbortController();
  const res = await token(l.baseUrl, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), null, "streamed chunked by default");
  const reader = res.body.getReader();
  let got = 0;
  let head = "";
  while (got < 2 * 1024 * 1024) {
    const { value, done } = await reader.read();
    if (done) break;
    if (head.length < 20) head += Buffer.from(value.subarray(0, 20)).toString();
    got += value.length;
  }
  assert.ok(head.startsWith('{"access_token":"aaa'), head);
  assert.ok(got >= 2 * 1024 * 1024);
  ac.abort();
  await reader.cancel().catch(() => {});
  // give the server a moment to notice and stop
  for (let i = 0; i < 100 && mock.stats().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const grown = process.memoryUsage().rss - rss0;
  assert.ok(grown < 200 * 1024 * 1024, `rss grew by ${Math.round(grown / 1048576)} MiB`);
  assert.equal(mock.stats().inFlight, 0, "server stopped streaming");
});

test("bodyBytes of a modest size is complete, valid JSON (also gzipped)", async () => {
  const l = mock.lane("big-small");
  l.script([{ bodyBytes: 300000, contentLength: true }, { bodyBytes: 300000, gzip: true }]);
  const r1 = await token(l.baseUrl);
  assert.equal(r1.headers.get("content-length"), "300000");
  const t1 = await r1.text();
  assert.equal(t1.length, 300000);
  assert.equal(JSON.parse(t1).token_type, "bearer");
  const r2 = await token(l.baseUrl);
  assert.equal(r2.headers.get("content-encoding"), "gzip");
  const t2 = await r2.text();
  assert.equal(t2.length, 300000);
  assert.equal(JSON.parse(t2).expires_in, 3600);
});

test("reset before headers and mid-body give client errors", async () => {
  const l = mock.lane("reset");
  l.script([{ reset: "before-headers" }, { reset: "mid-body" }, { json: { padding: "x".repeat(10000) }, reset: "mid-body" }]);
  await assert.rejects(token(l.baseUrl));
  for (let i = 0; i < 2; i++) {
    await assert.rejects(async () => {
      const r = await token(l.baseUrl);
      assert.equal(r.status, 200); // headers arrived, then the body breaks
      await r.text();
    });
  }
  // the server is still fine afterwards
  assert.equal((await token(l.baseUrl)).status, 200);
});

test("gzip step", async () => {
  const l = mock.lane("gzip");
  l.script([{ gzip: true }, { gzip: true, json: { hello: "world" }, status: 201 }]);
  const r1 = await token(l.baseUrl);
  assert.equal(r1.status, 200);
  assert.equal(r1.headers.get("content-encoding"), "gzip");
  assert.match((await r1.json()).access_token, /^[0-9a-f]{56}$/);
  const r2 = await token(l.baseUrl);
  assert.equal(r2.status, 201);
  assert.equal(Number(r2.headers.get("content-length")), gzipSync('{"hello":"world"}').length);
  assert.deepEqual(await r2.json(), { hello: "world" });
});

test("delayMs, bodyDelayMs and trickle deliver the full body late", async () => {
  const l = mock.lane("slow");
  l.script([{ delayMs: 150 }, { bodyDelayMs: 150 }, { trickle: { chunkBytes: 10, intervalMs: 5 } }]);
  let t0 = Date.now();
  let r = await token(l.baseUrl);
  assert.ok(Date.now() - t0 >= 140);
  assert.equal((await r.json()).token_type, "bearer");

  t0 = Date.now();
  r = await token(l.baseUrl);
  const headersAt = Date.now() - t0;
  assert.ok(headersAt < 140, `headers came after ${headersAt}ms`);
  assert.equal((await r.json()).token_type, "bearer");
  assert.ok(Date.now() - t0 >= 140);

  t0 = Date.now();
  r = await token(l.baseUrl);
  assert.equal((await r.json()).token_type, "bearer");
  assert.ok(Date.now() - t0 >= 30);
});

test("/customers: 200 with an issued token, 401 after revoke, POST echoes the body", async () => {
  const l = mock.lane("customers");
  const tok = (await (await token(l.baseUrl)).json()).access_token;
  const auth = { authorization: `Bearer ${tok}` };
  let r = await fetch(`${l.baseUrl}/customers`, { headers: auth });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { data: [{ id: "cus_1", name: "Ada" }] });

  r = await fetch(`${l.baseUrl}/customers`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: '{"name":"Grace"}',
  });
  assert.deepEqual(await r.json(), { received: '{"name":"Grace"}', contentType: "application/json" });

  r = await fetch(`${l.baseUrl}/customers`);
  assert.equal(r.status, 401);
  await r.arrayBuffer();

  const rv = await fetch(`${mock.url}/__control/customers/revoke`, { method: "POST" });
  assert.deepEqual(await rv.json(), { revoked: 1 });
  r = await fetch(`${l.baseUrl}/customers`, { headers: auth });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.deepEqual(await r.json(), { error: "invalid_token" });

  // expired tokens are rejected too
  l.script([{ normal: true, expiresIn: 0 }]);
  const expired = (await (await token(l.baseUrl)).json()).access_token;
  r = await fetch(`${l.baseUrl}/customers`, { headers: { authorization: `Bearer ${expired}` } });
  assert.equal(r.status, 401);
  await r.arrayBuffer();
});

test("log contents, count and reset", async () => {
  const l = mock.lane("log");
  const t0 = Date.now();
  await (await token(l.baseUrl)).arrayBuffer();
  await (await fetch(`${l.baseUrl}/nope?x=1`, { redirect: "manual" })).arrayBuffer();
  await (await fetch(`${l.baseUrl}/redirect-target`, { redirect: "manual" })).arrayBuffer();
  const viaHttp = await (await fetch(`${mock.url}/__control/log/log`)).json();
  const log = l.log();
  assert.deepEqual(viaHttp, log);
  assert.equal(log.length, 3);
  assert.deepEqual(
    log.map((e) => [e.method, e.path]),
    [
      ["POST", "/oauth/token"],
      ["GET", "/nope"],
      ["GET", "/redirect-target"],
    ],
  );
  assert.equal(log[0].headers.authorization, BASIC);
  assert.equal(log[0].headers["content-type"], FORM);
  assert.equal(log[0].body, "grant_type=client_credentials");
  assert.equal(log[1].url, "/lane/log/nope?x=1");
  assert.ok(log[0].at >= t0 - 5 && log[0].at <= Date.now());
  assert.ok(log[0].at <= log[1].at && log[1].at <= log[2].at);
  assert.deepEqual(l.count(), { token: 1, all: 3 });
  const rs = await fetch(`${mock.url}/__control/log/reset`, { method: "POST" });
  assert.equal(rs.status, 200);
  await rs.arrayBuffer();
  assert.deepEqual(l.log(), []);
  assert.deepEqual(l.count(), { token: 0, all: 0 });
});

test("errorRate, latencyMs, custom clients and expiresIn", async () => {
  const m = await startMockServer({ errorRate: 1, latencyMs: 60, clients: { a: "b" }, expiresIn: 5 });
  try {
    const auth = "Basic " + Buffer.from("a:b").toString("base64");
    const t0 = Date.now();
    const r = await token(m.url, { auth });
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { error: "temporarily_unavailable" });
    assert.ok(Date.now() - t0 >= 55);
    m.lane("default").script([{ normal: true }]); // scripted requests bypass errorRate
    const ok = await token(m.url, { auth });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).expires_in, 5);
  } finally {
    await m.close();
  }
});

test("staticDir serves files with the right content types", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "altpay-mock-"));
  writeFileSync(path.join(dir, "index.html"), "<!doctype html><p>hi</p>");
  writeFileSync(path.join(dir, "a.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(path.join(dir, "m.mjs"), "export {}");
  const m = await startMockServer({ staticDir: dir });
  try {
    let r = await fetch(`${m.url}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^text\/html/);
    assert.equal(await r.text(), "<!doctype html><p>hi</p>");
    r = await fetch(`${m.url}/a.wasm`);
    assert.equal(r.headers.get("content-type"), "application/wasm");
    assert.equal((await r.arrayBuffer()).byteLength, 4);
    r = await fetch(`${m.url}/m.mjs`);
    assert.match(r.headers.get("content-type"), /^text\/javascript/);
    await r.arrayBuffer();
    r = await fetch(`${m.url}/%2e%2e/%2e%2e/etc/passwd`);
    assert.equal(r.status, 404);
    await r.arrayBuffer();
    r = await fetch(`${m.url}/missing.js`);
    assert.equal(r.status, 404);
    await r.arrayBuffer();
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CLI prints the URL and credentials and stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [MOCK_PATH, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 5000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.split("\n").length >= 3) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  const lines = out.trim().split("\n");
  const m = /^altpay-oauth mock token server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.equal(lines[1], "client id: test-client  client secret: test-secret");
  const r = await token(m[1]);
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  const code = await new Promise((resolve) => {
    child.once("exit", (c) => resolve(c));
    child.kill("SIGTERM");
  });
  assert.equal(code, 0);
});
