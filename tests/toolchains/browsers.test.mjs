// Browsers: the mock server's CORS for pages on loopback origins (its default), and the package's
// browser entry bundled by Vite (vite build, and the vite dev server), webpack 5 and esbuild (.wasm
// copied beside the bundle, as the package README says), each loaded in headless Chromium from a loopback origin other
// than the mock's, getting a token and a typed 403. Also: without the .wasm the page gets an
// AltPayOAuthError, and a request the browser blocks (no CORS) says that CORS may be why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { scratchApp, cleanup, run, start, bin, root, CHROMIUM } from "./support.mjs";

const require = createRequire(import.meta.url);
const here = join(root, "tests/toolchains");
let app;
let mock; // CORS for loopback origins: the default
let noCors; // cors: false
let context;
let profile;

before(async () => {
  mock = await startMockServer();
  noCors = await startMockServer({ cors: false });
});
after(async () => {
  await context?.close();
  await mock?.close();
  await noCors?.close();
  cleanup(app);
  cleanup(profile);
});

test("the mock answers CORS for loopback origins by default, and only for them", async () => {
  const preflight = (server, origin) =>
    fetch(`${server.url}/oauth/token`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
  for (const origin of ["http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:8080", "https://localhost"]) {
    const res = await preflight(mock, origin);
    assert.equal(res.status, 204, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    assert.match(res.headers.get("access-control-allow-headers"), /authorization/);
    assert.match(res.headers.get("vary") ?? "", /Origin/);
  }
  for (const origin of ["https://example.com", "http://localhost.example.com", "http://127.0.0.1.nip.io"]) {
    const res = await preflight(mock, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), null, origin);
  }
  const token = await fetch(`${mock.url}/oauth/token`, {
    method: "POST",
    headers: { origin: "http://localhost:5173", authorization: `Basic ${btoa("test-client:test-secret")}`, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  assert.equal(token.status, 200);
  assert.equal(token.headers.get("access-control-allow-origin"), "http://localhost:5173");
  const off = await preflight(noCors, "http://localhost:5173");
  assert.equal(off.headers.get("access-control-allow-origin"), null);
  const any = await startMockServer({ cors: true });
  try {
    assert.equal((await preflight(any, "https://example.com")).headers.get("access-control-allow-origin"), "*");
  } finally {
    await any.close();
  }
});

async function browser() {
  if (context) return context;
  const { chromium } = require("playwright-core");
  profile = mkdtempSync(join(tmpdir(), "altpay-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return context;
}

/** Open the page at `pageUrl` with ?base=<mock> (&blocked=<no-CORS mock>) and return window.__altpay. */
async function openPage(pageUrl, extra = "") {
  const page = await (await browser()).newPage();
  const log = [];
  page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(`${pageUrl}?base=${encodeURIComponent(mock.url)}${extra}`, { waitUntil: "load", timeout: 30_000 });
    await page.waitForFunction(() => window.__altpay !== undefined, null, { timeout: 30_000 });
    return await page.evaluate(() => window.__altpay);
  } catch (e) {
    throw new Error(`${e.message}\n${log.join("\n")}`);
  } finally {
    await page.close();
  }
}

function assertWorks(out) {
  assert.equal(out.tokenError, undefined, JSON.stringify(out.tokenError));
  assert.equal(out.token.token_type, "bearer");
  assert.ok(Math.abs(out.token.expires_at - (Date.now() + 3600e3)) < 60e3);
  assert.deepEqual(
    { instanceOf: out.error.instanceOf, name: out.error.name, code: out.error.code, status: out.error.status },
    { instanceOf: true, name: "AltPayOAuthError", code: "invalid_credentials", status: 403 },
  );
}

const skip = !existsSync(CHROMIUM) && `${CHROMIUM} not found (make setup-system)`;

test("browser bundles in headless Chromium", { skip, timeout: 600_000 }, async (t) => {
  app = await scratchApp("browsers", { deps: { vite: "8", webpack: "5", "webpack-cli": "6" }, packageJson: { type: "module" } });
  cpSync(join(here, "browser-app"), app, { recursive: true }); // no vite.config: Vite needs none
  const statics = [];
  const serve = async (dir) => {
    const s = await startMockServer({ staticDir: dir, cors: false });
    statics.push(s);
    return s.url;
  };
  try {
    await t.test("vite build", async () => {
      const r = await run(bin("vite").replace(/.*/, join(app, "node_modules/.bin/vite")), ["build", "--logLevel", "warn"], { cwd: app, timeoutMs: 300_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assertWorks(await openPage(`${await serve(join(app, "dist"))}/index.html`));
    });

    await t.test("vite dev server", async () => {
      const server = start(join(app, "node_modules/.bin/vite"), ["--host", "127.0.0.1", "--port", "0", "--strictPort", "false"], { cwd: app });
      try {
        const [, url] = await server.waitFor(/Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/, 60_000);
        assertWorks(await openPage(`${url}index.html`));
      } finally {
        await server.stop();
      }
    });

    await t.test("esbuild --bundle --format=esm, .wasm copied beside the bundle", async () => {
      const out = join(app, "dist-esbuild");
      mkdirSync(out, { recursive: true });
      const r = await run(bin("esbuild"), ["main.js", "--bundle", "--format=esm", `--outdir=${out}`, "--log-level=warning"], { cwd: app });
      assert.equal(r.code, 0, r.stderr);
      copyFileSync(join(app, "index.html"), join(out, "index.html"));
      // without the .wasm: a typed error from every call
      const missing = await openPage(`${await serve(out)}/index.html`);
      for (const e of [missing.tokenError, missing.error]) {
        assert.equal(e.instanceOf, true, JSON.stringify(e));
        assert.equal(e.code, "invalid_config");
        assert.match(e.message, /could not load its WebAssembly module \(altpay_oauth_bg\.wasm\).*404/);
      }
      copyFileSync(join(app, "node_modules/altpay-oauth/altpay_oauth_bg.wasm"), join(out, "altpay_oauth_bg.wasm"));
      assertWorks(await openPage(`${await serve(out)}/index.html`));
    });

    await t.test("webpack 5 (emits the .wasm itself)", async () => {
      const out = join(app, "dist-webpack");
      const r = await run(process.execPath, [join(app, "node_modules/webpack-cli/bin/cli.js"), "--mode=production", "--target=web", "--entry=./main.js", `--output-path=${out}`], { cwd: app, timeoutMs: 300_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      copyFileSync(join(app, "index.html"), join(out, "index.html"));
      assert.ok(readdirSync(out).some((f) => f.endsWith(".wasm")), "webpack emitted the .wasm");
      assertWorks(await openPage(`${await serve(out)}/index.html`));
    });

    // The message comes from the wasm layer (src/wasm/transport.rs `describe`).
    await t.test("a request the browser blocks (no CORS) says that CORS may be the cause", async () => {
      const out = await openPage(`${await serve(join(app, "dist"))}/index.html`, `&blocked=${encodeURIComponent(noCors.url)}`);
      assert.equal(out.blocked.instanceOf, true);
      assert.equal(out.blocked.code, "network_error");
      assert.match(out.blocked.message, /CORS/);
    });
  } finally {
    for (const s of statics) await s.close();
  }
});
