// The explorer page in Debian's Chromium (playwright-core), served by the gateway (workerd via
// Miniflare) in front of a seeded real registry on free ports. Each test saves a screenshot in
// test-results/. Expected figures are computed here from the registry's own manifests, not
// from the gateway's answers.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { startGateway } from "../../worker/gateway.mjs";
import { startStack } from "../stack.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const results = join(root, "test-results");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
let stack;
let browser;

before(async () => {
  mkdirSync(results, { recursive: true });
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    await stack?.stop();
  }
});

/** A page that records console errors, uncaught exceptions and any request leaving the gateway. */
async function open(path, { gateway = stack.gateway.url, viewport = { width: 1280, height: 900 }, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  // A cap, not a measurement: cold loads on a loaded 2-core machine can take a while.
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(gateway).origin;
  page.on("console", (m) => m.type() === "error" && !/status of (404|502)/.test(m.text()) && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`request off origin: ${r.url()}`);
  });
  await page.goto(`${gateway}${path}`);
  await page.waitForSelector("body[data-ready]");
  return { page, context, problems };
}

function statusIs(page, text) {
  if (process.env.E2E_TRACE) console.log(new Date().toISOString(), "waiting for", text);
  return page.waitForFunction((t) => document.getElementById("tags-status").textContent === t, text).catch(async (err) => {
    // Say where the page stood, not only that it never got there.
    const now = await page
      .evaluate(() => ({ status: document.getElementById("tags-status").textContent, state: document.getElementById("repository").dataset.state, problem: document.body.innerText.match(/.*(error|wrong|retry).*/i)?.[0] }))
      .catch(() => ({}));
    err.message += ` (waiting for ${JSON.stringify(text)}; the page shows ${JSON.stringify(now)})`;
    throw err;
  });
}

/** A manifest straight from the registry (not through the gateway). */
async function registryManifest(repository, reference) {
  const response = await fetch(`${stack.registry.url}/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  assert.equal(response.status, 200);
  return { digest: response.headers.get("docker-content-digest"), body: await response.json() };
}

/** The tags rendered right now in the virtual list, in order. */
const visibleRows = (page) =>
  page.$$eval("#tags-list .row", (rows) =>
    rows
      .map((r) => ({ index: Number(r.dataset.index), tag: r.dataset.tag, created: r.querySelector(".created time")?.getAttribute("datetime") ?? null }))
      .sort((a, b) => a.index - b.index),
  );

test("search: a substring lands on the repository, a pasted reference on the tag, a bad reference says why", async () => {
  const { page, context, problems } = await open("/");
  await page.waitForSelector('#repositories-list a[data-repository="demo/many-tags"]');
  assert.deepEqual(await page.$$eval("#repositories-list a", (as) => as.map((a) => a.textContent)), ["demo/many-tags", "demo/multiarch", "demo/single", "library/hello"]);

  await page.fill("#find-input", "many");
  await page.waitForSelector('#find-results:not([hidden]) a[data-repository="demo/many-tags"]');
  await page.press("#find-input", "Enter");
  await page.waitForFunction(() => location.hash === "#/r/demo/many-tags");
  await statusIs(page, "300 tags");

  const host = new URL(stack.gateway.url).host;
  const { digest } = await registryManifest("demo/multiarch", "2.1.0");
  await page.fill("#find-input", `${host}/demo/multiarch:2.1.0@${digest}`);
  await page.press("#find-input", "Enter");
  await page.waitForFunction((d) => location.hash === `#/r/demo/multiarch/t/${d}`, digest);
  await page.waitForSelector("#tag-body:not([hidden])");
  assert.equal(await page.textContent("#tag-digest"), digest);

  await page.fill("#find-input", "hello");
  await page.press("#find-input", "Enter");
  await page.waitForFunction(() => location.hash === "#/r/library/hello");
  await statusIs(page, "2 tags");

  await page.fill("#find-input", "Hello:1.0");
  await page.press("#find-input", "Enter");
  await page.waitForSelector("#find-error:not([hidden])");
  assert.equal(await page.textContent("#find-error"), 'Not a reference: repository name must be lowercase: "Hello:1.0" (NAME_CONTAINS_UPPERCASE)');
  await page.fill("#find-input", "ghcr.io/x/y:1.2");
  await page.press("#find-input", "Enter");
  await page.waitForFunction(() => document.getElementById("find-error").textContent.includes("ghcr.io is another registry"));
  await page.screenshot({ path: join(results, "explorer-search.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("demo/many-tags: all 300 tags, only the visible rows in the page, filter by substring and regex", async () => {
  const { page, context, problems } = await open("/#/r/demo/many-tags");
  await statusIs(page, "300 tags");
  const api = await (await fetch(`${stack.gateway.url}/api/v1/repositories/demo/many-tags/tags`)).json();
  assert.deepEqual([api.total, api.count, api.offset, api.next], [300, 300, 0, null]);
  assert.equal(new Set(api.tags.map((t) => t.name)).size, 300);
  // Pages of the API, followed by `next`, are the same 300 tags.
  const paged = [];
  for (let offset = 0; offset !== null; ) {
    const page = await (await fetch(`${stack.gateway.url}/api/v1/repositories/demo/many-tags/tags?n=128&offset=${offset}`)).json();
    assert.equal(page.total, 300);
    paged.push(...page.tags);
    offset = page.next;
  }
  assert.deepEqual(paged, api.tags);
  const bad = await fetch(`${stack.gateway.url}/api/v1/repositories/demo/many-tags/tags?n=0`);
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).errors[0].code, "PAGINATION_NUMBER_INVALID");
  const rendered = await page.$$eval("#tags-list .row", (rows) => rows.length);
  assert.ok(rendered > 5 && rendered < 60, `a virtual list renders what is visible, not 300 rows (rendered ${rendered})`);

  // Version order (the core's): numbers as numbers, pre-releases before their release.
  await page.selectOption("#tags-sort", "name-asc");
  await page.check("#tags-regex");
  const pattern = "^(4\\.0\\.0-.*|3\\.9\\.7|3\\.9|3|v?3\\.0\\.0|2\\.9\\.7)$";
  await page.fill("#tags-filter", pattern);
  const semver = ["2.9.7", "3", "3.0.0", "v3.0.0", "3.9", "3.9.7", "4.0.0-alpha.1", "4.0.0-alpha.2", "4.0.0-beta.1", "4.0.0-rc.1", "4.0.0-rc.2"];
  assert.deepEqual(api.tags.map((t) => t.name).filter((n) => new RegExp(pattern).test(n)).sort(), [...semver].sort());
  await statusIs(page, `${semver.length} of 300 tags`);
  assert.deepEqual((await visibleRows(page)).map((r) => r.tag), semver);
  await page.selectOption("#tags-sort", "name-desc");
  assert.deepEqual((await visibleRows(page)).map((r) => r.tag), [...semver].reverse());
  // Highest first is not the reverse: tags that are not versions still follow the versions.
  const mixed = "^(4\\.0\\.0-rc\\.2|3\\.9\\.7|edge|latest|stable)$";
  await page.fill("#tags-filter", mixed);
  await statusIs(page, "5 of 300 tags");
  assert.deepEqual((await visibleRows(page)).map((r) => r.tag), ["4.0.0-rc.2", "3.9.7", "edge", "latest", "stable"]);
  await page.selectOption("#tags-sort", "name-asc");
  assert.deepEqual((await visibleRows(page)).map((r) => r.tag), ["3.9.7", "4.0.0-rc.2", "edge", "latest", "stable"]);
  await page.selectOption("#tags-sort", "name-desc");
  await page.uncheck("#tags-regex");

  await page.fill("#tags-filter", "rc.");
  await statusIs(page, "2 of 300 tags");
  assert.deepEqual((await visibleRows(page)).map((r) => r.tag), ["4.0.0-rc.2", "4.0.0-rc.1"]);
  await page.check("#tags-regex");
  await page.fill("#tags-filter", "^v[0-9]+\\.0\\.0$");
  const vTags = api.tags.map((t) => t.name).filter((n) => /^v[0-9]+\.0\.0$/.test(n));
  await statusIs(page, `${vTags.length} of 300 tags`);
  await page.fill("#tags-filter", "([");
  await page.waitForSelector("#tags-filter-error:not([hidden])");
  await page.fill("#tags-filter", "");
  await page.uncheck("#tags-regex");
  await statusIs(page, "300 tags");
  await page.selectOption("#tags-sort", "date-desc");
  await page.screenshot({ path: join(results, "explorer-many-tags.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a gateway with a small upstream request budget answers short pages and the page still loads every tag", async () => {
  // Workers Free allows 50 subrequests per request: API_SUBREQUESTS 40 there.
  const frugal = await startGateway({ upstream: stack.registry.url, apiSubrequests: 40 });
  try {
    const { page, context, problems } = await open("/?tags_page=100", { gateway: frugal.url });
    const pages = [];
    page.on("response", (r) => {
      if (r.url().includes("/api/v1/repositories/demo/many-tags/tags?")) pages.push(r.json().then((p) => p.count));
    });
    await page.evaluate(() => (location.hash = "#/r/demo/many-tags"));
    await statusIs(page, "300 tags");
    const counts = await Promise.all(pages);
    assert.equal(counts.reduce((a, b) => a + b, 0), 300, `every tag arrived once (page counts ${counts})`);
    assert.ok(counts.some((c) => c < 100), `some pages stopped short (page counts ${counts})`);
    await page.selectOption("#tags-sort", "name-asc");
    assert.equal((await visibleRows(page))[0].tag, "1");
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await frugal.stop();
  }
});

test("a tags page answered 503 with Retry-After is asked for again, and the page still loads", async () => {
  // The real gateway answers every call; the page's first tags call is answered 503 in the
  // browser instead (a budget the gateway can't be made to run out of on cue).
  const { page, context, problems } = await open("/");
  let calls = 0;
  await page.route("**/api/v1/repositories/demo/multiarch/tags?*", async (route) => {
    calls += 1;
    if (calls > 1) return route.continue();
    const body = { errors: [{ code: "UNAVAILABLE", message: "this request reached the gateway's upstream request budget (API_SUBREQUESTS); retry, or raise the setting" }] };
    await route.fulfill({ status: 503, headers: { "content-type": "application/json", "retry-after": "1" }, body: JSON.stringify(body) });
  });
  await page.evaluate(() => (location.hash = "#/r/demo/multiarch"));
  await statusIs(page, "2 tags");
  assert.equal(calls, 2, "asked once more after the 503");
  assert.equal(await page.getAttribute("#repository", "data-state"), "ready");
  assert.deepEqual(
    problems.filter((p) => !/status of 503/.test(p)),
    [],
  );
  await context.close();
});

test("date sort orders all 300 tags by their configs' created time, across every page of them", async () => {
  // Pages of 64 tags: the page loads 5 and sorts across all of them.
  const { page, context, problems } = await open("/?tags_page=64");
  const pages = [];
  page.on("request", (r) => r.url().includes("/api/v1/repositories/demo/many-tags/tags?") && pages.push(new URL(r.url()).searchParams.get("offset")));
  await page.evaluate(() => (location.hash = "#/r/demo/many-tags"));
  await statusIs(page, "300 tags");
  assert.deepEqual(pages, ["0", "64", "128", "192", "256"]); // the first page is min(64, 100)
  // Every tag's created time from the registry's own configs.
  const { tags } = await (await fetch(`${stack.registry.url}/v2/demo/many-tags/tags/list`)).json();
  const created = new Map();
  for (const tag of tags) {
    const { body } = await registryManifest("demo/many-tags", tag);
    if (!created.has(body.config.digest)) {
      const config = await (await fetch(`${stack.registry.url}/v2/demo/many-tags/blobs/${body.config.digest}`)).json();
      created.set(body.config.digest, config.created);
    }
    created.set(tag, created.get(body.config.digest));
  }
  const times = tags.map((t) => Date.parse(created.get(t))).sort((a, b) => b - a);

  await page.selectOption("#tags-sort", "date-desc");
  const first = await visibleRows(page);
  assert.deepEqual(first.slice(0, 10).map((r) => Date.parse(r.created)), times.slice(0, 10));
  for (const row of first.slice(0, 10)) assert.equal(Date.parse(created.get(row.tag)), Date.parse(row.created), `${row.tag}'s created time`);
  // The bottom of the list: the oldest builds.
  await page.$eval("#tags-viewport", (v) => (v.scrollTop = v.scrollHeight));
  await page.waitForFunction(() => document.querySelector('#tags-list .row[data-index="299"]'));
  const last = await visibleRows(page);
  assert.deepEqual(last.slice(-5).map((r) => Date.parse(r.created)), times.slice(-5));
  await page.selectOption("#tags-sort", "date-asc");
  assert.equal(Date.parse((await visibleRows(page))[0].created), times.at(-1));
  await page.screenshot({ path: join(results, "explorer-date-sort.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("demo/multiarch: each platform's size is the sum of its own layers, attestations attached to their platform", async () => {
  const index = await registryManifest("demo/multiarch", "latest");
  const expected = new Map();
  const attestationOf = new Map();
  for (const entry of index.body.manifests) {
    if (entry.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") {
      attestationOf.set(entry.annotations["vnd.docker.reference.digest"], entry.digest);
      continue;
    }
    const { body } = await registryManifest("demo/multiarch", entry.digest);
    const p = entry.platform;
    expected.set([p.os, p.architecture, p.variant].filter(Boolean).join("/"), { digest: entry.digest, size: body.layers.reduce((s, l) => s + l.size, 0) });
  }
  assert.equal(expected.size, 3);

  const { page, context, problems } = await open("/#/r/demo/multiarch");
  await statusIs(page, "2 tags");
  const chips = await page.$$eval('#tags-list .row[data-tag="latest"] .chip', (cs) => cs.map((c) => [c.dataset.platform, Number(c.dataset.bytes)]));
  assert.deepEqual(new Map(chips), new Map([...expected].map(([k, v]) => [k, v.size])));

  await page.click('#tags-list .row[data-tag="latest"] .name a');
  await page.waitForSelector("#tag-body:not([hidden])");
  assert.equal(await page.textContent("#tag-digest"), index.digest);
  for (const [platform, { digest, size }] of expected) {
    await page.click(`#platform-tabs [data-platform="${platform}"]`);
    const panel = `#platform-panels [data-platform="${platform}"]`;
    await page.waitForSelector(`${panel}:not([hidden])`);
    assert.equal(await page.textContent(`${panel} .manifest-digest`), digest);
    assert.equal(Number(await page.getAttribute(`${panel} .platform-size`, "data-bytes")), size);
    const attached = await page.$$eval(`${panel} .attestations li`, (lis) => lis.map((li) => li.dataset.digest));
    assert.deepEqual(attached, [attestationOf.get(digest)], `${platform}'s attestation`);
    assert.match(await page.textContent(`${panel} .attestations`), /https:\/\//, "predicate types listed");
    assert.ok((await page.$$(`${panel} .history tbody tr`)).length > 0, "history shown");
  }
  assert.equal(await page.$$eval("#platform-tabs [role=tab]", (ts) => ts.map((t) => t.dataset.platform).includes("unknown/unknown")), false);
  await page.screenshot({ path: join(results, "explorer-tag.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("view raw manifest: fetched from /v2/ and its digest verified in the page by the core", async () => {
  const { page, context, problems } = await open("/#/r/demo/single/t/latest");
  await page.waitForSelector("#tag-body:not([hidden])");
  const { digest } = await registryManifest("demo/single", "latest");
  assert.match(await page.textContent("#raw-button"), /costs 1 pull/);
  await page.click("#raw-button");
  await page.waitForSelector("#raw-status[data-verified]");
  assert.equal(await page.getAttribute("#raw-status", "data-verified"), "true");
  assert.match(await page.textContent("#raw-status"), new RegExp(`Verified: the \\d+ bytes hash to ${digest}`));
  assert.equal(JSON.parse(await page.textContent("#raw-body")).schemaVersion, 2);

  // Served bytes that don't match: the page says so.
  await page.route(`**/v2/demo/single/manifests/${digest}`, async (route) => {
    const response = await route.fetch();
    // One byte more: still a valid manifest, no longer the bytes the digest names.
    await route.fulfill({ response, body: (await response.text()) + " " });
  });
  await page.click("#raw-button");
  await page.waitForFunction(() => document.getElementById("raw-status").dataset.verified === "false");
  assert.match(await page.textContent("#raw-status"), /Digest mismatch/);
  await page.screenshot({ path: join(results, "explorer-raw.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the rate-limit widget goes down by one after a skopeo pull", async () => {
  const run = promisify(execFile);
  // Pulls leased to an isolate count as spent until the lease ends (about a second, see
  // worker/README.md): earlier tests' leases must have settled before the budget is read.
  await new Promise((done) => setTimeout(done, 2500));
  const { page, context, problems } = await open("/#/r/demo/single");
  await page.waitForFunction(() => document.getElementById("budget").dataset.remaining !== undefined && document.getElementById("budget-remaining").textContent !== "…");
  const before = Number(await page.getAttribute("#budget", "data-remaining"));
  assert.ok(Number.isInteger(before) && before > 0, `a budget is shown (${before})`);
  const dest = mkdtempSync(join(tmpdir(), "pullgate-e2e-"));
  // Whole seconds: the gateway may store times at second precision.
  const pulledAfter = Math.floor(Date.now() / 1000) * 1000;
  try {
    await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${new URL(stack.gateway.url).host}/demo/single:latest`, `oci:${join(dest, "oci")}`]);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
  // Refreshed until the lease this pull came from has been reported back (bounded).
  let shown;
  for (let attempt = 0; attempt < 20; attempt++) {
    await page.click("#budget-refresh");
    await page.waitForTimeout(500);
    shown = Number(await page.getAttribute("#budget", "data-remaining"));
    if (shown === before - 1) break;
  }
  assert.equal(shown, before - 1, "the widget shows one pull fewer");
  // The gateway counted that pull for the tag: the list says when it was last pulled (the
  // gateway writes statistics behind, so reload until they are in, a bounded number of times).
  for (let attempt = 0; attempt < 30; attempt++) {
    await page.reload();
    await page.waitForSelector('#tags-list .row[data-tag="latest"]');
    if (await page.$('#tags-list .row[data-tag="latest"] .pulled time')) break;
    await page.waitForTimeout(500);
  }
  const lastPulled = Date.parse(await page.getAttribute('#tags-list .row[data-tag="latest"] .pulled time', "datetime"));
  assert.ok(lastPulled >= pulledAfter, "last pulled: the pull just made");
  assert.equal(await page.$('#tags-list .row[data-tag="1.0.0"] .pulled time'), null);
  await page.screenshot({ path: join(results, "explorer-budget.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("deep links survive a reload, back and forward move between views", async () => {
  const { page, context, problems } = await open("/#/r/demo/multiarch/t/latest");
  await page.waitForSelector("#tag-body:not([hidden])");
  await page.reload();
  await page.waitForSelector("#tag-body:not([hidden])");
  assert.equal(await page.textContent("#tag-title"), "demo/multiarch:latest");
  await page.click("#tag-repository-link");
  await statusIs(page, "2 tags");
  await page.goBack();
  await page.waitForSelector("#tag:not([hidden]) #tag-body:not([hidden])");
  assert.equal(await page.textContent("#tag-title"), "demo/multiarch:latest");
  await page.goForward();
  await page.waitForSelector("#repository:not([hidden])");
  assert.equal(await page.textContent("#repository-title"), "demo/multiarch");
  await page.screenshot({ path: join(results, "explorer-deep-link.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("keyboard only: search, move through tags, open one, switch platforms, go back", async () => {
  const { page, context, problems } = await open("/");
  await page.waitForSelector("#repositories-list a");
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "find-input");
  await page.keyboard.type("multiarch");
  await page.keyboard.press("Enter");
  await statusIs(page, "2 tags");
  for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement.id)) !== "tags-viewport"; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tags-viewport");
  await page.selectOption("#tags-sort", "name-asc");
  await page.focus("#tags-viewport");
  await page.keyboard.press("End");
  assert.match(await page.textContent("#tags-active"), /^latest, 2 of 2: linux\/amd64 616 B, linux\/arm64\/v8 617 B, linux\/arm\/v7 616 B; created 2024-03-10/);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash === "#/r/demo/multiarch/t/latest");
  await page.waitForSelector("#tag-body:not([hidden])");
  for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement.getAttribute("role"))) !== "tab"; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.platform), "linux/amd64");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.platform), "linux/arm64/v8");
  assert.equal(await page.isVisible('#platform-panels [data-platform="linux/arm64/v8"]'), true);
  await page.screenshot({ path: join(results, "explorer-keyboard.png") });
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => location.hash === "#/r/demo/multiarch");
  // Every control has an accessible name.
  const unnamed = await page.$$eval("button, input, select, a[href]", (els) =>
    els.filter((el) => el.offsetParent !== null && !(el.getAttribute("aria-label") || el.labels?.[0]?.textContent.trim() || el.textContent.trim())).map((el) => el.outerHTML),
  );
  assert.deepEqual(unnamed, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("dark theme follows the system, and the page fits a phone", async () => {
  const dark = await open("/#/r/demo/multiarch", { colorScheme: "dark" });
  await statusIs(dark.page, "2 tags");
  const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background (${background})`);
  await dark.page.screenshot({ path: join(results, "explorer-dark.png") });
  assert.deepEqual(dark.problems, []);
  await dark.context.close();

  const phone = await open("/#/r/demo/many-tags", { viewport: { width: 390, height: 844 } });
  await statusIs(phone.page, "300 tags");
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no horizontal scrolling at phone width");
  await phone.page.screenshot({ path: join(results, "explorer-phone.png") });
  assert.deepEqual(phone.problems, []);
  await phone.context.close();
});

test("over the request limit, /api/v1/ answers 429 and the page says how long to wait", async () => {
  // Every /api/v1/ call is a request; a few views use up a limit of 4 a minute.
  const strict = await startGateway({ upstream: stack.registry.url, requestLimit: "4;w=60" });
  try {
    const { page, context } = await open("/", { gateway: strict.url });
    const refused = [];
    page.on("response", (r) => r.url().includes("/api/v1/") && r.status() === 429 && refused.push(r.headers()["retry-after"]));
    for (let view = 0; view < 8 && !refused.length; view++) {
      await page.evaluate((v) => (location.hash = v % 2 ? "#/r/demo/single" : "#/r/demo/multiarch"), view);
      await page.waitForFunction(() => document.getElementById("repository").dataset.state !== "loading" || !document.getElementById("problem").hidden);
    }
    assert.ok(refused.length > 0, "the request limit refused an /api/v1/ call");
    assert.match(refused[0], /^[1-9][0-9]*$/, "with a Retry-After in seconds");
    await page.waitForSelector("#problem:not([hidden])");
    assert.equal(await page.textContent("#problem-title"), "Rate limited");
    assert.match(await page.textContent("#problem-action"), /^Wait \d+ seconds and try again/);
    await page.screenshot({ path: join(results, "explorer-request-limited.png") });
    await context.close();
  } finally {
    await strict.stop();
  }
});

test("errors say what to do: repository not found, registry down", async () => {
  const { page, context } = await open("/#/r/demo/nope");
  await page.waitForSelector("#problem:not([hidden])");
  assert.equal(await page.textContent("#problem-title"), "Repository not found");
  assert.equal(await page.getAttribute("#problem", "data-code"), "NAME_UNKNOWN");
  await page.screenshot({ path: join(results, "explorer-not-found.png") });
  await context.close();

  // A gateway whose registry is down (nothing listens on the port).
  const down = await startGateway({ upstream: "http://127.0.0.1:9" });
  try {
    const d = await open("/#/r/demo/single", { gateway: down.url });
    await d.page.waitForSelector("#problem:not([hidden])");
    assert.equal(await d.page.textContent("#problem-title"), "The registry is not answering");
    assert.match(await d.page.textContent("#problem-action"), /Try again/);
    await d.page.screenshot({ path: join(results, "explorer-registry-down.png") });
    await d.context.close();
  } finally {
    await down.stop();
  }

  // A gateway allowing one pull: the second raw manifest is refused, and the widget says why.
  const tight = await startGateway({ upstream: stack.registry.url, pullLimit: "1;w=3600" });
  try {
    const t = await open("/#/r/demo/single/t/latest", { gateway: tight.url });
    await t.page.waitForSelector("#tag-body:not([hidden])");
    await t.page.click("#raw-button");
    await t.page.waitForFunction(() => document.getElementById("raw-status").dataset.verified === "true");
    await t.page.click("#raw-button");
    await t.page.waitForFunction(() => document.getElementById("raw-status").textContent.startsWith("Rate limited"));
    await t.page.waitForSelector('#budget[data-limited="true"] #budget-note:not([hidden])');
    assert.match(await t.page.textContent("#budget-note"), /used all 1 pulls .* A pull frees up in \d+/);
    await t.page.evaluate(() => window.scrollTo(0, 0));
    await t.page.screenshot({ path: join(results, "explorer-rate-limited.png") });
    await t.context.close();
  } finally {
    await tight.stop();
  }
});
