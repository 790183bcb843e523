//! The scanner behind every reference parser: no regex, no backtracking, no allocation (except
//! on one rare error path, see [`scan`]).
//!
//! Structure is found first (the first `@` starts the digest, a `:` after the last `/`
//! starts the tag, a name's first `/`-separated part is its domain when it is one) and each
//! part is then checked on its own, which is what `distribution/reference`'s anchored,
//! leftmost-first regular expression amounts to:
//!
//! - no production but `digest` contains `@`, and digests contain no `@`;
//! - `tag` and `path-component` contain neither `:` nor `/`, so a `:` after the last `/` can
//!   only start the tag, and with no `/` the name has no domain, hence no `:` at all;
//! - `domain` contains no `/`, so the domain is the name's first part, and the regex prefers it
//!   (its optional group is greedy) whenever the rest is a valid `path`.
//!
//! [`scan`] finds that structure and checks `path` and `tag` in one pass over the name and
//! tag (one table lookup per byte: a small automaton for `path`, class bits for the rest),
//! then checks the domain (when there is a `/`) and the digest in one pass each. Issue 4
//! (speed through the npm package) asked for the single pass; tests/reference_diff.rs holds
//! it to the several-pass scanner it replaced, kept there as an oracle. `WithName` and the
//! Docker Hub name rule use the same pass (one copy of the `name` grammar in the crate); only
//! `WithTag` and `WithDigest`, which check a tag or a digest on its own, have predicates here.

use super::fused::reference;

/// `RepositoryNameTotalLengthMax`: the longest `path` (v0.6.0 measures the path, not the
/// domain).
pub const REPOSITORY_NAME_TOTAL_LENGTH_MAX: usize = 255;

/// The longest tag (`[\w][\w.-]{0,127}`).
pub const TAG_LENGTH_MAX: usize = 128;

/// Byte offsets of the parts of a reference inside the string that was scanned.
///
/// Absent parts are empty ranges: `domain` is `0..domain_end` (`domain_end == 0` when there
/// is none), `path` is `path_start..name_end`, the name is `0..name_end`, the tag is
/// `tag_start..tag_end` and the digest is `digest_start..end` (`end` is the string's length).
/// A present part is never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spans {
    /// End of the domain (0 when the reference has no domain).
    pub domain_end: usize,
    /// Start of the path: `domain_end + 1`, or 0 without a domain.
    pub path_start: usize,
    /// End of the name (domain and path).
    pub name_end: usize,
    /// Start of the tag (after its `:`), or `name_end` when there is no tag.
    pub tag_start: usize,
    /// End of the tag, or `name_end` when there is no tag.
    pub tag_end: usize,
    /// Start of the digest (after its `@`), or `end` when there is no digest.
    pub digest_start: usize,
    /// The length of the scanned string.
    pub end: usize,
}

impl Spans {
    /// The domain in `s` (the string these spans came from), when there is one.
    pub fn domain<'a>(&self, s: &'a str) -> Option<&'a str> {
        non_empty(s.get(..self.domain_end))
    }

    /// The path in `s`.
    pub fn path<'a>(&self, s: &'a str) -> &'a str {
        s.get(self.path_start..self.name_end).unwrap_or_default()
    }

    /// The name (domain and path) in `s`.
    pub fn name<'a>(&self, s: &'a str) -> &'a str {
        s.get(..self.name_end).unwrap_or_default()
    }

    /// The tag in `s`, when there is one.
    pub fn tag<'a>(&self, s: &'a str) -> Option<&'a str> {
        non_empty(s.get(self.tag_start..self.tag_end))
    }

    /// The digest in `s`, when there is one.
    pub fn digest<'a>(&self, s: &'a str) -> Option<&'a str> {
        non_empty(s.get(self.digest_start..self.end))
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// Why [`scan`] rejected a string: the [`ReferenceError`](super::ReferenceError) kinds
/// `Parse` can return, without the input (so scanning never allocates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanError {
    /// `ErrReferenceInvalidFormat`.
    InvalidFormat,
    /// `ErrNameContainsUppercase`.
    NameContainsUppercase,
    /// `ErrNameEmpty`.
    NameEmpty,
    /// `ErrNameTooLong`.
    NameTooLong,
    /// go-digest's `ErrDigestInvalidFormat`.
    DigestInvalidFormat,
    /// go-digest's `ErrDigestUnsupported`.
    DigestUnsupported,
}

/// `Parse` (reference.go) as a validation pass: the offsets of the parts of `s`, or why it
/// is not a reference, in upstream's order (empty; grammar, retried lower-cased to report
/// uppercase; path length; digest algorithm and encoding).
///
/// Linear in `s.len()` and allocation-free, except when `s` fails and contains `İ` (U+0130)
/// or `K` (U+212A): Go's `strings.ToLower` maps those to ASCII, so the lower-cased retry
/// builds that string to be exact.
pub fn scan(s: &str) -> Result<Spans, ScanError> {
    scan_bytes(s.as_bytes())
}

/// [`scan`] of bytes that may not be UTF-8 (the JS bindings' input buffer): a reference is
/// ASCII, so bytes that are not UTF-8 are [`ScanError::InvalidFormat`].
pub(crate) fn scan_bytes(b: &[u8]) -> Result<Spans, ScanError> {
    if b.is_empty() {
        return Err(ScanError::NameEmpty);
    }
    scan_with(b, Domain::Allowed, 0)
}

/// Whether the scanned string may start with a domain.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// `name := [domain '/'] remote-name`.
    Allowed,
    /// The name is all `remote-name`.
    Absent,
}

/// What `Parse` of `"docker.io/" + prefix + s` says, scanning only `s` (`prefix` being a
/// valid path prefix such as `library/`, `prefix_len` its length): `docker.io` is always a
/// domain, and with a valid path after it the grammar's choice is that domain either way.
/// The spans are relative to `s`, all in the path.
pub(crate) fn scan_docker_hub_remainder(s: &str, prefix_len: usize) -> Result<Spans, ScanError> {
    scan_with(s.as_bytes(), Domain::Absent, prefix_len)
}

fn scan_with(b: &[u8], domain: Domain, path_prefix_len: usize) -> Result<Spans, ScanError> {
    if u32::try_from(b.len()).is_err() {
        // Offsets are u32 (for the JS bindings); no reference is 4 GiB long.
        return Err(ScanError::InvalidFormat);
    }
    let Some(found) = reference(b, domain) else {
        // Every byte is checked by an ASCII-only production, so non-ASCII input always
        // lands here; only then is the lower-cased retry worth its allocation.
        return Err(match std::str::from_utf8(b) {
            Ok(s) if !s.is_ascii() => lowercase_retry_non_ascii(s, domain),
            _ => ScanError::InvalidFormat,
        });
    };
    let spans = found.spans;
    if found.needs_lowercase {
        return Err(ScanError::NameContainsUppercase);
    }
    if path_prefix_len + spans.name_end - spans.path_start > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
        return Err(ScanError::NameTooLong);
    }
    found.digest?;
    Ok(spans)
}

/// The grammar only has ASCII, so non-ASCII input never matches as it is. Upstream then
/// retries `strings.ToLower(s)`, which is ASCII only when every non-ASCII character lowers
/// to ASCII: `İ` to `i` and `K` (Kelvin) to `k`.
fn lowercase_retry_non_ascii(s: &str, domain: Domain) -> ScanError {
    let mut lowered = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{130}' => lowered.push('i'),
            '\u{212a}' => lowered.push('k'),
            c if c.is_ascii() => lowered.push(c.to_ascii_lowercase()),
            _ => return ScanError::InvalidFormat,
        }
    }
    match reference(lowered.as_bytes(), domain) {
        Some(_) => ScanError::NameContainsUppercase,
        None => ScanError::InvalidFormat,
    }
}

/// `WithName` (reference.go): `name` alone, no lower-cased retry; `(domain_end, path_start)`.
/// The same single pass as [`scan`]: the whole string must be the name (no tag, no digest)
/// and match as it is.
pub(crate) fn scan_name(s: &str) -> Result<(usize, usize), ScanError> {
    if u32::try_from(s.len()).is_err() {
        return Err(ScanError::InvalidFormat);
    }
    match reference(s.as_bytes(), Domain::Allowed) {
        Some(found) if !found.needs_lowercase && found.spans.name_end == s.len() => {
            let spans = found.spans;
            if spans.name_end - spans.path_start > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
                Err(ScanError::NameTooLong)
            } else {
                Ok((spans.domain_end, spans.path_start))
            }
        }
        _ => Err(ScanError::InvalidFormat),
    }
}

/// `path-component := alpha-numeric [separator alpha-numeric]*`; `Some(has_uppercase)`:
/// the single pass with no domain, over a string with no `/`, that must be all name.
pub(crate) fn path_component(b: &[u8]) -> Option<bool> {
    if b.contains(&b'/') {
        return None;
    }
    reference(b, Domain::Absent)
        .filter(|found| found.spans.name_end == b.len())
        .map(|found| found.needs_lowercase)
}

/// `tag := /[\w][\w.-]{0,127}/`.
pub(crate) fn tag(b: &[u8]) -> bool {
    let word = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    match b.split_first() {
        Some((&first, rest)) => {
            word(first)
                && b.len() <= TAG_LENGTH_MAX
                && rest.iter().all(|&c| word(c) || c == b'.' || c == b'-')
        }
        None => false,
    }
}

/// `digest := digest-algorithm ":" digest-hex` as the reference grammar writes it (looser
/// than go-digest's, which then validates the digest): `digest-hex := /[0-9a-fA-F]{32,}/`.
pub(crate) fn digest(b: &[u8]) -> bool {
    match b.iter().position(|&c| c == b':') {
        Some(colon) => {
            let (algorithm, hex) = (b.get(..colon), b.get(colon + 1..));
            algorithm.is_some_and(digest_algorithm)
                && hex.is_some_and(|h| h.len() >= 32 && h.iter().all(u8::is_ascii_hexdigit))
        }
        None => false,
    }
}

/// `digest-algorithm := digest-algorithm-component [digest-algorithm-separator
/// digest-algorithm-component]*`, with `digest-algorithm-component := /[A-Za-z][A-Za-z0-9]*/`
/// and `digest-algorithm-separator := /[+.-_]/`.
fn digest_algorithm(b: &[u8]) -> bool {
    let mut expect_letter = true;
    for &c in b {
        if expect_letter {
            if !c.is_ascii_alphabetic() {
                return false;
            }
            expect_letter = false;
        } else if matches!(c, b'-' | b'_' | b'+' | b'.') {
            expect_letter = true;
        } else if !c.is_ascii_alphanumeric() {
            return false;
        }
    }
    !expect_letter
}

/// `identifier := /[a-f0-9]{64}/`: an image ID, a sha256 digest without its algorithm.
pub(crate) fn identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}
