// Cloudflare: durableObjectStore(namespace) and the Durable Object class TokenStoreObject it talks to.
// One object per fleet (idFromName("altpay-oauth") by default) is the fleet's strongly consistent
// store: a single instance handles one request at a time, so every step is atomic without locks.
// Its storage keeps the token (and the lease and the last failure) across restarts. It never sees the
// client secret: only tokens, owner values and failure summaries travel to it, as JSON over fetch.
import { FAILURE_MEMORY_MS, checkKeyOwner, looksLikeToken, wholeMs } from "./lease.js";

/** The object's name in the namespace: one per fleet. */
export const DEFAULT_OBJECT_NAME = "altpay-oauth";
/** The URL the stub is fetched with (never leaves the Workers runtime). */
const ENDPOINT = "https://altpay-oauth.token-store/";

/**
 * The Durable Object a Worker exports and binds for durableObjectStore:
 *   export { TokenStoreObject } from "altpay-oauth";
 * Protocol: POST JSON { op, key, ... } -> JSON (see durableObjectStore below).
 */
export class TokenStoreObject {
  #storage;
  /** key -> { token: {value, expiresAt}?, lease: {owner, until}?, failure: {value, count, until, forgetAt}? } */
  #entries = new Map();

  constructor(state, env) {
    void env; // the object needs no bindings (and never gets the client secret)
    this.#storage = state.storage;
    state.blockConcurrencyWhile(async () => {
      const stored = await this.#storage.list({ prefix: "entry:" });
      for (const [name, entry] of stored) this.#entries.set(name.slice("entry:".length), entry);
    });
  }

  /** The entry of `key` with what has expired removed (at this object's clock, `now`), and whether
   * anything was. */
  #entry(key, now) {
    const e = this.#entries.get(key) ?? {};
    let expired = false;
    for (const [field, end] of [["token", "expiresAt"], ["lease", "until"], ["failure", "forgetAt"]]) {
      if (e[field] && e[field][end] <= now) {
        delete e[field];
        expired = true;
      }
    }
    return [e, expired];
  }

  #save(key, e) {
    if (e.token || e.lease || e.failure) {
      this.#entries.set(key, e);
      this.#storage.put(`entry:${key}`, e);
    } else {
      this.#entries.delete(key);
      this.#storage.delete(`entry:${key}`);
    }
  }

  /** One step of the protocol; synchronous over memory, so atomic (storage writes are write-behind). */
  #handle(req) {
    const now = Date.now();
    const { op, key, owner } = req;
    checkKeyOwner(key, op === "get" || op === "set" || op === "read" ? undefined : owner);
    const [e, expired] = this.#entry(key, now);
    let result;
    switch (op) {
      case "get":
        result = e.token ? e.token.value : null;
        break;
      case "set":
        e.token = { value: req.token, expiresAt: now + wholeMs(req.ttlMs) };
        result = null;
        break;
      case "read":
        result = entryState(e, now, false);
        break;
      case "acquire": {
        const fresh = req.freshAboveMs;
        const blocked =
          (e.lease && e.lease.owner !== owner) ||
          (e.failure && e.failure.until > now) ||
          (typeof fresh === "number" && e.token && e.token.expiresAt - now > fresh && looksLikeToken(e.token.value));
        if (!blocked) e.lease = { owner, until: now + wholeMs(req.ttlMs) };
        result = entryState(e, now, !blocked);
        break;
      }
      case "publish":
        e.token = { value: req.token, expiresAt: now + wholeMs(req.ttlMs) };
        delete e.failure;
        result = releaseLease(e, owner);
        break;
      case "fail": {
        const cooldown = wholeMs(req.cooldownMs);
        const count = Math.max(1, Math.floor(Number(req.count) || 1));
        e.failure = { value: req.failure ?? null, count, until: now + cooldown, forgetAt: now + cooldown + FAILURE_MEMORY_MS };
        result = releaseLease(e, owner);
        break;
      }
      case "release":
        result = releaseLease(e, owner);
        break;
      default:
        throw new TypeError(`unknown operation ${JSON.stringify(op)}`);
    }
    if (expired || !(op === "get" || op === "read")) this.#save(key, e);
    return result;
  }

  async fetch(request) {
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    let req;
    try {
      req = await request.json();
    } catch {
      return Response.json({ error: "the body is not JSON" }, { status: 400 });
    }
    try {
      return Response.json({ result: this.#handle(req ?? {}) });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 400 });
    }
  }
}

/** What `read` and `acquire` answer about an entry. */
function entryState(e, now, acquired) {
  return {
    token: e.token ? e.token.value : null,
    ttlMs: e.token ? e.token.expiresAt - now : null,
    lease: e.lease ? { owner: e.lease.owner } : null,
    failure: e.failure
      ? { value: e.failure.value, count: e.failure.count, cooldownMs: Math.max(0, e.failure.until - now) }
      : null,
    acquired,
  };
}

/** Drop `owner`'s lease, if it holds it. */
function releaseLease(e, owner) {
  if (e.lease && e.lease.owner === owner) {
    delete e.lease;
    return true;
  }
  return false;
}

/**
 * A TokenStore (with the lease) backed by the Durable Object class TokenStoreObject, bound as
 * `namespace` (e.g. env.TOKEN_STORE). All members of a fleet use the same object, named `name`.
 */
export function durableObjectStore(namespace, options) {
  if (!namespace || typeof namespace.idFromName !== "function" || typeof namespace.get !== "function") {
    throw new TypeError("durableObjectStore() needs a Durable Object namespace binding (bound to TokenStoreObject)");
  }
  const name = options?.name ?? DEFAULT_OBJECT_NAME;
  let stub = null;
  async function call(body) {
    stub ??= namespace.get(namespace.idFromName(name));
    const res = await stub.fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const reply = await res.json();
    if (!res.ok) throw new Error(`TokenStoreObject: ${reply?.error ?? `HTTP ${res.status}`}`);
    return reply.result;
  }
  return {
    get: (key) => call({ op: "get", key }),
    async set(key, token, ttlSeconds) {
      await call({ op: "set", key, token, ttlMs: Math.max(1, Math.ceil(ttlSeconds)) * 1000 });
    },
    lease: {
      read: (key) => call({ op: "read", key }),
      acquire: (key, owner, ttlMs, freshAboveMs) =>
        call({ op: "acquire", key, owner, ttlMs, freshAboveMs: freshAboveMs ?? null }),
      publish: (key, owner, token, ttlMs) => call({ op: "publish", key, owner, token, ttlMs }),
      fail: (key, owner, failure, count, cooldownMs) => call({ op: "fail", key, owner, failure, count, cooldownMs }),
      release: (key, owner) => call({ op: "release", key, owner }),
    },
  };
}
