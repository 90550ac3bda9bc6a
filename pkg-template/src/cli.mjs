#!/usr/bin/env node
// altpay-oauth: the command-line tool of the npm package (`npx altpay-oauth ...`), on the same wasm
// client as the library (./node.mjs). Copied as-is into pkg/ by scripts/build.mjs.
//   altpay-oauth token   get a token (secret from the environment or stdin, never from a flag)
//   altpay-oauth mock    the local mock token server and the playground page (./mock-server.mjs)
import { readFileSync } from "node:fs";
import process from "node:process";

const EXIT = {
  ok: 0,
  error: 1, // unexpected (not an AltPayOAuthError)
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

const HELP = `altpay-oauth: OAuth2 client-credentials tokens for the Alternative Payments API

usage: altpay-oauth <command> [options]

commands:
  token    get an access token and print it (JSON, or an Authorization header with --header)
  mock     run the local mock token server with the playground page (loopback only)

options:
  -h, --help       this help; \`altpay-oauth <command> --help\` for a command's options
  -V, --version    print the version

examples:
  npx altpay-oauth mock
  ALTPAY_CLIENT_ID=test-client ALTPAY_CLIENT_SECRET=test-secret npx altpay-oauth token --base-url http://127.0.0.1:8787
  curl -H "$(npx altpay-oauth token --environment demo --header)" https://public-api.demo.alternativepayments.io/...`;

const TOKEN_HELP = `usage: altpay-oauth token [options]

Request one access token (POST /oauth/token) and print it as JSON:
  { "access_token": "...", "token_type": "bearer", "expires_in": 3600, "expires_at": <epoch ms> }

credentials (the secret is never accepted as a flag: flags end up in shell history and process lists):
  ALTPAY_CLIENT_ID       client id (or --client-id ID)
  ALTPAY_CLIENT_SECRET   client secret (or --secret-stdin)
  --client-id ID         client id
  --secret-stdin         read the client secret from the first line of stdin (hidden prompt on a terminal)

options:
  --environment ENV      production (default) or demo; env ALTPAY_ENVIRONMENT
  --base-url URL         token server base URL, overrides --environment (https, or http to loopback,
                         e.g. the mock: http://127.0.0.1:8787); env ALTPAY_BASE_URL
  --timeout-ms N         per attempt (default 10000)
  --retries N            extra attempts after a network error, timeout, 5xx or 429 (default 2, max 10)
  --header               print only "Authorization: Bearer <token>", for curl -H "$(...)"
  -h, --help             this help

Errors go to stderr as one line, "altpay-oauth: <code>: <message>", and set the exit status:
  0 ok                      5 http_error            9 timeout
  1 unexpected error        6 rate_limited          10 aborted (Ctrl-C)
  2 usage                   7 invalid_response
  3 invalid_config          8 network_error
  4 invalid_credentials (403)`;

class UsageError extends Error {}

/** Flags a secret could be typed after: refused, by name only. */
const SECRET_FLAGS = ["--client-secret", "--secret", "--client_secret"];

/** Flag names a usage error may name. Anything else typed as an option is never echoed: it may be a secret. */
const KNOWN_FLAGS = new Set([
  ...SECRET_FLAGS,
  "--client-id",
  "--secret-stdin",
  "--environment",
  "--base-url",
  "--timeout-ms",
  "--retries",
  "--header",
  "--help",
  "-h",
  "--version",
  "-V",
]);

/** The flag name of `arg` (the part before "=" or ":") when it is one of ours, else null. */
function knownFlag(arg) {
  const name = /^[^=:]*/.exec(arg)[0];
  return KNOWN_FLAGS.has(name) ? name : null;
}

/** A usage message for an option we do not take, naming at most our own flag name, never a value. */
function unknownOption(arg, position, help) {
  const name = knownFlag(arg);
  return name === null
    ? `unknown option (argument #${position}, not shown; see ${help})`
    : `${name} cannot be written with what follows it (not shown); use ${name} VALUE or ${name}=VALUE (see ${help})`;
}

// C0 and C1 control characters and DEL: never printed when they come from a server.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Printed as \uXXXX in JSON output too: C1 controls, DEL, line/paragraph separators, bidi controls.
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** An access token that can go into a header as is: 1*VSCHAR (printable ASCII, RFC 6749 Appendix A). */
const VSCHAR = /^[\x20-\x7e]+$/;

function version() {
  try {
    return JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/**
 * One line of printable text, and never the secret (belt and braces: the library never puts it in
 * messages). A message that contains the secret is withheld whole: starring it out in place would
 * show where it was, which spells a short secret out.
 */
function oneLine(text, secret) {
  const s = String(text).replace(/\s+/g, " ").replace(CONTROLS, "?").trim();
  if (secret && s.includes(secret)) return "[message withheld: it contained the client secret]";
  return s;
}

function fail(code, message, secret) {
  process.stderr.write(`altpay-oauth: ${code}: ${oneLine(message, secret)}\n`);
  process.exitCode = EXIT[code] ?? EXIT.error;
}

/**
 * Split argv into flags. Values are never echoed in messages (a mistyped secret must not be printed);
 * only flag names are.
 */
function parseTokenArgs(argv) {
  const o = {};
  const args = [...argv];
  const take = (flag, inline) => {
    if (inline !== undefined) return inline;
    if (!args.length || args[0].startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return args.shift();
  };
  const count = (flag, v, max) => {
    if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`${flag} needs a whole number from 0 to ${max}`);
    return Number(v);
  };
  let position = 0;
  while (args.length) {
    const arg = args.shift();
    position += 1;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    // "--client-secret=VALUE", "--client-secret:VALUE": refused by the flag's name, never its value.
    const head = /^[^=:]*/.exec(arg)[0];
    const flag = SECRET_FLAGS.includes(head) ? head : eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    switch (flag) {
      case SECRET_FLAGS[0]:
      case SECRET_FLAGS[1]:
      case SECRET_FLAGS[2]:
        throw new UsageError(
          `${flag} is not accepted: a secret on the command line ends up in shell history and process lists; ` +
            "set ALTPAY_CLIENT_SECRET or pipe it to --secret-stdin",
        );
      case "--client-id":
        o.clientId = take(flag, inline);
        break;
      case "--secret-stdin":
        if (inline !== undefined) throw new UsageError("--secret-stdin takes no value");
        o.secretStdin = true;
        break;
      case "--environment": {
        const v = take(flag, inline);
        if (v !== "production" && v !== "demo") throw new UsageError(`${flag} must be production or demo`);
        o.environment = v;
        break;
      }
      case "--base-url":
        o.baseUrl = take(flag, inline);
        break;
      case "--timeout-ms":
        o.timeoutMs = count(flag, take(flag, inline), 600_000);
        break;
      case "--retries":
        o.retries = count(flag, take(flag, inline), 10);
        break;
      case "--header":
        if (inline !== undefined) throw new UsageError("--header takes no value");
        o.header = true;
        break;
      case "-h":
      case "--help":
        o.help = true;
        break;
      default:
        throw new UsageError(
          flag.startsWith("-")
            ? unknownOption(arg, position, "altpay-oauth token --help")
            : `unexpected argument #${position}, not shown (see altpay-oauth token --help)`,
        );
    }
  }
  return o;
}

/** The first line of stdin: piped, or typed at a hidden prompt on a terminal. */
function readSecretLine() {
  const stdin = process.stdin;
  stdin.setEncoding("utf8");
  if (stdin.isTTY && typeof stdin.setRawMode === "function") {
    return new Promise((resolve) => {
      let s = "";
      process.stderr.write("client secret: ");
      stdin.setRawMode(true);
      const finish = () => {
        stdin.setRawMode(false);
        stdin.off("data", onData);
        stdin.pause();
        process.stderr.write("\n");
        resolve(s);
      };
      const onData = (chunk) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
          if (ch === "\u0003") {
            finish();
            process.exit(130);
          }
          s = ch === "\u007f" || ch === "\b" ? s.slice(0, -1) : s + ch;
        }
      };
      stdin.on("data", onData);
      stdin.resume();
    });
  }
  return new Promise((resolve, reject) => {
    let buf = "";
    const done = (text) => {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.off("error", reject);
      stdin.destroy();
      resolve(text.replace(/\r$/, ""));
    };
    const onData = (d) => {
      buf += d;
      const i = buf.indexOf("\n");
      if (i >= 0) done(buf.slice(0, i));
    };
    const onEnd = () => done(buf);
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.on("error", reject);
  });
}

const env = (name) => {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v;
};

async function token(argv) {
  let secret;
  try {
    const o = parseTokenArgs(argv);
    if (o.help) {
      process.stdout.write(`${TOKEN_HELP}\n`);
      return;
    }
    const clientId = o.clientId ?? env("ALTPAY_CLIENT_ID");
    if (clientId === undefined) throw new UsageError("no client id: set ALTPAY_CLIENT_ID or pass --client-id");
    secret = o.secretStdin ? await readSecretLine() : env("ALTPAY_CLIENT_SECRET");
    if (secret === undefined) {
      throw new UsageError("no client secret: set ALTPAY_CLIENT_SECRET or pipe it to --secret-stdin");
    }
    const options = { clientId, clientSecret: secret };
    const environment = o.environment ?? (o.baseUrl === undefined ? env("ALTPAY_ENVIRONMENT") : undefined);
    if (environment !== undefined) options.environment = environment;
    // An explicit --environment wins over ALTPAY_BASE_URL from the environment.
    const baseUrl = o.baseUrl ?? (o.environment === undefined ? env("ALTPAY_BASE_URL") : undefined);
    if (baseUrl !== undefined) options.baseUrl = baseUrl;
    if (o.timeoutMs !== undefined) options.timeoutMs = o.timeoutMs;
    if (o.retries !== undefined) options.retries = o.retries;

    const { createOAuthToken, AltPayOAuthError } = await import("./node.mjs");
    const ac = new AbortController();
    const abort = () => ac.abort();
    process.once("SIGINT", abort);
    process.once("SIGTERM", abort);
    let t;
    try {
      t = await createOAuthToken({ ...options, signal: ac.signal });
    } finally {
      process.off("SIGINT", abort);
      process.off("SIGTERM", abort);
    }
    if (typeof t.access_token !== "string" || !VSCHAR.test(t.access_token)) {
      // The library refuses such a token (invalid_response); this is the last line before a shell.
      throw new AltPayOAuthError(
        "invalid_response",
        "the token endpoint returned an access_token that is not printable ASCII (not shown)",
      );
    }
    const json = JSON.stringify(t, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    process.stdout.write(o.header ? `Authorization: Bearer ${t.access_token}\n` : `${json}\n`);
  } catch (e) {
    if (e instanceof UsageError) return fail("usage", e.message, secret);
    if (e && e.name === "AltPayOAuthError" && typeof e.code === "string") {
      let message = String(e.message);
      if (e.status !== undefined && !message.includes(String(e.status))) message += ` (HTTP ${e.status})`;
      if (e.retryAfter !== undefined && !/retry after/i.test(message)) message += `; retry after ${e.retryAfter} s`;
      return fail(e.code in EXIT ? e.code : "error", message, secret);
    }
    return fail("error", (e && e.message) || e, secret);
  }
}

async function mock(argv) {
  const { runCli } = await import("./mock-server.mjs");
  await runCli(argv);
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "token":
      return token(rest);
    case "mock":
      return mock(rest);
    case "help":
      if (rest[0] === "token") return token(["--help"]);
      if (rest[0] === "mock") return mock(["--help"]);
      process.stdout.write(`${HELP}\n`);
      return;
    case "-h":
    case "--help":
      process.stdout.write(`${HELP}\n`);
      return;
    case "-V":
    case "--version":
      process.stdout.write(`${version()}\n`);
      return;
    case undefined:
      process.stderr.write(`${HELP}\n`);
      process.exitCode = EXIT.usage;
      return;
    default:
      fail(
        "usage",
        command.startsWith("-")
          ? unknownOption(command, 1, "altpay-oauth --help; commands: token, mock")
          : "unknown command (commands: token, mock; see altpay-oauth --help)",
      );
  }
}

await main(process.argv.slice(2));
