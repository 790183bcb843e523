// RepoStats: one Durable Object per repository (env.STATS.idFromName(repository)): how often
// each tag and digest was pulled (counted pulls only) and when last.
//
// Interface
//   RPC (the gateway):  record({ tags, digests }): counts batched per isolate (see recordPull)
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

// Pulls are batched per isolate and sent at most every BATCH_MS, one call per repository: a
// Durable Object call per pull cost about as much as the rest of a pull (BENCHMARKS.md).
const BATCH_MS = 1000;
let pending = null;

/** Counts a pull of `repository` (by `tag` and/or `digest`) in RepoStats, batched. */
export function recordPull(env, ctx, repository, { tag, digest }) {
  const at = Date.now();
  if (!pending) {
    pending = new Map();
    const batch = pending;
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, BATCH_MS)).then(async () => {
        pending = null;
        await Promise.allSettled([...batch].map(([repo, counts]) => env.STATS.get(env.STATS.idFromName(repo)).record(counts)));
      }),
    );
  }
  let counts = pending.get(repository);
  if (!counts) pending.set(repository, (counts = { tags: {}, digests: {} }));
  const bump = (map, key) => {
    const entry = map[key] ?? (map[key] = { pulls: 0, at });
    entry.pulls += 1;
    entry.at = at;
  };
  if (tag) bump(counts.tags, tag);
  if (digest) bump(counts.digests, digest);
}
