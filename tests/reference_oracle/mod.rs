//! The reference scanner as it was before the fused single-pass rewrite (src/reference/scan.rs
//! at c510a55), kept verbatim as a test oracle: the differential tests (tests/reference_diff.rs)
//! and the `reference_scan_diff` fuzz target check that the new scanner returns exactly the same
//! spans and errors. Only the imports changed (the crate's public `Spans` and `ScanError`; the
//! digest classification and `splitDockerDomain` copied from src/digest.rs and normalize.rs).
#![allow(dead_code)]

use pullgate::reference::{ScanError, Spans};

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

/// `Parse` (reference.go) as a validation pass: the offsets of the parts of `s`, or why it
/// is not a reference, in upstream's order (empty; grammar, retried lower-cased to report
/// uppercase; path length; digest algorithm and encoding).
///
/// Linear in `s.len()` and allocation-free, except when `s` fails and contains `İ` (U+0130)
/// or `K` (U+212A): Go's `strings.ToLower` maps those to ASCII, so the lower-cased retry
/// builds that string to be exact.
pub fn scan(s: &str) -> Result<Spans, ScanError> {
    if s.is_empty() {
        return Err(ScanError::NameEmpty);
    }
    scan_with(s, Domain::Allowed, 0)
}

/// Whether the scanned string may start with a domain.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Domain {
    /// `name := [domain '/'] remote-name`.
    Allowed,
    /// The name is all `remote-name`.
    Absent,
}

/// What `Parse` of `"docker.io/" + prefix + s` says, scanning only `s` (`prefix` being a
/// valid path prefix such as `library/`, `prefix_len` its length): `docker.io` is always a
/// domain, and with a valid path after it the grammar's choice is that domain either way.
/// The spans are relative to `s`, all in the path.
pub fn scan_docker_hub_remainder(s: &str, prefix_len: usize) -> Result<Spans, ScanError> {
    scan_with(s, Domain::Absent, prefix_len)
}

fn scan_with(s: &str, domain: Domain, path_prefix_len: usize) -> Result<Spans, ScanError> {
    if u32::try_from(s.len()).is_err() {
        // Offsets are u32 (for the JS bindings); no reference is 4 GiB long.
        return Err(ScanError::InvalidFormat);
    }
    if !s.is_ascii() {
        return Err(lowercase_retry_non_ascii(s, domain));
    }
    let (spans, needs_lowercase) = reference(s, domain).ok_or(ScanError::InvalidFormat)?;
    if needs_lowercase {
        return Err(ScanError::NameContainsUppercase);
    }
    if path_prefix_len + spans.name_end - spans.path_start > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
        return Err(ScanError::NameTooLong);
    }
    if let Some(digest) = spans.digest(s) {
        classify_verifiable(digest).map_err(|rejection| match rejection {
            Rejection::Format => ScanError::DigestInvalidFormat,
            Rejection::Unsupported => ScanError::DigestUnsupported,
        })?;
    }
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
    match reference(&lowered, domain) {
        Some(_) => ScanError::NameContainsUppercase,
        None => ScanError::InvalidFormat,
    }
}

/// `WithName` (reference.go): `name` alone, no lower-cased retry; `(domain_end, path_start)`.
pub fn scan_name(s: &str) -> Result<(usize, usize), ScanError> {
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

/// `reference := name [ ":" tag ] [ "@" digest ]`, matched case-insensitively in `path`.
///
/// Returns the spans and whether a `path-component` held an uppercase letter: then only the
/// lower-cased string matches, which upstream reports as `ErrNameContainsUppercase`. (Every
/// other production accepts both cases and lower-casing keeps lengths, so this is exactly
/// "the lower-cased input matches".)
fn reference(s: &str, domain: Domain) -> Option<(Spans, bool)> {
    let b = s.as_bytes();
    let end = b.len();
    // The first '@' starts the digest.
    let at = b.iter().position(|&c| c == b'@').unwrap_or(end);
    let digest_start = if at < end {
        if !digest(b.get(at + 1..)?) {
            return None;
        }
        at + 1
    } else {
        end
    };
    // A ':' after the last '/' starts the tag: look back from the '@' for whichever of the
    // two comes last (only the tag's length away when there is one).
    let name_tag = b.get(..at)?;
    let (name_end, tag_start) = match name_tag.iter().rposition(|&c| c == b':' || c == b'/') {
        Some(colon) if name_tag.get(colon) == Some(&b':') => {
            if !tag(name_tag.get(colon + 1..)?) {
                return None;
            }
            (colon, colon + 1)
        }
        _ => (at, at),
    };
    let name = b.get(..name_end)?;
    let (domain_end, path_start, needs_lowercase) = match domain {
        Domain::Allowed => {
            let first_slash = name.iter().position(|&c| c == b'/').unwrap_or(usize::MAX);
            name_split(name, first_slash)?
        }
        Domain::Absent => (0, 0, remote_name(name)?),
    };
    let spans = Spans {
        domain_end,
        path_start,
        name_end,
        tag_start,
        tag_end: at,
        digest_start,
        end,
    };
    Some((spans, needs_lowercase))
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
pub fn path_component(b: &[u8]) -> Option<bool> {
    if b.contains(&b'/') {
        return None;
    }
    remote_name(b)
}

/// `domain := host [':' port-number]`, with `host := domain-name | '[' IPv6address ']'`.
pub fn domain(b: &[u8]) -> bool {
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
pub fn tag(b: &[u8]) -> bool {
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
pub fn digest(b: &[u8]) -> bool {
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
pub fn identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

// ---- from src/digest.rs (c510a55) ----------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    Format,
    Unsupported,
}

fn classify_verifiable(s: &str) -> Result<usize, Rejection> {
    let Some((algorithm, encoded)) = s.split_once(':') else {
        return Err(Rejection::Format);
    };
    if algorithm.is_empty() || encoded.is_empty() {
        return Err(Rejection::Format);
    }
    let encoded_len = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    match encoded_len {
        Some(len) if is_lower_hex(encoded, len) => Ok(len),
        Some(_) => Err(Rejection::Format),
        None if is_algorithm(algorithm) && is_encoded(encoded) => Err(Rejection::Unsupported),
        None => Err(Rejection::Format),
    }
}

fn is_algorithm(s: &str) -> bool {
    let mut previous_was_component = false;
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => previous_was_component = true,
            b'+' | b'.' | b'_' | b'-' if previous_was_component => previous_was_component = false,
            _ => return false,
        }
    }
    previous_was_component
}

fn is_encoded(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

// ---- from src/reference/normalize.rs (c510a55): the spans `normalize` computes -------------

/// `(canonical, spans)` of `ParseNormalizedNamed`, or its error kind; `None` for an image ID.
pub fn normalize_spans(s: &str) -> Option<(String, Result<Spans, ScanError>)> {
    if identifier(s) {
        return None;
    }
    let (domain, prefix, remainder) = split_docker_domain(s);
    let remote = remainder.split(':').next().unwrap_or_default();
    if remote.to_lowercase() != remote {
        return Some((String::new(), Err(ScanError::NameContainsUppercase)));
    }
    let mut canonical = String::new();
    canonical.push_str(domain);
    canonical.push('/');
    canonical.push_str(prefix);
    canonical.push_str(remainder);
    let spans = if domain == "docker.io" {
        let shift = domain.len() + 1 + prefix.len();
        scan_docker_hub_remainder(remainder, prefix.len()).map(|spans| Spans {
            domain_end: domain.len(),
            path_start: domain.len() + 1,
            name_end: spans.name_end + shift,
            tag_start: spans.tag_start + shift,
            tag_end: spans.tag_end + shift,
            digest_start: spans.digest_start + shift,
            end: spans.end + shift,
        })
    } else {
        scan(&canonical)
    };
    Some((canonical, spans))
}

fn split_docker_domain(name: &str) -> (&str, &'static str, &str) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return ("docker.io", "library/", name);
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == "index.docker.io" {
        ("docker.io", maybe_remote)
    } else if maybe_domain.bytes().any(|c| c == b'.' || c == b':')
        || maybe_domain.to_lowercase() != maybe_domain
    {
        (maybe_domain, maybe_remote)
    } else {
        ("docker.io", name)
    };
    let prefix = if domain == "docker.io" && !remote.contains('/') {
        "library/"
    } else {
        ""
    };
    (domain, prefix, remote)
}
