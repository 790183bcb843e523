//! The URLs a registry client decides about: absolute `http`/`https` URLs, their origins
//! (RFC 6454: scheme, host, port) and RFC 3986 §5 reference resolution, for `Link` targets,
//! `Location` headers and token realms.
//!
//! The parser is deliberately narrower than the WHATWG URL standard that `fetch` applies:
//! every URL this module accepts has one reading under both, so "same origin" here is the
//! origin `fetch` connects to. What the two standards read differently is refused rather than
//! guessed at:
//!
//! - `\` (WHATWG reads it as `/` in `http` URLs, so `http://evil\@registry/` is `evil`'s URL
//!   there but `registry`'s under RFC 3986), ASCII controls and spaces (WHATWG strips tabs and
//!   newlines anywhere);
//! - userinfo (`user@host`): never needed, and the classic way to disguise a host;
//! - `%` and non-ASCII in a host (WHATWG percent-decodes and IDNA-maps hosts);
//! - `http:host` without `//` (WHATWG reads it relative to an `http` base).
//!
//! Hosts compare after ASCII lower-casing, ports after dropping the scheme's default (80,
//! 443), as WHATWG serializes origins. Other equivalent spellings (`127.1`, `[0::1]`) compare
//! as different origins: the safe side, since that only ever withholds credentials.

use std::fmt;

/// An absolute `http` or `https` URL, checked as the module doc says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    origin: Origin,
    /// The path (at least `/`), then `?query` when present; the fragment is dropped since
    /// `fetch` never sends it.
    path_and_query: String,
}

/// An RFC 6454 origin of an `http`/`https` URL, in WHATWG's serialization (lowercase scheme
/// and host, no default port).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    https: bool,
    host: String,
    port: Option<u16>,
}

/// Why a URL was not accepted (the message of the caller's error says which URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    /// Not a URL this module reads (see the module doc).
    Malformed,
    /// A well-formed URL of another scheme (`ftp:`, `data:`); the scheme, lower-cased, is
    /// carried by [`scheme_of`].
    Scheme,
}

impl Origin {
    /// Parses an origin as `URL.origin` serializes it (`https://host[:port]`), or any absolute
    /// `http`/`https` URL (its origin is taken).
    pub fn parse(s: &str) -> Option<Origin> {
        HttpUrl::parse(s).ok().map(|url| url.origin)
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

impl HttpUrl {
    /// Parses an absolute `http`/`https` URL.
    pub(crate) fn parse(s: &str) -> Result<HttpUrl, UrlProblem> {
        check_characters(s)?;
        let Some(scheme_len) = scheme_length(s) else {
            return Err(UrlProblem::Malformed);
        };
        let https = match s[..scheme_len].to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(UrlProblem::Scheme),
        };
        let Some(rest) = s[scheme_len + 1..].strip_prefix("//") else {
            return Err(UrlProblem::Malformed);
        };
        let end = rest
            .bytes()
            .position(|c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (host, port) = split_authority(authority)?;
        let port = match port {
            Some(p) if p == if https { 443 } else { 80 } => None,
            other => other,
        };
        let tail = tail.split('#').next().unwrap_or("");
        let path_and_query = if tail.starts_with('/') {
            let (path, query) = split_query(tail);
            format!("{}{query}", remove_dot_segments(path))
        } else {
            format!("/{tail}") // "" or "?query": an empty path is "/" in http(s) URLs
        };
        Ok(HttpUrl {
            origin: Origin { https, host, port },
            path_and_query,
        })
    }

    /// RFC 3986 §5.2.2: `reference` (absolute, network-path, absolute-path, relative-path or
    /// query-only) resolved against this URL.
    pub(crate) fn join(&self, reference: &str) -> Result<HttpUrl, UrlProblem> {
        check_characters(reference)?;
        if scheme_length(reference).is_some() {
            return HttpUrl::parse(reference);
        }
        if reference.starts_with("//") {
            let scheme = if self.origin.https { "https:" } else { "http:" };
            return HttpUrl::parse(&format!("{scheme}{reference}"));
        }
        let reference = reference.split('#').next().unwrap_or("");
        let (path, query) = split_query(reference);
        let (base_path, base_query) = split_query(&self.path_and_query);
        let path_and_query = if path.is_empty() {
            let query = if query.is_empty() { base_query } else { query };
            format!("{base_path}{query}")
        } else if path.starts_with('/') {
            format!("{}{query}", remove_dot_segments(path))
        } else {
            // §5.2.3 merge: the base path up to its last "/", then the reference.
            let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
            format!("{}{query}", remove_dot_segments(&format!("{dir}{path}")))
        };
        Ok(HttpUrl {
            origin: self.origin.clone(),
            path_and_query,
        })
    }

    /// The URL's origin.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The path and query (`/v2/x/tags/list?n=10`).
    pub(crate) fn path_and_query(&self) -> &str {
        &self.path_and_query
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path_and_query)
    }
}

/// The lower-cased scheme of an absolute URL (`ftp`), for messages.
pub(crate) fn scheme_of(s: &str) -> Option<String> {
    scheme_length(s).map(|n| s[..n].to_ascii_lowercase())
}

/// RFC 3986 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` followed by `:`, before any
/// `/`, `?` or `#`: the length of the scheme, or `None` for a relative reference.
fn scheme_length(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let colon = b.iter().position(|&c| c == b':')?;
    (b.first()?.is_ascii_alphabetic()
        && b[..colon]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
    .then_some(colon)
}

/// Refuses what WHATWG and RFC 3986 read differently anywhere in a URL (module doc).
fn check_characters(s: &str) -> Result<(), UrlProblem> {
    // C0 controls, space, `\\` and DEL (every byte of a UTF-8 sequence is >= 0x80).
    if s.is_empty() || s.bytes().any(|c| c <= b' ' || c == b'\\' || c == 0x7f) {
        return Err(UrlProblem::Malformed);
    }
    Ok(())
}

/// `host[:port]` of an authority without userinfo: the lower-cased host and the port.
fn split_authority(authority: &str) -> Result<(String, Option<u16>), UrlProblem> {
    let (host, port) = if authority.starts_with('[') {
        // RFC 3986 IP-literal: "[" IPv6address "]" (IPvFuture is not a host fetch reaches).
        let close = authority.find(']').ok_or(UrlProblem::Malformed)?;
        let inside = &authority[1..close];
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return Err(UrlProblem::Malformed);
        }
        let after = &authority[close + 1..];
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UrlProblem::Malformed)?),
        };
        (&authority[..=close], port)
    } else {
        match authority.rfind(':') {
            Some(i) => (&authority[..i], Some(&authority[i + 1..])),
            None => (authority, None),
        }
    };
    // reg-name = *( unreserved / sub-delims ), without pct-encoded (module doc).
    let reg_name = |c: u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&c);
    if host.is_empty() || !(host.starts_with('[') || host.bytes().all(reg_name)) {
        return Err(UrlProblem::Malformed);
    }
    let port = match port {
        None | Some("") => None, // "host:" is the default port (RFC 3986 §6.2.3)
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| UrlProblem::Malformed)?)
        }
        Some(_) => return Err(UrlProblem::Malformed),
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// A path-and-query split before its `?` (the query keeps its `?`).
fn split_query(s: &str) -> (&str, &str) {
    s.split_at(s.find('?').unwrap_or(s.len()))
}

/// RFC 3986 §5.2.4 `remove_dot_segments` on an absolute path (the result starts with `/`).
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    out.pop();
                }
                // A trailing dot segment leaves a directory: "/a/b/.." is "/a/".
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}
