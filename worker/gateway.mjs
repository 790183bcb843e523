// The gateway in workerd through Miniflare, configured as wrangler.toml configures it on
// Cloudflare: the same module, the wasm as a CompiledWasm module, www/ as assets behind the
// worker. Used by dev.mjs, scripts/demo.mjs and the tests.
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

/** `compatibility_date` of wrangler.toml, so local runs and deployments agree. */
function compatibilityDate() {
  const toml = readFileSync(join(here, "wrangler.toml"), "utf8");
  const match = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error("worker/wrangler.toml has no compatibility_date");
  return match[1];
}

/**
 * The public socket: plain TCP piped to workerd, except that a TLS ClientHello is refused at once.
 * Registry clients (skopeo, containerd, docker) try HTTPS before HTTP even with TLS verification
 * off. Go's HTTP server answers a ClientHello with a 400 and the client falls back at once;
 * workerd waits for a request line, so every client command stalled 10 s on the TLS handshake
 * timeout. Deployed gateways sit behind TLS and never see this.
 */
function listenPlainHttp({ host, port, target }) {
  const sockets = new Set();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    client.once("data", (first) => {
      // 0x16: the TLS handshake record type (RFC 8446 section 5.1).
      if (first[0] === 0x16) return client.destroy();
      // From the client's own address, so workerd (Miniflare sets CF-Connecting-IP from the
      // socket when the request has none) sees 127.0.0.2 as 127.0.0.2.
      const local = client.remoteAddress?.replace(/^::ffff:/, "");
      const options = { port: target.port, host: target.hostname };
      if (local && local.startsWith("127.")) options.localAddress = local;
      const upstream = connect(options);
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.write(first);
      client.pipe(upstream).pipe(client);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const close = () =>
        new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        });
      resolve({ port: server.address().port, close });
    });
  });
}

/** The settings names of wrangler.toml [vars] and secrets, by startGateway option. */
export const SETTINGS = {
  upstream: "UPSTREAM",
  pullLimit: "PULL_LIMIT",
  requestLimit: "REQUEST_LIMIT",
  clientIpHeader: "CLIENT_IP_HEADER",
  limitDocUrl: "LIMIT_DOC_URL",
  upstreamUsername: "UPSTREAM_USERNAME",
  upstreamPassword: "UPSTREAM_PASSWORD",
  corsOrigins: "CORS_ORIGINS",
  upstreamTimeoutMs: "UPSTREAM_TIMEOUT_MS",
  apiSubrequests: "API_SUBREQUESTS",
};

/** The worker's bindings for startGateway options, checked as the worker checks them. */
export async function bindingsFor(options) {
  const bindings = {};
  for (const [option, name] of Object.entries(SETTINGS)) {
    if (options[option] !== undefined && options[option] !== null) bindings[name] = String(options[option]);
  }
  // The Node entry instantiates the wasm; its glue module carries the gateway exports too.
  await import("./pkg/node.js");
  const core = await import("./pkg/pullgate.js");
  const { readSettings } = await import("./src/settings.js");
  readSettings(bindings, core); // throws naming the bad setting, before workerd starts
  return bindings;
}

/**
 * Starts the gateway in front of `upstream` on `host:port` (port 0: a free one) and resolves
 * once it serves. Other options are the settings (see SETTINGS). Returns `{ url, stop, mf }`;
 * `url` has no trailing slash.
 */
export async function startGateway({ upstream, host = "127.0.0.1", port = 0, ...settings }) {
  if (!upstream) throw new Error("startGateway: upstream is required");
  const bindings = await bindingsFor({ upstream, ...settings });
  for (const file of ["pkg/workerd.js", "pkg/pullgate_bg.wasm"]) {
    try {
      readFileSync(join(here, file));
    } catch {
      throw new Error(`worker/${file} is missing: run make build`);
    }
  }
  const mf = new Miniflare({
    name: "pullgate",
    modules: true,
    scriptPath: join(here, "src/index.js"),
    modulesRoot: here,
    // As wrangler bundles them: .js files are ES modules, .wasm files compiled modules.
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: compatibilityDate(),
    bindings,
    durableObjects: { LIMITS: "PullLimiter", STATS: "RepoStats" },
    assets: {
      directory: join(root, "www"),
      binding: "ASSETS",
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
    },
    host: "127.0.0.1",
    port: 0,
  });
  let front;
  try {
    const inner = await mf.ready;
    front = await listenPlainHttp({ host, port, target: inner });
  } catch (err) {
    await mf.dispose();
    throw err;
  }
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${front.port}`;
  let stopped = false;
  return {
    url,
    mf,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await front.close();
      await mf.dispose();
    },
  };
}
