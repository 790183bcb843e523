//! Manifest parse + platform select on real multi-arch indexes, beside `oci-spec`'s serde
//! deserialization (`ImageIndex` / `ImageManifest`) of the same bytes, measured in one run.
//!
//! Documents (from the shared fixtures): Docker Hub's `python:latest` manifest list (10
//! platforms, Windows builds included) as quay keeps its exact bytes, a buildkit OCI index
//! with attestation manifests (docker-library meta-scripts), and one image manifest.
//! pullgate's figures include what oci-spec doesn't do: strict validation of every field,
//! duplicate-key refusal, and the sha256 of the exact bytes.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pullgate::digest::{compute, Algorithm};
use pullgate::manifest::{parse, select_platform};
use pullgate::platform::{self, MatchMode};

/// `$PULLGATE_SHARED_FIXTURES`, else `shared/` beside the repository, else `/work/shared`.
fn fixtures() -> PathBuf {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("PULLGATE_SHARED_FIXTURES") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    roots.push(PathBuf::from("/work/shared"));
    for root in &roots {
        for dir in [
            root.clone(),
            root.join("manifests"),
            root.join("fixtures/manifests"),
        ] {
            if dir.join("index.json").is_file() {
                return dir;
            }
        }
    }
    panic!("shared manifest fixtures not found under {roots:?}; set PULLGATE_SHARED_FIXTURES");
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn indexes(c: &mut Criterion) {
    let host = platform::parse("linux/arm64").unwrap();
    let docs = [
        ("python_latest_list", read("quay/PYTHON_LATEST.json")),
        (
            "buildkit_oci_index",
            read("docker-library/lookup-test-15.json"),
        ),
    ];
    let mut group = c.benchmark_group("manifest_index");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for (name, bytes) in &docs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("pullgate_parse/{name}"), |b| {
            b.iter(|| black_box(parse(black_box(bytes), None).unwrap()))
        });
        group.bench_function(format!("pullgate_parse_select/{name}"), |b| {
            b.iter(|| {
                let index = parse(black_box(bytes), None).unwrap();
                black_box(select_platform(&index, &host, MatchMode::Only).map(|d| d.size))
            })
        });
        // The share of pullgate's time spent hashing the exact bytes.
        group.bench_function(format!("sha256_only/{name}"), |b| {
            b.iter(|| black_box(compute(Algorithm::Sha256, black_box(bytes))))
        });
        group.bench_function(format!("oci_spec_deserialize/{name}"), |b| {
            b.iter(|| {
                black_box(
                    serde_json::from_slice::<oci_spec::image::ImageIndex>(black_box(bytes))
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

fn image(c: &mut Criterion) {
    let bytes = read("quay/PYTHON_LINUX_AMD64.json");
    let mut group = c.benchmark_group("manifest_image");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("pullgate_parse/python_linux_amd64", |b| {
        b.iter(|| black_box(parse(black_box(&bytes), None).unwrap().total_size()))
    });
    group.bench_function("oci_spec_deserialize/python_linux_amd64", |b| {
        b.iter(|| {
            black_box(
                serde_json::from_slice::<oci_spec::image::ImageManifest>(black_box(&bytes))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, indexes, image);
criterion_main!(benches);
