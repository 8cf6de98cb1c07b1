//! The scoring fast path: text -> term ids without building term strings.
//!
//! [`crate::Pipeline::predict`] does not need the normalized text of a term, only its id in the
//! vocabulary. So each [`crate::Workspace`] keeps a cache from the normalized (lowercased) word
//! straight to what the vectorizer needs: the word's term id, the id of its negated form
//! (`not_` + stem) and whether it opens a negation scope. A cache hit skips stemming, string
//! building and the string-keyed vocabulary lookup: one pass over the word's bytes, one hash,
//! one probe. A miss runs exactly the analyzer's steps ([`normalize`], stem, vocabulary lookup),
//! so the ids, and therefore the vectors and probabilities, are identical to the reference path
//! (`Analyzer::analyze` + `Vectorizer::transform`), which `tests/parity.rs` checks.
//!
//! The cache belongs to one model: it records the id of the pipeline that filled it and starts
//! over when used with another. It is bounded (entries and key bytes), so memory stays flat
//! whatever the input; once warm, scoring a sentence allocates nothing (`tests/alloc_free.rs`).

use crate::fasthash::hash_bytes;
use crate::features::vectorizer::UNKNOWN;
use crate::features::{SparseVector, Vectorizer};
use crate::text::analyzer::{is_negator, normalize, NEGATION_PREFIX};
use crate::text::tokenizer::{tokenize_into, RawToken};
use crate::text::Analyzer;

/// Most distinct words a cache holds before it starts over.
const CACHE_MAX_WORDS: usize = 1 << 18;
/// Most bytes of word text a cache holds before it starts over.
const CACHE_MAX_KEY_BYTES: usize = 8 << 20;
const CACHE_MIN_SLOTS: usize = 1 << 12;

/// What the vectorizer needs to know about one normalized word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordEntry {
    /// Term id of the word's stem (UNKNOWN if in no feature).
    pub term: u32,
    /// Term id of `not_` + stem (UNKNOWN if in no feature, or negation scopes are off).
    pub neg_term: u32,
    /// The word opens a negation scope.
    pub negator: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Hash of the key with the lowest bit set; 0 marks an empty slot.
    tag: u64,
    key_start: u32,
    key_len: u32,
    term: u32,
    neg_term: u32,
    negator: bool,
}

/// Open-addressing (linear probing) map from word bytes to [`WordEntry`]; keys live in one arena.
#[derive(Debug, Default)]
pub(crate) struct WordCache {
    slots: Vec<Slot>,
    keys: Vec<u8>,
    len: usize,
}

impl WordCache {
    #[inline]
    fn get(&self, key: &[u8], hash: u64) -> Option<WordEntry> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = hash | 1;
        let mut i = (tag >> 1) as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.tag == 0 {
                return None;
            }
            if s.tag == tag
                && s.key_len as usize == key.len()
                && eq_bytes(&self.keys[s.key_start as usize..s.key_start as usize + key.len()], key)
            {
                return Some(WordEntry { term: s.term, neg_term: s.neg_term, negator: s.negator });
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, key: &[u8], hash: u64, e: WordEntry) {
        if self.len >= CACHE_MAX_WORDS || self.keys.len() + key.len() > CACHE_MAX_KEY_BYTES {
            self.clear();
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = (hash >> 1) as usize & mask;
        while self.slots[i].tag != 0 {
            i = (i + 1) & mask;
        }
        let key_start = self.keys.len() as u32;
        self.keys.extend_from_slice(key);
        self.slots[i] = Slot {
            tag: hash | 1,
            key_start,
            key_len: key.len() as u32,
            term: e.term,
            neg_term: e.neg_term,
            negator: e.negator,
        };
        self.len += 1;
    }

    fn grow(&mut self) {
        let new_len = (self.slots.len() * 2).max(CACHE_MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); new_len]);
        let mask = new_len - 1;
        for s in old.into_iter().filter(|s| s.tag != 0) {
            let mut i = (s.tag >> 1) as usize & mask;
            while self.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Forgets every word, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| s.tag = 0);
        self.keys.clear();
        self.len = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Per-worker buffers of the fast path (lives inside [`crate::Workspace`]).
#[derive(Debug, Default)]
pub(crate) struct FastScratch {
    /// Id of the pipeline whose term ids the cache holds (0: none yet).
    model: u64,
    pub(crate) cache: WordCache,
    raw: Vec<RawToken>,
    ids: Vec<u32>,
    features: Vec<u32>,
    lower: String,
    stem: String,
}

impl FastScratch {
    /// The term ids of `text`, exactly as `Analyzer::analyze` then the vocabulary lookup give them.
    #[inline]
    pub(crate) fn term_ids(&mut self, model: u64, analyzer: &Analyzer, vectorizer: &Vectorizer, text: &str) -> &[u32] {
        if self.model != model {
            self.cache.clear();
            self.model = model;
        }
        tokenize_into(text, &mut self.raw);
        self.ids.clear();
        let negation_scope = analyzer.negation_scope();
        let mut negated = false;
        for raw in &self.raw {
            if raw.clause_start {
                negated = false;
            }
            let word = &text[raw.start..raw.end];
            // The cache key is the normalized word: lowercased bytes for ASCII (the usual case),
            // the analyzer's own normalization otherwise.
            let mut short = [0u8; SHORT_WORD];
            let key: &[u8] = match lower_ascii(word.as_bytes(), &mut short) {
                Some(k) => k,
                None => {
                    normalize(word, &mut self.lower);
                    self.lower.as_bytes()
                }
            };
            let hash = hash_bytes(key);
            let entry = match self.cache.get(key, hash) {
                Some(e) => e,
                None => {
                    let e = lookup_word(analyzer, vectorizer, key, &mut self.stem);
                    self.cache.insert(key, hash, e);
                    e
                }
            };
            self.ids.push(if negated { entry.neg_term } else { entry.term });
            if negation_scope && entry.negator {
                negated = true;
            }
        }
        &self.ids
    }

    /// The tf-idf vector of `text` into `out`.
    #[inline]
    pub(crate) fn vectorize(&mut self, model: u64, analyzer: &Analyzer, vectorizer: &Vectorizer, text: &str, out: &mut SparseVector) {
        self.term_ids(model, analyzer, vectorizer, text);
        vectorizer.transform_ids(&self.ids, &mut self.features, out);
    }
}

/// Longest word lowercased on the stack; longer ones take the general path.
const SHORT_WORD: usize = 48;

/// The ASCII-lowercased copy of `word` in `buf`, or `None` if it is not short ASCII.
#[inline]
fn lower_ascii<'b>(word: &[u8], buf: &'b mut [u8; SHORT_WORD]) -> Option<&'b [u8]> {
    if word.len() > SHORT_WORD {
        return None;
    }
    let mut high = 0u8;
    for (d, &b) in buf.iter_mut().zip(word) {
        high |= b;
        *d = b.to_ascii_lowercase();
    }
    (high < 0x80).then_some(&buf[..word.len()])
}

/// Equality of two byte strings of the same length, without a call for short ones.
#[inline]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    debug_assert_eq!(n, b.len());
    let w64 = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let w32 = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => w32(a, 0) == w32(b, 0) && w32(a, n - 4) == w32(b, n - 4),
        8..=16 => w64(a, 0) == w64(b, 0) && w64(a, n - 8) == w64(b, n - 8),
        _ => a == b,
    }
}

/// The slow path for a word not in the cache: the analyzer's stemming and the vocabulary lookup.
#[cold]
fn lookup_word(analyzer: &Analyzer, vectorizer: &Vectorizer, key: &[u8], stem: &mut String) -> WordEntry {
    // The key is a normalized word: valid UTF-8 by construction.
    let lower = std::str::from_utf8(key).unwrap_or_default();
    stem.clear();
    stem.push_str(NEGATION_PREFIX);
    let plain_start = stem.len();
    let mut plain = String::new();
    analyzer.stem_into(lower, &mut plain);
    stem.push_str(&plain);
    let term = vectorizer.term_id(&stem[plain_start..]);
    let neg_term = if analyzer.negation_scope() { vectorizer.term_id(stem) } else { UNKNOWN };
    WordEntry { term, neg_term, negator: is_negator(lower) }
}
