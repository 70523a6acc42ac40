// A BunBase-style function: the runtime imports the default export and
// calls it for every request.
export default async function handler(req: Request): Promise<Response> {
  const body = req.method === "GET" ? null : await req.text();
  return Response.json({ method: req.method, path: new URL(req.url).pathname, body });
}
