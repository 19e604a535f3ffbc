//! The nightly backup recipe of docs/backups.md, run as written: the bash
//! block marked `<!-- tested: nightly-backup` is taken from the document
//! itself (so the two cannot drift) and run by bash with the roomctl under
//! test first on PATH, against a real room directory holding a corrupt file.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{TestEnv, room, write_room};

const MARKER: &str = "<!-- tested: nightly-backup";

/// The rooms every store here holds, one needing escaping in a file name.
const ROOMS: [&str; 3] = ["Family Sunday", "date night 💕", "kids-pick"];

/// The script as docs/backups.md prints it: the ```bash block right after
/// the marker comment, which must appear exactly once.
fn recipe() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/backups.md");
    let doc = fs::read_to_string(&path).expect("read docs/backups.md");
    let lines: Vec<&str> = doc.lines().collect();
    let marked: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(MARKER))
        .collect();
    assert_eq!(
        marked.len(),
        1,
        "docs/backups.md must mark exactly one block with {MARKER}"
    );
    let start = marked[0] + 1;
    assert_eq!(
        lines.get(start).copied(),
        Some("```bash"),
        "the line after {MARKER} in docs/backups.md must open a ```bash block"
    );
    let body: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| **l != "```")
        .copied()
        .collect();
    assert!(
        start + 1 + body.len() < lines.len(),
        "the nightly-backup block in docs/backups.md is never closed"
    );
    body.join("\n") + "\n"
}

/// PATH with the directory of the roomctl under test first.
fn path_with_roomctl() -> OsString {
    let bin = assert_cmd::cargo::cargo_bin("roomctl");
    let dir = bin.parent().expect("roomctl's directory").to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest))).expect("PATH")
}

/// A room directory with [`ROOMS`] and one corrupt file, the recipe saved
/// as a script, and an empty backup directory.
struct Nightly {
    env: TestEnv,
    store: PathBuf,
    script: PathBuf,
    backups: PathBuf,
    keep: usize,
}

impl Nightly {
    fn new(keep: usize) -> Nightly {
        let env = TestEnv::new();
        let store = env.rooms_dir("rooms");
        for name in ROOMS {
            write_room(&store, &room(name));
        }
        fs::write(store.join("broken.json"), "{\"roomName\": \"broken\", ").expect("write");
        let script = env.path().join("moviematch-backup");
        fs::write(&script, recipe()).expect("write script");
        // Canonical, so that strace's -P names the path the script opens.
        let backups = fs::canonicalize(env.rooms_dir("backups")).expect("canonical");
        Nightly {
            env,
            store,
            script,
            backups,
            keep,
        }
    }

    /// `bash SCRIPT` (after `wrapper…`, if any) with the settings the
    /// recipe reads.
    fn command(&self, wrapper: &[&str], date: &str) -> Command {
        let line: Vec<&str> = wrapper.iter().copied().chain(["bash"]).collect();
        let mut cmd = self.env.command(line[0]);
        cmd.args(&line[1..])
            .arg(&self.script)
            .env("PATH", path_with_roomctl())
            .env("STORAGE_TYPE", "file")
            .env("STORAGE_PATH", &self.store)
            .env("BACKUP_DIR", &self.backups)
            .env("BACKUP_KEEP", self.keep.to_string())
            .env("BACKUP_DATE", date)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, date: &str) -> Output {
        self.command(&[], date).output().expect("run bash")
    }

    fn archive(&self, date: &str) -> PathBuf {
        self.backups.join(format!("rooms-{date}.jsonl.zst"))
    }

    /// The names in the backup directory, sorted.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.backups)
            .expect("read backups")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn corrupt_file_reported_every_archive_verified_and_the_newest_n_kept() {
    let nightly = Nightly::new(3);
    let dates = [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-05",
    ];
    for date in dates {
        let out = nightly.run(date);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        // docs/backups.md: 3, backed up and verified, entries left out.
        assert_eq!(out.status.code(), Some(3), "{date}: {}", show(&out));
        let archive = nightly.archive(date);
        assert!(
            stdout.contains(&format!("{}: ok: 3 rooms", archive.display())),
            "{date}: the verify line is missing: {}",
            show(&out)
        );
        assert!(
            stderr.contains("left out") && stderr.contains("broken.json"),
            "{date}: the corrupt file is not named: {}",
            show(&out)
        );
        assert!(stderr.contains("INCOMPLETE"), "{date}: {}", show(&out));
        let log = fs::read_to_string(format!("{}.log", archive.display())).expect("the log");
        assert!(
            log.contains("left out") && log.contains("broken.json"),
            "{date}: log {log:?}"
        );
    }
    assert_eq!(
        nightly.files(),
        [
            "rooms-2026-12-03.jsonl.zst",
            "rooms-2026-12-03.jsonl.zst.log",
            "rooms-2026-12-04.jsonl.zst",
            "rooms-2026-12-04.jsonl.zst.log",
            "rooms-2026-12-05.jsonl.zst",
            "rooms-2026-12-05.jsonl.zst.log",
        ]
    );

    // The newest archive holds every readable room and imports.
    let newest = nightly.archive("2026-12-05");
    let listed = nightly
        .env
        .roomctl()
        .args(["archive", "list", "-o", "name"])
        .arg(&newest)
        .output()
        .expect("archive list");
    assert!(listed.status.success(), "{}", show(&listed));
    let mut names: Vec<String> = text(&listed.stdout).lines().map(str::to_string).collect();
    names.sort();
    let mut expected: Vec<String> = ROOMS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected);
    nightly
        .env
        .roomctl()
        .args(["-s", "memory:", "import", "--dry-run"])
        .arg(&newest)
        .assert()
        .success();

    // Repaired store: exit 0, nothing on stderr, no log; the oldest goes
    // with its log.
    fs::remove_file(nightly.store.join("broken.json")).expect("remove");
    let out = nightly.run("2026-12-06");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(text(&out.stderr), "", "{}", show(&out));
    assert_eq!(
        nightly.files(),
        [
            "rooms-2026-12-04.jsonl.zst",
            "rooms-2026-12-04.jsonl.zst.log",
            "rooms-2026-12-05.jsonl.zst",
            "rooms-2026-12-05.jsonl.zst.log",
            "rooms-2026-12-06.jsonl.zst",
        ]
    );
}

#[test]
fn the_archive_just_written_is_kept_and_other_files_are_never_rotated() {
    let nightly = Nightly::new(1);
    let out = nightly.run("2099-01-01");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    for other in [
        "rooms-latest.jsonl.zst",
        "rooms-2026-12-01.jsonl.zst.old",
        "notes.txt",
    ] {
        fs::write(nightly.backups.join(other), "keep me").expect("write");
    }
    // A clock set back: the new archive sorts before a later-dated one.
    let out = nightly.run("2026-12-01");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert_eq!(
        nightly.files(),
        [
            "notes.txt",
            "rooms-2026-12-01.jsonl.zst",
            "rooms-2026-12-01.jsonl.zst.log",
            "rooms-2026-12-01.jsonl.zst.old",
            "rooms-2099-01-01.jsonl.zst",
            "rooms-2099-01-01.jsonl.zst.log",
            "rooms-latest.jsonl.zst",
        ]
    );
}

/// The new archive reads back empty, as from a disk that lost it: under
/// strace, every read(2) of that one path returns 0 (end of file), in the
/// real roomctl run by the real script. Nothing else is touched.
#[test]
fn an_archive_that_does_not_read_back_is_set_aside_and_nothing_is_removed() {
    let nightly = Nightly::new(2);
    for date in ["2026-12-01", "2026-12-02"] {
        let out = nightly.run(date);
        assert_eq!(out.status.code(), Some(3), "{date}: {}", show(&out));
    }
    let damaged = nightly.archive("2026-12-03");
    let path = damaged.to_str().expect("utf-8 path");
    let out = nightly
        .command(
            &[
                "strace",
                "-f",
                "-qq",
                "-o",
                "/dev/null",
                "-P",
                path,
                "-e",
                "trace=read",
                "-e",
                "inject=read:retval=0",
                "--",
            ],
            "2026-12-03",
        )
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run strace ({e}): this test needs it (scripts/test.sh installs it)")
        });
    // docs/backups.md: 8, the new archive did not verify.
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}\n(strace needs the right to trace: ptrace, CAP_SYS_PTRACE in a container)",
        show(&out)
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains(&format!("{path}: damaged")),
        "{}",
        show(&out)
    );
    assert!(
        stderr.contains("failed verification") && stderr.contains(".damaged"),
        "{}",
        show(&out)
    );
    assert_eq!(
        nightly.files(),
        [
            "rooms-2026-12-01.jsonl.zst",
            "rooms-2026-12-01.jsonl.zst.log",
            "rooms-2026-12-02.jsonl.zst",
            "rooms-2026-12-02.jsonl.zst.log",
            "rooms-2026-12-03.jsonl.zst.damaged",
            "rooms-2026-12-03.jsonl.zst.log",
        ]
    );

    // The next good night rotates again; the damaged one stays for a look.
    let out = nightly.run("2026-12-04");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert_eq!(
        nightly.files(),
        [
            "rooms-2026-12-02.jsonl.zst",
            "rooms-2026-12-02.jsonl.zst.log",
            "rooms-2026-12-03.jsonl.zst.damaged",
            "rooms-2026-12-03.jsonl.zst.log",
            "rooms-2026-12-04.jsonl.zst",
            "rooms-2026-12-04.jsonl.zst.log",
        ]
    );
}
