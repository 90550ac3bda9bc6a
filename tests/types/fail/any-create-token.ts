// Must NOT compile: createOAuthToken resolves to an AccessToken, not `any`.
import { createOAuthToken } from "altpay-oauth";
export const n: number = await createOAuthToken({ clientId: "id", clientSecret: "secret" }); // error: TS2322
