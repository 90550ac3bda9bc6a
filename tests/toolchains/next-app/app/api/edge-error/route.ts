// A typed error inside Next.js's edge sandbox (another realm than the host): instanceof, name, code.
import { createOAuthToken, AltPayOAuthError } from "altpay-oauth";

export const runtime = "edge";
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    await createOAuthToken({ clientId: "test-client", clientSecret: "wrong", baseUrl: process.env.ALTPAY_BASE_URL, retries: 0 });
    return Response.json({ threw: false });
  } catch (e) {
    return Response.json({
      threw: true,
      instanceOf: e instanceof AltPayOAuthError,
      name: e instanceof Error ? e.name : null,
      constructorName: e instanceof Error ? e.constructor.name : null,
      code: e instanceof AltPayOAuthError ? e.code : null,
      status: e instanceof AltPayOAuthError ? e.status : null,
    });
  }
}
