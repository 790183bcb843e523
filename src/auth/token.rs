//! Token responses, distribution's `docs/spec/auth/token.md`:
//!
//! * `token`: the bearer token; `access_token`: the same under its OAuth 2.0 name. At least
//!   one is present. The spec leaves the choice undefined when both are present and differ;
//!   distribution (`registry/client/auth/session.go`: "Canonicalize `access_token` by sticking
//!   things in `token`"), regclient and go-containerregistry all take `access_token`, so it
//!   wins here too: a client that picked the other one would send a token those clients
//!   never send.
//! * `expires_in`: seconds the token stays valid. When omitted it "defaults to 60 seconds",
//!   and "for compatibility with older clients, a token should never be returned with less
//!   than 60 seconds to live", so session.go raises anything lower (zero, negative, absent) to
//!   its `minimumTokenLifetimeSeconds` of 60. Doing the same keeps a cache from re-fetching a
//!   token on every request when a server says `expires_in: 0`.
//! * `issued_at`: optional RFC 3339 time; kept as given once checked, since the expiry is
//!   counted from it (or from the exchange when absent).
//!
//! As with Go's `encoding/json`, a field of the wrong type refuses the whole response;
//! unknown fields (`refresh_token`, `scope`) are ignored.

use crate::json::{Number, Value};
use serde::{Deserialize, Serialize};

use crate::ratelimit::HeaderError;

/// The lowest `expires_in` honoured, and the default (session.go's
/// `minimumTokenLifetimeSeconds`).
pub const MIN_TOKEN_LIFETIME_SECONDS: u64 = 60;

/// A decoded token response (API.md `parseTokenResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The bearer token (`access_token` when present and non-empty, else `token`).
    pub token: String,
    /// Seconds the token stays valid, at least 60.
    pub expires_in: u64,
    /// When the token was issued (RFC 3339, as given).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub issued_at: Option<String>,
}

/// Parses a token server's JSON response.
///
/// ```
/// use pullgate::auth::parse_token_response;
/// let t = parse_token_response(r#"{"token":"abc","expires_in":300,"issued_at":"2024-01-02T03:04:05Z"}"#).unwrap();
/// assert_eq!((t.token.as_str(), t.expires_in), ("abc", 300));
/// let t = parse_token_response(r#"{"token":"old","access_token":"new"}"#).unwrap();
/// assert_eq!((t.token.as_str(), t.expires_in), ("new", 60));
/// ```
pub fn parse_token_response(json: &str) -> Result<TokenResponse, HeaderError> {
    // The crate's JSON tree with serde_json::Value's rules (the last of equal keys wins): the
    // wasm then carries no second value deserializer and no `serde_json::Value` (issue 4, size).
    let value = crate::json::read(json.as_bytes(), crate::json::Keys::LastWins)
        .map_err(|_| HeaderError::token("not json"))?;
    token_response(&value)
}

/// [`parse_token_response`] for an already-parsed JSON value.
pub fn token_response_from_value(value: &serde_json::Value) -> Result<TokenResponse, HeaderError> {
    // A Value prints as JSON that reads back as the same value: one set of rules, above.
    parse_token_response(&value.to_string())
}

fn token_response(value: &Value<'_>) -> Result<TokenResponse, HeaderError> {
    if !matches!(value, Value::Object(_)) {
        return Err(HeaderError::token("expected a json object"));
    }
    let string_field = |key: &str| -> Result<Option<&str>, HeaderError> {
        match value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_ref())),
            Some(_) => Err(HeaderError::token(format!("{key} must be a string"))),
        }
    };
    let token = string_field("token")?.filter(|t| !t.is_empty());
    let access_token = string_field("access_token")?.filter(|t| !t.is_empty());
    let Some(token) = access_token.or(token) else {
        return Err(HeaderError::token("no token or access_token"));
    };
    let expires_in = match value.get("expires_in") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(Number::Unsigned(u))) => *u,
        Some(Value::Number(Number::Negative(_))) => 0,
        Some(_) => return Err(HeaderError::token("expires_in must be an integer")),
    };
    let issued_at = match string_field("issued_at")? {
        Some(t) if is_rfc3339(t) => Some(t.to_owned()),
        Some(t) => {
            return Err(HeaderError::token(format!(
                "issued_at {t:?} is not an rfc 3339 time"
            )))
        }
        None => None,
    };
    Ok(TokenResponse {
        token: token.to_owned(),
        expires_in: expires_in.max(MIN_TOKEN_LIFETIME_SECONDS),
        issued_at,
    })
}

/// `date-time` of RFC 3339 §5.6 as Go's `time.RFC3339` accepts it (upper-case `T` and `Z`).
fn is_rfc3339(s: &str) -> bool {
    crate::rfc3339::is_date_time(s, crate::rfc3339::Letters::Upper)
}
