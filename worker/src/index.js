// The pullgate gateway: a Workers ES module that serves the registry API at /v2/ from the
// configured UPSTREAM, the metadata API at /api/v1/ (api.js) and the explorer (www/) at /.
// Rules live in the core (the pullgate wasm, core.js); these modules are glue: routing, I/O
// and streaming.
//
//   core.js      the wasm, imported once
//   upstream.js  upstreamFetch: the only way to the upstream (token dance, redirects, timeouts)
//   registry.js  /v2/: the pull proxy
//   api.js       /api/v1/ (the explorer helper's)
//   errors.js    distribution-style JSON errors
import { handleApi } from "./api.js";
import { registryError } from "./errors.js";
import { proxy } from "./registry.js";

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/v2" || url.pathname.startsWith("/v2/")) {
      if (!env.UPSTREAM) return registryError(500, "UNKNOWN", "the gateway has no UPSTREAM configured");
      return proxy(request, url, env, ctx);
    }
    if (url.pathname.startsWith("/api/v1/") || url.pathname === "/api/v1") {
      return handleApi(request, env, ctx, { clientKey: null });
    }
    return env.ASSETS.fetch(request);
  },
};
