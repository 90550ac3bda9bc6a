// Bundled server code: a one-file app that imports "altpay-oauth/embedded" (the .wasm inside the
// JavaScript), bundled by esbuild (--platform=node, ESM and CJS), webpack, @vercel/ncc, `bun build
// --compile` and Deno (`deno bundle`; `deno compile` where its runtime binary can be had), then run from
// another directory with no node_modules and no .wasm beside it, getting a token from the mock server.
// Also the control: the plain "altpay-oauth" import bundled by esbuild loses the .wasm, and says so with
// an AltPayOAuthError that names "altpay-oauth/embedded".
//
// The package README's "Bundled server code" commands are these (tests/readme checks they match).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { scratchApp, cleanup, run, bin, CLIENT_ID, CLIENT_SECRET } from "./support.mjs";

const APP_ESM = `import { createOAuthToken } from "altpay-oauth/embedded";

const token = await createOAuthToken({
  clientId: process.env.ALTPAY_CLIENT_ID ?? "",
  clientSecret: process.env.ALTPAY_CLIENT_SECRET ?? "",
  baseUrl: process.env.ALTPAY_BASE_URL,
});
console.log(JSON.stringify({ token_type: token.token_type, expires_at: token.expires_at }));
`;
const APP_CJS = `const { createOAuthToken } = require("altpay-oauth/embedded");

createOAuthToken({
  clientId: process.env.ALTPAY_CLIENT_ID ?? "",
  clientSecret: process.env.ALTPAY_CLIENT_SECRET ?? "",
  baseUrl: process.env.ALTPAY_BASE_URL,
}).then((token) => console.log(JSON.stringify({ token_type: token.token_type, expires_at: token.expires_at })));
`;
const WEBPACK_CONFIG = `module.exports = {
  mode: "production",
  target: "node",
  entry: "./app.cjs",
  output: { path: __dirname + "/dist-webpack", filename: "app.js" },
};
`;

let app;
let mock;
let outside; // where the bundles run: no node_modules, no .wasm
const env = () => ({ ALTPAY_CLIENT_ID: CLIENT_ID, ALTPAY_CLIENT_SECRET: CLIENT_SECRET, ALTPAY_BASE_URL: mock.url });

before(async () => {
  app = await scratchApp("bundlers", {
    deps: { webpack: "5", "webpack-cli": "6", "@vercel/ncc": "0.38" },
    files: { "app.mjs": APP_ESM, "app.cjs": APP_CJS, "webpack.config.cjs": WEBPACK_CONFIG, "deno.json": '{ "nodeModulesDir": "manual" }\n' },
  });
  mock = await startMockServer();
  outside = mkdtempSync(join(tmpdir(), "altpay-bundled-"));
});
after(async () => {
  await mock?.close();
  cleanup(app);
  cleanup(outside);
});

/** Copy a built file (or folder) out of the app and run it there; check the token it printed. */
async function runOutside(name, built, cmd) {
  const dest = join(outside, name);
  cpSync(join(app, built), dest, { recursive: true });
  const wasm = readdirSync(outside, { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
  assert.deepEqual(wasm, [], "no .wasm travels with the bundle");
  const r = await run(cmd[0] === "@" ? join(outside, name) : cmd[0], cmd.slice(1).map((a) => a.replace("@", dest)), { cwd: outside, env: env(), timeoutMs: 60_000 });
  assert.equal(r.code, 0, `${name}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  assert.equal(out.token_type, "bearer");
  assert.ok(Math.abs(out.expires_at - (Date.now() + 3600e3)) < 60e3);
  return r;
}

async function build(cmd, args) {
  const r = await run(cmd, args, { cwd: app, timeoutMs: 300_000 });
  assert.equal(r.code, 0, `${[cmd, ...args].join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

test("control: esbuild --bundle --platform=node of the plain import cannot find the .wasm, and says what to do", async () => {
  writeFileSync(join(app, "plain.mjs"), APP_ESM.replace('"altpay-oauth/embedded"', '"altpay-oauth"'));
  await build(bin("esbuild"), ["plain.mjs", "--bundle", "--platform=node", "--format=esm", "--outfile=dist-plain/app.mjs", "--log-level=warning"]);
  cpSync(join(app, "dist-plain/app.mjs"), join(outside, "plain.mjs"));
  const r = await run(process.execPath, ["plain.mjs"], { cwd: outside, env: env() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /AltPayOAuthError \[invalid_config\]: altpay-oauth could not load its WebAssembly module \(altpay_oauth_bg\.wasm\): ENOENT/);
  assert.match(r.stderr, /import "altpay-oauth\/embedded" instead/);
});

test("esbuild --bundle --platform=node --format=esm", async () => {
  await build(bin("esbuild"), ["app.mjs", "--bundle", "--platform=node", "--format=esm", "--outfile=dist-esbuild/app.mjs", "--log-level=warning"]);
  await runOutside("esbuild.mjs", "dist-esbuild/app.mjs", [process.execPath, "@"]);
});

test("esbuild --bundle --platform=node --format=cjs", async () => {
  await build(bin("esbuild"), ["app.cjs", "--bundle", "--platform=node", "--format=cjs", "--outfile=dist-esbuild/app.cjs", "--log-level=warning"]);
  await runOutside("esbuild.cjs", "dist-esbuild/app.cjs", [process.execPath, "@"]);
});

test("webpack (target node)", async () => {
  await build(process.execPath, [join(app, "node_modules/webpack-cli/bin/cli.js"), "--config", "webpack.config.cjs"]);
  await runOutside("webpack.js", "dist-webpack/app.js", [process.execPath, "@"]);
});

test("@vercel/ncc build", async () => {
  await build(process.execPath, [join(app, "node_modules/@vercel/ncc/dist/ncc/cli.js"), "build", "app.cjs", "-o", "dist-ncc", "--quiet"]);
  const main = readdirSync(join(app, "dist-ncc")).find((f) => /^index\.c?js$/.test(f));
  assert.ok(main, "ncc wrote index.js or index.cjs");
  await runOutside("ncc", "dist-ncc", [process.execPath, `@/${main}`]);
});

test("bun build --compile (a standalone executable)", async () => {
  await build(bin("bun"), ["build", "app.mjs", "--compile", "--outfile", "dist-bun/app"]);
  await runOutside("bun-app", "dist-bun/app", ["@"]);
});

test("deno bundle, then deno run", async () => {
  await build(bin("deno"), ["bundle", "--quiet", "--platform", "deno", "-o", "dist-deno/app.js", "app.mjs"]);
  await runOutside("deno-bundle.js", "dist-deno/app.js", [bin("deno"), "run", "--quiet", "--allow-env", "--allow-net=127.0.0.1", "@"]);
});

test("deno compile (a standalone executable)", async (t) => {
  const r = await run(bin("deno"), ["compile", "--quiet", "--allow-env", "--allow-net=127.0.0.1", "--output", "dist-deno/app", "app.mjs"], { cwd: app, timeoutMs: 300_000 });
  if (r.code !== 0 && /denort/.test(r.stderr) && /error sending request|dns error|Download/i.test(r.stderr)) {
    t.skip("deno compile needs its runtime binary (denort) from Deno's download server, which this machine cannot reach (set DENORT_BIN to a local denort to run it)");
    return;
  }
  assert.equal(r.code, 0, r.stderr);
  await runOutside("deno-app", "dist-deno/app", ["@"]);
});
