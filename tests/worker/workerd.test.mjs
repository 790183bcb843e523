// The self-hosted path: the config dev.mjs --emit-config writes, served by plain workerd (the
// npm package's binary, no Miniflare), in front of the real registry: pulls counted per
// X-Real-IP, the count kept on local disk across a restart.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, spawnManaged, waitForHttp } from "../../scripts/lib/proc.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const WORKERD = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
let registry;
let scratch;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "pullgate-workerd-test-"));
  registry = await startRegistry();
  await seed(registry.url);
});

after(async () => {
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function serve(config, url) {
  const proc = spawnManaged(WORKERD, ["serve", config]);
  let log = "";
  proc.child.stderr.on("data", (d) => (log += d));
  try {
    await waitForHttp(`${url}/v2/`, { exited: proc.exited, statuses: [400] });
  } catch (err) {
    await proc.stop();
    throw new Error(`${err.message}\n${log}`);
  }
  return proc;
}

test("dev.mjs --emit-config: the gateway in plain workerd, limits kept on disk across a restart", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(scratch, "gateway.capnp");
  const { stdout } = await run("node", [
    join(root, "worker/dev.mjs"), "--upstream", registry.url, "--emit-config", config, "--storage", join(scratch, "data"),
    "--port", String(port), "--pull-limit", "2;w=3600", "--client-ip-header", "X-Real-IP",
  ]);
  assert.match(stdout, /wrote .*gateway\.capnp/);
  const get = (ip) => fetch(`${url}/v2/demo/single/manifests/latest`, { headers: { "x-real-ip": ip, accept: "application/vnd.oci.image.manifest.v1+json" } });

  let proc = await serve(config, url);
  try {
    const first = await get("192.0.2.1");
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("ratelimit-remaining"), "1;w=3600");
    assert.equal(first.headers.get("docker-ratelimit-source"), "192.0.2.1");
    const body = new Uint8Array(await first.arrayBuffer());
    assert.equal(JSON.parse(new TextDecoder().decode(body)).layers.length, 2);
    const missing = await fetch(`${url}/v2/demo/single/manifests/latest`);
    assert.equal(missing.status, 400, "no X-Real-IP: no key to count under");
    assert.match((await missing.json()).errors[0].message, /X-Real-IP/i);
    const page = await fetch(`${url}/`, { headers: { "x-real-ip": "192.0.2.1" } });
    assert.equal(page.status, 200, "www/ served from disk");
    // The pull state is written behind, at most 100 ms after a change (limits.js FLUSH_MS).
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await proc.stop();
  }

  proc = await serve(config, url);
  try {
    const second = await get("192.0.2.1");
    assert.equal(second.headers.get("ratelimit-remaining"), "0;w=3600", "the first pull was kept on disk");
    assert.equal((await get("192.0.2.1")).status, 429);
    assert.equal((await get("2001:db8::1")).headers.get("docker-ratelimit-source"), "2001:db8::");
  } finally {
    await proc.stop();
  }
});
