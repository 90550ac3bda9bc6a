// The lease of redisStore against a real redis-server, through node-redis and ioredis: the Lua scripts
// themselves (no mock of Redis). Run: node --test tests/stores/
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { redisStore } from "../../pkg-template/src/stores/redis.js";
import { NO_REDIS, startRedis, freePort } from "./support/redis-server.mjs";

const token = (name, extra = {}) => ({
  access_token: `tok-${name}`,
  token_type: "bearer",
  expires_in: 3600,
  expires_at: Date.now() + 3_600_000,
  ...extra,
});
const owner = () => randomUUID().replaceAll("-", "");

describe("redisStore lease against a real redis-server", { skip: NO_REDIS }, () => {
  let redis;
  const clients = [];
  let redisLib;
  let Redis;
  before(async () => {
    redis = await startRedis();
    redisLib = await import("redis");
    ({ Redis } = await import("ioredis"));
  });
  after(async () => {
    for (const c of clients) {
      if (typeof c.isOpen === "boolean") await c.quit().catch(() => {});
      else c.disconnect();
    }
    await redis?.stop();
  });

  async function connect(kind, url = redis.url) {
    if (kind === "node-redis") {
      const c = redisLib.createClient({ url });
      c.on("error", () => {});
      await c.connect();
      clients.push(c);
      return c;
    }
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on("error", () => {});
    await c.connect();
    clients.push(c);
    return c;
  }

  for (const kind of ["node-redis", "ioredis"]) {
    describe(kind, () => {
      let raw;
      let store;
      before(async () => {
        raw = await connect(kind);
        store = redisStore(raw);
      });
      const key = (name) => `altpay-oauth:test:${kind}:${name}:${randomUUID()}`;

      test("an empty key: no token, lease or failure", async () => {
        assert.deepEqual(await store.lease.read(key("empty")), {
          token: null,
          ttlMs: null,
          lease: null,
          failure: null,
          acquired: false,
        });
      });

      test("200 concurrent acquires over 20 connections of both libraries: exactly one owner", async () => {
        const k = key("race");
        const pool = [];
        for (let i = 0; i < 10; i++) pool.push(redisStore(await connect("node-redis")), redisStore(await connect("ioredis")));
        const owners = Array.from({ length: 200 }, owner);
        const states = await Promise.all(owners.map((o, i) => pool[i % pool.length].lease.acquire(k, o, 10_000, 300_000)));
        const winners = states.filter((s) => s.acquired);
        assert.equal(winners.length, 1);
        const winner = owners[states.indexOf(winners[0])];
        assert.equal(winners[0].lease.owner, winner);
        for (const s of states) assert.equal(s.lease.owner, winner, "every loser sees the winner's lease");
        const pttl = await raw.pTTL?.(`${k}:lease`) ?? (await raw.pttl(`${k}:lease`));
        assert.ok(pttl > 9_000 && pttl <= 10_000, `lease PTTL ${pttl}`);
        // the holder renews its own lease
        assert.equal((await store.lease.acquire(k, winner, 20_000, 300_000)).acquired, true);
      });

      test("a lease expires on its own, then another owner takes it", async () => {
        const k = key("expiry");
        const [a, b] = [owner(), owner()];
        assert.equal((await store.lease.acquire(k, a, 300, null)).acquired, true);
        assert.equal((await store.lease.acquire(k, b, 300, null)).acquired, false);
        await sleep(400);
        assert.equal((await store.lease.read(k)).lease, null);
        const s = await store.lease.acquire(k, b, 300, null);
        assert.equal(s.acquired, true);
        assert.deepEqual(s.lease, { owner: b });
      });

      test("release is compare-and-delete", async () => {
        const k = key("release");
        const [a, b] = [owner(), owner()];
        await store.lease.acquire(k, a, 10_000, null);
        assert.equal(await store.lease.release(k, b), false, "not the owner");
        assert.deepEqual((await store.lease.read(k)).lease, { owner: a });
        assert.equal(await store.lease.release(k, a), true);
        assert.equal((await store.lease.read(k)).lease, null);
        assert.equal(await store.lease.release(k, a), false, "already gone");
      });

      test("publish writes the token with its TTL, clears the failure and releases the lease", async () => {
        const k = key("publish");
        const a = owner();
        await store.lease.acquire(k, a, 10_000, 300_000);
        await store.lease.fail(k, owner(), { code: "http_error" }, 1, 1); // an old failure to clear
        const t = token("published");
        assert.equal(await store.lease.publish(k, a, t, 5_000), true);
        const s = await store.lease.read(k);
        assert.deepEqual(s.token, t);
        assert.ok(s.ttlMs > 4_000 && s.ttlMs <= 5_000, `ttl ${s.ttlMs}`);
        assert.equal(s.lease, null);
        assert.equal(s.failure, null);
        // the plain get() sees it too (same key)
        assert.deepEqual(await store.get(k), t);
        // fresh above 1 s: refused, with the token; fresh above 10 s: granted; null: tokens ignored
        const refused = await store.lease.acquire(k, owner(), 10_000, 1_000);
        assert.equal(refused.acquired, false);
        assert.deepEqual(refused.token, t);
        const b = owner();
        assert.equal((await store.lease.acquire(k, b, 10_000, 10_000)).acquired, true);
        await store.lease.release(k, b);
        assert.equal((await store.lease.acquire(k, owner(), 10_000, null)).acquired, true);
        // a holder whose lease was lost still writes its token, and says so
        const late = token("late");
        assert.equal(await store.lease.publish(k, a, late, 5_000), false);
        assert.deepEqual((await store.lease.read(k)).token, late);
      });

      test("a shared failure: cooldown on the server's clock, count remembered after it", async () => {
        const k = key("failure");
        const a = owner();
        await store.lease.acquire(k, a, 10_000, 300_000);
        const failure = { code: "rate_limited", status: 429, retryAfter: 1 };
        assert.equal(await store.lease.fail(k, a, failure, 2, 500), true, "releases the lease");
        const s = await store.lease.read(k);
        assert.equal(s.lease, null);
        assert.deepEqual(s.failure.value, failure);
        assert.equal(s.failure.count, 2);
        assert.ok(s.failure.cooldownMs > 0 && s.failure.cooldownMs <= 500, `cooldown ${s.failure.cooldownMs}`);
        const refused = await store.lease.acquire(k, owner(), 10_000, 300_000);
        assert.equal(refused.acquired, false, "no lease during the cooldown");
        assert.equal(refused.lease, null);
        await sleep(600);
        const after = await store.lease.read(k);
        assert.equal(after.failure.cooldownMs, 0);
        assert.equal(after.failure.count, 2, "remembered after the cooldown");
        const pttl = kind === "node-redis" ? await raw.pTTL(`${k}:failure`) : await raw.pttl(`${k}:failure`);
        assert.ok(pttl > 55_000 && pttl <= 60_500, `failure kept ${pttl} ms`);
        assert.equal((await store.lease.acquire(k, owner(), 10_000, 300_000)).acquired, true);
        // the next good token clears it
        await store.lease.publish(k, owner(), token("after-outage"), 5_000);
        assert.equal((await store.lease.read(k)).failure, null);
      });

      test("a value that is not a token: reported as is, does not block the lease, overwritten", async () => {
        const k = key("garbage");
        if (kind === "node-redis") await raw.set(k, "not json");
        else await raw.set(k, "not json");
        assert.equal(await store.get(k), "not json", "get() returns the raw text (the client reports not_a_token)");
        let s = await store.lease.read(k);
        assert.equal(s.token, "not json");
        assert.equal(s.ttlMs, null, "no expiry");
        const a = owner();
        s = await store.lease.acquire(k, a, 10_000, 0);
        assert.equal(s.acquired, true, "garbage does not count as a fresh token");
        // JSON that is not a token either
        await raw.set(k, JSON.stringify({ foo: 1 }));
        assert.equal((await store.lease.acquire(k, a, 10_000, 0)).acquired, true);
        const t = token("good");
        await store.lease.publish(k, a, t, 5_000);
        assert.deepEqual(await store.get(k), t);
      });

      test("scripts run again after SCRIPT FLUSH (EVALSHA falls back to EVAL)", async () => {
        const k = key("flush");
        await store.lease.read(k);
        if (kind === "node-redis") await raw.scriptFlush();
        else await raw.script("FLUSH");
        const a = owner();
        assert.equal((await store.lease.acquire(k, a, 10_000, null)).acquired, true);
        assert.equal(await store.lease.release(k, a), true);
      });

      test("CLIENT PAUSE 1500: a lease call waits past the 1 s store bound, then is carried out", async () => {
        const k = key("pause");
        const admin = await connect(kind);
        const a = owner();
        if (kind === "node-redis") await admin.sendCommand(["CLIENT", "PAUSE", "1500"]);
        else await admin.call("CLIENT", "PAUSE", "1500");
        const t0 = Date.now();
        const call = store.lease.acquire(k, a, 10_000, 300_000);
        const bound = await Promise.race([call.then(() => "answered"), sleep(1_000).then(() => "timed out")]);
        assert.equal(bound, "timed out", "slow, not down: no error before the bound");
        const s = await call;
        const took = Date.now() - t0;
        assert.ok(took >= 1_300, `answered after ${took} ms`);
        assert.equal(s.acquired, true);
        // the member that timed out recognises its lease by its owner on the next read, and releases
        assert.deepEqual((await store.lease.read(k)).lease, { owner: a });
        assert.equal(await store.lease.release(k, a), true);
        assert.equal((await store.lease.read(k)).lease, null, "no lease left behind");
      });

      test("argument checks", async () => {
        await assert.rejects(store.lease.acquire("", owner(), 1000, null), TypeError);
        await assert.rejects(store.lease.acquire(key("args"), "", 1000, null), TypeError);
        await assert.rejects(store.lease.acquire(key("args"), owner(), 0, null), RangeError);
        await assert.rejects(store.lease.publish(key("args"), owner(), token("x"), Number.NaN), RangeError);
      });
    });
  }

  test("Redis unreachable: lease calls reject (the client falls back to a request by itself)", async () => {
    const dead = await freePort();
    const closed = redisLib.createClient({ url: `redis://127.0.0.1:${dead}` });
    closed.on("error", () => {});
    const failFast = new Redis({ port: dead, host: "127.0.0.1", lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    failFast.on("error", () => {});
    try {
      for (const c of [closed, failFast]) {
        const t0 = Date.now();
        await assert.rejects(redisStore(c).lease.read("altpay-oauth:test:down"));
        assert.ok(Date.now() - t0 < 1_000, "fails fast: down, not slow");
      }
    } finally {
      failFast.disconnect();
    }
  });
});
