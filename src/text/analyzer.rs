//! The analyzer: text -> normalized terms with byte offsets. Its configuration is plain data,
//! saved inside every model and rebuilt on load, so training and scoring analyze text the same way.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use super::tokenizer::{tokenize_into, RawToken};

/// Prefix given to terms inside a negation scope ("did not attack" -> `not_attack`).
pub const NEGATION_PREFIX: &str = "not_";

/// Snowball stemmer language, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StemLanguage {
    None,
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

const LANGUAGES: &[(&str, StemLanguage)] = &[
    ("none", StemLanguage::None),
    ("arabic", StemLanguage::Arabic),
    ("danish", StemLanguage::Danish),
    ("dutch", StemLanguage::Dutch),
    ("english", StemLanguage::English),
    ("finnish", StemLanguage::Finnish),
    ("french", StemLanguage::French),
    ("german", StemLanguage::German),
    ("greek", StemLanguage::Greek),
    ("hungarian", StemLanguage::Hungarian),
    ("italian", StemLanguage::Italian),
    ("norwegian", StemLanguage::Norwegian),
    ("portuguese", StemLanguage::Portuguese),
    ("romanian", StemLanguage::Romanian),
    ("russian", StemLanguage::Russian),
    ("spanish", StemLanguage::Spanish),
    ("swedish", StemLanguage::Swedish),
    ("tamil", StemLanguage::Tamil),
    ("turkish", StemLanguage::Turkish),
];

impl FromStr for StemLanguage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let lower = s.to_ascii_lowercase();
        LANGUAGES
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, lang)| *lang)
            .ok_or_else(|| {
                let names: Vec<&str> = LANGUAGES.iter().map(|(n, _)| *n).collect();
                format!("unknown stemmer language '{s}'; choose one of: {}", names.join(", "))
            })
    }
}

impl fmt::Display for StemLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = LANGUAGES.iter().find(|(_, l)| l == self).map(|(n, _)| *n).unwrap_or("none");
        f.write_str(name)
    }
}

impl StemLanguage {
    fn algorithm(self) -> Option<Algorithm> {
        use StemLanguage as L;
        Some(match self {
            L::None => return None,
            L::Arabic => Algorithm::Arabic,
            L::Danish => Algorithm::Danish,
            L::Dutch => Algorithm::Dutch,
            L::English => Algorithm::English,
            L::Finnish => Algorithm::Finnish,
            L::French => Algorithm::French,
            L::German => Algorithm::German,
            L::Greek => Algorithm::Greek,
            L::Hungarian => Algorithm::Hungarian,
            L::Italian => Algorithm::Italian,
            L::Norwegian => Algorithm::Norwegian,
            L::Portuguese => Algorithm::Portuguese,
            L::Romanian => Algorithm::Romanian,
            L::Russian => Algorithm::Russian,
            L::Spanish => Algorithm::Spanish,
            L::Swedish => Algorithm::Swedish,
            L::Tamil => Algorithm::Tamil,
            L::Turkish => Algorithm::Turkish,
        })
    }
}

/// How text becomes terms. Saved in the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Snowball stemming language (`none` keeps words as they are).
    pub stem: StemLanguage,
    /// Mark terms after a negator ("not", "never", "n't", ...) up to the next clause
    /// punctuation with the `not_` prefix, so "did not attack" and "attack" differ.
    pub negation_scope: bool,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig { stem: StemLanguage::English, negation_scope: false }
    }
}

/// One analyzed term: where it came from in the source, and where its normalized text sits in
/// the scratch arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub start: usize,
    pub end: usize,
    text_start: u32,
    text_end: u32,
}

/// Reusable buffers for analysis: one per worker thread, so the hot loop allocates nothing once
/// warm. Also caches stems, because stemming is the slowest stage and news repeats words.
#[derive(Debug, Default)]
pub struct Analysis {
    raw: Vec<RawToken>,
    arena: String,
    terms: Vec<Term>,
    lower: String,
    stem_cache: HashMap<String, String>,
}

/// Most distinct words a stem cache keeps before it starts over (bounds memory on hostile input).
const STEM_CACHE_LIMIT: usize = 200_000;

impl Analysis {
    pub fn new() -> Self {
        Self::default()
    }
    /// The terms of the last analyzed text, in order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }
    /// The normalized text of a term.
    pub fn text(&self, term: &Term) -> &str {
        &self.arena[term.text_start as usize..term.text_end as usize]
    }
    pub fn len(&self) -> usize {
        self.terms.len()
    }
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Turns text into terms according to an [`AnalyzerConfig`].
#[derive(Clone)]
pub struct Analyzer {
    config: AnalyzerConfig,
    stemmer: Option<std::sync::Arc<Stemmer>>,
}

impl fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analyzer").field("config", &self.config).finish()
    }
}

impl Analyzer {
    pub fn new(config: AnalyzerConfig) -> Self {
        let stemmer = config.stem.algorithm().map(|a| std::sync::Arc::new(Stemmer::create(a)));
        Analyzer { config, stemmer }
    }

    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Analyzes `text` into `out`, replacing what it held.
    pub fn analyze(&self, text: &str, out: &mut Analysis) {
        tokenize_into(text, &mut out.raw);
        out.arena.clear();
        out.terms.clear();
        let mut negated = false;
        for i in 0..out.raw.len() {
            let raw = out.raw[i];
            if raw.clause_start {
                negated = false;
            }
            normalize(&text[raw.start..raw.end], &mut out.lower);
            let text_start = out.arena.len() as u32;
            if negated {
                out.arena.push_str(NEGATION_PREFIX);
            }
            match &self.stemmer {
                Some(stemmer) => {
                    if let Some(stem) = out.stem_cache.get(out.lower.as_str()) {
                        out.arena.push_str(stem);
                    } else {
                        let stem = stemmer.stem(&out.lower).into_owned();
                        out.arena.push_str(&stem);
                        if out.stem_cache.len() >= STEM_CACHE_LIMIT {
                            out.stem_cache.clear();
                        }
                        out.stem_cache.insert(out.lower.clone(), stem);
                    }
                }
                None => out.arena.push_str(&out.lower),
            }
            out.terms.push(Term { start: raw.start, end: raw.end, text_start, text_end: out.arena.len() as u32 });
            if self.config.negation_scope && is_negator(&out.lower) {
                negated = true;
            }
        }
    }

    /// Whether negation scopes are marked.
    #[inline]
    pub(crate) fn negation_scope(&self) -> bool {
        self.config.negation_scope
    }

    /// The stem of a normalized word (the word itself without a stemmer), written into `out`.
    /// Exactly what [`Analyzer::analyze`] produces for that word outside a negation scope.
    pub(crate) fn stem_into(&self, lower: &str, out: &mut String) {
        out.clear();
        match &self.stemmer {
            Some(stemmer) => out.push_str(&stemmer.stem(lower)),
            None => out.push_str(lower),
        }
    }

    /// Convenience for tests and one-off calls: the normalized terms of `text`.
    pub fn terms_of(&self, text: &str) -> Vec<String> {
        let mut a = Analysis::new();
        self.analyze(text, &mut a);
        a.terms().iter().map(|t| a.text(t).to_string()).collect()
    }
}

/// Lowercases and folds typographic apostrophes and hyphens to their ASCII forms.
pub(crate) fn normalize(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        match c {
            '\u{2019}' | '\u{2018}' => out.push('\''),
            '\u{2010}' | '\u{2011}' => out.push('-'),
            c if c.is_uppercase() => out.extend(c.to_lowercase()),
            c => out.push(c),
        }
    }
}

/// Words that open a negation scope.
pub(crate) fn is_negator(word: &str) -> bool {
    matches!(
        word,
        "not" | "no" | "never" | "nor" | "neither" | "nobody" | "nothing" | "none" | "nowhere"
            | "cannot" | "without"
    ) || word.ends_with("n't")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer(stem: StemLanguage, negation_scope: bool) -> Analyzer {
        Analyzer::new(AnalyzerConfig { stem, negation_scope })
    }

    #[test]
    fn lowercases_and_stems_english() {
        let a = analyzer(StemLanguage::English, false);
        assert_eq!(a.terms_of("Troops ATTACKED the villages"), vec!["troop", "attack", "the", "villag"]);
    }

    #[test]
    fn keeps_negators_as_terms() {
        let a = analyzer(StemLanguage::None, false);
        assert_eq!(a.terms_of("No, they won't NOT never"), vec!["no", "they", "won't", "not", "never"]);
    }

    #[test]
    fn folds_curly_apostrophes() {
        let a = analyzer(StemLanguage::None, false);
        assert_eq!(a.terms_of("Russia’s don’t"), vec!["russia's", "don't"]);
    }

    #[test]
    fn negation_scope_runs_to_the_next_punctuation() {
        let a = analyzer(StemLanguage::English, true);
        assert_eq!(
            a.terms_of("They did not rule out strikes, officials said."),
            vec!["they", "did", "not", "not_rule", "not_out", "not_strike", "offici", "said"]
        );
        assert_eq!(a.terms_of("We don't want war"), vec!["we", "don't", "not_want", "not_war"]);
    }

    #[test]
    fn terms_keep_source_offsets() {
        let a = analyzer(StemLanguage::English, false);
        let text = "Hypersonic “messages” continue";
        let mut out = Analysis::new();
        a.analyze(text, &mut out);
        let spans: Vec<&str> = out.terms().iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(spans, vec!["Hypersonic", "messages", "continue"]);
        assert_eq!(out.text(&out.terms()[1]), "messag");
    }

    #[test]
    fn language_names_round_trip() {
        for (name, lang) in LANGUAGES {
            assert_eq!(name.parse::<StemLanguage>().unwrap(), *lang);
            assert_eq!(lang.to_string(), *name);
        }
        assert!("klingon".parse::<StemLanguage>().unwrap_err().contains("english"));
    }
}
