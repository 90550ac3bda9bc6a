// The lease a TokenStore may offer, shared by redisStore and durableObjectStore: one member of a fleet
// takes the lease and requests a token, the others wait for the token or the failure it shares.
// The protocol's decisions live in Rust (src/lease.rs); a store only keeps three things under the
// token's key, each call atomic:
//   - the token (its remaining lifetime is the store's own TTL, never another machine's clock),
//   - the lease: one owner value, expiring on its own,
//   - the last failure with a count and a cooldown measured on the store's single clock.
//
// store.lease = {
//   read(key)                                        -> LeaseState
//   acquire(key, owner, ttlMs, freshAboveMs | null)  -> LeaseState (acquired: true when now ours)
//   publish(key, owner, token, ttlMs)                -> boolean: our lease was still there and is released
//   fail(key, owner, failure, count, cooldownMs)     -> boolean: the same
//   release(key, owner)                              -> boolean: the same (compare-and-delete)
// }
// LeaseState = { token: unknown, ttlMs: number | null, lease: { owner } | null,
//                failure: { value, count, cooldownMs } | null, acquired: boolean }
// `token` is the stored value as parsed (null when absent, the raw text when it is not JSON: the
// client checks it and reports "not_a_token"); `ttlMs` is null when the value has no expiry.

/** How long a failure's count is remembered after its cooldown (cooldowns grow through an outage). */
export const FAILURE_MEMORY_MS = 60_000;

/** The stored text as a value: parsed JSON, or the text itself when it is not JSON. */
export function parseStored(text) {
  if (text === null || text === undefined) return null;
  const s = String(text);
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Whether a stored value looks like a token, for the stores' own decisions (the client checks fully). */
export function looksLikeToken(value) {
  return value !== null && typeof value === "object" && typeof value.access_token === "string" && value.access_token !== "";
}

/** A positive whole number of milliseconds (stores need integers), at least 1. */
export function wholeMs(ms) {
  const n = Math.floor(Number(ms));
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`a positive number of milliseconds is required, got ${ms}`);
  return n;
}

/** Check the arguments every lease call takes. */
export function checkKeyOwner(key, owner) {
  if (typeof key !== "string" || key === "") throw new TypeError("lease: key must be a non-empty string");
  if (owner !== undefined && (typeof owner !== "string" || owner === "")) {
    throw new TypeError("lease: owner must be a non-empty string");
  }
}
