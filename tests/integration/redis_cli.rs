//! The commands through the real binary against a real Redis: list, show,
//! delete, export and import beside the chat services' non-room keys, and
//! the export → import → export round trip across backends.

use crate::support;

use std::fs;

use crate::support::redis::RedisServer;
use crate::support::{TestEnv, room, stdout_json, write_room};
use predicates::prelude::*;
use predicates::str::contains;
use redis::Commands;
use serde_json::{Value, json};

fn client(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

fn set_room(con: &mut redis::Connection, doc: &Value) {
    let key = format!("room:{}", doc["roomName"].as_str().unwrap());
    let _: () = con.set(key, doc.to_string()).unwrap();
}

#[test]
fn list_show_delete_beside_non_room_keys() {
    let server = RedisServer::start();
    let mut con = client(&server);
    let mut doc = room("movie night");
    doc["password"] = json!("hunter2");
    doc["zFuture"] = json!([1, 2]);
    set_room(&mut con, &doc);
    set_room(&mut con, &room("🎬 \u{1b}[31m"));
    let _: () = con.sadd("room:members:42", "ann").unwrap();
    let _: () = con.zadd("room:messages:42", "hi", 1).unwrap();
    let _: () = con.set("room:garbage", "not json").unwrap();
    let _: () = con.set("other:thing", "x").unwrap();
    let env = TestEnv::new();
    let url = server.url();

    let out = env
        .roomctl()
        .args(["-s", &url, "list", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rooms = stdout_json(&out);
    let names: Vec<&str> = rooms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["roomName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["movie night", "🎬 \u{1b}[31m"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("room:members:42") && stderr.contains("not a room"),
        "{stderr}"
    );
    assert!(
        stderr.contains("room:messages:42") && stderr.contains("room:garbage"),
        "{stderr}"
    );
    assert!(!stderr.contains("other:thing"));

    let out = env.roomctl().args(["-s", &url, "list"]).output().unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "escape sequence reached the terminal"
    );

    let out = env
        .roomctl()
        .args(["-s", &url, "show", "movie night", "-o", "json"])
        .output()
        .unwrap();
    let shown = stdout_json(&out);
    assert_eq!(shown["zFuture"], json!([1, 2]));
    assert_ne!(shown["password"], "hunter2");

    // The set is never deleted, even when named.
    env.roomctl()
        .args([
            "-s",
            &url,
            "delete",
            "members:42",
            "--yes",
            "--include-invalid",
        ])
        .assert()
        .code(6)
        .stderr(contains("never deletes what is not a room"));
    let t: String = redis::cmd("TYPE")
        .arg("room:members:42")
        .query(&mut con)
        .unwrap();
    assert_eq!(t, "set");
    env.roomctl()
        .args(["-s", &url, "delete", "movie night", "--yes"])
        .assert()
        .success()
        .stdout(contains("deleted movie night"));
    let exists: bool = con.exists("room:movie night").unwrap();
    assert!(!exists);
    let n: usize = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(n, 5, "only the room was deleted");
}

#[test]
fn key_prefix_from_flag_url_and_config() {
    let server = RedisServer::start();
    let mut con = client(&server);
    let _: () = con.set("mm:a", room("a").to_string()).unwrap();
    let _: () = con.set("room:b", room("b").to_string()).unwrap();
    let env = TestEnv::new();
    let url = server.url();
    let names = |cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["list", "-o", "name"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(names(env.roomctl().args(["-s", &url])), "b\n");
    assert_eq!(
        names(env.roomctl().args(["-s", &url, "--key-prefix", "mm:"])),
        "a\n"
    );
    assert_eq!(
        names(env.roomctl().args(["-s", &format!("{url}?prefix=mm:")])),
        "a\n"
    );
    assert_eq!(
        names(
            env.roomctl()
                .env("STORAGE_TYPE", "redis")
                .env("REDIS_URL", &url)
        ),
        "b\n"
    );
    fs::write(
        env.path().join("config.yaml"),
        format!("storageType: redis\nredisUrl: {url}\nredisKeyPrefix: \"mm:\"\nplexToken: abc\n"),
    )
    .unwrap();
    assert_eq!(names(&mut env.roomctl()), "a\n");
    let port = server.port().to_string();
    assert_eq!(
        names(
            env.roomctl()
                .env("STORAGE_TYPE", "redis")
                .env("VALKEY_HOST", "127.0.0.1")
                .env("VALKEY_PORT", &port)
        ),
        "a\n",
        "the config's prefix applies to a store found from the environment"
    );
}

#[test]
fn unreachable_redis_is_one_clear_line_without_the_password() {
    let env = TestEnv::new();
    let port = support::redis::free_port().unwrap();
    let out = env
        .roomctl()
        .args([
            "-s",
            &format!("redis://admin:sup3rs3cret@127.0.0.1:{port}/0"),
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("sup3rs3cret"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // Same through VALKEY_PASSWORD.
    let out = env
        .roomctl()
        .env("STORAGE_TYPE", "redis")
        .env("VALKEY_HOST", "127.0.0.1")
        .env("VALKEY_PORT", port.to_string())
        .env("VALKEY_PASSWORD", "sup3rs3cret")
        .args(["-v", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sup3rs3cret"));
}

#[test]
fn password_file_and_requirepass() {
    let server = RedisServer::start();
    let mut con = client(&server);
    set_room(&mut con, &room("locked"));
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("p@ss w0rd")
        .query(&mut con)
        .unwrap();
    let env = TestEnv::new();
    fs::write(env.path().join("pw"), "p@ss w0rd\n").unwrap();
    let url = server.url();
    env.roomctl()
        .args(["-s", &url, "list"])
        .assert()
        .code(7)
        .stderr(contains("p@ss").not());
    env.roomctl()
        .args(["-s", &url, "--password-file", "pw", "list", "-o", "name"])
        .assert()
        .success()
        .stdout("locked\n");
}

/// The room lines of an archive, sorted (stores are scanned in their own order).
fn room_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut rooms: Vec<String> = lines[1..lines.len() - 1]
        .iter()
        .map(|s| s.to_string())
        .collect();
    rooms.sort();
    rooms
}

#[test]
fn round_trip_across_file_and_redis() {
    let server = RedisServer::start();
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    for (i, name) in [
        "movie night",
        "../../etc/passwd",
        "🎬 popcorn",
        "tab\tname",
        "plain",
    ]
    .iter()
    .enumerate()
    {
        let mut r = room(name);
        r["zUnknown"] = json!({"i": i, "nested": {"b": 1, "a": 2}});
        if i == 0 {
            r["password"] = json!("pw");
        }
        write_room(&src, &r);
    }
    let url_a = format!("{}?prefix=a:", server.url());
    let url_b = format!("{}?prefix=b:", server.url());
    let export = |store: &str| {
        let out = env
            .roomctl()
            .args(["-s", store, "export"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let import = |store: &str, archive: &[u8]| {
        env.roomctl()
            .args(["-s", store, "import", "--create-store"])
            .write_stdin(archive.to_vec())
            .assert()
            .success();
    };
    let reference = export("src");
    // file → redis → redis → file, each export identical as a set of lines.
    import(&url_a, &reference);
    let from_a = export(&url_a);
    assert_eq!(room_lines(&from_a), room_lines(&reference));
    import(&url_b, &from_a);
    let from_b = export(&url_b);
    assert_eq!(room_lines(&from_b), room_lines(&reference));
    import("file:dst", &from_b);
    assert_eq!(room_lines(&export("file:dst")), room_lines(&reference));
    // And the file store holds the server's bytes.
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let copy = env.path().join("dst").join(entry.file_name());
        assert_eq!(fs::read(entry.path()).unwrap(), fs::read(copy).unwrap());
    }
}

#[test]
fn round_trip_through_memory_store() {
    // The memory store lives in one process, so this pair is checked through
    // the library: file → memory → file gives the same documents.
    use roomctl::store::{self, Condition, Put, memory::MemoryStore};
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room("one"));
    let mut two = room("two");
    two["zUnknown"] = json!(true);
    write_room(&src, &two);
    // Copies every room of one store into another.
    let copy = |from: &dyn store::Store, to: &dyn store::Store| {
        let (rooms, _) = store::collect(from).unwrap();
        let docs: Vec<_> = rooms.iter().map(|r| r.document().unwrap()).collect();
        let puts: Vec<Put> = docs
            .iter()
            .map(|d| Put {
                doc: d,
                condition: Condition::Absent,
                ttl_ms: None,
            })
            .collect();
        to.put_batch(&puts).unwrap();
    };
    let mem = MemoryStore::new();
    copy(&store::file::FileStore::open(&src).unwrap(), &mem);
    let dst = env.rooms_dir("dst");
    copy(&mem, &store::file::FileStore::open(&dst).unwrap());
    for name in ["one.json", "two.json"] {
        assert_eq!(
            fs::read(src.join(name)).unwrap(),
            fs::read(dst.join(name)).unwrap()
        );
    }
}

#[test]
fn import_never_overwrites_a_non_room_key() {
    let server = RedisServer::start();
    let mut con = client(&server);
    let _: () = con.sadd("room:members:1", "ann").unwrap();
    let env = TestEnv::new();
    let archive = json!([room("members:1"), room("fine")]).to_string();
    env.roomctl()
        .args([
            "-s",
            &server.url(),
            "import",
            "-",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .write_stdin(archive)
        .assert()
        .code(5);
    let t: String = redis::cmd("TYPE")
        .arg("room:members:1")
        .query(&mut con)
        .unwrap();
    assert_eq!(t, "set");
}

/// How long redis-server's one thread spent in commands since the last
/// `CONFIG RESETSTAT`, in microseconds per room (`INFO commandstats`).
fn server_usec_per_room(con: &mut redis::Connection, rooms: u64) -> f64 {
    let stats: String = redis::cmd("INFO").arg("commandstats").query(con).unwrap();
    let usec: f64 = stats
        .lines()
        .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_info:"))
        .filter_map(|l| l.split([':', ',']).find_map(|kv| kv.strip_prefix("usec=")))
        .map(|v| v.parse::<f64>().unwrap())
        .sum();
    usec / rooms as f64
}

#[test]
fn conditional_writes_compare_the_bytes_roomctl_judged_and_decode_nothing() {
    // Large rooms (about 600 KB each): decoding one costs redis-server
    // milliseconds, comparing it a few microseconds.
    let server = RedisServer::start();
    let mut con = client(&server);
    let big = |name: &str, user: &str| {
        let mut doc = room(name);
        doc["createdAt"] = json!("2026-01-01T00:00:00.000Z");
        doc["creatorPlexUsername"] = json!(user);
        let ratings: serde_json::Map<String, Value> = (0..6000)
            .map(|i| {
                let vote = json!([
                    ["ann", "like", 1767225600000_i64 + i],
                    ["bob", "dislike", 1767225600000_i64]
                ]);
                (format!("plex://movie/{i}"), vote)
            })
            .collect();
        doc["ratings"] = Value::Object(ratings);
        doc
    };
    let names: Vec<String> = (0..8).map(|i| format!("big {i}")).collect();
    for name in &names {
        set_room(&mut con, &big(name, "ann"));
    }
    let env = TestEnv::new();
    let newer: Vec<Value> = names.iter().map(|n| big(n, "bob")).collect();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    env.roomctl()
        .args([
            "-s",
            &server.url(),
            "import",
            "-",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .write_stdin(Value::Array(newer).to_string())
        .assert()
        .success();
    let overwrite_us = server_usec_per_room(&mut con, 8);
    let stored: String = con.get("room:big 3").unwrap();
    assert!(stored.contains(r#""creatorPlexUsername":"bob""#));

    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    env.roomctl()
        .args([
            "-s",
            &server.url(),
            "prune-inactive",
            "--older-than",
            "30d",
            "--now",
            "2026-11-01T00:00:00Z",
            "--yes",
        ])
        .assert()
        .success();
    let delete_us = server_usec_per_room(&mut con, 8);
    let left: Vec<String> = con.keys("room:*").unwrap();
    assert!(left.is_empty(), "{left:?}");
    // What decoding one such room costs this redis-server, now: the
    // scripts of old did that, for each room, on top of all that is done
    // now (reading the rooms, comparing, writing or deleting them).
    let value = serde_json::to_vec(&big("big 0", "ann")).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    for _ in 0..8 {
        let _: i64 = redis::cmd("EVAL")
            .arg("cjson.decode(ARGV[1]) return 1")
            .arg(0)
            .arg(&value)
            .query(&mut con)
            .unwrap();
    }
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    let decode_us: f64 = stats
        .lines()
        .find_map(|l| l.strip_prefix("cmdstat_eval:"))
        .and_then(|l| {
            l.split(',')
                .find_map(|kv| kv.strip_prefix("usec_per_call="))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{stats}"));
    eprintln!(
        "server: {overwrite_us:.0} µs per overwrite, {delete_us:.0} µs per delete; decoding one room {decode_us:.0} µs"
    );
    assert!(
        overwrite_us < 0.6 * decode_us && delete_us < 0.5 * decode_us,
        "the server spent {overwrite_us} µs per overwrite and {delete_us} µs per delete, \
         where decoding the room takes {decode_us} µs: it decodes what it need \
         only compare"
    );
}
