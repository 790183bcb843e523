//! The pull limit: a rolling window over counted pulls.
//!
//! # Rules
//!
//! * A pull counted at time `t` frees up `w` seconds later: the state keeps when each counted
//!   pull was made, and a pull is allowed while fewer than `limit` of them are younger than
//!   `w`. Times are kept to the second, rounded up (a pull at 12.3 s is kept as 13 s and frees
//!   at 13 + `w`): never early, at most a second late.
//! * [`reserve`] counts a pull before the request is forwarded; [`refund`] gives it back when
//!   the upstream answers 404 or 5xx. Calls on one state are sequential, so no sequence of
//!   reserves admits more than `limit` pulls in a window.
//! * After a GET of an index, the gateway calls [`record_index`] with the digests it lists.
//!   A GET by digest of one of them, in the same repository, within
//!   [`PullPolicy::child_window_seconds`], is free: the index and that child are one pull
//!   (DESIGN.md). Each recorded index frees one child.
//!
//! # Bounds
//!
//! The state stays small whatever the traffic: pulls are kept as `(second, count)` buckets,
//! only while they are in the window, at most [`MAX_BUCKETS`] of them (past that, the two
//! closest buckets merge into the later one, which can only delay a pull's release); at most
//! [`MAX_RECENT_INDEXES`] indexes are remembered, with up to [`MAX_CHILDREN`] children each,
//! as 32-bit fingerprints of `repository@digest` (a false match is about one in 2^32 per
//! comparison, and can only make one pull free).

use serde::{Deserialize, Serialize};

use crate::ratelimit::Quota;

/// How long after an index GET a GET of one of its manifests is free, by default.
pub const DEFAULT_CHILD_WINDOW_SECONDS: u32 = 60;
/// Most `(second, count)` buckets a state keeps.
pub const MAX_BUCKETS: usize = 512;
/// Most recent indexes a state remembers.
pub const MAX_RECENT_INDEXES: usize = 16;
/// Most children remembered per index.
pub const MAX_CHILDREN: usize = 128;

/// The pull-limit policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullPolicy {
    /// Pulls per rolling window.
    pub quota: Quota,
    /// How long after an index GET one of its manifests is free.
    pub child_window_seconds: u32,
}

impl PullPolicy {
    /// A policy with the default child window.
    pub fn new(quota: Quota) -> Self {
        PullPolicy {
            quota,
            child_window_seconds: DEFAULT_CHILD_WINDOW_SECONDS,
        }
    }

    fn window_ms(&self) -> u64 {
        u64::from(self.quota.window_seconds) * 1000
    }
}

impl From<Quota> for PullPolicy {
    fn from(quota: Quota) -> Self {
        PullPolicy::new(quota)
    }
}

/// A recently served index: when, and fingerprints of `repository@child-digest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct RecentIndex {
    #[serde(rename = "t")]
    at_ms: u64,
    #[serde(rename = "c")]
    children: Vec<u32>,
}

/// One client key's pull-limit state. Serializes compactly (`{"p":[[second,count],...],
/// "i":[{"t":ms,"c":[...]}]}`) for the Durable Object's storage; any deserialized value is
/// safe to use (it is re-sorted and bounded on the next call).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullState {
    #[serde(rename = "p", default)]
    pub(super) pulls: Vec<(u64, u32)>,
    #[serde(rename = "i", default, skip_serializing_if = "Vec::is_empty")]
    indexes: Vec<RecentIndex>,
    /// Pulls leased to isolates and not yet reported back ([`super::lease`]).
    #[serde(rename = "l", default, skip_serializing_if = "Vec::is_empty")]
    pub(super) leases: Vec<Held>,
    /// The id of the next lease.
    #[serde(rename = "n", default, skip_serializing_if = "is_zero")]
    pub(super) next_lease: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A lease of `count` pulls, held by an isolate from `granted_ms` until it reports back or
/// `expires_ms` passes ([`super::lease`]). While held, all `count` pulls are counted as made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Held {
    #[serde(rename = "i")]
    pub(super) id: u64,
    #[serde(rename = "c")]
    pub(super) count: u32,
    #[serde(rename = "g")]
    pub(super) granted_ms: u64,
    #[serde(rename = "e")]
    pub(super) expires_ms: u64,
}

/// Identifies a counted pull for [`refund`]: the second it was counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reservation(pub u64);

/// The outcome of [`reserve`] (or [`budget`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullDecision {
    /// Whether the pull may go ahead.
    pub allowed: bool,
    /// Whether it was counted (false for a free child of a recent index, and when refused).
    pub counted: bool,
    /// The limit.
    pub limit: u32,
    /// Pulls left after this one.
    pub remaining: u32,
    /// The window in seconds.
    pub window_seconds: u32,
    /// When refused, seconds until a pull would be allowed (0 when allowed).
    pub retry_after_seconds: u64,
    /// Seconds until the oldest counted pull frees up (0 when none is counted).
    pub reset_seconds: u64,
    /// What to hand to [`refund`] if the upstream fails.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reservation: Option<Reservation>,
}

/// The second a pull at `now_ms` is kept under (rounded up).
pub(super) fn second_of(now_ms: u64) -> u64 {
    now_ms.div_ceil(1000)
}

/// When a bucket's pulls free up, in ms.
pub(super) fn frees_at(second: u64, window_ms: u64) -> u64 {
    second.saturating_mul(1000).saturating_add(window_ms)
}

pub(super) fn secs_until(now_ms: u64, at_ms: u64) -> u64 {
    at_ms.saturating_sub(now_ms).div_ceil(1000)
}

/// FNV-1a over `repository`, a NUL, and `digest`.
pub(super) fn child_key(repository: &str, digest: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in repository.bytes().chain([0u8]).chain(digest.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

impl PullState {
    /// Puts a state from storage back in shape: buckets sorted and merged, bounds applied.
    fn normalize(&mut self) {
        if !self
            .pulls
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.0 < b.0))
        {
            self.pulls.sort_unstable_by_key(|b| b.0);
            self.pulls.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    earlier.1 = earlier.1.saturating_add(later.1);
                    true
                } else {
                    false
                }
            });
        }
        self.pulls.retain(|b| b.1 > 0);
        while self.pulls.len() > MAX_BUCKETS {
            self.merge_closest();
        }
        if self.indexes.len() > MAX_RECENT_INDEXES {
            let extra = self.indexes.len() - MAX_RECENT_INDEXES;
            self.indexes.drain(..extra);
        }
        for ix in &mut self.indexes {
            ix.children.truncate(MAX_CHILDREN);
        }
    }

    /// Drops pulls that have freed up and indexes past the child window; a lease whose
    /// holder has not reported back [`super::lease::LEASE_GRACE_MS`] after it expired is
    /// charged in full, as made at its expiry (the latest its holder could have used it).
    pub(super) fn prune(&mut self, policy: &PullPolicy, now_ms: u64) {
        self.normalize();
        let window_ms = policy.window_ms();
        if self
            .leases
            .iter()
            .any(|l| l.expires_ms.saturating_add(super::lease::LEASE_GRACE_MS) <= now_ms)
        {
            let (lapsed, held): (Vec<Held>, Vec<Held>) = self
                .leases
                .iter()
                .partition(|l| l.expires_ms.saturating_add(super::lease::LEASE_GRACE_MS) <= now_ms);
            self.leases = held;
            for l in lapsed {
                self.add_n(second_of(l.expires_ms), l.count);
            }
        }
        self.pulls.retain(|b| frees_at(b.0, window_ms) > now_ms);
        let child_ms = u64::from(policy.child_window_seconds) * 1000;
        self.indexes
            .retain(|ix| ix.at_ms.saturating_add(child_ms) > now_ms && !ix.children.is_empty());
    }

    /// Merges the two adjacent buckets closest in time into the later one.
    fn merge_closest(&mut self) {
        let Some(i) = (1..self.pulls.len()).min_by_key(|&i| {
            let gap = |j: usize| self.pulls.get(j).map_or(0, |b| b.0);
            gap(i).saturating_sub(gap(i - 1))
        }) else {
            return;
        };
        let moved = self.pulls.remove(i - 1);
        if let Some(b) = self.pulls.get_mut(i - 1) {
            b.1 = b.1.saturating_add(moved.1);
        }
    }

    /// Pulls held by leases.
    pub(super) fn leased(&self) -> u64 {
        self.leases.iter().map(|l| u64::from(l.count)).sum()
    }

    /// Pulls made in the window plus pulls leased: what the limit is checked against.
    pub(super) fn occupied(&self, policy: &PullPolicy, now_ms: u64) -> u64 {
        self.used(policy, now_ms).saturating_add(self.leased())
    }

    fn used(&self, policy: &PullPolicy, now_ms: u64) -> u64 {
        let window_ms = policy.window_ms();
        self.pulls
            .iter()
            .filter(|b| frees_at(b.0, window_ms) > now_ms)
            .map(|b| u64::from(b.1))
            .sum()
    }

    fn add(&mut self, second: u64) {
        self.add_n(second, 1);
    }

    /// Counts `n` pulls made at `second`.
    pub(super) fn add_n(&mut self, second: u64, n: u32) {
        if n == 0 {
            return;
        }
        match self.pulls.binary_search_by_key(&second, |b| b.0) {
            Ok(i) => {
                if let Some(b) = self.pulls.get_mut(i) {
                    b.1 = b.1.saturating_add(n);
                }
            }
            Err(i) => self.pulls.insert(i, (second, n)),
        }
        while self.pulls.len() > MAX_BUCKETS {
            self.merge_closest();
        }
    }

    /// The decision fields that describe the budget at `now_ms` (pulls leased count as made).
    pub(super) fn snapshot(&self, policy: &PullPolicy, now_ms: u64) -> PullDecision {
        let window_ms = policy.window_ms();
        let limit = policy.quota.limit;
        let used = self.occupied(policy, now_ms);
        let remaining = u64::from(limit).saturating_sub(used);
        let oldest = self
            .pulls
            .iter()
            .find(|b| frees_at(b.0, window_ms) > now_ms)
            .map_or(0, |b| secs_until(now_ms, frees_at(b.0, window_ms)));
        PullDecision {
            allowed: remaining > 0,
            counted: false,
            limit,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            window_seconds: policy.quota.window_seconds,
            retry_after_seconds: if remaining > 0 {
                0
            } else {
                self.wait(policy, now_ms, used)
            },
            reset_seconds: oldest,
            reservation: None,
        }
    }

    /// Seconds until fewer than `limit` pulls are in the window (`used` counting leased
    /// pulls). A lease is taken to free its pulls when it expires: the soonest they can come
    /// back (its holder reports unused pulls then; used ones free a window after their use).
    fn wait(&self, policy: &PullPolicy, now_ms: u64, used: u64) -> u64 {
        let window_ms = policy.window_ms();
        let limit = u64::from(policy.quota.limit);
        if limit == 0 {
            return u64::from(policy.quota.window_seconds).max(1);
        }
        let mut events: Vec<(u64, u32)> = self
            .pulls
            .iter()
            .filter(|b| frees_at(b.0, window_ms) > now_ms)
            .map(|b| (frees_at(b.0, window_ms), b.1))
            .chain(self.leases.iter().map(|l| (l.expires_ms, l.count)))
            .collect();
        events.sort_unstable_by_key(|e| e.0);
        let mut to_free = used.saturating_sub(limit) + 1;
        for (at_ms, n) in events {
            to_free = to_free.saturating_sub(u64::from(n));
            if to_free == 0 {
                return secs_until(now_ms, at_ms).max(1);
            }
        }
        u64::from(policy.quota.window_seconds).max(1)
    }
}

/// Counts a manifest GET of `repository` by `reference` (a tag or a digest) at `now_ms`, if
/// the budget allows; a GET by digest of a manifest listed by an index recorded in the last
/// [`PullPolicy::child_window_seconds`] is allowed without being counted.
///
/// ```
/// use pullgate::limiter::{reserve, PullPolicy, PullState, Quota};
/// let policy = PullPolicy::new(Quota { limit: 2, window_seconds: 60 });
/// let mut state = PullState::default();
/// assert!(reserve(&mut state, &policy, 1_000, "library/alpine", "latest").allowed);
/// assert!(reserve(&mut state, &policy, 2_000, "library/alpine", "latest").allowed);
/// let third = reserve(&mut state, &policy, 3_000, "library/alpine", "latest");
/// assert!(!third.allowed);
/// assert_eq!(third.retry_after_seconds, 58);
/// assert!(reserve(&mut state, &policy, 61_000, "library/alpine", "latest").allowed);
/// ```
pub fn reserve(
    state: &mut PullState,
    policy: &PullPolicy,
    now_ms: u64,
    repository: &str,
    reference: &str,
) -> PullDecision {
    state.prune(policy, now_ms);
    if reference.contains(':') {
        let key = child_key(repository, reference);
        let hit = state
            .indexes
            .iter()
            .position(|ix| ix.children.contains(&key));
        if let Some(i) = hit {
            // The index and this child were one pull; the next child counts.
            state.indexes.remove(i);
            let mut d = state.snapshot(policy, now_ms);
            d.allowed = true;
            d.retry_after_seconds = 0;
            return d;
        }
    }
    let used = state.occupied(policy, now_ms);
    if used < u64::from(policy.quota.limit) {
        let second = second_of(now_ms);
        state.add(second);
        let mut d = state.snapshot(policy, now_ms);
        d.allowed = true;
        d.counted = true;
        d.retry_after_seconds = 0;
        d.reservation = Some(Reservation(second));
        d
    } else {
        state.snapshot(policy, now_ms)
    }
}

/// Gives back a counted pull (the upstream answered 404 or 5xx). Returns whether anything
/// was given back: nothing is when the pull has already freed up. Refund each reservation at
/// most once.
pub fn refund(
    state: &mut PullState,
    policy: &PullPolicy,
    now_ms: u64,
    reservation: Reservation,
) -> bool {
    state.prune(policy, now_ms);
    if frees_at(reservation.0, policy.window_ms()) <= now_ms {
        return false;
    }
    // Merging only moves counts to later buckets, so the pull is in the first bucket at or
    // after its second, or a later one; taking it from the first one can only free it later.
    let Some(i) = state.pulls.iter().position(|b| b.0 >= reservation.0) else {
        return false;
    };
    if let Some(b) = state.pulls.get_mut(i) {
        b.1 = b.1.saturating_sub(1);
        if b.1 == 0 {
            state.pulls.remove(i);
        }
    }
    true
}

/// Remembers that an index listing `children` (manifest digests) of `repository` was served
/// at `now_ms`, so that a GET of one of them soon after is free.
pub fn record_index<'a>(
    state: &mut PullState,
    policy: &PullPolicy,
    now_ms: u64,
    repository: &str,
    children: impl IntoIterator<Item = &'a str>,
) {
    state.prune(policy, now_ms);
    let mut keys: Vec<u32> = children
        .into_iter()
        .take(MAX_CHILDREN)
        .map(|d| child_key(repository, d))
        .collect();
    keys.dedup();
    if keys.is_empty() || policy.child_window_seconds == 0 {
        return;
    }
    state.indexes.push(RecentIndex {
        at_ms: now_ms,
        children: keys,
    });
    if state.indexes.len() > MAX_RECENT_INDEXES {
        state.indexes.remove(0);
    }
}

/// Pulls left at `now_ms`.
pub fn remaining(state: &PullState, policy: &PullPolicy, now_ms: u64) -> u32 {
    state.snapshot(policy, now_ms).remaining
}

/// Seconds until a pull would be allowed (0 when one is allowed now): until enough of the
/// oldest pulls age out.
pub fn retry_after(state: &PullState, policy: &PullPolicy, now_ms: u64) -> u64 {
    state.snapshot(policy, now_ms).retry_after_seconds
}

/// The caller's budget at `now_ms`, without spending any of it (`counted` is false and there
/// is no reservation).
pub fn budget(state: &PullState, policy: &PullPolicy, now_ms: u64) -> PullDecision {
    state.snapshot(policy, now_ms)
}
