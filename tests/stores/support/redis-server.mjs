// A real redis-server on a free loopback port for the store suites (apt package redis-server).
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";

/** Path of redis-server, or null. */
export const REDIS_SERVER = (() => {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
})();
if (process.env.CI && !REDIS_SERVER) throw new Error("CI: redis-server is required (make setup-system)");
/** A `skip` reason when there is no redis-server, else false. */
export const NO_REDIS = REDIS_SERVER ? false : "redis-server not found: `make setup-system` installs it";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start redis-server; resolves { proc, port, url, stop() }. */
export async function startRedis() {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (d) => {
        out += d;
        if (/Ready to accept connections/i.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.on("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    const stop = async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
    };
    if (ready) return { proc, port, url: `redis://127.0.0.1:${port}`, stop };
    proc.kill("SIGKILL");
    if (attempt >= 2) throw new Error(`redis-server did not start:\n${out}`);
  }
}
