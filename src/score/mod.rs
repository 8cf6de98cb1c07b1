//! Batch scoring: read records (lines, CSV/TSV/JSONL rows, files of a directory, a whole file),
//! score them on several threads in chunks, and write one row per record (`Unit::Record`), per
//! sentence (`Unit::Sentence`) or per article with a roll-up (`Unit::Article`), in input order.
//!
//! Accounting: every input record yields its output row(s) or exactly one error record, and the
//! [`Summary`] counts records read, scored and failed. With `strict`, the stream stops after the
//! first error record (records before it are all written).
//!
//! * [`input`]: where records come from.
//! * [`rollup`]: the escalation index (formula there), label counts, evidence.
//! * [`stream`]: ordered parallel chunked processing with bounded memory.
//! * [`output`]: CSV/JSONL rows; [`view`]: the terminal view; [`progress`]: the progress bar.

pub mod input;
pub mod output;
pub mod progress;
pub mod resume;
pub mod rollup;
pub mod stream;
pub mod view;

use std::io::Write;
use std::sync::atomic::Ordering;

pub use input::{ArticleMeta, InputFailure, InputItem, InputRecord, InputSource, InputSpec};
pub use rollup::{escalation_index, score_article, select_evidence, ArticleScore, IndexBasis, IndexSummary, SentenceScore, StanceMap};
pub use stream::{Flow, StreamOptions};

use crate::error::{Result, StanceError};
use crate::pipeline::{Pipeline, Workspace};
use rollup::ArticleWorkspace;

/// What one output row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    /// One row per input record, the record's text scored as a whole.
    Record,
    /// One row per sentence of each record, with the record id and the sentence index.
    Sentence,
    /// One row per record: its sentences rolled up into an escalation index and evidence.
    Article,
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    Csv,
    Jsonl,
    /// The readable terminal view (articles only), with ANSI colours or with text marks.
    View { color: bool },
}

/// What to compute and write.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub unit: Unit,
    pub format: RowFormat,
    /// Terms per row (record and sentence units); 0 for none.
    pub explain: usize,
    /// Evidence sentences per direction (article unit).
    pub evidence: usize,
    /// Terms per evidence sentence (article unit and view).
    pub evidence_terms: usize,
    /// Stop at the first record that fails.
    pub strict: bool,
    /// Abstain band for the record unit (see `Pipeline::decide_with_band`); None: the model's.
    pub abstain: Option<f64>,
    /// CSV: prefix `'` to text cells that start like a spreadsheet formula (see [`output`]).
    pub spreadsheet_safe: bool,
    pub stream: StreamOptions,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            unit: Unit::Record,
            format: RowFormat::Csv,
            explain: 0,
            evidence: 3,
            evidence_terms: 5,
            strict: false,
            abstain: None,
            spreadsheet_safe: false,
            stream: StreamOptions::new(1),
        }
    }
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read (scored + failed).
    pub read: u64,
    pub scored: u64,
    pub failed: u64,
    /// Sentences scored (sentence and article units).
    pub sentences: u64,
    /// Records whose invalid UTF-8 was replaced (`lossy`).
    pub lossy: u64,
    /// The run stopped at a failure (`strict`).
    pub stopped: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "read {} records: {} scored, {} failed", self.read, self.scored, self.failed)?;
        if self.sentences > 0 {
            write!(f, "; {} sentences", self.sentences)?;
        }
        if self.lossy > 0 {
            write!(f, "; invalid UTF-8 replaced in {} records", self.lossy)?;
        }
        if self.stopped {
            write!(f, "; stopped at the first failure (--strict)")?;
        }
        Ok(())
    }
}

/// What happened to one record.
#[derive(Debug, Clone, Default)]
pub struct RecordResult {
    /// End of this record's rows in the chunk's bytes.
    pub end: usize,
    pub sentences: u64,
    /// The stderr message of a failed record.
    pub failure: Option<String>,
}

/// One processed chunk: rendered rows and per-record results.
#[derive(Debug, Default)]
pub struct ChunkOutput {
    pub bytes: Vec<u8>,
    pub records: Vec<RecordResult>,
}

/// Per-worker buffers.
#[derive(Debug, Default)]
pub struct WorkerState {
    article: ArticleWorkspace,
    sentences: Vec<SentenceScore>,
}

/// Scores records with one pipeline and options; shared by all workers.
pub struct Scorer<'a> {
    pipeline: &'a Pipeline,
    options: ScoreOptions,
    map: Option<StanceMap>,
}

impl<'a> Scorer<'a> {
    /// Checks that the options fit the model (the article unit and the view need escalation and
    /// de-escalation labels, or negative/positive; see [`StanceMap::from_labels`]).
    pub fn new(pipeline: &'a Pipeline, options: ScoreOptions) -> Result<Self> {
        let view = matches!(options.format, RowFormat::View { .. });
        if view && options.unit != Unit::Article {
            return Err(StanceError::config("view", "the terminal view shows articles; use it with --unit article"));
        }
        let map = match options.unit {
            Unit::Article => Some(StanceMap::from_labels(pipeline.labels())?),
            _ => StanceMap::from_labels(pipeline.labels()).ok(),
        };
        Ok(Scorer { pipeline, options, map })
    }

    pub fn options(&self) -> &ScoreOptions {
        &self.options
    }

    /// The model's labels, in its order.
    pub fn labels(&self) -> &[String] {
        self.pipeline.labels()
    }

    /// The stance map in use (`None` when the labels have none and the unit needs none).
    pub fn map(&self) -> Option<&StanceMap> {
        self.map.as_ref()
    }

    /// The CSV header line, if the format has one.
    pub fn header(&self) -> Option<String> {
        match self.options.format {
            RowFormat::Csv => Some(output::csv_header(self.options.unit, self.pipeline.labels(), self.options.explain > 0, self.options.evidence)),
            _ => None,
        }
    }

    /// Scores one item into `out`, returning what happened.
    pub fn process(&self, item: &InputItem, state: &mut WorkerState, out: &mut Vec<u8>) -> RecordResult {
        match item {
            Err(f) => {
                let message = format!("{}: {}. {}", f.location(), f.message, f.remedy);
                self.failure_row(out, f);
                RecordResult { end: out.len(), sentences: 0, failure: Some(message) }
            }
            Ok(record) => match self.score_record(record, state, out) {
                Ok(sentences) => RecordResult { end: out.len(), sentences, failure: None },
                Err(reason) => {
                    let f = InputFailure { file: record.file.clone(), line: Some(record.line), id: record.id.clone(), message: reason.to_string(), remedy: String::new() };
                    let message = format!("{}: {reason}{NOT_SCORED}", location(record));
                    self.failure_row(out, &f);
                    RecordResult { end: out.len(), sentences: 0, failure: Some(message) }
                }
            },
        }
    }

    /// How CSV/JSONL rows are written (the view does not use it).
    fn style(&self) -> output::Style {
        match self.options.format {
            RowFormat::Jsonl => output::Style::Jsonl,
            _ => output::Style::Csv { spreadsheet_safe: self.options.spreadsheet_safe },
        }
    }

    fn failure_row(&self, out: &mut Vec<u8>, f: &InputFailure) {
        match self.options.format {
            RowFormat::View { .. } => {
                let _ = writeln!(out, "══ {} ══\nerror: {}: {}\n", f.id, f.location(), f.message);
            }
            _ => output::failure_row(
                out,
                self.style(),
                self.options.unit,
                self.pipeline.labels().len(),
                self.options.explain > 0,
                self.options.evidence,
                f,
            ),
        }
    }

    /// Writes the rows of a readable record; `Err` is the reason it cannot be scored.
    fn score_record(&self, record: &InputRecord, state: &mut WorkerState, out: &mut Vec<u8>) -> std::result::Result<u64, &'static str> {
        if record.text.trim().is_empty() {
            return Err("empty text");
        }
        let p = self.pipeline;
        let csv = self.style();
        let ws: &mut Workspace = &mut state.article.ws;
        match self.options.unit {
            Unit::Record => {
                let best = p.predict(&record.text, ws);
                let probabilities = std::mem::take(&mut ws.probabilities);
                // The stored threshold (if any) and the abstain band decide the label.
                let decision = p.decide_with_band(&probabilities, self.options.abstain);
                let explained = match decision {
                    crate::model::decision::Decision::Label(i) => i,
                    crate::model::decision::Decision::Abstain => best,
                };
                let terms = (self.options.explain > 0).then(|| p.explain(&record.text, explained, self.options.explain, ws));
                output::record_row(out, csv, p.labels(), &record.id, decision.name(p.labels()), &probabilities, terms.as_deref());
                ws.probabilities = probabilities;
                Ok(0)
            }
            Unit::Sentence => {
                rollup::score_sentences(p, &record.text, &mut state.article, &mut state.sentences);
                if state.sentences.is_empty() {
                    return Err("no sentence with a letter or digit");
                }
                for s in &state.sentences {
                    let terms = (self.options.explain > 0).then(|| rollup::explain_sentence(p, &record.text, s, s.label, self.options.explain, &mut state.article.ws));
                    output::sentence_row(out, csv, p.labels(), &record.id, &record.text, s, terms.as_deref());
                }
                Ok(state.sentences.len() as u64)
            }
            Unit::Article => {
                let map = self.map.as_ref().expect("checked in Scorer::new");
                rollup::score_sentences(p, &record.text, &mut state.article, &mut state.sentences);
                if state.sentences.is_empty() {
                    return Err("no sentence with a letter or digit");
                }
                let n = state.sentences.len() as u64;
                let sentences = &state.sentences;
                let ws = &mut state.article.ws;
                let article = rollup::roll_up(p, map, &record.text, sentences, self.options.evidence, self.options.evidence_terms, ws);
                match self.options.format {
                    RowFormat::View { color } => view::render_article(out, p, map, record, sentences, &article, self.options.evidence_terms, color, ws),
                    _ => output::article_row(out, csv, p.labels(), record, &article, self.options.evidence),
                }
                Ok(n)
            }
        }
    }

    /// Scores one chunk of items.
    pub fn process_chunk(&self, items: Vec<InputItem>, state: &mut WorkerState) -> ChunkOutput {
        let mut chunk = ChunkOutput { bytes: Vec::with_capacity(items.len() * 96), records: Vec::with_capacity(items.len()) };
        for item in &items {
            let r = self.process(item, state, &mut chunk.bytes);
            chunk.records.push(r);
        }
        chunk
    }
}

/// What stderr adds after the reason a record could not be scored (no remedy applies).
pub const NOT_SCORED: &str = "; the record was not scored";

fn location(r: &InputRecord) -> String {
    format!("{}:{}", r.file, r.line)
}

/// Hears about failures and progress while a stream runs.
pub trait Reporter {
    /// A record failed; `message` names its file and line, the reason and the remedy.
    fn failure(&mut self, _message: &str) {}
    /// `records` records have been written so far.
    fn progress(&mut self, _records: u64) {}
}

/// Reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// Reads every item of `source`, scores it with `scorer` on `scorer.options().stream.threads`
/// workers, and writes the rows to `out` in input order (the CSV header first).
///
/// `out` only ever sees `write_all` calls of whole records (see [`output::RecordWriter`]): give
/// it an unbuffered file so that an interrupted run leaves complete records behind.
pub fn score_stream(scorer: &Scorer<'_>, source: InputSource, out: &mut dyn Write, reporter: &mut dyn Reporter) -> Result<Summary> {
    score_stream_with(scorer, source, out, reporter, true)
}

/// [`score_stream`], writing the CSV header only when `header` (not when appending to a file
/// that has it: `--resume`).
pub fn score_stream_with(scorer: &Scorer<'_>, mut source: InputSource, out: &mut dyn Write, reporter: &mut dyn Reporter, header: bool) -> Result<Summary> {
    let stats = source.stats();
    let out_err = |e: std::io::Error| StanceError::io(std::path::Path::new("<output>"), "writing the output", e);
    let mut writer = output::RecordWriter::new(out, output::WRITE_CAPACITY);
    if let Some(h) = scorer.header().filter(|_| header) {
        writer.record(h.as_bytes()).map_err(out_err)?;
    }
    let mut summary = Summary::default();
    let strict = scorer.options().strict;
    let streamed = stream::run_ordered(
        scorer.options().stream,
        move || {
            let item = source.next_item()?;
            Ok(item.map(|it| {
                let weight = match &it {
                    Ok(r) => r.text.len() + 64,
                    Err(_) => 64,
                };
                (it, weight)
            }))
        },
        WorkerState::default,
        |state, items| scorer.process_chunk(items, state),
        |_, chunk| {
            let mut start = 0;
            for r in &chunk.records {
                writer.record(&chunk.bytes[start..r.end]).map_err(out_err)?;
                start = r.end;
                summary.read += 1;
                summary.sentences += r.sentences;
                match &r.failure {
                    None => summary.scored += 1,
                    Some(message) => {
                        summary.failed += 1;
                        reporter.failure(message);
                        if strict {
                            summary.stopped = true;
                            return Ok(Flow::Stop);
                        }
                    }
                }
            }
            reporter.progress(summary.read);
            Ok(Flow::Continue)
        },
    );
    // The records before a failure of the input are written all the same.
    let finished = writer.finish().map_err(out_err);
    streamed?;
    finished?;
    summary.lossy = stats.lossy.load(Ordering::Relaxed);
    Ok(summary)
}
