//! Leases: a client key's budget handed out in small blocks to the isolates that serve it, so
//! that the steady state of a busy key needs no call to the key's Durable Object per request,
//! while the limits stay exact (BENCHMARKS.md, "Gateway": that call was most of a pull's CPU).
//!
//! # Protocol
//!
//! The key's owner (the Durable Object, one call at a time) keeps the [`PullState`] and
//! [`RequestState`]. An isolate serving the key keeps a [`KeyLease`]. When the isolate's lease
//! cannot answer a request (none yet, used up, or expired), it calls the owner once with the
//! [`Report`] of the lease it had ([`KeyLease::begin_renewal`]); the owner [`settle`]s it and
//! [`grant`]s a new one, which the isolate [`install`](KeyLease::install)s. An idle lease is
//! handed back by the isolate when it expires ([`KeyLease::return_expired`]).
//!
//! # Safety
//!
//! * A lease of `k` pulls counts as `k` pulls made, in the owner's state, from the moment it is
//!   granted until its report arrives; the report then replaces them by the pulls actually
//!   made, each at the second it was made (rounded up, as [`super::pull::reserve`] keeps
//!   them), so that each frees a window after its real use; unused pulls come back. So at any
//!   time the pulls made plus the pulls leased are at most the limit: no interleaving of
//!   isolates admits more than the limit in any window.
//! * A refund (upstream 404 or 5xx) goes back to the lease while its report has not been sent,
//!   and to the owner ([`super::pull::refund`]) after.
//! * A holder's clock can't make a pull free early: the isolate's lease ends [`LEASE_MS`] after
//!   it *asked* for it, the owner's [`LEASE_MS`] after it granted it (later, on one clock), and
//!   reported seconds are clamped into the owner's span. A lease whose report never comes
//!   (the isolate was evicted) is charged in full at its expiry, [`LEASE_GRACE_MS`] later: the
//!   latest its holder could have used it, so never early.
//!
//! # Fairness and timing
//!
//! A lease lasts at most [`LEASE_MS`]. Its size adapts: an isolate's first lease for a key
//! asks for 1; a lease used up asks for twice as much next time (at least as many as the
//! requests waiting), one that expired asks for what was used; never more than [`MAX_LEASE`],
//! and the owner grants at most `1/`[`LEASE_SHARE`] of what is free (at least 1). So while one
//! isolate holds unused pulls, a client's request in another isolate can be refused for at
//! most [`LEASE_MS`] (the refusal's `Retry-After` counts a lease as freeing at its expiry),
//! plus the time the holder's report takes to arrive.
//!
//! # Headers
//!
//! An isolate's answers derive from the owner's answer when the lease was granted (what was
//! left for everyone else) plus its own use since: with one isolate per key they are what the
//! owner alone would have said, up to pulls that aged out during the lease (at most
//! [`LEASE_MS`] stale).
//!
//! # Index then child
//!
//! An isolate remembers the indexes it served for the key and lets one GET of one of their
//! children through uncounted, as [`super::pull::record_index`] does in the owner. The memory
//! is the isolate's: an index and its child served by two different isolates count as two
//! pulls (never fewer than the rule allows).

use serde::{Deserialize, Serialize};

use super::pull::{child_key, frees_at, second_of, secs_until, Held, PullDecision, PullPolicy};
use super::pull::{PullState, Reservation, MAX_CHILDREN, MAX_RECENT_INDEXES};
use super::request::{reserve_requests, return_requests, RequestDecision, RequestState};
use crate::ratelimit::Quota;

/// How long a lease lasts, in ms.
pub const LEASE_MS: u64 = 1000;
/// How long after a lease expired its owner waits for the report before charging the whole
/// lease as used at its expiry.
pub const LEASE_GRACE_MS: u64 = 10_000;
/// Most pulls (or requests) one lease asks for.
pub const MAX_LEASE: u32 = 1024;
/// A lease takes at most this fraction (1/`LEASE_SHARE`) of what is free, at least 1.
pub const LEASE_SHARE: u64 = 4;

/// What a lease holder reports back: the pulls it made and the requests it did not use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The pull lease reported on (0: none was held).
    #[serde(default)]
    pub lease: u64,
    /// Pulls made under it, as `(second, count)`, seconds rounded up.
    #[serde(default)]
    pub uses: Vec<(u64, u32)>,
    /// Requests reserved and not used.
    #[serde(default)]
    pub unused_requests: u32,
    /// The request window (its start, ms) those were reserved in.
    #[serde(default)]
    pub request_window_ms: u64,
}

/// What the owner grants: up to [`LEASE_MS`] of requests and pulls, with the budget as it
/// stands for everyone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The pull lease's id (0 when no pulls were leased).
    pub lease: u64,
    /// Pulls leased.
    pub pulls: u32,
    /// Requests reserved.
    pub requests: u32,
    /// When the owner's side of the lease expires (its clock).
    pub expires_ms: u64,
    /// The request window the requests were reserved in (for [`Report::request_window_ms`]).
    pub request_window_ms: u64,
    /// The request limit after reserving `requests` (`allowed` false: refused).
    pub request: RequestDecision,
    /// The pull budget after leasing `pulls` (`remaining` excludes them); `allowed` is false
    /// when pulls were asked for and none is free (then `retry_after_seconds` says when).
    pub pull: PullDecision,
}

/// How much of `free` a lease asking for `want` gets.
fn share(want: u32, free: u64) -> u32 {
    let most = (free / LEASE_SHARE).max(1);
    u32::try_from(u64::from(want.clamp(1, MAX_LEASE)).min(most)).unwrap_or(1)
}

/// Takes a holder's report into the owner's states: the lease's pulls replaced by those made
/// (at their seconds), its unused requests given back. A report on a lease the owner no
/// longer holds (charged in full after [`LEASE_GRACE_MS`]) changes no pull.
pub fn settle(
    pulls: &mut PullState,
    requests: &mut RequestState,
    policy: &PullPolicy,
    quota: &Quota,
    now_ms: u64,
    report: &Report,
) {
    if report.unused_requests > 0 {
        return_requests(
            requests,
            quota,
            now_ms,
            report.request_window_ms,
            report.unused_requests,
        );
    }
    pulls.prune(policy, now_ms);
    if report.lease == 0 {
        return;
    }
    let Some(i) = pulls.leases.iter().position(|l| l.id == report.lease) else {
        return;
    };
    let held = pulls.leases.remove(i);
    let (first, last) = (second_of(held.granted_ms), second_of(held.expires_ms));
    let mut left = held.count;
    for &(second, n) in &report.uses {
        let n = n.min(left);
        left -= n;
        pulls.add_n(second.clamp(first, last), n);
    }
    pulls.prune(policy, now_ms);
}

/// Grants a lease of up to `want_requests` requests (at least 1) and `want_pulls` pulls,
/// each capped at [`MAX_LEASE`] and `1/`[`LEASE_SHARE`] of what is free. Pulls are only
/// leased with at least one request. With `want_pulls` 0 the grant still carries the pull
/// budget (for HEAD's headers).
pub fn grant(
    pulls: &mut PullState,
    requests: &mut RequestState,
    policy: &PullPolicy,
    quota: &Quota,
    now_ms: u64,
    want_requests: u32,
    want_pulls: u32,
) -> Grant {
    pulls.prune(policy, now_ms);
    let (granted_requests, request) =
        reserve_requests(requests, quota, now_ms, |free| share(want_requests, free));
    let expires_ms = now_ms.saturating_add(LEASE_MS);
    let mut lease = 0;
    let mut leased = 0;
    let free = u64::from(policy.quota.limit).saturating_sub(pulls.occupied(policy, now_ms));
    if want_pulls > 0 && granted_requests > 0 && free > 0 {
        leased = share(want_pulls, free);
        pulls.next_lease = pulls.next_lease.saturating_add(1);
        lease = pulls.next_lease;
        pulls.leases.push(Held {
            id: lease,
            count: leased,
            granted_ms: now_ms,
            expires_ms,
        });
    }
    let mut pull = pulls.snapshot(policy, now_ms);
    if want_pulls == 0 || granted_requests == 0 || leased > 0 {
        // A view of the budget (HEAD-like), or a lease: nothing refused.
        pull.allowed = true;
        pull.retry_after_seconds = 0;
    }
    Grant {
        lease,
        pulls: leased,
        requests: granted_requests,
        expires_ms,
        request_window_ms: requests.window_start_ms(),
        request,
        pull,
    }
}

/// What a request is, for [`KeyLease::admit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything but a manifest: the request limit only.
    Other,
    /// A manifest HEAD: the request limit, and the pull budget for the headers.
    ManifestHead,
    /// A manifest GET: the request limit, then a pull.
    ManifestGet,
}

/// An isolate's answer from its lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Admission {
    /// The request-limit decision.
    pub request: RequestDecision,
    /// The pull decision (manifests only); its `reservation` goes to [`KeyLease::refund`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<PullDecision>,
    /// The lease it was taken from (for [`KeyLease::refund`]).
    pub lease: u64,
}

/// What the isolate sends its key's owner to renew: the report on the lease it had and what
/// to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewal {
    /// The report on the lease being ended.
    pub report: Report,
    /// Requests to ask for.
    pub want_requests: u32,
    /// Pulls to ask for.
    pub want_pulls: u32,
}

/// A lease as the isolate holds it.
#[derive(Debug, Clone)]
struct Live {
    serial: u64,
    grant: Grant,
    /// When the isolate received it (its clock).
    received_ms: u64,
    /// When it ends for the isolate: [`LEASE_MS`] after the isolate asked for it.
    expires_ms: u64,
    requests_used: u32,
    pulls_used: u32,
    uses: Vec<(u64, u32)>,
}

/// How the last lease went: what it had and what was used of it.
#[derive(Debug, Clone, Copy, Default)]
struct Last {
    requests: u32,
    requests_used: u32,
    pulls: u32,
    pulls_used: u32,
}

/// An isolate's lease on one client key's budget, with the indexes it served for the key.
#[derive(Debug, Clone)]
pub struct KeyLease {
    request_quota: Quota,
    policy: PullPolicy,
    serial: u64,
    live: Option<Live>,
    last: Option<Last>,
    /// How the last lease with pulls (or refused them) went.
    last_pulls: Option<Last>,
    /// Indexes served: when (ms) and fingerprints of `repository@child`.
    indexes: Vec<(u64, Vec<u32>)>,
}

/// What [`KeyLease::admit`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Answered from the lease.
    Admitted(Admission),
    /// The lease can't answer: renew it ([`KeyLease::begin_renewal`]) and ask again.
    Renew,
}

/// Grows a lease that was used up, shrinks one that expired.
fn next_want(granted: u32, used: u32, demand: u32) -> u32 {
    let want = if granted > 0 && used >= granted {
        granted.saturating_mul(2)
    } else {
        used
    };
    want.max(demand).clamp(1, MAX_LEASE)
}

impl KeyLease {
    /// No lease yet, for a request limit and a pull policy (the owner's).
    pub fn new(request_quota: Quota, policy: PullPolicy) -> Self {
        KeyLease {
            request_quota,
            policy,
            serial: 0,
            live: None,
            last: None,
            last_pulls: None,
            indexes: Vec::new(),
        }
    }

    /// Whether a lease is held (its report not yet sent).
    pub fn holds(&self) -> bool {
        self.live.is_some()
    }

    /// When the lease held ends (the isolate's clock), if one is held.
    pub fn expires_ms(&self) -> Option<u64> {
        self.live.as_ref().map(|l| l.expires_ms)
    }

    /// The current lease's serial (0 when none).
    pub fn serial(&self) -> u64 {
        self.live.as_ref().map_or(0, |l| l.serial)
    }

    /// Answers a request at `now_ms` from the lease, or says to renew it. A manifest GET
    /// by digest of a child of an index this isolate served within the child window is
    /// allowed uncounted (once per index).
    pub fn admit(&mut self, now_ms: u64, kind: Kind, repository: &str, reference: &str) -> Step {
        let child_ms = u64::from(self.policy.child_window_seconds) * 1000;
        self.indexes
            .retain(|ix| ix.0.saturating_add(child_ms) > now_ms && !ix.1.is_empty());
        let Some(live) = self.live.as_mut() else {
            return Step::Renew;
        };
        if now_ms >= live.expires_ms {
            return Step::Renew;
        }
        let g = &live.grant;
        let request_refused = g.requests == 0 && !g.request.allowed;
        if live.requests_used >= g.requests && !request_refused {
            return Step::Renew;
        }
        let policy = self.policy;
        if request_refused {
            let mut request = g.request;
            request.retry_after_seconds = secs_until(
                now_ms,
                deadline(live.received_ms, g.request.retry_after_seconds),
            )
            .max(1);
            let pull = (kind != Kind::Other).then(|| view(live, &policy, now_ms));
            return Step::Admitted(Admission {
                request,
                pull,
                lease: live.serial,
            });
        }
        let mut pull = None;
        if kind == Kind::ManifestGet {
            let mut free_child = false;
            if reference.contains(':') {
                let key = child_key(repository, reference);
                if let Some(i) = self.indexes.iter().position(|ix| ix.1.contains(&key)) {
                    // The index and this child were one pull; the next child counts.
                    self.indexes.remove(i);
                    free_child = true;
                }
            }
            if free_child {
                pull = Some(view(live, &policy, now_ms));
            } else if live.pulls_used < g.pulls {
                let second = second_of(now_ms);
                match live.uses.last_mut() {
                    Some(last) if last.0 == second => last.1 = last.1.saturating_add(1),
                    _ => live.uses.push((second, 1)),
                }
                live.pulls_used += 1;
                let mut d = view(live, &policy, now_ms);
                d.counted = true;
                d.reservation = Some(Reservation(second));
                pull = Some(d);
            } else if !g.pull.allowed {
                pull = Some(refused(live, now_ms));
            } else {
                return Step::Renew;
            }
        } else if kind == Kind::ManifestHead {
            pull = Some(view(live, &policy, now_ms));
        }
        live.requests_used += 1;
        let g = &live.grant;
        let mut request = g.request;
        request.remaining = g
            .request
            .remaining
            .saturating_add(g.requests.saturating_sub(live.requests_used));
        Step::Admitted(Admission {
            request,
            pull,
            lease: live.serial,
        })
    }

    /// Ends the lease held (if any) and says what to ask the owner for: `need_pulls` when
    /// the request waiting is a manifest GET, `demand` the requests waiting.
    pub fn begin_renewal(&mut self, need_pulls: bool, demand: u32) -> Renewal {
        let report = self.take_report();
        let want_requests = match self.last {
            None => 1,
            Some(last) => next_want(last.requests, last.requests_used, demand),
        };
        // Pulls only for a manifest GET: a lease renewed for other requests gives its pulls
        // back rather than hold them (the key's budget, as the explorer reads it from the
        // owner, counts held pulls as spent).
        let want_pulls = match (need_pulls, self.last_pulls) {
            (false, _) => 0,
            (true, None) => 1,
            (true, Some(last)) => next_want(last.pulls, last.pulls_used, demand),
        };
        Renewal {
            report,
            want_requests,
            want_pulls,
        }
    }

    /// Ends the lease `serial` if it is still held, for its report to go back (an idle
    /// lease, when it expires). Returns `None` when it already ended.
    pub fn return_lease(&mut self, serial: u64) -> Option<Report> {
        if self.serial() != serial || serial == 0 {
            return None;
        }
        Some(self.take_report())
    }

    /// Like [`KeyLease::return_lease`], only once the lease has expired at `now_ms`.
    pub fn return_expired(&mut self, now_ms: u64) -> Option<Report> {
        match &self.live {
            Some(live) if now_ms >= live.expires_ms => Some(self.take_report()),
            _ => None,
        }
    }

    fn take_report(&mut self) -> Report {
        let Some(live) = self.live.take() else {
            return Report::default();
        };
        let last = Last {
            requests: live.grant.requests,
            requests_used: live.requests_used,
            pulls: live.grant.pulls,
            pulls_used: live.pulls_used,
        };
        self.last = Some(last);
        if live.grant.pulls > 0 || !live.grant.pull.allowed {
            self.last_pulls = Some(last);
        }
        Report {
            lease: live.grant.lease,
            uses: live.uses,
            unused_requests: live.grant.requests.saturating_sub(live.requests_used),
            request_window_ms: live.grant.request_window_ms,
        }
    }

    /// Holds `grant`, asked for at `sent_ms` and received at `now_ms` (the isolate's clock).
    /// Returns the lease's serial.
    pub fn install(&mut self, sent_ms: u64, now_ms: u64, grant: Grant) -> u64 {
        self.serial += 1;
        self.live = Some(Live {
            serial: self.serial,
            grant,
            received_ms: now_ms,
            expires_ms: sent_ms.saturating_add(LEASE_MS),
            requests_used: 0,
            pulls_used: 0,
            uses: Vec::new(),
        });
        self.serial
    }

    /// Gives back a pull made under lease `serial` at `reservation`'s second, if that lease's
    /// report has not been sent: returns the budget after it, or `None` when the pull must be
    /// refunded to the owner ([`super::pull::refund`]).
    pub fn refund(
        &mut self,
        now_ms: u64,
        serial: u64,
        reservation: Reservation,
    ) -> Option<PullDecision> {
        let policy = self.policy;
        let live = self.live.as_mut().filter(|l| l.serial == serial)?;
        let i = live.uses.iter().position(|u| u.0 == reservation.0)?;
        if let Some(u) = live.uses.get_mut(i) {
            u.1 = u.1.saturating_sub(1);
            if u.1 == 0 {
                live.uses.remove(i);
            }
        }
        live.pulls_used = live.pulls_used.saturating_sub(1);
        Some(view(live, &policy, now_ms))
    }

    /// The pull budget at `now_ms` as this isolate sees it (nothing spent), or `None` when no
    /// lease is held.
    pub fn budget(&self, now_ms: u64) -> Option<PullDecision> {
        self.live.as_ref().map(|l| view(l, &self.policy, now_ms))
    }

    /// Remembers that an index of `repository` listing `children` was served at `now_ms`:
    /// one GET of one of them within the child window is free.
    pub fn record_index<'a>(
        &mut self,
        now_ms: u64,
        repository: &str,
        children: impl IntoIterator<Item = &'a str>,
    ) {
        let mut keys: Vec<u32> = children
            .into_iter()
            .take(MAX_CHILDREN)
            .map(|d| child_key(repository, d))
            .collect();
        keys.dedup();
        if keys.is_empty() || self.policy.child_window_seconds == 0 {
            return;
        }
        self.indexes.push((now_ms, keys));
        if self.indexes.len() > MAX_RECENT_INDEXES {
            self.indexes.remove(0);
        }
    }

    /// The request limit this lease was made for.
    pub fn request_quota(&self) -> Quota {
        self.request_quota
    }
}

/// `seconds` after `from_ms`, in ms.
fn deadline(from_ms: u64, seconds: u64) -> u64 {
    from_ms.saturating_add(seconds.saturating_mul(1000))
}

/// The pull budget as the lease holder sees it: what the owner left for everyone else when
/// it granted the lease, plus the lease's unused pulls.
fn view(live: &Live, policy: &PullPolicy, now_ms: u64) -> PullDecision {
    let g = &live.grant;
    let unused = g.pulls.saturating_sub(live.pulls_used);
    let window_ms = u64::from(policy.quota.window_seconds) * 1000;
    let owner_oldest =
        (g.pull.reset_seconds > 0).then(|| deadline(live.received_ms, g.pull.reset_seconds));
    let own_oldest = live.uses.first().map(|u| frees_at(u.0, window_ms));
    let oldest = match (owner_oldest, own_oldest) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    PullDecision {
        allowed: true,
        counted: false,
        limit: g.pull.limit,
        remaining: g.pull.remaining.saturating_add(unused),
        window_seconds: g.pull.window_seconds,
        retry_after_seconds: 0,
        reset_seconds: oldest.map_or(0, |at| secs_until(now_ms, at)),
        reservation: None,
    }
}

/// A pull refused by the owner when it granted the lease, as it stands at `now_ms`.
fn refused(live: &Live, now_ms: u64) -> PullDecision {
    let g = &live.grant;
    let mut d = g.pull.clone();
    d.retry_after_seconds = secs_until(
        now_ms,
        deadline(live.received_ms, g.pull.retry_after_seconds),
    )
    .max(1);
    d.reset_seconds = secs_until(now_ms, deadline(live.received_ms, g.pull.reset_seconds));
    d
}
