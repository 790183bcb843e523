//! Reference parsing never panics; what parses prints back to itself, its offsets slice the
//! same parts as its accessors, and normalizing is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::reference::{
    familiar_match, parse, parse_any_reference, parse_docker_ref, parse_named,
    parse_normalized_named, scan, validate_hub_repository_name, with_digest, with_name, with_tag,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match parse(s) {
        Ok(r) => {
            assert_eq!(r.as_str(), s);
            assert_eq!(scan(s), Ok(r.spans()));
            let [domain_end, path_start, name_end, tag_start, tag_end, digest_start, familiar] =
                r.offsets().map(|o| o as usize);
            assert_eq!(&s[..domain_end], r.domain().unwrap_or(""));
            assert_eq!(&s[path_start..name_end], r.path());
            assert_eq!(&s[tag_start..tag_end], r.tag().unwrap_or(""));
            assert_eq!(&s[digest_start..], r.digest().unwrap_or(""));
            assert_eq!(&s[familiar..], r.familiar_string());
            let mut rebuilt = with_name(r.name()).expect("name of a reference");
            if let Some(tag) = r.tag() {
                rebuilt = with_tag(&rebuilt, tag).expect("tag of a reference");
            }
            if let Some(digest) = r.digest() {
                rebuilt = with_digest(&rebuilt, digest).expect("digest of a reference");
            }
            assert_eq!(rebuilt, r);
        }
        Err(e) => assert_eq!(e.input(), s),
    }
    if let Ok(n) = parse_normalized_named(s) {
        assert_eq!(parse_named(n.as_str()).as_ref(), Ok(&n));
        assert_eq!(parse_normalized_named(n.familiar_string()).as_ref(), Ok(&n));
    }
    let _ = parse_docker_ref(s);
    let _ = validate_hub_repository_name(s);
    if let Ok(any) = parse_any_reference(s) {
        let _ = familiar_match(s, &any);
    }
});
