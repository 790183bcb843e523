//! Runs a shared JSON fixture (`tests/fixtures/<area>.json`, `{"cases": [{"fn", "args",
//! "ok" | "error": {"code", "message"}}]}`) against the Rust API and reports every failing
//! case. The same files run later through wasm and the npm package, so each test file keeps
//! only its `dispatch`: the JS function name and arguments mapped onto the Rust call.

use pullgate::ErrorCode;
use serde_json::{json, Value};

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

/// Runs `tests/fixtures/<name>.json` through [`run_file`].
pub fn run(name: &str, dispatch: impl Fn(&str, &[Value]) -> Option<Outcome>) -> usize {
    run_file(
        &format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR")),
        dispatch,
    )
}

/// Loads a fixture file, runs every case through `dispatch` (which returns `None` for a
/// function it does not know), and panics listing every failure; returns the case count.
///
/// A case passes when the call succeeds with exactly `ok`, or fails with exactly `error`
/// (its code and its message).
pub fn run_file(path: &str, dispatch: impl Fn(&str, &[Value]) -> Option<Outcome>) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).expect("fixture json");
    let cases = doc["cases"].as_array().expect("cases array");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let f = case["fn"].as_str().expect("fn");
        let args = case["args"].as_array().expect("args");
        let want = match (case.get("ok"), case.get("error")) {
            (Some(ok), None) => Ok(ok),
            (None, Some(error)) => Err(error),
            _ => {
                failures.push(format!("#{i} {f}: needs exactly one of ok/error"));
                continue;
            }
        };
        let Some(got) = dispatch(f, args) else {
            failures.push(format!("#{i} {f}: unknown function"));
            continue;
        };
        let got = got.map_err(|(code, message)| json!({ "code": code, "message": message }));
        if got.as_ref() != want {
            let note = case.get("note").and_then(Value::as_str);
            failures.push(format!(
                "#{i} {f}({}){}\n   want {}\n    got {}",
                Value::Array(args.clone()),
                note.map(|n| format!(" ({n})")).unwrap_or_default(),
                show(want),
                show(got.as_ref())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases in {path} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

fn show(r: Result<&Value, &Value>) -> String {
    match r {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("error {e}"),
    }
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
