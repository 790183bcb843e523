// The gateway's own wasm logic per manifest request, timed in Node (V8, as workerd): what the
// worker and the PullLimiter call into the core for one pull. Goal (issue 5): under 30 us.
//
//   node bench/load/logic.mjs
import { readFileSync } from "node:fs";
// The worker's view: the package's API plus the gateway exports of the glue.
const core = { ...(await import("../../worker/pkg/pullgate.js")), ...(await import("../../worker/pkg/node.js")) };

const index = readFileSync(new URL("./fixtures/index.json", import.meta.url));
const image = readFileSync(new URL("./fixtures/image.json", import.meta.url));
const N = 20000;

function time(name, fn) {
  for (let i = 0; i < 2000; i++) fn(i); // warm up
  // CPU time, not wall time: the machine is shared, and CPU per request is the figure.
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) fn(i);
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / N;
  console.log(`${name.padEnd(44)} ${us.toFixed(2).padStart(7)} us`);
  return us;
}

const t0 = 1_800_000_000_000;
// Each called once per isolate and remembered (context.js, registry.js), shown for scale.
time("gatewayClientKey (IPv4)", () => core.gatewayClientKey("192.0.2.1"));
time("gatewayRepositoryPath (name check)", () => core.gatewayRepositoryPath("library/alpine"));
// Per request.
const verify = time("digest (verify an image manifest by digest)", () => core.digest(image, "sha256"));
const children = time("gatewayIndexChildren (multi-arch index)", () => core.gatewayIndexChildren(index));

// With leases (limiter/lease.rs): the isolate answers from its lease; the client key and the
// name check are remembered per isolate. A busy key at 1000 GETs/s: renewals (settle + grant,
// the PullLimiter's side) included, amortized.
const lease = new core.GatewayLease(3000000, 60, 1000000, 21600, "192.0.2.1");
let leaseRequests = "";
let leasePulls = "";
const leased = time("GatewayLease.admit + decision (renewals incl.)", (i) => {
  const now = t0 + i;
  if (lease.admit(now, 2, "library/alpine", "latest") === undefined) {
    const r = lease.beginRenewal(true, 1);
    const a = core.limiterLease(leaseRequests, leasePulls, 3000000, 60, 1000000, 21600, now, r.report, r.wantRequests, r.wantPulls);
    leaseRequests = a.requestState;
    leasePulls = a.pullState;
    lease.install(now, now, a.grant);
    lease.admit(now, 2, "library/alpine", "latest");
  }
  lease.decision();
});
console.log(`per manifest GET: ${(leased + verify).toFixed(1)} us (the lease's admission and the manifest's digest); an index adds ${children.toFixed(1)} us`);
