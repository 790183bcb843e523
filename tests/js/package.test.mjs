// The npm package as users get it: `npm pack pkg/`, installed by tarball into a temp project,
// imported by name ("pullgate") in Node with no init call, and type-checked with tsc.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
let project;
let packed;

before(() => {
  project = mkdtempSync(join(tmpdir(), "pullgate-npm-"));
  [packed] = JSON.parse(
    execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", project, "--json", "--loglevel=error"], { encoding: "utf8" }),
  );
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `./${packed.filename}`], {
    cwd: project,
    stdio: ["ignore", "ignore", "inherit"],
  });
});

after(() => project && rmSync(project, { recursive: true, force: true }));

/** Runs an ES module in the consumer project and returns what it printed, parsed as JSON. */
function run(code) {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: project, encoding: "utf8" });
  return JSON.parse(out);
}

test("the tarball holds the package and nothing else", () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(
    files.filter((f) => !f.startsWith("snippets/")),
    ["README.md", "api.js", "browser.js", "host.js", "index.d.ts", "node.js", "package.json", "pullgate.d.ts", "pullgate.js", "pullgate_bg.wasm", "pullgate_bg.wasm.d.ts", "registry.js", "workerd.js"],
  );
  assert.equal(files.filter((f) => f.startsWith("snippets/") && f.endsWith("/js/error.js")).length, 1);
});

test("package.json: name, Cargo version, ESM, an entry per host", () => {
  const manifest = JSON.parse(readFileSync(join(project, "node_modules/pullgate/package.json"), "utf8"));
  const cargoVersion = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
  assert.equal(manifest.name, "pullgate");
  assert.equal(manifest.version, cargoVersion);
  assert.equal(manifest.type, "module");
  assert.deepEqual(Object.keys(manifest.exports["."]), ["types", "workerd", "node", "browser", "default"]);
  assert.equal(manifest.exports["."].node, "./node.js");
  assert.equal(manifest.exports["."].workerd, "./workerd.js");
});

test('import * as pg from "pullgate" works in Node without init, digests match node:crypto', () => {
  const result = run(`
    import * as pg from "pullgate";
    import { createHash, randomBytes } from "node:crypto";
    const inputs = ["", "hello", "héllo ✓ 🐳", randomBytes(1 << 20), new Uint8Array(0)];
    const cases = [];
    for (const input of inputs) {
      for (const algorithm of ["sha256", "sha384", "sha512"]) {
        const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
        cases.push([pg.digest(input, algorithm), algorithm + ":" + createHash(algorithm).update(bytes).digest("hex")]);
      }
      cases.push([pg.digest(input), "sha256:" + createHash("sha256").update(typeof input === "string" ? Buffer.from(input) : input).digest("hex")]);
    }
    console.log(JSON.stringify({ cases, exports: Object.keys(pg).sort() }));
  `);
  for (const [got, want] of result.cases) assert.equal(got, want);
  assert.ok(result.exports.includes("digest"));
  assert.ok(result.exports.includes("PullgateError"));
  assert.ok(result.exports.includes("initSync"));
  assert.ok(result.exports.includes("default"));
});

test("failures throw PullgateError with a code, and the module stays usable", () => {
  const result = run(`
    import init, { digest, PullgateError } from "pullgate";
    await init(); // a no-op in Node: code written for browsers runs unchanged
    const caught = [];
    for (const args of [["x", "md5"], [42], [{}, "sha256"], ["x", 7]]) {
      try { digest(...args); caught.push(null); }
      catch (e) { caught.push({ isPullgate: e instanceof PullgateError, isError: e instanceof Error, name: e.name, code: e.code, message: e.message }); }
    }
    console.log(JSON.stringify({ caught, after: digest("still fine") }));
  `);
  assert.deepEqual(result.caught, [
    { isPullgate: true, isError: true, name: "PullgateError", code: "DIGEST_UNSUPPORTED", message: result.caught[0].message },
    { isPullgate: true, isError: true, name: "PullgateError", code: "INVALID_ARGUMENT", message: "bytes must be a Uint8Array or a string" },
    { isPullgate: true, isError: true, name: "PullgateError", code: "INVALID_ARGUMENT", message: "bytes must be a Uint8Array or a string" },
    { isPullgate: true, isError: true, name: "PullgateError", code: "INVALID_ARGUMENT", message: "algorithm must be a string" },
  ]);
  assert.match(result.caught[0].message, /md5/);
  assert.match(result.after, /^sha256:[0-9a-f]{64}$/);
});

test("the browser entry needs init and then works (here with the wasm bytes)", () => {
  const result = run(`
    import { readFileSync } from "node:fs";
    const pg = await import("./node_modules/pullgate/browser.js");
    let before;
    try { pg.digest("x"); before = "no error"; } catch (e) { before = e.constructor.name; }
    await pg.default({ module_or_path: readFileSync("node_modules/pullgate/pullgate_bg.wasm") });
    console.log(JSON.stringify({ before, digest: pg.digest("abc") }));
  `);
  assert.notEqual(result.before, "no error");
  assert.equal(result.digest, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("the .d.ts type-checks a typed usage file using every export (tsc --noEmit)", () => {
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], strict: true, noEmit: true, types: [] },
      files: ["usage.ts"],
    }),
  );
  writeFileSync(join(project, "usage.ts"), readFileSync(new URL("./usage.ts", import.meta.url), "utf8"));
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", project], { cwd: project, stdio: "inherit" });
});

test("the usage file names every runtime export, and the package exports nothing else", () => {
  const usage = readFileSync(new URL("./usage.ts", import.meta.url), "utf8");
  const imported = usage.match(/^import init, \{([^}]*)\} from "pullgate";/m)[1].split(",").map((s) => s.trim()).filter((s) => s && !s.startsWith("type "));
  const { exports } = run(`import * as pg from "pullgate"; console.log(JSON.stringify({ exports: Object.keys(pg).sort() }));`);
  assert.deepEqual([...imported, "default"].sort(), exports);
  assert.ok(!exports.some((name) => name.startsWith("__") || name.startsWith("Wasm")), "no internals leak");
});

test("references are parsed and normalized by the core, errors carry its codes", () => {
  const result = run(`
    import { normalizeReference, parseReference, PullgateError } from "pullgate";
    const out = { hello: normalizeReference("hello"), local: parseReference("localhost:5000/demo/single:1.0.0"), errors: [] };
    for (const s of ["Hello", "", "a".repeat(64)]) {
      try { normalizeReference(s); } catch (e) { out.errors.push([e instanceof PullgateError, e.code]); }
    }
    console.log(JSON.stringify(out));
  `);
  assert.deepEqual(result.hello, {
    name: "docker.io/library/hello",
    domain: "docker.io",
    path: "library/hello",
    string: "docker.io/library/hello",
    familiar: "hello",
    familiarName: "hello",
  });
  assert.deepEqual(result.local, {
    name: "localhost:5000/demo/single",
    domain: "localhost:5000",
    path: "demo/single",
    tag: "1.0.0",
    string: "localhost:5000/demo/single:1.0.0",
  });
  assert.deepEqual(result.errors, [
    [true, "NAME_CONTAINS_UPPERCASE"],
    [true, "REFERENCE_INVALID_FORMAT"],
    [true, "NAME_IS_IMAGE_ID"],
  ]);
});
