// A loopback token endpoint for the fleet tests that behaves like the real one where it matters to a
// fleet: at most `rate` token requests per second per key (then 429 with Retry-After: 1), an optional
// delay per request, an optional outage (503) and a configurable token lifetime. Every request is
// recorded (time, status), so a test counts what the fleet really sent.
import http from "node:http";
import { randomBytes } from "node:crypto";

export async function startEndpoint(options = {}) {
  const state = { rate: 5, expiresIn: 3600, delayMs: 0, outageUntil: 0, ...options };
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      if (req.method !== "POST" || !req.url.endsWith("/oauth/token")) {
        res.writeHead(404).end();
        return;
      }
      const at = Date.now();
      const entry = { at, status: 0 };
      requests.push(entry);
      const send = (status, json, headers = {}) => {
        entry.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(json));
      };
      if (at < state.outageUntil) return send(503, { error: "temporarily_unavailable" });
      const accepted = requests.filter((r) => r.accepted && r.at > at - 1000).length;
      if (accepted >= state.rate) return send(429, { error: "rate_limited" }, { "retry-after": "1" });
      entry.accepted = true;
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      const token = randomBytes(28).toString("hex");
      entry.token = token;
      send(200, { access_token: token, token_type: "bearer", expires_in: state.expiresIn });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    state,
    requests,
    /** Token requests received (all statuses). */
    count: () => requests.length,
    close: () => new Promise((r) => server.close(r)),
  };
}
