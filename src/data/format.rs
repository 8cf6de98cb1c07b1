//! Input formats, chosen by file extension or `--input-format`.

use std::path::Path;

use crate::error::{Result, StanceError};

/// How records are laid out in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// Tab-separated values with a header row (no quoting: tabs and newlines cannot occur in fields).
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// Plain text, one document per line (no labels; the id is the line number).
    Text,
}

impl InputFormat {
    /// The format named by `explicit`, else guessed from the extension of `path`.
    /// Standard input ("-") without an explicit format is read as plain text.
    pub fn resolve(path: &str, explicit: Option<InputFormat>) -> Result<InputFormat> {
        if let Some(f) = explicit {
            return Ok(f);
        }
        if path == "-" {
            return Ok(InputFormat::Text);
        }
        let ext = Path::new(path).extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(InputFormat::Csv),
            Some("tsv") | Some("tab") => Ok(InputFormat::Tsv),
            Some("jsonl") | Some("ndjson") => Ok(InputFormat::Jsonl),
            Some("txt") | Some("text") => Ok(InputFormat::Text),
            _ => Err(StanceError::Data {
                path: path.to_string(),
                message: "cannot tell the format from the file name".into(),
                remedy: "Name the file .csv, .tsv, .jsonl or .txt, or pass --input-format csv|tsv|jsonl|text.".into(),
            }),
        }
    }
}
