//! Platforms: the shared JSON vectors (tests/fixtures/platform.json, ported from containerd's
//! platforms tests), a few direct checks of the Rust API, and property tests.

mod common;
use common::fixtures::{fail, json, run, run_file, Outcome};

use proptest::prelude::*;
use pullgate::platform::{
    self, format, format_all, normalize, normalize_arch, normalize_os, parse, MatchMode, Matcher,
    Platform, PlatformError,
};
use pullgate::ErrorCode;
use serde_json::{json, Value};

/// A host or candidate argument: a specifier string (parsed) or a platform object.
fn platform_arg(v: &Value) -> Result<Platform, (String, String)> {
    match v {
        Value::String(s) => parse(s).map_err(fail),
        other => Ok(serde_json::from_value(other.clone()).expect("platform object")),
    }
}

fn options<'a>(args: &'a [Value], i: usize, key: &str) -> Option<&'a Value> {
    args.get(i).and_then(|o| o.get(key))
}

fn mode_arg(args: &[Value], i: usize) -> MatchMode {
    match options(args, i, "mode").and_then(Value::as_str) {
        Some(name) => MatchMode::from_name(name).expect("known mode"),
        None => MatchMode::Only,
    }
}

/// Runs one fixture case the way the JS function would.
fn dispatch(name: &str, args: &[Value]) -> Option<Outcome> {
    Some(match name {
        "parsePlatform" => {
            let s = args[0].as_str().expect("string");
            parse(s).map(|p| json(&p)).map_err(fail)
        }
        "formatPlatform" => platform_arg(&args[0]).map(|p| {
            let all = options(args, 1, "all").and_then(Value::as_bool) == Some(true);
            json!(if all { format_all(&p) } else { format(&p) })
        }),
        "platformMatches" => platform_matches(args),
        "sortPlatforms" => sort_platforms(args),
        _ => return None,
    })
}

fn platform_matches(args: &[Value]) -> Outcome {
    let host = platform_arg(&args[0])?;
    let candidate = platform_arg(&args[1])?;
    Ok(json!(
        Matcher::new(&host, mode_arg(args, 2)).matches(&candidate)
    ))
}

/// The result is the candidates as given (strings or objects), best first.
fn sort_platforms(args: &[Value]) -> Outcome {
    let host = platform_arg(&args[0])?;
    let given = args[1].as_array().expect("array");
    let platforms = given
        .iter()
        .map(platform_arg)
        .collect::<Result<Vec<_>, _>>()?;
    let matcher = Matcher::new(&host, mode_arg(args, 2));
    let mut items: Vec<(&Value, Platform)> = given.iter().zip(platforms).collect();
    matcher.sort_by_platform(&mut items, |(_, p)| Some(p));
    Ok(Value::Array(
        items.into_iter().map(|(v, _)| v.clone()).collect(),
    ))
}

#[test]
fn fixtures() {
    let n = run("platform", dispatch);
    assert!(n >= 1000, "only {n} cases");
}

/// Extra vectors from elsewhere (e.g. a differential run against a reference build):
/// `PLATFORM_VECTORS=/path/to/cases.json cargo test --test platform -- --ignored`.
#[test]
#[ignore]
fn external_vectors() {
    if let Ok(path) = std::env::var("PLATFORM_VECTORS") {
        let n = run_file(&path, dispatch);
        assert!(n >= 1, "only {n} cases");
    }
}

#[test]
fn errors_are_typed_and_coded() {
    type IsVariant = fn(&PlatformError) -> bool;
    let cases: [(&str, IsVariant); 7] = [
        ("linux/*", |e| {
            matches!(e, PlatformError::WildcardsNotSupported { .. })
        }),
        ("linux /arm", |e| {
            matches!(e, PlatformError::InvalidOsComponent { .. })
        }),
        ("linux(%zz)/amd64", |e| {
            matches!(e, PlatformError::InvalidOsVersion { .. })
        }),
        ("linux(+a%2)/amd64", |e| {
            matches!(e, PlatformError::InvalidOsFeature { .. })
        }),
        ("linux/&arm", |e| {
            matches!(e, PlatformError::InvalidComponent { .. })
        }),
        ("foo", |e| {
            matches!(e, PlatformError::UnknownOsOrArchitecture { .. })
        }),
        ("linux/arm/foo/bar", |e| {
            matches!(e, PlatformError::CannotParse { .. })
        }),
    ];
    for (input, is_variant) in cases {
        let err = parse(input).unwrap_err();
        assert!(is_variant(&err), "{input}: {err:?}");
        assert_eq!(err.code(), "PLATFORM_INVALID");
        assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
    }
    assert_eq!(
        parse("linux(%ff)/amd64").unwrap_err().to_string(),
        r#""linux(%ff)/amd64" has an invalid OS version "%ff": invalid UTF-8 after unescaping"#
    );
}

#[test]
fn normalization_table() {
    // database.go normalizeArch, row by row.
    for (arch, variant, want_arch, want_variant) in [
        ("i386", "v7", "386", ""),
        ("x86_64", "", "amd64", ""),
        ("x86-64", "v1", "amd64", ""),
        ("AMD64", "V3", "amd64", "v3"),
        ("aarch64", "8", "arm64", ""),
        ("arm64", "v8", "arm64", ""),
        ("arm64", "v8.0", "arm64", ""),
        ("arm64", "9", "arm64", "v9"),
        ("arm64", "9.0", "arm64", "v9"),
        ("arm64", "v9.0", "arm64", "v9"),
        ("arm64", "v8.2", "arm64", "v8.2"),
        ("armhf", "", "arm", "v7"),
        ("armhf", "v6", "arm", "v7"),
        ("armel", "", "arm", "v6"),
        ("arm", "", "arm", "v7"),
        ("arm", "7", "arm", "v7"),
        ("arm", "5", "arm", "v5"),
        ("arm", "6", "arm", "v6"),
        ("arm", "8", "arm", "v8"),
        ("arm", "9", "arm", "9"),
        ("ARM", "V7", "arm", "v7"),
        ("riscv64", "RVA23U64", "riscv64", "rva23u64"),
    ] {
        assert_eq!(
            normalize_arch(arch, variant),
            (want_arch.to_owned(), want_variant.to_owned()),
            "{arch}/{variant}"
        );
    }
    assert_eq!(normalize_os(""), "linux");
    assert_eq!(normalize_os("MacOS"), "darwin");
    assert_eq!(normalize_os("Windows"), "windows");
    assert_eq!(normalize_os("İ"), "i");
    let p = normalize(Platform {
        os: "Linux".into(),
        architecture: "AArch64".into(),
        variant: Some("V8".into()),
        os_version: Some(String::new()),
        os_features: Some(vec!["b".into(), "a".into(), "b".into()]),
    });
    assert_eq!(
        p,
        Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
            variant: None,
            os_version: None,
            os_features: Some(vec!["a".into(), "b".into()]),
        }
    );
}

#[test]
fn json_shape() {
    let p = parse("windows(10.0.17763+win32k)/arm64/v8").unwrap();
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"os": "windows", "architecture": "arm64", "variant": "v8",
               "osVersion": "10.0.17763", "osFeatures": ["win32k"]})
    );
    let oci: Platform = serde_json::from_value(
        json!({"os": "windows", "architecture": "amd64", "os.version": "10.0.1", "os.features": ["x"]}),
    )
    .unwrap();
    assert_eq!(oci.os_version.as_deref(), Some("10.0.1"));
    assert_eq!(oci.os_features, Some(vec!["x".to_owned()]));
    assert_eq!(p.to_string(), "windows(10.0.17763+win32k)/arm64/v8");
    assert_eq!(
        "linux/arm64".parse::<Platform>().unwrap(),
        Platform::new("linux", "arm64")
    );
}

#[test]
fn huge_variants_are_computed_not_enumerated() {
    // containerd would build a list of 9e18 entries for these hosts.
    let host = parse("linux/amd64/v9223372036854775807").unwrap();
    let m = Matcher::new(&host, MatchMode::Only);
    assert!(m.matches(&parse("linux/amd64/v5").unwrap()));
    assert!(m.matches(&parse("linux/amd64").unwrap()));
    assert!(m.matches(&parse("linux/386").unwrap()));
    assert!(!m.matches(&parse("linux/amd64/v05").unwrap()));
    assert!(m.less(
        &parse("linux/amd64/v9").unwrap(),
        &parse("linux/amd64/v8").unwrap()
    ));
    let arm = Matcher::new(&parse("linux/arm64/v99999999999").unwrap(), MatchMode::Only);
    assert!(arm.matches(&parse("linux/arm/v6").unwrap()));
    assert!(arm.matches(&parse("linux/arm/v99999999998").unwrap()));
    assert!(!arm.matches(&parse("linux/arm/v100000000000").unwrap()));
}

#[test]
fn sort_helpers_agree() {
    let host = parse("linux/arm64").unwrap();
    let mut c: Vec<Platform> = ["linux/amd64", "linux/arm/v6", "linux/arm64", "linux/arm/v7"]
        .iter()
        .map(|s| parse(s).unwrap())
        .collect();
    platform::sort(&host, &mut c, MatchMode::Only);
    let got: Vec<String> = c.iter().map(format).collect();
    assert_eq!(
        got,
        ["linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/amd64"]
    );
    // Items without a platform go last, stably.
    let m = Matcher::new(&host, MatchMode::Only);
    let mut items = vec![
        (1, None),
        (2, Some(parse("linux/arm/v7").unwrap())),
        (3, None),
    ];
    m.sort_by_platform(&mut items, |(_, p)| p.as_ref());
    assert_eq!(items.iter().map(|i| i.0).collect::<Vec<_>>(), [2, 1, 3]);
}

fn os_option_string(min: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9_.%+()/-]{{{min},8}}")).unwrap()
}

prop_compose! {
    /// A normalized platform that a specifier can express.
    fn expressible_platform()(
        os in "[a-zA-Z0-9_-]{1,8}",
        arch in prop_oneof![
            Just("amd64".to_owned()), Just("arm64".to_owned()), Just("arm".to_owned()),
            Just("aarch64".to_owned()), Just("armhf".to_owned()), Just("i386".to_owned()),
            "[a-zA-Z0-9_.-]{1,8}",
        ],
        variant in proptest::option::of("[a-zA-Z0-9_.-]{1,6}"),
        os_version in proptest::option::of(os_option_string(0)),
        os_features in proptest::option::of(proptest::collection::vec(os_option_string(1), 0..4)),
    ) -> Platform {
        normalize(Platform { os, architecture: arch, variant, os_version, os_features })
    }
}

fn dot_segment(s: &str) -> bool {
    s == "." || s == ".."
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn format_all_then_parse_is_identity(p in expressible_platform()) {
        prop_assume!(!dot_segment(&p.architecture) && !dot_segment(p.variant_str()));
        let text = format_all(&p);
        prop_assert_eq!(parse(&text), Ok(p.clone()), "{}", text);
    }

    #[test]
    fn parse_format_parse_is_stable(s in "[a-zA-Z0-9_.%+()/ -]{0,24}") {
        if let Ok(p) = parse(&s) {
            // `.`/`..` are cleaned away by `path.Join`; decoded options like `%20` have no
            // spelling in the grammar. Upstream shares both limits.
            let parts_ok = s.split('/').skip(1).all(|c| !dot_segment(c));
            let options = p.os_version.iter().chain(p.os_features.iter().flatten());
            let expressible = options
                .flat_map(|o| o.chars())
                .all(|c| c.is_ascii_alphanumeric() || "_.%+()/-".contains(c));
            prop_assume!(parts_ok && expressible);
            let again = parse(&format_all(&p));
            let mut sorted = p.clone();
            if let Some(f) = sorted.os_features.as_mut() { f.sort(); f.dedup(); }
            prop_assert_eq!(again, Ok(sorted));
            prop_assert_eq!(parse(&format(&p)).map(|q| q.architecture), Ok(p.architecture.clone()));
        }
    }

    #[test]
    fn arbitrary_input_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_platforms_never_panic(
        host in any::<(String, String, Option<String>, Option<String>, Option<Vec<String>>)>(),
        cands in proptest::collection::vec(
            any::<(String, String, Option<String>, Option<String>, Option<Vec<String>>)>(), 0..4),
        variant in "[v+-]?[0-9]{0,20}(\\.[+-]?[0-9]{0,3})?",
    ) {
        let to_platform = |(os, architecture, variant, os_version, os_features)| Platform {
            os, architecture, variant, os_version, os_features,
        };
        let mut hosts = vec![to_platform(host)];
        for arch in ["amd64", "arm", "arm64"] {
            hosts.push(Platform::new("linux", arch).with_variant(variant.clone()));
            hosts.push(Platform::new("windows", arch).with_variant(variant.clone()));
        }
        let mut cands: Vec<Platform> = cands.into_iter().map(to_platform).collect();
        cands.push(Platform::new("linux", "arm").with_variant(variant.clone()));
        cands.push(Platform::new("linux", "amd64").with_variant(variant.clone()));
        cands.push(Platform::new("linux", "arm64").with_variant(variant.clone()));
        for h in &hosts {
            for mode in [MatchMode::Only, MatchMode::Strict, MatchMode::Exact] {
                let m = Matcher::new(h, mode);
                for a in &cands {
                    let _ = m.matches(a);
                    prop_assert!(!m.less(a, a));
                    for b in &cands {
                        prop_assert!(!(m.less(a, b) && m.less(b, a)));
                    }
                }
                let mut sorted = cands.clone();
                m.sort(&mut sorted);
                for pair in sorted.windows(2) {
                    prop_assert!(!m.less(&pair[1], &pair[0]));
                }
                let _ = format(h);
                let _ = format_all(h);
            }
        }
    }
}
