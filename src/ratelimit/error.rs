//! [`HeaderError`]: the one error type of the header-facing modules ([`crate::ratelimit`],
//! [`crate::auth`]).

use std::fmt;

/// Longest piece of input quoted in an error message; longer values are cut (on a character
/// boundary) and marked with `...`, so a hostile header can't blow up logs.
const QUOTE_MAX: usize = 200;

/// A header value, scope, token response, client address or setting that can't be decoded.
///
/// Every variant has the code `HEADER_INVALID` (see API.md). Messages are short, lowercase,
/// and quote the offending input (cut to 200 characters); token responses are never quoted
/// because they carry credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// A header field value that does not follow its grammar (RFC 9110, RFC 8941, the
    /// RateLimit drafts, Docker Hub's `N;w=S`).
    InvalidHeader {
        /// The field name, lower-cased (`ratelimit-limit`, `www-authenticate`).
        name: String,
        /// The field value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A token-auth scope that is not `resourcetype[(class)]:name:actions` (distribution's
    /// `docs/spec/auth/scope.md`).
    InvalidScope {
        /// The scope as given.
        scope: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A token-server response that does not follow distribution's token spec
    /// (`docs/spec/auth/token.md`).
    InvalidTokenResponse {
        /// What is wrong with it (the body itself is never quoted: it holds secrets).
        reason: String,
    },
    /// A client address that is not an IP address usable as a limit key.
    InvalidClientIp {
        /// The address as given.
        ip: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A limit setting (`PULL_LIMIT`, `REQUEST_LIMIT`) that is not `N;w=S`.
    InvalidSetting {
        /// The setting's name.
        setting: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl HeaderError {
    // Error paths: cold and out of line, so the parsers' hot code neither inlines their
    // allocations at every call site nor grows the wasm (issue 4).
    #[cold]
    #[inline(never)]
    pub(crate) fn header(name: &str, value: &str, reason: impl Into<String>) -> Self {
        HeaderError::InvalidHeader {
            name: name.to_ascii_lowercase(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn scope(scope: &str, reason: impl Into<String>) -> Self {
        HeaderError::InvalidScope {
            scope: scope.to_owned(),
            reason: reason.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn token(reason: impl Into<String>) -> Self {
        HeaderError::InvalidTokenResponse {
            reason: reason.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn client_ip(ip: &str, reason: impl Into<String>) -> Self {
        HeaderError::InvalidClientIp {
            ip: ip.to_owned(),
            reason: reason.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn setting(setting: &str, value: &str, reason: impl Into<String>) -> Self {
        HeaderError::InvalidSetting {
            setting: setting.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}

/// `"value"` with Rust string escapes, cut to [`QUOTE_MAX`] bytes.
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s.len() <= QUOTE_MAX {
            return write!(f, "{s:?}");
        }
        let mut end = QUOTE_MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let cut = s.get(..end).unwrap_or_default();
        write!(f, "{cut:?}...")
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::InvalidHeader {
                name,
                value,
                reason,
            } => write!(f, "invalid {name} header {}: {reason}", Quoted(value)),
            HeaderError::InvalidScope { scope, reason } => {
                write!(f, "invalid scope {}: {reason}", Quoted(scope))
            }
            HeaderError::InvalidTokenResponse { reason } => {
                write!(f, "invalid token response: {reason}")
            }
            HeaderError::InvalidClientIp { ip, reason } => {
                write!(f, "invalid client ip {}: {reason}", Quoted(ip))
            }
            HeaderError::InvalidSetting {
                setting,
                value,
                reason,
            } => write!(f, "invalid {setting} setting {}: {reason}", Quoted(value)),
        }
    }
}

impl std::error::Error for HeaderError {}

impl crate::ErrorCode for HeaderError {
    fn code(&self) -> &'static str {
        "HEADER_INVALID"
    }
}
