// One cold start: import a client, get one token from the URL in argv, print timings as JSON.
// Usage: node bench/cold/child.mjs <altpay|oauth4webapi|hand|none> <baseUrl>
const [which, baseUrl] = process.argv.slice(2);
const t0 = performance.now(); // since process start (performance.timeOrigin)
const id = "benchclient";
const secret = "benchsecret";
let get;
if (which === "altpay") {
  const { createOAuthToken } = await import("altpay-oauth");
  get = () => createOAuthToken({ clientId: id, clientSecret: secret, baseUrl });
} else if (which === "altpay-cjs") {
  const { createRequire } = await import("node:module");
  const { createOAuthToken } = createRequire(import.meta.url)("altpay-oauth");
  get = () => createOAuthToken({ clientId: id, clientSecret: secret, baseUrl });
} else if (which === "oauth4webapi") {
  const oauth = await import("oauth4webapi");
  get = async () => {
    const as = { issuer: baseUrl, token_endpoint: `${baseUrl}/oauth/token` };
    const client = { client_id: id };
    const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret), new URLSearchParams(), {
      [oauth.allowInsecureRequests]: true,
    });
    return oauth.processClientCredentialsResponse(as, client, res);
  };
} else if (which === "hand") {
  get = async () => {
    const res = await fetch(`${baseUrl}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${id}:${secret}`)}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: "grant_type=client_credentials",
      redirect: "manual",
    });
    if (!res.ok) throw new Error(String(res.status));
    return res.json();
  };
} else if (which !== "none") throw new Error(`unknown ${which}`);
const t1 = performance.now();
const token = get ? await get() : { access_token: "-" };
const t2 = performance.now();
if (typeof token.access_token !== "string") throw new Error("no token");
process.stdout.write(JSON.stringify({ start: t0, imported: t1, token: t2 }) + "\n");
