// The Cache API for the self-hosted gateway: plain workerd has no cache of its own and sends
// `caches.default` operations to the service named by the worker's `cacheApiOutbound`
// (workerd.capnp). This is that service, a worker holding responses in memory, bounded in
// bytes, least recently used out first. `dev.mjs --emit-config` wires it in
// (workerd-config.mjs); on Cloudflare and in Miniflare the runtime's own cache is used instead.
//
// The protocol, as workerd's api/cache.c++ speaks it (and Miniflare's cache worker answers):
// * match: GET of the key's URL with `Cache-Control: only-if-cached`; the answer is the stored
//   response with `CF-Cache-Status: HIT`, or anything with `CF-Cache-Status: MISS` (a 504).
// * put: PUT of the key's URL whose body is the response serialized as an HTTP/1.1 message
//   (status line, headers, blank line) followed by its body, never chunk-encoded even when the
//   head says `Transfer-Encoding: chunked`. Answered 204 when stored, 413 when not.
// * delete: PURGE of the key's URL; 200 when something was deleted, else 404.
// Named caches (`caches.open(name)`) add a `CF-Cache-Namespace` header.
//
// What is stored: a 200 whose Cache-Control gives a positive `s-maxage` or `max-age` and says
// none of `no-store`, `private`, `no-cache`, without `Set-Cookie` (Cloudflare's rules for
// cacheable responses, reduced to what the gateway sends), for that many seconds. A payload
// that ends before its head's `Content-Length`, or whose stream fails (the gateway errors a
// blob's stream when its digest does not match), is not stored: only a complete body is.
// Conditional and range requests are answered with the full response.

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const entries = new Map();
let total = 0;

function limits(env) {
  const max = Number(env.MAX_BYTES);
  const maxBytes = Number.isSafeInteger(max) && max > 0 ? max : DEFAULT_MAX_BYTES;
  // One entry may take at most a quarter of the cache.
  return { maxBytes, maxEntryBytes: Math.floor(maxBytes / 4) };
}

const keyOf = (request) => `${request.headers.get("cf-cache-namespace") ?? ""} ${request.url}`;

function remove(key) {
  const entry = entries.get(key);
  if (!entry) return false;
  entries.delete(key);
  total -= entry.body.byteLength;
  return true;
}

/** Seconds the response may be kept, or 0 (RFC 9111 section 5.2.2, the directives used). */
function freshSeconds(headers) {
  if (headers.has("set-cookie")) return 0;
  const directives = new Map();
  for (const part of (headers.get("cache-control") ?? "").split(",")) {
    const [name, value] = part.trim().toLowerCase().split("=");
    if (name) directives.set(name, value?.replace(/^"|"$/g, ""));
  }
  if (["no-store", "private", "no-cache"].some((d) => directives.has(d))) return 0;
  const seconds = Number(directives.get("s-maxage") ?? directives.get("max-age"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** Reads `body` to the end, or null when it passes `max` bytes or fails before its end. */
async function readBounded(body, max) {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > max) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** `{ status, statusText, headers, body }` of a serialized HTTP/1.1 response, or null. */
function parseResponse(bytes) {
  let end = -1;
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const [statusLine, ...lines] = new TextDecoder().decode(bytes.subarray(0, end)).split("\r\n");
  const status = statusLine.match(/^HTTP\/1\.[01] (\d{3}) ?(.*)$/);
  if (!status) return null;
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const body = bytes.subarray(end + 4);
  const length = headers.get("content-length");
  if (length !== null && Number(length) !== body.byteLength) return null;
  headers.delete("transfer-encoding");
  headers.delete("content-length");
  return { status: Number(status[1]), statusText: status[2], headers, body };
}

async function put(request, env) {
  const { maxBytes, maxEntryBytes } = limits(env);
  const payload = await readBounded(request.body, maxEntryBytes + 64 * 1024);
  const parsed = payload && parseResponse(payload);
  const seconds = parsed && parsed.status === 200 ? freshSeconds(parsed.headers) : 0;
  if (!parsed || !seconds || parsed.body.byteLength > maxEntryBytes) return new Response(null, { status: 413 });
  const key = keyOf(request);
  remove(key);
  // A copy: the payload's head is not kept.
  const body = parsed.body.slice();
  entries.set(key, { ...parsed, headers: [...parsed.headers], body, expires: Date.now() + seconds * 1000 });
  total += body.byteLength;
  for (const [oldest] of entries) {
    if (total <= maxBytes) break;
    remove(oldest);
  }
  return new Response(null, { status: 204 });
}

function match(request) {
  const key = keyOf(request);
  const entry = entries.get(key);
  if (!entry || entry.expires <= Date.now()) {
    remove(key);
    return new Response(null, { status: 504, headers: { "cf-cache-status": "MISS" } });
  }
  entries.delete(key);
  entries.set(key, entry);
  const headers = new Headers(entry.headers);
  headers.set("cf-cache-status", "HIT");
  headers.set("content-length", String(entry.body.byteLength));
  return new Response(entry.body, { status: entry.status, statusText: entry.statusText, headers });
}

export default {
  async fetch(request, env) {
    if (request.method === "GET") return match(request);
    if (request.method === "PUT") return put(request, env);
    if (request.method === "PURGE") return new Response(null, { status: remove(keyOf(request)) ? 200 : 404 });
    return new Response(null, { status: 405 });
  },
};
