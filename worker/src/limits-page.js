// GET /limits: the operator's page a pull-limit 429 links to (unless LIMIT_DOC_URL names
// another): what the limits are and the caller's own budget, read without spending it.

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function duration(seconds) {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export async function limitsPage(request, env, settings, key) {
  const budget = await env.LIMITS.get(env.LIMITS.idFromName(key)).budget();
  const { pullLimit: p, requestLimit: r } = settings;
  const state =
    budget.remaining > 0
      ? `You have <strong>${budget.remaining}</strong> of ${budget.limit} pulls left.`
      : `You have no pulls left: the next one frees up in <strong>${budget.retryAfterSeconds} s</strong>.`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pull limits</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>Pull limits</h1>
<p>This registry gateway counts pulls the way Docker Hub does, per client address
(IPv6: per /64 network):</p>
<ul>
<li>A <strong>pull</strong> is a <code>GET</code> of a manifest. <code>HEAD</code> requests and layer
downloads are not pulls, and a multi-platform image (an index, then the one manifest your platform
needs) is one pull.</li>
<li>Each address may make <strong>${p.limit} pulls per ${duration(p.windowSeconds)}</strong>, in a rolling window:
a pull frees up ${duration(p.windowSeconds)} after it was made. Pulls of images that do not exist cost nothing.</li>
<li>Every request, pulls or not, is also limited to ${r.limit} per ${duration(r.windowSeconds)}.</li>
<li>Every manifest response says where you stand: <code>RateLimit-Limit</code>, <code>RateLimit-Remaining</code>
(<code>N;w=seconds</code>) and <code>RateLimit-Policy</code> / <code>RateLimit</code>. Over the limit, the answer is
<code>429 Too Many Requests</code> with <code>Retry-After</code>.</li>
</ul>
<h2>Your budget</h2>
<p id="budget" data-remaining="${budget.remaining}" data-limit="${budget.limit}">Address <code>${escape(key)}</code>: ${state}</p>
</body></html>
`;
  return new Response(request.method === "HEAD" ? null : html, {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
