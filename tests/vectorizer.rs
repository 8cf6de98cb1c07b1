//! The vectorizer against hand-computed tf-idf values (scikit-learn's smoothed idf).

use stance::features::{DocFreq, Norm, SparseVector, VectorScratch, Vectorizer, VectorizerConfig};
use stance::text::{Analysis, Analyzer, AnalyzerConfig, StemLanguage};

fn setup(config: VectorizerConfig) -> (Analyzer, Vectorizer) {
    let analyzer = Analyzer::new(AnalyzerConfig { stem: StemLanguage::None, negation_scope: false });
    let docs = ["a b", "a c", "a a d"];
    let v = Vectorizer::fit(config, &analyzer, &docs).unwrap();
    (analyzer, v)
}

fn vector(analyzer: &Analyzer, v: &Vectorizer, text: &str) -> SparseVector {
    let mut a = Analysis::new();
    analyzer.analyze(text, &mut a);
    let mut out = SparseVector::default();
    v.transform(&a, &mut VectorScratch::default(), &mut out);
    out
}

fn unigrams() -> VectorizerConfig {
    VectorizerConfig { ngram_min: 1, ngram_max: 1, min_df: DocFreq::Count(1), sublinear_tf: false, ..Default::default() }
}

#[test]
fn vocabulary_is_sorted_and_idf_is_smoothed() {
    let (_, v) = setup(unigrams());
    assert_eq!(v.features(), ["a", "b", "c", "d"]);
    // n = 3 documents; idf = ln((1 + n) / (1 + df)) + 1.
    // a: df 3 -> ln(4/4) + 1 = 1;  b, c, d: df 1 -> ln(4/2) + 1 = 1.693147...
    let expected = [1.0, 1.6931471805599454, 1.6931471805599454, 1.6931471805599454];
    for (got, want) in v.idf().iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}

#[test]
fn raw_counts_times_idf_then_l2() {
    let (an, v) = setup(unigrams());
    let x = vector(&an, &v, "a a d");
    // a: 2 x 1 = 2;  d: 1 x 1.693147 ; l2 norm sqrt(4 + 2.866747) = 2.620448
    assert_eq!(x.indices, vec![0, 3]);
    assert!((x.values[0] - 0.7632282916276542).abs() < 1e-12);
    assert!((x.values[1] - 0.6461289150464732).abs() < 1e-12);
}

#[test]
fn sublinear_tf_uses_one_plus_log() {
    let (an, v) = setup(VectorizerConfig { sublinear_tf: true, ..unigrams() });
    let x = vector(&an, &v, "a a d");
    // a: (1 + ln 2) x 1 = d: 1 x (1 + ln 2): equal weights, 1/sqrt(2) each.
    assert!((x.values[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    assert!((x.values[1] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
}

#[test]
fn binary_no_idf_no_norm_gives_presence() {
    let (an, v) = setup(VectorizerConfig { binary: true, use_idf: false, norm: Norm::None, ..unigrams() });
    let x = vector(&an, &v, "a a d unknownword");
    assert_eq!(x.indices, vec![0, 3]);
    assert_eq!(x.values, vec![1.0, 1.0]);
}

#[test]
fn bigrams_and_min_df() {
    let cfg = VectorizerConfig { ngram_min: 1, ngram_max: 2, min_df: DocFreq::Count(2), ..unigrams() };
    let (_, v) = setup(cfg);
    // Only "a" occurs in two or more documents; every bigram occurs once.
    assert_eq!(v.features(), ["a"]);
    let cfg = VectorizerConfig { ngram_min: 2, ngram_max: 2, ..unigrams() };
    let (an, v) = setup(cfg);
    assert_eq!(v.features(), ["a a", "a b", "a c", "a d"]);
    let x = vector(&an, &v, "a b a");
    // "a b" is known, "b a" is not.
    assert_eq!(x.indices, vec![1]);
    assert!((x.values[0] - 1.0).abs() < 1e-12);
}

#[test]
fn max_df_and_max_features() {
    let (_, v) = setup(VectorizerConfig { max_df: DocFreq::Count(2), ..unigrams() });
    assert_eq!(v.features(), ["b", "c", "d"]);
    // max_features keeps the most frequent (a: 4 occurrences), ties broken alphabetically.
    let (_, v) = setup(VectorizerConfig { max_features: Some(2), ..unigrams() });
    assert_eq!(v.features(), ["a", "b"]);
}

#[test]
fn a_sentence_alone_gets_the_same_vector_as_in_a_batch() {
    let (an, v) = setup(unigrams());
    let alone = vector(&an, &v, "a d");
    let mut a = Analysis::new();
    let mut scratch = VectorScratch::default();
    let mut out = SparseVector::default();
    for text in ["a b", "c c c", "a d", "b"] {
        an.analyze(text, &mut a);
        v.transform(&a, &mut scratch, &mut out);
        if text == "a d" {
            assert_eq!(out, alone);
        }
    }
}

#[test]
fn empty_vocabulary_is_a_clear_error() {
    let analyzer = Analyzer::new(AnalyzerConfig::default());
    let err = Vectorizer::fit(VectorizerConfig { min_df: DocFreq::Count(5), ..unigrams() }, &analyzer, &["x", "y"]).unwrap_err();
    assert!(err.to_string().contains("--min-df"), "{err}");
}
