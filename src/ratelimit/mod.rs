//! Rate-limit headers: Docker Hub's and the IETF drafts', decoded and produced; 429s told
//! apart.
//!
//! # What is decoded ([`parse_rate_limit`])
//!
//! Header names are matched case-insensitively; repeated fields are combined with `", "` as
//! HTTP does (RFC 9110 §5.3), so a `Headers` object and a list of pairs read the same.
//!
//! * **Docker Hub** (`format: "docker"`): `ratelimit-limit: 100;w=21600`,
//!   `ratelimit-remaining: 76;w=21600`, `docker-ratelimit-source: <ip or uuid>`. A value with a
//!   `;w=` parameter, or the source header, makes the response Docker's.
//! * **IETF, fields per value** (`format: "ietf"`), draft-ietf-httpapi-ratelimit-headers-00 to
//!   -06: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (delta-seconds). In -00
//!   to -02, `RateLimit-Limit = expiring-limit [, 1#quota-policy]` with
//!   `quota-policy = service-limit;w=time-window *(;quota-comment)`
//!   (`RateLimit-Limit: 10, 10;w=1, 50;w=60`): the first member is the limit closest to being
//!   reached, the others are informative policies. From -03 the fields are Structured Fields
//!   Items, and -05/-06 moved the policies to `RateLimit-Policy: 10;w=1, 50;w=60`.
//! * **IETF, structured** (`format: "ietf-structured"`): -07's
//!   `RateLimit: limit=10, remaining=1, reset=7` (a Dictionary) with Integer policies in
//!   `RateLimit-Policy`, and -08's named policies:
//!   `RateLimit-Policy: "default";q=100;w=21600;qu="requests"` and
//!   `RateLimit: "default";r=76;t=30` (Lists of Items; `pk` and other parameters are comments).
//!
//! All values are parsed as RFC 8941 Structured Fields (the older drafts' ABNF is a subset:
//! `1*DIGIT`, `;w=`, `token "=" (token / quoted-string)`); integers are non-negative and at
//! most 15 digits.
//!
//! # How the result is built
//!
//! Every policy the headers describe becomes an entry: the informative quota policies
//! (`RateLimit-Limit` members after the first, `RateLimit-Policy` items), the named service
//! limits of `RateLimit` (joined to the policy of the same name), and the "expiring limit"
//! (`RateLimit-Limit`/`-Remaining`/`-Reset`, or -07's `RateLimit` dictionary), which is joined
//! to the first policy with the same limit (as the draft authors' `find_quota_policy` does) or
//! else listed first. The top-level fields are those of the entry with the lowest remaining
//! (the first on ties; the first entry when none has a remaining), and `policies` lists the
//! entries when there are two or more. `unit` is set for -08 named policies only (their `qu`,
//! else `"requests"`): the other forms have no notion of unit. When limit and remaining carry
//! different windows, the limit's is `windowSeconds`.
//!
//! No rate-limit header at all is `None` ("not limited", an answer); a header that is present
//! but can't be decoded is a [`HeaderError`]; zero is a value like any other.
//!
//! # Also here
//!
//! [`classify_too_many_requests`] tells Docker Hub's pull-limit 429 (a distribution error list
//! with `TOOMANYREQUESTS`) from the overall request limit (any other 429), and the producers
//! ([`format_docker`], [`format_policy`], [`format_service_limit`],
//! [`too_many_requests_body`]) and [`parse_quota_setting`] serve the gateway.

mod classify;
mod error;
mod parse;
mod produce;
pub(crate) mod sf;

pub use classify::{classify_too_many_requests, TooManyKind};
pub use error::HeaderError;
pub use parse::parse_rate_limit;
pub use produce::{
    format_docker, format_policy, format_service_limit, parse_quota_setting,
    too_many_requests_body, Quota,
};

use serde::{Deserialize, Serialize};

/// Which family of headers a [`RateLimit`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RateLimitFormat {
    /// Docker Hub's `N;w=S` values and `docker-ratelimit-source`.
    #[serde(rename = "docker")]
    Docker,
    /// The IETF drafts' `RateLimit-Limit`/`-Remaining`/`-Reset` (-00 to -06).
    #[serde(rename = "ietf")]
    Ietf,
    /// The IETF drafts' structured `RateLimit-Policy` / `RateLimit` (-07 and later).
    #[serde(rename = "ietf-structured")]
    IetfStructured,
}

/// One quota policy and, when the response said, its current state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The policy's name (-08 and later).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// The quota: how many units the window allows.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
    /// Units left.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remaining: Option<u64>,
    /// The window, in seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window_seconds: Option<u64>,
    /// Seconds until the quota resets (delta-seconds).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reset: Option<u64>,
    /// The quota unit (-08 `qu`, default `"requests"`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
}

/// A decoded set of rate-limit headers (API.md `parseRateLimit`).
///
/// Fields not sent are `None`, never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// The limit of the policy closest to being reached.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
    /// Units left under that policy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remaining: Option<u64>,
    /// Its window in seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window_seconds: Option<u64>,
    /// Seconds until it resets.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reset: Option<u64>,
    /// Docker Hub's `docker-ratelimit-source` (the client IP or account id it counted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// The quota unit, when the headers define one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    /// Every policy, when there are two or more.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policies: Option<Vec<Policy>>,
    /// Which family of headers this came from.
    pub format: RateLimitFormat,
}
