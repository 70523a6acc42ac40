// A small Node service: /healthz for the platform, / for users.
const http = require("node:http");

const port = Number(process.env.PORT || 8080);
const started = Date.now();

http
  .createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("ok\n");
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ version: process.env.HOIST_VERSION || process.env.VERSION || "dev", uptime_ms: Date.now() - started }));
  })
  .listen(port, () => console.log(`status listening on ${port}`));
