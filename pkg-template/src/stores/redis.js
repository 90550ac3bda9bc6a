// redisStore: the token under its key (get/set) and the fleet lease (stores/lease.js) through one Lua
// script per step, for node-redis (v4 and later) and ioredis. Keys: <key>, <key>:lease, <key>:failure
// (a single Redis or a primary with replicas; not Redis Cluster, where they may hash to other slots).
import { FAILURE_MEMORY_MS, checkKeyOwner, parseStored, wholeMs } from "./lease.js";
import { SCRIPT } from "./redis-script.js";

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
  let sha = null;

  /** One step: EVALSHA of the script, falling back to EVAL (which caches it) when Redis lacks it. */
  async function run(key, args) {
    const keys = [key, key + LEASE_SUFFIX, key + FAILURE_SUFFIX];
    const argv = args.map(String);
    sha ??= await sha1(SCRIPT);
    try {
      return nodeRedis
        ? await client.evalSha(sha, { keys, arguments: argv })
        : await client.evalsha(sha, keys.length, ...keys, ...argv);
    } catch (error) {
      if (!/NOSCRIPT/.test(String(error?.message ?? error))) throw error;
      return nodeRedis
        ? await client.eval(SCRIPT, { keys, arguments: argv })
        : await client.eval(SCRIPT, keys.length, ...keys, ...argv);
    }
  }
  const released = async (key, args) => Number(await run(key, args)) === 1;

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
        return leaseState(await run(key, ["s", ""]));
      },
      async acquire(key, owner, ttlMs, freshAboveMs) {
        checkKeyOwner(key, owner);
        const fresh = freshAboveMs === null || freshAboveMs === undefined ? "" : Math.max(0, Math.floor(freshAboveMs));
        return leaseState(await run(key, ["a", owner, wholeMs(ttlMs), fresh]));
      },
      async publish(key, owner, token, ttlMs) {
        checkKeyOwner(key, owner);
        return released(key, ["p", owner, JSON.stringify(token), wholeMs(ttlMs)]);
      },
      async fail(key, owner, failure, count, cooldownMs) {
        checkKeyOwner(key, owner);
        const n = Math.max(1, Math.floor(count));
        return released(key, ["f", owner, JSON.stringify(failure ?? null), n, wholeMs(cooldownMs), FAILURE_MEMORY_MS]);
      },
      async release(key, owner) {
        checkKeyOwner(key, owner);
        return released(key, ["r", owner]);
      },
    },
  };
}
