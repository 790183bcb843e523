//! The API.md surface of the npm package: one `#[wasm_bindgen]` export per documented function.
//!
//! The package's public names and types come from `js/api.js` and `js/index.d.ts`: that module
//! re-exports these functions (wrapping `parseReference`, `Hasher` and `DigestVerifier` for
//! speed), so the generated declarations are skipped here.

use std::cell::{Cell, RefCell};

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{
    array_copy, byte_view, bytes_of, describe_str, invalid_argument, json_text, not_a_string,
    object_of, option, optional_string, present, string_field, string_of, strings_field,
    struct_fields, to_js, to_plain,
};
use crate::auth::{self, Scope};
use crate::digest::{self, Algorithm, Digest, DigestError};
use crate::json;
use crate::manifest::{self, Manifest};
use crate::platform::{self, MatchMode, Matcher, Platform};
use crate::ratelimit;
use crate::reference;

// ---------------------------------------------------------------------------------------
// References

/// How many bytes of a reference the fast path takes (longer ones use [`parse_reference`]).
const SCAN_INPUT: usize = 1024;

thread_local! {
    /// The fast path's input: JS writes an ASCII reference here, then calls
    /// [`scan_reference`] with its length (no Rust borrow is alive while JS writes).
    static SCAN_IN: RefCell<[u8; SCAN_INPUT]> = const { RefCell::new([0; SCAN_INPUT]) };
    /// The fast path's output: the [`reference::Spans`] of the last successful scan.
    static SCAN_OUT: [Cell<u32>; 9] = const { [const { Cell::new(0) }; 9] };
}

/// Where the fast path's input and output live in wasm memory (byte offsets), and the input's
/// capacity: `[input, output, capacity]`.
#[wasm_bindgen(js_name = __scanLayout, skip_typescript)]
pub fn scan_layout() -> Vec<u32> {
    let input = SCAN_IN.with(|buf| buf.as_ptr() as usize as u32);
    let output = SCAN_OUT.with(|cells| cells.as_ptr() as usize as u32);
    vec![input, output, SCAN_INPUT as u32]
}

/// `parseReference`'s fast path: scans the `len` ASCII bytes JS wrote at the input and, when
/// they are a reference, writes `[domainEnd, pathStart, nameEnd, tagStart, tagEnd,
/// digestStart, end]` at the output and returns 1; else returns 0 (JS then calls
/// [`parse_reference`] for the error). Nothing is allocated.
#[wasm_bindgen(js_name = __scanReference, skip_typescript)]
pub fn scan_reference(len: usize) -> u32 {
    // Bytes, not a `str`: a reference is ASCII, so the scan itself rejects anything else and
    // no UTF-8 validation pass is needed first.
    let spans = SCAN_IN.with(|buf| {
        let buf = buf.try_borrow().ok()?;
        reference::scan_bytes(buf.get(..len)?).ok()
    });
    let Some(spans) = spans else {
        return 0;
    };
    let values = [
        spans.domain_end,
        spans.path_start,
        spans.name_end,
        spans.tag_start,
        spans.tag_end,
        spans.digest_start,
        spans.end,
    ];
    SCAN_OUT.with(|cells| {
        for (cell, value) in cells.iter().zip(values) {
            cell.set(value as u32);
        }
    });
    1
}

/// The strings [`scan_normalized`] puts before the input (its `head`, by index): `""`,
/// `"docker.io/"`, `"docker.io/library/"`.
#[wasm_bindgen(js_name = __normalizedHeads, skip_typescript)]
pub fn normalized_heads() -> Array {
    std::iter::once("")
        .chain(reference::HUB_HEADS)
        .map(JsValue::from_str)
        .collect()
}

/// `normalizeReference`'s (`canonical_only`: `parseNamed`'s) fast path: normalizes the `len`
/// ASCII bytes JS wrote at the input and, when they are a reference (already canonical, for
/// `parseNamed`), writes `[domainEnd, pathStart, nameEnd, tagStart, tagEnd, digestStart,
/// familiarStart, head, cut]` at the output and returns 1: the canonical string is
/// `heads[head] + input.slice(cut)` and the offsets are into it. Else returns 0 (JS then
/// calls the export for the error).
#[wasm_bindgen(js_name = __scanNormalized, skip_typescript)]
pub fn scan_normalized(len: usize, canonical_only: bool) -> u32 {
    let parts = SCAN_IN.with(|buf| {
        let buf = buf.try_borrow().ok()?;
        let text = std::str::from_utf8(buf.get(..len)?).ok()?;
        let (head, cut, parsed) = reference::normalized_parts(text).ok()?;
        if canonical_only && parsed.as_str() != text {
            return None;
        }
        let head = reference::HUB_HEADS
            .iter()
            .position(|h| *h == head)
            .map_or(0, |i| i + 1);
        Some((parsed.offsets(), head, cut))
    });
    let Some((offsets, head, cut)) = parts else {
        return 0;
    };
    let values = offsets.into_iter().chain([head as u32, cut as u32]);
    SCAN_OUT.with(|cells| {
        for (cell, value) in cells.iter().zip(values) {
            cell.set(value);
        }
    });
    1
}

/// `parseReference(s)`: the object, or the error.
#[wasm_bindgen(js_name = __parseReference, skip_typescript)]
pub fn parse_reference(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `normalizeReference(s)`.
#[wasm_bindgen(js_name = normalizeReference, skip_typescript)]
pub fn normalize_reference(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse_normalized_named(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed.normalized())
}

/// `parseDockerRef(s)`.
#[wasm_bindgen(js_name = parseDockerRef, skip_typescript)]
pub fn parse_docker_ref(s: JsValue) -> Result<String, JsValue> {
    let parsed = reference::parse_docker_ref(&string_of(&s, "reference")?).map_err(to_js)?;
    Ok(parsed.into_string())
}

/// `validateHubRepositoryName(s)`.
#[wasm_bindgen(js_name = validateHubRepositoryName, skip_typescript)]
pub fn validate_hub_repository_name(s: JsValue) -> Result<(), JsValue> {
    reference::validate_hub_repository_name(&string_of(&s, "name")?).map_err(to_js)
}

/// `parseNamed(s)`: `ParseNamed`, the canonical form only.
#[wasm_bindgen(js_name = parseNamed, skip_typescript)]
pub fn parse_named(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse_named(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed.normalized())
}

/// `parseAnyReference(s)`: `ParseAnyReference` (a bare digest or image ID is a digest).
#[wasm_bindgen(js_name = parseAnyReference, skip_typescript)]
pub fn parse_any_reference(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse_any_reference(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `withName(name)`: `WithName`.
#[wasm_bindgen(js_name = withName, skip_typescript)]
pub fn with_name(name: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::with_name(&string_of(&name, "name")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `withTag(reference, tag)`: `WithTag` on `Parse(reference)`.
#[wasm_bindgen(js_name = withTag, skip_typescript)]
pub fn with_tag(s: JsValue, tag: JsValue) -> Result<String, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    let tagged = reference::with_tag(&parsed, &string_of(&tag, "tag")?).map_err(to_js)?;
    Ok(tagged.into_string())
}

/// `withDigest(reference, digest)`: `WithDigest` on `Parse(reference)`.
#[wasm_bindgen(js_name = withDigest, skip_typescript)]
pub fn with_digest(s: JsValue, digest: JsValue) -> Result<String, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    let with = reference::with_digest(&parsed, &string_of(&digest, "digest")?).map_err(to_js)?;
    Ok(with.into_string())
}

/// `familiarString(reference)`: `FamiliarString` of `Parse(reference)`.
#[wasm_bindgen(js_name = familiarString, skip_typescript)]
pub fn familiar_string(s: JsValue) -> Result<String, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    Ok(parsed.familiar_string().to_owned())
}

/// `familiarName(reference)`: `FamiliarName` of `Parse(reference)`.
#[wasm_bindgen(js_name = familiarName, skip_typescript)]
pub fn familiar_name(s: JsValue) -> Result<String, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    Ok(parsed.familiar_name().to_owned())
}

// ---------------------------------------------------------------------------------------
// Digests

/// `parseDigest`'s fast path: when the `len` ASCII bytes JS wrote at the scan input are a
/// digest, returns the offset of its `:` plus one; else 0 (JS then calls [`parse_digest`] for
/// the error). Nothing is allocated.
#[wasm_bindgen(js_name = __scanDigest, skip_typescript)]
pub fn scan_digest(len: usize) -> u32 {
    SCAN_IN
        .with(|buf| {
            let buf = buf.try_borrow().ok()?;
            let text = std::str::from_utf8(buf.get(..len)?).ok()?;
            digest::separator(text)
        })
        .map_or(0, |sep| sep as u32 + 1)
}

/// `parseDigest(s)`.
#[wasm_bindgen(js_name = __parseDigest, skip_typescript)]
pub fn parse_digest(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = Digest::parse(&string_of(&s, "digest")?).map_err(to_js)?;
    to_plain(&parsed.parts())
}

fn algorithm_of(value: Option<JsValue>) -> Result<Algorithm, JsValue> {
    match optional_string(value, "algorithm")? {
        Some(name) => name.parse::<Algorithm>().map_err(to_js),
        None => Ok(Algorithm::Sha256),
    }
}

/// The slice copied out of a `Uint8Array` per hash update: small enough to stay in cache.
const COPY_SLICE: usize = 64 * 1024;

thread_local! {
    /// The buffer those slices are copied into, reused by every hash (no allocation per chunk).
    static COPY_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Feeds a string or byte view to `update`, copying views through a reused 64 KiB buffer so
/// memory stays flat whatever their size.
fn feed(value: &JsValue, what: &str, mut update: impl FnMut(&[u8])) -> Result<(), JsValue> {
    if value.is_string() {
        update(string_of(value, what)?.as_bytes());
        return Ok(());
    }
    let Some(array) = byte_view(value) else {
        return Err(invalid_argument(what, "a Uint8Array or a string"));
    };
    let total = array.length() as usize;
    COPY_BUF.with(|buf| {
        let mut owned;
        let mut borrowed = buf.try_borrow_mut();
        let buf: &mut Vec<u8> = match borrowed.as_deref_mut() {
            Ok(buf) => buf,
            Err(_) => {
                owned = Vec::new();
                &mut owned
            }
        };
        buf.resize(COPY_SLICE.min(total.max(1)).max(buf.len()), 0);
        let mut start = 0;
        while start < total {
            let end = total.min(start + COPY_SLICE);
            let part = buf.get_mut(..end - start).unwrap_or_default();
            array.subarray(start as u32, end as u32).copy_to(part);
            update(part);
            start = end;
        }
    });
    Ok(())
}

/// `digest(bytes, algorithm = "sha256")`.
#[wasm_bindgen(js_name = digest, skip_typescript)]
pub fn digest(bytes: JsValue, algorithm: Option<JsValue>) -> Result<String, JsValue> {
    if !bytes.is_string() && byte_view(&bytes).is_none() {
        return Err(invalid_argument("bytes", "a Uint8Array or a string"));
    }
    let mut hasher = digest::Hasher::new(algorithm_of(algorithm)?);
    feed(&bytes, "bytes", |chunk| hasher.update(chunk))?;
    Ok(hasher.finish().into_string())
}

/// `verifyDigest(bytes, digest)`: `true` or `false`; throws for a malformed or unsupported
/// digest.
#[wasm_bindgen(js_name = verifyDigest, skip_typescript)]
pub fn verify_digest(bytes: JsValue, expected: JsValue) -> Result<bool, JsValue> {
    if !bytes.is_string() && byte_view(&bytes).is_none() {
        return Err(invalid_argument("bytes", "a Uint8Array or a string"));
    }
    let expected = Digest::parse(&string_of(&expected, "digest")?).map_err(to_js)?;
    let mut verifier = digest::Verifier::new(&expected).map_err(to_js)?;
    feed(&bytes, "bytes", |chunk| verifier.update(chunk))?;
    match verifier.verify() {
        Ok(()) => Ok(true),
        Err(DigestError::Mismatch { .. }) => Ok(false),
        Err(e) => Err(to_js(e)),
    }
}

/// `checkDigest(digest)`: the algorithm of a digest that can be verified, else the error
/// (`DigestVerifier`'s check, shared by the native-hash path of the Node entry).
#[wasm_bindgen(js_name = __verifiableAlgorithm, skip_typescript)]
pub fn verifiable_algorithm(expected: JsValue) -> Result<String, JsValue> {
    let expected = Digest::parse(&string_of(&expected, "digest")?).map_err(to_js)?;
    let verifier = digest::Verifier::new(&expected).map_err(to_js)?;
    drop(verifier);
    Ok(expected.algorithm().to_owned())
}

/// The algorithm name a `Hasher` computes (`sha256` when absent), or the error.
#[wasm_bindgen(js_name = __hashAlgorithm, skip_typescript)]
pub fn hash_algorithm(algorithm: Option<JsValue>) -> Result<String, JsValue> {
    Ok(algorithm_of(algorithm)?.name().to_owned())
}

/// The wasm `Hasher` (browsers; Node and Workers use the host's hash behind the same API).
#[wasm_bindgen(js_name = WasmHasher, skip_typescript)]
pub struct Hasher {
    inner: digest::Hasher,
}

#[wasm_bindgen(js_class = WasmHasher)]
impl Hasher {
    /// `new Hasher(algorithm = "sha256")`.
    #[wasm_bindgen(constructor)]
    pub fn new(algorithm: Option<JsValue>) -> Result<Hasher, JsValue> {
        Ok(Hasher {
            inner: digest::Hasher::new(algorithm_of(algorithm)?),
        })
    }

    /// Feeds the next chunk (`Uint8Array` or string).
    pub fn update(&mut self, chunk: JsValue) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        feed(&chunk, "chunk", |bytes| inner.update(bytes))
    }

    /// The digest of everything fed so far; the hasher then starts over.
    pub fn finish(&mut self) -> String {
        self.inner.finish_reset().into_string()
    }
}

// ---------------------------------------------------------------------------------------
// Platforms

fn platform_of(value: &JsValue, what: &str) -> Result<Platform, JsValue> {
    if value.is_string() {
        return platform::parse(&string_of(value, what)?).map_err(to_js);
    }
    object_of(
        value,
        what,
        "a platform string or object",
        PLATFORM_FIELDS,
        platform_from_tree,
    )
}

/// `Platform`'s fields as its derived `Deserialize` names them (each with its aliases).
const PLATFORM_FIELDS: &[&[&str]] = &[
    &["os"],
    &["architecture"],
    &["variant"],
    &["osVersion", "os.version"],
    &["osFeatures", "os.features"],
];

/// A platform object as `Platform`'s derived `Deserialize` reads it: every field optional,
/// `os.version` and `os.features` accepted for `osVersion` and `osFeatures`.
fn platform_from_tree(value: &json::Value<'_>) -> Result<Platform, String> {
    let fields = struct_fields(value, PLATFORM_FIELDS)?;
    let get = |i: usize| fields.get(i).copied().flatten();
    let optional = |i: usize| get(i).filter(|v| **v != json::Value::Null);
    Ok(Platform {
        os: get(0)
            .map(|v| string_field(v, "os"))
            .transpose()?
            .unwrap_or_default(),
        architecture: get(1)
            .map(|v| string_field(v, "architecture"))
            .transpose()?
            .unwrap_or_default(),
        variant: optional(2)
            .map(|v| string_field(v, "variant"))
            .transpose()?,
        os_version: optional(3)
            .map(|v| string_field(v, "osVersion"))
            .transpose()?,
        os_features: optional(4)
            .map(|v| strings_field(v, "osFeatures"))
            .transpose()?,
    })
}

fn mode_of(options: &Option<JsValue>) -> Result<MatchMode, JsValue> {
    match option(options, "mode")? {
        None => Ok(MatchMode::Only),
        Some(mode) => mode
            .as_string()
            .and_then(|name| MatchMode::from_name(&name))
            .ok_or_else(|| invalid_argument("options.mode", "\"only\", \"strict\" or \"exact\"")),
    }
}

/// `parsePlatform(s)`.
#[wasm_bindgen(js_name = parsePlatform, skip_typescript)]
pub fn parse_platform(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = platform::parse(&string_of(&s, "platform")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `formatPlatform(p, { all? })`.
#[wasm_bindgen(js_name = formatPlatform, skip_typescript)]
pub fn format_platform(p: JsValue, options: Option<JsValue>) -> Result<String, JsValue> {
    let parsed = platform_of(&p, "platform")?;
    let all = match option(&options, "all")? {
        None => false,
        Some(all) => all
            .as_bool()
            .ok_or_else(|| invalid_argument("options.all", "a boolean"))?,
    };
    Ok(if all {
        platform::format_all(&parsed)
    } else {
        platform::format(&parsed)
    })
}

/// `platformMatches(host, candidate, { mode? })`.
#[wasm_bindgen(js_name = platformMatches, skip_typescript)]
pub fn platform_matches(
    host: JsValue,
    candidate: JsValue,
    options: Option<JsValue>,
) -> Result<bool, JsValue> {
    let host = platform_of(&host, "host")?;
    let candidate = platform_of(&candidate, "candidate")?;
    Ok(Matcher::new(&host, mode_of(&options)?).matches(&candidate))
}

/// `sortPlatforms(host, candidates, { mode? })`: the candidates as given, best first.
#[wasm_bindgen(js_name = sortPlatforms, skip_typescript)]
pub fn sort_platforms(
    host: JsValue,
    candidates: JsValue,
    options: Option<JsValue>,
) -> Result<Array, JsValue> {
    let host = platform_of(&host, "host")?;
    let given = array_copy(&candidates, "candidates")?;
    let mut items = Vec::with_capacity(given.length() as usize);
    for (i, value) in given.iter().enumerate() {
        items.push((
            value.clone(),
            platform_of(&value, &format!("candidates[{i}]"))?,
        ));
    }
    Matcher::new(&host, mode_of(&options)?).sort_by_platform(&mut items, |(_, p)| Some(p));
    Ok(items.into_iter().map(|(value, _)| value).collect())
}

// ---------------------------------------------------------------------------------------
// Manifests

/// `parseManifest(body, contentType?)`.
#[wasm_bindgen(js_name = parseManifest, skip_typescript)]
pub fn parse_manifest(body: JsValue, content_type: Option<JsValue>) -> Result<JsValue, JsValue> {
    let bytes = manifest_bytes(&body)?;
    let content_type = optional_string(content_type, "contentType")?;
    let parsed = manifest::parse(&bytes, content_type.as_deref()).map_err(to_js)?;
    to_plain(&parsed)
}

/// A manifest body: bytes or a string. A body over the manifest limit is refused before it
/// is copied.
fn manifest_bytes(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(array) = byte_view(body) {
        let size = array.length() as usize;
        if size > manifest::MAX_MANIFEST_SIZE {
            return Err(to_js(manifest::ManifestError::TooLarge {
                size,
                limit: manifest::MAX_MANIFEST_SIZE,
            }));
        }
    }
    bytes_of(body, "body")
}

/// `selectPlatform(index, platform)`: the best descriptor, or `undefined`. `index` is a
/// manifest body (`Uint8Array` or string) or a `parseManifest` result.
#[wasm_bindgen(js_name = selectPlatform, skip_typescript)]
pub fn select_platform(index: JsValue, host: JsValue) -> Result<JsValue, JsValue> {
    let parsed: Manifest = if index.is_string() || byte_view(&index).is_some() {
        manifest::parse(&manifest_bytes(&index)?, None).map_err(to_js)?
    } else {
        let text = json_text(&index, "index", "a manifest body or a parseManifest result")?;
        manifest::parse(text.as_bytes(), None).map_err(to_js)?
    };
    let host = platform::normalize(platform_of(&host, "platform")?);
    match manifest::select_platform(&parsed, &host, MatchMode::Only) {
        Some(descriptor) => to_plain(descriptor),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// The `MANIFEST_ACCEPT` value (baked into the package's JS at build time).
#[wasm_bindgen(js_name = __manifestAccept, skip_typescript)]
pub fn manifest_accept() -> String {
    manifest::MANIFEST_ACCEPT.to_owned()
}

// ---------------------------------------------------------------------------------------
// Rate limits and auth

const HEADERS_EXPECTED: &str = "a Headers, an object of strings or an array of [name, value] pairs";

/// Header pairs from a `Headers` or a plain object (arrays of pairs: [`pairs_in`]).
fn header_pairs(headers: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if let Some(native) = headers.dyn_ref::<web_sys::Headers>() {
        let mut pairs = Vec::new();
        let iter = js_sys::try_iter(native)
            .map_err(|_| invalid_argument("headers", HEADERS_EXPECTED))?
            .ok_or_else(|| invalid_argument("headers", HEADERS_EXPECTED))?;
        for entry in iter {
            let entry = entry.map_err(|_| invalid_argument("headers", HEADERS_EXPECTED))?;
            let entry: Array = entry
                .dyn_into()
                .map_err(|_| invalid_argument("headers", HEADERS_EXPECTED))?;
            let name = string_of(&entry.get(0), "header name")?;
            let value = string_of(&entry.get(1), "header value")?;
            pairs.push((name, value));
        }
        return Ok(pairs);
    }
    if !headers.is_object() || byte_view(headers).is_some() {
        return Err(invalid_argument("headers", HEADERS_EXPECTED));
    }
    let entries =
        object_entries(headers).map_err(|_| invalid_argument("headers", HEADERS_EXPECTED))?;
    let mut pairs = Vec::with_capacity(entries.length() as usize);
    for entry in entries.iter() {
        let entry: Array = entry.unchecked_into();
        let name = string_of(&entry.get(0), "header name")?;
        let value = string_of(&entry.get(1), &format!("headers[{name:?}]"))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// `[name, value]` pairs (an array argument's JSON tree), accepted exactly as a derived
/// `Vec<(String, String)>` accepts them, borrowed from the tree.
fn pairs_in<'t>(value: &'t json::Value<'_>) -> Result<Vec<(&'t str, &'t str)>, String> {
    let json::Value::Array(items) = value else {
        return Err("not an array".to_owned());
    };
    let mut pairs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (name, value) = match item {
            json::Value::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
            other => {
                return Err(format!(
                    "[{i}]: must be a [name, value] pair, got {}",
                    manifest::json::describe(other)
                ))
            }
        };
        match (name, value) {
            (json::Value::String(name), json::Value::String(value)) => {
                pairs.push((name.as_ref(), value.as_ref()))
            }
            (json::Value::String(_), other) => {
                return Err(not_a_string(other, format_args!("[{i}][1]")))
            }
            (other, _) => return Err(not_a_string(other, format_args!("[{i}][0]"))),
        }
    }
    Ok(pairs)
}

#[wasm_bindgen]
extern "C" {
    /// `Object.entries`, caught (getters and proxy traps run here); its result is plain.
    #[wasm_bindgen(js_namespace = Object, js_name = entries, catch)]
    fn object_entries(object: &JsValue) -> Result<Array, JsValue>;
}

/// `parseRateLimit(headers)`: the decoded limits, or `null` when no header is present.
#[wasm_bindgen(js_name = parseRateLimit, skip_typescript)]
pub fn parse_rate_limit(headers: JsValue) -> Result<JsValue, JsValue> {
    let parsed = if headers.dyn_ref::<web_sys::Headers>().is_none() && Array::is_array(&headers) {
        // Decoded where the pairs sit in the argument's JSON tree: no String per name and value.
        object_of(&headers, "headers", HEADERS_EXPECTED, &[], |tree| {
            Ok(ratelimit::parse_rate_limit(pairs_in(tree)?))
        })?
    } else {
        let pairs = header_pairs(&headers)?;
        ratelimit::parse_rate_limit(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    };
    match parsed.map_err(to_js)? {
        Some(limit) => to_plain(&limit),
        None => Ok(JsValue::NULL),
    }
}

/// `classifyTooManyRequests(status, body)`: `"pull-limit"`, `"overall-limit"` or `null`.
#[wasm_bindgen(js_name = classifyTooManyRequests, skip_typescript)]
pub fn classify_too_many_requests(status: JsValue, body: JsValue) -> Result<JsValue, JsValue> {
    let status = status
        .as_f64()
        .filter(|s| s.fract() == 0.0 && (0.0..=65535.0).contains(s))
        .ok_or_else(|| invalid_argument("status", "an integer HTTP status"))?
        as u16;
    let body = if present(Some(body.clone())).is_none() {
        Vec::new()
    } else {
        bytes_of(&body, "body")?
    };
    Ok(match ratelimit::classify_too_many_requests(status, &body) {
        Some(kind) => to_plain(&kind)?,
        None => JsValue::NULL,
    })
}

/// `clientKey(ip, { ipv6Prefix = 64 } = {})`.
#[wasm_bindgen(js_name = clientKey, skip_typescript)]
pub fn client_key(ip: JsValue, options: Option<JsValue>) -> Result<String, JsValue> {
    let ip = string_of(&ip, "ip")?;
    let prefix = match option(&options, "ipv6Prefix")? {
        None => auth::DEFAULT_IPV6_PREFIX,
        Some(prefix) => prefix
            .as_f64()
            .filter(|p| p.fract() == 0.0 && (0.0..=255.0).contains(p))
            .ok_or_else(|| invalid_argument("options.ipv6Prefix", "an integer from 0 to 128"))?
            as u8,
    };
    auth::client_key(&ip, prefix).map_err(to_js)
}

/// `parseWwwAuthenticate(value)`.
#[wasm_bindgen(js_name = parseWwwAuthenticate, skip_typescript)]
pub fn parse_www_authenticate(value: JsValue) -> Result<JsValue, JsValue> {
    let parsed = auth::parse_www_authenticate(&string_of(&value, "value")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `parseScope(s)`.
#[wasm_bindgen(js_name = parseScope, skip_typescript)]
pub fn parse_scope(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = auth::parse_scope(&string_of(&s, "scope")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `parseScopes(s)`.
#[wasm_bindgen(js_name = parseScopes, skip_typescript)]
pub fn parse_scopes(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = auth::parse_scopes(&string_of(&s, "scopes")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `formatScope(scope)`.
#[wasm_bindgen(js_name = formatScope, skip_typescript)]
pub fn format_scope(scope: JsValue) -> Result<String, JsValue> {
    let scope = object_of(
        &scope,
        "scope",
        "a { type, class?, name, actions } object",
        SCOPE_FIELDS,
        scope_from_tree,
    )?;
    Ok(auth::format_scope(&scope))
}

/// `Scope`'s fields as its derived `Deserialize` names them.
const SCOPE_FIELDS: &[&[&str]] = &[&["type"], &["class"], &["name"], &["actions"]];

/// A scope object as `Scope`'s derived `Deserialize` reads it (`class` optional).
fn scope_from_tree(value: &json::Value<'_>) -> Result<Scope, String> {
    let fields = struct_fields(value, SCOPE_FIELDS)?;
    let required = |i: usize, name: &str| {
        fields
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| format!("missing field {}", describe_str(name)))
    };
    let class = fields
        .get(1)
        .copied()
        .flatten()
        .filter(|v| **v != json::Value::Null);
    Ok(Scope {
        resource_type: string_field(required(0, "type")?, "type")?,
        class: class.map(|v| string_field(v, "class")).transpose()?,
        name: string_field(required(2, "name")?, "name")?,
        actions: strings_field(required(3, "actions")?, "actions")?,
    })
}

/// `parseTokenResponse(json)`: JSON text or an already-parsed object.
#[wasm_bindgen(js_name = parseTokenResponse, skip_typescript)]
pub fn parse_token_response(json: JsValue) -> Result<JsValue, JsValue> {
    let text = if json.is_string() {
        string_of(&json, "json")?
    } else {
        json_text(&json, "json", "JSON text or an object")?
    };
    let parsed = auth::parse_token_response(&text).map_err(to_js)?;
    to_plain(&parsed)
}

/// The module's memory, for the fast paths of `js/api.js`.
#[wasm_bindgen(js_name = __memory, skip_typescript)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}
