// Must compile with @types/node: real node-redis and ioredis clients are accepted by redisStore without
// casts, both freshly created and after connecting.
import { createClient } from "redis";
import Redis from "ioredis";
import { TokenClient, redisStore, type TokenStore } from "altpay-oauth";

// the clients' own types are real here (not `any` from a missing @types/node), so the checks mean something
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T extends false>(): void => {};
notAny<IsAny<ReturnType<typeof createClient>>>();
notAny<IsAny<ReturnType<ReturnType<typeof createClient>["get"]>>>();
notAny<IsAny<Redis>>();
notAny<IsAny<ReturnType<Redis["get"]>>>();

export async function nodeRedis(): Promise<TokenStore> {
  const client = createClient({ url: "redis://127.0.0.1:6379" });
  redisStore(createClient());
  redisStore(createClient({ RESP: 3 }));
  const connected = await client.connect();
  return redisStore(connected);
}

export function ioredis(): TokenStore {
  redisStore(new Redis("redis://127.0.0.1:6379"));
  return redisStore(new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true }));
}

export function withClient(): TokenClient {
  return new TokenClient({
    clientId: process.env["ALTPAY_CLIENT_ID"] ?? "",
    clientSecret: process.env["ALTPAY_CLIENT_SECRET"] ?? "",
    store: redisStore(createClient()),
  });
}
