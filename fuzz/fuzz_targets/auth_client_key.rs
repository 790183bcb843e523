//! client_key over arbitrary text and prefixes: keys are stable (keying a key gives it back).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&prefix, rest)) = data.split_first() else {
        return;
    };
    if let Ok(s) = std::str::from_utf8(rest) {
        if let Ok(key) = pullgate::auth::client_key(s, prefix) {
            assert_eq!(pullgate::auth::client_key(&key, prefix).ok(), Some(key));
        }
    }
});
