//! A JSON tree read strictly enough for content-addressed documents.
//!
//! `serde_json::Value` silently keeps the last of two equal keys, and a derived struct only
//! notices duplicates among the fields it knows. A manifest whose keys repeat means one thing
//! to one parser and another thing to the next (Go's `encoding/json` keeps the last value and
//! also folds key case; other decoders keep the first), which is the class of confusion behind
//! CVE-2021-41190. So documents are first read into this tree, which refuses any object with
//! a repeated key, and the readers in [`super::parse`] and [`super::config`] then check every
//! field they use by name with a path for the error message.
//!
//! The tree itself is the crate's ([`crate::json`], read in its `Keys::Unique` mode); depth is
//! bounded by `serde_json`'s own recursion limit (128), so its recursive visitor can't be
//! driven into a stack overflow by nesting.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

pub(crate) use crate::json::{Number, Value};

use super::ManifestError;

/// Parses `body` as one JSON document, refusing repeated keys anywhere in it.
pub(crate) fn parse(body: &[u8]) -> Result<Value<'_>, ManifestError> {
    crate::json::read(body, crate::json::Keys::Unique).map_err(|err| match err.duplicate {
        Some(key) => ManifestError::DuplicateKey {
            key,
            line: err.syntax.line(),
            column: err.syntax.column(),
        },
        None => ManifestError::Syntax {
            reason: err.syntax.to_string(),
        },
    })
}

/// Where a value sits in the document, rendered as `layers[0].digest` or
/// `manifests[1].platform["os.version"]` in error messages. Built on the stack while
/// descending, so no allocation happens unless an error is reported.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl<'p> Path<'p> {
    pub(crate) fn key(&'p self, key: &'p str) -> Path<'p> {
        Path::Key(self, key)
    }

    pub(crate) fn index(&'p self, index: usize) -> Path<'p> {
        Path::Index(self, index)
    }

    /// An `Invalid` error for the value at this path. Cold and out of line: an error path,
    /// kept out of the parser's hot code and its many call sites (issue 4, size).
    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(&self, reason: impl Into<String>) -> ManifestError {
        ManifestError::Invalid {
            field: self.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(parent, key) => {
                parent.fmt(f)?;
                let plain =
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if plain {
                    if !matches!(parent, Path::Root) {
                        f.write_str(".")?;
                    }
                    f.write_str(key)
                } else {
                    write!(f, "[{}]", quote(key))
                }
            }
            Path::Index(parent, index) => {
                parent.fmt(f)?;
                write!(f, "[{index}]")
            }
        }
    }
}

/// Quotes `s` as a JSON string, cut to 80 characters so a message stays short even
/// when the offending value is a megabyte of text.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 80;
    let mut cut = s;
    let mut ellipsis = "";
    if let Some((at, _)) = s.char_indices().nth(MAX) {
        cut = s.get(..at).unwrap_or(s);
        ellipsis = "...";
    }
    let quoted = serde_json::to_string(cut).unwrap_or_else(|_| String::from("\"\""));
    if ellipsis.is_empty() {
        quoted
    } else {
        // Keep the closing quote after the ellipsis: "abc..."
        let inner = quoted
            .strip_suffix('"')
            .map(str::to_owned)
            .unwrap_or_default();
        format!("{inner}{ellipsis}\"")
    }
}

/// Describes a value for "must be X, got Y" messages.
pub(crate) fn describe(value: &Value<'_>) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(Number::Unsigned(n)) => n.to_string(),
        Value::Number(Number::Negative(n)) => n.to_string(),
        // The number as written: no float is printed (issue 4: core's float formatting is
        // about 20 KB of wasm), and the message names the input exactly.
        Value::Number(Number::Float(Some(text))) => (*text).to_owned(),
        Value::Number(Number::Float(None)) => "a number".to_owned(),
        Value::String(s) => quote(s),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A JSON object being read: its members and where it sits.
#[derive(Clone, Copy)]
pub(crate) struct Object<'v, 'a, 'p> {
    members: &'v [(Cow<'a, str>, Value<'a>)],
    pub(crate) path: &'p Path<'p>,
}

impl<'v, 'a, 'p> Object<'v, 'a, 'p> {
    /// Reads `value` as an object; `what` names the expected content in the error.
    pub(crate) fn new(
        value: &'v Value<'a>,
        path: &'p Path<'p>,
        what: &str,
    ) -> Result<Self, ManifestError> {
        match value {
            Value::Object(members) => Ok(Object { members, path }),
            other => Err(path.invalid(format!("must be {what}, got {}", describe(other)))),
        }
    }

    /// The members, in document order.
    pub(crate) fn members(&self) -> &'v [(Cow<'a, str>, Value<'a>)] {
        self.members
    }

    /// The value of `key` (exact, case-sensitive match).
    pub(crate) fn get(&self, key: &str) -> Option<&'v Value<'a>> {
        self.members
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value)
    }

    /// Whether `key` is present (even as `null`).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Refuses a member whose name differs from one of `known` only in case.
    ///
    /// Go's `encoding/json`, which most registries and runtimes decode with, matches
    /// field names case-insensitively (with Unicode simple folding, so `ſ` is `s` and the
    /// Kelvin sign is `k`), so `{"mediaType": A, "MediaType": B}` is B to Go and A to a
    /// case-sensitive reader. Such a document is ambiguous and refused.
    pub(crate) fn refuse_case_variants(&self, known: &[&str]) -> Result<(), ManifestError> {
        for (key, _) in self.members {
            if known.contains(&key.as_ref()) {
                continue;
            }
            if let Some(field) = known.iter().find(|field| go_fold_eq(key, field)) {
                return Err(self.path.key(key).invalid(format!(
                    "key differs from {} only in case (ambiguous to case-insensitive decoders)",
                    quote(field)
                )));
            }
        }
        Ok(())
    }
}

/// Case-insensitive equality as Go's `encoding/json` field matching sees it, for an ASCII
/// `field`: ASCII letters fold, and so do U+017F (long s, folds to `s`) and U+212A (Kelvin
/// sign, folds to `k`), the two non-ASCII characters whose simple fold is ASCII.
fn go_fold_eq(key: &str, field: &str) -> bool {
    // Folding only changes byte lengths through the two non-ASCII characters.
    if key.len() != field.len() && key.is_ascii() {
        return false;
    }
    let mut chars = key.chars();
    for expected in field.chars() {
        let Some(c) = chars.next() else {
            return false;
        };
        let folded = match c {
            '\u{017F}' => 's',
            '\u{212A}' => 'k',
            other => other.to_ascii_lowercase(),
        };
        if folded != expected.to_ascii_lowercase() {
            return false;
        }
    }
    chars.next().is_none()
}

/// Reads a string.
pub(crate) fn string<'v>(value: &'v Value<'_>, path: &Path<'_>) -> Result<&'v str, ManifestError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(path.invalid(format!("must be a string, got {}", describe(other)))),
    }
}

/// Reads a boolean.
pub(crate) fn boolean(value: &Value<'_>, path: &Path<'_>) -> Result<bool, ManifestError> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(path.invalid(format!("must be a boolean, got {}", describe(other)))),
    }
}

/// Reads an `int64` that must not be negative (a descriptor `size`).
///
/// Only integers written without fraction or exponent count, as Go's decoder into an
/// `int64` sees it: `1470.0` and `1.47e3` are refused, as are strings and values beyond
/// `i64::MAX` (image-spec `defs.json#/definitions/int64`, `"minimum": 0` on sizes).
pub(crate) fn size(value: &Value<'_>, path: &Path<'_>) -> Result<u64, ManifestError> {
    match value {
        Value::Number(Number::Unsigned(n)) if i64::try_from(*n).is_ok() => Ok(*n),
        Value::Number(Number::Unsigned(n)) => {
            Err(path.invalid(format!("must be at most 9223372036854775807, got {n}")))
        }
        Value::Number(Number::Negative(n)) => {
            Err(path.invalid(format!("must not be negative, got {n}")))
        }
        Value::Number(Number::Float(_)) => {
            Err(path.invalid(format!("must be an integer, got {}", describe(value))))
        }
        other => Err(path.invalid(format!("must be an integer, got {}", describe(other)))),
    }
}

/// Reads an array of strings.
pub(crate) fn string_array(
    value: &Value<'_>,
    path: &Path<'_>,
) -> Result<Vec<String>, ManifestError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &path.index(i)).map(str::to_owned))
            .collect(),
        other => Err(path.invalid(format!(
            "must be an array of strings, got {}",
            describe(other)
        ))),
    }
}

/// Reads an object whose values are all strings (`mapStringString` in image-spec's
/// `defs.json`), e.g. annotations and labels.
pub(crate) fn string_map(
    value: &Value<'_>,
    path: &Path<'_>,
) -> Result<BTreeMap<String, String>, ManifestError> {
    let object = Object::new(value, path, "an object of strings")?;
    let mut map = BTreeMap::new();
    for (key, item) in object.members() {
        let s = string(item, &path.key(key))?;
        map.insert(key.to_string(), s.to_owned());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        let err = parse(br#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(matches!(err, ManifestError::DuplicateKey { ref key, line: 1, .. } if key == "b"));
        let many: String = (0..40).map(|i| format!("\"k{i}\":1,")).collect();
        let doc = format!("{{{many}\"k7\":2}}");
        let err = parse(doc.as_bytes()).unwrap_err();
        assert!(matches!(err, ManifestError::DuplicateKey { ref key, .. } if key == "k7"));
        assert!(parse(br#"{"a": 1, "A": 2}"#).is_ok());
    }

    #[test]
    fn paths_render_like_json_accessors() {
        let root = Path::Root;
        let manifests = root.key("manifests");
        let first = manifests.index(0);
        let platform = first.key("platform");
        let version = platform.key("os.version");
        assert_eq!(
            version.to_string(),
            r#"manifests[0].platform["os.version"]"#
        );
        assert_eq!(root.key("mediaType").to_string(), "mediaType");
    }

    #[test]
    fn go_folding() {
        assert!(go_fold_eq("MediaType", "mediaType"));
        assert!(go_fold_eq("\u{017F}ize", "size"));
        assert!(go_fold_eq("\u{212A}ind", "kind"));
        assert!(!go_fold_eq("mediaTyp", "mediaType"));
    }

    #[test]
    fn quote_truncates() {
        let long = "x".repeat(200);
        let q = quote(&long);
        assert!(q.ends_with("...\""));
        assert_eq!(q.len(), 80 + 5);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let doc = "[".repeat(100_000);
        assert!(matches!(
            parse(doc.as_bytes()),
            Err(ManifestError::Syntax { .. })
        ));
    }
}
