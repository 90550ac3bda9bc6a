// Assemble the npm package in pkg/ from the wasm-pack output in build/wasm/ and pkg-template/.
// Each runtime entry is bundled with esbuild into one file that loads the single shared .wasm the way
// that runtime wants it. Run by `make build` after `wasm-pack build`.
import { build } from "esbuild";
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

// The wasm-bindgen glue imports js/error.js as a snippet under a hashed folder; the entries import the
// very same file (one AltPayOAuthError class) through the alias "altpay:error".
function findSnippet() {
  const snippets = join(wasmDir, "snippets");
  for (const dir of readdirSync(snippets)) {
    const p = join(snippets, dir, "js/error.js");
    if (existsSync(p)) return p;
  }
  throw new Error("js/error.js snippet not found in build/wasm/snippets");
}
const snippet = findSnippet();
// The .wasm the package ships (wasm-pack's output, used as generated): copied beside the entries,
// and inlined (base64) in the embedded entry.
const SHIPPED_WASM = join(wasmDir, WASM);
const aliases = {
  name: "altpay-aliases",
  setup(b) {
    b.onResolve({ filter: /^altpay:error$/ }, () => ({ path: snippet }));
    // The embedded entry's copy of the .wasm (the same file the other entries load), as base64 text.
    b.onResolve({ filter: /^altpay:wasm-base64$/ }, () => ({ path: "wasm-base64", namespace: "altpay" }));
    b.onLoad({ filter: /^wasm-base64$/, namespace: "altpay" }, () => ({
      contents: `export default ${JSON.stringify(readFileSync(SHIPPED_WASM).toString("base64"))};`,
      loader: "js",
    }));
    b.onResolve({ filter: /^altpay:wasm-bindgen$/ }, () => ({ path: join(wasmDir, "altpay_oauth.js") }));
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
  plugins: [aliases],
  target: "es2022",
  legalComments: "none",
  minifySyntax: true,
  minifyWhitespace: true,
  // Identifiers are not shortened (readable stack frames; the public names are also set explicitly in
  // src/api.js, so they survive a user's minifier). Not esbuild's `keepNames`: it wraps every function
  // made at run time (wasm-bindgen's closures and promise executors, on every request) in a
  // `__name(fn, "…")` call that redefines its `name` property. Measured: the request path 8 µs faster
  // per call without it, the entry 0.3 KiB larger gzipped with unshortened identifiers.
  minifyIdentifiers: false,
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
    ...(cjs ? { define: { "import.meta.url": "__altpay_meta_url" } } : {}),
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
