// The gateway as it runs: the worker module in workerd (Miniflare) in front of a real registry,
// driven by real clients (skopeo, fetch) on free ports.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startStack } from "../stack.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
let stack;
let scratch;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pullgate-worker-test-"));
  stack = await startStack();
});

after(async () => {
  try {
    await stack?.stop();
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
});

const gw = () => stack.gateway.url;
const gwHost = () => new URL(gw()).host;

/** Every blob of an OCI layout, checked against the digest it is named by. */
function checkLayout(dir) {
  const blobs = readdirSync(join(dir, "blobs/sha256"));
  assert.ok(blobs.length > 0, "the layout has blobs");
  for (const name of blobs) {
    const hash = createHash("sha256").update(readFileSync(join(dir, "blobs/sha256", name))).digest("hex");
    assert.equal(hash, name, `blob ${name} hashes to its digest`);
  }
  return blobs;
}

test("skopeo copies demo/single:latest through the gateway and every blob hashes to its digest", async () => {
  const dest = join(scratch, "single");
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${gwHost()}/demo/single:latest`, `oci:${dest}`]);
  const blobs = checkLayout(dest);
  const index = JSON.parse(readFileSync(join(dest, "index.json"), "utf8"));
  const manifestDigest = index.manifests[0].digest;
  const manifest = JSON.parse(readFileSync(join(dest, "blobs/sha256", manifestDigest.slice(7)), "utf8"));
  assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
  for (const d of [manifest.config, ...manifest.layers]) assert.ok(blobs.includes(d.digest.slice(7)), `${d.digest} was copied`);
  assert.equal(manifest.layers.length, 2);
  // The same digest as the registry itself serves: the gateway passes bytes through untouched.
  const head = await fetch(`${stack.registry.url}/v2/demo/single/manifests/latest`, {
    method: "HEAD",
    headers: { accept: manifest.mediaType },
  });
  assert.equal(head.headers.get("docker-content-digest"), manifestDigest);
});

test("skopeo copies the whole multi-arch index with its attestations", async () => {
  const dest = join(scratch, "multiarch");
  await run("skopeo", ["copy", "--all", "--src-tls-verify=false", `docker://${gwHost()}/demo/multiarch:latest`, `oci:${dest}`]);
  checkLayout(dest);
  const [top] = JSON.parse(readFileSync(join(dest, "index.json"), "utf8")).manifests;
  const index = JSON.parse(readFileSync(join(dest, "blobs/sha256", top.digest.slice(7)), "utf8"));
  const platforms = index.manifests.map((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join("/"));
  assert.deepEqual(platforms, ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "unknown/unknown", "unknown/unknown", "unknown/unknown"]);
  for (const m of index.manifests.slice(3)) {
    assert.equal(m.annotations["vnd.docker.reference.type"], "attestation-manifest");
    assert.ok(index.manifests.slice(0, 3).some((img) => img.digest === m.annotations["vnd.docker.reference.digest"]));
  }
});

test("/v2/ answers as a registry, lists and paginates through the gateway", async () => {
  const base = await fetch(`${gw()}/v2/`);
  assert.equal(base.status, 200);
  assert.equal(base.headers.get("docker-distribution-api-version"), "registry/2.0");

  const catalog = await fetch(`${gw()}/v2/_catalog`);
  assert.deepEqual((await catalog.json()).repositories, ["demo/many-tags", "demo/multiarch", "demo/single", "library/hello"]);

  const page = await fetch(`${gw()}/v2/_catalog?n=2`);
  assert.deepEqual((await page.json()).repositories, ["demo/many-tags", "demo/multiarch"]);
  const next = page.headers.get("link").match(/<([^>]+)>; rel="next"/)[1];
  const rest = await fetch(new URL(next, gw()));
  assert.deepEqual((await rest.json()).repositories, ["demo/single", "library/hello"]);

  const tags = await (await fetch(`${gw()}/v2/demo/many-tags/tags/list`)).json();
  assert.equal(tags.tags.length, 300);
});

test("manifests by digest are verified and passed on byte for byte", async () => {
  const accept = "application/vnd.oci.image.index.v1+json";
  const head = await fetch(`${gw()}/v2/demo/multiarch/manifests/latest`, { method: "HEAD", headers: { accept } });
  assert.equal(head.status, 200);
  const digest = head.headers.get("docker-content-digest");
  const body = new Uint8Array(await (await fetch(`${gw()}/v2/demo/multiarch/manifests/${digest}`, { headers: { accept } })).arrayBuffer());
  assert.equal(`sha256:${createHash("sha256").update(body).digest("hex")}`, digest);

  const missing = await fetch(`${gw()}/v2/demo/multiarch/manifests/sha256:${"0".repeat(64)}`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).errors[0].code, "MANIFEST_UNKNOWN");
});

test("invalid repository names are refused before the upstream sees them", async () => {
  for (const name of ["Demo/Single", "demo//single", "a:5000/x", "-demo", "x".repeat(256)]) {
    const response = await fetch(`${gw()}/v2/${name}/manifests/latest`);
    assert.equal(response.status, 400, name);
    const [error] = (await response.json()).errors;
    assert.equal(error.code, "NAME_INVALID", name);
  }
  const upper = await (await fetch(`${gw()}/v2/Demo/tags/list`)).json();
  assert.equal(upper.errors[0].message, 'invalid repository name: repository name must be lowercase: "Demo" (NAME_CONTAINS_UPPERCASE)');
  assert.equal((await fetch(`${gw()}/v2/library/hello/tags/list`)).status, 200);
});

test("the gateway is read-only", async () => {
  for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
    const response = await fetch(`${gw()}/v2/demo/single/manifests/latest`, { method, body: method === "DELETE" ? undefined : "{}" });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal((await response.json()).errors[0].code, "UNSUPPORTED");
  }
});

test("the explorer and the web build of the package are served at /", async () => {
  const page = await fetch(`${gw()}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  assert.match(await page.text(), /<script type="module" src="app.js">/);
  const wasm = await fetch(`${gw()}/pkg/pullgate_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  // The full build (the explorer's exports too), not the npm package's.
  const built = readFileSync(join(root, "www/pkg/pullgate_bg.wasm"));
  assert.deepEqual(Buffer.from(await wasm.arrayBuffer()), built);
  assert.notDeepEqual(built, readFileSync(join(root, "pkg/pullgate_bg.wasm")));
});

test("wrangler bundles the worker with the wasm for deployment (deploy --dry-run)", async () => {
  const outdir = join(scratch, "bundle");
  await run(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: join(root, "worker"),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  const files = readdirSync(outdir);
  assert.ok(files.includes("index.js"), "the bundle has the worker");
  const wasm = files.find((f) => f.endsWith("pullgate_bg.wasm"));
  assert.ok(wasm, "the bundle has the wasm");
  assert.deepEqual(readFileSync(join(outdir, wasm)), readFileSync(join(root, "worker/pkg/pullgate_bg.wasm")));
});

test("a tags page stops short at the upstream request budget and the next call goes on from there", async () => {
  // A counting front between a second gateway and the registry: what each /api/v1 call costs.
  const { createServer, request: httpRequest } = await import("node:http");
  const { startGateway } = await import("../../worker/gateway.mjs");
  const upstream = new URL(stack.registry.url);
  let upstreamRequests = 0;
  const front = createServer((req, res) => {
    upstreamRequests += 1;
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise((done) => front.listen(0, "127.0.0.1", done));
  const budget = 12;
  const gateway = await startGateway({ upstream: `http://127.0.0.1:${front.address().port}`, apiSubrequests: budget });
  try {
    const names = (await (await fetch(`${stack.registry.url}/v2/demo/many-tags/tags/list`)).json()).tags;
    const seen = [];
    let offset = 0;
    let calls = 0;
    while (offset !== null && calls < 400) {
      const before = upstreamRequests;
      const response = await fetch(`${gateway.url}/api/v1/repositories/demo/many-tags/tags?n=100&offset=${offset}`);
      calls += 1;
      assert.equal(response.status, 200, await response.clone().text());
      const page = await response.json();
      assert.ok(upstreamRequests - before <= budget, `call ${calls} made ${upstreamRequests - before} upstream requests, budget ${budget}`);
      assert.equal(page.offset, offset);
      assert.ok(page.count > 0 && page.count <= 100, `a page makes progress (count ${page.count})`);
      assert.equal(page.next, offset + page.count < names.length ? offset + page.count : null);
      for (const tag of page.tags) {
        assert.match(tag.digest, /^sha256:[0-9a-f]{64}$/);
        assert.ok(tag.platforms.length > 0);
      }
      seen.push(...page.tags.map((t) => t.name));
      offset = page.next;
    }
    assert.deepEqual(seen, names, "the pages cover every tag once, in the registry's order");
    assert.ok(calls > 3, `the budget cut pages short (${calls} calls for ${names.length} tags at n=100)`);
    // A setting out of range fails at start, naming it.
    await assert.rejects(startGateway({ upstream: stack.registry.url, apiSubrequests: 3 }), /API_SUBREQUESTS/);
  } finally {
    await gateway.stop();
    await new Promise((done) => front.close(done));
  }
});
