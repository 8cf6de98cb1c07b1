//! The fast route of `stance score` for the commonest batch job: plain text, one record per
//! line, scored to CSV with nothing else asked for. [`crate::batch::LineScorer`] writes the same
//! bytes as the general record pipeline (`tests/batch_parity.rs` compares stdout and stderr),
//! without a reader thread or a string per record, so it runs about 1.5x faster.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::score::ScoreCmd;
use super::Outcome;
use crate::batch::LineScorer;
use crate::data::InputFormat;
use crate::error::{Result, StanceError};
use crate::score::input::InputStats;
use crate::score::progress::Progress;
use crate::score::{RowFormat, Summary, Unit};
use crate::Pipeline;

/// Set to `general` to send every run through the general record pipeline (for comparing the
/// two routes; users never need it).
pub const ROUTE_VARIABLE: &str = "STANCE_SCORE_ROUTE";

/// Whether this run can take the fast route: a text file scored per line (record unit) to CSV,
/// without explanations, abstention, a tuned threshold, resuming, --strict, --lossy
/// or --spreadsheet-safe.
pub fn eligible(cmd: &ScoreCmd, unit: Unit, format: RowFormat, explain: usize, pipeline: &Pipeline) -> bool {
    matches!(InputFormat::resolve(&cmd.input, cmd.input_format), Ok(InputFormat::Text))
        && unit == Unit::Record
        && format == RowFormat::Csv
        && explain == 0
        && cmd.abstain.is_none()
        && !cmd.resume
        && !cmd.strict
        && !cmd.lossy
        && !cmd.spreadsheet_safe
        && !cmd.whole
        && cmd.input != "-"
        && Path::new(&cmd.input).is_file()
        && pipeline.decision_rule().is_none()
        && std::env::var(ROUTE_VARIABLE).map_or(true, |v| v != "general")
}

/// Remembers whether the input failed, so an I/O error can name the right file.
struct Watched<R> {
    inner: R,
    failed: bool,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = self.inner.read(buf);
        self.failed |= r.as_ref().is_err_and(|e| e.kind() != io::ErrorKind::Interrupted);
        r
    }
}

/// Scores the lines of `cmd.input` into `out` on `threads` workers, reporting failures and
/// the summary on stderr as the general route does.
pub fn run(cmd: &ScoreCmd, pipeline: &Pipeline, threads: usize, out: Box<dyn io::Write>) -> Result<Outcome> {
    let path = PathBuf::from(&cmd.input);
    let file = File::open(&path).map_err(|e| StanceError::io(&path, "reading the input", e))?;
    let total = file.metadata().ok().map(|m| m.len());
    let stats = Arc::new(InputStats::default());
    // Both callbacks draw on stderr: the failure one clears the bar first.
    let progress = RefCell::new((!cmd.quiet && io::stderr().is_terminal()).then(|| Progress::new(stats.clone(), total)));
    let mut input = Watched { inner: file, failed: false };
    let mut scorer = LineScorer::new(pipeline, threads).max_record_bytes(cmd.max_record_bytes);
    let result = scorer.score_stream_with_progress(
        &mut input,
        out,
        |f| {
            if let Some(p) = progress.borrow_mut().as_mut() {
                p.clear();
            }
            eprintln!("{}:{}: {}{}", cmd.input, f.line, f.message, f.remedy);
        },
        |lines, bytes| {
            stats.bytes.store(bytes, Ordering::Relaxed);
            if let Some(p) = progress.borrow_mut().as_mut() {
                p.update(lines);
            }
        },
    );
    if let Some(p) = progress.borrow_mut().as_mut() {
        p.clear();
    }
    let counts = result.map_err(|e| {
        if input.failed {
            StanceError::io(&path, "reading the input", e)
        } else {
            StanceError::io(Path::new(&cmd.output), "writing the output", e)
        }
    })?;
    let summary = Summary { read: counts.scored + counts.failed, scored: counts.scored, failed: counts.failed, ..Summary::default() };
    eprintln!("{summary}");
    Ok(if counts.failed > 0 { Outcome::SomeFailed } else { Outcome::Ok })
}
