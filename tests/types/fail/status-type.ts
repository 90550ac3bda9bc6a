// Must NOT compile: status is a number (or undefined).
import { AltPayOAuthError } from "altpay-oauth";
declare const e: AltPayOAuthError;
export const s: string = e.status; // error: TS2322
