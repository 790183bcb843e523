// worker/cache-service.js, the Cache API backend of the self-hosted gateway, driven with the
// requests workerd's api/cache.c++ sends (GET only-if-cached, PUT of a serialized response,
// PURGE). The module runs in Node here for the cases workerd's own Cache API never produces on
// demand (a payload cut short or failing mid-body); workerd-cache.test.mjs runs it in workerd.
import assert from "node:assert/strict";
import { test } from "node:test";
import service from "../../worker/cache-service.js";

const env = { MAX_BYTES: String(1000) };
let n = 0;
const fresh = () => `http://upstream.test/v2/x/blobs/sha256:${(++n).toString(16).padStart(64, "0")}`;

function payload(body, { status = "200 OK", cacheControl = "public, max-age=60", length = body.length, extra = "" } = {}) {
  const head = `HTTP/1.1 ${status}\r\nCache-Control: ${cacheControl}\r\nContent-Type: application/octet-stream\r\n${length === null ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${length}\r\n`}${extra}\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(body)]);
}

const put = (url, body, headers = {}) => service.fetch(new Request(url, { method: "PUT", body, headers, duplex: "half" }), env);
const match = (url, headers = {}) => service.fetch(new Request(url, { headers: { "cache-control": "only-if-cached", ...headers } }), env);

test("a stored response is a HIT with its status, headers and body; others are a MISS", async () => {
  const url = fresh();
  assert.equal((await match(url)).headers.get("cf-cache-status"), "MISS");
  assert.equal((await put(url, payload("hello"))).status, 204);
  const hit = await match(url);
  assert.equal(hit.headers.get("cf-cache-status"), "HIT");
  assert.equal(hit.status, 200);
  assert.equal(hit.headers.get("content-type"), "application/octet-stream");
  assert.equal(await hit.text(), "hello");
  // A chunked head: the body is the rest of the payload, never chunk-encoded (cache.c++).
  const chunked = fresh();
  assert.equal((await put(chunked, payload("raw body", { length: null }))).status, 204);
  assert.equal(await (await match(chunked)).text(), "raw body");
});

test("named caches are apart from the default one", async () => {
  const url = fresh();
  await put(url, payload("named"), { "cf-cache-namespace": "mine" });
  assert.equal((await match(url)).headers.get("cf-cache-status"), "MISS");
  assert.equal(await (await match(url, { "cf-cache-namespace": "mine" })).text(), "named");
});

test("a payload short of its Content-Length, or whose stream fails, is not stored", async () => {
  const short = fresh();
  assert.equal((await put(short, payload("hel", { length: 5 }))).status, 413);
  assert.equal((await match(short)).headers.get("cf-cache-status"), "MISS");

  const failing = fresh();
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(payload("hello", { length: 10 })));
      controller.error(new Error("upstream sent the wrong bytes"));
    },
  });
  assert.equal((await put(failing, stream)).status, 413);
  assert.equal((await match(failing)).headers.get("cf-cache-status"), "MISS");
});

test("only fresh, shareable 200s are stored", async () => {
  for (const options of [{ cacheControl: "no-store, max-age=60" }, { cacheControl: "private, max-age=60" }, { cacheControl: "no-cache" }, { cacheControl: "max-age=0" }, { status: "404 Not Found" }, { extra: "Set-Cookie: a=b\r\n" }]) {
    const url = fresh();
    assert.equal((await put(url, payload("x", options))).status, 413, JSON.stringify(options));
    assert.equal((await match(url)).headers.get("cf-cache-status"), "MISS");
  }
  const url = fresh();
  assert.equal((await put(url, payload("x", { cacheControl: "s-maxage=5, public" }))).status, 204);
});

test("PURGE deletes; the bytes held stay under MAX_BYTES, least recently used out first", async () => {
  const gone = fresh();
  await put(gone, payload("bye"));
  assert.equal((await service.fetch(new Request(gone, { method: "PURGE" }), env)).status, 200);
  assert.equal((await service.fetch(new Request(gone, { method: "PURGE" }), env)).status, 404);

  // One entry may take a quarter of MAX_BYTES (250 of 1000).
  assert.equal((await put(fresh(), payload("x".repeat(251)))).status, 413);
  const urls = [fresh(), fresh(), fresh(), fresh()];
  for (const url of urls) assert.equal((await put(url, payload("y".repeat(250)))).status, 204);
  await (await match(urls[0])).text(); // the oldest, used again
  const next = fresh();
  await put(next, payload("z".repeat(250)));
  assert.equal((await match(urls[1])).headers.get("cf-cache-status"), "MISS", "the least recently used went");
  for (const url of [urls[0], urls[2], urls[3], next]) assert.equal((await match(url)).headers.get("cf-cache-status"), "HIT");
});
