//! Wall time of each stage of the hot path on a plain-text file (one sentence per line), for
//! quick A/B checks while optimizing (criterion's `benches/hot_path.rs` is the reference).
//! Each stage includes the ones before it; best of five passes, one thread.
//!
//! ```text
//! cargo run --release --example stage_times -- MODEL INPUT
//! cargo run --release --example stage_times -- MODEL INPUT PASSES
//! ```
//! With PASSES, it only predicts every line PASSES times and prints nothing: run it under
//! `valgrind --tool=cachegrind` with 1 and 2 passes, and the difference is the deterministic
//! cost (instructions, simulated cache misses and mispredictions) of one warm pass.

use std::time::Instant;

use stance::text::tokenizer::tokenize_into;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 && args.len() != 3 {
        eprintln!("usage: stage_times MODEL INPUT [PASSES]");
        std::process::exit(2);
    }
    let pipeline = stance::persist::load(std::path::Path::new(&args[0])).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let text = std::fs::read_to_string(&args[1]).unwrap_or_else(|e| {
        eprintln!("error: {}: {e}", args[1]);
        std::process::exit(2)
    });
    let lines: Vec<&str> = text.lines().collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let mut ws = stance::Workspace::new();
    if let Some(passes) = args.get(2) {
        let passes: usize = passes.parse().expect("PASSES is a number");
        let mut check = 0usize;
        for _ in 0..passes {
            for line in &lines {
                check = check.wrapping_add(pipeline.predict(line, &mut ws));
            }
        }
        std::hint::black_box(check);
        return;
    }
    for line in &lines {
        pipeline.predict(line, &mut ws); // warm the word cache
    }
    let run = |name: &str, f: &mut dyn FnMut(&str) -> usize| {
        let (mut best, mut check) = (f64::MAX, 0usize);
        for _ in 0..5 {
            let t = Instant::now();
            for line in &lines {
                check = check.wrapping_add(f(line));
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:10} {:7.1} MB/s {:6.0} ns/sentence (check {check})", bytes as f64 / best / 1e6, best * 1e9 / lines.len() as f64);
    };
    let mut raw = Vec::new();
    run("tokenize", &mut |l| {
        tokenize_into(l, &mut raw);
        raw.len()
    });
    run("term_ids", &mut |l| pipeline.term_ids(l, &mut ws).len());
    run("vectorize", &mut |l| {
        pipeline.vectorize_fast(l, &mut ws);
        ws.vector.len()
    });
    run("predict", &mut |l| pipeline.predict(l, &mut ws));
}
