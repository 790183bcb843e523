// Every request to the upstream registry goes through upstreamFetch: the only place that
// contacts the network, and only the configured UPSTREAM (plus its token realm and the hosts
// its redirects name). Used by the /v2/ proxy and by /api/v1/ (worker/src/api.js).
//
//   upstreamFetch(env, path, init = {}) -> Promise<Response>
//
// * `path` is a path on the upstream (`/v2/library/alpine/manifests/latest`, with any query).
// * `init`: `{ method = "GET", headers, timeoutMs }`; the caller's headers are sent as given
//   except `authorization`, which is the gateway's own.
// * The Bearer token dance (distribution's token spec) is done here: on a 401 with a Bearer
//   challenge the token is fetched from the realm (anonymously, or with UPSTREAM_USERNAME /
//   UPSTREAM_PASSWORD as Basic credentials), cached per scope until it expires, and the request
//   retried once. A realm must be https or on the upstream's own origin. A Basic challenge is
//   answered with the configured credentials, if any.
// * Redirects (blob storage) are followed here, never by the client; `Authorization` is only
//   ever sent to the upstream's own origin.
// * It never rejects: an upstream that refuses the connection, times out (headers not within
//   `timeoutMs`, default UPSTREAM_TIMEOUT_MS or 30 s) or loops redirects gives a 502 or 504 in
//   the distribution error form, marked with a `pullgate-upstream-error: 1` header.
//
//   idleTimeout(env, body) -> ReadableStream
//
// * A response body that errors when the upstream sends nothing for UPSTREAM_TIMEOUT_MS (30 s)
//   while it is being read: a stalled blob fails the client's transfer instead of holding it
//   open forever. Time spent waiting on a slow reader does not count.
import { coreFn } from "./core.js";
import { registryError } from "./errors.js";

const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 30_000;
// A token is dropped this long before its announced expiry, for clock skew and latency.
const EXPIRY_MARGIN_MS = 5_000;

// Per-isolate cache: `${upstream origin} ${scope}` -> { token, expires } or a pending promise.
const tokens = new Map();

/** The scope a path needs, as distribution's token spec names it ("" for /v2/ itself). */
function scopeOf(path) {
  const pathname = path.split("?")[0];
  const repo = pathname.match(/^\/v2\/(.+)\/(?:manifests|blobs|tags|referrers)\//);
  if (repo) return `repository:${repo[1]}:pull`;
  if (pathname === "/v2/_catalog") return "registry:catalog:*";
  return "";
}

function timeoutOf(env, init) {
  const ms = Number(init.timeoutMs ?? env.UPSTREAM_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

function basicCredentials(env) {
  if (!env.UPSTREAM_USERNAME) return null;
  const bytes = new TextEncoder().encode(`${env.UPSTREAM_USERNAME}:${env.UPSTREAM_PASSWORD ?? ""}`);
  return "Basic " + btoa(String.fromCharCode(...bytes));
}

class UpstreamFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * One fetch with a deadline on the response headers (the body then streams for as long as it
 * takes: a blob may be large). Network failures and the deadline become UpstreamFailure.
 */
async function fetchWithDeadline(url, options, timeoutMs) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return await fetch(url, { ...options, signal: controller.signal, redirect: "manual" });
  } catch (err) {
    if (timedOut) throw new UpstreamFailure(504, `upstream ${new URL(url).host} did not answer within ${timeoutMs} ms`);
    throw new UpstreamFailure(502, `upstream ${new URL(url).host} did not answer: ${err.message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** fetch following redirects here; `authorization` goes only to `origin`. */
async function fetchFollowing(url, method, headers, origin, timeoutMs) {
  let target = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const hopHeaders = new Headers(headers);
    if (target.origin !== origin) hopHeaders.delete("authorization");
    if (target.protocol !== "https:" && target.protocol !== "http:") {
      throw new UpstreamFailure(502, `upstream redirected to a ${target.protocol} URL`);
    }
    const response = await fetchWithDeadline(target, { method, headers: hopHeaders }, timeoutMs);
    const location = response.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
    await response.body?.cancel();
    target = new URL(location, target);
  }
  throw new UpstreamFailure(502, `upstream redirected more than ${MAX_REDIRECTS} times`);
}

/** The Bearer challenge of a 401, or null (parsed by the core). */
function bearerChallenge(response) {
  const value = response.headers.get("www-authenticate");
  if (!value) return null;
  let challenges;
  try {
    challenges = coreFn("parseWwwAuthenticate")(value);
  } catch (err) {
    if (err?.code === "HEADER_INVALID") throw new UpstreamFailure(502, `upstream sent a malformed WWW-Authenticate: ${err.message}`);
    throw err;
  }
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic") ?? null;
}

/** Fetches a token for `challenge` from its realm (which must be https or the upstream's origin). */
async function fetchToken(env, upstream, challenge, timeoutMs) {
  const { realm, service, scope } = challenge.params;
  let url;
  try {
    url = new URL(realm);
  } catch {
    throw new UpstreamFailure(502, `upstream token realm is not a URL: ${JSON.stringify(realm)}`);
  }
  if (url.protocol !== "https:" && url.origin !== upstream.origin) {
    throw new UpstreamFailure(502, `upstream token realm ${url.origin} is neither https nor the upstream's own origin`);
  }
  if (service) url.searchParams.set("service", service);
  for (const s of (scope ?? "").split(" ").filter(Boolean)) url.searchParams.append("scope", s);
  const headers = new Headers({ accept: "application/json" });
  const basic = basicCredentials(env);
  if (basic) headers.set("authorization", basic);
  // The realm is contacted directly (no redirects followed with credentials).
  const response = await fetchWithDeadline(url, { method: "GET", headers }, timeoutMs);
  const text = await response.text();
  if (response.status !== 200) {
    throw new UpstreamFailure(502, `upstream token realm ${url.host} answered ${response.status}`);
  }
  let answer;
  try {
    answer = coreFn("parseTokenResponse")(text);
  } catch (err) {
    if (err?.code) throw new UpstreamFailure(502, `upstream token realm sent an invalid token response: ${err.message}`);
    throw err;
  }
  return { token: answer.token, expires: Date.now() + answer.expiresIn * 1000 - EXPIRY_MARGIN_MS };
}

/** A cached token for `key`, or fetches one (concurrent callers share one fetch). */
async function tokenFor(key, fetchOne) {
  const cached = tokens.get(key);
  if (cached && !(cached instanceof Promise) && cached.expires > Date.now()) return cached.token;
  if (cached instanceof Promise) return (await cached).token;
  const pending = fetchOne();
  tokens.set(key, pending);
  try {
    const entry = await pending;
    tokens.set(key, entry);
    return entry.token;
  } catch (err) {
    tokens.delete(key);
    throw err;
  }
}

function cachedToken(key) {
  const cached = tokens.get(key);
  return cached && !(cached instanceof Promise) && cached.expires > Date.now() ? cached.token : null;
}

// UPSTREAM parsed once per value.
let parsed = { value: null, url: null, base: null };

export async function upstreamFetch(env, path, init = {}) {
  if (parsed.value !== env.UPSTREAM) {
    const url = new URL(env.UPSTREAM);
    parsed = { value: env.UPSTREAM, url, base: url.href.replace(/\/+$/, "") };
  }
  const { url: upstream, base } = parsed;
  const url = `${base}${path}`;
  const method = init.method ?? "GET";
  const timeoutMs = timeoutOf(env, init);
  const headers = new Headers(init.headers ?? {});
  headers.delete("authorization");
  const key = `${upstream.origin} ${scopeOf(path)}`;
  try {
    const known = cachedToken(key);
    if (known) headers.set("authorization", `Bearer ${known}`);
    let response = await fetchFollowing(url, method, headers, upstream.origin, timeoutMs);
    if (response.status !== 401) return response;
    const challenge = bearerChallenge(response);
    if (!challenge) return response;
    let authorization;
    if (challenge.scheme === "basic") {
      authorization = basicCredentials(env);
      if (!authorization) return response;
    } else {
      if (!challenge.params?.realm) throw new UpstreamFailure(502, "upstream Bearer challenge has no realm");
      if (known) tokens.delete(key); // rejected: expired or revoked early
      const token = await tokenFor(key, () => fetchToken(env, upstream, challenge, timeoutMs));
      authorization = `Bearer ${token}`;
    }
    await response.body?.cancel();
    headers.set("authorization", authorization);
    response = await fetchFollowing(url, method, headers, upstream.origin, timeoutMs);
    return response;
  } catch (err) {
    if (!(err instanceof UpstreamFailure)) throw err;
    return registryError(err.status, "UNAVAILABLE", err.message, { "pullgate-upstream-error": "1" });
  }
}

export class UpstreamStalled extends Error {}

export function idleTimeout(env, body) {
  const ms = timeoutOf(env, {});
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      let timer;
      const stalled = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new UpstreamStalled(`the upstream sent nothing for ${ms} ms`)), ms);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stalled]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        reader.cancel(err).catch(() => {});
        controller.error(err);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** For tests and the load benchmark: forget cached tokens. */
export function clearTokenCache() {
  tokens.clear();
}
