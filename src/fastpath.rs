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

/// A cache key: the normalized word's bytes. Words of at most 16 bytes (nearly all) are held
/// inline as two zero-padded little-endian words, so a hit compares two integers and touches one
/// slot; longer words are compared against a copy in the cache's arena.
#[derive(Debug, Clone, Copy)]
struct Key<'a> {
    lo: u64,
    hi: u64,
    bytes: &'a [u8],
}

const INLINE: usize = 16;

impl<'a> Key<'a> {
    #[inline]
    fn new(bytes: &'a [u8]) -> Self {
        if bytes.len() > INLINE {
            return Key { lo: 0, hi: 0, bytes };
        }
        let mut buf = [0u8; INLINE];
        buf[..bytes.len()].copy_from_slice(bytes);
        Key::from_words(u64::from_le_bytes(buf[..8].try_into().expect("8")), u64::from_le_bytes(buf[8..].try_into().expect("8")), bytes)
    }
    #[inline]
    fn from_words(lo: u64, hi: u64, bytes: &'a [u8]) -> Self {
        Key { lo, hi, bytes }
    }
    #[inline]
    fn hash(&self) -> u64 {
        let n = self.bytes.len() as u64;
        if self.bytes.len() > INLINE {
            return hash_bytes(self.bytes);
        }
        let h = (n.wrapping_mul(K) ^ self.lo).wrapping_mul(K);
        let h = (h.rotate_left(23) ^ self.hi).wrapping_mul(K);
        h ^ (h >> 32)
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Inline key bytes, or (`lo`) the arena offset of a long key.
    lo: u64,
    hi: u64,
    /// High bits of the hash with the lowest bit set; 0 marks an empty slot.
    tag: u32,
    len: u32,
    term: u32,
    /// Term id of the negated form; the top bit says the word is a negator.
    neg_term: u32,
}

const NEGATOR_BIT: u32 = 1 << 31;

/// Open-addressing (linear probing) map from normalized words to [`WordEntry`].
#[derive(Debug, Default)]
pub(crate) struct WordCache {
    slots: Vec<Slot>,
    /// Bytes of the keys longer than [`INLINE`].
    long_keys: Vec<u8>,
    len: usize,
}

#[inline]
fn tag_of(hash: u64) -> u32 {
    (hash >> 32) as u32 | 1
}

impl WordCache {
    #[inline(always)]
    fn get(&self, key: &Key<'_>, hash: u64) -> Option<WordEntry> {
        let mask = self.slots.len().wrapping_sub(1);
        let tag = tag_of(hash);
        let len = key.bytes.len() as u32;
        let mut i = hash as usize & mask;
        let inline = key.bytes.len() <= INLINE;
        loop {
            let s = self.slots.get(i)?; // no slots yet: nothing cached
            // Short keys (nearly all) compare whole in one branch; `&`, not `&&`, so there is
            // one branch to predict instead of three.
            let hit = if inline { (s.lo == key.lo) & (s.hi == key.hi) & (s.len == len) } else { s.tag == tag && s.len == len && self.same_key(s, key) };
            if hit {
                let neg = s.neg_term & !NEGATOR_BIT;
                return Some(WordEntry {
                    term: s.term,
                    neg_term: if neg == !NEGATOR_BIT { UNKNOWN } else { neg },
                    negator: s.neg_term & NEGATOR_BIT != 0,
                });
            }
            if s.tag == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Starts loading the slot a key with this hash probes first (a hint; no effect on results).
    #[inline]
    fn prefetch(&self, hash: u64) {
        if !self.slots.is_empty() {
            crate::fasthash::prefetch(&self.slots, hash as usize & (self.slots.len() - 1));
        }
    }

    #[inline]
    fn same_key(&self, s: &Slot, key: &Key<'_>) -> bool {
        if key.bytes.len() <= INLINE {
            s.lo == key.lo && s.hi == key.hi
        } else {
            let start = s.lo as usize;
            &self.long_keys[start..start + key.bytes.len()] == key.bytes
        }
    }

    fn insert(&mut self, key: &Key<'_>, hash: u64, e: WordEntry) {
        let long = key.bytes.len() > INLINE;
        if self.len >= CACHE_MAX_WORDS || (long && self.long_keys.len() + key.bytes.len() > CACHE_MAX_KEY_BYTES) {
            self.clear();
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let (lo, hi) = if long {
            let at = self.long_keys.len() as u64;
            self.long_keys.extend_from_slice(key.bytes);
            (at, 0)
        } else {
            (key.lo, key.hi)
        };
        // Term ids stay below 2^21, so the top bit is free for the negator flag.
        let neg = if e.neg_term == UNKNOWN { !NEGATOR_BIT } else { e.neg_term };
        let slot = Slot {
            lo,
            hi,
            tag: tag_of(hash),
            len: key.bytes.len() as u32,
            term: e.term,
            neg_term: neg | if e.negator { NEGATOR_BIT } else { 0 },
        };
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        while self.slots[i].tag != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.len += 1;
    }

    fn grow(&mut self) {
        let new_len = (self.slots.len() * 2).max(CACHE_MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); new_len]);
        let mask = new_len - 1;
        for s in old.into_iter().filter(|s| s.tag != 0) {
            let bytes: &[u8] = if s.len as usize > INLINE {
                &self.long_keys[s.lo as usize..s.lo as usize + s.len as usize]
            } else {
                &[]
            };
            let hash = if s.len as usize > INLINE {
                hash_bytes(bytes)
            } else {
                let mut buf = [0u8; INLINE];
                buf[..8].copy_from_slice(&s.lo.to_le_bytes());
                buf[8..].copy_from_slice(&s.hi.to_le_bytes());
                Key::from_words(s.lo, s.hi, &buf[..s.len as usize]).hash()
            };
            let mut i = hash as usize & mask;
            while self.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Forgets every word, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| s.tag = 0);
        self.long_keys.clear();
        self.len = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// A word's inline cache key and hash, computed ahead of its lookup.
#[derive(Debug, Clone, Copy)]
struct TokenKey {
    lo: u64,
    hi: u64,
    hash: u64,
    /// Short ASCII word: `lo`/`hi`/`hash` are its key; otherwise computed at lookup.
    ascii: bool,
}

/// Per-worker buffers of the fast path (lives inside [`crate::Workspace`]).
#[derive(Debug, Default)]
pub(crate) struct FastScratch {
    /// Id of the pipeline whose term ids the cache holds (0: none yet).
    model: u64,
    pub(crate) cache: WordCache,
    raw: Vec<RawToken>,
    keys: Vec<TokenKey>,
    ids: Vec<u32>,
    features: Vec<u32>,
    lower: String,
    stem: String,
    padded: Vec<u8>,
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
        let bytes = text.as_bytes();
        // Pass 1: the cache key and hash of every ASCII word, starting to load its slot, so the
        // memory latency of the lookups overlaps instead of adding up. Keys take two 8-byte loads
        // from a copy of the text padded with 16 zero bytes (no end-of-text case per word).
        self.padded.clear();
        self.padded.extend_from_slice(bytes);
        self.padded.extend_from_slice(&[0; INLINE]);
        let keyed = &self.padded[..];
        // Sized up front and filled through zipped iterators: no capacity or bounds checks.
        let n = self.raw.len();
        self.keys.resize(n, TokenKey { lo: 0, hi: 0, hash: 0, ascii: false });
        self.ids.resize(n, UNKNOWN);
        for (raw, slot) in self.raw.iter().zip(self.keys.iter_mut()) {
            let (key, ascii) = ascii_key(keyed, raw.start, &bytes[raw.start..raw.end]);
            let hash = if ascii { key.hash() } else { 0 };
            if ascii {
                self.cache.prefetch(hash);
            }
            *slot = TokenKey { lo: key.lo, hi: key.hi, hash, ascii };
        }
        // Pass 2: look them up.
        let negation_scope = analyzer.negation_scope();
        let mut negated = false;
        for ((raw, k), id) in self.raw.iter().zip(&self.keys).zip(self.ids.iter_mut()) {
            negated &= !raw.clause_start;
            let word = &bytes[raw.start..raw.end];
            // The cache key is the normalized word: lowercased bytes for ASCII (the usual case,
            // lowercased eight bytes at a time), the analyzer's own normalization otherwise.
            let (key, hash) = if k.ascii {
                (Key::from_words(k.lo, k.hi, word), k.hash)
            } else {
                normalize(&text[raw.start..raw.end], &mut self.lower);
                let key = Key::new(self.lower.as_bytes());
                (key, key.hash())
            };
            let entry = match self.cache.get(&key, hash) {
                Some(e) => e,
                None => {
                    let lower = if k.ascii { String::from_utf8(word.to_ascii_lowercase()).unwrap_or_default() } else { self.lower.clone() };
                    let e = lookup_word(analyzer, vectorizer, lower.as_bytes(), &mut self.stem);
                    self.cache.insert(&Key::new(lower.as_bytes()), hash, e);
                    e
                }
            };
            *id = if negated { entry.neg_term } else { entry.term };
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

/// `KEY_MASKS[n]`: the bits of the first `n` bytes of a 16-byte little-endian (lo, hi) pair
/// (a table, not a branch on the length, which the CPU cannot predict).
static KEY_MASKS: [(u64, u64); INLINE + 1] = {
    let mut t = [(0u64, 0u64); INLINE + 1];
    let mut n = 1;
    while n <= INLINE {
        t[n] = if n < 8 { ((1u64 << (8 * n)) - 1, 0) } else if n == 8 { (!0, 0) } else if n < 16 { (!0, (1u64 << (8 * (n - 8))) - 1) } else { (!0, !0) };
        n += 1;
    }
    t
};

/// The cache key of an ASCII word, lowercased; `ascii` false when the word has other bytes
/// (then the key is not meaningful). `padded[start..]` begins with `word` and has at least
/// [`INLINE`] bytes, so two 8-byte loads never run off the end.
#[inline]
fn ascii_key<'a>(padded: &[u8], start: usize, word: &'a [u8]) -> (Key<'a>, bool) {
    let n = word.len();
    if n > INLINE {
        return (Key::new(word), false);
    }
    let b = &padded[start..start + INLINE];
    let (lo, hi) = (u64::from_le_bytes(b[..8].try_into().expect("8")), u64::from_le_bytes(b[8..].try_into().expect("8")));
    let (lo_mask, hi_mask) = KEY_MASKS[n];
    let (lo, hi) = (lo & lo_mask, hi & hi_mask);
    let ascii = (lo | hi) & 0x8080_8080_8080_8080 == 0;
    (Key::from_words(lower_word(lo), lower_word(hi), word), ascii)
}

/// ASCII lowercase of eight bytes at once (bytes must be ASCII).
#[inline]
fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // High bit of each byte: byte >= 'A', and byte > 'Z'.
    let ge_a = x.wrapping_add(ONES * (0x80 - b'A' as u64));
    let gt_z = x.wrapping_add(ONES * (0x7f - b'Z' as u64));
    let upper = ge_a & !gt_z & (ONES * 0x80);
    x | (upper >> 2)
}

/// The slow path for a word not in the cache: the analyzer's stemming and the vocabulary lookup.
#[cold]
fn lookup_word(analyzer: &Analyzer, vectorizer: &Vectorizer, key: &[u8], stem: &mut String) -> WordEntry {
    // The key is a normalized word: valid UTF-8 by construction.
    let lower = std::str::from_utf8(key).unwrap_or_default();
    analyzer.stem_into(lower, stem);
    let term = vectorizer.term_id(stem);
    let neg_term = if analyzer.negation_scope() {
        stem.insert_str(0, NEGATION_PREFIX);
        vectorizer.term_id(stem)
    } else {
        UNKNOWN
    };
    WordEntry { term, neg_term, negator: is_negator(lower) }
}
