//! parse_www_authenticate over arbitrary values; Bearer helpers on whatever parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(challenges) = pullgate::auth::parse_www_authenticate(s) {
            for c in &challenges {
                let _ = c.scopes();
            }
        }
    }
});
