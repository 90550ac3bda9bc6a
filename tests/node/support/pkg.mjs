// Where the built package is (default <repo>/pkg, override with ALTPAY_PKG=/path/to/pkg) and small
// helpers shared by the TokenClient and TokenStore tests.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
export const PKG_DIR = process.env.ALTPAY_PKG ? resolve(process.env.ALTPAY_PKG) : join(ROOT, "pkg");
if (!existsSync(join(PKG_DIR, "node.mjs"))) {
  throw new Error(`no built package at ${PKG_DIR} (run \`make build\`, or set ALTPAY_PKG)`);
}
export const pkg = await import(pathToFileURL(join(PKG_DIR, "node.mjs")).href);

export const CLIENT_ID = "test-client";
export const CLIENT_SECRET = "test-secret";

export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
/** Sleep until the wall clock reaches `epochMs`. */
export const sleepUntil = (epochMs) => sleep(epochMs - Date.now());

/** A promise's state without waiting for it: "pending", "fulfilled" or "rejected". */
export function track(promise) {
  const t = { state: "pending", value: undefined };
  promise.then(
    (v) => Object.assign(t, { state: "fulfilled", value: v }),
    (e) => Object.assign(t, { state: "rejected", value: e }),
  );
  return t;
}

/** The /oauth/token requests in a mock lane's log. */
export function tokenRequests(lane) {
  return lane.log().filter((e) => e.path === "/oauth/token");
}

/** An assert.rejects/throws predicate for an AltPayOAuthError with this code (and status). */
export function isError(code, status) {
  return (e) => {
    if (!(e instanceof pkg.AltPayOAuthError)) throw new Error(`not an AltPayOAuthError: ${e && e.stack}`);
    if (e.code !== code) throw new Error(`code ${e.code}, expected ${code}: ${e.message}`);
    if (status !== undefined && e.status !== status) throw new Error(`status ${e.status}, expected ${status}`);
    return true;
  };
}

/**
 * An in-memory TokenStore that records its calls. `behaviour.get(key)` / `behaviour.set(...)`
 * override what the methods do (return a value, a rejecting or never-settling promise, or throw).
 */
export class MemoryStore {
  constructor(behaviour = {}) {
    this.map = new Map();
    this.calls = [];
    this.behaviour = behaviour;
  }
  get(key) {
    this.calls.push({ op: "get", key });
    if (this.behaviour.get) return this.behaviour.get(key);
    return Promise.resolve(this.map.has(key) ? this.map.get(key).token : null);
  }
  set(key, token, ttlSeconds) {
    this.calls.push({ op: "set", key, token, ttlSeconds, at: Date.now() });
    if (this.behaviour.set) return this.behaviour.set(key, token, ttlSeconds);
    this.map.set(key, { token, ttlSeconds });
    return Promise.resolve();
  }
  ops(op) {
    return this.calls.filter((c) => c.op === op);
  }
}
