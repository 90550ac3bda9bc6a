// The `altpay-oauth` bin, run from the installed tarball (npm pack pkg/ -> npm install into a scratch
// project -> node_modules/.bin/altpay-oauth) against the mock token server (run: make test-cli).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { installPackage, run, cleanEnv, startMockCli } from "./support/package.mjs";

// Distinctive secrets: none of them may ever show up in anything the bin prints.
const SECRET = `s3cr3t-${randomBytes(8).toString("hex")}`;
const WRONG = `wr0ng-${randomBytes(8).toString("hex")}`;
const FLAG_SECRET = `flag-${randomBytes(8).toString("hex")}`;
const FORBIDDEN = [SECRET, WRONG, FLAG_SECRET, Buffer.from(`test-client:${SECRET}`).toString("base64")];
const CODES = {
  usage: 2,
  invalid_config: 3,
  invalid_credentials: 4,
  http_error: 5,
  rate_limited: 6,
  invalid_response: 7,
  network_error: 8,
  timeout: 9,
  aborted: 10,
};

let installed;
let mock;
const outputs = []; // every stdout and stderr the bin produced, checked for secrets at the end

before(async () => {
  installed = await installPackage();
  // the mock server shipped in the package, in-process, with our own secret
  const { startMockServer } = await import(pathToFileURL(join(installed.pkg, "mock-server.mjs")).href);
  mock = await startMockServer({ port: 0, clients: { "test-client": SECRET } });
});
after(async () => {
  await mock?.close();
  installed?.cleanup();
});

/** Run the installed bin with a clean environment plus `env`. */
async function cli(args, { env = {}, input, timeoutMs } = {}) {
  const r = await run(installed.bin, args, { cwd: installed.app, env: cleanEnv(env), input, timeoutMs });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const creds = (extra = {}) => ({ ALTPAY_CLIENT_ID: "test-client", ALTPAY_CLIENT_SECRET: SECRET, ...extra });

/** An error run: the exit status of `code`, nothing on stdout, exactly one line on stderr. */
function assertError(r, code, pattern) {
  assert.equal(r.code, CODES[code], `exit status for ${code}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`^altpay-oauth: ${code}: [^\\n]+\\n$`));
  if (pattern) assert.match(r.stderr, pattern);
}

async function closedPort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

test("--help, help, --version; no command is a usage error", async () => {
  for (const args of [["--help"], ["-h"], ["help"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: altpay-oauth <command>/);
    assert.match(r.stdout, /token/);
    assert.match(r.stdout, /mock/);
  }
  const v = await cli(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `${installed.version}\n`);
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /usage: altpay-oauth <command>/);
  assertError(await cli(["frobnicate"]), "usage", /unknown command/);
});

test("token --help documents the credentials and the exit codes", async () => {
  for (const args of [["token", "--help"], ["help", "token"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0);
    for (const s of ["ALTPAY_CLIENT_ID", "ALTPAY_CLIENT_SECRET", "--secret-stdin", "--environment", "--base-url", "--header"]) {
      assert.ok(r.stdout.includes(s), s);
    }
    for (const [code, n] of Object.entries(CODES)) assert.match(r.stdout, new RegExp(`\\b${n} ${code}\\b`), code);
  }
});

test("token prints the AccessToken as pretty JSON, and it works on /customers", async () => {
  const t0 = Date.now();
  const r = await cli(["token", "--base-url", mock.url], { env: creds() });
  const t1 = Date.now();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.ok(r.stdout.startsWith('{\n  "access_token": '), r.stdout);
  const token = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(token), ["access_token", "token_type", "expires_in", "expires_at"]);
  assert.match(token.access_token, /^[0-9a-f]{56}$/);
  assert.equal(token.token_type, "bearer");
  assert.equal(token.expires_in, 3600);
  assert.ok(token.expires_at >= t0 + 3600_000 && token.expires_at <= t1 + 3600_000, String(token.expires_at));
  const res = await fetch(`${mock.url}/customers`, { headers: { authorization: `Bearer ${token.access_token}` } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: [{ id: "cus_1", name: "Ada" }] });
});

test("token --header prints exactly the Authorization header", async () => {
  const r = await cli(["token", "--header", `--base-url=${mock.url}`], { env: creds() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const m = /^Authorization: Bearer ([0-9a-f]{56})\n$/.exec(r.stdout);
  assert.ok(m, JSON.stringify(r.stdout));
  const [name, value] = r.stdout.trim().split(": ");
  const res = await fetch(`${mock.url}/customers`, { headers: { [name]: value } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test("--client-id with --secret-stdin reads one line; ALTPAY_BASE_URL and --environment", async () => {
  const lane = mock.lane("stdin");
  const r = await cli(["token", "--client-id", "test-client", "--secret-stdin", "--base-url", lane.baseUrl, "--header"], {
    input: `${SECRET}\r\nsecond line is ignored\n`,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Authorization: Bearer [0-9a-f]{56}\n$/);
  const [entry] = lane.log();
  assert.equal(entry.headers.authorization, "Basic " + Buffer.from(`test-client:${SECRET}`).toString("base64"));
  assert.equal(entry.body, "grant_type=client_credentials");

  // no trailing newline at all is one line too
  const r2 = await cli(["token", "--client-id=test-client", "--secret-stdin", "--base-url", lane.baseUrl], { input: SECRET });
  assert.equal(r2.code, 0, r2.stderr);

  // the base URL from the environment; an explicit --environment wins over it (and demo is https)
  const r3 = await cli(["token"], { env: creds({ ALTPAY_BASE_URL: lane.baseUrl }) });
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(lane.count().token, 3);

  // the secret from stdin takes precedence over the environment
  const r4 = await cli(["token", "--secret-stdin", "--base-url", lane.baseUrl], { env: creds({ ALTPAY_CLIENT_SECRET: WRONG }), input: `${SECRET}\n` });
  assert.equal(r4.code, 0, r4.stderr);
});

test("invalid_credentials (403): exit 4, one line with the status and the server's message", async () => {
  const r = await cli(["token", "--base-url", mock.url], { env: creds({ ALTPAY_CLIENT_SECRET: WRONG }) });
  assertError(r, "invalid_credentials", /\(403\): Invalid credentials/);
  const r2 = await cli(["token", "--client-id", "test-client", "--secret-stdin", "--base-url", mock.url], { input: `${WRONG}\n` });
  assertError(r2, "invalid_credentials");
});

test("invalid_config: exit 3 and no request sent", async () => {
  const lane = mock.lane("config");
  assertError(await cli(["token", "--base-url", "http://example.com"], { env: creds() }), "invalid_config", /https/);
  assertError(await cli(["token", "--client-id", "a:b", "--base-url", lane.baseUrl], { env: creds() }), "invalid_config", /clientId/);
  assertError(await cli(["token", "--base-url", "not a url"], { env: creds() }), "invalid_config");
  assertError(await cli(["token", "--timeout-ms", "0", "--base-url", lane.baseUrl], { env: creds() }), "invalid_config");
  // an empty line on stdin is an empty secret
  assertError(await cli(["token", "--client-id", "test-client", "--secret-stdin", "--base-url", lane.baseUrl], { input: "\n" }), "invalid_config", /clientSecret/);
  assert.equal(lane.count().all, 0);
});

test("network_error (closed port): exit 8", async () => {
  const port = await closedPort();
  const r = await cli(["token", "--retries", "0", "--base-url", `http://127.0.0.1:${port}`], { env: creds() });
  assertError(r, "network_error");
});

test("http_error, rate_limited, invalid_response, timeout: exits 5, 6, 7, 9", async () => {
  const cases = [
    ["http_error", { status: 500 }, /\(500\)/],
    ["http_error", { status: 302 }, /redirect/],
    ["rate_limited", { status: 429, headers: { "retry-after": "7" } }, /429.*retry after 7 s/],
    ["invalid_response", { status: 200, json: { token_type: "bearer", expires_in: 60 } }, /access_token/],
    ["timeout", { delayMs: 3000 }, /./],
  ];
  for (const [i, [code, step, pattern]] of cases.entries()) {
    const lane = mock.lane(`fault-${i}`);
    lane.script(step);
    const r = await cli(["token", "--retries", "0", "--timeout-ms", "300", "--base-url", lane.baseUrl], { env: creds() });
    assertError(r, code, pattern);
  }
});

test("server text never puts a control character on the terminal; --header never prints a bad token", async () => {
  const lane = mock.lane("controls");
  // a token with CR LF (header injection through `curl -H "$(altpay-oauth token --header)"`), one
  // with a C1 control, one with a non-ASCII letter: never printed, with --header or as JSON
  for (const accessToken of ["abc\r\nX-Injected: yes", "abc\u009b31mred", "abc\u4e00"]) {
    for (const header of [true, false]) {
      lane.script({ normal: true, accessToken });
      const r = await cli(["token", "--retries", "0", "--base-url", lane.baseUrl, ...(header ? ["--header"] : [])], { env: creds() });
      assertError(r, "invalid_response");
      assert.ok(!r.stderr.includes("abc"), r.stderr);
      assert.doesNotMatch(r.stderr.slice(0, -1), /[\u0000-\u001f\u007f-\u009f]/);
    }
  }
  // error text from the server with ESC, BEL, DEL and C1 controls: one printable line
  lane.script({ status: 400, json: { error: "invalid_request", error_description: "bad\u001b]0;pwned\u0007 \u001b[2J\u007f\u0085x" } });
  const r = await cli(["token", "--retries", "0", "--base-url", lane.baseUrl], { env: creds() });
  assertError(r, "http_error");
  assert.doesNotMatch(r.stderr.slice(0, -1), /[\u0000-\u001f\u007f-\u009f]/);
});

test("aborted: Ctrl-C during the request exits 10", async () => {
  const lane = mock.lane("abort");
  lane.script({ delayMs: 10_000 });
  const { spawn } = await import("node:child_process");
  const child = spawn(installed.bin, ["token", "--base-url", lane.baseUrl], { cwd: installed.app, env: cleanEnv(creds()) });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const exited = new Promise((r) => child.once("close", (code) => r(code)));
  const deadline = Date.now() + 10_000;
  while (lane.count().token === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(lane.count().token, 1, "the request reached the mock");
  child.kill("SIGINT");
  const code = await exited;
  outputs.push(stdout, stderr);
  assertError({ code, stdout, stderr }, "aborted");
});

test("usage errors: exit 2, one line, and the value of a secret flag is never echoed", async () => {
  const env = creds();
  const sent = mock.stats().tokenRequests;
  for (const args of [
    ["token", "--client-secret", FLAG_SECRET],
    ["token", `--client-secret=${FLAG_SECRET}`],
    ["token", "--base-url", mock.url, "--client-secret", FLAG_SECRET],
  ]) {
    const r = await cli(args, { env });
    assertError(r, "usage", /--client-secret is not accepted.*ALTPAY_CLIENT_SECRET.*--secret-stdin/);
  }
  // a secret pasted as an argument, or as an unknown flag's value, is not echoed either
  assertError(await cli(["token", FLAG_SECRET], { env }), "usage", /unexpected argument/);
  // an unknown option is never echoed, name included (it may be a secret with dashes); one of our flags
  // with a value glued on by ":" is named, the value not shown
  assertError(await cli(["token", `--secret-key=${FLAG_SECRET}`], { env }), "usage", /unknown option \(argument #1, not shown/);
  assertError(await cli(["token", `--${FLAG_SECRET}`], { env }), "usage", /unknown option \(argument #1, not shown/);
  assertError(await cli([`--${FLAG_SECRET}`]), "usage", /unknown option \(argument #1, not shown/);
  assertError(await cli(["token", `--client-secret:${FLAG_SECRET}`], { env }), "usage", /^altpay-oauth: usage: --client-secret is not accepted/);
  assertError(await cli(["token", `--secret:${FLAG_SECRET}`], { env }), "usage", /--secret is not accepted/);
  assertError(await cli(["token", `--client-id:${FLAG_SECRET}`], { env }), "usage", /--client-id cannot be written with what follows it \(not shown\)/);
  assertError(await cli(["token", "--environment", "staging"], { env }), "usage", /production or demo/);
  assertError(await cli(["token", "--retries", "lots"], { env }), "usage", /--retries/);
  assertError(await cli(["token", "--base-url"], { env }), "usage", /--base-url needs a value/);
  assertError(await cli(["token", "--base-url", mock.url]), "usage", /ALTPAY_CLIENT_ID/);
  assertError(await cli(["token", "--base-url", mock.url], { env: { ALTPAY_CLIENT_ID: "test-client" } }), "usage", /ALTPAY_CLIENT_SECRET/);
  // a usage error never sends anything
  assert.equal(mock.stats().tokenRequests, sent);
});

test("mock --help lists the switches", async () => {
  const r = await cli(["mock", "--help"]);
  assert.equal(r.code, 0);
  for (const s of ["usage: altpay-oauth mock", "--port", "--host", "--error-rate", "--latency-ms", "--expires-in", "--verbose", "/customers"]) {
    assert.ok(r.stdout.includes(s), s);
  }
  const bad = await cli(["mock", "--port", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port/);
});

test("mock serves tokens, /customers and the playground on loopback; switches apply", async () => {
  const m = await startMockCli(installed.bin, ["--port", "0", "--expires-in", "120", "--latency-ms", "20", "--verbose"], { cwd: installed.app });
  try {
    assert.match(m.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(m.banner[1], "client id: test-client  client secret: test-secret");
    assert.ok(m.banner.includes(`playground: ${m.url}/`), m.banner.join("\n"));
    // a token from it, through the CLI
    const r = await cli(["token", "--base-url", m.url], { env: { ALTPAY_CLIENT_ID: "test-client", ALTPAY_CLIENT_SECRET: "test-secret" } });
    assert.equal(r.code, 0, r.stderr);
    const token = JSON.parse(r.stdout);
    assert.equal(token.expires_in, 120);
    const customers = await fetch(`${m.url}/customers`, { headers: { authorization: `Bearer ${token.access_token}` } });
    assert.equal(customers.status, 200);
    await customers.arrayBuffer();
    // the page, its script, the browser build and the wasm
    const page = await fetch(`${m.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /^text\/html/);
    assert.match(await page.text(), /Client secrets belong on servers/);
    for (const [path, type] of [["/app.mjs", /^text\/javascript/], ["/style.css", /^text\/css/], ["/browser.mjs", /^text\/javascript/], ["/altpay_oauth_bg.wasm", /^application\/wasm/]]) {
      const res = await fetch(m.url + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type"), type, path);
      await res.arrayBuffer();
    }
    // --verbose logs requests (never the credentials)
    await new Promise((r) => setTimeout(r, 50));
    assert.match(m.stderr(), /\/oauth\/token -> 200/);
    assert.ok(!m.stderr().includes("test-secret") && !m.stderr().includes(Buffer.from("test-client:test-secret").toString("base64")));
  } finally {
    assert.equal(await m.stop(), 0, "mock exits 0 on SIGTERM");
  }
  // --error-rate 1: every token request is a 503
  const failing = await startMockCli(installed.bin, ["--port", "0", "--error-rate", "1"], { cwd: installed.app });
  try {
    const r = await cli(["token", "--retries", "0", "--base-url", failing.url], { env: { ALTPAY_CLIENT_ID: "test-client", ALTPAY_CLIENT_SECRET: "test-secret" } });
    assertError(r, "http_error", /503/);
  } finally {
    await failing.stop();
  }
});

test("no secret ever appears in stdout or stderr", () => {
  assert.ok(outputs.length > 40, `${outputs.length} outputs checked`);
  for (const text of outputs) {
    for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `a secret leaked into: ${text}`);
  }
});
