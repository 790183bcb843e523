#!/usr/bin/env node
// Runs the gateway locally in workerd (Miniflare), in the foreground; Ctrl-C stops it.
// Flags are the settings of wrangler.toml [vars]; a bad one fails here, naming it.
import { parseArgs } from "../scripts/lib/proc.mjs";
import { startGateway } from "./gateway.mjs";

const usage = `usage: node worker/dev.mjs --upstream URL [--port 8787] [--host 127.0.0.1]
    [--pull-limit "100;w=21600"] [--request-limit "3000;w=60"]
    [--client-ip-header CF-Connecting-IP] [--limit-doc-url URL] [--cors-origins LIST]
    [--api-subrequests 1000]
    [--upstream-username USER] (password from the UPSTREAM_PASSWORD environment variable)
       node worker/dev.mjs --upstream URL --emit-config FILE [--storage DIR] [--cache-mib 256]
           [--port] [--host] [flags]
    writes a config for plain workerd instead (self-hosting: workerd serve FILE); the edge
    cache (Cache API) keeps up to --cache-mib MiB of verified manifests and blobs in memory
    (0: none)

Locally the client address is the socket's (Miniflare sets CF-Connecting-IP from it when a
request has none); --client-ip-header X-Real-IP and the like key on a proxy's header instead.`;
const flags = {
  upstream: "value",
  port: "value",
  host: "value",
  "pull-limit": "value",
  "request-limit": "value",
  "client-ip-header": "value",
  "limit-doc-url": "value",
  "cors-origins": "value",
  "api-subrequests": "value",
  "upstream-username": "value",
  "emit-config": "value",
  storage: "value",
  "cache-mib": "value",
};
let args;
try {
  args = parseArgs(process.argv.slice(2), flags);
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (args.help || !args.upstream) {
  console.log(usage);
  process.exit(args.help ? 0 : 2);
}

const settings = {
  upstream: args.upstream,
  pullLimit: args["pull-limit"],
  requestLimit: args["request-limit"],
  clientIpHeader: args["client-ip-header"],
  limitDocUrl: args["limit-doc-url"],
  corsOrigins: args["cors-origins"],
  apiSubrequests: args["api-subrequests"],
  upstreamUsername: args["upstream-username"],
  upstreamPassword: args["upstream-username"] ? process.env.UPSTREAM_PASSWORD : undefined,
};

if (args["emit-config"]) {
  const { writeFileSync, mkdirSync } = await import("node:fs");
  const { dirname, resolve } = await import("node:path");
  const { bindingsFor } = await import("./gateway.mjs");
  const { workerdConfig } = await import("./workerd-config.mjs");
  try {
    const bindings = await bindingsFor(settings);
    const storage = resolve(args.storage ?? "pullgate-data");
    mkdirSync(storage, { recursive: true });
    const address = `${args.host ?? "127.0.0.1"}:${args.port ?? 8787}`;
    const cacheMib = Number(args["cache-mib"] ?? 256);
    if (!Number.isSafeInteger(cacheMib) || cacheMib < 0) throw new Error(`--cache-mib ${JSON.stringify(args["cache-mib"])} is not a whole number of MiB`);
    const cacheBytes = cacheMib * 1024 * 1024;
    writeFileSync(args["emit-config"], workerdConfig({ bindings, storage, address, cacheBytes, configDir: dirname(resolve(args["emit-config"])) }));
    console.log(`dev: wrote ${args["emit-config"]} (Durable Objects in ${storage}, edge cache ${cacheMib ? `${cacheMib} MiB in memory` : "off"}, listening on ${address}); run: workerd serve ${args["emit-config"]}`);
    process.exit(0);
  } catch (err) {
    console.error(`dev: ${err.message}`);
    process.exit(2);
  }
}

let gateway;
try {
  gateway = await startGateway({ ...settings, host: args.host ?? "127.0.0.1", port: Number(args.port ?? 8787) });
} catch (err) {
  console.error(`dev: ${err.message}`);
  process.exit(2);
}
console.log(`gateway: ${gateway.url} -> ${args.upstream} (explorer at ${gateway.url}/, limits at ${gateway.url}/limits); Ctrl-C stops it`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await gateway.stop();
    process.exit(0);
  });
}
