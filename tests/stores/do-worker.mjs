// A Worker exporting TokenStoreObject and driving durableObjectStore(env.TOKEN_STORE) as a client
// would, for tests/stores/lease-do.test.mjs (run by do-host.mjs in miniflare).
// POST / { method: "get" | "set" | "lease.read" | "lease.acquire" | ..., args: [...] } -> { result } | { error }
import { durableObjectStore, TokenStoreObject } from "../../pkg-template/src/stores/durable-object.js";

export { TokenStoreObject };

export default {
  async fetch(request, env) {
    const { method, args } = await request.json();
    const store = durableObjectStore(env.TOKEN_STORE);
    const [a, b] = method.split(".");
    const target = b === undefined ? store : store[a];
    const name = b ?? a;
    try {
      return Response.json({ result: (await target[name](...args)) ?? null });
    } catch (e) {
      return Response.json({ error: String(e?.message ?? e) }, { status: 500 });
    }
  },
};
