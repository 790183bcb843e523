// The gateway's caches of content-addressed bytes (DESIGN.md, "Manifests by digest and blobs
// are cached at the edge"). Only bytes checked against their digest are ever served from here:
// a manifest is put once its whole body hashed to the digest, a blob through verify.js's
// stream, which errors (and so fails the cache write fed from it) on a mismatch (storeBlob).
//
// Two layers for manifests, one for blobs:
//
// * `manifestMemory`: per isolate, a small LRU of verified manifests (MEMORY_BYTES in all, at
//   most MEMORY_ENTRY_BYTES each). A digest's bytes never change, so an entry never goes stale;
//   it only ages out. On Cloudflare it saves the Cache API round trip for popular images; on
//   plain workerd it is what serves a hot digest.
// * `edgeCache`: the runtime's Cache API (`caches.default`): Cloudflare's edge, Miniflare's
//   cache, or on plain workerd the cache service that `dev.mjs --emit-config` configures
//   (worker/cache-service.js, `cacheApiOutbound`). Without one, workerd throws "No Cache was
//   configured": then it is a cache that never hits.
import { core, PullgateError } from "./core.js";

// Content-addressed: a digest's bytes never change.
const IMMUTABLE = "public, max-age=31536000, immutable";
// The headers a manifest or blob is served with from a cache.
const CONTENT_HEADERS = ["content-type", "content-length", "docker-content-digest", "etag"];
const MEMORY_BYTES = 8 * 1024 * 1024;
// A manifest may be up to 4 MiB; one that large would push out hundreds of ordinary ones.
const MEMORY_ENTRY_BYTES = 1024 * 1024;

// A cached blob's length as it was verified: what it is served as.
const BLOB_SIZE = "pullgate-blob-size";
// A blob written as it streamed carries the id of its write; the write's verified marker
// (another cache entry, put only once the whole blob hashed to its digest) must name it.
const BLOB_WRITE = "pullgate-blob-write";

/** The headers a cached manifest or blob is served with: its content headers, immutable. */
export function storedHeaders(headers) {
  const stored = new Headers({ "cache-control": IMMUTABLE });
  for (const name of CONTENT_HEADERS) if (headers.has(name)) stored.set(name, headers.get(name));
  return stored;
}

/**
 * The headers a cached manifest `entry` (rememberedManifest's, cachedManifest's) is answered
 * with, asked for by digest or by tag: its content headers less content-length (the runtime
 * sets it from the body) and, by digest only, immutable (a tag moves). A Headers made once per
 * entry and kind: workerd copies a Headers into a response natively, while a plain object's
 * headers are read one by one (about a microsecond each).
 */
export function servedManifestHeaders(entry, byDigest) {
  const made = byDigest ? entry.digestHeaders : entry.tagHeaders;
  if (made) return made;
  const out = new Headers(byDigest ? { "cache-control": IMMUTABLE } : {});
  for (const name of CONTENT_HEADERS) if (name !== "content-length" && entry.headers[name] !== undefined) out.set(name, entry.headers[name]);
  if (byDigest) entry.digestHeaders = out;
  else entry.tagHeaders = out;
  return out;
}

/** The Cache API, or a cache that never hits where the runtime has none. */
export const edgeCache = {
  async match(key) {
    try {
      return await caches.default.match(key);
    } catch {
      return undefined;
    }
  },
  async put(key, response) {
    try {
      await caches.default.put(key, response);
    } catch {
      await response.body?.cancel().catch(() => {});
    }
  },
  async delete(key) {
    try {
      await caches.default.delete(key);
    } catch {
      // no cache, nothing kept
    }
  },
};

/**
 * A least-recently-used map of verified manifests, bounded in bytes. Map iteration order is
 * insertion order, so the first key is the least recently used one.
 */
class ManifestMemory {
  constructor(maxBytes, maxEntryBytes) {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = maxEntryBytes;
    this.entries = new Map();
    this.bytes = 0;
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** `bytes` must already be verified against the digest in `key`. Returns the entry, or null when too large to keep. */
  set(key, bytes, headers) {
    if (bytes.byteLength > this.maxEntryBytes) return null;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes.byteLength;
      this.entries.delete(key);
    }
    const entry = { bytes, headers: Object.fromEntries(storedHeaders(headers)) };
    this.entries.set(key, entry);
    this.bytes += bytes.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes.byteLength;
    }
    return entry;
  }
}

const manifestMemory = new ManifestMemory(MEMORY_BYTES, MEMORY_ENTRY_BYTES);

/** The Cache API key of a manifest or blob: the upstream's own URL for it. */
export function cacheKey(settings, name, kind, digest) {
  return new Request(`${settings.upstream.origin}/v2/${name}/${kind}/${digest}`);
}

const memoryKey = (settings, name, digest) => `${settings.upstream.origin} ${name} ${digest}`;

/** The digest of `bytes` in the algorithm of `expected`, or null when the core can't compute it. */
export function checkedDigest(bytes, expected) {
  try {
    return core.digest(bytes, expected.slice(0, expected.indexOf(":")));
  } catch (err) {
    if (err instanceof PullgateError && err.code === "DIGEST_UNSUPPORTED") return null;
    throw err;
  }
}

/**
 * A manifest of repository `name` by `digest` from this isolate's memory, or null: `{ bytes,
 * headers }` with the headers stored with it as a plain object (lower-case names). The entry is the memory's
 * own: a caller may note facts derived from the bytes on it (they never change), never change
 * `bytes` or `headers`.
 */
export function rememberedManifest(settings, name, digest) {
  return manifestMemory.get(memoryKey(settings, name, digest));
}

/**
 * A cached manifest `{ bytes, headers }` (headers as a plain object, as rememberedManifest's) of repository `name`
 * by `digest`, or null: from this isolate's memory, else from the Cache API (checked against
 * the digest again before it is kept in memory: the check is a few microseconds for a
 * manifest).
 */
export async function cachedManifest(settings, name, digest) {
  const key = memoryKey(settings, name, digest);
  const remembered = manifestMemory.get(key);
  if (remembered) return remembered;
  const hit = await edgeCache.match(cacheKey(settings, name, "manifests", digest));
  if (!hit) return null;
  const bytes = new Uint8Array(await hit.arrayBuffer());
  if (checkedDigest(bytes, digest) !== digest) return null;
  return manifestMemory.set(key, bytes, hit.headers) ?? { bytes, headers: Object.fromEntries(storedHeaders(hit.headers)) };
}

/**
 * Keeps a manifest whose bytes hashed to `digest` (the caller checked): in memory at once, in
 * the Cache API after the response (ctx.waitUntil).
 */
export function storeManifest(ctx, settings, name, digest, bytes, headers) {
  manifestMemory.set(memoryKey(settings, name, digest), bytes, headers);
  ctx.waitUntil(edgeCache.put(cacheKey(settings, name, "manifests", digest), new Response(bytes, { headers: storedHeaders(headers) })));
}

/**
 * `stream` as a body of exactly `length` bytes (workerd's FixedLengthStream): the response
 * carries Content-Length, so a transfer cut short is one the client and the cache see as
 * incomplete. `done` settles when the copy ends, rejected when the stream failed or was short.
 */
export function sized(stream, length) {
  const fixed = new FixedLengthStream(length);
  const done = stream.pipeTo(fixed.writable);
  done.catch(() => {});
  return { readable: fixed.readable, done };
}

const verifiedMarker = (key) => new Request(`${key.url}?pullgate-verified`);

/**
 * A cached blob as a Response, or null. A blob that was written as it streamed is only served
 * when its write's verified marker is there (see storeBlob); every blob is served as exactly
 * the length that was verified (sized), so a short entry fails the transfer rather than
 * passing for the blob.
 */
export async function cachedBlob(ctx, settings, name, digest) {
  const key = cacheKey(settings, name, "blobs", digest);
  const hit = await edgeCache.match(key);
  if (!hit) return null;
  const expected = Number(hit.headers.get(BLOB_SIZE) ?? NaN);
  const write = hit.headers.get(BLOB_WRITE);
  let valid = Boolean(hit.body) && Number.isSafeInteger(expected) && expected > 0;
  if (valid && write !== null) {
    const marker = await edgeCache.match(verifiedMarker(key));
    valid = marker !== undefined && (await marker.text()) === write;
  }
  if (!valid) {
    await hit.body?.cancel().catch(() => {});
    ctx.waitUntil(edgeCache.delete(key));
    return null;
  }
  const { readable } = sized(hit.body, expected);
  return new Response(readable, { status: 200, headers: storedHeaders(hit.headers) });
}

// Blobs up to this size are written to the cache only once the whole body has been verified.
const BUFFERED_BLOB_BYTES = 16 * 1024 * 1024;

/**
 * Writes a blob to the edge cache from the digest check's stream, which errors when the bytes
 * do not hash to the digest (verify.js withholds the last chunk until they do).
 *
 * Up to BUFFERED_BLOB_BYTES, the write starts only after the stream has ended verified: no
 * cache ever sees a byte of a failed blob. A larger one is written as it streams (a worker
 * cannot hold it). A backend should drop a write whose body fails (workerd's contract, which
 * cache-service.js keeps), but Miniflare's cache keeps it with an empty body; so
 * the write carries an id, and only once the stream has ended verified is a marker naming that
 * id put beside it. cachedBlob serves a streamed blob only with its marker.
 */
export async function storeBlob(settings, name, digest, stream, length, headers) {
  const key = cacheKey(settings, name, "blobs", digest);
  const stored = storedHeaders(headers);
  stored.set(BLOB_SIZE, String(length));
  if (length <= BUFFERED_BLOB_BYTES) {
    let bytes;
    try {
      bytes = await new Response(stream).arrayBuffer();
    } catch {
      return;
    }
    if (bytes.byteLength === length) await edgeCache.put(key, new Response(bytes, { headers: stored }));
    return;
  }
  const write = crypto.randomUUID();
  stored.set(BLOB_WRITE, write);
  const { readable, done } = sized(stream, length);
  const put = edgeCache.put(key, new Response(readable, { headers: stored }));
  const verified = await done.then(
    () => true,
    () => false,
  );
  await put;
  if (verified) await edgeCache.put(verifiedMarker(key), new Response(write, { headers: { "cache-control": IMMUTABLE } }));
  else await edgeCache.delete(key);
}
