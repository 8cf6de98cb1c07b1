//! The model file: byte-identical for the same data and seed, lossless on save/load, and a clear
//! error (never a panic) for anything damaged, foreign or too new.

mod common;

use std::path::Path;

use stance::model::ClassifierKind;
use stance::persist::{self, FORMAT_VERSION, MAGIC};
use stance::pipeline::{DataSource, Pipeline, PipelineConfig, Workspace};

fn train(kind: ClassifierKind, seed: u64) -> Pipeline {
    let (texts, labels) = common::corpus_sample(50);
    let mut config = PipelineConfig::default();
    config.train = stance::model::TrainParams::for_classifier(kind);
    config.train.seed = seed;
    config.train.epochs = 2;
    config.train.max_iter = 30;
    let source = DataSource { path: "sample".into(), text_col: "text".into(), label_col: "stance".into(), trained_at: None };
    Pipeline::fit(&config, &texts, &labels, &source).unwrap()
}

#[test]
fn same_data_and_seed_give_identical_bytes() {
    for kind in [ClassifierKind::Logistic, ClassifierKind::Nb, ClassifierKind::Ftrl] {
        let a = persist::to_bytes(&train(kind, 7)).unwrap();
        let b = persist::to_bytes(&train(kind, 7)).unwrap();
        assert!(a == b, "{kind}: two trainings differ");
    }
    // FTRL's random start depends on the seed, so its file must too.
    assert_ne!(persist::to_bytes(&train(ClassifierKind::Ftrl, 7)).unwrap(), persist::to_bytes(&train(ClassifierKind::Ftrl, 8)).unwrap());
}

#[test]
fn save_and_load_give_the_same_predictions() {
    let dir = common::temp_dir("save-load");
    let path = dir.join("m.model");
    let model = train(ClassifierKind::Logistic, 42);
    persist::save(&model, &path).unwrap();
    let loaded = persist::load(&path).unwrap();
    assert_eq!(loaded.labels(), model.labels());
    assert_eq!(loaded.meta(), model.meta());
    assert_eq!(loaded.vectorizer().features(), model.vectorizer().features());
    let (texts, _) = common::corpus_sample(200);
    let (mut w1, mut w2) = (Workspace::default(), Workspace::default());
    for t in &texts {
        assert_eq!(model.predict(t, &mut w1), loaded.predict(t, &mut w2));
        assert_eq!(w1.probabilities, w2.probabilities, "probabilities differ for {t:?}");
    }
    // Saved again, the loaded model gives the same bytes.
    assert_eq!(persist::to_bytes(&loaded).unwrap(), std::fs::read(&path).unwrap());
    // No temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

fn load_err(bytes: &[u8]) -> String {
    match persist::from_bytes(bytes, Path::new("bad.model")) {
        Ok(_) => panic!("a damaged model loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn damaged_models_are_clear_errors() {
    let good = persist::to_bytes(&train(ClassifierKind::Nb, 1)).unwrap();

    let e = load_err(b"");
    assert!(e.contains("bad.model") && e.contains("not a stance model"), "{e}");
    let e = load_err(b"PK\x03\x04 this is a zip file, not a model");
    assert!(e.contains("not a stance model") && e.contains("stance train"), "{e}");

    for cut in [10, 23, 24, 100, good.len() / 2, good.len() - 1] {
        let e = load_err(&good[..cut]);
        assert!(e.contains("truncated"), "cut at {cut}: {e}");
    }

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    let e = load_err(&flipped);
    assert!(e.contains("checksum") && e.contains("Retrain"), "{e}");

    let mut newer = good.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = load_err(&newer);
    assert!(e.contains("newer") && e.contains("Upgrade"), "{e}");

    let mut extra = good.clone();
    extra.push(0);
    assert!(load_err(&extra).contains("trailing"));
}

/// Builds a file with a valid prefix and checksum around an arbitrary payload, to reach the
/// payload parser with hostile sizes.
fn wrap(payload: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn absurd_sizes_are_rejected_before_allocating() {
    // A header-length field claiming 4 GB.
    let e = load_err(&wrap(&[0xff, 0xff, 0xff, 0xff, b'{']));
    assert!(e.contains("more bytes"), "{e}");
    // A valid header followed by a feature count of 4 billion.
    let good = persist::to_bytes(&train(ClassifierKind::Nb, 1)).unwrap();
    let payload = &good[24..];
    let header_len = u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize;
    let mut hostile = payload[..4 + header_len].to_vec();
    hostile.extend_from_slice(&u32::MAX.to_le_bytes());
    let e = load_err(&wrap(&hostile));
    assert!(e.contains("more than the file can hold"), "{e}");
    // Garbage JSON in the header.
    let mut junk = 5u32.to_le_bytes().to_vec();
    junk.extend_from_slice(b"{nope");
    assert!(load_err(&wrap(&junk)).contains("header"));
}

#[test]
fn a_missing_model_file_names_the_path() {
    let e = persist::load(Path::new("/nonexistent/dir/x.model")).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/dir/x.model") && e.contains("Check the path"), "{e}");
}
