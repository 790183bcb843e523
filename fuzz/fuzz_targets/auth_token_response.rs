//! parse_token_response over arbitrary bodies: never panics, lifetimes are at least 60 s.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(t) = pullgate::auth::parse_token_response(s) {
            assert!(t.expires_in >= 60);
            assert!(!t.token.is_empty());
        }
    }
});
