// The playground page (www/), served by the installed package's `altpay-oauth mock`, driven in headless
// Chromium through playwright-core (run: make test-cli). Screenshots: tests/artifacts/www.png (token and
// /customers) and tests/artifacts/www-error.png (the typed 403 error).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installPackage, startMockCli, root } from "../cli/support/package.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = join(root, "tests/artifacts");
const WRONG = "wrong-secret-from-the-www-test";
const require = createRequire(import.meta.url);

let installed;
let mock;
let context;
let page;
let profile;
const problems = []; // page errors, console errors, requests that left the mock's origin

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (make setup-system)`);
  installed = await installPackage();
  mock = await startMockCli(installed.bin, ["--port", "0"], { cwd: installed.app });
  const { chromium } = require("playwright-core");
  profile = mkdtempSync(join(tmpdir(), "altpay-www-profile-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1180, height: 820 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // failed loads are checked below, by URL (the browser logs the expected 403 of the wrong secret)
    if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !(r.status() === 403 && r.url() === `${mock.url}/oauth/token`)) {
      problems.push(`${r.status()} for ${r.url()}`);
    }
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(`${mock.url}/`)) problems.push(`request outside the mock: ${r.url()}`);
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await context?.close();
  await mock?.stop();
  installed?.cleanup();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const text = (selector) => page.locator(selector).innerText();

test("the page loads, prefilled for the mock, with the note about secrets", async () => {
  await page.goto(`${mock.url}/`, { waitUntil: "load" });
  assert.equal(await page.title(), "altpay-oauth playground");
  const note = page.getByRole("note");
  assert.ok(await note.isVisible());
  assert.match(await note.innerText(), /Client secrets belong on servers, not in browsers/);
  assert.equal(await page.inputValue("#baseUrl"), mock.url);
  assert.equal(await page.inputValue("#clientId"), "test-client");
  assert.equal(await page.inputValue("#clientSecret"), "test-secret");
});

test("Get token shows the AccessToken and a live expiry countdown", async () => {
  await page.fill("#baseUrl", mock.url);
  await page.fill("#clientId", "test-client");
  await page.fill("#clientSecret", "test-secret");
  await page.getByRole("button", { name: "Get token" }).click();
  await page.waitForSelector("#tokenCard.ok");
  const token = JSON.parse(await text("#tokenBody pre"));
  assert.deepEqual(Object.keys(token), ["access_token", "token_type", "expires_in", "expires_at"]);
  assert.match(token.access_token, /^[0-9a-f]{56}$/);
  assert.equal(token.token_type, "bearer");
  assert.equal(token.expires_in, 3600);
  assert.ok(Math.abs(token.expires_at - (Date.now() + 3600_000)) < 60_000);
  assert.match(await text("#tokenStatus"), /^AccessToken · \d+ ms$/);
  const first = await text("#countdownText");
  assert.match(first, /^expires in (59:[0-5]\d|1:00:00) \(at .+\)$/);
  // the countdown moves
  await page.waitForFunction((t) => document.getElementById("countdownText").textContent !== t, first, { timeout: 3000 });
});

test("Call /customers with TokenClient.fetch shows the data", async () => {
  await page.getByRole("button", { name: "Call /customers with TokenClient.fetch" }).click();
  await page.waitForSelector("#customersCard.ok");
  assert.equal(await text("#customersStatus"), "200 OK");
  assert.deepEqual(JSON.parse(await text("#customersBody pre")), { data: [{ id: "cus_1", name: "Ada" }] });
  await page.screenshot({ path: join(ARTIFACTS, "www.png"), fullPage: true });
});

test("a wrong secret shows the typed 403 error (invalid_credentials), without the secret", async () => {
  await page.fill("#clientSecret", WRONG);
  await page.getByRole("button", { name: "Get token" }).click();
  await page.waitForSelector("#tokenCard.failed");
  assert.ok(await page.locator("#countdown").isHidden(), "no countdown for a failed request");
  const rows = await page.$$eval("#tokenBody dl.error dt", (dts) =>
    Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
  );
  assert.equal(rows.name, "AltPayOAuthError");
  assert.equal(rows.code, "invalid_credentials");
  assert.equal(rows.status, "403");
  assert.match(rows.message, /rejected the client credentials \(403\): Invalid credentials/);
  assert.deepEqual(JSON.parse(rows.details), { message: "Invalid credentials" });
  // /customers with the wrong secret: the same typed error, from TokenClient
  await page.getByRole("button", { name: "Call /customers with TokenClient.fetch" }).click();
  await page.waitForSelector("#customersCard.failed");
  assert.match(await text("#customersBody"), /invalid_credentials/);
  const body = await page.evaluate(() => document.body.innerText);
  assert.ok(!body.includes(WRONG) && !body.includes("test-secret"), "the secret is not shown on the page");
  await page.screenshot({ path: join(ARTIFACTS, "www-error.png"), fullPage: true });
});

test("an invalid base URL is an invalid_config error; the page stayed on the mock's origin", async () => {
  await page.fill("#clientSecret", "test-secret");
  await page.fill("#baseUrl", "http://example.com");
  await page.getByRole("button", { name: "Get token" }).click();
  await page.waitForFunction(() => /invalid_config/.test(document.getElementById("tokenBody").textContent));
  assert.match(await text("#tokenBody"), /https/);
  assert.deepEqual(problems, []);
});
