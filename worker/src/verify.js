// Streaming digest checks for blobs: the bytes flow to the client as they arrive, except the
// last chunk, which is only released once the whole body hashed to the expected digest. On a
// mismatch the stream errors instead, so the client's transfer fails (it never receives a
// complete body) and a cache write fed from the same stream fails with it (cache.js storeBlob).
//
// The hash is the runtime's native crypto.DigestStream (workerd): measured against the core's
// wasm hasher in bench/load (see BENCHMARKS.md, "Gateway").

const ALGORITHMS = { sha256: "SHA-256", sha512: "SHA-512" };

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class DigestMismatch extends Error {}

/**
 * A TransformStream that passes bytes through and checks them against `expected`
 * ("sha256:<hex>", already validated by the caller), or null when the runtime cannot hash
 * that algorithm.
 */
export function verifyingStream(expected) {
  const colon = expected.indexOf(":");
  const name = ALGORITHMS[expected.slice(0, colon)];
  if (!name || typeof crypto.DigestStream !== "function") return null;
  const encoded = expected.slice(colon + 1);
  const hasher = new crypto.DigestStream(name);
  const writer = hasher.getWriter();
  let held = null;
  return new TransformStream({
    async transform(chunk, controller) {
      if (held) controller.enqueue(held);
      held = chunk;
      await writer.write(chunk);
    },
    async flush(controller) {
      await writer.close();
      const actual = hex(await hasher.digest);
      if (actual !== encoded) {
        controller.error(new DigestMismatch(`upstream sent ${expected.slice(0, colon)}:${actual} for ${expected}`));
        return;
      }
      if (held) controller.enqueue(held);
    },
  });
}
