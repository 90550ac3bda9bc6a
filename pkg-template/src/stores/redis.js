// redisStore: the token under its key (get/set) and the fleet lease (stores/lease.js) through one Lua
// script per step, for node-redis (v4 and later) and ioredis. Keys: <key>, <key>:lease, <key>:failure
// (a single Redis or a primary with replicas; not Redis Cluster, where they may hash to other slots).
import { FAILURE_MEMORY_MS, checkKeyOwner, parseStored, wholeMs } from "./lease.js";
import * as scripts from "./redis-scripts.js";

const LEASE_SUFFIX = ":lease";
const FAILURE_SUFFIX = ":failure";

/** SHA-1 of a script, hex (for EVALSHA), with the runtime's Web Crypto. */
async function sha1(text) {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The snapshot array of the scripts as a LeaseState. */
function leaseState(reply) {
  if (!Array.isArray(reply) || reply.length < 7) throw new TypeError("redisStore: unexpected reply from the lease script");
  const [token, pttl, owner, failure, count, cooldown, acquired] = reply;
  const ttl = Number(pttl);
  const hasToken = token !== null && token !== undefined && token !== false;
  return {
    token: hasToken ? parseStored(token) : null,
    ttlMs: hasToken && ttl >= 0 ? ttl : null,
    lease: owner === null || owner === undefined || owner === false ? null : { owner: String(owner) },
    failure:
      failure === null || failure === undefined || failure === false
        ? null
        : { value: parseStored(failure), count: Number(count), cooldownMs: Number(cooldown) },
    acquired: Number(acquired) === 1,
  };
}

/** A connected Redis client: node-redis (v4 and later, set with { EX }) or ioredis (set with "EX"). */
export function redisStore(client) {
  if (!client || typeof client.get !== "function" || typeof client.set !== "function") {
    throw new TypeError("redisStore() needs a connected node-redis or ioredis client");
  }
  // node-redis clients expose isOpen; ioredis clients expose status and take positional options.
  const nodeRedis = typeof client.isOpen === "boolean";
  const shas = new Map();

  /** Run `script` with EVALSHA, falling back to EVAL (which caches it) when Redis does not know it. */
  async function run(script, keys, args) {
    const strArgs = args.map(String);
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = await sha1(script);
      shas.set(script, sha);
    }
    try {
      return nodeRedis
        ? await client.evalSha(sha, { keys, arguments: strArgs })
        : await client.evalsha(sha, keys.length, ...keys, ...strArgs);
    } catch (error) {
      if (!/NOSCRIPT/.test(String(error?.message ?? error))) throw error;
      return nodeRedis
        ? await client.eval(script, { keys, arguments: strArgs })
        : await client.eval(script, keys.length, ...keys, ...strArgs);
    }
  }
  const keysOf = (key) => [key, key + LEASE_SUFFIX, key + FAILURE_SUFFIX];

  return {
    async get(key) {
      return parseStored(await client.get(key));
    },
    async set(key, token, ttlSeconds) {
      const ttl = Math.max(1, Math.ceil(ttlSeconds));
      const value = JSON.stringify(token);
      if (nodeRedis) await client.set(key, value, { EX: ttl });
      else await client.set(key, value, "EX", ttl);
    },
    lease: {
      async read(key) {
        checkKeyOwner(key);
        return leaseState(await run(scripts.READ, keysOf(key), []));
      },
      async acquire(key, owner, ttlMs, freshAboveMs) {
        checkKeyOwner(key, owner);
        const fresh = freshAboveMs === null || freshAboveMs === undefined ? "" : Math.max(0, Math.floor(freshAboveMs));
        return leaseState(await run(scripts.ACQUIRE, keysOf(key), [owner, wholeMs(ttlMs), fresh]));
      },
      async publish(key, owner, token, ttlMs) {
        checkKeyOwner(key, owner);
        return Number(await run(scripts.PUBLISH, keysOf(key), [owner, JSON.stringify(token), wholeMs(ttlMs)])) === 1;
      },
      async fail(key, owner, failure, count, cooldownMs) {
        checkKeyOwner(key, owner);
        const args = [owner, JSON.stringify(failure ?? null), Math.max(1, Math.floor(count)), wholeMs(cooldownMs), FAILURE_MEMORY_MS];
        return Number(await run(scripts.FAIL, keysOf(key), args)) === 1;
      },
      async release(key, owner) {
        checkKeyOwner(key, owner);
        return Number(await run(scripts.RELEASE, keysOf(key), [owner])) === 1;
      },
    },
  };
}
