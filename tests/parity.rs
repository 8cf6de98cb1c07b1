//! The fast scoring path must give exactly what a straightforward implementation gives.
//!
//! The reference here is written out plainly, independent of the library's fast paths: the
//! tokenizer as first committed (`reference/tokenizer.rs`), lowercasing and stemming every word
//! with rust-stemmers, string-keyed std `HashMap`s for the vocabulary, and the tf-idf weighting
//! as in the first vectorizer. On every text of `datasets/stance.csv` and
//! `datasets/articles/articles.jsonl` (plus MR from ../shared when present, and tricky and
//! random strings) it checks, for several analyzer/vectorizer settings:
//! - tokens (spans and clause flags) of the library tokenizer == reference tokenizer;
//! - terms of `Analyzer::analyze` == reference terms;
//! - term ids of the fast path == reference ids;
//! - sparse vectors of `Pipeline::vectorize` and `Pipeline::vectorize_fast` == reference vector,
//!   indices equal and values equal to the bit;
//! - `Pipeline::predict` probabilities == the same weighting and linear scores computed plainly
//!   in the order the features first occur, to the bit; and within 1e-12 of the scorer applied to
//!   the reference vector (which adds in feature-id order), with the same label.

#[path = "reference/tokenizer.rs"]
mod reference_tokenizer;

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use stance::features::{DocFreq, Norm, SparseVector, VectorizerConfig};
use stance::model::{ClassifierKind, LinearScorer, TrainParams};
use stance::pipeline::DataSource;
use stance::text::tokenizer::tokenize_into;
use stance::text::{AnalyzerConfig, StemLanguage};
use stance::util::SplitMix64;
use stance::{Pipeline, PipelineConfig, Workspace};

fn stance_texts() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/stance.csv");
    let mut r = csv::Reader::from_path(path).expect("datasets/stance.csv");
    let headers = r.headers().unwrap().clone();
    let t = headers.iter().position(|h| h == "text").unwrap();
    let l = headers.iter().position(|h| h == "stance").unwrap();
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec.unwrap();
        texts.push(rec[t].to_string());
        labels.push(rec[l].to_string());
    }
    (texts, labels)
}

/// Every text the check runs on.
fn all_texts(train: &[String]) -> Vec<String> {
    let mut texts = train.to_vec();
    let articles = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/articles/articles.jsonl")).unwrap();
    for line in articles.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in ["title", "text"] {
            if let Some(s) = v.get(key).and_then(|s| s.as_str()) {
                texts.push(s.to_string());
                texts.extend(s.lines().map(str::to_string));
            }
        }
    }
    let mr = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/mr/data.csv");
    if let Ok(mut r) = csv::Reader::from_path(mr) {
        for rec in r.records().flatten() {
            texts.push(rec[0].to_string());
        }
    }
    for s in [
        "", " ", "U.S. U.N. U.S.A. e.g. Lt. Gen. J. Smith", "3.5 1,200 2022. 1.2.3 a.b",
        "don't won’t Ukraine’s allies' -x x- long-range ‐‑ a‐b a‑b", "NOT never, no; nor: cannot!",
        "Москва заявила: नमस्ते عالم ÉLAN Über straße İstanbul ΣΊΣΥΦΟΣ", "peace🕊now 🔥🔥 !!! ...",
        "did not attack, but didn't RETREAT. never again", "x.y.z. A.B. a.b.c.d..", "'quoted' \"double\" “curly”",
        "e\u{301}te\u{301} cafe\u{301}s", "ＡＢＣ全角 中文，句子。", "tab\tseparated\r\nline", "a-.b '.' -'- 1,,2 1..2",
    ] {
        texts.push(s.to_string());
    }
    // Random strings over an alphabet of the characters the rules care about.
    let alphabet: Vec<char> = "aAzZ09 .,'-’‐‑!?;:()\"“”—–…éÉßİıΣσ中\u{301}\u{93F}🕊\t\n_/".chars().collect();
    let mut rng = SplitMix64::new(7);
    for _ in 0..20_000 {
        let n = rng.below(24) as usize;
        texts.push((0..n).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect());
    }
    texts
}

/// The analyzer written plainly: tokenize, lowercase (folding typographic apostrophes and
/// hyphens), stem, mark negation scopes.
fn reference_terms(text: &str, config: &AnalyzerConfig, stemmer: Option<&Stemmer>) -> Vec<String> {
    let mut raw = Vec::new();
    reference_tokenizer::tokenize_into(text, &mut raw);
    let mut terms = Vec::new();
    let mut negated = false;
    for t in raw {
        if t.clause_start {
            negated = false;
        }
        let word = &text[t.start..t.end];
        let mut lower = String::new();
        for c in word.chars() {
            match c {
                '\u{2019}' | '\u{2018}' => lower.push('\''),
                '\u{2010}' | '\u{2011}' => lower.push('-'),
                c if c.is_uppercase() => lower.extend(c.to_lowercase()),
                c => lower.push(c),
            }
        }
        let stem = match stemmer {
            Some(s) => s.stem(&lower).into_owned(),
            None => lower.clone(),
        };
        terms.push(if negated { format!("not_{stem}") } else { stem });
        let negator = matches!(
            lower.as_str(),
            "not" | "no" | "never" | "nor" | "neither" | "nobody" | "nothing" | "none" | "nowhere" | "cannot" | "without"
        ) || lower.ends_with("n't");
        if config.negation_scope && negator {
            negated = true;
        }
    }
    terms
}

/// The vectorizer written plainly, from the model's feature list and idf.
struct ReferenceVectorizer {
    config: VectorizerConfig,
    features: HashMap<String, u32>,
    idf: Vec<f64>,
}

impl ReferenceVectorizer {
    fn new(p: &Pipeline) -> Self {
        let v = p.vectorizer();
        let features = v.features().iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect();
        ReferenceVectorizer { config: v.config().clone(), features, idf: v.idf().to_vec() }
    }

    fn vector(&self, terms: &[String]) -> SparseVector {
        let mut counts: std::collections::BTreeMap<u32, usize> = Default::default();
        for n in self.config.ngram_min..=self.config.ngram_max {
            for w in terms.windows(n) {
                if let Some(&f) = self.features.get(&w.join(" ")) {
                    *counts.entry(f).or_default() += 1;
                }
            }
        }
        let mut v = SparseVector::default();
        for (f, c) in counts {
            let c = c as f64;
            let tf = if self.config.binary {
                1.0
            } else if self.config.sublinear_tf {
                1.0 + c.ln()
            } else {
                c
            };
            v.indices.push(f);
            v.values.push(tf * self.idf[f as usize]);
        }
        let total = match self.config.norm {
            Norm::None => 0.0,
            Norm::L2 => v.values.iter().map(|x| x * x).sum::<f64>().sqrt(),
            Norm::L1 => v.values.iter().map(|x| x.abs()).sum::<f64>(),
        };
        if total > 0.0 {
            v.values.iter_mut().for_each(|x| *x /= total);
        }
        v
    }
}

impl ReferenceVectorizer {
    /// Probabilities as `Pipeline::predict` defines them: the weighting and normalization of
    /// `vector`, but the terms added up in the order the features first occur (n-gram sizes in
    /// turn, each left to right).
    fn probabilities(&self, terms: &[String], scorer: &LinearScorer) -> Vec<f64> {
        let mut order: Vec<u32> = Vec::new();
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for n in self.config.ngram_min..=self.config.ngram_max {
            for w in terms.windows(n) {
                if let Some(&f) = self.features.get(&w.join(" ")) {
                    let c = counts.entry(f).or_default();
                    if *c == 0 {
                        order.push(f);
                    }
                    *c += 1;
                }
            }
        }
        let mut values: Vec<f64> = order
            .iter()
            .map(|f| {
                let c = counts[f] as f64;
                let tf = if self.config.binary {
                    1.0
                } else if self.config.sublinear_tf {
                    1.0 + c.ln()
                } else {
                    c
                };
                tf * self.idf[*f as usize]
            })
            .collect();
        let total = match self.config.norm {
            Norm::None => 0.0,
            Norm::L2 => values.iter().map(|x| x * x).sum::<f64>().sqrt(),
            Norm::L1 => values.iter().map(|x| x.abs()).sum::<f64>(),
        };
        if total > 0.0 {
            values.iter_mut().for_each(|x| *x /= total);
        }
        let mut scores = scorer.intercepts().to_vec();
        for (f, v) in order.iter().zip(&values) {
            for (c, s) in scores.iter_mut().enumerate() {
                *s += scorer.weight(*f as usize, c) * v;
            }
        }
        scorer.apply_link(&mut scores);
        scores
    }
}

fn same_vector(a: &SparseVector, b: &SparseVector) -> bool {
    a.indices == b.indices && a.values.len() == b.values.len() && a.values.iter().zip(&b.values).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[test]
fn fast_tokenizer_matches_the_reference_tokenizer() {
    let (train, _) = stance_texts();
    let texts = all_texts(&train);
    let (mut fast, mut slow) = (Vec::new(), Vec::new());
    for text in &texts {
        tokenize_into(text, &mut fast);
        reference_tokenizer::tokenize_into(text, &mut slow);
        let f: Vec<_> = fast.iter().map(|t| (t.start, t.end, t.clause_start)).collect();
        let s: Vec<_> = slow.iter().map(|t| (t.start, t.end, t.clause_start)).collect();
        assert_eq!(f, s, "tokens differ for {text:?}");
    }
}

fn check(config: PipelineConfig) {
    check_with_labels(config, |label, _| label.to_string());
}

/// [`check`] with the corpus' stance labels renamed (two labels, or more than three, exercise
/// the scorer's other row widths).
fn check_with_labels(config: PipelineConfig, relabel: impl Fn(&str, usize) -> String) {
    let (train, labels) = stance_texts();
    let labels: Vec<String> = labels.iter().enumerate().map(|(row, l)| relabel(l, row)).collect();
    let source = DataSource { path: "datasets/stance.csv".into(), text_col: "text".into(), label_col: "stance".into(), trained_at: None };
    let pipeline = Pipeline::fit(&config, &train, &labels, &source).unwrap();
    let stemmer = match config.analyzer.stem {
        StemLanguage::None => None,
        StemLanguage::English => Some(Stemmer::create(Algorithm::English)),
        other => panic!("add {other} to the test"),
    };
    let reference = ReferenceVectorizer::new(&pipeline);
    let term_id: HashMap<&str, u32> = {
        // Term ids as the vectorizer numbers them: first appearance in the sorted feature list.
        let mut m = HashMap::new();
        for f in pipeline.vectorizer().features() {
            for t in f.split(' ') {
                let next = m.len() as u32;
                m.entry(t).or_insert(next);
            }
        }
        m
    };
    let texts = all_texts(&train);
    let mut ws = Workspace::default();
    let mut ws_fast = Workspace::default();
    let mut probs = vec![0.0; pipeline.labels().len()];
    let mut nonempty = 0;
    // Twice: the second pass runs on a warm word cache.
    for pass in 0..2 {
        for text in &texts {
            let terms = reference_terms(text, &config.analyzer, stemmer.as_ref());
            assert_eq!(pipeline.analyzer().terms_of(text), terms, "terms differ for {text:?}");
            let ids: Vec<u32> = terms.iter().map(|t| *term_id.get(t.as_str()).unwrap_or(&u32::MAX)).collect();
            assert_eq!(pipeline.term_ids(text, &mut ws_fast), &ids[..], "term ids differ for {text:?}");
            let expected = reference.vector(&terms);
            pipeline.vectorize(text, &mut ws);
            assert!(same_vector(&ws.vector, &expected), "reference path vector differs for {text:?}");
            pipeline.vectorize_fast(text, &mut ws_fast);
            assert!(same_vector(&ws_fast.vector, &expected), "fast path vector differs for {text:?}");
            let label = pipeline.predict(text, &mut ws_fast);
            let exact = reference.probabilities(&terms, pipeline.scorer());
            assert!(exact.iter().zip(&ws_fast.probabilities).all(|(a, b)| a.to_bits() == b.to_bits()), "probabilities differ for {text:?}: {exact:?} vs {:?}", ws_fast.probabilities);
            assert_eq!(pipeline.predict_term_ids(&ids, &mut ws), label);
            assert!(exact.iter().zip(&ws.probabilities).all(|(a, b)| a.to_bits() == b.to_bits()), "predict_term_ids differs for {text:?}");
            pipeline.scorer().probabilities(&expected, &mut probs);
            assert!(probs.iter().zip(&exact).all(|(a, b)| (a - b).abs() < 1e-12), "summation order moved probabilities for {text:?}");
            assert_eq!(label, stance::pipeline::argmax(&probs));
            if pass == 0 && !expected.is_empty() {
                nonempty += 1;
            }
        }
    }
    assert!(nonempty > texts.len() / 10, "too few texts hit the vocabulary ({nonempty})");
}

fn config(stem: StemLanguage, negation_scope: bool, ngram: (usize, usize)) -> PipelineConfig {
    PipelineConfig {
        analyzer: AnalyzerConfig { stem, negation_scope },
        vectorizer: VectorizerConfig { ngram_min: ngram.0, ngram_max: ngram.1, min_df: DocFreq::Count(2), ..VectorizerConfig::default() },
        train: TrainParams::for_classifier(ClassifierKind::Nb),
    }
}

#[test]
fn fast_path_matches_reference_with_default_settings() {
    check(config(StemLanguage::English, false, (1, 2)));
}

#[test]
fn fast_path_matches_reference_with_negation_and_trigrams() {
    check(config(StemLanguage::English, true, (1, 3)));
}

#[test]
fn fast_path_matches_reference_with_two_labels() {
    check_with_labels(config(StemLanguage::English, false, (1, 2)), |l, _| if l == "escalation" { "up".into() } else { "other".into() });
}

#[test]
fn fast_path_matches_reference_with_six_labels() {
    // Stance crossed with the parity of the row number: 6 labels, rows of 6 weights.
    check_with_labels(config(StemLanguage::English, false, (1, 2)), |l, row| format!("{l}-{}", row % 2));
}

#[test]
fn fast_path_matches_reference_without_stemming_or_unigrams() {
    let mut c = config(StemLanguage::None, true, (2, 3));
    c.vectorizer.sublinear_tf = false;
    c.vectorizer.norm = Norm::L1;
    check(c);
}
