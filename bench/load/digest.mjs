// Blob verification while streaming, in workerd (Miniflare): the runtime's crypto.DigestStream
// against the core's DigestVerifier (wasm sha2; and the same class on node:crypto when the
// worker has nodejs_compat). 64 MiB per request in 64 KiB chunks through a TransformStream,
// as registry.js streams a blob; rounds interleaved; MB/s of wall time (one request at a time).
//
//   node bench/load/digest.mjs [--rounds 3] [--mib 64]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const worker = join(here, "../../worker");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg("rounds", 3);
const mib = arg("mib", 64);

const script = `
import { DigestVerifier } from "./pkg/workerd.js";
const CHUNK = 64 * 1024;
const data = new Uint8Array(CHUNK);
for (let i = 0; i < CHUNK; i++) data[i] = (i * 2654435761) >>> 24;
function source(total) {
  let sent = 0;
  return new ReadableStream({ pull(c) { if (sent >= total) return c.close(); c.enqueue(data.slice()); sent += CHUNK; } });
}
function native() {
  const ds = new crypto.DigestStream("SHA-256"); const w = ds.getWriter();
  return new TransformStream({ async transform(ch, c) { await w.write(ch); c.enqueue(ch); }, async flush() { await w.close(); await ds.digest; } });
}
function wasm() {
  const v = new DigestVerifier("sha256:" + "0".repeat(64));
  return new TransformStream({ transform(ch, c) { v.update(ch); c.enqueue(ch); }, flush() { v.verify(); v.free(); } });
}
function none() { return new TransformStream(); }
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const total = Number(url.searchParams.get("mib")) * 1024 * 1024;
    const make = { native, wasm, none }[url.searchParams.get("how")];
    const reader = source(total).pipeThrough(make()).getReader();
    while (!(await reader.read()).done);
    return new Response("ok");
  },
};`;

async function start(flags) {
  const mf = new Miniflare({
    modules: true,
    script,
    scriptPath: join(worker, "bench.js"),
    modulesRoot: worker,
    modulesRules: [
      { type: "ESModule", include: ["pkg/**/*.js"] },
      { type: "CompiledWasm", include: ["pkg/**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    compatibilityFlags: flags,
  });
  await mf.ready;
  return mf;
}

const plain = await start([]);
const compat = await start(["nodejs_compat"]);
const variants = [
  ["crypto.DigestStream", plain, "native"],
  ["DigestVerifier (wasm sha2)", plain, "wasm"],
  ["DigestVerifier (nodejs_compat: node:crypto)", compat, "wasm"],
  ["pass-through, no hash", plain, "none"],
];
const results = Object.fromEntries(variants.map(([name]) => [name, []]));
try {
  for (const [, mf, how] of variants) await (await mf.dispatchFetch(`http://x/?how=${how}&mib=4`)).text(); // warm up
  for (let r = 0; r < rounds; r++) {
    for (const [name, mf, how] of variants) {
      const t = process.hrtime.bigint();
      await (await mf.dispatchFetch(`http://x/?how=${how}&mib=${mib}`)).text();
      results[name].push(mib / (Number(process.hrtime.bigint() - t) / 1e9));
    }
  }
} finally {
  await plain.dispose();
  await compat.dispose();
}
for (const [name, rates] of Object.entries(results)) {
  rates.sort((a, b) => a - b);
  console.log(`${name.padEnd(46)} ${rates[rates.length >> 1].toFixed(0).padStart(6)} MB/s (median of ${rates.length})`);
}
