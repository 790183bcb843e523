// Types of every entry (node, workerd, browser). API.md is the contract; every export below
// has a doc comment. Numbers (sizes, limits) are exact up to 2^53 - 1 (Number.MAX_SAFE_INTEGER);
// larger values read as the nearest double, as JSON.parse reads them.
export { default, initSync } from "./pullgate.js";
export type { InitInput, InitOutput, SyncInitInput } from "./pullgate.js";

/** The `code` of a {@link PullgateError}: stable, branch on it (never on the message). */
export type PullgateErrorCode =
  | "REFERENCE_INVALID_FORMAT"
  | "NAME_EMPTY"
  | "NAME_TOO_LONG"
  | "NAME_CONTAINS_UPPERCASE"
  | "NAME_NOT_CANONICAL"
  | "NAME_IS_IMAGE_ID"
  | "TAG_INVALID_FORMAT"
  | "DIGEST_INVALID_FORMAT"
  | "DIGEST_UNSUPPORTED"
  | "HUB_NAME_INVALID"
  | "PLATFORM_INVALID"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNSUPPORTED"
  | "MANIFEST_TOO_LARGE"
  | "HEADER_INVALID"
  | "INVALID_ARGUMENT"
  | "REGISTRY_ERROR"
  | "DIGEST_MISMATCH";

/**
 * Every failure of pullgate throws a `PullgateError`: an `Error` whose `message` names the
 * offending input and whose `code` says what went wrong. Nothing else is thrown, and the module
 * stays usable after any error. `INVALID_ARGUMENT` is a JS value of the wrong type (or over
 * 64 Mi units); `REGISTRY_ERROR` and `DIGEST_MISMATCH` come from {@link RegistryClient} only.
 */
export class PullgateError extends Error {
  constructor(code: PullgateErrorCode, message: string);
  readonly name: "PullgateError";
  readonly code: PullgateErrorCode;
  /** The HTTP status, for a `REGISTRY_ERROR` that has one. */
  readonly status?: number;
}

/** Bytes: a `Uint8Array` (or any typed array, `DataView`, `ArrayBuffer`), or a string hashed as UTF-8. */
export type Bytes = Uint8Array | ArrayBufferView | ArrayBuffer | string;

// ---- References ----------------------------------------------------------------------------

/** A parsed image reference (API.md, "References"). */
export interface Reference {
  /** `domain/path`, or `path` when there is no domain. */
  name: string;
  /** Present only when the input had one (always set by `normalizeReference`). */
  domain?: string;
  /** The repository path, e.g. `library/ubuntu`. */
  path: string;
  /** The tag, when there is one. */
  tag?: string;
  /** The digest, when there is one. */
  digest?: string;
  /** The canonical text. */
  string: string;
}

/** A reference normalized as Docker does (`docker.io`, `library/`). */
export interface NormalizedReference extends Reference {
  domain: string;
  /** distribution/reference `FamiliarString`, e.g. `hello:latest`. */
  familiar: string;
  /** distribution/reference `FamiliarName`, e.g. `hello`. */
  familiarName: string;
}

/** What {@link parseAnyReference} returns for a bare digest or image ID. */
export interface DigestReference {
  digest: string;
  string: string;
  familiar: string;
}

/**
 * distribution/reference `Parse`: the reference as written, no normalization.
 * Throws `REFERENCE_INVALID_FORMAT`, `NAME_EMPTY`, `NAME_TOO_LONG`, `NAME_CONTAINS_UPPERCASE`,
 * `DIGEST_INVALID_FORMAT` or `DIGEST_UNSUPPORTED`.
 */
export function parseReference(s: string): Reference;

/**
 * distribution/reference `ParseNormalizedNamed`: `hello` is `docker.io/library/hello`.
 * Throws as {@link parseReference}, plus `NAME_IS_IMAGE_ID`.
 */
export function normalizeReference(s: string): NormalizedReference;

/**
 * distribution/reference `ParseDockerRef`: the normalized string, `:latest` added when there is
 * neither tag nor digest; a reference with a digest keeps the digest and drops the tag.
 */
export function parseDockerRef(s: string): string;

/** Docker Hub's repository-name rule: returns nothing, or throws `HUB_NAME_INVALID`. */
export function validateHubRepositoryName(s: string): void;

/** distribution/reference `ParseNamed`: {@link normalizeReference}, and `s` must already be canonical (`NAME_NOT_CANONICAL`). */
export function parseNamed(s: string): NormalizedReference;

/** distribution/reference `ParseAnyReference`: a bare digest or 64-hex image ID is a digest reference. */
export function parseAnyReference(s: string): NormalizedReference | DigestReference;

/** distribution/reference `WithName`: a name alone, not normalized. */
export function withName(name: string): Reference;

/** distribution/reference `WithTag` on `Parse(reference)`: the reference string with `tag`. */
export function withTag(reference: string, tag: string): string;

/** distribution/reference `WithDigest` on `Parse(reference)`: the reference string with `digest`. */
export function withDigest(reference: string, digest: string): string;

/** distribution/reference `FamiliarString` of `Parse(reference)`: `docker.io/library/foo:tag` is `foo:tag`. */
export function familiarString(reference: string): string;

/** distribution/reference `FamiliarName` of `Parse(reference)`: `docker.io/library/foo` is `foo`. */
export function familiarName(reference: string): string;

// ---- Digests -------------------------------------------------------------------------------

/** An algorithm pullgate computes. */
export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/** A parsed digest (`algorithm:encoded`). */
export interface Digest {
  /** e.g. `sha256`. */
  algorithm: string;
  /** The encoded (hex) part. */
  encoded: string;
  /** The whole digest. */
  string: string;
}

/**
 * Parses a digest (any well-formed algorithm, as the image-spec asks). Throws
 * `DIGEST_INVALID_FORMAT`.
 */
export function parseDigest(s: string): Digest;

/**
 * The digest of `bytes` (a string is hashed as UTF-8), as `"<algorithm>:<hex>"`. Any other
 * algorithm than sha256 (the default), sha384 and sha512 throws `DIGEST_UNSUPPORTED`.
 */
export function digest(bytes: Bytes, algorithm?: DigestAlgorithm): string;

/**
 * Whether `bytes` hash to `digest`: `true` or `false`. Throws only for a malformed
 * (`DIGEST_INVALID_FORMAT`) or unsupported (`DIGEST_UNSUPPORTED`) digest.
 */
export function verifyDigest(bytes: Bytes, digest: string): boolean;

/**
 * A streaming hash: memory stays flat whatever the total size. In Node (and Workers with
 * `nodejs_compat`) it runs on the host's native hash, elsewhere on wasm; results are identical.
 * Call `free()` when done, or rely on finalization.
 */
export class Hasher {
  /** Throws `DIGEST_UNSUPPORTED` for an algorithm other than sha256, sha384 and sha512. */
  constructor(algorithm?: DigestAlgorithm);
  /** Feeds the next chunk (a string is hashed as UTF-8). Returns the hasher. */
  update(chunk: Bytes): this;
  /** The digest of everything fed so far, `"<algorithm>:<hex>"`; the hasher then starts over. */
  finish(): string;
  /** Releases the hasher; using it afterwards throws `INVALID_ARGUMENT`. */
  free(): void;
}

/** Streams content and checks it against an expected digest. */
export class DigestVerifier {
  /** Throws `DIGEST_INVALID_FORMAT` or `DIGEST_UNSUPPORTED` for a digest it can't verify. */
  constructor(digest: string);
  /** Feeds the next chunk. Returns the verifier. */
  update(chunk: Bytes): this;
  /** Whether everything fed so far hashes to the expected digest; the verifier then starts over. */
  verify(): boolean;
  /** Releases the verifier; using it afterwards throws `INVALID_ARGUMENT`. */
  free(): void;
}

// ---- Platforms -----------------------------------------------------------------------------

/** An OCI platform, normalized as containerd's `Normalize` when it comes from pullgate. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** A platform: a specifier string (`linux/arm64/v8`) or an object. */
export type PlatformLike = string | Platform;

/** How a host platform matches candidates: containerd's `Only` (default), `OnlyStrict`, `NewMatcher`. */
export type MatchMode = "only" | "strict" | "exact";

/** Options of {@link platformMatches} and {@link sortPlatforms}. */
export interface MatchOptions {
  /** `"only"` (default): the host and what it can also run; `"strict"`: the host only; `"exact"`: `NewMatcher`. */
  mode?: MatchMode;
}

/** containerd's `platforms.Parse`, normalized (also `windows(10.0.17763+win32k)/amd64`). Throws `PLATFORM_INVALID`. */
export function parsePlatform(s: string): Platform;

/** `os/arch[/variant]` (containerd `Format`), or with `all: true` the form keeping os.version and features (`FormatAll`). */
export function formatPlatform(p: PlatformLike, options?: { all?: boolean }): string;

/** Whether `host` can run `candidate` under `mode`. Objects are normalized first. */
export function platformMatches(host: PlatformLike, candidate: PlatformLike, options?: MatchOptions): boolean;

/** The candidates as given, best first by the matcher's ordering (containerd's `Less`), stable. */
export function sortPlatforms<T extends PlatformLike>(host: PlatformLike, candidates: readonly T[], options?: MatchOptions): T[];

// ---- Manifests -----------------------------------------------------------------------------

/** A content descriptor (image-spec `descriptor.md`). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** As written in the index (not normalized). */
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
  artifactType?: string;
}

/** A parsed image manifest or index; `digest` and `size` are of the exact bytes given. */
export interface Manifest {
  mediaType: string;
  kind: "index" | "image";
  schemaVersion: number;
  digest: string;
  size: number;
  /** Images only. */
  config?: Descriptor;
  /** Images only, base first. */
  layers?: Descriptor[];
  /** Indexes only. */
  manifests?: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Images only: config plus layers. */
  totalSize?: number;
}

/**
 * Parses and validates a manifest or index (at most 4 MiB). Throws `MANIFEST_INVALID`,
 * `MANIFEST_UNSUPPORTED` or `MANIFEST_TOO_LARGE`.
 */
export function parseManifest(body: Uint8Array | string, contentType?: string): Manifest;

/**
 * The best descriptor of an index for `platform` by containerd's ordering, or `undefined`.
 * Attestations are never selected. `index` is a body or a {@link parseManifest} result.
 */
export function selectPlatform(index: Manifest | Uint8Array | string, platform: PlatformLike): Descriptor | undefined;

/** The `Accept` header value a client should send for manifests. */
export const MANIFEST_ACCEPT: string;

// ---- Rate limits and auth ------------------------------------------------------------------

/** One rate-limit policy. */
export interface RateLimitPolicy {
  name?: string;
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
  /** Delta-seconds. */
  reset?: number;
  unit?: string;
}

/** Decoded rate-limit headers: a field not sent is `undefined`, never guessed. */
export interface RateLimit {
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
  /** Delta-seconds until the window resets. */
  reset?: number;
  /** `docker-ratelimit-source`. */
  source?: string;
  unit?: string;
  /** Every policy, when there are two or more (top-level fields are the lowest remaining's). */
  policies?: RateLimitPolicy[];
  format: "docker" | "ietf" | "ietf-structured";
}

/** Response headers: a `Headers`, a plain object or an array of `[name, value]` pairs (names in any case). */
export type HeadersLike = Headers | Record<string, string> | ReadonlyArray<readonly [string, string]>;

/** Decodes rate-limit headers, or `null` when there is none. A malformed header throws `HEADER_INVALID`. */
export function parseRateLimit(headers: HeadersLike): RateLimit | null;

/** `"pull-limit"` for a 429 with a `TOOMANYREQUESTS` error list, `"overall-limit"` for any other 429, else `null`. */
export function classifyTooManyRequests(status: number, body: Uint8Array | string): "pull-limit" | "overall-limit" | null;

/** The key a limit is counted under: IPv4 as is, IPv6 as its prefix (RFC 5952). Throws `HEADER_INVALID`. */
export function clientKey(ip: string, options?: { ipv6Prefix?: number }): string;

/** One challenge of a `WWW-Authenticate` value. */
export interface Challenge {
  /** Lower-cased, e.g. `bearer`. */
  scheme: string;
  /** Names lower-cased, quoted values unescaped. */
  params: Record<string, string>;
  token68?: string;
}

/** RFC 7235 challenges, several per value. Throws `HEADER_INVALID`. */
export function parseWwwAuthenticate(value: string): Challenge[];

/** A token scope: `resourcetype[(class)]:name:actions`. */
export interface Scope {
  type: string;
  class?: string;
  name: string;
  actions: string[];
}

/** Parses one scope. Throws `HEADER_INVALID`. */
export function parseScope(s: string): Scope;

/** Parses a space-separated list of scopes. Throws `HEADER_INVALID`. */
export function parseScopes(s: string): Scope[];

/** Prints one scope. */
export function formatScope(scope: Scope): string;

/** A decoded token-server response. */
export interface TokenResponse {
  /** `access_token` when present, else `token`. */
  token: string;
  /** At least 60 (the default). */
  expiresIn: number;
  /** RFC 3339, as given. */
  issuedAt?: string;
}

/** Decodes a token server's JSON response (text or object). Throws `HEADER_INVALID`. */
export function parseTokenResponse(json: string | object): TokenResponse;

// ---- Registry client -----------------------------------------------------------------------

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** The registry's origin, e.g. `https://registry.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** Basic credentials, sent to the registry and to its token realm only. */
  username?: string;
  password?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A page of a listing. */
export interface PageOptions {
  n?: number;
  last?: string;
}

/** What {@link RegistryClient.headManifest} returns. */
export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
  rateLimit: RateLimit | null;
}

/** A manifest fetched from a registry, verified, with the response's rate limit. */
export interface FetchedManifest extends Manifest {
  rateLimit: RateLimit | null;
}

/**
 * A registry client over `fetch` (browsers, Workers, Node 18+): anonymous, Basic, and the
 * Bearer token dance from `WWW-Authenticate`, tokens cached per scope until expiry. Token
 * realms must be https or the registry's own origin; credentials never go to another host;
 * `Link` pagination to another host is refused; redirects leaving the registry's host drop
 * `Authorization`. Failures throw `PullgateError` (`REGISTRY_ERROR` with `status`,
 * `DIGEST_MISMATCH`, or the core's codes).
 */
export class RegistryClient {
  constructor(options: RegistryClientOptions);
  /** One page of tags: `GET /v2/<repository>/tags/list?n&last`. */
  tags(repository: string, options?: PageOptions): Promise<string[]>;
  /** Every tag, following `Link` pagination on the same origin (`n`: the page size to ask for). */
  allTags(repository: string, options?: { n?: number }): Promise<string[]>;
  /** One page of the catalog: `GET /v2/_catalog?n&last`. */
  catalog(options?: PageOptions): Promise<string[]>;
  /**
   * The manifest of `reference` (`repo:tag` or `repo@digest`, no host), sent with
   * {@link MANIFEST_ACCEPT}, its digest verified against the requested digest and
   * `Docker-Content-Digest`. With `platform`, an index is resolved to that platform's manifest.
   */
  manifest(reference: string, options?: { platform?: PlatformLike }): Promise<FetchedManifest>;
  /** `HEAD` of a manifest: no pull is counted. */
  headManifest(reference: string): Promise<ManifestHead>;
  /** A blob's bytes, verified against `digest` while streaming. */
  blob(repository: string, digest: string): Promise<Uint8Array>;
}
