//! Reference parsing throughput: pullgate's scanner beside `oci-spec`'s regex-based
//! `oci_spec::distribution::Reference` (what `oci-client` uses), over the same mix of
//! realistic references. Criterion reports elements (references) per second; `ratio` at the
//! end prints pullgate's speed-up over oci-spec from a plain timed loop.
//!
//! oci-spec's `FromStr` also normalizes (Docker Hub domain, `library/`, default tag), so it is
//! compared with `parse` (no normalization), `parse_normalized_named` and `parse_docker_ref`.

use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pullgate::reference::{parse, parse_docker_ref, parse_normalized_named, scan};

const REFS: &[&str] = &[
    "ubuntu",
    "ubuntu:22.04",
    "nginx:1.25-alpine",
    "library/redis:7",
    "docker.io/library/postgres:16.2",
    "bitnami/kafka:3.6.1-debian-12-r12",
    "grafana/grafana-oss:10.4.0",
    "ghcr.io/actions/actions-runner:2.314.1",
    "quay.io/prometheus/node-exporter:v1.7.0",
    "gcr.io/distroless/static-debian12:nonroot",
    "registry.k8s.io/kube-apiserver:v1.29.2",
    "mcr.microsoft.com/dotnet/aspnet:8.0-jammy",
    "public.ecr.aws/lambda/python:3.12",
    "localhost:5000/team/app:dev",
    "127.0.0.1:5000/demo/multiarch:latest",
    "docker.elastic.co/elasticsearch/elasticsearch:8.12.2",
    "alpine@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b",
    "docker.io/library/busybox:1.36@sha256:ba76950ac9eaa407512c9d859cea48114eeff8a6f12ebaa5d32ce79d4a017dd8",
    "us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0",
    "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v16.9.1",
];

fn bench(c: &mut Criterion) {
    // Every input is accepted by all parsers measured, so no error path is timed.
    for r in REFS {
        parse(r).unwrap();
        oci_spec::distribution::Reference::from_str(r)
            .unwrap_or_else(|e| panic!("oci-spec rejects {r}: {e}"));
    }
    let mut group = c.benchmark_group("reference_parse_mix20");
    group.throughput(Throughput::Elements(REFS.len() as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("pullgate_scan", |b| {
        b.iter(|| {
            for r in REFS {
                black_box(scan(black_box(r)).ok());
            }
        })
    });
    group.bench_function("pullgate_parse", |b| {
        b.iter(|| {
            for r in REFS {
                black_box(parse(black_box(r)).ok());
            }
        })
    });
    group.bench_function("pullgate_parse_normalized_named", |b| {
        b.iter(|| {
            for r in REFS {
                black_box(parse_normalized_named(black_box(r)).ok());
            }
        })
    });
    group.bench_function("pullgate_parse_docker_ref", |b| {
        b.iter(|| {
            for r in REFS {
                black_box(parse_docker_ref(black_box(r)).ok());
            }
        })
    });
    group.bench_function("oci_spec_from_str", |b| {
        b.iter(|| {
            for r in REFS {
                black_box(oci_spec::distribution::Reference::from_str(black_box(r)).ok());
            }
        })
    });
    group.finish();
    ratio();
}

/// References per second of `f` over the mix, from a plain loop of about `secs` seconds.
fn refs_per_sec(secs: f64, f: &dyn Fn(&str) -> bool) -> f64 {
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        for r in REFS {
            black_box(f(black_box(r)));
        }
        n += REFS.len() as u64;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn ratio() {
    let oci = refs_per_sec(2.0, &|r| {
        oci_spec::distribution::Reference::from_str(r).is_ok()
    });
    let ours: [(&str, f64); 4] = [
        ("scan", refs_per_sec(2.0, &|r| scan(r).is_ok())),
        ("parse", refs_per_sec(2.0, &|r| parse(r).is_ok())),
        (
            "parse_normalized_named",
            refs_per_sec(2.0, &|r| parse_normalized_named(r).is_ok()),
        ),
        (
            "parse_docker_ref",
            refs_per_sec(2.0, &|r| parse_docker_ref(r).is_ok()),
        ),
    ];
    println!("oci-spec Reference::from_str: {oci:.0} refs/s");
    for (name, rate) in ours {
        println!(
            "pullgate {name}: {rate:.0} refs/s, {:.1}x oci-spec",
            rate / oci
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
