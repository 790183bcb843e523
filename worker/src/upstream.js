// Every request to the upstream registry goes through upstreamFetch: the only place that
// contacts the network, and only the configured UPSTREAM (plus its token realm and the hosts
// its redirects name). Used by the /v2/ proxy and by /api/v1/ (worker/src/api.js).
//
// The rules of a registry client are the core's (src/registry.rs, the same the npm package's
// RegistryClient follows): the scope a path needs, the token dance and its realm policy, the
// token cache, which credentials go to which URL, where a redirect leads, Link pagination.
// This file is the fetch loop around them, and the gateway's own concerns: deadlines, the
// never-reject contract, the credentials from env, and one session per upstream shared by
// the isolate's requests (one token fetch in flight per scope, whoever needs it).
//
//   upstreamFetch(env, path, init = {}) -> Promise<Response>
//
// * `path` is a path on the upstream (`/v2/library/alpine/manifests/latest`, with any query).
// * `init`: `{ method = "GET", headers, timeoutMs, wholeResponse }`; the caller's headers (a
//   Headers, an object or an array of pairs) are sent as given except `authorization`, which
//   is the gateway's own. `wholeResponse`: the deadline covers the body too (a manifest, which
//   the caller buffers: reading its body then fails with a TimeoutError once `timeoutMs` has
//   passed since the request was sent); otherwise it covers the headers only and the body streams for
//   as long as it takes (a blob: see idleTimeout).
// * On a 401 the core answers the challenge: a Bearer token fetched from the realm
//   (anonymously, or with UPSTREAM_USERNAME / UPSTREAM_PASSWORD as Basic credentials; the
//   realm must be https or the upstream's own origin), cached per scope until shortly before
//   it expires, then the request retried once; or, after a Basic challenge, the configured
//   credentials (sent up front from then on). A 401 the core can't answer (no challenge, no
//   credentials, credentials refused) is passed on as the upstream's answer.
// * Redirects (blob storage) are followed here, never by the client; `Authorization` is only
//   ever sent to the upstream's own origin.
// * It never rejects: an upstream that refuses the connection, times out (headers not within
//   `timeoutMs`, default UPSTREAM_TIMEOUT_MS or 30 s, per hop), loops redirects, redirects where the
//   core does not follow or sends a challenge the core refuses gives a 502 or 504 in the
//   distribution error form, marked with a `pullgate-upstream-error: 1` header.
//
//   upstreamNextPage(env, path, link) -> string | null
//
// * The path of the next page of a paginated list (`Link: <...>; rel="next"`) after the
//   response to `path`, or null on the last page. Throws the core's PullgateError
//   (REGISTRY_ERROR) for a malformed Link or one on another origin: the gateway only ever
//   contacts its configured upstream.
//
//   upstreamTimeoutMs(env) -> number
//
// * The deadline above (UPSTREAM_TIMEOUT_MS, default 30 s), for messages that name it.
//
//   idleTimeout(env, body) -> ReadableStream
//
// * A response body that errors when the upstream sends nothing for UPSTREAM_TIMEOUT_MS (30 s)
//   while it is being read: a stalled blob fails the client's transfer instead of holding it
//   open forever. Time spent waiting on a slow reader does not count.
import { coreFn } from "./core.js";
import { registryError } from "./errors.js";

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_TIMEOUT_MS = 30_000;
// Sessions kept per isolate: one per UPSTREAM and credentials, of which a deployment has one.
const MAX_UPSTREAMS = 8;

// Per isolate: `${UPSTREAM}\n${username}\n${password}` -> { session, base, prefix, pending }.
// `session` is the core's (its Bearer tokens by scope, whether the upstream asked for Basic);
// `pending` holds the token fetches in flight by scope, so concurrent requests share one.
const upstreams = new Map();

/** The deadline of upstream requests, in ms (UPSTREAM_TIMEOUT_MS, default 30 s). */
export function upstreamTimeoutMs(env) {
  return timeoutOf(env, {});
}

function timeoutOf(env, init) {
  const ms = Number(init.timeoutMs ?? env.UPSTREAM_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

class UpstreamFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A core error (a PullgateError, which has a code) as an UpstreamFailure; anything else as is. */
function failure(err, prefix) {
  return err?.code ? new UpstreamFailure(502, `${prefix}: ${err.message}`) : err;
}

// The same per env object (the isolate's, as long as its settings don't change).
let upstreamsByEnv = new WeakMap();

/** The session with env's upstream, made on first use. */
function upstreamOf(env) {
  const remembered = upstreamsByEnv.get(env);
  if (remembered?.upstream === env.UPSTREAM) return remembered;
  const made = sessionOf(env);
  upstreamsByEnv.set(env, made);
  return made;
}

function sessionOf(env) {
  const username = env.UPSTREAM_USERNAME || undefined;
  const password = username === undefined ? undefined : (env.UPSTREAM_PASSWORD ?? "");
  const key = `${env.UPSTREAM}\n${username ?? ""}\n${password ?? ""}`;
  const known = upstreams.get(key);
  if (known) return known;
  let url;
  try {
    url = new URL(env.UPSTREAM);
  } catch {
    throw new UpstreamFailure(502, `UPSTREAM is not a URL: ${JSON.stringify(env.UPSTREAM)}`);
  }
  let session;
  try {
    session = new (coreFn("__RegistrySession"))(url.origin, username, password);
  } catch (err) {
    throw failure(err, `UPSTREAM ${JSON.stringify(env.UPSTREAM)} is not a registry the gateway can use`);
  }
  const upstream = {
    upstream: env.UPSTREAM,
    session,
    base: url.href.replace(/\/+$/, ""),
    prefix: url.pathname.replace(/\/+$/, ""),
    pending: new Map(),
  };
  if (upstreams.size >= MAX_UPSTREAMS) upstreams.delete(upstreams.keys().next().value);
  upstreams.set(key, upstream);
  return upstream;
}

/**
 * One fetch with a deadline. `whole`: on the whole response, headers and body (the runtime's
 * `AbortSignal.timeout`, nothing to clear: measured cheaper per request than a timer and an
 * AbortController; a body read after it fired errors); else on the response headers only (the
 * body then streams for as long as it takes: a blob may be large). Network failures and the
 * deadline before the headers become UpstreamFailure.
 */
function fetchWithDeadline(url, options, timeoutMs, whole) {
  if (whole) {
    const signal = AbortSignal.timeout(timeoutMs);
    return fetch(url, { method: options.method, headers: options.headers, signal, redirect: "manual" }).catch((err) => {
      throw fetchFailure(url, timeoutMs, signal.aborted, err);
    });
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  return fetch(url, { method: options.method, headers: options.headers, signal: controller.signal, redirect: "manual" }).then(
    (response) => {
      clearTimeout(timer);
      return response;
    },
    (err) => {
      clearTimeout(timer);
      throw fetchFailure(url, timeoutMs, timedOut, err);
    },
  );
}

function fetchFailure(url, timeoutMs, timedOut, err) {
  if (timedOut) return new UpstreamFailure(504, `upstream ${new URL(url).host} did not answer within ${timeoutMs} ms`);
  return new UpstreamFailure(502, `upstream ${new URL(url).host} did not answer: ${err.message}`);
}

/**
 * fetch following redirects here; the core says which hop gets `authorization`, and where the
 * next hop is. `headers`: sentHeaders', sent as is unless a hop carries credentials.
 */
async function fetchFollowing(session, url, method, headers, authorization, timeoutMs, whole) {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // Without an authorization there are no credentials for any hop (credentialsFor passes
    // on the one it is given, or none): no call to make.
    const credentials = authorization === undefined ? undefined : session.credentialsFor(current, authorization);
    const hopHeaders = credentials ? withAuthorization(headers, credentials) : headers;
    const response = await fetchWithDeadline(current, { method, headers: hopHeaders }, timeoutMs, whole);
    if (!REDIRECTS.has(response.status)) return response;
    const location = response.headers.get("location");
    if (!location) return response;
    await response.body?.cancel();
    try {
      current = coreFn("__redirectTarget")(location, current);
    } catch (err) {
      throw failure(err, `upstream ${new URL(current).host} redirected where the gateway does not follow`);
    }
  }
  throw new UpstreamFailure(502, `upstream redirected more than ${MAX_REDIRECTS} times`);
}

/** Asks the token server the core named; the core caches the token and returns the retry's Authorization. */
async function fetchToken(session, request, scope, timeoutMs) {
  const headers = new Headers({ accept: "application/json" });
  if (request.authorization) headers.set("authorization", request.authorization);
  const host = new URL(request.url).host;
  // The realm is contacted directly (no redirects followed with credentials).
  const response = await fetchWithDeadline(request.url, { method: "GET", headers }, timeoutMs, false);
  let text;
  try {
    text = await response.text();
  } catch (err) {
    throw new UpstreamFailure(502, `upstream token realm ${host} broke off its answer: ${err.message}`);
  }
  if (response.status !== 200) {
    throw new UpstreamFailure(502, `upstream token realm ${host} answered ${response.status}`);
  }
  try {
    return session.acceptToken(scope, text, Date.now());
  } catch (err) {
    throw failure(err, "upstream token realm sent an invalid token response");
  }
}

/**
 * The Authorization to retry a 401 with (sent: what the request carried), or null when the
 * 401 is the upstream's answer.
 */
async function answer(upstream, response, scope, sent, timeoutMs) {
  const { session, pending } = upstream;
  // Another request renewed the token (or met a Basic challenge) meanwhile: retry with that.
  const current = session.authorization(scope, Date.now());
  if (current !== undefined && current !== sent) return current;
  const inFlight = pending.get(scope);
  if (inFlight) return inFlight;
  let request;
  try {
    request = session.upstreamUnauthorized(response.headers.get("www-authenticate") ?? undefined, scope);
  } catch (err) {
    throw failure(err, `upstream ${new URL(response.url || upstream.base).host} sent a challenge the gateway can't follow`);
  }
  if (request === null) return null;
  if (request === undefined) return session.authorization(scope, Date.now()) ?? null; // Basic
  const fetching = fetchToken(session, request, scope, timeoutMs);
  pending.set(scope, fetching);
  try {
    return await fetching;
  } finally {
    if (pending.get(scope) === fetching) pending.delete(scope);
  }
}

/**
 * The caller's headers less `authorization` (the gateway's own): a Headers stays one (copied),
 * an object or an array of pairs becomes a plain object (what workerd reads fastest). An object
 * without `authorization` is used as it is: the caller must not change it afterwards.
 */
function sentHeaders(given) {
  if (given instanceof Headers) {
    const headers = new Headers(given);
    headers.delete("authorization");
    return headers;
  }
  if (!given) return {};
  if (!Array.isArray(given) && !hasAuthorization(given)) return given; // sent as it is: no copy
  const out = {};
  for (const [name, value] of Array.isArray(given) ? given : Object.entries(given)) {
    if (name.toLowerCase() === "authorization") continue;
    if (name in out) return sentHeaders(new Headers(given)); // a name like `__proto__`, or repeated
    out[name] = value;
  }
  return out;
}

function hasAuthorization(object) {
  for (const name in object) if (name.toLowerCase() === "authorization") return true;
  return false;
}

/** `headers` (sentHeaders') with `authorization` added, as a copy. */
function withAuthorization(headers, authorization) {
  if (headers instanceof Headers) {
    const copy = new Headers(headers);
    copy.set("authorization", authorization);
    return copy;
  }
  return { ...headers, authorization };
}

// The core's scope per path, remembered in the isolate (a pure function of the path, and a
// wasm call per upstream request otherwise).
const MAX_SCOPES = 4096;
const scopes = new Map();

function scopeOf(path) {
  let scope = scopes.get(path);
  if (scope === undefined) {
    scope = coreFn("__scopeForPath")(path);
    if (scopes.size >= MAX_SCOPES) scopes.clear();
    scopes.set(path, scope);
  }
  return scope;
}

export async function upstreamFetch(env, path, init = {}) {
  const method = init.method ?? "GET";
  const timeoutMs = timeoutOf(env, init);
  const whole = init.wholeResponse === true;
  const headers = sentHeaders(init.headers);
  try {
    const upstream = upstreamOf(env);
    const { session } = upstream;
    const url = `${upstream.base}${path}`;
    const scope = scopeOf(path);
    const sent = session.authorization(scope, Date.now());
    const response = await fetchFollowing(session, url, method, headers, sent, timeoutMs, whole);
    if (response.status !== 401) return response;
    let authorization;
    try {
      authorization = await answer(upstream, response, scope, sent, timeoutMs);
    } finally {
      if (authorization !== null) await response.body?.cancel().catch(() => {});
    }
    if (authorization === null) return response;
    return await fetchFollowing(session, url, method, headers, authorization, timeoutMs, whole);
  } catch (err) {
    if (!(err instanceof UpstreamFailure)) throw err;
    return registryError(err.status, "UNAVAILABLE", err.message, { "pullgate-upstream-error": "1" });
  }
}

export function upstreamNextPage(env, path, link) {
  const upstream = upstreamOf(env);
  const next = upstream.session.nextPage(link ?? undefined, `${upstream.base}${path}`);
  if (next == null) return null;
  const { pathname, search } = new URL(next);
  const under = upstream.prefix && pathname.startsWith(`${upstream.prefix}/`) ? pathname.slice(upstream.prefix.length) : pathname;
  return under + search;
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

/** For tests and the load benchmark: forget the upstream sessions (their cached tokens). */
export function clearTokenCache() {
  upstreams.clear();
  upstreamsByEnv = new WeakMap();
}
