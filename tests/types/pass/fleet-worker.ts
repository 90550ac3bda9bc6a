// Must compile with @cloudflare/workers-types: the real DurableObjectNamespace is accepted by
// durableObjectStore without a cast, the Worker exports TokenStoreObject, and the fleet hooks are typed.
import {
  TokenClient,
  TokenStoreObject,
  durableObjectStore,
  type FleetEvent,
  type LeaseState,
  type StoreError,
  type StoreErrorKind,
  type TokenLease,
  type TokenStore,
} from "altpay-oauth";

export { TokenStoreObject };

interface Env {
  TOKEN_STORE: DurableObjectNamespace;
  ALTPAY_CLIENT_ID: string;
  ALTPAY_CLIENT_SECRET: string;
}

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T extends false>(): void => {};
notAny<IsAny<DurableObjectNamespace>>();

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const store = durableObjectStore(env.TOKEN_STORE);
    const lease: TokenLease | undefined = store.lease;
    const state: LeaseState | undefined = await lease?.read("k");
    const owner: string | undefined = state?.lease?.owner;
    void owner;
    const asStore: TokenStore = durableObjectStore(env.TOKEN_STORE, { name: "my-fleet" });
    const kinds: StoreErrorKind[] = [];
    const client = new TokenClient({
      clientId: env.ALTPAY_CLIENT_ID,
      clientSecret: env.ALTPAY_CLIENT_SECRET,
      store: asStore,
      onStoreError: (e: StoreError) => kinds.push(e.kind),
      onFleetEvent: (e: FleetEvent) => {
        if (e.type === "waited") console.log(e.ms, e.polls);
        if (e.type === "fell_back") console.log(e.reason);
      },
    });
    return client.fetch("/customers");
  },
} satisfies ExportedHandler<Env>;
