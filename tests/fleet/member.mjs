// One member of a fleet: a separate Node process with its own TokenClient on its own Redis connection.
// usage: node member.mjs <pkgDir> <redisUrl> <baseUrl> <options JSON>
// Prints {"ready":true} once loaded and connected, then starts when a line arrives on stdin (the
// parent's start barrier).
// options: { skewMs, loops, intervalMs, timeoutMs, retries, redisDown }
// Prints {"event": ...} lines as fleet events happen (the test kills the lease holder on "lease_taken"),
// then one result line { tokens, events, storeErrors, ms }.
const [pkgDir, redisUrl, baseUrl, optionsArg] = process.argv.slice(2);
const options = JSON.parse(optionsArg ?? "{}");
if (options.skewMs) {
  // This process's clock runs skewMs ahead (or behind) of everyone else's.
  const real = Date.now;
  Date.now = () => real() + options.skewMs;
}
const { join } = await import("node:path");
const { pathToFileURL } = await import("node:url");
const { TokenClient, redisStore } = await import(pathToFileURL(join(pkgDir, "node.mjs")).href);
const { createClient } = await import("redis");

// A generous connect timeout: 200 members connecting while 200 Node processes start on a 2-core
// machine have taken longer than node-redis's default 5 s (ConnectionTimeoutError, seen in CI).
const redis = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 60_000 } });
redis.on("error", () => {});
if (!options.redisDown) await redis.connect();

const events = [];
const storeErrors = [];
const client = new TokenClient({
  clientId: "fleet-client",
  clientSecret: "fleet-secret",
  baseUrl,
  timeoutMs: options.timeoutMs ?? 2000,
  retries: options.retries ?? 0,
  store: redisStore(redis),
  onStoreError: (e) => storeErrors.push(e.kind ?? e.code),
  onFleetEvent: (e) => {
    events.push(e);
    process.stdout.write(JSON.stringify({ event: e }) + "\n");
  },
});

process.stdout.write(JSON.stringify({ ready: true }) + "\n");
await new Promise((r) => process.stdin.once("data", r));
const t0 = performance.now();
const tokens = [];
for (let i = 0; i < (options.loops ?? 1); i++) {
  if (i > 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  try {
    tokens.push((await client.getToken()).access_token);
  } catch (e) {
    tokens.push(`error:${e.code}`);
  }
}
process.stdout.write(JSON.stringify({ tokens, events, storeErrors, ms: performance.now() - t0 }) + "\n");
if (redis.isOpen) await redis.quit();
