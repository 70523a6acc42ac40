// hoist backend shim for node: `node shim.mjs ENTRY`. When ENTRY exports a
// handler (a function Request => Response, or an object with `fetch`), serve
// it on 127.0.0.1:$PORT with node:http; otherwise ENTRY is a program that
// listens on $PORT itself. GET /__hoist/ready answers once ENTRY is loaded.
// The shim tells the backend on the pipe $HOIST_READY_FD when its server
// listens ("ready"), or closes it unsaid for a program (the backend then
// polls); the backend still checks the answer over HTTP either way.
import { closeSync, writeSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const port = Number(process.env.PORT);
const name = process.env.HOIST_HANDLER || "handler";
const readyFd = Number(process.env.HOIST_READY_FD);
delete process.env.HOIST_READY_FD;
// Node started with only the CAs it lacks of the machine's file (same trust,
// less start-up): the function sees the machine's setting.
if (process.env.HOIST_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.HOIST_NODE_EXTRA_CA_CERTS;
  delete process.env.HOIST_NODE_EXTRA_CA_CERTS;
}

function tell(ready) {
  if (!(readyFd > 2)) return;
  try {
    if (ready) writeSync(readyFd, "ready\n");
    closeSync(readyFd);
  } catch {
    // A worker that cannot tell is polled.
  }
}
const mod = await import(pathToFileURL(path.resolve(process.argv[2])).href);

function pick(c) {
  if (typeof c === "function") return c;
  if (c && typeof c.fetch === "function") return (req) => c.fetch(req);
  return null;
}
const handler = pick(mod[name]) || pick(mod.default) || pick(mod.default && mod.default[name]);

async function toResponse(r) {
  if (r instanceof Response) return r;
  if (typeof r === "string") return new Response(r);
  return Response.json(r === undefined ? null : r);
}

if (handler) {
  const server = http.createServer(async (req, res) => {
    if (req.url === "/__hoist/ready") {
      res.writeHead(200, {
        "content-type": "text/plain",
        "x-hoist-shim": "handler",
        "x-hoist-worker": process.env.HOIST_WORKER || "",
      });
      res.end("ready");
      return;
    }
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = Buffer.concat(chunks);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
        else if (v !== undefined) headers.set(k, v);
      }
      const init = { method: req.method, headers };
      if (req.method !== "GET" && req.method !== "HEAD" && body.length) init.body = body;
      const request = new Request(`http://${req.headers.host || "127.0.0.1"}${req.url}`, init);
      const response = await toResponse(await handler(request));
      const out = Buffer.from(await response.arrayBuffer());
      response.headers.forEach((v, k) => {
        if (k !== "set-cookie" && k !== "content-length" && k !== "transfer-encoding") res.setHeader(k, v);
      });
      const cookies = response.headers.getSetCookie ? response.headers.getSetCookie() : [];
      if (cookies.length) res.setHeader("set-cookie", cookies);
      res.writeHead(response.status);
      res.end(out);
    } catch (e) {
      console.error((e && e.stack) || String(e));
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("handler error");
    }
  });
  server.listen(port, "127.0.0.1", () => tell(true));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else {
  tell(false);
}
