// The browser test page of tests/toolchains/browsers.test.mjs: the package by name, bundled by the tool
// under test. ?base=<mock URL> gets a token and a 403; ?blocked=<URL of a server without CORS> shows
// what a request the browser blocks gives. The outcome goes to window.__altpay.
import { createOAuthToken, AltPayOAuthError } from "altpay-oauth";

const params = new URLSearchParams(location.search);
const clientId = "test-client";

function describe(e) {
  return { instanceOf: e instanceof AltPayOAuthError, name: e?.name, code: e?.code, status: e?.status, message: String(e?.message) };
}

async function main() {
  const out = {};
  try {
    const token = await createOAuthToken({ clientId, clientSecret: "test-secret", baseUrl: params.get("base"), retries: 0 });
    out.token = { token_type: token.token_type, expires_at: token.expires_at };
  } catch (e) {
    out.tokenError = describe(e);
  }
  try {
    await createOAuthToken({ clientId, clientSecret: "wrong", baseUrl: params.get("base"), retries: 0 });
    out.error = null;
  } catch (e) {
    out.error = describe(e);
  }
  if (params.get("blocked")) {
    try {
      await createOAuthToken({ clientId, clientSecret: "test-secret", baseUrl: params.get("blocked"), retries: 0 });
      out.blocked = null;
    } catch (e) {
      out.blocked = describe(e);
    }
  }
  window.__altpay = out;
}
main();
