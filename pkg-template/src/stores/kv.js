// Cloudflare Workers KV: a best-effort read cache. KV is eventually consistent, has no atomic write and
// caches "not found" for a while, so it cannot offer a lease: with kvStore a fleet still makes
// duplicate token requests at cold start (durableObjectStore prevents them).

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
