// Page benchmark of the explorer (not a test): time from navigation to the tag list painted
// (the page's performance marks, one frame after the rows are in the DOM: `tags-first-painted`
// for the first page of tags from /api/v1, `tags-painted` once every tag is in) and the
// bytes transferred, for demo/many-tags (300 tags) and a seeded repository of 10,000 tags;
// cold (fresh browser profile, freshly started gateway: every cache empty) and warm (the same
// page loaded again right after: browser cache and the gateway's caches warm).
//
//   node bench/www/explorer.mjs [--runs 3] [--tags 10000] [--images 2000]
//
// Runs a real registry (seeded), the gateway in workerd (Miniflare) and Debian's Chromium, all
// on 127.0.0.1, and prints a Markdown table for BENCHMARKS.md.
import { cpus } from "node:os";
import { chromium } from "playwright-core";
import { startGateway } from "../../worker/gateway.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import * as pg from "../../pkg/node.js";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split(/\s*--/)
    .filter(Boolean)
    .map((a) => a.split(/\s+/)),
);
const RUNS = Number(args.runs ?? 3);
const TAGS = Number(args.tags ?? 10000);
const IMAGES = Number(args.images ?? 2000);
const BIG = "bench/ten-thousand";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const encoder = new TextEncoder();

async function put(registry, path, { method = "PUT", body, headers = {}, expect }) {
  const response = await fetch(`${registry}${path}`, { method, body, headers });
  await response.arrayBuffer();
  if (!expect.includes(response.status)) throw new Error(`${method} ${path}: ${response.status}`);
  return response;
}

async function pushBlob(registry, repository, bytes) {
  const digest = pg.digest(bytes);
  const start = await put(registry, `/v2/${repository}/blobs/uploads/`, { method: "POST", expect: [202] });
  const location = new URL(start.headers.get("location"), registry);
  location.searchParams.set("digest", digest);
  await put(registry, location.pathname + location.search, { body: bytes, headers: { "content-type": "application/octet-stream" }, expect: [201] });
  return { mediaType: "", digest, size: bytes.length };
}

async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/**
 * `tags` tags over `images` distinct single-platform images (one shared layer, one config
 * each with its own created time), as a CI repository tagging every build several ways grows.
 */
async function seedBig(registry, tags, images) {
  const layer = await pushBlob(registry, BIG, encoder.encode("a layer shared by every image"));
  const manifests = [];
  await pool([...Array(images).keys()], 16, async (i) => {
    const created = new Date(Date.UTC(2024, 0, 1) + i * 3600_000).toISOString();
    const config = await pushBlob(registry, BIG, encoder.encode(JSON.stringify({ architecture: "amd64", os: "linux", created, config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: [pg.digest(`diff ${i}`)] } })));
    manifests[i] = encoder.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config.digest, size: config.size },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.size }],
    }));
  });
  const names = [...Array(tags).keys()].map((i) => (i % 5 === 0 ? `1.${Math.floor(i / 100)}.${i % 100}` : `build-${i}`));
  await pool([...names.keys()], 16, (i) =>
    put(registry, `/v2/${BIG}/manifests/${names[i]}`, { body: manifests[i % images], headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, expect: [201] }),
  );
}

/** One page load: ms from navigation start to the tags-painted mark, and bytes transferred. */
async function load(page, gateway, repository, count) {
  await page.goto(`${gateway}/#/r/${repository}`, { waitUntil: "commit" });
  await page.waitForFunction(
    ([n]) => performance.getEntriesByName("tags-painted").some((m) => m.detail?.count === n),
    [count],
    { timeout: 600_000, polling: 50 },
  );
  return page.evaluate(() => {
    const painted = performance.getEntriesByName("tags-painted")[0].startTime;
    const first = performance.getEntriesByName("tags-first-painted")[0].startTime;
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    const apis = entries.filter((e) => e.name.includes("/api/v1/repositories/"));
    return {
      first,
      painted,
      transferred: entries.reduce((sum, e) => sum + e.transferSize, 0),
      decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0),
      requests: entries.length,
      apiRequests: apis.length,
      apiBytes: apis.reduce((sum, e) => sum + e.decodedBodySize, 0),
    };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;

const registry = await startRegistry();
let browser;
try {
  let started = Date.now();
  await seed(registry.url);
  await seedBig(registry.url, TAGS, IMAGES);
  console.error(`seeded in ${Date.now() - started} ms`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const rows = [];
  for (const [repository, count] of [["demo/many-tags", 300], [BIG, TAGS]]) {
    const cold = [];
    const warm = [];
    for (let run = 0; run < RUNS; run++) {
      const gateway = await startGateway({ upstream: registry.url, requestLimit: "1000000;w=60" });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        cold.push(await load(page, gateway.url, repository, count));
        // A fresh document (not a hash change) on the same origin, caches warm.
        await page.goto("about:blank");
        warm.push(await load(page, gateway.url, repository, count));
        console.error(repository, `run ${run + 1}: cold ${cold.at(-1).first.toFixed(0)}/${cold.at(-1).painted.toFixed(0)} ms, warm ${warm.at(-1).first.toFixed(0)}/${warm.at(-1).painted.toFixed(0)} ms`);
      } finally {
        await context.close();
        await gateway.stop();
      }
    }
    for (const [name, runs] of [["cold", cold], ["warm", warm]]) {
      rows.push(
        `| ${repository} (${count} tags) | ${name} | ${median(runs.map((r) => r.first)).toFixed(0)} ms | ${median(runs.map((r) => r.painted)).toFixed(0)} ms | ${kb(median(runs.map((r) => r.transferred)))} | ${kb(median(runs.map((r) => r.decoded)))} | ${runs[0].apiRequests}, ${kb(runs[0].apiBytes)} |`,
      );
    }
  }
  console.log(`Explorer page, median of ${RUNS} runs, ${cpus().length} cores (${cpus()[0].model}), Chromium headless, gateway in Miniflare, registry on tmpfs:\n`);
  console.log("| repository | load | navigation to first tags painted | navigation to all tags painted | bytes transferred | bytes decoded | /api/v1 tag pages, JSON |");
  console.log("|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
} finally {
  await browser?.close();
  await registry.stop();
}
