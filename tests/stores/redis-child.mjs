// One independent "service process" of the Redis fleet test: its own TokenClient with a redisStore on
// its own Redis connection. Prints one JSON line: { token, storeErrors }.
// usage: node redis-child.mjs <pkgDir> <redisUrl> <baseUrl> <node-redis|ioredis>
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pkgDir, redisUrl, baseUrl, kind] = process.argv.slice(2);
const { TokenClient, redisStore } = await import(pathToFileURL(join(pkgDir, "node.mjs")).href);

let redis;
if (kind === "node-redis") {
  const { createClient } = await import("redis");
  redis = createClient({ url: redisUrl });
  redis.on("error", () => {});
  await redis.connect();
} else if (kind === "ioredis") {
  const { Redis } = await import("ioredis");
  redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  await redis.connect();
} else {
  throw new Error(`unknown client kind ${kind}`);
}

const storeErrors = [];
try {
  const client = new TokenClient({
    clientId: "test-client",
    clientSecret: "test-secret",
    baseUrl,
    store: redisStore(redis),
    onStoreError: (e) => storeErrors.push(`${e.code}: ${e.message} (${e.cause})`),
  });
  const token = await client.getToken();
  process.stdout.write(JSON.stringify({ token, storeErrors }) + "\n");
} finally {
  if (kind === "node-redis") await redis.quit();
  else await redis.quit();
}
