import { format } from "@lib/duration.ts";

const greeting = Deno.env.get("GREETING") ?? "hello";
const started = Date.now();

Deno.serve((req: Request) => {
  const url = new URL(req.url);
  const name = url.searchParams.get("name") ?? "world";
  return Response.json({
    message: `${greeting}, ${name}`,
    version: Deno.env.get("HOIST_VERSION") ?? "dev",
    uptime: format(Date.now() - started),
  });
});
