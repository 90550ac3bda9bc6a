// In-process benchmarks, one section per invocation (a fresh process each), results as JSON on the
// last stdout line. Usage: node --expose-gc bench/inproc.mjs <request|cached|concurrency|memory> <mockUrl>
import { median, summary, rotation } from "./lib.mjs";

const [section, mockUrl] = process.argv.slice(2);
const QUICK = process.env.BENCH_QUICK === "1";

// Control calls retry once: after a long CPU-only section the pooled keep-alive socket may have been
// closed by the server's 5 s keep-alive timeout just as undici reuses it ("other side closed").
async function control(path, init) {
  try {
    return await (await fetch(`${mockUrl}/__control/${path}`, init)).json();
  } catch {
    return (await fetch(`${mockUrl}/__control/${path}`, init)).json();
  }
}
const laneCount = (name) => control(`${name}/count`);
const laneReset = (name) => control(`${name}/reset`, { method: "POST" });
const laneUrl = (name) => `${mockUrl}/lane/${name}`;
const slug = (s) => s.replace(/[^A-Za-z0-9]+/g, "_");

// Memory needs the wasm instance: capture it when the package instantiates it (bench-only hook).
const instances = [];
if (section === "memory") {
  const Original = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Original, {
    construct(target, args) {
      const inst = Reflect.construct(target, args);
      instances.push(inst);
      return inst;
    },
  });
}
const C = await import("./contenders.mjs");
const { altpay } = C;

// ---- request path ----------------------------------------------------------------------------------
async function request() {
  const names = Object.keys(C.REQUEST_CONTENDERS);
  const fns = Object.fromEntries(names.map((n) => [n, C.REQUEST_CONTENDERS[n](laneUrl(slug(n)))]));
  const BATCH = 25;
  // A round's paired ratio spreads by about ±20 % on the shared 2-core machine (GC pauses, other
  // tenants); 300 rounds put the median's standard error near ±0.03.
  const ROUNDS = QUICK ? 10 : 300;
  const WARM = QUICK ? 50 : 300;
  // The lanes are shared by the runs on each Node version: count this run's requests only.
  for (const n of names) await laneReset(slug(n));
  for (let i = 0; i < WARM; i++) for (const n of names) await fns[n]();
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of rotation(names, r)) {
      const f = fns[n];
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) await f();
      per[n].push((performance.now() - t0) / BATCH);
    }
  }
  const base = "hand-written fetch";
  // The target's baseline: the same fetch with the per-attempt timeout every request here carries.
  const timed = "hand-written fetch + 10 s timeout";
  const out = {};
  for (const n of names) {
    const paired = per[n].map((t, i) => t / per[base][i]);
    out[n] = { ...summary(per[n]), ratio: median(per[n]) / median(per[base]), pairedRatio: summary(paired) };
    if (per[timed]) out[n].pairedToTimeout = summary(per[n].map((t, i) => t / per[timed][i]));
    out[n].requests = (await laneCount(slug(n))).token;
  }
  return { batch: BATCH, rounds: ROUNDS, warmup: WARM, baseline: base, results: out };
}

// ---- cached path -----------------------------------------------------------------------------------
async function cached() {
  const client = new altpay.TokenClient({ clientId: "benchclient", clientSecret: "benchsecret", baseUrl: laneUrl("cached") });
  const memo = C.handMemo(laneUrl("cached"));
  const bg = C.badgatewayCached(laneUrl("cached"));
  const getters = {
    "hand-written memoised promise": memo,
    "altpay-oauth TokenClient.getToken()": () => client.getToken(),
    "@badgateway OAuth2Fetch.getToken()": bg,
  };
  const names = Object.keys(getters);
  for (const n of names) await getters[n]();
  const ROUNDS = QUICK ? 4 : 21;
  const AWAITED = QUICK ? 20_000 : 200_000;
  const CALLS = QUICK ? 200_000 : 2_000_000;
  // warm-up (JIT)
  for (const n of names) for (let i = 0; i < 50_000; i++) await getters[n]();
  const awaited = Object.fromEntries(names.map((n) => [n, []]));
  const calls = Object.fromEntries(names.map((n) => [n, []]));
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of rotation(names, r)) {
      const g = getters[n];
      let t0 = performance.now();
      for (let i = 0; i < AWAITED; i++) if ((await g()) !== null) sink++;
      awaited[n].push(AWAITED / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      let last = null;
      for (let i = 0; i < CALLS; i++) {
        const p = g();
        if (p !== last) sink++;
        last = p;
      }
      calls[n].push(CALLS / ((performance.now() - t0) / 1000));
    }
  }
  const base = names[0];
  const res = {};
  for (const n of names) {
    res[n] = {
      awaited: { ...summary(awaited[n]), ratio: median(awaited[base]) / median(awaited[n]), pairedRatio: summary(awaited[n].map((v, i) => awaited[base][i] / v)) },
      calls: { ...summary(calls[n]), ratio: median(calls[base]) / median(calls[n]), pairedRatio: summary(calls[n].map((v, i) => calls[base][i] / v)) },
    };
  }
  res.requests = (await laneCount("cached")).token;
  return { rounds: ROUNDS, awaitedPerRound: AWAITED, callsPerRound: CALLS, baseline: base, sink: sink > 0, results: res };
}

// ---- concurrency -----------------------------------------------------------------------------------
async function concurrency() {
  const N = 10_000;
  const SAMPLE = 250; // naive peers: this many simultaneous calls, each its own request
  const ROUNDS = QUICK ? 2 : 9;
  const singleFlight = {
    "altpay-oauth TokenClient": (u) => {
      const c = new altpay.TokenClient({ clientId: "benchclient", clientSecret: "benchsecret", baseUrl: u });
      return () => c.getToken();
    },
    "hand-written memoised promise": (u) => C.handMemo(u),
    "@badgateway OAuth2Fetch (cached)": (u) => C.badgatewayCached(u),
  };
  const naive = {
    "altpay-oauth createOAuthToken (naive)": C.altpayCreate,
    "hand-written fetch (naive)": (u) => C.handWritten(u),
    "oauth4webapi (naive)": C.oauth4,
    "@badgateway/oauth2-client (naive)": C.badgateway,
    "openid-client (naive)": C.openidClient,
  };
  const all = { ...singleFlight, ...naive };
  const names = Object.keys(all);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const reqs = Object.fromEntries(names.map((n) => [n, []]));
  const distinct = Object.fromEntries(names.map((n) => [n, []]));
  let lane = 0;
  // warm-up round (not recorded)
  for (let r = -1; r < ROUNDS; r++) {
    for (const n of rotation(names, Math.max(0, r))) {
      const name = `conc${lane++}`;
      const get = all[n](laneUrl(name));
      const k = n in singleFlight ? N : SAMPLE;
      const t0 = performance.now();
      const tokens = await Promise.all(Array.from({ length: k }, () => get()));
      const ms = performance.now() - t0;
      const count = (await laneCount(name)).token;
      await laneReset(name);
      if (r < 0) continue;
      times[n].push(ms);
      reqs[n].push(count);
      distinct[n].push(new Set(tokens.map((t) => t.access_token ?? t.accessToken)).size);
    }
  }
  const res = {};
  for (const n of names) {
    const sf = n in singleFlight;
    const s = summary(times[n]);
    res[n] = {
      singleFlight: sf,
      calls: sf ? N : SAMPLE,
      requests: Math.max(...reqs[n]),
      requestsMin: Math.min(...reqs[n]),
      distinctTokens: Math.max(...distinct[n]),
      ms: s,
      // naive: time for SAMPLE simultaneous calls, scaled linearly to N (an estimate, see the docs)
      estimatedMsFor10k: sf ? s.median : (s.median * N) / SAMPLE,
    };
  }
  return { n: N, sample: SAMPLE, rounds: ROUNDS, results: res };
}

// ---- memory ----------------------------------------------------------------------------------------
async function memory() {
  const gc = globalThis.gc;
  if (typeof gc !== "function") throw new Error("run with --expose-gc");
  const wasmMemory = () => {
    for (const i of instances) for (const v of Object.values(i.exports)) if (v instanceof WebAssembly.Memory) return v.buffer.byteLength;
    return null;
  };
  const snap = async (label) => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const m = process.memoryUsage();
    return { label, wasm: wasmMemory(), heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, rss: m.rss };
  };
  const base = laneUrl("memory");
  const opts = { clientId: "benchclient", clientSecret: "benchsecret", baseUrl: base };
  const client = new altpay.TokenClient(opts);
  const CACHED = QUICK ? 100_000 : 1_000_000;
  const REQS = QUICK ? 1_000 : 10_000;
  const cachedCalls = async (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (await client.getToken()).expires_in;
    return s;
  };
  const requests = async (n, f, PAR = 4) => {
    let next = 0;
    await Promise.all(Array.from({ length: PAR }, async () => {
      while (next++ < n) await f();
    }));
  };
  const snaps = [];
  snaps.push(await snap("after import"));
  // warm-up
  await cachedCalls(50_000);
  await requests(500, () => altpay.createOAuthToken(opts));
  // A client starts at most one token request per second (src/cache.rs), so the refresh path is a pool
  // of clients, each forced to refresh once per cycle (a cycle takes longer than a second).
  const pool = Array.from({ length: 50 }, () => new altpay.TokenClient(opts));
  const refreshPool = async () => {
    for (const c of pool) await c.getToken({ forceRefresh: true });
  };
  await refreshPool();
  snaps.push(await snap("after warm-up"));
  // Three identical cycles; the first is shown phase by phase. Growth is judged from the end of the first
  // cycle to the lower of the ends of the second and third: a leak raises both, a passing spike only one.
  const steady = [];
  for (let cycle = 1; cycle <= 3; cycle++) {
    await cachedCalls(CACHED);
    if (cycle === 1) snaps.push(await snap(`after ${CACHED.toLocaleString("en")} cached getToken()`));
    await requests(REQS, () => altpay.createOAuthToken(opts));
    if (cycle === 1) snaps.push(await snap(`after ${REQS.toLocaleString("en")} createOAuthToken()`));
    await refreshPool(); // sequential: each one a request
    if (cycle === 1) {
      snaps.push(await snap(`after ${pool.length} getToken({ forceRefresh: true }): end of cycle 1`));
      steady.push(snaps.length - 1);
    } else {
      snaps.push(await snap(`end of cycle ${cycle} (the same again)`));
      steady.push(snaps.length - 1);
    }
  }
  return { cached: CACHED, requests: REQS, cycles: 3, steady, wasmInstances: instances.length, mockRequests: (await laneCount("memory")).token, snapshots: snaps };
}

const sections = { request, cached, concurrency, memory };
if (!sections[section]) throw new Error(`unknown section ${section}`);
const result = await sections[section]();
process.stdout.write(`\n${JSON.stringify(result)}\n`);
