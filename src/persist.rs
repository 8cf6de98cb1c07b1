//! The model file: one self-checking binary file, written atomically.
//!
//! Layout (little-endian):
//! ```text
//! 0   8  magic "STANCEMD"
//! 8   4  format version (u32)
//! 12  8  payload length in bytes (u64)
//! 20  4  CRC-32 of the payload
//! 24  .. payload:
//!        header JSON (u32 length + UTF-8): metadata, analyzer and vectorizer config, labels, link
//!        features: u32 count, then each as u32 length + UTF-8
//!        idf: count x f64
//!        weights: u32 classes, then features x classes f64 (feature-major), classes f64 intercepts
//! ```
//! Loading treats the file as untrusted: every length is checked against the bytes that remain
//! before anything is allocated, and the checksum is verified before anything is parsed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StanceError};
use crate::features::Vectorizer;
use crate::model::{LinearScorer, Link};
use crate::pipeline::{ModelMeta, Pipeline};

pub const MAGIC: &[u8; 8] = b"STANCEMD";
pub const FORMAT_VERSION: u32 = 1;
const PREFIX_LEN: usize = 24;

#[derive(Serialize, Deserialize)]
struct Header {
    meta: ModelMeta,
    labels: Vec<String>,
    link: Link,
}

/// Serializes a pipeline to bytes (the exact file content).
pub fn to_bytes(pipeline: &Pipeline) -> Result<Vec<u8>> {
    let header = Header { meta: pipeline.meta().clone(), labels: pipeline.labels().to_vec(), link: pipeline.scorer().link() };
    let json = serde_json::to_vec(&header).map_err(|e| StanceError::Training(format!("cannot encode model header: {e}")))?;
    let v = pipeline.vectorizer();
    let s = pipeline.scorer();
    let mut payload = Vec::with_capacity(json.len() + v.n_features() * (24 + 8 * s.n_classes()));
    put_bytes(&mut payload, &json);
    put_u32(&mut payload, v.n_features() as u32);
    for f in v.features() {
        put_bytes(&mut payload, f.as_bytes());
    }
    for x in v.idf() {
        payload.extend_from_slice(&x.to_le_bytes());
    }
    put_u32(&mut payload, s.n_classes() as u32);
    for x in s.weights().iter().chain(s.intercepts()) {
        payload.extend_from_slice(&x.to_le_bytes());
    }
    let mut out = Vec::with_capacity(PREFIX_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, FORMAT_VERSION);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    put_u32(&mut out, crc32fast::hash(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Writes the model atomically: a temporary file beside the target, flushed to disk, then
/// renamed over it. A crash or a full disk leaves the previous model untouched.
pub fn save(pipeline: &Pipeline, path: &Path) -> Result<()> {
    let bytes = to_bytes(pipeline)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| StanceError::io(dir, "creating the model directory", e))?;
    }
    let tmp = temp_path(path);
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(StanceError::io(path, "writing the model", e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        StanceError::io(path, "replacing the model", e)
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Reads a model file.
pub fn load(path: &Path) -> Result<Pipeline> {
    let bytes = fs::read(path).map_err(|e| StanceError::io(path, "reading the model", e))?;
    from_bytes(&bytes, path)
}

/// Parses model bytes; `path` is only used in error messages.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Pipeline> {
    let bad = |message: String, remedy: &str| StanceError::model(path, message, remedy);
    const RETRAIN: &str = "Retrain it with `stance train`, or restore the file from a backup.";
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(bad(
            "not a stance model file (wrong magic bytes)".into(),
            "Pass a file written by `stance train` to --model.",
        ));
    }
    if bytes.len() < PREFIX_LEN {
        return Err(bad(format!("truncated: {} bytes, the header alone needs {PREFIX_LEN}", bytes.len()), RETRAIN));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(bad(
            format!("model format version {version} is newer than this stance understands ({FORMAT_VERSION})"),
            "Upgrade stance, or retrain the model with this version.",
        ));
    }
    if version == 0 {
        return Err(bad("model format version 0 does not exist".into(), RETRAIN));
    }
    let declared = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let actual = (bytes.len() - PREFIX_LEN) as u64;
    if declared != actual {
        let what = if declared > actual { "truncated" } else { "has trailing bytes" };
        return Err(bad(format!("{what}: the header declares {declared} payload bytes, the file has {actual}"), RETRAIN));
    }
    let payload = &bytes[PREFIX_LEN..];
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    if crc32fast::hash(payload) != crc {
        return Err(bad("damaged: the checksum does not match the content".into(), RETRAIN));
    }
    parse_payload(payload).map_err(|message| bad(message, RETRAIN))
}

fn parse_payload(payload: &[u8]) -> std::result::Result<Pipeline, String> {
    let mut r = Reader { bytes: payload, pos: 0 };
    let header: Header = serde_json::from_slice(r.bytes()?).map_err(|e| format!("unreadable model header: {e}"))?;
    let n_features = r.u32()? as usize;
    // Each feature needs at least 4 + 1 + 8 bytes: reject absurd counts before allocating.
    if n_features.saturating_mul(13) > r.remaining() {
        return Err(format!("declares {n_features} features, more than the file can hold"));
    }
    let mut features = Vec::with_capacity(n_features);
    for _ in 0..n_features {
        let s = std::str::from_utf8(r.bytes()?).map_err(|_| "a feature name is not UTF-8".to_string())?;
        features.push(s.to_string());
    }
    let idf = r.f64s(n_features)?;
    let n_classes = r.u32()? as usize;
    if n_classes != header.labels.len() {
        return Err(format!("{n_classes} weight columns for {} labels", header.labels.len()));
    }
    let weights = r.f64s(n_features.checked_mul(n_classes).ok_or("weight matrix size overflows")?)?;
    let intercepts = r.f64s(n_classes)?;
    if r.remaining() != 0 {
        return Err(format!("{} unexpected bytes after the weights", r.remaining()));
    }
    if !features.windows(2).all(|w| w[0] < w[1]) {
        return Err("the vocabulary is not sorted".into());
    }
    let vectorizer = Vectorizer::from_parts(header.meta.config.vectorizer.clone(), features, idf).map_err(|e| e.to_string())?;
    let scorer = LinearScorer::new(n_features, n_classes, weights, intercepts, header.link)
        .ok_or("the weights are inconsistent or not finite")?;
    Pipeline::from_parts(vectorizer, scorer, header.labels, header.meta).map_err(|e| e.to_string())
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// A bounds-checked cursor over the payload.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!("needs {n} more bytes at offset {}, only {} remain", self.pos, self.remaining()));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn bytes(&mut self) -> std::result::Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn f64s(&mut self, n: usize) -> std::result::Result<Vec<f64>, String> {
        let raw = self.take(n.checked_mul(8).ok_or("array size overflows")?)?;
        Ok(raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }
}
