//! Digest parsing never panics, and what parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::digest::{verify_content, Digest};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Digest::parse(s) {
        assert_eq!(d.as_str(), s);
        assert_eq!(Digest::parse(&d.to_string()).as_ref(), Ok(&d));
        assert_eq!(format!("{}:{}", d.algorithm(), d.encoded()), s);
    }
    if let Ok(d) = Digest::parse_verifiable(s) {
        assert_eq!(Digest::parse(s).as_ref(), Ok(&d));
        assert!(d.algorithm_kind().is_some());
    }
    let _ = verify_content(data, None, Some(s));
});
