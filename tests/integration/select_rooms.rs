//! Choosing rooms: `export --room/--rooms-from` and `import --room/
//! --rooms-from` with the list filters, through the real binary, on a room
//! directory, one Redis server and a Redis Cluster.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use predicates::str::contains;
use serde_json::json;

use crate::support::redis::{RedisCluster, RedisServer};
use crate::support::{TestEnv, room, stdout_json, write_room};

/// Names that need escaping somewhere: in a file name, a terminal, a key.
const AWKWARD: &[&str] = &["🎬 popcorn 🍿", "movie night", "../x", "a/b", "{tag}one"];
/// Rooms created by bob; every other room is ann's.
const BOBS: &[&str] = &["bob one", "bob two"];

/// A JSON Lines archive of the awkward rooms, bob's, and a few plain ones.
fn archive(env: &TestEnv) -> PathBuf {
    let dir = env.rooms_dir("src");
    for name in AWKWARD.iter().chain(["plain 1", "plain 2"].iter()) {
        write_room(&dir, &room(name));
    }
    for name in BOBS {
        let mut r = room(name);
        r["creatorPlexUsername"] = json!("bob");
        r["creatorPlexUserId"] = json!("7");
        write_room(&dir, &r);
    }
    let out = env.path().join("all.jsonl");
    env.roomctl()
        .arg("-s")
        .arg(&dir)
        .args(["export", "-q"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// Every room of the archive, in the store.
fn seed(env: &TestEnv, store: &str, archive: &Path) {
    env.roomctl()
        .args(["-s", store, "import", "-q", "--create-store"])
        .arg(archive)
        .assert()
        .success();
}

/// The names of the rooms in a store.
fn names_in(env: &TestEnv, store: &str) -> BTreeSet<String> {
    let out = env
        .roomctl()
        .args(["-s", store, "list", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    stdout_json(&out)
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["roomName"].as_str().expect("name").to_string())
        .collect()
}

/// The names of the rooms in a JSON Lines archive.
fn names_of(archive: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(archive)
        .expect("archive")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["roomName"].as_str().map(str::to_string))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The files of the environment's top directory.
fn top_files(env: &TestEnv) -> BTreeSet<String> {
    std::fs::read_dir(env.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// Stores of one kind, each new and empty: `store(n)` for the n-th.
type Stores<'a> = &'a dyn Fn(usize) -> String;

fn export_names_needing_escaping(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(1);
    seed(&env, &store, &archive(&env));
    env.roomctl()
        .args(["-s", &store, "export", "out.jsonl"])
        .args(["--room", "🎬 popcorn 🍿", "--room", "../x", "--room", "a/b"])
        // A name given twice is one room.
        .args(["--room", "movie night", "--room", "movie night"])
        .assert()
        .success()
        .stderr(contains("exported 4 rooms"));
    assert_eq!(
        names_of(&env.path().join("out.jsonl")),
        set(&["🎬 popcorn 🍿", "../x", "a/b", "movie night"])
    );
    // The named rooms and the filters together: bob's named room only.
    let out = env
        .roomctl()
        .args([
            "-s", &store, "export", "--room", "bob one", "--room", "../x",
        ])
        .args(["--creator", "bob"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains(r#"{"roomName":"bob one""#), "{text}");
    assert!(!text.contains(r#""roomName":"../x""#), "{text}");
}

fn export_missing_name_writes_nothing(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(2);
    seed(&env, &store, &archive(&env));
    let before = top_files(&env);
    env.roomctl()
        .args(["-s", &store, "export", "out.jsonl", "--room", "movie night"])
        .args(["--room", "gone 🎈", "--room", "../y"])
        .assert()
        .code(4)
        .stderr(contains(r#""../y", "gone 🎈""#))
        .stderr(contains("nothing was exported"));
    assert_eq!(top_files(&env), before, "no archive, no temporary file");
    // To stdout: not even a header.
    env.roomctl()
        .args(["-s", &store, "export", "--room", "gone"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains(r#""gone""#));
}

fn export_rooms_from_file(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(3);
    seed(&env, &store, &archive(&env));
    // CRLF, an empty line, spaces kept, no newline at the end.
    std::fs::write(
        env.path().join("names.txt"),
        "\u{feff}movie night\r\n\r\n🎬 popcorn 🍿\n../x",
    )
    .expect("write");
    env.roomctl()
        .args([
            "-s",
            &store,
            "export",
            "a.jsonl",
            "--rooms-from",
            "names.txt",
        ])
        .args(["--room", "plain 1"])
        .assert()
        .success();
    assert_eq!(
        names_of(&env.path().join("a.jsonl")),
        set(&["movie night", "🎬 popcorn 🍿", "../x", "plain 1"])
    );
    // From stdin; a line with a trailing space names another room.
    env.roomctl()
        .args(["-s", &store, "export", "b.jsonl", "--rooms-from", "-"])
        .write_stdin("a/b\nplain 2 \n")
        .assert()
        .code(4)
        .stderr(contains(r#""plain 2 ""#));
    assert!(!env.path().join("b.jsonl").exists());
    env.roomctl()
        .args(["-s", &store, "export", "b.jsonl", "--rooms-from", "-"])
        .write_stdin("a/b\n\n{tag}one\n")
        .assert()
        .success();
    assert_eq!(
        names_of(&env.path().join("b.jsonl")),
        set(&["a/b", "{tag}one"])
    );
}

fn import_one_room_of_a_full_archive(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(4);
    let archive = archive(&env);
    seed(&env, &store, &archive);
    let all = names_in(&env, &store);
    // Three rooms deleted on purpose, one of them by accident.
    env.roomctl()
        .args([
            "-s", &store, "delete", "--yes", "../x", "plain 1", "bob two",
        ])
        .assert()
        .success();
    env.roomctl()
        .args(["-s", &store, "import"])
        .arg(&archive)
        .args(["--room", "../x", "--room", "../x"])
        .assert()
        .success()
        .stderr(contains("1 created"));
    let mut expected = all.clone();
    expected.remove("plain 1");
    expected.remove("bob two");
    assert_eq!(names_in(&env, &store), expected);
    // Under a policy that writes without a planning pass, too.
    env.roomctl()
        .args(["-s", &store, "import", "--on-conflict", "skip"])
        .arg(&archive)
        .args(["--room", "plain 1"])
        .assert()
        .success();
    expected.insert("plain 1".into());
    assert_eq!(names_in(&env, &store), expected);
}

fn import_missing_name_writes_nothing(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(5);
    let archive = archive(&env);
    for policy in ["fail", "skip"] {
        let out = env
            .roomctl()
            .args(["-s", &store, "import", "--create-store", "-o", "json"])
            .args(["--on-conflict", policy])
            .arg(&archive)
            .args(["--room", "movie night", "--room", "nope 🎈"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(4), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(r#""nope 🎈""#), "{stderr}");
        assert!(!stderr.contains(r#""movie night""#), "{stderr}");
        assert_eq!(stdout_json(&out)["refused"], "not-found");
    }
    // Nothing written: a room directory was not even created.
    if store.starts_with("redis") {
        assert!(names_in(&env, &store).is_empty());
    } else {
        assert!(!Path::new(&store).exists(), "{store} created");
    }
}

fn import_creator_filter(stores: Stores<'_>) {
    let env = TestEnv::new();
    let store = stores(6);
    let archive = archive(&env);
    env.roomctl()
        .args(["-s", &store, "import", "--create-store", "--creator", "bob"])
        .arg(&archive)
        .assert()
        .success()
        .stderr(contains("2 created"));
    assert_eq!(names_in(&env, &store), set(BOBS));
    // With names: the named rooms that pass the filter.
    env.roomctl()
        .args(["-s", &store, "import", "--creator", "ann"])
        .arg(&archive)
        .args(["--room", "bob one", "--room", "a/b"])
        .assert()
        .success()
        .stderr(contains("1 created"));
    assert_eq!(names_in(&env, &store), set(&["bob one", "bob two", "a/b"]));
}

type Scenario = fn(Stores<'_>);

const SCENARIOS: &[Scenario] = &[
    export_names_needing_escaping,
    export_missing_name_writes_nothing,
    export_rooms_from_file,
    import_one_room_of_a_full_archive,
    import_missing_name_writes_nothing,
    import_creator_filter,
];

/// A new room directory per scenario, inside a temporary directory.
fn on_files(scenario: Scenario) {
    let top = tempfile::tempdir().expect("tempdir");
    let root = top.path().to_path_buf();
    scenario(&move |n| {
        root.join(format!("rooms{n}"))
            .to_string_lossy()
            .into_owned()
    });
}

#[test]
fn export_room_names_needing_escaping_files() {
    on_files(export_names_needing_escaping);
}

#[test]
fn export_missing_room_exits_4_and_writes_nothing_files() {
    on_files(export_missing_name_writes_nothing);
}

#[test]
fn export_rooms_from_file_files() {
    on_files(export_rooms_from_file);
}

#[test]
fn import_one_room_brings_back_only_that_one_files() {
    on_files(import_one_room_of_a_full_archive);
}

#[test]
fn import_missing_room_exits_4_and_writes_nothing_files() {
    on_files(import_missing_name_writes_nothing);
}

#[test]
fn import_creator_filter_files() {
    on_files(import_creator_filter);
}

#[test]
fn every_scenario_on_redis() {
    let server = RedisServer::start();
    let url = server.url();
    for scenario in SCENARIOS {
        scenario(&|n| format!("{url}?prefix=t{n}:"));
    }
}

#[test]
fn every_scenario_on_a_cluster() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    for scenario in SCENARIOS {
        scenario(&|n| format!("{url}?prefix=t{n}:"));
    }
}

#[test]
fn import_rooms_from_stdin_beside_an_archive_on_stdin_is_refused() {
    let env = TestEnv::new();
    env.roomctl()
        .args(["-s", "memory:", "import", "--rooms-from", "-"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(contains("already holds the archive"));
}
