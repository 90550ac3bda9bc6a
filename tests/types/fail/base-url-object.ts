// Must NOT compile: baseUrl is a string.
import { createOAuthToken } from "altpay-oauth";
await createOAuthToken({ clientId: "id", clientSecret: "secret", baseUrl: new URL("https://example.com") }); // error: TS2322
