//! The server writing the same rooms while roomctl works on them.
//!
//! A writer thread plays the server: it rewrites rooms the way the server
//! does — `<safe>.json.tmp` then a rename over `<safe>.json` in a room
//! directory, a plain `SET` in Redis — in a shuffled order, spread over the
//! time one run of roomctl takes, each room twice, every write a newer
//! version (a later `lastActivityAt`, a higher version in a field roomctl
//! does not know). Every write is a fault injected: roomctl read the room
//! before it, and decides on what it read.
//!
//! The promise: no write of the server is lost. A room the writer touched
//! ends as the writer's last write, except where roomctl's policy says
//! otherwise (`migrate-backend --delete-source` may delete a source room
//! whose copy verified; then the target holds that same last write). A
//! prune never deletes a room the server wrote after the prune read it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::harness::*;
use crate::support::TestEnv;
use crate::support::redis::RedisServer;

const STALE: &str = "2026-01-15T00:00:00.000Z";
const OLD: &str = "2026-06-01T00:00:00.000Z";
const RECENT: &str = "2026-10-30T00:00:00.000Z";
/// What the server writes: later than anything roomctl copies.
const NOW: &str = "2026-10-31T12:00:00.000Z";

const FILE_ROOMS: usize = 600;
const REDIS_ROOMS: usize = 2000;

/// Where the writer writes.
#[derive(Clone)]
enum Place {
    Dir(PathBuf),
    Redis(String),
}

/// The writer thread; `finish` stops it and returns its last write of each
/// room it touched, and how many writes it made.
struct Writer {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(Rooms, usize)>,
}

/// Every fourth room, in a shuffled order, twice (the second pass in
/// another order): the rooms the writer touches, in the order it does.
fn schedule(names: &[String], seed: u64) -> Vec<String> {
    let mut state = seed | 1;
    let mut next = move || {
        // xorshift64: a fixed, reproducible order.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let chosen: Vec<String> = names.iter().step_by(4).cloned().collect();
    let mut order = Vec::new();
    for _ in 0..2 {
        let mut pass = chosen.clone();
        for i in (1..pass.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            pass.swap(i, j);
        }
        order.extend(pass);
    }
    order
}

impl Writer {
    /// Starts writing `order` to `place`, one write every `pace`.
    fn start(place: Place, order: Vec<String>, pace: Duration) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            let mut redis = match &place {
                Place::Redis(url) => Some(
                    redis::Client::open(url.as_str())
                        .and_then(|c| c.get_connection())
                        .expect("writer connection"),
                ),
                Place::Dir(_) => None,
            };
            let mut last = Rooms::new();
            let mut writes = 0;
            let started = Instant::now();
            for (k, name) in order.iter().enumerate() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let doc = room(name, 100 + k as u64, NOW);
                match (&place, redis.as_mut()) {
                    (Place::Dir(dir), _) => write_server_style(dir, &doc),
                    (Place::Redis(_), Some(con)) => {
                        redis::cmd("SET")
                            .arg(format!("room:{name}"))
                            .arg(serde_json::to_vec(&doc).expect("json"))
                            .exec(con)
                            .expect("SET");
                    }
                    (Place::Redis(_), None) => unreachable!(),
                }
                last.insert(name.clone(), doc);
                writes += 1;
                // Keep to the schedule whatever each write cost.
                let due = started + pace.mul_f64(k as f64 + 1.0);
                thread::sleep(due.saturating_duration_since(Instant::now()));
            }
            (last, writes)
        });
        Writer { stop, handle }
    }

    fn finish(self) -> (Rooms, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("writer thread")
    }
}

/// Runs `command` while the writer writes; counts each write as a fault
/// injected and returns the writer's last write of each room, and what
/// roomctl printed on stdout.
fn race(
    tally: &mut Tally,
    env: &TestEnv,
    command: &[String],
    place: Place,
    order: Vec<String>,
    took: Duration,
) -> (Rooms, serde_json::Value) {
    // Every write lands in the first half of the undisturbed run's time,
    // so that a run faster than that one still meets most of them.
    let pace = took.mul_f64(0.5) / order.len().max(1) as u32;
    let child = spawn(env, command);
    let writer = Writer::start(place, order, pace);
    let out = child.wait_with_output().expect("wait");
    let (written, writes) = writer.finish();
    for _ in 0..writes {
        tally.injected();
    }
    // 3: a room changed under roomctl, which it says (and keeps).
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 3)),
        "{command:?}: {code:?}\n{}",
        stderr(&out)
    );
    let printed = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (written, printed)
}

/// Asserts each touched room ends as the writer's last write, and each
/// other room as `untouched` says; then every write survived.
fn assert_writes_kept(
    tally: &mut Tally,
    actual: &Rooms,
    written: &Rooms,
    untouched: &Rooms,
    all: &[String],
    context: &str,
) {
    for name in all {
        match written.get(name) {
            Some(last) => assert_eq!(
                actual.get(name),
                Some(last),
                "{context}: the server's last write of {name:?} was lost"
            ),
            None => assert_eq!(
                actual.get(name),
                untouched.get(name),
                "{context}: {name:?}, which the server did not touch"
            ),
        }
    }
    tally.all_survived();
}

/// Counts the rooms roomctl found changed between reading and writing (or
/// deleting) them: the races its conditional writes settled.
fn note_changed(tally: &mut Tally, count: &serde_json::Value) {
    let n = count.as_u64().expect("a count of changed rooms");
    tally.note(
        "rooms changed between roomctl's read and its write or delete",
        n as usize,
    );
}

/// `n` rooms, stale, plus as many recently active.
fn prune_rooms(n: usize) -> (Vec<String>, Rooms, Rooms) {
    let names = names(n);
    let mut all = Rooms::new();
    let mut active = Rooms::new();
    for (k, name) in names.iter().enumerate() {
        let doc = room(name, 1, if k % 4 == 3 { RECENT } else { STALE });
        if k % 4 == 3 {
            active.insert(name.clone(), doc.clone());
        }
        all.insert(name.clone(), doc);
    }
    (names, all, active)
}

fn prune_command(store: &str) -> Vec<String> {
    args(&[
        "-s",
        store,
        "prune-inactive",
        "--older-than",
        "30d",
        "--now",
        "2026-11-01T00:00:00Z",
        "--yes",
        "-o",
        "json",
    ])
}

#[test]
fn server_writes_during_prune() {
    let mut tally = Tally::new("server_writes_during_prune");
    let env = TestEnv::new();
    // A room directory.
    let dir = env.path().join("rooms");
    let (names, all, active) = prune_rooms(FILE_ROOMS);
    let command = prune_command("rooms");
    let took = measure(&env, &command, || plant_files(&dir, &all));
    plant_files(&dir, &all);
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Dir(dir.clone()),
        schedule(&names, 1),
        took,
    );
    assert_writes_kept(
        &mut tally,
        &file_rooms(&dir),
        &written,
        &active,
        &names,
        "files",
    );
    note_changed(&mut tally, &printed["summary"]["changed"]);
    // Redis.
    let server = RedisServer::start();
    let url = server.url();
    let (names, all, active) = prune_rooms(REDIS_ROOMS);
    let command = prune_command(&url);
    let mut con = server.connection();
    let took = measure(&env, &command, || plant_redis(&mut con, &all));
    plant_redis(&mut con, &all);
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Redis(url.clone()),
        schedule(&names, 2),
        took,
    );
    let actual = redis_rooms(&mut con);
    assert_writes_kept(&mut tally, &actual, &written, &active, &names, "redis");
    note_changed(&mut tally, &printed["summary"]["changed"]);
    tally.finish(100);
}

/// Old versions of every room in the target, newer ones in the source or
/// archive: `--on-conflict newer` replaces each, by compare-and-swap.
fn replace_rooms(n: usize) -> (Vec<String>, Rooms, Rooms) {
    let names = names(n);
    (
        names.clone(),
        rooms_of(&names, 0, OLD),
        rooms_of(&names, 1, RECENT),
    )
}

#[test]
fn server_writes_during_import() {
    let mut tally = Tally::new("server_writes_during_import");
    let env = TestEnv::new();
    let dir = env.path().join("rooms");
    let (names, old, new) = replace_rooms(FILE_ROOMS);
    plant_files(&env.path().join("from"), &new);
    assert_ok(
        &run(&env, &args(&["-s", "from", "export", "new.jsonl"])),
        "export",
    );
    let command = args(&[
        "-s",
        "rooms",
        "import",
        "new.jsonl",
        "--on-conflict",
        "newer",
        "--yes",
        "-o",
        "json",
    ]);
    let took = measure(&env, &command, || plant_files(&dir, &old));
    plant_files(&dir, &old);
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Dir(dir.clone()),
        schedule(&names, 3),
        took,
    );
    assert_writes_kept(
        &mut tally,
        &file_rooms(&dir),
        &written,
        &new,
        &names,
        "files",
    );
    note_changed(&mut tally, &printed["changedMeanwhile"]);

    let server = RedisServer::start();
    let url = server.url();
    let (names, old, new) = replace_rooms(REDIS_ROOMS);
    plant_files(&env.path().join("from-big"), &new);
    assert_ok(
        &run(&env, &args(&["-s", "from-big", "export", "big.jsonl"])),
        "export",
    );
    let command = args(&[
        "-s",
        &url,
        "import",
        "big.jsonl",
        "--on-conflict",
        "newer",
        "--yes",
        "-o",
        "json",
    ]);
    let mut con = server.connection();
    let took = measure(&env, &command, || plant_redis(&mut con, &old));
    plant_redis(&mut con, &old);
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Redis(url.clone()),
        schedule(&names, 4),
        took,
    );
    let actual = redis_rooms(&mut con);
    assert_writes_kept(&mut tally, &actual, &written, &new, &names, "redis");
    note_changed(&mut tally, &printed["changedMeanwhile"]);
    tally.finish(100);
}

#[test]
fn server_writes_during_migrate() {
    let mut tally = Tally::new("server_writes_during_migrate");
    let env = TestEnv::new();
    // The server writes the target (it already runs on it) while the
    // migration replaces older copies there: files → files, files → Redis.
    let src = env.path().join("src");
    let dst = env.path().join("dst");
    let (names, old, new) = replace_rooms(FILE_ROOMS);
    plant_files(&src, &new);
    let command = args(&[
        "-s",
        "src",
        "migrate-backend",
        "--to",
        "dst",
        "--on-conflict",
        "newer",
        "--yes",
    ]);
    let took = measure(&env, &command, || plant_files(&dst, &old));
    plant_files(&dst, &old);
    let (written, _) = race(
        &mut tally,
        &env,
        &command,
        Place::Dir(dst.clone()),
        schedule(&names, 5),
        took,
    );
    assert_writes_kept(
        &mut tally,
        &file_rooms(&dst),
        &written,
        &new,
        &names,
        "file → file",
    );

    let server = RedisServer::start();
    let url = server.url();
    let mut con = server.connection();
    let (names, old, new) = replace_rooms(REDIS_ROOMS);
    plant_files(&src, &new);
    let command = args(&[
        "-s",
        "src",
        "migrate-backend",
        "--to",
        &url,
        "--on-conflict",
        "newer",
        "--yes",
        "-o",
        "json",
    ]);
    let took = measure(&env, &command, || plant_redis(&mut con, &old));
    plant_redis(&mut con, &old);
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Redis(url.clone()),
        schedule(&names, 6),
        took,
    );
    let actual = redis_rooms(&mut con);
    assert_writes_kept(&mut tally, &actual, &written, &new, &names, "file → redis");
    // Rooms the server rewrote after their copy (found at read-back) or
    // before (kept as newer).
    let summary = &printed;
    let seen =
        summary["mismatched"].as_u64().unwrap_or(0) + summary["keptTarget"].as_u64().unwrap_or(0);
    tally.note(
        "rooms the migration found rewritten by the server",
        seen as usize,
    );
    tally.finish(100);
}

#[test]
fn server_writes_source_during_migrate_with_delete_source() {
    // The server still runs on the room directory while it is moved to
    // Redis with --delete-source: a source room is deleted only if the
    // server did not write it after it was copied, so the server's last
    // write of every room is in the source or, the source file deleted, in
    // Redis.
    let mut tally = Tally::new("server_writes_source_during_migrate_with_delete_source");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    let mut con = server.connection();
    let src = env.path().join("src");
    // More rooms than the other tests: moving and deleting them runs on
    // many threads, and the run must last long enough for the writes.
    let names = names(FILE_ROOMS * 4);
    let rooms = rooms_of(&names, 1, RECENT);
    let command = args(&[
        "-s",
        "src",
        "migrate-backend",
        "--to",
        &url,
        "--delete-source",
        "--yes",
        "-o",
        "json",
    ]);
    let took = measure(&env, &command, || {
        plant_files(&src, &rooms);
        plant_redis(&mut con, &Rooms::new());
    });
    plant_files(&src, &rooms);
    plant_redis(&mut con, &Rooms::new());
    let (written, printed) = race(
        &mut tally,
        &env,
        &command,
        Place::Dir(src.clone()),
        schedule(&names, 7),
        took,
    );
    tally.note(
        "source rooms not deleted because the server wrote them after the copy",
        printed["keptInSource"].as_u64().expect("keptInSource") as usize,
    );
    let in_source = file_rooms(&src);
    let in_target = redis_rooms(&mut con);
    let mut deleted_after_copy = 0;
    let mut kept_in_source = 0;
    for name in &names {
        let want = written.get(name).unwrap_or(&rooms[name]);
        match in_source.get(name) {
            Some(doc) => {
                assert_eq!(doc, want, "{name:?}: the source holds an older version");
                kept_in_source += usize::from(written.contains_key(name));
            }
            None => {
                assert_eq!(
                    in_target.get(name),
                    Some(want),
                    "{name:?}: deleted from the source, and Redis lacks its last version"
                );
                deleted_after_copy += usize::from(written.contains_key(name));
            }
        }
    }
    let counts: BTreeMap<&str, usize> = [
        ("written rooms kept in the source", kept_in_source),
        ("written rooms moved whole", deleted_after_copy),
    ]
    .into();
    for (what, n) in counts {
        tally.note(what, n);
    }
    tally.all_survived();
    tally.finish(100);
}
