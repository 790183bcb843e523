// RegistryClient: the distribution API over `fetch` (browsers, Workers, Node 18+). This file
// is the fetch loop and the streaming only: every rule (references, scopes, manifests,
// platform selection, digests, rate limits, and the client's own: which credentials go to
// which URL, the token dance and its cache, the realm policy, Link pagination, redirects) is
// a core export (src/registry.rs through src/js/registry.rs).
import * as wasm from "./pullgate.js";
import { PullgateError } from "__ERROR_MODULE__";
import { DigestVerifier, MANIFEST_ACCEPT, parseReference } from "./api.js";

const MAX_REDIRECTS = 5;
const MAX_PAGES = 10000;

/** A fetch failure's message, with its cause (undici puts the reason there). */
function reason(err) {
  const cause = err?.cause;
  return `${err?.message ?? err}${cause ? ` (${cause.code ?? cause.message ?? cause})` : ""}`;
}

function registryError(message, status) {
  const err = new PullgateError("REGISTRY_ERROR", message);
  if (status !== undefined) err.status = status;
  return err;
}

/** The first error code and message of a distribution error body, for messages. */
async function describe(response) {
  try {
    const body = await response.text();
    const first = JSON.parse(body)?.errors?.[0];
    if (first?.code) return `${first.code}${first.message ? `: ${first.message}` : ""}`;
    return body.slice(0, 200);
  } catch {
    return "";
  }
}

export class RegistryClient {
  #base;
  #fetch;
  #session; // core: credentials, Basic in use, Bearer tokens by scope

  constructor(options) {
    if (options === null || typeof options !== "object") {
      throw new PullgateError("INVALID_ARGUMENT", "options must be an object with a baseUrl");
    }
    let baseUrl, fetcher, username, password;
    try {
      ({ baseUrl, fetch: fetcher, username, password } = options);
    } catch {
      throw new PullgateError("INVALID_ARGUMENT", "options must be a readable object");
    }
    let base;
    try {
      base = new URL(baseUrl);
    } catch {
      throw new PullgateError("INVALID_ARGUMENT", `baseUrl must be an http(s) URL`);
    }
    if (base.protocol !== "https:" && base.protocol !== "http:") {
      throw new PullgateError("INVALID_ARGUMENT", `baseUrl must be an http(s) URL, got ${JSON.stringify(base.href)}`);
    }
    this.#base = base.href.replace(/\/+$/, "");
    fetcher ??= globalThis.fetch;
    if (typeof fetcher !== "function") throw new PullgateError("INVALID_ARGUMENT", "fetch must be a function");
    this.#fetch = fetcher;
    if (username !== undefined || password !== undefined) {
      if (typeof username !== "string" || typeof password !== "string") {
        throw new PullgateError("INVALID_ARGUMENT", "username and password must both be strings");
      }
    }
    this.#session = new wasm.__RegistrySession(base.origin, username, password);
  }

  /** One page of tags. */
  async tags(repository, { n, last } = {}) {
    const { body } = await this.#json(this.#url(`/v2/${repository}/tags/list`, { n, last }), this.#scope(repository));
    return body.tags ?? [];
  }

  /** Every tag, following `Link` on the registry's own origin (`n`: the page size to ask). */
  async allTags(repository, { n } = {}) {
    const tags = [];
    let url = this.#url(`/v2/${repository}/tags/list`, { n });
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const { body, response } = await this.#json(url, this.#scope(repository));
      tags.push(...(body.tags ?? []));
      url = this.#session.nextPage(response.headers.get("link") ?? undefined, url) ?? null;
    }
    return tags;
  }

  /** One page of the catalog. */
  async catalog({ n, last } = {}) {
    const { body } = await this.#json(this.#url("/v2/_catalog", { n, last }), wasm.formatScope({ type: "registry", name: "catalog", actions: ["*"] }));
    return body.repositories ?? [];
  }

  /** The manifest, verified; an index resolved to `platform` when given. */
  async manifest(reference, { platform } = {}) {
    const { repository, ref, digest } = this.#reference(reference);
    const response = await this.#request(this.#url(`/v2/${repository}/manifests/${ref}`, {}), this.#scope(repository), { accept: MANIFEST_ACCEPT });
    const bytes = new Uint8Array(await this.#read(response));
    wasm.__checkManifest(bytes, digest, response.headers.get("docker-content-digest") ?? undefined);
    const manifest = wasm.parseManifest(bytes, response.headers.get("content-type") ?? undefined);
    const rateLimit = wasm.parseRateLimit(response.headers);
    if (platform !== undefined && manifest.kind === "index") {
      const chosen = wasm.selectPlatform(bytes, platform);
      if (!chosen) {
        throw registryError(`no manifest for platform ${typeof platform === "string" ? platform : wasm.formatPlatform(platform)} in ${reference}`);
      }
      return this.manifest(`${repository}@${chosen.digest}`);
    }
    return { ...manifest, rateLimit };
  }

  /** `HEAD` of a manifest: digest, media type, size and rate limit; no pull counted. */
  async headManifest(reference) {
    const { repository, ref, digest } = this.#reference(reference);
    const response = await this.#request(this.#url(`/v2/${repository}/manifests/${ref}`, {}), this.#scope(repository), { accept: MANIFEST_ACCEPT, method: "HEAD" });
    return {
      digest: wasm.__headDigest(response.headers.get("docker-content-digest") || undefined, digest, reference, response.status),
      mediaType: (response.headers.get("content-type") ?? "").split(";")[0].trim(),
      size: Number(response.headers.get("content-length") ?? NaN),
      rateLimit: wasm.parseRateLimit(response.headers),
    };
  }

  /** A blob, verified against `digest` while it streams. */
  async blob(repository, digest) {
    const verifier = new DigestVerifier(digest);
    try {
      const response = await this.#request(this.#url(`/v2/${repository}/blobs/${digest}`, {}), this.#scope(repository), {});
      const chunks = [];
      let total = 0;
      if (response.body?.getReader) {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          verifier.update(value);
          chunks.push(value);
          total += value.length;
        }
      } else {
        const all = new Uint8Array(await response.arrayBuffer());
        verifier.update(all);
        chunks.push(all);
        total = all.length;
      }
      if (!verifier.verify()) {
        throw new PullgateError("DIGEST_MISMATCH", `blob ${repository}@${digest}: content does not match its digest`);
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    } finally {
      verifier.free();
    }
  }

  // ---- internals --------------------------------------------------------------------------

  #reference(reference) {
    const r = parseReference(reference);
    return { repository: r.name, ref: r.digest ?? r.tag ?? "latest", digest: r.digest };
  }

  #scope(repository) {
    return wasm.formatScope({ type: "repository", name: repository, actions: ["pull"] });
  }

  #url(path, { n, last }) {
    const url = new URL(this.#base + path);
    if (n !== undefined) url.searchParams.set("n", String(n));
    if (last !== undefined) url.searchParams.set("last", String(last));
    return url.href;
  }

  async #read(response) {
    try {
      return await response.arrayBuffer();
    } catch (err) {
      throw registryError(`reading ${response.url}: ${reason(err)}`);
    }
  }

  async #json(url, scope) {
    const response = await this.#request(url, scope, { accept: "application/json" });
    try {
      return { body: JSON.parse(new TextDecoder().decode(await this.#read(response))), response };
    } catch (err) {
      if (err instanceof PullgateError) throw err;
      throw registryError(`${new URL(url).pathname}: not JSON`, response.status);
    }
  }

  /** A request with auth, the token dance on 401 (once), redirects followed by hand. */
  async #request(url, scope, { accept, method = "GET" }) {
    let response = await this.#send(url, method, accept, this.#session.authorization(scope, Date.now()));
    if (response.status === 401) {
      await response.body?.cancel?.().catch?.(() => {});
      const authorization = await this.#authenticate(response, scope);
      response = await this.#send(url, method, accept, authorization);
    }
    if (!response.ok) {
      const detail = method === "HEAD" ? "" : await describe(response);
      throw registryError(`${method} ${new URL(url).pathname}: ${response.status}${detail ? ` ${detail}` : ""}`, response.status);
    }
    return response;
  }

  async #send(url, method, accept, authorization) {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers = {};
      if (accept) headers.accept = accept;
      // The core withholds credentials from any origin but the registry's.
      const credentials = this.#session.credentialsFor(current, authorization);
      if (credentials) headers.authorization = credentials;
      let response;
      try {
        response = await this.#fetch(current, { method, headers, redirect: "manual" });
      } catch (err) {
        throw registryError(`${method} ${current}: ${reason(err)}`);
      }
      if (response.type === "opaqueredirect") {
        // Browsers hide the Location of manual redirects; their own follow drops
        // Authorization across origins (Fetch standard).
        try {
          return await this.#fetch(current, { method, headers, redirect: "follow" });
        } catch (err) {
          throw registryError(`${method} ${current}: ${reason(err)}`);
        }
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel?.().catch?.(() => {});
        current = wasm.__redirectTarget(location, current);
        continue;
      }
      return response;
    }
    throw registryError(`${method} ${new URL(url).pathname}: too many redirects`);
  }

  /** Answers a 401 (the core decides how) and returns the retry's authorization. */
  async #authenticate(response, scope) {
    const request = this.#session.unauthorized(response.headers.get("www-authenticate") ?? undefined, scope);
    if (request === undefined) return this.#session.authorization(scope, Date.now()); // Basic
    const headers = { accept: "application/json" };
    if (request.authorization) headers.authorization = request.authorization;
    const realm = new URL(request.url).origin;
    let tokenResponse;
    try {
      tokenResponse = await this.#fetch(request.url, { headers, redirect: "error" });
    } catch (err) {
      throw registryError(`token request to ${realm}: ${reason(err)}`);
    }
    if (!tokenResponse.ok) {
      throw registryError(`token request to ${realm}: ${tokenResponse.status} ${await describe(tokenResponse)}`, tokenResponse.status);
    }
    return this.#session.acceptToken(scope, await tokenResponse.text(), Date.now());
  }
}
