// /api/v1/'s upstream request budget (API_SUBREQUESTS) when two calls share work: a tag's
// resolution or description in flight for one call is shared by the next, and runs on the
// first call's budget. When that budget runs out, the second call must go on with its own, not
// fail with the first one's 503. The gateway in workerd (Miniflare) in front of a real
// registry, through the logging front (front.mjs), which holds manifest HEADs back so that the
// two calls overlap.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startGateway } from "../../worker/gateway.mjs";
import { startRegistry } from "../../scripts/registry.mjs";
import { seed } from "../../scripts/seed.mjs";
import { startFront } from "./front.mjs";

let registry;
let front;
let gateway;

before(async () => {
  registry = await startRegistry();
  await seed(registry.url);
  front = await startFront(registry.url, { stallMs: 1500 });
  // Nine upstream requests per call: the tag list, then a HEAD, a manifest and a config per
  // tag, so a call describing three tags runs out at the third tag's config, with that tag's
  // description already under way.
  gateway = await startGateway({ upstream: front.url, apiSubrequests: 9 });
});

after(async () => {
  await gateway?.stop();
  await front?.stop();
  await registry?.stop();
});

test("a call whose shared fetch ran out of the other call's budget goes on with its own", async () => {
  const tags = `${gateway.url}/api/v1/repositories/demo/many-tags/tags`;
  const heads = () => front.count("HEAD", /^\/v2\/demo\/many-tags\/manifests\//);
  front.stallHeads = true;
  let first;
  let second;
  try {
    // The first call lists the tags and describes them in turn; once its HEAD of the third tag
    // reached the front (held back there), the second call asks for that tag alone. It finds
    // the list cached, shares that HEAD, then the first call's description of the digest,
    // which fails when the first call's budget runs out at the config.
    const firstCall = fetch(`${tags}?n=3&offset=0`);
    for (let i = 0; i < 400 && heads() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal(heads(), 3, "the first call's third HEAD reached the front");
    const secondCall = fetch(`${tags}?n=1&offset=2`);
    [first, second] = await Promise.all([firstCall, secondCall]);
  } finally {
    front.stallHeads = false;
  }
  assert.equal(heads(), 3, "the second call shared the first one's HEAD");
  assert.equal(first.status, 200);
  const short = await first.json();
  assert.equal(short.count, 2, "the first call stopped short, its budget spent");
  assert.equal(short.next, 2);
  assert.equal(second.status, 200, "the second call described the tag on its own budget");
  const body = await second.json();
  assert.equal(body.count, 1);
  const names = (await (await fetch(`${registry.url}/v2/demo/many-tags/tags/list`)).json()).tags;
  assert.equal(body.tags[0].name, names[2]);
  assert.match(body.tags[0].digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(body.tags[0].platforms[0].created, "its config was read");
});
