// The gateway authenticating to its upstream itself: distribution's token auth against the
// real registry (token-registry.mjs), credentials sent only to the realm, tokens cached per
// scope and shared by concurrent requests, a foreign plain-http realm refused, Link pagination
// kept on the upstream, and htpasswd Basic auth.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { startGateway } from "../../worker/gateway.mjs";
import { freePort } from "../../scripts/lib/proc.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { startTokenRegistry } from "./token-registry.mjs";

const run = promisify(execFile);
const ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
const USER = "puller";
const PASSWORD = "s3cret pass";
let plain;
let scratch;
const stops = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pullgate-auth-test-"));
  plain = await startRegistry();
  await seed(plain.url);
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await plain?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function tokenRegistry(options = {}) {
  const registry = await startTokenRegistry({ storage: join(plain.dir, "storage"), username: USER, password: PASSWORD, ...options });
  stops.push(registry.stop);
  return registry;
}

async function gateway(options) {
  const gw = await startGateway(options);
  stops.push(gw.stop);
  return gw;
}

test("skopeo pulls through the gateway from a registry with token auth; tokens are fetched with the credentials and cached per scope", async () => {
  const registry = await tokenRegistry();
  // The registry itself refuses anonymous pulls.
  assert.equal((await fetch(`${registry.url}/v2/demo/single/manifests/latest`)).status, 401);
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  const host = new URL(gw.url).host;
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${host}/demo/single:latest`, `oci:${join(scratch, "single")}`]);
  const basic = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
  const forSingle = registry.issued.filter((i) => i.scopes.includes("repository:demo/single:pull"));
  assert.equal(forSingle.length, 1, "one token for the repository, reused for every manifest and blob");
  assert.equal(forSingle[0].authorization, basic);
  assert.equal(forSingle[0].service, "pullgate-test-registry");

  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${host}/demo/single:latest`, `oci:${join(scratch, "single-again")}`]);
  assert.equal(registry.issued.filter((i) => i.scopes.includes("repository:demo/single:pull")).length, 1, "cached until it expires");

  const catalog = await fetch(`${gw.url}/v2/_catalog`);
  assert.equal(catalog.status, 200);
  assert.ok((await catalog.json()).repositories.includes("demo/single"));
  assert.ok(registry.issued.some((i) => i.scopes.includes("registry:catalog:*")));
});

test("without the credentials the realm refuses, and the client gets a JSON error, not a hang", async () => {
  const registry = await tokenRegistry();
  const gw = await gateway({ upstream: registry.url });
  const res = await fetch(`${gw.url}/v2/demo/single/manifests/latest`);
  assert.equal(res.status, 502);
  const [error] = (await res.json()).errors;
  assert.equal(error.code, "UNAVAILABLE");
  assert.match(error.message, /token realm 127\.0\.0\.1:\d+ answered 401/);
  assert.equal(res.headers.get("www-authenticate"), null, "the upstream's challenge is not passed on");
  assert.equal(res.headers.get("ratelimit-remaining"), "100;w=21600", "refunded");
  assert.equal(registry.issued.at(-1).authorization, null, "nothing was sent as credentials");
});

test("a realm that is neither https nor the upstream's own origin is refused, credentials unsent", async () => {
  const registry = await tokenRegistry({ realmOrigin: "http://127.0.0.2:1" });
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  const res = await fetch(`${gw.url}/v2/demo/single/manifests/latest`);
  assert.equal(res.status, 502);
  assert.match((await res.json()).errors[0].message, /refusing token realm http:\/\/127\.0\.0\.2:1: not https and not the registry's origin/);
  assert.equal(registry.issued.length, 0);
});

test("blob redirects are followed by the gateway, and Authorization never leaves the upstream's origin", async () => {
  const registry = await tokenRegistry({ redirectBlobs: true });
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${new URL(gw.url).host}/demo/single:latest`, `oci:${join(scratch, "redirected")}`]);
  assert.ok(registry.storageRequests.length >= 3, "config and both layers came from the storage origin");
  for (const r of registry.storageRequests) assert.equal(r.authorization, null, `${r.path} was fetched without credentials`);
  const blob = await fetch(`${gw.url}/v2/demo/single/blobs/${registry.storageRequests[0].path.split("/blobs/")[1]}`, { redirect: "manual" });
  assert.equal(blob.status, 200, "the client sees the blob, not the redirect");
});

test("concurrent requests for one scope share one token fetch", async () => {
  const registry = await tokenRegistry();
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${gw.url}/v2/demo/single/manifests/latest`, { method: "HEAD", headers: { accept: ACCEPT } })));
  assert.deepEqual(answers.map((r) => r.status), Array(8).fill(200));
  assert.equal(registry.issued.filter((i) => i.scopes.includes("repository:demo/single:pull")).length, 1);
});

test("a Link to another origin is not followed: the explorer API says so instead of listing tags", async () => {
  const elsewhere = await startOther();
  const registry = await tokenRegistry({ tagsLink: `<${elsewhere.url}/v2/demo/single/tags/list?last=z>; rel="next"` });
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  const res = await fetch(`${gw.url}/api/v1/repositories/demo/single/tags`);
  assert.equal(res.status, 502);
  const [error] = (await res.json()).errors;
  assert.equal(error.code, "REGISTRY_ERROR");
  assert.match(error.message, new RegExp(`refusing Link pagination to another origin: ${elsewhere.url.replaceAll(".", "\\.")}`));
  assert.deepEqual(elsewhere.requests, [], "nothing was sent to the Link's origin");
});

test("a Link on the upstream is followed, wherever on it the upstream says", async () => {
  const registry = await tokenRegistry({ tagsLink: `<?n=1000&last=zzz>; rel="next"` });
  const gw = await gateway({ upstream: registry.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  const res = await fetch(`${gw.url}/api/v1/repositories/demo/single/tags`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.ok(registry.requests.includes("/v2/demo/single/tags/list?n=1000&last=zzz"), "the next page was asked of the upstream");
});

test("an upstream with Basic auth: the configured credentials answer its challenge; without them its 401 is passed on", async () => {
  writeFileSync(join(scratch, "htpasswd"), execFileSync("htpasswd", ["-Bbn", USER, PASSWORD]));
  const basic = await startRegistry({ storage: join(plain.dir, "storage"), auth: `htpasswd:\n  realm: pullgate-test\n  path: ${join(scratch, "htpasswd")}` });
  stops.push(() => basic.stop());
  const withCredentials = await gateway({ upstream: basic.url, upstreamUsername: USER, upstreamPassword: PASSWORD });
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${withCredentials.url}/v2/demo/single/manifests/latest`, { method: "HEAD", headers: { accept: ACCEPT } });
    assert.equal(res.status, 200);
  }
  const anonymous = await gateway({ upstream: basic.url });
  const res = await fetch(`${anonymous.url}/v2/demo/single/manifests/latest`, { headers: { accept: ACCEPT } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("pullgate-upstream-error"), null, "the upstream's answer, not the gateway's failure");
});

/** An HTTP server on 127.0.0.2 that records the requests it gets and answers 404. */
async function startOther() {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    res.writeHead(404).end();
  });
  const port = await freePort("127.0.0.2");
  await new Promise((resolve) => server.listen(port, "127.0.0.2", resolve));
  stops.push(async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  });
  return { url: `http://127.0.0.2:${port}`, requests };
}
