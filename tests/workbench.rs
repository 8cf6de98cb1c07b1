//! The evaluation workbench end to end: `stance cv`, `stance compare`, threshold tuning stored in
//! the model and honoured by `score`, reports on disk. Small data and naive Bayes keep every test
//! well under a second in release mode; no test looks at timings.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use stance::features::{Norm, VectorizerConfig};
use stance::model::{ClassifierKind, TrainParams};
use stance::pipeline::{DataSource, Pipeline, PipelineConfig};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stance-workbench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small synthetic two-label corpus (deterministic): "good" texts draw mostly from positive
/// words, "bad" ones from negative words, both with shared filler and some crossover, so the
/// task is learnable but not perfectly separable.
fn two_label_csv(dir: &Path, n_per_label: usize) -> PathBuf {
    const POS: [&str; 8] = ["calm", "talks", "agreement", "ceasefire", "truce", "dialogue", "peace", "reopened"];
    const NEG: [&str; 8] = ["strike", "shelling", "missile", "assault", "threat", "offensive", "raid", "clashes"];
    const FILLER: [&str; 6] = ["the", "city", "officials", "said", "on", "monday"];
    let mut state = 12345u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % n as u64) as usize
    };
    let mut csv = String::from("text,label\n");
    for i in 0..2 * n_per_label {
        let good = i % 2 == 0;
        let mut words = Vec::new();
        for _ in 0..6 {
            words.push(FILLER[next(FILLER.len())]);
        }
        for _ in 0..3 {
            // one word in five comes from the other side
            let own = next(5) != 0;
            let list = if good == own { &POS } else { &NEG };
            words.push(list[next(list.len())]);
        }
        csv.push_str(&format!("{},{}\n", words.join(" "), if good { "good" } else { "bad" }));
    }
    let path = dir.join("two.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(out.status.success(), "failed: {:?}\nstderr: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn without_timing(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("timing");
    v
}

#[test]
fn cv_json_is_deterministic_across_runs_and_thread_counts() {
    let dir = scratch("cv-determinism");
    let data = two_label_csv(&dir, 60);
    let cv = |threads: &str| -> Value {
        let out = run_ok(bin().args(["cv", "--data", data.to_str().unwrap(), "--label-col", "label", "--classifier", "nb"]).args([
            "--folds", "4", "--seed", "7", "--min-df", "1", "--format", "json", "--threads", threads,
        ]));
        serde_json::from_str(&out).unwrap()
    };
    let a = cv("2");
    let b = cv("2");
    let c = cv("1");
    assert!(a.get("timing").is_some(), "timings are reported under their own key");
    let (a, b, c) = (without_timing(a), without_timing(b), without_timing(c));
    assert_eq!(a, b, "same seed, same JSON");
    assert_eq!(a, c, "parallel folds give the same numbers as serial ones");
    // eval's keys, plus folds and std (and AUCs for two labels)
    for key in ["n", "accuracy", "macro_f1", "weighted_f1", "per_class", "confusion", "std", "folds", "roc_auc", "pr_auc"] {
        assert!(a.get(key).is_some(), "missing {key} in {a}");
    }
    assert_eq!(a["n"], 120);
    assert_eq!(a["folds"].as_array().unwrap().len(), 4);
    assert_eq!(a["per_class"]["good"]["support"], 60);
    // the summed confusion matrix counts every text once
    let total: u64 = a["confusion"]["matrix"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap()).map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, 120);
    // the mean is the mean of the folds
    let folds = a["folds"].as_array().unwrap();
    let mean: f64 = folds.iter().map(|f| f["accuracy"].as_f64().unwrap()).sum::<f64>() / 4.0;
    assert!((mean - a["accuracy"].as_f64().unwrap()).abs() < 1e-12);
    assert!(a["accuracy"].as_f64().unwrap() > 0.7, "the synthetic task is learnable: {}", a["accuracy"]);
    // another seed deals other folds
    let other: Value = serde_json::from_str(&run_ok(bin().args(["cv", "--data", data.to_str().unwrap(), "--label-col", "label"]).args([
        "--classifier", "nb", "--folds", "4", "--seed", "8", "--min-df", "1", "--format", "json",
    ])))
    .unwrap();
    assert_ne!(without_timing(other)["folds"], a["folds"]);
}

#[test]
fn cv_table_on_three_labels_has_no_curves() {
    let out = run_ok(bin().args(["cv", "--data", "datasets/stance.csv", "--label-col", "stance", "--classifier", "nb", "--folds", "3"]));
    assert!(out.contains("3-fold stratified CV"), "{out}");
    assert!(out.contains("accuracy     0."), "{out}");
    assert!(!out.contains("ROC-AUC"), "curves are for two-label tasks only:\n{out}");
    for label in ["de-escalation", "escalation", "neutral"] {
        assert!(out.contains(label));
    }
}

#[test]
fn cv_report_directory_holds_the_files_the_html_references() {
    let dir = scratch("cv-report");
    let data = two_label_csv(&dir, 40);
    let report = dir.join("report");
    run_ok(bin().args(["cv", "--data", data.to_str().unwrap(), "--label-col", "label", "--classifier", "nb"]).args([
        "--folds", "3", "--min-df", "1", "--balance", "oversample", "--report", report.to_str().unwrap(),
    ]));
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    for svg in ["confusion.svg", "roc.svg", "pr.svg", "per_class.svg"] {
        let content = std::fs::read_to_string(report.join(svg)).unwrap_or_else(|e| panic!("{svg}: {e}"));
        assert!(content.contains("<svg") && content.trim_end().ends_with("</svg>"), "{svg} is an SVG picture");
        assert!(html.contains(&format!("src=\"{svg}\"")), "report.html shows {svg} by a relative path");
    }
    assert!(report.join("results.json").exists() && html.contains("href=\"results.json\""));
    assert!(html.contains("random oversampling"), "the report states how imbalance was handled");
    assert!(html.contains("Operating points") && html.contains("precision&gt;=0.9"), "threshold choices for two labels");
    assert!(html.contains("accuracy") && html.contains("±"));
    // the heatmap shows the counts of the summed confusion matrix
    let results: Value = serde_json::from_str(&std::fs::read_to_string(report.join("results.json")).unwrap()).unwrap();
    let confusion = std::fs::read_to_string(report.join("confusion.svg")).unwrap();
    let first = results["confusion"]["matrix"][0][0].as_u64().unwrap();
    assert!(confusion.contains(&format!("\n{first}\n</text>")), "count {first} drawn in the heatmap");
}

#[test]
fn three_label_report_has_no_curves() {
    let dir = scratch("cv-report-3");
    let report = dir.join("r");
    run_ok(bin().args(["cv", "--data", "datasets/stance.csv", "--classifier", "nb", "--folds", "2", "--report", report.to_str().unwrap()]));
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(report.join("confusion.svg").exists() && report.join("per_class.svg").exists());
    assert!(!report.join("roc.svg").exists() && !html.contains("roc.svg"));
}

#[test]
fn compare_ranks_a_grid_and_explicit_candidates_on_the_same_folds_and_saves_the_best() {
    let dir = scratch("compare");
    let data = two_label_csv(&dir, 50);
    let best = dir.join("best.model");
    let report = dir.join("report");
    let out = run_ok(
        bin()
            .args(["compare", "--data", data.to_str().unwrap(), "--label-col", "label", "--folds", "3", "--format", "json"])
            .args(["--classifier", "nb", "--alpha", "0.1,1", "--ngram-range", "1,1", "1,2", "--min-df", "1"])
            .args(["--candidate", "--classifier nb --binary --no-idf --norm none --alpha 1 --min-df 1"])
            .args(["--metric", "macro-f1", "--save-best", best.to_str().unwrap(), "--report", report.to_str().unwrap()]),
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let rows = v["ranking"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "one explicit candidate + a 2 x 2 grid");
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {scores:?}");
    assert!(rows.iter().all(|r| r["train_seconds_per_fold"].as_f64().is_some()), "training time per configuration");
    assert!(rows.iter().any(|r| r["name"] == "--classifier nb --binary --no-idf --norm none --alpha 1 --min-df 1"));
    assert!(rows.iter().any(|r| r["name"] == "nb alpha=0.1 ngram=1,2"));
    assert_eq!(v["metric"], "macro_f1");
    // The ranking equals what `cv` reports for the same configuration and seed: same folds.
    let winner = &rows[0];
    let model = stance::persist::load(&best).unwrap();
    assert_eq!(serde_json::to_value(&model.meta().config).unwrap(), winner["config"], "the saved model is the winner, retrained");
    assert_eq!(model.meta().n_documents, 100);
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    for f in ["ranking.svg", "confusion.svg", "roc.svg", "pr.svg", "per_class.svg"] {
        assert!(report.join(f).exists() && html.contains(&format!("src=\"{f}\"")), "{f}");
    }
}

#[test]
fn compare_results_match_cv_on_the_same_seed() {
    let dir = scratch("compare-vs-cv");
    let data = two_label_csv(&dir, 30);
    let d = data.to_str().unwrap();
    let cmp: Value = serde_json::from_str(&run_ok(bin().args(["compare", "--data", d, "--label-col", "label", "--folds", "3", "--seed", "5"]).args([
        "--candidate", "--classifier nb --alpha 0.5 --min-df 1", "--format", "json",
    ])))
    .unwrap();
    let cv: Value = serde_json::from_str(&run_ok(bin().args(["cv", "--data", d, "--label-col", "label", "--folds", "3", "--seed", "5"]).args([
        "--classifier", "nb", "--alpha", "0.5", "--min-df", "1", "--format", "json",
    ])))
    .unwrap();
    assert_eq!(cmp["ranking"][0]["accuracy"], cv["accuracy"]);
    assert_eq!(cmp["ranking"][0]["accuracy_std"], cv["std"]["accuracy"]);
}

#[test]
fn compare_reports_a_failing_candidate_and_goes_on() {
    let dir = scratch("compare-fail");
    let data = two_label_csv(&dir, 20);
    let out = bin()
        .args(["compare", "--data", data.to_str().unwrap(), "--label-col", "label", "--folds", "2"])
        .args(["--candidate", "--classifier nb --nb-weighting --binary --no-idf --norm none", "--candidate", "--classifier nb --min-df 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "some candidates failed: exit 1");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("failed") && table.contains("non-negative"), "{table}");
    assert!(table.contains("   1  --classifier nb --min-df 1"), "{table}");
}

#[test]
fn tuned_threshold_is_stored_loaded_and_honoured_by_score_and_eval() {
    let dir = scratch("threshold");
    let data = two_label_csv(&dir, 60);
    let model = dir.join("m.model");
    let out = bin()
        .args(["train", "--data", data.to_str().unwrap(), "--label-col", "label", "--classifier", "nb", "--min-df", "1"])
        .args(["--model", model.to_str().unwrap(), "--tune-threshold", "recall=0.9", "--positive-label", "good", "--abstain-band", "0.05"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold"), "train says which threshold it chose");
    let pipeline = stance::persist::load(&model).unwrap();
    let rule = pipeline.decision_rule().expect("the rule is in the model file").clone();
    assert_eq!(rule.positive_label, "good");
    assert_eq!(rule.tuned_for, "recall>=0.9");
    assert_eq!(rule.abstain_band, 0.05);
    assert_eq!(rule.n_validation, 24, "20% of each label");
    assert!(rule.validation.unwrap().recall >= 0.9);
    assert!(rule.threshold > 0.0 && rule.threshold < 1.0);

    // score: every label follows the stored threshold and band
    let texts = dir.join("texts.txt");
    let lines: Vec<String> = std::fs::read_to_string(&data).unwrap().lines().skip(1).take(40).map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect();
    std::fs::write(&texts, lines.join("\n")).unwrap();
    let check = |extra: &[&str], band: f64| -> usize {
        let csv = run_ok(bin().args(["score", "--model", model.to_str().unwrap(), "--input", texts.to_str().unwrap()]).args(extra));
        let mut abstained = 0;
        for row in csv.lines().skip(1) {
            let cols: Vec<&str> = row.split(',').collect();
            // id,label,p_bad,p_good,error
            let p_good: f64 = cols[3].parse().unwrap();
            let expected = if (p_good - rule.threshold).abs() < band {
                "abstain"
            } else if p_good >= rule.threshold {
                "good"
            } else {
                "bad"
            };
            // probabilities are printed to 6 decimals: skip rows on a boundary
            let near = |x: f64| (p_good - x).abs() < 1e-6;
            if !(near(rule.threshold) || near(rule.threshold + band) || near(rule.threshold - band)) {
                assert_eq!(cols[1], expected, "row {row}");
            }
            abstained += usize::from(cols[1] == "abstain");
        }
        abstained
    };
    check(&[], 0.05);
    assert_eq!(check(&["--abstain", "0"], 0.0), 0, "--abstain 0 never abstains");
    let wide = check(&["--abstain", "0.45"], 0.45);
    assert!(wide > 0, "a wide band abstains on some texts");

    // eval labels by the stored threshold too: its confusion matrix matches the rule
    let out = run_ok(bin().args(["eval", "--model", model.to_str().unwrap(), "--data", data.to_str().unwrap(), "--label-col", "label", "--format", "json"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut ws = stance::Workspace::default();
    let texts_all: Vec<(String, String)> =
        std::fs::read_to_string(&data).unwrap().lines().skip(1).map(|l| { let (t, y) = l.rsplit_once(',').unwrap(); (t.to_string(), y.to_string()) }).collect();
    let predicted_good = texts_all
        .iter()
        .filter(|(t, _)| {
            pipeline.predict(t, &mut ws);
            ws.probabilities[1] >= rule.threshold
        })
        .count() as u64;
    let m = &v["confusion"]["matrix"];
    assert_eq!(m[0][1].as_u64().unwrap() + m[1][1].as_u64().unwrap(), predicted_good);
}

#[test]
fn threshold_tuning_needs_two_labels() {
    let dir = scratch("threshold-3");
    let out = bin()
        .args(["train", "--data", "datasets/stance.csv", "--classifier", "nb", "--tune-threshold", "f1"])
        .args(["--model", dir.join("x.model").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two labels"));
}

/// Rewrites a model file's header JSON and fixes its length and checksum.
fn rewrite_header(bytes: &[u8], edit: impl Fn(&mut Value)) -> Vec<u8> {
    let payload = &bytes[24..];
    let len = u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize;
    let mut header: Value = serde_json::from_slice(&payload[4..4 + len]).unwrap();
    edit(&mut header);
    let json = serde_json::to_vec(&header).unwrap();
    let mut new_payload = (json.len() as u32).to_le_bytes().to_vec();
    new_payload.extend_from_slice(&json);
    new_payload.extend_from_slice(&payload[4 + len..]);
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(new_payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast_hash(&new_payload).to_le_bytes());
    out.extend_from_slice(&new_payload);
    out
}

/// CRC-32 (IEEE), bitwise: the model file's checksum, without a test-only dependency.
fn crc32fast_hash(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn small_pipeline(vectorizer: VectorizerConfig, classifier: ClassifierKind) -> Pipeline {
    let texts: Vec<String> = ["calm talks resumed", "talks and a truce", "missile strike at dawn", "a strike and shelling", "peace talks", "shelling again"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let labels: Vec<String> = ["good", "good", "bad", "bad", "good", "bad"].iter().map(|s| s.to_string()).collect();
    let config = PipelineConfig { vectorizer, train: TrainParams::for_classifier(classifier), ..Default::default() };
    Pipeline::fit(&config, &texts, &labels, &DataSource::default()).unwrap()
}

#[test]
fn models_written_before_the_workbench_still_load() {
    let vectorizer = VectorizerConfig { min_df: "1".parse().unwrap(), ..Default::default() };
    let bytes = stance::persist::to_bytes(&small_pipeline(vectorizer, ClassifierKind::Nb)).unwrap();
    // Drop every field the workbench added: the old header had none of them.
    let old = rewrite_header(&bytes, |h| {
        h["meta"].as_object_mut().unwrap().remove("decision");
        h["meta"]["config"]["train"].as_object_mut().unwrap().remove("balance");
        h["meta"]["config"]["vectorizer"].as_object_mut().unwrap().remove("nb_weighting");
    });
    assert_ne!(old, bytes);
    let loaded = stance::persist::from_bytes(&old, Path::new("old.model")).expect("an old model loads");
    assert!(loaded.decision_rule().is_none());
    assert_eq!(loaded.meta().config.train.balance, stance::model::Balance::None);
    assert!(!loaded.meta().config.vectorizer.nb_weighting);
}

#[test]
fn nb_weighting_is_folded_into_the_stored_idf() {
    let plain = VectorizerConfig { min_df: "1".parse().unwrap(), binary: true, use_idf: false, norm: Norm::None, ..Default::default() };
    let weighted = VectorizerConfig { nb_weighting: true, ..plain.clone() };
    // (naive Bayes needs non-negative features; NB ratios are negative for the other label)
    let (a, b) = (small_pipeline(plain, ClassifierKind::Logistic), small_pipeline(weighted, ClassifierKind::Logistic));
    assert_eq!(a.vectorizer().features(), b.vectorizer().features());
    assert!(a.vectorizer().idf().iter().all(|w| *w == 1.0));
    // "shelling": 2 bad documents, 0 good; p = 1 + good counts, q = 1 + bad counts, per feature
    let f = b.vectorizer().features().iter().position(|t| t == "shell").expect("stemmed feature");
    let idf = b.vectorizer().idf()[f];
    assert!(idf < 0.0, "a bad-only feature gets a negative ratio for 'good' (label 1): {idf}");
    // round trip: the scale survives saving
    let loaded = stance::persist::from_bytes(&stance::persist::to_bytes(&b).unwrap(), Path::new("m")).unwrap();
    assert_eq!(loaded.vectorizer().idf(), b.vectorizer().idf());
}
