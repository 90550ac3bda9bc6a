// Interop with real OAuth 2.0 servers on loopback, through the built package:
// - oidc-provider (client_secret_basic, client_credentials grant, token route at /oauth/token)
// - @node-oauth/oauth2-server (wired to node:http with a minimal client_credentials model)
// What the client had to accept from each is written up in docs/interop.md.
// Run: node --test tests/hardening/interop.test.mjs   (after `make build`)
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";
import OAuth2Server from "@node-oauth/oauth2-server";
import { pkg, SECRET, expectError, assertNoLeak } from "./support.mjs";

const { createOAuthToken, TokenClient } = pkg;

const ID = "interop-client";
// RFC 6749 §2.3.1 wants client_id and client_secret form-urlencoded before they go into the Basic
// header; altpay-oauth sends them as given (the contract: base64(clientId ":" clientSecret)).
// Characters that form-decoding leaves unchanged work everywhere; "+" and "%" do not (see below).
const SAFE_SPECIAL = "s3cr3t&=:/!*'()~.;,@$ <>[]{}|^`\"\\#?";
// RFC 6749 Appendix A.2: client_secret is VSCHAR (printable ASCII); oidc-provider enforces that.
const NON_ASCII = "pässwörd-€-😀";
const PLUS_PERCENT = "a+b%2Fc d";

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)));
}
function close(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
function opts(baseUrl, clientSecret = SECRET, clientId = ID) {
  return { clientId, clientSecret, baseUrl, retries: 0, timeoutMs: 5000 };
}

// ---- oidc-provider -----------------------------------------------------------------------------------

/** oidc-provider's adapter interface over one Map (stops the "development-only adapter" warning). */
function memoryAdapter() {
  const store = new Map();
  return class MemoryAdapter {
    constructor(name) {
      this.name = name;
    }
    key(id) {
      return `${this.name}:${id}`;
    }
    async upsert(id, payload) {
      store.set(this.key(id), payload);
    }
    async find(id) {
      return store.get(this.key(id));
    }
    async findByUid(uid) {
      for (const [k, v] of store) if (k.startsWith(`${this.name}:`) && v.uid === uid) return v;
      return undefined;
    }
    async findByUserCode(code) {
      for (const [k, v] of store) if (k.startsWith(`${this.name}:`) && v.userCode === code) return v;
      return undefined;
    }
    async consume(id) {
      const v = store.get(this.key(id));
      if (v) v.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

describe("oidc-provider 9", () => {
  let server;
  let issuer;
  let provider;
  before(async () => {
    server = http.createServer();
    issuer = await listen(server);
    const client = (client_id, client_secret) => ({
      client_id,
      client_secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic",
    });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    provider = new Provider(issuer, {
      adapter: memoryAdapter(),
      clients: [
        client(ID, SECRET),
        client("special-client", SAFE_SPECIAL),
        client("plus-client", PLUS_PERCENT),
        client("unicode-client", NON_ASCII),
      ],
      jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "k1", use: "sig", alg: "ES256" }] },
      features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
      clientDefaults: { id_token_signed_response_alg: "ES256" },
      routes: { token: "/oauth/token" },
      scopes: ["payments"],
      ttl: { ClientCredentials: 600 },
    });
    server.on("request", provider.callback());
  });
  after(() => close(server));

  test("createOAuthToken gets a valid token (token_type \"Bearer\", expires_in 600)", async () => {
    const t0 = Date.now();
    const t = await createOAuthToken(opts(issuer));
    assert.equal(t.token_type, "Bearer", "kept as sent");
    assert.equal(t.expires_in, 600);
    assert.ok(t.expires_at >= t0 + 600_000 && t.expires_at <= Date.now() + 600_000);
    assert.equal(t.scope, undefined, "no scope requested, none granted");
    const stored = await provider.ClientCredentials.find(t.access_token);
    assert.ok(stored, "the server knows the token");
    assert.equal(stored.clientId, ID);
    assertNoLeak(t);
  });

  test("TokenClient: one request, then the cached token", async () => {
    let requests = 0;
    const counting = (url, init) => (requests++, fetch(url, init));
    const c = new TokenClient({ ...opts(issuer), fetch: counting });
    const a = await c.getToken();
    assert.equal(await c.getToken(), a);
    assert.equal(requests, 1);
    assert.ok(await provider.ClientCredentials.find(a.access_token));
  });

  test("wrong secret: 401 invalid_client is http_error (only 403 is invalid_credentials)", async () => {
    const e = await expectError(createOAuthToken(opts(issuer, "wrong-secret")), "http_error", 401);
    assert.equal(e.details?.error, "invalid_client");
    assert.equal(e.details?.error_description, "client authentication failed");
    assert.match(e.message, /\(401\): invalid_client: client authentication failed/);
  });

  test("unknown client: 401 invalid_client", async () => {
    const e = await expectError(createOAuthToken(opts(issuer, SECRET, "no-such-client")), "http_error", 401);
    assert.equal(e.details?.error, "invalid_client");
  });

  test("a secret with printable ASCII specials (& = : / ! * ' ( ) ~ ; , @ $ space < > [ ] { } | ^ ` \" \\ # ?) works as sent", async () => {
    const t = await createOAuthToken(opts(issuer, SAFE_SPECIAL, "special-client"));
    assert.equal(t.token_type, "Bearer");
  });

  test("a non-ASCII secret is refused (400 invalid_request: oidc-provider accepts only VSCHAR secrets)", async () => {
    const e = await expectError(createOAuthToken(opts(issuer, NON_ASCII, "unicode-client")), "http_error", 400);
    assert.equal(e.details?.error, "invalid_request");
    assert.match(e.details?.error_description, /not properly encoded/);
    // Percent-encoding it does not help: the decoded secret is still not VSCHAR.
    const encoded = new URLSearchParams({ s: NON_ASCII }).toString().slice(2);
    await expectError(createOAuthToken(opts(issuer, encoded, "unicode-client")), "http_error", 400);
  });

  test("a secret with + or % fails as sent (the server form-decodes it), works pre-encoded by the caller", async () => {
    const e = await expectError(createOAuthToken(opts(issuer, PLUS_PERCENT, "plus-client")), "http_error", 401);
    assert.equal(e.details?.error, "invalid_client");
    const encoded = new URLSearchParams({ s: PLUS_PERCENT }).toString().slice(2); // form-urlencoded
    const t = await createOAuthToken(opts(issuer, encoded, "plus-client"));
    assert.equal(t.token_type, "Bearer");
  });
});

// ---- @node-oauth/oauth2-server -----------------------------------------------------------------------

describe("@node-oauth/oauth2-server 5", () => {
  let server;
  let base;
  const tokens = new Map();
  const clients = new Map([
    [ID, { id: ID, secret: SECRET, grants: ["client_credentials"] }],
    ["plus-client", { id: "plus-client", secret: PLUS_PERCENT, grants: ["client_credentials"] }],
  ]);
  before(async () => {
    const model = {
      async getClient(id, secret) {
        const c = clients.get(id);
        return c && c.secret === secret ? c : null;
      },
      async getUserFromClient(client) {
        return { id: `service:${client.id}` };
      },
      async saveToken(token, client, user) {
        const saved = { ...token, client, user };
        tokens.set(token.accessToken, saved);
        return saved;
      },
      async getAccessToken(accessToken) {
        return tokens.get(accessToken) ?? null;
      },
      async validateScope(user, client, scope) {
        return scope ?? ["payments"];
      },
      async verifyScope() {
        return true;
      },
    };
    const oauth = new OAuth2Server({ model, accessTokenLifetime: 1800 });
    server = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const url = new URL(req.url, "http://localhost");
      const request = new OAuth2Server.Request({
        method: req.method,
        headers: req.headers,
        query: Object.fromEntries(url.searchParams),
        body: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))),
      });
      const response = new OAuth2Server.Response({ headers: {} });
      try {
        if (url.pathname === "/oauth/token") await oauth.token(request, response);
        else if (url.pathname === "/customers") {
          await oauth.authenticate(request, response);
          response.status = 200;
          response.body = { data: [{ id: "cus_1" }] };
        } else {
          response.status = 404;
          response.body = { error: "not_found" };
        }
      } catch {
        // The server has already put the RFC 6749 error into `response`.
      }
      res.writeHead(response.status, { "content-type": "application/json", ...response.headers });
      res.end(JSON.stringify(response.body));
    });
    base = await listen(server);
  });
  after(() => close(server));

  test("createOAuthToken gets a valid token (\"Bearer\", expires_in 1799 or 1800, scope)", async () => {
    const t = await createOAuthToken(opts(base));
    assert.equal(t.token_type, "Bearer");
    // The server computes expires_in from the stored expiry: 1800 or, a millisecond later, 1799.
    assert.ok(t.expires_in === 1800 || t.expires_in === 1799, `expires_in ${t.expires_in}`);
    assert.equal(t.scope, "payments");
    assert.ok(tokens.has(t.access_token));
  });

  test("TokenClient.fetch: the token is accepted by the server's authenticate()", async () => {
    const c = new TokenClient(opts(base));
    const r = await c.fetch("/customers");
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { data: [{ id: "cus_1" }] });
  });

  test("wrong secret: 401 invalid_client is http_error", async () => {
    const e = await expectError(createOAuthToken(opts(base, "wrong-secret")), "http_error", 401);
    assert.equal(e.details?.error, "invalid_client");
    assert.equal(e.details?.error_description, "Invalid client: client is invalid");
  });

  test("a secret with + and % works as sent (this server does not form-decode Basic credentials)", async () => {
    const t = await createOAuthToken(opts(base, PLUS_PERCENT, "plus-client"));
    assert.equal(t.token_type, "Bearer");
  });
});
