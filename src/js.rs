//! The JavaScript surface of the core (the npm package `pullgate`, contract in API.md).
//!
//! Only this module knows JavaScript. It converts JS values into the core's inputs, calls the
//! core, and returns plain data (strings, objects, `Uint8Array`) so JS never holds Rust memory.
//! Every failure is thrown as a `PullgateError` (defined in `js/error.js`, which wasm-bindgen
//! copies into the package as a snippet) carrying the core's [`ErrorCode`]: workers-rs sets
//! `err.code` for the same reason, so callers branch on codes, never on messages.

use std::fmt::Display;

use js_sys::{ArrayBuffer, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::digest::{compute, Algorithm};
use crate::reference;
use crate::ErrorCode;

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    /// The exported `PullgateError` class: an `Error` with a stable `code`.
    #[wasm_bindgen(js_name = PullgateError)]
    type JsPullgateError;

    #[wasm_bindgen(constructor, js_class = "PullgateError")]
    fn new(code: &str, message: &str) -> JsPullgateError;
}

/// The thrown form of a core error.
fn to_js<E: ErrorCode + Display>(err: E) -> JsValue {
    JsPullgateError::new(err.code(), &err.to_string()).into()
}

/// Plain data out: a JS object (not a `Map`) with absent fields left out, as API.md shapes it.
fn to_plain<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(JsValue::from)
}

/// A JS argument of the wrong type. The .d.ts rules these out for typed callers; untyped
/// callers still get a `PullgateError`, never a bare `TypeError` from the glue.
fn invalid_argument(what: &str, expected: &str) -> JsValue {
    JsPullgateError::new("INVALID_ARGUMENT", &format!("{what} must be {expected}")).into()
}

/// A required string argument.
fn string_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(what, "a string"))
}

/// The bytes of a `Uint8Array` (or any other view or `ArrayBuffer`) or of a string (UTF-8).
fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(view) = value
        .dyn_ref::<js_sys::Object>()
        .filter(|_| ArrayBuffer::is_view(value))
    {
        let view: &js_sys::DataView = view.unchecked_ref();
        let array = Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        );
        return Ok(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    Err(invalid_argument(what, "a Uint8Array or a string"))
}

/// An optional string argument: `undefined` and `null` are absent.
fn optional_string(value: Option<JsValue>, what: &str) -> Result<Option<String>, JsValue> {
    match value {
        None => Ok(None),
        Some(value) if value.is_undefined() || value.is_null() => Ok(None),
        Some(value) => value
            .as_string()
            .map(Some)
            .ok_or_else(|| invalid_argument(what, "a string")),
    }
}

#[wasm_bindgen(typescript_custom_section)]
const DIGEST_TS: &str = r#"
/**
 * The digest of `bytes` (a `Uint8Array` or a string, hashed as UTF-8), as
 * `"<algorithm>:<hex>"`. `algorithm` is `"sha256"` (the default), `"sha384"` or `"sha512"`;
 * any other algorithm throws a `PullgateError` with code `DIGEST_UNSUPPORTED`.
 */
export function digest(bytes: Uint8Array | string, algorithm?: "sha256" | "sha384" | "sha512"): string;
"#;

/// `digest(bytes, algorithm = "sha256")`; typed by `DIGEST_TS` (an optional parameter the
/// generated signature can't express).
#[wasm_bindgen(js_name = digest, skip_typescript)]
pub fn digest(bytes: JsValue, algorithm: Option<JsValue>) -> Result<String, JsValue> {
    let bytes = bytes_of(&bytes, "bytes")?;
    let algorithm = match optional_string(algorithm, "algorithm")? {
        Some(name) => name.parse::<Algorithm>().map_err(to_js)?,
        None => Algorithm::Sha256,
    };
    Ok(compute(algorithm, &bytes).to_string())
}

#[wasm_bindgen(typescript_custom_section)]
const REFERENCE_TS: &str = r#"
/** A parsed image reference (API.md, "References"). */
export interface Reference {
  /** `domain/path`, or `path` when there is no domain. */
  name: string;
  /** Present only when the input had one (always set by `normalizeReference`). */
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
  /** The canonical text. */
  string: string;
}

/** A reference normalized as Docker does (`docker.io`, `library/`). */
export interface NormalizedReference extends Reference {
  domain: string;
  /** distribution/reference `FamiliarString`, e.g. `hello:latest`. */
  familiar: string;
  /** distribution/reference `FamiliarName`, e.g. `hello`. */
  familiarName: string;
}

/**
 * distribution/reference `Parse`: the reference as written, no normalization.
 * Throws a `PullgateError` (`REFERENCE_INVALID_FORMAT`, `NAME_TOO_LONG`, ...).
 */
export function parseReference(s: string): Reference;

/**
 * distribution/reference `ParseNormalizedNamed`: `hello` is `docker.io/library/hello`.
 * Throws a `PullgateError` (`NAME_CONTAINS_UPPERCASE`, `NAME_IS_IMAGE_ID`, ...).
 */
export function normalizeReference(s: string): NormalizedReference;
"#;

/// `parseReference(s)`; typed by `REFERENCE_TS`.
#[wasm_bindgen(js_name = parseReference, skip_typescript)]
pub fn parse_reference(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed)
}

/// `normalizeReference(s)`; typed by `REFERENCE_TS`.
#[wasm_bindgen(js_name = normalizeReference, skip_typescript)]
pub fn normalize_reference(s: JsValue) -> Result<JsValue, JsValue> {
    let parsed = reference::parse_normalized_named(&string_of(&s, "reference")?).map_err(to_js)?;
    to_plain(&parsed.normalized())
}
