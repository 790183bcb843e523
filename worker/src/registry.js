// The registry API at /v2/: pulls proxied to the upstream through upstreamFetch, counted by
// the client key's PullLimiter, verified, cached at the edge by digest, recorded in RepoStats.
import { cachedBlob, cachedManifest, checkedDigest, rememberedManifest, servedManifestHeaders, sized, storeBlob, storeManifest } from "./cache.js";
import { core, PullgateError } from "./core.js";
import { discardBody, registryError } from "./errors.js";
import { admitLeased, admitNow, recordIndexLeased, refundLeased } from "./limits.js";
import { recordPull } from "./stats.js";
import { idleTimeout, upstreamFetch, upstreamTimeoutMs } from "./upstream.js";
import { verifyingStream } from "./verify.js";

// RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"];
// Never passed upstream: those, the client's credentials, and the address a front proxy set.
const NOT_FORWARDED = new Set([...HOP_BY_HOP, "authorization", "cookie", "x-real-ip"]);
// DESIGN.md: manifest bodies over 4 MiB are refused.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const KIND_OTHER = 0;
const KIND_MANIFEST_HEAD = 1;
const KIND_MANIFEST_GET = 2;
const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/**
 * The request headers passed upstream: the client's, less its credentials and the platform's,
 * as a plain object (upstreamFetch sends it as it is: workerd reads an object of strings into
 * a request's headers in half the time of an array of pairs, and building a Headers costs a
 * native call per header). A header named like an Object.prototype member (`__proto__`)
 * can't be a plain property: then a Headers, as before.
 */
function forwardedHeaders(request, settings) {
  const headers = {};
  let plain = true;
  // forEach: no [name, value] array per header, as an iterator makes.
  request.headers.forEach((value, name) => {
    if (!forwarded(name, settings)) return;
    if (name in headers) plain = false;
    headers[name] = value;
  });
  return plain ? headers : forwardedHeadersObject(request, settings);
}

function forwardedHeadersObject(request, settings) {
  const headers = new Headers();
  for (const [name, value] of request.headers) if (forwarded(name, settings)) headers.set(name, value);
  return headers;
}

/**
 * The headers of the HEAD that re-resolves a tag: the gateway's own request, whose answer
 * (the digest) depends on the client's Accept alone; its User-Agent goes along so the
 * upstream still sees which client pulls. Two lookups instead of a walk over every header.
 */
function resolvingHeaders(request) {
  const accept = request.headers.get("accept");
  const agent = request.headers.get("user-agent");
  const headers = {};
  if (accept !== null) headers.accept = accept;
  if (agent !== null) headers["user-agent"] = agent;
  return headers;
}

/** Whether the client's header `name` (lower case) goes upstream. */
function forwarded(name, settings) {
  return !NOT_FORWARDED.has(name) && name !== settings.clientIpHeader && !name.startsWith("cf-") && !name.startsWith("x-forwarded-");
}

/** The upstream's response headers as the client sees them. */
function responseHeaders(response, url, settings) {
  const out = new Headers(response.headers);
  for (const name of HOP_BY_HOP) out.delete(name);
  // The gateway authenticates upstream itself; its clients are anonymous to it.
  out.delete("www-authenticate");
  out.delete("pullgate-upstream-error");
  // Links and redirects the upstream writes with its own origin point back at the gateway.
  for (const name of ["location", "link"]) {
    const value = out.get(name);
    if (value) out.set(name, value.replaceAll(settings.upstream.origin, url.origin));
  }
  return out;
}

/** `response` with `extra` (a plain object of header names and values) set on its headers. */
function withHeaders(response, extra) {
  for (const name in extra) response.headers.set(name, extra[name]);
  return response;
}

/** The plain 429 of the request limit. */
export function requestLimited(decision) {
  return new Response(`Too Many Requests: over ${decision.limit} requests per ${decision.windowSeconds} s; retry after ${decision.retryAfterSeconds} s\n`, {
    status: 429,
    headers: { "content-type": "text/plain; charset=utf-8", "retry-after": String(decision.retryAfterSeconds) },
  });
}

// Digests the core accepted, remembered in the isolate: a tag's GET re-resolves it with a HEAD
// whose Docker-Content-Digest is checked each time, and is the same digest each time.
const MAX_DIGESTS = 4096;
const knownDigests = new Set();

/** Whether `s` is a digest, as the core's grammar reads one (a tag never has a `:`). */
function isDigest(s) {
  if (!s.includes(":")) return false;
  if (knownDigests.has(s)) return true;
  if (!core.gatewayIsDigest(s)) return false;
  if (knownDigests.size >= MAX_DIGESTS) knownDigests.clear();
  knownDigests.add(s);
  return true;
}

/**
 * `{ name, kind, reference, byDigest, resolvePath }` of a /v2/<name>/(manifests|blobs)/<ref>
 * path, or null. Throws a URIError for a reference that is not valid percent-encoding.
 */
function parsePath(pathname) {
  const m = pathname.match(/^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/);
  if (!m) return null;
  const reference = decodeURIComponent(m[3]);
  // The upstream path a tag is re-resolved at (manifestGet).
  const resolvePath = `/v2/${m[1]}/manifests/${encodeURIComponent(reference)}`;
  return Object.freeze({ name: m[1], kind: m[2], reference, byDigest: isDigest(reference), resolvePath });
}

// Paths whose repository name is valid, with what parsePath made of them, remembered in the
// isolate: a client pulling an image sends the same few paths again and again, and the two
// regexes, the decoding and the digest check were a visible part of a request's CPU.
const MAX_ROUTES = 4096;
const routes = new Map(); // pathname -> { target } (target: parsePath's, frozen, or null)

/** `{ invalid }` (a 400 NAME_INVALID Response) or `{ target }` for a /v2/ path. */
function routeOf(pathname) {
  const known = routes.get(pathname);
  if (known) return known;
  const invalid = invalidName(pathname);
  if (invalid) return { invalid };
  const route = { target: parsePath(pathname) };
  if (routes.size >= MAX_ROUTES) routes.clear();
  routes.set(pathname, route);
  return route;
}

/**
 * The response for `r` (`{ status, statusText?, body, headers }`, `headers` a Headers, never
 * changed here: a cached manifest's are shared, see servedManifestHeaders) with `extra` (the
 * rate-limit headers, a plain object) set on it.
 */
function respond(r, extra) {
  const response = new Response(r.body, r.statusText === undefined ? { status: r.status, headers: r.headers } : { status: r.status, statusText: r.statusText, headers: r.headers });
  return withHeaders(response, extra);
}

/**
 * Serves /v2/ for client key `key`, admitted by the isolate's lease on the key's limits
 * (limits.js): no call to the key's PullLimiter unless the lease must be renewed.
 */
export async function proxy(request, url, env, ctx, settings, key) {
  const method = request.method; // a native getter: read once
  if (method !== "GET" && method !== "HEAD") {
    // A pull gateway: pushes go to the registry itself.
    await discardBody(request);
    return registryError(405, "UNSUPPORTED", `${method} is not supported: the gateway is read-only`, { allow: "GET, HEAD" });
  }
  const { invalid, target } = routeOf(url.pathname);
  if (invalid) return invalid;

  const isManifest = target?.kind === "manifests";
  const kind = !isManifest ? KIND_OTHER : method === "GET" ? KIND_MANIFEST_GET : KIND_MANIFEST_HEAD;
  const repository = target?.name ?? "";
  const reference = target?.reference ?? "";
  // From the isolate's lease without a promise when it can answer (admitLeased otherwise).
  const admission = admitNow(env, ctx, key, kind, repository, reference) ?? (await admitLeased(env, ctx, key, kind, repository, reference));
  if (!admission.request.allowed) return withHeaders(requestLimited(admission.request), admission.headers);
  if (kind === KIND_MANIFEST_GET && !admission.pull.allowed) {
    const link = settings.limitDocUrl ?? `${url.origin}/limits`;
    return withHeaders(
      new Response(core.gatewayTooManyRequestsBody(link) + "\n", {
        status: 429,
        headers: { "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0" },
      }),
      admission.headers,
    );
  }
  if (!isManifest) {
    if (target?.kind === "blobs" && method === "GET" && target.byDigest && !request.headers.has("range")) {
      return blob(request, url, env, ctx, settings, target);
    }
    const response = await upstreamFetch(env, url.pathname + url.search, { method, headers: forwardedHeaders(request, settings) });
    return new Response(method === "HEAD" ? null : response.body, { status: response.status, statusText: response.statusText, headers: responseHeaders(response, url, settings) });
  }

  let result;
  try {
    result = method === "HEAD" ? await manifestHead(request, url, env, settings) : await manifestGet(request, url, env, ctx, settings, target);
  } catch (err) {
    // Never a worker exception, and a pull that failed here is no pull.
    result = ofResponse(registryError(502, "UNKNOWN", `the gateway failed: ${err?.message ?? err}`));
  }
  let headers = admission.headers;
  const reservation = admission.pull?.reservation;
  if (reservation !== undefined && (result.status === 404 || result.status >= 500)) {
    headers = await refundLeased(env, ctx, key, admission);
  } else if (kind === KIND_MANIFEST_GET && result.status === 200) {
    const children = result.children;
    if (children?.length) recordIndexLeased(env, ctx, key, target.name, children);
    if (admission.pull.counted) {
      const { byDigest } = target;
      const digest = result.digest ?? result.headers.get("docker-content-digest");
      recordPull(env, ctx, target.name, { tag: byDigest ? undefined : target.reference, digest: digest ?? (byDigest ? target.reference : undefined) });
    }
  }
  return respond(result, headers);
}

/** A Response as manifestGet's result shape (its headers kept as a Headers, changed in place later). */
function ofResponse(response) {
  return { status: response.status, body: response.body, headers: response.headers };
}

async function manifestHead(request, url, env, settings) {
  const response = await upstreamFetch(env, url.pathname + url.search, { method: "HEAD", headers: forwardedHeaders(request, settings), wholeResponse: true });
  return { status: response.status, statusText: response.statusText, body: null, headers: responseHeaders(response, url, settings) };
}

/**
 * A manifest GET. By digest: from a cache (cache.js), else fetched, verified and cached. By
 * tag: the tag is re-resolved with a HEAD (free on Docker Hub) and the digest served as above,
 * so a tag already seen costs the upstream one HEAD and no GET.
 * Returns `{ status, body, headers, children, digest }` for proxy's respond (children: what an
 * index lists; digest: the manifest's, when the gateway checked or cached it by one).
 */
async function manifestGet(request, url, env, ctx, settings, target) {
  let digest = target.byDigest ? target.reference : null;
  if (!digest) {
    const head = await upstreamFetch(env, target.resolvePath, { method: "HEAD", headers: resolvingHeaders(request), wholeResponse: true });
    const resolved = head.headers.get("docker-content-digest");
    if (head.status === 200 && resolved && isDigest(resolved)) digest = resolved;
  }
  if (!digest) {
    // No digest to check or cache by: pass the tag's manifest through as the upstream sends it.
    const response = await upstreamFetch(env, url.pathname + url.search, { headers: forwardedHeaders(request, settings), wholeResponse: true });
    const headers = responseHeaders(response, url, settings);
    if (response.status !== 200) return result(response.status, response.body, headers);
    const bytes = await boundedBytes(env, response);
    if (!bytes) return ofResponse(registryError(502, "MANIFEST_INVALID", `upstream manifest for ${target.reference} is over 4 MiB`));
    return result(200, bytes, headers, bytes);
  }

  // Served from a cache: its headers are the stored ones (a plain object), its children worked out once per
  // entry (a verified manifest never changes).
  const hit = rememberedManifest(settings, target.name, digest) ?? (await cachedManifest(settings, target.name, digest));
  if (hit) {
    if (hit.children === undefined) hit.children = childrenOf(hit.bytes, hit.headers["content-type"]) ?? null;
    return { status: 200, body: hit.bytes, headers: servedManifestHeaders(hit, target.byDigest), children: hit.children ?? undefined, digest };
  }
  const response = await upstreamFetch(env, `/v2/${target.name}/manifests/${digest}`, { headers: forwardedHeaders(request, settings), wholeResponse: true });
  const headers = responseHeaders(response, url, settings);
  if (response.status !== 200) return result(response.status, response.body, headers);
  const bytes = await boundedBytes(env, response);
  if (!bytes) return ofResponse(registryError(502, "MANIFEST_INVALID", `upstream manifest ${digest} is over 4 MiB`));
  const actual = checkedDigest(bytes, digest);
  // An algorithm the core can't verify: passed on as sent, never cached.
  if (actual === null) return result(200, bytes, headers, bytes);
  if (actual !== digest) return ofResponse(registryError(502, "DIGEST_INVALID", `upstream sent manifest ${actual} for ${digest}`));
  headers.set("docker-content-digest", digest);
  storeManifest(ctx, settings, target.name, digest, bytes, headers);
  const r = result(200, bytes, headers, bytes);
  r.digest = digest;
  return r;
}

function result(status, body, headers, bytes) {
  return { status, body, headers, children: bytes ? childrenOf(bytes, headers.get("content-type")) : undefined };
}

/** The digests an index lists (its children), or undefined: what the core reads of a manifest of media type `contentType`. */
function childrenOf(bytes, contentType) {
  const type = (contentType ?? "").split(";")[0].trim();
  if (!(INDEX_TYPES.includes(type) || type === "" || type === "application/json")) return undefined;
  return core.gatewayIndexChildren(bytes) ?? undefined;
}

/**
 * The manifest body of an upstreamFetch made with `wholeResponse` (its deadline covers the
 * body: no timer here), or null when it is over MAX_MANIFEST_BYTES.
 */
async function boundedBytes(env, response) {
  const length = Number(response.headers.get("content-length"));
  if (length > MAX_MANIFEST_BYTES) {
    await response.body?.cancel();
    return null;
  }
  let buffer;
  try {
    buffer = await response.arrayBuffer();
  } catch (err) {
    response.body?.cancel().catch(() => {});
    if (err?.name === "TimeoutError" || err?.name === "AbortError") {
      throw new Error(`the upstream's manifest body did not arrive within ${upstreamTimeoutMs(env)} ms`);
    }
    throw err;
  }
  return buffer.byteLength > MAX_MANIFEST_BYTES ? null : new Uint8Array(buffer);
}

/**
 * A blob GET by digest: from the edge cache, else streamed from upstream through the digest
 * check and the idle timeout (an upstream that goes silent mid-body errors the stream). Either
 * failure errors the client's transfer and the cache write fed from the same stream.
 */
async function blob(request, url, env, ctx, settings, target) {
  const hit = await cachedBlob(ctx, settings, target.name, target.reference);
  if (hit) return hit;
  const response = await upstreamFetch(env, url.pathname + url.search, { headers: forwardedHeaders(request, settings) });
  const headers = responseHeaders(response, url, settings);
  if (response.status !== 200 || !response.body) return new Response(response.body, { status: response.status, headers });
  const body = idleTimeout(env, response.body);
  const check = verifyingStream(target.reference);
  if (!check) return new Response(body, { status: 200, headers });
  const length = Number(headers.get("content-length") ?? NaN);
  if (!(Number.isSafeInteger(length) && length > 0)) {
    // No length to hold the cache write to: streamed to the client, checked, not cached.
    return new Response(body.pipeThrough(check), { status: 200, headers });
  }
  const [client, cached] = body.pipeThrough(check).tee();
  ctx.waitUntil(storeBlob(settings, target.name, target.reference, cached, length, headers));
  return new Response(sized(client, length).readable, { status: 200, headers });
}

// Names the core accepted, remembered in the isolate (a pull's requests all name the same
// repository; the check was a visible part of a request's CPU).
const MAX_VALID_NAMES = 4096;
const validNames = new Set();

/**
 * A 400 NAME_INVALID when the repository name in a /v2/<name>/(manifests|blobs|tags)/ path is
 * not one (checked by the core's reference grammar), else null. Invalid names never reach the
 * upstream.
 */
function invalidName(pathname) {
  const match = pathname.match(/^\/v2\/(.+)\/(?:manifests\/[^/]+|blobs\/[^/]+|tags\/list)$/);
  if (!match) return null;
  if (validNames.has(match[1])) return null;
  let name;
  try {
    name = decodeURIComponent(match[1]);
    core.gatewayRepositoryPath(name); // throws unless a bare name: no tag, digest or port
    if (validNames.size >= MAX_VALID_NAMES) validNames.clear();
    validNames.add(match[1]);
    return null;
  } catch (err) {
    if (err instanceof PullgateError) {
      return registryError(400, "NAME_INVALID", `invalid repository name: ${err.message} (${err.code})`);
    }
    if (!(err instanceof URIError)) throw err;
  }
  return registryError(400, "NAME_INVALID", `invalid repository name: ${JSON.stringify(name ?? match[1])}`);
}
