// The hand-written baseline: the same request and checks as the package, no retries/timeouts.
export async function getToken(clientId, clientSecret) {
  const sentAt = Date.now();
  const res = await fetch("https://public-api.alternativepayments.io/oauth/token", {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: "grant_type=client_credentials",
    redirect: "manual",
  });
  if (res.status < 200 || res.status > 299) throw new Error(`token endpoint: HTTP ${res.status}`);
  const j = await res.json();
  if (j === null || typeof j !== "object" || Array.isArray(j)) throw new Error("invalid_response");
  const { access_token, token_type, scope } = j;
  if (typeof access_token !== "string" || !access_token) throw new Error("invalid_response");
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") throw new Error("invalid_response");
  let expires_in = j.expires_in;
  if (typeof expires_in === "string" && expires_in.trim() !== "") expires_in = Number(expires_in);
  if (typeof expires_in !== "number" || !Number.isFinite(expires_in) || expires_in < 0) throw new Error("invalid_response");
  if (scope !== undefined && typeof scope !== "string") throw new Error("invalid_response");
  return { access_token, token_type, expires_in, expires_at: sentAt + expires_in * 1000, ...(scope === undefined ? {} : { scope }) };
}
