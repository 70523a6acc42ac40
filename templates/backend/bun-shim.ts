// hoist backend shim for bun: `bun run shim.ts ENTRY`. Bun.serve is patched
// before ENTRY is imported so that a program binds 127.0.0.1:$PORT whatever
// it asks for; when ENTRY exports a handler (a function Request => Response,
// or an object with `fetch`) and serves nothing itself, the shim serves it.
// GET /__hoist/ready answers once ENTRY is loaded. When the server listens,
// the shim says "ready" on the pipe $HOIST_READY_FD (the backend still
// checks the answer over HTTP).
const port = Number(process.env.PORT);
const name = process.env.HOIST_HANDLER || "handler";
const readyFd = Number(process.env.HOIST_READY_FD);
delete process.env.HOIST_READY_FD;
let told = false;

function tell() {
  if (told || !(readyFd > 2)) return;
  told = true;
  try {
    const fs = require("node:fs");
    fs.writeSync(readyFd, "ready\n");
    fs.closeSync(readyFd);
  } catch {
    // A worker that cannot tell is polled.
  }
}
const original = Bun.serve.bind(Bun);
let served = false;

function wrap(h: any) {
  return (req: Request, server: any) => {
    if (new URL(req.url).pathname === "/__hoist/ready") {
      return new Response("ready", { headers: { "x-hoist-shim": "bun", "x-hoist-worker": Bun.env.HOIST_WORKER ?? "" } });
    }
    return h(req, server);
  };
}

const patched = (opts: any) => {
  served = true;
  const server = original({ ...opts, port, hostname: "127.0.0.1", fetch: wrap(opts.fetch) });
  tell();
  return server;
};
try {
  (Bun as any).serve = patched;
} catch {
  Object.defineProperty(Bun, "serve", { value: patched });
}

function pick(c: any) {
  if (typeof c === "function") return c;
  if (c && typeof c.fetch === "function") return (req: Request) => c.fetch(req);
  return null;
}

const entry = Bun.pathToFileURL(require("node:path").resolve(process.argv[2])).href;
const mod = await import(entry);
const handler = pick(mod[name]) || pick(mod.default) || pick(mod.default?.[name]);
if (!served && handler) {
  patched({
    async fetch(req: Request) {
      const r = await handler(req);
      if (r instanceof Response) return r;
      return typeof r === "string" ? new Response(r) : Response.json(r ?? null);
    },
  });
}
