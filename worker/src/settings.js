// The gateway's settings (wrangler.toml [vars] and secrets, dev.mjs flags), checked once; a
// bad one is reported with its name. Shared by the worker and dev.mjs (which passes the
// package's Node entry as `core`), so a bad flag fails before workerd starts.

export const DEFAULTS = {
  PULL_LIMIT: "100;w=21600",
  REQUEST_LIMIT: "3000;w=60",
  CLIENT_IP_HEADER: "CF-Connecting-IP",
  // Workers Paid allows 10,000 subrequests per invocation and Free 50
  // (developers.cloudflare.com/workers/platform/limits/): 1000 leaves room either way on
  // Paid; on Free set 40.
  API_SUBREQUESTS: "1000",
};

export class SettingError extends Error {
  constructor(setting, message) {
    super(`invalid ${setting} setting: ${message}`);
    this.setting = setting;
  }
}

// RFC 9110 section 5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function httpUrl(setting, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new SettingError(setting, `${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new SettingError(setting, `${JSON.stringify(value)} is not an http(s) URL`);
  if (url.username || url.password) throw new SettingError(setting, `${JSON.stringify(value)} carries credentials: use UPSTREAM_USERNAME and UPSTREAM_PASSWORD`);
  if (url.search || url.hash) throw new SettingError(setting, `${JSON.stringify(value)} has a query or fragment`);
  return url;
}

function quota(core, setting, value) {
  try {
    return core.gatewayQuota(setting, String(value));
  } catch (err) {
    // The core's message already names the setting.
    if (err?.code) throw Object.assign(new Error(err.message), { setting });
    throw err;
  }
}

/**
 * `{ upstream, pullLimit, requestLimit, clientIpHeader, limitDocUrl, corsOrigins, apiSubrequests,
 * credentials }`
 * from `env`, or throws an error whose message names the bad setting.
 */
export function readSettings(env, core) {
  if (!env.UPSTREAM) throw new SettingError("UPSTREAM", "missing: the registry to front, e.g. https://registry-1.docker.io");
  const upstream = httpUrl("UPSTREAM", env.UPSTREAM);
  const pullLimit = quota(core, "PULL_LIMIT", env.PULL_LIMIT ?? DEFAULTS.PULL_LIMIT);
  const requestLimit = quota(core, "REQUEST_LIMIT", env.REQUEST_LIMIT ?? DEFAULTS.REQUEST_LIMIT);
  const clientIpHeader = (env.CLIENT_IP_HEADER ?? DEFAULTS.CLIENT_IP_HEADER).trim();
  if (!TOKEN.test(clientIpHeader)) throw new SettingError("CLIENT_IP_HEADER", `${JSON.stringify(clientIpHeader)} is not a header name`);
  const limitDocUrl = env.LIMIT_DOC_URL ? httpUrl("LIMIT_DOC_URL", env.LIMIT_DOC_URL).href : null;
  if (env.UPSTREAM_PASSWORD && !env.UPSTREAM_USERNAME) throw new SettingError("UPSTREAM_USERNAME", "missing while UPSTREAM_PASSWORD is set");
  if (env.UPSTREAM_USERNAME && !env.UPSTREAM_PASSWORD) throw new SettingError("UPSTREAM_PASSWORD", "missing while UPSTREAM_USERNAME is set");
  if (env.UPSTREAM_USERNAME?.includes(":")) throw new SettingError("UPSTREAM_USERNAME", "must not contain ':' (RFC 7617)");
  const rawSubrequests = String(env.API_SUBREQUESTS ?? DEFAULTS.API_SUBREQUESTS).trim();
  const apiSubrequests = Number(rawSubrequests);
  if (!/^[0-9]+$/.test(rawSubrequests) || apiSubrequests < 8 || apiSubrequests > 1_000_000) {
    throw new SettingError("API_SUBREQUESTS", `${JSON.stringify(rawSubrequests)} is not a whole number from 8 to 1000000`);
  }
  const corsOrigins = (env.CORS_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      if (o === "*") return o;
      const url = httpUrl("CORS_ORIGINS", o);
      if (url.origin !== o.replace(/\/$/, "")) throw new SettingError("CORS_ORIGINS", `${JSON.stringify(o)} is not an origin (scheme://host[:port])`);
      return url.origin;
    });
  return {
    upstream,
    pullLimit,
    requestLimit,
    clientIpHeader: clientIpHeader.toLowerCase(),
    limitDocUrl,
    corsOrigins,
    apiSubrequests,
    credentials: Boolean(env.UPSTREAM_USERNAME),
  };
}
