// A typed consumer of every export, checked by tsc --noEmit (package.test.mjs): the types are
// precise enough that each `@ts-expect-error` below is an error.
import init, { classifyTooManyRequests, clientKey, digest, DigestVerifier, familiarName, familiarString, formatPlatform, formatScope, Hasher, initSync, MANIFEST_ACCEPT, normalizeReference, parseAnyReference, parseDigest, parseDockerRef, parseManifest, parseNamed, parsePlatform, parseRateLimit, parseReference, parseScope, parseScopes, parseTokenResponse, parseWwwAuthenticate, platformMatches, PullgateError, RegistryClient, selectPlatform, sortPlatforms, validateHubRepositoryName, verifyDigest, withDigest, withName, withTag, type Challenge, type Descriptor, type Digest, type FetchedManifest, type Manifest, type ManifestHead, type NormalizedReference, type Platform, type PullgateErrorCode, type RateLimit, type Reference, type Scope, type TokenResponse } from "pullgate";

await init();
void initSync;

const ref: Reference = parseReference("docker.io/library/ubuntu:22.04");
const domain: string | undefined = ref.domain;
// @ts-expect-error tag may be absent
const tag: string = ref.tag;
const norm: NormalizedReference = normalizeReference("ubuntu");
const familiar: string = norm.familiarName + norm.familiar + norm.domain;
const dockerRef: string = parseDockerRef("ubuntu");
const nothing: void = validateHubRepositoryName("ubuntu");
const named: NormalizedReference = parseNamed("docker.io/library/ubuntu");
const any = parseAnyReference("ubuntu");
const anyString: string = any.string;
const w: Reference = withName("ubuntu");
const strings: string[] = [withTag("ubuntu", "1"), withDigest("ubuntu", "sha256:" + "0".repeat(64)), familiarString("docker.io/library/a"), familiarName("docker.io/library/a")];

const d: Digest = parseDigest("sha256:" + "0".repeat(64));
const hex: string = d.encoded + d.algorithm + d.string;
const a: string = digest("hello");
const b: string = digest(new Uint8Array([1, 2, 3]), "sha512");
// @ts-expect-error only sha256, sha384 and sha512 can be computed
digest("x", "md5");
// @ts-expect-error bytes are a Uint8Array or a string
digest(42);
const ok: boolean = verifyDigest("hello", a);
const hasher = new Hasher("sha384");
const hashed: string = hasher.update("a").update(new Uint8Array(1)).finish();
hasher.free();
const verifier = new DigestVerifier(a);
const verified: boolean = verifier.update("hello").verify();
verifier.free();

const p: Platform = parsePlatform("linux/arm64/v8");
const arch: string = p.architecture;
// @ts-expect-error variant may be absent
const variant: string = p.variant;
const formatted: string = formatPlatform(p, { all: true }) + formatPlatform("linux/amd64");
const matches: boolean = platformMatches("linux/arm64", { os: "linux", architecture: "arm", variant: "v7" }, { mode: "strict" });
// @ts-expect-error modes are only, strict and exact
platformMatches("linux/arm64", "linux/arm64", { mode: "loose" });
const sorted: string[] = sortPlatforms("linux/arm64", ["linux/amd64", "linux/arm64"]);

const m: Manifest = parseManifest('{"schemaVersion":2}', "application/vnd.oci.image.index.v1+json");
const kind: "index" | "image" = m.kind;
const layers: Descriptor[] | undefined = m.layers;
const chosen: Descriptor | undefined = selectPlatform(m, "linux/arm64");
const size: number | undefined = chosen?.size;
const accept: string = MANIFEST_ACCEPT;

const rl: RateLimit | null = parseRateLimit({ "ratelimit-limit": "100;w=21600" });
const remaining: number | undefined = rl?.remaining;
const format: "docker" | "ietf" | "ietf-structured" | undefined = rl?.format;
parseRateLimit([["ratelimit-limit", "100"]]);
parseRateLimit(new Headers());
const kindOf: "pull-limit" | "overall-limit" | null = classifyTooManyRequests(429, "{}");
const key: string = clientKey("2001:db8::1", { ipv6Prefix: 48 });
const challenges: Challenge[] = parseWwwAuthenticate('Bearer realm="https://auth.example/token"');
const scope: Scope = parseScope("repository:a/b:pull");
const scopes: Scope[] = parseScopes("repository:a:pull repository:b:push");
const printed: string = formatScope(scope);
const token: TokenResponse = parseTokenResponse('{"token":"t"}');
const expires: number = token.expiresIn;

const client = new RegistryClient({ baseUrl: "http://127.0.0.1:5000", username: "u", password: "p" });
const tags: Promise<string[]> = client.tags("demo/single", { n: 10, last: "a" });
const every: Promise<string[]> = client.allTags("demo/single");
const repos: Promise<string[]> = client.catalog({ n: 2 });
const fetched: Promise<FetchedManifest> = client.manifest("demo/multiarch:latest", { platform: "linux/arm64" });
const head: Promise<ManifestHead> = client.headManifest("demo/single:1.0.0");
const blob: Promise<Uint8Array> = client.blob("demo/single", a);

try {
  parseReference("Hello");
} catch (e) {
  if (e instanceof PullgateError) {
    const code: PullgateErrorCode = e.code;
    // @ts-expect-error codes are a closed union
    const wrong: PullgateErrorCode = "NOPE";
    console.log(code, e.message, wrong);
  }
}

void [domain, tag, familiar, dockerRef, nothing, named, anyString, w, strings, hex, b, ok, hashed, verified, arch, variant, formatted, matches, sorted, kind, layers, size, accept, remaining, format, kindOf, key, challenges, scopes, printed, expires, tags, every, repos, fetched, head, blob];
