//! Digests: the shared JSON vectors (tests/fixtures/digest.json), go-digest's own tables,
//! streaming, `verify_content`, and property tests.

use std::str::FromStr;

mod common;
use common::fixtures::{fail, json, run, Outcome};

use proptest::prelude::*;
use pullgate::digest::{
    self, compute, validate_verifiable, verify, verify_content, Algorithm, Digest, DigestError,
    Hasher, Verifier,
};
use pullgate::ErrorCode;
use serde_json::{json, Value};

fn str_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Runs one fixture case the way the JS function would.
fn dispatch(name: &str, args: &[Value]) -> Option<Outcome> {
    Some(match name {
        "parseDigest" => Digest::parse(str_arg(args, 0))
            .map(|d| json(&d.parts()))
            .map_err(fail),
        "digest" => {
            let alg = args.get(1).and_then(Value::as_str).unwrap_or("sha256");
            Algorithm::from_str(alg)
                .map(|alg| json!(compute(alg, str_arg(args, 0).as_bytes()).as_str()))
                .map_err(fail)
        }
        "verifyDigest" => Digest::parse(str_arg(args, 1))
            .map_err(fail)
            .and_then(
                |expected| match verify(str_arg(args, 0).as_bytes(), &expected) {
                    Ok(()) => Ok(json!(true)),
                    Err(DigestError::Mismatch { .. }) => Ok(json!(false)),
                    Err(e) => Err(fail(e)),
                },
            ),
        _ => return None,
    })
}

#[test]
fn fixtures() {
    let n = run("digest", dispatch);
    assert!(n > 100, "only {n} cases");
}

const E: &str = "e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b";
const S384: &str = "d3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d";

/// go-digest's TestParseDigest with `Parse` semantics (registered algorithms only).
#[test]
fn go_digest_parse_table() {
    let s = |x: &str| x.to_owned();
    let table: Vec<(String, Result<Algorithm, &str>)> = vec![
        (format!("sha256:{E}"), Ok(Algorithm::Sha256)),
        (format!("sha384:{S384}"), Ok(Algorithm::Sha384)),
        (s(""), Err("DIGEST_INVALID_FORMAT")),
        (s("     "), Err("DIGEST_INVALID_FORMAT")),
        (s("sha256:"), Err("DIGEST_INVALID_FORMAT")),
        (
            format!("sha256:{}", " ".repeat(64)),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        (s(":"), Err("DIGEST_INVALID_FORMAT")),
        (
            s("d41d8cd98f00b204e9800998ecf8427e"),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        (
            s("sha256:d41d8cd98f00b204e9800m98ecf8427e"),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        (s("sha256:abcdef0123456789"), Err("DIGEST_INVALID_FORMAT")),
        (
            s("sha512:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        (
            s("foo:d41d8cd98f00b204e9800998ecf8427e"),
            Err("DIGEST_UNSUPPORTED"),
        ),
        (
            format!("sha384__foo+bar:{S384}"),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        (format!("sha384.foo+bar:{S384}"), Err("DIGEST_UNSUPPORTED")),
        (format!("sha384_foo+bar:{S384}"), Err("DIGEST_UNSUPPORTED")),
        (
            s("sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"),
            Err("DIGEST_UNSUPPORTED"),
        ),
        (
            format!("sha256:{}", E.to_uppercase()),
            Err("DIGEST_INVALID_FORMAT"),
        ),
        // go-digest v1.0.0 has no blake3: well-formed, so unsupported (any length).
        (
            s("blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
            Err("DIGEST_UNSUPPORTED"),
        ),
        (s("blake3:abcdef01234"), Err("DIGEST_UNSUPPORTED")),
        (format!("SHA256:{E}"), Err("DIGEST_INVALID_FORMAT")),
    ];
    for (input, want) in table {
        let got = Digest::parse_verifiable(&input);
        match (&got, want) {
            (Ok(d), Ok(alg)) => {
                assert_eq!(d.algorithm_kind(), Some(alg), "{input}");
                assert_eq!(d.as_str(), input);
                assert_eq!(validate_verifiable(&input), Ok(alg));
                let (a, e) = input.split_once(':').unwrap();
                assert_eq!((d.algorithm(), d.encoded()), (a, e));
            }
            (Err(e), Err(code)) => {
                assert_eq!(e.code(), code, "{input}");
                assert_eq!(validate_verifiable(&input).unwrap_err(), *e);
            }
            _ => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn error_messages() {
    assert_eq!(
        Digest::parse("sha256:zz").unwrap_err().to_string(),
        r#"invalid digest format: "sha256:zz""#
    );
    assert_eq!(
        Digest::parse_verifiable("md5:abc").unwrap_err(),
        DigestError::Unsupported {
            input: "md5:abc".into()
        }
    );
    assert_eq!(
        DigestError::Unsupported {
            input: "md5:abc".into()
        }
        .to_string(),
        r#"unsupported digest algorithm: "md5:abc""#
    );
    let expected = Digest::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
    let err = verify(b"abc", &expected).unwrap_err();
    assert_eq!(err.code(), "DIGEST_MISMATCH");
    assert_eq!(
        err.to_string(),
        format!(
            "digest mismatch: expected \"sha256:{}\", got \"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
            "0".repeat(64)
        )
    );
}

#[test]
fn algorithms() {
    for alg in [Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512] {
        assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        assert_eq!(alg.to_string(), alg.name());
        assert_eq!(compute(alg, b"").encoded().len(), alg.encoded_len());
    }
    assert_eq!(Algorithm::from_name("SHA256"), None);
    assert_eq!(Algorithm::from_name("blake3"), None);
    assert_eq!(Algorithm::CANONICAL, Algorithm::Sha256);
}

#[test]
fn streaming_matches_one_shot() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    for alg in [Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512] {
        let mut h = Hasher::new(alg);
        for chunk in data.chunks(4093) {
            h.update(chunk);
        }
        let mut again = h.clone();
        let streamed = h.finish();
        assert_eq!(streamed, compute(alg, &data));
        assert_eq!(again.finish_reset(), streamed);
        // After a reset the hasher digests new content only.
        again.update(b"abc");
        assert_eq!(again.finish(), compute(alg, b"abc"));

        let mut v = Verifier::new(&streamed).unwrap();
        std::io::copy(&mut &data[..], &mut v).unwrap();
        assert!(v.verified());
        let mut w = Hasher::new(alg);
        std::io::copy(&mut &data[..], &mut w).unwrap();
        assert_eq!(w.finish(), streamed);
    }
}

#[test]
fn verifier_rejects_unsupported() {
    for d in ["bean:0123456789abcdef", "sha256-garbage:pure"] {
        let d = Digest::parse(d).unwrap();
        assert_eq!(
            Verifier::new(&d).unwrap_err(),
            DigestError::Unsupported {
                input: d.to_string()
            }
        );
    }
}

#[test]
fn verify_content_checks_request_and_header() {
    let body = br#"{"schemaVersion":2}"#;
    let good = compute(Algorithm::Sha256, body);
    let good512 = compute(Algorithm::Sha512, body);
    let other = compute(Algorithm::Sha256, b"other");

    // Nothing to check against: the digest of the bytes.
    assert_eq!(verify_content(body, None, None).unwrap(), good);
    // Requested only.
    assert_eq!(verify_content(body, Some(&good), None).unwrap(), good);
    assert_eq!(verify_content(body, Some(&good512), None).unwrap(), good512);
    assert_eq!(
        verify_content(body, Some(&other), None).unwrap_err(),
        DigestError::Mismatch {
            expected: other.to_string(),
            actual: good.to_string()
        }
    );
    // Header only: never trusted alone, the bytes must hash to it.
    assert_eq!(
        verify_content(body, None, Some(good.as_str())).unwrap(),
        good
    );
    assert_eq!(
        verify_content(body, None, Some(&format!(" {good}\t"))).unwrap(),
        good
    );
    assert_eq!(
        verify_content(body, None, Some(other.as_str())).unwrap_err(),
        DigestError::Mismatch {
            expected: other.to_string(),
            actual: good.to_string()
        }
    );
    // Both: both are checked; a lying header fails even when the request matches.
    assert_eq!(
        verify_content(body, Some(&good), Some(good.as_str())).unwrap(),
        good
    );
    assert_eq!(
        verify_content(body, Some(&good), Some(good512.as_str())).unwrap(),
        good
    );
    assert!(matches!(
        verify_content(body, Some(&good), Some(other.as_str())),
        Err(DigestError::Mismatch { .. })
    ));
    assert!(matches!(
        verify_content(body, Some(&other), Some(good.as_str())),
        Err(DigestError::Mismatch { .. })
    ));
    // A header for the other algorithm names the content's digest in that algorithm.
    let wrong512 = compute(Algorithm::Sha512, b"other");
    assert_eq!(
        verify_content(body, Some(&good), Some(wrong512.as_str())).unwrap_err(),
        DigestError::Mismatch {
            expected: wrong512.to_string(),
            actual: good512.to_string()
        }
    );
    // Malformed or unsupported header.
    assert_eq!(
        verify_content(body, Some(&good), Some("sha256:nothex")).unwrap_err(),
        DigestError::InvalidFormat {
            input: "sha256:nothex".into()
        }
    );
    assert_eq!(
        verify_content(body, None, Some("")).unwrap_err().code(),
        "DIGEST_INVALID_FORMAT"
    );
    assert_eq!(
        verify_content(body, Some(&good), Some("md5:abcd")).unwrap_err(),
        DigestError::Unsupported {
            input: "md5:abcd".into()
        }
    );
    // Unsupported request.
    let md5 = Digest::parse("md5:900150983cd24fb0d6963f7d28e17f72").unwrap();
    assert_eq!(
        verify_content(body, Some(&md5), None).unwrap_err().code(),
        "DIGEST_UNSUPPORTED"
    );
}

#[test]
fn serde_shapes() {
    let d = Digest::parse(&format!("sha256:{E}")).unwrap();
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!(format!("sha256:{E}"))
    );
    assert_eq!(
        serde_json::to_value(d.parts()).unwrap(),
        json!({ "algorithm": "sha256", "encoded": E, "string": format!("sha256:{E}") })
    );
    let back: Digest = serde_json::from_value(json!(format!("sha256:{E}"))).unwrap();
    assert_eq!(back, d);
    assert!(serde_json::from_value::<Digest>(json!("sha256:zz")).is_err());
    assert_eq!(d, format!("sha256:{E}").as_str());
    assert_eq!(Digest::from_str(d.as_str()).unwrap(), d);
    assert_eq!(d.clone().into_string(), d.to_string());
}

#[test]
fn module_paths() {
    // The free functions other modules code against.
    let d = digest::compute(Algorithm::Sha256, b"abc");
    assert!(digest::verify(b"abc", &d).is_ok());
}

fn arb_digest() -> impl Strategy<Value = String> {
    prop_oneof![
        "sha256:[a-f0-9]{64}",
        "sha384:[a-f0-9]{96}",
        "sha512:[a-f0-9]{128}",
        "[a-z0-9]{1,8}([+._-][a-z0-9]{1,8}){0,3}:[a-zA-Z0-9=_-]{1,80}",
    ]
}

proptest! {
    #[test]
    fn parse_print_parse(s in arb_digest()) {
        let d = Digest::parse(&s).unwrap();
        prop_assert_eq!(d.as_str(), s.as_str());
        let printed = d.to_string();
        let again = Digest::parse(&printed).unwrap();
        prop_assert_eq!(&again, &d);
        prop_assert_eq!(format!("{}:{}", d.algorithm(), d.encoded()), s);
    }

    #[test]
    fn never_panics(s in "\\PC{0,200}") {
        let _ = Digest::parse(&s);
        let _ = Digest::parse_verifiable(&s);
        let _ = verify_content(s.as_bytes(), None, Some(&s));
    }

    #[test]
    fn streaming_any_split(data in proptest::collection::vec(any::<u8>(), 0..2000), cut in 0usize..2000) {
        let cut = cut.min(data.len());
        for alg in [Algorithm::Sha256, Algorithm::Sha512] {
            let mut h = Hasher::new(alg);
            h.update(&data[..cut]);
            h.update(&data[cut..]);
            let d = h.finish();
            prop_assert_eq!(&d, &compute(alg, &data));
            prop_assert!(verify(&data, &d).is_ok());
            prop_assert_eq!(verify_content(&data, Some(&d), Some(d.as_str())).unwrap(), d);
        }
    }
}
