// Must compile with @cloudflare/workers-types (no DOM lib): the real KVNamespace binding is accepted by
// kvStore without a cast, and the package's types work in a Worker's global scope.
import { TokenClient, createOAuthToken, kvStore, type AccessToken, type TokenStore } from "altpay-oauth";

interface Env {
  TOKENS: KVNamespace;
  ALTPAY_CLIENT_ID: string;
  ALTPAY_CLIENT_SECRET: string;
}

// the real workers-types are loaded (a missing lib would make these `any`)
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T extends false>(): void => {};
notAny<IsAny<KVNamespace>>();
notAny<IsAny<ReturnType<KVNamespace["get"]>>>();

let client: TokenClient | undefined;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const store: TokenStore = kvStore(env.TOKENS);
    client ??= new TokenClient({ clientId: env.ALTPAY_CLIENT_ID, clientSecret: env.ALTPAY_CLIENT_SECRET, store });
    const token: AccessToken = await createOAuthToken({
      clientId: env.ALTPAY_CLIENT_ID,
      clientSecret: env.ALTPAY_CLIENT_SECRET,
      signal: request.signal,
    });
    void token;
    ctx.waitUntil(client.getToken());
    return client.fetch("/customers");
  },
} satisfies ExportedHandler<Env>;

// a KVNamespace typed with a value type, too
export function typedNamespace(ns: KVNamespace<string>): TokenStore {
  return kvStore(ns);
}
