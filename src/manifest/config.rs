//! The image config summary the explorer shows (image-spec `config.md`,
//! `schema/config-schema.json`).
//!
//! Lenient on unknown fields (Docker configs carry `container_config`, `docker_version` and
//! more), strict on the types of the fields the schema defines: `architecture`, `os` and
//! `rootfs` are required, `rootfs.type` must be `layers`, `Env` entries must match
//! `^[^=]+=.*$`, `created` must be an RFC 3339 date-time, maps must hold the right value
//! types. One deliberate leniency: JSON `null` reads as absent for every optional field.
//! The schema allows `null` only for `Entrypoint`, `Cmd`, `Volumes` and `Labels`, but configs
//! are written by Go's encoder, which emits `null` for any nil slice or map without
//! `omitempty` (moby's `container.Config.Env`, `OnBuild`, ...), and every runtime decodes
//! them with Go's decoder, which reads `null` as empty.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::digest::Digest;
use crate::platform::Platform;

use super::json::{self, describe, quote, Object, Path, Value};
use super::parse::digest_field;
use super::{formats, ManifestError};

const CONFIG_FIELDS: &[&str] = &[
    "created",
    "author",
    "architecture",
    "os",
    "os.version",
    "os.features",
    "variant",
    "config",
    "rootfs",
    "history",
];

const CONTAINER_FIELDS: &[&str] = &[
    "User",
    "ExposedPorts",
    "Env",
    "Entrypoint",
    "Cmd",
    "Volumes",
    "WorkingDir",
    "Labels",
    "StopSignal",
    "ArgsEscaped",
];

const ROOTFS_FIELDS: &[&str] = &["type", "diff_ids"];

const HISTORY_FIELDS: &[&str] = &["created", "author", "created_by", "comment", "empty_layer"];

/// An image config, summarized (`application/vnd.oci.image.config.v1+json` or
/// `application/vnd.docker.container.image.v1+json`). Serializes camelCase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageConfig {
    /// CPU architecture (`amd64`, `arm64`, ...).
    pub architecture: String,
    /// Operating system (`linux`, `windows`, ...).
    pub os: String,
    /// CPU variant (`v7`, `v8`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// OS version (`os.version`), e.g. a Windows build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// OS features (`os.features`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_features: Option<Vec<String>>,
    /// When the image was created (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Who created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// How a container runs from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ContainerConfig>,
    /// The layers' uncompressed digests.
    pub rootfs: RootFs,
    /// How each layer was made, base first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
}

impl ImageConfig {
    /// The platform the config declares, as containerd's `images.ConfigPlatform` reads it
    /// (not normalized; the platform matcher normalizes). Use it to check an index entry
    /// that had no platform of its own ([`super::select_platform`]).
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
        }
    }
}

/// The `config` section: the container's defaults. Serializes camelCase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerConfig {
    /// `User`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ExposedPorts`, the keys (`8080/tcp`) in document order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<Vec<String>>,
    /// `Env`, `NAME=value` entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// `Entrypoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `Volumes`, the paths in document order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<String>>,
    /// `WorkingDir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `Labels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `StopSignal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// `ArgsEscaped` (Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args_escaped: Option<bool>,
}

/// `rootfs`: the uncompressed layer digests. Serializes as `{ type, diffIds }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `diff_ids`, base layer first.
    #[serde(serialize_with = "serialize_digests")]
    pub diff_ids: Vec<Digest>,
}

fn serialize_digests<S: serde::Serializer>(digests: &[Digest], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(digests.iter().map(Digest::as_str))
}

/// One `history` entry. Serializes camelCase (`createdBy`, `emptyLayer`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// `created` (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `created_by`: the build step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// `author`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `empty_layer`: the step made no layer (so it has no `diff_ids` entry).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Parses an image config (module doc for the rules). Errors are `MANIFEST_INVALID` with
/// the field path, e.g. `config.Env[0]`.
pub fn parse_config(body: &[u8]) -> Result<ImageConfig, ManifestError> {
    let tree = json::parse(body)?;
    let root = Path::Root;
    let doc = Object::new(&tree, &root, "a JSON object")?;
    doc.refuse_case_variants(CONFIG_FIELDS)?;

    let rootfs_path = root.key("rootfs");
    let rootfs = rootfs(required(&doc, "rootfs")?, &rootfs_path)?;
    let history = optional(&doc, "history")
        .map(|value| history(value, &root.key("history")))
        .transpose()?;
    Ok(ImageConfig {
        architecture: required_string(&doc, "architecture")?,
        os: required_string(&doc, "os")?,
        variant: optional_string(&doc, "variant")?,
        os_version: optional_string(&doc, "os.version")?,
        os_features: optional(&doc, "os.features")
            .map(|value| json::string_array(value, &root.key("os.features")))
            .transpose()?,
        created: optional_date_time(&doc, "created")?,
        author: optional_string(&doc, "author")?,
        config: optional(&doc, "config")
            .map(|value| container_config(value, &root.key("config")))
            .transpose()?,
        rootfs,
        history,
    })
}

fn container_config(value: &Value<'_>, path: &Path<'_>) -> Result<ContainerConfig, ManifestError> {
    let object = Object::new(value, path, "an object")?;
    object.refuse_case_variants(CONTAINER_FIELDS)?;
    let strings = |key: &'static str| {
        optional(&object, key)
            .map(|value| json::string_array(value, &path.key(key)))
            .transpose()
    };
    let env = strings("Env")?;
    if let Some(env) = &env {
        for (i, entry) in env.iter().enumerate() {
            if !formats::is_env_entry(entry) {
                return Err(path
                    .key("Env")
                    .index(i)
                    .invalid(format!("must be NAME=value, got {}", quote(entry))));
            }
        }
    }
    Ok(ContainerConfig {
        user: optional_string(&object, "User")?,
        exposed_ports: optional(&object, "ExposedPorts")
            .map(|value| object_keys(value, &path.key("ExposedPorts")))
            .transpose()?,
        env,
        entrypoint: strings("Entrypoint")?,
        cmd: strings("Cmd")?,
        volumes: optional(&object, "Volumes")
            .map(|value| object_keys(value, &path.key("Volumes")))
            .transpose()?,
        working_dir: optional_string(&object, "WorkingDir")?,
        labels: optional(&object, "Labels")
            .map(|value| json::string_map(value, &path.key("Labels")))
            .transpose()?,
        stop_signal: optional_string(&object, "StopSignal")?,
        args_escaped: optional(&object, "ArgsEscaped")
            .map(|value| json::boolean(value, &path.key("ArgsEscaped")))
            .transpose()?,
    })
}

fn rootfs(value: &Value<'_>, path: &Path<'_>) -> Result<RootFs, ManifestError> {
    let object = Object::new(value, path, "an object")?;
    object.refuse_case_variants(ROOTFS_FIELDS)?;
    let kind = required_string(&object, "type")?;
    if kind != "layers" {
        return Err(path
            .key("type")
            .invalid(format!("must be \"layers\", got {}", quote(&kind))));
    }
    let ids_path = path.key("diff_ids");
    let diff_ids = match required(&object, "diff_ids")? {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| digest_field(item, &ids_path.index(i)))
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(ids_path.invalid(format!(
                "must be an array of digests, got {}",
                describe(other)
            )))
        }
    };
    Ok(RootFs { kind, diff_ids })
}

fn history(value: &Value<'_>, path: &Path<'_>) -> Result<Vec<HistoryEntry>, ManifestError> {
    let Value::Array(items) = value else {
        return Err(path.invalid(format!("must be an array, got {}", describe(value))));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_path = path.index(i);
            let object = Object::new(item, &item_path, "an object")?;
            object.refuse_case_variants(HISTORY_FIELDS)?;
            Ok(HistoryEntry {
                created: optional_date_time(&object, "created")?,
                created_by: optional_string(&object, "created_by")?,
                author: optional_string(&object, "author")?,
                comment: optional_string(&object, "comment")?,
                empty_layer: optional(&object, "empty_layer")
                    .map(|value| json::boolean(value, &item_path.key("empty_layer")))
                    .transpose()?
                    .unwrap_or(false),
            })
        })
        .collect()
}

/// The value of `key`, with `null` read as absent (module doc).
fn optional<'v, 'a>(object: &Object<'v, 'a, '_>, key: &str) -> Option<&'v Value<'a>> {
    object
        .get(key)
        .filter(|value| !matches!(value, Value::Null))
}

fn required<'v, 'a>(
    object: &Object<'v, 'a, '_>,
    key: &str,
) -> Result<&'v Value<'a>, ManifestError> {
    optional(object, key).ok_or_else(|| object.path.key(key).invalid("is required"))
}

fn required_string(object: &Object<'_, '_, '_>, key: &str) -> Result<String, ManifestError> {
    json::string(required(object, key)?, &object.path.key(key)).map(str::to_owned)
}

fn optional_string(
    object: &Object<'_, '_, '_>,
    key: &str,
) -> Result<Option<String>, ManifestError> {
    optional(object, key)
        .map(|value| json::string(value, &object.path.key(key)).map(str::to_owned))
        .transpose()
}

fn optional_date_time(
    object: &Object<'_, '_, '_>,
    key: &str,
) -> Result<Option<String>, ManifestError> {
    let value = optional_string(object, key)?;
    if let Some(s) = &value {
        if !formats::is_date_time(s) {
            return Err(object
                .path
                .key(key)
                .invalid(format!("must be an RFC 3339 date-time, got {}", quote(s))));
        }
    }
    Ok(value)
}

/// The keys of a `mapStringObject` (`ExposedPorts`, `Volumes`): every value an object.
fn object_keys(value: &Value<'_>, path: &Path<'_>) -> Result<Vec<String>, ManifestError> {
    let object = Object::new(value, path, "an object of objects")?;
    object
        .members()
        .iter()
        .map(|(key, item)| match item {
            Value::Object(_) => Ok(key.to_string()),
            other => Err(path
                .key(key)
                .invalid(format!("must be an object, got {}", describe(other)))),
        })
        .collect()
}
