// Errors in the distribution spec's JSON form (NAME_INVALID, MANIFEST_UNKNOWN, UNSUPPORTED,
// TOOMANYREQUESTS, ...): https://distribution.github.io/distribution/spec/api/#errors

/** A response in the distribution spec's error form. */
export function registryError(status, code, message, headers = {}) {
  return new Response(JSON.stringify({ errors: [{ code, message }] }) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0", ...headers },
  });
}

/**
 * Reads and drops a refused request's body (up to `limit` bytes) before the answer goes out.
 * A server that closes a connection with unread bytes in its receive buffer makes the kernel
 * send a TCP reset, which can destroy the 405 before the client has read it (seen in CI as
 * "other side closed" on a PUT). Bodies past the limit are cancelled: a push is not worth
 * reading in full just to refuse it.
 */
export async function discardBody(request, limit = 1 << 20) {
  if (!request.body || request.bodyUsed) return;
  const reader = request.body.getReader();
  try {
    for (let seen = 0; seen <= limit; ) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to protect.
  }
}
