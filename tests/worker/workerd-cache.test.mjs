// The edge cache of the self-hosted gateway: the config dev.mjs --emit-config writes, served by
// plain workerd (no Miniflare), whose Cache API is worker/cache-service.js. A logging front
// (front.mjs) before the real registry counts what reaches the upstream.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, spawnManaged, waitForHttp } from "../../scripts/lib/proc.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { startFront } from "./front.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const WORKERD = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const sha256 = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

let registry;
let front;
let scratch;
let proc;
let url;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pullgate-workerd-cache-test-"));
  registry = await startRegistry();
  await seed(registry.url);
  front = await startFront(registry.url);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const config = join(scratch, "gateway.capnp");
  await run("node", [
    join(root, "worker/dev.mjs"), "--upstream", front.url, "--emit-config", config, "--storage", join(scratch, "data"),
    "--port", String(port), "--client-ip-header", "X-Real-IP", "--cache-mib", "64",
  ]);
  assert.match(readFileSync(config, "utf8"), /cacheApiOutbound = "edge-cache"/);
  proc = spawnManaged(WORKERD, ["serve", config]);
  let log = "";
  proc.child.stderr.on("data", (d) => (log += d));
  try {
    await waitForHttp(`${url}/v2/`, { exited: proc.exited, statuses: [400] });
  } catch (err) {
    throw new Error(`${err.message}\n${log}`);
  }
});

after(async () => {
  await proc?.stop();
  await front?.stop();
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const get = (path) => fetch(`${url}${path}`, { headers: { "x-real-ip": "192.0.2.7", accept: MANIFEST } });

/** GETs `path` until the upstream stops seeing it (the cache write runs after the response). */
async function untilCached(path, gets, digest) {
  for (let i = 0; i < 50; i++) {
    const seen = gets();
    const again = await get(path);
    assert.equal(again.status, 200);
    assert.equal(sha256(Buffer.from(await again.arrayBuffer())), digest);
    if (gets() === seen) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${path} is never served from the cache`);
}

test("plain workerd: manifests by digest and blobs are served from the edge cache, pulls still counted", async () => {
  const first = await get("/v2/demo/single/manifests/latest");
  assert.equal(first.status, 200);
  const digest = first.headers.get("docker-content-digest");
  const manifest = JSON.parse(Buffer.from(await first.arrayBuffer()));
  const manifestGets = () => front.count("GET", /\/manifests\//);
  assert.equal(manifestGets(), 1);
  const again = await get(`/v2/demo/single/manifests/${digest}`);
  assert.equal(sha256(Buffer.from(await again.arrayBuffer())), digest);
  assert.equal(manifestGets(), 1, "by digest: from the cache");
  assert.equal(Number(again.headers.get("ratelimit-remaining").split(";")[0]), Number(first.headers.get("ratelimit-remaining").split(";")[0]) - 1);

  const { digest: config } = manifest.config;
  const path = `/v2/demo/single/blobs/${config}`;
  const blobGets = () => front.count("GET", new RegExp(`/blobs/${config}$`));
  await untilCached(path, blobGets, config);
  assert.equal(blobGets(), 1, "one upstream GET; every later one from the cache service");
});

test("plain workerd: a corrupted blob fails the transfer and is not cached; restored, it is", async () => {
  const manifest = await (await fetch(`${registry.url}/v2/demo/single/manifests/latest`, { headers: { accept: MANIFEST } })).json();
  const { digest, size } = manifest.layers[0];
  const path = `/v2/demo/single/blobs/${digest}`;
  const gets = () => front.count("GET", new RegExp(`/blobs/${digest}$`));
  front.corruptBlobs = true;
  try {
    for (let i = 1; i <= 2; i++) {
      const bad = await get(path);
      const outcome = await bad.arrayBuffer().then((b) => Buffer.from(b), (err) => err);
      assert.ok(outcome instanceof Error || outcome.length < size, "never a complete corrupted body");
      assert.equal(gets(), i, "fetched again: nothing was cached");
    }
  } finally {
    front.corruptBlobs = false;
  }
  await untilCached(path, gets, digest);
  assert.equal(gets(), 3);
});
