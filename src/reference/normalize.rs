//! `ParseNormalizedNamed`, `ParseNamed`, `ParseDockerRef`, `ParseAnyReference`,
//! `TagNameOnly` (normalize.go, reference.go) and the familiar form (helpers.go).

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::scan::{identifier, scan, scan_docker_hub_remainder, Spans};
use super::{
    Reference, ReferenceError, DEFAULT_DOMAIN, DEFAULT_TAG, LEGACY_DEFAULT_DOMAIN,
    OFFICIAL_REPO_PREFIX,
};
use crate::digest::Digest;

/// `splitDockerDomain`: `(domain, prefix, remainder)` where the canonical string is
/// `domain "/" prefix remainder`.
///
/// A first part is a domain when it is `localhost`, contains `.` or `:`, or has uppercase
/// letters (namespaces can't); `index.docker.io` becomes `docker.io`; anything else is a
/// Docker Hub path. On Docker Hub, a single-component path gets the `library/` prefix.
fn split_docker_domain(name: &str) -> (&str, &'static str, &str) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        // Familiar names such as "ubuntu" or "ubuntu:latest" (upstream's fast path; a bare
        // "localhost" or "example.com" is a name here too, as upstream's FIXME says).
        return (DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX, name);
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.bytes().any(|c| c == b'.' || c == b':')
        || changes_when_lowercased(maybe_domain)
    {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    let prefix = if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        OFFICIAL_REPO_PREFIX
    } else {
        ""
    };
    (domain, prefix, remote)
}

/// Go's `strings.ToLower(s) != s`: some character has a different lowercase form.
fn changes_when_lowercased(s: &str) -> bool {
    if s.is_ascii() {
        return s.bytes().any(|c| c.is_ascii_uppercase());
    }
    // No character lower-cases to itself followed by more (build.rs checks), so the first
    // character of its lower-case form tells.
    s.chars().any(|c| crate::lower::simple_lower(c) != c)
}

/// `ParseNormalizedNamed`: a reference as the Docker CLI reads it, in canonical form:
/// `ubuntu` is `docker.io/library/ubuntu`, `foo/bar` is `docker.io/foo/bar`,
/// `index.docker.io/x` is `docker.io/library/x`, `localhost/x` and `example.com:5000/x` keep
/// their domain. No tag is added (see [`parse_docker_ref`]).
///
/// Errors, in upstream's order: [`ReferenceError::NameIsImageId`] for a 64-hex string;
/// [`ReferenceError::NameContainsUppercase`] when the remote name (before any `:`) has
/// uppercase letters; then whatever [`parse`](super::parse) returns for the canonical string
/// (so `""` is [`ReferenceError::InvalidFormat`], and the 255-character limit applies to the
/// path with any `library/` prefix). Errors quote the input as given.
pub fn parse_normalized_named(s: &str) -> Result<Reference, ReferenceError> {
    normalized_parts(s).map(|(_, _, reference)| reference)
}

/// [`parse_normalized_named`] with how its string is made from the input (see
/// [`normalized_spans`]): `(head, cut, reference)`.
pub(crate) fn normalized_parts(
    s: &str,
) -> Result<(&'static str, usize, Reference), ReferenceError> {
    let (head, cut, spans) = normalized_spans(s, 0)?;
    let canonical = canonical_string(head, s.get(cut..).unwrap_or_default(), 0);
    Ok((head, cut, Reference::from_spans(canonical, spans)))
}

fn canonical_string(head: &str, tail: &str, spare: usize) -> String {
    let mut canonical = String::with_capacity(head.len() + tail.len() + spare);
    canonical.push_str(head);
    canonical.push_str(tail);
    canonical
}

/// The canonical string of `s` and its spans, with room for `spare` more bytes.
fn normalize(s: &str, spare: usize) -> Result<(String, Spans), ReferenceError> {
    let (head, cut, spans) = normalized_spans(s, spare)?;
    let canonical = canonical_string(head, s.get(cut..).unwrap_or_default(), spare);
    Ok((canonical, spans))
}

/// `"docker.io/"` and `"docker.io/library/"`: what normalizing puts before a Docker Hub path.
pub(crate) const HUB_HEADS: [&str; 2] = ["docker.io/", "docker.io/library/"];

/// `ParseNormalizedNamed` without building its string: the canonical string is
/// `head + &s[cut..]` (`head` is `""` or one of [`HUB_HEADS`]), and the spans are those of
/// that string, which must have room for `spare` more bytes. The JS bindings assemble the
/// string themselves from `head` and `cut`.
pub(crate) fn normalized_spans(
    s: &str,
    spare: usize,
) -> Result<(&'static str, usize, Spans), ReferenceError> {
    if identifier(s) {
        return Err(ReferenceError::NameIsImageId {
            input: s.to_owned(),
        });
    }
    let (domain, prefix, remainder) = split_docker_domain(s);
    let remote = match remainder.find(':') {
        Some(colon) => remainder.get(..colon).unwrap_or_default(),
        None => remainder,
    };
    if changes_when_lowercased(remote) {
        return Err(ReferenceError::NameContainsUppercase {
            input: s.to_owned(),
        });
    }
    // The domain is the input's own (the canonical string is the input), or Docker Hub's
    // before a suffix of the input.
    let (head, cut) = if domain != DEFAULT_DOMAIN {
        ("", 0)
    } else if prefix.is_empty() {
        (HUB_HEADS[0], s.len() - remainder.len())
    } else {
        (HUB_HEADS[1], s.len() - remainder.len())
    };
    if u32::try_from(head.len() + s.len() - cut + spare).is_err() {
        return Err(ReferenceError::InvalidFormat {
            input: s.to_owned(),
        });
    }
    if head.is_empty() {
        return Ok((head, cut, scan(s).map_err(|e| e.with_input(s))?));
    }
    // Only the remainder needs scanning (see scan_docker_hub_remainder).
    let shift = head.len();
    let spans = scan_docker_hub_remainder(remainder, prefix.len()).map_err(|e| e.with_input(s))?;
    let spans = Spans {
        domain_end: domain.len(),
        path_start: domain.len() + 1,
        name_end: spans.name_end + shift,
        tag_start: spans.tag_start + shift,
        tag_end: spans.tag_end + shift,
        digest_start: spans.digest_start + shift,
        end: spans.end + shift,
    };
    Ok((head, cut, spans))
}

/// `ParseNamed`: [`parse_normalized_named`], and the input must already be that canonical
/// form, else [`ReferenceError::NameNotCanonical`] (`docker.io/library/foo` passes, `foo`
/// and `docker.io/foo` do not).
pub fn parse_named(s: &str) -> Result<Reference, ReferenceError> {
    let named = parse_normalized_named(s)?;
    if named.as_str() != s {
        return Err(ReferenceError::NameNotCanonical {
            input: s.to_owned(),
        });
    }
    Ok(named)
}

/// `ParseDockerRef`: [`parse_normalized_named`], then `:latest` when there is neither tag
/// nor digest, and only the digest when there are both
/// (`busybox:latest@sha256:…` is `docker.io/library/busybox@sha256:…`).
pub fn parse_docker_ref(s: &str) -> Result<Reference, ReferenceError> {
    // Built in place: one allocation, as for parse_normalized_named.
    let (mut canonical, mut spans) = normalize(s, 1 + DEFAULT_TAG.len())?;
    let has_tag = spans.tag_end > spans.tag_start;
    let has_digest = spans.end > spans.digest_start;
    if has_tag && has_digest {
        // Keep only the digest: drop ":tag".
        let removed = spans.tag_end - spans.name_end;
        canonical.replace_range(spans.name_end..spans.tag_end, "");
        spans.tag_start = spans.name_end;
        spans.tag_end = spans.name_end;
        spans.digest_start -= removed;
        spans.end -= removed;
    } else if !has_tag && !has_digest {
        canonical.push(':');
        canonical.push_str(DEFAULT_TAG);
        spans.tag_start = spans.name_end + 1;
        spans.tag_end = canonical.len();
        spans.digest_start = canonical.len();
        spans.end = canonical.len();
    }
    Ok(Reference::from_spans(canonical, spans))
}

/// `TagNameOnly`: adds the `latest` tag to a reference with neither tag nor digest.
pub fn tag_name_only(reference: Reference) -> Reference {
    if !reference.is_name_only() {
        return reference;
    }
    Reference::assemble(
        reference.domain(),
        reference.path(),
        Some(DEFAULT_TAG),
        None,
    )
    .unwrap_or(reference)
}

/// `ParseAnyReference`: a 64-hex image ID is the digest `sha256:<id>`; a digest go-digest
/// accepts (`sha256:…`, `sha384:…`, `sha512:…` of the right length) is itself; anything
/// else goes through [`parse_normalized_named`] (so `sha256:abc` is the image
/// `docker.io/library/sha256` with tag `abc`, as upstream).
pub fn parse_any_reference(s: &str) -> Result<AnyReference, ReferenceError> {
    if identifier(s) {
        let mut digest = String::with_capacity(7 + s.len());
        digest.push_str("sha256:");
        digest.push_str(s);
        return Digest::parse(&digest)
            .map(AnyReference::Digest)
            .map_err(|_| ReferenceError::InvalidFormat {
                input: s.to_owned(),
            });
    }
    if let Ok(digest) = Digest::parse_verifiable(s) {
        return Ok(AnyReference::Digest(digest));
    }
    parse_normalized_named(s).map(AnyReference::Named)
}

/// `FamiliarName`: the name without `docker.io/` (and `library/` for official images).
pub fn familiar_name(reference: &Reference) -> &str {
    reference.familiar_name()
}

/// `FamiliarString`: the reference without `docker.io/` (and `library/` for official
/// images), tag and digest kept.
pub fn familiar_string(reference: &Reference) -> &str {
    reference.familiar_string()
}

/// What [`parse_any_reference`] returns: a named reference or a bare digest (upstream's
/// `digestReference`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AnyReference {
    /// A named reference, normalized.
    Named(Reference),
    /// A digest alone (from an image ID or a digest string).
    Digest(Digest),
}

impl AnyReference {
    /// The reference's string (upstream's `String()`).
    pub fn as_str(&self) -> &str {
        match self {
            AnyReference::Named(r) => r.as_str(),
            AnyReference::Digest(d) => d.as_str(),
        }
    }

    /// The named reference, unless this is a bare digest.
    pub fn named(&self) -> Option<&Reference> {
        match self {
            AnyReference::Named(r) => Some(r),
            AnyReference::Digest(_) => None,
        }
    }

    /// The digest string: the bare digest, or the named reference's digest.
    pub fn digest(&self) -> Option<&str> {
        match self {
            AnyReference::Named(r) => r.digest(),
            AnyReference::Digest(d) => Some(d.as_str()),
        }
    }

    /// `FamiliarString`: a bare digest is its own familiar form.
    pub fn familiar_string(&self) -> &str {
        match self {
            AnyReference::Named(r) => r.familiar_string(),
            AnyReference::Digest(d) => d.as_str(),
        }
    }
}

impl fmt::Display for AnyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AnyReference {
    /// A named reference as [`NormalizedReference`]; a bare digest as
    /// `{ digest, string, familiar }` (all three the digest string).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AnyReference::Named(r) => r.normalized().serialize(serializer),
            AnyReference::Digest(d) => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("digest", d.as_str())?;
                map.serialize_entry("string", d.as_str())?;
                map.serialize_entry("familiar", d.as_str())?;
                map.end()
            }
        }
    }
}

/// A reference seen as API.md's `normalizeReference` result: the `parseReference` object
/// plus `familiar` ([`familiar_string`]) and `familiarName` ([`familiar_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizedReference<'a> {
    reference: &'a Reference,
}

impl<'a> NormalizedReference<'a> {
    pub(crate) fn new(reference: &'a Reference) -> Self {
        NormalizedReference { reference }
    }

    /// The reference.
    pub fn reference(&self) -> &'a Reference {
        self.reference
    }

    /// `FamiliarString`.
    pub fn familiar(&self) -> &'a str {
        self.reference.familiar_string()
    }

    /// `FamiliarName`.
    pub fn familiar_name(&self) -> &'a str {
        self.reference.familiar_name()
    }
}

impl Serialize for NormalizedReference<'_> {
    /// `{ name, domain?, path, tag?, digest?, string, familiar, familiarName }`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.reference.serialize_fields(&mut map)?;
        map.serialize_entry("familiar", self.familiar())?;
        map.serialize_entry("familiarName", self.familiar_name())?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_heads_are_the_default_domain_and_prefix() {
        assert_eq!(HUB_HEADS[0], format!("{DEFAULT_DOMAIN}/"));
        assert_eq!(
            HUB_HEADS[1],
            format!("{DEFAULT_DOMAIN}/{OFFICIAL_REPO_PREFIX}")
        );
    }
}
