// {{ name }}: a Bun function. Its default export is the handler; hoist's
// server imports it and serves it with Bun.serve on $PORT (GET /healthz is
// answered by that server). Bundle any dependencies: the image installs none.

export default async function handler(req: Request): Promise<Response> {
  const url = new URL(req.url);
  return Response.json({
    message: "Hello from {{ name }}!",
    path: url.pathname,
    version: process.env.VERSION ?? "dev",
  });
}
