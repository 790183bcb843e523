// Per-isolate view of the settings and the client key of a request.
import { core, PullgateError } from "./core.js";
import { readSettings } from "./settings.js";

const cache = new WeakMap();

/** The checked settings of `env` (memoized per env object); throws naming a bad setting. */
export function settingsOf(env) {
  let entry = cache.get(env);
  if (!entry) {
    try {
      entry = { settings: readSettings(env, core) };
    } catch (err) {
      entry = { error: err };
    }
    cache.set(env, entry);
  }
  if (entry.error) throw entry.error;
  return entry.settings;
}

/**
 * The client key of a request: the address in the configured header (CF-Connecting-IP by
 * default; in a list such as X-Forwarded-For, the last entry, the one the trusted proxy
 * added), IPv6 as its /64 (the core's rule). Throws a PullgateError when it is missing or not
 * an address.
 */
export function clientKeyOf(request, settings) {
  const value = request.headers.get(settings.clientIpHeader);
  if (!value) throw new PullgateError("HEADER_INVALID", `the request has no ${settings.clientIpHeader} header to key limits on (see CLIENT_IP_HEADER)`);
  const ip = value.includes(",") ? value.split(",").pop().trim() : value.trim();
  let key = keys.get(ip);
  if (key === undefined) {
    key = core.gatewayClientKey(ip);
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(ip, key);
  }
  return key;
}

// The core's answer per address, remembered in the isolate (a busy client sends the same
// address on every request; the wasm call was a visible part of a request's CPU).
const MAX_KEYS = 4096;
const keys = new Map();
