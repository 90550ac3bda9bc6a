import { OAuth2Client } from "@badgateway/oauth2-client";
export function getToken(clientId, clientSecret) {
  const c = new OAuth2Client({ server: "https://public-api.alternativepayments.io/", tokenEndpoint: "oauth/token", clientId, clientSecret, authenticationMethod: "client_secret_basic" });
  return c.clientCredentials();
}
