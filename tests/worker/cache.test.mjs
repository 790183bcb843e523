// The edge cache as it runs: the gateway in workerd (Miniflare, which has a Cache API) in front
// of a real registry, with a logging front between them (front.mjs) that counts what reaches
// the upstream and, on demand, corrupts or stalls its answers.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { startGateway } from "../../worker/gateway.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { startFront } from "./front.mjs";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

let registry;
let front;
let gateway;

before(async () => {
  registry = await startRegistry();
  await seed(registry.url);
  front = await startFront(registry.url);
  // A short deadline, so a stalled blob fails the transfer within the test.
  gateway = await startGateway({ upstream: front.url, upstreamTimeoutMs: 2000 });
});

after(async () => {
  await gateway?.stop();
  await front?.stop();
  await registry?.stop();
});

const get = (path, accept = `${MANIFEST}, ${INDEX}`) => fetch(`${gateway.url}${path}`, { headers: { accept } });
/** The body's bytes, or the error that ended the transfer. */
const bytesOrError = (response) => response.arrayBuffer().then((b) => Buffer.from(b), (err) => err);
const remaining = (response) => Number(response.headers.get("ratelimit-remaining").split(";")[0]);

async function digestOf(repository, tag, accept) {
  const head = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, { method: "HEAD", headers: { accept } });
  return head.headers.get("docker-content-digest");
}

test("the second pull of a tag costs the upstream one HEAD and no GET; both pulls count", async () => {
  const tagHeads = () => front.count("HEAD", /^\/v2\/demo\/single\/manifests\/latest$/);
  const manifestGets = () => front.count("GET", /^\/v2\/demo\/single\/manifests\//);

  const first = await get("/v2/demo/single/manifests/latest", MANIFEST);
  assert.equal(first.status, 200);
  const body = Buffer.from(await first.arrayBuffer());
  assert.equal(sha256(body), first.headers.get("docker-content-digest"));
  assert.equal(tagHeads(), 1, "the tag is resolved with a HEAD");
  assert.equal(manifestGets(), 1, "and its digest fetched once");
  assert.equal(front.count("GET", /\/manifests\/latest$/), 0, "never a GET by tag");

  const second = await get("/v2/demo/single/manifests/latest", MANIFEST);
  assert.equal(second.status, 200);
  assert.deepEqual(Buffer.from(await second.arrayBuffer()), body);
  assert.equal(second.headers.get("docker-content-digest"), first.headers.get("docker-content-digest"));
  assert.equal(tagHeads(), 2, "re-resolved: one more HEAD");
  assert.equal(manifestGets(), 1, "no GET upstream for the second pull");
  assert.equal(remaining(second), remaining(first) - 1, "served from the cache, still a pull");
  assert.equal(second.headers.get("content-type"), MANIFEST);
  assert.equal(Number(second.headers.get("content-length")), body.length);
  assert.equal(second.headers.get("cache-control"), null, "an answer by tag is not immutable: the tag may move");

  const byDigest = await get(`/v2/demo/single/manifests/${first.headers.get("docker-content-digest")}`, MANIFEST);
  assert.equal(byDigest.status, 200);
  assert.deepEqual(Buffer.from(await byDigest.arrayBuffer()), body);
  assert.equal(front.log.filter((r) => r.path.includes("/manifests/")).length, 3, "by digest: nothing upstream at all");
  assert.equal(remaining(byDigest), remaining(second) - 1);
  assert.match(byDigest.headers.get("cache-control") ?? "", /immutable/, "an answer by digest is");
  assert.equal(Number(byDigest.headers.get("content-length")), body.length);
});

test("a manifest by digest that the upstream corrupts is a 502, costs no pull and is never cached", async () => {
  const digest = await digestOf("demo/multiarch", "latest", INDEX);
  const gets = () => front.count("GET", new RegExp(`/manifests/${digest}$`));
  front.corruptManifests = true;
  let before;
  try {
    for (let i = 1; i <= 2; i++) {
      const bad = await get(`/v2/demo/multiarch/manifests/${digest}`);
      assert.equal(bad.status, 502);
      const [error] = (await bad.json()).errors;
      assert.equal(error.code, "DIGEST_INVALID");
      assert.match(error.message, new RegExp(`upstream sent manifest sha256:[0-9a-f]{64} for ${digest}`));
      assert.equal(gets(), i, "not served from a cache: fetched again");
      before ??= remaining(bad);
      assert.equal(remaining(bad), before, "refunded");
    }
    const byTag = await get("/v2/demo/multiarch/manifests/latest");
    assert.equal(byTag.status, 502, "a tag resolving to it fails the same way");
  } finally {
    front.corruptManifests = false;
  }
  const good = await get(`/v2/demo/multiarch/manifests/${digest}`);
  assert.equal(good.status, 200);
  assert.equal(sha256(Buffer.from(await good.arrayBuffer())), digest);
  const fetched = gets();
  const again = await get(`/v2/demo/multiarch/manifests/${digest}`);
  assert.equal(sha256(Buffer.from(await again.arrayBuffer())), digest);
  assert.equal(gets(), fetched, "the good one is cached");
});

/** Waits (up to 5 s) until the front has seen the gateway give up `n` answers in all. */
async function abandonedReaches(n) {
  for (let i = 0; i < 50 && front.abandoned < n; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return front.abandoned;
}

test("a manifest HEAD the upstream never answers is a 504 within the deadline; a GET then falls back to the tag", async () => {
  const tags = (await (await fetch(`${registry.url}/v2/demo/many-tags/tags/list`)).json()).tags;
  const path = `/v2/demo/many-tags/manifests/${tags[0]}`;
  const abandoned = front.abandoned;
  front.stallHeads = true;
  try {
    const head = await fetch(`${gateway.url}${path}`, { method: "HEAD", headers: { accept: MANIFEST } });
    assert.equal(head.status, 504, "the upstream's silence is a gateway timeout, not a hang");
    assert.equal(await abandonedReaches(abandoned + 1), abandoned + 1, "the gateway hung up on the upstream");
    // A GET re-resolves the tag with a HEAD; when that times out, the tag's manifest is passed
    // through as the upstream sends it (unverified, uncached), and counted.
    const byTag = () => front.count("GET", new RegExp(`/manifests/${tags[0]}$`));
    const before = byTag();
    const get1 = await get(path, MANIFEST);
    assert.equal(get1.status, 200);
    assert.equal(byTag(), before + 1, "fetched by tag after the HEAD's deadline");
    assert.equal(await abandonedReaches(abandoned + 2), abandoned + 2, "the HEAD was given up");
    const get2 = await get(path, MANIFEST);
    assert.equal(remaining(get2), remaining(get1) - 1, "each GET is a pull");
  } finally {
    front.stallHeads = false;
  }
});

test("a manifest body that stalls is a 502 within the deadline, costs no pull and is not cached", async () => {
  const tags = (await (await fetch(`${registry.url}/v2/demo/many-tags/tags/list`)).json()).tags;
  const digest = await digestOf("demo/many-tags", tags[1], MANIFEST);
  const path = `/v2/demo/many-tags/manifests/${digest}`;
  const gets = () => front.count("GET", new RegExp(`/manifests/${digest}$`));
  const abandoned = front.abandoned;
  let before;
  front.stallManifests = true;
  try {
    for (let i = 1; i <= 2; i++) {
      const stalled = await get(path, MANIFEST);
      assert.equal(stalled.status, 502, "half a manifest is no manifest");
      const [error] = (await stalled.json()).errors;
      assert.match(error.message, /manifest body did not arrive within 2000 ms/);
      assert.equal(gets(), i, "nothing of it was cached: fetched again");
      before ??= remaining(stalled);
      assert.equal(remaining(stalled), before, "refunded");
    }
    assert.equal(await abandonedReaches(abandoned + 2), abandoned + 2, "the gateway hung up on the upstream each time");
  } finally {
    front.stallManifests = false;
  }
  const good = await get(path, MANIFEST);
  assert.equal(good.status, 200);
  assert.equal(sha256(Buffer.from(await good.arrayBuffer())), digest);
});

test("a blob whose upstream stalls mid-body fails the client's transfer and is not cached", async () => {
  const manifest = await (await fetch(`${registry.url}/v2/demo/single/manifests/latest`, { headers: { accept: MANIFEST } })).json();
  const { digest, size } = manifest.layers[1];
  const path = `/v2/demo/single/blobs/${digest}`;
  const gets = () => front.count("GET", new RegExp(`/blobs/${digest}$`));

  const abandoned = front.abandoned;
  front.stallBlobs = true;
  try {
    const stalled = await get(path);
    const outcome = stalled.status === 200 ? await bytesOrError(stalled) : new Error(`status ${stalled.status}`);
    assert.ok(outcome instanceof Error || outcome.length < size, "the client never gets a complete body from a stalled upstream");
    assert.equal(gets(), 1);
    assert.equal(await abandonedReaches(abandoned + 1), abandoned + 1, "the gateway gave up on the stalled upstream");
  } finally {
    front.stallBlobs = false;
  }
  const good = await get(path);
  assert.equal(good.status, 200);
  const body = Buffer.from(await good.arrayBuffer());
  assert.equal(body.length, size);
  assert.equal(sha256(body), digest);
  assert.equal(gets(), 2, "nothing of the stalled transfer was cached");
  // The cache write runs after the response (waitUntil): wait until the next GET is a hit.
  let cached = false;
  for (let i = 0; i < 50 && !cached; i++) {
    const again = await get(path);
    assert.equal(sha256(Buffer.from(await again.arrayBuffer())), digest);
    cached = gets() === 2;
    if (!cached) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(cached, "a verified blob is served from the edge cache");
});

/** Pushes `bytes` as a blob of `repository` (distribution's monolithic upload: POST, then PUT). */
async function pushBlob(repository, bytes) {
  const digest = sha256(bytes);
  const start = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get("location"), registry.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } });
  assert.equal(put.status, 201);
  return digest;
}

test("a blob too large to hold while it is checked is cached as it streams, and never kept corrupted", async () => {
  // Over cache.js's BUFFERED_BLOB_BYTES (16 MiB): written to the Cache API as it streams.
  const bytes = randomBytes(17 * 1024 * 1024);
  const digest = await pushBlob("demo/large", bytes);
  const path = `/v2/demo/large/blobs/${digest}`;
  const gets = () => front.count("GET", new RegExp(`/blobs/${digest}$`));

  front.corruptBlobs = true;
  try {
    const bad = await get(path);
    const outcome = bad.status === 200 ? await bytesOrError(bad) : new Error(`status ${bad.status}`);
    assert.ok(outcome instanceof Error || outcome.length < bytes.length, "never a complete corrupted body");
  } finally {
    front.corruptBlobs = false;
  }
  // Whatever the cache kept of the failed write, no answer is ever a wrong body passed as whole;
  // within a few GETs the blob comes back verified from the upstream, then from the cache.
  let good = 0;
  for (let i = 0; i < 20 && good < 3; i++) {
    const response = await get(path);
    const body = response.status === 200 ? await bytesOrError(response) : new Error(`status ${response.status}`);
    if (body instanceof Error || body.length !== bytes.length) continue;
    assert.equal(sha256(body), digest, "a complete body is always the right one");
    good++;
  }
  assert.equal(good, 3);
  const fetched = gets();
  const again = await get(path);
  assert.equal(sha256(Buffer.from(await again.arrayBuffer())), digest);
  assert.equal(gets(), fetched, "the verified blob is served from the edge cache");
});
