//! The fused single-pass reference scanner against the several-pass scanner it replaced
//! (tests/reference_oracle/, kept verbatim): the same spans and the same error for every
//! input, through `scan`, `with_name` and `parse_normalized_named`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::reference::{parse_normalized_named, scan, with_name, ReferenceError, ScanError};

#[path = "../../tests/reference_oracle/mod.rs"]
mod oracle;

fn kind(e: &ReferenceError) -> Option<ScanError> {
    Some(match e {
        ReferenceError::InvalidFormat { .. } => ScanError::InvalidFormat,
        ReferenceError::NameContainsUppercase { .. } => ScanError::NameContainsUppercase,
        ReferenceError::NameEmpty { .. } => ScanError::NameEmpty,
        ReferenceError::NameTooLong { .. } => ScanError::NameTooLong,
        ReferenceError::DigestInvalidFormat { .. } => ScanError::DigestInvalidFormat,
        ReferenceError::DigestUnsupported { .. } => ScanError::DigestUnsupported,
        _ => return None,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(scan(s), oracle::scan(s), "scan({s:?})");
    let named = with_name(s).map(|r| (r.spans().domain_end, r.spans().path_start));
    assert_eq!(
        named.map_err(|e| kind(&e)),
        oracle::scan_name(s).map_err(Some),
        "with_name({s:?})"
    );
    if let Some((canonical, expected)) = oracle::normalize_spans(s) {
        let got = parse_normalized_named(s)
            .map(|r| (r.as_str().to_owned(), r.spans()))
            .map_err(|e| kind(&e));
        assert_eq!(got, expected.map(|spans| (canonical, spans)).map_err(Some), "{s:?}");
    }
});
