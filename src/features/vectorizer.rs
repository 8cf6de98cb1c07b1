//! The fitted vectorizer: a sorted n-gram vocabulary with idf weights, turning analyzed terms
//! into tf-idf sparse vectors. IDF comes from the training corpus and is stored, so a sentence
//! scored alone gets exactly the vector it gets inside a batch.

use std::collections::HashMap;

use super::config::{Norm, VectorizerConfig};
use super::sparse::SparseVector;
use crate::error::{Result, StanceError};
use crate::fasthash::FxHashMap;
use crate::text::{Analysis, Analyzer};

/// Term ids are packed 21 bits each into a 64-bit n-gram key; id+1 is stored so 0 means "none".
const ID_BITS: u32 = 21;
/// Most distinct terms the n-gram key can address.
pub const MAX_TERMS: usize = (1 << ID_BITS) - 2;
/// Term id of a term outside every feature (also "no feature" in the unigram table).
pub(crate) const UNKNOWN: u32 = u32::MAX;

#[inline]
fn pack(ids: &[u32]) -> u64 {
    let mut key = 0u64;
    for (i, &id) in ids.iter().enumerate() {
        key |= (id as u64 + 1) << (ID_BITS * i as u32);
    }
    key
}

/// Packed n-gram key -> feature: open addressing with linear probing, at most half full, one
/// 16-byte slot per probe (key 0 marks an empty slot; packed keys are never 0).
#[derive(Debug, Clone, Default)]
struct NgramTable {
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl NgramTable {
    fn new(entries: &[(u64, u32)]) -> Self {
        let n = (entries.len() * 2).next_power_of_two().max(16);
        let mut t = NgramTable { slots: vec![(0, 0); n], mask: n - 1 };
        for &(key, f) in entries {
            let mut i = Self::index(key) & t.mask;
            while t.slots[i].0 != 0 && t.slots[i].0 != key {
                i = (i + 1) & t.mask;
            }
            t.slots[i] = (key, f);
        }
        t
    }
    #[inline]
    fn index(key: u64) -> usize {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h ^ (h >> 29)) as usize
    }
    /// Starts loading the slot `key` would be found in (a hint; no effect on results).
    #[inline]
    fn prefetch(&self, key: u64) {
        crate::fasthash::prefetch(&self.slots, Self::index(key) & self.mask);
    }
    #[inline]
    fn get(&self, key: u64) -> Option<u32> {
        let mut i = Self::index(key) & self.mask;
        loop {
            let (k, f) = self.slots[i];
            if k == key {
                return Some(f);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Buffers reused across calls to [`Vectorizer::transform`].
#[derive(Debug, Default)]
pub struct VectorScratch {
    term_ids: Vec<u32>,
    pub(crate) features: Vec<u32>,
}

/// A feature occurrence: which feature, and which terms of the analysis produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub feature: u32,
    pub first_term: u32,
    pub n_terms: u32,
}

/// A fitted vocabulary with idf weights.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    config: VectorizerConfig,
    features: Vec<String>,
    idf: Vec<f64>,
    term_ids: FxHashMap<String, u32>,
    /// Packed ids of every n-gram feature with n >= 2 -> feature (unigrams are in `unigram`).
    ngram_table: NgramTable,
    /// `unigram[term id]`: the feature of that term alone, or UNKNOWN (saves a hash lookup).
    unigram: Vec<u32>,
}

impl Vectorizer {
    /// Rebuilds a vectorizer from its saved parts (sorted features and their idf).
    pub fn from_parts(config: VectorizerConfig, features: Vec<String>, idf: Vec<f64>) -> Result<Self> {
        config.validate()?;
        if features.len() != idf.len() {
            return Err(StanceError::Training(format!(
                "{} features but {} idf weights",
                features.len(),
                idf.len()
            )));
        }
        let mut term_ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut ngram_ids: FxHashMap<u64, u32> = FxHashMap::default();
        ngram_ids.reserve(features.len());
        let mut ids = Vec::with_capacity(3);
        for (f, feature) in features.iter().enumerate() {
            ids.clear();
            for term in feature.split(' ') {
                let next = term_ids.len() as u32;
                ids.push(*term_ids.entry(term.to_string()).or_insert(next));
            }
            if ids.len() > super::config::MAX_NGRAM || term_ids.len() > MAX_TERMS {
                return Err(StanceError::Training(format!("feature '{feature}' cannot be indexed")));
            }
            ngram_ids.insert(pack(&ids), f as u32);
        }
        let mut unigram = vec![UNKNOWN; term_ids.len()];
        for (id, slot) in unigram.iter_mut().enumerate() {
            if let Some(&f) = ngram_ids.get(&pack(&[id as u32])) {
                *slot = f;
            }
        }
        let mut longer: Vec<(u64, u32)> = ngram_ids.iter().filter(|(k, _)| **k >> ID_BITS != 0).map(|(k, f)| (*k, *f)).collect();
        longer.sort_unstable();
        let ngram_table = NgramTable::new(&longer);
        Ok(Vectorizer { config, features, idf, term_ids, ngram_table, unigram })
    }

    /// Learns the vocabulary and idf from a training corpus.
    pub fn fit<S: AsRef<str>>(config: VectorizerConfig, analyzer: &Analyzer, docs: &[S]) -> Result<Self> {
        Self::fit_with_limit(config, analyzer, docs, MAX_TERMS)
    }

    /// [`Vectorizer::fit`], refusing the corpus once it has more than `max_terms` distinct
    /// analyzed terms (`--max-terms`; capped at [`MAX_TERMS`]).
    pub fn fit_with_limit<S: AsRef<str>>(config: VectorizerConfig, analyzer: &Analyzer, docs: &[S], max_terms: usize) -> Result<Self> {
        config.validate()?;
        let max_terms = max_terms.min(MAX_TERMS);
        let n_docs = docs.len();
        let mut dictionary: HashMap<String, u32> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut df: HashMap<u64, (u32, u64)> = HashMap::new();
        let mut analysis = Analysis::new();
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        for doc in docs {
            analyzer.analyze(doc.as_ref(), &mut analysis);
            ids.clear();
            for term in analysis.terms() {
                let text = analysis.text(term);
                let id = match dictionary.get(text) {
                    Some(&id) => id,
                    None => {
                        if words.len() >= max_terms {
                            return Err(StanceError::Training(format!(
                                "the corpus has more than {max_terms} distinct terms (the --max-terms limit); raise --max-terms (at most {MAX_TERMS}) or train on less text"
                            )));
                        }
                        let id = words.len() as u32;
                        dictionary.insert(text.to_string(), id);
                        words.push(text.to_string());
                        id
                    }
                };
                ids.push(id);
            }
            keys.clear();
            for n in config.ngram_min..=config.ngram_max {
                for window in ids.windows(n) {
                    keys.push(pack(window));
                }
            }
            keys.sort_unstable();
            // Count occurrences for max_features ranking, document frequency once per doc.
            let mut i = 0;
            while i < keys.len() {
                let mut j = i + 1;
                while j < keys.len() && keys[j] == keys[i] {
                    j += 1;
                }
                let entry = df.entry(keys[i]).or_insert((0, 0));
                entry.0 += 1;
                entry.1 += (j - i) as u64;
                i = j;
            }
        }
        let min_df = config.min_df.resolve(n_docs).max(1);
        let max_df = config.max_df.resolve(n_docs).max(1);
        // (feature text, document frequency, total occurrences)
        let mut kept: Vec<(String, u32, u64)> = df
            .into_iter()
            .filter(|(_, (d, _))| (*d as usize) >= min_df && (*d as usize) <= max_df)
            .map(|(key, (d, total))| (unpack_to_string(key, &words), d, total))
            .collect();
        if let Some(limit) = config.max_features {
            if kept.len() > limit {
                // Keep the most frequent; ties broken by the text, never by hash order.
                kept.sort_unstable_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
                kept.truncate(limit);
            }
        }
        if kept.is_empty() {
            return Err(StanceError::Training(
                "the vocabulary is empty after applying --min-df/--max-df; try a smaller --min-df, a larger --max-df or more data".into(),
            ));
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let idf = kept
            .iter()
            .map(|(_, d, _)| if config.use_idf { smooth_idf(n_docs, *d as usize) } else { 1.0 })
            .collect();
        let features = kept.into_iter().map(|(s, _, _)| s).collect();
        Vectorizer::from_parts(config, features, idf)
    }

    pub fn config(&self) -> &VectorizerConfig {
        &self.config
    }
    /// The sorted feature names (n-grams joined by a space).
    pub fn features(&self) -> &[String] {
        &self.features
    }
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// `unigram_features()[term id]`: the feature of that term alone, or UNKNOWN.
    pub(crate) fn unigram_features(&self) -> &[u32] {
        &self.unigram
    }

    /// Every n-gram feature with exactly `n >= 2` terms: (packed term ids, feature).
    pub(crate) fn ngram_entries(&self, n: usize) -> Vec<(u64, u32)> {
        let terms = |key: u64| (64 - key.leading_zeros()).div_ceil(ID_BITS) as usize;
        self.ngram_table.slots.iter().filter(|(key, _)| *key != 0 && terms(*key) == n).copied().collect()
    }

    /// Calls `f(feature, first term)` for every n-gram of exactly `n >= 2` terms of
    /// `term_ids` in the vocabulary, left to right. Two passes: start loading every candidate's
    /// slot, then look them up, so the memory latency of the lookups overlaps.
    #[inline]
    pub(crate) fn for_each_ngram(&self, term_ids: &[u32], n: usize, mut f: impl FnMut(u32, usize)) {
        for window in term_ids.windows(n) {
            if !window.contains(&UNKNOWN) {
                self.ngram_table.prefetch(pack(window));
            }
        }
        for (i, window) in term_ids.windows(n).enumerate() {
            if window.contains(&UNKNOWN) {
                continue;
            }
            if let Some(feature) = self.ngram_table.get(pack(window)) {
                f(feature, i);
            }
        }
    }

    /// Multiplies each feature's weight (its idf) by `scale[f]`. The scale applies before
    /// normalization, exactly like idf, so a per-feature multiplier learnt at training time (NB
    /// log-count ratios) is saved in the model file as part of the idf vector.
    pub fn scale_features(&mut self, scale: &[f64]) -> Result<()> {
        if scale.len() != self.idf.len() || !scale.iter().all(|s| s.is_finite()) {
            return Err(StanceError::Training(format!(
                "{} feature scales for {} features, or a scale is not finite",
                scale.len(),
                self.idf.len()
            )));
        }
        self.idf.iter_mut().zip(scale).for_each(|(w, s)| *w *= s);
        Ok(())
    }

    /// The id of a normalized term, or UNKNOWN when no feature contains it.
    #[inline]
    pub(crate) fn term_id(&self, term: &str) -> u32 {
        *self.term_ids.get(term).unwrap_or(&UNKNOWN)
    }

    /// Looks up the term ids of an analysis (UNKNOWN for terms outside every feature).
    fn lookup_terms(&self, analysis: &Analysis, out: &mut Vec<u32>) {
        out.clear();
        out.extend(analysis.terms().iter().map(|t| self.term_id(analysis.text(t))));
    }

    /// Calls `f(feature, first_term, n_terms)` for every n-gram of the analysis in the vocabulary.
    #[inline]
    fn for_each_occurrence(&self, term_ids: &[u32], mut f: impl FnMut(u32, usize, usize)) {
        for n in self.config.ngram_min..=self.config.ngram_max {
            if n == 1 {
                for (i, &id) in term_ids.iter().enumerate() {
                    if id != UNKNOWN {
                        let feature = self.unigram[id as usize];
                        if feature != UNKNOWN {
                            f(feature, i, 1);
                        }
                    }
                }
                continue;
            }
            if n == 2 {
                // Bigrams, the common case, with the key packed inline (same key as `pack`).
                let key = |a: u32, b: u32| (a as u64 + 1) | ((b as u64 + 1) << ID_BITS);
                for w in term_ids.windows(2) {
                    if w[0] != UNKNOWN && w[1] != UNKNOWN {
                        self.ngram_table.prefetch(key(w[0], w[1]));
                    }
                }
                for (i, w) in term_ids.windows(2).enumerate() {
                    if w[0] != UNKNOWN && w[1] != UNKNOWN {
                        if let Some(feature) = self.ngram_table.get(key(w[0], w[1])) {
                            f(feature, i, 2);
                        }
                    }
                }
                continue;
            }
            self.for_each_ngram(term_ids, n, |feature, i| f(feature, i, n));
        }
    }

    /// The tf-idf vector of an analysis, written into `out`.
    pub fn transform(&self, analysis: &Analysis, scratch: &mut VectorScratch, out: &mut SparseVector) {
        self.lookup_terms(analysis, &mut scratch.term_ids);
        self.transform_ids(&scratch.term_ids, &mut scratch.features, out);
    }

    /// The tf-idf vector of a sequence of term ids (from [`Vectorizer::term_id`]), written into
    /// `out`; `features` is scratch. The single place where vectors are weighted, so every path
    /// gives bit-identical values.
    #[inline]
    pub(crate) fn transform_ids(&self, term_ids: &[u32], features: &mut Vec<u32>, out: &mut SparseVector) {
        self.transform_ids_with(term_ids, features, out, |_| {});
    }

    /// [`Vectorizer::transform_ids`], calling `found(feature)` as each occurrence is found
    /// (before sorting), e.g. to prefetch the feature's weights.
    #[inline]
    pub(crate) fn transform_ids_with(&self, term_ids: &[u32], features: &mut Vec<u32>, out: &mut SparseVector, mut found: impl FnMut(u32)) {
        out.clear();
        features.clear();
        self.for_each_occurrence(term_ids, |feature, _, _| {
            crate::fasthash::prefetch(&self.idf, feature as usize);
            found(feature);
            features.push(feature);
        });
        features.sort_unstable();
        let mut i = 0;
        while i < features.len() {
            let mut j = i + 1;
            while j < features.len() && features[j] == features[i] {
                j += 1;
            }
            out.indices.push(features[i]);
            out.values.push(term_weight(&self.config, j - i) * self.idf[features[i] as usize]);
            i = j;
        }
        normalize(self.config.norm, &mut out.values);
    }

    /// Every vocabulary n-gram occurrence in the analysis, with the terms that produced it
    /// (for explanations: which words of the source pushed the score).
    pub fn occurrences(&self, analysis: &Analysis, scratch: &mut VectorScratch, out: &mut Vec<Occurrence>) {
        out.clear();
        self.lookup_terms(analysis, &mut scratch.term_ids);
        self.for_each_occurrence(&scratch.term_ids, |feature, first, n| {
            out.push(Occurrence { feature, first_term: first as u32, n_terms: n as u32 })
        });
    }
}

/// scikit-learn's smoothed idf: as if one extra document contained every term once.
pub fn smooth_idf(n_docs: usize, df: usize) -> f64 {
    ((1.0 + n_docs as f64) / (1.0 + df as f64)).ln() + 1.0
}

/// The tf part of a feature's weight, for a feature seen `count` times in the text.
#[inline]
pub(crate) fn term_weight(config: &VectorizerConfig, count: usize) -> f64 {
    if config.binary || (count == 1 && config.sublinear_tf) {
        1.0 // 1 + ln(1), exactly
    } else if config.sublinear_tf {
        1.0 + (count as f64).ln()
    } else {
        count as f64
    }
}

/// Divides `values` by their L2 or L1 norm (left alone when it is zero).
fn normalize(norm: Norm, values: &mut [f64]) {
    let total = match norm {
        Norm::None => return,
        Norm::L2 => values.iter().map(|v| v * v).sum::<f64>().sqrt(),
        Norm::L1 => values.iter().map(|v| v.abs()).sum::<f64>(),
    };
    if total > 0.0 {
        values.iter_mut().for_each(|v| *v /= total);
    }
}

fn unpack_to_string(key: u64, words: &[String]) -> String {
    let mut s = String::new();
    let mut k = key;
    while k != 0 {
        let id = (k & ((1 << ID_BITS) - 1)) as usize - 1;
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&words[id]);
        k >>= ID_BITS;
    }
    s
}
