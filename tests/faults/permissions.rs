//! A store directory roomctl may not write, and a room file it may not read.
//!
//! Permission bits bind every user but root, who bypasses them: run as root
//! (as in CI containers), `chmod 0555` would stop nothing. So when the tests
//! run as root, roomctl runs as `nobody` (setgroups, setgid, setuid in the
//! child before exec), which needs no mount privilege and keeps the same
//! test for every user; otherwise it runs as the current user, whom the
//! bits bind. (A read-only bind mount would also stop root, but needs
//! CAP_SYS_ADMIN and leaves the unreadable-file case uncovered.)
//!
//! The promises: one clear line naming the file, a non-zero exit, nothing
//! lost or changed, and a clean run once the permissions are right.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Output, Stdio};

use crate::harness::*;
use crate::support::{TestEnv, safe_name};

const STALE: &str = "2026-01-15T00:00:00.000Z";
const RECENT: &str = "2026-10-30T00:00:00.000Z";

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// The uid and gid of `nobody`.
fn nobody() -> (libc::uid_t, libc::gid_t) {
    // SAFETY: getpwnam returns a pointer into static storage or null; read
    // at once, before any other call could reuse it.
    unsafe {
        let pw = libc::getpwnam(c"nobody".as_ptr());
        if pw.is_null() {
            (65534, 65534)
        } else {
            ((*pw).pw_uid, (*pw).pw_gid)
        }
    }
}

/// Runs roomctl as a user the permission bits bind (see the module docs).
fn run_bound(env: &TestEnv, args: &[String]) -> Output {
    let mut cmd = env.roomctl_process();
    cmd.args(args).stdin(Stdio::null());
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        let (uid, gid) = nobody();
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd.output().expect("run roomctl")
}

/// A test directory the unprivileged user can enter.
fn open_env() -> TestEnv {
    let env = TestEnv::new();
    chmod(env.path(), 0o755);
    env
}

fn prune(store: &str) -> Vec<String> {
    args(&[
        "-s",
        store,
        "prune-inactive",
        "--older-than",
        "30d",
        "--now",
        "2026-11-01T00:00:00Z",
        "--yes",
    ])
}

/// Half stale, half active rooms.
fn mixed(n: usize) -> (Rooms, Rooms) {
    let mut all = Rooms::new();
    let mut active = Rooms::new();
    for (k, name) in names(n).into_iter().enumerate() {
        let doc = room(&name, 1, if k % 2 == 0 { STALE } else { RECENT });
        if k % 2 == 1 {
            active.insert(name.clone(), doc.clone());
        }
        all.insert(name, doc);
    }
    (all, active)
}

#[test]
fn read_only_store_directory() {
    let mut tally = Tally::new("read_only_store_directory");
    let env = open_env();
    let dir = env.path().join("rooms");
    let (all, active) = mixed(40);
    plant_files(&dir, &all);
    // Newer versions of every room and new rooms, to import and migrate.
    let newer = rooms_of(&names(60), 2, RECENT);
    plant_files(&env.path().join("newer"), &newer);
    assert_ok(
        &run(&env, &args(&["-s", "newer", "export", "newer.jsonl"])),
        "export",
    );
    chmod(&env.path().join("newer.jsonl"), 0o644);
    // A lock file the operator may write (left by an earlier prune), so that
    // the prune gets as far as deleting; and a stale temporary file.
    let lock = dir.join(".roomctl-prune.lock");
    fs::write(&lock, b"").expect("lock file");
    chmod(&lock, 0o666);
    let tmp = dir.join("room-0000.json.tmp");
    fs::write(&tmp, b"{\"roomName\": \"room-00").expect("tmp");
    let old_time = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    fs::File::options()
        .write(true)
        .open(&tmp)
        .and_then(|f| f.set_modified(old_time))
        .expect("age the temporary file");
    chmod(&dir, 0o555);
    // The lock file says who holds the lock: not part of the store.
    let rooms_of_dir = |dir: &Path| {
        let mut bytes = dir_bytes(dir);
        bytes.remove(".roomctl-prune.lock");
        bytes
    };
    let before = rooms_of_dir(&dir);
    let store = dir.display().to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "import",
            args(&[
                "-s",
                &store,
                "import",
                "newer.jsonl",
                "--on-conflict",
                "overwrite",
                "--yes",
            ]),
        ),
        ("prune-inactive", prune(&store)),
        (
            "migrate-backend into it",
            args(&[
                "-s",
                "newer",
                "migrate-backend",
                "--to",
                &store,
                "--on-conflict",
                "overwrite",
                "--yes",
            ]),
        ),
        (
            "delete",
            args(&["-s", &store, "delete", "room-0000", "room-0001", "--yes"]),
        ),
        (
            "check --fix",
            args(&["-s", &store, "check", "--fix", "--yes"]),
        ),
    ];
    for (what, command) in &cases {
        let out = run_bound(&env, command);
        tally.injected();
        let line = if *what == "check --fix" {
            // Its report (stdout) says which repair failed, and why.
            assert_eq!(out.status.code(), Some(3), "{what}: {}", stderr(&out));
            let report = String::from_utf8_lossy(&out.stdout).into_owned();
            report
                .lines()
                .find(|l| l.starts_with("not fixed"))
                .unwrap_or_else(|| panic!("{what}: no failed repair in {report}"))
                .to_string()
        } else {
            assert_one_line_error(&out, what)
        };
        assert!(
            line.contains(&store) && line.contains("ermission denied"),
            "{what}: names the file and why: {line}"
        );
        assert!(rooms_of_dir(&dir) == before, "{what}: the store changed");
        tally.survived();
    }
    // With the permissions right, every command does its job.
    chmod(&dir, 0o777);
    assert_ok(&run_bound(&env, &cases[0].1), "import");
    assert!(file_rooms(&dir) == newer, "imported");
    plant_files(&dir, &all);
    chmod(&dir, 0o777);
    assert_ok(&run_bound(&env, &prune(&store)), "prune");
    assert!(file_rooms(&dir) == active, "pruned");
    tally.finish(cases.len() as u32);
}

#[test]
fn unreadable_room_file() {
    let mut tally = Tally::new("unreadable_room_file");
    let env = open_env();
    let dir = env.path().join("rooms");
    let (all, active) = mixed(40);
    plant_files(&dir, &all);
    chmod(&dir, 0o777);
    // A stale room nobody may read: it must survive everything.
    let secret = room("secret", 1, STALE);
    write_server_style(&dir, &secret);
    let secret_file = dir.join(safe_name("secret"));
    let secret_bytes = fs::read(&secret_file).expect("read");
    chmod(&secret_file, 0o000);
    let out_dir = env.path().join("out");
    fs::create_dir(&out_dir).expect("mkdir");
    chmod(&out_dir, 0o777);
    let store = dir.display().to_string();
    let archive = out_dir.join("all.jsonl").display().to_string();
    let dst = out_dir.join("dst").display().to_string();
    let mut with_secret = all.clone();
    with_secret.insert("secret".into(), room("secret", 2, RECENT));
    plant_files(&env.path().join("incoming"), &with_secret);
    assert_ok(
        &run(&env, &args(&["-s", "incoming", "export", "incoming.jsonl"])),
        "export",
    );
    chmod(&env.path().join("incoming.jsonl"), 0o644);
    let file = secret_file.display().to_string();
    // Each command: its expected exit status and what it must leave.
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        ("list", args(&["-s", &store, "list"]), 0),
        ("export", args(&["-s", &store, "export", &archive]), 3),
        (
            "migrate-backend",
            args(&[
                "-s",
                &store,
                "migrate-backend",
                "--to",
                &dst,
                "--create-store",
            ]),
            3,
        ),
        ("check", args(&["-s", &store, "check"]), 3),
        (
            "import over it",
            args(&[
                "-s",
                &store,
                "import",
                "incoming.jsonl",
                "--on-conflict",
                "overwrite",
                "--yes",
            ]),
            5,
        ),
        ("prune-inactive", prune(&store), 0),
    ];
    let mut outputs = BTreeMap::new();
    for (what, command, code) in &cases {
        let out = run_bound(&env, command);
        tally.injected();
        // check reports on stdout (its report is data), the others on stderr.
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert_eq!(out.status.code(), Some(*code), "{what}: {text}");
        assert!(text.contains(&file), "{what}: names the file: {text}");
        assert!(
            text.contains("ermission denied") || text.contains("unreadable"),
            "{what}: says why: {text}"
        );
        outputs.insert(*what, out);
        tally.survived();
    }
    // The rest of the store was handled; the unreadable room never touched.
    let exported = archive_rooms(Path::new(&archive)).expect("archive");
    assert!(exported == all, "export holds every readable room");
    assert!(
        file_rooms(Path::new(&dst)) == all,
        "migrated every readable room"
    );
    chmod(&secret_file, 0o644);
    assert_eq!(
        fs::read(&secret_file).expect("read"),
        secret_bytes,
        "untouched"
    );
    let mut left = file_rooms(&dir);
    assert_eq!(left.remove("secret"), Some(secret), "never pruned");
    assert!(left == active, "the readable stale rooms were pruned");
    tally.finish(cases.len() as u32);
}
