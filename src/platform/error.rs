//! `PlatformError`: why a specifier could not be parsed, worded as containerd words it.

use super::quote::go_quote;

/// The `osRe` pattern containerd quotes in its "invalid OS component" message.
pub(crate) const OS_PATTERN: &str =
    r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$";

/// The `specifierRe` pattern containerd quotes in its "invalid component" message.
pub(crate) const COMPONENT_PATTERN: &str = r"^[A-Za-z0-9_.-]+$";

/// A platform specifier that [`parse`](super::parse) refuses. Every variant's code is
/// `PLATFORM_INVALID`; the message is containerd's `Parse` error text, word for word.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformError {
    /// The specifier contains `*` (`wildcards not yet supported`).
    WildcardsNotSupported {
        /// The whole specifier.
        specifier: String,
    },
    /// The first component is not `os[(version+features)]`.
    InvalidOsComponent {
        /// The first component.
        component: String,
        /// The whole specifier.
        specifier: String,
    },
    /// The OS version does not percent-decode.
    InvalidOsVersion {
        /// The whole specifier.
        specifier: String,
        /// The OS version as written.
        os_version: String,
        /// What is wrong with it.
        cause: OsOptionError,
    },
    /// An OS feature does not percent-decode.
    InvalidOsFeature {
        /// The whole specifier.
        specifier: String,
        /// The feature as written.
        feature: String,
        /// What is wrong with it.
        cause: OsOptionError,
    },
    /// An architecture or variant component has a character outside `[A-Za-z0-9_.-]`, or is
    /// empty.
    InvalidComponent {
        /// The offending component.
        component: String,
        /// The whole specifier.
        specifier: String,
    },
    /// A single component that is neither a known OS nor a known architecture.
    UnknownOsOrArchitecture {
        /// The whole specifier.
        specifier: String,
    },
    /// More than three components.
    CannotParse {
        /// The whole specifier.
        specifier: String,
    },
}

/// Why an OS version or feature could not be percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OsOptionError {
    /// A `%` not followed by two hex digits (Go's `url.EscapeError`); holds the bad escape.
    InvalidEscape(String),
    /// The decoded bytes are not UTF-8 (Go would keep them; a Rust `String` can't).
    InvalidUtf8,
}

impl std::fmt::Display for OsOptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OsOptionError::InvalidEscape(escape) => {
                write!(f, "invalid URL escape {}", go_quote(escape))
            }
            OsOptionError::InvalidUtf8 => f.write_str("invalid UTF-8 after unescaping"),
        }
    }
}

impl std::error::Error for OsOptionError {}

impl std::fmt::Display for PlatformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlatformError::WildcardsNotSupported { specifier } => write!(
                f,
                "{}: wildcards not yet supported: invalid argument",
                go_quote(specifier)
            ),
            PlatformError::InvalidOsComponent {
                component,
                specifier,
            } => write!(
                f,
                "{} is an invalid OS component of {}: OSAndVersion specifier component must match {}: invalid argument",
                go_quote(component),
                go_quote(specifier),
                go_quote(OS_PATTERN)
            ),
            PlatformError::InvalidOsVersion {
                specifier,
                os_version,
                cause,
            } => write!(
                f,
                "{} has an invalid OS version {}: {}",
                go_quote(specifier),
                go_quote(os_version),
                cause
            ),
            PlatformError::InvalidOsFeature {
                specifier,
                feature,
                cause,
            } => write!(
                f,
                "{} has invalid OS features: invalid os feature {}: {}",
                go_quote(specifier),
                go_quote(feature),
                cause
            ),
            PlatformError::InvalidComponent {
                component,
                specifier,
            } => write!(
                f,
                "{} is an invalid component of {}: platform specifier component must match {}: invalid argument",
                go_quote(component),
                go_quote(specifier),
                go_quote(COMPONENT_PATTERN)
            ),
            PlatformError::UnknownOsOrArchitecture { specifier } => write!(
                f,
                "{}: unknown operating system or architecture: invalid argument",
                go_quote(specifier)
            ),
            PlatformError::CannotParse { specifier } => write!(
                f,
                "{}: cannot parse platform specifier: invalid argument",
                go_quote(specifier)
            ),
        }
    }
}

impl std::error::Error for PlatformError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlatformError::InvalidOsVersion { cause, .. }
            | PlatformError::InvalidOsFeature { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

impl crate::ErrorCode for PlatformError {
    fn code(&self) -> &'static str {
        "PLATFORM_INVALID"
    }
}
