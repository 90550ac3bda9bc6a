// Must NOT compile: a TokenStore's get must resolve to an AccessToken (or null/undefined), not a string.
import { TokenClient } from "altpay-oauth";
new TokenClient({
  clientId: "id",
  clientSecret: "secret",
  store: { get: async (_key: string) => "token", set: async () => {} }, // error: TS2322
});
