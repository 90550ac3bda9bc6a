#!/usr/bin/env node
// Soak: many token requests with a fault mix, then many cached getToken() calls, through the built
// package. Checks that the JS heap, the process RSS and the wasm linear memory stay flat after warm-up,
// that nothing is left unhandled, that every outcome has the expected code, and that the process then
// exits on its own (no timer, socket or handle left running; this script never calls process.exit).
//
//   node --expose-gc tests/hardening/soak.mjs                          100,000 requests, 1,000,000 cached calls (make soak)
//   node --expose-gc tests/hardening/soak.mjs --requests 5000 --cached 200000   the reduced CI run (soak.test.mjs)
//   options: --requests N  --cached N  --concurrency N (default 32)  --quiet  --skip-midbody
//
// The mock token server runs in a child process, so its own bookkeeping does not count against ours.
// Prints one JSON summary line prefixed "soak: result " and, last, "soak: done".
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REQUESTS = arg("requests", 100_000);
const CACHED = arg("cached", 1_000_000);
const CONCURRENCY = arg("concurrency", 32);
const QUIET = args.includes("--quiet");
const log = (...a) => QUIET || console.log(...a);

// Capture the wasm instance(s) the package creates, to watch their linear memory.
const instances = [];
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = class extends RealInstance {
  constructor(module, imports) {
    super(module, imports);
    instances.push(this);
  }
};
const { pkg, CLIENT_ID, SECRET, gc, hasGc } = await import("./support.mjs");
WebAssembly.Instance = RealInstance;
const { createOAuthToken, TokenClient, AltPayOAuthError } = pkg;
// The export names are minified in the package: find the memory by type.
const memoryOf = (i) => Object.values(i.exports).find((v) => v instanceof WebAssembly.Memory);
const wasmBytes = () => instances.reduce((n, i) => n + (memoryOf(i)?.buffer.byteLength ?? 0), 0);

let unhandled = 0;
process.on("unhandledRejection", (e) => {
  unhandled++;
  console.error("soak: unhandled rejection", e && e.message);
});

// ---- the mock, in a child process --------------------------------------------------------------------
const MOCK_URL = new URL("../../js/mock-server.mjs", import.meta.url).href;
async function startMockChild(options) {
  const code = `
    import { startMockServer } from ${JSON.stringify(MOCK_URL)};
    const m = await startMockServer({ port: 0, clients: { [process.env.SOAK_ID]: process.env.SOAK_SECRET }, ...${JSON.stringify(options)} });
    process.stdout.write(m.url + "\\n");
    process.on("SIGTERM", async () => { await m.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, SOAK_ID: CLIENT_ID, SOAK_SECRET: SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(line.trim());
    });
    child.once("exit", (c) => reject(new Error(`mock exited with ${c}`)));
  });
  child.stdout.resume();
  return {
    url,
    child,
    async control(lane, action, body) {
      const r = await fetch(`${url}/__control/${lane}/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await r.arrayBuffer();
      assert.equal(r.status, 200, `control ${lane}/${action}`);
    },
    stop() {
      return new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    },
  };
}

// ---- memory sampling ---------------------------------------------------------------------------------
async function sample() {
  await gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers, wasm: wasmBytes() };
}
const MiB = 2 ** 20;
function growth(samples) {
  // Baseline: the first sample after warm-up; growth: the largest later excess.
  const [base, ...rest] = samples;
  const out = {};
  for (const k of Object.keys(base)) out[k] = Math.max(0, ...rest.map((s) => s[k] - base[k])) / MiB;
  return out;
}

// ---- phase 1: token requests with a fault mix --------------------------------------------------------
const LANES = {
  ok: { step: null, code: null, weight: 13 },
  e503: { step: { status: 503 }, code: "http_error", weight: 1 },
  reset: { step: { reset: "before-headers" }, code: "network_error", weight: 1 },
  midreset: { step: { reset: "mid-body" }, code: "network_error", weight: 1 },
  garbage: { step: { body: '{"access_token":' }, code: "invalid_response", weight: 1 },
  slow: { step: { delayMs: 150 }, code: "timeout", weight: 1, timeoutMs: 25 },
  denied: { step: { status: 403 }, code: "invalid_credentials", weight: 1 },
  big: { step: { bodyBytes: 2 * MiB }, code: "invalid_response", weight: 1 },
};
// --skip-midbody: leave out the mid-body resets (a diagnosis switch; the soak runs them by default).
if (args.includes("--skip-midbody")) delete LANES.midreset;
const wheel = Object.entries(LANES).flatMap(([name, l]) => Array(l.weight).fill(name));

async function scriptLanes(mock) {
  for (const [name, l] of Object.entries(LANES)) {
    await mock.control(name, "reset");
    if (l.step) await mock.control(name, "script", { ...l.step, repeat: 1e9 });
  }
}

async function phaseRequests(mock) {
  await scriptLanes(mock);
  const outcomes = {};
  const wrong = [];
  const samples = [];
  const checkpoints = 10;
  const every = Math.max(1, Math.floor(REQUESTS / checkpoints));
  let next = 0;
  let done = 0;
  const t0 = Date.now();
  async function one(i) {
    const name = wheel[i % wheel.length];
    const lane = LANES[name];
    try {
      const t = await createOAuthToken({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        baseUrl: `${mock.url}/lane/${name}`,
        retries: 0,
        timeoutMs: lane.timeoutMs ?? 2000,
      });
      if (lane.code !== null || typeof t.access_token !== "string") wrong.push(`${name}: got a token`);
      outcomes[`${name}:ok`] = (outcomes[`${name}:ok`] ?? 0) + 1;
    } catch (e) {
      if (!(e instanceof AltPayOAuthError) || e.code !== lane.code) wrong.push(`${name}: ${e && e.code} ${e && e.message}`);
      outcomes[`${name}:${e.code}`] = (outcomes[`${name}:${e.code}`] ?? 0) + 1;
    }
  }
  // Checkpoints run between waves so that sampling sees a quiet heap.
  for (let wave = 0; wave < checkpoints; wave++) {
    const end = wave === checkpoints - 1 ? REQUESTS : (wave + 1) * every;
    const limit = end;
    const workers = [];
    for (let w = 0; w < CONCURRENCY; w++) {
      workers.push(
        (async () => {
          for (;;) {
            const i = next;
            if (i >= limit) return;
            next++;
            await one(i);
            done++;
          }
        })(),
      );
    }
    await Promise.all(workers);
    // The mock's per-lane request logs grow in the child: clear them now and then.
    if (wave % 3 === 2) await scriptLanes(mock);
    if (wave >= 1) samples.push(await sample()); // wave 0 is the warm-up
    log(`soak: requests ${done}/${REQUESTS} (${((Date.now() - t0) / 1000).toFixed(1)} s)`, JSON.stringify(samples.at(-1) ?? {}));
  }
  return { outcomes, wrong, samples, seconds: (Date.now() - t0) / 1000 };
}

// ---- phase 2: cached calls ---------------------------------------------------------------------------
async function phaseCached(mock, flaky) {
  // A: a warm client, the common case. B: tokens of 2 s against a flaky lane (30% 503): refreshes,
  // stale serving and thrown failures keep happening. Some calls carry an AbortSignal.
  const a = new TokenClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: `${mock.url}/lane/ok`, retries: 0 });
  const b = new TokenClient({ clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: `${flaky.url}/lane/cached`, retries: 0, timeoutMs: 500 });
  const first = await a.getToken();
  const outcomes = { a: 0, b: 0, bStaleOrNew: 0, bError: 0, signal: 0 };
  const wrong = [];
  const samples = [];
  const batch = 1000;
  const checkpoints = 10;
  const perCheckpoint = Math.max(batch, Math.floor(CACHED / checkpoints / batch) * batch);
  let calls = 0;
  const t0 = Date.now();
  while (calls < CACHED) {
    const ps = [];
    for (let i = 0; i < batch && calls < CACHED; i++, calls++) {
      if (i % 10 === 0) {
        ps.push(a.getToken({ signal: new AbortController().signal }).then((t) => (t === first ? outcomes.signal++ : wrong.push("a: new token"))));
      } else if (i % 10 === 1) {
        ps.push(
          b.getToken().then(
            () => (outcomes.b++, outcomes.bStaleOrNew++),
            (e) => (e instanceof AltPayOAuthError && ["http_error", "timeout", "network_error"].includes(e.code) ? outcomes.bError++ : wrong.push(`b: ${e && e.message}`)),
          ),
        );
      } else {
        const p = a.getToken();
        ps.push(p.then((t) => (t === first ? outcomes.a++ : wrong.push("a: new token"))));
      }
    }
    await Promise.all(ps);
    if (calls % perCheckpoint === 0 || calls >= CACHED) {
      if (calls > perCheckpoint) samples.push(await sample()); // the first slice is the warm-up
      // Let B's 2 s tokens age a little, so that refreshes (and failures) happen during the run.
      await new Promise((r) => setTimeout(r, 150));
      log(`soak: cached ${calls}/${CACHED} (${((Date.now() - t0) / 1000).toFixed(1)} s)`, JSON.stringify(samples.at(-1) ?? {}));
    }
  }
  return { outcomes, wrong, samples, seconds: (Date.now() - t0) / 1000 };
}

// ---- run ---------------------------------------------------------------------------------------------
const mock = await startMockChild({});
const flaky = await startMockChild({ expiresIn: 2, errorRate: 0.3 });
let result;
try {
  const requests = await phaseRequests(mock);
  const cached = await phaseCached(mock, flaky);
  result = {
    requests: { n: REQUESTS, seconds: requests.seconds, outcomes: requests.outcomes, wrong: requests.wrong.slice(0, 5), growthMiB: growth(requests.samples) },
    cached: { n: CACHED, seconds: cached.seconds, outcomes: cached.outcomes, wrong: cached.wrong.slice(0, 5), growthMiB: growth(cached.samples) },
    unhandled,
    gc: hasGc,
  };
} finally {
  await mock.stop();
  await flaky.stop();
}
console.log("soak: result " + JSON.stringify(result));

// Verdicts. Limits: the heap may wobble by a few MiB (V8's own caches); a leak of even 100 bytes per
// request would add ~10 MiB over 100,000 requests. Wasm memory must not grow at all after warm-up
// beyond one 64 KiB page of allocator slack.
const failures = [];
if (result.requests.wrong.length || result.cached.wrong.length) failures.push("unexpected outcomes");
if (unhandled) failures.push(`${unhandled} unhandled rejections`);
for (const phase of ["requests", "cached"]) {
  const g = result[phase].growthMiB;
  if (!result.gc) break; // without --expose-gc the numbers are noise
  if (g.heap > 8) failures.push(`${phase}: JS heap grew by ${g.heap.toFixed(1)} MiB`);
  if (g.rss > 48) failures.push(`${phase}: RSS grew by ${g.rss.toFixed(1)} MiB`);
  if (g.wasm > 0.0625) failures.push(`${phase}: wasm memory grew by ${g.wasm.toFixed(2)} MiB`);
}
const expectedLanes = Object.keys(LANES).length;
if (REQUESTS >= 1000 && Object.keys(result.requests.outcomes).length < expectedLanes) failures.push("a fault lane never ran");
if (CACHED >= 100_000 && result.cached.outcomes.bError === 0) log("soak: note: the flaky client never failed");
if (failures.length) {
  console.error("soak: FAILED: " + failures.join("; "));
  process.exitCode = 1;
}
// What is still keeping the event loop alive (should be nothing but stdio).
const active = process.getActiveResourcesInfo().filter((r) => !/TTYWrap|PipeWrap|FSReqCallback/.test(r));
console.log(`soak: done (active resources: ${JSON.stringify(active)})`);
