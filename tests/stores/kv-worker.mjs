// A Cloudflare Worker using the package with a Workers KV store, as an application would:
// `import ... from "altpay-oauth"` (resolved by the bundler with the workerd conditions).
// GET /?base=<token endpoint base URL>  ->  { token, keys, storeErrors }
import { TokenClient, kvStore } from "altpay-oauth";

export default {
  async fetch(request, env) {
    const base = new URL(request.url).searchParams.get("base");
    const storeErrors = [];
    const client = new TokenClient({
      clientId: "test-client",
      clientSecret: "test-secret",
      baseUrl: base,
      store: kvStore(env.TOKENS),
      onStoreError: (e) => storeErrors.push(`${e.code}: ${e.message} (${e.cause})`),
    });
    try {
      const token = await client.getToken();
      const { keys } = await env.TOKENS.list();
      return Response.json({ token, keys, storeErrors, now: Date.now() });
    } catch (e) {
      return Response.json({ error: { name: e.name, code: e.code, message: e.message }, storeErrors }, { status: 500 });
    }
  },
};
