//! Zero heap allocations per sentence in steady state, counted by a global allocator.
//!
//! Allocations are counted only on the thread that opts in, so the test harness's own threads
//! do not disturb the count. The test warms a workspace on every sentence of the corpus, then
//! scores every sentence three more times (and a batch through `LineScorer::score_chunk` on
//! one thread, which allocates per chunk, never per line) and asserts that no allocation happened
//! while scoring single sentences.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use stance::features::{DocFreq, VectorizerConfig};
use stance::model::{ClassifierKind, TrainParams};
use stance::pipeline::DataSource;
use stance::text::AnalyzerConfig;
use stance::{Pipeline, PipelineConfig, Workspace};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.with(|c| c.get()) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn corpus() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/stance.csv");
    let mut r = csv::Reader::from_path(path).expect("datasets/stance.csv");
    let h = r.headers().unwrap().clone();
    let t = h.iter().position(|c| c == "text").unwrap();
    let l = h.iter().position(|c| c == "stance").unwrap();
    r.records().map(|rec| rec.unwrap()).map(|rec| (rec[t].to_string(), rec[l].to_string())).unzip()
}

#[test]
fn scoring_allocates_nothing_once_warm() {
    let (texts, labels) = corpus();
    let config = PipelineConfig {
        analyzer: AnalyzerConfig { negation_scope: true, ..AnalyzerConfig::default() },
        vectorizer: VectorizerConfig { min_df: DocFreq::Count(2), ..VectorizerConfig::default() },
        train: TrainParams::for_classifier(ClassifierKind::Nb),
    };
    let source = DataSource { path: "datasets/stance.csv".into(), ..DataSource::default() };
    let pipeline = Pipeline::fit(&config, &texts, &labels, &source).unwrap();

    let mut ws = Workspace::default();
    let warm = allocations_in(|| {
        for t in &texts {
            pipeline.predict(t, &mut ws);
        }
    });
    assert!(warm > 0, "the warm-up should have filled the buffers and the word cache");

    let mut checksum = 0usize;
    let steady = allocations_in(|| {
        for _ in 0..3 {
            for t in &texts {
                checksum += pipeline.predict(t, &mut ws);
            }
        }
    });
    assert_eq!(steady, 0, "{steady} allocations while scoring {} warm sentences", 3 * texts.len());
    println!("warm-up: {warm} allocations for {} sentences; steady state: 0 for {}", texts.len(), 3 * texts.len());
    assert!(checksum > 0);

    // The batch scorer: per chunk bookkeeping only, not per line.
    let mut chunk = Vec::new();
    for t in &texts {
        chunk.extend_from_slice(t.replace('\n', " ").as_bytes());
        chunk.push(b'\n');
    }
    let mut scorer = stance::batch::LineScorer::new(&pipeline, 1);
    let (mut out, mut failures) = (Vec::new(), Vec::new());
    scorer.score_chunk(&chunk, 1, &mut out, &mut failures);
    out.clear();
    let batch = allocations_in(|| {
        for _ in 0..3 {
            out.clear();
            scorer.score_chunk(&chunk, 1, &mut out, &mut failures);
        }
    });
    assert!(batch <= 3 * 4, "{batch} allocations for 3 chunks of {} lines", texts.len());
}
