//! Runs a shared JSON fixture (`tests/fixtures/<area>.json`) against the Rust API and reports
//! every failing case. The same files run later through wasm and the npm package.

#![allow(dead_code)] // each test crate uses its own subset

use pullgate::ErrorCode;
use serde_json::Value;

/// What a dispatched call produced: a JSON result, or an error's code and message.
pub type Outcome = Result<Value, (String, String)>;

/// Turns a crate error into an [`Outcome`] error.
pub fn fail<E: ErrorCode + std::fmt::Display>(e: E) -> (String, String) {
    (e.code().to_owned(), e.to_string())
}

/// Serializes a result.
pub fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serializable")
}

/// Loads `tests/fixtures/<name>.json`, runs every case through `dispatch` (which returns
/// `None` for a function it does not know), and panics listing every failure.
pub fn run(name: &str, dispatch: impl Fn(&str, &[Value]) -> Option<Outcome>) -> usize {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture file");
    let doc: Value = serde_json::from_str(&text).expect("fixture json");
    let cases = doc["cases"].as_array().expect("cases array");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let f = case["fn"].as_str().expect("fn");
        let args = case["args"].as_array().expect("args");
        let Some(got) = dispatch(f, args) else {
            failures.push(format!("#{i} {f}: unknown function"));
            continue;
        };
        let pass = match (&got, case.get("ok"), case.get("error")) {
            (Ok(v), Some(want), None) => v == want,
            (Err((code, msg)), None, Some(want)) => {
                want["code"] == code.as_str() && want["message"] == msg.as_str()
            }
            _ => false,
        };
        if !pass {
            let want = case
                .get("ok")
                .or(case.get("error"))
                .cloned()
                .unwrap_or_default();
            let got = match got {
                Ok(v) => v,
                Err((c, m)) => serde_json::json!({"code": c, "message": m}),
            };
            failures.push(format!(
                "#{i} {f}({})\n   want {want}\n    got {got}",
                Value::Array(args.clone())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {name} fixture cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

/// A header list given as an array of pairs or an object, as a JS caller passes it.
pub fn header_pairs(v: &Value) -> Vec<(String, String)> {
    match v {
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| {
                (
                    p[0].as_str().expect("name").to_owned(),
                    p[1].as_str().expect("value").to_owned(),
                )
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("value").to_owned()))
            .collect(),
        _ => panic!("headers must be an array of pairs or an object"),
    }
}
