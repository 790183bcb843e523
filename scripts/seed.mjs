// Seeds a registry with the demo images by pushing them over the registry HTTP API
// (distribution spec: POST/PUT blob uploads, PUT manifests), digests from the pullgate package.
//
//   node scripts/seed.mjs --registry http://127.0.0.1:5000
//
// Idempotent: a blob the registry has (HEAD) is not uploaded again, a tag already pointing at
// the same manifest digest is not pushed again. Everything is deterministic (fixed mtimes and
// `created` times), so reseeding an empty registry gives the same digests.
//
//   library/hello      one image, Docker schema 2 media types ("hello" normalizes to it)
//   demo/single        one image, OCI media types, two layers
//   demo/multiarch     OCI index: linux/amd64, linux/arm64/v8, linux/arm/v7, each with a
//                      buildkit-style attestation manifest (unknown/unknown, in-toto layers)
//   demo/many-tags     300 tags (semver-like and not) sharing layers
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/proc.mjs";
import { gzip, tar } from "./lib/tar.mjs";

let pg;
try {
  pg = await import("../pkg/node.js");
} catch (err) {
  throw new Error(`seed: the pullgate package is not built (run make build): ${err.message}`);
}

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  inToto: "application/vnd.in-toto+json",
};

const encoder = new TextEncoder();
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SOURCE = "https://example.invalid/pullgate";

/** Seconds since the epoch of an ISO date (layer mtimes). */
const unix = (iso) => Math.floor(Date.parse(iso) / 1000);

/** A blob to push: bytes, digest, size. */
function blob(bytes) {
  return { bytes, digest: pg.digest(bytes), size: bytes.length };
}

/** A gzip'd layer of `entries` (see lib/tar.mjs) with its diff ID (digest of the tar). */
function layer(entries, created) {
  const raw = tar(entries, unix(created));
  return { ...blob(gzip(raw)), diffId: pg.digest(raw) };
}

/** JSON as registries and buildkit write it: compact, keys in the given order. */
function json(value) {
  return encoder.encode(JSON.stringify(value));
}

function descriptor(mediaType, b, extra = {}) {
  return { mediaType, digest: b.digest, size: b.size, ...extra };
}

/**
 * An image: config (with history, env, entrypoint, labels, created) plus layers, as OCI or
 * Docker schema 2. `steps` are Dockerfile-like history entries; those with a `layer` add it.
 */
function image({ oci = true, platform, created, env = [], entrypoint, cmd, workdir, labels = {}, steps }) {
  const layers = steps.filter((s) => s.layer).map((s) => s.layer);
  const config = blob(
    json({
      created,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      config: {
        Env: [PATH_ENV, ...env],
        ...(entrypoint ? { Entrypoint: entrypoint } : {}),
        ...(cmd ? { Cmd: cmd } : {}),
        ...(workdir ? { WorkingDir: workdir } : {}),
        Labels: labels,
      },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: steps.map((s) => ({
        created: s.created,
        created_by: s.createdBy,
        ...(s.layer ? {} : { empty_layer: true }),
        comment: "buildkit.dockerfile.v0",
      })),
    }),
  );
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
      config: descriptor(oci ? MEDIA.ociConfig : MEDIA.dockerConfig, config),
      layers: layers.map((l) => descriptor(oci ? MEDIA.ociLayer : MEDIA.dockerLayer, l)),
    }),
  );
  return { mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest, manifest, blobs: [config, ...layers], platform };
}

/**
 * A buildkit-style attestation manifest for `img` (as `docker buildx build --attest` pushes):
 * an OCI manifest of in-toto statements (SLSA provenance and an SPDX SBOM) whose index entry has
 * platform unknown/unknown and points back at the image with vnd.docker.reference.* annotations.
 */
function attestation(repository, tag, img, created) {
  const { architecture, os, variant } = img.platform;
  const platformString = [os, architecture, variant].filter(Boolean).join("/");
  const subject = [
    {
      name: `pkg:docker/${repository}@${tag}?platform=${encodeURIComponent(platformString)}`,
      digest: { sha256: img.manifest.digest.slice("sha256:".length) },
    },
  ];
  const provenance = blob(
    json({
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://slsa.dev/provenance/v0.2",
      subject,
      predicate: {
        builder: { id: "" },
        buildType: "https://mobyproject.org/buildkit@v1",
        metadata: { buildStartedOn: created, buildFinishedOn: created, completeness: { parameters: true } },
        invocation: { configSource: { entryPoint: "Dockerfile" }, parameters: { frontend: "dockerfile.v0" } },
      },
    }),
  );
  const sbom = blob(
    json({
      _type: "https://in-toto.io/Statement/v0.6",
      predicateType: "https://spdx.dev/Document",
      subject,
      predicate: {
        spdxVersion: "SPDX-2.3",
        dataLicense: "CC0-1.0",
        SPDXID: "SPDXRef-DOCUMENT",
        name: `${repository}:${tag} (${platformString})`,
        creationInfo: { created, creators: ["Tool: pullgate-seed"] },
        packages: [{ name: "demo-app", SPDXID: "SPDXRef-Package-demo-app", versionInfo: tag, downloadLocation: "NOASSERTION" }],
      },
    }),
  );
  const layers = [
    descriptor(MEDIA.inToto, provenance, { annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" } }),
    descriptor(MEDIA.inToto, sbom, { annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" } }),
  ];
  const config = blob(
    json({
      architecture: "unknown",
      os: "unknown",
      config: {},
      rootfs: { type: "layers", diff_ids: [provenance.digest, sbom.digest] },
    }),
  );
  const manifest = blob(
    json({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: descriptor(MEDIA.ociConfig, config), layers }),
  );
  return {
    mediaType: MEDIA.ociManifest,
    manifest,
    blobs: [config, provenance, sbom],
    entry: descriptor(MEDIA.ociManifest, manifest, {
      annotations: {
        "vnd.docker.reference.digest": img.manifest.digest,
        "vnd.docker.reference.type": "attestation-manifest",
      },
      platform: { architecture: "unknown", os: "unknown" },
    }),
  };
}

function osRelease(arch) {
  return [
    { path: "etc", dir: true },
    {
      path: "etc/os-release",
      content: `NAME="Pullgate Demo Linux"\nID=pullgate\nVERSION_ID=1.0\nPRETTY_NAME="Pullgate Demo Linux 1.0 (${arch})"\nHOME_URL="${SOURCE}"\n`,
    },
    { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
    { path: "etc/group", content: "root:x:0:\nnogroup:x:65534:\n" },
    { path: "etc/hostname", content: "pullgate\n" },
    { path: "etc/arch", content: `${arch}\n` },
    { path: "root", dir: true, mode: 0o700 },
    { path: "tmp", dir: true, mode: 0o1777 },
  ];
}

function helloImage() {
  const created = "2024-01-15T09:00:00Z";
  const rootfs = layer(
    [
      { path: "hello", content: "#!/bin/sh\necho 'Hello from pullgate!'\necho 'This image was pushed by scripts/seed.mjs over the registry HTTP API.'\n", mode: 0o755 },
      { path: "etc", dir: true },
      { path: "etc/motd", content: "Hello from pullgate!\n" },
    ],
    created,
  );
  return image({
    oci: false,
    platform: { os: "linux", architecture: "amd64" },
    created,
    entrypoint: ["/hello"],
    labels: { "org.opencontainers.image.title": "hello", "org.opencontainers.image.source": SOURCE },
    steps: [
      { created, createdBy: "COPY hello /hello # buildkit", layer: rootfs },
      { created, createdBy: 'ENTRYPOINT ["/hello"]' },
    ],
  });
}

function singleImage() {
  const baseCreated = "2024-02-01T08:00:00Z";
  const created = "2024-02-03T10:30:00Z";
  const base = layer(osRelease("amd64"), baseCreated);
  const app = layer(
    [
      { path: "app", dir: true },
      { path: "app/index.html", content: "<!doctype html>\n<title>demo/single</title>\n<h1>demo/single</h1>\n" },
      { path: "app/serve.sh", content: '#!/bin/sh\ncd /app && exec httpd -f -p "${PORT:-8080}"\n', mode: 0o755 },
      { path: "app/VERSION", content: "1.0.0\n" },
    ],
    created,
  );
  return image({
    platform: { os: "linux", architecture: "amd64" },
    created,
    env: ["PORT=8080", "APP_HOME=/app"],
    entrypoint: ["/app/serve.sh"],
    workdir: "/app",
    labels: {
      "org.opencontainers.image.title": "demo/single",
      "org.opencontainers.image.version": "1.0.0",
      "org.opencontainers.image.created": created,
      "org.opencontainers.image.source": SOURCE,
      "org.opencontainers.image.licenses": "MIT",
    },
    steps: [
      { created: baseCreated, createdBy: "ADD rootfs.tar / # buildkit", layer: base },
      { created: baseCreated, createdBy: 'CMD ["/bin/sh"]' },
      { created, createdBy: "ENV PORT=8080 APP_HOME=/app" },
      { created, createdBy: "COPY app/ /app/ # buildkit", layer: app },
      { created, createdBy: "WORKDIR /app" },
      { created, createdBy: 'ENTRYPOINT ["/app/serve.sh"]' },
    ],
  });
}

const MULTIARCH_PLATFORMS = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64", variant: "v8" },
  { os: "linux", architecture: "arm", variant: "v7" },
];

function multiarchImages(tag) {
  const app = layer(
    [
      { path: "usr", dir: true },
      { path: "usr/local", dir: true },
      { path: "usr/local/bin", dir: true },
      { path: "usr/local/bin/whoami", content: '#!/bin/sh\necho "running on $(cat /etc/arch)"\n', mode: 0o755 },
    ],
    "2024-03-10T12:00:00Z",
  );
  return MULTIARCH_PLATFORMS.map((platform, i) => {
    const arch = [platform.architecture, platform.variant].filter(Boolean).join("/");
    // Each platform is built a few minutes after the previous, as a multi-platform build runs.
    const created = `2024-03-10T12:0${i * 3}:00Z`;
    const base = layer(osRelease(arch), "2024-03-01T00:00:00Z");
    return image({
      platform,
      created,
      env: [`TARGETPLATFORM=linux/${arch}`],
      entrypoint: ["/usr/local/bin/whoami"],
      labels: {
        "org.opencontainers.image.title": "demo/multiarch",
        "org.opencontainers.image.version": tag,
        "org.opencontainers.image.source": SOURCE,
      },
      steps: [
        { created: "2024-03-01T00:00:00Z", createdBy: `ADD rootfs-${arch.replace("/", "")}.tar / # buildkit`, layer: base },
        { created, createdBy: `ENV TARGETPLATFORM=linux/${arch}` },
        { created, createdBy: "COPY whoami /usr/local/bin/ # buildkit", layer: app },
        { created, createdBy: 'ENTRYPOINT ["/usr/local/bin/whoami"]' },
      ],
    });
  });
}

function multiarchIndex(repository, tag) {
  const images = multiarchImages(tag);
  const attestations = images.map((img) => attestation(repository, tag, img, "2024-03-10T12:10:00Z"));
  const index = blob(
    json({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [
        ...images.map((img) => descriptor(img.mediaType, img.manifest, { platform: img.platform })),
        ...attestations.map((a) => a.entry),
      ],
    }),
  );
  return { mediaType: MEDIA.ociIndex, manifest: index, children: [...images, ...attestations] };
}

/**
 * 300 tags as real repositories grow them: full versions, their major and minor aliases,
 * pre-releases, v-prefixed tags, variants and moving names. Returns `[tag, target]` pairs where
 * `target` is the full version (or own name) whose image the tag points at.
 */
export function manyTags() {
  const tags = [];
  for (let major = 1; major <= 3; major++) {
    for (let minor = 0; minor <= 9; minor++) {
      for (let patch = 0; patch <= 7; patch++) tags.push([`${major}.${minor}.${patch}`, `${major}.${minor}.${patch}`]);
      tags.push([`${major}.${minor}`, `${major}.${minor}.7`]);
    }
    tags.push([`${major}`, `${major}.9.7`]);
    tags.push([`v${major}.0.0`, `${major}.0.0`]);
  }
  for (const pre of ["alpha.1", "alpha.2", "beta.1", "rc.1", "rc.2"]) tags.push([`4.0.0-${pre}`, `4.0.0-${pre}`]);
  const moving = [
    ["latest", "3.9.7"],
    ["stable", "3.9.7"],
    ["lts", "2.9.7"],
    ["edge", "4.0.0-rc.2"],
    ["3.9-alpine", "3.9-alpine"],
    ["3.9.7-alpine", "3.9-alpine"],
    ["bookworm", "bookworm"],
    ["nightly", "nightly-2024-06-30"],
    ["main", "main"],
    ["sha-1a2b3c4", "main"],
    ["pr-1234", "pr-1234"],
    ["20240630", "nightly-2024-06-30"],
  ];
  tags.push(...moving);
  for (let day = 1; tags.length < 300; day++) {
    const name = `nightly-2024-06-${String(day).padStart(2, "0")}`;
    tags.push([name, name]);
  }
  if (tags.length !== 300 || new Set(tags.map(([t]) => t)).size !== 300) throw new Error("many-tags: expected 300 distinct tags");
  return tags;
}

function manyTagsImages(repository) {
  const base = layer(osRelease("amd64"), "2024-01-01T00:00:00Z");
  const tags = manyTags();
  const targets = [...new Set(tags.map(([, target]) => target))];
  // One app layer per release line, shared by every version in it.
  const lines = new Map();
  const appLayer = (line) => {
    if (!lines.has(line)) {
      lines.set(
        line,
        layer(
          [
            { path: "opt", dir: true },
            { path: "opt/app", dir: true },
            { path: "opt/app/RELEASE_LINE", content: `${line}\n` },
            { path: "opt/app/run.sh", content: `#!/bin/sh\necho "demo/many-tags release line ${line}"\n`, mode: 0o755 },
          ],
          "2024-01-02T00:00:00Z",
        ),
      );
    }
    return lines.get(line);
  };
  const start = Date.parse("2024-01-10T00:00:00Z");
  const images = new Map();
  targets.forEach((target, i) => {
    // Distinct created times, one build every six hours in tag order.
    const created = new Date(start + i * 6 * 3600 * 1000).toISOString().replace(".000Z", "Z");
    const line = /^\d+\.\d+/.test(target) ? target.match(/^\d+\.\d+/)[0] : target.replace(/-\d{4}-\d{2}-\d{2}$/, "");
    const app = appLayer(line);
    images.set(
      target,
      image({
        platform: { os: "linux", architecture: "amd64" },
        created,
        env: [`APP_VERSION=${target}`],
        entrypoint: ["/opt/app/run.sh"],
        labels: {
          "org.opencontainers.image.title": repository,
          "org.opencontainers.image.version": target,
          "org.opencontainers.image.created": created,
          "org.opencontainers.image.source": SOURCE,
        },
        steps: [
          { created: "2024-01-01T00:00:00Z", createdBy: "ADD rootfs.tar / # buildkit", layer: base },
          { created, createdBy: `ENV APP_VERSION=${target}` },
          { created, createdBy: "COPY opt/app /opt/app # buildkit", layer: app },
          { created, createdBy: 'ENTRYPOINT ["/opt/app/run.sh"]' },
        ],
      }),
    );
  });
  return tags.map(([tag, target]) => [tag, images.get(target)]);
}

/** A client for the push half of the distribution API. */
class Pusher {
  constructor(registry) {
    this.registry = registry.replace(/\/+$/, "");
    this.stats = { blobsPushed: 0, blobsSkipped: 0, manifestsPushed: 0, manifestsSkipped: 0 };
  }

  async request(method, path, { headers = {}, body, expect }) {
    const url = path.startsWith("http") ? path : `${this.registry}${path}`;
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    if (expect && !expect.includes(response.status)) {
      const text = await response.text();
      throw new Error(`seed: ${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
    }
    return response;
  }

  async pushBlob(repository, b) {
    const head = await this.request("HEAD", `/v2/${repository}/blobs/${b.digest}`, {});
    if (head.status === 200) {
      this.stats.blobsSkipped++;
      return;
    }
    const start = await this.request("POST", `/v2/${repository}/blobs/uploads/`, { expect: [202] });
    await start.arrayBuffer();
    const location = new URL(start.headers.get("location"), this.registry);
    location.searchParams.set("digest", b.digest);
    const put = await this.request("PUT", location.href, {
      headers: { "content-type": "application/octet-stream", "content-length": String(b.size) },
      body: b.bytes,
      expect: [201],
    });
    await put.arrayBuffer();
    this.stats.blobsPushed++;
  }

  /** PUT a manifest under `reference` (a tag or its digest) unless it is there already. */
  async pushManifest(repository, reference, { mediaType, manifest }) {
    const head = await this.request("HEAD", `/v2/${repository}/manifests/${reference}`, { headers: { accept: mediaType } });
    if (head.status === 200 && head.headers.get("docker-content-digest") === manifest.digest) {
      this.stats.manifestsSkipped++;
      return;
    }
    const put = await this.request("PUT", `/v2/${repository}/manifests/${reference}`, {
      headers: { "content-type": mediaType },
      body: manifest.bytes,
      expect: [201],
    });
    await put.arrayBuffer();
    const stored = put.headers.get("docker-content-digest");
    if (stored !== manifest.digest) throw new Error(`seed: ${repository}:${reference} stored as ${stored}, computed ${manifest.digest}`);
    this.stats.manifestsPushed++;
  }

  /** An image or index with everything it references, children first, under `tags`. */
  async push(repository, tags, artifact) {
    for (const child of artifact.children ?? []) await this.push(repository, [child.manifest.digest], child);
    for (const b of artifact.blobs ?? []) await this.pushBlob(repository, b);
    for (const tag of tags) await this.pushManifest(repository, tag, artifact);
  }

  /**
   * Many single-platform images into one repository, `concurrency` at a time. Their distinct
   * blobs go first: distribution answers a HEAD for a blob another request is still uploading
   * before the manifest PUT can see it, so shared layers must not be raced.
   */
  async pushMany(repository, tagged, concurrency) {
    const blobs = new Map();
    for (const [, img] of tagged) for (const b of img.blobs) blobs.set(b.digest, b);
    await pool([...blobs.values()], concurrency, (b) => this.pushBlob(repository, b));
    await pool(tagged, concurrency, ([tag, img]) => this.pushManifest(repository, tag, img));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

/** Seeds `registry` (base URL); resolves to a summary of what was pushed and skipped. */
export async function seed(registry) {
  const pusher = new Pusher(registry);
  await pusher.push("library/hello", ["latest", "1.0"], helloImage());
  await pusher.push("demo/single", ["latest", "1.0.0"], singleImage());
  await pusher.push("demo/multiarch", ["latest", "2.1.0"], multiarchIndex("demo/multiarch", "2.1.0"));
  const many = manyTagsImages("demo/many-tags");
  await pusher.pushMany("demo/many-tags", many, 8);
  return { repositories: ["demo/many-tags", "demo/multiarch", "demo/single", "library/hello"], tags: 2 + 2 + 2 + many.length, ...pusher.stats };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), { registry: "value" });
  if (args.help || !args.registry) {
    console.log("usage: node scripts/seed.mjs --registry http://127.0.0.1:5000");
    process.exit(args.help ? 0 : 2);
  }
  const started = Date.now();
  const summary = await seed(args.registry);
  console.log(
    `seed: ${summary.repositories.length} repositories, ${summary.tags} tags; ` +
      `pushed ${summary.blobsPushed} blobs and ${summary.manifestsPushed} manifests, ` +
      `${summary.blobsSkipped + summary.manifestsSkipped} already present (${Date.now() - started} ms)`,
  );
}
