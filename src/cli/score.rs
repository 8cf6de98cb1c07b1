//! `stance score`: flags -> [`score::ScoreOptions`] and [`score::InputSpec`], then
//! [`score::score_stream`]. Rows go to stdout or `--output`; errors, notes, the progress bar
//! and the summary to stderr.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{score_lines, Outcome};
use crate::data::reader::DEFAULT_MAX_RECORD_BYTES;
use crate::data::InputFormat;
use crate::error::{Result, StanceError};
use crate::persist;
use crate::score::progress::Progress;
use crate::score::{self, resume, IndexBasis, InputSource, InputSpec, Reporter, RowFormat, ScoreOptions, Scorer, StreamOptions, Unit};

/// Most evidence sentences per direction (`--evidence`).
const MAX_EVIDENCE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ScoreCmd {
    /// The model to score with.
    #[arg(long, default_value = "models/stance.model")]
    pub model: PathBuf,
    /// Input: a file, a directory of .txt/.md articles (one record per file, id = file name,
    /// sorted by name), or - for stdin (plain text, one record per line, unless --input-format
    /// or --whole says otherwise).
    #[arg(long, default_value = "-")]
    pub input: String,
    /// Input format when the extension does not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Read the whole input file (or stdin) as one record. The default for a .txt/.md file with
    /// --unit sentence or article (give --input-format text for one record per line).
    #[arg(long)]
    pub whole: bool,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Column (or JSON key) holding the record id [default: the line number; with --unit
    /// sentence or article, the `id` column or key when there is one].
    #[arg(long)]
    pub id_col: Option<String>,
    /// Column (or JSON key) with the article title (optional; --unit article).
    #[arg(long, default_value = "title")]
    pub title_col: String,
    /// Column (or JSON key) with the article date, YYYY-MM-DD (optional; --unit article, for `stance trend`).
    #[arg(long, default_value = "date")]
    pub date_col: String,
    /// Column (or JSON key) with the article source (optional; --unit article).
    #[arg(long, default_value = "source")]
    pub source_col: String,
    /// One output row per input record, per sentence, or per article with its roll-up.
    #[arg(long, value_enum)]
    pub unit: Option<Unit>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
    /// Output file, or - for stdout. Written a whole record at a time, so that an interrupted run
    /// leaves complete records (a kill during a write can still cut the last one at a page
    /// boundary; --resume drops it).
    #[arg(long, default_value = "-")]
    pub output: String,
    /// Carry on an interrupted run: keep the complete records already in --output, skip the
    /// input records they stand for, and append the rest (the same input and settings as the
    /// interrupted run; CSV or JSONL).
    #[arg(long)]
    pub resume: bool,
    /// Add the N strongest terms of each row (record, sentence); with --unit article, the number
    /// of terms per evidence sentence [article default: 5].
    #[arg(long, value_name = "N")]
    pub explain: Option<usize>,
    /// Evidence sentences per direction with --unit article.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub evidence: usize,
    /// Print a readable view of each article (sentences with escalating and de-escalating
    /// phrases marked) instead of CSV/JSONL; implies --unit article.
    #[arg(long)]
    pub view: bool,
    /// Colours in the view.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Scoring threads [default: the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop at the first record that fails (it is still written as an error record).
    #[arg(long)]
    pub strict: bool,
    /// No progress bar and no notes (errors and the summary still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,
    /// CSV for spreadsheets: prefix a single quote to every text cell (id, title, sentence text,
    /// terms, error) that starts with =, +, -, @, a tab or a carriage return, so that it is not
    /// run as a formula. Numbers and labels are never changed.
    #[arg(long)]
    pub spreadsheet_safe: bool,
    /// Replace invalid UTF-8 with U+FFFD instead of reporting the record as failed (counted in the summary).
    #[arg(long)]
    pub lossy: bool,
    /// Largest record (and line) accepted, in bytes; a longer one is reported as a failed record
    /// without being read into memory.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub max_record_bytes: usize,
    /// Label "abstain" when unsure (--unit record): p(positive) within BAND of the model's
    /// threshold (two labels; 0.5 without a tuned one), or the two most probable labels within
    /// 2 x BAND. Without a value 0.1; without the flag, the band stored in the model (if any).
    #[arg(long, value_name = "BAND", num_args = 0..=1, default_missing_value = "0.1")]
    pub abstain: Option<f64>,
}

/// Prints failures on stderr, and the progress bar when there is one.
struct StderrReporter {
    progress: Option<Progress>,
}

impl Reporter for StderrReporter {
    fn failure(&mut self, message: &str) {
        if let Some(p) = &mut self.progress {
            p.clear();
        }
        eprintln!("{message}");
    }
    fn progress(&mut self, records: u64) {
        if let Some(p) = &mut self.progress {
            p.update(records);
        }
    }
}

/// The output, unbuffered: [`score::score_stream`] hands it whole records only.
fn open_output(path: &str) -> Result<Box<dyn Write>> {
    if path == "-" {
        return Ok(Box::new(io::stdout().lock()));
    }
    let file = File::create(path).map_err(|e| StanceError::io(Path::new(path), "creating the output", e))?;
    Ok(Box::new(file))
}

/// Where a resumed run carries on.
struct Resumed {
    out: Box<dyn Write>,
    existing: resume::Existing,
}

/// `--resume`: reads what the output file holds, skips the input records it already has (checking
/// that the input has them, with the same ids), cuts the file after its last complete record and
/// opens it for appending. `None` when there is no file to resume (a fresh run).
fn open_resumed(cmd: &ScoreCmd, scorer: &Scorer<'_>, source: &mut InputSource) -> Result<Option<Resumed>> {
    let path = Path::new(&cmd.output);
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StanceError::io(path, "opening the output to resume", e)),
    };
    let max_row = cmd.max_record_bytes.saturating_mul(8).max(256 << 20);
    let existing = resume::scan(io::BufReader::with_capacity(1 << 16, file), path, scorer, max_row)?;
    let not_this_input = |message: String| StanceError::Data {
        path: cmd.output.clone(),
        message,
        remedy: format!("It is not the output of {}: resume with the input of the interrupted run, or drop --resume to start afresh (the file is overwritten).", cmd.input),
    };
    let (skipped, last_input_id) = source.skip(existing.records)?;
    let in_file = existing.records + u64::from(existing.rescore_id.is_some());
    if skipped < existing.records || (existing.rescore_id.is_some() && source.peek_id()?.is_none()) {
        return Err(not_this_input(format!("it holds {in_file} records but the input has only {skipped}")));
    }
    let mismatch = |n: u64, written: &str, input: &str| not_this_input(format!("its record {n} has the id '{written}' but input record {n} has the id '{input}'"));
    if let (Some(written), Some(input)) = (&existing.last_id, &last_input_id) {
        if written.as_str() != resume::written_id(scorer, input) {
            return Err(mismatch(existing.records, written, input));
        }
    }
    if let Some(written) = &existing.rescore_id {
        let input = source.peek_id()?.unwrap_or_default();
        if written.as_str() != resume::written_id(scorer, &input) {
            return Err(mismatch(existing.records + 1, written, &input));
        }
    }
    let file = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| StanceError::io(path, "opening the output to resume", e))?;
    if existing.keep < existing.len {
        file.set_len(existing.keep).map_err(|e| StanceError::io(path, "cutting the incomplete end of the output", e))?;
    }
    Ok(Some(Resumed { out: Box::new(file), existing }))
}

/// Whether a file is read whole by default: a .txt/.md file scored by sentence or article.
fn reads_whole(cmd: &ScoreCmd, unit: Unit) -> bool {
    if cmd.whole {
        return true;
    }
    unit != Unit::Record && cmd.input_format.is_none() && cmd.input != "-" && !Path::new(&cmd.input).is_dir() && score::input::is_article_file(Path::new(&cmd.input))
}

pub fn run(cmd: ScoreCmd) -> Result<Outcome> {
    let unit = match (cmd.unit, cmd.view) {
        (Some(u), true) if u != Unit::Article => return Err(StanceError::config("view", "--view shows articles; drop --unit or use --unit article")),
        (_, true) => Unit::Article,
        (u, false) => u.unwrap_or(Unit::Record),
    };
    if cmd.max_record_bytes == 0 {
        return Err(StanceError::config("max-record-bytes", "--max-record-bytes must be at least 1"));
    }
    if cmd.evidence > MAX_EVIDENCE {
        return Err(StanceError::config("evidence", format!("--evidence must be at most {MAX_EVIDENCE} (each adds 8 CSV columns)")));
    }
    let threads = match cmd.threads {
        Some(n) if n == 0 || n > score::stream::MAX_THREADS => {
            return Err(StanceError::config("threads", format!("--threads must be between 1 and {}", score::stream::MAX_THREADS)))
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    let format = if cmd.view {
        let color = match cmd.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => cmd.output == "-" && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        RowFormat::View { color }
    } else {
        match cmd.format {
            OutputFormat::Csv => RowFormat::Csv,
            OutputFormat::Jsonl => RowFormat::Jsonl,
        }
    };
    if cmd.spreadsheet_safe && format != RowFormat::Csv {
        return Err(StanceError::config("spreadsheet-safe", "--spreadsheet-safe applies to CSV output; drop it, or use --format csv without --view"));
    }
    let explain = cmd.explain.unwrap_or(0);
    let options = ScoreOptions {
        unit,
        format,
        explain: if unit == Unit::Article { 0 } else { explain },
        evidence: cmd.evidence,
        evidence_terms: cmd.explain.unwrap_or(5),
        strict: cmd.strict,
        abstain: cmd.abstain,
        spreadsheet_safe: cmd.spreadsheet_safe,
        stream: StreamOptions::new(threads),
    };
    if let Some(band) = cmd.abstain.filter(|b| !(0.0..=0.5).contains(b)) {
        return Err(StanceError::config("abstain", format!("{band} must be between 0 and 0.5")));
    }

    let pipeline = persist::load(&cmd.model)?;
    let scorer = Scorer::new(&pipeline, options)?;
    if let Some(map) = scorer.map().filter(|m| unit == Unit::Article && m.basis == IndexBasis::Sentiment) {
        if !cmd.quiet {
            let l = pipeline.labels();
            eprintln!(
                "note: {} is a sentiment model: the escalation index takes '{}' as the escalation side and '{}' as the de-escalation side",
                cmd.model.display(),
                l[map.escalation],
                l[map.de_escalation]
            );
        }
    }

    if cmd.resume && cmd.output == "-" {
        return Err(StanceError::config("resume", "--resume continues an output file: give it with --output FILE (standard output cannot be resumed)"));
    }
    if cmd.resume && cmd.view {
        return Err(StanceError::config("resume", "--resume works with CSV and JSONL output, not with --view"));
    }
    let article_meta = unit == Unit::Article;
    let spec = InputSpec {
        path: cmd.input.clone(),
        format: cmd.input_format,
        whole: reads_whole(&cmd, unit),
        text_col: cmd.text_col.clone(),
        id_col: cmd.id_col.clone(),
        id_fallback: unit != Unit::Record,
        title_col: article_meta.then(|| cmd.title_col.clone()),
        date_col: article_meta.then(|| cmd.date_col.clone()),
        source_col: article_meta.then(|| cmd.source_col.clone()),
        max_record_bytes: cmd.max_record_bytes,
        lossy: cmd.lossy,
    };
    let mut source = InputSource::open(&spec)?;
    if source.skipped_files > 0 && !cmd.quiet {
        eprintln!("note: {}: skipped {} files that are not .txt or .md", cmd.input, source.skipped_files);
    }
    if score_lines::eligible(&cmd, unit, format, explain, &pipeline) {
        drop(source);
        return score_lines::run(&cmd, &pipeline, threads, open_output(&cmd.output)?);
    }
    let progress = (!cmd.quiet && io::stderr().is_terminal()).then(|| Progress::new(source.stats(), source.total_bytes()));
    let resumed = if cmd.resume { open_resumed(&cmd, &scorer, &mut source)? } else { None };
    let (mut out, header, failed_before) = match resumed {
        Some(Resumed { out, existing }) => {
            if !cmd.quiet {
                let dropped = existing.len - existing.keep;
                let mut note = format!("note: resuming {}: {} records already there ({} failed)", cmd.output, existing.records, existing.failed);
                if existing.rescore_id.is_some() {
                    note.push_str(&format!("; the rows of record {} are written again", existing.records + 1));
                }
                if dropped > 0 {
                    note.push_str(&format!("; {dropped} bytes after the last complete record dropped"));
                }
                eprintln!("{note}");
            }
            (out, !existing.has_header, existing.failed)
        }
        None => (open_output(&cmd.output)?, true, 0),
    };
    let mut reporter = StderrReporter { progress };
    let result = score::score_stream_with(&scorer, source, &mut out, &mut reporter, header);
    if let Some(p) = &mut reporter.progress {
        p.clear();
    }
    let summary = result.map_err(|e| match e {
        StanceError::Io { action: "writing the output", source, remedy, .. } => StanceError::Io { path: PathBuf::from(&cmd.output), action: "writing the output", source, remedy },
        e => e,
    })?;
    eprintln!("{summary}");
    Ok(if summary.failed + failed_before > 0 { Outcome::SomeFailed } else { Outcome::Ok })
}
