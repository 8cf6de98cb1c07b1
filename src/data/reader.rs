//! Streaming record readers for CSV, TSV, JSONL and plain text, from a file or stdin.
//!
//! A reader yields one item per input record: the record, or an error naming its line. A bad
//! record never stops the stream (callers decide: training refuses, scoring reports and goes on);
//! only a failure to read the file itself does.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use super::format::InputFormat;
use super::limited::{Failure, LimitedInput};
use crate::error::{Result, StanceError};

/// Largest record accepted by default, in bytes (a hostile 1 GB line cannot exhaust memory:
/// CSV/TSV input passes through [`LimitedInput`], JSONL and text lines through a bounded line
/// reader).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// One input record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line where the record starts.
    pub line: u64,
    /// The id column's value, or the line number when there is no id column.
    pub id: String,
    pub text: String,
    pub label: Option<String>,
    /// Values of the optional columns named with [`RecordReader::set_optional_columns`], in
    /// that order; `None` where the column or key is absent (or, in JSON, null).
    pub extra: Vec<Option<String>>,
}

/// A record that could not be used, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub line: u64,
    pub id: Option<String>,
    pub message: String,
    pub remedy: String,
}

impl RecordError {
    fn new(line: u64, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        RecordError { line, id: None, message: message.into(), remedy: remedy.into() }
    }
    /// As a crate error naming the file.
    pub fn into_error(self, path: &str) -> StanceError {
        StanceError::Input { path: path.to_string(), line: self.line, message: self.message, remedy: self.remedy }
    }
}

/// Which columns (or JSON keys) to read.
#[derive(Debug, Clone)]
pub struct Columns {
    pub text: String,
    pub label: Option<String>,
    pub id: Option<String>,
}

/// Options of a reader.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub format: InputFormat,
    pub columns: Columns,
    pub max_record_bytes: usize,
    /// Replace invalid UTF-8 with U+FFFD instead of reporting the record.
    pub lossy: bool,
}

/// Opens `path` ("-" for stdin).
pub fn open_input(path: &str) -> Result<Box<dyn Read + Send>> {
    if path == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let file = File::open(path).map_err(|e| StanceError::io(std::path::Path::new(path), "opening the input", e))?;
    Ok(Box::new(file))
}

/// A stream of records from one input.
pub struct RecordReader {
    path: String,
    options: ReadOptions,
    inner: Inner,
    /// Optional keys (JSONL) to read into [`Record::extra`].
    extra_keys: Vec<String>,
    /// Records in which `--lossy` replaced invalid UTF-8.
    lossy_records: u64,
    /// JSONL: key whose value is the id when present (no id column named).
    default_id_key: Option<String>,
}

enum Inner {
    Delimited {
        reader: Box<csv::Reader<LimitedInput>>,
        text: usize,
        label: Option<usize>,
        id: Option<usize>,
        width: usize,
        record: csv::ByteRecord,
        /// What comes after `record`, read ahead to tell whether a multi-line record ran to the
        /// end of the input (the signature of an unbalanced quote).
        lookahead: Option<(CsvRead, csv::ByteRecord)>,
        names: Vec<String>,
        extra: Vec<Option<usize>>,
    },
    Lines { reader: BufReader<Box<dyn Read + Send>>, line: u64, buf: Vec<u8> },
}

impl RecordReader {
    /// Opens a reader, reading the header of CSV/TSV files to find the columns.
    pub fn open(path: &str, options: ReadOptions) -> Result<Self> {
        let input = open_input(path)?;
        Self::from_reader(path, input, options)
    }

    /// A reader over any byte stream; `path` names it in errors.
    pub fn from_reader(path: &str, input: Box<dyn Read + Send>, options: ReadOptions) -> Result<Self> {
        let inner = match options.format {
            InputFormat::Csv | InputFormat::Tsv => {
                let tsv = options.format == InputFormat::Tsv;
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(if tsv { b'\t' } else { b',' })
                    .quoting(!tsv)
                    .flexible(true)
                    .has_headers(false)
                    .buffer_capacity(super::limited::PARSER_BUFFER)
                    .from_reader(LimitedInput::new(input, options.max_record_bytes));
                let mut header = csv::ByteRecord::new();
                match read_csv(&mut reader, &mut header, path, options.max_record_bytes) {
                    CsvRead::Record => {}
                    CsvRead::End => {
                        return Err(data_error(path, "the file is empty".into(), "Give a file with a header row and at least one record."))
                    }
                    CsvRead::LongLine { line, len } => {
                        return Err(data_error(
                            path,
                            format!("cannot read the header: line {line} has {len} bytes, more than the limit of {}", options.max_record_bytes),
                            "Check that the file is CSV/TSV text, or raise --max-record-bytes.",
                        ))
                    }
                    CsvRead::Malformed(e) => return Err(data_error(path, format!("cannot read the header: {e}"), "Check that the file is CSV/TSV text.")),
                    CsvRead::Fatal(e) => return Err(e),
                }
                let names: Vec<String> = header
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let s = String::from_utf8_lossy(h).trim().to_string();
                        // A UTF-8 byte-order mark sticks to the first header name.
                        if i == 0 { s.trim_start_matches('\u{feff}').to_string() } else { s }
                    })
                    .collect();
                let find = |name: &str, what: &str| -> Result<usize> {
                    names.iter().position(|n| n == name).ok_or_else(|| {
                        let hint = if names.len() == 1 && !tsv && names[0].contains('\t') {
                            " The header contains tabs: is this a TSV file? Use --input-format tsv."
                        } else if names.len() == 1 && tsv && names[0].contains(',') {
                            " The header contains commas: is this a CSV file? Use --input-format csv."
                        } else {
                            ""
                        };
                        data_error(
                            path,
                            format!("no {what} column '{name}'; the columns are: {}", names.join(", ")),
                            &format!("Name the right column with --{what}-col.{hint}"),
                        )
                    })
                };
                let text = find(&options.columns.text, "text")?;
                let label = options.columns.label.as_deref().map(|l| find(l, "label")).transpose()?;
                let id = options.columns.id.as_deref().map(|l| find(l, "id")).transpose()?;
                Inner::Delimited { reader: Box::new(reader), text, label, id, width: names.len(), record: csv::ByteRecord::new(), lookahead: None, names, extra: Vec::new() }
            }
            InputFormat::Jsonl | InputFormat::Text => Inner::Lines { reader: BufReader::with_capacity(1 << 16, input), line: 0, buf: Vec::new() },
        };
        Ok(RecordReader { path: path.to_string(), options, inner, extra_keys: Vec::new(), lossy_records: 0, default_id_key: None })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Also reads these columns (CSV/TSV) or keys (JSONL) into [`Record::extra`], in this order.
    /// They are optional: a missing column or key gives `None`, never an error.
    pub fn set_optional_columns(&mut self, names: &[&str]) {
        match &mut self.inner {
            Inner::Delimited { names: header, extra, .. } => {
                *extra = names.iter().map(|n| header.iter().position(|h| h == n)).collect();
            }
            Inner::Lines { .. } => {}
        }
        self.extra_keys = names.iter().map(|n| n.to_string()).collect();
    }

    /// When no id column was named: take the id from column (or key) `name` where the record
    /// has it, else the line number as usual. For failed records too.
    pub fn set_default_id_column(&mut self, name: &str) {
        if self.options.columns.id.is_some() {
            return;
        }
        match &mut self.inner {
            Inner::Delimited { names, id, .. } => *id = names.iter().position(|h| h == name),
            Inner::Lines { .. } => self.default_id_key = Some(name.to_string()),
        }
    }

    /// How many records so far had invalid UTF-8 replaced by U+FFFD (with `lossy`).
    pub fn lossy_records(&self) -> u64 {
        self.lossy_records
    }

    /// The next record, `None` at the end. `Err` only for a failure to read the input itself.
    pub fn next_record(&mut self) -> Result<Option<std::result::Result<Record, RecordError>>> {
        let max = self.options.max_record_bytes;
        let lossy = self.options.lossy;
        let lossy_records = &mut self.lossy_records;
        match &mut self.inner {
            Inner::Delimited { reader, text, label, id, width, record, extra, lookahead, .. } => {
                let read = match lookahead.take() {
                    Some((ahead, next)) => {
                        *record = next;
                        ahead
                    }
                    None => read_csv(reader, record, &self.path, max),
                };
                match read {
                    CsvRead::End => Ok(None),
                    CsvRead::Fatal(e) => Err(e),
                    CsvRead::LongLine { line, len } => Ok(Some(Err(RecordError::new(
                        line,
                        format!("line of {len} bytes exceeds the limit of {max} (it was skipped without being read into memory)"),
                        REMEDY_TOO_LONG,
                    )))),
                    CsvRead::Malformed(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        Ok(Some(Err(RecordError::new(line, format!("malformed record: {e}"), "Fix the quoting of this record."))))
                    }
                    CsvRead::Record => {
                        let line = record.position().map(|p| p.line()).unwrap_or(0);
                        let newlines = record.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count()).sum::<usize>();
                        if newlines > 0 {
                            let mut next = csv::ByteRecord::new();
                            match read_csv(reader, &mut next, &self.path, max) {
                                CsvRead::End if record.as_slice().contains(&b'\n') => {
                                    let trailing = u64::from(record.as_slice().ends_with(b"\n"));
                                    let last = line + newlines as u64 - trailing;
                                    let id_value = id.and_then(|i| record.get(i)).map(|b| String::from_utf8_lossy(b).into_owned());
                                    return Ok(Some(Err(RecordError { id: id_value, ..RecordError::new(
                                        line,
                                        format!("a quoted field opened on this line is never closed: it runs to the end of the input (line {last}), swallowing every line in between"),
                                        "Balance the quotes (a literal quote inside a quoted field is written \"\"), or use TSV without quoting.",
                                    ) })));
                                }
                                ahead => *lookahead = Some((ahead, next)),
                            }
                        }
                        if record.len() != *width {
                            if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(|b| b.is_ascii_whitespace())) {
                                return Ok(Some(Err(RecordError::new(line, "blank line", "Remove blank lines from the file."))));
                            }
                            return Ok(Some(Err(RecordError::new(
                                line,
                                format!("{} fields where the header has {}", record.len(), width),
                                "Quote fields that contain the delimiter, and check for unbalanced quotes on this or an earlier line.",
                            ))));
                        }
                        if record.as_slice().len() > max {
                            return Ok(Some(Err(too_long(line, record.as_slice().len(), max))));
                        }
                        let replaced = std::cell::Cell::new(false);
                        let field = |i: usize, name: &str| {
                            let (s, r) = decode(record.get(i).unwrap_or(&[]), lossy, line, name)?;
                            replaced.set(replaced.get() | r);
                            Ok::<String, RecordError>(s)
                        };
                        let id_value = match id {
                            Some(i) => match field(*i, "id") {
                                Ok(v) => v,
                                Err(e) => return Ok(Some(Err(e))),
                            },
                            None => line.to_string(),
                        };
                        let result = (|| {
                            let text = field(*text, "text")?;
                            let label = label.map(|i| field(i, "label")).transpose()?;
                            let extra = extra.iter().map(|c| c.map(|i| field(i, "column")).transpose()).collect::<std::result::Result<Vec<_>, _>>()?;
                            Ok(Record { line, id: id_value.clone(), text, label, extra })
                        })();
                        if replaced.get() {
                            *lossy_records += 1;
                        }
                        Ok(Some(result.map_err(|mut e: RecordError| {
                            e.id = Some(id_value.clone());
                            e
                        })))
                    }
                }
            }
            Inner::Lines { reader, line, buf } => loop {
                buf.clear();
                let n = read_line_limited(reader, buf, max).map_err(|e| data_error(&self.path, format!("read failed: {e}"), "Check the file and retry."))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let this_line = *line;
                if buf.len() > max {
                    return Ok(Some(Err(too_long(this_line, n, max))));
                }
                strip_line_end(buf);
                if this_line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                }
                let text = match decode(buf, lossy, this_line, "line") {
                    Ok((t, replaced)) => {
                        if replaced && !t.trim().is_empty() {
                            *lossy_records += 1;
                        }
                        t
                    }
                    Err(e) => return Ok(Some(Err(e))),
                };
                if self.options.format == InputFormat::Text {
                    let extra = vec![None; self.extra_keys.len()];
                    return Ok(Some(Ok(Record { line: this_line, id: this_line.to_string(), text, label: None, extra })));
                }
                if text.trim().is_empty() {
                    continue; // blank lines between JSON objects carry no record
                }
                return Ok(Some(parse_json_record(&text, this_line, &self.options.columns, &self.extra_keys, self.default_id_key.as_deref())));
            },
        }
    }
}

impl Iterator for RecordReader {
    type Item = Result<std::result::Result<Record, RecordError>>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// What one read of the CSV parser gave.
enum CsvRead {
    Record,
    End,
    /// A line longer than the limit was skipped; the parser restarted on the next line.
    LongLine { line: u64, len: u64 },
    /// The parser refused the record (it goes on with the next one).
    Malformed(csv::Error),
    /// Reading cannot go on.
    Fatal(StanceError),
}

/// Reads the next record into `record`, keeping [`LimitedInput`] informed of where records
/// start, and restarting the parser on the next line after a line that was too long.
fn read_csv(reader: &mut csv::Reader<LimitedInput>, record: &mut csv::ByteRecord, path: &str, max: usize) -> CsvRead {
    match reader.read_byte_record(record) {
        Ok(true) => {
            let next = reader.position().clone();
            reader.get_mut().record_started(next.byte(), next.line());
            CsvRead::Record
        }
        Ok(false) => CsvRead::End,
        Err(e) => {
            if !matches!(e.kind(), csv::ErrorKind::Io(_)) {
                return CsvRead::Malformed(e);
            }
            match reader.get_mut().take_failure() {
                Some(Failure::LongLine { line, len }) => {
                    let delivered = reader.get_ref().delivered();
                    let mut pos = csv::Position::new();
                    pos.set_byte(delivered).set_line(line + 1).set_record(reader.position().record());
                    if let Err(e) = reader.seek_raw(io::SeekFrom::Current(0), pos) {
                        return CsvRead::Fatal(data_error(path, format!("cannot skip the long line {line}: {e}"), "Check the file and retry."));
                    }
                    reader.get_mut().record_started(delivered, line + 1);
                    CsvRead::LongLine { line, len }
                }
                Some(Failure::LongRecord { start_line }) => CsvRead::Fatal(StanceError::Input {
                    path: path.to_string(),
                    line: start_line,
                    message: format!(
                        "the record starting on this line runs on over several lines past the limit of {max} bytes (an unbalanced quote?); the rest of the input was not read"
                    ),
                    remedy: "Balance the quotes (a literal quote inside a quoted field is written \"\"), or raise --max-record-bytes.".into(),
                }),
                None => CsvRead::Fatal(data_error(path, format!("read failed: {e}"), "Check the file and retry.")),
            }
        }
    }
}

fn data_error(path: &str, message: String, remedy: &str) -> StanceError {
    StanceError::Data { path: path.to_string(), message, remedy: remedy.to_string() }
}

/// What to do about a record over `--max-record-bytes`.
pub const REMEDY_TOO_LONG: &str = "Split the record, or raise --max-record-bytes.";
/// What to do about a record that is not UTF-8.
pub const REMEDY_NOT_UTF8: &str = "Convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or pass --lossy to replace bad bytes.";

fn too_long(line: u64, len: usize, max: usize) -> RecordError {
    RecordError::new(line, format!("record of {len} bytes exceeds the limit of {max}"), REMEDY_TOO_LONG)
}

/// The text of `bytes`, and whether invalid UTF-8 was replaced (only with `lossy`).
fn decode(bytes: &[u8], lossy: bool, line: u64, what: &str) -> std::result::Result<(String, bool), RecordError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), false)),
        Err(_) if lossy => Ok((String::from_utf8_lossy(bytes).into_owned(), true)),
        Err(e) => Err(RecordError::new(
            line,
            format!("the {what} is not valid UTF-8 (bad byte at offset {})", e.valid_up_to()),
            REMEDY_NOT_UTF8,
        )),
    }
}

fn strip_line_end(buf: &mut Vec<u8>) {
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
}

/// Reads one line, but keeps at most `max + 1` bytes of it (the rest is skipped), so an endless
/// line cannot exhaust memory. Returns the bytes consumed.
fn read_line_limited(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = max.saturating_add(1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        reader.consume(n);
        consumed += n;
        if done {
            return Ok(consumed);
        }
    }
}

fn parse_json_record(text: &str, line: u64, columns: &Columns, extra_keys: &[String], default_id_key: Option<&str>) -> std::result::Result<Record, RecordError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        RecordError::new(line, format!("not valid JSON: {e}"), "Each line must be one complete JSON object.")
    })?;
    let object = value
        .as_object()
        .ok_or_else(|| RecordError::new(line, "the line is JSON but not an object", "Each line must be a JSON object like {\"text\": \"...\"}."))?;
    let id = match columns.id.as_deref().map(|k| (k, object.get(k))) {
        None => match default_id_key.and_then(|k| object.get(k)) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => line.to_string(),
        },
        Some((_, Some(serde_json::Value::String(s)))) => s.clone(),
        Some((_, Some(serde_json::Value::Number(n)))) => n.to_string(),
        Some((k, _)) => {
            return Err(RecordError::new(line, format!("no string or number field '{k}'"), "Add the id field, or name another with --id-col."))
        }
    };
    let field = |key: &str, what: &str| -> std::result::Result<String, RecordError> {
        match object.get(key) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(RecordError::new(line, format!("field '{key}' is not a string"), format!("Make '{key}' a JSON string."))),
            None => Err(RecordError::new(line, format!("no field '{key}'"), format!("Add it, or name the {what} field with --{what}-col."))),
        }
    };
    let with_id = |mut e: RecordError| {
        e.id = Some(id.clone());
        e
    };
    let text = field(&columns.text, "text").map_err(with_id)?;
    let label = columns.label.as_deref().map(|k| field(k, "label")).transpose().map_err(with_id)?;
    let extra = extra_keys
        .iter()
        .map(|k| match object.get(k.as_str()) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        })
        .collect();
    Ok(Record { line, id, text, label, extra })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &'static [u8], format: InputFormat, lossy: bool) -> RecordReader {
        let options = ReadOptions {
            format,
            columns: Columns { text: "text".into(), label: None, id: None },
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            lossy,
        };
        RecordReader::from_reader("test", Box::new(bytes), options).unwrap()
    }

    fn all(r: &mut RecordReader) -> Vec<std::result::Result<Record, RecordError>> {
        std::iter::from_fn(|| r.next_record().unwrap()).collect()
    }

    #[test]
    fn optional_columns_and_default_id_in_csv() {
        let mut r = reader(b"id,date,text\nx1,2024-01-02,hello\nx2,,bye\n", InputFormat::Csv, false);
        r.set_optional_columns(&["date", "source"]);
        r.set_default_id_column("id");
        let got = all(&mut r);
        let a = got[0].as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.extra.clone()), ("x1", vec![Some("2024-01-02".to_string()), None]));
        let b = got[1].as_ref().unwrap();
        assert_eq!((b.id.as_str(), b.extra.clone()), ("x2", vec![Some(String::new()), None]));
        // Without an id column the line number stays the id.
        let mut r = reader(b"text\nhello\n", InputFormat::Csv, false);
        r.set_default_id_column("id");
        assert_eq!(all(&mut r)[0].as_ref().unwrap().id, "2");
    }

    #[test]
    fn optional_keys_default_id_and_lossy_count_in_jsonl() {
        let mut r = reader(
            b"{\"id\": \"a\", \"text\": \"t\", \"date\": \"2024-01-02\", \"n\": 3}\n{\"text\": \"b\\u00e9\", \"date\": null}\n{\"id\": 7}\n{\"text\": \"bad \xff\"}\n",
            InputFormat::Jsonl,
            true,
        );
        r.set_optional_columns(&["date", "n"]);
        r.set_default_id_column("id");
        let got = all(&mut r);
        let a = got[0].as_ref().unwrap();
        assert_eq!((a.id.as_str(), a.extra.clone()), ("a", vec![Some("2024-01-02".to_string()), Some("3".to_string())]));
        let b = got[1].as_ref().unwrap();
        assert_eq!((b.id.as_str(), b.extra.clone()), ("2", vec![None, None]));
        let c = got[2].as_ref().unwrap_err();
        assert_eq!(c.id.as_deref(), Some("7"), "a failed record keeps its id");
        assert_eq!(got[3].as_ref().unwrap().text, "bad \u{fffd}");
        assert_eq!(r.lossy_records(), 1);
    }
}
