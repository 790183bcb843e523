//! Manifests and indexes: media types, strict parsing, platform selection, sizes, and the
//! image config summary.
//!
//! # Formats
//! - Docker Image Manifest V2, Schema 2 and Manifest List (distribution
//!   `docs/content/spec/manifest-v2-2.md`, `manifest/schema2`, `manifest/manifestlist`).
//! - OCI image manifest and image index (image-spec `manifest.md`, `image-index.md`), with
//!   `subject`, `artifactType`, `annotations`, descriptor `urls` and `data`.
//! - Docker schema 1 (`...manifest.v1+json`, `...v1+prettyjws`) and the withdrawn OCI
//!   artifact manifest are recognised and refused as [`ManifestError::Unsupported`]
//!   (`MANIFEST_UNSUPPORTED`), as is any other media type.
//!
//! # Which format a body is
//! 1. The body's own `mediaType`, when present. It must be one of the four supported types
//!    (exact, case-sensitive, as distribution compares it). If the `Content-Type` names a
//!    supported type of the *other kind* (an index where the body says image manifest, or
//!    the reverse) the body is refused ([`ManifestError::MediaTypeMismatch`]), as
//!    containerd's `images.validateMediaType` refuses it. A `Content-Type` of the same kind
//!    but the other format (OCI versus Docker) is accepted and the body wins, as containerd
//!    decodes it; distribution's client would refuse it, being stricter than the pullers.
//! 2. Else the `Content-Type`, parameters stripped, case-insensitive. `application/json`,
//!    `text/plain`, `application/octet-stream` and an empty value carry no information
//!    (schema 1 registries and CDNs send them) and fall through to 3; any other
//!    non-manifest type is `MANIFEST_UNSUPPORTED`.
//! 3. Else detected from the content as containers/image's `GuessMIMEType`
//!    (`internal/manifest/manifest.go`) does for documents without `mediaType` (OCI before
//!    image-spec 1.0.2 didn't require it): `schemaVersion: 1` is schema 1 (signed when
//!    `signatures` is present), unsupported; a `manifests` member without `config` or
//!    `layers` is an OCI index; a `config.mediaType` of the Docker config type is a Docker
//!    schema 2 manifest; anything else is an OCI image manifest (and is then validated as
//!    one). One deviation: `GuessMIMEType` calls `{"schemaVersion":2,"manifests":[]}` an
//!    image manifest (it tests `len(manifests) != 0`); here the member's presence decides,
//!    so an empty index reads as an index.
//!
//! # Validation (every error names the field)
//! Per image-spec's JSON schema (`schema/image-manifest-schema.json`,
//! `image-index-schema.json`, `content-descriptor.json`, `defs-descriptor.json`), applied
//! to the Docker formats too:
//! - the document is a JSON object with `schemaVersion` the integer 2;
//! - every descriptor has `mediaType` (RFC 6838 `type/subtype`, each part 1 to 127
//!   characters from `[A-Za-z0-9!#$&^_.+-]`, starting alphanumeric), `digest` (valid per
//!   [`crate::digest`]: `algorithm:encoded` by image-spec's grammar, with sha256 and sha512
//!   checked for length and lowercase hex) and `size` (an integer from 0 to `i64::MAX`; not
//!   a float, not a string); optional `urls` (absolute URIs), `annotations` (string to
//!   string), `artifactType` (a media type), `data` (padded standard base64);
//! - an image manifest has a `config` descriptor and a `layers` array; for OCI manifests the
//!   array must not be empty (the schema's `minItems: 1`; image-spec's
//!   `schema/manifest_test.go` expects `"layers": []` to fail, see `manifest-06-invalid`
//!   in the shared fixtures). Later spec text allows artifacts without layers only by
//!   pointing at the empty descriptor, so an empty array is still refused. Docker schema 2
//!   has no such rule (distribution accepts an empty list) and neither do we;
//! - an index has a `manifests` array; an entry's `platform`, when present, is an object
//!   with string `architecture` and `os`, optional string `variant` and `os.version`, and
//!   string-array `os.features`;
//! - a document never carries the other kind's fields: `manifests` in an image manifest,
//!   `config` or `layers` in an index, or schema 1's `fsLayers` in either is refused. This is
//!   the fix for CVE-2021-41190 (GHSA-77vh-xpmg-72qh): image-spec, distribution
//!   (`ocischema.validateIndex`) and containerd (`validateMediaType`) all refuse such mixed
//!   documents, because different clients would read them differently. regclient accepts
//!   them depending on the descriptor's media type; we follow the spec and the pullers;
//! - repeated keys anywhere in the document are refused, and so is a key that differs from
//!   a field we read only in case: Go's `encoding/json` keeps the last duplicate and matches
//!   names case-insensitively, so such a document means different things to different
//!   parsers (the same class of ambiguity). Unknown fields are otherwise ignored.
//!
//! Bodies over 4 MiB (`4 * 1024 * 1024` bytes, distribution's manifest limit) are refused
//! before parsing ([`ManifestError::TooLarge`], `MANIFEST_TOO_LARGE`). The digest and size
//! are those of the exact bytes given (sha256).
//!
//! # Platform selection
//! [`select_platform`] reproduces containerd's `images.FilterPlatforms` +
//! `images.LimitManifests(.., 1)` (`core/images/handlers.go`) and `images.Manifest`
//! (`core/images/image.go`): entries whose platform matches are ordered by the matcher's
//! `Less`, stably, and the first wins; entries *without* a platform pass the filter and sort
//! after every platformed entry, so the first of them is chosen only when no platformed
//! entry matches. (containerd then reads that manifest's config and checks its platform;
//! being sans-I/O we leave that to the caller, see [`ImageConfig::platform`].)
//! Attestations (platform `unknown/unknown`, or annotation
//! `vnd.docker.reference.type: attestation-manifest`, buildkit
//! `docs/attestations/attestation-storage.md`) are never selected.

mod config;
mod formats;
pub(crate) mod json;
pub mod media_type;
mod parse;
mod select;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::digest::Digest;
use crate::platform::Platform;

pub use config::{parse_config, ContainerConfig, HistoryEntry, ImageConfig, RootFs};
pub use media_type::MANIFEST_ACCEPT;
pub use parse::{parse, parse_descriptor, MAX_MANIFEST_SIZE};
pub use select::{attestations, select_platform, Attestation};

/// The annotation buildkit puts on an attestation manifest's index entry, with the value
/// [`ATTESTATION_MANIFEST`].
pub const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";
/// The value of [`REFERENCE_TYPE_ANNOTATION`] that marks an attestation manifest.
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";
/// The annotation on an attestation manifest's entry naming the digest of the image
/// manifest it describes.
pub const REFERENCE_DIGEST_ANNOTATION: &str = "vnd.docker.reference.digest";

/// Whether a manifest is an image manifest or an index of manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ManifestKind {
    /// An OCI image manifest or Docker schema 2 manifest: `config` and `layers`.
    Image,
    /// An OCI image index or Docker manifest list: `manifests`.
    Index,
}

/// A content descriptor (image-spec `descriptor.md`): what a manifest points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of the referenced content.
    pub media_type: String,
    /// The digest of the referenced content.
    #[serde(serialize_with = "serialize_digest")]
    pub digest: Digest,
    /// The size in bytes of the referenced content.
    pub size: u64,
    /// The platform of an index entry (`os.version` and `os.features` read from those JSON
    /// keys), exactly as written in the document (not normalized).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Arbitrary metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Other places the content may be downloaded from (foreign layers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// The type of an artifact when the descriptor points at one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Embedded content (standard base64), image-spec 1.1 `data`. Not part of the JSON
    /// shape of API.md, so not serialized.
    #[serde(skip)]
    pub data: Option<String>,
}

impl Descriptor {
    /// The value of annotation `key`, if any.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|map| map.get(key))
            .map(String::as_str)
    }

    /// Whether this index entry is an attestation manifest rather than an image: platform
    /// `unknown/unknown`, or `vnd.docker.reference.type: attestation-manifest`.
    pub fn is_attestation(&self) -> bool {
        let unknown_platform = self
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
        unknown_platform || self.annotation(REFERENCE_TYPE_ANNOTATION) == Some(ATTESTATION_MANIFEST)
    }
}

fn serialize_digest<S: serde::Serializer>(digest: &Digest, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(digest.as_str())
}

/// A parsed, validated manifest or index, with the digest and size of its exact bytes.
///
/// Serializes to API.md's `parseManifest` shape: `{ mediaType, kind, schemaVersion, digest,
/// size, config?, layers?, manifests?, subject?, artifactType?, annotations?, totalSize? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The media type the document was read as (one of the four supported types).
    pub media_type: String,
    /// Image manifest or index.
    pub kind: ManifestKind,
    /// Always 2.
    pub schema_version: u32,
    /// The sha256 digest of the exact bytes parsed.
    pub digest: Digest,
    /// The length of the exact bytes parsed.
    pub size: u64,
    /// The image config (images only).
    pub config: Option<Descriptor>,
    /// The layers, base first (images only).
    pub layers: Option<Vec<Descriptor>>,
    /// The manifests (indexes only).
    pub manifests: Option<Vec<Descriptor>>,
    /// The manifest this one refers to (OCI 1.1 referrers).
    pub subject: Option<Descriptor>,
    /// The artifact type, for artifacts.
    pub artifact_type: Option<String>,
    /// Arbitrary metadata.
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Manifest {
    /// Whether this is an index (OCI image index or Docker manifest list).
    pub fn is_index(&self) -> bool {
        self.kind == ManifestKind::Index
    }

    /// The compressed size of the layers: the sum of the layer descriptors' sizes, the
    /// figure `docker manifest inspect` users add up and regclient reports as an image's
    /// size. `None` for an index. Saturates at `u64::MAX` (never reached by real images).
    pub fn layers_size(&self) -> Option<u64> {
        self.layers.as_ref().map(|layers| {
            layers
                .iter()
                .fold(0u64, |sum, d| sum.saturating_add(d.size))
        })
    }

    /// The config's size plus [`Manifest::layers_size`]: every blob a pull downloads for
    /// this image (the `totalSize` of the JSON shape). `None` for an index.
    pub fn total_size(&self) -> Option<u64> {
        let config = self.config.as_ref().map_or(0, |d| d.size);
        self.layers_size()
            .map(|layers| layers.saturating_add(config))
    }

    /// Everything this manifest references, as distribution's `References()`: the config
    /// then the layers for an image, the manifests for an index (not the subject).
    pub fn references(&self) -> Vec<&Descriptor> {
        self.config
            .iter()
            .chain(self.layers.iter().flatten())
            .chain(self.manifests.iter().flatten())
            .collect()
    }
}

impl Serialize for Manifest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Shape<'a> {
            media_type: &'a str,
            kind: ManifestKind,
            schema_version: u32,
            digest: &'a str,
            size: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            config: Option<&'a Descriptor>,
            #[serde(skip_serializing_if = "Option::is_none")]
            layers: Option<&'a [Descriptor]>,
            #[serde(skip_serializing_if = "Option::is_none")]
            manifests: Option<&'a [Descriptor]>,
            #[serde(skip_serializing_if = "Option::is_none")]
            subject: Option<&'a Descriptor>,
            #[serde(skip_serializing_if = "Option::is_none")]
            artifact_type: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            annotations: Option<&'a BTreeMap<String, String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            total_size: Option<u64>,
        }
        Shape {
            media_type: &self.media_type,
            kind: self.kind,
            schema_version: self.schema_version,
            digest: self.digest.as_str(),
            size: self.size,
            config: self.config.as_ref(),
            layers: self.layers.as_deref(),
            manifests: self.manifests.as_deref(),
            subject: self.subject.as_ref(),
            artifact_type: self.artifact_type.as_deref(),
            annotations: self.annotations.as_ref(),
            total_size: self.total_size(),
        }
        .serialize(serializer)
    }
}

/// Why a manifest, descriptor or config was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestError {
    /// The body is over [`MAX_MANIFEST_SIZE`] bytes (`MANIFEST_TOO_LARGE`).
    TooLarge {
        /// The body's length.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The media type is not a supported manifest type (`MANIFEST_UNSUPPORTED`): schema 1,
    /// the withdrawn OCI artifact manifest, or anything that isn't a manifest.
    Unsupported {
        /// The media type, from the body, the `Content-Type`, or detection.
        media_type: String,
    },
    /// Not JSON (`MANIFEST_INVALID`).
    Syntax {
        /// The JSON parser's message, with line and column.
        reason: String,
    },
    /// An object repeats a key (`MANIFEST_INVALID`).
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Line of the end of the object holding it (1-based).
        line: usize,
        /// Column of the end of the object holding it (1-based).
        column: usize,
    },
    /// A field is missing or wrong (`MANIFEST_INVALID`).
    Invalid {
        /// Where: `layers[0].size`, `manifests[2].platform.architecture`; empty for the
        /// document itself.
        field: String,
        /// What was wrong, quoting the offending value.
        reason: String,
    },
    /// The body's `mediaType` and the `Content-Type` name different kinds of manifest
    /// (`MANIFEST_INVALID`).
    MediaTypeMismatch {
        /// The `Content-Type`'s media type.
        content_type: String,
        /// The body's `mediaType`.
        media_type: String,
    },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::TooLarge { size, limit } => {
                write!(f, "manifest too large: {size} bytes, limit {limit}")
            }
            ManifestError::Unsupported { media_type } => {
                write!(
                    f,
                    "unsupported manifest media type: {}",
                    json::quote(media_type)
                )
            }
            ManifestError::Syntax { reason } => write!(f, "invalid json: {reason}"),
            ManifestError::DuplicateKey { key, line, column } => write!(
                f,
                "duplicate key {} at line {line} column {column}",
                json::quote(key)
            ),
            ManifestError::Invalid { field, reason } if field.is_empty() => f.write_str(reason),
            ManifestError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            ManifestError::MediaTypeMismatch {
                content_type,
                media_type,
            } => write!(
                f,
                "manifest media type {} does not match content type {}",
                json::quote(media_type),
                json::quote(content_type)
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

impl crate::ErrorCode for ManifestError {
    fn code(&self) -> &'static str {
        match self {
            ManifestError::TooLarge { .. } => "MANIFEST_TOO_LARGE",
            ManifestError::Unsupported { .. } => "MANIFEST_UNSUPPORTED",
            ManifestError::Syntax { .. }
            | ManifestError::DuplicateKey { .. }
            | ManifestError::Invalid { .. }
            | ManifestError::MediaTypeMismatch { .. } => "MANIFEST_INVALID",
        }
    }
}
