#!/usr/bin/env node
// Runs the gateway locally in workerd (Miniflare), in the foreground; Ctrl-C stops it.
//
//   node worker/dev.mjs --upstream http://127.0.0.1:5000 [--port 8787] [--host 127.0.0.1]
import { parseArgs } from "../scripts/lib/proc.mjs";
import { startGateway } from "./gateway.mjs";

const usage = "usage: node worker/dev.mjs --upstream URL [--port 8787] [--host 127.0.0.1]";
let args;
try {
  args = parseArgs(process.argv.slice(2), { upstream: "value", port: "value", host: "value" });
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (args.help || !args.upstream) {
  console.log(usage);
  process.exit(args.help ? 0 : 2);
}

const gateway = await startGateway({
  upstream: args.upstream,
  host: args.host ?? "127.0.0.1",
  port: Number(args.port ?? 8787),
});
console.log(`gateway: ${gateway.url} -> ${args.upstream} (explorer at ${gateway.url}/); Ctrl-C stops it`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await gateway.stop();
    process.exit(0);
  });
}
