//! `roomctl export [FILE]`: every room of the store (or a filtered
//! selection) to an archive, streaming, written atomically. The engine is
//! [`crate::ops::export`].

use std::io::Write;
use std::path::PathBuf;

use super::{Context, show_progress};
use crate::archive::{Compression, Format};
use crate::exit::{ExitCode, fail};
use crate::filter::RoomFilter;
use crate::ops::export::{self, ExportOptions};
use crate::output::{self, safe};
use crate::select::RoomNames;

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
    pub names: RoomNames,

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

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<ExitCode> {
    let now_ms = args.filter.checked_now_ms()?;
    let (format, compression) = format_of(&args)?;
    let names = args.names.resolve()?;
    let (store, resolved) = ctx.open_store()?;
    let options = ExportOptions {
        format: format.into(),
        compression,
        source: resolved.spec.redacted(),
        filter: &args.filter,
        now_ms,
        names: &names,
    };
    let bar = ctx.ui.progress(None, "exporting");
    let progress = show_progress(&ctx.ui, &bar);
    let (report, target) = match args.file.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let report =
                export::export_to_file(store.as_ref(), &options, path, args.force, &progress)?;
            (report, path.display().to_string())
        }
        None => {
            let mut out = output::stdout();
            let report = export::export(store.as_ref(), &options, &mut out, &progress)?;
            out.flush()?;
            (report, "stdout".to_string())
        }
    };
    bar.finish_and_clear();
    ctx.metrics.record(&report);
    let left_out = match report.left_out {
        0 => String::new(),
        n => format!(
            "; {n} entries left out (backup INCOMPLETE{})",
            if args.skip_invalid {
                ", accepted by --skip-invalid"
            } else {
                ""
            }
        ),
    };
    ctx.ui.status(format!(
        "exported {} room{} to {target}{left_out}",
        report.rooms,
        if report.rooms == 1 { "" } else { "s" },
    ));
    if report.left_out > 0 && !args.skip_invalid {
        return Ok(ExitCode::Incomplete);
    }
    Ok(ExitCode::Success)
}
