//! Interrupted and failing runs lose nothing: a killed `train` leaves the previous model intact,
//! a full disk is a clear error with a non-zero exit and no partial model.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{stance, stance_with_stdin, stderr, temp_dir};

#[test]
fn killed_training_leaves_the_previous_model_intact() {
    let dir = temp_dir("killed-train");
    let model = dir.join("stance.model");
    let model_s = model.to_str().unwrap();
    assert!(stance(&["train", "--classifier", "nb", "--model", model_s]).status.success());
    let before = std::fs::read(&model).unwrap();
    // Logistic regression on the full corpus takes seconds: kill it while it works.
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["train", "--classifier", "logistic", "--ngram-range", "1,3", "--min-df", "1", "--model", model_s])
        .current_dir(common::root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "training finished before it could be killed; the test needs a longer run");
    assert_eq!(std::fs::read(&model).unwrap(), before, "the previous model changed");
    assert!(stance::persist::load(&model).is_ok());
}

#[test]
fn a_full_disk_is_a_clear_error() {
    let dir = temp_dir("disk-full");
    let model = dir.join("m.model");
    assert!(stance(&["train", "--classifier", "nb", "--model", model.to_str().unwrap()]).status.success());
    let out = stance_with_stdin(&["score", "--model", model.to_str().unwrap(), "--output", "/dev/full"], b"Talks resumed.\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("/dev/full") && err.contains("disk is full"), "{err}");
}

#[test]
fn an_unwritable_model_path_writes_nothing() {
    let dir = temp_dir("unwritable");
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, b"a file").unwrap();
    let target = blocker.join("m.model");
    let out = stance(&["train", "--classifier", "nb", "--model", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not-a-dir"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no stray temporary file");
}
