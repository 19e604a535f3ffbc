//! `--metrics-file FILE`: what an unattended run did, for Prometheus.
//!
//! `export`, `import`, `migrate-backend`, `prune-inactive` and `check` write
//! FILE on every outcome — success, refusal, failure — once the command has
//! returned (see `commands::dispatch`), in the Prometheus text format
//! (0.0.4) that node_exporter's textfile collector reads. The counts come
//! from the typed reports of the engines (`crate::ops`): a command hands
//! each report to [`Metrics::record`] once the engine has returned it
//! (also the partial report of a run stopped half-way); a run that stops
//! before any engine reported reports zeros. What each command counts
//! where is said once, by the [`Measured`] impls below.
//!
//! FILE is written as every roomctl file is ([`AtomicFile`]): a temporary
//! file in the same directory (`.FILE.roomctl-PID.tmp`, which the collector,
//! reading `*.prom`, never picks up), fsynced, renamed into place. It is
//! created before the command runs, so that a FILE that cannot be written
//! is refused before anything is done.
//!
//! Every metric is a gauge with the same two labels, `command` and `store`
//! (the store's name with its credentials hidden): node_exporter refuses
//! metric families whose label names differ from file to file, and the
//! same series in two files. `roomctl_last_success_timestamp_seconds` only
//! moves on a run that succeeded (exit 0, not a dry run); any other run
//! carries forward the value FILE held for the same command and store, or
//! writes 0 when it held none, so that one alert rule — no success for
//! 26 h — also fires for a job that never succeeded. docs/pruning.md lists
//! the metrics and the alert rules.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use prometheus::{Encoder as _, Gauge, Opts, Registry, TextEncoder};

use crate::atomic::AtomicFile;
use crate::exit::ExitCode;
use crate::ops::check::{CheckReport, Severity};
use crate::ops::export::ExportReport;
use crate::ops::import::ImportReport;
use crate::ops::migrate::MigrateReport;
use crate::ops::prune::PruneReport;

/// The flag, flattened into the `Args` of each command that has it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MetricsArgs {
    /// Write what the run did to FILE for Prometheus, whatever the outcome.
    ///
    /// Rooms considered, written, deleted, kept and invalid, archive bytes,
    /// duration, exit code and the time of the last success, in the text
    /// format of node_exporter's textfile collector (name FILE *.prom, in
    /// its directory). Written atomically; docs/pruning.md lists the
    /// metrics and alert rules.
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
}

/// What a run did to rooms, as far as it got. Which rooms each command
/// counts where is listed in docs/pruning.md ("Metrics").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Entries the run looked at (rooms, and invalid entries where the
    /// command scans a store).
    pub considered: u64,
    /// Rooms written: to the archive, the store, the target, the backup.
    pub written: u64,
    /// Rooms deleted.
    pub deleted: u64,
    /// Rooms the run could have changed and left as they were.
    pub kept: u64,
    /// Entries that are not valid rooms, left alone (check: the problems
    /// that remain).
    pub invalid: u64,
}

/// What the command reports while it runs; read once it has returned.
#[derive(Debug, Default)]
pub struct Metrics {
    recorded: Mutex<Recorded>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Recorded {
    counts: Counts,
    archive_bytes: Option<u64>,
}

impl Metrics {
    /// What `report` says the run did (the last report recorded wins; an
    /// archive size, once known, stays).
    pub fn record(&self, report: &dyn Measured) {
        let counts = report.counts();
        let bytes = report.archive_bytes();
        self.with(|r| {
            r.counts = counts;
            r.archive_bytes = bytes.or(r.archive_bytes);
        });
    }

    /// The size of the archive the run read, as on disk, once it is known
    /// (import: after the archive was validated, before the store is used).
    pub fn archive_bytes(&self, bytes: u64) {
        self.with(|r| r.archive_bytes = Some(bytes));
    }

    fn with(&self, f: impl FnOnce(&mut Recorded)) {
        // A panic elsewhere cannot leave three integers half-updated.
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut recorded);
    }

    fn snapshot(&self) -> Recorded {
        *self.recorded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An engine's report, as `--metrics-file` counts it. docs/pruning.md
/// ("Metrics") says the same for each command.
pub trait Measured {
    fn counts(&self) -> Counts;

    /// The size of the archive the run wrote, as on disk, if it wrote one.
    fn archive_bytes(&self) -> Option<u64> {
        None
    }
}

/// export: every entry scanned; the rooms written to the archive; the
/// entries left out.
impl Measured for ExportReport {
    fn counts(&self) -> Counts {
        Counts {
            considered: self.considered,
            written: self.rooms,
            invalid: self.left_out,
            ..Counts::default()
        }
    }

    fn archive_bytes(&self) -> Option<u64> {
        Some(self.bytes)
    }
}

/// import: the archive's rooms; written are the rooms created or
/// overwritten, kept the ones left as the store held them (skipped,
/// unchanged, in conflict, changed meanwhile). In a dry run, as planned.
impl Measured for ImportReport {
    fn counts(&self) -> Counts {
        let c = &self.counts;
        Counts {
            considered: self.rooms,
            written: c.written(),
            kept: c.skipped + c.unchanged + c.conflicts + c.changed_meanwhile,
            ..Counts::default()
        }
    }
}

/// migrate-backend: the source's entries; kept are the rooms the target
/// already held (identical, or in conflict and left there), or with
/// `--no-copy` the rooms left in the source.
impl Measured for MigrateReport {
    fn counts(&self) -> Counts {
        let c = &self.counts;
        Counts {
            considered: c.scanned,
            written: c.copied,
            deleted: c.deleted_from_source,
            kept: if self.no_copy {
                c.kept()
            } else {
                c.identical + c.conflicts.saturating_sub(c.overwritten)
            },
            invalid: c.invalid,
        }
    }
}

/// prune-inactive: the valid rooms and the invalid entries; written are
/// the rooms of the backup; kept, every valid room not deleted (with
/// unknown activity too). In a dry run, deleted are the rooms that would
/// be.
impl Measured for PruneReport {
    fn counts(&self) -> Counts {
        let s = &self.summary;
        Counts {
            considered: s.rooms + s.invalid,
            written: self.backup.as_ref().map_or(0, |b| b.rooms),
            deleted: s.deleted,
            kept: s.kept + s.unknown,
            invalid: s.invalid,
        }
    }

    fn archive_bytes(&self) -> Option<u64> {
        self.backup.as_ref().and_then(|b| b.bytes)
    }
}

/// check: the usable rooms; written are the entries `--fix` repaired;
/// invalid, the errors and warnings that remain.
impl Measured for CheckReport {
    fn counts(&self) -> Counts {
        Counts {
            considered: self.rooms,
            written: self.repaired,
            invalid: (self.count(Severity::Error) + self.count(Severity::Warning)) as u64,
            ..Counts::default()
        }
    }
}

/// Which job the metrics describe: the two labels, and whether the run is a
/// dry run (which never counts as a success).
#[derive(Debug, Clone)]
pub struct Job {
    pub command: &'static str,
    pub store: String,
    pub dry_run: bool,
}

/// FILE, created before the command runs and written once it has returned.
pub struct MetricsFile {
    file: AtomicFile,
    started: Instant,
}

impl MetricsFile {
    /// Starts FILE (readable by all: node_exporter runs as another user).
    pub fn create(path: &Path) -> io::Result<MetricsFile> {
        Ok(MetricsFile {
            file: AtomicFile::create(path, 0o644)?,
            started: Instant::now(),
        })
    }

    pub fn path(&self) -> &Path {
        self.file.target()
    }

    /// Writes what `metrics` recorded and how the run ended, and renames
    /// FILE into place.
    pub fn finish(mut self, job: &Job, metrics: &Metrics, code: ExitCode) -> io::Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let last_success = if code == ExitCode::Success && !job.dry_run {
            now
        } else {
            previous_last_success(self.file.target(), job)?.unwrap_or(0.0)
        };
        let text = render(
            job,
            &Sample {
                recorded: metrics.snapshot(),
                duration: self.started.elapsed().as_secs_f64(),
                code,
                now,
                last_success,
            },
        )?;
        self.file.write_all(text.as_bytes())?;
        self.file.commit()
    }
}

/// Everything one file says.
struct Sample {
    recorded: Recorded,
    duration: f64,
    code: ExitCode,
    now: f64,
    last_success: f64,
}

const LAST_SUCCESS: &str = "roomctl_last_success_timestamp_seconds";

/// The metrics as the text format writes them.
fn render(job: &Job, s: &Sample) -> io::Result<String> {
    let c = &s.recorded.counts;
    let rooms = |what: &str, help: &str, n: u64| {
        (format!("roomctl_rooms_{what}"), help.to_string(), n as f64)
    };
    let mut gauges = vec![
        rooms(
            "considered",
            "Rooms (and invalid entries) the last run looked at; what each command counts: docs/pruning.md.",
            c.considered,
        ),
        rooms(
            "written",
            "Rooms the last run wrote: to the archive, the store, the target or the backup.",
            c.written,
        ),
        rooms("deleted", "Rooms the last run deleted.", c.deleted),
        rooms(
            "kept",
            "Rooms the last run could have changed and left as they were.",
            c.kept,
        ),
        rooms(
            "invalid",
            "Invalid entries the last run found and left alone (check: problems that remain).",
            c.invalid,
        ),
        (
            "roomctl_duration_seconds".into(),
            "How long the last run took.".into(),
            s.duration,
        ),
        (
            "roomctl_exit_code".into(),
            "Exit status of the last run (0 success, 3 incomplete, 6 refused, 7 store unreachable: docs/exit-codes.md).".into(),
            f64::from(s.code.code()),
        ),
        (
            "roomctl_dry_run".into(),
            "1 when the last run was a dry run, which changes nothing and is never a success.".into(),
            if job.dry_run { 1.0 } else { 0.0 },
        ),
        (
            "roomctl_last_run_timestamp_seconds".into(),
            "When the last run ended, in seconds since the epoch.".into(),
            s.now,
        ),
        (
            LAST_SUCCESS.into(),
            "When the last run that succeeded (exit 0, not a dry run) ended, in seconds since the epoch; 0 if none did.".into(),
            s.last_success,
        ),
    ];
    if let Some(bytes) = s.recorded.archive_bytes {
        gauges.push((
            "roomctl_archive_bytes".into(),
            "Size of the archive the last run wrote (export, prune-inactive --backup) or read (import), as on disk.".into(),
            bytes as f64,
        ));
    }
    encode(job, &gauges)
}

/// The gauges, labelled with `job`, in the text format.
fn encode(job: &Job, gauges: &[(String, String, f64)]) -> io::Result<String> {
    let registry = Registry::new();
    for (name, help, value) in gauges {
        let opts = Opts::new(name.as_str(), help.as_str())
            .const_label("command", job.command)
            .const_label("store", job.store.as_str());
        let gauge = Gauge::with_opts(opts).map_err(io::Error::other)?;
        gauge.set(*value);
        registry
            .register(Box::new(gauge))
            .map_err(io::Error::other)?;
    }
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut out)
        .map_err(io::Error::other)?;
    String::from_utf8(out).map_err(io::Error::other)
}

/// The last success FILE records for this command and store, if it holds
/// one. Another job's FILE (other labels) holds none for this one.
fn previous_last_success(path: &Path, job: &Job) -> io::Result<Option<f64>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // Not ours to judge (not text, unreadable): as if absent.
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(None),
        Err(e) => return Err(e),
    };
    // The series is recognised by the line the encoder itself writes for
    // these labels, so escaping can never make a match miss.
    let ours = encode(job, &[(LAST_SUCCESS.into(), "-".into(), 0.0)])?;
    let Some(prefix) = ours
        .lines()
        .find(|l| !l.starts_with('#'))
        .and_then(|l| l.strip_suffix('0'))
    else {
        return Ok(None);
    };
    Ok(text
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(store: &str) -> Job {
        Job {
            command: "prune-inactive",
            store: store.into(),
            dry_run: false,
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let text = encode(&job("file:/a\"b\\c\nd"), &[("x".into(), "h".into(), 1.0)]).unwrap();
        assert!(
            text.contains(r#"x{command="prune-inactive",store="file:/a\"b\\c\nd"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn last_success_is_read_back_for_the_same_labels_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.prom");
        let tricky = job("redis://h:1/0?prefix=a}b \"c\"");
        let text = encode(
            &tricky,
            &[(LAST_SUCCESS.into(), "h".into(), 1_762_000_000.5)],
        )
        .unwrap();
        std::fs::write(&path, text).unwrap();
        assert_eq!(
            previous_last_success(&path, &tricky).unwrap(),
            Some(1_762_000_000.5)
        );
        assert_eq!(previous_last_success(&path, &job("file:/x")).unwrap(), None);
        assert_eq!(
            previous_last_success(&dir.path().join("none.prom"), &tricky).unwrap(),
            None
        );
    }
}
