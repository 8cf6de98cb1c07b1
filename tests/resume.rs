//! Interrupted scoring loses nothing: a killed `stance score --output FILE` leaves only whole
//! records in FILE, and `--resume` finishes the batch so that FILE is byte for byte the output of
//! an uninterrupted run. Also: resuming from every possible cut of an output (library level),
//! the CSV header written once, and the refusals (stdout, another header or format, other labels,
//! more records than the input, other ids).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use common::{stance, stderr, temp_dir};
use stance::pipeline::{DataSource, Pipeline, PipelineConfig};
use stance::score::{self, resume, InputSource, InputSpec, RowFormat, ScoreOptions, Scorer, Silent, StreamOptions, Unit};

/// A model trained once (naive Bayes on the bundled corpus: quick, with the stance labels).
fn model() -> &'static str {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = temp_dir("resume-model");
            let path = dir.join("stance.model");
            let out = stance(&["train", "--classifier", "nb", "--model", path.to_str().unwrap()]);
            assert!(out.status.success(), "{}", stderr(&out));
            path
        })
        .to_str()
        .unwrap()
}

/// `n` lines of text cycling through the bundled corpus.
fn big_input(dir: &Path, n: usize) -> PathBuf {
    let mut reader = csv::Reader::from_path(common::bundled_corpus()).unwrap();
    let column = reader.headers().unwrap().iter().position(|h| h == "text").unwrap();
    let texts: Vec<String> = reader.records().map(|r| r.unwrap()[column].replace(['\n', '\r'], " ")).collect();
    let mut bytes = Vec::new();
    for i in 0..n {
        bytes.extend_from_slice(texts[i % texts.len()].as_bytes());
        bytes.push(b'\n');
    }
    let path = dir.join("big.txt");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn spawn_score(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Checks that an interrupted output holds whole records only, and is the start of `full`.
fn assert_whole_records(partial: &[u8], full: &[u8], jsonl: bool, columns: usize, what: &str) {
    assert!(full.starts_with(partial), "{what}: the interrupted output is not the start of the full one");
    if !partial.is_empty() && !partial.ends_with(b"\n") {
        // The one documented exception (docs/reliability.md): Linux may end a write of several
        // pages at a page boundary when SIGKILL arrives during the copy. Anything else is a bug.
        assert_eq!(partial.len() % 4096, 0, "{what}: the output ends inside a record, not at a page boundary");
        eprintln!("{what}: the kill cut a write at a page boundary ({} bytes); --resume drops the partial record", partial.len());
        return;
    }
    let text = std::str::from_utf8(partial).expect("whole records are whole UTF-8");
    if jsonl {
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: half a JSON object {line:?}: {e}"));
            assert!(v.is_object());
        }
    } else {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(partial);
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{what}: broken CSV record: {e}"));
            assert_eq!(record.len(), columns, "{what}: half a CSV record {record:?}");
        }
    }
}

/// Kills a scoring run twice at a few hundred milliseconds (each run takes a second or more on
/// `lines` lines with one thread), resumes it to the end, and compares with an uninterrupted run.
/// Whether the kills land mid-run or after the end, the result must be the same file.
fn kill_and_resume(name: &str, lines: usize, extra: &[&str], jsonl: bool, columns: usize) {
    let dir = temp_dir(name);
    let input = big_input(&dir, lines);
    let full_path = dir.join("full.out");
    let part_path = dir.join("part.out");
    let base: Vec<&str> = ["score", "--model", model(), "--input", input.to_str().unwrap(), "--input-format", "text", "--threads", "1", "-q"].to_vec();
    let with = |out: &Path, resume: bool| {
        let mut a = base.clone();
        a.extend(extra);
        a.extend(["--output", out.to_str().unwrap()]);
        if resume {
            a.push("--resume");
        }
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| stance(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(with(&full_path, false));
    assert!(out.status.success(), "{}", stderr(&out));
    let full = std::fs::read(&full_path).unwrap();

    let mut interrupted = 0;
    for (attempt, delay) in [(0, 350), (1, 300)] {
        let args = with(&part_path, attempt > 0);
        let mut child = spawn_score(&args.iter().map(String::as_str).collect::<Vec<_>>());
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        interrupted += usize::from(!status.success());
        let partial = std::fs::read(&part_path).unwrap_or_default();
        eprintln!("{name}: run {attempt} {} after {delay} ms with {} of {} bytes written", if status.success() { "had finished" } else { "was killed" }, partial.len(), full.len());
        assert_whole_records(&partial, &full, jsonl, columns, &format!("{name} after kill {attempt}"));
    }
    let out = run(with(&part_path, true));
    assert!(out.status.success(), "{}", stderr(&out));
    let resumed = std::fs::read(&part_path).unwrap();
    assert!(resumed == full, "{name}: the resumed output differs from the uninterrupted one ({} vs {} bytes)", resumed.len(), full.len());
    eprintln!("{name}: {interrupted} of 2 runs were killed mid-way; resumed output identical ({} bytes)", full.len());
    let _ = std::fs::remove_dir_all(&dir); // tens of MB
}

#[test]
fn killed_record_scoring_resumes_to_the_same_csv() {
    kill_and_resume("resume-kill-record", 200_000, &[], false, 6);
}

#[test]
fn killed_sentence_scoring_resumes_to_the_same_jsonl() {
    kill_and_resume("resume-kill-sentence", 50_000, &["--unit", "sentence", "--format", "jsonl", "--explain", "2"], true, 0);
}

#[test]
fn killed_article_scoring_resumes_to_the_same_csv() {
    // 5 + 3 labels + 2 + 8 x 2 evidence columns + error
    kill_and_resume("resume-kill-article", 50_000, &["--unit", "article", "--evidence", "2", "--spreadsheet-safe"], false, 27);
}

/// A small labelled pipeline, trained in memory.
fn small_pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(|| {
        let (texts, labels) = common::corpus_sample(40);
        let config = PipelineConfig { train: stance::model::TrainParams::for_classifier(stance::model::ClassifierKind::Nb), ..Default::default() };
        Pipeline::fit(&config, &texts, &labels, &DataSource::default()).unwrap()
    })
}

/// An input with awkward ids (quotes, commas, newlines, formula starts, duplicates), multi-line
/// texts and failing records.
fn awkward_input(dir: &Path) -> PathBuf {
    let path = dir.join("awkward.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["id", "title", "text"]).unwrap();
    let rows: [(&str, &str); 12] = [
        ("a", "Troops shelled the border town overnight. Talks were called off."),
        ("b,\"quoted\"", "Both sides agreed to a ceasefire in Doha."),
        ("multi\nline id", "Missiles struck the port.\nA second wave followed at dawn. Nobody spoke of talks."),
        ("=SUM(A1)", "Prisoners were exchanged under Turkish mediation."),
        ("empty", ""),
        ("-1", "The region has a population of four million. The river forms part of the border."),
        ("dup", "Talks resumed in Geneva."),
        ("dup", "Talks collapsed in Geneva. Shelling resumed."),
        ("punct", "?!... —"),
        ("emoji", "🕊️ Both sides pledged restraint. “We will not escalate,” the envoy said."),
        ("last-but-one", "The minister took office in 2021."),
        ("z", "Shelling resumed at dawn; the army mobilised reservists."),
    ];
    for (id, text) in rows {
        w.write_record([id, &format!("title of {id}"), text]).unwrap();
    }
    w.flush().unwrap();
    path
}

fn spec(path: &Path, unit: Unit) -> InputSpec {
    let mut spec = InputSpec::new(path.to_str().unwrap());
    spec.id_col = Some("id".into());
    if unit == Unit::Article {
        spec.title_col = Some("title".into());
    }
    spec
}

fn options(unit: Unit, format: RowFormat) -> ScoreOptions {
    ScoreOptions {
        unit,
        format,
        explain: if unit == Unit::Article { 0 } else { 2 },
        evidence: 2,
        spreadsheet_safe: format == RowFormat::Csv,
        stream: StreamOptions { threads: 2, chunk_items: 3, chunk_bytes: 1 << 20, in_flight: 4 },
        ..ScoreOptions::default()
    }
}

/// Record boundaries of a CSV or JSONL output, found by an independent reader.
fn record_ends(full: &[u8], csv: bool) -> Vec<usize> {
    if csv {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(full);
        let mut ends = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            ends.push(reader.position().byte() as usize);
        }
        ends
    } else {
        full.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect()
    }
}

/// Cut the full output at every byte, resume from there, and get the full output back.
#[test]
fn resuming_from_every_cut_gives_the_full_output() {
    let dir = temp_dir("resume-every-cut");
    let input = awkward_input(&dir);
    let p = small_pipeline();
    for (unit, format) in [
        (Unit::Record, RowFormat::Csv),
        (Unit::Record, RowFormat::Jsonl),
        (Unit::Sentence, RowFormat::Csv),
        (Unit::Sentence, RowFormat::Jsonl),
        (Unit::Article, RowFormat::Csv),
        (Unit::Article, RowFormat::Jsonl),
    ] {
        let csv = format == RowFormat::Csv;
        let scorer = Scorer::new(p, options(unit, format)).unwrap();
        let mut full = Vec::new();
        score::score_stream(&scorer, InputSource::open(&spec(&input, unit)).unwrap(), &mut full, &mut Silent).unwrap();
        let ends = record_ends(&full, csv);
        for cut in 0..=full.len() {
            let what = format!("{unit:?} {format:?} cut at {cut} of {}", full.len());
            let found = resume::scan(&full[..cut], Path::new("out"), &scorer, 1 << 20).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(found.len, cut as u64);
            let keep = found.keep as usize;
            assert!(keep <= cut, "{what}");
            if unit != Unit::Sentence {
                // Exactly the complete records are kept.
                let complete = ends.iter().filter(|&&e| e <= cut).count();
                let expected_keep = ends.iter().copied().filter(|&e| e <= cut).max().unwrap_or(0);
                assert_eq!(keep, expected_keep, "{what}");
                assert_eq!(found.records as usize, complete.saturating_sub(usize::from(csv)), "{what}");
            }
            let mut source = InputSource::open(&spec(&input, unit)).unwrap();
            let (skipped, last) = source.skip(found.records).unwrap();
            assert_eq!(skipped, found.records, "{what}");
            if let (Some(written), Some(input_id)) = (&found.last_id, &last) {
                assert_eq!(written, &resume::written_id(&scorer, input_id), "{what}");
            }
            if let Some(written) = &found.rescore_id {
                assert_eq!(written, &resume::written_id(&scorer, &source.peek_id().unwrap().unwrap()), "{what}");
            }
            let mut out = full[..keep].to_vec();
            score::score_stream_with(&scorer, source, &mut out, &mut Silent, !found.has_header).unwrap();
            assert!(out == full, "{what}: resumed output differs:\n{}", String::from_utf8_lossy(&out));
        }
    }
}

struct Cli {
    dir: PathBuf,
    input: PathBuf,
}

impl Cli {
    fn new(name: &str) -> Self {
        let dir = temp_dir(name);
        let input = awkward_input(&dir);
        Cli { dir, input }
    }
    fn run(&self, output: &str, extra: &[&str]) -> std::process::Output {
        let mut a = vec!["score", "--model", model(), "--input", self.input.to_str().unwrap(), "--id-col", "id", "--output", output];
        a.extend(extra);
        stance(&a)
    }
    fn out(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
}

#[test]
fn the_csv_header_is_written_once() {
    let t = Cli::new("resume-header");
    let full = t.out("full.csv");
    assert_eq!(t.run(&full, &[]).status.code(), Some(1), "one record fails (empty text)");
    let expected = std::fs::read(&full).unwrap();
    let header_len = expected.iter().position(|&b| b == b'\n').unwrap() + 1;
    for (name, start) in [("none.csv", None), ("empty.csv", Some(0)), ("partial-header.csv", Some(5)), ("header-only.csv", Some(header_len)), ("complete.csv", Some(expected.len()))] {
        let path = t.out(name);
        if let Some(n) = start {
            std::fs::write(&path, &expected[..n]).unwrap();
        }
        let out = t.run(&path, &["--resume"]);
        assert_eq!(out.status.code(), Some(1), "{name}: the earlier error row still counts: {}", stderr(&out));
        assert!(std::fs::read(&path).unwrap() == expected, "{name}");
        if name == "complete.csv" {
            assert!(stderr(&out).contains("read 0 records"), "{name}: nothing appended: {}", stderr(&out));
        }
    }
}

#[test]
fn resume_refuses_what_it_cannot_continue() {
    let t = Cli::new("resume-refuse");
    let csv_out = t.out("out.csv");
    let jsonl_out = t.out("out.jsonl");
    t.run(&csv_out, &[]);
    t.run(&jsonl_out, &["--format", "jsonl"]);
    let before = std::fs::read(&csv_out).unwrap();
    let refused = |out: std::process::Output, needles: &[&str]| {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        for n in needles {
            assert!(err.contains(n), "expected {n:?} in {err}");
        }
    };
    refused(t.run("-", &["--resume"]), &["--resume continues an output file", "--output FILE"]);
    refused(t.run(&csv_out, &["--resume", "--view"]), &["not with --view"]);
    refused(t.run(&csv_out, &["--resume", "--explain", "3"]), &["out.csv", "header does not match", "id,label,p_de-escalation,p_escalation,p_neutral,terms,error"]);
    refused(t.run(&csv_out, &["--resume", "--unit", "sentence"]), &["header does not match"]);
    refused(t.run(&csv_out, &["--resume", "--format", "jsonl"]), &["line 1 is not a JSON object"]);
    refused(t.run(&jsonl_out, &["--resume"]), &["header"]);
    refused(t.run(&jsonl_out, &["--resume", "--format", "jsonl", "--explain", "2"]), &["keys", "terms"]);

    // Another model with other labels.
    let data = t.dir.join("sentiment.csv");
    std::fs::write(&data, "text,sentiment\nGreat news today.,positive\nA fine result.,positive\nTerrible losses.,negative\nA grim day.,negative\n").unwrap();
    let other = t.out("sentiment.model");
    assert!(stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", data.to_str().unwrap(), "--label-col", "sentiment", "--model", &other]).status.success());
    let mut a = vec!["score", "--model", other.as_str(), "--input", t.input.to_str().unwrap(), "--id-col", "id", "--output", jsonl_out.as_str(), "--format", "jsonl", "--resume"];
    refused(stance(&a), &["keys", "p_negative"]);
    a[8] = csv_out.as_str();
    a.truncate(9);
    a.push("--resume");
    refused(stance(&a), &["header does not match", "p_negative"]);

    // More records in the file than in the input.
    let short = t.dir.join("short.csv");
    std::fs::write(&short, "id,title,text\na,t,Talks resumed.\n").unwrap();
    refused(stance(&["score", "--model", model(), "--input", short.to_str().unwrap(), "--id-col", "id", "--output", &csv_out, "--resume"]), &["holds 12 records but the input has only 1"]);
    // Same count, other ids.
    let renamed = t.dir.join("renamed.csv");
    let text = std::fs::read_to_string(&t.input).unwrap().replace("last-but-one", "another");
    std::fs::write(&renamed, text).unwrap();
    let cut = t.out("cut.csv");
    let full = std::fs::read_to_string(&csv_out).unwrap();
    let at = full.find("last-but-one").unwrap() + 60; // inside the row after it
    std::fs::write(&cut, &full[..at.min(full.len())]).unwrap();
    refused(
        stance(&["score", "--model", model(), "--input", renamed.to_str().unwrap(), "--id-col", "id", "--output", &cut, "--resume"]),
        &["record 11 has the id 'last-but-one' but input record 11 has the id 'another'", "not the output of"],
    );
    // A refusal leaves the file as it was.
    assert_eq!(std::fs::read(&csv_out).unwrap(), before);
    assert_eq!(std::fs::read_to_string(&cut).unwrap(), full[..at.min(full.len())]);
}

#[test]
fn sentence_resume_rescores_the_last_record_in_the_file() {
    let t = Cli::new("resume-sentence");
    let full_path = t.out("full.csv");
    t.run(&full_path, &["--unit", "sentence"]);
    let full = std::fs::read_to_string(&full_path).unwrap();
    // Cut after the first sentence row of the record with three sentences: its rows are dropped
    // and it is scored again.
    let row = full.find("\"multi\nline id\",0,").unwrap();
    let cut = row + full[row..].find(",\n").unwrap() + 2;
    let path = t.out("cut.csv");
    std::fs::write(&path, &full[..cut]).unwrap();
    let out = t.run(&path, &["--unit", "sentence", "--resume"]);
    let err = stderr(&out);
    assert!(err.contains("2 records already there") && err.contains("the rows of record 3 are written again"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), full);
}
