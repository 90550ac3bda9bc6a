// Shared by the hardening suites (tests/hardening/*.test.mjs, soak.mjs, secret-scan).
//
// Every hardening suite uses a distinctive client secret so that tests/hardening/secret-scan.test.mjs
// can look for it (and for its base64 and the Basic header) in everything the suites print. The runner
// sets ALTPAY_SCAN_SECRET; run alone, a fixed distinctive value is used.
import assert from "node:assert/strict";
import util from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { pkg } from "../node/support/pkg.mjs";

export { pkg };
export const CLIENT_ID = "hardening-client";
export const SECRET = process.env.ALTPAY_SCAN_SECRET || "hz-Sekr3t-p4ss_9f1c7e";
export const CLIENTS = { [CLIENT_ID]: SECRET };

/** Every string whose presence in output would be a leak. */
export function leakNeedles(clientId = CLIENT_ID, secret = SECRET) {
  const b64 = Buffer.from(`${clientId}:${secret}`).toString("base64");
  return [secret, b64, `Basic ${b64}`, Buffer.from(secret).toString("base64")];
}

/** All the renderings of an error (or any value) a user could log. */
export function renderings(e) {
  const out = [];
  const push = (f) => {
    try {
      out.push(String(f()));
    } catch (err) {
      out.push(`<threw ${err && err.message}>`);
    }
  };
  push(() => e?.message);
  push(() => e?.stack);
  push(() => JSON.stringify(e));
  push(() => JSON.stringify(e?.details));
  push(() => JSON.stringify(Object.getOwnPropertyDescriptors(e ?? {})));
  push(() => String(e));
  push(() => util.inspect(e, { depth: 10, showHidden: true, getters: true }));
  push(() => util.inspect(e?.details, { depth: 10, showHidden: true }));
  push(() => util.format("%o %O %j %s", e, e, e, e));
  push(() => (e?.cause !== undefined ? util.inspect(e.cause, { depth: 10, showHidden: true }) : ""));
  return out;
}

/** Assert that no rendering of `value` contains the secret, its base64 or the Basic header. */
export function assertNoLeak(value, needles = leakNeedles()) {
  for (const text of renderings(value)) {
    for (const n of needles) {
      assert.ok(!text.includes(n), `leak of ${JSON.stringify(n.slice(0, 4))}… in ${text.slice(0, 300)}`);
    }
  }
}

/** Await `promise`, expect an AltPayOAuthError with `code` (and `status`), check it leaks nothing. */
export async function expectError(promise, code, status) {
  let error;
  try {
    const value = await promise;
    assert.fail(`expected ${code}, got a value: ${util.inspect(value)}`);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof pkg.AltPayOAuthError, `not an AltPayOAuthError: ${error && error.stack}`);
  assert.equal(error.name, "AltPayOAuthError");
  assert.equal(error.code, code, `code ${error.code}, expected ${code}: ${error.message}`);
  if (status !== undefined) assert.equal(error.status, status, `status of: ${error.message}`);
  assertNoLeak(error);
  return error;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let gcFn = typeof globalThis.gc === "function" ? globalThis.gc : null;
if (gcFn === null) {
  // Without --expose-gc (node --test children): expose it at run time.
  v8.setFlagsFromString("--expose-gc");
  gcFn = vm.runInNewContext("gc");
}
export const hasGc = typeof gcFn === "function";

/** Force a full GC. */
export async function gc() {
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
}
