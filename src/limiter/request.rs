//! The request limit (default `3000;w=60`): a sliding-window counter.
//!
//! Time is cut into windows aligned on multiples of `w`; the state is the start of the
//! current window and the counts of the current and previous ones. A request at `e` ms into
//! the current window sees an estimated count of
//! `previous * (w - e) / w + current`, and is admitted while that estimate plus one is at most
//! the limit (computed exactly, in integers). This is the approximation Cloudflare describes
//! for its own rate limiting: it assumes the previous window's requests were spread evenly.
//! Bursts at the edge of a window can therefore get somewhat more than `limit` requests
//! through in some `w`-long span (never more than `limit` in one aligned window), in exchange
//! for a state of three numbers whatever the traffic. The pull limit, which is where
//! exactness matters, is [`super::pull`].

use serde::{Deserialize, Serialize};

use crate::ratelimit::Quota;

/// One client key's request-limit state: `{"s":window_start_ms,"p":previous,"c":current}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestState {
    #[serde(rename = "s", default)]
    start_ms: u64,
    #[serde(rename = "p", default)]
    previous: u32,
    #[serde(rename = "c", default)]
    current: u32,
}

/// The outcome of [`check_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestDecision {
    /// Whether the request may go ahead (it was counted if so).
    pub allowed: bool,
    /// The limit.
    pub limit: u32,
    /// Requests left (estimated) after this one.
    pub remaining: u32,
    /// The window in seconds.
    pub window_seconds: u32,
    /// When refused, seconds until a request would be allowed (0 when allowed).
    pub retry_after_seconds: u64,
}

/// Counts a request at `now_ms` if the limit allows it.
///
/// ```
/// use pullgate::limiter::{check_request, Quota, RequestState};
/// let quota = Quota { limit: 3, window_seconds: 60 };
/// let mut state = RequestState::default();
/// let admitted = (0..5).filter(|i| check_request(&mut state, &quota, 1_000 + i).allowed).count();
/// assert_eq!(admitted, 3);
/// ```
pub fn check_request(state: &mut RequestState, quota: &Quota, now_ms: u64) -> RequestDecision {
    reserve_requests(state, quota, now_ms, |_| 1).1
}

/// Reserves up to `share(free)` requests at once, `free` being how many the estimate admits
/// now (at least 1 when called): the request-limit side of a lease ([`super::lease`]).
/// Returns how many were reserved (0 when refused) and the decision after reserving them.
pub(super) fn reserve_requests(
    state: &mut RequestState,
    quota: &Quota,
    now_ms: u64,
    share: impl FnOnce(u64) -> u32,
) -> (u32, RequestDecision) {
    let w = window_ms(quota);
    roll(state, w, now_ms);
    // A clock that went back stays in the window it had reached.
    let e = now_ms.saturating_sub(state.start_ms).min(w - 1);
    let limit = u128::from(quota.limit);
    let (w, e) = (u128::from(w), u128::from(e));
    let prev = u128::from(state.previous);
    let cur = u128::from(state.current);
    let load = prev * (w - e) + cur * w; // estimate * w
    let mut decision = RequestDecision {
        allowed: false,
        limit: quota.limit,
        remaining: 0,
        window_seconds: quota.window_seconds,
        retry_after_seconds: 0,
    };
    if load + w <= limit * w {
        let free = u64::try_from((limit * w - load) / w).unwrap_or(u64::MAX);
        let granted = share(free).clamp(1, u32::try_from(free).unwrap_or(u32::MAX));
        state.current = state.current.saturating_add(granted);
        decision.allowed = true;
        let left = free - u64::from(granted);
        decision.remaining = u32::try_from(left).unwrap_or(u32::MAX);
        (granted, decision)
    } else {
        decision.retry_after_seconds = wait_ms(limit, w, e, prev, cur).div_ceil(1000).max(1);
        (0, decision)
    }
}

/// Gives back `unused` requests reserved in the window that started at `window_start_ms`:
/// from the current window's count, or the previous one's if the window has moved on once
/// since (later than that they no longer weigh on the estimate).
pub(super) fn return_requests(
    state: &mut RequestState,
    quota: &Quota,
    now_ms: u64,
    window_start_ms: u64,
    unused: u32,
) {
    let w = window_ms(quota);
    roll(state, w, now_ms);
    if window_start_ms == state.start_ms {
        state.current = state.current.saturating_sub(unused);
    } else if window_start_ms.saturating_add(w) == state.start_ms {
        state.previous = state.previous.saturating_sub(unused);
    }
}

impl RequestState {
    /// Where the current window started (ms).
    pub(super) fn window_start_ms(&self) -> u64 {
        self.start_ms
    }
}

fn window_ms(quota: &Quota) -> u64 {
    u64::from(quota.window_seconds.max(1)) * 1000
}

/// Moves the state to the window `now_ms` falls in.
fn roll(state: &mut RequestState, w: u64, now_ms: u64) {
    let aligned = now_ms - now_ms % w;
    if aligned > state.start_ms {
        if aligned == state.start_ms.saturating_add(w) {
            state.previous = state.current;
        } else {
            state.previous = 0;
        }
        state.current = 0;
        state.start_ms = aligned;
    }
}

/// Milliseconds until `prev * (w - e) + cur * w + w <= limit * w` holds again.
fn wait_ms(limit: u128, w: u128, e: u128, prev: u128, cur: u128) -> u64 {
    let ms = |x: u128| u64::try_from(x).unwrap_or(u64::MAX);
    if limit == 0 {
        return ms(w - e);
    }
    // Later in this window: the previous window's weight shrinks.
    if cur < limit && prev > 0 {
        let budget = (limit - cur - 1) * w;
        let needed = w - (budget / prev).min(w);
        if needed < w {
            return ms(needed.saturating_sub(e));
        }
    }
    // In the next window the current count becomes the previous one.
    let needed = ((limit - 1) * w)
        .checked_div(cur)
        .map_or(0, |allowed| w - allowed.min(w));
    ms(w - e + needed)
}
