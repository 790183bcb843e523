//! [`classify_too_many_requests`]: Docker Hub's two kinds of 429.
//!
//! A pull-limit 429 carries the distribution error body
//! `{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit. ..."}]}`
//! (distribution's `docs/spec/api.md` error form); the overall request limit answers a plain
//! `Too Many Requests (HAP429).`. The body is read leniently, as go-containerregistry's
//! `transport/error.go` does: only the first [`MAX_BODY`] bytes, unknown codes and extra fields
//! ignored, entries that are not objects skipped.

use serde::{Deserialize, Serialize};

use crate::json::Value;

/// How much of a 429 body is looked at; Docker Hub's is about 200 bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// What a 429 response means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TooManyKind {
    /// The pull limit (a distribution error list with `TOOMANYREQUESTS`).
    #[serde(rename = "pull-limit")]
    PullLimit,
    /// Any other 429: the overall request limit.
    #[serde(rename = "overall-limit")]
    OverallLimit,
}

/// Classifies a response (API.md `classifyTooManyRequests`): `None` unless `status` is 429.
///
/// ```
/// use pullgate::ratelimit::{classify_too_many_requests, TooManyKind};
/// let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}"#;
/// assert_eq!(classify_too_many_requests(429, body), Some(TooManyKind::PullLimit));
/// assert_eq!(classify_too_many_requests(429, b"Too Many Requests (HAP429).\n"), Some(TooManyKind::OverallLimit));
/// assert_eq!(classify_too_many_requests(200, body), None);
/// ```
pub fn classify_too_many_requests(status: u16, body: &[u8]) -> Option<TooManyKind> {
    if status != 429 {
        return None;
    }
    let body = body.get(..MAX_BODY).unwrap_or(body);
    if has_toomanyrequests(body) {
        Some(TooManyKind::PullLimit)
    } else {
        Some(TooManyKind::OverallLimit)
    }
}

fn has_toomanyrequests(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    // The crate's JSON tree with serde_json::Value's rules (the last of equal keys wins).
    let Ok(value) = crate::json::read(body, crate::json::Keys::LastWins) else {
        return false;
    };
    let Some(Value::Array(errors)) = value.get("errors") else {
        return false;
    };
    errors.iter().any(|e| {
        matches!(e.get("code"), Some(Value::String(c))
            if c.trim().eq_ignore_ascii_case("TOOMANYREQUESTS"))
    })
}
