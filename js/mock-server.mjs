// altpay-oauth mock token server
// =============================
//
// A local stand-in for the Alternative Payments token endpoint (POST /oauth/token, operationId
// createOAuthToken) plus a tiny protected resource, used by the test suites, benchmarks, the
// `altpay-oauth mock` CLI and the demo. Only `node:` built-ins are used, so the file runs unchanged on
// Node 20/22/24, Deno and Bun. Importing it has no side effects (no top-level await, no listeners).
//
// Programmatic use
// ----------------
//   import { startMockServer } from "./mock-server.mjs";
//   const mock = await startMockServer({ port: 0 });
//   // mock.url       "http://127.0.0.1:PORT" (base URL of lane "default")
//   // mock.port, mock.host, mock.clients ({ id: secret }), mock.server (the node:http Server)
//   const lane = mock.lane("my-test");          // name: [A-Za-z0-9_-]+
//   lane.baseUrl                                 // `${mock.url}/lane/my-test`
//   lane.script([{ status: 503 }, { normal: true }]);   // queue steps (in memory, synchronous)
//   lane.log(); lane.count(); lane.revoke(); lane.reset(); lane.queued();
//   mock.stats();                                // { requests, tokenRequests, openSockets, lanes: {...} }
//   await mock.close();                          // destroys every socket (hung and streaming ones too)
//
// Options (all optional)
//   port       0 = ephemeral (default 0)          host     default "127.0.0.1"
//   clients    { clientId: clientSecret }, default { "test-client": "test-secret" }
//   expiresIn  seconds in issued tokens (default 3600)
//   errorRate  0..1: that fraction of *unscripted* token requests answer 503 {"error":"temporarily_unavailable"}
//   latencyMs  added before every token response (scripted ones too)
//   quiet      default true; false = one line per request on stderr (method, lane, path without query,
//              status, duration; never the Authorization header, never a body)
//   staticDir  serve files from that directory for GET/HEAD at "/" and below (of any lane) when no
//              endpoint matches; "/" and directories give index.html; .wasm application/wasm,
//              .js/.mjs text/javascript, .html text/html, .json, .css, .svg, .png, ... ; no path escape.
//              An array of directories is searched in order (the packaged playground is served as
//              [<package>/www, <package>], so the page at "/" can import ../browser.mjs and its .wasm).
//   cors       default "loopback": pages from loopback origins (http(s)://localhost, 127.x.x.x, [::1], any
//              port: a dev server such as vite's) may call the mock; preflights are answered and the
//              Origin is echoed in Access-Control-Allow-Origin (with Vary: Origin). true = any origin
//              (Access-Control-Allow-Origin: *); false = no CORS headers at all.
//
// Lanes
// -----
// Every endpoint may be prefixed with `/lane/<name>`; without a prefix the lane is "default". Each lane
// has its own script queue, request log, counters and issued tokens, so concurrent tests do not interfere.
//
// Endpoints (per lane, relative to the lane's base URL)
// -----------------------------------------------------
//   POST /oauth/token   As the OpenAPI seed says. Checks, in order:
//                         method POST, else 405 {"error":"method_not_allowed"} (Allow: POST);
//                         Authorization: Basic base64(id:secret) matching `clients`, else
//                           403 {"message":"Invalid credentials"};
//                         Content-Type application/x-www-form-urlencoded, else
//                           400 {"error":"invalid_request",...};
//                         grant_type present, else 400 {"error":"invalid_request",...};
//                         grant_type=client_credentials, else 400 {"error":"unsupported_grant_type",
//                           "error_description":"grant_type must be client_credentials"}.
//                       200 application/json {"access_token":"<56 hex>","expires_in":N,"token_type":"bearer"}
//                       (Cache-Control: no-store). The token is remembered per lane with its expiry.
//   GET  /customers     200 {"data":[{"id":"cus_1","name":"Ada"}]} with `Authorization: Bearer <token>`
//                       issued on this lane, unexpired, not revoked; otherwise 401 {"error":"invalid_token"}
//                       with WWW-Authenticate: Bearer error="invalid_token".
//   POST /customers     same authorization; 200 {"received":"<request body>","contentType":<header or null>}
//   ANY  /redirect-target  200 with a token-shaped JSON body ({"access_token":"redirect-target-token",...}),
//                       so a client that wrongly follows a scripted redirect visibly "succeeds"; logged.
//   anything else       static file (if staticDir) or 404 {"error":"not_found"}. Every lane request is logged.
//
// Control API (not lane-prefixed; JSON in and out)
// ------------------------------------------------
//   POST /__control/<lane>/script  body: array of steps (or one step) appended to the lane's FIFO queue
//                                  -> {"queued": <queue length>}. GET returns the pending steps.
//   POST /__control/<lane>/revoke  revoke every token issued on the lane -> {"revoked": n}
//   GET  /__control/<lane>/log     [{ method, path, url, headers, body, at, lane }] in arrival order;
//                                  path is lane-relative without the query, url the raw request target,
//                                  headers have lowercased names, body is the utf8 body (first 1 MiB),
//                                  at is epoch milliseconds.
//   GET  /__control/<lane>/count   {"token": <requests to /oauth/token>, "all": <requests on the lane>}
//   POST /__control/<lane>/reset   clear the lane's queue, log, counters and tokens
//
// Script steps (every request to the lane's /oauth/token, whatever its method, consumes the head step;
// empty queue = normal behaviour). All fields optional:
//   repeat: N            this step serves the next N requests (default 1)
//   normal: true         behave normally (all checks above) with overrides of the success JSON:
//                        expiresIn, tokenType, scope, accessToken (an override set to null drops the field;
//                        the stored expiry uses Number(expiresIn) when finite). `status` is ignored.
//   status               response status (default 200 when a body field is given)
//   headers              object merged over the defaults (case-insensitive; value null removes a header)
//   body                 string sent verbatim (default content-type application/json)
//   json                 any value, JSON-encoded
//   rawBytesBase64       these exact bytes as the body (e.g. invalid UTF-8)
//   bodyBytes: N         a valid-looking JSON token body of N bytes ({"access_token":"aaaa…","token_type":
//                        "bearer","expires_in":3600}), generated in 64 KiB chunks with backpressure,
//                        stopping when the client goes away; never allocated whole (100 MiB is fine).
//                        Sent chunked (no Content-Length) unless `contentLength: true`.
//   contentLength        false = omit Content-Length (chunked); true = send it when it is known
//   delayMs              wait before sending the headers
//   bodyDelayMs          send the headers and the first half of the body, wait, then the rest
//   trickle: {chunkBytes, intervalMs}   send the body in chunkBytes pieces, intervalMs apart
//   gzip: true           gzip the body and set Content-Encoding: gzip (works with bodyBytes too)
//   reset: "before-headers" | "mid-body"   destroy the socket at that point
//   hang: true           read the request and never answer (the socket is destroyed by close())
// A step with only `status` answers that status with a default body: 2xx a fresh valid token,
// 3xx an empty body and (unless given) Location: <lane base>/redirect-target, 403 {"message":"Invalid
// credentials"}, 503 {"error":"temporarily_unavailable"}, other statuses {"error":"<reason_phrase>"}.
// A step with neither `status` nor a body field (e.g. only delayMs / gzip / trickle / reset mid-body)
// is a normal response delivered with those modifiers.
//
// CLI
// ---
//   node js/mock-server.mjs [--port N (default 8787)] [--host H] [--expires-in S] [--error-rate R]
//        [--latency-ms MS] [--static DIR]... [--client-id ID --client-secret S] [--cors|--no-cors] [--verbose]
// prints
//   altpay-oauth mock token server listening on http://127.0.0.1:8787
//   client id: test-client  client secret: test-secret
//   playground: http://127.0.0.1:8787/          (when run from the npm package, see below)
//   token endpoint: ...   protected resource: ...
// and stops cleanly on SIGINT/SIGTERM. `runCli(argv)` is exported for the package's bin
// (`altpay-oauth mock`). Run from the npm package (pkg/mock-server.mjs, next to www/) and without
// --static, it serves the playground: static directories [<package>/www, <package>].

import http from "node:http";
import { createGzip, gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { Readable, pipeline } from "node:stream";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL, fileURLToPath } from "node:url";

const LANE_NAME = /^[A-Za-z0-9_-]+$/;
/** A page origin on this machine: http(s) to localhost, 127.0.0.0/8 or [::1], any port. */
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;
const LOG_BODY_LIMIT = 1024 * 1024;
const CHUNK = 64 * 1024;
const DEFAULT_CLIENTS = Object.freeze({ "test-client": "test-secret" });

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
};

let fillerBlock = null;
function filler() {
  if (!fillerBlock) fillerBlock = Buffer.alloc(CHUNK, 0x61); // "a"
  return fillerBlock;
}

const BIG_PREFIX = Buffer.from('{"access_token":"');
const BIG_SUFFIX = Buffer.from('","token_type":"bearer","expires_in":3600}');

function bigBodyLength(n) {
  return BIG_PREFIX.length + Math.max(0, n - BIG_PREFIX.length - BIG_SUFFIX.length) + BIG_SUFFIX.length;
}

function* bigBody(n) {
  let rest = Math.max(0, n - BIG_PREFIX.length - BIG_SUFFIX.length);
  yield BIG_PREFIX;
  const block = filler();
  while (rest > 0) {
    const k = Math.min(rest, block.length);
    yield k === block.length ? block : block.subarray(0, k);
    rest -= k;
  }
  yield BIG_SUFFIX;
}

function* bufferChunks(buf) {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, Math.min(buf.length, i + CHUNK));
}

function newToken() {
  return randomBytes(28).toString("hex"); // 56 hex chars
}

function reasonSlug(status) {
  const text = http.STATUS_CODES[status] || "error";
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

function defaultErrorBody(status) {
  if (status === 403) return { message: "Invalid credentials" };
  if (status === 503) return { error: "temporarily_unavailable" };
  if (status === 500) return { error: "server_error" };
  if (status === 400) return { error: "invalid_request" };
  return { error: reasonSlug(status) };
}

function formatHostForUrl(host) {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  if (host.includes(":") && !host.startsWith("[")) return `[${host}]`;
  return host;
}

/** Parse `Authorization: Basic ...` into [id, secret] or null. */
function parseBasic(header) {
  if (typeof header !== "string") return null;
  const m = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return null;
  let decoded;
  try {
    decoded = Buffer.from(m[1], "base64").toString("utf8");
  } catch {
    return null;
  }
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return [decoded.slice(0, i), decoded.slice(i + 1)];
}

function parseBearer(header) {
  if (typeof header !== "string") return null;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

function mediaType(header) {
  if (typeof header !== "string") return "";
  return header.split(";")[0].trim().toLowerCase();
}

class Lane {
  constructor(name) {
    this.name = name;
    this.queue = [];
    this.log = [];
    this.tokens = new Map(); // token -> expiresAt (ms, Infinity if unknown)
    this.tokenCount = 0;
    this.allCount = 0;
  }
  reset() {
    this.queue = [];
    this.log = [];
    this.tokens.clear();
    this.tokenCount = 0;
    this.allCount = 0;
  }
  revoke() {
    const n = this.tokens.size;
    this.tokens.clear();
    return n;
  }
  enqueue(steps) {
    const list = Array.isArray(steps) ? steps : [steps];
    for (const s of list) {
      if (s === null || typeof s !== "object" || Array.isArray(s)) {
        throw new TypeError("each script step must be an object");
      }
    }
    for (const s of list) {
      const step = { ...s };
      const r = Number(step.repeat ?? 1);
      Object.defineProperty(step, "__remaining", {
        value: Number.isFinite(r) && r >= 1 ? Math.floor(r) : 1,
        writable: true,
        enumerable: false,
      });
      this.queue.push(step);
    }
    return this.queue.length;
  }
  next() {
    const head = this.queue[0];
    if (!head) return null;
    head.__remaining -= 1;
    if (head.__remaining <= 0) this.queue.shift();
    return head;
  }
  pending() {
    return this.queue.map((s) => ({ ...s, repeat: s.__remaining }));
  }
  validToken(token) {
    if (!token || !this.tokens.has(token)) return false;
    const exp = this.tokens.get(token);
    if (Date.now() >= exp) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }
}

function copyEntry(e) {
  return { ...e, headers: { ...e.headers } };
}

/**
 * Start the mock token server.
 * @returns {Promise<{url:string, port:number, host:string, clients:Record<string,string>,
 *   server: import("node:http").Server, close:()=>Promise<void>, lane:(name:string)=>object, stats:()=>object}>}
 */
export async function startMockServer(options = {}) {
  const opts = options || {};
  const host = opts.host ?? "127.0.0.1";
  const clients = { ...(opts.clients ?? DEFAULT_CLIENTS) };
  const clientMap = new Map(Object.entries(clients));
  const expiresIn = opts.expiresIn ?? 3600;
  const errorRate = Math.min(1, Math.max(0, Number(opts.errorRate) || 0));
  const latencyMs = Math.max(0, Number(opts.latencyMs) || 0);
  const quiet = opts.quiet !== false;
  const cors = opts.cors === true ? "any" : opts.cors === false ? "off" : "loopback";
  const staticDirs = (Array.isArray(opts.staticDir) ? opts.staticDir : [opts.staticDir])
    .filter(Boolean)
    .map((d) => path.resolve(String(d)));
  const staticDir = staticDirs.length ? staticDirs : null;

  const lanes = new Map();
  const sockets = new Set();
  const live = new Set(); // { req, res } currently being handled
  const closeController = new AbortController();
  const closeSignal = closeController.signal;
  let closing = false;
  let totalRequests = 0;
  let totalTokenRequests = 0;
  let url = "";

  function getLane(name) {
    let l = lanes.get(name);
    if (!l) {
      l = new Lane(name);
      lanes.set(name, l);
    }
    return l;
  }

  function laneBase(name) {
    return name === "default" ? url : `${url}/lane/${name}`;
  }

  // ---- helpers bound to one exchange -------------------------------------------------------------

  function sleep(ms, ctx) {
    if (!(ms > 0) || closing || (ctx && ctx.gone)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        closeSignal.removeEventListener("abort", done);
        if (ctx) ctx.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      closeSignal.addEventListener("abort", done, { once: true });
      if (ctx) ctx.waiters.add(done);
    });
  }

  function waitDrain(ctx) {
    return new Promise((resolve) => {
      const done = () => {
        ctx.res.off("drain", done);
        closeSignal.removeEventListener("abort", done);
        ctx.waiters.delete(done);
        resolve();
      };
      ctx.res.on("drain", done);
      closeSignal.addEventListener("abort", done, { once: true });
      ctx.waiters.add(done);
    });
  }

  async function write(ctx, chunk) {
    if (ctx.gone || closing) return false;
    if (!ctx.res.write(chunk)) await waitDrain(ctx);
    return !ctx.gone && !closing;
  }

  function writeFlushed(ctx, chunk) {
    return new Promise((resolve) => {
      if (ctx.gone || closing) return resolve();
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        ctx.waiters.delete(done);
        resolve();
      };
      ctx.waiters.add(done);
      try {
        ctx.res.write(chunk, done);
      } catch {
        done();
      }
    });
  }

  function destroySocket(ctx) {
    ctx.reset = true;
    const s = ctx.req.socket;
    try {
      if (s) s.destroy();
      else ctx.res.destroy();
    } catch {
      /* ignore */
    }
  }

  function baseHeaders() {
    return {};
  }

  /** The Access-Control-Allow-Origin value for this request, or null (no CORS headers). */
  function allowedOrigin(req) {
    if (cors === "any") return "*";
    const origin = req.headers.origin;
    if (cors === "loopback" && typeof origin === "string" && LOOPBACK_ORIGIN.test(origin)) return origin;
    return null;
  }

  function mergeHeaders(target, extra) {
    if (!extra || typeof extra !== "object") return target;
    for (const [k, v] of Object.entries(extra)) {
      const key = k.toLowerCase();
      if (v === null || v === undefined) delete target[key];
      else target[key] = Array.isArray(v) ? v.map(String) : String(v);
    }
    return target;
  }

  function sendJson(ctx, status, value, extraHeaders) {
    const body = Buffer.from(JSON.stringify(value));
    const headers = mergeHeaders(
      { ...baseHeaders(), "content-type": "application/json", "content-length": String(body.length) },
      extraHeaders,
    );
    if (ctx.gone || closing) return;
    ctx.res.writeHead(status, headers);
    ctx.res.end(ctx.req.method === "HEAD" ? undefined : body);
  }

  /**
   * Deliver a response with the step's modifiers.
   * resp: { status, headers, body?: Buffer, stream?: Iterable<Buffer>, total?: number }
   */
  async function deliver(ctx, resp, step) {
    const s = step || {};
    const headers = { ...resp.headers };
    let source;
    let total;
    if (resp.stream) {
      if (s.gzip) {
        const gz = createGzip();
        pipeline(Readable.from(resp.stream), gz, () => {});
        source = gz;
        total = undefined;
        headers["content-encoding"] = "gzip";
      } else {
        source = resp.stream;
        total = resp.total;
      }
      if (s.contentLength === true && total !== undefined) headers["content-length"] = String(total);
      else delete headers["content-length"];
    } else {
      let body = resp.body ?? Buffer.alloc(0);
      if (s.gzip) {
        body = gzipSync(body);
        headers["content-encoding"] = "gzip";
      }
      total = body.length;
      source = bufferChunks(body);
      if (s.contentLength === false) delete headers["content-length"];
      else headers["content-length"] = String(body.length);
    }
    mergeHeaders(headers, s.headers);

    if (ctx.gone || closing) return destroyIter(source);
    const { res } = ctx;
    try {
      res.writeHead(resp.status, headers);
    } catch {
      destroySocket(ctx);
      return destroyIter(source);
    }
    if (ctx.req.method === "HEAD" || resp.status === 204 || resp.status === 304) {
      res.end();
      return destroyIter(source);
    }

    const midReset = s.reset === "mid-body";
    const bodyDelay = Math.max(0, Number(s.bodyDelayMs) || 0);
    const splitAt = total !== undefined ? Math.max(1, Math.floor(total / 2)) : undefined;
    const trickle = s.trickle && typeof s.trickle === "object" ? s.trickle : null;
    const trickleBytes = trickle ? Math.max(1, Math.floor(Number(trickle.chunkBytes) || 1)) : 0;
    const trickleMs = trickle ? Math.max(0, Number(trickle.intervalMs) || 0) : 0;
    let split = !(midReset || bodyDelay > 0); // true once the split point has been handled
    let written = 0;
    let first = true;

    const emit = async (chunk) => {
      if (!trickle) return write(ctx, chunk);
      for (let i = 0; i < chunk.length; i += trickleBytes) {
        if (!first) await sleep(trickleMs, ctx);
        first = false;
        if (!(await write(ctx, chunk.subarray(i, Math.min(chunk.length, i + trickleBytes))))) return false;
      }
      return true;
    };

    const atSplit = async (pieceBefore) => {
      // headers + first half are out (flushed to the socket); now either reset or wait
      split = true;
      if (pieceBefore.length === 0) res.flushHeaders();
      if (midReset) {
        await new Promise((r) => setImmediate(r));
        destroySocket(ctx);
        return false;
      }
      await sleep(bodyDelay, ctx);
      return !ctx.gone && !closing;
    };

    try {
      for await (const raw of source) {
        let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
        if (!split) {
          const limit = splitAt === undefined ? chunk.length : splitAt - written;
          if (limit <= chunk.length) {
            const before = chunk.subarray(0, Math.max(0, limit));
            if (before.length && !trickle) await writeFlushed(ctx, before);
            else if (before.length && !(await emit(before))) break;
            if (ctx.gone || closing) break;
            written += before.length;
            if (!(await atSplit(before))) break;
            chunk = chunk.subarray(before.length);
          }
        }
        if (chunk.length) {
          if (!(await emit(chunk))) break;
          written += chunk.length;
        }
      }
    } catch {
      destroySocket(ctx);
    } finally {
      destroyIter(source);
    }
    if (!split && !ctx.gone && !closing) await atSplit(Buffer.alloc(0)); // empty body
    if (ctx.gone || closing || ctx.reset) return;
    res.end();
  }

  function destroyIter(source) {
    if (source && typeof source.destroy === "function") {
      try {
        source.destroy();
      } catch {
        /* ignore */
      }
    } else if (source && typeof source.return === "function") {
      try {
        source.return();
      } catch {
        /* ignore */
      }
    }
  }

  // ---- token endpoint --------------------------------------------------------------------------

  function tokenJson(lane, step) {
    const s = step || {};
    const has = (k) => Object.prototype.hasOwnProperty.call(s, k);
    const token = has("accessToken") ? s.accessToken : newToken();
    const exp = has("expiresIn") ? s.expiresIn : expiresIn;
    const out = {};
    if (token !== null && token !== undefined) out.access_token = token;
    if (exp !== null && exp !== undefined) out.expires_in = exp;
    const tt = has("tokenType") ? s.tokenType : "bearer";
    if (tt !== null && tt !== undefined) out.token_type = tt;
    if (has("scope") && s.scope !== null && s.scope !== undefined) out.scope = s.scope;
    if (typeof token === "string" && token) {
      const secs = Number(exp);
      lane.tokens.set(token, Number.isFinite(secs) ? Date.now() + secs * 1000 : Infinity);
    }
    return out;
  }

  function jsonResp(status, value, extra) {
    const body = Buffer.from(JSON.stringify(value));
    return {
      status,
      headers: mergeHeaders(
        {
          ...baseHeaders(),
          "content-type": "application/json",
          "cache-control": "no-store",
          pragma: "no-cache",
        },
        extra,
      ),
      body,
    };
  }

  function normalToken(ctx, lane, step) {
    const { req } = ctx;
    if (req.method !== "POST") return jsonResp(405, { error: "method_not_allowed" }, { allow: "POST" });
    const cred = parseBasic(req.headers.authorization);
    if (!cred || !clientMap.has(cred[0]) || clientMap.get(cred[0]) !== cred[1]) {
      return jsonResp(403, { message: "Invalid credentials" });
    }
    if (mediaType(req.headers["content-type"]) !== "application/x-www-form-urlencoded") {
      return jsonResp(400, {
        error: "invalid_request",
        error_description: "content-type must be application/x-www-form-urlencoded",
      });
    }
    const params = new URLSearchParams(ctx.bodyText);
    const grant = params.get("grant_type");
    if (grant === null || grant === "") {
      return jsonResp(400, { error: "invalid_request", error_description: "grant_type is required" });
    }
    if (grant !== "client_credentials") {
      return jsonResp(400, {
        error: "unsupported_grant_type",
        error_description: "grant_type must be client_credentials",
      });
    }
    return jsonResp(200, tokenJson(lane, step));
  }

  function scriptedResponse(ctx, lane, step) {
    const status = Number.isInteger(step.status) ? step.status : 200;
    const headers = { ...baseHeaders(), "cache-control": "no-store" };
    if (step.bodyBytes !== undefined && step.bodyBytes !== null) {
      const n = Math.max(0, Math.floor(Number(step.bodyBytes) || 0));
      headers["content-type"] = "application/json";
      return { status, headers, stream: bigBody(n), total: bigBodyLength(n) };
    }
    if (typeof step.rawBytesBase64 === "string") {
      headers["content-type"] = "application/json";
      return { status, headers, body: Buffer.from(step.rawBytesBase64, "base64") };
    }
    if (step.body !== undefined && step.body !== null) {
      headers["content-type"] = "application/json";
      return { status, headers, body: Buffer.from(String(step.body), "utf8") };
    }
    if (Object.prototype.hasOwnProperty.call(step, "json")) {
      headers["content-type"] = "application/json";
      const text = JSON.stringify(step.json);
      return { status, headers, body: Buffer.from(text === undefined ? "null" : text, "utf8") };
    }
    // status only
    if (status >= 200 && status < 300) return jsonResp(status, tokenJson(lane, step));
    if (status >= 300 && status < 400) {
      const hasLocation = step.headers && Object.keys(step.headers).some((k) => k.toLowerCase() === "location");
      if (!hasLocation) headers.location = `${laneBase(lane.name)}/redirect-target`;
      return { status, headers, body: Buffer.alloc(0) };
    }
    return jsonResp(status, defaultErrorBody(status));
  }

  function isScriptedContent(step) {
    return (
      (step.bodyBytes !== undefined && step.bodyBytes !== null) ||
      typeof step.rawBytesBase64 === "string" ||
      (step.body !== undefined && step.body !== null) ||
      Object.prototype.hasOwnProperty.call(step, "json") ||
      (step.status !== undefined && step.status !== null)
    );
  }

  async function handleToken(ctx, lane) {
    lane.tokenCount += 1;
    totalTokenRequests += 1;
    const step = lane.next();
    if (step) {
      await sleep(Math.max(0, Number(step.delayMs) || 0) + latencyMs, ctx);
      if (ctx.gone || closing) return;
      if (step.hang) {
        ctx.hung = true;
        return; // never answered; close() or the client ends it
      }
      if (step.reset === "before-headers") return destroySocket(ctx);
      const resp = !step.normal && isScriptedContent(step)
        ? scriptedResponse(ctx, lane, step)
        : normalToken(ctx, lane, step);
      return deliver(ctx, resp, step);
    }
    await sleep(latencyMs, ctx);
    if (ctx.gone || closing) return;
    if (errorRate > 0 && Math.random() < errorRate) {
      return deliver(ctx, jsonResp(503, { error: "temporarily_unavailable" }), null);
    }
    return deliver(ctx, normalToken(ctx, lane, null), null);
  }

  // ---- protected resource ------------------------------------------------------------------------

  function handleCustomers(ctx, lane) {
    const { req } = ctx;
    if (req.method !== "GET" && req.method !== "POST" && req.method !== "HEAD") {
      return sendJson(ctx, 405, { error: "method_not_allowed" }, { allow: "GET, POST" });
    }
    const token = parseBearer(req.headers.authorization);
    if (!lane.validToken(token)) {
      return sendJson(ctx, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    if (req.method === "POST") {
      return sendJson(ctx, 200, { received: ctx.bodyText, contentType: req.headers["content-type"] ?? null });
    }
    return sendJson(ctx, 200, { data: [{ id: "cus_1", name: "Ada" }] });
  }

  // ---- static files ------------------------------------------------------------------------------

  /** The first regular file for relPath in the static directories (directories give index.html). */
  async function findStatic(decoded) {
    for (const dir of staticDirs) {
      let file = path.resolve(dir, "." + path.posix.normalize("/" + decoded));
      const rel = path.relative(dir, file);
      if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
      try {
        let st = await fs.promises.stat(file);
        if (st.isDirectory()) {
          file = path.join(file, "index.html");
          st = await fs.promises.stat(file);
        }
        if (st.isFile()) return { file, st };
      } catch {
        /* next directory */
      }
    }
    return null;
  }

  async function serveStatic(ctx, relPath) {
    let decoded;
    try {
      decoded = decodeURIComponent(relPath);
    } catch {
      return false;
    }
    if (decoded.includes("\0")) return false;
    const found = await findStatic(decoded);
    if (!found) return false;
    const { file, st } = found;
    if (ctx.gone || closing) return true;
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
    ctx.res.writeHead(200, {
      ...baseHeaders(),
      "content-type": type,
      "content-length": String(st.size),
      "cache-control": "no-cache",
    });
    if (ctx.req.method === "HEAD") {
      ctx.res.end();
      return true;
    }
    await new Promise((resolve) => {
      const rs = fs.createReadStream(file);
      rs.on("error", () => {
        destroySocket(ctx);
        resolve();
      });
      rs.on("end", resolve);
      ctx.res.on("close", () => {
        rs.destroy();
        resolve();
      });
      rs.pipe(ctx.res);
    });
    return true;
  }

  // ---- control API -------------------------------------------------------------------------------

  function handleControl(ctx, laneName, action) {
    const { req } = ctx;
    if (!LANE_NAME.test(laneName)) return sendJson(ctx, 400, { error: "invalid lane name" });
    const lane = getLane(laneName);
    const method = req.method;
    const want = (m) => {
      if (method === m) return true;
      sendJson(ctx, 405, { error: "method_not_allowed" }, { allow: m });
      return false;
    };
    switch (action) {
      case "script": {
        if (method === "GET") return sendJson(ctx, 200, lane.pending());
        if (!want("POST")) return;
        let steps;
        try {
          steps = JSON.parse(ctx.bodyText);
          return sendJson(ctx, 200, { queued: lane.enqueue(steps) });
        } catch (e) {
          return sendJson(ctx, 400, { error: "invalid script", error_description: String(e && e.message) });
        }
      }
      case "revoke":
        if (!want("POST")) return;
        return sendJson(ctx, 200, { revoked: lane.revoke() });
      case "reset":
        if (!want("POST")) return;
        lane.reset();
        return sendJson(ctx, 200, { ok: true });
      case "log":
        if (!want("GET")) return;
        return sendJson(ctx, 200, lane.log.map(copyEntry));
      case "count":
        if (!want("GET")) return;
        return sendJson(ctx, 200, { token: lane.tokenCount, all: lane.allCount });
      default:
        return sendJson(ctx, 404, { error: "not_found" });
    }
  }

  // ---- request dispatch --------------------------------------------------------------------------

  function readBody(ctx) {
    return new Promise((resolve) => {
      const parts = [];
      let size = 0;
      let truncated = false;
      const { req } = ctx;
      req.on("data", (c) => {
        if (size < LOG_BODY_LIMIT) {
          const room = LOG_BODY_LIMIT - size;
          parts.push(c.length > room ? c.subarray(0, room) : c);
          if (c.length > room) truncated = true;
        } else truncated = true;
        size += c.length;
      });
      const done = () => {
        ctx.bodyText = Buffer.concat(parts).toString("utf8");
        ctx.bodyTruncated = truncated;
        resolve();
      };
      req.on("end", done);
      req.on("error", done);
      req.on("close", () => {
        if (ctx.bodyText === undefined) done();
      });
    });
  }

  async function handle(req, res) {
    const started = Date.now();
    const ctx = { req, res, gone: false, reset: false, hung: false, waiters: new Set(), bodyText: undefined };
    live.add(ctx);
    res.on("close", () => {
      ctx.gone = true;
      live.delete(ctx);
      for (const w of [...ctx.waiters]) w();
    });
    res.on("error", () => {});
    req.on("error", () => {});

    const allowOrigin = allowedOrigin(req);
    if (allowOrigin !== null) {
      res.setHeader("access-control-allow-origin", allowOrigin);
      res.setHeader("access-control-expose-headers", "www-authenticate, retry-after, content-encoding");
      if (allowOrigin !== "*") res.setHeader("vary", "Origin");
    }
    const rawUrl = req.url || "/";
    const qi = rawUrl.indexOf("?");
    const pathname = qi < 0 ? rawUrl : rawUrl.slice(0, qi);

    // control API
    const cm = /^\/__control\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
    if (cm) {
      await readBody(ctx);
      return handleControl(ctx, cm[1], cm[2]);
    }

    let laneName = "default";
    let rel = pathname;
    const lm = /^\/lane\/([^/]*)(\/.*)?$/.exec(pathname);
    if (lm) {
      if (!LANE_NAME.test(lm[1])) {
        await readBody(ctx);
        return sendJson(ctx, 404, { error: "not_found", error_description: "invalid lane name" });
      }
      laneName = lm[1];
      rel = lm[2] || "/";
    }
    const lane = getLane(laneName);
    totalRequests += 1;
    lane.allCount += 1;
    const entry = {
      method: req.method,
      path: rel,
      url: rawUrl,
      headers: { ...req.headers },
      body: "",
      at: started,
      lane: laneName,
    };
    lane.log.push(entry);
    if (!quiet) {
      res.on("close", () => {
        const status = res.headersSent ? res.statusCode : ctx.hung ? "hung" : ctx.reset ? "reset" : "aborted";
        const extra = !res.headersSent
          ? ""
          : ctx.reset
            ? " (reset mid-body)"
            : res.writableFinished
              ? ""
              : " (client closed early)";
        try {
          process.stderr.write(
            `[altpay-oauth mock] ${req.method} lane=${laneName} ${rel} -> ${status}${extra} ${Date.now() - started}ms\n`,
          );
        } catch {
          /* ignore */
        }
      });
    }
    await readBody(ctx);
    entry.body = ctx.bodyText;
    if (ctx.bodyTruncated) entry.bodyTruncated = true;
    if (ctx.gone || closing) return;

    if (allowOrigin !== null && req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      res.writeHead(204, {
        ...baseHeaders(),
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": req.headers["access-control-request-headers"] || "authorization, content-type, accept",
        "access-control-max-age": "600",
        "content-length": "0",
      });
      return res.end();
    }

    const route = rel.length > 1 && rel.endsWith("/") ? rel.slice(0, -1) : rel;
    if (route === "/oauth/token") return handleToken(ctx, lane);
    if (route === "/customers") return handleCustomers(ctx, lane);
    if (route === "/redirect-target") {
      return sendJson(ctx, 200, { access_token: "redirect-target-token", expires_in: 3600, token_type: "bearer" });
    }
    if (staticDir && (req.method === "GET" || req.method === "HEAD")) {
      if (await serveStatic(ctx, rel)) return;
    }
    return sendJson(ctx, 404, { error: "not_found" });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      try {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end('{"error":"server_error"}');
        } else res.destroy();
      } catch {
        /* ignore */
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (closing) socket.destroy();
  });
  server.on("clientError", (err, socket) => {
    try {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    } catch {
      /* ignore */
    }
  });

  await new Promise((resolve, reject) => {
    const onError = (err) => {
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(Number(opts.port) || 0, host);
  });

  const addr = server.address();
  const port = addr && typeof addr === "object" ? addr.port : Number(opts.port) || 0;
  url = `http://${formatHostForUrl(host)}:${port}`;

  let closePromise = null;
  function close() {
    if (closePromise) return closePromise;
    closing = true;
    closeController.abort();
    closePromise = new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(fallback);
        resolve();
      };
      const fallback = setTimeout(finish, 2000);
      if (typeof fallback.unref === "function") fallback.unref();
      try {
        server.close(() => finish());
      } catch {
        finish();
      }
      for (const ctx of live) {
        try {
          ctx.req.socket?.destroy();
        } catch {
          /* ignore */
        }
        try {
          ctx.res.destroy();
        } catch {
          /* ignore */
        }
      }
      for (const s of sockets) {
        try {
          s.destroy();
        } catch {
          /* ignore */
        }
      }
      try {
        server.closeAllConnections?.();
      } catch {
        /* ignore */
      }
    });
    return closePromise;
  }

  function laneHelper(name) {
    if (typeof name !== "string" || !LANE_NAME.test(name)) {
      throw new TypeError(`lane name must match ${LANE_NAME}`);
    }
    const l = getLane(name);
    return {
      name,
      baseUrl: laneBase(name),
      /** Append steps (array or one step) to the lane's queue; returns the queue length. */
      script(steps) {
        return l.enqueue(steps);
      },
      /** Copy of the lane's request log, in arrival order. */
      log() {
        return l.log.map(copyEntry);
      },
      count() {
        return { token: l.tokenCount, all: l.allCount };
      },
      queued() {
        return l.pending();
      },
      revoke() {
        return l.revoke();
      },
      reset() {
        l.reset();
      },
    };
  }

  function stats() {
    const out = {};
    for (const [name, l] of lanes) {
      out[name] = { token: l.tokenCount, all: l.allCount, queued: l.queue.length, tokens: l.tokens.size };
    }
    return {
      requests: totalRequests,
      tokenRequests: totalTokenRequests,
      openSockets: sockets.size,
      inFlight: live.size,
      lanes: out,
    };
  }

  return {
    url,
    port,
    host,
    clients: { ...clients },
    server,
    close,
    lane: laneHelper,
    stats,
  };
}

// ---- CLI -----------------------------------------------------------------------------------------

const USAGE = `usage: altpay-oauth mock [options]

Start a local mock of the Alternative Payments token endpoint (POST /oauth/token: 403 for wrong
credentials, 400 for a bad grant, like the real one), a protected GET /customers that checks the
Bearer token, and the playground page at /. Listens on loopback only unless --host says otherwise.

options:
  --port N            port (default 8787; 0 picks a free one)
  --host H            interface (default 127.0.0.1; anything else exposes the mock to your network)
  --expires-in S      expires_in of issued tokens, in seconds (default 3600)
  --error-rate R      fraction 0..1 of token requests answered 503 temporarily_unavailable (default 0)
  --latency-ms MS     delay before every token response, in milliseconds (default 0)
  --client-id ID      the client id the mock accepts (default test-client)
  --client-secret S   the secret the mock accepts (default test-secret; a made-up test credential)
  --static DIR        serve DIR at / instead of the playground (repeat to search several, in order)
  --cors              allow pages from any origin (CORS); by default only loopback origins
                      (http://localhost:5173, http://127.0.0.1:3000, ...: your dev server) may call it
  --no-cors           no CORS headers at all
  -v, --verbose       one line per request on stderr (never credentials, never bodies)
  -h, --help          this help

Stop it with Ctrl-C.`;

/** The playground, when this file runs from the npm package: www/ first, then the package root. */
function packagedStatic() {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    if (fs.existsSync(path.join(here, "www", "index.html"))) return [path.join(here, "www"), here];
  } catch {
    /* not a file URL */
  }
  return null;
}

function isLoopbackHost(host) {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}

function parseArgs(argv) {
  const o = { port: 8787, host: "127.0.0.1", quiet: true };
  let id;
  let secret;
  const statics = [];
  const args = [...argv];
  const value = (flag) => {
    if (!args.length) throw new Error(`${flag} needs a value`);
    return args.shift();
  };
  const num = (flag, v) => {
    const n = Number(v);
    if (v === "" || !Number.isFinite(n) || n < 0) throw new Error(`${flag}: not a non-negative number: ${v}`);
    return n;
  };
  while (args.length) {
    let a = args.shift();
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    if (eq > 0) {
      args.unshift(a.slice(eq + 1));
      a = a.slice(0, eq);
    }
    switch (a) {
      case "--port":
        o.port = num(a, value(a));
        if (!Number.isInteger(o.port) || o.port > 65535) throw new Error("--port must be an integer from 0 to 65535");
        break;
      case "--host":
        o.host = value(a);
        break;
      case "--expires-in":
        o.expiresIn = num(a, value(a));
        break;
      case "--error-rate":
        o.errorRate = num(a, value(a));
        if (o.errorRate > 1) throw new Error("--error-rate must be between 0 and 1");
        break;
      case "--latency-ms":
        o.latencyMs = num(a, value(a));
        break;
      case "--static":
        statics.push(value(a));
        break;
      case "--client-id":
        id = value(a);
        break;
      case "--client-secret":
        secret = value(a);
        break;
      case "--cors":
        o.cors = true;
        break;
      case "--no-cors":
        o.cors = false;
        break;
      case "--verbose":
      case "-v":
        o.quiet = false;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      default:
        throw new Error(`unknown argument: ${a.startsWith("-") ? a : "(a positional argument)"}`);
    }
  }
  if (id !== undefined || secret !== undefined) {
    o.clients = { [id ?? "test-client"]: secret ?? "test-secret" };
  }
  if (statics.length) o.staticDir = statics;
  return o;
}

/**
 * Run the CLI: start the server, print the URL and credentials, stop on SIGINT/SIGTERM.
 * Resolves with the running server (or null after --help / a usage error, with process.exitCode set).
 */
export async function runCli(argv = process.argv.slice(2)) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`altpay-oauth mock: ${e.message}\n(altpay-oauth mock --help lists the options)\n`);
    process.exitCode = 2;
    return null;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  delete o.help;
  const playground = o.staticDir === undefined ? packagedStatic() : null;
  if (playground) o.staticDir = playground;
  let mock;
  try {
    mock = await startMockServer(o);
  } catch (e) {
    const hint = e && e.code === "EADDRINUSE" ? " (is another mock running? try --port 0 or another port)" : "";
    process.stderr.write(`altpay-oauth mock: cannot listen on ${o.host}:${o.port}: ${e && e.message}${hint}\n`);
    process.exitCode = 1;
    return null;
  }
  const [[cid, csecret]] = Object.entries(mock.clients);
  const lines = [
    `altpay-oauth mock token server listening on ${mock.url}`,
    `client id: ${cid}  client secret: ${csecret}`,
  ];
  if (playground) lines.push(`playground: ${mock.url}/`);
  else if (o.staticDir) lines.push(`static files: ${mock.url}/`);
  lines.push("endpoints: POST /oauth/token (Basic auth), GET /customers (Bearer token)");
  if (playground) {
    lines.push(`try: ALTPAY_CLIENT_ID=${cid} ALTPAY_CLIENT_SECRET=${csecret} npx altpay-oauth token --base-url ${mock.url}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  if (!isLoopbackHost(o.host)) {
    process.stderr.write(`altpay-oauth mock: warning: listening on ${o.host}, not loopback: other machines can reach it\n`);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return mock;
}

function isMain() {
  try {
    if (import.meta.main === true) return true;
    const argv1 = process.argv && process.argv[1];
    if (!argv1) return false;
    if (import.meta.url === pathToFileURL(argv1).href) return true;
    const self = fs.realpathSync(fileURLToPath(import.meta.url));
    return self === fs.realpathSync(argv1);
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli();
}
