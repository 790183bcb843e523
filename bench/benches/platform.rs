//! Platform parsing, formatting and best-first ordering of a typical multi-arch index.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use pullgate::platform::{format_all, parse, MatchMode, Matcher, Platform};

const SPECIFIERS: [&str; 6] = [
    "linux/amd64",
    "linux/arm64/v8",
    "Linux/x86_64",
    "armhf",
    "windows(10.0.17763+win32k)/amd64",
    "linux(+gpu+simd)/arm/v7",
];

/// The platforms of a docker-library style index, attestations included.
const INDEX: [&str; 10] = [
    "linux/amd64",
    "linux/arm/v5",
    "linux/arm/v7",
    "linux/arm64/v8",
    "linux/386",
    "linux/mips64le",
    "linux/ppc64le",
    "linux/riscv64",
    "linux/s390x",
    "unknown/unknown",
];

fn benches(c: &mut Criterion) {
    c.bench_function("platform/parse x6", |b| {
        b.iter(|| {
            for s in SPECIFIERS {
                let _ = black_box(parse(black_box(s)));
            }
        })
    });
    let parsed: Vec<Platform> = SPECIFIERS.iter().filter_map(|s| parse(s).ok()).collect();
    c.bench_function("platform/format_all x6", |b| {
        b.iter(|| {
            for p in &parsed {
                black_box(format_all(black_box(p)));
            }
        })
    });
    let index: Vec<Platform> = INDEX.iter().filter_map(|s| parse(s).ok()).collect();
    let host = Platform::new("linux", "arm64");
    c.bench_function("platform/only arm64: build + sort 10", |b| {
        b.iter(|| {
            let m = Matcher::new(black_box(&host), MatchMode::Only);
            let mut candidates = index.clone();
            m.sort(&mut candidates);
            black_box(candidates)
        })
    });
    let m = Matcher::new(&host, MatchMode::Only);
    c.bench_function("platform/only arm64: match 10", |b| {
        b.iter(|| index.iter().filter(|p| m.matches(black_box(p))).count())
    });
}

criterion_group!(platform, benches);
criterion_main!(platform);
