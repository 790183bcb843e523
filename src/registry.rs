//! The rules of a registry client (API.md "Registry client"), without the I/O.
//!
//! The npm package's `RegistryClient` is a `fetch` loop in JavaScript (`js/registry.js`); every
//! decision it makes about what to send where is taken here, where it is tested natively:
//!
//! - **Credentials stay with the registry.** A [`Session`] answers with the `Authorization` to
//!   send for a scope, and [`Session::credentials_for`] withholds it from any URL on another
//!   origin, redirects included (a blob redirected to a CDN or S3 goes there without it, as
//!   the Fetch standard's own redirect handling does). The one exception is the token realm
//!   of a Bearer challenge, which receives Basic credentials by design (distribution's token
//!   spec), and only when it is `https` or the registry's own origin ([`realm_allowed`]): an
//!   `http` realm elsewhere would carry the password in the clear to a host the registry
//!   named.
//! - **The token dance** (distribution's `docs/spec/auth/token.md`): the first Bearer
//!   challenge's realm, with its `service` and the challenge's `scope` (else the request's) as
//!   query parameters ([`Session::unauthorized`]); the answer is cached per scope until its
//!   expiry ([`TokenCache`]). A Basic challenge is answered once with the client's
//!   credentials.
//! - **Pagination stays on the registry** ([`next_page`]): a `Link` whose target is on another
//!   origin is refused, not followed, since the next request would carry the credentials.
//! - **Redirects** go to `http`/`https` only ([`redirect_target`]).
//! - **The scope of a request** is read from its path ([`scope_for_path`]), for a client (the
//!   gateway) that forwards paths rather than naming repositories.
//! - **Content is what was asked for** ([`check_manifest`], [`head_digest`]): the bytes hash to
//!   the requested digest and to `Docker-Content-Digest`.
//!
//! URLs are read by a parser narrower than WHATWG's, so that whatever it calls "the registry's
//! origin" is the origin `fetch` connects to: what the WHATWG URL standard and RFC 3986 read
//! differently (`\`, userinfo, percent-encoded or non-ASCII hosts, controls, `http:host`) is
//! refused, never guessed at.

mod link;
mod token;
mod url;

use std::fmt;

use crate::auth::{
    bearer_challenge, parse_scope, parse_scopes, parse_www_authenticate, HeaderError,
};
use crate::digest::{self, Digest, DigestError};
use crate::ErrorCode;

pub use token::{unix_millis, TokenCache, EXPIRY_MARGIN_MS, MAX_CACHED_TOKENS};
pub use url::Origin;

use url::{scheme_of, HttpUrl, UrlProblem};

/// Errors of the client's rules. Codes: `REGISTRY_ERROR` for what the registry (or a server it
/// names) did wrong, `INVALID_ARGUMENT` for a bad registry URL, the digest and header codes
/// for content and headers that fail their checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registry URL given to the client is not an `http`/`https` origin this module reads.
    InvalidOrigin {
        /// The URL as given.
        input: String,
    },
    /// A `Link` header that does not follow RFC 8288.
    InvalidLink {
        /// The header value.
        value: String,
    },
    /// A `Link` or `Location` target that is not a URL this client follows.
    InvalidUrl {
        /// Which header it came from (`link`, `location`).
        header: &'static str,
        /// The target as given.
        url: String,
    },
    /// `Link` pagination pointing at another origin.
    OffOriginLink {
        /// The origin it pointed at.
        origin: String,
    },
    /// A redirect to a scheme other than `http`/`https`.
    RedirectScheme {
        /// The scheme, lower-cased, without `:`.
        scheme: String,
    },
    /// A 401 without `WWW-Authenticate`.
    NoChallenge {
        /// The registry's origin.
        origin: String,
    },
    /// A Bearer challenge whose realm is missing or not an `http`/`https` URL.
    InvalidRealm {
        /// The realm as given (`None` when missing).
        realm: Option<String>,
    },
    /// A Bearer realm neither `https` nor on the registry's origin.
    RealmRefused {
        /// The realm's origin.
        origin: String,
    },
    /// A 401 the client can't answer (no Bearer challenge; Basic already tried or no
    /// credentials).
    Unauthorized {
        /// The registry's origin.
        origin: String,
        /// Whether the client has credentials.
        credentials: bool,
    },
    /// A `HEAD` of a manifest answered without `Docker-Content-Digest`.
    NoContentDigest {
        /// The reference asked for.
        reference: String,
        /// The status of the response.
        status: u16,
    },
    /// A malformed `WWW-Authenticate`, scope or token response (code `HEADER_INVALID`).
    Header(HeaderError),
    /// Content or a digest header that fails its check (the digest codes).
    Digest(DigestError),
}

impl RegistryError {
    /// The HTTP status the error stands for, when it answers one (401 for the token dance).
    pub fn status(&self) -> Option<u16> {
        match self {
            RegistryError::NoChallenge { .. }
            | RegistryError::InvalidRealm { .. }
            | RegistryError::RealmRefused { .. }
            | RegistryError::Unauthorized { .. } => Some(401),
            RegistryError::NoContentDigest { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the error is the registry's refusal itself: a 401 with no challenge, or one the
    /// client has nothing (more) to answer with. A proxy passes that 401 on as the registry's
    /// answer; every other error of [`Session::unauthorized`] is a challenge the client must not
    /// or cannot follow.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            RegistryError::NoChallenge { .. } | RegistryError::Unauthorized { .. }
        )
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::InvalidOrigin { input } => {
                write!(f, "baseUrl must be an http(s) URL, got {input:?}")
            }
            RegistryError::InvalidLink { value } => write!(f, "malformed Link header: {value:?}"),
            RegistryError::InvalidUrl { header, url } => {
                write!(
                    f,
                    "refusing {header} target {url:?}: not a URL this client follows"
                )
            }
            RegistryError::OffOriginLink { origin } => {
                write!(f, "refusing Link pagination to another origin: {origin}")
            }
            RegistryError::RedirectScheme { scheme } => write!(f, "refusing redirect to {scheme}:"),
            RegistryError::NoChallenge { origin } => {
                write!(f, "401 without WWW-Authenticate from {origin}")
            }
            RegistryError::InvalidRealm { realm: Some(realm) } => {
                write!(f, "token realm is not a URL: {realm:?}")
            }
            RegistryError::InvalidRealm { realm: None } => {
                write!(f, "bearer challenge without a realm")
            }
            RegistryError::RealmRefused { origin } => write!(
                f,
                "refusing token realm {origin}: not https and not the registry's origin"
            ),
            RegistryError::Unauthorized {
                origin,
                credentials,
            } => write!(
                f,
                "unauthorized at {origin}{}",
                if *credentials {
                    ""
                } else {
                    " (no credentials)"
                }
            ),
            RegistryError::NoContentDigest { reference, .. } => {
                write!(f, "no Docker-Content-Digest for {reference}")
            }
            RegistryError::Header(e) => e.fmt(f),
            RegistryError::Digest(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RegistryError {}

impl ErrorCode for RegistryError {
    fn code(&self) -> &'static str {
        match self {
            RegistryError::InvalidOrigin { .. } => "INVALID_ARGUMENT",
            RegistryError::Header(e) => e.code(),
            RegistryError::Digest(e) => e.code(),
            _ => "REGISTRY_ERROR",
        }
    }
}

impl From<HeaderError> for RegistryError {
    fn from(e: HeaderError) -> Self {
        RegistryError::Header(e)
    }
}

impl From<DigestError> for RegistryError {
    fn from(e: DigestError) -> Self {
        RegistryError::Digest(e)
    }
}

/// The next page's URL from a response's `Link` header (RFC 8288 `rel="next"`), resolved
/// against the URL of the request; `None` on the last page.
///
/// Errors: [`RegistryError::OffOriginLink`] when it points at an origin other than
/// `registry`'s (the next request would carry credentials there),
/// [`RegistryError::InvalidLink`] / [`RegistryError::InvalidUrl`] for a malformed header or
/// target.
///
/// ```
/// use pullgate::registry::{next_page, Origin};
/// let registry = Origin::parse("http://127.0.0.1:5000").unwrap();
/// let next = next_page(
///     Some(r#"</v2/demo/tags/list?last=b&n=2>; rel="next""#),
///     "http://127.0.0.1:5000/v2/demo/tags/list?n=2",
///     &registry,
/// );
/// assert_eq!(next.unwrap().as_deref(), Some("http://127.0.0.1:5000/v2/demo/tags/list?last=b&n=2"));
/// assert!(next_page(Some("<https://elsewhere.example/v2/x>; rel=next"), "http://127.0.0.1:5000/v2/", &registry).is_err());
/// ```
pub fn next_page(
    link: Option<&str>,
    request_url: &str,
    registry: &Origin,
) -> Result<Option<String>, RegistryError> {
    let Some(value) = link else {
        return Ok(None);
    };
    let invalid_link = || RegistryError::InvalidLink {
        value: value.to_owned(),
    };
    let Some(target) = link::next_target(value).map_err(|()| invalid_link())? else {
        return Ok(None);
    };
    let base = HttpUrl::parse(request_url).map_err(|_| RegistryError::InvalidUrl {
        header: "request",
        url: request_url.to_owned(),
    })?;
    let next = base.join(target).map_err(|_| RegistryError::InvalidUrl {
        header: "link",
        url: target.to_owned(),
    })?;
    if next.origin() != registry {
        return Err(RegistryError::OffOriginLink {
            origin: next.origin().to_string(),
        });
    }
    Ok(Some(next.to_string()))
}

/// The endpoints of distribution's API that name a repository, after `/v2/<name>/`.
const REPOSITORY_ENDPOINTS: [&str; 4] = ["manifests", "blobs", "tags", "referrers"];

/// The scope a pull of `path` (a path on the registry, with any query) needs, as
/// distribution's token spec names it (`docs/spec/auth/scope.md`):
/// `repository:<name>:pull` for `/v2/<name>/{manifests,blobs,tags,referrers}/...`,
/// `registry:catalog:*` for `/v2/_catalog`, and `""` (no scope) for anything else, `/v2/`
/// itself included. A repository name may contain those words as components
/// (`/v2/a/tags/b/manifests/latest` is `a/tags/b`'s): the last one counts, since what follows
/// it (a tag, a digest, `list`) has no `/`. A name the scope grammar refuses (percent-encoded,
/// upper-case) gives `""`: the registry's challenge then says what it wants.
///
/// ```
/// use pullgate::registry::scope_for_path;
/// assert_eq!(scope_for_path("/v2/library/alpine/manifests/latest"), "repository:library/alpine:pull");
/// assert_eq!(scope_for_path("/v2/_catalog?n=100"), "registry:catalog:*");
/// assert_eq!(scope_for_path("/v2/"), "");
/// ```
pub fn scope_for_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path == "/v2/_catalog" {
        return "registry:catalog:*".to_owned();
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return String::new();
    };
    let named = rest.rmatch_indices('/').find_map(|(i, _)| {
        let after = rest.get(i + 1..)?;
        let endpoint = REPOSITORY_ENDPOINTS
            .iter()
            .any(|e| after.strip_prefix(e).is_some_and(|r| r.starts_with('/')));
        (i > 0 && endpoint).then(|| rest.get(..i)).flatten()
    });
    match named {
        Some(name) => {
            let scope = format!("repository:{name}:pull");
            if parse_scope(&scope).is_ok() {
                scope
            } else {
                String::new()
            }
        }
        None => String::new(),
    }
}

/// Whether a token realm may be asked for a token (with the client's credentials): it must be
/// `https`, or on the registry's own origin. `None` when the realm is not a URL.
pub fn realm_allowed(realm: &str, registry: &Origin) -> Option<bool> {
    HttpUrl::parse(realm)
        .ok()
        .map(|url| may_ask(url.origin(), registry))
}

/// The realm policy ([`realm_allowed`]) on a parsed realm's origin.
fn may_ask(realm: &Origin, registry: &Origin) -> bool {
    realm.is_https() || realm == registry
}

/// Where a redirect's `Location` leads, resolved against the URL that answered it.
///
/// Errors: [`RegistryError::RedirectScheme`] for a scheme other than `http`/`https`,
/// [`RegistryError::InvalidUrl`] for a target the module's URL parser refuses.
pub fn redirect_target(location: &str, current: &str) -> Result<String, RegistryError> {
    let invalid = || RegistryError::InvalidUrl {
        header: "location",
        url: location.to_owned(),
    };
    let base = HttpUrl::parse(current).map_err(|_| invalid())?;
    match base.join(location) {
        Ok(url) => Ok(url.to_string()),
        Err(UrlProblem::Scheme) => Err(RegistryError::RedirectScheme {
            scheme: scheme_of(location).unwrap_or_default(),
        }),
        Err(UrlProblem::Malformed) => Err(invalid()),
    }
}

/// Whether `url` is on `registry`'s origin: the only place credentials are sent to (besides an
/// allowed token realm).
pub fn same_origin(url: &str, registry: &Origin) -> bool {
    HttpUrl::parse(url).is_ok_and(|u| u.origin() == registry)
}

/// Checks a fetched manifest and returns the digest of its bytes: they must hash to the
/// requested digest (a pull by digest) and to `Docker-Content-Digest` when sent
/// ([`digest::verify_content`]; the header is never trusted alone).
///
/// Errors: `DIGEST_MISMATCH`, or `DIGEST_INVALID_FORMAT` / `DIGEST_UNSUPPORTED` for a header or
/// requested digest that can't be checked.
pub fn check_manifest(
    bytes: &[u8],
    requested: Option<&str>,
    content_digest: Option<&str>,
) -> Result<Digest, RegistryError> {
    let requested = requested.map(Digest::parse).transpose()?;
    Ok(digest::verify_content(
        bytes,
        requested.as_ref(),
        content_digest,
    )?)
}

/// The digest a `HEAD` of a manifest answers with: its `Docker-Content-Digest`, which must be
/// well-formed and, for a `HEAD` by digest in the same algorithm, the requested one (a `HEAD`
/// has no body to hash, so that comparison is all there is to check).
///
/// Errors: [`RegistryError::NoContentDigest`] (with the response's `status`),
/// `DIGEST_INVALID_FORMAT`, `DIGEST_MISMATCH`.
pub fn head_digest(
    content_digest: Option<&str>,
    requested: Option<&str>,
    reference: &str,
    status: u16,
) -> Result<Digest, RegistryError> {
    let Some(header) = content_digest else {
        return Err(RegistryError::NoContentDigest {
            reference: reference.to_owned(),
            status,
        });
    };
    let got = Digest::parse(header.trim_matches([' ', '\t']))?;
    if let Some(requested) = requested.map(Digest::parse).transpose()? {
        if requested.algorithm() == got.algorithm() && requested != got {
            return Err(DigestError::Mismatch {
                expected: requested.as_str().to_owned(),
                actual: got.as_str().to_owned(),
            }
            .into());
        }
    }
    Ok(got)
}

/// `Basic` credentials (RFC 7617): `user:password` in UTF-8, base64.
pub fn basic_authorization(username: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{username}:{password}");
    let mut out = String::from("Basic ");
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What to do after a 401 ([`Session::unauthorized`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Ask `url` (the realm with `service` and `scope`) for a token, sending `authorization`
    /// (the client's Basic credentials) when present; give the response body to
    /// [`Session::accept_token`].
    Token {
        /// The token request's URL.
        url: String,
        /// The `Authorization` for the token request.
        authorization: Option<String>,
    },
    /// Retry the request: [`Session::authorization`] now sends Basic credentials.
    Retry,
}

/// The auth state of one client of one registry: its credentials, whether the registry asked
/// for Basic, and the Bearer tokens it was given.
#[derive(Debug, Clone)]
pub struct Session {
    origin: Origin,
    basic: Option<String>,
    use_basic: bool,
    tokens: TokenCache,
}

impl Session {
    /// A session with the registry at `origin` (an `http`/`https` URL; its origin is taken),
    /// anonymous or with `(username, password)`.
    ///
    /// Errors: [`RegistryError::InvalidOrigin`].
    pub fn new(origin: &str, credentials: Option<(&str, &str)>) -> Result<Session, RegistryError> {
        let parsed = Origin::parse(origin).ok_or_else(|| RegistryError::InvalidOrigin {
            input: origin.to_owned(),
        })?;
        Ok(Session {
            origin: parsed,
            basic: credentials.map(|(user, password)| basic_authorization(user, password)),
            use_basic: false,
            tokens: TokenCache::new(),
        })
    }

    /// The registry's origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The `Authorization` for a request to the registry needing `scope` at `now_ms`: a cached
    /// Bearer token, else Basic once the registry asked for it, else none.
    pub fn authorization(&self, scope: &str, now_ms: u64) -> Option<String> {
        if let Some(token) = self.tokens.get(scope, now_ms) {
            return Some(format!("Bearer {token}"));
        }
        self.basic.clone().filter(|_| self.use_basic)
    }

    /// `authorization` if `url` is on the registry's origin, else nothing: what a request (or
    /// one hop of its redirects) to `url` carries.
    pub fn credentials_for<'a>(
        &self,
        url: &str,
        authorization: Option<&'a str>,
    ) -> Option<&'a str> {
        authorization.filter(|_| same_origin(url, &self.origin))
    }

    /// Answers a 401 for a request needing `scope`, from its `WWW-Authenticate`.
    ///
    /// Errors: [`RegistryError::NoChallenge`], [`RegistryError::InvalidRealm`],
    /// [`RegistryError::RealmRefused`], [`RegistryError::Unauthorized`], `HEADER_INVALID`
    /// for a malformed header or scope.
    pub fn unauthorized(
        &mut self,
        www_authenticate: Option<&str>,
        scope: &str,
    ) -> Result<Answer, RegistryError> {
        let Some(value) = www_authenticate else {
            return Err(RegistryError::NoChallenge {
                origin: self.origin.to_string(),
            });
        };
        let challenges = parse_www_authenticate(value)?;
        if let Some(bearer) = bearer_challenge(&challenges) {
            let url = self.token_url(bearer.realm(), bearer.service(), bearer.scope(), scope)?;
            return Ok(Answer::Token {
                url,
                authorization: self.basic.clone(),
            });
        }
        if challenges.iter().any(|c| c.scheme == "basic") && self.basic.is_some() && !self.use_basic
        {
            self.use_basic = true;
            return Ok(Answer::Retry);
        }
        Err(RegistryError::Unauthorized {
            origin: self.origin.to_string(),
            credentials: self.basic.is_some(),
        })
    }

    /// Caches the token of a token server's response for `scope` and returns the
    /// `Authorization` for the retry (see [`TokenCache::insert_response`]).
    ///
    /// Errors: `HEADER_INVALID` for a body that is not a token response.
    pub fn accept_token(
        &mut self,
        scope: &str,
        body: &str,
        now_ms: u64,
    ) -> Result<String, RegistryError> {
        let token = self.tokens.insert_response(scope, body, now_ms)?;
        Ok(format!("Bearer {token}"))
    }

    /// The token request's URL: the realm (checked by [`realm_allowed`]) with `service` and
    /// each scope appended as query parameters, form-encoded (as `URLSearchParams` does). An
    /// existing `service` parameter of the realm is replaced.
    fn token_url(
        &self,
        realm: Option<&str>,
        service: Option<&str>,
        challenge_scope: Option<&str>,
        scope: &str,
    ) -> Result<String, RegistryError> {
        let invalid = || RegistryError::InvalidRealm {
            realm: realm.map(str::to_owned),
        };
        let url = HttpUrl::parse(realm.ok_or_else(invalid)?).map_err(|_| invalid())?;
        if !may_ask(url.origin(), &self.origin) {
            return Err(RegistryError::RealmRefused {
                origin: url.origin().to_string(),
            });
        }
        let wanted = challenge_scope.unwrap_or(scope);
        parse_scopes(wanted)?;
        let all = url.path_and_query();
        let (path, query) = all.split_at(all.find('?').unwrap_or(all.len()));
        let mut out = url.origin().to_string();
        out.push_str(path);
        let mut separator = '?';
        let mut pair = |name: &str, value: &str| {
            out.push(separator);
            separator = '&';
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        };
        for kept in query.get(1..).unwrap_or_default().split('&') {
            let name = kept.split('=').next().unwrap_or_default();
            let replaced = service.is_some() && name == "service";
            if !kept.is_empty() && !replaced {
                pair(name, kept.get(name.len() + 1..).unwrap_or_default());
            }
        }
        if let Some(service) = service {
            pair("service", &form_encode(service));
        }
        for s in wanted.split(' ').filter(|s| !s.is_empty()) {
            pair("scope", &form_encode(s));
        }
        Ok(out)
    }
}

/// `application/x-www-form-urlencoded` byte serialization (WHATWG URL §5.2): `*-._` and
/// alphanumerics kept, space as `+`, everything else `%XX` of its UTF-8.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}
