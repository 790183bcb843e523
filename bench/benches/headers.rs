//! Header decoding and limiter decisions: Docker Hub's rate-limit headers, Docker Hub's Bearer
//! challenge, and a pull reservation on a state at the default limit.

use criterion::{criterion_group, criterion_main, Criterion};
use pullgate::auth::{client_key, parse_scope, parse_www_authenticate};
use pullgate::limiter::{check_request, reserve, PullPolicy, PullState, Quota, RequestState};
use pullgate::ratelimit::parse_rate_limit;
use std::hint::black_box;

const HUB_HEADERS: [(&str, &str); 8] = [
    ("content-type", "application/vnd.oci.image.index.v1+json"),
    ("content-length", "9218"),
    (
        "docker-content-digest",
        "sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c",
    ),
    ("docker-distribution-api-version", "registry/2.0"),
    (
        "etag",
        "\"sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c\"",
    ),
    ("ratelimit-limit", "100;w=21600"),
    ("ratelimit-remaining", "76;w=21600"),
    ("docker-ratelimit-source", "203.0.113.42"),
];

const HUB_CHALLENGE: &str = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#;

fn headers(c: &mut Criterion) {
    c.bench_function("parse_rate_limit docker hub", |b| {
        b.iter(|| parse_rate_limit(black_box(HUB_HEADERS)))
    });
    let structured = [
        ("ratelimit-policy", r#""default";q=100;w=21600"#),
        ("ratelimit", r#""default";r=76;t=30"#),
    ];
    c.bench_function("parse_rate_limit ietf structured", |b| {
        b.iter(|| parse_rate_limit(black_box(structured)))
    });
    c.bench_function("parse_www_authenticate docker hub bearer", |b| {
        b.iter(|| parse_www_authenticate(black_box(HUB_CHALLENGE)))
    });
    c.bench_function("parse_scope", |b| {
        b.iter(|| parse_scope(black_box("repository:library/alpine:pull")))
    });
    c.bench_function("client_key ipv6", |b| {
        b.iter(|| client_key(black_box("2001:41d0:801:2000:1234:5678:9abc:def0"), 64))
    });
}

fn limiter(c: &mut Criterion) {
    let policy = PullPolicy::new(Quota {
        limit: 100,
        window_seconds: 21600,
    });
    // A client with 99 pulls spread over the window: each reserve near the limit scans them.
    let mut base = PullState::default();
    for i in 0..99u64 {
        reserve(
            &mut base,
            &policy,
            1_700_000_000_000 + i * 200_000,
            "library/alpine",
            "latest",
        );
    }
    let now = 1_700_000_000_000 + 99 * 200_000;
    c.bench_function("limiter reserve (99 of 100 used)", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |s| reserve(s, &policy, black_box(now), "library/alpine", "latest"),
            criterion::BatchSize::SmallInput,
        )
    });
    let json = serde_json::to_string(&base).expect("state serializes");
    c.bench_function("limiter reserve incl. state (de)serialization", |b| {
        b.iter(|| {
            let mut s: PullState = serde_json::from_str(black_box(&json)).expect("state");
            let d = reserve(&mut s, &policy, now, "library/alpine", "latest");
            (d, serde_json::to_string(&s).expect("state"))
        })
    });
    let quota = Quota {
        limit: 3000,
        window_seconds: 60,
    };
    let mut rs = RequestState::default();
    let mut t = 1_700_000_000_000u64;
    c.bench_function("request limit check", |b| {
        b.iter(|| {
            t += 7;
            check_request(&mut rs, &quota, black_box(t))
        })
    });
}

criterion_group!(benches, headers, limiter);
criterion_main!(benches);
