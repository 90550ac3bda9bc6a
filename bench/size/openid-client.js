import * as client from "openid-client";
export function getToken(clientId, clientSecret) {
  const config = new client.Configuration(
    { issuer: "https://public-api.alternativepayments.io", token_endpoint: "https://public-api.alternativepayments.io/oauth/token" },
    clientId, clientSecret, client.ClientSecretBasic(clientSecret));
  return client.clientCredentialsGrant(config);
}
