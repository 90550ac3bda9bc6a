// Next.js: the package in an Edge route handler (the package README's example, extracted) and in a
// Node.js route handler, under the latest Next 15 and 16, built with each bundler (`next build`), then
// started (`next start`) and asked for a token from the mock server; and `next dev` (default bundler). Also a typed error inside the edge
// sandbox (another realm than the host: `instanceof`, name, code).
//
// Control first: the app has a bare Edge route too (no package). When a build fails, the bare route is
// built alone; if that fails too, the bundler cannot build an Edge route here at all and the row is
// skipped with that reason (Next 16's webpack build is reported to), else the package is at fault.
//
// Next and React are installed into each scratch app from the npm registry (npm's cache makes repeats
// fast). NEXT_VERSIONS=15,16 and NEXT_BUNDLERS=turbopack,webpack narrow the matrix.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { codeBlocks } from "../readme/blocks.mjs";
import { scratchApp, cleanup, run, start, root, CLIENT_ID, CLIENT_SECRET } from "./support.mjs";

const here = join(root, "tests/toolchains");
const VERSIONS = (process.env.NEXT_VERSIONS || "15,16").split(",");
const BUNDLERS = (process.env.NEXT_BUNDLERS || "turbopack,webpack").split(",");
const ENV = { NEXT_TELEMETRY_DISABLED: "1", CI: "1" };

// The Edge route is the package README's block whose first line names it.
const readmeRoute = codeBlocks(join(root, "pkg-template/README.md")).find((b) => b.name === "app/api/token-check/route.ts");

let mock;
before(async () => {
  mock = await startMockServer();
});
after(async () => {
  await mock?.close();
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function buildArgs(version, bundler) {
  if (version === "16") return bundler === "webpack" ? ["build", "--webpack"] : ["build"];
  return bundler === "turbopack" ? ["build", "--turbopack"] : ["build"];
}

/** `next start` or `next dev` on a free port, then the routes against the mock. */
async function serveAndAsk(nextBin, app, command) {
  const port = await freePort();
  const server = start(process.execPath, [nextBin, ...command, "-p", String(port), "-H", "127.0.0.1"], {
    cwd: app,
    env: { ...ENV, ALTPAY_CLIENT_ID: CLIENT_ID, ALTPAY_CLIENT_SECRET: CLIENT_SECRET, ALTPAY_BASE_URL: mock.url },
  });
  try {
    await server.waitFor(/Ready in|ready started|started server/i, 120_000);
    const get = async (path) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(180_000) });
      const text = await res.text();
      assert.equal(res.status, 200, `${path}: ${res.status} ${text.slice(0, 2000)}\n${server.output().slice(-3000)}`);
      return JSON.parse(text);
    };
    assert.deepEqual(await get("/api/bare"), { bare: true });
    for (const path of ["/api/token-check", "/api/node-check"]) {
      const before = mock.lane("default").log().length;
      const body = await get(path);
      assert.ok(Math.abs(body.expires_at - (Date.now() + 3600e3)) < 60e3, `${path}: expires_at ${body.expires_at}`);
      assert.equal(mock.lane("default").log().length, before + 1, `${path}: one token request reached the mock`);
    }
    assert.deepEqual(await get("/api/edge-error"), {
      threw: true,
      instanceOf: true,
      name: "AltPayOAuthError",
      constructorName: "AltPayOAuthError",
      code: "invalid_credentials",
      status: 403,
    });
    assert.doesNotMatch(server.output(), /test-secret|wrong-secret/);
  } finally {
    await server.stop();
  }
}

for (const version of VERSIONS) {
  test(`Next ${version}`, { timeout: 900_000 }, async (t) => {
    assert.ok(readmeRoute, "pkg-template/README.md has the app/api/token-check/route.ts block");
    const t0 = Date.now();
    const app = await scratchApp(`next${version}`, {
      deps: { next: version, react: "19", "react-dom": "19", typescript: "5.9.3", "@types/react": "19", "@types/node": "22" },
      packageJson: { type: "module" },
    });
    t.diagnostic(`install: ${Date.now() - t0} ms`);
    try {
      cpSync(join(here, "next-app"), app, { recursive: true });
      mkdirSync(join(app, "app/api/token-check"), { recursive: true });
      writeFileSync(join(app, "app/api/token-check/route.ts"), readmeRoute.code);
      const nextBin = join(app, "node_modules/next/dist/bin/next");
      for (const bundler of BUNDLERS) {
        await t.test(`${bundler}: next build, next start, Edge and Node route handlers get a token`, async (st) => {
          rmSync(join(app, ".next"), { recursive: true, force: true });
          const b = await run(process.execPath, [nextBin, ...buildArgs(version, bundler)], { cwd: app, env: ENV, timeoutMs: 600_000 });
          st.diagnostic(`next build (${bundler}): ${b.ms} ms, exit ${b.code}`);
          if (b.code !== 0) {
            // control: the bare Edge route alone
            const full = `${b.stdout}\n${b.stderr}`.slice(-4000);
            const saved = join(app, "..", `${app.split("/").pop()}-saved-api`);
            cpSync(join(app, "app/api"), saved, { recursive: true });
            for (const r of ["token-check", "node-check", "edge-error"]) rmSync(join(app, "app/api", r), { recursive: true, force: true });
            rmSync(join(app, ".next"), { recursive: true, force: true });
            const c = await run(process.execPath, [nextBin, ...buildArgs(version, bundler)], { cwd: app, env: ENV, timeoutMs: 600_000 });
            rmSync(join(app, "app/api"), { recursive: true, force: true });
            cpSync(saved, join(app, "app/api"), { recursive: true });
            rmSync(saved, { recursive: true, force: true });
            if (c.code !== 0) {
              const why = `${c.stdout}\n${c.stderr}`.split("\n").filter((l) => /error|failed/i.test(l)).slice(0, 3).join(" | ");
              st.skip(`Next ${version} with ${bundler} cannot build a bare Edge route here either: ${why}`);
              return;
            }
            assert.fail(`next build (${bundler}) fails with the package but builds the bare Edge route:\n${full}`);
          }
          await serveAndAsk(nextBin, app, ["start"]);
        });
      }
      // next dev with its default bundler (Turbopack in 16, webpack in 15): routes compiled on request
      await t.test("next dev: Edge and Node route handlers get a token", async () => {
        rmSync(join(app, ".next"), { recursive: true, force: true });
        await serveAndAsk(nextBin, app, ["dev"]);
      });
    } finally {
      cleanup(app);
    }
  });
}
