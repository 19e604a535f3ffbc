//! The Redis server killed (`kill -9`) and started again while roomctl
//! works on it.
//!
//! The servers here persist every write before answering (an append-only
//! file with `appendfsync always`), so what roomctl was told is written is
//! still there after the restart, as in a production setup; one case uses
//! a server that comes back empty. roomctl is paused (SIGSTOP) at a chosen
//! point of its work while the server is killed and restarted, then
//! resumed, so the restart lands mid-operation every time:
//! - a restart within roomctl's retries: writes carry on over a new
//!   connection, and must come out right; a scan (export, a Redis source,
//!   prune) must not continue its cursor on the restarted server — that
//!   would silently miss rooms and repeat others — but stop with one clear
//!   line;
//! - a server that stays down longer than the retries: one clear line,
//!   exit 7.
//!
//! Either way every room is in its old or its new state, and running the
//! command again finishes the job.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::*;
use crate::support::TestEnv;
use crate::support::redis::RedisServer;

const RECENT: &str = "2026-10-30T00:00:00.000Z";
const STALE: &str = "2026-01-15T00:00:00.000Z";

/// Enough rooms for a `SCAN` of many pages (1000 keys each).
const SCAN_ROOMS: usize = 10_000;
const ROOMS: usize = 2000;

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: signalling our own child, which has not been reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(rc, 0, "signal {signal}");
}

/// Waits until `ready` says so, or until the child ends (`false`).
fn wait_for(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ready() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        assert!(Instant::now() < deadline, "never {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// Pauses roomctl, kills the server, starts it again, resumes roomctl.
fn restart_under(child: &Child, server: &mut RedisServer) {
    signal(child, libc::SIGSTOP);
    server.kill();
    server.restart();
    signal(child, libc::SIGCONT);
}

/// Size of the temporary file an export is writing in `dir`, if any.
fn export_temp_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains(".roomctl-"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// The one error line of a scan stopped by a restart.
fn assert_scan_stopped(out: &std::process::Output, server: &RedisServer, what: &str) {
    let line = assert_one_line_error(out, what);
    assert_eq!(out.status.code(), Some(7), "{what}: {line}");
    assert!(
        line.contains(&format!("127.0.0.1:{}", server.port())),
        "{what}: names the server: {line}"
    );
    assert!(
        line.contains("restarted during the scan") && line.contains("run the command again"),
        "{what}: {line}"
    );
}

#[test]
fn redis_restarted_during_export_scan() {
    // Regression: the cursor of the scan was sent on to the restarted
    // server, whose table is hashed with a new seed, and the export
    // finished with exit 0 missing thousands of rooms and repeating others.
    let mut tally = Tally::new("redis_restarted_during_export_scan");
    let env = TestEnv::new();
    let mut server = RedisServer::start_persistent();
    let url = server.url();
    let rooms = rooms_of(&names(SCAN_ROOMS), 1, RECENT);
    plant_redis(&mut server.connection(), &rooms);
    let command = args(&["-s", &url, "export", "backup.jsonl"]);
    let mut child = spawn(&env, &command);
    // The archive is written through a 1 MiB buffer: past the first flush
    // the scan is well under way (about 2,000 of 20,000 rooms).
    let mid_scan = wait_for(&mut child, "mid-scan", || export_temp_size(env.path()) > 0);
    assert!(mid_scan, "the export ended before the restart");
    restart_under(&child, &mut server);
    tally.injected();
    let out = child.wait_with_output().expect("wait");
    assert_scan_stopped(&out, &server, "export");
    assert!(
        !env.path().join("backup.jsonl").exists(),
        "no partial archive"
    );
    assert_eq!(export_temp_size(env.path()), 0, "no temporary file left");
    assert!(
        redis_rooms(&mut server.connection()) == rooms,
        "nothing lost"
    );

    assert_ok(&run(&env, &command), "export again");
    let archived = archive_rooms(&env.path().join("backup.jsonl")).expect("archive");
    assert!(archived == rooms, "every room exactly once");
    tally.survived();
    tally.finish(1);
}

#[test]
fn redis_restarted_during_migrate_from_redis() {
    // The source's scan is cut by the restart: the copy stops with one line,
    // what was copied is whole, and the re-run completes it. (The copy goes
    // to another prefix of the same server, restarted with it.)
    let mut tally = Tally::new("redis_restarted_during_migrate_from_redis");
    let env = TestEnv::new();
    let mut server = RedisServer::start_persistent();
    let url = server.url();
    let rooms = rooms_of(&names(SCAN_ROOMS), 1, RECENT);
    plant_redis(&mut server.connection(), &rooms);
    let target = format!("{url}?prefix=copy:");
    let command = args(&["-s", &url, "migrate-backend", "--to", &target]);
    let mut child = spawn(&env, &command);
    let mut probe = server.connection();
    let mid_scan = wait_for(&mut child, "mid-copy", || {
        let n: usize = redis::cmd("DBSIZE").query(&mut probe).unwrap_or(0);
        n >= SCAN_ROOMS + 1000
    });
    assert!(mid_scan, "the migration ended before the restart");
    restart_under(&child, &mut server);
    tally.injected();
    let out = child.wait_with_output().expect("wait");
    assert_scan_stopped(&out, &server, "migrate-backend");
    let mut con = server.connection();
    let copied = redis_rooms_under(&mut con, "copy:");
    assert!(copied.len() < SCAN_ROOMS, "stopped half-way");
    assert_old_or_new(&copied, &Rooms::new(), &rooms, &BTreeSet::new(), "after");
    assert!(redis_rooms(&mut con) == rooms, "source kept");
    assert_ok(&run(&env, &command), "migrate again");
    assert!(
        redis_rooms_under(&mut con, "copy:") == rooms,
        "not converged"
    );
    tally.survived();
    tally.finish(1);
}

/// A write-heavy command, paused at a point, the server restarted under it.
struct WriteCase {
    name: &'static str,
    command: Vec<String>,
    old: Rooms,
    new: Rooms,
    /// When to restart, from the number of keys in the database.
    at: fn(usize) -> bool,
}

fn write_cases(env: &TestEnv, url: &str) -> Vec<WriteCase> {
    let rooms = rooms_of(&names(ROOMS), 1, RECENT);
    plant_files(&env.path().join("src"), &rooms);
    assert_ok(
        &run(env, &args(&["-s", "src", "export", "backup.jsonl"])),
        "export",
    );
    let mut all = Rooms::new();
    let mut active = Rooms::new();
    for (k, name) in names(ROOMS).into_iter().enumerate() {
        let activity = if k % 2 == 0 { STALE } else { RECENT };
        let doc = room(&name, 1, activity);
        if k % 2 == 1 {
            active.insert(name.clone(), doc.clone());
        }
        all.insert(name, doc);
    }
    vec![
        WriteCase {
            name: "migrate-backend files → redis",
            command: args(&["-s", "src", "migrate-backend", "--to", url]),
            old: Rooms::new(),
            new: rooms.clone(),
            at: |keys| keys >= ROOMS / 3,
        },
        WriteCase {
            name: "import into redis",
            command: args(&["-s", url, "import", "backup.jsonl"]),
            old: Rooms::new(),
            new: rooms,
            at: |keys| keys >= ROOMS / 3,
        },
        WriteCase {
            name: "prune-inactive on redis",
            command: args(&[
                "-s",
                url,
                "prune-inactive",
                "--older-than",
                "30d",
                "--now",
                "2026-11-01T00:00:00Z",
                "--yes",
                "-q",
            ]),
            old: all,
            new: active,
            at: |keys| keys <= ROOMS - ROOMS / 6,
        },
    ]
}

#[test]
fn redis_restarted_quickly_during_writes() {
    // Back within roomctl's retries: the writes go on over a new connection
    // (the restarted server has forgotten the Lua scripts, too).
    let mut tally = Tally::new("redis_restarted_quickly_during_writes");
    let env = TestEnv::new();
    let mut server = RedisServer::start_persistent();
    let url = server.url();
    for case in write_cases(&env, &url) {
        let context = case.name;
        plant_redis(&mut server.connection(), &case.old);
        let mut child = spawn(&env, &case.command);
        let mut probe = server.connection();
        let hit = wait_for(&mut child, context, || {
            let n: usize = redis::cmd("DBSIZE").query(&mut probe).unwrap_or(0);
            (case.at)(n)
        });
        assert!(hit, "{context}: ended before the restart");
        restart_under(&child, &mut server);
        tally.injected();
        let out = child.wait_with_output().expect("wait");
        let rooms = redis_rooms(&mut server.connection());
        assert_old_or_new(&rooms, &case.old, &case.new, &BTreeSet::new(), context);
        // The retries bridge the restart: done, as if nothing happened.
        assert_ok(&out, context);
        assert!(rooms == case.new, "{context}: exit 0 but not done");
        assert_ok(&run(&env, &case.command), context);
        assert!(
            redis_rooms(&mut server.connection()) == case.new,
            "{context}: not converged"
        );
        tally.survived();
    }
    tally.finish(3);
}

#[test]
fn redis_down_longer_than_the_retries() {
    // Down for good as far as roomctl is concerned: it gives up after its
    // retries with one line and exit 7; the server comes back with its
    // data, and the re-run finishes.
    let mut tally = Tally::new("redis_down_longer_than_the_retries");
    let env = TestEnv::new();
    let mut server = RedisServer::start_persistent();
    let url = server.url();
    for case in write_cases(&env, &url) {
        let context = case.name;
        plant_redis(&mut server.connection(), &case.old);
        let mut child = spawn(&env, &case.command);
        let mut probe = server.connection();
        let hit = wait_for(&mut child, context, || {
            let n: usize = redis::cmd("DBSIZE").query(&mut probe).unwrap_or(0);
            (case.at)(n)
        });
        assert!(hit, "{context}: ended before the kill");
        server.kill();
        tally.injected();
        let out = child.wait_with_output().expect("wait");
        let line = assert_one_line_error(&out, context);
        assert_eq!(out.status.code(), Some(7), "{context}: {line}");
        assert!(
            line.contains(&format!("127.0.0.1:{}", server.port()))
                && line.contains("gave up after 8 attempts")
                && line.contains("run the command again"),
            "{context}: {line}"
        );
        server.restart();
        let rooms = redis_rooms(&mut server.connection());
        assert_old_or_new(&rooms, &case.old, &case.new, &BTreeSet::new(), context);
        assert_ok(&run(&env, &case.command), context);
        assert!(
            redis_rooms(&mut server.connection()) == case.new,
            "{context}: not converged"
        );
        tally.survived();
    }
    tally.finish(3);
}

#[test]
fn redis_restarted_empty_during_migrate() {
    // A server without persistence loses everything when it restarts, the
    // rooms roomctl had already copied and verified included: nothing
    // roomctl can prevent. What it owes: no half-written room, an honest
    // exit, and a re-run that copies what is missing.
    let mut tally = Tally::new("redis_restarted_empty_during_migrate");
    let env = TestEnv::new();
    let mut server = RedisServer::start();
    let url = server.url();
    let rooms = rooms_of(&names(ROOMS), 1, RECENT);
    plant_files(&env.path().join("src"), &rooms);
    let command = args(&["-s", "src", "migrate-backend", "--to", &url]);
    let mut child = spawn(&env, &command);
    let mut probe = server.connection();
    let hit = wait_for(&mut child, "mid-copy", || {
        let n: usize = redis::cmd("DBSIZE").query(&mut probe).unwrap_or(0);
        n >= ROOMS / 3
    });
    assert!(hit, "ended before the restart");
    restart_under(&child, &mut server);
    tally.injected();
    let out = child.wait_with_output().expect("wait");
    if !out.status.success() {
        assert_one_line_error(&out, "migrate-backend");
    }
    let copied = redis_rooms(&mut server.connection());
    assert_old_or_new(&copied, &Rooms::new(), &rooms, &BTreeSet::new(), "after");
    assert!(copied.len() < ROOMS, "the restart lost the first rooms");
    let again = run(&env, &command);
    assert_ok(&again, "migrate again");
    assert!(
        stderr(&again).contains(&format!("{} copied", ROOMS - copied.len())),
        "{}",
        stderr(&again)
    );
    assert!(
        redis_rooms(&mut server.connection()) == rooms,
        "not converged"
    );
    tally.survived();
    tally.finish(1);
}

#[test]
fn stopped_and_continued_mid_run() {
    // Ctrl-Z, then fg, again and again: a read with a timeout that the stop
    // catches is not restarted after SIGCONT and fails with EINTR.
    // Regression: that ended the run with "Interrupted system call"; it is
    // a blip to retry.
    let mut tally = Tally::new("stopped_and_continued_mid_run");
    let env = TestEnv::new();
    let server = RedisServer::start();
    let url = server.url();
    for case in write_cases(&env, &url) {
        let context = case.name;
        plant_redis(&mut server.connection(), &case.old);
        let mut child = spawn(&env, &case.command);
        while matches!(child.try_wait(), Ok(None)) {
            signal(&child, libc::SIGSTOP);
            thread::sleep(Duration::from_millis(5));
            signal(&child, libc::SIGCONT);
            tally.injected();
            thread::sleep(Duration::from_millis(5));
        }
        let out = child.wait_with_output().expect("wait");
        assert_ok(&out, context);
        assert!(
            redis_rooms(&mut server.connection()) == case.new,
            "{context}: not done"
        );
        tally.all_survived();
    }
    tally.finish(3);
}
