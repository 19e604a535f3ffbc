//! export and import through the real binary: formats, compression,
//! refusals of bad archives, conflict policies, atomic output, piping.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::{TestEnv, room, stdout_json, write_room};

fn seeded(env: &TestEnv, dir: &str, n: usize) -> std::path::PathBuf {
    let d = env.rooms_dir(dir);
    for i in 0..n {
        let mut r = room(&format!("room {i:03}"));
        r["zExtra"] = json!({"i": i, "note": "unknown field, kept"});
        if i == 0 {
            r["password"] = json!("s3cret");
        }
        write_room(&d, &r);
    }
    d
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The room lines of an archive, sorted: a store is scanned in its own
/// order (directory order, SCAN order), so archives are compared as sets.
fn room_lines(path: &Path) -> Vec<String> {
    let l = lines(path);
    let mut rooms = l[1..l.len() - 1].to_vec();
    rooms.sort();
    rooms
}

#[test]
fn export_jsonl_header_rooms_trailer() {
    let env = TestEnv::new();
    seeded(&env, "a", 5);
    env.roomctl()
        .args(["-s", "a", "export", "out.jsonl"])
        .assert()
        .success()
        .stdout("")
        .stderr(contains("exported 5 rooms"));
    let out = env.path().join("out.jsonl");
    let l = lines(&out);
    assert_eq!(l.len(), 7);
    let header: Value = serde_json::from_str(&l[0]).unwrap();
    assert_eq!(header["$roomctl"], "archive");
    assert_eq!(header["version"], 1);
    let trailer: Value = serde_json::from_str(&l[6]).unwrap();
    assert_eq!(trailer["$roomctl"], "trailer");
    assert_eq!(trailer["rooms"], 5);
    // Every field, the password and unknown ones included, in stored order.
    let line = l.iter().find(|l| l.contains("\"room 000\"")).unwrap();
    let first: Value = serde_json::from_str(line).unwrap();
    assert_eq!(first["password"], "s3cret");
    assert_eq!(first["zExtra"]["note"], "unknown field, kept");
    assert!(line.starts_with("{\"roomName\":\"room 000\",\"sort\""));
    assert!(line.ends_with(
        "\"zExtra\":{\"i\":0,\"note\":\"unknown field, kept\"},\"password\":\"s3cret\"}"
    ));
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // An existing file is not overwritten without --force.
    env.roomctl()
        .args(["-s", "a", "export", "out.jsonl"])
        .assert()
        .code(6);
    env.roomctl()
        .args(["-s", "a", "export", "out.jsonl", "--force"])
        .assert()
        .success();
}

#[test]
fn round_trip_every_format_and_compression() {
    let env = TestEnv::new();
    seeded(&env, "src", 20);
    env.roomctl()
        .args(["-s", "src", "export", "ref.jsonl"])
        .assert()
        .success();
    let reference = room_lines(&env.path().join("ref.jsonl"));
    for (i, name) in ["a.jsonl.gz", "b.json", "c.yaml", "d.json.gz", "e.yml"]
        .iter()
        .enumerate()
    {
        env.roomctl()
            .args(["-s", "src", "export", name])
            .assert()
            .success();
        let target = format!("t{i}");
        env.rooms_dir(&target);
        env.roomctl()
            .args(["-s", &target, "import", name])
            .assert()
            .success()
            .stderr(contains("20 created"));
        env.roomctl()
            .args(["-s", &target, "export", "back.jsonl", "--force"])
            .assert()
            .success();
        assert_eq!(
            room_lines(&env.path().join("back.jsonl")),
            reference,
            "{name}"
        );
    }
    let gz = fs::read(env.path().join("a.jsonl.gz")).unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");
    // --compress to stdout, detected by magic on import.
    let out = env
        .roomctl()
        .args(["-s", "src", "export", "-z"])
        .output()
        .unwrap();
    assert_eq!(&out.stdout[..2], &[0x1f, 0x8b]);
    fs::write(env.path().join("plain-name.jsonl"), &out.stdout).unwrap();
    env.rooms_dir("t9");
    env.roomctl()
        .args(["-s", "t9", "import", "plain-name.jsonl"])
        .assert()
        .success();
}

#[test]
fn pipe_export_into_import() {
    let env = TestEnv::new();
    seeded(&env, "src", 12);
    env.rooms_dir("dst");
    let exported = env
        .roomctl()
        .args(["-s", "src", "export"])
        .output()
        .unwrap();
    assert!(exported.status.success());
    env.roomctl()
        .args(["-s", "dst", "import", "-"])
        .write_stdin(exported.stdout)
        .assert()
        .success()
        .stderr(contains("12 created"));
    assert_eq!(fs::read_dir(env.path().join("dst")).unwrap().count(), 12);
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut f = fs::File::create(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

#[test]
fn bad_archives_are_refused_and_nothing_is_written() {
    let env = TestEnv::new();
    seeded(&env, "src", 6);
    env.roomctl()
        .args(["-s", "src", "export", "good.jsonl"])
        .assert()
        .success();
    let good = lines(&env.path().join("good.jsonl"));
    let dst = env.rooms_dir("dst");
    let mut cases: Vec<(&str, Vec<String>, &str)> = Vec::new();
    // Truncated: the trailer and the last room are gone.
    cases.push(("truncated", good[..5].to_vec(), "truncated"));
    // A flipped byte inside a room line.
    let mut flipped = good.clone();
    flipped[3] = flipped[3].replacen("\"ann\"", "\"anm\"", 1);
    cases.push(("flipped", flipped, "checksum"));
    // Missing trailer only.
    cases.push(("no-trailer", good[..good.len() - 1].to_vec(), "truncated"));
    // A line that is not JSON.
    let mut not_json = good.clone();
    not_json[2] = "{\"roomName\": oops".into();
    cases.push(("not-json", not_json, "line 3"));
    // A room missing createdAt.
    let mut missing = good.clone();
    let mut doc: Value = serde_json::from_str(&missing[4]).unwrap();
    doc.as_object_mut().unwrap().remove("createdAt");
    missing[4] = doc.to_string();
    cases.push(("missing-created", missing, "createdAt"));
    // The same room twice.
    let mut dup = good.clone();
    dup[5] = dup[1].clone();
    cases.push(("duplicate", dup, "twice"));
    for (name, content, needle) in cases {
        let file = env.path().join(format!("{name}.jsonl"));
        write_lines(&file, &content);
        env.roomctl()
            .args(["-s", "dst", "import"])
            .arg(&file)
            .assert()
            .code(8)
            .stderr(contains(needle).and(contains("nothing was imported")));
        assert_eq!(
            fs::read_dir(&dst).unwrap().count(),
            0,
            "{name}: target untouched"
        );
    }
    // A truncated archive is taken with --allow-truncated.
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "no-trailer.jsonl",
            "--allow-truncated",
        ])
        .assert()
        .success()
        .stderr(contains("truncated"));
    assert_eq!(fs::read_dir(&dst).unwrap().count(), 6);
}

#[test]
fn plain_array_and_single_document_are_accepted() {
    let env = TestEnv::new();
    env.rooms_dir("dst");
    let arr = json!([room("one"), room("two")]);
    fs::write(env.path().join("arr.json"), arr.to_string()).unwrap();
    fs::write(
        env.path().join("single.json"),
        serde_json::to_vec_pretty(&room("three")).unwrap(),
    )
    .unwrap();
    env.roomctl()
        .args(["-s", "dst", "import", "arr.json"])
        .assert()
        .success();
    env.roomctl()
        .args(["-s", "dst", "import", "single.json"])
        .assert()
        .success();
    env.roomctl()
        .args(["-s", "dst", "list", "-o", "name"])
        .assert()
        .stdout("one\nthree\ntwo\n");
}

#[test]
fn conflict_policies() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    let mut a = room("a");
    a["lastActivityAt"] = json!("2026-10-10T00:00:00.000Z");
    let mut b = room("b");
    b["lastActivityAt"] = json!("2026-10-10T00:00:00.000Z");
    write_room(&src, &a);
    write_room(&src, &b);
    write_room(&src, &room("new"));
    env.roomctl()
        .args(["-s", "src", "export", "arc.jsonl"])
        .assert()
        .success();

    let dst = env.rooms_dir("dst");
    let mut a_old = room("a");
    a_old["lastActivityAt"] = json!("2026-01-01T00:00:00.000Z");
    a_old["sort"] = json!("rating");
    let mut b_newer = room("b");
    b_newer["lastActivityAt"] = json!("2026-11-01T00:00:00.000Z");
    let reset = || {
        for f in fs::read_dir(&dst).unwrap() {
            fs::remove_file(f.unwrap().path()).unwrap();
        }
        write_room(&dst, &a_old);
        write_room(&dst, &b_newer);
    };
    let doc = |name: &str| -> Value {
        serde_json::from_slice(&fs::read(dst.join(format!("{name}.json"))).unwrap()).unwrap()
    };

    reset();
    env.roomctl()
        .args(["-s", "dst", "import", "arc.jsonl"])
        .assert()
        .code(5)
        .stderr(contains("\"a\"").and(contains("nothing was imported")));
    assert!(!dst.join("new.json").exists(), "fail writes nothing at all");

    reset();
    let out = env
        .roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "skip",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = stdout_json(&out);
    assert_eq!(
        (s["created"].as_u64(), s["skipped"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(doc("a")["sort"], "rating");

    reset();
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(doc("a")["sort"], "random");
    assert_eq!(doc("b")["lastActivityAt"], "2026-10-10T00:00:00.000Z");

    reset();
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "newer",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(doc("a")["sort"], "random", "the archive's a is newer");
    assert_eq!(
        doc("b")["lastActivityAt"],
        "2026-11-01T00:00:00.000Z",
        "the store's b is newer"
    );

    // Importing the same archive again: everything unchanged.
    env.roomctl()
        .args(["-s", "dst", "import", "arc.jsonl"])
        .assert()
        .code(5);
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .assert()
        .success()
        .stderr(contains("1 unchanged").or(contains("unchanged")));

    // Dry run: prints the plan, writes nothing.
    reset();
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "overwrite",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(contains("would overwrite a").and(contains("would create new")));
    assert!(!dst.join("new.json").exists());
}

#[test]
fn colliding_file_names_are_conflicts() {
    let env = TestEnv::new();
    let src = env.rooms_dir("src");
    write_room(&src, &room("a_b"));
    env.roomctl()
        .args(["-s", "src", "export", "arc.jsonl"])
        .assert()
        .success();
    let dst = env.rooms_dir("dst");
    write_room(&dst, &room("a b"));
    env.roomctl()
        .args([
            "-s",
            "dst",
            "import",
            "arc.jsonl",
            "--on-conflict",
            "overwrite",
            "--yes",
        ])
        .assert()
        .code(5)
        .stderr(contains("a_b"));
    let held: Value = serde_json::from_slice(&fs::read(dst.join("a_b.json")).unwrap()).unwrap();
    assert_eq!(held["roomName"], "a b", "the other room is untouched");
}

#[test]
fn export_of_a_store_with_bad_entries_is_incomplete() {
    let env = TestEnv::new();
    let d = seeded(&env, "src", 3);
    fs::write(d.join("bad.json"), b"{{{").unwrap();
    env.roomctl()
        .args(["-s", "src", "export", "x.jsonl"])
        .assert()
        .code(3)
        .stderr(contains("bad.json").and(contains("INCOMPLETE")));
    assert_eq!(room_lines(&env.path().join("x.jsonl")).len(), 3);
    env.roomctl()
        .args(["-s", "src", "export", "y.jsonl", "--skip-invalid"])
        .assert()
        .success();
}

#[test]
fn export_filters_select_rooms() {
    let env = TestEnv::new();
    let d = env.rooms_dir("src");
    let mut bob = room("bobs");
    bob["creatorPlexUsername"] = json!("bob");
    write_room(&d, &bob);
    write_room(&d, &room("anns"));
    let out = env
        .roomctl()
        .args(["-s", "src", "export", "--creator", "bob"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains("\"roomName\":\"bobs\""));
}

#[test]
fn killed_export_leaves_no_file() {
    let env = TestEnv::new();
    seeded(&env, "src", 3000);
    let bin = assert_cmd::cargo::cargo_bin("roomctl");
    for delay_ms in [5u64, 20, 60] {
        let mut child = std::process::Command::new(&bin)
            .current_dir(env.path())
            .args(["-s", "src", "export", "killed.jsonl"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let target = env.path().join("killed.jsonl");
        if status.success() {
            // Finished before the kill: then the archive must be whole.
            assert_eq!(room_lines(&target).len(), 3000);
            fs::remove_file(&target).unwrap();
        } else {
            assert!(
                !target.exists(),
                "a killed export left {}",
                target.display()
            );
        }
    }
}

#[test]
fn import_into_a_missing_directory_needs_create_store() {
    let env = TestEnv::new();
    seeded(&env, "src", 3);
    env.roomctl()
        .args(["-s", "src", "export", "backup.jsonl"])
        .assert()
        .success();
    // A typo in the path: refused, nothing created.
    let typo = env.path().join("x/typo/rooms");
    env.roomctl()
        .arg("-s")
        .arg(&typo)
        .args(["import", "backup.jsonl"])
        .assert()
        .code(7)
        .stderr(
            contains(typo.display().to_string())
                .and(contains("no such directory"))
                .and(contains("--create-store")),
        );
    assert!(!env.path().join("x").exists(), "nothing was created");
    // With --create-store, only what is missing is created, and said so.
    fs::create_dir(env.path().join("x")).unwrap();
    let created = |dry_run: bool| {
        let verb = if dry_run { "would create" } else { "created" };
        format!(
            "{verb} directory {}\n{verb} directory {}\n",
            env.path().join("x/typo").display(),
            typo.display()
        )
    };
    let out = env
        .roomctl()
        .arg("-s")
        .arg(&typo)
        .args(["import", "backup.jsonl", "--create-store", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with(&created(true)));
    assert!(
        !env.path().join("x/typo").exists(),
        "a dry run creates nothing"
    );
    let out = env
        .roomctl()
        .arg("-s")
        .arg(&typo)
        .args(["import", "backup.jsonl", "--create-store"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&created(false)), "{stderr}");
    assert!(stderr.contains("3 created"), "{stderr}");
    assert_eq!(fs::read_dir(&typo).unwrap().count(), 3);
    // Once it exists, --create-store creates nothing and says nothing.
    env.roomctl()
        .arg("-s")
        .arg(&typo)
        .args(["import", "backup.jsonl", "--create-store"])
        .assert()
        .success()
        .stderr(
            contains("created directory")
                .not()
                .and(contains("3 unchanged")),
        );
}

#[test]
fn import_without_a_store_never_creates_the_default_directory() {
    let env = TestEnv::new();
    seeded(&env, "src", 2);
    env.roomctl()
        .args(["-s", "src", "export", "backup.jsonl"])
        .assert()
        .success();
    // No --store, no ./data/rooms: the server's default is not created.
    env.roomctl()
        .args(["import", "backup.jsonl"])
        .assert()
        .code(7)
        .stderr(
            contains("./data/rooms")
                .and(contains("the default store"))
                .and(contains("--create-store")),
        );
    assert!(!env.path().join("data").exists());
    env.roomctl()
        .args(["import", "backup.jsonl", "--create-store"])
        .assert()
        .success()
        .stderr(
            contains("created directory ./data\n")
                .and(contains("created directory ./data/rooms\n")),
        );
    assert_eq!(
        fs::read_dir(env.path().join("data/rooms")).unwrap().count(),
        2
    );
}

#[test]
fn a_refused_import_reports_why_in_json_and_yaml() {
    let env = TestEnv::new();
    seeded(&env, "src", 2);
    env.roomctl()
        .args(["-s", "src", "export", "arc.jsonl"])
        .assert()
        .success();
    let dst = env.rooms_dir("dst");
    // A bad archive: nothing written, and the summary says why.
    fs::write(env.path().join("bad.jsonl"), b"not an archive\n").unwrap();
    let out = env
        .roomctl()
        .args(["-s", "dst", "import", "bad.jsonl", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let summary = stdout_json(&out);
    assert_eq!(summary["refused"], "invalid-input");
    assert!(
        summary["refusedMessage"]
            .as_str()
            .unwrap()
            .contains("bad.jsonl")
    );
    assert_eq!(summary["created"], 0);
    // A conflict under --on-conflict fail: nothing written.
    let mut other = room("room 001");
    other["sort"] = json!("rating");
    write_room(&dst, &other);
    let out = env
        .roomctl()
        .args(["-s", "dst", "import", "arc.jsonl", "-o", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let summary: Value = serde_yaml::from_slice(&out.stdout).expect("stdout is YAML");
    assert_eq!(summary["refused"], "conflicts");
    assert_eq!(summary["conflicts"], 1);
    assert_eq!(summary["created"], 0, "nothing was created");
    assert_eq!(summary["heldBack"], 1, "what the plan would have created");
    assert_eq!(fs::read_dir(&dst).unwrap().count(), 1, "nothing imported");
    // A run that is not refused says so.
    let out = env
        .roomctl()
        .args(["-s", "dst", "import", "arc.jsonl", "-o", "json"])
        .args(["--on-conflict", "skip"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["refused"], Value::Null);
}

/// `-z` never takes the next word as its algorithm: `-z out.zst` is a bare
/// `-z` and a FILE, compressed as the name says; the algorithm is named
/// attached (`-z=zstd`, `--compress=zstd`); a `.gz`/`.zst` FILE compresses
/// without `-z`; what contradicts itself is refused before anything is
/// written.
#[test]
fn compress_takes_its_algorithm_attached_and_the_file_name_decides() {
    let env = TestEnv::new();
    seeded(&env, "src", 3);
    const GZIP: &[u8] = &[0x1f, 0x8b];
    const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
    for (args, file, magic) in [
        (&["-z", "out.zst"][..], "out.zst", ZSTD),
        (&["-z", "bare.gz"], "bare.gz", GZIP),
        (&["out.gz"], "out.gz", GZIP),
        (&["-z", "plain.jsonl"], "plain.jsonl", GZIP),
        (&["-z=zstd", "attached.jsonl"], "attached.jsonl", ZSTD),
        (&["--compress=zstd", "long.jsonl"], "long.jsonl", ZSTD),
        (&["--compress=gzip", "long.gz"], "long.gz", GZIP),
    ] {
        env.roomctl()
            .args(["-s", "src", "export"])
            .args(args)
            .assert()
            .success()
            .stdout("")
            .stderr(contains(format!("exported 3 rooms to {file}")));
        let bytes = fs::read(env.path().join(file)).unwrap();
        assert!(bytes.starts_with(magic), "{args:?}");
        let target = format!("t-{file}");
        env.rooms_dir(&target);
        env.roomctl()
            .args(["-s", &target, "import", file])
            .assert()
            .success()
            .stderr(contains("3 created"));
    }

    // The old spelling `-z zstd` would now write a file named zstd: refused,
    // naming the attached form. ./zstd is a file.
    env.roomctl()
        .args(["-s", "src", "export", "-z", "zstd"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("-z=zstd"));
    assert!(!env.path().join("zstd").exists());
    env.roomctl()
        .args(["-s", "src", "export", "-z", "./zstd"])
        .assert()
        .success();
    assert!(fs::read(env.path().join("zstd")).unwrap().starts_with(GZIP));

    // An algorithm the name contradicts.
    env.roomctl()
        .args(["-s", "src", "export", "--compress=gzip", "wrong.zst"])
        .assert()
        .code(2)
        .stderr(contains("wrong.zst").and(contains("--compress=gzip")));
    assert!(!env.path().join("wrong.zst").exists());
}

#[test]
fn import_into_files_makes_each_batch_durable_at_once() {
    // Traced with strace: every room's temporary file is created, then the
    // batch is made durable (syncfs), then each is renamed into place, and
    // the directory is made durable once; no call fails by design (no
    // probe of a file that is not there), and none is made once per room
    // that need not be (getpid, a sync).
    let env = TestEnv::new();
    seeded(&env, "from", 600);
    env.roomctl()
        .args(["-s", "from", "export", "in.jsonl"])
        .assert()
        .success();
    env.rooms_dir("to");
    let trace = env.path().join("trace");
    let out = env
        .command("strace")
        .args(["-f", "-y", "-qq", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=openat,open,stat,newfstatat,statx,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,unlink,unlinkat,fsync,fdatasync,syncfs,getpid",
            "--",
        ])
        .arg(assert_cmd::cargo::cargo_bin("roomctl"))
        .args(["-s", &env.path().join("to").display().to_string(), "import", "in.jsonl"])
        // One worker: the calls come in one order, one per line.
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("strace (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read_dir(env.path().join("to")).unwrap().count(), 600);
    let trace = fs::read_to_string(&trace).unwrap();
    let to = format!("{}/to", env.path().display());
    let calls: Vec<&str> = trace.lines().filter(|l| l.contains(&to)).collect();
    let failed: Vec<&&str> = calls.iter().filter(|l| l.contains(" = -1 ")).collect();
    assert!(failed.is_empty(), "calls that failed: {failed:#?}");
    let getpids = trace.lines().filter(|l| l.contains("getpid()")).count();
    assert!(getpids <= 2, "{getpids} getpid calls");
    let is_sync =
        |l: &str| l.contains("syncfs(") || l.contains("fsync(") || l.contains("fdatasync(");
    let syncs = calls.iter().filter(|l| is_sync(l)).count();
    assert!(syncs <= 6, "{syncs} syncs for 2 batches");
    // Each room: created under a temporary name, made durable, then renamed.
    let mut renamed = 0;
    for (i, call) in calls.iter().enumerate() {
        if !call.contains("rename") {
            continue;
        }
        let tmp = call.split('"').nth(1).expect("renamed from");
        let created = calls
            .iter()
            .position(|c| c.contains("O_CREAT") && c.contains(tmp))
            .unwrap_or_else(|| panic!("{tmp} never created"));
        assert!(
            calls[created..i].iter().any(|c| is_sync(c)),
            "{call}: renamed into place before it was durable"
        );
        renamed += 1;
    }
    assert_eq!(renamed, 600);
    let last_rename = calls.iter().rposition(|c| c.contains("rename")).unwrap();
    assert!(
        calls[last_rename..]
            .iter()
            .any(|c| c.contains("fsync(") && c.contains(&format!("<{to}>)"))),
        "the directory is made durable after the last rename"
    );
}
