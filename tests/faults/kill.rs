//! `kill -9` at moments spread over a run of `migrate-backend`, `import`
//! and `prune-inactive`, on room directories and on Redis, big runs with
//! all their threads (kill_points.rs kills small runs at every step).
//!
//! Each case first times an undisturbed run, then, for each delay spread
//! over that time: puts the stores back in their starting state, starts
//! roomctl, kills it with SIGKILL, and asserts that
//! - every room is in its old state or its new one (a room the kill caught
//!   in the middle of a file swap may be missing only if `check` names it
//!   as left in a temporary file, and `check --fix` puts it back);
//! - `check` finds nothing that neither `check --fix` nor running the
//!   command again repairs, and after `check --fix` every room is there;
//! - the same command, run again, exits 0 and leaves exactly the intended
//!   result; a last `check --fix` leaves the store healthy, with no
//!   temporary file behind.

use std::collections::BTreeSet;

use crate::harness::*;
use crate::support::TestEnv;
use crate::support::redis::RedisServer;

/// Kills per case (kill_points.rs kills at every step of small runs; these
/// kill big runs at arbitrary moments, threads and all).
const KILLS: usize = 8;

/// Rooms per store: enough for a run of a second or so in a debug build
/// (Redis and pruning are faster per room).
const ROOMS: usize = 600;
const REDIS_ROOMS: usize = 2000;
const PRUNE_ROOMS: usize = 1200;

const OLD: &str = "2026-06-01T00:00:00.000Z";
const RECENT: &str = "2026-10-30T00:00:00.000Z";
const STALE: &str = "2026-01-15T00:00:00.000Z";

/// The target's starting state for iteration `i`: even iterations hold
/// older versions of a tenth of the rooms (replaced under `--on-conflict
/// newer`, by compare-and-swap) and identical copies of another tenth; odd
/// ones only identical copies (the default policy, creates only).
fn target_before(i: usize, new: &Rooms) -> Rooms {
    let mut old = Rooms::new();
    for (k, (name, doc)) in new.iter().enumerate() {
        if k % 10 == 1 {
            old.insert(name.clone(), doc.clone());
        } else if k % 10 == 2 && i.is_multiple_of(2) {
            old.insert(name.clone(), room(name, 0, OLD));
        }
    }
    // A room only the target has: never touched.
    old.insert("target only".into(), room("target only", 7, OLD));
    old
}

/// The conflict policy of iteration `i` (import and migrate-backend alike
/// want `--yes` to replace rooms).
fn policy(i: usize) -> Vec<String> {
    match i % 2 {
        0 => args(&["--on-conflict", "newer", "--yes"]),
        _ => Vec::new(),
    }
}

/// The target's intended end state.
fn target_after(new: &Rooms) -> Rooms {
    let mut after = new.clone();
    after.insert("target only".into(), room("target only", 7, OLD));
    after
}

#[test]
fn kill_9_during_migrate_file_to_file() {
    let mut tally = Tally::new("kill_9_during_migrate_file_to_file");
    let env = TestEnv::new();
    let src = env.path().join("src");
    let dst = env.path().join("dst");
    let source = rooms_of(&names(ROOMS), 1, RECENT);
    plant_files(&src, &source);
    let source_bytes = dir_bytes(&src);
    let command = |i: usize| {
        let mut a = args(&["-s", "src", "migrate-backend", "--to", "dst"]);
        a.extend(policy(i));
        a
    };
    let took = measure_variants(&env, 2, command, |i| {
        plant_files(&dst, &target_before(i, &source))
    });
    let want = target_after(&source);
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("migrate file→file, kill {i} after {delay:?}");
        let old = target_before(i, &source);
        plant_files(&dst, &old);
        let killed = kill_after(&env, &command(i), delay);
        if killed {
            tally.injected();
        }
        assert!(dir_bytes(&src) == source_bytes, "{context}: source changed");
        tally.note(
            RESTORED,
            judge_file_store(&env, &dst, &old, &want, &context),
        );
        assert_ok(&run(&env, &command(i)), &context);
        judge_converged_files(&env, &dst, &want, &context);
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

#[test]
fn kill_9_during_import_into_file() {
    let mut tally = Tally::new("kill_9_during_import_into_file");
    let env = TestEnv::new();
    let archived = rooms_of(&names(ROOMS), 1, RECENT);
    plant_files(&env.path().join("from"), &archived);
    assert_ok(
        &run(&env, &args(&["-s", "from", "export", "backup.jsonl"])),
        "export",
    );
    let dst = env.path().join("dst");
    let command = |i: usize| {
        let mut a = args(&["-s", "dst", "import", "backup.jsonl"]);
        a.extend(policy(i));
        a
    };
    let took = measure_variants(&env, 2, command, |i| {
        plant_files(&dst, &target_before(i, &archived))
    });
    let want = target_after(&archived);
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("import into files, kill {i} after {delay:?}");
        let old = target_before(i, &archived);
        plant_files(&dst, &old);
        let killed = kill_after(&env, &command(i), delay);
        if killed {
            tally.injected();
        }
        tally.note(
            RESTORED,
            judge_file_store(&env, &dst, &old, &want, &context),
        );
        assert_ok(&run(&env, &command(i)), &context);
        judge_converged_files(&env, &dst, &want, &context);
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

/// Half the rooms stale, half recently active.
fn prune_store() -> (Rooms, Rooms) {
    let mut all = Rooms::new();
    let mut active = Rooms::new();
    for (k, name) in names(PRUNE_ROOMS).into_iter().enumerate() {
        if k % 2 == 0 {
            all.insert(name.clone(), room(&name, 1, STALE));
        } else {
            let doc = room(&name, 1, RECENT);
            active.insert(name.clone(), doc.clone());
            all.insert(name, doc);
        }
    }
    (all, active)
}

fn prune_command(store: &str, backup: Option<String>) -> Vec<String> {
    let mut a = args(&[
        "-s",
        store,
        "prune-inactive",
        "--older-than",
        "30d",
        "--now",
        "2026-11-01T00:00:00Z",
        "--yes",
        "-q",
    ]);
    if let Some(b) = backup {
        a.extend(["--backup".to_string(), b]);
    }
    a
}

/// The backup of a killed prune: nothing deleted before it was complete,
/// and it holds every deleted room as it was.
fn judge_backup(env: &TestEnv, file: &str, all: &Rooms, left: &Rooms, context: &str) {
    let deleted: Vec<&String> = all.keys().filter(|n| !left.contains_key(*n)).collect();
    match archive_rooms(&env.path().join(file)) {
        None => assert!(
            deleted.is_empty(),
            "{context}: {} rooms deleted without a backup",
            deleted.len()
        ),
        Some(backup) => {
            for name in deleted {
                assert_eq!(backup.get(name), all.get(name), "{context}: {name:?}");
            }
        }
    }
}

/// Removes the backups a measured prune wrote, so that the next may write.
fn remove_backups(env: &TestEnv) {
    for entry in std::fs::read_dir(env.path()).expect("read the test directory") {
        let path = entry.expect("an entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("backup-"))
        {
            std::fs::remove_file(&path).expect("remove a measured backup");
        }
    }
}

#[test]
fn kill_9_during_prune_on_file() {
    let mut tally = Tally::new("kill_9_during_prune_on_file");
    let env = TestEnv::new();
    let dir = env.path().join("rooms");
    let (all, active) = prune_store();
    let backup = |i: usize| i.is_multiple_of(2).then(|| format!("backup-{i}.jsonl"));
    // Runs alternate with and without --backup.
    let took = measure_variants(
        &env,
        2,
        |i| prune_command("rooms", backup(i)),
        |_| {
            plant_files(&dir, &all);
            remove_backups(&env);
        },
    );
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("prune on files, kill {i} after {delay:?}");
        plant_files(&dir, &all);
        let killed = kill_after(&env, &prune_command("rooms", backup(i)), delay);
        if killed {
            tally.injected();
        }
        let store = dir.display().to_string();
        let restorable = check_finds_only_repairable(&env, &store, &[&all], &context);
        tally.note(RESTORED, restorable.len());
        let left = file_rooms(&dir);
        assert_old_or_new(&left, &all, &active, &restorable, &context);
        if let Some(file) = backup(i) {
            // A room left aside by the kill was being deleted: after the backup.
            let mut gone_or_aside = left.clone();
            gone_or_aside.retain(|n, _| !restorable.contains(n));
            judge_backup(&env, &file, &all, &gone_or_aside, &context);
        }
        fix(&env, &store, false, &context);
        assert_old_or_new(&file_rooms(&dir), &all, &active, &BTreeSet::new(), &context);
        let again = backup(i).map(|b| b.replace(".jsonl", "-again.jsonl"));
        assert_ok(&run(&env, &prune_command("rooms", again)), &context);
        judge_converged_files(&env, &dir, &active, &context);
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

// ---------------------------------------------------------------------------
// Redis

fn connect(server: &RedisServer) -> redis::Connection {
    server.connection()
}

/// After a kill on Redis: every key is a whole room, old or new (a Redis
/// write is atomic, so nothing may be missing), and `check` is clean.
fn judge_redis(
    env: &TestEnv,
    server: &RedisServer,
    old: &Rooms,
    new: &Rooms,
    context: &str,
) -> Rooms {
    let rooms = redis_rooms(&mut connect(server));
    assert_old_or_new(&rooms, old, new, &BTreeSet::new(), context);
    assert_healthy(env, &server.url(), context);
    rooms
}

#[test]
fn kill_9_during_migrate_file_to_redis() {
    let mut tally = Tally::new("kill_9_during_migrate_file_to_redis");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    let mut con = connect(&server);
    let src = env.path().join("src");
    let source = rooms_of(&names(REDIS_ROOMS), 1, RECENT);
    plant_files(&src, &source);
    let source_bytes = dir_bytes(&src);
    let command = |i: usize| {
        let mut a = args(&["-s", "src", "migrate-backend", "--to", &url]);
        a.extend(policy(i));
        a
    };
    let took = measure_variants(&env, 2, command, |i| {
        plant_redis(&mut con, &target_before(i, &source))
    });
    let want = target_after(&source);
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("migrate file→redis, kill {i} after {delay:?}");
        let old = target_before(i, &source);
        plant_redis(&mut con, &old);
        let killed = kill_after(&env, &command(i), delay);
        if killed {
            tally.injected();
        }
        assert!(dir_bytes(&src) == source_bytes, "{context}: source changed");
        judge_redis(&env, &server, &old, &want, &context);
        assert_ok(&run(&env, &command(i)), &context);
        assert!(redis_rooms(&mut con) == want, "{context}: not converged");
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

#[test]
fn kill_9_during_migrate_with_delete_source() {
    // Files → Redis, deleting each source file once its copy verified: a
    // room is always in the source, in the target, or in both (identical).
    let mut tally = Tally::new("kill_9_during_migrate_with_delete_source");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    let mut con = connect(&server);
    let src = env.path().join("src");
    let source = rooms_of(&names(ROOMS), 1, RECENT);
    let command = args(&[
        "-s",
        "src",
        "migrate-backend",
        "--to",
        &url,
        "--delete-source",
        "--yes",
    ]);
    let took = measure(&env, &command, || {
        plant_files(&src, &source);
        plant_redis(&mut con, &Rooms::new());
    });
    let store = src.display().to_string();
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("migrate --delete-source, kill {i} after {delay:?}");
        plant_files(&src, &source);
        plant_redis(&mut con, &Rooms::new());
        let killed = kill_after(&env, &command, delay);
        if killed {
            tally.injected();
        }
        let copied = judge_redis(&env, &server, &Rooms::new(), &source, &context);
        let restorable = check_finds_only_repairable(&env, &store, &[&source], &context);
        tally.note(RESTORED, restorable.len());
        let left = file_rooms(&src);
        assert_old_or_new(&left, &source, &Rooms::new(), &restorable, &context);
        for name in source.keys() {
            assert!(
                left.contains_key(name) || copied.contains_key(name),
                "{context}: {name:?} is in neither store"
            );
        }
        fix(&env, &store, false, &context);
        assert_ok(&run(&env, &command), &context);
        assert!(redis_rooms(&mut con) == source, "{context}: not converged");
        judge_converged_files(&env, &src, &Rooms::new(), &context);
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

#[test]
fn kill_9_during_import_into_redis() {
    let mut tally = Tally::new("kill_9_during_import_into_redis");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    let mut con = connect(&server);
    let archived = rooms_of(&names(REDIS_ROOMS), 1, RECENT);
    plant_files(&env.path().join("from"), &archived);
    assert_ok(
        &run(&env, &args(&["-s", "from", "export", "backup.jsonl"])),
        "export",
    );
    let command = |i: usize| {
        let mut a = args(&["-s", &url, "import", "backup.jsonl"]);
        a.extend(policy(i));
        a
    };
    let took = measure_variants(&env, 2, command, |i| {
        plant_redis(&mut con, &target_before(i, &archived))
    });
    let want = target_after(&archived);
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("import into redis, kill {i} after {delay:?}");
        let old = target_before(i, &archived);
        plant_redis(&mut con, &old);
        let killed = kill_after(&env, &command(i), delay);
        if killed {
            tally.injected();
        }
        judge_redis(&env, &server, &old, &want, &context);
        assert_ok(&run(&env, &command(i)), &context);
        assert!(redis_rooms(&mut con) == want, "{context}: not converged");
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}

#[test]
fn kill_9_during_prune_on_redis() {
    // The killed run's lock lease is still in Redis; the re-run must not
    // wait for it to run out.
    let mut tally = Tally::new("kill_9_during_prune_on_redis");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    let mut con = connect(&server);
    let (all, active) = prune_store();
    let backup = |i: usize| i.is_multiple_of(2).then(|| format!("backup-{i}.jsonl"));
    // Runs alternate with and without --backup.
    let took = measure_variants(
        &env,
        2,
        |i| prune_command(&url, backup(i)),
        |_| {
            plant_redis(&mut con, &all);
            remove_backups(&env);
        },
    );
    for (i, delay) in delays(took, KILLS).into_iter().enumerate() {
        let context = format!("prune on redis, kill {i} after {delay:?}");
        plant_redis(&mut con, &all);
        let killed = kill_after(&env, &prune_command(&url, backup(i)), delay);
        if killed {
            tally.injected();
        }
        let left = judge_redis(&env, &server, &all, &active, &context);
        if let Some(file) = backup(i) {
            judge_backup(&env, &file, &all, &left, &context);
        }
        let again = backup(i).map(|b| b.replace(".jsonl", "-again.jsonl"));
        assert_ok(&run(&env, &prune_command(&url, again)), &context);
        assert!(redis_rooms(&mut con) == active, "{context}: not converged");
        if killed {
            tally.survived();
        }
    }
    tally.finish(KILLS as u32 / 2);
}
