// Assemble the npm package in pkg/ from the wasm-pack output in build/wasm/ and pkg-template/.
// Each runtime entry is bundled with esbuild into one file that loads the single shared .wasm the way
// that runtime wants it. Run by `make build` after `wasm-pack build`.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, rmSync, copyFileSync, readdirSync, existsSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasmDir = join(root, "build/wasm");
const template = join(root, "pkg-template");
const out = join(root, "pkg");
const WASM = "altpay_oauth_bg.wasm";

const version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, "Cargo.toml"), "utf8"))?.[1];
if (!version) throw new Error("no version in Cargo.toml");

// The wasm-bindgen glue imports js/glue.js as a snippet under a hashed folder; the entries import the
// very same file (one AltPayOAuthError class) through the alias "altpay:glue".
function findSnippet() {
  const snippets = join(wasmDir, "snippets");
  for (const dir of readdirSync(snippets)) {
    const p = join(snippets, dir, "js/glue.js");
    if (existsSync(p)) return p;
  }
  throw new Error("js/glue.js snippet not found in build/wasm/snippets");
}
const snippet = findSnippet();

// Shorter names across the JS <-> wasm boundary: wasm-bindgen names every import `__wbg_<name>_<hash>`
// (16 hex digits that gzip cannot compress) under a module path, ~1.4 KiB of the gzipped .wasm. Binaryen
// renames imports (all into module "a"), exports and prints the mapping; the wasm-bindgen JS is rewritten
// to match. Outputs go beside the originals (build/wasm/ stays wasm-pack's), so reruns are idempotent.
const MIN_JS = "altpay_oauth.min.js";
// Not in build/wasm/: wasm-pack runs wasm-opt over every .wasm there on the next build.
const MIN_WASM_PATH = join(root, "build/altpay_oauth_bg.min.wasm");
function minifyBoundary() {
  const features = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "reference-types", "mutable-globals"];
  const out = execFileSync(
    join(root, "node_modules/.bin/wasm-opt"),
    // (last binaryen pass over the file, so it also drops the target_features section nothing reads)
    [...features.map((f) => `--enable-${f}`), ...(process.env.ALTPAY_KEEP_NAMES === "1" ? ["-g"] : []),
      "--minify-imports-and-exports-and-modules", "--strip-target-features",
      join(wasmDir, WASM), "-o", MIN_WASM_PATH],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  // The printed mapping is JSON apart from trailing commas.
  const map = JSON.parse(out.slice(out.indexOf("{")).replace(/,(\s*[\]}])/g, "$1"));
  let js = readFileSync(join(wasmDir, "altpay_oauth.js"), "utf8");
  const replaceOnce = (from, to) => {
    if (js.split(from).length !== 2) throw new Error(`minify: expected one ${JSON.stringify(from)}`);
    js = js.replace(from, () => to);
  };
  const extra = [];
  for (const [module, name, short] of map.imports) {
    if (module === "./altpay_oauth_bg.js") {
      replaceOnce(`\n        ${name}: function`, `\n        ${JSON.stringify(short)}: function`);
    } else {
      const ns = new RegExp(`import \\* as (\\w+) from "${module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`).exec(js);
      if (!ns) throw new Error(`minify: no namespace import of ${module}`);
      extra.push(`${JSON.stringify(short)}: ${ns[1]}.${name}`);
    }
  }
  const ret = /return \{\s*__proto__: null,\s*"\.\/altpay_oauth_bg\.js": import0,[^}]*\};/.exec(js);
  if (!ret) throw new Error("minify: import object not found");
  replaceOnce(ret[0], `return { __proto__: null, a: Object.assign(import0, { ${extra.join(", ")} }) };`);
  const exports = new Map(map.exports);
  js = js.replace(/\bwasm\.(\w+)\b/g, (all, name) => {
    const short = exports.get(name);
    if (short === undefined) throw new Error(`minify: wasm.${name} is not an export`);
    return `wasm.${short}`;
  });
  const mod = new WebAssembly.Module(readFileSync(MIN_WASM_PATH));
  if (WebAssembly.Module.imports(mod).some((i) => i.module !== "a")) throw new Error("minify: import modules not all \"a\"");
  writeFileSync(join(wasmDir, MIN_JS), js);
}
minifyBoundary();
// The .wasm the package ships: copied beside the entries, and inlined (base64) in the embedded entry.
const SHIPPED_WASM = MIN_WASM_PATH;
// The error class: the wasm-bindgen snippet copy of js/error.js once the Rust layer imports it (then the
// wasm and the entries share one module), else js/error.js itself.
function errorModule() {
  const snippets = join(wasmDir, "snippets");
  for (const dir of existsSync(snippets) ? readdirSync(snippets) : []) {
    const p = join(snippets, dir, "js/error.js");
    if (existsSync(p)) return p;
  }
  return join(root, "js/error.js");
}
// TEMPORARY (until issue 11 deletes js/glue.js): glue.js still defines a class of its own; bundle it as
// a re-export of js/error.js so that the package has the one class. A no-op once glue.js is gone.
const glueErrorBridge = {
  name: "altpay-glue-error-bridge",
  setup(b) {
    b.onLoad({ filter: /[\\/]js[\\/]glue\.js$/ }, (args) => {
      const code = readFileSync(args.path, "utf8");
      const start = code.indexOf("export class AltPayOAuthError extends Error {");
      const endMark = "enumerable: false,\n});\n";
      const end = code.indexOf(endMark, start);
      if (start < 0 || end < 0) return undefined;
      const bridged = `import { AltPayOAuthError } from "altpay:error";\nexport { AltPayOAuthError };\n`;
      return { contents: code.slice(0, start) + bridged + code.slice(end + endMark.length), loader: "js" };
    });
  },
};
const aliases = {
  name: "altpay-aliases",
  setup(b) {
    b.onResolve({ filter: /^altpay:error$/ }, () => ({ path: errorModule() }));
    // The embedded entry's copy of the .wasm (the same file the other entries load), as base64 text.
    b.onResolve({ filter: /^altpay:wasm-base64$/ }, () => ({ path: "wasm-base64", namespace: "altpay" }));
    b.onLoad({ filter: /^wasm-base64$/, namespace: "altpay" }, () => ({
      contents: `export default ${JSON.stringify(readFileSync(SHIPPED_WASM).toString("base64"))};`,
      loader: "js",
    }));
    b.onResolve({ filter: /^altpay:glue$/ }, () => ({ path: snippet }));
    b.onResolve({ filter: /^altpay:wasm-bindgen$/ }, () => ({ path: join(wasmDir, MIN_JS) }));
    // The .wasm stays a separate file next to the entries; each entry names it the way its runtime loads it.
    b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => ({ path: args.path, external: true }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  write: true,
  logLevel: "warning",
  plugins: [aliases, glueErrorBridge],
  target: "es2022",
  legalComments: "none",
  minifySyntax: true,
  minifyWhitespace: true,
  // Local names are shortened, but every class and function keeps its name at run time
  // (`e.constructor.name === "AltPayOAuthError"`, readable stack frames): tests/toolchains checks it.
  minifyIdentifiers: process.env.ALTPAY_KEEP_NAMES !== "1",
  keepNames: true,
  // Short lines: where Node prints the source line of an uncaught throw, that is one line, not the package.
  lineLimit: 200,
};
const entries = [
  // Node, Deno and Bun: the bytes are read from beside the file and compiled synchronously.
  { in: "node.mjs", out: "node.mjs", format: "esm", platform: "node" },
  { in: "node.mjs", out: "node.cjs", format: "cjs", platform: "node" },
  // Cloudflare Workers: the .wasm is imported as a module (workerd refuses to compile bytes at run time).
  { in: "workerd.mjs", out: "workerd.mjs", format: "esm", platform: "neutral" },
  // Vercel Edge: same, with the `?module` import Vercel's bundler expects.
  { in: "edge-light.mjs", out: "edge-light.mjs", format: "esm", platform: "neutral" },
  // Browsers and unknown runtimes: asynchronous compile, hidden behind the async API.
  { in: "browser.mjs", out: "browser.mjs", format: "esm", platform: "browser" },
  // "altpay-oauth/embedded": the .wasm as base64 inside the file, for bundled server code.
  { in: "embedded.mjs", out: "embedded.mjs", format: "esm", platform: "node" },
  { in: "embedded.mjs", out: "embedded.cjs", format: "cjs", platform: "node" },
];
for (const e of entries) {
  const cjs = e.format === "cjs";
  await build({
    ...common,
    entryPoints: [join(template, "src", e.in)],
    outfile: join(out, e.out),
    format: e.format,
    platform: e.platform,
    // js/glue.js's shared attempt timer is for Node's own fetch only: left out of the other bundles.
    define: { ALTPAY_NODE: String(e.platform === "node"), ...(cjs ? { "import.meta.url": "__altpay_meta_url" } : {}) },
    ...(cjs ? { banner: { js: 'const __altpay_meta_url = require("node:url").pathToFileURL(__filename).href;' } } : {}),
  });
}

copyFileSync(SHIPPED_WASM, join(out, WASM));

// "altpay-oauth/embedded" for resolvers that do not read `exports` (TypeScript's node10, older bundlers).
mkdirSync(join(out, "embedded"));
writeFileSync(
  join(out, "embedded/package.json"),
  JSON.stringify({ main: "../embedded.cjs", module: "../embedded.mjs", types: "../index.d.cts" }, null, 2) + "\n",
);

// The CLI (`bin`), as-is: it imports ./node.mjs and ./mock-server.mjs beside it.
copyFileSync(join(template, "src/cli.mjs"), join(out, "cli.mjs"));
chmodSync(join(out, "cli.mjs"), 0o755);
// The mock token server (`altpay-oauth mock`), without its long header comment (docs: js/mock-server.mjs).
await build({
  entryPoints: [join(root, "js/mock-server.mjs")],
  outfile: join(out, "mock-server.mjs"),
  bundle: false,
  format: "esm",
  platform: "node",
  target: "node20",
  legalComments: "none",
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  banner: { js: "// altpay-oauth mock token server: `npx altpay-oauth mock --help` (source: js/mock-server.mjs)" },
});
// The playground page, served by `altpay-oauth mock` at / (it imports ../browser.mjs).
mkdirSync(join(out, "www"));
for (const f of readdirSync(join(root, "www"))) copyFileSync(join(root, "www", f), join(out, "www", f));
for (const f of ["index.d.ts", "README.md"]) copyFileSync(join(template, f), join(out, f));
// The same declarations serve `require` (a .d.cts so TypeScript reads them as CommonJS).
copyFileSync(join(template, "index.d.ts"), join(out, "index.d.cts"));
for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) if (existsSync(join(root, f))) copyFileSync(join(root, f), join(out, f));
const pkg = JSON.parse(readFileSync(join(template, "package.json"), "utf8"));
pkg.version = version;
writeFileSync(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
console.log(`pkg/ assembled: altpay-oauth@${version}`);
