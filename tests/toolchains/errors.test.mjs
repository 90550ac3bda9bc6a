// One AltPayOAuthError, from the installed tarball: its name in every entry, `instanceof` across the ESM,
// CommonJS and embedded copies and across realms, what Node prints for an uncaught one (Node 20, 22,
// 24), and a missing .wasm reported as an AltPayOAuthError by every call.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { startMockServer } from "../../js/mock-server.mjs";
import { scratchApp, cleanup, run, NODE22, NODE24, CLIENT_ID, CLIENT_SECRET } from "./support.mjs";

let app;
let mock;
let baseUrl;
let entries; // { esm, cjs, embeddedEsm, embeddedCjs }

before(async () => {
  app = await scratchApp("errors");
  mock = await startMockServer();
  baseUrl = mock.url;
  const pkg = join(app, "node_modules/altpay-oauth");
  const req = createRequire(join(app, "index.js"));
  entries = {
    esm: await import(pathToFileURL(join(pkg, "node.mjs")).href),
    cjs: req("altpay-oauth"),
    embeddedEsm: await import(pathToFileURL(join(pkg, "embedded.mjs")).href),
    embeddedCjs: req("altpay-oauth/embedded"),
  };
});
after(async () => {
  await mock?.close();
  cleanup(app);
});

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

test("every exported class and function keeps its name (no minified names)", () => {
  for (const [which, api] of Object.entries(entries)) {
    for (const [name, value] of Object.entries(api)) {
      if (typeof value === "function") assert.equal(value.name, name, `${which}: ${name}.name`);
    }
  }
});

test("one AltPayOAuthError across the ESM, CommonJS and embedded copies in one process", async () => {
  const { esm, cjs, embeddedEsm, embeddedCjs } = entries;
  assert.notEqual(esm.AltPayOAuthError, cjs.AltPayOAuthError, "two copies are loaded (else this test proves nothing)");
  const copies = [esm, cjs, embeddedEsm, embeddedCjs];
  for (const from of copies) {
    const e = await rejection(from.createOAuthToken({ clientId: CLIENT_ID, clientSecret: "wrong", baseUrl, retries: 0 }));
    assert.equal(e.code, "invalid_credentials");
    assert.equal(e.name, "AltPayOAuthError");
    assert.equal(e.constructor.name, "AltPayOAuthError");
    assert.ok(e instanceof Error);
    for (const to of copies) assert.ok(e instanceof to.AltPayOAuthError, "instanceof another copy's class");
    assert.match(e.stack, /^AltPayOAuthError \[invalid_credentials\]: token endpoint rejected/);
    assert.equal(String(e), `AltPayOAuthError: ${e.message}`);
  }
  // made by users too: `new AltPayOAuthError(...)` of one copy is an instance of the others
  const own = new cjs.AltPayOAuthError("timeout", "t");
  assert.ok(own instanceof esm.AltPayOAuthError);
  assert.deepEqual([own.code, own.message, own.name], ["timeout", "t", "AltPayOAuthError"]);
  // and nothing else is
  for (const v of [new Error("x"), { code: "timeout", name: "AltPayOAuthError" }, null, undefined, "AltPayOAuthError", 1]) {
    assert.equal(v instanceof esm.AltPayOAuthError, false, String(v));
  }
  // a subclass keeps the ordinary prototype check
  class Mine extends esm.AltPayOAuthError {}
  assert.ok(new Mine("timeout", "m") instanceof esm.AltPayOAuthError);
  assert.equal(own instanceof Mine, false);
});

test("instanceof works across realms (an error made in a vm context)", () => {
  const ctx = vm.createContext({ TextDecoder, TextEncoder, atob, URL, console, setTimeout, clearTimeout });
  const code = readFileSync(join(app, "node_modules/altpay-oauth/embedded.cjs"), "utf8");
  // the embedded CommonJS entry in a fresh realm: its own Error, WebAssembly, Object
  const module = { exports: {} };
  vm.runInContext(`(function (module, exports, require, __filename) {${code}\n})`, ctx)(
    module,
    module.exports,
    createRequire(join(app, "index.js")),
    join(app, "node_modules/altpay-oauth/embedded.cjs"),
  );
  const Foreign = module.exports.AltPayOAuthError;
  const e = new Foreign("network_error", "made in another realm");
  assert.equal(e instanceof Error, false, "really another realm");
  assert.ok(e instanceof entries.esm.AltPayOAuthError);
  assert.ok(new entries.esm.AltPayOAuthError("timeout", "x") instanceof Foreign);
});

test("a missing .wasm: import works, every call rejects with an AltPayOAuthError that says what to do", async () => {
  const copy = mkdtempSync(join(tmpdir(), "altpay-nowasm-"));
  try {
    cpSync(join(app, "node_modules/altpay-oauth"), join(copy, "node_modules/altpay-oauth"), { recursive: true });
    rmSync(join(copy, "node_modules/altpay-oauth/altpay_oauth_bg.wasm"));
    const req = createRequire(join(copy, "index.js"));
    for (const api of [await import(pathToFileURL(join(copy, "node_modules/altpay-oauth/node.mjs")).href), req("altpay-oauth")]) {
      const e = await rejection(api.createOAuthToken({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl }));
      assert.ok(e instanceof entries.esm.AltPayOAuthError, String(e));
      assert.equal(e.code, "invalid_config");
      assert.match(e.message, /could not load its WebAssembly module \(altpay_oauth_bg\.wasm\): ENOENT/);
      assert.match(e.message, /import "altpay-oauth\/embedded"/);
      const client = new api.TokenClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl });
      const e2 = await rejection(client.getToken());
      assert.ok(e2 instanceof api.AltPayOAuthError);
      assert.equal(e2.code, "invalid_config");
    }
    // the embedded entry does not need the file
    const embedded = req("altpay-oauth/embedded");
    const token = await embedded.createOAuthToken({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl });
    assert.equal(token.token_type, "bearer");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

// ---- what Node prints for an uncaught AltPayOAuthError ------------------------------------------------
const UNCAUGHT = {
  "esm-await.mjs": `import { createOAuthToken } from "altpay-oauth";
await createOAuthToken({ clientId: "test-client", clientSecret: "wrong", baseUrl: process.argv[2] });`,
  "cjs-unhandled.cjs": `const { createOAuthToken } = require("altpay-oauth");
createOAuthToken({ clientId: "test-client", clientSecret: "wrong", baseUrl: process.argv[2] });`,
  "esm-sync.mjs": `import { TokenClient } from "altpay-oauth";
new TokenClient({ clientId: "", clientSecret: "x", baseUrl: process.argv[2] });`,
  "cjs-sync.cjs": `const { TokenClient } = require("altpay-oauth");
new TokenClient({ clientId: "", clientSecret: "x", baseUrl: process.argv[2] });`,
};

for (const [label, node] of [["node20", process.execPath], ["node22", NODE22], ["node24", NODE24]]) {
  test(`${label}: an uncaught AltPayOAuthError prints its name, code and message, not the package's source`, { skip: !existsSync(node) && `${node} missing (make setup-node-versions)` }, async () => {
    const bundles = ["node.mjs", "node.cjs"].map((f) => readFileSync(join(app, "node_modules/altpay-oauth", f), "utf8"));
    // (one copy of a line the ESM and CommonJS bundles share)
    const chunks = [...new Set(bundles.flatMap((b) => b.split("\n")).filter((l) => l.length >= 40))];
    for (const [file, code] of Object.entries(UNCAUGHT)) {
      writeFileSync(join(app, file), code);
      const r = await run(node, [file, baseUrl], { cwd: app, timeoutMs: 30_000 });
      assert.equal(r.code, 1, `${file}: exit status`);
      const expected = file.includes("sync")
        ? "AltPayOAuthError [invalid_config]: clientId must be a non-empty string"
        : "AltPayOAuthError [invalid_credentials]: token endpoint rejected the client credentials";
      assert.ok(r.stderr.includes(expected), `${file}: stderr has ${expected}:\n${r.stderr}`);
      assert.match(r.stderr, /code: '(invalid_credentials|invalid_config)'/, `${file}: the fields are printed`);
      assert.ok(r.stderr.length < 4000, `${file}: ${r.stderr.length} characters on stderr`);
      const leaked = chunks.filter((c) => r.stderr.includes(c));
      // A synchronous throw in CommonJS is the one case where Node prints the line of the throw itself:
      // the entries are cut into lines of about 200 characters (esbuild lineLimit), so that is one short line.
      if (file === "cjs-sync.cjs") assert.ok(leaked.length <= 1 && leaked.every((l) => l.length <= 300), `${file}:\n${r.stderr}`);
      else assert.deepEqual(leaked, [], `${file}: package source on stderr:\n${r.stderr}`);
    }
  });
}
