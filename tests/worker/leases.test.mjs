// Leases of a client key's budget (limiter/lease.rs, worker/src/limits.js) as the gateway
// runs them: the worker in workerd (Miniflare) in front of a real registry. The isolate answers
// from its lease; what it did not use goes back to the key's PullLimiter when the lease ends,
// and what it used counts from when it was used.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startGateway } from "../../worker/gateway.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { req } from "./client.mjs";

let registry;
let gw;

before(async () => {
  registry = await startRegistry();
  await seed(registry.url);
  gw = await startGateway({ upstream: registry.url, pullLimit: "100;w=600" });
});

after(async () => {
  await gw?.stop();
  await registry?.stop();
});

/** The key's budget as its PullLimiter holds it (leased pulls count as used until returned). */
async function owned(key) {
  const limits = await gw.mf.getDurableObjectNamespace("LIMITS");
  return (await (await limits.get(limits.idFromName(key)).fetch("https://limits/budget")).json()).remaining;
}

/** Polls `read` until `until(value)` holds (at most 5 s); returns the last value. */
async function settled(read, until) {
  let value;
  for (let i = 0; i < 50; i++) {
    value = await read();
    if (until(value)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return value;
}

test("pulls from a lease count one each; the unused rest goes back to the key when the lease ends", async () => {
  const from = "127.0.0.21";
  const url = `${gw.url}/v2/demo/single/manifests/latest`;
  const seen = [];
  for (let i = 0; i < 12; i++) {
    const res = await req(url, { from });
    assert.equal(res.status, 200);
    seen.push(res.headers["ratelimit-remaining"]);
    if (i === 5) {
      // A 404 in the middle costs nothing.
      const missing = await req(`${gw.url}/v2/demo/single/manifests/no-such-tag`, { from });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers["ratelimit-remaining"], "94;w=600");
    }
  }
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => `${99 - i};w=600`));
  // HEADs see the same budget, from the lease, without spending it.
  const heads = await Promise.all(Array.from({ length: 5 }, () => req(url, { method: "HEAD", from })));
  assert.deepEqual(heads.map((r) => r.headers["ratelimit-remaining"]), Array(5).fill("88;w=600"));
  // While the isolate holds a lease, the object counts its pulls as used (never fewer than made);
  // once it is given back (within about a second), exactly the 12 made.
  const held = await owned(from);
  assert.ok(held <= 88, `the object shows ${held} left after 12 pulls`);
  assert.equal(await settled(() => owned(from), (r) => r === 88), 88);
  // The next pull starts a new lease from the object's figure.
  assert.equal((await req(url, { from })).headers["ratelimit-remaining"], "87;w=600");
});

test("statistics arrive batched, within the flush interval, one per pull", async () => {
  const from = "127.0.0.22";
  const url = `${gw.url}/v2/library/hello/manifests/latest`;
  const before = await stats("library/hello");
  await Promise.all(Array.from({ length: 7 }, () => req(url, { from })));
  const after = await settled(
    () => stats("library/hello"),
    (s) => (s.tags.latest?.pulls ?? 0) >= (before.tags.latest?.pulls ?? 0) + 7,
  );
  assert.equal(after.tags.latest.pulls, (before.tags.latest?.pulls ?? 0) + 7);
});

async function stats(repository) {
  const ns = await gw.mf.getDurableObjectNamespace("STATS");
  return (await ns.get(ns.idFromName(repository)).fetch("https://stats/stats")).json();
}
