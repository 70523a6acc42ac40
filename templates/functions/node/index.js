// {{ name }}: a Node function. It serves HTTP on $PORT and answers
// GET /healthz, which the image's HEALTHCHECK and post-deploy checks call.
// If you compile from TypeScript, build into dist/ before `hoist build`.
import http from "node:http";

const port = Number(process.env.PORT ?? "8000");

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
    return;
  }
  const body = {
    message: "Hello from {{ name }}!",
    path: url.pathname,
    version: process.env.VERSION ?? "dev",
  };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body) + "\n");
});

server.listen(port, "0.0.0.0", () => {
  console.log(`{{ name }} listening on :${port}`);
});

// Finish in-flight requests on SIGTERM (the signal a deploy sends), then exit.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
