//! The JavaScript surface of the core (the npm package `pullgate`, contract in API.md).
//!
//! Only this module knows JavaScript. It converts JS values into the core's inputs, calls the
//! core, and returns plain data (strings, objects, `Uint8Array`) so JS never holds Rust memory.
//! Every failure is thrown as a `PullgateError` (defined in `js/error.js`, which wasm-bindgen
//! copies into the package as a snippet) carrying the core's [`ErrorCode`]: workers-rs sets
//! `err.code` for the same reason, so callers branch on codes, never on messages.

use std::fmt::Display;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// INTERIM until core-ref's digest.rs lands: the same contract, on sha2 directly.
use crate::ErrorCode;
use interim_digest::{compute, Algorithm};

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

/// A JS argument of the wrong type. The .d.ts rules these out for typed callers; untyped
/// callers still get a `PullgateError`, never a bare `TypeError` from the glue.
fn invalid_argument(what: &str, expected: &str) -> JsValue {
    JsPullgateError::new("INVALID_ARGUMENT", &format!("{what} must be {expected}")).into()
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
 * `"<algorithm>:<hex>"`. `algorithm` is `"sha256"` (the default) or `"sha512"`; any other
 * algorithm throws a `PullgateError` with code `DIGEST_UNSUPPORTED`.
 */
export function digest(bytes: Uint8Array | string, algorithm?: "sha256" | "sha512"): string;
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

mod interim_digest {
    use sha2::{Digest as _, Sha256, Sha512};
    use std::fmt;

    pub enum Algorithm {
        Sha256,
        Sha512,
    }

    pub struct Unsupported(String);

    impl fmt::Display for Unsupported {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "unsupported digest algorithm {:?}", self.0)
        }
    }

    impl crate::ErrorCode for Unsupported {
        fn code(&self) -> &'static str {
            "DIGEST_UNSUPPORTED"
        }
    }

    impl std::str::FromStr for Algorithm {
        type Err = Unsupported;
        fn from_str(s: &str) -> Result<Self, Unsupported> {
            match s {
                "sha256" => Ok(Algorithm::Sha256),
                "sha512" => Ok(Algorithm::Sha512),
                other => Err(Unsupported(other.to_string())),
            }
        }
    }

    pub fn compute(algorithm: Algorithm, bytes: &[u8]) -> String {
        let (name, hex) = match algorithm {
            Algorithm::Sha256 => ("sha256", hex(&Sha256::digest(bytes))),
            Algorithm::Sha512 => ("sha512", hex(&Sha512::digest(bytes))),
        };
        format!("{name}:{hex}")
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
