//! The one meaning of `--on-conflict` in `import` and `migrate-backend`
//! (see `src/conflict.rs`): under `newer`, a tie or an unknown last activity
//! is a conflict (kept, named, exit 5); `overwrite` replaces only what it
//! read, so a room written between the read and the write is kept and
//! reported; `import` asks consent (`--yes`) before it may overwrite, as
//! `migrate-backend` does. Each case runs against a room directory and a
//! real Redis.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use crate::support::redis::RedisServer;
use crate::support::{TestEnv, room, stdout_json, write_room};

use roomctl::archive::{self, ValidateOptions};
use roomctl::conflict::ConflictPolicy;
use roomctl::ops::import::{self, ImportOptions};
use roomctl::ops::migrate::{self, MigrateOptions};
use roomctl::room::RoomDocument;
use roomctl::store::file::FileStore;
use roomctl::store::{
    self, Condition, Delete, DeleteOutcome, LockGuard, Lookup, Put, PutOutcome, Scan, ScanOptions,
    Store, StoreError, StoreIdentity, StoreKind, StoreSpec,
};

const EARLY: &str = "2026-09-01T00:00:00.000Z";
const LATE: &str = "2026-12-01T00:00:00.000Z";

/// A room `name` as `who` wrote it, last active `at`; `None` for a room
/// whose last activity cannot be determined (no ratings, and a
/// `createdAt` that is no date).
fn version(name: &str, who: &str, at: Option<&str>) -> Value {
    let mut doc = room(name);
    doc["creatorPlexUsername"] = json!(who);
    match at {
        Some(at) => doc["lastActivityAt"] = json!(at),
        None => {
            doc["createdAt"] = json!("sometime");
            doc.as_object_mut().expect("object").remove("ratings");
        }
    }
    doc
}

/// Where the rooms under test are kept: a room directory or a Redis
/// database, with what roomctl names it by.
enum Target {
    Dir(std::path::PathBuf),
    Redis(RedisServer),
}

impl Target {
    fn uri(&self) -> String {
        match self {
            Target::Dir(dir) => dir.display().to_string(),
            Target::Redis(server) => server.url(),
        }
    }

    /// Empties the store and writes `rooms` the way the server does.
    fn plant(&self, rooms: &[Value]) {
        match self {
            Target::Dir(dir) => {
                for f in std::fs::read_dir(dir).expect("read dir") {
                    std::fs::remove_file(f.expect("entry").path()).expect("remove");
                }
                for doc in rooms {
                    write_room(dir, doc);
                }
            }
            Target::Redis(server) => {
                let mut con = server.connection();
                redis::cmd("FLUSHALL").exec(&mut con).expect("FLUSHALL");
                for doc in rooms {
                    let key = format!("room:{}", doc["roomName"].as_str().expect("name"));
                    let bytes = serde_json::to_vec(doc).expect("json");
                    redis::cmd("SET")
                        .arg(key)
                        .arg(bytes)
                        .exec(&mut con)
                        .expect("SET");
                }
            }
        }
    }

    /// Who wrote each room the store holds.
    fn writers(&self) -> BTreeMap<String, String> {
        let docs: Vec<Value> = match self {
            Target::Dir(dir) => std::fs::read_dir(dir)
                .expect("read dir")
                .map(|f| {
                    serde_json::from_slice(&std::fs::read(f.expect("entry").path()).expect("read"))
                        .expect("a room file")
                })
                .collect(),
            Target::Redis(server) => {
                let mut con = server.connection();
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg("room:*")
                    .query(&mut con)
                    .expect("KEYS");
                keys.iter()
                    .map(|k| {
                        let bytes: Vec<u8> = redis::cmd("GET").arg(k).query(&mut con).expect("GET");
                        serde_json::from_slice(&bytes).expect("a room")
                    })
                    .collect()
            }
        };
        docs.iter()
            .map(|d| {
                (
                    d["roomName"].as_str().expect("name").to_string(),
                    d["creatorPlexUsername"].as_str().expect("user").to_string(),
                )
            })
            .collect()
    }
}

fn targets(env: &TestEnv) -> Vec<Target> {
    vec![
        Target::Dir(env.rooms_dir("target")),
        Target::Redis(RedisServer::start()),
    ]
}

/// What `newer` must settle, and what it must not: the copies to import or
/// migrate, and the target's own.
fn newer_cases() -> (Vec<Value>, Vec<Value>) {
    let ours = vec![
        version("ours-newer", "ours", Some(LATE)),
        version("theirs-newer", "ours", Some(EARLY)),
        version("tie", "ours", Some(LATE)),
        version("theirs-unknown", "ours", Some(LATE)),
        version("ours-unknown", "ours", None),
    ];
    let theirs = vec![
        version("ours-newer", "theirs", Some(EARLY)),
        version("theirs-newer", "theirs", Some(LATE)),
        version("tie", "theirs", Some(LATE)),
        version("theirs-unknown", "theirs", None),
        version("ours-unknown", "theirs", Some(EARLY)),
    ];
    (ours, theirs)
}

/// After a `newer` run: only the strictly newer copy of ours replaced
/// theirs; every tie and unknown activity kept theirs.
fn assert_newer_kept(target: &Target) {
    let writers = target.writers();
    let expected: BTreeMap<String, String> = [
        ("ours-newer", "ours"),
        ("theirs-newer", "theirs"),
        ("tie", "theirs"),
        ("theirs-unknown", "theirs"),
        ("ours-unknown", "theirs"),
    ]
    .into_iter()
    .map(|(n, w)| (n.to_string(), w.to_string()))
    .collect();
    assert_eq!(writers, expected, "{}", target.uri());
}

const UNSETTLED: [&str; 3] = ["tie", "theirs-unknown", "ours-unknown"];

/// Our copies in the room directory `src`; with `archive`, exported to
/// `ours.jsonl` as well.
fn plant_ours(env: &TestEnv, docs: &[Value], archive: bool) {
    let src = env.rooms_dir("src");
    for doc in docs {
        write_room(&src, doc);
    }
    if archive {
        env.roomctl()
            .args(["-s", "src", "export", "ours.jsonl"])
            .assert()
            .success();
    }
}

#[test]
fn under_newer_a_tie_or_an_unknown_activity_is_a_conflict_for_import() {
    let env = TestEnv::new();
    let (ours, theirs) = newer_cases();
    plant_ours(&env, &ours, true);
    for target in targets(&env) {
        target.plant(&theirs);
        let out = env
            .roomctl()
            .args(["-s", &target.uri(), "import", "ours.jsonl"])
            .args(["--on-conflict", "newer", "--yes", "-o", "json"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{}: {stderr}", target.uri());
        let report = stdout_json(&out);
        assert_eq!(report["conflicts"], 3, "{report}");
        assert_eq!(report["overwritten"], 1, "{report}");
        assert_eq!(report["skipped"], 1, "{report}");
        for name in UNSETTLED {
            assert!(stderr.contains(name), "{name} is named: {stderr}");
        }
        assert!(
            stderr.contains("same last activity") && stderr.contains("is unknown"),
            "{stderr}"
        );
        assert_newer_kept(&target);
    }
}

#[test]
fn under_newer_a_tie_or_an_unknown_activity_is_a_conflict_for_migrate() {
    let env = TestEnv::new();
    let (ours, theirs) = newer_cases();
    plant_ours(&env, &ours, false);
    for target in targets(&env) {
        target.plant(&theirs);
        let out = env
            .roomctl()
            .args(["-s", "src", "migrate-backend", "--to", &target.uri()])
            .args(["--on-conflict", "newer", "--yes", "-o", "json"])
            .args(["--report", "r.jsonl"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{}: {stderr}", target.uri());
        let report = stdout_json(&out);
        assert_eq!(report["unresolvedConflicts"], 3, "{report}");
        let lines = std::fs::read_to_string(env.path().join("r.jsonl")).expect("report");
        let statuses: BTreeMap<String, String> = lines
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("a JSON line");
                (
                    v["room"].as_str().expect("room").to_string(),
                    v["status"].as_str().expect("status").to_string(),
                )
            })
            .collect();
        for name in UNSETTLED {
            assert_eq!(statuses[name], "conflict", "{name}: {statuses:?}");
        }
        assert_eq!(statuses["ours-newer"], "copied");
        assert_eq!(statuses["theirs-newer"], "skipped");
        assert_newer_kept(&target);
    }
}

#[test]
fn import_needs_yes_to_overwrite() {
    let env = TestEnv::new();
    let ours = [
        version("a", "ours", Some(LATE)),
        version("new", "ours", Some(LATE)),
    ];
    plant_ours(&env, &ours, true);
    for target in targets(&env) {
        target.plant(&[version("a", "theirs", Some(EARLY))]);
        let uri = target.uri();
        for policy in ["overwrite", "newer"] {
            for format in ["json", "yaml"] {
                let out = env
                    .roomctl()
                    .args(["-s", &uri, "import", "ours.jsonl", "--on-conflict", policy])
                    .args(["-o", format])
                    .output()
                    .expect("run");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(6), "{uri} {policy}: {stderr}");
                assert!(stderr.contains("--yes"), "{stderr}");
                let report: Value = match format {
                    "json" => stdout_json(&out),
                    _ => serde_yaml::from_slice(&out.stdout).expect("YAML on stdout"),
                };
                assert_eq!(report["refused"], "needs-yes", "{report}");
                assert_eq!(report["created"], 0, "{report}");
            }
            // A dry run needs no consent, and writes nothing.
            let out = env
                .roomctl()
                .args(["-s", &uri, "import", "ours.jsonl", "--on-conflict", policy])
                .args(["--dry-run", "-o", "json"])
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(0), "{uri} {policy} --dry-run");
            assert_eq!(stdout_json(&out)["overwritten"], 1);
            let writers: Vec<(String, String)> = target.writers().into_iter().collect();
            assert_eq!(writers, vec![("a".into(), "theirs".into())], "{uri}");
        }
        // Policies that never overwrite need no consent.
        env.roomctl()
            .args(["-s", &uri, "import", "ours.jsonl", "--on-conflict", "skip"])
            .assert()
            .success();
        assert_eq!(target.writers()["new"], "ours");
        assert_eq!(target.writers()["a"], "theirs");
    }
}

// ---------------------------------------------------------------------------
// `overwrite` racing a writer, at the engine: the server writes the room
// between the engine's read and its write.

/// A real store that, right after the first `get_batch` has read, lets the
/// server write a room (the race, made certain).
struct ServerWritesAfterRead<'a> {
    inner: &'a dyn Store,
    server_write: Mutex<Option<Value>>,
}

impl<'a> ServerWritesAfterRead<'a> {
    fn new(inner: &'a dyn Store, doc: Value) -> Self {
        ServerWritesAfterRead {
            inner,
            server_write: Mutex::new(Some(doc)),
        }
    }
}

impl Store for ServerWritesAfterRead<'_> {
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
        let read = self.inner.get_batch(names);
        if let Some(doc) = self.server_write.lock().expect("lock").take() {
            let doc = RoomDocument::from_value(doc).expect("valid room");
            let put = Put {
                doc: &doc,
                condition: Condition::Overwrite,
                ttl_ms: None,
            };
            assert_eq!(
                store::put(self.inner, put).expect("put"),
                PutOutcome::Written
            );
        }
        read
    }
    fn read_raw_batch(&self, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.inner.read_raw_batch(names)
    }
    fn put_batch(&self, puts: &[Put<'_>]) -> Result<Vec<PutOutcome>, StoreError> {
        self.inner.put_batch(puts)
    }
    fn delete_batch(&self, deletes: &[Delete<'_>]) -> Result<Vec<DeleteOutcome>, StoreError> {
        self.inner.delete_batch(deletes)
    }
    fn lock(&self, name: &str) -> Result<Box<dyn LockGuard + '_>, StoreError> {
        self.inner.lock(name)
    }
}

fn open(target: &Target) -> Box<dyn Store> {
    match target {
        Target::Dir(dir) => Box::new(FileStore::open(dir).expect("open the room directory")),
        Target::Redis(server) => {
            store::open(&StoreSpec::parse(&server.url()).expect("URL")).expect("open Redis")
        }
    }
}

/// The stored room `a`, then ours, then the server's write between the
/// read and the write.
fn race_versions() -> [Value; 3] {
    [
        version("a", "theirs", Some(EARLY)),
        version("a", "ours", Some(LATE)),
        version("a", "server", Some(LATE)),
    ]
}

#[test]
fn import_overwrite_never_replaces_a_room_written_after_it_was_read() {
    let env = TestEnv::new();
    let [stored, ours, server] = race_versions();
    let input = env.path().join("ours.json");
    std::fs::write(&input, serde_json::to_vec(&json!([ours])).expect("json")).expect("write");
    for target in targets(&env) {
        target.plant(std::slice::from_ref(&stored));
        let inner = open(&target);
        let racing = ServerWritesAfterRead::new(inner.as_ref(), server.clone());
        let checked = archive::validate(&input, &ValidateOptions::default()).expect("valid");
        let options = ImportOptions {
            on_conflict: ConflictPolicy::Overwrite,
            dry_run: false,
            chosen: None,
            include_invalid: false,
        };
        let warnings = Mutex::new(Vec::new());
        let progress = |p: roomctl::ops::Progress| {
            if let roomctl::ops::Progress::Warning(w) = p {
                warnings.lock().expect("lock").push(w);
            }
        };
        let report = import::import(
            &racing,
            &input,
            &checked,
            &options,
            &progress,
            &mut |_, _| Ok(()),
        )
        .expect("import");
        assert_eq!(
            target.writers()["a"],
            "server",
            "{}: the server's write is kept",
            target.uri()
        );
        assert_eq!(report.counts.overwritten, 0, "{}", target.uri());
        assert_eq!(report.counts.changed_meanwhile, 1, "{}", target.uri());
        let warnings = warnings.into_inner().expect("lock");
        assert!(
            warnings.iter().any(|w| w.contains("meanwhile")),
            "{warnings:?}"
        );
    }
}

#[test]
fn migrate_overwrite_never_replaces_a_room_written_after_it_was_read() {
    let env = TestEnv::new();
    let [stored, ours, server] = race_versions();
    let src = env.rooms_dir("src");
    write_room(&src, &ours);
    let source = FileStore::open(&src).expect("open the source");
    for target in targets(&env) {
        target.plant(std::slice::from_ref(&stored));
        let inner = open(&target);
        let racing = ServerWritesAfterRead::new(inner.as_ref(), server.clone());
        let options = MigrateOptions {
            on_conflict: ConflictPolicy::Overwrite,
            verify: true,
            delete_source: false,
            dry_run: false,
            with_ttl: false,
            no_copy: false,
        };
        let mut records = Vec::new();
        let outcome = migrate::migrate(
            &source,
            &racing,
            &options,
            &AtomicBool::new(false),
            &mut |r| {
                records.push(serde_json::to_value(r).expect("a record"));
                Ok(())
            },
        )
        .expect("migrate");
        assert_eq!(
            target.writers()["a"],
            "server",
            "{}: the server's write is kept",
            target.uri()
        );
        let tally = serde_json::to_value(&outcome.counts).expect("tally");
        assert_eq!(tally["overwritten"], 0, "{tally}");
        assert_eq!(tally["changedMeanwhile"], 1, "{tally}");
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0]["status"], "changed-meanwhile", "{records:?}");
        let verdict = migrate::verdict(&outcome.counts, &options, false);
        assert_eq!(verdict.code.code(), 3, "reported as not done: {verdict:?}");
    }
}
