// Turns the release wasm into the npm package in pkg/ and copies it where www/ and worker/
// load it. Run by `make build` after `cargo build --release --target wasm32-unknown-unknown`.
//
// One wasm serves every host: wasm-bindgen's `web` output (ESM glue with `init`/`initSync`)
// plus one thin entry per host from js/ (node.js instantiates at import, workerd.js from the
// module import, browser.js leaves `init()` to the caller), selected by export conditions.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
// cargo's output: CARGO_TARGET_DIR when set (relative paths are cargo's, from the root).
const wasm = join(resolve(root, process.env.CARGO_TARGET_DIR || "target"), "wasm32-unknown-unknown/release/pullgate.wasm");

if (!existsSync(wasm)) {
  throw new Error(`${relative(root, wasm)} is missing: run cargo build --release --target wasm32-unknown-unknown`);
}

rmSync(pkg, { recursive: true, force: true });
execFileSync(
  "wasm-bindgen",
  ["--target", "web", "--weak-refs", "--out-dir", pkg, "--out-name", "pullgate", wasm],
  { stdio: "inherit" },
);

// Size: binaryen's wasm-opt (npm `binaryen`, a devDependency) shrinks the module; the features
// are those rustc's wasm32 target emits. wasm-opt also enables what the module's
// target_features section lists, so SIMD (.cargo/config.toml's +simd128) needs no flag here.
// Skipped with a note when it is not installed.
const wasmOpt = join(root, "node_modules/.bin/wasm-opt");
const built = join(pkg, "pullgate_bg.wasm");
if (existsSync(wasmOpt)) {
  const features = ["bulk-memory", "sign-ext", "mutable-globals", "nontrapping-float-to-int", "reference-types", "multivalue"];
  execFileSync(wasmOpt, ["-O3", "--strip-debug", "--strip-producers", ...features.map((f) => `--enable-${f}`), built, "-o", built], { stdio: "inherit" });
} else {
  console.warn("build: node_modules/.bin/wasm-opt is missing (npm ci): the wasm is not optimized for size");
}

// The glue imports PullgateError from a snippet whose folder name carries a hash; the entries
// must export that very module so `instanceof` holds.
const snippets = join(pkg, "snippets");
const errorModules = readdirSync(snippets, { recursive: true })
  .map((p) => join(snippets, p))
  .filter((p) => p.endsWith(join("js", "error.js")));
if (errorModules.length !== 1) {
  throw new Error(`expected one js/error.js snippet in pkg/snippets, found ${errorModules.length}`);
}
const errorModule = "./" + relative(pkg, errorModules[0]).split("\\").join("/");

// The public surface (api.js) and its helpers; MANIFEST_ACCEPT is the core's value, read from
// the wasm just built, so JS never holds a second copy of the rule.
const glue = await import(pathToFileURL(join(pkg, "pullgate.js")).href);
glue.initSync({ module: readFileSync(join(pkg, "pullgate_bg.wasm")) });
const manifestAccept = glue.__manifestAccept();
for (const entry of ["node.js", "workerd.js", "browser.js", "api.js", "host.js", "registry.js"]) {
  const text = readFileSync(join(root, "js", entry), "utf8")
    .replaceAll("__ERROR_MODULE__", errorModule)
    .replaceAll('"__MANIFEST_ACCEPT__"', JSON.stringify(manifestAccept));
  writeFileSync(join(pkg, entry), text);
}
cpSync(join(root, "js/index.d.ts"), join(pkg, "index.d.ts"));
cpSync(join(root, "js/README.md"), join(pkg, "README.md"));

const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
const field = (name) => {
  const match = cargo.match(new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m"));
  if (!match) throw new Error(`Cargo.toml has no ${name}`);
  return match[1];
};
const keywords = JSON.parse(cargo.match(/^keywords\s*=\s*(\[[^\]]*\])/m)?.[1] ?? "[]");

const manifest = {
  name: "pullgate",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  repository: field("repository"),
  keywords,
  type: "module",
  // Conditions are tried in order: Workers bundlers (wrangler, Miniflare) set `workerd`,
  // Node sets `node`, browsers and bundlers take `browser` or the default.
  exports: {
    ".": {
      types: "./index.d.ts",
      workerd: "./workerd.js",
      node: "./node.js",
      browser: "./browser.js",
      default: "./browser.js",
    },
    "./pullgate_bg.wasm": "./pullgate_bg.wasm",
    "./package.json": "./package.json",
  },
  main: "./node.js",
  browser: "./browser.js",
  types: "./index.d.ts",
  files: [
    "pullgate.js",
    "pullgate.d.ts",
    "pullgate_bg.wasm",
    "pullgate_bg.wasm.d.ts",
    "snippets/",
    "node.js",
    "workerd.js",
    "browser.js",
    "api.js",
    "host.js",
    "registry.js",
    "index.d.ts",
    "README.md",
  ],
  // The Node and Workers entries instantiate the wasm at import; the rest is pure.
  sideEffects: ["./node.js", "./workerd.js"],
  engines: { node: ">=18" },
};
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// What the explorer (www/) and the gateway (worker/) load: their entry, the glue, the wasm and
// the snippets, as built (git-ignored). Both load the package's own files, not a second build.
const shared = ["pullgate.js", "pullgate_bg.wasm", "snippets", "api.js", "host.js", "registry.js"];
for (const [dest, entry] of [
  [join(root, "www/pkg"), "browser.js"],
  [join(root, "worker/pkg"), "workerd.js"],
]) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const file of shared) cpSync(join(pkg, file), join(dest, file), { recursive: true });
  // Their entry also carries every other wasm export (gateway.rs, explorer.rs), which the
  // npm package leaves out; the API names are the same bindings either way.
  writeFileSync(
    join(dest, entry),
    readFileSync(join(pkg, entry), "utf8") + 'export * from "./pullgate.js"; // gateway.rs and explorer.rs exports\n',
  );
}
console.log(`build: pkg/ (pullgate ${manifest.version}), www/pkg/, worker/pkg/`);
