//! The hot scoring loop, stage by stage, on the sentences of datasets/stance.csv with the
//! default model. Every stage is reported per MB of raw text (`bytes`) and per sentence
//! (`sentences`); stemming per word.
//!
//! `cargo bench --bench hot_path` (add `-- STAGE` to run one group, e.g. `-- pipeline`).

mod common;

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use criterion::measurement::WallTime;
use rust_stemmers::{Algorithm, Stemmer};
use stance::batch::LineScorer;
use stance::features::SparseVector;
use stance::text::tokenizer::tokenize_into;
use stance::text::Analysis;
use stance::Workspace;

/// Runs `f` (one pass over the corpus) twice: throughput in bytes, then in sentences.
fn both(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, bytes: u64, sentences: u64, mut f: impl FnMut()) {
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("{name}/bytes"), |b| b.iter(&mut f));
    g.throughput(Throughput::Elements(sentences));
    g.bench_function(format!("{name}/sentences"), |b| b.iter(&mut f));
}

fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    g
}

fn benches(c: &mut Criterion) {
    let texts = common::sentences();
    let pipeline = common::default_model();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let n = texts.len() as u64;
    eprintln!("fixture: {n} sentences, {bytes} bytes, model with {} features", pipeline.vectorizer().n_features());

    {
        let mut g = group(c, "tokenizer");
        let mut raw = Vec::new();
        both(&mut g, "tokenize", bytes, n, || {
            for t in &texts {
                tokenize_into(t, &mut raw);
                black_box(raw.len());
            }
        });
        g.finish();
    }
    {
        let mut g = group(c, "analyzer");
        let mut a = Analysis::new();
        both(&mut g, "analyze_with_stem_cache", bytes, n, || {
            for t in &texts {
                pipeline.analyzer().analyze(t, &mut a);
                black_box(a.len());
            }
        });
        g.finish();
    }
    {
        // Stemming each word (no cache) vs the fast path's word -> term-id cache (tokenizing
        // included), per word.
        let mut g = group(c, "stemming");
        let stemmer = Stemmer::create(Algorithm::English);
        let mut raw = Vec::new();
        let mut words: Vec<String> = Vec::new();
        for t in &texts {
            tokenize_into(t, &mut raw);
            words.extend(raw.iter().map(|r| t[r.start..r.end].to_lowercase()));
        }
        g.throughput(Throughput::Elements(words.len() as u64));
        g.bench_function("stem_every_word", |b| {
            b.iter(|| {
                for w in &words {
                    black_box(stemmer.stem(w));
                }
            })
        });
        let mut ws = Workspace::default();
        g.bench_function("word_cache_term_ids", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(pipeline.term_ids(t, &mut ws).len());
                }
            })
        });
        g.finish();
    }
    {
        let mut g = group(c, "vectorizer");
        let mut ws = Workspace::default();
        both(&mut g, "reference_analyze_transform", bytes, n, || {
            for t in &texts {
                pipeline.vectorize(t, &mut ws);
                black_box(ws.vector.len());
            }
        });
        let mut ws = Workspace::default();
        both(&mut g, "fast_word_cache", bytes, n, || {
            for t in &texts {
                pipeline.vectorize_fast(t, &mut ws);
                black_box(ws.vector.len());
            }
        });
        g.finish();
    }
    {
        let mut g = group(c, "scorer");
        let mut ws = Workspace::default();
        let vectors: Vec<SparseVector> = texts
            .iter()
            .map(|t| {
                pipeline.vectorize_fast(t, &mut ws);
                ws.vector.clone()
            })
            .collect();
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| pipeline.term_ids(t, &mut ws).to_vec()).collect();
        let mut p = vec![0.0; pipeline.labels().len()];
        g.throughput(Throughput::Elements(n));
        // The kernel `predict` uses: term ids -> n-gram features -> tf-idf -> probabilities.
        g.bench_function("kernel_from_term_ids/sentences", |b| {
            b.iter(|| {
                for i in &ids {
                    black_box(pipeline.predict_term_ids(i, &mut ws));
                }
            })
        });
        // The reference scorer on ready sparse vectors (training, explanations).
        g.bench_function("probabilities/sentences", |b| {
            b.iter(|| {
                for v in &vectors {
                    pipeline.scorer().probabilities(v, &mut p);
                    black_box(p[0]);
                }
            })
        });
        g.finish();
    }
    {
        let mut g = group(c, "pipeline");
        let mut ws = Workspace::default();
        both(&mut g, "predict_corpus", bytes, n, || {
            for t in &texts {
                black_box(pipeline.predict(t, &mut ws));
            }
        });
        // One typical sentence, scored alone (warm workspace).
        let one = &texts[1];
        g.throughput(Throughput::Bytes(one.len() as u64));
        g.bench_function("predict_one_sentence/bytes", |b| b.iter(|| black_box(pipeline.predict(black_box(one), &mut ws))));
        g.throughput(Throughput::Elements(1));
        g.bench_function("predict_one_sentence/sentences", |b| b.iter(|| black_box(pipeline.predict(black_box(one), &mut ws))));
        g.finish();
    }
    {
        // Batch scoring of a ~4 MB block of lines into CSV rows, on 1 and 2 threads.
        let mut g = group(c, "batch");
        let (block, lines, text_bytes) = common::lines_block(&texts, 4 << 20);
        for threads in [1usize, 2] {
            let mut scorer = LineScorer::new(&pipeline, threads);
            let (mut out, mut failures) = (Vec::new(), Vec::new());
            both(&mut g, &format!("score_chunk_{threads}_threads"), text_bytes, lines, || {
                out.clear();
                black_box(scorer.score_chunk(&block, 1, &mut out, &mut failures));
            });
        }
        g.finish();
    }
}

criterion_group!(hot_path, benches);
criterion_main!(hot_path);
