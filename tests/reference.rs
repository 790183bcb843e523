//! References: the shared JSON vectors (tests/fixtures/reference.json), upstream cases the
//! JSON can't express, offsets, and property tests.

use std::time::{Duration, Instant};

mod common;
use common::fixtures::{fail, json, run, Outcome};

use proptest::prelude::*;
use pullgate::reference::{
    familiar_match, familiar_name, familiar_string, parse, parse_any_reference, parse_docker_ref,
    parse_named, parse_normalized_named, scan, tag_name_only, trim_named,
    validate_hub_repository_name, with_digest, with_name, with_tag, AnyReference, Reference,
    ReferenceError, ScanError,
};
use pullgate::ErrorCode;
use serde_json::{json, Value};

fn arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Runs one fixture case the way the JS function would.
fn dispatch(name: &str, args: &[Value]) -> Option<Outcome> {
    call(name, args).map_err(fail).transpose()
}

/// [`dispatch`] with `?` for the crate's errors; `Ok(None)` for an unknown function.
fn call(name: &str, args: &[Value]) -> Result<Option<Value>, ReferenceError> {
    let s = arg(args, 0);
    Ok(Some(match name {
        "parseReference" => json(&parse(s)?),
        "normalizeReference" => json(&parse_normalized_named(s)?.normalized()),
        "parseDockerRef" => json!(parse_docker_ref(s)?.as_str()),
        "parseNamed" => json(&parse_named(s)?.normalized()),
        "parseAnyReference" => json(&parse_any_reference(s)?),
        "withName" => json(&with_name(s)?),
        "withTag" => json!(with_tag(&parse(s)?, arg(args, 1))?.as_str()),
        "withDigest" => json!(with_digest(&parse(s)?, arg(args, 1))?.as_str()),
        "familiarString" => json!(familiar_string(&parse(s)?)),
        "familiarName" => json!(familiar_name(&parse(s)?)),
        "familiarMatch" => json!(familiar_match(s, &parse_any_reference(arg(args, 1))?)?),
        "validateHubRepositoryName" => {
            validate_hub_repository_name(s)?;
            Value::Null
        }
        _ => return Ok(None),
    }))
}

#[test]
fn fixtures() {
    let n = run("reference", dispatch);
    assert!(n > 1000, "only {n} cases");
}

const F64: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// reference_test.go TestWithTag and TestWithDigest, with their short digests (which
/// `WithDigest` accepts but `Parse` would not).
#[test]
fn with_tag_and_digest_tables() {
    let d = "sha256:1234567890098765432112345667890098765";
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        ("test.com/foo", None, "tag", "test.com/foo:tag"),
        ("foo", None, "tag2", "foo:tag2"),
        ("test.com:8000/foo", None, "tag4", "test.com:8000/foo:tag4"),
        ("test.com:8000/foo", None, "TAG5", "test.com:8000/foo:TAG5"),
        (
            "test.com:8000/foo",
            Some(d),
            "TAG5",
            "test.com:8000/foo:TAG5@sha256:1234567890098765432112345667890098765",
        ),
    ];
    for &(name, digest, tag, combined) in cases {
        let mut named = with_name(name).unwrap();
        if let Some(digest) = digest {
            named = with_digest(&named, digest).unwrap();
        }
        let tagged = with_tag(&named, tag).unwrap();
        assert_eq!(tagged.as_str(), combined);
        assert_eq!(tagged.tag(), Some(tag));
        assert_eq!(tagged.digest(), digest);
        assert_eq!(tagged.name(), name);
    }
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "test.com/foo",
            d,
            None,
            "test.com/foo@sha256:1234567890098765432112345667890098765",
        ),
        (
            "foo",
            d,
            None,
            "foo@sha256:1234567890098765432112345667890098765",
        ),
        (
            "test.com:8000/foo",
            d,
            None,
            "test.com:8000/foo@sha256:1234567890098765432112345667890098765",
        ),
        (
            "test.com:8000/foo",
            d,
            Some("latest"),
            "test.com:8000/foo:latest@sha256:1234567890098765432112345667890098765",
        ),
    ];
    for &(name, digest, tag, combined) in cases {
        let mut named = with_name(name).unwrap();
        if let Some(tag) = tag {
            named = with_tag(&named, tag).unwrap();
        }
        let digested = with_digest(&named, digest).unwrap();
        assert_eq!(digested.as_str(), combined);
        assert_eq!(digested.digest(), Some(digest));
        assert_eq!(digested.tag(), tag);
        assert_eq!(trim_named(&digested).as_str(), name);
        assert_eq!(trim_named(&digested), with_name(name).unwrap());
    }
    // TestInvalidReferenceComponents
    let busybox = parse_normalized_named("busybox").unwrap();
    assert_eq!(
        with_tag(&busybox, "-foo").unwrap_err(),
        ReferenceError::TagInvalidFormat {
            input: "-foo".into()
        }
    );
    assert_eq!(
        with_digest(&busybox, "foo").unwrap_err().code(),
        "DIGEST_INVALID_FORMAT"
    );
}

/// The error variants and messages, most specific first.
#[test]
fn errors() {
    let cases: &[(&str, ReferenceError, &str)] = &[
        (
            "",
            ReferenceError::NameEmpty { input: "".into() },
            r#"repository name must have at least one component: """#,
        ),
        (
            "Uppercase:tag",
            ReferenceError::NameContainsUppercase {
                input: "Uppercase:tag".into(),
            },
            r#"repository name must be lowercase: "Uppercase:tag""#,
        ),
        (
            "aa/asdf$$^/aa",
            ReferenceError::InvalidFormat {
                input: "aa/asdf$$^/aa".into(),
            },
            r#"invalid reference format: "aa/asdf$$^/aa""#,
        ),
    ];
    for (input, want, message) in cases {
        let got = parse(input).unwrap_err();
        assert_eq!(&got, want);
        assert_eq!(got.to_string(), *message);
        assert_eq!(got.input(), *input);
    }
    let long = format!("domain/{}:tag", "a".repeat(256));
    assert_eq!(
        parse(&long).unwrap_err(),
        ReferenceError::NameTooLong {
            input: long.clone()
        }
    );
    assert_eq!(
        parse(&format!("validname@invaliddigest:{F64}"))
            .unwrap_err()
            .code(),
        "DIGEST_UNSUPPORTED"
    );
    assert_eq!(
        parse_named("docker.io/foo").unwrap_err(),
        ReferenceError::NameNotCanonical {
            input: "docker.io/foo".into()
        }
    );
    let id = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
    let err = parse_normalized_named(id).unwrap_err();
    assert_eq!(err.code(), "NAME_IS_IMAGE_ID");
    assert_eq!(
        err.to_string(),
        format!("invalid repository name, cannot specify 64-byte hexadecimal strings: \"{id}\"")
    );
    let err = validate_hub_repository_name("Foo").unwrap_err();
    assert_eq!(err.code(), "HUB_NAME_INVALID");
    assert_eq!(
        err.to_string(),
        r#"invalid docker hub repository name (repository may only contain lowercase letters, digits, '-' and '_'): "Foo""#
    );
    let err = familiar_match("[-x]", &parse_any_reference("foo").unwrap()).unwrap_err();
    assert_eq!(
        err,
        ReferenceError::BadPattern {
            pattern: "[-x]".into()
        }
    );
    assert_eq!(err.to_string(), r#"syntax error in pattern: "[-x]""#);
    // scan reports the same kinds without the input.
    assert_eq!(scan(""), Err(ScanError::NameEmpty));
    assert_eq!(scan("A"), Err(ScanError::NameContainsUppercase));
    assert_eq!(ScanError::NameTooLong.code(), "NAME_TOO_LONG");
    assert_eq!(
        ScanError::InvalidFormat.to_string(),
        "invalid reference format"
    );
}

#[test]
fn accessors_and_offsets() {
    let s = format!("[2001:db8::1]:5000/repo/sub:tag@sha256:{F64}");
    let r = parse(&s).unwrap();
    assert_eq!(r.domain(), Some("[2001:db8::1]:5000"));
    assert_eq!(r.path(), "repo/sub");
    assert_eq!(r.name(), "[2001:db8::1]:5000/repo/sub");
    assert_eq!(r.tag(), Some("tag"));
    assert_eq!(r.digest(), Some(format!("sha256:{F64}").as_str()));
    assert_eq!(r.to_string(), s);
    assert!(!r.is_name_only());
    check_offsets(&r);

    for s in [
        "ubuntu",
        "docker.io/library/ubuntu:22.04",
        "docker.io/foo/bar",
        "localhost:5000/a/b@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ] {
        check_offsets(&parse(s).unwrap());
        check_offsets(&parse_normalized_named(s).unwrap());
        check_offsets(&parse_docker_ref(s).unwrap());
    }
    let r = parse_normalized_named("ubuntu:22.04").unwrap();
    assert_eq!(r.offsets(), [9, 10, 24, 25, 30, 30, 18]);
    assert_eq!(
        serde_json::to_value(r.normalized()).unwrap(),
        json!({
            "name": "docker.io/library/ubuntu", "domain": "docker.io", "path": "library/ubuntu",
            "tag": "22.04", "string": "docker.io/library/ubuntu:22.04",
            "familiar": "ubuntu:22.04", "familiarName": "ubuntu"
        })
    );
    assert_eq!(
        serde_json::to_value(parse("ubuntu").unwrap()).unwrap(),
        json!({ "name": "ubuntu", "path": "ubuntu", "string": "ubuntu" })
    );
    assert_eq!(tag_name_only(parse("foo").unwrap()).as_str(), "foo:latest");
    assert_eq!(
        "foo:bar".parse::<Reference>().unwrap(),
        parse("foo:bar").unwrap()
    );
    let any = parse_any_reference(F64).unwrap();
    assert!(matches!(any, AnyReference::Digest(_)));
    assert_eq!(any.to_string(), format!("sha256:{F64}"));
    assert_eq!(
        serde_json::to_value(&any).unwrap(),
        json!({ "digest": format!("sha256:{F64}"), "string": format!("sha256:{F64}"), "familiar": format!("sha256:{F64}") })
    );
}

/// The offsets slice the string into the same parts the accessors return.
fn check_offsets(r: &Reference) {
    let s = r.as_str();
    let [domain_end, path_start, name_end, tag_start, tag_end, digest_start, familiar_start] =
        r.offsets().map(|o| o as usize);
    let part = |a: usize, b: usize| Some(&s[a..b]).filter(|p| !p.is_empty());
    assert_eq!(part(0, domain_end), r.domain(), "{s}");
    assert_eq!(&s[path_start..name_end], r.path(), "{s}");
    assert_eq!(&s[..name_end], r.name(), "{s}");
    assert_eq!(part(tag_start, tag_end), r.tag(), "{s}");
    assert_eq!(part(digest_start, s.len()), r.digest(), "{s}");
    assert_eq!(&s[familiar_start..], r.familiar_string(), "{s}");
    assert_eq!(&s[familiar_start..name_end], r.familiar_name(), "{s}");
    let spans = r.spans();
    assert_eq!(scan(s).ok(), Some(spans).filter(|_| parse(s).is_ok()));
}

#[test]
fn long_inputs_are_linear() {
    // 1 MB inputs of the shapes that would make a backtracking matcher slow.
    let inputs = [
        "a".repeat(1 << 20),
        "a-".repeat(1 << 19),
        format!("{}!", "a/".repeat(1 << 19)),
        format!("{}/x", "a.".repeat(1 << 19)),
        format!("foo@sha256:{}", "f".repeat(1 << 20)),
        format!("foo:{}", "a".repeat(1 << 20)),
        format!("{}:5000/x", "a".repeat(1 << 20)),
        format!("[{}]/x", ":".repeat(1 << 20)),
        format!("{}İ", "A".repeat(1 << 20)),
        ":".repeat(1 << 20),
        "@".repeat(1 << 20),
        "/".repeat(1 << 20),
    ];
    for input in &inputs {
        let start = Instant::now();
        let _ = parse(input);
        let _ = parse_normalized_named(input);
        let _ = parse_any_reference(input);
        let _ = with_name(input);
        let _ = validate_hub_repository_name(input);
        let _ = familiar_match("*a*a*a*a*b", &AnyReference::Named(parse("a/b").unwrap()));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{} bytes starting {:?} took {:?}",
            input.len(),
            &input[..10],
            start.elapsed()
        );
    }
}

/// Valid references built from the grammar's productions.
fn arb_reference() -> impl Strategy<Value = String> {
    let alnum = "[a-z0-9]{1,6}";
    let separator = prop_oneof![
        Just(".".to_string()),
        Just("_".to_string()),
        Just("__".to_string()),
        "-{1,3}"
    ];
    let component =
        (alnum, proptest::collection::vec((separator, alnum), 0..3)).prop_map(|(first, rest)| {
            let mut s = first;
            for (sep, an) in rest {
                s.push_str(&sep);
                s.push_str(&an);
            }
            s
        });
    let path = proptest::collection::vec(component, 1..4).prop_map(|c| c.join("/"));
    let domain_component = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?";
    let domain = prop_oneof![
        proptest::collection::vec(domain_component, 1..4).prop_map(|c| c.join(".")),
        "\\[[a-fA-F0-9:]{1,12}\\]",
        Just("localhost".to_string()),
    ];
    let domain = (domain, proptest::option::of("[0-9]{1,5}")).prop_map(|(d, port)| match port {
        Some(p) => format!("{d}:{p}"),
        None => d,
    });
    let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}";
    let digest = prop_oneof![
        "sha256:[a-f0-9]{64}",
        "sha384:[a-f0-9]{96}",
        "sha512:[a-f0-9]{128}"
    ];
    (
        proptest::option::of(domain),
        path,
        proptest::option::of(tag),
        proptest::option::of(digest),
    )
        .prop_map(|(domain, path, tag, digest)| {
            let mut s = String::new();
            if let Some(d) = domain {
                s.push_str(&d);
                s.push('/');
            }
            s.push_str(&path);
            if let Some(t) = tag {
                s.push(':');
                s.push_str(&t);
            }
            if let Some(d) = digest {
                s.push('@');
                s.push_str(&d);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_print_parse(s in arb_reference()) {
        let r = parse(&s).unwrap();
        prop_assert_eq!(r.as_str(), s.as_str());
        let printed = r.to_string();
        let again = parse(&printed).unwrap();
        prop_assert_eq!(&again, &r);
        check_offsets(&r);
        // Rebuilding from the parts gives the same reference.
        let mut rebuilt = with_name(r.name()).unwrap();
        if let Some(tag) = r.tag() {
            rebuilt = with_tag(&rebuilt, tag).unwrap();
        }
        if let Some(digest) = r.digest() {
            rebuilt = with_digest(&rebuilt, digest).unwrap();
        }
        prop_assert_eq!(&rebuilt, &r);
        // The canonical form is a fixed point (parse_named accepts it). The familiar form
        // is not always one: `docker.io/cker.io/a` is familiar `cker.io/a`.
        if let Ok(n) = parse_normalized_named(&s) {
            prop_assert_eq!(parse_named(n.as_str()).unwrap(), n.clone());
            check_offsets(&n);
        }
    }

    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = parse(&s);
        let _ = parse_normalized_named(&s);
        let _ = parse_docker_ref(&s);
        let _ = parse_named(&s);
        let _ = with_name(&s);
        let _ = validate_hub_repository_name(&s);
        if let Ok(any) = parse_any_reference(&s) {
            let _ = familiar_match(&s, &any);
        }
        if let Ok(r) = parse(&s) {
            check_offsets(&r);
        }
    }

    #[test]
    fn never_panics_near_grammar(s in "[a-zA-Z0-9._/:@\\[\\]-]{0,60}") {
        match parse(&s) {
            Ok(r) => {
                prop_assert_eq!(r.as_str(), s.as_str());
                check_offsets(&r);
            }
            Err(e) => prop_assert_eq!(e.input(), s.as_str()),
        }
        let _ = parse_any_reference(&s);
        let _ = familiar_match(&s, &AnyReference::Named(parse("a/b:c").unwrap()));
    }
}

#[test]
fn repository_paths_are_bare_names() {
    use pullgate::reference::{check_repository_path, ReferenceError};
    for ok in [
        "library/hello",
        "demo/multiarch",
        "a",
        "ghcr.io/x/y",
        "a.b-c__d/e",
    ] {
        assert_eq!(check_repository_path(ok), Ok(()), "{ok}");
    }
    let digest = format!("demo/single@sha256:{}", "a".repeat(64));
    for bad in [
        "x:1",
        "a:5000/x",
        "demo//single",
        "-demo",
        "",
        digest.as_str(),
    ] {
        assert!(check_repository_path(bad).is_err(), "{bad}");
    }
    assert!(matches!(
        check_repository_path("Demo"),
        Err(ReferenceError::NameContainsUppercase { .. })
    ));
    assert!(matches!(
        check_repository_path(&"x".repeat(256)),
        Err(ReferenceError::NameTooLong { .. })
    ));
}
