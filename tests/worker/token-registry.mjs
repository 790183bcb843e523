// A registry behind distribution's token auth, for the gateway's upstream-auth tests: the real
// docker-registry (auth.token, serving an existing registry's storage), and in front of it on
// one origin a small token issuer at /token that signs RS256 JWTs with an openssl-made key,
// the certificate in the x5c header and in the registry's rootcertbundle
// (distribution registry/auth/token/token.go verifies the chain against that bundle).
import { execFileSync } from "node:child_process";
import { createSign, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForHttp } from "../../scripts/lib/proc.mjs";
import { startRegistry } from "../../scripts/registry.mjs";

const SERVICE = "pullgate-test-registry";
const ISSUER = "pullgate-test-issuer";

const b64url = (data) => Buffer.from(data).toString("base64url");

/**
 * Starts the pair over `storage` (a registry storage root). Clients must authenticate to the
 * issuer as `username`/`password`. `realmOrigin` overrides the origin the challenge names (to
 * test that the gateway refuses a foreign plain-http realm). With `redirectBlobs`, blob GETs
 * that pass the registry's auth are redirected to a "storage" server on another origin
 * (127.0.0.2), as Docker Hub redirects to its CDN. `tagsLink`, when given, is added as the
 * `Link` header of every tags/list answer without `last` (distribution 2.8 pages only the
 * catalog). Returns `{ url, issued, storageRequests,
 * stop }`: `issued` lists `{ authorization, scopes }` per token request, `storageRequests`
 * `{ path, authorization }` per request the storage server saw, `requests` the paths the
 * registry's front was asked for (the token issuer's included).
 */
export async function startTokenRegistry({ storage, username, password, realmOrigin, redirectBlobs = false, tagsLink }) {
  const dir = mkdtempSync(join(tmpdir(), "pullgate-token-registry-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=pullgate test token issuer"], { stdio: "ignore" });
  const der = execFileSync("openssl", ["x509", "-in", cert, "-outform", "DER"]);
  const privateKey = readFileSync(key);

  const frontPort = await freePort();
  const url = `http://127.0.0.1:${frontPort}`;
  // The project's own registry starter, with distribution's auth.token section; it waits
  // until /v2/ answers (401 here). It serves `storage` and leaves it in place on stop.
  const registry = await startRegistry({
    storage,
    auth: `token:\n  realm: ${realmOrigin ?? url}/token\n  service: ${SERVICE}\n  issuer: ${ISSUER}\n  rootcertbundle: ${cert}`,
  }).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const registryPort = registry.port;

  const issued = [];
  const expected = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  function token(req, res) {
    const query = new URL(req.url, url).searchParams;
    const scopes = query.getAll("scope");
    issued.push({ authorization: req.headers.authorization ?? null, scopes, service: query.get("service") });
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="token"' });
      return res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: mint(scopes), expires_in: 300, issued_at: new Date().toISOString() }));
  }

  function mint(scopes) {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(":");
      const actions = rest.pop().split(",");
      return { type, name: rest.join(":"), actions };
    });
    const header = { alg: "RS256", typ: "JWT", x5c: [der.toString("base64")] };
    const claims = { iss: ISSUER, sub: username, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(input).sign(privateKey);
    return `${input}.${b64url(signature)}`;
  }

  // The storage origin: serves what the registry serves at the same path, without auth.
  const storageRequests = [];
  const storagePort = await freePort("127.0.0.2");
  const blobs = createServer((req, res) => {
    storageRequests.push({ path: req.url, authorization: req.headers.authorization ?? null });
    // The registry wants a token; the front's own token for this read is minted here.
    const name = req.url.match(/^\/v2\/(.+)\/blobs\//)?.[1] ?? "";
    const grant = mint([`repository:${name}:pull`]);
    const upstream = httpRequest({ host: "127.0.0.1", port: registryPort, path: req.url, headers: { authorization: `Bearer ${grant}` } }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    upstream.end();
  });
  await new Promise((resolve) => blobs.listen(storagePort, "127.0.0.2", resolve));

  const requests = [];
  const front = createServer((req, res) => {
    requests.push(req.url);
    if (req.url.startsWith("/token")) return token(req, res);
    const upstream = httpRequest({ host: "127.0.0.1", port: registryPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (redirectBlobs && req.method === "GET" && answer.statusCode === 200 && /\/blobs\/sha256:/.test(req.url)) {
        answer.resume();
        res.writeHead(307, { location: `http://127.0.0.2:${storagePort}${req.url}` });
        return res.end();
      }
      if (tagsLink && answer.statusCode === 200 && /\/tags\/list(\?|$)/.test(req.url) && !/[?&]last=/.test(req.url)) answer.headers.link = tagsLink;
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => front.listen(frontPort, "127.0.0.1", resolve));
  const stop = async () => {
    for (const server of [front, blobs]) {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    }
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/v2/`, { statuses: [401] });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, issued, storageRequests, requests, stop };
}
