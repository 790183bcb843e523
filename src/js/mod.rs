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
pub(crate) fn to_js<E: ErrorCode + Display>(err: E) -> JsValue {
    JsPullgateError::new(err.code(), &err.to_string()).into()
}

/// Plain data out: a JS object (not a `Map`) with absent fields left out, as API.md shapes it.
pub(crate) fn to_plain<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(JsValue::from)
}

/// A JS argument of the wrong type. The .d.ts rules these out for typed callers; untyped
/// callers still get a `PullgateError`, never a bare `TypeError` from the glue.
pub(crate) fn invalid_argument(what: &str, expected: &str) -> JsValue {
    JsPullgateError::new("INVALID_ARGUMENT", &format!("{what} must be {expected}")).into()
}

/// A required string argument.
pub(crate) fn string_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(what, "a string"))
}

/// The bytes of a `Uint8Array` (or any other view or `ArrayBuffer`) or of a string (UTF-8).
pub(crate) fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
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
pub(crate) fn optional_string(
    value: Option<JsValue>,
    what: &str,
) -> Result<Option<String>, JsValue> {
    match value {
        None => Ok(None),
        Some(value) if value.is_undefined() || value.is_null() => Ok(None),
        Some(value) => value
            .as_string()
            .map(Some)
            .ok_or_else(|| invalid_argument(what, "a string")),
    }
}

mod api;
mod explorer;
mod gateway;
