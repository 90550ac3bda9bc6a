// Must NOT compile: "staging" is not an Environment.
import { createOAuthToken } from "altpay-oauth";
await createOAuthToken({ clientId: "id", clientSecret: "secret", environment: "staging" }); // error: TS2322
