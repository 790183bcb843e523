// The npm package in Node, beside the most-used pure-JS reference parser and Node's crypto, in
// one run: calls per second through the package (by its built pkg/), streaming SHA-256 MB/s,
// and the ratios issue 4 sets goals for. `make bench-js` (part of `make bench`) runs it;
// `--write` puts the figures into BENCHMARKS.md ("npm package (Node)").
//
//   node bench/js/bench.mjs [--write] [--quick]
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { createRequire } from "node:module";

const root = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);
const swimlane = require("@swimlane/docker-reference");
const pkgDir = process.env.PULLGATE_PKG ?? join(root, "pkg");
const pg = await import(pathToFileURL(join(pkgDir, "node.js")).href);
// The browsers' path: a second instance of the glue (its own wasm), whose hasher is wasm sha2.
const glue = await import(pathToFileURL(join(pkgDir, "pullgate.js")).href + "?wasm-path");
glue.initSync({ module: readFileSync(join(pkgDir, "pullgate_bg.wasm")) });
const quick = process.argv.includes("--quick");

// Reference strings as they come (51 bytes on average): tags, digests, registries with ports.
const references = [
  "docker.io/library/ubuntu:22.04",
  "ghcr.io/actions/actions-runner:2.311.0",
  "registry.example.com:5000/team/app/api@sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b",
  "quay.io/prometheus/node-exporter:v1.7.0",
  "localhost:5000/demo/single:1.0.0",
  "gcr.io/distroless/static-debian12:nonroot",
  "mcr.microsoft.com/dotnet/aspnet:8.0-jammy",
  "public.ecr.aws/lambda/nodejs:20",
];
// Familiar forms (Docker Hub names without a domain) beside qualified ones, for normalizing.
const familiar = [
  "ubuntu:22.04",
  "nginx",
  "bitnami/redis:7.2",
  "alpine@sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b",
  ...references.slice(0, 4),
];
const meanLength = references.reduce((n, r) => n + r.length, 0) / references.length;
// The same shapes made distinct (a counter in the path and the tag), 200k of them, so that
// neither side gains from seeing the same few strings again (V8 caches a regexp's last match
// input; the fast path copies each string anew).
const distinct = Array.from({ length: 200000 }, (_, i) => {
  const r = references[i % references.length];
  const slash = r.indexOf("/") + 1;
  const rest = r.slice(slash);
  const tagged = rest.includes("@") ? rest : rest.replace(/:([^:/]+)$/, `:$1-${(i * 7).toString(36)}`);
  return `${r.slice(0, slash)}p${i.toString(36)}${tagged}`;
});

/** Calls per second of `fn` over `inputs`, best of a few timed rounds. */
function rate(fn, inputs, minMs = quick ? 150 : 600) {
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink ^= fn(inputs[i % inputs.length]) ? 1 : 0; // warm-up
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs / 3) {
      for (let i = 0; i < 1000; i++) sink ^= fn(inputs[(n + i) % inputs.length]) ? 1 : 0;
      n += 1000;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (n / elapsed) * 1000);
  }
  if (sink === 42) console.log("");
  return best;
}

/** MB/s of streaming `total` bytes in `chunk`-byte pieces. */
function throughput(make, total, chunkSize) {
  const chunk = new Uint8Array(chunkSize).map((_, i) => (i * 2654435761) >>> 24);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const h = make();
    const start = performance.now();
    for (let done = 0; done < total; done += chunkSize) h.update(chunk);
    h.finish();
    best = Math.max(best, total / 1e6 / ((performance.now() - start) / 1000));
  }
  return best;
}

const manifest = readFileSync(join(root, "tests/fixtures/manifest.json"), "utf8");
const index = JSON.parse(manifest).cases.find((c) => c.fn === "selectPlatform").args[0];
const headers = [["ratelimit-limit", "100;w=21600"], ["ratelimit-remaining", "76;w=21600"], ["docker-ratelimit-source", "192.0.2.1"]];

const results = {};
// Alternating rounds, best of each: on a shared machine both sides see the same load.
results.parseReference = 0;
results.swimlane = 0;
for (let round = 0; round < (quick ? 2 : 5); round++) {
  results.parseReference = Math.max(results.parseReference, rate((s) => pg.parseReference(s), references, 300));
  results.swimlane = Math.max(results.swimlane, rate((s) => swimlane.parseQualifiedName(s), references, 300));
}
results.distinctOurs = 0;
results.distinctSwimlane = 0;
for (let round = 0; round < (quick ? 2 : 5); round++) {
  results.distinctOurs = Math.max(results.distinctOurs, rate((s) => pg.parseReference(s), distinct, 300));
  results.distinctSwimlane = Math.max(results.distinctSwimlane, rate((s) => swimlane.parseQualifiedName(s), distinct, 300));
}
// Normalizing (distribution's ParseNormalizedNamed) beside @swimlane's parseFamiliarName, the
// same job, over familiar and qualified forms; and @swimlane's other two parsers for the record
// (parseAll and parseQualifiedNameOptimized cost about 1.9 us here: issue 4's figure for the peer).
results.normalizeReference = 0;
results.familiarSwimlane = 0;
for (let round = 0; round < (quick ? 2 : 5); round++) {
  results.normalizeReference = Math.max(results.normalizeReference, rate((s) => pg.normalizeReference(s), familiar, 300));
  results.familiarSwimlane = Math.max(results.familiarSwimlane, rate((s) => swimlane.parseFamiliarName(s), familiar, 300));
}
results.swimlaneAll = rate((s) => swimlane.parseAll(s), familiar);
results.swimlaneOptimized = rate((s) => swimlane.parseQualifiedNameOptimized(s), references);
results.parseNamed = rate((s) => pg.parseNamed(s), references.map((r) => pg.normalizeReference(r).string));
results.parseDigest = rate((s) => pg.parseDigest(s), ["sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b"]);
results.parsePlatform = rate((s) => pg.parsePlatform(s), ["linux/arm64/v8", "windows/amd64", "linux/arm/v7"]);
results.parseManifest = rate((s) => pg.parseManifest(s), [index]);
results.parseRateLimit = rate((h) => pg.parseRateLimit(h), [headers]);

const total = quick ? 64 << 20 : 256 << 20;
const MiB = 1 << 20;
results.nodeCrypto = throughput(() => { const h = createHash("sha256"); return { update: (c) => h.update(c), finish: () => h.digest("hex") }; }, total, MiB);
results.hasherNode = throughput(() => new pg.Hasher(), total, MiB);
results.hasherWasm = throughput(() => new glue.WasmHasher(), total, MiB);
results.hasherWasm64k = throughput(() => new glue.WasmHasher(), total, 64 * 1024);

const wasm = readFileSync(join(pkgDir, "pullgate_bg.wasm"));
const size = { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };

const us = (r) => (1e6 / r).toFixed(2);
const lines = [
  `| measure | pullgate | beside | ratio | goal |`,
  `|---|---|---|---|---|`,
  `| parseReference (${meanLength.toFixed(0)}-byte refs) | ${(results.parseReference / 1e6).toFixed(2)} M/s (${us(results.parseReference)} µs) | @swimlane/docker-reference parseQualifiedName ${(results.swimlane / 1e6).toFixed(2)} M/s (${us(results.swimlane)} µs) | **${(results.parseReference / results.swimlane).toFixed(2)}x** | ≥ 3x |`,
  `| parseReference, 200k distinct refs | ${(results.distinctOurs / 1e6).toFixed(2)} M/s (${us(results.distinctOurs)} µs) | parseQualifiedName ${(results.distinctSwimlane / 1e6).toFixed(2)} M/s (${us(results.distinctSwimlane)} µs) | **${(results.distinctOurs / results.distinctSwimlane).toFixed(2)}x** | ≥ 3x |`,
  `| Hasher sha256, Node entry (node:crypto underneath), 1 MiB chunks | ${results.hasherNode.toFixed(0)} MB/s | node:crypto createHash ${results.nodeCrypto.toFixed(0)} MB/s | **${(results.hasherNode / results.nodeCrypto).toFixed(2)}x** | ≥ 0.9x |`,
  `| Hasher sha256, wasm path (browsers), 1 MiB chunks | ${results.hasherWasm.toFixed(0)} MB/s | node:crypto ${results.nodeCrypto.toFixed(0)} MB/s | ${(results.hasherWasm / results.nodeCrypto).toFixed(2)}x | ≥ 300 MB/s |`,
  `| Hasher sha256, wasm path, 64 KiB chunks | ${results.hasherWasm64k.toFixed(0)} MB/s | | | |`,
  `| normalizeReference (familiar and qualified refs) | ${(results.normalizeReference / 1e6).toFixed(2)} M/s (${us(results.normalizeReference)} µs) | @swimlane parseFamiliarName ${(results.familiarSwimlane / 1e6).toFixed(2)} M/s (${us(results.familiarSwimlane)} µs) | **${(results.normalizeReference / results.familiarSwimlane).toFixed(2)}x** | |`,
  `| (for the record) | | @swimlane parseAll ${us(results.swimlaneAll)} µs, parseQualifiedNameOptimized ${us(results.swimlaneOptimized)} µs | parseReference ${(results.parseReference / results.swimlaneOptimized).toFixed(1)}x the latter | |`,
  `| parseNamed (canonical input) | ${(results.parseNamed / 1e6).toFixed(2)} M/s (${us(results.parseNamed)} µs) | | | |`,
  `| parseDigest | ${(results.parseDigest / 1e6).toFixed(2)} M/s (${us(results.parseDigest)} µs) | | | |`,
  `| parsePlatform | ${(results.parsePlatform / 1e6).toFixed(2)} M/s (${us(results.parsePlatform)} µs) | | | |`,
  `| parseManifest (${index.length}-byte index) | ${(results.parseManifest / 1e3).toFixed(1)} k/s (${us(results.parseManifest)} µs) | | | |`,
  `| parseRateLimit (3 Docker Hub headers) | ${(results.parseRateLimit / 1e6).toFixed(2)} M/s (${us(results.parseRateLimit)} µs) | | | |`,
  `| wasm size | ${size.raw} B raw, **${size.gzip} B gzip** (zlib level 9; \`gzip -9\` gives a few KB less) | | | ≤ 150 KB gzip |`,
];
const table = lines.join("\n");
console.log(table);

if (process.argv.includes("--write")) {
  const file = join(root, "BENCHMARKS.md");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = "# Benchmarks\n";
  }
  const section = `## npm package (Node)\n\n\`node bench/js/bench.mjs --write\` (\`make bench-js\`), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, this machine (2 cores shared with other builds: figures move by ±30% between runs; ratios come from alternating rounds). Through the built package (pkg/); best of 3 rounds each.\n\n${table}\n`;
  const re = /## npm package \(Node\)\n[\s\S]*?(?=\n## |$)/;
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
