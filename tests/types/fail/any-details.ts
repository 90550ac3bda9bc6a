// Must NOT compile: details values are strings, not `any`.
import { AltPayOAuthError } from "altpay-oauth";
declare const e: AltPayOAuthError;
export const n: number = e.details!["message"]!; // error: TS2322
