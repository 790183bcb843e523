//! Exports used only by the explorer and the gateway's `/api/v1/` (metadata computed by the core).
//!
//! The gateway's `/api/v1/` fetches manifests and configs and hands the bytes here; the page
//! uses `explorerTagOrder` (through the web build) to order tag names, and API.md's own
//! `verifyDigest` and `parseRateLimit` for the rest. JavaScript only moves bytes and assembles.

use std::cmp::Ordering;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{bytes_of, optional_string, string_of, to_js, to_plain};
use crate::digest::{self, Digest};
use crate::manifest::{self, Descriptor, ManifestKind};
use crate::platform;

/// The in-toto annotation buildkit puts on each attestation layer.
const PREDICATE_TYPE_ANNOTATION: &str = "in-toto.io/predicate-type";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Blob<'a> {
    digest: &'a str,
    media_type: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate_type: Option<&'a str>,
}

impl<'a> From<&'a Descriptor> for Blob<'a> {
    fn from(d: &'a Descriptor) -> Self {
        Blob {
            digest: d.digest.as_str(),
            media_type: &d.media_type,
            size: d.size,
            predicate_type: d.annotation(PREDICATE_TYPE_ANNOTATION),
        }
    }
}

/// An image entry of an index, with the attestations that describe it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformEntry<'a> {
    /// containerd `FormatAll` of the entry's platform; absent when the entry has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    digest: &'a str,
    media_type: &'a str,
    size: u64,
    attestations: Vec<Blob<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestSummary<'a> {
    digest: &'a str,
    media_type: &'a str,
    kind: ManifestKind,
    size: u64,
    /// Index: the image entries (attestations excluded, attached to the entry they describe).
    #[serde(skip_serializing_if = "Option::is_none")]
    platforms: Option<Vec<PlatformEntry<'a>>>,
    /// Index: attestations whose subject is not an entry of this index.
    #[serde(skip_serializing_if = "Option::is_none")]
    unattached_attestations: Option<Vec<Blob<'a>>>,
    /// Image: the config blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<Blob<'a>>,
    /// Image: the layers, base first.
    #[serde(skip_serializing_if = "Option::is_none")]
    layers: Option<Vec<Blob<'a>>>,
    /// Image: the sum of the layers' sizes (what a pull downloads, compressed).
    #[serde(skip_serializing_if = "Option::is_none")]
    compressed_size: Option<u64>,
    /// Image: config plus layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    total_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

/// Bytes checked against `expected` when given (a mismatch is `DIGEST_MISMATCH`).
fn check_digest(bytes: &[u8], expected: Option<String>) -> Result<(), JsValue> {
    if let Some(expected) = expected {
        let expected = Digest::parse(&expected).map_err(to_js)?;
        digest::verify(bytes, &expected).map_err(to_js)?;
    }
    Ok(())
}

#[wasm_bindgen(typescript_custom_section)]
const EXPLORER_TS: &str = r#"
/** A blob or manifest a summary points at. */
export interface ExplorerBlob { digest: string; mediaType: string; size: number; predicateType?: string }
/**
 * A manifest or index summarized for the explorer. Index: `platforms` (image entries, each
 * with the attestations describing it) and `unattachedAttestations`. Image: `config`,
 * `layers`, `compressedSize` (layers), `totalSize` (config + layers).
 */
export interface ExplorerManifest {
  digest: string; mediaType: string; kind: "image" | "index"; size: number;
  platforms?: { platform?: string; digest: string; mediaType: string; size: number; attestations: ExplorerBlob[] }[];
  unattachedAttestations?: ExplorerBlob[];
  config?: ExplorerBlob; layers?: ExplorerBlob[]; compressedSize?: number; totalSize?: number;
  artifactType?: string; subject?: string;
}
/** Parses and summarizes a manifest; with `expectedDigest`, throws `DIGEST_MISMATCH` unless the bytes hash to it. */
export function explorerManifest(body: Uint8Array | string, contentType?: string, expectedDigest?: string): ExplorerManifest;
/** An image config summarized: platform, created, the container defaults and history. */
export function explorerConfig(body: Uint8Array | string, expectedDigest?: string): {
  platform: string; created?: string; author?: string; user?: string; entrypoint?: string[]; cmd?: string[];
  env?: string[]; workingDir?: string; labels?: Record<string, string>; exposedPorts?: string[]; volumes?: string[];
  stopSignal?: string; layerCount: number;
  history: { created?: string; createdBy?: string; author?: string; comment?: string; emptyLayer?: boolean }[];
};
/**
 * Indexes of `names` in tag order: version-like tags by their numbers (a pre-release before its
 * release), then the rest in natural order. With `descending`, the version-like tags run from
 * the highest down and the rest still follow them in ascending natural order.
 */
export function explorerTagOrder(names: string[], descending?: boolean): Uint32Array;
"#;

/// `explorerManifest(body, contentType?, expectedDigest?)`; typed by `EXPLORER_TS`.
#[wasm_bindgen(js_name = explorerManifest, skip_typescript)]
pub fn explorer_manifest(
    body: JsValue,
    content_type: Option<JsValue>,
    expected_digest: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let bytes = bytes_of(&body, "body")?;
    let content_type = optional_string(content_type, "contentType")?;
    check_digest(&bytes, optional_string(expected_digest, "expectedDigest")?)?;
    let parsed = manifest::parse(&bytes, content_type.as_deref()).map_err(to_js)?;
    let mut summary = ManifestSummary {
        digest: parsed.digest.as_str(),
        media_type: &parsed.media_type,
        kind: parsed.kind,
        size: parsed.size,
        platforms: None,
        unattached_attestations: None,
        config: parsed.config.as_ref().map(Blob::from),
        layers: parsed
            .layers
            .as_ref()
            .map(|layers| layers.iter().map(Blob::from).collect()),
        compressed_size: parsed.layers_size(),
        total_size: parsed.total_size(),
        artifact_type: parsed.artifact_type.as_deref(),
        subject: parsed.subject.as_ref().map(|s| s.digest.as_str()),
    };
    if parsed.is_index() {
        let attestations = manifest::attestations(&parsed);
        let entries = parsed.manifests.as_deref().unwrap_or_default();
        let images: Vec<&Descriptor> = entries.iter().filter(|e| !e.is_attestation()).collect();
        let platforms = images
            .iter()
            .map(|entry| PlatformEntry {
                platform: entry.platform.as_ref().map(platform::format_all),
                digest: entry.digest.as_str(),
                media_type: &entry.media_type,
                size: entry.size,
                attestations: attestations
                    .iter()
                    .filter(|a| a.subject == Some(entry.digest.as_str()))
                    .map(|a| Blob::from(a.manifest))
                    .collect(),
            })
            .collect();
        let unattached = attestations
            .iter()
            .filter(|a| !images.iter().any(|i| Some(i.digest.as_str()) == a.subject))
            .map(|a| Blob::from(a.manifest))
            .collect();
        summary.platforms = Some(platforms);
        summary.unattached_attestations = Some(unattached);
    }
    to_plain(&summary)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigSummary<'a> {
    platform: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    container: Option<&'a manifest::ContainerConfig>,
    layer_count: usize,
    history: &'a [manifest::HistoryEntry],
}

/// `explorerConfig(body, expectedDigest?)`; typed by `EXPLORER_TS`.
#[wasm_bindgen(js_name = explorerConfig, skip_typescript)]
pub fn explorer_config(
    body: JsValue,
    expected_digest: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let bytes = bytes_of(&body, "body")?;
    check_digest(&bytes, optional_string(expected_digest, "expectedDigest")?)?;
    let config = manifest::parse_config(&bytes).map_err(to_js)?;
    to_plain(&ConfigSummary {
        platform: platform::format_all(&config.platform()),
        created: config.created.as_deref(),
        author: config.author.as_deref(),
        container: config.config.as_ref(),
        layer_count: config.rootfs.diff_ids.len(),
        history: config.history.as_deref().unwrap_or_default(),
    })
}

/// `explorerTagOrder(names, descending?)`; typed by `EXPLORER_TS`.
///
/// Descending means "highest version first": version-like tags from the highest down, then the
/// other tags still in ascending natural order, so `latest` or `nightly-9` never come before
/// the releases (reversing the ascending order would put them first).
#[wasm_bindgen(js_name = explorerTagOrder, skip_typescript)]
pub fn explorer_tag_order(
    names: JsValue,
    descending: Option<JsValue>,
) -> Result<js_sys::Uint32Array, JsValue> {
    let descending = match super::present(descending) {
        None => false,
        Some(flag) => flag
            .as_bool()
            .ok_or_else(|| super::invalid_argument("descending", "a boolean"))?,
    };
    let array = names
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| super::invalid_argument("names", "an array of strings"))?;
    let names: Vec<String> = array
        .iter()
        .map(|n| string_of(&n, "names[]"))
        .collect::<Result<_, _>>()?;
    let keys: Vec<TagKey> = names.iter().map(|n| TagKey::of(n)).collect();
    // The crate's one sort (crate::order), stable as `sort_by` is.
    let order: Vec<u32> = crate::order::sorted_order(names.len(), &mut |a, b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        let ascending = ka.cmp(kb).then_with(|| names[a].cmp(&names[b]));
        if descending && ka.version.is_some() && kb.version.is_some() {
            ascending.reverse()
        } else {
            ascending
        }
    })
    .into_iter()
    .map(|i| i as u32)
    .collect();
    Ok(js_sys::Uint32Array::from(order.as_slice()))
}

/// A chunk of a tag for natural ordering: runs of digits compare as numbers.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chunk<'a> {
    // Numbers sort before text, as semver orders numeric identifiers before alphanumeric ones.
    Number(u128, usize),
    Text(&'a str),
}

fn chunks(s: &str) -> Vec<Chunk<'_>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let digit = bytes[i].is_ascii_digit();
        while i < bytes.len() && bytes[i].is_ascii_digit() == digit {
            i += 1;
        }
        let run = &s[start..i];
        out.push(match run.parse::<u128>() {
            // Leading zeros: "01" after "1" (the length breaks the tie).
            Ok(n) if digit => Chunk::Number(n, run.len()),
            _ => Chunk::Text(run),
        });
    }
    out
}

/// How a tag orders: version-like tags (`v1.2.3`, `3.9`, `4.0.0-rc.1`, `3.9-alpine`) first,
/// by their numbers, a semver pre-release before its release and a suffix (`-alpine`) after
/// it; every other tag after them, in natural order (`nightly-2` before `nightly-10`).
#[derive(Debug, PartialEq, Eq)]
struct TagKey<'a> {
    version: Option<(Vec<u128>, u8, Vec<Chunk<'a>>)>,
    natural: Vec<Chunk<'a>>,
}

impl<'a> TagKey<'a> {
    fn of(tag: &'a str) -> TagKey<'a> {
        TagKey {
            version: version_key(tag),
            natural: chunks(tag),
        }
    }
}

fn version_key(tag: &str) -> Option<(Vec<u128>, u8, Vec<Chunk<'_>>)> {
    let rest = tag.strip_prefix('v').unwrap_or(tag);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (numbers, suffix) = rest.split_at(end);
    let numbers: Vec<u128> = numbers
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let stage = match suffix.as_bytes().first() {
        None => 1,
        // semver: MAJOR.MINOR.PATCH-pre is a pre-release, before its release.
        Some(b'-') if numbers.len() == 3 => 0,
        Some(b'-') | Some(b'+') => 2,
        Some(_) => return None,
    };
    let suffix = suffix.get(1..).unwrap_or_default();
    Some((numbers, stage, chunks(suffix)))
}

impl Ord for TagKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.version, &other.version) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| self.natural.cmp(&other.natural))
    }
}

impl PartialOrd for TagKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
