// The contenders: each factory takes the token server's base URL and returns `() => Promise<token>`
// doing one client-credentials token request (no caching). All of them use the runtime's global fetch
// (undici in Node, keep-alive pooled), so the transport is the same for everyone.
import * as oauth from "oauth4webapi";
import { OAuth2Client, OAuth2Fetch } from "@badgateway/oauth2-client";
import * as openid from "openid-client";
import { CLIENT_ID, CLIENT_SECRET, ROOT } from "./lib.mjs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const altpay = await import(pathToFileURL(join(ROOT, "pkg/node.mjs")).href);

/** The same validation the package does, written by hand: status, JSON object, field checks. */
function validate(j, sentAt) {
  if (j === null || typeof j !== "object" || Array.isArray(j)) throw new Error("invalid_response: not an object");
  const { access_token, token_type, scope } = j;
  if (typeof access_token !== "string" || access_token === "") throw new Error("invalid_response: access_token");
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") throw new Error("invalid_response: token_type");
  let expires_in = j.expires_in;
  if (typeof expires_in === "string" && expires_in.trim() !== "") expires_in = Number(expires_in);
  if (typeof expires_in !== "number" || !Number.isFinite(expires_in) || expires_in < 0) {
    throw new Error("invalid_response: expires_in");
  }
  if (scope !== undefined && typeof scope !== "string") throw new Error("invalid_response: scope");
  const token = { access_token, token_type, expires_in, expires_at: sentAt + expires_in * 1000 };
  if (scope !== undefined) token.scope = scope;
  return token;
}

/** (a) Twenty lines of hand-written fetch: the same request, the same checks. */
export function handWritten(baseUrl, { timeoutMs } = {}) {
  const url = `${baseUrl}/oauth/token`;
  return async function handWrittenToken() {
    const init = {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
      redirect: "manual",
    };
    let timer;
    if (timeoutMs !== undefined) {
      const ac = new AbortController();
      timer = setTimeout(() => ac.abort(), timeoutMs);
      init.signal = ac.signal;
    }
    try {
      const sentAt = Date.now();
      const res = await fetch(url, init);
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel();
        throw new Error(`http_error ${res.status}`);
      }
      return validate(await res.json(), sentAt);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };
}

/** altpay-oauth, createOAuthToken (one request, no cache). */
export function altpayCreate(baseUrl) {
  const options = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl };
  return () => altpay.createOAuthToken(options);
}

/**
 * (b) oauth4webapi: client-credentials grant, client_secret_basic, http loopback allowed. With
 * `timeoutMs`, each request gets `AbortSignal.timeout(timeoutMs)` (its `signal` option), the closest
 * it has to altpay-oauth's per-attempt timeout.
 */
export function oauth4(baseUrl, { timeoutMs } = {}) {
  const as = { issuer: baseUrl, token_endpoint: `${baseUrl}/oauth/token` };
  const client = { client_id: CLIENT_ID };
  const auth = oauth.ClientSecretBasic(CLIENT_SECRET);
  const params = new URLSearchParams();
  const opts = { [oauth.allowInsecureRequests]: true };
  if (timeoutMs !== undefined) opts.signal = () => AbortSignal.timeout(timeoutMs);
  return async () => {
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, params, opts);
    return oauth.processClientCredentialsResponse(as, client, res);
  };
}

/** An @badgateway OAuth2Client for the token server at `baseUrl` (client_secret_basic). */
function badgatewayClient(baseUrl) {
  return new OAuth2Client({
    server: `${baseUrl}/`,
    tokenEndpoint: "oauth/token",
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authenticationMethod: "client_secret_basic",
  });
}

/** (c) @badgateway/oauth2-client: OAuth2Client.clientCredentials(). */
export function badgateway(baseUrl) {
  const c = badgatewayClient(baseUrl);
  return () => c.clientCredentials();
}

/** (d) openid-client 6: Configuration from static metadata (no discovery), clientCredentialsGrant. */
export function openidClient(baseUrl) {
  const config = new openid.Configuration(
    { issuer: baseUrl, token_endpoint: `${baseUrl}/oauth/token` },
    CLIENT_ID,
    CLIENT_SECRET,
    openid.ClientSecretBasic(CLIENT_SECRET),
  );
  openid.allowInsecureRequests(config);
  return () => openid.clientCredentialsGrant(config);
}

/** @badgateway's caching wrapper (OAuth2Fetch: it has its own single-flight refresh). */
export function badgatewayCached(baseUrl) {
  const c = badgatewayClient(baseUrl);
  const f = new OAuth2Fetch({ client: c, getNewToken: () => c.clientCredentials(), scheduleRefresh: false });
  return () => f.getToken();
}

/** A hand-written JS memoised promise with an expiry check and single flight (the cached baseline). */
export function handMemo(baseUrl, skewSeconds = 300) {
  const request = handWritten(baseUrl);
  let promise = null;
  let refreshAt = 0;
  return function getToken() {
    if (promise !== null && Date.now() < refreshAt) return promise;
    if (promise !== null && refreshAt === -1) return promise; // in flight: join it
    refreshAt = -1;
    const p = request().then(
      (t) => {
        refreshAt = t.expires_at - Math.min(skewSeconds, t.expires_in / 2) * 1000;
        return t;
      },
      (e) => {
        promise = null;
        refreshAt = 0;
        throw e;
      },
    );
    promise = p;
    return p;
  };
}

export const REQUEST_CONTENDERS = {
  "hand-written fetch": (u) => handWritten(u),
  "hand-written fetch + 10 s timeout": (u) => handWritten(u, { timeoutMs: 10000 }),
  "altpay-oauth createOAuthToken": altpayCreate,
  oauth4webapi: (u) => oauth4(u),
  "oauth4webapi + 10 s timeout": (u) => oauth4(u, { timeoutMs: 10000 }),
  "@badgateway/oauth2-client": badgateway,
  "openid-client": openidClient,
};
