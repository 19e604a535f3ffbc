//! `roomctl archive verify|list|show` through the real binary: archives made
//! by `export` from a file store, then damaged the ways backups get damaged.
//! None of these commands may open, resolve or create a store.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::{TestEnv, room, stdout_json, write_room};

/// A store of `n` rooms whose contents compress poorly (so a compressed
/// archive cut in half loses rooms, not just its end), exported to `file`.
fn exported(env: &TestEnv, n: usize, file: &str) -> PathBuf {
    let dir = env.rooms_dir("rooms");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..n {
        let mut r = room(&format!("room {i:04}"));
        let noise: String = (0..24)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                format!("{:016x}", seed)
            })
            .collect();
        r["zNoise"] = json!(noise);
        write_room(&dir, &r);
    }
    export(env, file);
    env.path().join(file)
}

fn export(env: &TestEnv, file: &str) {
    env.roomctl()
        .args(["-s", "rooms", "export", file])
        .assert()
        .success();
}

fn verify(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.roomctl()
        .args(["archive", "verify"])
        .args(args)
        .output()
        .expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// The archive's lines, to damage one of them.
fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    fs::write(path, lines.join("\n") + "\n").expect("write");
}

/// Every file under `dir`, to show that nothing was written.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(tree(&path));
        }
        out.push(path);
    }
    out.sort();
    out
}

#[test]
fn verify_good_archives_in_every_format() {
    let env = TestEnv::new();
    exported(&env, 5, "a.jsonl");
    export(&env, "a.json.gz");
    export(&env, "a.yaml.zst");
    let out = verify(&env, &["a.jsonl", "a.json.gz", "a.yaml.zst"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), 3, "{stdout}");
    let size = fs::metadata(env.path().join("a.jsonl")).unwrap().len();
    assert!(
        got[0].starts_with("a.jsonl: ok: 5 rooms, ") && got[0].ends_with(", from file:rooms"),
        "{}",
        got[0]
    );
    assert!(got[0].contains(&format!("{:.1} KiB", size as f64 / 1024.0)));
    assert!(got[0].contains(", created 20"), "{}", got[0]);
    assert!(got[1].starts_with("a.json.gz: ok: 5 rooms"), "{}", got[1]);
    assert!(got[2].starts_with("a.yaml.zst: ok: 5 rooms"), "{}", got[2]);
    assert!(text(&out.stderr).contains("all 3 archives are good"));

    let out = verify(&env, &["-o", "json", "a.jsonl", "a.yaml.zst"]);
    assert_eq!(out.status.code(), Some(0));
    let all = stdout_json(&out);
    let first = &all[0];
    let header: Value = serde_json::from_str(&lines(&env.path().join("a.jsonl"))[0]).unwrap();
    let trailer: Value =
        serde_json::from_str(lines(&env.path().join("a.jsonl")).last().unwrap()).unwrap();
    assert_eq!(
        *first,
        json!({
            "file": "a.jsonl",
            "verdict": "ok",
            "kind": "archive",
            "format": "jsonl",
            "compression": "none",
            "size": size,
            "rooms": 5,
            "createdAt": header["createdAt"],
            "source": "file:rooms",
            "tool": header["tool"],
            "checksummed": true,
            "sha256": trailer["sha256"],
            "problem": null,
        })
    );
    assert_eq!(all[1]["format"], "yaml");
    assert_eq!(all[1]["compression"], "zstd");
    // The same rooms carry the same checksum in every format.
    assert_eq!(all[1]["sha256"], trailer["sha256"]);
}

#[test]
fn verify_plain_room_array_says_it_has_no_checksum() {
    let env = TestEnv::new();
    fs::write(
        env.path().join("rooms.json"),
        serde_json::to_vec(&json!([room("a"), room("b")])).unwrap(),
    )
    .unwrap();
    let out = verify(&env, &["rooms.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with("rooms.json: ok: 2 rooms, ")
            && text(&out.stdout).contains("a plain room array with no count or checksum"),
        "{}",
        text(&out.stdout)
    );
    let out = verify(&env, &["-o", "json", "rooms.json"]);
    let v = &stdout_json(&out)[0];
    assert_eq!(v["kind"], "roomArray");
    assert_eq!(v["checksummed"], false);
    assert_eq!(v["createdAt"], Value::Null);
}

#[test]
fn verify_truncated_archive_names_the_last_whole_line() {
    let env = TestEnv::new();
    let path = exported(&env, 5, "a.jsonl");
    let mut l = lines(&path);
    // The end of the file is lost inside room 4 (line 5).
    l.truncate(5);
    let cut = l[4].len() / 2;
    l[4].truncate(cut);
    fs::write(env.path().join("cut.jsonl"), l.join("\n")).unwrap();
    let out = verify(&env, &["cut.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("cut.jsonl: damaged: truncated: no trailer after line 4 "),
        "{stdout}"
    );
    assert!(stdout.contains("from file:rooms"), "{stdout}");
    assert!(
        text(&out.stderr).contains("1 of 1 archive damaged; the first, cut.jsonl: truncated"),
        "{}",
        text(&out.stderr)
    );
    let out = verify(&env, &["-o", "json", "cut.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    let v = &stdout_json(&out)[0];
    assert_eq!(v["verdict"], "damaged");
    assert_eq!(v["problem"]["kind"], "truncated");
    assert_eq!(v["rooms"], Value::Null);
    assert_eq!(v["source"], "file:rooms");
}

#[test]
fn verify_compressed_archives_cut_in_the_middle() {
    let env = TestEnv::new();
    exported(&env, 2000, "a.jsonl.zst");
    export(&env, "a.jsonl.gz");
    for (file, compression) in [("a.jsonl.zst", "zstd"), ("a.jsonl.gz", "gzip")] {
        let bytes = fs::read(env.path().join(file)).unwrap();
        let cut = format!("cut-{file}");
        fs::write(env.path().join(&cut), &bytes[..bytes.len() / 2]).unwrap();
        let out = verify(&env, &[&cut]);
        assert_eq!(out.status.code(), Some(8), "{cut}");
        let stdout = text(&out.stdout);
        assert!(
            stdout.starts_with(&format!(
                "{cut}: damaged: truncated: no trailer after line "
            )),
            "{stdout}"
        );
        let out = verify(&env, &["-o", "json", &cut]);
        let v = &stdout_json(&out)[0];
        assert_eq!(v["problem"]["kind"], "truncated", "{cut}");
        assert_eq!(v["compression"], compression);
        assert_eq!(v["size"], bytes.len() as u64 / 2);
    }
}

#[test]
fn verify_edited_room_fails_the_checksum() {
    let env = TestEnv::new();
    let path = exported(&env, 5, "a.jsonl");
    let mut l = lines(&path);
    // One byte of one room changed; the room is still a valid room.
    let at = l[3].find("\"ann\"").expect("creator") + 3;
    l[3].replace_range(at..at + 1, "m");
    write_lines(&env.path().join("edited.jsonl"), &l);
    let out = verify(&env, &["edited.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(
        text(&out.stdout).starts_with("edited.jsonl: damaged: checksum mismatch: trailer says "),
        "{}",
        text(&out.stdout)
    );
    let v = &stdout_json(&verify(&env, &["-o", "json", "edited.jsonl"]))[0];
    assert_eq!(v["problem"]["kind"], "invalid");
    // No line holds a checksum mismatch: the archive as a whole is wrong.
    assert_eq!(v["problem"]["line"], Value::Null);
}

#[test]
fn verify_broken_room_and_duplicate_name_name_their_line() {
    let env = TestEnv::new();
    let path = exported(&env, 5, "a.jsonl");
    let mut l = lines(&path);
    l[4] = l[2].clone();
    write_lines(&env.path().join("dup.jsonl"), &l);
    let name = serde_json::from_str::<Value>(&l[2]).unwrap()["roomName"].clone();
    let out = verify(&env, &["dup.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(
        text(&out.stdout).starts_with(&format!(
            "dup.jsonl: damaged: line 5: room {name} appears twice (first on line 3)"
        )),
        "{}",
        text(&out.stdout)
    );
    let v = &stdout_json(&verify(&env, &["-o", "json", "dup.jsonl"]))[0];
    assert_eq!(v["problem"]["line"], 5);
    assert_eq!(v["problem"]["room"], 4);

    let mut l = lines(&path);
    l[3] = l[3].replace("\"createdAt\"", "\"createdOn\"");
    write_lines(&env.path().join("bad.jsonl"), &l);
    let out = verify(&env, &["bad.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(
        text(&out.stdout).contains("bad.jsonl: damaged: line 4: room \"room 0")
            && text(&out.stdout).contains("is missing createdAt"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn verify_several_archives_reports_each_and_fails_for_one() {
    let env = TestEnv::new();
    let path = exported(&env, 3, "good.jsonl");
    let mut l = lines(&path);
    l[2] = l[1].clone();
    write_lines(&env.path().join("bad.jsonl"), &l);
    let out = verify(&env, &["bad.jsonl", "good.jsonl", "missing.jsonl"]);
    assert_eq!(out.status.code(), Some(8));
    let stdout = text(&out.stdout);
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), 3, "{stdout}");
    assert!(
        got[0].starts_with("bad.jsonl: damaged: line 3: "),
        "{}",
        got[0]
    );
    assert!(got[1].starts_with("good.jsonl: ok: 3 rooms"), "{}", got[1]);
    assert!(
        got[2].starts_with("missing.jsonl: damaged: cannot open missing.jsonl"),
        "{}",
        got[2]
    );
    assert!(
        text(&out.stderr).contains("2 of 3 archives damaged; the first, bad.jsonl: line 3"),
        "{}",
        text(&out.stderr)
    );
    let all = stdout_json(&verify(
        &env,
        &["-o", "json", "bad.jsonl", "good.jsonl", "missing.jsonl"],
    ));
    let verdicts: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["verdict"])
        .collect();
    assert_eq!(
        verdicts,
        [&json!("damaged"), &json!("ok"), &json!("damaged")]
    );
    assert_eq!(all[2]["problem"]["kind"], "unreadable");
}

#[test]
fn verify_reads_stdin() {
    let env = TestEnv::new();
    let path = exported(&env, 4, "a.jsonl.zst");
    let bytes = fs::read(&path).unwrap();
    env.roomctl()
        .args(["archive", "verify", "-"])
        .write_stdin(bytes.clone())
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with(
            "-: ok: 4 rooms, 1.2 KiB, created",
        ));
    let out = env
        .roomctl()
        .args(["archive", "verify", "-o", "json", "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    let v = &stdout_json(&out)[0];
    assert_eq!(v["file"], "-");
    assert_eq!(v["size"], bytes.len() as u64);
    assert_eq!(v["compression"], "zstd");
    env.roomctl()
        .args(["archive", "verify", "-"])
        .write_stdin(bytes[..bytes.len() / 2].to_vec())
        .assert()
        .code(8)
        .stdout(contains("-: damaged: truncated"));
    env.roomctl()
        .args(["archive", "verify", "-", "a.jsonl.zst", "-"])
        .assert()
        .code(2)
        .stderr(contains("stdin (-) is named more than once"));
}

#[test]
fn archive_commands_never_touch_a_store() {
    let env = TestEnv::new();
    let path = exported(&env, 3, "a.jsonl");
    let mut l = lines(&path);
    l[2] = l[1].clone();
    write_lines(&env.path().join("bad.jsonl"), &l);
    fs::remove_dir_all(env.path().join("rooms")).unwrap();
    // A config that would name a store, and is not even valid.
    fs::write(env.path().join("config.yaml"), "storageType: [oops\n").unwrap();
    let before = tree(env.path());
    let unreachable = env.path().join("no/such/store");
    let runs: [&[&str]; 5] = [
        &["archive", "verify", "a.jsonl"],
        &["archive", "verify", "bad.jsonl"],
        &["archive", "list", "a.jsonl"],
        &["archive", "show", "a.jsonl", "room 0001"],
        &["archive", "show", "a.jsonl", "nope"],
    ];
    let codes = [0, 8, 0, 0, 4];
    for (args, code) in runs.iter().zip(codes) {
        // With no store named (cwd lacks ./data/rooms), with one that does
        // not exist, and with env naming an unreachable Redis.
        env.roomctl().args(*args).assert().code(code);
        env.roomctl()
            .arg("-s")
            .arg(&unreachable)
            .args(*args)
            .assert()
            .code(code);
        env.roomctl()
            .env("STORAGE_TYPE", "redis")
            .env("REDIS_URL", "redis://127.0.0.1:1/0")
            .args(*args)
            .assert()
            .code(code);
    }
    assert_eq!(tree(env.path()), before, "something was written");
    assert!(!unreachable.exists());
}

/// A store whose rooms differ in creator, age and activity.
fn varied_store(env: &TestEnv) {
    let dir = env.rooms_dir("rooms");
    let mut old = room("old");
    old["createdAt"] = json!("2026-01-01T00:00:00.000Z");
    old.as_object_mut().unwrap().remove("ratings");
    write_room(&dir, &old);
    let mut fresh = room("fresh");
    fresh["creatorPlexUsername"] = json!("bob");
    fresh["lastActivityAt"] = json!("2026-10-30T00:00:00.000Z");
    fresh["password"] = json!("hunter2");
    write_room(&dir, &fresh);
    let mut unknown = room("unknown");
    unknown["createdAt"] = json!("sometime");
    unknown.as_object_mut().unwrap().remove("ratings");
    write_room(&dir, &unknown);
    for name in ["🎬 movie night", "../x", "a b"] {
        write_room(&dir, &room(name));
    }
}

/// A machine-readable listing as JSON, without the `location` of its items.
fn without_locations(format: &str, bytes: &[u8]) -> String {
    let mut items: Vec<Value> = match format {
        "json" => serde_json::from_slice(bytes).unwrap(),
        "yaml" => serde_yaml::from_slice(bytes).unwrap(),
        _ => text(bytes)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    };
    for item in &mut items {
        assert!(item["location"].is_string(), "{item}");
        item.as_object_mut().unwrap().remove("location");
    }
    serde_json::to_string_pretty(&items).unwrap()
}

#[test]
fn list_matches_list_of_the_store_in_every_format_and_filter() {
    let env = TestEnv::new();
    varied_store(&env);
    export(&env, "a.jsonl.gz");
    let run = |args: &[&str]| {
        let out = env
            .roomctl()
            .args(args)
            .args(["--now", "2026-11-01T00:00:00Z"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        out.stdout
    };
    let selections: [&[&str]; 6] = [
        &[],
        &["--creator", "bob"],
        &["--inactive-for", "30d"],
        &["--active-within", "7d"],
        &["--sort", "activity", "-r"],
        &["--sort", "created"],
    ];
    for selection in selections {
        for format in ["table", "name", "json", "ndjson", "yaml"] {
            let of_store = run(&[&["-s", "rooms", "list", "-o", format], selection].concat());
            let of_archive = run(&[
                &["archive", "list", "a.jsonl.gz", "-o", format][..],
                selection,
            ]
            .concat());
            // Only where a room lives differs: a file of the store, a line
            // of the archive.
            let (store_view, archive_view) = match format {
                "table" | "name" => (text(&of_store), text(&of_archive)),
                _ => (
                    without_locations(format, &of_store),
                    without_locations(format, &of_archive),
                ),
            };
            assert_eq!(archive_view, store_view, "{format} {selection:?}");
        }
    }
    assert_eq!(
        text(&run(&[
            "archive",
            "list",
            "a.jsonl.gz",
            "-o",
            "name",
            "--creator",
            "bob"
        ])),
        "fresh\n"
    );
    // Where each room is: the archive and its line.
    let items: Value =
        serde_json::from_slice(&run(&["archive", "list", "a.jsonl.gz", "-o", "json"])).unwrap();
    for item in items.as_array().unwrap() {
        let location = item["location"].as_str().unwrap();
        let line: usize = location
            .strip_prefix("a.jsonl.gz:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{location}"));
        assert!((2..=7).contains(&line), "{location}");
    }
}

#[test]
fn list_refuses_a_damaged_archive_and_takes_a_truncated_one_when_told() {
    let env = TestEnv::new();
    let path = exported(&env, 5, "a.jsonl");
    let mut l = lines(&path);
    l.truncate(4);
    write_lines(&env.path().join("cut.jsonl"), &l);
    env.roomctl()
        .args(["archive", "list", "cut.jsonl", "-o", "name"])
        .assert()
        .code(8)
        .stdout("")
        .stderr(contains("cut.jsonl: truncated: no trailer after line 4"));
    let out = env
        .roomctl()
        .args([
            "archive",
            "list",
            "cut.jsonl",
            "-o",
            "name",
            "--allow-truncated",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    assert!(text(&out.stderr).contains("cut.jsonl is truncated; listing the 3 complete rooms"));
    // stdin too.
    env.roomctl()
        .args(["archive", "list", "-", "-o", "name"])
        .write_stdin(fs::read(&path).unwrap())
        .assert()
        .code(0)
        .stdout(contains("room 0000\nroom 0001\n"));
}

#[test]
fn show_rooms_with_names_needing_escaping() {
    let env = TestEnv::new();
    varied_store(&env);
    let evil = "\u{1b}]0;pwned\u{7}";
    write_room(&env.path().join("rooms"), &room(evil));
    export(&env, "a.jsonl.zst");
    for name in ["🎬 movie night", "../x", "a b", evil] {
        let out = env
            .roomctl()
            .args(["archive", "show", "a.jsonl.zst", name, "-o", "json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name:?}: {}",
            text(&out.stderr)
        );
        let of_archive = stdout_json(&out);
        let out = env
            .roomctl()
            .args(["-s", "rooms", "show", name, "-o", "json"])
            .output()
            .unwrap();
        assert_eq!(of_archive, stdout_json(&out), "{name:?}");
        assert_eq!(of_archive["roomName"], name);
        // Text: as show prints it, but for where the room is.
        let of_archive = env
            .roomctl()
            .args(["archive", "show", "a.jsonl.zst", name])
            .output()
            .unwrap();
        let of_store = env
            .roomctl()
            .args(["-s", "rooms", "show", name])
            .output()
            .unwrap();
        assert!(!of_archive.stdout.contains(&0x1b), "raw ESC in {name:?}");
        let without_place = |out: &std::process::Output| {
            text(&out.stdout)
                .lines()
                .filter(|l| !l.starts_with("Stored in"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(without_place(&of_archive), without_place(&of_store));
        assert!(
            text(&of_archive.stdout).contains("Stored in         a.jsonl.zst:"),
            "{}",
            text(&of_archive.stdout)
        );
    }
    // The password stays hidden unless asked for, as with show.
    env.roomctl()
        .args(["archive", "show", "a.jsonl.zst", "fresh"])
        .assert()
        .success()
        .stdout(contains("hunter2").not());
    env.roomctl()
        .args(["archive", "show", "a.jsonl.zst", "fresh", "--show-password"])
        .assert()
        .success()
        .stdout(contains("hunter2"));
}

#[test]
fn show_missing_room_exits_4() {
    let env = TestEnv::new();
    varied_store(&env);
    export(&env, "a.jsonl");
    // `a_b` is the file name `a b` is stored under, not the room's name.
    for name in ["nope", "a_b", "___x"] {
        env.roomctl()
            .args(["archive", "show", "a.jsonl", name])
            .assert()
            .code(4)
            .stdout("")
            .stderr(contains(format!("no room named {name:?} in a.jsonl")));
    }
    // A damaged archive is not searched: exit 8, as import refuses it.
    let mut l = lines(&env.path().join("a.jsonl"));
    l[2] = l[1].clone();
    write_lines(&env.path().join("dup.jsonl"), &l);
    env.roomctl()
        .args(["archive", "show", "dup.jsonl", "nope"])
        .assert()
        .code(8)
        .stderr(contains("dup.jsonl: line 3: room"));
}
