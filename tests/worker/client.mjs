// An HTTP client for the gateway tests that pick their source address: each loopback address
// (127.0.0.2, 127.0.0.3, ...) is a client key of its own, as a real client's IP would be.
import { request as httpRequest } from "node:http";

/** The Accept header of a pull: every manifest and index type. */
export const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** A request from loopback address `from`: `{ status, headers, body }` (body a Buffer). */
export function req(url, { method = "GET", headers = {}, from = "127.0.0.1" } = {}) {
  return new Promise((resolve, reject) => {
    const r = httpRequest(url, { method, headers: { accept: ACCEPT, ...headers }, localAddress: from, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on("error", reject);
    r.end();
  });
}
