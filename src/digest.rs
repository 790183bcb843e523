//! Content digests: `algorithm:encoded`, parsed, computed and verified as a stream.
//!
//! The grammar is the OCI image-spec's (`descriptor.md`, "Digests"):
//!
//! ```text
//! digest                ::= algorithm ":" encoded
//! algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
//! algorithm-component   ::= [a-z0-9]+
//! algorithm-separator   ::= [+._-]
//! encoded               ::= [a-zA-Z0-9=_-]+
//! ```
//!
//! Validation follows `github.com/opencontainers/go-digest` v1.0.0 (`digest.go`,
//! `algorithm.go`), the version `distribution/reference` v0.6.0 builds on:
//!
//! - The string is cut at its first `:`; an empty algorithm or an empty encoded part is
//!   [`DigestError::InvalidFormat`].
//! - For an algorithm go-digest registers, the encoded part must be exactly the hash size in
//!   **lowercase** hex (`[a-f0-9]{N}`; uppercase hex is invalid): `sha256` 64, `sha384` 96,
//!   `sha512` 128. These are the [`Algorithm`]s this module computes and verifies.
//! - `blake3` (registered by image-spec v1.1, and by go-digest when its `blake3` package is
//!   imported) must be 64 lowercase hex as well, but this crate cannot compute it.
//! - Any other algorithm only has to match the grammar.
//!
//! Two parsers come out of that:
//!
//! - [`Digest::parse`] accepts every well-formed digest, as the image-spec asks ("digests that
//!   are unsupported [...] pass validation if they comply with the above grammar"). This is
//!   the JS `parseDigest`. Whether a parsed digest can be verified is
//!   [`Digest::algorithm_kind`]; [`Verifier::new`] returns [`DigestError::Unsupported`] for
//!   the others.
//! - [`Digest::parse_verifiable`] is go-digest's `Parse` exactly: a well-formed digest whose
//!   algorithm is not registered is [`DigestError::Unsupported`]. References use it
//!   (`distribution/reference` calls `digest.Parse`).
//!
//! Hashing uses the `sha2` crate and is streaming ([`Hasher`], [`Verifier`]): memory stays
//! flat whatever the size of the content.
//!
//! Serialization: a [`Digest`] serializes as its string (`"sha256:…"`), which is what a
//! descriptor's `digest` field holds; [`Digest::parts`] gives the API.md `parseDigest` object
//! `{ algorithm, encoded, string }`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

use crate::ErrorCode;

/// Errors from parsing, computing or verifying digests.
///
/// Messages are short lowercase fragments that quote the offending value, e.g.
/// `invalid digest format: "sha256:zz"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestError {
    /// go-digest's `ErrDigestInvalidFormat` (and `ErrDigestInvalidLength`, the same error in
    /// v1.0.0): not `algorithm:encoded`, or the encoded part has the wrong form for a
    /// registered algorithm. Code `DIGEST_INVALID_FORMAT`.
    InvalidFormat {
        /// The digest string as given.
        input: String,
    },
    /// go-digest's `ErrDigestUnsupported`: well-formed, but this crate can't compute the
    /// algorithm. Code `DIGEST_UNSUPPORTED`.
    Unsupported {
        /// The digest string (or algorithm name) as given.
        input: String,
    },
    /// The content does not hash to the expected digest. Code `DIGEST_MISMATCH`.
    Mismatch {
        /// The digest the content was expected to have.
        expected: String,
        /// The digest the content actually has.
        actual: String,
    },
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::InvalidFormat { input } => write!(f, "invalid digest format: {input:?}"),
            DigestError::Unsupported { input } => {
                write!(f, "unsupported digest algorithm: {input:?}")
            }
            DigestError::Mismatch { expected, actual } => {
                write!(f, "digest mismatch: expected {expected:?}, got {actual:?}")
            }
        }
    }
}

impl std::error::Error for DigestError {}

impl ErrorCode for DigestError {
    fn code(&self) -> &'static str {
        match self {
            DigestError::InvalidFormat { .. } => "DIGEST_INVALID_FORMAT",
            DigestError::Unsupported { .. } => "DIGEST_UNSUPPORTED",
            DigestError::Mismatch { .. } => "DIGEST_MISMATCH",
        }
    }
}

fn invalid(input: &str) -> DigestError {
    DigestError::InvalidFormat {
        input: input.to_owned(),
    }
}

fn unsupported(input: &str) -> DigestError {
    DigestError::Unsupported {
        input: input.to_owned(),
    }
}

/// The algorithms this crate computes and verifies: those go-digest v1.0.0 registers
/// (`algorithm.go`), all hex-encoded in lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// `sha256`, 64 hex characters; the canonical algorithm.
    Sha256,
    /// `sha384`, 96 hex characters (registered by go-digest, not by the image-spec).
    Sha384,
    /// `sha512`, 128 hex characters.
    Sha512,
}

impl Algorithm {
    /// The canonical algorithm, `sha256` (go-digest's `Canonical`).
    pub const CANONICAL: Algorithm = Algorithm::Sha256;

    /// The algorithm with this exact (lowercase) identifier, or `None` when it is not one
    /// this crate can compute.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha384" => Some(Algorithm::Sha384),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// The identifier used in digest strings, e.g. `"sha256"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The size of the hash in bytes.
    pub const fn size(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    /// The length of the encoded (hex) part of a digest of this algorithm.
    pub const fn encoded_len(self) -> usize {
        self.size() * 2
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;

    /// [`Algorithm::from_name`], with [`DigestError::Unsupported`] quoting the name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(s).ok_or_else(|| unsupported(s))
    }
}

impl Serialize for Algorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The number of lowercase hex characters a registered algorithm's encoded part must have
/// (go-digest's `anchoredEncodedRegexps`, plus image-spec v1.1's `blake3`).
fn registered_encoded_len(algorithm: &str) -> Option<usize> {
    match Algorithm::from_name(algorithm) {
        Some(alg) => Some(alg.encoded_len()),
        None if algorithm == "blake3" => Some(64),
        None => None,
    }
}

/// `algorithm ::= algorithm-component (algorithm-separator algorithm-component)*`, with
/// `algorithm-component ::= [a-z0-9]+` and `algorithm-separator ::= [+._-]`.
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

/// `encoded ::= [a-zA-Z0-9=_-]+`
fn is_encoded(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

/// Exactly `len` characters of `[a-f0-9]`: the encoding of every registered algorithm.
fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A validated digest string, `algorithm:encoded`.
///
/// Holds the string as given (digests are compared byte for byte, as go-digest does).
/// Serializes as that string; see [`Digest::parts`] for the `{ algorithm, encoded, string }`
/// object.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    value: String,
    sep: usize,
}

impl Digest {
    /// Parses any well-formed digest (the image-spec grammar above). A registered algorithm
    /// (`sha256`, `sha384`, `sha512`, `blake3`) must carry exactly its length of lowercase
    /// hex; other algorithms are accepted as they are (check [`Digest::algorithm_kind`]
    /// before relying on verification).
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        let sep = separator(s).ok_or_else(|| invalid(s))?;
        Ok(Digest {
            value: s.to_owned(),
            sep,
        })
    }

    /// go-digest's `Parse` (v1.0.0): like [`Digest::parse`], but a well-formed digest whose
    /// algorithm this crate can't compute is [`DigestError::Unsupported`].
    pub fn parse_verifiable(s: &str) -> Result<Digest, DigestError> {
        validate_verifiable(s)?;
        // Validation guarantees a separator.
        let sep = s.find(':').ok_or_else(|| invalid(s))?;
        Ok(Digest {
            value: s.to_owned(),
            sep,
        })
    }

    /// The digest of `algorithm` whose raw hash bytes are `hash`.
    pub fn from_hash(algorithm: Algorithm, hash: &[u8]) -> Digest {
        let name = algorithm.name();
        let mut value = String::with_capacity(name.len() + 1 + hash.len() * 2);
        value.push_str(name);
        value.push(':');
        for &b in hash {
            value.push(hex_digit(b >> 4));
            value.push(hex_digit(b & 0x0f));
        }
        Digest {
            value,
            sep: name.len(),
        }
    }

    /// The algorithm part, e.g. `"sha256"`.
    pub fn algorithm(&self) -> &str {
        self.value.get(..self.sep).unwrap_or_default()
    }

    /// The encoded part (the hex string for registered algorithms).
    pub fn encoded(&self) -> &str {
        self.value.get(self.sep + 1..).unwrap_or_default()
    }

    /// The whole digest string.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The digest string, by value.
    pub fn into_string(self) -> String {
        self.value
    }

    /// The algorithm as one this crate can compute, or `None` when it can't (then
    /// [`Verifier::new`] returns [`DigestError::Unsupported`]).
    pub fn algorithm_kind(&self) -> Option<Algorithm> {
        Algorithm::from_name(self.algorithm())
    }

    /// The API.md `parseDigest` view: `{ algorithm, encoded, string }`.
    pub fn parts(&self) -> DigestParts<'_> {
        DigestParts {
            algorithm: self.algorithm(),
            encoded: self.encoded(),
            string: self.as_str(),
        }
    }
}

/// Where the `:` of `s` is when `s` is a digest by [`Digest::parse`]'s rules, else `None`.
/// Allocates nothing (the npm package's `parseDigest` fast path asks this).
pub(crate) fn separator(s: &str) -> Option<usize> {
    let sep = s.find(':')?;
    let (algorithm, encoded) = (&s[..sep], &s[sep + 1..]);
    let ok = match registered_encoded_len(algorithm) {
        Some(len) => is_lower_hex(encoded, len),
        None => is_algorithm(algorithm) && is_encoded(encoded),
    };
    ok.then_some(sep)
}

/// go-digest's `Digest.Validate` (v1.0.0), without building a [`Digest`]: `Ok` with the
/// algorithm for a digest this crate can verify; [`DigestError::Unsupported`] for a
/// well-formed digest of another algorithm; [`DigestError::InvalidFormat`] otherwise.
pub fn validate_verifiable(s: &str) -> Result<Algorithm, DigestError> {
    classify_verifiable(s).map_err(|rejection| match rejection {
        Rejection::Format => invalid(s),
        Rejection::Unsupported => unsupported(s),
    })
}

/// Why [`classify_verifiable`] rejected a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// go-digest's `ErrDigestInvalidFormat`.
    Format,
    /// go-digest's `ErrDigestUnsupported`.
    Unsupported,
}

/// [`validate_verifiable`] without allocating, for the reference scanner.
pub(crate) fn classify_verifiable(s: &str) -> Result<Algorithm, Rejection> {
    let Some((algorithm, encoded)) = s.split_once(':') else {
        return Err(Rejection::Format);
    };
    if algorithm.is_empty() || encoded.is_empty() {
        return Err(Rejection::Format);
    }
    match Algorithm::from_name(algorithm) {
        Some(alg) if is_lower_hex(encoded, alg.encoded_len()) => Ok(alg),
        Some(_) => Err(Rejection::Format),
        None if is_algorithm(algorithm) && is_encoded(encoded) => Err(Rejection::Unsupported),
        None => Err(Rejection::Format),
    }
}

fn hex_digit(nibble: u8) -> char {
    let n = nibble & 0x0f;
    char::from(if n < 10 { b'0' + n } else { b'a' + (n - 10) })
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Digest").field(&self.value).finish()
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    /// [`Digest::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

impl PartialEq<str> for Digest {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl PartialEq<&str> for Digest {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

impl Serialize for Digest {
    /// The digest string, as a descriptor's `digest` field holds it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}

impl<'de> Deserialize<'de> for Digest {
    /// A string, validated with [`Digest::parse`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The parts of a digest, serialized as API.md's `parseDigest` result
/// `{ algorithm, encoded, string }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestParts<'a> {
    /// The algorithm part, e.g. `"sha256"`.
    pub algorithm: &'a str,
    /// The encoded part.
    pub encoded: &'a str,
    /// The whole digest string.
    pub string: &'a str,
}

/// The digest of `bytes` with `alg` (go-digest's `Algorithm.FromBytes`).
pub fn compute(alg: Algorithm, bytes: &[u8]) -> Digest {
    let mut hasher = Hasher::new(alg);
    hasher.update(bytes);
    hasher.finish()
}

#[derive(Clone)]
enum State {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

/// A streaming digester (go-digest's `Digester`): feed chunks with [`Hasher::update`], then
/// [`Hasher::finish`]. Memory stays flat whatever the total size.
///
/// Also an [`std::io::Write`], so `std::io::copy(&mut reader, &mut hasher)` works.
#[derive(Clone)]
pub struct Hasher {
    state: State,
}

impl Hasher {
    /// A hasher for `alg`.
    pub fn new(alg: Algorithm) -> Hasher {
        let state = match alg {
            Algorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => State::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => State::Sha512(sha2::Sha512::new()),
        };
        Hasher { state }
    }

    /// The algorithm this hasher computes.
    pub fn algorithm(&self) -> Algorithm {
        match self.state {
            State::Sha256(_) => Algorithm::Sha256,
            State::Sha384(_) => Algorithm::Sha384,
            State::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// Feeds the next chunk of content.
    pub fn update(&mut self, chunk: &[u8]) {
        match &mut self.state {
            State::Sha256(h) => h.update(chunk),
            State::Sha384(h) => h.update(chunk),
            State::Sha512(h) => h.update(chunk),
        }
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Digest {
        let alg = self.algorithm();
        match self.state {
            State::Sha256(h) => Digest::from_hash(alg, &h.finalize()),
            State::Sha384(h) => Digest::from_hash(alg, &h.finalize()),
            State::Sha512(h) => Digest::from_hash(alg, &h.finalize()),
        }
    }

    /// The digest of everything fed so far; the hasher starts over, ready for new content.
    pub fn finish_reset(&mut self) -> Digest {
        let alg = self.algorithm();
        match &mut self.state {
            State::Sha256(h) => Digest::from_hash(alg, &h.finalize_reset()),
            State::Sha384(h) => Digest::from_hash(alg, &h.finalize_reset()),
            State::Sha512(h) => Digest::from_hash(alg, &h.finalize_reset()),
        }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Verifies a stream of content against an expected digest (go-digest's `Verifier`).
#[derive(Clone, Debug)]
pub struct Verifier {
    expected: Digest,
    hasher: Hasher,
}

impl Verifier {
    /// A verifier for `expected`; [`DigestError::Unsupported`] when this crate can't compute
    /// its algorithm (go-digest panics there; we return the error instead).
    pub fn new(expected: &Digest) -> Result<Verifier, DigestError> {
        let alg = expected
            .algorithm_kind()
            .ok_or_else(|| unsupported(expected.as_str()))?;
        Ok(Verifier {
            expected: expected.clone(),
            hasher: Hasher::new(alg),
        })
    }

    /// Feeds the next chunk of content.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
    }

    /// `Ok` when the content fed hashes to the expected digest, else
    /// [`DigestError::Mismatch`] naming both digests.
    pub fn verify(self) -> Result<(), DigestError> {
        let actual = self.hasher.finish();
        if actual.value == self.expected.value {
            Ok(())
        } else {
            Err(DigestError::Mismatch {
                expected: self.expected.value,
                actual: actual.value,
            })
        }
    }

    /// Whether the content fed hashes to the expected digest (go-digest's `Verified`).
    pub fn verified(self) -> bool {
        self.verify().is_ok()
    }
}

impl std::io::Write for Verifier {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks `bytes` against `expected`: `Ok` when they match, [`DigestError::Mismatch`] when
/// not, [`DigestError::Unsupported`] when the algorithm can't be computed.
pub fn verify(bytes: &[u8], expected: &Digest) -> Result<(), DigestError> {
    let mut verifier = Verifier::new(expected)?;
    verifier.update(bytes);
    verifier.verify()
}

/// Checks content fetched from a registry and returns the digest of the exact bytes.
///
/// - `requested`: the digest the content was asked for (a manifest pulled by digest, a blob);
///   the bytes must hash to it.
/// - `header`: the `Docker-Content-Digest` response header, when sent. It is never trusted on
///   its own: it must be a well-formed digest (surrounding whitespace ignored) of an
///   algorithm this crate computes, and the bytes must hash to it as well.
///
/// The returned digest uses the requested digest's algorithm, else the header's, else
/// `sha256`. Errors: [`DigestError::Mismatch`] (with the requested or header digest as
/// `expected`), [`DigestError::InvalidFormat`] for a malformed header,
/// [`DigestError::Unsupported`] for a digest whose algorithm can't be computed.
pub fn verify_content(
    bytes: &[u8],
    requested: Option<&Digest>,
    header: Option<&str>,
) -> Result<Digest, DigestError> {
    let header = match header {
        Some(value) => Some(Digest::parse(value.trim_matches([' ', '\t']))?),
        None => None,
    };
    let primary = requested.or(header.as_ref());
    let alg = match primary {
        Some(d) => d.algorithm_kind().ok_or_else(|| unsupported(d.as_str()))?,
        None => Algorithm::CANONICAL,
    };
    let actual = compute(alg, bytes);
    for expected in [requested, header.as_ref()].into_iter().flatten() {
        let expected_alg = expected
            .algorithm_kind()
            .ok_or_else(|| unsupported(expected.as_str()))?;
        // Name the content's digest in the algorithm that was expected.
        let got = if expected_alg == alg {
            actual.clone()
        } else {
            compute(expected_alg, bytes)
        };
        if got.value != expected.value {
            return Err(DigestError::Mismatch {
                expected: expected.value.clone(),
                actual: got.value,
            });
        }
    }
    Ok(actual)
}
