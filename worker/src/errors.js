// Errors in the distribution spec's JSON form (NAME_INVALID, MANIFEST_UNKNOWN, UNSUPPORTED,
// TOOMANYREQUESTS, ...): https://distribution.github.io/distribution/spec/api/#errors

/** A response in the distribution spec's error form. */
export function registryError(status, code, message, headers = {}) {
  return new Response(JSON.stringify({ errors: [{ code, message }] }) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "docker-distribution-api-version": "registry/2.0", ...headers },
  });
}
