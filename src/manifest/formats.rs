//! String formats that image-spec's JSON schema checks: `uri` (descriptor `urls`), the
//! base64 pattern of descriptor `data`, `date-time` (config `created`), and the `Env`
//! entry pattern. Hand-written, linear, no regex (see COMMON rules).

/// A URI as the schema's `"format": "uri"` accepts it (image-spec validates with
/// `santhosh-tekuri/jsonschema`, which requires Go's `url.Parse` to succeed and the result
/// to be absolute): an RFC 3986 scheme followed by `:`, no control characters, no spaces
/// or backslashes, and every `%` followed by two hex digits. Non-ASCII characters are
/// allowed (Go's parser accepts them).
///
/// Stricter than Go in one place: a space anywhere is refused (Go only refuses it in the
/// host); RFC 3986 never allows a raw space.
pub(crate) fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, _rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.bytes().enumerate().all(|(i, b)| {
        if i == 0 {
            b.is_ascii_alphabetic()
        } else {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
        }
    });
    if scheme.is_empty() || !scheme_ok {
        return false;
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x20 || b == 0x7f || b == b' ' || b == b'\\' {
            return false;
        }
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    true
}

/// The base64 pattern of image-spec's `data` field (`defs-descriptor.json`):
/// `^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`, i.e. standard
/// alphabet, padded to a multiple of four.
pub(crate) fn is_padded_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() % 4 != 0 {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return false;
    }
    let body = bytes.get(..bytes.len() - padding).unwrap_or(&[]);
    body.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// An RFC 3339 `date-time` (the schema's `"format": "date-time"`), `t` and `z` accepted in
/// lower case as RFC 3339 section 5.6 allows: see [`crate::rfc3339::is_date_time`].
pub(crate) fn is_date_time(s: &str) -> bool {
    crate::rfc3339::is_date_time(s, crate::rfc3339::Letters::AnyCase)
}

/// An `Env` entry as image-spec's config schema requires it: `^[^=]+=.*$`, a non-empty
/// name, `=`, then anything (the value may be empty and may contain `=`).
///
/// The pattern is applied as the schema validator applies it (Go's regexp without the `s`
/// flag): `[^=]` matches a newline but `.` doesn't, so a value spanning lines is refused.
pub(crate) fn is_env_entry(s: &str) -> bool {
    match s.split_once('=') {
        Some((name, value)) => !name.is_empty() && !value.contains('\n'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert!(is_absolute_uri("https://example.com/foo"));
        assert!(is_absolute_uri(
            "https://mcr.microsoft.com/v2/x/blobs/sha256:ab%20cd"
        ));
        assert!(is_absolute_uri("urn:isbn:0451450523"));
        assert!(!is_absolute_uri("value"));
        assert!(!is_absolute_uri("://foo"));
        assert!(!is_absolute_uri("1http://foo"));
        assert!(!is_absolute_uri("http://a b"));
        assert!(!is_absolute_uri("http://a/%zz"));
        assert!(!is_absolute_uri("http://a/%4"));
        assert!(!is_absolute_uri("http://a\\b"));
    }

    #[test]
    fn base64() {
        assert!(is_padded_base64(""));
        assert!(is_padded_base64(
            "aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg=="
        ));
        assert!(!is_padded_base64(
            "aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg"
        ));
        assert!(is_padded_base64("abc="));
        assert!(!is_padded_base64("a==="));
        assert!(!is_padded_base64("ab=c"));
        assert!(!is_padded_base64("ab-_"));
    }

    #[test]
    fn date_times() {
        assert!(is_date_time("2015-10-31T22:22:56.015925234Z"));
        assert!(is_date_time("0001-01-01T00:00:00Z"));
        assert!(is_date_time("2024-02-29T23:59:59+05:30"));
        assert!(is_date_time("2024-02-29t23:59:59z"));
        assert!(!is_date_time("2023-02-29T00:00:00Z"));
        assert!(!is_date_time("2015-10-31 22:22:56Z"));
        assert!(!is_date_time("2015-10-31T22:22:56"));
        assert!(!is_date_time("2015-10-31T22:22:56.Z"));
        assert!(!is_date_time("2015-10-31T24:00:00Z"));
        assert!(!is_date_time("2015-10-31T22:22:60Z"));
        assert!(!is_date_time("2015-10-31T22:22:56+0530"));
        assert!(!is_date_time("2015-10-31T22:22:56Zjunk"));
        assert!(!is_date_time(""));
    }

    #[test]
    fn env() {
        assert!(is_env_entry("PATH=/usr/bin"));
        assert!(is_env_entry("EMPTY="));
        assert!(is_env_entry("A=b=c"));
        assert!(!is_env_entry("foo"));
        assert!(!is_env_entry("=value"));
    }
}
