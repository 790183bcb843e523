//! `Parse`, `WithName`, `WithTag`, `WithDigest` and `TrimNamed` (reference.go).

use super::scan::{self, scan, scan_name};
use super::{Reference, ReferenceError};

/// `Parse`: a reference exactly as written, without normalization (`ubuntu` stays `ubuntu`,
/// `foo/bar` has domain `foo`).
///
/// Errors, most specific first, as upstream: [`ReferenceError::NameEmpty`] for `""`;
/// [`ReferenceError::NameContainsUppercase`] when only the lower-cased input matches the
/// grammar, else [`ReferenceError::InvalidFormat`]; [`ReferenceError::NameTooLong`] for a
/// path over 255 characters; [`ReferenceError::DigestInvalidFormat`] or
/// [`ReferenceError::DigestUnsupported`] from go-digest's checks.
///
/// Allocates only the result's string; [`scan`](super::scan) is the same check without it.
pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
    let spans = scan(s).map_err(|e| e.with_input(s))?;
    Ok(Reference::from_spans(s.to_owned(), spans))
}

/// A repository name as a registry API path carries it (`/v2/<name>/manifests/...` behind a
/// gateway that fronts one registry): what [`parse`] accepts as a bare name, with no tag, no
/// digest and no `:` at all (a domain with a port names another registry). Errors are
/// [`parse`]'s (so `Demo` is [`ReferenceError::NameContainsUppercase`]), and
/// [`ReferenceError::InvalidFormat`] for a tag, a digest or a port.
///
/// ```
/// use pullgate::reference::check_repository_path;
/// assert!(check_repository_path("library/alpine").is_ok());
/// assert!(check_repository_path("alpine:3").is_err());
/// assert!(check_repository_path("localhost:5000/alpine").is_err());
/// ```
pub fn check_repository_path(s: &str) -> Result<(), ReferenceError> {
    let spans = scan(s).map_err(|e| e.with_input(s))?;
    if spans.name_end != s.len() || s.contains(':') {
        return Err(ReferenceError::InvalidFormat {
            input: s.to_owned(),
        });
    }
    Ok(())
}

/// `WithName`: a name alone (`[domain "/"] path`, no tag or digest, no lower-cased retry).
/// [`ReferenceError::InvalidFormat`] when it is not one, [`ReferenceError::NameTooLong`]
/// for a path over 255 characters.
pub fn with_name(name: &str) -> Result<Reference, ReferenceError> {
    let (domain_end, path_start) = scan_name(name).map_err(|e| e.with_input(name))?;
    let spans = scan::Spans {
        domain_end,
        path_start,
        name_end: name.len(),
        tag_start: name.len(),
        tag_end: name.len(),
        digest_start: name.len(),
        end: name.len(),
    };
    Ok(Reference::from_spans(name.to_owned(), spans))
}

fn too_long(input: &str) -> ReferenceError {
    ReferenceError::InvalidFormat {
        input: input.to_owned(),
    }
}

/// `WithTag`: `name` with `tag` (any tag it had replaced; a digest it had is kept, as
/// upstream keeps a `Canonical`'s digest). [`ReferenceError::TagInvalidFormat`] when `tag`
/// is not `[\w][\w.-]{0,127}`.
pub fn with_tag(name: &Reference, tag: &str) -> Result<Reference, ReferenceError> {
    if !scan::tag(tag.as_bytes()) {
        return Err(ReferenceError::TagInvalidFormat {
            input: tag.to_owned(),
        });
    }
    Reference::assemble(name.domain(), name.path(), Some(tag), name.digest())
        .ok_or_else(|| too_long(tag))
}

/// `WithDigest`: `name` with `digest` (any digest it had replaced; a tag it had is kept).
/// The digest is checked against the reference grammar's `digest` production only, as
/// upstream does (`sha256:` and at least 32 hex digits pass);
/// [`ReferenceError::DigestInvalidFormat`] otherwise.
pub fn with_digest(name: &Reference, digest: &str) -> Result<Reference, ReferenceError> {
    if !scan::digest(digest.as_bytes()) {
        return Err(ReferenceError::DigestInvalidFormat {
            input: digest.to_owned(),
        });
    }
    Reference::assemble(name.domain(), name.path(), name.tag(), Some(digest))
        .ok_or_else(|| too_long(digest))
}

/// `TrimNamed`: the name alone, without tag or digest.
pub fn trim_named(reference: &Reference) -> Reference {
    let spans = reference.spans();
    let name = reference.name();
    let trimmed = scan::Spans {
        name_end: name.len(),
        tag_start: name.len(),
        tag_end: name.len(),
        digest_start: name.len(),
        end: name.len(),
        ..spans
    };
    Reference::from_spans(name.to_owned(), trimmed)
}
