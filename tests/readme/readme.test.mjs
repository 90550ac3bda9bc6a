// README examples are tests: every fenced code block of README.md and pkg-template/README.md, taken
// from the files as they are, run or (where it cannot run here) type-checked with `tsc --strict`, in a
// scratch project that installed the packed package from its tarball, against the mock token server.
//
//   js             run with node (.cjs when it calls require(), else .mjs), and type-checked with
//                  tsc --strict (@types/node): ESM as TypeScript (what users who paste it into a .ts file
//                  get), CommonJS as checked JavaScript
//   ts             Deno code (Deno.*): `deno run --check`; Bun code (Bun.*): run with bun; a Worker
//                  (ExportedHandler): type-checked with @cloudflare/workers-types; the rest: type-checked
//                  (Next.js route handlers also run in tests/toolchains/next.test.mjs)
//   sh             run with `bash -e -o pipefail`; the mock's 127.0.0.1:8787 and the production host are
//                  replaced by the test's mock (its port is free, not 8787)
//   html           served from the scratch project and driven in headless Chromium
//   text           not code (file listings): not run
// A block whose first line is a comment naming a file (`// main.ts`) is written to that file first, so
// later blocks (`deno run ... main.ts`) use it. An HTML comment right above a block says what else to
// do with it: `<!-- readme-test: background -->` (a server: started first, stopped at the end),
// `install` (the scratch project is that install), `make-targets` (the targets exist in the Makefile),
// `syntax (why)` (bash -n only, e.g. it needs the real API), `declare a: T; b: U` (names the example
// takes from its surroundings, declared for the type check).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startMockServer } from "../../js/mock-server.mjs";
import { codeBlocks } from "./blocks.mjs";
import { scratchApp, cleanup, run, start, root, CHROMIUM, CLIENT_ID, CLIENT_SECRET } from "../toolchains/support.mjs";

const require = createRequire(import.meta.url);
const tsc = join(root, "node_modules/typescript/bin/tsc");
const READMES = ["README.md", "pkg-template/README.md"];

let app;
let mock;
const background = [];

before(async () => {
  app = await scratchApp("readme", { deps: { webpack: "5", "webpack-cli": "6", "@vercel/ncc": "0.38" }, files: { "deno.json": '{ "nodeModulesDir": "manual" }\n' } });
});
after(async () => {
  for (const b of background) await b.stop();
  await mock?.close();
  cleanup(app);
});

const env = () => ({
  PATH: `${join(app, "node_modules/.bin")}:${join(root, "node_modules/.bin")}:${process.env.PATH}`,
  ALTPAY_CLIENT_ID: CLIENT_ID,
  ALTPAY_CLIENT_SECRET: CLIENT_SECRET,
  ALTPAY_BASE_URL: `http://127.0.0.1:${port}`,
  DENO_NO_UPDATE_CHECK: "1",
});
let port;

/** The mock the examples talk to, unless the README starts its own (`npx altpay-oauth mock`). */
async function ensureMock() {
  if (mock) return;
  mock = await startMockServer();
  port = mock.port;
}

function substitute(code) {
  return code.replaceAll("127.0.0.1:8787", `127.0.0.1:${port}`).replaceAll("public-api.alternativepayments.io", `127.0.0.1:${port}`);
}

function expectOk(r, what) {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`);
}

/** Type-check files (relative to the app) with tsc --strict; `types` picks the global environment. */
async function typecheck(files, types) {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "es2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      skipLibCheck: true,
      allowJs: true,
      checkJs: true,
      lib: types === "workers" ? ["es2022"] : ["es2022", "dom"],
      typeRoots: types === "workers" ? [join(root, "node_modules/@cloudflare")] : [join(root, "node_modules/@types")],
      types: types === "workers" ? ["workers-types"] : ["node"],
    },
    files,
  };
  const name = `tsconfig.${types}.${files.length}.${Math.random().toString(36).slice(2, 8)}.json`;
  writeFileSync(join(app, name), JSON.stringify(config, null, 2));
  const r = await run(process.execPath, [tsc, "-p", name, "--pretty", "false"], { cwd: app, timeoutMs: 180_000 });
  expectOk(r, `tsc --strict ${files.join(" ")}`);
}

function declarations(directive) {
  const m = /^declare\s+(.*)$/.exec(directive);
  if (!m) return "";
  // "a: T; b: U" -> declare const a: T; declare const b: U;  (types may contain ";" inside braces)
  const out = [];
  let depth = 0;
  let cur = "";
  for (const ch of m[1]) {
    if (ch === "{" || ch === "(") depth++;
    if (ch === "}" || ch === ")") depth--;
    if (ch === ";" && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.map((d) => `declare const ${d};`).join("\n") + "\n";
}

for (const readme of READMES) {
  test(readme, { timeout: 900_000 }, async (t) => {
    await ensureMock();
    port = mock.port;
    const blocks = codeBlocks(join(root, readme));
    assert.ok(blocks.length > 0);
    const slug = readme.replace(/\W+/g, "-");
    // named files first (later blocks use them)
    for (const b of blocks) {
      if (b.name && !b.name.endsWith(".sh")) {
        mkdirSync(dirname(join(app, b.name)), { recursive: true });
        writeFileSync(join(app, b.name), b.lang === "html" ? substitute(b.code) : b.code);
      }
    }
    // servers next
    for (const b of blocks.filter((b) => b.directive === "background")) {
      await t.test(`line ${b.line}: ${b.code.split("\n")[0]} (in the background)`, async () => {
        // on a free port (not 8787: other runs may hold it); the blocks of this README then use it
        const server = start("bash", ["-c", `exec ${b.code.split("\n")[0].replace(/#.*$/, "").trim()} --port 0`], { cwd: app, env: env() });
        background.push(server);
        const [, listening] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
        port = Number(listening);
        const res = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
          method: "POST",
          headers: { authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`, "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=client_credentials",
        });
        assert.equal(res.status, 200);
      });
    }
    for (const [i, b] of blocks.entries()) {
      if (b.directive === "background") continue;
      const label = `line ${b.line}: ${b.lang || "text"}${b.name ? ` ${b.name}` : ""}${b.directive ? ` (${b.directive.split(" ")[0]})` : ""}`;
      await t.test(label, async (st) => {
        const base = `${slug}-${b.line}`;
        if (b.lang === "text" || b.lang === "") {
          st.skip("not code");
          return;
        }
        if (b.directive === "install") {
          assert.match(b.code, /(npm install|npm i) altpay-oauth/);
          assert.ok(existsSync(join(app, "node_modules/altpay-oauth/package.json")), "the scratch project has it installed (from the tarball)");
          return;
        }
        if (b.directive === "make-targets") {
          const makefile = readFileSync(join(root, "Makefile"), "utf8");
          for (const [, target] of b.code.matchAll(/^make (\S+)/gm)) assert.match(makefile, new RegExp(`^${target}:`, "m"), `make ${target}`);
          return;
        }
        if (b.lang === "sh" || b.lang === "bash") {
          const file = join(app, `${base}.sh`);
          writeFileSync(file, substitute(b.code));
          if (b.directive.startsWith("syntax")) {
            expectOk(await run("bash", ["-n", file], { cwd: app }), "bash -n");
            return;
          }
          expectOk(await run("bash", ["-e", "-o", "pipefail", file], { cwd: app, env: env(), timeoutMs: 300_000 }), `bash -e ${readme}:${b.line}`);
          return;
        }
        if (b.lang === "js") {
          const cjs = /\brequire\(/.test(b.code);
          const decl = declarations(b.directive);
          // ESM: as TypeScript (.mts), what users who paste it into a .ts file get; CommonJS: as checked
          // JavaScript (.cjs, checkJs), since TypeScript types require() only in JavaScript files
          const tsFile = `${base}.ts.${cjs ? "cjs" : "mts"}`;
          writeFileSync(join(app, tsFile), decl ? b.code.replace(/^((?:import [^\n]*\n)*)/, `$1${decl}`) : b.code);
          await typecheck([tsFile], "node");
          if (decl) return; // takes names from its surroundings: type-checked only
          const jsFile = b.name || `${base}.${cjs ? "cjs" : "mjs"}`;
          writeFileSync(join(app, jsFile), b.code);
          expectOk(await run(process.execPath, [jsFile], { cwd: app, env: env(), timeoutMs: 60_000 }), `node ${jsFile}`);
          return;
        }
        if (b.lang === "ts") {
          const decl = declarations(b.directive);
          if (/\bDeno\./.test(b.code)) {
            const file = b.name || `${base}.ts`;
            writeFileSync(join(app, file), b.code);
            expectOk(
              await run("deno", ["run", "--check", "--quiet", "--allow-env", `--allow-net=127.0.0.1:${port}`, "--allow-read", file], { cwd: app, env: env() }),
              `deno run --check ${file}`,
            );
            return;
          }
          if (/\bBun\./.test(b.code)) {
            const file = b.name || `${base}.ts`;
            writeFileSync(join(app, file), b.code);
            expectOk(await run("bun", [file], { cwd: app, env: env() }), `bun ${file}`);
            return;
          }
          const file = `${base}.mts`;
          writeFileSync(join(app, file), decl ? b.code.replace(/^((?:import [^\n]*\n)*)/, `$1${decl}`) : b.code);
          await typecheck([file], /ExportedHandler/.test(b.code) ? "workers" : "node");
          return;
        }
        if (b.lang === "html") {
          if (!existsSync(CHROMIUM)) {
            st.skip(`${CHROMIUM} not found (make setup-system)`);
            return;
          }
          await runHtml(b);
          return;
        }
        assert.fail(`no rule for a \`${b.lang}\` block (add one to tests/readme/readme.test.mjs)`);
      });
    }
  });
}

/** The no-bundler page: served with node_modules from the scratch project, the form filled and sent. */
async function runHtml(b) {
  const name = b.name || "readme-page.html";
  writeFileSync(join(app, name), substitute(b.code));
  const host = await startMockServer({ staticDir: app, cors: false });
  const { chromium } = require("playwright-core");
  const profile = join(app, ".chromium-profile");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const page = await context.newPage();
    const logs = [];
    page.on("console", (m) => logs.push(m.text()));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`${host.url}/${name}`, { waitUntil: "load" });
    await page.fill('input[name="clientId"]', CLIENT_ID);
    await page.fill('input[name="clientSecret"]', CLIENT_SECRET);
    await page.click("button");
    await page.waitForFunction(() => true, null, { timeout: 1000 });
    const deadline = Date.now() + 20_000;
    while (!logs.some((l) => /^\d{13}$/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const logged = logs.find((l) => /^\d{13}$/.test(l));
    assert.ok(logged, `the page logged token.expires_at:\n${logs.join("\n")}`);
    assert.ok(Math.abs(Number(logged) - (Date.now() + 3600e3)) < 60e3);
  } finally {
    await context.close();
    await host.close();
  }
}
