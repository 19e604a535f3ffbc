//! Restoring damaged rooms from an archive (`import --on-conflict overwrite
//! --include-invalid`) on files, Redis and a cluster, and the import
//! summaries: each count once, adding up to the rooms, singular forms, a
//! dry run that lists what would change first.

use std::fs;

use redis::Commands;
use serde_json::Value;

use crate::support::redis::{RedisCluster, RedisServer};
use crate::support::{TestEnv, room, snapshot, stdout_json, write_room};

/// An archive of `names`, exported from a room directory of its own.
fn archive(env: &TestEnv, names: &[&str]) -> String {
    let dir = env.rooms_dir("source");
    for name in names {
        write_room(&dir, &room(name));
    }
    env.roomctl()
        .args(["-s", "source", "export", "backup.jsonl", "--force"])
        .assert()
        .success();
    "backup.jsonl".into()
}

/// Runs `import` with `args` (and `-o json`) on `store`: exit code, report,
/// stderr.
fn import(env: &TestEnv, store: &str, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = env
        .roomctl()
        .args(["-s", store, "import", "backup.jsonl", "-o", "json"])
        .args(args)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = stdout_json(&out);
    (out.status.code(), report, stderr)
}

/// The categories of an import report, which partition its rooms.
const CATEGORIES: &[&str] = &[
    "created",
    "overwritten",
    "replacedInvalid",
    "skipped",
    "unchanged",
    "conflicts",
    "changedMeanwhile",
    "failed",
    "heldBack",
];

fn assert_adds_up(report: &Value) {
    let sum: u64 = CATEGORIES
        .iter()
        .map(|c| {
            report[c]
                .as_u64()
                .unwrap_or_else(|| panic!("{c}: {report}"))
        })
        .sum();
    assert_eq!(Some(sum), report["rooms"].as_u64(), "{report}");
}

const RESTORE: &[&str] = &["--on-conflict", "overwrite", "--include-invalid"];

#[test]
fn restore_over_a_corrupt_file() {
    let env = TestEnv::new();
    archive(&env, &["a", "b", "c d"]);
    let store = env.rooms_dir("store");
    write_room(&store, &room("a"));
    // b is corrupt; c_d.json holds another room, valid.
    let corrupt = b"{\"roomName\": \"b\", \"sort\": ".to_vec();
    fs::write(store.join("b.json"), &corrupt).unwrap();
    write_room(&store, &room("c_d"));
    let theirs = fs::read(store.join("c_d.json")).unwrap();

    // Without the flag: b is named with how to restore it, and kept.
    let (code, report, stderr) = import(&env, "store", &[]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("b.json is invalid")
            && stderr.contains("--on-conflict overwrite --include-invalid --yes"),
        "{stderr}"
    );
    assert_eq!(fs::read(store.join("b.json")).unwrap(), corrupt);
    assert_adds_up(&report);
    // Without --yes: refused, nothing written.
    let (code, _, stderr) = import(&env, "store", RESTORE);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(fs::read(store.join("b.json")).unwrap(), corrupt);
    // The flag needs the overwrite policy.
    let (code, _, stderr) = import(&env, "store", &["--include-invalid", "--yes"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--on-conflict overwrite"), "{stderr}");

    // With both: b is restored and said so; c_d.json is never touched.
    let (code, report, stderr) = import(&env, "store", &[RESTORE, &["--yes"]].concat());
    assert_eq!(code, Some(5), "the colliding room is a conflict: {stderr}");
    assert!(
        stderr.contains("b: replaced the invalid document") && stderr.contains("b.json"),
        "{stderr}"
    );
    assert_eq!(report["replacedInvalid"], 1, "{report}");
    assert_eq!(report["replacedInvalidRooms"][0]["room"], "b", "{report}");
    assert_eq!(report["unchanged"], 1, "{report}");
    assert_eq!(report["conflicts"], 1, "{report}");
    assert_adds_up(&report);
    let restored: Value = serde_json::from_slice(&fs::read(store.join("b.json")).unwrap()).unwrap();
    assert_eq!(restored, room("b"));
    assert_eq!(fs::read(store.join("c_d.json")).unwrap(), theirs);
}

/// Restores `b` over a value that is not JSON; `chat`, a set under the
/// prefix, is never touched, flag or not.
fn restore_over_redis_values(url: &str, con: &mut dyn redis::ConnectionLike) {
    let env = TestEnv::new();
    archive(&env, &["a", "b", "chat"]);
    let _: () = redis::cmd("SET")
        .arg("room:b")
        .arg("not json {")
        .query(con)
        .unwrap();
    let _: () = redis::cmd("SADD")
        .arg("room:chat")
        .arg("ann")
        .query(con)
        .unwrap();
    let (code, report, stderr) = import(&env, url, &["--on-conflict", "skip"]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("--include-invalid --yes"), "{stderr}");
    assert_eq!(report["created"], 1, "{report}");
    assert_adds_up(&report);
    let (code, report, stderr) = import(&env, url, &[RESTORE, &["--yes"]].concat());
    assert_eq!(code, Some(5), "the set is a conflict: {stderr}");
    assert_eq!(report["replacedInvalid"], 1, "{report}");
    assert_eq!(report["conflicts"], 1, "{report}");
    assert!(stderr.contains("room:b"), "{stderr}");
    assert_adds_up(&report);
    let b: String = redis::cmd("GET").arg("room:b").query(con).unwrap();
    let b: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(b, room("b"));
    let members: Vec<String> = redis::cmd("SMEMBERS").arg("room:chat").query(con).unwrap();
    assert_eq!(members, vec!["ann".to_string()]);
}

#[test]
fn restore_over_a_redis_value_that_is_not_json() {
    let server = RedisServer::start();
    restore_over_redis_values(&server.url(), &mut server.connection());
}

#[test]
fn restore_over_a_cluster_value_that_is_not_json() {
    let cluster = RedisCluster::start();
    restore_over_redis_values(&cluster.url(), &mut cluster.client());
}

fn text_summary(env: &TestEnv, args: &[&str]) -> (String, String) {
    let out = env
        .roomctl()
        .args(["-s", "store", "import", "backup.jsonl"])
        .args(args)
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn summaries_add_up_and_say_one_room() {
    let env = TestEnv::new();
    archive(&env, &["only"]);
    let store = env.rooms_dir("store");
    let (_, stderr) = text_summary(&env, &[]);
    assert!(
        stderr.contains("imported 1 of 1 room (1 created)\n"),
        "{stderr}"
    );
    let (_, stderr) = text_summary(&env, &[]);
    assert!(
        stderr.contains("imported 0 of 1 room; 1 unchanged\n"),
        "{stderr}"
    );
    // A conflict under `fail`: nothing is said to be imported or created.
    archive(&env, &["only", "new one"]);
    let mut other = room("only");
    other["sort"] = "rating".into();
    write_room(&store, &other);
    let (code, report, stderr) = import(&env, "store", &[]);
    assert_eq!(code, Some(5));
    assert!(stderr.contains("1 room conflicts"), "{stderr}");
    assert_eq!(report["created"], 0, "{report}");
    assert_eq!(report["heldBack"], 1, "{report}");
    assert_adds_up(&report);
    let (code, report, stderr) = import(&env, "store", &["--on-conflict", "skip"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("imported 1 of 2 rooms (1 created); 1 skipped (exist)"),
        "{stderr}"
    );
    assert_adds_up(&report);
}

fn is_sorted(lines: &[&str]) -> bool {
    lines.windows(2).all(|w| w[0] <= w[1])
}

#[test]
fn dry_run_lists_what_would_change_first() {
    let env = TestEnv::new();
    let names: Vec<String> = (0..30).map(|i| format!("room {i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    archive(&env, &refs);
    let store = env.rooms_dir("store");
    for name in &refs[..28] {
        write_room(&store, &room(name));
    }
    let mut changed = room("room 05");
    changed["sort"] = "rating".into();
    write_room(&store, &changed);
    let before = snapshot(&store);
    let args = ["--on-conflict", "overwrite", "--dry-run"];
    let (stdout, stderr) = text_summary(&env, &args);
    assert_eq!(
        stdout, "would overwrite room 05\nwould create room 28\nwould create room 29\n",
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "dry run: would import 3 of 30 rooms (2 created, 1 overwritten); 27 unchanged (-v lists them)"
        ),
        "{stderr}"
    );
    // -v lists the unchanged after the changes, sorted too.
    let (stdout, _) = text_summary(&env, &[&args[..], &["-v"]].concat());
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 30, "{stdout}");
    assert_eq!(lines[3], "unchanged room 00", "{stdout}");
    assert!(is_sorted(&lines[3..]), "{stdout}");
    assert_eq!(snapshot(&store), before, "a dry run writes nothing");
}

#[test]
fn a_redis_set_of_the_same_name_is_never_replaced() {
    let server = RedisServer::start();
    let mut con = server.connection();
    let _: () = con.sadd("room:members", "ann").unwrap();
    let env = TestEnv::new();
    archive(&env, &["members"]);
    let (code, report, stderr) = import(&env, &server.url(), &[RESTORE, &["--yes"]].concat());
    assert_eq!(code, Some(5), "{stderr}");
    assert_eq!(report["replacedInvalid"], 0, "{report}");
    assert!(stderr.contains("never overwritten"), "{stderr}");
    let t: String = redis::cmd("TYPE")
        .arg("room:members")
        .query(&mut con)
        .unwrap();
    assert_eq!(t, "set");
}
