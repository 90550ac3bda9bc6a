// Must NOT compile: an AccessToken is frozen at run time (cached tokens are shared), so it is read-only.
import { createOAuthToken } from "altpay-oauth";
const token = await createOAuthToken({ clientId: "id", clientSecret: "secret" });
token.access_token = "x"; // error: TS2540
