//! `roomctl migrate-backend` through the real binary: every pair of stores,
//! the awkward fixtures (collisions, unknown fields, damaged and non-room
//! entries), conflict policies, dry runs, --delete-source, and runs killed
//! half-way that a re-run completes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::{TestEnv, plant_damage, pretty, room, safe_name, stdout_json, write_room};

/// The rooms of a file store, by name, as parsed JSON (key order kept).
fn file_rooms(dir: &Path) -> BTreeMap<String, Value> {
    let mut rooms = BTreeMap::new();
    for entry in fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let bytes = fs::read(entry.path()).expect("read");
        let doc: Value = serde_json::from_slice(&bytes).expect("room files are valid JSON");
        let room = doc["roomName"].as_str().expect("roomName").to_string();
        assert_eq!(
            safe_name(&room),
            name,
            "file name is the server's safe name"
        );
        assert_eq!(
            bytes,
            serde_json::to_vec_pretty(&doc).unwrap(),
            "{name} is written the way the server writes it"
        );
        assert!(rooms.insert(room, doc).is_none());
    }
    rooms
}

/// The lines of a `--report` file.
fn report(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .expect("report")
        .lines()
        .map(|l| serde_json::from_str(l).expect("report lines are JSON"))
        .collect()
}

/// The report's status of each named room.
fn statuses(lines: &[Value]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter(|l| l["room"].is_string())
        .map(|l| {
            (
                l["room"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A room with fields the current server does not know, in an odd order.
fn room_with_unknown_fields(name: &str) -> Value {
    let mut doc = serde_json::Map::new();
    doc.insert(
        "zNewestField".into(),
        json!({"nested": [1, "two", null, 2.5]}),
    );
    for (k, v) in room(name).as_object().unwrap() {
        doc.insert(k.clone(), v.clone());
    }
    doc.insert("lastActivityAt".into(), json!("2026-10-02T08:00:00.000Z"));
    doc.insert("aFutureFlag".into(), json!(true));
    doc.insert("emptyThing".into(), json!({}));
    Value::Object(doc)
}

#[test]
fn file_to_file_copies_every_room_and_a_rerun_finds_them_identical() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let names = ["movie night", "../../etc/passwd", "é", "🎬 club", "plain"];
    for name in names {
        write_room(&src, &room_with_unknown_fields(name));
    }
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "file:dst",
            "--create-store",
            "--report",
            "report.jsonl",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 5);
    assert_eq!(summary["verified"], 5);
    assert_eq!(summary["identical"], 0);
    assert_eq!(summary["complete"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("5 copied") && stderr.contains("5 verified"),
        "{stderr}"
    );
    // Every room, every field, in its order; the source untouched.
    let before = file_rooms(&src);
    let after = file_rooms(&env.path().join("dst"));
    assert_eq!(before, after);
    for (name, doc) in &after {
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        let want: Vec<&String> = before[name].as_object().unwrap().keys().collect();
        assert_eq!(keys, want, "key order of {name}");
        assert_eq!(
            doc["zNewestField"],
            json!({"nested": [1, "two", null, 2.5]})
        );
    }
    let lines = report(&env.path().join("report.jsonl"));
    assert_eq!(lines.len(), 5);
    for line in &lines {
        assert_eq!(line["status"], "copied");
        assert!(line["location"].as_str().unwrap().contains("src"));
        assert!(line.get("reason").is_some());
    }

    // A re-run writes nothing and says so.
    let mtimes: Vec<_> = fs::read_dir(env.path().join("dst"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().modified().unwrap())
        .collect();
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
            "--report",
            "again.jsonl",
        ])
        .assert()
        .success()
        .stderr(contains("0 copied, 5 identical").and(contains("5 verified")));
    let again = report(&env.path().join("again.jsonl"));
    assert!(
        again.iter().all(|l| l["status"] == "identical"),
        "{again:?}"
    );
    let mtimes_after: Vec<_> = fs::read_dir(env.path().join("dst"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().modified().unwrap())
        .collect();
    assert_eq!(mtimes, mtimes_after, "identical rooms are not rewritten");
}

#[test]
fn damaged_and_non_room_source_entries_are_reported_and_skipped() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room("good"));
    plant_damage(&src);
    let mut no_creator = room("no-creator");
    no_creator
        .as_object_mut()
        .unwrap()
        .remove("creatorPlexUserId");
    write_room(&src, &no_creator);
    fs::write(src.join("a_list.json"), b"[1, 2, 3]").unwrap();
    // A file whose name is not the room's safe name.
    fs::write(src.join("elsewhere.json"), pretty(&room("misnamed"))).unwrap();
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
            "--report",
            "r.jsonl",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    for what in [
        "corrupt.json",
        "empty.json",
        "no-creator.json",
        "elsewhere.json",
    ] {
        assert!(stderr.contains(what), "{what} named on stderr: {stderr}");
    }
    assert!(
        stderr.contains("4 rooms not migrated: 4 invalid"),
        "{stderr}"
    );
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 1);
    assert_eq!(summary["invalid"], 4);
    assert_eq!(summary["notRooms"], 1);
    assert_eq!(summary["complete"], false);
    assert_eq!(summary["exitCode"], 3);
    // Only the good room was copied; the source is untouched.
    let dst = env.path().join("dst");
    let names: Vec<String> = fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["good.json"]);
    assert_eq!(fs::read_dir(&src).unwrap().count(), 7);
    let lines = report(&env.path().join("r.jsonl"));
    assert_eq!(lines.len(), 6);
    let by_location = |file: &str| {
        lines
            .iter()
            .find(|l| l["location"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file} in the report"))
            .clone()
    };
    assert_eq!(by_location("corrupt.json")["status"], "invalid");
    assert_eq!(by_location("corrupt.json")["room"], Value::Null);
    assert_eq!(by_location("empty.json")["status"], "invalid");
    assert_eq!(by_location("a_list.json")["status"], "skipped");
    assert_eq!(by_location("elsewhere.json")["status"], "invalid");
    assert_eq!(by_location("elsewhere.json")["room"], "misnamed");
    assert!(
        by_location("no-creator.json")["reason"]
            .as_str()
            .unwrap()
            .contains("creatorPlexUserId")
    );
    assert_eq!(by_location("good.json")["status"], "copied");
}

#[test]
fn conflicts_fail_by_default_after_copying_the_rest() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    for name in ["same", "different", "new"] {
        write_room(&src, &room(name));
    }
    write_room(&dst, &room("same"));
    let mut theirs = room("different");
    theirs["creatorPlexUsername"] = json!("someone else");
    write_room(&dst, &theirs);
    let theirs_bytes = fs::read(dst.join("different.json")).unwrap();
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
            "--report",
            "r.jsonl",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("\"different\""), "{stderr}");
    assert!(stderr.contains("1 room not copied"), "{stderr}");
    assert_eq!(fs::read(dst.join("different.json")).unwrap(), theirs_bytes);
    assert!(
        dst.join("new.json").exists(),
        "non-conflicting rooms are copied"
    );
    let s = statuses(&report(&env.path().join("r.jsonl")));
    assert_eq!(s["same"], "identical");
    assert_eq!(s["different"], "conflict");
    assert_eq!(s["new"], "copied");

    // skip: the target's copy stays and the run succeeds.
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--on-conflict",
            "skip",
        ])
        .assert()
        .success()
        .stderr(contains("1 kept in the target"));
    assert_eq!(fs::read(dst.join("different.json")).unwrap(), theirs_bytes);

    // overwrite replaces, and needs consent.
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--on-conflict",
            "overwrite",
        ])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    assert_eq!(fs::read(dst.join("different.json")).unwrap(), theirs_bytes);
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .assert()
        .success()
        .stderr(contains("1 copied (1 overwritten), 2 identical;"));
    assert_eq!(file_rooms(&dst)["different"], room("different"));
}

#[test]
fn newer_keeps_the_copy_with_the_later_activity() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    let with_activity = |name: &str, user: &str, at: &str| {
        let mut doc = room(name);
        doc["creatorPlexUsername"] = json!(user);
        doc["lastActivityAt"] = json!(at);
        doc
    };
    // Source newer: replaced. Target newer: kept. Same activity: a conflict.
    write_room(
        &src,
        &with_activity("src-newer", "src", "2026-12-01T00:00:00.000Z"),
    );
    write_room(
        &dst,
        &with_activity("src-newer", "dst", "2026-11-01T00:00:00.000Z"),
    );
    write_room(
        &src,
        &with_activity("dst-newer", "src", "2026-11-01T00:00:00.000Z"),
    );
    write_room(
        &dst,
        &with_activity("dst-newer", "dst", "2026-12-01T00:00:00.000Z"),
    );
    write_room(
        &src,
        &with_activity("tie", "src", "2026-12-01T00:00:00.000Z"),
    );
    write_room(
        &dst,
        &with_activity("tie", "dst", "2026-12-01T00:00:00.000Z"),
    );
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--on-conflict",
            "newer",
            "--yes",
            "--report",
            "r.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rooms = file_rooms(&dst);
    assert_eq!(rooms["src-newer"]["creatorPlexUsername"], "src");
    assert_eq!(rooms["dst-newer"]["creatorPlexUsername"], "dst");
    assert_eq!(rooms["tie"]["creatorPlexUsername"], "dst");
    let s = statuses(&report(&env.path().join("r.jsonl")));
    assert_eq!(s["src-newer"], "copied");
    assert_eq!(s["dst-newer"], "skipped");
    assert_eq!(s["tie"], "conflict");
}

#[test]
fn colliding_file_names_in_the_target_are_conflicts_never_overwritten() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    // `a b` and `a_b` share the file a_b.json; the target's holds `a_b`.
    write_room(&src, &room("a b"));
    write_room(&dst, &room("a_b"));
    // And the target's place for `broken` holds a corrupt file.
    write_room(&src, &room("broken"));
    fs::write(dst.join("broken.json"), b"{ not json").unwrap();
    for policy in ["fail", "overwrite"] {
        let out = env
            .roomctl()
            .args([
                "-s",
                "src",
                "migrate-backend",
                "--to",
                "dst",
                "--yes",
                "--on-conflict",
                policy,
                "--report",
                "r.jsonl",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{policy}: {stderr}");
        assert!(stderr.contains("holds another room"), "{stderr}");
        let s = statuses(&report(&env.path().join("r.jsonl")));
        assert_eq!(s["a b"], "conflict");
        assert_eq!(s["broken"], "conflict");
        let held: Value = serde_json::from_slice(&fs::read(dst.join("a_b.json")).unwrap()).unwrap();
        assert_eq!(held["roomName"], "a_b");
        assert_eq!(fs::read(dst.join("broken.json")).unwrap(), b"{ not json");
    }
}

#[test]
fn dry_run_writes_nothing_and_exits_as_the_real_run_would() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    write_room(&src, &room("new"));
    write_room(&src, &room("clash"));
    let mut theirs = room("clash");
    theirs["sort"] = json!("rating");
    write_room(&dst, &theirs);
    let before = file_rooms(&dst);
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--dry-run",
            "--delete-source",
            "--on-conflict",
            "overwrite",
            "-o",
            "json",
            "--report",
            "r.jsonl",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("dry run") && stderr.contains("would copy 2"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let summary = stdout_json(&out);
    assert_eq!(summary["dryRun"], true);
    assert_eq!(summary["copied"], 2);
    assert_eq!(summary["overwritten"], 1);
    assert_eq!(summary["deletedFromSource"], 0);
    assert_eq!(file_rooms(&dst), before);
    assert_eq!(
        fs::read_dir(&dst).unwrap().count(),
        1,
        "no file, not even a temporary one"
    );
    assert_eq!(file_rooms(&src).len(), 2, "the source is untouched");
    let lines = report(&env.path().join("r.jsonl"));
    assert!(
        lines
            .iter()
            .all(|l| l["reason"].as_str().unwrap().starts_with("dry run"))
    );

    // Under the default policy the dry run reports the conflict with exit 5.
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "dst", "-n"])
        .assert()
        .code(5)
        .stderr(contains("1 room would not be copied"));
    assert_eq!(file_rooms(&dst), before);
    // And to a directory that does not exist yet, nothing is created.
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "fresh", "-n"])
        .assert()
        .code(7)
        .stderr(contains("fresh").and(contains("--create-store")));
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "fresh", "-n"])
        .arg("--create-store")
        .assert()
        .success()
        .stderr(contains("would create directory fresh"));
    assert!(!env.path().join("fresh").exists());
}

#[test]
fn delete_source_needs_yes_and_deletes_only_verified_rooms() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    for name in ["one", "two", "clash"] {
        write_room(&src, &room(name));
    }
    let mut theirs = room("clash");
    theirs["sort"] = json!("rating");
    write_room(&dst, &theirs);
    fs::write(src.join("corrupt.json"), b"{").unwrap();
    fs::write(src.join("list.json"), b"[]").unwrap();

    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
        ])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    assert_eq!(
        fs::read_dir(&src).unwrap().count(),
        5,
        "nothing deleted without --yes"
    );
    assert_eq!(
        fs::read_dir(&dst).unwrap().count(),
        1,
        "nothing copied either"
    );
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
            "--no-verify",
        ])
        .assert()
        .code(2);

    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
            "--yes",
            "--report",
            "r.jsonl",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["deletedFromSource"], 2);
    let left: Vec<String> = {
        let mut v: Vec<String> = fs::read_dir(&src)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(left, vec!["clash.json", "corrupt.json", "list.json"]);
    let copied = file_rooms(&dst);
    assert_eq!(copied["one"], room("one"));
    assert_eq!(copied["two"], room("two"));
    let s = statuses(&report(&env.path().join("r.jsonl")));
    assert_eq!(s["one"], "deleted-from-source");
    assert_eq!(s["clash"], "conflict");

    // A room already identical in the target is deleted from the source on
    // a re-run (the re-run after a crash between copy and delete).
    write_room(&src, &room("one"));
    env.roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
            "--yes",
            "--on-conflict",
            "skip",
        ])
        .assert()
        .code(3)
        .stderr(contains("1 deleted from the source"));
    assert!(!src.join("one.json").exists());
    assert!(src.join("clash.json").exists());
}

#[test]
fn memory_stores_as_source_and_target() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room_with_unknown_fields("x"));
    write_room(&src, &room("y"));
    // To memory: every room parses, writes and reads back (a validation run).
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "memory:",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 2);
    assert_eq!(summary["verified"], 2);
    assert_eq!(summary["target"], "memory:");
    // From memory: an empty store migrates nothing, successfully.
    let out = env
        .roomctl()
        .args([
            "migrate-backend",
            "--from",
            "memory:",
            "--to",
            "dst",
            "--create-store",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["scanned"], 0);
}

#[test]
fn the_source_resolves_like_every_command_and_flags_are_checked() {
    let env = TestEnv::new();
    let src = env.rooms_dir("data/rooms");
    write_room(&src, &room("default-store"));
    // No --from, no --store: the server's default ./data/rooms.
    env.roomctl()
        .args(["migrate-backend", "--to", "dst", "--create-store"])
        .assert()
        .success()
        .stderr(contains("1 copied"));
    assert!(env.path().join("dst/default-store.json").exists());
    // STORAGE_PATH names it too.
    let other = env.rooms_dir("other");
    write_room(&other, &room("from-env"));
    env.roomctl()
        .env("STORAGE_TYPE", "file")
        .env("STORAGE_PATH", "other")
        .args(["migrate-backend", "--to", "dst"])
        .assert()
        .success();
    assert!(env.path().join("dst/from-env.json").exists());

    env.roomctl()
        .args([
            "-s",
            "other",
            "migrate-backend",
            "--from",
            "other",
            "--to",
            "dst",
        ])
        .assert()
        .code(2)
        .stderr(contains("not both"));
    env.roomctl()
        .args([
            "migrate-backend",
            "--from",
            "other",
            "--to",
            "dst",
            "--to-key-prefix",
            "x:",
        ])
        .assert()
        .code(2)
        .stderr(contains("Redis target"));
    env.roomctl()
        .args([
            "migrate-backend",
            "--from",
            "other",
            "--to",
            "ftp://nowhere",
        ])
        .assert()
        .code(2)
        .stderr(contains("--to"));
    env.roomctl()
        .args(["migrate-backend", "--from", "other", "--to", "./other/"])
        .assert()
        .code(2)
        .stderr(contains("onto itself"));
    env.roomctl()
        .args(["migrate-backend", "--from", "missing", "--to", "dst"])
        .assert()
        .code(7)
        .stderr(contains("missing"));
}

/// Writes `n` rooms into a file store, quickly.
fn plant_many(dir: &Path, n: usize) {
    for i in 0..n {
        write_room(dir, &room_with_unknown_fields(&format!("room {i:05}")));
    }
}

/// Waits until `dir` holds at least `n` room files, or panics.
fn wait_for_files(dir: &Path, n: usize, timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        let count = fs::read_dir(dir)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
                })
                .count()
            })
            .unwrap_or(0);
        if count >= n {
            return count;
        }
        assert!(
            Instant::now() < deadline,
            "only {count} files after {timeout:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// `roomctl` as a plain child process, for killing.
fn spawn_roomctl(env: &TestEnv, args: &[&str]) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("roomctl"))
        .current_dir(env.path())
        .env_remove("STORAGE_TYPE")
        .env_remove("STORAGE_PATH")
        .env_remove("REDIS_URL")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn roomctl")
}

const MANY: usize = 3000;

#[test]
fn killed_half_way_a_rerun_converges_to_a_complete_verified_copy() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    plant_many(&src, MANY);
    let dst = env.path().join("dst");
    let mut child = spawn_roomctl(
        &env,
        &[
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
        ],
    );
    let seen = wait_for_files(&dst, 100, Duration::from_secs(60));
    child.kill().expect("kill -9");
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed before it finished");
    let copied = wait_for_files(&dst, 0, Duration::ZERO);
    assert!(
        (seen..MANY).contains(&copied),
        "killed half-way: {copied} of {MANY} copied"
    );
    // Whatever was written is a whole room.
    let partial = file_rooms(&dst);
    for (name, doc) in &partial {
        assert_eq!(doc, &room_with_unknown_fields(name));
    }

    let out = env
        .roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "dst", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout_json(&out);
    let identical = summary["identical"].as_u64().unwrap();
    assert!(identical >= copied as u64, "{summary}");
    assert_eq!(
        summary["copied"].as_u64().unwrap() + identical,
        MANY as u64,
        "{summary}"
    );
    assert_eq!(summary["verified"].as_u64().unwrap(), MANY as u64);
    let rooms = file_rooms(&dst);
    assert_eq!(rooms.len(), MANY, "every room once");
    assert_eq!(rooms, file_rooms(&src));
    // Leftovers of the killed run are temporary files the server ignores.
    for entry in fs::read_dir(&dst).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".json") || name.ends_with(".tmp"), "{name}");
        assert!(
            !name.ends_with(".json.tmp"),
            "never the server's temporary name"
        );
    }
}

#[test]
fn interrupted_by_ctrl_c_it_stops_says_so_and_a_rerun_finishes() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    plant_many(&src, MANY);
    let dst = env.path().join("dst");
    let child = spawn_roomctl(
        &env,
        &[
            "-s",
            "src",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
            "--report",
            "r.jsonl",
        ],
    );
    wait_for_files(&dst, 100, Duration::from_secs(60));
    // SAFETY: signalling our own child, which has not been reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    // The report names exactly the rooms that made it, all verified copies.
    let lines = report(&env.path().join("r.jsonl"));
    assert!(lines.len() < MANY);
    assert!(lines.iter().all(|l| l["status"] == "copied"));
    assert_eq!(file_rooms(&dst).len(), lines.len());

    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "dst"])
        .assert()
        .success()
        .stderr(contains(format!("{} identical", lines.len())));
    assert_eq!(file_rooms(&dst), file_rooms(&src));
}

// ---------------------------------------------------------------------------
// Redis, through the real server the harness starts.

use crate::support::redis::RedisServer;

fn connect(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .and_then(|c| c.get_connection())
        .expect("connect to the test Redis")
}

fn redis_set(con: &mut redis::Connection, key: &str, value: &[u8]) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .exec(con)
        .expect("SET");
}

fn redis_get(con: &mut redis::Connection, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(key).query(con).expect("GET")
}

fn redis_type(con: &mut redis::Connection, key: &str) -> String {
    redis::cmd("TYPE").arg(key).query(con).expect("TYPE")
}

fn redis_pttl(con: &mut redis::Connection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query(con).expect("PTTL")
}

fn dbsize(con: &mut redis::Connection) -> u64 {
    redis::cmd("DBSIZE").query(con).expect("DBSIZE")
}

/// Every string key under `prefix` holding a JSON object with a roomName.
fn redis_rooms(con: &mut redis::Connection, prefix: &str) -> BTreeMap<String, Value> {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(con)
        .expect("KEYS");
    let mut rooms = BTreeMap::new();
    for key in keys {
        if redis_type(con, &key) != "string" {
            continue;
        }
        let bytes = redis_get(con, &key).unwrap_or_default();
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let Some(name) = doc["roomName"].as_str().map(str::to_string) else {
            continue;
        };
        assert_eq!(
            key,
            format!("{prefix}{name}"),
            "the key is the raw room name"
        );
        assert_eq!(
            bytes,
            serde_json::to_vec(&doc).unwrap(),
            "{key} holds compact JSON, as the server writes it"
        );
        rooms.insert(name, doc);
    }
    rooms
}

#[test]
fn file_to_redis_copies_rooms_and_leaves_non_rooms_alone() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    let src = env.rooms_dir("src");
    for name in [
        "movie night",
        "../../etc/passwd",
        "🎬 club",
        "members:1",
        "x",
    ] {
        write_room(&src, &room_with_unknown_fields(name));
    }
    fs::write(src.join("corrupt.json"), b"{\"roomName\":").unwrap();
    // The chat services' data under the same prefix, and a set where the
    // room `x` would go.
    redis::cmd("SADD")
        .arg("room:members:7")
        .arg("ann")
        .exec(&mut con)
        .unwrap();
    redis::cmd("SADD")
        .arg("room:x")
        .arg("bob")
        .exec(&mut con)
        .unwrap();
    redis_set(&mut con, "room:notes", b"not a room");
    let url = server.url();
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            &url,
            "--report",
            "r.jsonl",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 4, "{summary}");
    assert_eq!(summary["verified"], 4);
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["unresolvedConflicts"], 1);
    let s = statuses(&report(&env.path().join("r.jsonl")));
    assert_eq!(s["x"], "conflict");
    // Never touched: the sets and the non-room string.
    assert_eq!(redis_type(&mut con, "room:x"), "set");
    assert_eq!(redis_type(&mut con, "room:members:7"), "set");
    assert_eq!(redis_get(&mut con, "room:notes").unwrap(), b"not a room");
    let members: Vec<String> = redis::cmd("SMEMBERS")
        .arg("room:x")
        .query(&mut con)
        .unwrap();
    assert_eq!(members, vec!["bob"]);
    // Every room, every field in its order, as compact JSON.
    let want: BTreeMap<String, Value> = ["movie night", "../../etc/passwd", "🎬 club", "members:1"]
        .into_iter()
        .map(|n| (n.to_string(), room_with_unknown_fields(n)))
        .collect();
    let got = redis_rooms(&mut con, "room:");
    assert_eq!(got, want);
    for (name, doc) in &got {
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        let want_keys: Vec<&String> = want[name].as_object().unwrap().keys().collect();
        assert_eq!(keys, want_keys);
    }
    // A re-run writes nothing new.
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            &url,
            "--on-conflict",
            "skip",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "the set in the way stays a conflict"
    );
    let summary = stdout_json(&out);
    assert_eq!(summary["identical"], 4);
    assert_eq!(summary["copied"], 0);
}

#[test]
fn a_tls_target_is_given_its_own_certificates() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    for name in ["tls one", "tls two"] {
        write_room(&src, &room(name));
    }
    let server = RedisServer::start_tls_requiring_client_certs();
    let tls = server.tls();
    let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    let (ca, cert, key) = (
        path(tls.ca()),
        path(tls.client_cert()),
        path(tls.client_key()),
    );
    let url = server.url();
    let migrate = |extra: &[&str]| {
        let mut cmd = env.roomctl();
        cmd.args(["-s", "src", "migrate-backend", "--to", &url])
            .args(extra);
        cmd.output().expect("run")
    };

    // The global --tls-* flags are the source's: refused for a directory,
    // with the target's flags named.
    let out = migrate(&["--tls-ca", &ca]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tls-ca only applies to a Redis source store")
            && stderr.contains("--to-tls-"),
        "{stderr}"
    );

    // The target's CA but not its client certificate: refused, and the
    // sentence names the target's flags.
    let out = migrate(&["--to-tls-ca", &ca]);
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open target store")
            && stderr.contains("--to-tls-cert FILE --to-tls-key FILE"),
        "{stderr}"
    );

    let out = migrate(&[
        "--to-tls-ca",
        &ca,
        "--to-tls-cert",
        &cert,
        "--to-tls-key",
        &key,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 copied") && stderr.contains("2 verified"),
        "{stderr}"
    );
    assert!(!stderr.contains("only appl"), "{stderr}");
    assert_eq!(redis_rooms(&mut server.connection(), "room:").len(), 2);

    // Unchecked, by flag or by the URL's #insecure: warned about, as for
    // every store.
    let out = migrate(&[
        "--to-tls-insecure",
        "--to-tls-cert",
        &cert,
        "--to-tls-key",
        &key,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("TLS certificate checks are OFF") && stderr.contains("--to-tls-insecure"),
        "{stderr}"
    );
    let out = env
        .roomctl()
        .args([
            "-s",
            "src",
            "migrate-backend",
            "--to",
            &format!("{url}/#insecure"),
        ])
        .args(["--to-tls-cert", &cert, "--to-tls-key", &key])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("TLS certificate checks are OFF") && stderr.contains("#insecure"),
        "{stderr}"
    );
}

#[test]
fn redis_to_file_reports_collisions_and_skips_non_rooms() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    for name in ["a b", "a_b", "solo"] {
        redis_set(
            &mut con,
            &format!("room:{name}"),
            &serde_json::to_vec(&room_with_unknown_fields(name)).unwrap(),
        );
    }
    redis::cmd("SADD")
        .arg("room:members:1")
        .arg("ann")
        .exec(&mut con)
        .unwrap();
    redis::cmd("HSET")
        .arg("room:meta")
        .arg("k")
        .arg("v")
        .exec(&mut con)
        .unwrap();
    redis_set(&mut con, "room:broken", b"{\"roomName\": \"broken\"");
    let url = server.url();
    let out = env
        .roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            "file:dst",
            "--create-store",
            "--report",
            "r.jsonl",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let summary = stdout_json(&out);
    assert_eq!(summary["copied"], 2, "{summary}");
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["notRooms"], 2);
    let s = statuses(&report(&env.path().join("r.jsonl")));
    // `a b` and `a_b` share a_b.json: one is copied, the other conflicts.
    let mut pair = vec![s["a b"].clone(), s["a_b"].clone()];
    pair.sort();
    assert_eq!(pair, vec!["conflict", "copied"]);
    let copied = file_rooms(&env.path().join("dst"));
    assert_eq!(copied.len(), 2);
    assert_eq!(copied["solo"], room_with_unknown_fields("solo"));
    // The source keeps everything.
    assert_eq!(dbsize(&mut con), 6);
    assert_eq!(redis_type(&mut con, "room:members:1"), "set");
}

#[test]
fn redis_to_redis_keeps_ttls_and_prefixes() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let other = RedisServer::start();
    let mut con = connect(&server);
    let mut other_con = connect(&other);
    redis_set(
        &mut con,
        "room:forever",
        &serde_json::to_vec(&room("forever")).unwrap(),
    );
    redis::cmd("SET")
        .arg("room:expiring")
        .arg(serde_json::to_vec(&room("expiring")).unwrap())
        .arg("PX")
        .arg(600_000)
        .exec(&mut con)
        .unwrap();
    let url = server.url();
    // To another server.
    env.roomctl()
        .args(["-s", &url, "migrate-backend", "--to", &other.url()])
        .assert()
        .success()
        .stderr(contains("2 copied").and(contains("2 verified")));
    assert_eq!(redis_pttl(&mut other_con, "room:forever"), -1);
    let ttl = redis_pttl(&mut other_con, "room:expiring");
    assert!((500_000..=600_000).contains(&ttl), "TTL kept: {ttl}");
    // To another prefix on the same server, by flag and by URL.
    env.roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            &url,
            "--to-key-prefix",
            "mm:",
        ])
        .assert()
        .success();
    let ttl = redis_pttl(&mut con, "mm:expiring");
    assert!((500_000..=600_000).contains(&ttl), "TTL kept: {ttl}");
    assert_eq!(redis_rooms(&mut con, "mm:"), redis_rooms(&mut con, "room:"));
    env.roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            &format!("{url}/0?prefix=old%3A"),
        ])
        .assert()
        .success();
    assert_eq!(redis_rooms(&mut con, "old:").len(), 2);
    // Onto itself, or into a nested prefix, is refused.
    env.roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            &url,
            "--to-key-prefix",
            "room:copy:",
        ])
        .assert()
        .code(2)
        .stderr(contains("onto itself"));
}

#[test]
fn redis_and_memory() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    redis_set(
        &mut con,
        "room:one",
        &serde_json::to_vec(&room("one")).unwrap(),
    );
    let url = server.url();
    let out = env
        .roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            "memory:",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["verified"], 1);
    env.roomctl()
        .args(["migrate-backend", "--from", "memory:", "--to", &url])
        .assert()
        .success()
        .stderr(contains("0 copied"));
    assert_eq!(dbsize(&mut con), 1);
}

#[test]
fn delete_source_from_redis_deletes_only_verified_rooms() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    let dst = env.rooms_dir("dst");
    for name in ["one", "two", "clash"] {
        redis_set(
            &mut con,
            &format!("room:{name}"),
            &serde_json::to_vec(&room(name)).unwrap(),
        );
    }
    redis::cmd("SADD")
        .arg("room:members:1")
        .arg("ann")
        .exec(&mut con)
        .unwrap();
    let mut theirs = room("clash");
    theirs["sort"] = json!("rating");
    write_room(&dst, &theirs);
    let url = server.url();
    env.roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
        ])
        .assert()
        .code(6);
    assert_eq!(dbsize(&mut con), 4);
    env.roomctl()
        .args([
            "-s",
            &url,
            "migrate-backend",
            "--to",
            "dst",
            "--delete-source",
            "--yes",
        ])
        .assert()
        .code(5)
        .stderr(contains("2 deleted from the source"));
    assert!(redis_get(&mut con, "room:one").is_none());
    assert!(redis_get(&mut con, "room:clash").is_some());
    assert_eq!(redis_type(&mut con, "room:members:1"), "set");
    assert_eq!(file_rooms(&dst)["one"], room("one"));
}

#[test]
fn file_to_redis_killed_half_way_converges() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    let src = env.rooms_dir("src");
    plant_many(&src, MANY);
    let url = server.url();
    let mut child = spawn_roomctl(&env, &["-s", "src", "migrate-backend", "--to", &url]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while dbsize(&mut con) < 100 {
        assert!(Instant::now() < deadline, "no progress");
        thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let partial = dbsize(&mut con);
    assert!(partial < MANY as u64, "killed half-way: {partial}");
    for (name, doc) in redis_rooms(&mut con, "room:") {
        assert_eq!(doc, room_with_unknown_fields(&name), "whole rooms only");
    }
    let out = env
        .roomctl()
        .args(["-s", "src", "migrate-backend", "--to", &url, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout_json(&out);
    assert!(summary["identical"].as_u64().unwrap() >= partial);
    assert_eq!(summary["verified"], MANY as u64);
    assert_eq!(dbsize(&mut con), MANY as u64, "nothing duplicated");
    assert_eq!(redis_rooms(&mut con, "room:"), file_rooms(&src));
}

/// A redis-server on a given port (the one a killed harness server had),
/// killed on drop.
struct Restarted {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Restarted {
    fn on(port: u16) -> Restarted {
        let dir = tempfile::tempdir().unwrap();
        let child =
            Command::new(std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into()))
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server");
        let url = format!("redis://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "redis-server did not come back on {port}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        Restarted { child, _dir: dir }
    }
}

impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_going_away_mid_run_is_one_clear_error_and_a_rerun_completes() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let port = server.port();
    let url = server.url();
    let src = env.rooms_dir("src");
    plant_many(&src, MANY);
    let mut con = connect(&server);
    let child = spawn_roomctl(&env, &["-s", "src", "migrate-backend", "--to", &url]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while dbsize(&mut con) < 100 {
        assert!(Instant::now() < deadline, "no progress");
        thread::sleep(Duration::from_millis(2));
    }
    drop(con);
    drop(server); // kills redis-server
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(1 | 7)),
        "{:?}: {stderr}",
        out.status
    );
    // The target is opened like every store: its retries are told, then
    // one line says how the run ended.
    let (retries, lines): (Vec<&str>, Vec<&str>) = stderr
        .lines()
        .partition(|l| l.starts_with("roomctl: warning: "));
    assert!(
        !retries.is_empty() && retries.iter().all(|l| l.contains("retrying in")),
        "{stderr}"
    );
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("roomctl: error: migration"),
        "{stderr}"
    );
    assert!(lines[0].contains("run the same command again"), "{stderr}");
    assert!(lines[0].contains(&format!("127.0.0.1:{port}")), "{stderr}");

    let _restarted = Restarted::on(port);
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", &url])
        .assert()
        .success()
        .stderr(contains(format!("{MANY} verified")));
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    assert_eq!(dbsize(&mut con), MANY as u64);
}

#[test]
fn texts_written_by_another_serialiser_compare_as_documents() {
    // Escapes and number forms serde_json writes differently: the copy reads
    // back as a different text but the same document, so it verifies, and a
    // re-run finds it identical rather than conflicting.
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = connect(&server);
    let src = env.rooms_dir("src");
    let text = "{\n    \"roomName\": \"caf\\u00e9\",\n    \"sort\": \"random\",\n    \"createdAt\": \"2026-10-01T12:00:00.000Z\",\n    \"creatorPlexUserId\": \"42\",\n    \"creatorPlexUsername\": \"ann\",\n    \"score\": 1.50,\n    \"path\": \"a\\/b\"\n}\n";
    fs::write(src.join(safe_name("café")), text).unwrap();
    let url = server.url();
    for target in [url.as_str(), "dst"] {
        let out = env
            .roomctl()
            .args(["-s", "src", "migrate-backend", "--to", target, "-o", "json"])
            .arg("--create-store")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = stdout_json(&out);
        assert_eq!(
            (summary["copied"].as_u64(), summary["verified"].as_u64()),
            (Some(1), Some(1))
        );
        let out = env
            .roomctl()
            .args(["-s", "src", "migrate-backend", "--to", target, "-o", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_json(&out)["identical"], 1);
    }
    let stored = redis_get(&mut con, "room:café").expect("copied under the raw name");
    let want = json!({"roomName": "café", "sort": "random", "createdAt": "2026-10-01T12:00:00.000Z",
        "creatorPlexUserId": "42", "creatorPlexUsername": "ann", "score": 1.5, "path": "a/b"});
    assert_eq!(stored, serde_json::to_vec(&want).unwrap());
    assert_eq!(file_rooms(&env.path().join("dst"))["café"], want);
}

#[test]
fn a_missing_target_directory_needs_create_store() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room("movie night"));
    // A typo in --to: refused before anything is copied, nothing created.
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "srv/mm/dta/rooms"])
        .assert()
        .code(7)
        .stderr(
            contains("srv/mm/dta/rooms")
                .and(contains("--to"))
                .and(contains("--create-store")),
        );
    assert!(!env.path().join("srv").exists());
    // With --create-store: only what is missing, each said on stderr.
    env.rooms_dir("srv");
    env.roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "srv/mm/dta/rooms"])
        .arg("--create-store")
        .assert()
        .success()
        .stderr(
            contains("created directory srv/mm\n")
                .and(contains("created directory srv/mm/dta\n"))
                .and(contains("created directory srv/mm/dta/rooms\n"))
                .and(contains("created directory srv\n").not())
                .and(contains("1 copied")),
        );
    assert_eq!(file_rooms(&env.path().join("srv/mm/dta/rooms")).len(), 1);
    // The source must exist too; --create-store never creates a source.
    env.roomctl()
        .args([
            "-s",
            "gone",
            "migrate-backend",
            "--to",
            "dst",
            "--create-store",
        ])
        .assert()
        .code(7)
        .stderr(contains("gone"));
    assert!(!env.path().join("gone").exists());
    assert!(!env.path().join("dst").exists());
}

#[test]
fn a_refused_migration_reports_why_in_json() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room("movie night"));
    let dst = env.rooms_dir("dst");
    // --delete-source needs --yes when stdin is not a terminal.
    let out = env
        .roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "dst"])
        .args(["--delete-source", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let summary = stdout_json(&out);
    assert_eq!(summary["refused"], "needs-yes");
    assert!(
        summary["refusedMessage"]
            .as_str()
            .unwrap()
            .contains("--yes")
    );
    assert_eq!(summary["copied"], 0);
    assert_eq!(summary["complete"], false);
    assert_eq!(summary["exitCode"], 6);
    assert!(file_rooms(&dst).is_empty());
    assert_eq!(file_rooms(&src).len(), 1);
}

/// The summary of a migration partitions its rooms: each room counted
/// once, in text and JSON alike; a conflict resolved by overwriting is
/// counted as overwritten, not again as a conflict.
#[test]
fn migrate_summary_categories_add_up_to_the_rooms() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let dst = env.rooms_dir("dst");
    for name in ["same", "different", "new"] {
        write_room(&src, &room(name));
    }
    write_room(&dst, &room("same"));
    let mut theirs = room("different");
    theirs["sort"] = json!("rating");
    write_room(&dst, &theirs);
    let out = env
        .roomctl()
        .args(["-s", "src", "migrate-backend", "--to", "dst"])
        .args(["--on-conflict", "overwrite", "--yes", "-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("3 rooms: 2 copied (1 new, 1 overwritten), 1 identical; 3 verified"),
        "{stderr}"
    );
    assert!(!stderr.contains("conflict"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sum: u64 = [
        "copied",
        "identical",
        "keptTarget",
        "unresolvedConflicts",
        "invalid",
        "failed",
        "changedMeanwhile",
    ]
    .iter()
    .map(|k| report[k].as_u64().unwrap())
    .sum();
    assert_eq!(report["rooms"], 3, "{report}");
    assert_eq!(sum, 3, "{report}");
}
