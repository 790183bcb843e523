// The gateway's metadata API, /api/v1/ (DESIGN.md): JSON computed by the core from manifests
// and configs fetched upstream, never raw manifests (those come only from /v2/, counted as
// pulls). Governed by the request limit, not the pull limit. This file is glue: it fetches,
// dedupes, caches by digest and assembles; every parse, digest check, platform format and
// attestation attachment is the core's (explorer* exports of the wasm).
import { settingsOf } from "./context.js";
import { core, PullgateError } from "./core.js";
import { discardBody } from "./errors.js";
import { upstreamFetch, upstreamNextPage } from "./upstream.js";

// MANIFEST_ACCEPT is the core's: the Accept value a client sends for any manifest or index.
const { explorerConfig, explorerManifest, gatewayRepositoryPath, normalizeReference, parseReference, MANIFEST_ACCEPT } = core;

// Upstream requests in flight per API request: many tags, bounded load on the registry.
const CONCURRENCY = 16;
// A tag moves; a digest never does. A tag's digest is fresh for TAG_TTL_MS; until TAG_STALE_MS
// the last answer is served while a HEAD (free) re-resolves it in the background.
const TAG_TTL_MS = 30_000;
const TAG_STALE_MS = 10 * 60_000;
// Tags per /api/v1 tags page: bounds the upstream requests one API request makes (Workers cap
// subrequests per invocation) and lets the page paint the first tags of a large repository.
const PAGE_DEFAULT = 500;
const PAGE_MAX = 1000;
const CATALOG_TTL_MS = 60_000;
const MAX_CACHED = 20_000;
const SEARCH_LIMIT = 100;

// Per-isolate caches: summaries by digest (immutable; also in the Cache API), tag -> digest
// (short-lived), catalog.
const byDigest = new Map();
// The waitUntil of the request being served, for cache writes that outlive the response.
let keepAlive = () => {};
const tagDigests = new Map();
const tagLists = new Map();
let catalog = null;

class ApiError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The upstream requests one /api/v1/ call may still make (API_SUBREQUESTS): Workers cap the
 * subrequests of an invocation, and one tags page can need thousands. Each upstream request
 * spends one (a token fetch or a redirect it causes is not seen here: the setting leaves room).
 * Work already done is cached, so the next call goes on where this one stopped.
 */
class Budget {
  constructor(left) {
    this.left = left;
  }

  spend() {
    if (this.left <= 0) throw new OverBudget(this);
    this.left -= 1;
  }
}

class OverBudget extends ApiError {
  /** `budget`: the one that ran out (a fetch shared by two calls runs on the first one's). */
  constructor(budget) {
    super(503, "UNAVAILABLE", "this request reached the gateway's upstream request budget (API_SUBREQUESTS); retry, or raise the setting", { "retry-after": "1" });
    this.budget = budget;
  }
}

function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache", ...headers },
  });
}

function errorResponse(err) {
  return json({ errors: [{ code: err.code, message: err.message }] }, err.status, err.headers);
}

/** Routes /api/v1/*. `clientKey` is the caller's key as the gateway counts it. */
export async function handleApi(request, env, ctx, { clientKey } = {}) {
  const url = new URL(request.url);
  if (ctx?.waitUntil) keepAlive = (promise) => ctx.waitUntil(promise);
  if (request.method !== "GET" && request.method !== "HEAD") {
    await discardBody(request);
    return errorResponse(new ApiError(405, "UNSUPPORTED", `${request.method} is not supported on /api/v1/`, { allow: "GET, HEAD" }));
  }
  try {
    const budget = new Budget(settingsOf(env).apiSubrequests);
    const path = url.pathname.replace(/^\/api\/v1/, "");
    let body;
    let match;
    if (path === "/search") body = await search(env, budget, url.searchParams.get("q") ?? "", url.host);
    else if (path === "/budget") body = await pullBudget(env, clientKey);
    else if ((match = path.match(/^\/repositories\/(.+)\/tags\/([^/]+)$/))) {
      body = await tagDetail(env, budget, repositoryName(match[1]), tagOrDigest(match[1], match[2]));
    } else if ((match = path.match(/^\/repositories\/(.+)\/tags\/?$/))) body = await tagList(env, budget, repositoryName(match[1]), url.searchParams);
    else throw new ApiError(404, "NOT_FOUND", `no such endpoint: ${url.pathname} (see /api/v1/search, /api/v1/repositories/<name>/tags[/<tag>], /api/v1/budget)`);
    const response = json(body);
    return request.method === "HEAD" ? new Response(null, response) : response;
  } catch (err) {
    if (err instanceof ApiError) return errorResponse(err);
    if (err instanceof PullgateError) return errorResponse(new ApiError(502, err.code, `the registry sent something the core refused: ${err.message}`));
    return errorResponse(new ApiError(500, "UNKNOWN", String(err?.message ?? err)));
  }
}

/** A repository name as the core's reference grammar accepts it (a bare name). */
function repositoryName(raw) {
  let name;
  try {
    name = decodeURIComponent(raw);
    gatewayRepositoryPath(name); // throws unless a bare name: no tag, digest or port
    return name;
  } catch (err) {
    if (err instanceof PullgateError) throw new ApiError(400, "NAME_INVALID", `invalid repository name: ${err.message} (${err.code})`);
    if (!(err instanceof URIError)) throw err;
  }
  throw new ApiError(400, "NAME_INVALID", `invalid repository name: ${JSON.stringify(name ?? raw)}`);
}

/** A tag or a digest, checked by the core as part of `name:tag` / `name@digest`. */
function tagOrDigest(rawName, raw) {
  const name = decodeURIComponent(rawName);
  const value = decodeURIComponent(raw);
  const digest = value.includes(":");
  try {
    const parsed = parseReference(digest ? `${name}@${value}` : `${name}:${value}`);
    if (digest ? parsed.digest === value : parsed.tag === value) return value;
  } catch (err) {
    if (!(err instanceof PullgateError)) throw err;
    throw new ApiError(400, digest ? "DIGEST_INVALID" : "TAG_INVALID", `invalid ${digest ? "digest" : "tag"} ${JSON.stringify(value)}: ${err.message} (${err.code})`);
  }
  throw new ApiError(400, "TAG_INVALID", `invalid tag ${JSON.stringify(value)}`);
}

/** An upstream response turned into an ApiError a person can act on. */
async function upstreamFailure(response, what) {
  await response.body?.cancel();
  const status = response.status;
  if (status === 404) return new ApiError(404, what.code404, what.message404);
  if (status === 429) {
    const retry = response.headers.get("retry-after");
    return new ApiError(429, "TOOMANYREQUESTS", `the upstream registry is rate-limiting the gateway${retry ? `; retry in ${retry} s` : ""}`, retry ? { "retry-after": retry } : {});
  }
  if (status === 401 || status === 403) return new ApiError(403, "DENIED", `the upstream registry refused access to ${what.subject} (${status})`);
  return new ApiError(502, "UNAVAILABLE", `the upstream registry answered ${status} for ${what.subject}`);
}

/** upstreamFetch never rejects: an unreachable upstream is a 502/504 marked pullgate-upstream-error. */
async function upstream(env, budget, path, init) {
  if (!env.UPSTREAM) throw new ApiError(500, "UNKNOWN", "the gateway has no UPSTREAM configured");
  budget.spend();
  const response = await upstreamFetch(env, path, init);
  if (response.headers.get("pullgate-upstream-error")) {
    let message = `the upstream registry did not answer (${response.status})`;
    try {
      message = (await response.json()).errors?.[0]?.message ?? message;
    } catch {
      // the status says enough
    }
    throw new ApiError(502, "UNAVAILABLE", message);
  }
  return response;
}

/** Every item of a paginated /v2/ list, following `Link: <...>; rel="next"` on the upstream. */
async function listAll(env, budget, path, key, what) {
  const items = [];
  let next = `${path}?n=1000`;
  for (let page = 0; next && page < 1000; page++) {
    const response = await upstream(env, budget, next, { headers: { accept: "application/json" } });
    if (!response.ok) throw await upstreamFailure(response, what);
    const body = await response.json();
    items.push(...(body[key] ?? []));
    // The core reads the Link and refuses one off the upstream (a PullgateError: a 502 here).
    next = upstreamNextPage(env, next, response.headers.get("link"));
  }
  return items;
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const index = i++;
      out[index] = await fn(items[index], index);
    }
  });
  await Promise.all(workers);
  return out;
}

// A tag tagList could not describe within the budget.
const OVER_BUDGET = Symbol("over budget");
// How often tagList starts a tag again after a fetch it shared ran out of another call's budget.
const SHARED_RETRIES = 3;

/** A config or attestation that can't be read leaves its part out, unless the budget ran out. */
function noConfig(err) {
  if (err instanceof OverBudget) throw err;
  return null;
}

function remember(map, key, value) {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value);
  map.set(key, value);
  return value;
}

/** The digest a tag points at: fresh, or stale and being re-resolved in the background. */
function resolveTag(env, budget, repository, tag) {
  const key = `${repository}:${tag}`;
  const cached = tagDigests.get(key);
  const age = cached ? Date.now() - cached.at : Infinity;
  if (cached?.digest && age < TAG_TTL_MS) return cached.digest;
  if (cached?.pending) return cached.digest ?? cached.pending;
  const pending = headTag(env, budget, repository, tag).then(
    (digest) => {
      remember(tagDigests, key, { digest, at: Date.now() });
      return digest;
    },
    (err) => {
      if (cached?.digest) remember(tagDigests, key, cached);
      else tagDigests.delete(key);
      throw err;
    },
  );
  remember(tagDigests, key, { ...cached, pending });
  if (cached?.digest && age < TAG_STALE_MS) {
    keepAlive(pending.catch(() => {}));
    return cached.digest;
  }
  return pending;
}

/** A HEAD upstream (free on Docker Hub) for the digest a tag points at now. */
async function headTag(env, budget, repository, tag) {
  const path = `/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const what = { code404: "MANIFEST_UNKNOWN", message404: `${repository} has no tag ${tag}`, subject: `${repository}:${tag}` };
  let response = await upstream(env, budget, path, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT } });
  if (!response.ok) throw await upstreamFailure(response, what);
  let digest = response.headers.get("docker-content-digest");
  if (!digest) {
    // No digest header: the body's digest, computed by the core (this GET is the gateway's own).
    response = await upstream(env, budget, path, { headers: { accept: MANIFEST_ACCEPT } });
    if (!response.ok) throw await upstreamFailure(response, what);
    digest = explorerManifest(new Uint8Array(await response.arrayBuffer()), response.headers.get("content-type") ?? undefined).digest;
  }
  return digest;
}

/**
 * A summary by digest, computed once: from this isolate's map, else (`shared`) the Cache API
 * (shared by the isolates of a location, survives restarts), else `compute()`. Keyed by
 * repository too, so a digest is only ever described as fetched from the repository asked
 * about. Only whole descriptions go to the Cache API: a lookup there costs a round trip, worth
 * it for one manifest + its platforms + their configs, not for each of those pieces.
 */
function byDigestCached(kind, env, repository, digest, compute, { shared = false } = {}) {
  const key = `${kind} ${repository}@${digest}`;
  if (byDigest.has(key)) return byDigest.get(key);
  const promise = (async () => {
    const cache = shared ? globalThis.caches?.default : undefined;
    const request = cache && new Request(`https://api-cache.pullgate.invalid/v1/${kind}/${repository}@${digest}`);
    const hit = cache && (await cache.match(request).catch(() => undefined));
    if (hit) return hit.json();
    const value = await compute();
    if (cache) {
      const response = new Response(JSON.stringify(value), { headers: { "content-type": "application/json", "cache-control": "public, max-age=31536000, immutable" } });
      // Not awaited: the answer doesn't wait for the cache write (kept alive by waitUntil).
      keepAlive(cache.put(request, response).catch(() => {}));
    }
    return value;
  })().catch((err) => {
    byDigest.delete(key);
    throw err;
  });
  return remember(byDigest, key, promise);
}

function manifestSummary(env, budget, repository, digest) {
  return byDigestCached("manifest", env, repository, digest, async () => {
    const response = await upstream(env, budget, `/v2/${repository}/manifests/${digest}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (!response.ok) {
      throw await upstreamFailure(response, { code404: "MANIFEST_UNKNOWN", message404: `${repository} has no manifest ${digest}`, subject: `${repository}@${digest}` });
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    return explorerManifest(bytes, response.headers.get("content-type") ?? undefined, digest);
  });
}

function configSummary(env, budget, repository, digest) {
  return byDigestCached("config", env, repository, digest, async () => {
    const response = await upstream(env, budget, `/v2/${repository}/blobs/${digest}`);
    if (!response.ok) {
      throw await upstreamFailure(response, { code404: "BLOB_UNKNOWN", message404: `${repository} has no config blob ${digest}`, subject: `${repository}@${digest}` });
    }
    return explorerConfig(new Uint8Array(await response.arrayBuffer()), digest);
  });
}

/**
 * One platform image: its manifest summary and config summary. Config-less artifacts (not
 * images) keep what the manifest says.
 */
async function platformImage(env, budget, repository, entry) {
  const manifest = await manifestSummary(env, budget, repository, entry.digest);
  const config = manifest.config && /config/.test(manifest.config.mediaType) ? await configSummary(env, budget, repository, manifest.config.digest).catch(noConfig) : null;
  return { manifest, config };
}

/** What a digest is, per platform, for the tag list: cached by digest, so shared digests cost once. */
function describe(env, budget, repository, digest) {
  return byDigestCached("described", env, repository, digest, async () => {
    const top = await manifestSummary(env, budget, repository, digest);
    const entries = top.kind === "index" ? top.platforms : [{ digest: top.digest, mediaType: top.mediaType, size: top.size, attestations: [] }];
    const platforms = await mapLimit(entries, 4, async (entry) => {
      const { manifest, config } = await platformImage(env, budget, repository, entry);
      return {
        platform: entry.platform ?? config?.platform ?? "unknown",
        digest: entry.digest,
        compressedSize: manifest.compressedSize ?? 0,
        created: config?.created,
        attestations: entry.attestations.length,
      };
    });
    const created = platforms.map((p) => p.created).filter(Boolean).sort((a, b) => Date.parse(b) - Date.parse(a))[0];
    return { digest, mediaType: top.mediaType, kind: top.kind, platforms, created };
  }, { shared: true });
}

/** Pull statistics from the gateway's STATS Durable Object, when it has one. */
async function stats(env, repository) {
  if (!env.STATS) return null;
  try {
    const response = await env.STATS.get(env.STATS.idFromName(repository)).fetch("https://stats/stats");
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** A repository's tag names, as the registry lists them; cached as briefly as tag digests. */
async function tagNames(env, budget, repository) {
  const cached = tagLists.get(repository);
  if (cached && Date.now() - cached.at < TAG_TTL_MS) return cached.names;
  const names = await listAll(env, budget, `/v2/${repository}/tags/list`, "tags", {
    code404: "NAME_UNKNOWN",
    message404: `repository ${repository} is not known to the registry`,
    subject: repository,
  });
  remember(tagLists, repository, { names, at: Date.now() });
  return names;
}

/** An integer query parameter in [min, max], else `fallback`; anything else is a 400. */
function intParam(params, name, fallback, min, max) {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(400, "PAGINATION_NUMBER_INVALID", `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * One page of a repository's tags (`?n=` tags from `?offset=`, in the registry's order), each
 * with digest, platforms (compressed size and created per platform) and last pulled. `next` is
 * the offset of the following page, or null. When the upstream request budget runs out the
 * page stops short after the last tag it could describe (`count` < `n`, `next` right after it);
 * what was fetched for the tags after that is cached for the next call.
 */
async function tagList(env, budget, repository, params) {
  const n = intParam(params, "n", PAGE_DEFAULT, 1, PAGE_MAX);
  const all = await tagNames(env, budget, repository);
  const offset = intParam(params, "offset", 0, 0, Math.max(all.length, 0));
  const names = all.slice(offset, offset + n);
  // Each tag resolved and described in turn, in the registry's order (a digest shared by
  // several tags is described once: describe() is cached by digest). The page's first tag goes
  // alone, on the whole budget, so a page always makes progress however the budget is raced
  // for; then the rest a few lanes at once. Lanes are fewer when the budget is small (a tag
  // costs about four requests the first time), and none starts once one ran out, so what comes
  // back is a prefix of the page.
  let exhausted = false;
  const describeTag = async (tag) => {
    // A resolution or description in flight for another call is shared, on that call's
    // budget: when that one ran out, this call tries again on its own (the failed fetch is no
    // longer cached), a few times at most.
    for (let attempt = 0; ; attempt++) {
      if (exhausted) return OVER_BUDGET;
      try {
        return await describe(env, budget, repository, await resolveTag(env, budget, repository, tag));
      } catch (err) {
        if (!(err instanceof OverBudget)) throw err;
        if (err.budget !== budget && attempt < SHARED_RETRIES) continue;
        exhausted = true;
        return OVER_BUDGET;
      }
    }
  };
  const describeAll = async () => {
    if (!names.length) return [];
    const first = await describeTag(names[0]);
    const lanes = Math.max(1, Math.min(CONCURRENCY, Math.floor(budget.left / 4)));
    return [first, ...(await mapLimit(names.slice(1), lanes, describeTag))];
  };
  const [described, pulled] = await Promise.all([describeAll(), stats(env, repository)]);
  let complete = described.indexOf(OVER_BUDGET);
  if (complete === -1) complete = names.length;
  if (complete === 0 && names.length) throw new OverBudget(budget);
  const tags = names.slice(0, complete).map((name, i) => {
    const d = described[i];
    const tagStats = pulled?.tags?.[name];
    return {
      name,
      digest: d.digest,
      mediaType: d.mediaType,
      kind: d.kind,
      platforms: d.platforms,
      created: d.created,
      ...(tagStats?.lastPulled ? { lastPulled: tagStats.lastPulled, pulls: tagStats.pulls } : {}),
    };
  });
  const next = offset + tags.length < all.length ? offset + tags.length : null;
  return { name: repository, total: all.length, offset, count: tags.length, next, statsAvailable: pulled !== null, tags };
}

async function tagDetail(env, budget, repository, reference) {
  const digest = reference.includes(":") ? reference : await resolveTag(env, budget, repository, reference);
  const top = await manifestSummary(env, budget, repository, digest);
  const entries = top.kind === "index" ? top.platforms : [{ digest: top.digest, mediaType: top.mediaType, size: top.size, attestations: [] }];
  const platforms = await mapLimit(entries, 4, async (entry) => {
    const { manifest, config } = await platformImage(env, budget, repository, entry);
    const attestations = await mapLimit(entry.attestations, 4, async (a) => {
      const summary = await manifestSummary(env, budget, repository, a.digest).catch(noConfig);
      const predicateTypes = [...new Set((summary?.layers ?? []).map((l) => l.predicateType).filter(Boolean))];
      return { digest: a.digest, mediaType: a.mediaType, size: a.size, predicateTypes };
    });
    const { platform, created, author, history, layerCount, ...container } = config ?? {};
    return {
      platform: entry.platform ?? platform ?? "unknown",
      digest: entry.digest,
      mediaType: manifest.mediaType,
      size: manifest.size,
      compressedSize: manifest.compressedSize ?? 0,
      config: manifest.config,
      layers: manifest.layers ?? [],
      created,
      author,
      container: config ? container : null,
      history: history ?? [],
      attestations,
    };
  });
  const pulled = reference.includes(":") ? null : (await stats(env, repository))?.tags?.[reference];
  return {
    name: repository,
    reference,
    digest: top.digest,
    mediaType: top.mediaType,
    kind: top.kind,
    ...(top.kind === "index" ? { indexDigest: top.digest } : {}),
    platforms,
    unattachedAttestations: top.unattachedAttestations ?? [],
    ...(pulled?.lastPulled ? { lastPulled: pulled.lastPulled, pulls: pulled.pulls } : {}),
  };
}

/** The caller's pull budget from the gateway's LIMITS Durable Object, without spending a pull. */
async function pullBudget(env, clientKey) {
  if (!env.LIMITS) return { enforced: false, limit: null, remaining: null, windowSeconds: null, retryAfterSeconds: null };
  const response = await env.LIMITS.get(env.LIMITS.idFromName(clientKey ?? "unknown")).fetch("https://limits/budget");
  if (!response.ok) throw new ApiError(502, "UNAVAILABLE", `the limits store answered ${response.status}`);
  return { enforced: true, ...(await response.json()) };
}

async function catalogNames(env, budget) {
  if (catalog && Date.now() - catalog.at < CATALOG_TTL_MS) return catalog.names;
  let names = null;
  try {
    names = await listAll(env, budget, "/v2/_catalog", "repositories", { code404: "UNSUPPORTED", message404: "no catalog", subject: "the catalog" });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 502) throw err;
    // Docker Hub and most hosted registries don't serve the catalog: references still work.
  }
  catalog = { names, at: Date.now() };
  return names;
}

/**
 * Repositories whose name contains `q`, and `q` read as a reference (normalized by the core):
 * `alpine`, `host/demo/multiarch:2.1.0@sha256:...` land on a repository and a tag.
 */
async function search(env, budget, q, host) {
  const query = q.trim();
  const names = await catalogNames(env, budget);
  const result = { query, catalog: names !== null, repositories: [] };
  if (query) {
    try {
      const ref = normalizeReference(query);
      if (ref.domain === "docker.io" || ref.domain === host) {
        result.reference = { repository: ref.path, ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}), exists: names ? names.includes(ref.path) : null };
      } else {
        result.referenceError = { code: "OTHER_REGISTRY", message: `${ref.domain} is another registry: this gateway serves ${host}` };
      }
    } catch (err) {
      if (!(err instanceof PullgateError)) throw err;
      result.referenceError = { code: err.code, message: err.message };
    }
  }
  if (names) {
    const needle = query.toLowerCase();
    const hits = names.filter((n) => n.includes(needle));
    const exact = result.reference?.repository;
    hits.sort((a, b) => (b === exact) - (a === exact) || a.localeCompare(b));
    result.total = hits.length;
    result.repositories = hits.slice(0, SEARCH_LIMIT);
  }
  return result;
}
