// Where the full gateway's CPU goes per manifest GET: a V8 CPU profile of the gateway in plain
// workerd (`workerd serve --inspector-addr`, the DevTools protocol's Profiler domain) while wrk
// sends manifest GETs by tag, as bench/load/run.mjs's setup (d) does, against a static origin
// (nginx serving the registry's manifest as a file).
//
//   node --experimental-websocket bench/load/profile.mjs [--seconds 10] [--out FILE.cpuprofile] [--top 40] [--passthrough]
//
// `--passthrough` profiles run.mjs's bare pass-through worker (c) instead, for comparison: the
// busy time per request (printed) is the JS thread's share of each one's CPU.
// Prints the functions by self time (share of the sampled busy time, idle excluded) and by
// total time; `--out` keeps the profile for Chrome DevTools. Sampling slows the gateway down,
// so the shares are what counts, not the rates.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, spawnManaged, waitForHttp } from "../../scripts/lib/proc.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { bindingsFor } from "../../worker/gateway.mjs";
import { workerdConfig } from "../../worker/workerd-config.mjs";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const WORKERD = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const ACCEPT = "application/vnd.oci.image.manifest.v1+json";
const REPO = "demo/single";
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seconds = Number(arg("seconds", 10));
const out = arg("out", null);
const top = Number(arg("top", 40));
const path = arg("path", `/v2/${REPO}/manifests/latest`);
const passthrough = process.argv.includes("--passthrough");

if (typeof WebSocket !== "function") throw new Error("run with node --experimental-websocket (Node 20) or Node 22+");

const dir = mkdtempSync(join(tmpdir(), "pullgate-profile-"));
const stops = [];
try {
  const registry = await startRegistry();
  stops.push(() => registry.stop());
  await seed(registry.url);

  // The static origin: nginx serving the manifest by tag and digest as files.
  const manifest = await fetch(`${registry.url}/v2/${REPO}/manifests/latest`, { headers: { accept: ACCEPT } });
  const digest = manifest.headers.get("docker-content-digest");
  const files = join(dir, "static");
  mkdirSync(join(files, "v2", REPO, "manifests"), { recursive: true });
  const body = Buffer.from(await manifest.arrayBuffer());
  writeFileSync(join(files, "v2", REPO, "manifests", "latest"), body);
  writeFileSync(join(files, "v2", REPO, "manifests", digest), body);
  for (let d = files; d.startsWith(dir); d = dirname(d)) chmodSync(d, 0o755);
  const originPort = await freePort();
  mkdirSync(join(dir, "nginx", "logs"), { recursive: true });
  writeFileSync(
    join(dir, "nginx", "nginx.conf"),
    `worker_processes 1; pid ${dir}/nginx/nginx.pid; error_log ${dir}/nginx/logs/error.log warn;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000; client_body_temp_path ${dir}/nginx/tmp;
  server { listen 127.0.0.1:${originPort}; root ${files};
    location = /v2/ { default_type application/json; return 200 "{}"; }
    location /v2/${REPO}/manifests/ { types { } default_type ${ACCEPT}; add_header Docker-Content-Digest ${digest} always; add_header Docker-Distribution-Api-Version registry/2.0 always; }
  } }
`,
  );
  const nginx = spawnManaged("/usr/sbin/nginx", ["-p", join(dir, "nginx"), "-c", join(dir, "nginx", "nginx.conf"), "-g", "daemon off;"]);
  stops.push(() => nginx.stop());
  const upstream = `http://127.0.0.1:${originPort}`;
  await waitForHttp(`${upstream}/v2/`, { exited: nginx.exited });

  const port = await freePort();
  const inspectorPort = await freePort();
  const storage = join(dir, "data");
  mkdirSync(storage);
  if (passthrough) {
    // As bench/load/run.mjs's (c).
    writeFileSync(
      join(dir, "passthrough.js"),
      `export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers: request.headers });
  },
};
`,
    );
    writeFileSync(
      join(dir, "gateway.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (modules = [(name = "passthrough.js", esModule = embed "passthrough.js")], compatibilityDate = "2026-04-01", bindings = [(name = "UPSTREAM", text = "${upstream}")], globalOutbound = "internet")),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
    );
  } else {
    const bindings = await bindingsFor({ upstream, pullLimit: "4000000000;w=60", requestLimit: "4000000000;w=60", clientIpHeader: "X-Real-IP" });
    writeFileSync(join(dir, "gateway.capnp"), workerdConfig({ bindings, storage, configDir: dir, address: `127.0.0.1:${port}` }));
  }
  const gateway = spawnManaged(WORKERD, ["serve", join(dir, "gateway.capnp"), `--inspector-addr=127.0.0.1:${inspectorPort}`]);
  stops.push(() => gateway.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v2/`, { exited: gateway.exited, statuses: [200, 400] });
  const wrk = (s) => run("wrk", ["-t2", "-c16", `-d${s}s`, "-H", `accept: ${ACCEPT}`, "-H", "X-Real-IP: 192.0.2.1", url + path], { timeout: (s + 30) * 1000 });
  await wrk(3); // warm up: JIT, caches, leases

  // The gateway's isolate: workerd lists one inspector target per service.
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
  const name = passthrough ? "main" : "pullgate";
  const target = targets.find((t) => t.id === name || t.title === name || t.url?.includes(name)) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  let nextId = 1;
  const waiting = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id && waiting.has(message.id)) {
      waiting.get(message.id)(message);
      waiting.delete(message.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const { stdout } = await wrk(seconds);
  const { profile } = await send("Profiler.stop");
  ws.close();
  if (out) writeFileSync(out, JSON.stringify(profile));

  // Self and total sample counts per function (name + file:line).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split("/").slice(-2).join("/") : "";
    return `${f.functionName || "(anonymous)"} ${file}${file ? `:${f.lineNumber + 1}` : ""}`;
  };
  const self = new Map();
  const total = new Map();
  let busy = 0;
  for (const [id, count] of counts) {
    const node = byId.get(id);
    if (node.callFrame.functionName === "(idle)") continue;
    busy += count;
    self.set(label(node), (self.get(label(node)) ?? 0) + count);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at));
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + count);
    }
  }
  const show = (title, map) => {
    console.log(`\n${title} (% of ${busy} busy samples)`);
    for (const [l, c] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * c) / busy).toFixed(1).padStart(6)}%  ${l}`);
  };
  console.log(stdout.split("\n").filter((l) => /Requests\/sec|requests in/.test(l)).join("\n"));
  const requests = Number(stdout.match(/(\d+) requests in/)[1]);
  const intervalUs = (profile.endTime - profile.startTime) / profile.samples.length;
  console.log(`JS thread busy: ${((busy * intervalUs) / requests).toFixed(1)} us per request (${busy} samples of ${intervalUs.toFixed(0)} us)`);
  show("Self time", self);
  show("Total time", total);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
