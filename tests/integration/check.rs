//! `roomctl check` through the real binary: one store per kind of problem,
//! a clean store, and `--fix` (what it repairs, and what it never touches).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::{TestEnv, pretty, room, snapshot, stdout_json, write_room};

fn sample_store() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rooms")
}

/// Runs `check -o json` (plus `args`) on `rooms` and returns the exit code
/// and the report.
fn check_json(env: &TestEnv, args: &[&str]) -> (i32, Value) {
    let out = env
        .roomctl()
        .args(["-s", "rooms", "check", "-o", "json"])
        .args(args)
        .output()
        .expect("run");
    let code = out.status.code().expect("exit code");
    (code, stdout_json(&out))
}

/// The problems of a report as (severity, file name, kind, fixable).
fn problems(report: &Value) -> Vec<(String, String, String, bool)> {
    let mut v: Vec<_> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            let location = p["location"].as_str().expect("location");
            let file = Path::new(location)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                p["severity"].as_str().expect("severity").to_string(),
                file,
                p["kind"].as_str().expect("kind").to_string(),
                p["fixable"].as_bool().expect("fixable"),
            )
        })
        .collect();
    v.sort();
    v
}

fn problem<'a>(report: &'a Value, file: &str) -> &'a Value {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["location"].as_str().is_some_and(|l| l.ends_with(file)))
        .unwrap_or_else(|| panic!("no problem reported for {file}: {report:#}"))
}

fn p(sev: &str, file: &str, kind: &str, fixable: bool) -> (String, String, String, bool) {
    (sev.into(), file.into(), kind.into(), fixable)
}

/// Sets a file's modification time to `ago` in the past.
fn age(path: &Path, ago: Duration) {
    let f = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open to age");
    f.set_modified(SystemTime::now() - ago).expect("set mtime");
}

const HOURS_2: Duration = Duration::from_secs(2 * 3600);

#[test]
fn the_bundled_sample_store_checks_clean() {
    let env = TestEnv::new();
    env.roomctl()
        .arg("-s")
        .arg(sample_store())
        .arg("check")
        .assert()
        .code(0)
        .stdout("")
        .stderr(contains("12 rooms, healthy"));
    let out = env
        .roomctl()
        .arg("-s")
        .arg(sample_store())
        .args(["check", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_json(&out),
        json!({"healthy": true, "rooms": 12, "problems": [], "repairs": [],
               "refused": null, "refusedMessage": null})
    );
}

#[test]
fn a_clean_store_with_unknown_fields_is_healthy() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut doc = room("movie night");
    doc["zNewServerField"] = json!({"anything": [1, "two"]});
    doc["roomType"] = json!("unanimous");
    write_room(&dir, &doc);
    write_room(&dir, &room("../../etc/passwd"));
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["healthy"], true);
    assert_eq!(report["rooms"], 2);
    assert_eq!(report["problems"], json!([]));
}

#[test]
fn unparsable_and_incomplete_files_are_errors() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("good"));
    fs::write(
        dir.join("truncated.json"),
        b"{\"roomName\": \"truncated\", \"cr",
    )
    .unwrap();
    fs::write(dir.join("empty.json"), b"").unwrap();
    fs::write(dir.join("latin1.json"), b"{\"roomName\": \"caf\xe9\"}").unwrap();
    fs::write(dir.join("array.json"), b"[1, 2, 3]").unwrap();
    let mut no_created = room("no-created");
    no_created.as_object_mut().unwrap().remove("createdAt");
    write_room(&dir, &no_created);
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(report["healthy"], false);
    assert_eq!(report["rooms"], 1);
    assert_eq!(
        problems(&report),
        vec![
            p("error", "array.json", "not-a-room", false),
            p("error", "empty.json", "invalid", false),
            p("error", "latin1.json", "invalid", false),
            p("error", "no-created.json", "invalid", false),
            p("error", "truncated.json", "invalid", false),
        ]
    );
    assert!(
        problem(&report, "latin1.json")["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8")
    );
    let no_created = problem(&report, "no-created.json");
    assert!(
        no_created["message"]
            .as_str()
            .unwrap()
            .starts_with("room \"no-created\": ")
            && no_created["message"]
                .as_str()
                .unwrap()
                .contains("createdAt"),
        "{no_created}"
    );
    assert!(
        no_created["hint"]
            .as_str()
            .unwrap()
            .contains("roomctl delete \"no-created\" --include-invalid"),
        "{no_created}"
    );
    // The human form: one line per problem, naming the file and what to do.
    let out = env
        .roomctl()
        .args(["-s", "rooms", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("truncated.json"))
        .expect("a line for truncated.json");
    assert!(line.starts_with("error "), "{line}");
    assert!(line.contains("truncated") && line.contains(" — "), "{line}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 room, 5 errors, 0 warnings"), "{stderr}");
}

#[test]
fn malformed_values_are_reported_per_room_and_unknown_keys_are_not() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut bad = room("bad values");
    bad["createdAt"] = json!("last tuesday");
    bad["lastActivityAt"] = json!("2026-13-45");
    bad["sort"] = json!("alphabetical");
    bad["roomType"] = json!("premium");
    bad["sortOrder"] = json!("sideways");
    bad["genreFilterMode"] = json!("xor");
    bad["options"] = json!(["EndOnFirstMatch", 7]);
    bad["userProgress"] = json!({"ann": "two"});
    bad["ratings"]["plex://movie/1"] = json!([["ann", "meh", 1], ["bob", "like", 2]]);
    bad["someFutureField"] = json!("not a problem");
    write_room(&dir, &bad);
    write_room(&dir, &room("fine"));
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(report["rooms"], 2);
    let messages: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["severity"], "warning");
            assert_eq!(p["kind"], "malformed");
            assert!(p["location"].as_str().unwrap().ends_with("bad_values.json"));
            p["message"].as_str().unwrap()
        })
        .collect();
    for needle in [
        "createdAt \"last tuesday\"",
        "lastActivityAt \"2026-13-45\"",
        "sort \"alphabetical\"",
        "roomType \"premium\"",
        "sortOrder \"sideways\"",
        "genreFilterMode \"xor\"",
        "options [1]",
        "userProgress [\"ann\"]",
        "ratings[\"plex://movie/1\"][0]",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "{needle} not reported: {messages:#?}"
        );
    }
    assert_eq!(messages.len(), 9, "{messages:#?}");
    assert!(!messages.iter().any(|m| m.contains("someFutureField")));

    // Values of the wrong JSON type where roomctl reads facts (a rating that
    // is not a triple, a numeric lastActivityAt) make the room unreadable to
    // roomctl: reported as invalid, an error.
    let mut worse = room("worse");
    worse["ratings"]["plex://movie/1"] = json!([["bob", "like"]]);
    write_room(&dir, &worse);
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(problem(&report, "worse.json")["kind"], "invalid");
    assert_eq!(problem(&report, "worse.json")["severity"], "error");
}

#[test]
fn a_password_that_is_not_a_string_is_reported_without_its_value() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut hashed = room("hashed");
    hashed["password"] = json!({"hash": "$2b$10$SECRETHASHVALUE"});
    write_room(&dir, &hashed);
    let mut numeric = room("numeric");
    numeric["password"] = json!(918273645);
    write_room(&dir, &numeric);

    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    let text = report.to_string();
    assert!(!text.contains("SECRETHASHVALUE"), "{report:#}");
    assert!(!text.contains("918273645"), "{report:#}");
    assert_eq!(
        problem(&report, "hashed.json")["message"],
        "room \"hashed\": password is an object, not a string"
    );
    assert_eq!(
        problem(&report, "numeric.json")["message"],
        "room \"numeric\": password is a number, not a string"
    );

    let out = env
        .roomctl()
        .args(["-s", "rooms", "check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("password is an object, not a string"), "{all}");
    assert!(!all.contains("SECRETHASHVALUE"), "{all}");
    assert!(!all.contains("918273645"), "{all}");
}

#[test]
fn misnamed_file_is_renamed_by_fix_only_with_consent() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let doc = room("movie night");
    fs::write(dir.join("Movie Night (copy).json"), pretty(&doc)).unwrap();
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![p("error", "Movie Night (copy).json", "misnamed", true)]
    );
    assert!(
        problem(&report, "(copy).json")["message"]
            .as_str()
            .unwrap()
            .contains("movie_night.json")
    );
    let before = snapshot(&dir);
    // Unattended without --yes: refused, nothing changed.
    env.roomctl()
        .args(["-s", "rooms", "check", "--fix"])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    assert_eq!(snapshot(&dir), before);
    // A dry run says what it would do and changes nothing.
    env.roomctl()
        .args(["-s", "rooms", "check", "--fix", "--dry-run"])
        .assert()
        .code(3)
        .stdout(contains("would fix").and(contains("rename to movie_night.json")));
    assert_eq!(snapshot(&dir), before);
    let (code, report) = check_json(&env, &["--fix", "--yes"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["healthy"], true);
    assert_eq!(report["repairs"][0]["outcome"], "repaired");
    assert_eq!(report["repairs"][0]["action"], "rename");
    assert_eq!(report["repairs"][0]["target"], "movie_night.json");
    assert_eq!(
        snapshot(&dir),
        vec![("movie_night.json".to_string(), pretty(&doc))],
        "renamed, same bytes, no temporary file left"
    );
    env.roomctl()
        .args(["-s", "rooms", "show", "movie night"])
        .assert()
        .success();
}

#[test]
fn collisions_are_reported_and_never_fixed() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // A second copy of a room whose proper file exists.
    write_room(&dir, &room("classics"));
    let mut older = room("classics");
    older["userProgress"] = json!({"ann": 1});
    fs::write(dir.join("classics-old.json"), pretty(&older)).unwrap();
    // "a_b" cannot get a file: a_b.json holds "a b".
    write_room(&dir, &room("a b"));
    fs::write(dir.join("stray.json"), pretty(&room("a_b"))).unwrap();
    // Two misnamed files claiming the same free name.
    fs::write(dir.join("one.json"), pretty(&room("twin"))).unwrap();
    let mut twin = room("twin");
    twin["sort"] = json!("rating");
    fs::write(dir.join("two.json"), pretty(&twin)).unwrap();
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p("error", "classics-old.json", "collision", false),
            p("error", "one.json", "collision", false),
            p("error", "stray.json", "collision", false),
            p("error", "two.json", "collision", false),
        ]
    );
    assert!(
        problem(&report, "stray.json")["message"]
            .as_str()
            .unwrap()
            .contains("\"a b\"")
    );
    assert!(
        problem(&report, "one.json")["message"]
            .as_str()
            .unwrap()
            .contains("two.json")
    );
    let before = snapshot(&dir);
    env.roomctl()
        .args(["-s", "rooms", "check", "--fix", "--yes"])
        .assert()
        .code(3)
        .stderr(contains("nothing to fix"));
    assert_eq!(
        snapshot(&dir),
        before,
        "collisions are left to the operator"
    );
}

#[test]
fn stale_temporary_files_are_removed_only_when_they_hold_no_room_of_their_own() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let doc = room("horror club");
    write_room(&dir, &doc);
    // roomctl's temporary files name their writer: this test, which still
    // runs, so that only their age makes them stale (a writer that is gone
    // makes them stale at once).
    let live = std::process::id();
    let new_0 = format!("horror_club.json.roomctl-new-{live}-0.tmp");
    let new_1 = format!("horror_club.json.roomctl-new-{live}-1.tmp");
    // The server died half-way through a write.
    fs::write(
        dir.join("horror_club.json.tmp"),
        b"{\n  \"roomName\": \"hor",
    )
    .unwrap();
    // roomctl died after its rename, before removing its temporary file.
    fs::write(dir.join(&new_0), pretty(&doc)).unwrap();
    // A newer version that never made it: keep it, it is the only copy.
    let mut newer = doc.clone();
    newer["userProgress"] = json!({"ann": 9});
    fs::write(dir.join(&new_1), pretty(&newer)).unwrap();
    // Not a name the server or roomctl writes: never touched.
    fs::write(dir.join("notes.tmp"), b"someone's notes").unwrap();
    for f in fs::read_dir(&dir).unwrap() {
        age(&f.unwrap().path(), HOURS_2);
    }
    // And one being written right now.
    fs::write(dir.join("kids.json.tmp"), b"{\"roomName\": \"ki").unwrap();

    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p("info", "kids.json.tmp", "temp-in-progress", false),
            p("info", "notes.tmp", "stale-temp", false),
            p("warning", &new_0, "stale-temp", true),
            p("warning", &new_1, "stale-temp", false),
            p("warning", "horror_club.json.tmp", "stale-temp", true),
        ]
    );
    // A longer threshold makes them all recent: info only, healthy.
    let (code, report) = check_json(&env, &["--stale-after", "3h"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        problems(&report)
            .iter()
            .all(|(sev, _, kind, _)| sev == "info"
                && (kind == "temp-in-progress" || kind == "stale-temp"))
    );

    env.roomctl()
        .args(["-s", "rooms", "check", "--fix", "--yes"])
        .assert()
        .code(3)
        .stdout(
            contains("fixed")
                .and(contains("horror_club.json.tmp"))
                .and(contains("remove (holds no room)"))
                .and(contains("remove (an identical copy of horror_club.json)")),
        );
    let left: Vec<String> = snapshot(&dir).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        left,
        vec!["horror_club.json", &new_1, "kids.json.tmp", "notes.tmp",]
    );
    assert_eq!(
        fs::read(dir.join("horror_club.json")).unwrap(),
        pretty(&doc)
    );
    assert_eq!(fs::read(dir.join(&new_1)).unwrap(), pretty(&newer));
}

#[test]
fn a_room_left_in_a_temporary_file_is_restored_not_deleted() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // A conditional write moved the room aside and died.
    let moved = room("date night");
    fs::write(
        dir.join("date_night.json.roomctl-aside-777-3.tmp"),
        pretty(&moved),
    )
    .unwrap();
    // The server wrote a complete new room and died before its rename.
    let created = room("brand new");
    fs::write(dir.join("brand_new.json.tmp"), pretty(&created)).unwrap();
    // An interrupted delete of an invalid file: put back what was there.
    fs::write(
        dir.join("broken.json.roomctl-aside-777-4.tmp"),
        b"{\"roomName\": \"broken\"}",
    )
    .unwrap();
    // An aside copy older than the current room: kept for the operator.
    write_room(&dir, &room("kept"));
    let mut old = room("kept");
    old["sort"] = json!("rating");
    fs::write(dir.join("kept.json.roomctl-aside-777-5.tmp"), pretty(&old)).unwrap();
    for f in fs::read_dir(&dir).unwrap() {
        age(&f.unwrap().path(), HOURS_2);
    }
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p("error", "brand_new.json.tmp", "interrupted-write", true),
            p(
                "error",
                "broken.json.roomctl-aside-777-4.tmp",
                "interrupted-write",
                true
            ),
            p(
                "error",
                "date_night.json.roomctl-aside-777-3.tmp",
                "interrupted-write",
                true
            ),
            p(
                "warning",
                "kept.json.roomctl-aside-777-5.tmp",
                "stale-temp",
                false
            ),
        ]
    );
    let (code, report) = check_json(&env, &["--fix", "--yes"]);
    assert_eq!(code, 3, "the invalid room and the old copy remain");
    let outcomes: Vec<(&str, &str)> = report["repairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(outcomes, vec![("restore", "repaired"); 3]);
    assert_eq!(
        fs::read(dir.join("date_night.json")).unwrap(),
        pretty(&moved)
    );
    assert_eq!(
        fs::read(dir.join("brand_new.json")).unwrap(),
        pretty(&created)
    );
    assert_eq!(
        fs::read(dir.join("broken.json")).unwrap(),
        b"{\"roomName\": \"broken\"}"
    );
    assert_eq!(
        fs::read(dir.join("kept.json.roomctl-aside-777-5.tmp")).unwrap(),
        pretty(&old)
    );
    assert_eq!(
        problems(&report),
        vec![
            p("error", "broken.json", "invalid", false),
            p(
                "warning",
                "kept.json.roomctl-aside-777-5.tmp",
                "stale-temp",
                false
            ),
        ]
    );
    let names: Vec<String> = snapshot(&dir).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "brand_new.json",
            "broken.json",
            "date_night.json",
            "kept.json",
            "kept.json.roomctl-aside-777-5.tmp"
        ]
    );
}

#[test]
fn an_interrupted_swap_is_rolled_back_to_the_copy_moved_aside() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // roomctl killed in a compare-and-swap: the room moved aside, its new
    // version never linked. The copy moved aside is what the room held, so
    // it goes back; the new version was never committed and is kept for the
    // interrupted command to write again.
    let old = room("swap");
    let mut new = room("swap");
    new["sort"] = json!("rating");
    fs::write(dir.join("swap.json.roomctl-aside-9-0.tmp"), pretty(&old)).unwrap();
    fs::write(dir.join("swap.json.roomctl-new-9-1.tmp"), pretty(&new)).unwrap();
    for f in fs::read_dir(&dir).unwrap() {
        age(&f.unwrap().path(), HOURS_2);
    }
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p(
                "error",
                "swap.json.roomctl-aside-9-0.tmp",
                "interrupted-write",
                true
            ),
            p(
                "warning",
                "swap.json.roomctl-new-9-1.tmp",
                "stale-temp",
                false
            ),
        ]
    );
    assert!(
        problem(&report, "swap.json.roomctl-new-9-1.tmp")["hint"]
            .as_str()
            .unwrap()
            .contains("run the command that was interrupted again"),
        "{report:#}"
    );
    let (code, report) = check_json(&env, &["--fix", "--yes"]);
    assert_eq!(code, 3, "the new version stays: {report:#}");
    assert_eq!(fs::read(dir.join("swap.json")).unwrap(), pretty(&old));
    assert_eq!(
        fs::read(dir.join("swap.json.roomctl-new-9-1.tmp")).unwrap(),
        pretty(&new)
    );
    // The command, run again, writes the new version: the copy is redundant.
    fs::write(dir.join("swap.json"), pretty(&new)).unwrap();
    let (code, report) = check_json(&env, &["--fix", "--yes"]);
    assert_eq!(code, 0, "{report:#}");
    let names: Vec<String> = snapshot(&dir).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["swap.json"]);
}

#[test]
fn rival_copies_of_a_missing_room_are_left_to_the_operator() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // The server's unfinished write and a copy roomctl moved aside: either
    // could be the room. Which one is right is not check's call.
    let old = room("swap");
    let mut new = room("swap");
    new["sort"] = json!("rating");
    fs::write(dir.join("swap.json.roomctl-aside-9-0.tmp"), pretty(&old)).unwrap();
    fs::write(dir.join("swap.json.tmp"), pretty(&new)).unwrap();
    for f in fs::read_dir(&dir).unwrap() {
        age(&f.unwrap().path(), HOURS_2);
    }
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p(
                "error",
                "swap.json.roomctl-aside-9-0.tmp",
                "interrupted-write",
                false
            ),
            p("error", "swap.json.tmp", "interrupted-write", false),
        ]
    );
    let before = snapshot(&dir);
    env.roomctl()
        .args(["-s", "rooms", "check", "--fix", "--yes"])
        .assert()
        .code(3);
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn what_a_killed_roomctl_left_is_stale_at_once() {
    // A temporary file of a roomctl that no longer runs will never be
    // finished: judged now, not after --stale-after, so that a room left
    // only in it is not hidden as "a write in progress" for an hour.
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let dead = 99_999_999; // above any pid_max
    let moved = room("moved");
    fs::write(
        dir.join(format!("moved.json.roomctl-aside-{dead}-0.tmp")),
        pretty(&moved),
    )
    .unwrap();
    // A newer version a killed import wrote and never linked.
    write_room(&dir, &room("kept"));
    let mut newer = room("kept");
    newer["sort"] = json!("rating");
    fs::write(
        dir.join(format!("kept.json.roomctl-new-{dead}-1.tmp")),
        pretty(&newer),
    )
    .unwrap();
    // A write of a roomctl that still runs (this test): in progress.
    let live = std::process::id();
    fs::write(
        dir.join(format!("busy.json.roomctl-new-{live}-2.tmp")),
        pretty(&room("busy")),
    )
    .unwrap();
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(
        problems(&report),
        vec![
            p(
                "error",
                &format!("moved.json.roomctl-aside-{dead}-0.tmp"),
                "interrupted-write",
                true
            ),
            p(
                "info",
                &format!("busy.json.roomctl-new-{live}-2.tmp"),
                "temp-in-progress",
                false
            ),
            p(
                "warning",
                &format!("kept.json.roomctl-new-{dead}-1.tmp"),
                "stale-temp",
                false
            ),
        ]
    );
    let message = problem(&report, "moved.json.roomctl-aside-99999999-0.tmp")["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("which no longer runs"), "{message}");
    let (code, _) = check_json(&env, &["--fix", "--yes"]);
    assert_eq!(code, 3, "the unfinished new version stays");
    assert_eq!(fs::read(dir.join("moved.json")).unwrap(), pretty(&moved));
    assert!(
        dir.join(format!("busy.json.roomctl-new-{live}-2.tmp"))
            .exists()
    );
    assert_eq!(
        fs::read(dir.join(format!("kept.json.roomctl-new-{dead}-1.tmp"))).unwrap(),
        pretty(&newer)
    );
}

/// A FIFO or a device among the room files is named for what it is, and
/// the advice for each entry that is not a file follows what it is: only a
/// symlink is told to be replaced by the file it points to.
#[test]
fn entries_that_are_not_files_are_named_for_what_they_are() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let fifo = std::ffi::CString::new(dir.join("pipe.json").into_os_string().into_encoded_bytes())
        .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    fs::create_dir(dir.join("folder.json")).unwrap();
    std::os::unix::fs::symlink(dir.join("folder.json"), dir.join("link.json")).unwrap();
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    let said =
        |file: &str, field: &str| problem(&report, file)[field].as_str().unwrap().to_string();
    assert_eq!(
        said("pipe.json", "message"),
        "not a regular file: a special file, not followed"
    );
    assert_eq!(
        said("folder.json", "message"),
        "not a regular file: a directory, not followed"
    );
    assert!(said("link.json", "hint").contains("replace it by the file it points to"));
    for file in ["pipe.json", "folder.json"] {
        assert_eq!(
            said(file, "hint"),
            "not a room file: move it out of the directory"
        );
    }
}

#[test]
fn symlinks_are_reported_and_never_followed_or_touched() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let outside = env.rooms_dir("outside");
    write_room(&outside, &room("secret"));
    std::os::unix::fs::symlink(outside.join("secret.json"), dir.join("secret.json")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.json"), dir.join("x.json.tmp")).unwrap();
    write_room(&dir, &room("real"));
    let (code, report) = check_json(&env, &["--stale-after", "0s"]);
    assert_eq!(code, 3);
    assert_eq!(
        problems(&report),
        vec![
            p("warning", "secret.json", "not-a-file", false),
            p("warning", "x.json.tmp", "not-a-file", false),
        ]
    );
    assert!(
        problem(&report, "secret.json")["message"]
            .as_str()
            .unwrap()
            .contains("symlink")
    );
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "check",
            "--fix",
            "--yes",
            "--stale-after",
            "0s",
        ])
        .assert()
        .code(3);
    assert!(
        fs::symlink_metadata(dir.join("secret.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::symlink_metadata(dir.join("x.json.tmp"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read(outside.join("secret.json")).unwrap(),
        pretty(&room("secret"))
    );
}

#[test]
fn unreadable_files_are_errors() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    // As root, permissions do not stop reads: run roomctl as nobody instead.
    let root = unsafe { libc::geteuid() } == 0;
    fs::set_permissions(env.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("open"));
    write_room(&dir, &room("locked"));
    fs::set_permissions(dir.join("locked.json"), fs::Permissions::from_mode(0o000)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("roomctl");
    let mut cmd = if root {
        let mut c = assert_cmd::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        assert_cmd::Command::new(&bin)
    };
    let out = cmd
        .current_dir(env.path())
        .env_remove("STORAGE_TYPE")
        .env_remove("STORAGE_PATH")
        .args(["-s", "rooms", "check", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    assert_eq!(report["rooms"], 1);
    assert_eq!(
        problems(&report),
        vec![p("error", "locked.json", "unreadable", false)]
    );
}

#[test]
fn file_names_that_are_not_utf8_are_reported() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("ok"));
    fs::write(
        dir.join(OsStr::from_bytes(b"caf\xe9.json")),
        pretty(&room("café")),
    )
    .unwrap();
    let (code, report) = check_json(&env, &[]);
    assert_eq!(code, 3);
    assert_eq!(report["rooms"], 1);
    assert_eq!(
        problems(&report),
        vec![p("warning", "caf\u{fffd}.json", "bad-file-name", false)]
    );
}

#[test]
fn text_from_storage_is_escaped_in_human_output() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    // A hostile file name (the location) and hostile values (the messages).
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let mut doc = room(evil);
    doc["roomType"] = json!("\u{1b}[31mred");
    fs::write(
        dir.join(OsStr::from_bytes(b"\x1b[2Jevil.json")),
        pretty(&doc),
    )
    .unwrap();
    let out = env
        .roomctl()
        .args(["-s", "rooms", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    assert!(!out.stderr.contains(&0x1b), "raw ESC reached the terminal");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\\u{1b}[2Jevil.json"), "{text}");
    assert!(text.contains("never finds it"), "{text}");
}

#[test]
fn dry_run_and_yes_need_fix() {
    let env = TestEnv::new();
    env.rooms_dir("rooms");
    env.roomctl()
        .args(["-s", "rooms", "check", "--dry-run"])
        .assert()
        .code(2)
        .stderr(contains("--fix"));
    env.roomctl()
        .args(["-s", "rooms", "check", "--stale-after", "soon"])
        .assert()
        .code(2);
}

#[test]
fn a_refused_fix_reports_why_in_json() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let doc = room("movie night");
    fs::write(dir.join("copy.json"), pretty(&doc)).unwrap();
    let before = snapshot(&dir);
    // --fix without --yes, and stdin is not a terminal.
    let (code, report) = check_json(&env, &["--fix"]);
    assert_eq!(code, 6);
    assert_eq!(report["refused"], "needs-yes");
    assert!(
        report["refusedMessage"]
            .as_str()
            .unwrap()
            .contains("without --yes")
    );
    assert_eq!(report["problems"][0]["fixable"], true);
    assert_eq!(report["repairs"], json!([]));
    assert_eq!(snapshot(&dir), before, "nothing repaired");
    let (code, report) = check_json(&env, &["--fix", "--dry-run"]);
    assert_eq!(code, 3);
    assert_eq!(report["refused"], Value::Null);
}

#[test]
fn a_missing_store_is_a_failure_not_a_clean_check() {
    let env = TestEnv::new();
    env.roomctl()
        .args(["-s", "nowhere", "check"])
        .assert()
        .code(7)
        .stderr(contains("no such directory"));
}

/// The repairs' guard rails, through the library: between the check and
/// the repair the server may write. Nothing it wrote may be lost.
mod races {
    use super::*;
    use roomctl::ops::check::check;
    use roomctl::store::file::FileStore;
    use roomctl::store::maintenance::{Fix, InspectOptions, Maintenance, RepairOutcome};

    fn fixes(store: &FileStore) -> Vec<Fix> {
        let options = InspectOptions {
            stale_after_ms: 3_600_000,
            now_ms: roomctl::clock::wall_clock_ms(),
        };
        check(store, &options, &|_| {})
            .expect("check")
            .findings
            .into_iter()
            .filter_map(|f| f.fix)
            .collect()
    }

    #[test]
    fn a_target_written_after_the_check_is_never_replaced() {
        let env = TestEnv::new();
        let dir = env.rooms_dir("rooms");
        let misplaced = room("movie night");
        fs::write(dir.join("copy.json"), pretty(&misplaced)).unwrap();
        fs::write(dir.join("lost.json.tmp"), pretty(&room("lost"))).unwrap();
        age(&dir.join("lost.json.tmp"), HOURS_2);
        let store = FileStore::open(&dir).unwrap();
        let fixes = fixes(&store);
        assert_eq!(fixes.len(), 2, "{fixes:?}");
        // The server creates both rooms meanwhile.
        let mut fresh = room("movie night");
        fresh["sort"] = json!("rating");
        fs::write(dir.join("movie_night.json"), pretty(&fresh)).unwrap();
        let mut lost = room("lost");
        lost["sort"] = json!("rating");
        fs::write(dir.join("lost.json"), pretty(&lost)).unwrap();
        for fix in &fixes {
            let outcome = store.repair(fix).expect("repair");
            assert!(
                matches!(&outcome, RepairOutcome::Skipped(why) if why.contains("exists now")),
                "{fix:?}: {outcome:?}"
            );
        }
        assert_eq!(
            snapshot(&dir),
            vec![
                ("copy.json".to_string(), pretty(&misplaced)),
                ("lost.json".to_string(), pretty(&lost)),
                ("lost.json.tmp".to_string(), pretty(&room("lost"))),
                ("movie_night.json".to_string(), pretty(&fresh)),
            ],
            "everything in place, nothing replaced, no temporary file left"
        );
    }

    #[test]
    fn an_entry_changed_after_the_check_is_left_as_it_now_is() {
        let env = TestEnv::new();
        let dir = env.rooms_dir("rooms");
        fs::write(dir.join("x.json.tmp"), b"{\"half").unwrap();
        age(&dir.join("x.json.tmp"), HOURS_2);
        fs::write(dir.join("copy.json"), pretty(&room("movie night"))).unwrap();
        let store = FileStore::open(&dir).unwrap();
        let fixes = fixes(&store);
        assert_eq!(fixes.len(), 2, "{fixes:?}");
        // The server finishes its write into x.json.tmp; someone edits the
        // misnamed file.
        let whole = pretty(&room("x"));
        fs::write(dir.join("x.json.tmp"), &whole).unwrap();
        let mut edited = room("movie night");
        edited["sort"] = json!("rating");
        fs::write(dir.join("copy.json"), pretty(&edited)).unwrap();
        for fix in &fixes {
            let outcome = store.repair(fix).expect("repair");
            assert!(
                matches!(&outcome, RepairOutcome::Skipped(why) if why.contains("changed")),
                "{fix:?}: {outcome:?}"
            );
        }
        assert_eq!(
            snapshot(&dir),
            vec![
                ("copy.json".to_string(), pretty(&edited)),
                ("x.json.tmp".to_string(), whole),
            ]
        );
    }

    #[test]
    fn a_copy_is_removed_only_while_it_is_identical() {
        let env = TestEnv::new();
        let dir = env.rooms_dir("rooms");
        let doc = room("r");
        write_room(&dir, &doc);
        fs::write(dir.join("r.json.tmp"), pretty(&doc)).unwrap();
        age(&dir.join("r.json.tmp"), HOURS_2);
        let store = FileStore::open(&dir).unwrap();
        let fixes = fixes(&store);
        assert!(
            matches!(
                fixes.as_slice(),
                [Fix::RemoveTemp {
                    same_as: Some(_),
                    ..
                }]
            ),
            "{fixes:?}"
        );
        // The room changes: the temporary file is now its only old copy.
        let mut newer = doc.clone();
        newer["sort"] = json!("rating");
        write_room(&dir, &newer);
        let outcome = store.repair(&fixes[0]).expect("repair");
        assert!(matches!(outcome, RepairOutcome::Skipped(_)), "{outcome:?}");
        assert_eq!(fs::read(dir.join("r.json.tmp")).unwrap(), pretty(&doc));
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
    }
}

/// Redis stores: checked through the binary against a real redis-server.
mod redis_store {
    use super::*;
    use crate::support::redis::RedisServer;

    fn redis(server: &RedisServer, args: &[&str]) {
        let client = ::redis::Client::open(server.url()).expect("client");
        let mut con = client.get_connection().expect("connection");
        let mut cmd = ::redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.exec(&mut con).expect("redis command");
    }

    fn set_room(server: &RedisServer, key: &str, doc: &Value) {
        let value = serde_json::to_string(doc).expect("json");
        redis(server, &["SET", key, &value]);
    }

    fn check(env: &TestEnv, server: &RedisServer, args: &[&str]) -> (i32, Value) {
        let out = env
            .roomctl()
            .args(["-s", &server.url(), "check", "-o", "json"])
            .args(args)
            .output()
            .expect("run");
        let code = out.status.code().expect("exit code");
        (code, stdout_json(&out))
    }

    /// (severity, key, kind) of every problem, sorted.
    fn keyed(report: &Value) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|p| {
                (
                    p["severity"].as_str().unwrap().to_string(),
                    p["location"].as_str().unwrap().to_string(),
                    p["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn k(sev: &str, key: &str, kind: &str) -> (String, String, String) {
        (sev.into(), key.into(), kind.into())
    }

    #[test]
    fn neighbours_and_ttls_are_information_and_keep_the_store_healthy() {
        let server = RedisServer::start();
        let env = TestEnv::new();
        set_room(&server, "room:movie night", &room("movie night"));
        set_room(&server, "room:expiring", &room("expiring"));
        redis(&server, &["PEXPIRE", "room:expiring", "86400000"]);
        // The chat services' data under the same prefix.
        redis(&server, &["SADD", "room:members:1", "ann"]);
        redis(&server, &["ZADD", "room:messages:1", "1", "hello"]);
        redis(&server, &["SET", "room:topic:1", "popcorn and horror"]);
        redis(&server, &["SET", "room:count", "17"]);
        let (code, report) = check(&env, &server, &[]);
        assert_eq!(code, 0, "{report:#}");
        assert_eq!(report["healthy"], true);
        assert_eq!(report["rooms"], 2);
        assert_eq!(
            keyed(&report),
            vec![
                k("info", "room:count", "not-a-room"),
                k("info", "room:expiring", "ttl"),
                k("info", "room:members:1", "not-a-room"),
                k("info", "room:messages:1", "not-a-room"),
                k("info", "room:topic:1", "not-a-room"),
            ]
        );
        let ttl = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "ttl")
            .unwrap();
        assert!(
            ttl["message"].as_str().unwrap().contains("expires in 23h")
                || ttl["message"].as_str().unwrap().contains("expires in 1d"),
            "{ttl}"
        );
        // Human output: info lines, and a healthy summary.
        env.roomctl()
            .args(["-s", &server.url(), "check"])
            .assert()
            .code(0)
            .stdout(
                contains("info     room:members:1  a set, not a string; not a room — ")
                    .and(contains("PERSIST")),
            )
            .stderr(contains("2 rooms, healthy (5 info)"));
    }

    #[test]
    fn broken_rooms_under_the_prefix_are_problems() {
        let server = RedisServer::start();
        let env = TestEnv::new();
        set_room(&server, "room:fine", &room("fine"));
        let mut no_created = room("no-created");
        no_created.as_object_mut().unwrap().remove("createdAt");
        set_room(&server, "room:no-created", &no_created);
        let mut odd = room("odd");
        odd["roomType"] = json!("premium");
        odd["createdAt"] = json!("someday");
        set_room(&server, "room:odd", &odd);
        // Stored under another name than its own: the server never finds it.
        set_room(&server, "room:old name", &room("new name"));
        redis(&server, &["SADD", "room:members:9", "bob"]);
        let (code, report) = check(&env, &server, &[]);
        assert_eq!(code, 3, "{report:#}");
        assert_eq!(report["healthy"], false);
        assert_eq!(report["rooms"], 2);
        assert_eq!(
            keyed(&report),
            vec![
                k("error", "room:no-created", "invalid"),
                k("error", "room:old name", "misnamed"),
                k("info", "room:members:9", "not-a-room"),
                k("warning", "room:odd", "malformed"),
                k("warning", "room:odd", "malformed"),
            ]
        );
        // Nothing here is for --fix to touch.
        env.roomctl()
            .args(["-s", &server.url(), "check", "--fix", "--yes"])
            .assert()
            .code(3)
            .stderr(contains("nothing to fix"));
        let (_, again) = check(&env, &server, &[]);
        assert_eq!(again["problems"], report["problems"]);
    }
}
