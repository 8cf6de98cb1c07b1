//! `stance score --output FILE --resume`: carry on an interrupted batch without duplicating rows.
//!
//! The output is written a whole record at a time ([`super::output::RecordWriter`]), so a killed
//! run leaves complete records in FILE, except, rarely, a record cut at a page boundary. To
//! resume, [`scan`] reads FILE and works out
//!
//! * how many bytes to keep: the header and every complete record; an incomplete trailing record
//!   is dropped. With `--unit sentence` the rows of the last record in the file are dropped too,
//!   as nothing tells whether all its sentences were written: that record is scored again;
//! * how many input records these rows stand for: one row per input record for `--unit record`
//!   and `article` (error rows included); for `--unit sentence` the rows of one record are those
//!   from a row with sentence index 0 (or an error row) up to the next such row;
//! * the id of the last record kept (and of the record scored again), which must match the
//!   input's ids at those positions.
//!
//! It refuses a file whose header (CSV) or keys (JSONL) are not what this run writes: other
//! labels, unit, `--explain`, `--evidence` or format. The caller skips that many input records,
//! checks that the input has them with the same ids, truncates FILE to the bytes kept and
//! appends.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use super::output::{self, JSONL_ERROR_KEYS};
use super::{RowFormat, Scorer, Unit};
use crate::error::{Result, StanceError};

/// What an existing output file holds, and where to carry on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// Size of the file.
    pub len: u64,
    /// Bytes to keep: the header and the rows of the records that are complete.
    pub keep: u64,
    /// The kept bytes start with the CSV header.
    pub has_header: bool,
    /// Input records whose rows are all in the kept bytes.
    pub records: u64,
    /// Of them, error records.
    pub failed: u64,
    /// The id the last kept record's rows carry, as written.
    pub last_id: Option<String>,
    /// `--unit sentence`: the id of the record whose rows were dropped to be scored again, as
    /// written; it must be the next input record.
    pub rescore_id: Option<String>,
}

const RESUME_REMEDY: &str = "Resume with the same --input, --model, --unit, --format, --explain and --evidence as the interrupted run, or drop --resume to start afresh (the file is overwritten).";

/// An id as the output writes it (CSV spreadsheet-safe ids get their leading quote).
pub fn written_id<'a>(scorer: &Scorer<'_>, id: &'a str) -> Cow<'a, str> {
    let o = scorer.options();
    if o.format == RowFormat::Csv && o.spreadsheet_safe && id.starts_with(output::FORMULA_STARTS) {
        format!("'{id}").into()
    } else {
        id.into()
    }
}

/// One complete output row, as far as resuming cares.
struct Row {
    id: String,
    error: bool,
    /// The first row of an input record (`--unit sentence`).
    first: bool,
}

/// Reads an existing output of `scorer` (from `path`, named in errors) and says where to carry
/// on. Rows longer than `max_row` bytes are refused (no output of this run has them).
pub fn scan(input: impl Read, path: &Path, scorer: &Scorer<'_>, max_row: usize) -> Result<Existing> {
    let o = scorer.options();
    let csv = match o.format {
        RowFormat::Csv => true,
        RowFormat::Jsonl => false,
        RowFormat::View { .. } => return Err(StanceError::config("resume", "--resume works with CSV and JSONL output, not with --view")),
    };
    let bad = |message: String| StanceError::Data { path: path.display().to_string(), message, remedy: RESUME_REMEDY.into() };
    let header = scorer.header().unwrap_or_default();
    let width = output::csv_columns(o.unit, scorer.labels().len(), o.explain > 0, o.evidence);
    let mut keys = output::jsonl_keys(o.unit, scorer.labels(), o.explain > 0);
    keys.sort();
    let mut error_keys = JSONL_ERROR_KEYS.map(String::from).to_vec();
    error_keys.sort();
    let mut labels = scorer.labels().to_vec();
    labels.sort();

    let mut found = Existing::default();
    // The record being read (`--unit sentence`): its id, where its rows start, whether it failed.
    let mut group: Option<(String, u64, bool)> = None;
    let mut on_row = |bytes: &[u8], start: u64, end: u64, line: u64| -> Result<()> {
        if csv && start == 0 {
            if bytes != header.as_bytes() {
                let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
                return Err(bad(format!(
                    "its header does not match this run's output: it is `{}`, this run writes `{}`",
                    shown.trim_end(),
                    header.trim_end()
                )));
            }
            found.has_header = true;
            found.keep = end;
            return Ok(());
        }
        let row = if csv { csv_row(bytes, width, line).map_err(bad)? } else { json_row(bytes, line, o.unit, &keys, &error_keys, &labels).map_err(bad)? };
        if o.unit != Unit::Sentence {
            found.records += 1;
            found.failed += u64::from(row.error);
            found.last_id = Some(row.id);
            found.keep = end;
            return Ok(());
        }
        let starts_record = row.first || group.as_ref().is_none_or(|(id, _, _)| *id != row.id);
        if starts_record {
            if let Some((id, _, error)) = group.take() {
                found.records += 1;
                found.failed += u64::from(error);
                found.last_id = Some(id);
                found.keep = start;
            }
            group = Some((row.id, start, row.error));
        }
        Ok(())
    };

    // Split the file into complete rows: a row ends at a newline outside quotes (CSV) or at a
    // newline (JSONL, whose strings escape newlines).
    let mut input = input;
    let mut buf = vec![0u8; 1 << 16];
    let mut row: Vec<u8> = Vec::new();
    let (mut offset, mut line, mut in_quotes) = (0u64, 1u64, false);
    let mut row_line = 1u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StanceError::io(path, "reading the output to resume", e)),
        };
        for &b in &buf[..n] {
            row.push(b);
            if csv && b == b'"' {
                in_quotes = !in_quotes;
            }
            if b == b'\n' {
                line += 1;
                if !in_quotes {
                    let end = offset + row.len() as u64;
                    on_row(&row, offset, end, row_line)?;
                    offset = end;
                    row_line = line;
                    row.clear();
                }
            }
            if row.len() > max_row {
                return Err(bad(format!("the row starting on line {row_line} is longer than any row this run writes ({max_row} bytes)")));
            }
        }
    }
    found.len = offset + row.len() as u64;
    if csv && offset == 0 && !header.as_bytes().starts_with(&row) {
        return Err(bad(format!("it does not start with this run's header `{}`", header.trim_end())));
    }
    if let Some((id, _, _)) = group {
        found.rescore_id = Some(id);
    }
    Ok(found)
}

/// Splits one CSV row (as written by [`output`], newline included) into its fields.
fn csv_fields(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let (mut quoted, mut i) = (false, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                field.push(b);
            }
        } else if b == b'"' {
            quoted = true;
        } else if b == b',' {
            fields.push(String::from_utf8_lossy(&field).into_owned());
            field.clear();
        } else {
            field.push(b);
        }
        i += 1;
    }
    fields.push(String::from_utf8_lossy(&field).into_owned());
    fields
}

fn csv_row(bytes: &[u8], width: usize, line: u64) -> std::result::Result<Row, String> {
    let fields = csv_fields(bytes);
    if fields.len() != width {
        return Err(format!("the row on line {line} has {} fields where this run writes {width}", fields.len()));
    }
    let error = !fields[width - 1].is_empty();
    let first = error || fields[1] == "0";
    Ok(Row { id: fields.into_iter().next().unwrap_or_default(), error, first })
}

fn json_row(bytes: &[u8], line: u64, unit: Unit, keys: &[String], error_keys: &[String], labels: &[String]) -> std::result::Result<Row, String> {
    let not_ours = || format!("line {line} is not a JSON object of this run's output");
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes).map_err(|_| not_ours())?;
    let mut found: Vec<&String> = map.keys().collect();
    found.sort();
    let error = map.contains_key("error");
    let expected = if error { error_keys } else { keys };
    if !found.iter().copied().eq(expected.iter()) {
        return Err(format!(
            "line {line} has the keys {} where this run writes {}",
            found.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","),
            expected.join(",")
        ));
    }
    if !error && unit == Unit::Article {
        let counts = map.get("counts").and_then(|c| c.as_object());
        let mut counted: Vec<&String> = counts.map(|c| c.keys().collect()).unwrap_or_default();
        counted.sort();
        if counts.is_none() || !counted.into_iter().eq(labels.iter()) {
            return Err(format!("line {line} counts other labels than this run's model ({})", labels.join(",")));
        }
    }
    let id = match map.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => return Err(not_ours()),
    };
    let first = error || map.get("sentence").and_then(|s| s.as_u64()) == Some(0);
    Ok(Row { id, error, first })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_undo_the_quoting() {
        assert_eq!(csv_fields(b"a,\"b,c\",\"say \"\"hi\"\"\",,\"x\ny\"\n"), vec!["a", "b,c", "say \"hi\"", "", "x\ny"]);
        assert_eq!(csv_fields(b"\n"), vec![""]);
    }
}
