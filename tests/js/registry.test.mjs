// RegistryClient against the real docker-registry (distribution 2.8): anonymous, htpasswd
// Basic, and token auth with a small token issuer started here (https, a self-made root cert
// the registry trusts through `auth.token.rootcertbundle`). Pagination with n/last and Link,
// an index resolved to linux/arm64, and a corrupted blob file detected as a digest mismatch.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createSign, randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
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
let refused; // token auth with an http realm on another origin
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
  token = await startRegistry({
    storage: open.storage,
    auth: `token:\n  realm: ${issuer.url}/token\n  service: pullgate-test\n  issuer: pullgate-test-issuer\n  rootcertbundle: ${join(dir, "cert.pem")}`,
  });
  refused = await startRegistry({
    storage: open.storage,
    auth: `token:\n  realm: http://127.0.0.2:1/token\n  service: pullgate-test\n  issuer: pullgate-test-issuer\n  rootcertbundle: ${join(dir, "cert.pem")}`,
  });
});

after(async () => {
  for (const part of [refused, token, basic, open]) await part?.stop().catch(() => {});
  await issuer?.close();
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
  assert.match(out.refused.error.message, /refusing token realm http:\/\/127\.0\.0\.2:1/);
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
