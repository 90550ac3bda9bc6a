// A Worker whose every invocation is a cold TokenClient sharing durableObjectStore(env.TOKEN_STORE),
// as in a fleet of isolates. GET /?base=<token endpoint> -> { token, events, storeErrors }
import { TokenClient, durableObjectStore } from "altpay-oauth";
export { TokenStoreObject } from "altpay-oauth";

export default {
  async fetch(request, env) {
    const base = new URL(request.url).searchParams.get("base");
    const events = [];
    const storeErrors = [];
    const client = new TokenClient({
      clientId: "fleet-client",
      clientSecret: "fleet-secret",
      baseUrl: base,
      timeoutMs: 2000,
      retries: 0,
      store: durableObjectStore(env.TOKEN_STORE),
      onStoreError: (e) => storeErrors.push(e.kind ?? e.code),
      onFleetEvent: (e) => events.push(e),
    });
    try {
      const token = await client.getToken();
      return Response.json({ token: token.access_token, events, storeErrors });
    } catch (e) {
      return Response.json({ error: e.code, events, storeErrors }, { status: 500 });
    }
  },
};
