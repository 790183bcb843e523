// Pull accounting, the request limit, integrity and settings of the gateway as it runs: the
// worker in workerd (Miniflare) in front of a real registry, driven by skopeo and by HTTP
// requests from several loopback addresses (127.0.0.x: one client key each).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startGateway } from "../../worker/gateway.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { req } from "./client.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const INDEX = "application/vnd.oci.image.index.v1+json";

let registry;
let scratch;
const stops = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pullgate-limits-test-"));
  registry = await startRegistry();
  await seed(registry.url);
});

after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function gateway(options = {}) {
  const gw = await startGateway({ upstream: registry.url, ...options });
  stops.push(gw.stop);
  return gw;
}

const remaining = (res) => res.headers["ratelimit-remaining"];
const skopeoCopy = (gw, ref, dest, extra = []) =>
  run("skopeo", ["copy", ...extra, "--src-tls-verify=false", `docker://${new URL(gw.url).host}/${ref}`, `oci:${join(scratch, dest)}`]);

test("pull limit 2;w=60: a single and a multi-arch pull cost one each, the third is a 429 while HEAD answers and another address pulls", async () => {
  const gw = await gateway({ pullLimit: "2;w=60" });
  const manifest = `${gw.url}/v2/demo/single/manifests/latest`;

  const fresh = await req(manifest, { method: "HEAD" });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.headers["ratelimit-limit"], "2;w=60");
  assert.equal(remaining(fresh), "2;w=60", "HEAD is not a pull");
  assert.equal(fresh.headers["docker-ratelimit-source"], "127.0.0.1");

  await skopeoCopy(gw, "demo/single:latest", "single");
  assert.equal(remaining(await req(manifest, { method: "HEAD" })), "1;w=60");
  // skopeo picks this host's platform: the index and one child, one pull.
  await skopeoCopy(gw, "demo/multiarch:latest", "multiarch");
  assert.equal(remaining(await req(manifest, { method: "HEAD" })), "0;w=60");

  // The third pull as any client sees it (skopeo itself would wait out Retry-After and retry:
  // containers/image retries a 429 after the delay it names).
  const refused = await req(manifest);
  assert.equal(refused.status, 429);
  const body = JSON.parse(refused.body);
  assert.equal(body.errors[0].code, "TOOMANYREQUESTS");
  assert.match(body.errors[0].message, new RegExp(`${gw.url}/limits`));
  const retry = Number(refused.headers["retry-after"]);
  // The core keeps pulls to the second, rounded up: never early, at most a second late.
  assert.ok(retry > 0 && retry <= 61, `Retry-After ${retry}`);
  assert.equal(refused.headers["ratelimit-limit"], "2;w=60");
  assert.equal(remaining(refused), "0;w=60");
  assert.equal(refused.headers["docker-ratelimit-source"], "127.0.0.1");
  assert.equal(refused.headers["ratelimit-policy"], '"pulls";q=2;w=60');
  assert.match(refused.headers.ratelimit, /^"pulls";r=0;t=\d+$/);

  const head = await req(manifest, { method: "HEAD" });
  assert.equal(head.status, 200, "HEAD still answers");
  assert.equal(remaining(head), "0;w=60");

  const other = await req(manifest, { from: "127.0.0.2" });
  assert.equal(other.status, 200, "another address still pulls");
  assert.equal(other.headers["docker-ratelimit-source"], "127.0.0.2");
  assert.equal(remaining(other), "1;w=60");
  // A spoofed X-Forwarded-For changes nothing.
  const spoofed = await req(manifest, { headers: { "x-forwarded-for": "203.0.113.9" } });
  assert.equal(spoofed.status, 429);

  // The /limits page shows the caller's budget, without spending it.
  const page = await req(`${gw.url}/limits`, { from: "127.0.0.2" });
  assert.equal(page.status, 200);
  assert.match(page.body.toString(), /data-remaining="1" data-limit="2"/);
  assert.match(page.body.toString(), /2 pulls per 1 min/);

  // Both Durable Objects as the explorer reads them.
  const limits = await gw.mf.getDurableObjectNamespace("LIMITS");
  const budget = await (await limits.get(limits.idFromName("127.0.0.1")).fetch("https://limits/budget")).json();
  assert.deepEqual({ ...budget, retryAfterSeconds: undefined, resetSeconds: undefined }, { limit: 2, remaining: 0, windowSeconds: 60, retryAfterSeconds: undefined, resetSeconds: undefined });
  assert.ok(budget.retryAfterSeconds > 0);
  // Statistics are recorded after the response (not awaited): read them once they have landed.
  const statsNs = await gw.mf.getDurableObjectNamespace("STATS");
  const statsOf = async (repo, until) => {
    let stats;
    for (let i = 0; i < 50; i++) {
      stats = await (await statsNs.get(statsNs.idFromName(repo)).fetch("https://stats/stats")).json();
      if (until(stats)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return stats;
  };
  const stats = await statsOf("demo/single", (s) => s.tags.latest?.pulls >= 2);
  assert.equal(stats.tags.latest.pulls, 2, "one skopeo pull from 127.0.0.1, one GET from 127.0.0.2");
  assert.ok(!Number.isNaN(Date.parse(stats.tags.latest.lastPulled)));
  assert.equal(Object.values(stats.digests)[0].pulls, 2, "by the digest the tag resolved to");
  const multi = await statsOf("demo/multiarch", (s) => s.tags.latest);
  assert.equal(multi.tags.latest.pulls, 1);
});

test("a 404 costs no pull; index then child is one pull, the next child another", async () => {
  const gw = await gateway({ pullLimit: "3;w=60" });
  const from = "127.0.0.3";
  const missing = await req(`${gw.url}/v2/demo/single/manifests/no-such-tag`, { from });
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).errors[0].code, "MANIFEST_UNKNOWN");
  assert.equal(remaining(missing), "3;w=60", "refunded");
  const missingDigest = await req(`${gw.url}/v2/demo/single/manifests/sha256:${"0".repeat(64)}`, { from });
  assert.equal(missingDigest.status, 404);
  assert.equal(remaining(missingDigest), "3;w=60");

  const index = await req(`${gw.url}/v2/demo/multiarch/manifests/latest`, { from, headers: { accept: INDEX } });
  assert.equal(index.status, 200);
  assert.equal(remaining(index), "2;w=60");
  const children = JSON.parse(index.body).manifests.map((m) => m.digest);
  const child = await req(`${gw.url}/v2/demo/multiarch/manifests/${children[0]}`, { from });
  assert.equal(child.status, 200);
  assert.equal(remaining(child), "2;w=60", "the child of a just-served index is the same pull");
  const second = await req(`${gw.url}/v2/demo/multiarch/manifests/${children[1]}`, { from });
  assert.equal(remaining(second), "1;w=60");
});

test("200 simultaneous manifest GETs from one address with limit 50 admit exactly 50", async () => {
  const gw = await gateway({ pullLimit: "50;w=600" });
  const responses = await Promise.all(Array.from({ length: 200 }, () => req(`${gw.url}/v2/library/hello/manifests/latest`, { from: "127.0.0.4" })));
  const counts = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  assert.deepEqual(counts, { 200: 50, 429: 150 });
});

test("the rolling window frees pulls as they age out", async () => {
  const gw = await gateway({ pullLimit: "2;w=2" });
  const url = `${gw.url}/v2/library/hello/manifests/latest`;
  assert.equal((await req(url)).status, 200);
  assert.equal((await req(url)).status, 200);
  const refused = await req(url);
  assert.equal(refused.status, 429);
  const wait = Number(refused.headers["retry-after"]);
  assert.ok(wait >= 1 && wait <= 3, `Retry-After ${wait}`);
  await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
  const again = await req(url);
  assert.equal(again.status, 200, "a pull freed up after Retry-After");
});

test("the request limit answers a plain 429 with Retry-After", async () => {
  const gw = await gateway({ requestLimit: "3;w=600" });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push(await req(`${gw.url}/v2/`, { from: "127.0.0.5" }));
  assert.deepEqual(statuses.map((r) => r.status), [200, 200, 200, 429]);
  const last = statuses[3];
  assert.match(last.headers["content-type"], /^text\/plain/);
  assert.ok(Number(last.headers["retry-after"]) > 0);
  assert.equal((await req(`${gw.url}/v2/`, { from: "127.0.0.6" })).status, 200);
});

test("a corrupted blob fails the pull and is not cached; restored, the pull succeeds", async () => {
  const gw = await gateway();
  const manifest = JSON.parse((await req(`${gw.url}/v2/demo/single/manifests/latest`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })).body);
  const layer = manifest.layers[0].digest.slice("sha256:".length);
  const file = join(registry.dir, "storage/docker/registry/v2/blobs/sha256", layer.slice(0, 2), layer, "data");
  const good = readFileSync(file);
  const bad = Buffer.from(good);
  bad[bad.length >> 1] ^= 0xff;
  writeFileSync(file, bad);
  try {
    await assert.rejects(skopeoCopy(gw, "demo/single:latest", "corrupt"));
    const direct = await req(`${gw.url}/v2/demo/single/blobs/sha256:${layer}`).catch((err) => err);
    assert.ok(direct instanceof Error || direct.body.length < good.length, "the client never gets a complete corrupted body");
  } finally {
    writeFileSync(file, good);
  }
  await skopeoCopy(gw, "demo/single:latest", "restored");
  const blob = await req(`${gw.url}/v2/demo/single/blobs/sha256:${layer}`);
  assert.equal(blob.status, 200);
  assert.deepEqual(blob.body, good);
});

test("an upstream that refuses connections is a 502 in the distribution error form", async () => {
  const gw = await startGateway({ upstream: "http://127.0.0.1:9" });
  stops.push(gw.stop);
  const res = await req(`${gw.url}/v2/demo/single/manifests/latest`, { from: "127.0.0.7" });
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).errors[0].code, "UNAVAILABLE");
  assert.equal(remaining(res), "100;w=21600", "refunded");
  const blob = await req(`${gw.url}/v2/demo/single/blobs/sha256:${"1".repeat(64)}`, { from: "127.0.0.7" });
  assert.equal(blob.status, 502);
});

test("bad settings fail at start, naming the setting", async () => {
  await assert.rejects(startGateway({ upstream: registry.url, pullLimit: "100 per hour" }), /PULL_LIMIT/);
  await assert.rejects(startGateway({ upstream: registry.url, requestLimit: "5;w=0" }), /REQUEST_LIMIT/);
  await assert.rejects(startGateway({ upstream: "ftp://example.com" }), /UPSTREAM/);
  await assert.rejects(startGateway({ upstream: registry.url, clientIpHeader: "Bad Header" }), /CLIENT_IP_HEADER/);
  await assert.rejects(startGateway({ upstream: registry.url, limitDocUrl: "not a url" }), /LIMIT_DOC_URL/);
  await assert.rejects(startGateway({ upstream: registry.url, upstreamUsername: "u" }), /UPSTREAM_PASSWORD/);
  await assert.rejects(startGateway({ upstream: registry.url, corsOrigins: "https://a.example/path" }), /CORS_ORIGINS/);
  const dev = await run("node", [join(root, "worker/dev.mjs"), "--upstream", registry.url, "--pull-limit", "x"]).catch((err) => err);
  assert.equal(dev.code, 2);
  assert.match(dev.stderr, /invalid PULL_LIMIT setting "x"/);
});


test("CORS: configured origins may read /v2/ and its rate-limit headers; others get no grant", async () => {
  const gw = await gateway({ corsOrigins: "https://explorer.example" });
  const allowed = await req(`${gw.url}/v2/demo/single/manifests/latest`, { method: "HEAD", headers: { origin: "https://explorer.example" }, from: "127.0.0.8" });
  assert.equal(allowed.headers["access-control-allow-origin"], "https://explorer.example");
  assert.match(allowed.headers["access-control-expose-headers"], /ratelimit-remaining/);
  const other = await req(`${gw.url}/v2/demo/single/manifests/latest`, { method: "HEAD", headers: { origin: "https://evil.example" }, from: "127.0.0.8" });
  assert.equal(other.headers["access-control-allow-origin"], undefined);
  const preflight = await req(`${gw.url}/v2/demo/single/manifests/latest`, { method: "OPTIONS", headers: { origin: "https://explorer.example", "access-control-request-method": "GET" }, from: "127.0.0.8" });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://explorer.example");
});
