//! `roomctl prune-inactive`: through the real binary on every backend with
//! a fixed `--now`, including a room the server rewrites while a prune waits
//! at its prompt; and the engine (`roomctl::ops::prune`) against stores that
//! change under it between its passes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::redis::RedisServer;
use crate::support::{TestEnv, pretty, safe_name, stdout_json};

use roomctl::store::{self, Store, StoreSpec};

/// The instant every test prunes at; with `--older-than 30d` the cutoff is
/// 2026-10-02T00:00:00Z.
const NOW: &str = "2026-11-01T00:00:00Z";

fn ms(iso: &str) -> i64 {
    roomctl::room::parse_timestamp(iso).expect("test timestamp")
}

/// A room document as the server writes it, with the given activity.
fn room_at(name: &str, created: &str, newest_rating: Option<&str>, last: Option<&str>) -> Value {
    let mut doc = json!({
        "roomName": name,
        "sort": "random",
        "createdAt": created,
        "creatorPlexUserId": "42",
        "creatorPlexUsername": "ann",
    });
    if let Some(at) = newest_rating {
        let newest = ms(at);
        doc["ratings"] = json!({
            "plex://movie/1": [["ann", "like", newest - 86_400_000], ["bob", "like", newest]],
            "plex://movie/2": [["ann", "dislike", newest - 3 * 86_400_000]]
        });
        doc["userProgress"] = json!({"ann": 2, "bob": 1});
    }
    if let Some(at) = last {
        doc["lastActivityAt"] = json!(at);
    }
    doc["zFutureField"] = json!({"kept": true});
    doc
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Redis,
}

/// A store of one backend, and how the server would write into it.
struct Fixture {
    kind: Kind,
    env: TestEnv,
    dir: PathBuf,
    redis: Option<RedisServer>,
}

impl Fixture {
    fn new(kind: Kind) -> Fixture {
        let env = TestEnv::new();
        let dir = env.rooms_dir("rooms");
        let redis = (kind == Kind::Redis).then(RedisServer::start);
        Fixture {
            kind,
            env,
            dir,
            redis,
        }
    }

    fn uri(&self) -> String {
        match &self.redis {
            None => format!("file:{}", self.dir.display()),
            Some(server) => server.url(),
        }
    }

    /// A plain connection to the Redis server, for what the server (or its
    /// neighbours) would write.
    fn raw(&self) -> ::redis::Connection {
        let server = self.redis.as_ref().expect("a Redis fixture");
        ::redis::Client::open(server.url())
            .and_then(|c| c.get_connection())
            .expect("raw connection")
    }

    fn redis_cmd(&self, cmd: &mut ::redis::Cmd) -> ::redis::Value {
        cmd.query(&mut self.raw()).expect("redis command")
    }

    fn open(&self) -> Box<dyn Store> {
        store::open(&StoreSpec::parse(&self.uri()).expect("uri")).expect("open store")
    }

    /// Writes a room the way the server does (atomically, its layout).
    fn put(&self, doc: &Value) {
        let name = doc["roomName"].as_str().expect("roomName");
        match self.kind {
            Kind::File => {
                let path = self.dir.join(safe_name(name));
                let tmp = self.dir.join(format!("{}.tmp", safe_name(name)));
                fs::write(&tmp, serde_json::to_vec_pretty(doc).expect("json")).expect("write");
                fs::rename(&tmp, &path).expect("rename");
            }
            Kind::Redis => {
                let compact = serde_json::to_vec(doc).expect("json");
                self.redis_cmd(::redis::cmd("SET").arg(format!("room:{name}")).arg(compact));
            }
        }
    }

    /// Raw bytes where the room `name` would live.
    fn put_raw(&self, name: &str, bytes: &[u8]) {
        match self.kind {
            Kind::File => fs::write(self.dir.join(safe_name(name)), bytes).expect("write"),
            Kind::Redis => {
                self.redis_cmd(::redis::cmd("SET").arg(format!("room:{name}")).arg(bytes));
            }
        }
    }

    /// The stored bytes of every room, and the locations of the problems.
    fn snapshot(&self) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
        let (rooms, problems) = store::collect(self.open().as_ref()).expect("collect");
        (
            rooms
                .into_iter()
                .map(|r| (r.facts.name.clone(), r.bytes))
                .collect(),
            problems.into_iter().map(|p| p.location).collect(),
        )
    }

    fn names(&self) -> BTreeSet<String> {
        self.snapshot().0.into_keys().collect()
    }

    fn stored(&self, name: &str) -> Option<Vec<u8>> {
        self.snapshot().0.remove(name)
    }

    /// `roomctl -s STORE prune-inactive --now NOW ARGS…`
    fn prune_cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.env.roomctl();
        cmd.args(["-s", &self.uri(), "prune-inactive", "--now", NOW])
            .args(args);
        cmd
    }

    fn prune(&self, args: &[&str]) -> Output {
        self.prune_cmd(args).output().expect("run roomctl")
    }
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(out)
}

fn names_of(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|v| {
            if key.is_empty() {
                v.as_str().expect("name").to_string()
            } else {
                v[key].as_str().expect("name").to_string()
            }
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Plants rooms whose activity comes from each source, on both sides of the
/// cutoff, plus unknown and invalid ones. Returns the names a 30-day prune
/// at [`NOW`] must delete.
fn plant_mix(f: &Fixture) -> BTreeSet<String> {
    let jan = "2026-01-01T00:00:00.000Z";
    // Activity from lastActivityAt.
    f.put(&room_at(
        "by-last-activity",
        jan,
        Some("2026-03-01T00:00:00.000Z"),
        Some("2026-09-01T00:00:00.000Z"),
    ));
    f.put(&room_at(
        "recent-last-activity",
        jan,
        Some("2026-03-01T00:00:00.000Z"),
        Some("2026-10-20T00:00:00.000Z"),
    ));
    // Activity from the newest rating.
    f.put(&room_at(
        "by-rating",
        jan,
        Some("2026-09-15T00:00:00.000Z"),
        None,
    ));
    f.put(&room_at(
        "recent-rating",
        jan,
        Some("2026-10-25T00:00:00.000Z"),
        None,
    ));
    // A stale lastActivityAt does not hide a newer rating.
    f.put(&room_at(
        "rating-beats-last-activity",
        jan,
        Some("2026-10-30T00:00:00.000Z"),
        Some("2026-05-01T00:00:00.000Z"),
    ));
    // Activity from createdAt.
    f.put(&room_at(
        "by-created",
        "2026-08-01T00:00:00.000Z",
        None,
        None,
    ));
    f.put(&room_at(
        "recent-created",
        "2026-10-15T00:00:00.000Z",
        None,
        None,
    ));
    // Exactly 30 days is not older than 30 days; a millisecond more is.
    f.put(&room_at(
        "at-cutoff",
        "2026-10-02T00:00:00.000Z",
        None,
        None,
    ));
    f.put(&room_at(
        "past-cutoff",
        "2026-10-01T23:59:59.999Z",
        None,
        None,
    ));
    // A name an attacker might choose.
    f.put(&room_at("../../etc/passwd 🎬", jan, None, None));
    // Unknown activity: kept.
    f.put(&room_at("unknown", "sometime", None, None));
    f.put(&room_at("unknown-too", "never", None, Some("soon")));
    // Invalid entries, however old: kept.
    f.put_raw(
        "corrupt",
        b"{\"roomName\": \"corrupt\", \"createdAt\": \"2020",
    );
    let mut no_created = room_at("no-created", jan, Some("2026-02-01T00:00:00.000Z"), None);
    no_created
        .as_object_mut()
        .expect("object")
        .remove("createdAt");
    f.put(&no_created);
    set(&[
        "by-last-activity",
        "by-rating",
        "by-created",
        "past-cutoff",
        "../../etc/passwd 🎬",
    ])
}

fn deletes_exactly_the_stale_rooms(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let before = f.snapshot();
    let report = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(report["dryRun"], false);
    assert_eq!(report["cutoff"], "2026-10-02T00:00:00.000Z");
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
    let by_name = |n: &str| {
        report["deleted"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["roomName"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n} not in {report}"))
    };
    let d = by_name("by-last-activity");
    assert_eq!(d["activitySource"], "lastActivityAt");
    assert_eq!(d["lastActivityAt"], "2026-09-01T00:00:00.000Z");
    assert_eq!(d["ageMs"], 61 * 86_400_000_i64);
    assert_eq!(by_name("by-rating")["activitySource"], "rating");
    assert_eq!(
        by_name("by-rating")["lastActivityAt"],
        "2026-09-15T00:00:00.000Z"
    );
    assert_eq!(by_name("by-created")["activitySource"], "createdAt");
    assert_eq!(by_name("past-cutoff")["ageMs"], 30 * 86_400_000_i64 + 1);
    assert_eq!(
        names_of(&report["unknown"], "roomName"),
        set(&["unknown", "unknown-too"])
    );
    assert_eq!(report["invalid"].as_array().unwrap().len(), 2, "{report}");
    let s = &report["summary"];
    assert_eq!(s["rooms"], 12);
    assert_eq!(s["deleted"], 5);
    assert_eq!(s["kept"], 5);
    assert_eq!(s["unknown"], 2);
    assert_eq!(s["invalid"], 2);
    // The store holds exactly the rest, byte for byte.
    let after = f.snapshot();
    let mut want = before.0.clone();
    want.retain(|name, _| !stale.contains(name));
    assert_eq!(after.0, want);
    assert_eq!(after.1, before.1, "invalid entries untouched");

    // A second prune at the same instant has nothing left to do.
    let again = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(again["deleted"], json!([]));
    assert_eq!(again["summary"]["deleted"], 0);
    assert_eq!(f.snapshot(), after);
}

fn include_unknown_never_takes_invalid_entries(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let problems = f.snapshot().1;
    let report = ok_json(&f.prune(&[
        "--older-than",
        "30d",
        "--include-unknown",
        "--yes",
        "-o",
        "json",
    ]));
    let mut want = stale.clone();
    want.extend(set(&["unknown", "unknown-too"]));
    assert_eq!(names_of(&report["deleted"], "roomName"), want);
    let unknown = report["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["roomName"] == "unknown")
        .unwrap();
    assert_eq!(unknown["lastActivityAt"], Value::Null);
    assert_eq!(unknown["activitySource"], Value::Null);
    assert_eq!(report["summary"]["unknown"], 0);
    assert_eq!(
        f.snapshot().1,
        problems,
        "invalid entries are never deleted"
    );
    assert!(f.names().is_disjoint(&want));
}

fn dry_run_deletes_nothing(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let before = f.snapshot();
    // No --yes needed: nothing changes.
    f.prune_cmd(&["--older-than", "30d", "--dry-run"])
        .assert()
        .success()
        .stdout(
            contains("would delete")
                .and(contains("by-rating"))
                .and(contains("2026-09-15T00:00:00.000Z"))
                .and(contains("47d"))
                .and(contains("from newest rating"))
                .and(contains("from lastActivityAt"))
                .and(contains("from createdAt"))
                .and(contains("unknown"))
                .and(contains("recent-rating").not()),
        )
        .stderr(contains("would delete 5").and(contains("nothing was changed")));
    let report = ok_json(&f.prune(&["--older-than", "30d", "--dry-run", "-o", "json"]));
    assert_eq!(report["dryRun"], true);
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
    assert_eq!(f.snapshot(), before);
}

fn max_delete_refuses_before_deleting(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let before = f.snapshot();
    let backup = f.env.path().join("refused.jsonl");
    f.prune_cmd(&[
        "--older-than",
        "30d",
        "--max-delete",
        "4",
        "--yes",
        "--backup",
    ])
    .arg(&backup)
    .assert()
    .code(6)
    .stderr(
        contains("refusing to delete 5 rooms")
            .and(contains("--max-delete 4"))
            .and(contains("nothing was deleted")),
    );
    assert_eq!(f.snapshot(), before);
    assert!(!backup.exists(), "a refused run writes no backup");
    // 5 of 12 rooms is 41.7 %.
    let out = f.prune(&[
        "--older-than",
        "30d",
        "--max-delete",
        "40%",
        "--yes",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(6));
    let report = stdout_json(&out);
    assert_eq!(report["refused"], "max-delete");
    assert!(report["refusedMessage"].as_str().unwrap().contains("40%"));
    assert_eq!(report["deleted"], json!([]));
    assert_eq!(report["summary"]["candidates"], 5);
    assert_eq!(f.snapshot(), before);
    // A dry run says the real run would be refused.
    f.prune_cmd(&["--older-than", "30d", "--max-delete", "4", "--dry-run"])
        .assert()
        .code(6)
        .stdout(contains("would delete"));
    // Within every limit given, it goes ahead.
    let report = ok_json(&f.prune(&[
        "--older-than",
        "30d",
        "--max-delete",
        "5",
        "--max-delete",
        "42%",
        "--yes",
        "-o",
        "json",
    ]));
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
}

fn refuses_unattended_without_yes(kind: Kind) {
    let f = Fixture::new(kind);
    plant_mix(&f);
    let before = f.snapshot();
    f.prune_cmd(&["--older-than", "30d"])
        .assert()
        .code(6)
        .stderr(contains("--yes").and(contains("delete 5 rooms")));
    assert_eq!(f.snapshot(), before);
    f.prune_cmd(&["--older-than", "30"])
        .assert()
        .code(2)
        .stderr(contains("missing unit"));
    f.env
        .roomctl()
        .args(["-s", &f.uri(), "prune-inactive", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("--older-than"));
}

fn a_second_prune_is_locked_out(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let before = f.snapshot();
    let store = f.open();
    let held = store.lock("prune").expect("lock");
    f.prune_cmd(&["--older-than", "30d", "--yes"])
        .assert()
        .code(6)
        .stderr(contains("another prune is running").and(contains("nothing was deleted")));
    assert_eq!(f.snapshot(), before);
    // A dry run changes nothing and does not wait for the lock.
    f.prune_cmd(&["--older-than", "30d", "--dry-run"])
        .assert()
        .success();
    drop(held);
    let report = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
    // The lock is never mistaken for a room or a problem.
    f.env
        .roomctl()
        .args(["-s", &f.uri(), "list"])
        .assert()
        .success()
        .stderr(contains("2 entries skipped").and(contains("lock").not()));
}

fn a_refused_prune_reports_why_in_json_and_yaml(kind: Kind) {
    let f = Fixture::new(kind);
    plant_mix(&f);
    let before = f.snapshot();
    // No --yes, and stdin is not a terminal.
    let out = f.prune(&["--older-than", "30d", "-o", "json"]);
    assert_eq!(out.status.code(), Some(6));
    let report = stdout_json(&out);
    assert_eq!(report["refused"], "needs-yes");
    assert!(
        report["refusedMessage"]
            .as_str()
            .unwrap()
            .contains("without --yes")
    );
    assert_eq!(report["deleted"], json!([]));
    assert_eq!(report["summary"]["candidates"], 5);
    assert_eq!(report["summary"]["deleted"], 0);
    // Another prune holds the lock.
    let store = f.open();
    let held = store.lock("prune").expect("lock");
    let out = f.prune(&["--older-than", "30d", "--yes", "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(6));
    let report: Value = serde_yaml::from_slice(&out.stdout).expect("stdout is YAML");
    assert_eq!(report["refused"], "lock-held");
    assert!(
        report["refusedMessage"]
            .as_str()
            .unwrap()
            .contains("another prune is running")
    );
    assert_eq!(report["deleted"], json!([]));
    drop(held);
    // The backup file exists already.
    let backup = f.env.path().join("taken.jsonl");
    fs::write(&backup, b"mine").unwrap();
    let out = f
        .prune_cmd(&["--older-than", "30d", "--yes", "-o", "json", "--backup"])
        .arg(&backup)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(stdout_json(&out)["refused"], "backup-exists");
    assert_eq!(fs::read(&backup).unwrap(), b"mine");
    assert_eq!(f.snapshot(), before);
    // A run that is not refused says so.
    let report = ok_json(&f.prune(&["--older-than", "30d", "--dry-run", "-o", "json"]));
    assert_eq!(report["refused"], Value::Null);
    assert_eq!(report["refusedMessage"], Value::Null);
}

fn filters_select_rooms(kind: Kind) {
    let f = Fixture::new(kind);
    let old = "2026-01-01T00:00:00.000Z";
    f.put(&room_at("ann-old", old, None, None));
    let mut bob_old = room_at("bob-old", old, None, None);
    bob_old["creatorPlexUsername"] = json!("bob");
    bob_old["creatorPlexUserId"] = json!("7");
    f.put(&bob_old);
    let mut bob_new = room_at("bob-new", "2026-10-30T00:00:00.000Z", None, None);
    bob_new["creatorPlexUsername"] = json!("bob");
    f.put(&bob_new);
    let report = ok_json(&f.prune(&[
        "--older-than",
        "30d",
        "--creator",
        "bob",
        "--yes",
        "-o",
        "json",
    ]));
    assert_eq!(names_of(&report["deleted"], "roomName"), set(&["bob-old"]));
    assert_eq!(report["summary"]["kept"], 2);
    assert_eq!(f.names(), set(&["ann-old", "bob-new"]));
    // --creator takes the user id too; --active-within narrows further.
    let report = ok_json(&f.prune(&[
        "--older-than",
        "30d",
        "--creator",
        "42",
        "--active-within",
        "200d",
        "--dry-run",
        "-o",
        "json",
    ]));
    assert_eq!(report["deleted"], json!([]));
    let report = ok_json(&f.prune(&[
        "--older-than",
        "30d",
        "--creator",
        "42",
        "--yes",
        "-o",
        "json",
    ]));
    assert_eq!(names_of(&report["deleted"], "roomName"), set(&["ann-old"]));
}

fn quiet_is_silent_on_success(kind: Kind) {
    let f = Fixture::new(kind);
    plant_mix(&f);
    // Silent but for the invalid entries it skipped: one line, so that
    // cron mail shows damage.
    let invalid_only = || {
        predicate::function(|err: &str| {
            err.lines().count() == 1
                && err.starts_with("roomctl: warning: 2 invalid entries in ")
                && err.contains("skipped (never deleted); `roomctl check` explains them")
        })
    };
    f.env
        .roomctl()
        .args(["-q", "-s", &f.uri(), "prune-inactive", "--now", NOW])
        .args(["--older-than", "30d", "--yes"])
        .assert()
        .success()
        .stdout("")
        .stderr(invalid_only());
    assert!(!f.names().contains("by-rating"));
    // Nothing to do is a success too, and as quiet.
    f.env
        .roomctl()
        .args(["-q", "-s", &f.uri(), "prune-inactive", "--now", NOW])
        .args(["--older-than", "30d", "--yes"])
        .assert()
        .success()
        .stdout("")
        .stderr(invalid_only());
    // Without -q: the table and one summary line.
    let out = f.prune(&["--older-than", "3d", "--yes"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("deleted 4, kept 1, unknown 2, invalid 2"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("deleted") && stdout.contains("recent-rating"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kept") && stdout.contains("unknown-too"),
        "{stdout}"
    );
    // A refusal is not silenced.
    f.put(&room_at(
        "old-again",
        "2026-01-01T00:00:00.000Z",
        None,
        None,
    ));
    f.env
        .roomctl()
        .args(["-q", "-s", &f.uri(), "prune-inactive", "--now", NOW])
        .args(["--older-than", "30d"])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
}

/// A pseudo-terminal: (controller, the terminal end a child reads from).
fn open_pty() -> (OwnedFd, OwnedFd) {
    let (mut controller, mut terminal) = (0, 0);
    // SAFETY: openpty writes two new descriptors, which we then own.
    let rc = unsafe {
        libc::openpty(
            &mut controller,
            &mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe {
        (
            OwnedFd::from_raw_fd(controller),
            OwnedFd::from_raw_fd(terminal),
        )
    }
}

/// Collects a pipe in a thread.
fn drain(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buf);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buf
}

/// Runs a prune on a terminal; when it asks, runs `meanwhile` (the server
/// at work) and answers. Returns (exit code, stdout, stderr).
fn prune_at_prompt(
    f: &Fixture,
    args: &[&str],
    meanwhile: impl FnOnce(&str),
    answer: &str,
) -> (Option<i32>, String, String) {
    let (controller, terminal) = open_pty();
    let mut child = f
        .env
        .roomctl_process()
        .args(["-s", &f.uri(), "prune-inactive", "--now", NOW])
        .args(args)
        .stdin(Stdio::from(terminal))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn roomctl");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
        if seen.contains("[y/N]") {
            meanwhile(&seen);
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("roomctl exited ({status}) without asking:\n{seen}");
        }
        assert!(Instant::now() < deadline, "no prompt after 60 s:\n{seen}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut tty = fs::File::from(controller);
    tty.write_all(answer.as_bytes()).expect("answer");
    let status = child.wait().expect("wait");
    // The pipes close with the process; give the readers a moment.
    std::thread::sleep(Duration::from_millis(100));
    let out = String::from_utf8_lossy(&stdout.lock().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
    (status.code(), out, err)
}

fn room_rewritten_during_prune_survives(kind: Kind) {
    let f = Fixture::new(kind);
    let old = "2026-01-01T00:00:00.000Z";
    for name in ["rewritten", "untouched", "vanishing", "a b"] {
        f.put(&room_at(name, old, None, None));
    }
    f.put(&room_at("recent", "2026-10-30T00:00:00.000Z", None, None));
    // The server's new version is still old by every date in it: only the
    // bytes changed. Its fate must not depend on judging it again.
    let mut rewritten = room_at("rewritten", old, None, None);
    rewritten["password"] = json!("new password");
    let backup = f.env.path().join("race.jsonl");
    let backup_arg = backup.to_string_lossy().into_owned();
    let (code, stdout, stderr) = prune_at_prompt(
        &f,
        &["--older-than", "30d", "-o", "json", "--backup", &backup_arg],
        |prompt| {
            // The prompt shows what it asks about.
            for name in ["rewritten", "untouched", "vanishing", "a b"] {
                assert!(prompt.contains(name), "{name} not shown:\n{prompt}");
            }
            assert!(prompt.contains("Delete 4 rooms"), "{prompt}");
            assert!(!prompt.contains("recent"), "{prompt}");
            f.put(&rewritten);
            // Someone else deletes one.
            let gone = f.open();
            let out = store::delete(gone.as_ref(), store::Delete::named("vanishing"));
            assert_eq!(out.expect("delete"), store::DeleteOutcome::Deleted);
            // A room that goes stale (or appears) now was not shown: kept.
            f.put(&room_at("new-and-old", old, None, None));
            // Another name that shares the file of "a b" (file store).
            f.put(&room_at("a_b", old, None, None));
        },
        "y\n",
    );
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("json report");
    assert_eq!(
        report["changed"],
        json!([{"roomName": "rewritten", "reason": "changed during prune"}])
    );
    assert_eq!(
        f.stored("rewritten")
            .map(|b| serde_json::from_slice::<Value>(&b).unwrap()),
        Some(rewritten),
        "the server's write survives"
    );
    assert!(f.names().contains("new-and-old"));
    assert!(f.names().contains("a_b"), "another room is never deleted");
    assert!(!f.names().contains("untouched"));
    match kind {
        // "a_b" took over a_b.json: "a b" is gone, and a_b was not deleted.
        Kind::File => {
            assert_eq!(
                names_of(&report["deleted"], "roomName"),
                set(&["untouched"])
            );
            assert_eq!(report["vanished"], json!(["a b", "vanishing"]));
        }
        // Separate keys: "a b" goes, "a_b" (new) stays.
        Kind::Redis => {
            assert_eq!(
                names_of(&report["deleted"], "roomName"),
                set(&["a b", "untouched"])
            );
            assert_eq!(report["vanished"], json!(["vanishing"]));
        }
    }
    assert_eq!(report["summary"]["changed"], 1);
    assert!(stderr.contains("1 changed during prune"), "{stderr}");
    // The backup holds what was deleted, not what changed or vanished.
    let deleted = names_of(&report["deleted"], "roomName");
    assert_eq!(
        archived(&backup).into_keys().collect::<BTreeSet<_>>(),
        deleted
    );
}

fn no_at_the_prompt_deletes_nothing(kind: Kind) {
    let f = Fixture::new(kind);
    plant_mix(&f);
    let before = f.snapshot();
    let (code, _, stderr) = prune_at_prompt(&f, &["--older-than", "30d"], |_| {}, "n\n");
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("not confirmed"), "{stderr}");
    assert_eq!(f.snapshot(), before);
}

/// The rooms of an archive, checked whole first (count, checksum).
fn archived(path: &std::path::Path) -> BTreeMap<String, Value> {
    use roomctl::archive::{self, ArchiveKind, ValidateOptions};
    let summary = archive::validate(path, &ValidateOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(summary.kind, ArchiveKind::Archive);
    assert!(!summary.truncated);
    assert_eq!(
        summary.trailer.as_ref().map(|t| t.rooms),
        Some(summary.rooms)
    );
    let rooms: BTreeMap<String, Value> = archive::read_rooms(path)
        .expect("read")
        .map(|r| {
            let doc = r.expect("room").doc;
            (doc.name().to_string(), Value::Object(doc.into_map()))
        })
        .collect();
    assert_eq!(rooms.len() as u64, summary.rooms);
    rooms
}

fn backup_holds_exactly_the_deleted_rooms(kind: Kind) {
    let f = Fixture::new(kind);
    let stale = plant_mix(&f);
    let before = f.snapshot();
    let backups = f.env.rooms_dir("backups");
    for (file, compression) in [
        ("prune.jsonl", roomctl::archive::Compression::None),
        ("prune.jsonl.gz", roomctl::archive::Compression::Gzip),
    ] {
        let path = backups.join(file);
        let report = ok_json(
            &f.prune_cmd(&["--older-than", "30d", "--yes", "-o", "json", "--backup"])
                .arg(&path)
                .output()
                .unwrap(),
        );
        let deleted = names_of(&report["deleted"], "roomName");
        if compression == roomctl::archive::Compression::Gzip {
            // The first run deleted everything old: nothing to back up.
            assert!(deleted.is_empty());
            assert!(!path.exists(), "no backup when nothing is deleted");
            assert_eq!(report["backup"], Value::Null);
            continue;
        }
        assert_eq!(deleted, stale);
        assert_eq!(report["backup"]["rooms"], 5);
        let rooms = archived(&path);
        assert_eq!(rooms.keys().cloned().collect::<BTreeSet<_>>(), stale);
        // Every room exactly as it was stored, unknown fields included.
        for (name, doc) in &rooms {
            let stored: Value = serde_json::from_slice(&before.0[name]).unwrap();
            assert_eq!(doc, &stored, "{name}");
            let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
            let want: Vec<&String> = stored.as_object().unwrap().keys().collect();
            assert_eq!(keys, want, "key order kept");
        }
    }
    // Compressed, as the name asks.
    let f = Fixture::new(kind);
    plant_mix(&f);
    let path = backups.join("second.jsonl.zst");
    f.prune_cmd(&["--older-than", "30d", "--yes", "-q", "--backup"])
        .arg(&path)
        .assert()
        .success();
    let mut magic = [0u8; 4];
    fs::File::open(&path)
        .unwrap()
        .read_exact(&mut magic)
        .unwrap();
    assert_eq!(magic, [0x28, 0xb5, 0x2f, 0xfd], "zstd");
    assert_eq!(archived(&path).len(), 5);
    // Only the two archives: no temporary file left behind.
    let left: Vec<String> = fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

fn backup_is_never_overwritten(kind: Kind) {
    let f = Fixture::new(kind);
    plant_mix(&f);
    let before = f.snapshot();
    let path = f.env.path().join("taken.jsonl");
    fs::write(&path, b"an older backup").unwrap();
    f.prune_cmd(&["--older-than", "30d", "--yes", "--backup"])
        .arg(&path)
        .assert()
        .code(6)
        .stderr(contains("already exists").and(contains("nothing was deleted")));
    assert_eq!(fs::read(&path).unwrap(), b"an older backup");
    f.prune_cmd(&[
        "--older-than",
        "30d",
        "--yes",
        "--backup",
        "no/such/dir/b.jsonl",
    ])
    .assert()
    .code(2)
    .stderr(contains("does not exist"));
    assert_eq!(f.snapshot(), before);
    // A dry run writes no backup.
    let path = f.env.path().join("dry.jsonl");
    f.prune_cmd(&["--older-than", "30d", "--dry-run", "--backup"])
        .arg(&path)
        .assert()
        .success();
    assert!(!path.exists());
}

macro_rules! backend_tests {
    ($module:ident, $kind:expr) => {
        mod $module {
            use super::*;
            backend_tests!(@cases $kind;
                deletes_exactly_the_stale_rooms,
                include_unknown_never_takes_invalid_entries,
                dry_run_deletes_nothing,
                max_delete_refuses_before_deleting,
                refuses_unattended_without_yes,
                a_second_prune_is_locked_out,
                a_refused_prune_reports_why_in_json_and_yaml,
                filters_select_rooms,
                quiet_is_silent_on_success,
                room_rewritten_during_prune_survives,
                no_at_the_prompt_deletes_nothing,
                backup_holds_exactly_the_deleted_rooms,
                backup_is_never_overwritten);
        }
    };
    (@cases $kind:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                super::$case($kind);
            }
        )*
    };
}

backend_tests!(file, Kind::File);
backend_tests!(redis, Kind::Redis);

#[test]
fn redis_store_leaves_what_is_not_a_room_alone() {
    let f = Fixture::new(Kind::Redis);
    let old = room_at("old", "2026-01-01T00:00:00.000Z", None, None);
    f.put(&old);
    let compact = |v: &Value| serde_json::to_vec(v).unwrap();
    // The chat services' data under the same prefix, and other strings.
    f.redis_cmd(::redis::cmd("SADD").arg("room:members:old").arg("ann"));
    f.redis_cmd(
        ::redis::cmd("ZADD")
            .arg("room:messages:old")
            .arg(1)
            .arg("hi"),
    );
    f.redis_cmd(::redis::cmd("SET").arg("room:config").arg("not json"));
    f.redis_cmd(::redis::cmd("SET").arg("room:list").arg("[1,2]"));
    // A key named for another room than the one inside it.
    let mut stray = old.clone();
    stray["roomName"] = json!("someone else");
    f.redis_cmd(
        ::redis::cmd("SET")
            .arg("room:misnamed")
            .arg(compact(&stray)),
    );
    // An old room under another prefix, and one with a TTL here.
    f.redis_cmd(::redis::cmd("SET").arg("other:old").arg(compact(&old)));
    let ttl = room_at("expiring", "2026-01-01T00:00:00.000Z", None, None);
    f.redis_cmd(
        ::redis::cmd("SET")
            .arg("room:expiring")
            .arg(compact(&ttl))
            .arg("PX")
            .arg(3_600_000),
    );
    let keys = |f: &Fixture| {
        let mut keys: Vec<String> = match f.redis_cmd(::redis::cmd("KEYS").arg("*")) {
            ::redis::Value::Array(keys) => keys
                .into_iter()
                .map(|k| match k {
                    ::redis::Value::BulkString(b) => String::from_utf8(b).unwrap(),
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        };
        keys.sort();
        keys
    };
    let report = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(
        names_of(&report["deleted"], "roomName"),
        set(&["old", "expiring"])
    );
    assert_eq!(report["summary"]["invalid"], 5, "{report}");
    assert_eq!(
        keys(&f),
        vec![
            "other:old",
            "room:config",
            "room:list",
            "room:members:old",
            "room:messages:old",
            "room:misnamed",
        ],
        "only the two old rooms went, and the lock was released"
    );
}

#[test]
fn a_redis_lock_lost_at_the_prompt_stops_the_prune() {
    let f = Fixture::new(Kind::Redis);
    plant_mix(&f);
    let before = f.snapshot();
    let (code, _, stderr) = prune_at_prompt(
        &f,
        &["--older-than", "30d"],
        |_| {
            // The lease ran out while the admin read the list, and another
            // run took it.
            f.redis_cmd(
                ::redis::cmd("SET")
                    .arg("roomctl:lock:prune:room:")
                    .arg("the other run"),
            );
        },
        "y\n",
    );
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("lost the prune lock"), "{stderr}");
    assert!(stderr.contains("the other run"), "{stderr}");
    assert_eq!(f.snapshot(), before, "nothing deleted");
    // Its release does not remove the other run's lock.
    assert_eq!(
        f.redis_cmd(::redis::cmd("GET").arg("roomctl:lock:prune:room:")),
        ::redis::Value::BulkString(b"the other run".to_vec())
    );
}

#[test]
fn a_redis_lock_of_a_dead_run_runs_out() {
    let f = Fixture::new(Kind::Redis);
    let stale = plant_mix(&f);
    // What a run killed with -9 leaves: a lease nobody refreshes.
    f.redis_cmd(
        ::redis::cmd("SET")
            .arg("roomctl:lock:prune:room:")
            .arg("roomctl (pid 4242 on elsewhere) since yesterday")
            .arg("PX")
            .arg(1500),
    );
    f.prune_cmd(&["--older-than", "30d", "--yes"])
        .assert()
        .code(6)
        .stderr(contains("another prune is running").and(contains("pid 4242 on elsewhere")));
    std::thread::sleep(Duration::from_millis(1600));
    let report = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
}

#[test]
fn a_redis_lock_of_a_run_killed_on_this_machine_is_taken_over_at_once() {
    // What `kill -9` leaves: a lease whose holder ran here and is gone. The
    // next run need not wait up to a minute for it to run out.
    let f = Fixture::new(Kind::Redis);
    let stale = plant_mix(&f);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let namespace = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let holder = |pid: u32| {
        format!(
            "roomctl (pid {pid} on {}) since 2026-11-01T04:17:00.000Z #00000000deadbeef {}",
            host.trim(),
            namespace.display()
        )
    };
    // A holder that still runs (this test) keeps its lock.
    f.redis_cmd(
        ::redis::cmd("SET")
            .arg("roomctl:lock:prune:room:")
            .arg(holder(std::process::id()))
            .arg("PX")
            .arg(60_000),
    );
    f.prune_cmd(&["--older-than", "30d", "--yes"])
        .assert()
        .code(6)
        .stderr(contains("another prune is running"));
    // One that is gone (a pid above any pid_max) does not.
    f.redis_cmd(
        ::redis::cmd("SET")
            .arg("roomctl:lock:prune:room:")
            .arg(holder(99_999_999))
            .arg("PX")
            .arg(60_000),
    );
    let out = f.prune(&["--older-than", "30d", "--yes", "-o", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("took over roomctl:lock:prune:room:") && stderr.contains("pid 99999999"),
        "{stderr}"
    );
    let report = ok_json(&out);
    assert_eq!(names_of(&report["deleted"], "roomName"), stale);
    // Released at the end, as any lock this run took.
    assert_eq!(
        f.redis_cmd(::redis::cmd("EXISTS").arg("roomctl:lock:prune:room:")),
        ::redis::Value::Int(0)
    );
}

#[test]
fn a_redis_lock_holder_is_shown_escaped() {
    // The lock's value is whatever is stored under its key: terminal escape
    // sequences in it must not reach the terminal raw.
    let f = Fixture::new(Kind::Redis);
    let stale = plant_mix(&f);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let namespace = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let holder = |pid: u32| {
        format!(
            "roomctl (pid {pid} on {}) since \x1b]0;owned\x07\x1b[31mred #0 {}",
            host.trim(),
            namespace.display()
        )
    };
    let plant = |holder: String| {
        f.redis_cmd(
            ::redis::cmd("SET")
                .arg("roomctl:lock:prune:room:")
                .arg(holder)
                .arg("PX")
                .arg(60_000),
        );
    };
    // Held by a run that still runs: refused, the holder named escaped.
    plant(holder(std::process::id()));
    let out = f.prune(&["--older-than", "30d", "--yes"]);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(stderr.contains("\\u{1b}[31mred"), "{stderr}");
    // Held by a run killed on this machine: taken over, and the warning
    // that says so names the holder escaped too.
    plant(holder(99_999_999));
    let out = f.prune(&["--older-than", "30d", "--yes", "-o", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("took over"), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(stderr.contains("\\u{1b}[31mred"), "{stderr}");
    assert_eq!(names_of(&ok_json(&out)["deleted"], "roomName"), stale);
}

#[test]
fn file_store_leaves_what_is_not_a_room_alone() {
    let f = Fixture::new(Kind::File);
    let old = room_at("old", "2026-01-01T00:00:00.000Z", None, None);
    f.put(&old);
    // A file named for another room than the one inside it.
    let mut stray = old.clone();
    stray["roomName"] = json!("someone else");
    fs::write(f.dir.join("misnamed.json"), pretty(&stray)).unwrap();
    // A symlink to an old room outside the store.
    let outside = f.env.rooms_dir("outside");
    fs::write(
        outside.join("linked.json"),
        pretty(&room_at("linked", "2026-01-01T00:00:00.000Z", None, None)),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.join("linked.json"), f.dir.join("linked.json")).unwrap();
    // A directory, the server's temporary file, and other files.
    fs::create_dir(f.dir.join("folder.json")).unwrap();
    fs::write(f.dir.join("old.json.tmp"), pretty(&old)).unwrap();
    fs::write(f.dir.join("notes.txt"), b"keep me").unwrap();
    let listing = |dir: &std::path::Path| {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let report = ok_json(&f.prune(&["--older-than", "30d", "--yes", "-o", "json"]));
    assert_eq!(names_of(&report["deleted"], "roomName"), set(&["old"]));
    assert_eq!(report["summary"]["invalid"], 3, "{report}");
    assert_eq!(
        listing(&f.dir),
        vec![
            ".roomctl-prune.lock",
            "folder.json",
            "linked.json",
            "misnamed.json",
            "notes.txt",
            "old.json.tmp",
        ],
        "only old.json went, and roomctl left no file of its own but the lock"
    );
    assert_eq!(
        fs::read(f.dir.join("misnamed.json")).unwrap(),
        pretty(&stray)
    );
    assert!(outside.join("linked.json").exists());
    assert_eq!(fs::read(f.dir.join("old.json.tmp")).unwrap(), pretty(&old));
}

#[test]
fn a_lock_held_by_another_process_names_it() {
    let f = Fixture::new(Kind::File);
    plant_mix(&f);
    let store = roomctl::store::file::FileStore::open(&f.dir).unwrap();
    let _held = store.lock("prune").unwrap();
    f.prune_cmd(&["--older-than", "30d", "--yes"])
        .assert()
        .code(6)
        .stderr(
            contains(format!("pid {}", std::process::id())).and(contains(".roomctl-prune.lock")),
        );
}

#[test]
fn older_than_refuses_thresholds_nobody_means() {
    let f = Fixture::new(Kind::File);
    plant_mix(&f);
    let before = f.snapshot();
    for (value, says) in [
        // One minute would take every room; the message says what m could be.
        ("1m", "did you mean 1mo (1 month, 30 days)?"),
        ("1min", "under one hour"),
        ("59 minutes", "under one hour"),
        ("0d", "is zero"),
        ("0s", "is zero"),
        ("1.5d", "whole numbers"),
        ("99999999999d", "before 1970"),
        ("999999999999999d", "too large"),
    ] {
        f.prune_cmd(&["--older-than", value, "--yes"])
            .assert()
            .code(2)
            .stderr(contains(says).and(contains("--older-than")));
        assert_eq!(f.snapshot(), before, "--older-than {value}");
    }
    // A --now that puts the cutoff in the future.
    f.env
        .roomctl()
        .args(["-s", &f.uri(), "prune-inactive", "--older-than", "30d"])
        .args(["--now", "2999-01-01T00:00:00Z", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("in the future"));
    assert_eq!(f.snapshot(), before);
}

#[test]
fn older_than_reads_the_units_list_prints() {
    let f = Fixture::new(Kind::File);
    let stale = plant_mix(&f);
    let judged = |value: &str| {
        let report = ok_json(&f.prune(&["--older-than", value, "--dry-run", "-o", "json"]));
        (
            names_of(&report["deleted"], "roomName"),
            report["olderThan"].clone(),
        )
    };
    assert_eq!(judged("1mo"), (stale.clone(), json!("30d")));
    assert_eq!(judged("1 month"), (stale.clone(), json!("30d")));
    assert_eq!(judged("30 days"), (stale.clone(), json!("30d")));
    assert_eq!(judged("4w2d"), (stale, json!("30d")));
    assert_eq!(judged("3 weeks").1, json!("21d"));
    assert_eq!(judged("3weeks").1, json!("21d"));
    // 2mo and 1y reach before every room's activity but January's.
    assert_eq!(judged("1y"), (set(&[]), json!("365d")));
    assert_eq!(judged("2mo").1, json!("60d"));
    assert_eq!(judged("1h").1, json!("1h"));
}

#[test]
fn a_lock_file_hard_linked_to_another_file_is_refused() {
    let f = Fixture::new(Kind::File);
    plant_mix(&f);
    let dir_bytes = |dir: &std::path::Path| -> BTreeMap<String, Vec<u8>> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name() != ".roomctl-prune.lock")
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    let before = dir_bytes(&f.dir);
    // Someone made the lock file's name a second name of another file.
    let precious = f.env.path().join("precious.conf");
    fs::write(&precious, b"do not overwrite me\n").unwrap();
    fs::hard_link(&precious, f.dir.join(".roomctl-prune.lock")).unwrap();
    f.prune_cmd(&["--older-than", "30d", "--yes"])
        .assert()
        .code(6)
        .stderr(contains(".roomctl-prune.lock").and(contains("hard links")));
    assert_eq!(fs::read(&precious).unwrap(), b"do not overwrite me\n");
    assert_eq!(dir_bytes(&f.dir), before, "nothing was deleted");
}

// ---------------------------------------------------------------------------
// The engine against stores that change between its passes.

mod engine {
    use super::*;
    use roomctl::filter::RoomFilter;
    use roomctl::ops::Progress;
    use roomctl::ops::prune::{self, BackupSink, CandidateFate, Criteria};
    use roomctl::room::RoomDocument;
    use roomctl::store::file::FileStore;
    use roomctl::store::memory::MemoryStore;
    use roomctl::store::{
        Condition, Delete, DeleteOutcome, LockGuard, Lookup, Put, PutOutcome, Scan, ScanOptions,
        StoreError, StoreIdentity, StoreKind,
    };

    type Hook<'a> = Mutex<Option<Box<dyn FnOnce(&dyn Store) + Send + 'a>>>;

    /// A store that runs a hook (the server, or another admin) right before
    /// the first `get_batch` or the first `delete_batch`, and can fail.
    struct Meddling<'a> {
        inner: &'a dyn Store,
        before_get: Hook<'a>,
        before_delete: Hook<'a>,
        /// Fail every delete_batch after this many.
        deletes_allowed: Option<usize>,
        deletes: Mutex<usize>,
    }

    impl<'a> Meddling<'a> {
        fn new(inner: &'a dyn Store) -> Self {
            Meddling {
                inner,
                before_get: Mutex::new(None),
                before_delete: Mutex::new(None),
                deletes_allowed: None,
                deletes: Mutex::new(0),
            }
        }
    }

    impl Store for Meddling<'_> {
        fn describe(&self) -> String {
            self.inner.describe()
        }
        fn kind(&self) -> StoreKind {
            self.inner.kind()
        }
        fn identity(&self) -> Result<StoreIdentity, StoreError> {
            self.inner.identity()
        }
        fn scan(&self, options: ScanOptions) -> Result<Scan<'_>, StoreError> {
            self.inner.scan(options)
        }
        fn get_batch(&self, names: &[&str]) -> Result<Vec<Lookup>, StoreError> {
            if let Some(hook) = self.before_get.lock().unwrap().take() {
                hook(self.inner);
            }
            self.inner.get_batch(names)
        }
        fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
            self.inner.put_batch(puts)
        }
        fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
            let mut n = self.deletes.lock().unwrap();
            if self.deletes_allowed.is_some_and(|allowed| *n >= allowed) {
                return Err(StoreError::Unavailable {
                    endpoint: "test".into(),
                    message: "gone away".into(),
                });
            }
            *n += 1;
            if let Some(hook) = self.before_delete.lock().unwrap().take() {
                hook(self.inner);
            }
            self.inner.delete_batch(deletes)
        }
        fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
            self.inner.lock(name)
        }
    }

    fn doc(v: Value) -> RoomDocument {
        RoomDocument::from_value(v).expect("valid room")
    }

    fn overwrite(store: &dyn Store, v: Value) {
        let d = doc(v);
        let out = store::put(
            store,
            Put {
                doc: &d,
                condition: Condition::Overwrite,
                ttl_ms: None,
            },
        )
        .expect("put");
        assert_eq!(out, PutOutcome::Written);
    }

    fn criteria() -> Criteria {
        Criteria {
            older_than_ms: 30 * 86_400_000,
            now_ms: ms(NOW),
            filter: RoomFilter::default(),
            include_unknown: false,
        }
    }

    fn old(name: &str) -> Value {
        room_at(name, "2026-01-01T00:00:00.000Z", None, None)
    }

    /// Memory and file stores, each with rooms `old-000`… planted.
    fn stores(n: usize) -> Vec<(tempfile::TempDir, Box<dyn Store>)> {
        let mut out: Vec<(tempfile::TempDir, Box<dyn Store>)> = Vec::new();
        let dir = tempfile::tempdir().unwrap();
        out.push((dir, Box::new(MemoryStore::new())));
        let dir = tempfile::tempdir().unwrap();
        let file = FileStore::open(dir.path()).unwrap();
        out.push((dir, Box::new(file)));
        for (_, s) in &out {
            for i in 0..n {
                overwrite(s.as_ref(), old(&format!("old-{i:03}")));
            }
            overwrite(
                s.as_ref(),
                room_at("recent", "2026-10-30T00:00:00.000Z", None, None),
            );
        }
        out
    }

    fn fate_of<'c>(judged: &'c prune::Judged, name: &str) -> &'c CandidateFate {
        &judged
            .candidates
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} is no candidate"))
            .fate
    }

    fn run(store: &dyn Store) -> prune::Judged {
        let progress = |_: Progress| {};
        let mut judged = prune::scan(store, &criteria(), None, &progress).expect("scan");
        prune::delete(store, &mut judged.candidates, None, &progress).expect("delete");
        judged
    }

    #[test]
    fn changes_between_judging_and_deleting_keep_the_room() {
        for (_dir, inner) in stores(4) {
            let mut store = Meddling::new(inner.as_ref());
            let rewritten = {
                let mut v = old("old-000");
                v["password"] = json!("changed, still old");
                v
            };
            let for_hook = rewritten.clone();
            store.before_get = Mutex::new(Some(Box::new(move |s: &dyn Store| {
                overwrite(s, for_hook);
                assert_eq!(
                    store::delete(s, Delete::named("old-001")).unwrap(),
                    DeleteOutcome::Deleted
                );
            })));
            let judged = run(&store);
            assert_eq!(
                fate_of(&judged, "old-000"),
                &CandidateFate::Changed("changed during prune".into())
            );
            assert_eq!(fate_of(&judged, "old-001"), &CandidateFate::Vanished);
            assert_eq!(fate_of(&judged, "old-002"), &CandidateFate::Deleted);
            assert_eq!(fate_of(&judged, "old-003"), &CandidateFate::Deleted);
            let (rooms, _) = store::collect(inner.as_ref()).unwrap();
            let left: Vec<&str> = rooms.iter().map(|r| r.name()).collect();
            assert_eq!(left, vec!["old-000", "recent"], "{}", inner.describe());
            let kept = rooms[0].document().unwrap();
            assert_eq!(kept, doc(rewritten.clone()), "the new version is kept");
        }
    }

    #[test]
    fn a_write_between_reread_and_delete_keeps_the_room() {
        // The conditional delete itself: the server writes after the
        // candidate was re-read and found unchanged.
        for (_dir, inner) in stores(3) {
            let mut store = Meddling::new(inner.as_ref());
            let mut fresh = old("old-001");
            fresh["lastActivityAt"] = json!("2026-10-31T23:00:00.000Z");
            let for_hook = fresh.clone();
            store.before_delete = Mutex::new(Some(Box::new(move |s: &dyn Store| {
                overwrite(s, for_hook);
            })));
            let judged = run(&store);
            assert_eq!(
                fate_of(&judged, "old-001"),
                &CandidateFate::Changed("changed during prune".into())
            );
            assert_eq!(fate_of(&judged, "old-000"), &CandidateFate::Deleted);
            assert_eq!(fate_of(&judged, "old-002"), &CandidateFate::Deleted);
            match store::get(inner.as_ref(), "old-001").unwrap() {
                Lookup::Found(r) => assert_eq!(r.document().unwrap(), doc(fresh.clone())),
                other => panic!("{}: {other:?}", inner.describe()),
            }
        }
    }

    #[test]
    fn a_store_failure_half_way_keeps_what_was_done() {
        for (_dir, inner) in stores(prune::CANDIDATES_PER_ROUND_TRIP + 10) {
            let mut store = Meddling::new(inner.as_ref());
            store.deletes_allowed = Some(1);
            let progress = |_: Progress| {};
            let mut judged = prune::scan(&store, &criteria(), None, &progress).unwrap();
            let err = prune::delete(&store, &mut judged.candidates, None, &progress).unwrap_err();
            assert!(matches!(err, StoreError::Unavailable { .. }));
            let deleted = judged
                .candidates
                .iter()
                .filter(|c| c.fate == CandidateFate::Deleted)
                .count();
            assert_eq!(
                deleted,
                prune::CANDIDATES_PER_ROUND_TRIP,
                "the first batch is recorded"
            );
            let report = prune::PruneReport::new(&judged, &criteria(), String::new(), false);
            assert_eq!(
                report.summary.deleted,
                prune::CANDIDATES_PER_ROUND_TRIP as u64
            );
            // A re-run finishes the job.
            let judged = run(inner.as_ref());
            assert_eq!(judged.candidates.len(), 10);
            assert!(
                judged
                    .candidates
                    .iter()
                    .all(|c| c.fate == CandidateFate::Deleted)
            );
        }
    }

    #[test]
    fn a_candidate_turned_invalid_is_kept() {
        let memory = MemoryStore::new();
        let dir = tempfile::tempdir().unwrap();
        let file = FileStore::open(dir.path()).unwrap();
        let broken = b"{\"roomName\": \"old-000\", \"createdAt\": \"2026-01";
        let plant_memory = || memory.insert_raw("old-000", broken.to_vec());
        let plant_file = || fs::write(dir.path().join("old-000.json"), broken).unwrap();
        let cases: [(&dyn Store, &(dyn Fn() + Sync)); 2] =
            [(&memory, &plant_memory), (&file, &plant_file)];
        for (inner, plant) in cases {
            overwrite(inner, old("old-000"));
            overwrite(inner, old("old-001"));
            let mut store = Meddling::new(inner);
            store.before_get = Mutex::new(Some(Box::new(move |_: &dyn Store| plant())));
            let judged = run(&store);
            match fate_of(&judged, "old-000") {
                CandidateFate::Changed(why) => assert!(why.contains("now invalid"), "{why}"),
                other => panic!("{other:?}"),
            }
            assert_eq!(fate_of(&judged, "old-001"), &CandidateFate::Deleted);
            let (rooms, problems) = store::collect(inner).unwrap();
            assert!(rooms.is_empty());
            assert_eq!(problems.len(), 1, "the invalid entry stays");
        }
    }

    /// The rooms backed up (name, bytes), and whether the backup finished.
    type Backed = Arc<Mutex<(Vec<(String, Vec<u8>)>, bool)>>;

    struct VecSink(Backed);

    impl BackupSink for VecSink {
        fn add(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
            let mut s = self.0.lock().unwrap();
            assert!(!s.1, "nothing added after finish");
            s.0.push((name.to_string(), bytes.to_vec()));
            Ok(())
        }
        fn finish(self: Box<Self>) -> anyhow::Result<()> {
            self.0.lock().unwrap().1 = true;
            Ok(())
        }
    }

    #[test]
    fn the_backup_is_complete_before_the_first_deletion() {
        for (_dir, inner) in stores(3) {
            let mut store = Meddling::new(inner.as_ref());
            let shared = Arc::new(Mutex::new((Vec::new(), false)));
            let seen = Arc::clone(&shared);
            store.before_delete = Mutex::new(Some(Box::new(move |_: &dyn Store| {
                let s = seen.lock().unwrap();
                assert!(s.1, "backup finished before the first delete");
                assert_eq!(s.0.len(), 3);
            })));
            let progress = |_: Progress| {};
            let mut judged = prune::scan(&store, &criteria(), None, &progress).unwrap();
            let before: BTreeMap<String, Vec<u8>> = store::collect(inner.as_ref())
                .unwrap()
                .0
                .into_iter()
                .map(|r| (r.facts.name.clone(), r.bytes))
                .collect();
            let n = prune::write_backup(
                &store,
                &mut judged.candidates,
                Box::new(VecSink(Arc::clone(&shared))),
                None,
                &progress,
            )
            .unwrap();
            assert_eq!(n, 3);
            prune::delete(&store, &mut judged.candidates, None, &progress).unwrap();
            let backed: BTreeMap<String, Vec<u8>> =
                shared.lock().unwrap().0.iter().cloned().collect();
            let deleted: BTreeSet<String> = judged
                .candidates
                .iter()
                .filter(|c| c.fate == CandidateFate::Deleted)
                .map(|c| c.name.clone())
                .collect();
            assert_eq!(backed.keys().cloned().collect::<BTreeSet<_>>(), deleted);
            for (name, bytes) in &backed {
                assert_eq!(Some(bytes), before.get(name), "exactly the deleted bytes");
            }
        }
    }

    #[test]
    fn a_room_changed_before_the_backup_is_neither_backed_up_nor_deleted() {
        for (_dir, inner) in stores(2) {
            let mut store = Meddling::new(inner.as_ref());
            let mut newer = old("old-000");
            newer["lastActivityAt"] = json!("2026-10-31T00:00:00.000Z");
            store.before_get = Mutex::new(Some(Box::new(move |s: &dyn Store| overwrite(s, newer))));
            let shared = Arc::new(Mutex::new((Vec::new(), false)));
            let progress = |_: Progress| {};
            let mut judged = prune::scan(&store, &criteria(), None, &progress).unwrap();
            let n = prune::write_backup(
                &store,
                &mut judged.candidates,
                Box::new(VecSink(Arc::clone(&shared))),
                None,
                &progress,
            )
            .unwrap();
            assert_eq!(n, 1);
            prune::delete(&store, &mut judged.candidates, None, &progress).unwrap();
            assert!(matches!(
                fate_of(&judged, "old-000"),
                CandidateFate::Changed(_)
            ));
            assert_eq!(fate_of(&judged, "old-001"), &CandidateFate::Deleted);
            assert_eq!(shared.lock().unwrap().0[0].0, "old-001");
            assert!(store::exists(inner.as_ref(), "old-000").unwrap());
        }
    }

    struct LostLock;

    impl LockGuard for LostLock {
        fn refresh(&self) -> Result<(), StoreError> {
            Err(StoreError::Locked {
                lock: "prune".into(),
                holder: "someone else now".into(),
            })
        }
    }

    #[test]
    fn a_lost_lock_stops_before_deleting() {
        for (_dir, inner) in stores(2) {
            let progress = |_: Progress| {};
            let mut judged = prune::scan(inner.as_ref(), &criteria(), None, &progress).unwrap();
            let err = prune::delete(
                inner.as_ref(),
                &mut judged.candidates,
                Some(&LostLock),
                &progress,
            );
            assert!(matches!(err, Err(StoreError::Locked { .. })));
            assert_eq!(store::collect(inner.as_ref()).unwrap().0.len(), 3);
        }
    }
}
