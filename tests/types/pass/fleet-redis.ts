// Must compile with @types/node: real node-redis and ioredis clients give a store with the lease.
import { createClient } from "redis";
import Redis from "ioredis";
import { redisStore, type TokenLease } from "altpay-oauth";

export async function leases(): Promise<(TokenLease | undefined)[]> {
  const nodeRedis = await createClient().connect();
  const acquired: boolean | undefined = (await redisStore(nodeRedis).lease?.acquire("k", "owner", 1000, null))?.acquired;
  void acquired;
  return [redisStore(nodeRedis).lease, redisStore(new Redis()).lease];
}
