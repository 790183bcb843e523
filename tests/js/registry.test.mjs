// RegistryClient against the real docker-registry (distribution 2.8): anonymous, htpasswd
// Basic, and token auth with a small token issuer started here (https, a self-made root cert
// the registry trusts through `auth.token.rootcertbundle`). Pagination with n/last and Link,
// an index resolved to linux/arm64, and a corrupted blob file detected as a digest mismatch.
//
// The client's security rules (src/registry.rs) against hosts that break them: small HTTP
// fronts proxy the real registries and page tags (distribution 2.8 ignores `n` on tags/list),
// point Link at another host, or redirect blobs to another host, which is a second server on
// 127.0.0.2 that serves the blob and records every request it gets.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createSign, randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { installPackage, runAsync } from "./consumer.mjs";

let project;
let open; // anonymous registry, seeded
let basic; // htpasswd, same storage
let token; // token auth, same storage
let issuer; // https token server
let refused; // token auth with an http realm on another origin (other)
let other; // http://127.0.0.2:port: blob redirects land here; nothing carrying credentials may
let fronts = []; // HTTP fronts (see front())
let dir;

before(async () => {
  project = installPackage("pullgate-registry-");
  dir = mkdtempSync(join(tmpdir(), "pullgate-auth-"));
  open = await startRegistry();
  await seed(open.url);

  writeFileSync(join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", "alice", "s3cret"]));
  basic = await startRegistry({ storage: open.storage, auth: `htpasswd:\n  realm: pullgate-test\n  path: ${join(dir, "htpasswd")}` });

  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=pullgate test issuer", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  issuer = await startIssuer();
  other = await startOther();
  token = await startRegistry({
    storage: open.storage,
    auth: `token:\n  realm: ${issuer.url}/token\n  service: pullgate-test\n  issuer: pullgate-test-issuer\n  rootcertbundle: ${join(dir, "cert.pem")}`,
  });
  refused = await startRegistry({
    storage: open.storage,
    auth: `token:\n  realm: ${other.url}/token\n  service: pullgate-test\n  issuer: pullgate-test-issuer\n  rootcertbundle: ${join(dir, "cert.pem")}`,
  });
});

after(async () => {
  for (const part of [refused, token, basic, open]) await part?.stop().catch(() => {});
  for (const server of [issuer, other, ...fronts]) await server?.close();
  project?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const b64url = (data) => Buffer.from(data).toString("base64url");

/** A token issuer: Basic alice:s3cret (or anonymous), RS256 JWTs with x5c, pull access. */
async function startIssuer() {
  const key = readFileSync(join(dir, "key.pem"));
  const cert = readFileSync(join(dir, "cert.pem"));
  const der = new X509Certificate(cert).raw.toString("base64");
  const requests = [];
  const server = createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url, "https://issuer");
    const auth = req.headers.authorization ?? "";
    requests.push({ path: url.pathname, scope: url.searchParams.getAll("scope"), service: url.searchParams.get("service"), auth });
    if (auth && auth !== `Basic ${Buffer.from("alice:s3cret").toString("base64")}`) {
      res.writeHead(401).end();
      return;
    }
    const access = url.searchParams.getAll("scope").flatMap((scope) => {
      const [type, name, actions] = [scope.slice(0, scope.indexOf(":")), scope.slice(scope.indexOf(":") + 1, scope.lastIndexOf(":")), scope.slice(scope.lastIndexOf(":") + 1)];
      // Anonymous users may pull demo/single only; alice may pull everything and list.
      if (!auth && name !== "demo/single") return [];
      return [{ type, name, actions: actions.split(",").filter((a) => a === "pull" || a === "*") }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [der] };
    const claims = { iss: "pullgate-test-issuer", sub: auth ? "alice" : "", aud: url.searchParams.get("service"), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(input).sign(key);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `${input}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

function listen(server, host) {
  return new Promise((resolve) => server.listen(0, host, resolve)).then(() => ({
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  }));
}

/** The other host: serves `/blobs/<digest>` from the open registry, records every request. */
async function startOther() {
  const requests = [];
  const server = createHttpServer(async (req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const match = req.url.match(/^\/blobs\/([^/?]+)\/(sha256:[0-9a-f]{64})/);
    if (!match) return res.writeHead(404).end();
    const blob = await fetch(`${open.url}/v2/${decodeURIComponent(match[1])}/blobs/${match[2]}`);
    res.writeHead(blob.status, { "content-type": "application/octet-stream" }).end(Buffer.from(await blob.arrayBuffer()));
  });
  return { ...(await listen(server, "127.0.0.2")), requests };
}

/**
 * An HTTP front of `upstream` (everything proxied as is, credentials and challenges included),
 * except: `pageTags` pages /v2/<name>/tags/list by `n`/`last` with a Link to `linkOrigin`
 * (default its own origin); `redirectBlobs` answers an authorized blob GET with a 307 to the
 * other host. Records what it received.
 */
async function front(upstream, { pageTags = false, linkOrigin, redirectBlobs = false } = {}) {
  const requests = [];
  const target = new URL(upstream);
  const server = createHttpServer(async (req, res) => {
    const url = new URL(req.url, "http://front");
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const tags = url.pathname.match(/^\/v2\/(.+)\/tags\/list$/);
    if (pageTags && tags) {
      const all = await fetch(`${upstream}/v2/${tags[1]}/tags/list`, { headers: req.headers.authorization ? { authorization: req.headers.authorization } : {} });
      if (!all.ok) {
        const headers = { "content-type": all.headers.get("content-type") ?? "application/json" };
        if (all.headers.has("www-authenticate")) headers["www-authenticate"] = all.headers.get("www-authenticate");
        return res.writeHead(all.status, headers).end(Buffer.from(await all.arrayBuffer()));
      }
      const sorted = ((await all.json()).tags ?? []).sort();
      const n = Number(url.searchParams.get("n") ?? sorted.length);
      const last = url.searchParams.get("last");
      const rest = last === null ? sorted : sorted.filter((t) => t > last);
      const page = rest.slice(0, n);
      const headers = { "content-type": "application/json" };
      if (rest.length > n) {
        const next = `/v2/${tags[1]}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1))}`;
        headers.link = `<${linkOrigin ?? ""}${next}>; rel="next"`;
      }
      return res.writeHead(200, headers).end(JSON.stringify({ name: tags[1], tags: page }));
    }
    const blob = url.pathname.match(/^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/);
    if (redirectBlobs && blob && req.headers.authorization) {
      return res.writeHead(307, { location: `${other.url}/blobs/${encodeURIComponent(blob[1])}/${blob[2]}?signature=x` }).end();
    }
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const self = { ...(await listen(server, "127.0.0.1")), requests };
  fronts.push(self);
  return self;
}

/** Runs client code in the consumer project (the package by name); `ca` trusts the issuer. */
async function client(code, { ca = false } = {}) {
  const env = ca ? { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") } : process.env;
  return runAsync(project.dir, `import { RegistryClient, PullgateError, digest } from "pullgate";
const out = {};
const attempt = async (name, f) => { try { out[name] = { ok: await f() }; } catch (e) { out[name] = { error: e instanceof PullgateError ? { code: e.code, status: e.status, message: e.message } : String(e) }; } };
${code}
console.log(JSON.stringify(out));`, [], env);
}

test("anonymous: catalog pages with n and last, tags, allTags across Link pages", async () => {
  const out = await client(`
const c = new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} });
await attempt("page1", () => c.catalog({ n: 2 }));
await attempt("page2", () => c.catalog({ n: 2, last: "demo/multiarch" }));
await attempt("tags", () => c.tags("demo/single"));
await attempt("firstTags", () => c.tags("demo/many-tags", { n: 5 }));
await attempt("all", () => c.allTags("demo/many-tags", { n: 40 }));
await attempt("allOnePage", () => c.allTags("demo/many-tags"));
await attempt("missing", () => c.tags("demo/nope"));
`);
  assert.deepEqual(out.page1, { ok: ["demo/many-tags", "demo/multiarch"] });
  assert.deepEqual(out.page2, { ok: ["demo/single", "library/hello"] });
  assert.deepEqual(out.tags.ok.sort(), ["1.0.0", "latest"]);
  // distribution 2.8 pages the catalog but returns every tag whatever n says.
  assert.ok(out.firstTags.ok.length === 5 || out.firstTags.ok.length === 300);
  assert.equal(out.all.ok.length, 300);
  assert.deepEqual([...out.all.ok].sort(), [...out.allOnePage.ok].sort());
  assert.equal(out.missing.error.code, "REGISTRY_ERROR");
  assert.equal(out.missing.error.status, 404);
  assert.match(out.missing.error.message, /NAME_UNKNOWN/);
});

test("anonymous: a manifest list resolved to linux/arm64, digests verified, HEAD, blob", async () => {
  const out = await client(`
const c = new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} });
await attempt("index", () => c.manifest("demo/multiarch:latest"));
await attempt("arm64", () => c.manifest("demo/multiarch:latest", { platform: "linux/arm64" }));
await attempt("head", () => c.headManifest("demo/multiarch:latest"));
const single = await c.manifest("demo/single:1.0.0");
await attempt("byDigest", async () => (await c.manifest("demo/single@" + single.digest)).digest === single.digest);
await attempt("wrongDigest", () => c.manifest("demo/single@sha256:" + "0".repeat(64)));
await attempt("blob", async () => { const b = await c.blob("demo/single", single.layers[0].digest); return [b.length, digest(b)]; });
out.single = single;
`);
  const index = out.index.ok;
  assert.equal(index.kind, "index");
  const arm64 = index.manifests.find((d) => d.platform?.architecture === "arm64");
  assert.ok(arm64, "the index has an arm64 entry");
  assert.equal(out.arm64.ok.kind, "image");
  assert.equal(out.arm64.ok.digest, arm64.digest);
  assert.equal(out.head.ok.digest, index.digest);
  assert.equal(out.head.ok.mediaType, index.mediaType);
  assert.equal(out.head.ok.size, index.size);
  assert.equal(out.byDigest.ok, true);
  assert.equal(out.wrongDigest.error.code, "REGISTRY_ERROR"); // the registry has no such manifest
  assert.deepEqual(out.blob.ok, [out.single.layers[0].size, out.single.layers[0].digest]);
});

test("htpasswd Basic: refused without or with wrong credentials, served with the right ones", async () => {
  const out = await client(`
await attempt("anonymous", () => new RegistryClient({ baseUrl: ${JSON.stringify(basic.url)} }).tags("demo/single"));
await attempt("wrong", () => new RegistryClient({ baseUrl: ${JSON.stringify(basic.url)}, username: "alice", password: "nope" }).tags("demo/single"));
const c = new RegistryClient({ baseUrl: ${JSON.stringify(basic.url)}, username: "alice", password: "s3cret" });
await attempt("tags", () => c.tags("demo/single"));
await attempt("catalog", () => c.catalog({ n: 1 }));
await attempt("arm64", async () => (await c.manifest("demo/multiarch:2.1.0", { platform: "linux/arm64" })).kind);
`);
  assert.equal(out.anonymous.error.status, 401);
  assert.equal(out.wrong.error.status, 401);
  assert.deepEqual(out.tags.ok.sort(), ["1.0.0", "latest"]);
  assert.deepEqual(out.catalog.ok, ["demo/many-tags"]);
  assert.equal(out.arm64.ok, "image");
});

test("token auth: the Bearer dance with the issuer, tokens cached per scope, access enforced", async () => {
  const before = issuer.requests.length;
  const out = await client(`
const anon = new RegistryClient({ baseUrl: ${JSON.stringify(token.url)} });
await attempt("anonSingle", () => anon.tags("demo/single"));
await attempt("anonSingleAgain", () => anon.tags("demo/single"));
await attempt("anonMulti", () => anon.tags("demo/multiarch"));
const alice = new RegistryClient({ baseUrl: ${JSON.stringify(token.url)}, username: "alice", password: "s3cret" });
await attempt("aliceMulti", async () => (await alice.manifest("demo/multiarch:latest", { platform: "linux/arm64" })).kind);
await attempt("aliceCatalog", () => alice.catalog({ n: 2 }));
`, { ca: true });
  assert.ok(out.anonSingle.ok, JSON.stringify(out));
  assert.deepEqual(out.anonSingle.ok.sort(), ["1.0.0", "latest"]);
  assert.deepEqual(out.anonSingleAgain.ok.sort(), ["1.0.0", "latest"]);
  assert.equal(out.anonMulti.error.status, 401);
  assert.equal(out.aliceMulti.ok, "image");
  assert.deepEqual(out.aliceCatalog.ok, ["demo/many-tags", "demo/multiarch"]);
  const requests = issuer.requests.slice(before);
  const anonSingle = requests.filter((r) => !r.auth && r.scope.includes("repository:demo/single:pull"));
  assert.equal(anonSingle.length, 1, "the second call used the cached token");
  assert.ok(requests.every((r) => r.service === "pullgate-test"));
  assert.ok(requests.some((r) => r.auth.startsWith("Basic ")), "alice's credentials went to the https realm");
});

test("a token realm that is neither https nor the registry's origin is refused", async () => {
  const out = await client(`
await attempt("refused", () => new RegistryClient({ baseUrl: ${JSON.stringify(refused.url)}, username: "alice", password: "s3cret" }).tags("demo/single"));
`);
  assert.equal(out.refused.error.code, "REGISTRY_ERROR");
  assert.equal(out.refused.error.status, 401);
  assert.equal(out.refused.error.message, `refusing token realm ${other.url}: not https and not the registry's origin`);
  assert.deepEqual(other.requests, [], "alice's password never went to the http realm");
});

test("Link pagination: tags paged by a front, every page followed on the registry's origin", async () => {
  const paging = await front(open.url, { pageTags: true });
  const out = await client(`
const c = new RegistryClient({ baseUrl: ${JSON.stringify(paging.url)} });
await attempt("first", () => c.tags("demo/many-tags", { n: 40 }));
await attempt("all", () => c.allTags("demo/many-tags", { n: 40 }));
await attempt("direct", () => new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} }).allTags("demo/many-tags"));
`);
  assert.equal(out.first.ok.length, 40);
  assert.equal(out.all.ok.length, 300);
  assert.deepEqual(out.all.ok, [...out.direct.ok].sort(), "each tag once, in page order");
  const pages = paging.requests.filter((r) => r.url.includes("/tags/list")).map((r) => r.url);
  assert.equal(pages.length, 1 + Math.ceil(300 / 40), JSON.stringify(pages)); // tags(), then allTags' 8 pages
  assert.equal(pages[2], `/v2/demo/many-tags/tags/list?n=40&last=${encodeURIComponent(out.all.ok[39])}`);
});

test("Link pagination to another host is refused, and nothing is sent there", async () => {
  const paging = await front(basic.url, { pageTags: true, linkOrigin: other.url });
  const out = await client(`
const c = new RegistryClient({ baseUrl: ${JSON.stringify(paging.url)}, username: "alice", password: "s3cret" });
await attempt("first", () => c.tags("demo/many-tags", { n: 10 }));
await attempt("all", () => c.allTags("demo/many-tags", { n: 10 }));
`);
  assert.equal(out.first.ok.length, 10, JSON.stringify(out));
  assert.equal(out.all.error.code, "REGISTRY_ERROR");
  assert.equal(out.all.error.message, `refusing Link pagination to another origin: ${other.url}`);
  assert.ok(paging.requests.some((r) => r.authorization?.startsWith("Basic ")), "Basic went to the registry");
  assert.deepEqual(other.requests, []);
});

test("a blob redirected to another host is fetched there without Authorization", async () => {
  const redirecting = await front(basic.url, { redirectBlobs: true });
  const tokenFront = await front(token.url, { redirectBlobs: true });
  const single = (await client(`out.m = await new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} }).manifest("demo/single:1.0.0");`)).m;
  const layer = single.layers[0];
  const before = other.requests.length;
  const out = await client(`
await attempt("basic", async () => { const b = await new RegistryClient({ baseUrl: ${JSON.stringify(redirecting.url)}, username: "alice", password: "s3cret" }).blob("demo/single", ${JSON.stringify(layer.digest)}); return [b.length, digest(b)]; });
await attempt("bearer", async () => { const b = await new RegistryClient({ baseUrl: ${JSON.stringify(tokenFront.url)} }).blob("demo/single", ${JSON.stringify(layer.digest)}); return [b.length, digest(b)]; });
`, { ca: true });
  assert.deepEqual(out.basic.ok, [layer.size, layer.digest], JSON.stringify(out));
  assert.deepEqual(out.bearer.ok, [layer.size, layer.digest], JSON.stringify(out));
  const blobPath = `/v2/demo/single/blobs/${layer.digest}`;
  const sent = (f) => f.requests.filter((r) => r.url === blobPath).map((r) => r.authorization?.split(" ")[0] ?? null);
  assert.deepEqual(sent(redirecting), [null, "Basic"], "the registry got Basic after its challenge");
  assert.deepEqual(sent(tokenFront), [null, "Bearer"], "the registry got the token");
  const landed = other.requests.slice(before);
  assert.equal(landed.length, 2, JSON.stringify(landed));
  for (const r of landed) {
    assert.equal(r.url, `/blobs/${encodeURIComponent("demo/single")}/${layer.digest}?signature=x`);
    assert.equal(r.authorization, undefined, "no credentials to the other host");
  }
});

test("a corrupted blob file in the registry's storage is detected as a digest mismatch", async () => {
  const single = (await client(`out.m = await new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} }).manifest("demo/single:1.0.0");`)).m;
  const layer = single.layers.at(-1);
  const hex = layer.digest.slice("sha256:".length);
  const file = join(open.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(file, bytes);
  assert.notEqual("sha256:" + createHash("sha256").update(bytes).digest("hex"), layer.digest);
  const out = await client(`await attempt("blob", () => new RegistryClient({ baseUrl: ${JSON.stringify(open.url)} }).blob("demo/single", ${JSON.stringify(layer.digest)}));`);
  assert.equal(out.blob.error.code, "DIGEST_MISMATCH");
  assert.ok(readdirSync(join(open.storage, "docker/registry/v2/blobs/sha256")).length > 0);
});
