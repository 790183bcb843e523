//! pullgate: a container-registry toolkit for the browser and the edge.
//!
//! The core is sans-I/O: parsers and policies take bytes, strings, headers and a clock
//! value and return values or typed errors. Layers point one way (see DESIGN.md):
//! [`reference`](mod@reference), [`digest`], [`platform`], then [`manifest`]; [`ratelimit`], [`auth`] and
//! [`limiter`] stand alone. Only `js` (wasm32 only) knows JavaScript.
//!
//! ```
//! use pullgate::{digest, manifest, platform, ratelimit, reference};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // distribution/reference's ParseDockerRef: Docker Hub and `library/` are implied.
//! let alpine = reference::parse_docker_ref("alpine")?;
//! assert_eq!(alpine.to_string(), "docker.io/library/alpine:latest");
//! assert_eq!(alpine.familiar_string(), "alpine:latest");
//!
//! // Docker Hub's rate-limit headers: 76 of 100 pulls left in a 6-hour window.
//! let limit = ratelimit::parse_rate_limit([
//!     ("RateLimit-Limit", "100;w=21600"),
//!     ("RateLimit-Remaining", "76;w=21600"),
//! ])?
//! .expect("headers present");
//! assert_eq!((limit.limit, limit.remaining, limit.window_seconds), (Some(100), Some(76), Some(21600)));
//!
//! // An index: containerd's rules pick arm64/v8 for an `aarch64` host, never the attestation.
//! let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
//!   {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,"platform":{"os":"linux","architecture":"amd64"},
//!    "digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111"},
//!   {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,"platform":{"os":"linux","architecture":"arm64","variant":"v8"},
//!    "digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222"},
//!   {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,"platform":{"os":"unknown","architecture":"unknown"},
//!    "digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333",
//!    "annotations":{"vnd.docker.reference.type":"attestation-manifest",
//!      "vnd.docker.reference.digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222"}}]}"#;
//! let index = manifest::parse(index, None)?;
//! let host = platform::parse("linux/aarch64")?;
//! let pick = manifest::select_platform(&index, &host, platform::MatchMode::Only).expect("a match");
//! assert!(pick.digest.as_str().starts_with("sha256:2222"));
//! // The digest is of the exact bytes received.
//! assert_eq!(index.digest.algorithm(), "sha256");
//!
//! assert_eq!(
//!     digest::compute(digest::Algorithm::Sha256, b"hello").as_str(),
//!     "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
//! );
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod digest;
#[cfg(target_arch = "wasm32")]
mod js;
mod json;
pub mod limiter;
mod lower;
pub mod manifest;
mod order;
pub mod platform;
pub mod ratelimit;
pub mod reference;
pub mod registry;
mod rfc3339;

/// A stable, machine-readable code for every error the core returns.
///
/// The codes are the `PullgateErrorCode` strings of the npm package (see API.md), so Rust
/// callers, the gateway and JS all branch on the same values.
pub trait ErrorCode {
    /// The code, e.g. `"NAME_CONTAINS_UPPERCASE"`.
    fn code(&self) -> &'static str;
}
