// The npm package as users get it: `npm pack pkg/`, installed by tarball into a temp project, so
// tests import it by name ("pullgate"). `run` executes an ES module there and parses its JSON.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Packs and installs the package; returns `{ dir, packed, remove }`. */
export function installPackage(prefix = "pullgate-npm-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", dir, "--json", "--loglevel=error"], { encoding: "utf8" }),
    );
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `./${packed.filename}`], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    return { dir, packed, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs an ES module in `dir` (extra node flags first) and returns what it printed, as JSON. */
export function run(dir, code, flags = [], env = process.env) {
  const file = join(dir, `run-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, [...flags, file], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 << 20 });
    return JSON.parse(out);
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * The runner every host executes, as source text: `runCases(pg, cases)` calls `pg[fn](...args)`
 * for each `{ fn, args, ok|error }` and returns the failures (`undefined` compares as `null`,
 * since JSON fixtures can't say `undefined`).
 */
export const RUNNER = `
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}
function runCases(pg, cases) {
  const failures = [];
  let ran = 0;
  for (const c of cases) {
    const fn = pg[c.fn];
    let got;
    try {
      if (typeof fn !== "function") throw new Error("not exported: " + c.fn);
      const value = fn(...c.args);
      got = { ok: value === undefined ? null : value };
    } catch (e) {
      got = e instanceof pg.PullgateError
        ? { error: { code: e.code, message: e.message } }
        : { thrown: String(e && e.stack || e) };
    }
    ran++;
    const want = "ok" in c ? { ok: c.ok } : { error: c.error };
    if (!same(got, want)) failures.push({ fn: c.fn, args: c.args, want, got });
  }
  return { ran, failures };
}
`;

/** `run` without blocking this process (servers it hosts keep answering). */
export async function runAsync(dir, code, flags = [], env = process.env) {
  const { execFile } = await import("node:child_process");
  const file = join(dir, `run-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  try {
    const stdout = await new Promise((resolve, reject) =>
      execFile(process.execPath, [...flags, file], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 << 20 }, (err, out, errText) =>
        err ? reject(new Error(`${err.message}\n${errText}`)) : resolve(out),
      ),
    );
    return JSON.parse(stdout);
  } finally {
    rmSync(file, { force: true });
  }
}
