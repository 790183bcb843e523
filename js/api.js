// The public surface of the package (API.md), shared by every host entry. Nearly everything is
// the wasm export itself; a few exports are thin wrappers for speed, with the same results:
//  - parseReference: ASCII input is written straight into wasm memory and the core's scanner
//    returns offsets, sliced here from the input (no string or object crosses the boundary);
//  - parseDigest: the same; the core returns where the ':' is;
//  - normalizeReference and parseNamed: the same, with the core saying which of its constant
//    heads ("docker.io/", "docker.io/library/") goes before which suffix of the input;
//  - Hasher and DigestVerifier: the host's native streaming hash when the entry found one
//    (Node's crypto), else the wasm sha2. Algorithms and digests are checked by the core.
import * as wasm from "./pullgate.js";
import { PullgateError } from "__ERROR_MODULE__";
import { host } from "./host.js";

export { PullgateError };
export { RegistryClient } from "./registry.js";
export {
  parseDockerRef,
  validateHubRepositoryName,
  parseAnyReference,
  withName,
  withTag,
  withDigest,
  familiarString,
  familiarName,
  digest,
  verifyDigest,
  parsePlatform,
  formatPlatform,
  platformMatches,
  sortPlatforms,
  parseManifest,
  selectPlatform,
  parseRateLimit,
  classifyTooManyRequests,
  clientKey,
  parseWwwAuthenticate,
  parseScope,
  parseScopes,
  formatScope,
  parseTokenResponse,
} from "./pullgate.js";

/** The `Accept` header a client should send for manifests (the core's value, baked at build). */
export const MANIFEST_ACCEPT = "__MANIFEST_ACCEPT__";

// ---- parseReference, normalizeReference, parseNamed: the fast paths -------------------------

let memory; // WebAssembly.Memory, once the module is initialized
let words; // Uint32Array over the memory (replaced when the memory grows)
let inputAt = 0; // byte offset of the scan input
let output = 0; // u32 index of the scan output
let capacity = 0; // input capacity; 0 until set up
let inputView; // Uint8Array over the scan input, for encodeInto
let heads; // the strings normalizing puts before the input, by index
const encoder = new TextEncoder();

function views() {
  words = new Uint32Array(memory.buffer);
  inputView = new Uint8Array(memory.buffer, inputAt, capacity);
}

function setUp() {
  try {
    const [input, outputAt, cap] = wasm.__scanLayout();
    heads = wasm.__normalizedHeads();
    memory = wasm.__memory();
    inputAt = input;
    output = outputAt >>> 2;
    capacity = cap;
    views();
    return true;
  } catch {
    return false; // not initialized yet: the plain export says so
  }
}

/** Writes `s` into the scan input when it is ASCII and fits; its length, else -1. */
function write(s) {
  if (typeof s !== "string" || (capacity === 0 && !setUp())) return -1;
  const n = s.length;
  if (n === 0 || n > capacity) return -1;
  if (inputView.length === 0) views(); // the memory grew: the old views are detached
  // TextEncoder.encodeInto beats a charCodeAt loop from a handful of characters on (Node 20).
  const { read, written } = encoder.encodeInto(s, inputView);
  // ASCII exactly when every UTF-16 unit became one byte.
  return read === n && written === n ? n : -1;
}

/**
 * distribution/reference `Parse`. ASCII input up to the scan buffer's size takes the fast
 * path; anything else, and every failure (for its error), goes through the core's `parse`.
 */
export function parseReference(s) {
  const n = write(s);
  // A successful scan allocates nothing, so the views are still those write() checked.
  if (n > 0 && wasm.__scanReference(n) === 1) {
    const domainEnd = words[output];
    const nameEnd = words[output + 2];
    const tagStart = words[output + 3];
    const tagEnd = words[output + 4];
    const digestStart = words[output + 5];
    const name = s.slice(0, nameEnd);
    const path = s.slice(words[output + 1], nameEnd);
    // One literal per shape (parts are absent, not undefined, when missing): each result is
    // created with its final hidden class instead of growing into it.
    if (domainEnd !== 0) {
      const domain = s.slice(0, domainEnd);
      if (tagEnd > tagStart) {
        const tag = s.slice(tagStart, tagEnd);
        if (digestStart < n) return { name, domain, path, tag, digest: s.slice(digestStart), string: s };
        return { name, domain, path, tag, string: s };
      }
      if (digestStart < n) return { name, domain, path, digest: s.slice(digestStart), string: s };
      return { name, domain, path, string: s };
    }
    if (tagEnd > tagStart) {
      const tag = s.slice(tagStart, tagEnd);
      if (digestStart < n) return { name, path, tag, digest: s.slice(digestStart), string: s };
      return { name, path, tag, string: s };
    }
    if (digestStart < n) return { name, path, digest: s.slice(digestStart), string: s };
    return { name, path, string: s };
  }
  return wasm.__parseReference(s);
}

/** go-digest's grammar (API.md `parseDigest`), with the same ASCII fast path: `{ algorithm, encoded, string }`. */
export function parseDigest(s) {
  const n = write(s);
  const colon = n > 0 ? wasm.__scanDigest(n) : 0;
  if (colon !== 0) return { algorithm: s.slice(0, colon - 1), encoded: s.slice(colon), string: s };
  return wasm.__parseDigest(s);
}

/** The `normalizeReference` object from the fast path's output, or undefined. */
function normalized(s, canonicalOnly) {
  const n = write(s);
  if (n <= 0 || wasm.__scanNormalized(n, canonicalOnly) !== 1) return undefined;
  if (words.length === 0) views(); // normalizing allocates: the memory may have grown
  const nameEnd = words[output + 2];
  const tagStart = words[output + 3];
  const tagEnd = words[output + 4];
  const digestStart = words[output + 5];
  const familiarStart = words[output + 6];
  const head = words[output + 7];
  const string = head === 0 ? s : heads[head] + s.slice(words[output + 8]);
  const domainEnd = words[output];
  const r = { name: string.slice(0, nameEnd) };
  if (domainEnd !== 0) r.domain = string.slice(0, domainEnd);
  r.path = string.slice(words[output + 1], nameEnd);
  if (tagEnd > tagStart) r.tag = string.slice(tagStart, tagEnd);
  if (digestStart < string.length) r.digest = string.slice(digestStart);
  r.string = string;
  r.familiar = string.slice(familiarStart);
  r.familiarName = string.slice(familiarStart, nameEnd);
  return r;
}

/** distribution/reference `ParseNormalizedNamed`, with the familiar forms. */
export function normalizeReference(s) {
  return normalized(s, false) ?? wasm.normalizeReference(s);
}

/** distribution/reference `ParseNamed`: `normalizeReference` of a canonical reference. */
export function parseNamed(s) {
  return normalized(s, true) ?? wasm.parseNamed(s);
}

// ---- Streaming digests ----------------------------------------------------------------------

const FREED = "was freed";

function freed(what) {
  return new PullgateError("INVALID_ARGUMENT", `this ${what} ${FREED}`);
}

/** A chunk as the native hash takes it, or a PullgateError as the core words it. */
function nativeChunk(chunk) {
  if (typeof chunk === "string") return chunk;
  if (ArrayBuffer.isView(chunk)) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new PullgateError("INVALID_ARGUMENT", "chunk must be a Uint8Array or a string");
}

/** One streaming hash: native when the host has it, else wasm. */
class Stream {
  constructor(algorithm) {
    this.algorithm = algorithm;
    this.native = host.createHash ? host.createHash(algorithm) : null;
    this.wasm = this.native ? null : new wasm.WasmHasher(algorithm);
  }

  update(chunk) {
    if (this.native) this.native.update(nativeChunk(chunk));
    else this.wasm.update(chunk);
  }

  /** The digest string; the stream starts over. */
  finish() {
    if (this.wasm) return this.wasm.finish();
    const hex = this.native.digest("hex");
    this.native = host.createHash(this.algorithm);
    return `${this.algorithm}:${hex}`;
  }

  free() {
    this.wasm?.free();
  }
}

export class Hasher {
  #stream;

  constructor(algorithm = undefined) {
    this.#stream = new Stream(wasm.__hashAlgorithm(algorithm));
  }

  update(chunk) {
    if (!this.#stream) throw freed("Hasher");
    this.#stream.update(chunk);
    return this;
  }

  finish() {
    if (!this.#stream) throw freed("Hasher");
    return this.#stream.finish();
  }

  free() {
    this.#stream?.free();
    this.#stream = null;
  }
}

export class DigestVerifier {
  #stream;
  #expected;

  constructor(digest) {
    const algorithm = wasm.__verifiableAlgorithm(digest);
    this.#expected = digest;
    this.#stream = new Stream(algorithm);
  }

  update(chunk) {
    if (!this.#stream) throw freed("DigestVerifier");
    this.#stream.update(chunk);
    return this;
  }

  verify() {
    if (!this.#stream) throw freed("DigestVerifier");
    return this.#stream.finish() === this.#expected;
  }

  free() {
    this.#stream?.free();
    this.#stream = null;
  }
}
