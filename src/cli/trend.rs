//! `stance trend`: the escalation index over time from scored article JSONL.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::Outcome;
use crate::error::{Result, StanceError};
use crate::trend::{self, Period};

#[derive(Debug, Args)]
pub struct TrendCmd {
    /// Scored articles: the JSONL of `stance score --unit article --format jsonl`, or - for stdin.
    #[arg(long)]
    pub input: String,
    /// Bucket width.
    #[arg(long, value_enum, default_value_t = Period::Day)]
    pub by: Period,
    /// CSV output file, or - for stdout.
    #[arg(long, default_value = "-")]
    pub output: String,
    /// Also draw a line chart (one line overall and one per source) into this .svg file.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// No notes about skipped lines.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(cmd: TrendCmd) -> Result<Outcome> {
    if let Some(chart) = &cmd.chart {
        let ext = chart.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
        if ext.as_deref() != Some("svg") {
            return Err(StanceError::config(
                "chart",
                format!(
                    "{}: charts are written as SVG only; name the file .svg (convert to PNG with e.g. `rsvg-convert -o chart.png chart.svg`)",
                    chart.display()
                ),
            ));
        }
    }
    let input: Box<dyn BufRead> = if cmd.input == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let f = std::fs::File::open(&cmd.input).map_err(|e| StanceError::io(Path::new(&cmd.input), "opening the input", e))?;
        Box::new(BufReader::new(f))
    };
    let trend = trend::compute(input, cmd.by)?;
    if !cmd.quiet && !trend.skipped.is_empty() {
        for (line, reason) in trend.skipped.iter().take(5) {
            eprintln!("{}:{line}: skipped: {reason}", cmd.input);
        }
        if trend.skipped.len() > 5 {
            eprintln!("... and {} more skipped lines", trend.skipped.len() - 5);
        }
    }
    let out_err = |e| StanceError::io(Path::new(&cmd.output), "writing the output", e);
    {
        let mut out: Box<dyn Write> = if cmd.output == "-" {
            Box::new(BufWriter::new(io::stdout().lock()))
        } else {
            Box::new(BufWriter::new(std::fs::File::create(&cmd.output).map_err(|e| StanceError::io(Path::new(&cmd.output), "creating the output", e))?))
        };
        trend::write_csv(&trend, &mut out).map_err(out_err)?;
        out.flush().map_err(out_err)?;
    }
    if let Some(chart) = &cmd.chart {
        trend::write_svg(&trend, chart)?;
    }
    if !cmd.quiet {
        eprintln!("{} articles in {} buckets; {} lines skipped", trend.articles, trend.rows.iter().filter(|r| r.source == trend::ALL_SOURCES).count(), trend.skipped.len());
    }
    if trend.articles == 0 {
        return Err(StanceError::Data {
            path: cmd.input.clone(),
            message: "no dated, scored article".into(),
            remedy: "Give the JSONL of `stance score --unit article --format jsonl` on articles with a date.".into(),
        });
    }
    Ok(Outcome::Ok)
}
