// Diagnostic (not part of `make bench`): JS<->wasm boundary crossings per operation, counted by
// wrapping every import of the instance (wasm -> JS calls) and every export (JS -> wasm calls).
//   node bench/crossings.mjs
const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
const Original = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Original, {
  construct(target, [module, imports]) {
    const wrapped = {};
    for (const [ns, obj] of Object.entries(imports)) {
      wrapped[ns] = {};
      for (const [name, v] of Object.entries(obj)) {
        wrapped[ns][name] = typeof v === "function" ? function (...a) { bump(`import ${name.replace(/_[0-9a-f]{16}$/, "")}`); return v.apply(this, a); } : v;
      }
    }
    const inst = Reflect.construct(target, [module, wrapped]);
    const exp = {};
    for (const [name, v] of Object.entries(inst.exports)) {
      exp[name] = typeof v === "function" ? (...a) => { bump(`export ${name.replace(/_h[0-9a-f]{16}$/, "")}`); return v(...a); } : v;
    }
    return { exports: exp };
  },
});
const { startMockProcess } = await import("./lib.mjs");
const { altpay } = await import("./contenders.mjs");
const mock = await startMockProcess();
const opts = { clientId: "benchclient", clientSecret: "benchsecret", baseUrl: mock.url };
const measure = async (label, n, f) => {
  for (let i = 0; i < 20; i++) await f();
  counts.clear();
  for (let i = 0; i < n; i++) await f();
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, c]) => a + c, 0);
  console.log(`\n${label}: ${(total / n).toFixed(1)} crossings per call`);
  for (const [k, c] of rows) console.log(`  ${(c / n).toFixed(2).padStart(6)}  ${k}`);
};
await measure("createOAuthToken()", 200, () => altpay.createOAuthToken(opts));
const client = new altpay.TokenClient(opts);
await measure("TokenClient.getToken() cached", 10000, () => client.getToken());
// (Forced refreshes of one client are one per second: a new client's first token is the refresh path.)
await measure("new TokenClient().getToken()", 200, () => new altpay.TokenClient(opts).getToken());
await mock.close();
