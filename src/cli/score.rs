//! `stance score`: one output row per input record, in input order; bad records become error
//! rows (and a line on stderr) and the run goes on.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Outcome;
use crate::data::reader::DEFAULT_MAX_RECORD_BYTES;
use crate::data::{Columns, InputFormat, ReadOptions, RecordReader};
use crate::error::{Result, StanceError};
use crate::persist;
use crate::pipeline::{Pipeline, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ScoreCmd {
    /// The model to score with.
    #[arg(long)]
    pub model: PathBuf,
    /// Input file, or - for stdin (read as plain text, one document per line, unless --input-format says otherwise).
    #[arg(long, default_value = "-")]
    pub input: String,
    /// Input format when the extension does not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Column (or JSON key) holding the record id [default: the line number].
    #[arg(long)]
    pub id_col: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
    /// Output file, or - for stdout.
    #[arg(long, default_value = "-")]
    pub output: String,
    /// Replace invalid UTF-8 with U+FFFD instead of reporting the record as failed.
    #[arg(long)]
    pub lossy: bool,
    /// Largest record accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub max_record_bytes: usize,
}

/// Writes one row per record in the chosen format.
struct RowWriter {
    out: Box<dyn Write>,
    format: OutputFormat,
    labels: Vec<String>,
}

impl RowWriter {
    fn header(&mut self) -> io::Result<()> {
        if self.format == OutputFormat::Csv {
            let mut cols = vec!["id".to_string(), "label".to_string()];
            cols.extend(self.labels.iter().map(|l| format!("p_{l}")));
            cols.push("error".into());
            writeln!(self.out, "{}", cols.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","))?;
        }
        Ok(())
    }

    fn scored(&mut self, id: &str, label: usize, probabilities: &[f64]) -> io::Result<()> {
        match self.format {
            OutputFormat::Csv => {
                write!(self.out, "{},{}", csv_field(id), csv_field(&self.labels[label]))?;
                for &p in probabilities {
                    // Same bytes as `,{p:.6}`, without core::fmt.
                    match crate::batch::prob_field(p) {
                        Some(field) => self.out.write_all(&field)?,
                        None => write!(self.out, ",{p:.6}")?,
                    }
                }
                self.out.write_all(b",\n")
            }
            OutputFormat::Jsonl => {
                let mut obj = serde_json::Map::new();
                obj.insert("id".into(), id.into());
                obj.insert("label".into(), self.labels[label].clone().into());
                for (l, p) in self.labels.iter().zip(probabilities) {
                    obj.insert(format!("p_{l}"), round6(*p).into());
                }
                writeln!(self.out, "{}", serde_json::Value::Object(obj))
            }
        }
    }

    fn failed(&mut self, id: &str, line: u64, message: &str) -> io::Result<()> {
        match self.format {
            OutputFormat::Csv => {
                write!(self.out, "{},", csv_field(id))?;
                for _ in &self.labels {
                    write!(self.out, ",")?;
                }
                writeln!(self.out, ",{}", csv_field(&format!("line {line}: {message}")))
            }
            OutputFormat::Jsonl => {
                let value = serde_json::json!({"id": id, "line": line, "error": message});
                writeln!(self.out, "{value}")
            }
        }
    }
}

fn round6(p: f64) -> f64 {
    (p * 1e6).round() / 1e6
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

fn open_output(path: &str) -> Result<Box<dyn Write>> {
    if path == "-" {
        return Ok(Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())));
    }
    let file = File::create(path).map_err(|e| StanceError::io(std::path::Path::new(path), "creating the output", e))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 16, file)))
}

pub fn run(cmd: ScoreCmd) -> Result<Outcome> {
    let pipeline = persist::load(&cmd.model)?;
    let format = InputFormat::resolve(&cmd.input, cmd.input_format)?;
    let options = ReadOptions {
        format,
        columns: Columns { text: cmd.text_col.clone(), label: None, id: cmd.id_col.clone() },
        max_record_bytes: cmd.max_record_bytes,
        lossy: cmd.lossy,
    };
    let mut reader = RecordReader::open(&cmd.input, options)?;
    let writer = RowWriter { out: open_output(&cmd.output)?, format: cmd.format, labels: pipeline.labels().to_vec() };
    let counts = score_stream(&pipeline, &mut reader, writer, &cmd.output)?;
    eprintln!("read {} records: {} scored, {} failed", counts.0 + counts.1, counts.0, counts.1);
    Ok(if counts.1 > 0 { Outcome::SomeFailed } else { Outcome::Ok })
}

/// Scores every record; returns (scored, failed).
fn score_stream(pipeline: &Pipeline, reader: &mut RecordReader, mut writer: RowWriter, output: &str) -> Result<(u64, u64)> {
    let out_err = |e: io::Error| StanceError::io(std::path::Path::new(output), "writing the output", e);
    writer.header().map_err(out_err)?;
    let mut ws = Workspace::default();
    let (mut scored, mut failed) = (0u64, 0u64);
    let path = reader.path().to_string();
    while let Some(item) = reader.next_record()? {
        match item {
            Ok(record) if record.text.trim().is_empty() => {
                failed += 1;
                eprintln!("{path}:{}: empty text; the record was not scored", record.line);
                writer.failed(&record.id, record.line, "empty text").map_err(out_err)?;
            }
            Ok(record) => {
                let label = pipeline.predict(&record.text, &mut ws);
                writer.scored(&record.id, label, &ws.probabilities).map_err(out_err)?;
                scored += 1;
            }
            Err(e) => {
                failed += 1;
                eprintln!("{path}:{}: {}. {}", e.line, e.message, e.remedy);
                let id = e.id.clone().unwrap_or_else(|| e.line.to_string());
                writer.failed(&id, e.line, &e.message).map_err(out_err)?;
            }
        }
    }
    writer.out.flush().map_err(out_err)?;
    Ok((scored, failed))
}
