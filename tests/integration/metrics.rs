//! `--metrics-file`: through the real binary, for each of the five commands
//! that take it, on a success, a refusal and a failure (a real Redis server
//! that is then killed), each file read by a strict reader of the
//! Prometheus text format (`support::prom`), never by pattern matching.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::prom::{self, Exposition};
use crate::support::redis::RedisServer;
use crate::support::{TestEnv, room, safe_name, write_room};

const PASSWORD: &str = "s3cret-pw";

/// The instant prunes run at: rooms from `room()` (last activity
/// 2026-10-01) are 14 days old then.
const NOW: &str = "2026-10-15T00:00:00Z";

/// A real Redis server that wants a password, the URL that names it (with
/// the password, which must never reach a metrics file), and a connection.
fn redis_with_password() -> (RedisServer, String, redis::Connection) {
    let server = RedisServer::start();
    let mut con = server.connection();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg(PASSWORD)
        .query(&mut con)
        .expect("requirepass");
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{}/0", server.port());
    let con = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connection with the password");
    (server, url, con)
}

fn set(con: &mut redis::Connection, key: &str, value: &str) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query(con)
        .expect("SET");
}

fn set_room(con: &mut redis::Connection, doc: &Value) {
    let key = format!("room:{}", doc["roomName"].as_str().expect("roomName"));
    set(con, &key, &doc.to_string());
}

/// A room nobody has used since 2020.
fn old_room(name: &str) -> Value {
    json!({
        "roomName": name,
        "sort": "random",
        "createdAt": "2020-01-01T00:00:00.000Z",
        "creatorPlexUserId": "42",
        "creatorPlexUsername": "ann",
    })
}

/// FILE, read by the strict reader; panics with the text when it is not
/// valid exposition text.
fn read(path: &Path) -> Exposition {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("{} should exist: {e}", path.display()));
    prom::parse(&text).unwrap_or_else(|e| panic!("not Prometheus text: {e}\n{text}"))
}

/// What every file says, whatever the outcome: every family a documented
/// gauge, the two labels on every sample (the store without its password),
/// the exit code, a last run just now. Returns the file.
fn common(path: &Path, command: &str, code: i32) -> Exposition {
    let m = read(path);
    for f in &m.families {
        assert!(f.name.starts_with("roomctl_"), "{}", f.name);
        assert_eq!(f.kind.as_deref(), Some("gauge"), "{}", f.name);
        assert!(
            f.help.as_deref().is_some_and(|h| !h.is_empty()),
            "{}",
            f.name
        );
    }
    let labels = m.labels();
    assert_eq!(
        labels.keys().collect::<Vec<_>>(),
        ["command", "store"],
        "{labels:?}"
    );
    assert_eq!(labels["command"], command);
    assert!(!labels["store"].contains(PASSWORD), "{labels:?}");
    assert_eq!(m.value("roomctl_exit_code"), f64::from(code));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let last_run = m.value("roomctl_last_run_timestamp_seconds");
    assert!(
        last_run <= now && now - last_run < 120.0,
        "{last_run} vs {now}"
    );
    assert!(m.value("roomctl_duration_seconds") >= 0.0);
    // The temporary file is gone, and was never a *.prom the collector reads.
    let dir = path.parent().unwrap();
    let names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["m.prom"], "only FILE in its directory");
    m
}

/// The counts, in the order considered, written, deleted, kept, invalid.
fn counts(m: &Exposition) -> [u64; 5] {
    ["considered", "written", "deleted", "kept", "invalid"]
        .map(|what| m.value(&format!("roomctl_rooms_{what}")) as u64)
}

fn last_success(m: &Exposition) -> f64 {
    m.value("roomctl_last_success_timestamp_seconds")
}

/// The environment of a test, with a directory of its own for FILE.
fn metrics_env() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    fs::create_dir(env.path().join("prom")).unwrap();
    let path = env.path().join("prom/m.prom");
    (env, path)
}

#[test]
fn export_metrics_on_success_refusal_and_failure() {
    let (mut server, url, mut con) = redis_with_password();
    for name in ["alpha", "beta", "gamma"] {
        set_room(&mut con, &room(name));
    }
    set(&mut con, "room:broken", "{not json");
    let (env, file) = metrics_env();
    let export = |target: &str| {
        let mut cmd = env.roomctl();
        cmd.args([
            "-s",
            &url,
            "export",
            target,
            "--skip-invalid",
            "--metrics-file",
        ])
        .arg(&file);
        cmd
    };

    export("out.jsonl").assert().code(0);
    let m = common(&file, "export", 0);
    assert_eq!(counts(&m), [4, 3, 0, 0, 1]);
    let size = fs::metadata(env.path().join("out.jsonl")).unwrap().len();
    assert_eq!(m.value("roomctl_archive_bytes"), size as f64);
    let succeeded = last_success(&m);
    assert_eq!(succeeded, m.value("roomctl_last_run_timestamp_seconds"));
    assert_eq!(m.value("roomctl_dry_run"), 0.0);

    // Refused: the archive exists. Nothing was counted; the success stays.
    export("out.jsonl")
        .assert()
        .code(6)
        .stderr(contains("exists"));
    let m = common(&file, "export", 6);
    assert_eq!(counts(&m), [0; 5]);
    assert!(m.family("roomctl_archive_bytes").is_none());
    assert_eq!(last_success(&m), succeeded);

    // Redis is down.
    server.kill();
    export("other.jsonl").assert().code(7);
    let m = common(&file, "export", 7);
    assert_eq!(counts(&m), [0; 5]);
    assert_eq!(last_success(&m), succeeded);
}

#[test]
fn import_metrics_on_success_refusal_and_failure() {
    let (mut server, url, mut con) = redis_with_password();
    let (env, file) = metrics_env();
    let rooms = env.rooms_dir("rooms");
    for name in ["alpha", "beta", "gamma"] {
        write_room(&rooms, &room(name));
    }
    env.roomctl()
        .args(["-s", "rooms", "export", "a.jsonl"])
        .assert()
        .success();
    let import = || {
        let mut cmd = env.roomctl();
        cmd.args(["-s", &url, "import", "a.jsonl", "--metrics-file"])
            .arg(&file);
        cmd
    };
    let archive_size = fs::metadata(env.path().join("a.jsonl")).unwrap().len() as f64;

    import().assert().code(0);
    let m = common(&file, "import", 0);
    assert_eq!(counts(&m), [3, 3, 0, 0, 0]);
    assert_eq!(m.value("roomctl_archive_bytes"), archive_size);
    let succeeded = last_success(&m);
    assert!(succeeded > 0.0);

    // The server changed a room: the import is refused whole (exit 5).
    let mut changed = room("beta");
    changed["sort"] = json!("popular");
    set_room(&mut con, &changed);
    import().assert().code(5).stderr(contains("beta"));
    let m = common(&file, "import", 5);
    // Two unchanged rooms and one conflict, all left as they were.
    assert_eq!(counts(&m), [3, 0, 0, 3, 0]);
    assert_eq!(last_success(&m), succeeded);

    server.kill();
    import().assert().code(7);
    let m = common(&file, "import", 7);
    assert_eq!(counts(&m), [0; 5]);
    assert_eq!(m.value("roomctl_archive_bytes"), archive_size);
    assert_eq!(last_success(&m), succeeded);
}

#[test]
fn migrate_metrics_on_success_refusal_and_failure() {
    let (mut server, url, mut con) = redis_with_password();
    for name in ["alpha", "beta", "gamma"] {
        set_room(&mut con, &room(name));
    }
    let (env, file) = metrics_env();
    let migrate = |extra: &[&str]| {
        let mut cmd = env.roomctl();
        cmd.args(["migrate-backend", "--from", &url, "--to", "target"])
            .args(["--create-store", "--metrics-file"])
            .arg(&file)
            .args(extra);
        cmd
    };

    migrate(&[]).assert().code(0);
    let m = common(&file, "migrate-backend", 0);
    assert_eq!(counts(&m), [3, 3, 0, 0, 0]);
    // The store of a migration's metrics is its source.
    assert!(
        m.labels()["store"].starts_with("redis://"),
        "{:?}",
        m.labels()
    );
    assert!(m.family("roomctl_archive_bytes").is_none());
    let succeeded = last_success(&m);

    // Deleting the source needs --yes.
    migrate(&["--delete-source"])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    let m = common(&file, "migrate-backend", 6);
    assert_eq!(last_success(&m), succeeded);

    server.kill();
    migrate(&[]).assert().code(7);
    let m = common(&file, "migrate-backend", 7);
    assert_eq!(counts(&m), [0; 5]);
    assert_eq!(last_success(&m), succeeded);
}

#[test]
fn prune_metrics_on_success_dry_run_refusal_and_failure() {
    let (mut server, url, mut con) = redis_with_password();
    set_room(&mut con, &room("recent one"));
    set_room(&mut con, &room("recent two"));
    set_room(&mut con, &old_room("old one"));
    set(&mut con, "room:broken", "{not json");
    let (env, file) = metrics_env();
    let prune = |extra: &[&str]| {
        let mut cmd = env.roomctl();
        cmd.args(["-s", &url, "prune-inactive", "--older-than", "30d"])
            .args(["--now", NOW, "--max-delete", "1", "--yes", "--metrics-file"])
            .arg(&file)
            .args(extra);
        cmd
    };

    prune(&["--backup", "b1.jsonl"]).assert().code(0);
    let m = common(&file, "prune-inactive", 0);
    assert_eq!(counts(&m), [4, 1, 1, 2, 1]);
    let size = fs::metadata(env.path().join("b1.jsonl")).unwrap().len();
    assert_eq!(m.value("roomctl_archive_bytes"), size as f64);
    let succeeded = last_success(&m);

    // A dry run is reported, and is never a success.
    set_room(&mut con, &old_room("old two"));
    set_room(&mut con, &old_room("old three"));
    prune(&["--dry-run"]).assert().code(6);
    let m = common(&file, "prune-inactive", 6);
    assert_eq!(m.value("roomctl_dry_run"), 1.0);
    assert_eq!(last_success(&m), succeeded);

    // Two old rooms are more than --max-delete 1: refused, nothing deleted.
    prune(&["--backup", "b2.jsonl"])
        .assert()
        .code(6)
        .stderr(contains("--max-delete"));
    let m = common(&file, "prune-inactive", 6);
    assert_eq!(m.value("roomctl_dry_run"), 0.0);
    assert_eq!(counts(&m), [5, 0, 0, 4, 1]);
    assert!(m.family("roomctl_archive_bytes").is_none());
    assert_eq!(last_success(&m), succeeded);

    server.kill();
    prune(&[]).assert().code(7);
    let m = common(&file, "prune-inactive", 7);
    assert_eq!(counts(&m), [0; 5]);
    assert_eq!(last_success(&m), succeeded);
}

#[test]
fn check_metrics_on_success_and_failure() {
    let (mut server, url, mut con) = redis_with_password();
    for name in ["alpha", "beta"] {
        set_room(&mut con, &room(name));
    }
    let (env, file) = metrics_env();
    let check = || {
        let mut cmd = env.roomctl();
        cmd.args(["-s", &url, "check", "--metrics-file"]).arg(&file);
        cmd
    };
    check().assert().code(0);
    let m = common(&file, "check", 0);
    assert_eq!(counts(&m), [2, 0, 0, 0, 0]);
    let succeeded = last_success(&m);

    // Damage is not a success either (exit 3): a room under another's key.
    set(&mut con, "room:misnamed", &room("delta").to_string());
    check().assert().code(3);
    let m = common(&file, "check", 3);
    assert_eq!(counts(&m), [2, 0, 0, 0, 1]);
    assert_eq!(last_success(&m), succeeded);

    server.kill();
    check().assert().code(7);
    let m = common(&file, "check", 7);
    assert_eq!(last_success(&m), succeeded);
}

/// `check` refuses only `--fix` (without `--yes`), which only a room
/// directory can need; a FILE that never saw a success says 0.
#[test]
fn check_metrics_on_a_refused_fix() {
    let (env, file) = metrics_env();
    let rooms = env.rooms_dir("rooms");
    write_room(&rooms, &room("alpha"));
    // A room file under another room's name: renamed by --fix.
    fs::rename(
        rooms.join(safe_name("alpha")),
        rooms.join("copy of alpha.json"),
    )
    .unwrap();
    env.roomctl()
        .args(["-s", "rooms", "check", "--fix", "--metrics-file"])
        .arg(&file)
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    let m = common(&file, "check", 6);
    assert_eq!(last_success(&m), 0.0);
    assert_eq!(m.labels()["store"], "file:rooms");
}

/// A FILE that cannot be written is refused before the run does anything.
#[test]
fn an_unwritable_metrics_file_is_refused_before_anything_is_done() {
    let env = TestEnv::new();
    let rooms = env.rooms_dir("rooms");
    write_room(&rooms, &old_room("old one"));
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "prune-inactive",
            "--older-than",
            "30d",
            "--yes",
        ])
        .args(["--metrics-file", "no/such/dir/m.prom"])
        .assert()
        .code(2)
        .stderr(contains("no/such/dir/m.prom").and(contains("nothing was done")));
    assert!(rooms.join(safe_name("old one")).exists());
}

/// Label values are escaped as the format says (backslash, quote, newline),
/// and a later run still finds its own last success.
#[test]
fn label_values_are_escaped_and_read_back() {
    let (env, file) = metrics_env();
    let name = "we\"ird\\rooms";
    let rooms = env.rooms_dir(name);
    write_room(&rooms, &room("alpha"));
    let check = || {
        let mut cmd = env.roomctl();
        cmd.arg("-s")
            .arg(&rooms)
            .args(["check", "--metrics-file"])
            .arg(&file);
        cmd
    };
    check().assert().code(0);
    let m = common(&file, "check", 0);
    assert_eq!(
        m.labels()["store"],
        format!("file:{}", rooms.display()),
        "read back unescaped"
    );
    let succeeded = last_success(&m);
    fs::remove_dir_all(&rooms).unwrap();
    check().assert().code(7);
    let m = common(&file, "check", 7);
    assert_eq!(last_success(&m), succeeded);
}

/// The reader used above refuses what the format does not allow.
#[test]
fn the_exposition_reader_is_strict() {
    let good = "# HELP a_b Help with \\\\ and \\n.\n# TYPE a_b gauge\na_b{x=\"q\\\"\\\\\\n\",y=\"\"} 1.5\n";
    let m = prom::parse(good).unwrap();
    assert_eq!(m.family("a_b").unwrap().samples[0].labels["x"], "q\"\\\n");
    for bad in [
        "a_b 1",                                 // no final newline
        "a_b{x=\"q\"\"} 1\n",                    // unescaped quote
        "a_b{x=\"\\t\"} 1\n",                    // unknown escape
        "a_b{x=\"1\",x=\"2\"} 1\n",              // label twice
        "a_b 1 1700000000000\n",                 // a timestamp
        "a_b one\n",                             // not a number
        "1a 1\n",                                // bad name
        "a 1\nb 1\na 2\n",                       // family split
        "a{x=\"1\"} 1\na{x=\"1\"} 2\n",          // series twice
        "a 1\n# TYPE a gauge\n",                 // TYPE after samples
        "# TYPE a gauge\n# TYPE a gauge\na 1\n", // TYPE twice
        "# TYPE a gauge summary\na 1\n",         // unknown type
        "# HELP a x\\y\na 1\n",                  // bad HELP escape
    ] {
        assert!(prom::parse(bad).is_err(), "accepted {bad:?}");
    }
}
