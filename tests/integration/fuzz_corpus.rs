//! The fuzz targets' seed corpus, run as ordinary tests on the stable
//! toolchain: every file of `fuzz/corpus/<target>/` (the examples, archives
//! in every format and compression, and the inputs that once broke a
//! promise) goes through the same checks `cargo fuzz` runs
//! (`roomctl::fuzzing`). This is what CI runs of the fuzzing.

use std::fs;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file of a corpus, naming the file that fails.
fn run(target: &str, check: fn(&[u8]), at_least: usize) {
    let files = corpus(target);
    assert!(
        files.len() >= at_least,
        "fuzz/corpus/{target} holds {} files, expected at least {at_least}",
        files.len()
    );
    let mut failed = Vec::new();
    for path in &files {
        let data = fs::read(path).expect("a readable corpus file");
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            failed.push(path.file_name().unwrap_or_default().to_string_lossy());
        }
    }
    assert!(failed.is_empty(), "{target}: failed on {failed:?}");
}

#[test]
fn room_document_corpus() {
    run("room_document", roomctl::fuzzing::room_document, 20);
}

#[test]
fn archive_corpus() {
    run("archive", roomctl::fuzzing::archive, 20);
}
