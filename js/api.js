// The public surface of the package (API.md), shared by every host entry. Nearly everything is
// the wasm export itself; three exports are thin wrappers for speed, with the same results:
//  - parseReference: ASCII input is written straight into wasm memory and the core's scanner
//    returns offsets, sliced here from the input (no string or object crosses the boundary);
//  - Hasher and DigestVerifier: the host's native streaming hash when the entry found one
//    (Node's crypto), else the wasm sha2. Algorithms and digests are checked by the core.
import * as wasm from "./pullgate.js";
import { PullgateError } from "__ERROR_MODULE__";
import { host } from "./host.js";

export { PullgateError };
export { RegistryClient } from "./registry.js";
export {
  normalizeReference,
  parseDockerRef,
  validateHubRepositoryName,
  parseAnyReference,
  parseNamed,
  withName,
  withTag,
  withDigest,
  familiarString,
  familiarName,
  parseDigest,
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

// ---- parseReference: the fast path ----------------------------------------------------------

let memory; // WebAssembly.Memory, once the module is initialized
let inputView; // Uint8Array over the scan input (replaced when the memory grows)
let words; // Uint32Array over the memory
let output; // u32 index of the scan output
let inputAt = 0;
let capacity = 0; // input capacity; 0 until set up
const encoder = new TextEncoder();

function views() {
  inputView = new Uint8Array(memory.buffer, inputAt, capacity);
  words = new Uint32Array(memory.buffer);
}

function setUp() {
  try {
    const [input, outputAt, cap] = wasm.__scanLayout();
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

/**
 * distribution/reference `Parse`. ASCII input up to the scan buffer's size takes the fast
 * path; anything else, and every failure (for its error), goes through the core's `parse`.
 */
export function parseReference(s) {
  if (typeof s === "string" && (capacity !== 0 || setUp())) {
    const n = s.length;
    if (n !== 0 && n <= capacity) {
      if (inputView.length === 0) views(); // the memory grew: the old views are detached
      const { read, written } = encoder.encodeInto(s, inputView);
      // ASCII exactly when every UTF-16 unit became one byte.
      if (read === n && written === n && wasm.__scanReference(n) === 1) {
        if (words.length === 0) views();
        const domainEnd = words[output];
        const nameEnd = words[output + 2];
        const tagStart = words[output + 3];
        const tagEnd = words[output + 4];
        const digestStart = words[output + 5];
        const r = { name: s.slice(0, nameEnd) };
        if (domainEnd !== 0) r.domain = s.slice(0, domainEnd);
        r.path = s.slice(words[output + 1], nameEnd);
        if (tagEnd > tagStart) r.tag = s.slice(tagStart, tagEnd);
        if (digestStart < n) r.digest = s.slice(digestStart);
        r.string = s;
        return r;
      }
    }
  }
  return wasm.__parseReference(s);
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
