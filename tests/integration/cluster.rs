//! Redis Cluster: every command through the real binary on a real
//! three-primary cluster, compared with the same commands on one server;
//! batching per node; resharding (ASK, MOVED) followed; a node lost in the
//! middle of an export, retried or reported, and the clean re-run.

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::redis::{RedisCluster, RedisServer};
use crate::support::{TestEnv, archive_rooms, export_dir, room, stdout_json, write_room};
use redis::Commands;
use roomctl::room::RoomDocument;
use roomctl::store::contract::sample_room;
use roomctl::store::redis_store::RedisStore;
use roomctl::store::{
    Condition, Delete, DeleteOutcome, Entry, Lookup, Put, PutOutcome, ScanOptions, Store,
    StoreSpec, collect,
};
use serde_json::{Value, json};

/// Names that are awkward for files, globs, terminals — and, with braces,
/// for hash slots: `{tag}` decides the slot of `room:{tag}…`.
const AWKWARD: &[&str] = &[
    "movie night",
    "../../etc/passwd",
    "🎬 popcorn 🍿",
    "\u{1b}[31mred\u{1b}[0m",
    "*?[glob]",
    "{tag}one",
    "{tag}two",
    "a{}b",
    "{",
];

/// An archive of `extra` plain rooms plus the awkward ones, each with an
/// unknown field, made by exporting a room directory.
fn archive(env: &TestEnv, extra: usize) -> PathBuf {
    let dir = env.rooms_dir("src");
    let names = AWKWARD
        .iter()
        .map(|n| n.to_string())
        .chain((0..extra).map(|i| format!("room {i:04}")));
    for name in names {
        let mut r = room(&name);
        r["zFuture"] = json!({"kept": [1, "two", null]});
        write_room(&dir, &r);
    }
    export_dir(env, &dir)
}

/// What a command did: exit code, stdout, and stderr lines sorted (a
/// cluster is scanned in another order than one server).
#[derive(Debug, PartialEq)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: Vec<String>,
}

fn run(env: &TestEnv, store: &str, args: &[&str]) -> Run {
    let out = env
        .roomctl()
        .args(["-s", store])
        .args(args)
        .output()
        .expect("run roomctl");
    let mut stderr: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| l.replace(store, "STORE"))
        .collect();
    stderr.sort();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).replace(store, "STORE"),
        stderr,
    }
}

/// Plants what a shared database holds beside the rooms.
fn plant_neighbours(con: &mut impl redis::ConnectionLike) {
    let mut exec = |cmd: &mut redis::Cmd| cmd.exec(con).expect("plant");
    exec(redis::cmd("SADD").arg("room:members:1").arg("ann"));
    exec(redis::cmd("ZADD").arg("room:messages:1").arg(1).arg("hi"));
    exec(
        redis::cmd("SET")
            .arg("room:broken")
            .arg("{\"roomName\": \"broken\""),
    );
    exec(
        redis::cmd("SET")
            .arg("room:misnamed")
            .arg(sample_room("someone else").to_compact()),
    );
    exec(
        redis::cmd("SET")
            .arg("other:outside")
            .arg(sample_room("outside").to_compact()),
    );
}

#[test]
fn every_command_behaves_on_a_cluster_as_on_one_server() {
    let env = TestEnv::new();
    let archive = archive(&env, 300);
    let server = RedisServer::start();
    let cluster = RedisCluster::start();
    plant_neighbours(&mut server.connection());
    plant_neighbours(&mut cluster.client());
    // The cluster is named by one node: the others are discovered.
    let stores = [server.url(), cluster.seed_url(2)];
    let archive = archive.to_string_lossy().into_owned();
    let steps: Vec<Vec<&str>> = vec![
        vec!["import", &archive],
        vec!["import", &archive],
        vec!["list", "-o", "json"],
        vec!["list"],
        vec!["show", "{tag}one", "-o", "json"],
        vec!["show", "movie night"],
        vec!["show", "misnamed"],
        vec!["show", "nobody"],
        vec![
            "delete",
            "{tag}one",
            "members:1",
            "broken",
            "misnamed",
            "--yes",
        ],
        vec!["delete", "🎬 popcorn 🍿", "{tag}two", "--yes", "-o", "json"],
        vec![
            "delete",
            "broken",
            "--include-invalid",
            "--yes",
            "-o",
            "json",
        ],
        vec!["delete", "{", "nobody", "--dry-run", "-o", "json"],
        vec![
            "delete",
            "{",
            "nobody",
            "--dry-run",
            "--ignore-missing",
            "-o",
            "json",
        ],
        vec!["list", "-o", "ndjson"],
    ];
    let mut runs = Vec::new();
    for step in &steps {
        let on_server = run(&env, &stores[0], step);
        let on_cluster = run(&env, &stores[1], step);
        assert_eq!(on_cluster, on_server, "roomctl {step:?}");
        runs.push(on_cluster);
    }
    // And what they did is what was asked.
    let rooms = AWKWARD.len() + 300;
    let created = format!("imported {rooms} of {rooms} rooms ({rooms} created)");
    assert!(
        runs[0].stderr.iter().any(|l| l.starts_with(&created)),
        "{:?}",
        runs[0]
    );
    let unchanged = format!("imported 0 of {rooms} rooms; {rooms} unchanged");
    assert!(
        runs[1].stderr.iter().any(|l| l.contains(&unchanged)),
        "{:?}",
        runs[1]
    );
    let listed: Value = serde_json::from_str(&runs[2].stdout).expect("list json");
    assert_eq!(listed.as_array().map(Vec::len), Some(rooms));
    assert_eq!(
        runs[2]
            .stderr
            .iter()
            .filter(|l| l.contains("skipped room:"))
            .count(),
        4
    );
    let shown: Value = serde_json::from_str(&runs[4].stdout).expect("show json");
    assert_eq!(shown["roomName"], "{tag}one");
    assert_eq!(shown["zFuture"], json!({"kept": [1, "two", null]}));
    assert_eq!(runs[7].code, Some(4), "{:?}", runs[7]);
    assert_eq!(runs[8].code, Some(6), "refused: {:?}", runs[8]);
    let report: Value = serde_json::from_str(&runs[9].stdout).expect("delete json");
    assert_eq!(report["deleted"], json!(["🎬 popcorn 🍿", "{tag}two"]));
    let report: Value = serde_json::from_str(&runs[10].stdout).expect("delete json");
    assert_eq!(report["deleted"], json!(["broken"]));
    assert_eq!(runs[11].code, Some(4));
    assert_eq!(runs[13].stdout.lines().count(), rooms - 2);
    // Exports hold the same rooms; and they are the archive's, minus the
    // two deleted.
    let exports: Vec<BTreeSet<String>> = stores
        .iter()
        .zip(["server.jsonl", "cluster.jsonl"])
        .map(|(store, file)| {
            let r = run(&env, store, &["export", file]);
            assert_eq!(r.code, Some(3), "export names the skipped entries: {r:?}");
            archive_rooms(&env.path().join(file))
        })
        .collect();
    assert_eq!(exports[1], exports[0]);
    let mut want = archive_rooms(Path::new(&archive));
    want.retain(|l| !l.contains("\"🎬 popcorn 🍿\"") && !l.contains("\"{tag}two\""));
    let missing: Vec<&String> = want.difference(&exports[1]).collect();
    let extra: Vec<&String> = exports[1].difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    // The keys really are spread over the three primaries, and the
    // neighbours are untouched.
    for i in 0..3 {
        let keys: i64 = redis::cmd("DBSIZE")
            .query(&mut cluster.node_connection(i))
            .expect("dbsize");
        assert!(keys > 50, "node {i} holds {keys} keys");
    }
    let mut con = cluster.client();
    assert_eq!(con.scard::<_, i64>("room:members:1").expect("scard"), 1);
    assert!(con.exists::<_, bool>("room:misnamed").expect("exists"));
    assert!(con.exists::<_, bool>("other:outside").expect("exists"));
    assert!(!con.exists::<_, bool>("room:broken").expect("exists"));
}

#[test]
fn a_single_server_url_on_a_cluster_node_says_what_to_do() {
    let env = TestEnv::new();
    let cluster = RedisCluster::start();
    let port = cluster.ports()[0];
    // Keys of other slots are MOVED: the store name must say cluster.
    let names: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    let out = env
        .roomctl()
        .args([
            "-s",
            &format!("redis://127.0.0.1:{port}"),
            "delete",
            "--yes",
        ])
        .args(&names)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("name the store redis+cluster://127.0.0.1:{port}")),
        "{stderr}"
    );
    // And a cluster URL on a single server says the opposite.
    let server = RedisServer::start();
    let out = env
        .roomctl()
        .args([
            "-s",
            &format!("redis+cluster://127.0.0.1:{}", server.port()),
            "list",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a cluster node"), "{stderr}");
    assert!(
        stderr.contains(&format!("redis://127.0.0.1:{}", server.port())),
        "{stderr}"
    );
}

#[test]
fn unreachable_seeds_are_all_named() {
    let env = TestEnv::new();
    let ports = [
        support::redis::free_port().expect("port"),
        support::redis::free_port().expect("port"),
    ];
    let url = format!(
        "redis+cluster://127.0.0.1:{},127.0.0.1:{}",
        ports[0], ports[1]
    );
    let out = env
        .roomctl()
        .args(["-s", &url, "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for port in ports {
        assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    }
    assert!(stderr.contains("no seed node answered"), "{stderr}");
}

fn cluster_store(cluster: &RedisCluster) -> RedisStore {
    let StoreSpec::Redis(config) = StoreSpec::parse(&cluster.url()).expect("parse") else {
        panic!("not a Redis store");
    };
    RedisStore::connect(&config).expect("connect to the cluster")
}

fn puts<'a>(docs: &'a [RoomDocument], condition: Condition<'static>) -> Vec<Put<'a>> {
    docs.iter()
        .map(|doc| Put {
            doc,
            condition,
            ttl_ms: None,
        })
        .collect()
}

#[test]
fn every_operation_is_pipelined_per_node() {
    const ROOMS: usize = 2_500;
    let cluster = RedisCluster::start();
    let s = cluster_store(&cluster);
    let docs: Vec<RoomDocument> = (0..ROOMS)
        .map(|i| sample_room(&format!("room-{i:05}")))
        .collect();
    let names: Vec<&str> = docs.iter().map(|d| d.name()).collect();
    // One round trip per key would be at least ROOMS reads on the nodes.
    let few = (ROOMS / 10) as u64;
    let check = |what: &str, run: &mut dyn FnMut()| {
        let before = cluster.reads_processed();
        run();
        let reads = cluster.reads_processed() - before;
        assert!(reads < few, "{what}: {reads} reads for {ROOMS} rooms");
    };
    check("create", &mut || {
        let outs = s.put_batch(&puts(&docs, Condition::Absent)).expect("put");
        assert!(outs.iter().all(|o| *o == PutOutcome::Written));
    });
    check("overwrite", &mut || {
        let outs = s
            .put_batch(&puts(&docs, Condition::Overwrite))
            .expect("put");
        assert!(outs.iter().all(|o| *o == PutOutcome::Written));
    });
    check("scan", &mut || {
        let n: usize = s
            .scan(ScanOptions {
                with_ttl: true,
                ..ScanOptions::default()
            })
            .expect("scan")
            .map(|b| b.expect("batch").len())
            .sum();
        assert_eq!(n, ROOMS);
    });
    let mut stored = Vec::new();
    check("get", &mut || stored = s.get_batch(&names).expect("get"));
    assert!(stored.iter().all(|l| matches!(l, Lookup::Found(_))));
    check("delete", &mut || {
        let deletes: Vec<Delete<'_>> = names.iter().map(|n| Delete::named(n)).collect();
        let outs = s.delete_batch(&deletes).expect("delete");
        assert!(outs.iter().all(|o| *o == DeleteOutcome::Deleted));
    });
}

/// Ids and ports of the nodes, by index.
fn node_id(cluster: &RedisCluster, i: usize) -> String {
    redis::cmd("CLUSTER")
        .arg("MYID")
        .query(&mut cluster.node_connection(i))
        .expect("CLUSTER MYID")
}

fn setslot(cluster: &RedisCluster, on: usize, slot: u16, state: &str, id: &str) {
    redis::cmd("CLUSTER")
        .arg("SETSLOT")
        .arg(slot)
        .arg(state)
        .arg(id)
        .exec(&mut cluster.node_connection(on))
        .unwrap_or_else(|e| panic!("SETSLOT {slot} {state} on node {on}: {e}"));
}

fn migrate(cluster: &RedisCluster, from: usize, to: usize, keys: &[String]) {
    if keys.is_empty() {
        return;
    }
    let mut cmd = redis::cmd("MIGRATE");
    cmd.arg("127.0.0.1")
        .arg(cluster.ports()[to])
        .arg("")
        .arg(0)
        .arg(5000)
        .arg("KEYS")
        .arg(keys);
    cmd.exec(&mut cluster.node_connection(from))
        .expect("MIGRATE");
}

fn names_of(s: &dyn Store) -> Vec<String> {
    let mut names = Vec::new();
    for batch in s.scan(ScanOptions::default()).expect("scan") {
        for e in batch.expect("batch") {
            match e {
                Entry::Room(r) => names.push(r.facts.name),
                Entry::Problem(p) => panic!("{p:?}"),
            }
        }
    }
    names.sort();
    names
}

#[test]
fn a_resharding_is_followed_through_ask_and_moved() {
    let cluster = RedisCluster::start();
    let s = cluster_store(&cluster);
    // Every room of the `{mv}` tag lives in one slot.
    let docs: Vec<RoomDocument> = (0..10)
        .map(|i| sample_room(&format!("{{mv}}{i}")))
        .collect();
    let outs = s.put_batch(&puts(&docs, Condition::Absent)).expect("put");
    assert!(outs.iter().all(|o| *o == PutOutcome::Written));
    let others: Vec<RoomDocument> = (0..30)
        .map(|i| sample_room(&format!("other {i}")))
        .collect();
    s.put_batch(&puts(&others, Condition::Absent)).expect("put");
    let slot = roomctl::store::redis_store::key_slot(b"room:{mv}0");
    let from = cluster.node_of(b"room:{mv}0");
    let to = (from + 1) % 3;
    let (from_id, to_id) = (node_id(&cluster, from), node_id(&cluster, to));

    // Half-way through a migration: half the keys on each node. Reads,
    // writes and deletes follow ASK; a one-key MGET never meets TRYAGAIN.
    setslot(&cluster, to, slot, "IMPORTING", &from_id);
    setslot(&cluster, from, slot, "MIGRATING", &to_id);
    let moved: Vec<String> = (0..5).map(|i| format!("room:{{mv}}{i}")).collect();
    migrate(&cluster, from, to, &moved);
    let names: Vec<&str> = docs.iter().map(|d| d.name()).collect();
    let found = s.get_batch(&names).expect("get during migration");
    assert!(
        found.iter().all(|l| matches!(l, Lookup::Found(_))),
        "{found:?}"
    );
    let newcomer = [sample_room("{mv}new")];
    assert_eq!(
        s.put_batch(&puts(&newcomer, Condition::Absent))
            .expect("put"),
        vec![PutOutcome::Written]
    );
    assert_eq!(
        s.put_batch(&puts(&docs[..1], Condition::Overwrite))
            .expect("put"),
        vec![PutOutcome::Written]
    );
    assert_eq!(
        s.delete_batch(&[Delete::named("{mv}9")]).expect("delete"),
        vec![DeleteOutcome::Deleted]
    );
    let mut want: Vec<String> = docs[..9]
        .iter()
        .chain(&newcomer)
        .chain(&others)
        .map(|d| d.name().to_string())
        .collect();
    want.sort();
    assert_eq!(names_of(&s), want, "every room once, mid-migration");

    // The migration ends: the store's map is stale, and MOVED corrects it.
    let rest: Vec<String> = (5..9).map(|i| format!("room:{{mv}}{i}")).collect();
    migrate(&cluster, from, to, &rest);
    for i in [to, from, 3 - to - from] {
        setslot(&cluster, i, slot, "NODE", &to_id);
    }
    cluster.wait_ok().expect("cluster ok after the move");
    let found = s.get_batch(&names[..9]).expect("get after migration");
    assert!(
        found.iter().all(|l| matches!(l, Lookup::Found(_))),
        "{found:?}"
    );
    assert_eq!(
        s.delete_batch(&[Delete::named("{mv}new")]).expect("delete"),
        vec![DeleteOutcome::Deleted]
    );
    want.retain(|n| n != "{mv}new");
    assert_eq!(names_of(&s), want);
    let keys: i64 = redis::cmd("CLUSTER")
        .arg("COUNTKEYSINSLOT")
        .arg(slot)
        .query(&mut cluster.node_connection(to))
        .expect("countkeysinslot");
    assert_eq!(keys, 9);
    let (rooms, problems) = collect(&s).expect("collect");
    assert_eq!(rooms.len(), 39);
    assert!(problems.is_empty());
}

/// Rooms big enough that a few hundred fill a pipe: an export to a pipe
/// nobody reads stops half-way, its connections idle.
fn big_archive(env: &TestEnv, rooms: usize) -> PathBuf {
    let dir = env.rooms_dir("big");
    for i in 0..rooms {
        let mut r = room(&format!("room {i:05}"));
        r["zPadding"] = json!("x".repeat(1000));
        write_room(&dir, &r);
    }
    let out = env.path().join("big.jsonl");
    env.roomctl()
        .arg("-s")
        .arg(&dir)
        .arg("export")
        .arg(&out)
        .assert()
        .success();
    out
}

/// Starts `roomctl -s STORE export -` with stdout piped, and reads the
/// archive's header and first room: the export is under way, and blocked
/// on the pipe.
fn start_export(
    env: &TestEnv,
    store: &str,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("roomctl"))
        .current_dir(env.path())
        .env_remove("REDIS_URL")
        .env_remove("STORAGE_TYPE")
        .args(["-s", store, "export", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn roomctl export");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for _ in 0..2 {
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read a line of the export");
        assert!(line.starts_with('{'), "{line:?}");
    }
    (child, stdout)
}

fn kill_clients(cluster: &RedisCluster) {
    for i in 0..3 {
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("normal")
            .arg("SKIPME")
            .arg("yes")
            .exec(&mut cluster.node_connection(i))
            .expect("CLIENT KILL");
    }
}

#[test]
fn an_export_survives_lost_connections_and_resumes_after_a_lost_node() {
    // Enough rooms for several SCAN pages per primary: the export reads a
    // batch or two ahead of what it writes, and the connections killed below
    // must still have pages to read afterwards.
    const ROOMS: usize = 20_000;
    let env = TestEnv::new();
    let archive = big_archive(&env, ROOMS);
    let mut cluster = RedisCluster::start();
    let url = cluster.url();
    env.roomctl()
        .args(["-s", &url, "import"])
        .arg(&archive)
        .assert()
        .success();

    // Every node drops roomctl's connections mid-export: retried, reported,
    // and the archive is whole.
    let (mut child, mut stdout) = start_export(&env, &url);
    kill_clients(&cluster);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read the export");
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("lost the connection"), "{stderr}");
    assert!(
        stderr.contains("retrying in 50 ms (attempt 2 of 8)"),
        "{stderr}"
    );
    let trailer = rest.lines().last().expect("trailer");
    assert!(trailer.contains(&format!("\"rooms\":{ROOMS}")), "{trailer}");

    // The last primary in scan order stops for good mid-export: one clear
    // error naming it, after the retries, and exit 7.
    let gone = cluster.ports()[2];
    let (mut child, mut stdout) = start_export(&env, &url);
    cluster.stop(2);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read the export");
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(7), "{stderr}");
    let error: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("roomctl: error:"))
        .collect();
    assert_eq!(error.len(), 1, "{stderr}");
    let error = error[0];
    assert!(error.contains(&format!("127.0.0.1:{gone}")), "{error}");
    assert!(error.contains("gave up after 8 attempts"), "{error}");
    assert!(
        error.contains(&format!("redis-cli -h 127.0.0.1 -p {gone} cluster info")),
        "{error}"
    );
    assert!(error.contains("run the command again"), "{error}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("retrying in")).count(),
        7,
        "{stderr}"
    );
    assert!(
        !rest.contains("\"$roomctl\":\"trailer\""),
        "a cut archive has no trailer"
    );

    // The node is back: the same export runs through, every room in it.
    cluster.restart(2);
    env.roomctl()
        .args(["-s", &url, "export", "again.jsonl"])
        .assert()
        .success();
    assert_eq!(
        archive_rooms(&env.path().join("again.jsonl")),
        archive_rooms(&archive)
    );
    // And an import of the same archive finds nothing to do.
    let out = env
        .roomctl()
        .args(["-s", &url, "import", "-o", "json"])
        .arg(&archive)
        .output()
        .expect("run");
    assert!(out.status.success());
    let summary: Value = stdout_json(&out);
    assert_eq!(summary["unchanged"], ROOMS as u64);
}

#[test]
fn every_command_runs_on_a_tls_cluster() {
    let env = TestEnv::new();
    let archive = archive(&env, 100);
    let cluster = RedisCluster::start_tls();
    let store = cluster.seed_url(0);
    assert!(store.starts_with("rediss+cluster://"), "{store}");
    let ca = cluster.tls().ca().to_string_lossy().into_owned();
    let roomctl = || {
        let mut cmd = env.roomctl();
        cmd.args(["-s", &store, "--tls-ca", &ca]);
        cmd
    };
    roomctl().arg("import").arg(&archive).assert().success();
    let out = roomctl()
        .args(["list", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let rooms = AWKWARD.len() + 100;
    assert_eq!(stdout_json(&out).as_array().map(Vec::len), Some(rooms));
    let out = roomctl()
        .args(["show", "{tag}one", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(stdout_json(&out)["roomName"], "{tag}one");
    roomctl()
        .args(["delete", "{tag}two", "--yes"])
        .assert()
        .success();
    roomctl().args(["export", "back.jsonl"]).assert().success();
    let mut want = archive_rooms(&archive);
    want.retain(|l| !l.contains("\"{tag}two\""));
    assert_eq!(archive_rooms(&env.path().join("back.jsonl")), want);
    for i in 0..3 {
        let keys: i64 = redis::cmd("DBSIZE")
            .query(&mut cluster.node_connection(i))
            .expect("dbsize");
        assert!(keys > 10, "node {i} holds {keys} keys");
    }
    // Without the CA, the seed's certificate is not trusted.
    env.roomctl()
        .args(["-s", &store, "list"])
        .assert()
        .code(7)
        .stderr(predicates::str::contains("--tls-ca"));
}

#[test]
fn a_scan_during_a_slot_move_says_it_may_be_incomplete() {
    use std::sync::{Arc, Mutex};
    let cluster = RedisCluster::start();
    let reports = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&reports);
    let s = cluster_store(&cluster).with_retry_report(Arc::new(move |line: &str| {
        sink.lock().expect("reports").push(line.to_string())
    }));
    let docs: Vec<RoomDocument> = (0..3000).map(|i| sample_room(&format!("r{i}"))).collect();
    s.put_batch(&puts(&docs, Condition::Absent)).expect("put");
    // A scan that sees no move says nothing.
    assert_eq!(names_of(&s).len(), 3000);
    assert!(reports.lock().expect("reports").is_empty());

    let mut scan = s.scan(ScanOptions::default()).expect("scan");
    let mut seen = scan.next().expect("a first batch").expect("batch").len();
    // Meanwhile, an empty slot of the last primary moves to the first.
    let slot: u16 = 16383;
    let keys: i64 = redis::cmd("CLUSTER")
        .arg("COUNTKEYSINSLOT")
        .arg(slot)
        .query(&mut cluster.node_connection(2))
        .expect("countkeysinslot");
    assert_eq!(keys, 0, "choose an empty slot");
    let (from_id, to_id) = (node_id(&cluster, 2), node_id(&cluster, 0));
    setslot(&cluster, 0, slot, "IMPORTING", &from_id);
    setslot(&cluster, 2, slot, "MIGRATING", &to_id);
    for i in [0, 2, 1] {
        setslot(&cluster, i, slot, "NODE", &to_id);
    }
    cluster.wait_ok().expect("cluster ok after the move");
    for batch in scan {
        seen += batch.expect("batch").len();
    }
    assert_eq!(seen, 3000);
    let reports = reports.lock().expect("reports").clone();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("moved hash slots during the scan"),
        "{reports:?}"
    );
}
