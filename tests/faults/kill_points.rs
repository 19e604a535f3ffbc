//! `kill -9` at every step, not at random times: each case runs roomctl
//! under `strace`, which kills it (SIGKILL, on entry) at the K-th call of one
//! system call that changes a directory or makes a file durable — rename,
//! link, unlink, fsync, syncfs — for every K and every such call in turn,
//! until a run gets through. Every state an interrupted file write can leave is
//! visited, the ones a timer would rarely hit (the microseconds between
//! moving a room aside and putting its new version in place) included.
//! rayon runs one worker (`RAYON_NUM_THREADS=1`), so the calls come in the
//! same order every run.
//!
//! After each kill: every room in its old or its new state (a room caught
//! in a swap only in a temporary file that `check` names and `check --fix`
//! restores), the recovery procedure — `check --fix`, the command again,
//! `check --fix` — ends in the intended result, healthy, with no temporary
//! file left.
//!
//! Needs `strace` (scripts/test.sh installs it) and the right to trace a
//! child process; without them the tests fail, saying so.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::harness::*;
use crate::support::TestEnv;

/// The calls killed at. Those that change a directory must all be hit, and
/// so must the syncs that end a step of a batch write: the `syncfs` that
/// makes a batch's temporary files durable before any is put in place, and
/// the `fsync` of the directory once they are. Other fsyncs (of one file)
/// change nothing a killed process leaves behind (a kill loses no written
/// data, a power cut would), so their kill points need not be.
const STEPS: [&str; 10] = [
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
    "fsync",
    "fdatasync",
    "syncfs",
];

/// Whether a traced call must be killed in (see [`STEPS`]): every one but
/// an fsync of a file. strace shows each descriptor with its path (`-y`);
/// the stores' directories have no `.` in their names, files all have.
fn must_hit(call: &str) -> bool {
    let Some(args) = call.strip_prefix("fsync(") else {
        return true;
    };
    let path = args
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or("", |(path, _)| path);
    path.rsplit('/')
        .next()
        .is_some_and(|name| !name.contains('.'))
}

/// No case makes more calls of one kind than this.
const MAX_CALLS: usize = 40;

const STALE: &str = "2026-01-15T00:00:00.000Z";
const OLD: &str = "2026-06-01T00:00:00.000Z";
const RECENT: &str = "2026-10-30T00:00:00.000Z";

/// Runs roomctl under strace, killed on entry to the `nth` call of
/// `syscall` (`None`: not killed), and returns the trace of the calls it
/// made (and the one it was killed in, last), each as strace shows it.
fn traced(env: &TestEnv, args: &[String], kill_at: Option<(&str, usize)>) -> (bool, Vec<String>) {
    // One file per thread (-ff): no call is split by another thread's.
    let logs = env.path().join("strace");
    let _ = fs::remove_dir_all(&logs);
    fs::create_dir(&logs).expect("strace log dir");
    let mut cmd = env.command("strace");
    cmd.args(["-ff", "-qq", "-y", "-o"])
        .arg(logs.join("t"))
        .arg("-e")
        .arg(format!("trace={}", STEPS.join(",")));
    if let Some((syscall, nth)) = kill_at {
        cmd.arg("-e")
            .arg(format!("inject={syscall}:signal=KILL:when={nth}"));
    }
    let out = cmd
        .arg("--")
        .arg(assert_cmd::cargo::cargo_bin("roomctl"))
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run strace ({e}): the kill-point tests need it (scripts/test.sh installs it)")
        });
    let mut trace = String::new();
    for entry in fs::read_dir(&logs).expect("strace logs") {
        trace.push_str(&fs::read_to_string(entry.expect("log").path()).unwrap_or_default());
    }
    let killed = trace.contains("killed by SIGKILL");
    if !killed {
        assert!(
            out.status.success(),
            "{args:?} under strace, not killed, failed: {}\n{trace}\n\
             (strace needs the right to trace: ptrace, CAP_SYS_PTRACE in a container)",
            stderr(&out)
        );
    }
    let calls = trace
        .lines()
        .filter(|l| STEPS.iter().any(|s| l.starts_with(&format!("{s}("))))
        .map(str::to_string)
        .collect();
    (killed, calls)
}

/// A call without what changes from run to run: every number (pids and
/// counters in temporary names, file descriptors) becomes `#`, and the
/// result goes.
fn normalized(call: &str) -> String {
    let call = call.split(" = ").next().unwrap_or(call);
    let call = call.split(" <unfinished").next().unwrap_or(call);
    let mut out = String::with_capacity(call.len());
    let mut in_number = false;
    for c in call.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out.trim_end().to_string()
}

/// Runs `args` killed at each step in turn; `reset` restores the starting
/// state before each run, `judge` asserts the promises after each kill.
///
/// strace counts calls per thread, and a kill stops every thread: a call
/// of one thread is missed when another made as many calls of its kind
/// before it. So first one run is traced whole, and in the end every call
/// it made must have been killed in. Returns how many kills there were.
fn at_every_step(
    tally: &mut Tally,
    env: &TestEnv,
    args: &[String],
    mut reset: impl FnMut(),
    mut judge: impl FnMut(&str),
) -> usize {
    reset();
    let (_, whole) = traced(env, args, None);
    let mut missed: BTreeMap<String, usize> = BTreeMap::new();
    for call in whole.iter().filter(|c| must_hit(c)) {
        *missed.entry(normalized(call)).or_default() += 1;
    }
    let mut kills = 0;
    for syscall in STEPS {
        for nth in 1..=MAX_CALLS {
            reset();
            let (killed, calls) = traced(env, args, Some((syscall, nth)));
            if !killed {
                break;
            }
            assert!(
                nth < MAX_CALLS,
                "{args:?} makes over {MAX_CALLS} {syscall} calls"
            );
            let step = calls
                .iter()
                .rev()
                .find(|c| c.starts_with(&format!("{syscall}(")) && c.ends_with("= ?"))
                .unwrap_or_else(|| panic!("no call killed in {calls:#?}"));
            if let Some(left) = missed.get_mut(&normalized(step)) {
                *left = left.saturating_sub(1);
            }
            tally.injected();
            judge(&format!("{args:?} killed in {step} (call {nth})"));
            tally.survived();
            kills += 1;
        }
    }
    missed.retain(|_, n| *n > 0);
    assert!(
        missed.is_empty(),
        "{args:?}: never killed in {missed:#?} (a call of another thread came first)"
    );
    kills
}

#[test]
fn kill_9_at_every_step_of_import_into_file() {
    // A room replaced by compare-and-swap (--on-conflict newer), one
    // created, one the archive does not have.
    let mut tally = Tally::new("kill_9_at_every_step_of_import_into_file");
    let env = TestEnv::new();
    let dir = env.path().join("rooms");
    let mut new = Rooms::new();
    for name in ["swap", "fresh"] {
        new.insert(name.into(), room(name, 2, RECENT));
    }
    plant_files(&env.path().join("from"), &new);
    assert_ok(
        &run(&env, &args(&["-s", "from", "export", "in.jsonl"])),
        "export",
    );
    let mut old = Rooms::new();
    old.insert("swap".into(), room("swap", 1, OLD));
    old.insert("kept".into(), room("kept", 1, OLD));
    new.insert("kept".into(), room("kept", 1, OLD));
    let command = args(&[
        "-s",
        "rooms",
        "import",
        "in.jsonl",
        "--on-conflict",
        "newer",
        "--yes",
    ]);
    let kills = at_every_step(
        &mut tally,
        &env,
        &command,
        || plant_files(&dir, &old),
        |context| {
            judge_file_store(&env, &dir, &old, &new, context);
            assert_ok(&run(&env, &command), context);
            judge_converged_files(&env, &dir, &new, context);
        },
    );
    tally.note("kill points", kills);
    // A batch write makes 7 steps of these two rooms: one syncfs, the
    // create's no-replace rename, the swap's rename aside, unlink, link and
    // unlink, and the directory's fsync (an fsync per room, and a link and
    // an unlink per create, made 9).
    tally.finish(7);
}

#[test]
fn kill_9_at_every_step_of_prune_on_file() {
    let mut tally = Tally::new("kill_9_at_every_step_of_prune_on_file");
    let env = TestEnv::new();
    let dir = env.path().join("rooms");
    let mut all = Rooms::new();
    let mut active = Rooms::new();
    for name in ["stale one", "stale two"] {
        all.insert(name.into(), room(name, 1, STALE));
    }
    active.insert("active".into(), room("active", 1, RECENT));
    all.extend(active.clone());
    let command = args(&[
        "-s",
        "rooms",
        "prune-inactive",
        "--older-than",
        "30d",
        "--now",
        "2026-11-01T00:00:00Z",
        "--yes",
    ]);
    // No --backup: the backup is written by the main thread, whose unlinks
    // would come before the deleting thread's and hide them from strace's
    // per-thread count (kill_9_during_prune_on_file kills backups).
    let kills = at_every_step(
        &mut tally,
        &env,
        &command,
        || plant_files(&dir, &all),
        |context| {
            let store = dir.display().to_string();
            let restorable = check_finds_only_repairable(&env, &store, &[&all], context);
            let left = file_rooms(&dir);
            assert_old_or_new(&left, &all, &active, &restorable, context);
            fix(&env, &store, false, context);
            assert_old_or_new(&file_rooms(&dir), &all, &active, &BTreeSet::new(), context);
            assert_ok(&run(&env, &command), context);
            judge_converged_files(&env, &dir, &active, context);
        },
    );
    tally.note("kill points", kills);
    tally.finish(4);
}

#[test]
fn kill_9_at_every_step_of_migrate_with_delete_source() {
    // Files → files, deleting each source file once its copy verified: a
    // room is in the source, in the target, or in both, at every step.
    let mut tally = Tally::new("kill_9_at_every_step_of_migrate_with_delete_source");
    let env = TestEnv::new();
    let src = env.path().join("src");
    let dst = env.path().join("dst");
    let rooms = rooms_of(&names(3), 1, RECENT);
    let command = args(&[
        "-s",
        "src",
        "migrate-backend",
        "--to",
        "dst",
        "--delete-source",
        "--yes",
    ]);
    let none = Rooms::new();
    let kills = at_every_step(
        &mut tally,
        &env,
        &command,
        || {
            plant_files(&src, &rooms);
            plant_files(&dst, &none);
        },
        |context| {
            let src_store = src.display().to_string();
            let in_source = check_finds_only_repairable(&env, &src_store, &[&rooms], context);
            let left = file_rooms(&src);
            assert_old_or_new(&left, &rooms, &none, &in_source, context);
            judge_file_store(&env, &dst, &none, &rooms, context);
            fix(&env, &src_store, false, context);
            let copied = file_rooms(&dst);
            for name in rooms.keys() {
                assert!(
                    file_rooms(&src).contains_key(name) || copied.contains_key(name),
                    "{context}: {name:?} is in neither store"
                );
            }
            assert_ok(&run(&env, &command), context);
            judge_converged_files(&env, &dst, &rooms, context);
            judge_converged_files(&env, &src, &none, context);
        },
    );
    tally.note("kill points", kills);
    tally.finish(8);
}

/// The pretty bytes of every file in `dir`, by file name.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    dir_bytes(dir)
}

#[test]
fn kill_9_at_every_step_of_check_fix() {
    // The repairs themselves, killed: a misnamed file renamed, a room left
    // aside by a killed run restored, a half-written temporary file
    // removed. No room's data is ever lost, and the next `check --fix`
    // finishes the repairs.
    let mut tally = Tally::new("kill_9_at_every_step_of_check_fix");
    let env = TestEnv::new();
    let dir = env.path().join("rooms");
    let pretty = |doc: &serde_json::Value| serde_json::to_vec_pretty(doc).expect("json");
    let plain = room("plain", 1, RECENT);
    let misnamed = room("movie night", 1, RECENT);
    let moved = room("moved", 1, RECENT);
    let plant = || {
        plant_files(&dir, &Rooms::new());
        write_server_style(&dir, &plain);
        fs::write(dir.join("copy.json"), pretty(&misnamed)).expect("misnamed");
        fs::write(
            dir.join("moved.json.roomctl-aside-99999999-0.tmp"),
            pretty(&moved),
        )
        .expect("aside");
        let half = dir.join("plain.json.tmp");
        fs::write(&half, b"{\n  \"roomName\": \"pla").expect("half");
        fs::File::options()
            .write(true)
            .open(&half)
            .and_then(|f| f.set_modified(std::time::SystemTime::now() - Duration::from_secs(7200)))
            .expect("age");
    };
    let mut want = Rooms::new();
    for doc in [&plain, &misnamed, &moved] {
        want.insert(doc["roomName"].as_str().expect("name").into(), doc.clone());
    }
    let store = dir.display().to_string();
    let command = args(&["-s", &store, "check", "--fix", "--yes"]);
    let kills = at_every_step(&mut tally, &env, &command, plant, |context| {
        // Every room's bytes are in some file of the directory.
        let files = contents(&dir);
        for doc in want.values() {
            let bytes = pretty(doc);
            assert!(
                files.values().any(|b| *b == bytes),
                "{context}: the data of {} is gone: {:?}",
                doc["roomName"],
                files.keys().collect::<Vec<_>>()
            );
        }
        fix(&env, &store, true, context);
        judge_converged_files(&env, &dir, &want, context);
    });
    tally.note("kill points", kills);
    tally.finish(3);
}

#[test]
fn kill_9_at_every_step_of_export() {
    // FILE appears complete or not at all; the next export removes what the
    // killed one left beside it.
    let mut tally = Tally::new("kill_9_at_every_step_of_export");
    let env = TestEnv::new();
    let rooms = rooms_of(&names(20), 1, RECENT);
    plant_files(&env.path().join("rooms"), &rooms);
    let out = env.path().join("out");
    let command = args(&["-s", "rooms", "export", "out/backup.jsonl", "--force"]);
    let kills = at_every_step(
        &mut tally,
        &env,
        &command,
        || plant_files(&out, &Rooms::new()),
        |context| {
            if let Some(archived) = archive_rooms(&out.join("backup.jsonl")) {
                assert!(archived == rooms, "{context}: complete");
            }
            assert_ok(&run(&env, &command), context);
            assert!(archive_rooms(&out.join("backup.jsonl")) == Some(rooms.clone()));
            let names: Vec<String> = dir_bytes(&out).into_keys().collect();
            assert_eq!(names, vec!["backup.jsonl"], "{context}: leftovers");
        },
    );
    tally.note("kill points", kills);
    tally.finish(2);
}
