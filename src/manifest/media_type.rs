//! Manifest media types: the four supported ones, the recognised-but-unsupported ones, the
//! `Accept` header, and the RFC 6838 grammar that image-spec requires of every media type.

/// Docker Image Manifest V2, Schema 2 (distribution `manifest/schema2`).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker Manifest List (distribution `manifest/manifestlist`).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image manifest (image-spec `manifest.md`).
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index (image-spec `image-index.md`).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Docker schema 1 (unsigned): recognised, not supported (`MANIFEST_UNSUPPORTED`).
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker schema 1 with a JWS signature: recognised, not supported.
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/// The OCI artifact manifest of image-spec v1.1 release candidates, dropped before
/// v1.1.0: recognised, not supported.
pub const OCI_ARTIFACT_MANIFEST: &str = "application/vnd.oci.artifact.manifest.v1+json";

/// The OCI image config (`config.mediaType` of an OCI image).
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The Docker image config (`config.mediaType` of a Docker schema 2 image).
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// The `Accept` header value a client should send for manifests: the four supported types,
/// OCI first.
///
/// containerd's resolver (`core/remotes/docker/resolver.go`) sends the same four types plus
/// `*/*`, Docker's first; without `q` parameters the order carries no weight in HTTP, so
/// the OCI-first order only states a preference. `*/*` is left out on purpose: anything
/// else a registry might send (schema 1, say) can't be parsed here anyway.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Whether `media_type` is one of the two image manifest types (OCI or Docker).
pub fn is_image_manifest(media_type: &str) -> bool {
    media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST
}

/// Whether `media_type` is one of the two index types (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
}

/// Whether `s` is a media type by image-spec's grammar
/// (`schema/defs-descriptor.json#/definitions/mediaType`, from RFC 6838 section 4.2):
/// `^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`.
/// Parameters (`; charset=...`) are not part of it.
pub fn is_valid_media_type(s: &str) -> bool {
    match s.split_once('/') {
        Some((kind, subtype)) => restricted_name(kind) && restricted_name(subtype),
        None => false,
    }
}

/// RFC 6838 `restricted-name`: a first alphanumeric, then up to 126 of
/// `restricted-name-chars`.
fn restricted_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphanumeric()
                && rest.len() <= 126
                && rest.iter().all(|&b| NAME_CHARS[usize::from(b)])
        }
        None => false,
    }
}

/// `restricted-name-chars`: `[A-Za-z0-9!#$&^_.+-]`, as a table (media types are checked
/// for every descriptor, so this is on the hot path).
static NAME_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        table[i] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#' | b'$' | b'&' | b'^' | b'_' | b'.' | b'+' | b'-'
            );
        i += 1;
    }
    table
};

/// What a `Content-Type` header says about a manifest body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContentType {
    /// Absent, empty, or a generic type that says nothing about the format:
    /// `application/json` (what schema 1 registries served, see containers/image
    /// `NormalizedMIMEType`), `text/plain` and `application/octet-stream` (what CDNs in
    /// front of registries have been seen to send).
    Unknown,
    /// Anything else, lower-cased with its parameters stripped.
    Named(String),
}

/// Reduces a `Content-Type` value to its media type: parameters after `;` dropped,
/// whitespace trimmed, lower-cased (media types are case-insensitive, RFC 6838 4.2).
pub(crate) fn content_type(header: Option<&str>) -> ContentType {
    let Some(header) = header else {
        return ContentType::Unknown;
    };
    let essence = header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "application/json" | "text/plain" | "application/octet-stream" => ContentType::Unknown,
        _ => ContentType::Named(essence),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_grammar() {
        assert!(is_valid_media_type(OCI_MANIFEST));
        assert!(is_valid_media_type("application/vnd.example+type"));
        assert!(!is_valid_media_type("application"));
        assert!(!is_valid_media_type(".foo/bar"));
        assert!(!is_valid_media_type("foo/.bar"));
        assert!(!is_valid_media_type("foo/bar/baz"));
        assert!(!is_valid_media_type("foo/bar; charset=utf-8"));
        assert!(!is_valid_media_type(""));
        let max = "a".repeat(127);
        assert!(is_valid_media_type(&format!("{max}/{max}")));
        assert!(!is_valid_media_type(&format!("{max}a/b")));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(None), ContentType::Unknown);
        assert_eq!(
            content_type(Some("application/json; charset=utf-8")),
            ContentType::Unknown
        );
        assert_eq!(
            content_type(Some(" Application/VND.OCI.image.index.v1+json ; x=y")),
            ContentType::Named(OCI_INDEX.to_owned())
        );
    }
}
