// Diagnostic: group the optimised .wasm code by module. Needs a name-keeping build:
//   wasm-bindgen --target web --keep-debug --out-dir /tmp/wb --out-name a target/wasm32-unknown-unknown/release/altpay_oauth.wasm
//   wasm-opt -Oz -g <the feature flags of Cargo.toml> /tmp/wb/a_bg.wasm -o /tmp/wb/opt.wasm
//   node bench/wasm-breakdown.mjs [/tmp/wb/opt.wasm]
import { functionSizes } from "./wasm-sections.mjs";
import { readFileSync } from "node:fs";
const f = functionSizes(readFileSync(process.argv[2] ?? "/tmp/wb/opt.wasm")).sort((a,b)=>b.size-a.size);
const total = f.reduce((a, x) => a + x.size, 0);
const groups = [["core::fmt (Debug/Display/format!)", /fmt/],["altpay_oauth::json", /altpay_oauth4json/],["altpay_oauth::response", /altpay_oauth8response/],["altpay_oauth::wasm", /altpay_oauth4wasm/],["altpay_oauth::config", /altpay_oauth6config/],["altpay_oauth::retry", /altpay_oauth5retry/],["altpay_oauth::store", /altpay_oauth5store/],["altpay_oauth::cache", /altpay_oauth5cache/],["altpay_oauth (other)", /altpay_oauth/],["js_sys futures/closures", /future|closure|Closure|task/],["js_sys", /js_sys/],["wasm_bindgen", /wasm_bindgen|wbindgen|wbg/],["dlmalloc/alloc", /dlmalloc|alloc|memcpy|memset|memmove/],["core::str/utf8", /str/],["core", /core/]];
const by = {}; for (const x of f) { const g = (groups.find(([, r]) => r.test(x.name)) || ["other"])[0]; by[g] = (by[g] || 0) + x.size; }
console.log("code:", total, "functions:", f.length); for (const [k,v] of Object.entries(by).sort((a,b)=>b[1]-a[1])) console.log("  "+k.padEnd(36), v, (100*v/total).toFixed(1)+"%");
for (const x of f.slice(0, 30)) console.log(String(x.size).padStart(6), x.name.slice(0,130));
