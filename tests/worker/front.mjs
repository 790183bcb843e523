// A front for the real registry in the cache tests: an HTTP server that passes every request
// to the registry and logs it (method, path), so a test can count what reached the upstream.
// On demand it spoils answers the way a broken upstream or network would:
//   corruptManifests  manifest GETs by digest come back with one hex digit changed (same length)
//   corruptBlobs      blob GETs come back with one byte flipped (same length)
//   stallBlobs        blob GETs send their headers and the first half of the body, then nothing
//                     for `stallMs` (6 s), then the rest: a gateway without an idle timeout
//                     passes the blob on whole, late; one that gives up first closes the
//                     connection (counted in `abandoned`). Either way the answer ends by itself.
//   stallManifests    manifest GETs by digest: the same, headers and half the body, then a pause
//   stallHeads        manifest HEADs answer only after `stallMs` (nothing sent before)
import { createServer, request as httpRequest } from "node:http";

export async function startFront(registryUrl, { stallMs = 6_000 } = {}) {
  const target = new URL(registryUrl);
  const front = { log: [], corruptManifests: false, corruptBlobs: false, stallBlobs: false, stallManifests: false, stallHeads: false, abandoned: 0 };
  const sockets = new Set();
  const server = createServer((req, res) => {
    front.log.push({ method: req.method, path: req.url });
    const manifestByDigest = req.method === "GET" && /\/manifests\/sha256:/.test(req.url);
    const blob = req.method === "GET" && /\/blobs\/sha256:/.test(req.url);
    if (front.stallHeads && req.method === "HEAD" && /\/manifests\//.test(req.url)) {
      const timer = setTimeout(() => forward(req, res), stallMs);
      res.on("close", () => {
        if (res.headersSent) return;
        clearTimeout(timer);
        front.abandoned++;
      });
      return;
    }
    forward(req, res, manifestByDigest, blob);
  });
  const forward = (req, res, manifestByDigest = false, blob = false) => {
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const stall = (blob && front.stallBlobs) || (manifestByDigest && front.stallManifests);
      const spoil = answer.statusCode === 200 && ((manifestByDigest && front.corruptManifests) || (blob && front.corruptBlobs) || stall);
      if (!spoil) {
        res.writeHead(answer.statusCode, answer.headers);
        return answer.pipe(res);
      }
      const chunks = [];
      answer.on("data", (c) => chunks.push(c));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, answer.headers);
        if (stall) {
          res.write(body.subarray(0, body.length >> 1));
          const timer = setTimeout(() => res.end(body.subarray(body.length >> 1)), stallMs);
          res.on("close", () => {
            if (res.writableEnded) return;
            clearTimeout(timer);
            front.abandoned++;
          });
          return;
        }
        if (manifestByDigest) {
          const at = body.indexOf("sha256:") + "sha256:".length;
          body[at] = body[at] === 0x30 ? 0x31 : 0x30; // another hex digit
        } else {
          body[body.length >> 1] ^= 0xff;
        }
        res.end(body);
      });
    });
    upstream.on("error", () => res.destroy());
    if (req.readableEnded) upstream.end();
    else req.pipe(upstream);
  };
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.url = `http://127.0.0.1:${server.address().port}`;
  /** Requests logged with `method` whose path matches `pattern`. */
  front.count = (method, pattern) => front.log.filter((r) => r.method === method && pattern.test(r.path)).length;
  front.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return front;
}
