//! classify_too_many_requests over arbitrary bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let kind = pullgate::ratelimit::classify_too_many_requests(429, data);
    assert!(kind.is_some());
    let _ = pullgate::ratelimit::parse_quota_setting("PULL_LIMIT", &String::from_utf8_lossy(data));
});
