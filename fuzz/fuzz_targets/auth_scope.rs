//! parse_scopes over arbitrary text: what parses formats back to text that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::auth::{format_scope, parse_scope, parse_scopes};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(scopes) = parse_scopes(s) {
            for scope in scopes {
                let text = format_scope(&scope);
                assert_eq!(parse_scope(&text).ok(), Some(scope));
            }
        }
    }
});
