// A real registry for the demo and the tests: Debian's docker-registry (distribution 2.8) on
// 127.0.0.1, filesystem storage in a fresh temp dir (removed on stop), deletes enabled.
//
//   node scripts/registry.mjs [--port 5000] [--host 127.0.0.1]   (foreground, Ctrl-C stops)
import { randomBytes } from "node:crypto";
import { accessSync, constants, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, parseArgs, spawnManaged, waitForHttp } from "./lib/proc.mjs";

const BINARY = process.env.DOCKER_REGISTRY ?? "/usr/bin/docker-registry";

/**
 * Where storage goes: tmpfs (/dev/shm) when there is one, since seeding writes and cleanup
 * removes thousands of small files (a seeded registry is about 5000 files, 20 MB), which takes
 * seconds on a disk and milliseconds in memory; else the OS temp dir.
 */
function storageParent() {
  if (process.env.PULLGATE_REGISTRY_TMP) return process.env.PULLGATE_REGISTRY_TMP;
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

function config({ host, port, storage, auth }) {
  // distribution's configuration format; see docs/configuration.md of distribution v2.8.
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${host}:${port}
  secret: ${randomBytes(16).toString("hex")}
  headers:
    X-Content-Type-Options: [nosniff]
${auth ? `auth:\n${auth.replace(/^/gm, "  ")}\n` : ""}`;
}

/**
 * Starts a registry and resolves once `/v2/` answers. `port` 0 (the default) picks a free one.
 * Returns `{ url, host, port, dir, stop }`; `stop()` kills it and removes its storage.
 */
export async function startRegistry({ host = "127.0.0.1", port = 0, auth, storage: shared } = {}) {
  // `auth`: the YAML body of distribution's `auth:` section (htpasswd, token); `storage`: serve
  // another registry's storage directory (read-only use by tests; it is not removed on stop).
  const dir = mkdtempSync(join(storageParent(), "pullgate-registry-"));
  const storage = shared ?? join(dir, "storage");
  const log = join(dir, "registry.log");
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const fixedPort = port !== 0;
  // A free port can be taken between the probe and the bind: try a few.
  for (let attempt = 0; attempt < (fixedPort ? 1 : 5); attempt++) {
    const chosen = fixedPort ? port : await freePort(host);
    writeFileSync(join(dir, "config.yml"), config({ host, port: chosen, storage, auth }));
    const proc = spawnManaged(BINARY, ["serve", join(dir, "config.yml")]);
    const out = createWriteStream(log, { flags: "a" });
    proc.child.stdout.pipe(out);
    proc.child.stderr.pipe(out);
    const url = `http://${host}:${chosen}`;
    try {
      await waitForHttp(`${url}/v2/`, { statuses: auth ? [200, 401] : [200], exited: proc.exited, timeoutMs: 15000 });
    } catch (err) {
      await proc.stop();
      if (attempt + 1 < (fixedPort ? 1 : 5)) continue;
      const text = readFileSync(log, "utf8").trim().split("\n").slice(-5).join("\n");
      cleanup();
      throw new Error(`docker-registry did not start on ${host}:${chosen}: ${err.message}\n${text}`);
    }
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      cleanup();
    };
    process.on("exit", () => stopped || cleanup());
    return { url, host, port: chosen, dir, storage, pid: proc.child.pid, stop };
  }
  throw new Error("unreachable");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), { port: "value", host: "value" });
  if (args.help) {
    console.log("usage: node scripts/registry.mjs [--port 5000] [--host 127.0.0.1]");
    process.exit(0);
  }
  const registry = await startRegistry({ host: args.host ?? "127.0.0.1", port: Number(args.port ?? 5000) });
  console.log(`registry: ${registry.url} (storage ${registry.dir}); Ctrl-C stops it`);
}
