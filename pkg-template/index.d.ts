/**
 * altpay-oauth: OAuth2 client-credentials access tokens for the Alternative Payments API,
 * fetched through the runtime's own `fetch`. These declarations are the whole public API.
 */

/** Which Alternative Payments environment to talk to. Tokens of one do not work in the other. */
export type Environment = "production" | "demo";

/** Options of one token request. */
export interface ClientOptions {
  /** The API key's client id (the Basic auth user name). */
  clientId: string;
  /** The API key's client secret. Never appears in errors, logs or `JSON.stringify` of anything returned. */
  clientSecret: string;
  /** Default "production". */
  environment?: Environment;
  /** Overrides `environment`; https only, http allowed for loopback hosts. */
  baseUrl?: string;
  /** Per attempt, default 10000. */
  timeoutMs?: number;
  /** Extra attempts after a network error, 5xx or 429; default 2. */
  retries?: number;
  /** Custom fetch; default: the runtime's global fetch. */
  fetch?: typeof fetch;
}

/** A token as the endpoint returned it, plus `expires_at`. Frozen (cached tokens are shared): read-only. */
export interface AccessToken {
  readonly access_token: string;
  /** As sent; accepted only if it equals "bearer" ignoring case. */
  readonly token_type: string;
  /** Seconds, as sent. */
  readonly expires_in: number;
  /** Epoch milliseconds: time the request was sent + expires_in. */
  readonly expires_at: number;
  /** Present when the server sends it. */
  readonly scope?: string;
}

/** One POST /oauth/token (operationId createOAuthToken). No cache. */
export function createOAuthToken(options: ClientOptions & { signal?: AbortSignal }): Promise<AccessToken>;

/** Options of a {@link TokenClient}. */
export interface TokenClientOptions extends ClientOptions {
  /** Default 300, never more than half the token's lifetime. */
  refreshSkewSeconds?: number;
  /** Shared cache across processes / isolates. */
  store?: TokenStore;
  /**
   * Called (never thrown) when the store fails, times out (1 s), returns a value that is not an
   * AccessToken, or the lease ran out before this client wrote its token; `error.kind` says which.
   * The client then goes on without the store (a normal token request, or its token kept locally).
   */
  onStoreError?: (error: StoreError) => void;
  /**
   * Called (never thrown) with what this client did in its fleet, when the store offers a lease:
   * it took the lease and requested, waited for another member, requested by itself (fell back),
   * or shared a failure with its cooldown.
   */
  onFleetEvent?: (event: FleetEvent) => void;
}

/** What went wrong with the store, in `StoreError.kind`. */
export type StoreErrorKind =
  /** A store call failed, or did not answer within the store-call bound (1 s). */
  | "store_failed"
  /** The stored value is not an AccessToken; the next good token overwrites it. */
  | "not_a_token"
  /** The lease ran out before this client wrote its token (another member may have requested too). */
  | "lease_lost";

/** The errors `onStoreError` receives (`code` is "network_error"). */
export interface StoreError extends AltPayOAuthError {
  kind: StoreErrorKind;
}

/** What a client did in its fleet (see `onFleetEvent`). */
export type FleetEvent =
  | { type: "lease_taken" }
  | { type: "waited"; ms: number; polls: number }
  | { type: "fell_back"; reason: "store_down" | "budget_spent" }
  | { type: "failure_shared"; cooldownMs: number; count: number }
  | { type: "lease_lost" };

/** Cached, eagerly refreshed, single-flight tokens, and a `fetch` that adds them. */
export class TokenClient {
  /** @throws AltPayOAuthError with code "invalid_config" */
  constructor(options: TokenClientOptions);
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<AccessToken>;
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  clear(): void;
}

/** A shared token cache. The key names base URL + client id and never contains the secret. */
export interface TokenStore {
  get(key: string): Promise<AccessToken | null | undefined>;
  set(key: string, token: AccessToken, ttlSeconds: number): Promise<void>;
  /**
   * A lease, if the store can offer one atomically (redisStore and durableObjectStore do, kvStore
   * cannot): one member of a fleet requests a token, the others wait for it. See docs/fleet.md.
   */
  lease?: TokenLease;
}

/** A failure shared with the fleet: what the other members throw during its cooldown. No secret. */
export interface SharedFailure {
  code: ErrorCode;
  status?: number;
  retryAfter?: number;
  message?: string;
}

/** The shared state under a store key, as one lease call saw it. */
export interface LeaseState {
  /** The stored value (null when absent; not necessarily a valid token: the client checks it). */
  token: unknown;
  /** Its remaining lifetime by the store's own clock (its TTL), ms; null when absent or no expiry. */
  ttlMs: number | null;
  /** The live lease. */
  lease: { owner: string } | null;
  /** The last failure: its cooldown left (0 when over; the count is remembered a while longer). */
  failure: { value: unknown; count: number; cooldownMs: number } | null;
  /** For `acquire`: whether the lease is now the caller's. */
  acquired: boolean;
}

/** The lease of a {@link TokenStore}: every call is atomic in the store. Owners are random values. */
export interface TokenLease {
  read(key: string): Promise<LeaseState>;
  /**
   * Take (or renew) the lease for `ttlMs`, refused while another owner's lease is live, a failure is
   * in its cooldown, or a token has more than `freshAboveMs` left (`null`: tokens do not count).
   */
  acquire(key: string, owner: string, ttlMs: number, freshAboveMs: number | null): Promise<LeaseState>;
  /** Write the token with a TTL, clear the failure, then release the lease if `owner` holds it (true). */
  publish(key: string, owner: string, token: AccessToken, ttlMs: number): Promise<boolean>;
  /** Write the failure with its count and cooldown, then release the lease if `owner` holds it (true). */
  fail(key: string, owner: string, failure: SharedFailure, count: number, cooldownMs: number): Promise<boolean>;
  /** Release the lease if `owner` holds it (compare-and-delete); true if it did. */
  release(key: string, owner: string): Promise<boolean>;
}

/** The methods of a Cloudflare Workers KV namespace binding that {@link kvStore} calls. */
export interface KVNamespaceLike {
  get(key: string, type: "text"): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

/** The methods of a connected node-redis (v4 and later) client that {@link redisStore} calls. */
export interface NodeRedisClientLike {
  get(key: string): Promise<string | null | {}>;
  set(key: string, value: string, options: { EX: number }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  isOpen: boolean;
}

/** The methods of a connected ioredis client that {@link redisStore} calls. */
export interface IORedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, secondsToken: "EX", seconds: number | string): Promise<unknown>;
  eval(script: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  evalsha(sha1: string, numkeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** A connected Redis client: node-redis (v4 and later) or ioredis. */
export type RedisClientLike = NodeRedisClientLike | IORedisClientLike;

/** Adapter for a Cloudflare Workers KV namespace binding, e.g. kvStore(env.TOKENS). */
export function kvStore(namespace: KVNamespaceLike): TokenStore;
/**
 * Adapter for a connected Redis client: node-redis (v4 and later) and ioredis are both accepted.
 * Offers the lease (one Lua script per step; keys `<key>`, `<key>:lease`, `<key>:failure`).
 */
export function redisStore(client: RedisClientLike): TokenStore;

/** The methods of a Durable Object namespace binding that {@link durableObjectStore} calls. */
export interface DurableObjectNamespaceLike<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * Cloudflare: a store backed by a Durable Object namespace bound to {@link TokenStoreObject}, e.g.
 * durableObjectStore(env.TOKEN_STORE). One object per fleet (named "altpay-oauth" unless `name`),
 * strongly consistent, with the lease.
 */
export function durableObjectStore<Id>(
  namespace: DurableObjectNamespaceLike<Id>,
  options?: { name?: string },
): TokenStore;

/** The parts of a Durable Object's state that {@link TokenStoreObject} uses. */
export interface DurableObjectStateLike {
  storage: {
    list(options: { prefix: string }): Promise<Map<string, unknown>>;
    put(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<boolean>;
  };
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/**
 * The Durable Object class a Worker exports (`export { TokenStoreObject } from "altpay-oauth"`) and
 * binds for durableObjectStore. Keeps tokens, the lease and the last failure; never holds the secret.
 */
export class TokenStoreObject {
  constructor(state: DurableObjectStateLike, env: unknown);
  fetch(request: Request): Promise<Response>;
}

/** What went wrong. */
export type ErrorCode =
  | "invalid_config"
  | "invalid_credentials"
  | "http_error"
  | "rate_limited"
  | "invalid_response"
  | "network_error"
  | "timeout"
  | "aborted";

/** The one error type of altpay-oauth. Never holds the client secret. */
export class AltPayOAuthError extends Error {
  constructor(
    code: ErrorCode,
    message: string,
    init?: { status?: number; details?: Record<string, string>; retryAfter?: number },
  );
  name: "AltPayOAuthError";
  code: ErrorCode;
  /** HTTP status when there was a response. */
  status?: number;
  /** The server's error object (403 body, RFC 6749 error fields). */
  details?: Record<string, string>;
  /** Seconds, from Retry-After, when the server sent one. */
  retryAfter?: number;
}
