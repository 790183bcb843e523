//! Manifest property tests: no input panics; generated manifests parse to their fields and
//! round-trip through the JSON shape; selection picks a best matching non-attestation.

use proptest::prelude::*;
use pullgate::digest::{compute, Algorithm};
use pullgate::manifest::{
    media_type, parse, parse_config, parse_descriptor, select_platform, Manifest,
};
use pullgate::platform::{self, MatchMode};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Properties.

fn arb_media_type() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9.+-]{0,20}/[a-z0-9][a-z0-9.+_-]{0,30}"
}

fn arb_digest() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}")),
        "[0-9a-f]{128}".prop_map(|h| format!("sha512:{h}")),
        "[a-z0-9]{1,8}(\\+[a-z0-9]{1,5})?:[a-zA-Z0-9=_-]{1,40}".prop_filter(
            "registered algorithms need hex",
            |d| {
                !["sha256:", "sha384:", "sha512:", "blake3:"]
                    .iter()
                    .any(|p| d.starts_with(p))
            }
        ),
    ]
}

fn arb_annotations() -> impl Strategy<Value = Option<std::collections::BTreeMap<String, String>>> {
    proptest::option::of(proptest::collection::btree_map(
        "[a-z.]{1,12}",
        "\\PC{0,12}",
        0..4,
    ))
}

fn arb_descriptor(with_platform: bool) -> impl Strategy<Value = Value> {
    let platform = prop_oneof![
        Just(None),
        (
            "(linux|windows|darwin)",
            "(amd64|arm64|arm|386|s390x)",
            proptest::option::of("v[5-9]"),
            proptest::option::of("10\\.0\\.[0-9]{5}\\.[0-9]{1,4}")
        )
            .prop_map(|(os, arch, variant, version)| {
                let mut p = json!({ "os": os, "architecture": arch });
                if let Some(v) = variant {
                    p["variant"] = json!(v);
                }
                if let Some(v) = version {
                    p["os.version"] = json!(v);
                }
                Some(p)
            }),
    ];
    (
        arb_media_type(),
        arb_digest(),
        0u64..=i64::MAX as u64,
        arb_annotations(),
        platform,
        proptest::option::of(arb_media_type()),
        proptest::option::of(proptest::collection::vec(
            "https://[a-z]{1,10}\\.example/[a-z0-9/]{0,10}",
            1..3,
        )),
    )
        .prop_map(
            move |(media_type, digest, size, annotations, platform, artifact_type, urls)| {
                let mut d = json!({ "mediaType": media_type, "digest": digest, "size": size });
                if let Some(a) = annotations {
                    d["annotations"] = json!(a);
                }
                if let (true, Some(p)) = (with_platform, platform) {
                    d["platform"] = p;
                }
                if let Some(t) = artifact_type {
                    d["artifactType"] = json!(t);
                }
                if let Some(u) = urls {
                    d["urls"] = json!(u);
                }
                d
            },
        )
}

fn arb_manifest() -> impl Strategy<Value = Value> {
    let image = (
        prop_oneof![
            Just(media_type::OCI_MANIFEST),
            Just(media_type::DOCKER_MANIFEST)
        ],
        arb_descriptor(false),
        proptest::collection::vec(arb_descriptor(false), 1..5),
        arb_annotations(),
        proptest::option::of(arb_descriptor(false)),
    )
        .prop_map(|(mt, config, layers, annotations, subject)| {
            let mut m =
                json!({ "schemaVersion": 2, "mediaType": mt, "config": config, "layers": layers });
            if let Some(a) = annotations {
                m["annotations"] = json!(a);
            }
            if let Some(s) = subject {
                m["subject"] = s;
            }
            m
        });
    let index = (
        prop_oneof![
            Just(media_type::OCI_INDEX),
            Just(media_type::DOCKER_MANIFEST_LIST)
        ],
        proptest::collection::vec(arb_descriptor(true), 0..6),
        arb_annotations(),
    )
        .prop_map(|(mt, manifests, annotations)| {
            let mut m = json!({ "schemaVersion": 2, "mediaType": mt, "manifests": manifests });
            if let Some(a) = annotations {
                m["annotations"] = json!(a);
            }
            m
        });
    prop_oneof![image, index]
}

/// The API shape of one descriptor, built from the document by copying fields.
fn expected_descriptor(d: &Value, with_platform: bool) -> Value {
    let mut out = json!({ "mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"] });
    if let (true, Some(p)) = (with_platform, d.get("platform")) {
        let mut shape = json!({ "os": p["os"], "architecture": p["architecture"] });
        if let Some(v) = p.get("variant") {
            shape["variant"] = v.clone();
        }
        if let Some(v) = p.get("os.version") {
            shape["osVersion"] = v.clone();
        }
        out["platform"] = shape;
    }
    for key in ["annotations", "urls", "artifactType"] {
        if let Some(v) = d.get(key) {
            out[key] = v.clone();
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), ct in proptest::option::of("\\PC{0,40}")) {
        let _ = parse(&bytes, ct.as_deref());
        let _ = parse_descriptor(&bytes);
        let _ = parse_config(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(doc in arb_json(), ct in proptest::option::of(prop_oneof![
        Just(media_type::OCI_MANIFEST.to_owned()), Just(media_type::OCI_INDEX.to_owned()), "\\PC{0,20}"
    ])) {
        let body = serde_json::to_vec(&doc).unwrap();
        let _ = parse(&body, ct.as_deref());
        let _ = parse_descriptor(&body);
        let _ = parse_config(&body);
    }

    #[test]
    fn generated_manifests_parse_to_their_fields(doc in arb_manifest(), pretty in any::<bool>()) {
        let body = if pretty { serde_json::to_vec_pretty(&doc) } else { serde_json::to_vec(&doc) }.unwrap();
        let m = parse(&body, None).unwrap();
        let shape = serde_json::to_value(&m).unwrap();
        prop_assert_eq!(&shape["mediaType"], &doc["mediaType"]);
        prop_assert_eq!(&shape["digest"], &json!(compute(Algorithm::Sha256, &body).as_str()));
        prop_assert_eq!(&shape["size"], &json!(body.len()));
        if let Some(layers) = doc.get("layers") {
            let want: Vec<Value> = layers.as_array().unwrap().iter().map(|d| expected_descriptor(d, false)).collect();
            prop_assert_eq!(&shape["layers"], &json!(want));
            prop_assert_eq!(&shape["config"], &expected_descriptor(&doc["config"], false));
            let total: u128 = layers.as_array().unwrap().iter().map(|d| u128::from(d["size"].as_u64().unwrap())).sum::<u128>()
                + u128::from(doc["config"]["size"].as_u64().unwrap());
            prop_assert_eq!(u128::from(m.total_size().unwrap()), total.min(u128::from(u64::MAX)));
        } else {
            let want: Vec<Value> = doc["manifests"].as_array().unwrap().iter().map(|d| expected_descriptor(d, true)).collect();
            prop_assert_eq!(&shape["manifests"], &json!(want));
        }
        // Serialize, parse again: the same manifest but for the bytes' digest and size.
        let again = parse(&serde_json::to_vec(&shape).unwrap(), None).unwrap();
        let strip = |m: &Manifest| {
            let mut m = m.clone();
            for d in m.manifests.iter_mut().flatten() {
                if let Some(p) = &mut d.platform {
                    p.os_version = None;
                }
            }
            (m.media_type, m.kind, m.config, m.layers, m.manifests, m.subject, m.annotations)
        };
        prop_assert_eq!(strip(&again), strip(&m));
    }

    #[test]
    fn selection_is_a_matching_non_attestation(doc in arb_manifest(), spec in "(linux|windows)/(amd64|arm64|arm/v7|arm/v6|386)") {
        let m = parse(&serde_json::to_vec(&doc).unwrap(), None).unwrap();
        let host = platform::parse(&spec).unwrap();
        let matcher = platform::Matcher::new(&host, MatchMode::Only);
        match select_platform(&m, &host, MatchMode::Only) {
            Some(chosen) => {
                prop_assert!(!chosen.is_attestation());
                if let Some(p) = &chosen.platform {
                    prop_assert!(matcher.matches(p));
                    // Nothing strictly better exists.
                    for other in m.manifests.as_ref().unwrap().iter().filter(|d| !d.is_attestation()) {
                        if let Some(q) = &other.platform {
                            prop_assert!(!(matcher.matches(q) && matcher.less(q, p)));
                        }
                    }
                } else {
                    // Only when no platformed entry matches.
                    prop_assert!(!m.manifests.as_ref().unwrap().iter().any(|d| !d.is_attestation() && d.platform.as_ref().is_some_and(|p| matcher.matches(p))));
                }
            }
            None => prop_assert!(!m.manifests.iter().flatten().any(|d| !d.is_attestation() && d.platform.as_ref().map_or(true, |p| matcher.matches(p)))),
        }
    }
}

/// Arbitrary JSON shaped like manifests: known keys with values of any type, nested.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("schemaVersion".to_owned()),
        Just("mediaType".to_owned()),
        Just("config".to_owned()),
        Just("layers".to_owned()),
        Just("manifests".to_owned()),
        Just("digest".to_owned()),
        Just("size".to_owned()),
        Just("platform".to_owned()),
        Just("os".to_owned()),
        Just("architecture".to_owned()),
        Just("annotations".to_owned()),
        Just("urls".to_owned()),
        Just("data".to_owned()),
        Just("rootfs".to_owned()),
        Just("diff_ids".to_owned()),
        Just("history".to_owned()),
        Just("Env".to_owned()),
        Just("os.version".to_owned()),
        "\\PC{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!(2)),
        Just(json!(media_type::OCI_MANIFEST)),
        Just(json!(media_type::OCI_INDEX)),
        Just(json!(
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
