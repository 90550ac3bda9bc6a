// The checks every runtime runs against the local mock token server. Plain ESM with no imports, so the
// same file runs in Node (ESM and, through import(), CJS), Deno, Bun, a Worker bundle and a browser page.
//
// `api` is the package as the runtime imported it by name. Each check returns what it saw (plain JSON)
// or throws, and lists in `sends` the client secrets of the token requests it makes, in order (the runner
// compares them with the mock's log of the runtime's lane). To add a check (e.g. TokenClient once it
// lands), add one entry to CHECKS: nothing else changes.

export const CLIENT_ID = "test-client";
export const CLIENT_SECRET = "test-secret";
/** A wrong secret that is easy to find if it ever leaks into an error. */
export const WRONG_SECRET = "wrong-secret-5e3cr3t-Zq9";

function assert(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

export const CHECKS = [
  {
    name: "token",
    sends: [CLIENT_SECRET],
    async run(api, { baseUrl }) {
      assert(typeof api.createOAuthToken === "function", "createOAuthToken is exported");
      const t0 = Date.now();
      const token = await api.createOAuthToken({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl });
      const t1 = Date.now();
      assert(token !== null && typeof token === "object", "token is an object");
      assert(typeof token.access_token === "string" && token.access_token.length > 0, "access_token is a non-empty string");
      assert(token.token_type === "bearer", `token_type is "bearer" (got ${JSON.stringify(token.token_type)})`);
      assert(token.expires_in === 3600, `expires_in is 3600 (got ${JSON.stringify(token.expires_in)})`);
      assert(typeof token.expires_at === "number" && Number.isFinite(token.expires_at), "expires_at is a finite number");
      // the time the request was sent + expires_in; 2 s of slack for coarse clocks (workerd, browsers)
      assert(
        token.expires_at >= t0 + 3600e3 - 2000 && token.expires_at <= t1 + 3600e3 + 2000,
        `expires_at ≈ now + 3600e3 (got ${token.expires_at}, request between ${t0} and ${t1})`,
      );
      assert(!("scope" in token), "no scope when the server sends none");
      return {
        access_token_length: token.access_token.length,
        token_type: token.token_type,
        expires_in: token.expires_in,
        expires_at: token.expires_at,
        keys: Object.keys(token),
      };
    },
  },
  {
    name: "error403",
    sends: [WRONG_SECRET],
    async run(api, { baseUrl }) {
      assert(typeof api.AltPayOAuthError === "function", "AltPayOAuthError is exported");
      let err;
      try {
        await api.createOAuthToken({ clientId: CLIENT_ID, clientSecret: WRONG_SECRET, baseUrl });
      } catch (e) {
        err = e;
      }
      assert(err !== undefined, "a wrong secret rejects");
      assert(err instanceof api.AltPayOAuthError, `the rejection is an AltPayOAuthError (got ${String(err)})`);
      assert(err instanceof Error, "AltPayOAuthError is an Error");
      assert(err.name === "AltPayOAuthError", `name is "AltPayOAuthError" (got ${JSON.stringify(err.name)})`);
      assert(err.code === "invalid_credentials", `code is "invalid_credentials" (got ${JSON.stringify(err.code)})`);
      assert(err.status === 403, `status is 403 (got ${JSON.stringify(err.status)})`);
      assert(
        err.details !== null && typeof err.details === "object" && err.details.message === "Invalid credentials",
        `details.message is "Invalid credentials" (got ${JSON.stringify(err.details)})`,
      );
      const visible = [err.message, String(err), String(err.stack), JSON.stringify(err), JSON.stringify(err.details)].join("\n");
      assert(!visible.includes(WRONG_SECRET), "the secret appears nowhere in the error");
      return { code: err.code, status: err.status, details: err.details, message: err.message };
    },
  },
  // { name: "token-client", sends: [CLIENT_SECRET], async run(api, { baseUrl }) { ... } },  // TokenClient
];

/** What this runtime says it is (for the summary table). */
function runtimeVersion() {
  const g = globalThis;
  if (g.Deno && g.Deno.version) return `deno ${g.Deno.version.deno}`;
  if (g.Bun && g.Bun.version) return `bun ${g.Bun.version}`;
  if (g.process && g.process.versions && g.process.versions.node && !g.navigator?.userAgent?.includes("Cloudflare")) {
    return `node ${g.process.versions.node}`;
  }
  if (g.navigator && g.navigator.userAgent) return g.navigator.userAgent.replace(/^.*\b(HeadlessChrome|Chrome)\/(\S+).*$/, "chromium $2");
  return "unknown";
}

/** Run every check; never throws. */
export async function runChecks(api, { baseUrl, runtime }) {
  const result = { runtime, version: runtimeVersion(), ok: true, exports: Object.keys(api).sort(), checks: {} };
  for (const check of CHECKS) {
    try {
      result.checks[check.name] = { ok: true, ...(await check.run(api, { baseUrl })) };
    } catch (e) {
      result.ok = false;
      result.checks[check.name] = { ok: false, error: String((e && e.stack) || e) };
    }
  }
  return result;
}

/** The one line a runtime prints; the runner looks for this prefix. */
export const MARKER = "ALTPAY_PROBE_RESULT ";
export function resultLine(result) {
  return MARKER + JSON.stringify(result);
}
