//! Producers for the gateway: Docker Hub's `N;w=S`, the IETF structured fields, the
//! `TOOMANYREQUESTS` body, and the `N;w=S` settings parser.

use serde::{Deserialize, Serialize};

use super::sf::serialize_string;
use super::HeaderError;

/// A quota: `limit` units per rolling `window_seconds` (the `N;w=S` of a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    /// Units allowed per window.
    pub limit: u32,
    /// The window, in seconds (at least 1).
    pub window_seconds: u32,
}

/// Docker Hub's `ratelimit-limit` / `ratelimit-remaining` value: `N;w=S`.
///
/// ```
/// assert_eq!(pullgate::ratelimit::format_docker(100, 21600), "100;w=21600");
/// ```
pub fn format_docker(n: u64, window_seconds: u64) -> String {
    format!("{n};w={window_seconds}")
}

/// A `RateLimit-Policy` member (draft -08 and later): `"name";q=N;w=S`.
///
/// ```
/// assert_eq!(pullgate::ratelimit::format_policy("default", 100, 21600), r#""default";q=100;w=21600"#);
/// ```
pub fn format_policy(name: &str, quota: u64, window_seconds: u64) -> String {
    format!("{};q={quota};w={window_seconds}", serialize_string(name))
}

/// A `RateLimit` member (draft -08 and later): `"name";r=N` and `;t=S` when a reset is known.
///
/// ```
/// use pullgate::ratelimit::format_service_limit;
/// assert_eq!(format_service_limit("default", 76, Some(30)), r#""default";r=76;t=30"#);
/// assert_eq!(format_service_limit("default", 76, None), r#""default";r=76"#);
/// ```
pub fn format_service_limit(name: &str, remaining: u64, reset: Option<u64>) -> String {
    match reset {
        Some(t) => format!("{};r={remaining};t={t}", serialize_string(name)),
        None => format!("{};r={remaining}", serialize_string(name)),
    }
}

/// The body of a pull-limit 429: a distribution error list with `TOOMANYREQUESTS`, worded
/// like Docker Hub's ("You have reached your pull rate limit. You may increase the limit by
/// authenticating and upgrading: https://www.docker.com/increase-rate-limit") but pointing at
/// the operator's page.
///
/// ```
/// let body = pullgate::ratelimit::too_many_requests_body("https://gw.example/limits");
/// assert!(body.starts_with(r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."#));
/// assert!(body.contains("https://gw.example/limits"));
/// ```
pub fn too_many_requests_body(link: &str) -> String {
    let message = format!(
        "You have reached your pull rate limit. You may learn about the limit and when pulls free up at: {link}"
    );
    // The document `json!({"errors": [{"code": .., "message": ..}]}).to_string()` prints, built
    // around serde_json's string escaping: a `Value` printer would bring serde_json's float
    // formatter and its tables (10 KB of wasm, issue 4) for a body that has no number.
    let message = serde_json::to_string(&message).unwrap_or_default();
    format!(r#"{{"errors":[{{"code":"TOOMANYREQUESTS","message":{message}}}]}}"#)
}

/// Parses an `N;w=S` setting (`PULL_LIMIT`, `REQUEST_LIMIT`): `N` units per `S` seconds.
///
/// Surrounding whitespace is ignored; `N` fits in 32 bits, `S` is at least 1 and fits in 32
/// bits. The error names the setting.
///
/// ```
/// use pullgate::ratelimit::{parse_quota_setting, Quota};
/// assert_eq!(parse_quota_setting("PULL_LIMIT", "100;w=21600").unwrap(), Quota { limit: 100, window_seconds: 21600 });
/// let err = parse_quota_setting("PULL_LIMIT", "100 per hour").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid PULL_LIMIT setting "100 per hour": expected N;w=S, e.g. 100;w=21600"#);
/// ```
pub fn parse_quota_setting(setting: &str, value: &str) -> Result<Quota, HeaderError> {
    let bad = |reason: &str| HeaderError::setting(setting, value, reason);
    let syntax = || bad("expected N;w=S, e.g. 100;w=21600");
    let (n, w) = value.trim().split_once(";w=").ok_or_else(syntax)?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(n) || !digits(w) {
        return Err(syntax());
    }
    let limit: u32 = n.parse().map_err(|_| bad("limit too large"))?;
    let window_seconds: u32 = w.parse().map_err(|_| bad("window too large"))?;
    if window_seconds == 0 {
        return Err(bad("window must be at least 1 second"));
    }
    Ok(Quota {
        limit,
        window_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::too_many_requests_body;

    /// The hand-built body is byte for byte what serde_json's `Value` printer wrote before.
    #[test]
    fn body_is_what_json_value_prints() {
        for link in [
            "https://gw.example/limits",
            "",
            "a\"b\\c\u{1}\u{7f}é\u{2028}😀\n",
        ] {
            let message = format!(
                "You have reached your pull rate limit. You may learn about the limit and when pulls free up at: {link}"
            );
            let want = serde_json::json!({
                "errors": [{ "code": "TOOMANYREQUESTS", "message": message }]
            })
            .to_string();
            assert_eq!(too_many_requests_body(link), want);
        }
    }
}
