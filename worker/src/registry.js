// The registry API at /v2/: pulls proxied to the upstream through upstreamFetch.
import { core, PullgateError } from "./core.js";
import { registryError } from "./errors.js";
import { upstreamFetch } from "./upstream.js";

// RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];
// DESIGN.md: manifest bodies over 4 MiB are refused.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The request headers passed upstream: the client's, less its credentials and the platform's. */
function forwardedHeaders(request) {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (HOP_BY_HOP.includes(name) || name === "authorization" || name === "cookie" || name.startsWith("cf-") || name.startsWith("x-forwarded-")) {
      headers.delete(name);
    }
  }
  return headers;
}

export async function proxy(request, url, env) {
  if (request.method !== "GET" && request.method !== "HEAD") {
    // A pull gateway: pushes go to the registry itself.
    return registryError(405, "UNSUPPORTED", `${request.method} is not supported: the gateway is read-only`, { allow: "GET, HEAD" });
  }
  const invalid = invalidName(url.pathname);
  if (invalid) return invalid;

  const response = await upstreamFetch(env, url.pathname + url.search, { method: request.method, headers: forwardedHeaders(request) });

  const upstream = new URL(env.UPSTREAM);
  const out = new Headers(response.headers);
  for (const name of HOP_BY_HOP) out.delete(name);
  // The gateway authenticates upstream itself; its clients are anonymous to it.
  out.delete("www-authenticate");
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
    const reference = core.parseReference(name);
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

/** A manifest fetched by digest is only passed on if its bytes hash to that digest. */
async function verifiedManifest(response, headers, expected) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_MANIFEST_BYTES) {
    return registryError(502, "MANIFEST_INVALID", `upstream manifest ${expected} is over 4 MiB`);
  }
  let actual;
  try {
    actual = core.digest(bytes, expected.slice(0, expected.indexOf(":")));
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
