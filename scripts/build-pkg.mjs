// Builds the release wasm twice and turns each into a package: pkg/, the npm package (API.md's
// surface only), and worker/pkg/ + www/pkg/, what the gateway and the explorer load (the same
// surface plus the exports only they use: `--features gateway,explorer`, src/js/gateway.rs and
// src/js/explorer.rs). Run by `make build`.
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
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR || "target");

/**
 * `cargo build --release` for wasm32 with `features`, into `dir` under the target directory
 * (the target directory itself for the package). Each feature set has its own directory: in one, cargo would rebuild the crate every time the
 * features alternate (it keeps one fingerprint for the cdylib), so a second `make build` with
 * nothing changed would still compile twice.
 */
function cargoBuild(features, dir) {
  const out = dir ? join(targetDir, dir) : targetDir;
  const args = ["build", "--release", "--target", "wasm32-unknown-unknown", "--target-dir", out];
  if (features.length) args.push("--features", features.join(","));
  execFileSync("cargo", args, { cwd: root, stdio: "inherit" });
  return join(out, "wasm32-unknown-unknown/release/pullgate.wasm");
}

const packageWasm = cargoBuild([], null);
const fullWasm = cargoBuild(["gateway", "explorer"], "wasm-full");

const ENTRIES = ["node.js", "workerd.js", "browser.js", "api.js", "host.js", "registry.js"];

/**
 * wasm-bindgen + wasm-opt of `wasm` into `out`, then the entries from js/. With `full`, the
 * Workers and browser entries also re-export every other wasm export (gateway.rs,
 * explorer.rs): the API names are the same bindings either way.
 */
async function bindgen(wasm, out, { full = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    "wasm-bindgen",
    ["--target", "web", "--weak-refs", "--out-dir", out, "--out-name", "pullgate", wasm],
    { stdio: "inherit" },
  );

  // Size: binaryen's wasm-opt (npm `binaryen`, a devDependency) shrinks the module; the features
  // are those rustc's wasm32 target emits. wasm-opt also enables what the module's
  // target_features section lists, so SIMD (.cargo/config.toml's +simd128) needs no flag here.
  // Skipped with a note when it is not installed.
  const wasmOpt = join(root, "node_modules/.bin/wasm-opt");
  const built = join(out, "pullgate_bg.wasm");
  if (existsSync(wasmOpt)) {
    const features = ["bulk-memory", "sign-ext", "mutable-globals", "nontrapping-float-to-int", "reference-types", "multivalue"];
    execFileSync(wasmOpt, ["-O3", "--strip-debug", "--strip-producers", ...features.map((f) => `--enable-${f}`), built, "-o", built], { stdio: "inherit" });
  } else {
    console.warn("build: node_modules/.bin/wasm-opt is missing (npm ci): the wasm is not optimized for size");
  }

  // The glue imports PullgateError from a snippet whose folder name carries a hash; the entries
  // must export that very module so `instanceof` holds.
  const snippets = join(out, "snippets");
  const errorModules = readdirSync(snippets, { recursive: true })
    .map((p) => join(snippets, p))
    .filter((p) => p.endsWith(join("js", "error.js")));
  if (errorModules.length !== 1) {
    throw new Error(`expected one js/error.js snippet in ${relative(root, snippets)}, found ${errorModules.length}`);
  }
  const errorModule = "./" + relative(out, errorModules[0]).split("\\").join("/");

  // The public surface (api.js) and its helpers; MANIFEST_ACCEPT is the core's value, read from
  // the wasm just built, so JS never holds a second copy of the rule.
  const glue = await import(pathToFileURL(join(out, "pullgate.js")).href);
  glue.initSync({ module: readFileSync(join(out, "pullgate_bg.wasm")) });
  const manifestAccept = glue.__manifestAccept();
  for (const entry of ENTRIES) {
    let text = readFileSync(join(root, "js", entry), "utf8")
      .replaceAll("__ERROR_MODULE__", errorModule)
      .replaceAll('"__MANIFEST_ACCEPT__"', JSON.stringify(manifestAccept));
    writeFileSync(join(out, entry), text);
  }
  if (full) {
    // The Workers and browser entries also carry every wasm export api.js does not define
    // (gateway.rs, explorer.rs). Named, not `export *`: a name both modules export (api.js
    // wraps some with fast paths) would be ambiguous and silently dropped. (Node callers of
    // the full build import ./pullgate.js beside ./node.js, as the tests do.)
    const own = new Set(Object.keys(await import(pathToFileURL(join(out, "api.js")).href)));
    const extra = Object.keys(glue).filter((name) => !own.has(name) && name !== "default" && name !== "initSync");
    for (const entry of ["workerd.js", "browser.js"]) {
      const line = `export { ${extra.join(", ")} } from "./pullgate.js"; // gateway.rs and explorer.rs exports\n`;
      writeFileSync(join(out, entry), readFileSync(join(out, entry), "utf8") + line);
    }
  }
  cpSync(join(root, "js/index.d.ts"), join(out, "index.d.ts"));
  cpSync(join(root, "js/README.md"), join(out, "README.md"));
}

await bindgen(packageWasm, pkg);

// What the gateway (worker/) and the explorer (www/) load: the full build (git-ignored).
const workerPkg = join(root, "worker/pkg");
await bindgen(fullWasm, workerPkg, { full: true });
rmSync(join(root, "www/pkg"), { recursive: true, force: true });
cpSync(workerPkg, join(root, "www/pkg"), { recursive: true });

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

console.log(`build: pkg/ (pullgate ${manifest.version}), www/pkg/, worker/pkg/`);
