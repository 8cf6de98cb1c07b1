//! Where records to score come from: a CSV/TSV/JSONL/text file or stdin (through
//! [`RecordReader`]), a directory of `.txt`/`.md` files (one record per file), or one whole file
//! or stdin as a single record. Every item is a record or a failure naming its file and line;
//! only a failure to read the input as a whole is an `Err`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::data::{Columns, InputFormat, ReadOptions, RecordReader};
use crate::error::{Result, StanceError};

/// Optional article metadata read alongside the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleMeta {
    pub title: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
}

/// One record to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    /// The file it came from ("-" for stdin).
    pub file: Arc<str>,
    /// 1-based line where it starts (1 for a whole file).
    pub line: u64,
    pub id: String,
    pub text: String,
    pub meta: ArticleMeta,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFailure {
    pub file: Arc<str>,
    /// The line, where the input has lines (not for a file of a directory).
    pub line: Option<u64>,
    pub id: String,
    pub message: String,
    pub remedy: String,
}

impl InputFailure {
    /// `file:line` or `file`.
    pub fn location(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.to_string(),
        }
    }
}

pub type InputItem = std::result::Result<InputRecord, InputFailure>;

/// How to read the input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// A file, a directory, or "-" for stdin.
    pub path: String,
    /// Format of a file or stdin (guessed from the extension when `None`).
    pub format: Option<InputFormat>,
    /// Read the whole file (or stdin) as one record.
    pub whole: bool,
    pub text_col: String,
    /// Column/key with the id; `None`: the `id` column/key when present, else the line number
    /// (with `id_fallback`), or always the line number (without).
    pub id_col: Option<String>,
    /// When `id_col` is `None`, take the id from an optional `id` column if there is one.
    pub id_fallback: bool,
    /// Optional metadata columns/keys (title, date, source); missing ones are simply absent.
    pub title_col: Option<String>,
    pub date_col: Option<String>,
    pub source_col: Option<String>,
    pub max_record_bytes: usize,
    pub lossy: bool,
}

impl InputSpec {
    /// Defaults: text in `text`, no id column, no metadata.
    pub fn new(path: impl Into<String>) -> Self {
        InputSpec {
            path: path.into(),
            format: None,
            whole: false,
            text_col: "text".into(),
            id_col: None,
            id_fallback: false,
            title_col: None,
            date_col: None,
            source_col: None,
            max_record_bytes: crate::data::reader::DEFAULT_MAX_RECORD_BYTES,
            lossy: false,
        }
    }
}

/// Counters shared with whoever watches the input (the progress bar, the summary).
#[derive(Debug, Default)]
pub struct InputStats {
    /// Bytes consumed from the input so far.
    pub bytes: AtomicU64,
    /// Records in which `--lossy` replaced invalid UTF-8.
    pub lossy: AtomicU64,
}

/// A stream of records from one input.
pub struct InputSource {
    kind: Kind,
    stats: Arc<InputStats>,
    total_bytes: Option<u64>,
    /// Files of a directory that were skipped because of their extension.
    pub skipped_files: usize,
    /// An item read ahead by [`InputSource::peek_id`].
    peeked: Option<InputItem>,
}

enum Kind {
    Records { reader: Box<RecordReader>, file: Arc<str>, meta_extra: [Option<usize>; 3] },
    Dir { files: std::vec::IntoIter<PathBuf>, max: usize, lossy: bool },
    Whole { path: String, done: bool, max: usize, lossy: bool },
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    stats: Arc<InputStats>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl InputSource {
    /// Opens the input described by `spec`.
    pub fn open(spec: &InputSpec) -> Result<Self> {
        let stats = Arc::new(InputStats::default());
        let path = spec.path.as_str();
        if path != "-" && Path::new(path).is_dir() {
            let (files, skipped, total) = list_dir(Path::new(path))?;
            return Ok(InputSource {
                kind: Kind::Dir { files: files.into_iter(), max: spec.max_record_bytes, lossy: spec.lossy },
                stats,
                total_bytes: Some(total),
                skipped_files: skipped,
                peeked: None,
            });
        }
        let total_bytes = if path == "-" { None } else { std::fs::metadata(path).ok().map(|m| m.len()) };
        if spec.whole {
            if path != "-" {
                File::open(path).map_err(|e| StanceError::io(Path::new(path), "opening the input", e))?;
            }
            return Ok(InputSource {
                kind: Kind::Whole { path: path.to_string(), done: false, max: spec.max_record_bytes, lossy: spec.lossy },
                stats,
                total_bytes,
                skipped_files: 0,
                peeked: None,
            });
        }
        let format = InputFormat::resolve(path, spec.format)?;
        let input = crate::data::reader::open_input(path)?;
        let counting: Box<dyn Read + Send> = Box::new(Counting { inner: input, stats: stats.clone() });
        let options = ReadOptions {
            format,
            columns: Columns { text: spec.text_col.clone(), label: None, id: spec.id_col.clone() },
            max_record_bytes: spec.max_record_bytes,
            lossy: spec.lossy,
        };
        let mut reader = RecordReader::from_reader(path, counting, options)?;
        let mut names: Vec<String> = Vec::new();
        let mut slot = |name: Option<&str>| {
            name.map(|n| {
                names.push(n.to_string());
                names.len() - 1
            })
        };
        let meta_extra = [slot(spec.title_col.as_deref()), slot(spec.date_col.as_deref()), slot(spec.source_col.as_deref())];
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        reader.set_optional_columns(&names);
        if spec.id_fallback {
            reader.set_default_id_column("id");
        }
        Ok(InputSource { kind: Kind::Records { reader: Box::new(reader), file: Arc::from(path), meta_extra }, stats, total_bytes, skipped_files: 0, peeked: None })
    }

    /// Shared counters (bytes read, lossy records).
    pub fn stats(&self) -> Arc<InputStats> {
        self.stats.clone()
    }

    /// Size of the input in bytes, when known (not for stdin).
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// Skips up to `n` items without scoring them (`--resume`), returning how many there were
    /// and the id of the last one. Files of a directory are not even read.
    pub fn skip(&mut self, n: u64) -> Result<(u64, Option<String>)> {
        let mut last = None;
        for i in 0..n {
            let id = match (&mut self.kind, self.peeked.is_none()) {
                (Kind::Dir { files, .. }, true) => files.next().map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
                _ => self.next_item()?.map(|item| item_id(&item).to_string()),
            };
            match id {
                Some(id) => last = Some(id),
                None => return Ok((i, last)),
            }
        }
        Ok((n, last))
    }

    /// The id of the next item without consuming it; `None` at the end.
    pub fn peek_id(&mut self) -> Result<Option<String>> {
        if self.peeked.is_none() {
            self.peeked = self.next_item()?;
        }
        Ok(self.peeked.as_ref().map(|item| item_id(item).to_string()))
    }

    /// The next item, `None` at the end; `Err` only when the input itself cannot be read.
    pub fn next_item(&mut self) -> Result<Option<InputItem>> {
        if let Some(item) = self.peeked.take() {
            return Ok(Some(item));
        }
        match &mut self.kind {
            Kind::Records { reader, file, meta_extra } => {
                let item = reader.next_record()?;
                self.stats.lossy.store(reader.lossy_records(), Ordering::Relaxed);
                Ok(item.map(|r| match r {
                    Ok(mut rec) => {
                        let mut take = |i: Option<usize>| i.and_then(|i| rec.extra.get_mut(i).and_then(Option::take));
                        let meta = ArticleMeta { title: take(meta_extra[0]), date: take(meta_extra[1]), source: take(meta_extra[2]) };
                        Ok(InputRecord { file: file.clone(), line: rec.line, id: rec.id, text: rec.text, meta })
                    }
                    Err(e) => Err(InputFailure {
                        file: file.clone(),
                        line: Some(e.line),
                        id: e.id.unwrap_or_else(|| e.line.to_string()),
                        message: e.message,
                        remedy: e.remedy,
                    }),
                }))
            }
            Kind::Dir { files, max, lossy } => {
                let Some(path) = files.next() else { return Ok(None) };
                let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
                let id = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let result = read_whole(&path, *max, *lossy, &self.stats);
                Ok(Some(result.map(|text| InputRecord { file: file.clone(), line: 1, id: id.clone(), text, meta: ArticleMeta::default() }).map_err(
                    |(message, remedy)| InputFailure { file, line: None, id, message, remedy },
                )))
            }
            Kind::Whole { path, done, max, lossy } => {
                if *done {
                    return Ok(None);
                }
                *done = true;
                let (file, id): (Arc<str>, String) = if path == "-" {
                    (Arc::from("-"), "stdin".to_string())
                } else {
                    let p = Path::new(path.as_str());
                    (Arc::from(path.as_str()), p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.clone()))
                };
                let result = if path == "-" {
                    read_limited(io::stdin().lock(), *max, *lossy, &self.stats)
                } else {
                    read_whole(Path::new(path.as_str()), *max, *lossy, &self.stats)
                };
                Ok(Some(
                    result
                        .map(|text| InputRecord { file: file.clone(), line: 1, id: id.clone(), text, meta: ArticleMeta::default() })
                        .map_err(|(message, remedy)| InputFailure { file, line: Some(1), id, message, remedy }),
                ))
            }
        }
    }
}

/// The id an item's output row(s) carry.
pub fn item_id(item: &InputItem) -> &str {
    match item {
        Ok(r) => &r.id,
        Err(f) => &f.id,
    }
}

/// Is this a file a directory input scores (`.txt` or `.md`, any case)?
pub fn is_article_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref(), Some("txt" | "md" | "markdown"))
}

/// The article files of `dir` sorted by name (bytes), how many other files were skipped, and
/// their total size. Subdirectories are not entered.
fn list_dir(dir: &Path) -> Result<(Vec<PathBuf>, usize, u64)> {
    let entries = std::fs::read_dir(dir).map_err(|e| StanceError::io(dir, "listing the directory", e))?;
    let mut files = Vec::new();
    let mut skipped = 0;
    for entry in entries {
        let entry = entry.map_err(|e| StanceError::io(dir, "listing the directory", e))?;
        let path = entry.path();
        if path.is_dir() {
            continue;
        }
        if is_article_file(&path) {
            files.push(path);
        } else {
            skipped += 1;
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let total = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    Ok((files, skipped, total))
}

type ReadFailure = (String, String);

fn read_whole(path: &Path, max: usize, lossy: bool, stats: &InputStats) -> std::result::Result<String, ReadFailure> {
    let file = File::open(path).map_err(|e| (format!("cannot open the file: {e}"), "Check that the file exists and is readable.".to_string()))?;
    read_limited(file, max, lossy, stats)
}

/// Reads all of `input` (at most `max` bytes) as UTF-8 text.
fn read_limited(input: impl Read, max: usize, lossy: bool, stats: &InputStats) -> std::result::Result<String, ReadFailure> {
    let mut bytes = Vec::new();
    input
        .take((max as u64).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| (format!("cannot read the file: {e}"), "Check that the file is readable.".to_string()))?;
    stats.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    if bytes.len() > max {
        return Err((format!("the file is larger than the limit of {max} bytes"), "Split the file, or raise --max-record-bytes.".into()));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => {
            stats.lossy.fetch_add(1, Ordering::Relaxed);
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Err(e) => Err((
            format!("the text is not valid UTF-8 (bad byte at offset {})", e.utf8_error().valid_up_to()),
            crate::data::reader::REMEDY_NOT_UTF8.into(),
        )),
    }
}
