//! Word splitting with byte offsets. One pass over the bytes, with an ASCII fast path.
//!
//! Rules, chosen to match what a reader of news expects a "word" to be:
//! - letters, digits and combining marks of any script form words;
//! - an apostrophe (`'` or `’`) or hyphen between two word characters stays inside the word
//!   ("don't", "Ukraine’s", "long-range");
//! - a dot between digits, or a comma between digits, stays inside ("3.5", "1,200");
//! - dotted single-letter acronyms keep their dots, the final one included ("U.S.", "U.N.");
//! - everything else separates words; sentence and clause punctuation also marks a clause
//!   break, which the negation scope uses.

/// A word in the source text: its byte span, and whether clause punctuation came between it
/// and the previous word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawToken {
    pub start: usize,
    pub end: usize,
    pub clause_start: bool,
}

/// Appends the words of `text` to `out` (cleared first). Never panics; allocates only when `out`
/// must grow.
///
/// Block fast path: 64 bytes at a time are classified into bitmasks (`Block`: with AVX2 when the
/// CPU has it, else SSE2 on x86_64, else one byte at a time), and the words of the block are
/// walked with `trailing_zeros`, so the branches are per word rather than per byte. A run of ASCII letters and digits whose next byte cannot join it to more is a whole word;
/// a run that may join (see `Block::maybe_joins`), a word starting on a non-ASCII byte, and a run
/// longer than a block go through the general rules in `word_end`, exactly as before.
pub fn tokenize_into(text: &str, out: &mut Vec<RawToken>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = avx2::Avx2::detect() {
        avx2::tokenize_into(avx2, text, out);
        return;
    }
    tokenize_blocks(Baseline, text, out);
}

/// `tokenize_into` with the given classifier; inlined into one function per classifier, so that
/// the AVX2 one is compiled with AVX2 and BMI throughout.
#[inline(always)]
fn tokenize_blocks<C: Classify>(classifier: C, text: &str, out: &mut Vec<RawToken>) {
    out.clear();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut pending_break = true;
    // Bit k of the block's masks is byte `base + k`; bytes before `base + pos` are done.
    let mut base = 0;
    'blocks: while base < n {
        let block = Block::load(classifier, bytes, base);
        let in_word = block.alnum | block.joins();
        // Bytes past the end of the text are gaps too.
        let gaps = !in_word;
        if gaps == 0 {
            // 64 letters, digits and joiners from `base`, which starts a word: find its end the
            // bytewise way.
            let end = ascii_word_end(text, base, alnum_run_end(bytes, base + 1));
            out.push(RawToken { start: base, end, clause_start: pending_break });
            pending_break = false;
            base = end;
            continue;
        }
        // This block takes the words that start before its last gap byte, so that their ASCII
        // part ends within it; the next block starts at that byte (or at the end of a longer word
        // the general rules found).
        let last_gap = 63 - gaps.leading_zeros();
        let limit = last_gap.max(1);
        let maybe_joins = block.maybe_joins(base + 64 >= n);
        let ascii_gaps = gaps & !block.high;
        let clause = block.clause & gaps;
        // Where words start (the byte before is no part of a word; `base` never is inside one),
        // and every non-ASCII byte; both in the order they come.
        let mut todo = (block.alnum & !(in_word << 1) | block.high) & !(u64::MAX << limit);
        // `marks`: clause punctuation, and the pending break at `pos`. `breaks` has the bit of
        // each word start set when a mark is in the gap before it (see `breaks_before`).
        let mut marks = clause | pending_break as u64;
        let mut breaks = breaks_before(ascii_gaps, marks);
        let mut pos = 0u32;
        while todo != 0 {
            let s = todo.trailing_zeros();
            let clause_start = breaks >> s & 1 != 0;
            let (next, pending) = if block.high >> s & 1 != 0 {
                // A non-ASCII char between words: decode it and apply the general rules.
                let at = base + s as usize;
                let (c, len) = char_at(text, at);
                if is_word_char(c) {
                    let end = word_end(text, at);
                    out.push(RawToken { start: at, end, clause_start });
                    (end, false)
                } else {
                    (at + len, clause_start || is_clause_punct(c))
                }
            } else {
                // Never 64: the gap byte at `last_gap` comes after `s`.
                let e = (gaps & (u64::MAX << s)).trailing_zeros();
                let start = base + s as usize;
                if maybe_joins >> e & 1 == 0 {
                    out.push(RawToken { start, end: base + e as usize, clause_start });
                    todo &= todo - 1;
                    pos = e;
                    continue;
                }
                let end = ascii_word_end(text, start, base + e as usize);
                out.push(RawToken { start, end, clause_start });
                (end, false)
            };
            if next - base >= 64 {
                base = next;
                pending_break = pending;
                continue 'blocks;
            }
            // Go on from `next`, with the pending break there.
            pos = (next - base) as u32;
            let from = u64::MAX << pos;
            todo &= from;
            marks = clause & from | (pending as u64) << pos;
            breaks = breaks_before(ascii_gaps & from, marks);
        }
        // The rest of the block up to `limit` is gap (and `limit` is the next block's first byte).
        let end = limit.max(pos);
        pending_break = marks & (u64::MAX << pos) & (2u64 << end).wrapping_sub(1) != 0;
        base += end as usize;
    }
}

/// For each byte that is not a gap, whether a mark is in the run of gaps just before it (or on
/// itself): adding a mark inside a run of ones carries out of the run into the next byte, and
/// never further, as that byte's gap bit is clear. `marks` must be within `gaps`, but for a mark
/// on the byte where the count starts.
#[inline]
fn breaks_before(gaps: u64, marks: u64) -> u64 {
    gaps.wrapping_add(marks)
}

/// The end of the word starting at `start`, whose ASCII letters and digits, with any joiners
/// between them that `Block::joins` finds, end at `i`.
#[inline]
fn ascii_word_end(text: &str, start: usize, i: usize) -> usize {
    let bytes = text.as_bytes();
    if i < bytes.len() && ASCII_CLASS[bytes[i] as usize] == JOINER && !ascii_run_ends(bytes, start, i) {
        word_end(text, start)
    } else {
        i
    }
}

/// The classes of 64 bytes of text as bitmasks, bit k for byte k; bits past the end of the text
/// are clear in every mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    /// ASCII letters and digits.
    alnum: u64,
    /// Bytes >= 0x80.
    high: u64,
    /// ASCII clause punctuation: `;` `:` `!` `?` brackets, `"`, and `.` `,`.
    clause: u64,
    /// ASCII digits.
    digit: u64,
    /// `'` `-` `.` `,`.
    joiner: u64,
}

impl Block {
    /// Classifies `bytes[base..base + 64]`, or what is left of it.
    #[inline(always)]
    fn load<C: Classify>(classifier: C, bytes: &[u8], base: usize) -> Block {
        let n = bytes.len();
        if n >= 64 {
            // Near the end, classify the last 64 bytes and shift out the ones before `base`.
            let at = base.min(n - 64);
            let b = classifier.classify(bytes[at..at + 64].try_into().expect("64 bytes"));
            let k = (base - at) as u32;
            Block {
                alnum: b.alnum >> k,
                high: b.high >> k,
                clause: b.clause >> k,
                digit: b.digit >> k,
                joiner: b.joiner >> k,
            }
        } else {
            // Pad with spaces, which are in no mask.
            let mut buf = [b' '; 64];
            buf[..n - base].copy_from_slice(&bytes[base..]);
            classifier.classify(&buf)
        }
    }

    /// `.` and `,`: the joiners that are clause punctuation.
    #[inline]
    fn dot_comma(&self) -> u64 {
        self.joiner & self.clause
    }

    /// `'` and `-`.
    #[inline]
    fn apos_hyphen(&self) -> u64 {
        self.joiner & !self.clause
    }

    /// Joiners that certainly stay inside a word (given a word char before them, which the
    /// letters and digits on both sides make so): `'` or `-` between ASCII letters or digits,
    /// `.` or `,` between ASCII digits. `word_end` joins these before any other rule.
    #[inline]
    fn joins(&self) -> u64 {
        self.apos_hyphen() & (self.alnum << 1) & (self.alnum >> 1) | self.dot_comma() & (self.digit << 1) & (self.digit >> 1)
    }

    /// Bytes at which a word of ASCII letters, digits and `joins` that ends just before them
    /// might go on, or end elsewhere (a superset of where `ascii_run_ends` is false): non-ASCII
    /// bytes, `'` or `-` before a non-ASCII byte, `.` or `,` after a run of one (a dotted
    /// acronym), and, unless the text ends within the block, a joiner in the last byte, whose next
    /// byte is not in the block. Anything else after such a word ends it: `'` or `-` before an
    /// ASCII byte that is not a letter or digit (or the end), `.` or `,` not between digits.
    #[inline]
    fn maybe_joins(&self, ends_in_block: bool) -> u64 {
        let mut m = self.high | self.apos_hyphen() & (self.high >> 1) | self.dot_comma() & !(self.alnum << 2);
        if !ends_in_block {
            m |= (self.high | self.joiner) & (1 << 63);
        }
        m
    }

    /// One byte at a time; the portable path, and the check on the vector ones.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn classify_scalar(bytes: &[u8; 64]) -> Block {
        let mut b = Block { alnum: 0, high: 0, clause: 0, digit: 0, joiner: 0 };
        for (k, &c) in bytes.iter().enumerate() {
            let bit = 1u64 << k;
            let class = ASCII_CLASS[c as usize];
            if class == ALNUM {
                b.alnum |= bit;
            }
            if c >= 0x80 {
                b.high |= bit;
            }
            if class == CLAUSE || matches!(c, b'.' | b',') {
                b.clause |= bit;
            }
            if c.is_ascii_digit() {
                b.digit |= bit;
            }
            if matches!(c, b'\'' | b'-' | b'.' | b',') {
                b.joiner |= bit;
            }
        }
        b
    }
}

/// Turns 64 bytes into a `Block`.
trait Classify: Copy {
    fn classify(self, bytes: &[u8; 64]) -> Block;
}

/// The classifier every CPU of the target has: SSE2 on x86_64, one byte at a time elsewhere.
#[derive(Clone, Copy)]
struct Baseline;

impl Classify for Baseline {
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn classify(self, bytes: &[u8; 64]) -> Block {
        let mut b = Block { alnum: 0, high: 0, clause: 0, digit: 0, joiner: 0 };
        for k in 0..4 {
            let chunk: &[u8; 16] = bytes[16 * k..16 * k + 16].try_into().expect("16 bytes");
            let [alnum, high, clause, digit, joiner] = sse2::classify16(chunk);
            b.alnum |= (alnum as u64) << (16 * k);
            b.high |= (high as u64) << (16 * k);
            b.clause |= (clause as u64) << (16 * k);
            b.digit |= (digit as u64) << (16 * k);
            b.joiner |= (joiner as u64) << (16 * k);
        }
        b
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    fn classify(self, bytes: &[u8; 64]) -> Block {
        Block::classify_scalar(bytes)
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    /// The masks of `Block` for 16 bytes: alnum, high, clause, digit, joiner.
    #[inline]
    pub(super) fn classify16(bytes: &[u8; 16]) -> [u16; 5] {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads exactly the 16 bytes of
        // `bytes` and has no alignment requirement.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().cast());
            let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            // lo <= byte <= hi, for bytes of any value: shift the range to start at -128 and
            // compare signed.
            let in_range = |x: __m128i, lo: u8, hi: u8| {
                let shifted = _mm_add_epi8(x, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
                _mm_cmplt_epi8(shifted, _mm_set1_epi8((0x80u8 + (hi - lo + 1)) as i8))
            };
            let letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
            let digit = in_range(v, b'0', b'9');
            let alnum = _mm_or_si128(letter, digit);
            // `,` and `.` differ only in the 0x02 bit, and no other byte | 0x02 is `.`.
            let dot_comma = _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x02)), _mm_set1_epi8(b'.' as i8));
            let joiner = _mm_or_si128(_mm_or_si128(eq(b'\''), eq(b'-')), dot_comma);
            // `(` `)` and `:` `;` differ only in the low bit; `!` `"` are adjacent.
            let odd = _mm_or_si128(v, _mm_set1_epi8(1));
            let pairs = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(odd, _mm_set1_epi8(b')' as i8)), _mm_cmpeq_epi8(odd, _mm_set1_epi8(b';' as i8))),
                in_range(v, b'!', b'"'),
            );
            let singles = _mm_or_si128(_mm_or_si128(eq(b'?'), eq(b'[')), eq(b']'));
            let clause = _mm_or_si128(_mm_or_si128(pairs, singles), dot_comma);
            let mask = |x: __m128i| _mm_movemask_epi8(x) as u16;
            [mask(alnum), mask(v), mask(clause), mask(digit), mask(joiner)]
        }
    }
}

/// AVX2, chosen at run time: 32 bytes at a time, each byte's classes looked up by its two
/// nibbles; and the whole tokenizer compiled with BMI.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use core::arch::x86_64::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::{Block, Classify, RawToken};

    /// Proof that the CPU has the features below: made only by `detect`.
    #[derive(Clone, Copy)]
    pub(super) struct Avx2(());

    impl Avx2 {
        #[inline]
        pub(super) fn detect() -> Option<Avx2> {
            // 0: not asked yet, 1: yes, 2: no.
            static HAS: AtomicU8 = AtomicU8::new(0);
            let has = match HAS.load(Ordering::Relaxed) {
                0 => {
                    let yes = is_x86_feature_detected!("avx2")
                        && is_x86_feature_detected!("bmi1")
                        && is_x86_feature_detected!("bmi2")
                        && is_x86_feature_detected!("lzcnt");
                    HAS.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
                    yes
                }
                h => h == 1,
            };
            has.then_some(Avx2(()))
        }
    }

    pub(super) fn tokenize_into(avx2: Avx2, text: &str, out: &mut Vec<RawToken>) {
        // SAFETY: `avx2` exists, so the CPU has these features.
        unsafe { tokenize_with_features(avx2, text, out) }
    }

    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt")]
    unsafe fn tokenize_with_features(avx2: Avx2, text: &str, out: &mut Vec<RawToken>) {
        super::tokenize_blocks(avx2, text, out);
    }

    impl Classify for Avx2 {
        #[inline(always)]
        fn classify(self, bytes: &[u8; 64]) -> Block {
            // SAFETY: `self` exists, so the CPU has AVX2.
            unsafe {
                let [a0, h0, c0, d0, j0] = classify32(bytes[..32].try_into().expect("32 bytes"));
                let [a1, h1, c1, d1, j1] = classify32(bytes[32..].try_into().expect("32 bytes"));
                let join = |lo: u32, hi: u32| lo as u64 | (hi as u64) << 32;
                Block { alnum: join(a0, a1), high: join(h0, h1), clause: join(c0, c1), digit: join(d0, d1), joiner: join(j0, j1) }
            }
        }
    }

    // Classes of a byte, as bits: each is a set of low nibbles times a set of high nibbles, so
    // a byte's classes are LOW[low nibble] & HIGH[high nibble].
    /// `A`-`O`, `a`-`o` (high nibble 4 or 6, low 1-F).
    const LETTER_1: u8 = 0x01;
    /// `P`-`Z`, `p`-`z` (high nibble 5 or 7, low 0-A).
    const LETTER_2: u8 = 0x02;
    /// `!` `"` `(` `)` `,` `.`
    const CLAUSE_2: u8 = 0x04;
    /// `:` `;` `?`
    const CLAUSE_3: u8 = 0x08;
    /// `[` `]`
    const CLAUSE_5: u8 = 0x10;
    /// `0`-`9`: bit 6, which an add moves to the top bit.
    const DIGIT: u8 = 0x40;
    /// `'` `-` `.` `,`: the top bit, for movemask.
    const JOINER: u8 = 0x80;

    const LOW: [u8; 16] = {
        let mut t = [0u8; 16];
        let mut lo = 0;
        while lo < 16 {
            let mut c = 0;
            if lo >= 0x1 {
                c |= LETTER_1;
            }
            if lo <= 0xA {
                c |= LETTER_2;
            }
            if lo <= 0x9 {
                c |= DIGIT;
            }
            if matches!(lo, 0x1 | 0x2 | 0x8 | 0x9 | 0xC | 0xE) {
                c |= CLAUSE_2;
            }
            if matches!(lo, 0xA | 0xB | 0xF) {
                c |= CLAUSE_3;
            }
            if matches!(lo, 0xB | 0xD) {
                c |= CLAUSE_5;
            }
            if matches!(lo, 0x7 | 0xC | 0xD | 0xE) {
                c |= JOINER;
            }
            t[lo] = c;
            lo += 1;
        }
        t
    };

    const HIGH: [u8; 16] = {
        let mut t = [0u8; 16];
        t[0x2] = CLAUSE_2 | JOINER;
        t[0x3] = DIGIT | CLAUSE_3;
        t[0x4] = LETTER_1;
        t[0x5] = LETTER_2 | CLAUSE_5;
        t[0x6] = LETTER_1;
        t[0x7] = LETTER_2;
        t
    };

    /// The masks of `Block` for 32 bytes: alnum, high, clause, digit, joiner.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn classify32(bytes: &[u8; 32]) -> [u32; 5] {
        let v = _mm256_loadu_si256(bytes.as_ptr().cast());
        let table = |t: &[u8; 16]| _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast()));
        let nibble = _mm256_set1_epi8(0x0F);
        let lo = _mm256_and_si256(v, nibble);
        let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble);
        // Bytes >= 0x80 have a high nibble of 8-F, which is in no class.
        let classes = _mm256_and_si256(_mm256_shuffle_epi8(table(&LOW), lo), _mm256_shuffle_epi8(table(&HIGH), hi));
        // A nonzero value below 0x80, plus 0x7F, has the top bit set.
        let any = |bits: u8| _mm256_add_epi8(_mm256_and_si256(classes, _mm256_set1_epi8(bits as i8)), _mm256_set1_epi8(0x7F));
        let mask = |x: __m256i| _mm256_movemask_epi8(x) as u32;
        [
            mask(any(LETTER_1 | LETTER_2 | DIGIT)),
            mask(v),
            mask(any(CLAUSE_2 | CLAUSE_3 | CLAUSE_5)),
            mask(_mm256_add_epi8(classes, classes)),
            mask(classes),
        ]
    }
}

/// The end of the run of ASCII letters and digits starting at `i`: eight bytes per step.
#[inline]
fn alnum_run_end(bytes: &[u8], mut i: usize) -> usize {
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let stop = not_alnum(x);
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && ASCII_CLASS[bytes[i] as usize] == ALNUM {
        i += 1;
    }
    i
}

/// The high bit of each byte of `x` that is not an ASCII letter or digit.
#[inline]
fn not_alnum(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // On the low seven bits no byte carries into the next; bytes >= 0x80 are excluded at the end.
    let low = x & !HIGH;
    // High bit set where lo <= byte <= hi.
    let in_range = |v: u64, lo: u64, hi: u64| v.wrapping_add(ONES * (0x80 - lo)) & !v.wrapping_add(ONES * (0x7f - hi)) & HIGH;
    let digit = in_range(low, b'0' as u64, b'9' as u64);
    let letter = in_range(low | (ONES * 0x20), b'a' as u64, b'z' as u64);
    !(digit | letter) & HIGH | (x & HIGH)
}

/// Whether the word `bytes[start..i]` (ASCII letters and digits, with any `Block::joins`) ends at `i`, where `bytes[i]`
/// is a JOINER: the common cases of `word_end`'s rules, decided without decoding. `false` means
/// "ask `word_end`", not "the word goes on".
#[inline]
fn ascii_run_ends(bytes: &[u8], start: usize, i: usize) -> bool {
    let next = bytes.get(i + 1).copied();
    match bytes[i] {
        // Inside a number ("3.5", "1,200") only between digits; "." also in dotted acronyms,
        // which only a one-letter run can start.
        b',' | b'.' => {
            let between_digits = bytes[i - 1].is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit());
            !between_digits && (bytes[i] == b',' || i - start >= 2)
        }
        // Apostrophe and hyphen join only when a word char follows; an ASCII non-alphanumeric
        // byte (or the end) is not one.
        b'\'' | b'-' => next.is_none_or(|n| n < 0x80 && !n.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// Byte classes of the ASCII fast path.
const SEPARATOR: u8 = 0;
const ALNUM: u8 = 1;
/// Clause punctuation that cannot join words (`;` `:` `!` `?` brackets, `"`).
const CLAUSE: u8 = 2;
/// Bytes that may continue a word or need the general rules: `'` `-` `.` `,` and every byte
/// >= 0x80 (the start or continuation of a multi-byte char).
const JOINER: u8 = 3;

static ASCII_CLASS: [u8; 256] = {
    let mut t = [SEPARATOR; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 || matches!(c, b'\'' | b'-' | b'.' | b',') {
            JOINER
        } else if c.is_ascii_alphanumeric() {
            ALNUM
        } else if matches!(c, b';' | b':' | b'!' | b'?' | b'(' | b')' | b'[' | b']' | b'"') {
            CLAUSE
        } else {
            SEPARATOR
        };
        b += 1;
    }
    t
};

/// Decodes the char starting at byte `i` (which must be a char boundary) and its length.
#[inline]
pub(crate) fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (b as char, 1);
    }
    // Safe: `i` is always a char boundary; the fallback is unreachable in practice.
    match text[i..].chars().next() {
        Some(c) => (c, c.len_utf8()),
        None => ('\u{FFFD}', 1),
    }
}

/// The char just after byte `i`, if any.
#[inline]
fn peek(text: &str, i: usize) -> Option<char> {
    if i < text.len() {
        Some(char_at(text, i).0)
    } else {
        None
    }
}

/// Finds where the word starting at `start` ends, applying the joining rules.
fn word_end(text: &str, start: usize) -> usize {
    let mut i = start;
    let mut prev = '\0';
    // Acronym state: the word so far is single letters separated by dots ("U", "U.S").
    let mut letters_in_segment = 0usize;
    let mut acronym_ok = true;
    let mut has_acronym_dot = false;
    while i < text.len() {
        let (c, len) = char_at(text, i);
        if is_word_char(c) {
            if c.is_alphabetic() {
                letters_in_segment += 1;
                if letters_in_segment > 1 {
                    acronym_ok = false;
                }
            } else {
                acronym_ok = false;
            }
            prev = c;
            i += len;
            continue;
        }
        let next = peek(text, i + len);
        let next_is_word = next.is_some_and(is_word_char);
        match c {
            '\'' | '\u{2019}' | '-' | '\u{2010}' | '\u{2011}' if next_is_word && is_word_char(prev) => {
                acronym_ok = false;
            }
            '.' | ',' if prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()) => {
                acronym_ok = false;
            }
            '.' if acronym_ok && letters_in_segment == 1 => {
                // "U.S": a single letter, a dot, then a single letter followed by a dot.
                let after = next.map(|n| (n, i + len + n.len_utf8()));
                match after {
                    Some((n, j)) if n.is_alphabetic() && peek(text, j) == Some('.') => {
                        has_acronym_dot = true;
                        letters_in_segment = 0;
                    }
                    _ => {
                        if has_acronym_dot {
                            return i + len; // keep the final dot of "U.S."
                        }
                        return i;
                    }
                }
            }
            _ => return i,
        }
        prev = c;
        i += len;
    }
    i
}

/// Letters, digits and combining marks of any script.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // Dashes, quotes and dots of General Punctuation, common in news: none is a letter, digit
    // or mark, and this spares the Unicode table lookups.
    if ('\u{2010}'..='\u{2027}').contains(&c) {
        return false;
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Combining marks (Unicode category M) of the scripts news is written in, so that words in
/// Devanagari, Arabic, Thai, Hebrew and accented Latin stay whole.
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
        | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963
        | 0x0981..=0x0983 | 0x09BC..=0x09D7 | 0x0A01..=0x0A03 | 0x0A3C..=0x0A51
        | 0x0B01..=0x0B03 | 0x0BBE..=0x0BCD | 0x0C00..=0x0C04 | 0x0D00..=0x0D03
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0EB1 | 0x0EB4..=0x0EBC
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200D | 0x20D0..=0x20FF
        | 0x302A..=0x302F | 0x3099..=0x309A | 0xFE20..=0xFE2F)
}

/// Punctuation that ends a clause, and so ends a negation scope.
#[inline]
fn is_clause_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '"' | '\u{201C}' | '\u{201D}'
            | '\u{2014}' | '\u{2013}' | '\u{2026}' | '\u{3002}' | '\u{FF01}' | '\u{FF1F}' | '\u{FF0C}'
            | '\u{060C}' | '\u{061F}' | '\u{0964}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(&str, usize, usize)> {
        let mut out = Vec::new();
        tokenize_into(text, &mut out);
        out.iter().map(|t| (&text[t.start..t.end], t.start, t.end)).collect()
    }

    #[test]
    fn keeps_offsets_of_plain_words() {
        assert_eq!(words("Talks resume"), vec![("Talks", 0, 5), ("resume", 6, 12)]);
    }

    #[test]
    fn joins_apostrophes_and_hyphens_inside_words() {
        let w: Vec<_> = words("Kyiv don't want long-range Ukraine’s allies' -x").into_iter().map(|t| t.0).collect();
        assert_eq!(w, vec!["Kyiv", "don't", "want", "long-range", "Ukraine’s", "allies", "x"]);
    }

    #[test]
    fn keeps_dotted_acronyms_with_final_dot() {
        let w = words("the U.S. and U.N. said");
        assert_eq!(w[1], ("U.S.", 4, 8));
        assert_eq!(w[3], ("U.N.", 13, 17));
        assert_eq!(w[4].0, "said");
    }

    #[test]
    fn a_lone_initial_or_abbreviation_is_not_an_acronym() {
        let w: Vec<_> = words("Lt. Gen. J. Smith").into_iter().map(|t| t.0).collect();
        assert_eq!(w, vec!["Lt", "Gen", "J", "Smith"]);
    }

    #[test]
    fn keeps_decimals_and_thousands() {
        let w: Vec<_> = words("3.5 percent of 1,200 troops, 2022.").into_iter().map(|t| t.0).collect();
        assert_eq!(w, vec!["3.5", "percent", "of", "1,200", "troops", "2022"]);
    }

    #[test]
    fn marks_clause_breaks() {
        let mut out = Vec::new();
        tokenize_into("not now, later", &mut out);
        let flags: Vec<bool> = out.iter().map(|t| t.clause_start).collect();
        assert_eq!(flags, vec![true, false, true]);
    }

    #[test]
    fn handles_non_latin_scripts_with_byte_offsets() {
        let text = "Москва заявила: नमस्ते عالم";
        let w = words(text);
        assert_eq!(w[0], ("Москва", 0, 12));
        assert_eq!(w[1].0, "заявила");
        assert_eq!(w[2].0, "नमस्ते");
        assert_eq!(w[3].0, "عالم");
        assert!(w[2].1 > w[1].2);
    }

    #[test]
    fn ignores_emoji_and_symbols() {
        assert_eq!(words("🔥🔥 !!! ..."), vec![]);
        assert_eq!(words("peace🕊now").into_iter().map(|t| t.0).collect::<Vec<_>>(), vec!["peace", "now"]);
    }

    #[test]
    fn swar_alnum_test_agrees_with_the_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                let stop = not_alnum(u64::from_le_bytes(w));
                let expect = if ASCII_CLASS[b as usize] == ALNUM { 0 } else { 0x80u64 << (8 * pos) };
                assert_eq!(stop, expect, "byte {b:#x} at {pos}");
            }
        }
    }

    /// The tokenizer before the block fast path: one table lookup per byte between words.
    fn tokenize_bytewise(text: &str, out: &mut Vec<RawToken>) {
        out.clear();
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut pending_break = true;
        while i < bytes.len() {
            let class = ASCII_CLASS[bytes[i] as usize];
            if class == ALNUM {
                let start = i;
                let end = ascii_word_end(text, start, alnum_run_end(bytes, i + 1));
                out.push(RawToken { start, end, clause_start: pending_break });
                pending_break = false;
                i = end;
            } else if class != JOINER {
                pending_break |= class == CLAUSE;
                i += 1;
            } else {
                let (c, len) = char_at(text, i);
                if is_word_char(c) {
                    let end = word_end(text, i);
                    out.push(RawToken { start: i, end, clause_start: pending_break });
                    pending_break = false;
                    i = end;
                } else {
                    pending_break |= is_clause_punct(c);
                    i += len;
                }
            }
        }
    }

    #[test]
    fn vector_classes_agree_with_the_scalar_ones() {
        for b in 0..=255u8 {
            for pos in 0..64 {
                let mut w = [b'a'; 64];
                w[pos] = b;
                w[(pos + 17) % 64] = b.wrapping_add(pos as u8);
                assert_eq!(Baseline.classify(&w), Block::classify_scalar(&w), "byte {b:#x} at {pos}");
                #[cfg(target_arch = "x86_64")]
                if let Some(avx2) = avx2::Avx2::detect() {
                    assert_eq!(avx2.classify(&w), Block::classify_scalar(&w), "byte {b:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn a_word_that_maybe_joins_does_not_flag_ends_where_word_end_does() {
        let alphabet: Vec<char> = "aZ09 .,'-’é!".chars().collect();
        let mut rng = crate::util::SplitMix64::new(11);
        for _ in 0..20_000 {
            let n = 60 + rng.below(10) as usize;
            let text: String = (0..n).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
            let bytes = text.as_bytes();
            let block = Block::load(Baseline, bytes, 0);
            let (in_word, m) = (block.alnum | block.joins(), block.maybe_joins(64 >= bytes.len()));
            for s in 0..64 {
                // Words start after a byte that is not a letter or digit.
                if block.alnum >> s & 1 == 0 || s > 0 && block.alnum >> (s - 1) & 1 != 0 {
                    continue;
                }
                let rest = !in_word & (u64::MAX << s);
                let e = rest.trailing_zeros();
                if rest != 0 && m >> e & 1 == 0 {
                    assert_eq!(word_end(&text, s as usize), e as usize, "{text:?} from {s}");
                }
                if rest != 0 {
                    assert_eq!(ascii_word_end(&text, s as usize, e as usize), word_end(&text, s as usize), "{text:?} from {s}");
                }
            }
        }
    }

    /// Long random texts, so that words, joiners and non-ASCII chars fall on every block boundary
    /// and in the shifted last block.
    #[test]
    fn block_walk_matches_the_bytewise_walk() {
        let alphabet: Vec<char> = "aaaaaZZ0009     .,'-’‐‑!?;:()[]\"“”—…éßİΣ中\u{301}🕊\t\n_".chars().collect();
        let mut rng = crate::util::SplitMix64::new(3);
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for round in 0..30_000 {
            let n = rng.below(if round % 2 == 0 { 80 } else { 300 }) as usize;
            let mut text: String = (0..n).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
            if round % 7 == 0 {
                // Long runs: words of 64 bytes and more.
                let run = "x".repeat(rng.below(140) as usize);
                let at = (0..=text.len()).filter(|&k| text.is_char_boundary(k)).nth(rng.below(8) as usize).unwrap_or(0);
                text.insert_str(at, &run);
            }
            tokenize_bytewise(&text, &mut slow);
            tokenize_into(&text, &mut fast);
            assert_eq!(fast, slow, "{text:?}");
            tokenize_blocks(Baseline, &text, &mut fast);
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn general_punctuation_shortcut_agrees_with_the_tables() {
        for c in '\u{2010}'..='\u{2027}' {
            assert!(!(c.is_alphanumeric() || is_combining_mark(c)), "{c:?}");
            assert!(!is_word_char(c));
        }
    }

    #[test]
    fn never_splits_inside_a_char() {
        let text = "é’a-—b.'’";
        let mut out = Vec::new();
        tokenize_into(text, &mut out);
        for t in &out {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
    }
}
