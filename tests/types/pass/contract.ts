// Must compile: every type of the public contract, used the way users use it. Types only: the file is
// never run (tsc --noEmit). Exact-type assertions catch a declaration that widened (or became `any`).
import {
  AltPayOAuthError,
  TokenClient,
  createOAuthToken,
  kvStore,
  redisStore,
  type AccessToken,
  type ClientOptions,
  type Environment,
  type ErrorCode,
  type KVNamespaceLike,
  type RedisClientLike,
  type TokenClientOptions,
  type TokenStore,
} from "altpay-oauth";

// ---- exact-type helpers ------------------------------------------------------------------------------
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;
function expectType<T extends true>(): void {}

// ---- Environment, ClientOptions -------------------------------------------------------------------------
expectType<Equals<Environment, "production" | "demo">>();
expectType<Equals<ClientOptions["clientId"], string>>();
expectType<Equals<ClientOptions["clientSecret"], string>>();
expectType<Equals<ClientOptions["environment"], Environment | undefined>>();
expectType<Equals<ClientOptions["baseUrl"], string | undefined>>();
expectType<Equals<ClientOptions["timeoutMs"], number | undefined>>();
expectType<Equals<ClientOptions["retries"], number | undefined>>();
expectType<Equals<ClientOptions["fetch"], typeof fetch | undefined>>();
expectType<Equals<keyof ClientOptions, "clientId" | "clientSecret" | "environment" | "baseUrl" | "timeoutMs" | "retries" | "fetch">>();

const minimal: ClientOptions = { clientId: "id", clientSecret: "secret" };
const full: ClientOptions = {
  clientId: "id",
  clientSecret: "secret",
  environment: "demo",
  baseUrl: "http://127.0.0.1:8787",
  timeoutMs: 5_000,
  retries: 0,
  fetch: (input, init) => fetch(input, init),
};

// ---- AccessToken ---------------------------------------------------------------------------------
expectType<Equals<AccessToken["access_token"], string>>();
expectType<Equals<AccessToken["token_type"], string>>();
expectType<Equals<AccessToken["expires_in"], number>>();
expectType<Equals<AccessToken["expires_at"], number>>();
expectType<Equals<AccessToken["scope"], string | undefined>>();
expectType<Equals<keyof AccessToken, "access_token" | "token_type" | "expires_in" | "expires_at" | "scope">>();

// ---- createOAuthToken ------------------------------------------------------------------------------
expectType<Equals<Parameters<typeof createOAuthToken>, [options: ClientOptions & { signal?: AbortSignal }]>>();
expectType<Equals<ReturnType<typeof createOAuthToken>, Promise<AccessToken>>>();

export async function oneToken(): Promise<string> {
  const token = await createOAuthToken({ ...minimal, signal: AbortSignal.timeout(1_000) });
  expectType<Equals<typeof token, AccessToken>>();
  const header: string = `${token.token_type} ${token.access_token}`;
  const msLeft: number = token.expires_at - Date.now();
  const scope: string | undefined = token.scope;
  void msLeft;
  void scope;
  await createOAuthToken(full);
  return header;
}

// ---- ErrorCode and AltPayOAuthError -------------------------------------------------------------------
expectType<
  Equals<
    ErrorCode,
    | "invalid_config"
    | "invalid_credentials"
    | "http_error"
    | "rate_limited"
    | "invalid_response"
    | "network_error"
    | "timeout"
    | "aborted"
  >
>();
expectType<Equals<AltPayOAuthError["name"], "AltPayOAuthError">>();
expectType<Equals<AltPayOAuthError["code"], ErrorCode>>();
expectType<Equals<AltPayOAuthError["status"], number | undefined>>();
expectType<Equals<AltPayOAuthError["details"], Record<string, string> | undefined>>();
expectType<Equals<AltPayOAuthError["retryAfter"], number | undefined>>();
expectType<Equals<AltPayOAuthError["message"], string>>();

/** Exhaustive: adding or removing a code breaks this switch. */
export function describe(code: ErrorCode): string {
  switch (code) {
    case "invalid_config":
      return "fix the options";
    case "invalid_credentials":
      return "check the client id and secret";
    case "http_error":
      return "unexpected HTTP status";
    case "rate_limited":
      return "slow down";
    case "invalid_response":
      return "the server sent something odd";
    case "network_error":
      return "network";
    case "timeout":
      return "too slow";
    case "aborted":
      return "cancelled";
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export async function handle(): Promise<void> {
  try {
    await createOAuthToken(minimal);
  } catch (e) {
    if (e instanceof AltPayOAuthError) {
      const err: Error = e;
      const code: ErrorCode = e.code;
      const status: number | undefined = e.status;
      const message: string | undefined = e.details?.["message"];
      const retryAfter: number | undefined = e.retryAfter;
      if (e.code === "rate_limited" && e.retryAfter !== undefined) {
        const wait: number = e.retryAfter * 1000;
        void wait;
      }
      void [err, code, status, message, retryAfter, describe(e.code)];
    }
  }
}

// ---- TokenClient, TokenStore ------------------------------------------------------------------------
expectType<Equals<TokenClientOptions["refreshSkewSeconds"], number | undefined>>();
expectType<Equals<TokenClientOptions["store"], TokenStore | undefined>>();
expectType<Equals<ConstructorParameters<typeof TokenClient>, [options: TokenClientOptions]>>();
expectType<Equals<Parameters<TokenClient["getToken"]>, [options?: { forceRefresh?: boolean; signal?: AbortSignal }]>>();
expectType<Equals<ReturnType<TokenClient["getToken"]>, Promise<AccessToken>>>();
expectType<Equals<Parameters<TokenClient["fetch"]>, [input: string | URL | Request, init?: RequestInit]>>();
expectType<Equals<ReturnType<TokenClient["fetch"]>, Promise<Response>>>();
expectType<Equals<ReturnType<TokenClient["clear"]>, void>>();
expectType<Equals<Parameters<TokenStore["get"]>, [key: string]>>();
expectType<Equals<ReturnType<TokenStore["get"]>, Promise<AccessToken | null | undefined>>>();
expectType<Equals<Parameters<TokenStore["set"]>, [key: string, token: AccessToken, ttlSeconds: number]>>();
expectType<Equals<ReturnType<TokenStore["set"]>, Promise<void>>>();
expectType<Equals<ReturnType<typeof kvStore>, TokenStore>>();
expectType<Equals<ReturnType<typeof redisStore>, TokenStore>>();
expectType<Equals<Parameters<typeof kvStore>, [namespace: KVNamespaceLike]>>();
expectType<Equals<Parameters<typeof redisStore>, [client: RedisClientLike]>>();

/** A hand-written store (a Map with expiry) satisfies TokenStore. */
export function memoryStore(): TokenStore {
  const m = new Map<string, { token: AccessToken; until: number }>();
  return {
    async get(key) {
      const hit = m.get(key);
      return hit && hit.until > Date.now() ? hit.token : null;
    },
    async set(key, token, ttlSeconds) {
      m.set(key, { token, until: Date.now() + ttlSeconds * 1000 });
    },
  };
}

export async function useClient(): Promise<Response> {
  const client = new TokenClient({ ...full, refreshSkewSeconds: 60, store: memoryStore() });
  const token: AccessToken = await client.getToken();
  await client.getToken({ forceRefresh: true, signal: new AbortController().signal });
  client.clear();
  void token;
  await client.fetch(new URL("https://public-api.alternativepayments.io/customers"));
  await client.fetch(new Request("https://public-api.alternativepayments.io/customers"));
  return client.fetch("/customers", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
}

// ---- no any anywhere in the public surface -------------------------------------------------------------
expectType<Equals<IsAny<Awaited<ReturnType<typeof createOAuthToken>>>, false>>();
expectType<Equals<IsAny<Awaited<ReturnType<TokenClient["getToken"]>>>, false>>();
expectType<Equals<IsAny<AltPayOAuthError["details"]>, false>>();
expectType<Equals<IsAny<Awaited<ReturnType<TokenStore["get"]>>>, false>>();
