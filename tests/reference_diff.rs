//! The fused single-pass reference scanner against the scanner it replaced
//! (tests/reference_oracle/, verbatim): same spans, same error, for every input. Inputs are
//! drawn from the grammar's alphabet (plus the non-ASCII letters Go lower-cases to ASCII),
//! built from the grammar's productions, and mutated from every string in the shared fixtures.
//!
//! `REFERENCE_DIFF_CASES` sets the size of the plain random sweep (default 1,000,000); the
//! proptest cases shrink a difference to a minimal input.

mod reference_oracle;
use reference_oracle as oracle;

use proptest::prelude::*;
use pullgate::reference::{parse_normalized_named, scan, with_name, ReferenceError, ScanError};
use serde_json::Value;

/// The kind of a [`ReferenceError`] the scanner can produce, for comparing with the oracle.
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

/// Panics (with the input) when the new scanner and the oracle disagree on `s`.
fn same(s: &str) {
    assert_eq!(scan(s), oracle::scan(s), "scan({s:?})");
    let named = with_name(s).map(|r| (r.spans().domain_end, r.spans().path_start));
    assert_eq!(
        named.map_err(|e| kind(&e)),
        oracle::scan_name(s).map_err(Some),
        "with_name({s:?})"
    );
    if let Some((canonical, expected)) = oracle::normalize_spans(s) {
        let got = parse_normalized_named(s);
        match expected {
            Ok(spans) => {
                let r = got.unwrap_or_else(|e| panic!("parse_normalized_named({s:?}): {e}"));
                assert_eq!(
                    (r.as_str(), r.spans()),
                    (canonical.as_str(), spans),
                    "{s:?}"
                );
            }
            Err(e) => assert_eq!(
                got.map(|r| r.into_string()).map_err(|e| kind(&e)),
                Err(Some(e)),
                "parse_normalized_named({s:?})"
            ),
        }
    }
}

/// Every string argument of the shared fixtures, and the bench's references.
fn seeds() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reference.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture"))
        .expect("fixture json");
    let mut out: Vec<String> = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .flat_map(|c| c["args"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    out.extend(
        [
            "docker.io/library/ubuntu:22.04",
            "registry.example.com:5000/team/app/api@sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b",
            "[2001:db8::1]:5000/a/b:c@sha512:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046be58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b",
            "localhost/x__y--z.w:T_a-g.1@sha384:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046be58fcf7418d4390dec8e8fb69d88c06",
            "Foo.Bar-1.baz:1/a.b_c__d---e/f@my-alg+v2.X_y:E58FCF7418D4390DEC8E8FB69D88C06E",
        ]
        .map(str::to_owned),
    );
    out.sort();
    out.dedup();
    out
}

/// The grammar's alphabet, weighted toward the characters that separate parts, and the
/// non-ASCII characters that matter to the lower-cased retry.
const ALPHABET: &[&str] = &[
    "a", "b", "f", "g", "z", "A", "F", "G", "Z", "0", "1", "9", ".", ".", "_", "_", "-", "-", "/",
    "/", "/", ":", ":", ":", "@", "@", "[", "]", "+", "=", " ", "\u{130}", "\u{212a}", "\u{e9}",
    "\u{0}",
];

/// Parts whole productions are made of, so random strings reach deep into the grammar.
const CHUNKS: &[&str] = &[
    "docker.io",
    "localhost",
    "example.com:5000",
    "[::1]",
    "[fe80::1]:443",
    "library",
    "a",
    "A",
    "a-b",
    "a--b",
    "a_b",
    "a__b",
    "a___b",
    "a.b",
    "sha256",
    "sha384",
    "sha512",
    "sha256:",
    "md5",
    "SHA256",
    "e58fcf7418d4390dec8e8fb69d88c06e",
    "E58FCF7418D4390DEC8E8FB69D88C06E",
    "e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b",
    "latest",
    "22.04",
    "_tag",
    "-x",
    "x-",
    ":5000",
    "/",
    "@",
    ":",
];

/// xorshift64*: deterministic, so a failure reproduces from its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One random input: alphabet soup, productions glued together, or a mutated seed.
fn input(rng: &mut Rng, seeds: &[String]) -> String {
    let mut s = match rng.below(4) {
        0 => (0..rng.below(40)).map(|_| rng.pick(ALPHABET)).collect(),
        1 => (0..rng.below(8)).map(|_| rng.pick(CHUNKS)).collect(),
        _ => seeds[rng.below(seeds.len())].clone(),
    };
    for _ in 0..rng.below(4) {
        let mut chars: Vec<char> = s.chars().collect();
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => chars[at] = rng.pick(ALPHABET).chars().next().unwrap_or('a'),
            2 => chars
                .splice(at..at, rng.pick(CHUNKS).chars())
                .for_each(drop),
            3 => chars.truncate(at),
            _ => chars
                .splice(at..at, rng.pick(ALPHABET).chars())
                .for_each(drop),
        }
        s = chars.into_iter().collect();
    }
    if rng.below(64) == 0 {
        // Long paths and tags: the 255-character and 128-character limits.
        let n = 100 + rng.below(200);
        let part = if rng.below(2) == 0 { "/a" } else { "a" };
        let at = rng.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, &part.repeat(n / part.len()));
        }
    }
    s
}

#[test]
fn seeds_agree() {
    for s in seeds() {
        same(&s);
    }
}

#[test]
fn random_sweep_agrees() {
    let cases: usize = std::env::var("REFERENCE_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let seeds = seeds();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..cases {
        same(&input(&mut rng, &seeds));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn alphabet_agrees(s in "[a-zA-Z0-9._/:@\\[\\]+\u{130}\u{212a}-]{0,64}") {
        same(&s);
    }

    #[test]
    fn shaped_agrees(
        domain in proptest::option::of("([a-zA-Z0-9-]{1,6}\\.){0,2}[a-zA-Z0-9-]{1,6}(:[0-9]{0,4})?|\\[[0-9a-fA-F:]{1,8}\\](:[0-9]{1,4})?"),
        path in "[a-zA-Z0-9]{1,4}([._-]{1,3}[a-zA-Z0-9]{1,4}){0,2}(/[a-zA-Z0-9]{1,4}([._-]{1,3}[a-zA-Z0-9]{0,4}){0,2}){0,3}",
        tag in proptest::option::of("[a-zA-Z0-9_.-]{0,8}"),
        digest in proptest::option::of("[a-zA-Z0-9+._-]{0,8}:[0-9a-fA-Fg]{30,66}"),
    ) {
        let mut s = String::new();
        if let Some(domain) = domain {
            s.push_str(&domain);
            s.push('/');
        }
        s.push_str(&path);
        if let Some(tag) = tag {
            s.push(':');
            s.push_str(&tag);
        }
        if let Some(digest) = digest {
            s.push('@');
            s.push_str(&digest);
        }
        same(&s);
    }
}
