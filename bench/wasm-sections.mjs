// Where the .wasm bytes go: section sizes of pkg's .wasm and, from the un-optimised release build
// (target/, which keeps the name section), the largest functions and a per-crate breakdown.
// Diagnostic only (not part of `make bench`): node bench/wasm-sections.mjs
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

function leb(buf, pos) {
  let result = 0, shift = 0, b;
  do { b = buf[pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [result, pos];
}
const NAMES = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"];
export function sections(buf) {
  const out = [];
  let pos = 8;
  while (pos < buf.length) {
    const id = buf[pos++];
    let size;
    [size, pos] = leb(buf, pos);
    let name = NAMES[id] ?? `id${id}`;
    if (id === 0) {
      const [n, p] = leb(buf, pos);
      name = `custom:${buf.subarray(p, p + n).toString()}`;
    }
    out.push({ id, name, start: pos, size });
    pos += size;
  }
  return out;
}
export function functionSizes(buf) {
  const secs = sections(buf);
  const imp = secs.find((s) => s.name === "import");
  let nImportedFuncs = 0;
  if (imp) {
    let p = imp.start, count;
    [count, p] = leb(buf, p);
    for (let i = 0; i < count; i++) {
      let n; [n, p] = leb(buf, p); p += n; [n, p] = leb(buf, p); p += n;
      const kind = buf[p++];
      if (kind === 0) { [, p] = leb(buf, p); nImportedFuncs++; }
      else if (kind === 1) { p++; const f = buf[p++]; [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); }
      else if (kind === 2) { const f = buf[p++]; [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); }
      else if (kind === 3) { p += 2; }
      else if (kind === 4) { p++; [, p] = leb(buf, p); }
    }
  }
  const names = new Map();
  const ns = secs.find((s) => s.name === "custom:name");
  if (ns) {
    let p = ns.start; let n; [n, p] = leb(buf, p); p += n;
    while (p < ns.start + ns.size) {
      const sub = buf[p++]; let len; [len, p] = leb(buf, p); const end = p + len;
      if (sub === 1) {
        let count; [count, p] = leb(buf, p);
        for (let i = 0; i < count; i++) { let idx, l; [idx, p] = leb(buf, p); [l, p] = leb(buf, p); names.set(idx, buf.subarray(p, p + l).toString()); p += l; }
      }
      p = end;
    }
  }
  const code = secs.find((s) => s.name === "code");
  let p = code.start, count; [count, p] = leb(buf, p);
  const fns = [];
  for (let i = 0; i < count; i++) {
    let size; const s0 = p; [size, p] = leb(buf, p);
    fns.push({ name: names.get(nImportedFuncs + i) ?? `func${nImportedFuncs + i}`, size: size + (p - s0) });
    p += size;
  }
  return fns;
}
if (import.meta.url === `file://${process.argv[1]}`) {
  const pkgWasm = readFileSync(join(ROOT, "pkg/altpay_oauth_bg.wasm"));
  console.log("pkg/altpay_oauth_bg.wasm sections (bytes):");
  for (const s of sections(pkgWasm)) console.log(`  ${s.name.padEnd(28)} ${s.size}`);
  const fns = functionSizes(pkgWasm);
  console.log(`  functions: ${fns.length}`);
  const raw = join(ROOT, "target/pkg/wasm32-unknown-unknown/release/altpay_oauth.wasm");
  if (existsSync(raw)) {
    const b = readFileSync(raw);
    const f = functionSizes(b).sort((a, b) => b.size - a.size);
    const total = f.reduce((a, x) => a + x.size, 0);
    console.log(`\n${raw} (before wasm-bindgen/wasm-opt; names kept): code ${total} bytes in ${f.length} functions`);
    // (By crate: bench/wasm-breakdown.mjs.)
    console.log("largest functions:");
    for (const x of f.slice(0, 25)) console.log(`  ${String(x.size).padStart(6)}  ${x.name.slice(0, 140)}`);
  }
}
