// Must NOT compile: "unauthorized" is not an ErrorCode, so the comparison can never be true.
import { AltPayOAuthError, createOAuthToken } from "altpay-oauth";
try {
  await createOAuthToken({ clientId: "id", clientSecret: "secret" });
} catch (e) {
  if (e instanceof AltPayOAuthError && e.code === "unauthorized") { // error: TS2367
    console.log("never");
  }
}
