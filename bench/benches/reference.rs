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

/// References per second of `f` over the mix: the fastest of the passes over it in about
/// `secs` seconds. A pass is short (microseconds) next to a scheduler time slice, so on a
/// machine shared with other work the best one is the uncontended speed.
fn refs_per_sec(secs: f64, f: &dyn Fn(&str) -> bool) -> f64 {
    let mut best = f64::MAX;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let pass = Instant::now();
        for r in REFS {
            black_box(f(black_box(r)));
        }
        best = best.min(pass.elapsed().as_secs_f64());
    }
    REFS.len() as f64 / best
}

/// The speed-ups over oci-spec, from alternating rounds (best of each side), so that a
/// machine shared with other work loads both sides alike.
fn ratio() {
    let oci_spec = |r: &str| oci_spec::distribution::Reference::from_str(r).is_ok();
    let ours: [(&str, &dyn Fn(&str) -> bool); 4] = [
        ("scan", &|r| scan(r).is_ok()),
        ("parse", &|r| parse(r).is_ok()),
        ("parse_normalized_named", &|r| {
            parse_normalized_named(r).is_ok()
        }),
        ("parse_docker_ref", &|r| parse_docker_ref(r).is_ok()),
    ];
    let mut oci = 0f64;
    let mut rates = [0f64; 4];
    for _ in 0..5 {
        oci = oci.max(refs_per_sec(0.4, &oci_spec));
        for ((_, f), rate) in ours.iter().zip(rates.iter_mut()) {
            *rate = rate.max(refs_per_sec(0.4, *f));
        }
    }
    println!("oci-spec Reference::from_str: {oci:.0} refs/s");
    for ((name, _), rate) in ours.iter().zip(rates) {
        println!(
            "pullgate {name}: {rate:.0} refs/s, {:.1}x oci-spec",
            rate / oci
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
