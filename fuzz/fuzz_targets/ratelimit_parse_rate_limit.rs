//! parse_rate_limit over arbitrary header lists: never panics, and a decoded result
//! serializes.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
    "ratelimit",
    "docker-ratelimit-source",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Each line is "<name index><value>", so the fuzzer explores combinations of fields.
    let pairs: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| {
            let mut chars = line.chars();
            let i = chars.next()? as usize % NAMES.len();
            Some((NAMES[i], chars.as_str()))
        })
        .collect();
    if let Ok(Some(rl)) = pullgate::ratelimit::parse_rate_limit(pairs) {
        let _ = format!("{rl:?}");
    }
});
