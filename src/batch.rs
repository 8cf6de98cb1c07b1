//! Batch scoring of plain text, one document per line, on one or more threads.
//!
//! [`LineScorer`] reads large chunks, splits each at line ends into one part per worker, scores
//! the parts in parallel (each worker with its own [`Workspace`], so no locks and no allocation
//! once warm) and writes the rows in input order through one buffered writer. The rows are
//! byte-for-byte those of `stance score --input-format text --format csv` (same ids, labels,
//! probabilities with six decimals, same error rows), which `tests/batch_parity.rs` checks.

use std::io::{self, Read, Write};

use crate::pipeline::{Pipeline, Workspace};

/// Bytes read per chunk (each chunk is split between the workers).
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;

/// Counts of a batch run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub scored: u64,
    pub failed: u64,
    /// Bytes of text scored (line ends excluded).
    pub text_bytes: u64,
}

impl BatchCounts {
    fn add(&mut self, o: BatchCounts) {
        self.scored += o.scored;
        self.failed += o.failed;
        self.text_bytes += o.text_bytes;
    }
}

/// A record that could not be scored: its line and why (as `stance score` words it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFailure {
    pub line: u64,
    pub message: String,
    /// What `stance score` says after the message on stderr (the remedy, or that the record
    /// was not scored), punctuation included.
    pub remedy: String,
}

impl LineFailure {
    fn too_long(line: u64, bytes: u64, max: usize) -> Self {
        LineFailure { line, message: too_long_message(bytes, max), remedy: format!(". {}", crate::data::reader::REMEDY_TOO_LONG) }
    }
}

struct Worker {
    ws: Workspace,
}

/// Parts a chunk is cut into per thread, when there is more than one.
const PARTS_PER_THREAD: usize = 8;

/// One part of a chunk and its results.
#[derive(Default)]
struct Job {
    out: Vec<u8>,
    failures: Vec<LineFailure>,
    counts: BatchCounts,
}

impl Job {
    fn run(&mut self, pipeline: &Pipeline, labels: &[Vec<u8>], max: usize, part: &[u8], first_line: u64, ws: &mut Workspace) {
        self.out.clear();
        self.failures.clear();
        self.counts = score_part(pipeline, labels, max, part, first_line, ws, &mut self.out, &mut self.failures);
    }
}

/// Scores lines of text with one pipeline on `threads` workers.
pub struct LineScorer<'p> {
    pipeline: &'p Pipeline,
    workers: Vec<Worker>,
    /// Results of the parts of a chunk (multi-threaded runs), reused.
    jobs: Vec<Job>,
    /// Pre-rendered `,label` fields (CSV-quoted when needed), one per class.
    label_fields: Vec<Vec<u8>>,
    max_record_bytes: usize,
    chunk_bytes: usize,
}

impl<'p> LineScorer<'p> {
    pub fn new(pipeline: &'p Pipeline, threads: usize) -> Self {
        let workers = (0..threads.max(1))
            .map(|_| Worker { ws: Workspace::default() })
            .collect();
        let label_fields = pipeline.labels().iter().map(|l| format!(",{}", csv_field(l)).into_bytes()).collect();
        LineScorer {
            pipeline,
            workers,
            jobs: Vec::new(),
            label_fields,
            max_record_bytes: crate::data::reader::DEFAULT_MAX_RECORD_BYTES,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }

    /// Largest line accepted, in bytes (as `--max-record-bytes`).
    pub fn max_record_bytes(mut self, max: usize) -> Self {
        self.max_record_bytes = max;
        self
    }

    /// Bytes read per chunk.
    pub fn chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes.max(1);
        self
    }

    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// The CSV header row.
    pub fn header(&self) -> Vec<u8> {
        let mut cols = vec!["id".to_string(), "label".to_string()];
        cols.extend(self.pipeline.labels().iter().map(|l| format!("p_{l}")));
        cols.push("error".into());
        let mut line = cols.iter().map(|c| csv_field(c).into_owned()).collect::<Vec<_>>().join(",");
        line.push('\n');
        line.into_bytes()
    }

    /// Scores complete lines (`chunk` holds whole lines; the last may lack its line end), the
    /// first being line `first_line` (1-based), and appends their CSV rows to `out`. Failures
    /// are appended to `failures`.
    pub fn score_chunk(&mut self, chunk: &[u8], first_line: u64, out: &mut Vec<u8>, failures: &mut Vec<LineFailure>) -> BatchCounts {
        let pipeline = self.pipeline;
        let labels = &self.label_fields;
        let max = self.max_record_bytes;
        if self.workers.len() == 1 {
            // One thread: rows go straight into `out`.
            return score_part(pipeline, labels, max, chunk, first_line, &mut self.workers[0].ws, out, failures);
        }
        // Many more parts than threads, handed out one at a time: a worker whose core is busy
        // with something else takes fewer parts instead of holding the whole chunk up.
        let parts = split_parts(chunk, self.workers.len() * PARTS_PER_THREAD);
        let mut starts = Vec::with_capacity(parts.len());
        let mut line = first_line;
        for p in &parts {
            starts.push(line);
            line += count_lines(p);
        }
        if self.jobs.len() < parts.len() {
            self.jobs.resize_with(parts.len(), Job::default);
        }
        let queue = std::sync::Mutex::new(parts.iter().zip(&starts).zip(self.jobs.iter_mut()));
        let work = |ws: &mut Workspace| loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
            match next {
                Some(((part, start), job)) => job.run(pipeline, labels, max, part, *start, ws),
                None => break,
            }
        };
        let (first, rest) = self.workers.split_at_mut(1);
        std::thread::scope(|s| {
            for w in rest.iter_mut() {
                let work = &work;
                s.spawn(move || work(&mut w.ws));
            }
            work(&mut first[0].ws);
        });
        let mut counts = BatchCounts::default();
        for job in &self.jobs[..parts.len()] {
            out.extend_from_slice(&job.out);
            failures.extend(job.failures.iter().cloned());
            counts.add(job.counts);
        }
        counts
    }

    /// Scores every line of `input` and writes the CSV (header included) to `output`, calling
    /// `on_failure` for each record that could not be scored. Memory stays flat: one chunk (plus
    /// its rows) at a time; a line longer than `max_record_bytes` is skipped as it streams by.
    pub fn score_stream(&mut self, input: impl Read, output: impl Write, on_failure: impl FnMut(&LineFailure)) -> io::Result<BatchCounts> {
        self.score_stream_with_progress(input, output, on_failure, |_, _| {})
    }

    /// [`LineScorer::score_stream`], calling `on_progress(lines, bytes)` after each chunk with
    /// the lines written and the input bytes consumed so far (for a progress bar).
    pub fn score_stream_with_progress(
        &mut self,
        mut input: impl Read,
        mut output: impl Write,
        mut on_failure: impl FnMut(&LineFailure),
        mut on_progress: impl FnMut(u64, u64),
    ) -> io::Result<BatchCounts> {
        output.write_all(&self.header())?;
        let mut read_bytes = 0u64;
        let max = self.max_record_bytes;
        let mut counts = BatchCounts::default();
        let mut buf: Vec<u8> = vec![0; self.chunk_bytes];
        let mut filled = 0usize;
        let mut line = 1u64;
        let mut eof = false;
        let mut rows = Vec::new();
        let mut failures = Vec::new();
        // Bytes of an over-long line skipped so far (None when not skipping).
        let mut skipping: Option<u64> = None;
        loop {
            while !eof && filled < buf.len() {
                match input.read(&mut buf[filled..]) {
                    Ok(0) => eof = true,
                    Ok(k) => filled += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if let Some(skipped) = skipping {
                let consumed = match memchr_newline(&buf[..filled]) {
                    Some(i) => Some(i + 1),
                    None if eof => Some(filled),
                    None => None,
                };
                match consumed {
                    Some(k) => {
                        let f = LineFailure::too_long(line, skipped + k as u64, max);
                        rows.clear();
                        write_failed(&mut rows, &f, self.label_fields.len());
                        output.write_all(&rows)?;
                        on_failure(&f);
                        counts.failed += 1;
                        line += 1;
                        read_bytes += k as u64;
                        buf.copy_within(k..filled, 0);
                        filled -= k;
                        skipping = None;
                    }
                    None => {
                        skipping = Some(skipped + filled as u64);
                        read_bytes += filled as u64;
                        filled = 0;
                    }
                }
                continue;
            }
            if filled == 0 && eof {
                break;
            }
            // Whole lines end at the last newline (or at the end of the input).
            let end = if eof { filled } else { memrchr_newline(&buf[..filled]).map_or(0, |i| i + 1) };
            if end == 0 {
                // The buffer is full and holds part of one line: skip the line if it is over
                // the limit already, else grow the buffer to hold it.
                if filled > max {
                    skipping = Some(filled as u64);
                    read_bytes += filled as u64;
                    filled = 0;
                } else {
                    let grown = (buf.len() * 2).min(max + 2).max(buf.len() + 1);
                    buf.resize(grown, 0);
                }
                continue;
            }
            rows.clear();
            failures.clear();
            let c = self.score_chunk(&buf[..end], line, &mut rows, &mut failures);
            line += c.scored + c.failed; // one row per line
            counts.add(c);
            for f in &failures {
                on_failure(f);
            }
            output.write_all(&rows)?;
            read_bytes += end as u64;
            on_progress(counts.scored + counts.failed, read_bytes);
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
        output.flush()?;
        Ok(counts)
    }

}

/// Splits `chunk` into at most `n` parts of about equal size, each ending at a line end.
fn split_parts(chunk: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = chunk;
    for k in (1..n).rev() {
        if rest.is_empty() {
            break;
        }
        let target = rest.len() / (k + 1);
        let cut = match memchr_newline(&rest[target..]) {
            Some(i) => target + i + 1,
            None => rest.len(),
        };
        parts.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest);
    }
    parts
}

/// Lines in `part`: its newlines, plus one if the last line has none.
fn count_lines(part: &[u8]) -> u64 {
    let newlines = part.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(part.last().is_some_and(|&b| b != b'\n'))
}

/// Position of the first `\n`, eight bytes per step.
#[inline]
fn memchr_newline(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut i = 0;
    while i + 8 <= s.len() {
        let x = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes")) ^ (ONES * b'\n' as u64);
        // High bit of the lowest zero byte (exact for the first one; later bits may be spurious).
        let zero = x.wrapping_sub(ONES) & !x & (ONES * 0x80);
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

#[inline]
fn memrchr_newline(s: &[u8]) -> Option<usize> {
    s.iter().rposition(|&b| b == b'\n')
}

#[allow(clippy::too_many_arguments)]
fn score_part(
    pipeline: &Pipeline,
    labels: &[Vec<u8>],
    max: usize,
    part: &[u8],
    first_line: u64,
    ws: &mut Workspace,
    out: &mut Vec<u8>,
    failures: &mut Vec<LineFailure>,
) -> BatchCounts {
    let mut counts = BatchCounts::default();
    let mut line = first_line;
    let mut rest = part;
    let mut ids = itoa_buf();
    // Valid UTF-8 as a whole (the usual case): every line of it is too, no per-line check.
    let whole = std::str::from_utf8(part).ok();
    while !rest.is_empty() {
        let (mut text, consumed) = match memchr_newline(rest) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        rest = &rest[consumed..];
        let this = line;
        line += 1;
        // As `stance score` counts it: the line with its end, over the limit.
        if consumed > max {
            let f = LineFailure::too_long(this, consumed as u64, max);
            write_failed(out, &f, labels.len());
            failures.push(f);
            counts.failed += 1;
            continue;
        }
        if text.last() == Some(&b'\r') && consumed > text.len() {
            text = &text[..text.len() - 1];
        }
        if this == 1 && text.starts_with(b"\xEF\xBB\xBF") {
            text = &text[3..];
        }
        let checked = match whole {
            Some(w) => Ok(sub_str(w, part, text)),
            None => std::str::from_utf8(text),
        };
        let text = match checked {
            Ok(t) => t,
            Err(e) => {
                let f = LineFailure {
                    line: this,
                    message: format!("the line is not valid UTF-8 (bad byte at offset {})", e.valid_up_to()),
                    remedy: format!(". {}", crate::data::reader::REMEDY_NOT_UTF8),
                };
                write_failed(out, &f, labels.len());
                failures.push(f);
                counts.failed += 1;
                continue;
            }
        };
        if text.trim().is_empty() {
            let f = LineFailure { line: this, message: "empty text".into(), remedy: crate::score::NOT_SCORED.into() };
            write_failed(out, &f, labels.len());
            failures.push(f);
            counts.failed += 1;
            continue;
        }
        let label = pipeline.predict(text, ws);
        out.extend_from_slice(write_u64(&mut ids, this));
        out.extend_from_slice(&labels[label]);
        for &p in &ws.probabilities {
            match prob_field(p) {
                Some(field) => out.extend_from_slice(&field),
                None => {
                    out.push(b',');
                    push_prob(out, p);
                }
            }
        }
        out.extend_from_slice(b",\n");
        counts.scored += 1;
        counts.text_bytes += text.len() as u64;
    }
    counts
}

/// `sub`, a sub-slice of `bytes` (the bytes of `whole`) cut at ASCII bytes or around a whole
/// BOM, as a slice of `whole`: a char-boundary slice, checked in O(1).
#[inline]
fn sub_str<'a>(whole: &'a str, bytes: &[u8], sub: &[u8]) -> &'a str {
    let start = sub.as_ptr() as usize - bytes.as_ptr() as usize;
    whole.get(start..start + sub.len()).unwrap_or_default()
}

fn too_long_message(n: u64, max: usize) -> String {
    format!("record of {n} bytes exceeds the limit of {max}")
}

fn write_failed(out: &mut Vec<u8>, f: &LineFailure, n_labels: usize) {
    out.extend_from_slice(f.line.to_string().as_bytes());
    out.push(b',');
    for _ in 0..n_labels {
        out.push(b',');
    }
    out.push(b',');
    out.extend_from_slice(csv_field(&format!("line {}: {}", f.line, f.message)).as_bytes());
    out.push(b'\n');
}

/// Quotes a CSV field when it needs it (RFC 4180), as `stance score` does.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// Decimal digits of `v` in `buf`.
#[inline]
fn write_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// `,` and `p` as `format!(",{p:.6}")` writes it, for a probability in [0, 1] (`None` otherwise).
#[inline]
pub fn prob_field(p: f64) -> Option<[u8; 9]> {
    let q = prob_micros(p)?;
    let (int, mut frac) = (q / 1_000_000, q % 1_000_000);
    let mut buf = *b",0.000000";
    buf[1] = b'0' + int as u8;
    for d in buf[3..].iter_mut().rev() {
        *d = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    Some(buf)
}

/// Appends `p` exactly as `format!("{p:.6}")` writes it (correctly rounded, ties to even), for
/// probabilities in [0, 1] without going through `core::fmt`; anything else falls back to it.
#[inline]
pub fn push_prob(out: &mut Vec<u8>, p: f64) {
    match prob_field(p) {
        Some(field) => out.extend_from_slice(&field[1..]),
        None => {
            use std::io::Write as _;
            let _ = write!(out, "{p:.6}");
        }
    }
}

/// `p` in millionths, rounded as `{:.6}` rounds (exact value, ties to even); `None` outside
/// [0, 1] or for NaN.
#[inline]
fn prob_micros(p: f64) -> Option<u64> {
    if !(0.0..=1.0).contains(&p) || p.is_sign_negative() {
        return None;
    }
    // Below 2^-30 (about 9.3e-10) the value rounds to 0 at six decimals.
    if p < 1.0 / (1u64 << 30) as f64 {
        return Some(0);
    }
    let bits = p.to_bits();
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let shift = 1075 - ((bits >> 52) & 0x7ff) as u32; // p = mantissa / 2^shift, 52 <= shift <= 82
    let num = mantissa as u128 * 1_000_000;
    let q = (num >> shift) as u64;
    let rem = num & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    Some(if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(p: f64) -> String {
        let mut v = Vec::new();
        push_prob(&mut v, p);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn newline_search_finds_the_first() {
        let mut rng = crate::util::SplitMix64::new(3);
        for _ in 0..20_000 {
            let n = rng.below(40) as usize;
            let s: Vec<u8> = (0..n).map(|_| [b'\n', b'a', 0x8a, 0x0b, 0xff, 0x09][rng.below(6) as usize]).collect();
            assert_eq!(memchr_newline(&s), s.iter().position(|&b| b == b'\n'), "{s:?}");
        }
    }

    #[test]
    fn probabilities_print_exactly_like_core_fmt() {
        let mut rng = crate::util::SplitMix64::new(11);
        let check = |p: f64| assert_eq!(fast(p), format!("{p:.6}"), "{p:e}");
        for p in [0.0, 1.0, 0.5, 0.0078125, 5e-7, 4.9999999e-7, 1.5e-6, 2.5e-6, 0.9999995, 0.99999949999, 1e-300, 9.3e-10, 9.4e-10] {
            check(p);
        }
        for _ in 0..2_000_000 {
            let r = rng.next_u64();
            check((r >> 11) as f64 / (1u64 << 53) as f64);
            // Near and at ties: (k + 0.5) / 1e6, and dyadic fractions k / 2^j.
            let k = rng.below(1_000_000) as f64;
            check((k + 0.5) / 1e6);
            let j = 1 + rng.below(40) as u32;
            check((rng.next_u64() % (1u64 << j)) as f64 / (1u64 << j) as f64);
            check(f64::from_bits(0x3f00_0000_0000_0000 + (r >> 12) % (0x3ff0_0000_0000_0000 - 0x3f00_0000_0000_0000)));
        }
        assert_eq!(fast(-0.0), format!("{:.6}", -0.0));
        assert_eq!(fast(1.5), "1.500000");
    }
}
