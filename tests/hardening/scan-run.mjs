#!/usr/bin/env node
// Secret scan, part 2: run node:test suites as child processes with a distinctive client secret, show
// their output as usual, and fail if the secret, its base64, the Basic header (or a long head of them)
// appears anywhere in what they printed, or if a suite failed.
//
//   node tests/hardening/scan-run.mjs                      the hardening suites (make test-hardening)
//   node tests/hardening/scan-run.mjs --with-node-suites   also tests/node/ (their fixed secret "test-secret")
//   node tests/hardening/scan-run.mjs FILE...              these suites
//
// The hardening suites read their secret from ALTPAY_SCAN_SECRET (tests/hardening/support.mjs), so every
// run uses a fresh one; the suites of tests/node use "test-secret" and are scanned for that.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(HERE, "../..");
const args = process.argv.slice(2);
const withNode = args.includes("--with-node-suites");
let files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  files = readdirSync(HERE)
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => relative(ROOT, join(HERE, f)));
}

const secret = `scan-${randomBytes(9).toString("base64url")}-Zq9`;
const needlesFor = (id, s) => {
  const b64 = Buffer.from(`${id}:${s}`).toString("base64");
  // Heads of 12 characters catch a cut-off secret or header too.
  return [s, b64, b64.slice(0, 12), Buffer.from(s).toString("base64").slice(0, 12)];
};
const runs = [{ name: "hardening suites", files, needles: needlesFor("hardening-client", secret) }];
if (withNode) runs.push({ name: "tests/node", files: ["tests/node/"], needles: needlesFor("test-client", "test-secret") });

function run({ name, files: list, needles }) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--test", "--test-reporter=spec", ...list], {
      cwd: ROOT,
      env: { ...process.env, ALTPAY_SCAN_SECRET: secret },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let captured = "";
    const tee = (stream, out) =>
      stream.on("data", (d) => {
        captured += d;
        // Shown with the secret masked, so a leak found here is not re-leaked into CI logs.
        let text = String(d);
        for (const n of needles) text = text.split(n).join("<SECRET>");
        out.write(text);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on("exit", (code, signal) => {
      const found = needles.filter((n) => captured.includes(n));
      resolvePromise({ name, code, signal, found, bytes: captured.length });
    });
  });
}

let failed = false;
for (const r of runs) {
  const res = await run(r);
  const leak = res.found.length > 0;
  console.log(
    `secret scan: ${res.name}: ${res.bytes} bytes of output, ${leak ? `LEAK (${res.found.length} needle(s))` : "no secret"}; suites ${res.code === 0 ? "passed" : `FAILED (${res.code ?? res.signal})`}`,
  );
  if (leak || res.code !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
