//! End to end through the binary: train -> eval -> score -> inspect on the bundled data, with
//! the outputs and exit codes a user (or a script) relies on.

mod common;

use common::{stance, stance_with_stdin, stderr, stdout, temp_dir};

#[test]
fn default_train_then_eval_score_inspect() {
    let dir = temp_dir("cli-e2e");
    let model = dir.join("stance.model");
    let model_s = model.to_str().unwrap();

    // The default classifier (logistic) on the bundled corpus.
    let out = stance(&["train", "--model", model_s]);
    assert!(out.status.success(), "train failed: {}", stderr(&out));
    assert_eq!(stdout(&out).trim(), model_s);
    assert!(stderr(&out).contains("trained logistic"), "{}", stderr(&out));

    let out = stance(&["eval", "--model", model_s, "--data", "datasets/stance.csv", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let n = report["n"].as_u64().unwrap();
    assert!(n >= 2000, "n = {n}");
    // Training-set accuracy of a regularized linear model: high but not a lookup table.
    let acc = report["accuracy"].as_f64().unwrap();
    assert!(acc > 0.9 && acc <= 1.0, "accuracy {acc}");
    for label in ["escalation", "de-escalation", "neutral"] {
        let c = &report["per_class"][label];
        for key in ["precision", "recall", "f1", "support"] {
            assert!(c[key].is_number(), "per_class.{label}.{key} missing");
        }
    }
    let matrix = report["confusion"]["matrix"].as_array().unwrap();
    let total: u64 = matrix.iter().flat_map(|r| r.as_array().unwrap()).map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, n);
    assert_eq!(report["confusion"]["labels"].as_array().unwrap().len(), 3);
    assert!(report["macro_f1"].as_f64().unwrap() > 0.9);

    // Score plain text from stdin: one row per line, header first, probabilities sum to one.
    let input = "Russia threatened further missile strikes if the West keeps arming Kyiv.\nBoth sides agreed to a ceasefire and a prisoner exchange.\n";
    let out = stance_with_stdin(&["score", "--model", model_s], input.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,label,p_de-escalation,p_escalation,p_neutral,error");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("1,escalation,"), "{}", lines[1]);
    assert!(lines[2].starts_with("2,de-escalation,"), "{}", lines[2]);
    for line in &lines[1..] {
        let p: f64 = line.split(',').skip(2).take(3).map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((p - 1.0).abs() < 1e-5);
    }
    assert!(stderr(&out).contains("2 scored, 0 failed"));

    // JSONL in, JSONL out, ids from a column.
    let jsonl = dir.join("in.jsonl");
    std::fs::write(&jsonl, "{\"id\": \"a1\", \"text\": \"Troops were mobilised along the border.\"}\n{\"id\": 7, \"text\": \"Mediators hosted talks in Doha.\"}\n").unwrap();
    let out = stance(&["score", "--model", model_s, "--input", jsonl.to_str().unwrap(), "--id-col", "id", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "a1");
    assert_eq!(rows[1]["id"], "7");
    assert!(rows[0]["p_escalation"].as_f64().is_some());

    // The seed articles: their threats come out as escalation, their offers of talks as
    // de-escalation (datasets/README.md).
    let expectations: &[(&str, &[(&str, &str)])] = &[
        ("article-1.txt", &[
            ("issued fresh threats to Western powers", "escalation"),
            ("would use “all means necessary” to defend its interests", "escalation"),
            ("Moscow will protect its interests by any means necessary", "escalation"),
            ("ignoring Russia’s “red lines,”", "escalation"),
            ("which he described as a warning to the West", "escalation"),
            ("willing to take any necessary action", "escalation"),
            ("we will continue to send further messages", "escalation"),
            ("We are open to negotiations based on the Minsk agreements", "de-escalation"),
            ("We are willing to be part of a collective security arrangement", "de-escalation"),
            ("the Kremlin remains open to dialogue with Trump’s team", "de-escalation"),
            ("argued in a policy paper that a ceasefire", "de-escalation"),
            ("demilitarized zone could be established", "de-escalation"),
        ]),
        ("article-2.txt", &[
            ("Russia is open to talks with U.S. President-elect", "de-escalation"),
            ("We would like to have normal relations", "de-escalation"),
            ("We will be ready to do anything to defend our legitimate interests", "escalation"),
            ("would send \"additional messages\"", "escalation"),
            ("firing of a new intermediate-range hypersonic missile", "escalation"),
            ("The message is that you, I mean the United States", "escalation"),
            ("this (war) is not what we want", "de-escalation"),
        ]),
    ];
    for (file, checks) in expectations {
        let path = common::root().join("../shared/seeds").join(file);
        let out = stance(&["score", "--model", model_s, "--unit", "sentence", "--format", "jsonl", "--input", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let rows: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        for (needle, label) in *checks {
            let row = rows.iter().find(|r| r["text"].as_str().unwrap_or("").contains(needle)).unwrap_or_else(|| panic!("{file}: no sentence contains {needle:?}"));
            assert_eq!(row["label"], *label, "{file}: {}", row["text"]);
        }
    }

    // inspect shows metadata and terms per label.
    let out = stance(&["inspect", "--model", model_s, "--top", "5"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("classifier     logistic"));
    assert!(text.contains("strongest terms for escalation:"));
    assert!(text.contains("strongest terms for de-escalation:"));
}

#[test]
fn bad_records_in_scoring_are_reported_and_the_rest_scored() {
    let dir = temp_dir("cli-bad-records");
    let model = dir.join("nb.model");
    let model_s = model.to_str().unwrap();
    assert!(stance(&["train", "--classifier", "nb", "--model", model_s]).status.success());
    let csv = dir.join("mixed.csv");
    let mut bytes = b"id,text\n1,Talks resumed in Geneva.\n2,\n3,Troops \xff\xfe shelled the town.\n4,\"unclosed, quote\n".to_vec();
    bytes.extend_from_slice(b"5,Artillery fire hit the port.\n");
    std::fs::write(&csv, &bytes).unwrap();
    let out = stance(&["score", "--model", model_s, "--input", csv.to_str().unwrap(), "--id-col", "id"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows: Vec<String> = stdout(&out).lines().map(String::from).collect();
    // Header + one row per record that the CSV parser can delimit.
    assert!(rows[1].starts_with("1,") && rows[1].ends_with(','), "{}", rows[1]);
    assert!(rows[2].starts_with("2,,") && rows[2].contains("empty text"), "{}", rows[2]);
    assert!(rows[3].starts_with("3,,") && rows[3].contains("UTF-8"), "{}", rows[3]);
    let err = stderr(&out);
    assert!(err.contains("mixed.csv:3:") && err.contains("--lossy"), "{err}");
    // With --lossy the invalid bytes are replaced and the record scored.
    let out = stance(&["score", "--model", model_s, "--input", csv.to_str().unwrap(), "--id-col", "id", "--lossy"]);
    let rows: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert!(rows[3].starts_with("3,") && !rows[3].contains("UTF-8"), "{}", rows[3]);
}

#[test]
fn training_errors_name_file_line_and_remedy() {
    let dir = temp_dir("cli-train-errors");
    let model = dir.join("m.model");
    let model_s = model.to_str().unwrap();
    let cases: &[(&str, &[u8], &[&str])] = &[
        ("missing-col.csv", b"id,sentence,stance\n1,a,escalation\n", &["missing-col.csv", "no text column 'text'", "sentence", "--text-col"]),
        ("one-class.csv", b"text,stance\nTalks began.,neutral\nTalks ended.,neutral\n", &["one-class.csv", "only one label", "neutral"]),
        ("empty.csv", b"", &["empty.csv", "empty"]),
        ("header-only.csv", b"text,stance\n", &["header-only.csv", "no records"]),
        ("empty-text.csv", b"text,stance\nTalks began.,neutral\n   ,escalation\n", &["empty-text.csv:3:", "empty text"]),
        ("ragged.csv", b"text,stance\nTalks began.,neutral\nShelling,escalation,extra\n", &["ragged.csv:3:", "3 fields where the header has 2"]),
        ("bad-utf8.csv", b"text,stance\nTalks \xc3\x28 began.,neutral\n", &["bad-utf8.csv:2:", "UTF-8", "iconv"]),
        ("no-label.csv", b"text,stance\nTalks began.,\n", &["no-label.csv:2:", "empty label"]),
    ];
    for (name, content, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let out = stance(&["train", "--classifier", "nb", "--data", path.to_str().unwrap(), "--model", model_s]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        for e in *expected {
            assert!(err.contains(e), "{name}: expected {e:?} in {err}");
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!model.exists(), "{name}: a model was written");
    }
}

#[test]
fn eval_refuses_labels_the_model_does_not_know() {
    let dir = temp_dir("cli-eval-labels");
    let model = dir.join("m.model");
    let model_s = model.to_str().unwrap();
    assert!(stance(&["train", "--classifier", "nb", "--model", model_s]).status.success());
    let data = dir.join("other.csv");
    std::fs::write(&data, "text,stance\nTalks began.,neutral\nA coup was staged.,coup\n").unwrap();
    let out = stance(&["eval", "--model", model_s, "--data", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("other.csv:3:") && err.contains("'coup'"), "{err}");
}

#[test]
fn help_shows_every_default() {
    let out = stance(&["train", "--help"]);
    let help = stdout(&out);
    for default in ["datasets/stance.csv", "[default: text]", "[default: stance]", "[default: logistic]", "[default: 42]", "[default: 1,2]", "[default: english]"] {
        assert!(help.contains(default), "train --help lacks {default}");
    }
}
