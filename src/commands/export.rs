//! `roomctl export [FILE]`: every room of the store (or a filtered
//! selection) to an archive, streaming, written atomically.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use rayon::prelude::*;

use super::Context;
use crate::archive::{self, ArchiveWriter, CompressedWriter, Compression, Format, Header};
use crate::atomic::AtomicFile;
use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::output::{self, safe};
use crate::read_ahead::with_read_ahead;
use crate::store::{Entry, ScanOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the archive; `-` or nothing for stdout. A name ending
    /// in .gz or .zst is compressed.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Archive format [default: from the file name, else jsonl].
    #[arg(short, long, value_enum)]
    pub format: Option<ArchiveFormat>,

    /// Compress with gzip or zstd, named attached: -z=zstd, --compress=zstd.
    /// A bare -z compresses as FILE's name says (.gz, .zst), else with gzip;
    /// a FILE ending in .gz or .zst is compressed even without -z.
    #[arg(short = 'z', long, value_name = "ALGO", num_args = 0..=1, require_equals = true, default_missing_value = "auto", value_parser = compress_values())]
    pub compress: Option<String>,

    /// Exit 0 even when entries that are not readable rooms were left out.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub filter: RoomFilter,

    #[command(flatten)]
    pub metrics: crate::metrics::MetricsArgs,

    #[command(flatten)]
    pub store: crate::cli::StoreArgs,
}

/// Archive formats (docs/archive-format.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveFormat {
    /// JSON Lines: header, one room per line, trailer (streamable, jq-friendly).
    Jsonl,
    /// One JSON document with the same header and trailer.
    Json,
    /// YAML with the same header and trailer, for reading and hand-editing.
    Yaml,
}

impl From<ArchiveFormat> for Format {
    fn from(f: ArchiveFormat) -> Format {
        match f {
            ArchiveFormat::Jsonl => Format::Jsonl,
            ArchiveFormat::Json => Format::Json,
            ArchiveFormat::Yaml => Format::Yaml,
        }
    }
}

/// Picks the format and compression from flags and the file name.
fn format_of(args: &Args) -> anyhow::Result<(ArchiveFormat, Compression)> {
    let name = args
        .file
        .as_ref()
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = if name.ends_with(".gz") {
        Compression::Gzip
    } else if name.ends_with(".zst") {
        Compression::Zstd
    } else {
        Compression::None
    };
    if args.compress.as_deref() == Some("auto")
        && let Some(algo) = args
            .file
            .as_ref()
            .and_then(|p| p.to_str())
            .filter(|p| ["gzip", "zstd"].contains(p))
    {
        return Err(fail(
            ExitCode::Usage,
            format!(
                "-z takes its algorithm attached: -z={algo} or --compress={algo}; \
                 to write a file named {algo}, give it as ./{algo}"
            ),
        ));
    }
    let compression = match (args.compress.as_deref(), by_name) {
        (Some("zstd"), Compression::Gzip) | (Some("gzip"), Compression::Zstd) => {
            return Err(fail(
                ExitCode::Usage,
                format!(
                    "--compress={} but {} is named as {by_name}: \
                     give the file a matching name, or leave out --compress",
                    args.compress.as_deref().unwrap_or_default(),
                    name_shown(args),
                ),
            ));
        }
        (Some("zstd"), _) => Compression::Zstd,
        (Some("gzip"), _) => Compression::Gzip,
        (Some(_), Compression::None) => Compression::Gzip,
        (_, by_name) => by_name,
    };
    let base = name.trim_end_matches(".gz").trim_end_matches(".zst");
    let guessed = if base.ends_with(".yaml") || base.ends_with(".yml") {
        ArchiveFormat::Yaml
    } else if base.ends_with(".json") {
        ArchiveFormat::Json
    } else {
        ArchiveFormat::Jsonl
    };
    Ok((args.format.unwrap_or(guessed), compression))
}

/// `-z`'s algorithms; a bare `-z` is the hidden `auto` (from FILE's name,
/// else gzip).
fn compress_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    [
        PossibleValue::new("gzip"),
        PossibleValue::new("zstd"),
        PossibleValue::new("auto").hide(true),
    ]
    .into()
}

/// FILE as an error message names it.
fn name_shown(args: &Args) -> String {
    args.file
        .as_ref()
        .map(|p| safe(&p.display().to_string()).into_owned())
        .unwrap_or_default()
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportCounts {
    /// Entries scanned, selected or not.
    pub considered: u64,
    pub rooms: u64,
    pub skipped: u64,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let now = args.filter.checked_now_ms()?;
    let (format, compress) = format_of(&args)?;
    let (store, resolved) = ctx.open_store()?;
    let header = Header::new(resolved.spec.redacted());
    let to_stdout = args.file.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let bar = ctx.ui.progress(None, "exporting");
    let mut counts = ExportCounts::default();
    let mut write_all = |sink: &mut dyn Write| -> anyhow::Result<()> {
        let mut counted = crate::metrics::CountingWriter::new(sink);
        let sink = CompressedWriter::new(&mut counted, compress)?;
        let mut writer = ArchiveWriter::new(sink, format.into(), &header)?;
        // The next batch is read while this one is written.
        // An archive carries the stored text; no filter needs the users.
        let options = ScanOptions {
            skip_users: true,
            ..ScanOptions::default()
        };
        with_read_ahead(store.scan(options)?, |batches| {
            for batch in batches {
                let batch = batch?;
                counts.considered += batch.len() as u64;
                // Rooms are made archive lines on every core, written in order.
                let lines: Vec<_> = batch
                    .par_iter()
                    .map(|entry| match entry {
                        Entry::Room(room) if args.filter.matches(&room.facts, now) => {
                            Some(archive::compact_line_of(room))
                        }
                        _ => None,
                    })
                    .collect();
                for (entry, line) in batch.iter().zip(lines) {
                    match entry {
                        Entry::Room(room) => {
                            let Some(line) = line else { continue };
                            let line = line.with_context(|| room.location.clone())?;
                            writer.write_valid_room(&line)?;
                            counts.rooms += 1;
                            bar.inc(1);
                        }
                        Entry::Problem(p) => {
                            counts.skipped += 1;
                            bar.suspend(|| {
                                ctx.ui.warn(format!(
                                    "left out {}: {}: {}",
                                    safe(&p.location),
                                    p.kind.label(),
                                    safe(&p.reason)
                                ))
                            });
                        }
                    }
                }
            }
            anyhow::Ok(())
        })?;
        let (sink, _) = writer.finish()?;
        sink.finish()?.flush()?;
        ctx.metrics.archive_bytes(counted.bytes());
        Ok(())
    };
    let target = if to_stdout {
        let mut out = output::stdout();
        write_all(&mut out)?;
        out.flush()?;
        "stdout".to_string()
    } else {
        let path = args.file.clone().unwrap_or_default();
        if path.exists() && !args.force {
            return Err(fail(
                ExitCode::Refused,
                format!(
                    "{} exists; choose another name or pass --force",
                    path.display()
                ),
            ));
        }
        let mut file = AtomicFile::create(&path, 0o600)
            .with_context(|| format!("cannot create {}", path.display()))?;
        write_all(&mut file)?;
        file.commit()?;
        path.display().to_string()
    };
    bar.finish_and_clear();
    ctx.metrics.record(crate::metrics::Counts {
        considered: counts.considered,
        written: counts.rooms,
        invalid: counts.skipped,
        ..Default::default()
    });
    ctx.ui.status(format!(
        "exported {} room{} to {}{}",
        counts.rooms,
        if counts.rooms == 1 { "" } else { "s" },
        target,
        if counts.skipped > 0 {
            format!(
                "; {} entries left out (backup INCOMPLETE{})",
                counts.skipped,
                if args.skip_invalid {
                    ", accepted by --skip-invalid"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        }
    ));
    if counts.skipped > 0 && !args.skip_invalid {
        return Ok(ExitCode::Incomplete);
    }
    Ok(ExitCode::Success)
}
