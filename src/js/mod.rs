//! The JavaScript surface of the core (the npm package `pullgate`, contract in API.md).
//!
//! Only this module knows JavaScript. It converts JS values into the core's inputs, calls the
//! core, and returns plain data (strings, objects, `Uint8Array`) so JS never holds Rust memory.
//! Every failure is thrown as a `PullgateError` (defined in `js/error.js`, which wasm-bindgen
//! copies into the package as a snippet) carrying the core's [`ErrorCode`]: workers-rs sets
//! `err.code` for the same reason, so callers branch on codes, never on messages.
//!
//! Hostile input never reaches a trap: every JS call that can throw (getters, proxies,
//! `toJSON`) goes through a `catch` import, and text and byte arguments are bounded
//! ([`MAX_INPUT`]) before they are copied into wasm memory, so no allocation can fail.

use std::fmt::Display;

use js_sys::{ArrayBuffer, JsString, Reflect, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::json;
use crate::ErrorCode;

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    /// The exported `PullgateError` class: an `Error` with a stable `code`.
    #[wasm_bindgen(js_name = PullgateError)]
    type JsPullgateError;

    #[wasm_bindgen(constructor, js_class = "PullgateError")]
    fn new(code: &str, message: &str) -> JsPullgateError;
}

/// The longest text (UTF-16 units) or byte argument copied into wasm at once: 64 Mi. Streaming
/// hashes take any size (they copy in bounded slices); nothing else needs more (a manifest is
/// at most 4 MiB).
pub(crate) const MAX_INPUT: u32 = 64 << 20;

// The helpers below are `#[inline(never)]`: every export calls some of them, and one copy
// each instead of one per export keeps the npm package's wasm about 0.5 KB (gzip) smaller
// (issue 4's size budget); none is on a hot path (parseReference's fast path uses none).

/// The thrown form of a core error.
#[inline(never)]
pub(crate) fn to_js<E: ErrorCode + Display>(err: E) -> JsValue {
    error(err.code(), &err.to_string())
}

/// A `PullgateError` with this code and message.
#[inline(never)]
pub(crate) fn error(code: &str, message: &str) -> JsValue {
    JsPullgateError::new(code, message).into()
}

/// Plain data out: JSON text parsed by the host (absent fields left out, as API.md shapes
/// it). Numbers above 2^53 - 1 become the nearest double, exactly as `JSON.parse` reads them.
#[inline(never)]
pub(crate) fn to_plain<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| error("INVALID_ARGUMENT", &format!("unserializable result: {e}")))?;
    JSON::parse(&text).map_err(|_| error("INVALID_ARGUMENT", "unserializable result"))
}

/// A JS argument of the wrong type. The .d.ts rules these out for typed callers; untyped
/// callers still get a `PullgateError`, never a bare `TypeError` from the glue.
#[inline(never)]
pub(crate) fn invalid_argument(what: &str, expected: &str) -> JsValue {
    error("INVALID_ARGUMENT", &format!("{what} must be {expected}"))
}

fn too_large(what: &str, len: u32) -> JsValue {
    error(
        "INVALID_ARGUMENT",
        &format!("{what} is too large ({len}; at most {MAX_INPUT})"),
    )
}

/// A required string argument (lone surrogates read as U+FFFD).
#[inline(never)]
pub(crate) fn string_of(value: &JsValue, what: &str) -> Result<String, JsValue> {
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Err(invalid_argument(what, "a string"));
    };
    if text.length() > MAX_INPUT {
        return Err(too_large(what, text.length()));
    }
    value
        .as_string()
        .ok_or_else(|| invalid_argument(what, "a string"))
}

/// A byte view over a `Uint8Array`, any other typed array or `DataView`, or an `ArrayBuffer`.
#[inline(never)]
pub(crate) fn byte_view(value: &JsValue) -> Option<Uint8Array> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Some(array.clone());
    }
    if ArrayBuffer::is_view(value) {
        let view: &js_sys::DataView = value.unchecked_ref();
        return Some(Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        ));
    }
    value
        .dyn_ref::<ArrayBuffer>()
        .map(|buffer| Uint8Array::new(buffer))
}

/// The bytes of a `Uint8Array` (or any other view or `ArrayBuffer`) or of a string (UTF-8).
#[inline(never)]
pub(crate) fn bytes_of(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if value.is_string() {
        return string_of(value, what).map(String::into_bytes);
    }
    let Some(array) = byte_view(value) else {
        return Err(invalid_argument(what, "a Uint8Array or a string"));
    };
    if array.length() > MAX_INPUT {
        return Err(too_large(what, array.length()));
    }
    Ok(array.to_vec())
}

/// An optional argument: `undefined` and `null` are absent.
#[inline(never)]
pub(crate) fn present(value: Option<JsValue>) -> Option<JsValue> {
    value.filter(|v| !v.is_undefined() && !v.is_null())
}

/// An optional string argument: `undefined` and `null` are absent.
#[inline(never)]
pub(crate) fn optional_string(
    value: Option<JsValue>,
    what: &str,
) -> Result<Option<String>, JsValue> {
    present(value).map(|v| string_of(&v, what)).transpose()
}

/// Field `key` of an options object (`undefined` when the options are absent). Getters that
/// throw and proxies are caught.
#[inline(never)]
pub(crate) fn option(options: &Option<JsValue>, key: &str) -> Result<Option<JsValue>, JsValue> {
    let Some(options) = present(options.clone()) else {
        return Ok(None);
    };
    if !options.is_object() {
        return Err(invalid_argument("options", "an object"));
    }
    let value = Reflect::get(&options, &JsValue::from_str(key))
        .map_err(|_| invalid_argument(&format!("options.{key}"), "readable"))?;
    Ok(present(Some(value)))
}

/// A plain-data object argument read through `JSON.stringify` (getters that throw, cycles,
/// `BigInt`s and proxies are caught) into the crate's JSON tree, then by `read`.
///
/// As serde's derive reads a struct: an object's members named in `fields` are read, any
/// other member is skipped unread (so what an argument may carry beside them is exactly what
/// a derived `Deserialize` allowed), and an array is read whole (positional fields). No typed
/// `Deserialize` runs: serde's invalid-type errors would bring core's float printer into the
/// wasm (issue 4, size).
#[inline(never)]
pub(crate) fn object_of<T>(
    value: &JsValue,
    what: &str,
    expected: &str,
    fields: &[&[&str]],
    read: impl FnOnce(&json::Value<'_>) -> Result<T, String>,
) -> Result<T, JsValue> {
    let text = json_text(value, what, expected)?;
    let fail = |detail: String| {
        error(
            "INVALID_ARGUMENT",
            &format!("{what} must be {expected}: {detail}"),
        )
    };
    let tree = json::read(text.as_bytes(), json::Keys::Only(fields)).map_err(|e| {
        fail(match e.duplicate {
            Some(field) => format!("duplicate field {}", describe_str(&field)),
            None => e.syntax.to_string(),
        })
    })?;
    read(&tree).map_err(fail)
}

/// `s` quoted as a JSON string (cut when long), for messages.
pub(crate) fn describe_str(s: &str) -> String {
    crate::manifest::json::quote(s)
}

/// The values of a derived struct's fields, in the order of `fields` (each a name and its
/// aliases), from an object's members by name or from an array by position, as serde's derive
/// reads both. A field given twice (by a name and an alias) is an error, as it is to serde; so
/// is an array longer than the struct.
pub(crate) fn struct_fields<'v, 'a>(
    value: &'v json::Value<'a>,
    fields: &[&[&str]],
) -> Result<Vec<Option<&'v json::Value<'a>>>, String> {
    let mut out = vec![None; fields.len()];
    match value {
        json::Value::Object(members) => {
            for (key, item) in members {
                let Some(i) = fields
                    .iter()
                    .position(|names| names.contains(&key.as_ref()))
                else {
                    continue;
                };
                if let Some(slot) = out.get_mut(i) {
                    if slot.is_some() {
                        let name = fields.get(i).and_then(|n| n.first()).copied().unwrap_or("");
                        return Err(format!("duplicate field {}", describe_str(name)));
                    }
                    *slot = Some(item);
                }
            }
        }
        json::Value::Array(items) if items.len() <= fields.len() => {
            for (slot, item) in out.iter_mut().zip(items) {
                *slot = Some(item);
            }
        }
        json::Value::Array(items) => {
            return Err(format!(
                "an array of {} values, at most {} expected",
                items.len(),
                fields.len()
            ))
        }
        other => return Err(format!("got {}", crate::manifest::json::describe(other))),
    }
    Ok(out)
}

/// A string field (`field` names it in the message, formatted only then).
pub(crate) fn string_field(value: &json::Value<'_>, field: impl Display) -> Result<String, String> {
    match value {
        json::Value::String(s) => Ok(s.to_string()),
        other => Err(not_a_string(other, field)),
    }
}

/// The message for a value that should have been a string.
pub(crate) fn not_a_string(value: &json::Value<'_>, field: impl Display) -> String {
    format!(
        "{field}: must be a string, got {}",
        crate::manifest::json::describe(value)
    )
}

/// An array-of-strings field.
pub(crate) fn strings_field(value: &json::Value<'_>, field: &str) -> Result<Vec<String>, String> {
    match value {
        json::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string_field(item, format_args!("{field}[{i}]")))
            .collect(),
        other => Err(format!(
            "{field}: must be an array of strings, got {}",
            crate::manifest::json::describe(other)
        )),
    }
}

/// The JSON text of an object argument.
#[inline(never)]
pub(crate) fn json_text(value: &JsValue, what: &str, expected: &str) -> Result<String, JsValue> {
    // Byte views are data, never these objects (and stringifying one is one key per byte).
    if !value.is_object() || value.is_function() || byte_view(value).is_some() {
        return Err(invalid_argument(what, expected));
    }
    if js_sys::Array::is_array(value) {
        let length = Reflect::get(value, &JsValue::from_str("length"))
            .ok()
            .and_then(|n| n.as_f64())
            .unwrap_or(f64::INFINITY);
        if length > f64::from(MAX_INPUT) / 4.0 {
            return Err(too_large(what, length.min(f64::from(u32::MAX)) as u32));
        }
    }
    let text = JSON::stringify(value)
        .map_err(|_| invalid_argument(what, expected))?
        .unchecked_into::<JsValue>();
    let Some(length) = text.dyn_ref::<JsString>().map(JsString::length) else {
        return Err(invalid_argument(what, expected));
    };
    if length > MAX_INPUT {
        return Err(too_large(what, length));
    }
    text.as_string()
        .ok_or_else(|| invalid_argument(what, expected))
}

#[wasm_bindgen]
extern "C" {
    /// `Array.from`, caught: the copy of an array-like argument (a proxy's traps run here).
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// A real array copied from an array argument, so reading its elements runs no user code.
#[inline(never)]
pub(crate) fn array_copy(value: &JsValue, what: &str) -> Result<js_sys::Array, JsValue> {
    if !js_sys::Array::is_array(value) {
        return Err(invalid_argument(what, "an array"));
    }
    let copy = array_from(value).map_err(|_| invalid_argument(what, "a readable array"))?;
    if copy.length() > MAX_INPUT {
        return Err(too_large(what, copy.length()));
    }
    Ok(copy)
}

mod api;
#[cfg(feature = "explorer")]
mod explorer;
#[cfg(feature = "gateway")]
mod gateway;
mod registry;
