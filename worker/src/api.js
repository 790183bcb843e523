// Placeholder for /api/v1/: the explorer helper (branch www) owns this file and replaces it.
// index.js calls handleApi(request, env, ctx, { clientKey }) for every /api/v1/ path.
export async function handleApi(_request, _env, _ctx, _options = {}) {
  return new Response(JSON.stringify({ error: { code: "NOT_FOUND", message: "no such API endpoint" } }) + "\n", {
    status: 404,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
