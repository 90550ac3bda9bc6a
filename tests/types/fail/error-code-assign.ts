// Must NOT compile: code is the ErrorCode union, not any string.
import { AltPayOAuthError } from "altpay-oauth";
declare const e: AltPayOAuthError;
e.code = "oops"; // error: TS2322
