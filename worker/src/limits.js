// PullLimiter: one Durable Object per client key (env.LIMITS.idFromName(key)), so a key's
// limits hold across every edge location. It keeps the core's limiter states (compact JSON
// strings) in memory and in storage; every rule is the core's (limiterLease & co.).
//
// The gateway does not call it per request: each isolate holds a short LEASE of the key's
// budget (limiter/lease.rs: up to 1 s, sized to the key's traffic) and answers from it,
// calling the object only to renew it (admitLeased, refundLeased, recordIndexLeased below).
//
// Interface
//   RPC (the gateway):  lease(report, wantRequests, wantPulls) -> grant (JSON) or undefined
//                         settles an isolate's report, grants a new lease unless wantRequests is 0
//                       refund(reservation, source) -> headers      (upstream 404/5xx, lease reported)
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

  lease(report, wantRequests, wantPulls) {
    const { requestLimit: r, pullLimit: p } = settingsOf(this.env);
    const a = core.limiterLease(this.requestState, this.pullState, r.limit, r.windowSeconds, p.limit, p.windowSeconds, Date.now(), report, wantRequests, wantPulls);
    this.save(a.requestState, a.pullState);
    return a.grant;
  }

  refund(reservation, source) {
    const { pullLimit: p } = settingsOf(this.env);
    const r = core.limiterRefund(this.pullState, p.limit, p.windowSeconds, Date.now(), reservation, source);
    this.save(undefined, r.pullState);
    return r.headers; // as the budget stands after the refund (nothing spent)
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

// The isolate's side of leases: per client key, a GatewayLease (the core's KeyLease) in a
// bounded map. Requests are answered from it; when it can't answer (none yet, used up,
// expired), one renewal goes to the key's object and the requests that arrive meanwhile wait
// for it. A lease still held when it expires is given back by a timer, so its unused pulls
// return to the key within about a second.
const MAX_KEYS = 2048;
const KIND_MANIFEST_GET = 2;
const leasesByEnv = new WeakMap();

function limiterOf(env, key) {
  return env.LIMITS.get(env.LIMITS.idFromName(key));
}

function entryOf(env, ctx, key) {
  let leases = leasesByEnv.get(env);
  if (!leases) leasesByEnv.set(env, (leases = new Map()));
  let entry = leases.get(key);
  if (entry) return entry;
  const { requestLimit: r, pullLimit: p } = settingsOf(env);
  entry = { lease: new core.GatewayLease(r.limit, r.windowSeconds, p.limit, p.windowSeconds, key), pending: null, reporting: null, waiting: 0 };
  leases.set(key, entry);
  if (leases.size > MAX_KEYS) {
    // The oldest key goes; a lease it still holds goes back to its object.
    const [oldKey, old] = leases.entries().next().value;
    leases.delete(oldKey);
    if (!old.pending && old.lease.holds()) giveBack(env, ctx, oldKey, old, old.lease.serial());
  }
  return entry;
}

/** Sends a report to the key's object; refunds to the object wait for it. */
function report(env, key, entry, report, wantRequests, wantPulls) {
  const call = limiterOf(env, key).lease(report, wantRequests, wantPulls);
  // Refunds wait for every report sent before them (calls through separate stubs may land
  // in any order).
  const landed = call.catch(() => {});
  entry.reporting = entry.reporting ? Promise.all([entry.reporting, landed]) : landed;
  return call;
}

function giveBack(env, ctx, key, entry, serial) {
  const r = entry.lease.returnLease(serial);
  if (r !== undefined) ctx.waitUntil(report(env, key, entry, r, 0, 0).catch(() => {}));
}

async function renew(env, ctx, key, entry, needPulls) {
  const r = entry.lease.beginRenewal(needPulls, entry.waiting + 1);
  const sent = Date.now();
  const grant = await report(env, key, entry, r.report, r.wantRequests, r.wantPulls);
  const serial = entry.lease.install(sent, Date.now(), grant);
  // Given back when it expires if no request has renewed it by then (one timer per lease).
  const wait = Math.max(0, entry.lease.expiresMs() - Date.now());
  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, wait)).then(() => giveBack(env, ctx, key, entry, serial)));
}

/**
 * admitLeased's answer when the isolate's lease gives it at once (no renewal pending or
 * needed), else null: the common case, with no promise to make and await.
 */
export function admitNow(env, ctx, key, kind, repository, reference) {
  const entry = entryOf(env, ctx, key);
  if (entry.pending) return null;
  const headers = entry.lease.admit(Date.now(), kind, repository, reference);
  return headers === undefined ? null : admissionOf(entry.lease, headers);
}

/**
 * Admits a request of client key `key` (kind 0: not a manifest, 1: manifest HEAD, 2:
 * manifest GET of `repository` by `reference`) from the isolate's lease:
 * `{ request, pull?, headers?, lease }` as PullLimiter.admit answers, plus the lease's serial.
 */
export async function admitLeased(env, ctx, key, kind, repository, reference) {
  const entry = entryOf(env, ctx, key);
  for (;;) {
    if (!entry.pending) {
      const headers = entry.lease.admit(Date.now(), kind, repository, reference);
      if (headers !== undefined) return admissionOf(entry.lease, headers);
      const renewal = renew(env, ctx, key, entry, kind === KIND_MANIFEST_GET).finally(() => (entry.pending = null));
      entry.pending = renewal;
      // Kept running if this request goes away: other requests are waiting for it.
      ctx.waitUntil(renewal.catch(() => {}));
      await renewal; // this request's own call: its failure is this request's
      continue;
    }
    entry.waiting++;
    try {
      await awaitOther(entry.pending);
    } catch {
      // Another request's renewal failed: try again (this request renews itself next).
    } finally {
      entry.waiting--;
    }
  }
}

/** The lease's answer as PullLimiter.admit shapes it (GatewayLease.admit and .decision). */
function admissionOf(lease, text) {
  const d = lease.decision();
  // A plain object of names and values, as refundLeased's: set on the response (registry.js).
  const headers = {};
  if (text) {
    const lines = text.split("\n");
    for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  }
  const admission = { request: { allowed: d[0] === 1, limit: d[1], windowSeconds: d[2], retryAfterSeconds: d[3] }, lease: d[7], headers };
  if (d[4] !== 0) admission.pull = { allowed: d[4] === 1, counted: d[5] === 1, reservation: d[6] >= 0 ? d[6] : undefined };
  return admission;
}

// How often a request waiting for another request's renewal looks again.
const WAIT_SLICE_MS = 50;

/**
 * Waits for a promise made by another request. workerd cancels a request that waits on
 * nothing of its own as hung ("your Worker's code had hung"), so the waiter holds a timer of
 * its own while it waits.
 */
async function awaitOther(promise) {
  for (;;) {
    let timer;
    const sliced = new Promise((resolve) => (timer = setTimeout(() => resolve(false), WAIT_SLICE_MS)));
    try {
      if ((await Promise.race([promise.then(() => true), sliced])) !== false) return;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Gives back the pull of `admission` (upstream 404/5xx); returns the response's headers as a
 * plain object, as an admission's (the core answers name, value pairs).
 */
export async function refundLeased(env, ctx, key, admission) {
  const entry = entryOf(env, ctx, key);
  const headers = entry.lease.refund(Date.now(), admission.lease, admission.pull.reservation);
  if (headers) return Object.fromEntries(headers);
  // The lease was reported: the pull is the object's now, once the report has landed.
  if (entry.pending) await awaitOther(entry.pending).catch(() => {});
  if (entry.reporting) await awaitOther(entry.reporting);
  return Object.fromEntries((await limiterOf(env, key).refund(admission.pull.reservation, key)) ?? []);
}

/** Remembers that an index listing `children` was served to `key`: one child GET soon after is free. */
export function recordIndexLeased(env, ctx, key, repository, children) {
  entryOf(env, ctx, key).lease.recordIndex(Date.now(), repository, children);
}
