// Hasher and DigestVerifier stream: 1 GiB in 1 MiB chunks gives node:crypto's digest, and RSS
// stays flat (measured; a generous bound on growth, never time). Both paths: the Node entry
// (native hash) and the browser entry (wasm sha2) loaded in Node.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { installPackage, run } from "./consumer.mjs";

let project;
before(() => {
  project = installPackage("pullgate-hasher-");
});
after(() => project?.remove());

const SCRIPT = (entry) => `
import * as pg from ${JSON.stringify(entry)};
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
if (${JSON.stringify(entry)} !== "pullgate") await pg.default({ module_or_path: readFileSync("node_modules/pullgate/pullgate_bg.wasm") });
const MiB = 1 << 20;
const chunk = new Uint8Array(MiB);
for (let i = 0; i < MiB; i++) chunk[i] = (i * 2654435761) >>> 24;
const hasher = new pg.Hasher();
const reference = createHash("sha256");
let rssAfterWarmup = 0;
let rssMax = 0;
for (let i = 0; i < 1024; i++) {
  chunk[0] = i; chunk[MiB - 1] = i >> 8; // every chunk differs
  hasher.update(chunk);
  reference.update(chunk);
  if (i === 63) { globalThis.gc?.(); rssAfterWarmup = process.memoryUsage.rss(); }
  if (i > 63 && i % 64 === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
}
const got = hasher.finish();
const want = "sha256:" + reference.digest("hex");
hasher.free();
const verifier = new pg.DigestVerifier(want);
for (let i = 0; i < 16; i++) verifier.update(chunk);
const mismatch = verifier.verify();
console.log(JSON.stringify({ got, want, growth: rssMax - rssAfterWarmup, mismatch }));
`;

for (const [label, entry] of [["node entry (native hash)", "pullgate"], ["browser entry (wasm sha2)", "./node_modules/pullgate/browser.js"]]) {
  test(`1 GiB in 1 MiB chunks: node:crypto's digest, flat memory: ${label}`, (t) => {
    const result = run(project.dir, SCRIPT(entry), ["--expose-gc"]);
    t.diagnostic(`RSS growth after warm-up: ${(result.growth / 1048576).toFixed(1)} MiB`);
    assert.equal(result.got, result.want);
    assert.equal(result.mismatch, false);
    // 1 GiB went through; growth beyond warm-up stays under 64 MiB.
    assert.ok(result.growth < 64 * 1024 * 1024, `RSS grew by ${(result.growth / 1048576).toFixed(1)} MiB`);
  });
}

test("DigestVerifier agrees on both paths; Hasher starts over after finish", () => {
  const code = (entry) => `
import * as pg from ${JSON.stringify(entry)};
import { readFileSync } from "node:fs";
if (${JSON.stringify(entry)} !== "pullgate") await pg.default({ module_or_path: readFileSync("node_modules/pullgate/pullgate_bg.wasm") });
const d = pg.digest("hello ✓ \\ud800", "sha512");
const v = new pg.DigestVerifier(d);
const h = new pg.Hasher("sha512");
const out = {
  match: v.update("hello ").update(new TextEncoder().encode("✓ ")).update("\\ud800").verify(),
  again: v.verify(),
  hashes: [h.update("hello ✓ \\ud800").finish(), h.finish(), h.update(new Uint16Array([0x6968])).finish(), h.update(new ArrayBuffer(2)).finish()],
  digest: d,
  errors: [],
};
for (const f of [() => new pg.Hasher("md5"), () => new pg.DigestVerifier("sha256:zz"), () => new pg.DigestVerifier("blake3:" + "a".repeat(64)), () => h.update(5), () => { const x = new pg.Hasher(); x.free(); x.finish(); }]) {
  try { f(); out.errors.push(null); } catch (e) { out.errors.push([e instanceof pg.PullgateError, e.code]); }
}
console.log(JSON.stringify(out));`;
  const native = run(project.dir, code("pullgate"));
  const wasm = run(project.dir, code("./node_modules/pullgate/browser.js"));
  assert.deepEqual(native, wasm);
  assert.equal(native.match, true);
  assert.equal(native.again, false, "verify() starts over: nothing fed since");
  assert.equal(native.hashes[0], native.digest);
  assert.notEqual(native.hashes[1], native.hashes[0]);
  assert.deepEqual(native.errors, [
    [true, "DIGEST_UNSUPPORTED"],
    [true, "DIGEST_INVALID_FORMAT"],
    [true, "DIGEST_UNSUPPORTED"],
    [true, "INVALID_ARGUMENT"],
    [true, "INVALID_ARGUMENT"],
  ]);
});
