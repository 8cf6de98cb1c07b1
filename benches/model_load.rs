//! Loading the default model (models/stance.model, from datasets/stance.csv): file read +
//! checksum + parse + vocabulary index. `cargo bench --bench model_load`.

mod common;

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn benches(c: &mut Criterion) {
    let path = common::default_model_path();
    let bytes = std::fs::read(&path).unwrap();
    let mut g = c.benchmark_group("model_load");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("persist_load", |b| b.iter(|| black_box(stance::persist::load(&path).unwrap())));
    g.bench_function("persist_from_bytes", |b| b.iter(|| black_box(stance::persist::from_bytes(&bytes, &path).unwrap())));
    g.finish();
}

criterion_group!(model_load, benches);
criterion_main!(model_load);
