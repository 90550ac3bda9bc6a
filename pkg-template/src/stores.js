// TokenStore adapters. Values are the AccessToken as JSON; the client checks every value it reads
// (shape and freshness), so a stale or foreign value is never used.

/** Cloudflare Workers KV: kvStore(env.TOKENS). KV's smallest expirationTtl is 60 s. */
export function kvStore(namespace) {
  if (!namespace || typeof namespace.get !== "function" || typeof namespace.put !== "function") {
    throw new TypeError("kvStore() needs a KV namespace binding (with get and put)");
  }
  return {
    async get(key) {
      const text = await namespace.get(key, "text");
      return text === null ? null : JSON.parse(text);
    },
    async set(key, token, ttlSeconds) {
      await namespace.put(key, JSON.stringify(token), { expirationTtl: Math.max(60, Math.ceil(ttlSeconds)) });
    },
  };
}

/** A connected Redis client: node-redis (v4 and later, set with { EX }) or ioredis (set with "EX"). */
export function redisStore(client) {
  if (!client || typeof client.get !== "function" || typeof client.set !== "function") {
    throw new TypeError("redisStore() needs a connected node-redis or ioredis client");
  }
  // node-redis clients expose isOpen; ioredis clients expose status and take positional options.
  const nodeRedis = typeof client.isOpen === "boolean";
  return {
    async get(key) {
      const text = await client.get(key);
      return text === null || text === undefined ? null : JSON.parse(String(text));
    },
    async set(key, token, ttlSeconds) {
      const ttl = Math.max(1, Math.ceil(ttlSeconds));
      const value = JSON.stringify(token);
      if (nodeRedis) await client.set(key, value, { EX: ttl });
      else await client.set(key, value, "EX", ttl);
    },
  };
}
