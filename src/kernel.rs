//! The scoring kernel: a text's term ids -> class probabilities, without building its sparse
//! vector.
//!
//! Why it exists: once words became term ids cheaply ([`crate::fastpath`]), most of the time went
//! into the vectorizer: sorting each sentence's ~35 feature occurrences (branches that the CPU
//! cannot predict), probing a half-full hash table per bigram, and reading idf and the class
//! weights of every feature from two arrays. The kernel
//! - finds unigram features by table and bigram features in a bucketed table (four slots in one
//!   32-byte line, compared without branches; a full bucket spills to the next, which is rare);
//! - folds repeated features with a per-workspace stamp per feature instead of sorting;
//! - keeps each feature's idf and class weights together in one 32-byte record.
//!
//! It computes the weighting, normalization and linear scores of `Vectorizer::transform` and
//! `LinearScorer::probabilities` with the same formulas, but adds the terms up in the order the
//! features first occur (unigrams, then bigrams, then trigrams, each left to right) rather than
//! in feature-id order. Floating-point addition is not associative, so its probabilities agree
//! with the reference path to about 1e-15, not to the bit (`tests/parity.rs` bounds the
//! difference and checks the labels); every prediction goes through this one kernel, so scores
//! are the same wherever and however often a text is scored.

use crate::features::vectorizer::{term_weight, UNKNOWN};
use crate::features::Norm;
use crate::features::Vectorizer;
use crate::model::LinearScorer;

/// Feature ids take the low bits of a bigram slot, the packed pair of term ids the high 42.
const FEATURE_BITS: u32 = 22;
const FEATURE_MASK: u64 = (1 << FEATURE_BITS) - 1;
/// Most features the kernel can address (larger models use the reference path).
pub(crate) const MAX_FEATURES: usize = 1 << FEATURE_BITS;

/// Four values sharing one aligned 32-byte line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Lane([f64; 4]);

#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Bucket([u64; 4]);

/// Packed bigram key -> feature. Slots fill in order, so a bucket whose last slot is empty ends
/// the search.
#[derive(Debug, Clone)]
struct BigramTable {
    buckets: Vec<Bucket>,
    mask: usize,
}

#[inline]
fn bucket_of(key: u64) -> usize {
    let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 29) as usize
}

impl BigramTable {
    fn new(entries: &[(u64, u32)]) -> Self {
        // About 1.2 keys per bucket at most: few buckets overflow (under 1%), and the table is
        // half the size of one with a bucket per key.
        let n = (entries.len() * 5 / 6).next_power_of_two().max(4);
        let mut table = BigramTable {
            buckets: vec![Bucket::default(); n],
            mask: n - 1,
        };
        for &(key, feature) in entries {
            let mut b = bucket_of(key) & table.mask;
            loop {
                if let Some(slot) = table.buckets[b].0.iter_mut().find(|s| **s == 0) {
                    *slot = key << FEATURE_BITS | feature as u64;
                    break;
                }
                b = (b + 1) & table.mask;
            }
        }
        table
    }

    #[inline]
    fn prefetch(&self, key: u64) {
        crate::fasthash::prefetch(&self.buckets, bucket_of(key) & self.mask);
    }

    /// The feature of `key` (below 2^42, as [`bigram_key`] makes them), or UNKNOWN.
    #[inline]
    fn get(&self, key: u64) -> u32 {
        let mut b = bucket_of(key) & self.mask;
        // A slot holds `key` exactly when xor-ing it with the key in place leaves only the
        // feature bits.
        let shifted = key << FEATURE_BITS;
        loop {
            let slots = &self.buckets[b].0;
            let mut found = UNKNOWN;
            for &s in slots {
                let x = s ^ shifted;
                found = if x <= FEATURE_MASK { x as u32 } else { found };
            }
            if found != UNKNOWN || slots[3] == 0 {
                return found;
            }
            b = (b + 1) & self.mask;
        }
    }
}

/// A key that no bigram has: 42 one bits (a real key's low 21 bits are a term id + 1, and term
/// ids stay below 2^21 - 2).
const NO_BIGRAM: u64 = (1 << 42) - 1;

/// The bigram table's key of terms `a` then `b` ([`NO_BIGRAM`] when either is UNKNOWN); the
/// packing of `Vectorizer`'s n-gram keys.
#[inline]
fn bigram_key(a: u32, b: u32) -> u64 {
    if a.max(b) == UNKNOWN {
        NO_BIGRAM
    } else {
        (a as u64 + 1) | ((b as u64 + 1) << 21)
    }
}

/// A fitted model laid out for scoring (built from the vectorizer and scorer when a pipeline is
/// assembled; nothing of it is saved).
#[derive(Debug, Clone)]
pub(crate) struct Kernel {
    classes: usize,
    n_features: usize,
    /// Lanes per feature record: idf, then the class weights, padded to whole lanes.
    lanes_per_feature: usize,
    records: Vec<Lane>,
    intercepts: Vec<f64>,
    /// Term id -> its unigram feature (UNKNOWN: none), when unigrams are features.
    unigram: Option<Vec<u32>>,
    bigrams: Option<BigramTable>,
    /// Model feature id -> kernel feature id, kept when trigrams are features (they are looked
    /// up in the vectorizer's own table).
    trigrams: Option<Vec<u32>>,
    /// `term_weight` of counts 0..64.
    tf: Vec<f64>,
}

/// Per-worker buffers of the kernel (inside [`crate::Workspace`]).
#[derive(Debug, Default)]
pub(crate) struct KernelScratch {
    /// Open-addressing set of this call's distinct features: (call number << 32) | feature.
    /// Sized to the text, so for a sentence it stays in the L1 cache; entries of earlier calls
    /// are stale by their call number and need no clearing.
    seen: Vec<u64>,
    /// Position among the call's distinct features of the feature in the same slot of `seen`.
    seen_at: Vec<u32>,
    call: u32,
    features: Vec<u32>,
    /// Packed bigram key ending at each term.
    keys: Vec<u64>,
    counts: Vec<u32>,
    values: Vec<f64>,
}

impl KernelScratch {
    /// Starts a call with `occurrences` feature occurrences of a model with `n_features`
    /// features: a fresh call number, and a set sized to the most distinct features the text
    /// can have. Returns the call number and the set's mask.
    #[inline]
    fn begin(&mut self, occurrences: usize, n_features: usize) -> (u64, usize) {
        // A text has at most min(occurrences, features) distinct features. A sentence gets at
        // least 8 slots per one (few collisions); a long text 2 per one, so an 8 MB record
        // costs tens of MB here, not hundreds, and never more than ~48 bytes per model feature.
        let distinct = occurrences.min(n_features).max(1);
        let per = if distinct <= 512 { 8 } else { 2 };
        let size = (distinct * per).next_power_of_two().max(256);
        if self.seen.len() < size {
            self.seen.resize(size, 0);
            self.seen_at.resize(size, 0);
        }
        self.call = self.call.wrapping_add(1);
        if self.call == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.call = 1;
        }
        (self.call as u64, size - 1)
    }
}

impl Kernel {
    /// The kernel of a model, or `None` when it has more features than a bigram slot can name
    /// (such models are scored by the reference path).
    pub(crate) fn new(vectorizer: &Vectorizer, scorer: &LinearScorer) -> Option<Kernel> {
        let n_features = vectorizer.n_features();
        let classes = scorer.n_classes();
        if n_features >= MAX_FEATURES || scorer.n_features() != n_features {
            return None;
        }
        // The kernel numbers features commonest first (lowest idf), so the records that most
        // texts use share cache lines; the model's own ids never leave the kernel.
        let idf = vectorizer.idf();
        let mut order: Vec<u32> = (0..n_features as u32).collect();
        order.sort_by(|&a, &b| idf[a as usize].total_cmp(&idf[b as usize]).then(a.cmp(&b)));
        let mut internal = vec![0u32; n_features];
        for (rank, &f) in order.iter().enumerate() {
            internal[f as usize] = rank as u32;
        }
        let to_internal = |f: u32| {
            if f == UNKNOWN {
                UNKNOWN
            } else {
                internal[f as usize]
            }
        };
        let lanes_per_feature = (classes + 1).div_ceil(4);
        let mut records = vec![Lane::default(); n_features * lanes_per_feature];
        for (rank, &f) in order.iter().enumerate() {
            let f = f as usize;
            let record = &mut records[rank * lanes_per_feature..(rank + 1) * lanes_per_feature];
            let mut put = |j: usize, v: f64| record[j / 4].0[j % 4] = v;
            put(0, vectorizer.idf()[f]);
            for c in 0..classes {
                put(1 + c, scorer.weight(f, c));
            }
        }
        let config = vectorizer.config();
        let has = |n: usize| config.ngram_min <= n && n <= config.ngram_max;
        Some(Kernel {
            classes,
            n_features,
            lanes_per_feature,
            records,
            intercepts: scorer.intercepts().to_vec(),
            unigram: has(1).then(|| {
                vectorizer
                    .unigram_features()
                    .iter()
                    .map(|&f| to_internal(f))
                    .collect()
            }),
            bigrams: has(2).then(|| {
                let entries: Vec<(u64, u32)> = vectorizer
                    .ngram_entries(2)
                    .into_iter()
                    .map(|(key, f)| (key, to_internal(f)))
                    .collect();
                BigramTable::new(&entries)
            }),
            trigrams: has(3).then_some(internal),
            tf: (0..64).map(|c| term_weight(config, c)).collect(),
        })
    }

    #[inline]
    fn prefetch_record(&self, feature: u32) {
        crate::fasthash::prefetch(&self.records, feature as usize * self.lanes_per_feature);
    }

    /// Raw class scores (intercept + w·x, x the text's tf-idf vector) of the text whose term ids
    /// are `ids`, into `out` (length: classes).
    pub(crate) fn raw_scores(
        &self,
        vectorizer: &Vectorizer,
        ids: &[u32],
        s: &mut KernelScratch,
        out: &mut [f64],
    ) {
        // Every feature occurrence: unigrams, bigrams, trigrams, each left to right. One loop
        // finds the unigrams and starts loading the bigrams' buckets; the next probes them.
        let most = ids.len() * 3;
        if s.features.len() < most {
            s.features.resize(most, 0);
        }
        if s.keys.len() < ids.len() {
            s.keys.resize(ids.len(), 0);
        }
        let found = &mut s.features[..most];
        let keys = &mut s.keys[..ids.len()];
        let mut n = 0;
        let mut prev = UNKNOWN;
        for (&id, key) in ids.iter().zip(keys.iter_mut()) {
            if let Some(unigram) = &self.unigram {
                let f = unigram.get(id as usize).copied().unwrap_or(UNKNOWN);
                self.prefetch_record(f);
                found[n] = f;
                n += (f != UNKNOWN) as usize;
            }
            if let Some(bigrams) = &self.bigrams {
                *key = bigram_key(prev, id);
                bigrams.prefetch(*key);
            }
            prev = id;
        }
        if let Some(bigrams) = &self.bigrams {
            for &key in keys.iter().skip(1) {
                let f = bigrams.get(key);
                self.prefetch_record(f);
                found[n] = f;
                n += (f != UNKNOWN) as usize;
            }
        }
        if let Some(internal) = &self.trigrams {
            vectorizer.for_each_ngram(ids, 3, |f, _| {
                found[n] = internal[f as usize];
                n += 1;
            });
        }
        // Fold repeats: the first occurrence of a feature takes the next position, later ones
        // count there. The tf-idf value is set on the way (and the sum of squares kept, for the
        // usual case of no repeats).
        // At most this many distinct features (a long text repeats them).
        let n_features = self.n_features;
        let most_distinct = n.min(n_features);
        if s.counts.len() < most_distinct {
            s.counts.resize(most_distinct, 0);
            s.values.resize(most_distinct, 0.0);
        }
        let config = vectorizer.config();
        let once = term_weight(config, 1);
        let (call, mask) = s.begin(n, n_features);
        // Slices of known length, so the set's indexing (masked) needs no bounds checks; a
        // feature's position stays below the distinct features there can be.
        let seen = &mut s.seen[..=mask];
        let seen_at = &mut s.seen_at[..=mask];
        let features = &mut s.features[..n];
        let counts = &mut s.counts[..most_distinct];
        let values = &mut s.values[..most_distinct];
        let mut distinct = 0usize;
        let mut squares = 0.0;
        let mut repeated = false;
        for i in 0..n {
            let f = features[i];
            let key = call << 32 | f as u64;
            let mut j = (f as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as usize >> 40;
            loop {
                j &= mask;
                let slot = seen[j];
                if slot == key {
                    let at = seen_at[j] as usize;
                    counts[at] += 1;
                    values[at] = self.term_weight(config, counts[at] as usize) * self.idf(f);
                    repeated = true;
                    break;
                }
                if slot >> 32 != call {
                    let v = once * self.idf(f);
                    seen[j] = key;
                    seen_at[j] = distinct as u32;
                    features[distinct] = f;
                    counts[distinct] = 1;
                    values[distinct] = v;
                    squares += v * v;
                    distinct += 1;
                    break;
                }
                j += 1;
            }
        }
        let features = &s.features[..distinct];
        let values = &s.values[..distinct];
        // As `normalize` computes it: the same sums in the same order.
        let total = match config.norm {
            Norm::None => 0.0,
            Norm::L2 if !repeated => squares.sqrt(),
            Norm::L2 => values.iter().map(|v| v * v).sum::<f64>().sqrt(),
            Norm::L1 => values.iter().map(|v| v.abs()).sum::<f64>(),
        };
        match self.classes {
            2 => self.dot::<2>(features, values, total, out),
            3 => self.dot::<3>(features, values, total, out),
            _ => self.dot_any(features, values, total, out),
        }
    }

    /// `term_weight` from the table filled with it at load, for the usual small counts
    /// (`ln` costs as much as the rest of a repeat).
    #[inline]
    fn term_weight(&self, config: &crate::features::VectorizerConfig, count: usize) -> f64 {
        match self.tf.get(count) {
            Some(&w) => w,
            None => term_weight(config, count),
        }
    }

    #[inline]
    fn idf(&self, f: u32) -> f64 {
        self.records[f as usize * self.lanes_per_feature].0[0]
    }

    /// Intercepts plus weights times the values divided by `total` (when positive), the
    /// division done per value exactly as `normalize` does it.
    #[inline]
    fn dot<const K: usize>(&self, features: &[u32], values: &[f64], total: f64, out: &mut [f64]) {
        let mut acc = [0.0; K];
        acc.copy_from_slice(&self.intercepts[..K]);
        let divide = total > 0.0;
        for (&f, &x) in features.iter().zip(values) {
            let v = if divide { x / total } else { x };
            let record = &self.records[f as usize].0;
            for c in 0..K {
                acc[c] += record[1 + c] * v;
            }
        }
        out[..K].copy_from_slice(&acc);
    }

    fn dot_any(&self, features: &[u32], values: &[f64], total: f64, out: &mut [f64]) {
        let k = self.classes;
        out[..k].copy_from_slice(&self.intercepts);
        let divide = total > 0.0;
        for (&f, &x) in features.iter().zip(values) {
            let v = if divide { x / total } else { x };
            let record = &self.records
                [f as usize * self.lanes_per_feature..(f as usize + 1) * self.lanes_per_feature];
            for (c, o) in out[..k].iter_mut().enumerate() {
                *o += record[(1 + c) / 4].0[(1 + c) % 4] * v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::SplitMix64;

    fn random_key(rng: &mut SplitMix64) -> u64 {
        let a = rng.below((1 << 21) - 2) + 1;
        let b = rng.below((1 << 21) - 2) + 1;
        a | b << 21
    }

    #[test]
    fn the_repeat_set_is_bounded_by_the_model_not_the_text() {
        let mut s = KernelScratch::default();
        // A sentence: 8 slots per occurrence.
        assert_eq!(s.begin(40, 27_853).1 + 1, 512);
        // An 8 MB record of ~4.5M occurrences with a 27,853-feature model: 2 slots per feature.
        assert_eq!(s.begin(4_500_000, 27_853).1 + 1, 65_536);
        assert!(s.seen.len() <= 65_536);
        // Every call gets a fresh number, so no stamp of an earlier call matches.
        let (a, _) = s.begin(3, 10);
        let (b, _) = s.begin(3, 10);
        assert_ne!(a, b);
    }

    #[test]
    fn bigram_table_finds_every_key_and_no_other_even_past_full_buckets() {
        let mut rng = SplitMix64::new(7);
        let entries: Vec<(u64, u32)> = (0..20_000).map(|f| (random_key(&mut rng), f)).collect();
        let mut keys: std::collections::HashSet<u64> = entries.iter().map(|e| e.0).collect();
        let table = BigramTable::new(&entries);
        // At 1.2 keys per bucket some buckets overflow into the next: the spill path is exercised.
        let full = table.buckets.iter().filter(|b| b.0[3] != 0).count();
        assert!(full > 50, "only {full} full buckets");
        for &(key, f) in &entries {
            if keys.remove(&key) {
                assert_eq!(table.get(key), f, "key {key:x}");
            }
        }
        for _ in 0..20_000 {
            let key = random_key(&mut rng);
            if !entries.iter().any(|e| e.0 == key) {
                assert_eq!(table.get(key), UNKNOWN);
            }
        }
        // Keys built from an UNKNOWN term id never match, nor does any key match an empty slot.
        assert_eq!(bigram_key(UNKNOWN, 4), NO_BIGRAM);
        assert_eq!(bigram_key(4, UNKNOWN), NO_BIGRAM);
        assert_eq!(table.get(NO_BIGRAM), UNKNOWN);
        let empty = BigramTable::new(&[]);
        assert_eq!(empty.get(bigram_key(0, 0)), UNKNOWN);
        assert_eq!(bigram_key(0, 0), 1 | 1 << 21);
    }
}
