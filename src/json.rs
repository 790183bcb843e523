//! The crate's one JSON tree, read with `serde_json`'s parser.
//!
//! Every JSON document the npm package reads goes through [`read`], so its wasm carries one
//! value visitor and no typed `Deserialize` code: serde's typed paths reach
//! `de::Error::invalid_type`, whose `Unexpected::Float` arm alone pulls core's float printer
//! (about 20 KB of wasm, issue 4's size budget). Syntax, depth (`serde_json`'s recursion limit
//! of 128), number range and string rules are `serde_json`'s own in every mode, so which
//! documents parse is exactly what `serde_json::from_slice` decides.
//!
//! Three ways to treat object keys, one per kind of caller:
//! - [`Keys::Unique`]: content-addressed documents (manifests, configs) refuse any object with
//!   a repeated key (see `manifest::json`, CVE-2021-41190).
//! - [`Keys::LastWins`]: lenient bodies (token responses, 429 bodies) keep the last of equal
//!   keys, as `serde_json::Value` does, so switching them to this tree changed no outcome.
//! - [`Keys::Only`]: an argument object read like a derived struct: the top-level members named
//!   are read into the tree, any other member is skipped unread (`IgnoredAny`, which has no
//!   depth limit and does not check what it skips, exactly as a derive ignores unknown fields).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON number as `serde_json` reports it (without `arbitrary_precision`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number<'a> {
    /// A non-negative integer that fits in `u64`.
    Unsigned(u64),
    /// A negative integer that fits in `i64`.
    Negative(i64),
    /// Anything written with a fraction or exponent, or too large for 64 bits: its text as it
    /// appears in the document (`1.47e3`), so messages name the input exactly and no float is
    /// ever printed. `None` when the reader skipped part of the document ([`Keys::Only`]).
    Float(Option<&'a str>),
}

/// One JSON value; strings borrow from the input when they have no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    /// Members in document order (with [`Keys::LastWins`], each key once, at the place of its
    /// first occurrence with the value of its last).
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The value of `key` in an object (`None` for other values or a missing key).
    pub(crate) fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// How object keys are treated (see the module doc).
#[derive(Clone, Copy)]
pub(crate) enum Keys<'k> {
    Unique,
    LastWins,
    // Read by the wasm's argument decoding (src/js) only.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Only(&'k [&'k [&'k str]]),
}

/// Why a document did not read.
#[derive(Debug)]
pub(crate) struct Error {
    /// The repeated key, when that was the reason ([`Keys::Unique`], or a member [`Keys::Only`]
    /// names given twice).
    pub(crate) duplicate: Option<String>,
    /// `serde_json`'s error (for a repeated key, its position).
    pub(crate) syntax: serde_json::Error,
}

/// Reads `body` as one JSON document.
pub(crate) fn read<'a>(body: &'a [u8], keys: Keys<'_>) -> Result<Value<'a>, Error> {
    let state = State {
        duplicate: RefCell::new(None),
        floats: Cell::new(0),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = TreeSeed {
        state: &state,
        keys,
        top: true,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok(mut value) => {
            // Floats are rare in the documents read here: only then is the text scanned again
            // for their lexemes. Skipped members would misalign the numbers, hence not for Only.
            if state.floats.get() > 0 && !matches!(keys, Keys::Only(_)) {
                let mut numbers = NumberLexemes { body, at: 0 };
                fill_floats(&mut value, &mut numbers);
            }
            Ok(value)
        }
        Err(syntax) => Err(Error {
            duplicate: state.duplicate.into_inner(),
            syntax,
        }),
    }
}

struct State {
    duplicate: RefCell<Option<String>>,
    floats: Cell<usize>,
}

struct TreeSeed<'c, 'k> {
    state: &'c State,
    keys: Keys<'k>,
    /// Whether this is the document's top-level value ([`Keys::Only`] filters only there).
    top: bool,
}

impl<'c, 'k> TreeSeed<'c, 'k> {
    fn child(&self) -> Self {
        TreeSeed {
            state: self.state,
            keys: self.keys,
            top: false,
        }
    }
}

impl<'de> DeserializeSeed<'de> for TreeSeed<'_, '_> {
    type Value = Value<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TreeSeed<'_, '_> {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Number(Number::Unsigned(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value<'de>, E> {
        Ok(Value::Number(if v >= 0 {
            Number::Unsigned(v.unsigned_abs())
        } else {
            Number::Negative(v)
        }))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Value<'de>, E> {
        self.state.floats.set(self.state.floats.get() + 1);
        Ok(Value::Number(Number::Float(None)))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut items = Vec::with_capacity(4);
        while let Some(item) = seq.next_element_seed(self.child())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        // Descriptors and platforms have 2 to 8 members: one allocation for most objects.
        let mut members: Vec<(Cow<'de, str>, Value<'de>)> = Vec::with_capacity(8);
        let only = match self.keys {
            Keys::Only(names) if self.top => Some(names),
            _ => None,
        };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if only.is_some_and(|fields| !fields.iter().any(|names| names.contains(&key.as_ref())))
            {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(self.child())?;
            members.push((key, value));
        }
        if matches!(self.keys, Keys::LastWins) {
            keep_last(&mut members);
        } else if let Some(key) = first_duplicate(&members) {
            *self.state.duplicate.borrow_mut() = Some(key);
            return Err(de::Error::custom("duplicate key"));
        }
        Ok(Value::Object(members))
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The positions of `members` with keys in sorted order, equal keys in document order.
fn key_order(members: &[(Cow<'_, str>, Value<'_>)]) -> Vec<usize> {
    // The crate's one sort (crate::order) keeps the wasm small.
    crate::order::sorted_order(members.len(), &mut |a, b| {
        members[a].0.as_ref().cmp(members[b].0.as_ref())
    })
}

/// The first key (in sorted order for large objects) that occurs twice, if any.
/// Small objects are compared pairwise; large ones sorted, so the check stays
/// `O(n log n)` even for an annotation map with a hundred thousand keys.
fn first_duplicate(members: &[(Cow<'_, str>, Value<'_>)]) -> Option<String> {
    if members.len() <= 16 {
        for (i, (key, _)) in members.iter().enumerate() {
            if members.iter().skip(i + 1).any(|(other, _)| other == key) {
                return Some(key.to_string());
            }
        }
        return None;
    }
    let order = key_order(members);
    order
        .windows(2)
        .find(|pair| members[pair[0]].0 == members[pair[1]].0)
        .map(|pair| members[pair[0]].0.to_string())
}

/// Keeps one member per key, with the value of its last occurrence (`serde_json::Value`'s map
/// semantics), in `O(n log n)`.
fn keep_last(members: &mut Vec<(Cow<'_, str>, Value<'_>)>) {
    if first_duplicate(members).is_none() {
        return;
    }
    let order = key_order(members);
    // For each run of equal keys (document order within the run): the first position keeps
    // its place and takes the last one's value; the others go.
    let mut drop = vec![false; members.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && members[order[end]].0 == members[order[start]].0 {
            end += 1;
        }
        if end - start > 1 {
            let (first, last) = (order[start], order[end - 1]);
            let value = std::mem::replace(&mut members[last].1, Value::Null);
            members[first].1 = value;
            for &i in &order[start + 1..end] {
                drop[i] = true;
            }
        }
        start = end;
    }
    let mut i = 0;
    members.retain(|_| {
        let keep = !drop[i];
        i += 1;
        keep
    });
}

/// The number tokens of a document already known to be valid JSON, in document order.
struct NumberLexemes<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Iterator for NumberLexemes<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while let Some(&b) = self.body.get(self.at) {
            match b {
                b'"' => {
                    // Skip the string (keys too): an escape's next byte can't end it.
                    self.at += 1;
                    while let Some(&c) = self.body.get(self.at) {
                        self.at += if c == b'\\' { 2 } else { 1 };
                        if c == b'"' {
                            break;
                        }
                    }
                }
                b'-' | b'0'..=b'9' => {
                    let start = self.at;
                    while self.body.get(self.at).is_some_and(|c| {
                        matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                    }) {
                        self.at += 1;
                    }
                    // ASCII by construction.
                    return std::str::from_utf8(self.body.get(start..self.at)?).ok();
                }
                _ => self.at += 1,
            }
        }
        None
    }
}

/// Gives each float of `value` its lexeme: the tree holds every number of the document, in
/// document order, so the n-th number node is the n-th number token.
fn fill_floats<'a>(value: &mut Value<'a>, numbers: &mut NumberLexemes<'a>) {
    match value {
        Value::Number(number) => {
            let lexeme = numbers.next();
            if let Number::Float(text) = number {
                *text = lexeme;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| fill_floats(item, numbers)),
        Value::Object(members) => members
            .iter_mut()
            .for_each(|(_, item)| fill_floats(item, numbers)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keep_their_text() {
        let doc =
            br#"{"a": [1, -2, 1.50, {"x\"1.0": 6.75598e5}], "b": 18446744073709551616, "c": -0}"#;
        let tree = read(doc, Keys::Unique).unwrap();
        let texts: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|k| tree.get(k).cloned().unwrap())
            .collect();
        let Value::Array(items) = &texts[0] else {
            panic!("{texts:?}")
        };
        assert_eq!(items[0], Value::Number(Number::Unsigned(1)));
        assert_eq!(items[1], Value::Number(Number::Negative(-2)));
        assert_eq!(items[2], Value::Number(Number::Float(Some("1.50"))));
        assert_eq!(
            items[3].get("x\"1.0"),
            Some(&Value::Number(Number::Float(Some("6.75598e5"))))
        );
        assert_eq!(
            texts[1],
            Value::Number(Number::Float(Some("18446744073709551616")))
        );
        assert_eq!(texts[2], Value::Number(Number::Float(Some("-0"))));
    }

    #[test]
    fn last_wins_like_serde_json_value() {
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        let doc = format!("{{\"k7\":0,{many}\"k7\":2,\"z\":{{\"a\":1,\"a\":[3]}}}}");
        let tree = read(doc.as_bytes(), Keys::LastWins).unwrap();
        let ours = serde_json::to_value(SerdeView(&tree)).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(ours, theirs);
        let Value::Object(members) = &tree else {
            panic!()
        };
        assert_eq!(members.len(), 41);
        assert!(matches!(
            read(doc.as_bytes(), Keys::Unique),
            Err(Error { duplicate: Some(ref k), .. }) if k == "a"
        ));
    }

    #[test]
    fn only_skips_other_members_unread() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        let doc = format!(r#"{{"x": {deep}, "y": "\ud800", "os": "linux"}}"#);
        let tree = read(doc.as_bytes(), Keys::Only(&[&["os"]])).unwrap();
        assert_eq!(
            tree,
            Value::Object(vec![("os".into(), Value::String("linux".into()))])
        );
        assert!(read(doc.as_bytes(), Keys::Unique).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&doc).is_err());
    }

    /// The tree as serde sees it, to compare with `serde_json::Value`.
    struct SerdeView<'t, 'a>(&'t Value<'a>);

    impl serde::Serialize for SerdeView<'_, '_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self.0 {
                Value::Null => s.serialize_unit(),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Number(Number::Unsigned(n)) => s.serialize_u64(*n),
                Value::Number(Number::Negative(n)) => s.serialize_i64(*n),
                Value::Number(Number::Float(text)) => {
                    s.serialize_f64(text.and_then(|t| t.parse().ok()).unwrap_or(f64::NAN))
                }
                Value::String(v) => s.serialize_str(v),
                Value::Array(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(&SerdeView(item))?;
                    }
                    seq.end()
                }
                Value::Object(members) => {
                    let mut map = s.serialize_map(Some(members.len()))?;
                    for (k, v) in members {
                        map.serialize_entry(k, &SerdeView(v))?;
                    }
                    map.end()
                }
            }
        }
    }
}
