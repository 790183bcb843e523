//! The scanner behind every reference parser: no regex, no backtracking, no allocation (except
//! on one rare error path, see [`scan`]).
//!
//! Each predicate checks one production of the grammar in the module doc and is named after
//! it. Structure is found first (the first `@` starts the digest, a `:` after the last `/`
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
//! it to the several-pass scanner it replaced, kept there as an oracle.

use super::fused::reference;

/// `RepositoryNameTotalLengthMax`: the longest `path` (v0.6.0 measures the path, not the
/// domain).
pub const REPOSITORY_NAME_TOTAL_LENGTH_MAX: usize = 255;

/// The longest tag (`[\w][\w.-]{0,127}`).
pub const TAG_LENGTH_MAX: usize = 128;

/// Byte classes for the scanner's inner loops, one table lookup per byte.
const ALNUM: u8 = 1;
const UPPER: u8 = 2;
const DOMAIN_CHAR: u8 = 8;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut class = 0;
        if b.is_ascii_alphanumeric() {
            class |= ALNUM | DOMAIN_CHAR;
        }
        if b.is_ascii_uppercase() {
            class |= UPPER;
        }
        if b == b'-' {
            class |= DOMAIN_CHAR;
        }
        table[c] = class;
        c += 1;
    }
    table
};

fn class(c: u8) -> u8 {
    CLASS[usize::from(c)]
}

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
pub(crate) fn scan_name(s: &str) -> Result<(usize, usize), ScanError> {
    if u32::try_from(s.len()).is_err() || !s.is_ascii() {
        return Err(ScanError::InvalidFormat);
    }
    let b = s.as_bytes();
    match name(b) {
        Some((domain_end, path_start, false)) => {
            if b.len() - path_start > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
                Err(ScanError::NameTooLong)
            } else {
                Ok((domain_end, path_start))
            }
        }
        _ => Err(ScanError::InvalidFormat),
    }
}

/// `name := [domain '/'] remote-name`: `(domain_end, path_start, path_has_uppercase)`.
fn name(b: &[u8]) -> Option<(usize, usize, bool)> {
    let first_slash = b.iter().position(|&c| c == b'/').unwrap_or(usize::MAX);
    name_split(b, first_slash)
}

/// [`name`] with the position of the first `/` known (`usize::MAX` for none).
fn name_split(b: &[u8], first_slash: usize) -> Option<(usize, usize, bool)> {
    if first_slash < b.len() {
        let (first, rest) = (b.get(..first_slash)?, b.get(first_slash + 1..)?);
        if domain(first) {
            if let Some(upper) = remote_name(rest) {
                return Some((first_slash, first_slash + 1, upper));
            }
        }
    }
    remote_name(b).map(|upper| (0, 0, upper))
}

/// `path (or "remote-name") := path-component ['/' path-component]*`, with
/// `path-component := alpha-numeric [separator alpha-numeric]*`; `Some(has_uppercase)` when
/// it matches with uppercase letters read as lowercase.
fn remote_name(b: &[u8]) -> Option<bool> {
    let mut upper = false;
    let mut i = 0;
    loop {
        // alpha-numeric := /[a-z0-9]+/ opens every component and follows every separator.
        let run_start = i;
        let mut seen = 0;
        while let Some(&c) = b.get(i) {
            let k = class(c);
            if k & ALNUM == 0 {
                break;
            }
            seen |= k;
            i += 1;
        }
        upper |= seen & UPPER != 0;
        if i == run_start {
            return None;
        }
        match b.get(i) {
            None => return Some(upper),
            Some(b'/') => i += 1,
            // separator := /[_.]|__|[-]+/
            Some(b'.') => i += 1,
            Some(b'_') => i += if b.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            Some(b'-') => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            Some(_) => return None,
        }
    }
}

/// `path-component := alpha-numeric [separator alpha-numeric]*`; `Some(has_uppercase)`.
pub(crate) fn path_component(b: &[u8]) -> Option<bool> {
    if b.contains(&b'/') {
        return None;
    }
    remote_name(b)
}

/// `domain := host [':' port-number]`, with `host := domain-name | '[' IPv6address ']'`.
pub(crate) fn domain(b: &[u8]) -> bool {
    if b.first() == Some(&b'[') {
        return match b.iter().position(|&c| c == b']') {
            Some(close) => {
                b.get(..=close).is_some_and(ipv6_host)
                    && b.get(close + 1..)
                        .is_some_and(|port| port.is_empty() || optional_port(port))
            }
            None => false,
        };
    }
    // domain-name := domain-component ['.' domain-component]*, then the optional port.
    let mut i = 0;
    loop {
        // domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
        if !b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            return false;
        }
        let mut last = b'a';
        while let Some(&c) = b.get(i) {
            if class(c) & DOMAIN_CHAR == 0 {
                break;
            }
            last = c;
            i += 1;
        }
        if last == b'-' {
            return false;
        }
        match b.get(i) {
            None => return true,
            Some(b'.') => i += 1,
            Some(b':') => return b.get(i..).is_some_and(optional_port),
            Some(_) => return false,
        }
    }
}

/// `':' port-number`, `port-number := /[0-9]+/` (any number of digits, as upstream).
fn optional_port(b: &[u8]) -> bool {
    match b.split_first() {
        Some((b':', digits)) => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `'[' IPv6address ']'` as upstream restricts it: `\[[a-fA-F0-9:]+\]` (no zone, no
/// embedded IPv4).
fn ipv6_host(b: &[u8]) -> bool {
    match b {
        [b'[', inner @ .., b']'] => {
            !inner.is_empty() && inner.iter().all(|&c| c == b':' || c.is_ascii_hexdigit())
        }
        _ => false,
    }
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
