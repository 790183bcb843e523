// The pullgate gateway: a Workers ES module that serves the registry API at /v2/ from the
// configured UPSTREAM, the metadata API at /api/v1/ (api.js), the limits page at /limits and
// the explorer (www/) at /. Rules live in the core (the pullgate wasm, core.js); these modules
// are glue: routing, I/O and streaming.
//
//   core.js        the wasm, imported once
//   settings.js    the settings, checked (shared with dev.mjs); context.js: per-isolate view
//   upstream.js    upstreamFetch: the only way to the upstream (token dance, redirects, deadlines)
//   registry.js    /v2/: the pull proxy (limits, verification, edge cache, stats)
//   limits.js      the PullLimiter Durable Object (per client key)
//   stats.js       the RepoStats Durable Object (per repository)
//   limits-page.js /limits
//   api.js         /api/v1/ (the explorer's), called after the request limit with { clientKey }
//   errors.js      distribution-style JSON errors
import { handleApi } from "./api.js";
import { clientKeyOf, settingsOf } from "./context.js";
import { PullgateError } from "./core.js";
import { registryError } from "./errors.js";
import { admitLeased } from "./limits.js";
import { limitsPage } from "./limits-page.js";
import { proxy, requestLimited } from "./registry.js";

export { PullLimiter } from "./limits.js";
export { RepoStats } from "./stats.js";

function cors(request, response, settings) {
  if (!settings.corsOrigins.length) return response;
  const origin = request.headers.get("origin");
  if (!origin) return response;
  const allowed = settings.corsOrigins.includes("*") ? "*" : settings.corsOrigins.includes(origin) ? origin : null;
  if (!allowed) return response;
  const out = new Response(response.body, response);
  out.headers.set("access-control-allow-origin", allowed);
  out.headers.set("access-control-expose-headers", "docker-content-digest, ratelimit-limit, ratelimit-remaining, docker-ratelimit-source, ratelimit-policy, ratelimit, retry-after, link");
  if (allowed !== "*") out.headers.append("vary", "origin");
  return out;
}

function preflight(request, settings) {
  return cors(
    request,
    new Response(null, {
      status: 204,
      headers: { "access-control-allow-methods": "GET, HEAD", "access-control-allow-headers": "accept, range", "access-control-max-age": "600" },
    }),
    settings,
  );
}

async function route(request, env, ctx, url) {
  const path = url.pathname; // a native getter: read once
  const v2 = path === "/v2" || path.startsWith("/v2/");
  const api = !v2 && (path === "/api/v1" || path.startsWith("/api/v1/"));
  const limits = path === "/limits";
  if (!v2 && !api && !limits) return env.ASSETS.fetch(request);

  let settings;
  try {
    settings = settingsOf(env);
  } catch (err) {
    return registryError(500, "UNKNOWN", `the gateway is misconfigured: ${err.message}`);
  }
  if (request.method === "OPTIONS" && (v2 || api)) return preflight(request, settings);
  let key;
  try {
    key = clientKeyOf(request, settings);
  } catch (err) {
    if (err instanceof PullgateError) return registryError(400, "UNKNOWN", err.message);
    throw err;
  }
  if (v2) return cors(request, await proxy(request, url, env, ctx, settings, key), settings);
  if (limits) return limitsPage(request, env, settings, key);
  const admission = await admitLeased(env, ctx, key, 0, "", "");
  if (!admission.request.allowed) return cors(request, requestLimited(admission.request), settings);
  return cors(request, await handleApi(request, env, ctx, { clientKey: key }), settings);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    try {
      return await route(request, env, ctx, url);
    } catch (err) {
      // Never a worker exception: a distribution-style error naming what failed.
      return registryError(502, "UNKNOWN", `the gateway failed: ${err?.message ?? err}`);
    }
  },
};
