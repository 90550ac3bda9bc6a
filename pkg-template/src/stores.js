// TokenStore adapters. Values are the AccessToken as JSON; the client checks every value it reads
// (shape and freshness), so a stale or foreign value is never used. redisStore and durableObjectStore
// also offer a lease (see stores/lease.js): one member of a fleet refreshes, the others wait for it.
export { kvStore } from "./stores/kv.js";
export { redisStore } from "./stores/redis.js";
export { durableObjectStore, TokenStoreObject } from "./stores/durable-object.js";
