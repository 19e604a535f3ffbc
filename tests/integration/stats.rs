//! `roomctl stats` through the real binary: on a file store, one Redis
//! server, a Redis Cluster and an archive; the JSON shape, the histogram
//! and what a prune would delete, checked against prune itself.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;
use redis::Commands;
use serde_json::{Value, json};

use crate::support::redis::{RedisCluster, RedisServer};
use crate::support::{TestEnv, stdout_json, write_room};

const NOW: &str = "2026-11-01T00:00:00Z";
const NOW_MS: i64 = 1_793_491_200_000;
const DAY: i64 = 86_400_000;

/// An ISO 8601 instant `days` before [`NOW`].
fn ago(days: f64) -> String {
    roomctl::room::format_timestamp(NOW_MS - (days * DAY as f64) as i64)
}

/// A room created `days` before NOW by creator `id`, with nothing later.
fn aged(name: &str, days: f64, id: &str, username: &str) -> Value {
    json!({
        "roomName": name,
        "sort": "random",
        "createdAt": ago(days),
        "creatorPlexUserId": id,
        "creatorPlexUsername": username,
    })
}

/// Nine rooms whose idle ages fill every bucket, the unknown one included.
/// Creator 1 has four rooms (its newest under the name "annie"), 3 has
/// three, 2 has two.
fn rooms() -> Vec<Value> {
    // Creator 1's newest room, under another username.
    let mut fresh = aged("fresh", 0.05, "1", "annie");
    fresh["password"] = json!("hunter2");
    // Activity from lastActivityAt.
    let mut movie_night = aged("movie night", 3.0, "1", "ann");
    movie_night["lastActivityAt"] = json!(ago(0.1));
    let mut two_months = aged("two months", 100.0, "2", "bob");
    // Activity from the newest rating.
    two_months["ratings"] = json!({
        "plex://movie/1": [
            ["bob", "like", NOW_MS - 60 * DAY],
            ["cy", "like", NOW_MS - 80 * DAY]
        ]
    });
    two_months["userProgress"] = json!({"bob": 1, "cy": 1});
    let mut unknown = aged("unknown", 0.0, "3", "cy");
    unknown["createdAt"] = json!("not a date");
    vec![
        fresh,
        movie_night,
        aged("🎬 popcorn", 0.2, "3", "cy"),
        // Exactly 7 days: prune --older-than 7d keeps it.
        aged("week", 7.0, "1", "ann"),
        aged("two weeks", 14.0, "2", "bob"),
        two_months,
        aged("half year", 200.0, "3", "cy"),
        aged("ancient", 500.0, "1", "ann"),
        unknown,
    ]
}

/// The histogram `rooms()` gives, youngest first, unknown last.
const HISTOGRAM: [u64; 7] = [3, 1, 1, 1, 1, 1, 1];

fn stats_json(env: &TestEnv, store: &str, extra: &[&str]) -> Value {
    let out = env
        .roomctl()
        .args(["-s", store, "stats", "--now", NOW, "-o", "json"])
        .args(extra)
        .output()
        .expect("run roomctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out)
}

/// The checks every store shares: the room facts of `rooms()`.
fn assert_rooms_summed(report: &Value) {
    assert_eq!(report["rooms"], 9, "{report:#}");
    assert_eq!(report["withPassword"], 1);
    assert_eq!(report["ratings"], 2);
    assert_eq!(report["matches"], 1);
    assert_eq!(report["users"], 2);
    let histogram = report["histogram"].as_array().expect("histogram");
    let counts: Vec<u64> = histogram
        .iter()
        .map(|b| b["rooms"].as_u64().expect("rooms"))
        .collect();
    assert_eq!(counts, HISTOGRAM, "{histogram:#?}");
    assert_eq!(
        counts.iter().sum::<u64>(),
        report["rooms"].as_u64().unwrap()
    );
    let ends: Vec<(Value, Value, Value)> = histogram
        .iter()
        .map(|b| {
            (
                b["olderThan"].clone(),
                b["youngerThan"].clone(),
                b["unknown"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ends,
        [
            (json!(null), json!("1d"), json!(false)),
            (json!("1d"), json!("7d"), json!(false)),
            (json!("7d"), json!("30d"), json!(false)),
            (json!("30d"), json!("90d"), json!(false)),
            (json!("90d"), json!("365d"), json!(false)),
            (json!("365d"), json!(null), json!(false)),
            (json!(null), json!(null), json!(true)),
        ]
    );
    assert_eq!(
        report["wouldPrune"],
        json!([
            {"olderThan": "7d", "rooms": 4},
            {"olderThan": "30d", "rooms": 3},
            {"olderThan": "90d", "rooms": 2},
            {"olderThan": "365d", "rooms": 1},
        ])
    );
    assert_eq!(
        report["topCreators"],
        json!([
            {"creatorPlexUserId": "1", "creatorPlexUsername": "annie", "rooms": 4},
            {"creatorPlexUserId": "3", "creatorPlexUsername": "cy", "rooms": 3},
        ])
    );
}

#[test]
fn stats_of_a_file_store_has_the_documented_shape() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    for room in rooms() {
        write_room(&dir, &room);
    }
    fs::write(dir.join("broken.json"), b"{\"roomName\": \"bro").unwrap();
    fs::write(dir.join("nameless.json"), b"{\"sort\": \"random\"}").unwrap();
    fs::write(dir.join("list.json"), b"[1, 2]").unwrap();
    let store = dir.to_string_lossy().into_owned();
    let report = stats_json(&env, &store, &["--top", "2"]);
    assert_rooms_summed(&report);
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "source",
            "now",
            "rooms",
            "invalid",
            "invalidByKind",
            "notRooms",
            "bytes",
            "withPassword",
            "users",
            "ratings",
            "matches",
            "histogram",
            "wouldPrune",
            "topCreators"
        ]
    );
    assert_eq!(report["now"], "2026-11-01T00:00:00.000Z");
    assert_eq!(report["invalid"], 2);
    assert_eq!(
        report["invalidByKind"],
        json!({"invalid": 2, "unreadable": 0, "notAFile": 0, "misnamed": 0})
    );
    assert_eq!(report["notRooms"], 1);
    // Bytes as stored: the room files, pretty.
    let mut sizes: Vec<u64> = rooms()
        .iter()
        .map(|r| serde_json::to_vec_pretty(r).unwrap().len() as u64)
        .collect();
    sizes.sort();
    assert_eq!(report["bytes"]["total"], sizes.iter().sum::<u64>());
    assert_eq!(report["bytes"]["median"], sizes[4]);

    // What a prune would delete is what prune says it would.
    for count in report["wouldPrune"].as_array().unwrap() {
        let older_than = count["olderThan"].as_str().unwrap();
        let out = env
            .roomctl()
            .args(["-s", &store, "prune-inactive", "--dry-run", "--now", NOW])
            .args(["--older-than", older_than, "-o", "json"])
            .output()
            .unwrap();
        let pruned = stdout_json(&out);
        assert_eq!(
            pruned["deleted"].as_array().map(Vec::len),
            count["rooms"].as_u64().map(|n| n as usize),
            "--older-than {older_than}"
        );
    }

    // YAML carries the same report.
    let out = env
        .roomctl()
        .args([
            "-s", &store, "stats", "--now", NOW, "--top", "2", "-o", "yaml",
        ])
        .output()
        .unwrap();
    let yaml: Value = serde_yaml::from_slice(&out.stdout).expect("yaml");
    assert_eq!(yaml, report);
}

#[test]
fn stats_text_draws_the_histogram_as_bars() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    for room in rooms() {
        write_room(&dir, &room);
    }
    // Text from storage is escaped: this creator's name is a terminal
    // title sequence.
    write_room(&dir, &aged("red", 1.5, "9", "\u{1b}]0;owned\u{7}"));
    let out = env
        .roomctl()
        .arg("-s")
        .arg(&dir)
        .args(["stats", "--now", NOW, "--top", "9"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
            .to_string()
    };
    assert!(line("rooms ").contains("10 (1 with a password)"), "{text}");
    // The fullest bucket has the full bar; its count and share follow.
    let fresh = line("<1d ");
    assert!(fresh.contains(&"█".repeat(30)), "{fresh}");
    assert!(fresh.ends_with(" 3  30.0%"), "{fresh}");
    let week = line("1d-7d ");
    assert!(week.contains(&"█".repeat(20)), "{week}");
    assert!(!week.contains(&"█".repeat(21)), "{week}");
    assert!(week.ends_with(" 2  20.0%"), "{week}");
    assert!(line("unknown ").ends_with(" 1  10.0%"));
    assert!(line("30d ").contains(" 3  30.0%"));
    assert!(line("annie (id 1) ").ends_with(" 4  40.0%"));
    assert!(line("\\u{1b}]0;owned\\u{7} (id 9)").ends_with(" 1  10.0%"));
    // No colour and no escape from storage reaches the output.
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

fn plant_redis(con: &mut impl redis::ConnectionLike) {
    for room in rooms() {
        let key = format!("room:{}", room["roomName"].as_str().unwrap());
        redis::cmd("SET")
            .arg(key)
            .arg(room.to_string())
            .exec(con)
            .unwrap();
    }
    // The chat services' keys under the same prefix, and damage.
    redis::cmd("SADD")
        .arg("room:members:1")
        .arg("ann")
        .exec(con)
        .unwrap();
    redis::cmd("SET")
        .arg("room:broken")
        .arg("{\"roomName\"")
        .exec(con)
        .unwrap();
    redis::cmd("SET")
        .arg("other:room")
        .arg(rooms()[0].to_string())
        .exec(con)
        .unwrap();
}

#[test]
fn stats_of_redis_counts_keys_that_are_not_rooms() {
    let server = RedisServer::start();
    plant_redis(&mut server.connection());
    let env = TestEnv::new();
    let report = stats_json(&env, &server.url(), &["--top", "2"]);
    assert_rooms_summed(&report);
    assert_eq!(report["notRooms"], 1, "{report:#}");
    assert_eq!(report["invalid"], 1);
    assert_eq!(report["invalidByKind"]["invalid"], 1);
    // Bytes as stored: compact JSON in Redis.
    let total: usize = rooms().iter().map(|r| r.to_string().len()).sum();
    assert_eq!(report["bytes"]["total"], total);
    let mut con = server.connection();
    assert_eq!(con.scard::<_, i64>("room:members:1").unwrap(), 1);
}

#[test]
fn stats_of_a_cluster_is_that_of_one_server() {
    let server = RedisServer::start();
    let cluster = RedisCluster::start();
    plant_redis(&mut server.connection());
    plant_redis(&mut cluster.client());
    let env = TestEnv::new();
    let mut on_server = stats_json(&env, &server.url(), &["--top", "2"]);
    let mut on_cluster = stats_json(&env, &cluster.seed_url(1), &["--top", "2"]);
    assert_rooms_summed(&on_cluster);
    on_server["source"] = json!("STORE");
    on_cluster["source"] = json!("STORE");
    assert_eq!(on_cluster, on_server);
    // The rooms really are spread over the primaries.
    let spread = (0..3)
        .filter(|&i| {
            redis::cmd("DBSIZE")
                .query::<i64>(&mut cluster.node_connection(i))
                .unwrap()
                > 0
        })
        .count();
    assert!(spread > 1, "all keys on one node");
}

#[test]
fn stats_of_an_archive() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    for room in rooms() {
        write_room(&dir, &room);
    }
    let archive = env.path().join("rooms.jsonl");
    env.roomctl()
        .arg("-s")
        .arg(&dir)
        .arg("export")
        .arg(&archive)
        .assert()
        .success();
    let archive_name = archive.to_string_lossy().into_owned();
    let out = env
        .roomctl()
        .args([
            "stats",
            "--now",
            NOW,
            "--top",
            "2",
            "-o",
            "json",
            "--archive",
        ])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report = stdout_json(&out);
    assert_rooms_summed(&report);
    assert_eq!(report["source"], archive_name.as_str());
    // Bytes of the archive's rooms: compact lines.
    let total: usize = rooms().iter().map(|r| r.to_string().len()).sum();
    assert_eq!(report["bytes"]["total"], total);

    // A cut archive: the complete rooms, and a warning.
    // Cut in the middle of the last room line, before the trailer.
    let text = fs::read_to_string(&archive).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let last_room = lines[lines.len() - 2];
    let kept = text.find(last_room).unwrap() + last_room.len() / 2;
    let cut = env.path().join("cut.jsonl");
    fs::write(&cut, &text[..kept]).unwrap();
    let out = env
        .roomctl()
        .args(["stats", "--now", NOW, "-o", "json", "--archive"])
        .arg(&cut)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["rooms"], 8);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.jsonl is truncated"));

    // An archive import would refuse: one line naming the file and line.
    let bad = env.path().join("bad.jsonl");
    fs::write(&bad, "{\"roomName\":\"x\"}\n").unwrap();
    env.roomctl()
        .args(["stats", "--archive"])
        .arg(&bad)
        .assert()
        .code(8)
        .stdout("")
        .stderr(contains("bad.jsonl: line 1").and(contains("missing creatorPlexUserId")));

    // An archive and a store are two inputs.
    env.roomctl()
        .args(["-s", "rooms", "stats", "--archive"])
        .arg(&archive)
        .assert()
        .code(2)
        .stderr(contains("--archive and --store"));
}
