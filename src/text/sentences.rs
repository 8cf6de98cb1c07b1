//! Sentence segmentation for English news text (module `text::sentences`).
//!
//! Self-contained, `std` only. The splitter works in one forward pass over the bytes with an
//! ASCII / plain-UTF-8 fast path. All look-behind and look-ahead is bounded (a few dozen
//! bytes) or covers bytes that are passed only a fixed number of times, so the cost is
//! linear in the input even for a 50 MB single line.
//!
//! # Rules
//!
//! * **Line breaks.** Every line break (`\n`, `\r`, `\r\n`, VT, FF, NEL, U+2028, U+2029) ends
//!   the current sentence; in news plain text a line is a paragraph, headline or bullet.
//!   Blank / whitespace-only lines produce nothing.
//! * **Bullets.** A marker at the start of a line (`- `, `* `, `• `, `– `, `‣ `, `◦ `, `▪ `,
//!   `● `, `1. `, `12) `; up to three digits) followed by whitespace and more text is stripped
//!   from the span.
//! * **Terminators.** A run of `.` `!` `?` `…` (also `‼ ⁇ ⁈ ⁉`, Arabic `؟ ۔`, Devanagari `।`),
//!   plus any closing quotes / brackets right after it, ends a sentence when it is followed
//!   by whitespace (on the same line) and then a *starter*: a letter that is not lowercase
//!   (uppercase, titlecase, or an uncased script such as CJK or Arabic), a digit, an opening
//!   quote / bracket, `¿ ¡`, or a currency sign (`$ £ € ¥`). Closing quotes and brackets stay
//!   with the sentence they close.
//! * **CJK.** `。！？｡` (plus closers) end a sentence whatever follows; no space is needed.
//! * **Abbreviations** (only for a single `.` directly after the word, with no closing quote):
//!   - never split after titles (`Mr. Dr. Gen. Lt. Sen. St. ...`) and `vs. v. e.g. i.e.
//!     approx. est. Fig. Mt. Ft. cf.`; all-caps titles (`MR.`, `GEN.`) count too;
//!   - `No.` / `Nos.` split unless the next token is a digit (`No. 2` vs `"No. We won't."`);
//!   - dotted acronyms and initials (`U.S.`, `D.C.`, `J.R.R.`, `J.`, `a.m.`), months
//!     (`Jan.`...`Dec.`, `Sept.`), company / name suffixes (`Inc. Ltd. Corp. Co. Jr. Sr.`),
//!     `et al.` and AP state abbreviations (`Calif.`, `Mass.`, ...) split **only** when the next
//!     word is one of a short list of function words (`The A An He She It They We I But And
//!     This That These Those There However Meanwhile In On At After Before When While If As`)
//!     not itself followed by `.` (so `J. A. Smith` stays whole);
//!   - `etc.` is treated as an ordinary word: it splits before any starter.
//! * Decimals, versions, times, URLs and e-mails never split because the `.` is not followed
//!   by whitespace. Dashes never split.
//! * A run of terminators at the very start of a sentence never splits it off on its own
//!   (`"... And then"` stays one sentence).
//!
//! # Known ambiguities (deliberate)
//!
//! * `the U.S. Officials said` / `Plan B. Researchers found` do not split (the next word is not
//!   a function word); `in the U.S. The` does.
//! * A nested quote that ends in a terminator is split like any other sentence:
//!   `“... as Trump has said, ‘I want everyone to stop dying.’ That’s our priority,” he wrote.`
//!   gives two sentences, the second starting at `That’s`.
//! * Months and company suffixes are not treated as "never split": `closed in Sept. The company`
//!   and `joined Acme Corp. The firm` split (the function-word rule), while `Sept. 11`,
//!   `Jan. Russia` and `Apple Inc. Chief Executive` do not.
//! * A spaced ellipsis (`He paused. . . . Then`) stays with the sentence before it.
//! * `Yahoo! Inc.`-style exclamation marks in names split if a starter follows.
//! * Function words are matched case-sensitively, so all-caps text (`U.S. THE`) does not split
//!   after an acronym.

/// One sentence: its byte range in the source text, trimmed of surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

impl SentenceSpan {
    /// The sentence text. Returns `""` if the span does not fit `source` (never panics).
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// Splits news text into sentences. Never panics on any &str input; spans are non-empty,
/// in order, non-overlapping, on char boundaries, and trimmed.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let mut out = Vec::new();
    split_sentences_into(text, &mut out);
    out
}

/// Same, appending into a caller-owned buffer (cleared first) so a hot loop can reuse it.
pub fn split_sentences_into(text: &str, out: &mut Vec<SentenceSpan>) {
    out.clear();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0usize;
    // Start of the current sentence (always the first non-space char of it), if any.
    let mut sent_start: Option<usize> = None;
    // True until the first non-space char of the current line has been seen.
    let mut at_line_start = true;

    while i < n {
        if sent_start.is_some() {
            i = skip_plain(bytes, i);
            if i >= n {
                break;
            }
        }
        let (c, len) = char_at(text, i);
        if is_line_break(c) {
            flush(text, sent_start.take(), i, out);
            at_line_start = true;
            i += len;
            continue;
        }
        if is_space(c) {
            i += len;
            continue;
        }
        let s = match sent_start {
            Some(s) => s,
            None => {
                let s = if at_line_start {
                    skip_bullet(text, i)
                } else {
                    i
                };
                at_line_start = false;
                sent_start = Some(s);
                if s != i {
                    i = s;
                    continue;
                }
                s
            }
        };
        if is_terminator(c) {
            let step = handle_terminator(text, s, i);
            if let Some(end) = step.split_at {
                out.push(SentenceSpan { start: s, end });
                sent_start = None;
            }
            i = step.next;
        } else {
            i += len;
        }
    }
    flush(text, sent_start, n, out);
}

// ---------------------------------------------------------------------------------------------
// Scanning helpers
// ---------------------------------------------------------------------------------------------

/// ASCII bytes that never need attention inside a sentence.
const ASCII_PLAIN: [bool; 128] = {
    let mut t = [true; 128];
    let special: [u8; 9] = [b'.', b'!', b'?', b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c];
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = false;
        k += 1;
    }
    t
};

/// Skips characters that can be neither whitespace, line break nor terminator.
/// Non-ASCII characters are judged by their UTF-8 lead byte: only these leads can start a
/// relevant character: C2 (NEL, NBSP), D8 (؟), DB (۔), E0 (।), E1 (U+1680),
/// E2 (U+2000.., …, ‼, ⁇..), E3 (U+3000, 。), EF (FEFF, ！, ？, ｡).
#[inline]
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    let n = bytes.len();
    while i < n {
        let b = bytes[i];
        if b < 0x80 {
            if ASCII_PLAIN[b as usize] {
                i += 1;
                continue;
            }
            break;
        }
        match b {
            0xC2 | 0xD8 | 0xDB | 0xE0 | 0xE1 | 0xE2 | 0xE3 | 0xEF => break,
            0xC0..=0xDF => i += 2,
            0xE0..=0xEF => i += 3,
            0xF0..=0xF7 => i += 4,
            // Continuation byte: cannot happen when `i` is on a char boundary; step safely.
            _ => i += 1,
        }
    }
    i.min(n)
}

use super::tokenizer::char_at;

#[inline]
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whitespace for trimming purposes: Unicode White_Space plus BOM and zero-width space.
#[inline]
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

#[inline]
fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | '!'
            | '?'
            | '…'
            | '‼'
            | '⁇'
            | '⁈'
            | '⁉'
            | '؟'
            | '۔'
            | '।'
            | '。'
            | '！'
            | '？'
            | '｡'
    )
}

#[inline]
fn is_cjk_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '｡')
}

#[inline]
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '”'
            | '’'
            | '»'
            | '›'
            | ')'
            | ']'
            | '}'
            | '」'
            | '』'
            | '）'
            | '】'
            | '》'
            | '〉'
            | '］'
            | '｝'
            | '〕'
    )
}

#[inline]
fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '„'
            | '‚'
            | '«'
            | '‹'
            | '('
            | '['
            | '{'
            | '「'
            | '『'
            | '（'
            | '【'
            | '《'
            | '〈'
            | '［'
            | '｛'
            | '〔'
    )
}

/// Can this char begin a new sentence?
#[inline]
fn is_starter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || matches!(c, '"' | '\'' | '(' | '[' | '{' | '$');
    }
    (c.is_alphabetic() && !c.is_lowercase())
        || c.is_numeric()
        || is_opener(c)
        || matches!(c, '¿' | '¡' | '£' | '€' | '¥')
}

fn flush(text: &str, start: Option<usize>, end: usize, out: &mut Vec<SentenceSpan>) {
    let Some(s) = start else { return };
    if s >= end {
        return;
    }
    let t = text[s..end].trim_end_matches(is_space);
    if !t.is_empty() {
        out.push(SentenceSpan {
            start: s,
            end: s + t.len(),
        });
    }
}

/// At the first non-space char of a line: returns the position after a bullet marker and its
/// whitespace, or `i` if there is no marker (or nothing would remain after it).
fn skip_bullet(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let (c, l) = char_at(text, i);
    let mut p = match c {
        '-' | '*' | '•' | '–' | '‣' | '◦' | '▪' | '●' => i + l,
        '0'..='9' => {
            let mut q = i;
            while q < n && q - i < 3 && bytes[q].is_ascii_digit() {
                q += 1;
            }
            if q < n && (bytes[q] == b'.' || bytes[q] == b')') {
                q + 1
            } else {
                return i;
            }
        }
        _ => return i,
    };
    // At least one in-line space, then real content on the same line.
    let mut spaces = 0usize;
    while p < n {
        let (c, l) = char_at(text, p);
        if is_line_break(c) {
            return i;
        }
        if !is_space(c) {
            return if spaces > 0 { p } else { i };
        }
        spaces += 1;
        p += l;
    }
    i
}

struct Step {
    /// Where scanning resumes.
    next: usize,
    /// End (exclusive) of the finished sentence, if the run ends one.
    split_at: Option<usize>,
}

/// `i` is at a terminator inside a sentence starting at `s`.
fn handle_terminator(text: &str, s: usize, i: usize) -> Step {
    let n = text.len();
    let mut j = i;
    let mut dots = 0u32;
    let mut other = false; // ! ? … and friends
    let mut cjk = false;
    while j < n {
        let (c, l) = char_at(text, j);
        if !is_terminator(c) {
            break;
        }
        if c == '.' {
            dots += 1;
        } else if is_cjk_terminator(c) {
            cjk = true;
        } else {
            other = true;
        }
        j += l;
    }
    let mut k = j;
    while k < n {
        let (c, l) = char_at(text, k);
        if !is_closer(c) {
            break;
        }
        k += l;
    }
    let no_split = |next| Step {
        next,
        split_at: None,
    };
    // Punctuation at the very start of a sentence is never split off on its own.
    if i == s {
        return no_split(k);
    }
    if cjk {
        return Step {
            next: k,
            split_at: Some(k),
        };
    }
    if k >= n {
        return no_split(k);
    }
    let (c, l) = char_at(text, k);
    if is_line_break(c) || !is_space(c) {
        return no_split(k);
    }
    let mut m = k + l;
    let next_char = loop {
        if m >= n {
            return no_split(m);
        }
        let (c, l) = char_at(text, m);
        if is_line_break(c) {
            return no_split(m);
        }
        if !is_space(c) {
            break c;
        }
        m += l;
    };
    if !is_starter(next_char) {
        return no_split(m);
    }
    let split = if dots == 1 && !other && k == j {
        match classify_word_before(text, s, i) {
            Abbrev::None => true,
            Abbrev::Never => false,
            Abbrev::UnlessDigit => !next_char.is_numeric(),
            Abbrev::UnlessNotFunctionWord => next_is_function_word(text, m),
        }
    } else {
        true
    };
    if split {
        Step {
            next: m,
            split_at: Some(k),
        }
    } else {
        no_split(m)
    }
}

// ---------------------------------------------------------------------------------------------
// Abbreviations
// ---------------------------------------------------------------------------------------------

enum Abbrev {
    /// An ordinary word: the period ends the sentence.
    None,
    /// Never a sentence end (titles, `e.g.`, `vs.`).
    Never,
    /// `No.`: not a sentence end before a number.
    UnlessDigit,
    /// Acronyms, initials, months, company suffixes: a sentence end only before a function word.
    UnlessNotFunctionWord,
}

// The word lists are `match`es on `&str`: the compiler dispatches on length and bytes, which is
// far cheaper than scanning a slice of strings for every period.

/// Titles: a period after them never ends a sentence.
fn is_title(w: &str) -> bool {
    matches!(
        w,
        "Mr" | "Mrs"
            | "Ms"
            | "Mx"
            | "Dr"
            | "Prof"
            | "Gen"
            | "Lt"
            | "Col"
            | "Maj"
            | "Capt"
            | "Cmdr"
            | "Sgt"
            | "Cpl"
            | "Pvt"
            | "Adm"
            | "Sen"
            | "Sens"
            | "Rep"
            | "Reps"
            | "Gov"
            | "Govs"
            | "Pres"
            | "Supt"
            | "St"
            | "Rev"
            | "Hon"
            | "Amb"
            | "Messrs"
            | "Mme"
            | "Mmes"
            | "Fr"
    )
}

/// All-caps titles (`MR. SMITH` in a caps headline).
fn is_title_upper(w: &str) -> bool {
    matches!(
        w,
        "MR" | "MRS"
            | "MS"
            | "MX"
            | "DR"
            | "PROF"
            | "GEN"
            | "LT"
            | "COL"
            | "MAJ"
            | "CAPT"
            | "CMDR"
            | "SGT"
            | "CPL"
            | "PVT"
            | "ADM"
            | "SEN"
            | "SENS"
            | "REP"
            | "REPS"
            | "GOV"
            | "GOVS"
            | "PRES"
            | "SUPT"
            | "ST"
            | "REV"
            | "HON"
            | "AMB"
            | "MESSRS"
            | "MME"
            | "MMES"
            | "FR"
    )
}

/// Other exact-case words after which a period never ends a sentence.
fn is_never(w: &str) -> bool {
    matches!(
        w,
        "vs" | "Vs"
            | "v"
            | "e.g"
            | "i.e"
            | "E.g"
            | "I.e"
            | "approx"
            | "Approx"
            | "est"
            | "Est"
            | "Fig"
            | "Figs"
            | "fig"
            | "Mt"
            | "Ft"
            | "cf"
            | "Cf"
            | "Nr"
            | "ca"
            | "viz"
    )
}

/// Exact-case words that end a sentence only before a function word.
fn is_soft(w: &str) -> bool {
    matches!(
        w,
        // months
        "Jan" | "Feb" | "Mar" | "Apr" | "Jun" | "Jul" | "Aug" | "Sep" | "Sept" | "Oct" | "Nov"
            | "Dec"
            // companies and names
            | "Inc" | "Ltd" | "Corp" | "Co" | "Cos" | "Bros" | "Plc" | "Jr" | "Sr" | "al"
            // AP-style U.S. state abbreviations
            | "Ala" | "Ariz" | "Ark" | "Calif" | "Colo" | "Conn" | "Del" | "Fla" | "Ga" | "Ill"
            | "Ind" | "Kan" | "Ky" | "La" | "Md" | "Mass" | "Mich" | "Minn" | "Miss" | "Mo"
            | "Mont" | "Neb" | "Nev" | "Okla" | "Ore" | "Pa" | "Tenn" | "Va" | "Vt" | "Wash"
            | "Wis" | "Wyo"
            // streets
            | "Ave" | "Blvd" | "Rd"
    )
}

/// Words that, after an acronym / soft abbreviation, show that a new sentence has begun.
fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "The"
            | "A"
            | "An"
            | "He"
            | "She"
            | "It"
            | "They"
            | "We"
            | "I"
            | "But"
            | "And"
            | "This"
            | "That"
            | "These"
            | "Those"
            | "There"
            | "However"
            | "Meanwhile"
            | "In"
            | "On"
            | "At"
            | "After"
            | "Before"
            | "When"
            | "While"
            | "If"
            | "As"
    )
}

/// Longest look-behind for the word before a period, in bytes.
const MAX_WORD_BYTES: usize = 48;

/// Classifies the whitespace-delimited word that ends right before the period at `dot`.
fn classify_word_before(text: &str, s: usize, dot: usize) -> Abbrev {
    let mut lo = if dot - s > MAX_WORD_BYTES {
        dot - MAX_WORD_BYTES
    } else {
        s
    };
    while lo < dot && !text.is_char_boundary(lo) {
        lo += 1;
    }
    let region = &text[lo..dot];
    let token = match region.char_indices().rev().find(|&(_, c)| is_space(c)) {
        Some((p, c)) => &region[p + c.len_utf8()..],
        // The look-behind limit was hit inside a long token: an ordinary word (URL etc.).
        None if lo > s => return Abbrev::None,
        None => region,
    };
    let token = token.trim_start_matches(is_opener);
    // `ex-Gov.`, `anti-U.S.`, `Handout/U.S.`: classify the last component.
    let w = token.rsplit(['-', '–', '—', '/']).next().unwrap_or(token);
    if w.is_empty() {
        return Abbrev::None;
    }
    if is_title(w) || is_never(w) || is_title_upper(w) {
        return Abbrev::Never;
    }
    if matches!(w, "No" | "Nos" | "NO" | "NOS") {
        return Abbrev::UnlessDigit;
    }
    if is_soft(w) || is_acronym(w) {
        return Abbrev::UnlessNotFunctionWord;
    }
    Abbrev::None
}

/// `J` (single capital initial), `U.S`, `J.R.R`, `a.m`, `Ph.D` (the final period excluded).
fn is_acronym(w: &str) -> bool {
    let mut chars = w.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    let mut parts = 0;
    for part in w.split('.') {
        let mut count = 0;
        for c in part.chars() {
            if !c.is_alphabetic() {
                return false;
            }
            count += 1;
        }
        if count == 0 || count > 2 {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

/// Is the word starting at `m` a function word (whole word, not followed by `.`)?
fn next_is_function_word(text: &str, m: usize) -> bool {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut q = m;
    while q < n && q - m < 10 && bytes[q].is_ascii_alphabetic() {
        q += 1;
    }
    if q == m {
        return false;
    }
    if q < n {
        let (c, _) = char_at(text, q);
        if c.is_alphanumeric() || c == '.' {
            return false;
        }
    }
    is_function_word(&text[m..q])
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(t: &str) -> Vec<&str> {
        split_sentences(t).iter().map(|s| s.text(t)).collect()
    }

    fn check_invariants(t: &str, spans: &[SentenceSpan]) {
        let mut prev_end = 0;
        for sp in spans {
            assert!(sp.start < sp.end, "empty span {sp:?} in {t:?}");
            assert!(sp.start >= prev_end, "overlap/order {sp:?} in {t:?}");
            assert!(sp.end <= t.len());
            assert!(t.is_char_boundary(sp.start) && t.is_char_boundary(sp.end));
            let s = &t[sp.start..sp.end];
            assert_eq!(s.trim(), s, "untrimmed span {s:?} in {t:?}");
            assert_eq!(s.trim_matches(is_space), s, "untrimmed span {s:?} in {t:?}");
            assert!(
                !s.chars().any(is_line_break),
                "span crosses a line break: {s:?}"
            );
            // Text between spans is whitespace or bullet-marker material only.
            for c in t[prev_end..sp.start].chars() {
                assert!(
                    is_space(c) || "-*•–‣◦▪●0123456789.)".contains(c),
                    "dropped char {c:?} before {s:?} in {t:?}"
                );
            }
            prev_end = sp.end;
        }
        assert!(
            t[prev_end..].chars().all(is_space),
            "dropped tail {:?} in {t:?}",
            &t[prev_end..]
        );
    }

    // --- terminators and quotes ---------------------------------------------------------

    #[test]
    fn basic_period() {
        assert_eq!(
            sents("The minister left. Talks resumed on Monday."),
            ["The minister left.", "Talks resumed on Monday."]
        );
    }

    #[test]
    fn exclamation_question_and_runs() {
        assert_eq!(
            sents("Is it over? Not yet! Really?! Yes!!! Fine."),
            ["Is it over?", "Not yet!", "Really?!", "Yes!!!", "Fine."]
        );
    }

    #[test]
    fn lowercase_after_period_does_not_split() {
        assert_eq!(
            sents("He cited section 5. and then left."),
            ["He cited section 5. and then left."]
        );
    }

    #[test]
    fn digit_and_opening_bracket_start_sentences() {
        assert_eq!(
            sents("It ended badly. 15 people died. (Officials denied it.) [Update] follows."),
            [
                "It ended badly.",
                "15 people died.",
                "(Officials denied it.)",
                "[Update] follows."
            ]
        );
    }

    #[test]
    fn curly_closing_quote_stays_with_sentence() {
        assert_eq!(
            sents("“We will respond.” The minister left."),
            ["“We will respond.”", "The minister left."]
        );
    }

    #[test]
    fn comma_quote_said_is_one_sentence() {
        assert_eq!(
            sents("“We will respond,” he said. “Nothing more.”"),
            ["“We will respond,” he said.", "“Nothing more.”"]
        );
        assert_eq!(
            sents("\"It is over,\" he said. Then he left."),
            ["\"It is over,\" he said.", "Then he left."]
        );
    }

    #[test]
    fn straight_quotes_and_quote_after_quote() {
        assert_eq!(
            sents("He called it \"fake.\" \"We deny it,\" she said."),
            ["He called it \"fake.\"", "\"We deny it,\" she said."]
        );
    }

    #[test]
    fn question_inside_quote_followed_by_lowercase() {
        assert_eq!(
            sents("“Why now?” he asked. “Get out!” she shouted."),
            ["“Why now?” he asked.", "“Get out!” she shouted."]
        );
    }

    #[test]
    fn nested_single_quote_then_new_sentence() {
        assert_eq!(
            sents("“As he said, ‘stop dying.’ That’s our priority,” Kellogg wrote."),
            [
                "“As he said, ‘stop dying.’",
                "That’s our priority,” Kellogg wrote."
            ]
        );
    }

    #[test]
    fn closing_paren_and_quote_stack() {
        assert_eq!(
            sents("(He said “no.”) Markets fell."),
            ["(He said “no.”)", "Markets fell."]
        );
    }

    // --- ellipses -------------------------------------------------------------------------

    #[test]
    fn ellipsis_dots() {
        assert_eq!(
            sents("We would like relations, of course... especially with the U.S. It failed... Talks ended."),
            [
                "We would like relations, of course... especially with the U.S.",
                "It failed...",
                "Talks ended."
            ]
        );
    }

    #[test]
    fn ellipsis_char() {
        assert_eq!(
            sents("Wait… maybe not. It stopped… Then it resumed."),
            ["Wait… maybe not.", "It stopped…", "Then it resumed."]
        );
    }

    #[test]
    fn leading_punctuation_is_not_split_off() {
        assert_eq!(sents("... And then it ended."), ["... And then it ended."]);
        // A spaced ellipsis stays with the sentence before it (". " is not followed by a starter).
        assert_eq!(
            sents("He paused. . . . Then he spoke."),
            ["He paused. . . .", "Then he spoke."]
        );
        assert_eq!(sents("Hi.\n... And then."), ["Hi.", "... And then."]);
    }

    // --- lines, paragraphs, bullets ----------------------------------------------------------

    #[test]
    fn blank_line_ends_paragraph() {
        assert_eq!(
            sents("First paragraph ends here\n\nSecond one starts."),
            ["First paragraph ends here", "Second one starts."]
        );
    }

    #[test]
    fn every_line_break_is_a_boundary() {
        assert_eq!(
            sents(
                "Lavrov’s Warning on U.S. and Ukraine’s Role\nLavrov stressed it.\nthe next line"
            ),
            [
                "Lavrov’s Warning on U.S. and Ukraine’s Role",
                "Lavrov stressed it.",
                "the next line"
            ]
        );
    }

    #[test]
    fn crlf_and_unicode_line_separators() {
        assert_eq!(
            sents("One.\r\nTwo\r\n\r\nThree\u{2028}Four\u{2029}Five\rSix"),
            ["One.", "Two", "Three", "Four", "Five", "Six"]
        );
    }

    #[test]
    fn whitespace_only_lines_yield_nothing() {
        assert_eq!(sents(""), Vec::<&str>::new());
        assert_eq!(sents("   \n\t\n \u{a0}\u{3000}\r\n  "), Vec::<&str>::new());
        assert_eq!(sents("\u{FEFF}Title\n  \n  Body.  "), ["Title", "Body."]);
    }

    #[test]
    fn bullets_are_stripped() {
        assert_eq!(
            sents("Key points:\n- Talks stalled\n• Prices rose\n* Troops moved\n1. First item\n2) Second item\n  12. Twelfth."),
            [
                "Key points:",
                "Talks stalled",
                "Prices rose",
                "Troops moved",
                "First item",
                "Second item",
                "Twelfth."
            ]
        );
    }

    #[test]
    fn bullet_lookalikes_are_kept() {
        assert_eq!(
            sents("1.5 million people fled.\n-5 degrees tonight\n2024. A year of war\n- \n*bold*"),
            [
                "1.5 million people fled.",
                "-5 degrees tonight",
                "2024.",
                "A year of war",
                "-",
                "*bold*"
            ]
        );
    }

    #[test]
    fn punctuation_only_lines_are_spans() {
        assert_eq!(
            sents("You may be interested in\n\n/\n/\n  *  \n"),
            ["You may be interested in", "/", "/", "*"]
        );
    }

    // --- abbreviations ----------------------------------------------------------------------

    #[test]
    fn titles_never_split() {
        for t in [
            "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Capt", "Sgt", "Adm",
            "Sen", "Rep", "Gov", "Pres", "St", "Rev", "Hon", "Amb",
        ] {
            let s = format!("They met {t}. Smith on Monday. Talks followed.");
            assert_eq!(
                sents(&s),
                [
                    format!("They met {t}. Smith on Monday."),
                    "Talks followed.".into()
                ],
                "title {t}"
            );
            // Even before a function word a title is not a sentence end.
            let s = format!("Ask {t}. The {t}. He knows.");
            assert_eq!(sents(&s).len(), 1, "title {t}: {:?}", sents(&s));
        }
        assert_eq!(
            sents("Retired Lt. Gen. Keith Kellogg spoke. MR. SMITH AGREED."),
            ["Retired Lt. Gen. Keith Kellogg spoke.", "MR. SMITH AGREED."]
        );
    }

    #[test]
    fn months_do_not_split_before_dates_or_names() {
        for m in [
            "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        ] {
            let s = format!("It began on {m}. 5 in Kyiv. Officials confirmed.");
            assert_eq!(
                sents(&s),
                [
                    format!("It began on {m}. 5 in Kyiv."),
                    "Officials confirmed.".into()
                ],
                "month {m}"
            );
            let s = format!("Since {m}. Russia has fired missiles.");
            assert_eq!(sents(&s).len(), 1, "month {m}");
        }
        // Month at a sentence end before a function word splits.
        assert_eq!(
            sents("The deal closed in Sept. The company said so."),
            ["The deal closed in Sept.", "The company said so."]
        );
    }

    #[test]
    fn number_abbreviation_no() {
        assert_eq!(
            sents("He is the No. 2 official. Nos. 3 and 4 left."),
            ["He is the No. 2 official.", "Nos. 3 and 4 left."]
        );
        // "No." as a full sentence before a non-digit starter.
        assert_eq!(
            sents("“No. We will not,” he said."),
            ["“No.", "We will not,” he said."]
        );
    }

    #[test]
    fn other_abbreviations() {
        assert_eq!(
            sents("It was Roe v. Wade vs. Texas, e.g. Big cases, i.e. Major ones. Approx. 5 left, est. 200 in total."),
            [
                "It was Roe v. Wade vs. Texas, e.g. Big cases, i.e. Major ones.",
                "Approx. 5 left, est. 200 in total."
            ]
        );
        assert_eq!(
            sents("See Fig. 3 and Smith et al. Results were mixed. Mt. Everest and Ft. Worth too."),
            [
                "See Fig. 3 and Smith et al. Results were mixed.",
                "Mt. Everest and Ft. Worth too."
            ]
        );
    }

    #[test]
    fn company_and_name_suffixes() {
        assert_eq!(
            sents("Shares of Apple Inc. Chief Executive Tim Cook rose. Martin Luther King Jr. Day passed."),
            [
                "Shares of Apple Inc. Chief Executive Tim Cook rose.",
                "Martin Luther King Jr. Day passed."
            ]
        );
        assert_eq!(
            sents("He joined Acme Corp. The company grew. Ford Motor Co. It sells cars."),
            [
                "He joined Acme Corp.",
                "The company grew.",
                "Ford Motor Co.",
                "It sells cars."
            ]
        );
    }

    #[test]
    fn etc_splits_before_capital() {
        assert_eq!(
            sents("They sold oil, gas, etc. The rest was stored. Tanks, guns, etc. and more."),
            [
                "They sold oil, gas, etc.",
                "The rest was stored.",
                "Tanks, guns, etc. and more."
            ]
        );
    }

    #[test]
    fn dotted_acronyms_inside_sentence() {
        assert_eq!(
            sents("U.S. President Joe Biden met U.N. Secretary-General Guterres and E.U. officials in Washington, D.C. on Friday."),
            ["U.S. President Joe Biden met U.N. Secretary-General Guterres and E.U. officials in Washington, D.C. on Friday."]
        );
    }

    #[test]
    fn acronym_at_sentence_end_before_function_word() {
        assert_eq!(
            sents("Aid came from the U.S. The U.K. He said. It went to Washington, D.C. In the end it failed. He met the U.N. However, nothing."),
            [
                "Aid came from the U.S.",
                "The U.K.",
                "He said.",
                "It went to Washington, D.C.",
                "In the end it failed.",
                "He met the U.N.",
                "However, nothing."
            ]
        );
        assert_eq!(
            sents("Sanctions by the U.S. It’s over. Arms from the U.K. I think so."),
            [
                "Sanctions by the U.S.",
                "It’s over.",
                "Arms from the U.K.",
                "I think so."
            ]
        );
    }

    #[test]
    fn acronym_before_other_capitalised_word_is_kept() {
        // Deliberately ambiguous: "Officials" is not a function word.
        assert_eq!(
            sents("He blamed the U.S. Officials denied it."),
            ["He blamed the U.S. Officials denied it."]
        );
        // A closing quote after the acronym's period makes it a sentence end.
        assert_eq!(
            sents("He said “blame the U.S.” Officials denied it."),
            ["He said “blame the U.S.”", "Officials denied it."]
        );
    }

    #[test]
    fn initials() {
        assert_eq!(
            sents("J. D. Vance met J.R.R. Tolkien fans and J. A. Smith. They talked."),
            [
                "J. D. Vance met J.R.R. Tolkien fans and J. A. Smith.",
                "They talked."
            ]
        );
        assert_eq!(
            sents("He fought in World War I. The war ended. Plan B. Researchers disagree."),
            [
                "He fought in World War I.",
                "The war ended.",
                "Plan B. Researchers disagree."
            ]
        );
    }

    #[test]
    fn hyphenated_prefix_before_abbreviation() {
        assert_eq!(
            sents("He met ex-Gov. Smith and anti-U.S. protesters. The pro-U.S. The end."),
            [
                "He met ex-Gov. Smith and anti-U.S. protesters.",
                "The pro-U.S.",
                "The end."
            ]
        );
    }

    #[test]
    fn times_with_am_pm() {
        assert_eq!(
            sents("It hit at 10 a.m. Tuesday. It ended at 5 p.m. The city was quiet."),
            [
                "It hit at 10 a.m. Tuesday.",
                "It ended at 5 p.m.",
                "The city was quiet."
            ]
        );
    }

    // --- numbers, URLs, dashes ----------------------------------------------------------------

    #[test]
    fn decimals_money_times_versions() {
        assert_eq!(
            sents("Growth was 3.5 percent, or $1.2 billion, at 10.30 local time with v1.2 software. GDP rose 2.5. Then it fell."),
            [
                "Growth was 3.5 percent, or $1.2 billion, at 10.30 local time with v1.2 software.",
                "GDP rose 2.5.",
                "Then it fell."
            ]
        );
    }

    #[test]
    fn currency_starts_sentence() {
        assert_eq!(
            sents("It was costly. $5 billion was spent. €3 billion more."),
            [
                "It was costly.",
                "$5 billion was spent.",
                "€3 billion more."
            ]
        );
    }

    #[test]
    fn urls_and_emails() {
        assert_eq!(
            sents("Read it on reuters.com or write to x.y@z.org today. See https://www.bbc.co.uk/news/world-123.html for more. Visit reuters.com. Then call."),
            [
                "Read it on reuters.com or write to x.y@z.org today.",
                "See https://www.bbc.co.uk/news/world-123.html for more.",
                "Visit reuters.com.",
                "Then call."
            ]
        );
    }

    #[test]
    fn dashes_do_not_split() {
        assert_eq!(
            sents("The regions—Donetsk, Luhansk—were annexed – and the Kyiv regime - they said - must go."),
            ["The regions—Donetsk, Luhansk—were annexed – and the Kyiv regime - they said - must go."]
        );
    }

    // --- Unicode -----------------------------------------------------------------------------

    #[test]
    fn cjk_terminators() {
        assert_eq!(
            sents("你好。我很好！你呢？「好的。」他说。"),
            ["你好。", "我很好！", "你呢？", "「好的。」", "他说。"]
        );
    }

    #[test]
    fn uncased_scripts_and_arabic_punctuation() {
        assert_eq!(
            sents("He said hello. مرحبا بكم؟ كيف الحال. Привет. мир."),
            ["He said hello.", "مرحبا بكم؟", "كيف الحال.", "Привет. мир."]
        );
    }

    #[test]
    fn emoji_and_combining_marks() {
        let t = "Great news 🎉🇺🇦. Cafe\u{301} opens. 👍 yes. e\u{301}. Éclair time!";
        assert_eq!(
            sents(t),
            [
                "Great news 🎉🇺🇦.",
                "Cafe\u{301} opens. 👍 yes. e\u{301}.",
                "Éclair time!"
            ]
        );
        check_invariants(t, &split_sentences(t));
    }

    // --- API -----------------------------------------------------------------------------------

    #[test]
    fn into_clears_buffer_and_spans_index_source() {
        let mut buf = vec![SentenceSpan { start: 9, end: 99 }];
        let t = "  One.  Two!  ";
        split_sentences_into(t, &mut buf);
        assert_eq!(
            buf,
            [
                SentenceSpan { start: 2, end: 6 },
                SentenceSpan { start: 8, end: 12 }
            ]
        );
        assert_eq!(buf[1].text(t), "Two!");
        assert_eq!(SentenceSpan { start: 3, end: 100 }.text(t), "");
        split_sentences_into("", &mut buf);
        assert!(buf.is_empty());
    }

    // --- properties and scale -----------------------------------------------------------------

    #[test]
    fn generated_strings_keep_invariants() {
        const FRAGS: &[&str] = &[
            "The",
            " ",
            "  ",
            "U.S.",
            "Mr.",
            "No.",
            " 2",
            "3.5",
            "etc.",
            ".",
            "..",
            "...",
            "…",
            "!",
            "?",
            "?!",
            "\"",
            "'",
            "“",
            "”",
            "‘",
            "’",
            "(",
            ")",
            "[",
            "]",
            "\n",
            "\n\n",
            "\r\n",
            "\r",
            "- ",
            "• ",
            "* ",
            "1. ",
            "2) ",
            "12",
            "word",
            "He",
            "a",
            "J.",
            "é",
            "e\u{301}",
            "日本",
            "。",
            "！",
            "？",
            "「",
            "」",
            "مرحبا",
            "؟",
            "۔",
            "🎉",
            "🇺🇦",
            "\u{a0}",
            "\u{3000}",
            "\u{2028}",
            "\u{FEFF}",
            "\u{200B}",
            "\u{85}",
            "\t",
            "—",
            "–",
            "/",
            "reuters.com",
            "x.y@z.org",
            "Ω",
            "ß",
            "ǅ",
            "\u{0}",
            "\u{b}",
            "\u{c}",
            "।",
            "‼",
            "$",
            "¿",
            "Inc.",
            "Jan.",
            "I",
            "However",
            "वह",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut buf = Vec::new();
        let mut s = String::new();
        for round in 0..20_000 {
            s.clear();
            let len = (next() % 24) as usize + (round % 3);
            for _ in 0..len {
                s.push_str(FRAGS[(next() % FRAGS.len() as u64) as usize]);
            }
            split_sentences_into(&s, &mut buf);
            check_invariants(&s, &buf);
            assert_eq!(buf, split_sentences(&s));
        }
        // Every single fragment and every pair, exhaustively.
        for a in FRAGS {
            for b in FRAGS {
                for t in [format!("{a}{b}"), format!("{a} {b}"), format!("X{a} {b}Y")] {
                    check_invariants(&t, &split_sentences(&t));
                }
            }
        }
    }

    #[test]
    fn large_pathological_inputs_are_linear() {
        // Each is a single line of several MB; quadratic behaviour would not finish in time.
        let size = 1 << 20;
        let patterns: &[&str] = &[
            "a.",
            ". ",
            "U.S. ",
            "...",
            " ",
            "x",
            "Mr. ",
            "é…",
            "a b c ",
            "The end. ",
            "https://example.com/a.b.c?d=e.f ",
            "“”",
            "。",
            "- ",
        ];
        for p in patterns {
            let t: String = p.repeat(size / p.len());
            let start = std::time::Instant::now();
            let spans = split_sentences(&t);
            let elapsed = start.elapsed();
            assert!(
                elapsed.as_secs() < 20,
                "pattern {p:?} took {elapsed:?} for {} bytes",
                t.len()
            );
            // Spot-check invariants cheaply.
            if let (Some(f), Some(l)) = (spans.first(), spans.last()) {
                assert!(f.start < f.end && l.end <= t.len());
            }
        }
        let t = "The end. ".repeat(1000);
        assert_eq!(split_sentences(&t).len(), 1000);
    }
}
