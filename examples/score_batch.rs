//! Batch-scores a plain-text file (one document per line) with the library's [`LineScorer`]:
//! large-chunk reads, one worker per thread, rows written in order through one buffered writer.
//! The CSV it writes is byte-identical to `stance score --input-format text --format csv`.
//!
//! ```text
//! cargo run --release --example score_batch -- MODEL INPUT [THREADS] [OUTPUT]
//! ```
//! OUTPUT defaults to stdout; pass /dev/null to time scoring alone. Prints the
//! load and scoring times and the throughput on stderr.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use stance::batch::LineScorer;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: score_batch MODEL INPUT [THREADS] [OUTPUT]");
        std::process::exit(2);
    }
    let threads: usize = args.get(2).map(|t| t.parse().expect("THREADS is a number")).unwrap_or(1);
    let t0 = Instant::now();
    let pipeline = stance::persist::load(Path::new(&args[0])).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let load = t0.elapsed();
    let input = File::open(&args[1]).unwrap_or_else(|e| {
        eprintln!("error: {}: {e}", args[1]);
        std::process::exit(2)
    });
    let out: Box<dyn Write> = match args.get(3).map(String::as_str) {
        None | Some("-") => Box::new(io::stdout().lock()),
        Some(path) => Box::new(File::create(path).expect("cannot create the output")),
    };
    let out = BufWriter::with_capacity(1 << 20, out);
    let mut scorer = LineScorer::new(&pipeline, threads);
    let t1 = Instant::now();
    let counts = scorer
        .score_stream(input, out, |f| eprintln!("{}:{}: {}", args[1], f.line, f.message))
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
    let secs = t1.elapsed().as_secs_f64();
    let n = counts.scored + counts.failed;
    eprintln!(
        "load {:.1} ms; {} records ({} scored, {} failed) on {} thread(s) in {:.3} s: {:.0} sentences/s, {:.1} MB/s of text",
        load.as_secs_f64() * 1e3,
        n,
        counts.scored,
        counts.failed,
        threads,
        secs,
        n as f64 / secs,
        counts.text_bytes as f64 / 1e6 / secs
    );
    std::process::exit(if counts.failed > 0 { 1 } else { 0 });
}
