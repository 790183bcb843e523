//! Manifests: the shared JSON vectors (tests/fixtures/manifest.json), every real document
//! in the shared fixture directory driven by its index.json, selection over real indexes,
//! and property tests.

use std::path::Path;

mod common;
use common::fixtures::{fail, json, run, Outcome};
use common::manifests::shared_manifests;

use pullgate::digest::{compute, Algorithm};
use pullgate::manifest::{
    media_type, parse, parse_config, parse_descriptor, select_platform, Manifest, ManifestError,
    ManifestKind,
};
use pullgate::platform::{self, MatchMode, Platform};
use pullgate::ErrorCode;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// tests/fixtures/manifest.json: API.md functions, as the wasm and npm suites run them.

/// A platform argument as JS passes it: a specifier string, or an object (normalized).
fn platform_arg(arg: &Value) -> Result<Platform, (String, String)> {
    match arg {
        Value::String(s) => platform::parse(s).map_err(fail),
        other => serde_json::from_value::<Platform>(other.clone())
            .map(platform::normalize)
            .map_err(|e| ("PLATFORM_INVALID".to_owned(), e.to_string())),
    }
}

fn dispatch(name: &str, args: &[Value]) -> Option<Outcome> {
    let body = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("").as_bytes();
    Some(match name {
        "parseManifest" => {
            let content_type = args.get(1).and_then(Value::as_str);
            parse(body(0), content_type).map(|m| json(&m)).map_err(fail)
        }
        "selectPlatform" => parse(body(0), None).map_err(fail).and_then(|index| {
            let host = platform_arg(args.get(1).unwrap_or(&Value::Null))?;
            Ok(select_platform(&index, &host, MatchMode::Only).map_or(Value::Null, |d| json(&d)))
        }),
        _ => return None,
    })
}

#[test]
fn fixtures() {
    let n = run("manifest", dispatch);
    assert!(n > 150, "only {n} cases");
}

// ---------------------------------------------------------------------------------------
// The shared fixture directory (../shared/fixtures/manifests), driven by its index.json.

/// Documents whose source calls them valid but which strict validation refuses, and why.
/// Everything else follows index.json's validity word.
const REFUSED_THOUGH_VALID: &[(&str, &str)] = &[
    (
        "containers-image/internal-manifest-testdata/ociv1.artifact.json",
        "containers/image decodes without validating: config.digest is \"\" and layers is null",
    ),
    (
        "containers-image/internal-manifest-testdata/ociv1nomime.artifact.json",
        "as ociv1.artifact.json, without mediaType",
    ),
];

/// Documents whose source calls them invalid for reasons outside image-spec's rules.
const ACCEPTED_THOUGH_INVALID: &[(&str, &str)] = &[(
    "containers-image/manifest-fixtures/ociv1.invalid.mediatype.manifest.json",
    "invalid only to containers/image's compression detection (layer type tar+unknown); \
     image-spec allows any layer media type and says unknown ones must be ignored",
)];

fn expect_ok<T>(
    failures: &mut Vec<String>,
    file: &str,
    what: &str,
    result: Result<T, ManifestError>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            failures.push(format!("{file}: {what} refused: {e}"));
            None
        }
    }
}

fn expect_err<T: std::fmt::Debug>(
    failures: &mut Vec<String>,
    file: &str,
    what: &str,
    result: Result<T, ManifestError>,
    code: Option<&str>,
) {
    match result {
        Ok(v) => failures.push(format!("{file}: {what} accepted: {v:?}")),
        Err(e) => {
            if let Some(code) = code {
                if e.code() != code {
                    failures.push(format!(
                        "{file}: {what}: want {code}, got {} ({e})",
                        e.code()
                    ));
                }
            }
        }
    }
}

/// [`expect_err`] with the code most refusals carry.
fn expect_invalid<T: std::fmt::Debug>(
    failures: &mut Vec<String>,
    file: &str,
    what: &str,
    result: Result<T, ManifestError>,
) {
    expect_err(failures, file, what, result, Some("MANIFEST_INVALID"));
}

#[test]
fn shared_fixture_directory() {
    let dir = shared_manifests();
    let index: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert!(
        index.len() >= 250,
        "index.json lists only {} files",
        index.len()
    );
    let mut failures = Vec::new();
    let mut parsed_manifests = 0;
    for entry in &index {
        let file = entry["file"].as_str().unwrap();
        let kind = entry["kind"].as_str().unwrap();
        let validity = entry["validity"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let failures = &mut failures;

        // The index's own checksum is of the exact bytes; so is ours.
        let sha = compute(Algorithm::Sha256, &bytes);
        if entry["sha256"].as_str() != Some(sha.as_str()) {
            failures.push(format!("{file}: sha256 {} differs from index.json", sha));
        }
        if let Some(stated) = entry.get("stated_digest").and_then(Value::as_str) {
            let matches = entry["digest_matches"].as_bool() == Some(true);
            if (sha.as_str() == stated) != matches {
                failures.push(format!(
                    "{file}: stated {stated}, computed {sha}, matches={matches}"
                ));
            }
        }
        if entry
            .get("digest_matches_filename")
            .and_then(Value::as_bool)
            == Some(true)
        {
            let stem = Path::new(file).file_stem().unwrap().to_str().unwrap();
            if sha.encoded() != stem {
                failures.push(format!(
                    "{file}: content hashes to {sha}, not its file name"
                ));
            }
        }

        let refused_though_valid = REFUSED_THOUGH_VALID.iter().any(|(f, _)| *f == file);
        let accepted_though_invalid = ACCEPTED_THOUGH_INVALID.iter().any(|(f, _)| *f == file);
        match kind {
            "oci-manifest"
            | "docker-manifest-v2"
            | "oci-index"
            | "docker-manifest-list"
            | "manifest(no mediaType)"
            | "index(no mediaType)" => {
                let want_index = kind.contains("index") || kind.contains("list");
                let should_parse = match validity {
                    "valid" | "questionable" | "illustrative" => !refused_though_valid,
                    "invalid" => accepted_though_invalid,
                    "ambiguous" => false,
                    other => panic!("{file}: validity {other}"),
                };
                if should_parse {
                    if let Some(m) = expect_ok(failures, file, "parse", parse(&bytes, None)) {
                        parsed_manifests += 1;
                        check_parsed(failures, file, &bytes, &m, want_index);
                    }
                } else {
                    expect_invalid(failures, file, "parse", parse(&bytes, None));
                }
                if validity == "ambiguous" {
                    // Whatever the descriptor (Content-Type) says, a document with fields of
                    // both kinds is refused (CVE-2021-41190; distribution and containerd).
                    for ct in [media_type::OCI_MANIFEST, media_type::OCI_INDEX] {
                        expect_invalid(failures, file, ct, parse(&bytes, Some(ct)));
                    }
                }
                // Declaring the other kind in the Content-Type is a mismatch or a refusal,
                // never a silent reinterpretation.
                if should_parse && entry_has_media_type(&bytes) {
                    let other = if want_index {
                        media_type::OCI_MANIFEST
                    } else {
                        media_type::OCI_INDEX
                    };
                    expect_invalid(
                        failures,
                        file,
                        "other-kind content type",
                        parse(&bytes, Some(other)),
                    );
                }
            }
            "AMBIGUOUS(manifests+config/layers)" => {
                expect_invalid(failures, file, "parse", parse(&bytes, None));
                for ct in [media_type::OCI_MANIFEST, media_type::OCI_INDEX] {
                    expect_invalid(failures, file, ct, parse(&bytes, Some(ct)));
                }
            }
            "docker-schema1" | "oci-artifact-manifest(removed-from-spec)" => {
                expect_err(
                    failures,
                    file,
                    "parse",
                    parse(&bytes, None),
                    Some("MANIFEST_UNSUPPORTED"),
                );
            }
            "descriptor" => match validity {
                "valid" => {
                    expect_ok(failures, file, "parse_descriptor", parse_descriptor(&bytes));
                }
                _ => expect_invalid(failures, file, "parse_descriptor", parse_descriptor(&bytes)),
            },
            "image-config" => match validity {
                "valid" | "illustrative" => {
                    expect_ok(failures, file, "parse_config", parse_config(&bytes));
                }
                _ => expect_invalid(failures, file, "parse_config", parse_config(&bytes)),
            },
            "not-json" => {
                expect_invalid(failures, file, "parse", parse(&bytes, None));
                expect_invalid(failures, file, "parse_config", parse_config(&bytes));
            }
            "other-json" | "oci-layout-header" => {
                // Not manifests at all (an empty config `{}`, an oci-layout file, a
                // schemaVersion 99999 document): refused whatever their own validity.
                expect_invalid(failures, file, "parse", parse(&bytes, None));
            }
            "json-list" => {
                expect_invalid(failures, file, "parse", parse(&bytes, None));
                let list: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
                for item in list.iter().filter(|item| item.get("digest").is_some()) {
                    let text = serde_json::to_vec(item).unwrap();
                    expect_ok(
                        failures,
                        file,
                        "list item as descriptor",
                        parse_descriptor(&text),
                    );
                }
            }
            other => failures.push(format!("{file}: unhandled kind {other}")),
        }
        // The descriptor-shaped documents and configs are never manifests.
        if matches!(kind, "descriptor" | "image-config") {
            expect_err(
                failures,
                file,
                "parse as manifest",
                parse(&bytes, None),
                None,
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures over {} shared fixtures:\n{}",
        failures.len(),
        index.len(),
        failures.join("\n")
    );
    assert!(
        parsed_manifests >= 135,
        "only {parsed_manifests} manifests parsed"
    );
}

fn entry_has_media_type(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| v.get("mediaType").cloned())
        .is_some()
}

fn check_parsed(
    failures: &mut Vec<String>,
    file: &str,
    bytes: &[u8],
    m: &Manifest,
    want_index: bool,
) {
    if m.is_index() != want_index {
        failures.push(format!("{file}: parsed as {:?}", m.kind));
    }
    let sha = compute(Algorithm::Sha256, bytes);
    if m.digest != sha || m.size != bytes.len() as u64 {
        failures.push(format!(
            "{file}: digest/size {} {} not of the bytes",
            m.digest, m.size
        ));
    }
    // The JSON shape: exactly API.md's keys.
    let shape = serde_json::to_value(m).unwrap();
    let allowed = [
        "mediaType",
        "kind",
        "schemaVersion",
        "digest",
        "size",
        "config",
        "layers",
        "manifests",
        "subject",
        "artifactType",
        "annotations",
        "totalSize",
    ];
    for key in shape.as_object().unwrap().keys() {
        if !allowed.contains(&key.as_str()) {
            failures.push(format!("{file}: unexpected key {key} in the JSON shape"));
        }
    }
    match m.kind {
        ManifestKind::Image => {
            let layers: u64 = m.layers.as_ref().unwrap().iter().map(|d| d.size).sum();
            let config = m.config.as_ref().unwrap().size;
            if m.layers_size() != Some(layers) || shape["totalSize"] != json!(layers + config) {
                failures.push(format!(
                    "{file}: sizes {:?} {}",
                    m.layers_size(),
                    shape["totalSize"]
                ));
            }
        }
        ManifestKind::Index => {
            if shape.get("totalSize").is_some() || m.total_size().is_some() {
                failures.push(format!("{file}: an index has no totalSize"));
            }
        }
    }
    // Round trip: the JSON shape is itself a valid document of the same media type, with
    // the same descriptors except what the shape leaves out or renames (`data`, and the
    // platform's `os.version`/`os.features`, spelled `osVersion`/`osFeatures` there).
    let again = parse(&serde_json::to_vec(&shape).unwrap(), None);
    match again {
        Ok(again) => {
            let strip = |m: &Manifest| {
                let mut m = m.clone();
                for d in m
                    .config
                    .iter_mut()
                    .chain(m.layers.iter_mut().flatten())
                    .chain(m.manifests.iter_mut().flatten())
                {
                    d.data = None;
                    if let Some(p) = &mut d.platform {
                        p.os_version = None;
                        p.os_features = None;
                    }
                }
                (
                    m.media_type,
                    m.config,
                    m.layers,
                    m.manifests,
                    m.annotations,
                    m.artifact_type,
                )
            };
            if strip(&again) != strip(m) {
                failures.push(format!(
                    "{file}: shape does not parse back to the same descriptors"
                ));
            }
        }
        Err(e) => failures.push(format!("{file}: shape does not parse back: {e}")),
    }
}
