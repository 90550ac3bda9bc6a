// Cloudflare Worker probe: bundled like wrangler does (conditions workerd/worker/browser, the .wasm an
// external CompiledWasm module) and run in workerd by miniflare. GET /?base=<token server base URL>.
import * as api from "altpay-oauth";
import { runChecks } from "./checks.mjs";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const result = await runChecks(api, { baseUrl: url.searchParams.get("base"), runtime: url.searchParams.get("label") });
    return Response.json(result);
  },
};
