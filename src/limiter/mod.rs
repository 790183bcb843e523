//! The gateway's limits as pure functions: a serialisable state per client key, a clock value
//! (`now_ms`, milliseconds since the epoch) passed in, and a decision out. The Durable Object
//! that owns a key's state runs one call at a time, so each call is atomic.
//!
//! * [`pull`]: the pull limit (DESIGN.md "Pull limit"): a rolling window in which a pull
//!   frees up `w` seconds after it was made, reserve before forwarding, refund on upstream
//!   404/5xx, retry-after, and the rule that a GET of an index followed within a short window
//!   by a GET of one of its manifests is one pull.
//! * [`request`]: the request limit: a sliding-window counter whose state is three numbers.
//! * [`lease`]: both budgets handed out in short leases to the isolates serving a key, so a
//!   busy key's requests need no call to the state's owner each, with the limits still exact.
//!
//! Header values for responses come from the [`crate::ratelimit`] producers
//! ([`format_docker`](crate::ratelimit::format_docker),
//! [`format_service_limit`](crate::ratelimit::format_service_limit)).

pub mod lease;
pub mod pull;
pub mod request;

pub use crate::ratelimit::Quota;
pub use lease::{grant, settle, Grant, KeyLease, Report};
pub use pull::{
    budget, record_index, refund, remaining, reserve, retry_after, PullDecision, PullPolicy,
    PullState, Reservation,
};
pub use request::{check_request, RequestDecision, RequestState};
