// The gateway in workerd through Miniflare, configured as wrangler.toml configures it on
// Cloudflare: the same module, the wasm as a CompiledWasm module, www/ as assets behind the
// worker. Used by dev.mjs, scripts/demo.mjs and the tests.
import { readFileSync } from "node:fs";
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
 * Starts the gateway in front of `upstream` on `host:port` (port 0: a free one) and resolves
 * once it serves. Returns `{ url, stop }`; `url` has no trailing slash.
 */
export async function startGateway({ upstream, host = "127.0.0.1", port = 0 }) {
  if (!upstream) throw new Error("startGateway: upstream is required");
  new URL(upstream); // throws on a malformed URL before workerd starts
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
    bindings: { UPSTREAM: upstream },
    assets: {
      directory: join(root, "www"),
      binding: "ASSETS",
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
    },
    host,
    port,
  });
  const ready = await mf.ready;
  const url = ready.href.replace(/\/$/, "");
  let stopped = false;
  return {
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await mf.dispose();
    },
  };
}
