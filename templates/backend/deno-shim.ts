// hoist backend shim for deno: `deno run -A shim.ts ENTRY`. Deno.serve is
// patched before ENTRY is imported so that whatever options a program
// passes, it binds 127.0.0.1:$PORT; when ENTRY exports a handler (a function
// Request => Response, or an object with `fetch`) and serves nothing itself,
// the shim serves it. GET /__hoist/ready answers once ENTRY is loaded.
// When the server listens, the shim says "ready" on the pipe
// $HOIST_READY_FD (the backend still checks the answer over HTTP).
// deno-lint-ignore-file no-explicit-any
const port = Number(Deno.env.get("PORT"));
const name = Deno.env.get("HOIST_HANDLER") || "handler";
const readyFd = Number(Deno.env.get("HOIST_READY_FD"));
Deno.env.delete("HOIST_READY_FD");
let told = false;

function tell() {
  if (told || !(readyFd > 2)) return;
  told = true;
  try {
    const pipe = Deno.openSync(`/dev/fd/${readyFd}`, { write: true });
    pipe.writeSync(new TextEncoder().encode("ready\n"));
    pipe.close();
  } catch {
    // A worker that cannot tell is polled.
  }
}
const original = Deno.serve.bind(Deno);
let served = false;

function wrap(h: any) {
  return (req: Request, info: any) => {
    if (new URL(req.url).pathname === "/__hoist/ready") {
      return new Response("ready", { headers: { "x-hoist-shim": "deno", "x-hoist-worker": Deno.env.get("HOIST_WORKER") ?? "" } });
    }
    return h(req, info);
  };
}

(Deno as any).serve = (...args: any[]) => {
  let opts: any = {};
  let h: any;
  if (typeof args[0] === "function") {
    h = args[0];
  } else {
    opts = args[0] ?? {};
    h = typeof args[1] === "function" ? args[1] : opts.handler ?? opts.fetch;
  }
  served = true;
  const { port: _p, hostname: _h, onListen: _o, handler: _x, ...rest } = opts;
  return original({ ...rest, port, hostname: "127.0.0.1", onListen: tell }, wrap(h));
};

function pick(c: any) {
  if (typeof c === "function") return c;
  if (c && typeof c.fetch === "function") return (req: Request) => c.fetch(req);
  return null;
}

const entry = new URL(Deno.args[0], `file://${Deno.cwd()}/`).href;
const mod = await import(entry);
const handler = pick(mod[name]) || pick(mod.default) || pick(mod.default?.[name]);
if (!served && handler) {
  (Deno as any).serve(async (req: Request) => {
    const r = await handler(req);
    if (r instanceof Response) return r;
    return typeof r === "string" ? new Response(r) : Response.json(r ?? null);
  });
}
