// Must NOT compile: clientSecret is required.
import { createOAuthToken } from "altpay-oauth";
await createOAuthToken({ clientId: "id" }); // error: TS2345
