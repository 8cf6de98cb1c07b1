//! The tokenizer as it was before the ASCII fast path (as first committed), kept verbatim as the
//! reference the fast tokenizer must match token for token.

#![allow(dead_code)]

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
pub fn tokenize_into(text: &str, out: &mut Vec<RawToken>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut pending_break = true;
    while i < bytes.len() {
        let (c, len) = char_at(text, i);
        if is_word_char(c) {
            let end = word_end(text, i);
            out.push(RawToken { start: i, end, clause_start: pending_break });
            pending_break = false;
            i = end;
        } else {
            if is_clause_punct(c) {
                pending_break = true;
            }
            i += len;
        }
    }
}

/// Decodes the char starting at byte `i` (which must be a char boundary) and its length.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
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

