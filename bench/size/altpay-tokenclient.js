import { TokenClient } from "altpay-oauth";
export const client = (clientId, clientSecret) => new TokenClient({ clientId, clientSecret });
