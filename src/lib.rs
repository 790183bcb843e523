//! pullgate: a container-registry toolkit for the browser and the edge.
//!
//! The core is sans-I/O: parsers and policies take bytes, strings, headers and a clock
//! value and return values or typed errors. Layers point one way (see DESIGN.md):
//! [`reference`](mod@reference), [`digest`], [`platform`], then [`manifest`]; [`ratelimit`], [`auth`] and
//! [`limiter`] stand alone. Only `js` (wasm32 only) knows JavaScript.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod digest;
#[cfg(target_arch = "wasm32")]
mod js;
pub mod limiter;
pub mod manifest;
pub mod platform;
pub mod ratelimit;
pub mod reference;

/// A stable, machine-readable code for every error the core returns.
///
/// The codes are the `PullgateErrorCode` strings of the npm package (see API.md), so Rust
/// callers, the gateway and JS all branch on the same values.
pub trait ErrorCode {
    /// The code, e.g. `"NAME_CONTAINS_UPPERCASE"`.
    fn code(&self) -> &'static str;
}
