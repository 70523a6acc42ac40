// hoist's server for Bun functions. It imports the function's module
// ($HOIST_ENTRYPOINT), takes its default export as the handler
// (`export default async function handler(req: Request): Promise<Response>`)
// and serves it with Bun.serve on $PORT. GET $HOIST_HEALTH_PATH (default
// /healthz; set it empty to pass that path to the handler) answers 200 once
// the module has loaded, which is what the image's HEALTHCHECK asks.
// Copied into each build context by `hoist build`; do not edit the copy.

type Handler = (req: Request) => Response | Promise<Response>;

const entry = process.env.HOIST_ENTRYPOINT ?? "/app/index.ts";
const port = Number(process.env.PORT ?? "8000");
const healthPath = process.env.HOIST_HEALTH_PATH ?? "/healthz";

const mod = await import(entry);
const handler: unknown = mod.default;
if (typeof handler !== "function") {
  console.error(
    `hoist: ${entry} has no default export function; ` +
      "write `export default async function handler(req: Request): Promise<Response>`",
  );
  process.exit(1);
}

const server = Bun.serve({
  port,
  hostname: "0.0.0.0",
  async fetch(req: Request): Promise<Response> {
    if (healthPath !== "" && req.method === "GET" && new URL(req.url).pathname === healthPath) {
      return new Response("ok\n", { headers: { "content-type": "text/plain" } });
    }
    try {
      const res = await (handler as Handler)(req);
      if (!(res instanceof Response)) {
        console.error(`hoist: the handler returned ${typeof res}, not a Response`);
        return new Response("internal error\n", { status: 500 });
      }
      return res;
    } catch (err) {
      console.error("hoist: the handler threw:", err);
      return new Response("internal error\n", { status: 500 });
    }
  },
});

console.log(`hoist: serving ${entry} on ${server.hostname}:${server.port}`);

// Finish in-flight requests on SIGTERM (the signal a deploy sends), then exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
