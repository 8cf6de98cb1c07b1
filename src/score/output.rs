//! Output rows for every unit, as CSV (flat, RFC 4180 quoting) or JSONL (one JSON object per
//! line, evidence nested). Rows are rendered into byte buffers by the workers, so formatting
//! runs in parallel too; the writer only copies bytes out in order.
//!
//! Columns and keys (labels in the model's order; `<l>` is a label):
//!
//! * `--unit record` CSV: `id,label,p_<l>...,[terms,]error`;
//!   JSONL: `{"id","label","p_<l>"...,["terms"]}`.
//! * `--unit sentence` CSV: `id,sentence,start,end,label,p_<l>...,text,[terms,]error`;
//!   JSONL: `{"id","sentence","start","end","label","p_<l>"...,"text",["terms"]}`.
//! * `--unit article` CSV: `id,title,date,source,sentences,n_<l>...,counted,escalation_index,`
//!   then for k = 1..N `esc<k>_sentence,esc<k>_score,esc<k>_text,esc<k>_terms`, the same with
//!   `deesc<k>_`, and `error`; JSONL: `{"id","title","date","source","sentences","counts":{..},
//!   "counted","escalation_index","escalating":[evidence..],"de_escalating":[evidence..]}` with
//!   evidence `{"sentence","start","end","score","p":{..},"text","terms":[{"term","weight","spans"}]}`.
//! * An error record: CSV the id, empty fields and `error` = `line N: reason` (or the reason
//!   alone for a file of a directory); JSONL `{"error","file","id","line"}`.
//!
//! Offsets are bytes, `[start, end)`; `sentence` is 0-based; sentence and term offsets of the
//! sentence and article units are relative to the article text. In CSV, terms are written as
//! `term:+0.123456@start-end|start-end;term:...`.
//!
//! Spreadsheet-safe CSV ([`Style::Csv`] with `spreadsheet_safe`): every text cell (ids, titles,
//! dates, sources, sentence and evidence text, terms, error messages) that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, so that a spreadsheet shows it as
//! text instead of evaluating it as a formula (OWASP's CSV injection advice). Numbers, labels and
//! the header are never changed.

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::input::{ArticleMeta, InputFailure, InputRecord};
use super::rollup::{round6, ArticleScore, Evidence, LabelCounts, LabelValues, SentenceScore};
use crate::pipeline::TermEvidence;

/// Writes whole output records only.
///
/// Rows are collected in memory and handed to the destination in one `write_all` of complete
/// records once `capacity` bytes are pending, and at [`RecordWriter::finish`]; a record is never
/// split between two writes. With a regular file as destination, a killed run therefore leaves
/// only complete records in the file, on the assumption that the kernel does not cut one `write`
/// system call short. Linux keeps to it with one exception: a write to the page cache copies
/// page by page and stops at a page boundary when a fatal signal (SIGKILL) is pending, returning
/// the bytes copied so far. Under write-back throttling the writer sleeps between those pages, so
/// a kill then often lands mid-write (seen in `tests/resume.rs` when several tests write large
/// files at once): the file ends with part of a record, at a multiple of 4096 bytes.
/// `stance score --resume` drops such a tail (see [`super::resume`]).
///
/// A destination that buffers on its own (a `BufWriter`) would void the guarantee: give this the
/// file itself.
pub struct RecordWriter<'a> {
    inner: &'a mut dyn Write,
    buf: Vec<u8>,
    capacity: usize,
    /// A write failed: what is pending is dropped, nothing more is written.
    failed: bool,
}

/// Pending bytes at which [`RecordWriter`] writes.
pub const WRITE_CAPACITY: usize = 64 * 1024;

impl<'a> RecordWriter<'a> {
    pub fn new(inner: &'a mut dyn Write, capacity: usize) -> Self {
        RecordWriter { inner, buf: Vec::with_capacity(capacity.min(1 << 20)), capacity, failed: false }
    }

    /// Adds one whole record (all its bytes, ending with its newline).
    pub fn record(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= self.capacity {
            self.write_pending()?;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> std::io::Result<()> {
        if self.failed || self.buf.is_empty() {
            return Ok(());
        }
        let result = self.inner.write_all(&self.buf);
        self.buf.clear();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// Writes what is pending and flushes the destination.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.write_pending()?;
        if self.failed {
            return Ok(());
        }
        self.inner.flush()
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// The first characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written: with a leading `'` when `spreadsheet_safe` and it starts like a
/// formula, then quoted when it needs it.
pub fn csv_text(s: &str, spreadsheet_safe: bool) -> Cow<'_, str> {
    if spreadsheet_safe && s.starts_with(FORMULA_STARTS) {
        csv_field(&format!("'{s}")).into_owned().into()
    } else {
        csv_field(s)
    }
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Csv { spreadsheet_safe: bool },
    Jsonl,
}

impl Style {
    fn csv(self) -> bool {
        matches!(self, Style::Csv { .. })
    }
    /// A CSV text cell (see [`csv_text`]).
    fn text(self, s: &str) -> Cow<'_, str> {
        csv_text(s, matches!(self, Style::Csv { spreadsheet_safe: true }))
    }
}

/// Terms as one CSV field: `term:+0.123456@start-end|start-end;...`.
pub fn terms_field(terms: &[TermEvidence]) -> String {
    let mut s = String::new();
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(&t.term);
        s.push_str(&format!(":{:+.6}", t.weight));
        for (j, (a, b)) in t.spans.iter().enumerate() {
            s.push(if j == 0 { '@' } else { '|' });
            s.push_str(&format!("{a}-{b}"));
        }
    }
    s
}

/// Serializes terms with rounded weights.
struct Terms<'a>(&'a [TermEvidence]);

impl Serialize for Terms<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct T<'a> {
            term: &'a str,
            weight: f64,
            spans: &'a [(usize, usize)],
        }
        serializer.collect_seq(self.0.iter().map(|t| T { term: &t.term, weight: round6(t.weight), spans: &t.spans }))
    }
}

/// `p_<label>` keys flattened into a row object.
struct Row<'a> {
    head: Vec<(&'static str, serde_json::Value)>,
    labels: &'a [String],
    probabilities: &'a [f64],
    tail: Vec<(&'static str, serde_json::Value)>,
    terms: Option<&'a [TermEvidence]>,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in &self.head {
            map.serialize_entry(k, v)?;
        }
        for (l, p) in self.labels.iter().zip(self.probabilities) {
            map.serialize_entry(&format!("p_{l}"), &round6(*p))?;
        }
        for (k, v) in &self.tail {
            map.serialize_entry(k, v)?;
        }
        if let Some(t) = self.terms {
            map.serialize_entry("terms", &Terms(t))?;
        }
        map.end()
    }
}

fn json_line(out: &mut Vec<u8>, value: &impl Serialize) {
    serde_json::to_writer(&mut *out, value).expect("serializing to memory cannot fail");
    out.push(b'\n');
}

/// The header line of a CSV output.
pub fn csv_header(unit: super::Unit, labels: &[String], explain: bool, evidence: usize) -> String {
    let mut cols: Vec<String> = Vec::new();
    match unit {
        super::Unit::Record => {
            cols.extend(["id", "label"].map(String::from));
            cols.extend(labels.iter().map(|l| format!("p_{l}")));
            if explain {
                cols.push("terms".into());
            }
        }
        super::Unit::Sentence => {
            cols.extend(["id", "sentence", "start", "end", "label"].map(String::from));
            cols.extend(labels.iter().map(|l| format!("p_{l}")));
            cols.push("text".into());
            if explain {
                cols.push("terms".into());
            }
        }
        super::Unit::Article => {
            cols.extend(["id", "title", "date", "source", "sentences"].map(String::from));
            cols.extend(labels.iter().map(|l| format!("n_{l}")));
            cols.extend(["counted", "escalation_index"].map(String::from));
            for side in ["esc", "deesc"] {
                for k in 1..=evidence {
                    for f in ["sentence", "score", "text", "terms"] {
                        cols.push(format!("{side}{k}_{f}"));
                    }
                }
            }
        }
    }
    cols.push("error".into());
    let mut line = cols.iter().map(|c| csv_field(c).into_owned()).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

/// The keys of a JSONL row of a scored record (an error record has `error`, `file`, `id`,
/// `line` instead). Article rows also have one `counts` key per label.
pub fn jsonl_keys(unit: super::Unit, labels: &[String], explain: bool) -> Vec<String> {
    let mut keys: Vec<String> = match unit {
        super::Unit::Record => vec!["id".into(), "label".into()],
        super::Unit::Sentence => ["id", "sentence", "start", "end", "label"].map(String::from).to_vec(),
        super::Unit::Article => {
            return ["id", "title", "date", "source", "sentences", "counts", "counted", "escalation_index", "escalating", "de_escalating"].map(String::from).to_vec()
        }
    };
    keys.extend(labels.iter().map(|l| format!("p_{l}")));
    if unit == super::Unit::Sentence {
        keys.push("text".into());
    }
    if explain {
        keys.push("terms".into());
    }
    keys
}

/// The keys of a JSONL error record.
pub const JSONL_ERROR_KEYS: [&str; 4] = ["error", "file", "id", "line"];

/// Number of CSV columns of a unit (header included).
pub fn csv_columns(unit: super::Unit, n_labels: usize, explain: bool, evidence: usize) -> usize {
    csv_width(unit, n_labels, explain, evidence)
}

/// Number of CSV columns of a unit (for error rows).
fn csv_width(unit: super::Unit, n_labels: usize, explain: bool, evidence: usize) -> usize {
    let e = usize::from(explain);
    match unit {
        super::Unit::Record => 2 + n_labels + e + 1,
        super::Unit::Sentence => 5 + n_labels + 1 + e + 1,
        super::Unit::Article => 5 + n_labels + 2 + 8 * evidence + 1,
    }
}

/// `line N: reason`, or the reason alone where there is no line.
pub fn failure_text(line: Option<u64>, message: &str) -> String {
    match line {
        Some(l) => format!("line {l}: {message}"),
        None => message.to_string(),
    }
}

/// An error record.
pub fn failure_row(out: &mut Vec<u8>, style: Style, unit: super::Unit, n_labels: usize, explain: bool, evidence: usize, f: &InputFailure) {
    if style.csv() {
        let width = csv_width(unit, n_labels, explain, evidence);
        out.extend_from_slice(style.text(&f.id).as_bytes());
        for _ in 1..width - 1 {
            out.push(b',');
        }
        out.push(b',');
        out.extend_from_slice(style.text(&failure_text(f.line, &f.message)).as_bytes());
        out.push(b'\n');
    } else {
        #[derive(Serialize)]
        struct E<'a> {
            error: &'a str,
            file: &'a str,
            id: &'a str,
            line: Option<u64>,
        }
        json_line(out, &E { error: &f.message, file: &f.file, id: &f.id, line: f.line });
    }
}

/// A `--unit record` row.
pub fn record_row(out: &mut Vec<u8>, style: Style, labels: &[String], id: &str, label: &str, probabilities: &[f64], terms: Option<&[TermEvidence]>) {
    if style.csv() {
        let _ = write!(out, "{},{}", style.text(id), csv_field(label));
        for p in probabilities {
            push_probability(out, *p);
        }
        if let Some(t) = terms {
            let _ = write!(out, ",{}", style.text(&terms_field(t)));
        }
        out.extend_from_slice(b",\n");
    } else {
        let row = Row {
            head: vec![("id", id.into()), ("label", label.into())],
            labels,
            probabilities,
            tail: Vec::new(),
            terms,
        };
        json_line(out, &row);
    }
}

/// `,` and the probability with six decimals: the same bytes as `,{p:.6}`, without core::fmt
/// on the hot path.
fn push_probability(out: &mut Vec<u8>, p: f64) {
    match crate::batch::prob_field(p) {
        Some(field) => out.extend_from_slice(&field),
        None => {
            let _ = write!(out, ",{p:.6}");
        }
    }
}

/// A `--unit sentence` row.
pub fn sentence_row(out: &mut Vec<u8>, style: Style, labels: &[String], id: &str, text: &str, s: &SentenceScore, terms: Option<&[TermEvidence]>) {
    let sentence = &text[s.start..s.end];
    if style.csv() {
        let _ = write!(out, "{},{},{},{},{}", style.text(id), s.index, s.start, s.end, csv_field(&labels[s.label]));
        for p in &s.probabilities {
            push_probability(out, *p);
        }
        let _ = write!(out, ",{}", style.text(sentence));
        if let Some(t) = terms {
            let _ = write!(out, ",{}", style.text(&terms_field(t)));
        }
        out.extend_from_slice(b",\n");
    } else {
        let row = Row {
            head: vec![
                ("id", id.into()),
                ("sentence", s.index.into()),
                ("start", s.start.into()),
                ("end", s.end.into()),
                ("label", labels[s.label].clone().into()),
            ],
            labels,
            probabilities: &s.probabilities,
            tail: vec![("text", sentence.into())],
            terms,
        };
        json_line(out, &row);
    }
}

/// A `--unit article` row.
pub fn article_row(out: &mut Vec<u8>, style: Style, labels: &[String], record: &InputRecord, a: &ArticleScore, evidence: usize) {
    let text = record.text.as_str();
    let meta: &ArticleMeta = &record.meta;
    if style.csv() {
        let opt = |o: &Option<String>| style.text(o.as_deref().unwrap_or("")).into_owned();
        let _ = write!(out, "{},{},{},{},{}", style.text(&record.id), opt(&meta.title), opt(&meta.date), opt(&meta.source), a.n_sentences);
        for c in &a.counts {
            let _ = write!(out, ",{c}");
        }
        let _ = write!(out, ",{},{:.6}", a.index.counted, a.index.index);
        for side in [&a.escalating, &a.de_escalating] {
            for k in 0..evidence {
                match side.get(k) {
                    Some(e) => {
                        let _ = write!(
                            out,
                            ",{},{:.6},{},{}",
                            e.sentence.index,
                            e.score,
                            style.text(&text[e.sentence.start..e.sentence.end]),
                            style.text(&terms_field(&e.terms))
                        );
                    }
                    None => out.extend_from_slice(b",,,,"),
                }
            }
        }
        out.extend_from_slice(b",\n");
    } else {
        #[derive(Serialize)]
        struct Ev<'a> {
            sentence: usize,
            start: usize,
            end: usize,
            score: f64,
            p: LabelValues<'a, f64>,
            text: &'a str,
            terms: Terms<'a>,
        }
        #[derive(Serialize)]
        struct Article<'a> {
            id: &'a str,
            title: Option<&'a str>,
            date: Option<&'a str>,
            source: Option<&'a str>,
            sentences: usize,
            counts: LabelCounts<'a>,
            counted: usize,
            escalation_index: f64,
            escalating: Vec<Ev<'a>>,
            de_escalating: Vec<Ev<'a>>,
        }
        fn build<'a>(list: &'a [Evidence], labels: &'a [String], text: &'a str) -> Vec<Ev<'a>> {
            list.iter()
                .map(|e| Ev {
                    sentence: e.sentence.index,
                    start: e.sentence.start,
                    end: e.sentence.end,
                    score: round6(e.score),
                    p: LabelValues(labels, &e.sentence.probabilities),
                    text: &text[e.sentence.start..e.sentence.end],
                    terms: Terms(&e.terms),
                })
                .collect()
        }
        let row = Article {
            id: &record.id,
            title: meta.title.as_deref(),
            date: meta.date.as_deref(),
            source: meta.source.as_deref(),
            sentences: a.n_sentences,
            counts: LabelCounts(labels, &a.counts),
            counted: a.index.counted,
            escalation_index: round6(a.index.index),
            escalating: build(&a.escalating, labels, text),
            de_escalating: build(&a.de_escalating, labels, text),
        };
        json_line(out, &row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_safe_text_cells() {
        for (raw, safe) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("=A1,B1", "\"'=A1,B1\""),
            ("x=1", "x=1"),
            ("", ""),
            ("'already", "'already"),
        ] {
            assert_eq!(csv_text(raw, true), safe, "{raw:?}");
        }
        assert_eq!(csv_text("=1+1", false), "=1+1");
        let style = Style::Csv { spreadsheet_safe: true };
        let mut out = Vec::new();
        let f = InputFailure { file: "in".into(), line: None, id: "-id".into(), message: "-x: broken".into(), remedy: String::new() };
        failure_row(&mut out, style, super::super::Unit::Record, 2, false, 0, &f);
        assert_eq!(String::from_utf8(out).unwrap(), "'-id,,,,'-x: broken\n");
    }
}
