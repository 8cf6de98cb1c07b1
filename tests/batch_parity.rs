//! `LineScorer` writes exactly what `stance score --input-format text --format csv` writes:
//! same ids, labels, probabilities and error rows, whatever the chunk size and thread count.
//! And `stance score` itself, which sends such runs through `LineScorer`, prints the same
//! stdout, stderr and exit code as its general record pipeline (forced with
//! `STANCE_SCORE_ROUTE=general`).

use std::path::PathBuf;
use std::process::Command;

use stance::batch::LineScorer;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stance-batch-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn batch_rows_equal_cli_rows() {
    let bin = env!("CARGO_BIN_EXE_stance");
    let model = tmp("nb.model");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/stance.csv");
    let st = Command::new(bin)
        .args(["train", "--data", data, "--classifier", "nb", "--negation", "--model"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));

    // Input: the corpus texts, with the awkward cases mixed in.
    let mut input: Vec<u8> = b"\xEF\xBB\xBFBOM first line, talks resume\n".to_vec();
    let mut r = csv::Reader::from_path(data).unwrap();
    for (i, rec) in r.records().enumerate() {
        let text = rec.unwrap()[1].replace('\n', " ");
        input.extend_from_slice(text.as_bytes());
        input.extend_from_slice(match i % 97 {
            0 => b"\r\n",
            1 => b"\n\n",
            2 => b"\n   \t \n",
            3 => b"\n\xFF\xFEbad bytes\n",
            4 => b"\n\"quoted, with comma\"\n",
            _ => b"\n",
        });
        if i % 211 == 5 {
            input.extend(std::iter::repeat_n(b'x', 300));
            input.push(b'\n');
        }
    }
    input.extend_from_slice(b"last line without newline");
    let path = tmp("input.txt");
    std::fs::write(&path, &input).unwrap();

    let pipeline = stance::persist::load(&model).unwrap();
    for max in [256usize, stance::data::reader::DEFAULT_MAX_RECORD_BYTES] {
        // `explicit`: pass --input-format text, else let the .txt name tell the format.
        let run = |route: &str, threads: &str, explicit: bool| {
            let format: &[&str] = if explicit { &["--input-format", "text"] } else { &[] };
            Command::new(bin)
                .env("STANCE_SCORE_ROUTE", route)
                .arg("score")
                .args(format)
                .args(["--threads", threads, "--max-record-bytes", &max.to_string(), "--model"])
                .arg(&model)
                .arg("--input")
                .arg(&path)
                .output()
                .unwrap()
        };
        let out = run("general", "2", true);
        let expected = out.stdout;
        assert!(expected.len() > 1000);
        assert!(out.stderr.len() > 100, "the general route reports the failures");
        for threads in ["1", "2"] {
            let fast = run("", threads, true);
            // The format guessed from the .txt name takes the same route.
            let guessed = run("", threads, false);
            assert!(guessed.stdout == fast.stdout && guessed.stderr == fast.stderr);
            assert_eq!(fast.status.code(), out.status.code());
            assert!(fast.stdout == expected, "stance score stdout differs between the routes (threads {threads}, max {max})");
            assert_eq!(String::from_utf8_lossy(&fast.stderr), String::from_utf8_lossy(&out.stderr), "stderr differs between the routes");
        }
        for (threads, chunk) in [(1, 1 << 20), (2, 1 << 20), (2, 64), (1, 1000), (3, 4096)] {
            let mut scorer = LineScorer::new(&pipeline, threads).chunk_bytes(chunk).max_record_bytes(max);
            let mut got = Vec::new();
            let mut failures = 0;
            scorer.score_stream(&input[..], &mut got, |_| failures += 1).unwrap();
            assert!(failures > 0);
            if got != expected {
                let g = String::from_utf8_lossy(&got);
                let e = String::from_utf8_lossy(&expected);
                let first = g.lines().zip(e.lines()).position(|(a, b)| a != b);
                panic!(
                    "threads {threads}, chunk {chunk}, max {max}: first differing row {first:?}: {:?} vs {:?}",
                    first.and_then(|i| g.lines().nth(i)),
                    first.and_then(|i| e.lines().nth(i))
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(model.parent().unwrap());
}

/// The progress callback (the CLI's progress bar) sees the lines and bytes grow to the whole
/// input, one report per chunk.
#[test]
fn progress_reaches_every_line_and_byte() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/stance.csv");
    let mut texts = Vec::new();
    let mut r = csv::Reader::from_path(data).unwrap();
    for rec in r.records().take(300) {
        texts.push(rec.unwrap()[1].replace('\n', " "));
    }
    let labels: Vec<String> = (0..texts.len()).map(|i| ["escalation", "de-escalation", "neutral"][i % 3].to_string()).collect();
    let mut config = stance::PipelineConfig::default();
    config.train = stance::model::TrainParams::for_classifier(stance::model::ClassifierKind::Nb);
    let pipeline = stance::Pipeline::fit(&config, &texts, &labels, &stance::pipeline::DataSource::default()).unwrap();
    let mut input = texts.join("\n").into_bytes();
    input.extend_from_slice(b"\n\n"); // one empty line: a failure, still counted
    let mut reports = Vec::new();
    let mut scorer = LineScorer::new(&pipeline, 2).chunk_bytes(2000);
    let counts = scorer.score_stream_with_progress(&input[..], std::io::sink(), |_| {}, |lines, bytes| reports.push((lines, bytes))).unwrap();
    assert_eq!(counts.scored + counts.failed, texts.len() as u64 + 1);
    assert!(reports.len() > 5, "one report per chunk: {}", reports.len());
    assert!(reports.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1), "{reports:?}");
    assert_eq!(*reports.last().unwrap(), (texts.len() as u64 + 1, input.len() as u64));
}
