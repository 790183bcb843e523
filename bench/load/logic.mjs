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

let request = "";
let pull = "";
const t0 = 1_800_000_000_000;
const parts = [
  time("gatewayClientKey (IPv4)", () => core.gatewayClientKey("192.0.2.1")),
  time("parseReference (name check)", () => core.parseReference("library/alpine")),
  time("limiterAdmit (manifest GET, 100;w=21600)", (i) => {
    // A busy key: up to 100 pulls in the window, so the state is at its largest.
    const a = core.limiterAdmit(request, pull, 3000, 60, 100, 21600, t0 + i * 200, 2, "library/alpine", "latest", "192.0.2.1");
    request = a.requestState;
    if (a.pullState) pull = a.pullState;
  }),
  time("digest (verify an image manifest by digest)", () => core.digest(image, "sha256")),
];
const children = time("gatewayIndexChildren (multi-arch index)", () => core.gatewayIndexChildren(index));
console.log(`per manifest GET (image by tag): ${parts.reduce((a, b) => a + b, 0).toFixed(1)} us; an index adds ${children.toFixed(1)} us`);

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
console.log(`per manifest GET with leases: ${(leased + parts[3]).toFixed(1)} us (admission and the manifest's digest)`);
