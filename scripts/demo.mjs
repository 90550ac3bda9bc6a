// `make demo`: the whole story in one terminal run, through the built package in pkg/.
// Without credentials: starts the local mock token server, gets a token, calls /customers with
// TokenClient.fetch, and shows one typed error. With ALTPAY_CLIENT_ID and ALTPAY_CLIENT_SECRET set
// (and optionally ALTPAY_ENVIRONMENT=demo|production) it asks the real Alternative Payments API.
import { createOAuthToken, TokenClient, AltPayOAuthError } from "../pkg/node.mjs";
import { startMockServer } from "../js/mock-server.mjs";

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const show = (label, value) => console.log(`${bold(label)}\n${JSON.stringify(value, null, 2)}\n`);
const mask = (t) => ({ ...t, access_token: t.access_token.slice(0, 8) + "…" });

const id = process.env.ALTPAY_CLIENT_ID;
const secret = process.env.ALTPAY_CLIENT_SECRET;
if (id && secret) {
  const environment = process.env.ALTPAY_ENVIRONMENT ?? "production";
  console.log(`Asking the real API (${environment}) for a token as ${id} ...\n`);
  try {
    show("createOAuthToken() ->", mask(await createOAuthToken({ clientId: id, clientSecret: secret, environment })));
  } catch (e) {
    if (!(e instanceof AltPayOAuthError)) throw e;
    show("AltPayOAuthError ->", { code: e.code, status: e.status, message: e.message, details: e.details });
    process.exitCode = 1;
  }
} else {
  const mock = await startMockServer();
  console.log(`Mock token server on ${mock.url} (client test-client / test-secret)\n`);
  try {
    const options = { clientId: "test-client", clientSecret: "test-secret", baseUrl: mock.url };
    show("1. createOAuthToken(options) ->", await createOAuthToken(options));

    const client = new TokenClient(options);
    const res = await client.fetch("/customers");
    show(`2. new TokenClient(options).fetch("/customers") -> ${res.status}`, await res.json());
    const again = await client.getToken();
    console.log(`${bold("3. getToken() again")} -> cached, no new request (token requests so far: ${mock.lane("default").count().token})\n`);
    void again;

    try {
      await createOAuthToken({ ...options, clientSecret: "wrong-secret" });
    } catch (e) {
      if (!(e instanceof AltPayOAuthError)) throw e;
      show("4. a wrong secret -> AltPayOAuthError", {
        name: e.name,
        code: e.code,
        status: e.status,
        message: e.message,
        details: e.details,
      });
    }
    console.log("Set ALTPAY_CLIENT_ID and ALTPAY_CLIENT_SECRET to ask the real API instead.");
  } finally {
    await mock.close();
  }
}
