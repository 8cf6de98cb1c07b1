//! A small, fast, non-cryptographic hash for the hot loop's id maps (FxHash, as used inside
//! rustc, with a final rotation so hash tables that index by the low bits see well-mixed bits).
//!
//! The maps it serves are keyed by model content (feature strings, packed term ids) or by words
//! of the scored text; the word cache is bounded in size, so a hostile input can slow a worker
//! down with collisions but cannot exhaust memory.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0xf135_7aea_2e62_a9c5;

/// FxHash-style hasher: one multiply per 8 bytes of input.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.hash = self.hash.wrapping_add(hash_bytes(bytes));
        self.add(0);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The product's high bits are the well-mixed ones; hashbrown indexes by the low bits.
        self.hash.rotate_left(26)
    }
}

/// Hash of a byte string, 8 bytes per step (little-endian loads), length mixed in.
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    // Fold the high bits down so both ends of the result are usable.
    h ^ (h >> 29)
}

/// Starts loading `slice[i]` into the cache (a hint: no effect on results; an out-of-range `i`
/// prefetches the last element). Lets the hot loop overlap the memory latency of lookups it
/// knows it will make. No branch: callers pass "not found" ids often and unpredictably.
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let i = i.min(slice.len().saturating_sub(1));
        // SAFETY: prefetching is only a hint and never faults; the offset stays within the
        // slice (or is 0 for an empty one), so the pointer arithmetic is in bounds.
        unsafe { core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(slice.as_ptr().add(i) as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bytes_hash_equal_and_lengths_differ() {
        assert_eq!(hash_bytes(b"attack"), hash_bytes(b"attack"));
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
    }

    #[test]
    fn packed_keys_spread_over_low_bits() {
        // Bigram keys that share their first term must not share their low bits.
        let mut seen = std::collections::HashSet::new();
        for second in 0..1024u64 {
            let key = 5 | ((second + 1) << 21);
            let mut h = FxHasher::default();
            h.write_u64(key);
            seen.insert(h.finish() & 1023);
        }
        assert!(seen.len() > 500, "only {} distinct low-bit buckets", seen.len());
    }
}
