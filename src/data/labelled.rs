//! Loading a labelled corpus for training or evaluation: every record must be usable, because a
//! silently dropped example changes what the model learns.

use super::format::InputFormat;
use super::reader::{Columns, ReadOptions, RecordReader, DEFAULT_MAX_RECORD_BYTES};
use crate::error::{Result, StanceError};

/// Texts with their labels, in file order.
#[derive(Debug, Clone, Default)]
pub struct LabelledData {
    pub path: String,
    pub texts: Vec<String>,
    pub labels: Vec<String>,
    pub lines: Vec<u64>,
}

/// Reads every record of `path`; the first unusable record is an error naming its line.
pub fn load_labelled(path: &str, format: Option<InputFormat>, text_col: &str, label_col: &str) -> Result<LabelledData> {
    load_labelled_with(path, format, text_col, label_col, DEFAULT_MAX_RECORD_BYTES)
}

/// [`load_labelled`] with a record size limit (`--max-record-bytes`).
pub fn load_labelled_with(path: &str, format: Option<InputFormat>, text_col: &str, label_col: &str, max_record_bytes: usize) -> Result<LabelledData> {
    let format = InputFormat::resolve(path, format)?;
    if format == InputFormat::Text {
        return Err(StanceError::Data {
            path: path.to_string(),
            message: "plain text has no labels".into(),
            remedy: "Give a CSV, TSV or JSONL file with a text and a label column.".into(),
        });
    }
    let options = ReadOptions {
        format,
        columns: Columns { text: text_col.to_string(), label: Some(label_col.to_string()), id: None },
        max_record_bytes,
        lossy: false,
    };
    let mut data = LabelledData { path: path.to_string(), ..Default::default() };
    for item in RecordReader::open(path, options)? {
        let record = item?.map_err(|e| e.into_error(path))?;
        let label = record.label.unwrap_or_default().trim().to_string();
        if record.text.trim().is_empty() {
            return Err(StanceError::Input {
                path: path.to_string(),
                line: record.line,
                message: "empty text".into(),
                remedy: "Every training example needs text: fill it in or delete the row.".into(),
            });
        }
        if !record.text.chars().any(crate::text::tokenizer::is_word_char) {
            return Err(StanceError::Input {
                path: path.to_string(),
                line: record.line,
                message: "the text has no words (only punctuation, symbols or emoji)".into(),
                remedy: "A model cannot learn from it: delete the row or write the text out.".into(),
            });
        }
        if label.is_empty() {
            return Err(StanceError::Input {
                path: path.to_string(),
                line: record.line,
                message: format!("empty label in column '{label_col}'"),
                remedy: "Label the row or delete it.".into(),
            });
        }
        data.texts.push(record.text);
        data.labels.push(label);
        data.lines.push(record.line);
    }
    if data.texts.is_empty() {
        return Err(StanceError::Data {
            path: path.to_string(),
            message: "no records after the header".into(),
            remedy: "Add labelled rows to the file.".into(),
        });
    }
    Ok(data)
}

/// Labels with fewer than `min` examples, with the line of their first example: usually a typo
/// in the label column ("escalaton"), which would otherwise become a class of its own.
pub fn rare_labels(data: &LabelledData, min: usize) -> Vec<(String, usize, u64)> {
    let mut seen: std::collections::BTreeMap<&str, (usize, u64)> = Default::default();
    for (label, line) in data.labels.iter().zip(&data.lines) {
        let e = seen.entry(label).or_insert((0, *line));
        e.0 += 1;
    }
    seen.into_iter().filter(|(_, (n, _))| *n < min).map(|(l, (n, line))| (l.to_string(), n, line)).collect()
}
