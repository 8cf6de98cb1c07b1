//! A table of hostile inputs, each with its exact expected outcome. Training refuses what it
//! cannot learn from (exit 2, file:line and a remedy, no model written); scoring reports bad
//! records and scores the rest (one output row per record, exit 1 if any failed).

mod common;

use common::{stance, stderr, stdout, temp_dir};

use common::SMALL_CORPUS as GOOD;

fn with_row(row: &str) -> Vec<u8> {
    format!("{GOOD}{row}").into_bytes()
}

struct TrainCase {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    /// None: training succeeds. Some(needles): exit 2 and stderr contains every needle.
    error: Option<Vec<&'static str>>,
}

fn train_cases() -> Vec<TrainCase> {
    let mut big = GOOD.as_bytes().to_vec();
    big.extend_from_slice(b"\"");
    big.extend(std::iter::repeat_n(b'a', 50 * 1024 * 1024));
    big.extend_from_slice(b"\",neutral\n");
    vec![
        TrainCase { name: "empty file", file: "empty.csv", bytes: vec![], error: Some(vec!["empty.csv", "the file is empty"]) },
        TrainCase { name: "header only", file: "header.csv", bytes: b"text,stance\n".to_vec(), error: Some(vec!["header.csv", "no records after the header"]) },
        TrainCase { name: "missing text column", file: "notext.csv", bytes: b"body,stance\nx,neutral\n".to_vec(), error: Some(vec!["no text column 'text'", "body, stance", "--text-col"]) },
        TrainCase { name: "missing label column", file: "nolabel.csv", bytes: b"text,label\nx,neutral\n".to_vec(), error: Some(vec!["no label column 'stance'", "--label-col"]) },
        TrainCase { name: "wrong delimiter", file: "tabs.csv", bytes: GOOD.replace(',', "\t").into_bytes(), error: Some(vec!["tabs.csv", "is this a TSV file", "--input-format tsv"]) },
        TrainCase { name: "unbalanced quotes", file: "quotes.csv", bytes: with_row("\"The talks, said the envoy,neutral\nMore text,neutral\n"), error: Some(vec!["quotes.csv:11:", "never closed", "Balance the quotes"]) },
        TrainCase { name: "ragged row", file: "ragged.csv", bytes: with_row("Too,many,fields\n"), error: Some(vec!["ragged.csv:11:", "3 fields where the header has 2"]) },
        TrainCase { name: "50 MB single line", file: "huge.csv", bytes: big, error: Some(vec!["huge.csv:11:", "exceeds the limit"]) },
        TrainCase { name: "NUL bytes", file: "nul.csv", bytes: with_row("Shelling\0 resumed at dawn.,escalation\n"), error: None },
        TrainCase { name: "invalid UTF-8", file: "latin1.csv", bytes: [GOOD.as_bytes(), b"Caf\xe9 talks resumed.,de-escalation\n"].concat(), error: Some(vec!["latin1.csv:11:", "not valid UTF-8", "iconv", "--lossy"]) },
        TrainCase { name: "byte-order mark", file: "bom.csv", bytes: [b"\xEF\xBB\xBF".as_slice(), GOOD.as_bytes()].concat(), error: None },
        TrainCase { name: "CRLF line ends", file: "crlf.csv", bytes: GOOD.replace('\n', "\r\n").into_bytes(), error: None },
        TrainCase { name: "one class only", file: "oneclass.csv", bytes: b"text,stance\nTalks began.,neutral\nTalks ended.,neutral\n".to_vec(), error: Some(vec!["oneclass.csv", "only one label ('neutral')", "at least two labels"]) },
        TrainCase { name: "duplicate ids", file: "dupes.csv", bytes: format!("id,{}", GOOD.replace('\n', "\n7,").trim_end_matches("7,")).replacen("id,text,stance\n7,", "id,text,stance\n7,", 1).into_bytes(), error: None },
        TrainCase { name: "0-length text", file: "zero.csv", bytes: with_row(",neutral\n"), error: Some(vec!["zero.csv:11:", "empty text", "delete the row"]) },
        TrainCase { name: "only punctuation", file: "punct.csv", bytes: with_row("\"?!... —\",neutral\n"), error: Some(vec!["punct.csv:11:", "no words"]) },
        TrainCase { name: "only emoji", file: "emoji.csv", bytes: with_row("🔥🔥🕊️,escalation\n"), error: Some(vec!["emoji.csv:11:", "no words"]) },
        TrainCase { name: "non-Latin scripts", file: "scripts.csv", bytes: with_row("Москва пригрозила новыми ударами.,escalation\n双方同意停火。,de-escalation\nوافق الطرفان على وقف إطلاق النار,de-escalation\n"), error: None },
        TrainCase { name: "empty label", file: "nolab.csv", bytes: with_row("Talks collapsed.,\n"), error: Some(vec!["nolab.csv:11:", "empty label"]) },
    ]
}

#[test]
fn training_on_hostile_files() {
    let dir = temp_dir("hostile-train");
    for case in train_cases() {
        let path = dir.join(case.file);
        std::fs::write(&path, &case.bytes).unwrap();
        let model = dir.join(format!("{}.model", case.file));
        let out = stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", path.to_str().unwrap(), "--model", model.to_str().unwrap()]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        match &case.error {
            None => {
                assert_eq!(out.status.code(), Some(0), "{}: {err}", case.name);
                assert!(model.exists(), "{}", case.name);
                let loaded = stance::persist::load(&model).unwrap();
                assert_eq!(loaded.labels(), ["de-escalation", "escalation", "neutral"], "{}: labels (CRLF must not leak into them)", case.name);
            }
            Some(needles) => {
                assert_eq!(out.status.code(), Some(2), "{}: {err}", case.name);
                for n in needles {
                    assert!(err.contains(n), "{}: expected {n:?} in {err}", case.name);
                }
                assert!(!model.exists(), "{}: a model was written", case.name);
            }
        }
    }
}

#[test]
fn a_label_typo_is_warned_about() {
    let dir = temp_dir("hostile-typo");
    let path = dir.join("typo.csv");
    std::fs::write(&path, with_row("Rockets hit the airport.,escalaton\n")).unwrap();
    let model = dir.join("m.model");
    let out = stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", path.to_str().unwrap(), "--model", model.to_str().unwrap()]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("typo.csv:11: label 'escalaton' has only 1 example"), "{err}");
}

struct ScoreCase {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    /// Expected output rows after the header: Ok(label prefix check skipped) or Err(needle).
    rows: Vec<Result<(), &'static str>>,
}

fn score_cases() -> Vec<ScoreCase> {
    let mut huge = b"Talks resumed.\n".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    huge.extend_from_slice(b"\nShelling resumed.\n");
    vec![
        ScoreCase { name: "empty file", file: "empty.txt", bytes: vec![], rows: vec![] },
        ScoreCase { name: "header only", file: "header.csv", bytes: b"id,text\n".to_vec(), rows: vec![] },
        ScoreCase { name: "blank line", file: "blank.txt", bytes: b"Talks resumed.\n\nShelling resumed.\n".to_vec(), rows: vec![Ok(()), Err("empty text"), Ok(())] },
        ScoreCase { name: "50 MB single line", file: "huge.txt", bytes: huge, rows: vec![Ok(()), Err("exceeds the limit"), Ok(())] },
        ScoreCase { name: "NUL bytes", file: "nul.txt", bytes: b"Talks\0 resumed.\n".to_vec(), rows: vec![Ok(())] },
        ScoreCase { name: "invalid UTF-8", file: "bad.txt", bytes: b"Talks resumed.\nCaf\xe9 talks.\nShelling.\n".to_vec(), rows: vec![Ok(()), Err("not valid UTF-8"), Ok(())] },
        ScoreCase { name: "byte-order mark", file: "bom.txt", bytes: b"\xEF\xBB\xBFTalks resumed.\n".to_vec(), rows: vec![Ok(())] },
        ScoreCase { name: "CRLF", file: "crlf.csv", bytes: b"id,text\r\na,Talks resumed.\r\nb,Shelling.\r\n".to_vec(), rows: vec![Ok(()), Ok(())] },
        ScoreCase { name: "ragged CSV row", file: "ragged.csv", bytes: b"id,text\na,Talks resumed.\nb,x,y\nc,Shelling.\n".to_vec(), rows: vec![Ok(()), Err("3 fields where the header has 2"), Ok(())] },
        ScoreCase { name: "unbalanced quote", file: "quote.csv", bytes: b"id,text\na,Talks resumed.\nb,\"Shelling, he said\nc,More.\n".to_vec(), rows: vec![Ok(()), Err("never closed")] },
        ScoreCase { name: "duplicate ids", file: "dupes.csv", bytes: b"id,text\na,Talks resumed.\na,Shelling.\n".to_vec(), rows: vec![Ok(()), Ok(())] },
        ScoreCase { name: "emoji and punctuation only", file: "emoji.txt", bytes: "🔥🔥\n?!...\n".as_bytes().to_vec(), rows: vec![Ok(()), Ok(())] },
        ScoreCase { name: "non-Latin scripts", file: "scripts.txt", bytes: "Москва пригрозила ударами.\n双方同意停火。\n".as_bytes().to_vec(), rows: vec![Ok(()), Ok(())] },
        ScoreCase { name: "JSONL with bad lines", file: "mixed.jsonl", bytes: b"{\"text\": \"Talks resumed.\"}\nnot json\n[1,2]\n{\"text\": 5}\n{\"body\": \"x\"}\n{\"text\": \"Shelling.\"}\n".to_vec(), rows: vec![Ok(()), Err("not valid JSON"), Err("not an object"), Err("not a string"), Err("no field 'text'"), Ok(())] },
    ]
}

#[test]
fn scoring_hostile_files_accounts_for_every_record() {
    let dir = temp_dir("hostile-score");
    let model = dir.join("m.model");
    let data = dir.join("good.csv");
    std::fs::write(&data, GOOD).unwrap();
    assert!(stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", data.to_str().unwrap(), "--model", model.to_str().unwrap()]).status.success());
    for case in score_cases() {
        let path = dir.join(case.file);
        std::fs::write(&path, &case.bytes).unwrap();
        let mut args = vec!["score", "--model", model.to_str().unwrap(), "--input", path.to_str().unwrap()];
        if case.file.ends_with(".csv") {
            args.extend(["--id-col", "id"]);
        }
        let out = stance(&args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        let failed = case.rows.iter().filter(|r| r.is_err()).count();
        assert_eq!(out.status.code(), Some(if failed > 0 { 1 } else { 0 }), "{}: {err}", case.name);
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), case.rows.len(), "{}: one row per record:\n{text}", case.name);
        for (line, expected) in lines.iter().zip(&case.rows) {
            let error_cell = line.rsplit_once(",,,,").map(|(_, e)| e).unwrap_or("");
            match expected {
                Ok(()) => assert!(line.ends_with(',') && !line.contains(",,,,"), "{}: {line}", case.name),
                Err(needle) => assert!(error_cell.contains(needle), "{}: expected {needle:?} in {line}", case.name),
            }
            assert!(!line.contains('\r'), "{}: CR leaked into {line:?}", case.name);
        }
        assert!(err.contains(&format!("{} scored, {failed} failed", case.rows.len() - failed)), "{}: {err}", case.name);
    }
}

/// Cells that a spreadsheet would run as formulas, and what `--spreadsheet-safe` makes of them.
const FORMULAS: [(&str, &str); 6] = [
    ("=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"),
    ("+1", "'+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTab", "'\tTab"),
    ("plain", "plain"),
];

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes()).records().map(|r| r.unwrap()).collect()
}

#[test]
fn spreadsheet_safe_csv_defuses_formulas_in_every_text_cell() {
    let dir = temp_dir("hostile-spreadsheet");
    let model = dir.join("m.model");
    let data = dir.join("good.csv");
    std::fs::write(&data, GOOD).unwrap();
    assert!(stance(&["train", "--classifier", "nb", "--min-df", "1", "--data", data.to_str().unwrap(), "--model", model.to_str().unwrap()]).status.success());
    let m = model.to_str().unwrap();

    // id, title, date, source and a text whose sentences start like formulas.
    let input = dir.join("articles.csv");
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(["id", "title", "date", "source", "text"]).unwrap();
    for (raw, _) in FORMULAS {
        w.write_record([raw, raw, raw, raw, &format!("{raw} Both sides agreed to a ceasefire in Doha. -5 prisoners were exchanged.")]).unwrap();
    }
    w.write_record(["=1+1", "t", "", "", ""]).unwrap(); // an error row: empty text
    w.flush().unwrap();
    let inp = input.to_str().unwrap();

    // --unit record: the id cell.
    let out = stance(&["score", "--model", m, "--input", inp, "--id-col", "id", "--spreadsheet-safe"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows = csv_rows(&stdout(&out));
    assert_eq!(&rows[0][0], "id");
    for (row, (_, safe)) in rows[1..].iter().zip(FORMULAS) {
        assert_eq!(&row[0], safe);
        assert!(["escalation", "de-escalation", "neutral"].contains(&&row[1]), "labels untouched: {row:?}");
        for p in 2..5 {
            assert!(row[p].parse::<f64>().is_ok(), "numbers untouched: {row:?}");
        }
    }
    assert_eq!(&rows[7][0], "'=1+1");
    assert!(rows[7][5].contains("empty text"));

    // Without the flag the cells are as in the input.
    let out = stance(&["score", "--model", m, "--input", inp, "--id-col", "id"]);
    let rows = csv_rows(&stdout(&out));
    for (row, (raw, _)) in rows[1..].iter().zip(FORMULAS) {
        assert_eq!(&row[0], raw);
    }

    // --unit sentence: the id and the sentence text.
    let out = stance(&["score", "--model", m, "--input", inp, "--id-col", "id", "--unit", "sentence", "--explain", "2", "--spreadsheet-safe"]);
    let text = stdout(&out);
    let rows = csv_rows(&text);
    let header: Vec<&str> = rows[0].iter().collect();
    let text_col = header.iter().position(|c| *c == "text").unwrap();
    let mut starts_like_formula = 0;
    for row in &rows[1..] {
        for (i, cell) in row.iter().enumerate() {
            if i == 0 || i == text_col || header[i] == "terms" || header[i] == "error" {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "text cell {} not defused: {row:?}", header[i]);
                starts_like_formula += usize::from(cell.starts_with('\''));
            }
        }
    }
    assert!(starts_like_formula >= 10, "{text}");
    assert!(rows.iter().any(|r| r[text_col].starts_with("'-2+3 Both sides agreed")), "{text}");

    // --unit article: id, title, date, source, evidence text; the escalation index stays a number.
    let out = stance(&["score", "--model", m, "--input", inp, "--unit", "article", "--spreadsheet-safe"]);
    let text = stdout(&out);
    let rows = csv_rows(&text);
    let header: Vec<String> = rows[0].iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    for (row, (_, safe)) in rows[1..].iter().zip(FORMULAS) {
        for name in ["id", "title", "date", "source"] {
            assert_eq!(&row[col(name)], safe, "{name}");
        }
        assert!(row[col("escalation_index")].parse::<f64>().is_ok(), "{row:?}");
        for (i, cell) in row.iter().enumerate() {
            if header[i].ends_with("_text") || header[i].ends_with("_terms") {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{}: {cell}", header[i]);
            }
        }
    }
    assert!(text.contains(",'+1 Both sides agreed"), "evidence text defused: {text}");

    // Only CSV has cells.
    let out = stance(&["score", "--model", m, "--input", inp, "--format", "jsonl", "--spreadsheet-safe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--spreadsheet-safe applies to CSV output"), "{}", stderr(&out));
}
