// The package's fast paths (parseReference, normalizeReference, parseNamed, parseDigest: offsets from the
// core, strings sliced in JS) against the plain wasm exports they stand in front of, through
// the packed package: the same object (same keys in the same order) or the same error, for
// every reference string in the shared fixtures and seeded mutations of them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { installPackage, root, run } from "./consumer.mjs";

let project;
before(() => {
  project = installPackage("pullgate-fastpath-");
});
after(() => project?.remove());

const fixtures = JSON.parse(readFileSync(join(root, "tests/fixtures/reference.json"), "utf8"));
const digests = JSON.parse(readFileSync(join(root, "tests/fixtures/digest.json"), "utf8"));
const seeds = [...new Set([...fixtures.cases, ...digests.cases].flatMap((c) => c.args).filter((a) => typeof a === "string"))];

const SCRIPT = (seeds) => `
import * as pg from "pullgate";
import * as glue from "./node_modules/pullgate/pullgate.js";

let seed = 0x9e3779b9;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(rand() * list.length)];
const alphabet = [..."abzAZ09._-/:@[]+", "\\u0130", "\\u212a", "\\u00e9", "docker.io/", "library/", ":5000", "@sha256:", "sha512:", "sha384:", "blake3:", "+", "E", "e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b"];
const seeds = ${JSON.stringify(seeds)};
const inputs = [...seeds];
for (let i = 0; i < 30000; i++) {
  let s = pick(seeds);
  for (let m = Math.floor(rand() * 4); m > 0; m--) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    s = r < 0.3 ? s.slice(0, at) + s.slice(at + 1) : r < 0.8 ? s.slice(0, at) + pick(alphabet) + s.slice(at) : s.slice(0, at);
  }
  inputs.push(s);
}
const outcome = (f, s) => {
  try {
    return JSON.stringify(f(s));
  } catch (e) {
    return JSON.stringify({ code: e.code, message: e.message });
  }
};
const pairs = [
  ["parseReference", pg.parseReference, glue.__parseReference],
  ["normalizeReference", pg.normalizeReference, glue.normalizeReference],
  ["parseNamed", pg.parseNamed, glue.parseNamed],
  ["parseDigest", pg.parseDigest, glue.__parseDigest],
];
const diffs = [];
let ok = 0;
for (const s of inputs) {
  for (const [name, fast, plain] of pairs) {
    const [a, b] = [outcome(fast, s), outcome(plain, s)];
    if (a !== b) diffs.push({ name, input: s, fast: a, plain: b });
    else if (!a.includes('"code"')) ok++;
  }
}
console.log(JSON.stringify({ checked: inputs.length, ok, diffs: diffs.slice(0, 10) }));
`;

test("fast paths return exactly what the plain exports return", () => {
  const { checked, ok, diffs } = run(project.dir, SCRIPT(seeds));
  assert.deepEqual(diffs, []);
  assert.ok(checked > 30000 && ok > 3000, `${checked} inputs, ${ok} successes`);
});
