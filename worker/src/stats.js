// RepoStats: one Durable Object per repository (env.STATS.idFromName(repository)): how often
// each tag and digest was pulled (counted pulls only) and when last.
//
// Interface
//   RPC (the gateway):  record({ tag?, digest?, at })
//   fetch (the explorer, /api/v1/): GET https://stats/stats ->
//     { tags: { "<tag>": { pulls, lastPulled } }, digests: { "<digest>": { pulls, lastPulled } } }
//     lastPulled in ISO 8601.
import { DurableObject } from "cloudflare:workers";

// Bounds the stored object: past this many digests the least recently pulled are dropped
// (tags are bounded by the repository itself).
const MAX_DIGESTS = 2000;

export class RepoStats extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.stats = { tags: {}, digests: {} };
    ctx.blockConcurrencyWhile(async () => {
      this.stats = (await ctx.storage.get("stats")) ?? this.stats;
    });
  }

  record({ tag, digest, at }) {
    const lastPulled = new Date(at ?? Date.now()).toISOString();
    const bump = (map, key) => {
      const entry = map[key] ?? (map[key] = { pulls: 0, lastPulled });
      entry.pulls += 1;
      if (lastPulled > entry.lastPulled) entry.lastPulled = lastPulled;
    };
    if (tag) bump(this.stats.tags, tag);
    if (digest) {
      bump(this.stats.digests, digest);
      const keys = Object.keys(this.stats.digests);
      if (keys.length > MAX_DIGESTS) {
        keys.sort((a, b) => (this.stats.digests[a].lastPulled < this.stats.digests[b].lastPulled ? -1 : 1));
        for (const k of keys.slice(0, keys.length - MAX_DIGESTS)) delete this.stats.digests[k];
      }
    }
    this.ctx.storage.put("stats", this.stats);
  }

  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/stats") return Response.json(this.stats);
    return new Response("not found\n", { status: 404 });
  }
}
