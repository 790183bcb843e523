//! Manifest, descriptor and config parsing never panic; what parses carries the digest and
//! size of the exact bytes, serializes, and its JSON shape parses back to the same kind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::digest::{compute, Algorithm};
use pullgate::manifest::{self, media_type, parse, parse_config, parse_descriptor};
use pullgate::platform::{MatchMode, Platform};

const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some(media_type::OCI_MANIFEST),
    Some(media_type::OCI_INDEX),
    Some(media_type::DOCKER_MANIFEST_LIST),
    Some("application/json; charset=utf-8"),
    Some("text/html"),
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the Content-Type; the rest is the body.
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    if let Ok(m) = parse(body, content_type) {
        assert_eq!(m.digest, compute(Algorithm::Sha256, body));
        assert_eq!(m.size, body.len() as u64);
        let shape = serde_json::to_vec(&m).expect("a manifest always serializes");
        let again = parse(&shape, None).expect("the JSON shape is a valid manifest");
        assert_eq!((again.kind, &again.media_type), (m.kind, &m.media_type));
        assert_eq!(again.layers_size(), m.layers_size());
        let host = Platform::new("linux", "arm64");
        for mode in [MatchMode::Only, MatchMode::Strict, MatchMode::Exact] {
            if let Some(chosen) = manifest::select_platform(&m, &host, mode) {
                assert!(!chosen.is_attestation());
            }
        }
        for attestation in manifest::attestations(&m) {
            assert!(attestation.manifest.is_attestation());
        }
    }
    if let Ok(d) = parse_descriptor(body) {
        serde_json::to_vec(&d).expect("a descriptor always serializes");
    }
    if let Ok(config) = parse_config(body) {
        serde_json::to_vec(&config).expect("a config always serializes");
    }
});
