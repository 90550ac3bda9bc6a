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
   * Called (never thrown) when the store fails, times out (1 s) or returns a value that is not an
   * AccessToken; the client then falls back to a normal token request.
   */
  onStoreError?: (error: AltPayOAuthError) => void;
}

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
  isOpen: boolean;
}

/** The methods of a connected ioredis client that {@link redisStore} calls. */
export interface IORedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, secondsToken: "EX", seconds: number | string): Promise<unknown>;
}

/** A connected Redis client: node-redis (v4 and later) or ioredis. */
export type RedisClientLike = NodeRedisClientLike | IORedisClientLike;

/** Adapter for a Cloudflare Workers KV namespace binding, e.g. kvStore(env.TOKENS). */
export function kvStore(namespace: KVNamespaceLike): TokenStore;
/** Adapter for a connected Redis client: node-redis (v4 and later) and ioredis are both accepted. */
export function redisStore(client: RedisClientLike): TokenStore;

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
