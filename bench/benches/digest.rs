//! Streaming digest throughput: pullgate's `Hasher` fed 64 MiB in 1 MiB chunks, beside
//! `sha2`'s one-shot `digest` over the same buffer. Criterion reports both in bytes/s.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pullgate::digest::{Algorithm, Hasher};
use sha2::Digest as _;

const TOTAL: usize = 64 << 20;
const CHUNK: usize = 1 << 20;

fn content() -> Vec<u8> {
    // Deterministic, not all zeros.
    (0..TOTAL)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect()
}

fn streaming(c: &mut Criterion) {
    let data = content();
    let mut group = c.benchmark_group("digest_64MiB");
    group.throughput(Throughput::Bytes(TOTAL as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));

    for alg in [Algorithm::Sha256, Algorithm::Sha512] {
        group.bench_function(format!("pullgate_hasher_1MiB_chunks/{alg}"), |b| {
            b.iter(|| {
                let mut h = Hasher::new(alg);
                for chunk in data.chunks(CHUNK) {
                    h.update(black_box(chunk));
                }
                black_box(h.finish())
            })
        });
    }
    group.bench_function("sha2_one_shot/sha256", |b| {
        b.iter(|| black_box(sha2::Sha256::digest(black_box(&data))))
    });
    group.bench_function("sha2_one_shot/sha512", |b| {
        b.iter(|| black_box(sha2::Sha512::digest(black_box(&data))))
    });
    group.finish();
}

criterion_group!(benches, streaming);
criterion_main!(benches);
