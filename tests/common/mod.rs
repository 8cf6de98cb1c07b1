//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small valid training file (three sentences per stance label) to build hostile variants from.
pub const SMALL_CORPUS: &str = "text,stance\n\
Troops shelled the border town overnight.,escalation\n\
The army mobilised reservists and moved tanks north.,escalation\n\
Missiles struck the port for a third day.,escalation\n\
Both sides agreed to a ceasefire in Doha.,de-escalation\n\
Prisoners were exchanged under Turkish mediation.,de-escalation\n\
Talks resumed in Geneva after a week's pause.,de-escalation\n\
The region has a population of four million.,neutral\n\
The minister took office in 2021.,neutral\n\
The river forms part of the border.,neutral\n";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled corpus.
pub fn bundled_corpus() -> PathBuf {
    root().join("datasets/stance.csv")
}

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stance-test-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the `stance` binary with `args` in the repository root.
pub fn stance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stance")).args(args).current_dir(root()).output().expect("run stance")
}

/// Runs `stance` with `stdin` fed from bytes.
pub fn stance_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn stance");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The first `per_label` rows of each stance label of the bundled corpus, as (text, label).
pub fn corpus_sample(per_label: usize) -> (Vec<String>, Vec<String>) {
    let data = stance::data::load_labelled(bundled_corpus().to_str().unwrap(), None, "text", "stance").unwrap();
    let mut counts = std::collections::HashMap::new();
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for (t, l) in data.texts.into_iter().zip(data.labels) {
        let c = counts.entry(l.clone()).or_insert(0usize);
        if *c < per_label {
            *c += 1;
            texts.push(t);
            labels.push(l);
        }
    }
    (texts, labels)
}

/// Writes a CSV with columns text,stance.
pub fn write_csv(path: &Path, texts: &[String], labels: &[String]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["text", "stance"]).unwrap();
    for (t, l) in texts.iter().zip(labels) {
        w.write_record([t, l]).unwrap();
    }
    w.flush().unwrap();
}
