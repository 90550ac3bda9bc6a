// Where the .wasm's bytes go, crate by crate (part of `make bench`; also runnable alone:
// `node bench/wasm-breakdown.mjs`). The release build in target/pkg/ is run through wasm-bindgen with
// --keep-debug and wasm-opt -Oz -g (the same passes as the package, keeping the name section), and each
// function's code is charged to the crate its symbol names first; the data section (strings, tables)
// is listed on its own. Sizes are bytes of code before gzip; the package's gzip total is for scale.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "./lib.mjs";
import { functionSizes, sections } from "./wasm-sections.mjs";

const FEATURES = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "reference-types", "mutable-globals"];

/** The crate a (demangled) symbol belongs to: its first path segment, `core::fmt` and glue apart. */
function crateOf(name) {
  const n = name.replace(/^<+/, "").replace(/\[[0-9a-f]+\]/g, "");
  if (/^(core::fmt|core::num::flt2dec|core::num::bignum|f64 as core::fmt|f32 as core::fmt)/.test(n) || /as core::fmt::(Display|Debug|Write)>/.test(n)) return "core::fmt (formatting)";
  const m = /^(?:&(?:mut )?)?(?:dyn )?([a-z_][a-z0-9_]*)::/.exec(n);
  if (m) return m[1] === "altpay_oauth" ? `altpay_oauth::${(/^altpay_oauth::(\w+)/.exec(n) ?? [])[1] ?? ""}` : m[1];
  if (/shim|externref|^__wbindgen|^__externref|Closure\(|-> Externref/.test(n)) return "wasm-bindgen generated shims";
  return "other (primitives, std intrinsics)";
}

/** { total, data, gzip, rows: [{ crate, bytes, share }] } or null when there is no release build. */
export function crateBreakdown() {
  const input = join(ROOT, "target/pkg/wasm32-unknown-unknown/release/altpay_oauth.wasm");
  if (!existsSync(input)) return null;
  const dir = mkdtempSync(join(tmpdir(), "altpay-wasm-"));
  try {
    const bin = (n) => join(ROOT, "node_modules/.bin", n);
    execFileSync("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", dir, "--out-name", "a", input], { stdio: "ignore" });
    execFileSync(bin("wasm-opt"), ["-Oz", "-g", ...FEATURES.map((f) => `--enable-${f}`), join(dir, "a_bg.wasm"), "-o", join(dir, "opt.wasm")], { stdio: "ignore" });
    const buf = readFileSync(join(dir, "opt.wasm"));
    const fns = functionSizes(buf);
    const total = fns.reduce((a, f) => a + f.size, 0);
    const by = new Map();
    for (const f of fns) by.set(crateOf(f.name), (by.get(crateOf(f.name)) ?? 0) + f.size);
    const data = sections(buf).filter((s) => s.name === "data").reduce((a, s) => a + s.size, 0);
    const pkgWasm = join(ROOT, "pkg/altpay_oauth_bg.wasm");
    const gzip = existsSync(pkgWasm) ? gzipSync(readFileSync(pkgWasm), { level: 9 }).length : null;
    const rows = [...by].sort((a, b) => b[1] - a[1]).map(([crate, bytes]) => ({ crate, bytes, share: bytes / total }));
    return { total, data, gzip, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const b = crateBreakdown();
  if (!b) throw new Error("no release build in target/pkg/: run `make build` first");
  console.log(`code ${b.total} bytes, data ${b.data} bytes (package .wasm ${b.gzip} bytes gzipped)`);
  for (const r of b.rows) console.log(`  ${r.crate.padEnd(40)} ${String(r.bytes).padStart(7)}  ${(100 * r.share).toFixed(1)}%`);
}
