import * as oauth from "oauth4webapi";
const as = { issuer: "https://public-api.alternativepayments.io", token_endpoint: "https://public-api.alternativepayments.io/oauth/token" };
export async function getToken(clientId, clientSecret) {
  const client = { client_id: clientId };
  const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(clientSecret), new URLSearchParams());
  return oauth.processClientCredentialsResponse(as, client, res);
}
