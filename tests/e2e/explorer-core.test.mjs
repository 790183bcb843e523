// The explorer's wasm exports (src/js/explorer.rs, wasm32 only) through the package's Node entry:
// the tag order the page sorts by and the summaries /api/v1/ is built from.
import assert from "node:assert/strict";
import { test } from "node:test";
import "../../worker/pkg/node.js"; // instantiates the wasm (the full build: explorer.rs too)
import * as api from "../../worker/pkg/node.js";
// explorer.rs exports are the wasm's own, not the package's API: from the glue, as gateway.mjs does.
import * as explorer from "../../worker/pkg/pullgate.js";

const pg = { ...api, ...explorer, digest: api.digest };

const order = (names) => [...pg.explorerTagOrder(names)].map((i) => names[i]);

test("tag order: versions by their numbers, pre-releases before the release, then other tags naturally", () => {
  const names = ["latest", "10.0.0", "2.0.0", "v2.0.0", "2.0.0-rc.1", "2.0.0-beta.2", "2.0.0-beta.10", "2", "2.0", "2.0-alpine", "nightly-10", "nightly-9", "1.10.0", "1.9.0"];
  assert.deepEqual(order(names), ["1.9.0", "1.10.0", "2", "2.0", "2.0-alpine", "2.0.0-beta.2", "2.0.0-beta.10", "2.0.0-rc.1", "2.0.0", "v2.0.0", "10.0.0", "latest", "nightly-9", "nightly-10"]);
  assert.deepEqual(order([]), []);
  // Highest first: the versions from the top, then the other tags, still in natural order.
  const down = [...pg.explorerTagOrder(names, true)].map((i) => names[i]);
  assert.deepEqual(down, ["10.0.0", "v2.0.0", "2.0.0", "2.0.0-rc.1", "2.0.0-beta.10", "2.0.0-beta.2", "2.0-alpine", "2.0", "2", "1.10.0", "1.9.0", "latest", "nightly-9", "nightly-10"]);
  assert.deepEqual([...pg.explorerTagOrder(names, false)].map((i) => names[i]), order(names));
  assert.throws(() => pg.explorerTagOrder(names, "yes"), { name: "PullgateError" });
  assert.throws(() => pg.explorerTagOrder([1]), { name: "PullgateError", code: "INVALID_ARGUMENT" });
});

const digestOf = (text) => pg.digest(text);
const image = (arch) => JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(`config ${arch}`), size: 10 },
  layers: [100, 23].map((size, i) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: digestOf(`${arch} ${i}`), size })),
});

test("an index summary attaches each attestation to the platform it describes", () => {
  const amd = image("amd64");
  const arm = image("arm64");
  const attestation = (subject) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: digestOf(`att ${subject}`),
    size: 5,
    platform: { os: "unknown", architecture: "unknown" },
    annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": subject },
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf(amd), size: amd.length, platform: { os: "linux", architecture: "amd64" } },
      { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf(arm), size: arm.length, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
      attestation(digestOf(arm)),
      attestation(digestOf("elsewhere")),
    ],
  });
  const summary = pg.explorerManifest(index, undefined, digestOf(index));
  assert.equal(summary.kind, "index");
  assert.deepEqual(summary.platforms.map((p) => [p.platform, p.attestations.map((a) => a.digest)]), [
    ["linux/amd64", []],
    ["linux/arm64/v8", [digestOf(`att ${digestOf(arm)}`)]],
  ]);
  assert.deepEqual(summary.unattachedAttestations.map((a) => a.digest), [digestOf(`att ${digestOf("elsewhere")}`)]);

  const child = pg.explorerManifest(new TextEncoder().encode(amd));
  assert.equal(child.compressedSize, 123);
  assert.equal(child.totalSize, 133);
  assert.throws(() => pg.explorerManifest(index, undefined, digestOf("other")), { code: "DIGEST_MISMATCH" });
});

test("a config summary: platform, created, container defaults, history", () => {
  const config = JSON.stringify({
    architecture: "arm",
    os: "linux",
    variant: "v7",
    created: "2024-03-10T12:00:00Z",
    config: { Entrypoint: ["/bin/app"], Env: ["A=1"], User: "app", WorkingDir: "/srv", Labels: { x: "y" } },
    rootfs: { type: "layers", diff_ids: [digestOf("l0")] },
    history: [{ created: "2024-03-10T12:00:00Z", created_by: "ADD x /" }, { created_by: "ENV A=1", empty_layer: true }],
  });
  const summary = pg.explorerConfig(config, digestOf(config));
  assert.equal(summary.platform, "linux/arm/v7");
  assert.equal(summary.created, "2024-03-10T12:00:00Z");
  assert.deepEqual([summary.entrypoint, summary.env, summary.user, summary.workingDir, summary.labels], [["/bin/app"], ["A=1"], "app", "/srv", { x: "y" }]);
  assert.equal(summary.layerCount, 1);
  assert.deepEqual(summary.history.map((h) => [h.createdBy, h.emptyLayer ?? false]), [["ADD x /", false], ["ENV A=1", true]]);
  assert.throws(() => pg.explorerConfig("{}"), { code: "MANIFEST_INVALID" });
});

test("the full build's browser entry exports the whole API and the explorer's exports, none dropped", async () => {
  // A name exported by both api.js and the glue would be ambiguous under `export *` and vanish.
  const browser = await import("../../www/pkg/browser.js");
  const publicApi = await import("../../pkg/api.js");
  for (const name of Object.keys(publicApi)) assert.ok(name in browser, `www/pkg/browser.js exports ${name}`);
  for (const name of ["explorerTagOrder", "explorerManifest", "explorerConfig"]) assert.equal(typeof browser[name], "function", name);
  const ownApi = await import("../../www/pkg/api.js");
  assert.equal(browser.normalizeReference, ownApi.normalizeReference, "the API's own wrapper, not the raw wasm export");
});
