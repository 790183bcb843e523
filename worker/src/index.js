// The pullgate gateway: a Workers ES module that serves the registry API at /v2/ from the
// configured UPSTREAM and the explorer (www/) at /. Rules live in the core (the pullgate wasm,
// loaded through the package's workerd entry); this file is glue: routing and streaming.
import { digest, parseReference, PullgateError } from "../pkg/workerd.js";

// RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];
const MAX_REDIRECTS = 5;
// DESIGN.md: manifest bodies over 4 MiB are refused.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/v2" || url.pathname.startsWith("/v2/")) {
      return proxy(request, url, env);
    }
    return env.ASSETS.fetch(request);
  },
};

/** A response in the distribution spec's error form. */
function registryError(status, code, message, headers = {}) {
  return new Response(JSON.stringify({ errors: [{ code, message }] }) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0", ...headers },
  });
}

async function proxy(request, url, env) {
  if (!env.UPSTREAM) return registryError(500, "UNKNOWN", "the gateway has no UPSTREAM configured");
  if (request.method !== "GET" && request.method !== "HEAD") {
    // A pull gateway: pushes go to the registry itself.
    return registryError(405, "UNSUPPORTED", `${request.method} is not supported: the gateway is read-only`, { allow: "GET, HEAD" });
  }
  const invalid = invalidName(url.pathname);
  if (invalid) return invalid;

  const upstream = new URL(env.UPSTREAM);
  const target = new URL(url.pathname + url.search, upstream.origin);

  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (HOP_BY_HOP.includes(name) || name.startsWith("cf-") || name.startsWith("x-forwarded-")) headers.delete(name);
  }

  let response;
  try {
    response = await fetchFollowing(target, request.method, headers, upstream.origin);
  } catch (err) {
    return registryError(502, "UNAVAILABLE", `upstream ${upstream.host} did not answer: ${err.message}`);
  }

  const out = new Headers(response.headers);
  for (const name of HOP_BY_HOP) out.delete(name);
  // Links and redirects the upstream writes with its own origin point back at the gateway.
  for (const name of ["location", "link"]) {
    const value = out.get(name);
    if (value) out.set(name, value.replaceAll(upstream.origin, url.origin));
  }

  const byDigest = url.pathname.match(/^\/v2\/.+\/manifests\/([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$/);
  if (byDigest && request.method === "GET" && response.status === 200) {
    return verifiedManifest(response, out, byDigest[1]);
  }
  return new Response(request.method === "HEAD" ? null : response.body, { status: response.status, statusText: response.statusText, headers: out });
}

/**
 * A 400 NAME_INVALID when the repository name in a /v2/<name>/(manifests|blobs|tags)/ path is
 * not one (checked by the core's reference grammar), else null. Invalid names never reach the
 * upstream.
 */
function invalidName(pathname) {
  const match = pathname.match(/^\/v2\/(.+)\/(?:manifests\/[^/]+|blobs\/[^/]+|tags\/list)$/);
  if (!match) return null;
  let name;
  try {
    name = decodeURIComponent(match[1]);
    const reference = parseReference(name);
    // A repository name is a bare name: "x:1" or "host:5000/x" parse, but name a tag or a port.
    if (reference.name === name && !reference.tag && !reference.digest && !name.includes(":")) return null;
  } catch (err) {
    if (err instanceof PullgateError) {
      return registryError(400, "NAME_INVALID", `invalid repository name: ${err.message} (${err.code})`);
    }
    if (!(err instanceof URIError)) throw err;
  }
  return registryError(400, "NAME_INVALID", `invalid repository name: ${JSON.stringify(name ?? match[1])}`);
}

/**
 * fetch with redirects followed here, not by the client (blob storage often redirects), and the
 * client's Authorization sent only to the upstream's own origin.
 */
async function fetchFollowing(target, method, headers, upstreamOrigin) {
  let url = target;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const hopHeaders = new Headers(headers);
    if (url.origin !== upstreamOrigin) hopHeaders.delete("authorization");
    const response = await fetch(url, { method, headers: hopHeaders, redirect: "manual" });
    const location = response.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    await response.body?.cancel();
    url = new URL(location, url);
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects`);
}

/** A manifest fetched by digest is only passed on if its bytes hash to that digest. */
async function verifiedManifest(response, headers, expected) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_MANIFEST_BYTES) {
    return registryError(502, "MANIFEST_INVALID", `upstream manifest ${expected} is over 4 MiB`);
  }
  let actual;
  try {
    actual = digest(bytes, expected.slice(0, expected.indexOf(":")));
  } catch (err) {
    // An algorithm the core can't verify: pass the bytes on as the upstream sent them.
    if (err instanceof PullgateError && err.code === "DIGEST_UNSUPPORTED") actual = expected;
    else throw err;
  }
  if (actual !== expected) {
    return registryError(502, "DIGEST_INVALID", `upstream sent manifest ${actual} for ${expected}`);
  }
  return new Response(bytes, { status: 200, headers });
}
