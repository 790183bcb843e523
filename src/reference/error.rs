//! [`ReferenceError`]: `distribution/reference`'s error values, plus the input.

use std::fmt;

use super::scan::ScanError;
use crate::ErrorCode;

/// Errors from parsing and building references, named after `distribution/reference`'s
/// (`ErrNameTooLong` is [`ReferenceError::NameTooLong`]).
///
/// Messages are upstream's text followed by the offending input in quotes, always in the form
/// `<upstream text>: "<input>"`, e.g. `repository name must be lowercase: "Foo"`. The input is
/// the whole string given to the function that failed (the tag for [`with_tag`], the digest
/// for [`with_digest`], the pattern for [`familiar_match`]).
///
/// [`with_tag`]: super::with_tag
/// [`with_digest`]: super::with_digest
/// [`familiar_match`]: super::familiar_match
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferenceError {
    /// `ErrReferenceInvalidFormat`: not a reference. Code `REFERENCE_INVALID_FORMAT`.
    InvalidFormat {
        /// The input.
        input: String,
    },
    /// `ErrTagInvalidFormat`: not `[\w][\w.-]{0,127}`. Code `TAG_INVALID_FORMAT`.
    TagInvalidFormat {
        /// The tag.
        input: String,
    },
    /// `ErrDigestInvalidFormat` (a digest that `WithDigest` refuses) and go-digest's
    /// `ErrDigestInvalidFormat` (a digest in a reference with the wrong encoding for its
    /// algorithm). Code `DIGEST_INVALID_FORMAT`.
    DigestInvalidFormat {
        /// The input.
        input: String,
    },
    /// go-digest's `ErrDigestUnsupported`: a reference whose digest algorithm is not
    /// registered. Code `DIGEST_UNSUPPORTED`.
    DigestUnsupported {
        /// The input.
        input: String,
    },
    /// `ErrNameContainsUppercase`: the input matches only when lower-cased (`Parse`), or the
    /// remote name has uppercase letters (`ParseNormalizedNamed`). Code
    /// `NAME_CONTAINS_UPPERCASE`.
    NameContainsUppercase {
        /// The input.
        input: String,
    },
    /// `ErrNameEmpty`. Code `NAME_EMPTY`.
    NameEmpty {
        /// The input.
        input: String,
    },
    /// `ErrNameTooLong`: the path is over 255 characters. Code `NAME_TOO_LONG`.
    NameTooLong {
        /// The input.
        input: String,
    },
    /// `ErrNameNotCanonical`: `ParseNamed` needs the canonical form. Code
    /// `NAME_NOT_CANONICAL`.
    NameNotCanonical {
        /// The input.
        input: String,
    },
    /// `ParseNormalizedNamed` refuses a 64-hex string (an image ID) as a name. Code
    /// `NAME_IS_IMAGE_ID`.
    NameIsImageId {
        /// The input.
        input: String,
    },
    /// Fails Docker Hub's own repository-name rule
    /// ([`validate_hub_repository_name`](super::validate_hub_repository_name)). Code
    /// `HUB_NAME_INVALID`.
    HubNameInvalid {
        /// The input.
        input: String,
        /// Which part of the rule failed, e.g. `"repository must be 2 to 255 characters"`.
        reason: &'static str,
    },
    /// `path.ErrBadPattern` from [`familiar_match`](super::familiar_match). Code
    /// `PATTERN_INVALID`.
    BadPattern {
        /// The pattern.
        pattern: String,
    },
}

impl ReferenceError {
    /// The input the error quotes.
    pub fn input(&self) -> &str {
        match self {
            ReferenceError::InvalidFormat { input }
            | ReferenceError::TagInvalidFormat { input }
            | ReferenceError::DigestInvalidFormat { input }
            | ReferenceError::DigestUnsupported { input }
            | ReferenceError::NameContainsUppercase { input }
            | ReferenceError::NameEmpty { input }
            | ReferenceError::NameTooLong { input }
            | ReferenceError::NameNotCanonical { input }
            | ReferenceError::NameIsImageId { input }
            | ReferenceError::HubNameInvalid { input, .. } => input,
            ReferenceError::BadPattern { pattern } => pattern,
        }
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ReferenceError::InvalidFormat { .. } => "invalid reference format",
            ReferenceError::TagInvalidFormat { .. } => "invalid tag format",
            ReferenceError::DigestInvalidFormat { .. } => "invalid digest format",
            ReferenceError::DigestUnsupported { .. } => "unsupported digest algorithm",
            ReferenceError::NameContainsUppercase { .. } => "repository name must be lowercase",
            ReferenceError::NameEmpty { .. } => "repository name must have at least one component",
            ReferenceError::NameTooLong { .. } => {
                "repository name must not be more than 255 characters"
            }
            ReferenceError::NameNotCanonical { .. } => "repository name must be canonical",
            ReferenceError::NameIsImageId { .. } => {
                "invalid repository name, cannot specify 64-byte hexadecimal strings"
            }
            ReferenceError::HubNameInvalid { reason, .. } => {
                return write!(
                    f,
                    "invalid docker hub repository name ({reason}): {:?}",
                    self.input()
                );
            }
            ReferenceError::BadPattern { .. } => "syntax error in pattern",
        };
        write!(f, "{text}: {:?}", self.input())
    }
}

impl std::error::Error for ReferenceError {}

impl ErrorCode for ReferenceError {
    fn code(&self) -> &'static str {
        match self {
            ReferenceError::InvalidFormat { .. } => "REFERENCE_INVALID_FORMAT",
            ReferenceError::TagInvalidFormat { .. } => "TAG_INVALID_FORMAT",
            ReferenceError::DigestInvalidFormat { .. } => "DIGEST_INVALID_FORMAT",
            ReferenceError::DigestUnsupported { .. } => "DIGEST_UNSUPPORTED",
            ReferenceError::NameContainsUppercase { .. } => "NAME_CONTAINS_UPPERCASE",
            ReferenceError::NameEmpty { .. } => "NAME_EMPTY",
            ReferenceError::NameTooLong { .. } => "NAME_TOO_LONG",
            ReferenceError::NameNotCanonical { .. } => "NAME_NOT_CANONICAL",
            ReferenceError::NameIsImageId { .. } => "NAME_IS_IMAGE_ID",
            ReferenceError::HubNameInvalid { .. } => "HUB_NAME_INVALID",
            ReferenceError::BadPattern { .. } => "PATTERN_INVALID",
        }
    }
}

impl ScanError {
    /// The [`ReferenceError`] for this kind, quoting `input`.
    pub fn with_input(self, input: &str) -> ReferenceError {
        let input = input.to_owned();
        match self {
            ScanError::InvalidFormat => ReferenceError::InvalidFormat { input },
            ScanError::NameContainsUppercase => ReferenceError::NameContainsUppercase { input },
            ScanError::NameEmpty => ReferenceError::NameEmpty { input },
            ScanError::NameTooLong => ReferenceError::NameTooLong { input },
            ScanError::DigestInvalidFormat => ReferenceError::DigestInvalidFormat { input },
            ScanError::DigestUnsupported => ReferenceError::DigestUnsupported { input },
        }
    }
}

impl ErrorCode for ScanError {
    fn code(&self) -> &'static str {
        self.with_input("").code()
    }
}

impl fmt::Display for ScanError {
    /// The upstream text alone (no input to quote).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = self.with_input("").to_string();
        f.write_str(full.strip_suffix(": \"\"").unwrap_or(&full))
    }
}

impl std::error::Error for ScanError {}
