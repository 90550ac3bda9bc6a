// Must NOT compile: the token's fields are snake_case, as the endpoint sends them.
import { createOAuthToken } from "altpay-oauth";
const token = await createOAuthToken({ clientId: "id", clientSecret: "secret" });
export const at: number = token.expiresAt; // error: TS2551
