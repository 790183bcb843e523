//! Manifest limits, error variants, sizes, stated digests and the config summary.

mod common;
use common::manifests::{shared_doc, shared_manifests};

use pullgate::manifest::{
    self, media_type, parse, parse_config, parse_descriptor, select_platform, ManifestError,
};
use pullgate::platform::{self, MatchMode, Platform};
use pullgate::ErrorCode;
use serde_json::json;

fn host(s: &str) -> Platform {
    platform::parse(s).unwrap()
}

// ---------------------------------------------------------------------------------------
// Limits, errors, sizes, configs.

#[test]
fn size_limit_is_exactly_four_mebibytes() {
    let doc = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let mut body = doc.to_vec();
    body.resize(manifest::MAX_MANIFEST_SIZE, b' ');
    let m = parse(&body, None).unwrap();
    assert_eq!(m.size, 4 * 1024 * 1024);
    body.push(b' ');
    let err = parse(&body, None).unwrap_err();
    assert_eq!(
        err,
        ManifestError::TooLarge {
            size: 4 * 1024 * 1024 + 1,
            limit: 4 * 1024 * 1024
        }
    );
    assert_eq!(err.code(), "MANIFEST_TOO_LARGE");
    assert_eq!(
        err.to_string(),
        "manifest too large: 4194305 bytes, limit 4194304"
    );
    assert_eq!(
        parse_descriptor(&body).unwrap_err().code(),
        "MANIFEST_TOO_LARGE"
    );
}

#[test]
fn error_variants_and_codes() {
    let err = parse(b"{", None).unwrap_err();
    assert!(matches!(err, ManifestError::Syntax { .. }));
    let err = parse(br#"{"a":1,"a":2}"#, None).unwrap_err();
    assert_eq!(
        err,
        ManifestError::DuplicateKey {
            key: "a".into(),
            line: 1,
            column: 13
        }
    );
    assert_eq!(err.code(), "MANIFEST_INVALID");
    let err = parse(br#"{"schemaVersion":1}"#, None).unwrap_err();
    assert_eq!(
        err,
        ManifestError::Unsupported {
            media_type: media_type::DOCKER_SCHEMA1.into()
        }
    );
    let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let err = parse(body, Some(media_type::DOCKER_MANIFEST)).unwrap_err();
    assert_eq!(
        err,
        ManifestError::MediaTypeMismatch {
            content_type: media_type::DOCKER_MANIFEST.into(),
            media_type: media_type::OCI_INDEX.into()
        }
    );
    let body =
        br#"{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:x","size":1}]}"#;
    let err = parse(body, None).unwrap_err();
    assert_eq!(
        err,
        ManifestError::Invalid {
            field: "manifests[0].digest".into(),
            reason: "invalid digest format: \"sha256:x\"".into()
        }
    );
    let err: Box<dyn std::error::Error> = Box::new(err);
    assert!(err.to_string().starts_with("manifests[0].digest: "));
}

#[test]
fn accept_header_and_media_types() {
    assert_eq!(
        manifest::MANIFEST_ACCEPT,
        "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
         application/vnd.docker.distribution.manifest.list.v2+json, \
         application/vnd.docker.distribution.manifest.v2+json"
    );
    for accepted in manifest::MANIFEST_ACCEPT.split(", ") {
        assert!(media_type::is_image_manifest(accepted) || media_type::is_index(accepted));
    }
    assert!(!media_type::is_index(media_type::DOCKER_SCHEMA1));
}

#[test]
fn sizes_and_references() {
    // regclient's test expects 3659443 for the layers alone; the config is 3023 more.
    let m = shared_doc("regclient/types-manifest/rawDockerSchema2.json");
    assert_eq!(m.layers_size(), Some(3659443));
    assert_eq!(m.total_size(), Some(3659443 + 3023));
    assert_eq!(
        serde_json::to_value(&m).unwrap()["totalSize"],
        json!(3659443 + 3023)
    );
    let refs = m.references();
    assert_eq!(refs.len(), 1 + m.layers.as_ref().unwrap().len());
    assert_eq!(refs[0], m.config.as_ref().unwrap());
    let index = shared_doc("quay/PYTHON_LATEST.json");
    assert_eq!(index.layers_size(), None);
    assert_eq!(index.references().len(), 10);
}

#[test]
fn stated_digests_of_real_documents() {
    // image-spec's backwards_compatibility_test.go and quay's testdata.py state these.
    for (file, digest) in [
        (
            "oci-image-spec/dockerhub-backcompat/backwards_compatibility-01-imageIndex.json",
            "sha256:4ffd0883f25635999f04ea543240a27c9a4341979ff7d46a9774f71512eebb1f",
        ),
        (
            "oci-image-spec/dockerhub-backcompat/backwards_compatibility-02-manifest.json",
            "sha256:888206c77cd2811ec47e752ba291e5b7734e3ef137dfd222daadaca39a9f17bc",
        ),
        (
            "quay/PYTHON_LINUX_AMD64.json",
            "sha256:ec43d739179d1979274d05ac081e279c97cfe5ca31777b7de3ec77ff82909073",
        ),
    ] {
        assert_eq!(shared_doc(file).digest.as_str(), digest, "{file}");
    }
    // And the python:latest list names that amd64 manifest.
    let list = shared_doc("quay/PYTHON_LATEST.json");
    let amd64 = select_platform(&list, &host("linux/amd64"), MatchMode::Only).unwrap();
    assert_eq!(
        amd64.digest.as_str(),
        "sha256:ec43d739179d1979274d05ac081e279c97cfe5ca31777b7de3ec77ff82909073"
    );
}

#[test]
fn config_summary() {
    let bytes =
        std::fs::read(shared_manifests().join("oci-image-spec/schema-tests/config-08-valid.json"))
            .unwrap();
    let config = parse_config(&bytes).unwrap();
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        json!({
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8",
            "created": "2015-10-31T22:22:56.015925234Z",
            "author": "Alyssa P. Hacker <alyspdev@example.com>",
            "config": {
                "user": "1:1",
                "exposedPorts": ["8080/tcp"],
                "env": [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "FOO=docker_is_a_really",
                    "BAR=great_tool_you_know"
                ],
                "entrypoint": ["/bin/sh"],
                "cmd": ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
                "volumes": ["/var/job-result-data", "/var/log/my-app-logs"],
                "workingDir": "/home/alice",
                "labels": {
                    "com.example.project.git.url": "https://example.com/project.git",
                    "com.example.project.git.commit": "45a939b2999782a3f005621a8d0f29aa387e1d6b"
                },
                "stopSignal": "SIGKILL"
            },
            "rootfs": {
                "type": "layers",
                "diffIds": [
                    "sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827",
                    "sha256:2b689805fbd00b2db1df73fae47562faac1a626d5f61744bfe29946ecff5d73d"
                ]
            },
            "history": [
                {
                    "created": "2015-10-31T22:22:54.690851953Z",
                    "createdBy": "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /"
                },
                {
                    "created": "2015-10-31T22:22:55.613815829Z",
                    "createdBy": "/bin/sh -c #(nop) CMD [\"sh\"]",
                    "emptyLayer": true
                }
            ]
        })
    );
    assert_eq!(config.platform(), host("linux/arm64/v8"));

    // fedora:23 from Docker Hub: Cmd, Entrypoint, Volumes and OnBuild are null.
    let bytes = std::fs::read(
        shared_manifests()
            .join("oci-image-spec/dockerhub-backcompat/backwards_compatibility-04-config.json"),
    )
    .unwrap();
    let config = parse_config(&bytes).unwrap();
    let container = config.config.unwrap();
    assert_eq!(
        (container.cmd, container.entrypoint, container.volumes),
        (None, None, None)
    );

    let messages = [
        ("config-01-invalid.json", "os: must be a string, got 123"),
        (
            "config-02-invalid.json",
            "variant: must be a string, got 123",
        ),
        (
            "config-03-invalid.json",
            "config.User: must be a string, got 1234",
        ),
        (
            "config-04-invalid.json",
            "history: must be an array, got \"should be an array\"",
        ),
        ("config-05-invalid.json", "os: must be a string, got 123"),
        ("config-06-invalid.json", "os: must be a string, got 123"),
        (
            "config-10-invalid.json",
            "config.Env[0]: must be NAME=value, got \"foo\"",
        ),
    ];
    for (file, message) in messages {
        let bytes = std::fs::read(
            shared_manifests()
                .join("oci-image-spec/schema-tests")
                .join(file),
        )
        .unwrap();
        let err = parse_config(&bytes).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            ("MANIFEST_INVALID", message),
            "{file}"
        );
    }
    let checks = [
        (
            r#"{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#,
            "architecture: is required",
        ),
        (
            r#"{"architecture":"amd64","os":"linux"}"#,
            "rootfs: is required",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"tar","diff_ids":[]}}"#,
            "rootfs.type: must be \"layers\", got \"tar\"",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]}}"#,
            "rootfs.diff_ids[0]: invalid digest format: \"x\"",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}"#,
            "rootfs.diff_ids: is required",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","created":"yesterday","rootfs":{"type":"layers","diff_ids":[]}}"#,
            "created: must be an RFC 3339 date-time, got \"yesterday\"",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","config":{"ExposedPorts":{"80/tcp":true}},"rootfs":{"type":"layers","diff_ids":[]}}"#,
            "config.ExposedPorts[\"80/tcp\"]: must be an object, got true",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","config":{"Labels":{"a":1}},"rootfs":{"type":"layers","diff_ids":[]}}"#,
            "config.Labels.a: must be a string, got 1",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","history":[{"empty_layer":"yes"}],"rootfs":{"type":"layers","diff_ids":[]}}"#,
            "history[0].empty_layer: must be a boolean, got \"yes\"",
        ),
        (
            r#"{"architecture":"amd64","os":"linux","Os":"windows","rootfs":{"type":"layers","diff_ids":[]}}"#,
            "Os: key differs from \"os\" only in case (ambiguous to case-insensitive decoders)",
        ),
    ];
    for (body, message) in checks {
        let err = parse_config(body.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), message, "{body}");
    }
    // Null reads as absent for optional fields (Go's encoder writes it, Go's decoder reads it).
    let ok = r#"{"architecture":"amd64","os":"linux","variant":null,"config":{"Env":null,"Labels":null,"User":null},"history":null,"rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config = parse_config(ok.as_bytes()).unwrap();
    assert_eq!(config.config, Some(manifest::ContainerConfig::default()));
    assert_eq!(config.history, None);
}

#[test]
fn descriptor_documents() {
    let d = parse_descriptor(br#"{"mediaType":"text/plain","size":34,"data":"aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg==","digest":"sha256:2690af59371e9eca9453dc29882643f46e5ca47ec2862bd517b5e17351325153","platform":{"os":"linux","architecture":"amd64"}}"#).unwrap();
    assert_eq!(
        d.data.as_deref(),
        Some("aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg==")
    );
    // `data` is not part of the JSON shape.
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"mediaType":"text/plain","digest":"sha256:2690af59371e9eca9453dc29882643f46e5ca47ec2862bd517b5e17351325153","size":34,"platform":{"os":"linux","architecture":"amd64"}})
    );
}
