//! Limits that keep hostile input from exhausting memory: `--max-record-bytes` on score and
//! train (a line longer than the limit is never read into memory, and is reported with its
//! line), and `--max-terms` on train (the vocabulary the vectorizer may collect).

mod common;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{stance, stderr, stdout, temp_dir};
use stance::data::{Columns, InputFormat, ReadOptions, RecordReader};

use common::SMALL_CORPUS as GOOD;

fn train_small(dir: &Path) -> String {
    let data = dir.join("good.csv");
    std::fs::write(&data, GOOD).unwrap();
    let model = dir.join("m.model");
    let out = stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", data.to_str().unwrap(), "--model", model.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    model.to_str().unwrap().to_string()
}

/// Runs stance with stdout and stderr in files and returns (exit code, stdout, stderr, peak
/// resident memory of that process in KiB, from wait4).
fn run_measured(args: &[&str], dir: &Path) -> (Option<i32>, String, String, i64) {
    let out_path = dir.join("measured.out");
    let err_path = dir.join("measured.err");
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
    let child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 on our own child's pid fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let code = if libc::WIFEXITED(status) { Some(libc::WEXITSTATUS(status)) } else { None };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (code, read(&out_path), read(&err_path), usage.ru_maxrss)
}

#[test]
fn a_huge_csv_line_is_skipped_without_being_read_into_memory() {
    let dir = temp_dir("limits-huge");
    let model = train_small(&dir);
    // 200 MB on one line between two good records.
    let path = dir.join("huge.csv");
    {
        let mut f = std::io::BufWriter::new(File::create(&path).unwrap());
        f.write_all(b"id,text\na,Talks resumed in Geneva.\nb,\"").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&block).unwrap();
        }
        f.write_all(b"\"\nc,Missiles struck the port.\n").unwrap();
    }
    let (code, out, err, peak_kib) = run_measured(&["score", "--model", &model, "--input", path.to_str().unwrap(), "--id-col", "id", "--threads", "1"], &dir);
    assert_eq!(code, Some(1), "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].starts_with("a,"), "{}", rows[0]);
    assert!(rows[1].starts_with("3,") && rows[1].contains("line 3: line of 209715204 bytes exceeds the limit of 8388608"), "{}", rows[1]);
    assert!(rows[2].starts_with("c,") && rows[2].ends_with(','), "the record after the long line is read and scored: {}", rows[2]);
    assert!(err.contains("huge.csv:3:") && err.contains("--max-record-bytes"), "{err}");
    // The 200 MB line never sits in memory: the process stays far below its size.
    assert!(peak_kib < 80 * 1024, "peak resident memory {peak_kib} KiB");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_small_record_limit_on_score_reports_the_line_and_goes_on() {
    let dir = temp_dir("limits-score-small");
    let model = train_small(&dir);
    for (name, sep) in [("in.csv", ","), ("in.tsv", "\t")] {
        let path = dir.join(name);
        let long = "word ".repeat(30);
        std::fs::write(&path, format!("id{sep}text\na{sep}Talks resumed.\nb{sep}{long}\nc{sep}Shelling resumed.\n")).unwrap();
        let out = stance(&["score", "--model", &model, "--input", path.to_str().unwrap(), "--id-col", "id", "--max-record-bytes", "64"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = stdout(&out);
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 3, "{name}: {text}");
        assert!(rows[0].starts_with("a,") && rows[0].ends_with(','), "{name}: {}", rows[0]);
        assert!(rows[1].contains("line 3: line of 152 bytes exceeds the limit of 64"), "{name}: {}", rows[1]);
        assert!(rows[2].starts_with("c,") && rows[2].ends_with(','), "{name}: {}", rows[2]);
        let err = stderr(&out);
        assert!(err.contains(&format!("{name}:3:")) && err.contains("raise --max-record-bytes"), "{err}");
        assert!(err.contains("2 scored, 1 failed"), "{err}");
    }
}

#[test]
fn a_stray_quote_cannot_swallow_a_big_file_into_memory() {
    let dir = temp_dir("limits-quote");
    let model = train_small(&dir);
    let path = dir.join("quote.csv");
    // The quote opened on line 3 never closes; every later line is short, so only the record
    // bound stops the parser from collecting the rest of the file.
    let mut bytes = b"id,text\na,Talks resumed.\nb,\"Shelling, he said\n".to_vec();
    for i in 0..10000 {
        bytes.extend_from_slice(format!("c{i},More text on this line.\n").as_bytes());
    }
    std::fs::write(&path, &bytes).unwrap();
    let out = stance(&["score", "--model", &model, "--input", path.to_str().unwrap(), "--id-col", "id", "--max-record-bytes", "1000"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("quote.csv:3:") && err.contains("past the limit of 1000 bytes") && err.contains("unbalanced quote"), "{err}");
    let text = stdout(&out);
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("a,")), "records before it are written: {text}");

    // Within the limit the usual diagnosis stands.
    let out = stance(&["score", "--model", &model, "--input", path.to_str().unwrap(), "--id-col", "id"]);
    assert!(stderr(&out).contains("never closed"), "{}", stderr(&out));
}

#[test]
fn a_multi_line_record_over_the_limit_is_one_failed_record() {
    let dir = temp_dir("limits-multiline");
    let model = train_small(&dir);
    let path = dir.join("multi.csv");
    let field = "a line of the story\n".repeat(10); // 200 bytes over 10 lines, each short
    std::fs::write(&path, format!("id,text\na,Talks resumed.\nb,\"{field}\"\nc,Shelling resumed.\n")).unwrap();
    let out = stance(&["score", "--model", &model, "--input", path.to_str().unwrap(), "--id-col", "id", "--max-record-bytes", "100"]);
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[1].starts_with("3,") && rows[1].contains("exceeds the limit of 100"), "{}", rows[1]);
    assert!(rows[2].starts_with("c,"), "{}", rows[2]);
}

#[test]
fn train_refuses_a_line_over_max_record_bytes() {
    let dir = temp_dir("limits-train-bytes");
    let path = dir.join("long.csv");
    std::fs::write(&path, format!("{GOOD}{},neutral\n", "word ".repeat(40))).unwrap();
    let model = dir.join("m.model");
    let args = |limit: &'static str| {
        vec![
            "train".to_string(),
            "--classifier".into(),
            "nb".into(),
            "--min-df".into(),
            "1".into(),
            "--data".into(),
            path.to_str().unwrap().into(),
            "--model".into(),
            model.to_str().unwrap().into(),
            "--max-record-bytes".into(),
            limit.into(),
        ]
    };
    let run = |a: Vec<String>| stance(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args("100"));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("long.csv:11:") && err.contains("exceeds the limit of 100") && err.contains("--max-record-bytes"), "{err}");
    assert!(!model.exists());
    // The default limit takes it.
    let out = run(args("8388608"));
    assert!(out.status.success(), "{}", stderr(&out));
    // Zero is refused up front.
    let out = run(args("0"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max-record-bytes must be at least 1"), "{}", stderr(&out));
}

#[test]
fn train_refuses_more_terms_than_max_terms() {
    let dir = temp_dir("limits-terms");
    let data = dir.join("good.csv");
    std::fs::write(&data, GOOD).unwrap();
    let model = dir.join("m.model");
    let (d, m) = (data.to_str().unwrap(), model.to_str().unwrap());
    let base = ["train", "--classifier", "nb", "--min-df", "1", "--data", d, "--model", m];
    let with = |n: &str| {
        let mut a = base.to_vec();
        a.extend(["--max-terms", n]);
        stance(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>())
    };
    let out = with("20");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("more than 20 distinct terms") && err.contains("--max-terms"), "{err}");
    assert!(!model.exists(), "no model on refusal");
    // The corpus has 50-odd distinct terms: a limit above that trains.
    let out = with("200");
    assert!(out.status.success(), "{}", stderr(&out));
    for bad in ["0", "2097151"] {
        let out = with(bad);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("--max-terms must be between 1 and 2097150"), "{}", stderr(&out));
    }
}

#[test]
fn vectorizer_limit_is_exact() {
    use stance::features::{Vectorizer, VectorizerConfig};
    use stance::text::{Analyzer, AnalyzerConfig, StemLanguage};
    let analyzer = Analyzer::new(AnalyzerConfig { stem: StemLanguage::None, negation_scope: false });
    let config = VectorizerConfig { min_df: stance::features::DocFreq::Count(1), ..Default::default() };
    let docs = ["alpha beta", "gamma delta", "alpha epsilon"]; // 5 distinct terms
    assert!(Vectorizer::fit_with_limit(config.clone(), &analyzer, &docs, 5).is_ok());
    let err = Vectorizer::fit_with_limit(config.clone(), &analyzer, &docs, 4).unwrap_err();
    assert!(err.to_string().contains("more than 4 distinct terms"), "{err}");
    // fit is fit_with_limit at the hard bound.
    let a = Vectorizer::fit(config.clone(), &analyzer, &docs).unwrap();
    let b = Vectorizer::fit_with_limit(config, &analyzer, &docs, usize::MAX).unwrap();
    assert_eq!(a.features(), b.features());
}

#[test]
fn reader_line_numbers_stay_right_after_skipped_lines() {
    let mut bytes = b"id,text\n".to_vec();
    let mut expected = Vec::new();
    for i in 0..50u64 {
        let long = i % 7 == 3;
        let text = if long { "y".repeat(100 + i as usize) } else { format!("short {i}") };
        bytes.extend_from_slice(format!("r{i},{text}\n").as_bytes());
        expected.push((i + 2, long));
    }
    let options = ReadOptions { format: InputFormat::Csv, columns: Columns { text: "text".into(), label: None, id: Some("id".into()) }, max_record_bytes: 50, lossy: false };
    let reader = RecordReader::from_reader("t.csv", Box::new(std::io::Cursor::new(bytes)), options).unwrap();
    let got: Vec<(u64, bool)> = reader
        .map(|item| match item.unwrap() {
            Ok(r) => {
                assert_eq!(r.id, format!("r{}", r.line - 2));
                (r.line, false)
            }
            Err(e) => {
                assert!(e.message.contains("exceeds the limit of 50"), "{}", e.message);
                (e.line, true)
            }
        })
        .collect();
    assert_eq!(got, expected);
}

/// Absurd numbers on the command line: refused with the range, or handled, never a panic (a
/// thread count the system cannot start used to panic in `std::thread::scope`; the largest
/// `--max-record-bytes` overflowed `max + 1`, which read every text line as empty in a release
/// build and panicked in a debug one).
#[test]
fn absurd_flag_values_are_refused_or_handled() {
    let dir = temp_dir("limits-absurd");
    let model = train_small(&dir);
    let text = dir.join("two.txt");
    std::fs::write(&text, "Talks resumed.\nShelling resumed.\n").unwrap();
    let csv = dir.join("two.csv");
    std::fs::write(&csv, "id,text\na,Talks resumed.\nb,Shelling resumed.\n").unwrap();
    let t = text.to_str().unwrap();
    let max = usize::MAX.to_string();
    for (flag, value, needle) in [
        ("--threads", "0", "--threads must be between 1 and 1024"),
        ("--threads", "1025", "--threads must be between 1 and 1024"),
        ("--threads", max.as_str(), "--threads must be between 1 and 1024"),
        ("--evidence", "101", "--evidence must be at most 100"),
    ] {
        let out = stance(&["score", "--model", &model, "--input", t, flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{flag} {value}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
    for input in [&text, &csv] {
        let out = stance(&["score", "--model", &model, "--input", input.to_str().unwrap(), "--max-record-bytes", &max]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains("2 scored, 0 failed"), "{}", stderr(&out));
    }
    let out = stance(&["score", "--model", &model, "--input", t, "--threads", "1024"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
