// The gateway under load on loopback (issue 5, "Self-hosting and measuring"): wrk against
// (a) the upstream alone, (b) nginx limit_req in front of it, (c) a bare pass-through worker in
// plain workerd, (f) the design's floor (the gateway's I/O for a GET by tag, none of its logic),
// (d) the full gateway in plain workerd (limits, stats, verification, Durable Object hops).
// Two upstreams: a static origin (nginx serving a registry's manifest and blobs as files) and
// the real registry. Manifest GETs by tag; rounds interleaved; bounded: `--seconds` per round
// (default 10), `--rounds` (default 2).
//
// The "digest" scenario (issue 5's edge-cache goal): manifest GETs by digest, (a) from the
// upstream alone against (e) the full gateway serving them from its edge cache, warm (the
// emitted config's Cache API service and the per-isolate memory of verified manifests); every
// one still counted by the PullLimiter.
//
//   node bench/load/run.mjs [--seconds 10] [--rounds 2] [--connections 16] [--scenarios tag,digest]
//
// Prints a table and, with --markdown FILE, writes it as the "Gateway" figures for
// BENCHMARKS.md. CPU per request is the server side's (utime + stime from /proc of the
// proxy's processes, and of the upstream's, over the round) divided by the requests served.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const WORKERD = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const NGINX = "/usr/sbin/nginx";
const ACCEPT = "application/vnd.oci.image.manifest.v1+json";
const REPO = "demo/single";
const CLIENT = "192.0.2.1";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seconds = Number(arg("seconds", 10));
const rounds = Number(arg("rounds", 2));
const connections = Number(arg("connections", 16));
const markdown = arg("markdown", null);
// "static" or "registry": one upstream only (quicker runs while working on the gateway).
const only = arg("only", null);
// Where the gateway's Durable Objects keep their SQLite files: the disk by default (the
// system temp dir); --storage /dev/shm shows the cost without fsync.
const storageRoot = arg("storage", null);
// "tag" (setups a-d, manifest GETs by tag), "digest" (a and e, by digest), or both.
const scenarios = arg("scenarios", "tag,digest").split(",");

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU ms of a process and all its descendants. */
function cpuMs(pid) {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      for (const child of children ? children.split(" ") : []) total += cpuMs(Number(child));
    }
  } catch {
    // gone
  }
  return total;
}

async function nginx(dir, name, serverBlock) {
  const prefix = join(dir, name);
  mkdirSync(join(prefix, "logs"), { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(prefix, "nginx.conf"),
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp-body;
  proxy_temp_path ${prefix}/tmp-proxy;
  fastcgi_temp_path ${prefix}/tmp-fcgi;
  uwsgi_temp_path ${prefix}/tmp-uwsgi;
  scgi_temp_path ${prefix}/tmp-scgi;
  keepalive_requests 100000;
${serverBlock(port)}
}
`,
  );
  const proc = spawnManaged(NGINX, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"]);
  await waitForHttp(`http://127.0.0.1:${port}/v2/`, { exited: proc.exited, statuses: [200, 401] });
  return { url: `http://127.0.0.1:${port}`, pid: proc.child.pid, stop: () => proc.stop() };
}

/** A static origin: the registry's manifest (by tag and digest) and blobs as files. */
async function staticOrigin(dir, registry) {
  const files = join(dir, "static");
  const manifest = await fetch(`${registry.url}/v2/${REPO}/manifests/latest`, { headers: { accept: ACCEPT } });
  const digest = manifest.headers.get("docker-content-digest");
  const body = Buffer.from(await manifest.arrayBuffer());
  mkdirSync(join(files, "v2", REPO, "manifests"), { recursive: true });
  mkdirSync(join(files, "v2", REPO, "blobs"), { recursive: true });
  writeFileSync(join(files, "v2", REPO, "manifests", "latest"), body);
  writeFileSync(join(files, "v2", REPO, "manifests", digest), body);
  for (const d of [JSON.parse(body).config, ...JSON.parse(body).layers]) {
    const blob = await fetch(`${registry.url}/v2/${REPO}/blobs/${d.digest}`);
    writeFileSync(join(files, "v2", REPO, "blobs", d.digest), Buffer.from(await blob.arrayBuffer()));
  }
  // nginx's worker runs as an unprivileged user: the files must be readable by it.
  for (let d = files; d.startsWith(dir); d = dirname(d)) chmodSync(d, 0o755);
  const server = await nginx(
    dir,
    "origin",
    (port) => `  server {
    listen 127.0.0.1:${port};
    root ${files};
    add_header Docker-Distribution-Api-Version registry/2.0 always;
    location = /v2/ { default_type application/json; return 200 "{}"; }
    location /v2/${REPO}/manifests/ {
      types { } default_type ${ACCEPT};
      add_header Docker-Content-Digest ${digest} always;
      add_header Docker-Distribution-Api-Version registry/2.0 always;
    }
    location /v2/${REPO}/blobs/ { types { } default_type application/octet-stream; }
  }`,
  );
  return { ...server, digest };
}

async function limitReq(dir, name, upstream) {
  return nginx(
    dir,
    name,
    (port) => `  limit_req_zone $binary_remote_addr zone=pulls:10m rate=100000r/s;
  upstream origin { server ${new URL(upstream).host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      limit_req zone=pulls burst=100000 nodelay;
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }`,
  );
}

async function workerd(dir, name, config) {
  const file = join(dir, `${name}.capnp`);
  writeFileSync(file, config.text);
  const proc = spawnManaged(WORKERD, ["serve", file]);
  let log = "";
  proc.child.stderr.on("data", (d) => (log += d));
  try {
    // The gateway answers 400 without the client address header: it is up.
    await waitForHttp(`${config.url}/v2/`, { exited: proc.exited, statuses: [200, 400] });
  } catch (err) {
    await proc.stop();
    throw new Error(`${name}: ${err.message}\n${log}`);
  }
  return { url: config.url, pid: proc.child.pid, stop: () => proc.stop() };
}

/** Plain workerd running the one module `file` (written in `dir`) with UPSTREAM bound. */
async function oneModuleWorker(dir, name, file, upstream) {
  const port = await freePort();
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (modules = [(name = "${file}", esModule = embed "${file}")], compatibilityDate = "2026-04-01", bindings = [(name = "UPSTREAM", text = "${upstream}")], globalOutbound = "internet")),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`;
  return workerd(dir, name, { text, url: `http://127.0.0.1:${port}` });
}

async function passThrough(dir, name, upstream) {
  writeFileSync(
    join(dir, "passthrough.js"),
    `// The bare pass-through: what any Workers proxy does, nothing more.
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers: request.headers });
  },
};
`,
  );
  return oneModuleWorker(dir, name, "passthrough.js", upstream);
}

/**
 * The design's floor for a GET by tag: what the gateway's I/O is without any of its logic. The
 * tag re-resolved with a HEAD upstream (its deadline an AbortSignal.timeout), the manifest
 * answered from memory (fetched once, by digest), with the headers the gateway sends (a
 * Headers copied into the response, five rate-limit headers of fixed text set on it); no
 * limits, client key, routing, verification or statistics. The gateway can't cost less per
 * request than this; (d) / (f) is what its logic costs.
 */
async function floorWorker(dir, name, upstream) {
  writeFileSync(
    join(dir, "floor.js"),
    `const kept = new Map(); // digest -> { bytes, headers }
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const accept = request.headers.get("accept");
    const head = await fetch(env.UPSTREAM + url.pathname, { method: "HEAD", headers: accept ? { accept } : {}, redirect: "manual", signal: AbortSignal.timeout(30000) });
    const digest = head.headers.get("docker-content-digest");
    let entry = kept.get(digest);
    if (!entry) {
      const got = await fetch(env.UPSTREAM + url.pathname.replace(/[^/]+$/, digest), { headers: accept ? { accept } : {} });
      const headers = new Headers({ "content-type": got.headers.get("content-type"), "docker-content-digest": digest, etag: '"' + digest + '"' });
      kept.set(digest, (entry = { bytes: new Uint8Array(await got.arrayBuffer()), headers }));
    }
    const response = new Response(entry.bytes, { status: 200, headers: entry.headers });
    response.headers.set("ratelimit-limit", "100;w=21600");
    response.headers.set("ratelimit-remaining", "99;w=21600");
    response.headers.set("docker-ratelimit-source", "192.0.2.1");
    response.headers.set("ratelimit-policy", '"pulls";q=100;w=21600');
    response.headers.set("ratelimit", '"pulls";r=99;t=21600');
    return response;
  },
};
`,
  );
  return oneModuleWorker(dir, name, "floor.js", upstream);
}

async function gateway(dir, name, upstream) {
  const port = await freePort();
  const storage = storageRoot ? mkdtempSync(join(storageRoot, `pullgate-${name}-`)) : join(dir, `${name}-data`);
  cleanups.push(() => rmSync(storage, { recursive: true, force: true }));
  mkdirSync(storage, { recursive: true });
  // Limits high enough never to refuse: every request goes through the whole accounting.
  const bindings = await bindingsFor({ upstream, pullLimit: "4000000000;w=60", requestLimit: "4000000000;w=60", clientIpHeader: "X-Real-IP" });
  const text = workerdConfig({ bindings, storage, configDir: dir, address: `127.0.0.1:${port}` });
  return workerd(dir, name, { text, url: `http://127.0.0.1:${port}` });
}

async function wrk(url) {
  const { stdout } = await run("wrk", ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", "-H", `accept: ${ACCEPT}`, "-H", `X-Real-IP: ${CLIENT}`, url], { timeout: (seconds + 30) * 1000 });
  const rps = Number(stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const requests = Number(stdout.match(/(\d+) requests in/)[1]);
  const non2xx = Number(stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const ms = (label) => {
    const m = stdout.match(new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`));
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  return { rps, requests, non2xx, p50: ms(50), p99: ms(99) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const dir = mkdtempSync(join(tmpdir(), "pullgate-load-"));
const servers = [];
const cleanups = [];
const started = (s) => (servers.push(s), s);
let registry;
try {
  registry = await startRegistry();
  await seed(registry.url);
  const origin = started(await staticOrigin(dir, registry));
  const upstreams = [
    ["static origin (nginx files)", origin.url, origin.pid],
    ["registry 2.8", registry.url, registry.pid],
  ];
  const setups = [];
  for (const [label, url, upstreamPid] of upstreams) {
    if (only && !label.startsWith(only)) continue;
    const tag = label.startsWith("static") ? "static" : "registry";
    const byTag = `/v2/${REPO}/manifests/latest`;
    const byDigest = `/v2/${REPO}/manifests/${origin.digest}`;
    const full = started(await gateway(dir, `gateway-${tag}`, url));
    if (scenarios.includes("tag")) {
      setups.push(
        { scenario: "tag", upstream: label, name: "(a) upstream alone", server: { url, pid: null }, upstreamPid, path: byTag },
        { scenario: "tag", upstream: label, name: "(b) nginx limit_req", server: started(await limitReq(dir, `limitreq-${tag}`, url)), upstreamPid, path: byTag },
        { scenario: "tag", upstream: label, name: "(c) pass-through worker (workerd)", server: started(await passThrough(dir, `pass-${tag}`, url)), upstreamPid, path: byTag },
        { scenario: "tag", upstream: label, name: "(f) design floor: HEAD + answer from memory, no logic (workerd)", server: started(await floorWorker(dir, `floor-${tag}`, url)), upstreamPid, path: byTag },
        { scenario: "tag", upstream: label, name: "(d) full gateway (workerd)", server: full, upstreamPid, path: byTag },
      );
    }
    if (scenarios.includes("digest")) {
      setups.push(
        { scenario: "digest", upstream: label, name: "(a) upstream alone", server: { url, pid: null }, upstreamPid, path: byDigest },
        { scenario: "digest", upstream: label, name: "(e) full gateway, edge cache warm (workerd)", server: full, upstreamPid, path: byDigest },
      );
    }
  }
  const results = new Map(setups.map((s) => [s, []]));
  // Warm up, and fill the gateway's caches: the digest's first GET is the upstream's.
  for (const s of setups) await wrk(`${s.server.url}${s.path}`).catch(() => {});
  for (let r = 0; r < rounds; r++) {
    for (const s of setups) {
      const before = { proxy: s.server.pid ? cpuMs(s.server.pid) : 0, upstream: cpuMs(s.upstreamPid) };
      const w = await wrk(`${s.server.url}${s.path}`);
      const proxyUs = s.server.pid ? ((cpuMs(s.server.pid) - before.proxy) * 1000) / w.requests : 0;
      const upstreamUs = ((cpuMs(s.upstreamPid) - before.upstream) * 1000) / w.requests;
      results.get(s).push({ ...w, proxyUs, upstreamUs });
    }
  }
  const lines = [];
  const table = (scenario, caption) => {
    const rows = setups.filter((s) => s.scenario === scenario);
    if (!rows.length) return;
    lines.push(
      caption,
      "",
      "| upstream | setup | GET/s | p50 ms | p99 ms | proxy CPU us/req | upstream CPU us/req | non-2xx |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const s of rows) {
      const rs = results.get(s);
      const m = (k) => median(rs.map((x) => x[k]));
      lines.push(`| ${s.upstream} | ${s.name} | ${m("rps").toFixed(0)} | ${m("p50").toFixed(2)} | ${m("p99").toFixed(2)} | ${s.server.pid ? m("proxyUs").toFixed(0) : "-"} | ${m("upstreamUs").toFixed(0)} | ${m("non2xx")} |`);
    }
    lines.push("");
  };
  const common = `wrk -t2 -c${connections}, ${seconds} s rounds, median of ${rounds} interleaved rounds; CPU per request in us (server side, /proc utime+stime).`;
  table("tag", `Manifest GETs by tag (${REPO}:latest), ${common}`);
  table("digest", `Manifest GETs by digest (${REPO}@${origin.digest.slice(0, 19)}...), the gateway's edge cache warm, ${common}`);
  for (const [label] of upstreams) {
    if (only && !label.startsWith(only)) continue;
    const of = (scenario, name) => results.get(setups.find((s) => s.scenario === scenario && s.upstream === label && s.name === name));
    const cpu = (scenario, name) => median(of(scenario, name).map((x) => x.proxyUs));
    const rps = (scenario, name) => median(of(scenario, name).map((x) => x.rps));
    if (scenarios.includes("tag")) {
      // (c) and (d) run one after the other in each round, so their ratio within a round is
      // less moved by the machine's load than the ratio of the two medians.
      const pass = of("tag", "(c) pass-through worker (workerd)");
      const full = of("tag", "(d) full gateway (workerd)");
      const perRound = full.map((x, i) => x.proxyUs / pass[i].proxyUs);
      lines.push(`- ${label}: full gateway / pass-through CPU per request in each round: ${perRound.map((r) => r.toFixed(2)).join(", ")} (median ${median(perRound).toFixed(2)}x; us per request, pass-through ${pass.map((x) => x.proxyUs.toFixed(0)).join(" ")}, full ${full.map((x) => x.proxyUs.toFixed(0)).join(" ")}).`);
      const floor = of("tag", "(f) design floor: HEAD + answer from memory, no logic (workerd)");
      lines.push(
        `- ${label}: design floor / pass-through CPU per request in each round: ${floor.map((x, i) => (x.proxyUs / pass[i].proxyUs).toFixed(2)).join(", ")} (median ${median(floor.map((x, i) => x.proxyUs / pass[i].proxyUs)).toFixed(2)}x); ` +
          `full gateway / design floor: ${full.map((x, i) => (x.proxyUs / floor[i].proxyUs).toFixed(2)).join(", ")} (median ${median(full.map((x, i) => x.proxyUs / floor[i].proxyUs)).toFixed(2)}x).`,
      );
      lines.push(
        `- ${label}: full gateway / pass-through CPU per request = ${(cpu("tag", "(d) full gateway (workerd)") / cpu("tag", "(c) pass-through worker (workerd)")).toFixed(2)}x; ` +
          `throughput ${(rps("tag", "(d) full gateway (workerd)") / rps("tag", "(c) pass-through worker (workerd)")).toFixed(2)}x of pass-through, ${(rps("tag", "(d) full gateway (workerd)") / rps("tag", "(a) upstream alone")).toFixed(2)}x of the upstream alone; ` +
          `pass-through CPU ${(cpu("tag", "(c) pass-through worker (workerd)") / cpu("tag", "(b) nginx limit_req")).toFixed(1)}x nginx limit_req's.`,
      );
    }
    if (scenarios.includes("digest")) {
      const cached = of("digest", "(e) full gateway, edge cache warm (workerd)");
      lines.push(
        `- ${label}: cached by-digest GET/s / upstream GET/s = ${(rps("digest", "(e) full gateway, edge cache warm (workerd)") / rps("digest", "(a) upstream alone")).toFixed(2)}x (goal >= 1x); ` +
          `gateway CPU ${cpu("digest", "(e) full gateway, edge cache warm (workerd)").toFixed(0)} us/req, upstream CPU while it served ${median(cached.map((x) => x.upstreamUs)).toFixed(1)} us/req.`,
      );
    }
  }
  const text = lines.join("\n");
  console.log(text);
  if (markdown) writeFileSync(markdown, text + "\n");
} finally {
  for (const s of servers.reverse()) await s.stop().catch(() => {});
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
  for (const cleanup of cleanups) cleanup();
}
