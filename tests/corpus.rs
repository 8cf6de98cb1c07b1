//! The bundled corpus meets its data card: schema, label values, class shares, unique ids, no
//! templated near-duplicates, and the example articles are well formed.

mod common;

use std::collections::{HashMap, HashSet};

fn rows() -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(common::bundled_corpus()).unwrap();
    assert_eq!(r.headers().unwrap(), vec!["id", "text", "stance", "sentiment", "region", "source_type"]);
    r.records().map(|x| x.expect("every row parses")).collect()
}

#[test]
fn schema_labels_and_shares() {
    let rows = rows();
    assert!(rows.len() >= 3000, "{} rows", rows.len());
    let mut ids = HashSet::new();
    let mut stance: HashMap<String, usize> = HashMap::new();
    let mut sentiment: HashMap<String, usize> = HashMap::new();
    let mut regions = HashSet::new();
    for r in &rows {
        assert_eq!(r.len(), 6);
        assert!(ids.insert(r[0].to_string()), "duplicate id {}", &r[0]);
        assert!(!r[1].trim().is_empty(), "empty text in {}", &r[0]);
        assert!(["escalation", "de-escalation", "neutral"].contains(&&r[2]), "stance {:?} in {}", &r[2], &r[0]);
        assert!(["negative", "neutral", "positive"].contains(&&r[3]), "sentiment {:?} in {}", &r[3], &r[0]);
        assert!(["europe", "middle-east", "africa", "americas", "asia", "oceania", "global"].contains(&&r[4]), "region {:?}", &r[4]);
        assert!(["headline", "wire", "quote", "reported", "analysis", "statement", "background"].contains(&&r[5]), "source_type {:?}", &r[5]);
        *stance.entry(r[2].to_string()).or_default() += 1;
        *sentiment.entry(r[3].to_string()).or_default() += 1;
        regions.insert(r[4].to_string());
    }
    for (label, n) in &stance {
        let share = *n as f64 / rows.len() as f64;
        assert!(share >= 0.25, "stance {label} is only {:.1}%", share * 100.0);
    }
    assert_eq!(sentiment.len(), 3);
    assert_eq!(regions.len(), 7, "every continent and global: {regions:?}");
}

fn trigrams(text: &str) -> HashSet<[String; 3]> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    words.windows(3).map(|w| [w[0].clone(), w[1].clone(), w[2].clone()]).collect()
}

#[test]
fn no_two_sentences_are_templated_variants() {
    let rows = rows();
    let sets: Vec<HashSet<[String; 3]>> = rows.iter().map(|r| trigrams(&r[1])).collect();
    // Inverted index: only pairs sharing a trigram can be similar.
    let mut index: HashMap<&[String; 3], Vec<usize>> = HashMap::new();
    for (i, s) in sets.iter().enumerate() {
        for g in s {
            index.entry(g).or_default().push(i);
        }
    }
    let mut worst = (0.0, 0, 0);
    for (i, s) in sets.iter().enumerate() {
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for g in s {
            for &j in &index[g] {
                if j > i {
                    *shared.entry(j).or_default() += 1;
                }
            }
        }
        for (j, inter) in shared {
            let union = s.len() + sets[j].len() - inter;
            let jaccard = inter as f64 / union as f64;
            if jaccard > worst.0 {
                worst = (jaccard, i, j);
            }
        }
    }
    assert!(worst.0 <= 0.6, "rows {} and {} have trigram Jaccard {:.2}:\n{}\n{}", &rows[worst.1][0], &rows[worst.2][0], worst.0, &rows[worst.1][1], &rows[worst.2][1]);
}

#[test]
fn example_articles_are_well_formed() {
    let path = common::root().join("datasets/articles/articles.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut ids = HashSet::new();
    let mut labels: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in ["id", "date", "title", "text", "label"] {
            assert!(v[key].is_string(), "{key} missing in {line:.80}");
        }
        assert!(ids.insert(v["id"].as_str().unwrap().to_string()));
        assert!(v["text"].as_str().unwrap().contains("\n\n"), "articles have paragraphs");
        *labels.entry(v["label"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert!(ids.len() >= 20);
    for l in ["escalation", "de-escalation", "mixed"] {
        assert!(labels.get(l).copied().unwrap_or(0) >= 5, "{l}: {labels:?}");
    }
}
