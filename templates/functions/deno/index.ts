// {{ name }}: a Deno function served by Supabase edge-runtime.
// `hoist build {{ name }}` bakes this directory into an immutable image;
// plain env values come from hoist.yaml, secrets from the target.

Deno.serve((req: Request): Response => {
  const url = new URL(req.url);
  if (url.pathname === "/healthz") {
    return new Response("ok\n", { headers: { "content-type": "text/plain" } });
  }
  return Response.json({
    message: "Hello from {{ name }}!",
    path: url.pathname,
    version: Deno.env.get("VERSION") ?? "dev",
  });
});
