//! Batch scoring of articles, end to end: the CLI binary on fixtures under tests/fixtures (written
//! for these tests), the seed articles in ../shared/seeds, and the library functions.
//!
//! The model is a multinomial NB trained once per test process on datasets/stance.csv (under a
//! second), into a temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use stance::score::rollup::{escalation_index, score_article, select_evidence, ArticleWorkspace, SentenceScore, StanceMap};

const BIN: &str = env!("CARGO_BIN_EXE_stance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("stance-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn train(label_col: &str, dir: &Path) -> PathBuf {
    let model = dir.join(format!("{label_col}.model"));
    let out = Command::new(BIN)
        .args(["train", "--classifier", "nb", "--label-col", label_col, "--data"])
        .arg(format!("{ROOT}/datasets/stance.csv"))
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert!(out.status.success(), "training failed: {}", String::from_utf8_lossy(&out.stderr));
    model
}

/// The stance model shared by every test of this process.
fn model() -> &'static Path {
    static MODEL: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = TempDir::new("model");
        let path = train("stance", &dir.0);
        (dir, path)
    });
    path
}

fn fixture(name: &str) -> String {
    format!("{ROOT}/tests/fixtures/{name}")
}

fn seed(name: &str) -> String {
    format!("{ROOT}/../shared/seeds/{name}")
}

/// Runs `stance score --model <model> args...` with `stdin`.
fn score(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("score").arg("--model").arg(model()).args(args);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or(b"")).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}"))).collect()
}

fn labels() -> Vec<String> {
    ["de-escalation", "escalation", "neutral"].iter().map(|s| s.to_string()).collect()
}

fn hand(index: usize, p: [f64; 3]) -> SentenceScore {
    SentenceScore { index, start: 0, end: 0, label: stance::pipeline::argmax(&p), probabilities: p.to_vec() }
}

#[test]
fn escalation_index_formula_on_hand_made_probabilities() {
    let map = StanceMap::from_labels(&labels()).unwrap();
    // labels: de-escalation, escalation, neutral
    let sentences = vec![
        hand(0, [0.10, 0.80, 0.10]), // escalation: +0.70
        hand(1, [0.05, 0.15, 0.80]), // neutral: left out
        hand(2, [0.60, 0.30, 0.10]), // de-escalation: -0.30
        hand(3, [0.20, 0.70, 0.10]), // escalation: +0.50
        hand(4, [0.30, 0.10, 0.60]), // neutral: left out
    ];
    let s = escalation_index(&sentences, &map);
    assert_eq!(s.counted, 3);
    assert!((s.index - (0.70 - 0.30 + 0.50) / 3.0).abs() < 1e-12, "{}", s.index);
    // Adding neutral sentences does not dilute it.
    let mut more = sentences.clone();
    more.extend((5..50).map(|i| hand(i, [0.1, 0.1, 0.8])));
    assert_eq!(escalation_index(&more, &map), s);
    // Only neutral: 0. All certain escalation: +1; all certain de-escalation: -1.
    assert_eq!(escalation_index(&[hand(0, [0.2, 0.2, 0.6])], &map).index, 0.0);
    assert_eq!(escalation_index(&[hand(0, [0.0, 1.0, 0.0]), hand(1, [0.0, 1.0, 0.0])], &map).index, 1.0);
    assert_eq!(escalation_index(&[hand(0, [1.0, 0.0, 0.0])], &map).index, -1.0);
    // Evidence: strongest margin first, only sentences of that direction.
    let (esc, deesc) = select_evidence(&sentences, &map, 3);
    assert_eq!(esc, vec![0, 3]);
    assert_eq!(deesc, vec![2]);
}

#[test]
fn evidence_offsets_point_at_the_right_text() {
    let pipeline = stance::persist::load(model()).unwrap();
    let map = StanceMap::from_labels(pipeline.labels()).unwrap();
    let mut aws = ArticleWorkspace::default();
    let jsonl = std::fs::read_to_string(fixture("articles.jsonl")).unwrap();
    let mut texts: Vec<String> = vec![std::fs::read_to_string(seed("article-1.txt")).unwrap(), std::fs::read_to_string(seed("article-2.txt")).unwrap()];
    texts.extend(jsonl.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string()));
    let mut checked_terms = 0;
    for text in &texts {
        let a = score_article(&pipeline, &map, text, 3, 5, &mut aws).expect("the article has sentences");
        assert_eq!(a.counts.iter().sum::<usize>(), a.n_sentences);
        for (list, class) in [(&a.escalating, map.escalation), (&a.de_escalating, map.de_escalation)] {
            assert!(list.len() <= 3);
            for e in list.iter() {
                let s = &e.sentence;
                assert_eq!(s.label, class);
                assert!(e.score > 0.0);
                let sentence = &text[s.start..s.end];
                assert!(!sentence.trim().is_empty() && sentence.trim() == sentence);
                for t in &e.terms {
                    assert!(t.weight > 0.0, "evidence terms push towards the direction");
                    for &(a, b) in &t.spans {
                        assert!(s.start <= a && a < b && b <= s.end, "span {a}..{b} outside sentence {}..{}", s.start, s.end);
                        // The span's own words analyze to the term (n-grams are space-joined).
                        assert_eq!(pipeline.analyzer().terms_of(&text[a..b]).join(" "), t.term, "span text {:?}", &text[a..b]);
                        checked_terms += 1;
                    }
                }
            }
        }
    }
    assert!(checked_terms > 20, "only {checked_terms} term spans checked");
}

#[test]
fn article_jsonl_evidence_offsets_match_the_input_text() {
    let o = score(&["--unit", "article", "--format", "jsonl", "--input", &fixture("articles.jsonl")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = json_lines(&o);
    let inputs: Vec<serde_json::Value> =
        std::fs::read_to_string(fixture("articles.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), inputs.len());
    for (row, input) in rows.iter().zip(&inputs) {
        assert_eq!(row["id"], input["id"], "input order and id from the `id` key");
        assert_eq!(row["title"], input["title"]);
        assert_eq!(row["date"], input["date"]);
        assert_eq!(row["source"], input.get("source").cloned().unwrap_or(serde_json::Value::Null));
        let text = input["text"].as_str().unwrap();
        let index = row["escalation_index"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&index));
        let counts: u64 = row["counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(counts, row["sentences"].as_u64().unwrap());
        let counted = row["counts"]["escalation"].as_u64().unwrap() + row["counts"]["de-escalation"].as_u64().unwrap();
        assert_eq!(row["counted"].as_u64().unwrap(), counted);
        for side in ["escalating", "de_escalating"] {
            for e in row[side].as_array().unwrap() {
                let (s, t) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
                assert_eq!(&text[s..t], e["text"].as_str().unwrap());
                for term in e["terms"].as_array().unwrap() {
                    for span in term["spans"].as_array().unwrap() {
                        let (a, b) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
                        assert!(s <= a && b <= t, "term span inside its sentence");
                    }
                }
            }
        }
    }
    // fx-1 is about shelling and retaliation, fx-2 about ceasefire talks.
    assert!(rows[0]["escalation_index"].as_f64().unwrap() > rows[1]["escalation_index"].as_f64().unwrap());
}

#[test]
fn unit_sentence_rows_carry_article_id_and_index() {
    let o = score(&["--unit", "sentence", "--format", "jsonl", "--explain", "2", "--input", &fixture("articles.jsonl")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = json_lines(&o);
    let inputs: Vec<serde_json::Value> =
        std::fs::read_to_string(fixture("articles.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut expected_ids = Vec::new();
    for input in &inputs {
        let text = input["text"].as_str().unwrap();
        let mine: Vec<&serde_json::Value> = rows.iter().filter(|r| r["id"] == input["id"]).collect();
        assert!(mine.len() >= 2, "several sentences per article");
        for (i, r) in mine.iter().enumerate() {
            assert_eq!(r["sentence"].as_u64().unwrap() as usize, i, "sentence indices count from 0 in order");
            let (s, e) = (r["start"].as_u64().unwrap() as usize, r["end"].as_u64().unwrap() as usize);
            assert_eq!(&text[s..e], r["text"].as_str().unwrap());
            assert!(r["terms"].as_array().unwrap().len() <= 2);
            assert!(r["p_escalation"].is_number() && r["label"].is_string());
            expected_ids.push(input["id"].clone());
        }
    }
    assert_eq!(rows.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(), expected_ids, "rows in input order");
    assert!(stderr(&o).contains(&format!("read 4 records: 4 scored, 0 failed; {} sentences", rows.len())), "{}", stderr(&o));

    // CSV: the same rows, flat.
    let o = score(&["--unit", "sentence", "--input", &fixture("articles.jsonl")], None);
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["id", "sentence", "start", "end", "label", "p_de-escalation", "p_escalation", "p_neutral", "text", "error"]);
    assert_eq!(reader.records().count(), rows.len());
}

/// Four good records and five bad ones of every kind, interleaved.
fn mixed_jsonl() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"{\"id\": \"g1\", \"text\": \"Troops shelled the town overnight. Talks are planned.\"}\n");
    v.extend_from_slice(b"{\"id\": \"b1\", \"text\": \"broken json\"\n");
    v.extend_from_slice(b"{\"id\": \"g2\", \"text\": \"Both sides agreed to a ceasefire.\"}\n");
    v.extend_from_slice(b"{\"id\": \"b2\", \"body\": \"no text key\"}\n");
    v.extend_from_slice(b"{\"id\": \"b3\", \"text\": \"bad \xff\xfe byte in the strikes\"}\n");
    v.extend_from_slice(b"\n");
    v.extend_from_slice(b"{\"id\": \"b4\", \"text\": \"   \"}\n");
    v.extend_from_slice(b"{\"id\": \"g3\", \"text\": \"The army launched missiles at the port.\"}\n");
    v.extend_from_slice(b"[1, 2]\n");
    v.extend_from_slice(b"{\"id\": \"g4\", \"text\": \"Envoys resumed negotiations in Geneva.\"}\n");
    v
}

#[test]
fn mixed_good_and_bad_input_is_counted_and_exits_1() {
    for unit in ["record", "sentence", "article"] {
        let o = score(&["--unit", unit, "--format", "jsonl", "--input-format", "jsonl", "--id-col", "id", "--threads", "2"], Some(&mixed_jsonl()));
        assert_eq!(o.status.code(), Some(1), "unit {unit}: {}", stderr(&o));
        let rows = json_lines(&o);
        let errors: Vec<&serde_json::Value> = rows.iter().filter(|r| r.get("error").is_some()).collect();
        assert_eq!(errors.len(), 5, "unit {unit}");
        let lines: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, vec![2, 4, 5, 7, 9], "each error names its line (line 6 is blank)");
        assert!(errors.iter().all(|e| e["file"] == "-"));
        let err = stderr(&o);
        assert!(err.contains("read 9 records: 4 scored, 5 failed"), "unit {unit}: {err}");
        assert!(err.contains("-:5: the line is not valid UTF-8"), "{err}");
        assert!(err.contains("-:7: empty text; the record was not scored"), "{err}");
        if unit != "sentence" {
            assert_eq!(rows.len(), 9, "one row per record");
            let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
            assert_eq!(ids, ["g1", "2", "g2", "b2", "5", "b4", "g3", "9", "g4"]);
        }
    }
    // --lossy repairs the bad bytes and counts the record.
    let o = score(&["--format", "jsonl", "--input-format", "jsonl", "--lossy"], Some(&mixed_jsonl()));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("read 9 records: 5 scored, 4 failed; invalid UTF-8 replaced in 1 records"), "{err}");
}

#[test]
fn strict_stops_at_the_first_failure() {
    let o = score(&["--unit", "article", "--format", "jsonl", "--input-format", "jsonl", "--strict", "--threads", "2"], Some(&mixed_jsonl()));
    assert_eq!(o.status.code(), Some(1));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 2, "the good record, then the first error, then nothing");
    assert_eq!(rows[0]["id"], "g1");
    assert_eq!(rows[1]["line"], 2);
    assert!(rows[1]["error"].as_str().unwrap().contains("not valid JSON"));
    let err = stderr(&o);
    assert!(err.contains("read 2 records: 1 scored, 1 failed; 2 sentences; stopped at the first failure (--strict)"), "{err}");
    // Without failures, --strict changes nothing.
    let o = score(&["--strict", "--input", &fixture("articles.jsonl")], None);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn directory_input_one_record_per_file_sorted_by_name() {
    let dir = TempDir::new("dir");
    for entry in std::fs::read_dir(fixture("articles")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path(p.file_name().unwrap().to_str().unwrap())).unwrap();
    }
    std::fs::write(dir.path("0-latin1.txt"), b"Caf\xe9 owners protest as troops shell the port.\n").unwrap();
    std::fs::write(dir.path("3-empty.txt"), b"\n\n").unwrap();
    std::fs::create_dir(dir.path("sub.txt")).unwrap(); // a directory, not entered
    let input = dir.0.to_str().unwrap();
    let o = score(&["--unit", "article", "--format", "jsonl", "--input", input], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = json_lines(&o);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["0-latin1.txt", "2024-05-02-harbour.txt", "2024-05-09-talks.md", "3-empty.txt"]);
    assert!(rows[0]["error"].as_str().unwrap().contains("not valid UTF-8"));
    assert_eq!(rows[0]["file"].as_str().unwrap(), dir.path("0-latin1.txt").to_str().unwrap());
    assert!(rows[0]["line"].is_null());
    assert!(rows[1]["escalation_index"].as_f64().unwrap() > 0.0, "{}", rows[1]);
    assert!(rows[2]["escalation_index"].as_f64().unwrap() < 0.0, "{}", rows[2]);
    assert_eq!(rows[3]["error"], "empty text");
    let err = stderr(&o);
    assert!(err.contains("skipped 1 files that are not .txt or .md"), "{err}");
    assert!(err.contains("read 4 records: 2 scored, 2 failed"), "{err}");
    // The headline of the .txt file (no full stop) is its own first sentence.
    let o = score(&["--unit", "sentence", "--format", "jsonl", "--input", input, "--lossy"], None);
    let rows = json_lines(&o);
    let harbour: Vec<&serde_json::Value> = rows.iter().filter(|r| r["id"] == "2024-05-02-harbour.txt").collect();
    assert_eq!(harbour[0]["text"], "Navy sends second destroyer as strait standoff deepens");
    assert!(stderr(&o).contains("read 4 records: 3 scored, 1 failed; 9 sentences; invalid UTF-8 replaced in 1 records"), "{}", stderr(&o));
}

#[test]
fn a_single_file_or_stdin_is_one_article() {
    let o = score(&["--unit", "article", "--format", "jsonl", "--input", &seed("article-1.txt")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "article-1.txt");
    assert_eq!(rows[0]["sentences"], 55, "the splitter's 55 sentences of the seed article");
    let text = std::fs::read(seed("article-2.txt")).unwrap();
    let o = score(&["--unit", "article", "--format", "jsonl", "--whole"], Some(&text));
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "stdin");
    // 35 spans minus the 7 lone "/" lines.
    assert_eq!(rows[0]["sentences"], 28);
}

#[test]
fn output_with_two_threads_equals_one_thread_byte_for_byte() {
    // Enough records for many chunks: the corpus texts, as a CSV, three times over.
    let dir = TempDir::new("threads");
    let corpus = std::fs::read_to_string(format!("{ROOT}/datasets/stance.csv")).unwrap();
    let mut big = String::from("id,text\n");
    let mut reader = csv::Reader::from_reader(corpus.as_bytes());
    let texts: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_string()).collect();
    for round in 0..3 {
        for (i, chunk) in texts.chunks(5).enumerate() {
            // Articles of five sentences each, plus an empty one now and then (error rows).
            let text = if i % 97 == 0 { String::new() } else { chunk.join(" ") };
            big.push_str(&format!("r{round}-{i},\"{}\"\n", text.replace('"', "\"\"")));
        }
    }
    let input = dir.path("big.csv");
    std::fs::write(&input, big).unwrap();
    let input = input.to_str().unwrap();
    for args in [
        vec!["--unit", "record"],
        vec!["--unit", "sentence", "--format", "jsonl", "--explain", "3"],
        vec!["--unit", "article", "--format", "jsonl"],
        vec!["--unit", "article"],
    ] {
        let run = |threads: &str| {
            let mut a = args.clone();
            a.extend(["--id-col", "id", "--input", input, "--threads", threads]);
            score(&a, None)
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(one.status.code(), Some(1), "the empty records fail");
        assert_eq!(two.status.code(), Some(1));
        assert!(one.stdout.len() > 50_000);
        assert!(one.stdout == two.stdout, "{args:?}: output differs between 1 and 2 threads");
        assert_eq!(stderr(&one), stderr(&two));
    }
}

#[test]
fn article_csv_is_flat_with_evidence_columns() {
    let mut input = std::fs::read(fixture("articles.jsonl")).unwrap();
    input.extend_from_slice(b"{\"id\": \"bad\", \"date\": \"2024-05-01\"}\n");
    let o = score(&["--unit", "article", "--evidence", "2", "--input-format", "jsonl"], Some(&input));
    assert_eq!(o.status.code(), Some(1));
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(o.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut expected: Vec<String> = ["id", "title", "date", "source", "sentences", "n_de-escalation", "n_escalation", "n_neutral", "counted", "escalation_index"]
        .map(String::from)
        .to_vec();
    for side in ["esc", "deesc"] {
        for k in 1..=2 {
            for f in ["sentence", "score", "text", "terms"] {
                expected.push(format!("{side}{k}_{f}"));
            }
        }
    }
    expected.push("error".into());
    assert_eq!(header, expected);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("every row has the header's width")).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][0], "fx-1");
    assert_eq!(&rows[0][2], "2024-03-04");
    assert_eq!(&rows[4][0], "bad");
    assert_eq!(&rows[4][header.len() - 1], "line 5: no field 'text'");
    // esc1_terms: term:+weight@start-end
    let terms = &rows[0][13];
    assert!(terms.split(';').all(|t| t.contains(":+") && t.contains('@')), "{terms}");
}

#[test]
fn view_marks_escalating_and_de_escalating_phrases() {
    let o = score(&["--view", "--color", "never", "--input", &seed("article-1.txt")], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("══ article-1.txt ══\n"), "{out}");
    assert!(out.contains("escalation index "));
    assert!(out.contains("[+") && out.contains("+]"), "escalating phrases marked");
    assert!(out.contains("[-") && out.contains("-]"), "de-escalating phrases marked");
    assert!(!out.contains('\x1b'), "no colour codes with --color never");
    assert_eq!(out.lines().filter(|l| l.starts_with("  #") || l.starts_with(" #")).count(), 55, "every sentence shown");
    let o = score(&["--view", "--color", "always", "--input", &seed("article-1.txt")], None);
    assert!(stdout(&o).contains("\x1b[1;31m"));
    let o = score(&["--view", "--unit", "sentence", "--input", &seed("article-1.txt")], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn default_unit_is_one_row_per_record() {
    let o = score(&["--input", &fixture("articles.jsonl"), "--id-col", "id"], None);
    assert!(o.status.success());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,label,p_de-escalation,p_escalation,p_neutral,error");
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with("fx-1,") && lines[1].ends_with(','));
    // --explain adds a terms column.
    let o = score(&["--input", &fixture("articles.jsonl"), "--explain", "2"], None);
    assert!(stdout(&o).starts_with("id,label,p_de-escalation,p_escalation,p_neutral,terms,error\n"));
}

#[test]
fn sentiment_models_map_and_other_labels_are_refused() {
    let dir = TempDir::new("labels");
    let sentiment = train("sentiment", &dir.0);
    let run = |model: &Path| {
        Command::new(BIN)
            .args(["score", "--unit", "article", "--format", "jsonl", "--model"])
            .arg(model)
            .args(["--input", &fixture("articles.jsonl")])
            .output()
            .unwrap()
    };
    let o = run(&sentiment);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a sentiment model: the escalation index takes 'negative' as the escalation side and 'positive' as the de-escalation side"));
    assert!(json_lines(&o)[0]["counts"]["negative"].is_number());
    let region = train("region", &dir.0);
    let o = run(&region);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("have neither escalation/de-escalation nor negative/positive"), "{}", stderr(&o));
}

#[test]
fn trend_buckets_a_hand_made_jsonl() {
    let input = std::fs::File::open(fixture("trend-scored.jsonl")).unwrap();
    let t = stance::trend::compute(std::io::BufReader::new(input), stance::trend::Period::Week).unwrap();
    assert_eq!(t.articles, 6, "a..e and i");
    assert_eq!(t.skipped.iter().map(|s| s.0).collect::<Vec<_>>(), vec![6, 7, 8], "error record, no date, bad date");
    let row = |bucket: &str, source: &str| t.rows.iter().find(|r| r.bucket == bucket && r.source == source).cloned();
    // Week 2024-W01 (Mon 1 Jan to Sun 7 Jan): a 0.5 (X), b -0.25 (Y), c not counted (X), d 0.2 (X).
    let all = row("2024-W01", "*").unwrap();
    assert_eq!((all.articles, all.counted), (4, 3));
    assert!((all.index.unwrap() - (0.5 - 0.25 + 0.2) / 3.0).abs() < 1e-12);
    let x = row("2024-W01", "X").unwrap();
    assert_eq!((x.articles, x.counted), (3, 2));
    assert!((x.index.unwrap() - 0.35).abs() < 1e-12);
    assert_eq!(row("2024-W01", "Y").unwrap().index, Some(-0.25));
    assert_eq!(row("2024-W02", "*").unwrap().index, Some(-0.6));
    assert!(row("2024-W02", "X").is_none());
    assert_eq!(row("2024-W07", "Y").unwrap().index, Some(0.1));
    assert_eq!(t.series(), vec!["*", "X", "Y"]);

    // The CLI: by month, CSV and an SVG chart.
    let dir = TempDir::new("trend");
    let chart = dir.path("trend.svg");
    let o = Command::new(BIN).args(["trend", "--by", "month", "--input", &fixture("trend-scored.jsonl"), "--chart"]).arg(&chart).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "bucket,start,source,articles,counted,escalation_index\n\
         2024-01,2024-01-01,*,5,4,-0.037500\n\
         2024-01,2024-01-01,X,3,2,0.350000\n\
         2024-01,2024-01-01,Y,1,1,-0.250000\n\
         2024-02,2024-02-01,*,1,1,0.100000\n\
         2024-02,2024-02-01,Y,1,1,0.100000\n"
    );
    assert!(stderr(&o).contains(":6: skipped: an error record"));
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Escalation index by month") && svg.contains("all sources"));
    // By day: c (10:00 on the 3rd) has its own bucket, with no counted article and an empty index.
    let o = Command::new(BIN).args(["trend", "--by", "day", "-q", "--input", &fixture("trend-scored.jsonl")]).output().unwrap();
    assert!(stdout(&o).contains("2024-01-03,2024-01-03,*,1,0,\n"), "{}", stdout(&o));
    let o = Command::new(BIN).args(["trend", "--input", &fixture("trend-scored.jsonl"), "--chart", "x.png"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn scored_articles_feed_the_trend() {
    let o = score(&["--unit", "article", "--format", "jsonl", "--input", &fixture("articles.jsonl")], None);
    let dir = TempDir::new("pipe");
    let scored = dir.path("scored.jsonl");
    std::fs::write(&scored, &o.stdout).unwrap();
    let o = Command::new(BIN).args(["trend", "--by", "month", "--input"]).arg(&scored).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("2024-03,2024-03-01,*,3,"), "{out}");
    assert!(out.contains("2024-03,2024-03-01,Wire A,2,"), "{out}");
    assert!(out.contains("2024-04,2024-04-01,*,1,"), "{out}");
}
