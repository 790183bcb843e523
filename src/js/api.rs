//! The API.md surface of the npm package: one `#[wasm_bindgen]` export per documented function.

use wasm_bindgen::prelude::*;

use super::{bytes_of, optional_string, string_of, to_js, to_plain};
use crate::digest::{compute, Algorithm};
use crate::reference;

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
