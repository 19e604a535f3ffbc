//! The cron recipe of docs/pruning.md, run as written: the blocks marked
//! `<!-- recipe: … -->` are read from the guide itself and run by `sh` on a
//! store with a backlog, with only the guide's example paths replaced by
//! temporary ones and `roomctl` by the binary under test. The crontab line
//! is run as cron runs it: the five time fields dropped, `\%` read as `%`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::support::{TestEnv, prom, write_room};

const GUIDE: &str = include_str!("../../docs/pruning.md");

/// The lines of the fenced block that follows `<!-- recipe: NAME`.
fn recipe(name: &str) -> Vec<String> {
    let marker = format!("<!-- recipe: {name} ");
    let at = GUIDE
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/pruning.md has no recipe {name}"));
    let rest = &GUIDE[at..];
    let open = rest.find("\n```").expect("a fenced block after the marker");
    let body = &rest[open + 4..];
    let body = &body[body.find('\n').expect("the fence line") + 1..];
    let close = body.find("\n```").expect("the closing fence");
    body[..close]
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A store with a backlog: 20 rooms unused since 2020, 10 used yesterday,
/// and one damaged file.
struct Site {
    env: TestEnv,
    rooms: PathBuf,
    backups: PathBuf,
    prom: PathBuf,
}

impl Site {
    fn new() -> Site {
        let env = TestEnv::new();
        let rooms = env.rooms_dir("rooms");
        let backups = env.rooms_dir("backups");
        let prom = env.rooms_dir("prom");
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let yesterday = roomctl::room::format_timestamp(now_ms - 86_400_000);
        for i in 0..30 {
            let created = if i < 20 {
                "2020-01-01T00:00:00.000Z".to_string()
            } else {
                yesterday.clone()
            };
            write_room(
                &rooms,
                &json!({
                    "roomName": format!("room {i:02}"),
                    "sort": "random",
                    "createdAt": created,
                    "creatorPlexUserId": "42",
                    "creatorPlexUsername": "ann",
                }),
            );
        }
        fs::write(rooms.join("broken.json"), "{not json").unwrap();
        Site {
            env,
            rooms,
            backups,
            prom,
        }
    }

    /// A line of the guide with its example paths made this site's.
    fn localize(&self, line: &str) -> String {
        let bin = assert_cmd::cargo::cargo_bin("roomctl");
        let bin = bin.to_str().unwrap();
        let line = line.replace("/usr/local/bin/roomctl", bin);
        let line = match line.strip_prefix("roomctl ") {
            Some(rest) => format!("{bin} {rest}"),
            None => line,
        };
        line.replace("/srv/moviematch/data/rooms", path(&self.rooms))
            .replace("/var/backups/moviematch", path(&self.backups))
            .replace("/var/lib/prometheus/node-exporter", path(&self.prom))
    }

    /// Runs a shell command line in the site.
    fn sh(&self, line: &str) -> Output {
        self.env
            .command("sh")
            .args(["-c", line])
            .output()
            .expect("sh")
    }

    /// The crontab line's command, as cron hands it to `sh`.
    fn cron_command(&self) -> String {
        let lines = recipe("daily");
        assert_eq!(lines.len(), 1, "one crontab line: {lines:?}");
        let fields: Vec<&str> = lines[0].splitn(6, ' ').collect();
        assert_eq!(fields.len(), 6, "five time fields and a command");
        let command = fields[5];
        // cron turns an unescaped % into a newline: there must be none.
        assert!(
            !command.replace("\\%", "").contains('%'),
            "unescaped % in the crontab line: {command}"
        );
        self.localize(&command.replace("\\%", "%"))
    }

    fn room_files(&self) -> usize {
        fs::read_dir(&self.rooms)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name.ends_with(".json") && name != "broken.json"
            })
            .count()
    }

    fn backups(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn metrics(&self) -> prom::Exposition {
        let text = fs::read_to_string(self.prom.join("roomctl-prune.prom")).unwrap();
        prom::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one-off command a `--max-delete` refusal ends with.
fn printed_command(out: &Output) -> String {
    let err = stderr(out);
    let (_, command) = err
        .split_once("If they are a backlog to clear once, run by hand: ")
        .unwrap_or_else(|| panic!("no one-off command in: {err}"));
    command.trim_end().to_string()
}

/// Waits for the next second: the backup names of the guide are stamped to
/// the second, and a backup file is never overwritten.
fn next_second() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// The quiet daily run's only line when the store holds one invalid entry.
fn invalid_entry_line(site: &Site) -> String {
    format!(
        "roomctl: warning: 1 invalid entry in file:{} skipped (never deleted); \
         `roomctl check` explains it\n",
        path(&site.rooms)
    )
}

#[test]
fn the_first_run_recipe_runs_as_written() {
    let site = Site::new();
    let steps = recipe("first-run");
    assert_eq!(steps.len(), 3, "dry run, one-off, dry run: {steps:?}");
    // Step 1 is the daily line's flags exactly: -q and the time fields
    // left out, --dry-run added.
    let daily = site.cron_command();
    let daily_flags = daily.replacen(" -q ", " ", 1);
    assert_eq!(site.localize(&steps[0]), format!("{daily_flags} --dry-run"));
    assert_eq!(steps[2], steps[0]);

    // 1. The dry run refuses (20 old rooms; 5% of 30 is 1) and shows them.
    let out = site.sh(&site.localize(&steps[0]));
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("refusing to delete 20 rooms"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("would delete").count(), 20, "{stdout}");
    let printed = printed_command(&out);
    // The command it prints is the guide's step 2, as the shell expands it.
    let stamp = printed
        .split("/prune-")
        .nth(1)
        .and_then(|rest| rest.split(".jsonl.gz").next())
        .expect("a stamped backup name")
        .to_string();
    assert_eq!(
        printed,
        site.localize(&steps[1])
            .replace("$(date -u +%Y%m%dT%H%M%SZ)", &stamp)
    );
    assert_eq!(site.room_files(), 30, "a dry run deletes nothing");

    // 2. The printed command clears the backlog, with a backup.
    let out = site.sh(&printed);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(site.room_files(), 10);
    assert_eq!(site.backups(), [format!("prune-{stamp}.jsonl.gz")]);
    let m = site.metrics();
    assert_eq!(m.value("roomctl_exit_code"), 0.0);
    assert_eq!(m.value("roomctl_rooms_deleted"), 20.0);
    assert!(m.value("roomctl_last_success_timestamp_seconds") > 0.0);

    // 3. The dry run again is within the guard.
    let out = site.sh(&site.localize(&steps[2]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The daily line now succeeds, quietly but for the damaged entry.
    next_second();
    let out = site.sh(&daily);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(stderr(&out), invalid_entry_line(&site));
    assert_eq!(site.room_files(), 10);
}

#[test]
fn the_daily_line_on_a_backlog_prints_the_one_off_that_clears_it() {
    let site = Site::new();
    let daily = site.cron_command();

    // Every night the same refusal, exit 6, until the backlog is cleared.
    let out = site.sh(&daily);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "-q");
    assert_eq!(site.room_files(), 30);
    assert!(site.backups().is_empty());
    assert_eq!(site.metrics().value("roomctl_exit_code"), 6.0);
    let printed = printed_command(&out);
    assert!(!printed.contains("--max-delete"), "{printed}");
    assert!(
        printed.contains(" -q ") && printed.ends_with(" --yes"),
        "{printed}"
    );

    // The printed command, run as printed, clears it.
    let out = site.sh(&printed);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), invalid_entry_line(&site));
    assert_eq!(site.room_files(), 10);
    assert_eq!(site.backups().len(), 1);

    next_second();
    let out = site.sh(&daily);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), invalid_entry_line(&site));
    assert_eq!(site.metrics().value("roomctl_exit_code"), 0.0);
}

/// Without `--backup`, the one-off the refusal prints has one.
#[test]
fn the_one_off_gets_a_backup_when_the_refused_run_had_none() {
    let site = Site::new();
    let out = site
        .env
        .roomctl()
        .arg("-s")
        .arg(&site.rooms)
        .args([
            "prune-inactive",
            "--older-than",
            "30d",
            "--max-delete=5%",
            "-n",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let printed = printed_command(&out);
    assert!(
        !printed.contains("max-delete") && !printed.contains(" -n"),
        "{printed}"
    );
    let backup = printed
        .split(" --backup ")
        .nth(1)
        .expect("a --backup in the one-off")
        .to_string();
    assert!(backup.starts_with("prune-backlog-") && backup.ends_with(".jsonl.gz"));
    // It asks on a terminal; here, with --yes added, it runs.
    let out = site.sh(&format!("{printed} --yes"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(site.room_files(), 10);
    assert!(site.env.path().join(&backup).exists());
}
