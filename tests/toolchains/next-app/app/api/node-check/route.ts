// The same request from a Node.js route handler (the package's `node` entry).
import { createOAuthToken } from "altpay-oauth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const token = await createOAuthToken({
    clientId: process.env.ALTPAY_CLIENT_ID ?? "",
    clientSecret: process.env.ALTPAY_CLIENT_SECRET ?? "",
    baseUrl: process.env.ALTPAY_BASE_URL,
  });
  return Response.json({ expires_at: token.expires_at });
}
