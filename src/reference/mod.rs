//! Image references, exactly as `github.com/distribution/reference` v0.6.0 parses them
//! (`regexp.go`, `reference.go`, `normalize.go`, `helpers.go`), with a hand-written linear
//! scanner instead of regular expressions.
//!
//! # Grammar
//!
//! ```text
//! reference                       := name [ ":" tag ] [ "@" digest ]
//! name                            := [domain '/'] remote-name
//! domain                          := host [':' port-number]
//! host                            := domain-name | IPv4address | \[ IPv6address \]   ; rfc3986 appendix-A
//! domain-name                     := domain-component ['.' domain-component]*
//! domain-component                := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! port-number                     := /[0-9]+/
//! path-component                  := alpha-numeric [separator alpha-numeric]*
//! path (or "remote-name")         := path-component ['/' path-component]*
//! alpha-numeric                   := /[a-z0-9]+/
//! separator                       := /[_.]|__|[-]+/
//!
//! tag                             := /[\w][\w.-]{0,127}/
//!
//! digest                          := digest-algorithm ":" digest-hex
//! digest-algorithm                := digest-algorithm-component [ digest-algorithm-separator digest-algorithm-component ]*
//! digest-algorithm-separator      := /[+.-_]/
//! digest-algorithm-component      := /[A-Za-z][A-Za-z0-9]*/
//! digest-hex                      := /[0-9a-fA-F]{32,}/ ; At least 128 bit digest value
//!
//! identifier                      := /[a-f0-9]{64}/
//! ```
//!
//! `IPv6address` is upstream's `[a-fA-F0-9:]+` (no zone, no embedded IPv4); an IPv4 address
//! is a `domain-name` of digits. The `separator` is upstream's regexp (`[-]+`, not the package
//! doc's `[-]*`).
//!
//! A name's first part is its domain whenever it is a valid `domain` and the rest a valid
//! `path` (so [`parse`] reads `foo/bar` as domain `foo`, as upstream does); otherwise the whole
//! name is the path. After the grammar, [`parse`] checks that the path is at most 255
//! characters (v0.6.0 measures the path, not the domain) and validates the digest with
//! go-digest's rules ([`Digest::parse_verifiable`](crate::digest::Digest::parse_verifiable)):
//! registered algorithms `sha256`, `sha384`, `sha512` with their length of lowercase hex.
//!
//! # Functions
//!
//! | upstream | here |
//! |---|---|
//! | `Parse` | [`parse`], and [`scan`] (offsets only, no allocation) |
//! | `ParseNamed` | [`parse_named`] |
//! | `ParseNormalizedNamed` | [`parse_normalized_named`] |
//! | `ParseDockerRef` | [`parse_docker_ref`] |
//! | `ParseAnyReference` | [`parse_any_reference`] |
//! | `WithName`, `WithTag`, `WithDigest`, `TrimNamed` | [`with_name`], [`with_tag`], [`with_digest`], [`trim_named`] |
//! | `FamiliarName`, `FamiliarString`, `FamiliarMatch` | [`familiar_name`], [`familiar_string`], [`familiar_match`] |
//! | `TagNameOnly`, `IsNameOnly` | [`tag_name_only`], [`Reference::is_name_only`] |
//!
//! Docker Hub's own repository-name rule is a separate check:
//! [`validate_hub_repository_name`].
//!
//! # Representation
//!
//! A [`Reference`] is one owned `String` plus `u32` offsets of its parts; every accessor
//! slices that string. [`Reference::offsets`] hands the offsets to the JS bindings so they
//! can slice the string on their side. A reference serializes to API.md's `parseReference`
//! object `{ name, domain?, path, tag?, digest?, string }`; [`Reference::normalized`] adds
//! `familiar` and `familiarName` (`normalizeReference`).

mod error;
mod fused;
mod hub;
mod normalize;
mod parse;
mod pattern;
mod scan;

use std::fmt;
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

pub use error::ReferenceError;
pub use hub::validate_hub_repository_name;
pub use normalize::{
    familiar_name, familiar_string, parse_any_reference, parse_docker_ref, parse_named,
    parse_normalized_named, tag_name_only, AnyReference, NormalizedReference,
};
#[cfg(target_arch = "wasm32")]
pub(crate) use normalize::{normalized_parts, HUB_HEADS};
pub use parse::{check_repository_path, parse, trim_named, with_digest, with_name, with_tag};
pub use pattern::familiar_match;
#[cfg(target_arch = "wasm32")]
pub(crate) use scan::scan_bytes;
pub use scan::{scan, ScanError, Spans, REPOSITORY_NAME_TOTAL_LENGTH_MAX, TAG_LENGTH_MAX};

/// The default domain of Docker Hub (`defaultDomain`).
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy Docker Hub domain, normalized to [`DEFAULT_DOMAIN`] (`legacyDefaultDomain`).
pub const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The namespace of official images on Docker Hub (`officialRepoPrefix`).
pub const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag [`parse_docker_ref`] and [`tag_name_only`] add (`defaultTag`).
pub const DEFAULT_TAG: &str = "latest";

/// A named reference: `name [":" tag] ["@" digest]` (upstream's `repository`,
/// `taggedReference`, `canonicalReference` and `reference` types in one).
///
/// One owned string plus the offsets of its parts. Digest-only references (from
/// [`parse_any_reference`]) are [`AnyReference::Digest`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    string: String,
    domain_end: u32,
    path_start: u32,
    name_end: u32,
    tag_end: u32,
    digest_start: u32,
}

/// Offsets fit in `u32`: [`scan`] refuses longer input and builders check.
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Reference {
    /// Builds a reference from a string and its [`scan`] spans.
    pub(crate) fn from_spans(string: String, spans: Spans) -> Reference {
        Reference {
            string,
            domain_end: offset(spans.domain_end),
            path_start: offset(spans.path_start),
            name_end: offset(spans.name_end),
            tag_end: offset(spans.tag_end),
            digest_start: offset(spans.digest_start),
        }
    }

    /// Assembles `[domain "/"] path [":" tag] ["@" digest]` from parts already validated.
    pub(crate) fn assemble(
        domain: Option<&str>,
        path: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> Option<Reference> {
        let len = domain.map_or(0, |d| d.len() + 1)
            + path.len()
            + tag.map_or(0, |t| t.len() + 1)
            + digest.map_or(0, |d| d.len() + 1);
        u32::try_from(len).ok()?;
        let mut string = String::with_capacity(len);
        if let Some(domain) = domain {
            string.push_str(domain);
            string.push('/');
        }
        let path_start = string.len();
        string.push_str(path);
        let name_end = string.len();
        let domain_end = domain.map_or(0, str::len);
        if let Some(tag) = tag {
            string.push(':');
            string.push_str(tag);
        }
        let tag_end = string.len();
        let digest_start = match digest {
            Some(digest) => {
                string.push('@');
                let start = string.len();
                string.push_str(digest);
                start
            }
            None => string.len(),
        };
        Some(Reference {
            domain_end: offset(domain_end),
            path_start: offset(path_start),
            name_end: offset(name_end),
            tag_end: offset(tag_end),
            digest_start: offset(digest_start),
            string,
        })
    }

    fn range(&self, start: u32, end: u32) -> &str {
        self.string
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The whole reference (upstream's `String()`): the input of [`parse`], or the
    /// normalized form from [`parse_normalized_named`].
    pub fn as_str(&self) -> &str {
        &self.string
    }

    /// The string, by value.
    pub fn into_string(self) -> String {
        self.string
    }

    /// The name: `[domain "/"] path` (upstream's `Name()`).
    pub fn name(&self) -> &str {
        self.range(0, self.name_end)
    }

    /// The domain, when the reference has one (upstream's `Domain()`, which returns `""`
    /// instead).
    pub fn domain(&self) -> Option<&str> {
        Some(self.range(0, self.domain_end)).filter(|d| !d.is_empty())
    }

    /// The path (upstream's `Path()`), e.g. `library/ubuntu`.
    pub fn path(&self) -> &str {
        self.range(self.path_start, self.name_end)
    }

    /// The tag, when there is one.
    pub fn tag(&self) -> Option<&str> {
        let tag = self.range(self.name_end.saturating_add(1), self.tag_end);
        Some(tag).filter(|t| self.tag_end > self.name_end && !t.is_empty())
    }

    /// The digest, when there is one, as written in the reference (validated by go-digest's
    /// rules for references from [`parse`]; [`with_digest`] only checks the grammar).
    pub fn digest(&self) -> Option<&str> {
        let end = offset(self.string.len());
        Some(self.range(self.digest_start, end)).filter(|d| !d.is_empty())
    }

    /// Neither tag nor digest (upstream's `IsNameOnly`).
    pub fn is_name_only(&self) -> bool {
        self.tag().is_none() && self.digest().is_none()
    }

    /// Where the familiar form starts: upstream's `familiarizeName` drops the `docker.io/`
    /// domain, and `library/` too when the rest has no other `/`.
    fn familiar_start(&self) -> u32 {
        if self.domain() != Some(DEFAULT_DOMAIN) {
            return 0;
        }
        match self.path().strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => {
                self.path_start + OFFICIAL_REPO_PREFIX.len() as u32
            }
            _ => self.path_start,
        }
    }

    /// The familiar name (upstream's `FamiliarName`): `docker.io/library/ubuntu` is `ubuntu`,
    /// `docker.io/foo/bar` is `foo/bar`, other names are unchanged. Always a suffix of
    /// [`Reference::name`].
    pub fn familiar_name(&self) -> &str {
        self.range(self.familiar_start(), self.name_end)
    }

    /// The familiar string (upstream's `FamiliarString`): the familiar name with the tag and
    /// digest. Always a suffix of [`Reference::as_str`].
    pub fn familiar_string(&self) -> &str {
        self.range(self.familiar_start(), offset(self.string.len()))
    }

    /// The [`scan`] spans of [`Reference::as_str`].
    pub fn spans(&self) -> Spans {
        let end = self.string.len();
        let name_end = self.name_end as usize;
        let tag_end = self.tag_end as usize;
        Spans {
            domain_end: self.domain_end as usize,
            path_start: self.path_start as usize,
            name_end,
            tag_start: if tag_end > name_end {
                name_end + 1
            } else {
                name_end
            },
            tag_end,
            digest_start: self.digest_start as usize,
            end,
        }
    }

    /// Byte offsets into [`Reference::as_str`] for the JS bindings, which slice the string
    /// themselves (`s.slice(a, b)`; every string here is ASCII, so byte offsets are UTF-16
    /// offsets too):
    ///
    /// `[domainEnd, pathStart, nameEnd, tagStart, tagEnd, digestStart, familiarStart]`
    ///
    /// - domain: `slice(0, domainEnd)`, path: `slice(pathStart, nameEnd)`,
    ///   name: `slice(0, nameEnd)`, tag: `slice(tagStart, tagEnd)`, digest:
    ///   `slice(digestStart)`; a part is absent exactly when its slice is empty;
    /// - familiar string: `slice(familiarStart)`, familiar name:
    ///   `slice(familiarStart, nameEnd)`.
    pub fn offsets(&self) -> [u32; 7] {
        let tag_start = if self.tag_end > self.name_end {
            self.name_end + 1
        } else {
            self.name_end
        };
        [
            self.domain_end,
            self.path_start,
            self.name_end,
            tag_start,
            self.tag_end,
            self.digest_start,
            self.familiar_start(),
        ]
    }

    /// The `normalizeReference` view: serializes with `familiar` and `familiarName`.
    pub fn normalized(&self) -> NormalizedReference<'_> {
        NormalizedReference::new(self)
    }

    /// Writes the `parseReference` fields into a serde map.
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("name", self.name())?;
        if let Some(domain) = self.domain() {
            map.serialize_entry("domain", domain)?;
        }
        map.serialize_entry("path", self.path())?;
        if let Some(tag) = self.tag() {
            map.serialize_entry("tag", tag)?;
        }
        if let Some(digest) = self.digest() {
            map.serialize_entry("digest", digest)?;
        }
        map.serialize_entry("string", self.as_str())
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.string)
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reference")
            .field("string", &self.string)
            .field("domain", &self.domain())
            .field("path", &self.path())
            .field("tag", &self.tag())
            .field("digest", &self.digest())
            .finish()
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    /// [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl AsRef<str> for Reference {
    fn as_ref(&self) -> &str {
        &self.string
    }
}

impl Serialize for Reference {
    /// API.md's `parseReference` object: `{ name, domain?, path, tag?, digest?, string }`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_fields(&mut map)?;
        map.end()
    }
}
