// Must NOT compile: a switch case on a code that does not exist.
import type { ErrorCode } from "altpay-oauth";
export function f(code: ErrorCode): number {
  switch (code) {
    case "invalid_credentials":
      return 1;
    case "forbidden": // error: TS2678
      return 2;
    default:
      return 0;
  }
}
