// Must NOT compile: getToken resolves to an AccessToken, not `any`.
import { TokenClient } from "altpay-oauth";
const client = new TokenClient({ clientId: "id", clientSecret: "secret" });
export const n: number = await client.getToken(); // error: TS2322
