//! Shared test support: a scrubbed environment with a temporary directory,
//! and helpers to plant rooms the way the server writes them.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod prom;
pub mod redis;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

/// Environment variables that would make roomctl pick another store.
const SCRUBBED: &[&str] = &[
    "STORAGE_TYPE",
    "STORAGE_PATH",
    "REDIS_URL",
    "VALKEY_HOST",
    "VALKEY_PORT",
    "VALKEY_PASSWORD",
    "REDIS_DB",
];

/// A temporary working directory and a `roomctl` command run inside it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A room directory inside the environment, created empty.
    pub fn rooms_dir(&self, name: &str) -> PathBuf {
        let p = self.path().join(name);
        fs::create_dir_all(&p).expect("mkdir");
        p
    }

    /// `roomctl` with a clean environment, run in the temp directory.
    pub fn roomctl(&self) -> Command {
        let mut cmd = Command::cargo_bin("roomctl").expect("binary");
        cmd.current_dir(self.path());
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd.env("NO_COLOR", "1");
        cmd
    }

    /// The same as [`TestEnv::roomctl`], as a `std` command (for tests that
    /// must talk to a running process).
    pub fn roomctl_process(&self) -> std::process::Command {
        self.command(assert_cmd::cargo::cargo_bin("roomctl"))
    }

    /// Any program with the same clean environment, run in the temp
    /// directory (a wrapper such as `strace` that runs roomctl).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.current_dir(self.path());
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd.env("NO_COLOR", "1");
        cmd
    }
}

/// A valid room document with ratings, as the server would write it.
pub fn room(name: &str) -> Value {
    json!({
        "roomName": name,
        "sort": "random",
        "createdAt": "2026-10-01T12:00:00.000Z",
        "creatorPlexUserId": "42",
        "creatorPlexUsername": "ann",
        "ratings": {
            "plex://movie/1": [["ann", "like", 1759320000000_i64], ["bob", "like", 1759320060000_i64]],
            "plex://movie/2": [["ann", "dislike", 1759320120000_i64]]
        },
        "userProgress": {"ann": 2, "bob": 1}
    })
}

/// The server's safe file name for a room.
pub fn safe_name(name: &str) -> String {
    roomctl::store::file::safe_file_name(name)
}

/// A room's bytes as the server writes them: pretty, no trailing newline.
pub fn pretty(doc: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(doc).expect("json")
}

/// Writes a room file the way the server does (pretty, no newline).
pub fn write_room(dir: &Path, doc: &Value) {
    let name = doc["roomName"].as_str().expect("roomName");
    fs::write(dir.join(safe_name(name)), pretty(doc)).expect("write room");
}

/// The damage every file-store reader must step over: `corrupt.json` (a
/// room cut off mid-write), `empty.json` (zero bytes), both named on stderr
/// and skipped, and `good.json.tmp` (a half-written temporary file, not a
/// room file at all, never mentioned).
pub fn plant_damage(dir: &Path) {
    fs::write(
        dir.join("corrupt.json"),
        b"{\"roomName\": \"corrupt\", \"crea",
    )
    .expect("write corrupt.json");
    fs::write(dir.join("empty.json"), b"").expect("write empty.json");
    fs::write(dir.join("good.json.tmp"), b"half a write").expect("write good.json.tmp");
}

/// Exports a room directory to `rooms.jsonl` in the environment, as the
/// archive a test imports or restores from.
pub fn export_dir(env: &TestEnv, dir: &Path) -> PathBuf {
    let out = env.path().join("rooms.jsonl");
    env.roomctl()
        .arg("-s")
        .arg(dir)
        .arg("export")
        .arg(&out)
        .assert()
        .success();
    out
}

/// The room lines of a JSONL archive, as a set (stores are scanned in
/// their own order).
pub fn archive_rooms(path: &Path) -> BTreeSet<String> {
    fs::read_to_string(path)
        .expect("archive")
        .lines()
        .filter(|l| l.starts_with("{\"roomName\""))
        .map(str::to_string)
        .collect()
}

/// Every file of a directory with its bytes, sorted by name.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            let bytes = fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// Parses stdout as JSON.
pub fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
