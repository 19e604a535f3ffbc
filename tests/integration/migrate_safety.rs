//! `migrate-backend` against an operator's plausible mistakes, through the
//! real binary on real stores: one store named two ways (Redis by another
//! host spelling, database spelling, unix socket, cluster seed or ACL user
//! that may not ask; a directory by symlink, `.`/`..` or bind mount) is
//! refused before anything is written; and the cut-over cleanup
//! (`--delete-source --no-copy`) never brings back a room deleted in the
//! target.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::support::redis::{RedisCluster, RedisServer};
use crate::support::{TestEnv, room, safe_name, stdout_json, write_room};

/// Every key of a server's database 0 and 1 with its type and value (the
/// value of strings only): to show that nothing was written or deleted.
fn redis_snapshot(con: &mut redis::Connection) -> BTreeMap<String, (String, Option<Vec<u8>>)> {
    let mut all = BTreeMap::new();
    for db in [0, 1] {
        redis::cmd("SELECT").arg(db).exec(con).expect("SELECT");
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(con).expect("KEYS");
        for key in keys {
            let kind: String = redis::cmd("TYPE").arg(&key).query(con).expect("TYPE");
            let value =
                (kind == "string").then(|| redis::cmd("GET").arg(&key).query(con).expect("GET"));
            all.insert(format!("{db}/{key}"), (kind, value));
        }
    }
    redis::cmd("SELECT").arg(0).exec(con).expect("SELECT");
    all
}

/// Every file of a directory with its bytes.
fn dir_snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

fn compact(doc: &Value) -> Vec<u8> {
    serde_json::to_vec(doc).expect("json")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `roomctl -s SOURCE migrate-backend --to TARGET ARGS…`.
fn migrate(env: &TestEnv, source: &str, target: &str, args: &[&str]) -> Output {
    env.roomctl()
        .args(["-s", source, "migrate-backend", "--to", target])
        .args(args)
        .output()
        .expect("run roomctl")
}

/// Asserts that a run was refused as a store migrated onto itself: exit 2,
/// one line naming both stores.
fn assert_same_store(out: &Output, source: &str, target: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{source} → {target}: {err}");
    assert!(err.contains("onto itself"), "{err}");
    assert!(
        err.contains(source) && err.contains(target),
        "names both: {err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

/// Every way to run into a store named twice: deleting, cleaning up,
/// copying, and their dry runs.
const RUNS: &[&[&str]] = &[
    &["--delete-source", "--yes"],
    &["--delete-source", "--dry-run"],
    &["--delete-source", "--no-copy", "--yes"],
    &["--delete-source", "--stores-are-distinct", "--yes"],
    &[],
    &["--dry-run", "-o", "json"],
];

#[test]
fn one_redis_server_named_another_way_is_refused_before_anything_is_touched() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = server.connection();
    for name in ["one", "two"] {
        redis::cmd("SET")
            .arg(format!("room:{name}"))
            .arg(compact(&room(name)))
            .exec(&mut con)
            .expect("SET");
    }
    redis::cmd("SADD")
        .arg("room:members:one")
        .arg("ann")
        .exec(&mut con)
        .expect("SADD");
    let before = redis_snapshot(&mut con);
    let port = server.port();
    let source = format!("redis://127.0.0.1:{port}");
    let others = [
        format!("redis://LOCALHOST:{port}"),
        format!("redis://127.0.0.1:{port}/00"),
        server.unix_url(),
        format!("redis://localhost:{port}"),
        format!("redis://localhost:{port}/0"),
        // A prefix inside the source's: the same keys.
        format!("redis://127.0.0.1:{port}/0?prefix=room%3Aold%3A"),
    ];
    for target in &others {
        for args in RUNS {
            let out = migrate(&env, &source, target, args);
            assert_same_store(&out, &source, &target.replace("%3A", ":"));
        }
        assert_eq!(redis_snapshot(&mut con), before, "{target}: untouched");
    }
    // The other way round too: the socket as the source.
    let out = migrate(
        &env,
        &server.unix_url(),
        &source,
        &["--delete-source", "--yes"],
    );
    assert_same_store(&out, &server.unix_url(), &source);
    assert_eq!(redis_snapshot(&mut con), before);

    // Another database, or a prefix apart, on the same server is another
    // store: allowed.
    let out = migrate(
        &env,
        &source,
        &format!("redis://localhost:{port}?prefix=mm%3A"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = migrate(
        &env,
        &source,
        &format!("redis://localhost:{port}/1"),
        &["--delete-source", "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = redis_snapshot(&mut con);
    assert!(after.contains_key("1/room:one") && after.contains_key("1/room:two"));
    assert!(!after.contains_key("0/room:one") && !after.contains_key("0/room:two"));
    assert!(after.contains_key("0/mm:one"));
    assert!(after.contains_key("0/room:members:one"));
}

#[test]
fn a_cluster_named_by_another_seed_node_is_the_same_store() {
    let env = TestEnv::new();
    let cluster = RedisCluster::start();
    let mut client = cluster.client();
    let names: Vec<String> = (0..12).map(|i| format!("room {i}")).collect();
    for name in &names {
        redis::cmd("SET")
            .arg(format!("room:{name}"))
            .arg(compact(&room(name)))
            .exec(&mut client)
            .expect("SET");
    }
    let count = |client: &mut redis::cluster::ClusterConnection| {
        names
            .iter()
            .filter(|n| {
                redis::cmd("EXISTS")
                    .arg(format!("room:{n}"))
                    .query::<i64>(client)
                    .expect("EXISTS")
                    == 1
            })
            .count()
    };
    let ports = cluster.ports();
    let node = |i: usize| format!("redis://127.0.0.1:{}", ports[i]);
    let pairs = [
        (cluster.seed_url(0), cluster.seed_url(1)),
        (cluster.seed_url(2), cluster.url()),
        // One of its nodes named as a single server, either way round.
        (node(1), cluster.seed_url(2)),
        (cluster.seed_url(0), node(0)),
    ];
    for (source, target) in &pairs {
        for args in RUNS {
            let out = migrate(&env, source, target, args);
            assert_same_store(&out, source, target);
        }
        assert_eq!(count(&mut client), names.len(), "{source} → {target}");
    }
    // A server outside the cluster is another store.
    let other = RedisServer::start();
    let out = migrate(&env, &cluster.seed_url(1), &other.url(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn one_directory_named_another_way_is_refused_before_anything_is_touched() {
    let env = TestEnv::new();
    let rooms = env.rooms_dir("rooms");
    for name in ["one", "two"] {
        write_room(&rooms, &room(name));
    }
    fs::write(rooms.join("corrupt.json"), b"{").expect("write");
    let before = dir_snapshot(&rooms);
    let absolute = rooms.display().to_string();
    // A bind mount shows the same directory under a path no name
    // resolution leads back to. The mount lives in a private mount
    // namespace (unshare, as root or in a user namespace) and dies with it.
    let mount_point = env.rooms_dir("mounted");
    let script = r#"mount --bind "$1" "$2" || exit 99; shift 2; exec "$@""#;
    let roomctl = assert_cmd::cargo::cargo_bin("roomctl");
    let out = env
        .command("unshare")
        .args(["--map-root-user", "--mount", "sh", "-c", script, "sh"])
        .arg(&rooms)
        .arg(&mount_point)
        .arg(&roomctl)
        .args(["-s", "mounted", "migrate-backend", "--to"])
        .arg(&rooms)
        .args(["--delete-source", "--yes"])
        .output()
        .expect("run unshare (util-linux) to make a bind mount");
    assert_ne!(
        out.status.code(),
        Some(99),
        "cannot bind-mount in a private namespace here: {}",
        stderr(&out)
    );
    assert_same_store(&out, "mounted", &absolute);
    assert_eq!(dir_snapshot(&rooms), before, "bind mount: untouched");

    env.rooms_dir("elsewhere");
    std::os::unix::fs::symlink(&rooms, env.path().join("link")).expect("symlink");
    for target in [
        "link",
        "./rooms/.",
        "rooms/",
        "elsewhere/../rooms",
        absolute.as_str(),
        "file:link/",
    ] {
        for args in RUNS {
            let out = migrate(&env, "rooms", target, args);
            assert_same_store(&out, "rooms", target.trim_start_matches("file:"));
        }
        assert_eq!(dir_snapshot(&rooms), before, "{target}: untouched");
    }

    // Another directory is another store.
    let out = migrate(&env, "rooms", "elsewhere", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(env.path().join("elsewhere/one.json").exists());
}

#[test]
fn a_redis_user_denied_info_must_say_the_stores_are_distinct_to_delete() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = server.connection();
    for name in ["one", "two"] {
        redis::cmd("SET")
            .arg(format!("room:{name}"))
            .arg(compact(&room(name)))
            .exec(&mut con)
            .expect("SET");
    }
    // Allowed everything on every key, but not to ask which server it is.
    redis::cmd("ACL")
        .arg(&["SETUSER", "mover", "on", ">pw-of-mover", "~*", "+@all"])
        .arg(&["-info", "-cluster"])
        .exec(&mut con)
        .expect("ACL SETUSER");
    let before = redis_snapshot(&mut con);
    let port = server.port();
    let source = format!("redis://mover:pw-of-mover@127.0.0.1:{port}");
    let shown = format!("redis://mover:***@127.0.0.1:{port}");
    for target in [
        format!("redis://mover:pw-of-mover@127.0.0.1:{port}/1"),
        format!("redis://mover:pw-of-mover@LOCALHOST:{port}"),
    ] {
        for args in [
            &["--delete-source", "--yes"][..],
            &["--delete-source", "--dry-run"],
            &["--delete-source", "--no-copy", "--yes"],
        ] {
            let out = migrate(&env, &source, &target, args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{target} {args:?}: {err}");
            assert!(err.contains("--stores-are-distinct"), "{err}");
            assert!(err.contains(&shown), "{err}");
            assert!(!err.contains("pw-of-mover"), "{err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
        assert_eq!(redis_snapshot(&mut con), before, "{target}: untouched");
    }
    // Copying alone loses nothing, whatever the stores are.
    let target = format!("redis://mover:pw-of-mover@127.0.0.1:{port}/1");
    let out = migrate(&env, &source, &target, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Once the operator has checked, the word is taken.
    let out = migrate(
        &env,
        &source,
        &target,
        &["--delete-source", "--stores-are-distinct", "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = redis_snapshot(&mut con);
    assert!(!after.contains_key("0/room:one"), "deleted from the source");
    assert!(after.contains_key("1/room:one") && after.contains_key("1/room:two"));
}

// ---------------------------------------------------------------------------
// The cut-over cleanup: --delete-source --no-copy.

/// `two`, changed since the cut-over.
fn changed_two() -> Value {
    let mut doc = room("two");
    doc["ratings"]["plex://movie/3"] = json!([["ann", "like", 1759400000000_i64]]);
    doc
}

#[test]
fn cleanup_from_files_never_brings_back_a_room_deleted_in_redis() {
    let env = TestEnv::new();
    let src = env.rooms_dir("rooms");
    for name in ["one", "two", "gone", "four"] {
        write_room(&src, &room(name));
    }
    fs::write(src.join("corrupt.json"), b"{").expect("write");
    // After the cut-over the server runs on Redis: `gone` was deleted by its
    // users, `two` was rated again; `one` and `four` are as copied.
    let server = RedisServer::start();
    let mut con = server.connection();
    for doc in [room("one"), changed_two(), room("four")] {
        let key = format!("room:{}", doc["roomName"].as_str().unwrap());
        redis::cmd("SET")
            .arg(key)
            .arg(compact(&doc))
            .exec(&mut con)
            .expect("SET");
    }
    let redis_before = redis_snapshot(&mut con);
    let files_before = dir_snapshot(&src);
    let url = server.url();

    // The dry run counts, and changes nothing.
    let out = migrate(
        &env,
        "rooms",
        &url,
        &["--delete-source", "--no-copy", "--dry-run", "-o", "json"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("would delete 2 from the source"), "{err}");
    assert!(err.contains("would keep 3"), "{err}");
    let summary = stdout_json(&out);
    assert_eq!(summary["dryRun"], true);
    assert_eq!(summary["noCopy"], true);
    assert_eq!(summary["identical"], 2);
    assert_eq!(summary["missingFromTarget"], 1);
    assert_eq!(summary["differentInTarget"], 1);
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["copied"], 0);
    assert_eq!(summary["deletedFromSource"], 0);
    assert_eq!(summary["exitCode"], 3);
    assert_eq!(dir_snapshot(&src), files_before);
    assert_eq!(redis_snapshot(&mut con), redis_before);

    // Without --yes, nothing.
    let out = migrate(&env, "rooms", &url, &["--delete-source", "--no-copy"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(dir_snapshot(&src), files_before);

    let out = migrate(
        &env,
        "rooms",
        &url,
        &[
            "--delete-source",
            "--no-copy",
            "--yes",
            "--report",
            "cleanup.jsonl",
            "-o",
            "json",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    // Every kept room is named, with why.
    assert!(
        err.lines()
            .any(|l| l.contains("\"gone\"") && l.contains("not in the target")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("\"two\"") && l.contains("different")),
        "{err}"
    );
    assert!(err.contains("3 rooms were kept in the source"), "{err}");
    let summary = stdout_json(&out);
    assert_eq!(summary["dryRun"], false);
    assert_eq!(summary["deletedFromSource"], 2);
    assert_eq!(summary["missingFromTarget"], 1);
    assert_eq!(summary["differentInTarget"], 1);
    assert_eq!(summary["copied"], 0);
    assert_eq!(summary["complete"], false);
    // Nothing was written to Redis: `gone` stays gone, `two` keeps the
    // server's version.
    assert_eq!(redis_snapshot(&mut con), redis_before);
    // Only the identical rooms left the directory.
    let mut left: Vec<String> = dir_snapshot(&src).into_keys().collect();
    left.sort();
    assert_eq!(left, ["corrupt.json", "gone.json", "two.json"]);
    assert_eq!(
        dir_snapshot(&src)["two.json"],
        files_before["two.json"],
        "kept as it was"
    );
    let report: BTreeMap<String, String> = fs::read_to_string(env.path().join("cleanup.jsonl"))
        .expect("report")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|l| l["room"].is_string())
        .map(|l| {
            (
                l["room"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(report["one"], "deleted-from-source");
    assert_eq!(report["four"], "deleted-from-source");
    assert_eq!(report["gone"], "kept-in-source");
    assert_eq!(report["two"], "kept-in-source");

    // Run again: nothing more to delete, the same rooms kept.
    let out = migrate(
        &env,
        "rooms",
        &url,
        &["--delete-source", "--no-copy", "--yes"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(redis_snapshot(&mut con), redis_before);

    // --no-copy only makes sense as a cleanup, and never copies.
    for args in [
        &["--no-copy", "--yes"][..],
        &[
            "--delete-source",
            "--no-copy",
            "--on-conflict",
            "overwrite",
            "--yes",
        ],
    ] {
        let out = migrate(&env, "rooms", &url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(redis_snapshot(&mut con), redis_before);
}

#[test]
fn cleanup_from_redis_never_brings_back_a_room_deleted_in_the_files() {
    let env = TestEnv::new();
    let server = RedisServer::start();
    let mut con = server.connection();
    for name in ["one", "two", "gone"] {
        redis::cmd("SET")
            .arg(format!("room:{name}"))
            .arg(compact(&room(name)))
            .exec(&mut con)
            .expect("SET");
    }
    redis::cmd("SADD")
        .arg("room:members:one")
        .arg("ann")
        .exec(&mut con)
        .expect("SADD");
    // The server moved back to files (a rollback); since then `gone` was
    // deleted and `two` changed there.
    let dst = env.rooms_dir("rooms");
    write_room(&dst, &room("one"));
    write_room(&dst, &changed_two());
    let files_before = dir_snapshot(&dst);
    let url = server.url();

    let out = migrate(
        &env,
        &url,
        "rooms",
        &["--delete-source", "--no-copy", "--dry-run"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("would delete 1 from the source, would keep 2"),
        "{err}"
    );
    assert!(redis_snapshot(&mut con).contains_key("0/room:one"));

    let out = migrate(
        &env,
        &url,
        "rooms",
        &["--delete-source", "--no-copy", "--yes", "-o", "json"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("\"gone\"") && err.contains("\"two\""), "{err}");
    let summary = stdout_json(&out);
    assert_eq!(summary["deletedFromSource"], 1);
    assert_eq!(summary["missingFromTarget"], 1);
    assert_eq!(summary["differentInTarget"], 1);
    assert_eq!(summary["notRooms"], 1);
    // The directory is exactly as it was: no `gone.json` came back.
    assert_eq!(dir_snapshot(&dst), files_before);
    assert!(!dst.join(safe_name("gone")).exists());
    let after = redis_snapshot(&mut con);
    assert!(!after.contains_key("0/room:one"), "identical: deleted");
    assert_eq!(
        after["0/room:two"].1.as_deref(),
        Some(&compact(&room("two"))[..]),
        "different: kept as it was"
    );
    assert!(after.contains_key("0/room:gone"), "missing there: kept");
    assert_eq!(
        after["0/room:members:one"].0, "set",
        "not a room: untouched"
    );

    // When the target holds every room identically, all go, exit 0.
    redis::cmd("DEL")
        .arg("room:gone")
        .arg("room:two")
        .exec(&mut con)
        .expect("DEL");
    redis::cmd("SET")
        .arg("room:two")
        .arg(compact(&changed_two()))
        .exec(&mut con)
        .expect("SET");
    let out = migrate(
        &env,
        &url,
        "rooms",
        &["--delete-source", "--no-copy", "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!redis_snapshot(&mut con).contains_key("0/room:two"));
    assert_eq!(dir_snapshot(&dst), files_before);
}
