//! One error type for the whole crate. Every message names where the problem is (file, line)
//! and ends with what the user can do about it, because a CLI user cannot read a backtrace.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in `stance`, each carrying enough context to act on.
#[derive(Debug, thiserror::Error)]
pub enum StanceError {
    /// A file could not be opened, read or written.
    #[error("{path}: {action} failed: {source}. {remedy}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
        remedy: &'static str,
    },
    /// A record in an input file is unusable.
    #[error("{path}:{line}: {message}. {remedy}")]
    Input {
        path: String,
        line: u64,
        message: String,
        remedy: String,
    },
    /// A whole input file is unusable (no header, missing column, too few classes...).
    #[error("{path}: {message}. {remedy}")]
    Data {
        path: String,
        message: String,
        remedy: String,
    },
    /// A model file is damaged, foreign or from a newer version.
    #[error("{path}: {message}. {remedy}")]
    Model {
        path: PathBuf,
        message: String,
        remedy: String,
    },
    /// A parameter has a value that cannot work.
    #[error("invalid {name}: {message}")]
    Config { name: &'static str, message: String },
    /// The learning algorithm failed.
    #[error("training failed: {0}")]
    Training(String),
}

impl StanceError {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        let remedy = match source.kind() {
            std::io::ErrorKind::NotFound => "Check the path and try again.",
            std::io::ErrorKind::PermissionDenied => "Check the file permissions.",
            _ if source.raw_os_error() == Some(28) => "The disk is full: free some space and retry.",
            _ => "Check that the path is readable/writable and the disk has space.",
        };
        StanceError::Io { path: path.to_path_buf(), action, source, remedy }
    }

    pub fn config(name: &'static str, message: impl Into<String>) -> Self {
        StanceError::Config { name, message: message.into() }
    }

    pub fn model(path: &Path, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        StanceError::Model { path: path.to_path_buf(), message: message.into(), remedy: remedy.into() }
    }
}

pub type Result<T> = std::result::Result<T, StanceError>;
