//! Platform selection and attestations over real indexes from the shared fixtures.

mod common;
use common::manifests::shared_doc;

use pullgate::manifest::{self, attestations, select_platform, Manifest};
use pullgate::platform::{self, MatchMode, Platform};

// ---------------------------------------------------------------------------------------
// Selection over real indexes.

/// The entry whose platform is exactly `os/arch[/variant]` as written (no matcher involved).
fn entry_for<'m>(
    index: &'m Manifest,
    os: &str,
    arch: &str,
    variant: Option<&str>,
) -> &'m manifest::Descriptor {
    index
        .manifests
        .as_ref()
        .unwrap()
        .iter()
        .find(|d| {
            d.platform.as_ref().is_some_and(|p| {
                p.os == os && p.architecture == arch && p.variant.as_deref() == variant
            })
        })
        .unwrap()
}

fn host(s: &str) -> Platform {
    platform::parse(s).unwrap()
}

#[test]
fn select_on_a_seven_platform_docker_list() {
    let list = shared_doc("regclient/types-manifest/rawDockerSchema2List.json");
    let cases = [
        ("linux/amd64", ("linux", "amd64", None)),
        ("linux/386", ("linux", "386", None)),
        ("linux/arm64", ("linux", "arm64", None)),
        ("linux/arm64/v8", ("linux", "arm64", None)),
        ("linux/arm/v7", ("linux", "arm", Some("v7"))),
        ("linux/arm/v6", ("linux", "arm", Some("v6"))),
        ("linux/ppc64le", ("linux", "ppc64le", None)),
        ("linux/s390x", ("linux", "s390x", None)),
    ];
    for (spec, (os, arch, variant)) in cases {
        let want = entry_for(&list, os, arch, variant);
        assert_eq!(
            select_platform(&list, &host(spec), MatchMode::Only),
            Some(want),
            "{spec}"
        );
    }
    assert_eq!(
        select_platform(&list, &host("linux/riscv64"), MatchMode::Only),
        None
    );
    assert_eq!(
        select_platform(&list, &host("windows/amd64"), MatchMode::Only),
        None
    );
    // arm/v5 runs neither v6 nor v7; arm/v8 (32-bit) runs v7 first.
    assert_eq!(
        select_platform(&list, &host("linux/arm/v5"), MatchMode::Only),
        None
    );
    let v7 = entry_for(&list, "linux", "arm", Some("v7"));
    assert_eq!(
        select_platform(&list, &host("linux/arm/v8"), MatchMode::Only),
        Some(v7)
    );
}

#[test]
fn select_modes() {
    let list = shared_doc("quay/PYTHON_LATEST.json");
    let arm64 = entry_for(&list, "linux", "arm64", Some("v8"));
    let v7 = entry_for(&list, "linux", "arm", Some("v7"));
    for mode in [MatchMode::Only, MatchMode::Strict, MatchMode::Exact] {
        assert_eq!(
            select_platform(&list, &host("linux/arm64"), mode),
            Some(arm64),
            "{mode:?}"
        );
        assert_eq!(
            select_platform(&list, &host("linux/arm/v7"), mode),
            Some(v7),
            "{mode:?}"
        );
    }
    // Without arm64, an arm64 host falls back to arm/v7 only under Only.
    let mut no_arm64 = list.clone();
    no_arm64.manifests.as_mut().unwrap().retain(|d| d != arm64);
    assert_eq!(
        select_platform(&no_arm64, &host("linux/arm64"), MatchMode::Only),
        Some(v7)
    );
    assert_eq!(
        select_platform(&no_arm64, &host("linux/arm64"), MatchMode::Strict),
        None
    );
    // Windows: the ltsc2022 host gets the 20348 build, the ltsc2019 host the 17763 one.
    let ws2022 = entry_for(&list, "windows", "amd64", None);
    assert_eq!(
        ws2022.platform.as_ref().unwrap().os_version.as_deref(),
        Some("10.0.20348.707")
    );
    let pick = |spec: &str| {
        select_platform(&list, &host(spec), MatchMode::Only).map(|d| d.digest.as_str())
    };
    assert_eq!(
        pick("windows(10.0.20348.1000)/amd64"),
        Some(ws2022.digest.as_str())
    );
    let ws2019 = list.manifests.as_ref().unwrap().iter().find(|d| {
        d.platform.as_ref().and_then(|p| p.os_version.as_deref()) == Some("10.0.17763.2928")
    });
    assert_eq!(
        pick("windows(10.0.17763.2928)/amd64"),
        ws2019.map(|d| d.digest.as_str())
    );
    assert_eq!(pick("windows(10.0.14393.0)/amd64"), None);
    // An image manifest has nothing to select.
    let image = shared_doc("quay/PYTHON_LINUX_AMD64.json");
    assert_eq!(
        select_platform(&image, &host("linux/amd64"), MatchMode::Only),
        None
    );
}

#[test]
fn buildkit_indexes_never_select_attestations() {
    for file in [
        "docker-library/builds-resolved-01-amd64.json",
        "docker-library/builds-resolved-02-arm32v7.json",
        "docker-library/builds-resolved-03-arm64v8.json",
        "docker-library/lookup-test-15.json",
        "buildkit-docs/attestation-storage-index.json",
    ] {
        let index = shared_doc(file);
        let found = attestations(&index);
        assert!(!found.is_empty(), "{file}");
        for attestation in &found {
            assert!(attestation.manifest.is_attestation());
            // Each describes an image manifest of the same index.
            let subject = attestation.subject.unwrap();
            let described = index
                .manifests
                .as_ref()
                .unwrap()
                .iter()
                .find(|d| d.digest == subject);
            assert!(
                described.is_some_and(|d| !d.is_attestation()),
                "{file}: {subject}"
            );
        }
        for spec in [
            "linux/amd64",
            "linux/arm/v7",
            "linux/arm64",
            "linux/s390x",
            "windows/amd64",
        ] {
            if let Some(chosen) = select_platform(&index, &host(spec), MatchMode::Only) {
                assert!(!chosen.is_attestation(), "{file} {spec}");
            }
        }
    }
    let image = shared_doc("quay/PYTHON_LINUX_AMD64.json");
    assert!(attestations(&image).is_empty());
}

#[test]
fn no_platform_entries_come_last() {
    // go-containerregistry's layout index has no platforms at all: the first entry wins.
    let index = shared_doc("go-containerregistry/test_index/index.json");
    let first = &index.manifests.as_ref().unwrap()[0];
    assert_eq!(
        select_platform(&index, &host("linux/amd64"), MatchMode::Only),
        Some(first)
    );
    assert_eq!(
        select_platform(&index, &host("windows/arm64"), MatchMode::Strict),
        Some(first)
    );
}
