// A Vercel Edge Function (no framework: `api/*.js` with `config = { runtime: "edge" }`), the way Vercel
// handles it: `vercel build` (the Vercel CLI, offline with a local project link) must produce an edge
// function whose files include the package's edge-light entry and its .wasm; then the function is
// bundled and run by @vercel/node's own edge runner (what `vercel dev` uses: esbuild with the
// `edge-light` condition, `.wasm?module` compiled by the host and handed to an edge-runtime context,
// i.e. a WebAssembly.Module of another realm), asked for a token from the mock and for a typed error.
// The deployed bundle itself is made on Vercel's servers and cannot be made here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { scratchApp, cleanup, run, start, CLIENT_ID, CLIENT_SECRET } from "./support.mjs";

// pinned: newer majors of the Vercel CLI do not install on this project's machines
const VERCEL = "58.10.0";
const TOKEN = `import { createOAuthToken } from "altpay-oauth";

export const config = { runtime: "edge" };

export default async function handler() {
  const token = await createOAuthToken({
    clientId: process.env.ALTPAY_CLIENT_ID ?? "",
    clientSecret: process.env.ALTPAY_CLIENT_SECRET ?? "",
    baseUrl: process.env.ALTPAY_BASE_URL,
  });
  return Response.json({ expires_at: token.expires_at });
}
`;
const ERROR = `import { createOAuthToken, AltPayOAuthError } from "altpay-oauth";

export const config = { runtime: "edge" };

export default async function handler() {
  try {
    await createOAuthToken({ clientId: "test-client", clientSecret: "wrong", baseUrl: process.env.ALTPAY_BASE_URL, retries: 0 });
    return Response.json({ threw: false });
  } catch (e) {
    return Response.json({ threw: true, instanceOf: e instanceof AltPayOAuthError, name: e.name, code: e.code, status: e.status });
  }
}
`;
const ENV = { VERCEL_TELEMETRY_DISABLED: "1", CI: "1" };

let app;
let mock;
before(async () => {
  app = await scratchApp("vercel", {
    deps: { vercel: VERCEL },
    packageJson: { type: "module" },
    files: {
      "api/token.js": TOKEN,
      "api/error.js": ERROR,
      // a local project link: `vercel build` then needs no account and no network
      ".vercel/project.json": JSON.stringify({ projectId: "prj_local", orgId: "team_local", settings: { framework: null } }),
    },
  });
  mock = await startMockServer();
});
after(async () => {
  await mock?.close();
  cleanup(app);
});

test("vercel build: an edge function with the edge-light entry and its .wasm", async () => {
  const r = await run(join(app, "node_modules/.bin/vercel"), ["build", "--yes"], { cwd: app, env: ENV, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const func = join(app, ".vercel/output/functions/api/token.func");
  const config = JSON.parse(readFileSync(join(func, ".vc-config.json"), "utf8"));
  assert.equal(config.runtime, "edge");
  for (const f of ["edge-light.mjs", "altpay_oauth_bg.wasm"]) assert.ok(existsSync(join(func, "node_modules/altpay-oauth", f)), `${f} is in the function`);
});

for (const [route, check] of [
  ["api/token.js", (body) => assert.ok(Math.abs(body.expires_at - (Date.now() + 3600e3)) < 60e3, JSON.stringify(body))],
  [
    "api/error.js",
    (body) => assert.deepEqual(body, { threw: true, instanceOf: true, name: "AltPayOAuthError", code: "invalid_credentials", status: 403 }),
  ],
]) {
  test(`@vercel/node's edge runner (vercel dev): ${route}`, async () => {
    const server = start(process.execPath, [join(app, "node_modules/@vercel/node/dist/dev-server.mjs")], {
      cwd: app,
      env: { ...ENV, VERCEL_DEV_ENTRYPOINT: route, ALTPAY_CLIENT_ID: CLIENT_ID, ALTPAY_CLIENT_SECRET: CLIENT_SECRET, ALTPAY_BASE_URL: mock.url },
    });
    try {
      const [, port] = await server.waitFor(/Dev server listening:.*port: (\d+)/, 60_000);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const text = await res.text();
      assert.equal(res.status, 200, `${text.slice(0, 2000)}\n${server.output().slice(-3000)}`);
      check(JSON.parse(text));
    } finally {
      await server.stop();
    }
  });
}
