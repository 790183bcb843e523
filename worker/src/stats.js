// RepoStats: one Durable Object per repository (env.STATS.idFromName(repository)): how often
// each tag and digest was pulled (counted pulls only) and when last.
//
// Interface
//   RPC (the gateway):  record({ tags, digests }) (see recordPull)
//   fetch (the explorer, /api/v1/): GET https://stats/stats ->
//     { tags: { "<tag>": { pulls, lastPulled } }, digests: { "<digest>": { pulls, lastPulled } } }
//     lastPulled in ISO 8601.
import { DurableObject } from "cloudflare:workers";

// Bounds the stored object: past this many digests the least recently pulled are dropped
// (tags are bounded by the repository itself).
const MAX_DIGESTS = 2000;
// How long recorded pulls may stay unwritten (a crash of the host can lose that much).
const FLUSH_MS = 1000;

export class RepoStats extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.stats = { tags: {}, digests: {} };
    ctx.blockConcurrencyWhile(async () => {
      this.stats = (await ctx.storage.get("stats")) ?? this.stats;
    });
  }

  /** Adds a batch: `{ tags: { "<tag>": { pulls, at } }, digests: { "<digest>": { pulls, at } } }` (`at` in ms). */
  record({ tags = {}, digests = {} }) {
    const add = (map, key, { pulls, at }) => {
      const lastPulled = new Date(at).toISOString();
      const entry = map[key] ?? (map[key] = { pulls: 0, lastPulled });
      entry.pulls += pulls;
      if (lastPulled > entry.lastPulled) entry.lastPulled = lastPulled;
    };
    for (const [tag, batch] of Object.entries(tags)) add(this.stats.tags, tag, batch);
    for (const [digest, batch] of Object.entries(digests)) add(this.stats.digests, digest, batch);
    const keys = Object.keys(this.stats.digests);
    if (keys.length > MAX_DIGESTS) {
      keys.sort((a, b) => (this.stats.digests[a].lastPulled < this.stats.digests[b].lastPulled ? -1 : 1));
      for (const k of keys.slice(0, keys.length - MAX_DIGESTS)) delete this.stats.digests[k];
    }
    // Written behind, at most every FLUSH_MS: a commit per pull was most of a pull's CPU.
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.ctx.storage.put("stats", this.stats);
    }, FLUSH_MS);
  }

  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/stats") return Response.json(this.stats);
    return new Response("not found\n", { status: 404 });
  }
}

/**
 * Counts a pull of `repository` (by `tag` and/or `digest`) in RepoStats, not awaited by the
 * response. One call per pull, so the explorer sees it at once; the object writes behind.
 */
export function recordPull(env, ctx, repository, { tag, digest }) {
  const at = Date.now();
  const counts = { tags: {}, digests: {} };
  if (tag) counts.tags[tag] = { pulls: 1, at };
  if (digest) counts.digests[digest] = { pulls: 1, at };
  ctx.waitUntil(env.STATS.get(env.STATS.idFromName(repository)).record(counts));
}
