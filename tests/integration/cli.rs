//! Tests through the real `roomctl` binary on file stores: list, show,
//! delete, store resolution, safe output, completions.

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::support::{TestEnv, plant_damage, room, safe_name, stdout_json, write_room};

fn sample_store() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rooms")
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    roomctl::cli::Cli::command().debug_assert();
}

#[test]
fn list_sample_store_as_table() {
    let env = TestEnv::new();
    env.roomctl()
        .args(["--store"])
        .arg(sample_store())
        .arg("list")
        .assert()
        .success()
        .stdout(
            contains("NAME")
                .and(contains("friday-movie-night"))
                .and(contains("Family Sunday")),
        )
        .stderr(contains("12 rooms"));
}

#[test]
fn list_json_has_the_documented_shape() {
    let env = TestEnv::new();
    let out = env
        .roomctl()
        .arg("-s")
        .arg(sample_store())
        .args(["list", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let rooms = stdout_json(&out);
    let rooms = rooms.as_array().expect("array");
    assert_eq!(rooms.len(), 12);
    let family = rooms
        .iter()
        .find(|r| r["roomName"] == "Family Sunday")
        .expect("Family Sunday listed");
    for key in [
        "roomName",
        "creatorPlexUsername",
        "createdAt",
        "lastActivityAt",
        "users",
        "ratings",
        "matches",
        "hasPassword",
    ] {
        assert!(family.get(key).is_some(), "missing {key}: {family}");
    }
    assert_eq!(family["hasPassword"], true);
    assert_eq!(family["users"], 4);
    assert!(
        family.get("password").is_none(),
        "never the password itself"
    );
    // Sorted by name by default.
    let names: Vec<&str> = rooms
        .iter()
        .map(|r| r["roomName"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn list_ndjson_yaml_and_names() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("alpha"));
    write_room(&dir, &room("beta"));
    let out = env
        .roomctl()
        .args(["-s", "rooms", "list", "-o", "ndjson"])
        .output()
        .unwrap();
    let lines: Vec<Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["roomName"], "alpha");
    assert_eq!(lines[0]["matches"], 1);
    assert_eq!(lines[0]["ratings"], 3);
    env.roomctl()
        .args(["-s", "rooms", "list", "-o", "name"])
        .assert()
        .success()
        .stdout("alpha\nbeta\n");
    let out = env
        .roomctl()
        .args(["-s", "rooms", "list", "-o", "yaml"])
        .output()
        .unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(yaml[1]["roomName"].as_str(), Some("beta"));
}

#[test]
fn list_reports_bad_files_and_lists_the_rest() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("good"));
    plant_damage(&dir);
    let mut no_created = room("no-created");
    no_created.as_object_mut().unwrap().remove("createdAt");
    write_room(&dir, &no_created);
    fs::write(dir.join("notes.txt"), b"not a room file").unwrap();
    env.roomctl()
        .args(["-s", "rooms", "list", "-o", "name"])
        .assert()
        .success()
        .stdout("good\n")
        .stderr(
            contains("corrupt.json")
                .and(contains("empty.json"))
                .and(contains("no-created.json"))
                .and(contains("createdAt"))
                .and(contains("3 entries skipped"))
                .and(contains(".tmp").not()),
        );
}

#[test]
fn list_filters_and_sorts() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut old = room("old");
    old["createdAt"] = json!("2026-01-01T00:00:00.000Z");
    old.as_object_mut().unwrap().remove("ratings");
    write_room(&dir, &old);
    let mut fresh = room("fresh");
    fresh["creatorPlexUsername"] = json!("bob");
    fresh["lastActivityAt"] = json!("2026-10-30T00:00:00.000Z");
    write_room(&dir, &fresh);
    let mut unknown = room("unknown");
    unknown["createdAt"] = json!("sometime");
    unknown.as_object_mut().unwrap().remove("ratings");
    write_room(&dir, &unknown);
    let list = |args: &[&str]| {
        let out = env
            .roomctl()
            .args([
                "-s",
                "rooms",
                "list",
                "-o",
                "name",
                "--now",
                "2026-11-01T00:00:00Z",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(list(&["--inactive-for", "30d"]), "old\n");
    assert_eq!(list(&["--active-within", "7d"]), "fresh\n");
    assert_eq!(list(&["--creator", "bob"]), "fresh\n");
    assert_eq!(list(&["--creator", "42"]), "fresh\nold\nunknown\n");
    assert_eq!(list(&["--sort", "activity"]), "unknown\nold\nfresh\n");
    assert_eq!(list(&["--sort", "activity", "-r"]), "fresh\nold\nunknown\n");
    env.roomctl()
        .args(["-s", "rooms", "list", "--inactive-for", "30"])
        .assert()
        .code(2)
        .stderr(contains("missing unit"));
}

#[test]
fn list_filters_read_the_units_list_prints() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut old = room("old");
    old["createdAt"] = json!("2026-01-01T00:00:00.000Z");
    old.as_object_mut().unwrap().remove("ratings");
    write_room(&dir, &old);
    let mut fresh = room("fresh");
    fresh["lastActivityAt"] = json!("2026-10-30T00:00:00.000Z");
    write_room(&dir, &fresh);
    let list = |args: &[&str]| {
        env.roomctl()
            .args(["-s", "rooms", "list", "-o", "name"])
            .args(["--now", "2026-11-01T00:00:00Z"])
            .args(args)
            .output()
            .unwrap()
    };
    let names = |args: &[&str]| {
        let out = list(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // What the AGE column prints (10mo, 2d) is what the filters read.
    let table = env
        .roomctl()
        .args(["-s", "rooms", "list", "--now", "2026-11-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("10mo ago"));
    assert_eq!(names(&["--inactive-for", "2mo"]), "old\n");
    assert_eq!(names(&["--inactive-for", "2 months"]), "old\n");
    assert_eq!(names(&["--inactive-for", "1y"]), "");
    assert_eq!(names(&["--active-within", "3 weeks"]), "fresh\n");
    assert_eq!(names(&["--active-within", "3weeks"]), "fresh\n");
    assert_eq!(names(&["--active-within", "1d 12h"]), "");
    assert_eq!(names(&["--active-within", "2d"]), "fresh\n");
    for (args, says) in [
        (["--inactive-for", "2m"], "ambiguous"),
        (["--inactive-for", "0d"], "zero"),
        (["--active-within", "0s"], "zero"),
        (["--inactive-for", "99999999999d"], "before 1970"),
        (["--inactive-for", "999999999999999d"], "too large"),
    ] {
        let out = list(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}: {out:?}"
        );
        assert!(out.stdout.is_empty());
    }
    // A --now that puts the cutoff in the future.
    env.roomctl()
        .args(["-s", "rooms", "list", "--inactive-for", "30d"])
        .args(["--now", "2999-01-01T00:00:00Z"])
        .assert()
        .code(2)
        .stderr(contains("in the future"));
}

#[test]
fn hostile_names_are_escaped_in_human_output() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    write_room(&dir, &room(evil));
    write_room(&dir, &room("../../etc/passwd"));
    assert!(dir.join("______etc_passwd.json").is_file());
    let out = env
        .roomctl()
        .args(["-s", "rooms", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
    assert!(text.contains("../../etc/passwd"));
    // JSON output carries the exact name, escaped by JSON itself.
    let out = env
        .roomctl()
        .args(["-s", "rooms", "list", "-o", "json"])
        .output()
        .unwrap();
    let rooms = stdout_json(&out);
    assert!(
        rooms
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["roomName"] == evil)
    );
    // show finds it by its exact name and escapes it too.
    let out = env
        .roomctl()
        .args(["-s", "rooms", "show", evil])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn show_text_and_stored_document() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let mut doc = room("movie night");
    doc["password"] = json!("hunter2");
    doc["zNewServerField"] = json!({"kept": [1, 2, 3]});
    write_room(&dir, &doc);
    env.roomctl()
        .args(["-s", "rooms", "show", "movie night"])
        .assert()
        .success()
        .stdout(
            contains("movie night")
                .and(contains("plex://movie/1 (2 likes)"))
                .and(contains("zNewServerField"))
                .and(contains("hunter2").not()),
        );
    let out = env
        .roomctl()
        .args(["-s", "rooms", "show", "movie night", "-o", "json"])
        .output()
        .unwrap();
    let shown = stdout_json(&out);
    assert_eq!(shown["zNewServerField"], json!({"kept": [1, 2, 3]}));
    assert_ne!(shown["password"], "hunter2");
    let keys: Vec<&String> = shown.as_object().unwrap().keys().collect();
    let want: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys, want, "key order as stored");
    let out = env
        .roomctl()
        .args([
            "-s",
            "rooms",
            "show",
            "movie night",
            "-o",
            "yaml",
            "--show-password",
        ])
        .output()
        .unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(yaml["password"].as_str(), Some("hunter2"));
}

#[test]
fn show_missing_room_fails_with_not_found() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("a b"));
    // `a_b` maps to the same file but is another room.
    env.roomctl()
        .args(["-s", "rooms", "show", "a_b"])
        .assert()
        .code(4)
        .stderr(contains("no room named \"a_b\""));
    env.roomctl()
        .args(["-s", "rooms", "show", "a b"])
        .assert()
        .success();
}

#[test]
fn delete_needs_consent_and_deletes_only_the_room() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("doomed"));
    write_room(&dir, &room("a b"));
    // Not a terminal and no --yes: refused, nothing deleted.
    env.roomctl()
        .args(["-s", "rooms", "delete", "doomed"])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    assert!(dir.join("doomed.json").exists());
    env.roomctl()
        .args(["-s", "rooms", "delete", "doomed", "--dry-run"])
        .assert()
        .success()
        .stdout(contains("would delete doomed"));
    assert!(dir.join("doomed.json").exists());
    // A missing name stops the whole delete.
    env.roomctl()
        .args(["-s", "rooms", "delete", "doomed", "ghost", "--yes"])
        .assert()
        .code(4)
        .stderr(contains("ghost").and(contains("nothing was deleted")));
    assert!(dir.join("doomed.json").exists());
    // The colliding name does not reach the file of "a b".
    env.roomctl()
        .args(["-s", "rooms", "delete", "a_b", "--yes"])
        .assert()
        .code(4);
    assert!(dir.join("a_b.json").exists());
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "delete",
            "doomed",
            "ghost",
            "--yes",
            "--ignore-missing",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .stdout(contains("\"deleted\": [\n    \"doomed\"\n  ]"));
    assert!(!dir.join("doomed.json").exists());
    assert!(dir.join("a_b.json").exists());
    assert_eq!(
        fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary files left"
    );
}

#[test]
fn delete_invalid_entry_only_when_asked() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    fs::write(dir.join("broken.json"), b"{ not json").unwrap();
    env.roomctl()
        .args(["-s", "rooms", "delete", "broken", "--yes"])
        .assert()
        .code(6)
        .stderr(contains("--include-invalid"));
    assert!(dir.join("broken.json").exists());
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "delete",
            "broken",
            "--yes",
            "--include-invalid",
        ])
        .assert()
        .success();
    assert!(!dir.join("broken.json").exists());
}

#[test]
fn store_resolution_precedence() {
    let env = TestEnv::new();
    for (dir, name) in [
        ("from-flag", "flag-room"),
        ("from-env", "env-room"),
        ("from-config", "config-room"),
        ("data/rooms", "default-room"),
    ] {
        let d = env.rooms_dir(dir);
        write_room(&d, &room(name));
    }
    let names = |cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["list", "-o", "name"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(names(&mut env.roomctl()), "default-room\n");
    fs::write(
        env.path().join("config.yaml"),
        "port: 8000\nplexUrl: http://plex:32400\nstorageType: file\nstoragePath: from-config\n",
    )
    .unwrap();
    assert_eq!(names(&mut env.roomctl()), "config-room\n");
    assert_eq!(
        names(
            env.roomctl()
                .env("STORAGE_TYPE", "file")
                .env("STORAGE_PATH", "from-env")
        ),
        "env-room\n"
    );
    assert_eq!(
        names(
            env.roomctl()
                .env("STORAGE_TYPE", "file")
                .env("STORAGE_PATH", "from-env")
                .args(["--store", "file:from-flag"])
        ),
        "flag-room\n"
    );
    // STORAGE_TYPE=file with no STORAGE_PATH takes the config's path.
    assert_eq!(
        names(env.roomctl().env("STORAGE_TYPE", "file")),
        "config-room\n"
    );
    // --config names another file; a missing one is an error.
    fs::write(
        env.path().join("other.yaml"),
        "storageType: file\nstoragePath: from-env\n",
    )
    .unwrap();
    assert_eq!(
        names(env.roomctl().args(["--config", "other.yaml"])),
        "env-room\n"
    );
    env.roomctl()
        .args(["--config", "missing.yaml", "list"])
        .assert()
        .failure()
        .stderr(contains("missing.yaml"));
    env.roomctl()
        .env("STORAGE_TYPE", "floppy")
        .arg("list")
        .assert()
        .failure()
        .stderr(contains("unknown storage type"));
}

#[test]
fn missing_store_directory_is_a_clear_error() {
    let env = TestEnv::new();
    env.roomctl()
        .args(["-s", "nowhere", "list"])
        .assert()
        .code(7)
        .stderr(contains("nowhere").and(contains("no such directory")));
}

#[test]
fn a_missing_store_directory_is_refused_by_every_command() {
    let env = TestEnv::new();
    let commands: [&[&str]; 7] = [
        &["list"],
        &["show", "movie night"],
        &["delete", "movie night", "--yes"],
        &["export", "out.jsonl"],
        &["check"],
        &["check", "--fix", "--yes"],
        &["prune-inactive", "--older-than", "30d", "--yes"],
    ];
    for args in commands {
        // A typo in --store, and the server's default with nothing there.
        for store in [Some("srv/mm/dta/rooms"), None] {
            let mut cmd = env.roomctl();
            if let Some(store) = store {
                cmd.args(["-s", store]);
            }
            cmd.args(args).assert().code(7).stderr(
                contains(store.unwrap_or("./data/rooms"))
                    .and(contains("no such directory"))
                    .and(contains("--create-store")),
            );
        }
        assert_eq!(
            fs::read_dir(env.path()).unwrap().count(),
            0,
            "{args:?} created nothing"
        );
    }
}

#[test]
fn a_refused_delete_reports_why_in_json_and_yaml() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    write_room(&dir, &room("movie night"));
    fs::write(dir.join("broken.json"), b"{\"roomName\": \"broken\"").unwrap();
    let delete = |args: &[&str]| {
        env.roomctl()
            .args(["-s", "rooms", "delete"])
            .args(args)
            .output()
            .unwrap()
    };
    // No --yes, and stdin is not a terminal.
    let out = delete(&["movie night", "-o", "json"]);
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
    // A name that does not exist.
    let out = delete(&["movie night", "nope", "--yes", "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(4));
    let report: Value = serde_yaml::from_slice(&out.stdout).expect("stdout is YAML");
    assert_eq!(report["refused"], "not-found");
    assert_eq!(report["missing"], json!(["nope"]));
    // Something under that name that is not a readable room.
    let out = delete(&["broken", "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(stdout_json(&out)["refused"], "not-a-room");
    assert!(dir.join("movie_night.json").exists());
    assert!(dir.join("broken.json").exists());
}

#[test]
fn unknown_scheme_is_rejected() {
    let env = TestEnv::new();
    env.roomctl()
        .args(["-s", "mongodb://x", "list"])
        .assert()
        .failure()
        .stderr(contains("unknown store scheme"));
}

#[test]
fn broken_pipe_exits_quietly() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    for i in 0..3000 {
        write_room(&dir, &room(&format!("room-{i:04}")));
    }
    let bin = assert_cmd::cargo::cargo_bin("roomctl");
    let out = std::process::Command::new("bash")
        .current_dir(env.path())
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' -s rooms list -o json | head -c 10 >/dev/null",
            bin.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("error"));
}

#[test]
fn symlinks_are_not_followed() {
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let outside = env.rooms_dir("outside");
    write_room(&outside, &room("secret"));
    std::os::unix::fs::symlink(outside.join("secret.json"), dir.join("secret.json")).unwrap();
    write_room(&dir, &room("real"));
    env.roomctl()
        .args(["-s", "rooms", "list", "-o", "name"])
        .assert()
        .success()
        .stdout("real\n")
        .stderr(contains("secret.json").and(contains("symlink")));
    env.roomctl()
        .args([
            "-s",
            "rooms",
            "delete",
            "secret",
            "--yes",
            "--include-invalid",
        ])
        .assert()
        .code(6);
    assert!(outside.join("secret.json").exists());
}

#[test]
fn completions_are_up_to_date() {
    use clap_complete::Shell;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    for (shell, file) in [
        (Shell::Bash, "roomctl.bash"),
        (Shell::Zsh, "_roomctl"),
        (Shell::Fish, "roomctl.fish"),
        (Shell::PowerShell, "_roomctl.ps1"),
        (Shell::Elvish, "roomctl.elv"),
    ] {
        let want = roomctl::commands::completions::script(shell);
        let path = dir.join(file);
        if update {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &want).unwrap();
            continue;
        }
        let have = fs::read(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run `scripts/gen-docs.sh` \
             (or `UPDATE_COMPLETIONS=1 cargo test --test integration cli::completions`)",
            path.display()
        );
    }
    // And the command prints the same script.
    let env = TestEnv::new();
    let out = env
        .roomctl()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(
        out.stdout,
        roomctl::commands::completions::script(Shell::Bash)
    );
}

#[test]
fn man_pages_are_up_to_date() {
    use clap::CommandFactory;
    // One page per command, generated from the clap definitions, each
    // saying it is part of roomctl (clap_mangen::generate_to would name a
    // subcommand alone as the source: "stats 0.1.0").
    fn generate(cmd: &clap::Command, dir: &std::path::Path) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            generate(sub, dir);
        }
        clap_mangen::Man::new(cmd.clone())
            .source(concat!("roomctl ", env!("CARGO_PKG_VERSION")))
            .manual("roomctl manual")
            .generate_to(dir)
            .unwrap();
    }
    let fresh = tempfile::tempdir().unwrap();
    let mut cli = roomctl::cli::Cli::command().disable_help_subcommand(true);
    cli.build();
    generate(&cli, fresh.path());
    let pages = |dir: &std::path::Path| -> std::collections::BTreeMap<String, Vec<u8>> {
        fs::read_dir(dir)
            .into_iter()
            .flatten()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "1"))
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read(&path).unwrap())
            })
            .collect()
    };
    let want = pages(fresh.path());
    for page in [
        "roomctl.1",
        "roomctl-list.1",
        "roomctl-prune-inactive.1",
        "roomctl-stats.1",
    ] {
        assert!(
            want.contains_key(page),
            "{page} not generated: {:?}",
            want.keys()
        );
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    if std::env::var_os("UPDATE_MAN_PAGES").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for stale in pages(&dir).keys().filter(|p| !want.contains_key(*p)) {
            fs::remove_file(dir.join(stale)).unwrap();
        }
        for (page, text) in &want {
            fs::write(dir.join(page), text).unwrap();
        }
        return;
    }
    let have = pages(&dir);
    let stale: std::collections::BTreeSet<&String> = want
        .keys()
        .chain(have.keys())
        .filter(|page| want.get(*page) != have.get(*page))
        .collect();
    assert!(
        stale.is_empty(),
        "man/ is stale ({stale:?}): run `scripts/gen-docs.sh` \
         (or `UPDATE_MAN_PAGES=1 cargo test --test integration cli::man_pages`)"
    );
}

#[test]
fn file_writes_keep_the_server_format() {
    // A room written by roomctl reads back byte-identical to what the server
    // would write: pretty, 2 spaces, no trailing newline.
    let env = TestEnv::new();
    let dir = env.rooms_dir("rooms");
    let doc = room("fmt");
    let store = roomctl::store::file::FileStore::open(&dir).unwrap();
    let rd = roomctl::room::RoomDocument::from_value(doc.clone()).unwrap();
    roomctl::store::put(
        &store,
        roomctl::store::Put {
            doc: &rd,
            condition: roomctl::store::Condition::Absent,
            ttl_ms: None,
        },
    )
    .unwrap();
    let written = fs::read(dir.join(safe_name("fmt"))).unwrap();
    assert_eq!(written, serde_json::to_vec_pretty(&doc).unwrap());
    assert!(!written.ends_with(b"\n"));
    assert!(
        String::from_utf8(written)
            .unwrap()
            .contains("\n  \"roomName\": \"fmt\",")
    );
}

/// Each command's help lists its own options first, then the store options
/// under their own heading, only on commands that open a store.
#[test]
fn help_lists_store_options_under_their_own_heading() {
    const STORE_OPTIONS: [&str; 9] = [
        "--store",
        "--key-prefix",
        "--config",
        "--password-file",
        "--tls-ca",
        "--tls-cert",
        "--tls-key",
        "--tls-insecure",
        "--max-room-size",
    ];
    let env = TestEnv::new();
    let help = |args: &[&str]| {
        let out = env.roomctl().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for command in [
        "list",
        "show",
        "stats",
        "delete",
        "export",
        "import",
        "check",
        "migrate-backend",
        "prune-inactive",
    ] {
        for flag in ["-h", "--help"] {
            let text = help(&[command, flag]);
            let Some(heading) = text.find("\nStore options:\n") else {
                panic!("{command} {flag}: no Store options heading:\n{text}");
            };
            let (own, store) = (options(&text[..heading]), options(&text[heading..]));
            assert_eq!(store, STORE_OPTIONS, "{command} {flag}");
            for option in STORE_OPTIONS {
                assert!(
                    !own.contains(&option),
                    "{command} {flag}: {option} in\n{text}"
                );
            }
            assert!(
                own.contains(&"--help") && own.contains(&"--quiet"),
                "{command}"
            );
        }
    }
    let list = help(&["list", "--help"]);
    let own = options(&list[..list.find("Store options:").unwrap()]);
    assert!(
        own.contains(&"--sort") && own.contains(&"--creator"),
        "{own:?}"
    );

    let migrate = help(&["migrate-backend", "--help"]);
    let target = migrate.find("\nTarget store options:\n").expect(&migrate);
    let store = migrate.find("\nStore options:\n").expect(&migrate);
    assert!(!options(&migrate[..target]).contains(&"--to-tls-ca"));
    assert_eq!(
        options(&migrate[target..store]),
        [
            "--to-key-prefix",
            "--to-password-file",
            "--to-tls-ca",
            "--to-tls-cert",
            "--to-tls-key",
            "--to-tls-insecure"
        ]
    );

    for args in [&["completions", "--help"][..], &["help", "completions"]] {
        let text = help(args);
        let listed = options(&text);
        assert!(
            listed.contains(&"--quiet")
                && !listed.contains(&"--tls-ca")
                && !listed.contains(&"--store")
                && !text.contains("Store options"),
            "{args:?}:\n{text}"
        );
    }

    // The store options work before the command and after it; after wins.
    env.rooms_dir("before");
    let after = env.rooms_dir("after");
    write_room(&after, &room("only-after"));
    env.roomctl()
        .args(["-s", "before", "list", "-o", "name", "-s", "after"])
        .assert()
        .success()
        .stdout("only-after\n");
    env.roomctl()
        .args(["list", "-o", "name", "--store", "after"])
        .assert()
        .success()
        .stdout("only-after\n");
}

/// The long options a help text lists (`  -s, --store <URI>  …` lines).
fn options(help: &str) -> Vec<&str> {
    help.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = match line.strip_prefix('-') {
                Some(rest) if !rest.starts_with('-') => line.get(4..)?,
                _ => line,
            };
            let name = line.strip_prefix("--")?;
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(name.len());
            Some(&line[..end + 2])
        })
        .collect()
}

/// The README and docs/ hold together: every relative link names a file
/// that exists and, with `#anchor`, a heading in it; every page in docs/ is
/// linked from the README; every path of the README's Layout exists; and no
/// comment points into a document that is not in the repository.
#[test]
fn documentation_links_resolve() {
    use std::path::{Path, PathBuf};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &Path| fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));

    /// The text outside ``` fences.
    fn prose(text: &str) -> String {
        let mut fenced = false;
        let mut out = String::new();
        for line in text.lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            } else if !fenced {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
    /// The anchors of a page's headings, as GitHub makes them.
    fn anchors(text: &str) -> Vec<String> {
        prose(text)
            .lines()
            .filter_map(|line| {
                line.trim_start_matches('#')
                    .strip_prefix(' ')
                    .filter(|_| line.starts_with('#'))
            })
            .map(|heading| {
                heading
                    .trim()
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect()
            })
            .collect()
    }

    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let readme = read(&root.join("README.md"));
    let mut broken = Vec::new();
    for page in std::iter::once(root.join("README.md")).chain(pages.iter().cloned()) {
        let text = prose(&read(&page));
        for link in text.split("](").skip(1) {
            let Some(target) = link.split(')').next() else {
                continue;
            };
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let file = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            if !file.exists() {
                broken.push(format!("{}: {target}: no such file", page.display()));
            } else if !anchor.is_empty() && !anchors(&read(&file)).iter().any(|a| a == anchor) {
                broken.push(format!("{}: {target}: no such heading", page.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));

    for page in &pages {
        let name = format!("](docs/{})", page.file_name().unwrap().to_string_lossy());
        assert!(readme.contains(&name), "the README does not link {name}");
    }

    let layout = readme
        .split("\n## Layout\n")
        .nth(1)
        .expect("the README has a Layout section");
    let layout = layout.split("\n## ").next().unwrap();
    let mut named = 0;
    for row in layout.lines().filter(|l| l.starts_with("| `")) {
        let cell = row.split('|').nth(1).unwrap();
        for path in cell.split('`').skip(1).step_by(2) {
            named += 1;
            // A module folder (`src/archive/`) may still be one file.
            let module = format!("{}.rs", path.trim_end_matches('/'));
            assert!(
                root.join(path).exists() || root.join(&module).exists(),
                "Layout names {path}, which does not exist"
            );
        }
    }
    assert!(named >= 10, "{layout}");

    let spec = concat!("SPEC ", "§");
    let mut stack = vec![
        root.join("src"),
        root.join("tests"),
        root.join("docs"),
        root.join("examples"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "md") {
                assert!(
                    !read(&path).contains(spec),
                    "{} refers to {spec}",
                    path.display()
                );
            }
        }
    }
    assert!(!readme.contains(spec));
}
