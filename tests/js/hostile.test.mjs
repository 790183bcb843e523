// Every export driven with random and hostile input (huge strings, lone surrogates, invalid
// UTF-8 bytes, NaN, Symbols, BigInts, wrong-shape objects, getters and proxies that throw,
// cycles): only PullgateError is ever thrown, and the module still answers afterwards.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { installPackage, run } from "./consumer.mjs";

let project;
before(() => {
  project = installPackage("pullgate-hostile-");
});
after(() => project?.remove());

const SCRIPT = (entry) => `
import * as pg from ${JSON.stringify(entry)};
import { readFileSync } from "node:fs";
if (${JSON.stringify(entry)} !== "pullgate") await pg.default({ module_or_path: readFileSync("node_modules/pullgate/pullgate_bg.wasm") });

// A seeded generator, so a failure can be replayed.
let seed = 0x2545f491;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(rand() * list.length)];

const throwing = new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); }, getOwnPropertyDescriptor() { throw new Error("trap"); }, has() { throw new Error("trap"); } });
const throwingArray = new Proxy([], { get() { throw new Error("trap"); } });
const getter = { get os() { throw new Error("getter"); }, architecture: "amd64" };
const cyclic = { os: "linux" }; cyclic.self = cyclic;
const toJSONThrows = { toJSON() { throw new Error("toJSON"); } };
const big = "a".repeat(64 * 1024 * 1024 + 1);
const bigBytes = new Uint8Array(64 * 1024 * 1024 + 1);
const randomString = () => {
  let s = "";
  const n = Math.floor(rand() * 80);
  for (let i = 0; i < n; i++) s += String.fromCharCode(pick([0x61, 0x2f, 0x3a, 0x40, 0x2e, 0x2d, 0x5f, 0x41, 0xd800, 0xdfff, 0xfffd, 0x0, 0x7f, 0x130, 0x212a, Math.floor(rand() * 0x10000)]));
  return s;
};
const randomBytes = () => Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
const values = () => [
  undefined, null, NaN, Infinity, -0, 0, 1.5, -1, 2 ** 53 + 1, 429, 10n, Symbol("s"), true, "", " ",
  "\\ud800", "a\\udc00b", "sha256:" + "\\ud800".repeat(64), big, bigBytes, "x".repeat(100000),
  new Uint8Array([0xff, 0xfe, 0xc0, 0x80]), new Uint16Array([0xd800]), new DataView(new ArrayBuffer(3)), new ArrayBuffer(4),
  {}, [], [[]], [["a"]], [[1, 2]], [["ratelimit-limit", 5]], { "ratelimit-limit": 5 }, { "ratelimit-limit": "\\ud800" },
  { os: 1 }, { os: "linux", architecture: ["x"] }, { type: "repository", name: 1, actions: "pull" },
  { schemaVersion: 2, manifests: "x" }, { mode: "nope" }, { mode: Symbol() }, { all: "yes" }, { ipv6Prefix: -1 }, { ipv6Prefix: 1e9 },
  throwing, throwingArray, getter, cyclic, toJSONThrows, () => 1, new Date(0), /re/, new Map([["a", "b"]]), new Headers([["ratelimit-limit", "x"]]),
  Object.create(null), new Proxy([], {}), randomString(), randomString(), randomBytes(), pick(["linux/arm64", "sha256:" + "a".repeat(64), "ubuntu:22.04", "{}"]),
];

const functions = Object.entries(pg).filter(([name, value]) => typeof value === "function" && name !== "default" && name !== "initSync" && name !== "PullgateError");
const classes = new Set(["Hasher", "DigestVerifier", "RegistryClient"]);
const foreign = [];
let calls = 0;

function call(name, fn) {
  try {
    calls++;
    fn();
  } catch (e) {
    if (!(e instanceof pg.PullgateError) || typeof e.code !== "string" || typeof e.message !== "string") {
      foreign.push({ name, error: String(e && e.stack || e).slice(0, 500) });
    }
  }
}

for (const [name, fn] of functions) {
  for (let round = 0; round < 3; round++) {
    for (const a of values()) {
      for (const b of round === 0 ? [undefined] : [pick(values()), pick(values())]) {
        if (name === "RegistryClient") {
          call(name, () => new fn(a));
          continue;
        }
        if (classes.has(name)) {
          call(name, () => { const h = new fn(a === undefined && name === "DigestVerifier" ? "sha256:" + "0".repeat(64) : a); try { h.update(b); h.update(a); h.finish?.(); h.verify?.(); } finally { h.free(); } });
          call(name, () => { const h = new fn(name === "DigestVerifier" ? "sha256:" + "0".repeat(64) : "sha256"); h.free(); h.update("x"); });
          continue;
        }
        call(name, () => fn(a, b, pick(values())));
      }
    }
  }
}

// Still answering, with the right results.
const after = {
  reference: pg.parseReference("docker.io/library/ubuntu:22.04"),
  digest: pg.digest("abc"),
  platform: pg.parsePlatform("linux/arm64"),
  hasher: new pg.Hasher().update("a").update("bc").finish(),
};
console.log(JSON.stringify({ calls, functions: functions.map(([n]) => n), foreign: foreign.slice(0, 20), foreignCount: foreign.length, after }));
`;

for (const [label, entry] of [["node entry (native hash)", "pullgate"], ["browser entry (wasm hash)", "./node_modules/pullgate/browser.js"]]) {
  test(`hostile input to every export throws only PullgateError, then the module still answers: ${label}`, () => {
    const result = run(project.dir, SCRIPT(entry), ["--max-old-space-size=4096"]);
    assert.deepEqual(result.foreign, [], `${result.foreignCount} non-PullgateError throws`);
    assert.ok(result.functions.length >= 30, `${result.functions.length} functions`);
    assert.ok(result.calls > 5000, `${result.calls} calls`);
    assert.deepEqual(result.after, {
      reference: { name: "docker.io/library/ubuntu", domain: "docker.io", path: "library/ubuntu", tag: "22.04", string: "docker.io/library/ubuntu:22.04" },
      digest: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      platform: { os: "linux", architecture: "arm64" },
      hasher: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    });
  });
}
