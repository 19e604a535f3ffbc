//! What the fault tests share: rooms with versions, reading a store back as
//! a map of rooms (failing loudly on anything half-written), running and
//! killing the binary, the old-or-new assertion, and the tally of faults.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestEnv, safe_name};

/// Rooms by name, as documents.
pub type Rooms = BTreeMap<String, Value>;

static INJECTED: AtomicU32 = AtomicU32::new(0);
static SURVIVED: AtomicU32 = AtomicU32::new(0);

/// One fault test at a time: each times an undisturbed run and injects its
/// faults at moments taken from it, which only works when no other test
/// competes for the cores meanwhile.
static SERIAL: Mutex<()> = Mutex::new(());

/// The faults one test injected and how many of them roomctl survived (its
/// promises held afterwards). Finishing prints `faults survived: N/N`.
pub struct Tally {
    test: &'static str,
    injected: u32,
    survived: u32,
    /// What the faults caught, counted (`rooms restored by check --fix`).
    notes: BTreeMap<&'static str, usize>,
    /// Held while the test runs (see [`SERIAL`]).
    _serial: MutexGuard<'static, ()>,
}

impl Tally {
    pub fn new(test: &'static str) -> Tally {
        Tally {
            test,
            injected: 0,
            survived: 0,
            notes: BTreeMap::new(),
            // A test that failed while holding it poisoned it; the next
            // one runs all the same.
            _serial: SERIAL
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Every fault injected so far was survived (asserted by the caller).
    pub fn all_survived(&mut self) {
        self.survived = self.injected;
    }

    /// Counts something a fault caught, for the summary line.
    pub fn note(&mut self, what: &'static str, n: usize) {
        *self.notes.entry(what).or_default() += n;
    }

    pub fn injected(&mut self) {
        self.injected += 1;
    }

    pub fn survived(&mut self) {
        self.survived += 1;
        assert!(
            self.survived <= self.injected,
            "survived more than injected"
        );
    }

    /// Prints the count. A fault test that injected nothing proves nothing,
    /// so that fails it.
    pub fn finish(self, at_least: u32) {
        assert!(
            self.injected >= at_least,
            "{}: only {} faults injected, wanted at least {at_least} (did every run end before its fault?)",
            self.test,
            self.injected
        );
        assert_eq!(self.survived, self.injected, "{}", self.test);
        let total_injected = INJECTED.fetch_add(self.injected, Ordering::Relaxed) + self.injected;
        let total_survived = SURVIVED.fetch_add(self.survived, Ordering::Relaxed) + self.survived;
        // Straight to the process's stderr, not through eprintln!, which the
        // test harness captures: the count shows in every CI log.
        let notes: String = self
            .notes
            .iter()
            .map(|(what, n)| format!("; {n} {what}"))
            .collect();
        let _ = writeln!(
            std::io::stderr(),
            "faults survived: {}/{} ({}{notes}; {}/{} so far in this run)",
            self.survived,
            self.injected,
            self.test,
            total_survived,
            total_injected
        );
    }
}

/// A room as the server writes it, with a field roomctl does not know (it
/// must survive every copy) holding `version`, and `lastActivityAt`.
pub fn room(name: &str, version: u64, last_activity: &str) -> Value {
    json!({
        "roomName": name,
        "password": "hunter2",
        "sort": "random",
        "createdAt": "2026-01-01T12:00:00.000Z",
        "creatorPlexUserId": "42",
        "creatorPlexUsername": "ann",
        "ratings": {
            "plex://movie/1": [["ann", "like", 1767268800000_i64], ["bob", "like", 1767268860000_i64]]
        },
        "userProgress": {"ann": 1, "bob": 1},
        "lastActivityAt": last_activity,
        "futureField": {"version": version, "note": "kept by every copy"}
    })
}

/// Room names, a few of them with characters the file names replace.
pub fn names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 10 {
            3 => format!("café night {i:04}"),
            7 => format!("🎬 club/{i:04}"),
            _ => format!("room-{i:04}"),
        })
        .collect()
}

/// `n` rooms of `version`, all last active at `activity`.
pub fn rooms_of(names: &[String], version: u64, activity: &str) -> Rooms {
    names
        .iter()
        .map(|n| (n.clone(), room(n, version, activity)))
        .collect()
}

/// The version a stored room carries.
pub fn version_of(doc: &Value) -> u64 {
    doc["futureField"]["version"].as_u64().unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------
// File stores

/// Empties `dir` (creating it) and writes `rooms` the way the server does:
/// pretty JSON, no trailing newline, `<safe>.json`.
pub fn plant_files(dir: &Path, rooms: &Rooms) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("empty the store");
    }
    fs::create_dir_all(dir).expect("mkdir");
    for doc in rooms.values() {
        write_server_style(dir, doc);
    }
}

/// Writes one room as the server does: `<safe>.json.tmp`, then a rename.
pub fn write_server_style(dir: &Path, doc: &Value) {
    let name = doc["roomName"].as_str().expect("roomName");
    let file = dir.join(safe_name(name));
    let tmp = dir.join(format!("{}.tmp", safe_name(name)));
    fs::write(&tmp, serde_json::to_vec_pretty(doc).expect("json")).expect("write tmp");
    fs::rename(&tmp, &file).expect("rename");
}

/// Every room of a room directory. Panics on a `*.json` entry that is not
/// a complete room in the file the server looks for it in: a half-written
/// or misplaced room is exactly what must never happen.
pub fn file_rooms(dir: &Path) -> Rooms {
    let mut rooms = Rooms::new();
    for entry in fs::read_dir(dir).expect("read the store") {
        let entry = entry.expect("entry");
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.ends_with(".json") {
            continue;
        }
        let bytes = fs::read(entry.path()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{file} is not whole JSON ({e}): {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        let name = doc["roomName"]
            .as_str()
            .unwrap_or_else(|| panic!("{file} holds no room: {doc}"))
            .to_string();
        assert_eq!(safe_name(&name), file, "{file} holds room {name:?}");
        assert!(rooms.insert(name, doc).is_none());
    }
    rooms
}

/// The names of the temporary files (`*.tmp`) in a directory.
pub fn temp_files(dir: &Path) -> Vec<String> {
    let mut temps: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.ends_with(".tmp").then_some(name)
        })
        .collect();
    temps.sort();
    temps
}

/// Every file of a directory with its bytes.
pub fn dir_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            let bytes = fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Redis stores

/// Empties the database and writes `rooms` the way the server does:
/// `room:<name>`, compact JSON.
pub fn plant_redis(con: &mut redis::Connection, rooms: &Rooms) {
    redis::cmd("FLUSHALL").exec(con).expect("FLUSHALL");
    if rooms.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for (name, doc) in rooms {
        pipe.cmd("SET")
            .arg(format!("room:{name}"))
            .arg(serde_json::to_vec(doc).expect("json"))
            .ignore();
    }
    pipe.exec(con).expect("plant rooms");
}

/// Every room under `room:`. Panics on a value that is not a complete room.
pub fn redis_rooms(con: &mut redis::Connection) -> Rooms {
    redis_rooms_under(con, "room:")
}

/// Every room under `prefix`. Panics on a value that is not a complete room.
pub fn redis_rooms_under(con: &mut redis::Connection, prefix: &str) -> Rooms {
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(con)
        .expect("KEYS");
    let mut rooms = Rooms::new();
    for key in keys {
        let value: Vec<u8> = redis::cmd("GET").arg(&key).query(con).expect("GET");
        let key = String::from_utf8(key).expect("utf-8 key");
        let doc: Value = serde_json::from_slice(&value)
            .unwrap_or_else(|e| panic!("{key} is not whole JSON ({e})"));
        let name = key.strip_prefix(prefix).expect("prefix").to_string();
        assert_eq!(doc["roomName"], json!(name), "{key}");
        rooms.insert(name, doc);
    }
    rooms
}

// ---------------------------------------------------------------------------
// Running the binary

/// `roomctl ARGS` as a child process, its output piped.
pub fn spawn(env: &TestEnv, args: &[String]) -> Child {
    env.roomctl_process()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn roomctl")
}

/// Runs `roomctl ARGS` to the end.
pub fn run(env: &TestEnv, args: &[String]) -> Output {
    env.roomctl_process()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run roomctl")
}

pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts exit status 0, showing stderr otherwise.
pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {:?}\n{}",
        out.status,
        stderr(out)
    );
}

/// Asserts a failure with one clear line: a non-zero status, and exactly
/// one error line on stderr (retries before it are warnings; a command may
/// have printed its summary), which it returns.
pub fn assert_one_line_error(out: &Output, what: &str) -> String {
    assert!(!out.status.success(), "{what}: succeeded\n{}", stderr(out));
    assert!(out.status.code().is_some(), "{what}: {:?}", out.status);
    let text = stderr(out);
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("roomctl: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: one error line\n{text}");
    errors[0].to_string()
}

/// [`measure`] of each of the `variants` commands the kills of a test
/// alternate between (`command(i)` for run `i`): the shortest, so that the
/// kills land within every variant's run.
pub fn measure_variants(
    env: &TestEnv,
    variants: usize,
    command: impl Fn(usize) -> Vec<String>,
    mut reset: impl FnMut(usize),
) -> Duration {
    (0..variants)
        .map(|i| measure(env, &command(i), || reset(i)))
        .min()
        .unwrap_or_default()
}

/// How long an undisturbed run takes, to spread kills over: the shorter of
/// two runs (`reset` before each), as a busy machine only ever slows a run
/// down.
pub fn measure(env: &TestEnv, args: &[String], mut reset: impl FnMut()) -> Duration {
    (0..2)
        .map(|_| {
            reset();
            let started = Instant::now();
            let out = run(env, args);
            let took = started.elapsed();
            assert_ok(&out, "the undisturbed run");
            took
        })
        .min()
        .unwrap_or_default()
}

/// `n` delays spread from the start to most of `run`, to kill at.
pub fn delays(run: Duration, n: usize) -> Vec<Duration> {
    (0..n)
        .map(|i| run.mul_f64(0.02 + 0.83 * i as f64 / (n.max(2) - 1) as f64))
        .collect()
}

/// Runs `roomctl ARGS`, sends SIGKILL after `delay`, and reaps it. Whether
/// it was still running when killed.
pub fn kill_after(env: &TestEnv, args: &[String], delay: Duration) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let mut child = spawn(env, args);
    thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().expect("reap roomctl");
    // It may have finished just before the signal: then it was not killed.
    match status.signal() {
        Some(libc::SIGKILL) => true,
        _ => {
            assert!(status.success(), "not killed, yet {status:?}");
            false
        }
    }
}

// ---------------------------------------------------------------------------
// The promise

/// Asserts that each room of `actual` is in its old state or its new one;
/// a room of `old` may be missing only where the new state has no such room
/// or where `may_miss` allows it (a room `check --fix` restores).
pub fn assert_old_or_new(
    actual: &Rooms,
    old: &Rooms,
    new: &Rooms,
    may_miss: &BTreeSet<String>,
    context: &str,
) {
    for (name, doc) in actual {
        let is_old = old.get(name) == Some(doc);
        let is_new = new.get(name) == Some(doc);
        assert!(
            is_old || is_new,
            "{context}: room {name:?} is neither its old nor its new state: {doc}"
        );
    }
    for name in old.keys() {
        if !actual.contains_key(name) {
            assert!(
                !new.contains_key(name) || may_miss.contains(name),
                "{context}: room {name:?} was lost"
            );
        }
    }
}

/// Whether a `check` problem is a new version of a room that a killed
/// roomctl wrote to a temporary file and never put in place: kept (it may
/// be the only copy of that version), and removed by `check --fix` once
/// running the command again has written the same version.
fn unfinished_write(p: &Value) -> bool {
    p["kind"] == "stale-temp"
        && p["fixable"] == json!(false)
        && p["location"]
            .as_str()
            .is_some_and(|l| l.contains(".roomctl-new-"))
        && p["message"]
            .as_str()
            .is_some_and(|m| m.contains("never put in place"))
}

/// Runs `check -o json` on a store after a fault. It may find only what
/// `check --fix` repairs, information, and unfinished new versions (which
/// running the command again settles); the returned rooms are those an
/// interrupted write left only in a temporary file, which the repair puts
/// back. `rooms` names the rooms that could be concerned.
pub fn check_finds_only_repairable(
    env: &TestEnv,
    store: &str,
    rooms: &[&Rooms],
    context: &str,
) -> BTreeSet<String> {
    let out = run(env, &args(&["-s", store, "check", "-o", "json"]));
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{context}: check -o json: {e}\n{}", stderr(&out)));
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 3)),
        "{context}: check {code:?}\n{}",
        stderr(&out)
    );
    assert_eq!(
        code == Some(0),
        report["healthy"] == json!(true),
        "{context}: {report}"
    );
    let by_file: BTreeMap<String, &String> = rooms
        .iter()
        .flat_map(|r| r.keys())
        .map(|n| (safe_name(n), n))
        .collect();
    let mut restorable = BTreeSet::new();
    for p in report["problems"].as_array().expect("problems") {
        assert!(
            p["severity"] == "info" || p["fixable"] == json!(true) || unfinished_write(p),
            "{context}: check found what neither --fix nor a re-run repairs: {p}"
        );
        if p["kind"] == "interrupted-write" {
            let location = p["location"].as_str().expect("location");
            let file = Path::new(location)
                .file_name()
                .expect("file name")
                .to_string_lossy();
            let base = file.split(".roomctl-").next().unwrap_or(&file);
            let base = base.strip_suffix(".tmp").unwrap_or(base);
            if let Some(name) = by_file.get(base) {
                restorable.insert((*name).clone());
            }
        }
    }
    restorable
}

/// Runs `check --fix --yes`: afterwards only unfinished new versions may
/// remain, for the re-run (`strict`: nothing at all may remain).
pub fn fix(env: &TestEnv, store: &str, strict: bool, context: &str) -> Value {
    let out = run(
        env,
        &args(&["-s", store, "check", "--fix", "--yes", "-o", "json"]),
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{context}: check --fix -o json: {e}\n{}", stderr(&out)));
    for p in report["problems"].as_array().expect("problems") {
        assert!(
            p["severity"] == "info" || (!strict && unfinished_write(p)),
            "{context}: check --fix left {p}"
        );
    }
    let failed: Vec<&Value> = report["repairs"]
        .as_array()
        .expect("repairs")
        .iter()
        .filter(|r| r["outcome"] != "repaired")
        .collect();
    assert!(failed.is_empty(), "{context}: repairs failed: {failed:?}");
    report
}

/// Asserts a store passes `check` with nothing to say but information.
pub fn assert_healthy(env: &TestEnv, store: &str, context: &str) {
    let out = run(env, &args(&["-s", store, "check", "-o", "json"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{context}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// After a kill on a room directory: old-or-new, repairable, repaired.
/// Returns how many rooms the kill left only in a temporary file.
pub fn judge_file_store(
    env: &TestEnv,
    dir: &Path,
    old: &Rooms,
    new: &Rooms,
    context: &str,
) -> usize {
    let store = dir.display().to_string();
    let restorable = check_finds_only_repairable(env, &store, &[old, new], context);
    assert_old_or_new(&file_rooms(dir), old, new, &restorable, context);
    fix(env, &store, false, context);
    assert_old_or_new(&file_rooms(dir), old, new, &BTreeSet::new(), context);
    restorable.len()
}

pub const RESTORED: &str = "rooms caught mid-swap, restored by check --fix";

/// After the re-run: exactly the end state; `check --fix` removes what the
/// killed run left, and then the store is healthy with no temporary file.
pub fn judge_converged_files(env: &TestEnv, dir: &Path, want: &Rooms, context: &str) {
    assert!(file_rooms(dir) == *want, "{context}: not converged");
    let store = dir.display().to_string();
    fix(env, &store, true, context);
    assert!(
        file_rooms(dir) == *want,
        "{context}: changed by check --fix"
    );
    assert_eq!(temp_files(dir), Vec::<String>::new(), "{context}");
    assert_healthy(env, &store, context);
}

/// The room lines of a JSONL archive, as documents; `None` when the file
/// is not there. Panics unless the archive is complete (header, trailer
/// with the right count).
pub fn archive_rooms(path: &Path) -> Option<Rooms> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("archive line"))
        .collect();
    assert_eq!(
        lines.first().map(|h| &h["$roomctl"]),
        Some(&json!("archive"))
    );
    let trailer = lines.last().expect("trailer");
    assert_eq!(
        trailer["$roomctl"],
        "trailer",
        "{}: complete",
        path.display()
    );
    let rooms: Rooms = lines[1..lines.len() - 1]
        .iter()
        .map(|d| (d["roomName"].as_str().expect("name").to_string(), d.clone()))
        .collect();
    assert_eq!(trailer["rooms"], json!(rooms.len()));
    Some(rooms)
}
