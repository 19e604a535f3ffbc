//! The edges of what a room directory holds, through the real binary: room
//! names as long as the server can store, one room failing in the middle of
//! a batch, and the modes of the files roomctl writes.

use crate::support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use crate::support::{TestEnv, pretty, room, safe_name, stdout_json, write_room};
use serde_json::{Value, json};

/// `prune-inactive --now`: `support::room` is stale at 30 days.
const NOW: &str = "2026-11-01T00:00:00Z";

/// A room name whose file name is `len + 5` bytes (`<safe>.json`).
fn long_name(len: usize) -> String {
    format!("long-{}", "n".repeat(len - 5))
}

/// A newer version of a room (one more user has rated).
fn newer(doc: &Value) -> Value {
    let mut doc = doc.clone();
    doc["userProgress"]["cid"] = json!(3);
    doc
}

/// The names in a directory, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------------------
// Names as long as the server's

#[test]
fn a_room_with_a_long_name_is_deleted_imported_over_and_pruned() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // The server writes `<safe>.json.tmp` (249 bytes here) and renames it.
    let long = long_name(240);
    let file = dir.join(safe_name(&long));
    write_room(&dir, &room(&long));
    write_room(&dir, &room("short"));

    env.roomctl()
        .args(["-s", "rooms", "delete", &long, "--yes"])
        .assert()
        .success();
    assert_eq!(entries(&dir), vec![safe_name("short")]);

    write_room(&dir, &room(&long));
    let incoming = json!([newer(&room(&long)), newer(&room("short"))]);
    fs::write(env.path().join("in.json"), incoming.to_string()).expect("write");
    let out = env
        .roomctl()
        .args(["-s", "rooms", "import", "in.json", "--on-conflict"])
        .args(["overwrite", "--yes", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["overwritten"], 2);
    assert_eq!(fs::read(&file).expect("read"), pretty(&newer(&room(&long))));

    env.roomctl()
        .args(["-s", "rooms", "prune-inactive", "--older-than", "30d"])
        .args(["--now", NOW, "--yes"])
        .assert()
        .success();
    assert_eq!(entries(&dir), vec![".roomctl-prune.lock"], "both pruned");
}

#[test]
fn check_fix_restores_a_long_named_room_left_aside() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("short"));
    // What an older roomctl, killed in the middle of a delete, left of a
    // room with a 220-byte file name: its claim adds 24 bytes.
    let medium = long_name(215);
    let old_aside = format!("{}.roomctl-aside-99999999-7.tmp", safe_name(&medium));
    fs::write(dir.join(&old_aside), pretty(&room(&medium))).expect("write");
    // And what this one leaves of the longest room the server can write.
    let longest = long_name(246);
    let aside = roomctl::store::file::temp_name(&safe_name(&longest), "aside", 99_999_999, 8);
    assert!(aside.len() <= 255, "{}", aside.len());
    fs::write(dir.join(&aside), pretty(&room(&longest))).expect("write");
    // Moved aside, a room file keeps its mode: so does the restored file.
    chmod(&dir.join(&aside), 0o600);

    let out = env
        .roomctl()
        .args(["-s", "rooms", "check", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(3));
    let report = stdout_json(&out);
    let kinds: Vec<(&str, &str)> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["location"].as_str().unwrap_or_default(),
                p["kind"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    for entry in [&old_aside, &aside] {
        assert!(
            kinds
                .iter()
                .any(|(l, k)| l.ends_with(entry.as_str()) && *k == "interrupted-write"),
            "{entry}: {report}"
        );
    }

    let out = env
        .roomctl()
        .args(["-s", "rooms", "check", "--fix", "--yes"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let mut want = vec![safe_name(&longest), safe_name(&medium), safe_name("short")];
    want.sort();
    assert_eq!(entries(&dir), want);
    assert_eq!(
        fs::read(dir.join(safe_name(&longest))).expect("read"),
        pretty(&room(&longest))
    );
    assert_eq!(mode_of(&dir.join(safe_name(&longest))), 0o600);
}

// ---------------------------------------------------------------------------
// One room failing in a batch

/// A room name longer than a file name may be: it can be in an archive or
/// in Redis, never in a room directory.
fn too_long_name() -> String {
    long_name(300)
}

#[test]
fn a_room_that_cannot_be_written_does_not_stop_an_import() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let incoming = json!([room("a"), room(&too_long_name()), room("b"), room("c")]);
    fs::write(env.path().join("in.json"), incoming.to_string()).expect("write");
    let out = env
        .roomctl()
        .args(["-s", "rooms", "import", "in.json", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let summary = stdout_json(&out);
    assert_eq!(
        (summary["created"].clone(), summary["failed"].clone()),
        (json!(3), json!(1))
    );
    let err = stderr(&out);
    assert!(err.contains("imported 3 of 4 rooms"), "{err}");
    assert!(err.contains("over the 255 a file name may have"), "{err}");
    assert_eq!(
        entries(&dir),
        vec![safe_name("a"), safe_name("b"), safe_name("c")]
    );
}

/// The uid and gid of `nobody`.
fn nobody() -> (u32, u32) {
    // SAFETY: getpwnam returns a pointer into static storage or null; read
    // at once.
    unsafe {
        let pw = libc::getpwnam(c"nobody".as_ptr());
        if pw.is_null() {
            (65534, 65534)
        } else {
            ((*pw).pw_uid, (*pw).pw_gid)
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A room directory where one room, `pinned`, cannot be renamed or deleted
/// by roomctl while every other room can: a sticky directory (mode 1777)
/// in which `pinned.json` belongs to root and roomctl runs as `nobody`.
/// Needs root (only root makes a file another user owns): `None`, said on
/// stderr, otherwise.
struct PinnedStore {
    env: TestEnv,
    dir: PathBuf,
}

impl PinnedStore {
    fn new() -> Option<PinnedStore> {
        if !is_root() {
            eprintln!("skipped: a file owned by another user needs root to make");
            return None;
        }
        let env = TestEnv::new();
        chmod(env.path(), 0o755);
        let dir = env.rooms_dir("rooms");
        chmod(&dir, 0o1777);
        Some(PinnedStore { env, dir })
    }

    /// Writes a room as the server would, owned by `nobody` unless pinned.
    fn put(&self, doc: &Value) {
        write_room(&self.dir, doc);
        let name = doc["roomName"].as_str().expect("name");
        if name != "pinned" {
            let (uid, gid) = nobody();
            std::os::unix::fs::chown(self.dir.join(safe_name(name)), Some(uid), Some(gid))
                .expect("chown");
        }
    }

    /// roomctl, run as `nobody`.
    fn run(&self, args: &[&str]) -> Output {
        let (uid, gid) = nobody();
        let mut cmd = self.env.roomctl_process();
        cmd.args(args).stdin(Stdio::null());
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
        cmd.output().expect("run roomctl")
    }
}

#[test]
fn a_room_that_cannot_be_deleted_does_not_stop_a_delete() {
    let Some(s) = PinnedStore::new() else { return };
    for name in ["a", "b", "pinned", "c"] {
        s.put(&room(name));
    }
    let out = s.run(&[
        "-s", "rooms", "delete", "a", "b", "pinned", "c", "--yes", "-o", "json",
    ]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let report = stdout_json(&out);
    assert_eq!(report["deleted"], json!(["a", "b", "c"]), "{report}");
    assert_eq!(report["failed"], json!(["pinned"]), "{report}");
    assert!(
        stderr(&out).contains("pinned not deleted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&s.dir), vec![safe_name("pinned")]);
}

#[test]
fn a_room_that_cannot_be_deleted_does_not_stop_a_prune() {
    let Some(s) = PinnedStore::new() else { return };
    for name in ["a", "b", "pinned", "c"] {
        s.put(&room(name));
    }
    let mut recent = room("recent");
    recent["createdAt"] = json!("2026-10-30T00:00:00.000Z");
    s.put(&recent);
    let out = s.run(&[
        "-s",
        "rooms",
        "prune-inactive",
        "--older-than",
        "30d",
        "--now",
        NOW,
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let report = stdout_json(&out);
    assert_eq!(report["summary"]["deleted"], 3, "{report}");
    assert_eq!(report["summary"]["failed"], 1, "{report}");
    assert_eq!(report["failed"][0]["roomName"], "pinned", "{report}");
    assert!(
        stderr(&out).contains("pinned not deleted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        entries(&s.dir),
        vec![
            ".roomctl-prune.lock".to_string(),
            safe_name("pinned"),
            safe_name("recent")
        ]
    );
}

#[test]
fn a_room_that_cannot_be_replaced_does_not_stop_an_import() {
    let Some(s) = PinnedStore::new() else { return };
    for name in ["a", "b", "pinned", "c"] {
        s.put(&room(name));
    }
    let incoming: Vec<Value> = ["a", "b", "pinned", "c"]
        .iter()
        .map(|n| newer(&room(n)))
        .collect();
    let archive = s.env.path().join("in.json");
    fs::write(&archive, json!(incoming).to_string()).expect("write");
    chmod(&archive, 0o644);
    let out = s.run(&[
        "-s",
        "rooms",
        "import",
        "in.json",
        "--on-conflict",
        "overwrite",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let summary = stdout_json(&out);
    assert_eq!(summary["overwritten"], 3, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert!(
        stderr(&out).contains("imported 3 of 4 rooms"),
        "{}",
        stderr(&out)
    );
    for name in ["a", "b", "c"] {
        assert_eq!(
            fs::read(s.dir.join(safe_name(name))).expect("read"),
            pretty(&newer(&room(name)))
        );
    }
    assert_eq!(
        fs::read(s.dir.join(safe_name("pinned"))).expect("read"),
        pretty(&room("pinned"))
    );
    assert_eq!(entries(&s.dir).len(), 4, "no temporary file left");
}

#[test]
fn a_room_that_cannot_be_replaced_does_not_stop_a_migration() {
    let Some(s) = PinnedStore::new() else { return };
    let from = s.env.rooms_dir("from");
    chmod(&from, 0o755);
    for name in ["a", "b", "pinned", "c"] {
        write_room(&from, &newer(&room(name)));
        chmod(&from.join(safe_name(name)), 0o644);
    }
    s.put(&room("pinned"));
    let out = s.run(&[
        "-s",
        "from",
        "migrate-backend",
        "--to",
        "rooms",
        "--on-conflict",
        "overwrite",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 3, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert!(
        stderr(&out).contains("failed: \"pinned\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(s.dir.join(safe_name("pinned"))).expect("read"),
        pretty(&room("pinned"))
    );
}

// ---------------------------------------------------------------------------
// The modes of the files roomctl writes

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("stat").mode() & 0o7777
}

#[test]
fn a_replaced_room_file_keeps_its_mode_and_owner() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("secret"));
    write_room(&dir, &room("open"));
    let secret = dir.join(safe_name("secret"));
    chmod(&secret, 0o600);
    // Root may give the new file the old one's owner.
    let owner = if is_root() {
        let (uid, gid) = nobody();
        std::os::unix::fs::chown(&secret, Some(uid), Some(gid)).expect("chown");
        (uid, gid)
    } else {
        let meta = fs::metadata(&secret).expect("stat");
        (meta.uid(), meta.gid())
    };
    let incoming = json!([newer(&room("secret")), newer(&room("open"))]);
    fs::write(env.path().join("in.json"), incoming.to_string()).expect("write");
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "import",
            "in.json",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(
        fs::read(&secret).expect("read"),
        pretty(&newer(&room("secret")))
    );
    assert_eq!(mode_of(&secret), 0o600, "still private");
    let meta = fs::metadata(&secret).expect("stat");
    assert_eq!((meta.uid(), meta.gid()), owner);
    assert_eq!(mode_of(&dir.join(safe_name("open"))), 0o644);
}

#[test]
fn a_new_room_file_takes_the_mode_of_its_neighbours() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    for name in ["a", "b", "c"] {
        write_room(&dir, &room(name));
        chmod(&dir.join(safe_name(name)), 0o600);
    }
    write_room(&dir, &room("d"));
    fs::write(env.path().join("in.json"), json!([room("new")]).to_string()).expect("write");
    env.roomctl()
        .args(["-s", "rooms", "import", "in.json"])
        .assert()
        .success();
    assert_eq!(mode_of(&dir.join(safe_name("new"))), 0o600);
    // The same for a migration into the directory.
    let from = env.rooms_dir("from");
    write_room(&from, &room("migrated"));
    chmod(&from.join(safe_name("migrated")), 0o644);
    env.roomctl()
        .args(["-s", "from", "migrate-backend", "--to", "rooms"])
        .assert()
        .success();
    assert_eq!(mode_of(&dir.join(safe_name("migrated"))), 0o600);
}

#[test]
fn a_new_room_file_in_a_private_directory_is_private() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    chmod(&dir, 0o700);
    fs::write(
        env.path().join("in.json"),
        json!([room("first")]).to_string(),
    )
    .expect("write");
    env.roomctl()
        .args(["-s", "rooms", "import", "in.json"])
        .assert()
        .success();
    assert_eq!(mode_of(&dir.join(safe_name("first"))), 0o600);
}

// ---------------------------------------------------------------------------
// Room sizes

/// The compact JSON of `room(name)` up to its closing brace, then
/// `,"zFutureField":` and `value`, which the caller completes.
fn open_room(name: &str) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(&room(name)).expect("json");
    bytes.pop();
    bytes.extend_from_slice(b",\"zFutureField\":");
    bytes
}

/// A zstd stream of `[small room, big room]`, the big one holding a string
/// of `mib` MiB: one frame per MiB (a decoder reads frames one after
/// another), so that even a huge room is quick to make.
fn zstd_array_with_big_room(mib: usize) -> Vec<u8> {
    let frame = |bytes: &[u8]| zstd::encode_all(bytes, 1).expect("zstd");
    let mut head = b"[".to_vec();
    head.extend(serde_json::to_vec(&room("small")).expect("json"));
    head.push(b',');
    head.extend(open_room("big"));
    head.push(b'"');
    let mut out = frame(&head);
    let x = frame(&vec![b'x'; 1 << 20]);
    for _ in 0..mib {
        out.extend_from_slice(&x);
    }
    out.extend(frame(b"\"}]"));
    out
}

/// Runs a command to its end; its output, and the most memory it held
/// (VmHWM, in KiB, as last seen while it ran: never more than the truth).
fn run_measured(mut cmd: std::process::Command) -> (Output, u64) {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let hwm = fs::read_to_string(&status).ok().and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                });
                peak = hwm.unwrap_or(0).max(peak);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            peak
        })
    };
    let out = child.wait_with_output().expect("wait");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    (out, watcher.join().expect("watcher"))
}

/// A zstd-compressed archive (JSON Lines) of a small room and a room
/// holding a string of `mib` MiB.
fn zstd_archive_with_big_room(mib: usize) -> Vec<u8> {
    use sha2::Digest as _;
    let mut big = open_room("big");
    big.push(b'"');
    big.extend(vec![b'x'; mib << 20]);
    big.extend_from_slice(b"\"}");
    let rooms = [serde_json::to_vec(&room("small")).expect("json"), big];
    let mut hasher = sha2::Sha256::new();
    let mut text = br#"{"$roomctl":"archive","version":1,"createdAt":"2026-11-01T00:00:00.000Z","source":"test","tool":"test"}"#.to_vec();
    text.push(b'\n');
    for line in &rooms {
        hasher.update(line);
        hasher.update(b"\n");
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    text.extend(format!(r#"{{"$roomctl":"trailer","rooms":2,"sha256":"{sha}"}}"#).bytes());
    text.push(b'\n');
    zstd::encode_all(text.as_slice(), 1).expect("zstd")
}

#[test]
fn a_room_over_the_size_limit_is_refused_before_anything_is_written() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    fs::write(
        env.path().join("big.jsonl.zst"),
        zstd_archive_with_big_room(40),
    )
    .expect("write");
    let out = env
        .roomctl()
        .args(["-s", "rooms", "import", "big.jsonl.zst"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(8), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("room \"big\" is more than")
            && err.contains("over the 32 MiB limit for a room (--max-room-size raises it)")
            && err.contains("nothing was imported"),
        "{err}"
    );
    assert!(entries(&dir).is_empty(), "nothing written");

    // With a higher limit it is imported, and read back by every command.
    let big = |args: &[&str]| {
        env.roomctl()
            .args(["--max-room-size", "64MiB", "-s", "rooms"])
            .args(args)
            .output()
            .expect("run")
    };
    let out = big(&["import", "big.jsonl.zst"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        fs::metadata(dir.join(safe_name("big")))
            .expect("stat")
            .len()
            > 40 << 20
    );
    let out = big(&["show", "big", "-o", "json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout_json(&out)["zFutureField"].as_str().map(str::len),
        Some(40 << 20)
    );
    let out = big(&["export", "back.jsonl"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    // Without it, show names the room file and its size.
    let out = env
        .roomctl()
        .args(["-s", "rooms", "show", "big"])
        .output()
        .expect("run");
    assert_ne!(code(&out), Some(0));
    assert!(
        stderr(&out).contains("over the 32 MiB limit for a room"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn decompression_stops_at_the_size_limit() {
    // 600 MiB of room in a few kilobytes: reading stops at the limit.
    let env = TestEnv::new();
    env.rooms_dir("rooms");
    let bomb = zstd_array_with_big_room(600);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    fs::write(env.path().join("bomb.json.zst"), bomb).expect("write");
    let mut cmd = env.roomctl_process();
    cmd.args(["-s", "rooms", "import", "bomb.json.zst"]);
    let (out, peak_kib) = run_measured(cmd);
    assert_eq!(code(&out), Some(8), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("room \"big\" is more than"),
        "{}",
        stderr(&out)
    );
    assert!(peak_kib < 200 << 10, "peak memory {peak_kib} KiB");
}

/// A room whose compact JSON is about `mib` MiB and whose pretty form (one
/// number per line) is more than three times that.
fn wide_room(name: &str, mib: usize) -> Vec<u8> {
    let mut bytes = open_room(name);
    bytes.push(b'[');
    bytes.extend(b"1,".repeat(mib << 19));
    bytes.extend(b"1]}");
    bytes
}

#[test]
fn a_room_whose_file_would_be_over_the_limit_is_not_written() {
    // 12 MiB in an archive or in Redis, 42 MiB as a room file.
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut array = b"[".to_vec();
    array.extend(serde_json::to_vec(&room("small")).expect("json"));
    array.push(b',');
    array.extend(wide_room("wide", 12));
    array.push(b']');
    fs::write(env.path().join("wide.json"), &array).expect("write");
    let out = env
        .roomctl()
        .args(["-s", "rooms", "import", "wide.json"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(8), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("room \"wide\" would be a file of"),
        "{}",
        stderr(&out)
    );
    assert!(entries(&dir).is_empty(), "nothing written");

    // From Redis, where it fits, into the directory, where it does not: that
    // room is not written, the others are.
    let redis = support::redis::RedisServer::start();
    let mut conn = redis.connection();
    let _: () = ::redis::cmd("SET")
        .arg("room:wide")
        .arg(wide_room("wide", 12))
        .query(&mut conn)
        .expect("SET");
    let _: () = ::redis::cmd("SET")
        .arg("room:small")
        .arg(serde_json::to_vec(&room("small")).expect("json"))
        .query(&mut conn)
        .expect("SET");
    let out = env
        .roomctl()
        .args(["-s", &redis.url(), "migrate-backend", "--to", "rooms"])
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("its file would be")
            && stderr(&out).contains("over the 32 MiB limit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&dir), vec![safe_name("small")]);
}

#[test]
fn a_redis_value_over_the_size_limit_is_reported_not_read() {
    let env = TestEnv::new();
    let redis = support::redis::RedisServer::start();
    let mut conn = redis.connection();
    let _: () = ::redis::cmd("SET")
        .arg("room:wide")
        .arg(wide_room("wide", 1))
        .query(&mut conn)
        .expect("SET");
    let run = |limit: &str, args: &[&str]| {
        env.roomctl()
            .args(["--max-room-size", limit, "-s", &redis.url()])
            .args(args)
            .output()
            .expect("run")
    };
    let out = run("512KiB", &["show", "wide"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("room:wide is invalid")
            && stderr(&out).contains("1.0 MiB), over the 512 KiB limit for a room"),
        "{}",
        stderr(&out)
    );
    let out = run("512KiB", &["export", "out.jsonl"]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let out = run("2MiB", &["show", "wide", "-o", "json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
}
