// RepoStats: one Durable Object per repository (env.STATS.idFromName(repository)): how often
// each tag and digest was pulled (counted pulls only) and when last.
//
// Interface
//   RPC (the gateway):  record({ tags, digests }) (see recordPull: batched per isolate, sent
//                       at most every 250 ms, so the explorer's figures lag that long)
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

// Pulls are batched per isolate and sent at most every FLUSH_EVERY_MS, one call per
// repository: the explorer's statistics lag the pulls by up to that long.
const FLUSH_EVERY_MS = 250;
let batch = new Map(); // repository -> { tags: { tag: { pulls, at } }, digests: { ... } }
let flushing = false;

function count(map, key, at) {
  const entry = map[key];
  if (entry) {
    entry.pulls++;
    entry.at = at;
  } else {
    map[key] = { pulls: 1, at };
  }
}

/**
 * Counts a pull of `repository` (by `tag` and/or `digest`) in RepoStats, not awaited by the
 * response: batched in the isolate and sent within FLUSH_EVERY_MS (by the first request of
 * the batch, through ctx.waitUntil), the object writing behind.
 */
export function recordPull(env, ctx, repository, { tag, digest }) {
  const at = Date.now();
  let counts = batch.get(repository);
  if (!counts) batch.set(repository, (counts = { tags: {}, digests: {} }));
  if (tag) count(counts.tags, tag, at);
  if (digest) count(counts.digests, digest, at);
  if (flushing) return;
  flushing = true;
  ctx.waitUntil(
    new Promise((resolve) => setTimeout(resolve, FLUSH_EVERY_MS)).then(() => {
      const sent = batch;
      batch = new Map();
      flushing = false;
      return Promise.all([...sent].map(([repo, counts]) => env.STATS.get(env.STATS.idFromName(repo)).record(counts).catch(() => {})));
    }),
  );
}
