//! `WWW-Authenticate` (RFC 9110 §11.6.1, formerly RFC 7235 §4.1):
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-scheme      = token
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! ```
//!
//! A comma separates both challenges and the parameters of one challenge. The grammar settles
//! which: after a comma, a `token` followed by `=` (with optional whitespace) continues the
//! current challenge's parameters; any other token starts a new challenge. After the scheme, a
//! run of token68 characters (and trailing `=`) that ends the element is a token68, otherwise
//! parameters follow. Empty list elements are ignored (RFC 9110 §5.6.1). Schemes and
//! parameter names are case-insensitive and returned lower-cased; a parameter may appear only
//! once per challenge (RFC 9110 §11.2); quoted values are unescaped. An obsolete line fold
//! (CRLF then SP/HTAB) counts as whitespace.
//!
//! distribution's parser (`registry/client/auth/challenge/authchallenge.go`) reads one
//! challenge per field line and stops silently at the first surprise; this one reads every
//! challenge and refuses what the grammar refuses.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::scope::{parse_scopes, Scope};
use crate::ratelimit::sf::is_tchar;
use crate::ratelimit::HeaderError;

const NAME: &str = "www-authenticate";

/// Longest value accepted; real challenges are a few hundred bytes.
const MAX_LEN: usize = 16 * 1024;

/// One authentication challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// The auth scheme, lower-cased (`bearer`, `basic`).
    pub scheme: String,
    /// Parameters in order, names lower-cased, values unescaped (a JSON object when
    /// serialized).
    #[serde(serialize_with = "params_as_object")]
    pub params: Vec<(String, String)>,
    /// The token68 form's value, when the challenge has one instead of parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token68: Option<String>,
}

fn params_as_object<S: Serializer>(params: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(params.len()))?;
    for (k, v) in params {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a `Bearer` challenge (distribution's token auth).
    pub fn is_bearer(&self) -> bool {
        self.scheme == "bearer"
    }

    /// The `realm` parameter: for Bearer, the token server's URL.
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// The `service` parameter: for Bearer, the audience to ask the token server for.
    pub fn service(&self) -> Option<&str> {
        self.param("service")
    }

    /// The raw `scope` parameter (space-separated scopes).
    pub fn scope(&self) -> Option<&str> {
        self.param("scope")
    }

    /// The `scope` parameter parsed (empty when absent).
    pub fn scopes(&self) -> Result<Vec<Scope>, HeaderError> {
        self.scope().map_or(Ok(Vec::new()), parse_scopes)
    }
}

/// The first Bearer challenge, if any.
pub fn bearer_challenge(challenges: &[Challenge]) -> Option<&Challenge> {
    challenges.iter().find(|c| c.is_bearer())
}

/// Parses a `WWW-Authenticate` field value into its challenges (API.md
/// `parseWwwAuthenticate`).
///
/// ```
/// use pullgate::auth::parse_www_authenticate;
/// let c = parse_www_authenticate(
///     r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
/// )
/// .unwrap();
/// assert_eq!(c[0].scheme, "bearer");
/// assert_eq!(c[0].realm(), Some("https://auth.docker.io/token"));
/// let two = parse_www_authenticate(r#"Basic realm="a", Bearer realm="b""#).unwrap();
/// assert_eq!(two.len(), 2);
/// ```
pub fn parse_www_authenticate(value: &str) -> Result<Vec<Challenge>, HeaderError> {
    if value.len() > MAX_LEN {
        return Err(HeaderError::header(NAME, value, "value too long"));
    }
    let err = |reason: &str| HeaderError::header(NAME, value, reason);
    let mut p = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    loop {
        p.skip_empty_elements();
        if p.at_end() {
            break;
        }
        let scheme = p.token();
        if scheme.is_empty() {
            return Err(err("expected an auth scheme"));
        }
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: Vec::new(),
            token68: None,
        };
        let spaced = p.skip_ows();
        if p.at_end() {
            out.push(challenge);
            break;
        }
        if p.peek() == Some(b',') {
            // `Basic , realm="x"`: after 1*SP, `#auth-param` may start with empty elements.
            let comma = p.i;
            if !(spaced && p.param_follows()) {
                p.i = comma;
                out.push(challenge);
                continue;
            }
        } else if !spaced {
            return Err(err("expected a space after the auth scheme"));
        } else if let Some(end) = p.token68_end() {
            challenge.token68 = Some(p.text(p.i, end));
            p.i = end;
            p.skip_ows();
            out.push(challenge);
            continue;
        }
        loop {
            let name = p.token();
            if name.is_empty() {
                return Err(err("expected a parameter name"));
            }
            p.skip_ows();
            if p.peek() != Some(b'=') {
                return Err(err("expected '=' after a parameter name"));
            }
            p.i += 1;
            p.skip_ows();
            let v = if p.peek() == Some(b'"') {
                p.quoted().map_err(err)?
            } else {
                let t = p.token();
                if t.is_empty() {
                    return Err(err("expected a parameter value"));
                }
                t
            };
            let name = name.to_ascii_lowercase();
            if challenge.params.iter().any(|(k, _)| *k == name) {
                return Err(HeaderError::header(
                    NAME,
                    value,
                    format!("duplicate parameter {name:?}"),
                ));
            }
            challenge.params.push((name, v));
            p.skip_ows();
            if p.at_end() {
                break;
            }
            if p.peek() != Some(b',') {
                return Err(err("expected a comma"));
            }
            // Another parameter of this challenge, or the next challenge?
            if !p.param_follows() {
                if !p.at_end() && p.s.get(p.i).is_some_and(|c| !is_tchar(*c)) {
                    return Err(err("expected a parameter or a challenge"));
                }
                break;
            }
        }
        out.push(challenge);
    }
    Ok(out)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.s
            .get(start..end)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// OWS, counting an obs-fold (CRLF followed by SP or HTAB) as whitespace.
    fn skip_ows(&mut self) -> bool {
        let start = self.i;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.i += 1,
                Some(b'\r')
                    if self.at(self.i + 1) == Some(b'\n')
                        && matches!(self.at(self.i + 2), Some(b' ' | b'\t')) =>
                {
                    self.i += 3
                }
                _ => break,
            }
        }
        self.i > start
    }

    /// Commas and whitespace of empty list elements.
    fn skip_empty_elements(&mut self) {
        loop {
            self.skip_ows();
            if self.peek() == Some(b',') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// Skips empty list elements; true (positioned on the name) if a `token BWS "="` follows,
    /// else positioned on whatever follows them.
    fn param_follows(&mut self) -> bool {
        self.skip_empty_elements();
        let start = self.i;
        if self.token().is_empty() {
            return false;
        }
        self.skip_ows();
        let is_param = self.peek() == Some(b'=');
        self.i = start;
        is_param
    }

    fn token(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        self.text(start, self.i)
    }

    /// If a token68 starts here and is all this list element holds, where it ends.
    fn token68_end(&self) -> Option<usize> {
        let mut j = self.i;
        while self.at(j).is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        }) {
            j += 1;
        }
        if j == self.i {
            return None;
        }
        while self.at(j) == Some(b'=') {
            j += 1;
        }
        let end = j;
        while matches!(self.at(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        match self.at(j) {
            None | Some(b',') => Some(end),
            _ => None,
        }
    }

    fn quoted(&mut self) -> Result<String, &'static str> {
        self.i += 1; // DQUOTE
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unterminated quoted string");
            };
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|_| "invalid utf-8"),
                b'\\' => match self.peek() {
                    Some(e) if e == b'\t' || e >= 0x20 && e != 0x7f => {
                        out.push(e);
                        self.i += 1;
                    }
                    Some(_) => return Err("invalid quoted-pair"),
                    None => return Err("unterminated quoted string"),
                },
                b'\t' => out.push(c),
                c if c < 0x20 || c == 0x7f => return Err("control character in quoted string"),
                c => out.push(c),
            }
        }
    }
}
