//! Bench fixtures: the project's corpus (datasets/stance.csv) and the default model
//! (models/stance.model, trained by `stance train` with default settings if it is missing).
//! No network.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use stance::Pipeline;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The texts of datasets/stance.csv (line breaks inside a text become spaces).
pub fn sentences() -> Vec<String> {
    let mut r = csv::Reader::from_path(root().join("datasets/stance.csv")).expect("datasets/stance.csv");
    let h = r.headers().unwrap().clone();
    let t = h.iter().position(|c| c == "text").unwrap();
    r.records().map(|rec| rec.unwrap()[t].replace(['\n', '\r'], " ")).collect()
}

/// The default model: models/stance.model, trained now (about 20 s) if absent.
pub fn default_model_path() -> PathBuf {
    let path = root().join("models/stance.model");
    if !path.exists() {
        eprintln!("training the default model into {} (stance train, default settings)", path.display());
        let data = root().join("datasets/stance.csv");
        let cli = <stance::cli::Cli as clap::Parser>::parse_from([
            "stance",
            "train",
            "--data",
            data.to_str().unwrap(),
            "--model",
            path.to_str().unwrap(),
        ]);
        stance::cli::run(cli).expect("training the default model");
    }
    path
}

pub fn default_model() -> Pipeline {
    stance::persist::load(Path::new(&default_model_path())).expect("loading the default model")
}

/// The corpus as one block of lines, repeated until it holds at least `min_bytes`.
pub fn lines_block(sentences: &[String], min_bytes: usize) -> (Vec<u8>, u64, u64) {
    let (mut block, mut n, mut text_bytes) = (Vec::new(), 0u64, 0u64);
    while block.len() < min_bytes {
        for s in sentences {
            block.extend_from_slice(s.as_bytes());
            block.push(b'\n');
            n += 1;
            text_bytes += s.len() as u64;
        }
    }
    (block, n, text_bytes)
}
