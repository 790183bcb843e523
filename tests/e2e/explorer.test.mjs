// The explorer page in Debian's Chromium (playwright-core), served by the gateway in front of a
// seeded registry on free ports.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startStack } from "../stack.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const results = join(root, "test-results");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
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
async function open(path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(stack.gateway.url).origin;
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`request off origin: ${r.url()}`);
  });
  await page.goto(`${stack.gateway.url}${path}`);
  await page.waitForSelector("body[data-ready]");
  return { page, context, problems };
}

test("the page lists the repositories and all 300 tags of demo/many-tags", async () => {
  const { page, context, problems } = await open("/");
  await page.waitForSelector("#repositories-list a");
  const repositories = await page.$$eval("#repositories-list a", (as) => as.map((a) => a.textContent));
  assert.deepEqual(repositories, ["demo/many-tags", "demo/multiarch", "demo/single", "library/hello"]);

  await page.click('#repositories-list a[data-repository="demo/many-tags"]');
  await page.waitForFunction(() => document.getElementById("tags-status").textContent === "300 tags");
  const tags = await page.$$eval("#tags-list li", (lis) => lis.map((li) => li.textContent));
  assert.equal(tags.length, 300);
  assert.equal(new Set(tags).size, 300);
  for (const tag of ["1.0.0", "3.9.7", "latest", "4.0.0-rc.2", "v2.0.0", "nightly-2024-06-01", "sha-1a2b3c4"]) {
    assert.ok(tags.includes(tag), `${tag} is listed`);
  }
  assert.equal(await page.textContent("#repository-title"), "demo/many-tags");
  assert.equal(await page.textContent("#pull-command"), `docker pull ${new URL(stack.gateway.url).host}/demo/many-tags`);
  assert.equal(new URL(page.url()).hash, "#/r/demo/many-tags");

  await page.fill("#tags-filter", "rc.");
  const visible = await page.$$eval("#tags-list li:not([hidden])", (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(visible.sort(), ["4.0.0-rc.1", "4.0.0-rc.2"]);
  await page.fill("#tags-filter", "");

  await page.screenshot({ path: join(results, "explorer-many-tags.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("tags are followed across Link pages (as registries that paginate serve them)", async () => {
  const { page, context, problems } = await open("/");
  const pages = [];
  // distribution 2.8 returns every tag at once; emulate a registry that pages by n/last (the
  // distribution spec's "Listing Tags" pagination) over the real list from the gateway.
  await page.route("**/v2/demo/many-tags/tags/list*", async (route) => {
    const url = new URL(route.request().url());
    const n = Number(url.searchParams.get("n"));
    const last = url.searchParams.get("last");
    const full = await (await route.fetch({ url: `${url.origin}${url.pathname}` })).json();
    const sorted = full.tags.sort();
    const start = last ? sorted.indexOf(last) + 1 : 0;
    const slice = sorted.slice(start, start + n);
    pages.push(slice.length);
    const headers = { "content-type": "application/json" };
    if (start + n < sorted.length) {
      headers.link = `<${url.pathname}?last=${encodeURIComponent(slice.at(-1))}&n=${n}>; rel="next"`;
    }
    await route.fulfill({ status: 200, headers, body: JSON.stringify({ name: full.name, tags: slice }) });
  });
  await page.goto(`${stack.gateway.url}/#/r/demo/many-tags`);
  await page.waitForFunction(() => document.getElementById("tags-status").textContent === "300 tags");
  assert.deepEqual(pages, [100, 100, 100]);
  assert.equal(await page.$$eval("#tags-list li", (lis) => lis.length), 300);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a typed reference is normalized by the core: hello is library/hello", async () => {
  const { page, context, problems } = await open("/");
  await page.fill("#find-input", "hello");
  await page.click("#find button");
  await page.waitForFunction(() => document.getElementById("tags-status").textContent === "2 tags");
  assert.equal(await page.textContent("#repository-title"), "library/hello");
  assert.deepEqual(await page.$$eval("#tags-list li", (lis) => lis.map((li) => li.textContent).sort()), ["1.0", "latest"]);

  const host = new URL(stack.gateway.url).host;
  await page.fill("#find-input", `${host}/demo/multiarch:2.1.0`);
  await page.click("#find button");
  await page.waitForFunction(() => document.getElementById("repository-title").textContent === "demo/multiarch");
  await page.waitForFunction(() => document.getElementById("tags-status").textContent === "2 tags");
  assert.equal(await page.textContent("#pull-command"), `docker pull ${host}/demo/multiarch:2.1.0`);
  await page.screenshot({ path: join(results, "explorer-typed.png") });

  await page.fill("#find-input", "Hello");
  await page.click("#find button");
  await page.waitForSelector("#find-error:not([hidden])");
  assert.equal(await page.textContent("#find-error"), 'repository name must be lowercase: "Hello" (NAME_CONTAINS_UPPERCASE)');
  assert.deepEqual(problems, []);
  await context.close();
});
