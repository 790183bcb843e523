// `make demo`: a real registry on 127.0.0.1:5000 (temp storage), seeded, and the gateway on
// 127.0.0.1:8787 in front of it. With UPSTREAM set, only the gateway, in front of UPSTREAM.
// Runs in the foreground; Ctrl-C stops everything it started.
//
// REGISTRY_PORT and GATEWAY_PORT override the ports (0 picks free ones).
import { startGateway } from "../worker/gateway.mjs";
import { startRegistry } from "./registry.mjs";
import { seed } from "./seed.mjs";

const host = "127.0.0.1";
const registryPort = Number(process.env.REGISTRY_PORT ?? 5000);
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8787);

let upstream = process.env.UPSTREAM;
if (!upstream) {
  const registry = await startRegistry({ host, port: registryPort });
  console.log(`demo: registry ${registry.url} (storage in ${registry.dir})`);
  const summary = await seed(registry.url);
  console.log(`demo: seeded ${summary.repositories.join(", ")} (${summary.tags} tags)`);
  upstream = registry.url;
}

const gateway = await startGateway({ upstream, host, port: gatewayPort });
console.log(`demo: gateway ${gateway.url} -> ${upstream}`);
console.log("");
console.log(`  Explorer:  ${gateway.url}/`);
console.log(`  Registry:  ${gateway.url}/v2/   e.g. skopeo inspect --tls-verify=false docker://${new URL(gateway.url).host}/demo/multiarch:latest`);
console.log("");
console.log("Ctrl-C stops the gateway and the registry.");
process.on("exit", () => console.log("\ndemo: stopped"));
// Ctrl-C is how a demo ends, not a failure: exit 0 (the exit handlers stop every child).
process.prependOnceListener("SIGINT", () => process.exit(0));
