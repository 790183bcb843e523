// Every case of tests/fixtures/*.json through the installed package, by name, in Node: Rust,
// wasm and JS can't drift. A subset runs again in workerd (Miniflare, the workerd entry) and in
// Chromium (the browser entry, `await init()`), each reporting all of its failures.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { Miniflare } from "miniflare";
import { chromium } from "playwright-core";
import { installPackage, root, run, RUNNER } from "./consumer.mjs";

const fixtures = join(root, "tests/fixtures");
const files = readdirSync(fixtures).filter((f) => f.endsWith(".json")).sort();
const all = files.flatMap((f) => JSON.parse(readFileSync(join(fixtures, f), "utf8")).cases.map((c) => ({ ...c, file: f })));

/**
 * Functions of the fixtures the package does not export: `familiarMatch` (Docker's pattern
 * matcher) has an error code (`PATTERN_INVALID`) outside API.md, so it stays Rust-only.
 */
const NOT_EXPORTED = new Set(["familiarMatch"]);
const cases = all.filter((c) => !NOT_EXPORTED.has(c.fn));

/** A subset for the other hosts: up to `per` cases of every function, errors included. */
function subset(per) {
  const taken = new Map();
  return cases.filter((c) => {
    const key = `${c.fn}:${"ok" in c}`;
    const n = taken.get(key) ?? 0;
    taken.set(key, n + 1);
    return n < per;
  });
}

function report(name, { ran, failures }, expected) {
  assert.equal(ran, expected, `${name}: every case ran`);
  const lines = failures.map((f) => `${f.fn}(${JSON.stringify(f.args).slice(0, 300)})\n   want ${JSON.stringify(f.want).slice(0, 400)}\n    got ${JSON.stringify(f.got).slice(0, 400)}`);
  assert.equal(failures.length, 0, `${name}: ${failures.length} of ${ran} cases failed:\n${lines.join("\n")}`);
}

let project;
before(() => {
  project = installPackage("pullgate-fixtures-");
});
after(() => project?.remove());

test("the fixtures hold the cases the Rust suites run, and only familiarMatch is left out", () => {
  assert.deepEqual(files, ["auth.json", "digest.json", "manifest.json", "platform.json", "ratelimit.json", "reference.json"]);
  assert.ok(all.length > 5000, `${all.length} cases`);
  assert.equal(all.length - cases.length, all.filter((c) => c.fn === "familiarMatch").length);
});

test("every fixture case passes through the installed package in Node", () => {
  writeFileSync(join(project.dir, "cases.json"), JSON.stringify(cases));
  const result = run(
    project.dir,
    `import * as pg from "pullgate";
import { readFileSync } from "node:fs";
${RUNNER}
console.log(JSON.stringify(runCases(pg, JSON.parse(readFileSync("cases.json", "utf8")))));`,
  );
  report("node", result, cases.length);
});

for (const [label, flags, native] of [["wasm hash", [], "object"], ["nodejs_compat: node:crypto hash", ["nodejs_compat"], "function"]]) {
  test(`a subset passes in workerd through the workerd entry (Miniflare, ${label})`, async () => {
    const chosen = subset(12);
    const mf = new Miniflare({
      modules: true,
      modulesRoot: project.dir,
      scriptPath: join(project.dir, "worker.js"),
      script: `import * as pg from "./node_modules/pullgate/workerd.js";
import { host } from "./node_modules/pullgate/host.js";
${RUNNER}
export default {
  async fetch(request) {
    const cases = await request.json();
    const big = new Uint8Array(3 << 20).map((_, i) => i * 7);
    return Response.json({ ...runCases(pg, cases), native: typeof host.createHash, hasher: new pg.Hasher().update("abc").finish(), big: new pg.Hasher().update(big).update("x").finish(), bigVerified: pg.verifyDigest(big, new pg.Hasher().update(big).finish()) });
  },
};`,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate: "2025-09-01",
      compatibilityFlags: flags,
    });
    try {
      const response = await mf.dispatchFetch("http://worker/", { method: "POST", body: JSON.stringify(chosen) });
      const result = await response.json();
      report("workerd", result, chosen.length);
      assert.equal(result.native, native, "which hash the entry picked");
      assert.equal(result.hasher, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      const big = new Uint8Array(3 << 20).map((_, i) => i * 7);
      assert.equal(result.big, "sha256:" + createHash("sha256").update(big).update("x").digest("hex"));
      assert.equal(result.bigVerified, true, "the native Hasher and the wasm verifyDigest agree");
    } finally {
      await mf.dispose();
    }
  });
}

test("a subset passes in Chromium through the browser entry (await init())", async () => {
  const pkg = join(project.dir, "node_modules/pullgate");
  const chosen = subset(12);
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
import init, * as pg from "./pkg/browser.js";
${RUNNER}
await init();
const cases = await (await fetch("./cases.json")).json();
window.result = { ...runCases(pg, cases), hasher: new pg.Hasher().update("abc").finish() };
</script>`;
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    let body;
    if (path === "/") body = page;
    else if (path === "/cases.json") body = JSON.stringify(chosen);
    else if (path.startsWith("/pkg/")) {
      const file = normalize(join(pkg, path.slice(5)));
      if (!file.startsWith(pkg)) return res.writeHead(403).end();
      try {
        body = readFileSync(file);
      } catch {
        return res.writeHead(404).end();
      }
    } else return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(path)] ?? "text/html" }).end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 60000 });
    const result = await tab.evaluate(() => window.result);
    assert.deepEqual(errors, []);
    report("chromium", result, chosen.length);
    assert.equal(result.hasher, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
