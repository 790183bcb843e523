// PullLimiter: one Durable Object per client key (env.LIMITS.idFromName(key)), so a key's
// limits hold across every edge location. It keeps the core's limiter states (compact JSON
// strings) in memory and in storage; every rule is the core's (limiterAdmit & co.).
//
// Interface
//   RPC (the gateway):  admit(kind, repository, reference, source) -> { request, pull?, headers? }
//                         kind 0: not a manifest, 1: manifest HEAD, 2: manifest GET
//                       refund(reservation, source) -> headers      (upstream 404/5xx)
//                       recordIndex(repository, children)           (index served)
//   fetch (the explorer, /api/v1/): GET https://limits/budget ->
//                       { limit, remaining, windowSeconds, retryAfterSeconds } without spending.
// Calls on one object run one at a time and nothing here awaits between reading and writing
// a state, so concurrent pulls from one key are admitted exactly up to the limit.
import { DurableObject } from "cloudflare:workers";
import { core } from "./core.js";
import { settingsOf } from "./context.js";

// How long a changed pull state may stay unwritten.
const FLUSH_MS = 100;

export class PullLimiter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // The request limit's state lives in memory only: it is an estimate over a short window
    // by design (limiter/request.rs), and writing it on every request, blobs included, would
    // cost a storage commit per request (see BENCHMARKS.md, "Gateway"). An evicted object
    // starts that window afresh. The pull state is stored on every change.
    this.requestState = "";
    this.pullState = "";
    ctx.blockConcurrencyWhile(async () => {
      this.pullState = (await ctx.storage.get("pull")) ?? "";
    });
  }

  /**
   * The pull state is written behind, at most every FLUSH_MS: the object serves every call for
   * its key from memory, one at a time, so admissions are exact while it lives; a commit per
   * pull cost more CPU than all the rest of the gateway (BENCHMARKS.md, "Gateway"). What a
   * crash of the object's host can lose is the pulls of the last FLUSH_MS.
   */
  save(request, pull) {
    if (request !== undefined) this.requestState = request;
    if (pull !== undefined && pull !== this.pullState) {
      this.pullState = pull;
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        this.ctx.storage.put("pull", this.pullState);
      }, FLUSH_MS);
    }
  }

  admit(kind, repository, reference, source) {
    const { requestLimit: r, pullLimit: p } = settingsOf(this.env);
    const a = core.limiterAdmit(this.requestState, this.pullState, r.limit, r.windowSeconds, p.limit, p.windowSeconds, Date.now(), kind, repository, reference, source);
    this.save(a.requestState, a.pullState);
    return { request: a.request, pull: a.pull, headers: a.headers };
  }

  refund(reservation, source) {
    const { pullLimit: p } = settingsOf(this.env);
    const now = Date.now();
    this.save(undefined, core.limiterRefund(this.pullState, p.limit, p.windowSeconds, now, reservation));
    // The headers as they stand after the refund (HEAD-like: nothing spent).
    return core.limiterAdmit("", this.pullState, 1, 1, p.limit, p.windowSeconds, now, 1, "", "", source).headers;
  }

  recordIndex(repository, children) {
    const { pullLimit: p } = settingsOf(this.env);
    this.save(undefined, core.limiterRecordIndex(this.pullState, p.limit, p.windowSeconds, Date.now(), repository, children));
  }

  budget() {
    const { pullLimit: p } = settingsOf(this.env);
    const b = core.limiterBudget(this.pullState, p.limit, p.windowSeconds, Date.now());
    return { limit: b.limit, remaining: b.remaining, windowSeconds: b.windowSeconds, retryAfterSeconds: b.retryAfterSeconds, resetSeconds: b.resetSeconds };
  }

  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/budget") {
      return Response.json(this.budget());
    }
    return new Response("not found\n", { status: 404 });
  }
}
