// Control: an Edge route handler without the package. A bundler that cannot build this cannot build
// any Edge route here, whatever the package does.
export const runtime = "edge";
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ bare: true });
}
