//! A disk that fills up under `export`, a file-store `import`, and a
//! prune's `--backup`.
//!
//! Two ways to fill a disk, each case runs with every one available:
//! - a real full filesystem: a 1 MiB tmpfs mounted inside the test's
//!   directory (needs root, or CAP_SYS_ADMIN; where `mount` is refused the
//!   test says so on stderr and goes on with the other way);
//! - a file-size limit, `ulimit -f` (RLIMIT_FSIZE, set in the child with
//!   SIGXFSZ ignored so that the write fails with EFBIG instead of killing
//!   the process): works for any user.
//!
//! Each asserts one clear line naming the file, a non-zero exit, no partial
//! archive and no half-written room, and a clean re-run once there is room.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::harness::*;
use crate::support::TestEnv;

const ROOMS: usize = 2000;
const STALE: &str = "2026-01-15T00:00:00.000Z";
const RECENT: &str = "2026-10-30T00:00:00.000Z";

/// Rooms of about 900 bytes as compact JSON (1.8 MB in all), so that 1 MiB
/// fills up half-way.
fn big_rooms(version: u64, activity: &str) -> Rooms {
    rooms_of(&names(ROOMS), version, activity)
        .into_iter()
        .map(|(name, mut doc)| {
            doc["futureField"]["padding"] = serde_json::json!("x".repeat(400));
            (name, doc)
        })
        .collect()
}

/// A 1 MiB tmpfs mounted on a directory, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// Mounts it, or says why it cannot be and returns `None`.
    fn mount(dir: &Path) -> Option<SmallDisk> {
        std::fs::create_dir_all(dir).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(SmallDisk {
                dir: dir.to_path_buf(),
            }),
            Ok(o) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "disk_full: cannot mount a tmpfs ({}); using a file-size limit only",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "disk_full: cannot run mount ({e}); using a file-size limit only"
                );
                None
            }
        }
    }

    /// Gives the filesystem room: what an operator does after freeing space.
    fn grow(&self) {
        self.resize("64m");
    }

    /// Back to 1 MiB, for the next case.
    fn shrink(&self) {
        self.resize("1m");
    }

    fn resize(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount {} with size={size}", self.dir.display());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// How the disk fills up in one run of a case.
enum Full {
    /// Files go to this mounted 1 MiB tmpfs.
    Tmpfs(SmallDisk),
    /// Every file roomctl writes is limited to this many bytes.
    FileSize(u64),
}

impl Full {
    /// Every way available here: the tmpfs where it can be mounted, and
    /// the file-size limit always.
    fn all(env: &TestEnv, limit: u64) -> Vec<Full> {
        let mut ways = Vec::new();
        if let Some(disk) = SmallDisk::mount(&env.path().join("small")) {
            ways.push(Full::Tmpfs(disk));
        }
        ways.push(Full::FileSize(limit));
        ways
    }

    /// Where files go: the small disk, or anywhere.
    fn dir(&self, env: &TestEnv) -> PathBuf {
        match self {
            Full::Tmpfs(disk) => disk.dir.clone(),
            Full::FileSize(_) => env.path().join("limited"),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Full::Tmpfs(_) => "on a full tmpfs",
            Full::FileSize(_) => "over a file-size limit",
        }
    }

    /// What the error says: ENOSPC or EFBIG, with roomctl's hint.
    fn says(&self) -> &'static str {
        match self {
            Full::Tmpfs(_) => "space",
            Full::FileSize(_) => "too large",
        }
    }

    /// Runs roomctl with the disk full.
    fn run(&self, env: &TestEnv, args: &[String]) -> Output {
        let mut cmd = env.roomctl_process();
        cmd.args(args).stdin(Stdio::null());
        if let Full::FileSize(limit) = *self {
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    let rlimit = libc::rlimit {
                        rlim_cur: limit,
                        rlim_max: limit,
                    };
                    if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        cmd.output().expect("run roomctl")
    }

    /// Makes room, then runs roomctl normally.
    fn rerun(&self, env: &TestEnv, args: &[String]) -> Output {
        if let Full::Tmpfs(disk) = self {
            disk.grow();
        }
        run(env, args)
    }

    /// Fills the disk again (after the files of the last case are gone).
    fn refill(&self) {
        if let Full::Tmpfs(disk) = self {
            disk.shrink();
        }
    }
}

/// The one error line of a full disk: names `file`, says what happened.
fn assert_disk_error(out: &Output, full: &Full, file: &str, what: &str) {
    let line = assert_one_line_error(out, what);
    assert!(line.contains(file), "{what}: names {file}: {line}");
    assert!(line.contains(full.says()), "{what}: {line}");
}

#[test]
fn disk_full_during_export() {
    let mut tally = Tally::new("disk_full_during_export");
    let env = TestEnv::new();
    let rooms = big_rooms(1, RECENT);
    plant_files(&env.path().join("rooms"), &rooms);
    for full in Full::all(&env, 256 * 1024) {
        let dir = full.dir(&env);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for file in ["backup.jsonl", "backup.yaml"] {
            let context = format!("export to {file} {}", full.label());
            let target = dir.join(file);
            let command = args(&["-s", "rooms", "export", &target.display().to_string()]);
            let out = full.run(&env, &command);
            tally.injected();
            assert_disk_error(&out, &full, file, &context);
            assert_eq!(out.status.code(), Some(1), "{context}");
            assert!(!target.exists(), "{context}: no partial archive");
            assert_eq!(
                std::fs::read_dir(&dir).expect("dir").count(),
                0,
                "{context}: no temporary file left"
            );
            let again = full.rerun(&env, &command);
            assert_ok(&again, &context);
            if file.ends_with(".jsonl") {
                assert!(archive_rooms(&target) == Some(rooms.clone()), "{context}");
            }
            std::fs::remove_file(&target).expect("remove the archive");
            full.refill();
            tally.survived();
        }
        tally.note(full.label(), 2);
    }
    tally.finish(2);
}

#[test]
fn disk_full_during_import_into_file() {
    let mut tally = Tally::new("disk_full_during_import_into_file");
    let env = TestEnv::new();
    let new = big_rooms(2, RECENT);
    plant_files(&env.path().join("from"), &new);
    assert_ok(
        &run(&env, &args(&["-s", "from", "export", "backup.jsonl"])),
        "export",
    );
    // A room file is about 1 kB: a limit of 512 bytes stops the first write.
    for full in Full::all(&env, 512) {
        let context = format!("import {}", full.label());
        let store = full.dir(&env).join("rooms");
        // Older versions of some rooms (replaced by compare-and-swap) and a
        // room the archive does not have.
        let mut old: Rooms = new
            .iter()
            .step_by(25)
            .map(|(n, _)| (n.clone(), room(n, 1, STALE)))
            .collect();
        old.insert("kept".into(), room("kept", 1, STALE));
        plant_files(&store, &old);
        let mut want = new.clone();
        want.insert("kept".into(), room("kept", 1, STALE));
        let store_name = store.display().to_string();
        let command = args(&[
            "-s",
            &store_name,
            "import",
            "backup.jsonl",
            "--on-conflict",
            "newer",
            "--yes",
        ]);
        let out = full.run(&env, &command);
        tally.injected();
        assert_disk_error(&out, &full, &store_name, &context);
        assert!(
            assert_one_line_error(&out, &context).contains(".json"),
            "{context}: names the room file"
        );
        assert_old_or_new(&file_rooms(&store), &old, &want, &BTreeSet::new(), &context);
        check_finds_only_repairable(&env, &store_name, &[&old, &want], &context);
        let again = full.rerun(&env, &command);
        assert_ok(&again, &context);
        assert!(file_rooms(&store) == want, "{context}: not converged");
        assert_eq!(temp_files(&store), Vec::<String>::new(), "{context}");
        assert_healthy(&env, &store_name, &context);
        std::fs::remove_dir_all(&store).expect("remove the store");
        full.refill();
        tally.note(full.label(), 1);
        tally.survived();
    }
    tally.finish(1);
}

#[test]
fn disk_full_during_prune_backup() {
    // The backup cannot be completed: nothing at all is deleted.
    let mut tally = Tally::new("disk_full_during_prune_backup");
    let env = TestEnv::new();
    let rooms = big_rooms(1, STALE);
    let dir = env.path().join("rooms");
    for full in Full::all(&env, 256 * 1024) {
        let context = format!("prune --backup {}", full.label());
        plant_files(&dir, &rooms);
        let before = dir_bytes(&dir);
        let out_dir = full.dir(&env);
        std::fs::create_dir_all(&out_dir).expect("mkdir");
        let backup = out_dir.join("pruned.jsonl");
        let command = args(&[
            "-s",
            "rooms",
            "prune-inactive",
            "--older-than",
            "30d",
            "--now",
            "2026-11-01T00:00:00Z",
            "--backup",
            &backup.display().to_string(),
            "--yes",
        ]);
        let out = full.run(&env, &command);
        tally.injected();
        assert_disk_error(&out, &full, "pruned.jsonl", &context);
        let mut after = dir_bytes(&dir);
        after.remove(".roomctl-prune.lock");
        assert!(after == before, "{context}: nothing deleted");
        assert_eq!(
            std::fs::read_dir(&out_dir).expect("dir").count(),
            0,
            "{context}: no partial backup"
        );
        assert_ok(&full.rerun(&env, &command), &context);
        assert!(file_rooms(&dir).is_empty(), "{context}: all pruned");
        assert!(archive_rooms(&backup) == Some(rooms.clone()), "{context}");
        std::fs::remove_file(&backup).expect("remove the backup");
        full.refill();
        tally.note(full.label(), 1);
        tally.survived();
    }
    tally.finish(1);
}
