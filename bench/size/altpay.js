import { createOAuthToken } from "altpay-oauth";
export const getToken = (clientId, clientSecret) => createOAuthToken({ clientId, clientSecret });
