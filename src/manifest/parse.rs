//! Reading manifests, indexes and descriptors (rules in the module doc of [`super`]).

use crate::digest::{self, Algorithm, Digest};
use crate::platform::Platform;

use super::json::{self, describe, quote, Number, Object, Path, Value};
use super::media_type::{self as mt, ContentType};
use super::{formats, Descriptor, Manifest, ManifestError, ManifestKind};

/// The largest manifest accepted: 4 MiB, distribution's limit for manifest bodies
/// (`registry/handlers/manifests.go`, `maxManifestBodySize`).
pub const MAX_MANIFEST_SIZE: usize = 4 * 1024 * 1024;

/// Top-level members read (or refused) by name; a key equal to one of these but for case
/// is refused as ambiguous.
const DOCUMENT_FIELDS: &[&str] = &[
    "schemaVersion",
    "mediaType",
    "config",
    "layers",
    "manifests",
    "subject",
    "artifactType",
    "annotations",
    "fsLayers",
];

const DESCRIPTOR_FIELDS: &[&str] = &[
    "mediaType",
    "digest",
    "size",
    "urls",
    "annotations",
    "artifactType",
    "data",
    "platform",
];

const PLATFORM_FIELDS: &[&str] = &["architecture", "os", "os.version", "os.features", "variant"];

/// Parses and validates a manifest or index.
///
/// `content_type` is the response's `Content-Type` header, if any; it is used only as the
/// module doc describes. The result carries the sha256 digest and the length of `body`.
///
/// ```
/// let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
/// let index = pullgate::manifest::parse(body, None).unwrap();
/// assert!(index.is_index());
/// assert_eq!(index.size, body.len() as u64);
/// ```
pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<Manifest, ManifestError> {
    if body.len() > MAX_MANIFEST_SIZE {
        return Err(ManifestError::TooLarge {
            size: body.len(),
            limit: MAX_MANIFEST_SIZE,
        });
    }
    let tree = json::parse(body)?;
    let root = Path::Root;
    let doc = Object::new(&tree, &root, "a JSON object")?;
    doc.refuse_case_variants(DOCUMENT_FIELDS)?;
    let media_type = resolve_media_type(&doc, content_type)?;
    let kind = if mt::is_index(media_type) {
        ManifestKind::Index
    } else {
        ManifestKind::Image
    };
    refuse_foreign_fields(&doc, kind)?;
    schema_version(&doc)?;

    let mut manifest = Manifest {
        media_type: media_type.to_owned(),
        kind,
        schema_version: 2,
        digest: digest::compute(Algorithm::Sha256, body),
        size: body.len() as u64,
        config: None,
        layers: None,
        manifests: None,
        subject: None,
        artifact_type: None,
        annotations: None,
    };
    match kind {
        ManifestKind::Image => {
            let config = required(&doc, "config")?;
            manifest.config = Some(descriptor(config, &root.key("config"), false)?);
            let path = root.key("layers");
            let layers = descriptors(required(&doc, "layers")?, &path, false)?;
            // image-spec's schema has `minItems: 1` on layers and its schema tests expect
            // `"layers": []` to fail (manifest-06-invalid); Docker schema 2 has no such rule.
            if layers.is_empty() && media_type == mt::OCI_MANIFEST {
                return Err(path.invalid("must have at least one layer (image-spec minItems: 1)"));
            }
            manifest.layers = Some(layers);
        }
        ManifestKind::Index => {
            let path = root.key("manifests");
            manifest.manifests = Some(descriptors(required(&doc, "manifests")?, &path, true)?);
        }
    }
    if let Some(subject) = doc.get("subject") {
        manifest.subject = Some(descriptor(subject, &root.key("subject"), false)?);
    }
    if let Some(value) = doc.get("artifactType") {
        manifest.artifact_type = Some(media_type_field(value, &root.key("artifactType"))?);
    }
    if let Some(value) = doc.get("annotations") {
        manifest.annotations = Some(json::string_map(value, &root.key("annotations"))?);
    }
    Ok(manifest)
}

/// Parses and validates one content descriptor (`application/vnd.oci.descriptor.v1+json`),
/// with an optional `platform` as in an index entry. Same size limit as manifests.
pub fn parse_descriptor(body: &[u8]) -> Result<Descriptor, ManifestError> {
    if body.len() > MAX_MANIFEST_SIZE {
        return Err(ManifestError::TooLarge {
            size: body.len(),
            limit: MAX_MANIFEST_SIZE,
        });
    }
    let tree = json::parse(body)?;
    descriptor(&tree, &Path::Root, true)
}

/// Picks the media type the body is read as (module doc, "Which format a body is").
/// Returns one of the four supported constants.
fn resolve_media_type(
    doc: &Object<'_, '_, '_>,
    header: Option<&str>,
) -> Result<&'static str, ManifestError> {
    let header = mt::content_type(header);
    if let Some(value) = doc.get("mediaType") {
        let path = doc.path.key("mediaType");
        let declared = json::string(value, &path)?;
        if !mt::is_valid_media_type(declared) {
            return Err(path.invalid(format!(
                "must be a media type (type/subtype, RFC 6838), got {}",
                quote(declared)
            )));
        }
        let Some(declared_kind) = supported(declared) else {
            return Err(ManifestError::Unsupported {
                media_type: declared.to_owned(),
            });
        };
        if let ContentType::Named(header) = &header {
            if supported(header)
                .is_some_and(|header_kind| mt::is_index(header_kind) != mt::is_index(declared_kind))
            {
                return Err(ManifestError::MediaTypeMismatch {
                    content_type: header.clone(),
                    media_type: declared.to_owned(),
                });
            }
        }
        return Ok(declared_kind);
    }
    match header {
        ContentType::Named(header) => {
            supported(&header).ok_or(ManifestError::Unsupported { media_type: header })
        }
        ContentType::Unknown => detect(doc),
    }
}

/// The supported constant equal to `media_type`, if it is one.
fn supported(media_type: &str) -> Option<&'static str> {
    [
        mt::OCI_INDEX,
        mt::OCI_MANIFEST,
        mt::DOCKER_MANIFEST_LIST,
        mt::DOCKER_MANIFEST,
    ]
    .into_iter()
    .find(|known| *known == media_type)
}

/// containers/image's `GuessMIMEType` for a document without `mediaType` (see module doc).
fn detect(doc: &Object<'_, '_, '_>) -> Result<&'static str, ManifestError> {
    if let Some(Value::Number(Number::Unsigned(1))) = doc.get("schemaVersion") {
        let media_type = if doc.has("signatures") {
            mt::DOCKER_SCHEMA1_SIGNED
        } else {
            mt::DOCKER_SCHEMA1
        };
        return Err(ManifestError::Unsupported {
            media_type: media_type.to_owned(),
        });
    }
    if doc.has("manifests") && !doc.has("config") && !doc.has("layers") {
        return Ok(mt::OCI_INDEX);
    }
    let config_type = match doc.get("config") {
        Some(Value::Object(members)) => members
            .iter()
            .find(|(key, _)| key == "mediaType")
            .map(|(_, value)| value),
        _ => None,
    };
    if let Some(Value::String(config_type)) = config_type {
        if config_type == mt::DOCKER_CONFIG {
            return Ok(mt::DOCKER_MANIFEST);
        }
    }
    Ok(mt::OCI_MANIFEST)
}

/// Refuses the other kind's members (CVE-2021-41190) and schema 1's `fsLayers`.
fn refuse_foreign_fields(
    doc: &Object<'_, '_, '_>,
    kind: ManifestKind,
) -> Result<(), ManifestError> {
    let foreign: &[&str] = match kind {
        ManifestKind::Image => &["manifests", "fsLayers"],
        ManifestKind::Index => &["config", "layers", "fsLayers"],
    };
    for field in foreign {
        if doc.has(field) {
            let reason = match (*field, kind) {
                ("fsLayers", _) => "not allowed: a schema 1 field (schema 1 is not supported)",
                (_, ManifestKind::Image) => {
                    "not allowed in an image manifest: an index field makes the document ambiguous"
                }
                (_, ManifestKind::Index) => {
                    "not allowed in an index: an image manifest field makes the document ambiguous"
                }
            };
            return Err(doc.path.key(field).invalid(reason));
        }
    }
    Ok(())
}

/// `schemaVersion` must be present and the integer 2.
fn schema_version(doc: &Object<'_, '_, '_>) -> Result<(), ManifestError> {
    let path = doc.path.key("schemaVersion");
    match doc.get("schemaVersion") {
        None => Err(path.invalid("is required")),
        Some(Value::Number(Number::Unsigned(2))) => Ok(()),
        Some(value @ Value::Number(Number::Unsigned(_) | Number::Negative(_))) => {
            Err(path.invalid(format!("must be 2, got {}", describe(value))))
        }
        Some(value) => Err(path.invalid(format!("must be the integer 2, got {}", describe(value)))),
    }
}

fn required<'v, 'a>(doc: &Object<'v, 'a, '_>, key: &str) -> Result<&'v Value<'a>, ManifestError> {
    doc.get(key)
        .ok_or_else(|| doc.path.key(key).invalid("is required"))
}

/// Reads an array of descriptors.
fn descriptors(
    value: &Value<'_>,
    path: &Path<'_>,
    with_platform: bool,
) -> Result<Vec<Descriptor>, ManifestError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| descriptor(item, &path.index(i), with_platform))
            .collect(),
        other => Err(path.invalid(format!(
            "must be an array of descriptors, got {}",
            describe(other)
        ))),
    }
}

/// Reads one descriptor; `platform` is read only for index entries (`with_platform`), as
/// image-spec defines it only there.
fn descriptor(
    value: &Value<'_>,
    path: &Path<'_>,
    with_platform: bool,
) -> Result<Descriptor, ManifestError> {
    let object = Object::new(value, path, "a descriptor object")?;
    object.refuse_case_variants(DESCRIPTOR_FIELDS)?;
    let field = |key: &'static str| {
        object
            .get(key)
            .ok_or_else(|| path.key(key).invalid("is required"))
    };

    let media_type = media_type_field(field("mediaType")?, &path.key("mediaType"))?;
    let digest_path = path.key("digest");
    let digest = digest_field(field("digest")?, &digest_path)?;
    let size = json::size(field("size")?, &path.key("size"))?;

    let mut descriptor = Descriptor {
        media_type,
        digest,
        size,
        platform: None,
        annotations: None,
        urls: None,
        artifact_type: None,
        data: None,
    };
    if let Some(value) = object.get("urls") {
        let urls_path = path.key("urls");
        let urls = json::string_array(value, &urls_path)?;
        for (i, url) in urls.iter().enumerate() {
            if !formats::is_absolute_uri(url) {
                return Err(urls_path
                    .index(i)
                    .invalid(format!("must be an absolute URI, got {}", quote(url))));
            }
        }
        descriptor.urls = Some(urls);
    }
    if let Some(value) = object.get("annotations") {
        descriptor.annotations = Some(json::string_map(value, &path.key("annotations"))?);
    }
    if let Some(value) = object.get("artifactType") {
        descriptor.artifact_type = Some(media_type_field(value, &path.key("artifactType"))?);
    }
    if let Some(value) = object.get("data") {
        let data_path = path.key("data");
        let data = json::string(value, &data_path)?;
        if !formats::is_padded_base64(data) {
            return Err(data_path.invalid(format!(
                "must be padded standard base64, got {}",
                quote(data)
            )));
        }
        descriptor.data = Some(data.to_owned());
    }
    if with_platform {
        if let Some(value) = object.get("platform") {
            descriptor.platform = Some(platform(value, &path.key("platform"))?);
        }
    }
    Ok(descriptor)
}

/// A string that must be a media type by image-spec's grammar.
fn media_type_field(value: &Value<'_>, path: &Path<'_>) -> Result<String, ManifestError> {
    let s = json::string(value, path)?;
    if mt::is_valid_media_type(s) {
        Ok(s.to_owned())
    } else {
        Err(path.invalid(format!(
            "must be a media type (type/subtype, RFC 6838), got {}",
            quote(s)
        )))
    }
}

/// A string that must be a digest (see [`crate::digest`]).
pub(super) fn digest_field(value: &Value<'_>, path: &Path<'_>) -> Result<Digest, ManifestError> {
    let s = json::string(value, path)?;
    Digest::parse(s).map_err(|err| path.invalid(err.to_string()))
}

/// An index entry's platform (image-spec `image-index.md`, `platform`).
fn platform(value: &Value<'_>, path: &Path<'_>) -> Result<Platform, ManifestError> {
    let object = Object::new(value, path, "a platform object")?;
    object.refuse_case_variants(PLATFORM_FIELDS)?;
    let string = |key: &'static str| -> Result<Option<String>, ManifestError> {
        object
            .get(key)
            .map(|value| json::string(value, &path.key(key)).map(str::to_owned))
            .transpose()
    };
    let architecture =
        string("architecture")?.ok_or_else(|| path.key("architecture").invalid("is required"))?;
    let os = string("os")?.ok_or_else(|| path.key("os").invalid("is required"))?;
    let os_features = object
        .get("os.features")
        .map(|value| json::string_array(value, &path.key("os.features")))
        .transpose()?;
    // Go's zero values: image-spec's `Platform` has `omitempty` on these, so an empty
    // string or list is the same as none (and the platform module relies on that).
    Ok(Platform {
        os,
        architecture,
        variant: string("variant")?.filter(|s| !s.is_empty()),
        os_version: string("os.version")?.filter(|s| !s.is_empty()),
        os_features: os_features.filter(|features| !features.is_empty()),
    })
}
